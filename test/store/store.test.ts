import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConsoleStore, type StoreOptions } from '../../src/store/console-store.js';
import { LineFramer } from '../../src/framing/framer.js';

const OPTS: StoreOptions = { segmentBytes: 1 << 20, fsync: 'never', fsyncIntervalMs: 1000, retention: { maxBytes: 0, maxAgeDays: 0 } };
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'xenuart-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** Feed bytes the way the console pipeline does: raw first, then framed lines. */
function ingest(store: ConsoleStore, data: Buffer | string, ts = 1000): LineFramer {
  const f = new LineFramer({ nextSeq: store.nextSeq, offset: store.rawOffset, onLine: (l) => store.appendLine(l) });
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  store.appendRaw(b, ts);
  f.push(b, ts);
  store.setPendingOffset(f.openLineOffset);
  return f;
}

describe('ConsoleStore', () => {
  it('stores lines, raw bytes byte-exact, and reopens with seqs continuing', () => {
    const dir = tmp();
    const s1 = new ConsoleStore(dir, 'c', OPTS);
    const bytes = Buffer.from('(XEN) one\r\n\x1b[1mtwo\xff\r\nthree\n', 'latin1');
    ingest(s1, bytes);
    s1.flush();
    expect(s1.lines({}).map((l) => [l.seq, l.text])).toEqual([[1, '(XEN) one'], [2, 'two\ufffd'], [3, 'three']]);
    expect(s1.raw().equals(bytes)).toBe(true);
    expect(s1.raw(2, 2).toString('latin1')).toBe('\x1b[1mtwo\xff\r\n');
    s1.close();
    const s2 = new ConsoleStore(dir, 'c', OPTS);
    expect(s2.nextSeq).toBe(4);
    expect(s2.rawOffset).toBe(bytes.length);
    ingest(s2, 'four\n');
    expect(s2.lines({ from: 3 }).map((l) => l.text)).toEqual(['three', 'four']);
    expect(s2.raw().toString('latin1')).toBe(bytes.toString('latin1') + 'four\n');
    s2.close();
  });

  it('reads see data not yet flushed (reads flush first)', () => {
    const s = new ConsoleStore(tmp(), 'c', OPTS);
    ingest(s, 'a\nb\n');
    expect(s.backlog).toBeGreaterThan(0);
    expect(s.lines({}).length).toBe(2);
    expect(s.backlog).toBe(0);
    s.close();
  });

  it('hands back a line that was open at the last commit, so it can be framed again', () => {
    const dir = tmp();
    const s1 = new ConsoleStore(dir, 'c', OPTS);
    ingest(s1, 'done\n/ # ec');
    s1.flush();
    // no close(): as after kill -9
    const s2 = new ConsoleStore(dir, 'c', OPTS);
    expect(s2.recovered?.offset).toBe(5);
    expect(s2.recovered?.bytes.toString()).toBe('/ # ec');
    expect(s2.nextSeq).toBe(2);
    s2.close();
  });

  it('cuts raw bytes that were written but never indexed (crash between the two writes)', () => {
    const dir = tmp();
    const s1 = new ConsoleStore(dir, 'c', OPTS);
    ingest(s1, 'kept\n');
    s1.flush();
    // Simulate the crash window: raw appended directly to the segment file, index not committed.
    const seg = path.join(dir, 'raw', readdirSync(path.join(dir, 'raw'))[0]);
    appendFileSync(seg, 'lost\n');
    const s2 = new ConsoleStore(dir, 'c', OPTS);
    expect(s2.rawOffset).toBe(5);
    expect(statSync(seg).size).toBe(5);
    expect(s2.raw().toString()).toBe('kept\n');
    s2.close();
  });

  it('searches with the full-text index and, before it has caught up, by scanning', () => {
    const s = new ConsoleStore(tmp(), 'c', OPTS);
    ingest(s, '(XEN) Inflight irq=27 lr=255\nother\n(XEN) Inflight irq=27 lr=255\n');
    expect(s.lines({ q: 'inflight irq' }).map((l) => l.seq)).toEqual([1, 3]);
    expect(s.ftsLag).toBe(3);
    expect(s.indexStep()).toBe(true);
    expect(s.ftsLag).toBe(0);
    ingest(s, 'Inflight irq=30 lr=1\n');
    expect(s.lines({ q: 'Inflight irq' }).map((l) => l.seq)).toEqual([1, 3, 4]);
    expect(s.lines({ q: 'Inflight irq', desc: true, limit: 1 }).map((l) => l.seq)).toEqual([4]);
    expect(s.lines({ q: 'nothing like this' })).toEqual([]);
    expect(s.lines({ q: '50%_"\'' })).toEqual([]);
    s.close();
  });

  it('filters by seq and by time', () => {
    const s = new ConsoleStore(tmp(), 'c', OPTS);
    ingest(s, 'a\nb\n', 100);
    ingest(s, 'c\nd\n', 200);
    expect(s.lines({ since: 150 }).map((l) => l.text)).toEqual(['c', 'd']);
    expect(s.lines({ until: 150 }).map((l) => l.text)).toEqual(['a', 'b']);
    expect(s.lines({ from: 2, to: 3 }).map((l) => l.text)).toEqual(['b', 'c']);
    s.close();
  });

  it('keeps events, statuses and boots in stream order', () => {
    const s = new ConsoleStore(tmp(), 'c', OPTS);
    ingest(s, 'a\nb\nc\n');
    s.appendEvent({ kind: 'boot.start', console: 'c', firstSeq: 2, lastSeq: 2, ts: 5, data: { trigger: 'xen', text: 'Xen version' } });
    s.appendEvent({ kind: 'status', console: 'c', firstSeq: 3, lastSeq: 3, ts: 6, data: { up: false, reason: 'x' } });
    const recs = s.records(1, 3).map((r) => ('line' in r ? r.line.text : r.event.kind));
    expect(recs).toEqual(['a', 'b', 'boot.start', 'c', 'status']);
    expect(s.boots().map((b) => [b.id, b.firstSeq, b.lastSeq, b.trigger])).toEqual([[0, 1, 1, 'start of log'], [1, 2, 3, 'xen']]);
    expect(s.events({ kind: ['boot.*'] }).length).toBe(1);
    expect(s.events({ boot: 1 }).map((e) => e.kind)).toEqual(['boot.start', 'status']);
    s.close();
  });

  it('drops the oldest segments past the size limit, with their lines and events', () => {
    const s = new ConsoleStore(tmp(), 'c', { ...OPTS, segmentBytes: 4096, retention: { maxBytes: 10_000, maxAgeDays: 0 } });
    const line = 'x'.repeat(99) + '\n';
    for (let i = 0; i < 300; i++) {
      ingest(s, line);
      if (i % 10 === 0) s.flush();
    }
    s.flush();
    expect(s.rawBytesKept).toBeLessThanOrEqual(10_000 + 4096);
    const lines = s.lines({ limit: 100000 });
    expect(lines.length).toBeLessThan(300);
    expect(lines.at(-1)!.seq).toBe(300);
    expect(s.raw(lines[0].seq).length).toBe(lines.length * 100);
    s.close();
  });
});

describe('search rule', () => {
  it('finds the text at word boundaries, the same before and after indexing', () => {
    const s = new ConsoleStore(tmp(), 'c', OPTS);
    ingest(s, '(XEN) Inflight irq=27 lr=255\n(XEN) Inflight irq=270 lr=1\nirq 27 spaced\n/ # \nInflight IRQ=27 LR=3\n');
    const run = () => ({
      irq27: s.lines({ q: 'irq=27' }).map((l) => l.seq),
      hash: s.lines({ q: '#' }).map((l) => l.seq),
      part: s.lines({ q: 'nflight' }).map((l) => l.seq),
      phrase: s.lines({ q: 'Inflight irq' }).map((l) => l.seq),
    });
    const before = run();
    expect(before).toEqual({ irq27: [1, 5], hash: [4], part: [], phrase: [1, 2, 5] });
    s.indexStep();
    expect(run()).toEqual(before);
    s.close();
  });
});
