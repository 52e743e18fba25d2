// The built-in demo board: the default config's console answers CTRL-a x3 and debug keys with
// real recorded answers, so `npm start` shows keys working without hardware.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import { BIN, REPO, spawnDaemon, type ChildDaemon } from '../helpers/child-daemon.js';
import { DEFAULT_CONFIG } from '../../src/config/load.js';
import { DemoBoardSource, loadAnswers } from '../../src/demo/board.js';
import { decodeText } from '../../src/decoders/engine.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';

const run = promisify(execFile);
let dir: string;
let d: ChildDaemon;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-demo-'));
  // The default config, faster, with absolute fixture paths and its own storage.
  const cfg = YAML.parse(readFileSync(DEFAULT_CONFIG, 'utf8'));
  const src = cfg.consoles[0].source;
  src.file = path.join(REPO, src.file);
  src.answers = src.answers.map((f: string) => path.join(REPO, f));
  src.speed = 4;
  d = await spawnDaemon(dir, { ...cfg, server: { port: 0 }, storage: { dir: path.join(dir, 'data') } });
  // Wait for the end of boot: input handed to DOM0.
  for (let i = 0; i < 300; i++) {
    const r = await (await fetch(`${d.url}/api/v1/consoles`)).json() as { consoles: Array<{ focus: string }> };
    if (r.consoles[0].focus === 'dom0') break;
    await new Promise((res) => setTimeout(res, 100));
  }
}, 60_000);
afterAll(() => {
  d?.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('demo board', () => {
  it('has real recorded answers for the common keys', () => {
    const a = loadAnswers([path.join(FIXTURES_DIR, 'qemu/xen417-arm64-gicv3-smp2-keys.log')]);
    expect([...a.keys()].sort().join('')).toBe('0Hadeghmqrt');
    expect(a.get('q')!.toString()).toMatch(/^\(XEN\) 'q' pressed -> dumping domain info/);
  });

  it('answers `xenuart key demo d` with one decoded register dump per CPU and input back on DOM0', async () => {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'key', 'demo', 'd', '--json', '--url', d.url], { cwd: REPO });
    const r = JSON.parse(stdout);
    expect(r.focus).toEqual({ before: 'dom0', during: 'xen', after: 'dom0' });
    const regs = r.keys[0].events.filter((e: any) => e.kind === 'xen.regs');
    expect(regs.map((e: any) => e.data.cpu).sort()).toEqual([0, 1]);
    expect(stderr).toBe('');
  });

  it('prints the decoded content of an answer: each LR of q, PC/ESR of d', async () => {
    const q = (await run(process.execPath, [BIN, 'key', 'demo', 'q', '--url', d.url], { cwd: REPO })).stdout;
    // qemu gicv3 keys log: VCPU_LR[1]=10a000000000001b on d0v0 is vIRQ 27 (the virtual timer), invalid, prio 0xa0, group 1.
    expect(q).toMatch(/-- xen\.gic\.lrs \[\d+\.\.\d+\]: d0v0: GICv3 list registers, mask 0; \d+ in flight, \d+ pending\n\s+LR0: invalid\s+vIRQ 1\s+prio 160 group 1\n\s+LR1: invalid\s+vIRQ 27\s+prio 160 group 1/);
    expect(q).toMatch(/-- xen\.domain \[\d+\.\.\d+\]: domain 0: 2 vCPUs, interrupts \{/);
    const dd = (await run(process.execPath, [BIN, 'key', 'demo', 'd', '--url', d.url], { cwd: REPO })).stdout;
    expect(dd).toMatch(/-- xen\.regs \[\d+\.\.\d+\]: CPU0 host \(key d\), EL2h, PC domain\.c#idle_loop\+0x128\/0x140\n\s+PC 000000000025b0c8  LR 000000000025b084 .*\n\s+ESR_EL2: Trapped WFI\/WFE, IL=1, ISS 0x1e00000/);
  });

  it('`xenuart diagnose --passive` shows the evidence lines themselves', async () => {
    const out = (await run(process.execPath, [BIN, 'diagnose', 'demo', '--passive', '--url', d.url], { cwd: REPO })).stdout;
    const m = /evidence: lines (\d+)\.\.\d+.*\n\s+(\d+): (.*)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(m![2]).toBe(m![1]);
    expect(m![3]).toMatch(/^\(XEN\) d0v\d: vGIC/);
  });

  it('answers 0 (dom0 vCPUs) and r (run queues, no header)', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'key', 'demo', '0r', '--url', d.url], { cwd: REPO });
    expect(stdout).toMatch(/== '0' dumping Dom0's registers/);
    expect(stdout).toMatch(/-- xen\.regs .*context|-- xen\.regs/);
    expect(stdout).toMatch(/== 'r'/);
  });
});

describe('demo board lines', () => {
  it("starts Xen's own lines on a new line when the replay was paused half-way through one", async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'xenuart-demo-line-'));
    const file = path.join(tmp, 'boot.log');
    writeFileSync(file, '(XEN) Brought up 2 CPUs\n');
    class Board extends DemoBoardSource {
      say(s: string): void { this.respond(Buffer.from(s)); }
    }
    const b = new Board({ type: 'replay', file, speed: 1000, loop: true, loopGapMs: 60_000, baudRate: 115200, answers: [path.join(FIXTURES_DIR, 'qemu/xen417-arm64-gicv3-smp2-keys.log')] } as never);
    const out: Buffer[] = [];
    b.on('data', (c: Buffer) => out.push(c));
    b.start();
    try {
      for (let i = 0; i < 100 && !Buffer.concat(out).includes('\n'); i++) await new Promise((r) => setTimeout(r, 20));
      b.say('(XEN) Using scheduler: SMP Cr'); // a Xen line the replay had not finished
      await b.write(Buffer.from([1, 1, 1]));
      await b.write(Buffer.from('q'));
      for (let i = 0; i < 100 && !Buffer.concat(out).includes("'q' pressed"); i++) await new Promise((r) => setTimeout(r, 20));
      const text = Buffer.concat(out).toString('latin1');
      expect(text).toContain("(XEN) Using scheduler: SMP Cr\r\n(XEN) *** Serial input to Xen (type 'CTRL-a' three times to switch input)\r\n(XEN) 'q' pressed");
      const focus = decodeText(text).filter((e) => e.kind === 'xen.focus').map((e) => e.data.target);
      expect(focus).toEqual(['xen']);
    } finally {
      await b.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
