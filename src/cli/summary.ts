// Readable summary of decoded events for `xenuart decode` (without --json): per boot, the boot
// timeline, how interrupts were set up (Xen's GIC and timer, each kernel's view), the problems
// (crashes, traps, GIC errors, Linux reports), the debug-key answers and the register dumps; then
// the count of every kind. Presentation only: every figure comes from the events (docs/events.md).
import type { ConsoleEvent } from '../protocol/events.js';
import { CRASH_KINDS } from '../protocol/crash-kinds.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Data = Record<string, any>;

/** The crash kinds, and Linux's unexpected-interrupt reports. */
const PROBLEMS = new Set([...CRASH_KINDS, 'linux.irq.spurious']);

const MILESTONES: Record<string, string> = {
  'efi.loader': 'EFI loader', 'xen.head': 'Xen early boot (head.S)', 'xen.early': 'Xen checks for an initrd', 'xen.start': 'Xen starts',
  'timer.up': 'timer up', 'gic.up': 'GIC up', 'scheduler.up': 'scheduler up', 'cpus.up': 'CPUs up', 'iommu.up': 'IOMMU set up',
  'dom0less.detected': 'dom0less mode', 'dom0.loading': 'loading dom0', 'domu.loading': 'loading a domU', 'boot.warnings': 'boot warnings (3... 2... 1...)',
  'input.handover': 'serial input handed over', 'init.freed': 'Xen init memory freed (end of Xen boot)', 'dom0.kernel': 'dom0 kernel starts',
  'dom0.userspace': 'dom0 userspace starts', prompt: 'prompt', 'xen.panic': 'Xen panic', 'xen.reboot': 'Xen reboots',
};

const lines = (e: { firstSeq: number; lastSeq: number }): string => (e.lastSeq !== e.firstSeq ? `lines ${e.firstSeq}-${e.lastSeq}` : `line ${e.firstSeq}`);
const col = (s: string, n: number): string => (s.length >= n ? `${s} ` : s.padEnd(n));
const clip = (s: unknown, n = 100): string => { const t = String(s ?? '').trim(); return t.length > n ? `${t.slice(0, n - 1)}…` : t; };
const list = (ns: number[] | undefined): string => (ns ?? []).join(', ');
const vcpuOf = (d: Data): string => (d.domain !== undefined ? `d${d.domain}${d.vcpu !== undefined ? `v${d.vcpu}` : ''}: ` : '');
/** Whose kernel: a guest `dN`, dom0 in a boot of Xen, else plain Linux. */
const whoLinux = (d: Data, xen: boolean): string => (d.domain !== undefined ? `d${d.domain}` : xen ? 'dom0' : 'Linux');

export function summarise(events: ConsoleEvent[]): string {
  const out: string[] = [];
  const starts = events.filter((e) => e.kind === 'boot.start').map((e) => e.firstSeq).sort((a, b) => a - b);
  out.push(`${events.length} ${events.length === 1 ? 'event' : 'events'}, ${starts.length} ${starts.length === 1 ? 'boot' : 'boots'}`);
  // Events before the first boot start (a log that begins mid-boot) form a part of their own.
  const firstSeq = events.reduce((m, e) => Math.min(m, e.firstSeq), Infinity);
  const bounds = starts.length && starts[0] === firstSeq ? starts : [Number.NEGATIVE_INFINITY, ...starts];
  // One pass over the events sorted by first line (a long log has thousands of boots).
  const sorted = [...events].sort((a, b) => a.firstSeq - b.firstSeq);
  let j = 0;
  for (let i = 0; i < bounds.length; i++) {
    const hi = i + 1 < bounds.length ? bounds[i + 1] : Number.POSITIVE_INFINITY;
    const part: ConsoleEvent[] = [];
    while (j < sorted.length && sorted[j].firstSeq < hi) part.push(sorted[j++]);
    if (part.length === 0) continue;
    out.push('', ...bootSection(part, Number.isFinite(bounds[i]) ? i + (bounds === starts ? 1 : 0) : 0, starts.length > 0));
  }
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  out.push('', 'Events by kind');
  for (const [k, n] of [...counts].sort()) out.push(`  ${col(k, 24)} ${n}`);
  return out.join('\n') + '\n';
}

