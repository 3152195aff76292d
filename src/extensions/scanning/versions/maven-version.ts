import { compareDigitRuns, sign, type VersionComparator } from './comparator.js';

/**
 * Maven's version ordering (maven-artifact's ComparableVersion, as in Maven 3; pom.html "Version
 * Order Specification"), for Maven. A version is a list of items split at `.`, at `-` and where
 * digits and letters meet; a `-` or a digit/letter change opens a sublist. Numbers beat sublists,
 * which beat qualifiers (`1.1 > 1-1 > 1-sp`); qualifiers rank alpha < beta < milestone < rc = cr <
 * snapshot < "" = ga = final = release < sp < any other word (alphabetically); `a`, `b`, `m`
 * followed by a digit mean alpha, beta, milestone. Trailing zeros and release words are dropped
 * at every level, so `1.0.0 = 1 = 1-ga = 1.final`.
 *
 * Not modelled: Maven 4's "combination" items (which compare `1-ga-1` and `X-1` forms a little
 * differently); the versions Maven advisories name (`2.17.1`, `5.3.18`, `2.0.0-M1`, `1.0-RC2`,
 * `4.1.86.Final`, `1.2-SNAPSHOT`) order the same under both.
 */
export const mavenVersion: VersionComparator = {
  name: 'Maven',
  compare(a, b) {
    return compareItems(parse(a), parse(b));
  },
  isValid(v) {
    // ComparableVersion orders any string; an empty one or one with spaces is no version.
    return v !== '' && !/\s/.test(v);
  },
};

type Item = { kind: 'number'; digits: string } | { kind: 'qualifier'; word: string } | { kind: 'list'; items: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE = QUALIFIERS.indexOf('');
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const SHORTHAND: Record<string, string> = { a: 'alpha', b: 'beta', m: 'milestone' };

function qualifier(word: string, followedByDigit: boolean): Item {
  const long = followedByDigit ? (SHORTHAND[word] ?? word) : word;
  return { kind: 'qualifier', word: Object.hasOwn(ALIASES, long) ? (ALIASES[long] as string) : long };
}

function token(text: string, isDigits: boolean, followedByDigit = false): Item {
  return isDigits ? { kind: 'number', digits: text.replace(/^0+(?=.)/, '') } : qualifier(text, followedByDigit);
}

function parse(version: string): Item[] {
  const v = version.toLowerCase();
  const root: Item[] = [];
  const lists: Item[][] = [root];
  let list = root;
  const open = (): void => {
    const items: Item[] = [];
    list.push({ kind: 'list', items });
    lists.push(items);
    list = items;
  };
  let isDigits = false;
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charAt(i);
    if (c === '.' || c === '-') {
      // An empty token ("1..2", "1-.1") is a zero.
      list.push(i === start ? { kind: 'number', digits: '0' } : token(v.slice(start, i), isDigits));
      start = i + 1;
      if (c === '-') open();
    } else if (c >= '0' && c <= '9') {
      if (!isDigits && i > start) {
        list.push(token(v.slice(start, i), false, true));
        start = i;
        open();
      }
      isDigits = true;
    } else {
      if (isDigits && i > start) {
        list.push(token(v.slice(start, i), true));
        start = i;
        open();
      }
      isDigits = false;
    }
  }
  if (v.length > start) list.push(token(v.slice(start), isDigits));
  // Innermost lists first, so a sublist emptied by trimming is itself trimmed from its parent.
  for (const items of lists.reverse()) trimNulls(items);
  return root;
}

/** Drops trailing null items (0, a release word, an empty list), looking past non-null sublists. */
function trimNulls(items: Item[]): void {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as Item;
    if (isNull(item)) items.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

function isNull(item: Item): boolean {
  if (item.kind === 'number') return item.digits === '0';
  if (item.kind === 'qualifier') return rank(item.word)[0] === RELEASE;
  return item.items.length === 0;
}

function rank(word: string): [number, string] {
  const known = QUALIFIERS.indexOf(word);
  return known === -1 ? [QUALIFIERS.length, word] : [known, ''];
}

function compareWords(a: string, b: string): number {
  const [x, xs] = rank(a);
  const [y, ys] = rank(b);
  return sign(x, y) || sign(xs, ys);
}

const KIND_ORDER = { qualifier: 0, list: 1, number: 2 } as const;

/** One item against another, or against the padding (undefined) of a shorter list. */
function compareItem(x: Item, y: Item | undefined): number {
  if (y === undefined) {
    if (x.kind === 'number') return x.digits === '0' ? 0 : 1;
    if (x.kind === 'qualifier') return compareWords(x.word, '');
    for (const item of x.items) {
      const d = compareItem(item, undefined);
      if (d !== 0) return d;
    }
    return 0;
  }
  if (x.kind !== y.kind) return sign(KIND_ORDER[x.kind], KIND_ORDER[y.kind]);
  if (x.kind === 'number' && y.kind === 'number') return compareDigitRuns(x.digits, y.digits);
  if (x.kind === 'qualifier' && y.kind === 'qualifier') return compareWords(x.word, y.word);
  return compareItems((x as { items: Item[] }).items, (y as { items: Item[] }).items);
}

function compareItems(a: Item[], b: Item[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    const d = x === undefined ? -compareItem(y as Item, undefined) : compareItem(x, y);
    if (d !== 0) return d;
  }
  return 0;
}
