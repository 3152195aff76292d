/**
 * The admin API under /api/v1: JSON over the operations (operations/). Each route authenticates the
 * caller, validates its path, query and body against the route's schemas, calls one
 * operation and writes its JSON; refusals use the API's error table (api-error.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ANONYMOUS, type Principal } from '../../auth/principal.js';
import { EXTENSIONS } from '../../extensions/catalog.js';
import type { Operations } from '../../operations/operations.js';
import type { AuthServices } from '../auth/auth-deps.js';
import type { HttpRoute } from '../route-table.js';
import { readBoundedBody } from '../read-body.js';
import { authenticateApiRequest } from './api-auth.js';
import { ApiError, toApiError } from './api-error.js';
import { API_PREFIX, defineRoute, type AnyApiRoute } from './api-route.js';
import { GC_ROUTES } from './gc-routes.js';
import { EVENT_ROUTES } from './event-routes.js';
import { JOB_ROUTES } from './job-routes.js';
import { NAMESPACE_ROUTES } from './namespace-routes.js';
import { openApiDocument } from './openapi.js';
import { REPOSITORY_ROUTES } from './repository-routes.js';
import { ROBOT_AND_AUDIT_ROUTES } from './robot-routes.js';
import { TAG_ROUTES } from './tag-routes.js';
import { USER_ROUTES } from './user-routes.js';

/** The largest request body the API reads. */
export const API_BODY_LIMIT = 1024 * 1024;

/** What the admin API needs. */
export interface AdminApiDeps {
  auth: AuthServices;
  ops: Operations;
  /** The enabled extensions' routes, each with what its handlers are given. */
  extensions: readonly MountedExtension[];
}

/** An enabled extension's routes and its built services. */
export interface MountedExtension {
  routes: readonly AnyApiRoute[];
  services: unknown;
}

/**
 * Every admin API route, the OpenAPI document's own included: the core's and the given
 * extensions' routes (by default every extension's, for the document of a default registry).
 */
export function adminApiRoutes(extensionRoutes: readonly AnyApiRoute[] = EXTENSIONS.flatMap((extension) => extension.routes)): AnyApiRoute[] {
  let document: Record<string, unknown> | undefined;
  const routes: AnyApiRoute[] = [];
  routes.push(
    defineRoute({
      method: 'GET',
      path: '/openapi.json',
      id: 'getOpenApiDocument',
      tag: 'meta',
      summary: 'This document',
      access: 'public',
      status: 200,
      response: z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document'),
      errors: [],
      handle: async () => (document ??= openApiDocument(routes)),
    }),
    ...USER_ROUTES,
    ...NAMESPACE_ROUTES,
    ...REPOSITORY_ROUTES,
    ...ROBOT_AND_AUDIT_ROUTES,
    ...TAG_ROUTES,
    ...GC_ROUTES,
    ...JOB_ROUTES,
    ...EVENT_ROUTES,
    ...extensionRoutes,
  );
  return routes;
}

function invalidRequest(error: z.ZodError, where: string): ApiError {
  const issues = error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
  return new ApiError('INVALID_REQUEST', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), { issues });
}

function validate<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, where);
  return parsed.data;
}

async function readRequestBody(route: AnyApiRoute, request: FastifyRequest): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const wanted = route.bodyType ?? 'application/json';
  // Requiring the media type also keeps browsers' cross-site form posts out: they can send only
  // text/plain, form-urlencoded and multipart bodies without the server's CORS consent.
  const acceptable = wanted === 'application/x-htpasswd' ? type === 'application/x-htpasswd' : /^application\/([\w.-]+\+)?json$/.test(type);
  if (!acceptable) throw new ApiError('INVALID_REQUEST', `send the body as ${wanted}`, { contentType: type || null });
  const text = (await readBoundedBody(request, route.bodyLimit ?? API_BODY_LIMIT)).toString('utf8');
  if (wanted === 'application/x-htpasswd') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('INVALID_REQUEST', 'the body is not valid JSON');
  }
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  reply.code(status).header('Cache-Control', 'no-store');
  if (body === undefined) return reply.send();
  return reply.header('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

async function handle(route: AnyApiRoute, deps: AdminApiDeps, extension: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  try {
    // An identity-token route's credential is in its body: the handler verifies it, no header counts.
    const principal: Principal = route.access === 'public' || route.access === 'identity-token' ? ANONYMOUS : await authenticateApiRequest(deps.auth, request);
    const rawParams = request.params as Record<string, string>;
    const params = route.params ? (validate(route.params, rawParams, 'path') as Record<string, string>) : rawParams;
    const query = route.query ? validate(route.query, Object.fromEntries(new URLSearchParams(request.url.split('?')[1] ?? '')), 'query') : undefined;
    const body = route.body ? validate(route.body, await readRequestBody(route, request), 'body') : undefined;
    const result = await route.handle({ by: { principal, clientIp: request.ip }, params, query, body, ops: deps.ops, extension });
    await send(reply, route.status, route.status === 204 ? undefined : result);
  } catch (error) {
    const refusal = toApiError(error);
    if (!refusal) throw error;
    for (const [name, value] of Object.entries(refusal.headers)) reply.header(name, value);
    await send(reply, refusal.status, refusal.body());
  }
}

/** The admin API's routes, as entries of the server's route list. */
export function adminRoutes(deps: AdminApiDeps): HttpRoute[] {
  const servicesOf = new Map<AnyApiRoute, unknown>(deps.extensions.flatMap((mounted) => mounted.routes.map((route) => [route, mounted.services] as const)));
  return adminApiRoutes(deps.extensions.flatMap((mounted) => mounted.routes)).map((route) => ({
    method: route.method,
    url: `${API_PREFIX}${route.path.replace(/\{(\w+)\}/g, ':$1')}`,
    auth: route.access === 'public' ? 'public' : route.access === 'identity-token' ? 'identity-token' : 'api',
    handler: (request, reply) => handle(route, deps, servicesOf.get(route), request, reply),
  }));
}
