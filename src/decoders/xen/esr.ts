// Decoding tables for the syndrome and status registers shown in Xen register dumps
// (xen-console-reference §1.3-§1.6, §2.3, §2.5): ESR_EL2 (arm64) / HSR (arm32 Xen, printed as
// `ESR_EL2:` since 4.x), the CPSR/SPSR value and the `MODE:%s` string. Values come from the Arm ARM
// (ESR_ELx / HSR, SPSR_ELx / CPSR); only fields Xen can see at EL2 are decoded.
import { hexHalves } from '../util.js';

/** Exception classes (ESR_ELx.EC / HSR.EC). AArch32 (HSR) naming differs for a few; see EC_NAMES_ARM32. */
const EC_NAMES: Record<number, string> = {
  0x00: 'Unknown reason',
  0x01: 'Trapped WFI/WFE',
  0x03: 'Trapped MCR/MRC access (coproc 0b1111, CP15)',
  0x04: 'Trapped MCRR/MRRC access (coproc 0b1111, CP15)',
  0x05: 'Trapped MCR/MRC access (coproc 0b1110, CP14)',
  0x06: 'Trapped LDC/STC access (CP14)',
  0x07: 'Access to SME, SVE, Advanced SIMD or floating-point',
  0x08: 'Trapped VMRS access (ID group, CP10)',
  0x09: 'Trapped pointer authentication instruction',
  0x0a: 'Trapped LD64B/ST64B instruction',
  0x0c: 'Trapped MRRC access (coproc 0b1110, CP14)',
  0x0d: 'Branch Target Exception',
  0x0e: 'Illegal Execution state',
  0x11: 'SVC instruction (AArch32)',
  0x12: 'HVC instruction (AArch32)',
  0x13: 'SMC instruction (AArch32)',
  0x15: 'SVC instruction (AArch64)',
  0x16: 'HVC instruction (AArch64)',
  0x17: 'SMC instruction (AArch64)',
  0x18: 'Trapped MSR/MRS or system instruction (AArch64)',
  0x19: 'SVE access trap',
  0x1a: 'Trapped ERET/ERETAA/ERETAB',
  0x1b: 'TSTART instruction (TME)',
  0x1c: 'Pointer authentication failure (FPAC)',
  0x1d: 'SME access trap',
  0x1e: 'Granule Protection Check',
  0x1f: 'IMPLEMENTATION DEFINED exception to EL3',
  0x20: 'Instruction Abort from a lower Exception level',
  0x21: 'Instruction Abort taken without a change in Exception level',
  0x22: 'PC alignment fault',
  0x24: 'Data Abort from a lower Exception level',
  0x25: 'Data Abort taken without a change in Exception level',
  0x26: 'SP alignment fault',
  0x27: 'Memory Operation exception (MOPS)',
  0x28: 'Trapped floating-point exception (AArch32)',
  0x2c: 'Trapped floating-point exception (AArch64)',
  0x2d: 'Guarded Control Stack exception',
  0x2f: 'SError interrupt',
  0x30: 'Breakpoint from a lower Exception level',
  0x31: 'Breakpoint taken without a change in Exception level',
  0x32: 'Software Step from a lower Exception level',
  0x33: 'Software Step taken without a change in Exception level',
  0x34: 'Watchpoint from a lower Exception level',
  0x35: 'Watchpoint taken without a change in Exception level',
  0x38: 'BKPT instruction (AArch32)',
  0x3a: 'Vector Catch (AArch32)',
  0x3c: 'BRK instruction (AArch64)',
  0x3d: 'Profiling exception',
};

/** HSR (ARMv7/ARMv8 AArch32 Hyp mode) names that differ from the AArch64 wording. */
const EC_NAMES_ARM32: Record<number, string> = {
  0x07: 'HCPTR-trapped access to CP0-CP13 (Advanced SIMD / floating-point)',
  0x08: 'Trapped MRC/VMRS access (CP10)',
  0x09: 'Trapped Jazelle instruction',
  0x0a: 'Trapped BXJ instruction',
  0x11: 'SVC instruction taken to Hyp mode',
  0x12: 'HVC instruction',
  0x13: 'SMC instruction',
  0x20: 'Prefetch Abort from a lower Exception level',
  0x21: 'Prefetch Abort taken to Hyp mode',
  0x24: 'Data Abort from a lower Exception level',
  0x25: 'Data Abort taken to Hyp mode',
};

export function ecName(ec: number, arm32 = false): string {
  return (arm32 ? EC_NAMES_ARM32[ec] : undefined) ?? EC_NAMES[ec] ?? `Reserved/unknown EC 0x${ec.toString(16)}`;
}

