/** `berth ci-rule …` end to end: the real CLI as a child process against a registry in this process. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD } from '../api/support.js';
import { runCli } from '../cli/berth-process.js';
import { startCiIssuer, type TestCiIssuer } from '../support/ci-issuer.js';
import type { TestRegistry } from '../support/registry.js';
import { exchange, exchangeOk, startCiRegistry } from './support.js';

describe('berth ci-rule', { timeout: 60_000 }, () => {
  let issuer: TestCiIssuer;
  let registry: TestRegistry;
  let configDir: string;

  async function ok(args: string[], stdin?: string): Promise<string> {
    const result = await runCli(configDir, args, stdin ?? '');
    assert.equal(result.code, 0, `berth ${args.join(' ')} exited with ${result.code}:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  }

  before(async () => {
    issuer = await startCiIssuer();
    registry = await startCiRegistry([issuer]);
    configDir = await mkdtemp(join(tmpdir(), 'berth-ci-rule-cli-'));
    await ok(['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  });

  after(async () => {
    await registry?.stop();
    await issuer?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('creates, lists, shows, disables, enables and deletes a rule that the exchange then follows', async () => {
    const created = await ok(['ci-rule', 'create', 'app-release', '--issuer', issuer.issuer, '--claim', 'repository=org/app', '--claim', 'ref=refs/heads/*', '--grant', 'team/app:pull,push', '--ttl', '300']);
    assert.match(created, /created CI token rule app-release/);
    assert.match(created, /conditions:\s+repository=org\/app ref=refs\/heads\/\*/);
    assert.match(await ok(['ci-rule', 'list']), /app-release\s+http:\/\/127\.0\.0\.1:\d+\s+repository=org\/app ref=refs\/heads\/\*\s+team\/app:pull,push\s+300s\s+yes/);
    assert.deepEqual((JSON.parse(await ok(['ci-rule', 'get', 'app-release', '--json'])) as { grants: unknown }).grants, [{ repository: 'team/app', actions: ['pull', 'push'] }]);
    const issued = await exchangeOk(registry, await issuer.token());
    assert.equal(issued.expiresIn, 300);

    assert.match(await ok(['ci-rule', 'disable', 'app-release']), /disabled CI token rule app-release; revoked 1 live credential/);
    assert.equal((await exchange(registry, await issuer.token())).status, 403);
    assert.match(await ok(['ci-rule', 'enable', 'app-release']), /enabled CI token rule app-release/);
    assert.equal((await exchange(registry, await issuer.token())).status, 200);
    assert.match(await ok(['ci-rule', 'delete', 'app-release']), /deleted CI token rule app-release/);
    const empty = await runCli(configDir, ['ci-rule', 'list'], '');
    assert.equal(empty.code, 0);
    assert.match(empty.stdout + empty.stderr, /no CI token rules/);
  });

  it('names what is wrong with a rule and exits non-zero', async () => {
    const noIdentity = await runCli(configDir, ['ci-rule', 'create', 'loose', '--issuer', issuer.issuer, '--claim', 'ref=refs/heads/main', '--grant', 'team/app:push'], '');
    assert.notEqual(noIdentity.code, 0);
    assert.match(noIdentity.stderr, /must have a condition on whose job it is/);
    const badClaim = await runCli(configDir, ['ci-rule', 'create', 'bad', '--issuer', issuer.issuer, '--claim', 'repository', '--grant', 'team/app:push'], '');
    assert.notEqual(badClaim.code, 0);
    assert.match(badClaim.stderr, /expected CLAIM=VALUE/);
  });
});
