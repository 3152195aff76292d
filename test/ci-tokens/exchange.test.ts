/**
 * POST /api/v1/ci-tokens against a CI issuer and JWKS served on loopback, on SQLite and on the
 * real PostgreSQL: a mapped job's credential pushes where its rule allows and nowhere else, never
 * reaches the admin API, expires; a bad identity token (expired, wrong audience, untrusted issuer,
 * bad signature, alg none or HS256) is refused with its reason and an unmapped job with 403 —
 * and a refusal stores nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, api, assertError, basic } from '../api/support.js';
import { pullStatus, pushImageAs, tokenFor, v2 } from '../auth/support.js';
import { githubClaims, startCiIssuer, type TestCiIssuer } from '../support/ci-issuer.js';
import { imageManifest } from '../support/fixtures.js';
import { postgresTestUrl } from '../support/postgres.js';
import type { TestRegistry } from '../support/registry.js';
import { createRule, exchange, exchangeOk, expireCredential, startCiRegistry, storedCounts } from './support.js';

const RELEASE_RULE = {
  name: 'org-app-release',
  conditions: { repository: 'org/app', ref: 'refs/heads/main' },
  grants: [{ repository: 'team/app', actions: ['pull', 'push'] }],
};

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`the CI token exchange (${backend})`, { timeout: 60_000 }, () => {
    let issuer: TestCiIssuer;
    let other: TestCiIssuer;
    let stranger: TestCiIssuer;
    let registry: TestRegistry;

    before(async () => {
      issuer = await startCiIssuer();
      other = await startCiIssuer({ audience: 'berth-ci' });
      // Serves keys too, but the registry was never told to trust it.
      stranger = await startCiIssuer();
      registry = await startCiRegistry([issuer, other], backend === 'postgres' ? { BERTH_METADATA_URL: postgresTestUrl() } : {});
      await createRule(registry, { ...RELEASE_RULE, issuer: issuer.issuer });
      await createRule(registry, {
        name: 'org-any-branch-cache',
        issuer: issuer.issuer,
        conditions: { repository_owner: 'org', ref: 'refs/heads/*' },
        grants: [{ repository: 'cache/*', actions: ['pull', 'push'] }],
        ttlSeconds: 600,
      });
    });

    after(async () => {
      await registry?.stop();
      await Promise.all([issuer?.stop(), other?.stop(), stranger?.stop()]);
    });

    it("issues a credential for a mapped job that pushes to the mapped repository, with the rules' grants and expiry", async () => {
      const issued = await exchangeOk(registry, await issuer.token());
      assert.match(issued.username, /^robot\$ci-[0-9a-f]{16}$/);
      assert.match(issued.password, /^berth_ci_/);
      assert.deepEqual([...issued.rules].sort(), ['org-any-branch-cache', 'org-app-release']);
      assert.deepEqual(
        [...issued.grants].sort((a, b) => a.repository.localeCompare(b.repository)),
        [
          { repository: 'cache/*', actions: ['pull', 'push'] },
          { repository: 'team/app', actions: ['pull', 'push'] },
        ],
      );
      // The shortest lifetime of the matching rules: the cache rule's 600 s under the default 900 s.
      assert.equal(issued.expiresIn, 600);
      const expiresIn = (Date.parse(issued.expiresAt) - Date.now()) / 1000;
      assert.ok(expiresIn > 500 && expiresIn <= 600, `expires in ${expiresIn} s`);

      const login = basic(issued.username, issued.password);
      assert.equal(await pushImageAs(registry, 'team/app', 'v1', imageManifest(), login), 201);
      assert.equal(await pullStatus(registry, 'team/app', 'v1', login), 200);
      assert.equal(await pushImageAs(registry, 'cache/app', 'build-1', imageManifest(), login), 201);
      // The secret as is, a Bearer on /v2.
      assert.equal(await pullStatus(registry, 'team/app', 'v1', `Bearer ${issued.password}`), 200);
    });

    it('refuses the credential on every other repository, for delete, and on the admin API', async () => {
      const issued = await exchangeOk(registry, await issuer.token());
      const login = basic(issued.username, issued.password);
      assert.equal(await pushImageAs(registry, 'team/other', 'v1', imageManifest(), login), 403);
      assert.equal(await pushImageAs(registry, 'org/app', 'v1', imageManifest(), login), 403);
      const deleted = await v2(registry, 'team/app/manifests/v1', login, { method: 'DELETE' });
      await deleted.arrayBuffer();
      assert.equal(deleted.status, 403);
      // /token grants only what the rules give.
      const token = await tokenFor(registry, ['repository:team/app:pull,push,delete', 'repository:team/other:pull,push'], login);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { access: unknown[] };
      assert.deepEqual(claims.access, [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
      for (const path of ['/users', '/robots', '/ci-token-rules', '/me']) {
        for (const auth of [login, `Bearer ${issued.password}`]) {
          const reply = await api(registry, 'GET', path, { auth });
          const error = assertError(reply, 401, 'UNAUTHORIZED');
          assert.match(JSON.stringify(error.detail), /CI credential/, `${path}: ${reply.text}`);
        }
      }
      // Not even to exchange again for more: the body's token is the only credential that route reads.
      assertError(await api(registry, 'POST', '/ci-token-rules', { auth: login, json: { ...RELEASE_RULE, name: 'mine', issuer: issuer.issuer } }), 401, 'UNAUTHORIZED');
    });

    it('matches conditions exactly or by glob: another repository or branch of the job is not mapped', async () => {
      const feature = await exchangeOk(registry, await issuer.token({ claims: githubClaims({ ref: 'refs/heads/feature/x' }) }));
      assert.deepEqual(feature.rules, ['org-any-branch-cache']);
      assert.deepEqual(feature.grants, [{ repository: 'cache/*', actions: ['pull', 'push'] }]);
      assert.equal(await pushImageAs(registry, 'team/app', 'v2', imageManifest(), basic(feature.username, feature.password)), 403);
      const tag = await exchange(registry, await issuer.token({ claims: githubClaims({ ref: 'refs/tags/v1' }) }));
      assertError(tag, 403, 'DENIED');
    });

    it('refuses an unmapped job with 403 naming its issuer and subject, and stores nothing', async () => {
      const before = await storedCounts(registry);
      const reply = await exchange(registry, await issuer.token({ claims: githubClaims({ repository: 'evil/app', repository_owner: 'evil' }) }));
      const error = assertError(reply, 403, 'DENIED');
      assert.match(error.message, /no enabled CI token rule maps this job/);
      assert.match(error.message, /repo:evil\/app:ref:refs\/heads\/main/);
      assert.deepEqual((error.detail as { claims: Record<string, string> }).claims.repository, 'evil/app');
      assert.deepEqual(await storedCounts(registry), before);
    });

    it('refuses bad identity tokens with 401 and the reason, and stores nothing', async () => {
      const before = await storedCounts(registry);
      const cases: [string, string, RegExp][] = [
        [await issuer.token({ expiresIn: -120 }), 'expired', /expired at/],
        [await issuer.token({ audience: 'https://elsewhere.test' }), 'wrong_audience', /audience is not https:\/\/registry\.test/],
        [await stranger.token(), 'untrusted_issuer', /is not trusted/],
        [await issuer.token({ foreignKey: true }), 'bad_signature', /signature does not verify/],
        [await issuer.hmacToken('any-text-an-attacker-picks'), 'unsupported_algorithm', /HS256/],
        [issuer.unsignedToken(), 'unsupported_algorithm', /none/],
        [await issuer.token({ notBefore: 600 }), 'not_yet_valid', /not valid yet/],
        [await issuer.token({ claims: { repository: 'org/app', ref: 'refs/heads/main' } }), 'missing_claim', /"sub"/],
        ['not-a-jwt', 'malformed', /not a signed JWT/],
      ];
      for (const [token, reason, message] of cases) {
        const error = assertError(await exchange(registry, token), 401, 'UNAUTHORIZED');
        assert.deepEqual(error.detail, { reason }, `${reason}: ${JSON.stringify(error)}`);
        assert.match(error.message, message, reason);
      }
      assert.deepEqual(await storedCounts(registry), before);
      // The stranger's keys were never asked for: the issuer is picked before anything is fetched.
      assert.equal(stranger.hits.size, 0);
    });

    it('takes a second trusted issuer by its configured JWKS and audience, without discovery', async () => {
      await createRule(registry, {
        name: 'gitlab-deploy',
        issuer: other.issuer,
        conditions: { project_path: 'group/app', ref_protected: 'true' },
        grants: [{ repository: 'team/app', actions: ['pull'] }],
      });
      const issued = await exchangeOk(registry, await other.token({ claims: { sub: 'project_path:group/app:ref_type:branch:ref:main', project_path: 'group/app', ref_protected: 'true' } }));
      assert.deepEqual(issued.rules, ['gitlab-deploy']);
      assert.equal(other.hits.get('/.well-known/openid-configuration'), undefined);
      assert.ok((other.hits.get('/.well-known/jwks') ?? 0) >= 1);
      // The first issuer's audience is not this one's.
      assertError(await exchange(registry, await other.token({ audience: issuer.audience, claims: { sub: 's', project_path: 'group/app', ref_protected: 'true' } })), 401, 'UNAUTHORIZED');
    });

    it('refuses an expired CI credential on /v2 and /token', async () => {
      const issued = await exchangeOk(registry, await issuer.token());
      const login = basic(issued.username, issued.password);
      assert.equal(await pullStatus(registry, 'team/app', 'v1', login), 200);
      await expireCredential(registry, issued.username);
      assert.equal(await pullStatus(registry, 'team/app', 'v1', login), 401);
      const token = await fetch(`${registry.url}/token?service=berth&scope=repository:team/app:pull`, { headers: { Authorization: login } });
      await token.arrayBuffer();
      assert.equal(token.status, 401);
    });

    it('stops new exchanges through a disabled rule and revokes what it issued, access tokens included; enabling it again issues again', async () => {
      await createRule(registry, { name: 'deploy-only', issuer: issuer.issuer, conditions: { repository: 'ops/deployer' }, grants: [{ repository: 'deploy/app', actions: ['pull', 'push'] }] });
      const deployer = githubClaims({ repository: 'ops/deployer' });
      const issued = await exchangeOk(registry, await issuer.token({ claims: deployer }));
      const login = basic(issued.username, issued.password);
      assert.equal(await pushImageAs(registry, 'deploy/app', 'v1', imageManifest(), login), 201);
      const accessToken = await tokenFor(registry, ['repository:deploy/app:pull'], login);
      assert.equal(await pullStatus(registry, 'deploy/app', 'v1', `Bearer ${accessToken}`), 200);

      const disabled = await api<{ enabled: boolean; revokedCredentials: number }>(registry, 'PATCH', '/ci-token-rules/deploy-only', { auth: ADMIN, json: { enabled: false } });
      assert.equal(disabled.status, 200, disabled.text);
      assert.deepEqual([disabled.body.enabled, disabled.body.revokedCredentials], [false, 1]);
      assert.equal(await pullStatus(registry, 'deploy/app', 'v1', login), 401);
      assert.equal(await pullStatus(registry, 'deploy/app', 'v1', `Bearer ${accessToken}`), 401);
      assertError(await exchange(registry, await issuer.token({ claims: deployer })), 403, 'DENIED');

      assert.equal((await api(registry, 'PATCH', '/ci-token-rules/deploy-only', { auth: ADMIN, json: { enabled: true } })).status, 200);
      const again = await exchangeOk(registry, await issuer.token({ claims: deployer }));
      assert.equal(await pullStatus(registry, 'deploy/app', 'v1', basic(again.username, again.password)), 200);
    });

    it('revokes the live credentials of a deleted rule, and exchanges through it stop', async () => {
      await createRule(registry, { name: 'short-lived', issuer: issuer.issuer, conditions: { repository: 'ops/tool' }, grants: [{ repository: 'tools/app', actions: ['pull', 'push'] }] });
      const claims = githubClaims({ repository: 'ops/tool' });
      const first = await exchangeOk(registry, await issuer.token({ claims }));
      const second = await exchangeOk(registry, await issuer.token({ claims }));
      assert.equal(await pushImageAs(registry, 'tools/app', 'v1', imageManifest(), basic(first.username, first.password)), 201);
      assert.equal((await api(registry, 'DELETE', '/ci-token-rules/short-lived', { auth: ADMIN })).status, 204);
      for (const issued of [first, second]) assert.equal(await pullStatus(registry, 'tools/app', 'v1', basic(issued.username, issued.password)), 401);
      assertError(await exchange(registry, await issuer.token({ claims })), 403, 'DENIED');
    });

    it('exchanges one identity token again within its lifetime, and audits who, through which rules, and the reuse', async () => {
      const token = await issuer.token({ jti: `jti-${backend}` });
      const first = await exchangeOk(registry, token);
      const second = await exchangeOk(registry, token);
      assert.notEqual(first.password, second.password);
      await registry.berth.auth.audit.flush();
      const audit = await api<{ events: { actor: string; actorKind: string; target?: string; outcome: string; detail?: Record<string, unknown> }[] }>(registry, 'GET', '/audit?action=ci-token.issue&limit=100', { auth: ADMIN });
      assert.equal(audit.status, 200, audit.text);
      const mine = audit.body.events.filter((event) => event.detail?.jti === `jti-${backend}`);
      assert.equal(mine.length, 2, audit.text);
      const reused = mine.find((event) => event.target === second.username);
      assert.ok(reused, audit.text);
      assert.equal(reused.actor, 'repo:org/app:ref:refs/heads/main');
      assert.equal(reused.actorKind, 'ci');
      assert.equal(reused.outcome, 'success');
      assert.equal(reused.detail?.issuer, issuer.issuer);
      assert.equal(reused.detail?.reuse, 2);
      assert.deepEqual(reused.detail?.claims, { repository: 'org/app', ref: 'refs/heads/main', repository_owner: 'org' });
      const refused = audit.body.events.find((event) => event.outcome === 'failure' && event.detail?.reason === 'expired');
      assert.ok(refused, 'refused exchanges are audited with their reason');
    });
  });
}

describe('the CI token exchange with ciTokens.singleUse', { timeout: 30_000 }, () => {
  let issuer: TestCiIssuer;
  let registry: TestRegistry;

  before(async () => {
    issuer = await startCiIssuer();
    registry = await startCiRegistry([issuer], { BERTH_CI_TOKENS_SINGLE_USE: 'true' });
    await createRule(registry, { ...RELEASE_RULE, issuer: issuer.issuer });
  });

  after(async () => {
    await registry?.stop();
    await issuer?.stop();
  });

  it('refuses a second exchange of one identity token, and one without a jti, storing nothing', async () => {
    const token = await issuer.token();
    await exchangeOk(registry, token);
    const before = await storedCounts(registry);
    assert.match(assertError(await exchange(registry, token), 403, 'DENIED').message, /exchanged already/);
    assert.match(assertError(await exchange(registry, await issuer.token({ noJti: true })), 403, 'DENIED').message, /no jti/);
    assert.deepEqual(await storedCounts(registry), before);
    await exchangeOk(registry, await issuer.token());
  });
});
