// Line shapes of a Xen ARM register dump (xen-console-reference §1.2-§1.7): the banner, the
// register lines of show_registers_64/_32 and _show_registers, the Xen/guest stack and the call
// trace. Matchers run only on lines already inside a dump (or on a cheap first-character check),
// never on every console line.
import { isHexDigit, isSpace } from '../util.js';

export interface Banner {
  version: string;
  arch: string;
  /** `debug=y`. */
  debug: boolean;
  /** `xen_build_info()` as printed: `debug=y`, `debug=n gcov=y`. */
  buildInfo: string;
  tainted: boolean;
  /** Taint letters set (4.17: U M C E H S; 4.18+: I instead of U), spaces dropped. */
  taintFlags: string;
  /** The tainted field as printed, e.g. `Tainted: U      ` or `Not tainted`. */
  taint: string;
}

// §1.2 `----[ Xen-%d.%d%s  %s  %s  %s ]----` (fields separated by two spaces; older releases use three)
const BANNER = /^----\[ Xen-(\S+)\s+(\S+)\s+(debug=[yn](?: \w+=[yn])*)\s+(Not tainted|Tainted:.*?)\s*\]----\s*$/;

export function parseBanner(body: string): Banner | undefined {
  const m = BANNER.exec(body);
  if (!m) return undefined;
  const tainted = m[4] !== 'Not tainted';
  return {
    version: m[1],
    arch: m[2],
    debug: m[3].startsWith('debug=y'),
    buildInfo: m[3],
    tainted,
    taintFlags: tainted ? m[4].slice('Tainted:'.length).replace(/\s+/g, '') : '',
    taint: m[4],
  };
}

export function isBannerStart(body: string): boolean {
  return body.startsWith('----[ Xen-');
}

export const CPU_LINE = /^CPU:\s+(\d+)\s*$/;
// §1.4/§1.5 `PC:     %016lx %pS` / `PC:     %08x %pS` (symbol only in hypervisor mode)
export const PC_LINE = /^PC:\s+([0-9a-fA-F]+)(?:\s+(.*?))?\s*$/;
// `CPSR:   %016lx MODE:%s` (arm32 Xen and pre-4.x arm64 print 8 digits)
export const CPSR_LINE = /^CPSR:\s+([0-9a-fA-F]+)\s+MODE:(.*)$/;
// `USR: SP: %08x LR: %x`, `SVC: SP: .. LR: .. SPSR:%08x`, `FIQ: R8: .. R12:..`, `HYP: SP: .. LR: ..`
export const BANKED_LINE = /^(USR|SVC|ABT|UND|IRQ|FIQ|HYP|MON): (.*)$/;
// A line made only of `NAME: hex` pairs: `X0: ..  X1: ..`, `R10:0000 R11:..`, `IFAR: .., IFSR: ..`.
// Grammar: /^[A-Za-z][A-Za-z0-9_]*:\s*[0-9a-fA-F]+(?:,?\s+[A-Za-z][A-Za-z0-9_]*:\s*[0-9a-fA-F]+)*,?$/,
// read by hand below (it runs on most lines of a register dump).

/** Names and values of the last scanPairs() call (reused arrays: no allocation per line). */
export const pairNames: string[] = [];
export const pairValues: string[] = [];

/**
 * Read the `NAME: hex` pairs of a register line, t[start, end) trimmed, into pairNames/pairValues;
 * returns their count, or -1 when the line is not a pairs line (the arrays then hold garbage).
 */
export function scanPairs(t: string, start: number, n: number): number {
  let i = start;
  let count = 0;
  while (i < n) {
    // NAME: [A-Za-z][A-Za-z0-9_]*
    let c = t.charCodeAt(i);
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return -1;
    const n0 = i++;
    for (; i < n; i++) {
      c = t.charCodeAt(i);
      if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f)) break;
    }
    if (i >= n || c !== 0x3a /* : */) return -1;
    const n1 = i++;
    while (i < n && isSpace(t.charCodeAt(i))) i++;
    // hex value (maximal run)
    const v0 = i;
    for (; i < n; i++) {
      c = t.charCodeAt(i);
      if (!isHexDigit(c)) break;
    }
    if (i === v0) return -1;
    pairNames[count] = t.slice(n0, n1);
    pairValues[count] = t.slice(v0, i);
    count++;
    if (i === n) return count;
    c = t.charCodeAt(i);
    if (c === 0x2c /* , */) {
      if (++i === n) return count;
      c = t.charCodeAt(i);
    }
    if (!isSpace(c)) return -1;
    while (i < n && isSpace(t.charCodeAt(i))) i++;
  }
  return -1; // (only reached for an empty line)
}

// §1.7 stacks and the call trace
export const XEN_STACK = /^Xen stack trace from sp=([0-9a-fA-F]+):?\s*$/;
export const GUEST_STACK = /^Guest stack trace from sp=([0-9a-fA-F]+):?\s*$/;
export const CALL_TRACE = 'Xen call trace:';
const HEX_ONLY = /^(?:0x)?[0-9a-fA-F]+$/;

// A stack row: words of exactly 8 or 16 hex digits separated by whitespace (blank around it
// allowed). Xen prints `%p` words of one width one space apart (ROW16, ROW8): there the words are at
// fixed offsets and no split is needed.
const STACK_ROW = /^\s*(?:[0-9a-fA-F]{16}|[0-9a-fA-F]{8})(?:\s+(?:[0-9a-fA-F]{16}|[0-9a-fA-F]{8}))*\s*$/;
const ROW16 = /^\s*[0-9a-fA-F]{16}(?: [0-9a-fA-F]{16})*\s*$/;
const ROW8 = /^\s*[0-9a-fA-F]{8}(?: [0-9a-fA-F]{8})*\s*$/;
const BLANKS = /\s+/;

