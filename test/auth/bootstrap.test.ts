/**
 * Secure by default: a new registry creates `admin` on first start (password from
 * BERTH_ADMIN_PASSWORD, or generated and printed once), refuses anonymous pushes, and
 * `auth.mode: none` works only with a warning.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scratchDir, startBerth } from '../cli/berth-process.js';
import { freePort } from '../support/registry.js';

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

async function serve(data: string, env: Record<string, string>) {
  const port = await freePort();
  return startBerth(port, ['--listen', `127.0.0.1:${port}`, '--data', data], { BERTH_AUTH_MODE: 'token', ...env });
}

describe('secure by default', () => {
  it('creates admin with a generated password printed once on stderr, and not again on the next start', async () => {
    const data = join(await scratchDir(), 'data');
    const first = await serve(data, {});
    try {
      const match = /created the account "admin" with the password:\s+(\S+)/.exec(first.stderr());
      assert.ok(match, `the password is printed: ${first.stderr()}`);
      const password = match[1] as string;
      assert.ok(password.length >= 20, 'a generated password is long');
      assert.ok(!first.stdout().includes(password), 'the password stays out of the JSON logs');
      assert.equal((await fetch(`${first.url}/v2/`, { headers: basic('admin', password) })).status, 200);
    } finally {
      await first.kill();
    }
    const second = await serve(data, {});
    try {
      assert.doesNotMatch(second.stderr(), /created the account/);
    } finally {
      await second.kill();
    }
  });

  it('takes the admin password from BERTH_ADMIN_PASSWORD and prints none', async () => {
    const server = await serve(join(await scratchDir(), 'data'), { BERTH_ADMIN_PASSWORD: 'from-the-environment' });
    try {
      assert.doesNotMatch(server.stderr(), /created the account/);
      assert.equal((await fetch(`${server.url}/v2/`, { headers: basic('admin', 'from-the-environment') })).status, 200);
      assert.equal((await fetch(`${server.url}/v2/`, { headers: basic('admin', 'something-else') })).status, 401);
    } finally {
      await server.kill();
    }
  });

  it('refuses anonymous pushes, deletes and the catalog with a Bearer challenge', async () => {
    const server = await serve(join(await scratchDir(), 'data'), { BERTH_ADMIN_PASSWORD: 'from-the-environment' });
    try {
      for (const [method, path] of [
        ['POST', '/v2/team/app/blobs/uploads/'],
        ['DELETE', '/v2/team/app/manifests/latest'],
        ['GET', '/v2/_catalog'],
        ['GET', '/v2/team/app/tags/list'],
      ] as const) {
        const response = await fetch(`${server.url}${path}`, { method });
        assert.equal(response.status, 401, `${method} ${path}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="berth"/);
        assert.equal(((await response.json()) as { errors: { code: string }[] }).errors[0]?.code, 'UNAUTHORIZED');
      }
    } finally {
      await server.kill();
    }
  });

  it('with auth.mode none lets anyone push, and says so in a warning at startup', async () => {
    const server = await serve(join(await scratchDir(), 'data'), { BERTH_AUTH_MODE: 'none', BERTH_LOG_LEVEL: 'info' });
    try {
      const warning = server.lines().find((line) => line.level === 40);
      assert.match(warning?.msg ?? '', /auth\.mode is none/);
      assert.doesNotMatch(server.stderr(), /created the account/, 'no admin account is made without access control');
      assert.equal((await fetch(`${server.url}/v2/team/app/blobs/uploads/`, { method: 'POST' })).status, 202);
    } finally {
      await server.kill();
    }
  });
});
