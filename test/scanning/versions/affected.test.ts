import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAffected } from '../../../src/extensions/scanning/versions/affected.js';
import { InvalidVersionError } from '../../../src/extensions/scanning/versions/comparator.js';
import { dpkgVersion } from '../../../src/extensions/scanning/versions/dpkg-version.js';
import type { OsvAffected, OsvEvent, OsvRange } from '../../../src/extensions/scanning/versions/osv.js';
import { pep440Version } from '../../../src/extensions/scanning/versions/pep440-version.js';
import { semverVersion } from '../../../src/extensions/scanning/versions/semver-version.js';

const range = (type: OsvRange['type'], ...events: OsvEvent[]): OsvAffected => ({ ranges: [{ type, events }] });

/** The versions of `candidates` that `affected` matches. */
function matching(affected: OsvAffected, candidates: string[], ordering = semverVersion): string[] {
  return candidates.filter((version) => isAffected(version, affected, ordering));
}

describe('isAffected (OSV schema, "Evaluation" and its examples)', () => {
  it('unfixed: introduced 0 affects every version', () => {
    assert.deepEqual(matching(range('SEMVER', { introduced: '0' }), ['0.0.1', '1.0.0-alpha', '99.0.0']), ['0.0.1', '1.0.0-alpha', '99.0.0']);
  });

  it('fixed: everything before the fix, the fix itself not', () => {
    const affected = range('SEMVER', { introduced: '0' }, { fixed: '1.0.2' });
    assert.deepEqual(matching(affected, ['0.1.0', '1.0.1', '1.0.2-rc.1', '1.0.2', '1.0.3']), ['0.1.0', '1.0.1', '1.0.2-rc.1']);
  });

  it('multiple ranges in one: [1.0.0, 1.0.2) and [3.0.0, 3.2.5)', () => {
    const affected = range('SEMVER', { introduced: '1.0.0' }, { fixed: '1.0.2' }, { introduced: '3.0.0' }, { fixed: '3.2.5' });
    assert.deepEqual(matching(affected, ['0.9.0', '1.0.0', '1.0.1', '1.0.2', '2.0.0', '3.0.0', '3.2.4', '3.2.5', '4.0.0']), ['1.0.0', '1.0.1', '3.0.0', '3.2.4']);
  });

  it('the same ranges with their events out of order match the same versions', () => {
    const affected = range('SEMVER', { fixed: '3.2.5' }, { introduced: '1.0.0' }, { introduced: '3.0.0' }, { fixed: '1.0.2' });
    assert.deepEqual(matching(affected, ['0.9.0', '1.0.0', '1.0.1', '1.0.2', '2.0.0', '3.0.0', '3.2.4', '3.2.5', '4.0.0']), ['1.0.0', '1.0.1', '3.0.0', '3.2.4']);
  });

  it('last_affected includes that version; fixed at the same version does not', () => {
    const lastAffected = range('ECOSYSTEM', { introduced: '0' }, { last_affected: '2.1.214' });
    const fixed = range('SEMVER', { introduced: '0' }, { fixed: '2.1.214' });
    assert.deepEqual(matching(lastAffected, ['2.1.213', '2.1.214', '2.1.215']), ['2.1.213', '2.1.214']);
    assert.deepEqual(matching(fixed, ['2.1.213', '2.1.214', '2.1.215']), ['2.1.213']);
  });

  it('limit bounds the whole walk; several limits widen it; limit "*" is no bound', () => {
    assert.deepEqual(matching(range('SEMVER', { introduced: '1.0.0' }, { limit: '2.0.0' }), ['0.5.0', '1.0.0', '1.9.9', '2.0.0', '3.0.0']), ['1.0.0', '1.9.9']);
    const twoLimits = range('SEMVER', { introduced: '1.0.0' }, { limit: '1.5.0' }, { limit: '2.0.0' });
    assert.deepEqual(matching(twoLimits, ['1.4.0', '1.7.0', '2.0.0']), ['1.4.0', '1.7.0']);
    assert.deepEqual(matching(range('SEMVER', { introduced: '1.0.0' }, { limit: '*' }), ['0.1.0', '1.0.0', '9.0.0']), ['1.0.0', '9.0.0']);
  });

  it('a version in versions[] is affected even outside every range', () => {
    const affected: OsvAffected = { versions: ['0.9.0', '5.0.0'], ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '2.0.0' }] }] };
    assert.deepEqual(matching(affected, ['0.9.0', '0.9.1', '1.5.0', '5.0.0']), ['0.9.0', '1.5.0', '5.0.0']);
  });

  it('versions[] also matches another spelling of a listed version in the ecosystem ordering', () => {
    assert.equal(isAffected('1.0.0', { versions: ['1.0'] }, pep440Version), true);
    assert.equal(isAffected('1.0.1', { versions: ['1.0'] }, pep440Version), false);
  });

  it('GIT ranges are skipped', () => {
    const affected: OsvAffected = { ranges: [{ type: 'GIT', repo: 'https://example.com/r.git', events: [{ introduced: '0' }] }] };
    assert.equal(isAffected('1.0.0', affected, semverVersion), false);
  });

  it('ECOSYSTEM ranges use the ecosystem ordering: DSA-3029-1 (nginx, Debian:7)', () => {
    const affected = range('ECOSYSTEM', { introduced: '0' }, { fixed: '1.2.1-2.2+wheezy3' });
    assert.deepEqual(
      matching(affected, ['1.2.1-2.2', '1.2.1-2.2+wheezy2', '1.2.1-2.2+wheezy3', '1.2.1-2.2+wheezy3+b1', '1.2.1-2.2+wheezy10', '1:1.0-1'], dpkgVersion),
      ['1.2.1-2.2', '1.2.1-2.2+wheezy2'],
    );
  });

  it('ECOSYSTEM ranges of PyPI order pre-releases below the release (no range helper hides them)', () => {
    const affected = range('ECOSYSTEM', { introduced: '2.0.0a1' }, { fixed: '2.0.1' });
    assert.deepEqual(matching(affected, ['1.9', '2.0.0.dev1', '2.0.0a1', '2.0.0rc1', '2.0.0', '2.0.1rc1', '2.0.1'], pep440Version), ['2.0.0a1', '2.0.0rc1', '2.0.0', '2.0.1rc1']);
  });

  it('throws InvalidVersionError for a version the ordering cannot parse', () => {
    assert.throws(() => isAffected('not-a-version', range('SEMVER', { introduced: '0' }, { fixed: '1.0.0' }), semverVersion), InvalidVersionError);
  });
});
