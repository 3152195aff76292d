/**
 * `berth gc [--dry-run]`: garbage collection against the data folder or databases the
 * configuration names, safe while `berth serve` runs (collection is online; see
 * docs/architecture.md). Shows progress on a terminal and reports counts and bytes at the end.
 * It opens an existing database only, and refuses storage bound to another database.
 * `berth gc history`: the latest runs of any node, from the run history.
 */
import type { Command } from 'commander';
import { LeaseBusyError } from '../../cluster/exclusive.js';
import { loadConfig } from '../../extensions/settings.js';
import { formatBytes } from '../../content/quotas.js';
import { StorageBindingError } from '../../content/storage-binding.js';
import { OrphanSweepRefusedError, type GcPhase, type GcReport } from '../../gc/collector.js';
import { gcSummary } from '../../gc/schedule.js';
import type { GcRunRecord } from '../../metadata/gc-run-store.js';
import { MetadataMissingError } from '../../metadata/open-metadata-store.js';
import { CliError } from '../cli-error.js';
import { durationSeconds, positiveInteger } from '../option-parsers.js';
import { printJson, printTable, say } from '../output.js';

const PHASES: Record<GcPhase, string> = {
  mark: 'marking',
  manifests: 'deleting manifests',
  links: 'unlinking blobs',
  blobs: 'deleting blobs',
  uploads: 'purging uploads',
  files: 'checking blob files',
  audit: 'pruning audit events',
};

/** A one-line progress display on a terminal (nothing when stderr is not one). */
function progressLine(): { update(phase: GcPhase, done: number, total: number): void; end(): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update(phase, done, total) {
      const now = Date.now();
      // A redraw per item would cost more than the work on big registries: ten a second at most.
      if (!tty || (now - last < 100 && done !== total)) return;
      last = now;
      process.stderr.write(`\r\u001b[2K${PHASES[phase]} ${done}/${total}`);
    },
    end() {
      if (tty) process.stderr.write('\r\u001b[2K');
    },
  };
}

