/** Lineage's pure reading of images: ChainIDs, configs, and the base an image's annotations name. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { chainIds, namedBase, parseImageName, readConfig } from '../../src/extensions/lineage/image-facts.js';
import { splitImage } from '../../src/extensions/lineage/cli.js';

const a = `sha256:${'a'.repeat(64)}`;
const b = `sha256:${'b'.repeat(64)}`;
const c = `sha256:${'c'.repeat(64)}`;

describe('chain ids', () => {
  it('follows image-spec: the first is the first diff_id, each next one hashes "previous diff_id"', () => {
    const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
    const ab = sha(`${a} ${b}`);
    assert.deepEqual(chainIds([a, b, c]), [a, ab, sha(`${ab} ${c}`)]);
    assert.deepEqual(chainIds([]), []);
  });

  it('differs when the same layers come in another order', () => {
    assert.notEqual(chainIds([a, b]).at(-1), chainIds([b, a]).at(-1));
  });
});

describe('image configs', () => {
  it('reads diff_ids and the platform, with its variant', () => {
    const config = { os: 'linux', architecture: 'arm', variant: 'v7', rootfs: { type: 'layers', diff_ids: [a, b] } };
    assert.deepEqual(readConfig(Buffer.from(JSON.stringify(config))), { diffIds: [a, b], platform: 'linux/arm/v7' });
  });

  it('refuses what is not an image config: bad JSON, no rootfs, diff_ids that are not digests', () => {
    assert.equal(readConfig(Buffer.from('{not json')), undefined);
    assert.equal(readConfig(Buffer.from('{"os":"linux"}')), undefined);
    assert.equal(readConfig(Buffer.from(JSON.stringify({ rootfs: { diff_ids: ['nope'] } }))), undefined);
  });
});

describe('annotated bases', () => {
  it('drops the registry host and maps Docker Hub names to library/', () => {
    const cases: [string, ReturnType<typeof parseImageName>][] = [
      ['docker.io/library/alpine:3.19', { repository: 'library/alpine', tag: '3.19' }],
      ['alpine:3.19', { repository: 'library/alpine', tag: '3.19' }],
      ['alpine', { repository: 'library/alpine' }],
      ['registry.example.com:5000/base/os:1', { repository: 'base/os', tag: '1' }],
      ['localhost/team/app', { repository: 'team/app' }],
      ['ghcr.io/owner/img@sha256:' + 'a'.repeat(64), { repository: 'owner/img' }],
      ['gcr.io/distroless/static:nonroot', { repository: 'distroless/static', tag: 'nonroot' }],
      ['Not A Name', undefined],
    ];
    for (const [name, expected] of cases) assert.deepEqual(parseImageName(name), expected, name);
  });

  it('takes the name and the digest annotations, ignoring a digest that is not one', () => {
    assert.deepEqual(namedBase({ 'org.opencontainers.image.base.name': 'docker.io/library/debian:12', 'org.opencontainers.image.base.digest': a }), {
      name: 'docker.io/library/debian:12',
      repository: 'library/debian',
      tag: '12',
      digest: a,
    });
    assert.deepEqual(namedBase({ 'org.opencontainers.image.base.digest': b }), { digest: b });
    assert.equal(namedBase({ 'org.opencontainers.image.base.digest': 'latest' }), undefined);
    assert.equal(namedBase({ 'org.opencontainers.image.title': 'x' }), undefined);
    assert.equal(namedBase(undefined), undefined);
  });
});

describe('berth image arguments', () => {
  it('splits REPOSITORY[:TAG] and REPOSITORY@DIGEST, defaulting to latest', () => {
    assert.deepEqual(splitImage('team/app:v1'), { repository: 'team/app', reference: 'v1' });
    assert.deepEqual(splitImage(`team/app@${a}`), { repository: 'team/app', reference: a });
    assert.deepEqual(splitImage('team/app'), { repository: 'team/app', reference: 'latest' });
  });
});
