/** `berth events [--follow]`: the registry's event log (admin API /api/v1/events), oldest first. */
import type { Command } from 'commander';
import type { EventPage, RegistryEvent } from '../api-types.js';
import { nonNegativeInteger, positiveInteger } from '../option-parsers.js';
import { note, printTable, say, when } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';

interface EventsOptions extends ServerOption {
  type?: string;
  repository?: string;
  after?: number;
  limit: number;
  follow?: boolean;
  interval: number;
  json?: boolean;
}

/** What an event is about, in one cell: `repo:tag@digest`, a count of pulls, a quota figure. */
function subject(event: RegistryEvent): string {
  const target = event.target ?? {};
  const digest = target.digest ? `@${target.digest.slice(0, 19)}` : '';
  const tag = target.tag ? `:${target.tag}` : '';
  const moved = target.oldDigest ? ` (was ${target.oldDigest.slice(0, 19)})` : '';
  const count = typeof event.data?.count === 'number' && event.data.count > 1 ? ` ×${event.data.count}` : '';
  return `${event.repository ?? '-'}${tag}${digest}${moved}${count}`;
}

function print(events: RegistryEvent[], json: boolean | undefined): void {
  // --json prints one event per line, so a follower can pipe it into jq as it arrives.
  if (json) {
    for (const event of events) say(JSON.stringify(event));
    return;
  }
  printTable(
    events,
    [
      { heading: 'ID', value: (event) => String(event.id) },
      { heading: 'TIME', value: (event) => when(event.at) },
      { heading: 'TYPE', value: (event) => event.type },
      { heading: 'WHAT', value: subject },
      { heading: 'ACTOR', value: (event) => (event.address ? `${event.actor} (${event.address})` : event.actor) },
    ],
    'no matching events',
  );
}

async function events(options: EventsOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const { type, repository, limit } = options;
  const page = (after: number): Promise<EventPage> => api.get<EventPage>('/events', { query: { after, type, repository, limit } });
  if (!options.follow) {
    const first = await page(options.after ?? 0);
    print(first.events, options.json);
    if (first.events.length === limit) note(`More events: add --after ${first.last}`);
    return;
  }
  // Following: from --after, or else from now on (like tail -f), until interrupted.
  let after = options.after ?? (await page(0)).newest;
  for (;;) {
    const next = await page(after);
    if (next.events.length > 0) print(next.events, options.json);
    after = next.last;
    if (next.events.length < limit) await new Promise((resolve) => setTimeout(resolve, options.interval));
  }
}

/** Registers `berth events`. */
export function registerEvents(program: Command): void {
  withServerOption(program.command('events').description('the event log: pushes, tag moves, deletions, pulls, quota, GC, lifecycle, read-only (admins)'))
    .option('--type <types>', 'only these event types, comma-separated (e.g. manifest.pushed,tag.moved)')
    .option('--repository <name>', 'only events of this repository')
    .option('--after <id>', 'only events after this id', nonNegativeInteger)
    .option('--limit <n>', 'at most this many events per page', positiveInteger, 100)
    .option('-f, --follow', 'keep printing new events as they happen (from now, or from --after)')
    .option('--interval <ms>', 'with --follow: how often to ask for new events', positiveInteger, 1000)
    .option('--json', 'print each event as one JSON line')
    .action(events);
}