/** One boot's part (`n` from 1; 0: the events before the first boot start, or the whole log when `anyBoot` is false). */
function bootSection(evs: ConsoleEvent[], n: number, anyBoot: boolean): string[] {
  const of = (k: string): ConsoleEvent[] => evs.filter((e) => e.kind === k);
  const xen = evs.some((e) => e.kind.startsWith('xen.'));
  const first = evs.reduce((m, e) => Math.min(m, e.firstSeq), Infinity);
  const last = evs.reduce((m, e) => Math.max(m, e.lastSeq), 0);
  const out: string[] = [`${n ? `Boot ${n}` : anyBoot ? 'Before the first boot' : 'No boot start in this log'} · lines ${first}-${last}${bootTitle(evs)}`];

  const timeline = of('xen.milestone').map((e) => [e.firstSeq, milestone(e.data as Data)] as [number, string]);
  if (!timeline.some(([, t]) => t.startsWith('dom0 kernel'))) {
    for (const e of of('linux.banner')) timeline.push([e.firstSeq, `${whoLinux(e.data as Data, xen)} kernel: Linux ${(e.data as Data).version ?? '?'}`]);
  }
  if (timeline.length) {
    out.push('  Boot timeline');
    for (const [seq, t] of timeline.sort((a, b) => a[0] - b[0])) out.push(`    ${col(`line ${seq}`, 15)}${t}`);
  }

  const irq: string[] = [];
  for (const e of of('xen.gic.init')) irq.push(`Xen: ${gicInit(e.data as Data)} (${lines(e)})`);
  const rdists = [...of('xen.gic.init').flatMap((e) => ((e.data as Data).redistributors ?? []).map((r: Data) => r.cpu)), ...of('xen.gic.cpu').filter((e) => (e.data as Data).what === 'rdist-found').map((e) => (e.data as Data).cpu)];
  if (rdists.length) irq.push(`Xen: redistributors found for CPU ${list(rdists)}`);
  for (const e of of('xen.timer')) irq.push(`Xen timer: ${timer(e.data as Data)}`);
  for (const e of of('xen.irq.route')) {
    const d = e.data as Data;
    if (d.what === 'evtchn-ppi') irq.push(`Xen: event-channel upcall on PPI ${d.irq} (${lines(e)})`);
  }
  for (const e of of('linux.irq.setup')) irq.push(`${whoLinux(e.data as Data, xen)} Linux: ${irqSetup(e)}${e.partial ? ` (partial: ${e.reason ?? '?'})` : ''} (${lines(e)})`);
  const procs = of('linux.interrupts');
  if (procs.length) irq.push(`/proc/interrupts: ${procs.length} ${procs.length === 1 ? 'snapshot' : 'snapshots'} (line ${procs.map((e) => e.firstSeq).join(', ')})`);
  if (irq.length) out.push('  Interrupts', ...irq.map((l) => `    ${l}`));

  const problems: Array<[number, string]> = [];
  for (const e of evs) {
    if (PROBLEMS.has(e.kind)) problems.push([e.firstSeq, `${col(lines(e), 15)}${col(e.kind, 24)}${problem(e, xen)}${e.partial ? ` (partial: ${e.reason ?? '?'})` : ''}`]);
    else if (e.kind === 'xen.gic.cpu' && (e.data as Data).error) problems.push([e.firstSeq, `${col(lines(e), 15)}${col(e.kind, 24)}${clip((e.data as Data).text)}`]);
    else if (e.kind === 'linux.irq.setup') {
      const bad = irqSetupProblems(e.data as Data);
      if (bad.length) problems.push([e.firstSeq, `${col(lines(e), 15)}${col(e.kind, 24)}${whoLinux(e.data as Data, xen)}: ${bad.join('; ')}`]);
    }
  }
  const vgic = of('xen.vgic.unhandled');
  if (vgic.length) {
    const texts = [...new Set(vgic.map((e) => String((e.data as Data).text ?? '').replace(/\s*\d+$/, '')))];
    problems.push([vgic[0].firstSeq, `${col(`line ${vgic[0].firstSeq}…`, 15)}${col('xen.vgic.unhandled', 24)}${vgic.length} guest GIC ${vgic.length === 1 ? 'access' : 'accesses'} Xen does not emulate, e.g. ${clip(texts[0], 70)}`]);
  }
  if (problems.length) {
    out.push(`  Problems (${problems.length})`);
    for (const [, t] of problems.sort((a, b) => a[0] - b[0])) out.push(`    ${t}`);
  }

  const keys = of('xen.debugkey');
  if (keys.length) {
    out.push('  Debug keys');
    for (const e of keys) {
      const d = e.data as Data;
      out.push(`    ${col(lines(e), 15)}${col(String(d.key ?? '?'), 3)}${clip(d.description ?? d.handler ?? '', 70)}${e.partial ? ` (partial: ${e.reason ?? '?'})` : ''}`);
    }
  }

  const regs = of('xen.regs');
  if (regs.length) {
    out.push('  Register dumps');
    for (const e of regs) out.push(`    ${col(lines(e), 15)}${regsLine(e.data as Data)}`);
  }
  return out;
}

