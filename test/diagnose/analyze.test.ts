// The interrupt diagnosis (src/diagnose/analyze.ts) on real captures. The missing-interrupt
// scenario and its healthy twin are captures of this project's virtual board; the other rules run
// on public fixtures where those have the data. Where no capture has it, the input is DERIVED in the
// test by editing the text of a real fixture (said at each place); fixture files are never edited.
import { describe, expect, it } from 'vitest';
import { analyzeLog, diagnoseInterrupts, dom0Silence, type Finding } from '../../src/diagnose/analyze.js';
import { decodeText } from '../../src/decoders/engine.js';
import { frameAll } from '../../src/framing/framer.js';
import { readFixture } from '../helpers/fixtures.js';

const SCENARIO = 'captured/xen417-arm64-gicv2-vtimer-disabled.log';
const HEALTHY = 'captured/xen417-arm64-gicv2-healthy-keys.log';
const EVTCHN = 'captured/xen417-arm64-gicv2-evtchn-upcall-disabled.log';
const EVTCHN_HEALTHY = 'captured/xen417-arm64-gicv2-evtchn-healthy.log';
const text = (rel: string) => readFixture(rel).toString('utf8');
const lineAt = (t: string, seq: number) => frameAll(t)[seq - 1]?.text ?? '';
const evidenceText = (t: string, f: Finding) => {
  const ls = frameAll(t);
  return f.evidence.flatMap((e) => ls.filter((l) => l.seq >= e.firstSeq && l.seq <= e.lastSeq).map((l) => l.text));
};
const errors = (r: { findings: Finding[] }) => r.findings.filter((f) => f.severity === 'error');

describe('the missing-interrupt scenario (virtual timer disabled by a GICD_ICENABLER0 write)', () => {
  const t = text(SCENARIO);
  const r = analyzeLog(t);
  const top = r.findings[0];

  it('names IRQ 27, the virtual timer, on d0v1 as the top finding, with error severity', () => {
    expect(top).toMatchObject({ severity: 'error', irq: 27, domain: 0, vcpu: 1, rule: 'stuck-inflight' });
    expect(top.title).toMatch(/virtual timer/);
    expect(top.title).toMatch(/d0v1/);
    expect(top.explanation).toMatch(/GICD_ICENABLER0/);
    expect(top.explanation).toMatch(/lr=255/);
  });

  it('d0v1 is the vCPU stuck in both q dumps (d0v0 had it only transiently, queued in lr_pending)', () => {
    const lrs = decodeText(t).filter((e) => e.kind === 'xen.gic.lrs');
    const stuck = lrs.filter((e) => (e.data.inflight as Array<{ irq: number; lr: number }>).some((x) => x.irq === 27 && x.lr === 255));
    expect(stuck.map((e) => e.data.vcpu)).toEqual([0, 1, 1]);
    expect(top.vcpu).toBe(1);
  });

  it('evidence covers the Inflight irq=27 lines of both dumps, the devmem write, the RCU stall and idle pCPUs', () => {
    const ev = top.evidence;
    const covers = (seq: number) => ev.some((e) => e.firstSeq <= seq && seq <= e.lastSeq);
    expect(lineAt(t, 412)).toMatch(/Inflight irq=27 lr=255/);
    expect(lineAt(t, 478)).toMatch(/Inflight irq=27 lr=255/);
    expect(covers(412)).toBe(true);
    expect(covers(478)).toBe(true);
    expect(covers(376)).toBe(true); // devmem 0x08000180 32 0x08000000
    expect(covers(417)).toBe(true); // rcu: INFO: rcu_sched detected stalls
    const texts = evidenceText(t, top);
    expect(texts.filter((x) => /Inflight irq=27 lr=255/.test(x))).toHaveLength(2);
    expect(texts.some((x) => /idle_loop/.test(x))).toBe(true);
    for (const e of ev) expect(e.firstSeq).toBeLessThanOrEqual(e.lastSeq);
  });

  it('also reports the dom0 stall and the RCU stall on CPU1, below the top finding', () => {
    const stall = r.findings.find((f) => f.rule === 'dom0-stall')!;
    expect(stall).toMatchObject({ severity: 'error', domain: 0 });
    expect(stall.title).toMatch(/stall, not a crash/);
    const rcu = r.findings.find((f) => f.rule === 'linux-reports')!;
    expect(rcu).toMatchObject({ severity: 'error', domain: 0, vcpu: 1, irq: 27 });
    expect(r.findings.indexOf(stall)).toBeGreaterThan(0);
    expect(r.summary.dom0).toMatchObject({ linux: true, atPrompt: false, lastSeq: 445, keysAfter: ['q', 'd', '0'] });
    expect(r.summary.pcpus.every((p) => p.idle)).toBe(true);
    expect(r.summary.irqNames['27']).toBe('the virtual timer');
    expect(r.summary.top).toBe(top.title);
  });

  it('gives the same top finding from events alone (no lines), as the live store would without them', () => {
    const r2 = diagnoseInterrupts({ events: decodeText(t) });
    expect(r2.findings[0]).toMatchObject({ severity: 'error', irq: 27, domain: 0, vcpu: 1 });
  });

  it('the JSON shape the checks rely on', () => {
    const j = JSON.parse(JSON.stringify(r));
    for (const f of j.findings) {
      expect(['error', 'warning', 'info']).toContain(f.severity);
      expect(typeof f.title).toBe('string');
      expect(typeof f.explanation).toBe('string');
      expect(Array.isArray(f.evidence)).toBe(true);
      for (const e of f.evidence) expect(Number.isInteger(e.firstSeq) && Number.isInteger(e.lastSeq)).toBe(true);
    }
    // Errors first, then warnings, then info.
    const order = j.findings.map((f: Finding) => ({ error: 0, warning: 1, info: 2 })[f.severity]);
    expect(order).toEqual([...order].sort((a: number, b: number) => a - b));
  });
});

