/**
 * A webhook receiver on loopback for the tests: it records every request and answers as the test
 * says — 200, a status of its choice, never (a hung receiver), an endless body, or what a function
 * of the request decides (an imitation of a CI system's API).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** How the receiver answered it. */
  answered?: ReceiverMode;
}

/** An answer decided from the request. */
export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** How the receiver answers: a status, 'hang' (never), 'flood' (200 and a body that never ends), or a function of the request. */
export type ReceiverMode = number | 'hang' | 'flood' | ((request: ReceivedRequest) => ReceiverAnswer);

export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  mode: ReceiverMode = 200;
  private readonly hung = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => receiver?.answer({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }, res));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${address.port}/hook`);
    return receiver;
  }

  private answer(request: ReceivedRequest, res: ServerResponse): void {
    const mode = this.mode;
    this.received.push({ ...request, answered: mode });
    if (mode === 'hang') {
      this.hung.add(res);
      return;
    }
    if (mode === 'flood') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => undefined);
      pump();
      return;
    }
    if (typeof mode === 'function') {
      const answer = mode(request);
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
      return;
    }
    res.writeHead(mode, { 'Content-Type': 'text/plain' }).end(`answered ${mode}`);
  }

  /** Waits until at least `count` requests arrived (or throws after `ms`). */
  async waitFor(count: number, ms = 20_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${this.received.length} of ${count} requests`);
      await sleep(20);
    }
    return this.received;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
