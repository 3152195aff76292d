/**
 * The database as an extension sees it: its own tables (made by its own migrations, `<name>/0001-…`)
 * through a query builder typed by the extension, on the same connection pool and in the same
 * database as the core's, so one transaction can hold an extension's rows and the events or jobs
 * they cause (writeEvents, insertJob). Extensions never write the core's tables through it: the
 * core's changes go through the content services, which keep their invariants.
 */
import type { Kysely } from 'kysely';
import type { MetadataDialect } from './schema.js';

export interface ExtensionDatabase<DB> {
  db: Kysely<DB>;
  dialect: MetadataDialect;
  /** PostgreSQL: row locks are available (and needed where SQLite's single writer made them unnecessary). */
  rowLocks: boolean;
}
