// The serial source against real PTY pairs made by socat (see test/helpers/pty.ts).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { binding, SerialSource } from '../../src/uart/serial.js';
import { SocatPty } from '../helpers/pty.js';
import { sleep, until, watch } from './_util.js';

if (spawnSync('socat', ['-V']).error) throw new Error('these tests need socat (apt-get install -y socat)');

let dir: string;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenuart-serial-'));
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function pair(name: string): Promise<SocatPty> {
  const pty = new SocatPty(dir, name);
  await pty.start();
  cleanup.push(() => pty.stop());
  return pty;
}

function source(p: string, extra: Partial<ConstructorParameters<typeof SerialSource>[0]> = {}): SerialSource {
  const src = new SerialSource({ type: 'serial', path: p, ...extra });
  cleanup.push(() => src.close());
  return src;
}

describe('serial source on a PTY', () => {
  it('moves bytes both ways, with receive timestamps', async () => {
    const pty = await pair('basic');
    const src = source(pty.dev);
    const w = watch(src);
    const before = Date.now();
    src.start();
    await until(() => src.up, 'up');
    expect(w.statuses).toEqual([{ up: true, reason: 'opened' }]);
    expect(src.reconnects).toBe(0);
    expect(src.describe()).toBe(`${pty.dev} @115200 8N1`);

    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // every byte value, 0xFF too
    pty.writeFar(all);
    await until(() => w.bytes().length >= 256, 'far -> source bytes');
    expect(w.bytes()).toEqual(all);
    for (const ts of w.stamps) {
      expect(ts).toBeGreaterThanOrEqual(before - 1);
      expect(ts).toBeLessThanOrEqual(Date.now() + 1);
    }

    const rx = pty.readFar();
    cleanup.push(() => rx.stop());
    await src.write(Buffer.from('xl\r\x01\x01\x01'));
    await until(() => rx.bytes().length >= 6, 'source -> far bytes');
    expect(rx.bytes().toString('latin1')).toBe('xl\r\x01\x01\x01');
  });

  it("reads on the event loop: bytes arrive while libuv's thread pool is busy", async () => {
    // serialport's own read goes through the thread pool (fs.read): behind slow file system or
    // crypto work, a console line would wait for a free thread. Ours does not.
    const pty = await pair('pool');
    const src = source(pty.dev);
    const w = watch(src);
    src.start();
    await until(() => src.up, 'up');
    // Twice as many jobs as the pool has threads, each about 0.4 s of CPU: a read that needs a
    // pool thread waits until one of them is done.
    const t = performance.now();
    crypto.pbkdf2Sync('x', 's', 20_000, 64, 'sha512');
    const iterations = Math.ceil((20_000 * 400) / Math.max(1, performance.now() - t));
    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    let done = 0;
    const jobs = Array.from({ length: threads * 2 }, () => new Promise((r) => crypto.pbkdf2('x', 's', iterations, 64, 'sha512', () => r(++done))));
    cleanup.push(async () => void (await Promise.all(jobs)));
    await sleep(20);
    pty.writeFar(Buffer.from('(XEN) a line\n'));
    await until(() => w.bytes().length >= 13 || done > 0, 'bytes or a pool job done');
    expect(w.bytes().toString(), 'the bytes came before any pool thread was free').toBe('(XEN) a line\n');
    expect(done).toBe(0);
  });

  it('a device that never pauses does not starve the event loop (reads yield between chunks)', async () => {
    // read(2) on the event loop returns at once while the tty holds data: back to back reads
    // would keep timers, sockets and HTTP waiting for as long as the board floods the line.
    // Python owns the PTY pair and writes into the master as fast as the kernel takes it (no
    // relay process in between that could fall behind and pause the flood).
    const script = [
      'import os, sys, time, tty',
      'm, s = os.openpty()',
      'tty.setraw(s)',
      'print(os.ttyname(s), flush=True)',
      'sys.stdin.readline()',
      'b = b"(XEN) flood " * 5000',
      'end = time.time() + 1.5',
      'while time.time() < end: os.write(m, b)',
      'print("done", flush=True)',
      'sys.stdin.readline()',
    ].join('\n');
    const py = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    cleanup.push(() => void py.kill());
    const out: string[] = [];
    py.stdout.setEncoding('utf8').on('data', (d: string) => out.push(...d.split('\n').filter(Boolean)));
    await until(() => out.length >= 1, 'the PTY path');
    const src = source(out[0], { baudRate: 4000000 });
    // Each chunk schedules an immediate: if the next chunk comes before it ran, the two reads
    // were back to back, with no turn of the event loop in between.
    let bytes = 0;
    let chunks = 0;
    let backToBack = 0;
    let turnPending = false;
    src.on('data', (c: Buffer) => {
      bytes += c.length;
      chunks++;
      if (turnPending) backToBack++;
      turnPending = true;
      setImmediate(() => (turnPending = false));
    });
    src.start();
    await until(() => src.up, 'up');
    py.stdin.write('go\n');
    await until(() => out.length >= 2, 'the flood to end', 10_000);
    py.stdin.end('\n');
    expect(bytes).toBeGreaterThan(1_000_000);
    expect(chunks).toBeGreaterThan(100);
    expect(backToBack).toBe(0);
  });

  it('accepts line settings (data bits, parity, stop bits, flow control)', async () => {
    const pty = await pair('opts');
    const settings = [
      { baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 2 },
      { baudRate: 230400, dataBits: 8, parity: 'odd', stopBits: 1, rtscts: true },
      { baudRate: 1500000, dataBits: 8, parity: 'none', stopBits: 1, xon: true },
      { baudRate: 57600, dataBits: 5, parity: 'none', stopBits: 1 },
    ] as const;
    for (const s of settings) {
      const src = new SerialSource({ type: 'serial', path: pty.dev, ...s });
      const w = watch(src);
      src.start();
      await until(() => w.statuses.length > 0, `status for ${JSON.stringify(s)}`);
      expect(w.statuses[0], JSON.stringify(s)).toEqual({ up: true, reason: 'opened' });
      await src.close();
    }
    // (A PTY ignores them, so only acceptance can be checked here; the termios bits are serialport's.)
  });

  it('refuses settings the driver cannot do, once, without retrying', async () => {
    const pty = await pair('mark');
    const src = source(pty.dev, { parity: 'mark' });
    const w = watch(src);
    src.start();
    await until(() => w.statuses.length > 0, 'status');
    await sleep(300);
    expect(w.statuses).toEqual([{ up: false, reason: expect.stringMatching(/parity "mark" is not supported/) }]);
  });

  it('reports a missing device once, then opens it when it appears', async () => {
    const pty = new SocatPty(dir, 'late');
    cleanup.push(() => pty.stop());
    const src = source(pty.dev);
    const w = watch(src);
    src.start();
    await until(() => w.statuses.length > 0, 'first status');
    await sleep(400); // several failed retries meanwhile: silent
    expect(w.statuses).toEqual([{ up: false, reason: expect.stringMatching(/No such file or directory/) }]);
    expect(src.lastReason).toMatch(/No such file or directory/);
    await pty.start();
    await until(() => src.up, 'up after the device appeared');
    expect(src.reconnects).toBe(0); // the first successful open is not a reconnect
    pty.writeFar('late hello');
    await until(() => w.bytes().toString() === 'late hello', 'data');
  });

  it('survives the far end going away 20 times: down/up each time, every byte exactly once', async () => {
    const pty = await pair('cycle');
    const src = source(pty.dev);
    const w = watch(src);
    src.start();
    const cpu0 = process.cpuUsage();
    let expected = '';
    for (let i = 0; i < 20; i++) {
      if (i > 0) await pty.start();
      await until(() => w.ups() === i + 1, `up #${i + 1}`);
      const block = `<block ${i}: ${'0123456789'.repeat(1 + (i % 7))}>\n`;
      pty.writeFar(block);
      expected += block;
      await until(() => w.bytes().length >= expected.length, `block ${i}`);
      await pty.stop(); // the cable is pulled
      await until(() => w.downs() === i + 1, `down #${i + 1}`);
      expect(src.up).toBe(false);
    }
    expect(w.bytes().toString()).toBe(expected);
    expect(src.reconnects).toBe(19);
    expect(w.statuses.map((s) => s.up)).toEqual(Array.from({ length: 40 }, (_, i) => i % 2 === 0));
    for (const s of w.statuses.filter((x) => !x.up)) expect(s.reason).toMatch(/^device lost: /);
    // A hung-up PTY must not make us spin on read(2) (serialport alone does: see serial.ts).
    const cpu = process.cpuUsage(cpu0);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(5000);
  });

  it('turns the 0-byte read of a hung-up device into an error (serialport alone spins on it)', async () => {
    const pty = await pair('hup');
    const open = binding.open.bind(binding) as (o: { path: string; baudRate: number }) => ReturnType<typeof binding.open>;
    const port = await open({ path: pty.dev, baudRate: 115200 });
    cleanup.push(() => (port.isOpen ? port.close() : undefined));
    await pty.stop(); // hang up while no read is pending: the next read(2) returns 0 (EOF)
    await sleep(50);
    const read = port.read(Buffer.alloc(64), 0, 64);
    await expect(Promise.race([read, sleep(2000).then(() => 'still reading')])).rejects.toThrow(/device hung up/);
  });

  // BREAK on a PTY. Finding (kernel drivers/tty/pty.c + tty_io.c): the pty driver has no
  // break_ctl operation, so TIOCSBRK/TIOCCBRK and tcsendbreak() return success and do
  // nothing, and packet mode (TIOCPKT) has no flag for a break: the far end can observe
  // nothing. serialport's set({brk}) additionally fails on a PTY, because after TIOCSBRK it
  // sets the modem lines with TIOCMSET, which PTYs don't implement (ENOTTY). Hence the source
  // reports canBreak = false on a PTY; a BREAK can only be verified on a real UART.
  it('BREAK: a PTY cannot carry one; the source says so instead of pretending', async () => {
    const pty = await pair('brk');
    const src = source(pty.dev);
    src.start();
    await until(() => src.up, 'up');
    expect(src.canBreak).toBe(false);
    await expect(src.sendBreak(100)).rejects.toThrow(/pseudo-terminal/);

    // serialport itself on the PTY: the break ioctl is accepted, the modem-line ioctl is not.
    const port = new SerialPort({ path: pty.far, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    const err = await new Promise<Error | null>((res) => port.set({ brk: true }, (e) => res(e ?? null)));
    await new Promise<void>((res) => port.close(() => res()));
    expect(err?.message).toMatch(/Inappropriate ioctl for device/);
  });

  it('BREAK: the kernel facts behind it (python termios on a fresh pty pair)', () => {
    const script = String.raw`
import errno, fcntl, json, os, pty, select, struct, termios
m, s = pty.openpty()
fcntl.ioctl(m, termios.TIOCPKT, struct.pack('i', 1))
TIOCSBRK = getattr(termios, 'TIOCSBRK', 0x5427)  # Linux asm-generic values: python lacks them
TIOCCBRK = getattr(termios, 'TIOCCBRK', 0x5428)
res = {}
def attempt(name, fn):
    try:
        fn(); res[name] = 'ok'
    except OSError as e:
        res[name] = errno.errorcode[e.errno]
attempt('TIOCSBRK', lambda: fcntl.ioctl(s, TIOCSBRK))
attempt('TIOCCBRK', lambda: fcntl.ioctl(s, TIOCCBRK))
attempt('tcsendbreak', lambda: termios.tcsendbreak(s, 0))
attempt('TIOCMSET', lambda: fcntl.ioctl(s, termios.TIOCMSET, struct.pack('i', termios.TIOCM_DTR)))
r, _, _ = select.select([m], [], [], 0.3)
res['masterSawAnything'] = bool(r)
print(json.dumps(res))
`;
    const out = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
    expect(out).toEqual({ TIOCSBRK: 'ok', TIOCCBRK: 'ok', tcsendbreak: 'ok', TIOCMSET: 'ENOTTY', masterSawAnything: false });
  });
});
