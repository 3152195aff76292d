import type { AccessControl } from '../../auth/access-control.js';
import type { AuditLog } from '../../auth/audit-log.js';
import type { Authenticator } from '../../auth/authenticator.js';
import type { RateLimits } from '../../auth/rate-limits.js';
import type { Revocations } from '../../auth/revocations.js';
import type { TokenIssuer } from '../../auth/token-issuer.js';

/** The access-control services the HTTP layer asks; app.ts builds them. */
export interface AuthServices {
  /** 'none' turns every check off (a trusted local loop). */
  mode: 'token' | 'none';
  tokens: TokenIssuer;
  authenticator: Authenticator;
  access: AccessControl;
  audit: AuditLog;
  limits: RateLimits;
  /** Revocation stamps, checked on every Bearer request. */
  revocations: Revocations;
  /** The token endpoint URL for challenges; undefined: derived from each request's host. */
  realm: string | undefined;
  /** Told of each failed password login (/metrics counts them by reason). */
  loginFailed?: (reason: 'bad_credentials' | 'throttled') => void;
}
