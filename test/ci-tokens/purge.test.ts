/** The purge of long-expired CI credentials (a scheduler task; called here with a clock moved on). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { purgeExpired } from '../../src/extensions/ci-tokens/purge.js';
import { CiTokenStore, type CiTokensTables } from '../../src/extensions/ci-tokens/rule-store.js';
import { startCiIssuer, type TestCiIssuer } from '../support/ci-issuer.js';
import type { TestRegistry } from '../support/registry.js';
import { createRule, exchangeOk, startCiRegistry, storedCounts } from './support.js';

describe('purging expired CI credentials', { timeout: 30_000 }, () => {
  let issuer: TestCiIssuer;
  let registry: TestRegistry;

  before(async () => {
    issuer = await startCiIssuer();
    registry = await startCiRegistry([issuer]);
    await createRule(registry, { name: 'app', issuer: issuer.issuer, conditions: { repository: 'org/app' }, grants: [{ repository: 'team/app', actions: ['push'] }] });
  });

  after(async () => {
    await registry?.stop();
    await issuer?.stop();
  });

  it('keeps an expired credential for a day, then removes its robot row, its issue record and the exchanged jti', async () => {
    const issued = await exchangeOk(registry, await issuer.token());
    const store = new CiTokenStore(registry.berth.store.extensionDatabase<CiTokensTables>().db);
    const credentials = registry.berth.store.credentials;
    const jtis = async (): Promise<number> => (await registry.berth.store.extensionDatabase<CiTokensTables>().db.selectFrom('ci_token_jtis').select('jti').execute()).length;
    assert.deepEqual(await storedCounts(registry), { robots: 1, issues: 1 });
    assert.equal(await jtis(), 1);

    const expiredAnHourAgo = new Date(Date.parse(issued.expiresAt) + 3600_000);
    assert.deepEqual(await purgeExpired(store, credentials, 30, expiredAnHourAgo), { credentials: 0 });
    assert.deepEqual(await storedCounts(registry), { robots: 1, issues: 1 });
    // The identity token expired long before: it can't be exchanged again, so its jti goes.
    assert.equal(await jtis(), 0);

    const twoDaysOn = new Date(Date.parse(issued.expiresAt) + 2 * 86_400_000);
    assert.deepEqual(await purgeExpired(store, credentials, 30, twoDaysOn), { credentials: 1 });
    assert.deepEqual(await storedCounts(registry), { robots: 0, issues: 0 });
  });
});
