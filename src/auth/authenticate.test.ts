/**
 * The credential rule set, as one literal table: each kind of credential (good and bad ones) ×
 * each surface (/v2, the admin API, /token) → who it proves or why it is refused. The table is
 * written out by hand, not read from CREDENTIAL_RULES, so it states the policy independently of
 * authenticate(). A real SQLite metadata store holds the accounts, robots and tokens. Then the
 * throttle and the audit of logins, which every surface shares.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localOnly } from '../cluster/cache-invalidation.js';
import type { StoredGrant } from '../metadata/access-store.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { openMetadataStore } from '../metadata/open-metadata-store.js';
import { AuditLog } from './audit-log.js';
import { authenticate, type Authentication, type AuthenticationServices, type Credentials, type Surface } from './authenticate.js';
import { Authenticator } from './authenticator.js';
import { newSecret, robotLogin, secretHash } from './credentials.js';
import { unknownUserHash } from './login-attempt.js';
import { hashPassword } from './passwords.js';
import { RateLimits, type RateLimitSettings } from './rate-limits.js';
import { Revocations } from './revocations.js';
import { TokenIssuer } from './token-issuer.js';

const SURFACES: Surface[] = ['v2', 'api', 'token'];
const OFF = { limit: 0, windowSeconds: 60 };
const LOOSE: RateLimitSettings = { manifestPullsPerPrincipal: OFF, manifestPullsPerIp: OFF, tokenRequestsPerIp: OFF, failedLogins: { limit: 1000, windowSeconds: 60, blockSeconds: 60 } };

let dir: string;
let store: MetadataStore;
let tokens: TokenIssuer;
// Every audit log made, flushed before the store closes (they write in batches, after a delay).
const audits: AuditLog[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-authenticate-'));
  store = await openMetadataStore(`sqlite:${join(dir, 'metadata.db')}`);
  tokens = new TokenIssuer(store.signingKeys, { issuer: 'berth', service: 'berth', lifetimeSeconds: 300, refreshLifetimeSeconds: 3600 });
  await tokens.init();
});

after(async () => {
  for (const audit of audits) await audit.flush();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The services over the shared store, with their own throttle (`limits`) and a list of the failed-login hook's calls. */
function services(limits: RateLimitSettings = LOOSE): AuthenticationServices & { failures: string[] } {
  const failures: string[] = [];
  const audit = new AuditLog(store.audit, (error) => assert.fail(String(error)));
  audits.push(audit);
  return {
    authenticator: new Authenticator(store),
    tokens,
    revocations: new Revocations(store, localOnly),
    limits: new RateLimits(limits),
    audit,
    loginFailed: (reason) => failures.push(reason),
    failures,
  };
}

async function addUser(name: string, password: string, options: { disabled?: boolean } = {}): Promise<void> {
  assert.ok(await store.accounts.create({ name, kind: 'local', passwordHash: await hashPassword(password) }));
  if (options.disabled) assert.ok(await store.accounts.update(name, { disabled: true }));
}

/** A robot (owner '') or a personal access token of `owner`; returns its secret. `ci`: a CI job's credential (a robot with a berth_ci_ secret). */
async function addCredential(kind: 'robot' | 'token', owner: string, name: string, grants: StoredGrant[], options: { expired?: boolean; revoked?: boolean; ci?: boolean } = {}): Promise<string> {
  const id = randomUUID();
  const secret = newSecret(options.ci ? 'ci' : kind);
  const expiresAt = options.expired ? { expiresAt: new Date(Date.now() - 60_000) } : {};
  assert.ok(await store.credentials.create({ id, kind, owner, name, secretHash: secretHash(secret), grants, createdBy: 'test', ...expiresAt }));
  if (options.revoked) assert.ok(await store.credentials.revoke(id));
  return secret;
}

function basic(username: string, password: string): Credentials {
  return { scheme: 'basic', username, password };
}

