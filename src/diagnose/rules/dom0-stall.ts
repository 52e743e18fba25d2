// dom0 silent while Xen is alive: Xen answered debug keys after dom0's last line, dom0 was not
// sitting at a shell prompt (a command or the boot was running), and the physical CPUs are idle
// (key d: `idle_loop`). That is a stall, not a crash: dom0's vCPUs are blocked waiting for an
// interrupt that does not come. Also: a boot where dom0 printed nothing after Xen handed over.
import { linuxOrigin, type Ctx, type Evidence, type RankedFinding } from '../analyze-context.js';

export function dom0Stall(ctx: Ctx): RankedFinding[] {
  const out: RankedFinding[] = [];
  const a = ctx.dom0;
  if (!a.linux && !a.last) {
    // dom0 never printed after the hand-over (only meaningful when we have the lines).
    if (!ctx.hasLines || a.handoverSeq === undefined) return out;
    const after = ctx.dom0.endSeq - a.handoverSeq;
    if (ctx.byKind('xen.panic').some((p) => p.firstSeq > a.handoverSeq!)) return out;
    // dom0 running without printing here: Xen reports its vGIC accesses or traps after the hand-over.
    const alive = ctx.events.find((e) => (e.kind === 'xen.vgic.unhandled' || e.kind === 'xen.trap') && e.data.domain === 0 && e.firstSeq > a.handoverSeq!);
    if (alive) {
      out.push({
        severity: 'info',
        title: 'dom0 runs but prints nothing on this console',
        explanation:
          `After Xen handed over (line ${a.handoverSeq}) dom0 printed no line, yet it is running: Xen reports its accesses (line ${alive.firstSeq}: ${String(alive.data.text ?? alive.data.message ?? alive.kind)}). ` +
          `Its console is elsewhere (not hvc0 / console=hvc0 missing) or the capture only kept Xen's lines. What to try: boot dom0 with console=hvc0 earlycon=xenboot to see it here.`,
        domain: 0,
        evidence: [{ firstSeq: a.handoverSeq, lastSeq: a.handoverSeq, note: 'Xen hands over' }, { firstSeq: alive.firstSeq, lastSeq: alive.lastSeq, note: 'dom0 is running' }],
        rule: 'dom0-stall',
        score: 5,
      });
      return out;
    }
    out.push({
      severity: 'warning',
      title: 'dom0 printed nothing after Xen handed over the console',
      explanation:
        `Xen finished booting (line ${a.handoverSeq}) and ${after > 0 ? `${after} more line(s) followed` : 'nothing followed'}, but dom0 never printed a line. ` +
        `Either dom0 hangs before its console is up (often waiting for an interrupt or a timer: a GIC/timer node in dom0's device tree Xen does not handle), ` +
        `or its console is not hvc0. What to try: boot dom0 with earlycon=xenboot console=hvc0 (and guest_loglvl=all on Xen), then press CTRL-a three times and keys q and 0 to see where its vCPUs are.`,
      domain: 0,
      evidence: [{ firstSeq: a.handoverSeq, lastSeq: a.handoverSeq, note: 'Xen hands over (last Xen boot line)' }],
      rule: 'dom0-stall',
      score: 50,
    });
    return out;
  }
  if (!a.linux || !a.last || a.atPrompt) return out;
  const keys = a.keysAfter;
  const timeSilent = a.silentSeconds !== undefined && a.silentSeconds >= 10;
  if (keys.length === 0 && !timeSilent) return out;
  const hosts = ctx.hostRegs.filter((h) => h.firstSeq > a.last!.seq);
  const allIdle = hosts.length > 0 && hosts.every((h) => h.idle);
  const busy = hosts.filter((h) => !h.idle);
  const stage = a.promptSeen ? undefined : bootStage(ctx, a.last.seq);
  const running = a.promptSeen ? 'a command was running (no prompt came back)' : `dom0 was still booting: ${stage?.text ?? 'no shell prompt yet'}`;
  const evidence: Evidence[] = [{ firstSeq: a.last.seq, lastSeq: a.last.seq, note: "dom0's last line" }];
  if (stage?.seq !== undefined) evidence.unshift({ firstSeq: stage.seq, lastSeq: stage.seq, note: stage.note });
  for (const k of keys.slice(0, 4)) evidence.push({ firstSeq: k.firstSeq, lastSeq: Math.min(k.lastSeq, k.firstSeq + 1), note: `Xen answered key ${k.key}` });
  for (const h of hosts) {
    const ln = ctx.findLine(h.firstSeq, h.lastSeq, /PC:/);
    evidence.push({ firstSeq: h.firstSeq, lastSeq: ln?.seq ?? h.firstSeq, note: `pCPU${h.cpu} at ${h.pcSymbol ?? h.pc ?? '?'}` });
  }
  const silence = a.silentSeconds !== undefined ? `for ${a.silentSeconds} s` : `after line ${a.last.seq}`;
  const keyText = keys.length ? ` while Xen answered key${keys.length > 1 ? 's' : ''} ${[...new Set(keys.map((k) => k.key))].join(', ')} (lines ${keys[0].firstSeq}-${keys.at(-1)!.lastSeq})` : '';
  out.push({
    severity: allIdle && (keys.length >= 2 || timeSilent) ? 'error' : 'warning',
    title: `dom0 silent ${silence}${keyText ? ' while Xen answers keys' : ''}${allIdle ? ', all physical CPUs idle: a stall, not a crash' : ''}`,
    explanation:
      `dom0 printed nothing ${silence}${keyText}; ${running}. ` +
      (allIdle
        ? `Key d shows every physical CPU in Xen's idle_loop (${hosts.map((h) => `pCPU${h.cpu}`).join(', ')}): no vCPU is running, so dom0 did not crash or spin — its vCPUs are blocked (WFI) waiting for an interrupt that never arrives. `
        : busy.length
          ? `Key d shows ${busy.map((h) => `pCPU${h.cpu} at ${h.pcSymbol ?? h.pc}`).join(', ')}: something is running, so this may be a busy loop rather than a missing interrupt. `
          : 'Press d to see whether the physical CPUs are idle (a stall) or busy (a loop). ') +
      `What to try: press q twice a few seconds apart and compare each dom0 vCPU's Inflight/Pending lines and LRs; press 0 for the guest PCs; look for an interrupt held in flight (lr=255) for a vCPU.`,
    domain: 0,
    evidence,
    rule: 'dom0-stall',
    score: allIdle ? 65 : 45,
  });
  return out;
}

