/**
 * What robots and personal access tokens may be created with: grants (repository patterns and
 * content actions) and an expiry. Both kinds share the rules; who may grant what is decided by
 * robots.ts and tokens.ts.
 */
import { isRepositoryName } from '../oci/index.js';
import type { Action } from '../auth/decide.js';
import type { Grant } from '../auth/principal.js';
import { invalid } from '../errors/management-error.js';

/** The actions a credential can be granted: content only, never `manage`. */
export const CREDENTIAL_ACTIONS = ['pull', 'push', 'delete'] as const;

/** The most grants one credential holds. */
export const MAX_GRANTS = 100;

/** The longest lifetime `expiresInDays` may ask for (ten years). */
export const MAX_EXPIRY_DAYS = 3650;

/** A grant as asked for, before validation. */
export interface GrantInput {
  repository: string;
  actions: readonly string[];
}

/** How long a credential lives: an instant, a number of days from now, or (neither) forever. */
export interface ExpiryInput {
  expiresAt?: Date;
  expiresInDays?: number;
}

/** True when `pattern` is `*`, `<repository prefix>/*` or a repository name. */
export function isGrantPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  return isRepositoryName(pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern);
}

/** Validates grants; actions come back deduplicated in a stable order. Throws 'invalid'. */
export function checkGrants(grants: readonly GrantInput[]): Grant[] {
  if (grants.length === 0) throw invalid('grants', 'at least one grant is needed');
  if (grants.length > MAX_GRANTS) throw invalid('grants', `at most ${MAX_GRANTS} grants`);
  return grants.map((grant, index) => {
    if (!isGrantPattern(grant.repository)) {
      throw invalid(`grants[${index}].repository`, `"${grant.repository.slice(0, 300)}" is not a repository name, "<prefix>/*" or "*"`);
    }
    const unknown = grant.actions.filter((action) => !(CREDENTIAL_ACTIONS as readonly string[]).includes(action));
    if (unknown.length > 0) throw invalid(`grants[${index}].actions`, `unknown action(s) ${unknown.join(', ')}; use ${CREDENTIAL_ACTIONS.join(', ')}`);
    const actions: Action[] = CREDENTIAL_ACTIONS.filter((action) => grant.actions.includes(action));
    if (actions.length === 0) throw invalid(`grants[${index}].actions`, 'at least one action is needed');
    return { repository: grant.repository, actions };
  });
}

/** The expiry instant asked for (undefined: never). Throws 'invalid' for both, past or bad values. */
export function expiryOf(input: ExpiryInput, now: Date = new Date()): Date | undefined {
  if (input.expiresAt !== undefined && input.expiresInDays !== undefined) throw invalid('expiresAt', 'give expiresAt or expiresInDays, not both');
  if (input.expiresAt !== undefined) {
    if (Number.isNaN(input.expiresAt.getTime())) throw invalid('expiresAt', 'not a valid date');
    if (input.expiresAt.getTime() <= now.getTime()) throw invalid('expiresAt', 'must lie in the future');
    return input.expiresAt;
  }
  if (input.expiresInDays !== undefined) {
    const days = input.expiresInDays;
    if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS) throw invalid('expiresInDays', `a whole number of days from 1 to ${MAX_EXPIRY_DAYS}`);
    return new Date(now.getTime() + days * 86_400_000);
  }
  return undefined;
}
