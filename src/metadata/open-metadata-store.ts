import type { MetadataStore } from './metadata-store.js';
import type { ExtraMigrations } from './migrations/index.js';
import type { ModeFixed } from './sqlite/file-modes.js';
import { openSqlite } from './sqlite/open-sqlite.js';

export { MetadataMissingError } from './sqlite/open-sqlite.js';

/** Settings that don't fit in the URL. */
export interface OpenMetadataStoreOptions {
  /** PostgreSQL only: an idle pooled connection failed (the pool already replaced it). */
  onPoolError?: (error: Error) => void;
  /** SQLite only: open an existing database file, never create one (maintenance commands). */
  mustExist?: boolean;
  /** SQLite only: a database file or its folder had a looser mode and was tightened. */
  onModeFixed?: ModeFixed;
  /** The configured extensions' own migrations (run after the core's). */
  migrations?: ExtraMigrations;
}

/**
 * Opens the metadata store a URL names and brings its schema up to date:
 * `sqlite:<path>` (or a plain file path, or `sqlite::memory:`) for the embedded store,
 * `postgres://…` / `postgresql://…` for PostgreSQL, where `?schema=<name>` selects (and creates)
 * the schema to use.
 */
export async function openMetadataStore(url: string, options: OpenMetadataStoreOptions = {}): Promise<MetadataStore> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    // pg doesn't know `schema`; hand it the URL without it.
    parsed.searchParams.delete('schema');
    // Loaded on demand: the embedded default never pays for pg's memory.
    const { openPostgres } = await import('./postgres/open-postgres.js');
    return openPostgres({ connectionString: parsed.toString(), schema, onPoolError: options.onPoolError, ...(options.migrations ? { migrations: options.migrations } : {}) });
  }
  if (/^sqlite:/i.test(url)) {
    // sqlite:/abs, sqlite:rel, sqlite:///abs and sqlite://rel all name a path.
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new Error('metadata URL sqlite: names no file');
    return openSqlite({ path, ...sqliteOptions(options) });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new Error(`unsupported metadata URL scheme in ${redact(url)}: use sqlite: or postgres://`);
  }
  return openSqlite({ path: url, ...sqliteOptions(options) });
}

function sqliteOptions(options: OpenMetadataStoreOptions): Pick<OpenMetadataStoreOptions, 'mustExist' | 'onModeFixed' | 'migrations'> {
  return { ...(options.mustExist ? { mustExist: true } : {}), ...(options.onModeFixed ? { onModeFixed: options.onModeFixed } : {}), ...(options.migrations ? { migrations: options.migrations } : {}) };
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