/** One line about any event, for `xenuart tail --events` (the same words as the summary's sections). */
export function describeEvent(e: ConsoleEvent): string {
  const d = e.data as Data;
  // One event alone does not tell whether untagged Linux lines are dom0's: they are called `Linux`.
  if (PROBLEMS.has(e.kind)) return problem(e, false);
  switch (e.kind) {
    case 'xen.milestone': return milestone(d);
    case 'xen.regs': return regsLine(d);
    case 'linux.irq.setup': return `${whoLinux(d, d.xen !== undefined)} Linux: ${irqSetup(e)}`;
    case 'xen.debugkey': return `key ${d.key ?? '?'}: ${clip(d.description ?? d.handler ?? '', 70)}`;
    case 'linux.banner': return `Linux ${d.version ?? '?'}${d.xen ? ' under Xen' : ''}`;
    case 'xen.boot': return `Xen ${d.version ?? '?'} boot`;
    case 'xen.gic.init': return gicInit(d);
    case 'xen.gic.lrs': return `${vcpuOf(d) || 'vCPU: '}GICv${d.gic ?? '?'} list registers, mask ${d.mask ?? '?'}; ${(d.inflight ?? []).length} in flight, ${(d.pending ?? []).length} pending`;
    case 'xen.domain': return `domain ${d.domain ?? '?'}: ${(d.vcpus ?? []).length} vCPUs${d.interrupts !== undefined ? `, interrupts {${clip(d.interrupts, 60)}}` : ''}`;
    case 'xen.evtchn': return `domain ${d.domain ?? '?'} event channels: ${(d.ports ?? []).length} ports, pending ${(d.pendingPorts ?? []).join(', ') || 'none'}`;
    case 'xen.timer': return timer(d);
    default: {
      const parts: string[] = [];
      for (const k of ['text', 'message', 'target', 'version', 'domain', 'vcpu', 'cpu', 'irq']) if (d[k] !== undefined && typeof d[k] !== 'object') parts.push(k === 'text' || k === 'message' ? clip(d[k], 90) : `${k}=${d[k]}`);
      return parts.join(' ');
    }
  }
}

function bootTitle(evs: ConsoleEvent[]): string {
  const xb = evs.find((e) => e.kind === 'xen.boot');
  if (xb) {
    const d = xb.data as Data;
    return ` · Xen ${d.version ?? '?'}${d.distro ? ` (${d.distro})` : ''}${d.debug !== undefined ? ` debug=${d.debug ? 'y' : 'n'}` : ''}${d.cpus !== undefined ? `, ${d.cpus} CPU${d.cpus === 1 ? '' : 's'}` : ''}${d.gic !== undefined ? `, GICv${d.gic}` : ''}`;
  }
  const bs = evs.find((e) => e.kind === 'boot.start');
  return bs ? ` · ${clip((bs.data as Data).text, 90)}` : '';
}

function gicInit(d: Data): string {
  return `GICv${d.version ?? '?'}${d.lines !== undefined ? `, ${d.lines} lines` : ''}${d.dist ? `, distributor ${d.dist}` : ''}${d.maintenanceIrq !== undefined ? `, maintenance IRQ ${d.maintenanceIrq}` : ''}`;
}

