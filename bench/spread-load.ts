import { loadGet, type LoadShape } from './http-load.js';

/** One node's URL and the headers a GET to it needs (its Bearer token). */
export interface LoadTarget {
  url: string;
  headers: Record<string, string>;
}

/** What a load spread over several nodes found, summed over them. */
export interface SpreadResult {
  /** Successful responses per second, all nodes together. */
  requestsPerSecond: number;
  /** Each node's share of requestsPerSecond. */
  perNode: number[];
  /** The worst node's p99 (ms): a client behind a load balancer sees every node's tail. */
  p99: number;
  failures: number;
}

/** `total` connections split as evenly as whole numbers allow (64 over 3: 22, 21, 21). */
export function splitConnections(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * Loads every target at once, one autocannon instance each with its share of the connections,
 * as a load balancer spreading clients evenly would. The instances run in this process (one
 * event loop), started together and lasting equally long, so their rates add up.
 */
export async function loadSpread(targets: LoadTarget[], connections: number, shape: Omit<LoadShape, 'connections'>): Promise<SpreadResult> {
  const shares = splitConnections(Math.max(connections, targets.length), targets.length);
  const results = await Promise.all(targets.map((target, i) => loadGet(target.url, target.headers, { ...shape, connections: shares[i] as number })));
  const perNode = results.map((r) => r.requestsPerSecond);
  return {
    requestsPerSecond: perNode.reduce((a, b) => a + b, 0),
    perNode,
    p99: Math.max(...results.map((r) => r.p99)),
    failures: results.reduce((sum, r) => sum + r.failures, 0),
  };
}
