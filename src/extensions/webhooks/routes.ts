/** Admin API routes for webhooks: create, list, show, delete, enable/disable, deliveries, test, redeliver. */
import { z } from 'zod';
import { EVENT_TYPES } from '../../events/event.js';
import { routesFor, type AnyApiRoute } from '../admin-route.js';
import { DEFAULT_GITHUB_EVENT_TYPE } from './trigger-formats.js';
import type { WebhookAdmin } from './webhook-admin.js';
import { WEBHOOK_FORMATS, type DeliveryRecord, type WebhookRecord } from './webhook-store.js';

const dateTime = z.iso.datetime({ offset: true });

const optionsSchema = z.object({
  ref: z.string().optional().describe('gitlab (required), azure-pipelines (optional): the branch or ref to build'),
  eventType: z.string().optional().describe(`github: the repository_dispatch event_type (default ${DEFAULT_GITHUB_EVENT_TYPE})`),
});

const webhookSchema = z.object({
  id: z.int(),
  namespace: z.string().nullable().describe('null: system-wide (every namespace; admins only)'),
  url: z.string(),
  format: z.enum(WEBHOOK_FORMATS),
  events: z.array(z.enum(EVENT_TYPES)),
  repository: z.string().nullable().describe('Only repositories matching this glob (* within a path segment, ** across)'),
  options: optionsSchema.describe("A rebuild trigger's options ({} for other formats)"),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe('Why deliveries stopped (a receiver that answered 410 Gone)'),
  hasAuthorization: z.boolean().describe('Whether a credential is stored: the Authorization header, or a trigger format’s CI credential (it is never shown)'),
  createdBy: z.string(),
  createdAt: dateTime,
  updatedAt: dateTime,
});

const deliverySchema = z.object({
  id: z.int(),
  webhook: z.int(),
  event: z.int().nullable().describe('The event delivered; null for a test event'),
  eventType: z.string(),
  job: z.int().nullable().describe('The delivery job (berth jobs show)'),
  attempt: z.int(),
  outcome: z.enum(['delivered', 'failed', 'gone', 'skipped']).describe('delivered: 2xx; failed: retried until dead; gone: 410, the webhook was disabled; skipped: it was disabled meanwhile'),
  status: z.int().nullable().describe("The receiver's HTTP status"),
  durationMs: z.int(),
  response: z.string().nullable().describe("The first 4 KiB of the receiver's answer"),
  error: z.string().nullable(),
  test: z.boolean(),
  at: dateTime,
});

function webhookJson(hook: WebhookRecord): z.input<typeof webhookSchema> {
  return {
    id: hook.id,
    namespace: hook.namespace ?? null,
    url: hook.url,
    format: hook.format,
    events: hook.events,
    repository: hook.repositoryGlob ?? null,
    options: hook.options,
    enabled: hook.enabled,
    disabledReason: hook.disabledReason ?? null,
    hasAuthorization: hook.hasAuthorization,
    createdBy: hook.createdBy,
    createdAt: hook.createdAt.toISOString(),
    updatedAt: hook.updatedAt.toISOString(),
  };
}

function deliveryJson(delivery: DeliveryRecord): z.input<typeof deliverySchema> {
  return {
    id: delivery.id,
    webhook: delivery.webhookId,
    event: delivery.eventId ?? null,
    eventType: delivery.eventType,
    job: delivery.jobId ?? null,
    attempt: delivery.attempt,
    outcome: delivery.outcome,
    status: delivery.httpStatus ?? null,
    durationMs: delivery.durationMs,
    response: delivery.response ?? null,
    error: delivery.error ?? null,
    test: delivery.test,
    at: delivery.at.toISOString(),
  };
}

const idPath = z.strictObject({ id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'a webhook id is a positive integer') });
const idOf = (params: Record<string, string>): number => Number(params.id);
const EMPTY_BODY = z.strictObject({}).describe('{}');

const createSchema = z.strictObject({
  url: z.string().min(1).max(2048).describe('Where to POST: http:// or https://, a public address unless webhooks.allowPrivateTargets'),
  events: z.array(z.string().min(1).max(64)).min(1).max(50).describe('Event types, or push, pull, delete, tag, upload, quota, gc, lifecycle, readonly, all'),
  namespace: z.string().min(1).max(255).optional().describe("The namespace whose events it receives (its owners manage it); absent: system-wide, admins only"),
  repository: z.string().min(1).max(255).optional().describe('A glob of repository names'),
  format: z.string().min(1).max(64).optional().describe(`One of ${WEBHOOK_FORMATS.join(', ')} (default cloudevents)`),
  secret: z.string().min(1).max(200).optional().describe('A Standard Webhooks secret (whsec_…); absent: one is generated and returned once'),
  authorization: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('Stored encrypted, never shown. For most formats the Authorization header value sent with every delivery; for a rebuild trigger its CI credential, placed where that API wants it: github a token (Bearer), gitlab the trigger token (the body’s token), jenkins user:apitoken (Basic), azure-pipelines a PAT (Basic, empty user). Required for those four.'),
  options: z
    .strictObject({
      ref: z.string().min(1).max(255).optional(),
      eventType: z.string().min(1).max(100).optional(),
    })
    .optional()
    .describe('Rebuild trigger options: ref (gitlab, required; azure-pipelines), eventType (github). Another format given one is refused.'),
});

