// The console view: xterm.js showing a window of lines. Live lines are appended while the view is
// at the head and following; scrolling up pauses, scrolling to the top loads older lines from the
// history, and a jump (search hit, panic, evidence link) shows the lines around a seq, highlighted.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import type { Line } from './api';

export type FetchLines = (q: { from?: number; to?: number; limit: number; order: 'asc' | 'desc' }) => Promise<{ lines: Line[]; more: boolean }>;

const MAX_LINES = 20000;
const HOLD_MAX = 5000;

export class TermView {
  readonly term: Terminal;
  private readonly fitAddon = new FitAddon();
  private lines: Line[] = [];
  /** The window ends at the newest line: live lines belong right after it. */
  atHead = true;
  follow = true;
  private held: Line[] = [];
  /** Live lines not shown while the view is elsewhere in the history. */
  missed = 0;
  headSeq = -1;
  private hl: { from: number; to: number } | null = null;
  private noOlder = false;
  private busy = false;
  private quiet = 0;
  onChange: () => void = () => {};

  constructor(readonly el: HTMLElement, private readonly fetchLines: FetchLines) {
    this.term = new Terminal({
      scrollback: 60000,
      fontSize: 13,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      cursorBlink: false,
      convertEol: false,
      allowProposedApi: false,
      theme: { background: '#0d1117', foreground: '#d7dde5', cursor: '#5ec8e5', selectionBackground: '#3a4b63' },
    });
    this.term.loadAddon(this.fitAddon);
    this.term.open(el);
    this.fit();
    new ResizeObserver(() => this.fit()).observe(el);
    this.term.onScroll(() => this.scrolled());
    el.addEventListener('wheel', (e) => {
      if (e.deltaY < 0 && this.term.buffer.active.viewportY === 0) void this.loadOlder();
    }, { passive: true });
  }

  fit(): void {
    if (this.el.clientWidth > 0 && this.el.clientHeight > 0) {
      try {
        this.fitAddon.fit();
      } catch {
        /* not laid out yet */
      }
    }
  }

  get firstSeq(): number {
    return this.lines[0]?.seq ?? -1;
  }

  get lastSeq(): number {
    return this.lines[this.lines.length - 1]?.seq ?? -1;
  }

  get shown(): number {
    return this.lines.length;
  }

  get highlight(): { from: number; to: number } | null {
    return this.hl;
  }

  private fmt(l: Line, first: boolean): string {
    let t = l.text;
    if (this.hl && l.seq >= this.hl.from && l.seq <= this.hl.to) t = `\x1b[30;103m${t || ' '}\x1b[0m`;
    else if (t.startsWith('(XEN)')) t = `\x1b[36m(XEN)\x1b[0m${t.slice(5)}`;
    return (first || l.cont ? '' : '\r\n') + t;
  }

  private write(lines: Line[], first: boolean, done?: () => void): void {
    let s = '';
    lines.forEach((l, i) => (s += this.fmt(l, first && i === 0)));
    this.term.write(s, done);
  }

  private render(done?: () => void): void {
    this.quiet++;
    this.term.reset();
    this.write(this.lines, true, () => {
      this.quiet--;
      done?.();
    });
  }

  /** Live lines from the stream (history replay included). */
  live(lines: Line[]): void {
    this.headSeq = lines[lines.length - 1].seq;
    if (!this.atHead) {
      this.missed += lines.length;
    } else if (!this.follow) {
      this.held.push(...lines);
      if (this.held.length > HOLD_MAX) {
        // Too much to keep: the window is no longer at the head; catching up refetches.
        this.missed += this.held.length;
        this.held = [];
        this.atHead = false;
      }
    } else {
      const first = this.lines.length === 0;
      this.lines.push(...lines);
      if (this.lines.length > MAX_LINES) {
        this.lines.splice(0, this.lines.length - MAX_LINES);
        this.noOlder = false;
      }
      this.write(lines, first, () => this.term.scrollToBottom());
    }
    this.onChange();
  }

  /** Reset (another console). */
  clear(): void {
    this.lines = [];
    this.held = [];
    this.missed = 0;
    this.hl = null;
    this.atHead = true;
    this.follow = true;
    this.noOlder = false;
    this.headSeq = -1;
    this.term.reset();
    this.onChange();
  }

  pause(): void {
    if (!this.follow) return;
    this.follow = false;
    this.onChange();
  }

