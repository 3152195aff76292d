/**
 * OIDC single sign-on through Berth's routes against a real OpenID provider (oidc-provider):
 * the browser flow, group claims mapped to namespace roles and admin, the CLI secret for
 * `docker login`, and the CLI's loopback hand-off.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createBerth, type Berth } from '../../src/app.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadConfig } from '../../src/app.js';
import { signInAt, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { BERTH_BIN, freePort } from '../support/registry.js';

let provider: TestOidcProvider;
let berth: Berth;
let dataDir: string;
let base: string;

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  provider = await startOidcProvider({ redirectUris: [`${base}/auth/oidc/callback`] });
  dataDir = await mkdtemp(join(tmpdir(), 'berth-oidc-'));
  const config = loadConfig({
    env: {
      BERTH_LOG_LEVEL: 'silent',
      BERTH_ADMIN_PASSWORD: 'admin-password-1',
      BERTH_AUTH_OIDC_ISSUER: provider.issuer,
      BERTH_AUTH_OIDC_CLIENT_ID: provider.clientId,
      BERTH_AUTH_OIDC_CLIENT_SECRET: provider.clientSecret,
      BERTH_AUTH_OIDC_ALLOW_HTTP: 'true',
      BERTH_AUTH_ADMIN_GROUPS: 'admins',
    },
    flags: { data: dataDir, listen: `127.0.0.1:${port}` },
  });
  berth = await createBerth(config, pino({ level: 'silent' }));
  await berth.server.listen({ host: '127.0.0.1', port });
});

after(async () => {
  await berth.close();
  await provider.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts a sign-in at Berth, signs in at the provider, and returns Berth's callback response. */
async function signIn(username: string, query = ''): Promise<Response> {
  const start = await fetch(`${base}/auth/oidc/login${query}`, { redirect: 'manual' });
  assert.equal(start.status, 302);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] as string;
  assert.match(cookie, /^berth_oidc=./);
  const callback = await signInAt(start.headers.get('location') as string, username);
  return fetch(callback, { headers: { cookie }, redirect: 'manual' });
}

async function cliSecretOf(response: Response): Promise<string> {
  assert.equal(response.status, 200);
  const match = /<pre id="cli-secret">([^<]+)<\/pre>/.exec(await response.text());
  assert.ok(match, 'the page shows a CLI secret');
  return match[1] as string;
}

