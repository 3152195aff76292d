import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mavenVersion } from '../../../src/extensions/scanning/versions/maven-version.js';
import { ascending, checkOrdering } from './ordering-table.js';

describe('Maven version ordering (ComparableVersion)', () => {
  checkOrdering(mavenVersion, [
    // ComparableVersionTest's ordered qualifier list.
    ...ascending(
      '1-alpha2snapshot', '1-alpha2', '1-alpha-123', '1-beta-2', '1-beta123', '1-m2', '1-m11', '1-rc', '1-cr2', '1-rc123', '1-SNAPSHOT', '1',
      '1-sp', '1-sp2', '1-sp123', '1-abc', '1-def', '1-pom-1', '1-1-snapshot', '1-1', '1-2', '1-123',
    ),
    // Its ordered number list (Maven 3).
    ...ascending(
      '2.0', '2-1', '2.0.a', '2.0.0.a', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1', '2.2', '2.123',
      '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m',
    ),
    // Its equalities: trailing zeros, separators around letters, aliases, case.
    ['1', '=', '1.0.0'],
    ['1', '=', '1-0'],
    ['1.0', '=', '1.0-0'],
    ['1a', '=', '1-a'],
    ['1a', '=', '1.0.0-a'],
    ['1.0x', '=', '1-x'],
    ['1ga', '=', '1'],
    ['1release', '=', '1'],
    ['1final', '=', '1'],
    ['1cr', '=', '1rc'],
    ['1a1', '=', '1-alpha-1'],
    ['1b2', '=', '1-beta-2'],
    ['1m3', '=', '1-milestone-3'],
    ['1X', '=', '1x'],
    ['1-SNAPSHOT', '=', '1-snapshot'],
    // pom.html's examples.
    ['1', '<', '1.1'],
    ['1-foo2', '<', '1-foo10'],
    ['1-1', '<', '1.1'],
    ['1.ga', '=', '1-ga'],
    ['1-sp', '>', '1-ga'],
    ['1-sp.1', '>', '1-ga.1'],
    // What Maven advisories name.
    ...ascending('2.0.0-M1', '2.0.0-M2', '2.0.0-RC1', '2.0.0-SNAPSHOT', '2.0.0', '2.0.0.1', '2.0.1'),
    ['4.1.86.Final', '=', '4.1.86'],
    ['2.13.4', '<', '2.13.4.2'],
    ['5.3.18', '<', '5.3.20'],
    ['1.2.17', '<', '2.0-beta1'],
  ]);

  it('refuses the empty string and versions with spaces', () => {
    assert.equal(mavenVersion.isValid('2.17.1'), true);
    assert.equal(mavenVersion.isValid(''), false);
    assert.equal(mavenVersion.isValid('1.0 beta'), false);
  });
});
