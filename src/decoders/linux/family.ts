// The Linux decoder family: banner, crash reports (oops, BUG, WARN, panic), stalls and lockups,
// spurious-IRQ reports and /proc/interrupts tables, for dom0 / bare-metal Linux (stream `plain`)
// and guests (`guest`: `(dN)` lines and vpl011 `(XEN) DOMn:` lines).
//
// State is kept per (stream, domain), and reports per (stream, domain, printk caller id) so that
// records of different tasks/CPUs and a domU report interleaved with dom0 output do not mix
// (linux-console-reference §1.3, §7.3, §8.3). Before dispatch, fragments are re-joined (§1.2, §5.2):
// - a dom0 line cut by a `(XEN)` line glued into it (the demux splits the physical line; the rest
//   of the dom0 line follows the Xen line(s) without a timestamp) is joined back exactly;
// - inside a timestamped report or banner, an untimestamped line is a wrapped fragment of the
//   previous line (mail clients re-wrap posted logs) and is joined with a space;
// - `** replaying previous printk message **` (nbcon) drops the interrupted partial record;
// - `** N printk messages dropped **` is counted on the open report and stripped.
import type { DecodedEvent, Emit, Family, TaggedLine } from '../types.js';
import { isIdleFlush } from '../types.js';
import { BannerBlock } from './banner.js';
import { detectHeader, type HeaderType } from './headers.js';
import { InterruptsTable, parseHeader } from './interrupts.js';
import { REPLAY_MARKER, fromTagged, joinInto, looksWrapped, streamKey, stripDropped, type LLine } from './line.js';
import { buildReport, spuriousEvent } from './parse.js';
import { ReportBlock } from './report.js';
import { code, firstNonBlank } from '../util.js';

