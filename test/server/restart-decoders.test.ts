// A restarted daemon goes on decoding the boot in progress as if it had never stopped: it decodes
// the current boot's stored lines again (keeping their events out of the store), so `xl dmesg`
// after a restart is still known for a copy, and a register dump that was open when the daemon
// stopped comes out once, at the restart. A real daemon on a real TCP console, stopped and started
// again on the same storage.
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { TestServer } from '../helpers/sockets.js';
import { readFixture } from '../helpers/fixtures.js';
import { restartableDaemon, sleep } from '../helpers/daemon.js';

const F = 'qemu/xen417-arm64-gicv3-smp2-keys.log';
const all = readFixture(F).toString('latin1').split(/\r?\n/);
const at = (prefix: string): number => all.findIndex((l) => l.startsWith(prefix));

let srv: TestServer | undefined;
let daemon: ReturnType<typeof restartableDaemon> | undefined;
afterEach(async () => {
  await daemon?.remove();
  await srv?.close();
  srv = daemon = undefined;
});

type Stored = ConsoleEvent & { id: number };

/** A console whose board sends `next` (then nothing) on each connection; one daemon at a time. */
async function setUp(): Promise<{ run: (send: string[]) => Promise<{ url: string; lines: number }>; stop: () => Promise<void> }> {
  let next: string[] = [];
  srv = new TestServer({ port: 0 }, (sock) => { if (next.length) sock.write(next.join('\n') + '\n'); });
  await srv.listen();
  const d = (daemon = restartableDaemon({ consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port: srv.port } }] }));
  let stored = 0;
  return {
    async run(send) {
      next = send;
      const url = await d.start();
      // Until every line sent is stored.
      const want = stored + send.length;
      for (let i = 0; i < 200; i++) {
        const ls = (await (await fetch(`${url}/api/v1/consoles/b/lines?from=${Math.max(1, want)}&limit=1`)).json()) as { lines: unknown[] };
        if (ls.lines.length) break;
        await sleep(50);
      }
      stored = want;
      return { url, lines: want };
    },
    stop: () => d.stop(),
  };
}

const events = async (url: string, q = ''): Promise<Stored[]> =>
  ((await (await fetch(`${url}/api/v1/consoles/b/events?limit=10000${q}`)).json()) as { events: Stored[] }).events;
/** The boot records' first seqs. */
const boots = async (url: string): Promise<number[]> =>
  ((await (await fetch(`${url}/api/v1/consoles/b/boots`)).json()) as { boots: Array<{ firstSeq: number }> }).boots.map((b) => b.firstSeq);

