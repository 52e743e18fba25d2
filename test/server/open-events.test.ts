// Blocks a stuck board never closes, seen live: a dom0 kernel that hangs while it sets up its
// interrupts never closes its linux.irq.setup event (that ends at `smp: Brought up`), and a kernel
// stuck in an RCU stall never ends its report. GET .../events/open and the live diagnosis see them.
import { afterEach, describe, expect, it } from 'vitest';
import { hungDom0Boot, NO_EVENT_IRQ, readFixture } from '../helpers/fixtures.js';
import { frameAll } from '../../src/framing/framer.js';
import { sleep, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { TestServer } from '../helpers/sockets.js';

let t: TestDaemon | undefined;
let srv: TestServer | undefined;
afterEach(async () => { await t?.stop(); await srv?.close(); t = srv = undefined; });

const lines = hungDom0Boot();

describe('blocks the decoders hold open, live', () => {
  it('a kernel hung before its CPUs came up: its setup is open, and the diagnosis reads it', async () => {
    srv = new TestServer({ port: 0 });
    await srv.listen();
    t = await startDaemon({ consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: srv.port } }] });
    for (let i = 0; i < 100 && srv.connections.length === 0; i++) await sleep(10);
    srv.connections[0].write(lines.join('\r\n') + '\r\n');
    const get = async (p: string) => (await fetch(`${t!.url}/api/v1/consoles/b${p}`)).json() as Promise<any>;
    for (let i = 0; i < 200 && (await get('')).nextSeq <= lines.length; i++) await sleep(20);
    expect((await get('')).nextSeq).toBe(lines.length + 1);
    const open = (await get('/events/open')).events.filter((e: any) => e.kind === 'linux.irq.setup');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ console: 'b', partial: true, reason: 'still open', data: { xen: { eventsAbi: 'fifo', noEventIrq: true }, gic: { version: 3 } } });
    expect(open[0].id).toBeUndefined();
    // Not stored: it is stored when it closes.
    expect((await get('/events?kind=linux.irq.setup')).events).toEqual([]);

    const diag = await get('/diagnose/interrupts');
    const f = diag.findings.find((x: any) => x.rule === 'linux-irq-setup');
    expect(f).toMatchObject({ severity: 'error', title: 'dom0: Linux found no Xen event-channel interrupt, so no event channel can interrupt it', domain: 0 });
    const seq = lines.indexOf(NO_EVENT_IRQ) + 1;
    expect(seq).toBe(189);
    expect(f.evidence).toEqual([{ firstSeq: seq, lastSeq: seq, note: 'no event-channel interrupt' }]);
  });

  it('the missing-interrupt scenario, live: the RCU stall report dom0 never ended is part of the diagnosis, as offline', async () => {
    // The capture ends inside the kernel's RCU stall report (lines 417-445: no end marker came,
    // dom0 was stuck): live, the decoder holds it open, and only the flush at the end of a file
    // closes it. The live diagnosis must give what `xenuart diagnose --file` gives.
    const log = readFixture('captured/xen417-arm64-gicv2-vtimer-disabled.log');
    const n = frameAll(log).length;
    srv = new TestServer({ port: 0 });
    await srv.listen();
    t = await startDaemon({ consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: srv.port } }] });
    for (let i = 0; i < 100 && srv.connections.length === 0; i++) await sleep(10);
    srv.connections[0].write(log);
    const get = async (p: string) => (await fetch(`${t!.url}/api/v1/consoles/b${p}`)).json() as Promise<any>;
    for (let i = 0; i < 200 && (await get('')).nextSeq <= n; i++) await sleep(20);
    expect((await get('/events/open')).events.map((e: any) => `${e.kind} ${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.rcu_stall 417-445']);
    const { findings } = await get('/diagnose/interrupts');
    expect(findings[0]).toMatchObject({ severity: 'error', irq: 27, domain: 0, vcpu: 1, rule: 'stuck-inflight' });
    expect(findings[0].evidence.some((e: any) => e.firstSeq <= 417 && 417 <= e.lastSeq)).toBe(true);
    expect(findings.find((f: any) => f.rule === 'linux-reports')).toMatchObject({ severity: 'error', domain: 0, vcpu: 1, irq: 27 });
  });

  it('unknown console: 404', async () => {
    t = await startDaemon({ consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: 1 } }] });
    const r = await fetch(`${t.url}/api/v1/consoles/nope/events/open`);
    expect(r.status).toBe(404);
    expect((await r.json() as { message: string }).message).toMatch(/nope/);
  });
});
