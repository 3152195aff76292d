import type { VersionComparator } from './comparator.js';
import type { OsvAffected, OsvEvent, OsvRange } from './osv.js';
import { semverVersion } from './semver-version.js';

/**
 * Whether `version` of the package is affected, by the OSV schema's evaluation (docs/schema.md,
 * "Evaluation"): it is listed in `versions[]`, or it falls inside one of the `SEMVER` or
 * `ECOSYSTEM` ranges. `GIT` ranges are skipped: they need the repository's commit graph.
 *
 * `ecosystem` orders `ECOSYSTEM` ranges (from `comparatorFor`); `SEMVER` ranges always use SemVer
 * precedence, as the schema defines them. A version that an ordering cannot parse makes it throw
 * InvalidVersionError (check `isValid` first to skip such packages).
 */
export function isAffected(version: string, affected: OsvAffected, ecosystem: VersionComparator): boolean {
  if (affected.versions?.some((listed) => listed === version || sameVersion(ecosystem, listed, version))) return true;
  return (affected.ranges ?? []).some((range) => {
    if (range.type === 'GIT') return false;
    return inRange(version, range, range.type === 'SEMVER' ? semverVersion : ecosystem);
  });
}

/**
 * `versions[]` entries are the ecosystem's own spellings; the schema compares with `==`, and the
 * ordering's equality also catches spellings of the same version (`1:1.0` and `1:1.0-0` in dpkg).
 */
function sameVersion(ordering: VersionComparator, a: string, b: string): boolean {
  return ordering.isValid(a) && ordering.isValid(b) && ordering.compare(a, b) === 0;
}

type Kind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

function eventOf(event: OsvEvent): { kind: Kind; at: string } {
  const [kind, at] = Object.entries(event)[0] as [Kind, string];
  return { kind, at };
}

/** Schema special values: `introduced: "0"` sorts before every version, `limit: "*"` after every one. */
function compareToEvent(ordering: VersionComparator, version: string, event: { kind: Kind; at: string }): number {
  if (event.kind === 'introduced' && event.at === '0') return 1;
  if (event.kind === 'limit' && event.at === '*') return -1;
  return ordering.compare(version, event.at);
}

function inRange(version: string, range: OsvRange, ordering: VersionComparator): boolean {
  const events = range.events.map(eventOf);
  // BeforeLimits: with no limit events an implicit `limit: "*"` holds; otherwise the version must
  // be below at least one of them.
  const limits = events.filter((event) => event.kind === 'limit');
  if (limits.length > 0 && !limits.some((limit) => compareToEvent(ordering, version, limit) < 0)) return false;
  let vulnerable = false;
  for (const event of sortEvents(events, ordering)) {
    const d = compareToEvent(ordering, version, event);
    if (event.kind === 'introduced' && d >= 0) vulnerable = true;
    else if (event.kind === 'fixed' && d >= 0) vulnerable = false;
    else if (event.kind === 'last_affected' && d > 0) vulnerable = false;
  }
  return vulnerable;
}

/**
 * The events in version order (the schema's `sorted(range.events)`; records need not keep them
 * sorted). The sort is stable, so events at the same version keep the record's order.
 */
function sortEvents(events: { kind: Kind; at: string }[], ordering: VersionComparator): { kind: Kind; at: string }[] {
  const rank = (event: { kind: Kind; at: string }): number => (event.kind === 'introduced' && event.at === '0' ? -1 : event.kind === 'limit' && event.at === '*' ? 1 : 0);
  return [...events].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== 0 || rb !== 0) return ra - rb;
    return ordering.compare(a.at, b.at);
  });
}