function bearer(token: string): Credentials {
  return { scheme: 'bearer', token };
}

/** A cell of the table: `user:<name>`, `robot:<login>`, `anonymous`, `access-token:<subject>`, or the refusal. */
function cell(result: Authentication): string {
  if (result.outcome === 'refused') return result.refusal.refused;
  if (result.outcome === 'access-token') return `access-token:${result.claims.subject.name}`;
  return result.principal.kind === 'anonymous' ? 'anonymous' : `${result.principal.kind}:${result.principal.name}`;
}

describe('the credential rule set', () => {
  it('accepts and refuses each kind of credential on each surface as the table says', async () => {
    const PULL: StoredGrant[] = [{ repository: 'team/*', actions: ['pull'] }];
    await addUser('alice', 'alice-password-1');
    await addUser('bob', 'bob-password-1');
    await addUser('dora', 'dora-password-1', { disabled: true });
    await addUser('olga', 'olga-password-1');
    const robot = await addCredential('robot', '', 'ci', PULL);
    const expiredRobot = await addCredential('robot', '', 'old', PULL, { expired: true });
    const pat = await addCredential('token', 'alice', 'laptop', PULL);
    const session = await addCredential('token', 'alice', 'session', [{ repository: '*', actions: ['manage'] }]);
    const revokedPat = await addCredential('token', 'alice', 'gone', PULL, { revoked: true });
    const orphanPat = await addCredential('token', 'olga', 'laptop', PULL);
    const access = (await tokens.issueAccess({ kind: 'user', name: 'alice' }, [])).token;
    const refresh = await tokens.issueRefresh({ kind: 'user', name: 'alice' });
    // Tokens of bob issued before his password changes: the revocation stamp refuses them.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const staleAccess = (await tokens.issueAccess({ kind: 'user', name: 'bob' }, [])).token;
    const staleRefresh = await tokens.issueRefresh({ kind: 'user', name: 'bob' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(await store.accounts.update('bob', { passwordHash: await hashPassword('bob-password-2') }));
    assert.ok(await store.accounts.update('olga', { disabled: true }));
    const ci = robotLogin('ci');
    const job = await addCredential('robot', '', 'ci-job', PULL, { ci: true });
    const expiredJob = await addCredential('robot', '', 'ci-old-job', PULL, { ci: true, expired: true });
    const jobLogin = robotLogin('ci-job');

    // Columns:                                                        /v2            admin API       /token
    const TABLE: [string, Credentials, [string, string, string]][] = [
      ['nothing', { scheme: 'none' }, ['anonymous', 'missing', 'anonymous']],
      ['a malformed header', { scheme: 'malformed' }, ['malformed', 'malformed', 'malformed']],
      ['Basic: password', basic('alice', 'alice-password-1'), ['user:alice', 'user:alice', 'user:alice']],
      ['Basic: wrong password', basic('alice', 'wrong-password'), ['bad-login', 'bad-login', 'bad-login']],
      ['Basic: unknown user', basic('nobody', 'some-password'), ['bad-login', 'bad-login', 'bad-login']],
      ['Basic: disabled account', basic('dora', 'dora-password-1'), ['bad-login', 'bad-login', 'bad-login']],
      ['Basic: robot secret', basic(ci, robot), ['robot:' + ci, 'robot:' + ci, 'robot:' + ci]],
      ['Basic: robot secret, wrong login', basic('alice', robot), ['bad-login', 'bad-login', 'bad-login']],
      ['Basic: expired robot secret', basic(robotLogin('old'), expiredRobot), ['bad-login', 'bad-login', 'bad-login']],
      ['Basic: personal access token', basic('alice', pat), ['user:alice', 'user:alice', 'user:alice']],
      ['Basic: revoked personal access token', basic('alice', revokedPat), ['bad-login', 'bad-login', 'bad-login']],
      ['Basic: CI credential', basic(jobLogin, job), ['robot:' + jobLogin, 'not-accepted', 'robot:' + jobLogin]],
      ['Basic: expired CI credential', basic(robotLogin('ci-old-job'), expiredJob), ['bad-login', 'not-accepted', 'bad-login']],
      ['Bearer: CI credential', bearer(job), ['robot:' + jobLogin, 'not-accepted', 'not-accepted']],
      ['Bearer: expired CI credential', bearer(expiredJob), ['bad-token', 'not-accepted', 'not-accepted']],
      ['Bearer: unknown berth_ci_ secret', bearer(newSecret('ci')), ['bad-token', 'not-accepted', 'not-accepted']],
      ['Bearer: personal access token', bearer(pat), ['not-accepted', 'user:alice', 'not-accepted']],
      ['Bearer: session token (berth login)', bearer(session), ['not-accepted', 'user:alice', 'not-accepted']],
      ['Bearer: robot secret', bearer(robot), ['not-accepted', 'robot:' + ci, 'not-accepted']],
      ['Bearer: revoked personal access token', bearer(revokedPat), ['not-accepted', 'bad-token', 'not-accepted']],
      ['Bearer: expired robot secret', bearer(expiredRobot), ['not-accepted', 'bad-token', 'not-accepted']],
      ['Bearer: token of a disabled owner', bearer(orphanPat), ['not-accepted', 'bad-token', 'not-accepted']],
      ['Bearer: unknown berth_ secret', bearer(newSecret('token')), ['not-accepted', 'bad-token', 'not-accepted']],
      ['Bearer: /token access token', bearer(access), ['access-token:alice', 'not-accepted', 'not-accepted']],
      ['Bearer: access token, password changed since', bearer(staleAccess), ['bad-token', 'not-accepted', 'not-accepted']],
      ['Bearer: refresh token', bearer(refresh), ['bad-token', 'not-accepted', 'not-accepted']],
      ['Bearer: garbage', bearer('not-a-jwt'), ['bad-token', 'not-accepted', 'not-accepted']],
      ['OAuth2 password grant', { scheme: 'password-grant', username: 'alice', password: 'alice-password-1' }, ['not-accepted', 'not-accepted', 'user:alice']],
      ['OAuth2 password grant: wrong password', { scheme: 'password-grant', username: 'alice', password: 'nope' }, ['not-accepted', 'not-accepted', 'bad-login']],
      ['OAuth2 refresh grant', { scheme: 'refresh-grant', token: refresh }, ['not-accepted', 'not-accepted', 'user:alice']],
      ['OAuth2 refresh grant: password changed since', { scheme: 'refresh-grant', token: staleRefresh }, ['not-accepted', 'not-accepted', 'bad-token']],
      ['OAuth2 refresh grant: an access token', { scheme: 'refresh-grant', token: access }, ['not-accepted', 'not-accepted', 'bad-token']],
    ];
    const auth = services();
    for (const [name, credentials, expected] of TABLE) {
      const actual = await Promise.all(SURFACES.map(async (surface) => cell(await authenticate(auth, credentials, surface, '192.0.2.1'))));
      assert.deepEqual(actual, expected, name);
    }
  });

  it('cuts a personal access token down to its grants, and gives the session token its owner\'s whole rights', async () => {
    await addUser('erin', 'erin-password-1');
    const pat = await addCredential('token', 'erin', 'ci', [{ repository: 'erin/*', actions: ['pull'] }]);
    const session = await addCredential('token', 'erin', 'session', [{ repository: '*', actions: ['manage'] }]);
    const auth = services();
    const restricted = await authenticate(auth, bearer(pat), 'api', '192.0.2.1');
    assert.ok(restricted.outcome === 'principal' && restricted.principal.kind === 'user');
    assert.deepEqual(restricted.principal.restrictTo, [{ repository: 'erin/*', actions: ['pull'] }]);
    const whole = await authenticate(auth, bearer(session), 'api', '192.0.2.1');
    assert.ok(whole.outcome === 'principal' && whole.principal.kind === 'user');
    assert.equal(whole.principal.restrictTo, undefined);
  });
});

describe('the login throttle, on every surface', () => {
  it('refuses a user\'s logins from an address once its failures are spent — even the right password — and tells the hook', async () => {
    await addUser('frank', 'frank-password-1');
    const auth = services({ ...LOOSE, failedLogins: { limit: 2, windowSeconds: 60, blockSeconds: 60 } });
    for (const surface of ['v2', 'api'] as const) assert.equal(cell(await authenticate(auth, basic('frank', 'wrong'), surface, '192.0.2.7')), 'bad-login');
    const right: [Credentials, Surface][] = [
      ...SURFACES.map((surface): [Credentials, Surface] => [basic('frank', 'frank-password-1'), surface]),
      [{ scheme: 'password-grant', username: 'frank', password: 'frank-password-1' }, 'token'],
    ];
    for (const [credentials, surface] of right) {
      const result = await authenticate(auth, credentials, surface, '192.0.2.7');
      assert.ok(result.outcome === 'refused' && result.refusal.refused === 'throttled', `${credentials.scheme} on ${surface}`);
      assert.equal(result.refusal.cause, 'failed-logins');
      assert.ok(result.refusal.retryAfterSeconds >= 1);
    }
    // Another address is not blocked.
    assert.equal(cell(await authenticate(auth, basic('frank', 'frank-password-1'), 'token', '192.0.2.8')), 'user:frank');
    assert.deepEqual(auth.failures, ['bad_credentials', 'bad_credentials', 'throttled', 'throttled', 'throttled', 'throttled']);
  });

  it('caps password logins under unknown names per address; known names and secrets are not counted', async () => {
    await addUser('gina', 'gina-password-1');
    const auth = services({ ...LOOSE, unknownUserLoginsPerIp: { limit: 2, windowSeconds: 60 } });
    const ip = '192.0.2.9';
    assert.equal(cell(await authenticate(auth, basic('ghost-1', 'pw'), 'v2', ip)), 'bad-login');
    assert.equal(cell(await authenticate(auth, basic('ghost-2', 'pw'), 'api', ip)), 'bad-login');
    const third = await authenticate(auth, basic('ghost-3', 'pw'), 'token', ip);
    assert.ok(third.outcome === 'refused' && third.refusal.refused === 'throttled' && third.refusal.cause === 'unknown-names');
    assert.equal(cell(await authenticate(auth, basic('ghost-4', newSecret('token')), 'v2', ip)), 'bad-login');
    assert.equal(cell(await authenticate(auth, basic('gina', 'gina-password-1'), 'v2', ip)), 'user:gina');
  });
});

describe('the audit of logins', () => {
  it('records each surface\'s logins with how they came, a repeated login once, and unknown names only as a hash', async () => {
    await addUser('hana', 'hana-password-1');
    const auth = services();
    const ip = '198.51.100.4';
    for (const surface of SURFACES) await authenticate(auth, basic('hana', 'hana-password-1'), surface, ip);
    await authenticate(auth, { scheme: 'password-grant', username: 'hana', password: 'wrong' }, 'token', ip);
    await authenticate(auth, basic('hana-password-1', 'hana'), 'api', ip);
    // Neither a secret presented alone nor an access token is a login.
    await authenticate(auth, bearer(newSecret('token')), 'api', ip);
    const events = (await auth.audit.query({ action: 'login', limit: 100 })).filter((event) => event.clientIp === ip).reverse();
    assert.deepEqual(
      events.map((event) => [event.actor, event.outcome, event.detail]),
      [
        // The first password check is fresh; the next two surfaces hit the verification cache.
        ['hana', 'success', { via: 'basic' }],
        ['hana', 'failure', { via: 'oauth2' }],
        ['unknown', 'failure', { via: 'api', userHash: unknownUserHash('hana-password-1') }],
      ],
    );
  });
});
