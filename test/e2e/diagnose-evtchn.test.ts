// Event channels on real Xen: dom0 (GICv2, iomem=relaxed) disables its event-channel upcall PPI
// (`events`, INTID 16 on this board) for vCPU0 with `taskset 1 devmem` on GICD_ICENABLER0, then a
// command is typed to it: console input is VIRQ_CONSOLE, notified on vCPU0, so it never arrives.
// The active diagnosis (which presses q and e twice) must put the held upcall first and name the
// event channel that stayed pending, port 2, the console's input, as what it cost.
import { describe, expect, it } from 'vitest';
import { sleep } from '../helpers/daemon.js';
import { useBoardDaemon } from './helpers/board-daemon.js';

const { api, waitForLine } = useBoardDaemon({ gic: 2, dom0Args: 'iomem=relaxed', tokens: [{ name: 'otto', token: 'operator-token-evtchn', role: 'operator' }], settleMs: 1000 });

describe('event-channel upcall disabled on real Xen', () => {
  it('the diagnosis names the held upcall, then port 2 (console input) pending in both e dumps', async () => {
    expect((await api('POST', '/api/v1/consoles/xen/lease', {})).status).toBe(200);
    // The upcall's INTID, from dom0's own /proc/interrupts (the `events` row).
    expect((await api('POST', '/api/v1/consoles/xen/input', { data: 'cat /proc/interrupts\r' })).status).toBe(200);
    await waitForLine(/GIC-0\s+\d+\s+\w+\s+events$/, 20_000);
    const rows = (await api('GET', `/api/v1/consoles/xen/lines?q=${encodeURIComponent('events')}&limit=1000`)).json.lines as Array<{ text: string }>;
    const intid = Number(/GIC-0\s+(\d+)\s+\w+\s+events$/.exec(rows.map((l) => l.text).find((x) => /GIC-0\s+\d+\s+\w+\s+events$/.test(x))!)![1]);
    expect(intid).toBeGreaterThanOrEqual(16);
    expect(intid).toBeLessThan(32);
    const bit = (1 << intid) >>> 0;
    expect((await api('POST', '/api/v1/consoles/xen/input', { data: `taskset 1 devmem 0x08000180 32 0x${bit.toString(16).padStart(8, '0')}\r` })).status).toBe(200);
    await sleep(1000);
    expect((await api('POST', '/api/v1/consoles/xen/input', { data: 'echo typed after the write\r' })).status).toBe(200);
    await sleep(2000);
    const r = await api('POST', '/api/v1/consoles/xen/diagnose/interrupts', { seconds: 3 });
    expect(r.status).toBe(200);
    expect(r.json.run.steps).toEqual(['q', 'e', 'q', 'e', 'd', '0']);
    const [top] = r.json.findings;
    expect(top).toMatchObject({ severity: 'error', rule: 'stuck-inflight', irq: intid, domain: 0, vcpu: 0 });
    const ev = r.json.findings.find((f: any) => f.rule === 'evtchn-pending');
    expect(ev).toMatchObject({ severity: 'warning', irq: intid, domain: 0, vcpu: 0 });
    expect(ev.title).toMatch(/^d0 event-channel port 2 stayed pending: d0v0 never took the event upcall$/);
    expect(ev.explanation).toMatch(/VIRQ_CONSOLE/);
    // Its evidence is the port's row in both e dumps of the run, pending and not masked.
    const texts: string[] = [];
    for (const e of ev.evidence) {
      const ls = (await api('GET', `/api/v1/consoles/xen/lines?from=${e.firstSeq}&to=${e.lastSeq}`)).json.lines;
      texts.push(...ls.map((l: any) => l.text));
    }
    expect(texts.filter((x) => /^\(XEN\)\s+2 \[1\/0\//.test(x)).length).toBeGreaterThanOrEqual(2);
    // dom0 never got the typed line: its echo is not in the history.
    expect((await api('GET', `/api/v1/consoles/xen/lines?q=${encodeURIComponent('typed after the write')}`)).json.lines.filter((l: any) => /^typed after the write$/.test(l.text))).toEqual([]);
  }, 300_000);
});
