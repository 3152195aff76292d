/**
 * Credentials → principal, for every surface that takes credentials: /v2, the admin API
 * (/api/v1) and the token endpoint (/token). The whole rule set lives here — which kinds of
 * credential each surface accepts ({@link CREDENTIAL_RULES}), the login throttle and password
 * lane (login-attempt.ts), revocation stamps, disabled accounts, expired or revoked secrets, the
 * audit of failed logins — so the three HTTP places only parse what was presented, call
 * {@link authenticate}, and translate the answer into their own challenge or error envelope.
 *
 * Why the admin API never takes a /token access token (nor a refresh token): those are
 * short-lived /v2 credentials any registry client holds, often for no more than `pull` on one
 * repository, and must not become an administrator's login. A robot's or personal access token's
 * secret (`berth_…`, including the full-access session token `berth login` stores) is what the
 * API takes as a Bearer.
 */
import type { Authenticator } from './authenticator.js';
import { isCiSecret, looksLikeSecret } from './credentials.js';
import { attemptLogin, type LoginServices, type ThrottleCause } from './login-attempt.js';
import { ANONYMOUS, type Principal } from './principal.js';
import type { Revocations } from './revocations.js';
import type { AccessClaims, TokenIssuer } from './token-issuer.js';

/** Who asks: the /v2 API, the admin API (/api/v1), or the token endpoint (/token). */
export type Surface = 'v2' | 'api' | 'token';

/**
 * What a request presented: an Authorization header as parsed (`none`, `basic`, `bearer`,
 * `malformed`), or the credentials of an OAuth2 grant posted to /token.
 */
export type Credentials =
  | { scheme: 'none' }
  | { scheme: 'malformed' }
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string }
  | { scheme: 'password-grant'; username: string; password: string }
  | { scheme: 'refresh-grant'; token: string };

/**
 * The kind of credential, as the rule table reads it. `basic` covers a password and a secret
 * given as the password alike (both go through the login throttle); a Bearer is a `secret` when
 * it looks like one (berth_…), else an `access-token` (a JWT from /token, or anything else).
 * A CI job's credential (berth_ci_…, credentials.ts's CI_SECRET_PREFIX) is a kind of its own,
 * as the Basic password (`ci-basic`) or the Bearer (`ci-bearer`): it is for the registry only.
 */
export type CredentialKind = 'none' | 'malformed' | 'basic' | 'secret' | 'ci-basic' | 'ci-bearer' | 'access-token' | 'password-grant' | 'refresh-token';

/**
 * How a surface treats a kind: accept it as anonymous, check it as a login (username and
 * password, throttled and audited), as a secret alone, as an access token (signature and
 * revocation stamp) or as a refresh token (signature and the account's stamp) — or refuse it
 * unchecked: `missing` where credentials are required, `malformed`, `not-accepted`.
 */
export type Rule = 'anonymous' | 'login' | 'secret' | 'access-token' | 'refresh-token' | 'missing' | 'malformed' | 'not-accepted';

/** The rule set: which credentials each surface accepts, and how it checks them. */
export const CREDENTIAL_RULES: Readonly<Record<CredentialKind, Readonly<Record<Surface, Rule>>>> = {
  // The admin API is administration: it always wants credentials.
  none: { v2: 'anonymous', api: 'missing', token: 'anonymous' },
  malformed: { v2: 'malformed', api: 'malformed', token: 'malformed' },
  basic: { v2: 'login', api: 'login', token: 'login' },
  secret: { v2: 'not-accepted', api: 'secret', token: 'not-accepted' },
  // A CI job's short-lived credential pushes and pulls: a login on /v2 and /token (podman login,
  // skopeo --creds), or the Bearer itself on /v2 (curl, a script) — never the admin API, so a
  // leaked one can't list users, mint tokens or change rules, whatever its grants say.
  'ci-basic': { v2: 'login', api: 'not-accepted', token: 'login' },
  'ci-bearer': { v2: 'secret', api: 'not-accepted', token: 'not-accepted' },
  'access-token': { v2: 'access-token', api: 'not-accepted', token: 'not-accepted' },
  'password-grant': { v2: 'not-accepted', api: 'not-accepted', token: 'login' },
  'refresh-token': { v2: 'not-accepted', api: 'not-accepted', token: 'refresh-token' },
};

