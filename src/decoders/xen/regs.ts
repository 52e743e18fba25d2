// One Xen register dump being collected (xen-console-reference §1): show_execution_state() =
// banner + _show_registers() + show_stack(), under a `*** Dumping ... ***` header (keys `d`, `0`),
// a crash line (BUG/WARN/ASSERT, Unexpected Trap, domain crash) or a `DOM%d: DEBUG` hvc.
// A small state machine: the family feeds it Xen lines and it says whether it took the line,
// finished, or was interrupted. Bounded: a dump never takes more than MAX_BLOCK_LINES lines.
import { MAX_BLOCK_LINES } from '../block.js';
import { decodeCpsr, decodeEsr, isUserMode, modeShortName, type CpsrInfo, type EsrInfo } from './esr.js';
import {
  BANKED_LINE, CALL_TRACE, CPSR_LINE, CPU_LINE, GUEST_STACK, GUEST_STACK_NOTES, NO_GUEST_STACK, PC_LINE, XEN_STACK,
  pairNames, pairValues, parseBanner, parseTraceEntry, pushStackRow, scanPairs, symbolOrUndefined,
  type Banner, type TraceEntry,
} from './regs-lines.js';
import { isSpace } from '../util.js';

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;

/** Whether body[s, e) is exactly `text`. */
function isText(body: string, s: number, e: number, text: string): boolean {
  return e - s === text.length && body.startsWith(text, s);
}

/** A console line as the crash family sees it (after unwrapping mail-wrapped lines). */
export interface XLine {
  seq: number;
  /** Last seq the line covers (a line joined with its wrapped continuation). */
  endSeq: number;
  ts: number;
  body: string;
}

export type DumpTrigger =
  | 'key-d' | 'key-0' | 'debug-hvc' | 'bug' | 'warn' | 'assert' | 'trap' | 'abort' | 'bad-mode' | 'domain-crash' | 'unknown';

export interface RegsData {
  arch?: 'arm64' | 'arm32';
  context: 'host' | 'guest';
  trigger: DumpTrigger;
  /** The `*** Dumping ... ***` / `DOM%d: DEBUG` line, when the dump has one. */
  header?: string;
  cpu?: number;
  domain?: number;
  vcpu?: number;
  /** `%pv` of a `*** Dumping CPU%u guest state (%pv)` header that is not `d<N>v<M>`. */
  pv?: string;
  /** The `----[ Xen-... ]----` banner. */
  xen?: Banner;
  mode?: string;
  modeString?: string;
  regs: Record<string, string>;
  pcSymbol?: string;
  cpsr?: CpsrInfo;
  esr?: EsrInfo;
  stackSp?: string;
  stack?: string[];
  stackEmpty?: boolean;
  callTrace: TraceEntry[];
  guestStackSp?: string;
  guestStack?: string[];
  /** `Failed to convert stack to physical address`, `No stack trace, VCPU offline`, ... */
  guestStackNote?: string;
  /** Seqs of unrelated Xen lines printed in the middle of the dump (skipped). */
  interleaved?: number[];
}

// The part of the dump being read (small integers: the state is switched on for every line).
const HEAD = 0; // header / banner, before the first register line
const REGS = 1;
const XSTACK = 2; // `Xen stack trace from sp=` rows
const CTRACE = 3; // `Xen call trace:` entries
const GSTACK_HEAD = 4; // after `Guest stack trace from sp=`
const GSTACK = 5;
type State = typeof HEAD | typeof REGS | typeof XSTACK | typeof CTRACE | typeof GSTACK_HEAD | typeof GSTACK;

/** ok: line taken; done: taken and the dump is complete; done-before: complete, line not taken;
 *  foreign: not taken (skipped); break: not taken, the dump is interrupted. */
export type FeedResult = 'ok' | 'done' | 'done-before' | 'foreign' | 'break';

const MAX_WORDS = 2048;
const MAX_TRACE = 256;
const MAX_FOREIGN_RUN = 3;
const MAX_INTERLEAVED = 32;

export interface DumpInit {
  trigger: DumpTrigger;
  context?: 'host' | 'guest';
  header?: string;
  cpu?: number;
  domain?: number;
  vcpu?: number;
  pv?: string;
  /** What the first line is: a header line, the `----[ Xen-` banner, or an orphan dump line. */
  first: 'header' | 'banner' | 'orphan';
}

