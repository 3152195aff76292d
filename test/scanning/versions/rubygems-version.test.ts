import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidVersionError } from '../../../src/extensions/scanning/versions/comparator.js';
import { rubygemsVersion } from '../../../src/extensions/scanning/versions/rubygems-version.js';
import { ascending, checkOrdering } from './ordering-table.js';

describe('RubyGems ordering (Gem::Version)', () => {
  checkOrdering(rubygemsVersion, [
    // A segment with letters makes a prerelease, below the release it precedes.
    ...ascending('1.0.a', '1.0.b', '1.0.b1', '1.0'),
    ...ascending('2.0.0.pre', '2.0.0.rc1', '2.0.0', '2.0.1'),
    ['1.0', '=', '1'],
    ['1.0', '=', '1.0.0'],
    ['1.9', '<', '1.10'],
    ['7.0.8.1', '>', '7.0.8'],
  ]);

  it('refuses what Gem::Version refuses', () => {
    assert.equal(rubygemsVersion.isValid('1.0 beta'), false);
    assert.throws(() => rubygemsVersion.compare('junk!', '1.0'), InvalidVersionError);
  });
});
