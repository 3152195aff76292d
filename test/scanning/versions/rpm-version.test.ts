import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rpmVersion } from '../../../src/extensions/scanning/versions/rpm-version.js';
import { checkOrdering } from './ordering-table.js';

describe('rpm version ordering (rpmvercmp, rpm tests/rpmvercmp.at)', () => {
  checkOrdering(rpmVersion, [
    ['1.0', '<', '2.0'],
    ['2.0', '<', '2.0.1'],
    ['2.0.1a', '>', '2.0.1'],
    ['5.5p1', '<', '5.5p2'],
    ['5.5p1', '<', '5.5p10'],
    ['10xyz', '<', '10.1xyz'],
    ['xyz10', '<', 'xyz10.1'],
    ['xyz.4', '<', '8'],
    ['xyz.4', '<', '2'],
    ['5.5p2', '<', '5.6p1'],
    ['5.6p1', '<', '6.5p1'],
    ['6.0.rc1', '>', '6.0'],
    ['10b2', '>', '10a1'],
    ['1.0a', '<', '1.0aa'],
    ['10.0001', '=', '10.1'],
    ['10.0001', '<', '10.0039'],
    ['4.999.9', '<', '5.0'],
    ['20101121', '<', '20101122'],
    // Separators are all alike.
    ['2.0', '=', '2_0'],
    ['a+', '=', 'a_'],
    ['+a', '=', '_a'],
    ['_+', '=', '+_'],
    ['+', '=', '_'],
    // Tilde sorts before everything, the end included.
    ['1.0~rc1', '<', '1.0'],
    ['1.0~rc1', '<', '1.0~rc2'],
    ['1.0~rc1~git123', '<', '1.0~rc1'],
    // Caret sorts after the end but before any further segment.
    ['1.0^', '>', '1.0'],
    ['1.0^git1', '>', '1.0'],
    ['1.0^git1', '<', '1.0^git2'],
    ['1.0^git1', '<', '1.01'],
    ['1.0^20160101', '<', '1.0.1'],
    ['1.0^20160102', '>', '1.0^20160101^git1'],
    ['1.0~rc1^git1', '>', '1.0~rc1'],
    ['1.0^git1~pre', '<', '1.0^git1'],
    // The oddities rpm's suite records (RhBug:811992): a letter segment against a separator.
    ['1b.fc17', '<', '1.fc17'],
    ['1g.fc17', '>', '1.fc17'],
    // Epoch, then version, then release; a present release beats an absent one (rpmverCmp).
    ['1:1.0-1', '>', '2.0-1'],
    ['0:1.0-1', '=', '1.0-1'],
    ['1.0-1.el9', '<', '1.0-2.el9'],
    ['1.0-1.el9_3', '>', '1.0-1.el9'],
    ['2.0-1', '>', '2.0'],
    ['3.0.7-16.el9_2', '<', '3.0.7-18.el9_2'],
  ]);

  it('accepts E:V-R strings and refuses empty parts', () => {
    for (const good of ['1.0', '1:3.0.7-16.el9_2', '2.9.14-1.fc40', '1.0~rc1^git1-1']) assert.equal(rpmVersion.isValid(good), true, good);
    for (const bad of ['', '1.0-', '1 .0', '1:', '-1']) assert.equal(rpmVersion.isValid(bad), false, bad);
  });
});
