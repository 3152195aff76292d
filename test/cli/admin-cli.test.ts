/**
 * The `berth` admin CLI end to end: a registry in this process with access control on, the real
 * CLI as a child process talking to it over HTTP, each test with a config folder of its own.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runCli, type BerthRun } from './berth-process.js';

const ADMIN_PASSWORD = 'admin-password-1';

let registry: TestRegistry;
const folders: string[] = [];

before(async () => {
  // No failed-login throttle: several tests present wrong or revoked credentials for "admin".
  registry = await startRegistry({ BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_RATE_LIMITS_FAILED_LOGINS: '0' });
});

after(async () => {
  await registry?.stop();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** A CLI user: a config folder of their own, and `berth …` runs with it. */
interface Cli {
  configDir: string;
  run(args: string[], stdin?: string): Promise<BerthRun>;
}

async function cli(): Promise<Cli> {
  const configDir = await mkdtemp(join(tmpdir(), 'berth-cli-config-'));
  folders.push(configDir);
  const run = async (args: string[], stdin = ''): Promise<BerthRun> => {
    return runCli(configDir, args, stdin);
  };
  return { configDir, run };
}

/** Runs a command that must succeed, and returns what it printed. */
async function ok(user: Cli, args: string[], stdin?: string): Promise<BerthRun> {
  const result = await user.run(args, stdin);
  assert.equal(result.code, 0, `berth ${args.join(' ')} exited with ${result.code}:\n${result.stdout}${result.stderr}`);
  return result;
}

