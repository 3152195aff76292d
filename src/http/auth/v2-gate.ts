/**
 * The /v2 gate: authenticates the request (Bearer token, Basic credentials, or none) and asks
 * auth/ whether the principal may do what the route needs — before any handler runs. Which
 * credentials count, and how they are checked, is auth/authenticate.ts's rule set. Refusals
 * follow the token protocol (docker-registry spec, auth-token.md): no or invalid credentials →
 * 401 UNAUTHORIZED with a Bearer challenge naming the scope; a token lacking a scope its holder
 * could get → 401 with error="insufficient_scope"; an authenticated principal without the right →
 * 403 DENIED. Bodies say no more than that.
 */
import type { FastifyRequest } from 'fastify';
import type { Action } from '../../auth/decide.js';
import { authenticate, type Refusal } from '../../auth/authenticate.js';
import { grantedActions, principalName, type Principal } from '../../auth/principal.js';
import { formatScope } from '../../auth/scope.js';
import type { AccessEntry, AccessClaims } from '../../auth/token-issuer.js';
import { RegistryError } from '../../errors/index.js';
import { isRepositoryName } from '../../oci/reference.js';
import type { V2Target } from '../v2-path.js';
import type { AuthServices } from './auth-deps.js';
import { presentedCredentials } from './credentials-header.js';
import type { RequestPrincipal } from './request-principal.js';
import { throttledError } from './throttled-error.js';

/** What a route needs: any valid login (/v2/), the catalog scope, or actions on a repository. */
type Need = { kind: 'login' } | { kind: 'catalog' } | { kind: 'repository'; name: string; actions: Action[] };

function needOf(target: V2Target, method: string): Need {
  const read = method === 'GET' || method === 'HEAD';
  switch (target.kind) {
    case 'base':
      return { kind: 'login' };
    case 'catalog':
      return { kind: 'catalog' };
    case 'uploads':
    case 'upload':
      return { kind: 'repository', name: target.name, actions: ['push'] };
    case 'blob':
    case 'manifest':
      return { kind: 'repository', name: target.name, actions: [read ? 'pull' : method === 'DELETE' ? 'delete' : 'push'] };
    case 'tags':
    case 'referrers':
      return { kind: 'repository', name: target.name, actions: ['pull'] };
  }
}

/** The realm for challenges: configured, or this server's /token as the client reached it. */
export function realmOf(auth: AuthServices, request: FastifyRequest): string {
  return auth.realm ?? `${request.protocol}://${request.host}/token`;
}

function challenge(auth: AuthServices, request: FastifyRequest, need: Need, error?: 'invalid_token' | 'insufficient_scope'): RegistryError {
  const parts = [`realm="${realmOf(auth, request)}"`, `service="${auth.tokens.settings.service}"`];
  // Pushing clients need pull too (they check for existing blobs first), as Distribution asks.
  if (need.kind === 'repository') {
    const scopes = [formatScope({ type: 'repository', name: need.name, actions: need.actions.includes('push') ? ['pull', 'push'] : need.actions })];
    // A cross-repository mount reads `from` too: name it, or token clients never ask for pull on
    // it and upload instead of mounting (Distribution's challenge does the same). Several scopes
    // share the one parameter, space-separated (auth-token.md, RFC 6750 §3).
    const from = mountSource(request);
    if (from !== undefined && from !== need.name) scopes.push(formatScope({ type: 'repository', name: from, actions: ['pull'] }));
    parts.push(`scope="${scopes.join(' ')}"`);
  }
  if (need.kind === 'catalog') parts.push('scope="registry:catalog:*"');
  if (error) parts.push(`error="${error}"`);
  return new RegistryError('UNAUTHORIZED', { headers: { 'WWW-Authenticate': `Bearer ${parts.join(',')}` } });
}

/** The `from` of a mount request (POST …/blobs/uploads/?mount=&from=) when it is a valid name. */
function mountSource(request: FastifyRequest): string | undefined {
  if (request.method !== 'POST') return undefined;
  const query = request.query as Record<string, unknown> | undefined;
  const from = query?.from;
  if (typeof query?.mount !== 'string' || typeof from !== 'string') return undefined;
  return isRepositoryName(from) ? from : undefined;
}

/**
 * 403 DENIED. A robot or personal access token refused by its own grants hears which grant it
 * holds in the detail (the message stays the table's, as clients match it), as immutable-tag and
 * quota refusals name their rule: its holder wrote (or was given)
 * those grants, so naming them tells nothing new and saves a guess. Any other refusal says no more.
 */
function deniedFor(principal: Principal, need: Need & { kind: 'repository' }): RegistryError {
  const grants = principal.kind === 'robot' ? principal.grants : principal.kind === 'user' ? principal.restrictTo : undefined;
  if (!grants) return new RegistryError('DENIED');
  const granted = grantedActions(grants, need.name);
  const action = need.actions.find((wanted) => !granted.includes(wanted));
  if (action === undefined) return new RegistryError('DENIED');
  const who = principal.kind === 'robot' ? principal.name : `the access token of ${principalName(principal)}`;
  const where = grants.filter((grant) => grant.actions.includes(action)).map((grant) => grant.repository);
  const preposition = action === 'pull' ? 'from' : action === 'push' ? 'to' : 'in';
  const reason = where.length > 0 ? `${who} may ${action} only ${preposition} ${where.join(', ')}` : `${who} has no grant to ${action}`;
  return new RegistryError('DENIED', { detail: { reason, repository: need.name, action, grants: grants.map((grant) => ({ repository: grant.repository, actions: grant.actions })) } });
}

