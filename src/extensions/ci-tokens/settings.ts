/**
 * The CI tokens extension's slice of the configuration (`ciTokens.*`): data only, so the CLI
 * loads it cheaply. The trusted issuers are configuration — trust roots belong with the
 * deployment, beside TLS and the OIDC sign-in, not in rows an admin session could add — while
 * the mapping rules (which job may push where) are managed at run time (rules.ts).
 */
import { z } from 'zod';
import { flag, nonNegativeInt } from '../../config/index.js';

/** True for an http URL on a loopback address: allowed for issuers only there (tests, a local issuer). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** An https URL (http only on a loopback address). */
const issuerUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return url.protocol === 'https:' || isLoopbackHttp(url);
    } catch {
      return false;
    }
  },
  { message: 'must be an https URL (http only on a loopback address)' },
);

/** One trusted CI issuer. */
export const ciIssuerSchema = z.strictObject({
  issuer: issuerUrl.describe("Exactly the tokens' `iss`: GitHub Actions https://token.actions.githubusercontent.com, GitLab its instance URL (https://gitlab.com)."),
  audience: z.string().min(1).describe('The `aud` the tokens must carry, e.g. this registry\'s URL (GitHub: `core.getIDToken(aud)`; GitLab: `id_tokens: X: aud:`).'),
  jwksUrl: issuerUrl.optional().describe("The issuer's JWKS; without it, read from the issuer's /.well-known/openid-configuration."),
  identityClaims: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Claims naming whose job it is; every rule for this issuer must have a condition on one of them (default: GitHub\'s and GitLab\'s, see DEFAULT_IDENTITY_CLAIMS).'),
});

/** A trusted CI issuer as configured. */
export type CiIssuerSettings = z.infer<typeof ciIssuerSchema>;

/** The issuers: a YAML list, or one JSON array in BERTH_CI_TOKENS_ISSUERS. */
const issuerList = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}, z.array(ciIssuerSchema));

/** The ciTokens slice of the configuration. */
export const ciTokensSettings = z
  .object({
    enabled: flag.default(true).describe('Serve the CI token exchange (POST /api/v1/ci-tokens) and its rules (`berth ci-rule …`). Without issuers every exchange is refused.'),
    issuers: issuerList
      .default([])
      .describe(
        'Trusted CI issuers: a list of {issuer, audience, jwksUrl?, identityClaims?} (in the environment one JSON array). A job exchanges its OIDC identity token for a short-lived registry credential; rules decide where it may push.',
      ),
    defaultTtlSeconds: z.coerce.number().int().min(60).default(900).describe('Lifetime of an issued CI credential when its rule names none.'),
    maxTtlSeconds: z.coerce.number().int().min(60).max(86_400).default(3600).describe('The longest lifetime of a CI credential; rules may not ask for more, and a lower value caps rules made before.'),
    clockToleranceSeconds: nonNegativeInt.max(300).default(30).describe("How far the issuer's clock may be off when checking an identity token's exp and nbf."),
    singleUse: flag
      .default(false)
      .describe(
        'Refuse a second exchange of one identity token (its issuer and jti). Off: a token may be exchanged again within its lifetime (a GitLab job has one token per job), and each reuse is audited.',
      ),
  })
  .strict()
  .refine((slice) => new Set(slice.issuers.map((issuer) => issuer.issuer)).size === slice.issuers.length, { message: 'each issuer may be listed once', path: ['issuers'] })
  .refine((slice) => slice.defaultTtlSeconds <= slice.maxTtlSeconds, { message: 'defaultTtlSeconds may not exceed maxTtlSeconds', path: ['defaultTtlSeconds'] })
  .prefault({});

/** The validated slice. */
export type CiTokensSettings = z.output<typeof ciTokensSettings>;