/** Contexts kept at once (per stream/domain/caller); the least recently used is closed beyond this. */
const MAX_CONTEXTS = 32;
/** Tables / held fragments kept at once (one per stream and guest domain); the oldest goes beyond this. */
const MAX_STREAMS = 16;
/** Timestamped kernel lines tolerated inside a /proc/interrupts table (printk output during `cat`). */
const MAX_KERNEL_LINES_IN_TABLE = 16;
const PROMPT = /^(?:\S+ login: |\S*[#$] |\/ ?# |~ ?# |\(initramfs\) )/;

interface Ctx {
  key: string;
  report: ReportBlock | null;
  banner: BannerBlock | null;
  /** Which block received this context's last line (for wrapped fragments). */
  lastOwner: 'report' | 'banner' | null;
  lastLine: LLine | null;
  /** The last line opened `report` (so a replay marker cancels the whole report). */
  lastOpened: boolean;
}

interface Held {
  line: LLine;
  /** A `(XEN)` line followed in the same physical line: the rest of this line comes later. */
  xenSplit: boolean;
  split: boolean;
}

/** Whether a line could open something (a report, a banner, a table) or is a printk marker. */
function mayOpen(line: TaggedLine): boolean {
  const b = line.body;
  if (b.length < 8) return false;
  if (code(b, 0) === 0x2a /* * */) return true;
  if (line.time === undefined && b.length > 12 && b.indexOf('CPU') >= 0) return true;
  return detectHeader(b) !== undefined;
}

export function linuxFamily(): Family {
  const ctxs = new Map<string, Ctx>();
  const lastCtx = new Map<string, Ctx>(); // per stream key: the context of its last timestamped line
  const tables = new Map<string, InterruptsTable>();
  const held = new Map<string, Held>(); // per stream key
  // Reports whose end marker was seen, per stream key: in a timestamped log they are emitted at the
  // next line, so that a wrapped fragment of the end line can still be joined.
  const ending = new Map<string, Ctx>();
  // Contexts with a report or banner open. When this, `tables`, `held` and `ending` are all empty,
  // a line that cannot open anything is dropped before any allocation (the common case).
  const active = new Set<Ctx>();
  function track(c: Ctx): void {
    if (c.report || c.banner) active.add(c); else active.delete(c);
  }
  let emitFn: Emit = () => {};

  function ctxFor(sk: string, caller: string | undefined): Ctx {
    const key = caller ? `${sk}/${caller}` : sk;
    let c = ctxs.get(key);
    if (c) {
      ctxs.delete(key); // keep Map order = recency
      ctxs.set(key, c);
      return c;
    }
    c = { key, report: null, banner: null, lastOwner: null, lastLine: null, lastOpened: false };
    ctxs.set(key, c);
    if (ctxs.size > MAX_CONTEXTS) {
      for (const [k, old] of ctxs) {
        if (old === c) continue;
        closeReport(old, 'too many interleaved contexts', true);
        closeBanner(old);
        ctxs.delete(k);
        for (const [sk2, lc] of lastCtx) if (lc === old) lastCtx.delete(sk2);
        break;
      }
    }
    return c;
  }

  function emit(ev: DecodedEvent): void {
    emitFn(ev);
  }

  function closeReport(c: Ctx, reason: string | undefined, partial: boolean): void {
    const r = c.report;
    if (!r) return;
    c.report = null;
    track(c);
    if (c.lastOwner === 'report') c.lastOwner = null;
    for (const e of buildReport(r)) {
      const ev: DecodedEvent = { kind: e.kind, firstSeq: r.firstSeq, lastSeq: r.lastSeq, ts: r.ts, data: e.data };
      if (partial) { ev.partial = true; ev.reason = reason ?? 'cut short'; }
      emit(ev);
    }
  }

  /** Close a report because something else began: partial when it expected an end marker. */
  function interruptReport(c: Ctx, reason: string, h?: HeaderType): void {
    const r = c.report;
    if (!r) return;
    let partial = r.hasEndMarker && !r.endSeen;
    // arm64 SError and stack-overflow reports end in their panic, with no end-trace line (§2.2).
    if (h === 'panic' && r.type === 'oops' && (r.headers.includes('serror') || r.headers.includes('stack'))) partial = false;
    closeReport(c, reason, partial);
  }

  function closeBanner(c: Ctx, reason?: string): void {
    const b = c.banner;
    if (!b) return;
    c.banner = null;
    track(c);
    if (c.lastOwner === 'banner') c.lastOwner = null;
    emit(b.build(reason));
  }

  function closeTable(sk: string, reason?: string): void {
    const t = tables.get(sk);
    if (!t) return;
    tables.delete(sk);
    if (t.rows.length === 0) return; // a lone header is not a table
    emit(t.build(reason));
  }

  function closeAll(reason: string): void {
    for (const c of ctxs.values()) {
      interruptReport(c, reason);
      closeBanner(c, reason);
    }
    for (const sk of [...tables.keys()]) closeTable(sk, reason);
  }

  /** A new boot of this stream: close everything it had open. */
  function newBoot(sk: string): void {
    const prefix = sk + '/';
    for (const c of ctxs.values()) {
      if (c.key !== sk && !c.key.startsWith(prefix)) continue;
      interruptReport(c, 'interrupted by new boot');
      closeBanner(c, 'interrupted by new boot');
    }
    closeTable(sk, 'interrupted by new boot');
  }

  /** Process one logical line of a Linux stream. */
  function process(l: LLine): void {
    const sk = streamKey(l);
    let b = l.body;

    // §1.2 markers.
    if (code(b, 0) === 0x2a /* * */ && b.startsWith('** ')) {
      if (b.startsWith(REPLAY_MARKER)) {
        const c = lastCtx.get(sk);
        if (c && c.lastLine && c.report) {
          if (c.lastOpened) { c.report = null; c.lastOwner = null; track(c); } else if (c.report.last === c.lastLine) c.report.dropLast();
        }
        return;
      }
      const n = stripDropped(l);
      if (n > 0) {
        const c = l.caller ? ctxs.get(`${sk}/${l.caller}`) : lastCtx.get(sk);
        if (c?.report) c.report.droppedMessages += n;
        b = l.body;
        if (!b) return;
      }
    }

    // /proc/interrupts (userspace output: no timestamp).
    // Size tests first: a Map look-up per line is measurable, and tables, ending reports and held
    // heads are rare.
    const table = tables.size !== 0 ? tables.get(sk) : undefined;
    if (table) {
      if (table.offer(l)) {
        if (table.rows[table.rows.length - 1].irq === 'Err') closeTable(sk);
        else if (table.full) closeTable(sk, 'too long');
        return;
      }
      if (l.time !== undefined && ++table.kernelRun <= MAX_KERNEL_LINES_IN_TABLE && !detectHeader(b)) {
        // printk output while `cat` runs: not part of the table, does not end it
      } else {
        closeTable(sk, 'cut short');
      }
    }
    if (l.time === undefined && b.length > 12 && code(b, b.length - 1) !== 0x3a) {
      const ids = parseHeader(b);
      if (ids) {
        closeTable(sk, 'cut short');
        if (tables.size >= MAX_STREAMS) closeTable(tables.keys().next().value as string, 'too many interleaved tables');
        tables.set(sk, new InterruptsTable(l, ids));
        return;
      }
    }

    // A wrapped fragment of the previous line of a timestamped report or banner.
    if (l.time === undefined) {
      const c = lastCtx.get(sk);
      if (c && c.lastLine && c.lastLine.time !== undefined && c.lastOwner && firstNonBlank(b) < b.length && looksWrapped(c.lastLine, b) && !PROMPT.test(b) && !detectHeader(b)) {
        const owner = c.lastOwner === 'report' ? c.report : c.banner;
        if (owner) {
          joinInto(c.lastLine, l, false);
          owner.touch(c.lastLine);
          return;
        }
      }
    }

    const ec = ending.size !== 0 ? ending.get(sk) : undefined;
    if (ec) {
      ending.delete(sk);
      if (ec.report?.endSeen) closeReport(ec, undefined, false);
    }

    const c = ctxFor(sk, l.caller);
    if (l.time !== undefined) lastCtx.set(sk, c);
    else if (!lastCtx.has(sk)) lastCtx.set(sk, c);
    c.lastLine = l;
    c.lastOpened = false;
    c.lastOwner = null;

    const h = detectHeader(b);

    // Banner.
    if (h === 'banner') {
      if (c.banner && b.startsWith('Linux version ') && c.banner.acceptsVersion()) {
        c.banner.offer(l);
        c.lastOwner = 'banner';
        return;
      }
      newBoot(sk);
      c.banner = new BannerBlock(l);
      track(c);
      c.lastOwner = 'banner';
      return;
    }
    if (c.banner) {
      if (c.banner.done || !c.banner.offer(l)) closeBanner(c);
      else if (c.banner.last === l) c.lastOwner = 'banner';
    }

    // Reports.
    const r = c.report;
    if (h === 'unexpected' || h === 'spurious') {
      const ev = spuriousEvent(l);
      if (ev) emit(ev);
      if (r) {
        const prev = r.type;
        if (r.absorbs(h)) { r.addHeaderLine(l, h, prev); c.lastOwner = 'report'; }
      }
      return;
    }
    if (r) {
      if (h) {
        const prev = r.type;
        if (r.absorbs(h)) {
          r.addHeaderLine(l, h, prev);
          c.lastOwner = 'report';
          if (r.full) closeReport(c, 'too long', true);
          return;
        }
        interruptReport(c, h === 'panic' ? 'interrupted by panic' : 'interrupted by new report', h);
      } else {
        const res = r.offer(l);
        if (res === 'added') {
          c.lastOwner = 'report';
          if (r.full) closeReport(c, 'too long', true);
          return;
        }
        if (res === 'added-end') {
          c.lastOwner = 'report';
          // A complete end line (`... ]---`) cannot have a wrapped rest.
          if (r.timed && !/\]---\s*$/.test(b)) ending.set(sk, c); else closeReport(c, undefined, false);
          return;
        }
        // 'reject': the report is over; the line is an ordinary line.
        interruptReport(c, 'cut short');
        return;
      }
    }
    if (h) {
      c.report = new ReportBlock(l, h);
      track(c);
      c.lastOwner = 'report';
      c.lastOpened = true;
    }
  }

  function release(sk: string): void {
    const h = held.get(sk);
    if (!h) return;
    held.delete(sk);
    process(h.line);
  }

  /** A Xen line while something is open or held (see push). */
  function xenLine(line: TaggedLine): void {
    // Xen (re)booting: the Linux that was running is gone (xen-console-reference: `Xen version` banner line).
    if ((active.size !== 0 || tables.size !== 0) && code(line.body, 0) === 0x58 && line.body.startsWith('Xen version ')) {
      for (const sk of [...held.keys()]) release(sk);
      closeAll('interrupted by new boot');
      return;
    }
    // The tail of a split physical line: the held head's rest comes after the Xen line(s).
    for (const h of held.values()) if (h.line.seq === line.seq && h.split) h.xenSplit = true;
  }

  /** A line of any other stream that may matter (see push). */
  function otherLine(line: TaggedLine): void {
    if (line.stream === 'firmware') {
      // Firmware output means the board was reset: nothing Linux had open will continue.
      if (active.size || tables.size || held.size) { // closeAll() changes nothing in idle contexts
        for (const sk of [...held.keys()]) release(sk);
        closeAll('interrupted by new boot');
      }
      return;
    }
    const l = fromTagged(line);
    const sk = streamKey(l);
    const h = held.size !== 0 ? held.get(sk) : undefined;
    if (h) {
      if (h.xenSplit && l.seq !== h.line.seq && l.time === undefined) {
        joinInto(h.line, l, true);
        h.xenSplit = false;
        h.split = line.split === true;
        if (!h.split) { held.delete(sk); process(h.line); }
        return;
      }
      held.delete(sk);
      process(h.line);
    }
    if (line.split) {
      if (held.size >= MAX_STREAMS) release(held.keys().next().value as string);
      held.set(sk, { line: l, xenSplit: false, split: true });
      return;
    }
    process(l);
  }

  return {
    name: 'linux',
    push(line: TaggedLine, emitArg: Emit): void {
      // Every line of every stream comes here, most of them Xen lines or lines that cannot open
      // anything while nothing is open: those return after a few tests, before any allocation
      // (and nothing is emitted for them, so emitFn is only needed past this point).
      const idle = active.size === 0 && tables.size === 0 && held.size === 0;
      // A copy of earlier output (replay.ts): Xen's ring, printed again by `xl dmesg` or key `w`.
      // The ring holds guests' `(dN)` lines, and dom0's own with `console_to_ring` (reference §5.7).
      if (line.replay) return;
      if (line.stream === 'xen') {
        if (idle) return;
        emitFn = emitArg;
        xenLine(line);
        return;
      }
      if (idle && ending.size === 0 && line.stream !== 'firmware' && line.split !== true && !mayOpen(line)) return;
      emitFn = emitArg;
      otherLine(line);
    },
    peek(): DecodedEvent[] {
      // A report still open (an oops whose kernel died before its end marker, say), as it stands.
      const out: DecodedEvent[] = [];
      for (const c of ctxs.values()) {
        const r = c.report;
        if (r) for (const e of buildReport(r)) out.push({ kind: e.kind, firstSeq: r.firstSeq, lastSeq: r.lastSeq, ts: r.ts, data: e.data });
      }
      return out;
    },
    flush(reason: string, emitArg: Emit): void {
      // Linux reports and tables end with their own markers; silence alone ends none of them.
      if (isIdleFlush(reason)) return;
      emitFn = emitArg;
      for (const sk of [...held.keys()]) release(sk);
      ending.clear();
      for (const c of ctxs.values()) {
        if (c.report) closeReport(c, reason, c.report.hasEndMarker && !c.report.endSeen);
        closeBanner(c, reason);
      }
      for (const sk of [...tables.keys()]) closeTable(sk, reason);
      ctxs.clear();
      lastCtx.clear();
      active.clear();
    },
  };
}
