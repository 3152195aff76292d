import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDigester, digestOf, parseDigest, tryParseDigest } from './digest.js';

const HEX64 = 'a'.repeat(64);

describe('digests', () => {
  it('parses sha256 and sha512 digests and prints them back', () => {
    assert.equal(parseDigest(`sha256:${HEX64}`).toString(), `sha256:${HEX64}`);
    assert.equal(parseDigest(`sha512:${'b'.repeat(128)}`).algorithm, 'sha512');
  });

  for (const bad of ['', 'sha256', `sha256:${HEX64.slice(1)}`, `sha256:${HEX64.toUpperCase()}`, `SHA256:${HEX64}`, `md5:${HEX64}`, `sha256:${'g'.repeat(64)}`, `sha512:${HEX64}`, `sha256:${HEX64}/x`]) {
    it(`rejects ${JSON.stringify(bad.slice(0, 24))}… with DIGEST_INVALID`, () => {
      assert.equal(tryParseDigest(bad), undefined);
      assert.throws(() => parseDigest(bad), { code: 'DIGEST_INVALID' });
    });
  }

  it('hashes incrementally to the same digest as in one go, and a copy diverges independently', () => {
    const digester = createDigester('sha512');
    digester.update(Buffer.from('hello '));
    const copy = digester.copy();
    digester.update(Buffer.from('world'));
    copy.update(Buffer.from('there'));
    assert.equal(digester.digest().toString(), digestOf(Buffer.from('hello world'), 'sha512').toString());
    assert.equal(copy.digest().toString(), digestOf(Buffer.from('hello there'), 'sha512').toString());
  });
});
