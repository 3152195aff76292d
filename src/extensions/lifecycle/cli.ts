/**
 * `berth policy …`: lifecycle policies per namespace (or, with --repository, per repository),
 * over the admin API (/api/v1/lifecycle-policies). Policy files are Amazon ECR lifecycle policy
 * JSON, optionally with Berth's keep rules under "berth"; `get` prints the document itself, so
 * `berth policy get team > p.json`, an edit and `berth policy set team --file p.json` round-trip.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { segment } from '../../cli/api-client.js';
import { CliError, usageError } from '../../cli/cli-error.js';
import { listCell, note, printJson, printTable, say, when } from '../../cli/output.js';
import { openSession, withServerOption, type ServerOption } from '../../cli/stored-login.js';

interface ScopeOptions extends ServerOption {
  repository?: boolean;
  json?: boolean;
}

interface FileOptions extends ScopeOptions {
  file: string;
}

/** A stored policy as the API answers it. */
interface PolicyView {
  scopeKind: string;
  scope: string;
  policy: unknown;
  updatedBy: string;
  updatedAt: string;
}

interface Expiry {
  digest: string;
  tags: string[];
  rulePriority: number;
  reason: string;
}

interface Preview {
  repositories: { repository: string; images: number; expired: Expiry[]; protected: (Expiry & { keptBecause: string })[] }[];
  overridden: string[];
}

interface RunReport {
  readOnly: boolean;
  repositories: number;
  expiredImages: number;
  referrersDeleted: number;
  bytes: number;
  expired: (Expiry & { repository: string; referrers: string[] })[];
  skipped: { repository: string; digest: string; reason: string }[];
  problems: { repository?: string; scope?: string; error: string }[];
}

function kindOf(options: ScopeOptions): 'namespace' | 'repository' {
  return options.repository ? 'repository' : 'namespace';
}

function policyPath(scope: string, options: ScopeOptions): string {
  return `/lifecycle-policies/${kindOf(options)}/${segment(scope)}`;
}

