/**
 * The webhooks behind the admin API and CLI. A namespace's webhooks are its owners' (and admins');
 * system-wide ones, which see every namespace's events, are admins' only. Bad input is refused
 * with a clear error and nothing stored: an unknown event name, a format that can't carry an asked
 * event, a malformed or private URL (unless webhooks.allowPrivateTargets), a malformed secret, an
 * option the format doesn't take, a rebuild trigger without its credential, an exact repository
 * outside the webhook's namespace (it would never fire).
 * Secrets are sealed before they are stored and never returned; a generated one is returned once,
 * in the answer that created it. Every change is audited.
 */
import { lookup } from 'node:dns/promises';
import picomatch from 'picomatch';
import type { AccessControl } from '../../auth/access-control.js';
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../../auth/acting.js';
import type { AuditLog } from '../../auth/audit-log.js';
import { principalName } from '../../auth/principal.js';
import type { SecretBox } from '../../auth/secret-box.js';
import { invalid, ManagementError } from '../../errors/management-error.js';
import type { EventRecord, EventType } from '../../events/event.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { authorizationName, deliver, deliveryPayload, DELIVER_KIND, secretName, type DeliveryDeps, type DeliveryPayload } from './delivery.js';
import { resolveEventNames } from './event-names.js';
import { carriedTypes } from './formats.js';
import type { WebhookSettings } from './settings.js';
import { checkSecret, generateSecret } from './signing.js';
import { checkTargetUrl, privateRange, TargetRefused } from './target-guard.js';
import { checkTriggerInput } from './trigger-options.js';
import { WEBHOOK_FORMATS, type DeliveryRecord, type WebhookFormat, type WebhookOptions, type WebhookRecord, type WebhookStore } from './webhook-store.js';

/** What `create` takes, as the API and the CLI give it. */
export interface WebhookInput {
  url: string;
  /** Event types or short names (push, pull, delete, tag, upload, quota, gc, lifecycle, readonly, all). */
  events: string[];
  namespace?: string;
  repository?: string;
  format?: string;
  secret?: string;
  /** The Authorization header value; for a trigger format, its CI credential (trigger-options.ts). */
  authorization?: string;
  options?: WebhookOptions;
}

export interface WebhookAdminDeps {
  webhooks: WebhookStore;
  store: MetadataStore;
  access: AccessControl;
  audit: AuditLog;
  secrets: SecretBox;
  settings: WebhookSettings;
  delivery: DeliveryDeps;
}

export class WebhookAdmin {
  private readonly log: ManagementAudit;

  constructor(private readonly deps: WebhookAdminDeps) {
    this.log = new ManagementAudit(deps.audit);
  }

  /** Creates a webhook; `secret` is set in the answer only when it was generated here. */
  async create(by: ActingPrincipal, input: WebhookInput): Promise<{ webhook: WebhookRecord; secret?: string }> {
    const namespace = input.namespace;
    await this.requireManage(by, namespace, 'webhook.create');
    const format = checkFormat(input.format ?? 'cloudevents');
    const events = checkEvents(input.events, format);
    if (namespace !== undefined && !(await this.deps.store.namespaces.get(namespace))) throw new ManagementError('not_found', `there is no namespace "${namespace}"`);
    if (input.repository !== undefined) this.checkRepository(input.repository, namespace);
    const url = await this.checkUrl(input.url);
    if (input.secret !== undefined) {
      try {
        checkSecret(input.secret);
      } catch (error) {
        throw invalid('secret', (error as Error).message);
      }
    }
    if (input.authorization !== undefined && (input.authorization.trim() === '' || /[\r\n]/.test(input.authorization))) throw invalid('authorization', 'an Authorization header value is one non-empty line');
    const options = input.options ?? {};
    checkTriggerInput(format, options, input.authorization);
    const sealer = this.deps.secrets.sealer;
    if (sealer === undefined) throw new ManagementError('conflict', `webhooks cannot be created: ${this.deps.secrets.missing}`);
    const secret = input.secret ?? generateSecret();
    // The row id is the sealed values' additional data, so seal after the insert, in one step with it.
    const created = await this.deps.webhooks.create({
      ...(namespace === undefined ? {} : { namespace }),
      url: url.toString(),
      format,
      events,
      ...(input.repository === undefined ? {} : { repositoryGlob: input.repository }),
      options,
      createdBy: principalName(by.principal),
    }, (id) => ({ sealedSecret: sealer.seal(secretName(id), secret), ...(input.authorization === undefined ? {} : { sealedAuthorization: sealer.seal(authorizationName(id), input.authorization) }) }));
    this.log.success(by, 'webhook.create', String(created.id), { url: created.url, namespace: namespace ?? null, events, format });
    return { webhook: created, ...(input.secret === undefined ? { secret } : {}) };
  }

