// Linux's own complaints that point at interrupts (linux-console-reference §4.3, §4.4, §4.7):
// `irq N: nobody cared` (virq N, disabled from then on), bad/unexpected/spurious interrupts, RCU
// stalls (a CPU that stopped taking ticks), soft/hard lockups (with the `irq#N` storm table) and
// hung tasks. Linux irq numbers are virqs: they are mapped to GIC INTIDs through dom0's
// /proc/interrupts rows (`num` → `hwirq`).
import { irqLabel, linuxOrigin, type Ctx, type Evidence, type RankedFinding } from '../analyze-context.js';

export function linuxReports(ctx: Ctx): RankedFinding[] {
  const out: RankedFinding[] = [];
  const isDom0 = (d: Record<string, unknown>) => linuxOrigin(d).dom0;
  const who = (d: Record<string, unknown>) => linuxOrigin(d).who;
  const domOf = (d: Record<string, unknown>) => linuxOrigin(d).domain;
  /** A Linux virq → its GIC INTID and name from dom0's /proc/interrupts. */
  const hwOf = (virq: number): { hwirq?: number; name?: string } => {
    for (let i = ctx.procs.length - 1; i >= 0; i--) {
      const r = ctx.procs[i].rows.find((x) => x.num === virq);
      if (r) return { hwirq: r.hwirq, name: r.name };
    }
    return {};
  };

  for (const e of ctx.byKind('linux.irq.nobody_cared')) {
    const d = e.data as Record<string, unknown>;
    const virq = d.irq as number;
    const { hwirq, name } = hwOf(virq);
    out.push({
      severity: 'error',
      title: `${who(d)}: irq ${virq}${name ? ` (${name})` : ''}: nobody cared${d.disabled ? ' — Linux disabled it' : ''}`,
      explanation:
        `Linux got about 100000 interrupts on virq ${virq}${hwirq !== undefined ? ` (${irqLabel(ctx, hwirq)})` : ''} that no handler claimed, ` +
        `${d.disabled ? 'and disabled it: that device gets no interrupts from now on. ' : 'an interrupt storm. '}` +
        `Under Xen this is typically a level interrupt that stays asserted (wrong trigger type in the device tree, the device not acknowledged, or the vGIC re-injecting it), ` +
        `or an interrupt routed to the wrong driver. What to try: check the trigger type (level/edge) of the interrupt in dom0's device tree against the hardware, and the handler listed under "handlers:".`,
      irq: hwirq,
      domain: domOf(d),
      evidence: [{ firstSeq: e.firstSeq, lastSeq: e.lastSeq, note: String(d.message ?? '') }],
      rule: 'linux-reports',
      score: 70,
    });
  }

  for (const e of ctx.byKind('linux.irq.spurious')) {
    const d = e.data as Record<string, unknown>;
    const hw = typeof d.hwirq === 'number' ? d.hwirq : undefined;
    const virq = typeof d.irq === 'number' && hw === undefined ? d.irq : undefined;
    const m = virq !== undefined ? hwOf(virq) : {};
    const irq = hw ?? m.hwirq;
    out.push({
      severity: 'warning',
      title: `${who(d)}: ${d.source === 'bogus-return' ? 'bogus handler return' : 'unexpected/spurious interrupt'}${irq !== undefined ? ` on ${irqLabel(ctx, irq)}` : virq !== undefined ? ` on irq ${virq}` : ''}`,
      explanation:
        `${String(d.text ?? '')}: Linux received an interrupt it has no mapping or handler for. Under Xen, the vGIC injected an INTID that dom0 did not request ` +
        `(an SPI routed to dom0 whose device has no driver, or a PPI such as the physical timer). What to try: compare with the INTIDs in q dumps and dom0's /proc/interrupts.`,
      irq,
      domain: domOf(d),
      evidence: [{ firstSeq: e.firstSeq, lastSeq: e.lastSeq, note: String(d.text ?? '') }],
      rule: 'linux-reports',
      score: 40,
    });
  }

  for (const e of ctx.byKind('linux.rcu_stall')) {
    const d = e.data as Record<string, unknown>;
    const cpus = Array.isArray(d.cpus) ? (d.cpus as Array<Record<string, unknown>>).map((c) => c.cpu).filter((c): c is number => typeof c === 'number') : [];
    const self = typeof d.cpu === 'number' && d.selfDetected ? [d.cpu] : [];
    const stalled = [...new Set([...cpus, ...self])];
    const timerLine = ctx.findLine(e.firstSeq, e.lastSeq, /Possible timer handling issue on cpu=\d+|timer wakeup didn't happen/);
    const timerCpu = (() => { const l = ctx.findLine(e.firstSeq, e.lastSeq, /Possible timer handling issue on cpu=(\d+)/); const m = l && /cpu=(\d+)/.exec(l.text); return m ? Number(m[1]) : undefined; })();
    const evidence: Evidence[] = [{ firstSeq: e.firstSeq, lastSeq: Math.min(e.lastSeq, e.firstSeq + 2), note: String(d.message ?? 'RCU stall') }];
    if (timerLine) evidence.push({ firstSeq: timerLine.seq, lastSeq: timerLine.seq + (/timer wakeup/.test(timerLine.text) ? 1 : 0), note: 'RCU: timer problem' });
    const cpuText = stalled.length ? `CPU${stalled.join(', CPU')}` : 'a CPU';
    out.push({
      severity: 'error',
      title: `${who(d)}: RCU stall on ${cpuText}${timerLine ? ' with a timer problem' : ''}`,
      explanation:
        `Linux's RCU detector (${String(d.flavor ?? 'rcu')}, ${d.jiffies ?? '?'} jiffies) says ${cpuText} stopped reporting quiescent states` +
        `${timerLine ? `, and its grace-period kthread timer did not fire ("${timerLine.text.replace(/^\[[^\]]*\]\s*/, '').trim()}")` : ''}. ` +
        `A CPU that is idle but never takes a timer interrupt looks exactly like this: under Xen the vCPU ${stalled.length === 1 ? `d${domOf(d) ?? 0}v${stalled[0]}` : ''} is blocked and its virtual timer interrupt (IRQ ${ctx.timer.virt}) is not delivered. ` +
        `What to try: press q twice and look at that vCPU's Inflight/Pending lines for IRQ ${ctx.timer.virt}; if the CPU is busy instead (key 0 shows a PC in a loop), it is a lockup with interrupts masked.`,
      irq: timerLine ? ctx.timer.virt : undefined,
      domain: domOf(d),
      vcpu: timerCpu ?? (stalled.length === 1 ? stalled[0] : undefined),
      evidence,
      rule: 'linux-reports',
      score: 62,
    });
  }

  for (const e of ctx.byKind('linux.lockup')) {
    const d = e.data as Record<string, unknown>;
    const top = Array.isArray(d.topIrqs) ? (d.topIrqs as Array<{ irq: number; count: number }>) : [];
    const storm = top[0];
    const m = storm ? hwOf(storm.irq) : {};
    out.push({
      severity: 'error',
      title: `${who(d)}: ${d.type === 'hard' ? 'hard' : 'soft'} lockup on CPU${d.cpu ?? '?'}${storm ? `; most frequent irq ${storm.irq}${m.name ? ` (${m.name})` : ''}` : ''}`,
      explanation:
        `${String(d.message ?? '')}. ${d.type === 'hard' ? 'The CPU did not take timer interrupts at all (interrupts masked in a loop). ' : 'The CPU ran kernel code without scheduling for that long. '}` +
        (storm ? `The hard-IRQ table shows irq ${storm.irq}${m.hwirq !== undefined ? ` = ${irqLabel(ctx, m.hwirq)}` : ''} fired ${storm.count} times: an interrupt storm (a level interrupt that is never cleared, or re-injected by the vGIC). ` : '') +
        `What to try: look at the call trace for the loop; for a storm, check the trigger type and the device's acknowledge.`,
      irq: m.hwirq,
      domain: domOf(d),
      vcpu: typeof d.cpu === 'number' && isDom0(d) ? d.cpu : undefined,
      evidence: [{ firstSeq: e.firstSeq, lastSeq: Math.min(e.lastSeq, e.firstSeq + 8), note: String(d.message ?? '') }],
      rule: 'linux-reports',
      score: storm ? 68 : 58,
    });
  }

  for (const e of ctx.byKind('linux.hung_task')) {
    const d = e.data as Record<string, unknown>;
    out.push({
      severity: 'warning',
      title: `${who(d)}: task ${d.comm ?? '?'}:${d.pid ?? '?'} blocked for more than ${d.seconds ?? '?'} s`,
      explanation: `${String(d.message ?? '')}. A task waiting (state D) that long usually waits for I/O completion, i.e. a device interrupt that never came. What to try: the call trace names the driver it waits in; check that driver's interrupt in /proc/interrupts (does it move?) and in q dumps.`,
      domain: domOf(d),
      evidence: [{ firstSeq: e.firstSeq, lastSeq: Math.min(e.lastSeq, e.firstSeq + 3), note: String(d.message ?? '') }],
      rule: 'linux-reports',
      score: 30,
    });
  }
  return out;
}
