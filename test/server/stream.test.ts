// The WebSocket stream against a real daemon reading a real TCP server (as QEMU offers it).
import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { TestServer } from '../helpers/sockets.js';
import { sleep, startDaemon, WsCollector, type TestDaemon } from '../helpers/daemon.js';
import { readFixture } from '../helpers/fixtures.js';
import type { RecordMessage } from '../../src/protocol/messages.js';

let t: TestDaemon | undefined;
let srv: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  await srv?.close();
  t = srv = undefined;
});

async function setup(server: Record<string, unknown> = {}) {
  srv = new TestServer({ port: 0 });
  await srv.listen();
  t = await startDaemon({ server, consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: srv.port } }] });
  for (let i = 0; i < 200 && srv.connections.length === 0; i++) await sleep(10);
  return srv.connections[0] as net.Socket;
}

/** Write `line k` for k in [from, to) with a small pause every `every` lines. */
async function writeLines(sock: net.Socket, from: number, to: number, every = 20): Promise<void> {
  for (let k = from; k < to; k++) {
    sock.write(`line ${k}\r\n`);
    if (k % every === 0) await sleep(1);
  }
}

function expectConsecutive(c: WsCollector, first: number, last: number) {
  const ls = c.lines();
  expect(ls.map((l) => l.seq)).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
  for (const l of ls) expect(l.text).toBe(`line ${l.seq}`);
}

