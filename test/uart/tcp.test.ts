// The tcp source against real TCP servers acting like QEMU (raw) and ser2net (telnet).
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpSource } from '../../src/uart/tcp.js';
import { BRK, DO, IAC, OPT_BINARY, OPT_COM_PORT, OPT_ECHO, OPT_SGA, SB, SE, WILL, WONT } from '../../src/uart/telnet.js';
import { TestServer } from '../helpers/sockets.js';
import { serverGoesAwayAndComesBack } from './_socket-scenarios.js';
import { sleep, until, watch } from './_util.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(onConnection?: (s: net.Socket) => void): Promise<TestServer> {
  const srv = new TestServer({ port: 0 }, onConnection);
  await srv.listen();
  cleanup.push(() => srv.close());
  return srv;
}

function tcp(port: number, telnet = false): TcpSource {
  const src = new TcpSource({ type: 'tcp', host: '127.0.0.1', port, telnet });
  cleanup.push(() => src.close());
  return src;
}

describe('tcp source, raw (QEMU -serial tcp:...,server=on)', () => {
  it('passes every byte value through untouched, both ways', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const srv = await server((s) => s.write(all));
    const src = tcp(srv.port);
    const w = watch(src);
    src.start();
    await until(() => w.bytes().length >= 256, 'all bytes');
    expect(w.bytes()).toEqual(all);
    expect(src.describe()).toBe(`tcp 127.0.0.1:${srv.port}`);
    await src.write(all);
    await until(() => srv.lastReceived().length >= 256, 'all bytes back');
    expect(srv.lastReceived()).toEqual(all); // no IAC doubling on a raw connection
  });

  it('cannot send a BREAK, and says why', async () => {
    const srv = await server();
    const src = tcp(srv.port);
    src.start();
    await until(() => src.up, 'up');
    expect(src.canBreak).toBe(false);
    await expect(src.sendBreak(250)).rejects.toThrow(/raw tcp connection cannot carry a BREAK/);
  });

  it('server goes away and comes back on the same port: down once, up, data after the reconnect', async () => {
    const srv = await server();
    await serverGoesAwayAndComesBack(srv, tcp(srv.port), /ECONNREFUSED/);
  });

  it('a refused connect is one down status, then silence; it connects when the server appears', async () => {
    const probe = await server();
    const port = probe.port;
    await probe.close(); // a port that nobody listens on
    const src = tcp(port);
    const w = watch(src);
    src.start();
    await until(() => w.statuses.length === 1, 'first status');
    await sleep(700); // retries at +100, +300, +700 ms
    expect(w.statuses).toEqual([{ up: false, reason: `connect ECONNREFUSED 127.0.0.1:${port}` }]);
    expect(src.lastReason).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
    await probe.listen(); // same port again
    await until(() => src.up, 'up', 3000);
    expect(w.statuses).toEqual([{ up: false, reason: expect.stringMatching(/ECONNREFUSED/) }, { up: true, reason: 'opened' }]);
    expect(src.reconnects).toBe(0);
  });
});

describe('tcp source, backoff', () => {
  it('a connection that stayed up > 5 s resets the grown backoff', async () => {
    const srv = await server();
    const port = srv.port;
    await srv.close();
    const src = tcp(port);
    const w = watch(src);
    src.start();
    await sleep(1600); // refused at ~0, 100, 300, 700, 1500 ms: the next delay has grown to 1.6 s
    await srv.listen();
    await until(() => src.up, 'up', 3000);
    await sleep(5300); // up for > 5 s without a byte: the backoff is reset to 100 ms
    await srv.close();
    await until(() => !src.up, 'down');
    const lostAt = Date.now();
    await srv.listen();
    await until(() => src.up, 'up again', 3000);
    expect(Date.now() - lostAt).toBeLessThan(600); // not the grown ~3.2 s
    expect(w.statuses.map((s) => s.up)).toEqual([false, true, false, true]);
  }, 15_000);
});

describe('tcp source, telnet (ser2net)', () => {
  const OPT_TTYPE = 24;

  it('strips all telnet commands, even split across chunks, and answers the negotiation', async () => {
    // What a ser2net telnet port sends, cut the worst way, one TCP segment per piece.
    const pieces = [
      [IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, OPT_TTYPE],
      [...Buffer.from('Xen'), IAC], // IAC | IAC split: a literal 0xFF
      [IAC, ...Buffer.from('data'), IAC, SB, OPT_COM_PORT, 101], // SB split before its end
      [0, 0x1c, 0x20, IAC, IAC, 7, IAC],
      [SE, ...Buffer.from('more'), IAC],
      [WILL], // IAC | WILL | option split over three segments
      [OPT_BINARY, ...Buffer.from('\r\n(XEN) ok\n')],
    ];
    const srv = await server(async (s) => {
      for (const p of pieces) {
        s.write(Buffer.from(p));
        await sleep(25);
      }
    });
    const src = tcp(srv.port, true);
    const w = watch(src);
    src.start();
    const want = Buffer.concat([Buffer.from('Xen'), Buffer.from([0xff]), Buffer.from('datamore\r\n(XEN) ok\n')]);
    await until(() => w.bytes().length >= want.length, 'decoded data');
    await sleep(50);
    expect(w.bytes()).toEqual(want);
    expect(w.chunks.length).toBeGreaterThan(1);
    expect(src.describe()).toBe(`tcp 127.0.0.1:${srv.port} (telnet)`);

    // Our side of the negotiation: the BINARY requests, then one answer per server request;
    // the server's WILL BINARY answers our DO BINARY and gets no reply.
    await until(() => srv.lastReceived().length >= 15, 'negotiation replies');
    expect([...srv.lastReceived()]).toEqual([
      IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY,
      IAC, DO, OPT_ECHO, IAC, DO, OPT_SGA, IAC, WONT, OPT_TTYPE,
    ]);

    // Writes: 0xFF goes out doubled. BREAK is IAC BRK.
    await src.write(Buffer.from([0x41, 0xff, 0x42]));
    expect(src.canBreak).toBe(true);
    await src.sendBreak(250);
    await until(() => srv.lastReceived().length >= 15 + 4 + 2, 'write + break');
    expect([...srv.lastReceived().subarray(15)]).toEqual([0x41, 0xff, 0xff, 0x42, IAC, BRK]);
  });

  it('telnet survives a server restart too (fresh negotiation state per connection)', async () => {
    const greet = (s: net.Socket) => s.write(Buffer.from([IAC, WILL, OPT_ECHO, ...Buffer.from('hi\n')]));
    const srv = await server(greet);
    const src = tcp(srv.port, true);
    const w = watch(src);
    src.start();
    await until(() => w.bytes().toString() === 'hi\n', 'first greeting');
    await srv.close();
    await until(() => !src.up, 'down');
    await srv.listen();
    await until(() => w.bytes().toString() === 'hi\nhi\n', 'second greeting');
    await until(() => srv.lastReceived().length >= 9, 'second negotiation');
    // A fresh codec: DO ECHO again on the new connection.
    expect([...srv.lastReceived()]).toEqual([IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY, IAC, DO, OPT_ECHO]);
  });
});
