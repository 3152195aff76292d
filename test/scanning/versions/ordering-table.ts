/**
 * Table tests for a version ordering: each row states `a < b`, `a = b` or `a > b`; every row is
 * also checked reversed (antisymmetry), and every version named is checked equal to itself.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { VersionComparator } from '../../../src/extensions/scanning/versions/comparator.js';

export type Row = [string, '<' | '=' | '>', string];

export function checkOrdering(ordering: VersionComparator, rows: Row[]): void {
  const expected = { '<': -1, '=': 0, '>': 1 } as const;
  it(`orders ${rows.length} documented pairs`, () => {
    const wrong = rows.filter(([a, op, b]) => Math.sign(ordering.compare(a, b)) !== expected[op]).map(([a, op, b]) => `${a} ${op} ${b} (got ${ordering.compare(a, b)})`);
    assert.deepEqual(wrong, []);
  });
  it('is antisymmetric: compare(b, a) = -compare(a, b)', () => {
    const wrong = rows.filter(([a, , b]) => Math.sign(ordering.compare(b, a)) !== -Math.sign(ordering.compare(a, b))).map(([a, , b]) => `${a} / ${b}`);
    assert.deepEqual(wrong, []);
  });
  it('compares every version equal to itself', () => {
    const versions = [...new Set(rows.flatMap(([a, , b]) => [a, b]))];
    assert.deepEqual(versions.filter((v) => ordering.compare(v, v) !== 0), []);
  });
}

/** A chain `v0 < v1 < … < vn` as rows, every pair of the chain, not only neighbours. */
export function ascending(...versions: string[]): Row[] {
  return versions.flatMap((a, i) => versions.slice(i + 1).map((b): Row => [a, '<', b]));
}
