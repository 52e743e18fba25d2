// Bytes into numbered lines. One framer per console; it is synchronous and does no I/O, so the
// caller (the console pipeline) owns the idle timer that flushes a partial line.
//
// Line endings: a line ends at the first CR or LF. What follows is absorbed as part of the same
// terminator: after a CR, more CRs and one LF; after an LF, CRs. So CRLF, LFCR and the `\r\r\n`
// seen on Xen hvc consoles each end one line, while LF LF and CRLF CRLF still give an empty line.
// Emitting at the first terminator byte keeps latency at one chunk.

import { bytesText, isPlainByte } from './ansi.js';

export interface FramedLine {
  /** Per-console sequence number, only ever grows. */
  seq: number;
  /** Host receive time (ms since the epoch) of the line's first byte. */
  ts: number;
  /** Display text: UTF-8 decoded (lossy), ANSI escapes and control characters removed. */
  text: string;
  /** Flushed after an idle gap with no line ending (a shell prompt); the rest of that physical line, if any, comes as a new line marked `cont`. */
  partial?: true;
  /** This line continues a physical line whose earlier part was flushed as partial or cut. */
  cont?: true;
  /** Cut at the length cap: the physical line goes on in the next record. */
  cut?: true;
  /** Byte offset of the line's first byte in the console's raw stream. */
  offset: number;
  /** Bytes of line content (terminators excluded). */
  length: number;
}

export interface FramerOptions {
  /** Seq of the next line (continues across restarts). */
  nextSeq: number;
  /** Raw stream offset of the next byte pushed. */
  offset: number;
  /** Lines longer than this many bytes are cut. Xen and Linux both cap a printk at 1 KiB. */
  maxLineBytes?: number;
  onLine: (line: FramedLine) => void;
}

const CR = 0x0d;
const LF = 0x0a;
const enum After { None, CR, LF }

export class LineFramer {
  private nextSeq: number;
  private offset: number;
  private readonly maxLineBytes: number;
  private readonly onLine: (line: FramedLine) => void;
  /** The open line's bytes: the first run as (buffer, start, end) without a copy, later runs in `more`. */
  private firstBuf: Buffer | undefined;
  private firstFrom = 0;
  private firstTo = 0;
  private more: Buffer[] = [];
  private partLen = 0;
  /** The open line holds a byte that plain ASCII decoding would get wrong (>= 0x80, a control, an escape). */
  private dirty = false;
  private lineStart = -1;
  private lineTs = 0;
  private after: After = After.None;
  private continuing = false;

  constructor(opts: FramerOptions) {
    this.nextSeq = opts.nextSeq;
    this.offset = opts.offset;
    this.maxLineBytes = Math.max(16, opts.maxLineBytes ?? 8192);
    this.onLine = opts.onLine;
  }

  get seq(): number { return this.nextSeq; }
  get bytes(): number { return this.offset; }
  /** Raw offset where the open (unterminated) line starts, or -1. */
  get openLineOffset(): number { return this.partLen > 0 ? this.lineStart : -1; }
  /** True when bytes of an unterminated line are waiting. */
  get pending(): boolean { return this.partLen > 0; }

  push(chunk: Buffer, ts: number): void {
    const n = chunk.length;
    let i = 0;
    let segStart = 0; // start of the current content run inside chunk
    while (i < n) {
      const b = chunk[i];
      if (b === CR || b === LF) {
        if (this.after === After.None) {
          this.take(chunk, segStart, i, ts, false);
          this.emit(false);
          this.after = b === CR ? After.CR : After.LF;
        } else if (this.after === After.CR) {
          if (b === LF) this.after = After.LF; // CR LF, or CR CR LF
        } else if (b === LF) {
          // LF after LF(+CRs): an empty line.
          this.startLine(this.offset + i, ts);
          this.emit(false);
        }
        i++;
        segStart = i;
        continue;
      }
      // Content byte: find the end of the run quickly, noting whether it is plain printable ASCII
      // (then its text is the bytes as they are, without the UTF-8 decoder and escape stripping).
      this.after = After.None;
      let dirty = !isPlainByte(b);
      let j = i + 1;
      while (j < n) {
        const c = chunk[j];
        if (c === CR || c === LF) break;
        if (!isPlainByte(c)) dirty = true;
        j++;
      }
      this.take(chunk, i, j, ts, dirty);
      i = j;
      segStart = j;
    }
    this.offset += n;
  }

  /** Flush an unterminated line (idle gap): emitted with `partial: true`. */
  flushPartial(): void {
    if (this.partLen === 0) return;
    this.emit(true);
  }

  private startLine(off: number, ts: number): void {
    this.lineStart = off;
    this.lineTs = ts;
  }

  /** Append chunk[from, to) to the current line, cutting at the cap. */
  private take(chunk: Buffer, from: number, to: number, ts: number, dirty: boolean): void {
    while (from < to) {
      if (this.partLen === 0) this.startLine(this.offset + from, ts);
      const room = this.maxLineBytes - this.partLen;
      const end = Math.min(to, from + room);
      let cutAt = end;
      if (end < to) cutAt = utf8Boundary(chunk, from, end);
      if (this.firstBuf === undefined) {
        this.firstBuf = chunk;
        this.firstFrom = from;
        this.firstTo = cutAt;
      } else this.more.push(chunk.subarray(from, cutAt));
      this.partLen += cutAt - from;
      if (dirty) this.dirty = true;
      from = cutAt;
      if (from < to || this.partLen >= this.maxLineBytes) {
        if (from < to) this.emit(false, true);
      }
    }
  }

  private emit(partial: boolean, cut = false): void {
    if (this.partLen === 0 && this.lineStart < 0) {
      // A terminator right after a partial flush ends that physical line: nothing to emit.
      if (!partial) this.continuing = false;
      return;
    }
    const line: FramedLine = {
      seq: this.nextSeq++,
      ts: this.lineTs,
      text: this.text(),
      offset: this.lineStart,
      length: this.partLen,
    };
    if (partial) line.partial = true;
    if (cut) line.cut = true;
    if (this.continuing) line.cont = true;
    this.continuing = partial || cut;
    this.firstBuf = undefined;
    if (this.more.length) this.more = [];
    this.partLen = 0;
    this.dirty = false;
    this.lineStart = -1;
    this.onLine(line);
  }

  /** The open line's display text. */
  private text(): string {
    const first = this.firstBuf;
    if (first === undefined) return '';
    if (this.more.length === 0) return bytesText(first, this.firstFrom, this.firstTo, !this.dirty);
    const bytes = Buffer.concat([first.subarray(this.firstFrom, this.firstTo), ...this.more], this.partLen);
    return bytesText(bytes, 0, bytes.length, !this.dirty);
  }
}

/** Largest index <= end (and > from) that does not split a UTF-8 sequence. */
function utf8Boundary(buf: Buffer, from: number, end: number): number {
  let k = end;
  // Step back over continuation bytes (10xxxxxx), at most 3.
  for (let s = 0; s < 3 && k > from + 1 && (buf[k] & 0xc0) === 0x80; s++) k--;
  return (buf[k] & 0xc0) === 0x80 ? end : k;
}

/** Frame a whole text or buffer at once (offline decoding, tests): seq starts at `firstSeq`. */
export function frameAll(input: string | Buffer, firstSeq = 1, ts = 0): FramedLine[] {
  const out: FramedLine[] = [];
  const f = new LineFramer({ nextSeq: firstSeq, offset: 0, onLine: (l) => out.push(l) });
  f.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, ts);
  f.flushPartial();
  return out;
}
