/**
 * `berth webhook create|list|show|deliveries|test|redeliver|enable|disable|delete`: webhooks
 * through the admin API (/api/v1/webhooks) of the server of `berth login`. `berth trigger
 * create|list`: rebuild triggers, which are webhooks of base.moved for one repository in a CI
 * system's format; the other `berth webhook` commands manage them too.
 */
import type { Command } from 'commander';
import { usageError } from '../../cli/cli-error.js';
import { listCell, note, printFields, printJson, printTable, say, when } from '../../cli/output.js';
import { positiveInteger } from '../../cli/option-parsers.js';
import { readStdin } from '../../cli/password-input.js';
import { openSession, withServerOption, type ServerOption } from '../../cli/stored-login.js';

interface Webhook {
  id: number;
  namespace: string | null;
  url: string;
  format: string;
  events: string[];
  repository: string | null;
  options: { ref?: string; eventType?: string };
  enabled: boolean;
  disabledReason: string | null;
  hasAuthorization: boolean;
  createdBy: string;
  createdAt: string;
  secret?: string;
}

interface Delivery {
  id: number;
  event: number | null;
  eventType: string;
  job: number | null;
  attempt: number;
  outcome: string;
  status: number | null;
  durationMs: number;
  response: string | null;
  error: string | null;
  test: boolean;
  at: string;
}

interface CreateOptions extends ServerOption {
  url: string;
  events: string;
  namespace?: string;
  repository?: string;
  format?: string;
  secret?: string;
  authorization?: string;
  json?: boolean;
}

interface JsonOption extends ServerOption {
  json?: boolean;
}

function printWebhook(hook: Webhook): void {
  printFields([
    ['id', String(hook.id)],
    ['namespace', hook.namespace ?? '- (system-wide)'],
    ['url', hook.url],
    ['format', hook.format],
    ['events', listCell(hook.events)],
    ['repository', hook.repository ?? '-'],
    ...Object.entries(hook.options).map(([name, value]): [string, string] => [name === 'eventType' ? 'event type' : name, value]),
    ['enabled', hook.enabled ? 'yes' : `no${hook.disabledReason ? ` (${hook.disabledReason})` : ''}`],
    ['authorization', hook.hasAuthorization ? 'set (not shown)' : '-'],
    ['created', `${when(hook.createdAt)} by ${hook.createdBy}`],
  ]);
}

async function create(options: CreateOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const json = {
    url: options.url,
    events: options.events.split(',').map((name) => name.trim()).filter((name) => name !== ''),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.repository === undefined ? {} : { repository: options.repository }),
    ...(options.format === undefined ? {} : { format: options.format }),
    ...(options.secret === undefined ? {} : { secret: options.secret }),
    ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
  };
  const hook = await api.post<Webhook>('/webhooks', { json });
  if (options.json) return printJson(hook);
  printWebhook(hook);
  if (hook.secret) {
    say(`secret:         ${hook.secret}`);
    note('Keep the secret: it is not shown again. Receivers verify deliveries with it (Standard Webhooks).');
  }
}

async function list(options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const page = await api.get<{ webhooks: Webhook[] }>('/webhooks');
  if (options.json) return printJson(page);
  printTable(
    page.webhooks,
    [
      { heading: 'ID', value: (hook) => String(hook.id) },
      { heading: 'NAMESPACE', value: (hook) => hook.namespace ?? '*' },
      { heading: 'URL', value: (hook) => hook.url },
      { heading: 'FORMAT', value: (hook) => hook.format },
      { heading: 'EVENTS', value: (hook) => listCell(hook.events) },
      { heading: 'REPOSITORY', value: (hook) => hook.repository ?? '-' },
      { heading: 'ENABLED', value: (hook) => (hook.enabled ? 'yes' : 'no') },
    ],
    'no webhooks',
  );
}

async function show(id: number, options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const hook = await api.get<Webhook>(`/webhooks/${id}`);
  if (options.json) return printJson(hook);
  printWebhook(hook);
}

