/**
 * readLayer on hostile or broken blobs: an entry that escapes the root, links, names that are
 * not UTF-8, malformed and oversize databases are recorded and the rest is read; a truncated or
 * corrupt blob rejects with LayerReadError (a partial inventory would be cached as the layer's);
 * nothing hangs.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LayerReadError, readLayer } from '../../../src/extensions/scanning/inventory/index.js';
import { gzipLayer, NO_ZSTD, stanza, streamOf, tarLayer, zstdLayer, type LayerEntry } from './layers.js';

const STATUS = [stanza({ Package: 'libc6', Version: '2.36-9', Status: 'install ok installed' }), stanza({ Package: 'zlib1g', Version: '1:1.2.13.dfsg-1', Status: 'install ok installed' })].join('\n');
const debian: LayerEntry[] = [
  { name: 'etc/os-release', body: 'ID=debian\nVERSION_ID=12\n' },
  { name: 'var/lib/dpkg/status', body: STATUS },
  { name: 'usr/share/doc/libc6/copyright', body: 'x'.repeat(100_000) },
];

describe('readLayer: entries it refuses or skips', () => {
  it('ignores and notes entries escaping the root, and still reads the rest', async () => {
    const inventory = await readLayer(streamOf(await tarLayer([
      { name: '../etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
      { name: 'a/../../var/lib/dpkg/status', body: stanza({ Package: 'evil', Version: '1' }) },
      { name: '/var/lib/dpkg/status', body: STATUS },
    ])));
    assert.deepEqual(inventory.errors.map((error) => error.path), ['../etc/passwd', 'a/../../var/lib/dpkg/status']);
    assert.match(inventory.errors[0]?.message ?? '', /outside the layer root/);
    assert.deepEqual(inventory.packages.map((found) => `${found.name} ${found.path}`), ['libc6 var/lib/dpkg/status', 'zlib1g var/lib/dpkg/status']);
  });

  it('follows neither symlinks nor hard links, recording them as nothing', async () => {
    const inventory = await readLayer(streamOf(await tarLayer([
      { name: 'var/lib/dpkg/status', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'lib/apk/db/installed', type: 'link', linkname: 'etc/passwd' },
      { name: 'app/node_modules/x/package.json', type: 'symlink', linkname: '../../../../../etc/passwd' },
    ])));
    assert.deepEqual({ packages: inventory.packages, files: inventory.files, errors: inventory.errors }, { packages: [], files: [], errors: [] });
  });

  it('survives entry names that are not UTF-8', async () => {
    // An ASCII name packs into the ustar name field itself (non-ASCII ones go to a UTF-8 pax
    // record); its X then becomes a Latin-1 é (e9), which is not UTF-8.
    const archive = await tarLayer([{ name: 'usr/share/cafX.txt', body: 'x' }, ...debian]);
    archive[archive.indexOf('X')] = 0xe9;
    // The header checksum covers the name (ustar: the header's byte sum, the field counted as spaces).
    archive.fill(0x20, 148, 156);
    let sum = 0;
    for (let index = 0; index < 512; index++) sum += archive[index] ?? 0;
    archive.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const inventory = await readLayer(streamOf(archive));
    assert.deepEqual(inventory.packages.map((found) => found.name), ['libc6', 'zlib1g']);
    assert.deepEqual(inventory.errors, []);
  });

  it('notes a malformed status file and a bad package.json, and reads the other files', async () => {
    const inventory = await readLayer(streamOf(await gzipLayer([
      { name: 'var/lib/dpkg/status', body: '\u0000\u0001garbage without fields\nmore garbage\n' },
      { name: 'app/node_modules/broken/package.json', body: '{"name": "broken", ' },
      { name: 'lib/apk/db/installed', body: 'P:musl\nV:1.2.4-r2\n\nP:no-version\n\nnot a field\nP:zlib\nV:1.3.1-r0\n' },
      { name: 'app/node_modules/fine/package.json', body: JSON.stringify({ name: 'fine', version: '1.0.0' }) },
    ])));
    const messages = inventory.errors.map((error) => `${error.path}: ${error.message}`);
    assert.equal(messages.length, 4, messages.join('\n'));
    assert.match(messages[0] ?? '', /^var\/lib\/dpkg\/status: dpkg status: not a dpkg status file: line 1/);
    assert.match(messages[1] ?? '', /^app\/node_modules\/broken\/package.json: npm package.json: .*JSON/);
    assert.match(messages[2] ?? '', /^lib\/apk\/db\/installed: apk installed: the package at line 4 has no V:/);
    assert.match(messages[3] ?? '', /^lib\/apk\/db\/installed: apk installed: line 6: not an "X:value" line/);
    assert.deepEqual(inventory.packages.map((found) => found.name).sort(), ['fine', 'musl', 'zlib']);
    // Malformed files are still present in the layer: they replace lower copies.
    assert.ok(inventory.files.includes('var/lib/dpkg/status'));
  });

  it('drains a database over its cap unread, notes it, and keeps a bounded number of errors', async () => {
    const big = stanza({ Package: 'huge', Version: '1', Description: `x\n${' .\n'.repeat(3_000_000)}` });
    const entries: LayerEntry[] = [{ name: 'var/lib/dpkg/status', body: big }, ...Array.from({ length: 150 }, (_, index) => ({ name: `../escape-${index}` })), { name: 'etc/os-release', body: 'ID=debian\n' }];
    assert.ok(big.length > 8 * 1024 * 1024);
    const inventory = await readLayer(streamOf(await gzipLayer(entries)));
    assert.deepEqual(inventory.packages, []);
    assert.match(inventory.errors[0]?.message ?? '', /dpkg status: \d+ bytes is over the 8388608-byte cap; not read/);
    assert.equal(inventory.errors.length, 100);
    assert.equal(inventory.errorsDropped, 51);
    assert.equal(inventory.os?.id, 'debian');
  });
});

describe('readLayer: blobs it cannot read', () => {
  it('rejects a truncated gzip layer with LayerReadError', async () => {
    const gzip = await gzipLayer(debian);
    await assert.rejects(readLayer(streamOf(gzip.subarray(0, Math.floor(gzip.length / 2)))), (error: unknown) => {
      assert.ok(error instanceof LayerReadError);
      assert.match(error.message, /^the layer could not be read \(gzip tar\): unexpected end of file/);
      return true;
    });
  });

  it('rejects a gzip layer whose bytes are corrupt', async () => {
    const gzip = await gzipLayer(debian);
    gzip.fill(0x55, 40, 80);
    await assert.rejects(readLayer(streamOf(gzip)), LayerReadError);
  });

  it('rejects a tar truncated inside an entry, even one that is gzip-complete', async () => {
    const tar = await tarLayer(debian);
    await assert.rejects(readLayer(streamOf(gzipSync(tar.subarray(0, 3000)))), /could not be read \(gzip tar\): Unexpected end of data/);
  });

  it('rejects a truncated zstd layer', { skip: NO_ZSTD }, async () => {
    const zstd = await zstdLayer(debian);
    await assert.rejects(readLayer(streamOf(zstd.subarray(0, zstd.length - 20))), /could not be read \(zstd tar\)/);
  });

  it('rejects bytes that are not a tar at all', async () => {
    await assert.rejects(readLayer(streamOf(Buffer.alloc(2048, 0x41))), /could not be read \(tar\): Invalid tar header/);
  });

  it('reads an empty blob as an empty layer, as tar itself does', async () => {
    const inventory = await readLayer(streamOf(Buffer.alloc(0)));
    assert.deepEqual(inventory, { compression: 'none', packages: [], files: [], whiteouts: { removed: [], opaque: [] }, errors: [], errorsDropped: 0 });
  });

  it('rejects when aborted while the blob stalls, instead of waiting for it', async () => {
    const gzip = await gzipLayer(debian);
    const source = new PassThrough();
    source.write(gzip.subarray(0, 100));
    const controller = new AbortController();
    const reading = readLayer(source, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(reading, (error: unknown) => error instanceof LayerReadError && /abort/i.test(error.message));
    assert.ok(source.destroyed);
  });

  it('rejects when the blob stream errors', async () => {
    const source = new PassThrough();
    source.write((await gzipLayer(debian)).subarray(0, 100));
    setTimeout(() => source.destroy(new Error('storage went away')), 20);
    await assert.rejects(readLayer(source), /storage went away/);
  });
});
