import autocannon from 'autocannon';

/** What one measured autocannon run found. */
export interface LoadResult {
  /** Successful (2xx) responses per second over the measured run. */
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  /** Milliseconds. */
  p99: number;
  /** Non-2xx responses, connection errors and timeouts: all should be 0. */
  failures: number;
}

/** How hard and how long to load the server. */
export interface LoadShape {
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

/**
 * GETs `url` from `connections` keep-alive connections: first an unmeasured warm-up, then the
 * measured run. autocannon runs in this process, so it shares the machine's cores with the server.
 */
export async function loadGet(url: string, headers: Record<string, string>, shape: LoadShape): Promise<LoadResult> {
  if (shape.warmupSeconds > 0) await autocannon({ url, headers, connections: shape.connections, duration: shape.warmupSeconds });
  const result = await autocannon({ url, headers, connections: shape.connections, duration: shape.seconds });
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) {
    console.warn(`  warning: ${url} had ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures,
  };
}
