/**
 * Unfinished uploads hold disk, so they count against their namespace's quota, on SQLite and
 * PostgreSQL: twenty sessions can't park 5 MiB each in a 1 MiB namespace; a chunk or a whole
 * blob whose Content-Length exceeds the room is refused before its bytes are kept (offset and
 * file unchanged); a stream without Content-Length is cut off once it passes the room.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uploadDataPath } from '../../src/storage/paths.js';
import { randomBlob, type Content } from '../support/fixtures.js';
import { postgresTestUrl } from '../support/postgres.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertWordedError, streamedInit } from '../support/spec-http.js';
import { createNamespaceWithQuota } from './support.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const backends: [string, () => Record<string, string>][] = [
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ BERTH_METADATA_URL: postgresTestUrl() })],
];

for (const [backend, settings] of backends) {
  describe(`unfinished uploads and quotas on ${backend}`, () => {
    let registry: TestRegistry;
    before(async () => (registry = await startRegistry(settings())));
    after(async () => registry.stop());

    const withQuota = (namespace: string, quotaBytes: number): Promise<void> => createNamespaceWithQuota(registry, namespace, quotaBytes);

    async function open(name: string): Promise<URL> {
      const response = await fetch(`${registry.url}/v2/${name}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
      assert.equal(response.status, 202, await response.text());
      return new URL(response.headers.get('location') ?? '', registry.url);
    }

    function patch(location: URL, bytes: Uint8Array): Promise<Response> {
      return fetch(location, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) }, body: new Uint8Array(bytes) });
    }

    /** The session's recorded offset and the size of its file in storage. */
    async function kept(location: URL): Promise<{ offset: number | undefined; fileBytes: number | undefined }> {
      const id = location.pathname.split('/').pop() ?? '';
      const upload = await registry.berth.store.uploads.get(id);
      const file = await registry.berth.driver.stat(uploadDataPath(id));
      return { offset: upload?.offset, fileBytes: file?.size };
    }

    const refusal = (namespace: string, quota: string, uses: string, needs: string): string => `namespace ${namespace} is over its storage quota of ${quota}: it uses ${uses} and this ${needs}`;

    it('twenty sessions of 5 MiB into a 1 MiB quota: every chunk past the room is refused, and new sessions once it is used', async () => {
      await withQuota('flood', MiB);
      const sessions: URL[] = [];
      for (let i = 0; i < 20; i++) sessions.push(await open(`flood/app${i % 4}`));
      const big = new Uint8Array(5 * MiB);
      for (const session of sessions) {
        await assertWordedError(await patch(session, big), 403, 'DENIED', refusal('flood', '1.0 MiB', '0 B', 'chunk needs 5.0 MiB'));
        assert.deepEqual(await kept(session), { offset: 0, fileBytes: 0 }, 'nothing of the refused chunk is kept');
      }
      // The room is used up by unfinished uploads: 3 × 300 KiB pass, the fourth doesn't fit.
      const piece = new Uint8Array(300 * KiB);
      for (const session of sessions.slice(0, 3)) assert.equal((await patch(session, piece)).status, 202);
      await assertWordedError(await patch(sessions[3] as URL, piece), 403, 'DENIED', refusal('flood', '1.0 MiB', '900.0 KiB (900.0 KiB of it in unfinished uploads)', 'chunk needs 300.0 KiB'));
      assert.deepEqual(await kept(sessions[3] as URL), { offset: 0, fileBytes: 0 });
      assert.equal((await patch(sessions[3] as URL, new Uint8Array(124 * KiB))).status, 202, 'what is left still fits');
      assert.equal(await registry.berth.store.usage.uploadUsage({ prefix: 'flood/' }), MiB);
      const full = await fetch(`${registry.url}/v2/flood/app0/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
      await assertWordedError(full, 403, 'DENIED', 'namespace flood is at its storage quota of 1.0 MiB: it uses 1.0 MiB (1.0 MiB of it in unfinished uploads)');
      // Cancelling a session gives its bytes back.
      assert.equal((await fetch(sessions[0] as URL, { method: 'DELETE' })).status, 204);
      assert.equal((await patch(await open('flood/app0'), piece)).status, 202);
    });

    it('refuses a monolithic POST whose Content-Length exceeds the room, keeping no session', async () => {
      await withQuota('mono', 1000);
      const blob = randomBlob(2000);
      const response = await fetch(`${registry.url}/v2/mono/app/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '2000' }, body: new Uint8Array(blob.bytes) });
      await assertWordedError(response, 403, 'DENIED', refusal('mono', '1000 B', '0 B', 'blob needs 2.0 KiB'));
      assert.equal(await registry.berth.store.usage.uploadUsage({ prefix: 'mono/' }), 0);
      assert.equal(await registry.berth.store.blobs.statAny(blob.digest), undefined);
    });

    it('refuses a closing PUT carrying the whole blob past the room, leaving the session at its offset', async () => {
      await withQuota('put', 1000);
      const blob: Content = randomBlob(2000);
      const session = await open('put/app');
      const closing = new URL(session);
      closing.searchParams.set('digest', blob.digest);
      const response = await fetch(closing, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '2000' }, body: new Uint8Array(blob.bytes) });
      await assertWordedError(response, 403, 'DENIED', refusal('put', '1000 B', '0 B', 'blob needs 2.0 KiB'));
      assert.deepEqual(await kept(session), { offset: 0, fileBytes: 0 });
    });

    it('cuts off a streamed PATCH without Content-Length once it passes the room, keeping none of it', async () => {
      await withQuota('stream', MiB);
      const session = await open('stream/app');
      const piece = new Uint8Array(64 * KiB);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          // 4 MiB offered; the server stops reading after the first MiB and a piece.
          if (sent >= 4 * MiB) return controller.close();
          sent += piece.length;
          controller.enqueue(piece);
        },
      });
      const response = await fetch(session, streamedInit('PATCH', body, { 'Content-Type': 'application/octet-stream' }));
      await assertWordedError(response, 403, 'DENIED', refusal('stream', '1.0 MiB', '0 B', 'chunk needs more than 1.0 MiB'));
      const after = await kept(session);
      assert.equal(after.offset, 0, 'nothing of the cut stream is recorded');
      assert.ok((after.fileBytes ?? 0) <= MiB, `at most the room reached the file: ${after.fileBytes}`);
      // The next chunk starts at the recorded offset and cuts the unrecorded bytes off.
      assert.equal((await patch(session, new Uint8Array(100))).status, 202);
      assert.deepEqual(await kept(session), { offset: 100, fileBytes: 100 });
    });
  });
}
