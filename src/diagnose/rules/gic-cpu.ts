// A CPU whose GIC did not come up (xen.gic.cpu errors, xen-console-reference §3.2): without its
// redistributor a GICv3 CPU takes no SGI, PPI or SPI — no timer, no IPIs — which on a new board
// shows as a secondary CPU that never comes up or a boot that hangs once work lands on it.
// One finding per kind of error, listing the CPUs.
import { groupBy, type Ctx, type Evidence, type RankedFinding } from '../analyze-context.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Data = Record<string, any>;

const cpusText = (cpus: number[]): string => (cpus.length === 1 ? `CPU${cpus[0]}` : `CPUs ${cpus.join(', ')}`);

export function gicCpu(ctx: Ctx): RankedFinding[] {
  const errors = ctx.byKind('xen.gic.cpu').map((e) => ({ seq: e.firstSeq, d: e.data as Data })).filter((x) => x.d.error);
  const byWhat = groupBy(errors, (x) => x.d.what as string);
  const out: RankedFinding[] = [];
  for (const [what, list] of byWhat) {
    const cpus = [...new Set(list.map((x) => x.d.cpu).filter((c): c is number => typeof c === 'number'))];
    const evidence: Evidence[] = list.slice(0, 6).map((x) => ({ firstSeq: x.seq, lastSeq: x.seq, note: String(x.d.text) }));
    const dt = 'What to try: check the GICv3 node of the device tree Xen boots with: its `reg` entries after the distributor are the redistributor regions (`#redistributor-regions` of them), each must cover its CPUs (128 KiB per redistributor, 256 KiB with GICv4 virtual LPIs, or `redistributor-stride`), and the cpu nodes\' `reg` must be the CPUs\' real MPIDR affinities.';
    switch (what) {
      case 'no-rdist':
        out.push({
          severity: 'error',
          title: `${cpusText(cpus)}: no GIC redistributor found, so no interrupts`,
          explanation:
            `Xen looked through every redistributor region for one whose affinity (GICR_TYPER) matches the MPIDR of ${cpusText(cpus)} (${list.map((x) => x.d.mpidr).join(', ')}) and found none. ` +
            `Without its redistributor the CPU's GIC interface is not set up: it takes no SGI (IPIs), no PPI (its timer) and no SPI, so it does not come up or hangs the first time it waits for an interrupt. ` +
            `A redistributor found for the CPUs before it and not for this one usually means a region too small or a wrong stride. ${dt}`,
          evidence,
          rule: 'gic-cpu',
          score: 78,
        });
        break;
      case 'rdist-not-present':
        out.push({
          severity: 'error',
          title: `No GICv3 redistributor where the device tree says (${list.map((x) => x.d.address).join(', ')})`,
          explanation:
            `At ${list.map((x) => x.d.address).join(', ')} GICR_PIDR2 does not read as a GICv3 or GICv4 redistributor, so Xen stopped searching that region: the CPUs it should serve have no redistributor and take no interrupts. ` +
            `The region's address is wrong, or that part of the GIC is not powered or clocked. ${dt}`,
          evidence,
          rule: 'gic-cpu',
          score: 76,
        });
        break;
      case 'lpi-init-failed': {
        const codes = list.map((x) => Number(x.d.code));
        const why = codes.every((c) => c === -12)
          ? 'out of memory for the LPI pending table (ENOMEM): `max_lpi_bits` on Xen\'s command line sets its size'
          : codes.every((c) => c === -19)
            ? 'the redistributor has no physical LPI support (ENODEV: GICR_TYPER.PLPIS clear), so the device tree should not give an ITS'
            : `error ${codes.join(', ')}`;
        out.push({
          severity: 'warning',
          title: `${cpusText(cpus)}: LPIs not initialised: MSIs through the ITS will not reach ${cpus.length === 1 ? 'it' : 'them'}`,
          explanation:
            `Xen could not set up LPIs on ${cpusText(cpus)}: ${why}. ` +
            `LPIs carry the MSIs that the ITS translates (PCIe devices): a device whose MSIs target ${cpus.length === 1 ? 'this CPU' : 'these CPUs'} will look dead.`,
          evidence,
          rule: 'gic-cpu',
          score: 40,
        });
        break;
      }
      default:
        out.push({
          severity: 'warning',
          title: `A GIC redistributor did not answer (${list.map((x) => x.d.what).filter((v, i, a) => a.indexOf(v) === i).join(', ')})`,
          explanation:
            'Xen waited for a redistributor to finish a register write (RWP) or to wake up (GICR_WAKER.ChildrenAsleep) and it never did: that part of the GIC is powered down, clock-gated, or not at the address Xen uses. Interrupts routed through it will not be delivered. What to try: check the GIC power domain and clocks in the firmware, and the redistributor addresses in the device tree.',
          evidence,
          rule: 'gic-cpu',
          score: 45,
        });
    }
  }
  return out;
}
