// An interrupt held for a vCPU by the vGIC but never in a list register, across two or more `q`
// dumps (xen-console-reference §3.3: `Inflight irq=N lr=255` = on the vCPU's inflight list, in no LR).
// Old vGIC (gic-vgic.c) semantics:
// - inflight, lr=255 and NOT in `Pending`: vgic_inject_irq() queued it but did not raise it,
//   because GIC_IRQ_GUEST_ENABLED is clear: the guest disabled it at the vGIC (GICD_ICENABLER /
//   GICR_ICENABLER0). vgic_vcpu_pending_irq() ignores disabled interrupts, so the vCPU stays blocked.
// - inflight, lr=255 and in `Pending` (lr_pending): enabled and waiting for a free LR at the next
//   entry to the guest; seen in two dumps it means the vCPU never gets back into the guest (blocked:
//   the interrupt is masked by the vCPU's priority mask / an active higher-priority interrupt) or
//   all LRs stay occupied.
import { heldInNoLr, vcpuSeries, irqLabel, vcpuName, type Ctx, type Evidence, type QDump, type RankedFinding, type VcpuSnap } from '../analyze-context.js';

interface Occurrence { dump: QDump; snap: VcpuSnap; pending: boolean }

export function stuckInflight(ctx: Ctx): RankedFinding[] {
  const out: RankedFinding[] = [];
  if (ctx.dumps.length === 0) return out;
  for (const { domain, vcpu, series } of vcpuSeries(ctx)) {
    const latest = series.at(-1)!;
    for (const inf of latest.snap.inflight) {
      if (inf.lr !== 255) continue;
      const irq = inf.irq;
      // The run of consecutive dumps, ending at the latest, in which irq is in flight and in no LR.
      const run: Occurrence[] = [];
      for (let i = series.length - 1; i >= 0; i--) {
        const s = series[i].snap;
        if (!heldInNoLr(s, irq)) break;
        run.unshift({ dump: series[i].dump, snap: s, pending: s.pending.includes(irq) });
      }
      out.push(finding(ctx, domain, vcpu, irq, run));
    }
  }
  return out;
}

function finding(ctx: Ctx, domain: number, vcpu: number, irq: number, run: Occurrence[]): RankedFinding {
  const who = vcpuName(domain, vcpu);
  const label = irqLabel(ctx, irq);
  const isVirtTimer = irq === ctx.timer.virt;
  const isTimer = isVirtTimer || irq === ctx.timer.phys;
  const twice = run.length >= 2;
  const disabled = run.every((o) => !o.pending);
  const queued = run.every((o) => o.pending);
  const last = run.at(-1)!.snap;
  const lrCount = last.lrs.length;
  const lrsFull = lrCount > 0 && last.lrs.every((l) => l.state !== 'invalid') && last.mask !== '0';
  const span = spanText(run);
  const evidence: Evidence[] = run.flatMap((o) => {
    const n = ctx.dumps.indexOf(o.dump) + 1;
    const state = `${o.pending ? ` and "Pending irq=${irq}"` : ', not in Pending'}`;
    const ln = ctx.findLine(o.snap.firstSeq, o.snap.lastSeq, new RegExp(`Inflight irq=${irq} lr=255`));
    if (!ln) return [{ firstSeq: o.snap.firstSeq, lastSeq: o.snap.lastSeq, note: `q dump ${n}: ${who} Inflight irq=${irq} lr=255${state}${o.snap.blocked ? ', vCPU blocked' : ''}` }];
    const pend = o.pending ? ctx.findLine(ln.seq, o.snap.lastSeq, new RegExp(`Pending irq=${irq}\\b`)) : undefined;
    const out: Evidence[] = [];
    const vl = o.snap.domainFirstSeq !== undefined ? ctx.findLine(o.snap.domainFirstSeq, o.snap.firstSeq, new RegExp(`VCPU${vcpu}: CPU\\d+`)) : undefined;
    if (vl && o.snap.firstSeq - vl.seq <= 3) {
      out.push({ firstSeq: vl.seq, lastSeq: o.snap.firstSeq, note: `q dump ${n}: ${who}${o.snap.blocked ? ' blocked (pause_flags bit 0)' : ''}, LR mask=${o.snap.mask}` });
    }
    out.push({ firstSeq: ln.seq, lastSeq: pend?.seq ?? ln.seq, note: `q dump ${n}: ${who} "Inflight irq=${irq} lr=255"${state}` });
    return out;
  });
  const write = disablingWrite(ctx, irq, run[0].snap.firstSeq);
  if (write) evidence.unshift({ firstSeq: write.seq, lastSeq: write.seq, note: `the write that disabled it: ${write.what}` });

  let title: string;
  let explanation: string;
  let severity: RankedFinding['severity'];
  let score: number;
  const timerWhy = isVirtTimer
    ? ` Without its virtual timer ${who} gets no scheduler ticks and no timeouts expire (\`sleep\` never returns, RCU stalls on that CPU).`
    : isTimer ? ` Without its timer interrupt ${who} gets no ticks.` : '';
  if (disabled) {
    title = `${label} held for ${who} by the vGIC but disabled: never injected${twice ? ` (${run.length} q dumps${span})` : ''}`;
    explanation =
      `Xen's vGIC has ${label} on ${who}'s inflight list with lr=255 (in no list register) and not in the lr_pending queue. ` +
      `That is how vgic_inject_irq() leaves an interrupt that fired while the guest has it disabled at the vGIC: ` +
      `it stays queued but is never put into an LR, and the vCPU is not woken for it.${timerWhy} ` +
      `Likely causes: the guest (or a tool writing the distributor, e.g. devmem with iomem=relaxed) cleared the enable bit ` +
      `(a write of bit ${irq % 32} to ${enabler(ctx, irq, 'IC')}${irq < 32 ? ', which is banked per vCPU for SGIs and PPIs' : ''}), ` +
      `a driver left it disabled after disable_irq(), or the vGIC ignored the guest's enable write. ` +
      `What to try: look for what wrote ${enabler(ctx, irq, 'IC')} before the stall (a driver's disable_irq(), a devmem/debug tool); ` +
      `read ${enabler(ctx, irq, 'IS')} bit ${irq % 32} on ${who} if you can still run code there, or write that bit to re-enable it; ` +
      `press q again (\`xl debug-keys q\` or CTRL-a ×3 then q) to confirm it does not move; check the guest's GIC driver and any vGIC unhandled-access messages.`;
    if (write) explanation += ` Line ${write.seq} shows it: ${write.what}.`;
    severity = twice || isTimer ? (twice ? 'error' : 'warning') : 'info';
    score = twice ? 100 : 50;
  } else if (queued) {
    title = `${label} queued for ${who} but never placed in a list register${twice ? ` (${run.length} q dumps${span})` : ''}`;
    explanation =
      `${label} is on ${who}'s inflight list and in lr_pending (\`Pending irq=${irq}\`): it is enabled and waits for a free LR, ` +
      `which Xen fills when the vCPU next enters the guest. ` +
      (lrsFull
        ? `All ${lrCount} LRs of ${who} are occupied (mask=${last.mask}) by interrupts the guest does not complete, so there is no room. `
        : `The LRs are free (mask=${last.mask}), so ${who} is not getting back into the guest: it is blocked, and Xen does not wake it because ` +
          `the interrupt's priority is masked by the vCPU's priority mask (GICC_PMR / ICC_PMR_EL1) or a higher-priority interrupt is still active. `) +
      `${timerWhy} What to try: press q again to see whether it moves; check the guest's PMR and running-priority handling (an interrupt handler that never EOIs), ` +
      `and whether ${who} is paused or starved by the scheduler (key r).`;
    severity = twice ? 'error' : 'info';
    score = twice ? 95 : 30;
  } else {
    title = `${label} in flight for ${who} and in no list register${twice ? ` (${run.length} q dumps${span})` : ''}`;
    explanation =
      `${label} stays on ${who}'s inflight list with lr=255 across the dumps, alternating between queued (Pending) and not queued. ` +
      `The vGIC cannot deliver it: the guest disables it or masks it with its priority mask.${timerWhy} ` +
      `What to try: check writes to GICD_ICENABLER/ISENABLER and the guest's priority mask; press q again.`;
    severity = twice ? 'error' : 'info';
    score = twice ? 90 : 30;
  }
  if (!twice) {
    title = `${title.replace(/: never injected$/, '')} (one q dump: press q again to confirm)`;
    if (!isTimer) severity = 'info';
  }
  if (isVirtTimer) score += 5;
  return { severity, title, explanation, irq, domain, vcpu, evidence, rule: 'stuck-inflight', score };
}

