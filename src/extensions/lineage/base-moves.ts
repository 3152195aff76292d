/**
 * Base-tag moves into `base.moved` events, one per dependent repository: what rebuild triggers
 * (webhooks of the CI formats) deliver. A move of tag T of repository B (event `tag.moved`)
 * becomes a job that runs once the debounce has passed. Moves of one tag debounce into one burst:
 * each job notes its move (the first old digest is kept, the newest new digest taken), and only
 * the job of a move with no later move within the debounce settles the burst — it finds the
 * images built on the burst's first old digest, groups them by repository (tagged images only:
 * an untagged manifest is nobody's release), and writes the events in the transaction that
 * marks the burst settled, so a retried job never writes them twice. The jobs of one tag run in event order
 * (a job group).
 */
import type { EventRecord, EventSubscription } from '../../events/event.js';
import type { BaseMovedData, EventStore, NewEvent } from '../../metadata/event-store.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { Dependent, Lineage } from './lineage.js';
import type { LineageStore } from './lineage-store.js';
import { repositoryImages } from './repository-images.js';

export const BASE_MOVED_KIND = 'lineage.base-moved';
export const LINEAGE_ACTOR = 'lineage';

interface MovePayload {
  event: number;
  at: number;
  repository: string;
  tag: string;
  oldDigest: string;
  newDigest: string;
}

export interface BaseMovesDeps {
  store: MetadataStore;
  events: EventStore;
  lineage: LineageStore;
  queries: Lineage;
  debounceMs: number;
}

export function baseMoveSubscription(debounceMs: number): EventSubscription {
  return {
    name: 'lineage-moves',
    types: ['tag.moved'],
    async jobsFor(event: EventRecord) {
      const { repository, target } = event;
      if (repository === undefined || !target?.tag || !target.digest || !target.oldDigest) return [];
      const payload: MovePayload = { event: event.id, at: event.at.getTime(), repository, tag: target.tag, oldDigest: target.oldDigest, newDigest: target.digest };
      return [{ key: '', kind: BASE_MOVED_KIND, payload, runAt: new Date(payload.at + debounceMs), maxAttempts: 10, group: `lineage-move:${repository}:${target.tag}` }];
    },
  };
}

export function baseMoveHandler(deps: BaseMovesDeps): JobHandler<MovePayload> {
  return {
    kind: BASE_MOVED_KIND,
    concurrency: 2,
    timeoutMs: 60_000,
    async run(move) {
      const burst = await deps.lineage.noteMove(move.repository, move.tag, { oldDigest: move.oldDigest, newDigest: move.newDigest, lastEvent: move.event });
      if (burst.settled || burst.lastEvent !== move.event || (await movedAgainSoon(deps, move))) return;
      const events = burst.oldDigest === burst.newDigest ? [] : await movedEvents(deps, move.repository, move.tag, burst.oldDigest, burst.newDigest);
      await deps.lineage.settleMove(move.repository, move.tag, move.event, events, LINEAGE_ACTOR);
    },
  };
}

/** True when the tag moved again within the debounce after this move: that move's job settles the burst. */
async function movedAgainSoon(deps: BaseMovesDeps, move: MovePayload): Promise<boolean> {
  const until = move.at + deps.debounceMs;
  let after = move.event;
  for (;;) {
    const page = await deps.events.list({ after, types: ['tag.moved'], repository: move.repository, limit: 500 });
    if (page.some((event) => event.target?.tag === move.tag && event.at.getTime() <= until)) return true;
    const last = page.at(-1);
    if (!last || page.length < 500 || last.at.getTime() > until) return false;
    after = last.id;
  }
}

/** One `base.moved` per repository with tagged images built on the old base; the new base's own image is not its dependent. */
async function movedEvents(deps: BaseMovesDeps, repository: string, tag: string, oldDigest: string, newDigest: string): Promise<NewEvent[]> {
  const old = await deps.store.manifests.get(repository, oldDigest);
  const found = await deps.queries.dependentsOf(repository, old, oldDigest, [tag]);
  const newImage = (await repositoryImages(deps.store, repository)).get(newDigest)?.image ?? newDigest;
  const byRepository = new Map<string, Dependent[]>();
  for (const dependent of found) {
    if (dependent.tags.length === 0 || (dependent.repository === repository && dependent.image === newImage)) continue;
    byRepository.set(dependent.repository, [...(byRepository.get(dependent.repository) ?? []), dependent]);
  }
  return [...byRepository].map(([dependentRepository, dependents]): NewEvent => {
    const images = new Map<string, BaseMovedData['images'][number]>();
    for (const dependent of dependents) {
      const single = dependent.digest === dependent.image && dependent.platform !== undefined;
      if (!images.has(dependent.image)) images.set(dependent.image, { digest: dependent.image, tags: dependent.tags, ...(single ? { platform: dependent.platform } : {}) });
    }
    const data: BaseMovedData = { base: { repository, tag, oldDigest, newDigest }, images: [...images.values()] };
    return { type: 'base.moved', repository: dependentRepository, target: { tag, digest: newDigest, oldDigest }, data: data as unknown as Record<string, unknown> };
  });
}
