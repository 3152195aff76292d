/**
 * Principals: who a request acts as, once its credentials were checked. Grants (of robots and
 * personal access tokens) name repositories exactly, by prefix (`team/*`) or all (`*`).
 */
import type { Action } from './decide.js';

/** A set of actions on the repositories a pattern matches. */
export interface Grant {
  repository: string;
  actions: Action[];
}

/** Who a request acts as. */
export type Principal =
  | { kind: 'anonymous' }
  /**
   * A user; `restrictTo` holds a personal access token's grants (the user's rights are cut to
   * them), `credentialId` the token used, if any.
   */
  | { kind: 'user'; name: string; admin: boolean; groups: string[]; restrictTo?: Grant[]; credentialId?: string }
  /**
   * A robot; `namespace` is the one it belongs to (its grants count only inside it), absent for
   * a system robot (an admin's, which may be granted anywhere).
   */
  | { kind: 'robot'; name: string; credentialId: string; grants: Grant[]; namespace?: string };

/** The anonymous principal. */
export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The name a principal is recorded under (audit log, token subject). */
export function principalName(principal: Principal): string {
  return principal.kind === 'anonymous' ? 'anonymous' : principal.name;
}

/** True when `pattern` (`name`, `prefix/*` or `*`) matches the repository. */
export function patternMatches(pattern: string, repository: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return repository.startsWith(pattern.slice(0, -1));
  return pattern === repository;
}

/** The union of the actions that grants give on one repository. */
export function grantedActions(grants: readonly Grant[], repository: string): Action[] {
  const actions = new Set<Action>();
  for (const grant of grants) if (patternMatches(grant.repository, repository)) grant.actions.forEach((action) => actions.add(action));
  return [...actions];
}
