import { RegistryError } from '../../errors/index.js';
import { parseDigest } from '../../oci/index.js';
import { auditAction, type V2Context } from '../context.js';
import { parseRange } from '../headers.js';

/** GET and HEAD /v2/<name>/blobs/<digest>, with single byte ranges (206 / 416). */
export async function getBlob(ctx: V2Context, name: string, digestText: string): Promise<void> {
  const { request, reply, services, metrics } = ctx;
  const digest = parseDigest(digestText);
  if (request.method === 'GET') {
    // The object store serves the bytes (and any Range, which the client sends again there).
    const location = await services.blobs.redirectUrl(name, digest);
    if (location !== undefined) {
      await reply.code(307).header('Location', location).header('Docker-Content-Digest', digest.toString()).header('Content-Length', '0').send();
      return;
    }
  }
  const blob = await services.blobs.stat(name, digest);
  reply.header('Docker-Content-Digest', blob.digest).header('ETag', `"${blob.digest}"`).header('Accept-Ranges', 'bytes');
  reply.header('Content-Type', 'application/octet-stream');
  const range = parseRange(request.headers.range, blob.size);
  if (range === 'unsatisfiable') {
    throw new RegistryError('RANGE_NOT_SATISFIABLE', { detail: { reason: 'requested range not satisfiable', range: request.headers.range, size: blob.size }, headers: { 'Content-Range': `bytes */${blob.size}` } });
  }
  const offset = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : blob.size;
  if (range) reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`);
  reply.header('Content-Length', String(length));
  if (request.method === 'HEAD') {
    await reply.send();
    return;
  }
  const abort = new AbortController();
  request.raw.once('close', () => abort.abort());
  // The link was checked (and its lease renewed) by the stat above: read the bytes directly.
  const open = await services.blobs.read(digest, blob, { offset, length }, abort.signal);
  metrics.bytesSent.inc(length);
  await reply.send(open.stream);
}

/** DELETE /v2/<name>/blobs/<digest>: 202, or 404 BLOB_UNKNOWN. */
export async function deleteBlob(ctx: V2Context, name: string, digestText: string): Promise<void> {
  await ctx.services.blobs.delete(name, parseDigest(digestText));
  auditAction(ctx, 'delete', `${name}@${digestText}`);
  await ctx.reply.code(202).header('Content-Length', '0').send();
}
