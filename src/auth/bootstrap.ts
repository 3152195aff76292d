/**
 * First start: with no account at all, create `admin` (a system admin) so the registry is never
 * open by default. Its password comes from the configuration (BERTH_ADMIN_PASSWORD) or is
 * generated and handed back once for the CLI to print. Several nodes starting together race on
 * the account's unique name: exactly one creates it and reports the password.
 */
import { randomBytes } from 'node:crypto';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { hashPassword } from './passwords.js';

/** What the bootstrap did. */
export type BootstrapResult = { created: false } | { created: true; generatedPassword?: string };

/** Creates the admin account when the registry has no accounts yet. */
export async function bootstrapAdmin(store: MetadataStore, configuredPassword: string | undefined): Promise<BootstrapResult> {
  if ((await store.accounts.count()) > 0) return { created: false };
  const password = configuredPassword ?? randomBytes(18).toString('base64url');
  const account = await store.accounts.create({ name: 'admin', kind: 'local', admin: true, passwordHash: await hashPassword(password) });
  if (!account) return { created: false };
  await store.audit.append([{ at: new Date(), actor: 'berth', actorKind: 'system', action: 'user.create', target: 'admin', outcome: 'success', detail: { admin: true } }]);
  return configuredPassword === undefined ? { created: true, generatedPassword: password } : { created: true };
}
