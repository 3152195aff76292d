import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { postgresTestUrl } from '../support/postgres.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

interface Readiness {
  status: string;
  checks: Record<string, string>;
}

async function readyz(url: string): Promise<{ code: number; body: Readiness }> {
  const response = await fetch(`${url}/readyz`);
  return { code: response.status, body: (await response.json()) as Readiness };
}

const registries: TestRegistry[] = [];
after(async () => {
  for (const registry of registries) await registry.stop().catch(() => undefined);
});

async function registry(settings: Record<string, string> = {}): Promise<TestRegistry> {
  const started = await startRegistry(settings);
  registries.push(started);
  return started;
}

describe('/healthz and /readyz (embedded SQLite)', () => {
  it('/healthz answers 200 {"status":"ok"}', async () => {
    const { url } = await registry();
    const response = await fetch(`${url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('/readyz answers 200 with the metadata and storage checks ok', async () => {
    const { url } = await registry();
    const { code, body } = await readyz(url);
    assert.equal(code, 200);
    assert.deepEqual(body, { status: 'ready', checks: { metadata: 'ok', storage: 'ok' } });
  });

  it('/readyz answers 503 naming the storage check when blobs can no longer be written, and 200 once they can', async () => {
    const started = await registry();
    const root = join(started.dataDir, 'storage');
    await rm(root, { recursive: true, force: true });
    await writeFile(root, 'not a folder');
    const broken = await readyz(started.url);
    assert.equal(broken.code, 503);
    assert.equal(broken.body.checks.metadata, 'ok');
    assert.notEqual(broken.body.checks.storage, 'ok');
    await rm(root);
    assert.equal((await readyz(started.url)).code, 200, 'the driver recreates its root on the next write');
  });

  it('/readyz answers 503 naming the metadata check once the metadata store is gone, while /healthz stays 200', async () => {
    const started = await registry();
    await started.berth.store.close();
    const { code, body } = await readyz(started.url);
    assert.equal(code, 503);
    assert.equal(body.status, 'not ready');
    assert.notEqual(body.checks.metadata, 'ok', 'the metadata check says what is wrong');
    assert.equal(typeof body.checks.metadata, 'string');
    assert.equal(body.checks.storage, 'ok');
    assert.equal((await fetch(`${started.url}/healthz`)).status, 200, 'liveness does not depend on the store');
  });
});

/** Is PostgreSQL there? Undefined when it is, else why not. */
async function postgresMissing(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresTestUrl().split('?')[0], connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return `PostgreSQL is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A TCP relay to PostgreSQL that the test can cut (server gone) and restore on the same port. */
class Relay {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.target);
      for (const socket of [inbound, outbound]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((done) => server.listen(this.port, '127.0.0.1', done));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise((done) => server.close(done));
  }
}

describe('/readyz on PostgreSQL', () => {
  it('answers 503 while PostgreSQL cannot be reached and 200 again once it is back', async (t) => {
    const missing = await postgresMissing();
    if (missing) {
      t.skip(missing);
      return;
    }
    const direct = new URL(postgresTestUrl());
    const relay = new Relay({ host: direct.hostname, port: Number(direct.port || 5432) });
    await relay.open();
    const relayed = new URL(direct);
    relayed.host = `127.0.0.1:${relay.port}`;
    const started = await registry({ BERTH_METADATA_URL: relayed.toString() });
    try {
      assert.deepEqual((await readyz(started.url)).body.checks, { metadata: 'ok', storage: 'ok' });

      await relay.cut();
      const down = await readyz(started.url);
      assert.equal(down.code, 503);
      assert.notEqual(down.body.checks.metadata, 'ok');
      assert.equal(down.body.checks.storage, 'ok');

      await relay.open();
      const back = await readyz(started.url);
      assert.equal(back.code, 200, `ready again: ${JSON.stringify(back.body)}`);
    } finally {
      await relay.cut();
      await dropSchema(direct);
    }
  });

  it('answers 503 when its PostgreSQL schema was dropped (a ping without the tables is not readiness)', async (t) => {
    const missing = await postgresMissing();
    if (missing) {
      t.skip(missing);
      return;
    }
    const url = new URL(postgresTestUrl());
    const started = await registry({ BERTH_METADATA_URL: url.toString() });
    assert.equal((await readyz(started.url)).code, 200);
    await dropSchema(url);
    const afterDrop = await fetch(`${started.url}/v2/_catalog`);
    assert.equal(afterDrop.status, 500, 'the registry can no longer answer from its metadata');
    const { code, body } = await readyz(started.url);
    assert.equal(code, 503, `/readyz while every metadata query fails: ${JSON.stringify(body)}`);
  });
});

async function dropSchema(url: URL): Promise<void> {
  const schema = url.searchParams.get('schema');
  const plain = new URL(url);
  plain.search = '';
  const client = new pg.Client({ connectionString: plain.toString() });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
