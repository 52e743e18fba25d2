// The `xenuart` command against a real daemon child process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, REPO, spawnDaemon, type ChildDaemon } from '../helpers/child-daemon.js';
import { FIXTURES_DIR, hungDom0Boot } from '../helpers/fixtures.js';

const run = promisify(execFile);
let dir: string;
let d: ChildDaemon;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-cli-'));
  writeFileSync(path.join(dir, 'hung.log'), hungDom0Boot().join('\r\n') + '\r\n');
  d = await spawnDaemon(dir, {
    storage: { dir: path.join(dir, 'data') },
    consoles: [
      { id: 'demo', source: { type: 'replay', file: path.join(FIXTURES_DIR, 'qemu/xen417-arm64-gicv3-smp2-keys.log'), speed: 4, loop: true } },
      // A dom0 hung while it set up its interrupts (helpers/fixtures.ts): its setup stays open.
      { id: 'hung', source: { type: 'replay', file: path.join(dir, 'hung.log'), speed: 0 } },
    ],
  });
});
afterAll(() => {
  d?.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const xenuart = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env } });

describe('xenuart CLI', () => {
  it('consoles lists the demo console', async () => {
    const { stdout } = await xenuart(['consoles', '--url', d.url]);
    expect(stdout).toMatch(/^demo\s+up\s+replay .*xen417-arm64-gicv3-smp2-keys\.log/m);
  });

  it('tail --from prints history lines and exits', async () => {
    await new Promise((r) => setTimeout(r, 500));
    const { stdout } = await xenuart(['tail', 'demo', '--from', '1', '--url', d.url]);
    expect(stdout.split('\n')[0]).toMatch(/^\(XEN\) Xen version 4\.17\.7/);
  });

  it('tail --events describes each decoded event in one line, on stderr', async () => {
    const { stdout, stderr } = await xenuart(['tail', 'demo', '--from', '1', '--events', '--url', d.url]);
    expect(stdout).not.toMatch(/-- event/);
    expect(stderr).toMatch(/^-- event xen\.milestone \[1\.\.1\]: Xen starts$/m);
    expect(stderr).toMatch(/^-- event xen\.timer \[28\.\.28\]: 62\.50 MHz, PPIs phys 30, hyp 26, virt 27$/m);
  });

  it('search finds lines in the history, oldest first, with seq and receive time', async () => {
    const { stdout, stderr } = await xenuart(['search', 'demo', 'GICv3: 256 lines', '--first', '-n', '1', '--url', d.url]);
    expect(stdout).toMatch(/^ +\d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}\(XEN\) GICv3: 256 lines, \(IID 0000043b\)\.\n$/);
    expect(stderr).toMatch(/^-- 1 match; more after these \(--limit\)$/m);
    const none = await xenuart(['search', 'demo', 'no such words anywhere', '--url', d.url]);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/-- 0 matches/);
    await expect(xenuart(['search', 'demo', 'x', '-n', '0', '--url', d.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/must be a whole number >= 1/) });
    await expect(xenuart(['break', 'demo', '--ms', 'abc', '--url', d.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/'--ms <ms>' argument 'abc' is invalid\. must be a whole number >= 1/) });
    await expect(xenuart(['diagnose', 'demo', '--seconds', '1.5', '--url', d.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/must be a whole number >= 0/) });
  });

  it('events lists decoded events one line each; boots lists the boot records', async () => {
    const { stdout } = await xenuart(['events', 'demo', '--kind', 'xen.gic.init', '--first', '-n', '1', '--url', d.url]);
    expect(stdout).toBe('[29..37] xen.gic.init: GICv3, 256 lines, distributor 0x8000000, maintenance IRQ 25\n');
    const b = await xenuart(['boots', 'demo', '--url', d.url]);
    expect(b.stdout.split('\n')[0]).toMatch(/^ +1 {2}lines 1-\S+ {2}\d{4}-\d\d-\d\d [\d:.]+ {2}xen: Xen version 4\.17\.7 \(Debian/);
  });

  it('events --open lists the blocks still open: a kernel hung while setting up its interrupts', async () => {
    let stdout = '';
    for (let i = 0; i < 50 && !stdout; i++) {
      stdout = (await xenuart(['events', 'hung', '--open', '--kind', 'linux.*', '--url', d.url])).stdout;
      if (!stdout.includes('event-channel')) { stdout = ''; await new Promise((r) => setTimeout(r, 100)); }
    }
    expect(stdout).toBe('[109..190] linux.irq.setup (partial: still open): dom0 Linux: GICv3 · 224 SPIs · 16 PPIs · redistributors for CPU 0 · timer 62.5 MHz (virt) · FIFO event channels; no event-channel interrupt\n');
    const none = await xenuart(['events', 'hung', '--open', '--kind', 'xen.*', '--url', d.url]);
    expect(none.stdout).toBe('');
    // Not in the stored events until it closes.
    expect((await xenuart(['events', 'hung', '--kind', 'linux.irq.setup', '--url', d.url])).stdout).toBe('');
  });

  it('tail --follow prints live lines as they arrive', async () => {
    const child = spawn(process.execPath, [BIN, 'tail', 'demo', '--follow', '-n', '0'], { env: { ...process.env, XENUART_URL: d.url } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    const t0 = Date.now();
    while (out.split('\n').length < 20 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 100));
    child.kill();
    expect(out.split('\n').length).toBeGreaterThanOrEqual(20);
  });

  it('tail --follow into a pipe that closes (| head) exits 0 without a stack trace', async () => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${BIN}" tail demo --follow --from 1 | head -n 5`], { env: { ...process.env, XENUART_URL: d.url } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    // The replay keeps printing, so the writer meets the closed pipe soon after head exits.
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(out.split('\n').filter(Boolean)).toHaveLength(5);
    expect(err).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });

  it('tail --json prints protocol messages', async () => {
    const { stdout } = await xenuart(['tail', 'demo', '--from', '1', '--json', '--url', d.url]);
    const msgs = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(msgs[0]).toMatchObject({ type: 'hello', protocol: 1 });
    expect(msgs.find((m) => m.type === 'line')).toMatchObject({ seq: 1 });
  });

  it('reports an unknown console and an unreachable daemon clearly', async () => {
    await expect(xenuart(['tail', 'nope', '--url', d.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/no console "nope"/) });
    await expect(xenuart(['consoles', '--url', 'http://127.0.0.1:1'])).rejects.toMatchObject({ code: 3, stderr: expect.stringMatching(/cannot reach the daemon/) });
  });

  it('serve refuses a bad config, naming the key', async () => {
    const bad = path.join(dir, 'bad.yaml');
    (await import('node:fs')).writeFileSync(bad, 'server: { port: "x" }\n');
    await expect(xenuart(['serve', '--config', bad])).rejects.toMatchObject({ stderr: expect.stringMatching(/server\.port/) });
  });

  it('decode --json prints events of a saved log, one per line', async () => {
    const { stdout } = await xenuart(['decode', '--json', path.join(FIXTURES_DIR, 'qemu/xen417-arm64-gicv2-no-dom0-panic-loop.log')]);
    const evs = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(evs.filter((e) => e.kind === 'boot.start').length).toBe(6);
  });

  it('diagnose --file quotes the lines the findings cite, as framed: CR-only line ends, no escape sequences', async () => {
    // The event-channel capture (its shell prompts carry ESC [6n) with every line end made a bare CR.
    const raw = readFileSync(path.join(FIXTURES_DIR, 'captured/xen417-arm64-gicv2-evtchn-upcall-disabled.log'), 'latin1');
    expect(raw).toContain('\x1b[6n');
    const file = path.join(dir, 'cr-only.log');
    writeFileSync(file, raw.replace(/\r*\n/g, '\r'), 'latin1');
    const { stdout } = await xenuart(['diagnose', '--file', file]);
    expect(stdout).not.toContain('\x1b');
    const out = stdout.split('\n');
    const i = out.findIndex((l) => l.includes('(e dump 1: d0 port 2 pending, not masked)'));
    expect(i).toBeGreaterThan(0);
    expect(out[i + 1]).toMatch(/^ {5}\d+: \(XEN\) +2 \[1\/0\/ {2}0 {3}\]: s=5 n=0 x=0 v=2$/);
    const d = out.findIndex((l) => l.includes('(the write that disabled it'));
    expect(out[d + 1]).toMatch(/^ {5}\d+: \/ # taskset 1 devmem 0x08000180 32 0x00010000$/);
  });
});
