/**
 * `berth login`, `berth logout`, `berth whoami`: like `docker login`, the password is checked
 * once and then traded for a personal access token, which is what gets stored and sent later.
 */
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { ApiClient, segment } from '../api-client.js';
import type { CreatedCredential, Me } from '../api-types.js';
import { CliError, usageError } from '../cli-error.js';
import { note, printFields, printJson, say } from '../output.js';
import { ask, canPrompt, passwordLinesFromStdin } from '../password-input.js';
import { credentialsPath, findLogin, forgetLogin, normalizeServer, openSession, readCredentials, saveLogin, withServerOption, type ServerOption, type StoredLogin } from '../stored-login.js';
import { positiveInteger } from '../option-parsers.js';

interface LoginOptions {
  oidc?: boolean;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  expiresInDays?: number;
}

/** `cli-<hostname>-<date>`, in the characters a token name may safely hold. */
function tokenName(attempt: number): string {
  const host = hostname().toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40).replace(/^-+|-+$/g, '') || 'host';
  const date = new Date().toISOString().slice(0, 10);
  return `cli-${host}-${date}${attempt > 1 ? `-${attempt}` : ''}`;
}

async function passwordFor(options: LoginOptions): Promise<string> {
  if (options.password !== undefined && options.passwordStdin) throw usageError('--password and --password-stdin are mutually exclusive');
  if (options.passwordStdin) return (await passwordLinesFromStdin())[0] as string;
  if (options.password !== undefined) {
    note('WARNING! Using --password via the CLI is insecure (other users can see it in `ps`). Use --password-stdin.');
    return options.password;
  }
  return ask('Password: ', true);
}

/** Creates the login's token; a name taken by an earlier login today gets a -2, -3 … suffix. */
async function createToken(api: ApiClient, user: string, expiresInDays: number | undefined): Promise<CreatedCredential> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.post<CreatedCredential>(`/users/${segment(user)}/tokens`, { json: { name: tokenName(attempt), fullAccess: true, ...(expiresInDays ? { expiresInDays } : {}) } });
    } catch (error) {
      if (!(error instanceof CliError && error.status === 409 && attempt < 10)) throw error;
    }
  }
}

/** Revokes a stored login's token with the token itself. */
function revokeStored(login: StoredLogin): Promise<unknown> {
  const api = new ApiClient(login.url, { username: login.username, secret: login.token });
  return api.delete(`/users/${segment(login.username)}/tokens/${segment(login.tokenId)}`);
}

// How long `berth login --oidc` waits for the browser sign-in.
const OIDC_WAIT_MS = 5 * 60 * 1000;

/**
 * `berth login --oidc`: a loopback listener on 127.0.0.1 receives the session token the server
 * hands over after the browser signed in at the identity provider (RFC 8252's loopback redirect).
 */
