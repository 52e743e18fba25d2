// One console's durable history: raw bytes in append-only segments (segments.ts) and, in an
// embedded SQLite database (WAL), the line index with full-text search, decoded events (plus
// status and audit records), boots and the receive time of every chunk. The only module that
// touches disk. Writes are batched in memory and committed by flush() at most every flushMs, so
// a kill -9 loses at most that window; reads flush first, so they always see everything received.
// The full-text index trails ingest: indexStep() feeds it in small batches when the console has
// time (a real UART is at most 0.4 MB/s, the line table alone takes 25+ MB/s, FTS5 a sixth of
// that), and a search scans the not yet indexed tail with LIKE, so results are always complete.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SegmentLog } from './segments.js';
import type { FramedLine } from '../framing/framer.js';
import type { ConsoleEvent } from '../protocol/events.js';

export interface StoredLine {
  seq: number;
  ts: number;
  text: string;
  partial?: true;
  cont?: true;
  cut?: true;
  offset: number;
  length: number;
}

export interface StoredEvent extends ConsoleEvent {
  id: number;
}

export interface Boot {
  id: number;
  firstSeq: number;
  lastSeq: number | null;
  ts: number;
  trigger: string;
  text: string;
}

export interface LineQuery {
  from?: number;
  to?: number;
  since?: number;
  until?: number;
  q?: string;
  limit?: number;
  /** Newest first (for "the last N lines"). */
  desc?: boolean;
}

export interface EventQuery {
  kind?: string[];
  from?: number;
  to?: number;
  boot?: number;
  limit?: number;
  afterId?: number;
  desc?: boolean;
}

export interface StoreOptions {
  segmentBytes: number;
  fsync: 'never' | 'flush' | 'interval';
  fsyncIntervalMs: number;
  retention: { maxBytes: number; maxAgeDays: number };
}

export interface Recovered {
  /** Raw bytes of a line that was still open when the daemon stopped; re-frame them. */
  offset: number;
  bytes: Buffer;
  ts: number;
}

const LINE_BATCH = 64;
const F_PARTIAL = 1;
const F_CONT = 2;
const F_CUT = 4;

export class ConsoleStore {
  readonly console: string;
  private readonly db: Database.Database;
  private readonly seg: SegmentLog;
  private readonly opts: StoreOptions;
  private pendLines: FramedLine[] = [];
  private pendEvents: Array<{ ev: ConsoleEvent; resolve?: (id: number) => void }> = [];
  private pendChunks: Array<{ off: number; ts: number; len: number }> = [];
  private pendRaw: Buffer[] = [];
  private rawEnd: number;
  private nextSeqValue: number;
  private lastFsync = 0;
  private pendingOffset = -1;
  private nextEventId: number;
  readonly recovered: Recovered | undefined;
  private readonly stmt: ReturnType<ConsoleStore['prepare']>;
  private ftsUpTo: number;
  private closed = false;

