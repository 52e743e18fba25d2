// How each debug key's response starts and where it ends (xen-console-reference §4.1-4.4).
// Keys with a `'x' pressed -> ...` header are found by the header; the keys that print none (`a`,
// `m`, `r`, `t`, `g`, `o`, `T`, `p`/`P`, `l`/`L`, `Q`) by their first output line. Bodies with a
// known line vocabulary end at the first line outside it; the others stay open until the next
// key, a focus change, a non-Xen flood, a time gap or flush.
import type { TaggedLine } from '../types.js';
import { code, isWordChar } from '../util.js';

/** `h` descriptions (reference §4.2), used for keys recognised without a header. */
export const KEY_DESCRIPTIONS: Record<string, string> = {
  '%': 'trap to xendbg', '*': 'print all diagnostics', '+': 'increase log level threshold',
  '-': 'decrease log level threshold', '0': 'dump Dom0 registers', '?': 'show system information',
  A: 'toggle alternative key handling', G: 'toggle host/guest log level adjustment', H: 'dump heap info',
  L: 'reset lock profile info', P: 'reset performance counters', Q: 'dump PCI devices', R: 'reboot machine',
  T: 'toggle debugtrace to console/buffer', a: 'dump timer queues', d: 'dump registers', e: 'dump evtchn info',
  g: 'print grant table usage', h: 'show this message', l: 'print lock profile info', m: 'memory info',
  o: 'dump iommu page tables', p: 'print performance counters', q: 'dump domain (and guest debug) info',
  r: 'dump run queues', t: 'display multi-cpu clock info',
  w: 'synchronously dump console ring buffer (dmesg)', x: 'print livepatch info',
};

/** Keys whose whole response is the header line. */
export const SINGLE_LINE_KEYS = new Set(['+', '-', 'G', 'A', 'R', '%', 'P', 'L', 'T']);

/** Keys whose response begins with print_version(), the `Xen version` line included: `h` (4.21, 4.22), `?` (master). */
export const PRINTS_VERSION = new Set(['h', '?']);

/** A response is over when Xen has been silent this long (ms of host time) — key output comes in one burst. */
export const GAP_MS = 3000;
export interface KeyStart {
  key: string;
  /** `header`: `'x' pressed -> ...`; `star`: `[x: desc]` under `*`; `first`: a headerless key's first line. */
  how: 'header' | 'star' | 'first';
  /** Text after `->` (or after `-` for `x`), or the `[x: desc]` description. */
  text?: string;
}

