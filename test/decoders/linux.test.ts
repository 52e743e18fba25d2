// Unit tests of the Linux decoder family (src/decoders/linux). Real fixture excerpts where a capture
// exists; otherwise lines quoted from linux-console-reference (real lines it cites, marked "ref real")
// or rendered from the kernel format strings it gives (marked "rendered").
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeText } from '../../src/decoders/engine.js';
import { linuxFamily } from '../../src/decoders/linux/family.js';
import { parseRow } from '../../src/decoders/linux/interrupts.js';
import { readFixture } from '../helpers/fixtures.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { Value } from '@sinclair/typebox/value';
import { linuxKinds } from '../../src/protocol/kinds/linux.js';

function decode(text: string): ConsoleEvent[] {
  return decodeText(text, 't', [linuxFamily]);
}
function fixtureLines(rel: string): string[] {
  return readFixture(rel).toString('utf8').split(/\r?\n/);
}
function d(e: ConsoleEvent | undefined): Record<string, any> {
  expect(e).toBeDefined();
  return e!.data as Record<string, any>;
}
function validate(evs: ConsoleEvent[]): void {
  for (const e of evs) {
    const s = linuxKinds[e.kind];
    expect(s, e.kind).toBeDefined();
    const errs = [...Value.Errors(s, e.data)].map((x) => `${x.path} ${x.message}`);
    expect(errs, `${e.kind}@${e.firstSeq}`).toEqual([]);
  }
}

// ---------------------------------------------------------------------------------------------
// arm64 reports

describe('arm64 BUG + oops + panic (public/026, mail-wrapped, Linux 6.1 dom0)', () => {
  const evs = decode(readFixture('public/026-rpi4-dom0-linux61-swiotlb-bug-oops-xen-netback.txt').toString());
  it('gives one linux.bug carrying the oops, then the panic', () => {
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.bug@2-85', 'linux.panic@86-93']);
    validate(evs);
  });
  it('parses the BUG, Internal error, CPU line and registers (wrapped rows re-joined)', () => {
    const b = d(evs[0]);
    expect(b).toMatchObject({ file: 'kernel/dma/swiotlb.c', line: 666, cpu: 1, pid: 0, comm: 'swapper/1', arch: 'arm64', esr: '00000000f2000800', dieCount: 1 });
    expect(b.regs).toMatchObject({ pc: 'swiotlb_tbl_map_single+0x420/0x6d0', lr: '0x0', sp: 'ffff80000800b4e0', pstate: '60000005', x27: '0000000000000000', x0: '0000000000000000', x15: '78e9d7c1ef2ec7fd' });
    expect(Object.keys(b.regs).filter((k) => /^x\d+$/.test(k))).toHaveLength(30);
    expect(b.modules).toHaveLength(87); // lines 5-16, re-joined
    expect(b.modules.at(-1)).toBe('usb_common');
    expect(b.callTrace).toHaveLength(39);
    expect(b.callTrace[3]).toEqual({ symbol: 'bcmgenet_xmit', offset: '0x194', size: '0x7d0', module: 'genet' });
    expect(b.code).toBe('f9400c00 cb0002c0 8a130016 17ffffed (d4210000)');
  });
  it('joins the wrapped panic message and end line', () => {
    expect(d(evs[1])).toMatchObject({ message: 'Oops - BUG: Fatal exception in interrupt', endMessage: 'Oops - BUG: Fatal exception in interrupt', kernelOffset: 'disabled' });
  });
});

