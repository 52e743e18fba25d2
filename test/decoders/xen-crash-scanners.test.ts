// The hand-written readers of the crash family against the regexes they replace: register pairs,
// stack rows, the no-block gate and classify()'s first-character switch. Random lines built from
// the characters these formats use, plus edge cases (unicode blanks, commas, lone words).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, mayMatter, splitGuestPrefix } from '../../src/decoders/xen/crash-lines.js';
import { HEX16, hexHalves } from '../../src/decoders/util.js';
import { pairNames, pairValues, parseTraceEntry, pushStackRow, scanPairs, symbolOrUndefined } from '../../src/decoders/xen/regs-lines.js';

const PAIRS = /^[A-Za-z][A-Za-z0-9_]*:\s*[0-9a-fA-F]+(?:,?\s+[A-Za-z][A-Za-z0-9_]*:\s*[0-9a-fA-F]+)*,?$/;
const PAIR = /([A-Za-z][A-Za-z0-9_]*):\s*([0-9a-fA-F]+)/g;
const STACK_ROW = /^(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{16})(?:\s+(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{16}))*$/;
// The gates the first-character switches replace.
const CRASH_STARTS = String.raw`\*\*\* Dumping |\*{40}|----\[ Xen-|Xen (?:BUG at|WARN at)|Assertion '|CPU|Data Abort Trap|Domain |Instruction Abort Trap|Hypervisor Trap\.|Hardware [Dd]om|Bad mode in |Panic on CPU |domain_crash called from `;
const CLASSIFY_START = new RegExp(`^(?:${CRASH_STARTS}|Xen version )`);
const MAY_MATTER = new RegExp(String.raw`^(?:${CRASH_STARTS}|Xen (?:call trace:|stack trace from sp=)|d|[a-z][\s\S]{0,78}?\.c:)`);

const pieces = ['X0', 'R12', 'ESR_EL2', 'SP_EL1', 'x', '_', ':', ': ', ' ', '  ', ',', ', ', '\t', '\u00a0', '\u2028',
  '0000000000000000', '00000000', 'ffffffff', 'DEADbeef', '0x', 'g', '1', '-', '.', '/', '.c:', '[', 'd0v0', 'v', '12'];
/** parseTraceEntry() as it was written with regexes. */
function traceByRegex(t: string): unknown {
  const m = /^\[<([0-9a-fA-F]+)>\]\s*(.*?)\s*$/.exec(t);
  if (!m) return undefined;
  let rest = m[2];
  const e: Record<string, string> = { addr: m[1] };
  const k = /\s*\((PC|LR)\)$/.exec(rest);
  if (k) { e.kind = k[1]; rest = rest.slice(0, k.index); }
  const sym = symbolOrUndefined(rest.trim());
  if (sym !== undefined) e.symbol = sym;
  return e;
}

const line = fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((a) => a.join(''));

