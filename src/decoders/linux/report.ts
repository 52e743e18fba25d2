// A Linux report being collected (oops, BUG, WARN, panic, RCU stall, lockup, hung task, spurious
// IRQ) and the rules that end it (linux-console-reference §7.3, §8.3): an end marker
// (`---[ end trace`, `---[ end Kernel panic`, `Disabling IRQ #`), a header that cannot occur inside
// the report, or, for reports without an end marker, the first unrelated line after the trace.
import { MAX_BLOCK_LINES } from '../block.js';
import type { HeaderType } from './headers.js';
import type { LLine } from './line.js';
import { firstNonBlank } from '../util.js';
import { isSavedRegs, isTraceHeader, parseArm32Pair, parseArm64Frame } from './trace.js';

export type ReportType =
  | 'pending-cut' // `cut here` seen, WARNING or kernel BUG not yet
  | 'pending-cut8' // arm32 `8<--- cut here ---` seen, fault line not yet
  | 'oops' | 'bug' | 'warn' | 'panic' | 'rcu' | 'lockup' | 'hung' | 'nobody' | 'bogus';

/** Report types that normally end with a marker line; cut short without it, they are partial. */
const HAS_END_MARKER: Record<ReportType, boolean> = {
  'pending-cut': true, 'pending-cut8': true, oops: true, bug: true, warn: true, panic: true,
  rcu: false, lockup: false, hung: false, nobody: false, bogus: false,
};

/** Lines not recognised as part of a report that a report with an end marker tolerates in a row. */
const MAX_UNKNOWN_RUN = 50;
/** Same, before the trace, for reports without an end marker. */
const MAX_UNKNOWN_RUN_NO_END = 8;

export function reportTypeFor(h: HeaderType): ReportType | undefined {
  switch (h) {
    case 'cut': return 'pending-cut';
    case 'cut8': return 'pending-cut8';
    case 'fault': case 'unhandled': case 'internal': case 'serror': case 'stack': return 'oops';
    case 'bug': return 'bug';
    case 'warn': return 'warn';
    case 'panic': return 'panic';
    case 'rcu': return 'rcu';
    case 'softlockup': case 'hardlockup': return 'lockup';
    case 'hung': return 'hung';
    case 'nobody': return 'nobody';
    case 'bogus': return 'bogus';
    default: return undefined;
  }
}

// Prefixes of lines that belong inside reports (§2.1, §3.1, §4): used only to decide when a report
// without an end marker is over, and to count unrelated lines.
const REPORT_PREFIXES = [
  'Modules linked in', 'CPU: ', 'Hardware name:', 'Workqueue:', 'pstate:', 'pc :', 'lr :', 'sp :', 'pmr',
  'PC is at', 'LR is at', 'Flags:', 'Control:', 'Process ', 'Stack:', 'Code:', 'Mem abort info', 'Data abort info',
  'swapper pgtable', 'user pgtable', 'Register r', 'Exception stack', 'irq event stamp', 'hardirqs last', 'softirqs last',
  'Tainted:', 'SMP: ', 'Kernel Offset', 'PHYS_OFFSET', 'CPU features:', 'Memory Limit:', 'Rebooting in', 'Sending NMI',
  'NMI backtrace', 'Task dump for CPU', 'task:', '"echo 0', 'rcu: ', 'handlers:', '[<', 'note: ', 'ESR: ', 'FAR: ',
  'Task stack:', 'IRQ stack:', 'Overflow stack:', 'KASAN:', 'Not tainted', 'Internal error', 'Call trace', 'Call Trace',
  'Backtrace', 'Disabling IRQ', 'INFO: Stall ended', 'All QSes seen', '(detected by', '(t=', 'Future hung task',
  'Showing all locks', 'Showing busy', 'xPSR:', 'Unhandled ', 'Unable to handle', 'Kernel panic', 'CPU#',
  'Function entered at', 'Exception stack', 'Unknown IPI', 'Bad mode',
];
const REPORT_LINE_RE = /^(?:x\d|r\d|[0-9a-f]{4}: |\[[0-9a-f]{8,16}\] |\*pgd=|pgd = |CPU\d+: )/;
// REPORT_PREFIXES by first character (all ASCII), so a line is compared with a handful, not all 70.
const PREFIXES_BY_FIRST: string[][] = Array.from({ length: 128 }, () => []);
for (const p of REPORT_PREFIXES) PREFIXES_BY_FIRST[p.charCodeAt(0)].push(p);

export function isReportLine(b: string): boolean {
  if (b.length === 0) return true;
  const c = b.charCodeAt(0);
  if (c === 0x20 || c === 0x09) return true; // indented: frames, Mem abort fields, rcu per-CPU lines, utilisation rows
  if (c < 128) for (const p of PREFIXES_BY_FIRST[c]) if (b.startsWith(p)) return true;
  return REPORT_LINE_RE.test(b);
}

export class ReportBlock {
  type: ReportType;
  readonly opener: HeaderType;
  readonly lines: LLine[] = [];
  readonly firstSeq: number;
  readonly ts: number;
  lastSeq: number;
  /** The report's lines carry printk timestamps (so an untimestamped line may be a wrapped fragment). */
  readonly timed: boolean;
  /** Header types seen inside (e.g. `fault` then `internal`). */
  readonly headers: HeaderType[] = [];
  endSeen = false;
  droppedMessages = 0;
  private inTrace = false;
  traceSeen = false;
  private unknownRun = 0;
  private undo: { line: LLine; type: ReportType } | null = null;

