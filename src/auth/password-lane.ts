/**
 * A cap on concurrent password verifications. Each argon2id check takes ~19 MiB and tens of
 * milliseconds of a core; a flood of logins under random user names (each paying a dummy check,
 * so that unknown users take as long as known ones) would otherwise run thousands side by side,
 * growing memory and making every real login wait. Verifications beyond the cap wait in two
 * queues, known accounts first: a flood of unknown names delays only itself.
 */

/** Who a verification is for: an account that exists, or a name no account has. */
export type Lane = 'known' | 'unknown';

/** Runs password verifications at most `limit` at a time (0: no cap). */
export class PasswordLane {
  private running = 0;
  private readonly waiting: Record<Lane, (() => void)[]> = { known: [], unknown: [] };

  constructor(private readonly limit: number) {}

  /** Runs `verify` once a slot is free, known accounts before unknown names. */
  async run<T>(lane: Lane, verify: () => Promise<T>): Promise<T> {
    if (this.limit > 0) {
      if (this.running >= this.limit) await new Promise<void>((start) => this.waiting[lane].push(start));
      else this.running++;
    }
    try {
      return await verify();
    } finally {
      if (this.limit > 0) this.release();
    }
  }

  /** How many verifications wait for a slot. */
  get queued(): number {
    return this.waiting.known.length + this.waiting.unknown.length;
  }

  // The slot passes straight to the next waiter (running stays the same), else it is freed.
  private release(): void {
    const next = this.waiting.known.shift() ?? this.waiting.unknown.shift();
    if (next) next();
    else this.running--;
  }
}
