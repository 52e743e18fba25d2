// Scenarios shared by the tcp and unix source tests (they share SocketSource).
import { expect } from 'vitest';
import type { Source } from '../../src/uart/types.js';
import type { TestServer } from '../helpers/sockets.js';
import { sleep, until, watch } from './_util.js';

/**
 * A QEMU-like server (it greets each connection) goes away and comes back at the same
 * address: one down, silent failed retries, one up, data of both connections arrives once.
 */
export async function serverGoesAwayAndComesBack(server: TestServer, src: Source, downReason: RegExp): Promise<void> {
  const w = watch(src);
  src.start();
  await until(() => src.up, 'first connect');
  await until(() => server.connections.length === 1, 'server sees the client');
  server.connections[0]!.write('boot 1\n');
  await until(() => w.bytes().toString() === 'boot 1\n', 'data of the first connection');
  await src.write(Buffer.from('keys 1'));
  await until(() => server.lastReceived().toString() === 'keys 1', 'client -> server');

  await server.close();
  await until(() => !src.up, 'down');
  expect(w.statuses).toEqual([
    { up: true, reason: 'opened' },
    { up: false, reason: 'connection closed by peer' },
  ]);
  await expect(src.write(Buffer.from('x'))).rejects.toThrow(/is down \(/);
  await sleep(450); // retries at +100, +300 ms fail: no status for them
  expect(w.statuses).toHaveLength(2);
  expect((src as unknown as { lastReason: string }).lastReason).toMatch(downReason);

  await server.listen();
  await until(() => src.up, 'reconnect', 3000);
  expect(src.reconnects).toBe(1);
  await until(() => server.connections.length === 2, 'server sees the new client');
  server.connections[1]!.write('boot 2\n');
  await until(() => w.bytes().toString() === 'boot 1\nboot 2\n', 'data after the reconnect');
  await src.write(Buffer.from('keys 2'));
  await until(() => server.lastReceived().toString() === 'keys 2', 'client -> server after the reconnect');
  expect(w.statuses.map((s) => s.up)).toEqual([true, false, true]);
}