async function deliveries(id: number, options: JsonOption & { limit: number; before?: number }): Promise<void> {
  const { api } = await openSession(options.server);
  const page = await api.get<{ deliveries: Delivery[] }>(`/webhooks/${id}/deliveries`, { query: { limit: options.limit, before: options.before } });
  if (options.json) return printJson(page);
  printTable(
    page.deliveries,
    [
      { heading: 'ID', value: (d) => String(d.id) },
      { heading: 'TIME', value: (d) => when(d.at) },
      { heading: 'EVENT', value: (d) => (d.test ? `test (${d.eventType})` : `${d.event ?? '-'} ${d.eventType}`) },
      { heading: 'ATTEMPT', value: (d) => String(d.attempt) },
      { heading: 'OUTCOME', value: (d) => d.outcome },
      { heading: 'STATUS', value: (d) => (d.status === null ? '-' : String(d.status)) },
      { heading: 'MS', value: (d) => String(d.durationMs) },
      { heading: 'ERROR', value: (d) => d.error ?? '-' },
    ],
    'no deliveries yet',
  );
}

async function test(id: number, options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const delivery = await api.post<Delivery>(`/webhooks/${id}/test`, { json: {} });
  if (options.json) return printJson(delivery);
  say(`test event to webhook ${id}: ${delivery.outcome}${delivery.status === null ? '' : ` (HTTP ${delivery.status})`} in ${delivery.durationMs} ms${delivery.error ? `: ${delivery.error}` : ''}`);
}

async function redeliver(id: number, delivery: number, options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const answer = await api.post<{ job: number }>(`/webhooks/${id}/redeliver`, { json: { delivery } });
  if (options.json) return printJson(answer);
  say(`delivery ${delivery} of webhook ${id} is queued again as job ${answer.job}`);
}

function setEnabled(action: 'enable' | 'disable'): (id: number, options: JsonOption) => Promise<void> {
  return async (id, options) => {
    const { api } = await openSession(options.server);
    const hook = await api.post<Webhook>(`/webhooks/${id}/${action}`, { json: {} });
    if (options.json) return printJson(hook);
    say(`webhook ${id} is ${action}d`);
  };
}

async function remove(id: number, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  await api.delete(`/webhooks/${id}`);
  say(`webhook ${id} is deleted`);
}

interface TriggerOptions extends ServerOption {
  kind: string;
  url: string;
  namespace?: string;
  credentialStdin?: boolean;
  ref?: string;
  eventType?: string;
  json?: boolean;
}

/** The glob that matches `name` only: picomatch's metacharacters escaped (OCI names have none, but a glob is a glob). */
export function exactGlob(name: string): string {
  return name.replace(/[\\*?[\]{}()!+@|^$]/g, '\\$&');
}

async function createTrigger(repository: string, options: TriggerOptions): Promise<void> {
  let credential: string | undefined;
  if (options.credentialStdin) {
    credential = (await readStdin()).replace(/\r?\n$/, '');
    if (credential === '' || /[\r\n]/.test(credential)) throw usageError('--credential-stdin: give the credential on one line of stdin');
  }
  // The server's namespaces are auth.namespaces.depth components deep (1 unless configured): it
  // refuses a repository outside the namespace named, so a wrong guess is an error, never a silent trigger.
  const namespace = options.namespace ?? (repository.includes('/') ? repository.split('/')[0] : 'library');
  const { api } = await openSession(options.server);
  const json = {
    url: options.url,
    events: ['base.moved'],
    namespace,
    repository: exactGlob(repository),
    format: options.kind,
    ...(credential === undefined ? {} : { authorization: credential }),
    ...(options.ref === undefined && options.eventType === undefined ? {} : { options: { ...(options.ref === undefined ? {} : { ref: options.ref }), ...(options.eventType === undefined ? {} : { eventType: options.eventType }) } }),
  };
  const hook = await api.post<Webhook>('/webhooks', { json });
  if (options.json) return printJson(hook);
  printWebhook(hook);
  if (hook.secret) say(`secret:         ${hook.secret}`);
  note(`Deliveries: berth webhook deliveries ${hook.id}; a test run: berth webhook test ${hook.id}.`);
}

/** A rebuild trigger: a webhook of base.moved and nothing else. */
const isTrigger = (hook: Webhook): boolean => hook.events.length === 1 && hook.events[0] === 'base.moved';

async function listTriggers(options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const triggers = (await api.get<{ webhooks: Webhook[] }>('/webhooks')).webhooks.filter(isTrigger);
  if (options.json) return printJson({ triggers });
  printTable(
    triggers,
    [
      { heading: 'ID', value: (hook) => String(hook.id) },
      { heading: 'REPOSITORY', value: (hook) => hook.repository ?? (hook.namespace === null ? '*' : `${hook.namespace}/**`) },
      { heading: 'KIND', value: (hook) => hook.format },
      { heading: 'URL', value: (hook) => hook.url },
      { heading: 'REF', value: (hook) => hook.options.ref ?? '-' },
      { heading: 'ENABLED', value: (hook) => (hook.enabled ? 'yes' : 'no') },
    ],
    'no triggers',
  );
}

