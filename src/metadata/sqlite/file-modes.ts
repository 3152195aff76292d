/**
 * Owner-only modes for what holds secrets at rest (issue #10): the data folder 0700 and the
 * SQLite database with its -wal and -shm files 0600, whatever the umask. The database holds
 * password hashes and the token-signing keys; a world-readable copy lets any local user mint
 * admin tokens. Existing files with looser modes are tightened, and the caller is told.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * Called when a path had a looser mode than it should: tightened, or — when the process does not
 * own it (EPERM: a volume mounted with another owner) — left as it was, with the error.
 */
export type ModeFixed = (path: string, oldMode: string, error?: Error) => void;

/** The mode bits as an octal string (0644). */
function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Sets `mode` on an existing path when group or others had any bit; reports the change. */
export function tightenMode(path: string, mode: number, onFixed: ModeFixed = () => undefined): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((current & 0o077) === 0) return;
  try {
    chmodSync(path, mode);
  } catch (error) {
    // Refusing to start would break an install that worked; saying so loudly is enough.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    onFixed(path, octal(current), error as Error);
    return;
  }
  onFixed(path, octal(current));
}

/** Creates the folder 0700 (parents too) when missing; an existing one is left as it is. */
export function createPrivateFolder(path: string): void {
  if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o700 });
}

/**
 * Creates the folder 0700, or tightens an existing one: only for Berth's own data folder, never
 * a folder the operator merely put a database file in (that may be /var/lib or /tmp).
 */
export function ensurePrivateFolder(path: string, onFixed?: ModeFixed): void {
  createPrivateFolder(path);
  tightenMode(path, 0o700, onFixed);
}

/**
 * Creates an empty database file 0600 when it does not exist yet, so SQLite opens it with that
 * mode (its -wal and -shm files take the database file's permissions).
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
}

/** The database file and its WAL companions 0600, reporting each one tightened. */
export function tightenDatabaseFiles(path: string, onFixed?: ModeFixed): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tightenMode(file, 0o600, onFixed);
}
