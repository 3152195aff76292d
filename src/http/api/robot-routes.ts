/** Admin API routes for robot accounts and the audit log. */
import { defineRoute, type AnyApiRoute } from './api-route.js';
import { auditPageSchema, auditQuerySchema, robotCreatedSchema, robotCreateSchema, robotListSchema } from './schemas.js';
import { auditEventJson, createdRobotJson, robotJson } from './to-json.js';
import { optionalDate } from './user-routes.js';

/** The robot and audit routes. */
export const ROBOT_AND_AUDIT_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/robots',
    id: 'listRobots',
    tag: 'robots',
    summary: 'Robots: all for admins; for others those they created and those of the namespaces they own',
    access: 'authenticated',
    status: 200,
    response: robotListSchema,
    errors: [],
    handle: async ({ ops, by }) => ({ robots: (await ops.robots.list(by)).map(robotJson) }),
  }),
  defineRoute({
    method: 'POST',
    path: '/robots',
    id: 'createRobot',
    tag: 'robots',
    summary: 'Create a robot; its secret is in this response only',
    description:
      "A robot belongs to one namespace: its grants lie inside it, its name is unique there, and it logs in as robot$<namespace>+<name> with the secret. Namespace owners create robots of their namespaces; admins also system robots (no namespace, granted anywhere, login robot$<name>).",
    access: 'owner-of-every-grant-or-admin',
    body: robotCreateSchema,
    status: 201,
    response: robotCreatedSchema,
    errors: [400, 403, 409, 413],
    handle: async ({ ops, by, body }) =>
      createdRobotJson(
        await ops.robots.create(by, {
          name: body.name,
          namespace: body.namespace,
          description: body.description,
          grants: body.grants,
          expiresAt: optionalDate(body.expiresAt),
          expiresInDays: body.expiresInDays,
        }),
      ),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/robots/{id}',
    id: 'revokeRobot',
    tag: 'robots',
    summary: 'Revoke a robot',
    access: 'creator-or-admin',
    status: 204,
    errors: [403, 404],
    handle: async ({ ops, by, params }) => void (await ops.robots.revoke(by, params.id ?? '')),
  }),
  defineRoute({
    method: 'GET',
    path: '/audit',
    id: 'queryAudit',
    tag: 'audit',
    summary: 'Audit events, newest first; page with `before`',
    access: 'admin',
    query: auditQuerySchema,
    status: 200,
    response: auditPageSchema,
    errors: [400, 403],
    handle: async ({ ops, by, query }) => {
      const page = await ops.audit.query(by, {
        actor: query.actor,
        action: query.action,
        target: query.target,
        outcome: query.outcome,
        since: optionalDate(query.since),
        until: optionalDate(query.until),
        before: query.before,
        limit: query.limit,
      });
      return { events: page.events.map(auditEventJson), next: page.next ?? null };
    },
  }),
];
