// Unit tests of the xen-platform family (src/decoders/xen/boot-family.ts and its sub-decoders).
// Real excerpts come from test/fixtures; lines marked [rendered] were built from the format strings
// of docs/xen-console-reference.md (sections cited) because no capture has them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { decodeText, ConsoleDecoder } from '../../src/decoders/engine.js';
import { xenPlatformFamily } from '../../src/decoders/xen/boot-family.js';
import { decodeLrV2, decodeLrV3, guessLrVersion } from '../../src/decoders/xen/gic-lrs.js';
import { parseXenVersion } from '../../src/decoders/xen/boot-version.js';
import { parseFocus } from '../../src/decoders/xen/focus.js';
import { parseVgic } from '../../src/decoders/xen/gic-vgic.js';
import { parseTimer, parseUart } from '../../src/decoders/xen/boot-devices.js';
import { parseIrqRoute } from '../../src/decoders/xen/irq-route.js';
import { parsePortRow } from '../../src/decoders/xen/evtchn-dump.js';
import { parseGicCpu } from '../../src/decoders/xen/gic-cpu.js';
import { parseDecimalRanges, parseHexRanges } from '../../src/decoders/xen/domain-rangeset.js';
import { xenPlatformKinds } from '../../src/protocol/kinds/xen-platform.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';

type Ev = ReturnType<typeof decodeText>[number];
const decode = (text: string): Ev[] => decodeText(text, 'test', [xenPlatformFamily]);
const of = (evs: Ev[], kind: string) => evs.filter((e) => e.kind === kind);
const lines = (rel: string, from: number, to: number): string =>
  readFixture(rel).toString('utf8').split(/\r?\n/).slice(from - 1, to).join('\n');

describe('GIC list registers (§3.3)', () => {
  it('decodes real GICv2 GICH_LR values (public/004, RPi4)', () => {
    expect(decodeLrV2(0, '2a000002')).toMatchObject({ state: 'active', virq: 2, hw: false, priority: 0xa0, group: 0 });
    expect(decodeLrV2(1, '1a00001b')).toMatchObject({ state: 'pending', virq: 27, hw: false, priority: 0xa0 });
    expect(decodeLrV2(3, '0')).toMatchObject({ state: 'invalid', virq: 0 });
  });
  it('decodes GICv2 HW, group 1 and pending+active [rendered from the GICH_LR layout]', () => {
    // HW=1, Grp1=1, state=3, priority field 0x14 (0xa0), pINTID 59, vINTID 27
    const v = (1 << 31) | (1 << 30) | (3 << 28) | (0x14 << 23) | (59 << 10) | 27;
    const e = decodeLrV2(0, (v >>> 0).toString(16))!;
    expect(e).toMatchObject({ state: 'pending+active', hw: true, group: 1, pirq: 59, virq: 27, priority: 0xa0 });
  });
  it('decodes GICv3 ICH_LR values (reference example and real stale LRs)', () => {
    expect(decodeLrV3(0, '50a000000000001b')).toMatchObject({ state: 'pending', group: 1, priority: 0xa0, virq: 27, hw: false });
    expect(decodeLrV3(1, '10a000000000001b')).toMatchObject({ state: 'invalid', group: 1, virq: 27 });
    // [rendered] HW=1, state active, pINTID 40: 0xa0000028 << 32 | 40 ... built by fields
    const raw = ((2n << 62n) | (1n << 61n) | (1n << 60n) | (0xa0n << 48n) | (40n << 32n) | 40n).toString(16);
    expect(decodeLrV3(2, raw)).toMatchObject({ state: 'active', hw: true, pirq: 40, virq: 40, group: 1 });
  });
  it('guesses the layout from the printed width', () => {
    expect(guessLrVersion(['0', '10a000000000001b'])).toBe(3);
    expect(guessLrVersion(['2a000002', '0'])).toBe(2);
  });
});

