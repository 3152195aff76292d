import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One measured quantity, as each server scored it. */
export interface Figure {
  id: string;
  label: string;
  unit: string;
  /** Which direction is better for this quantity. */
  better: 'higher' | 'lower';
  /** How a server's samples become its figure. */
  aggregate: 'mean' | 'median';
  /** Required advantage of Berth over Distribution (see {@link advantage}), when the issue sets one. */
  target?: number;
  berth?: number;
  distribution?: number;
  /** Extra detail kept in the JSON (per-run values, failures). */
  detail?: Record<string, unknown>;
}

/**
 * How many times better Berth is: Berth/Distribution for higher-is-better figures,
 * Distribution/Berth for lower-is-better ones. Above 1 means Berth wins either way.
 */
export function advantage(figure: Figure): number | undefined {
  const { berth, distribution } = figure;
  if (berth === undefined || distribution === undefined || berth <= 0 || distribution <= 0) return undefined;
  return figure.better === 'higher' ? berth / distribution : distribution / berth;
}

function met(figure: Figure): boolean | undefined {
  const ratio = advantage(figure);
  return figure.target === undefined || ratio === undefined ? undefined : ratio >= figure.target;
}

function format(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
}

/** The side-by-side table, one line a figure. */
export function table(figures: Figure[]): string {
  const header = ['figure', 'unit', 'better', 'Berth', 'Distribution', 'ratio', 'target', 'met'];
  const rows = figures.map((f) => {
    const ratio = advantage(f);
    const ok = met(f);
    return [
      f.label,
      f.unit,
      f.better === 'higher' ? 'higher' : 'lower',
      format(f.berth),
      format(f.distribution),
      ratio === undefined ? '—' : `${format(ratio)}×`,
      f.target === undefined ? '' : `≥ ${f.target}×`,
      ok === undefined ? '' : ok ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [pad(header, widths), rule, ...rows.map((r) => pad(r, widths))].join('\n');
}

/** Writes the results as a small JSON document. */
export async function writeResults(file: string, meta: Record<string, unknown>, figures: Figure[], failures: Record<string, number>): Promise<void> {
  const round = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : Math.round(v * 100) / 100);
  const document = {
    ...meta,
    loadFailures: failures,
    ratio: 'above 1 means Berth is better: Berth/Distribution when higher is better, Distribution/Berth when lower is better',
    figures: figures.map((f) => ({
      id: f.id,
      label: f.label,
      unit: f.unit,
      better: f.better,
      berth: round(f.berth),
      distribution: round(f.distribution),
      ratio: round(advantage(f)),
      target: f.target ?? null,
      met: met(f) ?? null,
      ...(f.detail ? { detail: f.detail } : {}),
    })),
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
}