const BLANK = /^\s*$/;
const RE_PRESSED = /^'(.)' pressed -?> ?(.*)$/;
const RE_STAR_SUB = /^\[(.): (.*)\]\s*$/;
const RE_GNTTAB = /^gnttab_usage_print_all \[ key '(.)' pressed/;
const RE_SHARING = /^d\d+ sharing page tables\s*$/;
const RE_CPU_N = /^CPU\d+:/;
const RE_NODE_HAS = /^Node \d+ has /;
const RE_CPUPOOL = /^Cpupool \d+:/;

/**
 * The first lines of the keys that print no header (and of `e`'s domain sections, which a capture
 * may begin with), by their literal start. `repeats`: the line comes again inside the same
 * response (one per domain), so it does not start a new one while that key is open.
 */
const FIRST_LINES: ReadonlyArray<{ start: string; key: string; repeats?: boolean }> = [
  { start: 'sched_smt_power_savings:', key: 'r' },
  { start: 'Dumping timer queues:', key: 'a' },
  { start: 'Physical memory information:', key: 'm' },
  { start: 'Synced stime skew:', key: 't' },
  { start: 'debugtrace_printk now writing to', key: 'T' },
  { start: 'Xen performance counters SHOW', key: 'p' },
  { start: 'Xen performance counters RESET', key: 'P' },
  { start: 'Xen lock profile info SHOW', key: 'l' },
  { start: 'Xen lock profile info RESET', key: 'L' },
  { start: '==== PCI devices ====', key: 'Q' },
  { start: 'Event channel information for domain ', key: 'e', repeats: true },
];
/** FIRST_LINES by the character code of their first character. */
const FIRST_BY_CHAR: Array<typeof FIRST_LINES[number][] | undefined> = [];
for (const f of FIRST_LINES) (FIRST_BY_CHAR[f.start.charCodeAt(0)] ??= []).push(f);

/** Every character a line that detectKeyStart accepts can begin with (the family's gate). */
export const KEY_START_CHARS = "'[gd" + FIRST_LINES.map((f) => f.start[0]).join('');

/**
 * Does this Xen line start a key response? The first character picks the shapes to try, then
 * `startsWith` on their literal start: most lines are rejected without running a regex.
 */
export function detectKeyStart(body: string, openKey: string | undefined): KeyStart | undefined {
  const c = code(body, 0);
  switch (c) {
    case 0x27: { // '
      const m = RE_PRESSED.exec(body);
      if (m) return { key: m[1], how: 'header', text: m[2].trim() };
      return undefined;
    }
    case 0x5b: { // [
      if (code(body, 2) !== 0x3a /* : */) return undefined;
      const m = RE_STAR_SUB.exec(body);
      return m ? { key: m[1], how: 'star', text: m[2] } : undefined;
    }
    case 0x67: { // g
      if (!body.startsWith('gnttab_usage_print_all [')) return undefined;
      const m = RE_GNTTAB.exec(body);
      return { key: m ? m[1] : 'g', how: 'first' };
    }
    case 0x64: // d
      if (openKey !== 'o' && RE_SHARING.test(body)) return { key: 'o', how: 'first' };
      break;
    default:
  }
  const shapes = c >= 0 ? FIRST_BY_CHAR[c] : undefined;
  if (shapes === undefined) return undefined;
  for (const f of shapes) {
    if (!body.startsWith(f.start)) continue;
    return f.repeats && openKey === f.key ? undefined : { key: f.key, how: 'first' };
  }
  return undefined;
}

export const enum Verdict { Continue, EndAfter, EndBefore }

/** Per-block state a shape may keep. */
export interface ShapeState {
  rows: number;
  cpusInfo: boolean;
  /** The block may end here without being cut short (used at flush). */
  done: boolean;
  /** Keys `d`/`0`: the last line taken; `done` is worked out from it when the block closes (settleDone). */
  lastDumpLine?: string;
}

/** Work out a deferred `done` (keys `d`/`0`): call before reading `done`. */
export function settleDone(st: ShapeState): void {
  const b = st.lastDumpLine;
  if (b === undefined) return;
  st.lastDumpLine = undefined;
  // A CPU/vCPU dump ends with a blank line after the call trace, or a stack-trace failure line.
  st.done = BLANK.test(b) || b.startsWith('No stack trace') || b.includes('Failed to convert stack');
}

// Register-dump vocabulary for `d` and `0` (reference §1): blank, indented, `*** Dumping ...`,
// `----[ Xen-...`, `NAME: value` rows, stack/call-trace headings.
function isRegDumpLine(b: string): boolean {
  if (b.length === 0) return true;
  const c = code(b, 0);
  switch (c) {
    case 0x20: case 0x09: return true;
    case 0x2a: return b.startsWith('*** Dumping ');
    case 0x2d: return b.startsWith('----[');
    case 0x58: if (b.startsWith('Xen stack trace') || b.startsWith('Xen call trace')) return true; break; // X
    case 0x47: if (b.startsWith('Guest stack trace')) return true; break; // G
    case 0x4e: if (b.startsWith('No stack trace')) return true; break; // N
    case 0x46: if (b.startsWith('Failed to convert')) return true; break; // F
    default:
  }
  return isRegisterRow(b, c);
}

/** `/^[A-Z][A-Za-z0-9_]{0,15}:/` (a register row such as `SP_EL1: ...`), scanned by hand. */
function isRegisterRow(b: string, c: number): boolean {
  if (c < 0x41 || c > 0x5a) return false;
  let j = 1;
  while (j < 16 && isWordChar(code(b, j))) j++;
  return code(b, j) === 0x3a /* : */;
}

/** Decide whether `line` (a Xen line) belongs to the open response of `key`. */
export function shapeVerdict(key: string, st: ShapeState, line: TaggedLine): Verdict {
  const b = line.body;
  // On the key's character code: a jump table rather than a chain of string compares (this runs
  // for every line of an open response).
  switch (code(key, 0)) {
    case 0x68: // h
      if (b.startsWith(' key \'')) { st.rows++; st.done = true; return Verdict.Continue; }
      // 4.21/4.22 print the version right after the header (reference §4.3).
      if (st.rows === 0 && (b.startsWith('Xen version ') || b.startsWith('Latest ChangeSet:') || b.startsWith('build-id:'))) return Verdict.Continue;
      return Verdict.EndBefore;
    case 0x74: // t
      if (b.startsWith('Synced cycles skew')) { st.done = true; return Verdict.EndAfter; }
      return b.startsWith('Synced ') ? Verdict.Continue : Verdict.EndBefore;
    case 0x6d: // m
      if (!b.startsWith('    ')) return Verdict.EndBefore;
      st.done = true;
      return b.startsWith('    Dom heap:') ? Verdict.EndAfter : Verdict.Continue;
    case 0x61: // a
      if (RE_CPU_N.test(b) || b.startsWith('  ')) { st.done = true; return Verdict.Continue; }
      return Verdict.EndBefore;
    case 0x48: // H
      if (b.startsWith('heap[node=') || RE_NODE_HAS.test(b)) { st.done = true; return Verdict.Continue; }
      return Verdict.EndBefore;
    case 0x65: // e
      if (b.startsWith('Event channel information for domain') || b.startsWith('Polling vCPUs') || code(b, 0) === 0x20) {
        st.done = true;
        return Verdict.Continue;
      }
      return Verdict.EndBefore;
    case 0x67: // g
      if (b.startsWith('gnttab_usage_print_all ] done')) { st.done = true; return Verdict.EndAfter; }
      return Verdict.Continue;
    case 0x72: { // r
      if (b.startsWith('CPUs info:')) { st.cpusInfo = true; st.done = true; return Verdict.Continue; }
      if (!st.cpusInfo) return Verdict.Continue;
      const c = code(b, 0);
      if (c === 0x20 || c === 0x09 || b.startsWith('CPU[')) return Verdict.Continue;
      if (RE_CPUPOOL.test(b)) { st.cpusInfo = false; st.done = false; return Verdict.Continue; }
      return Verdict.EndBefore;
    }
    case 0x64: // d
    case 0x30: // 0
      if (!isRegDumpLine(b)) return Verdict.EndBefore;
      // Whether the dump may end here depends on the last line only: worked out at close (settleDone).
      st.lastDumpLine = b;
      return Verdict.Continue;
    case 0x6f: // o
      return RE_SHARING.test(b) || code(b, 0) === 0x20 ? Verdict.Continue : Verdict.EndBefore;
    default:
      return Verdict.Continue;
  }
}
