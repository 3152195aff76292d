/** Admin API routes for namespaces, their members and repository visibility. */
import { defineRoute, type AnyApiRoute } from './api-route.js';
import {
  memberListSchema,
  memberPathSchema,
  memberSchema,
  memberSetSchema,
  namespaceCreateSchema,
  namespaceDeleteQuerySchema,
  namespaceListSchema,
  namespaceSchema,
  namespaceUpdateSchema,
  namespaceUsageSchema,
  repositoryVisibilitySchema,
} from './schemas.js';
import { memberJson, namespaceJson } from './to-json.js';

const SLASHES = 'Namespace names containing "/" are sent URL-encoded (%2F).';

/** The namespace routes. */
export const NAMESPACE_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/namespaces',
    id: 'listNamespaces',
    tag: 'namespaces',
    summary: 'Namespaces: all for admins; for others those where they hold a role, and the public ones',
    access: 'authenticated',
    status: 200,
    response: namespaceListSchema,
    errors: [],
    handle: async ({ management, by }) => ({ namespaces: (await management.namespaces.list(by)).map(namespaceJson) }),
  }),
  defineRoute({
    method: 'POST',
    path: '/namespaces',
    id: 'createNamespace',
    tag: 'namespaces',
    summary: 'Create a namespace (private unless said otherwise)',
    access: 'admin',
    body: namespaceCreateSchema,
    status: 201,
    response: namespaceSchema,
    errors: [400, 403, 409, 413],
    handle: async ({ management, by, body }) => namespaceJson(await management.namespaces.create(by, body)),
  }),
  defineRoute({
    method: 'GET',
    path: '/namespaces/{name}',
    id: 'getNamespace',
    tag: 'namespaces',
    summary: 'One namespace',
    description: `Admins, members, and anyone when it is public. ${SLASHES}`,
    access: 'member-or-admin',
    status: 200,
    response: namespaceSchema,
    errors: [403, 404],
    handle: async ({ management, by, params }) => namespaceJson(await management.namespaces.get(by, params.name ?? '')),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/namespaces/{name}',
    id: 'updateNamespace',
    tag: 'namespaces',
    summary: 'Change visibility or the pull/push CIDR allow-lists (null clears a list), or the storage quota (admins only; null removes it)',
    description: `A quota counts the distinct blob bytes its repositories link; other nodes apply a change within 2 s. ${SLASHES}`,
    access: 'owner-or-admin',
    body: namespaceUpdateSchema,
    status: 200,
    response: namespaceSchema,
    errors: [400, 403, 404, 413],
    handle: async ({ management, quotas, by, params, body }) => {
      const updated = await management.namespaces.update(by, params.name ?? '', body);
      // This node applies the new quota at once; the others when their 2 s copy expires.
      quotas.invalidate(updated.name);
      return namespaceJson(updated);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/namespaces/{name}/usage',
    id: 'getNamespaceUsage',
    tag: 'namespaces',
    summary: "A namespace's storage usage and quota, in total and per repository",
    description: `Members and admins. A blob linked by several repositories counts once in the total and in each repository's bytes; manifests are not counted. ${SLASHES}`,
    access: 'member-or-admin',
    status: 200,
    response: namespaceUsageSchema,
    errors: [403],
    handle: async ({ management, quotas, by, params }) => {
      const name = params.name ?? '';
      await management.namespaces.requireMember(by, name);
      return quotas.usage(name);
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/namespaces/{name}',
    id: 'deleteNamespace',
    tag: 'namespaces',
    summary: 'Delete a namespace and its memberships; refused (409) while it holds repositories unless deleteRepositories=true',
    description: `With deleteRepositories=true its repositories are deleted first (each audited; GC reclaims the bytes); an immutable tag in one stops the deletion there. ${SLASHES}`,
    access: 'admin',
    query: namespaceDeleteQuerySchema,
    status: 204,
    errors: [400, 403, 404, 409],
    handle: async ({ management, repositories, by, params, query }) => void (await management.namespaces.delete(by, params.name ?? '', repositories, query.deleteRepositories === 'true')),
  }),
  defineRoute({
    method: 'GET',
    path: '/namespaces/{name}/members',
    id: 'listMembers',
    tag: 'namespaces',
    summary: "A namespace's members",
    description: SLASHES,
    access: 'member-or-admin',
    status: 200,
    response: memberListSchema,
    errors: [403, 404],
    handle: async ({ management, by, params }) => ({ members: (await management.namespaces.members(by, params.name ?? '')).map(memberJson) }),
  }),
  defineRoute({
    method: 'PUT',
    path: '/namespaces/{name}/members/{kind}/{member}',
    id: 'setMember',
    tag: 'namespaces',
    summary: "Add a member or change its role (a user must have an account; groups come from the directory)",
    access: 'owner-or-admin',
    params: memberPathSchema,
    body: memberSetSchema,
    status: 200,
    response: memberSchema,
    errors: [400, 403, 404, 413],
    handle: async ({ management, by, params, body }) =>
      memberJson(await management.namespaces.setMember(by, params.name ?? '', { kind: params.kind === 'group' ? 'group' : 'user', name: params.member ?? '', role: body.role })),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/namespaces/{name}/members/{kind}/{member}',
    id: 'removeMember',
    tag: 'namespaces',
    summary: 'Remove a member',
    access: 'owner-or-admin',
    params: memberPathSchema,
    status: 204,
    errors: [400, 403, 404],
    handle: async ({ management, by, params }) =>
      void (await management.namespaces.removeMember(by, params.name ?? '', params.kind === 'group' ? 'group' : 'user', params.member ?? '')),
  }),
  defineRoute({
    method: 'PUT',
    path: '/repository-visibility',
    id: 'setRepositoryVisibility',
    tag: 'namespaces',
    summary: "Set a repository's own visibility, or clear it (null) to inherit its namespace's",
    access: 'owner-or-admin',
    body: repositoryVisibilitySchema,
    status: 200,
    response: repositoryVisibilitySchema,
    errors: [400, 403, 404, 413],
    handle: async ({ management, by, body }) => management.namespaces.setRepositoryVisibility(by, body.repository, body.visibility),
  }),
];
