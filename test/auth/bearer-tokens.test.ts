import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, type JWK, type JWTPayload } from 'jose';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';
import { ADMIN, addNamespace, addUser, basic, bearer, bearerFor, challengeParams, pullStatus, seedImage, startAuthRegistry, tokenFor, tokenResponse, v2 } from './support.js';

const DEV = basic('dev', 'dev-password-1');
const READER = basic('reader', 'reader-password-1');

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Asserts 401 UNAUTHORIZED with error="invalid_token" in the Bearer challenge. */
async function assertInvalidToken(response: Response): Promise<void> {
  assert.equal(challengeParams(response).error, 'invalid_token');
  await assertError(response, 401, 'UNAUTHORIZED');
}

/** Asserts 401 UNAUTHORIZED with error="insufficient_scope" and the scope the route needs. */
async function assertInsufficientScope(response: Response, scope: string): Promise<void> {
  const params = challengeParams(response);
  assert.equal(params.error, 'insufficient_scope');
  assert.equal(params.scope, scope);
  await assertError(response, 401, 'UNAUTHORIZED');
}

describe('bearer tokens on /v2 (docker-registry auth-token.md, auth-jwt.md)', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  let other: TestRegistry;
  const app = imageManifest();

  before(async () => {
    [registry, other] = await Promise.all([startAuthRegistry(), startAuthRegistry()]);
    await addUser(registry, 'dev', 'dev-password-1');
    await addUser(registry, 'reader', 'reader-password-1');
    await addNamespace(registry, 'acme', 'private', { dev: 'developer', reader: 'reader' });
    await addNamespace(registry, 'secret', 'private');
    await seedImage(registry, 'acme/a', 'v1', app);
    await seedImage(registry, 'acme/b', 'v1', imageManifest());
    await seedImage(registry, 'secret/x', 'v1', imageManifest());
  });
  after(async () => Promise.all([registry.stop(), other.stop()]));

  /** Signs claims with the registry's own current key, as only the registry should. */
  async function signWithRegistryKey(claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    const [record] = await registry.berth.store.signingKeys.list();
    assert.ok(record);
    const key = await importJWK(JSON.parse(record.privateJwk) as JWK, 'ES256');
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: record.kid, typ: 'JWT', ...header }).sign(key);
  }

  function validClaims(overrides: JWTPayload = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: 'berth',
      aud: 'berth',
      sub: 'dev',
      kind: 'user',
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: 'test',
      access: [{ type: 'repository', name: 'acme/a', actions: ['pull'] }],
      ...overrides,
    };
  }

  describe('scope of a valid token', () => {
    it('pulls the repository its access names', async () => {
      assert.equal(await pullStatus(registry, 'acme/a', 'v1', await bearerFor(registry, ['repository:acme/a:pull'], DEV)), 200);
    });

    it('answers a token for repository A used on B with 401 insufficient_scope when the user could get B', async () => {
      const response = await v2(registry, 'acme/b/manifests/v1', await bearerFor(registry, ['repository:acme/a:pull'], DEV));
      await assertInsufficientScope(response, 'repository:acme/b:pull');
    });

    it('answers a token for repository A used on B with 403 DENIED when the user may not pull B', async () => {
      const response = await v2(registry, 'secret/x/manifests/v1', await bearerFor(registry, ['repository:acme/a:pull'], DEV));
      assert.equal(response.headers.get('www-authenticate'), null);
      await assertError(response, 403, 'DENIED');
    });

    it('answers a pull-only token used to push with 401 insufficient_scope when the user may push', async () => {
      const response = await v2(registry, 'acme/a/blobs/uploads/', await bearerFor(registry, ['repository:acme/a:pull'], DEV), { method: 'POST', headers: { 'Content-Length': '0' } });
      await assertInsufficientScope(response, 'repository:acme/a:pull,push');
    });

    it('answers a pull-only token used to push with 403 DENIED when the user may only pull', async () => {
      const response = await v2(registry, 'acme/a/blobs/uploads/', await bearerFor(registry, ['repository:acme/a:pull,push'], READER), { method: 'POST', headers: { 'Content-Length': '0' } });
      await assertError(response, 403, 'DENIED');
    });

    it('answers a pull,push token used to delete with 403 DENIED for a developer, 401 insufficient_scope for the admin', async () => {
      const developer = await v2(registry, `acme/a/manifests/${app.manifest.digest}`, await bearerFor(registry, ['repository:acme/a:pull,push'], DEV), { method: 'DELETE' });
      await assertError(developer, 403, 'DENIED');
      const admin = await v2(registry, `acme/a/manifests/${app.manifest.digest}`, await bearerFor(registry, ['repository:acme/a:pull,push'], ADMIN), { method: 'DELETE' });
      await assertInsufficientScope(admin, 'repository:acme/a:delete');
      assert.equal(await pullStatus(registry, 'acme/a', 'v1', ADMIN), 200);
    });

    it('answers an anonymous token used beyond its access with 401 insufficient_scope, never 403', async () => {
      const response = await v2(registry, 'secret/x/manifests/v1', await bearerFor(registry, ['repository:secret/x:pull']));
      await assertInsufficientScope(response, 'repository:secret/x:pull');
    });

    it('answers the catalog with 401 insufficient_scope for a token without registry:catalog:*, 200 with it', async () => {
      const without = await v2(registry, '_catalog', await bearerFor(registry, ['repository:acme/a:pull'], DEV));
      await assertInsufficientScope(without, 'registry:catalog:*');
      const withScope = await v2(registry, '_catalog', await bearerFor(registry, ['registry:catalog:*'], DEV));
      assert.equal(withScope.status, 200);
    });

    it('answers a token whose user was disabled since with 401 once it reaches past its access', async () => {
      await addUser(registry, 'gone', 'gone-password-1');
      assert.ok(await registry.berth.store.namespaces.setMember('acme', { kind: 'user', name: 'gone', role: 'developer' }));
      const authorization = await bearerFor(registry, ['repository:acme/a:pull'], basic('gone', 'gone-password-1'));
      assert.ok(await registry.berth.store.accounts.update('gone', { disabled: true }));
      const response = await v2(registry, 'acme/b/manifests/v1', authorization);
      await assertError(response, 401, 'UNAUTHORIZED');
    });
  });

  describe('tokens Berth did not issue, or no longer honours', () => {
    it('accepts a well-formed token signed with its own key (the control for the cases below)', async () => {
      assert.equal(await pullStatus(registry, 'acme/a', 'v1', bearer(await signWithRegistryKey(validClaims()))), 200);
    });

    it('refuses an expired token with 401 invalid_token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await signWithRegistryKey(validClaims({ iat: now - 400, nbf: now - 400, exp: now - 60 }));
      await assertInvalidToken(await v2(registry, 'acme/a/manifests/v1', bearer(token)));
    });

    it('refuses a token that is not valid yet (nbf a minute ahead) with 401 invalid_token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await signWithRegistryKey(validClaims({ nbf: now + 60, iat: now + 60, exp: now + 360 }));
      await assertInvalidToken(await v2(registry, 'acme/a/manifests/v1', bearer(token)));
    });

    it('refuses a token for another audience or from another issuer with 401 invalid_token', async () => {
      for (const overrides of [{ aud: 'other-service' }, { iss: 'someone-else' }, { aud: 'berth#refresh' }]) {
        const token = await signWithRegistryKey(validClaims(overrides));
        await assertInvalidToken(await v2(registry, 'acme/a/manifests/v1', bearer(token)));
      }
    });

    it('refuses a token without an access claim with 401 invalid_token', async () => {
      const claims = validClaims();
      delete claims.access;
      await assertInvalidToken(await v2(registry, '', bearer(await signWithRegistryKey(claims))));
    });

    it('refuses a token whose payload was widened to more access, signature kept, with 401 invalid_token', async () => {
      const token = await tokenFor(registry, ['repository:acme/a:pull'], DEV);
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
      claims.access = [
        { type: 'repository', name: 'acme/a', actions: ['pull', 'push', 'delete'] },
        { type: 'repository', name: 'secret/x', actions: ['pull', 'push', 'delete'] },
      ];
      const tampered = `${header}.${b64url(claims)}.${signature}`;
      await assertInvalidToken(await v2(registry, 'secret/x/manifests/v1', bearer(tampered)));
      await assertInvalidToken(await v2(registry, 'acme/a/blobs/uploads/', bearer(tampered), { method: 'POST', headers: { 'Content-Length': '0' } }));
    });

    it('refuses a token whose subject was changed to the admin, signature kept, with 401 invalid_token', async () => {
      const token = await tokenFor(registry, ['repository:acme/a:pull'], DEV);
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
      const tampered = `${header}.${b64url({ ...claims, sub: 'admin' })}.${signature}`;
      await assertInvalidToken(await v2(registry, 'acme/a/manifests/v1', bearer(tampered)));
    });

    it('refuses a token signed by a different key that names the same kid with 401 invalid_token', async () => {
      const { kid } = decodeProtectedHeader(await tokenFor(registry, [], DEV));
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT(validClaims({ access: [{ type: 'repository', name: 'secret/x', actions: ['pull'] }] }))
        .setProtectedHeader({ alg: 'ES256', kid: kid as string, typ: 'JWT' })
        .sign(privateKey);
      await assertInvalidToken(await v2(registry, 'secret/x/manifests/v1', bearer(forged)));
    });

    it('refuses a token signed by an unknown kid with 401 invalid_token', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'ES256', kid: 'made-up', typ: 'JWT' }).sign(privateKey);
      await assertInvalidToken(await v2(registry, 'acme/a/manifests/v1', bearer(forged)));
    });

    it('refuses an unsigned token (alg "none") with 401 invalid_token', async () => {
      const { kid } = decodeProtectedHeader(await tokenFor(registry, [], DEV));
      const claims = validClaims({ sub: 'admin', access: [{ type: 'repository', name: 'secret/x', actions: ['pull', 'push', 'delete'] }] });
      for (const alg of ['none', 'None', 'NONE']) {
        for (const signature of ['', 'AAAA']) {
          const unsigned = `${b64url({ alg, kid, typ: 'JWT' })}.${b64url(claims)}.${signature}`;
          await assertInvalidToken(await v2(registry, 'secret/x/manifests/v1', bearer(unsigned)));
        }
      }
    });

    it('refuses an HS256 token keyed with the public JWK (algorithm confusion) with 401 invalid_token', async () => {
      const jwks = (await (await fetch(`${registry.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      const publicJwk = jwks.keys[0] as JWK;
      const claims = validClaims({ sub: 'admin', access: [{ type: 'repository', name: 'secret/x', actions: ['pull'] }] });
      const signingInput = `${b64url({ alg: 'HS256', kid: publicJwk.kid, typ: 'JWT' })}.${b64url(claims)}`;
      for (const secret of [JSON.stringify(publicJwk), `${publicJwk.x}${publicJwk.y}`]) {
        const forged = `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
        await assertInvalidToken(await v2(registry, 'secret/x/manifests/v1', bearer(forged)));
      }
    });

    it('refuses a refresh token used as an access token with 401 invalid_token', async () => {
      const body = await tokenResponse(registry, ['repository:acme/a:pull'], DEV, { offline_token: 'true', client_id: 'test' });
      const refresh = body.refresh_token as string;
      assert.equal(decodeJwt(refresh).access, undefined);
      await assertInvalidToken(await v2(registry, 'acme/a/manifests/v1', bearer(refresh)));
      await assertInvalidToken(await v2(registry, '', bearer(refresh)));
    });

    it('refuses a token from another registry (its own keys) with 401 invalid_token', async () => {
      const foreign = await tokenFor(other, ['repository:acme/a:pull,push,delete'], ADMIN);
      assert.deepEqual(decodeJwt(foreign).access, [{ type: 'repository', name: 'acme/a', actions: ['pull', 'push', 'delete'] }]);
      await assertInvalidToken(await v2(registry, 'acme/a/manifests/v1', bearer(foreign)));
      await assertInvalidToken(await v2(registry, '', bearer(foreign)));
    });
  });

  describe('token lifetime', () => {
    let shortLived: TestRegistry;
    before(async () => {
      shortLived = await startAuthRegistry({ BERTH_AUTH_TOKEN_LIFETIME_SECONDS: '1' });
      await addNamespace(shortLived, 'acme', 'private');
      await seedImage(shortLived, 'acme/a', 'v1', imageManifest());
    });
    after(async () => shortLived.stop());

    it('refuses a token it issued with 401 invalid_token once it expired (past the 5 s clock tolerance)', async () => {
      const body = await tokenResponse(shortLived, ['repository:acme/a:pull'], ADMIN);
      assert.equal(body.expires_in, 1);
      const authorization = bearer(body.token as string);
      assert.equal(await pullStatus(shortLived, 'acme/a', 'v1', authorization), 200);
      await new Promise((done) => setTimeout(done, 7_000));
      await assertInvalidToken(await v2(shortLived, 'acme/a/manifests/v1', authorization));
    });
  });
});
