import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH_BIN } from '../support/registry.js';

/** One JSON log line as pino writes it. */
export interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  [key: string]: unknown;
}

/** What a `berth …` run that ended printed, and how it ended. */
export interface BerthRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** A `berth serve` child the test started and is responsible for ending. */
export interface BerthServer {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** stdout parsed as JSON lines (non-JSON lines are kept as `{ msg: <text>, level: -1 }`). */
  lines(): LogLine[];
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>;
  /** SIGKILLs the process if it still runs and waits for it. */
  kill(): Promise<void>;
}

/** The test runner's environment without any BERTH_* variable, plus `env`. */
function environment(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BERTH_')));
  return { ...clean, ...env };
}

/** A scratch folder to run berth in, so a default ./data never lands in the project. */
export async function scratchDir(prefix = 'berth-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

function launch(args: string[], env: Record<string, string>, cwd: string): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | string> } {
  const child = spawn(process.execPath, [BERTH_BIN, ...args], { cwd, env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  return { child, out: () => out, err: () => err, exited };
}

/** Runs `berth <args>` to its end (SIGKILL after `timeoutMs`). */
export async function runBerth(args: string[], env: Record<string, string> = {}, options: { cwd?: string; timeoutMs?: number } = {}): Promise<BerthRun> {
  const run = launch(args, env, options.cwd ?? (await scratchDir()));
  const timer = setTimeout(() => run.child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  const code = await run.exited;
  clearTimeout(timer);
  // 'exit' can come before the pipes drained.
  await new Promise((r) => setImmediate(r));
  return { code, stdout: run.out(), stderr: run.err() };
}

/**
 * Runs `berth <args>` as a CLI user whose stored login lives in `configDir` (BERTH_CONFIG_DIR,
 * also the working folder), writing `stdin` to it (passwords with --password-stdin).
 */
export async function runCli(configDir: string, args: string[], stdin = '', timeoutMs = 20_000): Promise<BerthRun> {
  const child = spawn(process.execPath, [BERTH_BIN, ...args], { cwd: configDir, env: environment({ BERTH_CONFIG_DIR: configDir }), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | string>((done) => child.once('close', (status, signal) => done(status ?? signal ?? 'unknown')));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Parses JSON log lines. */
export function parseLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        return { level: -1, msg: line };
      }
    });
}

/**
 * Runs `berth serve <args>` and resolves once GET http://127.0.0.1:`port`/healthz answers 200
 * (so it works at any log level). Rejects, with what the process printed, when it exits first
 * or is not up within 30 s.
 */
export async function startBerth(port: number, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<BerthServer> {
  // These suites test serving, not access control (test/auth/ does): it is off unless env says.
  const run = launch(['serve', ...args], { BERTH_AUTH_MODE: 'none', ...env }, cwd ?? (await scratchDir()));
  let ended: number | string | undefined;
  void run.exited.then((code) => (ended = code));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (ended !== undefined) throw new Error(`berth exited with ${ended} before it was up:\n${run.out()}${run.err()}`);
    if (Date.now() > deadline) {
      run.child.kill('SIGKILL');
      throw new Error(`berth was not up on ${url} within 30 s:\n${run.out()}${run.err()}`);
    }
    const status = await fetch(`${url}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child: run.child,
    url,
    port,
    stdout: run.out,
    stderr: run.err,
    lines: () => parseLines(run.out()),
    exited: run.exited,
    kill: async () => {
      if (ended === undefined) run.child.kill('SIGKILL');
      await run.exited;
    },
  };
}

/** Waits until `check()` holds, polling every 20 ms; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
