/**
 * `berth gc [--dry-run]`: garbage collection against the data folder or databases the
 * configuration names, safe while `berth serve` runs (collection is online; see
 * docs/architecture.md). Shows progress on a terminal and reports counts and bytes at the end.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import type { GcPhase, GcReport } from '../../gc/collector.js';
import { gcSummary } from '../../gc/schedule.js';
import { printJson, say } from '../output.js';

const PHASES: Record<GcPhase, string> = {
  mark: 'marking',
  manifests: 'deleting manifests',
  links: 'unlinking blobs',
  blobs: 'deleting blobs',
  uploads: 'purging uploads',
  files: 'checking blob files',
};

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

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
    for (const m of report.manifests) say(`manifest ${m.repository}@${m.digest} (${m.size} bytes)`);
    for (const l of report.links) say(`link     ${l.repository} → ${l.digest}`);
    for (const b of report.blobs) say(`blob     ${b.digest} (${mebibytes(b.size)})`);
    for (const u of report.uploads) say(`upload   ${u.repository} ${u.id}`);
  }
  say(
    `${report.dryRun ? 'dry run: ' : ''}${verb} ${report.manifests.length} manifests, ${report.links.length} blob links, ${report.blobs.length} blobs, ` +
      `${report.uploads.length} stale uploads${report.dryRun ? '' : `, ${report.orphanFiles.length} orphan files`}; ` +
      `${report.dryRun ? 'would reclaim' : 'reclaimed'} ${mebibytes(report.bytesReclaimed)} in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
}

/** Registers `berth gc`. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('collect garbage: unreferenced manifests, blob links, blobs, stale uploads (online: pushes may go on)')
    .option('--dry-run', 'list what would be deleted and the bytes it would free; delete nothing')
    .option('--json', 'print the report as JSON')
    .option('--data <dir>', 'the data folder (default ./data)')
    .option('--config <file>', 'YAML configuration file (as for berth serve)')
    .action(async (options: { dryRun?: boolean; json?: boolean; data?: string; config?: string }) => {
      const config = loadConfig({ ...(options.config ? { file: options.config } : {}), flags: { data: options.data } });
      const { openStorage } = await import('../../app.js');
      const storage = await openStorage(config);
      const line = progressLine();
      try {
        const report = await storage.gc.run({ dryRun: options.dryRun ?? false, onProgress: (phase, done, total) => line.update(phase, done, total) });
        line.end();
        if (options.json) printJson({ ...report, summary: gcSummary(report) });
        else printReport(report);
      } finally {
        line.end();
        await storage.close();
      }
    });
}