describe('stream', () => {
  it('history from ?from=, then live, with no gap and no duplicate at the switch-over', async () => {
    const sock = await setup();
    const writing = writeLines(sock, 1, 3001);
    await sleep(30);
    const a = new WsCollector(`${t!.url}/api/v1/consoles/b/stream?from=1`);
    const b = new WsCollector(`${t!.url}/api/v1/consoles/b/stream?from=1&batch=1`);
    await writing;
    await a.until((c) => c.lines().at(-1)?.seq === 3000, 15_000, 'line 3000');
    await b.until((c) => c.lines().at(-1)?.seq === 3000, 15_000, 'line 3000 (batch)');
    expectConsecutive(a, 1, 3000);
    expectConsecutive(b, 1, 3000);
    const live = a.messages.findIndex((m) => m.type === 'live');
    expect(live).toBeGreaterThan(0);
    a.close();
    b.close();
  });

  it('a client that reconnects with the last seq it saw misses nothing', async () => {
    const sock = await setup();
    const a = new WsCollector(`${t!.url}/api/v1/consoles/b/stream?from=1`);
    await a.opened;
    const writing = writeLines(sock, 1, 2001);
    await a.until((c) => (c.lines().at(-1)?.seq ?? 0) >= 300, 10_000, 'some lines');
    // Messages already in flight still arrive while the close handshake runs: the last seq
    // this client saw is known only once the socket is closed.
    a.close();
    await a.until((c) => c.closed !== undefined, 5000, 'close');
    const last = a.lines().at(-1)!.seq;
    const b = new WsCollector(`${t!.url}/api/v1/consoles/b/stream?from=${last + 1}`);
    await writing;
    await b.until((c) => c.lines().at(-1)?.seq === 2000, 15_000, 'line 2000');
    const seqs = [...a.lines(), ...b.lines()].map((l) => l.seq);
    expect(seqs).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('puts status down/up into the stream and history when the server goes away; clients stay connected', async () => {
    const sock = await setup();
    const a = new WsCollector(`${t!.url}/api/v1/consoles/b/stream`);
    await a.opened;
    sock.write('before\n');
    await a.until((c) => c.lines().some((l) => l.text === 'before'));
    await srv!.close();
    await a.until((c) => c.messages.some((m) => m.type === 'status' && !m.up), 5000, 'status down');
    await srv!.listen();
    await a.until((c) => c.messages.filter((m) => m.type === 'status' && m.up).length >= 1, 10_000, 'status up');
    for (let i = 0; i < 100 && srv!.connections.length < 2; i++) await sleep(10);
    srv!.connections.at(-1)!.write('after\n');
    await a.until((c) => c.lines().some((l) => l.text === 'after'));
    expect(a.closed).toBeUndefined();
    const hist = await (await fetch(`${t!.url}/api/v1/consoles/b/events?kind=status`)).json() as { events: Array<{ data: { up: boolean } }> };
    expect(hist.events.map((e) => e.data.up)).toEqual([true, false, true]);
  });

  it('a client that stops reading gets closed with a reason; memory stays bounded; others get everything', async () => {
    const sock = await setup({ maxClientBufferBytes: 256 * 1024, slowClientCloseMs: 1500 });
    const good = new WsCollector(`${t!.url}/api/v1/consoles/b/stream?batch=1`);
    const slow = new WsCollector(`${t!.url}/api/v1/consoles/b/stream`);
    await good.opened;
    await slow.opened;
    (slow.ws as unknown as { _socket: net.Socket })._socket.pause();
    const heap0 = process.memoryUsage().heapUsed;
    // ~1 MB/s for 4 s: 100-byte lines, 100 lines every 10 ms.
    const payload = 'x'.repeat(90);
    let k = 0;
    const end = Date.now() + 4000;
    while (Date.now() < end) {
      let s = '';
      for (let i = 0; i < 100; i++) s += `${String(++k).padStart(8, '0')} ${payload}\n`;
      sock.write(s);
      await sleep(10);
    }
    const total = k;
    await good.until((c) => c.lines().length === total, 15_000, 'all lines at the good client');
    const hub = t!.d.hubs.get('b')!;
    for (let i = 0; i < 100 && hub.counters.slowClosed === 0; i++) await sleep(50);
    expect(hub.counters.slowClosed).toBe(1);
    expect(hub.counters.queueDrops).toBeGreaterThan(0);
    const heapGrowth = process.memoryUsage().heapUsed - heap0;
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
    (slow.ws as unknown as { _socket: net.Socket })._socket.resume();
    await slow.until((c) => c.closed !== undefined, 5000, 'close');
    expect(slow.closed?.code === 4008 || slow.messages.some((m) => m.type === 'gap')).toBe(true);
    expect(good.lines().map((l) => Number(l.text.slice(0, 8)))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('a client that stalls briefly gets a gap message naming the range it missed, then live again', async () => {
    const sock = await setup({ maxClientBufferBytes: 65536, slowClientCloseMs: 20_000 });
    const slow = new WsCollector(`${t!.url}/api/v1/consoles/b/stream`);
    await slow.opened;
    const raw = (slow.ws as unknown as { _socket: net.Socket })._socket;
    raw.pause();
    const payload = 'y'.repeat(190);
    const hub = t!.d.hubs.get('b')!;
    // Write until the daemon starts dropping for this client (kernel buffers absorb a few MB first).
    for (let i = 0; i < 3000 && hub.counters.queueDrops === 0; i++) { sock.write(`${payload}\n`.repeat(50)); await sleep(2); }
    expect(hub.counters.queueDrops).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) { sock.write(`${payload}\n`.repeat(50)); await sleep(2); }
    raw.resume();
    await slow.until((c) => c.messages.some((m) => m.type === 'gap'), 10_000, 'gap');
    const gap = slow.messages.find((m) => m.type === 'gap') as { from: number; to: number };
    expect(gap.to).toBeGreaterThanOrEqual(gap.from);
    sock.write('after the gap\n');
    await slow.until((c) => c.lines().some((l) => l.text === 'after the gap'), 10_000, 'live after gap');
    const hist = await (await fetch(`${t!.url}/api/v1/consoles/b/lines?from=${gap.from}&to=${gap.to}&limit=100000`)).json() as { lines: unknown[] };
    expect(hist.lines.length).toBe(gap.to - gap.from + 1);
  });

  it('sends the lines of a chunk before decoding them: their events follow in a publish of their own', async () => {
    const sock = await setup();
    const publishes: RecordMessage[][] = [];
    t!.d.consoles.get('b')!.on('records', (recs) => publishes.push([...recs]));
    // A real boot with debug keys, in one write: chunks of many lines that complete events.
    sock.write(readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log'));
    for (let i = 0; i < 500 && !publishes.some((p) => p.some((r) => r.type === 'event')); i++) await sleep(10);
    await sleep(200);
    const decoded = publishes.filter((p) => p.some((r) => r.type === 'event'));
    expect(decoded.length).toBeGreaterThan(0);
    let lastLine = 0;
    for (const p of publishes) {
      // Never lines and decoded events in one publish: the lines went out before the decoders ran.
      expect(p.every((r) => r.type === 'line') || p.every((r) => r.type !== 'line')).toBe(true);
      for (const r of p) {
        if (r.type === 'line') lastLine = r.seq;
        else if (r.type === 'event') expect(r.lastSeq).toBeLessThanOrEqual(lastLine);
      }
    }
  });
});
