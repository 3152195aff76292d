/** Admin API routes for repositories: listing them and deleting one. */
import { z } from 'zod';
import { defineRoute, type AnyApiRoute } from './api-route.js';

const REPOSITORY_LIST_MAX = 1000;

const repositoryListQuerySchema = z.strictObject({
  namespace: z.string().min(1).max(255).optional().describe("Only this namespace's repositories"),
  n: z.coerce.number().int().min(1).max(REPOSITORY_LIST_MAX).optional().describe('At most this many (default 100)'),
  last: z.string().min(1).max(255).optional().describe('Names after this one (the previous page\'s next)'),
});

const repositoryListSchema = z.object({
  repositories: z.array(z.object({ name: z.string(), namespace: z.string() })),
  next: z.string().nullable().describe('Pass as last for the next page; null on the last page'),
});

const repositoryDeletedSchema = z.object({
  repository: z.string(),
  tags: z.int().describe('Tags removed (recorded in the tag history)'),
  manifests: z.int().describe('Manifests removed'),
  blobs: z.int().describe('Blob links removed; GC reclaims the bytes no repository links any more'),
});

/** The repository routes. */
export const REPOSITORY_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/repositories',
    id: 'listRepositories',
    tag: 'repositories',
    summary: 'Repositories the caller may pull (admins: all), in byte order, paged with n and last',
    access: 'authenticated',
    query: repositoryListQuerySchema,
    status: 200,
    response: repositoryListSchema,
    errors: [400],
    handle: async ({ ops, by, query }) => {
      const page = await ops.repositories.list(by, query);
      return { repositories: page.repositories, next: page.next ?? null };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/repositories/{name}',
    id: 'deleteRepository',
    tag: 'repositories',
    summary: 'Delete a repository: its tags, manifests and blob links (GC reclaims the bytes)',
    description:
      'Owners of its namespace and admins. Refused with 403 DENIED naming the tag and rule while an immutable-tag rule protects one of its tags, and with 409 CONFLICT in read-only mode. Names contain "/": send them URL-encoded (%2F).',
    access: 'owner-or-admin',
    status: 200,
    response: repositoryDeletedSchema,
    errors: [400, 403, 404, 409],
    handle: async ({ ops, by, params }) => {
      const name = params.name ?? '';
      const deleted = await ops.repositories.delete(by, name);
      return { repository: name, tags: deleted.tags, manifests: deleted.manifests.length, blobs: deleted.blobs };
    },
  }),
];
