import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from '../errors/index.js';

/** The digest algorithms Berth computes (image-spec descriptor.md, "Registered algorithms"). */
export const DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;

/** A registered algorithm name. */
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

/** A parsed, validated content digest. `toString()` gives `algorithm:encoded`. */
export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly encoded: string;
  toString(): string;
}

// image-spec descriptor.md: algorithm-component [a-z0-9]+ joined by [+._-]; encoded [a-zA-Z0-9=_-]+.
const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** True when name is a registered algorithm Berth supports. */
export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return Object.hasOwn(DIGEST_ALGORITHMS, name);
}

function makeDigest(algorithm: DigestAlgorithm, encoded: string): Digest {
  const text = `${algorithm}:${encoded}`;
  return { algorithm, encoded, toString: () => text };
}

/**
 * Parses a digest string, or returns undefined when it breaks the grammar, names an algorithm
 * Berth does not support, or has the wrong length or case for its algorithm.
 */
export function tryParseDigest(text: string): Digest | undefined {
  const match = DIGEST_GRAMMAR.exec(text);
  if (!match) return undefined;
  const [, algorithm, encoded] = match as unknown as [string, string, string];
  if (!isDigestAlgorithm(algorithm)) return undefined;
  // sha256/sha512 encodings are lowercase hex of a fixed length (descriptor.md).
  if (encoded.length !== DIGEST_ALGORITHMS[algorithm] || !/^[a-f0-9]+$/.test(encoded)) return undefined;
  return makeDigest(algorithm, encoded);
}

/** Parses a digest or throws DIGEST_INVALID naming the bad value. */
export function parseDigest(text: string): Digest {
  const digest = tryParseDigest(text);
  if (!digest) {
    throw new RegistryError('DIGEST_INVALID', { detail: { digest: text, reason: 'not a valid sha256 or sha512 digest' } });
  }
  return digest;
}

/** Hashes bytes with the algorithm. */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return makeDigest(algorithm, createHash(algorithm).update(bytes).digest('hex'));
}

/** An incremental hasher; `digest()` may be called once. */
export interface Digester {
  readonly algorithm: DigestAlgorithm;
  update(chunk: Uint8Array): void;
  /** An independent hasher with the same state (to hash a chunk that may yet fail). */
  copy(): Digester;
  digest(): Digest;
}

/** Starts an incremental hash. */
export function createDigester(algorithm: DigestAlgorithm): Digester {
  return wrapHash(algorithm, createHash(algorithm));
}

function wrapHash(algorithm: DigestAlgorithm, hash: Hash): Digester {
  return {
    algorithm,
    update: (chunk) => {
      hash.update(chunk);
    },
    copy: () => wrapHash(algorithm, hash.copy()),
    digest: () => makeDigest(algorithm, hash.digest('hex')),
  };
}
