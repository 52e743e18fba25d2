// The unix source against a real unix socket server (QEMU -chardev socket,path=...,server=on).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UnixSource } from '../../src/uart/unix.js';
import { TestServer } from '../helpers/sockets.js';
import { serverGoesAwayAndComesBack } from './_socket-scenarios.js';
import { sleep, until, watch } from './_util.js';

let dir: string;
const cleanup: (() => Promise<void> | void)[] = [];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenuart-unix-'));
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function unix(p: string): UnixSource {
  const src = new UnixSource({ type: 'unix', path: p });
  cleanup.push(() => src.close());
  return src;
}

describe('unix source', () => {
  it('moves bytes both ways', async () => {
    const sock = path.join(dir, 'basic.sock');
    const srv = new TestServer({ path: sock }, (s) => s.write('Xen 4.17\n'));
    await srv.listen();
    cleanup.push(() => srv.close());
    const src = unix(sock);
    const w = watch(src);
    src.start();
    await until(() => w.bytes().toString() === 'Xen 4.17\n', 'greeting');
    expect(src.describe()).toBe(`unix ${sock}`);
    expect(src.canBreak).toBe(false);
    await src.write(Buffer.from([1, 1, 1, 0xff]));
    await until(() => srv.lastReceived().length === 4, 'keys');
    expect([...srv.lastReceived()]).toEqual([1, 1, 1, 0xff]);
  });

  it('socket removed and re-created: down once, up, data after the reconnect', async () => {
    const sock = path.join(dir, 'qemu.sock');
    const srv = new TestServer({ path: sock });
    await srv.listen();
    cleanup.push(() => srv.close());
    // While the socket file is gone, connects fail with ENOENT.
    await serverGoesAwayAndComesBack(srv, unix(sock), /ENOENT/);
  });

  it('a socket file nobody listens on: ECONNREFUSED, reported once', async () => {
    const sock = path.join(dir, 'stale.sock');
    // A QEMU killed with SIGKILL leaves its socket file behind. Make one: a process binds a
    // unix socket and exits without unlinking it.
    execFileSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', sock]);
    cleanup.push(() => fs.rmSync(sock, { force: true }));
    expect(fs.statSync(sock).isSocket()).toBe(true);
    const src = unix(sock);
    const w = watch(src);
    src.start();
    await until(() => w.statuses.length === 1, 'first status');
    await sleep(350);
    expect(w.statuses).toEqual([{ up: false, reason: `connect ECONNREFUSED ${sock}` }]);
  });
});
