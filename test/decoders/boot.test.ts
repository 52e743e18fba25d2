// The boot family (src/decoders/boot.ts): `boot.start` where a banner shows the board (re)started;
// the store opens a boot record there. Rendered lines follow xen-console-reference §4.3/§4.4 (keys
// that print banner lines again) and §5.8 (banners); whole boots come from the fixtures.
import { describe, expect, it } from 'vitest';
import { ConsoleDecoder, decodeText } from '../../src/decoders/engine.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { bootFamily } from '../../src/decoders/boot.js';
import { readFixture } from '../helpers/fixtures.js';

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
});