describe('key q: xen.domain and xen.gic.lrs', () => {
  it('RPi4 4.19 GICv2 dump with inflight LRs (public/004)', () => {
    const evs = decode(readFixture('public/004-rpi4-xen419-debugkey-q-gich-lrs.txt').toString());
    const doms = of(evs, 'xen.domain');
    expect(doms.map((d) => d.data.domain)).toEqual([0, 1, 2]);
    expect(doms[0]).toMatchObject({ firstSeq: 3, lastSeq: 62, data: { interrupts: '32-152, 154-255', pages: 262144 } });
    expect(doms[0].data.interruptRanges).toEqual([[32, 152], [154, 255]]);
    expect((doms[0].data.vcpus as unknown[]).length).toBe(4);
    const lrs = of(evs, 'xen.gic.lrs');
    expect(lrs.length).toBe(6);
    expect(lrs[0]).toMatchObject({ firstSeq: 19, lastSeq: 27, data: { domain: 0, vcpu: 0, gic: 2, gicGuessed: true, mask: 'f' } });
    expect(lrs[0].data.inflight).toEqual([{ irq: 2, lr: 0 }, { irq: 27, lr: 1 }, { irq: 1, lr: 2 }, { irq: 16, lr: 3 }]);
    expect(of(evs, 'xen.debugkey')[0]).toMatchObject({ firstSeq: 2, lastSeq: 114, data: { key: 'q', domains: 3 } });
  });
  it('4.17 GICv3 with the GIC version known from boot (qemu gicv3 keys)', () => {
    const evs = decode(readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log').toString());
    const lrs = of(evs, 'xen.gic.lrs');
    expect(lrs.map((e) => [e.firstSeq, e.lastSeq])).toEqual([[422, 426], [431, 435]]);
    expect(lrs[0].data.gicGuessed).toBeUndefined();
    expect((lrs[0].data.lrs as Array<{ raw: string }>)[1]).toMatchObject({ raw: '10a000000000001b', state: 'invalid', virq: 27, group: 1, priority: 160 });
  });
  it('old format: dirty_cpus and cpu_hard_affinity lines, Pending irq [rendered, 4.8-4.12 keyhandler.c]', () => {
    const text = [
      "(XEN) 'q' pressed -> dumping domain info (now=0x12:34567890)",
      '(XEN) General information for domain 0:',
      '(XEN)     refcnt=3 dying=0 pause_count=0',
      '(XEN)     nr_pages=131072 xenheap_pages=5 dirty_cpus={0} max_pages=131072',
      '(XEN)     handle=00000000-0000-0000-0000-000000000000 vm_assist=00000000',
      '(XEN) Rangesets belonging to domain 0:',
      '(XEN)     I/O Ports  { }',
      '(XEN)     Interrupts { 32, 40-41 }',
      '(XEN)     I/O Memory { 9000-9001 }',
      '(XEN) Memory pages belonging to domain 0:',
      '(XEN) VCPU information and callbacks for domain 0:',
      '(XEN)     VCPU0: CPU0 [has=T] poll=0 upcall_pend=00 upcall_mask=00 dirty_cpus={0}',
      '(XEN)     cpu_hard_affinity={0-3} cpu_soft_affinity={0-3}',
      '(XEN)     pause_count=0 pause_flags=0',
      '(XEN) GICH_LRs (vcpu 0) mask=1',
      '(XEN)    HW_LR[0]=9a00a020',
      '(XEN) Inflight irq=32 lr=0',
      '(XEN) Pending irq=40',
      '(XEN) No periodic timer',
      '(XEN) Notifying guest 0:0 (virq 1, port 0, stat 0/0/0)',
      'dom0 line',
    ].join('\n');
    const evs = decode(text);
    const d = of(evs, 'xen.domain')[0];
    expect(d.data).toMatchObject({ domain: 0, interrupts: '32, 40-41', interruptRanges: [[32, 32], [40, 41]], iomem: '9000-9001' });
    expect((d.data.vcpus as unknown[])[0]).toMatchObject({ vcpu: 0, running: true, dirtyCpus: '0', hardAffinity: '0-3', softAffinity: '0-3' });
    const l = of(evs, 'xen.gic.lrs')[0];
    expect(l.data).toMatchObject({ vcpu: 0, pending: [40], inflight: [{ irq: 32, lr: 0 }] });
    // 0x9a00a020: HW=1, state pending, pINTID 40, vINTID 32
    expect((l.data.lrs as unknown[])[0]).toMatchObject({ live: true, hw: true, state: 'pending', virq: 32, pirq: 40 });
  });
  it('a q dump quoted from one vCPU on (no header, no domain section): the LRs still decode [real lines of §3.3, LR values rendered]', () => {
    const evs = decode([
      'Here are the LRs of the stuck vCPU:',
      '(XEN)     VCPU0: CPU0 [has=F] poll=0 upcall_pend=00 upcall_mask=01 ',
      '(XEN)     pause_count=0 pause_flags=1',
      '(XEN) GICH_LRs (vcpu 0) mask=0',
      '(XEN)    VCPU_LR[0]=50a000000000001b',
      '(XEN)    VCPU_LR[1]=0',
      '(XEN) Inflight irq=27 lr=0',
      '(XEN) Pending irq=33',
      '(XEN) No periodic timer',
      '(XEN) GICH_LRs (vcpu 1) mask=0',
      '(XEN)    VCPU_LR[0]=1a00001b',
    ].join('\n'));
    const lrs = of(evs, 'xen.gic.lrs');
    expect(lrs.map((e) => [e.firstSeq, e.lastSeq, e.data.vcpu])).toEqual([[4, 8, 0], [10, 11, 1]]);
    // ICH_LR: pending (bit 62), Group1 (bit 60), priority 0xa0, vINTID 27
    expect(lrs[0].data).toMatchObject({ gic: 3, inflight: [{ irq: 27, lr: 0 }], pending: [33] });
    expect((lrs[0].data.lrs as unknown[])[0]).toMatchObject({ state: 'pending', virq: 27, group: 1, priority: 0xa0, hw: false });
    // GICH_LR (GICv2, 32-bit): pending (bit 28), vID 27
    expect((lrs[1].data.lrs as unknown[])[0]).toMatchObject({ state: 'pending', virq: 27, hw: false });
    expect(lrs[0].data).not.toHaveProperty('domain');
  });
  it('a q dump quoted from its VCPU section on: the domain comes from the section header', () => {
    const evs = decode([
      '(XEN) VCPU information and callbacks for domain 1:',
      '(XEN)   UNIT0 affinities: hard={0-1} soft={0-1}',
      '(XEN)     VCPU0: CPU1 [has=T] poll=0 upcall_pend=00 upcall_mask=00 ',
      '(XEN)     pause_count=0 pause_flags=0',
      '(XEN) GICH_LRs (vcpu 0) mask=1',
      '(XEN)    HW_LR[0]=9a00a020',
      '(XEN) Inflight irq=32 lr=0',
      '(XEN) No periodic timer',
    ].join('\n'));
    const [l] = of(evs, 'xen.gic.lrs');
    expect(l).toMatchObject({ firstSeq: 5, lastSeq: 7, data: { domain: 1, vcpu: 0, inflight: [{ irq: 32, lr: 0 }] } });
    expect((l.data.lrs as unknown[])[0]).toMatchObject({ hw: true, state: 'pending', virq: 32, pirq: 40 });
  });
  it('parses rangesets with the right radix', () => {
    expect(parseDecimalRanges('34-39, 48-79')).toEqual([[34, 39], [48, 79]]);
    expect(parseHexRanges('0-8000, ff849-ffffffffffffffff')).toEqual([['0x0', '0x8000'], ['0xff849', '0xffffffffffffffff']]);
  });
});

describe('xen.gic.init (§3.1, §3.2)', () => {
  it('GICv2 with a v2m frame (qemu-debug gic2)', () => {
    const evs = decode(lines('qemu-debug/xen417-debug-gic2.log', 1, 45));
    expect(of(evs, 'xen.gic.init')).toMatchObject([{ firstSeq: 31, lastSeq: 42, data: {
      version: 2, lines: 288, cpus: 2, secure: false, dist: '0x8000000', cpu: '0x8010000', hyp: '0x8030000', vcpu: '0x8040000',
      maintenanceIrq: 25, v2m: [{ addr: '0x8020000', size: '0x1000', spiBase: 80, numSpis: 64 }],
    } }]);
  });
  it('GICv3 with the CPU0 redistributor neighbour (qemu gicv3)', () => {
    const evs = decode(lines('qemu/xen417-arm64-gicv3-smp2-keys.log', 1, 40));
    expect(of(evs, 'xen.gic.init')).toMatchObject([{ firstSeq: 29, lastSeq: 37, data: {
      version: 3, lines: 256, dist: '0x8000000', maintenanceIrq: 25, rdistStride: 0, rdistRegions: 1,
      regions: [{ index: 0, base: '0x80a0000', end: '0x9000000' }], redistributors: [{ cpu: 0, region: 0 }],
    } }]);
  });
  it('GICv3 v2-compat line wrapped by a mail client (public/002)', () => {
    const evs = decode(readFixture('public/002-imx8qm-xen413-null-sched-debugkey-r-vgicd.txt').toString());
    expect(of(evs, 'xen.gic.init')[0].data).toMatchObject({ v2compat: { cbase: '0x52000000', vbase: '0x52020000' }, lines: 544 });
  });
  it('GICv3 with ITS and LPIs [rendered from gic-v3-its.c / gic-v3-lpi.c formats]', () => {
    const evs = decode([
      '(XEN) GICv3: Found ITS @0x8080000',
      '(XEN) GICv3: using at most 57344 LPIs on the host.',
      '(XEN) GICv3 initialization:',
      '(XEN)       gic_dist_addr=0x00000008000000',
      '(XEN)       gic_maintenance_irq=25',
      '(XEN)       gic_rdist_stride=0',
      '(XEN)       gic_rdist_regions=1',
      '(XEN)       redistributor regions:',
      '(XEN)         - region 0: 0x000000080a0000 - 0x00000009000000',
      '(XEN) GICv3: 256 lines, (IID 0000043b).',
      '(XEN) GICv3: 32 eSPI lines',
      '(XEN) GICv3: CPU0: Found redistributor in region 0 @00000a004001c000',
      '(XEN) XSM Framework v1.0.1 initialized',
    ].join('\n'));
    expect(of(evs, 'xen.gic.init')[0]).toMatchObject({ firstSeq: 3, lastSeq: 12, data: { its: ['0x8080000'], espiLines: 32 } });
  });
  it('garbled gic_*= values (wrong baud rate, line noise) go to warnings, never into the typed fields', () => {
    const evs = decode([
      '(XEN) GICv2m extension register frame:',
      '(XEN)         gic_v2m_addr=0x00000008020000',
      '(XEN)         gic_v2m_size=0x00000000001000',
      '(XEN)         gic_v2m_spi_base=8x',
      '(XEN)         gic_v2m_num_spis=32',
      '(XEN) GICv2 initialization:',
      '(XEN)         gic_dist_addr=0x0000000800\u00e90000',
      '(XEN)         gic_cpu_addr=0x00000008010000',
      '(XEN)         gic_hyp_addr=',
      '(XEN)         gic_vcpu_addr=0x0000000804000x',
      '(XEN)         gic_maintenance_irq=2-5',
      '(XEN) GICv2: 288 lines, 2 cpus (IID 0000043b).',
    ].join('\n'));
    const [gic] = of(evs, 'xen.gic.init');
    expect(gic.data).toMatchObject({ version: 2, cpu: '0x8010000', lines: 288, v2m: [{ addr: '0x8020000', size: '0x1000', numSpis: 32 }] });
    for (const k of ['dist', 'hyp', 'vcpu', 'maintenanceIrq']) expect(gic.data).not.toHaveProperty(k);
    expect((gic.data.v2m as object[])[0]).not.toHaveProperty('spiBase');
    expect(gic.data.warnings).toEqual([
      'gic_dist_addr=0x0000000800\u00e90000 (not understood)', 'gic_hyp_addr= (not understood)',
      'gic_vcpu_addr=0x0000000804000x (not understood)', 'gic_maintenance_irq=2-5 (not understood)',
    ]);
    expect([...Value.Errors(xenPlatformKinds['xen.gic.init'], gic.data)]).toEqual([]);
  });
  it('a block cut before its summary is partial', () => {
    const evs = decode(lines('qemu-debug/xen417-debug-gic3.log', 1, 35));
    expect(of(evs, 'xen.gic.init')).toMatchObject([{ firstSeq: 31, partial: true }]);
  });
});

describe('xen.gic.cpu: per-CPU GICv3 lines of a CPU bring-up (§3.2)', () => {
  it('CPU1 and up found their redistributor after the init block (public/002, i.MX8QM); CPU0 stays in xen.gic.init', () => {
    const evs = decode(readFixture('public/002-imx8qm-xen413-null-sched-debugkey-r-vgicd.txt').toString());
    expect(of(evs, 'xen.gic.cpu').map((e) => e.data.cpu)).toEqual([1, 2, 3, 4, 5]);
    expect(of(evs, 'xen.gic.cpu')[0].data).toMatchObject({ what: 'rdist-found', error: false, region: 0 });
    expect((of(evs, 'xen.gic.init')[0].data.redistributors as Array<{ cpu: number }>).map((r) => r.cpu)).toEqual([0]);
  });
  it('any line rendered from the format strings parses back (property), with or without a dprintk prefix', () => {
    const prefix = fc.constantFrom('', 'arch/arm/gic-v3.c:752: ', 'xen-source/xen/arch/arm/gic-v3.c:752: ', '/build/xen/arch/arm/gic-v3.c:752: ', 'gic-v3.c:752: ');
    const hex = fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }).map((v) => v.toString(16).padStart(16, '0'));
    fc.assert(fc.property(prefix, fc.integer({ min: 1, max: 511 }), fc.integer({ min: 0, max: 7 }), hex, fc.integer({ min: 1, max: 133 }), (pre, cpu, region, va, errno) => {
      expect(parseGicCpu(`GICv3: CPU${cpu}: Found redistributor in region ${region} @${va}`)).toMatchObject({ what: 'rdist-found', error: false, cpu, region, va });
      expect(parseGicCpu(`${pre}GICv3: CPU${cpu}: Cannot initialize LPIs: ${2 ** 32 - errno}`)).toMatchObject({ what: 'lpi-init-failed', cpu, code: -errno });
      expect(parseGicCpu(`${pre}GICv3: CPU${cpu}: mpidr 0x${va} has no re-distributor!`)).toMatchObject({ what: 'no-rdist', cpu, mpidr: `0x${va}` });
      expect(parseGicCpu(`${pre}GICv3: No redistributor present @0x${va}`)).toMatchObject({ what: 'rdist-not-present', address: `0x${va}` });
      if (pre) expect(parseGicCpu(`${pre}GICv3: CPU${cpu}: mpidr 0x${va} has no re-distributor!`)!.source).toEqual({ file: pre.slice(0, pre.indexOf(':')), line: 752 });
      // And through the engine (the family's gate in front of the parser).
      expect(of(decode(`(XEN) ${pre}GICv3: CPU${cpu}: mpidr 0x${va} has no re-distributor!`), 'xen.gic.cpu').map((e) => e.data.what)).toEqual(['no-rdist']);
    }), { numRuns: 300 });
    expect(parseGicCpu('GICv3: CPU0: Found redistributor in region 0 @000000004001c000')).toBeUndefined();
  });
  it('bring-up errors, with and without dprintk\'s file:line [rendered from gic-v3.c]', () => {
    const evs = of(decode([
      '(XEN) arch/arm/gic-v3.c:752: GICv3: CPU2: mpidr 0x000002 has no re-distributor!',
      '(XEN) arch/arm/gic-v3.c:731: GICv3: No redistributor present @0x80e0000',
      '(XEN) GICv3: CPU3: Cannot initialize LPIs: 4294967284',
      '(XEN) arch/arm/gic-v3.c:289: GICv3: Redist enable RWP timeout',
      '(XEN) xen-source/xen/arch/arm/gic-v3.c:300: GICv3: Redist wakeup timeout',
      '(XEN) arch/arm/gic-v3.c:266: RWP timeout',
      '(XEN) GICv3: CPU0: Found redistributor in region 0 @000000004001c000',
      '(XEN) RWP timeout',
    ].join('\n')), 'xen.gic.cpu');
    expect(evs.map((e) => [e.firstSeq, e.data.what, e.data.cpu])).toEqual([
      [1, 'no-rdist', 2], [2, 'rdist-not-present', undefined], [3, 'lpi-init-failed', 3], [4, 'rdist-wakeup-timeout', undefined],
      [5, 'rdist-wakeup-timeout', undefined], [6, 'rwp-timeout', undefined],
    ]);
    expect(evs[0].data).toMatchObject({ error: true, mpidr: '0x000002', source: { file: 'arch/arm/gic-v3.c', line: 752 } });
    expect(evs[1].data).toMatchObject({ address: '0x80e0000' });
    expect(evs[2].data).toMatchObject({ code: -12 }); // -ENOMEM printed with %u
  });
});

