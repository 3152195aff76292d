import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest, pushBlob, pushImage, putManifest, randomBlob } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';

interface TagList {
  name: string;
  tags: string[];
}

/** The target of a `Link: <…>; rel="next"` header, or undefined when there is none. */
function nextLink(response: Response): string | undefined {
  const link = response.headers.get('link');
  if (link === null) return undefined;
  const match = /^<([^>]+)>;\s*rel="next"$/.exec(link);
  assert.ok(match, `Link header not in RFC 5988 form: ${link}`);
  return match[1];
}

/** Follows Link headers from `first` to the end, returning every page's items in order. */
async function collect<T>(base: string, first: string, items: (body: T) => string[]): Promise<{ all: string[]; pages: number }> {
  const all: string[] = [];
  let next: string | undefined = first;
  let pages = 0;
  while (next !== undefined) {
    const response: Response = await fetch(new URL(next, base));
    assert.equal(response.status, 200);
    all.push(...items((await response.json()) as T));
    next = nextLink(response);
    pages++;
    assert.ok(pages < 100, 'pagination does not end');
  }
  return { all, pages };
}

// distribution-spec: "Listing Tags" (end-8a/b), sorted lexically or ASCIIbetically, n, last, Link.
describe('tags list', () => {
  let registry: TestRegistry;
  const name = 'list/app';
  // ASCIIbetical order (Go's sort.Strings): digits, uppercase, '_', lowercase.
  const sorted = ['1.0', 'V1', '_x', 'a', 'b', 'latest', 'v10', 'v2'];
  before(async () => {
    registry = await startRegistry();
    const image = imageManifest();
    await pushImage(registry.url, name, 'v2', image);
    for (const tag of ['latest', 'a', 'V1', 'v10', '1.0', 'b', '_x']) {
      const response = await putManifest(registry.url, name, tag, image.manifest, image.mediaType);
      assert.equal(response.status, 201);
    }
  });
  after(async () => registry.stop());

  async function list(query = '', repo = name): Promise<{ response: Response; body: TagList }> {
    const response = await fetch(`${registry.url}/v2/${repo}/tags/list${query}`);
    assert.equal(response.status, 200, await response.clone().text());
    return { response, body: (await response.json()) as TagList };
  }

  it('lists every tag with the repository name, in ASCIIbetical order', async () => {
    const { response, body } = await list();
    assert.deepEqual(body, { name, tags: sorted });
    assert.equal(response.headers.get('link'), null);
  });

  it('answers ?n=3 with the first three tags and a Link to the next page', async () => {
    const { response, body } = await list('?n=3');
    assert.deepEqual(body.tags, ['1.0', 'V1', '_x']);
    assert.equal(response.headers.get('link'), `</v2/${name}/tags/list?n=3&last=_x>; rel="next"`);
  });

  it('answers ?n=&last= with up to n tags after last, last excluded', async () => {
    const { body } = await list('?n=2&last=a');
    assert.deepEqual(body.tags, ['b', 'latest']);
  });

  it('answers ?last= without n with every tag after last and no Link', async () => {
    const { response, body } = await list('?last=b');
    assert.deepEqual(body.tags, ['latest', 'v10', 'v2']);
    assert.equal(response.headers.get('link'), null);
  });

  it('answers a last that is not a tag with the tags that sort after it', async () => {
    const { body } = await list('?last=c');
    assert.deepEqual(body.tags, ['latest', 'v10', 'v2']);
  });

  it('answers ?n=0 with an empty list and no Link header', async () => {
    const { response, body } = await list('?n=0');
    assert.deepEqual(body, { name, tags: [] });
    assert.equal(response.headers.get('link'), null);
  });

  it('answers an n equal to the number of tags with all of them and no Link', async () => {
    const { response, body } = await list(`?n=${sorted.length}`);
    assert.deepEqual(body.tags, sorted);
    assert.equal(response.headers.get('link'), null);
  });

  it('answers an n larger than the number of tags with all of them and no Link', async () => {
    const { response, body } = await list('?n=1000');
    assert.deepEqual(body.tags, sorted);
    assert.equal(response.headers.get('link'), null);
  });

  it('answers the last page with no Link', async () => {
    const { response, body } = await list('?n=3&last=latest');
    assert.deepEqual(body.tags, ['v10', 'v2']);
    assert.equal(response.headers.get('link'), null);
  });

  it('follows Link headers to the end, collecting every tag exactly once', async () => {
    for (const n of [1, 2, 3, 7]) {
      const { all, pages } = await collect<TagList>(registry.url, `/v2/${name}/tags/list?n=${n}`, (b) => b.tags);
      assert.deepEqual(all, sorted, `n=${n}`);
      assert.equal(pages, Math.ceil(sorted.length / n), `n=${n}`);
    }
  });

  it('answers 200 with an empty list for a repository that holds blobs but no tags', async () => {
    await pushBlob(registry.url, 'list/untagged', randomBlob(10));
    const { body } = await list('', 'list/untagged');
    assert.deepEqual(body, { name: 'list/untagged', tags: [] });
  });

  it('answers 200 with an empty list once every tag is deleted', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'list/emptied', 'only', image);
    assert.equal((await fetch(`${registry.url}/v2/list/emptied/manifests/only`, { method: 'DELETE' })).status, 202);
    const { body } = await list('', 'list/emptied');
    assert.deepEqual(body.tags, []);
  });

  it('returns 404 NAME_UNKNOWN for the tags of an unknown repository', async () => {
    const error = await assertError(await fetch(`${registry.url}/v2/list/unknown/tags/list`), 404, 'NAME_UNKNOWN');
    assert.deepEqual(error.detail, { repository: 'list/unknown' });
  });

  for (const n of ['-1', 'abc', '1.5', '', '1e3']) {
    it(`returns 400 UNSUPPORTED for n=${JSON.stringify(n)}`, async () => {
      await assertError(await fetch(`${registry.url}/v2/${name}/tags/list?n=${n}`), 400, 'UNSUPPORTED');
    });
  }
});

