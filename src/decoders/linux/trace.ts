// Call-trace frames of Linux arm64 and arm32 reports (linux-console-reference §2.1 e, §2.4, §3.1 h,
// §3.3). One parsed frame per entry, innermost first.
//
// arm64 (`dump_backtrace`): ` sym+0xoff/0xsize[ [module[ buildid]]][ (CTPUFK)]`, older kernels
//   ` [<ffff000008085d18>] sym+0x0/0x1b0`.
// arm32: verbose `[<80260370>] (callee) from [<80260b0c>] (caller+0x50/0x5c)`, default
//   ` callee from caller+0x50/0x5c`, !KALLSYMS `Function entered at [<a>] from [<b>]`. Each line
//   names the callee (no offset) and the return address in its caller; the trace is the first
//   callee followed by every line's caller side. ` r10:8538e974 r9:...` lines are saved registers.
import { code } from '../util.js';

export interface TraceEntry {
  /** Function name; for `Function entered at` frames (no symbols) the address as printed. */
  symbol: string;
  offset?: string;
  size?: string;
  module?: string;
  buildId?: string;
  /** Address as printed, hex without 0x (`[<...>]` forms). */
  addr?: string;
  /** arm64 ≥6.13 unwinder source/flags, e.g. `C`, `T`, `P`. */
  flags?: string;
}

// `sym+0x1/0x2 [mod buildid] (C)`; also `sym.cold+...`; module part optional.
const SYM = /^([^\s+()[\]]+)\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?: \[([^\]\s]+)(?: ([0-9a-f]+))?\])?(?: \(([CTPULFK]+)\))?/;
const ARM64_OLD = /^\[<([0-9a-f]{8,16})>\] (\S.*)$/;
const ARM32_VERBOSE = /^\[<([0-9a-f]{8})>\] \(([^)\s]+)\) from \[<([0-9a-f]{8})>\] \(([^)]+)\)/;
const ARM32_PLAIN = /^(\S+) from (\S+(?: \[[^\]]+\])?)\s*$/;
const ARM32_NOSYM = /^Function entered at \[<([0-9a-f]+)>\] from \[<([0-9a-f]+)>\]/;
const SAVED_REGS = /^r\d{1,2}:[0-9a-f]{8}(?: r\d{1,2}:[0-9a-f]{8})*\s*$/;

/** Parse a `sym+0x../0x.. [mod]` string (a `%pS` value); undefined when it is not one. */
export function parseSymbol(s: string): TraceEntry | undefined {
  const m = SYM.exec(s.trim());
  if (!m) return undefined;
  const e: TraceEntry = { symbol: m[1], offset: '0x' + m[2], size: '0x' + m[3] };
  if (m[4]) e.module = m[4];
  if (m[5]) e.buildId = m[5];
  if (m[6]) e.flags = m[6];
  return e;
}

/** One arm64 frame line (leading spaces allowed), or undefined. */
export function parseArm64Frame(body: string): TraceEntry | undefined {
  const t = body.trimStart();
  if (t.length === 0) return undefined;
  if (code(t, 0) === 0x5b /* [ */) {
    const m = ARM64_OLD.exec(t);
    if (!m) return undefined;
    const e = parseSymbol(m[2]);
    if (!e) return undefined;
    e.addr = m[1];
    return e;
  }
  return parseSymbol(t);
}

/** Result of one arm32 backtrace line: the callee and the caller (return address) frames. */
export interface Arm32Pair {
  callee: TraceEntry;
  caller: TraceEntry;
}

export function parseArm32Pair(body: string): Arm32Pair | undefined {
  const t = body.trimStart();
  if (t.startsWith('[<')) {
    const m = ARM32_VERBOSE.exec(t);
    if (!m) return undefined;
    const caller = parseSymbol(m[4]) ?? { symbol: m[4] };
    caller.addr = m[3];
    return { callee: { symbol: m[2], addr: m[1] }, caller };
  }
  if (t.startsWith('Function entered at')) {
    const m = ARM32_NOSYM.exec(t);
    if (!m) return undefined;
    return { callee: { symbol: m[1], addr: m[1] }, caller: { symbol: m[2], addr: m[2] } };
  }
  if (t.indexOf(' from ') < 0) return undefined;
  const m = ARM32_PLAIN.exec(t);
  if (!m) return undefined;
  const caller = parseSymbol(m[2]);
  if (!caller) return undefined;
  return { callee: { symbol: m[1] }, caller };
}

export function isSavedRegs(body: string): boolean {
  const t = body.trimStart();
  return t.length > 3 && code(t, 0) === 0x72 /* r */ && SAVED_REGS.test(t);
}

/** True for a line that opens a trace section: `Call trace:`, `Backtrace:` (arm32 may pr_cont text after it). */
export function isTraceHeader(body: string): boolean {
  return body.startsWith('Call trace:') || body.startsWith('Call Trace:') || body.startsWith('Backtrace:');
}

/**
 * Collects frames from a report's lines. arm64 frames count only after a trace header; arm32 pair
 * lines count anywhere (the unwind-table unwinder before ≈v6.8 prints no header).
 */
export class TraceCollector {
  readonly traces: TraceEntry[][] = [];
  private cur: TraceEntry[] | null = null;
  private arm32Pending = false;
  static readonly MAX_ENTRIES = 256;
  static readonly MAX_TRACES = 16;

  /** Feed one line; returns true when the line belonged to a trace (header, frame or saved registers). */
  line(body: string): boolean {
    if (isTraceHeader(body)) {
      this.start();
      return true;
    }
    if (this.cur !== null) {
      if (isSavedRegs(body)) return true;
      const pair = parseArm32Pair(body);
      if (pair) { this.addPair(pair); return true; }
      const f = parseArm64Frame(body);
      if (f) { this.push(f); return true; }
      return false;
    }
    const pair = parseArm32Pair(body);
    if (pair) {
      this.start();
      this.addPair(pair);
      return true;
    }
    return false;
  }

  /** A non-frame line ends the current trace. */
  end(): void {
    this.cur = null;
    this.arm32Pending = false;
  }

  get inTrace(): boolean {
    return this.cur !== null;
  }

  private start(): void {
    this.cur = [];
    this.arm32Pending = false;
    // Past the cap, frames are still recognised (so the report keeps its shape) but not kept.
    if (this.traces.length < TraceCollector.MAX_TRACES) this.traces.push(this.cur);
  }

  private push(e: TraceEntry): void {
    if (this.cur && this.cur.length < TraceCollector.MAX_ENTRIES) this.cur.push(e);
  }

  private addPair(p: Arm32Pair): void {
    if (!this.arm32Pending) {
      this.push(p.callee);
      this.arm32Pending = true;
    }
    this.push(p.caller);
  }
}
