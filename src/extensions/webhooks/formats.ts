/**
 * The payload formats receivers already parse, rendered from one Berth event:
 *
 * - cloudevents / cloudevents-binary: CloudEvents 1.0 over HTTP (the `cloudevents` SDK), structured
 *   (`application/cloudevents+json`, the whole event as the body) or binary (`ce-*` headers, the
 *   event's data as the body); type `io.berth.<event type>`, source `/berth/<repository>`; every
 *   event type.
 * - distribution: Distribution's notification envelope (the spec in ../shared/specs:
 *   `application/vnd.docker.distribution.events.v2+json`, `{"events":[…]}`, actions push, pull,
 *   mount, delete).
 * - harbor: Harbor's default webhook payload (PUSH_ARTIFACT, PULL_ARTIFACT, DELETE_ARTIFACT,
 *   DELETE_REPOSITORY, CREATE_TAG, DELETE_TAG, QUOTA_WARNING, QUOTA_EXCEED, TAG_RETENTION).
 * - dockerhub: Docker Hub's push payload (pushes only).
 * - generic: the event as the API shows it (`eventJson`), as application/json; every event type.
 * - github, gitlab, jenkins, azure-pipelines: rebuild triggers, the request that starts a build on
 *   that CI system (trigger-formats.ts); base.moved only.
 *
 * The webhook's credential goes where its format's receiver wants it: the trigger formats put it
 * where their CI API takes it; the others send it verbatim as the Authorization header.
 *
 * A format carries only the event types it has a shape for; creating a webhook that asks for
 * others is refused, so no event is ever dropped silently.
 */
import { CloudEvent, HTTP } from 'cloudevents';
import { eventJson, type EventRecord, type EventType } from '../../events/event.js';
import { renderTrigger } from './trigger-formats.js';
import { isTriggerFormat, type TriggerFormat } from './trigger-options.js';
import type { WebhookFormat, WebhookOptions } from './webhook-store.js';

/** What a format needs beyond the event. */
export interface RenderContext {
  /** The registry's public URL (webhooks.registryUrl), for links; absent: no links. */
  registryUrl?: string;
  /** The repository's namespace (the registry's one mapping). */
  namespaceOf(repository: string): string;
}

/** The webhook's own part of a request: its opened credential and its options. */
export interface WebhookSpecifics {
  credential?: string;
  options: WebhookOptions;
}

export interface Rendered {
  headers: Record<string, string>;
  body: string;
}

const DISTRIBUTION_ACTIONS: Partial<Record<EventType, string>> = {
  'manifest.pushed': 'push',
  'blob.uploaded': 'push',
  'manifest.pulled': 'pull',
  'manifest.deleted': 'delete',
  'tag.deleted': 'delete',
  'repository.deleted': 'delete',
};

const HARBOR_TYPES: Partial<Record<EventType, string>> = {
  'manifest.pushed': 'PUSH_ARTIFACT',
  'manifest.pulled': 'PULL_ARTIFACT',
  'manifest.deleted': 'DELETE_ARTIFACT',
  'repository.deleted': 'DELETE_REPOSITORY',
  'tag.created': 'CREATE_TAG',
  'tag.moved': 'CREATE_TAG',
  'tag.deleted': 'DELETE_TAG',
  'quota.warning': 'QUOTA_WARNING',
  'quota.exceeded': 'QUOTA_EXCEED',
  'lifecycle.expired': 'TAG_RETENTION',
};

/** The event types each format has a shape for (undefined: all). */
export function carriedTypes(format: WebhookFormat): readonly EventType[] | undefined {
  switch (format) {
    case 'distribution':
      return Object.keys(DISTRIBUTION_ACTIONS) as EventType[];
    case 'harbor':
      return Object.keys(HARBOR_TYPES) as EventType[];
    case 'dockerhub':
      return ['manifest.pushed'];
    case 'github':
    case 'gitlab':
    case 'jenkins':
    case 'azure-pipelines':
      return ['base.moved'];
    default:
      return undefined;
  }
}

/** The request body and headers (content, credential) of `event` in `format`. */
export function render(format: WebhookFormat, event: EventRecord, context: RenderContext, specifics: WebhookSpecifics = { options: {} }): Rendered {
  if (isTriggerFormat(format)) {
    const registryHost = host(context);
    return renderTrigger(format, { event, options: specifics.options, ...(registryHost ? { registryHost } : {}), ...(specifics.credential === undefined ? {} : { credential: specifics.credential }) });
  }
  const rendered = renderPayload(format, event, context);
  return specifics.credential === undefined ? rendered : { ...rendered, headers: { ...rendered.headers, Authorization: specifics.credential } };
}

