// A dom0 kernel that hangs while it sets up its interrupts never closes its linux.irq.setup event
// (that ends at `smp: Brought up`): the live diagnosis and GET .../events/open see it open.
import { afterEach, describe, expect, it } from 'vitest';
import { hungDom0Boot, NO_EVENT_IRQ } from '../helpers/fixtures.js';
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

  it('unknown console: 404', async () => {
    t = await startDaemon({ consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: 1 } }] });
    const r = await fetch(`${t.url}/api/v1/consoles/nope/events/open`);
    expect(r.status).toBe(404);
    expect((await r.json() as { message: string }).message).toMatch(/nope/);
  });
});