describe('arm64 page-fault oops then panic (ref real: syzkaller 734 excerpt, with caller ids)', () => {
  // §2.3, rows the reference elides are left out.
  const text = [
    '[ 8455.020911][ T6560] Unable to handle kernel paging request at virtual address efff800000000137',
    '[ 8455.042000][ T6560] Mem abort info:',
    '[ 8455.042220][ T6560]   ESR = 0x0000000096000005',
    '[ 8455.042527][ T6560]   EC = 0x25: DABT (current EL), IL = 32 bits',
    '[ 8455.042883][ T6560]   SET = 0, FnV = 0',
    '[ 8455.043141][ T6560]   EA = 0, S1PTW = 0',
    '[ 8455.080400][ T6560]   FSC = 0x05: level 1 translation fault',
    '[ 8455.080840][ T6560] Data abort info:',
    '[ 8455.081076][ T6560]   ISV = 0, ISS = 0x00000005, ISS2 = 0x00000000',
    '[ 8455.081354][ T6560]   CM = 0, WnR = 0, TnD = 0, TagAccess = 0',
    '[ 8455.082173][ T6560] swapper pgtable: 4k pages, 52-bit VAs, pgdp=0000000044a53000',
    '[ 8455.082547][ T6560] [efff800000000137] pgd=1000000049992003, p4d=1000000049993003, pud=0000000000000000',
    '[ 8455.303122][ T6560] Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP',
    '[ 8455.305207][ T6560] Modules linked in:',
    '[ 8455.306698][ T6560] CPU: 0 UID: 0 PID: 6560 Comm: syz.2.929 Not tainted 6.12.0-rc7-syzkaller-g5db899a34f75 #0',
    '[ 8455.308626][ T6560] Hardware name: linux,dummy-virt (DT)',
    '[ 8455.310043][ T6560] pstate: 80402009 (Nzcv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)',
    '[ 8455.311792][ T6560] pc : __hwasan_check_x0_67043363+0x4/0x30',
    '[ 8455.313109][ T6560] lr : vgic_get_irq+0x7c/0x3d4',
    '[ 8455.314373][ T6560] sp : ffff80008c597650',
    '[ 8455.315485][ T6560] x29: ffff80008c597660 x28: 00000000000000e0 x27: 0000000000000004',
    '[ 8455.334035][ T6560] x2 : 0000000000000001 x1 : 0000000000000001 x0 : 0000000000001378',
    '[ 8455.335982][ T6560] Call trace:',
    '[ 8455.336895][ T6560]  __hwasan_check_x0_67043363+0x4/0x30',
    '[ 8455.338277][ T6560]  vgic_mmio_write_invlpi+0xb0/0x174',
    '[ 8455.357726][ T6560]  el0t_64_sync_handler+0x84/0xfc',
    '[ 8455.359495][ T6560]  el0t_64_sync+0x190/0x194',
    '[ 8455.359495][ T6560] Code: a90efbfd d2800441 143a3ed3 9344dc10 (38706930)',
    '[ 8455.361725][ T6560] ---[ end trace 0000000000000000 ]---',
    '[ 8455.363540][ T6560] Kernel panic - not syncing: Oops: Fatal exception',
    '[ 8455.366306][ T6560] Kernel Offset: disabled',
    '[ 8455.367426][ T6560] CPU features: 0x00,00000034,003f797c,437ffe1f',
    '[ 8455.368871][ T6560] Memory Limit: none',
    '[ 8455.370473][ T6560] Rebooting in 86400 seconds..',
  ];
  const evs = decode(text.join('\n'));
  it('gives an oops (ended by the end-trace line) then a panic', () => {
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}${e.partial ? '!' : ''}`)).toEqual(['linux.oops@1-29', 'linux.panic@30-34!']);
    expect(evs[1].reason).toBe('end of input');
    validate(evs);
  });
  it('parses fault, Mem abort info, Internal error, regs and trace', () => {
    const o = d(evs[0]);
    expect(o.message).toBe('Unable to handle kernel paging request at virtual address efff800000000137');
    expect(o.fault).toMatchObject({ type: 'paging request', address: 'efff800000000137' });
    expect(o.memAbort).toMatchObject({ ESR: '0x0000000096000005', EC: '0x25', ECDesc: 'DABT (current EL)', IL: '32 bits', FSC: '0x05', FSCDesc: 'level 1 translation fault' });
    expect(o.dataAbort).toMatchObject({ ISV: '0', WnR: '0' });
    expect(o).toMatchObject({ esr: '0000000096000005', cpu: 0, uid: 0, pid: 6560, comm: 'syz.2.929', caller: 'T6560', arch: 'arm64', hardware: 'linux,dummy-virt (DT)' });
    expect(o.internalError).toMatchObject({ type: 'Oops', count: 1, flags: ['PREEMPT', 'SMP'] });
    expect(o.regs).toMatchObject({ pc: '__hwasan_check_x0_67043363+0x4/0x30', x28: '00000000000000e0', x0: '0000000000001378' });
    expect(o.callTrace.map((f: any) => f.symbol)).toEqual(['__hwasan_check_x0_67043363', 'vgic_mmio_write_invlpi', 'el0t_64_sync_handler', 'el0t_64_sync']);
    expect(d(evs[1])).toMatchObject({ message: 'Oops: Fatal exception', rebootSeconds: 86400 });
  });
  it('keeps reports of two callers apart when their lines interleave', () => {
    const other = (i: number) => `[ 8455.0${String(i).padStart(5, '0')}][ T1234] eth0: link up ${i}`;
    const mixed: string[] = [];
    text.forEach((l, i) => { mixed.push(l); if (i % 3 === 0) mixed.push(other(i)); });
    const ev2 = decode(mixed.join('\n'));
    expect(ev2.map((e) => e.kind)).toEqual(['linux.oops', 'linux.panic']);
    expect(d(ev2[0]).callTrace).toHaveLength(4);
    expect(d(ev2[0]).regs.x28).toBe('00000000000000e0');
  });
});

describe('arm64 new-format WARN with a message before WARNING: (rendered) and GICv3 Unexpected interrupt', () => {
  // §4.1/§4.7: WARN_ONCE(true, "Unexpected interrupt (irqnr %u)\n") on arm64 prints its message
  // between the cut-here line and the WARNING line. New WARNING form (≈6.19).
  const text = [
    '[   12.000001] ------------[ cut here ]------------',
    '[   12.000002] Unexpected interrupt (irqnr 27)',
    '[   12.000003] WARNING: drivers/irqchip/irq-gic-v3.c:834 at __gic_handle_irq+0x90/0xb0, CPU#0: swapper/0/0',
    '[   12.000004] Modules linked in:',
    '[   12.000005] CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Not tainted 6.19.0 #1 PREEMPT',
    '[   12.000006] Hardware name: XENVM-4.19 (DT)',
    '[   12.000007] pstate: 600000c5 (nZCv daIF -PAN -UAO -TCO -DIT -SSBS BTYPE=--)',
    '[   12.000008] pc : __gic_handle_irq+0x90/0xb0',
    '[   12.000009] lr : __gic_handle_irq+0x90/0xb0',
    '[   12.000010] sp : ffff800080003f90',
    '[   12.000011] Call trace:',
    '[   12.000012]  __gic_handle_irq+0x90/0xb0 (P)',
    '[   12.000013]  gic_handle_irq+0x2c/0x50 (L)',
    '[   12.000014]  call_on_irq_stack+0x24/0x30',
    '[   12.000015] ---[ end trace 0000000000000000 ]---',
  ];
  const evs = decode(text.join('\n'));
  it('gives a spurious event for the message and one warn for the block', () => {
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.irq.spurious@2-2', 'linux.warn@1-15']); // emitted when complete: the one-line event first
    expect(d(evs[0])).toMatchObject({ irq: 27, hwirq: 27, source: 'gicv3-unexpected' });
    const w = d(evs[1]);
    expect(w).toMatchObject({ file: 'drivers/irqchip/irq-gic-v3.c', line: 834, function: '__gic_handle_irq', cpu: 0, pid: 0, comm: 'swapper/0', warnText: 'Unexpected interrupt (irqnr 27)' });
    expect(w.callTrace[0]).toEqual({ symbol: '__gic_handle_irq', offset: '0x90', size: '0xb0', flags: 'P' });
    expect(w.callTrace).toHaveLength(3); // `(L)` is not an upstream suffix: that frame keeps its symbol but no flags
    validate(evs);
  });
});

// ---------------------------------------------------------------------------------------------
// arm32

describe('arm32 oops (ref real: syzkaller 677, verbose backtrace) and the default backtrace form', () => {
  const text = [
    '[ 9171.691128][T26146] 8<--- cut here ---',
    '[ 9171.691541][T26146] Unable to handle kernel NULL pointer dereference at virtual address 00000000',
    '[ 9171.692254][T26146] [00000000] *pgd=8c44e003, *pmd=e0940003',
    '[ 9171.693325][T26146] Internal error: Oops: 207 [#1] PREEMPT SMP ARM',
    '[ 9171.694090][T26146] Modules linked in:',
    '[ 9171.694434][T26146] CPU: 1 PID: 26146 Comm: syz-executor.1 Not tainted 6.1.0-rc5-syzkaller #0',
    '[ 9171.694728][T26146] Hardware name: ARM-Versatile Express',
    '[ 9171.694927][T26146] PC is at __queue_work+0xa0/0x74c',
    '[ 9171.695140][T26146] LR is at 0x82c00000',
    '[ 9171.695565][T26146] pc : [<80260410>]    lr : [<82c00000>]    psr: 60000093',
    '[ 9171.695793][T26146] sp : ec3d1ac8  ip : 82c00024  fp : ec3d1b0c',
    '[ 9171.696040][T26146] r10: 8280e800  r9 : 00000000  r8 : 82446498',
    '[ 9171.696270][T26146] r7 : 8220c940  r6 : 00000008  r5 : 84e37c00  r4 : 851eb85c',
    '[ 9171.696548][T26146] r3 : 00000000  r2 : 00000000  r1 : 00000004  r0 : 8280e800',
    '[ 9171.696849][T26146] Flags: nZCv  IRQs off  FIQs on  Mode SVC_32  ISA ARM  Segment none',
    '[ 9171.697181][T26146] Control: 30c5387d  Table: 8437b900  DAC: 00000000',
    '[ 9171.697460][T26146] Register r0 information: slab kmalloc-512 start 8280e800 pointer offset 0 size 512',
    '[ 9171.703630][T26146] Process syz-executor.1 (pid: 26146, stack limit = 0xec3d0000)',
    '[ 9171.704342][T26146] Stack: (0xec3d1ac8 to 0xec3d2000)',
    '[ 9171.704626][T26146] 1ac0:                   80275518 802a0f18 820a235c 855d9700 00000038 00000001',
    '[ 9171.714059][T26146] Backtrace: ',
    '[ 9171.714382][T26146] [<80260370>] (__queue_work) from [<80260b0c>] (queue_work_on+0x50/0x5c)',
    '[ 9171.714738][T26146]  r10:8538e974 r9:8250ca80 r8:ec3d1b63 r7:60000013 r6:84e37c00 r5:00000008',
    '[ 9171.715151][T26146]  r4:851eb85c',
    '[ 9171.715391][T26146] [<80260abc>] (queue_work_on) from [<816df870>] (nci_send_cmd+0xb0/0x110 [nci])',
    '[ 9171.715400][T26146] Code: e5943000 e3130001 1a000000 e7f001f2 (e5932000) ', // rendered
    '[ 9171.715500][T26146] ---[ end trace 0000000000000000 ]---', // rendered
  ];
  it('decodes registers, flags and the verbose backtrace', () => {
    const evs = decode(text.join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.oops@1-27']);
    const o = d(evs[0]);
    expect(o).toMatchObject({ arch: 'arm', cpu: 1, pid: 26146, comm: 'syz-executor.1', hardware: 'ARM-Versatile Express' });
    expect(o.esr).toBeUndefined();
    expect(o.internalError).toMatchObject({ type: 'Oops', code: '207', count: 1, flags: ['PREEMPT', 'SMP', 'ARM'] });
    expect(o.fault).toMatchObject({ type: 'NULL pointer dereference', address: '00000000' });
    expect(o.regs).toMatchObject({ pc: '80260410', lr: '82c00000', psr: '60000093', sp: 'ec3d1ac8', ip: '82c00024', fp: 'ec3d1b0c', r10: '8280e800', r9: '00000000', r0: '8280e800' });
    expect(o.pcSymbol).toEqual({ symbol: '__queue_work', offset: '0xa0', size: '0x74c' });
    expect(o.flags).toMatchObject({ flags: 'nZCv', irqs: 'off', fiqs: 'on', mode: 'SVC_32', isa: 'ARM', segment: 'none' });
    expect(o.control).toEqual({ Control: '30c5387d', Table: '8437b900', DAC: '00000000' });
    expect(o.callTrace).toEqual([
      { symbol: '__queue_work', addr: '80260370' },
      { symbol: 'queue_work_on', offset: '0x50', size: '0x5c', addr: '80260b0c' },
      { symbol: 'nci_send_cmd', offset: '0xb0', size: '0x110', module: 'nci', addr: '816df870' },
    ]);
    validate(evs);
  });
  it('decodes the default (non-verbose) `Call trace:` form, ≈v6.8+ (ref real: Kees Cook patch)', () => {
    const t = [
      'Internal error: Oops - undefined instruction: 0 [#1] SMP ARM', // rendered (§3.1 b)
      'CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.8.0 #1',
      'Hardware name: Generic DT based system',
      'Call trace: ',
      ' dump_backtrace from show_stack+0x20/0x24',
      ' r7:00000042 r6:00000000 r5:60070013 r4:80cf5d7c',
      ' show_stack from dump_stack_lvl+0x88/0x98',
      '---[ end trace 0000000000000000 ]---',
    ];
    const evs = decode(t.join('\n'));
    expect(evs).toHaveLength(1);
    expect(d(evs[0]).callTrace.map((f: any) => f.symbol)).toEqual(['dump_backtrace', 'show_stack', 'dump_stack_lvl']);
    expect(d(evs[0]).arch).toBe('arm');
  });
  it('a fault inside a module: the callee `%ps` carries ` [module]`, in the verbose and the default forms (rendered from §3.1 h)', () => {
    const head = [
      '8<--- cut here ---',
      'Unable to handle kernel NULL pointer dereference at virtual address 00000000 when write',
      'Internal error: Oops: 805 [#1] SMP ARM',
      'CPU: 1 PID: 123 Comm: kworker/1:2 Not tainted 6.1.0-27-armmp #1  Debian 6.1.115-1',
      'PC is at foo_handler+0x1c/0x40 [foo]',
    ];
    const verbose = decode([...head,
      'Backtrace: ',
      '[<bf0a1000>] (foo_handler [foo]) from [<c0148d2c>] (process_one_work+0x1d8/0x4c0)',
      ' r7:00000000 r6:c2b0c400 r5:c1e2c880 r4:c2b0c400',
      '[<c0148b54>] (process_one_work) from [<c0149074>] (worker_thread+0x60/0x5a0)',
      '---[ end trace 0000000000000000 ]---',
    ].join('\n'));
    expect(d(verbose[0]).callTrace).toEqual([
      { symbol: 'foo_handler', module: 'foo', addr: 'bf0a1000' },
      { symbol: 'process_one_work', offset: '0x1d8', size: '0x4c0', addr: 'c0148d2c' },
      { symbol: 'worker_thread', offset: '0x60', size: '0x5a0', addr: 'c0149074' },
    ]);
    expect(d(verbose[0]).pcSymbol).toEqual({ symbol: 'foo_handler', offset: '0x1c', size: '0x40', module: 'foo' });
    const plain = decode([...head,
      'Call trace: ',
      ' foo_handler [foo] from bar_dispatch+0x30/0x60 [bar 0123abcd]',
      ' bar_dispatch [bar 0123abcd] from process_one_work+0x1d8/0x4c0',
      '---[ end trace 0000000000000000 ]---',
    ].join('\n'));
    expect(d(plain[0]).callTrace).toEqual([
      { symbol: 'foo_handler', module: 'foo' },
      { symbol: 'bar_dispatch', offset: '0x30', size: '0x60', module: 'bar', buildId: '0123abcd' },
      { symbol: 'process_one_work', offset: '0x1d8', size: '0x4c0' },
    ]);
  });
  it('decodes `Unhandled fault:` with the empty-str Internal error, and `Function entered at` frames (rendered)', () => {
    const t = [
      '8<--- cut here ---',
      'Unhandled fault: external abort on non-linefetch (0x1008) at 0xf0801000',
      '[f0801000] *pgd=80000000007003, *pmd=00000000',
      'Internal error: : 1008 [#1] SMP ARM',
      'Function entered at [<c0312345>] from [<c0312400>]',
      'Function entered at [<c0312400>] from [<c0100abc>]',
      '---[ end trace 1234567890abcdef ]---',
    ];
    const evs = decode(t.join('\n'));
    const o = d(evs[0]);
    expect(o.fault).toMatchObject({ type: 'external abort on non-linefetch', fsr: '0x1008', address: '0xf0801000' });
    expect(o.internalError).toMatchObject({ type: '', code: '1008' });
    expect(o.callTrace.map((f: any) => f.addr)).toEqual(['c0312345', 'c0312400', 'c0100abc']);
    expect(o.endTrace).toBe('1234567890abcdef');
  });
});

// ---------------------------------------------------------------------------------------------
// Panics

describe('panics', () => {
  it('sysrq panic in a Xen dom0 (qemu/xen417-arm64-gicv3-dom0-oops.log): one panic, no oops', () => {
    const evs = decode(readFixture('qemu/xen417-arm64-gicv3-dom0-oops.log').toString()).filter((e) => e.kind !== 'linux.interrupts' && e.kind !== 'linux.banner');
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.panic@371-398']);
    const p = d(evs[0]);
    expect(p).toMatchObject({ message: 'sysrq triggered crash', endMessage: 'sysrq triggered crash', cpu: 1, pid: 1, comm: 'sh', release: '6.1.0-56-arm64' });
    expect(p.callTrace).toHaveLength(18); // lines 375-392
  });
  it('PREEMPT_RT panic with the message on the next line (rendered, §4.2)', () => {
    const evs = decode(['[    5.1] Kernel panic - not syncing:', '[    5.1] VFS: Unable to mount root fs on unknown-block(0,0)', '[    5.2] ---[ end Kernel panic - not syncing: ]---'].join('\n'));
    expect(d(evs[0]).message).toBe('VFS: Unable to mount root fs on unknown-block(0,0)');
  });
  it('SError: oops ended by its panic is complete (rendered, §2.2)', () => {
    const evs = decode([
      'SError Interrupt on CPU1, code 0x00000000bf000002 -- SError',
      'CPU: 1 PID: 0 Comm: swapper/1 Not tainted 6.1.0 #1',
      'pstate: 60000005 (nZCv daif -PAN -UAO -TCO -DIT -SSBS BTYPE=--)',
      'pc : cpu_do_idle+0x14/0x18',
      'Kernel panic - not syncing: Asynchronous SError Interrupt',
      '---[ end Kernel panic - not syncing: Asynchronous SError Interrupt ]---',
    ].join('\n'));
    expect(evs.map((e) => `${e.kind}${e.partial ? '!' : ''}`)).toEqual(['linux.oops', 'linux.panic']);
    expect(d(evs[0]).serror).toEqual({ cpu: 1, code: '0x00000000bf000002', text: 'SError' });
  });
});

// ---------------------------------------------------------------------------------------------
// Stalls, lockups, hung tasks

describe('RCU stalls', () => {
  it('multi-CPU form (rendered from tree_stall.h)', () => {
    const evs = decode([
      '[  100.000001] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
      '[  100.000002] rcu: \t1-...!: (0 ticks this GP) idle=2c4/1/0x4000000000000000 softirq=1412/1412 fqs=0',
      '[  100.000003] rcu: \t3-...0: (20 GPs behind) idle=a1c/1/0x4000000000000000 softirq=99/99 fqs=2',
      '[  100.000004] \t(detected by 0, t=5252 jiffies, g=1213, q=55 ncpus=4)',
      '[  100.000005] Task dump for CPU 1:',
      '[  100.000006] task:swapper/1       state:R  running task     stack:0     pid:0     ppid:1      flags:0x00000008',
      '[  100.000007] Call trace:',
      '[  100.000008]  __switch_to+0xf8/0x168',
      '[  100.000009]  cpu_startup_entry+0x3c/0x4c',
      '[  100.100000] random: crng reseeded',
    ].join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}${e.partial ? '!' : ''}`)).toEqual(['linux.rcu_stall@1-9']);
    const r = d(evs[0]);
    expect(r).toMatchObject({ flavor: 'rcu_preempt', stallType: 'cpus', selfDetected: false, detectedBy: 0, jiffies: 5252, gp: 1213, q: 55, ncpus: 4 });
    expect(r.cpus.map((c: any) => [c.cpu, c.flags])).toEqual([[1, '...!'], [3, '...0']]);
    expect(r.cpus[0].ticks).toBe(0);
    expect(r.cpus[1].gpsBehind).toBe(20);
    expect(r.callTrace).toHaveLength(2);
    validate(evs);
  });
  it('self-detected form (ref real: syzkaller 547, arm32, caller ids)', () => {
    const evs = decode([
      '[ 1335.106333][    C1] rcu: INFO: rcu_sched self-detected stall on CPU',
      '[ 1335.138473][    C1] rcu: \t1-....: (2599 ticks this GP) idle=61e/1/0x40000002 softirq=26532/26532 fqs=1286 ',
      '[ 1335.139551][    C1] \t(t=2603 jiffies g=52717 q=8)',
      '[ 1335.140526][    C1] NMI backtrace for cpu 1',
      '[ 1335.141218][    C1] CPU: 1 PID: 4246 Comm: syz-executor.0 Not tainted 5.10.2 #14',
      '[ 1335.142006][    C1] Hardware name: ARM-Versatile Express',
      '[ 1335.142529][    C1] Backtrace: ',
      '[ 1335.143447][    C1] [<80de0078>] (dump_backtrace) from [<80de0574>] (show_stack+0x28/0x2c)',
      '[ 1335.150000][    C1] other text',
    ].join('\n'));
    expect(evs).toHaveLength(1);
    const r = d(evs[0]);
    expect(r).toMatchObject({ flavor: 'rcu_sched', stallType: 'self', selfDetected: true, cpu: 1, jiffies: 2603, gp: 52717, q: 8 });
    expect(r.cpus).toEqual([expect.objectContaining({ cpu: 1, flags: '....', ticks: 2599, fqs: 1286 })]);
    expect(evs[0].lastSeq).toBe(8);
  });
  it('expedited form (rendered from tree_exp.h)', () => {
    const evs = decode([
      'rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-.... 2-...D } 21004 jiffies s: 173 root: 0x5/.',
      'rcu: blocking rcu_node structures (internal RCU debug):',
      'Task dump for CPU 0:',
    ].join('\n'));
    const r = d(evs[0]);
    expect(r).toMatchObject({ stallType: 'expedited', expedited: true, jiffies: 21004 });
    expect(r.cpus.map((c: any) => c.cpu)).toEqual([0, 2]);
  });
});