function renderPayload(format: Exclude<WebhookFormat, TriggerFormat>, event: EventRecord, context: RenderContext): Rendered {
  switch (format) {
    case 'cloudevents':
    case 'cloudevents-binary': {
      const cloudEvent = new CloudEvent({
        id: String(event.id),
        source: `/berth/${event.repository ?? 'registry'}`,
        type: `io.berth.${event.type}`,
        time: event.at.toISOString(),
        datacontenttype: 'application/json',
        ...(subjectOf(event) ? { subject: subjectOf(event) } : {}),
        data: eventJson(event),
      });
      const message = format === 'cloudevents' ? HTTP.structured(cloudEvent) : HTTP.binary(cloudEvent);
      return { headers: message.headers as Record<string, string>, body: String(message.body) };
    }
    case 'distribution':
      return { headers: { 'Content-Type': 'application/vnd.docker.distribution.events.v2+json' }, body: JSON.stringify({ events: [distributionEvent(event, context)] }) };
    case 'harbor':
      return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(harborPayload(event, context)) };
    case 'dockerhub':
      return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(dockerHubPayload(event, context)) };
    case 'generic':
      return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(eventJson(event)) };
  }
}

/** `repo:tag` or `repo@digest`: what a CloudEvent is about. */
function subjectOf(event: EventRecord): string | undefined {
  if (event.repository === undefined) return undefined;
  if (event.target?.tag) return `${event.repository}:${event.target.tag}`;
  if (event.target?.digest) return `${event.repository}@${event.target.digest}`;
  return event.repository;
}

function host(context: RenderContext): string | undefined {
  return context.registryUrl === undefined ? undefined : new URL(context.registryUrl).host;
}

function distributionEvent(event: EventRecord, context: RenderContext): Record<string, unknown> {
  const target = event.target ?? {};
  const repository = event.repository ?? '';
  const mounted = event.type === 'blob.uploaded' && event.data?.mounted === true;
  const isDelete = DISTRIBUTION_ACTIONS[event.type] === 'delete';
  const kind = event.type === 'blob.uploaded' ? 'blobs' : 'manifests';
  const url = context.registryUrl && target.digest && !isDelete ? `${context.registryUrl.replace(/\/$/, '')}/v2/${repository}/${kind}/${target.digest}` : undefined;
  const described = isDelete
    ? { digest: target.digest ?? target.oldDigest, repository, ...(target.tag ? { tag: target.tag } : {}) }
    : {
        ...(target.mediaType ? { mediaType: target.mediaType } : {}),
        digest: target.digest,
        size: target.size,
        length: target.size,
        repository,
        ...(mounted && typeof event.data?.from === 'string' ? { fromRepository: event.data.from } : {}),
        ...(url ? { url } : {}),
        ...(target.tag ? { tag: target.tag } : {}),
      };
  return {
    id: String(event.id),
    timestamp: event.at.toISOString(),
    action: mounted ? 'mount' : DISTRIBUTION_ACTIONS[event.type],
    target: described,
    request: { id: String(event.id), addr: event.address ?? '', ...(host(context) ? { host: host(context) } : {}), method: methodOf(event.type) },
    actor: event.actorKind === 'anonymous' ? {} : { name: event.actor },
    source: { addr: event.node ?? '', instanceID: event.node ?? '' },
  };
}

function methodOf(type: EventType): string {
  if (type === 'manifest.pulled') return 'GET';
  if (DISTRIBUTION_ACTIONS[type] === 'delete') return 'DELETE';
  return 'PUT';
}

function splitName(repository: string, context: RenderContext): { namespace: string; name: string } {
  const namespace = context.namespaceOf(repository);
  return { namespace, name: repository.startsWith(`${namespace}/`) ? repository.slice(namespace.length + 1) : repository };
}

function harborPayload(event: EventRecord, context: RenderContext): Record<string, unknown> {
  const repository = event.repository ?? '';
  const { namespace, name } = splitName(repository, context);
  const digest = event.target?.digest ?? event.target?.oldDigest;
  const registry = host(context);
  const resource = digest || event.target?.tag
    ? [{ ...(digest ? { digest } : {}), tag: event.target?.tag ?? digest, ...(registry && digest ? { resource_url: `${registry}/${repository}@${digest}` } : {}) }]
    : [];
  const custom = event.data && (event.type.startsWith('quota.') || event.type === 'lifecycle.expired') ? { custom_attributes: Object.fromEntries(Object.entries(event.data).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])) } : {};
  return {
    type: HARBOR_TYPES[event.type],
    occur_at: Math.floor(event.at.getTime() / 1000),
    operator: event.actor,
    event_data: { resources: resource, repository: { name, namespace, repo_full_name: repository }, ...custom },
  };
}

function dockerHubPayload(event: EventRecord, context: RenderContext): Record<string, unknown> {
  const repository = event.repository ?? '';
  const { namespace, name } = splitName(repository, context);
  return {
    push_data: { pushed_at: Math.floor(event.at.getTime() / 1000), pusher: event.actor, tag: event.target?.tag ?? event.target?.digest ?? '' },
    repository: {
      name,
      namespace,
      repo_name: repository,
      ...(context.registryUrl ? { repo_url: `${context.registryUrl.replace(/\/$/, '')}/v2/${repository}/tags/list` } : {}),
      status: 'Active',
    },
  };
}
