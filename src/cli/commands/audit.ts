/** `berth audit`: who did what to what, when, from where (admin API /api/v1/audit, newest first). */
import type { Command } from 'commander';
import type { AuditPage } from '../api-types.js';
import { pointInTime, positiveInteger } from '../option-parsers.js';
import { note, printJson, printTable, when } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';

interface AuditOptions extends ServerOption {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  since?: string;
  until?: string;
  before?: string;
  limit: number;
  json?: boolean;
}

/** The detail of an event in one short cell. */
function detailCell(detail: unknown): string {
  if (detail === undefined || detail === null) return '';
  const text = typeof detail === 'string' ? detail : JSON.stringify(detail);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

async function audit(options: AuditOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const { actor, action, target, outcome, since, until, before, limit } = options;
  const page = await api.get<AuditPage>('/audit', { query: { actor, action, target, outcome, since, until, before, limit } });
  const events = page.events ?? [];
  if (options.json) return printJson(page);
  printTable(
    events,
    [
      { heading: 'AT', value: (e) => when(e.at) },
      { heading: 'ACTOR', value: (e) => e.actor || '-' },
      { heading: 'ACTION', value: (e) => e.action },
      { heading: 'TARGET', value: (e) => e.target ?? '-' },
      { heading: 'OUTCOME', value: (e) => e.outcome },
      { heading: 'CLIENT', value: (e) => e.clientIp ?? '-' },
      { heading: 'DETAIL', value: (e) => detailCell(e.detail) },
    ],
    'no matching audit events',
  );
  if (page.next) note(`More events: add --before ${page.next}`);
}

/** Registers `berth audit`. */
export function registerAudit(program: Command): void {
  withServerOption(program.command('audit').description('query the audit log (newest first)'))
    .option('--actor <name>', 'only events by this user or robot')
    .option('--action <action>', 'only this action, e.g. login, user.create, token.issue')
    .option('--target <target>', 'only events on this target')
    .option('--outcome <outcome>', 'only this outcome (success, failure, denied)')
    .option('--since <when>', 'from this time: an ISO date or an age like 30m, 12h, 7d', (v) => pointInTime(v))
    .option('--until <when>', 'up to this time: an ISO date or an age like 30m, 12h, 7d', (v) => pointInTime(v))
    .option('--before <cursor>', 'the page after an earlier answer (its "next")')
    .option('--limit <n>', 'at most this many events', positiveInteger, 50)
    .option('--json', 'print JSON ({events, next})')
    .exitOverride()
    .action(audit);
}
