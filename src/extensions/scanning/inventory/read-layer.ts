import { addAbortSignal, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import { cataloguerFor } from './cataloguers.js';
import { decompressorFor, peek, sniffCompression } from './compression.js';
import { LayerInventoryBuilder } from './layer-inventory-builder.js';
import { normaliseEntryName, whiteoutOf } from './layer-paths.js';
import { LayerReadError } from './layer-read-error.js';
import type { LayerInventory } from './types.js';

/** How much of a layer may be held in memory at once, and how many entry errors are kept. */
export interface InventoryLimits {
  /** The largest package database read (dpkg status, apk installed); larger ones are drained and noted. */
  databaseBytes: number;
  /** The largest single-package file read (package.json, METADATA, os-release, a status.d file). */
  manifestBytes: number;
  /** Entry errors kept; past this they are only counted, so a hostile layer can't grow the result. */
  errors: number;
}

const DEFAULT_LIMITS: InventoryLimits = { databaseBytes: 8 * 1024 * 1024, manifestBytes: 256 * 1024, errors: 100 };

export interface ReadLayerOptions {
  /** Aborting destroys the blob stream; readLayer then rejects with a LayerReadError. */
  signal?: AbortSignal;
  limits?: Partial<InventoryLimits>;
}

/** A catalogued file's bytes: `size` is the header's, already checked against the cap. */
async function contentOf(entry: Entry, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // tar-stream's entry streams carry Buffers (its typings say unknown).
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks, size);
}

/** A tar entry as tar-stream hands it out: its header and a (streamx) stream of its data. */
interface Entry extends AsyncIterable<unknown> {
  header: Header;
  resume(): unknown;
}

/** Lets an entry's data flow past unkept; tar-stream moves on to the next entry once it has. */
function drain(entry: Entry): void {
  entry.resume();
}

async function readEntry(entry: Entry, inventory: LayerInventoryBuilder, limits: InventoryLimits): Promise<void> {
  const { header } = entry;
  const named = normaliseEntryName(header.name);
  if ('escapes' in named) {
    inventory.noteError(header.name, 'the entry resolves outside the layer root; ignored');
    return drain(entry);
  }
  if ('root' in named) return drain(entry);
  const { path } = named;
  const whiteout = whiteoutOf(path);
  if (whiteout !== undefined) {
    if ('removes' in whiteout) inventory.whiteouts.removed.push(whiteout.removes);
    else if ('opaque' in whiteout) inventory.whiteouts.opaque.push(whiteout.opaque);
    else if ('invalid' in whiteout) inventory.noteError(path, whiteout.invalid);
    return drain(entry);
  }
  // Links are not followed: the file they name is catalogued where it really lies.
  if (header.type !== 'file' && header.type !== 'contiguous-file') return drain(entry);
  const cataloguer = cataloguerFor(path);
  if (cataloguer === undefined) return drain(entry);
  const cap = cataloguer.sizeClass === 'database' ? limits.databaseBytes : limits.manifestBytes;
  if (header.size > cap) {
    // Present but unread: it still replaces a lower layer's copy, whose packages are stale.
    inventory.addFile(path, {});
    inventory.noteError(path, `${cataloguer.name}: ${header.size} bytes is over the ${cap}-byte cap; not read`);
    return drain(entry);
  }
  const text = (await contentOf(entry, header.size)).toString('utf8');
  try {
    const result = cataloguer.parse(text, path);
    inventory.addFile(path, result);
    for (const problem of result.problems ?? []) inventory.noteError(path, `${cataloguer.name}: ${problem}`);
  } catch (error) {
    inventory.addFile(path, {});
    inventory.noteError(path, `${cataloguer.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Reads one layer blob once, as a stream, and returns what it installs: the OS, the packages of
 * every catalogued file, its whiteouts and the entries it could not use. Memory stays bounded
 * whatever the layer's size: only catalogued files are held, one at a time, each up to its cap;
 * every other entry is drained as it passes.
 *
 * Rejects with a {@link LayerReadError} when the blob itself can't be read to its end (corrupt or
 * truncated compression, a broken tar, an abort); a bad entry is recorded and the rest still read.
 */
export async function readLayer(stream: Readable, options: ReadLayerOptions = {}): Promise<LayerInventory> {
  const limits: InventoryLimits = { ...DEFAULT_LIMITS, ...options.limits };
  if (options.signal !== undefined) addAbortSignal(options.signal, stream);
  let compression: LayerInventory['compression'] = 'none';
  try {
    options.signal?.throwIfAborted();
    const { head, stream: whole } = await peek(stream, 4);
    compression = sniffCompression(head);
    const inventory = new LayerInventoryBuilder(compression, limits.errors);
    const tar = extract();
    const decompressor = decompressorFor(compression);
    const feeding = decompressor === undefined ? pipeline(whole, tar) : pipeline(whole, decompressor, tar);
    const walking = (async () => {
      try {
        for await (const entry of tar) await readEntry(entry, inventory, limits);
      } catch (error) {
        tar.destroy(error as Error);
        throw error;
      }
    })();
    await Promise.all([feeding, walking]);
    return inventory.build();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LayerReadError(`the layer could not be read (${compression === 'none' ? 'tar' : `${compression} tar`}): ${reason}`, { cause: error });
  }
}
