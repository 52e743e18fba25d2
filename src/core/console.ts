// One console: source -> framer -> store -> decoder -> subscribers. Data flows one way; nothing
// here parses Xen (decoders do) or speaks HTTP (the server does). Everything a board prints is
// in the store before anyone is told about it.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Logger } from 'pino';
import { LineFramer, type FramedLine } from '../framing/framer.js';
import { ConsoleStore, type StoredEvent } from '../store/console-store.js';
import { ConsoleDecoder } from '../decoders/engine.js';
import type { Source, SourceStatus } from '../uart/types.js';
import type { ConsoleConfig, Config } from '../config/schema.js';
import type { ConsoleEvent } from '../protocol/events.js';
import type { LineMessage, RecordMessage, StatusMessage, EventMessage } from '../protocol/messages.js';
import type { StoredLine } from '../store/console-store.js';

/** A console quiet this long lets the full-text index catch up faster (see indexTick). */
const QUIET_MS = 250;

export interface ConsoleCounters {
  bytesIn: number;
  lines: number;
  events: number;
  reconnects: number;
  writes: number;
}

export interface ConsoleRuntimeEvents {
  /** Records in stream order for one received chunk (or one status change). */
  records: [records: RecordMessage[]];
  /** The write lease changed hands (console control). */
  lease: [change: unknown];
  /** Raw bytes as received (for interactive clients that asked for them), before their records. */
  raw: [chunk: Buffer, ts: number, offset: number];
}

export function lineMessage(l: FramedLine | StoredLine): LineMessage {
  const m: LineMessage = { type: 'line', seq: l.seq, ts: l.ts, text: l.text };
  if (l.partial) m.partial = true;
  if (l.cont) m.cont = true;
  if (l.cut) m.cut = true;
  return m;
}

export function eventMessage(e: StoredEvent): EventMessage | StatusMessage {
  if (e.kind === 'status') {
    return { type: 'status', up: Boolean(e.data.up), reason: String(e.data.reason ?? ''), ts: e.ts, seq: e.lastSeq };
  }
  return { type: 'event', ...e };
}

export class ConsoleRuntime extends EventEmitter<ConsoleRuntimeEvents> {
  readonly id: string;
  readonly config: ConsoleConfig;
  readonly store: ConsoleStore;
  readonly source: Source;
  readonly counters: ConsoleCounters = { bytesIn: 0, lines: 0, events: 0, reconnects: 0, writes: 0 };
  private readonly framer: LineFramer;
  private readonly decoder: ConsoleDecoder;
  private readonly log: Logger;
  private statusValue: SourceStatus = { up: false, reason: 'not started' };
  private statusSince = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private decoderIdleTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private indexTimer: NodeJS.Timeout | undefined;
  private catchUpTimer: NodeJS.Timeout | undefined;
  private lastDataAt = 0;
  private batch: RecordMessage[] = [];
  private closed = false;
  private heldPartial: FramedLine | undefined;
  /** Where the board's serial input goes, from the last `xen.focus` event. */
  focus = 'unknown';

  constructor(cfg: ConsoleConfig, global: Config, source: Source, log: Logger, baseDir: string) {
    super();
    this.id = cfg.id;
    this.config = cfg;
    this.source = source;
    this.log = log.child({ console: cfg.id });
    const storage = global.storage;
    this.store = new ConsoleStore(path.resolve(baseDir, storage.dir, cfg.id), cfg.id, {
      segmentBytes: storage.segmentBytes,
      fsync: storage.fsync,
      fsyncIntervalMs: storage.fsyncIntervalMs,
      retention: storage.retention,
    });
    this.decoder = new ConsoleDecoder(cfg.id);
    this.framer = new LineFramer({
      nextSeq: this.store.nextSeq,
      offset: this.store.rawOffset - (this.store.recovered?.bytes.length ?? 0),
      maxLineBytes: cfg.framing.maxLineBytes,
      onLine: (l) => this.onLine(l),
    });
    if (this.store.recovered) {
      // The line that was open when the daemon last stopped: frame it again, close it as partial.
      const r = this.store.recovered;
      this.framer.push(r.bytes, r.ts);
      this.framer.flushPartial();
      this.publish();
    }
    this.flushTimer = setInterval(() => this.flushStore(), storage.flushMs);
    // Small steps often: a long step would hold the event loop and show up as latency.
    this.indexTimer = setInterval(() => this.indexTick(), 100);
    this.flushTimer.unref();
    this.indexTimer.unref();
    source.on('data', (chunk, ts) => this.onData(chunk, ts));
    source.on('status', (s) => this.onStatus(s));
  }

  start(): void {
    this.source.start();
  }

  get status(): SourceStatus & { since: number } {
    return { ...this.statusValue, since: this.statusSince };
  }

  /** Seq the next line will have. */
  get nextSeq(): number {
    return this.framer.seq;
  }

  /**
   * Feed the full-text index. While data flows it gets at most 4 ms in every 100 (a stream faster
   * than FTS5 tokenises, ~50 MB/s here, leaves a backlog, which searches scan meanwhile); once the
   * console has been quiet for QUIET_MS it catches up with 4 ms steps 6 ms apart (the first line
   * after the quiet waits for at most one step).
   */
  private indexTick(): void {
    if (this.store.indexStep(4, 1) || this.catchUpTimer || Date.now() - this.lastDataAt < QUIET_MS) return;
    const step = (): void => {
      this.catchUpTimer = undefined;
      if (this.closed || Date.now() - this.lastDataAt < QUIET_MS) return;
      if (!this.store.indexStep(4, 4)) this.catchUpTimer = setTimeout(step, 6).unref();
    };
    this.catchUpTimer = setTimeout(step, 6).unref();
  }

