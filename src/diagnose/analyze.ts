// Interrupt diagnosis: why did dom0 (or a guest) stop? A pure function over decoded console events
// (and the lines, for precise evidence and dom0's silence) of the current boot. Each rule in
// ./rules has one job and returns findings; this module cross-links them (a stuck interrupt on the
// vCPU whose Linux CPU stalled while dom0 is silent is the top finding), ranks them and summarises.
// Formats and semantics: xen-console-reference §3.3-3.6, linux-console-reference §4.3-4.7, §6.4.
import type { ConsoleEvent } from '../protocol/events.js';
import { decodeLines } from '../decoders/engine.js';
import { frameAll, type FramedLine } from '../framing/framer.js';
import { buildContext, mergeEvidence, type Ctx, type DiagnoseLine, type Finding, type RankedFinding, type Severity } from './analyze-context.js';
import { stuckInflight } from './rules/stuck-inflight.js';
import { lrUnchanged } from './rules/lr-unchanged.js';
import { procInterrupts } from './rules/proc-interrupts.js';
import { irqOwnership } from './rules/irq-ownership.js';
import { irqTrigger } from './rules/irq-trigger.js';
import { vgicUnhandled } from './rules/vgic-unhandled.js';
import { dom0Stall } from './rules/dom0-stall.js';
import { linuxReports } from './rules/linux-reports.js';
import { evtchnPending } from './rules/evtchn.js';
import { gicCpu } from './rules/gic-cpu.js';
import { linuxIrqSetup } from './rules/linux-irq-setup.js';

export type { DiagnoseLine, Evidence, Finding, Severity } from './analyze-context.js';

export interface DiagnoseInput {
  /** Decoded events in stream order (src/protocol/events.ts). */
  events: ConsoleEvent[];
  /** The console lines (seq, host time, text): sharper evidence and dom0's silence. */
  lines?: DiagnoseLine[];
  /** Now, ms since the epoch: "dom0 silent for N s". Default: the last line's time. */
  now?: number;
  /** Analyse every boot in the input instead of the last one. */
  allBoots?: boolean;
}

export interface DiagnoseSummary {
  /** Seq range analysed (the last boot), if anything was there. */
  boot?: { firstSeq: number; lastSeq: number };
  counts: Record<Severity, number>;
  /** Number of `q` dumps and dom0 /proc/interrupts tables seen in that boot. */
  qDumps: number;
  interruptsSnapshots: number;
  gic?: number;
  timer: { phys: number; hyp: number; virt: number; guessed: boolean };
  maintenanceIrq: number;
  dom0: {
    linux: boolean;
    lastSeq?: number;
    lastText?: string;
    atPrompt: boolean;
    silentSeconds?: number;
    keysAfter: string[];
  };
  /** Physical CPUs of the latest `d`: where each one is. */
  pcpus: Array<{ cpu: number; pc?: string; idle: boolean }>;
  /** Interrupts named in this boot: INTID → name. */
  irqNames: Record<string, string>;
  /** The top finding's title. */
  top?: string;
}

export interface DiagnoseResult { findings: Finding[]; summary: DiagnoseSummary }

const RULES: Array<(ctx: Ctx) => RankedFinding[]> = [stuckInflight, lrUnchanged, procInterrupts, irqOwnership, irqTrigger, vgicUnhandled, dom0Stall, linuxReports, evtchnPending, gicCpu, linuxIrqSetup];
const SEV: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function diagnoseInterrupts(input: DiagnoseInput): DiagnoseResult {
  const ctx = buildContext({ events: input?.events ?? [], lines: input?.lines, now: input?.now, allBoots: input?.allBoots });
  const found: RankedFinding[] = [];
  for (const rule of RULES) {
    try {
      found.push(...rule(ctx));
    } catch {
      // One rule tripping over odd data must not hide the others' findings.
    }
  }
  corroborate(ctx, found);
  found.sort((a, b) => SEV[a.severity] - SEV[b.severity] || b.score - a.score || (a.evidence[0]?.firstSeq ?? 0) - (b.evidence[0]?.firstSeq ?? 0));
  const findings: Finding[] = found.map(({ score: _score, ...f }) => ({ ...f, evidence: mergeEvidence(f.evidence) }));
  return { findings, summary: summarise(ctx, findings) };
}

/** Tie the findings together: a vCPU's stuck interrupt that explains dom0's silence and a Linux
 *  stall on the same CPU rises to the top and carries their lines as evidence. */
