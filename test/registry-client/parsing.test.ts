import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { nextLink, parseChallenge } from '../../src/registry-client/index.js';

const SOURCE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src/registry-client');

describe('registry client: header parsing and its layer rule', () => {
  it('parses Bearer challenges with quoted commas, and Basic ones', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
      scheme: 'bearer',
      realm: 'https://auth.example/token',
      service: 'registry.example',
      scope: 'repository:a/b:pull,push',
    });
    assert.deepEqual(parseChallenge(['Negotiate abc', 'basic realm="r"']), { scheme: 'basic', realm: 'r' });
    assert.equal(parseChallenge('Negotiate abc'), undefined);
    assert.equal(parseChallenge(undefined), undefined);
  });

  it('finds rel="next" among several links, relative or absolute', () => {
    assert.equal(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"'), '/v2/a/tags/list?n=2&last=b');
    assert.equal(nextLink('<https://r.example/v2/_catalog?last=x>; rel="prev", <https://r.example/v2/_catalog?last=y>; rel=next'), 'https://r.example/v2/_catalog?last=y');
    assert.equal(nextLink('</x>; rel="prev"'), undefined);
    assert.equal(nextLink(undefined), undefined);
  });

  it('imports nothing of the project but oci/ and errors/ (DESIGN.md layer rule)', async () => {
    const files = (await readdir(SOURCE)).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 5);
    for (const file of files) {
      const text = await readFile(join(SOURCE, file), 'utf8');
      for (const match of text.matchAll(/from '([^']+)'/g)) {
        const target = match[1] as string;
        const allowed = target.startsWith('node:') || target === 'undici' || target.startsWith('./') || /^\.\.\/(oci|errors)\/index\.js$/.test(target);
        assert.ok(allowed, `${file} imports ${target}`);
      }
    }
  });
});
