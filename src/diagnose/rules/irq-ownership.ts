// Interrupts dom0 cannot have: Xen refused to route them (xen-console-reference §3.4, printed only
// on failure), they are outside dom0's permitted `Interrupts` rangeset (key q), or Xen keeps them
// for itself (its console UART, its timers, the maintenance interrupt).
import { inRangeset } from '../../decoders/util.js';
import { GIC_ROOT_CHIP, irqLabel, type Ctx, type Evidence, type RankedFinding } from '../analyze-context.js';

const ROUTE_TEXT: Record<string, string> = {
  'used-by-xen': 'Xen already uses it',
  'used-by-domain': 'another domain already has it',
  'in-use': 'it is already in use by a domain',
  'not-routable': 'it is not routable to a guest',
  'not-configured': 'it has not been configured (no type/trigger from the device tree)',
  'virq-too-high': 'the virtual IRQ number is beyond what the domain vGIC has',
  'not-spi': 'only SPIs can be routed to a guest',
  'already-assigned': 'it is already assigned to another vIRQ',
  'map-failed': 'mapping it to the domain failed',
  'permit-failed': 'permitting the domain to use it failed',
  'retrieve-failed': 'its device-tree interrupt could not be read',
  'v2m-type-failed': 'setting the trigger type of this GICv2m MSI SPI failed',
  'v2m-route-failed': 'routing this GICv2m MSI SPI to the domain failed',
  'v2m-reserve-failed': 'reserving this GICv2m MSI SPI for the domain failed',
};

