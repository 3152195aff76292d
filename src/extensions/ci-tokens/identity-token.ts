/**
 * Verifies a CI job's OIDC identity token (GitHub Actions, GitLab CI) against the trusted issuers
 * of the configuration: the issuer is picked by the token's `iss` before anything is fetched (no
 * key set of an untrusted issuer is ever requested), then jose checks the signature with that
 * issuer's JWKS (createRemoteJWKSet: cached, re-fetched on an unknown kid at most every 30 s),
 * `iss`, `aud`, `exp` and `nbf` within the clock tolerance. Only asymmetric algorithms are
 * accepted: `none` would need no key, and an HS* token would be "signed" with a key anyone can
 * read from the issuer's public JWKS.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { CiIssuerSettings } from './settings.js';

/** The signature algorithms CI issuers use (GitHub and GitLab sign RS256). */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Why an identity token was refused; the exchange's error names it in detail.reason. */
export type IdentityTokenReason =
  | 'malformed'
  | 'untrusted_issuer'
  | 'unsupported_algorithm'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_audience'
  | 'missing_claim'
  | 'invalid_claims';

/** A refused identity token; `message` says why in words for the person reading the CI log. */
export class IdentityTokenError extends Error {
  constructor(
    readonly reason: IdentityTokenReason,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityTokenError';
  }
}

/** The issuer's keys could not be fetched (its discovery document or JWKS is unreachable or broken). */
export class IssuerUnavailableError extends Error {
  constructor(issuer: string, cause: unknown) {
    super(`the keys of CI issuer ${issuer} could not be fetched`, { cause });
    this.name = 'IssuerUnavailableError';
  }
}

/** A verified identity token. */
export interface VerifiedIdentity {
  issuer: CiIssuerSettings;
  subject: string;
  jti?: string;
  expiresAt: Date;
  claims: JWTPayload;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const DISCOVERY_TIMEOUT_MS = 5000;

/** Verifies identity tokens of the configured issuers; one per node, its key sets cached. */
export class IdentityTokenVerifier {
  private readonly keySets = new Map<string, Promise<KeySet>>();

  constructor(
    private readonly issuers: readonly CiIssuerSettings[],
    private readonly clockToleranceSeconds: number,
  ) {}

  /** The verified token, or throws {@link IdentityTokenError} (refused) or {@link IssuerUnavailableError}. */
  async verify(token: string): Promise<VerifiedIdentity> {
    let unverified: JWTPayload;
    let alg: string | undefined;
    try {
      unverified = decodeJwt(token);
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new IdentityTokenError('malformed', 'the identity token is not a signed JWT');
    }
    const issuer = this.issuers.find((candidate) => candidate.issuer === unverified.iss);
    if (!issuer) {
      const trusted = this.issuers.map((candidate) => candidate.issuer);
      throw new IdentityTokenError(
        'untrusted_issuer',
        `the identity token's issuer ${JSON.stringify(String(unverified.iss ?? '')).slice(0, 300)} is not trusted (ciTokens.issuers: ${trusted.length > 0 ? trusted.join(', ') : 'none configured'})`,
      );
    }
    if (alg === undefined || !(ACCEPTED_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new IdentityTokenError('unsupported_algorithm', `the identity token is signed with ${alg ?? 'no algorithm'}; accepted: ${ACCEPTED_ALGORITHMS.join(', ')}`);
    }
    const keys = await this.keySetOf(issuer);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: [...ACCEPTED_ALGORITHMS],
        clockTolerance: this.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw refusalOf(error, issuer);
    }
    return {
      issuer,
      subject: String(payload.sub),
      ...(typeof payload.jti === 'string' && payload.jti !== '' ? { jti: payload.jti } : {}),
      expiresAt: new Date((payload.exp ?? 0) * 1000),
      claims: payload,
    };
  }

  /** The issuer's key set; a failed discovery is not remembered (the next exchange tries again). */
  private keySetOf(issuer: CiIssuerSettings): Promise<KeySet> {
    let keySet = this.keySets.get(issuer.issuer);
    if (!keySet) {
      keySet = (issuer.jwksUrl ? Promise.resolve(issuer.jwksUrl) : discoverJwksUrl(issuer.issuer)).then(
        (url) => createRemoteJWKSet(new URL(url)),
        (error: unknown) => {
          this.keySets.delete(issuer.issuer);
          throw new IssuerUnavailableError(issuer.issuer, error);
        },
      );
      this.keySets.set(issuer.issuer, keySet);
    }
    return keySet;
  }
}

/** OpenID Connect Discovery 1.0 §4: the issuer's configuration names its JWKS, and must name the issuer itself. */
async function discoverJwksUrl(issuer: string): Promise<string> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: 'error' });
  if (!response.ok) throw new Error(`discovery answered ${response.status}`);
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (document.issuer !== issuer) throw new Error(`discovery names issuer ${String(document.issuer)}, not ${issuer}`);
  if (typeof document.jwks_uri !== 'string') throw new Error('discovery names no jwks_uri');
  const url = new URL(document.jwks_uri);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))) throw new Error(`jwks_uri ${url.href} is not https`);
  return url.href;
}

/** jose's refusal in the exchange's words. */
function refusalOf(error: unknown, issuer: CiIssuerSettings): Error {
  if (error instanceof errors.JWTExpired) return new IdentityTokenError('expired', `the identity token expired at ${expiry(error.payload)}; request a fresh one in the job`);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new IdentityTokenError('wrong_audience', `the identity token's audience is not ${issuer.audience} (request the token with that audience)`);
    if (error.claim === 'nbf' || (error.claim === 'iat' && error.reason === 'check_failed')) return new IdentityTokenError('not_yet_valid', 'the identity token is not valid yet (check the clocks)');
    if (error.reason === 'missing') return new IdentityTokenError('missing_claim', `the identity token has no "${error.claim}" claim`);
    return new IdentityTokenError('invalid_claims', `the identity token's "${error.claim}" claim is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return new IdentityTokenError('unsupported_algorithm', 'the identity token is signed with an algorithm not accepted here');
  if (error instanceof errors.JWKSNoMatchingKey) return new IdentityTokenError('bad_signature', `no key of ${issuer.issuer} matches the identity token's signature`);
  if (error instanceof errors.JWSSignatureVerificationFailed) return new IdentityTokenError('bad_signature', `the identity token's signature does not verify with ${issuer.issuer}'s keys`);
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || (error instanceof Error && !(error instanceof errors.JOSEError))) return new IssuerUnavailableError(issuer.issuer, error);
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) return new IdentityTokenError('malformed', 'the identity token is not a valid JWT');
  return new IdentityTokenError('bad_signature', 'the identity token does not verify');
}

function expiry(payload: JWTPayload): string {
  return typeof payload.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : 'an unknown time';
}
