// The Linux family's hand-written scanners must agree with the regex forms they replace, on
// random text built from the pieces those formats are made of (register rows, /proc/interrupts
// rows, trace frames, unicode blanks).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseHeader, parseRow } from '../../src/decoders/linux/interrupts.js';
import { newRegs, regsLine } from '../../src/decoders/linux/regs.js';
import { firstNonBlank } from '../../src/decoders/util.js';
import { isSavedRegs, parseArm32Pair, parseArm64Frame, parseSymbol } from '../../src/decoders/linux/trace.js';

function textOf(pieces: string[]): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((a) => a.join(''));
}

/** Concatenations of parts, each drawn from its own arbitrary (a format with holes and noise). */
function seq(...parts: Array<fc.Arbitrary<string>>): fc.Arbitrary<string> {
  return fc.tuple(...parts).map((a) => a.join(''));
}
const opt = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof(fc.constant(''), a);
const hex = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: min, maxLength: max }).map((a) => a.join(''));
const blanks = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', ' \u3000', '\n');

// --- register rows: reference is the former regex form ---
const PAIRS = /(?:^|\s)([a-z][a-z0-9_]{0,8}) ?: (?:\[<)?([0-9a-f]{8,16})(?:>\])?(?=\s|$|\()/g;
const REG_ROW_START = /^(?:x\d|r\d|sp :|pstate:|pmr|psr:|fp :|ip :)/;

function refPairs(b: string, regs: Record<string, string>): void {
  PAIRS.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PAIRS.exec(b)) !== null) regs[m[1]] = m[2];
}

/** regsLine() as it was, for the lines that store registers (undefined: a line it does not store). */
function refRegRow(b: string, regs: Record<string, string>): boolean | undefined {
  if (b.startsWith('pc : ') || b.startsWith('lr : ')) {
    const v = b.slice(5).trim();
    if (v.startsWith('[<')) refPairs(b, regs);
    else regs[b.slice(0, 2)] = v;
    return true;
  }
  if (b.startsWith('xPSR: ')) {
    refPairs(b.replace('xPSR', 'xpsr'), regs);
    return true;
  }
  if (!REG_ROW_START.test(b)) return undefined;
  const before = Object.keys(regs).length;
  refPairs(b, regs);
  return Object.keys(regs).length > before || b.startsWith('pstate:');
}

const REG_ROW = seq(
  fc.constantFrom('x29', 'x9 ', 'x0', 'r10', 'r9 ', 'sp ', 'pc ', 'lr ', 'pstate', 'pmr', 'psr', 'fp ', 'ip ', 'xPSR', 'abcdefghij', 'Z', 'PC is at', 'Flags'),
  fc.array(seq(fc.constantFrom(': ', ':', ' : ', '  : '), opt(fc.constant('[<')), hex(6, 18), opt(fc.constant('>]')),
    fc.constantFrom('', ' ', '  ', '(', 'z', '\u00a0'), fc.constantFrom('', 'x28', 'x2 ', 'sp', 'cpsr', 'q')), { maxLength: 4 }).map((a) => a.join('')),
);
const REG_PIECES = ['x', 'x2', 'x29: ', 'r10', 'r9 : ', 'sp', 'sp : ', 'pstate: ', 'pmr', 'psr: ', 'fp : ', 'ip : ', ' ', ' : ', ':', '\t', '\u00a0', '\u2028',
  '[<', '>]', '(', ')', 'ffff8000', '00000000', 'deadbeef', '0123456789abcdef', 'a', 'f', 'g', '_', 'Z', 'abcdefghij'];

// --- /proc/interrupts rows: reference is the former parseRow ---
const TAIL = /^(\S+)(?:\s+(\d+)(?:-(\S+))?)?(?:\s+(Level|Edge))?(?:\s+-(\S+))?(?:\s+(.*?))?\s*$/;
const SHORT_ROWS = new Set(['Err', 'ERR', 'MIS', 'FIQ']);

