/**
 * Replays the first half of the rewritten OCI conformance suite (run.go TestAll, api.go; the
 * one configured by OCI_VERSION / config.go) against Berth with OCI_VERSION=1.1 defaults:
 * ping, the empty-repository listings, then TestBlobAPIs for sha256 and sha512 — every blob
 * push API (post only, post+put, chunked single/multi/out-of-order with and without a final PUT
 * chunk, stream, mount, anonymous mount, mount of a missing blob), range requests, the empty
 * and `{}` blobs, and pushes with a wrong digest. Where the suite would only record "unsupported"
 * (a Skip, which passes the run) the reason is noted and checked separately at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { expectStatus, expectThat, type Reply } from '../support/conformance-client.js';
import { CHUNK_MIN, V2Api, collect } from '../support/conformance-v2-api.js';
import { digestOf, randText, TestData, type Algo } from '../support/conformance-v2-data.js';

const REPO = 'conformance/repo1';
const REPO2 = 'conformance/repo2';
const EMPTY_SHA256 = digestOf(Buffer.alloc(0));

describe('rewritten suite (OCI_VERSION=1.1): ping, empty repository, blob APIs', () => {
  let registry: TestRegistry;
  let api: V2Api;
  before(async () => {
    registry = await startRegistry();
    api = new V2Api(registry.url);
  });
  after(async () => {
    api.client.close();
    await registry.stop();
  });

  it('run.go TestPing: GET /v2/ (the suite checks no status; the spec wants 200)', async () => {
    const reply = await api.client.send('GET', '/v2/');
    expectStatus(reply, 200);
  });

  it('run.go TestEmpty › tag list: 200 with a JSON tag list, or 404, on a repository never pushed to', async () => {
    await api.tagList(REPO);
  });

  it('run.go TestEmpty › referrers: 200 and an empty OCI index for a random subject in a repository never pushed to', async () => {
    await api.referrers(REPO, digestOf(Buffer.from(randText())));
  });

  for (const algo of ['sha256', 'sha512'] as Algo[]) blobAPIs(algo);

  it('(beyond the suite) no "unsupported" fallback was taken (those are Skips, not failures)', () => assert.deepEqual(api.unsupported, []));

  function blobAPIs(algo: Algo): void {
    describe(`run.go TestBlobAPIs ${algo} blobs`, () => {
      const td = new TestData(`blobs-${algo}`);
      const names = ['post only', 'post+put', 'chunked single', 'stream', 'mount', 'mount anonymous', 'mount missing', 'post cancel'];
      const digests = new Map<string, string>();
      for (const name of names) digests.set(name, td.genBlob({ blobSize: 512, algo }).dig);
      let minChunkSize = CHUNK_MIN;
      const bytes = (dig: string): Buffer => td.blobs.get(dig) as Buffer;
      const headAndGet = async (repo: string, dig: string): Promise<void> => {
        await api.blobHeadExists(repo, dig, bytes(dig), dig === EMPTY_SHA256);
        await api.blobGetExists(repo, dig, bytes(dig), dig === EMPTY_SHA256);
      };
      const big = (): string => td.genBlob({ blobSize: minChunkSize * 3 - 5, algo }).dig;

      it('get-missing: GET of a blob never pushed answers 404', async () => {
        expectStatus(await api.client.send('GET', `/v2/${REPO}/blobs/${digests.get('post cancel')}`), 404);
      });

      const pushTests: [string, () => Promise<string>][] = [
        ['post only', async () => (await api.blobPostOnly(REPO, digests.get('post only') as string, bytes(digests.get('post only') as string)), digests.get('post only') as string)],
        ['post+put', async () => (await api.blobPostPut(REPO, digests.get('post+put') as string, bytes(digests.get('post+put') as string)), digests.get('post+put') as string)],
        [
          'chunked single',
          async () => {
            const dig = digests.get('chunked single') as string;
            let min = '';
            await api.blobPatchChunked(REPO, dig, bytes(dig), { minHeader: (value) => (min = value) });
            const parsed = Number.parseInt(min, 10);
            if (Number.isInteger(parsed) && parsed > minChunkSize) minChunkSize = parsed;
            return dig;
          },
        ],
        ['stream', async () => (await api.blobPatchStream(REPO, digests.get('stream') as string, bytes(digests.get('stream') as string)), digests.get('stream') as string)],
        [
          'mount',
          async () => {
            const dig = digests.get('mount') as string;
            await api.blobPostPut(REPO2, dig, bytes(dig));
            if ((await api.blobMount(REPO, REPO2, dig, bytes(dig))) === 202) api.unsupported.push(`mount from ${REPO2} answered 202, fell back to POST+PUT`);
            return dig;
          },
        ],
        [
          'mount anonymous',
          async () => {
            const dig = digests.get('mount anonymous') as string;
            await api.blobPostPut(REPO2, dig, bytes(dig));
            if ((await api.blobMount(REPO, '', dig, bytes(dig))) === 202) api.unsupported.push('anonymous mount answered 202, fell back to POST+PUT');
            return dig;
          },
        ],
        [
          'mount missing',
          async () => {
            const dig = digests.get('mount missing') as string;
            const status = await api.blobMount(REPO, REPO2, dig, bytes(dig));
            assert.equal(status, 202, `blob mount of missing blob ${dig} incorrectly succeeded (POST ?mount=&from=${REPO2} answered ${status}, expected 202)`);
            return dig;
          },
        ],
        ['chunked multi', async () => ((d) => api.blobPatchChunked(REPO, d, bytes(d)).then(() => d))(big())],
        ['chunked multi and put chunk', async () => ((d) => api.blobPatchChunked(REPO, d, bytes(d), { putLastChunk: true }).then(() => d))(big())],
        ['chunked out-of-order', async () => ((d) => api.blobPatchChunked(REPO, d, bytes(d), { outOfOrder: true }).then(() => d))(big())],
        ['chunked out-of-order and put chunk', async () => ((d) => api.blobPatchChunked(REPO, d, bytes(d), { outOfOrder: true, putLastChunk: true }).then(() => d))(big())],
      ];
      for (const [name, push] of pushTests) {
        it(`${name}: push, then HEAD and GET the blob, then delete it`, async () => {
          let dig = '';
          await collect([
            async () => {
              dig = await push();
            },
            async () => {
              if (dig !== '') await headAndGet(REPO, dig);
            },
            async () => {
              if (dig !== '') await api.blobDelete(REPO, dig);
            },
            async () => {
              if (dig !== '' && name.startsWith('mount') && name !== 'mount missing') await api.blobDelete(REPO2, dig);
            },
          ]);
        });
      }

      it('post cancel (enabled only with OCI_VERSION=1.1+dev; disabled at 1.1): POST 202, DELETE <location> 204', async () => {
        const post = await api.client.send('POST', `/v2/${REPO}/blobs/uploads/`);
        expectStatus(post, 202);
        expectStatus(await api.client.send('DELETE', post.resolvedLocation()), 204);
        await api.blobDelete(REPO, digests.get('post cancel') as string);
      });

      it('range requests on a 2048-byte blob: 206 with Content-Range and Content-Length, or 416', async () => {
        const { dig, bytes: body } = td.genBlob({ blobSize: 2048, algo });
        await api.blobPostPut(REPO, dig, body);
        const full = (reply: Reply): boolean => reply.status === 200 && reply.header('Content-Length') === '2048' && reply.body.equals(body);
        const cases: [string, number, number | undefined][] = [
          ['bytes=500-1499', 500, 1499],
          ['bytes=500-', 500, 2047],
          ['bytes=-500', 1548, 2047],
          ['bytes=2000-5000', 2000, 2047],
          ['bytes=500-0', -1, undefined],
          ['bytes=5000-10000', -1, undefined],
        ];
        await collect([
          ...cases.map(([range, start, end]) => async () => {
            const reply = await api.client.send('GET', `/v2/${REPO}/blobs/${dig}`, { headers: { Range: range } });
            if (full(reply)) {
              api.unsupported.push(`range ${range}: full blob returned (range requests unsupported)`);
              return;
            }
            if (end === undefined) return expectStatus(reply, 416);
            expectStatus(reply, 206);
            const slice = body.subarray(start, end + 1);
            expectThat(reply.body.equals(slice), reply, `bytes ${start}-${end} of the blob`);
            expectThat(reply.header('Content-Length') === String(slice.length), reply, `Content-Length ${slice.length}`);
            const cr = reply.header('Content-Range');
            expectThat(cr === `bytes ${start}-${end}/2048` || cr === `bytes ${start}-${end}/*`, reply, `Content-Range bytes ${start}-${end}/2048 (or /*)`);
          }),
          async () => api.blobDelete(REPO, dig),
        ]);
      });

      for (const [name, value] of [
        ['empty', Buffer.alloc(0)],
        ['emptyJSON', Buffer.from('{}')],
      ] as const) {
        it(`${name} blob: push (POST+PUT), HEAD, GET, delete`, async () => {
          const dig = digestOf(value, algo);
          td.blobs.set(dig, value);
          await collect([async () => api.blobPostPut(REPO, dig, value), async () => headAndGet(REPO, dig), async () => api.blobDelete(REPO, dig)]);
        });
      }

      const badTests: [string, (dig: string, body: Buffer) => Promise<void>][] = [
        ['bad digest post only', (d, b) => api.blobPostOnly(REPO, d, b, { badDigest: true })],
        ['bad digest post+put', (d, b) => api.blobPostPut(REPO, d, b, { badDigest: true })],
        ['bad digest chunked', (d, b) => api.blobPatchChunked(REPO, d, b, { badDigest: true })],
        ['bad digest chunked and put chunk (the suite sends it like "bad digest chunked")', (d, b) => api.blobPatchChunked(REPO, d, b, { badDigest: true })],
        ['bad digest stream', (d, b) => api.blobPatchStream(REPO, d, b, { badDigest: true })],
      ];
      for (const [name, push] of badTests) {
        it(`${name}: the bytes do not match ?digest=, the closing request answers 400`, async () => {
          const dig = big();
          await push(dig, Buffer.concat([bytes(dig), Buffer.from('oh no')]));
        });
      }
    });
  }
});
