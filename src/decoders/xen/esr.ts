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

/** DFSC/IFSC (long-descriptor format, also used by HSR in Hyp mode). */
export function decodeFsc(code: number): FscInfo {
  const lvl = code & 3;
  const hi = code & 0x3c;
  const at = (name: string, level: number): FscInfo => ({ code, name: `${name}, level ${level}`, level });
  switch (hi) {
    case 0x00: return at('Address size fault', lvl);
    case 0x04: return at('Translation fault', lvl);
    case 0x08: return at('Access flag fault', lvl);
    case 0x0c: return at('Permission fault', lvl);
    case 0x14: return at('Synchronous External abort on translation table walk', lvl);
    case 0x1c: return at('Synchronous parity or ECC error on translation table walk', lvl);
    case 0x24: return at('Granule Protection Fault on translation table walk', lvl);
    default: break;
  }
  switch (code) {
    case 0x10: return { code, name: 'Synchronous External abort, not on translation table walk' };
    case 0x11: return { code, name: 'Synchronous Tag Check Fault' };
    case 0x13: return at('Synchronous External abort on translation table walk', -1);
    case 0x18: return { code, name: 'Synchronous parity or ECC error, not on translation table walk' };
    case 0x1b: return at('Synchronous parity or ECC error on translation table walk', -1);
    case 0x21: return { code, name: 'Alignment fault' };
    case 0x22: return { code, name: 'Debug event' };
    case 0x23: return at('Granule Protection Fault on translation table walk', -1);
    case 0x28: return { code, name: 'Granule Protection Fault, not on translation table walk' };
    case 0x29: return at('Address size fault', -1);
    case 0x2b: return at('Translation fault', -1);
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

/** EC-specific ISS fields. `iss` is ISS[24:0]; exported for `Syndrome=` values printed alone (§2.3). */
export function decodeIss(ec: number, iss: number, arm32 = false): Record<string, unknown> {
  const b = (hi: number, lo: number) => (iss >>> lo) & ((1 << (hi - lo + 1)) - 1);
  switch (ec) {
    case 0x24: case 0x25: { // data abort
      const dfsc = b(5, 0);
      const f = decodeFsc(dfsc);
      const o: Record<string, unknown> = {
        isv: b(24, 24),
        dfsc,
        dfscHex: `0x${dfsc.toString(16).padStart(2, '0')}`,
        dfscName: f.name,
        wnr: b(6, 6),
        access: b(6, 6) ? 'write' : 'read',
        s1ptw: b(7, 7),
        cm: b(8, 8),
        ea: b(9, 9),
        fnv: b(10, 10),
      };
      if (f.level !== undefined) o.faultLevel = f.level;
      if (!arm32) o.vncr = b(13, 13);
      if (b(24, 24)) {
        const sas = b(23, 22);
        o.sas = sas;
        o.accessSize = [1, 2, 4, 8][sas];
        o.sse = b(21, 21);
        o.srt = arm32 ? b(19, 16) : b(20, 16);
        if (!arm32) {
          o.sf = b(15, 15);
          o.ar = b(14, 14);
        }
      }
      return o;
    }
    case 0x20: case 0x21: { // instruction abort
      const ifsc = b(5, 0);
      const f = decodeFsc(ifsc);
      const o: Record<string, unknown> = {
        ifsc,
        ifscHex: `0x${ifsc.toString(16).padStart(2, '0')}`,
        ifscName: f.name,
        s1ptw: b(7, 7),
        ea: b(9, 9),
        fnv: b(10, 10),
      };
      if (f.level !== undefined) o.faultLevel = f.level;
      return o;
    }
    case 0x2f: { // SError
      const dfsc = b(5, 0);
      return { ids: b(24, 24), iesb: b(13, 13), aet: b(12, 10), ea: b(9, 9), dfsc, dfscName: dfsc === 0 ? 'Uncategorized' : dfsc === 0x11 ? 'Asynchronous SError interrupt' : decodeFsc(dfsc).name };
    }
    case 0x11: case 0x12: case 0x13: case 0x15: case 0x16: case 0x17:
      return { imm16: b(15, 0), imm16Hex: `0x${b(15, 0).toString(16)}` };
    case 0x3c: case 0x38:
      return { comment: b(15, 0), commentHex: `0x${b(15, 0).toString(16)}` };
    case 0x01:
      return { ti: b(1, 0), instruction: ['WFI', 'WFE', 'WFIT', 'WFET'][b(1, 0)], cv: b(24, 24), cond: b(23, 20) };
    case 0x18:
      return {
        op0: b(21, 20), op2: b(19, 17), op1: b(16, 14), crn: b(13, 10), rt: b(9, 5), crm: b(4, 1),
        direction: b(0, 0) ? 'read' : 'write',
      };
    case 0x03: case 0x05:
      return {
        cv: b(24, 24), cond: b(23, 20), opc2: b(19, 17), opc1: b(16, 14), crn: b(13, 10), rt: b(8, 5), crm: b(4, 1),
        direction: b(0, 0) ? 'read' : 'write',
      };
    case 0x04: case 0x0c:
      return { cv: b(24, 24), cond: b(23, 20), opc1: b(19, 16), rt2: b(14, 10), rt: b(9, 5), crm: b(4, 1), direction: b(0, 0) ? 'read' : 'write' };
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: {
      const fsc = b(5, 0);
      const o: Record<string, unknown> = { ifsc: fsc };
      if (ec === 0x34 || ec === 0x35) { o.wnr = b(6, 6); o.cm = b(8, 8); }
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
  const b = (hi: number, lo: number) => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
  const m = b(4, 0);
  const aarch32 = arm32Xen || b(4, 4) === 1;
  const modeBits = aarch32 ? AARCH32_MODES[m] ?? 'Unknown' : AARCH64_MODES[m] ?? 'Unknown';
  const n = b(31, 31), z = b(30, 30), c = b(29, 29), vv = b(28, 28);
  const flags = (n ? 'N' : '') + (z ? 'Z' : '') + (c ? 'C' : '') + (vv ? 'V' : '');
  const a = b(8, 8), i = b(7, 7), f = b(6, 6);
  const out: CpsrInfo = {
    value, n, z, c, v: vv, flags, aarch32, m, modeBits,
    masks: '', a, i, f,
    il: b(20, 20), ss: b(21, 21), pan: b(22, 22),
  };
  if (aarch32) {
    out.masks = (a ? 'A' : '') + (i ? 'I' : '') + (f ? 'F' : '');
    out.q = b(27, 27);
    out.ge = b(19, 16);
    out.e = b(9, 9);
    out.t = b(5, 5);
    out.j = b(24, 24);
    out.it = (b(15, 10) << 2) | b(26, 25);
  } else {
    const d = b(9, 9);
    out.d = d;
    out.masks = (d ? 'D' : '') + (a ? 'A' : '') + (i ? 'I' : '') + (f ? 'F' : '');
    out.sp = b(0, 0) ? 'SPx' : 'SP0';
    out.el = b(3, 2);
    out.ssbs = b(12, 12);
    out.btype = b(11, 10);
    out.uao = b(23, 23);
    out.dit = b(24, 24);
    out.tco = b(25, 25);
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