  /** Webhooks the caller manages: all for admins, their namespaces' for owners. */
  async list(by: ActingPrincipal): Promise<WebhookRecord[]> {
    if (isSystemAdmin(by.principal)) return this.deps.webhooks.list();
    const owned: string[] = [];
    for (const namespace of await this.deps.store.namespaces.list()) {
      if ((await this.deps.access.actionsOnNamespace(by.principal, namespace.name)).has('manage')) owned.push(namespace.name);
    }
    return this.deps.webhooks.list(owned);
  }

  async get(by: ActingPrincipal, id: number): Promise<WebhookRecord> {
    return this.managed(by, id, 'webhook.show');
  }

  async delete(by: ActingPrincipal, id: number): Promise<void> {
    await this.managed(by, id, 'webhook.delete');
    await this.deps.webhooks.delete(id);
    this.log.success(by, 'webhook.delete', String(id));
  }

  /** Turns deliveries back on (after a 410) or off. */
  async setEnabled(by: ActingPrincipal, id: number, enabled: boolean): Promise<WebhookRecord> {
    await this.managed(by, id, enabled ? 'webhook.enable' : 'webhook.disable');
    await this.deps.webhooks.setEnabled(id, enabled, enabled ? undefined : `disabled by ${principalName(by.principal)}`);
    this.log.success(by, enabled ? 'webhook.enable' : 'webhook.disable', String(id));
    return this.found(id, await this.deps.webhooks.get(id));
  }

  async deliveries(by: ActingPrincipal, id: number, limit: number, before?: number): Promise<DeliveryRecord[]> {
    await this.managed(by, id, 'webhook.deliveries');
    return this.deps.webhooks.deliveries(id, limit, before);
  }

  /** Sends a test event now, once, and answers with the attempt as logged. */
  async test(by: ActingPrincipal, id: number): Promise<DeliveryRecord> {
    const hook = await this.managed(by, id, 'webhook.test');
    const sealed = this.found(id, await this.deps.webhooks.get(hook.id));
    const event: EventRecord = { id: 0, type: hook.events[0] ?? 'manifest.pushed', at: new Date(), actor: principalName(by.principal), data: { test: true }, ...(hook.namespace ? { repository: `${hook.namespace}/webhook-test` } : {}) };
    await deliver(this.deps.delivery, sealed, deliveryPayload(hook.id, event, true), 1, undefined).catch(() => undefined);
    this.log.success(by, 'webhook.test', String(id));
    const [logged] = await this.deps.webhooks.deliveries(id, 1);
    if (!logged) throw new Error('the test delivery left no log entry');
    return logged;
  }

  /** Delivers a logged delivery's event again, through the queue; answers with the new job's id. */
  async redeliver(by: ActingPrincipal, id: number, deliveryId: number): Promise<{ job: number }> {
    await this.managed(by, id, 'webhook.redeliver');
    const delivery = await this.deps.webhooks.delivery(deliveryId);
    if (!delivery || delivery.webhookId !== id) throw new ManagementError('not_found', `webhook ${id} has no delivery ${deliveryId}`);
    if (delivery.test) throw new ManagementError('conflict', `delivery ${deliveryId} was a test event: send another with "test"`);
    const payload = await this.payloadOf(delivery);
    const job = await this.deps.store.jobs.enqueue({ kind: DELIVER_KIND, payload, maxAttempts: this.deps.settings.maxAttempts, group: `webhook:${id}:${payload.event.repository ?? ''}` });
    this.log.success(by, 'webhook.redeliver', String(id), { delivery: deliveryId, job: job.id });
    return { job: job.id };
  }