// distribution-spec (Docker registry API, kept by Distribution): GET /v2/_catalog with n, last, Link.
describe('_catalog', () => {
  let registry: TestRegistry;
  const repositories = ['cat/a', 'cat/b', 'cat/b/c', 'cat/b-c', 'cat/z', 'x/y', 'zeta'];
  // Byte order: '-' (0x2d) sorts before '/' (0x2f).
  const sorted = [...repositories].sort();
  before(async () => {
    registry = await startRegistry();
    for (const repository of [...repositories].reverse()) await pushBlob(registry.url, repository, randomBlob(8));
  });
  after(async () => registry.stop());

  async function catalog(query = ''): Promise<{ response: Response; repositories: string[] }> {
    const response = await fetch(`${registry.url}/v2/_catalog${query}`);
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { repositories: string[] };
    assert.deepEqual(Object.keys(body), ['repositories']);
    return { response, repositories: body.repositories };
  }

  it('lists every repository in byte order', async () => {
    assert.deepEqual(sorted, ['cat/a', 'cat/b', 'cat/b-c', 'cat/b/c', 'cat/z', 'x/y', 'zeta']);
    const { response, repositories: listed } = await catalog();
    assert.deepEqual(listed, sorted);
    assert.equal(response.headers.get('link'), null);
  });

  it('answers ?n=2 with two repositories and a Link to the next page', async () => {
    const { response, repositories: listed } = await catalog('?n=2');
    assert.deepEqual(listed, ['cat/a', 'cat/b']);
    assert.equal(response.headers.get('link'), `</v2/_catalog?n=2&last=cat%2Fb>; rel="next"`);
  });

  it('answers ?n=&last= with the repositories after last', async () => {
    const { repositories: listed } = await catalog('?n=2&last=cat/b-c');
    assert.deepEqual(listed, ['cat/b/c', 'cat/z']);
  });

  it('answers ?last= without n with every repository after last', async () => {
    const { response, repositories: listed } = await catalog('?last=cat/z');
    assert.deepEqual(listed, ['x/y', 'zeta']);
    assert.equal(response.headers.get('link'), null);
  });

  it('answers ?n=0 with an empty list and no Link header', async () => {
    const { response, repositories: listed } = await catalog('?n=0');
    assert.deepEqual(listed, []);
    assert.equal(response.headers.get('link'), null);
  });

  it('follows Link headers to the end, collecting every repository exactly once', async () => {
    for (const n of [1, 2, 3, 6, 7]) {
      const { all } = await collect<{ repositories: string[] }>(registry.url, `/v2/_catalog?n=${n}`, (b) => b.repositories);
      assert.deepEqual(all, sorted, `n=${n}`);
    }
  });

  it('returns 400 UNSUPPORTED for a negative n', async () => {
    await assertError(await fetch(`${registry.url}/v2/_catalog?n=-5`), 400, 'UNSUPPORTED');
  });

  it('lists a repository only once whatever it holds', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'zeta', 'v1', image);
    const { repositories: listed } = await catalog();
    assert.equal(listed.filter((r) => r === 'zeta').length, 1);
  });
});
