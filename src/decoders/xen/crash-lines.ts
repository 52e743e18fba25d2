// One-line formats of Xen ARM crashes and traps (xen-console-reference §2): what starts a crash
// block, and the guest-induced trap messages. `classify()` is called on every Xen line, so it
// switches on the first character and only then runs an anchored regex.
import { isBannerStart, parseDumpHeader, type DumpHeader } from './regs-lines.js';
import { SOURCE_FILE, code, mayStartSourcePath } from '../util.js';

export const PANIC_STARS = '****************************************'; // exactly 40 (§2.1)

export type Start =
  | { t: 'dump-header'; h: DumpHeader }
  | { t: 'banner' }
  | { t: 'bug' | 'warn'; file: string; line?: number }
  | { t: 'assert'; condition: string; file: string; line?: number }
  | { t: 'trap'; cpu: number; trap: string }
  | { t: 'abort'; fault: 'Data Abort' | 'Instruction Abort'; syndrome: string }
  | { t: 'hyp-trap'; hsr: string; ec: string; il: string; syndrome: string }
  | { t: 'bad-mode'; handler: string }
  | { t: 'domain-crash'; domain: number; vcpu: number; cpu: number }
  | { t: 'domain-crash-reported'; domain: number; by: number; cpu: number }
  | { t: 'domain-crash-called'; file: string; line: number }
  | { t: 'hwdom'; domain: number; reason: string; action: string; code?: number }
  | { t: 'panic-stars' }
  | { t: 'panic-cpu'; cpu: number }
  | { t: 'boot' };