  constructor(dir: string, consoleId: string, opts: StoreOptions) {
    this.console = consoleId;
    this.opts = opts;
    mkdirSync(dir, { recursive: true });
    this.db = new Database(path.join(dir, 'index.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
      CREATE TABLE IF NOT EXISTS chunks (off INTEGER PRIMARY KEY, ts REAL NOT NULL, len INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS lines (seq INTEGER PRIMARY KEY, ts REAL NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL, flags INTEGER NOT NULL, text TEXT NOT NULL);
      CREATE VIRTUAL TABLE IF NOT EXISTS lines_fts USING fts5(text, content='', contentless_delete=1, tokenize="unicode61 tokenchars '_'");
      CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, ts REAL NOT NULL, json TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS events_seq ON events(last_seq);
      CREATE INDEX IF NOT EXISTS events_kind ON events(kind, last_seq);
      CREATE TABLE IF NOT EXISTS boots (id INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, ts REAL NOT NULL, trigger TEXT NOT NULL, text TEXT NOT NULL);
    `);
    this.stmt = this.prepare();
    this.seg = new SegmentLog(path.join(dir, 'raw'), opts.segmentBytes);

    // Recovery: the index is the truth. Raw bytes past the last committed chunk were never
    // indexed (a crash between the two writes): cut them off. A line that was open at the last
    // commit is handed back to be framed again.
    const chunkEnd = (this.db.prepare('SELECT off + len AS e FROM chunks ORDER BY off DESC LIMIT 1').get() as { e: number } | undefined)?.e ?? 0;
    const metaEnd = Number(this.getMeta('rawEnd') ?? 0);
    this.rawEnd = Math.max(chunkEnd, metaEnd);
    this.seg.ensureEnd(this.rawEnd);
    const maxSeq = (this.db.prepare('SELECT max(seq) AS m FROM lines').get() as { m: number | null }).m ?? 0;
    this.nextSeqValue = Math.max(Number(this.getMeta('nextSeq') ?? 1), maxSeq + 1);
    this.nextEventId = ((this.db.prepare('SELECT max(id) AS m FROM events').get() as { m: number | null }).m ?? 0) + 1;
    this.ftsUpTo = Number(this.getMeta('ftsUpTo') ?? 0);
    const po = Number(this.getMeta('pendingOffset') ?? -1);
    if (po >= 0 && po < this.rawEnd) {
      const c = this.db.prepare('SELECT ts FROM chunks WHERE off <= ? ORDER BY off DESC LIMIT 1').get(po) as { ts: number } | undefined;
      this.recovered = { offset: po, bytes: this.seg.read(po, this.rawEnd), ts: c?.ts ?? Date.now() };
    }
  }

  private prepare() {
    const db = this.db;
    return {
      chunk: db.prepare('INSERT OR REPLACE INTO chunks (off, ts, len) VALUES (?, ?, ?)'),
      line: db.prepare('INSERT OR REPLACE INTO lines (seq, ts, off, len, flags, text) VALUES (?, ?, ?, ?, ?, ?)'),
      lines: db.prepare('INSERT OR REPLACE INTO lines (seq, ts, off, len, flags, text) VALUES ' + Array(LINE_BATCH).fill('(?, ?, ?, ?, ?, ?)').join(', ')),
      fts: db.prepare('INSERT INTO lines_fts (rowid, text) VALUES (?, ?)'),
      event: db.prepare('INSERT INTO events (id, kind, first_seq, last_seq, ts, json) VALUES (?, ?, ?, ?, ?, ?)'),
      boot: db.prepare('INSERT INTO boots (first_seq, ts, trigger, text) VALUES (?, ?, ?, ?)'),
      meta: db.prepare('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)'),
    };
  }

  private getMeta(k: string): string | undefined {
    return (this.db.prepare('SELECT v FROM meta WHERE k = ?').get(k) as { v: string } | undefined)?.v;
  }

  /** Seq the next line will get (continues across restarts). */
  get nextSeq(): number { return this.nextSeqValue; }
  /** Raw stream offset of the next byte. */
  get rawOffset(): number { return this.rawEnd; }
  get rawBytesKept(): number { return this.seg.totalBytes + this.pendRaw.reduce((a, b) => a + b.length, 0); }
  /** Unflushed items waiting in memory (for metrics and tests). */
  get backlog(): number { return this.pendLines.length + this.pendEvents.length + this.pendChunks.length; }

  appendRaw(buf: Buffer, ts: number): void {
    if (buf.length === 0) return;
    this.pendChunks.push({ off: this.rawEnd, ts, len: buf.length });
    this.pendRaw.push(buf);
    this.rawEnd += buf.length;
  }

  appendLine(line: FramedLine): void {
    this.pendLines.push(line);
    if (line.seq >= this.nextSeqValue) this.nextSeqValue = line.seq + 1;
  }

  /** Queue an event (decoded, status or audit); returns its id, known at once. */
  appendEvent(ev: ConsoleEvent): StoredEvent {
    const stored = { ...ev, id: this.nextEventId++ } as StoredEvent;
    this.pendEvents.push({ ev: stored });
    return stored;
  }

  /** Offset where the framer's currently open line starts (-1 when none): kept for recovery. */
  setPendingOffset(off: number): void {
    this.pendingOffset = off;
  }

  /** Commit everything queued. Raw bytes are written before the index that points at them. */
  flush(): void {
    if (this.closed) return;
    if (this.pendRaw.length === 0 && this.pendLines.length === 0 && this.pendEvents.length === 0) return;
    if (this.pendRaw.length) {
      this.seg.append(this.pendRaw.length === 1 ? this.pendRaw[0] : Buffer.concat(this.pendRaw));
      this.pendRaw = [];
      const now = Date.now();
      if (this.opts.fsync === 'flush' || (this.opts.fsync === 'interval' && now - this.lastFsync >= this.opts.fsyncIntervalMs)) {
        this.seg.sync();
        this.lastFsync = now;
      }
    }
    const chunks = this.pendChunks;
    const lines = this.pendLines;
    const events = this.pendEvents;
    this.pendChunks = [];
    this.pendLines = [];
    this.pendEvents = [];
    const s = this.stmt;
    this.db.transaction(() => {
      for (const c of chunks) s.chunk.run(c.off, c.ts, c.len);
      // Many rows per statement: the per-call cost of better-sqlite3 dominates single-row inserts.
      let i = 0;
      const args: unknown[] = [];
      for (; i + LINE_BATCH <= lines.length; i += LINE_BATCH) {
        args.length = 0;
        for (let j = i; j < i + LINE_BATCH; j++) {
          const l = lines[j];
          args.push(l.seq, l.ts, l.offset, l.length, lineFlags(l), l.text);
        }
        s.lines.run(args);
      }
      for (; i < lines.length; i++) {
        const l = lines[i];
        s.line.run(l.seq, l.ts, l.offset, l.length, lineFlags(l), l.text);
      }
      for (const { ev } of events) {
        const e = ev as StoredEvent;
        const { id, kind, firstSeq, lastSeq, ts } = e;
        s.event.run(id, kind, firstSeq, lastSeq, ts, JSON.stringify(e));
        if (kind === 'boot.start') s.boot.run(firstSeq, ts, String(e.data.trigger ?? ''), String(e.data.text ?? ''));
      }
      s.meta.run('nextSeq', String(this.nextSeqValue));
      s.meta.run('rawEnd', String(this.rawEnd));
      s.meta.run('pendingOffset', String(this.pendingOffset));
    })();
    if (chunks.length) this.applyRetention();
  }

  private applyRetention(): void {
    const { maxBytes, maxAgeDays } = this.opts.retention;
    const cutoff = maxAgeDays > 0 ? Date.now() - maxAgeDays * 86_400_000 : -Infinity;
    let dropped: { start: number; end: number } | undefined;
    for (;;) {
      const closed = this.seg.closedSegments();
      if (closed.length === 0) break;
      const tooBig = maxBytes > 0 && this.seg.totalBytes > maxBytes;
      const lastTs = (this.db.prepare('SELECT ts FROM chunks WHERE off < ? ORDER BY off DESC LIMIT 1').get(closed[0].end) as { ts: number } | undefined)?.ts;
      const tooOld = lastTs !== undefined && lastTs < cutoff;
      if (!tooBig && !tooOld) break;
      dropped = this.seg.dropOldest();
    }
    if (!dropped) return;
    const keepFrom = this.seg.start;
    this.db.transaction(() => {
      const first = this.db.prepare('SELECT min(seq) AS s FROM lines WHERE off >= ?').get(keepFrom) as { s: number | null };
      const minSeq = first.s ?? this.nextSeqValue;
      this.db.prepare('DELETE FROM lines_fts WHERE rowid < ?').run(minSeq);
      this.db.prepare('DELETE FROM lines WHERE seq < ?').run(minSeq);
      this.db.prepare('DELETE FROM chunks WHERE off < ?').run(keepFrom);
      this.db.prepare('DELETE FROM events WHERE last_seq < ?').run(minSeq);
      this.db.prepare('DELETE FROM boots WHERE id NOT IN (SELECT id FROM boots WHERE first_seq >= ? UNION SELECT max(id) FROM boots WHERE first_seq < ?)').run(minSeq, minSeq);
    })();
  }

  /** Feed the full-text index for up to `budgetMs`; returns true when it has caught up. */
  indexStep(budgetMs = 20, batch = 2000): boolean {
    if (this.closed) return true;
    const t0 = performance.now();
    const sel = this.db.prepare('SELECT seq, text FROM lines WHERE seq > ? ORDER BY seq LIMIT ?');
    for (;;) {
      const rows = sel.all(this.ftsUpTo, batch) as Array<{ seq: number; text: string }>;
      if (rows.length === 0) return true;
      this.db.transaction(() => {
        for (const r of rows) if (r.text.length) this.stmt.fts.run(r.seq, r.text);
        this.ftsUpTo = rows[rows.length - 1].seq;
        this.stmt.meta.run('ftsUpTo', String(this.ftsUpTo));
      })();
      if (rows.length < batch) return true;
      if (performance.now() - t0 >= budgetMs) return false;
    }
  }

  /** Lines not yet in the full-text index (searches scan them). */
  get ftsLag(): number { return Math.max(0, this.nextSeqValue - 1 - this.ftsUpTo); }

  // ---- reads (each flushes first, so it sees everything received) ----

  lines(q: LineQuery): StoredLine[] {
    this.flush();
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.from !== undefined) { where.push('l.seq >= ?'); args.push(q.from); }
    if (q.to !== undefined) { where.push('l.seq <= ?'); args.push(q.to); }
    // Receive times only grow with seq, so a time bound is a seq bound found by bisection
    // (no second index to maintain on the ingest path).
    if (q.since !== undefined) { where.push('l.seq >= ?'); args.push(this.firstSeqAtOrAfter(q.since)); }
    if (q.until !== undefined) { where.push('l.seq < ?'); args.push(this.firstSeqAtOrAfter(q.until, true)); }
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), 100_000);
    const order = q.desc ? 'DESC' : 'ASC';
    const cols = 'l.seq, l.ts, l.off, l.len, l.flags, l.text';
    const cond = where.length ? where.join(' AND ') : '1';
    let sql: string;
    type Row = { seq: number; ts: number; off: number; len: number; flags: number; text: string };
    if (q.q !== undefined && q.q.trim() !== '') {
      // Search semantics: the line contains the text (case-insensitive), and where the text
      // starts or ends with a word character, that is a word boundary in the line ("irq=27" does
      // not find "irq=270"). The indexed part is narrowed by FTS5 (the words as a phrase), the
      // tail the index has not reached by LIKE; both are checked by the same rule.
      const like = '%' + q.q.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
      const exact = searchRegex(q.q);
      const hasWords = /[\p{L}\p{N}_]/u.test(q.q);
      const parts = hasWords
        ? `SELECT ${cols} FROM lines_fts f JOIN lines l ON l.seq = f.rowid WHERE lines_fts MATCH ? AND f.rowid <= ? AND l.text LIKE ? ESCAPE '\\' AND ${cond}
           UNION ALL
           SELECT ${cols} FROM lines l WHERE l.seq > ? AND l.text LIKE ? ESCAPE '\\' AND ${cond}`
        : `SELECT ${cols} FROM lines l WHERE l.text LIKE ? ESCAPE '\\' AND ${cond}`;
      const base = args.slice();
      const allArgs = hasWords ? [ftsPhrase(q.q), this.ftsUpTo, like, ...base, this.ftsUpTo, like, ...base] : [like, ...base];
      // Page through candidates until `limit` lines pass the exact rule.
      const out: Row[] = [];
      const page = Math.max(limit, 500);
      const stmt = this.db.prepare(`SELECT * FROM (${parts}) ORDER BY seq ${order} LIMIT ? OFFSET ?`);
      for (let offset = 0; out.length < limit; offset += page) {
        const rows = stmt.all(...allArgs, page, offset) as Row[];
        for (const r of rows) if (exact.test(r.text) && out.length < limit) out.push(r);
        if (rows.length < page) break;
      }
      return out.map(toLine);
    }
    sql = `SELECT ${cols} FROM lines l WHERE ${cond} ORDER BY l.seq ${order} LIMIT ${limit}`;
    const rows = this.db.prepare(sql).all(...args) as Row[];
    return rows.map(toLine);
  }

  /** First seq whose ts is >= t (or > t when `strict`); nextSeq when there is none. */
  private firstSeqAtOrAfter(t: number, strict = false): number {
    const at = this.db.prepare('SELECT seq, ts FROM lines WHERE seq >= ? ORDER BY seq LIMIT 1');
    const bounds = this.db.prepare('SELECT min(seq) AS lo, max(seq) AS hi FROM lines').get() as { lo: number | null; hi: number | null };
    if (bounds.lo === null || bounds.hi === null) return this.nextSeqValue;
    const ok = (ts: number) => (strict ? ts > t : ts >= t);
    let lo = bounds.lo;
    let hi = bounds.hi + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const r = at.get(mid) as { seq: number; ts: number } | undefined;
      if (r && ok(r.ts)) hi = Math.min(mid, r.seq);
      else lo = (r ? r.seq : mid) + 1;
    }
    return lo;
  }

  /** Raw bytes of lines [fromSeq, toSeq] (terminators included), or the whole kept stream. */
  raw(fromSeq?: number, toSeq?: number): Buffer {
    this.flush();
    let a = this.seg.start;
    let b = this.rawEnd;
    if (fromSeq !== undefined) {
      const r = this.db.prepare('SELECT off FROM lines WHERE seq >= ? ORDER BY seq LIMIT 1').get(fromSeq) as { off: number } | undefined;
      a = r ? r.off : this.rawEnd;
    }
    if (toSeq !== undefined) {
      const r = this.db.prepare('SELECT off FROM lines WHERE seq > ? ORDER BY seq LIMIT 1').get(toSeq) as { off: number } | undefined;
      b = r ? r.off : this.rawEnd;
    }
    return this.seg.read(a, b);
  }

  /** Raw bytes by stream offset (for byte-exact comparisons and exports). */
  rawRange(from: number, to: number): Buffer {
    this.flush();
    return this.seg.read(from, to);
  }

  get rawStart(): number { return this.seg.start; }

  events(q: EventQuery): StoredEvent[] {
    this.flush();
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.kind && q.kind.length) {
      const exact = q.kind.filter((k) => !k.endsWith('*'));
      const prefixes = q.kind.filter((k) => k.endsWith('*')).map((k) => k.slice(0, -1));
      const ors: string[] = [];
      if (exact.length) { ors.push(`kind IN (${exact.map(() => '?').join(',')})`); args.push(...exact); }
      for (const p of prefixes) { ors.push('substr(kind, 1, ?) = ?'); args.push(p.length, p); }
      where.push(`(${ors.join(' OR ')})`);
    }
    if (q.from !== undefined) { where.push('last_seq >= ?'); args.push(q.from); }
    if (q.to !== undefined) { where.push('first_seq <= ?'); args.push(q.to); }
    if (q.afterId !== undefined) { where.push('id > ?'); args.push(q.afterId); }
    if (q.boot !== undefined) {
      const b = this.boots().find((x) => x.id === q.boot);
      if (!b) return [];
      where.push('first_seq >= ?'); args.push(b.firstSeq);
      if (b.lastSeq !== null) { where.push('first_seq <= ?'); args.push(b.lastSeq); }
    }
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), 100_000);
    const sql = `SELECT json FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id ${q.desc ? 'DESC' : 'ASC'} LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Array<{ json: string }>).map((r) => JSON.parse(r.json) as StoredEvent);
  }

  /** Lines and events positioned in [fromSeq, toSeq], in stream order (an event follows its last line). */
  records(fromSeq: number, toSeq: number): Array<{ line: StoredLine } | { event: StoredEvent }> {
    const lines = this.lines({ from: fromSeq, to: toSeq, limit: toSeq - fromSeq + 1 });
    this.flush();
    const evs = (this.db.prepare('SELECT json FROM events WHERE last_seq >= ? AND last_seq <= ? ORDER BY last_seq, id').all(fromSeq, toSeq) as Array<{ json: string }>).map(
      (r) => JSON.parse(r.json) as StoredEvent,
    );
    const out: Array<{ line: StoredLine } | { event: StoredEvent }> = [];
    let j = 0;
    for (const l of lines) {
      while (j < evs.length && evs[j].lastSeq < l.seq) out.push({ event: evs[j++] });
      out.push({ line: l });
      while (j < evs.length && evs[j].lastSeq === l.seq) out.push({ event: evs[j++] });
    }
    while (j < evs.length) out.push({ event: evs[j++] });
    return out;
  }

  boots(): Boot[] {
    this.flush();
    const rows = this.db.prepare('SELECT id, first_seq AS firstSeq, ts, trigger, text FROM boots ORDER BY first_seq').all() as Array<Omit<Boot, 'lastSeq'>>;
    const firstLine = this.db.prepare('SELECT seq, ts FROM lines ORDER BY seq LIMIT 1').get() as { seq: number; ts: number } | undefined;
    const lastSeq = this.nextSeqValue - 1;
    const out: Boot[] = [];
    if (firstLine && (rows.length === 0 || rows[0].firstSeq > firstLine.seq)) {
      out.push({ id: 0, firstSeq: firstLine.seq, lastSeq: rows.length ? rows[0].firstSeq - 1 : lastSeq, ts: firstLine.ts, trigger: 'start of log', text: '' });
    }
    rows.forEach((r, i) => out.push({ ...r, lastSeq: i + 1 < rows.length ? rows[i + 1].firstSeq - 1 : lastSeq }));
    return out;
  }

  /** Time of the chunk holding raw offset `off`. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.seg.close();
    this.db.close();
  }
}

function lineFlags(l: FramedLine): number {
  return (l.partial ? F_PARTIAL : 0) | (l.cont ? F_CONT : 0) | (l.cut ? F_CUT : 0);
}

function toLine(r: { seq: number; ts: number; off: number; len: number; flags: number; text: string }): StoredLine {
  const l: StoredLine = { seq: r.seq, ts: r.ts, text: r.text, offset: r.off, length: r.len };
  if (r.flags & F_PARTIAL) l.partial = true;
  if (r.flags & F_CONT) l.cont = true;
  if (r.flags & F_CUT) l.cut = true;
  return l;
}

/** The exact search rule as a regex: contains the text, word boundaries where it starts/ends with a word character. */
export function searchRegex(q: string): RegExp {
  const esc = q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const w = /[\p{L}\p{N}_]/u;
  const pre = w.test(q.charAt(0)) ? '(?<![\\p{L}\\p{N}_])' : '';
  const post = w.test(q.charAt(q.length - 1)) ? '(?![\\p{L}\\p{N}_])' : '';
  return new RegExp(pre + esc + post, 'iu');
}

/** Turn free text into an FTS5 query: every word must appear, in order, as a phrase. */
export function ftsPhrase(q: string): string {
  return '"' + q.replace(/"/g, '""') + '"';
}
