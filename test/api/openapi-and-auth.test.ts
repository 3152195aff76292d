import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApiRoutes } from '../../src/http/api/admin-api.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { ADMIN, ADMIN_PASSWORD, api, assertError, assertStatus, basic, createUser, startApiRegistry } from './support.js';

type Operation = { operationId: string; 'x-berth-access': string; security: unknown[]; parameters: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, unknown> };
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

/** Every route the admin API promises, as "METHOD path". */
const PROMISED = [
  'GET /api/v1/openapi.json',
  'GET /api/v1/me',
  'POST /api/v1/gc',
  'GET /api/v1/gc/runs',
  'POST /api/v1/webhooks',
  'GET /api/v1/webhooks',
  'GET /api/v1/webhooks/{id}',
  'DELETE /api/v1/webhooks/{id}',
  'POST /api/v1/webhooks/{id}/enable',
  'POST /api/v1/webhooks/{id}/disable',
  'GET /api/v1/webhooks/{id}/deliveries',
  'POST /api/v1/webhooks/{id}/test',
  'POST /api/v1/webhooks/{id}/redeliver',
  'GET /api/v1/events',
  'GET /api/v1/image-base',
  'GET /api/v1/image-dependents',
  'GET /api/v1/jobs',
  'GET /api/v1/jobs/{id}',
  'POST /api/v1/jobs/{id}/retry',
  'POST /api/v1/jobs/{id}/cancel',
  'GET /api/v1/users',
  'POST /api/v1/users',
  'GET /api/v1/users/{name}',
  'PATCH /api/v1/users/{name}',
  'DELETE /api/v1/users/{name}',
  'PUT /api/v1/users/{name}/password',
  'POST /api/v1/users/import-htpasswd',
  'GET /api/v1/users/{name}/tokens',
  'POST /api/v1/users/{name}/tokens',
  'DELETE /api/v1/users/{name}/tokens/{id}',
  'GET /api/v1/namespaces',
  'POST /api/v1/namespaces',
  'GET /api/v1/namespaces/{name}',
  'PATCH /api/v1/namespaces/{name}',
  'DELETE /api/v1/namespaces/{name}',
  'GET /api/v1/namespaces/{name}/usage',
  'GET /api/v1/namespaces/{name}/members',
  'PUT /api/v1/namespaces/{name}/members/{kind}/{member}',
  'DELETE /api/v1/namespaces/{name}/members/{kind}/{member}',
  'PUT /api/v1/repository-visibility',
  'GET /api/v1/repositories',
  'DELETE /api/v1/repositories/{name}',
  'GET /api/v1/robots',
  'POST /api/v1/robots',
  'DELETE /api/v1/robots/{id}',
  'GET /api/v1/audit',
  'GET /api/v1/tag-history',
  'POST /api/v1/tag-rollback',
  'GET /api/v1/immutable-tag-rules',
  'POST /api/v1/immutable-tag-rules',
  'DELETE /api/v1/immutable-tag-rules',
  'GET /api/v1/read-only',
  'PUT /api/v1/read-only',
  'GET /api/v1/lifecycle-policies',
  'GET /api/v1/lifecycle-policies/{kind}/{scope}',
  'PUT /api/v1/lifecycle-policies/{kind}/{scope}',
  'DELETE /api/v1/lifecycle-policies/{kind}/{scope}',
  'POST /api/v1/lifecycle-policies/preview',
  'POST /api/v1/lifecycle-policies/run',
  'POST /api/v1/ci-tokens',
  'GET /api/v1/ci-token-rules',
  'POST /api/v1/ci-token-rules',
  'GET /api/v1/ci-token-rules/{name}',
  'PATCH /api/v1/ci-token-rules/{name}',
  'DELETE /api/v1/ci-token-rules/{name}',
];

/**
 * The routes that authenticate by the Authorization header: all but the public ones and the CI
 * token exchange, whose body is the credential (test/http/route-auth.test.ts and
 * test/ci-tokens/ check that one issues nothing without a verified identity token).
 */
function headerAuthenticated() {
  return adminApiRoutes().filter((route) => route.access !== 'public' && route.access !== 'identity-token');
}

/** A concrete path for a route template (parameters filled with harmless values). */
function concrete(path: string): string {
  return path.replace('{kind}', 'user').replace(/\{\w+\}/g, 'someone');
}

