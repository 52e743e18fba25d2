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
/** Event-loop utilisation over one index tick above which the full-text index steps back (indexTick). */
const BUSY_ELU = 0.9;
const BUSY_EVERY = 10;
/** A console quiet this long lets the decoders close the blocks only silence ends. */
const DECODER_IDLE_MS = 1000;
/** Most stored lines decoded again at a restart (resumeDecoders), and how many of them from the boot's start. */
const RESUME_LINES = 250_000;
const RESUME_HEAD = 20_000;

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
  private decoder: ConsoleDecoder;
  private readonly log: Logger;
  private statusValue: SourceStatus = { up: false, reason: 'not started' };
  private statusSince = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private decoderIdleTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private indexTimer: NodeJS.Timeout | undefined;
  private catchUpTimer: NodeJS.Timeout | undefined;
  private lastDataAt = 0;
  private lastElu = performance.eventLoopUtilization();
  private busyTicks = 0;
  private batch: RecordMessage[] = [];
  /** Lines framed and queued to send, not yet decoded (publish decodes them after sending). */
  private undecoded: FramedLine[] = [];
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
    try {
      this.resumeDecoders();
    } catch (e) {
      // A history that cannot be read back (a damaged segment) costs the decoders their context, not the console.
      this.log.warn({ err: e }, 'could not resume the decoders from the stored boot; they start afresh');
      this.decoder = new ConsoleDecoder(cfg.id);
      this.heldPartial = undefined;
    }
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

  /**
   * Called with the seconds from a chunk's receive time to its lines' send to the clients (the
   * daemon's own part of a line's latency); set by the metrics (`xenuart_publish_seconds`).
   */
  publishObserver: ((seconds: number) => void) | undefined;

  /** Seq the next line will have. */
  get nextSeq(): number {
    return this.framer.seq;
  }

  /**
   * The decoders' blocks still open, as events (ConsoleDecoder.peek): a kernel that stopped
   * while setting up its interrupts, a report whose end marker never came. Not stored: they are
   * stored when they close.
   */
  openEvents(): ConsoleEvent[] {
    return this.decoder.peek();
  }

  /**
   * Feed the full-text index. While data flows it gets at most 4 ms in every 100, or every tenth
   * of those when the loop is saturated (a stream faster than that budget indexes leaves a backlog
   * anyway, which searches scan meanwhile); once the console has been quiet for QUIET_MS it
   * catches up with 4 ms steps 6 ms apart (the first line after the quiet waits for at most one
   * step).
   */
  private indexTick(): void {
    // Ingest comes first: while data flows and the event loop was busy for more than BUSY_ELU of
    // the last tick (a stream faster than the index could follow anyway, or many clients), only
    // every BUSY_EVERY-th tick indexes; the rest waits for the quiet.
    const elu = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(elu, this.lastElu).utilization > BUSY_ELU && Date.now() - this.lastDataAt < QUIET_MS;
    this.lastElu = elu;
    if (busy && ++this.busyTicks % BUSY_EVERY !== 0) return;
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
    this.publish(ts);
  }

  private onLine(line: FramedLine): void {
    this.counters.lines++;
    this.store.appendLine(line);
    this.batch.push(lineMessage(line));
    this.undecoded.push(line);
  }

  /** Decode the lines framed since the last call (publish does, once the lines have gone out). */
  private decodeFramed(): void {
    const ls = this.undecoded;
    if (ls.length === 0) return;
    this.undecoded = [];
    for (const l of ls) this.decode(l);
  }

  /**
   * Feed the decoders. Xen ends every printk line with a newline, so a `(XEN)`/`(dN)` line flushed
   * as partial (the UART paused mid-line for longer than idleFlushMs, e.g. a loaded TCG host) is
   * held until its continuation arrives and decoded whole, at the seq where it started. `sink`
   * takes the events: addEvent, or resumeDecoders' own, which keeps them out of the store.
   */
  private decode(line: FramedLine | StoredLine, sink: (ev: ConsoleEvent) => void = this.addEvent): void {
    const held = this.heldPartial;
    if (held) {
      this.heldPartial = undefined;
      if (line.cont) {
        const joined: FramedLine = { ...held, text: held.text + line.text, length: held.length + line.length };
        delete joined.partial;
        if (line.partial) joined.partial = true;
        if (line.partial) { this.heldPartial = joined; return; }
        for (const ev of this.decoder.push(joined)) sink(ev);
        return;
      }
      for (const ev of this.decoder.push(held)) sink(ev);
    }
    if (line.partial && (line.text.startsWith('(XEN)') || /^\(d\d+\)/.test(line.text))) {
      this.heldPartial = line;
      return;
    }
    for (const ev of this.decoder.push(line)) sink(ev);
  }

  /** Close what silence ends (DECODER_IDLE_MS with no data, or a debug key's answer complete). */
  private idleFlush(reason: string, sink: (ev: ConsoleEvent) => void = this.addEvent): void {
    this.decodeFramed();
    const held = this.heldPartial;
    if (held) {
      this.heldPartial = undefined;
      for (const ev of this.decoder.push(held)) sink(ev);
    }
    for (const ev of this.decoder.flush(reason)) sink(ev);
  }

  /**
   * After a restart, bring the decoders back to where they were when the daemon stopped: decode
   * the current boot's stored lines again, keeping their events out of the store (it has them).
   * Without this a restarted daemon knows nothing of the boot in progress: dom0's kernel banner
   * would start a new boot record, `xl dmesg` output would be decoded as new (a phantom boot,
   * every GIC and trap event twice), register dumps would lose
   * the Xen version, and a dump still open at the stop would never come out. The silences between
   * the stored lines close blocks as the idle timer did. The downtime is one more silence: the
   * blocks it closes come out now, unless the store has them already (closed before the stop).
   * A boot longer than RESUME_LINES is decoded in two parts: its first RESUME_HEAD lines (what
   * boot-wide state needs: the start line, the version, the GIC) and its last lines.
   */
  private resumeDecoders(): void {
    const last = this.store.boots().at(-1);
    const to = this.store.nextSeq - 1;
    if (!last || last.firstSeq > to) return;
    const from = last.firstSeq;
    let focus: string | undefined;
    const discard = (ev: ConsoleEvent): void => {
      if (ev.kind === 'xen.focus' && typeof ev.data.target === 'string') focus = ev.data.target;
    };
    let prevTs = 0;
    const feed = (lo: number, hi: number): void => {
      for (let seq = lo; seq <= hi;) {
        const lines = this.store.lines({ from: seq, to: hi, limit: 100_000 });
        if (lines.length === 0) break;
        for (const l of lines) {
          if (prevTs > 0 && l.ts - prevTs >= DECODER_IDLE_MS) this.idleFlush('idle', discard);
          prevTs = l.ts;
          this.decode(l, discard);
        }
        seq = lines[lines.length - 1].seq + 1;
      }
    };
    if (to - from + 1 <= RESUME_LINES) feed(from, to);
    else {
      feed(from, from + RESUME_HEAD - 1);
      this.idleFlush('idle: history skipped', discard);
      prevTs = 0;
      feed(to - (RESUME_LINES - RESUME_HEAD) + 1, to);
    }
    const closed: ConsoleEvent[] = [];
    this.idleFlush('idle: daemon restarted', (ev) => { discard(ev); closed.push(ev); });
    if (focus) this.focus = focus;
    if (closed.length === 0) return;
    const lo = Math.min(...closed.map((e) => e.firstSeq));
    const kind = [...new Set(closed.map((e) => e.kind))];
    const have = new Set(this.store.events({ kind, from: lo, to, limit: 100_000 }).map((e) => `${e.kind} ${e.firstSeq}`));
    for (const ev of closed) if (!have.has(`${ev.kind} ${ev.firstSeq}`)) this.addEvent(ev);
    // Nobody listens yet: they are in the store, and not in a batch that the first chunk would send late.
    this.publish();
  }

  private readonly addEvent = (ev: ConsoleEvent): StoredEvent => {
    const stored = this.store.appendEvent(ev);
    if (ev.kind !== 'status' && ev.kind !== 'audit') this.counters.events++;
    if (ev.kind === 'xen.focus' && typeof ev.data.target === 'string') this.focus = ev.data.target;
    this.batch.push(eventMessage(stored));
    return stored;
  };

  /** Append a record that is not decoded from the UART (status, audit) at the current position. */
  record(kind: string, data: Record<string, unknown>): StoredEvent {
    this.decodeFramed(); // the lines before this record have their events before it
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
        this.idleFlush('idle');
        this.publish();
      }, DECODER_IDLE_MS);
      this.decoderIdleTimer.unref();
    }
  }

  /** Close blocks that only silence can end (a debug key's last register dump) and publish them now. */
  flushDecoders(reason: string): void {
    this.idleFlush(reason);
    this.publish();
  }

  /**
   * Send what is queued: the new lines first, then decode them and send their events. A line
   * reaches the clients before the decoders and the event store spend time on it, so decoding
   * (and V8 compiling a decoder) is not part of the line's latency. `receivedAt`: the chunk's
   * receive time, when a chunk is being published: the time to its lines' send is observed.
   */
  private publish(receivedAt?: number): void {
    this.send();
    if (receivedAt !== undefined && this.publishObserver) this.publishObserver((performance.timeOrigin + performance.now() - receivedAt) / 1000);
    this.decodeFramed();
    this.send();
  }

  private send(): void {
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
