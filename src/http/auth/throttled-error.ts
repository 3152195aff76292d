/** The answer to a login the throttle refused, the same on every surface (the admin API converts it, api-error.ts). */
import type { ThrottleCause } from '../../auth/login-attempt.js';
import { RegistryError } from '../../errors/index.js';

const REASONS: Record<ThrottleCause, string> = {
  'failed-logins': 'too many failed logins; try again later',
  'unknown-names': 'too many logins under unknown user names; try again later',
};

/** 429 TOOMANYREQUESTS with Retry-After. */
export function throttledError(refusal: { cause: ThrottleCause; retryAfterSeconds: number }): RegistryError {
  return new RegistryError('TOOMANYREQUESTS', { detail: { reason: REASONS[refusal.cause] }, headers: { 'Retry-After': String(refusal.retryAfterSeconds) } });
}
