import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { pushBlob, randomBlob } from '../support/fixtures.js';
import { freePort } from '../support/registry.js';
import { scratchDir, startBerth, waitFor, type BerthServer, type LogLine } from '../cli/berth-process.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('JSON request logs of `berth serve`', () => {
  let server: BerthServer;
  let dataDir: string;

  before(async () => {
    dataDir = await scratchDir('berth-logs-');
    const port = await freePort();
    server = await startBerth(port, ['--listen', `127.0.0.1:${port}`, '--data', dataDir], { BERTH_LOG_LEVEL: 'info' });
  });
  after(async () => {
    await server.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  const linesOf = (reqId: string): LogLine[] => server.lines().filter((l) => l.reqId === reqId);

  /** Waits for the request line of `reqId` and returns every line carrying that id. */
  async function logged(reqId: string): Promise<LogLine[]> {
    await waitFor(() => linesOf(reqId).some((l) => l.msg === 'request'), `the request line of ${reqId}`);
    // A late second line would show up right behind the first.
    await new Promise((r) => setTimeout(r, 50));
    return linesOf(reqId);
  }

  it('writes exactly one JSON line per request with reqId, method, url and status, the reqId echoed as X-Request-Id', async () => {
    const blob = randomBlob(2048);
    await pushBlob(server.url, 'logs/one', blob);
    const requests: [string, string, number][] = [
      ['GET', '/v2/', 200],
      ['HEAD', `/v2/logs/one/blobs/${blob.digest}`, 200],
      ['GET', `/v2/logs/one/blobs/${blob.digest}`, 200],
      ['GET', '/v2/logs/one/manifests/missing', 404],
      ['DELETE', '/v2/logs/one/tags/list', 405],
      ['POST', '/v2/logs/one/blobs/uploads/?x=1', 202],
    ];
    const ids = new Set<string>();
    for (const [method, url, status] of requests) {
      const response = await fetch(`${server.url}${url}`, { method });
      await response.arrayBuffer();
      assert.equal(response.status, status, `${method} ${url}`);
      const reqId = response.headers.get('x-request-id') ?? '';
      assert.match(reqId, UUID, `${method} ${url} answers a generated X-Request-Id`);
      ids.add(reqId);
      const lines = await logged(reqId);
      assert.equal(lines.length, 1, `one line for ${method} ${url}:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
      const line = lines[0] as LogLine;
      assert.equal(line.msg, 'request');
      assert.equal(line.method, method);
      assert.equal(line.url, url);
      assert.equal(line.status, status);
      assert.equal(typeof line.time, 'number');
      assert.equal(line.level, 30, 'request lines are info');
    }
    assert.equal(ids.size, requests.length, 'every request gets its own id');
  });

  it('echoes an incoming X-Request-Id and logs it as the reqId', async () => {
    const given = 'trace-4bf92f3577b34da6.a3ce929d_0e0e4736';
    const response = await fetch(`${server.url}/v2/logs/echo/tags/list`, { headers: { 'X-Request-Id': given } });
    await response.arrayBuffer();
    assert.equal(response.headers.get('x-request-id'), given);
    const lines = await logged(given);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.url, '/v2/logs/echo/tags/list');
    assert.equal(lines[0]?.status, response.status);
  });

  it('echoes the incoming X-Request-Id on error answers too', async () => {
    const given = 'err-case-1';
    const response = await fetch(`${server.url}/v2/logs/echo/blobs/sha256:nothex`, { headers: { 'X-Request-Id': given } });
    await response.arrayBuffer();
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-request-id'), given);
    assert.equal((await logged(given))[0]?.status, 400);
  });

  it('does not take an X-Request-Id that could forge log content; it generates one instead', async () => {
    for (const given of ['has spaces and "quotes"', 'x'.repeat(200)]) {
      const response = await fetch(`${server.url}/v2/`, { headers: { 'X-Request-Id': given } });
      await response.arrayBuffer();
      const reqId = response.headers.get('x-request-id') ?? '';
      assert.match(reqId, UUID, `${JSON.stringify(given.slice(0, 20))} is replaced`);
      assert.equal((await logged(reqId)).length, 1);
      assert.equal(linesOf(given).length, 0);
    }
  });

  it('logs a request whose client disconnects mid-body as one line, not as an "unexpected error"', async () => {
    const start = await fetch(`${server.url}/v2/logs/abort/blobs/uploads/`, { method: 'POST' });
    const location = start.headers.get('location') as string;
    const given = 'client-gives-up-1';
    const abort = new AbortController();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((r) => setTimeout(r, 20));
        if (abort.signal.aborted) {
          controller.close();
          return;
        }
        controller.enqueue(new Uint8Array(16 * 1024));
        if (++sent === 5) setTimeout(() => abort.abort(), 50);
      },
    });
    await fetch(`${server.url}${location}`, {
      method: 'PATCH',
      headers: { 'X-Request-Id': given, 'Content-Range': '0-1048575', 'Content-Length': '1048576' },
      body,
      duplex: 'half',
      signal: abort.signal,
    } as RequestInit).catch(() => undefined);
    await waitFor(() => linesOf(given).length > 0, `a line for ${given}`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const lines = linesOf(given);
    assert.equal(lines.length, 1, `one line for the aborted request, got:\n${lines.map((l) => JSON.stringify(l)).join('\n') || '(none)'}`);
    const line = lines[0] as LogLine;
    assert.ok(line.msg !== 'unexpected error' && line.level < 50, `a client going away is not logged as an unexpected error:\n${JSON.stringify(line)}`);
    assert.equal(line.method, 'PATCH', 'the line says which request it was');
    // The session is untouched and still usable.
    assert.equal((await fetch(`${server.url}${location}`)).status, 204);
  });
});
