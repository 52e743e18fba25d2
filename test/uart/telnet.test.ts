// The telnet codec alone: decoding, negotiation answers, chunk-split safety, encoding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BRK, DO, DONT, IAC, OPT_BINARY, OPT_COM_PORT, OPT_ECHO, OPT_SGA, SB, SE, TelnetCodec, WILL, WONT } from '../../src/uart/telnet.js';

const NOP = 241;
const GA = 249;
const OPT_TTYPE = 24;
const OPT_NAWS = 31;

function codec() {
  const replies: number[] = [];
  const c = new TelnetCodec((b) => replies.push(...b));
  return { c, replies };
}

/** Decode `chunks` one after another; the concatenated output. */
function decodeAll(c: TelnetCodec, chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks.map((ch) => Buffer.from(c.decode(ch))));
}

describe('TelnetCodec.decode', () => {
  it('passes plain data through untouched (same buffer)', () => {
    const { c } = codec();
    const b = Buffer.from('Xen 4.17 (c/s) starting\n');
    expect(c.decode(b)).toBe(b);
  });

  it('strips negotiation, SB...SE and other commands; IAC IAC is one 0xFF', () => {
    const { c, replies } = codec();
    const wire = Buffer.from([
      IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, OPT_TTYPE,
      0x41, IAC, IAC, 0x42,
      IAC, SB, OPT_COM_PORT, 101, 0, 0x1c, 0x20, IAC, IAC, 0, IAC, SE,
      0x43, IAC, NOP, IAC, GA, 0x44,
    ]);
    expect([...c.decode(wire)]).toEqual([0x41, 0xff, 0x42, 0x43, 0x44]);
    expect(replies).toEqual([IAC, DO, OPT_ECHO, IAC, DO, OPT_SGA, IAC, WONT, OPT_TTYPE]);
    expect(c.remoteEnabled(OPT_ECHO)).toBe(true);
    expect(c.remoteEnabled(OPT_SGA)).toBe(true);
  });

  it('answers each request once and never loops', () => {
    const { c, replies } = codec();
    c.decode(Buffer.from([IAC, WILL, OPT_ECHO, IAC, WILL, OPT_ECHO])); // repeated: ack once
    c.decode(Buffer.from([IAC, DO, OPT_SGA, IAC, DO, OPT_SGA]));
    c.decode(Buffer.from([IAC, DO, OPT_NAWS, IAC, WILL, OPT_TTYPE]));
    c.decode(Buffer.from([IAC, WONT, OPT_ECHO, IAC, WONT, OPT_ECHO])); // switch-off: ack once
    expect(replies).toEqual([IAC, DO, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, WONT, OPT_NAWS, IAC, DONT, OPT_TTYPE, IAC, DONT, OPT_ECHO]);
    expect(c.remoteEnabled(OPT_ECHO)).toBe(false);
    expect(c.localEnabled(OPT_SGA)).toBe(true);
  });

  it('asks for BINARY both ways and takes the answers without re-answering', () => {
    const { c, replies } = codec();
    expect([...c.start()]).toEqual([IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY]);
    c.decode(Buffer.from([IAC, WILL, OPT_BINARY, IAC, DO, OPT_BINARY]));
    expect(replies).toEqual([]);
    expect(c.remoteEnabled(OPT_BINARY)).toBe(true);
    expect(c.localEnabled(OPT_BINARY)).toBe(true);
  });

  it('agrees to BINARY when the server asks first', () => {
    const { c, replies } = codec();
    c.decode(Buffer.from([IAC, WILL, OPT_BINARY, IAC, DO, OPT_BINARY]));
    expect(replies).toEqual([IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY]);
  });

  it('survives every sequence split at every byte boundary', () => {
    const wire = Buffer.from([0x61, IAC, WILL, OPT_ECHO, 0x62, IAC, IAC, 0x63, IAC, SB, 44, 1, IAC, IAC, IAC, SE, 0x64, IAC, BRK, 0x65]);
    for (let cut1 = 0; cut1 <= wire.length; cut1++) {
      for (let cut2 = cut1; cut2 <= wire.length; cut2++) {
        const { c, replies } = codec();
        const out = decodeAll(c, [wire.subarray(0, cut1), wire.subarray(cut1, cut2), wire.subarray(cut2)]);
        expect([...out], `cuts ${cut1},${cut2}`).toEqual([0x61, 0x62, 0xff, 0x63, 0x64, 0x65]);
        expect(replies).toEqual([IAC, DO, OPT_ECHO]);
      }
    }
  });

  it('property: any data, any commands in between, any chunking -> exactly the data', () => {
    const command = fc.oneof(
      // (option 0, BINARY, is left out: turning it off would give CR NUL its NVT meaning)
      fc.constantFrom(WILL, WONT, DO, DONT).chain((v) => fc.integer({ min: 1, max: 255 }).map((o) => [IAC, v, o])),
      fc.constantFrom(NOP, GA, BRK, 242, 244, 245, 246, 247, 248).map((c) => [IAC, c]),
      fc.uint8Array({ maxLength: 20 }).map((p) => [IAC, SB, ...[...p].flatMap((b) => (b === IAC ? [IAC, IAC] : [b])), IAC, SE]),
    );
    const piece = fc.oneof(fc.uint8Array({ maxLength: 30 }).map((d) => ({ data: [...d] })), command.map((cmd) => ({ cmd })));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), (pieces, sizes) => {
        const wire: number[] = [];
        const want: number[] = [];
        for (const p of pieces) {
          if ('data' in p) {
            for (const b of p.data) wire.push(...(b === IAC ? [IAC, IAC] : [b]));
            want.push(...p.data);
          } else {
            wire.push(...p.cmd);
          }
        }
        // Force BINARY on first, so CR NUL has no special meaning and the data is arbitrary.
        const { c } = codec();
        c.start();
        c.decode(Buffer.from([IAC, WILL, OPT_BINARY]));
        const chunks: Buffer[] = [];
        for (let i = 0, k = 0; i < wire.length; k++) {
          const n = sizes[k % sizes.length]!;
          chunks.push(Buffer.from(wire.slice(i, i + n)));
          i += n;
        }
        expect([...decodeAll(c, chunks)]).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('outside BINARY, CR NUL is a bare CR (also split across chunks); CR LF stays', () => {
    const { c } = codec();
    const out = decodeAll(c, [Buffer.from('a\r\0b\r\nc\r'), Buffer.from('\0d\0')]);
    expect(out.toString('latin1')).toBe('a\rb\r\nc\rd\0');
  });

  it('gives a runaway subnegotiation back to the data stream', () => {
    const { c } = codec();
    c.decode(Buffer.from([IAC, SB, 44]));
    c.decode(Buffer.alloc(5000, 0x20)); // no IAC SE ever: swallowed up to the limit
    expect(c.decode(Buffer.from('back')).toString()).toBe('back');
  });
});

describe('TelnetCodec.encode', () => {
  it('doubles 0xFF and leaves the rest', () => {
    const { c } = codec();
    c.decode(Buffer.from([IAC, DO, OPT_BINARY]));
    expect([...c.encode(Buffer.from([0x41, 0xff, 0x0d, 0xff, 0xff]))]).toEqual([0x41, 0xff, 0xff, 0x0d, 0xff, 0xff, 0xff, 0xff]);
    const plain = Buffer.from('help\r');
    expect(c.encode(plain)).toBe(plain);
  });

  it('outside BINARY, a bare CR goes out as CR NUL', () => {
    const { c } = codec();
    expect(c.encode(Buffer.from('a\rb\r\n\r')).toString('latin1')).toBe('a\r\0b\r\n\r\0');
  });
});
