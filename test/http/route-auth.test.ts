/**
 * The one route list (src/http/routes.ts) declares each path's auth requirement; this suite asks
 * every path the running server answers, with every method, and checks the server keeps what the
 * list declares: public paths answer anyone, /v2 and /api/v1 refuse a caller without credentials,
 * /api/v1 refuses a /v2 access token, the token endpoint grants an anonymous caller nothing, the
 * browser sign-in hands out no credential before the provider has authenticated anyone, and the
 * CI token exchange issues nothing without a verified identity token in its body — whatever
 * Authorization header comes with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HTTPMethods } from 'fastify';
import { routesOf } from '../../src/http/server.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const ADMIN = { authorization: `Basic ${Buffer.from('admin:admin-password-1').toString('base64')}` };

let provider: TestOidcProvider;
let registry: TestRegistry;

before(async () => {
  provider = await startOidcProvider({ redirectUris: ['http://127.0.0.1:9/auth/oidc/callback'] });
  registry = await startRegistry({
    BERTH_AUTH_MODE: 'token',
    BERTH_ADMIN_PASSWORD: 'admin-password-1',
    BERTH_AUTH_OIDC_ISSUER: provider.issuer,
    BERTH_AUTH_OIDC_CLIENT_ID: provider.clientId,
    BERTH_AUTH_OIDC_CLIENT_SECRET: provider.clientSecret,
    BERTH_AUTH_OIDC_ALLOW_HTTP: 'true',
  });
});

after(async () => {
  await registry?.stop();
  await provider?.stop();
});

/** /v2/* stands for every kind of /v2 path; one sample of each. */
const V2_SAMPLES = ['/v2/team/app/tags/list', '/v2/team/app/manifests/latest', '/v2/team/app/blobs/sha256:' + 'a'.repeat(64), '/v2/team/app/blobs/uploads/', '/v2/team/app/blobs/uploads/0a1b2c3d-0000-4000-8000-000000000000', '/v2/_catalog', '/v2/team/app/referrers/sha256:' + 'b'.repeat(64)];

/** Each (method, concrete path) the list declares: parameters get a sample value. */
function requests(): { method: string; path: string; auth: string }[] {
  return routesOf(registry.berth.server).flatMap((route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]) as HTTPMethods[];
    const paths = route.url === '/v2/*' ? V2_SAMPLES : [route.url.replace(/:\w+/g, 'sample')];
    return paths.flatMap((path) => methods.map((method) => ({ method, path, auth: route.auth })));
  });
}

