/**
 * The parts of an OSV record (ossf/osv-schema, docs/schema.md) that matching and severity read,
 * and a parser that refuses records breaking the schema's rules rather than matching them wrongly.
 */

/** One point on a range's timeline: exactly one of the four keys. */
export type OsvEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface OsvRange {
  type: 'SEMVER' | 'ECOSYSTEM' | 'GIT';
  repo?: string;
  events: OsvEvent[];
}

/** `severity[]`: `score` is a CVSS vector for the CVSS types, a priority word for `Ubuntu`. */
export interface OsvSeverity {
  type: string;
  score: string;
}

export interface OsvPackage {
  ecosystem: string;
  name: string;
  purl?: string;
}

export interface OsvAffected {
  package?: OsvPackage;
  severity?: OsvSeverity[];
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvRecord {
  id: string;
  modified: string;
  schema_version?: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  upstream?: string[];
  related?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
  database_specific?: Record<string, unknown>;
}

/** A record that breaks the OSV schema; `path` says where (`affected[0].ranges[1].events[2]`). */
export class OsvRecordError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    readonly id?: string,
  ) {
    super(`${id ? `OSV record ${id}` : 'OSV record'}: ${path} ${problem}`);
    this.name = 'OsvRecordError';
  }
}

const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
const RANGE_TYPES = new Set(['SEMVER', 'ECOSYSTEM', 'GIT']);

/**
 * Checks a parsed JSON value against the schema's rules and returns it typed. Refused: a missing
 * `id` or `modified`; an event without exactly one key; a range with no `introduced`, with both
 * `fixed` and `last_affected`, or of an unknown type; a GIT range without `repo`; and wrong types
 * in the fields matching reads. Fields Berth does not read pass through unchecked.
 */
export function parseOsvRecord(json: unknown): OsvRecord {
  const record = object(json, 'the record');
  const id = record.id;
  if (typeof id !== 'string' || id === '') throw new OsvRecordError('id', 'is missing');
  const fail = (path: string, problem: string): never => {
    throw new OsvRecordError(path, problem, id);
  };
  if (typeof record.modified !== 'string') fail('modified', 'is missing');
  for (const key of ['aliases', 'upstream', 'related'] as const) optionalStrings(record[key], key, fail);
  severities(record.severity, 'severity', fail);
  if (record.affected !== undefined) {
    if (!Array.isArray(record.affected)) fail('affected', 'is not an array');
    (record.affected as unknown[]).forEach((entry, i) => affected(entry, `affected[${i}]`, fail));
  }
  return record as unknown as OsvRecord;
}

type Fail = (path: string, problem: string) => never;

function object(value: unknown, path: string, fail?: Fail): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  if (fail) return fail(path, 'is not an object');
  throw new OsvRecordError(path, 'is not an object');
}

function optionalStrings(value: unknown, path: string, fail: Fail): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) fail(path, 'is not an array of strings');
}

function severities(value: unknown, path: string, fail: Fail): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(path, 'is not an array');
  (value as unknown[]).forEach((item, i) => {
    const severity = object(item, `${path}[${i}]`, fail);
    if (typeof severity.type !== 'string' || typeof severity.score !== 'string') fail(`${path}[${i}]`, 'needs a string type and score');
  });
}

function affected(value: unknown, path: string, fail: Fail): void {
  const entry = object(value, path, fail);
  if (entry.package !== undefined) {
    const pkg = object(entry.package, `${path}.package`, fail);
    if (typeof pkg.ecosystem !== 'string' || typeof pkg.name !== 'string') fail(`${path}.package`, 'needs a string ecosystem and name');
  }
  severities(entry.severity, `${path}.severity`, fail);
  optionalStrings(entry.versions, `${path}.versions`, fail);
  if (entry.ranges === undefined) return;
  if (!Array.isArray(entry.ranges)) fail(`${path}.ranges`, 'is not an array');
  (entry.ranges as unknown[]).forEach((range, i) => rangeOf(range, `${path}.ranges[${i}]`, fail));
}

function rangeOf(value: unknown, path: string, fail: Fail): void {
  const range = object(value, path, fail);
  if (typeof range.type !== 'string' || !RANGE_TYPES.has(range.type)) fail(`${path}.type`, 'is not SEMVER, ECOSYSTEM or GIT');
  if (range.type === 'GIT' && typeof range.repo !== 'string') fail(`${path}.repo`, 'is required for a GIT range');
  if (!Array.isArray(range.events)) return fail(`${path}.events`, 'is not an array');
  const seen = new Set<string>();
  range.events.forEach((item: unknown, i: number) => {
    const event = object(item, `${path}.events[${i}]`, fail);
    const keys = Object.keys(event);
    const key = keys[0];
    // Schema: "Only a single type (either introduced, fixed, last_affected, limit) is allowed in each event object."
    if (keys.length !== 1 || key === undefined || !(EVENT_KEYS as readonly string[]).includes(key)) {
      fail(`${path}.events[${i}]`, `must have exactly one of ${EVENT_KEYS.join(', ')} (has ${keys.join(', ') || 'none'})`);
    }
    if (typeof event[key as string] !== 'string') fail(`${path}.events[${i}].${key}`, 'is not a string');
    seen.add(key as string);
  });
  if (!seen.has('introduced')) fail(`${path}.events`, 'has no introduced event');
  if (seen.has('fixed') && seen.has('last_affected')) fail(`${path}.events`, 'has both fixed and last_affected events');
}