export function irqOwnership(ctx: Ctx): RankedFinding[] {
  const out: RankedFinding[] = [];
  const uartText = ctx.uart ? `Xen's console UART (${ctx.uart.path ?? ctx.uart.node ?? ctx.uart.address})` : "Xen's console UART";

  // 1. Routing errors, grouped per IRQ.
  const byIrq = new Map<number, typeof ctx.routes>();
  for (const e of ctx.routes) {
    const what = String(e.data.what ?? '');
    if (!ROUTE_TEXT[what] || typeof e.data.irq !== 'number') continue;
    const l = byIrq.get(e.data.irq as number) ?? [];
    l.push(e);
    byIrq.set(e.data.irq as number, l);
  }
  for (const [irq, evs] of byIrq) {
    const whats = [...new Set(evs.map((e) => String(e.data.what)))];
    const dom = evs.map((e) => e.data.domain).find((d): d is number => typeof d === 'number') ?? 0;
    const device = evs.map((e) => e.data.device).find((d): d is string => typeof d === 'string');
    const byXen = whats.includes('used-by-xen');
    const guess = byXen ? ownerGuess(ctx, irq, uartText) : '';
    const panicAfter = ctx.byKind('xen.panic').find((p) => p.firstSeq > evs[0].firstSeq && p.firstSeq - evs.at(-1)!.lastSeq < 20);
    const evidence: Evidence[] = evs.map((e) => ({ firstSeq: e.firstSeq, lastSeq: e.lastSeq, note: String(e.data.text ?? e.data.what) }));
    if (panicAfter) evidence.push({ firstSeq: panicAfter.firstSeq, lastSeq: panicAfter.lastSeq, note: 'Xen could not build dom0' });
    out.push({
      severity: 'error',
      title: `${irqLabel(ctx, irq)}${device ? ` of ${device}` : ''} cannot be given to d${dom}: ${whats.map((w) => ROUTE_TEXT[w]).join('; ')}`,
      explanation:
        `Xen refused to route ${irqLabel(ctx, irq)} to d${dom} (${evs.map((e) => `"${e.data.text}"`).join(', ')}). ` +
        (byXen
          ? `Xen keeps this interrupt for itself${guess}, so the device-tree node that also lists it cannot be passed to the domain and its driver there never gets an interrupt. ` +
            (irq === ctx.gic.maintenanceIrq && irq >= 32
              ? `What to try: fix the interrupt-controller node's interrupts property (maintenance interrupt <GIC_PPI 9 ...>); `
              : `What to try: find the dom0 device-tree node with interrupt ${irq >= 32 ? `<0 ${irq - 32} ...> (SPI ${irq - 32})` : irq} and either mark it status = "disabled" / xen,passthrough, ` +
                `or, if it is Xen's console UART, give Xen another UART (dtuart= / stdout-path); `)
          : whats.some((w) => w.startsWith('v2m-'))
            ? `It is one of the GICv2m frame's MSI SPIs: PCIe MSIs that a device in d${dom} sends through it never arrive (its driver sees timeouts, or falls back to legacy interrupts). ` +
              `What to try: check the v2m frame's node in the device tree (arm,msi-base-spi / arm,msi-num-spis) against the GIC's number of lines and against other devices' SPIs; `
            : `Its driver in d${dom} will never receive it. What to try: check the device-tree interrupt of the device and the irqs= / xen,passthrough configuration; `) +
        (panicAfter ? 'here it made Xen fail to build dom0 and panic.' : 'routing errors are the only trace: successful routing prints nothing.'),
      irq,
      domain: dom,
      evidence,
      rule: 'irq-ownership',
      score: panicAfter ? 70 : 75,
    });
  }

  // 1b. The GICv2m MSI frame could not be mapped into a domain: none of its MSIs can arrive there.
  for (const e of ctx.routes) {
    if (e.data.what !== 'v2m-map-failed') continue;
    const dom = typeof e.data.domain === 'number' ? e.data.domain : 0;
    out.push({
      severity: 'error',
      title: `d${dom} cannot use the GICv2m MSI frame: mapping it failed`,
      explanation: `Xen could not map the GICv2m frame into d${dom} ("${e.data.text}"), so no PCIe MSI through it can reach d${dom}: ` +
        `drivers that use MSIs see timeouts or fall back to legacy interrupts. What to try: check the v2m frame's reg property and that its page is not already mapped (or used by Xen).`,
      domain: dom,
      evidence: [{ firstSeq: e.firstSeq, lastSeq: e.lastSeq, note: String(e.data.text) }],
      rule: 'irq-ownership',
      score: 72,
    });
  }

  // 2. dom0 GIC rows on INTIDs outside its Interrupts rangeset, or owned by Xen.
  const last = ctx.procs.filter((p) => !p.partial).at(-1);
  if (last) {
    const own = new Map<number, string>([
      [ctx.timer.hyp, "Xen's hypervisor timer"],
      [ctx.gic.maintenanceIrq, "the vGIC maintenance interrupt Xen keeps"],
    ]);
    if (ctx.timer.hypVirt !== undefined) own.set(ctx.timer.hypVirt, "Xen's hypervisor virtual timer");
    for (const r of last.rows) {
      if (typeof r.hwirq !== 'number' || !r.chip || !GIC_ROOT_CHIP.test(r.chip)) continue;
      const hw = r.hwirq;
      const ownName = own.get(hw);
      const uartRow = ctx.uart && rowIsUart(r.name ?? '', ctx.uart) ? uartText : undefined;
      const outside = hw >= 32 && ctx.dom0Irqs && ctx.dom0Irqs.ranges.length > 0 && !inRangeset(ctx.dom0Irqs.ranges, hw);
      if (!ownName && !uartRow && !outside) continue;
      const evidence: Evidence[] = [{ firstSeq: last.firstSeq, lastSeq: last.lastSeq, note: `dom0 row ${r.irq}: ${r.chip} ${hw} ${r.name ?? ''}` }];
      if (outside && ctx.dom0Irqs) evidence.push({ firstSeq: ctx.dom0Irqs.firstSeq, lastSeq: ctx.dom0Irqs.lastSeq, note: "dom0's permitted Interrupts" });
      if (uartRow && ctx.uart) evidence.push({ firstSeq: ctx.uart.seq, lastSeq: ctx.uart.seq, note: 'the UART Xen keeps' });
      const counts = r.total;
      out.push({
        severity: 'warning',
        title: `dom0 has a handler on ${irqLabel(ctx, hw)}${r.name && !irqLabel(ctx, hw).includes(r.name) ? ` (${r.name})` : ''} that ${ownName ? `is ${ownName}` : uartRow ? `belongs to ${uartRow}` : "is outside dom0's permitted Interrupts"}`,
        explanation:
          (ownName
            ? `INTID ${hw} is ${ownName}; Xen never injects it into dom0. `
            : uartRow
              ? `${uartRow} is kept by Xen for its own console; Xen does not pass its interrupt to dom0, so dom0's driver on that device never gets an interrupt (its count: ${counts}). `
              : `Xen's q dump lists dom0's permitted interrupts as { ${ctx.dom0Irqs!.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ')} }, and ${hw} is not in it: ` +
                `the vGIC will not route that physical interrupt to dom0 (count so far: ${counts}). `) +
          `What to try: make sure the device node is meant for dom0 (not used by Xen or assigned to another domain) and that Xen routed it at boot ` +
          `(a routing error is printed as "IRQ ${hw} is already used by ..."); if it is an MSI or a virtual interrupt, this is expected.`,
        irq: hw,
        domain: 0,
        evidence,
        rule: 'irq-ownership',
        score: 45,
      });
    }
  }
  return out;
}

function ownerGuess(ctx: Ctx, irq: number, uartText: string): string {
  if (irq === ctx.timer.hyp) return " (it is Xen's hypervisor timer)";
  if (irq === ctx.gic.maintenanceIrq) {
    const ln = ctx.gic.seq !== undefined ? ctx.findLine(ctx.gic.seq, ctx.gic.lastSeq ?? ctx.gic.seq + 20, /gic_maintenance_irq=/) : undefined;
    return ` (it is the vGIC maintenance interrupt: gic_maintenance_irq=${irq}${ln ? ` at line ${ln.seq}` : ''}` +
      (irq >= 32 ? `; the maintenance interrupt is a PPI (normally PPI 9 = INTID 25), so an SPI here means the GIC node's interrupts property in the device tree is wrong (GIC_SPI ${irq - 32} where GIC_PPI 9 was meant) and now collides with the device on SPI ${irq - 32})` : ')');
  }
  if (irq >= 32 && ctx.uart) return ` (an SPI Xen requested: most often the interrupt of ${uartText}, or of an SMMU it drives)`;
  return '';
}

function rowIsUart(name: string, uart: NonNullable<Ctx['uart']>): boolean {
  const addr = uart.address?.replace(/^0x0*/, '').toLowerCase();
  if (addr && new RegExp(`\\b0*${addr}\\.`, 'i').test(name)) return true;
  return false;
}