async function send(method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
  return fetch(`${registry.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { body: '{}' } : {}),
  });
}

describe('every route keeps the auth requirement the route list declares', () => {
  it('declares every surface, each path once per method', () => {
    const all = requests();
    const kinds = new Set(all.map((request) => request.auth));
    assert.deepEqual([...kinds].sort(), ['api', 'browser', 'identity-token', 'public', 'token', 'v2']);
    const keys = all.map((request) => `${request.method} ${request.path}`);
    assert.equal(new Set(keys).size, keys.length, 'no path is declared twice for one method');
    for (const path of ['/v2', '/token', '/.well-known/jwks.json', '/metrics', '/healthz', '/readyz', '/auth/oidc/login', '/auth/oidc/callback', '/api/v1/users', '/api/v1/ci-tokens']) {
      assert.ok(all.some((request) => request.path === path), `${path} is in the list`);
    }
  });

  it('public paths answer a caller without credentials', async () => {
    const publicRoutes = requests().filter((request) => request.auth === 'public');
    assert.ok(publicRoutes.length >= 5);
    for (const { method, path } of publicRoutes) {
      const response = await send(method, path);
      await response.body?.cancel();
      assert.ok(response.status !== 401 && response.status !== 403, `${method} ${path} answered ${response.status}`);
    }
  });

  it('/v2 paths refuse a caller without credentials with a Bearer challenge', async () => {
    const challenged = new Set<string>();
    for (const { method, path } of requests().filter((request) => request.auth === 'v2')) {
      const response = await send(method, path);
      await response.body?.cancel();
      if (response.status === 405) {
        // A method the path does not have is refused before authentication, naming what it has.
        assert.ok(!(response.headers.get('allow') ?? '').split(', ').includes(method), `${method} ${path} is in Allow`);
        continue;
      }
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+\/token"/, `${method} ${path}`);
      challenged.add(method);
    }
    assert.deepEqual([...challenged].sort(), ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT']);
  });

  it('admin API paths refuse no credentials and a /v2 access token, and take the admin login', async () => {
    const tokenResponse = await fetch(`${registry.url}/token?service=berth&scope=repository:team/app:pull,push,delete`, { headers: ADMIN });
    const { token } = (await tokenResponse.json()) as { token: string };
    assert.ok(token.length > 20);
    const apiRoutes = requests().filter((request) => request.auth === 'api');
    assert.ok(apiRoutes.length > 20, `${apiRoutes.length} admin routes`);
    for (const { method, path } of apiRoutes) {
      const bare = await send(method, path);
      await bare.body?.cancel();
      assert.equal(bare.status, 401, `${method} ${path} without credentials`);
      const withV2Token = await send(method, path, { authorization: `Bearer ${token}` });
      await withV2Token.body?.cancel();
      assert.equal(withV2Token.status, 401, `${method} ${path} with a /v2 token`);
      // Reads only: a write with the admin login would change the registry the other cases ask.
      if (method !== 'GET') continue;
      const asAdmin = await send(method, path, ADMIN);
      await asAdmin.body?.cancel();
      assert.ok(asAdmin.status !== 401 && asAdmin.status !== 403, `${method} ${path} as admin answered ${asAdmin.status}`);
    }
  });

  it('the token endpoint grants an anonymous caller nothing', async () => {
    const tokenRoutes = requests().filter((request) => request.auth === 'token');
    assert.deepEqual(tokenRoutes.map((request) => request.method).sort(), ['GET', 'POST']);
    const anonymous = await fetch(`${registry.url}/token?service=berth&scope=repository:team/app:pull,push`);
    if (anonymous.status === 200) {
      const { token } = (await anonymous.json()) as { token: string };
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { access: unknown[] };
      assert.deepEqual(claims.access, []);
    } else {
      await anonymous.body?.cancel();
      assert.equal(anonymous.status, 401);
    }
    const password = await fetch(`${registry.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', service: 'berth', client_id: 'test', username: 'admin', password: 'wrong-password', scope: 'repository:team/app:pull' }).toString(),
    });
    await password.body?.cancel();
    assert.equal(password.status, 401);
  });

  it('identity-token paths issue nothing without a verified identity token in the body, whatever the Authorization header', async () => {
    const exchanges = requests().filter((request) => request.auth === 'identity-token');
    assert.deepEqual(exchanges.map((request) => `${request.method} ${request.path}`), ['POST /api/v1/ci-tokens']);
    for (const { method, path } of exchanges) {
      // No token: the body is the credential, so the request is malformed.
      const bare = await send(method, path);
      assert.equal(bare.status, 400, await bare.text());
      for (const headers of [{}, ADMIN]) {
        const forged = await fetch(`${registry.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ token: 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.' }) });
        const body = await forged.text();
        assert.equal(forged.status, 401, body);
        assert.doesNotMatch(body, /berth_ci_/);
      }
    }
  });

  it('the browser sign-in sends the caller to the provider and hands out no credential by itself', async () => {
    const login = await send('GET', '/auth/oidc/login');
    assert.equal(login.status, 302);
    assert.equal(new URL(login.headers.get('location') ?? '').origin, provider.issuer);
    assert.match(login.headers.get('set-cookie') ?? '', /^berth_oidc=/, 'only the state cookie');
    const callback = await send('GET', '/auth/oidc/callback?code=forged&state=forged');
    const body = await callback.text();
    assert.equal(callback.status, 400);
    assert.doesNotMatch(body, /cli-secret/);
  });
});
