// The decoder engine: demultiplexes each line and hands it to every family. One engine per
// console; the same code runs live in the daemon and offline in `xenuart decode`.
import { demuxInto } from './demux.js';
import { Replays } from './replay.js';
import type { DecodedEvent, Emit, Family, FamilyFactory, InputLine, TaggedLine } from './types.js';
import { frameAll } from '../framing/framer.js';
import { defaultFamilies } from './families.js';
import type { ConsoleEvent } from '../protocol/events.js';

export interface DecoderStats {
  lines: number;
  events: number;
  /** Exceptions caught inside a family (a bug, never a crash). */
  familyErrors: number;
}

export class ConsoleDecoder {
  readonly console: string;
  private readonly families: Family[];
  readonly stats: DecoderStats = { lines: 0, events: 0, familyErrors: 0 };
  private out: ConsoleEvent[] = [];
  /** The tagged lines of the line being decoded (reused: no array per line). */
  private readonly tagged: TaggedLine[] = [];
  private readonly emit: Emit;
  /** Marks old output printed again (`w`, `xl dmesg`): replay.ts. */
  private readonly replays = new Replays();

  constructor(console: string, factories: FamilyFactory[] = defaultFamilies) {
    this.console = console;
    this.families = factories.map((f) => f());
    this.emit = (ev: DecodedEvent) => {
      const e: ConsoleEvent = {
        kind: ev.kind,
        console: this.console,
        firstSeq: ev.firstSeq,
        lastSeq: ev.lastSeq,
        ts: ev.ts,
        data: ev.data,
      };
      if (ev.partial) e.partial = true;
      if (ev.reason) e.reason = ev.reason;
      this.out.push(e);
    };
  }

  /** Feed one line; returns the events it completed (often none). Never throws. */
  push(line: InputLine): ConsoleEvent[] {
    this.stats.lines++;
    const tagged = this.tagged;
    let nt: number;
    try {
      nt = demuxInto(line, tagged);
      for (let i = 0; i < nt; i++) this.replays.mark(tagged[i]);
    } catch {
      this.stats.familyErrors++;
      return [];
    }
    // One try/catch around the whole loop (no per-call handler on the hot path). A family that
    // throws is counted and skipped: the loop resumes with the next family on the same line.
    const fams = this.families;
    const nf = fams.length;
    let ti = 0;
    let fi = 0;
    for (;;) {
      try {
        for (; ti < nt; ti++, fi = 0) {
          const t = tagged[ti];
          for (; fi < nf; fi++) fams[fi].push(t, this.emit);
        }
        break;
      } catch {
        this.stats.familyErrors++;
        fi++;
      }
    }
    return this.out.length === 0 ? EMPTY : this.take();
  }

  /** Close every open block (end of input, idle, new boot): they come out `partial` with the reason. */
  flush(reason = 'end of input'): ConsoleEvent[] {
    for (const f of this.families) {
      try {
        f.flush(reason, this.emit);
      } catch {
        this.stats.familyErrors++;
      }
    }
    return this.take();
  }

  /**
   * The events of the blocks the families hold open (Family.peek), stamped like the others:
   * partial, reason `still open`. Nothing is closed, emitted or counted.
   */
  peek(): ConsoleEvent[] {
    const out: ConsoleEvent[] = [];
    for (const f of this.families) {
      if (!f.peek) continue;
      try {
        for (const ev of f.peek()) {
          out.push({ kind: ev.kind, console: this.console, firstSeq: ev.firstSeq, lastSeq: ev.lastSeq, ts: ev.ts, partial: true, reason: STILL_OPEN, data: ev.data });
        }
      } catch {
        this.stats.familyErrors++;
      }
    }
    return out.sort(bySeq);
  }

  private take(): ConsoleEvent[] {
    if (this.out.length === 0) return EMPTY;
    const evs = this.out;
    this.out = [];
    if (evs.length > 1) evs.sort(bySeq); // stable, and linear on the usual already-sorted input
    this.stats.events += evs.length;
    return evs;
  }
}

const EMPTY: ConsoleEvent[] = [];

/** The reason of a peeked event (ConsoleDecoder.peek). */
export const STILL_OPEN = 'still open';

const bySeq = (a: ConsoleEvent, b: ConsoleEvent): number => a.firstSeq - b.firstSeq;

/** Decode a whole text (a saved log): frames it (seq = line number from 1) and flushes at the end. */
export function decodeText(text: string | Buffer, console = 'file', factories?: FamilyFactory[]): ConsoleEvent[] {
  return decodeLines(frameAll(text), console, factories);
}

/** decodeText for lines framed already (a caller that needs the lines too frames once). */
export function decodeLines(lines: Iterable<InputLine>, console = 'file', factories?: FamilyFactory[]): ConsoleEvent[] {
  const dec = new ConsoleDecoder(console, factories);
  const events: ConsoleEvent[] = [];
  for (const line of lines) {
    for (const e of dec.push(line)) events.push(e);
  }
  for (const e of dec.flush('end of input')) events.push(e);
  return events;
}