/** Registers `berth trigger`. */
export function registerTriggers(program: Command): void {
  const trigger = program.command('trigger').description('rebuild triggers: start a CI build when a base image a repository is built on moves').exitOverride();
  withServerOption(trigger.command('create').description("start a build of REPOSITORY's CI pipeline when its base image moves"))
    .argument('<repository>', 'the repository whose images are rebuilt (e.g. team/app)')
    .requiredOption('--kind <kind>', 'github, gitlab, jenkins, azure-pipelines or generic (plain JSON)')
    .requiredOption('--url <url>', 'the CI API endpoint: …/repos/OWNER/REPO/dispatches, …/api/v4/projects/ID/trigger/pipeline, …/job/NAME/buildWithParameters, …/_apis/pipelines/ID/runs?api-version=7.1')
    .option('--credential-stdin', 'read the credential from stdin: a GitHub token, a GitLab trigger token, Jenkins user:apitoken, an Azure DevOps PAT')
    .option('--ref <ref>', 'the branch to build (gitlab: required; azure-pipelines: optional)')
    .option('--event-type <name>', 'the repository_dispatch event_type (github; default berth-base-image-moved)')
    .option('--namespace <ns>', "the repository's namespace (default: its first path component)")
    .option('--json', 'print JSON')
    .action(createTrigger);
  withServerOption(trigger.command('list').description('list the rebuild triggers you manage')).option('--json', 'print JSON').action(listTriggers);
}

/** Registers `berth webhook`. */
export function registerWebhooks(program: Command): void {
  const webhook = program.command('webhook').description('webhooks: deliveries of registry events to receivers (CI/CD, chat, scanners)').exitOverride();
  withServerOption(webhook.command('create').description('create a webhook (per namespace for its owners, system-wide for admins)'))
    .requiredOption('--url <url>', 'where to POST events (http:// or https://)')
    .requiredOption('--events <names>', 'comma-separated: push, pull, delete, tag, upload, quota, gc, lifecycle, readonly, all, or event types')
    .option('--namespace <ns>', "the namespace whose events it receives (default: system-wide, admins only)")
    .option('--repository <glob>', 'only repositories matching this glob (* within a segment, ** across)')
    .option('--format <format>', 'cloudevents (default), cloudevents-binary, distribution, harbor, dockerhub or generic (CI formats: berth trigger create)')
    .option('--secret <whsec>', 'a Standard Webhooks secret (whsec_…); default: one is generated and shown once')
    .option('--authorization <value>', 'a static Authorization header value sent with every delivery')
    .option('--json', 'print JSON')
    .action(create);
  withServerOption(webhook.command('list').description('list the webhooks you manage')).option('--json', 'print JSON').action(list);
  withServerOption(webhook.command('show').description('show one webhook (never its secret)')).argument('<id>', 'the webhook id', positiveInteger).option('--json', 'print JSON').action(show);
  withServerOption(webhook.command('deliveries').description("the webhook's delivery log, newest first"))
    .argument('<id>', 'the webhook id', positiveInteger)
    .option('--limit <n>', 'at most this many entries', positiveInteger, 50)
    .option('--before <id>', 'only entries older than this delivery id', positiveInteger)
    .option('--json', 'print JSON')
    .action(deliveries);
  withServerOption(webhook.command('test').description('send a test event now and print how the receiver answered')).argument('<id>', 'the webhook id', positiveInteger).option('--json', 'print JSON').action(test);
  withServerOption(webhook.command('redeliver').description("deliver a logged delivery's event again"))
    .argument('<id>', 'the webhook id', positiveInteger)
    .argument('<delivery>', 'the delivery id (berth webhook deliveries)', positiveInteger)
    .option('--json', 'print JSON')
    .action(redeliver);
  for (const action of ['enable', 'disable'] as const) {
    withServerOption(webhook.command(action).description(action === 'enable' ? 'turn deliveries back on' : 'stop deliveries')).argument('<id>', 'the webhook id', positiveInteger).option('--json', 'print JSON').action(setEnabled(action));
  }
  withServerOption(webhook.command('delete').description('delete a webhook and its delivery log')).argument('<id>', 'the webhook id', positiveInteger).action(remove);
}
