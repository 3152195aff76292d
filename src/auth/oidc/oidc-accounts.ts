/**
 * What a successful OIDC sign-in does to Berth's accounts: the provider's user becomes (or
 * updates) an `oidc` account with the groups the provider reported, and gets a fresh CLI secret —
 * a personal access token for `docker login`, since OIDC users have no password Berth could check.
 * Earlier CLI secrets are revoked: one live secret per user, shown once.
 */
import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { AuditLog } from '../audit-log.js';
import { newSecret, secretHash } from '../credentials.js';
import type { OidcIdentity } from './oidc-login.js';

const CLI_SECRET_PREFIX = 'oidc-cli-secret';

/** A signed-in OIDC user and the CLI secret made for them. */
export type OidcSignIn = { status: 'signed-in'; username: string; cliSecret: string } | { status: 'refused'; reason: string };

/** Creates or updates the user's account and issues a new CLI secret. */
export async function signInOidcUser(store: MetadataStore, audit: AuditLog, identity: OidcIdentity, clientIp: string): Promise<OidcSignIn> {
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

  for (const token of await store.credentials.list({ kind: 'token', owner: identity.username })) {
    if (token.name.startsWith(CLI_SECRET_PREFIX) && token.revokedAt === undefined) await store.credentials.revoke(token.id);
  }
  const cliSecret = newSecret('token');
  await store.credentials.create({
    id: randomUUID(),
    kind: 'token',
    owner: identity.username,
    name: `${CLI_SECRET_PREFIX}-${new Date().toISOString()}`,
    secretHash: secretHash(cliSecret),
    grants: [{ repository: '*', actions: ['pull', 'push', 'delete'] }],
    description: 'CLI secret from an OIDC sign-in (docker login password)',
    createdBy: identity.username,
  });
  audit.record({ actor: identity.username, actorKind: 'user', action: 'login', outcome: 'success', clientIp, detail: { via: 'oidc', groups: identity.groups } });
  audit.record({ actor: identity.username, actorKind: 'user', action: 'token.create', target: identity.username, outcome: 'success', detail: { name: CLI_SECRET_PREFIX } });
  return { status: 'signed-in', username: identity.username, cliSecret };
}
