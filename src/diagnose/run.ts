// The active interrupt diagnosis: gathers fresh evidence from a live board, then analyses the
// current boot. Presses `q` and `e` twice N seconds apart (then `d`, `0`); with `proc` and a dom0 shell
// prompt in view, types `cat /proc/interrupts` before and after; leaves input where it was.
import type { ConsoleControl } from '../control/control.js';
import { ControlError } from '../control/control.js';
import type { Principal } from '../server/auth.js';
import type { ConsoleRuntime } from '../core/console.js';
import { diagnoseInterrupts, type Finding } from './analyze.js';
import { isShellPrompt, isXenOrGuestLine } from './analyze-context.js';

export interface DiagnoseRunOptions {
  /** Seconds between the two snapshots. */
  seconds: number;
  /** Also type `cat /proc/interrupts` in dom0 (only when a shell prompt is there). */
  proc: boolean;
}

export interface DiagnoseReply {
  console: string;
  findings: Finding[];
  summary?: unknown;
  run?: { firstSeq: number; lastSeq: number; steps: string[]; ms: number; proc: boolean };
}

/** Seqs of the current boot, and the analysis of its events and lines. */
export function analyseCurrentBoot(rt: ConsoleRuntime, now = Date.now()): DiagnoseReply {
  const boots = rt.store.boots();
  const from = boots.at(-1)?.firstSeq ?? 1;
  // With the blocks the decoders hold open: a boot that stopped half way never closes them.
  const events = [...rt.store.events({ from, limit: 100_000 }), ...rt.openEvents().filter((e) => e.lastSeq >= from)];
  // The last 20000 lines of the boot are plenty: the evidence of a stall is recent.
  const lines = rt.store.lines({ from, limit: 20_000, desc: true }).reverse().map(({ seq, ts, text }) => ({ seq, ts, text }));
  const r = diagnoseInterrupts({ events, lines, now });
  return { console: rt.id, ...r };
}

/** Is the last thing dom0 printed a shell prompt (so typing a command is safe)? */
function promptInView(rt: ConsoleRuntime): boolean {
  const recent = rt.store.lines({ limit: 30, desc: true });
  const last = recent.find((l) => l.text.trim() !== '' && !isXenOrGuestLine(l.text));
  return !!last && isShellPrompt(last.text.replace(/\s+$/, ' '));
}

export async function runInterruptDiagnosis(control: ConsoleControl, p: Principal, opts: DiagnoseRunOptions): Promise<DiagnoseReply> {
  const rt = control.rt;
  const t0 = Date.now();
  const firstSeq = rt.nextSeq;
  const steps: string[] = [];
  const held = control.lease.holder;
  if (held && !control.lease.heldBy(p)) throw new ControlError(409, 'lease-held', `the write lease is held by "${held.name}"`);
  const tookLease = !held;
  if (tookLease) control.lease.take(p);
  const proc = opts.proc && control.focus !== 'xen' && promptInView(rt);
  try {
    const cat = async () => {
      if (!proc) return;
      steps.push('cat /proc/interrupts');
      await control.input(p, Buffer.from('cat /proc/interrupts\r'));
      await sleep(1500);
    };
    // q: the vGIC's view of each vCPU (LRs, inflight, upcall); e: which event channels are pending.
    const press = async (keys: string) => {
      steps.push(...keys);
      await control.keys(p, keys);
    };
    await cat();
    await press('qe');
    await sleep(opts.seconds * 1000);
    await cat();
    await press('qed0');
  } finally {
    if (tookLease && control.lease.heldBy(p)) control.lease.release(p);
  }
  const reply = analyseCurrentBoot(rt);
  reply.run = { firstSeq, lastSeq: rt.nextSeq - 1, steps, ms: Date.now() - t0, proc };
  // Into the history, for whoever reads it later (and the page's Diagnosis tab).
  rt.record('diagnosis', { by: p.name, findings: reply.findings, run: reply.run });
  return reply;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
