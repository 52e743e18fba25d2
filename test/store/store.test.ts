import { describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConsoleStore } from '../../src/store/console-store.js';
import { LineFramer } from '../../src/framing/framer.js';
import Database from 'better-sqlite3';
import { STORE_OPTS, tempDirs } from '../helpers/store.js';

const OPTS = STORE_OPTS;
const tmp = tempDirs('store');

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

describe('line blocks', () => {
  // 1000 lines in chunks of 7 with their own receive times, flushed at odd moments: blocks of
  // every size, queries that start and end inside blocks.
  function filled(dir = tmp()): { s: ConsoleStore; text: (i: number) => string; raw: string } {
    const s = new ConsoleStore(dir, 'c', OPTS);
    const text = (i: number) => (i % 3 === 0 ? `(XEN) Inflight irq=${i} lr=${i % 4}` : `dom0 line ${i} ${'x'.repeat(i % 50)}`);
    let raw = '';
    for (let i = 1; i <= 1000; i += 7) {
      let chunk = '';
      for (let k = i; k < i + 7 && k <= 1000; k++) chunk += text(k) + (k % 2 ? '\r\n' : '\n');
      raw += chunk;
      ingest(s, chunk, 10_000 + i);
      if (i % 5 === 0) s.flush();
    }
    return { s, text, raw };
  }

  it('reads ranges, pages and times across block boundaries', () => {
    const { s, text, raw } = filled();
    const all = s.lines({ limit: 5000 });
    expect(all.map((l) => l.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(all.every((l) => l.text === text(l.seq))).toBe(true);
    expect(s.lines({ from: 250, to: 260 }).map((l) => l.seq)).toEqual(Array.from({ length: 11 }, (_, i) => 250 + i));
    expect(s.lines({ from: 500, limit: 3 }).map((l) => l.seq)).toEqual([500, 501, 502]);
    expect(s.lines({ desc: true, limit: 4 }).map((l) => l.seq)).toEqual([1000, 999, 998, 997]);
    expect(s.lines({ to: 300, desc: true, limit: 2 }).map((l) => l.seq)).toEqual([300, 299]);
    // Chunk k*7+1 was received at 10000 + k*7 + 1: `since` and `until` land inside blocks.
    expect(s.lines({ since: 10_000 + 505, limit: 2 }).map((l) => l.seq)).toEqual([505, 506]);
    expect(s.lines({ since: 10_000 + 504, limit: 1 }).map((l) => l.seq)).toEqual([505]);
    expect(s.lines({ until: 10_000 + 505, desc: true, limit: 1 }).map((l) => l.seq)).toEqual([511]); // until is inclusive
    expect(s.lines({ until: 10_000 + 504, desc: true, limit: 1 }).map((l) => l.seq)).toEqual([504]);
    expect(s.lines({ since: 10_000 + 2000 })).toEqual([]);
    // Offsets and raw bytes, terminators included.
    expect(s.raw(1, 1000).toString()).toBe(raw);
    const l700 = all[699];
    expect(raw.slice(l700.offset, l700.offset + l700.length)).toBe(text(700));
    expect(s.raw(700, 701).toString()).toBe(text(700) + '\n' + text(701) + '\r\n');
    s.close();
  });

  it('searches across blocks the same before and after the index catches up, in both orders', () => {
    const { s } = filled();
    const run = () => ({
      asc: s.lines({ q: 'Inflight irq', limit: 5 }).map((l) => l.seq),
      desc: s.lines({ q: 'Inflight irq', desc: true, limit: 5 }).map((l) => l.seq),
      one: s.lines({ q: 'irq=27' }).map((l) => l.seq),
      ranged: s.lines({ q: 'lr=1', from: 100, to: 130 }).map((l) => l.seq),
      noWords: s.lines({ q: '=' , from: 990 }).map((l) => l.seq),
    });
    const before = run();
    expect(before).toEqual({ asc: [3, 6, 9, 12, 15], desc: [999, 996, 993, 990, 987], one: [27], ranged: [105, 117, 129], noWords: [990, 993, 996, 999] });
    expect(s.ftsLag).toBe(1000);
    while (!s.indexStep(5, 3));
    expect(s.ftsLag).toBe(0);
    expect(run()).toEqual(before);
    // Half indexed: new lines after the index mark are found by scanning.
    ingest(s, '(XEN) Inflight irq=1001 lr=1\n');
    expect(s.lines({ q: 'Inflight irq', desc: true, limit: 2 }).map((l) => l.seq)).toEqual([1001, 999]);
    s.close();
  });

  it('keeps partial, continuation and cut marks and reopens where it stopped', () => {
    const dir = tmp();
    const s1 = new ConsoleStore(dir, 'c', OPTS);
    const f = new LineFramer({ nextSeq: 1, offset: 0, maxLineBytes: 16, onLine: (l) => s1.appendLine(l) });
    const push = (t: string) => { s1.appendRaw(Buffer.from(t), 5); f.push(Buffer.from(t), 5); };
    push('/ # ');
    f.flushPartial();
    push('ls\n' + 'y'.repeat(20) + '\n');
    s1.close();
    const s2 = new ConsoleStore(dir, 'c', OPTS);
    expect(s2.lines({}).map((l) => [l.seq, l.text, !!l.partial, !!l.cont, !!l.cut])).toEqual([
      [1, '/ # ', true, false, false],
      [2, 'ls', false, true, false],
      [3, 'y'.repeat(16), false, false, true],
      [4, 'y'.repeat(4), false, true, false],
    ]);
    expect(s2.nextSeq).toBe(5);
    s2.close();
  });

  it('cuts a block that straddles the retention limit: only lines whose bytes are kept remain', () => {
    const s = new ConsoleStore(tmp(), 'c', { ...OPTS, segmentBytes: 4096, retention: { maxBytes: 10_000, maxAgeDays: 0 } });
    ingest(s, Array.from({ length: 200 }, (_, i) => `line ${String(i + 1).padStart(3, '0')} ${'z'.repeat(90)}`).join('\n') + '\n');
    s.indexStep();
    ingest(s, 'last line\n');
    s.flush();
    const lines = s.lines({ limit: 1000 });
    expect(lines.length).toBeLessThan(200);
    expect(lines[0].offset).toBeGreaterThanOrEqual(s.rawStart);
    expect(lines.at(-1)!.text).toBe('last line');
    expect(s.raw(lines[0].seq, lines.at(-2)!.seq).toString()).toBe(lines.slice(0, -1).map((l) => l.text + '\n').join(''));
    // The rewritten block is still found by the index.
    const mid = lines[5].text.slice(0, 8);
    expect(s.lines({ q: mid }).map((l) => l.seq)).toEqual([lines[5].seq]);
    s.close();
  });

  it('converts a database written with a row per line', () => {
    const dir = tmp();
    const s1 = new ConsoleStore(dir, 'c', OPTS);
    ingest(s1, 'a\n(XEN) Inflight irq=27 lr=255\n');
    s1.close();
    // Rewrite its index the way the first schema stored it.
    const db = new Database(path.join(dir, 'index.sqlite'));
    db.exec(`DROP TABLE blocks; DROP TABLE blocks_fts;
      CREATE TABLE lines (seq INTEGER PRIMARY KEY, ts REAL NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL, flags INTEGER NOT NULL, text TEXT NOT NULL);
      CREATE VIRTUAL TABLE lines_fts USING fts5(text, content='', contentless_delete=1);
      INSERT INTO lines VALUES (1, 7, 0, 1, 0, 'a'), (2, 8, 2, 28, 1, '(XEN) Inflight irq=27 lr=255');
      INSERT OR REPLACE INTO meta (k, v) VALUES ('ftsUpTo', '2');
      DROP TABLE events;
      CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, ts REAL NOT NULL, json TEXT NOT NULL);
      CREATE INDEX events_seq ON events(last_seq);
      CREATE INDEX events_kind ON events(kind, last_seq);
      INSERT INTO events VALUES (1, 'xen.focus', 2, 2, 8, '{"kind":"xen.focus","console":"c","firstSeq":2,"lastSeq":2,"ts":8,"data":{"target":"dom0"},"id":1}');`);
    rmSync(path.join(dir, 'events'), { recursive: true, force: true });
    db.close();
    const s2 = new ConsoleStore(dir, 'c', OPTS);
    expect(s2.lines({}).map((l) => [l.seq, l.ts, l.text, l.offset, !!l.partial])).toEqual([[1, 7, 'a', 0, false], [2, 8, '(XEN) Inflight irq=27 lr=255', 2, true]]);
    expect(s2.ftsLag).toBe(2);
    expect(s2.lines({ q: 'inflight' }).map((l) => l.seq)).toEqual([2]);
    s2.indexStep();
    expect(s2.lines({ q: 'inflight' }).map((l) => l.seq)).toEqual([2]);
    expect(s2.nextSeq).toBe(3);
    expect(s2.events({}).map((e) => [e.id, e.kind, e.data.target])).toEqual([[1, 'xen.focus', 'dom0']]);
    expect(s2.appendEvent({ kind: 'status', console: 'c', firstSeq: 2, lastSeq: 2, ts: 9, data: { up: true } }).id).toBe(2);
    expect(s2.records(2, 2).map((r) => ('line' in r ? r.line.seq : r.event.id))).toEqual([2, 1, 2]);
    s2.close();
  });
});

describe('event log', () => {
  it('indexes every column of a flush of many events (rows inserted several per statement)', () => {
    const s = new ConsoleStore(tmp(), 'c', OPTS);
    ingest(s, Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''));
    // 75 events in one flush: two full multi-row statements and a remainder, a boot among them.
    for (let i = 0; i < 75; i++) {
      if (i === 40) s.appendEvent({ kind: 'boot.start', console: 'c', firstSeq: 41, lastSeq: 41, ts: 40, data: { trigger: 'xen', text: 'Xen version' } });
      else s.appendEvent({ kind: i % 2 ? 'xen.odd' : 'xen.even', console: 'c', firstSeq: i + 1, lastSeq: i + 1, ts: i, data: { i } });
    }
    s.flush();
    const odd = s.events({ kind: ['xen.odd'], limit: 1000 });
    expect(odd.map((e) => [e.id, e.firstSeq, e.lastSeq, e.ts, e.data.i])).toEqual(
      Array.from({ length: 37 }, (_, k) => 2 * k + 1).map((i) => [i + 1, i + 1, i + 1, i, i]));
    expect(s.events({ from: 30, to: 33 }).map((e) => e.kind)).toEqual(['xen.odd', 'xen.even', 'xen.odd', 'xen.even']);
    expect(s.events({ boot: 1 }).map((e) => e.id)).toEqual(Array.from({ length: 35 }, (_, k) => 41 + k));
    expect(s.boots().map((b) => [b.firstSeq, b.trigger])).toEqual([[1, 'start of log'], [41, 'xen']]);
    s.close();
  });

  it('keeps events across a restart and cuts event JSON that was never indexed', () => {
    const dir = tmp();
    const s1 = new ConsoleStore(dir, 'c', OPTS);
    ingest(s1, 'a\nb\n');
    for (let i = 0; i < 50; i++) s1.appendEvent({ kind: 'xen.timer', console: 'c', firstSeq: 1 + (i % 2), lastSeq: 2, ts: i, data: { i, text: 'é'.repeat(i) } });
    s1.close();
    // A crash between the two writes: JSON appended to the log, its index rows never committed.
    const logDir = path.join(dir, 'events');
    const seg = path.join(logDir, readdirSync(logDir)[0]);
    appendFileSync(seg, '{"kind":"never indexed"}\n');
    const s2 = new ConsoleStore(dir, 'c', OPTS);
    const evs = s2.events({ limit: 1000 });
    expect(evs.map((e) => e.data.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(evs[7].data.text).toBe('é'.repeat(7));
    expect(s2.events({ desc: true, limit: 2 }).map((e) => e.id)).toEqual([50, 49]);
    s2.appendEvent({ kind: 'xen.panic', console: 'c', firstSeq: 2, lastSeq: 2, ts: 99, data: {} });
    expect(s2.events({ kind: ['xen.panic'] }).map((e) => e.id)).toEqual([51]);
    s2.close();
    expect(statSync(seg).size).toBe(readFileSync(seg).toString().split('\n').filter(Boolean).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0));
    expect(readFileSync(seg, 'utf8')).not.toContain('never indexed');
  });

  it('queues events of any size and script between flushes (the pending buffer grows and shrinks)', () => {
    const s = new ConsoleStore(tmp(), 'c', OPTS);
    ingest(s, 'a\n');
    // The second: 800 k UTF-16 units (under the buffer's first 1 MiB) but 1.8 MB of UTF-8.
    const texts = ['x', 'é€😀'.repeat(200_000), 'plain', '\u0000 quote " backslash \\', 'y'.repeat(3 << 20), '\ud800 lone surrogate'];
    for (let round = 0; round < 2; round++) {
      for (const text of texts) s.appendEvent({ kind: 'note', console: 'c', firstSeq: 1, lastSeq: 1, ts: round, data: { text } });
      s.flush();
    }
    const evs = s.events({ limit: 100 });
    expect(evs.map((e) => e.data.text)).toEqual([...texts, ...texts]);
    expect(evs.map((e) => e.id)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    s.close();
  });
});
