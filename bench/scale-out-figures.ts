/**
 * What the scale-out group reports: figures in the format of the rest of the benchmark (Berth and
 * Distribution side by side, ratio above 1 when Berth is better), and the ratios the group is
 * about — N nodes ÷ 1 node, redirected ÷ proxied — which compare Berth (or Distribution) with
 * itself, so they get a table of their own.
 */
import type { Figure } from './report.js';

const plural = (n: number): string => `${n} node${n === 1 ? '' : 's'}`;

export const figureIds = {
  manifestRps: (n: number) => `scaleout_manifest_rps_${n}n`,
  manifestP99: (n: number) => `scaleout_manifest_p99_${n}n`,
  blobLoad: (n: number) => `scaleout_blob_get_${n}n`,
  /** mode: how the blob is served; what: MB/s one at a time (seq) or concurrently (conc), their mean ms, or registry CPU per GB. */
  blob: (mode: 'proxied' | 'redirect', what: 'seq' | 'seq_ms' | 'conc' | 'conc_ms' | 'cpu') => `scaleout_blob_${mode}_${what}`,
  rssPeak: 'scaleout_rss_peak',
};

/** The figures, in the order printed; `berth`/`distribution` are filled in from the samples. */
export function scaleOutFigures(maxNodes: number, blobMiB: number, manifestConnections: number, blobConnections: number, concurrency: number): Figure[] {
  const nodes = Array.from({ length: maxNodes }, (_, i) => i + 1);
  const figure = (id: string, label: string, unit: string, better: 'higher' | 'lower'): Figure => ({ id, label, unit, better, aggregate: 'mean' });
  // [id part, short name, how it works]
  const modes = [
    ['proxied', 'proxied', 'proxied (the registry streams from S3)'],
    ['redirect', 'redirected', 'redirected (307, then GET of the presigned URL)'],
  ] as const;
  return [
    ...nodes.map((n) => figure(figureIds.manifestRps(n), `manifest GET by tag, ${manifestConnections} connections, ${plural(n)}`, 'req/s', 'higher')),
    ...nodes.map((n) => figure(figureIds.manifestP99(n), `manifest GET by tag, p99 of the worst node, ${plural(n)}`, 'ms', 'lower')),
    ...nodes.map((n) => figure(figureIds.blobLoad(n), `blob GET ${blobMiB} MiB proxied, ${blobConnections} connections, ${plural(n)}`, 'MB/s', 'higher')),
    ...modes.map(([mode, , how]) => figure(figureIds.blob(mode, 'seq'), `blob GET ${blobMiB} MiB ${how}, one at a time`, 'MB/s', 'higher')),
    ...modes.map(([mode, name]) => figure(figureIds.blob(mode, 'seq_ms'), `  mean time of one GET, ${name}`, 'ms', 'lower')),
    ...modes.map(([mode, , how]) => figure(figureIds.blob(mode, 'conc'), `blob GET ${blobMiB} MiB ${how}, ${concurrency} at a time`, 'MB/s', 'higher')),
    ...modes.map(([mode, name]) => figure(figureIds.blob(mode, 'conc_ms'), `  mean time of one GET, ${name}, ${concurrency} at a time`, 'ms', 'lower')),
    ...modes.map(([mode, name]) => figure(figureIds.blob(mode, 'cpu'), `registry CPU per GB served, ${name}`, 's/GB', 'lower')),
    figure(figureIds.rssPeak, 'peak resident memory, node 1 (VmHWM)', 'MiB', 'lower'),
  ];
}

/** Samples per figure and side, made into the figures' means (with min, max and count kept as detail). */
export class ScaleOutSamples {
  private readonly samples = new Map<string, { berth: number[]; distribution: number[] }>();
  private readonly notes = new Map<string, Record<string, number[]>>();

  add(id: string, side: 'berth' | 'distribution', value: number): void {
    const entry = this.samples.get(id) ?? { berth: [], distribution: [] };
    entry[side].push(value);
    this.samples.set(id, entry);
  }

  /** Keeps a value measured alongside a figure (e.g. cores busy) in its detail, one a run. */
  note(id: string, key: string, value: number): void {
    const entry = this.notes.get(id) ?? {};
    entry[key] = [...(entry[key] ?? []), Math.round(value * 100) / 100];
    this.notes.set(id, entry);
  }

  fill(figures: Figure[]): Figure[] {
    const round1 = (v: number): number => Math.round(v * 10) / 10;
    return figures.map((f) => {
      const notes = this.notes.get(f.id);
      const filled: Figure = { ...f, ...(notes ? { detail: { ...notes } } : {}) };
      for (const side of ['berth', 'distribution'] as const) {
        const values = this.samples.get(f.id)?.[side] ?? [];
        if (values.length === 0) continue;
        filled[side] = values.reduce((a, b) => a + b, 0) / values.length;
        filled.detail = { ...filled.detail, [side]: { samples: values.length, min: round1(Math.min(...values)), max: round1(Math.max(...values)) } };
      }
      return filled;
    });
  }
}

/** A ratio of a server with itself (scaling, redirect gain), for Berth and, where measured, Distribution. */
export interface SelfRatio {
  id: string;
  label: string;
  berth?: number;
  distribution?: number;
}

export function scaleOutRatios(figures: Figure[], maxNodes: number, concurrency: number): SelfRatio[] {
  const byId = new Map(figures.map((f) => [f.id, f]));
  const divide = (over: string, under: string, side: 'berth' | 'distribution'): number | undefined => {
    const a = byId.get(over)?.[side];
    const b = byId.get(under)?.[side];
    return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  };
  const ratio = (id: string, label: string, over: string, under: string): SelfRatio => ({ id, label, berth: divide(over, under, 'berth'), distribution: divide(over, under, 'distribution') });
  const nodes = Array.from({ length: maxNodes - 1 }, (_, i) => i + 2);
  return [
    ...nodes.map((n) => ratio(`manifest_rps_${n}n_over_1n`, `manifest GET req/s, ${n} nodes ÷ 1 node`, figureIds.manifestRps(n), figureIds.manifestRps(1))),
    ...nodes.map((n) => ratio(`blob_get_${n}n_over_1n`, `blob GET MB/s, ${n} nodes ÷ 1 node`, figureIds.blobLoad(n), figureIds.blobLoad(1))),
    ratio('blob_redirect_over_proxied_seq', 'blob GET MB/s one at a time, redirected ÷ proxied', figureIds.blob('redirect', 'seq'), figureIds.blob('proxied', 'seq')),
    ratio('blob_redirect_over_proxied_conc', `blob GET MB/s ${concurrency} at a time, redirected ÷ proxied`, figureIds.blob('redirect', 'conc'), figureIds.blob('proxied', 'conc')),
    ratio('blob_redirect_over_proxied_cpu', 'registry CPU per GB, redirected ÷ proxied', figureIds.blob('redirect', 'cpu'), figureIds.blob('proxied', 'cpu')),
  ];
}

/** The ratios as a small table. */
export function ratioTable(ratios: SelfRatio[]): string {
  const format = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`);
  const rows = ratios.map((r) => [r.label, format(r.berth), format(r.distribution)]);
  const header = ['ratio (of a server with itself)', 'Berth', 'Distribution'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
