// A dom0 kernel that hangs while it sets up its interrupts never closes its linux.irq.setup event
// (that ends at `smp: Brought up`): the live diagnosis and GET .../events/open see it open.
import { afterEach, describe, expect, it } from 'vitest';
import { readFixture } from '../helpers/fixtures.js';
import { sleep, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { TestServer } from '../helpers/sockets.js';

let t: TestDaemon | undefined;
let srv: TestServer | undefined;
afterEach(async () => { await t?.stop(); await srv?.close(); t = srv = undefined; });

// DERIVED: the QEMU GICv3 capture's first 193 lines (Xen's boot, then dom0's kernel up to
// `smp: Bringing up secondary CPUs ...`), with the kernel's `Xen event channel interrupt not found`
// added after its event-channel ABI line, as a kernel whose device tree lost the upcall PPI prints it.
const lines = readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log').toString('utf8').split(/\r*\n/).slice(0, 193);
const fifo = lines.indexOf('[    0.267966] xen:events: Using FIFO-based ABI');
lines.splice(fifo + 1, 0, '[    0.267970] Xen event channel interrupt not found');

describe('blocks the decoders hold open, live', () => {
  it('a kernel hung before its CPUs came up: its setup is open, and the diagnosis reads it', async () => {
    expect(fifo).toBe(187);
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
    const seq = lines.indexOf('[    0.267970] Xen event channel interrupt not found') + 1;
    expect(f.evidence).toEqual([{ firstSeq: seq, lastSeq: seq, note: 'no event-channel interrupt' }]);
  });

  it('unknown console: 404', async () => {
    t = await startDaemon({ consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: 1 } }] });
    const r = await fetch(`${t.url}/api/v1/consoles/nope/events/open`);
    expect(r.status).toBe(404);
    expect((await r.json() as { message: string }).message).toMatch(/nope/);
  });
});
