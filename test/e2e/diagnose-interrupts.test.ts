// The missing interrupt, reproduced on real Xen: dom0 (GICv2, iomem=relaxed) writes
// GICD_ICENABLER0 bit 27 through its vGIC with devmem, disabling the virtual timer PPI for the
// vCPU it runs on; `sleep 1` never returns. The active diagnosis must name interrupt 27, the
// virtual timer, on that vCPU, as its top finding, with evidence lines; and `xenuart diagnose
// --file` on the saved log must give the same top finding.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from '../helpers/daemon.js';
import { BIN, REPO } from '../helpers/child-daemon.js';
import { useBoardDaemon } from './helpers/board-daemon.js';

const run = promisify(execFile);
const b = useBoardDaemon({ gic: 2, dom0Args: 'iomem=relaxed', tokens: [{ name: 'otto', token: 'operator-token-diag', role: 'operator' }], settleMs: 1000 });
const api = b.api;

describe('missing interrupt on real Xen', () => {
  let top: any;
  it('the active diagnosis names the virtual timer, irq 27, on the stalled vCPU', async () => {
    expect((await api('POST', '/api/v1/consoles/xen/lease', {})).status).toBe(200);
    expect((await api('POST', '/api/v1/consoles/xen/input', { data: 'devmem 0x08000180 32 0x08000000\r' })).status).toBe(200);
    await sleep(500);
    expect((await api('POST', '/api/v1/consoles/xen/input', { data: 'sleep 1; echo woke up\r' })).status).toBe(200);
    await sleep(3000);
    const r = await api('POST', '/api/v1/consoles/xen/diagnose/interrupts', { seconds: 3 });
    expect(r.status).toBe(200);
    top = r.json.findings[0];
    expect(top).toMatchObject({ severity: 'error', irq: 27, domain: 0 });
    expect(top.title + ' ' + top.explanation).toMatch(/virtual timer/i);
    // The vCPU named is the one whose q dumps hold irq 27 in flight.
    const lrs = (await api('GET', `/api/v1/consoles/xen/events?kind=xen.gic.lrs&from=${r.json.run.firstSeq}`)).json.events as Array<{ data: any }>;
    // Another vCPU may show it once, in passing (queued while the shell migrated); the stalled one
    // shows it in every q dump of the run.
    const n = lrs.length;
    const stuckIn = (v: number) => lrs.filter((e) => e.data.vcpu === v && e.data.inflight.some((x: any) => x.irq === 27 && x.lr === 255)).length;
    expect(n).toBeGreaterThanOrEqual(4); // two q dumps, two vCPUs each
    expect(stuckIn(top.vcpu)).toBe(lrs.filter((e) => e.data.vcpu === top.vcpu).length);
    expect(stuckIn(top.vcpu)).toBeGreaterThanOrEqual(2);
    // The run pressed e with each q: dom0's event channels, decoded from real Xen, twice.
    expect(r.json.run.steps).toEqual(['q', 'e', 'q', 'e', 'd', '0']);
    const ev = (await api('GET', `/api/v1/consoles/xen/events?kind=xen.evtchn&from=${r.json.run.firstSeq}`)).json.events as Array<{ data: any }>;
    expect(ev.filter((e) => e.data.domain === 0)).toHaveLength(2);
    expect(ev[0].data.ports.some((p: any) => p.state === 'virq' && p.virqName === 'console')).toBe(true);
    // Evidence points at real lines, including an `Inflight irq=27` line.
    const texts: string[] = [];
    for (const e of top.evidence) {
      const ls = (await api('GET', `/api/v1/consoles/xen/lines?from=${e.firstSeq}&to=${e.lastSeq}`)).json.lines;
      texts.push(...ls.map((l: any) => l.text));
    }
    expect(texts.some((x) => /Inflight irq=27 lr=255/.test(x))).toBe(true);
    // dom0 really is stuck: `woke up` never came.
    expect((await api('GET', `/api/v1/consoles/xen/lines?q=${encodeURIComponent('woke up')}`)).json.lines.filter((l: any) => /^woke up$/.test(l.text))).toEqual([]);
  }, 300_000);

  it("dom0's interrupt setup is decoded from the real boot: GICv2 with its v2m frame, virt timer, FIFO event channels, both vCPUs", async () => {
    const setups = (await api('GET', '/api/v1/consoles/xen/events?kind=linux.irq.setup')).json.events as Array<{ partial?: boolean; data: any }>;
    expect(setups).toHaveLength(1);
    const d = setups[0].data;
    expect(setups[0].partial).toBeUndefined();
    expect(d).toMatchObject({ stream: 'plain', gic: { version: 2 }, timer: { mode: 'virt' }, xen: { eventsAbi: 'fifo' }, cpus: { booted: [1], failed: [], online: 2 } });
    expect(d.gic.v2m).toHaveLength(1);
    expect(d.xen.initializedCpus).toEqual([0, 1]);
    expect(d.xen.version).toMatch(/^4\.\d+$/);
  });

  it('xenuart diagnose --file on the saved log gives the same top finding', async () => {
    const rt = b.t.d.consoles.get('xen')!;
    const file = path.join(b.dir, 'scenario.log');
    writeFileSync(file, rt.store.rawRange(rt.store.rawStart, rt.store.rawOffset));
    const { stdout } = await run(process.execPath, [BIN, 'diagnose', '--file', file, '--json'], { cwd: REPO });
    const f = JSON.parse(stdout).findings[0];
    expect(f).toMatchObject({ severity: 'error', irq: top.irq, domain: top.domain, vcpu: top.vcpu });
  }, 60_000);
});