describe('no false alarm on healthy boots', () => {
  const healthy = [
    HEALTHY,
    EVTCHN_HEALTHY,
    'qemu/xen417-arm64-gicv3-smp2-keys.log',
    'qemu/xen417-arm64-gicv2-smp2-keys.log',
    'qemu/xen417-arm64-gicv3-shell-typed-into-xen.log',
    'qemu-debug/xen417-debug-gic2.log',
    'qemu-debug/xen417-debug-gic3.log',
    'qemu-debug/xen417-debug-arm32.log',
    'public/010-rpi5-xen419-dom0less-zephyr-dom0-flask-optee-boot.txt',
    'public/017-qemu-virt-gicv3-guest-loader-xen4151pre-boot-start.txt',
  ];
  for (const rel of healthy) {
    it(`${rel}: no error-level finding`, () => {
      const r = analyzeLog(readFixture(rel));
      expect(errors(r).map((f) => f.title)).toEqual([]);
    });
  }
  it('the healthy twin of the scenario has nothing above info (boot-time ICACTIVER writes only)', () => {
    const r = analyzeLog(readFixture(HEALTHY));
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(r.summary.dom0.atPrompt).toBe(true);
    expect(r.summary.qDumps).toBe(2);
  });
});

describe('event channels that stay pending (key e)', () => {
  const evtchnFindings = (r: { findings: Finding[] }) => r.findings.filter((f) => f.rule === 'evtchn-pending');
  it('the upcall PPI disabled on d0v0: the stuck IRQ 16 is the top error, port 2 (console input) the warning it explains', () => {
    const t = text(EVTCHN);
    const r = analyzeLog(t);
    expect(r.findings[0]).toMatchObject({ severity: 'error', rule: 'stuck-inflight', irq: 16, domain: 0, vcpu: 0 });
    expect(r.findings[0].title).toMatch(/event-channel upcall/);
    const [f, ...rest] = evtchnFindings(r);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', irq: 16, domain: 0, vcpu: 0 });
    expect(f.title).toBe('d0 event-channel port 2 stayed pending: d0v0 never took the event upcall');
    expect(f.explanation).toMatch(/VIRQ_CONSOLE/);
    expect(f.explanation).toMatch(/Keys typed to d0's console do not reach it/);
    expect(f.explanation).toMatch(/IRQ 16, sits on d0v0's inflight list with lr=255/);
    // Evidence: the port-2 row of both e dumps and the held upcall of both q dumps, real lines.
    const ev = evidenceText(t, f);
    expect(ev.filter((x) => /^\(XEN\)\s+2 \[1\/0\/  0   \]: s=5 n=0 x=0 v=2$/.test(x))).toHaveLength(2);
    expect(ev.filter((x) => x === '(XEN) Inflight irq=16 lr=255')).toHaveLength(2);
    // No separate upcall finding for the vCPU the port finding already covers.
    expect(r.findings.filter((x) => /upcall pending in two q dumps/.test(x.title))).toEqual([]);
  });
  it('the healthy twin: no port pending, no evtchn finding', () => {
    expect(evtchnFindings(analyzeLog(readFixture(EVTCHN_HEALTHY)))).toEqual([]);
  });
  it('DERIVED: without the e dumps, the blocked vCPU with upcall_pend=01 in both q dumps is a warning', () => {
    // The scenario with the two `e` responses (header to the last port row) removed.
    const t = text(EVTCHN).replace(/\(XEN\) 'e' pressed[^\n]*\n(?:\(XEN\) (?:Event channel|Polling|    )[^\n]*\n)*/g, '');
    expect(t).not.toMatch(/Event channel information/);
    const [f, ...rest] = evtchnFindings(analyzeLog(t));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', domain: 0, vcpu: 0, irq: 16 });
    expect(f.title).toBe('d0v0 blocked with an event upcall pending in two q dumps');
    expect(evidenceText(t, f).every((x) => /VCPU0: CPU0 .*upcall_pend=01/.test(x))).toBe(true);
  });
  it('DERIVED: a port pending in one e dump only is no finding (a snapshot catches events in flight)', () => {
    const t = text(EVTCHN);
    const second = t.lastIndexOf("'e' pressed");
    const r = analyzeLog(t.slice(0, second) + t.slice(second).replace('2 [1/0/  0   ]', '2 [0/0/  -   ]'));
    expect(evtchnFindings(r).filter((f) => /port/.test(f.title))).toEqual([]);
  });
  it('with host times: two e dumps under a second apart are not enough; 5 s apart they are', () => {
    const t = text(EVTCHN);
    const timed = (gapMs: number) => {
      // Host times: one line per 10 ms, and the second e response moved to gapMs after the first.
      const events = decodeText(t, 'evtchn');
      const lines = frameAll(t).map((l) => ({ seq: l.seq, ts: 1_000_000 + l.seq * 10, text: l.text }));
      const es = events.filter((e) => e.kind === 'xen.debugkey' && e.data.key === 'e');
      for (const e of events) e.ts = 1_000_000 + e.firstSeq * 10;
      es[1].ts = es[0].ts + gapMs;
      return diagnoseInterrupts({ events, lines }).findings.filter((f) => f.rule === 'evtchn-pending' && /port/.test(f.title));
    };
    expect(timed(400)).toEqual([]);
    const [f] = timed(5000);
    expect(f.explanation).toMatch(/5\.0 s apart/);
  });
  it('DERIVED: pending and masked in both dumps is info, naming the masked port; an interdomain port is named by its remote end', () => {
    // The healthy twin with port 1 made interdomain (to d1 port 7), pending and masked in both e dumps.
    const t = text(EVTCHN_HEALTHY).replace(/1 \[0\/0\/  -   \]: s=2 n=1 x=0 d=0/g, '1 [1/1/  -   ]: s=3 n=1 x=0 d=1 p=7');
    const [f, ...rest] = evtchnFindings(analyzeLog(t));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'info', domain: 0, vcpu: 1 });
    expect(f.title).toBe('d0 event-channel port 1 pending but masked in two e dumps');
    expect(f.explanation).toMatch(/port 1 \(interdomain, to d1 port 7: a PV driver ring or xenstore\) pending and masked/);
  });
});