describe('boot timeline', () => {
  it('4.17 release boot to a busybox prompt (qemu gicv3 keys)', () => {
    const evs = decode(readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log').toString());
    const boot = of(evs, 'xen.boot');
    expect(boot.length).toBe(1);
    expect(boot[0]).toMatchObject({ firstSeq: 1, lastSeq: 369, data: { version: '4.17.7', debug: false, gic: 3, cpus: 2 } });
    expect(boot[0].partial).toBeUndefined();
    const ms = (boot[0].data.milestones as Array<{ name: string; seq: number }>).map((m) => `${m.name}@${m.seq}`);
    expect(ms).toEqual(['xen.start@1', 'timer.up@28', 'gic.up@36', 'scheduler.up@40', 'cpus.up@55', 'iommu.up@56',
      'dom0.loading@76', 'input.handover@92', 'init.freed@93', 'dom0.kernel@105', 'dom0.userspace@346', 'prompt@369']);
    // Live milestones came earlier, one per milestone.
    expect(of(evs, 'xen.milestone').length).toBe(ms.length);
  });
  it('panic loop: each boot partial, cut where the next starts', () => {
    const evs = decode(readFixture('qemu/xen417-arm64-gicv2-no-dom0-panic-loop.log').toString());
    const boots = of(evs, 'xen.boot');
    expect(boots.map((b) => [b.firstSeq, b.lastSeq])).toEqual([[1, 59], [60, 118], [119, 177], [178, 236], [237, 295], [296, 354]]);
    expect(boots.every((b) => b.partial && /did not reach a prompt/.test(b.reason!))).toBe(true);
  });
  it('EFI loader, head.S, pre-console replay and figlet join one boot (public/019, 4.21)', () => {
    const evs = decode(readFixture('public/019-qemu-virt-smmuv3-xen421-efi-uboot-boot-banner.txt').toString());
    const b = of(evs, 'xen.boot');
    expect(b.length).toBe(1);
    expect(b[0]).toMatchObject({ firstSeq: 16, data: { efi: true, version: '4.21-unstable', debug: true } });
    expect((b[0].data.milestones as Array<{ name: string }>).map((m) => m.name)).toEqual(['efi.loader', 'xen.head', 'xen.early', 'xen.start']);
  });
  it('a wrapped version line is joined (public/001)', () => {
    const evs = decode(readFixture('public/001-rk3399-xen410-dom0-irq-panic.txt').toString());
    expect(of(evs, 'xen.boot')[0].data).toMatchObject({ version: '4.10.1', debug: true, compileBy: 'root@' });
  });
  it('capture that starts mid-boot gets an implicit boot (public/029)', () => {
    const evs = decode(readFixture('public/029-rpi4-xen4141-dom0-dt-pcie-usb-address-hang.txt').toString());
    expect(of(evs, 'xen.boot')).toMatchObject([{ firstSeq: 2, partial: true, data: { startSeen: false } }]);
  });
  it('parses version lines', () => {
    expect(parseXenVersion('Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) (pkg-xen-devel@lists.alioth.debian.org) (aarch64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0) debug=n Wed Nov  4 16:52:28 UTC 2026'))
      .toMatchObject({ version: '4.17.7', debug: false, distro: 'Debian 4.17.7+13-g2445b30a44-0+deb12u1', compiler: 'aarch64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0' });
    expect(parseXenVersion('Xen version 4.21-unstable (edgar@) (gcc (Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0) debug=y ubsan=y Tue Jul 29 15:05:09 CEST 2025'))
      .toMatchObject({ compileBy: 'edgar@', buildInfo: { debug: 'y', ubsan: 'y' }, compileDate: 'Tue Jul 29 15:05:09 CEST 2025' });
    expect(parseXenVersion('Xen version 4.13-unstable (aarch64-poky-linux-gcc (Linaro GCC 5.2-2015.11-2) 5.2.1 20151005) debug=y  Tue Jul 30 12:23:51 IST 209'))
      .toMatchObject({ compiler: 'aarch64-poky-linux-gcc (Linaro GCC 5.2-2015.11-2) 5.2.1 20151005', debug: true });
  });
  it('master with console_timestamps=boot [reference §5.3 real excerpt]', () => {
    const evs = decode([
      '(XEN) Command line: console=dtuart dtuart=/pl011@9000000 dom0_mem=128M console_timestamps=boot conswitch=bx',
      '(XEN) [00000000004bfa07] Domain heap initialised',
      '(XEN) [    0.000367] Looking for dtuart at "/pl011@9000000", options ""',
      'Xen 4.23-unstable',
      '(XEN) [    0.005757] Xen version 4.23-unstable (@) (aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0) debug=y Mon Nov 23 18:20:14 UTC 2026',
      "(XEN) [    0.633063] *** Serial input to Xen (type 'CTRL-b' three times to switch input)",
      '(XEN) [    0.671880] Freed 424kB init memory.',
    ].join('\n'));
    expect(of(evs, 'xen.focus')[0].data).toMatchObject({ target: 'xen', switchChar: 'b', atBoot: true });
    expect(of(evs, 'xen.uart')[0].data).toMatchObject({ path: '/pl011@9000000', driver: 'pl011', address: '0x9000000', dtuartArg: '/pl011@9000000' });
    const b = of(evs, 'xen.boot')[0];
    expect(b).toMatchObject({ firstSeq: 4, partial: true, data: { version: '4.23-unstable', freedInitKB: 424 } });
  });
});

describe('focus, timer, uart, vGIC, IRQ routing', () => {
  it('focus formats', () => {
    expect(parseFocus("*** Serial input to DOM1 (type 'CTRL-a' three times to switch input)")).toMatchObject({ target: 'dom1', domain: 1, switchChar: 'a' });
    expect(parseFocus("*** Serial input -> Xen (type 'CTRL-a' three times to switch input to")).toMatchObject({ target: 'xen', switchChar: 'a' });
    expect(parseFocus("*** Serial input -> DOM0 (type 'CTRL-a' three times to switch input to Xen)")).toMatchObject({ target: 'dom0', next: 'xen' });
  });
  it('focus line glued behind a dom0 prompt is split by the demux (qemu gicv3 keys line 384)', () => {
    const evs = decode(lines('qemu/xen417-arm64-gicv3-smp2-keys.log', 1, 384));
    expect(of(evs, 'xen.focus').at(-1)).toMatchObject({ firstSeq: 384, data: { target: 'xen', atBoot: false } });
  });
  it('timer and uart lines', () => {
    expect(parseTimer('Generic Timer IRQ: phys=30 hyp=26 virt=27 Freq: 62500 KHz')).toEqual({ phys: 30, hyp: 26, virt: 27, freqKHz: 62500 });
    expect(parseTimer('Generic Timer IRQ: phys=30 hyp=26 virt=27 hyp_virt=28 Freq: 100000 KHz')).toMatchObject({ hypVirt: 28 });
    expect(parseUart('Looking for dtuart at "serial2", options "1500000n8"')).toEqual({ path: 'serial2', options: '1500000n8' });
    expect(parseUart('Looking for dtuart at "/serial@5a060000", options ""')).toMatchObject({ node: 'serial', address: '0x5a060000' });
  });
  it('vGIC messages (§3.5)', () => {
    expect(parseVgic('d0v0: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER4')).toMatchObject({ domain: 0, vcpu: 0, frame: 'GICD', access: 'unhandled-write', register: 'ICACTIVER4', value: '0x000000ffffffff' });
    expect(parseVgic('d0v1: vGICR: SGI: unhandled word write 0x000000ffffffff to ICACTIVER0')).toMatchObject({ frame: 'GICR', sgi: true, vcpu: 1 });
    expect(parseVgic('d0v0: vGICD: RAZ on reserved register offset 0x00000c')).toMatchObject({ access: 'raz', registerClass: 'reserved', offset: '0x00000c' });
    // [rendered] from "%pv: %s: bad read width %d r%d offset %#08x"
    expect(parseVgic('d1v0: vGICD: bad read width 2 r3 offset 0x000800')).toMatchObject({ access: 'bad-read-width', width: 2, reg: 3, offset: '0x000800', domain: 1 });
    expect(parseVgic('d1v0: vGICR: SGI: unhandled read r2 offset 0x000c00')).toMatchObject({ access: 'unhandled-read', sgi: true });
    expect(parseVgic('d0: extended region 0: 0x40400000->0x70000000')).toBeUndefined();
    // [rendered] vgic.c: printk("%pv trying to clear pending interrupt %u.\n"); gprintk (`%pv ` in front),
    // with gdprintk's file:line in a debug build.
    expect(parseVgic('d0v1 trying to clear pending interrupt 27.')).toEqual({ frame: 'GIC', access: 'clear-pending', irq: 27, domain: 0, vcpu: 1, text: 'd0v1 trying to clear pending interrupt 27.' });
    expect(parseVgic('d1v0 irq 40 migration failed: requested while in progress')).toMatchObject({ access: 'migration-failed', irq: 40, domain: 1, vcpu: 0 });
    expect(parseVgic('vgic.c:300:d1v0 irq 40 migration failed: requested while in progress')).toMatchObject({ access: 'migration-failed', irq: 40 });
    expect(parseVgic('d0v1 tried to clear nothing')).toBeUndefined();
    // As events, from the console: one each.
    const evs = decode(['(XEN) d0v1 trying to clear pending interrupt 27.', '(XEN) d1v0 irq 40 migration failed: requested while in progress'].join('\n'));
    expect(of(evs, 'xen.vgic.unhandled').map((e) => `${e.firstSeq}:${String(e.data.access)}:${String(e.data.irq)}`)).toEqual(['1:clear-pending:27', '2:migration-failed:40']);
  });
  it('guest SGIs dropped by vgic_to_sgi, 4.17 and master forms (§3.5)', () => {
    // 4.17's literals hold a line continuation, so a run of spaces is part of the message [rendered].
    const evs = of(decode([
      '(XEN) d0v1 VGIC: write r=0000000000000001                         target->list=2, wrong CPUTargetList ',
      '(XEN) d0v1 vGICD:unhandled GICD_SGIR write 0000000003000001                  with wrong mode',
      '(XEN) d0v1 vGIC: write 0x1000001, target->list=0x2, bad target vcpu1',
      '(XEN) d0v0 vGICD: GICD_SGIR write 0x3000001 with unhandled mode 3',
    ].join('\n')), 'xen.vgic.unhandled');
    expect(evs.map((e) => e.data)).toMatchObject([
      { access: 'sgi-bad-target', domain: 0, vcpu: 1, value: '0000000000000001', targetList: '2' },
      { access: 'sgi-bad-mode', value: '0000000003000001', register: 'GICD_SGIR' },
      { access: 'sgi-bad-target', value: '0x1000001', targetList: '0x2', targetVcpu: 1 },
      { access: 'sgi-bad-mode', value: '0x3000001', mode: 3 },
    ]);
  });
  it('vGITS lines and the new vGIC active-state messages, decoded from the console (§3.5)', () => {
    // [rendered] vgic-v3-its.c (with and without the %pv prefix) and vgic/vgic-mmio.c
    const evs = of(decode([
      '(XEN) d1v0: vGITS: bad read width 2 r3 offset 0x0008', '(XEN) vGITS: unhandled ITS command', '(XEN) vGITS: ignoring MOVALL command',
      '(XEN) d0v1: vGICD: IRQ40: clearing active state not supported',
    ].join('\n')), 'xen.vgic.unhandled');
    expect(evs.map((e) => `${String(e.data.frame)}:${String(e.data.access)}:${String(e.data.irq ?? '')}`)).toEqual(['GITS:bad-read-width:', 'GITS:unhandled-command:', 'GITS:unhandled-command:', 'GICD:other:40']);
    expect(evs[0].data).toMatchObject({ domain: 1, vcpu: 0, width: 2, reg: 3, offset: '0x0008' });
  });
  it('vGIC messages behind gdprintk\'s file:line, whatever the path form, decoded from the console', () => {
    // [rendered] gdprintk prints __FILE__: relative to xen/ (arch/...), under a source folder
    // (xen-source/xen/..., as Debian's build does for common/grant_table.c in the fixtures), absolute, or the name alone.
    const evs = of(decode([
      '(XEN) arch/arm/vgic-v3-its.c:1012:d0v0 vGITS: unhandled ITS command 5',
      '(XEN) xen-source/xen/arch/arm/vgic-v3-its.c:1012:d0v1 vGITS: unhandled ITS command 5',
      '(XEN) /build/xen-4.19/xen/arch/arm/vgic.c:415:d1v0 irq 40 migration failed: requested while in progress',
      '(XEN) common/vgic.c:415:d1v1 trying to clear pending interrupt 27.',
      '(XEN) vgic.c:415:d1v0 irq 41 migration failed: requested while in progress',
      '(XEN) arch/arm/traps.c:1983:d0v0 HSR=0x00000093c48006 pc=0x00000070000088 gva=0xb000000 gpa=0x0000000b000000',
    ].join('\n')), 'xen.vgic.unhandled');
    expect(evs.map((e) => `${e.firstSeq}:${String(e.data.access)}:d${String(e.data.domain)}v${String(e.data.vcpu)}`)).toEqual([
      '1:unhandled-command:d0v0', '2:unhandled-command:d0v1', '3:migration-failed:d1v0', '4:clear-pending:d1v1', '5:migration-failed:d1v0',
    ]);
  });
  it('IRQ messages whatever the device name, and FIQs, decoded from the console (§3.4)', () => {
    // [rendered] domain_build.c "%s: IRQ%u is not a SPI" (a device-tree node name first) and irq.c "Unknown %s %#3.3x"
    const evs = of(decode(['(XEN) serial: IRQ33 is not a SPI', '(XEN) pl011@9000000: IRQ5 is not a SPI', '(XEN) 2-0050: IRQ7 is not a SPI', '(XEN) Unknown FIQ 0x01b', '(XEN) Unknown IRQ 0x3ff'].join('\n')), 'xen.irq.route');
    expect(evs.map((e) => `${String(e.data.what)}:${String(e.data.device ?? '')}:${String(e.data.irq)}`)).toEqual(['not-spi:serial:33', 'not-spi:pl011@9000000:5', 'not-spi:2-0050:7', 'unknown-irq::27', 'unknown-irq::1023']);
  });
  it('GICv2m MSI frame and SPI failures (§3.1)', () => {
    // [rendered] gic-v2.c gicv2_map_hwdom_extra_mappings (XENLOG_ERR)
    const evs = of(decode([
      '(XEN) GICv2: Map v2m frame to d0 failed.', '(XEN) GICv2: Failed to set v2m MSI SPI[80] type.',
      '(XEN) GICv2: Failed to route v2m MSI SPI[81] to Dom0.', '(XEN) GICv2: Failed to reserve v2m MSI SPI[82] for Dom0.',
      '(XEN) GICv2: Mapping v2m frame to d0: addr=0x0000000008020000 size=0x0000000000001000 spi_base=80 num_spis=64',
    ].join('\n')), 'xen.irq.route');
    expect(evs.map((e) => `${String(e.data.what)}:${String(e.data.irq ?? '')}:${String(e.data.domain ?? '')}:${String(e.data.error)}`))
      .toEqual(['v2m-map-failed::0:true', 'v2m-type-failed:80::true', 'v2m-route-failed:81:0:true', 'v2m-reserve-failed:82:0:true']);
  });
  it('a trigger type the GIC forces, inside the GIC block or any time later (§3.1, §3.2)', () => {
    // [rendered] gic-v3.c / gic-v2.c set_irq_type
    const lines = [
      '(XEN) GICv3 initialization:', '(XEN)       gic_dist_addr=0x00000008000000', '(XEN)       gic_maintenance_irq=25',
      '(XEN) GICv3: WARNING: CPU0: Failed to configure IRQ27 as Edge-triggered. H/w forces to Level-triggered.',
      '(XEN) GICv3: 288 lines, (IID 0000043b).', '(XEN) Using scheduler: SMP Credit Scheduler rev2 (credit2)',
      '(XEN) GICv2: WARNING: CPU1: Failed to configure IRQ40 as Level-triggered. H/w forces to Edge-triggered.',
    ];
    const evs = decode(lines.join('\n'));
    expect(of(evs, 'xen.irq.route').map((e) => e.data)).toMatchObject([
      { what: 'trigger-forced', irq: 27, cpu: 0, requested: 'edge', forced: 'level', error: false },
      { what: 'trigger-forced', irq: 40, cpu: 1, requested: 'level', forced: 'edge' },
    ]);
    expect(of(evs, 'xen.gic.init')[0].data.warnings).toEqual(['WARNING: CPU0: Failed to configure IRQ27 as Edge-triggered. H/w forces to Level-triggered.']);
  });
  it('IRQ routing errors (public/001: the maintenance IRQ taken by Xen)', () => {
    const evs = decode(readFixture('public/001-rk3399-xen410-dom0-irq-panic.txt').toString());
    expect(of(evs, 'xen.irq.route').map((e) => e.data)).toMatchObject([
      { what: 'used-by-xen', irq: 41, error: true },
      { what: 'map-failed', irq: 41, domain: 0 },
    ]);
    expect(of(evs, 'xen.gic.init')[0].data.maintenanceIrq).toBe(41);
    expect(parseIrqRoute('the vIRQ number 1020 is too high for domain 1 (max = 988)')).toMatchObject({ what: 'virq-too-high', virq: 1020, domain: 1 });
  });
});

describe('debug keys (§4)', () => {
  it('* fires the diagnostic keys (qemu-debug gic2)', () => {
    const evs = of(decode(readFixture('qemu-debug/xen417-debug-gic2.log').toString()), 'xen.debugkey');
    expect(evs.map((e) => `${e.data.key}:${e.firstSeq}-${e.lastSeq}`)).toEqual([
      'd:149-249', '0:250-331', 'H:332-370', 'a:371-374', 'e:375-379', 'g:380-387', 'm:388-392', 'q:393-427', 'r:428-458', 't:459-461', '*:148-461',
    ]);
    expect(evs.at(-1)!.data.keys).toEqual(['d', '0', 'H', 'a', 'e', 'g', 'm', 'q', 'r', 't']);
  });
  it('w replays the console ring and the replay is not decoded again (qemu-debug gic3)', () => {
    const evs = decode(readFixture('qemu-debug/xen417-debug-gic3.log').toString());
    const w = of(evs, 'xen.debugkey').find((e) => e.data.key === 'w')!;
    expect(w).toMatchObject({ firstSeq: 518, lastSeq: 881, data: { ringLines: 363 } });
    expect(of(evs, 'xen.debugkey').filter((e) => e.firstSeq > 518 && e.firstSeq <= 881)).toEqual([]);
    expect(of(evs, 'xen.domain').length).toBe(2);
  });
  it('headerless r with cpupools (public/038, tabs kept)', () => {
    const evs = decode(readFixture('public/038-qemu-arm64-dom0less-cpupools-credit2-debugkey-r.txt').toString());
    expect(of(evs, 'xen.debugkey')).toMatchObject([{ firstSeq: 3, lastSeq: 54, data: { key: 'r', headerless: true } }]);
  });
  it('h list with 4.21 version lines [rendered from §4.3]', () => {
    const evs = decode([
      "(XEN) 'h' pressed -> showing installed handlers",
      '(XEN) Xen version 4.21.0 (@) (gcc) debug=y Mon Jan 1 00:00:00 UTC 2026',
      '(XEN) Latest ChangeSet: ',
      '(XEN) build-id: 1ad25e53279f7c1ac5d67050aaf800a857a31def',
      "(XEN)  key '*' (ascii '2a') => print all diagnostics",
      "(XEN)  key 'w' (ascii '77') => synchronously dump console ring buffer (dmesg)",
      '(XEN) d0v0: vGICD: RAZ on reserved register offset 0x00000c',
    ].join('\n'));
    expect(of(evs, 'xen.handlers')[0]).toMatchObject({ firstSeq: 1, lastSeq: 6, data: { version: '4.21.0', buildId: '1ad25e53279f7c1ac5d67050aaf800a857a31def' } });
    expect(of(evs, 'xen.boot')).toEqual([]);
    expect(of(evs, 'xen.vgic.unhandled').length).toBe(1);
  });
  it('a response ends at a dom0 flood', () => {
    const evs = decode(['(XEN) Dumping timer queues:', '(XEN) CPU00:', 'a', 'b', 'c', '(XEN) CPU01:'].join('\n'));
    expect(of(evs, 'xen.debugkey')).toMatchObject([{ firstSeq: 1, lastSeq: 2, data: { key: 'a' } }]);
  });
});

describe('key e: xen.evtchn (event channels)', () => {
  it('4.17 FIFO ABI, dom0 with an unbound port and the console VIRQ (qemu gicv3 keys, lines 655-660)', () => {
    const evs = decode(readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log').toString());
    const [ev] = of(evs, 'xen.evtchn');
    expect(ev).toMatchObject({ firstSeq: 656, lastSeq: 660 });
    expect(ev.data).toEqual({
      domain: 0, polling: '', pendingPorts: [], maskedPorts: [],
      ports: [
        { port: 1, pending: false, masked: false, state: 'unbound', vcpu: 1, consumer: 0, fifoWord: true, busy: false, linked: false, remoteDomain: 0 },
        { port: 2, pending: false, masked: false, state: 'virq', vcpu: 0, consumer: 0, fifoWord: true, busy: false, linked: false, virq: 2, virqName: 'console' },
      ],
    });
    expect(of(evs, 'xen.debugkey').find((e) => e.data.key === 'e')).toMatchObject({ firstSeq: 655, lastSeq: 660, data: { domains: 1 } });
  });
  it('a port pending and linked on its FIFO queue, LINK 0 (captured: upcall disabled, lines 418 and 463)', () => {
    const evs = of(decode(readFixture('captured/xen417-arm64-gicv2-evtchn-upcall-disabled.log').toString()), 'xen.evtchn');
    expect(evs.map((e) => e.firstSeq)).toEqual([414, 459]);
    for (const e of evs) {
      expect(e.data.pendingPorts).toEqual([2]);
      expect((e.data.ports as unknown[])[1]).toEqual({ port: 2, pending: true, masked: false, state: 'virq', vcpu: 0, consumer: 0, fifoWord: true, busy: false, linked: true, link: 0, virq: 2, virqName: 'console' });
    }
  });
  it('two domains without ports, then the next key (qemu-debug gic3 *)', () => {
    const evs = decode(lines('qemu-debug/xen417-debug-gic3.log', 450, 467));
    expect(of(evs, 'xen.evtchn').map((e) => [e.data.domain, e.firstSeq, e.lastSeq, (e.data.ports as unknown[]).length])).toEqual([[0, 2, 4, 0], [1, 5, 7, 0]]);
    expect(of(evs, 'xen.debugkey').map((e) => [e.data.key, e.firstSeq, e.lastSeq])).toEqual([['e', 1, 7], ['g', 8, 18]]);
  });
  it('2-level ABI, pending and masked ports, every state tail [rendered from event_channel.c; 2-level rows as in a xen-devel report]', () => {
    const evs = decode([
      "(XEN) 'e' pressed -> dumping event-channel info",
      '(XEN) Event channel information for domain 3:',
      '(XEN) Polling vCPUs: {0-1}',
      '(XEN)     port [p/m/s]',
      '(XEN)        1 [1/0/1]: s=3 n=0 x=0 d=0 p=33',
      '(XEN)        2 [1/1/1]: s=3 n=0 x=0 d=0 p=34',
      '(XEN)        3 [1/0/1]: s=5 n=0 x=0 v=0',
      '(XEN)        4 [0/1/1]: s=2 n=0 x=0 d=0',
      '(XEN)        5 [0/0/0]: s=4 n=1 x=0 p=40 i=72 Z=system_u:object_r:domU_t',
      '(XEN)        6 [0/0/0]: s=6 n=1 x=0',
      '(XEN)        7 [0/0/0]: s=1 n=0 x=1',
      '(XEN)        8 in flux',
      '/ # ',
    ].join('\n'));
    const [ev] = of(evs, 'xen.evtchn');
    expect(ev).toMatchObject({ firstSeq: 2, lastSeq: 12 });
    expect(ev.data).toMatchObject({ domain: 3, polling: '0-1', pendingPorts: [1, 2, 3], maskedPorts: [2, 4] });
    expect(ev.data.ports).toEqual([
      { port: 1, pending: true, masked: false, state: 'interdomain', vcpu: 0, consumer: 0, selector: 1, remoteDomain: 0, remotePort: 33 },
      { port: 2, pending: true, masked: true, state: 'interdomain', vcpu: 0, consumer: 0, selector: 1, remoteDomain: 0, remotePort: 34 },
      { port: 3, pending: true, masked: false, state: 'virq', vcpu: 0, consumer: 0, selector: 1, virq: 0, virqName: 'timer' },
      { port: 4, pending: false, masked: true, state: 'unbound', vcpu: 0, consumer: 0, selector: 1, remoteDomain: 0 },
      { port: 5, pending: false, masked: false, state: 'pirq', vcpu: 1, consumer: 0, selector: 0, pirq: 40, irq: 72, label: 'system_u:object_r:domU_t' },
      { port: 6, pending: false, masked: false, state: 'ipi', vcpu: 1, consumer: 0, selector: 0 },
      { port: 7, pending: false, masked: false, state: 'reserved', vcpu: 0, consumer: 1, selector: 0 },
      { port: 8, pending: false, masked: false, state: 'unknown', vcpu: -1, consumer: 0, inFlux: true },
    ]);
  });
  it('FIFO ABI: linked with a LINK, busy, no event word [rendered from evtchn_fifo_print_state]', () => {
    const evs = decode([
      "(XEN) 'e' pressed -> dumping event-channel info",
      '(XEN) Event channel information for domain 0:',
      '(XEN) Polling vCPUs: {}',
      '(XEN)     port [p/m/s]',
      '(XEN)        1 [1/0/  12  ]: s=5 n=0 x=0 v=2',
      '(XEN)       12 [1/0/B 0   ]: s=3 n=1 x=0 d=1 p=1',
      '(XEN)       13 [0/1/?     ]: s=2 n=0 x=0 d=1',
    ].join('\n'));
    expect((of(evs, 'xen.evtchn')[0].data.ports as unknown[])).toEqual([
      { port: 1, pending: true, masked: false, state: 'virq', vcpu: 0, consumer: 0, fifoWord: true, busy: false, linked: true, link: 12, virq: 2, virqName: 'console' },
      { port: 12, pending: true, masked: false, state: 'interdomain', vcpu: 1, consumer: 0, fifoWord: true, busy: true, linked: true, link: 0, remoteDomain: 1, remotePort: 1 },
      { port: 13, pending: false, masked: true, state: 'unbound', vcpu: 0, consumer: 0, fifoWord: false, remoteDomain: 1 },
    ]);
  });
  it('a capture that begins at a domain section, and e fired by * (headerless and underStar)', () => {
    const cut = decode(lines('qemu/xen417-arm64-gicv3-smp2-keys.log', 656, 661));
    expect(of(cut, 'xen.evtchn')).toHaveLength(1);
    expect(of(cut, 'xen.debugkey')[0]).toMatchObject({ firstSeq: 1, lastSeq: 5, data: { key: 'e', headerless: true, domains: 1 } });
    const star = decode([
      "(XEN) '*' pressed -> firing all diagnostic keyhandlers",
      '(XEN) [e: dump evtchn info]',
      "(XEN) 'e' pressed -> dumping event-channel info",
      '(XEN) Event channel information for domain 0:',
      '(XEN) Polling vCPUs: {}',
      '(XEN)     port [p/m/s]',
      '(XEN)        2 [1/0/  -   ]: s=5 n=0 x=0 v=2',
      '(XEN) [m: memory info]',
      '(XEN) Physical memory information:',
      '(XEN)     Dom heap: 1540260kB free',
    ].join('\n'));
    expect(of(star, 'xen.evtchn').map((e) => [e.firstSeq, e.lastSeq, e.data.pendingPorts])).toEqual([[4, 7, [2]]]);
    expect(of(star, 'xen.debugkey').find((e) => e.data.key === 'e')).toMatchObject({ firstSeq: 2, lastSeq: 7, data: { underStar: true } });
  });
  it('any row rendered from the format string parses back to its fields (property)', () => {
    const abi = fc.oneof(
      fc.constantFrom(0, 1).map((b) => ({ text: String(b), want: { selector: b } })),
      fc.constant({ text: '?     ', want: { fifoWord: false } }),
      fc.tuple(fc.boolean(), fc.option(fc.integer({ min: 0, max: 131071 }), { nil: undefined })).map(([busy, link]) => ({
        text: `${busy ? 'B' : ' '} ${link === undefined ? '-   ' : String(link).padEnd(4)}`,
        want: link === undefined ? { fifoWord: true, busy, linked: false } : { fifoWord: true, busy, linked: true, link },
      })),
    );
    const tail = fc.oneof(
      fc.record({ s: fc.constant(2), d: fc.integer({ min: 0, max: 32767 }) }).map((r) => ({ s: r.s, text: ` d=${r.d}`, want: { state: 'unbound', remoteDomain: r.d } })),
      fc.record({ d: fc.integer({ min: 0, max: 32767 }), p: fc.integer({ min: 1, max: 131071 }) }).map((r) => ({ s: 3, text: ` d=${r.d} p=${r.p}`, want: { state: 'interdomain', remoteDomain: r.d, remotePort: r.p } })),
      fc.record({ p: fc.integer({ min: 0, max: 4095 }), i: fc.integer({ min: -1, max: 1023 }) }).map((r) => ({ s: 4, text: ` p=${r.p} i=${r.i}`, want: { state: 'pirq', pirq: r.p, irq: r.i } })),
      fc.integer({ min: 0, max: 23 }).map((v) => ({ s: 5, text: ` v=${v}`, want: { state: 'virq', virq: v } })),
      fc.constant({ s: 6, text: '', want: { state: 'ipi' } }),
      fc.constant({ s: 1, text: '', want: { state: 'reserved' } }),
    );
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 131071 }), fc.boolean(), fc.boolean(), abi, tail, fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 3 }),
      fc.option(fc.constantFrom('system_u:object_r:domU_t', 'dom0_t'), { nil: undefined }),
      (port, pend, mask, a, t, n, x, z) => {
        const row = `    ${String(port).padStart(4)} [${pend ? 1 : 0}/${mask ? 1 : 0}/${a.text}]: s=${t.s} n=${n} x=${x}${t.text}${z ? ` Z=${z}` : ''}`;
        const got = parsePortRow(row);
        expect(got).toMatchObject({ port, pending: pend, masked: mask, vcpu: n, consumer: x, ...a.want, ...t.want, ...(z ? { label: z } : {}) });
      },
    ), { numRuns: 500 });
    expect(parsePortRow('    12 [1/0/  -   ] s=5 n=0 x=0 v=2')).toBeUndefined();
    // A garbled value (a line glued to the next, a lost byte) is left out, never NaN.
    expect(parsePortRow('       1 [0/0/  -   ]: s=2 n=1 x=0 d=0x')).toEqual({ port: 1, pending: false, masked: false, state: 'unbound', vcpu: 1, consumer: 0, fifoWord: true, busy: false, linked: false });
    expect(parsePortRow('       3 [0/0/  -   ]: s=3 n=1 x=0 d=1 p=7(XEN) x')).toMatchObject({ remoteDomain: 1 });
  });
  it('a section cut by the end of input keeps its ports (e has no end marker: it cannot be told from a complete one)', () => {
    const [ev] = of(decode(lines('qemu/xen417-arm64-gicv3-smp2-keys.log', 655, 659)), 'xen.evtchn');
    expect(ev.data.ports).toEqual([expect.objectContaining({ port: 1 })]);
    expect(ev.partial).toBeUndefined();
  });
});

