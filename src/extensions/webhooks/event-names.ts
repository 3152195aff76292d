/**
 * The event names a webhook is created with: Berth's event types, or the short names the CLI's
 * `--events push,delete,tag` uses (each stands for the types listed here).
 */
import { EVENT_TYPES, isEventType, type EventType } from '../../events/event.js';

export const EVENT_ALIASES: Readonly<Record<string, readonly EventType[]>> = {
  push: ['manifest.pushed'],
  pull: ['manifest.pulled'],
  delete: ['manifest.deleted', 'tag.deleted', 'repository.deleted'],
  tag: ['tag.created', 'tag.moved', 'tag.deleted'],
  upload: ['blob.uploaded'],
  quota: ['quota.warning', 'quota.exceeded'],
  gc: ['gc.finished'],
  lifecycle: ['lifecycle.expired'],
  readonly: ['readonly.changed'],
  base: ['base.moved'],
  all: EVENT_TYPES,
};

/** The event types `names` stand for, in EVENT_TYPES order; throws naming the first unknown name. */
export function resolveEventNames(names: readonly string[]): EventType[] {
  if (names.length === 0) throw new RangeError('name at least one event (e.g. push, delete, tag)');
  const types = new Set<EventType>();
  for (const name of names) {
    const expanded = isEventType(name) ? [name] : EVENT_ALIASES[name];
    if (expanded === undefined) throw new RangeError(`unknown event ${JSON.stringify(name)}: use ${Object.keys(EVENT_ALIASES).join(', ')} or an event type (${EVENT_TYPES.join(', ')})`);
    for (const type of expanded) types.add(type);
  }
  return EVENT_TYPES.filter((type) => types.has(type));
}
