// Debug-key responses (xen-console-reference §4): one `xen.debugkey` event per response, with
// the seq range from its header (or first line) to its last line; `xen.handlers` for the `h` list;
// the `q` body goes to the domain/LR parser. `*` gives one event for the whole run plus one per
// key it fires (`underStar: true`). `w` replays the console ring: its content (which repeats old
// output, old key responses included) is skipped by every sub-decoder until the ring copy of the
// `'w' pressed` header itself, which is the ring's last line.
import type { DecodedEvent, Emit, TaggedLine } from '../types.js';
import type { PlatformContext } from './boot-context.js';
import { DomainDumpParser } from './domain-dump.js';
import { EvtchnDumpParser } from './evtchn-dump.js';
import { GAP_MS, KEY_DESCRIPTIONS, KEY_START_CHARS, SINGLE_LINE_KEYS, Verdict, detectKeyStart, settleDone, shapeVerdict, type KeyStart, type ShapeState } from './keys-shapes.js';

/** This many non-empty non-Xen lines in a row end a response (dom0 output resumed). */
const FLOOD_LINES = 3;
const MAX_BLOCK = 20000;
const MAX_HANDLERS = 128;
/** Lines that open a part of a `q` dump (§4.4, §3.3): a domain, its vCPUs, one vCPU's LRs (each followed by a number). */
const Q_PARTS = ['General information for domain ', 'VCPU information and callbacks for domain ', 'GICH_LRs (vcpu '];
const RE_Q_PART = new RegExp(`^(?:${Q_PARTS.map((p) => p.replace(/[()]/g, '\\$&')).join('|')})\\d`);

/** Every character a Xen line this tracker may start a response with begins with (the family's gate). */
export const KEY_LINE_FIRST_CHARS = KEY_START_CHARS + Q_PARTS.map((p) => p[0]).join('');

/** What KeyTracker needs of a key's body parser (domain-dump.ts, evtchn-dump.ts). */
interface DumpParser {
  push(line: TaggedLine): boolean;
  /** Events completed so far. */
  take(): DecodedEvent[];
  /** Close what is open (`partial` with the reason) and hand over the rest. */
  finish(partial?: string): DecodedEvent[];
  /** Domains seen. */
  readonly domains: number;
  /** The body reached its own end marker (`q`: the `Notifying guest` lines): not cut short by silence. */
  readonly complete: boolean;
}

interface Block {
  key: string;
  how: KeyStart['how'];
  handler?: string;
  description?: string;
  firstSeq: number;
  lastSeq: number;
  ts: number;
  lastTs: number;
  headerSeen: boolean;
  /** Under `*`: the key's own header or first line was taken in after its `[x: desc]` line. */
  absorbed: boolean;
  underStar: boolean;
  lines: number;
  st: ShapeState;
  /** The parser of a key whose body is decoded line by line: `q` (domains, LRs) or `e` (event channels). */
  dump?: DumpParser;
  handlers?: Array<{ key: string; ascii: string; description: string }>;
  version?: Record<string, string>;
  ringLines?: number;
}

interface Star {
  firstSeq: number;
  lastSeq: number;
  ts: number;
  description?: string;
  implicit: boolean;
  keys: string[];
}

const RE_HANDLER_ROW = /^ key '(.)' \(ascii '([0-9a-fA-F]{2})'\) => (.*)$/;

export class KeyTracker {
  private cur?: Block;
  private star?: Star;
  /** The open `w` block is taking the ring's lines (marked by replay.ts). */
  private inRing = false;
  private nonXenRun = 0;

  constructor(private readonly ctx: PlatformContext) {}

  get inReplay(): boolean {
    return this.inRing;
  }

  /** A response (or a `*` run) is open: every line matters. */
  get busy(): boolean {
    return this.cur !== undefined || this.star !== undefined;
  }

  get openKey(): string | undefined {
    return this.cur?.key;
  }

  /** A line of the ring that `w` replays (`replay` set by replay.ts): it counts in the `w` block. */
  ringLine(line: TaggedLine, emit: Emit): void {
    const b = this.cur;
    if (!b || !this.inRing) return;
    b.lines++;
    b.lastSeq = line.seq;
    b.ringLines = (b.ringLines ?? 0) + 1;
    if (line.replay === 'ring-end') { b.st.done = true; this.closeCur(emit); }
    else if (line.replay === 'ring-cap') this.closeCur(emit, 'ring dump end not found');
  }