const defineRoute = routesFor<{ extension: WebhookAdmin }>();

/** The webhook routes; their handlers get the built extension's operations. */
export const WEBHOOK_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/webhooks',
    id: 'createWebhook',
    tag: 'webhooks',
    summary: 'Create a webhook: per namespace (its owners) or system-wide (admins)',
    description: 'The answer holds `secret` only when it was generated: keep it, it is never shown again. Deliveries are signed with Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature).',
    access: 'authenticated',
    body: createSchema,
    status: 201,
    response: webhookSchema.extend({ secret: z.string().optional().describe('The generated secret, shown this once') }),
    errors: [400, 403, 404, 409, 413],
    handle: async ({ extension, by, body }) => {
      const { webhook, secret } = await extension.create(by, body);
      return { ...webhookJson(webhook), ...(secret === undefined ? {} : { secret }) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/webhooks',
    id: 'listWebhooks',
    tag: 'webhooks',
    summary: 'Webhooks the caller manages: all for admins, their namespaces’ for owners',
    access: 'authenticated',
    status: 200,
    response: z.object({ webhooks: z.array(webhookSchema) }),
    errors: [],
    handle: async ({ extension, by }) => ({ webhooks: (await extension.list(by)).map(webhookJson) }),
  }),
  defineRoute({
    method: 'GET',
    path: '/webhooks/{id}',
    id: 'getWebhook',
    tag: 'webhooks',
    summary: 'One webhook (never its secret)',
    access: 'owner-or-admin',
    params: idPath,
    status: 200,
    response: webhookSchema,
    errors: [400, 403, 404],
    handle: async ({ extension, by, params }) => webhookJson(await extension.get(by, idOf(params))),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/webhooks/{id}',
    id: 'deleteWebhook',
    tag: 'webhooks',
    summary: 'Delete a webhook with its delivery log; its pending deliveries are dropped',
    access: 'owner-or-admin',
    params: idPath,
    status: 204,
    errors: [400, 403, 404],
    handle: async ({ extension, by, params }) => {
      await extension.delete(by, idOf(params));
      return undefined;
    },
  }),
  ...(['enable', 'disable'] as const).map((action) =>
    defineRoute({
      method: 'POST',
      path: `/webhooks/{id}/${action}`,
      id: `${action}Webhook`,
      tag: 'webhooks',
      summary: action === 'enable' ? 'Turn deliveries back on (e.g. after a receiver answered 410 Gone)' : 'Stop deliveries; events meanwhile are skipped',
      access: 'owner-or-admin',
      params: idPath,
      body: EMPTY_BODY,
      status: 200,
      response: webhookSchema,
      errors: [400, 403, 404, 413],
      handle: async ({ extension, by, params }) => webhookJson(await extension.setEnabled(by, idOf(params), action === 'enable')),
    }),
  ),
  defineRoute({
    method: 'GET',
    path: '/webhooks/{id}/deliveries',
    id: 'listWebhookDeliveries',
    tag: 'webhooks',
    summary: "The webhook's delivery log, newest first (one entry per attempt); page with `before`",
    access: 'owner-or-admin',
    params: idPath,
    query: z.strictObject({
      before: z.coerce.number().int().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
    status: 200,
    response: z.object({ deliveries: z.array(deliverySchema) }),
    errors: [400, 403, 404],
    handle: async ({ extension, by, params, query }) => ({ deliveries: (await extension.deliveries(by, idOf(params), query.limit, query.before)).map(deliveryJson) }),
  }),
  defineRoute({
    method: 'POST',
    path: '/webhooks/{id}/test',
    id: 'testWebhook',
    tag: 'webhooks',
    summary: 'Send a test event now, once; the answer is the attempt as logged',
    access: 'owner-or-admin',
    params: idPath,
    body: EMPTY_BODY,
    status: 200,
    response: deliverySchema,
    errors: [400, 403, 404, 413],
    handle: async ({ extension, by, params }) => deliveryJson(await extension.test(by, idOf(params))),
  }),
  defineRoute({
    method: 'POST',
    path: '/webhooks/{id}/redeliver',
    id: 'redeliverWebhook',
    tag: 'webhooks',
    summary: "Deliver a logged delivery's event again, through the queue",
    access: 'owner-or-admin',
    params: idPath,
    body: z.strictObject({ delivery: z.int().min(1).describe('The delivery log entry whose event to send again') }),
    status: 200,
    response: z.object({ job: z.int().describe('The new delivery job') }),
    errors: [400, 403, 404, 409, 413],
    handle: async ({ extension, by, params, body }) => extension.redeliver(by, idOf(params), body.delivery),
  }),
];
