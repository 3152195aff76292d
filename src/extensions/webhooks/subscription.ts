/**
 * The webhooks' interest in events (events/event.ts): every event type, matched against the
 * enabled webhooks — their types, their namespace (a system-wide one sees every event; a
 * namespace's only its repositories'), their repository glob, and their age (a webhook never
 * receives what happened before it was created). One delivery job per matching webhook, grouped
 * per webhook and repository so they keep event order.
 */
import picomatch from 'picomatch';
import { EVENT_TYPES, type EventRecord, type EventSubscription, type SubscribedJob } from '../../events/event.js';
import { deliveryPayload, DELIVER_KIND } from './delivery.js';
import type { SealedWebhook, WebhookStore } from './webhook-store.js';

/** True when the webhook wants the event. */
export function wants(hook: SealedWebhook, event: EventRecord, namespaceOf: (repository: string) => string): boolean {
  if (!hook.events.includes(event.type)) return false;
  if (event.at.getTime() < hook.createdAt.getTime()) return false;
  if (hook.namespace !== undefined && (event.repository === undefined || namespaceOf(event.repository) !== hook.namespace)) return false;
  if (hook.repositoryGlob !== undefined && (event.repository === undefined || !picomatch.isMatch(event.repository, hook.repositoryGlob))) return false;
  return true;
}

export function webhookSubscription(store: WebhookStore, namespaceOf: (repository: string) => string, maxAttempts: number): EventSubscription {
  // The enabled webhooks, read at most once a second. A list read at T holds every webhook
  // created before T, and one created after T wants no event from before T (wants() checks the
  // age), so the list serves events older than its read and is read again for newer ones.
  let cached: { hooks: Promise<SealedWebhook[]>; readAt: number } | undefined;
  const hooksFor = (event: EventRecord): Promise<SealedWebhook[]> => {
    const now = Date.now();
    if (!cached || event.at.getTime() >= cached.readAt || now - cached.readAt > 1000) cached = { hooks: store.enabled(), readAt: now };
    return cached.hooks;
  };
  return {
    name: 'webhooks',
    types: EVENT_TYPES,
    async jobsFor(event) {
      const jobs: SubscribedJob[] = [];
      for (const hook of await hooksFor(event)) {
        if (!wants(hook, event, namespaceOf)) continue;
        jobs.push({ key: String(hook.id), kind: DELIVER_KIND, payload: deliveryPayload(hook.id, event), maxAttempts, group: `webhook:${hook.id}:${event.repository ?? ''}` });
      }
      return jobs;
    },
  };
}