/**
 * How far dom0's boot got before its last line (`last`): the stage names where to look. Before its
 * secondary CPUs came up, the early kernel waits on its timer or on IPIs; after that and before
 * userspace, an initcall or a driver probe waits for its device's interrupt; after userspace
 * started, a service or the console's getty.
 */
function bootStage(ctx: Ctx, last: number): { text: string; seq?: number; note: string } | undefined {
  const ms = (name: string) => ctx.byKind('xen.milestone').find((m) => m.data.name === name && m.firstSeq <= last);
  const kernel = ms('dom0.kernel');
  const userspace = ms('dom0.userspace');
  const setup = ctx.byKind('linux.irq.setup').find((e) => linuxOrigin(e.data).dom0 && !e.partial && e.lastSeq <= last);
  if (userspace) return { text: `its userspace started (line ${userspace.firstSeq}) but no shell prompt came`, seq: userspace.firstSeq, note: 'dom0 userspace starts' };
  if (setup) {
    const online = typeof setup.data.cpus === 'object' && setup.data.cpus !== null ? (setup.data.cpus as { online?: number }).online : undefined;
    return {
      text: `its kernel brought up ${online !== undefined ? `${online} CPU${online === 1 ? '' : 's'}` : 'its CPUs'} (line ${setup.lastSeq}) but never reached userspace: an initcall or a driver probe waiting for its device's interrupt is the usual suspect`,
      seq: setup.lastSeq,
      note: "dom0's CPUs up",
    };
  }
  // Its interrupt setup still open (live: the decoders' open block; offline: cut by the end of the log).
  const open = ctx.byKind('linux.irq.setup').filter((e) => linuxOrigin(e.data).dom0 && e.partial && e.lastSeq <= last).at(-1);
  const set = open && kernel && open.firstSeq > kernel.firstSeq ? setupText(open.data) : '';
  if (open && set) {
    return {
      text: `its kernel set up its interrupts (${set}; lines ${open.firstSeq}-${open.lastSeq}) but did not bring up its secondary CPUs: the early kernel waits on its timer or on IPIs`,
      seq: open.lastSeq,
      note: "dom0's last interrupt-setup line",
    };
  }
  if (kernel) return { text: `its kernel started (line ${kernel.firstSeq}) but did not bring up its secondary CPUs: the early kernel waits on its timer or on IPIs`, seq: kernel.firstSeq, note: "dom0's kernel starts" };
  return undefined;
}

/** `GICv3, virt timer at 62.5 MHz, FIFO event channels` from a linux.irq.setup's data ('' before its GIC, timer or event-channel line). */
function setupText(d: Record<string, unknown>): string {
  const { gic, timer, xen } = d as { gic?: { version?: number }; timer?: { mode: string; mhz: number }; xen?: { eventsAbi?: string } };
  return [
    gic?.version ? `GICv${gic.version}` : '',
    timer ? `${timer.mode} timer at ${timer.mhz} MHz` : '',
    xen?.eventsAbi ? `${xen.eventsAbi === 'fifo' ? 'FIFO' : '2-level'} event channels` : '',
  ].filter(Boolean).join(', ');
}