// A stable, readable key order for the event (once per dump: a plain loop is fast enough).
const KEY_ORDER: Array<keyof RegsData> = [
  'arch', 'context', 'trigger', 'header', 'cpu', 'domain', 'vcpu', 'pv', 'xen', 'mode', 'modeString', 'pcSymbol',
  'regs', 'cpsr', 'esr', 'stackSp', 'stack', 'stackEmpty', 'callTrace', 'guestStackSp', 'guestStack', 'guestStackNote',
  'interleaved',
];

export class Dump {
  readonly firstSeq: number;
  readonly ts: number;
  lastSeq: number;
  readonly data: RegsData;
  readonly startedMid: boolean;
  private state: State;
  private lines = 1;
  private foreignRun = 0;
  private sawFar = false;
  private sawCpu = false;
  private contextKnown: boolean;
  /**
   * The registers as read, in order (`data.regs`). A plain object written as lines come: a later
   * line naming a register again overwrites its value and keeps its place, as a Map would, and
   * finish() has nothing to copy.
   */
  private readonly regs: Record<string, string> = {};

  constructor(first: XLine, init: DumpInit) {
    this.firstSeq = first.seq;
    this.lastSeq = first.endSeq;
    this.ts = first.ts;
    this.state = HEAD;
    this.startedMid = init.first === 'orphan';
    this.contextKnown = init.context !== undefined;
    // Every field present from the start (one object shape for every dump: the per-line accesses
    // stay monomorphic); finish() copies out only the fields that are set.
    this.data = {
      arch: undefined, context: init.context ?? 'host', trigger: init.trigger, header: init.header, cpu: init.cpu,
      domain: init.domain, vcpu: init.vcpu, pv: init.pv, xen: undefined, mode: undefined, modeString: undefined,
      regs: this.regs, pcSymbol: undefined, cpsr: undefined, esr: undefined, stackSp: undefined, stack: undefined,
      stackEmpty: undefined, callTrace: [], guestStackSp: undefined, guestStack: undefined, guestStackNote: undefined,
      interleaved: undefined,
    };
    // The first line: a header (nothing more to read), the banner, or an orphan line of a dump
    // whose beginning was not captured (`CPU:`, `Xen stack trace from sp=`, `Xen call trace:`).
    const t = first.body.trim();
    if (init.first === 'banner') {
      const b = parseBanner(t);
      if (b) this.data.xen = b;
    } else if (init.first === 'orphan') {
      this.state = REGS;
      if (t !== '') this.regsLine(t, 0, t.length, false);
    }
  }

  /** Whether the dump may end here (a line that does not belong to it arrives, or end of input). */
  canEndHere(): boolean {
    if (this.state === GSTACK) return true;
    if (this.state === REGS && this.sawFar && !this.stackExpected()) return true;
    return false;
  }

  private stackExpected(): boolean {
    // vcpu_show_execution_state() (key `0`) prints no guest stack for a vCPU in user mode (§1.1).
    return !(this.data.trigger === 'key-0' && this.data.mode !== undefined && isUserMode(this.data.mode));
  }

  private take(l: XLine): void {
    this.lines++;
    this.foreignRun = 0;
    if (l.endSeq > this.lastSeq) this.lastSeq = l.endSeq;
  }

  /**
   * Offer a Xen line. `isStart`: the family recognised the line as the start of something else
   * (another dump header, a crash line, a panic, a new boot).
   */
  feed(l: XLine, isStart: boolean, isBanner: boolean): FeedResult {
    if (this.lines >= MAX_BLOCK_LINES) return 'break';
    // The line's text without its surrounding whitespace is body[s, e) (what trim() keeps): the
    // common lines (register pairs, stack rows, blank lines) are read in place, and the few line
    // shapes matched by a regex or a string take a trimmed copy.
    const body = l.body;
    let s = 0;
    let e = body.length;
    while (s < e && isSpace(body.charCodeAt(s))) s++;
    while (e > s && isSpace(body.charCodeAt(e - 1))) e--;
    const r = this.feedState(body, s, e, isStart, isBanner);
    if (r === 'ok' || r === 'done') this.take(l);
    else if (r === 'foreign') {
      if (++this.foreignRun > MAX_FOREIGN_RUN) return 'break';
      const il = (this.data.interleaved ??= []);
      if (il.length < MAX_INTERLEAVED) il.push(l.seq);
    }
    return r;
  }

