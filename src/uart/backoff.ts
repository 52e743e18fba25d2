// The shared reconnect policy of every source.
//
// Delays: 100 ms for the first retry after a loss, doubling on every failed retry
// (100, 200, 400, ... ms) and capped at 5 s. The policy is reset to 100 ms once a
// connection has proven itself: it stayed up for more than 5 s, or it delivered data.
// (A device that opens and drops at once without a byte is thus retried ever more slowly,
// while a board that reboots after hours of output is picked up again within 100 ms.)

export const BACKOFF_INITIAL_MS = 100;
export const BACKOFF_MAX_MS = 5_000;
/** A connection up for longer than this resets the backoff. */
export const BACKOFF_STABLE_MS = 5_000;

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private nextMs: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? BACKOFF_INITIAL_MS;
    this.maxMs = opts.maxMs ?? BACKOFF_MAX_MS;
    this.factor = opts.factor ?? 2;
    this.nextMs = this.initialMs;
  }

  /** The delay to wait before the next attempt; each call grows the one after. */
  next(): number {
    const d = this.nextMs;
    this.nextMs = Math.min(this.maxMs, d * this.factor);
    return d;
  }

  /** What next() would return, without consuming it. */
  peek(): number {
    return this.nextMs;
  }

  /** Back to the initial delay (the connection proved to be good). */
  reset(): void {
    this.nextMs = this.initialMs;
  }
}
