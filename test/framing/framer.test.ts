import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineFramer, frameAll, type FramedLine } from '../../src/framing/framer.js';
import { lineText } from '../../src/framing/ansi.js';
import { readFixture } from '../helpers/fixtures.js';

function frame(chunks: Array<string | Buffer>, opts: { max?: number } = {}): FramedLine[] {
  const out: FramedLine[] = [];
  const f = new LineFramer({ nextSeq: 1, offset: 0, maxLineBytes: opts.max, onLine: (l) => out.push(l) });
  chunks.forEach((c, i) => f.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c, i));
  return out;
}

const texts = (ls: FramedLine[]) => ls.map((l) => l.text);

describe('line endings', () => {
  it('LF, CRLF, LFCR, CR and the \\r\\r\\n of Xen hvc consoles each end one line', () => {
    expect(texts(frame(['a\nb\r\nc\n\rd\re\r\r\nf\n']))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
  it('keeps empty lines: LF LF and CRLF CRLF', () => {
    expect(texts(frame(['a\n\nb\r\n\r\nc\n']))).toEqual(['a', '', 'b', '', 'c']);
  });
  it('does not care where chunks split a CRLF', () => {
    expect(texts(frame(['a\r', '\nb\r', '\r', '\nc\n']))).toEqual(['a', 'b', 'c']);
  });
  it('emits a line at its first terminator byte (no waiting for the LF of a CRLF)', () => {
    expect(texts(frame(['abc\r']))).toEqual(['abc']);
  });
  it('numbers lines from nextSeq and records offsets of each line start', () => {
    const out: FramedLine[] = [];
    const f = new LineFramer({ nextSeq: 41, offset: 1000, onLine: (l) => out.push(l) });
    f.push(Buffer.from('ab\r\ncd\n'), 5);
    expect(out.map((l) => [l.seq, l.offset, l.length, l.ts])).toEqual([[41, 1000, 2, 5], [42, 1004, 2, 5]]);
    expect(f.seq).toBe(43);
    expect(f.bytes).toBe(1007);
  });
});

describe('text', () => {
  it('strips ANSI escapes and control characters from text; the raw bytes are not touched', () => {
    const ls = frame(['/ # \x1b[6n(XEN) *** Serial input to Xen\r\n\x1b[0;32m  OK  \x1b[0m x\x07y\n']);
    expect(texts(ls)).toEqual(['/ # (XEN) *** Serial input to Xen', '  OK   xy']);
  });
  it('never throws on invalid UTF-8 and keeps valid characters', () => {
    const ls = frame([Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xc3, 0xa9, 0x0a])]);
    expect(ls[0].text).toBe('a\ufffd\ufffdbé');
    expect(ls[0].length).toBe(6);
  });
  it('joins a UTF-8 character split across chunks', () => {
    expect(texts(frame([Buffer.from([0xc3]), Buffer.from([0xa9, 0x0a])]))).toEqual(['é']);
  });
});

describe('partial and over-long lines', () => {
  it('flushes a prompt as partial; the rest of that line comes as a continuation', () => {
    const out: FramedLine[] = [];
    const f = new LineFramer({ nextSeq: 1, offset: 0, onLine: (l) => out.push(l) });
    f.push(Buffer.from('/ # '), 1);
    expect(f.pending).toBe(true);
    expect(f.openLineOffset).toBe(0);
    f.flushPartial();
    expect(out).toMatchObject([{ seq: 1, text: '/ # ', partial: true }]);
    f.push(Buffer.from('ls\r\nnext\n'), 2);
    expect(out.slice(1)).toMatchObject([{ seq: 2, text: 'ls', cont: true, offset: 4 }, { seq: 3, text: 'next' }]);
    expect(out[2].cont).toBeUndefined();
  });
  it('a terminator right after a partial flush emits nothing and ends the continuation', () => {
    const out: FramedLine[] = [];
    const f = new LineFramer({ nextSeq: 1, offset: 0, onLine: (l) => out.push(l) });
    f.push(Buffer.from('login: '), 1);
    f.flushPartial();
    f.push(Buffer.from('\r\nnext\n'), 2);
    expect(out.map((l) => [l.text, l.partial ?? false, l.cont ?? false])).toEqual([['login: ', true, false], ['next', false, false]]);
  });
  it('cuts lines at the cap and marks them', () => {
    const ls = frame(['x'.repeat(40) + '\n'], { max: 16 });
    expect(ls.map((l) => [l.text.length, l.cut ?? false, l.cont ?? false])).toEqual([[16, true, false], [16, true, true], [8, false, true]]);
  });
  it('does not cut inside a UTF-8 character', () => {
    const ls = frame([Buffer.from('a'.repeat(15) + 'é' + 'b\n')], { max: 16 });
    expect(ls.map((l) => l.text)).toEqual(['a'.repeat(15), 'éb']);
  });
});

describe('properties', () => {
  const fixture = readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log');
  it('any chunking of a real capture gives the same lines as framing it whole', () => {
    const whole = frameAll(fixture).map((l) => [l.seq, l.text, l.offset]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 50 }), (cuts) => {
        const chunks: Buffer[] = [];
        let at = 0;
        for (const c of cuts) {
          if (at >= fixture.length) break;
          chunks.push(fixture.subarray(at, at + c));
          at += c;
        }
        if (at < fixture.length) chunks.push(fixture.subarray(at));
        const out: FramedLine[] = [];
        const f = new LineFramer({ nextSeq: 1, offset: 0, onLine: (l) => out.push(l) });
        for (const c of chunks) f.push(c, 0);
        f.flushPartial();
        expect(out.map((l) => [l.seq, l.text, l.offset])).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });
  it('random bytes never throw; offsets and lengths always stay inside the stream', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const out: FramedLine[] = [];
        const f = new LineFramer({ nextSeq: 1, offset: 0, maxLineBytes: 64, onLine: (l) => out.push(l) });
        let total = 0;
        for (const c of chunks) { f.push(Buffer.from(c), 0); total += c.length; }
        f.flushPartial();
        let prev = 0;
        for (const l of out) {
          expect(l.seq).toBe(prev + 1);
          prev = l.seq;
          expect(l.offset + l.length).toBeLessThanOrEqual(total);
          expect(l.length).toBeLessThanOrEqual(64);
        }
      }),
      { numRuns: 200 },
    );
  });
  it('the text of every line is the decoded text of its own raw bytes (the plain-ASCII shortcut agrees with the decoder)', () => {
    // Mostly printable ASCII with some escapes, controls, UTF-8 and invalid bytes, in any chunking.
    const byte = fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
      { weight: 2, arbitrary: fc.constantFrom(0x0a, 0x0d, 0x09, 0x1b, 0x5b, 0x7f, 0x00) },
      { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    );
    fc.assert(
      fc.property(fc.array(fc.array(byte, { maxLength: 200 }), { maxLength: 12 }), fc.integer({ min: 16, max: 96 }), (chunks, max) => {
        const out: FramedLine[] = [];
        const f = new LineFramer({ nextSeq: 1, offset: 0, maxLineBytes: max, onLine: (l) => out.push(l) });
        const all = Buffer.from(chunks.flat());
        for (const c of chunks) f.push(Buffer.from(c), 0);
        f.flushPartial();
        for (const l of out) expect(l.text).toBe(lineText(all.subarray(l.offset, l.offset + l.length)));
      }),
      { numRuns: 300 },
    );
  });
});
