// The lifecycle every source shares: open, report status, reconnect with backoff, close.
//
// A concrete source only knows how to open ONE connection (connect), tear down the current
// one (disconnect) and send bytes (transmit). Each open attempt gets a numeric link id; the
// source reports on it with opened(id), lost(id, reason) and emitData(id, chunk). Once a
// link is lost or the source is closed, its id is stale and every late event of the old
// socket/port/child (a 'close' after destroy(), a last 'data') is ignored, so two
// connections can never interleave and a torn-down connection can't take the source down.
//
// Status contract (see types.ts):
//  - every successful (re)open emits {up:true, reason:'opened'}; reopens count in `reconnects`;
//  - a loss emits ONE {up:false, reason}; failed retries while already down are silent
//    (the newest reason is kept in `lastReason`);
//  - the very first failed open also emits a down status, so a consumer learns why;
//  - a loss with retry=false (replay finished, exec restart 'never') stays down for good;
//  - close() of an up source emits {up:false, reason:'closed'}.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { Backoff, BACKOFF_STABLE_MS } from './backoff.js';
import type { Source, SourceEventMap, SourceStatus } from './types.js';

export interface SourceOptions {
  logger?: Logger;
}

/** Host receive time in ms since the epoch, with sub-ms precision. */
export function receiveTime(): number {
  return performance.timeOrigin + performance.now();
}

/** A readable one-line reason for an error of any shape. */
export function errorReason(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export abstract class BaseSource extends EventEmitter<SourceEventMap> implements Source {
  abstract readonly type: string;
  abstract readonly canBreak: boolean;
  abstract describe(): string;

  /**
   * Open one connection for link `id`. Call opened(id) once it is usable, lost(id, reason)
   * when it fails or ends, emitData(id, chunk) for received bytes. A throw or rejection
   * counts as lost(id, message).
   */
  protected abstract connect(id: number): void | Promise<void>;
  /** Release the current connection, whatever state it is in (even half-open). Idempotent; errors are only logged. */
  protected abstract disconnect(): void | Promise<void>;
  /** Send bytes on the current (up) connection. */
  protected abstract transmit(data: Buffer): Promise<void>;
  /** Send a BREAK of `ms` on the current (up) connection; only called when canBreak. */
  protected transmitBreak(_ms: number): Promise<void> {
    return Promise.reject(new Error(`${this.describe()}: BREAK is not supported`));
  }

  /** The error message of sendBreak() when canBreak is false. */
  protected noBreakReason(): string {
    return `${this.describe()}: BREAK is not supported by a ${this.type} source`;
  }

  protected readonly log: Logger | undefined;
  protected readonly backoff = new Backoff();

  private link = 0;
  private dataLink = 0;
  private started = false;
  private closed = false;
  private isUp = false;
  private downAnnounced = false;
  private everOpened = false;
  private reconnectCount = 0;
  private reason = 'not started';
  private retryTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private teardown: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(opts: SourceOptions = {}) {
    super();
    this.log = opts.logger;
  }

  get up(): boolean {
    return this.isUp;
  }

  get reconnects(): number {
    return this.reconnectCount;
  }

  /** Why the source is in its current state ('opened', or the newest failure). */
  get lastReason(): string {
    return this.reason;
  }

  get status(): SourceStatus {
    return { up: this.isUp, reason: this.reason };
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.reason = 'opening';
    void this.attempt();
  }

  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.link++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    const wasUp = this.isUp;
    this.isUp = false;
    this.reason = 'closed';
    if (wasUp) this.announce({ up: false, reason: 'closed' });
    this.closing = this.teardown.then(() => this.safeDisconnect());
    return this.closing;
  }

  async write(data: Buffer): Promise<void> {
    if (!this.isUp) throw new Error(`${this.describe()} is down (${this.reason}): cannot write`);
    if (data.length === 0) return;
    await this.transmit(data);
  }

  async sendBreak(ms: number): Promise<void> {
    if (!this.canBreak) throw new Error(this.noBreakReason());
    if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) throw new RangeError(`BREAK duration must be 0..60000 ms, got ${ms}`);
    if (!this.isUp) throw new Error(`${this.describe()} is down (${this.reason}): cannot send BREAK`);
    await this.transmitBreak(ms);
  }

  /** True while `id` is the live link of an open source. */
  protected isCurrent(id: number): boolean {
    return id === this.link && !this.closed;
  }

  protected opened(id: number): void {
    if (!this.isCurrent(id) || this.isUp) return;
    if (this.everOpened) this.reconnectCount++;
    this.everOpened = true;
    this.isUp = true;
    this.downAnnounced = false;
    this.reason = 'opened';
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => this.backoff.reset(), BACKOFF_STABLE_MS);
    this.stableTimer.unref();
    this.log?.info({ source: this.describe(), reconnects: this.reconnectCount }, 'source up');
    this.announce({ up: true, reason: 'opened' });
  }

  /**
   * Link `id` failed or ended: tear it down, report (once per outage) and, if `retry`,
   * schedule the next attempt after the backoff delay.
   */
  protected lost(id: number, reason: string, retry = true): void {
    if (!this.isCurrent(id)) return;
    this.link++; // orphan the old connection: its late events are now ignored
    clearTimeout(this.stableTimer);
    this.teardown = this.safeDisconnect();
    this.reason = reason;
    if (this.isUp || !this.downAnnounced) {
      this.isUp = false;
      this.downAnnounced = true;
      this.log?.warn({ source: this.describe(), reason }, 'source down');
      this.announce({ up: false, reason });
    } else {
      this.log?.debug({ source: this.describe(), reason }, 'source reopen failed');
    }
    if (retry) {
      const delay = this.backoff.next();
      this.retryTimer = setTimeout(() => void this.attempt(), delay);
    }
  }

  /** Deliver received bytes of link `id` (ignored once the link is stale). Hot path: no logging. */
  protected emitData(id: number, chunk: Buffer): void {
    if (!this.isCurrent(id) || chunk.length === 0) return;
    if (id !== this.dataLink) {
      this.dataLink = id; // first data on this link: it works, so retry fast next time
      this.backoff.reset();
    }
    try {
      this.emit('data', chunk, receiveTime());
    } catch (err) {
      // A consumer's bug must not tear down the device (nor crash from inside a socket callback).
      this.log?.error({ source: this.describe(), err: errorReason(err) }, 'data listener threw');
    }
  }

  /** The live link id, for sources that produce data outside an event handler. */
  protected get currentLink(): number {
    return this.link;
  }

  private async attempt(): Promise<void> {
    this.retryTimer = undefined;
    await this.teardown; // never open while the previous connection is still closing
    if (this.closed) return;
    const id = ++this.link;
    try {
      await this.connect(id);
    } catch (err) {
      this.lost(id, errorReason(err));
    }
  }

  private async safeDisconnect(): Promise<void> {
    try {
      await this.disconnect();
    } catch (err) {
      this.log?.debug({ source: this.describe(), err: errorReason(err) }, 'error while closing');
    }
  }

  /** Emit a status event; a throwing listener must not break the source's state machine. */
  private announce(status: SourceStatus): void {
    try {
      this.emit('status', status);
    } catch (err) {
      this.log?.error({ source: this.describe(), err: errorReason(err) }, 'status listener threw');
    }
  }
}
