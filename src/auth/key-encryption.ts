/**
 * Encryption of the token-signing private keys at rest (issue #10): whoever reads the metadata
 * database (a backup, a world-readable file, a PostgreSQL role with SELECT) must not be able to
 * mint admin tokens. With a key-encryption secret configured (auth.keyEncryptionKey or
 * auth.keyEncryptionKeyFile), a private JWK is stored as a sealed envelope:
 *
 *   {"enc":"berth-kek-v1","kek":"<key id>","salt":…,"iv":…,"tag":…,"data":…}   (base64url)
 *
 * AES-256-GCM under a key derived per row with HKDF-SHA-256 from the secret and the row's
 * random salt; the signing key's kid is the additional data, so an envelope can't be moved to
 * another row. `kek` identifies the secret (HKDF of it with its own label), so a node with the
 * wrong secret is told so plainly instead of failing to decrypt. A plain JWK has `kty`, not `enc`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The format marker of sealed private keys. */
export const SEALED_FORMAT = 'berth-kek-v1';

interface Sealed {
  enc: typeof SEALED_FORMAT;
  kek: string;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

/** A signing key can't be used with the configured secret (or without one): nothing was changed. */
export class KeyEncryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyEncryptionError';
  }
}

/** True when the stored private key is a sealed envelope (not a plain JWK). */
export function isSealed(stored: string): boolean {
  try {
    return (JSON.parse(stored) as { enc?: unknown }).enc === SEALED_FORMAT;
  } catch {
    return false;
  }
}

/** Seals and opens private keys with one secret. */
export class KeyEncryption {
  /** Identifies the secret without revealing it (stored with every envelope). */
  readonly keyId: string;
  private readonly secret: Buffer;

  /**
   * `usage` keeps keys for different purposes apart: the same secret derives other keys for the
   * extensions' secrets (secret-box.ts) than for the signing keys, and errors name what they hold.
   */
  constructor(
    secret: string,
    private readonly usage: { label: string; noun: string } = { label: 'berth signing key v1', noun: 'signing key' },
  ) {
    this.secret = Buffer.from(secret, 'utf8');
    this.keyId = Buffer.from(hkdfSync('sha256', this.secret, Buffer.alloc(0), 'berth key-encryption key id', 8)).toString('hex');
  }

  /** The envelope of a private JWK (JSON text) for the key `kid`. */
  seal(kid: string, privateJwk: string): string {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(salt), iv);
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const data = Buffer.concat([cipher.update(privateJwk, 'utf8'), cipher.final()]);
    const sealed: Sealed = { enc: SEALED_FORMAT, kek: this.keyId, salt: b64(salt), iv: b64(iv), tag: b64(cipher.getAuthTag()), data: b64(data) };
    return JSON.stringify(sealed);
  }

  /** The private JWK (JSON text) of an envelope; throws {@link KeyEncryptionError} when it is not this secret's. */
  open(kid: string, stored: string): string {
    const sealed = JSON.parse(stored) as Sealed;
    if (sealed.kek !== this.keyId) {
      throw new KeyEncryptionError(
        `${this.usage.noun} ${kid} was encrypted with another key-encryption secret (key id ${sealed.kek}; the configured one is ${this.keyId}): ` +
          'give every node the same auth.keyEncryptionKey',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.keyFor(Buffer.from(sealed.salt, 'base64url')), Buffer.from(sealed.iv, 'base64url'));
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new KeyEncryptionError(`${this.usage.noun} ${kid} could not be decrypted: its stored envelope is damaged (${(error as Error).message})`);
    }
  }

  private keyFor(salt: Buffer): Buffer {
    return Buffer.from(hkdfSync('sha256', this.secret, salt, this.usage.label, 32));
  }
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/**
 * The secret the configuration gives: auth.keyEncryptionKey, or the contents of
 * auth.keyEncryptionKeyFile (trimmed), or undefined when neither is set.
 */
export function keyEncryptionSecret(auth: { keyEncryptionKey?: string | undefined; keyEncryptionKeyFile?: string | undefined }): string | undefined {
  if (auth.keyEncryptionKey !== undefined && auth.keyEncryptionKeyFile !== undefined) {
    throw new KeyEncryptionError('set auth.keyEncryptionKey or auth.keyEncryptionKeyFile, not both');
  }
  if (auth.keyEncryptionKeyFile === undefined) return auth.keyEncryptionKey;
  let secret: string;
  try {
    secret = readFileSync(auth.keyEncryptionKeyFile, 'utf8').trim();
  } catch (error) {
    throw new KeyEncryptionError(`auth.keyEncryptionKeyFile ${auth.keyEncryptionKeyFile} could not be read: ${(error as Error).message}`);
  }
  if (secret.length < 16) throw new KeyEncryptionError(`auth.keyEncryptionKeyFile ${auth.keyEncryptionKeyFile} holds fewer than 16 characters`);
  return secret;
}