// §2.4 do_bug_frame(): `Xen BUG at %s%s:%d`, `Xen WARN at %s%s:%d`, `Assertion '%s' failed at %s%s:%d`
const BUG = /^Xen (BUG|WARN) at (.*?)(?::(\d+))?\s*$/;
const ASSERT = /^Assertion '(.*)' failed at (.*?)(?::(\d+))?\s*$/;
// §2.2 do_unexpected_trap()
const UNEXPECTED = /^CPU(\d+): Unexpected Trap: (.+?)\s*$/;
// §2.3 do_trap_hyp_sync()
const ABORT = /^(Data Abort|Instruction Abort) Trap\. Syndrome=(0x[0-9a-fA-F]+|0)\s*$/;
const HYP_TRAP = /^Hypervisor Trap\. HSR=(0x[0-9a-fA-F]+|0) EC=(0x[0-9a-fA-F]+) IL=([0-9a-fA-F]+) Syndrome=(0x[0-9a-fA-F]+)\s*$/;
// §2.5 do_bad_mode()
const BAD_MODE = /^Bad mode in (.+?) handler detected\s*$/;
// §2.9 __domain_crash() / domain_crash() / hwdom_shutdown()
const DOM_CRASH = /^Domain (\d+) \(vcpu#(\d+)\) crashed on cpu#(\d+):\s*$/;
const DOM_CRASH_REPORTED = /^Domain (\d+) reported crashed by domain (\d+) on cpu#(\d+):\s*$/;
const DOM_CRASH_CALLED = /^domain_crash called from (.+):(\d+)\s*$/;
const HWDOM = /^Hardware Dom(\d+) (halted|crashed|shutdown)(?: \(unknown reason (\d+)\))?: ?(.*?)\s*$/;
const HWDOM_SOFT_RESET = /^Hardware domain (\d+) did unsupported soft reset, rebooting\.\s*$/;
const PANIC_CPU = /^Panic on CPU (\d+):\s*$/;

/** The literal starts of the crash lines classify() recognises, but for `Xen version ` (a new boot). */
const CRASH_STARTS = String.raw`\*\*\* Dumping |\*{40}|----\[ Xen-|Xen (?:BUG at|WARN at)|Assertion '|CPU|Data Abort Trap|Domain |Instruction Abort Trap|Hypervisor Trap\.|Hardware [Dd]om|Bad mode in |Panic on CPU |domain_crash called from `;

/**
 * Whether a Xen line can matter while nothing is open or pending: it may start a crash block
 * (classify(), except `Xen version` which then has nothing to close), be a guest trap (gprintk
 * `d0v0 `, gdprintk `arch/arm/...c:NN:` (any path: util.ts mayStartSourcePath) with the `.c:` in the first 80 characters, multicall) or an
 * orphan dump line (`CPU:`, `Xen call trace:`, `Xen stack trace from sp=`). One regex rejects most
 * Xen lines before any allocation; it may say yes to a line that then matches nothing.
 */
const MAY_MATTER = new RegExp(String.raw`^(?:${CRASH_STARTS}|Xen (?:call trace:|stack trace from sp=)|d|[a-z./_][\s\S]{0,78}?\.c:)`);

export function mayMatter(body: string): boolean {
  return MAY_MATTER.test(body);
}

/**
 * Recognise a line that starts (or belongs to the start of) a crash block. Runs on every Xen line
 * that reaches the family: a switch on the first character, then startsWith, and only then an
 * anchored regex.
 */
export function classify(body: string): Start | undefined {
  switch (code(body, 0)) {
    case 0x2a: // *
      if (body.startsWith('*** Dumping ')) {
        const h = parseDumpHeader(body);
        return h ? { t: 'dump-header', h } : undefined;
      }
      if (body.startsWith(PANIC_STARS) && body.trimEnd() === PANIC_STARS) return { t: 'panic-stars' };
      return undefined;
    case 0x2d: // -
      return isBannerStart(body) ? { t: 'banner' } : undefined;
    case 0x58: { // X
      if (body.startsWith('Xen BUG at') || body.startsWith('Xen WARN at')) {
        const m = BUG.exec(body);
        if (!m) return undefined;
        const s: Start = { t: m[1] === 'BUG' ? 'bug' : 'warn', file: m[2].trim() };
        if (m[3] !== undefined) s.line = Number(m[3]);
        return s;
      }
      if (body.startsWith('Xen version ')) return { t: 'boot' };
      return undefined;
    }
    case 0x41: { // A
      if (!body.startsWith("Assertion '")) return undefined;
      const m = ASSERT.exec(body);
      if (!m) return undefined;
      const s: Start = { t: 'assert', condition: m[1], file: m[2].trim() };
      if (m[3] !== undefined) s.line = Number(m[3]);
      return s;
    }
    case 0x43: { // C
      if (!body.startsWith('CPU')) return undefined;
      const m = UNEXPECTED.exec(body);
      return m ? { t: 'trap', cpu: Number(m[1]), trap: m[2] } : undefined;
    }
    case 0x44: { // D
      if (body.startsWith('Data Abort Trap')) {
        const m = ABORT.exec(body);
        return m ? { t: 'abort', fault: 'Data Abort', syndrome: m[2] } : undefined;
      }
      if (body.startsWith('Domain ')) {
        let m = DOM_CRASH.exec(body);
        if (m) return { t: 'domain-crash', domain: Number(m[1]), vcpu: Number(m[2]), cpu: Number(m[3]) };
        m = DOM_CRASH_REPORTED.exec(body);
        if (m) return { t: 'domain-crash-reported', domain: Number(m[1]), by: Number(m[2]), cpu: Number(m[3]) };
      }
      return undefined;
    }
    case 0x49: { // I
      if (!body.startsWith('Instruction Abort Trap')) return undefined;
      const m = ABORT.exec(body);
      return m ? { t: 'abort', fault: 'Instruction Abort', syndrome: m[2] } : undefined;
    }
    case 0x48: { // H
      if (body.startsWith('Hypervisor Trap.')) {
        const m = HYP_TRAP.exec(body);
        return m ? { t: 'hyp-trap', hsr: m[1], ec: m[2], il: m[3], syndrome: m[4] } : undefined;
      }
      if (body.startsWith('Hardware Dom') || body.startsWith('Hardware dom')) {
        const m = HWDOM.exec(body);
        if (m) {
          const reason = m[2] === 'halted' ? 'halt' : m[2] === 'crashed' ? 'crash'
            : m[3] !== undefined ? 'unknown' : /watchdog/.test(m[4]) ? 'watchdog' : 'reboot';
          const s: Start = { t: 'hwdom', domain: Number(m[1]), reason, action: m[4] };
          if (m[3] !== undefined) s.code = Number(m[3]);
          return s;
        }
        const r = HWDOM_SOFT_RESET.exec(body);
        if (r) return { t: 'hwdom', domain: Number(r[1]), reason: 'soft-reset', action: 'rebooting' };
      }
      return undefined;
    }
    case 0x42: { // B
      if (!body.startsWith('Bad mode in ')) return undefined;
      const m = BAD_MODE.exec(body);
      return m ? { t: 'bad-mode', handler: m[1] } : undefined;
    }
    case 0x50: { // P
      if (!body.startsWith('Panic on CPU ')) return undefined;
      const m = PANIC_CPU.exec(body);
      return m ? { t: 'panic-cpu', cpu: Number(m[1]) } : undefined;
    }
    case 0x64: { // d
      if (!body.startsWith('domain_crash called from ')) return undefined;
      const m = DOM_CRASH_CALLED.exec(body);
      return m ? { t: 'domain-crash-called', file: m[1], line: Number(m[2]) } : undefined;
    }
    default:
      return undefined;
  }
}

// ---- lines that continue a pending crash line ---------------------------------------------------

// §1.9 dump_hyp_walk() / dump_pt_walk(): `Walking Hypervisor VA 0x%lx on CPU%d via TTBR 0x%016lx`,
// `%s[0x%03x] = 0x%lx` (older releases print `0TH[0x0]`, newer 0x%03x).
const WALK_HEAD = /^Walking Hypervisor VA (0x[0-9a-fA-F]+|0) on CPU(\d+) via TTBR (0x[0-9a-fA-F]+)\s*$/;
const WALK_ROW = /^(0TH|1ST|2ND|3RD)\[(0x[0-9a-fA-F]+)\] = (0x[0-9a-fA-F]+)\s*$/;
const LEVELS: Record<string, number> = { '0TH': 0, '1ST': 1, '2ND': 2, '3RD': 3 };

export type WalkLine =
  | { t: 'head'; va: string; cpu: number; ttbr: string }
  | { t: 'row'; level: number; index: string; entry: string }
  | { t: 'note'; text: string };

export function parseWalkLine(body: string): WalkLine | undefined {
  const c = code(body, 0);
  if (c >= 0x30 && c <= 0x33) {
    const m = WALK_ROW.exec(body);
    return m ? { t: 'row', level: LEVELS[m[1]], index: m[2], entry: m[3] } : undefined;
  }
  if (body.startsWith('Walking Hypervisor VA')) {
    const m = WALK_HEAD.exec(body);
    return m ? { t: 'head', va: m[1], cpu: Number(m[2]), ttbr: m[3] } : undefined;
  }
  const t = body.trim();
  if (t === 'Invalid FAR, not walking the hypervisor tables' || t === 'Invalid root table offset' || /^Using concatenated root table \d+$/.test(t)) {
    return { t: 'note', text: t };
  }
  return undefined;
}

// §2.5 `ESR=%#lx:  EC=%x, IL=%x, ISS=%x`
const BAD_MODE_ESR = /^ESR=(0x[0-9a-fA-F]+|0):\s+EC=([0-9a-fA-F]+), IL=([0-9a-fA-F]+), ISS=([0-9a-fA-F]+)\s*$/;
export function parseBadModeEsr(body: string): { esr: string; ec: number; il: number; iss: number } | undefined {
  if (!body.startsWith('ESR=')) return undefined;
  const m = BAD_MODE_ESR.exec(body);
  return m ? { esr: m[1], ec: parseInt(m[2], 16), il: parseInt(m[3], 16), iss: parseInt(m[4], 16) } : undefined;
}

// ---- §2.7 guest-induced trap messages (gprintk `%pv `, gdprintk `%s:%d:%pv `) ----------------------

export interface GuestTrap {
  type: string;
  message: string;
  domain: number;
  vcpu: number;
  /** gdprintk source location. */
  source?: { file: string; line: number };
  [k: string]: unknown;
}

const GPRINTK = /^d(\d+)v(\d+):? (.*)$/;
const GDPRINTK = new RegExp(String.raw`^(${SOURCE_FILE}):(\d+):d(\d+)v(\d+):? (.*)$`);
const STAGE2 = /^HSR=(0x[0-9a-fA-F]+|0) pc=(0x[0-9a-fA-F]+|0) gva=(0x[0-9a-fA-F]+|0) gpa=(0x[0-9a-fA-F]+|0)\s*$/;
const UNSUPPORTED_FSC = /^Unsupported FSC: HSR=(0x[0-9a-fA-F]+|0) DFSC=(0x[0-9a-fA-F]+|0)\s*$/;
const UNKNOWN_GUEST_TRAP = /^Unknown Guest Trap\. HSR=(0x[0-9a-fA-F]+|0) EC=(0x[0-9a-fA-F]+) IL=([0-9a-fA-F]+) Syndrome=(0x[0-9a-fA-F]+)\s*$/;
const INVALID_HVC = /^Invalid HVC imm (0x[0-9a-fA-F]+|0)\s*$/;
const UNHANDLED_SMC = /^Unhandled SMC\/HVC: (0x[0-9a-fA-F]+|0)\s*$/;
const UNHANDLED_ACCESS = /^unhandled (64-bit sysreg|32-bit CP15|64-bit CP15|32-bit CP14|64-bit CP14|CP14 DBG|32-bit CP10|CP10) access (0x[0-9a-fA-F]+|0)\s*$/;
const UNHANDLED_CP = /^unhandled CP(\d+) access\s*$/;
const ACCESS_DESC = /^(mrs|msr|mrc|mcr|mrrc|mcrr|ldc|stc|vmrs) (.*)$/;
const DEPRECATED = /^(?:d\d+v\d+: )?deprecated hypercall (\d+)\s*$/;
const MULTICALL = /^d(\d+)v(\d+): multicall argument (\d+) is not 32-bit clean ([0-9a-fA-F]+)\s*$/;

export interface GuestPrefixed {
  domain: number;
  vcpu: number;
  rest: string;
  source?: { file: string; line: number };
}

/** The access-description line printed before `unhandled ... access` (vsysreg.c, vcpreg.c). */
export function isAccessDesc(p: GuestPrefixed): boolean {
  return ACCESS_DESC.test(p.rest);
}

/** Split a gprintk (`d0v0 `) or gdprintk (`arch/arm/traps.c:1983:d0v0 `) prefix. */
export function splitGuestPrefix(body: string): GuestPrefixed | undefined {
  const c = code(body, 0);
  // Cheap gate: gprintk lines start with `d<N>v<M>`, gdprintk lines with a path to a .c file.
  if (!mayStartSourcePath(c)) return undefined;
  if (c === 0x64 /* d */) {
    const m = GPRINTK.exec(body);
    if (m) return { domain: Number(m[1]), vcpu: Number(m[2]), rest: m[3] };
  }
  const at = body.indexOf('.c:');
  if (at > 0 && at < 80) {
    const m = GDPRINTK.exec(body);
    if (m) return { domain: Number(m[3]), vcpu: Number(m[4]), rest: m[5], source: { file: m[1], line: Number(m[2]) } };
  }
  return undefined;
}

/** The fields every guest trap has (later fields are added after these, in this key order). */
function guestBase(type: string, message: string, p: GuestPrefixed): GuestTrap {
  const g: GuestTrap = { type, message, domain: p.domain, vcpu: p.vcpu };
  if (p.source) g.source = p.source;
  return g;
}

/** A §2.7 guest-induced trap line, or undefined. `p`: the line's guest prefix, if it has one. */
export function parseGuestTrap(body: string, p: GuestPrefixed | undefined): GuestTrap | undefined {
  if (!p) {
    const mc = code(body, 0) === 0x64 ? MULTICALL.exec(body) : null;
    if (mc) return { type: 'multicall-not-32bit-clean', message: body.trim(), domain: Number(mc[1]), vcpu: Number(mc[2]), argument: Number(mc[3]), value: mc[4] };
    return undefined;
  }
  const r = p.rest.trim();
  let m: RegExpExecArray | null;
  let g: GuestTrap;
  // Each message has its own first letter: only its regexes run.
  switch (code(r, 0)) {
    case 0x48: // H
      if ((m = STAGE2.exec(r))) {
        g = guestBase('stage2-abort', r, p);
        g.hsr = m[1]; g.guestPc = m[2]; g.gva = m[3]; g.gpa = m[4];
        return g;
      }
      break;
    case 0x55: // U
      if ((m = UNSUPPORTED_FSC.exec(r))) {
        g = guestBase('unsupported-fsc', r, p);
        g.hsr = m[1]; g.dfsc = m[2];
        return g;
      }
      if ((m = UNKNOWN_GUEST_TRAP.exec(r))) {
        g = guestBase('unknown-guest-trap', r, p);
        g.hsr = m[1]; g.ec = parseInt(m[2], 16); g.il = parseInt(m[3], 16); g.syndrome = m[4];
        return g;
      }
      if ((m = UNHANDLED_SMC.exec(r))) {
        g = guestBase('unhandled-smc-hvc', r, p);
        g.funcId = m[1];
        return g;
      }
      break;
    case 0x49: // I
      if ((m = INVALID_HVC.exec(r))) {
        g = guestBase('invalid-hvc-imm', r, p);
        g.imm = m[1];
        return g;
      }
      break;
    case 0x44: // D
      if (r === 'Domain tried to use SVE while not allowed') return guestBase('sve-not-allowed', r, p);
      break;
    case 0x75: // u
      if ((m = UNHANDLED_ACCESS.exec(r))) {
        g = guestBase(m[1] === '64-bit sysreg' ? 'unhandled-sysreg' : 'unhandled-cp', r, p);
        g.access = m[1]; g.hsr = m[2];
        return g;
      }
      if ((m = UNHANDLED_CP.exec(r))) {
        g = guestBase('unhandled-cp', r, p);
        g.access = `CP${m[1]}`;
        return g;
      }
      break;
    case 0x64: // d: `deprecated hypercall N`, with or without a second `dNvN: `
      if ((m = DEPRECATED.exec(r))) {
        g = guestBase('deprecated-hypercall', r, p);
        g.hypercall = Number(m[1]);
        return g;
      }
      break;
    default:
      break;
  }
  return undefined;
}
