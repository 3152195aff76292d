/**
 * `berth trigger create|list` through the real CLI against a registry in this process: a trigger
 * is a webhook of base.moved for one repository, its credential read from stdin and never shown;
 * its options shown by `berth webhook show`; the server's refusals printed as they are.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import picomatch from 'picomatch';
import { ADMIN_PASSWORD, createNamespace, startApiRegistry } from '../api/support.js';
import { runCli, type BerthRun } from '../cli/berth-process.js';
import type { TestRegistry } from '../support/registry.js';
import { exactGlob } from '../../src/extensions/webhooks/cli.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST } from './support.js';

describe('berth trigger', { timeout: 90_000 }, () => {
  let registry: TestRegistry;
  let receiver: WebhookReceiver;
  let configDir: string;
  const berth = (args: string[], stdin = ''): Promise<BerthRun> => runCli(configDir, args, stdin);

  before(async () => {
    registry = await startApiRegistry(FAST);
    receiver = await WebhookReceiver.start();
    await createNamespace(registry, 'team');
    configDir = await mkdtemp(join(tmpdir(), 'berth-trigger-cli-'));
    const login = await berth(['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
    assert.equal(login.code, 0, login.stderr);
  });

  after(async () => {
    await registry?.stop();
    await receiver?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('creates a gitlab trigger for one repository with the credential from stdin, lists it, and shows its ref but never the credential', async () => {
    const url = `${new URL(receiver.url).origin}/api/v4/projects/42/trigger/pipeline`;
    const created = await berth(['trigger', 'create', 'team/app', '--kind', 'gitlab', '--url', url, '--credential-stdin', '--ref', 'main', '--json'], 'glptt-cli-secret\n');
    assert.equal(created.code, 0, created.stderr);
    const hook = JSON.parse(created.stdout) as { id: number; namespace: string; repository: string; events: string[]; format: string; options: unknown; hasAuthorization: boolean };
    assert.deepEqual([hook.namespace, hook.repository, hook.events, hook.format, hook.options, hook.hasAuthorization], ['team', 'team/app', ['base.moved'], 'gitlab', { ref: 'main' }, true]);
    const plain = await berth(['webhook', 'create', '--url', receiver.url, '--events', 'push', '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    const listed = await berth(['trigger', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout.trim().split('\n');
    assert.equal(rows.length, 2, `only the trigger, not the push webhook:\n${listed.stdout}`);
    assert.match(rows[1] ?? '', new RegExp(`^${hook.id}\\s+team/app\\s+gitlab\\s+\\S+\\s+main\\s+yes$`));
    const shown = await berth(['webhook', 'show', String(hook.id)]);
    assert.match(shown.stdout, /^ref:\s+main$/m);
    assert.doesNotMatch(shown.stdout + listed.stdout + created.stdout, /glptt-cli-secret/);
  });

  it("prints the server's refusal of a gitlab trigger without --ref, and a trigger without a credential", async () => {
    const url = `${new URL(receiver.url).origin}/x`;
    const noRef = await berth(['trigger', 'create', 'team/app', '--kind', 'gitlab', '--url', url, '--credential-stdin'], 'glptt-x\n');
    assert.equal(noRef.code, 1);
    assert.match(noRef.stderr, /the gitlab format needs options\.ref/);
    const noCredential = await berth(['trigger', 'create', 'team/app', '--kind', 'github', '--url', url]);
    assert.equal(noCredential.code, 1);
    assert.match(noCredential.stderr, /a github trigger needs a credential/);
  });

  it('an exact glob matches its repository name only, metacharacters included', () => {
    for (const name of ['team/app', 'team/a+b', 'team/a*b', 'team/[x]', 'team/{a,b}', 'team/!x']) {
      assert.ok(picomatch.isMatch(name, exactGlob(name)), name);
      assert.equal(picomatch.scan(exactGlob(name)).isGlob, false, name);
    }
    assert.equal(picomatch.isMatch('team/aXb', exactGlob('team/a*b')), false);
  });
});
