import { RegistryError } from '../../errors/index.js';
import { MediaType, parseDigest } from '../../oci/index.js';
import type { V2Context } from '../context.js';

// A page asked for with n never holds more than this; the Link header leads on.
const MAX_PAGE = 10_000;

interface Page {
  n: number | undefined;
  last: string | undefined;
}

function parsePage(query: URLSearchParams): Page {
  const nText = query.get('n');
  let n: number | undefined;
  if (nText !== null) {
    if (!/^\d+$/.test(nText)) throw new RegistryError('BAD_PARAMETER', { detail: { n: nText, reason: 'n must be a non-negative integer' } });
    n = Math.min(Number(nText), MAX_PAGE);
  }
  return { n, last: query.get('last') ?? undefined };
}

/**
 * Answers one page and, when more may follow, a Link header (RFC 5988, rel="next"). One extra
 * row is fetched to know whether there is a next page; n=0 gives an empty list and no Link.
 */
async function sendPage(ctx: V2Context, path: string, key: 'tags' | 'repositories', extra: Record<string, string>, fetch: (limit: number | undefined, last: string | undefined) => Promise<string[]>): Promise<void> {
  const { n, last } = parsePage(ctx.query);
  let items: string[] = [];
  if (n !== 0) {
    const rows = await fetch(n === undefined ? undefined : n + 1, last);
    items = n === undefined ? rows : rows.slice(0, n);
    if (n !== undefined && rows.length > n) {
      const next = new URLSearchParams({ n: String(n), last: items[items.length - 1] as string });
      ctx.reply.header('Link', `<${path}?${next.toString()}>; rel="next"`);
    }
  }
  await ctx.reply.header('Content-Type', 'application/json').send(JSON.stringify({ ...extra, [key]: items }));
}

/** GET /v2/<name>/tags/list[?n=&last=]. */
export async function listTags(ctx: V2Context, name: string): Promise<void> {
  await sendPage(ctx, `/v2/${name}/tags/list`, 'tags', { name }, (limit, last) => ctx.services.manifests.listTags(name, limit, last));
}

/** GET /v2/_catalog[?n=&last=]: the repositories the caller may pull. */
export async function listRepositories(ctx: V2Context): Promise<void> {
  const visible = await ctx.principal.pullFilter();
  await sendPage(ctx, '/v2/_catalog', 'repositories', {}, async (limit, last) => {
    // Filtering after the query can leave a page short: read on until it is full or names run out.
    const names: string[] = [];
    let after = last;
    for (;;) {
      const batch = await ctx.services.manifests.catalog(limit === undefined ? undefined : Math.max(limit, 100), after);
      names.push(...batch.filter(visible));
      if (limit === undefined || batch.length < Math.max(limit, 100) || names.length >= limit) return limit === undefined ? names : names.slice(0, limit);
      after = batch[batch.length - 1];
    }
  });
}

/** GET /v2/<name>/referrers/<digest>[?artifactType=]: always an image index, never 404. */
export async function listReferrers(ctx: V2Context, name: string, digestText: string): Promise<void> {
  const subject = parseDigest(digestText).toString();
  const artifactType = ctx.query.get('artifactType') ?? undefined;
  const referrers = await ctx.services.manifests.referrers(name, subject, artifactType);
  if (artifactType !== undefined) ctx.reply.header('OCI-Filters-Applied', 'artifactType');
  const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: referrers };
  // A Buffer, not a string: Fastify would append '; charset=utf-8' to a string's Content-Type.
  await ctx.reply.header('Content-Type', MediaType.OciIndex).send(Buffer.from(JSON.stringify(index)));
}
