/** `berth policy …` end to end: the real CLI as a child process against a registry in this process. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, startApiRegistry } from '../api/support.js';
import { BERTH_BIN, type TestRegistry } from '../support/registry.js';
import { runCli } from '../cli/berth-process.js';
import { pushTagged, rule } from './support.js';

const POLICY = { rules: [rule(1, { tagStatus: 'tagged', tagPatternList: ['ci-*'], countType: 'imageCountMoreThan', countNumber: 1 }, 'keep the last ci- image')] };

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('berth policy', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let configDir: string;

  /** Runs `berth …` with this suite's config folder; returns the exit code and output. */
  async function berth(args: string[], stdin = ''): Promise<{ code: number | string; stdout: string; stderr: string }> {
    return runCli(configDir, args, stdin);
  }


  async function ok(args: string[], stdin?: string): Promise<string> {
    const result = await berth(args, stdin);
    assert.equal(result.code, 0, `berth ${args.join(' ')} exited with ${result.code}:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  }

  before(async () => {
    registry = await startApiRegistry();
    configDir = await mkdtemp(join(tmpdir(), 'berth-policy-cli-'));
    await ok(['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
    await pushTagged(registry, 'team/app', ['ci-1']);
    await pushTagged(registry, 'team/app', ['ci-2']);
    await pushTagged(registry, 'team/app', ['release']);
    await writeFile(join(configDir, 'policy.json'), JSON.stringify(POLICY));
  });

  after(async () => {
    await registry?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('previews, sets, prints back, runs and deletes a policy', async () => {
    const preview = await berth(['policy', 'preview', 'team', '--file', 'policy.json']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /team\/app\s+sha256:[0-9a-f]{12}\s+ci-1\s+rule 1 \(keep the last ci- image\)/);
    assert.match(preview.stderr, /1 of 3 images in 1 repositories would expire/);

    assert.match(await ok(['policy', 'set', 'team', '--file', 'policy.json']), /set the lifecycle policy of namespace team/);
    assert.deepEqual(JSON.parse(await ok(['policy', 'get', 'team'])), POLICY);
    assert.match(await ok(['policy', 'list']), /namespace\s+team\s+1\s+admin/);

    assert.match(await ok(['policy', 'run']), /expired team\/app@sha256:[0-9a-f]+ ci-1 [\s\S]*expired 1 images and 0 referrers in 1 repositories/);
    assert.match(await ok(['policy', 'delete', 'team']), /deleted the lifecycle policy of namespace team/);
    const gone = await berth(['policy', 'get', 'team']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /namespace team has no lifecycle policy/);
  });

  it('reads a repository policy from standard input and names invalid fields', async () => {
    assert.match(await ok(['policy', 'set', 'team/app', '--repository', '--file', '-'], JSON.stringify(POLICY)), /repository team\/app/);
    const bad = await berth(['policy', 'set', 'team', '--file', '-'], JSON.stringify({ rules: [rule(3, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 })] }));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /countUnit/);
    const notJson = await berth(['policy', 'preview', 'team', '--file', '-'], '{"rules": [');
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /standard input is not valid JSON/);
  });

  it('shows that a policy run is working on a terminal, then the counts and bytes', { skip: hasScript ? false : 'script (util-linux) is not installed' }, async () => {
    // script gives the CLI a pseudo-terminal, as a user at a shell has. Spawned asynchronously:
    // the registry answering it runs in this very process.
    const child = spawn('script', ['-qfec', `${process.execPath} ${BERTH_BIN} policy run`, '/dev/null'], {
      cwd: configDir,
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BERTH_'))), BERTH_CONFIG_DIR: configDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const status = await new Promise<number | null>((done) => child.once('close', done));
    const result = { status, stdout };
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /applying lifecycle policies… \d+\.\d s/);
    assert.match(result.stdout, /expired \d+ images and \d+ referrers in \d+ repositories \(\d+\.\d MiB listed/);
  });
});
