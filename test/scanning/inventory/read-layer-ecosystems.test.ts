/**
 * readLayer on layers shaped like real distributions' and language ecosystems' installs: what it
 * finds, from which file, under each compression.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLayer, type InstalledPackage, type LayerInventory } from '../../../src/extensions/scanning/inventory/index.js';
import { chunkedStreamOf, gzipLayer, NO_ZSTD, stanza, streamOf, tarLayer, zstdLayer, type LayerEntry } from './layers.js';

const DEBIAN_OS = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n';

const DPKG_STATUS = [
  stanza({ Package: 'base-files', Status: 'install ok installed', Version: '12.4+deb12u5', Architecture: 'amd64' }),
  stanza({ Package: 'libssl3', Status: 'install ok installed', Source: 'openssl (3.0.11-1~deb12u2)', Version: '3.0.11-1~deb12u2+b1', Description: 'Secure Sockets Layer toolkit\n shared libraries\n .' }),
  stanza({ Package: 'libc6', Status: 'install ok installed', Source: 'glibc', Version: '2.36-9+deb12u4' }),
  stanza({ Package: 'vim-tiny', Status: 'deinstall ok config-files', Version: '2:9.0.1378-2' }),
  stanza({ Package: 'oldlib', Status: 'purge ok not-installed' }),
].join('\n');

const debianLayer: LayerEntry[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
  { name: 'usr/lib/os-release', body: DEBIAN_OS },
  { name: 'var/lib/dpkg/status', body: DPKG_STATUS },
  { name: 'var/lib/dpkg/status-old', body: stanza({ Package: 'stale', Version: '1' }) },
  { name: 'usr/bin/true', body: 'ELF…' },
];

const summary = (packages: InstalledPackage[]): string[] => packages.map((found) => `${found.kind}:${found.name}@${found.version}`).sort();

function assertDebian(inventory: LayerInventory): void {
  assert.deepEqual(inventory.os, { id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', path: 'usr/lib/os-release' });
  assert.deepEqual(summary(inventory.packages), ['deb:base-files@12.4+deb12u5', 'deb:libc6@2.36-9+deb12u4', 'deb:libssl3@3.0.11-1~deb12u2+b1']);
  assert.deepEqual(inventory.errors, []);
}

describe('readLayer: a Debian layer', () => {
  it('finds the OS and the installed dpkg packages, skipping deinstalled and purged stanzas, from a gzip layer', async () => {
    const inventory = await readLayer(streamOf(await gzipLayer(debianLayer)));
    assert.equal(inventory.compression, 'gzip');
    assertDebian(inventory);
    assert.deepEqual(inventory.files, ['usr/lib/os-release', 'var/lib/dpkg/status']);
  });

  it('reads Source: as the source package, defaulting to the binary name and version', async () => {
    const inventory = await readLayer(streamOf(await tarLayer(debianLayer)));
    const source = Object.fromEntries(inventory.packages.map((found) => [found.name, found.source]));
    assert.deepEqual(source['libssl3'], { name: 'openssl', version: '3.0.11-1~deb12u2' });
    assert.deepEqual(source['libc6'], { name: 'glibc', version: '2.36-9+deb12u4' });
    assert.deepEqual(source['base-files'], { name: 'base-files', version: '12.4+deb12u5' });
    assert.ok(inventory.packages.every((found) => found.path === 'var/lib/dpkg/status'));
  });

  it('reads a plain tar, and a blob handed over a few bytes at a time', async () => {
    const tar = await tarLayer(debianLayer);
    const plain = await readLayer(streamOf(tar));
    assert.equal(plain.compression, 'none');
    assertDebian(plain);
    const gzip = await gzipLayer(debianLayer);
    assertDebian(await readLayer(chunkedStreamOf(gzip, 3)));
  });

  it('reads a zstd layer', { skip: NO_ZSTD }, async () => {
    const inventory = await readLayer(chunkedStreamOf(await zstdLayer(debianLayer), 1000));
    assert.equal(inventory.compression, 'zstd');
    assertDebian(inventory);
  });

  it('prefers etc/os-release over usr/lib/os-release in the same layer, and survives JSON', async () => {
    const inventory = await readLayer(streamOf(await tarLayer([
      { name: './usr/lib/os-release', body: DEBIAN_OS },
      { name: './etc/os-release', body: "ID='ubuntu'\nVERSION_ID=\"22.04\"\n# a comment\n" },
    ])));
    assert.deepEqual(inventory.os, { id: 'ubuntu', versionId: '22.04', path: 'etc/os-release' });
    assert.deepEqual(JSON.parse(JSON.stringify(inventory)), inventory);
  });
});

describe('readLayer: distroless and Alpine', () => {
  it('reads one package per status.d file and ignores the md5sums beside them', async () => {
    const inventory = await readLayer(streamOf(await gzipLayer([
      { name: 'var/lib/dpkg/status.d/', type: 'directory' },
      { name: 'var/lib/dpkg/status.d/libssl3', body: stanza({ Package: 'libssl3', Version: '3.0.11-1~deb12u2', Source: 'openssl', Architecture: 'amd64' }) },
      { name: 'var/lib/dpkg/status.d/libssl3.md5sums', body: 'd41d8cd98f00b204e9800998ecf8427e  usr/lib/libssl.so.3\n' },
      { name: 'var/lib/dpkg/status.d/tzdata', body: stanza({ Package: 'tzdata', Version: '2024a-0+deb12u1' }) },
    ])));
    assert.deepEqual(summary(inventory.packages), ['deb:libssl3@3.0.11-1~deb12u2', 'deb:tzdata@2024a-0+deb12u1']);
    assert.deepEqual(inventory.packages.find((found) => found.name === 'libssl3')?.source, { name: 'openssl', version: '3.0.11-1~deb12u2' });
    assert.deepEqual(inventory.files, ['var/lib/dpkg/status.d/libssl3', 'var/lib/dpkg/status.d/tzdata']);
    assert.deepEqual(inventory.errors, []);
  });

  it('reads apk installed databases with origins and licenses, at both locations', async () => {
    const installed = [
      'C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\nL:MIT\nF:lib\nR:ld-musl-x86_64.so.1\nZ:Q1xyz=\n',
      'P:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\nL:Apache-2.0\nD:so:libc.musl-x86_64.so.1\n',
      'P:busybox-binsh\nV:1.36.1-r15\no:busybox\n',
    ].join('\n');
    const inventory = await readLayer(streamOf(await gzipLayer([
      { name: 'etc/os-release', body: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n' },
      { name: 'lib/apk/db/installed', body: installed },
      { name: 'usr/lib/apk/db/installed', body: 'P:zlib\nV:1.3.1-r0\no:zlib\n' },
    ])));
    assert.deepEqual(inventory.os, { id: 'alpine', versionId: '3.19.1', prettyName: 'Alpine Linux v3.19', path: 'etc/os-release' });
    assert.deepEqual(summary(inventory.packages), ['apk:busybox-binsh@1.36.1-r15', 'apk:libcrypto3@3.1.4-r5', 'apk:musl@1.2.4_git20230717-r4', 'apk:zlib@1.3.1-r0']);
    const crypto = inventory.packages.find((found) => found.name === 'libcrypto3');
    assert.deepEqual(crypto, { kind: 'apk', name: 'libcrypto3', version: '3.1.4-r5', source: { name: 'openssl', version: '3.1.4-r5' }, license: 'Apache-2.0', path: 'lib/apk/db/installed' });
    assert.equal(inventory.packages.find((found) => found.name === 'zlib')?.path, 'usr/lib/apk/db/installed');
  });
});

describe('readLayer: language packages', () => {
  it('reads npm package roots, scoped and nested, but not package.json files inside a package', async () => {
    const manifest = (body: Record<string, unknown>): string => JSON.stringify(body);
    const inventory = await readLayer(streamOf(await gzipLayer([
      { name: 'app/package.json', body: manifest({ name: 'my-app', version: '1.0.0' }) },
      { name: 'app/node_modules/express/package.json', body: manifest({ name: 'express', version: '4.18.2', license: 'MIT' }) },
      { name: 'app/node_modules/express/node_modules/debug/package.json', body: manifest({ name: 'debug', version: '2.6.9', license: { type: 'MIT' } }) },
      { name: 'app/node_modules/@types/node/package.json', body: manifest({ name: '@types/node', version: '20.11.5', licenses: [{ type: 'MIT' }] }) },
      { name: 'app/node_modules/express/lib/package.json', body: manifest({ name: 'not-a-package', version: '0.0.0' }) },
      { name: 'app/node_modules/esm-only/package.json', body: manifest({ type: 'module' }) },
      { name: 'app/node_modules/@scope/package.json', body: manifest({ name: 'scope-dir', version: '1.0.0' }) },
      { name: 'usr/lib/node_modules/npm/package.json', body: manifest({ name: 'npm', version: '10.2.4', license: 'Artistic-2.0' }) },
    ])));
    assert.deepEqual(summary(inventory.packages), ['npm:@types/node@20.11.5', 'npm:debug@2.6.9', 'npm:express@4.18.2', 'npm:npm@10.2.4']);
    const licenses = Object.fromEntries(inventory.packages.map((found) => [found.name, found.license]));
    assert.deepEqual(licenses, { express: 'MIT', debug: 'MIT', '@types/node': 'MIT', npm: 'Artistic-2.0' });
    assert.equal(inventory.packages.find((found) => found.name === 'debug')?.path, 'app/node_modules/express/node_modules/debug/package.json');
    assert.deepEqual(inventory.errors, []);
  });

  it('reads Python dist-info METADATA, egg-info PKG-INFO and egg-info files, with PEP 503 names', async () => {
    const inventory = await readLayer(streamOf(await gzipLayer([
      { name: 'usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA', body: 'Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\nLicense: BSD-3-Clause\n\nName: not-a-header\n' },
      { name: 'usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/RECORD', body: 'jinja2/__init__.py,,\n' },
      { name: 'usr/local/lib/python3.12/site-packages/zope.interface-6.1.dist-info/METADATA', body: 'Metadata-Version: 2.4\nName: zope.interface\nVersion: 6.1\nLicense-Expression: ZPL-2.1\n' },
      { name: 'usr/lib/python3/dist-packages/ruamel_yaml.egg-info/PKG-INFO', body: 'Metadata-Version: 1.1\nName: ruamel_yaml\nVersion: 0.17.21\nClassifier: License :: OSI Approved :: MIT License\n' },
      { name: 'usr/lib/python3/dist-packages/Old.Tool-1.0.egg-info', body: 'Metadata-Version: 1.0\nName: Old.Tool\nVersion: 1.0\nLicense: UNKNOWN\n' },
    ])));
    assert.deepEqual(summary(inventory.packages), ['pypi:jinja2@3.1.2', 'pypi:old-tool@1.0', 'pypi:ruamel-yaml@0.17.21', 'pypi:zope-interface@6.1']);
    const licenses = Object.fromEntries(inventory.packages.map((found) => [found.name, found.license]));
    assert.deepEqual(licenses, { jinja2: 'BSD-3-Clause', 'zope-interface': 'ZPL-2.1', 'ruamel-yaml': 'MIT License', 'old-tool': undefined });
    assert.deepEqual(inventory.errors, []);
  });
});
