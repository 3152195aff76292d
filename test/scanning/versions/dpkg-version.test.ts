import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dpkgVersion } from '../../../src/extensions/scanning/versions/dpkg-version.js';
import { ascending, checkOrdering } from './ordering-table.js';

describe('dpkg version ordering (Debian Policy §5.6.12)', () => {
  checkOrdering(dpkgVersion, [
    // Policy's own example of tilde and end-of-part: ~~ < ~~a < ~ < (empty) < a.
    ...ascending('1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a'),
    // Pre-releases with ~, binNMUs and stable updates with +.
    ...ascending('1.0~rc1', '1.0', '1.0+b1'),
    ['1.0-1', '<', '1.0-1+deb12u1'],
    ['1.0-1+deb12u1', '<', '1.0-1+deb12u2'],
    ['1.0~rc1-1', '<', '1.0-1'],
    // The epoch decides first.
    ['1:0.1', '>', '2.0'],
    ['0:2.0', '<', '1:0.1'],
    ['1:1.0', '=', '1:1.0-0'],
    ['0:1.0', '=', '1.0'],
    // An absent revision is revision 0; digit runs compare as numbers.
    ['1.0', '=', '1.0-0'],
    ['1.00', '=', '1.0'],
    ['1.2.3', '<', '1.2.10'],
    ['2.30-1', '>', '2.3-1'],
    // Letters sort before every non-letter, so 1.0a < 1.0+ and 1.0a < 1.0.1.
    ['1.0a', '<', '1.0+'],
    ['1.0a', '<', '1.0.1'],
    ['7.6p2-4', '>', '7.6-0'],
    // The revision is after the last hyphen; the upstream part may contain hyphens.
    ['1.2-3-4', '<', '1.2-3-5'],
    ['1.2-3-4', '>', '1.2-2-9'],
    // Ubuntu's revisions.
    ...ascending('1.2.3-1', '1.2.3-1ubuntu0.1', '1.2.3-1ubuntu1', '1.2.3-1ubuntu1.1'),
  ]);

  it('accepts Policy-conforming versions and refuses the malformed', () => {
    for (const good of ['1.0', '1:2.3.4-5', '2.30+dfsg-1ubuntu0.22.04.1', '1.0~rc1-1', '0.9.8-5+deb12u1']) assert.equal(dpkgVersion.isValid(good), true, good);
    for (const bad of ['', ':1.0', 'a:1.0', '1.0-', '1:', '1.0 beta', '1.0-1_2']) assert.equal(dpkgVersion.isValid(bad), false, bad);
  });
});