  constructor(first: LLine, h: HeaderType) {
    this.opener = h;
    this.type = reportTypeFor(h) ?? 'oops';
    this.firstSeq = first.seq;
    this.ts = first.ts;
    this.lastSeq = first.endSeq;
    this.timed = first.time !== undefined;
    this.headers.push(h);
    this.lines.push(first);
  }

  get hasEndMarker(): boolean {
    return HAS_END_MARKER[this.type];
  }

  get full(): boolean {
    return this.lines.length >= MAX_BLOCK_LINES;
  }

  get last(): LLine {
    return this.lines[this.lines.length - 1];
  }

  /** Extend the last line with a wrapped fragment (already joined by the caller). */
  touch(l: LLine): void {
    if (l.endSeq > this.lastSeq) this.lastSeq = l.endSeq;
  }

  /** Remove the last line (nbcon replay: the interrupted partial record is reprinted in full). */
  dropLast(): void {
    if (this.lines.length <= 1) return;
    const l = this.lines.pop();
    if (this.undo && this.undo.line === l) {
      this.type = this.undo.type;
      this.headers.pop();
      this.undo = null;
    }
    this.lastSeq = Math.max(this.firstSeq, ...this.lines.map((l) => l.endSeq));
  }

  /**
   * Whether header `h` continues this report (e.g. `Internal error:` after `Unable to handle kernel`,
   * `WARNING:` after `cut here`). When it does, the report's type is updated.
   */
  absorbs(h: HeaderType): boolean {
    switch (this.type) {
      case 'pending-cut':
        if (h === 'warn') { this.type = 'warn'; return true; }
        if (h === 'bug') { this.type = 'bug'; return true; }
        if (h === 'unexpected' || h === 'spurious') return true; // WARN message printed before `WARNING:` (§4.1)
        return false;
      case 'pending-cut8':
        if (h === 'fault' || h === 'unhandled' || h === 'internal') { this.type = 'oops'; return true; }
        return false;
      case 'oops':
        if (h === 'internal') return !this.headers.includes('internal') && !this.headers.includes('serror') && !this.headers.includes('stack');
        if (h === 'fault') return this.opener === 'cut8' && !this.headers.includes('fault');
        return false;
      case 'bug':
        return h === 'internal' && !this.headers.includes('internal');
      default:
        return false;
    }
  }

  addHeaderLine(l: LLine, h: HeaderType, prevType: ReportType): void {
    this.undo = { line: l, type: prevType };
    this.headers.push(h);
    this.push(l);
    this.unknownRun = 0;
  }

  /**
   * Offer a non-header line. Returns 'added', 'added-end' (an end marker: close the report with it) or
   * 'reject' (the report is over; close it without this line).
   */
  offer(l: LLine): 'added' | 'added-end' | 'reject' {
    const b = l.body;
    if (b.startsWith('---[ end ')) {
      if (b.startsWith('---[ end trace') || b.startsWith('---[ end Kernel panic')) {
        this.endSeen = true;
        this.push(l);
        return 'added-end';
      }
    }
    if (this.type === 'nobody' && b.startsWith('Disabling IRQ #')) {
      this.endSeen = true;
      this.push(l);
      return 'added-end';
    }
    const frame = this.isTraceLine(b);
    if (frame) {
      this.unknownRun = 0;
      this.push(l);
      return 'added';
    }
    if (this.inTrace) this.inTrace = false;
    if (this.type === 'bogus' && this.traceSeen && this.sawHandlers() && !b.startsWith('[<')) return 'reject';
    if (isReportLine(b)) {
      this.unknownRun = 0;
      this.push(l);
      return 'added';
    }
    if (!this.hasEndMarker) {
      if (this.traceSeen || this.unknownRun >= MAX_UNKNOWN_RUN_NO_END) return 'reject';
    } else if (this.unknownRun >= MAX_UNKNOWN_RUN) {
      return 'reject';
    }
    this.unknownRun++;
    this.push(l);
    return 'added';
  }

  private sawHandlers(): boolean {
    for (let i = this.lines.length - 1; i >= 0 && i >= this.lines.length - 40; i--) if (this.lines[i].body.startsWith('handlers:')) return true;
    return false;
  }

  private isTraceLine(b: string): boolean {
    if (isTraceHeader(b)) { this.inTrace = true; this.traceSeen = true; return true; }
    if (this.inTrace) {
      const i = firstNonBlank(b);
      return isSavedRegs(b, i) || parseArm32Pair(b, i) !== undefined || parseArm64Frame(b, i) !== undefined;
    }
    if ((b.includes(' from ') || b.startsWith('Function entered')) && parseArm32Pair(b)) {
      this.inTrace = true;
      this.traceSeen = true;
      return true;
    }
    return false;
  }

  private push(l: LLine): void {
    this.lines.push(l);
    if (l.endSeq > this.lastSeq) this.lastSeq = l.endSeq;
  }
}
