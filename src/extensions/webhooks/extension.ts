/**
 * Webhooks as an extension: per namespace or system-wide, in the formats receivers parse
 * (formats.ts), signed with Standard Webhooks headers, delivered through the shared job queue with
 * retries, a delivery log, test events and redelivery. It subscribes to every event type
 * (subscription.ts); the dispatcher enqueues one delivery job per matching webhook.
 */
import type { ExtensionModule } from '../extension.js';
import { deliveryHandler, type DeliveryDeps } from './delivery.js';
import { webhookMigrations } from './migrations.js';
import { WEBHOOK_ROUTES } from './routes.js';
import { webhookSettings as settings } from './settings.js';
import { webhookSubscription } from './subscription.js';
import { WebhookAdmin } from './webhook-admin.js';
import { WebhookStore, type WebhookTables } from './webhook-store.js';

/** The webhooks extension. */
export const webhooksExtension = {
  name: 'webhooks',
  config: settings,
  migrations: webhookMigrations,
  routes: WEBHOOK_ROUTES,
  enabled: (slice) => slice.enabled,
  build(context, slice) {
    const { store, access, audit, secrets } = context;
    const webhooks = new WebhookStore(store.extensionDatabase<WebhookTables>());
    const namespaceOf = (repository: string): string => access.namespaceOf(repository);
    const delivery: DeliveryDeps = { store: webhooks, sealer: secrets.sealer, settings: slice, render: { namespaceOf, ...(slice.registryUrl ? { registryUrl: slice.registryUrl } : {}) } };
    const admin = new WebhookAdmin({ webhooks, store, access, audit, secrets, settings: slice, delivery });
    return { services: admin, tasks: [], jobs: [deliveryHandler(delivery)], subscriptions: [webhookSubscription(webhooks, namespaceOf, slice.maxAttempts)] };
  },
} satisfies ExtensionModule<typeof settings, WebhookAdmin>;
