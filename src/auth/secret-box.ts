/**
 * Secrets the extensions keep (a webhook's signing secret and Authorization header, later upstream
 * registry credentials), encrypted at rest: whoever reads the database must not be able to sign
 * as Berth or log in upstream. Sealed like the signing keys (key-encryption.ts, AES-256-GCM, the
 * row's name as additional data) under keys of their own derived from the same secret.
 *
 * The secret is auth.keyEncryptionKey(File). A laptop's SQLite registry without one gets a random
 * secret of its own, `secrets.key` in the data folder (owner-only): the database alone — a copied
 * file, a backup — then reveals nothing. PostgreSQL without the setting has no place every node
 * shares, so extensions' secrets can't be kept there: `sealer` is undefined and `missing` says why.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyEncryption, keyEncryptionSecret } from './key-encryption.js';

/** Seals and opens one kind of secret; `name` identifies the row it belongs to. */
export interface SecretSealer {
  seal(name: string, plaintext: string): string;
  open(name: string, sealed: string): string;
}

/** The sealer, or why there is none. */
export type SecretBox = { sealer: SecretSealer; missing?: undefined } | { sealer?: undefined; missing: string };

const USAGE = { label: 'berth extension secret v1', noun: 'secret' };

/** The secret box for a registry's configuration. */
export function secretBox(auth: { keyEncryptionKey?: string | undefined; keyEncryptionKeyFile?: string | undefined }, dialect: string, dataDir: string): SecretBox {
  const configured = keyEncryptionSecret(auth);
  if (configured !== undefined) return { sealer: new KeyEncryption(configured, USAGE) };
  if (dialect !== 'sqlite') return { missing: 'set auth.keyEncryptionKey (the same on every node): secrets such as webhook signing secrets are stored encrypted with it' };
  // Made on first use: a registry whose extensions keep no secret never writes the file.
  let local: KeyEncryption | undefined;
  const box = (): KeyEncryption => (local ??= new KeyEncryption(localSecret(join(dataDir, 'secrets.key')), USAGE));
  return { sealer: { seal: (name, plaintext) => box().seal(name, plaintext), open: (name, sealed) => box().open(name, sealed) } };
}

/** Reads the data folder's own secret, creating it (owner-only) on first use. */
function localSecret(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx': of two processes starting at once, one writes and the other reads what it wrote.
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path, 'utf8').trim();
  }
}
