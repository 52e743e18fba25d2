// Console control: everything that writes to a board. Input from the lease holder, Xen debug
// keys as one safe request (switch input to Xen, press, capture the answer, switch back, verify),
// BREAK and SysRq. Every write is put into the console's history as an `audit` record.
import type { ConsoleRuntime } from '../core/console.js';
import type { Principal } from '../server/auth.js';
import { ROLE_RANK } from '../server/auth.js';
import type { RecordMessage, EventMessage, LineMessage } from '../protocol/messages.js';
import { demux } from '../decoders/demux.js';
import { Lease, LeaseError, publicHolder } from './lease.js';
import { DANGEROUS_KEYS, KEY_CHARS, isDangerous, switchByte } from './keys.js';

export interface ControlOptions {
  conswitch: string;
  /** The answer to a key is complete after this much silence from Xen. */
  quietMs: number;
  /** Xen must start answering a key (or confirm a switch) within this. */
  answerTimeoutMs: number;
  /** Upper bound of one key's capture. */
  maxCaptureMs: number;
  /** Key requests allowed per console per minute. */
  keysPerMinute: number;
}

export class ControlError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface KeyResult {
  key: string;
  description?: string;
  firstSeq: number;
  lastSeq: number;
  lines: Array<{ seq: number; ts: number; text: string }>;
  events: EventMessage[];
  timedOut?: boolean;
}

export interface KeysReply {
  console: string;
  keys: KeyResult[];
  focus: { before: string; during: string; after: string };
  lines: Array<{ seq: number; ts: number; text: string }>;
  events: EventMessage[];
  ms: number;
}

type Waiter = (r: RecordMessage) => void;

