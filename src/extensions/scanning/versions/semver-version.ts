import semver from 'semver';
import { InvalidVersionError, type VersionComparator } from './comparator.js';

/**
 * SemVer 2.0 precedence (the `semver` package's `compare`), for npm, crates.io, Go and OSV `SEMVER`
 * ranges. A leading `v` (Go's spelling) is accepted; Go pseudo-versions
 * (`v0.0.0-20230101120000-abcdef123456`) are prereleases and sort as SemVer says. Range helpers
 * such as `satisfies` are not used: they skip prereleases, and OSV events must not.
 */
export const semverVersion: VersionComparator = {
  name: 'SemVer',
  compare(a, b) {
    return semver.compare(valid(a), valid(b));
  },
  isValid(v) {
    return semver.valid(v) !== null;
  },
};

function valid(v: string): string {
  if (semver.valid(v) === null) throw new InvalidVersionError('SemVer', v);
  return v;
}
