/**
 * The shared backend: a pg Pool behind Kysely, for a fleet of stateless nodes.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { KyselyMetadataStore } from '../kysely-metadata-store.js';
import { migrateToLatest, type ExtraMigrations } from '../migrations/index.js';
import type { Database } from '../schema.js';

/** How to reach PostgreSQL. */
export interface PostgresOptions {
  /** The configured extensions' migrations. */
  migrations?: ExtraMigrations;
  /** A libpq-style URL, postgres://user@host:port/database. */
  connectionString: string;
  /**
   * The schema to keep the tables in, created when missing and put first on every connection's
   * search_path. Lowercase letters, digits and underscores. Default: the server's search_path.
   */
  schema?: string;
  /** Pool size. Default 10. */
  maxConnections?: number;
  /**
   * Called when an idle pooled connection fails (the server restarted, the network dropped).
   * The pool has already discarded it; the next query opens a new one.
   */
  onPoolError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens and migrates a PostgreSQL metadata store. */
export async function openPostgres(options: PostgresOptions): Promise<KyselyMetadataStore> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    // A startup parameter, so every connection has it before its first query.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types: { getTypeParser: int8AsNumber },
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  // So would a connection that drops while checked out: pg rejects its query *and* emits 'error'
  // on the client, which the pool only listens to while the client is idle. The query's caller
  // sees the rejection; the event needs a listener of its own.
  pool.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (schema !== undefined) await createSchema(db, schema);
    await migrateToLatest(db, 'postgres', schema, options.migrations);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyMetadataStore(db, 'postgres');
}

/**
 * pg's type parsers, except int8 (bigint: sizes, offsets, millisecond times, ids), which becomes a
 * number rather than a string; every value Berth stores in one is below 2^53.
 */
const int8AsNumber: typeof pg.types.getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8 && format !== 'binary'
    ? (value: string) => Number(value)
    : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two nodes starting at once: "if not exists" can still lose the race on the catalog's
    // unique index (23505) or report the schema as duplicate (42P06); either way it exists now.
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