  /** The ring replay ended before the ring's copy of the header (silence, firmware output). */
  ringEnded(emit: Emit): void {
    this.closeCur(emit, 'ring dump end not found');
  }

  /** A Xen-stream line. Returns true when it belongs to a key response. */
  pushXen(line: TaggedLine, emit: Emit): boolean {
    this.nonXenRun = 0;
    let cur = this.cur;
    if (cur && line.ts > 0 && cur.lastTs > 0 && line.ts - cur.lastTs > GAP_MS) {
      this.closeCur(emit);
      this.closeStar(emit);
      cur = undefined;
    } else if (!cur && this.star && line.ts > 0 && this.star.ts > 0 && line.ts - this.star.ts > 10 * GAP_MS) {
      this.closeStar(emit);
    }
    const start = detectKeyStart(line.body, cur?.key);
    if (start) {
      if (cur && cur.how === 'star' && !cur.absorbed && cur.lines === 1 && start.key === cur.key && start.how !== 'star') {
        // `[q: dump domain ...]` followed by the key's own header or first line.
        cur.absorbed = true;
        cur.headerSeen = start.how === 'header';
        if (start.how === 'header') cur.description = start.text;
        this.add(cur, line);
        if (cur.key === 'w') this.inRing = true;
        return true;
      }
      this.begin(start, line, emit);
      return true;
    }
    if (cur) {
      const v = cur.lines >= MAX_BLOCK ? Verdict.EndBefore : shapeVerdict(cur.key, cur.st, line);
      if (v === Verdict.Continue || v === Verdict.EndAfter) {
        this.add(cur, line);
        if (cur.dump) {
          cur.dump.push(line);
          for (const e of cur.dump.take()) emit(e);
        } else if (cur.key === 'h') this.handlerRow(cur, line);
        if (v === Verdict.EndAfter) this.closeCur(emit);
        return true;
      }
      this.closeCur(emit);
    }
    if (RE_Q_PART.test(line.body)) {
      // A `q` dump whose header was not seen: the capture started late, `xl debug-keys` read back
      // through dmesg, or a mail quoting only a domain's or a vCPU's part (its LRs).
      this.begin({ key: 'q', how: 'first' }, line, emit);
      return true;
    }
    return false;
  }

  /** A line of another stream (dom0, guest, firmware). */
  pushOther(line: TaggedLine, emit: Emit): void {
    if (!this.cur && !this.star) return;
    if (line.body.trim() === '') return;
    if (++this.nonXenRun >= FLOOD_LINES) {
      this.closeCur(emit);
      this.closeStar(emit);
    }
  }

  /** Focus change, new boot, flush: close everything. `reason` marks unfinished responses partial. */
  closeAll(emit: Emit, reason?: string): void {
    if (this.inRing) this.closeCur(emit, reason ?? 'ring dump end not found');
    this.closeCur(emit, reason);
    this.closeStar(emit, reason);
    this.nonXenRun = 0;
  }

  private begin(start: KeyStart, line: TaggedLine, emit: Emit): void {
    this.closeCur(emit);
    if (start.how === 'star') {
      if (!this.star) this.star = { firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, description: undefined, implicit: true, keys: [] };
      if (this.star.keys.length < 64) this.star.keys.push(start.key);
    } else if (this.star) {
      this.closeStar(emit);
    }
    if (start.key === '*' && start.how === 'header') {
      this.star = { firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, description: start.text, implicit: false, keys: [] };
      return;
    }
    // Every field present from the start: one object shape, so the per-line accesses stay monomorphic.
    const b: Block = {
      key: start.key,
      how: start.how,
      handler: start.how === 'star' ? start.text : KEY_DESCRIPTIONS[start.key],
      description: start.how === 'header' ? start.text : undefined,
      firstSeq: line.seq,
      lastSeq: line.seq,
      ts: line.ts,
      lastTs: line.ts,
      headerSeen: start.how === 'header',
      absorbed: false,
      underStar: start.how === 'star',
      lines: 1,
      st: { rows: 0, cpusInfo: false, done: false, lastDumpLine: undefined },
      dump: start.key === 'q' ? new DomainDumpParser(this.ctx) : start.key === 'e' ? new EvtchnDumpParser() : undefined,
      handlers: start.key === 'h' ? [] : undefined,
      version: undefined,
      ringLines: undefined,
    };
    this.cur = b;
    this.ctx.openKey = b.key;
    if (start.how === 'first' && b.dump) {
      b.dump.push(line); // the implicit `General information` / `Event channel information` line
      return;
    }
    if (start.how === 'star') return;
    if (SINGLE_LINE_KEYS.has(b.key)) { b.st.done = true; this.closeCur(emit); return; }
    if (b.key === 'w') this.inRing = true;
  }

