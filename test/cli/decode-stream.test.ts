// `xenuart decode` reads a log in chunks: the events must be exactly those of decoding the whole
// text at once, wherever the chunks happen to split lines (CRLF pairs, UTF-8 sequences, dumps).
import { Readable, Writable } from 'node:stream';
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/decoders/engine.js';
import { decodeStream, jsonLines } from '../../src/cli/decode.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';
import { BIN, REPO } from '../helpers/child-daemon.js';

/** The buffer cut into pieces of pseudo-random sizes from 1 to max bytes (a fixed seed). */
function pieces(buf: Buffer, max: number, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let x = seed;
  for (let i = 0; i < buf.length;) {
    x = (x * 1103515245 + 12345) >>> 0;
    const n = 1 + (x % max);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('streamed decoding', () => {
  const corpus = Buffer.concat(listFixtures().map(readFixture));
  const whole = decodeText(corpus, 'f');

  it.each([[7, 1], [300, 2], [65536, 3]])('gives the events of the whole text with chunks up to %i bytes', async (max, seed) => {
    const got: ConsoleEvent[] = [];
    await decodeStream(Readable.from(pieces(corpus, max, seed)), 'f', (e) => { got.push(e); });
    expect(got.length).toBe(whole.length);
    expect(got).toEqual(whole);
  });

  it('waits for a slow reader of the JSON Lines (back-pressure) and loses nothing', async () => {
    const chunks: string[] = [];
    let waits = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(c, _enc, cb) { chunks.push(String(c)); waits++; setTimeout(cb, 1); },
    });
    const out = jsonLines(slow);
    await decodeStream(Readable.from([corpus]), 'f', (e) => out.write(e));
    await out.end();
    const lines = chunks.join('').trim().split('\n');
    expect(lines.length).toBe(whole.length);
    expect(JSON.parse(lines[lines.length - 1])).toEqual(JSON.parse(JSON.stringify(whole[whole.length - 1])));
    expect(waits).toBeGreaterThan(1);
  });

  it('decodes standard input with `xenuart decode --json -`', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      const p = execFile(process.execPath, [BIN, 'decode', '--json', '-'], { cwd: REPO, maxBuffer: 64 << 20 }, (err, out) => (err ? reject(err) : resolve(out)));
      p.stdin!.end(readFixture('qemu/xen417-arm64-gicv2-no-dom0-panic-loop.log'));
    });
    const evs = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(evs.length).toBe(decodeText(readFixture('qemu/xen417-arm64-gicv2-no-dom0-panic-loop.log'), 'stdin').length);
    expect(evs.every((e) => e.console === 'stdin')).toBe(true);
  });

  it('reports a missing file as an error, not a stack trace', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'decode', '/nonexistent/console.log'], { cwd: REPO }, (err, _o, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr }));
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no such file/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