/** One queue: requests that write run one after another. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.then(() => undefined, () => undefined);
    return p;
  }
}

export class ConsoleControl {
  readonly rt: ConsoleRuntime;
  readonly lease = new Lease();
  readonly opts: ControlOptions;
  private readonly mutex = new Mutex();
  private readonly waiters = new Set<Waiter>();
  private keyTimes: number[] = [];

  constructor(rt: ConsoleRuntime, opts: ControlOptions) {
    this.rt = rt;
    this.opts = opts;
    rt.on('records', (recs) => {
      if (this.waiters.size === 0) return;
      for (const r of recs) for (const w of [...this.waiters]) w(r);
    });
    this.lease.on('change', (c) => {
      this.rt.record('audit', {
        action: `lease.${c.action}`,
        by: c.by,
        holder: publicHolder(c.holder),
        previous: publicHolder(c.previous),
      });
      this.rt.emit('lease', c);
    });
  }

  get focus(): string {
    return this.rt.focus;
  }

  private audit(p: Principal, action: string, data: Record<string, unknown>): void {
    this.rt.record('audit', { action, by: p.name, role: p.role, ...data });
  }

  private requireWriter(p: Principal): void {
    if (ROLE_RANK[p.role] < ROLE_RANK.operator) throw new ControlError(403, 'forbidden', `writing needs role operator; "${p.name}" has role ${p.role}`);
    const h = this.lease.holder;
    if (!h) throw new ControlError(409, 'no-lease', 'take the write lease first (POST /api/v1/consoles/:id/lease)');
    if (!this.lease.heldBy(p)) throw new ControlError(409, 'lease-held', `the write lease is held by "${h.name}"`);
  }

  /**
   * Interactive input from the lease holder. While Xen has the input focus, every character is a
   * debug key (`R` reboots): typed input is refused unless the client says it means it.
   */
  async input(p: Principal, data: Buffer, opts: { force?: boolean } = {}): Promise<void> {
    this.requireWriter(p);
    if (this.focus === 'xen' && !opts.force && !isOnlySwitch(data, this.opts.conswitch)) {
      throw new ControlError(409, 'focus-xen', 'serial input is on Xen: each character would be a debug key. Use the debug-key request, switch input back to dom0, or send with force: true');
    }
    await this.mutex.run(async () => {
      await this.write(data);
      this.audit(p, 'input', { bytes: data.length, text: printable(data), ...(opts.force ? { force: true } : {}) });
    });
  }

  private async write(data: Buffer): Promise<void> {
    try {
      await this.rt.write(data);
    } catch (e) {
      throw new ControlError(503, 'console-down', `cannot write to ${this.rt.id}: ${(e as Error).message}`);
    }
  }

  async sendBreak(p: Principal, ms: number, sysrq?: string): Promise<{ ms: number; sysrq?: string }> {
    this.requireWriter(p);
    if (!this.rt.source.canBreak) throw new ControlError(409, 'no-break', `${this.rt.source.describe()} cannot send a BREAK`);
    return this.mutex.run(async () => {
      try {
        await this.rt.source.sendBreak(ms);
      } catch (e) {
        throw new ControlError(503, 'break-failed', `BREAK failed: ${(e as Error).message}`);
      }
      if (sysrq) await this.write(Buffer.from(sysrq, 'latin1'));
      this.audit(p, 'break', { ms, ...(sysrq ? { sysrq } : {}) });
      return { ms, ...(sysrq ? { sysrq } : {}) };
    });
  }

  private rateCheck(): void {
    const now = Date.now();
    this.keyTimes = this.keyTimes.filter((t) => now - t < 60_000);
    if (this.keyTimes.length >= this.opts.keysPerMinute) {
      throw new ControlError(429, 'rate-limited', `at most ${this.opts.keysPerMinute} debug-key requests a minute on this console; try again in ${Math.ceil((60_000 - (now - this.keyTimes[0])) / 1000)} s`);
    }
    this.keyTimes.push(now);
  }

  /**
   * Press Xen debug keys as one request. Takes the lease for the duration if nobody holds it,
   * switches input to Xen if needed, presses each key and captures its answer, switches back to
   * where input was and verifies, releases. Works while dom0 is hung: only Xen must be alive.
   */
  async keys(p: Principal, keys: string, opts: { confirm?: boolean } = {}): Promise<KeysReply> {
    if (!KEY_CHARS.test(keys) || keys.length > 16) throw new ControlError(400, 'bad-keys', 'keys: 1 to 16 printable characters, e.g. "q" or "dq0"');
    if (ROLE_RANK[p.role] < ROLE_RANK.operator) throw new ControlError(403, 'forbidden', `debug keys need role operator; "${p.name}" has role ${p.role}`);
    const dangerous = [...keys].filter(isDangerous);
    if (dangerous.length) {
      const what = dangerous.map((k) => `'${k}' ${DANGEROUS_KEYS[k]}`).join(', ');
      if (p.role !== 'admin') throw new ControlError(403, 'forbidden', `${what}: needs role admin`);
      if (!opts.confirm) throw new ControlError(400, 'confirm', `${what}: send confirm: true to press it`);
    }
    const holder = this.lease.holder;
    if (holder && !this.lease.heldBy(p)) throw new ControlError(409, 'lease-held', `the write lease is held by "${holder.name}"`);
    this.rateCheck();
    return this.mutex.run(async () => {
      const t0 = Date.now();
      const tookLease = !this.lease.holder;
      if (tookLease) this.lease.take(p);
      const before = this.focus;
      const results: KeyResult[] = [];
      let during = before;
      try {
        await this.switchTo('xen');
        during = this.focus;
        for (const k of keys) results.push(await this.pressOne(k));
      } finally {
        // Back to where input was (dom0 when that was not known), and check it got there.
        const back = before === 'unknown' || before === 'xen' ? (before === 'xen' ? 'xen' : 'dom0') : before;
        let restoreError: unknown;
        try {
          await this.switchTo(back);
        } catch (e) {
          restoreError = e;
        }
        this.audit(p, 'keys', { keys, focusBefore: before, focusAfter: this.focus, ...(restoreError ? { error: (restoreError as Error).message } : {}) });
        if (tookLease && this.lease.heldBy(p)) this.lease.release(p);
        if (restoreError && results.length === keys.length) throw restoreError;
      }
      return {
        console: this.rt.id,
        keys: results,
        focus: { before, during, after: this.focus },
        lines: results.flatMap((r) => r.lines),
        events: results.flatMap((r) => r.events),
        ms: Date.now() - t0,
      };
    });
  }

  /** Press CTRL-<conswitch> three times until focus is `target` (Xen cycles Xen → DOM0 → DOMn → Xen). */
  private async switchTo(target: string): Promise<void> {
    const ctrl = Buffer.alloc(3, switchByte(this.opts.conswitch));
    for (let i = 0; i < 10 && this.focus !== target; i++) {
      const changed = this.waitFor((r) => r.type === 'event' && r.kind === 'xen.focus', this.opts.answerTimeoutMs);
      await this.write(ctrl);
      if (!(await changed)) {
        throw new ControlError(504, 'xen-timeout', `Xen did not confirm the input switch within ${this.opts.answerTimeoutMs} ms (no "*** Serial input to ..." line): is Xen alive, and is conswitch "${this.opts.conswitch}"?`);
      }
    }
    if (this.focus !== target) throw new ControlError(502, 'focus', `could not switch serial input to ${target} (it is on ${this.focus})`);
  }

  /** Resolve with the first record matching within the timeout, or undefined. */
  private waitFor(pred: (r: RecordMessage) => boolean, ms: number): Promise<RecordMessage | undefined> {
    return new Promise((resolve) => {
      const w: Waiter = (r) => {
        if (!pred(r)) return;
        cleanup();
        resolve(r);
      };
      const timer = setTimeout(() => { cleanup(); resolve(undefined); }, ms);
      const cleanup = () => { clearTimeout(timer); this.waiters.delete(w); };
      this.waiters.add(w);
    });
  }

  /** Press one key; capture Xen's answer until Xen has been quiet for quietMs. dom0 lines in between are left out. */
  private async pressOne(key: string): Promise<KeyResult> {
    const firstSeq = this.rt.nextSeq;
    const xenLines: Array<{ seq: number; ts: number; text: string }> = [];
    const events: EventMessage[] = [];
    let lastXen = 0;
    const onRec: Waiter = (r) => {
      if (r.type === 'line') {
        if (isXenLine(r)) { xenLines.push({ seq: r.seq, ts: r.ts, text: r.text }); lastXen = Date.now(); }
      } else if (r.type === 'event' && r.firstSeq >= firstSeq && r.kind.startsWith('xen.') && r.kind !== 'xen.milestone') {
        events.push(r);
      }
    };
    this.waiters.add(onRec);
    const started = Date.now();
    let timedOut = false;
    try {
      await this.write(Buffer.from(key, 'latin1'));
      for (;;) {
        await sleep(Math.min(50, this.opts.quietMs / 4));
        const now = Date.now();
        if (lastXen === 0 && now - started > this.opts.answerTimeoutMs) { timedOut = true; break; }
        if (lastXen !== 0 && now - lastXen >= this.opts.quietMs) break;
        if (now - started > this.opts.maxCaptureMs) { timedOut = lastXen === 0; break; }
      }
      // Blocks whose end only silence can show (the last register dump) come out now.
      this.rt.flushDecoders('idle: key answer complete');
    } finally {
      this.waiters.delete(onRec);
    }
    if (timedOut && xenLines.length === 0) {
      throw new ControlError(504, 'xen-timeout', `Xen did not answer key '${key}' within ${this.opts.answerTimeoutMs} ms`);
    }
    const header = events.find((e) => e.kind === 'xen.debugkey');
    const lastSeq = xenLines.length ? xenLines[xenLines.length - 1].seq : firstSeq;
    return {
      key,
      ...(typeof header?.data.description === 'string' ? { description: header.data.description } : {}),
      firstSeq: xenLines[0]?.seq ?? firstSeq,
      lastSeq,
      lines: xenLines,
      events: events.filter((e) => e.lastSeq <= lastSeq || e.firstSeq <= lastSeq),
      ...(timedOut ? { timedOut } : {}),
    };
  }
}

function isXenLine(l: LineMessage): boolean {
  if (l.text.startsWith('(XEN)')) return true;
  if (l.text.indexOf('(XEN) ') < 0) return false;
  return demux({ seq: l.seq, ts: l.ts, text: l.text }).some((t) => t.stream === 'xen');
}

function isOnlySwitch(data: Buffer, conswitch: string): boolean {
  const b = switchByte(conswitch);
  return data.length > 0 && data.every((x) => x === b);
}

function printable(data: Buffer): string {
  const s = data.toString('latin1');
  return s.length > 200 ? JSON.stringify(s.slice(0, 200)) + '…' : JSON.stringify(s);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { LeaseError };
