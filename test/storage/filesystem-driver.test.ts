import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidPathError, PathNotFoundError, type BlobDriver } from '../../src/storage/blob-driver.js';
import { FilesystemDriver } from '../../src/storage/filesystem/filesystem-driver.js';
import { describeBlobDriver, readAll, readBlob, writeBlob } from './describe-blob-driver.js';

// The root is a not-yet-existing child of a fresh temp dir: the driver must create it on demand,
// and anything that escaped the root would show up beside it.
async function freshDriver(): Promise<{ driver: FilesystemDriver; dir: string; root: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-fs-driver-'));
  const root = join(dir, 'root');
  return { driver: new FilesystemDriver(root), dir, root };
}

describeBlobDriver('filesystem', async () => {
  const { driver, dir } = await freshDriver();
  return { driver, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FilesystemDriver', () => {
  let driver: FilesystemDriver;
  let dir: string;
  let root: string;
  before(async () => {
    ({ driver, dir, root } = await freshDriver());
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has no urlFor, because a filesystem cannot presign', () => {
    const asBlobDriver: BlobDriver = driver;
    assert.equal(asBlobDriver.urlFor, undefined);
  });

  it('keeps odd but valid names ("...", "..a", "%2e%2e") as files inside root', async () => {
    for (const path of ['...', '..a', '%2e%2e/%2e%2e/x', 'a/.../b', '.hidden']) {
      await writeBlob(driver, path, Buffer.from(path));
      assert.equal(await readFile(join(root, ...path.split('/')), 'utf8'), path);
    }
    assert.deepEqual(await readdir(dir), ['root']);
  });

  it('rejects dot-dot and separator tricks before touching the disk', async () => {
    for (const path of ['..', '../root-sibling', 'a/../../escaped', '..\\escaped', 'a\\..\\..\\escaped', './x']) {
      await assert.rejects(driver.writer(path), InvalidPathError);
      await assert.rejects(driver.delete(path), InvalidPathError);
    }
    assert.deepEqual(await readdir(dir), ['root']);
  });

  it('treats a directory as no file: stat is undefined, reader and move throw PathNotFoundError', async () => {
    await writeBlob(driver, 'dirs/inner/data', Buffer.from('x'));
    assert.equal(await driver.stat('dirs/inner'), undefined);
    await assert.rejects(driver.reader('dirs/inner'), PathNotFoundError);
    await assert.rejects(driver.move('dirs/inner', 'dirs/elsewhere'), PathNotFoundError);
  });

  it('prunes the now-empty parent directories of a deleted file, keeping root', async () => {
    await writeBlob(driver, 'prune/sha256/ab/abcdef/data', Buffer.from('x'));
    await driver.delete('prune/sha256/ab/abcdef/data');
    await assert.rejects(stat(join(root, 'prune')), { code: 'ENOENT' });
    assert.ok((await stat(root)).isDirectory());
  });

  it('stops pruning at a directory that still holds files', async () => {
    await writeBlob(driver, 'prune2/sha256/ab/one/data', Buffer.from('1'));
    await writeBlob(driver, 'prune2/sha256/ab/two/data', Buffer.from('2'));
    await driver.delete('prune2/sha256/ab/one');
    await assert.rejects(stat(join(root, 'prune2/sha256/ab/one')), { code: 'ENOENT' });
    assert.deepEqual(await driver.list('prune2'), ['prune2/sha256/ab/two/data']);
  });

  it('a reader opened before a move keeps reading the old bytes (POSIX rename)', async () => {
    const oldData = Buffer.alloc(1024 * 1024, 'o');
    await writeBlob(driver, 'posix/target', oldData);
    await writeBlob(driver, 'posix/source', Buffer.from('new'));
    const reader = await driver.reader('posix/target');
    await driver.move('posix/source', 'posix/target');
    assert.ok((await readAll(reader)).equals(oldData));
    assert.equal((await readBlob(driver, 'posix/target')).toString(), 'new');
  });

  it('writes and moves into a directory that a concurrent delete is pruning', async () => {
    // delete('race/N/gone') prunes race/N and race/ while the writer/move is creating race/N+.
    for (let i = 0; i < 100; i++) {
      await writeBlob(driver, `race/${i}/gone`, Buffer.from('x'));
      await writeBlob(driver, `race-src/${i}`, Buffer.from('moved'));
      await Promise.all([
        driver.delete(`race/${i}/gone`),
        writeBlob(driver, `race/${i}/written`, Buffer.from('written')),
        driver.move(`race-src/${i}`, `race/${i}/moved`),
      ]);
      assert.equal((await readBlob(driver, `race/${i}/written`)).toString(), 'written');
      assert.equal((await readBlob(driver, `race/${i}/moved`)).toString(), 'moved');
    }
  });

  it('keeps writes issued without awaiting in order', async () => {
    const writer = await driver.writer('ordered/data');
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.from(`${i},`));
    await Promise.all(chunks.map((chunk) => writer.write(chunk)));
    await writer.commit();
    assert.equal((await readBlob(driver, 'ordered/data')).toString(), Buffer.concat(chunks).toString());
  });

  it('refuses writes after commit', async () => {
    const writer = await driver.writer('closed/data');
    await writer.commit();
    await assert.rejects(writer.write(Buffer.from('late')), /closed/);
  });
});