  /** The event a delivery carried: from its job (which holds the whole event), else from the outbox. */
  private async payloadOf(delivery: DeliveryRecord): Promise<DeliveryPayload> {
    const job = delivery.jobId === undefined ? undefined : await this.deps.store.jobs.get(delivery.jobId);
    const carried = job?.kind === DELIVER_KIND ? (job.payload as DeliveryPayload) : undefined;
    // SQLite may number a job again once the newest jobs were pruned: only the job that carried this event counts.
    if (carried && carried.webhook === delivery.webhookId && carried.event.id === delivery.eventId) return carried;
    const [event] = delivery.eventId === undefined ? [] : await this.deps.store.events.list({ after: delivery.eventId - 1, limit: 1 });
    if (!event || event.id !== delivery.eventId) throw new ManagementError('conflict', `the event of delivery ${delivery.id} is no longer kept (events.retentionDays, jobs.retentionDays)`);
    return deliveryPayload(delivery.webhookId, event);
  }

  /** A glob; when it names one repository exactly, one of the webhook's namespace (or it would never match). */
  private checkRepository(glob: string, namespace: string | undefined): void {
    checkGlob(glob);
    if (namespace === undefined || picomatch.scan(glob).isGlob) return;
    const name = glob.replace(/\\(.)/g, '$1');
    const owner = this.deps.access.namespaceOf(name);
    if (owner !== namespace) throw invalid('repository', `${name} belongs to namespace "${owner}", not "${namespace}": the webhook would never fire`);
  }

  private async checkUrl(text: string): Promise<URL> {
    const allowPrivate = this.deps.settings.allowPrivateTargets;
    let url: URL;
    try {
      url = checkTargetUrl(text, allowPrivate);
    } catch (error) {
      throw invalid('url', (error as Error).message);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: { address: string }[];
    try {
      addresses = await lookup(host, { all: true });
    } catch (error) {
      throw invalid('url', `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (!allowPrivate) {
      // Checked again at every delivery, on the address connected to: DNS may change.
      for (const { address } of addresses) {
        const range = privateRange(address);
        if (range !== undefined) throw invalid('url', new TargetRefused(`${host} resolves to ${address}, a ${range} address: webhooks go to public addresses only (set webhooks.allowPrivateTargets to allow private ones)`).message);
      }
    }
    return url;
  }

  private async requireManage(by: ActingPrincipal, namespace: string | undefined, action: string): Promise<void> {
    if (isSystemAdmin(by.principal)) return;
    if (namespace === undefined) throw this.log.denied(by, action, '*', 'only admins may manage system-wide webhooks: name a namespace you own');
    if (!(await this.deps.access.actionsOnNamespace(by.principal, namespace)).has('manage')) {
      throw this.log.denied(by, action, namespace, `only owners of namespace "${namespace}" and admins may manage its webhooks`);
    }
  }

  /** The webhook when the caller may manage it; not_found for one that doesn't exist. */
  private async managed(by: ActingPrincipal, id: number, action: string): Promise<WebhookRecord> {
    const hook = this.found(id, await this.deps.webhooks.get(id));
    await this.requireManage(by, hook.namespace, action);
    const { sealedSecret: _secret, sealedAuthorization: _authorization, ...record } = hook;
    return record;
  }

  private found<T>(id: number, hook: T | undefined): T {
    if (!hook) throw new ManagementError('not_found', `there is no webhook ${id}`);
    return hook;
  }
}

function checkFormat(format: string): WebhookFormat {
  if (!(WEBHOOK_FORMATS as readonly string[]).includes(format)) throw invalid('format', `unknown format ${JSON.stringify(format)}: use ${WEBHOOK_FORMATS.join(', ')}`);
  return format as WebhookFormat;
}

function checkEvents(names: string[], format: WebhookFormat): EventType[] {
  let types: EventType[];
  try {
    types = resolveEventNames(names);
  } catch (error) {
    throw invalid('events', (error as Error).message);
  }
  const carried = carriedTypes(format);
  const uncarried = carried === undefined ? [] : types.filter((type) => !carried.includes(type));
  if (uncarried.length > 0) throw invalid('events', `the ${format} format has no shape for ${uncarried.join(', ')}: it carries ${carried?.join(', ')} (cloudevents carries every event)`);
  return types;
}

function checkGlob(glob: string): void {
  if (glob.trim() === '' || glob.length > 255) throw invalid('repository', 'a repository glob is 1 to 255 characters');
  try {
    picomatch.makeRe(glob, { strictBrackets: true });
  } catch (error) {
    throw invalid('repository', `not a glob: ${(error as Error).message}`);
  }
}
