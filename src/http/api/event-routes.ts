/** Admin API route for the outbox: events after an id, by type and repository (admins only). */
import { z } from 'zod';
import { eventJson } from '../../events/event.js';
import { EVENT_TYPES, type EventType } from '../../operations/records.js';
import { defineRoute, type AnyApiRoute } from './api-route.js';

const descriptorSchema = z
  .object({
    mediaType: z.string().optional(),
    digest: z.string().optional(),
    size: z.int().optional(),
    tag: z.string().optional().describe("The tag (tag events; a push's first tag)"),
    tags: z.array(z.string()).optional().describe('Tags pointing at a pushed manifest'),
    oldDigest: z.string().optional().describe("A moved or deleted tag's previous digest"),
  })
  .describe('What the event is about, as an OCI descriptor plus the tag');

const eventSchema = z.object({
  id: z.int().describe('Monotonic in commit order: a later change has a larger id'),
  type: z.enum(EVENT_TYPES),
  at: z.iso.datetime({ offset: true }),
  repository: z.string().nullable(),
  target: descriptorSchema.nullable(),
  data: z.record(z.string(), z.unknown()).nullable().describe('Type-specific detail: pull counts, quota figures, GC totals, the read-only state'),
  actor: z.string().describe('Who: a user, robot, anonymous, or system (gc, lifecycle)'),
  actorKind: z.string().nullable(),
  address: z.string().nullable().describe("The client's address"),
  node: z.string().nullable().describe('The node that made the change'),
});

/** `type=manifest.pushed,tag.moved`: known types, comma-separated. */
const typesSchema = z
  .string()
  .transform((text) => text.split(',').map((name) => name.trim()).filter((name) => name !== ''))
  .pipe(z.array(z.enum(EVENT_TYPES, { error: (issue) => `unknown event type ${String(issue.input)}: use one of ${EVENT_TYPES.join(', ')}` })).min(1, 'name at least one event type'));

/** The event route. */
export const EVENT_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/events',
    id: 'listEvents',
    tag: 'events',
    summary: 'Events after an id, oldest first: follow the outbox with `after` = the `last` of the previous page',
    description: 'Kept for events.retentionDays. Pulls are batched (one event per manifest and client per second, with a count).',
    access: 'admin',
    query: z.strictObject({
      after: z.coerce.number().int().min(0).default(0).describe('Only events with a larger id'),
      type: typesSchema.optional().describe('Comma-separated event types'),
      repository: z.string().min(1).max(255).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    status: 200,
    response: z.object({
      events: z.array(eventSchema),
      last: z.int().describe('The id to pass as `after` next: the last event returned, or `after` when none was'),
      newest: z.int().describe('The newest event id of all (0 when there is none): start after it to follow new events only'),
    }),
    errors: [400, 403],
    handle: async ({ ops, by, query }) => {
      const events = await ops.events.list(by, {
        after: query.after,
        limit: query.limit,
        ...(query.type === undefined ? {} : { types: query.type as EventType[] }),
        ...(query.repository === undefined ? {} : { repository: query.repository }),
      });
      return { events: events.map(eventJson), last: events.at(-1)?.id ?? query.after, newest: await ops.events.lastId(by) };
    },
  }),
];
