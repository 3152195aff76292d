/**
 * The one route list: every path the server answers, with how it authenticates its caller
 * (route-table.ts). server.ts registers exactly these; nothing else calls the router. The UI's
 * static files will be one more entry.
 */
import type { RouteHandlerMethod } from 'fastify';
import { adminRoutes, type AdminApiDeps } from './api/admin-api.js';
import type { AuthServices } from './auth/auth-deps.js';
import type { HttpMetrics } from './middleware/metrics.js';
import { healthRoutes } from './routes/health.js';
import type { OidcSettings } from '../auth/oidc/oidc-login.js';
import { oidcRoutes, type OidcSignInUser } from './routes/oidc.js';
import { tokenRoutes } from './routes/token.js';
import type { HttpRoute } from './route-table.js';
import type { Readiness } from '../operations/readiness.js';

/** The methods the /v2 API answers; v2-path.ts and server.ts's table pick the handler. */
export const V2_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** What the list's handlers are made from. */
export interface RouteParts {
  /** The /v2 dispatcher: parses the path with the spec's grammar (repository names hold slashes). */
  v2: RouteHandlerMethod;
  metrics: HttpMetrics;
  readiness: Readiness;
  auth: AuthServices;
  admin: AdminApiDeps;
  /** Present when an OIDC issuer is configured. */
  oidc?: { signIn: OidcSignInUser; settings: OidcSettings };
}

/** Every route, in registration order. */
export function serverRoutes(parts: RouteParts): HttpRoute[] {
  return [
    { method: [...V2_METHODS], url: '/v2', auth: 'v2', handler: parts.v2 },
    { method: [...V2_METHODS], url: '/v2/*', auth: 'v2', handler: parts.v2 },
    ...tokenRoutes(parts.auth),
    ...adminRoutes(parts.admin),
    ...(parts.oidc ? oidcRoutes(parts.auth, parts.oidc.signIn, parts.oidc.settings) : []),
    {
      method: 'GET',
      url: '/metrics',
      auth: 'public',
      handler: async (_request, reply) => {
        reply.header('Content-Type', parts.metrics.registry.contentType);
        return parts.metrics.registry.metrics();
      },
    },
    ...healthRoutes(parts.readiness),
  ];
}