function refParseRow(b: string, cpus: number): unknown {
  const n = b.length;
  let i = 0;
  while (i < n && b.charCodeAt(i) === 0x20) i++;
  const ks = i;
  while (i < n) {
    const c = b.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) i++;
    else break;
  }
  if (i === ks || i - ks > 12 || b.charCodeAt(i) !== 0x3a) return undefined;
  const key = b.slice(ks, i);
  const numeric = /^\d+$/.test(key);
  if (!numeric && !/^[A-Za-z]/.test(key)) return undefined;
  i++;
  const counts: number[] = [];
  while (counts.length < cpus) {
    let j = i;
    while (j < n && b.charCodeAt(j) === 0x20) j++;
    const s = j;
    while (j < n && b.charCodeAt(j) >= 0x30 && b.charCodeAt(j) <= 0x39) j++;
    if (j === s || (j < n && b.charCodeAt(j) !== 0x20 && b.charCodeAt(j) !== 0x09)) break;
    if (j - s > 10) return undefined;
    counts.push(Number(b.slice(s, j)));
    i = j;
  }
  if (counts.length !== cpus) {
    if (numeric) return undefined;
    if (!SHORT_ROWS.has(key) || (counts.length === 0 && key !== 'FIQ')) return undefined;
  }
  const row: Record<string, unknown> = { irq: key, counts, total: counts.reduce((a, c) => a + c, 0) };
  const tail = b.slice(i).trim();
  if (numeric) {
    row.num = Number(key);
    const m = TAIL.exec(tail);
    if (m) {
      row.chip = m[1];
      if (m[2] !== undefined) row.hwirq = Number(m[2]);
      if (m[4]) row.trigger = m[4];
      const flow = m[5] ?? m[3];
      if (flow) row.flow = flow;
      if (m[6]) { row.name = m[6]; row.actions = m[6].split(', ').map((a) => a.trim()).filter(Boolean); }
    }
  } else if (tail) {
    row.name = tail;
  }
  return row;
}

const ROW = seq(
  fc.constantFrom('', ' ', '  ', '   '),
  fc.constantFrom('0', '11', '123', 'IPI0', 'IPI12', 'Err', 'FIQ', 'MIS', 'ERR', '_x', 'Z9', '1a', 'averyverylongkey'),
  fc.constantFrom(':', ':', ' :', ''),
  fc.array(seq(fc.constantFrom(' ', '    ', '\t'), fc.constantFrom('0', '579', '4294967295', '12345678901', 'x', '1x')), { maxLength: 4 }).map((a) => a.join('')),
  opt(seq(fc.constantFrom(' ', '   '), fc.constantFrom('GIC-0', 'GICv3', 'xen-dyn', 'MSI', 'Level'))),
  opt(fc.constantFrom(' 27', '  34', ' 16-abc', ' 5-')),
  opt(fc.constantFrom(' Level', '   Edge', ' Level ')),
  opt(fc.constantFrom(' -event', '   -virq', ' -')),
  opt(fc.constantFrom(' arch_timer', '     xenbus', ' eth0, eth1', ' a,  , b', ' Rescheduling interrupts', '   ', ' \u00a0x')),
);
const ROW_PIECES = [' ', '  ', '   ', '0', '7', '12', '579', '4294967295', '12345678901', ':', 'IPI0', 'Err', 'FIQ', 'MIS', '_x', 'Z', '\t',
  ' GIC-0', ' GICv3', ' xen-dyn', ' 27', ' 16-abc', ' Level', ' Edge', ' -event', ' -virq', ' arch_timer', ', ', 'eth0, eth1', ' Rescheduling interrupts', '\u00a0'];

const HEADER = /^(.*?)\s{3,}(CPU\d+(?:\s+CPU\d+)*)\s*$/;