/** The policy document in `file` ('-': standard input), parsed here so a typo is named before anything is sent. */
async function readPolicy(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${file === '-' ? 'standard input' : file} is not valid JSON: ${(error as Error).message}`, { exitCode: 2 });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A digest short enough for a table: the algorithm and 12 hex digits. */
function short(digest: string): string {
  return digest.replace(/^(\w+:[0-9a-f]{12})[0-9a-f]+$/, '$1');
}

async function list(options: ServerOption & { json?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const { policies } = await api.get<{ policies: PolicyView[] }>('/lifecycle-policies');
  if (options.json) return printJson(policies);
  printTable(
    policies,
    [
      { heading: 'KIND', value: (p) => p.scopeKind },
      { heading: 'SCOPE', value: (p) => p.scope },
      { heading: 'RULES', value: (p) => String((p.policy as { rules?: unknown[] }).rules?.length ?? 0) },
      { heading: 'UPDATED BY', value: (p) => p.updatedBy },
      { heading: 'UPDATED', value: (p) => when(p.updatedAt) },
    ],
    'no lifecycle policies',
  );
}

async function get(scope: string, options: ScopeOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const view = await api.get<PolicyView>(policyPath(scope, options));
  if (options.json) return printJson(view);
  note(`${view.scopeKind} ${view.scope}: set by ${view.updatedBy} at ${when(view.updatedAt)}`);
  printJson(view.policy);
}

async function set(scope: string, options: FileOptions): Promise<void> {
  const policy = await readPolicy(options.file);
  const { api } = await openSession(options.server);
  await api.put(policyPath(scope, options), { json: policy });
  say(`set the lifecycle policy of ${kindOf(options)} ${scope}`);
}

async function remove(scope: string, options: ScopeOptions): Promise<void> {
  const { api } = await openSession(options.server);
  await api.delete(policyPath(scope, options));
  say(`deleted the lifecycle policy of ${kindOf(options)} ${scope}`);
}

async function preview(scope: string, options: FileOptions): Promise<void> {
  const policy = await readPolicy(options.file);
  const { api } = await openSession(options.server);
  const result = await api.post<Preview>('/lifecycle-policies/preview', { json: { scopeKind: kindOf(options), scope, policy } });
  if (options.json) return printJson(result);
  const expired = result.repositories.flatMap((plan) => plan.expired.map((entry) => ({ ...entry, repository: plan.repository })));
  const kept = result.repositories.flatMap((plan) => plan.protected.map((entry) => ({ ...entry, repository: plan.repository })));
  printTable(
    expired,
    [
      { heading: 'REPOSITORY', value: (e) => e.repository },
      { heading: 'DIGEST', value: (e) => short(e.digest) },
      { heading: 'TAGS', value: (e) => listCell(e.tags) },
      { heading: 'REASON', value: (e) => e.reason },
    ],
    'the policy would expire nothing now',
  );
  for (const entry of kept) note(`kept: ${entry.repository}@${short(entry.digest)} ${listCell(entry.tags)}: ${entry.keptBecause}`);
  for (const repository of result.overridden) note(`not governed: ${repository} has a policy of its own`);
  const images = result.repositories.reduce((sum, plan) => sum + plan.images, 0);
  note(`${expired.length} of ${images} images in ${result.repositories.length} repositories would expire`);
}

/**
 * While the server applies the policies (one request), a terminal shows that work goes on and
 * for how long; the counts and bytes follow at the end.
 */
async function withElapsedLine<T>(what: string, work: Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return work;
  const started = Date.now();
  const draw = (): void => void process.stderr.write(`\r\u001b[2K${what}… ${((Date.now() - started) / 1000).toFixed(1)} s`);
  draw();
  const timer = setInterval(draw, 200);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    process.stderr.write('\r\u001b[2K');
  }
}

async function run(options: ServerOption & { json?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const report = await withElapsedLine('applying lifecycle policies', api.post<RunReport>('/lifecycle-policies/run', { json: {} }));
  if (options.json) return printJson(report);
  if (report.readOnly) {
    say('the registry is in read-only mode: nothing was expired');
    return;
  }
  for (const entry of report.expired) say(`expired ${entry.repository}@${entry.digest} ${listCell(entry.tags)} (${entry.reason})`);
  for (const entry of report.skipped) note(`skipped ${entry.repository}@${entry.digest}: ${entry.reason}`);
  for (const problem of report.problems) note(`problem with ${problem.repository ?? problem.scope ?? '?'}: ${problem.error}`);
  say(
    `expired ${report.expiredImages} images and ${report.referrersDeleted} referrers in ${report.repositories} repositories ` +
      `(${(report.bytes / 1024 / 1024).toFixed(1)} MiB listed; garbage collection frees what no other image uses)`,
  );
}

/** Registers `berth policy …`. */
export function registerLifecycle(program: Command): void {
  const policy = program.command('policy').description('manage lifecycle policies (Amazon ECR format) that expire images').exitOverride();
  const scoped = (command: Command): Command =>
    withServerOption(command)
      .argument('<scope>', 'the namespace (or, with --repository, the repository)')
      .option('--repository', 'the scope is a repository, not a namespace');
  withServerOption(policy.command('list').description('list the lifecycle policies you may manage')).option('--json', 'print JSON').action(list);
  scoped(policy.command('get').description('print a policy (the document on stdout)')).option('--json', 'print the policy with who set it, as JSON').action(get);
  scoped(policy.command('set').description('set (or replace) a policy from a file'))
    .requiredOption('--file <path>', "the policy JSON ('-': standard input)")
    .action(set);
  scoped(policy.command('delete').description('remove a policy')).action(remove);
  scoped(policy.command('preview').description('show which images a policy would expire now, without saving it'))
    .requiredOption('--file <path>', "the policy JSON ('-': standard input)")
    .option('--json', 'print JSON')
    .action(preview);
  withServerOption(policy.command('run').description('apply every policy now (admins)')).option('--json', 'print JSON').action(run);
}
