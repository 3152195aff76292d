import type { AccessControl } from '../../auth/access-control.js';
import type { AuthenticationServices } from '../../auth/authenticate.js';

/**
 * The access-control services the HTTP layer asks; app.ts builds them. What checks credentials
 * (authenticator, tokens, revocation stamps, throttle, audit, the failed-login hook) comes from
 * auth/'s {@link AuthenticationServices}.
 */
export interface AuthServices extends AuthenticationServices {
  /** 'none' turns every check off (a trusted local loop). */
  mode: 'token' | 'none';
  access: AccessControl;
  /** The token endpoint URL for challenges; undefined: derived from each request's host. */
  realm: string | undefined;
}
