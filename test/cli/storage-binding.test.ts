/**
 * Issue #10, "never delete another database's blobs", with the real CLI process: a PostgreSQL
 * registry keeps its blobs in folder D; `berth gc --data D` without its metadata URL once made
 * an empty SQLite database and deleted every blob file as an orphan. Now storage is bound to its
 * database: every way of pointing the wrong database at D is refused, and nothing is deleted.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { imageManifest, pushImage } from '../support/fixtures.js';
import { postgresTestUrl } from '../support/postgres.js';
import { freePort, startRegistry, type TestRegistry } from '../support/registry.js';
import { runBerth, startBerth } from './berth-process.js';

const GRACE = { BERTH_GC_GRACE_SECONDS: '1', BERTH_GC_INTERVAL_SECONDS: '0', BERTH_GC_TAG_HISTORY_HOURS: '0', BERTH_AUTH_MODE: 'none' };

/** Every file under `root`, relative to it, sorted. */
async function filesUnder(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}

/** Sets every file's modification time an hour back, past any grace period of these tests. */
async function age(root: string): Promise<void> {
  const old = new Date(Date.now() - 3600_000);
  for (const file of await filesUnder(root)) await utimes(join(root, file), old, old);
}

describe('storage bound to its metadata database', { timeout: 120_000 }, () => {
  let postgres: TestRegistry;
  let folder: string;
  let blobFiles: string[];
  let storageId: string;

  before(async () => {
    postgres = await startRegistry({ ...GRACE, BERTH_METADATA_URL: postgresTestUrl() });
    folder = postgres.dataDir;
    await pushImage(postgres.url, 'shop/web', 'v1', imageManifest({ layers: 2 }));
    await pushImage(postgres.url, 'shop/api', 'v1', imageManifest({ layers: 1 }));
    await age(join(folder, 'storage'));
    blobFiles = (await filesUnder(join(folder, 'storage'))).filter((file) => file.startsWith('blobs/'));
    storageId = (await readFile(join(folder, 'storage', '_berth', 'storage-id'), 'utf8')).trim();
  });

  after(async () => {
    await postgres.stop();
  });

  it('`berth gc --data D` without the metadata URL refuses: no SQLite file is created and every blob file stays', async () => {
    assert.equal(blobFiles.length, 5, 'two images: 3 layers and 2 configs');
    const run = await runBerth(['gc', '--data', folder], GRACE);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      `berth: no metadata database at ${join(folder, 'berth.db')}: this command opens an existing database only. ` +
        'If the registry keeps its metadata in PostgreSQL, give its URL (--metadata-url or BERTH_METADATA_URL); otherwise check --data\n',
    );
    assert.equal(existsSync(join(folder, 'berth.db')), false, 'no database was created');
    assert.deepEqual((await filesUnder(join(folder, 'storage'))).filter((file) => file.startsWith('blobs/')), blobFiles);
    const dry = await runBerth(['gc', '--dry-run', '--data', folder], GRACE);
    assert.equal(dry.code, 1);
    assert.equal(existsSync(join(folder, 'berth.db')), false);
  });

  it('`berth gc` with the registry\'s own metadata URL runs and keeps the tagged images', async () => {
    const url = postgres.berth.config.metadata.url ?? '';
    const run = await runBerth(['gc', '--data', folder, '--metadata-url', url], GRACE);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /deleted 0 manifests, 0 blob links, 0 blobs, 0 stale uploads, 0 orphan files, 0 audit events; reclaimed 0 B/);
    assert.deepEqual((await filesUnder(join(folder, 'storage'))).filter((file) => file.startsWith('blobs/')), blobFiles);
  });

  it('`berth serve --metadata-url` with the registry\'s own database starts on D as a second node', async () => {
    const port = await freePort();
    const node = await startBerth(port, ['--listen', `127.0.0.1:${port}`, '--data', folder, '--metadata-url', postgres.berth.config.metadata.url ?? ''], GRACE);
    try {
      assert.equal((await fetch(`${node.url}/v2/shop/web/manifests/v1`)).status, 200);
    } finally {
      await node.kill();
    }
    assert.equal(existsSync(join(folder, 'berth.db')), false);
  });

  it('`berth serve` on D with a fresh SQLite database refuses, naming the storage and its id', async () => {
    const run = await runBerth(['serve', '--data', folder, '--listen', '127.0.0.1:0'], GRACE);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(
      run.stderr,
      `berth: storage filesystem:${join(folder, 'storage')} belongs to another database (storage id ${storageId}) but the database sqlite:${join(folder, 'berth.db')} is bound to none: ` +
        "give the registry's own metadata URL (BERTH_METADATA_URL, --metadata-url)\n",
    );
    assert.deepEqual((await filesUnder(join(folder, 'storage'))).filter((file) => file.startsWith('blobs/')), blobFiles);
    await rm(join(folder, 'berth.db'), { force: true });
    await rm(join(folder, 'berth.db-wal'), { force: true });
    await rm(join(folder, 'berth.db-shm'), { force: true });
  });

  it('refuses a database bound to other storage, naming both storage ids', async () => {
    const other = await startRegistry(GRACE);
    try {
      const otherId = (await readFile(join(other.dataDir, 'storage', '_berth', 'storage-id'), 'utf8')).trim();
      assert.notEqual(otherId, storageId);
      const database = join(other.dataDir, 'berth.db');
      const run = await runBerth(['gc', '--data', folder, '--metadata-url', `sqlite:${database}`], GRACE);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `berth: storage filesystem:${join(folder, 'storage')} has storage id ${storageId} but the database sqlite:${database} is bound to storage id ${otherId}: ` +
          'they belong to different registries; point storage and metadata (BERTH_METADATA_URL, --metadata-url) at the pair that belongs together\n',
      );
      assert.deepEqual((await filesUnder(join(folder, 'storage'))).filter((file) => file.startsWith('blobs/')), blobFiles);
    } finally {
      await other.stop();
    }
  });

  it('refuses unbound storage holding blob files over a database that knows no blobs (a registry from before binding)', async () => {
    const legacy = await mkdtemp(join(tmpdir(), 'berth-legacy-'));
    try {
      await cp(join(folder, 'storage', 'blobs'), join(legacy, 'storage', 'blobs'), { recursive: true });
      const run = await runBerth(['serve', '--data', legacy, '--listen', '127.0.0.1:0'], GRACE);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `berth: storage filesystem:${join(legacy, 'storage')} holds blob files but the database sqlite:${join(legacy, 'berth.db')} knows no blobs: the files belong to another database; ` +
          "give the registry's own metadata URL (BERTH_METADATA_URL, --metadata-url)\n",
      );
      assert.equal((await filesUnder(join(legacy, 'storage'))).length, blobFiles.length, 'nothing deleted, no storage id written');
    } finally {
      await rm(legacy, { recursive: true, force: true });
    }
  });

  it('an empty database over storage with old blob files: the orphan sweep refuses, dry or not, and deletes nothing', async () => {
    const empty = await startRegistry(GRACE);
    try {
      const blobs = join(empty.dataDir, 'storage', 'blobs');
      await cp(join(folder, 'storage', 'blobs'), blobs, { recursive: true });
      await age(blobs);
      for (const args of [['gc', '--dry-run'], ['gc']]) {
        const run = await runBerth([...args, '--data', empty.dataDir], GRACE);
        assert.equal(run.code, 1, run.stdout);
        assert.equal(
          run.stderr,
          'berth: refusing the orphan sweep: the database knows no blobs but storage holds 5 blob file(s) older than the grace period, which would all be deleted as orphans; ' +
            "they most likely belong to another database (give the registry's own metadata URL: --metadata-url or BERTH_METADATA_URL)\n",
        );
      }
      assert.equal((await filesUnder(blobs)).length, 5);
      const history = await runBerth(['gc', 'history', '--json', '--data', empty.dataDir], GRACE);
      assert.equal(history.code, 0, history.stderr);
      const runs = (JSON.parse(history.stdout) as { runs: { dryRun: boolean; error?: string; finishedAt?: string }[] }).runs;
      assert.deepEqual(
        runs.map((r) => [r.dryRun, r.error?.startsWith('refusing the orphan sweep'), r.finishedAt !== undefined]),
        [
          [false, true, true],
          [true, true, true],
        ],
      );
    } finally {
      await empty.stop();
    }
  });
});

describe('storage binding after a crash between its two writes', { timeout: 30_000 }, () => {
  it('completes the binding when database and storage are both still empty', async () => {
    const data = await mkdtemp(join(tmpdir(), 'berth-half-bound-'));
    try {
      await mkdir(join(data, 'storage', '_berth'), { recursive: true, mode: 0o700 });
      await writeFile(join(data, 'storage', '_berth', 'storage-id'), 'half-bound-id\n');
      const registry = await startRegistry({ ...GRACE, BERTH_STORAGE_FILESYSTEM_ROOT: join(data, 'storage') });
      try {
        assert.equal((await registry.berth.store.settings.get('storage.id'))?.value, 'half-bound-id');
      } finally {
        await registry.stop();
      }
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
