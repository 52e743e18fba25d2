// A trigger type the GIC would not take (xen-console-reference §3.1, §3.2: gicv2/gicv3
// set_irq_type, `GICvN: WARNING: CPU%d: Failed to configure IRQ%u as %s-triggered. H/w forces to
// %s-triggered.`). Xen configures an interrupt's trigger when it routes it (from the device tree,
// or a guest's GICD_ICFGR write); the GIC keeps the trigger its hardware implements for that line.
// The interrupt then behaves differently from what its driver expects: a level line handled as
// edge can storm or get stuck active, an edge source handled as level can lose pulses.
import { groupBy, irqLabel, type Ctx, type RankedFinding } from '../analyze-context.js';

export function irqTrigger(ctx: Ctx): RankedFinding[] {
  const byIrq = groupBy(ctx.routes, (e) => (e.data.what === 'trigger-forced' && typeof e.data.irq === 'number' ? e.data.irq : undefined));
  const out: RankedFinding[] = [];
  for (const [irq, evs] of byIrq) {
    const d = evs[0].data;
    const asked = String(d.requested);
    const got = String(d.forced);
    const effect = got === 'level'
      ? 'The line is level-triggered: a handler written for an edge interrupt that does not clear the source before the end of interrupt gets it again at once (a storm, or "irq N: nobody cared"), and one that waits for the next edge may wait forever while the line stays asserted.'
      : 'The line is edge-triggered: a device that holds a level request gets one interrupt for it, and a second request raised before the first was handled is lost.';
    out.push({
      severity: 'warning',
      title: `${irqLabel(ctx, irq)}: configured ${asked}-triggered, but the GIC forces ${got}-triggered (${evs.length}×)`,
      explanation:
        `Xen asked the GIC for a ${asked}-triggered ${irqLabel(ctx, irq)} and the GIC kept it ${got}-triggered (${evs.map((e) => `"${e.data.text}"`).join(', ')}). ` +
        `${effect} What to check: the interrupt's type in its device-tree node (the third cell of interrupts: 1 = edge rising, 4 = level high), ` +
        `and whether this line's trigger is programmable at all (SGIs are always edge; for PPIs the GIC architecture leaves it to the implementation).`,
      irq,
      evidence: evs.slice(0, 6).map((e) => ({ firstSeq: e.firstSeq, lastSeq: e.lastSeq, note: String(e.data.text) })),
      rule: 'irq-trigger',
      score: 35,
    });
  }
  return out;
}