describe('crash family line readers', () => {
  it('scanPairs reads exactly the documented pairs grammar, in place', () => {
    fc.assert(fc.property(line, fc.constantFrom('', '   ', ' \t'), (t, pad) => {
      const trimmed = t.trim();
      const body = pad + trimmed + pad;
      const n = scanPairs(body, pad.length, pad.length + trimmed.length);
      if (!PAIRS.test(trimmed)) { expect(n).toBe(-1); return; }
      const want = [...trimmed.matchAll(PAIR)];
      expect(n).toBe(want.length);
      for (let i = 0; i < n; i++) { expect(pairNames[i]).toBe(want[i][1]); expect(pairValues[i]).toBe(want[i][2]); }
    }), { numRuns: 3000 });
  });

  it('pushStackRow takes exactly the rows of 8/16-digit words, and only up to the cap', () => {
    fc.assert(fc.property(line, fc.integer({ min: 0, max: 5 }), (t, max) => {
      const trimmed = t.trim();
      const into = ['w'];
      const got = pushStackRow(' ' + trimmed + ' ', 1, 1 + trimmed.length, into, max + 1);
      if (!STACK_ROW.test(trimmed)) { expect(got).toBeUndefined(); expect(into).toEqual(['w']); return; }
      expect(got).toBe(into);
      expect(into).toEqual(['w', ...trimmed.split(/\s+/)].slice(0, Math.max(1, max + 1)));
    }), { numRuns: 3000 });
    expect(pushStackRow('', 0, 0, undefined, 10)).toBeUndefined();
    expect(pushStackRow('00000000 1111111111111111', 0, 25, undefined, 10)).toEqual(['00000000', '1111111111111111']);
  });

  it('parseTraceEntry reads what the trace regexes read', () => {
    const parts = fc.constantFrom('[<', '>]', '00000a0000257c4c', 'Ff', ' ', '  ', '\t', '\n', '\u2028', 'domain.c#idle_loop+0x128/0x190',
      '(PC)', '(LR)', '(', ')', 'PC', 'x', '0x1f');
    const entry = fc.array(parts, { maxLength: 10 }).map((a) => a.join(''));
    fc.assert(fc.property(entry, fc.boolean(), (rest, head) => {
      const t = ((head ? '[<00000a0000257c4c>]' : '') + rest).trim();
      expect(parseTraceEntry(t)).toEqual(traceByRegex(t));
    }), { numRuns: 5000 });
    expect(parseTraceEntry('[<00000a0000257c4c>] domain.c#idle_loop+0x128/0x190 (PC)')).toEqual({ addr: '00000a0000257c4c', kind: 'PC', symbol: 'domain.c#idle_loop+0x128/0x190' });
  });

  it('hexHalves reads values as its regex form does', () => {
    const hexHalvesByRegex = (s: string): [number, number] | undefined => {
      const h = s.trim().replace(/^0x/i, '');
      if (!HEX16.test(h)) return undefined;
      const n = h.length;
      return n <= 8 ? [0, parseInt(h, 16)] : [parseInt(h.slice(0, n - 8), 16), parseInt(h.slice(n - 8), 16)];
    };
    const v = fc.array(fc.constantFrom('0', 'x', 'X', '0x', '9', 'a', 'F', 'g', ' ', '\u00a0', 'ffffffff', '80000000'), { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(fc.property(v, (s) => { expect(hexHalves(s)).toEqual(hexHalvesByRegex(s)); }), { numRuns: 5000 });
    expect(hexHalves('0000000096000006')).toEqual([0, 0x96000006]);
    expect(hexHalves('ffffffffffffffff')).toEqual([0xffffffff, 0xffffffff]);
  });

  it('splitGuestPrefix reads the gprintk/gdprintk prefixes as their regexes do', () => {
    const ref = (body: string): unknown => {
      const c = body.charCodeAt(0);
      if (!(c >= 0x61 && c <= 0x7a)) return undefined;
      if (c === 0x64) {
        const m = /^d(\d+)v(\d+):? (.*)$/.exec(body);
        if (m) return { domain: Number(m[1]), vcpu: Number(m[2]), rest: m[3] };
      }
      const at = body.indexOf('.c:');
      if (at > 0 && at < 80) {
        const m = /^([\w./-]+\.c):(\d+):d(\d+)v(\d+):? (.*)$/.exec(body);
        if (m) return { domain: Number(m[3]), vcpu: Number(m[4]), rest: m[5], source: { file: m[1], line: Number(m[2]) } };
      }
      return undefined;
    };
    const parts = fc.constantFrom('d', 'v', '0', '12', ':', ' ', ': ', '\n', '\r', '\u2028', 'x', 'arch/arm/traps.c:', '1983:', 'HSR=0x1');
    fc.assert(fc.property(fc.array(parts, { maxLength: 10 }).map((a) => a.join('')), (body) => {
      expect(splitGuestPrefix(body)).toEqual(ref(body));
    }), { numRuns: 5000 });
    expect(splitGuestPrefix('d0v1: vGIC: x')).toEqual({ domain: 0, vcpu: 1, rest: 'vGIC: x' });
  });

  it('mayMatter says yes to every line the old gate let through that can matter', () => {
    const starts = fc.constantFrom('', 'd', 'do', 'a', 'arch/arm/traps.c:1983:d0v0 ', 'xen-source/xen/common/x.c:', 'CPU', 'CPU:', 'CPU3: Unexpected Trap: ',
      'Domain ', 'Domain 1 ', 'Xen ', 'Xen call trace:', '*** Dumping ', '----[ Xen-', 'domain_crash called from ', 'drivers/x.c:1:d1v0 ');
    fc.assert(fc.property(starts, line, (s, rest) => {
      const body = s + rest;
      // Lines the old gate let through but that match nothing may be dropped; none other.
      if (MAY_MATTER.test(body) && !mayMatter(body)) {
        expect(classify(body)).toBeUndefined();
        expect(/^d\d|^([\w./-]+\.c):(\d+):d(\d+)v(\d+)/.test(body)).toBe(false);
        expect(/^CPU:/.test(body)).toBe(false);
      }
      if (!CLASSIFY_START.test(body)) expect(classify(body)).toBeUndefined();
    }), { numRuns: 5000 });
  });
});