function basic(user: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` };
}

async function grantedActions(user: string, secret: string, repository: string): Promise<string[]> {
  const response = await fetch(`${base}/token?service=berth&scope=repository:${repository}:pull,push,delete`, { headers: basic(user, secret) });
  assert.equal(response.status, 200);
  const { token } = (await response.json()) as { token: string };
  const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { access: { actions: string[] }[] };
  return payload.access[0]?.actions ?? [];
}

describe('OIDC single sign-on', () => {
  it('sends the browser to the provider with PKCE (S256), state and nonce, keeping the login in a signed cookie', async () => {
    const start = await fetch(`${base}/auth/oidc/login`, { redirect: 'manual' });
    const location = new URL(start.headers.get('location') as string);
    assert.equal(location.origin, new URL(provider.issuer).origin);
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(location.searchParams.get('state'));
    assert.ok(location.searchParams.get('nonce'));
    assert.equal(location.searchParams.get('redirect_uri'), `${base}/auth/oidc/callback`);
    assert.match(start.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Lax; Path=\/auth\/oidc/);
  });

  it('creates an oidc account with the provider groups and shows a CLI secret that works as a docker login password', async () => {
    const secret = await cliSecretOf(await signIn('alice'));
    const account = await berth.store.accounts.get('alice');
    assert.equal(account?.kind, 'oidc');
    assert.deepEqual([...(account?.groups ?? [])].sort(), ['admins', 'developers']);
    const v2 = await fetch(`${base}/v2/`, { headers: basic('alice', secret) });
    assert.equal(v2.status, 200);
  });

  it('maps the admin group to system admin and other groups to namespace roles', async () => {
    const aliceSecret = await cliSecretOf(await signIn('alice'));
    assert.deepEqual(await grantedActions('alice', aliceSecret, 'anything/app'), ['pull', 'push', 'delete']);

    await berth.store.namespaces.create({ name: 'shop', visibility: 'private' });
    await berth.store.namespaces.setMember('shop', { kind: 'group', name: 'readers', role: 'reader' });
    const bobSecret = await cliSecretOf(await signIn('bob'));
    assert.deepEqual(await grantedActions('bob', bobSecret, 'shop/web'), ['pull']);
    assert.deepEqual(await grantedActions('bob', bobSecret, 'other/web'), []);
  });

  it('revokes the previous CLI secret when the user signs in again', async () => {
    const first = await cliSecretOf(await signIn('bob'));
    const second = await cliSecretOf(await signIn('bob'));
    assert.notEqual(first, second);
    assert.equal((await fetch(`${base}/v2/`, { headers: basic('bob', first) })).status, 401);
    assert.equal((await fetch(`${base}/v2/`, { headers: basic('bob', second) })).status, 200);
  });

  it('hands the CLI secret to the CLI loopback listener named by cli_port', async () => {
    let received: (url: URL) => void = () => undefined;
    const arrived = new Promise<URL>((resolve) => (received = resolve));
    const listener = createServer((request, response) => {
      response.end('signed in');
      received(new URL(request.url ?? '/', 'http://127.0.0.1'));
    });
    await new Promise<void>((ready) => listener.listen(0, '127.0.0.1', ready));
    try {
      const address = listener.address();
      if (address === null || typeof address === 'string') throw new Error('the listener has no port');
      const callback = await signIn('bob', `?cli_port=${address.port}`);
      assert.equal(callback.status, 302);
      const location = new URL(callback.headers.get('location') as string);
      assert.equal(location.host, `127.0.0.1:${address.port}`);
      await fetch(location);
      const url = await arrived;
      assert.equal(url.pathname, '/callback');
      assert.equal(url.searchParams.get('username'), 'bob');
      assert.equal((await fetch(`${base}/v2/`, { headers: basic('bob', url.searchParams.get('secret') as string) })).status, 200);
    } finally {
      listener.close();
    }
  });

  it('berth login --oidc stores a full-access session from the browser sign-in, and whoami then knows the user', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'berth-oidc-cli-'));
    try {
      const env = { ...process.env, BERTH_CONFIG_DIR: configDir };
      const child = spawn(process.execPath, [BERTH_BIN, 'login', base, '--oidc'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', done));
      const deadline = Date.now() + 15_000;
      let loginUrl: string | undefined;
      while (!(loginUrl = /(http:\/\/\S+\/auth\/oidc\/login\?cli_port=\d+)/.exec(output)?.[1])) {
        assert.ok(Date.now() < deadline, `the CLI printed a sign-in address: ${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The browser's part: Berth → provider → Berth's callback → the CLI's loopback listener.
      const start = await fetch(loginUrl, { redirect: 'manual' });
      const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const callback = await fetch(await signInAt(start.headers.get('location') as string, 'alice'), { headers: { cookie }, redirect: 'manual' });
      assert.equal(callback.status, 302);
      assert.equal((await fetch(callback.headers.get('location') as string)).status, 200);
      assert.equal(await exited, 0, output);
      assert.match(output, /Login Succeeded: alice/);

      const whoami = spawn(process.execPath, [BERTH_BIN, 'whoami', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let json = '';
      whoami.stdout.on('data', (chunk: Buffer) => (json += chunk.toString()));
      assert.equal(await new Promise((done) => whoami.once('exit', done)), 0);
      const me = JSON.parse(json) as { name: string; admin: boolean };
      assert.equal(me.name, 'alice');
      assert.equal(me.admin, true, 'the session keeps the admin rights the admins group gives');
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  });

  it('refuses a cli_port that is no port', async () => {
    assert.equal((await fetch(`${base}/auth/oidc/login?cli_port=80`, { redirect: 'manual' })).status, 400);
    assert.equal((await fetch(`${base}/auth/oidc/login?cli_port=x`, { redirect: 'manual' })).status, 400);
  });

  it('refuses a callback without the login cookie, and one whose state was tampered with', async () => {
    const start = await fetch(`${base}/auth/oidc/login`, { redirect: 'manual' });
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const callback = await signInAt(start.headers.get('location') as string, 'alice');
    assert.equal((await fetch(callback, { redirect: 'manual' })).status, 400);
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'not-the-state');
    assert.equal((await fetch(tampered, { headers: { cookie }, redirect: 'manual' })).status, 401);
    // Change the signature's first character: all its six bits count (the last one's low bits are
    // base64url padding, so changing it may decode to the very same signature).
    const signatureAt = cookie.lastIndexOf('.') + 1;
    const forged = `${cookie.slice(0, signatureAt)}${cookie[signatureAt] === 'A' ? 'g' : 'A'}${cookie.slice(signatureAt + 1)}`;
    assert.equal((await fetch(callback, { headers: { cookie: forged }, redirect: 'manual' })).status, 400);
  });

  it('refuses to sign in an OIDC user whose name a local account already has, and changes nothing', async () => {
    await berth.store.accounts.delete('bob');
    await berth.store.accounts.create({ name: 'bob', kind: 'local', passwordHash: await hashPassword('bob-local-password') });
    try {
      const response = await signIn('bob');
      assert.equal(response.status, 403);
      assert.match(await response.text(), /belongs to another account/);
      const account = await berth.store.accounts.get('bob');
      assert.equal(account?.kind, 'local');
      assert.deepEqual(await berth.store.credentials.list({ kind: 'token', owner: 'bob' }), []);
    } finally {
      await berth.store.accounts.delete('bob');
    }
  });

  it('records OIDC sign-ins in the audit log', async () => {
    await berth.auth.audit.flush();
    const events = await berth.store.audit.query({ action: 'login', actor: 'alice', limit: 10 });
    assert.ok(events.some((event) => event.outcome === 'success' && event.detail?.via === 'oidc'));
  });
});