function tokenGrants(access: readonly AccessEntry[], name: string): Set<string> {
  const actions = new Set<string>();
  for (const entry of access) if (entry.type === 'repository' && entry.name === name) entry.actions.forEach((action) => actions.add(action));
  return actions;
}

/** The /v2 answer to refused credentials: a challenge (saying the token is invalid unless a login failed), or 429. */
function refusalError(auth: AuthServices, request: FastifyRequest, need: Need, refusal: Refusal): RegistryError {
  switch (refusal.refused) {
    case 'throttled':
      return throttledError(refusal);
    case 'bad-login':
    case 'missing':
      return challenge(auth, request, need);
    case 'malformed':
    case 'not-accepted':
    case 'bad-token':
      return challenge(auth, request, need, 'invalid_token');
  }
}

/** Checks the request against what the route needs; returns who it acts as, or throws 401/403/429. */
export async function passV2Gate(auth: AuthServices, request: FastifyRequest, target: V2Target): Promise<RequestPrincipal> {
  const need = needOf(target, request.method);
  const ip = request.ip;
  const result = await authenticate(auth, presentedCredentials(request.headers.authorization), 'v2', ip);
  if (result.outcome === 'refused') throw refusalError(auth, request, need, result.refusal);
  if (result.outcome === 'access-token') return passWithToken(auth, request, need, result.claims, ip);

  const principal = result.principal;
  const requestPrincipal = loginRequestPrincipal(auth, principal, ip);
  if (need.kind === 'login' || need.kind === 'catalog') {
    if (principal.kind === 'anonymous') throw challenge(auth, request, need);
    return requestPrincipal;
  }
  const allowed = await auth.access.actionsOn(principal, need.name, ip);
  if (need.actions.every((action) => allowed.has(action))) return requestPrincipal;
  if (principal.kind === 'anonymous') throw challenge(auth, request, need);
  auditDenied(auth, principal, need, ip);
  throw deniedFor(principal, need);
}

/** A request with a verified access token: it acts within the token's access list. */
async function passWithToken(auth: AuthServices, request: FastifyRequest, need: Need, claims: AccessClaims, ip: string): Promise<RequestPrincipal> {
  const requestPrincipal = tokenRequestPrincipal(auth, claims, ip);
  if (need.kind === 'login') return requestPrincipal;
  if (need.kind === 'catalog') {
    if (!claims.access.some((entry) => entry.type === 'registry' && entry.name === 'catalog')) throw challenge(auth, request, need, 'insufficient_scope');
    return requestPrincipal;
  }
  const granted = tokenGrants(claims.access, need.name);
  // Network rules bind where a token is used, not only where it was issued; a token carried
  // outside the namespace's CIDRs falls through to the checks below and is denied.
  if (need.actions.every((action) => granted.has(action)) && (await auth.access.networkAllows(need.name, need.actions, ip))) {
    await askForMountSource(auth, request, need, claims, ip);
    return requestPrincipal;
  }
  // Would a fresh token carry the scope? Then say so (the client fetches one); else it is denied.
  const principal = await auth.authenticator.principalOf(claims.subject);
  if (!principal || principal.kind === 'anonymous') throw challenge(auth, request, need, 'insufficient_scope');
  const allowed = await auth.access.actionsOn(principal, need.name, ip);
  if (need.actions.every((action) => allowed.has(action))) throw challenge(auth, request, need, 'insufficient_scope');
  auditDenied(auth, principal, need, ip);
  throw deniedFor(principal, need);
}

/**
 * A mount whose token lacks pull on `from`, though a fresh token would carry it: 401
 * insufficient_scope naming both repositories, so the client fetches that token and mounts
 * (Distribution requires the same access). Without the right on `from` the request goes on, and
 * the handler answers with a plain upload session.
 */
async function askForMountSource(auth: AuthServices, request: FastifyRequest, need: Need & { kind: 'repository' }, claims: AccessClaims, ip: string): Promise<void> {
  const from = mountSource(request);
  if (from === undefined || from === need.name || tokenGrants(claims.access, from).has('pull')) return;
  const principal = await auth.authenticator.principalOf(claims.subject, claims.issuedAt);
  if (principal && (await auth.access.actionsOn(principal, from, ip)).has('pull')) throw challenge(auth, request, need, 'insufficient_scope');
}

function auditDenied(auth: AuthServices, principal: Principal, need: Need & { kind: 'repository' }, ip: string): void {
  auth.audit.record({ actor: principalName(principal), actorKind: principal.kind, action: need.actions.join(','), target: need.name, outcome: 'denied', clientIp: ip });
}

/** A request acting through a token: further checks read the token's grants. */
function tokenRequestPrincipal(auth: AuthServices, claims: AccessClaims, ip: string): RequestPrincipal {
  return {
    kind: claims.subject.kind,
    name: claims.subject.kind === 'anonymous' ? 'anonymous' : claims.subject.name,
    may: async (repository, action) => tokenGrants(claims.access, repository).has(action) && (await auth.access.networkAllows(repository, [action], ip)),
    pullFilter: async () => {
      const principal = await auth.authenticator.principalOf(claims.subject);
      return principal ? auth.access.pullFilter(principal, ip) : () => false;
    },
    mountAnywhere: false,
  };
}

/** A request acting through Basic credentials, or anonymously: further checks ask auth/. */
function loginRequestPrincipal(auth: AuthServices, principal: Principal, ip: string): RequestPrincipal {
  return {
    kind: principal.kind,
    name: principalName(principal),
    may: async (repository, action) => (await auth.access.actionsOn(principal, repository, ip)).has(action),
    pullFilter: async () => auth.access.pullFilter(principal, ip),
    mountAnywhere: false,
  };
}
