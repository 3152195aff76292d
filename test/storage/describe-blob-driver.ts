import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  InvalidPathError,
  PathNotFoundError,
  type BlobDriver,
} from '../../src/storage/blob-driver.js';

/** What a driver factory hands the suite: a driver on empty storage and a way to dispose of it. */
export interface BlobDriverFixture {
  driver: BlobDriver;
  cleanup: () => Promise<void>;
}

/** Reads a stream to the end into one buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Writes data (in chunks of chunkSize) through a new writer and commits it. */
export async function writeBlob(
  driver: BlobDriver,
  path: string,
  data: Uint8Array,
  chunkSize = 64 * 1024,
): Promise<void> {
  const writer = await driver.writer(path);
  for (let start = 0; start < data.byteLength; start += chunkSize) {
    await writer.write(data.subarray(start, start + chunkSize));
  }
  await writer.commit();
}

/** Reads the whole file at path. */
export async function readBlob(driver: BlobDriver, path: string): Promise<Buffer> {
  return readAll(await driver.reader(path));
}

const INVALID_PATHS = ['../x', '/abs', 'a//b', 'a/./b', '', 'a/..', 'a/../b', 'trailing/', 'a\\b', 'nul\0'];

/**
 * The behaviour every {@link BlobDriver} must have. Each driver's test file calls this once with
 * a factory that gives a driver on empty storage (a fresh directory, a fresh bucket or prefix).
 */
