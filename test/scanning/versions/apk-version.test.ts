import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apkVersion } from '../../../src/extensions/scanning/versions/apk-version.js';
import { ascending, checkOrdering } from './ordering-table.js';

describe('apk version ordering (apk-tools src/version.c)', () => {
  checkOrdering(apkVersion, [
    // Pre-release suffixes below the bare version, post-release ones above; a revision is above the
    // bare version but below any post-release suffix (the suffix token comes first in apk's order).
    ...ascending('1.0_alpha', '1.0_alpha2', '1.0_beta', '1.0_pre1', '1.0_rc1', '1.0', '1.0-r1', '1.0_cvs', '1.0_svn', '1.0_git', '1.0_hg', '1.0_p1'),
    ['1.0_p1', '<', '1.0_p1-r1'],
    ['1.0_rc1-r5', '<', '1.0'],
    // Letters.
    ['1.2a', '>', '1.2'],
    ['1.2a', '<', '1.2b'],
    ['1.2.1', '>', '1.2a'],
    // Rows of apk-tools' test/version.data.
    ['2.34', '>', '0.1.0_alpha'],
    ['0.1.0_alpha2', '>', '0.1.0_alpha'],
    ['1.0.4-r3', '<', '1.0.4-r4'],
    ['1.1', '>', '1.1_alpha1'],
    ['2.3.0b-r1', '<', '2.3.0b-r2'],
    ['3.1_p16', '<', '3.1_p17'],
    ['1.06-r6', '<', '006'],
    ['3.0.20060720', '<', '20060720'],
    ['1.2.12.04', '<', '1.2.12.05'],
    ['1.07-r1', '<', '1.07.5'],
    ['0.10.0', '<', '0.10.1_rc1'],
    ['0.20070118', '<', '0.20070207_rc1'],
    ['2.5.1-r8', '<', '2.5.1a-r1'],
    ['1.3_pre1-r1', '<', '1.3.2'],
    ['1.0_p10-r0', '>', '1.0_p9-r0'],
    ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
    ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
    ['2.12r-r4', '<', '2.12r-r5'],
    ['1.0', '<', '1.0bc'],
    ['23_foo', '>', '4_beta'],
    ['4.5_p1-r1', '>', '4.5_p1'],
    ['1.10-r5', '<', '1.10-r9'],
    ['0.2.0-r1', '=', '0.2.0-r1'],
    // A component with a leading zero compares as a string.
    ['1.02', '<', '1.1'],
    ['8.2.0015', '<', '8.2.002'],
  ]);

  it('accepts the grammar and refuses what apk refuses', () => {
    for (const good of ['1.0', '1.2.3-r0', '1.0_rc1', '2.3.0b-r1', '1.0_alpha_pre2', '1.0_git20240101~abc123-r2']) assert.equal(apkVersion.isValid(good), true, good);
    for (const bad of ['', 'v1.0', '1.0-1', '1.0_foo', '1.0-r', '1.0bc', '1.0-r1_p1', '1.0~']) assert.equal(apkVersion.isValid(bad), false, bad);
  });
});
