import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { hashPassword } from '../../src/auth/passwords.js';
import type { TestRegistry } from '../support/registry.js';
import { ADMIN, addNamespace, addUser, basic, bearer, pullStatus, seedImage, startAuthRegistry, tokenResponse } from './support.js';
import { imageManifest } from '../support/fixtures.js';

interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

function accessOf(token: unknown): AccessEntry[] {
  assert.equal(typeof token, 'string');
  return decodeJwt(token as string).access as AccessEntry[];
}

/** POST /token with a form body; returns status and parsed JSON body. */
async function postToken(registry: TestRegistry, form: Record<string, string | string[]>): Promise<{ status: number; body: Record<string, unknown>; contentType: string | null }> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  const response = await fetch(`${registry.url}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: params.toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, contentType: response.headers.get('content-type') };
}

describe('token endpoint (docker-registry auth-token.md, auth-oauth.md, auth-jwt.md)', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  const DEV = basic('dev', 'dev-password-1');

  before(async () => {
    registry = await startAuthRegistry();
    await addUser(registry, 'dev', 'dev-password-1');
    await addNamespace(registry, 'acme', 'private', { dev: 'developer' });
    await addNamespace(registry, 'pub', 'public');
  });
  after(async () => registry.stop());

  describe('GET /token', () => {
    it('issues an anonymous token with token, access_token, expires_in and issued_at', async () => {
      const before = Date.now();
      const body = await tokenResponse(registry, []);
      assert.equal(typeof body.token, 'string');
      assert.equal(body.access_token, body.token);
      assert.equal(body.expires_in, 300);
      assert.equal(typeof body.issued_at, 'string');
      const issuedAt = Date.parse(body.issued_at as string);
      assert.ok(issuedAt >= before - 1000 && issuedAt <= Date.now(), `issued_at ${String(body.issued_at)}`);
      assert.equal(body.refresh_token, undefined);
      assert.deepEqual(accessOf(body.token), []);
    });

    it('grants an anonymous caller pull only on a public repository when it asks for pull and push', async () => {
      const body = await tokenResponse(registry, ['repository:pub/app:pull,push']);
      assert.deepEqual(accessOf(body.token), [{ type: 'repository', name: 'pub/app', actions: ['pull'] }]);
    });

    it('grants an anonymous caller nothing on a private repository, still with 200 and a token', async () => {
      const body = await tokenResponse(registry, ['repository:acme/app:pull']);
      assert.deepEqual(accessOf(body.token), []);
    });

    it('grants a Basic-authenticated user every scope parameter, each cut to what the user may do', async () => {
      const body = await tokenResponse(registry, ['repository:acme/app:pull,push,delete', 'repository:other/app:pull', 'repository:dev/own:*'], DEV);
      assert.deepEqual(accessOf(body.token), [
        { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] },
        { type: 'repository', name: 'dev/own', actions: ['pull', 'push', 'delete'] },
      ]);
    });

    it('reads several space-separated scopes in one scope parameter', async () => {
      const body = await tokenResponse(registry, ['repository:acme/a:pull repository:pub/b:pull'], DEV);
      assert.deepEqual(accessOf(body.token), [
        { type: 'repository', name: 'acme/a', actions: ['pull'] },
        { type: 'repository', name: 'pub/b', actions: ['pull'] },
      ]);
    });

    it('grants registry:catalog:* to anonymous and logged-in callers alike', async () => {
      for (const authorization of [undefined, DEV]) {
        const body = await tokenResponse(registry, ['registry:catalog:*'], authorization);
        assert.deepEqual(accessOf(body.token), [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
      }
    });

    it('answers a request for more than allowed with the intersection, never with an error', async () => {
      const body = await tokenResponse(registry, ['repository:acme/app:delete', 'repository:pub/app:push,delete'], DEV);
      assert.deepEqual(accessOf(body.token), []);
    });

    it('signs with ES256 and a kid, and carries iss, aud, sub, exp, nbf, iat, jti and access', async () => {
      const body = await tokenResponse(registry, ['repository:acme/app:pull'], DEV);
      const header = decodeProtectedHeader(body.token as string);
      assert.equal(header.alg, 'ES256');
      assert.equal(typeof header.kid, 'string');
      assert.ok((header.kid as string).length > 0);
      const claims = decodeJwt(body.token as string);
      assert.equal(claims.iss, 'berth');
      assert.equal(claims.aud, 'berth');
      assert.equal(claims.sub, 'dev');
      assert.equal(typeof claims.iat, 'number');
      assert.equal(claims.nbf, claims.iat);
      assert.equal(claims.exp, (claims.iat as number) + 300);
      assert.equal(Date.parse(body.issued_at as string) / 1000, claims.iat);
      assert.match(claims.jti ?? '', /^[0-9a-f-]{36}$/);
      assert.deepEqual(claims.access, [{ type: 'repository', name: 'acme/app', actions: ['pull'] }]);
    });

    it('gives each token its own jti', async () => {
      const a = decodeJwt((await tokenResponse(registry, [], DEV)).token as string);
      const b = decodeJwt((await tokenResponse(registry, [], DEV)).token as string);
      assert.notEqual(a.jti, b.jti);
    });

    it('signs tokens that verify against the keys served at /.well-known/jwks.json', async () => {
      const response = await fetch(`${registry.url}/.well-known/jwks.json`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const jwks = (await response.json()) as JSONWebKeySet;
      assert.ok(jwks.keys.length >= 1);
      for (const key of jwks.keys) {
        assert.equal(key.kty, 'EC');
        assert.equal(key.d, undefined, 'the JWKS must not hold private key material');
      }
      const token = (await tokenResponse(registry, ['repository:acme/app:pull'], DEV)).token as string;
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'berth', audience: 'berth', algorithms: ['ES256'] });
      assert.equal(payload.sub, 'dev');
      assert.ok(jwks.keys.some((key) => key.kid === protectedHeader.kid));
    });

    it('adds a refresh_token for offline_token=true to a logged-in user, never to anonymous', async () => {
      const user = await tokenResponse(registry, [], DEV, { offline_token: 'true', client_id: 'test' });
      assert.equal(typeof user.refresh_token, 'string');
      const anonymous = await tokenResponse(registry, [], undefined, { offline_token: 'true', client_id: 'test' });
      assert.equal(anonymous.refresh_token, undefined);
    });

    it('answers wrong Basic credentials with 401 UNAUTHORIZED and no token', async () => {
      const response = await fetch(`${registry.url}/token?service=berth&scope=repository:acme/app:pull`, { headers: { Authorization: basic('dev', 'not-the-password') } });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { errors?: { code: string }[]; token?: string };
      assert.equal(body.errors?.[0]?.code, 'UNAUTHORIZED');
      assert.equal(body.token, undefined);
    });

    it('answers a Bearer header on the token endpoint with 401 (it takes Basic credentials or none)', async () => {
      const token = (await tokenResponse(registry, [], DEV)).token as string;
      const response = await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: bearer(token) } });
      assert.equal(response.status, 401);
    });

    it('issues tokens that pull over /v2 with the granted scope', async () => {
      await seedImage(registry, 'acme/app', 'v1', imageManifest());
      const token = (await tokenResponse(registry, ['repository:acme/app:pull'], DEV)).token as string;
      assert.equal(await pullStatus(registry, 'acme/app', 'v1', bearer(token)), 200);
    });
  });

  describe('scopes with path tricks grant nothing, and the token is still issued', () => {
    const tricks = [
      'repository:acme/../admin/secret:pull',
      'repository:Acme/App:pull',
      'repository:acme/app:pull:extra',
      'repository::pull',
      'repository:/:pull',
      'repository:acme//app:pull',
      'repository:acme/app/:pull',
      'repository:/acme/app:pull',
      'repository:acme/./app:pull',
      'repository:acme/app%2f..:pull',
      'repository:acme/app:',
      'repository:acme/app:admin',
      'repository:acme/app',
      'repository:',
      'registry:catalog',
      'acme/app:pull',
    ];

    for (const scope of tricks) {
      it(`grants nothing for ${JSON.stringify(scope)}, even to the admin`, async () => {
        const body = await tokenResponse(registry, [scope], ADMIN);
        assert.deepEqual(accessOf(body.token), []);
      });
    }

    it('grants nothing for a percent-encoded dot-dot name (repository:%2e%2e/x:pull), sent raw or double-encoded', async () => {
      for (const query of ['scope=repository:%2e%2e/x:pull', 'scope=repository:%252e%252e/x:pull', 'scope=repository:acme%2f..%2fsecret:pull']) {
        const response = await fetch(`${registry.url}/token?service=berth&${query}`, { headers: { Authorization: ADMIN } });
        assert.equal(response.status, 200, query);
        const body = (await response.json()) as { token: string };
        assert.deepEqual(accessOf(body.token), [], query);
      }
    });

    it('grants the valid scope of a request that mixes it with tricks, and only that one', async () => {
      const body = await tokenResponse(registry, ['repository:Acme/App:pull', 'repository:acme/app:pull', 'repository:acme/../pub/x:pull'], DEV);
      assert.deepEqual(accessOf(body.token), [{ type: 'repository', name: 'acme/app', actions: ['pull'] }]);
    });
  });

  describe('POST /token (OAuth2)', () => {
    it('answers the password grant with access_token, token_type, expires_in, scope, and a refresh_token for access_type=offline', async () => {
      const { status, body, contentType } = await postToken(registry, {
        grant_type: 'password',
        username: 'dev',
        password: 'dev-password-1',
        service: 'berth',
        client_id: 'test',
        access_type: 'offline',
        scope: 'repository:acme/app:pull,push',
      });
      assert.equal(status, 200, JSON.stringify(body));
      assert.match(contentType ?? '', /^application\/json/);
      assert.equal(typeof body.access_token, 'string');
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 300);
      assert.equal(typeof body.issued_at, 'string');
      assert.equal(body.scope, 'repository:acme/app:pull,push');
      assert.equal(typeof body.refresh_token, 'string');
      assert.deepEqual(accessOf(body.access_token), [{ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }]);
    });

    it('gives no refresh_token to the password grant without access_type=offline', async () => {
      const { status, body } = await postToken(registry, { grant_type: 'password', username: 'dev', password: 'dev-password-1', service: 'berth', client_id: 'test' });
      assert.equal(status, 200);
      assert.equal(body.refresh_token, undefined);
    });

    it('trades a refresh token for a new access token with the asked scope', async () => {
      const first = await postToken(registry, { grant_type: 'password', username: 'dev', password: 'dev-password-1', access_type: 'offline', client_id: 'test', service: 'berth' });
      const refreshed = await postToken(registry, {
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token as string,
        service: 'berth',
        client_id: 'test',
        scope: ['repository:acme/app:pull', 'repository:other/app:pull'],
      });
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(decodeJwt(refreshed.body.access_token as string).sub, 'dev');
      assert.notEqual(decodeJwt(refreshed.body.access_token as string).jti, decodeJwt(first.body.access_token as string).jti);
      assert.deepEqual(accessOf(refreshed.body.access_token), [{ type: 'repository', name: 'acme/app', actions: ['pull'] }]);
      assert.equal(refreshed.body.scope, 'repository:acme/app:pull');
    });

    it('trades a refresh token from GET /token?offline_token=true too', async () => {
      const got = await tokenResponse(registry, [], DEV, { offline_token: 'true', client_id: 'test' });
      const refreshed = await postToken(registry, { grant_type: 'refresh_token', refresh_token: got.refresh_token as string, service: 'berth', client_id: 'test' });
      assert.equal(refreshed.status, 200);
    });

    it("refuses a refresh token once the user's password changed, with 401 invalid_grant", async () => {
      await addUser(registry, 'changer', 'changer-password-1');
      const first = await postToken(registry, { grant_type: 'password', username: 'changer', password: 'changer-password-1', access_type: 'offline', client_id: 'test', service: 'berth' });
      const refreshToken = first.body.refresh_token as string;
      assert.equal((await postToken(registry, { grant_type: 'refresh_token', refresh_token: refreshToken, service: 'berth', client_id: 'test' })).status, 200);
      assert.ok(await registry.berth.store.accounts.update('changer', { passwordHash: await hashPassword('changer-password-2') }));
      const refused = await postToken(registry, { grant_type: 'refresh_token', refresh_token: refreshToken, service: 'berth', client_id: 'test' });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_grant');
      assert.equal(refused.body.access_token, undefined);
    });

    it('refuses the refresh token of a disabled user with 401 invalid_grant', async () => {
      await addUser(registry, 'leaver', 'leaver-password-1');
      const first = await postToken(registry, { grant_type: 'password', username: 'leaver', password: 'leaver-password-1', access_type: 'offline', client_id: 'test', service: 'berth' });
      assert.ok(await registry.berth.store.accounts.update('leaver', { disabled: true }));
      const refused = await postToken(registry, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string, service: 'berth', client_id: 'test' });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_grant');
    });

    it('refuses an access token offered as a refresh token with 401 invalid_grant', async () => {
      const first = await postToken(registry, { grant_type: 'password', username: 'dev', password: 'dev-password-1', client_id: 'test', service: 'berth' });
      const refused = await postToken(registry, { grant_type: 'refresh_token', refresh_token: first.body.access_token as string, service: 'berth', client_id: 'test' });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_grant');
    });

    it('refuses a garbage or missing refresh token with 401 invalid_grant', async () => {
      for (const form of [{ grant_type: 'refresh_token', refresh_token: 'not.a.jwt' }, { grant_type: 'refresh_token' }] as Record<string, string>[]) {
        const refused = await postToken(registry, form);
        assert.equal(refused.status, 401, JSON.stringify(form));
        assert.equal(refused.body.error, 'invalid_grant');
      }
    });

    it('answers an unsupported or missing grant_type with 400 unsupported_grant_type', async () => {
      for (const form of [{ grant_type: 'client_credentials', client_id: 'test' }, { grant_type: 'authorization_code', code: 'x' }, { username: 'dev', password: 'dev-password-1' }] as Record<string, string>[]) {
        const { status, body, contentType } = await postToken(registry, form);
        assert.equal(status, 400, JSON.stringify(form));
        assert.match(contentType ?? '', /^application\/json/);
        assert.equal(body.error, 'unsupported_grant_type');
      }
    });

    it('answers a wrong password and an unknown user alike: 401 invalid_grant', async () => {
      const wrong = await postToken(registry, { grant_type: 'password', username: 'dev', password: 'wrong-password', client_id: 'test', service: 'berth' });
      const unknown = await postToken(registry, { grant_type: 'password', username: 'nobody-here', password: 'wrong-password', client_id: 'test', service: 'berth' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, 'invalid_grant');
      assert.equal(wrong.body.access_token, undefined);
      assert.deepEqual(unknown, wrong);
    });
  });
});