function timer(d: Data): string {
  return `${d.freqKHz !== undefined ? `${(d.freqKHz / 1000).toFixed(2)} MHz, ` : ''}PPIs phys ${d.phys ?? '?'}, hyp ${d.hyp ?? '?'}, virt ${d.virt ?? '?'}`;
}

function milestone(d: Data): string {
  const label = MILESTONES[d.name] ?? String(d.name);
  if (d.name === 'cpus.up' && d.cpus !== undefined) return `${label} (${d.cpus})`;
  if (d.name === 'gic.up' && d.version !== undefined) return `${label} (GICv${d.version})`;
  if (d.name === 'input.handover' && d.target) return `${label} to ${d.target}`;
  if (d.name === 'domu.loading' && d.cpus !== undefined) return `${label} (${d.cpus} vCPUs${d.memoryKB ? `, ${Math.round(d.memoryKB / 1024)} MB` : ''})`;
  if (d.name === 'prompt' && d.text) return `${label}: ${clip(d.text, 60)}`;
  if (d.name === 'xen.panic' && d.cpu !== undefined) return `${label} on CPU${d.cpu}`;
  return label;
}

function irqSetup(e: ConsoleEvent): string {
  const d = e.data as Data;
  const g = d.gic;
  const parts = [
    g ? `GICv${g.version ?? '?'}` : '',
    g?.spis !== undefined ? `${g.spis} SPIs` : '',
    g?.ppis !== undefined ? `${g.ppis} PPIs` : '',
    g?.redistributors?.length ? `redistributors for CPU ${list(g.redistributors.map((r: Data) => r.cpu))}` : '',
    d.timer ? `timer ${d.timer.mhz} MHz (${d.timer.mode})` : '',
    d.xen?.eventsAbi ? `${d.xen.eventsAbi === 'fifo' ? 'FIFO' : '2-level'} event channels` : '',
    d.cpus?.online !== undefined ? `${d.cpus.online} CPUs online` : '',
  ].filter(Boolean);
  const bad = irqSetupProblems(d);
  return `${parts.join(' · ') || 'no interrupt setup line'}${bad.length ? `; ${bad.join('; ')}` : ''}`;
}

/** What a kernel's interrupt setup says is wrong (the linux-irq-setup diagnosis rule's facts). */
function irqSetupProblems(d: Data): string[] {
  return [
    ...(d.xen?.noEventIrq ? ['no event-channel interrupt'] : []),
    ...(d.gic?.noRedistributor ?? []).map((r: Data) => `CPU${r.cpu} has no redistributor`),
    ...(d.cpus?.failed ?? []).map((f: Data) => `CPU${f.cpu} failed to come online`),
  ];
}

function problem(e: ConsoleEvent, xen: boolean): string {
  const d = e.data as Data;
  if (e.kind.startsWith('linux.')) return `${whoLinux(d, xen)}: ${clip(d.message ?? d.text ?? '', 90)}`;
  if (e.kind === 'xen.panic') return `Panic${d.cpu !== undefined ? ` on CPU ${d.cpu}` : ''}: ${clip(d.message, 90)}`;
  if (d.message) return `${vcpuOf(d)}${clip(d.message, 90)}`;
  if (d.file) return `${e.kind.slice(4).toUpperCase()} at ${d.file}:${d.line ?? '?'}${d.pcSymbol ? ` (${d.pcSymbol})` : ''}`;
  return clip(d.text ?? d.header ?? '', 90);
}

function regsLine(d: Data): string {
  const who = d.context === 'guest' ? `${d.domain !== undefined ? `d${d.domain}` : 'guest'}${d.vcpu !== undefined ? `v${d.vcpu}` : ''} on CPU${d.cpu ?? '?'}` : `CPU${d.cpu ?? '?'} host`;
  const why = typeof d.trigger === 'string' ? d.trigger.replace(/^key-/, 'key ') : '';
  const pc = d.pcSymbol ?? d.regs?.pc ?? d.regs?.PC ?? '';
  return `${who}${why ? ` (${why})` : ''}${d.mode ? `, ${d.mode}` : ''}${pc ? `, PC ${pc}` : ''}`;
}
