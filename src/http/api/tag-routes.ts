/** Admin API routes for tag history and rollback, immutable-tag rules and read-only mode. */
import type { ReadOnlyState } from '../../content/read-only-mode.js';
import type { ImmutableTagRuleRecord, TagEventRecord } from '../../operations/records.js';
import { defineRoute, type AnyApiRoute } from './api-route.js';
import {
  immutableRuleCreateSchema,
  immutableRuleKeySchema,
  immutableRuleListQuerySchema,
  immutableRuleListSchema,
  immutableRuleSchema,
  readOnlySchema,
  readOnlySetSchema,
  tagHistoryQuerySchema,
  tagHistorySchema,
  tagRollbackSchema,
  tagRolledBackSchema,
} from './tag-schemas.js';

function eventJson(event: TagEventRecord): { id: number; repository: string; tag: string; oldDigest: string | null; newDigest: string | null; actor: string; at: string } {
  return {
    id: event.id,
    repository: event.repository,
    tag: event.tag,
    oldDigest: event.oldDigest ?? null,
    newDigest: event.newDigest ?? null,
    actor: event.actor,
    at: event.at.toISOString(),
  };
}

function ruleJson(rule: ImmutableTagRuleRecord): { scopeKind: 'namespace' | 'repository'; scope: string; pattern: string; createdBy: string; createdAt: string } {
  return { scopeKind: rule.scopeKind, scope: rule.scope, pattern: rule.pattern, createdBy: rule.createdBy, createdAt: rule.createdAt.toISOString() };
}

function readOnlyJson(state: ReadOnlyState): { enabled: boolean; reason: string; updatedBy?: string; updatedAt?: string } {
  return { enabled: state.enabled, reason: state.reason, ...(state.updatedBy === undefined ? {} : { updatedBy: state.updatedBy }), ...(state.updatedAt ? { updatedAt: state.updatedAt.toISOString() } : {}) };
}

/** The tag lifecycle routes. */
export const TAG_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/tag-history',
    id: 'getTagHistory',
    tag: 'tags',
    summary: "A repository's tag moves (or one tag's), newest first: old and new digest, who, when",
    access: 'repository-pull',
    query: tagHistoryQuerySchema,
    status: 200,
    response: tagHistorySchema,
    errors: [400, 403, 404],
    handle: async ({ ops, by, query }) => {
      const page = await ops.tags.history(by, query);
      return { events: page.events.map(eventJson), next: page.next ?? null };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/tag-rollback',
    id: 'rollbackTag',
    tag: 'tags',
    summary: 'Point a tag back at an earlier manifest: a digest (to), or where it pointed N moves ago (steps, default 1)',
    description: 'Recorded in the tag history like a push; refused for an immutable tag, and with 404 when the manifest is gone (garbage collection keeps those a tag pointed to within its history window).',
    access: 'repository-push',
    body: tagRollbackSchema,
    status: 200,
    response: tagRolledBackSchema,
    errors: [400, 403, 404, 409, 413],
    handle: async ({ ops, by, body }) => ops.tags.rollback(by, body.repository, body.tag, body.to !== undefined ? { to: body.to } : { steps: body.steps ?? 1 }),
  }),
  defineRoute({
    method: 'GET',
    path: '/immutable-tag-rules',
    id: 'listImmutableTagRules',
    tag: 'tags',
    summary: 'Immutable-tag rules: all for admins; for others those of namespaces where they have rights',
    access: 'authenticated',
    query: immutableRuleListQuerySchema,
    status: 200,
    response: immutableRuleListSchema,
    errors: [400],
    handle: async ({ ops, by, query }) => ({
      rules: (await ops.tags.listRules(by, { ...(query.namespace ? { namespace: query.namespace } : {}), ...(query.repository ? { repository: query.repository } : {}) })).map(ruleJson),
    }),
  }),
  defineRoute({
    method: 'POST',
    path: '/immutable-tag-rules',
    id: 'addImmutableTagRule',
    tag: 'tags',
    summary: 'Make the tags of a namespace or repository that match a pattern immutable',
    description: 'Pushing a different manifest to such a tag, deleting it, or deleting the manifest it points to is then refused (403 DENIED). Other nodes apply a change within a second.',
    access: 'maintainer-or-admin',
    body: immutableRuleCreateSchema,
    status: 201,
    response: immutableRuleSchema,
    errors: [400, 403, 409, 413],
    handle: async ({ ops, by, body }) => ruleJson(await ops.tags.addRule(by, body)),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/immutable-tag-rules',
    id: 'removeImmutableTagRule',
    tag: 'tags',
    summary: 'Remove an immutable-tag rule (named by scopeKind, scope and pattern in the query)',
    access: 'maintainer-or-admin',
    query: immutableRuleKeySchema,
    status: 204,
    errors: [400, 403, 404, 409],
    handle: async ({ ops, by, query }) => void (await ops.tags.removeRule(by, query)),
  }),
  defineRoute({
    method: 'GET',
    path: '/read-only',
    id: 'getReadOnly',
    tag: 'maintenance',
    summary: 'Whether the registry is in read-only (maintenance) mode',
    access: 'admin',
    status: 200,
    response: readOnlySchema,
    errors: [403],
    handle: async ({ ops, by }) => readOnlyJson(await ops.tags.readOnly(by)),
  }),
  defineRoute({
    method: 'PUT',
    path: '/read-only',
    id: 'setReadOnly',
    tag: 'maintenance',
    summary: 'Turn read-only (maintenance) mode on or off',
    description: 'While on, registry writes (/v2 POST, PUT, PATCH, DELETE) get 405 UNSUPPORTED with the reason; pulls and this API keep working. Other nodes follow within a second.',
    access: 'admin',
    body: readOnlySetSchema,
    status: 200,
    response: readOnlySchema,
    errors: [400, 403, 413],
    handle: async ({ ops, by, body }) => readOnlyJson(await ops.tags.setReadOnly(by, body.enabled, body.reason)),
  }),
];
