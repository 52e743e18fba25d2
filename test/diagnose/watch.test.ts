// The silence watch: dom0 quiet during boot, or while a typed command runs, suggests the
// interrupt diagnosis once per silence.
import { afterEach, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/sockets.js';
import { restartableDaemon, sleep, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import fc from 'fast-check';
import { isXenOrGuestLine, mayBePrompt, SHELL_PROMPT } from '../../src/diagnose/analyze-context.js';

let t: TestDaemon | undefined;
let srv: TestServer | undefined;
afterEach(async () => { await t?.stop(); await srv?.close(); t = srv = undefined; });

async function setup(watchSeconds: number) {
  srv = new TestServer({ port: 0 });
  await srv.listen();
  t = await startDaemon({ auth: { anonymous: 'operator' }, consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: srv.port }, diagnose: { watchSeconds } }] });
  for (let i = 0; i < 100 && srv.connections.length === 0; i++) await sleep(10);
  return srv.connections[0];
}

const suggestions = async () => (await (await fetch(`${t!.url}/api/v1/consoles/b/events?kind=diagnosis.suggested`)).json() as { events: Array<{ data: any }> }).events;

describe('silence watch', () => {
  it('suggests the diagnosis when dom0 stops printing during boot, once', async () => {
    const sock = await setup(2);
    sock.write('(XEN) Xen version 4.17.7 (pkg@x) (gcc) debug=n Wed Nov  4 16:52:28 UTC 2026\r\n');
    sock.write('[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]\r\n');
    sock.write('[    1.000000] some driver probing\r\n');
    await sleep(3500);
    const s = await suggestions();
    expect(s.length).toBe(1);
    expect(s[0].data).toMatchObject({ reason: 'dom0 stopped printing during boot', lastDom0Seq: 3 });
  });

  it('says nothing once the boot reached a shell prompt and nobody is waiting', async () => {
    const sock = await setup(1);
    sock.write('(XEN) Xen version 4.17.7 (pkg@x) (gcc) debug=n Wed Nov  4 16:52:28 UTC 2026\r\n');
    sock.write('[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]\r\n');
    sock.write('[    2.000000] Run /init as init process\r\n/ # ');
    await sleep(2500);
    expect(await suggestions()).toEqual([]);
  });

  it('while a typed command runs: silent with no prompt back suggests; the prompt back (mid-batch) ends the command', async () => {
    const sock = await setup(2);
    // Booted to a shell.
    sock.write('(XEN) Xen version 4.17.7 (pkg@x) (gcc) debug=n Wed Nov  4 16:52:28 UTC 2026\r\n[    0.000000] Booting Linux on physical CPU 0x0\r\n[    2.000000] Run /init as init process\r\n/ # ');
    await sleep(300);
    const post = (p: string, body: unknown) => fetch(`${t!.url}/api/v1/consoles/b${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/lease', {})).status).toBe(200);
    // A command whose output comes back with the prompt and then one more kernel line in the same chunk: done.
    expect((await post('/input', { data: 'ls\r' })).status).toBe(200);
    sock.write('ls\r\nbin  dev  etc\r\n/ # \r\n[   30.000000] random: crng init done\r\n');
    await sleep(2600);
    expect(await suggestions()).toEqual([]);
    // A command that never returns: suggested once.
    expect((await post('/input', { data: 'modprobe foo\r' })).status).toBe(200);
    sock.write('modprobe foo\r\n[   31.000000] foo: probing\r\n');
    await sleep(3600);
    const s = await suggestions();
    expect(s.map((e) => e.data)).toMatchObject([{ reason: 'dom0 stopped printing while a command runs' }]);
  });
});

describe('silence watch across a daemon restart', () => {
  let d: ReturnType<typeof restartableDaemon> | undefined;
  afterEach(async () => { await d?.remove(); d = undefined; });

  it('a boot still short of its prompt is watched again, and one already suggested is not suggested twice', async () => {
    srv = new TestServer({ port: 0 }, (sock) => {
      if (srv!.connections.length > 1) return; // the board prints its boot once, then nothing
      sock.write('(XEN) Xen version 4.17.7 (pkg@x) (gcc) debug=n Wed Nov  4 16:52:28 UTC 2026\r\n');
      sock.write('[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]\r\n');
      sock.write('[    1.000000] some driver probing\r\n(XEN) d0v0: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER0\r\n');
    });
    await srv.listen();
    d = restartableDaemon({ consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: srv.port }, diagnose: { watchSeconds: 2 } }] });
    const found = async (url: string) => (await (await fetch(`${url}/api/v1/consoles/b/events?kind=diagnosis.suggested`)).json() as { events: Array<{ data: any }> }).events;
    // Stopped before the silence was long enough: the restarted daemon suggests it.
    let url = await d.start();
    await sleep(500);
    expect(await found(url)).toEqual([]);
    await d.stop();
    url = await d.start();
    await sleep(2600);
    const s = await found(url);
    expect(s.map((e) => e.data)).toMatchObject([{ reason: 'dom0 stopped printing during boot', lastDom0Seq: 3 }]);
    // Restarted once more, in the same silence: already suggested.
    await d.stop();
    url = await d.start();
    await sleep(2600);
    expect(await found(url)).toHaveLength(1);
  });
});

describe('a typed command across a daemon restart', () => {
  let d: ReturnType<typeof restartableDaemon> | undefined;
  afterEach(async () => { await d?.remove(); d = undefined; });

  async function boardAtPrompt(): Promise<void> {
    srv = new TestServer({ port: 0 }, (sock) => {
      if (srv!.connections.length > 1) return; // prints its boot once; later connections see silence
      sock.write('(XEN) Xen version 4.17.7 (pkg@x) (gcc) debug=n Wed Nov  4 16:52:28 UTC 2026\r\n[    0.000000] Booting Linux on physical CPU 0x0\r\n[    2.000000] Run /init as init process\r\n/ # ');
    });
    await srv.listen();
    d = restartableDaemon({ auth: { anonymous: 'operator' }, consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: srv.port }, diagnose: { watchSeconds: 2 } }] });
  }
  const post = (url: string, p: string, body: unknown) => fetch(`${url}/api/v1/consoles/b${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const found = async (url: string) => (await (await fetch(`${url}/api/v1/consoles/b/events?kind=diagnosis.suggested`)).json() as { events: Array<{ data: any }> }).events;

  it('a command typed before the restart and still without its prompt is watched again', async () => {
    await boardAtPrompt();
    let url = await d!.start();
    await sleep(800); // the prompt is flushed as a partial line
    expect((await post(url, '/lease', {})).status).toBe(200);
    expect((await post(url, '/input', { data: 'modprobe foo\r' })).status).toBe(200);
    srv!.connections[0].write('modprobe foo\r\n[   31.000000] foo: probing\r\n');
    await sleep(300);
    await d!.stop();
    url = await d!.start();
    await sleep(2600);
    expect((await found(url)).map((e) => e.data)).toMatchObject([{ reason: 'dom0 stopped printing while a command runs' }]);
  });

  it('a command answered by its prompt before the restart is not', async () => {
    await boardAtPrompt();
    let url = await d!.start();
    await sleep(800);
    expect((await post(url, '/lease', {})).status).toBe(200);
    expect((await post(url, '/input', { data: 'ls\r' })).status).toBe(200);
    srv!.connections[0].write('ls\r\nbin  dev  etc\r\n/ # ');
    await sleep(800);
    await d!.stop();
    url = await d!.start();
    await sleep(2600);
    expect(await found(url)).toEqual([]);
  });
});

describe('prompt gate', () => {
  it('mayBePrompt lets through every line the prompt pattern matches', () => {
    const tail = fc.constantFrom('', ' ', '#', '# ', '$', '$ ', ':', ': ', 'login:', 'login: ', ' #', ' $ ', '  ', 'x');
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), tail, (head, t) => {
        const line = head + t;
        if (SHELL_PROMPT.test(line)) expect(mayBePrompt(line)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(mayBePrompt('/ # ')).toBe(true);
    expect(mayBePrompt('(XEN) Xen version 4.17')).toBe(false);
  });
});

describe('Xen or guest line', () => {
  it('isXenOrGuestLine: (XEN) and (dN) prefixes only', () => {
    expect(isXenOrGuestLine('(XEN) Xen version 4.17')).toBe(true);
    expect(isXenOrGuestLine('(d2) [    1.000000] Booting Linux')).toBe(true);
    expect(isXenOrGuestLine('(d) x')).toBe(false);
    expect(isXenOrGuestLine('/ # (XEN) glued')).toBe(false);
  });
});
