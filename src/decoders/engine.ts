// The decoder engine: demultiplexes each line and hands it to every family. One engine per
// console; the same code runs live in the daemon and offline in `xenuart decode`.
import { demux } from './demux.js';
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
  private readonly emit: Emit;

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
    let tagged: TaggedLine[];
    try {
      tagged = demux(line);
    } catch {
      this.stats.familyErrors++;
      return [];
    }
    for (const t of tagged) {
      for (const f of this.families) {
        try {
          f.push(t, this.emit);
        } catch {
          this.stats.familyErrors++;
        }
      }
    }
    return this.take();
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

  private take(): ConsoleEvent[] {
    if (this.out.length === 0) return EMPTY;
    const evs = this.out;
    this.out = [];
    evs.sort((a, b) => a.firstSeq - b.firstSeq);
    this.stats.events += evs.length;
    return evs;
  }
}

const EMPTY: ConsoleEvent[] = [];

/** Decode a whole text (a saved log): frames it (seq = line number from 1) and flushes at the end. */
export function decodeText(text: string | Buffer, console = 'file', factories?: FamilyFactory[]): ConsoleEvent[] {
  const dec = new ConsoleDecoder(console, factories);
  const events: ConsoleEvent[] = [];
  for (const line of frameAll(text)) {
    for (const e of dec.push(line)) events.push(e);
  }
  for (const e of dec.flush('end of input')) events.push(e);
  return events;
}
