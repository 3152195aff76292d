/**
 * Delivering one event to one webhook, as a job of the shared queue (kind `webhook.deliver`):
 * rendered in the webhook's format, signed, POSTed through the guarded client (post.ts), and
 * logged attempt by attempt. 2xx is delivered; 410 Gone disables the webhook (the receiver says
 * it is gone for good, as Standard Webhooks has it); anything else — another status, a timeout, a
 * refused or unreachable address — fails the attempt, and the queue retries it with backoff
 * until it is dead. Deliveries of one webhook for one repository form a job group, so they
 * arrive in event order even after the receiver was down.
 */
import type { EventRecord } from '../../events/event.js';
import type { SecretSealer } from '../../auth/secret-box.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import { render, type RenderContext } from './formats.js';
import { post } from './post.js';
import { signatureHeaders } from './signing.js';
import type { WebhookSettings } from './settings.js';
import type { SealedWebhook, WebhookStore } from './webhook-store.js';

export const DELIVER_KIND = 'webhook.deliver';

/** A delivery job's payload: the event travels with it, so it outlives the event's retention. */
export interface DeliveryPayload {
  webhook: number;
  event: Omit<EventRecord, 'at'> & { at: string };
  /** A "send test event" delivery: goes even to a disabled webhook, once. */
  test?: boolean;
}

export function deliveryPayload(webhook: number, event: EventRecord, test = false): DeliveryPayload {
  return { webhook, event: { ...event, at: event.at.toISOString() }, ...(test ? { test: true } : {}) };
}

/** The Standard Webhooks message id: the same for every attempt (and redelivery) of one event to one webhook. */
export function messageId(payload: DeliveryPayload): string {
  return `${payload.test ? 'test' : 'evt'}_${payload.event.id}_${payload.webhook}`;
}

/** What a delivery needs. */
export interface DeliveryDeps {
  store: WebhookStore;
  sealer: SecretSealer | undefined;
  settings: WebhookSettings;
  render: RenderContext;
}

/** The sealed values' names: the additional data that ties each to its webhook row. */
export const secretName = (id: number): string => `webhook:${id}:secret`;
export const authorizationName = (id: number): string => `webhook:${id}:authorization`;

/** Sends one payload to one webhook and logs the attempt; throws when it should be tried again. */
export async function deliver(deps: DeliveryDeps, hook: SealedWebhook, payload: DeliveryPayload, attempt: number, jobId: number | undefined, signal?: AbortSignal): Promise<void> {
  const event: EventRecord = { ...payload.event, at: new Date(payload.event.at) };
  const log = (entry: { outcome: 'delivered' | 'failed' | 'gone' | 'skipped'; httpStatus?: number; durationMs: number; response?: string; error?: string }) =>
    deps.store.recordDelivery({ webhookId: hook.id, ...(payload.test ? {} : { eventId: event.id }), eventType: event.type, ...(jobId === undefined ? {} : { jobId }), attempt, test: payload.test === true, ...entry }, deps.settings.deliveriesKept);
  if (!hook.enabled && !payload.test) {
    await log({ outcome: 'skipped', durationMs: 0, error: `the webhook is disabled${hook.disabledReason ? `: ${hook.disabledReason}` : ''}` });
    return;
  }
  if (deps.sealer === undefined) throw new Error('webhook secrets cannot be opened on this node: set auth.keyEncryptionKey');
  const secret = deps.sealer.open(secretName(hook.id), hook.sealedSecret);
  const credential = hook.sealedAuthorization === undefined ? undefined : deps.sealer.open(authorizationName(hook.id), hook.sealedAuthorization);
  const rendered = render(hook.format, event, deps.render, { options: hook.options, ...(credential === undefined ? {} : { credential }) });
  // Signed on every format: CI APIs ignore the headers, and a proxy in front of one may check them.
  const headers = { ...rendered.headers, ...signatureHeaders(secret, messageId(payload), rendered.body) };
  const started = performance.now();
  let result;
  try {
    result = await post(hook.url, { headers, body: rendered.body, timeoutMs: deps.settings.timeoutSeconds * 1000, allowPrivate: deps.settings.allowPrivateTargets, ...(signal ? { signal } : {}) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await log({ outcome: 'failed', durationMs: Math.round(performance.now() - started), error: message });
    throw new Error(`delivery to webhook ${hook.id} failed: ${message}`);
  }
  const answered = { httpStatus: result.status, durationMs: result.durationMs, response: result.body };
  if (result.status >= 200 && result.status < 300) {
    await log({ outcome: 'delivered', ...answered });
    return;
  }
  if (result.status === 410 && !payload.test) {
    await deps.store.setEnabled(hook.id, false, `the receiver answered 410 Gone on ${new Date().toISOString()}`);
    await log({ outcome: 'gone', ...answered, error: 'the receiver answered 410 Gone: the webhook is disabled' });
    return;
  }
  await log({ outcome: 'failed', ...answered, error: `the receiver answered ${result.status}` });
  throw new Error(`webhook ${hook.id}: the receiver answered ${result.status}`);
}

/** The job handler of deliveries. */
export function deliveryHandler(deps: DeliveryDeps): JobHandler<DeliveryPayload> {
  return {
    kind: DELIVER_KIND,
    // Per node; deliveries to one receiver and repository run one at a time anyway (job groups).
    concurrency: 8,
    // The queue's own timeout is past the HTTP one: the request gives up first and is logged.
    timeoutMs: deps.settings.timeoutSeconds * 1000 + 5000,
    run: async (payload, { job, signal }) => {
      const hook = await deps.store.get(payload.webhook);
      // A deleted webhook takes its pending deliveries with it.
      if (hook === undefined) return;
      await deliver(deps, hook, payload, job.attempts, job.id, signal);
    },
  };
}
