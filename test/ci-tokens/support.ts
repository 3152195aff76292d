/**
 * Helpers for the CI token suites: a registry (token auth on, a known admin) trusting one or more
 * loopback CI issuers, rules made through the admin API, the exchange, and what the metadata
 * store holds (to show a refusal stored nothing).
 */
import assert from 'node:assert/strict';
import type { CiTokensTables } from '../../src/extensions/ci-tokens/rule-store.js';
import { ADMIN, api, startApiRegistry, type ApiReply } from '../api/support.js';
import type { TestCiIssuer } from '../support/ci-issuer.js';
import type { TestRegistry } from '../support/registry.js';

/** What the exchange answers. */
export interface IssuedJson {
  username: string;
  password: string;
  expiresAt: string;
  expiresIn: number;
  grants: { repository: string; actions: string[] }[];
  rules: string[];
}

/** The issuers as BERTH_CI_TOKENS_ISSUERS holds them: the first found by discovery, the others by their jwksUrl. */
export function issuersSetting(issuers: readonly TestCiIssuer[]): string {
  return JSON.stringify(issuers.map((issuer, index) => ({ issuer: issuer.issuer, audience: issuer.audience, ...(index === 0 ? {} : { jwksUrl: issuer.jwksUrl }) })));
}

/** A registry trusting `issuers`; `settings` are extra BERTH_* variables. */
export async function startCiRegistry(issuers: readonly TestCiIssuer[], settings: Record<string, string> = {}): Promise<TestRegistry> {
  return startApiRegistry({ BERTH_CI_TOKENS_ISSUERS: issuersSetting(issuers), ...settings });
}

/** Creates a rule as the admin; throws unless it worked. */
export async function createRule(registry: TestRegistry, rule: Record<string, unknown>): Promise<void> {
  const reply = await api(registry, 'POST', '/ci-token-rules', { auth: ADMIN, json: rule });
  assert.equal(reply.status, 201, reply.text);
}

/** POST /api/v1/ci-tokens with the token, no Authorization header. */
export async function exchange(registry: TestRegistry, token: string): Promise<ApiReply<IssuedJson>> {
  return api<IssuedJson>(registry, 'POST', '/ci-tokens', { json: { token } });
}

/** Exchanges and asserts it worked. */
export async function exchangeOk(registry: TestRegistry, token: string): Promise<IssuedJson> {
  const reply = await exchange(registry, token);
  assert.equal(reply.status, 200, reply.text);
  return reply.body;
}

/** What the store holds of issued credentials: robot rows and issue records. */
export async function storedCounts(registry: TestRegistry): Promise<{ robots: number; issues: number }> {
  const robots = (await registry.berth.store.credentials.list({ kind: 'robot' })).length;
  const db = registry.berth.store.extensionDatabase<CiTokensTables>().db;
  const issues = (await db.selectFrom('ci_token_issues').select('credential_id').execute()).length;
  return { robots, issues };
}

/** Moves a credential's expiry into the past, as time passing would (the test can't wait the minute a rule's shortest lifetime lasts). */
export async function expireCredential(registry: TestRegistry, login: string): Promise<void> {
  const robot = (await registry.berth.store.credentials.list({ kind: 'robot' })).find((row) => `robot$${row.name}` === login);
  assert.ok(robot, `no robot ${login}`);
  const db = registry.berth.store.extensionDatabase<{ credentials: { id: string; expires_at: number | null } }>().db;
  await db.updateTable('credentials').set({ expires_at: Date.now() - 1000 }).where('id', '=', robot.id).execute();
}