export interface FscInfo {
  code: number;
  name: string;
  /** Translation-table level for level-specific faults (-1..3). */
  level?: number;
}

/** A level-specific fault status. */
function fscAt(code: number, name: string, level: number): FscInfo {
  return { code, name: `${name}, level ${level}`, level };
}

/** DFSC/IFSC (long-descriptor format, also used by HSR in Hyp mode). */
export function decodeFsc(code: number): FscInfo {
  const lvl = code & 3;
  const hi = code & 0x3c;
  switch (hi) {
    case 0x00: return fscAt(code, 'Address size fault', lvl);
    case 0x04: return fscAt(code, 'Translation fault', lvl);
    case 0x08: return fscAt(code, 'Access flag fault', lvl);
    case 0x0c: return fscAt(code, 'Permission fault', lvl);
    case 0x14: return fscAt(code, 'Synchronous External abort on translation table walk', lvl);
    case 0x1c: return fscAt(code, 'Synchronous parity or ECC error on translation table walk', lvl);
    case 0x24: return fscAt(code, 'Granule Protection Fault on translation table walk', lvl);
    default: break;
  }
  switch (code) {
    case 0x10: return { code, name: 'Synchronous External abort, not on translation table walk' };
    case 0x11: return { code, name: 'Synchronous Tag Check Fault' };
    case 0x13: return fscAt(code, 'Synchronous External abort on translation table walk', -1);
    case 0x18: return { code, name: 'Synchronous parity or ECC error, not on translation table walk' };
    case 0x1b: return fscAt(code, 'Synchronous parity or ECC error on translation table walk', -1);
    case 0x21: return { code, name: 'Alignment fault' };
    case 0x22: return { code, name: 'Debug event' };
    case 0x23: return fscAt(code, 'Granule Protection Fault on translation table walk', -1);
    case 0x28: return { code, name: 'Granule Protection Fault, not on translation table walk' };
    case 0x29: return fscAt(code, 'Address size fault', -1);
    case 0x2b: return fscAt(code, 'Translation fault', -1);
    case 0x30: return { code, name: 'TLB conflict abort' };
    case 0x31: return { code, name: 'Unsupported atomic hardware update fault' };
    case 0x34: return { code, name: 'IMPLEMENTATION DEFINED fault (Lockdown)' };
    case 0x35: return { code, name: 'IMPLEMENTATION DEFINED fault (Unsupported Exclusive or Atomic access)' };
    case 0x3d: return { code, name: 'Section Domain fault' };
    case 0x3e: return { code, name: 'Page Domain fault' };
    default: return { code, name: `Unknown fault status 0x${code.toString(16)}` };
  }
}

export interface EsrInfo {
  /** The value as printed. */
  value: string;
  ec: number;
  ecHex: string;
  ecName: string;
  /** Instruction length bit: 1 = 32-bit instruction. */
  il: number;
  iss: number;
  issHex: string;
  /** ISS2 (ESR_EL2[36:32], arm64 only) when non-zero. */
  iss2?: number;
  [field: string]: unknown;
}

/** Decode an ESR_EL2 / HSR value. `arm32` selects HSR field layouts and names (arm32 Xen). */
export function decodeEsr(value: string, arm32 = false): EsrInfo | undefined {
  const h = hexHalves(value);
  if (h === undefined) return undefined;
  const [hi, lo] = h;
  const ec = (lo >>> 26) & 0x3f;
  const iss = lo & 0x1ffffff;
  const out: EsrInfo = {
    value,
    ec,
    ecHex: `0x${ec.toString(16).padStart(2, '0')}`,
    ecName: ecName(ec, arm32),
    il: (lo >>> 25) & 1,
    iss,
    issHex: `0x${iss.toString(16)}`,
  };
  if (!arm32 && hi !== 0) {
    const iss2 = hi & 0x1f; // ESR_EL2[36:32]
    if (iss2) out.iss2 = iss2;
  }
  Object.assign(out, decodeIss(ec, iss, arm32));
  return out;
}