describe('admin API: OpenAPI document', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let doc: OpenApi;

  before(async () => {
    registry = await startApiRegistry();
    const response = await fetch(`${registry.url}/api/v1/openapi.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    doc = JSON.parse(await response.text()) as OpenApi;
  });

  after(async () => {
    await registry?.stop();
  });

  it('is served without credentials as an OpenAPI 3.1 JSON document', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.components.securitySchemes?.basic && doc.components.securitySchemes?.bearer);
  });

  it('describes every promised route, and only routes the server has', () => {
    const described = Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual([...described].sort(), [...PROMISED].sort());
    const served = adminApiRoutes().map((route) => `${route.method} /api/v1${route.path}`);
    assert.deepEqual([...served].sort(), [...PROMISED].sort());
  });

  it('declares every path parameter, security on every authenticated route and resolvable references', () => {
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(operations)) {
        assert.ok(!ids.has(operation.operationId), `duplicate operationId ${operation.operationId}`);
        ids.add(operation.operationId);
        assert.deepEqual(operation.parameters.filter((p) => p.in === 'path').map((p) => p.name), names, `${method} ${path}`);
        if (operation['x-berth-access'] === 'identity-token') {
          // The body is the credential (the CI token exchange): no header scheme applies, but a bad one is a 401.
          assert.deepEqual(operation.security, [], `${method} ${path}`);
          assert.ok(operation.responses['401'], `${method} ${path} has no 401`);
        } else if (path !== '/api/v1/openapi.json') {
          assert.ok(operation.security.length > 0, `${method} ${path} has no security`);
          assert.ok(operation.responses['401'], `${method} ${path} has no 401`);
        }
        if (['post', 'put', 'patch'].includes(method)) assert.ok(operation.requestBody, `${method} ${path} has no request body`);
      }
    }
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
      const target = (ref as string).replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      assert.ok(target, `unresolved $ref ${ref}`);
    }
  });

  it('states that request bodies refuse unknown fields', () => {
    const body = doc.paths['/api/v1/users']?.post?.requestBody as { content: Record<string, { schema: { additionalProperties?: unknown; required?: string[] } }> };
    const schema = body.content['application/json']?.schema;
    assert.equal(schema?.additionalProperties, false);
    assert.deepEqual(schema?.required?.sort(), ['name', 'password']);
  });
});

describe('admin API: authentication', { timeout: 60_000 }, () => {
  let registry: TestRegistry;

  before(async () => {
    // One unknown name per route below: the per-address allowance of unknown names is not what this suite tests.
    registry = await startApiRegistry({ BERTH_RATE_LIMITS_UNKNOWN_USER_LOGINS_PER_IP: '0' });
  });

  after(async () => {
    await registry?.stop();
  });

  it('answers every authenticated route with 401 and a Basic challenge without credentials', async () => {
    for (const route of headerAuthenticated()) {
      const reply = await api(registry, route.method, concrete(route.path), route.body ? { json: {} } : {});
      assertError(reply, 401, 'UNAUTHORIZED');
      assert.match(reply.headers.get('www-authenticate') ?? '', /^Basic realm="berth"/, `${route.method} ${route.path}`);
    }
  });

  it('answers every authenticated route with 401 for a wrong password', async () => {
    const routes = headerAuthenticated();
    for (const [index, route] of routes.entries()) {
      // One user name per route: the failed-login throttle counts per user.
      const reply = await api(registry, route.method, concrete(route.path), { auth: basic(`stranger${index}`, 'wrong-password'), ...(route.body ? { json: {} } : {}) });
      assertError(reply, 401, 'UNAUTHORIZED');
    }
  });

  it('refuses a /token access token with 401, whatever its scope, and creates nothing with it', async () => {
    const dora = await createUser(registry, 'dora', 'dora-password-1');
    for (const query of ['', '&scope=repository:dora/app:pull']) {
      const response = await fetch(`${registry.url}/token?service=berth${query}`, { headers: { Authorization: dora } });
      const { token } = (await response.json()) as { token: string };
      assertError(await api(registry, 'GET', '/me', { auth: `Bearer ${token}` }), 401, 'UNAUTHORIZED');
      assertError(await api(registry, 'POST', '/robots', { auth: `Bearer ${token}`, json: { name: 'sneaky', grants: [{ repository: 'dora/*', actions: ['pull', 'push', 'delete'] }] } }), 401, 'UNAUTHORIZED');
      assertError(await api(registry, 'POST', '/users/dora/tokens', { auth: `Bearer ${token}`, json: { name: 'sneaky' } }), 401, 'UNAUTHORIZED');
    }
    // Not even an admin's: a registry token is for /v2.
    const response = await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: ADMIN } });
    const { token, refresh_token: refresh } = (await response.json()) as { token: string; refresh_token?: string };
    assertError(await api(registry, 'GET', '/users', { auth: `Bearer ${token}` }), 401, 'UNAUTHORIZED');
    if (refresh) assertError(await api(registry, 'GET', '/users', { auth: `Bearer ${refresh}` }), 401, 'UNAUTHORIZED');
    const robots = await api<{ robots: { name: string }[] }>(registry, 'GET', '/robots', { auth: ADMIN });
    assert.ok(!robots.body.robots.some((robot) => robot.name === 'sneaky'), robots.text);
    const tokens = await api<{ tokens: { name: string }[] }>(registry, 'GET', '/users/dora/tokens', { auth: ADMIN });
    assert.deepEqual(tokens.body.tokens, []);
  });

  it('accepts a personal access token as Bearer (within its grants), the session token with full rights, and refuses it once revoked', async () => {
    const created = await api<{ id: string; secret: string }>(registry, 'POST', '/users/admin/tokens', { auth: ADMIN, json: { name: 'bearer-session', fullAccess: true } });
    assertStatus(created, 201);
    assertStatus(await api(registry, 'GET', '/users', { auth: `Bearer ${created.body.secret}` }), 200);
    const limited = await api<{ id: string; secret: string }>(registry, 'POST', '/users/admin/tokens', { auth: ADMIN, json: { name: 'bearer-pull', grants: [{ repository: '*', actions: ['pull'] }] } });
    assertStatus(await api(registry, 'GET', '/me', { auth: `Bearer ${limited.body.secret}` }), 200);
    assertError(await api(registry, 'GET', '/users', { auth: `Bearer ${limited.body.secret}` }), 403, 'DENIED');
    assertStatus(await api(registry, 'DELETE', `/users/admin/tokens/${created.body.id}`, { auth: ADMIN }), 204);
    assertError(await api(registry, 'GET', '/users', { auth: `Bearer ${created.body.secret}` }), 401, 'UNAUTHORIZED');
  });

  it('returns 429 TOOMANYREQUESTS with Retry-After once a user has failed too often, even with the right password', async () => {
    await createUser(registry, 'victim', 'victim-password-1');
    for (let attempt = 0; attempt < 5; attempt++) assertError(await api(registry, 'GET', '/me', { auth: basic('victim', `guess-${attempt}`) }), 401, 'UNAUTHORIZED');
    const reply = await api(registry, 'GET', '/me', { auth: basic('victim', 'victim-password-1') });
    assertError(reply, 429, 'TOOMANYREQUESTS');
    assert.match(reply.headers.get('retry-after') ?? '', /^\d+$/);
  });

  it('returns 413 for a body over 1 MiB', async () => {
    const reply = await api(registry, 'POST', '/users', { auth: ADMIN, raw: JSON.stringify({ name: 'big', password: 'x'.repeat(1024 * 1024 + 10) }), headers: { 'Content-Type': 'application/json' } });
    assertError(reply, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers JSON with Cache-Control: no-store', async () => {
    const reply = await api(registry, 'GET', '/me', { auth: ADMIN });
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  });
});

describe('admin API: with access control off', { timeout: 60_000 }, () => {
  let registry: TestRegistry;

  before(async () => {
    registry = await startRegistry({ BERTH_AUTH_MODE: 'none', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD });
  });

  after(async () => {
    await registry?.stop();
  });

  it('still requires credentials (401), while the document stays public', async () => {
    assertError(await api(registry, 'GET', '/users'), 401, 'UNAUTHORIZED');
    assertError(await api(registry, 'POST', '/users', { json: { name: 'x', password: 'x-password-1' } }), 401, 'UNAUTHORIZED');
    assertStatus(await api(registry, 'GET', '/openapi.json'), 200);
  });
});
