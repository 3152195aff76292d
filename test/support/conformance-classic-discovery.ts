/**
 * 03_discovery_test.go and 04_management_test.go of the classic conformance suite, as replay
 * specs. Expectations are the suite's own, restated here.
 */
import assert from 'node:assert/strict';
import type { Reply } from './conformance-client.js';
import { expectHeader, expectStatus, expectThat } from './conformance-client.js';
import type { Blob } from './conformance-classic-data.js';
import { runOnlyIf, warn, type ClassicRun } from './conformance-classic.js';
import { expectDelete, postPutBlob, putManifest, request } from './conformance-classic-pull-push.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';

/** setup.go: getTagList — the tags of a tag-list body, [] when it does not parse. */
function tagsOf(reply: Reply): string[] {
  try {
    const parsed = reply.json<{ tags?: string[] | null }>();
    return parsed.tags ?? [];
  } catch {
    return [];
  }
}

interface Referrer {
  digest: string;
  annotations?: Record<string, string>;
}

function referrersOf(reply: Reply): Referrer[] {
  const parsed = reply.json<{ manifests?: Referrer[] | null }>();
  return parsed.manifests ?? [];
}

export function registerDiscovery(run: ClassicRun): void {
  const F = '03_discovery_test.go';
  const { data } = run;
  let numTags = 4;
  let tagList: string[] = [];
  const c2 = data.configs[2] as Blob;
  const m2 = data.manifests[2] as Blob;
  const m3 = data.manifests[3] as Blob;
  const m4 = data.manifests[4] as Blob;
  const c4 = data.configs[4] as Blob;

  const setup = (title: string, fn: () => Promise<void>): void =>
    run.spec(F, 'Setup', title, 'discovery', async () => {
      runOnlyIf(run.runContentDiscoverySetup);
      await fn();
    });
  setup('Populate registry with test blob', async () => expectStatus(await postPutBlob(run, c2), '2xx'));
  setup('Populate registry with test layer', async () => expectStatus(await postPutBlob(run, data.layer), '2xx'));
  setup('Populate registry with test tags', async () => {
    for (let i = 0; i < numTags; i++) expectStatus(await putManifest(run, `test${i}`, m2.content), '2xx');
    tagList = tagsOf(await request(run, 'GET', '/v2/<name>/tags/list'));
  });
  run.spec(F, 'Setup', 'Populate registry with test tags (no push)', 'discovery', () => {
    runOnlyIf(!run.runContentDiscoverySetup);
    tagList = (run.options.env?.OCI_TAG_LIST ?? '').split(',');
  });
  setup('References setup', async () => {
    const subjectCheck = (reply: Reply, subject: string): void => {
      expectStatus(reply, '2xx');
      expectHeader(reply, 'OCI-Subject', subject);
    };
    assert.equal(data.emptyJSON.digest, 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expectStatus(await postPutBlob(run, data.emptyJSON), '2xx');
    expectStatus(await postPutBlob(run, data.refBlobA), '2xx');
    subjectCheck(await putManifest(run, data.refsAConfig.digest, data.refsAConfig.content), m4.digest);
    subjectCheck(await putManifest(run, data.refsALayer.digest, data.refsALayer.content), m4.digest);
    subjectCheck(await putManifest(run, data.refsIndex.digest, data.refsIndex.content, INDEX), m4.digest);
    expectStatus(await postPutBlob(run, c4), '2xx');
    expectStatus(await postPutBlob(run, data.layer), '2xx');
    expectStatus(await putManifest(run, 'tagtest0', m4.content), '2xx');
    expectStatus(await postPutBlob(run, data.refBlobB), '2xx');
    subjectCheck(await putManifest(run, data.refsBConfig.digest, data.refsBConfig.content), m4.digest);
    subjectCheck(await putManifest(run, data.refsBLayer.digest, data.refsBLayer.content), m4.digest);
    subjectCheck(await putManifest(run, data.refsCLayer.digest, data.refsCLayer.content), m3.digest);
  });

  const tags = 'Test content discovery endpoints (listing tags)';
  run.spec(F, tags, 'GET request to list tags should yield 200 response', 'discovery', async () => {
    const reply = await request(run, 'GET', '/v2/<name>/tags/list');
    expectStatus(reply, 200);
    tagList = tagsOf(reply);
    numTags = tagList.length;
  });
  run.spec(F, tags, 'GET number of tags should be limitable by `n` query parameter', 'discovery', async () => {
    const n = Math.floor(numTags / 2);
    const reply = await request(run, 'GET', '/v2/<name>/tags/list', { query: { n: String(n) } });
    expectStatus(reply, 200);
    tagList = tagsOf(reply);
    expectThat(tagList.length === n, reply, `exactly ${n} tags (n=${n}, ${numTags} tags in all)`);
  });
  run.spec(F, tags, 'GET start of tag is set by `last` query parameter', 'discovery', async () => {
    const n = Math.floor(numTags / 2);
    tagList = tagsOf(await request(run, 'GET', '/v2/<name>/tags/list', { query: { n: String(n) } }));
    // Go panics (a spec failure) indexing tagList[n-1] when the list is shorter.
    assert.ok(n >= 1 && tagList.length >= n, `expected at least ${n} tags in the first page to take tagList[${n - 1}], got ${JSON.stringify(tagList)}`);
    const last = tagList[n - 1] as string;
    const reply = await request(run, 'GET', '/v2/<name>/tags/list', { query: { n: String(n), last } });
    expectStatus(reply, 200);
    // The suite then checks the first page again (it does not re-read tagList from this reply).
    expectThat(tagList.length <= n && tagList.includes(last), reply, `the first page to hold ≤ ${n} tags including ${last}`);
  });

  const refs = 'Test content discovery endpoints (listing references)';
  const expectIndex = (reply: Reply): Referrer[] => {
    expectStatus(reply, 200);
    expectThat(reply.header('Content-Type') === INDEX, reply, `Content-Type exactly ${INDEX}`);
    try {
      return referrersOf(reply);
    } catch {
      expectThat(false, reply, 'a JSON image index body');
      return [];
    }
  };
  const expectOneAnnotation = (reply: Reply, list: Referrer[]): void => {
    for (const entry of list) {
      const annotations = entry.annotations ?? {};
      expectThat(Object.keys(annotations).length === 1, reply, `exactly one annotation on referrer ${entry.digest}`);
      expectThat(annotations[data.annotationKey] === (data.annotationValues.get(entry.digest) ?? ''), reply, `annotation ${data.annotationKey}=${data.annotationValues.get(entry.digest) ?? ''} on ${entry.digest}`);
    }
  };
  run.spec(F, refs, 'GET request to nonexistent blob should result in empty 200 response', 'discovery', async () => {
    const reply = await request(run, 'GET', '/v2/<name>/referrers/<digest>', { digest: data.dummyDigest });
    expectThat(expectIndex(reply).length === 0, reply, 'no referrers');
  });
  run.spec(F, refs, 'GET request to existing blob should yield 200', 'discovery', async () => {
    const reply = await request(run, 'GET', '/v2/<name>/referrers/<digest>', { digest: m4.digest });
    const list = expectIndex(reply);
    expectThat(list.length === 5, reply, `5 referrers of manifests[4] (got ${list.length})`);
    expectThat(list[0]?.digest !== list[1]?.digest, reply, 'distinct first two referrers');
    expectOneAnnotation(reply, list);
  });
  run.spec(F, refs, 'GET request to existing blob with filter should yield 200', 'discovery', async (t) => {
    const reply = await request(run, 'GET', '/v2/<name>/referrers/<digest>', { digest: m4.digest, query: { artifactType: data.artifactTypeA } });
    const list = expectIndex(reply);
    if (reply.header('OCI-Filters-Applied') !== '') {
      expectThat(list.length === 2, reply, `2 referrers of type ${data.artifactTypeA} (got ${list.length})`);
      expectThat(reply.header('OCI-Filters-Applied') === 'artifactType', reply, 'OCI-Filters-Applied: artifactType');
    } else {
      expectThat(list.length === 5, reply, `5 referrers when unfiltered (got ${list.length})`);
      warn(run, t, 'filtering by artifact-type is not implemented');
    }
    expectOneAnnotation(reply, list);
  });
  run.spec(F, refs, 'GET request to missing manifest should yield 200', 'discovery', async () => {
    const reply = await request(run, 'GET', '/v2/<name>/referrers/<digest>', { digest: m3.digest });
    const list = expectIndex(reply);
    expectThat(list.length === 1 && list[0]?.digest === data.refsCLayer.digest, reply, `exactly the one referrer ${data.refsCLayer.digest}`);
  });

  const references = [data.refsIndex.digest, m2.digest, m4.digest, data.refsAConfig.digest, data.refsALayer.digest, 'tagtest0', data.refsBConfig.digest, data.refsBLayer.digest, data.refsCLayer.digest];
  const deleteCreated = (): void => {
    run.spec(F, 'Teardown', 'Delete created manifest & associated tags', 'discovery', async () => {
      runOnlyIf(run.runContentDiscoverySetup);
      for (const ref of references) await expectDelete(run, 'manifests', ref, true);
    });
  };
  if (run.options.deleteManifestBeforeBlobs) deleteCreated();
  run.spec(F, 'Teardown', 'Delete config blob created in tests', 'discovery', async () => {
    runOnlyIf(run.runContentDiscoverySetup);
    await expectDelete(run, 'blobs', c2.digest, false);
  });
  run.spec(F, 'Teardown', 'Delete layer blob created in setup', 'discovery', async () => {
    runOnlyIf(run.runContentDiscoverySetup);
    await expectDelete(run, 'blobs', data.layer.digest, false);
  });
  if (!run.options.deleteManifestBeforeBlobs) deleteCreated();
  run.spec(F, 'Teardown', 'References teardown', 'discovery', async () => {
    runOnlyIf(run.runContentDiscoverySetup);
    const manifestsToo = [data.refsIndex.digest, data.refsAConfig.digest, data.refsALayer.digest, m4.digest, data.refsBConfig.digest, data.refsBLayer.digest];
    if (run.options.deleteManifestBeforeBlobs) for (const ref of manifestsToo) await expectDelete(run, 'manifests', ref, true);
    for (const digest of [c4.digest, data.refBlobA.digest, data.refBlobB.digest, data.emptyJSON.digest]) await expectDelete(run, 'blobs', digest, true);
    if (!run.options.deleteManifestBeforeBlobs) for (const ref of manifestsToo) await expectDelete(run, 'manifests', ref, true);
  });
}

export function registerManagement(run: ClassicRun): void {
  const F = '04_management_test.go';
  const { data } = run;
  const c3 = data.configs[3] as Blob;
  const m3 = data.manifests[3] as Blob;
  let tagToDelete = '';
  let numTags = 0;
  let blobDeleteAllowed = true;
  const countTags = (reply: Reply): number => {
    try {
      return (reply.json<{ tags?: string[] | null }>().tags ?? []).length;
    } catch {
      expectThat(false, reply, 'a JSON tag list body');
      return 0;
    }
  };

  run.spec(F, 'Setup', 'Populate registry with test config blob', 'management', async () => expectStatus(await postPutBlob(run, c3), '2xx'));
  run.spec(F, 'Setup', 'Populate registry with test layer', 'management', async () => expectStatus(await postPutBlob(run, data.layer), '2xx'));
  run.spec(F, 'Setup', 'Populate registry with test tag', 'management', async () => {
    tagToDelete = 'tagtest0';
    expectStatus(await putManifest(run, tagToDelete, m3.content), '2xx');
  });
  run.spec(F, 'Setup', 'Check how many tags there are before anything gets deleted', 'management', async () => {
    const reply = await request(run, 'GET', '/v2/<name>/tags/list');
    expectStatus(reply, 200);
    numTags = countTags(reply);
  });

  const del = 'Manifest delete';
  run.spec(F, del, 'DELETE request to manifest tag should return 202, unless tag deletion is disallowed (400/405)', 'management', async () => {
    const reply = await request(run, 'DELETE', '/v2/<name>/manifests/<reference>', { reference: tagToDelete });
    expectStatus(reply, 400, 202, 405);
    if (reply.status === 400) expectThat(reply.errors()?.[0]?.code === 'UNSUPPORTED', reply, 'error code UNSUPPORTED with a 400');
  });
  run.spec(F, del, 'DELETE request to manifest (digest) should yield 202 response unless already deleted', 'management', async () => {
    expectStatus(await request(run, 'DELETE', '/v2/<name>/manifests/<digest>', { digest: m3.digest }), 202, 404);
  });
  run.spec(F, del, 'GET request to deleted manifest URL should yield 404 response, unless delete is disallowed', 'management', async () => {
    expectStatus(await request(run, 'GET', '/v2/<name>/manifests/<digest>', { digest: m3.digest }), 404, 200);
  });
  run.spec(F, del, 'GET request to tags list should reflect manifest deletion', 'management', async () => {
    const reply = await request(run, 'GET', '/v2/<name>/tags/list');
    expectStatus(reply, 200);
    const count = countTags(reply);
    expectThat(count < numTags, reply, `fewer than ${numTags} tags after the deletion (got ${count})`);
  });

  const blobs = 'Blob delete';
  run.spec(F, blobs, 'DELETE request to blob URL should yield 202 response', 'management', async () => {
    expectStatus(await request(run, 'DELETE', '/v2/<name>/blobs/<digest>', { digest: c3.digest }), 202, 404, 405);
    const reply = await request(run, 'DELETE', '/v2/<name>/blobs/<digest>', { digest: data.layer.digest });
    expectStatus(reply, 202, 404, 405);
    if (reply.status === 405) blobDeleteAllowed = false;
  });
  run.spec(F, blobs, 'GET request to deleted blob URL should yield 404 response', 'management', async () => {
    runOnlyIf(blobDeleteAllowed);
    expectStatus(await request(run, 'GET', '/v2/<name>/blobs/<digest>', { digest: c3.digest }), 404);
  });
}
