/**
 * readLayer's throughput against `tar -tzf` on the same gzip layer: how much slower cataloguing a
 * layer in Node is than the system's tar merely listing it (both decompress every byte). The
 * layer is generated into a temporary folder: ~200 MB of gzip from many small text-like files
 * (hex, which compresses about 2:1 like source code does), a few hundred npm packages and a dpkg
 * status of 500 stanzas. With the zstd binary present the zstd path (fzstd) is measured too.
 *
 * Run: node dist/bench/inventory.js [compressed MB, default 200]
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { readLayer } from '../src/extensions/scanning/inventory/index.js';

/** One side's figure: compressed MB (10^6 bytes) per second, best of the runs. */
export interface InventoryFigures {
  compressedMegabytes: number;
  gzip: { readLayer: number; tar: number; ratio: number; packages: number };
  zstd?: { readLayer: number; tar: number; ratio: number };
}

const RUNS = 3;

async function addEntry(archive: ReturnType<typeof pack>, name: string, body: string): Promise<void> {
  await new Promise<void>((resolve, reject) => archive.entry({ name, mode: 0o644 }, body, (error) => (error ? reject(error) : resolve())));
}

/** Writes the layer, stopping once the compressed file reaches `megabytes`. */
async function writeLayer(file: string, megabytes: number): Promise<void> {
  const archive = pack();
  const gzip = createGzip();
  const written = pipeline(archive, gzip, createWriteStream(file));
  // zlib's bytesWritten counts what went in; the layer's size is what comes out.
  let compressed = 0;
  gzip.on('data', (chunk: Buffer) => (compressed += chunk.length));
  const status = Array.from({ length: 500 }, (_, index) => `Package: pkg-${index}\nStatus: install ok installed\nVersion: 1.${index}-1\nSource: src-${index % 50} (1.${index}-1)\nDescription: package ${index}\n ${randomBytes(200).toString('hex')}\n`).join('\n');
  await addEntry(archive, 'etc/os-release', 'ID=debian\nVERSION_ID=12\n');
  await addEntry(archive, 'var/lib/dpkg/status', status);
  for (let index = 0; compressed < megabytes * 1e6; index++) {
    const dir = `usr/share/app/d${index % 997}`;
    if (index % 100 === 0) await addEntry(archive, `app/node_modules/pkg-${index}/package.json`, JSON.stringify({ name: `pkg-${index}`, version: '1.0.0', license: 'MIT' }));
    await addEntry(archive, `${dir}/f${index}.txt`, randomBytes(1024 + (index % 32) * 512).toString('hex'));
  }
  archive.finalize();
  await written;
}

async function best(run: () => Promise<void>): Promise<number> {
  let fastest = Infinity;
  for (let index = 0; index < RUNS; index++) {
    const start = performance.now();
    await run();
    fastest = Math.min(fastest, (performance.now() - start) / 1000);
  }
  return fastest;
}

function tarList(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tar ${args.join(' ')} exited ${code}`))));
  });
}

async function measure(file: string, tarArgs: string[]): Promise<{ readLayer: number; tar: number; ratio: number; packages: number }> {
  const megabytes = (await stat(file)).size / 1e6;
  let packages = 0;
  const ours = await best(async () => {
    packages = (await readLayer(createReadStream(file, { highWaterMark: 1024 * 1024 }))).packages.length;
  });
  const theirs = await best(() => tarList([...tarArgs, file]));
  return { readLayer: megabytes / ours, tar: megabytes / theirs, ratio: theirs / ours, packages };
}

export async function benchInventory(megabytes = 200): Promise<InventoryFigures> {
  const folder = await mkdtemp(join(tmpdir(), 'berth-bench-inventory-'));
  try {
    const gzipFile = join(folder, 'layer.tar.gz');
    await writeLayer(gzipFile, megabytes);
    const figures: InventoryFigures = { compressedMegabytes: (await stat(gzipFile)).size / 1e6, gzip: await measure(gzipFile, ['-tzf']) };
    if (spawnSync('zstd', ['--version']).status === 0) {
      const zstdFile = join(folder, 'layer.tar.zst');
      spawnSync('sh', ['-c', `gzip -dc '${gzipFile}' | zstd -q -3 -o '${zstdFile}'`], { stdio: 'inherit' });
      const { readLayer: ours, tar, ratio } = await measure(zstdFile, ['--zstd', '-tf']);
      figures.zstd = { readLayer: ours, tar, ratio };
    }
    return figures;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchInventory(Number(process.argv[2] ?? 200));
  const line = (label: string, side: { readLayer: number; tar: number; ratio: number }): string =>
    `${label}: readLayer ${side.readLayer.toFixed(1)} MB/s, tar -t ${side.tar.toFixed(1)} MB/s, readLayer/tar ${side.ratio.toFixed(2)}`;
  console.log(`layer: ${figures.compressedMegabytes.toFixed(1)} MB compressed, ${figures.gzip.packages} packages found`);
  console.log(line('gzip', figures.gzip));
  if (figures.zstd) console.log(line('zstd', figures.zstd));
}
