/**
 * The exchange: a CI job's OIDC identity token in, a short-lived registry credential out.
 *
 * The credential is a robot row in the core `credentials` table with a `berth_ci_` secret, an
 * expiry and the union of the grants of every rule that matched — so everything the core does for
 * robots holds for it unchanged: it is a password for `podman login` / `skopeo --creds` (Basic on
 * /v2 and /token), its /token access tokens die with it (Revocations reads the row), it never
 * has `manage`, and its prefix keeps it off the admin API (auth/authenticate.ts). It belongs to no
 * namespace (a system robot), because an admin's rule may grant in several; its grants are the
 * rules' and nothing else. Each issue is recorded (ci_token_issues) before the row is made, so
 * deleting or disabling a rule can find and revoke every live credential it helped issue.
 *
 * Replays: an identity token may be exchanged again within its lifetime (it is the job's own
 * credential, and a GitLab job has one per job); every exchange of one (issuer, jti) is counted
 * and audited as a reuse, and `ciTokens.singleUse` refuses all but the first.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditLog } from '../../auth/audit-log.js';
import { newSecret, robotLogin, secretHash } from '../../auth/credentials.js';
import type { Grant } from '../../auth/principal.js';
import type { RateLimits } from '../../auth/rate-limits.js';
import { ApiError, RegistryError } from '../../errors/index.js';
import { ManagementError } from '../../errors/management-error.js';
import type { CredentialStore } from '../../metadata/access-store.js';
import { IdentityTokenError, type IdentityTokenVerifier, type VerifiedIdentity } from './identity-token.js';
import type { CiTokenStore } from './rule-store.js';
import { ruleMatches, unionOfGrants } from './rules.js';
import type { CiTokensSettings } from './settings.js';

/** What the exchange answers: the credential and what it may do until when. */
export interface IssuedCiCredential {
  /** The login to send with the password (robot$ci-…). */
  username: string;
  /** The secret (berth_ci_…): a password for Basic, or a Bearer on /v2. */
  password: string;
  expiresAt: Date;
  expiresIn: number;
  grants: Grant[];
  /** The rules that matched. */
  rules: string[];
}

/** What the exchange uses. */
export interface CiTokenExchangeDeps {
  verifier: IdentityTokenVerifier;
  store: CiTokenStore;
  credentials: CredentialStore;
  audit: AuditLog;
  limits: RateLimits;
  settings: Pick<CiTokensSettings, 'maxTtlSeconds' | 'singleUse'>;
}

/** Claims worth showing when no rule matched: what rules are usually written on. */
const HINT_CLAIMS = ['repository', 'ref', 'environment', 'project_path', 'namespace_path', 'ref_type', 'ref_protected'];

/** The identity-token exchange. */
export class CiTokenExchange {
  constructor(private readonly deps: CiTokenExchangeDeps) {}

