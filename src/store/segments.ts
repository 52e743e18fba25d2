// Append-only raw segment files: every received byte, byte-exact, in files named by the stream
// offset of their first byte (`0000000000000000.seg`). Only this module touches them.
import { closeSync, fsync, fsyncSync, ftruncateSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import path from 'node:path';

interface Segment { start: number; size: number; file: string }

const NAME = /^([0-9a-f]{16})\.seg$/;

export class SegmentLog {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private segments: Segment[] = [];
  private fd = -1;
  private dirty = false;
  /** The segment last read, kept open: a query reads many small ranges, mostly of one segment. */
  private reader: { file: string; fd: number } | undefined;

  constructor(dir: string, segmentBytes: number) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir).sort()) {
      const m = NAME.exec(f);
      if (!m) continue;
      const file = path.join(dir, f);
      const fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      closeSync(fd);
      this.segments.push({ start: parseInt(m[1], 16), size, file });
    }
  }

  /** Offset one past the last byte stored. */
  get end(): number {
    const last = this.segments.at(-1);
    return last ? last.start + last.size : 0;
  }

  /** Offset of the oldest byte still kept. */
  get start(): number {
    return this.segments[0]?.start ?? 0;
  }

  get totalBytes(): number {
    return this.end - this.start;
  }

  /** Cut the log back to `end` (bytes written but never committed to the index, after a crash). */
  truncate(end: number): void {
    this.closeFd();
    this.closeReader();
    while (this.segments.length && this.segments.at(-1)!.start >= end && this.segments.at(-1)!.start > 0) {
      const s = this.segments.pop()!;
      unlinkSync(s.file);
    }
    const last = this.segments.at(-1);
    if (last && last.start + last.size > end) {
      const fd = openSync(last.file, 'r+');
      ftruncateSync(fd, Math.max(0, end - last.start));
      closeSync(fd);
      last.size = Math.max(0, end - last.start);
    }
  }

  /** Start a fresh log at `offset` when the index says the stream continues past what is on disk. */
  ensureEnd(offset: number): void {
    if (this.end === offset) return;
    if (this.end > offset) { this.truncate(offset); return; }
    // Bytes between end and offset are gone (deleted by hand?); continue in a new segment.
    this.closeFd();
    this.segments.push({ start: offset, size: 0, file: path.join(this.dir, name(offset)) });
    closeSync(openSync(this.segments.at(-1)!.file, 'a'));
  }

  /**
   * Append bytes: one buffer or the chunks queued since the last flush, written with one writev per
   * segment (no copy into one buffer first). A chunk that crosses a segment's end is split there.
   */
  append(data: Buffer | readonly Buffer[]): void {
    const bufs: Buffer[] = Array.isArray(data) ? data.slice() : [data as Buffer];
    let i = 0;
    while (i < bufs.length) {
      let last = this.segments.at(-1);
      if (!last || last.size >= this.segmentBytes) {
        this.closeFd();
        const start = this.end;
        last = { start, size: 0, file: path.join(this.dir, name(start)) };
        this.segments.push(last);
      }
      if (this.fd < 0) this.fd = openSync(last.file, 'a');
      // The chunks that fit in this segment; the one that crosses its end is split.
      const room = this.segmentBytes - last.size;
      const batch: Buffer[] = [];
      let n = 0;
      while (i < bufs.length && n < room) {
        const b = bufs[i];
        if (n + b.length <= room) { batch.push(b); n += b.length; i++; continue; }
        batch.push(b.subarray(0, room - n));
        bufs[i] = b.subarray(room - n);
        n = room;
      }
      writeAll(this.fd, batch, n);
      last.size += n;
      this.dirty = true;
    }
  }

  /** fsync the segment being written, on the thread pool: the event loop (and latency) never waits for the disk. */
  sync(): void {
    if (this.fd >= 0 && this.dirty) fsync(this.fd, () => undefined);
    this.dirty = false;
  }

  /** fsync now (on close). */
  syncNow(): void {
    if (this.fd >= 0 && this.dirty) fsyncSync(this.fd);
    this.dirty = false;
  }

  /** Read bytes [from, to) that are still kept (clipped to what exists). */
  read(from: number, to: number): Buffer {
    from = Math.max(from, this.start);
    to = Math.min(to, this.end);
    if (to <= from) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(to - from);
    let pos = 0;
    for (const s of this.segments) {
      const a = Math.max(from, s.start);
      const b = Math.min(to, s.start + s.size);
      if (b <= a) continue;
      if (this.reader?.file !== s.file) {
        this.closeReader();
        this.reader = { file: s.file, fd: openSync(s.file, 'r') };
      }
      const fd = this.reader.fd;
      let r = 0;
      while (r < b - a) {
        const n = readSync(fd, out, pos + r, b - a - r, a - s.start + r);
        if (n === 0) break;
        r += n;
      }
      pos += b - a;
    }
    return out.subarray(0, pos);
  }

  /** Segments other than the one being written, oldest first. */
  closedSegments(): Array<{ start: number; end: number; file: string }> {
    return this.segments.slice(0, -1).map((s) => ({ start: s.start, end: s.start + s.size, file: s.file }));
  }

  /** Remove the oldest segment (retention). */
  dropOldest(): { start: number; end: number } | undefined {
    if (this.segments.length < 2) return undefined;
    const s = this.segments.shift()!;
    if (this.reader?.file === s.file) this.closeReader();
    unlinkSync(s.file);
    return { start: s.start, end: s.start + s.size };
  }

  close(): void {
    this.syncNow();
    this.closeFd();
    this.closeReader();
  }

  private closeReader(): void {
    if (this.reader) closeSync(this.reader.fd);
    this.reader = undefined;
  }

  /** Close the segment being written; a dirty one is fsynced first, on the thread pool (see sync()). */
  private closeFd(): void {
    const fd = this.fd;
    if (fd >= 0) {
      if (this.dirty) fsync(fd, () => closeSync(fd));
      else closeSync(fd);
    }
    this.fd = -1;
    this.dirty = false;
  }
}

function name(offset: number): string {
  return offset.toString(16).padStart(16, '0') + '.seg';
}

/** Write `total` bytes of `bufs` at the end of `fd`, resuming after a short write. */
function writeAll(fd: number, bufs: Buffer[], total: number): void {
  if (total === 0) return;
  let w = bufs.length === 1 ? writeSync(fd, bufs[0]) : writevSync(fd, bufs);
  if (w >= total) return;
  // A short write (a full disk, a signal): the rest, buffer by buffer.
  for (const b of bufs) {
    if (w >= b.length) { w -= b.length; continue; }
    let off = w;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    w = 0;
  }
}
