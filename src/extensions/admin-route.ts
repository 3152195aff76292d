/**
 * One admin API route, defined once: method, path, who may call it, its query, body and response
 * schemas, and the handler. http/api/admin-api.ts registers the Fastify routes and openapi.ts
 * writes the OpenAPI document from the same definitions, so the two can't drift apart. The core
 * routes (http/api/) and the extensions' routes share this contract, so it sits below both: it
 * knows no Fastify, and what a handler gets beyond the request (`X`) is the definer's choice —
 * the core routes get the operations, an extension's routes close over its own services.
 */
import type { z } from 'zod';
import type { ActingPrincipal } from '../auth/acting.js';

/**
 * Who may call a route, as the document states it (the management operation decides).
 * `identity-token`: no Authorization header is read; the body carries the credential (an OIDC
 * identity token a CI job exchanges, extensions/ci-tokens), which the handler verifies.
 */
export type RouteAccess = 'public' | 'identity-token' | 'authenticated' | 'admin' | 'self-or-admin' | 'owner-or-admin' | 'member-or-admin' | 'creator-or-admin' | 'owner-of-every-grant-or-admin' | 'repository-pull' | 'repository-push' | 'maintainer-or-admin';

/** What a handler gets: the caller, path parameters, and the validated query and body. */
export interface RouteContext<Q, B> {
  by: ActingPrincipal;
  params: Record<string, string>;
  query: Q;
  body: B;
}

/** A route definition. Paths use OpenAPI's `{param}` templates, relative to /api/v1. */
export interface ApiRoute<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType, X extends object = object> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** OpenAPI operationId. */
  id: string;
  tag: string;
  summary: string;
  description?: string;
  access: RouteAccess;
  /** Path parameter schemas (default: plain strings). */
  params?: z.ZodObject;
  query?: Q;
  body?: B;
  /** The body's media type: JSON unless said otherwise. */
  bodyType?: 'application/json' | 'application/x-htpasswd';
  /** The largest body accepted, in bytes (default: API_BODY_LIMIT, 1 MiB). */
  bodyLimit?: number;
  status: 200 | 201 | 204;
  /** The response body's schema; absent for 204. */
  response?: R;
  /** Possible refusals besides 401 (and 429 for Basic credentials), for the document. */
  errors: readonly (400 | 403 | 404 | 409 | 413)[];
  handle(context: RouteContext<z.output<Q>, z.output<B>> & X): Promise<z.input<R> | undefined>;
}

/**
 * A route with its types erased, for the route list. The admin API gives every handler the
 * operations and, for an extension's route, the extension's built services; each handler's own
 * definition says which of the two it reads.
 */
export type AnyApiRoute = Omit<ApiRoute, 'handle'> & {
  handle(context: RouteContext<unknown, unknown> & { ops: unknown; extension: unknown }): Promise<unknown>;
};

/**
 * A definer of routes whose handlers get `X` besides the request: `routesFor<{ extension:
 * LifecycleAdmin }>()` for an extension's. It checks each handler against its schemas, then
 * erases the types.
 */
export function routesFor<X extends object>() {
  return <Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodUndefined>(route: ApiRoute<Q, B, R, X>): AnyApiRoute =>
    route as unknown as AnyApiRoute;
}

/** The path prefix of every admin API route. */
export const API_PREFIX = '/api/v1';