/** Bits [hi:lo] of a 32-bit value (a plain function: no closure made per decode). */
function bits(v: number, hi: number, lo: number): number {
  return (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
}

/** EC-specific ISS fields. `iss` is ISS[24:0]; exported for `Syndrome=` values printed alone (§2.3). */
export function decodeIss(ec: number, iss: number, arm32 = false): Record<string, unknown> {
  switch (ec) {
    case 0x24: case 0x25: { // data abort
      const dfsc = bits(iss, 5, 0);
      const f = decodeFsc(dfsc);
      const o: Record<string, unknown> = {
        isv: bits(iss, 24, 24),
        dfsc,
        dfscHex: `0x${dfsc.toString(16).padStart(2, '0')}`,
        dfscName: f.name,
        wnr: bits(iss, 6, 6),
        access: bits(iss, 6, 6) ? 'write' : 'read',
        s1ptw: bits(iss, 7, 7),
        cm: bits(iss, 8, 8),
        ea: bits(iss, 9, 9),
        fnv: bits(iss, 10, 10),
      };
      if (f.level !== undefined) o.faultLevel = f.level;
      if (!arm32) o.vncr = bits(iss, 13, 13);
      if (bits(iss, 24, 24)) {
        const sas = bits(iss, 23, 22);
        o.sas = sas;
        o.accessSize = [1, 2, 4, 8][sas];
        o.sse = bits(iss, 21, 21);
        o.srt = arm32 ? bits(iss, 19, 16) : bits(iss, 20, 16);
        if (!arm32) {
          o.sf = bits(iss, 15, 15);
          o.ar = bits(iss, 14, 14);
        }
      }
      return o;
    }
    case 0x20: case 0x21: { // instruction abort
      const ifsc = bits(iss, 5, 0);
      const f = decodeFsc(ifsc);
      const o: Record<string, unknown> = {
        ifsc,
        ifscHex: `0x${ifsc.toString(16).padStart(2, '0')}`,
        ifscName: f.name,
        s1ptw: bits(iss, 7, 7),
        ea: bits(iss, 9, 9),
        fnv: bits(iss, 10, 10),
      };
      if (f.level !== undefined) o.faultLevel = f.level;
      return o;
    }
    case 0x2f: { // SError
      const dfsc = bits(iss, 5, 0);
      return { ids: bits(iss, 24, 24), iesb: bits(iss, 13, 13), aet: bits(iss, 12, 10), ea: bits(iss, 9, 9), dfsc, dfscName: dfsc === 0 ? 'Uncategorized' : dfsc === 0x11 ? 'Asynchronous SError interrupt' : decodeFsc(dfsc).name };
    }
    case 0x11: case 0x12: case 0x13: case 0x15: case 0x16: case 0x17:
      return { imm16: bits(iss, 15, 0), imm16Hex: `0x${bits(iss, 15, 0).toString(16)}` };
    case 0x3c: case 0x38:
      return { comment: bits(iss, 15, 0), commentHex: `0x${bits(iss, 15, 0).toString(16)}` };
    case 0x01:
      return { ti: bits(iss, 1, 0), instruction: ['WFI', 'WFE', 'WFIT', 'WFET'][bits(iss, 1, 0)], cv: bits(iss, 24, 24), cond: bits(iss, 23, 20) };
    case 0x18:
      return {
        op0: bits(iss, 21, 20), op2: bits(iss, 19, 17), op1: bits(iss, 16, 14), crn: bits(iss, 13, 10), rt: bits(iss, 9, 5), crm: bits(iss, 4, 1),
        direction: bits(iss, 0, 0) ? 'read' : 'write',
      };
    case 0x03: case 0x05:
      return {
        cv: bits(iss, 24, 24), cond: bits(iss, 23, 20), opc2: bits(iss, 19, 17), opc1: bits(iss, 16, 14), crn: bits(iss, 13, 10), rt: bits(iss, 8, 5), crm: bits(iss, 4, 1),
        direction: bits(iss, 0, 0) ? 'read' : 'write',
      };
    case 0x04: case 0x0c:
      return { cv: bits(iss, 24, 24), cond: bits(iss, 23, 20), opc1: bits(iss, 19, 16), rt2: bits(iss, 14, 10), rt: bits(iss, 9, 5), crm: bits(iss, 4, 1), direction: bits(iss, 0, 0) ? 'read' : 'write' };
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: {
      const fsc = bits(iss, 5, 0);
      const o: Record<string, unknown> = { ifsc: fsc };
      if (ec === 0x34 || ec === 0x35) { o.wnr = bits(iss, 6, 6); o.cm = bits(iss, 8, 8); }
      return o;
    }
    default:
      return {};
  }
}

// ---- CPSR / SPSR -------------------------------------------------------------------------------

const AARCH32_MODES: Record<number, string> = {
  0x10: 'USR', 0x11: 'FIQ', 0x12: 'IRQ', 0x13: 'SVC', 0x16: 'MON', 0x17: 'ABT', 0x1a: 'HYP', 0x1b: 'UND', 0x1f: 'SYS',
};
const AARCH64_MODES: Record<number, string> = {
  0x0: 'EL0t', 0x4: 'EL1t', 0x5: 'EL1h', 0x8: 'EL2t', 0x9: 'EL2h', 0xc: 'EL3t', 0xd: 'EL3h',
};

export interface CpsrInfo {
  value: string;
  n: number; z: number; c: number; v: number;
  /** Flags set, as letters: `NZCV` subset. */
  flags: string;
  /** M[4] (nRW): the state is AArch32. */
  aarch32: boolean;
  /** M[4:0]. */
  m: number;
  /** Mode from M[4:0]: EL2h, EL1h, SVC, HYP...; 'Unknown' when the encoding is not a valid mode. */
  modeBits: string;
  /** Exception masks as letters (DAIF on AArch64, AIF on AArch32). */
  masks: string;
  a: number; i: number; f: number;
  d?: number;
  il: number;
  ss: number;
  pan: number;
  [field: string]: unknown;
}

/**
 * Decode a CPSR/SPSR value. `arm32Xen`: the value comes from arm32 Xen, where it is always an
 * AArch32 CPSR (M[4] clear means an invalid mode, e.g. the `CPSR: 00000000 MODE:Unknown` of an
 * offline vCPU).
 */
export function decodeCpsr(value: string, arm32Xen = false): CpsrInfo | undefined {
  const h = hexHalves(value);
  if (h === undefined) return undefined;
  const v = h[1]; // bits [31:0]
  const m = bits(v, 4, 0);
  const aarch32 = arm32Xen || bits(v, 4, 4) === 1;
  const modeBits = aarch32 ? AARCH32_MODES[m] ?? 'Unknown' : AARCH64_MODES[m] ?? 'Unknown';
  const n = bits(v, 31, 31), z = bits(v, 30, 30), c = bits(v, 29, 29), vv = bits(v, 28, 28);
  const flags = (n ? 'N' : '') + (z ? 'Z' : '') + (c ? 'C' : '') + (vv ? 'V' : '');
  const a = bits(v, 8, 8), i = bits(v, 7, 7), f = bits(v, 6, 6);
  const out: CpsrInfo = {
    value, n, z, c, v: vv, flags, aarch32, m, modeBits,
    masks: '', a, i, f,
    il: bits(v, 20, 20), ss: bits(v, 21, 21), pan: bits(v, 22, 22),
  };
  if (aarch32) {
    out.masks = (a ? 'A' : '') + (i ? 'I' : '') + (f ? 'F' : '');
    out.q = bits(v, 27, 27);
    out.ge = bits(v, 19, 16);
    out.e = bits(v, 9, 9);
    out.t = bits(v, 5, 5);
    out.j = bits(v, 24, 24);
    out.it = (bits(v, 15, 10) << 2) | bits(v, 26, 25);
  } else {
    const d = bits(v, 9, 9);
    out.d = d;
    out.masks = (d ? 'D' : '') + (a ? 'A' : '') + (i ? 'I' : '') + (f ? 'F' : '');
    out.sp = bits(v, 0, 0) ? 'SPx' : 'SP0';
    out.el = bits(v, 3, 2);
    out.ssbs = bits(v, 12, 12);
    out.btype = bits(v, 11, 10);
    out.uao = bits(v, 23, 23);
    out.dit = bits(v, 24, 24);
    out.tco = bits(v, 25, 25);
  }
  return out;
}

/**
 * Short mode name from the printed `MODE:%s` string (§1.6): `64-bit EL2h (Hypervisor, handler)` →
 * `EL2h`, `32-bit Guest ABT` → `ABT`, `Hypervisor` → `HYP`, `32-bit Monitor` → `MON`,
 * anything else → `Unknown`.
 */
export function modeShortName(modeString: string): string {
  const s = modeString.trim();
  const el = /\bEL[0-3][th]\b/.exec(s);
  if (el) return el[0];
  const g = /\b(USR|FIQ|IRQ|SVC|ABT|UND|SYS)\b/.exec(s);
  if (g) return g[1];
  if (s === 'Hypervisor') return 'HYP';
  if (/Monitor/.test(s)) return 'MON';
  return 'Unknown';
}

/** Guest user modes: no guest stack is printed for them (§1.7). */
export function isUserMode(short: string): boolean {
  return short === 'USR' || short === 'SYS' || short === 'EL0t';
}

/** Hypervisor modes. */
export function isHypMode(short: string): boolean {
  return short === 'EL2h' || short === 'EL2t' || short === 'HYP';
}
