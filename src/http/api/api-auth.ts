/**
 * Who calls the admin API: `Authorization: Basic` (a user's password or personal access token,
 * or a robot's secret, through the failed-login throttle) or `Bearer` with such a secret alone
 * (`Bearer berth_pat_…`, within the token's grants) — never a /token access token nor a refresh
 * token, and always some credentials, even when the registry runs with auth.mode none. The rules
 * are auth/authenticate.ts's; this file only words the refusals for the API.
 */
import type { FastifyRequest } from 'fastify';
import { authenticate, type Refusal } from '../../auth/authenticate.js';
import type { AuthenticatedPrincipal } from '../../auth/authenticator.js';
import type { AuthServices } from '../auth/auth-deps.js';
import { presentedCredentials } from '../auth/credentials-header.js';
import { throttledError } from '../auth/throttled-error.js';
import { ApiError, BASIC_CHALLENGE } from './api-error.js';

function unauthorized(reason: string): ApiError {
  return new ApiError('UNAUTHORIZED', undefined, { reason }, { 'WWW-Authenticate': BASIC_CHALLENGE });
}

function refusalError(refusal: Refusal): Error {
  switch (refusal.refused) {
    case 'missing':
      return unauthorized('send Basic credentials or a Bearer token');
    case 'malformed':
      return unauthorized('the Authorization header is malformed');
    case 'not-accepted':
      if (refusal.kind === 'ci-basic' || refusal.kind === 'ci-bearer') return unauthorized('a CI credential (berth_ci_…) is for /v2 and /token only, never the admin API');
      return unauthorized('the admin API takes Basic credentials or a personal access token (berth_…), not a /token access token');
    case 'bad-login':
      return unauthorized('incorrect username or password');
    case 'bad-token':
      return unauthorized('the token is invalid, expired or revoked');
    case 'throttled':
      return throttledError(refusal);
  }
}

/** The principal the request's credentials prove; throws 401 (none or bad) or 429 (throttled). */
export async function authenticateApiRequest(auth: AuthServices, request: FastifyRequest): Promise<AuthenticatedPrincipal> {
  const result = await authenticate(auth, presentedCredentials(request.headers.authorization), 'api', request.ip);
  if (result.outcome === 'refused') throw refusalError(result.refusal);
  // The rules give this surface neither anonymous principals nor access tokens; should they, still no.
  if (result.outcome !== 'principal' || result.principal.kind === 'anonymous') throw refusalError({ refused: 'missing' });
  return result.principal;
}