describe('lockups and hung tasks', () => {
  it('soft lockup with the interrupt-storm table (ref real, §4.4)', () => {
    const evs = decode([
      '[ 2987.488075] watchdog: BUG: soft lockup - CPU#9 stuck for 23s! [kworker/9:1:214]',
      '[ 2987.488607] CPU#9 Utilization every 4s during lockup:',
      '[ 2987.488941]  #1:   0% system,          0% softirq,   100% hardirq,     0% idle',
      '[ 2987.491034] CPU#9 Detect HardIRQ Time exceeds 50%. Most frequent HardIRQs:',
      '[ 2987.491493]  #1: 330985      irq#7',
      '[ 2987.491743]  #2: 5000        irq#10',
      '[ 2987.492000] Modules linked in:',
      '[ 2987.492100] CPU: 9 PID: 214 Comm: kworker/9:1 Not tainted 6.10.0 #1',
      '[ 2987.492200] Call trace:',
      '[ 2987.492300]  handle_softirqs+0x100/0x300',
      '[ 2987.492400] Kernel panic - not syncing: softlockup: hung tasks',
    ].join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}${e.partial ? '!' : ''}`)).toEqual(['linux.lockup@1-10', 'linux.panic@11-11!']);
    expect(d(evs[0])).toMatchObject({ type: 'soft', cpu: 9, seconds: 23, comm: 'kworker/9:1', pid: 214 });
    expect(d(evs[0]).topIrqs).toEqual([{ rank: 1, count: 330985, irq: 7 }, { rank: 2, count: 5000, irq: 10 }]);
    validate(evs);
  });
  it('hard lockup, every version variant (rendered)', () => {
    for (const [line, cpu, rep] of [
      ['watchdog: CPU2: Watchdog detected hard LOCKUP on cpu 3', 3, 2],
      ['watchdog: Watchdog detected hard LOCKUP on cpu 1', 1, undefined],
      ['NMI watchdog: Watchdog detected hard LOCKUP on cpu 0', 0, undefined],
    ] as const) {
      const evs = decode([line, 'Modules linked in:', 'some other line'].join('\n'));
      expect(evs).toHaveLength(1);
      expect(d(evs[0])).toMatchObject({ type: 'hard', cpu });
      expect(d(evs[0]).reporterCpu).toBe(rep);
    }
    const old = decode('NMI watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]');
    expect(d(old[0])).toMatchObject({ type: 'soft', cpu: 0, seconds: 22, comm: 'swapper/0', pid: 1 });
  });
  it('hung task (rendered from hung_task.c; comm with a space)', () => {
    const evs = decode([
      '[  245.1] INFO: task kworker/u8:2 x:57 blocked for more than 122 seconds.',
      '[  245.1]       Not tainted 6.1.0-56-arm64 #1 Debian 6.1.192-2',
      '[  245.1] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
      '[  245.1] task:kworker/u8:2 x  state:D stack:0     pid:57    ppid:2      flags:0x00000008',
      '[  245.1] Call trace:',
      '[  245.1]  __switch_to+0xf8/0x168',
      '[  245.1]  schedule+0x60/0x100',
      '[  246.0] eth0: something else',
    ].join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.hung_task@1-7']);
    expect(d(evs[0])).toMatchObject({ comm: 'kworker/u8:2 x', pid: 57, seconds: 122, state: 'D' });
    validate(evs);
  });
});

// ---------------------------------------------------------------------------------------------
// Spurious IRQs

describe('spurious IRQ reports (rendered from kernel/irq/spurious.c)', () => {
  it('nobody cared: irq, handlers, Disabling IRQ', () => {
    const evs = decode([
      '[   33.1] irq 45: nobody cared (try booting with the "irqpoll" option)',
      '[   33.1] CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.1.0 #1',
      '[   33.1] Hardware name: Vamrs RK3399 ZAKU (DT)',
      '[   33.1] Call trace:',
      '[   33.1]  dump_backtrace+0x0/0x1a0',
      '[   33.1]  __report_bad_irq+0x50/0xe0',
      '[   33.1]  note_interrupt+0x2f4/0x3c0',
      '[   33.1] handlers:',
      '[   33.1] [<000000003a1b2c3d>] dw_mci_interrupt',
      '[   33.1] [<00000000deadbeef>] irq_default_primary_handler threaded [<0000000012345678>] foo_thread_fn',
      '[   33.1] Disabling IRQ #45',
      '[   33.2] next line',
    ].join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.irq.nobody_cared@1-11']);
    const n = d(evs[0]);
    expect(n).toMatchObject({ irq: 45, disabled: true, disabledIrq: 45 });
    expect(n.handlers).toEqual([
      { handler: 'dw_mci_interrupt', addr: '000000003a1b2c3d' },
      { handler: 'irq_default_primary_handler', addr: '00000000deadbeef', thread: 'foo_thread_fn', threadAddr: '0000000012345678' },
    ]);
    expect(n.callTrace).toHaveLength(3);
    validate(evs);
  });
  it('nobody cared cut before Disabling IRQ: disabled false', () => {
    const evs = decode(['irq 12: nobody cared (try booting with the "irqpoll" option)', 'handlers:', '[<(____ptrval____)>] foo_irq'].join('\n'));
    expect(d(evs[0])).toMatchObject({ irq: 12, disabled: false });
    expect(d(evs[0]).handlers).toEqual([{ handler: 'foo_irq', addr: '(____ptrval____)' }]);
  });
  it('bogus return value', () => {
    const evs = decode(['irq event 33: bogus return value 4', 'CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.1.0 #1', 'Call trace:', ' dump_backtrace+0x0/0x1a0', 'handlers:', '[<00000000aaaa0000>] bad_handler', '$ ls'].join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.irq.spurious@1-6']);
    expect(d(evs[0])).toMatchObject({ irq: 33, returnValue: '4', source: 'bogus-return' });
    validate(evs);
  });
});

// ---------------------------------------------------------------------------------------------
// Banner

describe('linux.banner', () => {
  it('dom0 under Xen 4.17 (qemu/xen417-arm64-gicv3-smp2-keys.log)', () => {
    const evs = decode(readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log').toString()).filter((e) => e.kind === 'linux.banner');
    expect(evs.map((e) => `${e.firstSeq}-${e.lastSeq}`)).toEqual(['105-145']);
    expect(d(evs[0])).toMatchObject({ version: '6.1.0-56-arm64', cmdline: 'console=hvc0 earlycon=xen rdinit=/init', xen: true, xenVersion: '4.17', machine: 'linux,dummy-virt', physicalCpu: '0x0000000000', midr: '0x411fd070' });
  });
  it('bare-metal arm32, no timestamps, no Xen (rendered)', () => {
    const evs = decode(['Booting Linux on physical CPU 0x0', 'Linux version 6.6.0 (u@h) (gcc 12) #1 SMP Thu Jan 1 00:00:00 UTC 2024', 'Machine model: Generic', 'Kernel command line: console=ttyAMA0 root=/dev/mmcblk0p2', 'next'].join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.banner@1-4']);
    expect(d(evs[0])).toMatchObject({ version: '6.6.0', xen: false, cmdline: 'console=ttyAMA0 root=/dev/mmcblk0p2', physicalCpu: '0x0' });
  });
  it('a domU on the vpl011 console is its own (guest, domain) state (rendered)', () => {
    const evs = decode([
      '(XEN) DOM1: [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]',
      '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]',
      '(XEN) DOM1: [    0.000000] Linux version 6.1.0 (b@h) (gcc) #1 SMP',
      '[    0.000000] Linux version 6.6.0 (b@h) (gcc) #1 SMP',
      '(XEN) DOM1: [    0.000000] Machine model: XENVM-4.19',
      '(XEN) DOM1: [    0.000000] Kernel command line: console=ttyAMA0',
      '[    0.000000] Kernel command line: console=hvc0',
      '(XEN) DOM1: [    0.000001] x',
      '[    0.000001] y',
    ].join('\n'));
    const bs = evs.filter((e) => e.kind === 'linux.banner');
    expect(bs.map((e) => `${d(e).stream}:${d(e).domain}:${d(e).version}:${d(e).xen}:${e.firstSeq}-${e.lastSeq}`)).toEqual(['guest:1:6.1.0:true:1-6', 'plain:undefined:6.6.0:false:2-7']);
  });
});

// ---------------------------------------------------------------------------------------------
// /proc/interrupts

describe('/proc/interrupts', () => {
  it('row parsing: GICv2/v3, ITS, xen-dyn, overflowing chip, names with spaces and commas, IPI, Err', () => {
    expect(parseRow(' 11:        670        756     GICv3  27 Level     arch_timer', 2)).toEqual({ irq: '11', num: 11, counts: [670, 756], total: 1426, chip: 'GICv3', hwirq: 27, trigger: 'Level', name: 'arch_timer', actions: ['arch_timer'] });
    expect(parseRow(' 11:        579        512 GIC-0  27 Level     arch_timer', 2)).toMatchObject({ chip: 'GIC-0', hwirq: 27 });
    expect(parseRow('  0:          0          0   xen-dyn     Edge    -event     xenbus', 2)).toEqual({ irq: '0', num: 0, counts: [0, 0], total: 0, chip: 'xen-dyn', trigger: 'Edge', flow: 'event', name: 'xenbus', actions: ['xenbus'] });
    expect(parseRow(' 54:       1402          0  xen-dyn-lateeoi     Edge    -event     vif1.0-q0-tx', 2)).toMatchObject({ chip: 'xen-dyn-lateeoi', flow: 'event', name: 'vif1.0-q0-tx' });
    expect(parseRow(' 19:          0          0          0          0 9030000.pl061   3 Edge      GPIO Key Poweroff', 4)).toMatchObject({ chip: '9030000.pl061', hwirq: 3, trigger: 'Edge', name: 'GPIO Key Poweroff' });
    expect(parseRow(' 40:          5   ITS-MSI 524288 Edge      eth0, eth0-rx', 1)).toMatchObject({ chip: 'ITS-MSI', hwirq: 524288, actions: ['eth0', 'eth0-rx'] });
    expect(parseRow(' 13:          9   xen-percpu    Edge    -virq      timer0', 1)).toMatchObject({ chip: 'xen-percpu', flow: 'virq', name: 'timer0' });
    expect(parseRow('IPI3:         0          0       CPU stop (for crash dump) interrupts', 2)).toEqual({ irq: 'IPI3', counts: [0, 0], total: 0, name: 'CPU stop (for crash dump) interrupts' });
    expect(parseRow('Err:          0', 2)).toEqual({ irq: 'Err', counts: [0], total: 0 });
    expect(parseRow('/ # ls', 2)).toBeUndefined();
    expect(parseRow(' 11:        670     GICv3  27 Level     arch_timer', 2)).toBeUndefined();
  });
  it('two-CPU dom0 snapshots (qemu/xen417-arm64-gicv2-smp2-keys.log has three)', () => {
    const evs = decode(readFixture('qemu/xen417-arm64-gicv2-smp2-keys.log').toString()).filter((e) => e.kind === 'linux.interrupts');
    expect(evs.map((e) => `${e.firstSeq}-${e.lastSeq}${e.partial ? '!' : ''}`)).toEqual(['350-363', '370-383', '715-728']);
    validate(evs);
  });
  it('1 and 4 CPUs; a Xen line between rows does not end the table; a glued Xen line is re-joined (rendered)', () => {
    const one = decode(['           CPU0       ', ' 11:         93     GICv3  27 Level     arch_timer', 'IPI0:         0       Rescheduling interrupts', 'Err:          0'].join('\n'));
    expect(d(one[0])).toMatchObject({ cpus: 1, cpuIds: [0] });
    expect(d(one[0]).rows).toHaveLength(3);
    const four = decode([
      '           CPU0       CPU1       CPU2       CPU3',
      ' 11:        393        281        532        449     GICv3  27 Level     arch_timer',
      '(XEN) d0v1 Unhandled SMC/HVC: 0x82000008',
      'IPI0:        11         19          4         23       Resched(XEN) *** Serial input to Xen',
      '(XEN) more xen',
      'uling interrupts',
      'Err:          0',
    ].join('\n'));
    expect(four.map((e) => `${e.firstSeq}-${e.lastSeq}${e.partial ? '!' : ''}`)).toEqual(['1-7']);
    expect(d(four[0]).rows.map((r: any) => r.name ?? r.irq)).toEqual(['arch_timer', 'Rescheduling interrupts', 'Err']);
  });
  it('a table cut short by a prompt is partial', () => {
    const evs = decode(['           CPU0       CPU1', ' 11:        670        756     GICv3  27 Level     arch_timer', '/ # '].join('\n'));
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ partial: true, reason: 'cut short', lastSeq: 2 });
  });
});

// ---------------------------------------------------------------------------------------------
// Framing hazards

describe('framing hazards', () => {
  it('nbcon replay marker drops the interrupted partial record (ref real §1.2)', () => {
    const evs = decode([
      '[   91.344093] Unable to handle ke',
      '** replaying previous printk message **',
      '[   91.344093] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000',
      '[   91.344100] Internal error: Oops: 0000000096000004 [#1]  SMP',
      '[   91.344200] ---[ end trace 0000000000000000 ]---',
    ].join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.oops@3-5']);
    expect(d(evs[0]).fault).toMatchObject({ type: 'NULL pointer dereference' });
    const cut = decode([
      '[   91.344093] Unable to handle kernel NULL poin',
      '** replaying previous printk message **',
      '[   91.344093] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000',
      '[   91.344200] ---[ end trace 0000000000000000 ]---',
    ].join('\n'));
    expect(cut.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.oops@3-4']);
  });
  it('dropped-messages marker is counted and stripped (rendered, §1.2)', () => {
    const evs = decode([
      '[   10.0] ------------[ cut here ]------------',
      '** 12 printk messages dropped ** [   10.1] WARNING: CPU: 1 PID: 7 at mm/page_alloc.c:4404 __alloc_pages+0x2c0/0x330',
      '[   10.2] ---[ end trace 0000000000000000 ]---',
    ].join('\n'));
    expect(evs.map((e) => e.kind)).toEqual(['linux.warn']);
    expect(d(evs[0])).toMatchObject({ droppedMessages: 12, file: 'mm/page_alloc.c', line: 4404, function: '__alloc_pages' });
  });
  it('a dom0 line cut by a glued (XEN) line is re-joined', () => {
    const evs = decode([
      '[   5.0] Kernel panic - not syncing: VFS: Unable to mount ro(XEN) d0v0 Unhandled SMC/HVC: 0x84000050',
      'ot fs on unknown-block(0,0)',
      '[   5.1] ---[ end Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) ]---',
    ].join('\n'));
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.panic@1-3']);
    expect(d(evs[0]).message).toBe('VFS: Unable to mount root fs on unknown-block(0,0)');
  });
  it('a userspace line after a complete end line is not joined to it (public/013)', () => {
    const evs = decode(readFixture('public/013-salvator-x-rcar-h3-domU-linux-drm-warning-xenvm417.txt').toString());
    expect(evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`)).toEqual(['linux.warn@4-37']);
  });
  it('a domU oops on vpl011 and a dom0 panic interleaved line by line do not mix (rendered)', () => {
    const domu = [
      'Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008',
      'Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP',
      'CPU: 0 PID: 77 Comm: modprobe Not tainted 6.6.0 #1',
      'Hardware name: XENVM-4.19 (DT)',
      'pc : foo_probe+0x10/0x40 [foo]',
      'Call trace:',
      ' foo_probe+0x10/0x40 [foo]',
      ' platform_probe+0x68/0xd8',
      '---[ end trace 0000000000000000 ]---',
    ].map((l, i) => `(XEN) DOM1: [   4.${i}] ${l}`);
    const dom0 = [
      'Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b',
      'CPU: 1 PID: 1 Comm: init Not tainted 6.1.0 #1',
      'Hardware name: Raspberry Pi 4 Model B (DT)',
      'Call trace:',
      ' dump_backtrace+0xe4/0x140',
      ' panic+0x184/0x364',
      '---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b ]---',
    ].map((l, i) => `[   9.${i}] ${l}`);
    const mixed: string[] = [];
    for (let i = 0; i < Math.max(domu.length, dom0.length); i++) {
      if (domu[i]) mixed.push(domu[i]);
      if (dom0[i]) mixed.push(dom0[i]);
    }
    const evs = decode(mixed.join('\n'));
    const oops = evs.find((e) => e.kind === 'linux.oops');
    const panic = evs.find((e) => e.kind === 'linux.panic');
    expect(d(oops)).toMatchObject({ stream: 'guest', domain: 1, comm: 'modprobe', hardware: 'XENVM-4.19 (DT)' });
    expect(d(oops).callTrace.map((f: any) => f.symbol)).toEqual(['foo_probe', 'platform_probe']);
    expect(d(panic)).toMatchObject({ stream: 'plain', comm: 'init', hardware: 'Raspberry Pi 4 Model B (DT)', message: 'Attempted to kill init! exitcode=0x0000000b' });
    expect(d(panic).callTrace.map((f: any) => f.symbol)).toEqual(['dump_backtrace', 'panic']);
    expect(oops!.partial).toBeUndefined();
    expect(panic!.partial).toBeUndefined();
  });
  it('a new boot interrupts an open report', () => {
    const evs = decode(['[ 1.0] Kernel panic - not syncing: x', '[ 1.1] CPU: 0 PID: 1 Comm: init Not tainted 6.1 #1', 'U-Boot 2024.04 (May 31 2024 - 15:00:11 +0000)'].join('\n'));
    expect(evs[0]).toMatchObject({ kind: 'linux.panic', partial: true, reason: 'interrupted by new boot' });
  });
  it("a report in Xen's console ring printed again by key `w` gives no second event (a guest's, and dom0's with console_to_ring)", () => {
    const report = [
      'Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b',
      'CPU: 0 PID: 1 Comm: init Not tainted 6.1.0 #1',
      'Call trace:',
      ' panic+0x184/0x364',
      '---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b ]---',
    ];
    const w = "(XEN) 'w' pressed -> dumping console ring buffer (dmesg)";
    for (const prefix of ['(d1) ', '']) {
      const live = report.map((l, i) => `${prefix}[   9.${i}] ${l}`);
      // The ring (§4.4, §5.7): the report again, then the ring's copy of the `w` header.
      const evs = decode([...live, w, '(XEN) Xen version 4.17.7 (@) (gcc) debug=n', ...live, w, ...live].join('\n'));
      expect(evs.filter((e) => e.kind === 'linux.panic').map((e) => e.firstSeq), `prefix '${prefix}'`).toEqual([1, 2 * live.length + 4]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Robustness (fast-check)

describe('robustness', () => {
  it('random strings and line soup never throw and give schema-valid events', () => {
    const pieces = [
      '------------[ cut here ]------------', 'WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2', 'kernel BUG at x.c:2!', 'Call trace:', ' f+0x1/0x2',
      'Kernel panic - not syncing: x', '---[ end trace 0 ]---', '           CPU0       CPU1', ' 11: 1 2 GICv3 27 Level t', 'Err: 0',
      'irq 5: nobody cared (try booting with the "irqpoll" option)', 'handlers:', 'Disabling IRQ #5', '** replaying previous printk message **',
      'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', 'Linux version 6.1 (x)', 'Kernel command line: a', '(XEN) x', '(d1) y', '8<--- cut here ---',
      'INFO: task a:1 blocked for more than 1 seconds.', 'pc : [<00000000>]    lr : [<00000000>]    psr: 0', 'x0 : 0000000000000000',
    ];
    const line = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom(...pieces), fc.tuple(fc.constantFrom('[  1.0] ', '[ 2.000][ T1] ', '(XEN) DOM1: ', ''), fc.constantFrom(...pieces)).map(([a, b]) => a + b));
    fc.assert(fc.property(fc.array(line, { maxLength: 60 }), (ls) => {
      const dec = decodeText(ls.join('\n'), 't', [linuxFamily]);
      validate(dec);
    }), { numRuns: 300 });
  });
  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      decodeText(Buffer.from(bytes), 't', [linuxFamily]);
    }), { numRuns: 200 });
  });
  it('a real BUG report (public/026) cut at every line is partial unless the cut lands on an end', () => {
    const lines = fixtureLines('public/026-rpi4-dom0-linux61-swiotlb-bug-oops-xen-netback.txt').slice(0, 85); // through end trace (line 85)
    for (let n = 4; n <= lines.length; n++) {
      const evs = decode(lines.slice(0, n).join('\n')).filter((e) => e.kind === 'linux.bug');
      expect(evs, `cut at ${n}`).toHaveLength(1);
      if (n === 85) expect(evs[0].partial, `cut at ${n}`).toBeUndefined();
      else expect(evs[0]).toMatchObject({ partial: true, reason: 'end of input' });
    }
  });
  it('a real WARN (public/023) interleaved with Xen lines and a domU report still decodes', () => {
    const lines = fixtureLines('public/023-rk3399-zaku-xen417-hmp-unsafe-dom0-linux-gic-warning.txt').slice(343, 394); // 344..394
    fc.assert(fc.property(fc.array(fc.nat(lines.length), { maxLength: 20 }), (positions) => {
      const set = new Set(positions);
      const out: string[] = [];
      lines.forEach((l, i) => {
        if (set.has(i)) out.push('(XEN) d0v0: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER4', '(XEN) DOM1: [    3.1] random: crng init done');
        out.push(l);
      });
      const evs = decode(out.join('\n')).filter((e) => e.kind === 'linux.warn');
      expect(evs).toHaveLength(1);
      const w = d(evs[0]);
      expect(w).toMatchObject({ file: 'drivers/irqchip/irq-gic-v3.c', line: 1533, function: 'gic_irq_domain_select' });
      expect(w.callTrace).toHaveLength(17);
      expect(w.regs.x27).toBe('ffffff8021e37a00');
      expect(evs[0].partial).toBeUndefined();
    }), { numRuns: 100 });
  });
});
