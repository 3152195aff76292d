import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface RunOptions {
  /** Extra environment variables, on top of this process's. */
  env?: Record<string, string>;
  cwd?: string;
  /** Milliseconds before the command is killed (default 90 s). */
  timeout?: number;
}

/** What a finished command printed, and how it ended. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell and returns its output whatever its exit code. */
export async function runResult(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      timeout: options.timeout ?? 90_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; signal?: unknown; stdout?: string; stderr?: string; message?: string };
    if (typeof failure.code === 'string') throw error; // ENOENT and the like: the command could not start
    const code = typeof failure.code === 'number' ? failure.code : -1;
    const stderr = `${failure.stderr ?? ''}${failure.signal ? `\n(killed by ${String(failure.signal)}: timed out?)` : ''}`;
    return { code, stdout: failure.stdout ?? '', stderr };
  }
}

/** Runs a command and returns its output; throws with the command line and both outputs unless it exits 0. */
export async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runResult(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}

/** Whether an executable of this name is on PATH. */
export async function onPath(name: string): Promise<boolean> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    try {
      await access(join(folder, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** A one-line skip reason naming the missing tools, or false when all are installed. */
export async function missingTools(...names: string[]): Promise<string | false> {
  const missing: string[] = [];
  for (const name of names) if (!(await onPath(name))) missing.push(name);
  return missing.length === 0 ? false : `not installed: ${missing.join(', ')}`;
}

/** A fresh temp folder and a function that removes it. */
export async function tempFolder(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `berth-e2e-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true, maxRetries: 3 }) };
}
