// vGICD / vGICR / vGITS accesses Xen did not emulate (xen-console-reference §3.5): a guest GIC
// driver touching what the vGIC does not implement. Known-harmless patterns are info: Linux's boot
// time clear of the active state (`unhandled word write 0xffffffff to ICACTIVERn`, which Xen 4.x
// ignores) and RAZ/WI on reserved or implementation-defined registers (GICD_TYPER2 at 0xc read by
// newer kernels). Anything else (an unhandled read or write of a real register, a bad access width,
// an unhandled ITS command) is a warning: the guest's view of its interrupt controller is wrong from
// that point on, which is how a GIC variant Xen does not fully handle loses interrupts.
import { type Ctx, type Evidence, type RankedFinding } from '../analyze-context.js';

interface Group { domain?: number; frame: string; access: string; reg: string; events: Array<{ firstSeq: number; lastSeq: number; text: string; vcpu?: number }> }

export function vgicUnhandled(ctx: Ctx): RankedFinding[] {
  const groups = new Map<string, Group>();
  for (const e of ctx.byKind('xen.vgic.unhandled')) {
    const d = e.data as Record<string, unknown>;
    const frame = String(d.frame ?? 'GIC') + (d.sgi ? ' SGI' : '');
    const access = String(d.access ?? 'other');
    // One guest interrupt (vgic.c's messages) is its own group; registers group by name (ICACTIVERn).
    const reg = OWN_EXPLANATION[access] && typeof d.irq === 'number' ? `IRQ ${d.irq}` : String(d.register ?? '').replace(/\d+$/, 'n') || (typeof d.offset === 'string' ? `offset ${d.offset}` : '');
    const k = `${d.domain}|${frame}|${access}|${reg}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { domain: typeof d.domain === 'number' ? d.domain : undefined, frame, access, reg, events: [] }));
    g.events.push({ firstSeq: e.firstSeq, lastSeq: e.lastSeq, text: String(d.text ?? ''), vcpu: typeof d.vcpu === 'number' ? d.vcpu : undefined });
  }
  const out: RankedFinding[] = [];
  const afterBoot = ctx.dom0.handoverSeq;
  const userspace = ctx.byKind('xen.milestone').find((m) => m.data.name === 'dom0.userspace' || m.data.name === 'prompt')?.firstSeq;
  for (const g of groups.values()) {
    const harmless = (/ACTIVER/.test(g.reg) && g.access === 'unhandled-write') || g.access === 'raz' || g.access === 'wi';
    const late = userspace !== undefined && g.events.some((e) => e.firstSeq > userspace);
    const dom = g.domain !== undefined ? `d${g.domain}` : 'a guest';
    const vcpus = [...new Set(g.events.map((e) => e.vcpu).filter((v): v is number => v !== undefined))];
    // Consecutive lines become one range; at most 6 ranges, the last one noting the total.
    const runs: Array<{ firstSeq: number; lastSeq: number; texts: string[] }> = [];
    for (const e of g.events) {
      const r = runs.at(-1);
      if (r && e.firstSeq <= r.lastSeq + 1) { r.lastSeq = Math.max(r.lastSeq, e.lastSeq); r.texts.push(e.text); }
      else runs.push({ firstSeq: e.firstSeq, lastSeq: e.lastSeq, texts: [e.text] });
    }
    const evidence: Evidence[] = runs.slice(0, 6).map((r) => ({ firstSeq: r.firstSeq, lastSeq: r.lastSeq, note: r.texts.length > 1 ? `${r.texts[0]} (+${r.texts.length - 1} more)` : r.texts[0] }));
    if (runs.length > 6) evidence.push({ firstSeq: runs.at(-1)!.firstSeq, lastSeq: runs.at(-1)!.lastSeq, note: `${g.events.length} accesses in all` });
    const own = OWN_EXPLANATION[g.access];
    if (own) {
      out.push({
        severity: 'warning',
        title: `${dom}: ${own.title(g.reg)} (${g.events.length}×)`,
        explanation: `${dom}${vcpus.length ? ` (vCPU ${vcpus.join(', ')})` : ''}: ${g.events[0].text}. ${own.explain(g.reg)}`,
        domain: g.domain,
        vcpu: vcpus.length === 1 ? vcpus[0] : undefined,
        evidence,
        rule: 'vgic-unhandled',
        score: own.score + (afterBoot !== undefined && g.events[0].firstSeq > afterBoot ? 5 : 0),
      });
      continue;
    }
    const regName = g.reg.startsWith('offset ') ? gicdRegister(g.frame, Number(g.reg.slice(7))) : undefined;
    const what = `${PHRASE[g.access] ?? 'access'}${g.reg ? ` of ${g.reg}${regName ? ` (${regName})` : ''}` : ''} on the ${g.frame}`;
    const first = g.events[0];
    let severity: RankedFinding['severity'] = harmless ? 'info' : 'warning';
    if (harmless && late) severity = 'warning';
    const explanation = harmless
      ? (/ACTIVER/.test(g.reg)
          ? `${dom} wrote ${g.reg.replace(/n$/, '<n>')} ${g.events.length} time(s) (${first.text}). Linux's GIC driver clears the active state of all interrupts at boot; Xen's vGIC does not emulate that write and ignores it. ` +
            `Harmless at boot${late ? ', but these came after dom0 was up: something is trying to clear a stuck active interrupt, which the vGIC cannot do — look for an interrupt left active in an LR (key q)' : ''}.`
          : `${dom} accessed a reserved or implementation-defined GIC register (${first.text}); Xen reads it as zero / ignores the write, as the architecture allows. Harmless unless the driver depends on that register.`)
      : `${dom}${vcpus.length ? ` (vCPU ${vcpus.join(', ')})` : ''} made ${g.events.length} access(es) Xen's vGIC does not emulate: ${article(what)} ${what} (${first.text}). ` +
        `The guest's GIC driver expects behaviour the vGIC does not provide (a GIC variant or a feature Xen does not handle, e.g. a vendor GIC such as hip04's, or a register a newer driver uses): ` +
        `reads return 0 and writes are dropped, so an enable, priority, target or configuration the driver thinks it set may not be in effect. ` +
        `What to try: look up the offset in the GIC architecture spec (GICD/GICR register map) and in the guest driver; use the compatible string of a GIC Xen emulates in dom0's device tree, or add the emulation to vgic-v${ctx.gic.version ?? 2}.c.`;
    out.push({
      severity,
      title: harmless
        ? `${dom}: ${g.events.length} ${g.frame} access(es) Xen ignores (${g.reg || g.access}, ${/ACTIVER/.test(g.reg) ? 'boot-time clear of active state' : 'reserved register'})`
        : `${dom}: the vGIC does not emulate ${article(what)} ${what} (${g.events.length}×)`,
      explanation,
      domain: g.domain,
      vcpu: vcpus.length === 1 ? vcpus[0] : undefined,
      evidence,
      rule: 'vgic-unhandled',
      score: harmless ? (late ? 30 : 5) : 40 + (afterBoot !== undefined && first.firstSeq > afterBoot ? 5 : 0),
    });
  }
  return out;
}

