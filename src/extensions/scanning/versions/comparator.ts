/**
 * What every ecosystem's version ordering offers the OSV matcher: a total order on the version
 * strings it knows, and a way to ask whether a string is one of them.
 */
export interface VersionComparator {
  /** The ordering's name, for messages ("dpkg", "PEP 440"). */
  readonly name: string;
  /** Negative when a sorts before b, 0 when they are the same version, positive when after. */
  compare(a: string, b: string): number;
  /** Whether v is a version in this ordering's grammar. */
  isValid(v: string): boolean;
}

/**
 * Thrown by a comparator whose ordering is undefined for a string (PEP 440 and SemVer refuse what
 * they cannot parse; dpkg, rpm and apk order any string, as their tools do).
 */
export class InvalidVersionError extends Error {
  constructor(
    readonly ordering: string,
    readonly version: string,
  ) {
    super(`"${version}" is not a ${ordering} version`);
    this.name = 'InvalidVersionError';
  }
}

/** -1, 0 or 1 for two numbers or strings compared by code unit (C's strcmp on ASCII). */
export function sign(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Two runs of ASCII digits compared as unbounded integers: leading zeros dropped, longer wins. */
export function compareDigitRuns(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  return x.length !== y.length ? sign(x.length, y.length) : sign(x, y);
}
