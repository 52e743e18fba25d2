// BREAK end to end: Linux (the board's arm64 kernel and initramfs, bare metal, no Xen) under QEMU
// with its PL011 on a telnet chardev. xenuart's telnet source sends IAC BRK, QEMU turns it into a
// break condition on the emulated UART, Linux sees the BREAK and takes the next key as magic
// SysRq: `break {sysrq: 'h'}` makes the kernel print its SysRq help. (A Linux PTY cannot carry a
// BREAK at all: the pty driver has no break_ctl, so tcsendbreak() on it is a silent no-op.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { isXenBoardAvailable, xenBoardCacheDir } from './helpers/xen-board.js';
import { startDaemon, sleep, type TestDaemon } from '../helpers/daemon.js';

const OP = 'operator-token-brk';
let qemu: ChildProcess;
let t: TestDaemon;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function lines(): Promise<Array<{ seq: number; text: string }>> {
  const r = await fetch(`${t.url}/api/v1/consoles/linux/lines?limit=100000`, { headers: { authorization: `Bearer ${OP}` } });
  return ((await r.json()) as { lines: Array<{ seq: number; text: string }> }).lines;
}

async function waitFor(re: RegExp, ms: number, after = 0): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await lines()).some((l) => l.seq > after && re.test(l.text))) return;
    await sleep(250);
  }
  throw new Error(`no line matching ${re}`);
}

beforeAll(async () => {
  if (!isXenBoardAvailable() && process.env.CI) throw new Error('the board is not set up: run scripts/xen-qemu-board setup');
  const board = path.join(xenBoardCacheDir(), 'board');
  const port = await freePort();
  qemu = spawn('qemu-system-aarch64', [
    '-machine', 'virt', '-cpu', 'cortex-a57', '-smp', '1', '-m', '512', '-display', 'none', '-monitor', 'none', '-nic', 'none',
    '-kernel', path.join(board, 'vmlinuz'), '-initrd', path.join(board, 'initrd.cpio.gz'),
    '-append', 'console=ttyAMA0 rdinit=/init sysrq_always_enabled=1',
    '-chardev', `socket,id=s0,host=127.0.0.1,port=${port},server=on,wait=on,telnet=on`, '-serial', 'chardev:s0',
  ], { stdio: 'ignore' });
  await sleep(500);
  t = await startDaemon({
    auth: { tokens: [{ name: 'otto', token: OP, role: 'operator' }] },
    consoles: [{ id: 'linux', source: { type: 'tcp', host: '127.0.0.1', port, telnet: true } }],
  });
  await waitFor(/^\/ # /, 180_000);
}, 240_000);

afterAll(async () => {
  await t?.stop();
  qemu?.kill('SIGKILL');
});

describe('BREAK over telnet to a real UART', () => {
  it('BREAK then h gives the kernel SysRq help', async () => {
    const hdr = { authorization: `Bearer ${OP}`, 'content-type': 'application/json' };
    expect((await fetch(`${t.url}/api/v1/consoles/linux/lease`, { method: 'POST', headers: hdr, body: '{}' })).status).toBe(200);
    const before = (await lines()).at(-1)!.seq;
    const r = await fetch(`${t.url}/api/v1/consoles/linux/break`, { method: 'POST', headers: hdr, body: JSON.stringify({ sysrq: 'h' }) });
    expect(r.status).toBe(200);
    await waitFor(/sysrq: HELP ?: /, 20_000, before);
    const audit = await (await fetch(`${t.url}/api/v1/consoles/linux/events?kind=audit`, { headers: hdr })).json() as { events: Array<{ data: any }> };
    expect(audit.events.some((e) => e.data.action === 'break' && e.data.sysrq === 'h' && e.data.by === 'otto')).toBe(true);
  });
});
