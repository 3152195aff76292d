/**
 * Stored logins, like `docker login`'s: per server a personal access token the CLI created at
 * login (never the password), in `<config dir>/credentials.json` with mode 0600, plus the server
 * last logged in to, so commands need no URL.
 *
 * {
 *   "current": "https://registry.example.com",
 *   "servers": { "https://registry.example.com": { "url", "username", "token", "tokenId", "tokenName" } }
 * }
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { cliConfigDir } from '../config/cli-config-dir.js';
import { ApiClient } from './api-client.js';
import { CliError, usageError } from './cli-error.js';

/** One server's stored login. */
export interface StoredLogin {
  /** The server's origin, e.g. https://registry.example.com. */
  url: string;
  username: string;
  /** The personal access token's secret. */
  token: string;
  /** The token's id, to revoke it at logout. */
  tokenId: string;
  tokenName?: string;
}

/** The whole credentials file. */
export interface CredentialsFile {
  current?: string;
  servers: Record<string, StoredLogin>;
}

/** The credentials file's path. */
export function credentialsPath(): string {
  return join(cliConfigDir(), 'credentials.json');
}

/**
 * A server address as typed (`registry.example.com`, `localhost:5000/`, `https://host`) as its
 * origin. Without a scheme: https, except loopback hosts, which are http (docker treats them as
 * insecure registries too).
 */
export function normalizeServer(input: string): string {
  const text = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `${isLoopback(text) ? 'http' : 'https'}://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError(`"${input}" is not a server address (e.g. https://registry.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`"${input}": only http:// and https:// servers are supported`);
  return url.origin;
}

function isLoopback(hostAndPort: string): boolean {
  const host = hostAndPort.replace(/\/.*$/, '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Reads the credentials file; an absent file is an empty one. */
export async function readCredentials(): Promise<CredentialsFile> {
  const path = credentialsPath();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    return { ...(parsed.current ? { current: parsed.current } : {}), servers: parsed.servers ?? {} };
  } catch {
    throw new CliError(`${path} is not valid JSON: fix or delete it, then run \`berth login\` again`);
  }
}

/** Writes the credentials file atomically, readable by its owner only. */
export async function writeCredentials(file: CredentialsFile): Promise<void> {
  const dir = cliConfigDir();
  const path = credentialsPath();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // Created 0600 from the start, so the token is never readable by others, not even briefly.
    await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temp, 0o600); // a umask can only narrow the mode; this makes it exact
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Stores a login and makes its server the current one. */
export async function saveLogin(login: StoredLogin): Promise<void> {
  const file = await readCredentials();
  file.servers[login.url] = login;
  file.current = login.url;
  await writeCredentials(file);
}

/** Forgets a server's login; the current server moves to another stored one, if any. */
export async function forgetLogin(url: string): Promise<void> {
  const file = await readCredentials();
  delete file.servers[url];
  if (file.current === url) {
    const next = Object.keys(file.servers)[0];
    if (next === undefined) delete file.current;
    else file.current = next;
  }
  await writeCredentials(file);
}

/** The stored login for `server` (a --server value), else for the current server. */
export async function findLogin(server: string | undefined): Promise<StoredLogin> {
  const file = await readCredentials();
  const url = server === undefined ? file.current : normalizeServer(server);
  if (url === undefined) throw new CliError('not logged in: run `berth login <url> -u <username>` first');
  const login = file.servers[url];
  if (!login) throw new CliError(`not logged in to ${url}: run \`berth login ${url} -u <username>\` first`);
  return login;
}

/** The option every command that talks to a server takes. */
export interface ServerOption {
  server?: string;
}

/** Adds `--server <url>` to a command. */
export function withServerOption(command: Command): Command {
  return command.option('--server <url>', 'the server to talk to (default: the one last logged in to)');
}

/** A session: the stored login and a client that authenticates with its token. */
export interface Session {
  login: StoredLogin;
  api: ApiClient;
}

/** Opens a session on the server named by --server, else the current one. */
export async function openSession(server: string | undefined): Promise<Session> {
  const login = await findLogin(server);
  const expired = `the stored login for ${login.url} is no longer valid (its token was revoked or has expired): run \`berth login ${login.url} -u ${login.username}\` again`;
  return { login, api: new ApiClient(login.url, { username: login.username, secret: login.token }, expired) };
}
