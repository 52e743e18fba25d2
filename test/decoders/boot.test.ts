// The boot family (src/decoders/boot.ts): `boot.start` where a banner shows the board (re)started;
// the store opens a boot record there. Rendered lines follow xen-console-reference §4.3/§4.4 (keys
// that print banner lines again) and §5.8 (banners); whole boots come from the fixtures.
import { describe, expect, it } from 'vitest';
import { ConsoleDecoder, decodeText } from '../../src/decoders/engine.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { bootFamily } from '../../src/decoders/boot.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';

const starts = (text: string) =>
  decodeText(text, 't', [bootFamily]).map((e) => `${e.firstSeq}:${String((e.data as { trigger: string }).trigger)}`);

const VERSION = '(XEN) Xen version 4.21.0 (@) (aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0) debug=y Mon Nov 23 18:20:14 UTC 2026';
const BOOTED = [
  VERSION, // 1
  '(XEN) Latest ChangeSet: ',
  '(XEN) Freed 356kB init memory.',
  '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
  '/ # ', // 5
  "(XEN) *** Serial input to Xen (type 'CTRL-a' three times to switch input)",
];

describe('boot.start', () => {
  it('one per boot of a panic loop, where the platform decoder starts each xen.boot (qemu fixture)', () => {
    const evs = decodeText(readFixture('qemu/xen417-arm64-gicv2-no-dom0-panic-loop.log'), 't');
    const at = (k: string) => evs.filter((e) => e.kind === k).map((e) => e.firstSeq);
    expect(at('boot.start')).toEqual([1, 60, 119, 178, 237, 296]);
    expect(at('boot.start')).toEqual(at('xen.boot'));
  });

  it('a one-line banner indented by a quoting mail starts the boot where the timeline does (public/017)', () => {
    const evs = decodeText(readFixture('public/017-qemu-virt-gicv3-guest-loader-xen4151pre-boot-start.txt'), 't');
    const start = evs.filter((e) => e.kind === 'boot.start');
    expect(start.map((e) => [e.firstSeq, (e.data as { text: string }).text])).toEqual([[14, 'Xen 4.15.1-pre']]);
    const xenStart = evs.filter((e) => e.kind === 'xen.milestone' && (e.data as { name: string }).name === 'xen.start');
    expect(xenStart.map((e) => e.firstSeq)).toEqual([14]);
  });

  it("`h` on 4.21/4.22 prints the version lines first: not a new boot (§4.3)", () => {
    expect(starts([...BOOTED, "(XEN) 'h' pressed -> showing installed handlers", VERSION, '(XEN) Latest ChangeSet: ',
      "(XEN)  key '*' (ascii '2a') => print all diagnostics"].join('\n'))).toEqual(['1:xen']);
  });

  it('`?` (master) prints the version and command line: not a new boot (§4.4)', () => {
    expect(starts([...BOOTED, "(XEN) '?' pressed -> showing system information", VERSION.replace('4.21.0', '4.23-unstable'),
      '(XEN) Command line: console=dtuart dom0_mem=128M'].join('\n'))).toEqual(['1:xen']);
  });

  it('a real reboot after an `h` answer is a new boot', () => {
    expect(starts([...BOOTED, "(XEN) 'h' pressed -> showing installed handlers", "(XEN)  key '*' (ascii '2a') => print all diagnostics",
      "(XEN) 'R' pressed -> rebooting machine", VERSION].join('\n'))).toEqual(['1:xen', '10:xen']);
  });

  it('`w` replays the ring, the boot banner included: nothing in it is a new boot, a reboot after it is (§4.4)', () => {
    const header = "(XEN) 'w' pressed -> dumping console ring buffer (dmesg)";
    const replay = [header, ' Xen 4.21.0', VERSION, '(XEN) Freed 356kB init memory.', BOOTED[5], header];
    expect(starts([...BOOTED, ...replay, '/ # ', VERSION].join('\n'))).toEqual(['1:xen', '14:xen']);
  });

  it('a firmware banner during a ring replay is a reset (firmware is never in the ring)', () => {
    const header = "(XEN) 'w' pressed -> dumping console ring buffer (dmesg)";
    expect(starts([...BOOTED, header, VERSION, 'NOTICE:  Booting Trusted Firmware', 'U-Boot 2024.10 (Aug 30 2024 - 16:06:29 +0200)', VERSION].join('\n')))
      .toEqual(['1:xen', '9:firmware']); // U-Boot and the Xen after it belong to that boot
  });

  it('a ring replay whose closing header copy was garbled ends at the next silence: the platform decoder too', () => {
    // Live lines with host times: the ring comes out in one burst; 10 s later a focus change, then
    // the board reboots. Without the silence rule both would be taken for ring content.
    const header = "(XEN) 'w' pressed -> dumping console ring buffer (dmesg)";
    const timed: Array<[number, string]> = [
      ...BOOTED.map((t, i): [number, string] => [1000 + i, t]),
      [20_000, header],
      [20_001, VERSION],
      [20_002, '(XEN) Freed 356kB init memory.'],
      [20_003, "(XEN) 'w' pressed -> dumping console ring buffe\u00ff (dmesg)"], // the ring's copy, garbled
      [30_000, "(XEN) *** Serial input to DOM0 (type 'CTRL-a' three times to switch input)"],
      [40_000, VERSION],
    ];
    const dec = new ConsoleDecoder('t');
    const evs: ConsoleEvent[] = [];
    timed.forEach(([ts, text], i) => evs.push(...dec.push({ seq: i + 1, ts, text })));
    evs.push(...dec.flush('end of input'));
    expect(evs.filter((e) => e.kind === 'boot.start').map((e) => e.firstSeq)).toEqual([1, 12]);
    expect(evs.filter((e) => e.kind === 'xen.focus').map((e) => [e.firstSeq, (e.data as { target: string }).target])).toEqual([[6, 'xen'], [11, 'dom0']]);
    const w = evs.find((e) => e.kind === 'xen.debugkey' && (e.data as { key: string }).key === 'w');
    expect(w).toMatchObject({ firstSeq: 7, lastSeq: 10, partial: true, reason: 'ring dump end not found' });
  });

  it('from 4.21 the pre-console lines come before the banner: the boot starts at the first of them (§5.7)', () => {
    const next = [
      '(XEN) Checking for initrd in /chosen', // 7
      '(XEN) RAM: 0000000040000000 - 000000007fffffff',
      '(XEN) MODULE[0]: 0000000040200000 - 000000004035ffff Xen         ',
      '(XEN) Command line: console=dtuart dtuart=/pl011@9000000 dom0_mem=128M', // 10
      '(XEN) Booting using Device Tree',
      '(XEN) Looking for dtuart at "/pl011@9000000", options ""',
      'Xen 4.21.0', // 13: no leading space from 4.20
      VERSION,
      '(XEN) Freed 424kB init memory.',
    ];
    expect(starts([...BOOTED, ...next].join('\n'))).toEqual(['1:xen', '7:xen']);
    // And the next reboot, replaying the same lines, is one more boot.
    expect(starts([...BOOTED, ...next, ...next].join('\n'))).toEqual(['1:xen', '7:xen', '16:xen']);
  });

  it('early printk: `- UART enabled -` starts the boot; `- CPU <id> booting -`, printed again by every secondary CPU, does not', () => {
    const head = ['- UART enabled -', '- CPU 00000000 booting -', '- Current EL 00000008 -', '(XEN) Checking for initrd in /chosen', ' Xen 4.13.1', VERSION];
    const secondary = ['(XEN) Bringing up CPU1', '- CPU 00000001 booting -', '- Current EL 00000008 -', '(XEN) CPU 1 booted.'];
    expect(starts([...BOOTED, ...head, ...secondary, ...head].join('\n'))).toEqual(['1:xen', '7:xen', '17:xen']);
    expect(starts(['- UART enabled -', '- Boot CPU booting -', '(XEN) Checking for initrd in /chosen', VERSION].join('\n'))).toEqual(['1:xen']);
  });

  it('the EFI loader line starts the boot; U-Boot before it already did (public/041, public/019)', () => {
    const at = (f: string) => decodeText(readFixture(f), 't').filter((e) => e.kind === 'boot.start').map((e) => `${e.firstSeq}:${String(e.data.trigger)}`);
    expect(at('public/041-rpi4-uefi-acpi-xen419-boot-dom0-watchdog-reboot.txt')).toEqual(['6:xen']);
    expect(at('public/019-qemu-virt-smmuv3-xen421-efi-uboot-boot-banner.txt')).toEqual(['2:firmware']);
  });

  // The store's boot records (boot.start) and the boot timeline (xen.boot) must agree on every
  // fixture: a boot record starts where a Xen boot does, unless firmware output began it.
  it.each(listFixtures())('boot.start and xen.boot agree on where each boot begins: %s', (f) => {
    const evs = decodeText(readFixture(f), 't');
    const starts = evs.filter((e) => e.kind === 'boot.start');
    for (const s of starts.filter((e) => e.data.trigger === 'xen')) {
      expect(evs.some((e) => e.kind === 'xen.boot' && e.firstSeq === s.firstSeq), `boot.start at ${s.firstSeq}`).toBe(true);
    }
    for (const b of evs.filter((e) => e.kind === 'xen.boot' && e.data.startSeen)) {
      const before = starts.filter((s) => s.firstSeq <= b.firstSeq).at(-1);
      const ok = before !== undefined && (before.firstSeq === b.firstSeq || before.data.trigger === 'firmware');
      expect(ok, `xen.boot at ${b.firstSeq}, last boot.start before it: ${JSON.stringify(before)}`).toBe(true);
    }
  });
});
