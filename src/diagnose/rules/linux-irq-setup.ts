// What a Linux kernel said, while it set up interrupt delivery, that means some interrupts will never
// reach it (linux.irq.setup; linux-console-reference §4.8, §5 rows 8, 13-15):
// - `Xen event channel interrupt not found`: no upcall PPI, so no event channel (PV console,
//   xenstore, netback/blkback, IPIs of a PV guest) can interrupt this kernel;
// - `CPU%d: mpidr %lx has no re-distributor!`: that CPU's GICv3 interface is not set up;
// - `CPU%u: failed to come online`: a secondary (v)CPU that never checked in.
import { linuxOrigin, type Ctx, type RankedFinding } from '../analyze-context.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Data = Record<string, any>;

const cpusText = (cpus: number[]): string => (cpus.length === 1 ? `CPU${cpus[0]}` : `CPUs ${cpus.join(', ')}`);

export function linuxIrqSetup(ctx: Ctx): RankedFinding[] {
  const out: RankedFinding[] = [];
  for (const e of ctx.byKind('linux.irq.setup')) {
    const d = e.data as Data;
    const { dom0, who, domain } = linuxOrigin(d);
    const vcpu = (cpu: number): string => (domain !== undefined ? `d${domain}v${cpu}` : `vCPU ${cpu}`);
    const line = (re: RegExp, note: string) => {
      const l = ctx.findLine(e.firstSeq, e.lastSeq, re);
      return l ? { firstSeq: l.seq, lastSeq: l.seq, note } : { firstSeq: e.firstSeq, lastSeq: e.lastSeq, note };
    };

    if (d.xen?.noEventIrq) {
      out.push({
        severity: 'error',
        title: `${who}: Linux found no Xen event-channel interrupt, so no event channel can interrupt it`,
        explanation:
          `${who}'s kernel printed "Xen event channel interrupt not found": the \`hypervisor\` node of its device tree has no \`interrupts\` property, so it registered no handler for the per-CPU PPI Xen raises for event channels (the "events" row of /proc/interrupts). ` +
          `Every event channel then goes unnoticed: the PV console (hvc0), xenstore, the PV back-ends and ${dom0 ? 'the toolstack' : 'its front-ends'} wait for notifications that never come, while ${who}'s own GIC interrupts still work. ` +
          `What to try: ${dom0 ? 'Xen writes dom0\'s hypervisor node itself (with the PPI it uses for event channels, normally INTID 31); a device tree or boot loader that replaces it, or a kernel with a Xen ABI mismatch, loses it' : 'the toolstack writes the guest\'s hypervisor node; check the guest device tree it was given'}, and press \`e\` to see ports pending for this domain.`,
        domain,
        evidence: [line(/Xen event channel interrupt not found/, 'no event-channel interrupt')],
        rule: 'linux-irq-setup',
        score: 74,
      });
    }

    const noRdist: Array<{ cpu: number; mpidr: string }> = d.gic?.noRedistributor ?? [];
    if (noRdist.length) {
      const cpus = noRdist.map((r) => r.cpu);
      out.push({
        severity: 'error',
        title: `${who}: ${cpusText(cpus)} found no GICv3 redistributor, so ${cpus.length === 1 ? 'it takes' : 'they take'} no interrupts`,
        explanation:
          `${who}'s kernel looked through the redistributor regions of its GIC for the affinity of ${cpusText(cpus)} (${noRdist.map((r) => r.mpidr).join(', ')}) and found none: ` +
          `${cpus.length === 1 ? 'that CPU gets' : 'those CPUs get'} no SGI, no PPI (no timer tick) and no SPI, and ${cpus.length === 1 ? 'hangs' : 'hang'} the first time ${cpus.length === 1 ? 'it waits' : 'they wait'} for one. ` +
          `Under Xen the GIC this kernel sees is the vGIC: its redistributor regions come from ${dom0 ? 'Xen (the host\'s regions, for dom0)' : 'the toolstack, sized for the guest\'s vCPUs'}, and each vCPU's affinity from Xen. ` +
          `What to try: compare the number of vCPUs with the redistributor regions in ${who}'s device tree (\`#redistributor-regions\`, 128 KiB per vCPU), and the vCPUs' MPIDRs (key \`q\`).`,
        domain,
        evidence: noRdist.map((r) => line(new RegExp(`CPU${r.cpu}: mpidr \\S+ has no re-distributor`), `CPU${r.cpu}: no redistributor`)),
        rule: 'linux-irq-setup',
        score: 72,
      });
    }

    const failed: Array<{ cpu: number; text: string }> = d.cpus?.failed ?? [];
    if (failed.length) {
      const cpus = [...new Set(failed.map((f) => f.cpu))];
      out.push({
        severity: 'warning',
        title: `${who}: ${cpusText(cpus)} failed to come online`,
        explanation:
          `${who}'s kernel started ${cpusText(cpus)} and ${cpus.length === 1 ? 'it' : 'they'} never checked in (${failed.map((f) => `"${f.text}"`).join(', ')}). ` +
          `${dom0 || domain !== undefined ? `Under Xen the CPU is a vCPU (${cpus.map(vcpu).join(', ')}) that Xen starts on the guest's PSCI CPU_ON; ` : ''}` +
          `either it was never started (a PSCI error, fewer vCPUs than the device tree lists) or it hung early, often waiting for an interrupt (its timer or an IPI) that never came. ` +
          `What to try: press \`q\` and look at ${cpus.map(vcpu).join(', ')}: a vCPU that is not running or has interrupts stuck in its LRs tells which; \`0\` shows where it is.`,
        domain,
        evidence: failed.map((f) => line(new RegExp(`CPU${f.cpu}: failed`), f.text)),
        rule: 'linux-irq-setup',
        score: 55,
      });
    }
  }
  return out;
}