/** A typed `devmem ADDR [32|w] VALUE` (dom0 with iomem=relaxed) that writes the distributor's
 *  GICD_ICENABLERn word of irq with its bit set, before `before`. GICv2/GICv3 distributor only. */
function disablingWrite(ctx: Ctx, irq: number, before: number): { seq: number; what: string } | undefined {
  const dist = ctx.gic.dist;
  if (dist === undefined || !ctx.hasLines) return undefined;
  if (irq < 32 && ctx.gic.version === 3) return undefined; // GICv3 SGIs/PPIs live in the redistributor
  const reg = dist + 0x180 + 4 * Math.floor(irq / 32);
  const re = /\b(?:devmem2?|busybox devmem|mw(?:\.l)?)\s+(0x[0-9a-f]+)(?:\s+(?:32|w|word))?\s+(0x[0-9a-f]+|\d+)/i;
  let hit: { seq: number; what: string } | undefined;
  for (const l of ctx.linesIn(ctx.boot?.firstSeq ?? 0, before)) {
    const m = re.exec(l.text);
    if (!m) continue;
    const addr = Number(m[1]);
    const val = Number(m[2]);
    if (addr === reg && Number.isFinite(val) && ((val >>> (irq % 32)) & 1) === 1) {
      hit = { seq: l.seq, what: `${m[0].trim()} writes bit ${irq % 32} of GICD_ICENABLER${Math.floor(irq / 32)} (0x${reg.toString(16)})` };
    }
  }
  return hit;
}

/** The register that enables/disables irq: GICD_I?ENABLERn, or GICR_I?ENABLER0 for a GICv3 SGI/PPI. */
function enabler(ctx: Ctx, irq: number, op: 'IC' | 'IS'): string {
  if (irq < 32) return ctx.gic.version === 3 ? `GICR_${op}ENABLER0 (GICv3 redistributor)` : `GICD_${op}ENABLER0`;
  return `GICD_${op}ENABLER${Math.floor(irq / 32)}`;
}

function spanText(run: Occurrence[]): string {
  const a = run[0].dump.nowNs;
  const b = run.at(-1)!.dump.nowNs;
  if (run.length < 2 || a === undefined || b === undefined || b <= a) return '';
  return `, ${((b - a) / 1e9).toFixed(1)} s apart`;
}