  private add(b: Block, line: TaggedLine): void {
    b.lines++;
    if (line.seq > b.lastSeq) b.lastSeq = line.seq;
    if (line.ts) b.lastTs = line.ts;
  }

  private handlerRow(b: Block, line: TaggedLine): void {
    const m = RE_HANDLER_ROW.exec(line.body);
    if (m) {
      if (b.handlers && b.handlers.length < MAX_HANDLERS) b.handlers.push({ key: m[1], ascii: m[2].toLowerCase(), description: m[3].trimEnd() });
      return;
    }
    const v = /^(?:Xen version (\S+)|Latest ChangeSet: ?(.*)|build-id: ([0-9a-fA-F]+))/.exec(line.body);
    if (v) {
      b.version ??= {};
      if (v[1] !== undefined) b.version.version = v[1];
      if (v[2] !== undefined) b.version.changeset = v[2].trim();
      if (v[3] !== undefined) b.version.buildId = v[3];
    }
  }

  private closeCur(emit: Emit, reason?: string): void {
    const b = this.cur;
    if (!b) return;
    this.cur = undefined;
    this.ctx.openKey = undefined;
    this.inRing = false;
    settleDone(b.st);
    const partial = reason !== undefined && !b.st.done ? reason : undefined;
    if (b.dump) {
      if (b.dump.complete) b.st.done = true;
      for (const e of b.dump.finish(b.dump.complete ? undefined : partial)) emit(e);
    }
    if (b.handlers) {
      const data: Record<string, unknown> = { handlers: b.handlers };
      if (b.version) Object.assign(data, b.version);
      const ev: DecodedEvent = { kind: 'xen.handlers', firstSeq: b.firstSeq, lastSeq: b.lastSeq, ts: b.ts, data };
      if (partial && !b.st.done) { ev.partial = true; ev.reason = partial; }
      emit(ev);
    }
    const data: Record<string, unknown> = { key: b.key, headerless: !b.headerSeen, lines: b.lines };
    if (b.description !== undefined) data.description = b.description;
    if (b.handler !== undefined) data.handler = b.handler;
    if (b.underStar) data.underStar = true;
    if (b.dump) data.domains = b.dump.domains;
    if (b.ringLines !== undefined) data.ringLines = b.ringLines;
    const ev: DecodedEvent = { kind: 'xen.debugkey', firstSeq: b.firstSeq, lastSeq: b.lastSeq, ts: b.ts, data };
    if (partial && !b.st.done) { ev.partial = true; ev.reason = partial; }
    emit(ev);
    if (b.underStar && this.star && b.lastSeq > this.star.lastSeq) this.star.lastSeq = b.lastSeq;
  }

  private closeStar(emit: Emit, reason?: string): void {
    const s = this.star;
    if (!s) return;
    this.star = undefined;
    const data: Record<string, unknown> = { key: '*', headerless: s.implicit, keys: s.keys, handler: KEY_DESCRIPTIONS['*'] };
    if (s.description !== undefined) data.description = s.description;
    const ev: DecodedEvent = { kind: 'xen.debugkey', firstSeq: s.firstSeq, lastSeq: s.lastSeq, ts: s.ts, data };
    if (reason !== undefined && s.keys.length === 0) { ev.partial = true; ev.reason = reason; }
    emit(ev);
  }
}
