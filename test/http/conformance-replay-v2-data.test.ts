/**
 * Replays the second half of the rewritten OCI conformance suite (run.go TestAll) against
 * Berth with OCI_VERSION=1.1 defaults: for each data set GenerateData builds (image,
 * uncompressed image, a ~3.9 MB manifest, index, nested index, empty index, artifacts, artifact
 * index, referrers with and without a pushed subject, descriptor `data`, non-distributable
 * layers, unknown fields, no layers, sha512, a manifest whose bytes do not match its digest) it
 * pushes, lists tags, HEADs, pulls, queries referrers and deletes, as TestPush, TestList,
 * TestHead, TestPull, TestReferrers and TestDelete do; then TestManifestErrors.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { expectThat } from '../support/conformance-client.js';
import { V2Api, collect, type ReferrerEntry } from '../support/conformance-v2-api.js';
import { digestOf, generateDataSets, randText, TestData, type Descriptor } from '../support/conformance-v2-data.js';

const REPO = 'conformance/repo1';
const EMPTY_SHA256 = digestOf(Buffer.alloc(0));

/** Go's sort.Strings order (byte order). */
function goSort(list: string[]): string[] {
  return [...list].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function matches(entry: ReferrerEntry, goal: Descriptor): boolean {
  if (entry.digest !== goal.digest || entry.mediaType !== goal.mediaType || entry.size !== goal.size || (entry.artifactType ?? '') !== (goal.artifactType ?? '')) return false;
  return Object.entries(goal.annotations ?? {}).every(([key, value]) => entry.annotations?.[key] === value);
}

describe('rewritten suite (OCI_VERSION=1.1): data sets', () => {
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

  for (const td of generateDataSets()) {
    describe(`data set "${td.name}"`, () => {
      it('push: blobs (POST+PUT), manifests by digest in order, then tags (201, Location, OCI-Subject, GET Location)', async () => {
        await collect([
          ...[...td.blobs].map(([dig, bytes]) => async () => api.blobPostPut(REPO, dig, bytes)),
          ...td.manOrder.map((dig) => async () => api.manifestPut(REPO, dig, dig, td.manifests.get(dig) as Buffer, { badDigest: td.badDigest.has(dig) })),
          ...[...td.tags].map(([tag, dig]) => async () => {
            await api.manifestPut(REPO, tag, dig, td.manifests.get(dig) as Buffer, { badDigest: td.badDigest.has(dig) });
            td.tagPushed.add(tag);
          }),
        ]);
      });

      it('tag-list: every tag listed; with last=<middle tag>, only later tags', async () => {
        const { reply, tags } = await api.tagList(REPO);
        for (const tag of td.tags.keys()) expectThat(tags.includes(tag), reply, `tag ${tag} in the listing`);
        if (tags.length >= 2) {
          const sorted = goSort(tags);
          const end = Math.floor(sorted.length / 2);
          const last = sorted[end - 1] as string;
          const partial = await api.tagList(REPO, last);
          for (const tag of sorted.slice(0, end)) expectThat(!partial.tags.includes(tag), partial.reply, `tag ${tag} left out when last=${last}`);
          for (const tag of sorted.slice(end)) expectThat(partial.tags.includes(tag), partial.reply, `tag ${tag} listed when last=${last}`);
        }
      });

      it('head: manifests by tag and by digest, then blobs (200, empty body, Content-Type, Content-Length)', async () => {
        await collect([
          ...[...td.tags].filter(([, dig]) => !td.skipPull.has(dig)).map(([tag, dig]) => async () => api.manifestHeadExists(REPO, tag, dig, td.manifests.get(dig))),
          ...td.manOrder.filter((dig) => !td.skipPull.has(dig)).map((dig) => async () => api.manifestHeadExists(REPO, dig, dig, td.manifests.get(dig))),
          ...[...td.blobs].map(([dig, bytes]) => async () => api.blobHeadExists(REPO, dig, bytes, dig === EMPTY_SHA256)),
        ]);
      });

      it('pull: manifests by tag and by digest, then blobs (200, exact bytes, Content-Type, Content-Length)', async () => {
        await collect([
          ...[...td.tags].filter(([, dig]) => !td.skipPull.has(dig)).map(([tag, dig]) => async () => api.manifestGetExists(REPO, tag, dig, td.manifests.get(dig))),
          ...td.manOrder.filter((dig) => !td.skipPull.has(dig)).map((dig) => async () => api.manifestGetExists(REPO, dig, dig, td.manifests.get(dig))),
          ...[...td.blobs].map(([dig, bytes]) => async () => api.blobGetExists(REPO, dig, bytes, dig === EMPTY_SHA256)),
        ]);
      });

      if (td.referrers.size > 0) {
        it('referrers: each referrer listed with its media type, size, artifactType and annotations; artifactType filter applied', async () => {
          const checks: (() => Promise<void>)[] = [];
          for (const [subject, goals] of td.referrers) {
            checks.push(async () => {
              const { reply, manifests } = await api.referrers(REPO, subject);
              for (const goal of goals) expectThat(manifests.some((m) => matches(m, goal)), reply, `referrer ${goal.digest} (${goal.mediaType}, ${goal.size} bytes, artifactType ${goal.artifactType ?? ''}) listed for ${subject}`);
            });
            for (const type of new Set(goals.map((g) => g.artifactType ?? ''))) {
              checks.push(async () => {
                const { reply, manifests } = await api.referrers(REPO, subject, type);
                const applied = reply.header('OCI-Filters-Applied').split(',').some((f) => f.trim() === 'artifactType');
                if (!applied) api.unsupported.push(`referrers of ${subject}: no OCI-Filters-Applied: artifactType`);
                for (const goal of goals) {
                  if (applied && (goal.artifactType ?? '') !== type) continue;
                  expectThat(manifests.some((m) => matches(m, goal)), reply, `referrer ${goal.digest} listed for artifactType=${type}`);
                }
                if (applied) for (const m of manifests) expectThat((m.artifactType ?? '') === type, reply, `only artifactType ${type} entries (got ${m.artifactType ?? ''} for ${m.digest})`);
              });
            }
          }
          await collect(checks);
        });
      }

      it('delete: tags (then HEAD 404), manifests newest first (then HEAD 404), blobs (then HEAD 404)', async () => {
        await collect([
          ...[...td.tags.keys()].filter((tag) => td.tagPushed.has(tag)).map((tag) => async () => api.manifestDelete(REPO, tag)),
          ...[...td.manOrder].reverse().map((dig) => async () => api.manifestDelete(REPO, dig)),
          ...[...td.blobs.keys()].map((dig) => async () => api.blobDelete(REPO, dig)),
        ]);
      });
    });
  }

  describe('run.go TestManifestErrors', () => {
    it('missing-manifest by-digest: GET of a random digest answers 404', async () => {
      await api.manifestGetStatus(REPO, digestOf(randomBytes(1024)), 404);
    });
    it('missing-manifest by-tag: GET of an unknown tag answers 404', async () => {
      await api.manifestGetStatus(REPO, `missing-${randText().toLowerCase().slice(0, 20)}`, 404);
    });
    it('invalid-digest-format: PUT to sha256:baddigeststring answers 400; GET of it 404 or 400; cleanup', async () => {
      const td = new TestData('invalid-manifest-digest');
      const dig = td.genManifestFull({ layerCount: 1 });
      await collect([
        ...[...td.blobs].map(([blobDig, bytes]) => async () => api.blobPostPut(REPO, blobDig, bytes)),
        async () => api.manifestPut(REPO, 'sha256:baddigeststring', dig, td.manifests.get(dig) as Buffer, { badDigest: true }),
        async () => api.manifestGetStatus(REPO, 'sha256:baddigeststring', 404, 400),
        async () => api.manifestDelete(REPO, dig),
        ...[...td.blobs.keys()].map((blobDig) => async () => api.blobDelete(REPO, blobDig)),
      ]);
    });
  });

  it('(beyond the suite) no "unsupported" fallback was taken (those are Skips, not failures)', () => assert.deepEqual(api.unsupported, []));
});
