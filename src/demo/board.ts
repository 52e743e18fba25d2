// The demo board: a replayed Xen boot that answers like a real board. CTRL-<conswitch> three
// times moves "serial input" to Xen (the boot replay holds still meanwhile) and back to DOM0;
// while input is on Xen, each debug key plays that key's real recorded answer, taken from the
// `answers` logs with the decoders; in DOM0, typed text is echoed like a shell. So `npm start`
// shows debug keys working with no hardware.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ReplaySource } from '../uart/replay.js';
import type { ReplayConfig } from '../uart/config.js';
import type { SourceOptions } from '../uart/base.js';
import { decodeText } from '../decoders/engine.js';

const FOCUS = (who: string, c: string) => `(XEN) *** Serial input to ${who} (type 'CTRL-${c}' three times to switch input)\r\n`;

/** Key -> recorded answer bytes (CRLF lines), from the first log that has it. */
export function loadAnswers(files: string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of files) {
    const text = readFileSync(f, 'latin1');
    const lines = text.split('\n').map((l) => l.replace(/\r+$/, ''));
    for (const e of decodeText(Buffer.from(text, 'latin1'), 'demo')) {
      if (e.kind !== 'xen.debugkey' || e.partial) continue;
      const key = String(e.data.key ?? '');
      if (key.length !== 1 || out.has(key)) continue;
      // Only the Xen lines of the answer: dom0 output recorded in between is not part of it.
      const block = lines.slice(e.firstSeq - 1, e.lastSeq).filter((l) => l.startsWith('(XEN)'));
      if (block.length) out.set(key, Buffer.from(block.join('\r\n') + '\r\n', 'latin1'));
    }
  }
  return out;
}

export class DemoBoardSource extends ReplaySource {
  private readonly answers: Map<string, Buffer>;
  private readonly switchByte: number;
  private readonly conswitch: string;
  private onXen = false;
  private ctrlRun = 0;
  private queue: Promise<void> = Promise.resolve();
  /** The last byte sent ended a line. */
  private atLineStart = true;

  constructor(cfg: ReplayConfig & { file: string }, opts: SourceOptions & { conswitch?: string; baseDir?: string } = {}) {
    super(cfg, opts);
    this.conswitch = (opts.conswitch ?? 'a').toLowerCase();
    this.switchByte = this.conswitch.charCodeAt(0) - 96;
    const base = opts.baseDir ?? process.cwd();
    this.answers = loadAnswers((cfg.answers ?? []).map((f) => path.resolve(base, f)));
  }

  override describe(): string {
    return `${super.describe()} (demo board: answers ${[...this.answers.keys()].sort().join('')})`;
  }

  /** Keys this board can answer. */
  get keys(): string[] {
    return [...this.answers.keys()];
  }

  /**
   * The boot is played without the key session recorded in it (from the first switch to Xen
   * after boot to the switch back): here the keys are the visitor's.
   */
  protected override prepare(raw: Buffer): Buffer {
    const text = raw.toString('latin1');
    const toXen = text.indexOf('*** Serial input to Xen');
    if (toXen < 0) return raw;
    const back = text.indexOf('*** Serial input to DOM0', toXen);
    const start = text.lastIndexOf('\n', toXen) + 1;
    const end = back < 0 ? text.length : text.indexOf('\n', back) + 1 || text.length;
    // Keep what was on the line before the switch (a glued prompt) as it was.
    const head = text.slice(start, toXen).replace(/\(XEN\) $/, '');
    return Buffer.from(text.slice(0, start) + head + text.slice(end), 'latin1');
  }

  protected override onWrite(data: Buffer): void {
    for (const b of data) {
      if (b === this.switchByte) {
        if (++this.ctrlRun === 3) {
          this.ctrlRun = 0;
          this.onXen = !this.onXen;
          if (this.onXen) this.pause();
          this.later(Buffer.from(FOCUS(this.onXen ? 'Xen' : 'DOM0', this.conswitch)), 30, true);
          if (!this.onXen) this.queue = this.queue.then(() => this.resume());
        }
        continue;
      }
      this.ctrlRun = 0;
      if (this.onXen) {
        const ans = this.answers.get(String.fromCharCode(b));
        if (ans) this.later(ans, 80, true);
      } else {
        // dom0 shell: echo, and a fresh prompt on Enter.
        this.later(b === 0x0d ? Buffer.from('\r\n/ # ') : Buffer.from([b]), 1);
      }
    }
  }

  protected override emitData(id: number, chunk: Buffer): void {
    if (chunk.length) this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    super.emitData(id, chunk);
  }

  /**
   * Answer after a short delay, in order, in chunks like a UART would deliver them. Xen's own
   * lines (`xen`) start on a line of their own, as Xen prints them: the replay may have been paused
   * half-way through one of its lines, and a switch line glued onto that `(XEN)` line would not be
   * read as a switch (nor would the daemon's focus follow the board).
   */
  private later(data: Buffer, delayMs: number, xen = false): void {
    this.queue = this.queue.then(async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      if (xen && !this.atLineStart) this.respond(Buffer.from('\r\n'));
      for (let i = 0; i < data.length; i += 1024) {
        this.respond(data.subarray(i, i + 1024));
        if (data.length > 1024) await new Promise((r) => setTimeout(r, 2));
      }
    });
  }
}
