/**
 * Rebuild triggers: a `base.moved` event (a tag the repository's images are built on moved) as
 * the request that starts a build on a CI system, in the shape its API documents, with the
 * credential where that API wants it:
 *
 * - github: "Create a repository dispatch event" (POST /repos/{owner}/{repo}/dispatches, 204):
 *   JSON `{event_type, client_payload}`, `Authorization: Bearer <token>`. GitHub allows at most
 *   10 top-level keys in client_payload.
 * - gitlab: "Trigger a pipeline with a token" (POST /api/v4/projects/{id}/trigger/pipeline, 201):
 *   form fields `token`, `ref`, `variables[NAME]`.
 * - jenkins: remote build with parameters (POST /job/{name}/buildWithParameters, 201): form
 *   fields, one per parameter; HTTP Basic `user:apitoken` (an API token needs no CSRF crumb).
 * - azure-pipelines: "Runs - Run Pipeline" (POST …/_apis/pipelines/{id}/runs, 200): JSON
 *   `{resources?, templateParameters}`; HTTP Basic with an empty user and the PAT as password.
 *   Azure refuses a run with a parameter the pipeline doesn't declare, so it must declare all five.
 *
 * A test event has no base: its fields are empty and its event id is 0, so a pipeline can tell.
 */
import type { BaseMovedData, EventRecord } from '../../events/event.js';
import type { TriggerFormat } from './trigger-options.js';
import type { WebhookOptions } from './webhook-store.js';

/** The event_type of a GitHub dispatch when the trigger names none. */
export const DEFAULT_GITHUB_EVENT_TYPE = 'berth-base-image-moved';

/** What a trigger request is made of (formats.ts passes it down). */
export interface TriggerInput {
  event: EventRecord;
  /** The registry's host (webhooks.registryUrl), when known: image references include it. */
  registryHost?: string;
  credential?: string;
  options: WebhookOptions;
}

export interface TriggerRequest {
  headers: Record<string, string>;
  body: string;
}

/** What a build needs to know, read from the event (empty in a test event). */
interface Moved {
  repository: string;
  baseRepository: string;
  baseTag: string;
  /** The base as a Dockerfile's FROM names it: [host/]repository:tag. */
  baseImage: string;
  oldDigest: string;
  newDigest: string;
  images: BaseMovedData['images'];
  eventId: string;
}

function moved(input: TriggerInput): Moved {
  const { event } = input;
  const data = event.data as Partial<BaseMovedData> | undefined;
  const baseRepository = data?.base?.repository ?? '';
  const baseTag = data?.base?.tag ?? event.target?.tag ?? '';
  const prefix = input.registryHost && baseRepository ? `${input.registryHost}/` : '';
  return {
    repository: event.repository ?? '',
    baseRepository,
    baseTag,
    baseImage: baseRepository ? `${prefix}${baseRepository}${baseTag ? `:${baseTag}` : ''}` : '',
    oldDigest: data?.base?.oldDigest ?? event.target?.oldDigest ?? '',
    newDigest: data?.base?.newDigest ?? event.target?.digest ?? '',
    images: Array.isArray(data?.images) ? data.images : [],
    eventId: String(event.id),
  };
}

/** The variables GitLab and Jenkins builds get, named as CI variables usually are. */
function variables(input: TriggerInput, m: Moved): [string, string][] {
  return [
    ['BERTH_REPOSITORY', m.repository],
    ['BERTH_BASE_REPOSITORY', m.baseRepository],
    ['BERTH_BASE_TAG', m.baseTag],
    ['BERTH_BASE_IMAGE', m.baseImage],
    ['BERTH_OLD_DIGEST', m.oldDigest],
    ['BERTH_NEW_DIGEST', m.newDigest],
    ['BERTH_IMAGES', JSON.stringify(m.images)],
    ['BERTH_EVENT_ID', m.eventId],
    ...(input.registryHost ? ([['BERTH_REGISTRY', input.registryHost]] as [string, string][]) : []),
  ];
}

function basic(userAndPassword: string): string {
  return `Basic ${Buffer.from(userAndPassword, 'utf8').toString('base64')}`;
}

const FORM = 'application/x-www-form-urlencoded';

/** The request that starts a build on `format`'s CI system. */
export function renderTrigger(format: TriggerFormat, input: TriggerInput): TriggerRequest {
  const m = moved(input);
  const credential = input.credential ?? '';
  switch (format) {
    case 'github': {
      const clientPayload = {
        repository: m.repository,
        base_repository: m.baseRepository,
        base_tag: m.baseTag,
        old_digest: m.oldDigest,
        new_digest: m.newDigest,
        images: m.images,
        ...(input.registryHost ? { registry: input.registryHost } : {}),
        event_id: m.eventId,
      };
      return {
        headers: { Accept: 'application/vnd.github+json', Authorization: `Bearer ${credential}`, 'X-GitHub-Api-Version': '2022-11-28', 'Content-Type': 'application/json' },
        body: JSON.stringify({ event_type: input.options.eventType ?? DEFAULT_GITHUB_EVENT_TYPE, client_payload: clientPayload }),
      };
    }
    case 'gitlab': {
      const form = new URLSearchParams([['token', credential], ['ref', input.options.ref ?? '']]);
      for (const [name, value] of variables(input, m)) form.append(`variables[${name}]`, value);
      return { headers: { 'Content-Type': FORM }, body: form.toString() };
    }
    case 'jenkins':
      return { headers: { 'Content-Type': FORM, Authorization: basic(credential) }, body: new URLSearchParams(variables(input, m)).toString() };
    case 'azure-pipelines': {
      const ref = input.options.ref;
      const refName = ref === undefined || ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
      return {
        headers: { 'Content-Type': 'application/json', Authorization: basic(`:${credential}`) },
        body: JSON.stringify({
          ...(refName === undefined ? {} : { resources: { repositories: { self: { refName } } } }),
          templateParameters: { berthRepository: m.repository, berthBaseImage: m.baseImage, berthOldDigest: m.oldDigest, berthNewDigest: m.newDigest, berthEventId: m.eventId },
        }),
      };
    }
  }
}