function corroborate(ctx: Ctx, found: RankedFinding[]): void {
  const stall = found.find((f) => f.rule === 'dom0-stall' && f.domain === 0 && ctx.dom0.last);
  const linuxStalls = found.filter((f) => f.rule === 'linux-reports' && f.domain === 0 && f.vcpu !== undefined && /RCU stall|lockup/.test(f.title));
  for (const f of found) {
    if ((f.rule !== 'stuck-inflight' && f.rule !== 'lr-unchanged') || f.severity === 'info') continue;
    const notes: string[] = [];
    if (f.domain === 0 && stall) {
      f.score += 20;
      notes.push(`dom0 is silent (${stall.title.replace(/^dom0 silent /, '')})`);
      f.evidence.push(...stall.evidence.filter((e) => e.note === "dom0's last line" || /^pCPU/.test(e.note ?? '')));
    }
    const ls = linuxStalls.filter((l) => l.vcpu === f.vcpu);
    for (const l of ls) {
      f.score += 10;
      notes.push(`Linux reports it on the same CPU: ${l.title.replace(/^dom0: /, '')}`);
      f.evidence.push(...l.evidence);
    }
    for (const p of found.filter((x) => x.rule === 'proc-interrupts' && x.domain === f.domain && x.vcpu === f.vcpu && x.irq === f.irq)) {
      f.score += 5;
      notes.push(`dom0's /proc/interrupts: ${p.title}`);
      f.evidence.push(...p.evidence);
    }
    if (notes.length) f.explanation += ` Corroborated by: ${notes.join('; ')}.`;
    // The stall then also names the interrupt that explains it.
    if (stall && f.domain === 0 && f.severity === 'error' && !/Likely cause/.test(stall.explanation)) {
      stall.explanation += ` Likely cause: ${f.title}.`;
    }
  }
}

function summarise(ctx: Ctx, findings: Finding[]): DiagnoseSummary {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const irqNames: Record<string, string> = {};
  for (const [irq, n] of [...ctx.names].sort((a, b) => a[0] - b[0])) if (irq >= 16 || !n.name.includes('software-generated')) irqNames[String(irq)] = n.name;
  const a = ctx.dom0;
  return {
    boot: ctx.boot,
    counts,
    qDumps: ctx.dumps.length,
    interruptsSnapshots: ctx.procs.length,
    gic: ctx.gic.version,
    timer: { phys: ctx.timer.phys, hyp: ctx.timer.hyp, virt: ctx.timer.virt, guessed: ctx.timer.guessed },
    maintenanceIrq: ctx.gic.maintenanceIrq,
    dom0: {
      linux: a.linux,
      lastSeq: a.last?.seq,
      lastText: a.last?.text,
      atPrompt: a.atPrompt,
      silentSeconds: a.silentSeconds,
      keysAfter: a.keysAfter.map((k) => k.key),
    },
    pcpus: ctx.hostRegs.map((h) => ({ cpu: h.cpu, pc: h.pcSymbol ?? h.pc, idle: h.idle })),
    irqNames,
    top: findings[0]?.title,
  };
}

/** Offline: decode a whole saved log and diagnose its last boot. Lines are numbered from 1 (seq =
 *  line number, as `decodeText` does); a log has no host times, so silence is told in lines. */
export function analyzeLog(text: string | Buffer, opts: { allBoots?: boolean } = {}): DiagnoseResult {
  return analyzeFramed(frameAll(text), opts);
}

/** analyzeLog for a log framed already (`xenuart diagnose --file` quotes the same lines). */
export function analyzeFramed(framed: FramedLine[], opts: { allBoots?: boolean } = {}): DiagnoseResult {
  const events = decodeLines(framed);
  const lines: DiagnoseLine[] = framed.map((l) => ({ seq: l.seq, ts: l.ts, text: l.text }));
  const lastTs = lines.at(-1)?.ts;
  return diagnoseInterrupts({ events, lines, now: lastTs && lastTs > 0 ? lastTs : undefined, allBoots: opts.allBoots });
}

/** How long dom0 has been quiet: its last line, whether that is a shell prompt, the Xen keys answered
 *  since, and seconds (when the lines carry host times; `now` defaults to the last line's time). */
export function dom0Silence(events: ConsoleEvent[], lines: DiagnoseLine[], now?: number): {
  lastSeq?: number; lastTs?: number; seconds?: number; atPrompt: boolean; keysAfter: string[]; linux: boolean;
} {
  const ctx = buildContext({ events, lines, now });
  const a = ctx.dom0;
  return { lastSeq: a.last?.seq, lastTs: a.last?.ts || undefined, seconds: a.silentSeconds, atPrompt: a.atPrompt, keysAfter: a.keysAfter.map((k) => k.key), linux: a.linux };
}

export type { Ctx };