/**
 * vgic.c's messages that are not a register the vGIC lacks, each with its own finding
 * (xen-console-reference §3.5): about one guest interrupt (grouped per interrupt, which the title
 * and explanation name): the old vGIC ignores writes to ICPENDR, and says so only for an interrupt
 * already in flight (queued or in an LR); vgic_migrate_irq refuses a new target while the previous
 * move is still being completed. And guest SGIs that vgic_to_sgi dropped.
 */
const OWN_EXPLANATION: Record<string, { title: (irq: string) => string; explain: (irq: string) => string; score: number }> = {
  'clear-pending': {
    title: (irq) => `the vGIC cannot withdraw ${irq}, which the guest tried to clear`,
    explain: (irq) => `The guest wrote GICD_ICPENDR to clear the pending state of ${irq} while Xen already had it in flight; Xen's vGIC ignores ICPENDR writes, so the guest still takes that interrupt. ` +
      `A driver that clears a pending interrupt on purpose (after masking its device, on resume) then gets one it does not expect: a spurious interrupt, or for a level-triggered line still asserted, a storm that ends in "irq N: nobody cared". ` +
      `What to check: which driver owns ${irq} (cat /proc/interrupts in the guest), and whether its handler copes with an interrupt when its device has nothing pending.`,
    score: 25,
  },
  'sgi-bad-target': {
    title: () => 'guest IPIs (SGIs) to a vCPU that is offline or absent were dropped',
    explain: () => `The guest wrote an SGI (an inter-processor interrupt) whose target list names a vCPU that does not exist or is not online, and Xen's vGIC dropped it for that vCPU. ` +
      `Linux sends IPIs for reschedules, TLB shootdowns and smp_call_function: one that never arrives leaves the sender waiting (soft lockups in smp_call_function_many, RCU stalls), or a vCPU asleep. ` +
      `What to check: the guest's idea of its CPUs (the cpu nodes and their reg/MPIDR in its device tree against the vCPUs Xen gave it, key q), and vCPUs brought down by hotplug.`,
    score: 45,
  },
  'sgi-bad-mode': {
    title: () => 'guest IPIs (SGIs) with a routing mode the vGIC does not handle were dropped',
    explain: () => `The guest wrote GICD_SGIR with a target-list filter the vGIC does not handle, and Xen dropped the whole SGI (an inter-processor interrupt). ` +
      `A guest whose IPIs are lost stalls in the paths that wait for them (smp_call_function, TLB shootdowns, reschedules). ` +
      `What to check: the guest GIC driver's SGI code for the GIC version Xen emulates (a GICv2 SGIR filter value of 3 is reserved).`,
    score: 45,
  },
  'migration-failed': {
    title: (irq) => `${irq} was not moved to the vCPU the guest asked for`,
    explain: (irq) => `The guest changed the target vCPU of ${irq} (GICD_ITARGETSR / GICD_IROUTER) while Xen was still completing a previous move of it, and Xen refused the new target: ` +
      `the interrupt keeps going to the vCPU it went to before. If that vCPU is offline, or sits with interrupts masked, ${irq} looks lost. ` +
      `Typical causes: irqbalance or CPU hotplug in the guest moving interrupts quickly. What to check: key q (the vCPU whose LRs hold ${irq}) and the guest's /proc/irq/N/smp_affinity.`,
    score: 35,
  },
};

