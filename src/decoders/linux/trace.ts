// Call-trace frames of Linux arm64 and arm32 reports (linux-console-reference §2.1 e, §2.4, §3.1 h,
// §3.3). One parsed frame per entry, innermost first.
//
// arm64 (`dump_backtrace`): ` sym+0xoff/0xsize[ [module[ buildid]]][ (CTPUFK)]`, older kernels
//   ` [<ffff000008085d18>] sym+0x0/0x1b0`.
// arm32: verbose `[<80260370>] (callee) from [<80260b0c>] (caller+0x50/0x5c)`, default
//   ` callee from caller+0x50/0x5c` (a module's callee is `callee [mod]`), !KALLSYMS
//   `Function entered at [<a>] from [<b>]`. Each line
//   names the callee (no offset) and the return address in its caller; the trace is the first
//   callee followed by every line's caller side. ` r10:8538e974 r9:...` lines are saved registers.
import { firstNonBlank } from '../util.js';

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
// The patterns are sticky (`y`): run at the first non-blank character of a line, they match what
// their `^`-anchored forms match on the trimmed line, without allocating the trimmed copy.
const SYM = /([^\s+()[\]]+)\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?: \[([^\]\s]+)(?: ([0-9a-f]+))?\])?(?: \(([CTPULFK]+)\))?/y;
const ARM64_OLD = /\[<([0-9a-f]{8,16})>\] (\S.*)$/y;
// The callee is a `%ps`: a module symbol carries ` [module]` (` [module buildid]`) there too.
const ARM32_VERBOSE = /\[<([0-9a-f]{8})>\] \(([^)\s]+)(?: \[([^\]\s]+)(?: ([0-9a-f]+))?\])?\) from \[<([0-9a-f]{8})>\] \(([^)]+)\)/y;
const ARM32_PLAIN = /(\S+)(?: \[([^\]\s]+)(?: ([0-9a-f]+))?\])? from (\S+(?: \[[^\]]+\])?)\s*$/y;
const ARM32_NOSYM = /Function entered at \[<([0-9a-f]+)>\] from \[<([0-9a-f]+)>\]/y;
const SAVED_REGS = /r\d{1,2}:[0-9a-f]{8}(?: r\d{1,2}:[0-9a-f]{8})*\s*$/y;

function execAt(re: RegExp, s: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(s);
}

/** Parse a `sym+0x../0x.. [mod]` string (a `%pS` value); undefined when it is not one. */
export function parseSymbol(s: string): TraceEntry | undefined {
  return symbolAt(s, firstNonBlank(s));
}

function symbolAt(s: string, i: number): TraceEntry | undefined {
  const m = execAt(SYM, s, i);
  if (!m) return undefined;
  const e: TraceEntry = { symbol: m[1], offset: '0x' + m[2], size: '0x' + m[3] };
  if (m[4]) e.module = m[4];
  if (m[5]) e.buildId = m[5];
  if (m[6]) e.flags = m[6];
  return e;
}

/** One arm64 frame line (leading spaces allowed), or undefined. */
export function parseArm64Frame(body: string, i = firstNonBlank(body)): TraceEntry | undefined {
  if (i >= body.length) return undefined;
  if (body.charCodeAt(i) === 0x5b /* [ */) {
    const m = execAt(ARM64_OLD, body, i);
    if (!m) return undefined;
    const e = parseSymbol(m[2]);
    if (!e) return undefined;
    e.addr = m[1];
    return e;
  }
  return symbolAt(body, i);
}

/** Result of one arm32 backtrace line: the callee and the caller (return address) frames. */
export interface Arm32Pair {
  callee: TraceEntry;
  caller: TraceEntry;
}

export function parseArm32Pair(body: string, i = firstNonBlank(body)): Arm32Pair | undefined {
  if (body.startsWith('[<', i)) {
    const m = execAt(ARM32_VERBOSE, body, i);
    if (!m) return undefined;
    const caller = parseSymbol(m[6]) ?? { symbol: m[6] };
    caller.addr = m[5];
    return { callee: callee(m[2], m[3], m[4], m[1]), caller };
  }
  if (body.startsWith('Function entered at', i)) {
    const m = execAt(ARM32_NOSYM, body, i);
    if (!m) return undefined;
    return { callee: { symbol: m[1], addr: m[1] }, caller: { symbol: m[2], addr: m[2] } };
  }
  if (body.indexOf(' from ', i) < 0) return undefined;
  const m = execAt(ARM32_PLAIN, body, i);
  if (!m) return undefined;
  const caller = parseSymbol(m[4]);
  if (!caller) return undefined;
  return { callee: callee(m[1], m[2], m[3]), caller };
}

function callee(symbol: string, module: string | undefined, buildId: string | undefined, addr?: string): TraceEntry {
  const e: TraceEntry = { symbol };
  if (module) e.module = module;
  if (buildId) e.buildId = buildId;
  if (addr) e.addr = addr;
  return e;
}

export function isSavedRegs(body: string, i = firstNonBlank(body)): boolean {
  if (body.length - i <= 3 || body.charCodeAt(i) !== 0x72 /* r */) return false;
  SAVED_REGS.lastIndex = i;
  return SAVED_REGS.test(body);
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
    const i = firstNonBlank(body);
    if (this.cur !== null) {
      if (isSavedRegs(body, i)) return true;
      const pair = parseArm32Pair(body, i);
      if (pair) { this.addPair(pair); return true; }
      const f = parseArm64Frame(body, i);
      if (f) { this.push(f); return true; }
      return false;
    }
    const pair = parseArm32Pair(body, i);
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