  /** Exchanges the identity token; refused with 401 (bad token), 403 (no rule), 429 (too many). */
  async exchange(token: string, clientIp: string | undefined): Promise<IssuedCiCredential> {
    // Unauthenticated and doing crypto: it shares the token endpoint's per-address budget.
    const limit = await this.deps.limits.tokenRequest(clientIp ?? '');
    if (!limit.allowed) throw new RegistryError('TOOMANYREQUESTS', { headers: { 'Retry-After': String(limit.retryAfterSeconds) } });
    const identity = await this.verify(token, clientIp);
    const issuer = identity.issuer.issuer;
    const matches: { rule: string; ttlSeconds: number; grants: Grant[]; claims: Record<string, string> }[] = [];
    for (const rule of await this.deps.store.listRules()) {
      const claims = ruleMatches(rule, issuer, identity.claims);
      if (claims) matches.push({ rule: rule.name, ttlSeconds: rule.ttlSeconds, grants: rule.grants, claims });
    }
    if (matches.length === 0) {
      throw this.denied(identity, clientIp, `no enabled CI token rule maps this job (issuer ${issuer}, subject ${identity.subject}): nothing was issued`, { claims: hintClaims(identity) });
    }
    const reuse = await this.countUse(identity, clientIp);
    const now = new Date();
    // The shortest lifetime any matching rule allows, and never past the configured maximum (lowered since, perhaps).
    const ttlSeconds = Math.min(this.deps.settings.maxTtlSeconds, ...matches.map((match) => match.ttlSeconds));
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    const grants = unionOfGrants(matches.flatMap((match) => match.grants));
    const rules = matches.map((match) => match.rule);
    const id = randomUUID();
    const name = `ci-${randomBytes(8).toString('hex')}`;
    const secret = newSecret('ci');
    await this.deps.store.recordIssue({ credentialId: id, issuer, subject: identity.subject, ...(identity.jti ? { jti: identity.jti } : {}), rules, issuedAt: now, expiresAt });
    const created = await this.deps.credentials.create({
      id,
      kind: 'robot',
      owner: '',
      name,
      secretHash: secretHash(secret),
      grants,
      description: `CI job ${identity.subject} (${issuer}), rules ${rules.join(', ')}`.slice(0, 1024),
      createdBy: 'ci-tokens',
      expiresAt,
    });
    // 64 random bits name it; a clash with an existing robot is not worth a retry loop.
    if (!created) throw new Error(`a robot named ${name} exists`);
    const username = robotLogin(name);
    this.deps.audit.record({
      actor: identity.subject,
      actorKind: 'ci',
      action: 'ci-token.issue',
      target: username,
      outcome: 'success',
      ...(clientIp === undefined ? {} : { clientIp }),
      detail: {
        issuer,
        subject: identity.subject,
        ...(identity.jti ? { jti: identity.jti } : {}),
        ...(reuse > 1 ? { reuse } : {}),
        rules,
        claims: Object.assign({}, ...matches.map((match) => match.claims)) as Record<string, string>,
        grants: grants.map((grant) => `${grant.repository}:${grant.actions.join(',')}`),
        credentialId: id,
        expiresAt: expiresAt.toISOString(),
      },
    });
    return { username, password: secret, expiresAt, expiresIn: ttlSeconds, grants, rules };
  }

  private async verify(token: string, clientIp: string | undefined): Promise<VerifiedIdentity> {
    try {
      return await this.deps.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof IdentityTokenError)) throw error;
      this.deps.audit.record({
        actor: 'unknown',
        actorKind: 'ci',
        action: 'ci-token.issue',
        outcome: 'failure',
        ...(clientIp === undefined ? {} : { clientIp }),
        detail: { reason: error.reason, message: error.message },
      });
      // 401: the credential (the token in the body) is what failed, as a bad password would.
      throw new ApiError('UNAUTHORIZED', error.message, { reason: error.reason });
    }
  }

  /** Counts this exchange of the token; refuses a reuse under ciTokens.singleUse. Returns the count (0: no jti). */
  private async countUse(identity: VerifiedIdentity, clientIp: string | undefined): Promise<number> {
    const singleUse = this.deps.settings.singleUse;
    if (identity.jti === undefined) {
      if (singleUse) throw this.denied(identity, clientIp, 'the identity token has no jti, so its single use cannot be checked (ciTokens.singleUse)', {});
      return 0;
    }
    const uses = await this.deps.store.useJti(identity.issuer.issuer, identity.jti, identity.expiresAt, singleUse);
    if (uses === 0) throw this.denied(identity, clientIp, 'this identity token was exchanged already; request a fresh one (ciTokens.singleUse)', { jti: identity.jti });
    return uses;
  }

  private denied(identity: VerifiedIdentity, clientIp: string | undefined, message: string, detail: Record<string, unknown>): ManagementError {
    this.deps.audit.record({
      actor: identity.subject,
      actorKind: 'ci',
      action: 'ci-token.issue',
      outcome: 'denied',
      ...(clientIp === undefined ? {} : { clientIp }),
      detail: { issuer: identity.issuer.issuer, subject: identity.subject, reason: message, ...detail },
    });
    return new ManagementError('denied', message, { issuer: identity.issuer.issuer, subject: identity.subject, ...detail });
  }
}

/** The job's claims that rules are usually written on, for the refusal's detail (never the token). */
function hintClaims(identity: VerifiedIdentity): Record<string, string> {
  const hint: Record<string, string> = {};
  for (const claim of HINT_CLAIMS) {
    const value = identity.claims[claim];
    if (typeof value === 'string') hint[claim] = value.slice(0, 300);
  }
  return hint;
}
