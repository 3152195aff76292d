import { compareDigitRuns, sign, type VersionComparator } from './comparator.js';

/**
 * RPM's version ordering (rpm's `rpmvercmp` and `rpmverCmp`), used by Red Hat, Fedora, AlmaLinux,
 * Rocky, SUSE, openSUSE and other RPM distributions: `[epoch:]version[-release]`.
 */
export const rpmVersion: VersionComparator = {
  name: 'rpm',
  compare(a, b) {
    const x = parse(a);
    const y = parse(b);
    const epochs = compareDigitRuns(x.epoch, y.epoch);
    if (epochs !== 0) return epochs;
    const versions = rpmvercmp(x.version, y.version);
    if (versions !== 0) return versions;
    // rpmverCmp: a release that is present beats one that is absent.
    if (x.release === undefined || y.release === undefined) return sign(x.release === undefined ? 0 : 1, y.release === undefined ? 0 : 1);
    return rpmvercmp(x.release, y.release);
  },
  isValid(v) {
    const { version, release } = parse(v);
    return /^[^\s]+$/.test(v) && /[A-Za-z0-9]/.test(version) && release !== '';
  },
};

function parse(evr: string): { epoch: string; version: string; release: string | undefined } {
  // An epoch is the leading digits when a colon follows them; the release follows the last hyphen.
  const epochMatch = /^(\d*):/.exec(evr);
  const epoch = epochMatch ? epochMatch[1] || '0' : '0';
  const rest = epochMatch ? evr.slice(epochMatch[0].length) : evr;
  const hyphen = rest.lastIndexOf('-');
  return hyphen === -1 ? { epoch, version: rest, release: undefined } : { epoch, version: rest.slice(0, hyphen), release: rest.slice(hyphen + 1) };
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
/** rpm treats every other character (non-ASCII included) as a separator, and all separators alike. */
const isSeparator = (c: string): boolean => !isDigit(c) && !isAlpha(c) && c !== '~' && c !== '^';

/**
 * Segment by segment: `~` sorts before anything (the end included), `^` after the end but before
 * any further segment; a digit segment beats a letter segment, digit segments compare as numbers,
 * letter segments by strcmp; when all segments agree, the string with characters left wins.
 */
function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && isSeparator(a.charAt(i))) i++;
    while (j < b.length && isSeparator(b.charAt(j))) j++;
    const x = a.charAt(i);
    const y = b.charAt(j);
    if (x === '~' || y === '~') {
      if (x !== '~') return 1;
      if (y !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (x === '^' || y === '^') {
      if (x === '') return -1;
      if (y === '') return 1;
      if (x !== '^') return 1;
      if (y !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (x === '' || y === '') break;
    const numeric = isDigit(x);
    const inSegment = numeric ? isDigit : isAlpha;
    const aSegment = run(a, i, inSegment);
    const bSegment = run(b, j, inSegment);
    // b's segment is empty when it is of the other type: the numeric one is newer.
    if (bSegment === '') return numeric ? 1 : -1;
    const d = numeric ? compareDigitRuns(aSegment, bSegment) : sign(aSegment, bSegment);
    if (d !== 0) return d;
    i += aSegment.length;
    j += bSegment.length;
  }
  const aLeft = i < a.length;
  const bLeft = j < b.length;
  return aLeft === bLeft ? 0 : aLeft ? 1 : -1;
}

function run(s: string, from: number, test: (c: string) => boolean): string {
  let end = from;
  while (end < s.length && test(s.charAt(end))) end++;
  return s.slice(from, end);
}
