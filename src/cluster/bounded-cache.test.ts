import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedCache } from './bounded-cache.js';

describe('BoundedCache', () => {
  it('serves an entry only before its deadline, and forgets it once expired', () => {
    const cache = new BoundedCache<string>({ max: 10, ttlMs: 100 });
    cache.set('a', 'A', 1100);
    assert.equal(cache.get('a', 1099), 'A');
    assert.equal(cache.get('a', 1100), undefined);
    assert.equal(cache.size, 0);
    cache.set('b', 'B');
    assert.equal(cache.get('b'), 'B');
  });

  it('evicts the least recently used past max; peek leaves the order as written', () => {
    const cache = new BoundedCache<number>({ max: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1);
    cache.set('c', 3);
    assert.equal(cache.peek('b'), undefined);
    assert.equal(cache.peek('a'), 1);
    cache.set('d', 4);
    assert.equal(cache.peek('a'), undefined, 'peek did not make a recent');
    assert.deepEqual([cache.peek('c'), cache.peek('d')], [3, 4]);
  });

  it('keeps nothing with max 0, and forgets on delete and clear', () => {
    const none = new BoundedCache<number>({ max: 0 });
    none.set('a', 1);
    assert.equal(none.get('a'), undefined);
    const cache = new BoundedCache<number>({ max: 5 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.delete('a');
    assert.equal(cache.get('a'), undefined);
    cache.clear();
    assert.equal(cache.get('b'), undefined);
  });
});