/** A CLI user logged in as admin. */
async function admin(): Promise<Cli> {
  const user = await cli();
  await ok(user, ['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  return user;
}

interface CredentialsFile {
  current?: string;
  servers: Record<string, { url: string; username: string; token: string; tokenId: string }>;
}

async function storedLogins(user: Cli): Promise<CredentialsFile> {
  return JSON.parse(await readFile(join(user.configDir, 'credentials.json'), 'utf8')) as CredentialsFile;
}

function basic(username: string, secret: string): string {
  return `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
}

/** GET /token with Basic credentials for a scope. */
async function tokenRequest(username: string, secret: string, scope: string): Promise<Response> {
  return fetch(`${registry.url}/token?service=berth&scope=${encodeURIComponent(scope)}`, { headers: { Authorization: basic(username, secret) } });
}

/** The access claim of a registry token (docker token spec: [{type, name, actions}]). */
function accessOf(jwt: string): { type: string; name: string; actions: string[] }[] {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8')) as { access?: { type: string; name: string; actions: string[] }[] };
  return payload.access ?? [];
}

/** A name no other test uses. */
function unique(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

describe('berth login and logout', () => {
  it('login with --password-stdin stores a personal access token, never the password, in a credentials file only its owner can read', async () => {
    const user = await cli();
    const login = await ok(user, ['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
    assert.match(login.stdout, /Login Succeeded/);

    const path = join(user.configDir, 'credentials.json');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const text = await readFile(path, 'utf8');
    assert.doesNotMatch(text, new RegExp(ADMIN_PASSWORD));
    const stored = (JSON.parse(text) as CredentialsFile).servers[registry.url];
    assert.equal(stored?.username, 'admin');
    assert.match(stored?.token ?? '', /^berth_pat_/);
    assert.equal((JSON.parse(text) as CredentialsFile).current, registry.url);

    // The stored token is a working credential of its own.
    assert.equal((await tokenRequest('admin', stored?.token ?? '', 'repository:any/repo:pull')).status, 200);
  });

  it('whoami names the logged-in user, that it is an admin, and the server', async () => {
    const user = await admin();
    const whoami = await ok(user, ['whoami']);
    assert.match(whoami.stdout, /name:\s+admin/);
    assert.match(whoami.stdout, /kind:\s+user/);
    assert.match(whoami.stdout, /admin:\s+yes/);
    assert.match(whoami.stdout, new RegExp(`server:\\s+${registry.url}`));
  });

  it('logout revokes the stored token on the server and deletes it locally', async () => {
    const user = await admin();
    const stored = (await storedLogins(user)).servers[registry.url];
    assert.ok(stored);

    const logout = await ok(user, ['logout']);
    assert.match(logout.stdout, /Logged out/);
    assert.equal((await tokenRequest(stored.username, stored.token, 'repository:any/repo:pull')).status, 401);
    const after = await storedLogins(user);
    assert.equal(after.servers[registry.url], undefined);
    assert.equal(after.current, undefined);
    assert.doesNotMatch(JSON.stringify(after), new RegExp(stored.token));
  });

  it('login with a wrong password exits 1 with a clear message and stores nothing', async () => {
    const user = await cli();
    const result = await user.run(['login', registry.url, '-u', 'admin', '--password-stdin'], 'not-the-password\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^berth: login to .* failed: wrong username or password\n$/);
    await assert.rejects(stat(join(user.configDir, 'credentials.json')), { code: 'ENOENT' });
  });

  it('a command without a stored login exits 1 and says to run berth login', async () => {
    const user = await cli();
    const result = await user.run(['user', 'list']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not logged in: run `berth login <url> -u <username>` first/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('a usage error (robot create without --grant) exits 2 before talking to any server', async () => {
    const user = await cli();
    const result = await user.run(['robot', 'create', 'ci']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--grant/);
  });
});

describe('berth user', () => {
  it('creates users, lists them in a table and as JSON, and a disabled user can no longer log in', async () => {
    const user = await admin();
    const name = unique('dev');
    await ok(user, ['user', 'create', name, '--email', `${name}@example.com`, '--password-stdin'], 'dev-password-1\n');
    assert.equal((await tokenRequest(name, 'dev-password-1', 'repository:any/repo:pull')).status, 200);

    const table = await ok(user, ['user', 'list']);
    const header = table.stdout.split('\n')[0] ?? '';
    assert.match(header, /^NAME\s+KIND\s+ADMIN\s+DISABLED\s+EMAIL/);
    const row = table.stdout.split('\n').find((line) => line.startsWith(`${name} `));
    assert.ok(row, table.stdout);
    assert.match(row, new RegExp(`${name}@example.com`));
    // Columns line up: every cell of the EMAIL column starts where its heading does.
    assert.equal(row.indexOf(`${name}@example.com`), header.indexOf('EMAIL'));

    await ok(user, ['user', 'disable', name]);
    const listed = JSON.parse((await ok(user, ['user', 'list', '--json'])).stdout) as { name: string; disabled?: boolean }[];
    assert.equal(listed.find((u) => u.name === name)?.disabled, true);
    assert.equal((await tokenRequest(name, 'dev-password-1', 'repository:any/repo:pull')).status, 401);
  });

  it('user passwd changes your own password after proving the current one', async () => {
    const name = unique('self');
    await ok(await admin(), ['user', 'create', name, '--password-stdin'], 'first-password-1\n');
    const user = await cli();
    await ok(user, ['login', registry.url, '-u', name, '--password-stdin'], 'first-password-1\n');

    const wrong = await user.run(['user', 'passwd', '--password-stdin'], 'not-my-password\nsecond-password-2\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^berth: the current password is wrong\n$/);

    await ok(user, ['user', 'passwd', '--password-stdin'], 'first-password-1\nsecond-password-2\n');
    assert.equal((await tokenRequest(name, 'first-password-1', 'repository:any/repo:pull')).status, 401);
    assert.equal((await tokenRequest(name, 'second-password-2', 'repository:any/repo:pull')).status, 200);
  });

  it('creating a user that exists exits 1 with the server message', async () => {
    const user = await admin();
    const result = await user.run(['user', 'create', 'admin', '--password-stdin'], 'another-password-1\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^berth: a user "admin" exists\n$/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
});

describe('berth namespace, member and robot', () => {
  it("a robot created with a grant gets a registry token with its printed secret, for what it was granted", async () => {
    const user = await admin();
    const team = unique('team');
    const dev = unique('dev');
    await ok(user, ['namespace', 'create', team]);
    await ok(user, ['user', 'create', dev, '--password-stdin'], 'dev-password-1\n');
    await ok(user, ['member', 'add', team, dev, 'developer']);
    const members = JSON.parse((await ok(user, ['member', 'list', team, '--json'])).stdout) as { kind: string; name: string; role: string }[];
    assert.deepEqual(
      members.map((m) => [m.kind, m.name, m.role]),
      [['user', dev, 'developer']],
    );

    const robot = unique('ci');
    const created = await ok(user, ['robot', 'create', robot, '--grant', `${team}/*:pull,push`, '--description', 'CI pipeline']);
    const secret = /^secret:\s+(\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(secret, created.stdout);
    assert.match(created.stdout, new RegExp(`login:\\s+robot\\$${robot}`));
    assert.match(created.stderr, /not shown again/);

    const response = await tokenRequest(`robot$${robot}`, secret, `repository:${team}/app:pull,push`);
    assert.equal(response.status, 200);
    const { token } = (await response.json()) as { token: string };
    assert.deepEqual(accessOf(token), [{ type: 'repository', name: `${team}/app`, actions: ['pull', 'push'] }]);

    const robots = await ok(user, ['robot', 'list']);
    assert.match(robots.stdout, new RegExp(`robot\\$${robot}\\s+CI pipeline\\s+${team}/\\*:pull,push`));

    // --namespace makes it the namespace's robot: named there, logging in as robot$<namespace>+<name>.
    const owned = await ok(user, ['robot', 'create', robot, '--namespace', team, '--grant', `${team}/app:pull`]);
    assert.match(owned.stdout, new RegExp(`login:\\s+robot\\$${team}\\+${robot}`));
    const ownedSecret = /^secret:\s+(\S+)$/m.exec(owned.stdout)?.[1];
    assert.equal((await tokenRequest(`robot$${team}+${robot}`, ownedSecret ?? '', `repository:${team}/app:pull`)).status, 200);
  });

  it('namespace set changes the visibility and network restrictions that namespace show prints', async () => {
    const user = await admin();
    const team = unique('team');
    await ok(user, ['namespace', 'create', team]);
    await ok(user, ['namespace', 'set', team, '--public', '--push-cidrs', '10.0.0.0/8,192.168.0.0/16']);
    const shown = await ok(user, ['namespace', 'show', team]);
    assert.match(shown.stdout, /visibility:\s+public/);
    assert.match(shown.stdout, /push from:\s+10\.0\.0\.0\/8,192\.168\.0\.0\/16/);
    assert.match(shown.stdout, /pull from:\s+any/);

    await ok(user, ['namespace', 'set', team, '--push-cidrs', 'none']);
    const json = JSON.parse((await ok(user, ['namespace', 'show', team, '--json'])).stdout) as { pushCidrs?: string[] | null };
    assert.ok(json.pushCidrs === undefined || json.pushCidrs === null, JSON.stringify(json));
  });
});

describe('berth token', () => {
  it('creates a token whose secret works, lists it, and a revoked token no longer authenticates', async () => {
    const user = await admin();
    const name = unique('deploy');
    const created = JSON.parse((await ok(user, ['token', 'create', name, '--grant', 'apps/*:pull', '--expires-in-days', '30', '--json'])).stdout) as { id: string; name: string; secret: string };
    assert.equal(created.name, name);
    assert.equal((await tokenRequest('admin', created.secret, 'repository:apps/web:pull')).status, 200);

    const listed = await ok(user, ['token', 'list']);
    const row = listed.stdout.split('\n').find((line) => line.startsWith(`${created.id} `));
    assert.ok(row, listed.stdout);
    assert.match(row, new RegExp(`${name}\\s+apps/\\*:pull\\s+active`));
    assert.match(listed.stdout, /\(this login\)/);
    assert.doesNotMatch(listed.stdout, new RegExp(created.secret));

    await ok(user, ['token', 'revoke', created.id]);
    assert.equal((await tokenRequest('admin', created.secret, 'repository:apps/web:pull')).status, 401);
  });
});

describe('berth audit', () => {
  it('shows the actions just done, filtered by --action', async () => {
    const user = await admin();
    const name = unique('audited');
    await ok(user, ['user', 'create', name, '--password-stdin'], 'audited-password-1\n');

    const table = await ok(user, ['audit', '--action', 'user.create', '--limit', '20']);
    assert.match(table.stdout, /^AT\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME/);
    assert.match(table.stdout, new RegExp(`admin\\s+user\\.create\\s+${name}\\s+success`));

    const page = JSON.parse((await ok(user, ['audit', '--action', 'user.create', '--json'])).stdout) as { events: { action: string; target?: string }[] };
    assert.ok(page.events.length > 0);
    assert.ok(page.events.every((event) => event.action === 'user.create'));
    assert.ok(page.events.some((event) => event.target === name));
  });
});
