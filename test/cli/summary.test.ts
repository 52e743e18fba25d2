// The readable summary of `xenuart decode` (src/cli/summary.ts) on real captures: per boot, the
// timeline, the interrupt set-up, the problems, the debug keys and the register dumps.
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/decoders/engine.js';
import { summarise } from '../../src/cli/summary.js';
import { readFixture } from '../helpers/fixtures.js';

const summary = (rel: string): string => summarise(decodeText(readFixture(rel), 'file'));
/** The lines of one section of one boot: from its heading to the next heading of the same indent. */
function section(text: string, boot: string, heading: string): string[] {
  const ls = text.split('\n');
  const b = ls.findIndex((l) => l.startsWith(boot));
  expect(b, `no ${boot}`).toBeGreaterThanOrEqual(0);
  const h = ls.findIndex((l, i) => i > b && l.startsWith(`  ${heading}`));
  expect(h, `no ${heading} in ${boot}`).toBeGreaterThan(b);
  const out: string[] = [];
  for (let i = h + 1; i < ls.length && ls[i].startsWith('    '); i++) out.push(ls[i].trim().replace(/\s+/g, ' '));
  return out;
}

describe('xenuart decode summary', () => {
  const s = summary('qemu/xen417-arm64-gicv3-smp2-keys.log');
  it('titles the boot with its Xen build, CPUs and GIC', () => {
    expect(s).toMatch(/^58 events, 1 boot\n\nBoot 1 · lines 1-728 · Xen 4\.17\.7 \(Debian 4\.17\.7\+13-g2445b30a44-0\+deb12u1\) debug=n, 2 CPUs, GICv3\n/);
  });
  it('gives the boot timeline, from Xen starting to the dom0 prompt', () => {
    const t = section(s, 'Boot 1', 'Boot timeline');
    expect(t[0]).toBe('line 1 Xen starts');
    expect(t).toContain('line 36 GIC up (GICv3)');
    expect(t).toContain('line 92 serial input handed over to dom0');
    expect(t.at(-1)).toBe('line 369 prompt: / # cat /proc/interrupts');
  });
  it("sets Xen's GIC and timer beside dom0's view of its vGIC", () => {
    expect(section(s, 'Boot 1', 'Interrupts')).toEqual([
      'Xen: GICv3, 256 lines, distributor 0x8000000, maintenance IRQ 25 (lines 29-37)',
      'Xen: redistributors found for CPU 0, 1',
      'Xen timer: 62.50 MHz, PPIs phys 30, hyp 26, virt 27',
      'Xen: event-channel upcall on PPI 16 (line 82)',
      'dom0 Linux: GICv3 · 224 SPIs · 16 PPIs · redistributors for CPU 0, 1 · timer 62.5 MHz (virt) · FIFO event channels · 2 CPUs online (lines 109-199)',
      '/proc/interrupts: 3 snapshots (line 350, 370, 715)',
    ]);
  });
  it('lists the problems in line order, the unemulated vGIC accesses folded into one', () => {
    expect(section(s, 'Boot 1', 'Problems (3)')).toEqual([
      'line 94 xen.trap d0v0: Unhandled SMC/HVC: 0x84000050',
      'line 95 xen.trap d0v0: Unhandled SMC/HVC: 0x8600ff01',
      'line 96… xen.vgic.unhandled 10 guest GIC accesses Xen does not emulate, e.g. d0v0: vGICD: RAZ on reserved register offset 0x00000c',
    ]);
  });
  it('lists every debug key answered and every register dump', () => {
    expect(section(s, 'Boot 1', 'Debug keys').map((l) => l.split(' ')[2])).toEqual(['h', 'q', 'd', '0', 'r', 'a', 'e', 'g', 'm', 't', 'H']);
    expect(section(s, 'Boot 1', 'Register dumps')).toEqual([
      'lines 441-488 CPU0 host (key d), EL2h, PC domain.c#idle_loop+0x128/0x140',
      'lines 489-536 CPU1 host (key d), EL2h, PC domain.c#idle_loop+0x128/0x140',
      'lines 538-578 d0v0 on CPU0 (key 0), EL1h, PC ffffda46638da26c',
      'lines 579-619 d0v1 on CPU0 (key 0), EL1h, PC ffffda46638da26c',
    ]);
  });
  it('ends with the count of every kind', () => {
    expect(s).toMatch(/\nEvents by kind\n(?: {2}\S+ +\d+\n)+$/);
    expect(s).toMatch(/\n {2}xen\.regs +4\n/);
  });
  it('a reboot loop gives one part per boot, each with its panic', () => {
    const r = summary('qemu/xen417-arm64-gicv2-no-dom0-panic-loop.log');
    const boots = r.split('\n').filter((l) => /^Boot \d+ /.test(l));
    expect(boots.length).toBeGreaterThan(1);
    for (const b of boots) expect(section(r, b, 'Problems (1)')).toEqual([expect.stringMatching(/xen\.panic Panic on CPU 0: Could not set up DOM0 guest OS$/)]);
  });
  it('a Linux log with no boot start (a posted dom0 oops) still lists its problems', () => {
    const r = summary('public/026-rpi4-dom0-linux61-swiotlb-bug-oops-xen-netback.txt');
    expect(section(r, 'No boot start in this log', 'Problems (2)')).toEqual([
      'lines 2-85 linux.bug Linux: kernel BUG at kernel/dma/swiotlb.c:666!',
      'lines 86-93 linux.panic Linux: Oops - BUG: Fatal exception in interrupt',
    ]);
  });
  it('no events: says so', () => {
    expect(summarise([])).toBe('0 events, 0 boots\n\nEvents by kind\n');
  });
});