/**
 * A stack row (`000080002010fe90 00000000002766dc ...`) in `t`, whose words are t[start, n) (the
 * rest of `t` blank). When `t` is one, its words are appended to `into` (a new array when undefined;
 * up to `max` words in all) and that array is returned; otherwise undefined, and `into` is left alone.
 */
export function pushStackRow(t: string, start: number, n: number, into: string[] | undefined, max: number): string[] | undefined {
  if (n === start) return undefined;
  const len = n - start;
  const width = len % 17 === 16 && ROW16.test(t) ? 16 : len % 9 === 8 && ROW8.test(t) ? 8 : 0;
  if (width === 0 && !STACK_ROW.test(t)) return undefined;
  const out = into ?? [];
  if (width !== 0) {
    for (let w0 = start; w0 < n && out.length < max; w0 += width + 1) out.push(t.slice(w0, w0 + width));
  } else {
    const words = t.slice(start, n).split(BLANKS);
    for (let k = 0; k < words.length && out.length < max; k++) out.push(words[k]);
  }
  return out;
}

export interface TraceEntry {
  addr: string;
  /** `%pS` as printed (`domain.c#idle_loop+0x128/0x190`); absent when Xen printed the bare address. */
  symbol?: string;
  /** `(PC)` / `(LR)` markers of the first two entries. */
  kind?: 'PC' | 'LR';
}

/**
 * A call trace entry, `t` trimmed: `[<%p>] %pS` with `(PC)` / `(LR)` after the first two. Read by
 * hand, the same as /^\[<([0-9a-fA-F]+)>\]\s*(.*?)\s*$/ and then /\s*\((PC|LR)\)$/ on the rest
 * (the lazy group and the unanchored marker regex cost a microsecond a line).
 */
export function parseTraceEntry(t: string): TraceEntry | undefined {
  if (!t.startsWith('[<')) return undefined;
  const n = t.length;
  let i = 2;
  for (; i < n; i++) {
    const c = t.charCodeAt(i);
    if (!isHexDigit(c)) break;
  }
  if (i === 2 || !t.startsWith('>]', i)) return undefined;
  const e: TraceEntry = { addr: t.slice(2, i) };
  i += 2;
  while (i < n && isSpace(t.charCodeAt(i))) i++;
  // `(.*?)` stops at a line terminator: the regex fails when one is followed by more text.
  let end = n;
  while (end > i && isSpace(t.charCodeAt(end - 1))) end--;
  for (let j = i; j < end; j++) {
    const c = t.charCodeAt(j);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return undefined;
  }
  let rest = t.slice(i, end);
  if (rest.endsWith('(PC)') || rest.endsWith('(LR)')) {
    e.kind = rest.charCodeAt(rest.length - 3) === 0x50 /* P */ ? 'PC' : 'LR';
    let k = rest.length - 4;
    while (k > 0 && isSpace(rest.charCodeAt(k - 1))) k--;
    rest = rest.slice(0, k);
  }
  const sym = symbolOrUndefined(rest);
  if (sym !== undefined) e.symbol = sym;
  return e;
}

/** `%pS` falls back to the bare hex address for an unknown symbol: that is no symbol. */
export function symbolOrUndefined(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (!t || HEX_ONLY.test(t)) return undefined;
  return t;
}

// §1.7 show_guest_stack() one-line outcomes
export const GUEST_STACK_NOTES = new Set([
  'Failed to convert stack to physical address',
  'Stack is misaligned',
  'Stack empty.',
]);
export const NO_GUEST_STACK = new Set(['No stack trace, VCPU offline', 'No stack trace for guest user-mode']);

// Dump headers (§1.1): key `d` (xen/common/keyhandler.c: dump_execstate) and key `0`.
const HDR_CPU = /^\*\*\* Dumping CPU(\d+) (host|guest) state(?: \((.*?)\))?: \*\*\*\s*$/;
const HDR_VCPU = /^\*\*\* Dumping Dom(\d+) vcpu#(\d+) state: \*\*\*\s*$/;

export interface DumpHeader {
  trigger: 'key-d' | 'key-0';
  context: 'host' | 'guest';
  cpu?: number;
  domain?: number;
  vcpu?: number;
  /** `%pv` as printed when it is not `d<N>v<M>` (e.g. `d[IDLE]v0`). */
  pv?: string;
}

export function parseDumpHeader(body: string): DumpHeader | undefined {
  if (!body.startsWith('*** Dumping ')) return undefined;
  let m = HDR_CPU.exec(body);
  if (m) {
    const h: DumpHeader = { trigger: 'key-d', context: m[2] as 'host' | 'guest', cpu: Number(m[1]) };
    if (m[3] !== undefined) {
      const pv = /^d(\d+)v(\d+)$/.exec(m[3]);
      if (pv) { h.domain = Number(pv[1]); h.vcpu = Number(pv[2]); } else h.pv = m[3];
    }
    return h;
  }
  m = HDR_VCPU.exec(body);
  if (m) return { trigger: 'key-0', context: 'guest', domain: Number(m[1]), vcpu: Number(m[2]) };
  return undefined;
}