  private other(isStart: boolean): FeedResult {
    if (this.canEndHere()) return 'done-before';
    return isStart ? 'break' : 'foreign';
  }

  /** One line, body[s, e) trimmed (s === e: a blank line). */
  private feedState(body: string, s: number, e: number, isStart: boolean, isBanner: boolean): FeedResult {
    const d = this.data;
    switch (this.state) {
      case HEAD: {
        if (s === e) return 'ok';
        const t = body.slice(s, e);
        if (isBanner && !d.xen) {
          const b = parseBanner(t);
          if (b) { d.xen = b; return 'ok'; }
        }
        if (CPU_LINE.test(t) || t.startsWith('PC:')) { this.state = REGS; return this.regsLine(t, 0, t.length, isStart); }
        return this.other(isStart);
      }
      case REGS:
        if (s === e) {
          if (this.sawFar && !this.stackExpected()) return 'done';
          return 'ok';
        }
        return this.regsLine(body, s, e, isStart);
      case XSTACK: {
        const w = pushStackRow(body, s, e, d.stack, MAX_WORDS);
        if (w) { d.stack = w; return 'ok'; }
        if (s === e) return 'ok';
        if (isText(body, s, e, 'Stack empty.')) { d.stackEmpty = true; return 'ok'; }
        if (isText(body, s, e, CALL_TRACE)) { this.state = CTRACE; return 'ok'; }
        return this.other(isStart);
      }
      case CTRACE: {
        if (s === e) return 'done';
        const tr = parseTraceEntry(body.slice(s, e));
        if (tr) { if (d.callTrace.length < MAX_TRACE) d.callTrace.push(tr); return 'ok'; }
        // Captures that lost the closing blank line (timestamped logs print `(XEN)` with no space,
        // which is not a Xen line): the next crash line or panic still ends the trace.
        if (isStart && d.callTrace.length > 0) return 'done-before';
        return this.other(isStart);
      }
      case GSTACK_HEAD: {
        const t = body.slice(s, e);
        if (GUEST_STACK_NOTES.has(t)) { d.guestStackNote = t; return 'done'; }
        const w = pushStackRow(body, s, e, d.guestStack, MAX_WORDS);
        if (w) { d.guestStack = w; this.state = GSTACK; return 'ok'; }
        if (s === e) return 'ok';
        return this.other(isStart);
      }
      case GSTACK: {
        const w = pushStackRow(body, s, e, d.guestStack, MAX_WORDS);
        if (w) { d.guestStack = w; return 'ok'; }
        if (s === e) return 'done';
        return 'done-before';
      }
    }
  }

