/**
 * Adding a column in a migration that may run twice: SQLite runs Kysely's migrations outside a
 * transaction, so a run interrupted halfway completes on the next open, and every step must be
 * safe to repeat.
 */
import { sql, type Kysely } from 'kysely';
import type { MetadataDialect } from '../schema.js';

/** Adds `column` (with its SQL `definition`) to `table` when missing; true when this call added it. */
export async function addColumnIfMissing(db: Kysely<unknown>, dialect: MetadataDialect, table: string, column: string, definition: string): Promise<boolean> {
  if (dialect === 'postgres') {
    const found = await sql<{ n: number }>`select count(*)::int as n from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`.execute(db);
    if ((found.rows[0]?.n ?? 0) > 0) return false;
  } else {
    const columns = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
    if (columns.rows.some((row) => row.name === column)) return false;
  }
  await sql.raw(`alter table ${table} add column ${column} ${definition}`).execute(db);
  return true;
}
