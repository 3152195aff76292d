/**
 * The admin API's CI token shapes (zod; the OpenAPI document is generated from them) and the
 * conversion of the extension's results to them: ISO dates, nothing the schemas don't name.
 */
import { z } from 'zod';
import { CREDENTIAL_ACTIONS } from '../../auth/grant-rules.js';
import type { Grant } from '../../auth/principal.js';
import type { IssuedCiCredential } from './exchange.js';
import type { CiRule } from './rules.js';

const dateTime = z.iso.datetime({ offset: true });

const grantSchema = z.strictObject({
  repository: z.string().min(1).max(300).describe('A repository name, "<prefix>/*" or "*"'),
  actions: z.array(z.enum(CREDENTIAL_ACTIONS)).min(1).max(CREDENTIAL_ACTIONS.length),
});

const conditionsSchema = z
  .record(z.string().min(1).max(64), z.string().min(1).max(256))
  .describe('Claim → exact value, or a glob where "*" stands for any run of characters ("org/*", "refs/tags/v*"); all must hold. One must name whose job it is (repository, project_path, …).');

/** POST /ci-tokens: the identity token, nothing else. */
export const exchangeRequestSchema = z.strictObject({
  token: z.string().min(1).max(16 * 1024).describe("The CI job's OIDC identity token (a JWT): GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL answer, GitLab's id_tokens variable"),
});

export const issuedSchema = z.object({
  username: z.string().describe('The login to use with the password (robot$ci-…)'),
  password: z.string().describe('The credential (berth_ci_…), shown once: a password for docker/podman/skopeo login, or a Bearer on /v2'),
  expiresAt: dateTime,
  expiresIn: z.int().describe('Seconds until it expires'),
  grants: z.array(grantSchema).describe('What it may do: the union of the matching rules\' grants'),
  rules: z.array(z.string()).describe('The rules that matched'),
});

type CredentialAction = (typeof CREDENTIAL_ACTIONS)[number];

/** Grants as the API shows them (checkGrants never lets `manage` in). */
function grantsJson(grants: readonly Grant[]): { repository: string; actions: CredentialAction[] }[] {
  return grants.map((grant) => ({ repository: grant.repository, actions: grant.actions.filter((action): action is CredentialAction => action !== 'manage') }));
}

export const issuedJson = (issued: IssuedCiCredential): z.input<typeof issuedSchema> => ({ ...issued, grants: grantsJson(issued.grants), expiresAt: issued.expiresAt.toISOString() });

/** POST /ci-token-rules. */
export const ruleCreateSchema = z.strictObject({
  name: z.string().min(1).max(64).describe('Lower-case words joined by ".", "_" or "-"'),
  issuer: z.string().min(1).max(2048).describe('One of ciTokens.issuers, exactly as configured'),
  conditions: conditionsSchema,
  grants: z.array(grantSchema).min(1).max(100),
  ttlSeconds: z.int().optional().describe('Lifetime of the credentials it issues (default ciTokens.defaultTtlSeconds, at most ciTokens.maxTtlSeconds)'),
  enabled: z.boolean().optional().describe('Default true'),
  description: z.string().max(1024).optional(),
});

export const rulePatchSchema = z.strictObject({ enabled: z.boolean().describe('false stops new exchanges and revokes the live credentials the rule issued') });

export const rulePathSchema = z.strictObject({ name: z.string().min(1).max(64) });

export const ruleSchema = z.object({
  name: z.string(),
  issuer: z.string(),
  conditions: z.record(z.string(), z.string()),
  grants: z.array(grantSchema),
  ttlSeconds: z.int(),
  enabled: z.boolean(),
  description: z.string().optional(),
  createdBy: z.string(),
  createdAt: dateTime,
});

export const rulePatchedSchema = ruleSchema.extend({ revokedCredentials: z.int().describe('Live credentials the rule had issued, now revoked') });

export const ruleListSchema = z.object({ rules: z.array(ruleSchema) });

export const ruleJson = (rule: CiRule): z.input<typeof ruleSchema> => ({ ...rule, grants: grantsJson(rule.grants), createdAt: rule.createdAt.toISOString() });
