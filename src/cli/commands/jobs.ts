/** `berth jobs list|show|retry|cancel`: the background job queue every node runs (admin API /api/v1/jobs). */
import type { Command } from 'commander';
import type { Job } from '../api-types.js';
import { positiveInteger } from '../option-parsers.js';
import { note, printFields, printJson, printTable, say, when } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';

interface ListOptions extends ServerOption {
  state?: string;
  kind?: string;
  before?: number;
  limit: number;
  json?: boolean;
}

interface JobOptions extends ServerOption {
  json?: boolean;
}

async function list(options: ListOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const { state, kind, before, limit } = options;
  const page = await api.get<{ jobs: Job[] }>('/jobs', { query: { state, kind, before, limit } });
  if (options.json) return printJson(page);
  printTable(
    page.jobs,
    [
      { heading: 'ID', value: (job) => String(job.id) },
      { heading: 'KIND', value: (job) => job.kind },
      { heading: 'STATE', value: (job) => job.state },
      { heading: 'ATTEMPTS', value: (job) => `${job.attempts}/${job.maxAttempts}` },
      { heading: 'DUE', value: (job) => when(job.runAt) },
      { heading: 'NODE', value: (job) => job.lockedBy ?? '-' },
      { heading: 'LAST ERROR', value: (job) => cut(job.lastError ?? '-', 60) },
    ],
    'no matching jobs',
  );
  const last = page.jobs.at(-1);
  if (last && page.jobs.length === limit) note(`More jobs: add --before ${last.id}`);
}

function cut(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 3)}...` : text;
}

function printJob(job: Job, json: boolean | undefined): void {
  if (json) return printJson(job);
  printFields([
    ['id', String(job.id)],
    ['kind', job.kind],
    ['state', job.state],
    ['attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['due', when(job.runAt)],
    ['node', job.lockedBy ?? '-'],
    ['lease until', when(job.lockedUntil)],
    ['created', when(job.createdAt)],
    ['finished', when(job.finishedAt)],
    ['idempotency key', job.idempotencyKey ?? '-'],
    ['last error', job.lastError ?? '-'],
    ['payload', JSON.stringify(job.payload ?? null)],
  ]);
}

async function show(id: number, options: JobOptions): Promise<void> {
  const { api } = await openSession(options.server);
  printJob(await api.get<Job>(`/jobs/${id}`), options.json);
}

/** What `retry` and `cancel` post, and how each says it worked. */
const STATE_CHANGES = {
  retry: { description: 'queue a dead or cancelled job again', outcome: 'is queued again' },
  cancel: { description: 'cancel a queued or running job', outcome: 'is cancelled' },
} as const;

function changeState(action: keyof typeof STATE_CHANGES): (id: number, options: JobOptions) => Promise<void> {
  return async (id, options) => {
    const { api } = await openSession(options.server);
    const job = await api.post<Job>(`/jobs/${id}/${action}`, { json: {} });
    if (options.json) return printJson(job);
    say(`job ${job.id} (${job.kind}) ${STATE_CHANGES[action].outcome}`);
  };
}

/** Registers `berth jobs`. */
export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('background jobs of every node: list, inspect, retry, cancel').exitOverride();
  withServerOption(jobs.command('list').description('list jobs, newest first'))
    .option('--state <state>', 'only jobs in this state (queued, running, done, dead, cancelled)')
    .option('--kind <kind>', 'only jobs of this kind')
    .option('--before <id>', 'only jobs older than this id (the next page)', positiveInteger)
    .option('--limit <n>', 'at most this many jobs', positiveInteger, 50)
    .option('--json', 'print JSON')
    .action(list);
  withServerOption(jobs.command('show').description('show one job with its last error'))
    .argument('<id>', 'the job id', positiveInteger)
    .option('--json', 'print JSON')
    .action(show);
  for (const action of ['retry', 'cancel'] as const) {
    withServerOption(jobs.command(action).description(STATE_CHANGES[action].description))
      .argument('<id>', 'the job id', positiveInteger)
      .option('--json', 'print JSON')
      .action(changeState(action));
  }
}
