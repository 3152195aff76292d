/**
 * The embedded backend: one better-sqlite3 connection in WAL mode behind Kysely.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import { KyselyMetadataStore } from '../kysely-metadata-store.js';
import { migrateToLatest, type ExtraMigrations } from '../migrations/index.js';
import type { Database } from '../schema.js';
import { createPrivateFile, createPrivateFolder, tightenDatabaseFiles, type ModeFixed } from './file-modes.js';

/** Where the SQLite database lives. */
export interface SqliteOptions {
  /** The configured extensions' migrations. */
  migrations?: ExtraMigrations;
  /** The database file; its directory is created. `:memory:` for a throwaway database. */
  path: string;
  /** How long a writer waits for another process's lock before SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * Open an existing database only (maintenance commands): a missing file is a
   * {@link MetadataMissingError} instead of a new, empty database.
   */
  mustExist?: boolean;
  /** Told about every file whose mode was looser than 0600 (0700 for its folder) and was tightened. */
  onModeFixed?: ModeFixed;
}

/** The database a maintenance command was pointed at does not exist; nothing was created. */
export class MetadataMissingError extends Error {
  constructor(readonly path: string) {
    super(
      `no metadata database at ${path}: this command opens an existing database only. ` +
        'If the registry keeps its metadata in PostgreSQL, give its URL (--metadata-url or BERTH_METADATA_URL); otherwise check --data',
    );
    this.name = 'MetadataMissingError';
  }
}

/** Opens (creating when new) and migrates a SQLite metadata store. */
export async function openSqlite(options: SqliteOptions): Promise<KyselyMetadataStore> {
  if (options.path !== ':memory:') {
    const path = resolve(options.path);
    if (options.mustExist && !existsSync(path)) throw new MetadataMissingError(path);
    createPrivateFolder(dirname(path));
    createPrivateFile(path);
    tightenDatabaseFiles(path, options.onModeFixed);
  }
  const database = new BetterSqlite3(options.path, options.mustExist ? { fileMustExist: true } : {});
  try {
    database.pragma('journal_mode = WAL');
    database.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
    database.pragma('foreign_keys = ON');
    // With WAL, NORMAL loses at most the last transactions on power loss, never consistency.
    database.pragma('synchronous = NORMAL');
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }) });
  try {
    await migrateToLatest(db, 'sqlite', undefined, options.migrations);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // WAL and shm exist from the first write on; SQLite gave them the database file's mode, but
  // files left by an older version keep theirs until tightened.
  if (options.path !== ':memory:') tightenDatabaseFiles(resolve(options.path), options.onModeFixed);
  return new KyselyMetadataStore(db, 'sqlite');
}

/**
 * Kysely's SQLite driver, with transactions begun IMMEDIATE: a transaction that reads and then
 * writes holds the write lock from its start, so it never fails with SQLITE_BUSY on upgrading
 * when another process (a CLI command, a second server by mistake) writes the same file;
 * it waits up to busy_timeout instead. Within this process Kysely already runs one at a time.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

// Distinct SQL texts kept prepared; Kysely's queries come in a small, fixed set of shapes.
const STATEMENT_CACHE_SIZE = 256;

/**
 * Hands Kysely prepared statements from a cache: Kysely prepares every query anew, and preparing
 * was a sixth of the CPU of a manifest GET (bench/). Safe because Kysely runs one query at a time
 * on this connection and Berth never streams rows (a cached statement can't be busy iterating).
 */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  // lru-cache directly: metadata/ sits below cluster/bounded-cache.ts, and statements never expire.
  const statements = new LRUCache<string, SqliteStatement>({ max: STATEMENT_CACHE_SIZE });
  return {
    close: () => database.close(),
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
