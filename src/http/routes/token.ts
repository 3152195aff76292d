/**
 * The token endpoint (docker-registry spec, auth-token.md and auth-oauth.md) and the JWKS:
 * GET /token with Basic credentials or none (anonymous), POST /token with the OAuth2 password and
 * refresh_token grants. The granted scope is what was asked intersected with what the principal
 * may do — asking too much is never an error, it just isn't granted.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, credentialKind, type Credentials, type Refusal } from '../../auth/authenticate.js';
import { principalName, type Principal } from '../../auth/principal.js';
import { parseScopes, requestedActions } from '../../auth/scope.js';
import type { AccessEntry, TokenSubject } from '../../auth/token-issuer.js';
import { RegistryError } from '../../errors/index.js';
import type { HttpRoute } from '../route-table.js';
import type { AuthServices } from '../auth/auth-deps.js';
import { presentedCredentials } from '../auth/credentials-header.js';
import { throttledError } from '../auth/throttled-error.js';
import { readBoundedBody } from '../read-body.js';

const FORM_LIMIT = 64 * 1024;

/** OAuth2 errors (RFC 6749 §5.2) use their own body, not the registry's envelope. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

function subjectOf(principal: Principal): TokenSubject {
  if (principal.kind === 'anonymous') return { kind: 'anonymous', name: '' };
  return { kind: principal.kind, name: principal.name, ...(principal.credentialId ? { credentialId: principal.credentialId } : {}) };
}

/** The access a principal gets for the scopes asked. */
async function grant(auth: AuthServices, principal: Principal, scopes: string[], ip: string): Promise<AccessEntry[]> {
  const access: AccessEntry[] = [];
  for (const entry of parseScopes(scopes)) {
    if (entry.type === 'registry') {
      // Everyone may list the catalog; it shows each caller only what they may pull.
      access.push({ type: 'registry', name: 'catalog', actions: ['*'] });
      continue;
    }
    const allowed = await auth.access.actionsOn(principal, entry.name, ip);
    const actions = requestedActions(entry).filter((action) => allowed.has(action));
    if (actions.length > 0) access.push({ type: 'repository', name: entry.name, actions });
  }
  return access;
}

async function issue(auth: AuthServices, principal: Principal, scopes: string[], ip: string) {
  const access = await grant(auth, principal, scopes, ip);
  const issued = await auth.tokens.issueAccess(subjectOf(principal), access);
  auth.audit.record({
    actor: principalName(principal),
    actorKind: principal.kind,
    action: 'token.issue',
    outcome: 'success',
    clientIp: ip,
    detail: { access: access.map((entry) => `${entry.type}:${entry.name}:${entry.actions.join(',')}`) },
  });
  return { access, ...issued };
}

async function limitTokenRequests(auth: AuthServices, ip: string): Promise<void> {
  const limit = await auth.limits.tokenRequest(ip);
  if (!limit.allowed) throw new RegistryError('TOOMANYREQUESTS', { headers: { 'Retry-After': String(limit.retryAfterSeconds) } });
}

/** GET /token's answer to refused credentials: 401 in the registry's envelope, or 429. */
function getRefusal(refusal: Refusal): RegistryError {
  if (refusal.refused === 'throttled') return throttledError(refusal);
  if (refusal.refused === 'bad-login') return new RegistryError('UNAUTHORIZED', { detail: { reason: 'incorrect username or password' } });
  return new RegistryError('UNAUTHORIZED', { detail: { reason: 'the token endpoint takes Basic credentials or none' } });
}

/** POST /token's answer to a grant's refused credentials: an OAuth2 error, or 429 in the registry's envelope (as the request limit). */
function postRefusal(refusal: Refusal): Error {
  if (refusal.refused === 'throttled') return throttledError(refusal);
  if (refusal.refused === 'bad-token') return new OAuthError(401, 'invalid_grant', 'the refresh token is invalid, expired or revoked');
  return new OAuthError(401, 'invalid_grant', 'incorrect username or password');
}

