import { compareDigitRuns, sign, type VersionComparator } from './comparator.js';

/**
 * Alpine's version ordering (apk-tools `src/version.c`), used by Alpine, Wolfi and Chainguard:
 * `digits{.digits}[letter]{_suffix[digits]}[~hash][-rdigits]`.
 */
export const apkVersion: VersionComparator = {
  name: 'apk',
  compare(a, b) {
    return compareTokens(tokenize(a), tokenize(b));
  },
  isValid(v) {
    return tokenize(v).at(-1)?.kind === Kind.End;
  },
};

/**
 * Token kinds in apk's order. The order is the rule: a token may only follow one of a lower kind,
 * and when two versions agree up to where one has a token the other lacks, the one whose next token
 * is of the lower kind is the greater (more parts: `1.2.1 > 1.2`, `1.2a > 1.2`, `1.2-r1 > 1.2`) —
 * except that a pre-release suffix makes its version the lesser (`1.2_rc1 < 1.2`).
 */
const enum Kind {
  InitialDigits,
  Digits,
  Letter,
  Suffix,
  SuffixNumber,
  CommitHash,
  Revision,
  End,
  Invalid,
}

/** Suffix ranks: the pre-release ones below NONE (the bare version), the post-release ones above. */
const SUFFIX_RANK: Record<string, number> = { alpha: 1, beta: 2, pre: 3, rc: 4, cvs: 6, svn: 7, git: 8, hg: 9, p: 10 };
const NONE = 5;

interface Token {
  kind: Kind;
  text: string;
  suffix?: number;
}

/** The version's tokens, ending with End, or with Invalid where the grammar stops holding. */
function tokenize(version: string): Token[] {
  const tokens: Token[] = [];
  let rest = version;
  const take = (pattern: RegExp): string => {
    const text = pattern.exec(rest)?.[0] ?? '';
    rest = rest.slice(text.length);
    return text;
  };
  const first = take(/^\d+/);
  if (first === '') return [{ kind: Kind.Invalid, text: '' }];
  let previous: Kind = Kind.InitialDigits;
  tokens.push({ kind: previous, text: first });
  for (;;) {
    const token = nextToken(previous, rest, take);
    tokens.push(token);
    if (token.kind === Kind.End || token.kind === Kind.Invalid) return tokens;
    previous = token.kind;
  }
}

function nextToken(previous: Kind, rest: string, take: (pattern: RegExp) => string): Token {
  const invalid: Token = { kind: Kind.Invalid, text: rest };
  if (rest === '') return { kind: Kind.End, text: '' };
  const c = rest.charAt(0);
  if (c >= 'a' && c <= 'z') return previous <= Kind.Digits ? { kind: Kind.Letter, text: take(/^./) } : invalid;
  if (c === '.' || (c >= '0' && c <= '9')) {
    // A digit run right after a suffix word is its number (`_rc2`); after a dot it is a component.
    if (c === '.' ? previous > Kind.Digits : previous !== Kind.Suffix) return invalid;
    if (c === '.') take(/^\./);
    const digits = take(/^\d+/);
    if (digits === '') return invalid;
    return { kind: previous === Kind.Suffix ? Kind.SuffixNumber : Kind.Digits, text: digits };
  }
  if (c === '_') {
    if (previous > Kind.SuffixNumber) return invalid;
    const word = take(/^_[a-z]*/).slice(1);
    const suffix = SUFFIX_RANK[word];
    return suffix === undefined ? invalid : { kind: Kind.Suffix, text: word, suffix };
  }
  if (c === '~') {
    if (previous >= Kind.CommitHash) return invalid;
    const hash = take(/^~[0-9a-fA-F]*/).slice(1);
    return hash === '' ? invalid : { kind: Kind.CommitHash, text: hash };
  }
  if (c === '-') {
    if (previous >= Kind.Revision || !rest.startsWith('-r')) return invalid;
    const digits = take(/^-r\d*/).slice(2);
    return digits === '' ? invalid : { kind: Kind.Revision, text: digits };
  }
  return invalid;
}

function compareTokens(a: Token[], b: Token[]): number {
  let i = 0;
  for (; i < a.length && i < b.length; i++) {
    const x = a[i] as Token;
    const y = b[i] as Token;
    if (x.kind !== y.kind || x.kind >= Kind.End) break;
    const d = compareSameKind(x, y);
    if (d !== 0) return d;
  }
  const x = a[i] as Token;
  const y = b[i] as Token;
  if (x.kind === y.kind) return 0;
  if (x.kind === Kind.Suffix && (x.suffix ?? NONE) < NONE) return -1;
  if (y.kind === Kind.Suffix && (y.suffix ?? NONE) < NONE) return 1;
  return sign(y.kind, x.kind);
}

function compareSameKind(x: Token, y: Token): number {
  switch (x.kind) {
    case Kind.Digits:
      // apk: a component with a leading zero compares as a string, as Gentoo's spec does (1.02 < 1.1).
      if (x.text.startsWith('0') || y.text.startsWith('0')) return sign(x.text, y.text);
      return compareDigitRuns(x.text, y.text);
    case Kind.InitialDigits:
    case Kind.SuffixNumber:
    case Kind.Revision:
      return compareDigitRuns(x.text, y.text);
    case Kind.Suffix:
      return sign(x.suffix ?? NONE, y.suffix ?? NONE);
    default:
      // Letter (one character) and commit hash: by bytes.
      return sign(x.text, y.text);
  }
}
