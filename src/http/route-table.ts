/** The shape of an entry of the one route list (routes.ts). */
import type { HTTPMethods, RouteHandlerMethod } from 'fastify';

/**
 * How a path authenticates its caller (auth/authenticate.ts holds the rule set per surface):
 * - public: nobody (health, metrics, JWKS, the OpenAPI document);
 * - v2: the /v2 gate (anonymous, Basic, or a /token access token for the route's scope);
 * - token: the Docker token endpoint (anonymous, Basic, OAuth2 password and refresh grants);
 * - api: the admin API (Basic, a PAT or robot secret, the `berth login` session token — never a /v2 token);
 * - browser: the OIDC sign-in flow (the provider authenticates; a state cookie ties the steps).
 */
export type RouteAuth = 'public' | 'v2' | 'token' | 'api' | 'browser';

/** One path the server answers. */
export interface HttpRoute {
  method: HTTPMethods | HTTPMethods[];
  url: string;
  auth: RouteAuth;
  handler: RouteHandlerMethod;
}
