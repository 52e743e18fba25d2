// Full stack over a real PTY (socat): the far end plays the board. Bytes reach a WebSocket
// client; the far end is closed and reopened 20 times while the client stays connected and sees
// down/up; every byte written while the device was open is stored exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SocatPty } from '../helpers/pty.js';
import { startDaemon, WsCollector, type TestDaemon } from '../helpers/daemon.js';

let t: TestDaemon | undefined;
let pty: SocatPty | undefined;
let dir: string | undefined;
afterEach(async () => {
  await pty?.stop();
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  t = pty = dir = undefined;
});

describe('serial console on a real PTY', () => {
  it('survives 20 unplug/replug cycles without losing or duplicating a byte', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-pty-'));
    pty = new SocatPty(dir);
    await pty.start();
    t = await startDaemon({ consoles: [{ id: 'tty', source: { type: 'serial', path: pty.dev, baudRate: 115200 } }] });
    const ws = new WsCollector(`${t.url}/api/v1/consoles/tty/stream?batch=1`);
    await ws.opened;
    const rt = t.d.consoles.get('tty')!;
    const ups = () => ws.messages.filter((m) => m.type === 'status' && m.up).length;
    const downs = () => ws.messages.filter((m) => m.type === 'status' && !m.up).length;
    // The first `up` may have happened before the client connected.
    for (let i = 0; i < 200 && !rt.status.up; i++) await new Promise((r) => setTimeout(r, 10));
    const written: Buffer[] = [];
    for (let cycle = 1; cycle <= 20; cycle++) {
      if (cycle > 1) {
        const seenUps = ups();
        await pty.start();
        // serialport flushes the port when it opens it: write only once the source is up again.
        await ws.until(() => ups() > seenUps && rt.status.up, 10_000, `up #${cycle}`);
      }
      // Mixed endings, escapes, invalid UTF-8 and a partial line: all must come back byte-exact.
      const block = Buffer.concat([
        Buffer.from(`(XEN) cycle ${cycle} line a\r\n`),
        Buffer.from(`cycle ${cycle} \x1b[1mbold\x1b[0m \xff\xfe\n`, 'latin1'),
        Buffer.from(`cycle ${cycle} prompt / # `),
      ]);
      pty.writeFar(block);
      written.push(block);
      await ws.until((c) => c.lines().some((l) => l.text === `cycle ${cycle} prompt / # `), 10_000, `cycle ${cycle} data`);
      await pty.stop();
      await ws.until(() => downs() >= cycle, 10_000, `down #${cycle}`);
    }
    expect(ws.closed).toBeUndefined();
    expect(downs()).toBe(20);
    expect(ups()).toBeGreaterThanOrEqual(19);
    expect(rt.counters.reconnects).toBe(19);
    const raw = rt.store.rawRange(rt.store.rawStart, rt.store.rawOffset);
    expect(raw.equals(Buffer.concat(written))).toBe(true);
    // Every cycle's lines were framed once, in order.
    const texts = rt.store.lines({ limit: 1000 }).map((l) => l.text);
    expect(texts.filter((x) => /^\(XEN\) cycle \d+ line a$/.test(x))).toEqual(Array.from({ length: 20 }, (_, i) => `(XEN) cycle ${i + 1} line a`));
    ws.close();
  }, 120_000);

  it('writes reach the far end', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-pty-'));
    pty = new SocatPty(dir);
    await pty.start();
    t = await startDaemon({ consoles: [{ id: 'tty', source: { type: 'serial', path: pty.dev } }] });
    const rt = t.d.consoles.get('tty')!;
    for (let i = 0; i < 200 && !rt.status.up; i++) await new Promise((r) => setTimeout(r, 10));
    const rx = pty.readFar();
    await rt.write(Buffer.from('\x01\x01\x01h'));
    for (let i = 0; i < 100 && rx.bytes().length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    rx.stop();
    expect(rx.bytes().toString('latin1')).toBe('\x01\x01\x01h');
  });
});