/** Why credentials were refused. */
export type Refusal =
  /** None were presented where they are required. */
  | { refused: 'missing' }
  | { refused: 'malformed' }
  /** A kind of credential this surface does not take. */
  | { refused: 'not-accepted'; kind: CredentialKind }
  /** Unknown user, wrong password or secret, disabled account, expired or revoked secret: all look the same. */
  | { refused: 'bad-login' }
  /** An invalid, expired or revoked token or secret presented alone. */
  | { refused: 'bad-token' }
  /** The login was not tried: see {@link ThrottleCause}. */
  | { refused: 'throttled'; cause: ThrottleCause; retryAfterSeconds: number };

/**
 * What the credentials prove: a principal, or — on /v2 — a verified access token, which acts
 * within its `access` list (the subject's current rights are read only when a check needs them,
 * keeping a database read off every pull); or a refusal.
 */
export type Authentication =
  | { outcome: 'principal'; principal: Principal }
  | { outcome: 'access-token'; claims: AccessClaims }
  | { outcome: 'refused'; refusal: Refusal };

/** What authenticating needs; http/'s AuthServices carries all of it. */
export interface AuthenticationServices extends LoginServices {
  authenticator: Authenticator;
  tokens: TokenIssuer;
  revocations: Revocations;
}

// What the audit log says a login came through, per surface (an OAuth2 password grant: 'oauth2').
const LOGIN_VIA: Record<Surface, string> = { v2: 'basic', api: 'api', token: 'token' };

/** The kind of the presented credentials (the rule table's row). */
export function credentialKind(credentials: Credentials): CredentialKind {
  switch (credentials.scheme) {
    case 'none':
    case 'malformed':
    case 'password-grant':
      return credentials.scheme;
    case 'basic':
      return isCiSecret(credentials.password) ? 'ci-basic' : 'basic';
    case 'bearer':
      if (isCiSecret(credentials.token)) return 'ci-bearer';
      return looksLikeSecret(credentials.token) ? 'secret' : 'access-token';
    case 'refresh-grant':
      return 'refresh-token';
  }
}

function refused(refusal: Refusal): Authentication {
  return { outcome: 'refused', refusal };
}

/**
 * Checks the credentials a request presented to `surface` from `clientIp` against the rule set:
 * the principal they prove, a verified access token (/v2 only), or why they are refused.
 */
export async function authenticate(services: AuthenticationServices, credentials: Credentials, surface: Surface, clientIp: string): Promise<Authentication> {
  const kind = credentialKind(credentials);
  const rule = CREDENTIAL_RULES[kind][surface];
  // Each checking rule re-tests the scheme it reads: the table pairs it only with that scheme,
  // and the test is what lets the compiler see so (an edited table refuses, never mis-reads).
  switch (rule) {
    case 'anonymous':
      return { outcome: 'principal', principal: ANONYMOUS };
    case 'missing':
    case 'malformed':
      return refused({ refused: rule });
    case 'not-accepted':
      return refused({ refused: 'not-accepted', kind });
    case 'login': {
      if (credentials.scheme !== 'basic' && credentials.scheme !== 'password-grant') return refused({ refused: 'not-accepted', kind });
      const via = credentials.scheme === 'password-grant' ? 'oauth2' : LOGIN_VIA[surface];
      const login = await attemptLogin(services, credentials.username, credentials.password, clientIp, via);
      if (login.outcome === 'throttled') return refused({ refused: 'throttled', cause: login.cause, retryAfterSeconds: login.retryAfterSeconds });
      return login.outcome === 'success' ? { outcome: 'principal', principal: login.principal } : refused({ refused: 'bad-login' });
    }
    case 'secret': {
      if (credentials.scheme !== 'bearer') return refused({ refused: 'not-accepted', kind });
      const principal = await services.authenticator.withBearerSecret(credentials.token);
      return principal ? { outcome: 'principal', principal } : refused({ refused: 'bad-token' });
    }
    case 'access-token': {
      if (credentials.scheme !== 'bearer') return refused({ refused: 'not-accepted', kind });
      const claims = await services.tokens.verifyAccess(credentials.token);
      // The token's signature is remembered; its subject's revocation is checked every time.
      if (!claims || !(await services.revocations.allows(claims.subject, claims.issuedAt))) return refused({ refused: 'bad-token' });
      return { outcome: 'access-token', claims };
    }
    case 'refresh-token': {
      if (credentials.scheme !== 'refresh-grant') return refused({ refused: 'not-accepted', kind });
      const verified = await services.tokens.verifyRefresh(credentials.token);
      // A refresh token yields the subject's current principal, if its account's stamp allows.
      const current = verified && (await services.authenticator.principalOf(verified.subject, verified.issuedAt));
      return current && current.kind !== 'anonymous' ? { outcome: 'principal', principal: current } : refused({ refused: 'bad-token' });
    }
  }
}
