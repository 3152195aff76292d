/**
 * How the admin commands print: aligned tables for people, JSON for scripts (--json), notes and
 * warnings on stderr so stdout stays parseable.
 */

/** A table column: its heading and how a row shows in it. */
export interface Column<T> {
  heading: string;
  value: (row: T) => string;
}

/** Writes `rows` as a table with aligned columns; `empty` (on stderr) when there are none. */
export function printTable<T>(rows: T[], columns: Column<T>[], empty: string): void {
  if (rows.length === 0) {
    note(empty);
    return;
  }
  const cells = [columns.map((c) => c.heading), ...rows.map((row) => columns.map((c) => oneLine(c.value(row))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] as string).length)));
  const text = cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ').trimEnd()).join('\n');
  process.stdout.write(`${text}\n`);
}

/** Writes `label: value` lines with the values aligned. */
export function printFields(fields: [string, string][]): void {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  process.stdout.write(fields.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n') + '\n');
}

/** Writes a value as indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a line on stdout. */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Writes a note or warning on stderr. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** An ISO date as `YYYY-MM-DD HH:MM:SS` (UTC, the server's zone-free form); '-' when absent. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A yes/no cell. */
export function yesNo(value: boolean | undefined): string {
  return value ? 'yes' : 'no';
}

/** A list cell: comma-separated, '-' when empty or absent. */
export function listCell(values: string[] | null | undefined): string {
  return values && values.length > 0 ? values.join(',') : '-';
}

/** Control characters (newlines in a description) would break the table's lines. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}
