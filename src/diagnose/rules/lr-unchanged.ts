// The same list-register contents for a vCPU across `q` dumps (xen-console-reference §3.3).
// An LR whose state is pending, active or pending+active, with the same raw value in consecutive
// dumps ending at the latest, is an interrupt the guest does not take (pending) or does not
// complete (active: acknowledged but never EOIed / deactivated). LRs in state `invalid` are free
// (Xen does not clear a freed LR, so stale values there mean nothing), and the saved LRs of a vCPU
// running at the time of the dump (`[has=T]`) are stale copies, so both are skipped. A pending LR
// stuck behind an active one of equal or higher priority is a consequence: a warning under it.
import { vcpuSeries, irqLabel, vcpuName, type Ctx, type Evidence, type LrEntry, type QDump, type RankedFinding, type VcpuSnap } from '../analyze-context.js';

export function lrUnchanged(ctx: Ctx): RankedFinding[] {
  const out: RankedFinding[] = [];
  if (ctx.dumps.length < 2) return out;
  for (const { domain, vcpu, series } of vcpuSeries(ctx)) {
    if (series.length < 2) continue;
    const latest = series.at(-1)!.snap;
    if (latest.running) continue;
    for (const lr of latest.lrs) {
      if (!lr || lr.state === 'invalid' || !lr.raw) continue;
      const run: Array<{ dump: QDump; snap: VcpuSnap; lr: LrEntry }> = [];
      for (let i = series.length - 1; i >= 0; i--) {
        const s = series[i].snap;
        if (s.running) break;
        const same = s.lrs.find((x) => x.index === lr.index && x.raw === lr.raw && x.state !== 'invalid');
        if (!same) break;
        run.unshift({ dump: series[i].dump, snap: s, lr: same });
      }
      if (run.length < 2) continue;
      const irq = lr.virq;
      const who = vcpuName(domain, vcpu);
      const label = irqLabel(ctx, irq);
      const active = lr.state.includes('active');
      const evidence: Evidence[] = run.map(({ dump, snap }) => {
        const ln = ctx.findLine(snap.firstSeq, snap.lastSeq, new RegExp(`_LR\\[${lr.index}\\]=`));
        return ln
          ? { firstSeq: snap.firstSeq, lastSeq: ln.seq, note: `q dump ${ctx.dumps.indexOf(dump) + 1}: ${who} ${ln.text.replace(/^\(XEN\)\s*/, '')} (${lr.state})` }
          : { firstSeq: snap.firstSeq, lastSeq: snap.lastSeq, note: `q dump ${ctx.dumps.indexOf(dump) + 1}: ${who} LR[${lr.index}]=${lr.raw} (${lr.state})` };
      });
      // A pending interrupt behind one the guest never completed (active, same or higher priority:
      // lower value) is a consequence of that one.
      const behind = active ? undefined : latest.lrs.find((x) => x && x.index !== lr.index && x.state.includes('active') && x.priority <= lr.priority);
      const hwNote = lr.hw ? ` It is a hardware-mapped LR (physical INTID ${lr.pirq ?? '?'}): the physical interrupt stays active until the guest deactivates it, so it cannot fire again.` : '';
      const explanation = active
        ? `${who}'s LR[${lr.index}] holds ${label} in state ${lr.state} (${lr.raw}) in ${run.length} consecutive q dumps while the vCPU is not running: ` +
          `the guest acknowledged the interrupt but never completed it (no EOI/deactivate), so this interrupt and every one of equal or lower priority stay blocked for ${who}.${hwNote} ` +
          `What to try: find the guest handler of ${label} (a handler that hangs, or an EOI mode mismatch: GICC_CTLR.EOImode / ICC_CTLR_EL1.EOImode with a missing GICC_DIR write); ` +
          `look at ${who}'s PC with key 0; on GICv2 check that the guest writes GICC_EOIR of the vCPU interface it read GICC_IAR from.`
        : `${who}'s LR[${lr.index}] holds ${label} pending (${lr.raw}) in ${run.length} consecutive q dumps while the vCPU is not running: ` +
          `the interrupt is presented to the vCPU but never acknowledged. The guest has it masked: its priority (0x${lr.priority.toString(16)}) is not above the vCPU's priority mask (GICC_PMR / ICC_PMR_EL1), ` +
          (behind
            ? `${irqLabel(ctx, behind.virq)} is active in LR[${behind.index}] at priority 0x${behind.priority.toString(16)} and never completed, so nothing of equal or lower priority can be taken: fix that one first. `
            : `a higher-priority interrupt is active, or the vCPU interface / group is disabled (GICV_CTLR, ICH_VMCR). `) +
          `What to try: check the guest's PMR and group enables; look at ${who}'s PC and CPSR.I with key 0 (interrupts masked in a loop); press q again.`;
      out.push({
        severity: behind ? 'warning' : 'error',
        title: `${label} stuck ${active ? 'active' : 'pending'} in ${who}'s LR[${lr.index}] across ${run.length} q dumps (${active ? 'never completed' : behind ? `never acknowledged, behind active ${behind.virq < 16 ? 'SGI' : 'IRQ'} ${behind.virq}` : 'never acknowledged'})`,
        explanation,
        irq,
        domain,
        vcpu,
        evidence,
        rule: 'lr-unchanged',
        score: active ? 92 : behind ? 70 : 80 + (irq === ctx.timer.virt ? 5 : 0),
      });
    }
  }
  return out;
}
