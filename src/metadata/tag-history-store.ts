/**
 * Tag history and immutable-tag rules (migration 0005). The history is written by the tag-changing
 * store methods, in the transaction of the change (tag-changes.ts); this file reads it, and keeps
 * the rules that those methods are given to enforce.
 */
import type { Kysely } from 'kysely';
import { pageLimit } from './page.js';
import type { Database } from './schema.js';

/** One recorded tag move. No oldDigest: the tag was created; no newDigest: it was removed. */
export interface TagEventRecord {
  id: number;
  repository: string;
  tag: string;
  oldDigest?: string;
  newDigest?: string;
  /** The user, robot or 'anonymous' that moved it; 'system' for internal changes. */
  actor: string;
  at: Date;
}

/** Which events to read: one tag or all of the repository's, newest first, before an id. */
export interface TagHistoryQuery {
  tag?: string;
  limit?: number;
  /** Only events with a smaller id (the next page). */
  before?: number;
}

/** Reads the tag history. */
export interface TagHistoryStore {
  /** The repository's tag moves (of one tag when `query.tag`), newest first; empty when none. */
  events(repository: string, query: TagHistoryQuery): Promise<TagEventRecord[]>;
}

/** What an immutable-tag rule applies to: every repository of a namespace, or one repository. */
export type ImmutableScopeKind = 'namespace' | 'repository';

/** A rule: tags of the scope matching `pattern` ('*', or a glob such as 'v*') never move. */
export interface ImmutableTagRule {
  scopeKind: ImmutableScopeKind;
  scope: string;
  pattern: string;
}

/** A stored rule, with who made it and when. */
export interface ImmutableTagRuleRecord extends ImmutableTagRule {
  createdBy: string;
  createdAt: Date;
}

/** The immutable-tag rules of the whole registry (a short list: read whole, cached by content/). */
export interface ImmutableTagRuleStore {
  /** Every rule, ordered by scope kind, scope and pattern. */
  list(): Promise<ImmutableTagRuleRecord[]>;
  /** Adds a rule; false when the same rule exists. */
  add(rule: ImmutableTagRule, createdBy: string): Promise<boolean>;
  /** Removes a rule; false when there was none. */
  remove(rule: ImmutableTagRule): Promise<boolean>;
}

/** The refusal of a tag change that an immutable-tag rule forbids; nothing was changed. */
export interface ImmutableTagRefusal {
  status: 'immutable';
  tag: string;
  rule: ImmutableTagRule;
}

/** The longest tag pattern accepted (a tag is at most 128 characters). */
export const TAG_PATTERN_MAX = 128;

/** '*' or a glob over tag characters where '*' is any run and '?' one character. */
export function isTagPattern(pattern: string): boolean {
  return pattern.length > 0 && pattern.length <= TAG_PATTERN_MAX && /^[A-Za-z0-9_.\-*?]+$/.test(pattern);
}

/** True when `tag` matches the glob `pattern` (whole tag; '*' any run, '?' one character). */
export function tagPatternMatches(pattern: string, tag: string): boolean {
  if (pattern === '*') return true;
  const source = pattern.replace(/[.\-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(tag);
}

/** The first rule (repository rules before namespace rules) that protects `tag`, if any. */
export function ruleProtecting(tag: string, rules: readonly ImmutableTagRule[] | undefined): ImmutableTagRule | undefined {
  if (!rules || rules.length === 0) return undefined;
  const ordered = [...rules].sort((a, b) => (a.scopeKind === b.scopeKind ? 0 : a.scopeKind === 'repository' ? -1 : 1));
  return ordered.find((rule) => tagPatternMatches(rule.pattern, tag));
}

/** Tag history through Kysely. */
export class KyselyTagHistoryStore implements TagHistoryStore {
  constructor(private readonly db: Kysely<Database>) {}

  async events(repository: string, query: TagHistoryQuery): Promise<TagEventRecord[]> {
    const limit = pageLimit({ ...(query.limit === undefined ? {} : { limit: query.limit }) });
    if (limit === 0) return [];
    const { tag, before } = query;
    const rows = await this.db
      .selectFrom('tag_events')
      .innerJoin('repositories', 'repositories.id', 'tag_events.repository_id')
      .select(['tag_events.id', 'tag_events.tag', 'tag_events.old_digest', 'tag_events.new_digest', 'tag_events.actor', 'tag_events.at'])
      .where('repositories.name', '=', repository)
      .$if(tag !== undefined, (q) => q.where('tag_events.tag', '=', tag ?? ''))
      .$if(before !== undefined, (q) => q.where('tag_events.id', '<', before ?? 0))
      .orderBy('tag_events.id', 'desc')
      .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      repository,
      tag: row.tag,
      ...(row.old_digest === null ? {} : { oldDigest: row.old_digest }),
      ...(row.new_digest === null ? {} : { newDigest: row.new_digest }),
      actor: row.actor,
      at: new Date(Number(row.at)),
    }));
  }
}

/** Immutable-tag rules through Kysely. */
export class KyselyImmutableTagRuleStore implements ImmutableTagRuleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<ImmutableTagRuleRecord[]> {
    const rows = await this.db.selectFrom('immutable_tag_rules').selectAll().orderBy('scope_kind').orderBy('scope').orderBy('pattern').execute();
    return rows.map((row) => ({
      scopeKind: row.scope_kind === 'namespace' ? 'namespace' : 'repository',
      scope: row.scope,
      pattern: row.pattern,
      createdBy: row.created_by,
      createdAt: new Date(Number(row.created_at)),
    }));
  }

  async add(rule: ImmutableTagRule, createdBy: string): Promise<boolean> {
    const result = await this.db
      .insertInto('immutable_tag_rules')
      .values({ scope_kind: rule.scopeKind, scope: rule.scope, pattern: rule.pattern, created_by: createdBy, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['scope_kind', 'scope', 'pattern']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async remove(rule: ImmutableTagRule): Promise<boolean> {
    const result = await this.db
      .deleteFrom('immutable_tag_rules')
      .where('scope_kind', '=', rule.scopeKind)
      .where('scope', '=', rule.scope)
      .where('pattern', '=', rule.pattern)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
