/**
 * What a credential's grants may say: repository patterns (`name`, `prefix/*`, `*`) with content
 * actions, never `manage`. Robots, personal access tokens (operations/credential-rules.ts) and
 * the CI token rules of extensions/ci-tokens validate their grants here, so all three mean the
 * same thing by a grant.
 */
import { isRepositoryName } from '../oci/index.js';
import { invalid } from '../errors/management-error.js';
import type { Action } from './decide.js';
import type { Grant } from './principal.js';

/** The actions a credential can be granted: content only, never `manage`. */
export const CREDENTIAL_ACTIONS = ['pull', 'push', 'delete'] as const;

/** The most grants one credential holds. */
export const MAX_GRANTS = 100;

/** A grant as asked for, before validation. */
export interface GrantInput {
  repository: string;
  actions: readonly string[];
}

/** True when `pattern` is `*`, `<repository prefix>/*` or a repository name. */
export function isGrantPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  return isRepositoryName(pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern);
}

/** Validates grants; actions come back deduplicated in a stable order. Throws 'invalid' naming `field`. */
export function checkGrants(grants: readonly GrantInput[], field = 'grants'): Grant[] {
  if (grants.length === 0) throw invalid(field, 'at least one grant is needed');
  if (grants.length > MAX_GRANTS) throw invalid(field, `at most ${MAX_GRANTS} grants`);
  return grants.map((grant, index) => {
    if (!isGrantPattern(grant.repository)) {
      throw invalid(`${field}[${index}].repository`, `"${grant.repository.slice(0, 300)}" is not a repository name, "<prefix>/*" or "*"`);
    }
    const unknown = grant.actions.filter((action) => !(CREDENTIAL_ACTIONS as readonly string[]).includes(action));
    if (unknown.length > 0) throw invalid(`${field}[${index}].actions`, `unknown action(s) ${unknown.join(', ')}; use ${CREDENTIAL_ACTIONS.join(', ')}`);
    const actions: Action[] = CREDENTIAL_ACTIONS.filter((action) => grant.actions.includes(action));
    if (actions.length === 0) throw invalid(`${field}[${index}].actions`, 'at least one action is needed');
    return { repository: grant.repository, actions };
  });
}
