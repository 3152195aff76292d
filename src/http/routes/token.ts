/**
 * The token endpoint (docker-registry spec, auth-token.md and auth-oauth.md) and the JWKS:
 * GET /token with Basic credentials or none (anonymous), POST /token with the OAuth2 password and
 * refresh_token grants. The granted scope is what was asked intersected with what the principal
 * may do — asking too much is never an error, it just isn't granted.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedPrincipal } from '../../auth/authenticator.js';
import { principalName, type Principal } from '../../auth/principal.js';
import { parseScopes, requestedActions } from '../../auth/scope.js';
import type { AccessEntry, TokenSubject } from '../../auth/token-issuer.js';
import { RegistryError } from '../../errors/index.js';
import type { AuthServices } from '../auth/auth-deps.js';
import { presentedCredentials } from '../auth/credentials-header.js';
import { attemptLogin } from '../auth/login-throttle.js';
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

/** GET /token: Basic credentials or anonymous; one or more `scope` parameters. */
async function getToken(auth: AuthServices, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  await limitTokenRequests(auth, request.ip);
  const query = new URLSearchParams(request.url.split('?')[1] ?? '');
  const presented = presentedCredentials(request.headers.authorization);
  let principal: Principal = { kind: 'anonymous' };
  if (presented.scheme === 'basic') {
    const found = await attemptLogin(auth, presented.username, presented.password, request.ip, 'token');
    if (!found) throw new RegistryError('UNAUTHORIZED', { detail: { reason: 'incorrect username or password' } });
    principal = found;
  } else if (presented.scheme !== 'none') {
    throw new RegistryError('UNAUTHORIZED', { detail: { reason: 'the token endpoint takes Basic credentials or none' } });
  }
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
  let principal: AuthenticatedPrincipal | undefined;
  let refreshToken: string | undefined;
  if (grantType === 'password') {
    const username = form.get('username') ?? '';
    principal = await attemptLogin(auth, username, form.get('password') ?? '', request.ip, 'oauth2');
    if (!principal) throw new OAuthError(401, 'invalid_grant', 'incorrect username or password');
    if (form.get('access_type') === 'offline') refreshToken = await auth.tokens.issueRefresh(subjectOf(principal));
  } else if (grantType === 'refresh_token') {
    refreshToken = form.get('refresh_token') ?? '';
    const verified = await auth.tokens.verifyRefresh(refreshToken);
    const current = verified && (await auth.authenticator.principalOf(verified.subject, verified.issuedAt));
    if (!current || current.kind === 'anonymous') throw new OAuthError(401, 'invalid_grant', 'the refresh token is invalid, expired or revoked');
    principal = current;
  } else {
    throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be password or refresh_token');
  }
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

/** Registers /token and /.well-known/jwks.json. */
export function registerTokenRoutes(app: FastifyInstance, auth: AuthServices): void {
  app.get('/token', (request, reply) => getToken(auth, request, reply));
  app.post('/token', async (request, reply) => {
    try {
      await postToken(auth, request, reply);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      await reply.code(error.status).header('Content-Type', 'application/json').send(JSON.stringify({ error: error.error, error_description: error.message }));
    }
  });
  app.get('/.well-known/jwks.json', async (_request, reply) => reply.header('Content-Type', 'application/json').send(JSON.stringify(auth.tokens.jwks())));
}
