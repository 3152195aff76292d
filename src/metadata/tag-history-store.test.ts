import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTagPattern, ruleProtecting, tagPatternMatches, type ImmutableTagRule } from './tag-history-store.js';

describe('immutable-tag patterns', () => {
  it('match whole tags: * any run, ? one character, everything else literally', () => {
    const cases: [string, string, boolean][] = [
      ['*', 'anything-at.all_1', true],
      ['v*', 'v1.2.3', true],
      ['v*', 'V1', false],
      ['v*', 'dev', false],
      ['release-*', 'release-', true],
      ['release-*', 'release', false],
      ['1.0', '1x0', false],
      ['1.0', '1.0', true],
      ['v?', 'v1', true],
      ['v?', 'v10', false],
      ['*-rc*', '2.0-rc1', true],
      ['latest', 'latest', true],
      ['latest', 'latest2', false],
    ];
    for (const [pattern, tag, expected] of cases) assert.equal(tagPatternMatches(pattern, tag), expected, `${pattern} ~ ${tag}`);
  });

  it('accepts tag characters with * and ? only', () => {
    for (const pattern of ['*', 'v*', 'release-?.*', 'a_b.c-d']) assert.ok(isTagPattern(pattern), pattern);
    for (const pattern of ['', 'a b', 'v[0-9]', '^v', 'x'.repeat(129), 'a/b']) assert.ok(!isTagPattern(pattern), pattern);
  });

  it('names the repository rule before the namespace rule when both protect a tag', () => {
    const rules: ImmutableTagRule[] = [
      { scopeKind: 'namespace', scope: 'team', pattern: '*' },
      { scopeKind: 'repository', scope: 'team/app', pattern: 'v*' },
    ];
    assert.equal(ruleProtecting('v1', rules)?.scopeKind, 'repository');
    assert.equal(ruleProtecting('latest', rules)?.scopeKind, 'namespace');
    assert.equal(ruleProtecting('v1', undefined), undefined);
  });
});
