import assert from 'node:assert/strict';
import type { StoreTest } from './describe-metadata-store.js';

/** Named leases: one holder at a time, settled by the database. */
export function leaseCases(test: StoreTest): void {
  test('a free lease is taken; another holder is refused until it expires', async (store) => {
    assert.equal(await store.leases.acquire('gc', 'node-1', 60_000), true);
    assert.equal(await store.leases.acquire('gc', 'node-2', 60_000), false);
    assert.equal((await store.leases.get('gc'))?.holder, 'node-1');
    // Other names are independent.
    assert.equal(await store.leases.acquire('lifecycle', 'node-2', 60_000), true);
  });

  test('the holder renews its own lease, pushing the expiry on', async (store) => {
    assert.equal(await store.leases.acquire('gc', 'node-1', 1_000), true);
    const first = (await store.leases.get('gc'))?.expiresAt.getTime() ?? 0;
    assert.equal(await store.leases.acquire('gc', 'node-1', 60_000), true);
    assert.ok(((await store.leases.get('gc'))?.expiresAt.getTime() ?? 0) > first);
  });

  test('an expired lease (its holder died) goes to the next node that asks', async (store) => {
    assert.equal(await store.leases.acquire('gc', 'dead-node', 1), true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await store.leases.acquire('gc', 'node-2', 60_000), true);
    assert.equal((await store.leases.get('gc'))?.holder, 'node-2');
    assert.equal(await store.leases.acquire('gc', 'dead-node', 60_000), false);
  });

  test('release frees the lease, but only for its holder', async (store) => {
    await store.leases.acquire('gc', 'node-1', 60_000);
    await store.leases.release('gc', 'node-2');
    assert.equal(await store.leases.acquire('gc', 'node-2', 60_000), false);
    await store.leases.release('gc', 'node-1');
    assert.equal(await store.leases.get('gc'), undefined);
    assert.equal(await store.leases.acquire('gc', 'node-2', 60_000), true);
  });

  test('of 10 holders racing for a free lease exactly one wins', async (store) => {
    const won = await Promise.all(Array.from({ length: 10 }, (_, i) => store.leases.acquire('race', `node-${i}`, 60_000)));
    assert.equal(won.filter(Boolean).length, 1);
    assert.equal((await store.leases.get('race'))?.holder, `node-${won.indexOf(true)}`);
  });
}
