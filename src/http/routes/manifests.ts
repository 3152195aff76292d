import { RegistryError } from '../../errors/index.js';
import { bareMediaType, isTag, parseReference, type Reference } from '../../oci/index.js';
import { auditAction, originOf, type V2Context } from '../context.js';
import { readBoundedBody } from '../read-body.js';

/**
 * The reference of a GET, HEAD or DELETE. A name that can't be a tag names no manifest, so it is
 * 404 MANIFEST_UNKNOWN (as the conformance suite expects of `.INVALID_MANIFEST_NAME`); only a
 * PUT, which would create it, is refused with 400 MANIFEST_INVALID.
 */
function lookupReference(name: string, text: string): Reference {
  if (!text.includes(':') && !isTag(text)) {
    throw new RegistryError('MANIFEST_UNKNOWN', { detail: { repository: name, tag: text, reason: 'not a valid tag' } });
  }
  return parseReference(text);
}

/** GET and HEAD /v2/<name>/manifests/<reference>: the stored bytes with their stored media type. */
export async function getManifest(ctx: V2Context, name: string, referenceText: string): Promise<void> {
  const manifest = await ctx.services.manifests.get(name, lookupReference(name, referenceText));
  ctx.reply
    .header('Content-Type', manifest.mediaType)
    .header('Docker-Content-Digest', manifest.digest)
    .header('ETag', `"${manifest.digest}"`)
    .header('Content-Length', String(manifest.size));
  if (ctx.request.method === 'HEAD') {
    await ctx.reply.send();
    return;
  }
  auditAction(ctx, 'pull', `${name}:${referenceText}`, { digest: manifest.digest });
  // GET only, as Distribution notifies pulls: a HEAD (a node re-checking a tag) transfers nothing.
  const tag = referenceText.includes(':') ? {} : { tag: referenceText };
  ctx.services.pullEvents.record({ repository: name, digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.size, ...tag }, originOf(ctx));
  ctx.metrics.activity?.action('pull', name);
  ctx.metrics.bytesSent.inc(manifest.size);
  await ctx.reply.send(Buffer.from(manifest.bytes.buffer, manifest.bytes.byteOffset, manifest.bytes.byteLength));
}

/** PUT /v2/<name>/manifests/<reference>[?tag=…]: 201 with Location, digest, OCI-Subject, OCI-Tag. */
export async function putManifest(ctx: V2Context, name: string, referenceText: string): Promise<void> {
  const reference = parseReference(referenceText);
  const tags = ctx.query.getAll('tag');
  if (tags.length > 0 && reference.kind !== 'digest') {
    throw new RegistryError('MANIFEST_INVALID', { detail: { reason: '?tag= is accepted only when pushing by digest' } });
  }
  const bytes = await readBoundedBody(ctx.request, ctx.config.manifests.maxBytes);
  const pushed = await ctx.services.manifests.put(name, reference, bytes, bareMediaType(ctx.request.headers['content-type']), tags, originOf(ctx));
  ctx.reply
    .code(201)
    .header('Location', `/v2/${name}/manifests/${pushed.digest}`)
    .header('Docker-Content-Digest', pushed.digest)
    .header('Content-Length', '0');
  if (pushed.subject) ctx.reply.header('OCI-Subject', pushed.subject);
  if (tags.length > 0) ctx.reply.header('OCI-Tag', pushed.tags.join(', '));
  auditAction(ctx, 'push', `${name}:${referenceText}`, { digest: pushed.digest, ...(tags.length > 0 ? { tags: pushed.tags } : {}) });
  ctx.metrics.activity?.action('push', name);
  await ctx.reply.send();
}

/** DELETE /v2/<name>/manifests/<reference>: a tag alone, or the manifest and its tags (202). */
export async function deleteManifest(ctx: V2Context, name: string, referenceText: string): Promise<void> {
  await ctx.services.manifests.delete(name, lookupReference(name, referenceText), originOf(ctx));
  auditAction(ctx, 'delete', `${name}:${referenceText}`);
  await ctx.reply.code(202).header('Content-Length', '0').send();
}
