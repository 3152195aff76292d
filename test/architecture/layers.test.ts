import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The folder order of docs/architecture.md, lowest first: a file may import its own folder and
 * folders of a lower rank, never a peer or a higher one. (A ← B means B may import A.)
 */
const RANKS: Record<string, number> = {
  errors: 0,
  config: 1,
  oci: 2,
  storage: 3,
  metadata: 3,
  cluster: 4,
  jobs: 4,
  events: 4,
  content: 5,
  gc: 5,
  auth: 5,
  extensions: 6,
  operations: 7,
  http: 8,
  'app.ts': 9,
  cli: 10,
};

/** registry-client talks to other registries and needs only the spec code and the error table. */
const REGISTRY_CLIENT_MAY_IMPORT = new Set(['oci', 'errors']);

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The layer a source file belongs to: its top folder, except an extension's cli.ts (a CLI file kept beside its extension). */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  if (parts[0] === 'extensions' && parts.at(-1) === 'cli.ts') return 'cli';
  return parts.length === 1 ? (parts[0] ?? '') : (parts[0] ?? '');
}

/** Every relative import (static, re-export or dynamic) of a file, resolved to the file it names. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((match) => match[1] ?? '');
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    for (const target of importsOf(file)) {
      const to = layerOf(target);
      if (to === from) continue;
      const where = `${relative(SRC, file)} imports ${relative(SRC, target)}`;
      if (from === 'registry-client') {
        if (!REGISTRY_CLIENT_MAY_IMPORT.has(to)) found.push(`${where}: registry-client may import only oci/ and errors/`);
        continue;
      }
      if (to === 'registry-client') continue;
      const fromRank = RANKS[from];
      const toRank = RANKS[to];
      if (fromRank === undefined || toRank === undefined) found.push(`${where}: ${fromRank === undefined ? from : to} has no place in the folder order`);
      else if (toRank >= fromRank) found.push(`${where}: ${to}/ is not below ${from}/ in the folder order`);
    }
  }
  return found;
}

describe('layer rules (docs/architecture.md, "Folders")', () => {
  it('every import goes down the folder order: cli → app → http → operations → extensions → content/auth → … → errors', () => {
    assert.deepEqual(violations(), []);
  });

  it('finds a violation when there is one (the check itself works)', () => {
    // content/ importing http/ would break the order; the resolver must see such a path.
    assert.equal(layerOf(join(SRC, 'content/blobs.ts')), 'content');
    assert.equal(layerOf(join(SRC, 'extensions/lifecycle/cli.ts')), 'cli');
    assert.ok((RANKS.http ?? 0) > (RANKS.content ?? 0));
    const sample = importsOf(join(SRC, 'http/server.ts')).map((path) => layerOf(path));
    assert.ok(sample.includes('operations') && sample.includes('errors'), sample.join(' '));
  });

  it('only server.ts registers routes, from the one route list (http/routes.ts)', () => {
    const registering = sourceFiles(join(SRC, 'http')).filter((file) => /\bapp\.(get|post|put|patch|delete|head|all|route)\(/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(registering.map((file) => relative(SRC, file)), ['http/server.ts']);
    const server = readFileSync(join(SRC, 'http/server.ts'), 'utf8');
    assert.equal([...server.matchAll(/\bapp\.(get|post|put|patch|delete|head|all|route)\(/g)].length, 1);
  });
});