function printReport(report: GcReport): void {
  const verb = report.dryRun ? 'would delete' : 'deleted';
  if (report.dryRun) {
    for (const m of report.manifests) say(`manifest ${m.repository}@${m.digest} (${formatBytes(m.size)})`);
    for (const l of report.links) say(`link     ${l.repository} → ${l.digest}`);
    for (const b of report.blobs) say(`blob     ${b.digest} (${formatBytes(b.size)})`);
    for (const u of report.uploads) say(`upload   ${u.repository} ${u.id}`);
    for (const f of report.orphanFiles) say(`orphan   ${f}`);
  }
  say(
    `${report.dryRun ? 'dry run: ' : ''}${verb} ${report.manifests.length} manifests, ${report.links.length} blob links, ${report.blobs.length} blobs, ` +
      `${report.uploads.length} stale uploads, ${report.orphanFiles.length} orphan files${report.dryRun ? '' : `, ${report.auditEvents} audit events`}; ` +
      `${report.dryRun ? 'would reclaim' : 'reclaimed'} ${formatBytes(report.bytesReclaimed)} in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
}

/** The refusals a maintenance run ends with, as messages without a stack trace. */
function expected(error: unknown): CliError | undefined {
  if (error instanceof StorageBindingError || error instanceof MetadataMissingError || error instanceof OrphanSweepRefusedError || error instanceof LeaseBusyError) {
    return new CliError(error.message, { cause: error });
  }
  return undefined;
}

interface StoreOptions {
  data?: string;
  metadataUrl?: string;
  config?: string;
}

function configOf(options: StoreOptions, extra: Record<string, string | undefined> = {}): ReturnType<typeof loadConfig> {
  return loadConfig({ ...(options.config ? { file: options.config } : {}), flags: { data: options.data, 'metadata.url': options.metadataUrl, ...extra } });
}

async function withStorage<T>(options: StoreOptions, extra: Record<string, string | undefined>, work: (storage: Awaited<ReturnType<typeof import('../../app.js').openStorage>>) => Promise<T>): Promise<T> {
  const config = configOf(options, extra);
  const { openStorage } = await import('../../app.js');
  const storage = await openStorage(config).catch((error: unknown) => {
    throw expected(error) ?? error;
  });
  try {
    return await work(storage);
  } catch (error) {
    throw expected(error) ?? error;
  } finally {
    await storage.close();
  }
}

function printHistory(runs: GcRunRecord[]): void {
  printTable(
    runs,
    [
      { heading: 'ID', value: (r) => String(r.id) },
      { heading: 'STARTED', value: (r) => r.startedAt.toISOString() },
      { heading: 'SECONDS', value: (r) => (r.finishedAt ? ((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1) : 'unfinished') },
      { heading: 'NODE', value: (r) => r.node },
      { heading: 'DRY', value: (r) => (r.dryRun ? 'yes' : 'no') },
      { heading: 'MANIFESTS', value: (r) => String(r.manifests) },
      { heading: 'BLOBS', value: (r) => String(r.blobs) },
      { heading: 'ORPHANS', value: (r) => String(r.orphanFiles) },
      { heading: 'RECLAIMED', value: (r) => formatBytes(r.bytesReclaimed) },
      { heading: 'ERROR', value: (r) => r.error ?? '' },
    ],
    'no garbage collection has run yet',
  );
}

/** Registers `berth gc` and `berth gc history`. */
export function registerGc(program: Command): void {
  const gc = program
    .command('gc')
    .description('collect garbage: unreferenced manifests, blob links, blobs, stale uploads, orphan blob files, old audit events (online: pushes may go on)')
    .option('--dry-run', 'list what would be deleted (orphan files too) and the bytes it would free; delete nothing')
    .option('--grace <duration>', 'keep anything touched more recently than this: seconds or 90s, 15m, 2h, 1d (default gc.graceSeconds)', durationSeconds)
    .option('--json', 'print the report as JSON')
    .option('--data <dir>', 'the data folder (default ./data)')
    .option('--metadata-url <url>', "the registry's metadata database (as BERTH_METADATA_URL; default sqlite:<data>/berth.db, which must exist)")
    .option('--config <file>', 'YAML configuration file (as for berth serve)')
    .action(async (options: StoreOptions & { dryRun?: boolean; json?: boolean; grace?: number }) => {
      await withStorage(options, { 'gc.graceSeconds': options.grace === undefined ? undefined : String(options.grace) }, async (storage) => {
        const line = progressLine();
        try {
          const report = await storage.gc.run({ dryRun: options.dryRun ?? false, onProgress: (phase, done, total) => line.update(phase, done, total) });
          line.end();
          if (options.json) printJson({ ...report, summary: gcSummary(report) });
          else printReport(report);
        } finally {
          line.end();
        }
      });
    });
  gc.command('history')
    .description('the latest garbage collections of every node: when, what they removed, bytes reclaimed, errors')
    .option('--limit <n>', 'how many runs (default 20)', positiveInteger)
    .option('--json', 'print the runs as JSON')
    .option('--data <dir>', 'the data folder (default ./data)')
    .option('--metadata-url <url>', "the registry's metadata database (as BERTH_METADATA_URL)")
    .option('--config <file>', 'YAML configuration file (as for berth serve)')
    .action(async (own: StoreOptions & { limit?: number; json?: boolean }) => {
      // Commander gives `gc`'s own options (--data, --metadata-url …) to the parent command.
      const options = { ...(gc.opts() as StoreOptions & { json?: boolean }), ...own };
      await withStorage(options, {}, async (storage) => {
        const runs = await storage.store.gcRuns.list(options.limit ?? 20);
        if (options.json) printJson({ runs });
        else printHistory(runs);
      });
    });
}
