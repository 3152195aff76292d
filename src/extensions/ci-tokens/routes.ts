/**
 * The CI tokens' admin API routes: the exchange (POST /ci-tokens, whose body is the credential)
 * and the rules under /ci-token-rules (system admins).
 */
import { routesFor, type AnyApiRoute } from '../admin-route.js';
import type { CiTokenServices } from './extension.js';
import {
  exchangeRequestSchema,
  issuedJson,
  issuedSchema,
  ruleCreateSchema,
  ruleJson,
  ruleListSchema,
  rulePatchedSchema,
  rulePatchSchema,
  rulePathSchema,
  ruleSchema,
} from './schemas.js';

const defineRoute = routesFor<{ extension: CiTokenServices }>();

const EXCHANGE =
  'A CI job (GitHub Actions, GitLab CI) sends its OIDC identity token; when it verifies against a trusted issuer (ciTokens.issuers) and enabled rules match its claims, ' +
  'the answer is a short-lived credential with the union of their grants: a password for docker/podman/skopeo login (with the username given) on /v2 and /token, never for this admin API. ' +
  '401 names what is wrong with the token (detail.reason: expired, wrong_audience, untrusted_issuer, bad_signature, …); 403 when no rule maps the job. Nothing is issued then.';

/** The routes; their handlers get the built extension's services. */
export const CI_TOKEN_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/ci-tokens',
    id: 'exchangeCiToken',
    tag: 'ci-tokens',
    summary: "Exchange a CI job's OIDC identity token for a short-lived registry credential",
    description: EXCHANGE,
    access: 'identity-token',
    body: exchangeRequestSchema,
    status: 200,
    response: issuedSchema,
    errors: [400, 403],
    handle: async ({ extension, body, by }) => issuedJson(await extension.exchange.exchange(body.token, by.clientIp)),
  }),
  defineRoute({
    method: 'GET',
    path: '/ci-token-rules',
    id: 'listCiTokenRules',
    tag: 'ci-tokens',
    summary: 'The CI token rules',
    access: 'admin',
    status: 200,
    response: ruleListSchema,
    errors: [403],
    handle: async ({ extension, by }) => ({ rules: (await extension.rules.list(by)).map(ruleJson) }),
  }),
  defineRoute({
    method: 'POST',
    path: '/ci-token-rules',
    id: 'createCiTokenRule',
    tag: 'ci-tokens',
    summary: 'Create a CI token rule: which CI jobs may get which grants',
    description: 'The issuer must be configured (ciTokens.issuers); one condition must pin whose job it is, and none may begin with "*".',
    access: 'admin',
    body: ruleCreateSchema,
    status: 201,
    response: ruleSchema,
    errors: [400, 403, 409],
    handle: async ({ extension, by, body }) => ruleJson(await extension.rules.create(by, body)),
  }),
  defineRoute({
    method: 'GET',
    path: '/ci-token-rules/{name}',
    id: 'getCiTokenRule',
    tag: 'ci-tokens',
    summary: 'A CI token rule',
    access: 'admin',
    params: rulePathSchema,
    status: 200,
    response: ruleSchema,
    errors: [400, 403, 404],
    handle: async ({ extension, by, params }) => ruleJson(await extension.rules.get(by, params.name ?? '')),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/ci-token-rules/{name}',
    id: 'updateCiTokenRule',
    tag: 'ci-tokens',
    summary: 'Enable or disable a CI token rule',
    description: 'Disabling stops new exchanges through it at once and revokes the live credentials it issued.',
    access: 'admin',
    params: rulePathSchema,
    body: rulePatchSchema,
    status: 200,
    response: rulePatchedSchema,
    errors: [400, 403, 404],
    handle: async ({ extension, by, params, body }) => {
      const { revokedCredentials, ...rule } = await extension.rules.setEnabled(by, params.name ?? '', body.enabled);
      return { ...ruleJson(rule), revokedCredentials };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/ci-token-rules/{name}',
    id: 'deleteCiTokenRule',
    tag: 'ci-tokens',
    summary: 'Delete a CI token rule',
    description: 'Stops new exchanges through it and revokes the live credentials it issued.',
    access: 'admin',
    params: rulePathSchema,
    status: 204,
    errors: [400, 403, 404],
    handle: async ({ extension, by, params }) => void (await extension.rules.delete(by, params.name ?? '')),
  }),
];
