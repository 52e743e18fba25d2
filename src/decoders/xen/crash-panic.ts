// The panic() block (xen-console-reference §2.1, xen/drivers/char/console.c: panic()):
//   (blank)
//   ****************************************
//   Panic on CPU %d:
//   <message, one or more lines>
//   ****************************************
//   (blank)
//   Reboot in five seconds...   |   Manual reset required ('noreboot' specified)
// In 4.17 the message goes through a 128-byte buffer: a message longer than 127 characters loses
// its newline and the closing stars are printed on the same line (fixed in 4.20).
import { PANIC_STARS } from './crash-lines.js';
import type { XLine } from './regs.js';

const MAX_MSG_LINES = 64;
const MAX_MSG_CHARS = 8192;
const PANIC_CPU = /^Panic on CPU (\d+):\s*$/;
const ACTION = /^(Reboot in five seconds\.\.\.|Crash in five seconds\.\.\.|Manual reset required \('noreboot' specified\))\s*$/;

export interface PanicData {
  cpu?: number;
  message: string;
  /** The message lines as printed (several for a multi-line message). */
  lines: string[];
  /** 4.17: the message was cut at 127 characters (the closing stars follow on the same line). */
  truncated?: boolean;
  /** `Reboot in five seconds...` / `Manual reset required ('noreboot' specified)`. */
  action?: string;
  reboot?: boolean;
  /** The crash event right before the panic that it reports, e.g. `xen.bug`. */
  after?: string;
  afterSeq?: number;
  /** What the message says caused the panic, parsed from the message text. */
  cause?: Record<string, unknown>;
}

type PState = 'stars' | 'msg' | 'tail';
export type PanicFeed = 'ok' | 'done' | 'done-before' | 'abandon' | 'break';

export class Panic {
  readonly firstSeq: number;
  readonly ts: number;
  lastSeq: number;
  private state: PState;
  readonly data: PanicData = { message: '', lines: [] };
  private chars = 0;

  /** Starts at the opening stars, or at `Panic on CPU` when the stars were not captured. */
  constructor(first: XLine, cpu?: number) {
    this.firstSeq = first.seq;
    this.lastSeq = first.endSeq;
    this.ts = first.ts;
    if (cpu !== undefined) { this.data.cpu = cpu; this.state = 'msg'; } else this.state = 'stars';
  }

  /** Whether the block may end here: after the closing stars (the action line is optional). */
  get closed(): boolean {
    return this.state === 'tail';
  }

  feed(l: XLine, newBoot: boolean): PanicFeed {
    const body = l.body;
    switch (this.state) {
      case 'stars': {
        const m = PANIC_CPU.exec(body);
        if (!m) return 'abandon';
        this.data.cpu = Number(m[1]);
        this.state = 'msg';
        return this.took(l, 'ok');
      }
      case 'msg': {
        if (newBoot) return 'break';
        const t = body.trimEnd();
        if (t === PANIC_STARS) { this.state = 'tail'; return this.took(l, 'ok'); }
        if (t.endsWith(PANIC_STARS)) {
          // 4.17 truncation: `<127 characters of message>****************************************`
          this.addLine(t.slice(0, t.length - PANIC_STARS.length));
          this.data.truncated = true;
          this.state = 'tail';
          return this.took(l, 'ok');
        }
        if (this.data.lines.length >= MAX_MSG_LINES || this.chars >= MAX_MSG_CHARS) return 'break';
        this.addLine(t);
        return this.took(l, 'ok');
      }
      case 'tail': {
        const t = body.trim();
        if (t === '') return this.took(l, 'ok');
        const a = ACTION.exec(t);
        if (a) {
          this.data.action = a[1];
          this.data.reboot = !a[1].startsWith('Manual');
          return this.took(l, 'done');
        }
        return 'done-before';
      }
    }
  }

  private took(l: XLine, r: PanicFeed): PanicFeed {
    if (l.endSeq > this.lastSeq) this.lastSeq = l.endSeq;
    return r;
  }

  private addLine(s: string): void {
    this.data.lines.push(s);
    this.chars += s.length;
  }

  finish(): PanicData {
    const d = this.data;
    d.message = d.lines.join('\n');
    const c = parseCause(d.message);
    if (c) d.cause = c;
    return d;
  }
}

const CAUSE_BUG = /^Xen (BUG|WARN) at (.*?):(\d+)$/;
const CAUSE_ASSERT = /^Assertion '(.*)' failed at (.*?):(\d+)$/;
const CAUSE_TRAP = /^CPU(\d+): Unexpected Trap: (.+)$/;

/** The panic message of a BUG, assertion or unexpected trap names its cause. */
export function parseCause(msg: string): Record<string, unknown> | undefined {
  const first = msg.split('\n', 1)[0];
  let m = CAUSE_BUG.exec(first);
  if (m) return { kind: m[1] === 'BUG' ? 'xen.bug' : 'xen.warn', file: m[2], line: Number(m[3]) };
  m = CAUSE_ASSERT.exec(first);
  if (m) return { kind: 'xen.assert', condition: m[1], file: m[2], line: Number(m[3]) };
  m = CAUSE_TRAP.exec(first);
  if (m) return { kind: 'xen.trap', cpu: Number(m[1]), trap: m[2] };
  if (first === 'bad mode') return { kind: 'xen.trap', trap: 'bad mode' };
  return undefined;
}
