import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../errors/index.js';
import { parseContentLength } from './headers.js';

function tooLarge(limit: number): RegistryError {
  return new RegistryError('SIZE_INVALID', { status: 413, detail: { reason: `manifests may be at most ${limit} bytes`, limit } });
}

/**
 * Reads a small body (a manifest) whole, refusing with 413 past `limit` bytes — from
 * Content-Length before reading when it is announced, else as the bytes arrive.
 */
export async function readBoundedBody(request: FastifyRequest, limit: number): Promise<Buffer> {
  const announced = parseContentLength(request.headers['content-length']);
  if (announced !== undefined && announced > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
