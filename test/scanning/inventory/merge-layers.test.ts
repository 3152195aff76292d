/**
 * mergeLayers over layers read from real archives: replacement of package databases, whiteouts
 * and opaque directories hiding lower layers only, the topmost OS.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeLayers, readLayer, type ImageInventory, type LayerInventory } from '../../../src/extensions/scanning/inventory/index.js';
import { gzipLayer, stanza, streamOf, type LayerEntry } from './layers.js';

async function read(entries: LayerEntry[]): Promise<LayerInventory> {
  return readLayer(streamOf(await gzipLayer(entries)));
}

const npm = (name: string, version: string): string => JSON.stringify({ name, version });
const found = (image: ImageInventory): string[] => image.packages.map((item) => `${item.layer}:${item.kind}:${item.name}@${item.version}`).sort();

describe('mergeLayers', () => {
  it('lets an upper dpkg status replace the lower one wholesale, each package keeping its layer', async () => {
    const base = await read([
      { name: 'etc/os-release', body: 'ID=debian\nVERSION_ID=12\n' },
      { name: 'var/lib/dpkg/status', body: [stanza({ Package: 'libc6', Version: '2.36-9', Status: 'install ok installed' }), stanza({ Package: 'curl', Version: '7.88.1-10', Status: 'install ok installed' })].join('\n') },
    ]);
    const upgrade = await read([
      { name: 'var/lib/dpkg/status', body: [stanza({ Package: 'libc6', Version: '2.36-9+deb12u4', Status: 'install ok installed' }), stanza({ Package: 'curl', Version: '7.88.1-10', Status: 'deinstall ok config-files' })].join('\n') },
      { name: 'app/node_modules/left-pad/package.json', body: npm('left-pad', '1.3.0') },
    ]);
    const image = mergeLayers([base, upgrade]);
    assert.deepEqual(found(image), ['1:deb:libc6@2.36-9+deb12u4', '1:npm:left-pad@1.3.0']);
    assert.deepEqual(image.os, { id: 'debian', versionId: '12', path: 'etc/os-release', layer: 0 });
  });

  it('applies whiteouts and opaque directories across three layers to lower layers only', async () => {
    const layer0 = await read([
      { name: 'etc/os-release', body: 'ID=debian\nVERSION_ID=11\n' },
      { name: 'app/node_modules/a/package.json', body: npm('a', '1.0.0') },
      { name: 'app/node_modules/b/package.json', body: npm('b', '1.0.0') },
      { name: 'opt/tool/node_modules/c/package.json', body: npm('c', '1.0.0') },
      { name: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA', body: 'Name: six\nVersion: 1.16.0\n' },
    ]);
    const layer1 = await read([
      { name: 'etc/os-release', body: 'ID=debian\nVERSION_ID=12\n' },
      // An opaque app/node_modules: a and b are gone, d is new and survives its own whiteout marker.
      { name: 'app/node_modules/.wh..wh..opq' },
      { name: 'app/node_modules/d/package.json', body: npm('d', '2.0.0') },
      { name: 'opt/tool/node_modules/c/package.json', body: npm('c', '1.1.0') },
    ]);
    const layer2 = await read([
      // Removes layer 1's c (a directory: everything under it goes) and layer 0's six.
      { name: 'opt/tool/node_modules/.wh.c' },
      { name: 'usr/lib/python3/dist-packages/.wh.six-1.16.0.dist-info' },
      { name: 'app/node_modules/e/package.json', body: npm('e', '3.0.0') },
      // A whiteout hides lower layers only: this layer's own f stays.
      { name: 'app/node_modules/.wh.f' },
      { name: 'app/node_modules/f/package.json', body: npm('f', '1.0.0') },
    ]);
    assert.deepEqual(layer1.whiteouts, { removed: [], opaque: ['app/node_modules'] });
    assert.deepEqual(layer2.whiteouts, { removed: ['opt/tool/node_modules/c', 'usr/lib/python3/dist-packages/six-1.16.0.dist-info', 'app/node_modules/f'], opaque: [] });
    const image = mergeLayers([layer0, layer1, layer2]);
    assert.deepEqual(found(image), ['1:npm:d@2.0.0', '2:npm:e@3.0.0', '2:npm:f@1.0.0']);
    assert.deepEqual(image.os, { id: 'debian', versionId: '12', path: 'etc/os-release', layer: 1 });
    assert.deepEqual(JSON.parse(JSON.stringify(image)), image);
  });

  it('reports no OS when the only os-release is whited out, and an opaque root hides everything below', async () => {
    const base = await read([
      { name: 'etc/os-release', body: 'ID=alpine\nVERSION_ID=3.19.1\n' },
      { name: 'lib/apk/db/installed', body: 'P:musl\nV:1.2.4-r2\no:musl\n' },
    ]);
    const removed = mergeLayers([base, await read([{ name: 'etc/.wh.os-release' }])]);
    assert.equal(removed.os, undefined);
    assert.deepEqual(found(removed), ['0:apk:musl@1.2.4-r2']);
    const scratch = mergeLayers([base, await read([{ name: '.wh..wh..opq' }, { name: 'bin/app', body: 'static' }])]);
    assert.deepEqual(scratch, { packages: [], errors: [] });
  });

  it('lets a database over its cap in an upper layer hide the stale lower copy, and carries each layer\'s errors', async () => {
    const base = await read([{ name: 'var/lib/dpkg/status', body: stanza({ Package: 'libc6', Version: '2.36-9' }) }]);
    const upper = await readLayer(streamOf(await gzipLayer([{ name: 'var/lib/dpkg/status', body: stanza({ Package: 'libc6', Version: '2.36-9+deb12u4' }) }])), { limits: { databaseBytes: 16 } });
    const image = mergeLayers([base, upper]);
    assert.deepEqual(image.packages, []);
    assert.equal(image.errors.length, 1);
    assert.equal(image.errors[0]?.layer, 1);
    assert.match(image.errors[0]?.message ?? '', /over the 16-byte cap/);
  });
});