describe('a CPU whose GIC did not come up (xen.gic.cpu)', () => {
  it('DERIVED: CPU1 with no redistributor (qemu gicv3 keys, its Found line replaced by the debug-build error) is an error naming the CPU and the DT', () => {
    const t = text('qemu/xen417-arm64-gicv3-smp2-keys.log').replace(
      '(XEN) GICv3: CPU1: Found redistributor in region 0 @000000004003c000',
      '(XEN) arch/arm/gic-v3.c:752: GICv3: CPU1: mpidr 0x000001 has no re-distributor!');
    const f = analyzeLog(t).findings.find((x) => x.rule === 'gic-cpu')!;
    expect(f).toMatchObject({ severity: 'error', title: 'CPU1: no GIC redistributor found, so no interrupts' });
    expect(f.explanation).toMatch(/0x000001/);
    expect(f.explanation).toMatch(/redistributor-regions/);
    expect(evidenceText(t, f)).toEqual(['(XEN) arch/arm/gic-v3.c:752: GICv3: CPU1: mpidr 0x000001 has no re-distributor!']);
  });
  it('DERIVED: LPIs not initialised on two CPUs (ENOMEM, printed unsigned) is one warning listing both', () => {
    const t = text('qemu/xen417-arm64-gicv3-smp2-keys.log').replace(
      '(XEN) GICv3: CPU1: Found redistributor in region 0 @000000004003c000',
      '(XEN) GICv3: CPU1: Found redistributor in region 0 @000000004003c000\n(XEN) GICv3: CPU1: Cannot initialize LPIs: 4294967284\n(XEN) GICv3: CPU2: Cannot initialize LPIs: 4294967284');
    const fs = analyzeLog(t).findings.filter((x) => x.rule === 'gic-cpu');
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'warning', title: 'CPUs 1, 2: LPIs not initialised: MSIs through the ITS will not reach them' });
    expect(fs[0].explanation).toMatch(/ENOMEM/);
  });
  it('the real captures found every redistributor: no gic-cpu finding', () => {
    for (const rel of ['qemu/xen417-arm64-gicv3-smp2-keys.log', 'public/002-imx8qm-xen413-null-sched-debugkey-r-vgicd.txt', 'qemu-debug/xen417-debug-panic.log']) {
      expect(analyzeLog(readFixture(rel)).findings.filter((x) => x.rule === 'gic-cpu')).toEqual([]);
    }
  });
});

