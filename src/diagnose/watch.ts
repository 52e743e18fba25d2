// Watch: when dom0 goes quiet during boot (no shell prompt yet) or while a typed command runs
// (no prompt back yet) for `watchSeconds`, put a `diagnosis.suggested` record into the history
// and stream, once per silence; with `auto`, run the active diagnosis too.
import type { ConsoleRuntime } from '../core/console.js';
import type { EventMessage, RecordMessage } from '../protocol/messages.js';
import { isShellPrompt, isXenOrGuestLine } from './analyze-context.js';
import { firstNonBlank } from '../decoders/util.js';

/** An input audit that ends a command line: its text (JSON-quoted) holds an Enter. */
const isTypedCommand = (d: Record<string, unknown>): boolean => d.action === 'input' && String(d.text ?? '').includes('\\r');

/** Most of a boot's last lines searched for its last dom0 line when the daemon restarts. */
const RESUME_LINES = 5000;

export interface WatchOptions {
  watchSeconds: number;
  auto: boolean;
}

export class SilenceWatch {
  private lastDom0 = 0;
  private lastDom0Seq = 0;
  private booting = false;
  private commandRunning = false;
  private suggested = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly rt: ConsoleRuntime, private readonly opts: WatchOptions, private readonly onSuggest?: () => void) {
    this.resume();
    rt.on('records', (recs) => this.observe(recs));
    this.timer = setInterval(() => this.check(), 1000);
    this.timer.unref();
  }

  /**
   * After a restart, take up the watch where it was: a boot of this console still short of its
   * shell prompt is still booting, silent since its last dom0 line (found in its last lines), and
   * already suggested if a suggestion came after that line. Past the prompt, a command typed
   * through xenuart (an input audit with Enter) that no prompt answered yet is still running.
   */
  private resume(): void {
    const store = this.rt.store;
    const boot = store.boots().at(-1);
    if (!boot || boot.id === 0) return;
    const evs = store.events({ kind: ['boot.start', 'xen.milestone', 'diagnosis.suggested'], from: boot.firstSeq, limit: 100_000 });
    if (!evs.some((e) => e.kind === 'boot.start')) return;
    const last = store.lines({ from: boot.firstSeq, desc: true, limit: RESUME_LINES });
    if (last.length === 0) return;
    const suggestedSince = (seq: number) => evs.some((e) => e.kind === 'diagnosis.suggested' && e.firstSeq >= seq);
    if (!evs.some((e) => e.kind === 'xen.milestone' && e.data.name === 'prompt')) {
      const dom0 = last.find((l) => this.isDom0(l.text));
      // No dom0 line yet (Xen still booting, or dom0 never printed): silent since the last line.
      this.lastDom0 = (dom0 ?? last[0]).ts;
      this.lastDom0Seq = dom0?.seq ?? 0;
      this.booting = true;
      this.suggested = suggestedSince((dom0 ?? last[0]).seq);
      return;
    }
    // Newest first: every keystroke typed in the page is an audit too.
    const typed = store.events({ kind: ['audit'], from: boot.firstSeq, desc: true, limit: 200 }).find((e) => isTypedCommand(e.data));
    // Unknown when the command is older than the lines read back: not restored.
    if (!typed || last[last.length - 1].seq > typed.firstSeq) return;
    const after = last.filter((l) => l.seq > typed.firstSeq && this.isDom0(l.text));
    if (after.some((l) => isShellPrompt(l.text))) return;
    this.commandRunning = true;
    this.lastDom0 = after[0]?.ts ?? typed.ts;
    this.lastDom0Seq = after[0]?.seq ?? typed.firstSeq;
    this.suggested = suggestedSince(Math.max(typed.firstSeq, this.lastDom0Seq));
  }

  private observe(recs: RecordMessage[]): void {
    // This sees every record of the console. Unless a typed command is running (or typed in this
    // batch), only the batch's last dom0 line matters: it is found from the end, so most lines are
    // never classified (this ran on every line and cost 3 % of ingest).
    if (this.commandRunning || recs.some((r) => r.type === 'event' && r.kind === 'audit')) { this.observeAll(recs); return; }
    for (const r of recs) if (r.type === 'event') this.onEvent(r);
    for (let i = recs.length - 1; i >= 0; i--) {
      const r = recs[i];
      if (r.type === 'line' && this.isDom0(r.text)) { this.dom0Line(r.seq, Date.now()); return; }
    }
  }

  /** Every record in order, prompts included (a typed command ends at the shell's next prompt). */
  private observeAll(recs: RecordMessage[]): void {
    let now = 0;
    for (const r of recs) {
      if (r.type === 'line') {
        const t = r.text;
        if (!this.isDom0(t)) continue;
        this.dom0Line(r.seq, now ||= Date.now());
        if (isShellPrompt(t)) this.commandRunning = false;
      } else if (r.type === 'event') this.onEvent(r);
    }
  }

  private isDom0(text: string): boolean {
    return !isXenOrGuestLine(text) && firstNonBlank(text) < text.length;
  }

  private dom0Line(seq: number, now: number): void {
    this.lastDom0 = now;
    this.lastDom0Seq = seq;
    this.suggested = false;
  }

  private onEvent(r: EventMessage): void {
    if (r.kind === 'boot.start') { this.booting = true; this.lastDom0 = Date.now(); this.suggested = false; }
    else if (r.kind === 'xen.milestone' && r.data.name === 'prompt') this.booting = false;
    else if (r.kind === 'audit' && isTypedCommand(r.data)) {
      this.commandRunning = true;
      this.lastDom0 = Date.now();
      this.suggested = false;
    }
  }

  private check(): void {
    if (this.suggested || !(this.booting || this.commandRunning) || !this.lastDom0) return;
    const silent = (Date.now() - this.lastDom0) / 1000;
    if (silent < this.opts.watchSeconds) return;
    this.suggested = true;
    this.rt.record('diagnosis.suggested', {
      reason: this.booting ? 'dom0 stopped printing during boot' : 'dom0 stopped printing while a command runs',
      silentSeconds: Math.round(silent),
      lastDom0Seq: this.lastDom0Seq,
      auto: this.opts.auto,
    });
    if (this.opts.auto) this.onSuggest?.();
  }

  close(): void {
    clearInterval(this.timer);
  }
}
