/**
 * The Extension seam: an optional capability (lifecycle policies now; webhooks, scanning,
 * replication and the proxy cache next) contributes a config slice, its own migrations, admin
 * routes (with their OpenAPI), periodic tasks on the one scheduler, job handlers for the shared
 * queue, event subscriptions, and CLI commands (its
 * `cli.ts`, registered by cli/main.ts), and is built in app.ts only when its settings enable it.
 * It writes through the content services it is handed, never around them.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { AccessControl } from '../auth/access-control.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { RateLimits } from '../auth/rate-limits.js';
import type { Revocations } from '../auth/revocations.js';
import type { SecretBox } from '../auth/secret-box.js';
import type { PullRecorder } from '../content/pull-recorder.js';
import type { RegistryServices } from '../content/registry-services.js';
import type { EventSubscription } from '../events/event.js';
import type { JobHandler } from '../jobs/job-runner.js';
import type { PeriodicTask } from '../jobs/scheduler.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { ExtraMigrations } from '../metadata/migrations/index.js';
import type { AnyApiRoute } from './admin-route.js';

/** What an extension is built from: the registry's own instances. */
export interface ExtensionContext {
  store: MetadataStore;
  services: RegistryServices;
  access: AccessControl;
  audit: AuditLog;
  /** Told when an extension revokes credentials it issued, so every node stops honouring them at once. */
  revocations: Revocations;
  /** The request limits (an extension's unauthenticated route counts against the token endpoint's per-address limit). */
  limits: RateLimits;
  /** Manifest pull times, as the content services record them. */
  pulls: PullRecorder;
  /** Encryption of the secrets an extension keeps (auth/secret-box.ts). */
  secrets: SecretBox;
  logger: Logger;
}

/** A built extension: what it adds to a running registry. */
export interface Extension<T = unknown> {
  /** What its routes' handlers are given (as `extension`). */
  services: T;
  /** Periodic work the node's scheduler runs. */
  tasks: readonly PeriodicTask<unknown>[];
  /** Handlers of the durable job kinds it enqueues; every node with jobs.enabled runs them. */
  jobs?: readonly JobHandler[];
  /** Events it wants to act on: the dispatcher enqueues the jobs each asks for (events/event.ts). */
  subscriptions?: readonly EventSubscription[];
  /** Waits for its work in flight; called on close, after the scheduler stopped. */
  stop?(): Promise<void>;
}

/** An extension as the catalog lists it, before it is built. */
export interface ExtensionModule<S extends z.ZodType = z.ZodType, T = unknown> {
  /** Its name: also its config key (`<name>.…`, `BERTH_<NAME>_…`) and its migrations' prefix. */
  name: string;
  /** Its slice of the configuration. */
  config: S;
  /** Its own migrations (`<name>/0001-…`); they run whether or not it is enabled, so enabling it later finds its tables. */
  migrations?: ExtraMigrations;
  /** Admin API routes under /api/v1 (served while it is enabled), in the OpenAPI document like the core's. */
  routes: readonly AnyApiRoute[];
  /** Whether the settings turn it on. */
  enabled(settings: z.output<S>): boolean;
  build(context: ExtensionContext, settings: z.output<S>): Extension<T>;
}
