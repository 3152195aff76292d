import { RegistryError } from '../../errors/index.js';
import { parseDigest, parseRepositoryName } from '../../oci/index.js';
import type { UploadRecord } from '../../content/uploads.js';
import type { CompletedUpload } from '../../content/uploads.js';
import { bodyOf, hasBody, originOf, type V2Context } from '../context.js';
import { parseContentLength, parseContentRange } from '../headers.js';

/** Who opens a session, for the per-principal cap: `user:bob`, `robot:ci`; none when anonymous. */
function openedBy(ctx: V2Context): string | undefined {
  return ctx.principal.kind === 'anonymous' ? undefined : `${ctx.principal.kind}:${ctx.principal.name}`;
}

function uploadLocation(name: string, id: string): string {
  return `/v2/${name}/blobs/uploads/${id}`;
}

/** Headers that tell a client where a session stands (distribution-spec: Location and Range). */
function sessionHeaders(ctx: V2Context, name: string, upload: UploadRecord): void {
  ctx.reply
    .header('Location', uploadLocation(name, upload.id))
    .header('Range', `0-${Math.max(upload.offset - 1, 0)}`)
    .header('Docker-Upload-UUID', upload.id)
    .header('Content-Length', '0');
}

async function created(ctx: V2Context, name: string, blob: CompletedUpload): Promise<void> {
  ctx.metrics.uploadSeconds.observe((Date.now() - blob.startedAt.getTime()) / 1000);
  await ctx.reply
    .code(201)
    .header('Location', `/v2/${name}/blobs/${blob.digest}`)
    .header('Docker-Content-Digest', blob.digest)
    .header('Content-Length', '0')
    .send();
}

/**
 * POST /v2/<name>/blobs/uploads/: a cross-repository mount (?mount=&from=, `from` optional),
 * a whole blob in one request (?digest=), or a new session (202, with OCI-Chunk-Min-Length).
 */
export async function startUpload(ctx: V2Context, name: string): Promise<void> {
  const { query, services, reply, request } = ctx;
  const mount = query.get('mount');
  if (mount !== null) {
    const digest = parseDigest(mount);
    const from = query.get('from') ?? undefined;
    // A mount reads another repository: only from one the caller may pull, and without `from`
    // (any repository holding the digest) only when there is no access control to bypass.
    const permitted = from === undefined ? ctx.principal.mountAnywhere : await ctx.principal.may(parseRepositoryName(from), 'pull');
    const blob = permitted ? await services.blobs.mount(name, digest, from === undefined ? undefined : parseRepositoryName(from), originOf(ctx)) : undefined;
    if (blob) {
      await reply.code(201).header('Location', `/v2/${name}/blobs/${blob.digest}`).header('Docker-Content-Digest', blob.digest).header('Content-Length', '0').send();
      return;
    }
    // distribution-spec: when a mount is impossible, answer 202 with a fresh session instead.
  }
  const digestParam = mount === null ? query.get('digest') : null;
  if (digestParam !== null) {
    const digest = parseDigest(digestParam);
    const length = parseContentLength(request.headers['content-length']);
    await created(ctx, name, await services.uploads.pushMonolithic(name, digest, bodyOf(ctx), { ...(length === undefined ? {} : { length }), origin: originOf(ctx) }, openedBy(ctx)));
    return;
  }
  const upload = await services.uploads.start(name, query.get('digest-algorithm') ?? undefined, openedBy(ctx), originOf(ctx));
  sessionHeaders(ctx, name, upload);
  await reply.code(202).header('OCI-Chunk-Min-Length', String(ctx.config.uploads.chunkMinLength)).send();
}

/** GET <location>: 204 with Range, so an interrupted client knows where to resume. */
export async function uploadStatus(ctx: V2Context, name: string, id: string): Promise<void> {
  const upload = await ctx.services.uploads.status(name, id);
  sessionHeaders(ctx, name, upload);
  await ctx.reply.code(204).send();
}

/** PATCH <location>: a chunk with Content-Range, or a stream without (202 with the new Range). */
export async function patchUpload(ctx: V2Context, name: string, id: string): Promise<void> {
  const { request } = ctx;
  const range = parseContentRange(request.headers['content-range']);
  const length = parseContentLength(request.headers['content-length']);
  const upload = await ctx.services.uploads.append(name, id, bodyOf(ctx), { ...(range ? { range } : {}), ...(length === undefined ? {} : { length }), origin: originOf(ctx) });
  sessionHeaders(ctx, name, upload);
  await ctx.reply.code(202).send();
}

/** PUT <location>?digest=: closes the session, with an optional final chunk (201). */
export async function completeUpload(ctx: V2Context, name: string, id: string): Promise<void> {
  const { request, query } = ctx;
  const digestParam = query.get('digest');
  if (digestParam === null) {
    throw new RegistryError('DIGEST_INVALID', { detail: { reason: 'the closing PUT needs ?digest= with the whole blob\'s digest' } });
  }
  const digest = parseDigest(digestParam);
  const range = parseContentRange(request.headers['content-range']);
  const length = parseContentLength(request.headers['content-length']);
  const body = hasBody(request) ? bodyOf(ctx) : undefined;
  const blob = await ctx.services.uploads.complete(name, id, digest, body, { ...(range ? { range } : {}), ...(length === undefined ? {} : { length }), origin: originOf(ctx) });
  await created(ctx, name, blob);
}

/** DELETE <location>: cancels the session (204). */
export async function cancelUpload(ctx: V2Context, name: string, id: string): Promise<void> {
  await ctx.services.uploads.cancel(name, id);
  await ctx.reply.code(204).send();
}