export function describeBlobDriver(name: string, factory: () => Promise<BlobDriverFixture>): void {
  describe(`BlobDriver contract: ${name}`, () => {
    let fixture: BlobDriverFixture;
    let driver: BlobDriver;
    before(async () => {
      fixture = await factory();
      driver = fixture.driver;
    });
    after(async () => {
      await fixture?.cleanup();
    });

    describe('writing and reading', () => {
      it('stat returns undefined for a path that was never written', async () => {
        assert.equal(await driver.stat('never/written'), undefined);
      });

      it('reads back committed bytes, and stat reports their size and a recent mtime', async () => {
        const startedAt = Date.now();
        await writeBlob(driver, 'rw/small', Buffer.from('hello, registry'));
        assert.deepEqual(await readBlob(driver, 'rw/small'), Buffer.from('hello, registry'));
        const info = await driver.stat('rw/small');
        assert.ok(info);
        assert.equal(info.size, 15);
        // Generous bounds: coarse filesystem timestamps and clock skew against a remote store.
        assert.ok(Math.abs(info.modifiedAt.getTime() - startedAt) < 5 * 60_000);
      });

      it('round-trips a 5 MiB payload written in 64 KiB chunks byte for byte', async () => {
        const data = randomBytes(5 * 1024 * 1024 + 123);
        const writer = await driver.writer('rw/large');
        for (let start = 0; start < data.byteLength; start += 64 * 1024) {
          await writer.write(data.subarray(start, start + 64 * 1024));
        }
        assert.equal(writer.size, data.byteLength);
        await writer.commit();
        assert.equal((await driver.stat('rw/large'))?.size, data.byteLength);
        assert.ok((await readBlob(driver, 'rw/large')).equals(data));
      });

      it('round-trips an empty file', async () => {
        await writeBlob(driver, 'rw/empty', new Uint8Array());
        assert.equal((await driver.stat('rw/empty'))?.size, 0);
        assert.equal((await readBlob(driver, 'rw/empty')).byteLength, 0);
      });

      it('a writer at offset 0 replaces an existing file', async () => {
        await writeBlob(driver, 'rw/replaced', Buffer.from('a much longer first version'));
        await writeBlob(driver, 'rw/replaced', Buffer.from('short'));
        assert.equal((await readBlob(driver, 'rw/replaced')).toString(), 'short');
      });

      it('close keeps the bytes written so far', async () => {
        const writer = await driver.writer('rw/closed');
        await writer.write(Buffer.from('partial'));
        await writer.close();
        assert.equal((await readBlob(driver, 'rw/closed')).toString(), 'partial');
      });

      it('cancel removes the file', async () => {
        const writer = await driver.writer('rw/cancelled');
        await writer.write(Buffer.from('doomed'));
        await writer.cancel();
        assert.equal(await driver.stat('rw/cancelled'), undefined);
        assert.deepEqual(await driver.list('rw/cancelled'), []);
      });

      it('concurrent writers to different paths each keep their own bytes', async () => {
        const payloads = Array.from({ length: 8 }, () => randomBytes(256 * 1024 + 7));
        await Promise.all(payloads.map((data, i) => writeBlob(driver, `concurrent/${i}/data`, data, 10_000)));
        for (const [i, data] of payloads.entries()) {
          assert.ok((await readBlob(driver, `concurrent/${i}/data`)).equals(data), `writer ${i}`);
        }
      });
    });

    describe('resuming a writer at an offset', () => {
      it('cuts a longer partial file back to the offset and writes on from there', async () => {
        await writeBlob(driver, 'resume/data', Buffer.from('0123456789-left-over-partial-chunk'));
        const writer = await driver.writer('resume/data', { offset: 10 });
        assert.equal(writer.size, 10);
        await writer.write(Buffer.from('abc'));
        assert.equal(writer.size, 13);
        await writer.commit();
        assert.equal((await readBlob(driver, 'resume/data')).toString(), '0123456789abc');
      });

      it('resumes at exactly the end of the file', async () => {
        await writeBlob(driver, 'resume/end', Buffer.from('01234'));
        const writer = await driver.writer('resume/end', { offset: 5 });
        await writer.write(Buffer.from('56789'));
        await writer.commit();
        assert.equal((await readBlob(driver, 'resume/end')).toString(), '0123456789');
      });

      it('refuses an offset past the end of the file and leaves the file as it was', async () => {
        await writeBlob(driver, 'resume/short', Buffer.from('01234'));
        await assert.rejects(driver.writer('resume/short', { offset: 6 }), Error);
        assert.equal((await readBlob(driver, 'resume/short')).toString(), '01234');
      });

      it('refuses a positive offset on a missing file', async () => {
        await assert.rejects(driver.writer('resume/missing', { offset: 3 }), Error);
        assert.equal(await driver.stat('resume/missing'), undefined);
      });
    });

    describe('reading ranges', () => {
      const content = Buffer.from('0123456789abcdefghij');
      before(async () => {
        await writeBlob(driver, 'range/data', content);
      });

      it('reads from an offset to the end', async () => {
        assert.equal((await readAll(await driver.reader('range/data', { offset: 10 }))).toString(), 'abcdefghij');
      });

      it('reads length bytes from an offset', async () => {
        const bytes = await readAll(await driver.reader('range/data', { offset: 3, length: 4 }));
        assert.equal(bytes.toString(), '3456');
      });

      it('reads length bytes from the start', async () => {
        assert.equal((await readAll(await driver.reader('range/data', { length: 2 }))).toString(), '01');
      });

      it('stops at the end when length reaches past it', async () => {
        const bytes = await readAll(await driver.reader('range/data', { offset: 15, length: 100 }));
        assert.equal(bytes.toString(), 'fghij');
      });

      it('yields no bytes for length 0 or an offset at the end', async () => {
        assert.equal((await readAll(await driver.reader('range/data', { offset: 4, length: 0 }))).byteLength, 0);
        assert.equal((await readAll(await driver.reader('range/data', { offset: 20 }))).byteLength, 0);
      });

      it('destroys the stream with an AbortError when the signal aborts', async () => {
        await writeBlob(driver, 'range/large', randomBytes(4 * 1024 * 1024));
        const controller = new AbortController();
        const stream = await driver.reader('range/large', { signal: controller.signal });
        await assert.rejects(
          (async () => {
            for await (const chunk of stream) {
              assert.ok(chunk);
              controller.abort();
            }
          })(),
          { name: 'AbortError' },
        );
      });

      it('throws PathNotFoundError when the path is missing', async () => {
        await assert.rejects(driver.reader('range/missing'), PathNotFoundError);
      });
    });

    describe('move', () => {
      it('moves a file, creating the target parents and removing the source', async () => {
        await writeBlob(driver, 'move/a/upload', Buffer.from('moved bytes'));
        await driver.move('move/a/upload', 'move/b/c/d/blob');
        assert.equal((await readBlob(driver, 'move/b/c/d/blob')).toString(), 'moved bytes');
        assert.equal(await driver.stat('move/a/upload'), undefined);
      });

      it('replaces an existing target with the whole new content', async () => {
        const oldData = randomBytes(1024 * 1024);
        const newData = randomBytes(2 * 1024 * 1024 + 5);
        await writeBlob(driver, 'move/target', oldData);
        await writeBlob(driver, 'move/source', newData);
        await driver.move('move/source', 'move/target');
        assert.ok((await readBlob(driver, 'move/target')).equals(newData));
        assert.equal((await driver.stat('move/target'))?.size, newData.byteLength);
        assert.equal(await driver.stat('move/source'), undefined);
      });

      it('readers racing a move see the old or the whole new content, never a mix', async () => {
        const oldData = Buffer.alloc(512 * 1024, 'o');
        const newData = Buffer.alloc(768 * 1024, 'n');
        await writeBlob(driver, 'move/raced', oldData);
        await writeBlob(driver, 'move/racer', newData);
        const reads = Array.from({ length: 6 }, () => readBlob(driver, 'move/raced'));
        await driver.move('move/racer', 'move/raced');
        for (const bytes of await Promise.all(reads)) {
          assert.ok(bytes.equals(oldData) || bytes.equals(newData), `read ${bytes.byteLength} mixed bytes`);
        }
      });

      it('throws PathNotFoundError when the source is missing and leaves the target alone', async () => {
        await writeBlob(driver, 'move/kept', Buffer.from('kept'));
        await assert.rejects(driver.move('move/missing', 'move/kept'), PathNotFoundError);
        assert.equal((await readBlob(driver, 'move/kept')).toString(), 'kept');
      });
    });

    describe('list', () => {
      before(async () => {
        for (const path of ['list/a/1', 'list/a/b/2', 'list/a/b/c/3', 'list/ab/4', 'list/z']) {
          await writeBlob(driver, path, Buffer.from(path));
        }
      });

      it('returns every file under a prefix, nested, as full paths', async () => {
        assert.deepEqual((await driver.list('list/a')).sort(), ['list/a/1', 'list/a/b/2', 'list/a/b/c/3']);
        assert.deepEqual((await driver.list('list')).sort(), [
          'list/a/1',
          'list/a/b/2',
          'list/a/b/c/3',
          'list/ab/4',
          'list/z',
        ]);
      });

      it('matches whole path segments: "list/a" does not include "list/ab/4"', async () => {
        assert.ok(!(await driver.list('list/a')).includes('list/ab/4'));
      });

      it('returns [] for a missing prefix', async () => {
        assert.deepEqual(await driver.list('list/missing'), []);
        assert.deepEqual(await driver.list('no-such-top-level'), []);
      });
    });

    describe('delete', () => {
      it('deletes a file', async () => {
        await writeBlob(driver, 'delete/file/data', Buffer.from('x'));
        await driver.delete('delete/file/data');
        assert.equal(await driver.stat('delete/file/data'), undefined);
      });

      it('deletes everything under a prefix and nothing beside it', async () => {
        for (const path of ['delete/prefix/1', 'delete/prefix/deep/2', 'delete/prefixed/3']) {
          await writeBlob(driver, path, Buffer.from(path));
        }
        await driver.delete('delete/prefix');
        assert.deepEqual(await driver.list('delete/prefix'), []);
        assert.equal(await driver.stat('delete/prefix/1'), undefined);
        assert.equal((await readBlob(driver, 'delete/prefixed/3')).toString(), 'delete/prefixed/3');
      });

      it('succeeds for a missing path', async () => {
        await driver.delete('delete/never/existed');
      });
    });

    describe('path validation', () => {
      for (const path of INVALID_PATHS) {
        it(`rejects ${JSON.stringify(path)} with InvalidPathError on every method`, async () => {
          await writeBlob(driver, 'valid/source', Buffer.from('still here'));
          await assert.rejects(driver.stat(path), InvalidPathError);
          await assert.rejects(driver.reader(path), InvalidPathError);
          await assert.rejects(driver.writer(path), InvalidPathError);
          await assert.rejects(driver.writer(path, { offset: 1 }), InvalidPathError);
          await assert.rejects(driver.list(path), InvalidPathError);
          await assert.rejects(driver.move(path, 'valid/target'), InvalidPathError);
          await assert.rejects(driver.move('valid/source', path), InvalidPathError);
          await assert.rejects(driver.delete(path), InvalidPathError);
          if (driver.urlFor) await assert.rejects(driver.urlFor(path, 60), InvalidPathError);
          // Rejected before anything changed.
          assert.equal((await readBlob(driver, 'valid/source')).toString(), 'still here');
          assert.equal(await driver.stat('valid/target'), undefined);
        });
      }
    });
  });
}
