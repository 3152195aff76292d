import { RegistryError } from '../errors/index.js';
import { tryParseDigest, type Digest } from './digest.js';

// distribution-spec, "Pulling manifests": the <name> and tag grammars.
const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_GRAMMAR = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG_GRAMMAR = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** The longest repository name Berth accepts (clients cap host + '/' + name at 255). */
export const MAX_NAME_LENGTH = 255;

/** True when text is a valid repository name. */
export function isRepositoryName(text: string): boolean {
  return text.length <= MAX_NAME_LENGTH && NAME_GRAMMAR.test(text);
}

/** Returns the name or throws NAME_INVALID saying which rule it breaks. */
export function parseRepositoryName(text: string): string {
  if (text.length > MAX_NAME_LENGTH) {
    throw new RegistryError('NAME_INVALID', { detail: { name: text.slice(0, 64) + '…', reason: `longer than ${MAX_NAME_LENGTH} characters` } });
  }
  if (!NAME_GRAMMAR.test(text)) {
    throw new RegistryError('NAME_INVALID', {
      detail: { name: text, reason: 'must match [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*' },
    });
  }
  return text;
}

/** True when text is a valid tag. */
export function isTag(text: string): boolean {
  return TAG_GRAMMAR.test(text);
}

/** Returns the tag or throws MANIFEST_INVALID naming the tag grammar. */
export function parseTag(text: string): string {
  if (!TAG_GRAMMAR.test(text)) {
    throw new RegistryError('MANIFEST_INVALID', { detail: { tag: text, reason: 'the tag must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}' } });
  }
  return text;
}

/** A manifest reference: a tag or a digest. */
export type Reference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

/**
 * Parses `<tag-or-digest>`: anything with a ':' must be a valid digest (DIGEST_INVALID otherwise),
 * anything else a valid tag (MANIFEST_INVALID otherwise).
 */
export function parseReference(text: string): Reference {
  if (text.includes(':')) {
    const digest = tryParseDigest(text);
    if (!digest) throw new RegistryError('DIGEST_INVALID', { detail: { digest: text, reason: 'not a valid sha256 or sha512 digest' } });
    return { kind: 'digest', digest };
  }
  return { kind: 'tag', tag: parseTag(text) };
}
