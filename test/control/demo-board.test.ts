// The built-in demo board: the default config's console answers CTRL-a x3 and debug keys with
// real recorded answers, so `npm start` shows keys working without hardware.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import { BIN, REPO, spawnDaemon, type ChildDaemon } from '../helpers/child-daemon.js';
import { DEFAULT_CONFIG } from '../../src/config/load.js';
import { loadAnswers } from '../../src/demo/board.js';
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
    expect(q).toMatch(/-- xen\.gic\.lrs \[\d+\.\.\d+\] vcpu=0 domain=0\n\s+LR0: invalid\s+vIRQ 1\s+prio 160 group 1\n\s+LR1: invalid\s+vIRQ 27\s+prio 160 group 1/);
    const dd = (await run(process.execPath, [BIN, 'key', 'demo', 'd', '--url', d.url], { cwd: REPO })).stdout;
    expect(dd).toMatch(/-- xen\.regs .*cpu=0 .*idle_loop.*\n\s+PC 000000000025b0c8  LR 000000000025b084 .*\n\s+ESR_EL2: Trapped WFI\/WFE, IL=1, ISS 0x1e00000/);
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
