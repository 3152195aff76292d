/**
 * Token scopes (docker-registry spec, auth-scope.md): `resourcetype:resourcename:action[,action]`.
 * The resource name may itself contain ':' (a registry host with a port), so the type ends at the
 * first ':' and the actions start after the last one. Scopes Berth can't honour are dropped, never
 * an error: the granted scope is what was asked intersected with what is allowed.
 */
import { parseRepositoryName } from '../oci/index.js';
import type { Action } from './decide.js';

/** One requested or granted resource scope. */
export interface ScopeEntry {
  type: 'repository' | 'registry';
  name: string;
  /** Asked for: pull, push, delete or '*' (everything allowed); granted: concrete actions. */
  actions: string[];
}

const KNOWN_ACTIONS = new Set(['pull', 'push', 'delete', '*']);

/**
 * Parses a scope parameter (one `scope=` value may hold several space-separated scopes, as OAuth2
 * sends them). Returns the entries Berth understands: repository scopes with a valid name, and
 * `registry:catalog:*`.
 */
export function parseScopes(values: readonly string[]): ScopeEntry[] {
  const entries: ScopeEntry[] = [];
  for (const value of values) {
    for (const text of value.split(' ')) {
      const first = text.indexOf(':');
      const last = text.lastIndexOf(':');
      if (first <= 0 || last === first) continue;
      // repository(plugin) and similar typed classes are accepted as plain repositories.
      const type = text.slice(0, first).replace(/\([a-z0-9]+\)$/, '');
      const name = text.slice(first + 1, last);
      const actions = text.slice(last + 1).split(',').filter((action) => KNOWN_ACTIONS.has(action));
      if (actions.length === 0) continue;
      if (type === 'registry' && name === 'catalog') {
        entries.push({ type: 'registry', name, actions: ['*'] });
      } else if (type === 'repository' && validName(name)) {
        entries.push({ type: 'repository', name, actions: [...new Set(actions)] });
      }
    }
  }
  return entries;
}

function validName(name: string): boolean {
  try {
    parseRepositoryName(name);
    return true;
  } catch {
    return false;
  }
}

/** Formats scope entries for a WWW-Authenticate challenge. */
export function formatScope(entry: { type: string; name: string; actions: readonly string[] }): string {
  return `${entry.type}:${entry.name}:${entry.actions.join(',')}`;
}

/** The actions a scope entry asks for, with '*' expanded to every content action. */
export function requestedActions(entry: ScopeEntry): Action[] {
  return entry.actions.includes('*') ? ['pull', 'push', 'delete'] : (entry.actions as Action[]);
}
