import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidVersionError } from '../../../src/extensions/scanning/versions/comparator.js';
import { semverVersion } from '../../../src/extensions/scanning/versions/semver-version.js';
import { ascending, checkOrdering } from './ordering-table.js';

describe('SemVer ordering (semver.org §11; npm, crates.io, Go)', () => {
  checkOrdering(semverVersion, [
    // SemVer 2.0 §11's own examples.
    ...ascending('1.0.0', '2.0.0', '2.1.0', '2.1.1'),
    ...ascending('1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'),
    // Build metadata has no precedence.
    ['1.0.0+build.5', '=', '1.0.0'],
    // Go: a leading v, pseudo-versions as prereleases, +incompatible as build metadata.
    ['v1.2.3', '=', '1.2.3'],
    ...ascending('v1.2.3', 'v1.2.4-0.20230101120000-abcdef123456', 'v1.2.4'),
    ['v0.0.0-20230101120000-abcdef123456', '<', 'v0.0.1'],
    ['v2.0.0+incompatible', '=', '2.0.0'],
  ]);

  it('refuses what is not SemVer instead of guessing an order', () => {
    assert.equal(semverVersion.isValid('1.2'), false);
    assert.throws(() => semverVersion.compare('1.2', '1.2.0'), InvalidVersionError);
  });
});
