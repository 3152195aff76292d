import { compareDigitRuns, sign, type VersionComparator } from './comparator.js';

/**
 * Debian's version ordering (dpkg, Debian Policy §5.6.12): `[epoch:]upstream_version[-debian_revision]`,
 * used by Debian and Ubuntu.
 */
export const dpkgVersion: VersionComparator = {
  name: 'dpkg',
  compare(a, b) {
    const x = parse(a);
    const y = parse(b);
    return compareDigitRuns(x.epoch, y.epoch) || compareFragment(x.upstream, y.upstream) || compareFragment(x.revision, y.revision);
  },
  isValid(v) {
    const { epoch, upstream, revision, hasRevision } = parse(v);
    // Policy: the epoch is an unsigned integer; the upstream version "may contain only alphanumerics
    // and . + - ~" (no colon once the epoch is split off); the revision "only alphanumerics and + . ~".
    return /^\d+$/.test(epoch) && /^[A-Za-z0-9.+~-]+$/.test(upstream) && (!hasRevision || /^[A-Za-z0-9.+~]+$/.test(revision));
  },
};

interface DpkgParts {
  epoch: string;
  upstream: string;
  revision: string;
  hasRevision: boolean;
}

function parse(version: string): DpkgParts {
  const v = version.trim();
  const colon = v.indexOf(':');
  const epoch = colon === -1 ? '0' : v.slice(0, colon);
  const rest = colon === -1 ? v : v.slice(colon + 1);
  // Policy: the revision is the part after the *last* hyphen; without one the revision is absent,
  // which compares as "0" — the digit-run rule already treats "" and "0" alike.
  const hyphen = rest.lastIndexOf('-');
  if (hyphen === -1) return { epoch, upstream: rest, revision: '', hasRevision: false };
  return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1), hasRevision: true };
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLetter = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

/**
 * A character's weight in a non-digit run: `~` below everything (even the end of the run, weight 0),
 * then letters, then every other character after all letters.
 */
function weight(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  const code = c.charCodeAt(0);
  return isLetter(c) ? code : code + 256;
}

/**
 * Policy's loop: alternately the leading non-digit runs (compared by weight) and the leading digit
 * runs (compared numerically, empty meaning 0), until a difference or both strings end.
 */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const aText = takeWhile(a, i, (c) => !isDigit(c));
    const bText = takeWhile(b, j, (c) => !isDigit(c));
    for (let k = 0; k < Math.max(aText.length, bText.length); k++) {
      const d = sign(weight(aText[k]), weight(bText[k]));
      if (d !== 0) return d;
    }
    i += aText.length;
    j += bText.length;
    const aDigits = takeWhile(a, i, isDigit);
    const bDigits = takeWhile(b, j, isDigit);
    const d = compareDigitRuns(aDigits, bDigits);
    if (d !== 0) return d;
    i += aDigits.length;
    j += bDigits.length;
  }
  return 0;
}

function takeWhile(s: string, from: number, test: (c: string) => boolean): string {
  let end = from;
  while (end < s.length && test(s.charAt(end))) end++;
  return s.slice(from, end);
}
