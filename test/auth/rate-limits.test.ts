import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';
import { ADMIN, addNamespace, addUser, basic, pullStatus, seedImage, startAuthRegistry, v2 } from './support.js';

/** Asserts 429 TOOMANYREQUESTS with a Retry-After of whole seconds in [1, max]; returns it. */
async function assertTooMany(response: Response, max: number): Promise<number> {
  const retryAfter = response.headers.get('retry-after');
  assert.match(retryAfter ?? '', /^\d+$/, `Retry-After: ${retryAfter}`);
  const seconds = Number(retryAfter);
  assert.ok(seconds >= 1 && seconds <= max, `Retry-After ${seconds} not in [1, ${max}]`);
  await assertError(response, 429, 'TOOMANYREQUESTS');
  return seconds;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((done) => setTimeout(done, ms));
}

describe('manifest pull limits per client address', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let proxied: TestRegistry;
  const image = imageManifest();

  before(async () => {
    [registry, proxied] = await Promise.all([
      startAuthRegistry({ BERTH_RATE_LIMITS_MANIFEST_PULLS_PER_IP: '3' }),
      startAuthRegistry({ BERTH_RATE_LIMITS_MANIFEST_PULLS_PER_IP: '3', BERTH_AUTH_TRUSTED_PROXIES: '127.0.0.1/32' }),
    ]);
    for (const r of [registry, proxied]) {
      await addNamespace(r, 'pub', 'public');
      await seedImage(r, 'pub/app', 'v1', image);
    }
  });
  after(async () => Promise.all([registry.stop(), proxied.stop()]));

  it('answers the 4th manifest GET with 429 TOOMANYREQUESTS and Retry-After in whole seconds; HEAD does not count', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await v2(registry, 'pub/app/manifests/v1', undefined, { method: 'HEAD' })).status, 200, `HEAD ${i + 1}`);
    for (let i = 0; i < 3; i++) assert.equal(await pullStatus(registry, 'pub/app', 'v1'), 200, `GET ${i + 1}`);
    await assertTooMany(await v2(registry, 'pub/app/manifests/v1'), 60);
  });

  it('still answers HEAD and blob GETs once manifest GETs are spent', async () => {
    assert.equal((await v2(registry, 'pub/app/manifests/v1', undefined, { method: 'HEAD' })).status, 200);
    assert.equal((await v2(registry, `pub/app/blobs/${image.config.digest}`)).status, 200);
  });

  it('counts the address, whoever logs in: the admin from the same address is refused too', async () => {
    await assertTooMany(await v2(registry, 'pub/app/manifests/v1', ADMIN), 60);
  });

  it('ignores X-Forwarded-For from an untrusted peer: a made-up address gets no fresh budget', async () => {
    await assertTooMany(await v2(registry, 'pub/app/manifests/v1', undefined, { headers: { 'X-Forwarded-For': '10.9.9.9' } }), 60);
  });

  it('counts each forwarded client on its own behind a trusted proxy', async () => {
    for (let i = 0; i < 3; i++) assert.equal(await pullStatus(proxied, 'pub/app', 'v1', undefined, { 'X-Forwarded-For': '10.0.0.1' }), 200);
    await assertTooMany(await v2(proxied, 'pub/app/manifests/v1', undefined, { headers: { 'X-Forwarded-For': '10.0.0.1' } }), 60);
    assert.equal(await pullStatus(proxied, 'pub/app', 'v1', undefined, { 'X-Forwarded-For': '10.0.0.2' }), 200);
  });
});

describe('token request limits per client address', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  before(async () => (registry = await startAuthRegistry({ BERTH_RATE_LIMITS_TOKEN_REQUESTS_PER_IP: '2' })));
  after(async () => registry.stop());

  it('answers the 3rd token request with 429 and Retry-After, at GET and POST /token alike', async () => {
    assert.equal((await fetch(`${registry.url}/token?service=berth`)).status, 200);
    assert.equal((await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: ADMIN } })).status, 200);
    await assertTooMany(await fetch(`${registry.url}/token?service=berth`), 60);
    const post = await fetch(`${registry.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'admin', password: 'admin-password-1' }).toString(),
    });
    assert.equal(post.status, 429);
    assert.match(post.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  });

  it('refuses before checking credentials: a refused request counts no failed login', async () => {
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: basic('admin', `wrong-${i}`) } });
      assert.equal(response.status, 429);
    }
    assert.equal(await pullStatus(registry, 'admin/none', 'v1', ADMIN), 404);
  });
});

describe('failed-login throttle', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  const VICTIM = basic('victim', 'victim-password-1');

  before(async () => {
    registry = await startAuthRegistry({ BERTH_RATE_LIMITS_FAILED_LOGIN_BLOCK_SECONDS: '2' });
    await addUser(registry, 'victim', 'victim-password-1');
    await addUser(registry, 'neighbour', 'neighbour-password-1');
    await addUser(registry, 'racer', 'racer-password-1');
    await addUser(registry, 'mixed', 'mixed-password-1');
  });
  after(async () => registry.stop());

  it('refuses even the right password with 429 and Retry-After after 5 wrong ones, until the block ends', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await v2(registry, '', basic('victim', `wrong-${i}`))).status, 401, `attempt ${i + 1}`);
    const seconds = await assertTooMany(await v2(registry, '', VICTIM), 2);
    await assertTooMany(await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: VICTIM } }), 2);
    await sleep(seconds * 1000 + 300);
    assert.equal((await v2(registry, '', VICTIM)).status, 200);
  });

  it('does not block another user from the same address', async () => {
    for (let i = 0; i < 5; i++) await v2(registry, '', basic('victim', `wrong-again-${i}`));
    assert.equal((await v2(registry, '', VICTIM)).status, 429);
    assert.equal((await v2(registry, '', basic('neighbour', 'neighbour-password-1'))).status, 200);
  });

  it('counts failures at /v2 and at the token endpoint together', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await v2(registry, '', basic('mixed', `wrong-${i}`))).status, 401);
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: basic('mixed', `wrong-t${i}`) } })).status, 401);
    const post = await fetch(`${registry.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'mixed', password: 'mixed-password-1' }).toString(),
    });
    assert.equal(post.status, 429);
  });

  it('lets no more than 5 of 20 concurrent wrong passwords be tried; the rest get 429', async () => {
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => v2(registry, '', basic('racer', `guess-${i}`)).then((r) => r.status)));
    assert.equal(statuses.filter((s) => s === 401).length, 5, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 15, statuses.join(','));
  });
});

describe('logins under unknown user names (issue 10, point 7)', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startAuthRegistry({ BERTH_RATE_LIMITS_UNKNOWN_USER_LOGINS_PER_IP: '5' });
    await addUser(registry, 'real', 'real-password-1');
  });
  after(async () => registry.stop());

  it('refuses an address the 6th login under an unknown name with 429 TOOMANYREQUESTS and Retry-After, and still lets a real user log in', async () => {
    for (let attempt = 0; attempt < 5; attempt++) assert.equal((await v2(registry, '', basic(`nobody-${attempt}`, 'guess'))).status, 401);
    const refused = await v2(registry, '', basic('nobody-5', 'guess'));
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(((await refused.json()) as { errors: { code: string }[] }).errors[0]?.code, 'TOOMANYREQUESTS');
    assert.equal((await v2(registry, '', basic('real', 'real-password-1'))).status, 200);
    // A wrong password for a real account is the per-user throttle's business, not this one's.
    assert.equal((await v2(registry, '', basic('real', 'wrong-password'))).status, 401);
  });
});
