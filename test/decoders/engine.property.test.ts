// Properties of the whole decoder engine (every family at once), beyond each family's own tests:
// no family ever throws (the engine would catch it, so count instead), state stays bounded, and
// blocks cut short or interleaved still come out, marked partial.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConsoleDecoder, decodeText } from '../../src/decoders/engine.js';
import { frameAll } from '../../src/framing/framer.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';
import { Value } from '@sinclair/typebox/value';
import { decodedKinds as schemas } from '../../src/protocol/kinds/index.js';

const fixtureLines = listFixtures().flatMap((f) => frameAll(readFixture(f)).map((l) => l.text));

function feed(texts: string[]): { dec: ConsoleDecoder; events: ReturnType<ConsoleDecoder['push']> } {
  const dec = new ConsoleDecoder('p');
  const events = [];
  let seq = 1;
  for (const t of texts) events.push(...dec.push({ seq: seq++, ts: seq, text: t }));
  events.push(...dec.flush('end of input'));
  return { dec, events };
}

describe('decoder engine properties', () => {
  it('random bytes: no family throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => {
        const dec = new ConsoleDecoder('p');
        for (const l of frameAll(Buffer.from(bytes))) dec.push(l);
        dec.flush();
        expect(dec.stats.familyErrors).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('real fixture lines mixed with noise, in any order: no family throws, events are well formed', () => {
    const noise = fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom('(XEN) ', '(XEN)', '(d1) ', '[    1.000000] ', '\u0000\ufffd', '(XEN) *** Serial input to DOM9', '(XEN)    VCPU_LR[0]=zz'));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...fixtureLines), noise), { maxLength: 400 }), (texts) => {
        const { dec, events } = feed(texts);
        expect(dec.stats.familyErrors).toBe(0);
        for (const e of events) {
          expect(e.firstSeq).toBeLessThanOrEqual(e.lastSeq);
          expect(e.firstSeq).toBeGreaterThanOrEqual(1);
          expect(e.lastSeq).toBeLessThanOrEqual(texts.length);
          expect(typeof e.kind).toBe('string');
        }
      }),
      { numRuns: 150 },
    );
  });

  it('garbled fixture lines (hex digits replaced, lines cut or glued): every event still matches its schema', () => {
    // Runs of consecutive fixture lines (so blocks open and close), some of them damaged the way a
    // wrong baud rate, line noise or a lost byte damages them. Fields are dropped or the block is
    // partial; a field never holds a value of the wrong shape (NaN, a non-address in an address).
    const damage = fc.record({
      line: fc.nat(),
      how: fc.constantFrom('digit', 'cut', 'glue', 'char'),
      at: fc.nat(),
      with: fc.constantFrom('x', ' ', '-', '', '\u00e9', 'ffffffffffffffffffff', '}', '.', '0x'),
    });
    fc.assert(
      fc.property(fc.nat({ max: fixtureLines.length - 1 }), fc.integer({ min: 20, max: 400 }), fc.array(damage, { maxLength: 40 }), (start, n, damages) => {
        const texts = fixtureLines.slice(start, start + n);
        for (const d of damages) {
          const i = d.line % texts.length;
          const t = texts[i];
          const at = t.length ? d.at % t.length : 0;
          if (d.how === 'cut') texts[i] = t.slice(0, at);
          else if (d.how === 'glue') texts[i] = t + texts[(i + 1) % texts.length];
          else if (d.how === 'char') texts[i] = t.slice(0, at) + d.with + t.slice(at + 1);
          else texts[i] = t.replace(/[0-9a-f]/g, (c, k: number) => (k % 7 === d.at % 7 ? d.with : c));
        }
        const { dec, events } = feed(texts);
        expect(dec.stats.familyErrors).toBe(0);
        for (const e of events) {
          const schema = schemas[e.kind];
          expect(schema, e.kind).toBeDefined();
          const errors = [...Value.Errors(schema, e.data)].map((x) => `${e.kind} ${x.path}: ${x.message}`);
          expect(errors).toEqual([]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a register dump cut at every line: partial, or complete only at a real end', () => {
    const lines = frameAll(readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log')).map((l) => l.text);
    // key 'd': the dump of CPU0 starts at the `*** Dumping CPU0 host state` line.
    const start = lines.findIndex((l) => l.includes('*** Dumping CPU0 host state'));
    const end = lines.findIndex((l, i) => i > start && l.includes('*** Dumping CPU1'));
    expect(start).toBeGreaterThan(0);
    let seen = 0;
    for (let cut = start + 1; cut < end; cut++) {
      const { dec, events } = feed(lines.slice(0, cut));
      expect(dec.stats.familyErrors).toBe(0);
      const regs = events.filter((e) => e.kind === 'xen.regs' && e.firstSeq >= start);
      expect(regs.length, `cut at ${cut}`).toBeLessThanOrEqual(1);
      if (regs.length === 1 && cut - start < 10) expect(regs[0].partial, `cut at ${cut}`).toBe(true);
      if (regs.length === 1 && regs[0].partial) expect(regs[0].reason).toBeTruthy();
      seen += regs.length;
    }
    // Once the registers are there, every cut still gives the (partial) dump.
    expect(seen).toBeGreaterThan((end - start) / 2);
  });

  it('two consoles interleaved line by line (dom0 and Xen) decode as they do apart', () => {
    const xen = frameAll(readFixture('qemu-debug/xen417-debug-gic3.log')).map((l) => l.text).filter((t) => t.startsWith('(XEN)'));
    const dom0 = frameAll(readFixture('qemu/xen417-arm64-gicv3-dom0-oops.log')).map((l) => l.text).filter((t) => !t.startsWith('(XEN)'));
    const apart = [...feed(xen).events, ...feed(dom0).events].filter((e) => e.kind.startsWith('xen.regs') || e.kind.startsWith('xen.gic') || e.kind === 'linux.panic' || e.kind === 'linux.interrupts');
    const mixed: string[] = [];
    for (let i = 0; i < Math.max(xen.length, dom0.length); i++) {
      if (i < xen.length) mixed.push(xen[i]);
      if (i < dom0.length) mixed.push(dom0[i]);
    }
    const together = feed(mixed).events.filter((e) => e.kind.startsWith('xen.regs') || e.kind.startsWith('xen.gic') || e.kind === 'linux.panic' || e.kind === 'linux.interrupts');
    const summary = (evs: typeof apart) => evs.map((e) => `${e.kind}:${JSON.stringify((e.data as Record<string, unknown>).regs ?? (e.data as Record<string, unknown>).lrs ?? (e.data as Record<string, unknown>).message ?? (e.data as Record<string, unknown>).rows ?? '')}`).sort();
    expect(summary(together)).toEqual(summary(apart));
  });

  it('state stays bounded: a million lines of an endless register dump and table use little memory', () => {
    const dec = new ConsoleDecoder('p');
    const rows = ['(XEN)      X0: 0000000000000000  X1: 0000000000000001  X2: 0000000000000002', ' 11:        978        886     GICv3  27 Level     arch_timer'];
    dec.push({ seq: 1, ts: 0, text: '(XEN) *** Dumping CPU0 host state: ***' });
    dec.push({ seq: 2, ts: 0, text: '           CPU0       CPU1' });
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let events = 0;
    for (let i = 3; i < 1_000_000; i++) events += dec.push({ seq: i, ts: 0, text: rows[i & 1] }).length;
    global.gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    expect(dec.stats.familyErrors).toBe(0);
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    expect(events).toBeGreaterThan(0); // blocks hit their cap and were emitted, not kept
  });

  it('decodeText of every fixture: no family throws', () => {
    for (const f of listFixtures()) {
      const dec = new ConsoleDecoder('p');
      for (const l of frameAll(readFixture(f))) dec.push(l);
      dec.flush();
      expect(dec.stats.familyErrors, f).toBe(0);
    }
    expect(decodeText('').length).toBe(0);
  });
});
