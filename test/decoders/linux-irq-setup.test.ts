// linux.irq.setup (src/decoders/linux/irq-setup.ts): real dom0 boots from the fixtures, and lines
// rendered from the kernel format strings linux-console-reference §4.8 and §5 give (marked "rendered").
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { decodeText } from '../../src/decoders/engine.js';
import { linuxIrqSetupFamily } from '../../src/decoders/linux/irq-setup.js';
import { linuxKinds } from '../../src/protocol/kinds/linux.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { readFixture } from '../helpers/fixtures.js';

function decode(text: string): ConsoleEvent[] {
  const evs = decodeText(text, 't', [linuxIrqSetupFamily]);
  for (const e of evs) expect([...Value.Errors(linuxKinds[e.kind], e.data)].map((x) => `${x.path} ${x.message}`)).toEqual([]);
  return evs;
}
const data = (e: ConsoleEvent | undefined): Record<string, any> => e!.data as Record<string, any>;

describe('linux.irq.setup from real boots', () => {
  it('dom0 under Xen on GICv3 (qemu): vGIC, redistributors, virt timer, FIFO event channels, both CPUs', () => {
    const evs = decode(readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log').toString());
    expect(evs.map((e) => `${e.firstSeq}-${e.lastSeq}`)).toEqual(['109-199']);
    expect(evs[0].partial).toBeUndefined();
    expect(data(evs[0])).toEqual({
      stream: 'plain',
      gic: {
        version: 3, spis: 224, extendedSpis: 0, ppis: 16,
        redistributors: [
          { cpu: 0, mpidr: '0x0', region: 0, address: '0x00000000080a0000' },
          { cpu: 1, mpidr: '0x1', region: 0, address: '0x00000000080c0000' },
        ],
      },
      timer: { mhz: 62.5, mode: 'virt', text: 'arch_timer: cp15 timer(s) running at 62.50MHz (virt).' },
      xen: { version: '4.17', grantTableVersion: 1, eventsAbi: 'fifo', initializedCpus: [0, 1] },
      cpus: { booted: [1], failed: [], online: 2 },
    });
  });

  it('dom0 on GICv2 (qemu): the v2m frame is all irq-gic.c prints', () => {
    const [e] = decode(readFixture('qemu/xen417-arm64-gicv2-smp2-keys.log').toString());
    expect(data(e).gic).toEqual({ version: 2, v2m: [{ base: '0x08020000', end: '0x08020fff', firstSpi: 80, lastSpi: 143 }] });
    expect(data(e).cpus).toEqual({ booted: [1], failed: [], online: 2 });
  });

  it('a mail-wrapped post (public/023, RK3399): each redistributor line takes its `0:0x...` rest from the next line', () => {
    const [e] = decode(readFixture('public/023-rk3399-zaku-xen417-hmp-unsafe-dom0-linux-gic-warning.txt').toString());
    expect(`${e.firstSeq}-${e.lastSeq}`).toBe('196-306');
    const g = data(e).gic;
    expect(g).toMatchObject({ version: 3, spis: 256, extendedSpis: 0, rangeSelector: false, ppis: 16 });
    expect(g.redistributors.map((r: any) => `${r.cpu}:${r.region}:${r.address}`)).toEqual([
      '0:0:0x00000000fef00000', '1:0:0x00000000fef20000', '2:0:0x00000000fef40000',
      '3:0:0x00000000fef60000', '4:0:0x00000000fef80000', '5:0:0x00000000fefa0000',
    ]);
    expect(data(e).cpus).toEqual({ booted: [1, 2, 3, 4, 5], failed: [], online: 6 });
    expect(data(e).timer).toMatchObject({ mhz: 24, mode: 'virt' });
  });
});

describe('linux.irq.setup from rendered lines', () => {
  it('a domU (guest stream) with a failed CPU, a missing upcall PPI, 2-level events and the newer timer line', () => {
    const evs = decode([
      '(d1) [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]',
      '(d1) [    0.000000] Xen 4.18 support found',
      '(d1) [    0.000000] GICv3: 988 SPIs implemented',
      '(d1) [    0.000000] GICv3: Distributor has Range Selector support',
      '(d1) [    0.000000] GICv3: 16 PPIs implemented',
      '(d1) [    0.000000] GICv3: CPU0: found redistributor 0 region 0:0x0000000003020000',
      '(d1) [    0.000000] ITS: No ITS available, not enabling LPIs',
      '(d1) [    0.000000] arch_timer: cp15 timer running at 19.20MHz (virt).',
      '(d1) [    0.010000] Xen event channel interrupt not found',
      '(d1) [    0.020000] xen:events: Using 2-level ABI',
      '(d1) [    0.050000] CPU1: failed to come online',
      '(d1) [    0.060000] GICv3: CPU2: mpidr 200 has no re-distributor!',
      '(d1) [    0.070000] smp: Brought up 1 node, 1 CPU',
      '(d1) [    0.080000] SMP: Total of 1 processors activated.',
    ].join('\n'));
    expect(evs.map((e) => `${e.firstSeq}-${e.lastSeq}`)).toEqual(['2-13']);
    expect(data(evs[0])).toEqual({
      stream: 'guest', domain: 1,
      xen: { version: '4.18', noEventIrq: true, eventsAbi: '2-level' },
      gic: {
        version: 3, spis: 988, rangeSelector: true, ppis: 16, its: 'none',
        redistributors: [{ cpu: 0, mpidr: '0x0', region: 0, address: '0x0000000003020000' }],
        noRedistributor: [{ cpu: 2, mpidr: '200' }],
      },
      timer: { mhz: 19.2, mode: 'virt', text: 'arch_timer: cp15 timer running at 19.20MHz (virt).' },
      cpus: { booted: [], failed: [{ cpu: 1, text: 'CPU1: failed to come online' }], online: 1 },
    });
  });

  it('a uniprocessor bare-metal kernel with no SMP lines ends at `Freeing unused kernel memory`; a GICv2 split-EOI line', () => {
    const evs = decode([
      '[    0.000000] Linux version 6.1.0 (b@h) (gcc) #1 SMP',
      '[    0.000000] GIC: Using split EOI/Deactivate mode',
      '[    0.000000] arch_timer: cp15 timer(s) running at 50.00MHz (phys).',
      '[    1.000000] Freeing unused kernel memory: 1024K',
      '[    1.100000] Run /init as init process',
    ].join('\n'));
    expect(evs.map((e) => `${e.firstSeq}-${e.lastSeq}`)).toEqual(['2-3']);
    expect(data(evs[0])).toEqual({ stream: 'plain', gic: { version: 2, splitEoi: true }, timer: { mhz: 50, mode: 'phys', text: 'arch_timer: cp15 timer(s) running at 50.00MHz (phys).' }, cpus: { booted: [], failed: [] } });
  });

  it('a boot cut by a new one is partial (its CPUs never came up); the second boot gets its own event', () => {
    const evs = decode([
      '[    0.000000] Booting Linux on physical CPU 0x0',
      '[    0.000000] GICv3: 224 SPIs implemented',
      '[    0.300000] smp: Bringing up secondary CPUs ...',
      '(XEN) Xen version 4.17.6-pre (Debian 4.17.5+72-g01fd4ce8f0-1) (pkg-xen-devel@lists.alioth.debian.org) (aarch64-linux-gnu-gcc) debug=n Thu Nov 19 2026',
      '[    0.000000] Booting Linux on physical CPU 0x0',
      '[    0.000000] GICv3: 224 SPIs implemented',
      '[    0.300000] smp: Brought up 1 node, 2 CPUs',
    ].join('\n'));
    expect(evs.map((e) => `${e.firstSeq}-${e.lastSeq} ${e.partial ? e.reason : 'complete'}`)).toEqual(['2-2 interrupted by new boot', '6-7 complete']);
  });

  it('silence does not end a boot; the end of input does (partial)', () => {
    const dec = ['[    0.000000] GICv3: 224 SPIs implemented'].join('\n');
    const evs = decode(dec);
    expect(evs.map((e) => `${e.firstSeq} ${e.reason}`)).toEqual(['1 end of input']);
  });

  it('lines after the event and stray end markers start nothing; a lone `smp: Brought up` gives no event', () => {
    expect(decode([
      '[    0.300000] smp: Brought up 1 node, 2 CPUs',
      '[    1.000000] Freeing unused kernel memory: 1024K',
    ].join('\n'))).toEqual([]);
    const evs = decode([
      '[    0.000000] GICv3: 224 SPIs implemented',
      '[    0.300000] smp: Brought up 1 node, 2 CPUs',
      '[    5.000000] GICv3: CPU3: found redistributor 3 region 0:0x00000000080c0000',
    ].join('\n'));
    expect(evs.map((e) => `${e.firstSeq}-${e.lastSeq}`)).toEqual(['1-2']);
  });

  it('dom0 and two guests booting at once, their lines interleaved: one event each, nothing mixed', () => {
    const boot = (prefix: string, spis: number, cpus: number): string[] => [
      `${prefix}[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]`,
      `${prefix}[    0.000000] GICv3: ${spis} SPIs implemented`,
      `${prefix}[    0.000000] arch_timer: cp15 timer(s) running at 62.50MHz (virt).`,
      ...Array.from({ length: cpus - 1 }, (_, i) => `${prefix}[    0.300000] CPU${i + 1}: Booted secondary processor 0x000000000${i + 1} [0x410fd034]`),
      `${prefix}[    0.400000] smp: Brought up 1 node, ${cpus} CPUs`,
    ];
    const streams = [boot('', 224, 2), boot('(d1) ', 32, 1), boot('(d2) ', 64, 4)];
    const lines: string[] = [];
    for (let i = 0; streams.some((x) => i < x.length); i++) for (const x of streams) if (i < x.length) lines.push(x[i]);
    const evs = decode(lines.join('\n'));
    const by = (dom?: number) => data(evs.find((e) => data(e).domain === dom));
    expect(evs).toHaveLength(3);
    expect(by(undefined)).toMatchObject({ stream: 'plain', gic: { spis: 224 }, cpus: { booted: [1], online: 2 } });
    expect(by(1)).toMatchObject({ stream: 'guest', gic: { spis: 32 }, cpus: { booted: [], online: 1 } });
    expect(by(2)).toMatchObject({ stream: 'guest', gic: { spis: 64 }, cpus: { booted: [1, 2, 3], online: 4 } });
  });
});
