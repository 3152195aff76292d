import rubySemver from '@renovatebot/ruby-semver';
import { InvalidVersionError, type VersionComparator } from './comparator.js';

/**
 * RubyGems' version ordering (`Gem::Version#<=>`, through `@renovatebot/ruby-semver`): segments
 * split at dots and letter/digit changes, a letter segment making a prerelease (`1.0.a < 1.0`),
 * trailing zeros ignored (`1.0 == 1`).
 */
export const rubygemsVersion: VersionComparator = {
  name: 'RubyGems',
  compare(a, b) {
    valid(a);
    valid(b);
    return rubySemver.lt(a, b) ? -1 : rubySemver.gt(a, b) ? 1 : 0;
  },
  isValid(v) {
    return rubySemver.valid(v) !== null;
  },
};

function valid(v: string): void {
  if (rubySemver.valid(v) === null) throw new InvalidVersionError('RubyGems', v);
}
