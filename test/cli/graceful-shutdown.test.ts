import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { content, randomBlob } from '../support/fixtures.js';
import { freePort } from '../support/registry.js';
import { scratchDir, startBerth, waitFor, type BerthServer } from './berth-process.js';

const KiB = 1024;
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serve(port: number, dataDir: string, env: Record<string, string> = {}): Promise<BerthServer> {
  const server = await startBerth(port, ['--listen', `127.0.0.1:${port}`, '--data', dataDir], { BERTH_LOG_LEVEL: 'info', ...env });
  cleanups.push(() => server.kill());
  return server;
}

async function dataFolder(): Promise<string> {
  const dir = await scratchDir('berth-shutdown-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A request body that trickles in: `pieces` slices of `bytes`, `delayMs` apart. */
function trickleBody(bytes: Buffer, pieces: number, delayMs: number): { body: ReadableStream<Uint8Array>; lastSentAt: () => number } {
  const size = Math.ceil(bytes.length / pieces);
  let offset = 0;
  let last = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + size)));
      offset += size;
      last = Date.now();
    },
  });
  return { body, lastSentAt: () => last };
}

/** PATCH `bytes` as the chunk starting at `start`, the body trickling in. Settles with the response or the error. */
function trickledPatch(url: string, start: number, bytes: Buffer, pieces: number, delayMs: number): { result: Promise<Response | Error>; lastSentAt: () => number } {
  const { body, lastSentAt } = trickleBody(bytes, pieces, delayMs);
  const result = fetch(url, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${start + bytes.length - 1}`, 'Content-Length': String(bytes.length) },
    body,
    duplex: 'half',
  } as RequestInit).catch((error: Error) => error);
  return { result, lastSentAt };
}

async function startSession(url: string, name: string): Promise<string> {
  const response = await fetch(`${url}/v2/${name}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
  assert.equal(response.status, 202);
  return `${url}${response.headers.get('location') as string}`;
}

/** Opens a fresh TCP connection: 'connected', or the error code (ECONNREFUSED). */
function tryConnect(port: number): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${what} did not happen within ${ms} ms`)), ms).unref())]);
}

describe('graceful shutdown on SIGTERM', () => {
  it('lets a running chunked PATCH finish with 202, refuses new connections meanwhile, logs "stopped" and exits 0', async () => {
    const dataDir = await dataFolder();
    const port = await freePort();
    const server = await serve(port, dataDir);
    const location = await startSession(server.url, 'shutdown/graceful');
    const chunk = randomBlob(512 * KiB);
    // About 1 s of body: 20 slices, 50 ms apart.
    const patch = trickledPatch(location, 0, chunk.bytes, 20, 50);
    await new Promise((r) => setTimeout(r, 300));

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await waitFor(() => server.stdout().includes('shutting down'), 'the "shutting down" line');
    assert.equal(await tryConnect(port), 'ECONNREFUSED', 'a new connection after SIGTERM is refused');

    const response = await patch.result;
    assert.ok(response instanceof Response, `the PATCH got an answer, not ${String(response)}`);
    assert.equal(response.status, 202, await response.text());
    assert.equal(response.headers.get('range'), `0-${chunk.size - 1}`);
    assert.ok(patch.lastSentAt() > signalledAt + 300, 'the body was still arriving well after SIGTERM');

    assert.equal(await withinMs(server.exited, 10_000, 'exit'), 0, `exit code 0:\n${server.stdout()}${server.stderr()}`);
    const messages = server.lines().map((l) => l.msg);
    assert.ok(messages.includes('stopped'), `logs "stopped":\n${server.stdout()}`);
    const patchLog = server.lines().findIndex((l) => l.msg === 'request' && l.method === 'PATCH');
    assert.ok(patchLog >= 0 && patchLog < messages.indexOf('stopped'), 'the PATCH is logged before "stopped"');
    assert.equal(server.lines().filter((l) => l.level >= 50).length, 0, `no error lines:\n${server.stdout()}`);

    // The chunk the server finished during shutdown is committed: a restart still has it.
    const again = await serve(port, dataDir);
    const status = await fetch(location.replace(server.url, again.url));
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${chunk.size - 1}`);
    await again.kill();
  });

  it('cuts an upload that outlasts BERTH_SHUTDOWN_GRACE_SECONDS=1, exits, and after a restart the session resumes from the last committed chunk', async () => {
    const dataDir = await dataFolder();
    const port = await freePort();
    const server = await serve(port, dataDir, { BERTH_SHUTDOWN_GRACE_SECONDS: '1' });
    const blob = randomBlob(768 * KiB);
    const first = 256 * KiB;
    const name = 'shutdown/cut';
    const location = await startSession(server.url, name);
    const committed = await fetch(location, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${first - 1}`, 'Content-Length': String(first) },
      body: new Uint8Array(blob.bytes.subarray(0, first)),
    });
    assert.equal(committed.status, 202);
    // About 5 s of body for the second chunk: 50 slices, 100 ms apart.
    const patch = trickledPatch(location, first, blob.bytes.subarray(first), 50, 100);
    await new Promise((r) => setTimeout(r, 300));

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const cut = await withinMs(patch.result, 6_000, 'the cut');
    const cutAfter = Date.now() - signalledAt;
    assert.ok(!(cut instanceof Response), `the PATCH is cut, not answered (${cut instanceof Response ? cut.status : ''})`);
    assert.ok(cutAfter >= 900, `the upload ran on for the grace period before the cut (cut after ${cutAfter} ms)`);
    assert.ok(cutAfter < 3_500, `the cut came soon after the 1 s grace period, not at the end of the body (${cutAfter} ms)`);
    const code = await withinMs(server.exited, 10_000, 'exit after the grace period');
    assert.equal(code, 0, `exit code 0 after a graceful stop:\n${server.stdout()}${server.stderr()}`);
    assert.ok(server.lines().some((l) => l.msg === 'stopped'), `logs "stopped":\n${server.stdout()}`);

    const restarted = await serve(port, dataDir);
    const status = await fetch(location);
    assert.equal(status.status, 204, 'the session survived the restart');
    assert.equal(status.headers.get('range'), `0-${first - 1}`, 'only the committed chunk counts, not the cut one');
    const rest = blob.bytes.subarray(first);
    const done = await fetch(`${location}?digest=${blob.digest}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${first}-${blob.size - 1}`, 'Content-Length': String(rest.length) },
      body: new Uint8Array(rest),
    });
    assert.equal(done.status, 201, await done.text());
    const pulled = Buffer.from(await (await fetch(`${restarted.url}/v2/${name}/blobs/${blob.digest}`)).arrayBuffer());
    assert.equal(content(pulled).digest, blob.digest, 'the resumed blob is whole');
    await restarted.kill();
  });
});
