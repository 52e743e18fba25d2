// Register dumps of Linux reports (`__show_regs`), arm64 and arm32.
// arm64 (linux-console-reference §2.1 d): `pstate: %08llx (flags)`, `pc : %pS` / `lr : %pS` (raw
//   `%016llx` in user mode), `sp : %016llx`, optional `pmr: %08llx` (older `pmr_save:`), `x%-2d: %016llx`
//   rows (3 per row, 2 per row on ≤5.10); ≤4.15: `PC is at`, `LR is at`, `pc : [<..>] lr : [<..>] pstate: ..`.
// arm32 (§3.1 d): `PC is at %pS`, `LR is at %pS`, `pc : [<%08lx>]    lr : [<%08lx>]    psr: %08lx`,
//   `sp : ..  ip : ..  fp : ..`, `r10: ..  r9 : ..` rows, `Flags: nzcv  IRQs o.. FIQs o.. Mode .. ISA .. Segment ..`,
//   `Control: ..  Table: ..  DAC: ..`.
import { parseSymbol, type TraceEntry } from './trace.js';
import { code } from '../util.js';

export interface RegsState {
  regs: Record<string, string>;
  pcSymbol?: TraceEntry;
  lrSymbol?: TraceEntry;
  /** Text in parentheses after pstate (`nZCv daif -PAN -UAO ...`). */
  pstateFlags?: string;
  /** arm32 `Flags:` line fields. */
  flags?: { flags: string; irqs?: string; fiqs?: string; mode?: string; isa?: string; segment?: string };
  /** arm32 `Control:` line fields (Control, Table, DAC). */
  control?: Record<string, string>;
  pcIsAt?: string;
  lrIsAt?: string;
}

const PAIRS = /(?:^|\s)([a-z][a-z0-9_]{0,8}) ?: (?:\[<)?([0-9a-f]{8,16})(?:>\])?(?=\s|$|\()/g;
const HEX_ONLY = /^(?:0x)?[0-9a-f]+$/;
const REG_ROW_START = /^(?:x\d|r\d|sp :|pstate:|pmr|psr:|fp :|ip :)/;
const FLAGS_LINE = /^Flags: (\S+)\s+IRQs o(n|ff)\s+FIQs o(n|ff)(?:\s+Mode (\S+))?(?:\s+ISA (\S+))?(?:\s+Segment (\S+))?/;
const CONTROL_PAIRS = /(\w+): ([0-9a-f]{8})/g;

export function newRegs(): RegsState {
  return { regs: {} };
}

/** Every `name : value` pair of a register row; returns whether a register not seen before was added. */
function pairs(b: string, st: RegsState): boolean {
  const regs = st.regs;
  let added = false;
  PAIRS.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PAIRS.exec(b)) !== null) {
    // Values are never undefined: an undefined one is a register not seen before.
    if (regs[m[1]] === undefined) added = true;
    regs[m[1]] = m[2];
  }
  return added;
}

/**
 * Feed one line; returns true when it was part of a register dump (a register row counts only when it
 * adds a register not seen before, or is the `pstate:` row).
 */
export function regsLine(b: string, st: RegsState): boolean {
  const c = code(b, 0);
  if ((c === 0x70 /* p */ || c === 0x6c /* l */) && (b.startsWith('pc : ') || b.startsWith('lr : '))) {
    const v = b.slice(5).trim();
    if (v.startsWith('[<')) { pairs(b, st); return true; }
    const name = b.slice(0, 2);
    st.regs[name] = v;
    if (!HEX_ONLY.test(v)) {
      const sym = parseSymbol(v);
      if (sym) {
        if (name === 'pc') st.pcSymbol = sym; else st.lrSymbol = sym;
      }
    }
    return true;
  }
  if (REG_ROW_START.test(b)) {
    const added = pairs(b, st);
    if (b.startsWith('pstate:')) {
      const open = b.indexOf('(');
      const close = b.lastIndexOf(')');
      if (open > 0 && close > open) st.pstateFlags = b.slice(open + 1, close);
      return true;
    }
    return added;
  }
  if (c === 0x50 /* P */ && b.startsWith('PC is at ')) {
    st.pcIsAt = b.slice(9).trim();
    st.pcSymbol = parseSymbol(st.pcIsAt) ?? st.pcSymbol;
    return true;
  }
  if (c === 0x4c /* L */ && b.startsWith('LR is at ')) {
    st.lrIsAt = b.slice(9).trim();
    st.lrSymbol = parseSymbol(st.lrIsAt) ?? st.lrSymbol;
    return true;
  }
  if (c === 0x46 /* F */ && b.startsWith('Flags: ')) {
    const m = FLAGS_LINE.exec(b);
    if (m) {
      st.flags = { flags: m[1], irqs: 'o' + m[2], fiqs: 'o' + m[3] };
      if (m[4]) st.flags.mode = m[4];
      if (m[5]) st.flags.isa = m[5];
      if (m[6]) st.flags.segment = m[6];
    } else {
      st.flags = { flags: b.slice(7).trim() };
    }
    return true;
  }
  if (c === 0x43 /* C */ && b.startsWith('Control: ')) {
    const ctl: Record<string, string> = {};
    CONTROL_PAIRS.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = CONTROL_PAIRS.exec(b)) !== null) ctl[m[1]] = m[2];
    st.control = ctl;
    return true;
  }
  if (c === 0x78 /* x */ && b.startsWith('xPSR: ')) {
    pairs(b.replace('xPSR', 'xpsr'), st);
    return true;
  }
  return false;
}

/** 'arm64' | 'arm' from the register names and widths seen; undefined when no dump. */
export function archOf(st: RegsState): 'arm64' | 'arm' | undefined {
  const r = st.regs;
  if ('pstate' in r || 'x0' in r || 'x29' in r || 'x30' in r) return 'arm64';
  if ('psr' in r || 'r0' in r || 'r10' in r || st.flags || st.control) return 'arm';
  const pc = r.pc;
  if (pc && /^[0-9a-f]{16}$/.test(pc)) return 'arm64';
  if (pc && /^[0-9a-f]{8}$/.test(pc)) return 'arm';
  return undefined;
}

export function hasRegs(st: RegsState): boolean {
  for (const _ in st.regs) return true;
  return st.pcIsAt !== undefined;
}