function refParseHeader(b: string): number[] | undefined {
  if (b.indexOf('CPU') < 0) return undefined;
  const m = HEADER.exec(b);
  if (!m) return undefined;
  const pre = m[1];
  if (pre.trim().length && !/[#$>] ?$/.test(pre.trim())) return undefined;
  const ids = m[2].split(/\s+/).map((c) => Number(c.slice(3)));
  return ids.length > 0 && ids.length <= 4096 ? ids : undefined;
}

const TABLE_HEADER = seq(
  fc.constantFrom('', '/ # ', 'Name', '$', '  x> '),
  fc.array(seq(fc.constantFrom(' ', '   ', '      ', '\t\t\t', '\u00a0  '), fc.constantFrom('CPU0', 'CPU1', 'CPU12', 'CPU', 'CPUx', 'ID')), { maxLength: 4 }).map((a) => a.join('')),
  fc.constantFrom('', ' ', '       ', '\n', ' x'),
);

// --- trace frames: reference is the former `^`-anchored regexes on trimmed text ---
const SYM = /^([^\s+()[\]]+)\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?: \[([^\]\s]+)(?: ([0-9a-f]+))?\])?(?: \(([CTPULFK]+)\))?/;
const ARM64_OLD = /^\[<([0-9a-f]{8,16})>\] (\S.*)$/;
const ARM32_VERBOSE = /^\[<([0-9a-f]{8})>\] \(([^)\s]+)(?: \[([^\]\s]+)(?: ([0-9a-f]+))?\])?\) from \[<([0-9a-f]{8})>\] \(([^)]+)\)/;
const ARM32_PLAIN = /^(\S+)(?: \[([^\]\s]+)(?: ([0-9a-f]+))?\])? from (\S+(?: \[[^\]]+\])?)\s*$/;
const ARM32_NOSYM = /^Function entered at \[<([0-9a-f]+)>\] from \[<([0-9a-f]+)>\]/;
const SAVED_REGS = /^r\d{1,2}:[0-9a-f]{8}(?: r\d{1,2}:[0-9a-f]{8})*\s*$/;

function refSymbol(s: string): Record<string, string> | undefined {
  const m = SYM.exec(s.trim());
  if (!m) return undefined;
  const e: Record<string, string> = { symbol: m[1], offset: '0x' + m[2], size: '0x' + m[3] };
  if (m[4]) e.module = m[4];
  if (m[5]) e.buildId = m[5];
  if (m[6]) e.flags = m[6];
  return e;
}

function refArm64(body: string): Record<string, string> | undefined {
  const t = body.trimStart();
  if (t.length === 0) return undefined;
  if (t.charCodeAt(0) === 0x5b) {
    const m = ARM64_OLD.exec(t);
    if (!m) return undefined;
    const e = refSymbol(m[2]);
    if (!e) return undefined;
    e.addr = m[1];
    return e;
  }
  return refSymbol(t);
}

function refArm32(body: string): unknown {
  const t = body.trimStart();
  if (t.startsWith('[<')) {
    const m = ARM32_VERBOSE.exec(t);
    if (!m) return undefined;
    const caller: Record<string, string> = refSymbol(m[6]) ?? { symbol: m[6] };
    caller.addr = m[5];
    return { callee: { symbol: m[2], ...(m[3] ? { module: m[3] } : {}), ...(m[4] ? { buildId: m[4] } : {}), addr: m[1] }, caller };
  }
  if (t.startsWith('Function entered at')) {
    const m = ARM32_NOSYM.exec(t);
    if (!m) return undefined;
    return { callee: { symbol: m[1], addr: m[1] }, caller: { symbol: m[2], addr: m[2] } };
  }
  if (t.indexOf(' from ') < 0) return undefined;
  const m = ARM32_PLAIN.exec(t);
  if (!m) return undefined;
  const caller = refSymbol(m[4]);
  if (!caller) return undefined;
  return { callee: { symbol: m[1], ...(m[2] ? { module: m[2] } : {}), ...(m[3] ? { buildId: m[3] } : {}) }, caller };
}

