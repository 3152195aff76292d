/**
 * NamespaceMap.scopeOf must describe exactly the repositories namespaceOf puts in a namespace, at
 * every depth: quotas and usage select by the scope, access control decides by the namespace.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NamespaceMap } from './namespace-map.js';
import type { RepositoryScope } from './usage-store.js';

const NAMES = ['alpine', 'library', 'library/alpine', 'library/x/y', 'team', 'team/app', 'team/app/web', 'team/app/web/x', 'team2/app', 'team-a/app', 'teamx', 'a_b/c', 'axb/c'];

/** The scope's meaning, as usage-store.ts turns it into SQL. */
function inScope(name: string, scope: RepositoryScope): boolean {
  const underPrefix = scope.prefix !== undefined && name.startsWith(scope.prefix) && !(scope.directChildren && name.slice(scope.prefix.length).includes('/'));
  return underPrefix || (scope.rootNames === true && !name.includes('/'));
}

describe('NamespaceMap', () => {
  it('puts a name without a slash in the root namespace and never makes a whole name its own namespace', () => {
    const names = new NamespaceMap({ depth: 2, rootNamespace: 'library' });
    assert.equal(names.namespaceOf('alpine'), 'library');
    assert.equal(names.namespaceOf('team/app'), 'team');
    assert.equal(names.namespaceOf('team/app/web'), 'team/app');
    assert.equal(names.namespaceOf('team/app/web/x'), 'team/app');
  });

  for (const depth of [1, 2, 3]) {
    it(`describes the repositories namespaceOf assigns to each namespace at depth ${depth}`, () => {
      const names = new NamespaceMap({ depth, rootNamespace: 'library' });
      const namespaces = new Set([...NAMES.map((name) => names.namespaceOf(name)), 'team/app', 'team/app/web', 'nobody']);
      for (const namespace of namespaces) {
        const scope = names.scopeOf(namespace);
        for (const name of NAMES) {
          assert.equal(inScope(name, scope), names.namespaceOf(name) === namespace, `${name} in ${namespace} (${JSON.stringify(scope)})`);
        }
      }
    });
  }
});
