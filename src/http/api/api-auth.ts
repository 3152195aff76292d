/**
 * Who calls the admin API: `Authorization: Basic` (a user's password or personal access token,
 * or a robot's secret, through the failed-login throttle) or `Bearer` with such a secret alone
 * (`Bearer berth_pat_…`, within the token's grants). Never a /token access token, nor a refresh
 * token: those are short-lived /v2 credentials any registry client holds, often for no more than
 * `pull` on one repository, and must not become an administrator's login. The API is
 * administration: it always wants credentials, even when the registry runs with auth.mode none.
 */
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedPrincipal } from '../../auth/authenticator.js';
import { looksLikeSecret } from '../../auth/credentials.js';
import type { AuthServices } from '../auth/auth-deps.js';
import { presentedCredentials } from '../auth/credentials-header.js';
import { attemptLogin } from '../auth/login-throttle.js';
import { ApiError, BASIC_CHALLENGE } from './api-error.js';

function unauthorized(reason: string): ApiError {
  return new ApiError('UNAUTHORIZED', undefined, { reason }, { 'WWW-Authenticate': BASIC_CHALLENGE });
}

/** The principal the request's credentials prove; throws 401 (none or bad) or 429 (throttled). */
export async function authenticateApiRequest(auth: AuthServices, request: FastifyRequest): Promise<AuthenticatedPrincipal> {
  const presented = presentedCredentials(request.headers.authorization);
  switch (presented.scheme) {
    case 'none':
      throw unauthorized('send Basic credentials or a Bearer token');
    case 'malformed':
      throw unauthorized('the Authorization header is malformed');
    case 'basic': {
      const principal = await attemptLogin(auth, presented.username, presented.password, request.ip, 'api');
      if (!principal) throw unauthorized('incorrect username or password');
      return principal;
    }
    case 'bearer': {
      if (!looksLikeSecret(presented.token)) throw unauthorized('the admin API takes Basic credentials or a personal access token (berth_…), not a /token access token');
      const principal = await auth.authenticator.withBearerSecret(presented.token);
      if (!principal) throw unauthorized('the token is invalid, expired or revoked');
      return principal;
    }
  }
}
