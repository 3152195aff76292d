import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../errors/index.js';
import { parseContentLength } from './headers.js';

function tooLarge(limit: number): RegistryError {
  // The table's message ("provided length did not match content length") would misstate it, and
  // clients print the message: say the body is too large.
  const reason = `the manifest is too large: at most ${limit} bytes are accepted`;
  return new RegistryError('BODY_TOO_LARGE', { message: reason, detail: { reason, limit } });
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
