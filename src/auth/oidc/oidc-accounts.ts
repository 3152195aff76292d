/**
 * What a successful OIDC sign-in does to Berth's accounts: the provider's user becomes (or
 * updates) an `oidc` account with the groups the provider reported, and gets a fresh CLI secret —
 * a personal access token for `docker login`, since OIDC users have no password Berth could check.
 * Earlier CLI secrets are revoked: one live secret per user, shown once. A sign-in from
 * `berth login --oidc` gets a full-access session token for the CLI instead (what a password
 * login stores), leaving the docker secret alone.
 */
import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { AuditLog } from '../audit-log.js';
import { FULL_ACCESS_GRANTS, newSecret, secretHash } from '../credentials.js';
import type { OidcIdentity } from './oidc-login.js';

const CLI_SECRET_PREFIX = 'oidc-cli-secret';
const CLI_SESSION_PREFIX = 'oidc-cli-session';

/** A signed-in OIDC user and the CLI secret made for them. */
export type OidcSignIn = { status: 'signed-in'; username: string; cliSecret: string } | { status: 'refused'; reason: string };

/** Creates or updates the user's account and issues a new CLI secret (or, for the CLI, a session token). */
export async function signInOidcUser(store: MetadataStore, audit: AuditLog, identity: OidcIdentity, clientIp: string, options: { cliSession?: boolean } = {}): Promise<OidcSignIn> {
  const existing = await store.accounts.get(identity.username);
  if (existing && (existing.kind !== 'oidc' || (existing.externalId !== undefined && existing.externalId !== identity.subject))) {
    // A local or LDAP account, or another provider subject, owns the name: never merge silently.
    audit.record({ actor: identity.username, actorKind: 'user', action: 'login', outcome: 'failure', clientIp, detail: { via: 'oidc', reason: 'name taken' } });
    return { status: 'refused', reason: `the account name ${identity.username} belongs to another account` };
  }
  if (existing?.disabled) return { status: 'refused', reason: 'the account is disabled' };
  const details = { groups: identity.groups, externalId: identity.subject, ...(identity.email ? { email: identity.email } : {}) };
  if (existing) await store.accounts.update(identity.username, details);
  else if (!(await store.accounts.create({ name: identity.username, kind: 'oidc', ...details }))) return { status: 'refused', reason: 'the account could not be created' };

  const prefix = options.cliSession ? CLI_SESSION_PREFIX : CLI_SECRET_PREFIX;
  if (!options.cliSession) {
    for (const token of await store.credentials.list({ kind: 'token', owner: identity.username })) {
      if (token.name.startsWith(CLI_SECRET_PREFIX) && token.revokedAt === undefined) await store.credentials.revoke(token.id);
    }
  }
  const cliSecret = newSecret('token');
  await store.credentials.create({
    id: randomUUID(),
    kind: 'token',
    owner: identity.username,
    name: `${prefix}-${new Date().toISOString()}`,
    secretHash: secretHash(cliSecret),
    grants: options.cliSession ? [...FULL_ACCESS_GRANTS] : [{ repository: '*', actions: ['pull', 'push', 'delete'] }],
    description: options.cliSession ? 'berth login --oidc session' : 'CLI secret from an OIDC sign-in (docker login password)',
    createdBy: identity.username,
  });
  audit.record({ actor: identity.username, actorKind: 'user', action: 'login', outcome: 'success', clientIp, detail: { via: 'oidc', groups: identity.groups } });
  audit.record({ actor: identity.username, actorKind: 'user', action: 'token.create', target: identity.username, outcome: 'success', detail: { name: prefix } });
  return { status: 'signed-in', username: identity.username, cliSecret };
}