describe('what dom0 Linux said while it set up interrupts (linux.irq.setup)', () => {
  const GICV3 = 'qemu/xen417-arm64-gicv3-smp2-keys.log';
  it('DERIVED: no event-channel interrupt (the kernel line added after FIFO ABI) is an error for dom0', () => {
    const t = text(GICV3).replace('[    0.267966] xen:events: Using FIFO-based ABI', '[    0.267966] xen:events: Using FIFO-based ABI\n[    0.267970] Xen event channel interrupt not found');
    const f = analyzeLog(t).findings.find((x) => x.rule === 'linux-irq-setup')!;
    expect(f).toMatchObject({ severity: 'error', title: 'dom0: Linux found no Xen event-channel interrupt, so no event channel can interrupt it', domain: 0 });
    expect(evidenceText(t, f)).toEqual(['[    0.267970] Xen event channel interrupt not found']);
  });
  it('DERIVED: CPU1 that failed to come online and found no redistributor (its lines replaced) gives an error and a warning naming d0v1', () => {
    const t = text(GICV3)
      .replace('[    0.358837] GICv3: CPU1: found redistributor 1 region 0:0x00000000080c0000', '[    0.358837] GICv3: CPU1: mpidr 1 has no re-distributor!')
      .replace('[    0.360970] CPU1: Booted secondary processor 0x0000000001 [0x411fd070]', '[    5.360970] CPU1: failed to come online');
    const fs = analyzeLog(t).findings.filter((x) => x.rule === 'linux-irq-setup');
    expect(fs.map((f) => `${f.severity}: ${f.title}`)).toEqual([
      'error: dom0: CPU1 found no GICv3 redistributor, so it takes no interrupts',
      'warning: dom0: CPU1 failed to come online',
    ]);
    expect(fs[1].explanation).toMatch(/d0v1/);
    expect(evidenceText(t, fs[0])).toEqual(['[    0.358837] GICv3: CPU1: mpidr 1 has no re-distributor!']);
    expect(evidenceText(t, fs[1])).toEqual(['[    5.360970] CPU1: failed to come online']);
  });
  it('the real boots set up every CPU and event channels: no linux-irq-setup finding', () => {
    for (const rel of [GICV3, 'qemu/xen417-arm64-gicv2-smp2-keys.log', 'public/023-rk3399-zaku-xen417-hmp-unsafe-dom0-linux-gic-warning.txt']) {
      expect(analyzeLog(readFixture(rel)).findings.filter((x) => x.rule === 'linux-irq-setup')).toEqual([]);
    }
  });
});