const article = (w: string): string => (/^[aeiou]/i.test(w) ? 'an' : 'a');

const PHRASE: Record<string, string> = {
  'unhandled-read': 'read',
  'unhandled-write': 'write',
  'bad-read-width': 'read with an unsupported width',
  'bad-write-width': 'write with an unsupported width',
  'unhandled-command': 'command',
  other: 'access',
};

/** GIC distributor / redistributor register at an offset (GICv2/v3 architecture register maps). */
export function gicdRegister(frame: string, off: number): string | undefined {
  if (!Number.isFinite(off)) return undefined;
  const table: Array<[number, number, string]> = frame.startsWith('GICR')
    ? [[0x0, 0x4, 'GICR_CTLR'], [0x4, 0x8, 'GICR_IIDR'], [0x8, 0x10, 'GICR_TYPER'], [0x14, 0x18, 'GICR_WAKER'], [0x80, 0x84, 'GICR_IGROUPR0'], [0x100, 0x104, 'GICR_ISENABLER0'], [0x180, 0x184, 'GICR_ICENABLER0'],
       [0x200, 0x204, 'GICR_ISPENDR0'], [0x280, 0x284, 'GICR_ICPENDR0'], [0x300, 0x304, 'GICR_ISACTIVER0'], [0x380, 0x384, 'GICR_ICACTIVER0'], [0x400, 0x420, 'GICR_IPRIORITYR'],
       [0xc00, 0xc08, 'GICR_ICFGR'], [0xd00, 0xd04, 'GICR_IGRPMODR0'], [0xe00, 0xe04, 'GICR_NSACR'], [0xffd0, 0x10000, 'ID registers']]
    : [[0x0, 0x4, 'GICD_CTLR'], [0x4, 0x8, 'GICD_TYPER'], [0x8, 0xc, 'GICD_IIDR'], [0xc, 0x10, 'GICD_TYPER2'], [0x80, 0x100, 'GICD_IGROUPR'], [0x100, 0x180, 'GICD_ISENABLER'],
       [0x180, 0x200, 'GICD_ICENABLER'], [0x200, 0x280, 'GICD_ISPENDR'], [0x280, 0x300, 'GICD_ICPENDR'], [0x300, 0x380, 'GICD_ISACTIVER'], [0x380, 0x400, 'GICD_ICACTIVER'],
       [0x400, 0x800, 'GICD_IPRIORITYR'], [0x800, 0xc00, 'GICD_ITARGETSR'], [0xc00, 0xd00, 'GICD_ICFGR'], [0xd00, 0xe00, 'GICD_PPISR/IGRPMODR'], [0xe00, 0xf00, 'GICD_NSACR'],
       [0xf00, 0xf04, 'GICD_SGIR'], [0xf10, 0xf20, 'GICD_CPENDSGIR'], [0xf20, 0xf30, 'GICD_SPENDSGIR'], [0x6000, 0x8000, 'GICD_IROUTER'], [0xffd0, 0x10000, 'ID registers']];
  const hit = table.find(([lo, hi]) => off >= lo && off < hi);
  if (!hit) return undefined;
  const [lo, hi, name] = hit;
  return hi - lo > 4 && !/ID registers|IROUTER/.test(name) ? `${name}${Math.floor((off - lo) / 4)}` : name;
}
