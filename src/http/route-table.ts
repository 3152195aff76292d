/** The shape of an entry of the one route list (routes.ts). */
import type { HTTPMethods, RouteHandlerMethod } from 'fastify';

/**
 * How a path authenticates its caller (auth/authenticate.ts holds the rule set per surface):
 * - public: nobody (health, metrics, JWKS, the OpenAPI document);
 * - v2: the /v2 gate (anonymous, Basic, or a /token access token for the route's scope);
 * - token: the Docker token endpoint (anonymous, Basic, OAuth2 password and refresh grants);
 * - api: the admin API (Basic, a PAT or robot secret, the `berth login` session token — never a /v2 token);
 * - browser: the OIDC sign-in flow (the provider authenticates; a state cookie ties the steps);
 * - identity-token: an exchange whose body is the credential (a CI job's OIDC identity token,
 *   verified against a trusted issuer's keys by the handler); no Authorization header is read.
 */
export type RouteAuth = 'public' | 'v2' | 'token' | 'api' | 'browser' | 'identity-token';

/** One path the server answers. */
export interface HttpRoute {
  method: HTTPMethods | HTTPMethods[];
  url: string;
  auth: RouteAuth;
  handler: RouteHandlerMethod;
}