describe('dom0-stall: how far dom0 booted', () => {
  // DERIVED: the QEMU GICv3 capture cut inside dom0's boot, then its own Xen answers to h, q and d
  // (lines 385-536, after the input switch to Xen) as if pressed while dom0 hung there.
  const ls = text('qemu/xen417-arm64-gicv3-smp2-keys.log').split('\n');
  const hungAt = (n: number) => [...ls.slice(0, n), "(XEN) *** Serial input to Xen (type 'CTRL-a' three times to switch input)", ...ls.slice(384, 536)].join('\n');
  it('after its CPUs came up and before userspace: names the CPUs line and the usual suspect, a probe waiting for its interrupt', () => {
    const t = hungAt(250);
    const f = analyzeLog(t).findings.find((x) => x.rule === 'dom0-stall')!;
    expect(f).toMatchObject({ severity: 'error', title: 'dom0 silent after line 250 while Xen answers keys, all physical CPUs idle: a stall, not a crash' });
    expect(f.explanation).toMatch(/dom0 was still booting: its kernel brought up 2 CPUs \(line 199\) but never reached userspace: an initcall or a driver probe waiting for its device's interrupt/);
    expect(evidenceText(t, f).slice(0, 2)).toEqual(['[    0.372928] smp: Brought up 1 node, 2 CPUs', lineAt(t, 250)]);
  });
  it('before its secondary CPUs came up: the early kernel waits on its timer or IPIs', () => {
    const f = analyzeLog(hungAt(150)).findings.find((x) => x.rule === 'dom0-stall')!;
    expect(f.explanation).toMatch(/its kernel started \(line 105\) but did not bring up its secondary CPUs: the early kernel waits on its timer or on IPIs/);
  });
  it('after its interrupt setup and before its secondary CPUs came up: says what the kernel set up, and points at its last setup line', () => {
    // Cut at `smp: Bringing up secondary CPUs ...` (line 193): the setup is open (cut by the end of the log).
    const t = hungAt(193);
    const f = analyzeLog(t).findings.find((x) => x.rule === 'dom0-stall')!;
    expect(f.explanation).toMatch(/its kernel set up its interrupts \(GICv3, virt timer at 62\.5 MHz, FIFO event channels; lines 109-189\) but did not bring up its secondary CPUs/);
    expect(evidenceText(t, f).slice(0, 2)).toEqual(['[    0.268848] Xen: initializing cpu0', '[    0.304745] smp: Bringing up secondary CPUs ...']);
  });
});

describe('stuck-inflight variants', () => {
  it('DERIVED: Inflight + Pending in both dumps (enabled, queued, never put in an LR) is an error naming lr_pending', () => {
    // The scenario with a `Pending irq=27` line added after each d0v1 `Inflight irq=27 lr=255` and the devmem line removed.
    const t = text(SCENARIO)
      .replace(/\(XEN\) Inflight irq=27 lr=255\r?\n\(XEN\) No periodic timer/g, '(XEN) Inflight irq=27 lr=255\r\n(XEN) Pending irq=27\r\n(XEN) No periodic timer')
      .replace(/devmem 0x08000180 32 0x08000000/, 'true');
    const top = analyzeLog(t).findings[0];
    expect(top).toMatchObject({ severity: 'error', irq: 27, domain: 0, vcpu: 1, rule: 'stuck-inflight' });
    expect(top.title).toMatch(/queued/);
    expect(top.explanation).toMatch(/lr_pending/);
  });

  it('DERIVED: one q dump only is not an error (press q again)', () => {
    // The scenario cut before the second `q`.
    const t = text(SCENARIO).split(/\r?\n/).slice(0, 440).join('\n');
    const r = analyzeLog(t);
    const f = r.findings.find((x) => x.rule === 'stuck-inflight' && x.vcpu === 1)!;
    expect(f.severity).toBe('warning');
    expect(f.title).toMatch(/press q again/);
    expect(errors(r).every((x) => x.rule !== 'stuck-inflight')).toBe(true);
  });
});

describe('lr-unchanged: the same LR contents across dumps', () => {
  it('DERIVED from public/004 (RPi4 q dump with full LRs): the dump repeated gives errors for the blocked vCPUs only', () => {
    // 004 holds one q dump; the derived input is that dump twice, the second with a later `now`.
    const body = text('public/004-rpi4-xen419-debugkey-q-gich-lrs.txt').split(/\r?\n/).slice(1).join('\n');
    const t = body + '\n' + body.replace('now = 727929105981', 'now = 733929105981');
    const r = analyzeLog(t);
    const lr = r.findings.filter((f) => f.rule === 'lr-unchanged');
    expect(lr.length).toBeGreaterThan(0);
    expect(lr.every((f) => f.domain === 0)).toBe(true);
    expect(lr.filter((f) => f.severity === 'error').map((f) => f.irq)).toEqual([2, 2, 2]);
    // d0v1 has free LRs and d1v0/d2v0 were running ([has=T]: saved LRs are stale): never reported.
    expect(new Set(lr.map((f) => f.vcpu))).toEqual(new Set([0, 2, 3]));
    const sgi2 = lr.find((f) => f.vcpu === 0 && f.irq === 2)!;
    expect(sgi2.title).toMatch(/active/);
    expect(sgi2.title).toMatch(/CPU stop|SGI 2/);
    expect(sgi2.evidence).toHaveLength(2);
    // The active SGI the guest never completed ranks above the interrupts pending behind it.
    expect(r.findings[0]).toMatchObject({ rule: 'lr-unchanged', irq: 2 });
    const timer = lr.find((f) => f.vcpu === 0 && f.irq === 27)!;
    expect(timer.title).toMatch(/behind active SGI 2/);
    expect(timer.severity).toBe('warning');
  });

  it('public/004 alone (one dump): no LR finding', () => {
    const r = analyzeLog(readFixture('public/004-rpi4-xen419-debugkey-q-gich-lrs.txt'));
    expect(r.findings.filter((f) => f.rule === 'lr-unchanged')).toEqual([]);
  });
});

describe('/proc/interrupts', () => {
  it('DERIVED: an arch_timer count that does not move on CPU0 between snapshots is a warning naming the virtual timer', () => {
    // The healthy capture with CPU0's arch_timer count of the last table set to that of the one before.
    const t = text(HEALTHY).replace(/ 11:        420        346 GIC-0  27/, ' 11:        348        346 GIC-0  27');
    const f = analyzeLog(t).findings.find((x) => x.rule === 'proc-interrupts')!;
    expect(f).toMatchObject({ severity: 'warning', irq: 27, domain: 0, vcpu: 0 });
    expect(f.title).toMatch(/virtual timer/);
    expect(f.evidence).toHaveLength(2);
  });

  it('DERIVED: no arch_timer row at all is a warning', () => {
    const t = text(HEALTHY).replace(/^ 11: .*arch_timer\r*\n/gm, '');
    const f = analyzeLog(t).findings.find((x) => x.rule === 'proc-interrupts')!;
    expect(f.severity).toBe('warning');
    expect(f.title).toMatch(/No arch_timer row/);
  });
});

describe('interrupts dom0 cannot have', () => {
  it('public/001 (RK3399): IRQ 41 already used by Xen, named as the maintenance IRQ from the GIC block', () => {
    const r = analyzeLog(readFixture('public/001-rk3399-xen410-dom0-irq-panic.txt'));
    expect(r.findings[0]).toMatchObject({ severity: 'error', irq: 41, domain: 0, rule: 'irq-ownership' });
    expect(r.findings[0].title).toMatch(/maintenance/);
    expect(r.findings[0].explanation).toMatch(/GIC_PPI 9/);
    expect(r.findings[0].evidence.map((e) => e.firstSeq)).toEqual(expect.arrayContaining([127, 128]));
  });

  it("DERIVED: a dom0 device row on an SPI outside dom0's Interrupts rangeset is a warning naming the device", () => {
    // The healthy capture with rtc-pl031 moved from INTID 34 to 44 ({ 34-39, 48-79 } does not hold 44).
    const t = text(HEALTHY).replace(/GIC-0  34 Level     rtc-pl031/g, 'GIC-0  44 Level     rtc-pl031');
    const f = analyzeLog(t).findings.find((x) => x.rule === 'irq-ownership')!;
    expect(f).toMatchObject({ severity: 'warning', irq: 44, domain: 0 });
    expect(f.title).toMatch(/rtc-pl031/);
    expect(f.explanation).toMatch(/34-39, 48-79/);
  });
});

describe('vGIC unhandled accesses', () => {
  it('public/002 (i.MX8QM): boot-time ICACTIVER writes are info only', () => {
    const r = analyzeLog(readFixture('public/002-imx8qm-xen413-null-sched-debugkey-r-vgicd.txt'));
    const v = r.findings.filter((f) => f.rule === 'vgic-unhandled');
    expect(v.length).toBeGreaterThan(0);
    expect(v.every((f) => f.severity === 'info')).toBe(true);
    expect(v.some((f) => f.domain === 1)).toBe(true);
  });

  it('DERIVED: an unhandled read of a real GICD register is a warning naming the register', () => {
    // The healthy capture with one rendered vgic-v2.c line added after dom0's last boot-time ICACTIVER write.
    const t = text(HEALTHY).replace(/(\(XEN\) d0v1: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER0\r?\n)/, '$1(XEN) d0v1: vGICD: unhandled read r2 offset 0x000804\r\n');
    const f = analyzeLog(t).findings.find((x) => x.rule === 'vgic-unhandled' && x.severity === 'warning')!;
    expect(f).toMatchObject({ domain: 0, vcpu: 1 });
    expect(f.title).toMatch(/GICD_ITARGETSR1/);
  });

  it("DERIVED: vgic.c's messages about one interrupt are a finding per interrupt, with what it means", () => {
    const t = text(HEALTHY).replace(/(\(XEN\) d0v1: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER0\r?\n)/,
      '$1(XEN) d0v1 trying to clear pending interrupt 27.\r\n(XEN) d0v0 trying to clear pending interrupt 48.\r\n(XEN) d0v1 trying to clear pending interrupt 27.\r\n(XEN) d0v0 irq 48 migration failed: requested while in progress\r\n');
    const fs = analyzeLog(t).findings.filter((x) => x.rule === 'vgic-unhandled' && x.severity === 'warning');
    expect(fs.map((f) => f.title).sort()).toEqual([
      'd0: IRQ 48 was not moved to the vCPU the guest asked for (1×)',
      'd0: the vGIC cannot withdraw IRQ 27, which the guest tried to clear (2×)',
      'd0: the vGIC cannot withdraw IRQ 48, which the guest tried to clear (1×)',
    ]);
    const clear27 = fs.find((f) => /IRQ 27/.test(f.title))!;
    const sgi = analyzeLog(text(HEALTHY).replace(/(\(XEN\) d0v1: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER0\r?\n)/,
      '$1(XEN) d0v1 vGIC: write 0x1000001, target->list=0x2, bad target vcpu1\r\n')).findings.find((x) => x.rule === 'vgic-unhandled' && x.severity === 'warning')!;
    expect(sgi.title).toBe('d0: guest IPIs (SGIs) to a vCPU that is offline or absent were dropped (1×)');
    expect(sgi.explanation).toMatch(/smp_call_function/);
    expect(clear27).toMatchObject({ domain: 0, vcpu: 1 });
    expect(clear27.explanation).toMatch(/ICPENDR/);
    expect(clear27.evidence).toHaveLength(2);
  });
});

describe('GICv2m MSI failures', () => {
  it('DERIVED: a v2m SPI that could not be routed, and a frame that could not be mapped, are errors about MSIs', () => {
    const t = text(HEALTHY).replace(/(\(XEN\) d0v1: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER0\r?\n)/,
      '$1(XEN) GICv2: Failed to route v2m MSI SPI[81] to Dom0.\r\n(XEN) GICv2: Map v2m frame to d0 failed.\r\n');
    const fs = analyzeLog(t).findings.filter((x) => x.rule === 'irq-ownership');
    const spi = fs.find((f) => f.irq === 81)!;
    expect(spi).toMatchObject({ severity: 'error', domain: 0 });
    expect(spi.title).toMatch(/routing this GICv2m MSI SPI to the domain failed/);
    expect(spi.explanation).toMatch(/PCIe MSIs/);
    expect(fs.find((f) => f.irq === undefined && /GICv2m MSI frame/.test(f.title))).toMatchObject({ severity: 'error', domain: 0 });
  });
});

describe('trigger type forced by the GIC', () => {
  it('DERIVED: a set_irq_type warning is a finding on that interrupt, whenever it is printed', () => {
    // The healthy capture with one rendered gic-v3.c line added after dom0's boot (a passthrough routed late).
    const t = text(HEALTHY).replace(/(\(XEN\) d0v1: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER0\r?\n)/,
      '$1(XEN) GICv3: WARNING: CPU1: Failed to configure IRQ40 as Edge-triggered. H/w forces to Level-triggered.\r\n');
    const f = analyzeLog(t).findings.find((x) => x.rule === 'irq-trigger')!;
    expect(f).toMatchObject({ severity: 'warning', irq: 40 });
    expect(f.title).toMatch(/configured edge-triggered, but the GIC forces level-triggered \(1×\)/);
    expect(f.explanation).toMatch(/storm/);
    expect(analyzeLog(text(HEALTHY)).findings.filter((x) => x.rule === 'irq-trigger')).toEqual([]);
  });
});

describe('dom0 silence', () => {
  it('public/011 (R-Car H3): boot stuck after Xen freed its init memory, dom0 never printed: a warning', () => {
    const r = analyzeLog(readFixture('public/011-rcar-h3ulcb-xen413-boot-stuck-after-freed-init-memory.txt'));
    const f = r.findings.find((x) => x.rule === 'dom0-stall')!;
    expect(f.severity).toBe('warning');
    expect(f.evidence[0].firstSeq).toBe(182);
  });

  it('dom0Silence(): last dom0 line, prompt state and keys answered since; seconds from host times', () => {
    const t = text(SCENARIO);
    const lines = frameAll(t).map((l, i) => ({ seq: l.seq, ts: 1_000_000 + i * 100, text: l.text }));
    const s = dom0Silence(decodeText(t), lines);
    expect(s).toMatchObject({ lastSeq: 445, atPrompt: false, linux: true, keysAfter: ['q', 'd', '0'] });
    expect(s.seconds).toBeCloseTo((664 - 444) * 0.1, 1);
    const h = dom0Silence(decodeText(text(HEALTHY)), frameAll(text(HEALTHY)));
    expect(h.atPrompt).toBe(true);
    expect(h.seconds).toBeUndefined();
  });

  it('with host times, the stall finding says how long dom0 has been silent', () => {
    const t = text(SCENARIO);
    const evs = decodeText(t);
    const lines = frameAll(t).map((l, i) => ({ seq: l.seq, ts: 1_000_000 + i * 100, text: l.text }));
    const r = diagnoseInterrupts({ events: evs, lines, now: 1_000_000 + 700 * 100 });
    expect(r.findings.find((f) => f.rule === 'dom0-stall')!.title).toMatch(/silent for 25\.6 s/);
  });
});

describe('Linux reports tied to IRQ numbers', () => {
  it('DERIVED: `irq 15: nobody cared` in dom0 is an error mapped to hwirq 34 (rtc-pl031) via /proc/interrupts', () => {
    // Rendered from kernel/irq/spurious.c (linux-console-reference §4.7) and appended to the healthy capture.
    const t = text(HEALTHY) + [
      '[   40.100000] irq 15: nobody cared (try booting with the "irqpoll" option)',
      '[   40.100010] CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.1.0-56-arm64 #1  Debian 6.1.192-2',
      '[   40.100020] Hardware name: linux,dummy-virt (DT)',
      '[   40.100030] Call trace:',
      '[   40.100040]  dump_backtrace+0x0/0x1a0',
      '[   40.100050]  note_interrupt+0x2f4/0x3c0',
      '[   40.100060] handlers:',
      '[   40.100070] [<000000003a1b2c3d>] pl031_interrupt',
      '[   40.100080] Disabling IRQ #15',
      '/ # ',
    ].join('\r\n') + '\r\n';
    const f = analyzeLog(t).findings.find((x) => x.rule === 'linux-reports')!;
    expect(f).toMatchObject({ severity: 'error', irq: 34, domain: 0 });
    expect(f.title).toMatch(/nobody cared/);
    expect(f.title).toMatch(/rtc-pl031/);
  });

  it('DERIVED: a soft lockup with the hard-IRQ table names the storming interrupt', () => {
    // The real arm64 lines quoted in linux-console-reference §4.4, with irq#11 (dom0's arch_timer row), appended to the healthy capture.
    const t = text(HEALTHY) + [
      '[ 2987.488075] watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [kworker/1:1:214]',
      '[ 2987.488607] CPU#1 Utilization every 4s during lockup:',
      '[ 2987.488941] \t#1:   0% system,\t  0% softirq,\t100% hardirq,\t  0% idle',
      '[ 2987.491034] CPU#1 Detect HardIRQ Time exceeds 50%. Most frequent HardIRQs:',
      '[ 2987.491493] \t#1: 330985    \tirq#11',
      '[ 2987.491743] \t#2: 5000      \tirq#12',
      '[ 2987.492000] Modules linked in:',
      '[ 2987.492100] CPU: 1 PID: 214 Comm: kworker/1:1 Not tainted 6.1.0-56-arm64 #1',
      '[ 2987.492200] Call trace:',
      '[ 2987.492300]  do_idle+0x0/0x10',
      '/ # ',
    ].join('\r\n') + '\r\n';
    const f = analyzeLog(t).findings.find((x) => x.rule === 'linux-reports')!;
    expect(f).toMatchObject({ severity: 'error', domain: 0, vcpu: 1 });
    expect(f.title).toMatch(/soft lockup on CPU1/);
    expect(f.title).toMatch(/irq 11 \(arch_timer\)/);
    expect(f.irq).toBe(27); // Linux irq 11 is GIC INTID 27 in dom0's /proc/interrupts
  });
});

describe('robustness', () => {
  it('empty input', () => {
    expect(diagnoseInterrupts({ events: [] }).findings).toEqual([]);
    expect(analyzeLog('').findings).toEqual([]);
    expect(analyzeLog(Buffer.alloc(0)).summary.qDumps).toBe(0);
  });

  it('a boot with more events than a function call takes arguments (200000) is analysed', () => {
    const events = Array.from({ length: 200_000 }, (_, i) => ({ kind: 'xen.vgic.unhandled', console: 'x', firstSeq: i + 1, lastSeq: i + 1, ts: 0, data: {} }));
    const r = diagnoseInterrupts({ events });
    expect(r.summary.boot).toEqual({ firstSeq: 1, lastSeq: 200_000 });
  });

  it('garbage: random bytes and malformed events do not throw', () => {
    const junk = Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7919 + 13) % 256));
    expect(() => analyzeLog(junk)).not.toThrow();
    const bad = [
      { kind: 'xen.gic.lrs', console: 'x', firstSeq: 1, lastSeq: 1, ts: 0, data: { vcpu: 'x', inflight: 'no' } },
      { kind: 'xen.gic.lrs', console: 'x', firstSeq: 2, lastSeq: 2, ts: 0, data: { vcpu: 0, inflight: [{ irq: 27, lr: 255 }, null], lrs: [null] } },
      { kind: 'linux.interrupts', console: 'x', firstSeq: 3, lastSeq: 3, ts: 0, data: { rows: [{ irq: '11' }, null] } },
      { kind: 'xen.debugkey', console: 'x', firstSeq: 4, lastSeq: 4, ts: 0, data: {} },
      null,
      { kind: 'xen.vgic.unhandled', console: 'x', firstSeq: 5, lastSeq: 5, ts: 0, data: {} },
    ] as never[];
    expect(() => diagnoseInterrupts({ events: bad, lines: [null, { seq: 'a' }] as never[] })).not.toThrow();
  });

  it('only the last boot counts: a healthy boot after the scenario has no error, the scenario after a healthy boot does', () => {
    const a = analyzeLog(text(SCENARIO) + text(HEALTHY));
    expect(errors(a)).toEqual([]);
    const b = analyzeLog(text(HEALTHY) + text(SCENARIO));
    expect(b.findings[0]).toMatchObject({ severity: 'error', irq: 27, domain: 0, vcpu: 1 });
    expect(b.findings[0].evidence.every((e) => e.firstSeq > 661)).toBe(true);
    // allBoots looks at everything.
    expect(errors(analyzeLog(text(SCENARIO) + text(HEALTHY), { allBoots: true })).length).toBeGreaterThan(0);
  });

  it('events of another boot only (the board rebooted, the new boot has printed nothing relevant yet)', () => {
    const evs = decodeText(text(SCENARIO) + '(XEN) Xen version 4.17.7 (pkg@x) (gcc) debug=n Wed Nov  4 16:52:28 UTC 2026\r\n');
    expect(errors(diagnoseInterrupts({ events: evs }))).toEqual([]);
  });
});
