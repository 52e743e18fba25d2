// The line index is stored in blocks: one SQLite row holds up to BLOCK_LINES consecutive lines:
// their receive times, raw offsets, lengths and flags packed in a small binary column. The text
// is not stored again: a line's text is, by construction of the framer, the display text of its
// own raw bytes (lineText of raw[offset, offset + length)), and the raw segments keep those bytes.
// A row per line, with its text, made SQLite the largest cost of ingest (a statement row, a B-tree
// entry and a copy of every byte through the WAL); a row per block costs almost nothing per line.
//
// Packed line record, one after another: flags (u8; bit 3 = a receive time follows), the gap from
// the previous line's end to this line's start (varint; the first line's is from the block's
// `off`), the content length (varint), then the receive time (f64 LE) when it differs from the
// previous line's (lines of one received chunk share it).
import { bytesText } from '../framing/ansi.js';

export const F_PARTIAL = 1;
export const F_CONT = 2;
export const F_CUT = 4;
const F_TS = 8;

/** Lines per block at most, and raw bytes per block at most (whichever comes first). */
export const BLOCK_LINES = 256;
export const BLOCK_BYTES = 32 * 1024;

export interface BlockRow {
  first_seq: number;
  last_seq: number;
  first_ts: number;
  last_ts: number;
  /** Raw offsets: the first line's first byte, one past the last line's last content byte. */
  off: number;
  end_off: number;
  meta: Buffer;
}

export interface BlockLine {
  seq: number;
  ts: number;
  text: string;
  offset: number;
  length: number;
  flags: number;
}

/** The flags of a framed line as the index packs them. */
export function flagsOf(l: { partial?: boolean; cont?: boolean; cut?: boolean }): number {
  return (l.partial ? F_PARTIAL : 0) | (l.cont ? F_CONT : 0) | (l.cut ? F_CUT : 0);
}

/**
 * Lines waiting for the next flush, as numbers in one growing array: no line object (nor its
 * text) lives until the flush, so the collector never has to copy them out of the young generation.
 */
export class PendingLines {
  private buf = new Float64Array(5 * 4096);
  length = 0;

  /** One line: what the index keeps of it (its text comes back from the raw bytes). */
  push(seq: number, ts: number, offset: number, length: number, flags: number): void {
    let p = this.length * 5;
    if (p + 5 > this.buf.length) {
      const b = new Float64Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    const buf = this.buf;
    buf[p++] = seq;
    buf[p++] = ts;
    buf[p++] = offset;
    buf[p++] = length;
    buf[p] = flags;
    this.length++;
  }

  clear(): void { this.length = 0; }

  seq(i: number): number { return this.buf[i * 5]; }
  ts(i: number): number { return this.buf[i * 5 + 1]; }
  offset(i: number): number { return this.buf[i * 5 + 2]; }
  len(i: number): number { return this.buf[i * 5 + 3]; }
  flags(i: number): number { return this.buf[i * 5 + 4]; }
}

/** Grouping of pending lines into block rows: consecutive seqs only, bounded in lines and bytes. */
export function packBlocks(p: PendingLines): BlockRow[] {
  const out: BlockRow[] = [];
  const n = p.length;
  let i = 0;
  const meta = new MetaWriter();
  while (i < n) {
    meta.reset();
    const first = p.offset(i);
    let prevEnd = first;
    let prevTs = NaN;
    let j = i;
    for (; j < n && j - i < BLOCK_LINES; j++) {
      const off = p.offset(j);
      const len = p.len(j);
      const ts = p.ts(j);
      if (j > i && (p.seq(j) !== p.seq(j - 1) + 1 || off < prevEnd || off + len - first > BLOCK_BYTES)) break;
      const flags = p.flags(j) | (ts !== prevTs ? F_TS : 0);
      meta.byte(flags);
      meta.varint(off - prevEnd);
      meta.varint(len);
      if (flags & F_TS) meta.f64(ts);
      prevEnd = off + len;
      prevTs = ts;
    }
    out.push({ first_seq: p.seq(i), last_seq: p.seq(j - 1), first_ts: p.ts(i), last_ts: p.ts(j - 1), off: first, end_off: prevEnd, meta: meta.take() });
    i = j;
  }
  return out;
}

/**
 * Every line of a block row, in seq order. `raw` holds the stream bytes from offset `rawOff` on,
 * as far as they are kept (a line whose bytes are missing, or every line when `raw` is not given,
 * gets an empty text).
 */
export function unpackBlock(row: BlockRow, raw?: Buffer, rawOff = row.off): BlockLine[] {
  const n = row.last_seq - row.first_seq + 1;
  const m = row.meta;
  const out: BlockLine[] = new Array(n);
  let p = 0;
  let end = row.off;
  let ts = 0;
  for (let k = 0; k < n; k++) {
    const flags = m[p++];
    let gap = 0;
    for (let shift = 1; ; shift *= 128) { const b = m[p++]; gap += (b & 0x7f) * shift; if (b < 0x80) break; }
    let len = 0;
    for (let shift = 1; ; shift *= 128) { const b = m[p++]; len += (b & 0x7f) * shift; if (b < 0x80) break; }
    if (flags & F_TS) { ts = m.readDoubleLE(p); p += 8; }
    const offset = end + gap;
    end = offset + len;
    const a = offset - rawOff;
    const text = raw !== undefined && a >= 0 && a + len <= raw.length ? bytesText(raw, a, a + len) : '';
    out[k] = { seq: row.first_seq + k, ts, text, offset, length: len, flags: flags & ~F_TS };
  }
  return out;
}

/** A growable byte buffer for the packed records (reused across blocks). */
class MetaWriter {
  private buf = Buffer.allocUnsafe(8192);
  private n = 0;

  reset(): void { this.n = 0; }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }

  byte(v: number): void { this.room(1); this.buf[this.n++] = v; }

  /** Unsigned LEB128 for any safe integer (offsets pass 2^32). */
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) { this.buf[this.n++] = (v % 128) | 0x80; v = Math.floor(v / 128); }
    this.buf[this.n++] = v;
  }

  f64(v: number): void { this.room(8); this.buf.writeDoubleLE(v, this.n); this.n += 8; }

  take(): Buffer { return Buffer.from(this.buf.subarray(0, this.n)); }
}
