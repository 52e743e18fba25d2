// The replay source: a real capture, pacing, looping, timed recordings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayConfig } from '../../src/uart/config.js';
import { ReplaySource } from '../../src/uart/replay.js';
import { encodeXrecLine, parseXrec } from '../../src/uart/xrec.js';
import { sleep, until, watch } from './_util.js';

const FIXTURE = path.resolve('test/fixtures/qemu/xen417-arm64-gicv3-smp2-keys.log');

let dir: string;
const cleanup: (() => Promise<void> | void)[] = [];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenuart-replay-'));
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function replay(cfg: Omit<ReplayConfig, 'type'>): ReplaySource {
  const src = new ReplaySource({ type: 'replay', ...cfg });
  cleanup.push(() => src.close());
  return src;
}

function file(name: string, content: Buffer | string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

/** Play to the end; resolves with the watch and the wall time from start() to 'replay finished'. */
async function playToEnd(src: ReplaySource, timeoutMs = 5000) {
  const w = watch(src);
  const t0 = performance.now();
  src.start();
  await until(() => w.downs() === 1, 'replay finished', timeoutMs);
  return { w, ms: performance.now() - t0 };
}

describe('replay source', () => {
  it('speed 0 plays a real capture at once, byte for byte, in 4 KiB chunks, then stays down', async () => {
    const original = fs.readFileSync(FIXTURE);
    const src = replay({ file: FIXTURE, speed: 0 });
    const { w, ms } = await playToEnd(src);
    expect(w.bytes().equals(original)).toBe(true);
    expect(Math.max(...w.chunks.map((c) => c.length))).toBe(4096);
    expect(w.chunks.length).toBe(Math.ceil(original.length / 4096));
    expect(ms).toBeLessThan(500);
    expect(w.statuses).toEqual([
      { up: true, reason: 'opened' },
      { up: false, reason: 'replay finished' },
    ]);
    await sleep(300);
    expect(w.statuses).toHaveLength(2); // stays down: no reopen
    expect(src.describe()).toBe(`replay ${FIXTURE} x0`);
  });

  it('paces a plain log like a UART: 11520 bytes at 115200 baud take ~1 s, ~0.1 s at speed 10', async () => {
    const data = Buffer.alloc(11520, 'x');
    const p = file('pace.log', data);

    const { w: w1, ms: ms1 } = await playToEnd(replay({ file: p, speed: 1 }));
    expect(w1.bytes().equals(data)).toBe(true);
    expect(ms1).toBeGreaterThan(900);
    expect(ms1).toBeLessThan(1400);
    // Realistic chunks: one ~10 ms tick worth (~115 bytes), not one big blob nor single bytes.
    const sizes = w1.chunks.map((c) => c.length);
    expect(Math.max(...sizes)).toBeLessThan(600);
    expect(sizes.length).toBeGreaterThan(30);
    expect(sizes.length).toBeLessThan(150);

    const { w: w10, ms: ms10 } = await playToEnd(replay({ file: p, speed: 10 }));
    expect(w10.bytes().equals(data)).toBe(true);
    expect(ms10).toBeGreaterThan(80);
    expect(ms10).toBeLessThan(400);
  });

  it('plays the real capture paced, identical to the file (baudRate 921600, speed 8)', async () => {
    const original = fs.readFileSync(FIXTURE);
    // 39771 bytes at 92160 B/s * 8 = ~54 ms
    const { w, ms } = await playToEnd(replay({ file: FIXTURE, speed: 8, baudRate: 921600 }));
    expect(w.bytes().equals(original)).toBe(true);
    expect(ms).toBeGreaterThan(40);
    expect(ms).toBeLessThan(500);
  });

  it('loops with a gap, staying up', async () => {
    const p = file('loop.log', 'boot\n');
    const src = replay({ file: p, speed: 0, loop: true, loopGapMs: 100 });
    const w = watch(src);
    src.start();
    await sleep(370);
    expect(w.bytes().toString()).toMatch(/^(boot\n){3,5}$/);
    expect(w.statuses).toEqual([{ up: true, reason: 'opened' }]);
    expect(src.describe()).toBe(`replay ${p} x0 loop`);
  });

  it('plays a timed recording (.xrec.jsonl) at its pace / speed, keeping its chunks', async () => {
    const recs = [
      [1000, 'Xen 4.17\n'], // the recording starts at its first chunk, not at t=0
      [1200, '(XEN) one\n'],
      [1400, '(XEN) two\n'],
    ] as const;
    const p = file('boot.xrec.jsonl', `{"xrec":1,"note":"metadata lines are skipped"}\n${recs.map(([t, s]) => encodeXrecLine(t, Buffer.from(s))).join('')}`);
    expect(parseXrec(fs.readFileSync(p, 'utf8')).map((r) => r.t)).toEqual([1000, 1200, 1400]);

    for (const speed of [1, 2]) {
      const src = replay({ file: p, speed });
      const w = watch(src);
      const t0 = Date.now();
      src.start();
      await until(() => w.downs() === 1, `end at speed ${speed}`);
      expect(w.chunks.map((c) => c.toString())).toEqual(recs.map(([, s]) => s));
      const offsets = w.stamps.map((ts) => ts - t0);
      expect(offsets[0]).toBeLessThan(60);
      expect(offsets[1]! - offsets[0]!).toBeGreaterThan(200 / speed - 15);
      expect(offsets[1]! - offsets[0]!).toBeLessThan(200 / speed + 60);
      expect(offsets[2]! - offsets[0]!).toBeGreaterThan(400 / speed - 15);
      expect(offsets[2]! - offsets[0]!).toBeLessThan(400 / speed + 60);
    }
  });

  it('accepts writes while playing (discarded) and gives them to onWrite; rejects them when finished', async () => {
    class EchoBoard extends ReplaySource {
      protected override onWrite(data: Buffer): void {
        this.respond(Buffer.concat([Buffer.from('echo:'), data]));
      }
    }
    const p = file('board.log', Buffer.alloc(2000, '.'));
    const src = new EchoBoard({ type: 'replay', file: p, speed: 0.5, baudRate: 9600 });
    cleanup.push(() => src.close());
    const w = watch(src);
    src.start();
    await until(() => src.up, 'up');
    await src.write(Buffer.from('h'));
    await until(() => w.bytes().includes('echo:h'), 'answer');
    await src.close();

    const plain = replay({ file: file('short.log', 'x'), speed: 0 });
    const { w: wp } = await playToEnd(plain);
    expect(wp.bytes().toString()).toBe('x');
    await expect(plain.write(Buffer.from('h'))).rejects.toThrow(/is down \(replay finished\)/);
  });

  it('a missing file is one down status with the reason; a bad recording names its line', async () => {
    const missing = replay({ file: path.join(dir, 'nope.log') });
    const w = watch(missing);
    missing.start();
    await until(() => w.statuses.length === 1, 'status');
    expect(w.statuses[0]).toEqual({ up: false, reason: expect.stringMatching(/ENOENT/) });

    const bad = replay({ file: file('bad.xrec.jsonl', `${encodeXrecLine(0, Buffer.from('a'))}{"t": 5, "d": 7}\n`) });
    const wb = watch(bad);
    bad.start();
    await until(() => wb.statuses.length === 1, 'status');
    expect(wb.statuses[0]).toEqual({ up: false, reason: 'xrec line 2: expected {"t": <ms>, "d": "<base64>"}' });
  });

  it('an idle paced replay sleeps through silences instead of polling', async () => {
    // A recording with a 1.5 s silence: the timer must sleep through it, not tick every 10 ms.
    const p = file('idle.xrec.jsonl', encodeXrecLine(0, Buffer.from('a')) + encodeXrecLine(1500, Buffer.from('b')));
    const src = replay({ file: p, speed: 1 });
    const w = watch(src);
    const realSetTimeout = globalThis.setTimeout;
    let timers = 0;
    src.start();
    await until(() => w.bytes().length === 1, 'first chunk');
    const cpu0 = process.cpuUsage();
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return realSetTimeout(...args);
    }) as typeof setTimeout;
    try {
      await new Promise((r) => realSetTimeout(r, 1000));
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    const cpu = process.cpuUsage(cpu0);
    expect(timers).toBeLessThanOrEqual(2); // polling every 10 ms would be ~100
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(100);
    await until(() => w.bytes().toString() === 'ab', 'second chunk');
  });
});