  /** A line of the register part, body[s, e) trimmed and not blank. */
  private regsLine(body: string, s: number, e: number, isStart: boolean): FeedResult {
    const d = this.data;
    const c0 = body.charCodeAt(s);
    // Fast path on the first letter; every branch is anchored.
    if (c0 === 0x43 /* C */) {
      const t = body.slice(s, e);
      const cpu = CPU_LINE.exec(t);
      if (cpu) {
        if (this.sawCpu) return this.other(isStart); // a second `CPU:` line is another dump
        this.sawCpu = true;
        d.cpu = Number(cpu[1]);
        return 'ok';
      }
      const cpsr = CPSR_LINE.exec(t);
      if (cpsr) {
        this.regs.CPSR = cpsr[1];
        d.modeString = cpsr[2].trim();
        d.mode = modeShortName(d.modeString);
        return 'ok';
      }
    } else if (c0 === 0x50 /* P */) {
      const pc = PC_LINE.exec(body.slice(s, e));
      if (pc) {
        this.regs.PC = pc[1];
        const sym = symbolOrUndefined(pc[2]);
        if (sym !== undefined) d.pcSymbol = sym;
        return 'ok';
      }
    } else if (c0 === 0x58 /* X */ && body.startsWith('Xen ', s)) {
      const t = body.slice(s, e);
      const xs = XEN_STACK.exec(t);
      if (xs) { d.stackSp = xs[1]; this.state = XSTACK; return 'ok'; }
      if (t === CALL_TRACE) { this.state = CTRACE; return 'ok'; }
    } else if (c0 === 0x47 /* G */ && body.startsWith('Guest ', s)) {
      const gs = GUEST_STACK.exec(body.slice(s, e));
      if (gs) { d.guestStackSp = gs[1]; this.state = GSTACK_HEAD; return 'ok'; }
    } else if (c0 === 0x4e /* N */) {
      const t = body.slice(s, e);
      if (NO_GUEST_STACK.has(t)) {
        d.guestStackNote = t;
        return 'done';
      }
    }
    // `USR: SP: ..`: the regex only when the line has the `XYZ: ` shape, three capitals (not
    // `X10: `, the most common register line).
    if (s + 4 < e && body.charCodeAt(s + 3) === 0x3a /* : */ && body.charCodeAt(s + 4) === 0x20 &&
        isUpper(c0) && isUpper(body.charCodeAt(s + 1)) && isUpper(body.charCodeAt(s + 2))) {
      const bk = BANKED_LINE.exec(body.slice(s, e));
      if (bk) {
        const pairs = bk[2].trim();
        const n = scanPairs(pairs, 0, pairs.length);
        if (n >= 0) {
          const suffix = bk[1].toLowerCase();
          for (let i = 0; i < n; i++) this.regs[`${pairNames[i]}_${suffix}`] = pairValues[i];
          if (bk[1] === 'HYP') {
            // arm32 Xen in hypervisor mode: `HYP: SP: .. LR: ..` are the SP and LR of the dump.
            for (let i = 0; i < n; i++) if (pairNames[i] === 'SP' || pairNames[i] === 'LR') this.regs[pairNames[i]] = pairValues[i];
          }
          return 'ok';
        }
      }
    }
    const n = scanPairs(body, s, e);
    if (n >= 0) {
      const regs = this.regs;
      for (let i = 0; i < n; i++) {
        const k = pairNames[i];
        regs[k] = pairValues[i];
        if (k === 'FAR_EL2' || k === 'HIFAR') this.sawFar = true;
      }
      return 'ok';
    }
    return this.other(isStart);
  }

  /** Final data: derived fields (arch, context, CPSR and ESR decode). */
  finish(): RegsData {
    const d = this.data;
    const r = this.regs;
    if ('X0' in r || 'SP_EL0' in r || 'SP_EL1' in r || 'FAR_EL2' in r) d.arch = 'arm64';
    // R0..R12 (arm32 Xen, or an AArch32 guest on arm64 Xen) win over FAR_EL2.
    if ('R0' in r || 'SP_usr' in r || 'SP_hyp' in r || 'HIFAR' in r) d.arch = 'arm32';
    if (!d.arch) {
      const a = r.PC ?? d.callTrace[0]?.addr ?? d.stack?.[0];
      if (a) d.arch = a.length > 8 ? 'arm64' : 'arm32';
      else if (d.xen?.arch === 'arm64' || d.xen?.arch === 'arm32') d.arch = d.xen.arch;
    }
    if (!this.contextKnown && d.mode) d.context = d.mode === 'EL2h' || d.mode === 'EL2t' || d.mode === 'HYP' ? 'host' : 'guest';
    // arm32 Xen: HSR layout; an AArch32 guest on arm64 Xen still has an AArch64 ESR_EL2.
    const arm32Xen = d.xen ? d.xen.arch === 'arm32' : d.arch === 'arm32' && d.mode === 'HYP';
    if (r.CPSR) {
      const c = decodeCpsr(r.CPSR, arm32Xen);
      if (c) d.cpsr = c;
    }
    const esr = r.ESR_EL2 ?? r.HSR;
    if (esr) {
      const e = decodeEsr(esr, arm32Xen);
      if (e) d.esr = e;
    }
    // The fields that are set, in the event's key order.
    const out = {} as RegsData;
    for (const k of KEY_ORDER) if (d[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = d[k];
    return out;
  }
}
