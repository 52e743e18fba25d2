// dom0's /proc/interrupts snapshots (linux-console-reference §6.4): a timer count that stops on a
// CPU, a row that disappears, `Err:` growing, and no row at all for the timer dom0 should use.
// Rows are matched across snapshots by (chip, hwirq) for GIC rows and by action name otherwise;
// counts per CPU id, not by column.
import { irqLabel, type Ctx, type ProcRow, type ProcSnap, type RankedFinding } from '../analyze-context.js';

const keyOf = (r: ProcRow): string => (typeof r.hwirq === 'number' ? `${r.chip}:${r.hwirq}` : r.num === undefined ? r.irq : `${r.chip}:${r.name ?? r.irq}`);
const countOn = (s: ProcSnap, r: ProcRow, cpu: number): number | undefined => {
  const i = s.cpuIds.indexOf(cpu);
  return i >= 0 ? r.counts[i] : undefined;
};

export function procInterrupts(ctx: Ctx): RankedFinding[] {
  const out: RankedFinding[] = [];
  const snaps = ctx.procs.filter((p) => !p.partial && p.rows.length > 0);
  if (snaps.length === 0) return out;
  const last = snaps.at(-1)!;
  const virt = ctx.timer.virt;
  const isTimerRow = (r: ProcRow): boolean => r.hwirq === virt || r.hwirq === ctx.timer.phys || /\barch_timer\b/.test(r.name ?? '');

  // 1. No arch timer row at all in dom0 (its timer interrupt was never requested).
  if (ctx.dom0.linux && !last.rows.some(isTimerRow)) {
    out.push({
      severity: 'warning',
      title: `No arch_timer row in dom0's /proc/interrupts: ${irqLabel(ctx, virt)} is not in use`,
      explanation:
        `dom0's /proc/interrupts has no row for the architected timer (hwirq ${virt} virtual or ${ctx.timer.phys} physical). ` +
        `Linux requests it at boot; without it dom0 runs on a broadcast or no clock-event device. ` +
        `What to try: check the dom0 device tree's timer node (Xen builds it from the host's: the interrupts property must list PPIs ${ctx.timer.phys}/${virt}/${ctx.timer.hyp}) and dom0's boot log for arch_timer errors.`,
      domain: 0,
      irq: virt,
      evidence: [{ firstSeq: last.firstSeq, lastSeq: last.lastSeq, note: "dom0's /proc/interrupts" }],
      rule: 'proc-interrupts',
      score: 55,
    });
  }

  // 2. Interrupts Xen routed to dom0 (device-tree debug lines `- IRQ: N`) with no row in dom0.
  const gicHw = new Set(last.rows.filter((r) => typeof r.hwirq === 'number').map((r) => r.hwirq));
  const routedNoRow = ctx.routes.filter((e) => e.data.what === 'dt-irq' && typeof e.data.irq === 'number' && (e.data.irq as number) >= 32 && !gicHw.has(e.data.irq as number));
  const seen = new Set<number>();
  for (const e of routedNoRow) {
    const irq = e.data.irq as number;
    if (seen.has(irq)) continue;
    seen.add(irq);
    out.push({
      severity: 'info',
      title: `${irqLabel(ctx, irq)} was routed to dom0 but has no row in dom0's /proc/interrupts`,
      explanation: `Xen mapped this interrupt to dom0 at boot, yet no dom0 driver requested it: the device has no driver in dom0, its driver failed to probe, or it uses another interrupt than the device tree says. Newer kernels hide rows without a handler. What to try: check dom0's log for the device's probe.`,
      irq,
      domain: 0,
      evidence: [{ firstSeq: e.firstSeq, lastSeq: e.lastSeq, note: 'routed to dom0' }, { firstSeq: last.firstSeq, lastSeq: last.lastSeq, note: "dom0's /proc/interrupts" }],
      rule: 'proc-interrupts',
      score: 5,
    });
  }

  if (snaps.length >= 2) {
    const prev = snaps.at(-2)!;
    const prevRows = new Map(prev.rows.map((r) => [keyOf(r), r]));
    const lastRows = new Map(last.rows.map((r) => [keyOf(r), r]));
    // 2. Timer counts that do not move on a CPU.
    for (const r of last.rows) {
      if (!isTimerRow(r)) continue;
      const p = prevRows.get(keyOf(r));
      if (!p) continue;
      const frozen = last.cpuIds.filter((cpu) => {
        const a = countOn(prev, p, cpu);
        const b = countOn(last, r, cpu);
        return a !== undefined && b !== undefined && a === b;
      });
      if (frozen.length === 0) continue;
      const moving = last.cpuIds.filter((cpu) => !frozen.includes(cpu));
      const hw = typeof r.hwirq === 'number' ? r.hwirq : virt;
      for (const cpu of frozen) {
        out.push({
          severity: 'warning',
          title: `${irqLabel(ctx, hw)} count did not move on dom0 CPU${cpu} between two /proc/interrupts snapshots`,
          explanation:
            `Row ${r.irq} (${r.chip ?? ''} ${hw} ${r.name ?? ''}) shows ${countOn(last, r, cpu)} on CPU${cpu} in both snapshots` +
            `${moving.length ? ` while it moved on CPU${moving.join('/CPU')}` : ''}. ` +
            `A CPU that runs anything takes timer ticks; a count that stands still means that vCPU (d0v${cpu}, assuming dom0's CPU numbers follow its vCPU ids) gets no timer interrupts, ` +
            `or it was fully idle (NO_HZ) for the whole interval. What to try: take the snapshots a few seconds apart while the CPU is busy, ` +
            `and press q to see whether IRQ ${hw} is held in flight for d0v${cpu}.`,
          irq: hw,
          domain: 0,
          vcpu: cpu,
          evidence: [
            { firstSeq: prev.firstSeq, lastSeq: prev.lastSeq, note: 'earlier snapshot' },
            { firstSeq: last.firstSeq, lastSeq: last.lastSeq, note: 'later snapshot' },
          ],
          rule: 'proc-interrupts',
          score: 60,
        });
      }
    }
    // 3. Rows that disappeared (a driver freed its interrupt) and Err growing.
    for (const [k, p] of prevRows) {
      if (lastRows.has(k) || p.num === undefined || /^IPI/.test(p.irq)) continue;
      const hw = p.hwirq;
      out.push({
        severity: 'info',
        title: `${p.name ?? k} disappeared from dom0's /proc/interrupts${hw !== undefined ? ` (${irqLabel(ctx, hw)})` : ''}`,
        explanation: `The row ${p.irq}: ${p.chip ?? ''} ${hw ?? ''} ${p.name ?? ''} is in an earlier snapshot and gone from the latest: its driver freed the interrupt (module unloaded, device removed or failed). What to try: check dom0's log around that time.`,
        irq: hw,
        domain: 0,
        evidence: [{ firstSeq: prev.firstSeq, lastSeq: prev.lastSeq, note: 'row present' }, { firstSeq: last.firstSeq, lastSeq: last.lastSeq, note: 'row absent' }],
        rule: 'proc-interrupts',
        score: 10,
      });
    }
    const errA = prevRows.get('Err')?.counts[0];
    const errB = lastRows.get('Err')?.counts[0];
    if (errA !== undefined && errB !== undefined && errB > errA) {
      out.push({
        severity: 'warning',
        title: `dom0's Err: count grew from ${errA} to ${errB} (interrupts with no handler)`,
        explanation: `Err: counts interrupts Linux could not handle (ack_bad_irq: no mapping or no descriptor). Something is raising an interrupt dom0 has no driver for, or one the vGIC injects that dom0 never mapped. What to try: look for "Unexpected interrupt" / "nobody cared" messages and compare the injected INTIDs in q dumps with dom0's rows.`,
        domain: 0,
        evidence: [{ firstSeq: prev.firstSeq, lastSeq: prev.lastSeq }, { firstSeq: last.firstSeq, lastSeq: last.lastSeq }],
        rule: 'proc-interrupts',
        score: 35,
      });
    }
  }
  return out;
}