describe('restart', () => {
  it('after a restart, `xl dmesg` output is still a copy of the boot: no phantom boot, no event twice', async () => {
    const boot = all.slice(0, at('/ #') + 1);
    const ring = boot.filter((l) => l.startsWith('(XEN)'));
    const h = await setUp();
    const r1 = await h.run(boot);
    const before = await events(r1.url);
    const bootsBefore = await boots(r1.url);
    expect(before.filter((e) => e.kind === 'xen.gic.init')).toHaveLength(1);
    await h.stop();

    const after = "(XEN) *** Serial input to Xen (type 'CTRL-a' three times to switch input)";
    const r2 = await h.run(['/ # xl dmesg', ' Xen 4.17.7', ...ring, '/ # ', after]);
    await sleep(1200); // past the decoders' idle flush
    expect(await boots(r2.url)).toEqual(bootsBefore);
    const added = (await events(r2.url)).filter((e) => e.id > before.at(-1)!.id && e.kind !== 'status');
    expect(added.map((e) => `${e.kind}@${e.firstSeq}`)).toEqual([`xen.focus@${r2.lines}`]);
  });

  it("restarted while Xen boots, dom0's kernel banner after it is still dom0 starting, not a new boot", async () => {
    const linux = at('[    0.000000] Booting Linux');
    const prompt = at('/ #');
    const h = await setUp();
    const r1 = await h.run(all.slice(0, linux));
    expect(await boots(r1.url)).toEqual([1]);
    await h.stop();
    const r2 = await h.run(all.slice(linux, prompt + 1));
    expect(await boots(r2.url)).toEqual([1]);
    // And the boot it resumed reaches its prompt: one xen.boot, over the whole boot.
    await sleep(1200);
    const xb = (await events(r2.url, '&kind=xen.boot')).map((e) => `${e.firstSeq}-${e.lastSeq}${e.partial ? '!' : ''}`);
    expect(xb).toEqual([`1-${prompt + 1}`]);
  });

  it('a register dump open when the daemon stopped comes out at the restart, once, with the Xen version', async () => {
    const dump = at("(XEN) *** Dumping CPU0 host state");
    // The daemon stops in the middle of the dump: its event has not been written.
    const h = await setUp();
    const r1 = await h.run(all.slice(0, dump + 20));
    const dumpSeq = r1.lines - 19;
    const regs = (evs: Stored[]) => evs.filter((e) => e.kind === 'xen.regs' && e.firstSeq === dumpSeq);
    expect(regs(await events(r1.url))).toHaveLength(0);
    await h.stop();

    const r2 = await h.run([]);
    const got = regs(await events(r2.url, '&kind=xen.regs'));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ partial: true, reason: 'idle: daemon restarted', lastSeq: r1.lines });
    expect(got[0].data).toMatchObject({ cpu: 0, xen: { version: '4.17.7' } });
    expect((got[0].data.regs as Record<string, string>).X0).toMatch(/^[0-9a-f]{16}$/);
    await h.stop();

    // Started again (and the dump now closed before the stop): still one.
    const r3 = await h.run([]);
    expect(regs(await events(r3.url, '&kind=xen.regs'))).toHaveLength(1);
  });

  it('a dump the daemon closed itself before it stopped (a second of silence) does not come out again', async () => {
    const dump = at("(XEN) *** Dumping CPU0 host state");
    const h = await setUp();
    const r1 = await h.run(all.slice(0, dump + 20));
    await sleep(1300);
    const first = (await events(r1.url, '&kind=xen.regs')).filter((e) => e.firstSeq === r1.lines - 19);
    expect(first).toHaveLength(1);
    expect(first[0].reason).toBe('idle');
    await h.stop();
    const r2 = await h.run([]);
    expect((await events(r2.url, '&kind=xen.regs')).filter((e) => e.firstSeq === r1.lines - 19)).toEqual(first);
  });

  it("a kernel's interrupt setup still open when the daemon stopped is open again after the restart, and stored once when it ends", async () => {
    const smp = at('[    0.304745] smp: Bringing up secondary CPUs');
    const brought = at('[    0.372928] smp: Brought up');
    const h = await setUp();
    const open = async (url: string) => ((await (await fetch(`${url}/api/v1/consoles/b/events/open`)).json()) as { events: ConsoleEvent[] }).events.filter((e) => e.kind === 'linux.irq.setup');
    const r1 = await h.run(all.slice(0, smp + 1));
    const before = await open(r1.url);
    expect(before).toHaveLength(1);
    await h.stop();
    const r2 = await h.run([]);
    expect(await open(r2.url)).toEqual(before);
    expect(await events(r2.url, '&kind=linux.irq.setup')).toEqual([]);
    await h.stop();
    // The kernel goes on: its CPUs come up, the setup closes, once, whole.
    const r3 = await h.run(all.slice(smp + 1, brought + 1));
    const stored = await events(r3.url, '&kind=linux.irq.setup');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ firstSeq: before[0].firstSeq, lastSeq: brought + 1, data: { cpus: { online: 2 } } });
    expect(stored[0].partial).toBeUndefined();
    expect(await open(r3.url)).toEqual([]);
  });
});
