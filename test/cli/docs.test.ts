import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configurationMarkdown } from '../../src/cli/config-docs.js';
import { errorsMarkdown } from '../../src/cli/errors-docs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

it('docs/configuration.md lists every setting exactly as the schema has it (regenerate with `npx berth config-docs`)', async () => {
  assert.equal(await readFile(resolve(root, 'docs/configuration.md'), 'utf8'), configurationMarkdown());
});

it('docs/errors.md lists every error code exactly as the table has it (regenerate with `npx berth errors-docs`)', async () => {
  assert.equal(await readFile(resolve(root, 'docs/errors.md'), 'utf8'), errorsMarkdown());
});
