/**
 * Parsers for option values of the admin commands. They throw commander's InvalidArgumentError,
 * which commander reports as a usage error naming the option.
 */
import { InvalidArgumentError } from 'commander';
import type { Grant } from './api-types.js';

/** What a robot or token can be granted (content actions; administration is never granted). */
const GRANT_ACTIONS = ['pull', 'push', 'delete'];

/**
 * `--grant 'ns/*:pull,push'`: a repository pattern (a name, `ns/*` or `*`) and its actions after
 * the last colon. Repeatable: each value is added to the previous ones.
 */
export function collectGrant(value: string, previous: Grant[] = []): Grant[] {
  const colon = value.lastIndexOf(':');
  const repository = colon > 0 ? value.slice(0, colon).trim() : '';
  const actions = colon > 0 ? value.slice(colon + 1).split(',').map((a) => a.trim()).filter(Boolean) : [];
  if (repository === '' || actions.length === 0) throw new InvalidArgumentError("expected REPOSITORY:ACTIONS, e.g. 'team/*:pull,push' or 'team/app:pull'");
  const unknown = actions.filter((action) => !GRANT_ACTIONS.includes(action));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown action ${unknown.join(', ')}: a grant's actions are ${GRANT_ACTIONS.join(', ')}`);
  return [...previous, { repository, actions }];
}

/** A whole number ≥ 1 (days, a count). */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(value);
}

/** A whole number ≥ 0 (an id to start after). */
export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/**
 * `a,b` as a list of CIDRs, or `none`: the restriction is removed. (Not null: commander turns an
 * option value of null into ''.)
 */
export function cidrList(value: string): string[] | 'none' {
  if (value.trim().toLowerCase() === 'none') return 'none';
  const list = value.split(',').map((c) => c.trim()).filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError("expected CIDRs separated by commas (e.g. 10.0.0.0/8,192.168.1.0/24) or 'none'");
  return list;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** A storage size such as `10GiB`, `512 MiB`, `1.5TiB` or plain bytes, or `none` (no limit). */
export function byteSize(value: string): number | 'none' {
  if (value.trim().toLowerCase() === 'none') return 'none';
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const factor = match ? SIZE_UNITS[(match[2] || 'b').toLowerCase()] : undefined;
  const bytes = match && factor !== undefined ? Math.round(Number(match[1]) * factor) : NaN;
  if (!Number.isSafeInteger(bytes)) throw new InvalidArgumentError("expected a size such as 500MiB, 10GiB or 2TiB (binary units; plain numbers are bytes), or 'none'");
  return bytes;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A point in time: an ISO 8601 date, or an age like `30m`, `12h`, `7d` (that long ago), as ISO. */
export function pointInTime(value: string, now: () => number = Date.now): string {
  const age = /^(\d+)([smhdw])$/.exec(value.trim());
  if (age) return new Date(now() - Number(age[1]) * (UNIT_MS[age[2] as string] as number)).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const date = new Date(value.trim());
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new InvalidArgumentError('expected an ISO date (2025-01-31, 2025-01-31T12:00:00Z) or an age such as 30m, 12h, 7d');
}

/** A namespace member as typed: `name` or `user:name` for a user, `group:name` for a group. */
export function parseMember(value: string): { kind: 'user' | 'group'; name: string } {
  const match = /^(user|group):(.+)$/.exec(value);
  const member = match ? { kind: match[1] as 'user' | 'group', name: match[2] as string } : { kind: 'user' as const, name: value };
  if (member.name.trim() === '') throw new InvalidArgumentError('expected a user name, user:NAME or group:NAME');
  return member;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `--grace 90`, `90s`, `15m`, `2h`, `1d`: a duration ≥ 1 s, in whole seconds. */
export function durationSeconds(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1) : 0;
  if (!match || seconds < 1) throw new InvalidArgumentError('expected seconds or a duration with a unit: 90, 90s, 15m, 2h, 1d (at least 1 s)');
  return seconds;
}
