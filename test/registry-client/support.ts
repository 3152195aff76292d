/**
 * Helpers for the registry client suites: a scripted node:http server (each request answered by
 * a handler that sees the requests so far) and a CNCF Distribution process on a temp folder.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/registry.js';

/** A request the scripted server received, body collected. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A node:http server answering with a handler; `seen` lists every request. */
export interface ScriptedServer {
  url: string;
  seen: Seen[];
  stop(): Promise<void>;
}

/** Starts a scripted server on `host` (127.0.0.1 unless told: 127.0.0.2 is "another host"). */
export async function scriptedServer(handler: (req: Seen, res: ServerResponse, seen: Seen[]) => void, host = '127.0.0.1'): Promise<ScriptedServer> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      handler(entry, res, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    seen,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers JSON. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The Debian docker-registry binary (CNCF Distribution 2.8). */
export const DISTRIBUTION_BIN = '/usr/bin/docker-registry';

/** True when Distribution is installed (the suite skips otherwise). */
export function hasDistribution(): boolean {
  return existsSync(DISTRIBUTION_BIN);
}

/** A running Distribution. */
export interface Distribution {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts Distribution with filesystem storage in a temp folder, deletes enabled, on a free
 * port (plus `extraConfig` YAML lines, e.g. an auth section); resolves once GET /v2/ answers.
 */
export async function startDistribution(extraConfig: string[] = []): Promise<Distribution> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-rc-distribution-'));
  const port = await freePort();
  const config = ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'storage')}`, '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`, ...extraConfig, ''];
  await writeFile(join(dir, 'config.yml'), config.join('\n'));
  const child = spawn(DISTRIBUTION_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let tries = 0; tries < 300; tries++) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/v2/`);
      await response.arrayBuffer();
      if (response.status === 200 || response.status === 401) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`Distribution did not start:\n${output}`);
}

/** Collects a stream. */
export async function drain(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
