/**
 * CI token rules: which CI jobs get which grants. A rule names a trusted issuer, conditions on
 * the identity token's claims (each exact, or a glob where `*` stands for any run of characters,
 * '/' included: `org/*`, `refs/tags/v*`), the grants (as robots' are written) and a lifetime.
 * A job's token gets the union of the grants of every enabled rule whose conditions all hold.
 *
 * Pure: validation and matching, no I/O, table-tested in rules.test.ts. The checks close the
 * ways a rule could trust more than its author meant: GitHub's and gitlab.com's issuers sign
 * tokens for every project on them, so a rule must pin whose job it is (a condition on an
 * identity claim such as `repository` or `project_path`), and no condition may begin with `*`
 * (a value anyone could give their own repository would match).
 */
import { checkGrants, type GrantInput } from '../../auth/grant-rules.js';
import type { Action } from '../../auth/decide.js';
import type { Grant } from '../../auth/principal.js';
import { invalid } from '../../errors/management-error.js';
import type { CiIssuerSettings } from './settings.js';

/**
 * The claims that say whose job a token belongs to, when an issuer's configuration names none:
 * GitHub Actions' (`repository`, `repository_owner` and their ids, `sub`, `job_workflow_ref`,
 * which starts with the repository) and GitLab CI's (`project_path`, `namespace_path` and their ids).
 */
export const DEFAULT_IDENTITY_CLAIMS: readonly string[] = [
  'sub',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'job_workflow_ref',
  'project_path',
  'project_id',
  'namespace_path',
  'namespace_id',
];

/** Claims a condition may not name: the token's own validity, which verification checks. */
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti']);
const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Rule names are used in paths and the CLI, like robot names. */
const RULE_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const RULE_NAME_MAX = 64;
const MAX_CONDITIONS = 16;
const MAX_PATTERN = 256;
const DESCRIPTION_MAX = 1024;

/** A stored rule. */
export interface CiRule {
  name: string;
  issuer: string;
  /** claim → exact value or glob. */
  conditions: Record<string, string>;
  grants: Grant[];
  ttlSeconds: number;
  enabled: boolean;
  description?: string;
  createdBy: string;
  createdAt: Date;
}

/** A rule as asked for, before validation. */
export interface CiRuleInput {
  name: string;
  issuer: string;
  conditions: Record<string, string>;
  grants: readonly GrantInput[];
  ttlSeconds?: number;
  enabled?: boolean;
  description?: string;
}

/** What validation needs from the configuration. */
export interface RuleLimits {
  issuers: readonly CiIssuerSettings[];
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
}

/** The validated parts of a new rule (who made it and when is the caller's). Throws 'invalid' naming the field. */
export function checkRule(input: CiRuleInput, limits: RuleLimits): Omit<CiRule, 'createdBy' | 'createdAt'> {
  if (input.name.length > RULE_NAME_MAX || !RULE_NAME.test(input.name)) {
    throw invalid('name', `"${input.name.slice(0, 80)}" is not a valid rule name: at most ${RULE_NAME_MAX} characters matching ${RULE_NAME.source}`);
  }
  const issuer = limits.issuers.find((candidate) => candidate.issuer === input.issuer);
  if (!issuer) {
    const trusted = limits.issuers.map((candidate) => candidate.issuer);
    throw invalid('issuer', `"${input.issuer.slice(0, 300)}" is not a trusted CI issuer (ciTokens.issuers: ${trusted.length > 0 ? trusted.join(', ') : 'none configured'})`);
  }
  const conditions = checkConditions(input.conditions, issuer);
  const grants = checkGrants(input.grants);
  const ttlSeconds = input.ttlSeconds ?? Math.min(limits.defaultTtlSeconds, limits.maxTtlSeconds);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > limits.maxTtlSeconds) {
    throw invalid('ttlSeconds', `a whole number of seconds from 60 to ${limits.maxTtlSeconds} (ciTokens.maxTtlSeconds)`);
  }
  if (input.description !== undefined && input.description.length > DESCRIPTION_MAX) throw invalid('description', `at most ${DESCRIPTION_MAX} characters`);
  return {
    name: input.name,
    issuer: issuer.issuer,
    conditions,
    grants,
    ttlSeconds,
    enabled: input.enabled ?? true,
    ...(input.description === undefined ? {} : { description: input.description }),
  };
}

function checkConditions(conditions: Record<string, string>, issuer: CiIssuerSettings): Record<string, string> {
  const entries = Object.entries(conditions);
  if (entries.length === 0) throw invalid('conditions', 'at least one claim condition is needed besides the issuer (e.g. repository, ref; GitLab: project_path, ref)');
  if (entries.length > MAX_CONDITIONS) throw invalid('conditions', `at most ${MAX_CONDITIONS} conditions`);
  for (const [claim, pattern] of entries) {
    if (!CLAIM_NAME.test(claim)) throw invalid(`conditions.${claim.slice(0, 64)}`, 'a claim name is 1 to 64 letters, digits, "_", ".", ":" or "-"');
    if (RESERVED_CLAIMS.has(claim)) throw invalid(`conditions.${claim}`, `${claim} is checked by the exchange itself; conditions name the job's claims`);
    if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > MAX_PATTERN) throw invalid(`conditions.${claim}`, `a value or glob of 1 to ${MAX_PATTERN} characters`);
    if (pattern.startsWith('*')) throw invalid(`conditions.${claim}`, `"${pattern}" begins with "*": it would match values anyone can give their own project; start with a fixed part, e.g. "org/*"`);
  }
  const identity = issuer.identityClaims ?? DEFAULT_IDENTITY_CLAIMS;
  if (!entries.some(([claim]) => identity.includes(claim))) {
    throw invalid('conditions', `a rule for ${issuer.issuer} must have a condition on whose job it is — one of ${identity.join(', ')}: the issuer signs tokens for every project it hosts`);
  }
  return Object.fromEntries(entries);
}

/** True when `value` matches `pattern`: exactly, or with each `*` standing for any run of characters. */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** A claim's value as conditions compare it: strings, numbers and booleans as text; anything else has none. */
function claimText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The claims that satisfied the rule's conditions (claim → the token's value), or undefined
 * when the rule does not apply: disabled, another issuer, or a condition that does not hold.
 */
export function ruleMatches(rule: CiRule, issuer: string, claims: Record<string, unknown>): Record<string, string> | undefined {
  if (!rule.enabled || rule.issuer !== issuer) return undefined;
  const matched: Record<string, string> = {};
  for (const [claim, pattern] of Object.entries(rule.conditions)) {
    const value = claimText(claims[claim]);
    if (value === undefined || !globMatches(pattern, value)) return undefined;
    matched[claim] = value;
  }
  return matched;
}

/** The union of grants: one per repository pattern, with every action any of them gives. */
export function unionOfGrants(grants: readonly Grant[]): Grant[] {
  const byPattern = new Map<string, Set<Action>>();
  for (const grant of grants) {
    const actions = byPattern.get(grant.repository) ?? new Set<Action>();
    grant.actions.forEach((action) => actions.add(action));
    byPattern.set(grant.repository, actions);
  }
  const order: readonly Action[] = ['pull', 'push', 'delete'];
  return [...byPattern].map(([repository, actions]) => ({ repository, actions: order.filter((action) => actions.has(action)) }));
}