/** The principal the credentials prove to /token (never an access token: the rules refuse those here). */
async function principalFor(auth: AuthServices, credentials: Credentials, ip: string, refusalError: (refusal: Refusal) => Error): Promise<Principal> {
  const result = await authenticate(auth, credentials, 'token', ip);
  if (result.outcome === 'refused') throw refusalError(result.refusal);
  if (result.outcome !== 'principal') throw refusalError({ refused: 'not-accepted', kind: credentialKind(credentials) });
  return result.principal;
}

/** GET /token: Basic credentials or anonymous; one or more `scope` parameters. */
async function getToken(auth: AuthServices, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  await limitTokenRequests(auth, request.ip);
  const query = new URLSearchParams(request.url.split('?')[1] ?? '');
  const principal = await principalFor(auth, presentedCredentials(request.headers.authorization), request.ip, getRefusal);
  const issued = await issue(auth, principal, query.getAll('scope'), request.ip);
  const body: Record<string, unknown> = {
    token: issued.token,
    access_token: issued.token,
    expires_in: issued.expiresIn,
    issued_at: issued.issuedAt.toISOString(),
  };
  if (query.get('offline_token') === 'true' && principal.kind !== 'anonymous') body.refresh_token = await auth.tokens.issueRefresh(subjectOf(principal));
  await reply.header('Content-Type', 'application/json').header('Cache-Control', 'no-store').send(JSON.stringify(body));
}

/** POST /token: the OAuth2 password and refresh_token grants (form-encoded). */
async function postToken(auth: AuthServices, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  await limitTokenRequests(auth, request.ip);
  const form = new URLSearchParams((await readBoundedBody(request, FORM_LIMIT)).toString('utf8'));
  const grantType = form.get('grant_type');
  let credentials: Credentials;
  if (grantType === 'password') credentials = { scheme: 'password-grant', username: form.get('username') ?? '', password: form.get('password') ?? '' };
  else if (grantType === 'refresh_token') credentials = { scheme: 'refresh-grant', token: form.get('refresh_token') ?? '' };
  else throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be password or refresh_token');
  const principal = await principalFor(auth, credentials, request.ip, postRefusal);
  let refreshToken: string | undefined;
  // A refresh grant hands back the token it was given; a password grant asks for a new one.
  if (credentials.scheme === 'refresh-grant') refreshToken = credentials.token;
  else if (form.get('access_type') === 'offline') refreshToken = await auth.tokens.issueRefresh(subjectOf(principal));
  const issued = await issue(auth, principal, form.getAll('scope'), request.ip);
  const body: Record<string, unknown> = {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    issued_at: issued.issuedAt.toISOString(),
    scope: issued.access.map((entry) => `${entry.type}:${entry.name}:${entry.actions.join(',')}`).join(' '),
  };
  if (refreshToken !== undefined) body.refresh_token = refreshToken;
  await reply.header('Content-Type', 'application/json').header('Cache-Control', 'no-store').send(JSON.stringify(body));
}

/** /token (GET: Docker's token flow; POST: OAuth2 grants) and /.well-known/jwks.json. */
export function tokenRoutes(auth: AuthServices): HttpRoute[] {
  return [
    { method: 'GET', url: '/token', auth: 'token', handler: (request, reply) => getToken(auth, request, reply) },
    {
      method: 'POST',
      url: '/token',
      auth: 'token',
      handler: async (request, reply) => {
        try {
          await postToken(auth, request, reply);
        } catch (error) {
          if (!(error instanceof OAuthError)) throw error;
          await reply.code(error.status).header('Content-Type', 'application/json').send(JSON.stringify({ error: error.error, error_description: error.message }));
        }
      },
    },
    { method: 'GET', url: '/.well-known/jwks.json', auth: 'public', handler: async (_request, reply) => reply.header('Content-Type', 'application/json').send(JSON.stringify(auth.tokens.jwks())) },
  ];
}
