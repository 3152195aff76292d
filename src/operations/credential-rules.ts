/**
 * What robots and personal access tokens may be created with: grants (repository patterns and
 * content actions) and an expiry. Both kinds share the rules; who may grant what is decided by
 * robots.ts and tokens.ts.
 */
import { invalid } from '../errors/management-error.js';

// Grants are shared with the CI token rules (extensions/ci-tokens), below this layer.
export { CREDENTIAL_ACTIONS, MAX_GRANTS, checkGrants, isGrantPattern, type GrantInput } from '../auth/grant-rules.js';

/** The longest lifetime `expiresInDays` may ask for (ten years). */
export const MAX_EXPIRY_DAYS = 3650;

/** How long a credential lives: an instant, a number of days from now, or (neither) forever. */
export interface ExpiryInput {
  expiresAt?: Date;
  expiresInDays?: number;
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
