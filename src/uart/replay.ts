// Plays a recorded console as if it came from a board: the demo console, and a fixed input
// for tests and benchmarks.
//
// Pace:
//  - a plain log has no timestamps: it plays at the pace of a UART at `baudRate` (10 bits
//    per byte with start and stop bit: baudRate/10 bytes/s), times `speed`;
//  - a timed recording (*.xrec.jsonl, see xrec.ts) plays at its recorded pace / `speed`,
//    starting with its first chunk at once;
//  - speed 0 plays everything at once, in 4 KiB chunks, yielding to the event loop every
//    64 KiB so a big file can't stall the daemon.
// One timer tick every ~10 ms emits the bytes due by then (chunks of ~115 bytes at 115200
// baud, like a UART driver's reads); the timer sleeps through idle gaps of a recording, so a
// replay costs next to no CPU. Times are measured from the start of a pass, so the pace does
// not drift with timer jitter.
//
// Writes are accepted and given to onWrite(), which does nothing here; a subclass can
// answer (a demo board reacting to debug keys) with respond().
import { readFile } from 'node:fs/promises';
import { BaseSource, type SourceOptions } from './base.js';
import { fillDefaults, type ReplayConfig, type ReplaySettings } from './config.js';
import { isXrecFile, parseXrec, type XrecRecord } from './xrec.js';

const TICK_MS = 10;
const INSTANT_CHUNK = 4096;
const INSTANT_CHUNKS_PER_TURN = 16;

/** A recording being played: emits what is due at virtual time `v` (ms since the start of the pass). */
interface Track {
  /** Back to the start, for a new pass. */
  rewind(): void;
  /** Emit everything due by `v`; return when the next byte is due, or undefined at the end. */
  advance(v: number, emit: (chunk: Buffer) => void): number | undefined;
  /** Everything, for speed 0. */
  readonly all: Buffer;
}

function textTrack(data: Buffer, baudRate: number): Track {
  const bytesPerMs = baudRate / 10 / 1000;
  let pos = 0;
  return {
    all: data,
    rewind: () => (pos = 0),
    advance(v, emit) {
      const due = Math.min(data.length, Math.floor(v * bytesPerMs));
      if (due > pos) emit(data.subarray(pos, due));
      pos = Math.max(pos, due);
      return pos < data.length ? (pos + 1) / bytesPerMs : undefined;
    },
  };
}

function recordTrack(records: XrecRecord[]): Track {
  const t0 = records[0]?.t ?? 0;
  let i = 0;
  return {
    all: Buffer.concat(records.map((r) => r.data)),
    rewind: () => (i = 0),
    advance(v, emit) {
      // Each recorded chunk is emitted as its own chunk: its boundaries are the real ones.
      while (i < records.length && records[i]!.t - t0 <= v) emit(records[i++]!.data);
      return i < records.length ? records[i]!.t - t0 : undefined;
    },
  };
}

export class ReplaySource extends BaseSource {
  readonly type = 'replay';
  readonly canBreak = false;
  readonly config: ReplaySettings;
  private cancelTimer: (() => void) | undefined;
  /** Paced replay can be paused (the demo board holds the boot while Xen has the input). */
  private pausedAt = 0;
  private pausedTotal = 0;

  constructor(cfg: ReplayConfig, opts: SourceOptions = {}) {
    super(opts);
    this.config = fillDefaults(cfg) as ReplaySettings;
  }

  describe(): string {
    const c = this.config;
    return `replay ${c.file} x${c.speed}${c.loop ? ' loop' : ''}`;
  }

  /** Hold a paced replay where it is (time stops for it) until resume(). */
  protected pause(): void {
    if (!this.pausedAt) this.pausedAt = performance.now();
  }

  protected resume(): void {
    if (!this.pausedAt) return;
    this.pausedTotal += performance.now() - this.pausedAt;
    this.pausedAt = 0;
  }

  /** A subclass may edit a plain log before it is played. */
  protected prepare(raw: Buffer): Buffer {
    return raw;
  }

  /** Called with every write while up. Discards; a subclass may answer with respond(). */
  protected onWrite(_data: Buffer): void {}

  /** Emit bytes as if the board sent them (for subclasses answering writes). Ignored while down. */
  protected respond(data: Buffer): void {
    if (this.up) this.emitData(this.currentLink, data);
  }

  protected async connect(id: number): Promise<void> {
    const raw = await readFile(this.config.file);
    const track = isXrecFile(this.config.file) ? recordTrack(parseXrec(raw.toString('utf8'))) : textTrack(this.prepare(raw), this.config.baudRate);
    if (!this.isCurrent(id)) return;
    this.opened(id);
    this.pass(id, track);
  }

  protected disconnect(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  protected transmit(data: Buffer): Promise<void> {
    this.onWrite(data);
    return Promise.resolve();
  }

  /** One play of the whole track, then loop or finish. */
  private pass(id: number, track: Track): void {
    const emit = (chunk: Buffer) => this.emitData(id, chunk);
    const done = () => {
      if (!this.isCurrent(id)) return;
      if (!this.config.loop) {
        this.lost(id, 'replay finished', false);
        return;
      }
      const gap = track.all.length === 0 ? Math.max(this.config.loopGapMs, 1000) : this.config.loopGapMs;
      this.after(gap, () => this.pass(id, track));
    };

    if (this.config.speed === 0) {
      let pos = 0;
      const turn = () => {
        for (let k = 0; k < INSTANT_CHUNKS_PER_TURN && pos < track.all.length && this.isCurrent(id); k++) {
          emit(track.all.subarray(pos, pos + INSTANT_CHUNK));
          pos += INSTANT_CHUNK;
        }
        if (!this.isCurrent(id)) return;
        if (pos < track.all.length) {
          const handle = setImmediate(turn);
          this.cancelTimer = () => clearImmediate(handle);
        } else {
          done();
        }
      };
      turn();
      return;
    }

    const speed = this.config.speed;
    const start = performance.now();
    this.pausedTotal = 0;
    if (this.pausedAt) this.pausedAt = start;
    track.rewind();
    const tick = () => {
      if (!this.isCurrent(id)) return;
      if (this.pausedAt) {
        this.after(50, tick);
        return;
      }
      const v = (performance.now() - start - this.pausedTotal) * speed;
      const next = track.advance(v, emit);
      if (next === undefined) done();
      else this.after(Math.max(TICK_MS, (next - v) / speed), tick);
    };
    tick();
  }

  private after(ms: number, fn: () => void): void {
    const handle = setTimeout(fn, ms);
    this.cancelTimer = () => clearTimeout(handle);
  }
}
