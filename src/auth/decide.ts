/**
 * The access decision: what a principal may do on one repository, given its standing there. Pure — no I/O, no clock — so one
 * table-driven test covers every role × action × visibility × network case (decide.test.ts).
 * access-control.ts gathers the inputs (roles, visibility, network) from the metadata store.
 */
import type { Role, Visibility } from '../metadata/access-store.js';

/** What can be done on a repository. `manage` is a namespace's members, settings and robots. */
export type Action = 'pull' | 'push' | 'delete' | 'manage';

/** Every action, in a stable order. */
export const ACTIONS: readonly Action[] = ['pull', 'push', 'delete', 'manage'];

/** What each namespace role may do (owner > maintainer > developer > reader). */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {
  owner: ['pull', 'push', 'delete', 'manage'],
  maintainer: ['pull', 'push', 'delete'],
  developer: ['pull', 'push'],
  reader: ['pull'],
};

/** A principal's standing in one repository's namespace: what of it matters to the decision. */
export type Standing =
  | { kind: 'anonymous' }
  | { kind: 'admin' }
  /** A user with the roles they hold in the repository's namespace (directly or through groups). */
  | { kind: 'user'; roles: readonly Role[] }
  /** A robot with the actions its grants give on this repository. */
  | { kind: 'robot'; actions: readonly Action[] };

/** Everything the decision depends on. */
export interface DecisionInput {
  standing: Standing;
  /** The repository's effective visibility (its own, else its namespace's, else private). */
  visibility: Visibility;
  /** Whether the client's address passes the namespace's pull and push CIDR allow-lists. */
  network: { pull: boolean; push: boolean };
}

/** The actions allowed. Network rules bind everyone, admins too; `manage` is not a network action. */
export function decide(input: DecisionInput): Set<Action> {
  const allowed = new Set<Action>();
  const { standing } = input;
  if (standing.kind === 'admin') ACTIONS.forEach((action) => allowed.add(action));
  if (standing.kind === 'user') for (const role of standing.roles) ROLE_ACTIONS[role].forEach((action) => allowed.add(action));
  // Robots act on content only: they never administer a namespace.
  if (standing.kind === 'robot') standing.actions.filter((action) => action !== 'manage').forEach((action) => allowed.add(action));
  if (input.visibility === 'public') allowed.add('pull');
  if (!input.network.pull) allowed.delete('pull');
  if (!input.network.push) {
    allowed.delete('push');
    allowed.delete('delete');
  }
  return allowed;
}
