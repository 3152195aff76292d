/**
 * A layer blob that could not be read to its end: a truncated or corrupt gzip or zstd stream, a
 * broken tar header, or the read aborted. readLayer rejects with it rather than returning what it
 * found so far, because an inventory is cached per layer digest and a partial one would pass for
 * the whole layer's. Problems with single entries are not this: they are recorded in the inventory.
 */
export class LayerReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LayerReadError';
  }
}