const SYMBOL = seq(
  fc.constantFrom('do_idle', 'sym.cold', '__x', 'a(b', ''),
  opt(seq(fc.constant('+0x'), hex(0, 4), fc.constantFrom('/0x', '/', '/0x0x'), hex(0, 4))),
  opt(seq(fc.constantFrom(' [', '['), fc.constantFrom('genet', 'xen_netback', '', 'a b'), opt(seq(fc.constant(' '), hex(0, 10))), fc.constantFrom(']', ''))),
  opt(fc.constantFrom(' (C)', ' (PT)', ' (X)', '(C)')),
);
const MODULE_SUFFIX = fc.constantFrom(' [foo]', ' [foo 0123abcd]', ' [foo ]', ' [', ' []', '[foo]', '');
const FRAME = seq(
  blanks,
  fc.oneof(
    SYMBOL,
    seq(fc.constantFrom('[<', '[<<'), hex(7, 17), fc.constantFrom('>] ', '>]', '>]  '), fc.oneof(SYMBOL, seq(fc.constant('('), SYMBOL, fc.constant(')')))),
    seq(fc.constantFrom('[<80260370>] (', '[<8026037>] ('), SYMBOL, fc.constantFrom(') from [<80260b0c>] (', ') from [<80260b0c>]'), SYMBOL, fc.constantFrom(')', '')),
    seq(fc.constantFrom('Function entered at [<', 'Function entered at [<<'), hex(0, 9), fc.constantFrom('>] from [<', '>] from '), hex(0, 9), fc.constantFrom('>]', '')),
    seq(SYMBOL, fc.constantFrom(' from ', ' from', '  from '), SYMBOL),
    // a module's callee (`%ps` of a module symbol): `callee [mod]`, `callee [mod buildid]`
    seq(fc.constantFrom('[<bf0a1000>] (', ''), fc.constantFrom('foo_handler', 'x', ''), MODULE_SUFFIX, fc.constantFrom(') from [<c0148d2c>] (', ' from ', ') from '), SYMBOL, fc.constantFrom(')', '', ' [foo]')),
    seq(fc.constantFrom('r10:', 'r9:', 'r100:'), hex(7, 9), fc.array(seq(fc.constantFrom(' r8:', ' r1:', 'r2:'), hex(7, 9)), { maxLength: 3 }).map((a) => a.join(''))),
  ),
  blanks,
);
const FRAME_PIECES = [' ', '  ', '\t', '\u00a0', '\u3000', 'sym', 'do_idle', '.cold', '+0x', '/0x', '24c', '2c0', 'g', ' [', ']', 'genet', ' 0123abcd', ' (C)', ' (PT)',
  '[<', '>]', 'ffff800008085d18', '80260370', ' (', ')', ' from ', 'Function entered at ', 'r10:', '8538e974', 'r9:', '\n'];

describe('Linux scanners agree with the regexes they replace', () => {
  it('register rows', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(REG_ROW, textOf(REG_PIECES)), { maxLength: 6 }), (rows) => {
        const st = newRegs();
        const ref: Record<string, string> = {};
        for (const b of rows) {
          const got = regsLine(b, st);
          const want = refRegRow(b, ref);
          if (want !== undefined) expect(got).toBe(want);
        }
        expect(JSON.stringify(st.regs)).toBe(JSON.stringify(ref));
      }),
      { numRuns: 3000 },
    );
  });

  it('/proc/interrupts rows', () => {
    fc.assert(
      fc.property(fc.oneof(ROW, textOf(ROW_PIECES)), fc.integer({ min: 1, max: 4 }), (b, cpus) => {
        expect(JSON.stringify(parseRow(b, cpus))).toBe(JSON.stringify(refParseRow(b, cpus)));
      }),
      { numRuns: 5000 },
    );
  });

  it('/proc/interrupts headers', () => {
    fc.assert(
      fc.property(TABLE_HEADER, (b) => {
        expect(parseHeader(b)).toEqual(refParseHeader(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('trace frames', () => {
    fc.assert(
      fc.property(fc.oneof(FRAME, textOf(FRAME_PIECES)), (b) => {
        const i = firstNonBlank(b);
        expect(i).toBe(b.length - b.trimStart().length);
        expect(JSON.stringify(parseSymbol(b))).toBe(JSON.stringify(refSymbol(b)));
        expect(JSON.stringify(parseArm64Frame(b))).toBe(JSON.stringify(refArm64(b)));
        expect(JSON.stringify(parseArm32Pair(b))).toBe(JSON.stringify(refArm32(b)));
        const t = b.trimStart();
        expect(isSavedRegs(b)).toBe(t.length > 3 && t.charCodeAt(0) === 0x72 && SAVED_REGS.test(t));
      }),
      { numRuns: 5000 },
    );
  });
});
