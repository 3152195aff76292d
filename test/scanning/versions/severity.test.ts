import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OsvRecord } from '../../../src/extensions/scanning/versions/osv.js';
import { severityOf } from '../../../src/extensions/scanning/versions/severity.js';

const record = (fields: Partial<OsvRecord>): OsvRecord => ({ id: 'OSV-TEST', modified: '2024-01-01T00:00:00Z', ...fields });
const v3 = (score: string) => ({ type: 'CVSS_V3', score });

describe('severityOf', () => {
  it('scores CVSS 3.x vectors with their published base scores and rates them', () => {
    const cases: [string, number, string][] = [
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'critical'],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10, 'critical'],
      ['CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8, 'high'],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5, 'high'],
      ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N', 6.8, 'medium'],
      ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1, 'low'],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0, 'none'],
    ];
    assert.deepEqual(
      cases.map(([vector]) => severityOf(record({ severity: [v3(vector)] }))),
      cases.map(([vector, score, level]) => ({ level, score, vector })),
    );
  });

  it('scores a CVSS 4.0 vector and prefers it to a 3.x one', () => {
    const v4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    const severity = severityOf(record({ severity: [v3('CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N'), { type: 'CVSS_V4', score: v4 }] }));
    assert.deepEqual(severity, { level: 'critical', score: 9.3, vector: v4 });
  });

  it('skips a partial or malformed vector for the next source', () => {
    assert.deepEqual(severityOf(record({ severity: [v3('CVSS:3.1/AV:N'), v3('CVSS:3.1/AV:Q/AC:L'), v3('CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N')] })).score, 3.1);
    assert.deepEqual(severityOf(record({ severity: [v3('garbage')], database_specific: { severity: 'MODERATE' } })), { level: 'medium' });
  });

  it('uses an Ubuntu priority word when there is no vector', () => {
    assert.deepEqual(severityOf(record({ severity: [{ type: 'Ubuntu', score: 'high' }] })), { level: 'high' });
    assert.deepEqual(severityOf(record({ severity: [{ type: 'Ubuntu', score: 'negligible' }] })), { level: 'low' });
    assert.deepEqual(severityOf(record({ severity: [{ type: 'Ubuntu', score: 'untriaged' }] })), { level: 'unknown' });
  });

  it('uses database_specific.severity (GitHub, Red Hat words) when severity[] says nothing', () => {
    assert.deepEqual(severityOf(record({ database_specific: { severity: 'CRITICAL' } })), { level: 'critical' });
    assert.deepEqual(severityOf(record({ database_specific: { severity: 'Important' } })), { level: 'high' });
    assert.deepEqual(severityOf(record({})), { level: 'unknown' });
  });

  it('reads per-package severity: the given package\'s own, or the worst when none is given', () => {
    const low = { package: { ecosystem: 'npm', name: 'a' }, severity: [v3('CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N')] };
    const critical = { package: { ecosystem: 'npm', name: 'b' }, severity: [v3('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')] };
    const both = record({ affected: [low, critical] });
    assert.equal(severityOf(both, low).level, 'low');
    assert.equal(severityOf(both, critical).level, 'critical');
    assert.equal(severityOf(both).level, 'critical');
  });
});
