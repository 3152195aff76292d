/**
 * Password hashing: argon2id for Berth's own hashes (@node-rs/argon2, OWASP's recommended
 * parameters), bcrypt only to check hashes imported from an htpasswd file — callers re-hash those
 * with argon2id at the next successful login. Both libraries compare in constant time.
 */
import { hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

// @node-rs/argon2's Algorithm enum is a const enum, which isolated compilation can't inline.
const ARGON2ID = 2;

/** An argon2id hash of the password (PHC string with its parameters and salt). */
export async function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 });
}

/** True when the password matches an argon2id or bcrypt ($2a$/$2b$/$2y$) hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    if (stored.startsWith('$argon2')) return await verify(stored, password);
    if (/^\$2[aby]\$/.test(stored)) return await bcrypt.compare(password, stored);
  } catch {
    // A malformed stored hash matches nothing.
  }
  return false;
}

/** True when the hash should be replaced by a fresh argon2id one (an imported bcrypt hash). */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith('$argon2id$');
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time of a real verification on nothing, so that "no such user" and "wrong password"
 * take as long as each other (no user enumeration by timing).
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hashPassword('berth: a password no account has');
  await verifyPassword(await dummy, password);
  return false;
}