async function loginWithOidc(url: string): Promise<void> {
  let deliver: (result: URLSearchParams) => void = () => undefined;
  const delivered = new Promise<URLSearchParams>((resolve) => (deliver = resolve));
  const listener = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (target.pathname !== '/callback') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Signed in to Berth. You can close this window and return to the terminal.\n');
    deliver(target.searchParams);
  });
  await new Promise<void>((ready) => listener.listen(0, '127.0.0.1', ready));
  try {
    const address = listener.address();
    if (address === null || typeof address === 'string') throw new CliError('could not open a loopback port for the sign-in');
    say(`Open this address in your browser to sign in:\n\n    ${url}/auth/oidc/login?cli_port=${address.port}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new CliError('no sign-in arrived within 5 minutes')), OIDC_WAIT_MS);
    });
    const result = await Promise.race([delivered, timeout]).finally(() => clearTimeout(timer));
    const username = result.get('username');
    const secret = result.get('secret');
    if (!username || !secret) throw new CliError('the sign-in came back without a token');
    const me = await new ApiClient(url, { username, secret }).get<Me>('/me');
    await saveLogin({ url, username: me.name, token: secret, tokenId: me.credential?.id ?? '', ...(me.credential?.name ? { tokenName: me.credential.name } : {}) });
    say(`Login Succeeded: ${me.name} at ${url}`);
  } finally {
    listener.close();
  }
}

async function login(server: string, options: LoginOptions): Promise<void> {
  const url = normalizeServer(server);
  if (options.oidc) {
    if (options.username !== undefined || options.password !== undefined || options.passwordStdin) throw usageError('--oidc signs in at the identity provider: no username or password here');
    await loginWithOidc(url);
    return;
  }
  let username = options.username;
  if (username === undefined) {
    if (options.passwordStdin || !canPrompt()) throw usageError('give the username with -u/--username');
    username = await ask('Username: ', false);
  }
  if (username === '') throw usageError('the username must not be empty');
  const password = await passwordFor(options);
  const api = new ApiClient(url, { username, secret: password }, `login to ${url} failed: wrong username or password`);
  const me = await api.get<Me>('/me');
  if (me.kind !== 'user') throw new CliError(`${me.name} is a ${me.kind}, not a user: \`berth login\` needs a user account (a robot uses its secret directly, e.g. with docker login)`);
  const token = await createToken(api, me.name, options.expiresInDays);

  const previous = (await readCredentials()).servers[url];
  await saveLogin({ url, username: me.name, token: token.secret, tokenId: token.id, tokenName: token.name });
  if (previous && previous.tokenId !== token.id) {
    // The replaced login's token would otherwise stay valid, unused and forgotten.
    await revokeStored(previous).catch(() => note(`note: could not revoke the previous login's token ${previous.tokenName ?? previous.tokenId} for ${previous.username}; revoke it with \`berth token revoke ${previous.tokenId}\``));
  }
  say(`Login Succeeded: ${me.name} at ${url}`);
  note(`A personal access token "${token.name}" was stored in ${credentialsPath()} (the password was not).`);
}

async function logout(server: string | undefined, options: { local?: boolean }): Promise<void> {
  const stored = await findLogin(server);
  if (!options.local) {
    try {
      await revokeStored(stored);
    } catch (error) {
      // 401: the token is already revoked or expired; 404: the server no longer knows it. Either way it is dead.
      if (!(error instanceof CliError && (error.status === 401 || error.status === 404))) {
        throw new CliError(`could not revoke the login's token on ${stored.url} (${(error as Error).message}); the login is kept. To forget it without revoking, run \`berth logout ${stored.url} --local\``);
      }
    }
  }
  await forgetLogin(stored.url);
  say(`Logged out of ${stored.url}${options.local ? ' (the token was not revoked on the server)' : ''}`);
}

async function whoami(options: ServerOption & { json?: boolean }): Promise<void> {
  const { login: stored, api } = await openSession(options.server);
  const me = await api.get<Me>('/me');
  if (options.json) {
    printJson({ ...me, server: stored.url });
    return;
  }
  printFields([
    ['name', me.name],
    ['kind', me.kind],
    ['admin', me.admin ? 'yes' : 'no'],
    ['groups', me.groups && me.groups.length > 0 ? me.groups.join(', ') : '-'],
    ['server', stored.url],
  ]);
}

/** Registers `berth login`, `berth logout` and `berth whoami`. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in to a server: checks the password, then stores a personal access token for later commands')
    .argument('<url>', 'the server, e.g. https://registry.example.com or localhost:5000')
    .option('--oidc', 'sign in with single sign-on in the browser (OIDC) instead of a password')
    .option('-u, --username <name>', 'the user to log in as')
    .option('--password-stdin', 'read the password from stdin')
    .option('-p, --password <password>', 'the password (insecure: visible in `ps`; prefer --password-stdin)')
    .option('--expires-in-days <n>', 'let the stored token expire after this many days (default: never)', positiveInteger)
    .exitOverride()
    .action(login);

  program
    .command('logout')
    .description("log out of a server: revokes the stored token and forgets it")
    .argument('[url]', 'the server (default: the current one)')
    .option('--local', 'only forget the login here, without revoking its token on the server')
    .exitOverride()
    .action(logout);

  withServerOption(program.command('whoami').description('show who the stored login is'))
    .option('--json', 'print JSON')
    .exitOverride()
    .action(whoami);
}