  private onData(chunk: Buffer, ts: number): void {
    if (this.closed) return;
    this.lastDataAt = Date.now();
    this.counters.bytesIn += chunk.length;
    const offset = this.store.rawOffset;
    this.store.appendRaw(chunk, ts);
    if (this.listenerCount('raw')) this.emit('raw', chunk, ts, offset);
    this.framer.push(chunk, ts);
    this.armIdle();
    this.publish();
  }

  private onLine(line: FramedLine): void {
    this.counters.lines++;
    this.store.appendLine(line);
    this.batch.push(lineMessage(line));
    this.decode(line);
  }

  /**
   * Feed the decoders. Xen ends every printk line with a newline, so a `(XEN)`/`(dN)` line flushed
   * as partial (the UART paused mid-line for longer than idleFlushMs, e.g. a loaded TCG host) is
   * held until its continuation arrives and decoded whole, at the seq where it started.
   */
  private decode(line: FramedLine): void {
    const held = this.heldPartial;
    if (held) {
      this.heldPartial = undefined;
      if (line.cont) {
        const joined: FramedLine = { ...held, text: held.text + line.text, length: held.length + line.length };
        delete joined.partial;
        if (line.partial) joined.partial = true;
        if (line.partial) { this.heldPartial = joined; return; }
        for (const ev of this.decoder.push(joined)) this.addEvent(ev);
        return;
      }
      for (const ev of this.decoder.push(held)) this.addEvent(ev);
    }
    if (line.partial && (line.text.startsWith('(XEN)') || /^\(d\d+\)/.test(line.text))) {
      this.heldPartial = line;
      return;
    }
    for (const ev of this.decoder.push(line)) this.addEvent(ev);
  }

  private releaseHeld(): void {
    const held = this.heldPartial;
    if (!held) return;
    this.heldPartial = undefined;
    for (const ev of this.decoder.push(held)) this.addEvent(ev);
  }

  private addEvent(ev: ConsoleEvent): StoredEvent {
    const stored = this.store.appendEvent(ev);
    if (ev.kind !== 'status' && ev.kind !== 'audit') this.counters.events++;
    if (ev.kind === 'xen.focus' && typeof ev.data.target === 'string') this.focus = ev.data.target;
    this.batch.push(eventMessage(stored));
    return stored;
  }

  /** Append a record that is not decoded from the UART (status, audit) at the current position. */
  record(kind: string, data: Record<string, unknown>): StoredEvent {
    const seq = this.framer.seq - 1;
    const ev = this.addEvent({ kind, console: this.id, firstSeq: seq, lastSeq: seq, ts: Date.now(), data });
    this.publish();
    return ev;
  }

  private onStatus(s: SourceStatus): void {
    if (this.closed) return;
    this.counters.reconnects = this.source.reconnects;
    if (!s.up) {
      // Whatever was pending belongs before the status.
      this.framer.flushPartial();
    }
    this.statusValue = s;
    this.statusSince = Date.now();
    this.log.info({ up: s.up, reason: s.reason }, s.up ? 'console up' : 'console down');
    this.record('status', { up: s.up, reason: s.reason });
  }

  private armIdle(): void {
    if (this.framer.pending) {
      if (this.idleTimer) this.idleTimer.refresh();
      else {
        this.idleTimer = setTimeout(() => {
          this.idleTimer = undefined;
          if (this.framer.pending) {
            this.framer.flushPartial();
            this.publish();
          }
        }, this.config.framing.idleFlushMs);
        this.idleTimer.unref();
      }
    }
    // After a quiet second, let decoders close blocks whose end can only be seen by silence
    // (the last register dump of a key answer).
    if (this.decoderIdleTimer) this.decoderIdleTimer.refresh();
    else {
      this.decoderIdleTimer = setTimeout(() => {
        this.decoderIdleTimer = undefined;
        this.releaseHeld();
        for (const ev of this.decoder.flush('idle')) this.addEvent(ev);
        this.publish();
      }, 1000);
      this.decoderIdleTimer.unref();
    }
  }

  /** Close blocks that only silence can end (a debug key's last register dump) and publish them now. */
  flushDecoders(reason: string): void {
    this.releaseHeld();
    for (const ev of this.decoder.flush(reason)) this.addEvent(ev);
    this.publish();
  }

  private publish(): void {
    if (this.batch.length === 0) return;
    const b = this.batch;
    this.batch = [];
    this.emit('records', b);
  }

  private flushStore(): void {
    try {
      this.store.setPendingOffset(this.framer.openLineOffset);
      this.store.flush();
    } catch (e) {
      this.log.error({ err: e }, 'store flush failed; will retry');
    }
  }

  /** Write bytes to the board (console control). */
  async write(data: Buffer): Promise<void> {
    await this.source.write(data);
    this.counters.writes += data.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.idleTimer, this.decoderIdleTimer, this.catchUpTimer]) if (t) clearTimeout(t);
    for (const t of [this.flushTimer, this.indexTimer]) if (t) clearInterval(t);
    await this.source.close().catch(() => undefined);
    this.flushStore();
    this.store.close();
  }
}