  /** Back to the newest lines, following. */
  async goLive(): Promise<void> {
    this.hl = null;
    if (this.atHead) {
      const held = this.held;
      this.held = [];
      this.follow = true;
      this.lines.push(...held);
      this.render(() => this.term.scrollToBottom());
      this.onChange();
      return;
    }
    this.busy = true;
    try {
      const r = await this.fetchLines({ limit: 2000, order: 'desc' });
      const lines = r.lines.reverse();
      this.lines = lines;
      this.noOlder = false;
      this.atHead = true;
      this.follow = true;
      this.missed = 0;
      this.held = [];
      this.render(() => this.term.scrollToBottom());
    } finally {
      this.busy = false;
      this.onChange();
    }
  }

  /**
   * Show lines `from..to` highlighted, with context around them. The view pauses there; live
   * lines keep arriving (counted) until Follow is pressed.
   */
  async jumpTo(from: number, to = from): Promise<void> {
    this.busy = true;
    try {
      const r = await this.fetchLines({ from: Math.max(0, from - 200), limit: Math.max(600, to - from + 400), order: 'asc' });
      this.lines = r.lines;
      this.hl = { from, to };
      this.follow = false;
      this.held = [];
      this.noOlder = false;
      this.atHead = !r.more && this.lastSeq >= this.headSeq;
      this.missed = 0;
      await new Promise<void>((resolve) => this.render(resolve));
      this.scrollToSeq(from);
    } finally {
      this.busy = false;
      this.onChange();
    }
  }

  /** The buffer row where the line `seq` starts, counted from the last written row. */
  rowOf(seq: number): number {
    const idx = this.lines.findIndex((l) => l.seq >= seq);
    if (idx < 0) return -1;
    let phys = 0;
    for (let i = 1; i <= idx; i++) if (!this.lines[i].cont) phys++;
    let totalPhys = 0;
    for (let i = 1; i < this.lines.length; i++) if (!this.lines[i].cont) totalPhys++;
    let fromEnd = totalPhys - phys; // physical lines after the target's
    const b = this.term.buffer.active;
    let row = b.baseY + b.cursorY;
    for (; row >= 0; row--) {
      const line = b.getLine(row);
      if (line && !line.isWrapped) {
        if (fromEnd === 0) return row;
        fromEnd--;
      }
    }
    return 0;
  }

  scrollToSeq(seq: number): void {
    const row = this.rowOf(seq);
    if (row < 0) return;
    this.quiet++;
    this.term.scrollToLine(Math.max(0, row - 3));
    this.quiet--;
  }

  /** Seq of the line at the top of the viewport. */
  topSeq(): number {
    const b = this.term.buffer.active;
    let starts = 0;
    for (let r = 0; r <= b.viewportY; r++) if (!b.getLine(r)?.isWrapped) starts++;
    let phys = 0;
    for (let i = 0; i < this.lines.length; i++) {
      if (i === 0 || !this.lines[i].cont) phys++;
      if (phys === starts) return this.lines[i].seq;
    }
    return this.firstSeq;
  }

  private scrolled(): void {
    if (this.quiet > 0 || this.busy) return;
    const b = this.term.buffer.active;
    if (b.viewportY === 0 && b.baseY > 0) void this.loadOlder();
    if (this.follow && b.viewportY < b.baseY - 1) this.pause();
    else if (!this.follow && this.atHead && !this.hl && b.viewportY >= b.baseY) void this.goLive();
  }

  /** Prepend older lines from the history, keeping the same line at the top. */
  async loadOlder(): Promise<void> {
    if (this.busy || this.noOlder || this.lines.length === 0) return;
    const first = this.firstSeq;
    if (first <= 0) {
      this.noOlder = true;
      return;
    }
    this.busy = true;
    try {
      const top = this.topSeq();
      const r = await this.fetchLines({ to: first - 1, limit: 1000, order: 'desc' });
      if (r.lines.length === 0) {
        this.noOlder = true;
        return;
      }
      const older = r.lines.reverse();
      this.lines = [...older, ...this.lines];
      if (this.lines.length > MAX_LINES) {
        // Keep the older part: the newest lines come back with Follow.
        this.lines.length = MAX_LINES;
        this.atHead = false;
      }
      if (this.follow) this.follow = false;
      await new Promise<void>((resolve) => this.render(resolve));
      this.scrollToSeq(top);
      // scrollToSeq leaves 3 lines of context above; keep the old top line exactly at the top.
      this.quiet++;
      this.term.scrollLines(3);
      this.quiet--;
    } finally {
      this.busy = false;
      this.onChange();
    }
  }

  /** Plain text of the lines on screen (for tests and copy). */
  visibleText(): string {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let r = b.viewportY; r < b.viewportY + this.term.rows; r++) out.push(b.getLine(r)?.translateToString(true) ?? '');
    return out.join('\n');
  }
}
