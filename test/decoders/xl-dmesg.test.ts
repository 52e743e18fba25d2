// `xl dmesg` typed at a dom0 shell prints Xen's console ring again through dom0's console
// (xen-console-reference §5.7): on a console that saw the boot, a copy that no decoder may take
// for new output (a phantom boot record, every GIC, trap and vGIC event twice); in a capture or a
// mail that begins later, the only copy, decoded as usual.
import { describe, expect, it } from 'vitest';
import { ConsoleDecoder, decodeText } from '../../src/decoders/engine.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { readFixture } from '../helpers/fixtures.js';

const F = 'qemu/xen417-arm64-gicv3-smp2-keys.log';
const all = readFixture(F).toString('latin1').split(/\r?\n/);
const promptAt = all.findIndex((l) => l.startsWith('/ #'));
/** The boot as the console saw it, up to dom0's first shell prompt. */
const boot = all.slice(0, promptAt + 1);
/** What `xl dmesg` prints: the ring, i.e. the boot's Xen lines, with the banner (unprefixed in the ring). */
const ring = (banner: string[]) => { const x = boot.filter((l) => l.startsWith('(XEN)')); return [...banner, ...x]; };
const FIGLET = [
  ' __  __            _  _    _ _____ _____ ',
  ' \\ \\/ /___ _ __   | || |  / |___  |___  |',
  '  \\  // _ \\ \'_ \\  | || |_ | |  / /   / / ',
  '  /  \\  __/ | | | |__   _|| | / /_  / /  ',
  ' /_/\\_\\___|_| |_|    |_|(_)_|/_/(_)/_/   ',
  '',
];
const brief = (evs: ConsoleEvent[]) => evs.map((e) => `${e.kind}@${e.firstSeq}`);

describe('xl dmesg', () => {
  const before = decodeText(boot.join('\n'), 't');

  it('on a console that saw the boot, its output gives no event and no new boot; what follows it does', () => {
    for (const banner of [[], [' Xen 4.17.7'], FIGLET]) {
      const after = "(XEN) *** Serial input to Xen (type 'CTRL-a' three times to switch input)";
      const lines = [...boot, '/ # xl dmesg', ...ring(banner), '/ # ', after];
      const evs = decodeText(lines.join('\n'), 't');
      const focus = evs.filter((e) => e.kind === 'xen.focus').at(-1)!;
      expect(focus.firstSeq, `banner ${banner.length}`).toBe(lines.length);
      // Everything else is exactly what the boot alone gave.
      expect(brief(evs.filter((e) => e !== focus)), `banner ${banner.length}`).toEqual(brief(before));
    }
  });

  it('the command typed after a prompt flushed on its own (an idle gap before the typing)', () => {
    const dec = new ConsoleDecoder('t');
    const evs: ConsoleEvent[] = [];
    let seq = 0;
    const push = (text: string, extra: { partial?: true; cont?: true } = {}) => evs.push(...dec.push({ seq: ++seq, ts: 1000 + seq, text, ...extra }));
    for (const l of boot) push(l);
    push('/ # ', { partial: true });
    push('xl dmesg', { cont: true });
    for (const l of ring([' Xen 4.17.7'])) push(l);
    push('/ # ');
    evs.push(...dec.flush('end of input'));
    expect(brief(evs)).toEqual(brief(before));
  });

  it('a capture or mail that begins with it decodes it: it is the only copy (public/002 too)', () => {
    const lines = ['/ # xl dmesg', ...ring([' Xen 4.17.7']), '/ # '];
    const evs = decodeText(lines.join('\n'), 't');
    expect(evs.filter((e) => e.kind === 'xen.gic.init').length).toBe(1);
    expect(evs.filter((e) => e.kind === 'xen.boot').length).toBe(1);
    const mail = decodeText(readFixture('public/002-imx8qm-xen413-null-sched-debugkey-r-vgicd.txt'), 't');
    expect(mail.filter((e) => e.kind === 'xen.boot').map((e) => e.firstSeq)).toEqual([40]);
  });

  it('ends at a silence, and firmware output ends it and is a reset', () => {
    const dec = new ConsoleDecoder('t');
    const evs: ConsoleEvent[] = [];
    let seq = 0;
    const push = (text: string, ts: number) => evs.push(...dec.push({ seq: ++seq, ts, text }));
    for (const l of boot) push(l, 1000);
    push('/ # xl dmesg', 2000);
    push('(XEN) Checking for initrd in /chosen', 2001);
    // Ten seconds later Xen prints something of its own: live output again.
    push('(XEN) Xen version 4.17.7 (@) (gcc) debug=n Wed Nov  4 16:52:28 UTC 2026', 12_000);
    // Then the board resets: firmware output is never ring content.
    push('/ # xl dmesg', 13_000);
    push('U-Boot 2024.10 (Aug 30 2024 - 16:06:29 +0200)', 13_001);
    evs.push(...dec.flush('end of input'));
    expect(evs.filter((e) => e.kind === 'boot.start').map((e) => `${e.firstSeq}:${String(e.data.trigger)}`))
      .toEqual(['1:xen', `${boot.length + 3}:xen`, `${boot.length + 5}:firmware`]);
  });
});