describe('robustness', () => {
  it('never throws on random input', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom(
      '(XEN) GICv3 initialization:', "(XEN) 'q' pressed -> x", '(XEN) General information for domain 0:', '(XEN)    VCPU_LR[0]=zz',
      '(XEN) GICH_LRs (vcpu 0) mask=0', "(XEN) 'w' pressed -> dumping console ring buffer (dmesg)", ' Xen 4.17.7',
      '(XEN) Xen version 4.17.7 (', '/ # ', '(XEN) [a: b]', "(XEN) '*' pressed -> all",
    )), { maxLength: 60 }), (arr) => {
      const dec = new ConsoleDecoder('t', [xenPlatformFamily]);
      arr.forEach((text, i) => dec.push({ seq: i + 1, ts: 0, text }));
      dec.flush();
      expect(dec.stats.familyErrors).toBe(0);
    }), { numRuns: 300 });
  });

  it('a q block cut at every line gives partial or complete events, never wrong ones', () => {
    const all = readFixture('public/004-rpi4-xen419-debugkey-q-gich-lrs.txt').toString().split('\n').slice(1, 114);
    for (let cut = 1; cut <= all.length; cut++) {
      const evs = decode(all.slice(0, cut).join('\n'));
      const q = of(evs, 'xen.debugkey');
      expect(q.length).toBe(1);
      if (cut < 108) expect(q[0].partial).toBe(true);
      for (const e of [...of(evs, 'xen.domain'), ...of(evs, 'xen.gic.lrs')]) {
        expect(e.lastSeq).toBeLessThanOrEqual(cut);
      }
    }
  });

  it('a q block interleaved with dom0 lines still decodes', () => {
    const all = readFixture('public/004-rpi4-xen419-debugkey-q-gich-lrs.txt').toString().split('\n').slice(1, 114);
    const mixed: string[] = [];
    all.forEach((l, i) => { mixed.push(l); if (i % 10 === 5) mixed.push('[   12.345678] dom0: something happened'); });
    const evs = decode(mixed.join('\n'));
    expect(of(evs, 'xen.domain').length).toBe(3);
    expect(of(evs, 'xen.gic.lrs').length).toBe(6);
    expect(of(evs, 'xen.debugkey')[0].partial).toBeUndefined();
  });

  it('every event of every fixture matches its schema', () => {
    for (const f of listFixtures()) {
      for (const e of decode(readFixture(f).toString())) {
        const s = xenPlatformKinds[e.kind];
        expect(s, e.kind).toBeDefined();
        if (!Value.Check(s, e.data)) throw new Error(`${f} ${e.kind}@${e.firstSeq}: ${[...Value.Errors(s, e.data)][0]?.message}`);
      }
    }
  });
});
