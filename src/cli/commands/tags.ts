/** `berth tag history|rollback`: who moved a tag from which digest to which, and moving it back. */
import { InvalidArgumentError, type Command } from 'commander';
import { usageError } from '../cli-error.js';
import { positiveInteger } from '../option-parsers.js';
import { note, printJson, printTable, say, when } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';

/** One tag move, as GET /api/v1/tag-history answers it. */
interface TagEvent {
  id: number;
  repository: string;
  tag: string;
  oldDigest: string | null;
  newDigest: string | null;
  actor: string;
  at: string;
}

/** POST /api/v1/tag-rollback */
interface RolledBack {
  repository: string;
  tag: string;
  digest: string;
  changed: boolean;
}

/**
 * `REPO:TAG` (or `REPO` alone when the tag may be left out). The tag follows the last ':' after
 * the last '/', so a registry host with a port in front (`host:5000/team/app:v1`) still parses;
 * such a host is dropped: the command talks to the logged-in server.
 */
export function parseRepoTag(value: string, tagRequired: boolean): { repository: string; tag?: string } {
  const slash = value.lastIndexOf('/');
  const colon = value.lastIndexOf(':');
  let repository = colon > slash ? value.slice(0, colon) : value;
  const tag = colon > slash ? value.slice(colon + 1) : undefined;
  const parts = repository.split('/');
  // A first component with a '.' or ':' (or localhost) names a registry host, as docker reads it.
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? '')) repository = parts.slice(1).join('/');
  if (repository === '' || tag === '' || (tagRequired && tag === undefined)) {
    throw new InvalidArgumentError(tagRequired ? 'expected REPOSITORY:TAG, e.g. team/app:latest' : 'expected REPOSITORY or REPOSITORY:TAG');
  }
  return { repository, ...(tag === undefined ? {} : { tag }) };
}

/** A digest shortened for a table cell; '-' for none. */
function shortDigest(digest: string | null): string {
  if (digest === null) return '-';
  const [algorithm, encoded = ''] = digest.split(':');
  return `${algorithm}:${encoded.slice(0, 12)}`;
}

interface HistoryOptions extends ServerOption {
  limit: number;
  before?: number;
  full?: boolean;
  json?: boolean;
}

async function history(reference: { repository: string; tag?: string }, options: HistoryOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const page = await api.get<{ events: TagEvent[]; next: number | null }>('/tag-history', {
    query: { repository: reference.repository, tag: reference.tag, limit: options.limit, before: options.before },
  });
  if (options.json) return printJson(page);
  const digest = (value: string | null): string => (options.full ? (value ?? '-') : shortDigest(value));
  printTable(
    page.events,
    [
      { heading: 'ID', value: (e) => String(e.id) },
      { heading: 'AT', value: (e) => when(e.at) },
      ...(reference.tag === undefined ? [{ heading: 'TAG', value: (e: TagEvent) => e.tag }] : []),
      { heading: 'FROM', value: (e) => digest(e.oldDigest) },
      { heading: 'TO', value: (e) => digest(e.newDigest) },
      { heading: 'BY', value: (e) => e.actor },
    ],
    `no recorded moves of ${reference.tag === undefined ? reference.repository : `${reference.repository}:${reference.tag}`}`,
  );
  if (page.next) note(`More moves: add --before ${page.next}`);
}

interface RollbackOptions extends ServerOption {
  to?: string;
  steps?: number;
  json?: boolean;
}

async function rollback(reference: { repository: string; tag?: string }, options: RollbackOptions): Promise<void> {
  if (options.to !== undefined && options.steps !== undefined) throw usageError('--to and --steps are mutually exclusive');
  if (options.to === undefined && options.steps === undefined) throw usageError('say where to: --to DIGEST or --steps N');
  const { api } = await openSession(options.server);
  const target = options.to !== undefined ? { to: options.to } : { steps: options.steps };
  const result = await api.post<RolledBack>('/tag-rollback', { json: { repository: reference.repository, tag: reference.tag, ...target } });
  if (options.json) return printJson(result);
  say(result.changed ? `${result.repository}:${result.tag} now points to ${result.digest}` : `${result.repository}:${result.tag} already points to ${result.digest}`);
}

/** Registers `berth tag …`. */
export function registerTags(program: Command): void {
  const tag = program.command('tag').description('tag history and rollback').exitOverride();
  withServerOption(tag.command('history').description("show who moved a tag (or a repository's tags) from which digest to which, newest first"))
    .argument('<reference>', 'REPOSITORY:TAG, or REPOSITORY for all its tags', (value: string) => parseRepoTag(value, false))
    .option('--limit <n>', 'at most this many moves', positiveInteger, 20)
    .option('--before <id>', 'the page after an earlier answer (its "next")', positiveInteger)
    .option('--full', 'print whole digests')
    .option('--json', 'print JSON ({events, next})')
    .action(history);
  withServerOption(tag.command('rollback').description('point a tag back at an earlier manifest'))
    .argument('<reference>', 'REPOSITORY:TAG', (value: string) => parseRepoTag(value, true))
    .option('--to <digest>', 'the digest to point the tag at')
    .option('--steps <n>', 'where the tag pointed this many moves ago (1 undoes the last move)', positiveInteger)
    .option('--json', 'print JSON')
    .action(rollback);
}
