import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRepositoryName, parseReference, parseRepositoryName } from './reference.js';

describe('repository names', () => {
  for (const good of ['a', 'library/ubuntu', 'a.b_c__d-e--f/g', 'x/blobs/y', '0/1/2']) {
    it(`accepts ${good}`, () => assert.equal(parseRepositoryName(good), good));
  }
  for (const bad of ['', 'A', 'a//b', 'a/', '/a', '-a', 'a-', 'a/../b', '..', 'a/./b', 'a___b', 'a%2Fb', 'a b', 'a:b']) {
    it(`rejects ${JSON.stringify(bad)} with NAME_INVALID`, () => {
      assert.equal(isRepositoryName(bad), false);
      assert.throws(() => parseRepositoryName(bad), { code: 'NAME_INVALID' });
    });
  }
  it('accepts 255 characters and rejects 256 with a reason naming the limit', () => {
    const name = (n: number): string => Array.from({ length: Math.ceil(n / 2) }, () => 'a').join('/').slice(0, n);
    assert.equal(parseRepositoryName(name(255)).length, 255);
    assert.throws(() => parseRepositoryName(name(257)), (e: { code: string; detail: { reason: string } }) => e.code === 'NAME_INVALID' && /255/.test(e.detail.reason));
  });
});

describe('references', () => {
  it('tells tags from digests', () => {
    assert.deepEqual(parseReference('v1.0_rc-1'), { kind: 'tag', tag: 'v1.0_rc-1' });
    assert.equal(parseReference(`sha256:${'0'.repeat(64)}`).kind, 'digest');
  });
  it('rejects tags that break the grammar or exceed 128 characters', () => {
    for (const bad of ['.v1', '-v1', 'v/1', 'a'.repeat(129), '']) assert.throws(() => parseReference(bad), { code: 'MANIFEST_INVALID' });
    assert.equal(parseReference('a'.repeat(128)).kind, 'tag');
  });
  it('rejects anything with a colon that is not a valid digest as DIGEST_INVALID', () => {
    assert.throws(() => parseReference('sha256:nothex'), { code: 'DIGEST_INVALID' });
  });
});
