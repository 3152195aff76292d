/** What the webhook suites share: settings that make deliveries and retries quick, and polling. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Loopback receivers allowed; the dispatcher and runner poll every 20 ms; retries after 1 s. */
export const FAST = {
  BERTH_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
  BERTH_EVENTS_DISPATCH_INTERVAL_MS: '20',
  BERTH_JOBS_POLL_INTERVAL_MS: '20',
  BERTH_JOBS_RETRY_BASE_SECONDS: '1',
  BERTH_JOBS_RETRY_MAX_SECONDS: '1',
};

/** Polls `probe` until it gives a value (the deliveries happen in the background). */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}
