// One console's durable history, and the only module that touches disk:
// - raw bytes in append-only segments (segments.ts): the truth, byte-exact;
// - in an embedded SQLite database (WAL): the line index in blocks of consecutive lines
//   (line-blocks.ts; a line's text is decoded from its raw bytes on read) with full-text search,
//   the index of decoded events (plus status and audit records; found by kind and by seq through
//   zones and posting lists, event-zones.ts), boots, and the receive time of every chunk;
// - the events' JSON, one per line, in segment files of its own (events/): the bulk of an event
//   never goes through SQLite's WAL.
// Writes are batched in memory and committed by flush() at most every flushMs, so a kill -9 loses
// at most that window; reads flush first, so they always see everything received. The full-text
// index (one row per block) trails ingest: indexStep() feeds it in small steps when the console
// has time (FTS5 tokenises slower than a fast stream arrives), and a search reads the blocks the
// index has not reached yet, so results are always complete.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SegmentLog } from './segments.js';
import { PendingEvents, type EventRow } from './pending-events.js';
import { ZoneBuilder, decodeIds, encodeIds, idRanges, zoneIds, type Zone } from './event-zones.js';
import { F_CONT, F_CUT, F_PARTIAL, PendingLines, flagsOf, packBlocks, unpackBlock, type BlockLine, type BlockRow } from './line-blocks.js';
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


/** Reading events: rows less than READ_GAP apart in the event log share one read, of READ_MAX at most. */
const READ_GAP = 4 * 1024;
const READ_MAX = 16 * 1024 * 1024;

/** One event's stored JSON. */
const parseEvent = (b: Buffer): StoredEvent => JSON.parse(b.toString('utf8')) as StoredEvent;

/** Event index rows per multi-row INSERT. */
const EVENT_ROWS = 32;

export class ConsoleStore {
  readonly console: string;
  private readonly db: Database.Database;
  private readonly seg: SegmentLog;
  private readonly evlog: SegmentLog;
  private evEnd = 0;
  private readonly opts: StoreOptions;
  private readonly pendLines = new PendingLines();
  private readonly pendEvents = new PendingEvents();
  private pendChunks: Array<{ off: number; ts: number; len: number }> = [];
  private pendRaw: Buffer[] = [];
  /** Parameters of one multi-row events INSERT (reused). */
  private readonly eventArgs: Array<string | number> = new Array(EVENT_ROWS * 7);
  private rawEnd: number;
  private nextSeqValue: number;
  private lastFsync = 0;
  private pendingOffset = -1;
  private nextEventId: number;
  readonly recovered: Recovered | undefined;
  private readonly stmt: ReturnType<ConsoleStore['prepare']>;
  private ftsUpTo: number;
  private closed = false;
  /** Groups the event index rows into zones (event-zones.ts) as they are written. */
  private readonly zones: ZoneBuilder;

  constructor(dir: string, consoleId: string, opts: StoreOptions) {
    this.console = consoleId;
    this.opts = opts;
    mkdirSync(dir, { recursive: true });
    this.db = new Database(path.join(dir, 'index.sqlite'));
    // Big pages: block rows and register-dump events are kilobytes each (no effect on an existing file).
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const eventsV1 = this.setAsideEventsV1();
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
      CREATE TABLE IF NOT EXISTS chunks (off INTEGER PRIMARY KEY, ts REAL NOT NULL, len INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS blocks (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, first_ts REAL NOT NULL, last_ts REAL NOT NULL, off INTEGER NOT NULL, end_off INTEGER NOT NULL, meta BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS blocks_ts ON blocks(last_ts);
      CREATE VIRTUAL TABLE IF NOT EXISTS blocks_fts USING fts5(text, content='', contentless_delete=1, tokenize="unicode61 tokenchars '_'");
      CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, ts REAL NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS events_seq ON events(last_seq);
      CREATE TABLE IF NOT EXISTS event_zones (first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, n INTEGER NOT NULL, min_seq INTEGER NOT NULL, max_seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS event_kinds (kind TEXT NOT NULL, zone INTEGER NOT NULL, ids BLOB NOT NULL, PRIMARY KEY (kind, zone)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS boots (id INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, ts REAL NOT NULL, trigger TEXT NOT NULL, text TEXT NOT NULL);
    `);
    this.stmt = this.prepare();
    this.migrateLineRows();
    this.zones = this.openZones();
    this.seg = new SegmentLog(path.join(dir, 'raw'), opts.segmentBytes);
    this.evlog = new SegmentLog(path.join(dir, 'events'), opts.segmentBytes);
    if (eventsV1) this.migrateEventsV1();
    // Event JSON past the last committed index row was never indexed: cut it off too.
    this.evEnd = Number(this.getMeta('eventsEnd') ?? 0);
    this.evlog.ensureEnd(this.evEnd);

    // Recovery: the index is the truth. Raw bytes past the last committed chunk were never
    // indexed (a crash between the two writes): cut them off. A line that was open at the last
    // commit is handed back to be framed again.
    const chunkEnd = (this.db.prepare('SELECT off + len AS e FROM chunks ORDER BY off DESC LIMIT 1').get() as { e: number } | undefined)?.e ?? 0;
    const metaEnd = Number(this.getMeta('rawEnd') ?? 0);
    this.rawEnd = Math.max(chunkEnd, metaEnd);
    this.seg.ensureEnd(this.rawEnd);
    const maxSeq = (this.db.prepare('SELECT max(last_seq) AS m FROM blocks').get() as { m: number | null }).m ?? 0;
    this.nextSeqValue = Math.max(Number(this.getMeta('nextSeq') ?? 1), maxSeq + 1);
    // Ids are never reused, even when retention has removed every event: zones know the last one.
    this.nextEventId = ((this.db.prepare('SELECT max(m) AS m FROM (SELECT max(id) AS m FROM events UNION ALL SELECT max(last_id) FROM event_zones)').get() as { m: number | null }).m ?? 0) + 1;
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
      block: db.prepare('INSERT OR REPLACE INTO blocks (first_seq, last_seq, first_ts, last_ts, off, end_off, meta) VALUES (@first_seq, @last_seq, @first_ts, @last_ts, @off, @end_off, @meta)'),
      fts: db.prepare('INSERT INTO blocks_fts (rowid, text) VALUES (?, ?)'),
      blockAt: db.prepare('SELECT * FROM blocks WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1'),
      blockAfter: db.prepare('SELECT * FROM blocks WHERE first_seq > ? ORDER BY first_seq LIMIT 1'),
      // indexStep runs every 100 ms: prepared once, not on every call.
      unindexed: db.prepare('SELECT * FROM blocks WHERE first_seq > ? ORDER BY first_seq LIMIT ?'),
      event: db.prepare('INSERT INTO events (id, kind, first_seq, last_seq, ts, off, len) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // EVENT_ROWS rows per statement: a busy console queues thousands of events per flush, and
      // one call per row costs a third more than the rows themselves.
      events: db.prepare(`INSERT INTO events (id, kind, first_seq, last_seq, ts, off, len) VALUES ${Array(EVENT_ROWS).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`),
      zone: db.prepare('INSERT OR REPLACE INTO event_zones (first_id, last_id, n, min_seq, max_seq) VALUES (?, ?, ?, ?, ?)'),
      posting: db.prepare('INSERT OR REPLACE INTO event_kinds (kind, zone, ids) VALUES (?, ?, ?)'),
      boot: db.prepare('INSERT INTO boots (first_seq, ts, trigger, text) VALUES (?, ?, ?, ?)'),
      meta: db.prepare('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)'),
    };
  }

  /**
   * A database written with a row per line (schema 1): its lines are regrouped into blocks once,
   * in one transaction, and the full-text index is rebuilt by indexStep() as usual.
   */
  private migrateLineRows(): void {
    const db = this.db;
    if (!db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'lines'").get()) return;
    db.transaction(() => {
      type Old = { seq: number; ts: number; off: number; len: number; flags: number };
      const page = db.prepare('SELECT seq, ts, off, len, flags FROM lines WHERE seq > ? ORDER BY seq LIMIT 65536');
      const pend = new PendingLines();
      for (let rows = page.all(0) as Old[]; rows.length; rows = page.all(rows[rows.length - 1].seq) as Old[]) {
        pend.clear();
        for (const r of rows) pend.push(r.seq, r.ts, r.off, r.len, r.flags); // the same flag bits
        for (const b of packBlocks(pend)) this.stmt.block.run(b);
      }
      db.exec('DROP TABLE lines; DROP TABLE IF EXISTS lines_fts');
      this.stmt.meta.run('ftsUpTo', '0');
    })();
  }

  /** An events table of the first schema (JSON in a column) is renamed, to be converted once the event log is open. */
  private setAsideEventsV1(): boolean {
    const cols = this.db.prepare("SELECT name FROM pragma_table_info('events')").all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === 'json')) return false;
    this.db.exec('DROP INDEX IF EXISTS events_seq; DROP INDEX IF EXISTS events_kind; ALTER TABLE events RENAME TO events_v1');
    return true;
  }

  private migrateEventsV1(): void {
    const db = this.db;
    db.transaction(() => {
      this.evlog.ensureEnd(0);
      type Old = { id: number; kind: string; first_seq: number; last_seq: number; ts: number; json: string };
      const page = db.prepare('SELECT * FROM events_v1 WHERE id > ? ORDER BY id LIMIT 4096');
      for (let rows = page.all(0) as Old[]; rows.length; rows = page.all(rows[rows.length - 1].id) as Old[]) {
        for (const r of rows) this.pendEvents.push({ id: r.id, kind: r.kind, firstSeq: r.first_seq, lastSeq: r.last_seq, ts: r.ts }, r.json, this.evEnd);
        this.writeEvents();
      }
      db.exec('DROP TABLE events_v1');
      this.stmt.meta.run('eventsEnd', String(this.evEnd));
    })();
    this.evlog.syncNow();
  }

  /** Append the queued events' JSON to the event log and insert their index rows (in the caller's transaction). */
  private writeEvents(): void {
    const pend = this.pendEvents;
    if (pend.length === 0) return;
    const data = pend.data;
    this.evlog.append(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.evEnd += data.byteLength;
    const s = this.stmt;
    const rows = pend.rows;
    let i = 0;
    for (const args = this.eventArgs; i + EVENT_ROWS <= rows.length; i += EVENT_ROWS) {
      for (let k = 0, a = 0; k < EVENT_ROWS; k++) {
        const r = rows[i + k];
        args[a++] = r.id; args[a++] = r.kind; args[a++] = r.firstSeq; args[a++] = r.lastSeq; args[a++] = r.ts; args[a++] = r.off; args[a++] = r.len;
      }
      s.events.run(args);
    }
    for (; i < rows.length; i++) {
      const r = rows[i];
      s.event.run(r.id, r.kind, r.firstSeq, r.lastSeq, r.ts, r.off, r.len);
    }
    const zones = this.zones;
    for (const r of rows) {
      zones.add(r.id, r.kind, r.firstSeq, r.lastSeq);
      if (r.boot) s.boot.run(r.firstSeq, r.ts, r.boot.trigger, r.boot.text);
    }
    this.writeZones(zones);
    pend.clear();
  }

  /** Write the zones and posting lists that changed (in the caller's transaction). */
  private writeZones(b: ZoneBuilder): void {
    const s = this.stmt;
    for (const { zone: z, kinds } of b.take()) {
      s.zone.run(z.firstId, z.lastId, z.n, z.minSeq, z.maxSeq);
      for (const k of kinds) s.posting.run(k, z.firstId, encodeIds(z.firstId, z.ids.get(k)!));
    }
  }

  /**
   * The zone builder, continuing the last zone. A database from before zones (an index on kind
   * instead) gets its zones built from the events table once, and that index dropped.
   */
  private openZones(): ZoneBuilder {
    const db = this.db;
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'events_kind'").get() !== undefined) {
      db.transaction(() => {
        db.exec('DELETE FROM event_zones; DELETE FROM event_kinds; DROP INDEX events_kind');
        const b = new ZoneBuilder();
        for (const r of db.prepare('SELECT id, kind, first_seq, last_seq FROM events ORDER BY id').iterate() as Iterable<{ id: number; kind: string; first_seq: number; last_seq: number }>) {
          b.add(r.id, r.kind, r.first_seq, r.last_seq);
        }
        this.writeZones(b);
      })();
    }
    type Row = { first_id: number; last_id: number; n: number; min_seq: number; max_seq: number };
    const last = db.prepare('SELECT * FROM event_zones ORDER BY first_id DESC LIMIT 1').get() as Row | undefined;
    if (!last) return new ZoneBuilder();
    const ids = new Map<string, number[]>();
    for (const p of db.prepare('SELECT kind, ids FROM event_kinds WHERE zone = ?').all(last.first_id) as Array<{ kind: string; ids: Buffer }>) {
      ids.set(p.kind, decodeIds(last.first_id, p.ids));
    }
    const zone: Zone = { firstId: last.first_id, lastId: last.last_id, n: last.n, minSeq: last.min_seq, maxSeq: last.max_seq, ids };
    return new ZoneBuilder(zone);
  }

  /** Events of index rows (`off`, `len` into the event log), in the rows' order. */
  private readEvents(rows: Array<{ off: number; len: number }>): StoredEvent[] {
    return this.readEventBytes(rows).map(parseEvent);
  }

  /** The stored JSON (UTF-8) of index rows, in the rows' order: views of the buffers read. */
  private readEventBytes(rows: Array<{ off: number; len: number }>): Buffer[] {
    // The rows' JSON in runs: rows close together in the log (gaps under READ_GAP) are read with
    // one read, so a query for events of one kind spread over the history reads those events and
    // little else, in few reads (one read per row was 1 000 opens and reads for 1 000 events; one
    // read of the whole span, up to 16 MB for the same query).
    const n = rows.length;
    const out: Buffer[] = new Array(n);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rows[a].off - rows[b].off);
    for (let i = 0; i < n;) {
      const lo = rows[order[i]].off;
      let hi = lo + rows[order[i]].len;
      let j = i + 1;
      for (; j < n; j++) {
        const r = rows[order[j]];
        if (r.off - hi > READ_GAP || r.off + r.len - lo > READ_MAX) break;
        hi = Math.max(hi, r.off + r.len);
      }
      const buf = this.evlog.read(lo, hi);
      for (let k = i; k < j; k++) {
        const r = rows[order[k]];
        out[order[k]] = buf.subarray(r.off - lo, r.off - lo + r.len);
      }
      i = j;
    }
    return out;
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
    this.pendLines.push(line.seq, line.ts, line.offset, line.length, flagsOf(line));
    if (line.seq >= this.nextSeqValue) this.nextSeqValue = line.seq + 1;
  }

  /** Queue an event (decoded, status or audit): it becomes the stored event, its id set at once. */
  appendEvent(ev: ConsoleEvent): StoredEvent {
    // The id is set on the event itself (it becomes the stored event): no copy. A spread copy cost
    // 15 % more than the JSON itself over the fixtures' events, and on a busy console the event
    // JSON is about as large as the input (850 KB per MB of the fixtures).
    const stored = ev as StoredEvent;
    stored.id = this.nextEventId++;
    const row: Omit<EventRow, 'off' | 'len'> = { id: stored.id, kind: ev.kind, firstSeq: ev.firstSeq, lastSeq: ev.lastSeq, ts: ev.ts };
    if (ev.kind === 'boot.start') row.boot = { trigger: String(ev.data.trigger ?? ''), text: String(ev.data.text ?? '') };
    this.pendEvents.push(row, JSON.stringify(stored), this.evEnd);
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
    const wroteRaw = this.pendRaw.length > 0;
    if (wroteRaw) {
      this.seg.append(this.pendRaw);
      this.pendRaw = [];
    }
    const chunks = this.pendChunks;
    this.pendChunks = [];
    const s = this.stmt;
    this.db.transaction(() => {
      for (const c of chunks) s.chunk.run(c.off, c.ts, c.len);
      for (const b of packBlocks(this.pendLines)) s.block.run(b);
      this.pendLines.clear();
      // Event JSON goes to the event log before the index rows that point at it.
      this.writeEvents();
      s.meta.run('eventsEnd', String(this.evEnd));
      s.meta.run('nextSeq', String(this.nextSeqValue));
      s.meta.run('rawEnd', String(this.rawEnd));
      s.meta.run('pendingOffset', String(this.pendingOffset));
    })();
    const now = Date.now();
    if (this.opts.fsync === 'flush' || (this.opts.fsync === 'interval' && now - this.lastFsync >= this.opts.fsyncIntervalMs)) {
      this.seg.sync();
      this.evlog.sync();
      this.lastFsync = now;
    }
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
      // The lines whose bytes are gone go too; a block that straddles the cut is rewritten.
      const minSeq = this.lineFrom(keepFrom)?.seq ?? this.nextSeqValue;
      const straddle = this.stmt.blockAt.get(minSeq) as BlockRow | undefined;
      this.db.prepare('DELETE FROM blocks_fts WHERE rowid < ?').run(minSeq);
      this.db.prepare('DELETE FROM blocks WHERE first_seq < ?').run(minSeq);
      if (straddle && straddle.first_seq < minSeq && straddle.last_seq >= minSeq) {
        const kept = new PendingLines();
        for (const l of unpackBlock(straddle)) if (l.seq >= minSeq) kept.push(l.seq, l.ts, l.offset, l.length, l.flags);
        for (const b of packBlocks(kept)) {
          this.stmt.block.run(b);
          // Its old full-text row went with the cut: index the rest now if it had been indexed.
          if (b.last_seq <= this.ftsUpTo) this.indexBlock(b);
        }
      }
      this.db.prepare('DELETE FROM chunks WHERE off < ?').run(keepFrom);
      this.db.prepare('DELETE FROM events WHERE last_seq < ?').run(minSeq);
      this.db.prepare('DELETE FROM event_zones WHERE max_seq < ?').run(minSeq);
      this.db.prepare('DELETE FROM event_kinds WHERE zone < (SELECT coalesce(min(first_id), 9007199254740991) FROM event_zones)').run();
      // Event log segments that no kept event points into go too.
      const minOff = (this.db.prepare('SELECT min(off) AS m FROM events').get() as { m: number | null }).m ?? this.evEnd;
      for (let c = this.evlog.closedSegments(); c.length && c[0].end <= minOff; c = this.evlog.closedSegments()) this.evlog.dropOldest();
      this.db.prepare('DELETE FROM boots WHERE id NOT IN (SELECT id FROM boots WHERE first_seq >= ? UNION SELECT max(id) FROM boots WHERE first_seq < ?)').run(minSeq, minSeq);
    })();
  }

  /**
   * Feed the full-text index for up to about `budgetMs`, `batch` blocks at a time; returns true
   * when it has caught up. `ftsUpTo` is the last seq of the last block indexed.
   */
  indexStep(budgetMs = 20, batch = 8): boolean {
    if (this.closed) return true;
    const t0 = performance.now();
    for (;;) {
      const rows = this.stmt.unindexed.all(this.ftsUpTo, batch) as BlockRow[];
      if (rows.length === 0) return true;
      this.db.transaction(() => {
        for (const r of rows) this.indexBlock(r);
        this.ftsUpTo = rows[rows.length - 1].last_seq;
        this.stmt.meta.run('ftsUpTo', String(this.ftsUpTo));
      })();
      if (rows.length < batch) return true;
      if (performance.now() - t0 >= budgetMs) return false;
    }
  }

  /**
   * One full-text row per block: its lines' texts, one per line (a phrase never spans two lines
   * in the results: every candidate line is checked by the exact rule).
   */
  private indexBlock(b: BlockRow): void {
    this.stmt.fts.run(b.first_seq, this.unpack(b).map((l) => l.text).join('\n'));
  }

  /** Lines not yet in the full-text index (searches scan them). */
  get ftsLag(): number { return Math.max(0, this.nextSeqValue - 1 - this.ftsUpTo); }

  // ---- reads (each flushes first, so it sees everything received) ----

  lines(q: LineQuery): StoredLine[] {
    this.flush();
    let lo = q.from ?? 1;
    let hi = q.to ?? Number.MAX_SAFE_INTEGER;
    // Receive times only grow with seq, so a time bound is a seq bound.
    if (q.since !== undefined) lo = Math.max(lo, this.firstSeqAtOrAfter(q.since));
    if (q.until !== undefined) hi = Math.min(hi, this.firstSeqAtOrAfter(q.until, true) - 1);
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), 100_000);
    const out: StoredLine[] = [];
    if (lo > hi) return out;
    // Blocks that can hold [lo, hi]: from the one holding lo (it may start before lo).
    const start = (this.stmt.blockAt.get(lo) as BlockRow | undefined)?.first_seq ?? lo;
    const order = q.desc ? 'DESC' : 'ASC';
    let blocks: Iterable<BlockRow> | undefined;
    let test: ((text: string) => boolean) | undefined;
    if (q.q !== undefined && q.q.trim() !== '') {
      // Search semantics: the line contains the text (case-insensitive), and where the text
      // starts or ends with a word character, that is a word boundary in the line ("irq=27" does
      // not find "irq=270"). Blocks already indexed are narrowed by FTS5 (the words as a phrase),
      // the ones the index has not reached are all read; the lines of both are checked by the
      // same rule.
      const exact = searchRegex(q.q);
      test = (t) => exact.test(t);
      if (/[\p{L}\p{N}_]/u.test(q.q)) {
        const indexed = this.db.prepare(`SELECT b.* FROM blocks_fts f JOIN blocks b ON b.first_seq = f.rowid WHERE blocks_fts MATCH ? AND b.first_seq <= ? AND b.first_seq >= ? AND b.first_seq <= ? ORDER BY b.first_seq ${order}`);
        const tail = this.db.prepare(`SELECT * FROM blocks WHERE first_seq > ? AND first_seq >= ? AND first_seq <= ? ORDER BY first_seq ${order}`);
        const a = () => indexed.iterate(ftsPhrase(q.q!), this.ftsUpTo, start, hi) as IterableIterator<BlockRow>;
        const b = () => tail.iterate(this.ftsUpTo, start, hi) as IterableIterator<BlockRow>;
        blocks = q.desc ? chain(b, a) : chain(a, b);
      }
    }
    blocks ??= this.db.prepare(`SELECT * FROM blocks WHERE first_seq >= ? AND first_seq <= ? ORDER BY first_seq ${order}`).iterate(start, hi) as IterableIterator<BlockRow>;
    for (const b of blocks) {
      const ls = this.unpack(b);
      if (q.desc) ls.reverse();
      for (const l of ls) {
        if (l.seq < lo || l.seq > hi || (test && !test(l.text))) continue;
        out.push(toLine(l));
        if (out.length >= limit) break;
      }
      // Leaving the loop early ends the statement's iteration (better-sqlite3 resets it).
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The lines of a block, their texts decoded from the raw bytes. */
  private unpack(b: BlockRow): BlockLine[] {
    const from = Math.max(b.off, this.seg.start);
    return unpackBlock(b, this.seg.read(from, b.end_off), from);
  }

  /** The first line whose raw bytes start at or after `off` (its text is not read). */
  private lineFrom(off: number): BlockLine | undefined {
    const rows = this.db.prepare('SELECT * FROM blocks WHERE first_seq >= ? ORDER BY first_seq').iterate(
      (this.db.prepare('SELECT first_seq FROM blocks WHERE off <= ? ORDER BY first_seq DESC LIMIT 1').get(off) as { first_seq: number } | undefined)?.first_seq ?? 0,
    ) as IterableIterator<BlockRow>;
    for (const b of rows) for (const l of unpackBlock(b)) if (l.offset >= off) return l;
    return undefined;
  }

  /** The first stored line with seq >= `seq` (its text is not read). */
  private lineAtOrAfter(seq: number): BlockLine | undefined {
    const at = this.stmt.blockAt.get(seq) as BlockRow | undefined;
    if (at && at.last_seq >= seq) return unpackBlock(at)[seq - at.first_seq];
    const next = this.stmt.blockAfter.get(seq) as BlockRow | undefined;
    return next ? unpackBlock(next)[0] : undefined;
  }

  /** First seq whose ts is >= t (or > t when `strict`); nextSeq when there is none. */
  private firstSeqAtOrAfter(t: number, strict = false): number {
    // Receive times grow with seq: the first block whose last line passes holds the answer.
    const b = this.db.prepare(`SELECT * FROM blocks WHERE last_ts ${strict ? '>' : '>='} ? ORDER BY last_ts, first_seq LIMIT 1`).get(t) as BlockRow | undefined;
    if (b) for (const l of unpackBlock(b)) if (strict ? l.ts > t : l.ts >= t) return l.seq;
    return this.nextSeqValue;
  }

  /** Raw bytes of lines [fromSeq, toSeq] (terminators included), or the whole kept stream. */
  raw(fromSeq?: number, toSeq?: number): Buffer {
    this.flush();
    let a = this.seg.start;
    let b = this.rawEnd;
    if (fromSeq !== undefined) a = this.lineAtOrAfter(fromSeq)?.offset ?? this.rawEnd;
    if (toSeq !== undefined) b = this.lineAtOrAfter(toSeq + 1)?.offset ?? this.rawEnd;
    return this.seg.read(a, b);
  }

  /** Raw bytes by stream offset (for byte-exact comparisons and exports). */
  rawRange(from: number, to: number): Buffer {
    this.flush();
    return this.seg.read(from, to);
  }

  get rawStart(): number { return this.seg.start; }

  events(q: EventQuery): StoredEvent[] {
    return this.eventsJson(q).map(parseEvent);
  }

  /**
   * events() as the JSON each event was stored as, UTF-8: the API sends it as it is, with no
   * decoding, parsing and serialising again of what may be megabytes of register dumps.
   */
  eventsJson(q: EventQuery): Buffer[] {
    this.flush();
    // Seq conditions are checked on each row (the unary `+` keeps SQLite on the id, not on the
    // seq index); zones narrow which ids are read: by kind through the posting lists, by seq
    // through the zones' spans (event-zones.ts).
    const seqWhere: string[] = [];
    const args: unknown[] = [];
    let minSeq = -1;
    let maxSeq = Number.MAX_SAFE_INTEGER;
    if (q.from !== undefined) { seqWhere.push('+last_seq >= ?'); args.push(q.from); minSeq = Math.max(minSeq, q.from); }
    if (q.to !== undefined) { seqWhere.push('+first_seq <= ?'); args.push(q.to); maxSeq = Math.min(maxSeq, q.to); }
    if (q.boot !== undefined) {
      const b = this.boots().find((x) => x.id === q.boot);
      if (!b) return [];
      seqWhere.push('+first_seq >= ?'); args.push(b.firstSeq);
      minSeq = Math.max(minSeq, b.firstSeq);
      if (b.lastSeq !== null) { seqWhere.push('+first_seq <= ?'); args.push(b.lastSeq); maxSeq = Math.min(maxSeq, b.lastSeq); }
    }
    const afterId = q.afterId ?? 0;
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), 100_000);
    const order = q.desc ? 'DESC' : 'ASC';
    const and = seqWhere.map((w) => ' AND ' + w).join('');
    // Zones whose span overlaps the seq range (all of them when there is none).
    const zones = seqWhere.length
      ? this.db.prepare('SELECT first_id, last_id FROM event_zones WHERE max_seq >= ? AND min_seq <= ? AND last_id > ?').all(minSeq, maxSeq, afterId) as Array<{ first_id: number; last_id: number }>
      : undefined;
    const rows: Array<{ off: number; len: number }> = [];
    const kinds = (q.kind ?? []).filter((k) => !k.endsWith('*'));
    const prefixes = (q.kind ?? []).filter((k) => k.endsWith('*')).map((k) => k.slice(0, -1));
    if (kinds.length || prefixes.length) {
      const ors: string[] = [];
      const kargs: unknown[] = [];
      if (kinds.length) { ors.push(`kind IN (${kinds.map(() => '?').join(',')})`); kargs.push(...kinds); }
      for (const p of prefixes) { ors.push('(kind >= ? AND kind < ?)'); kargs.push(p, p + '\u{10ffff}'); }
      const postings = this.db.prepare(`SELECT zone, ids FROM event_kinds WHERE (${ors.join(' OR ')}) ORDER BY zone ${order}`);
      const byId = this.db.prepare(`SELECT off, len FROM events WHERE id = ?${and}`);
      const inZones = zones && new Set(zones.map((z) => z.first_id));
      for (const { zone, ids } of zoneIds(postings.iterate(...kargs) as Iterable<{ zone: number; ids: Buffer }>, !!q.desc)) {
        if (inZones && !inZones.has(zone)) continue;
        for (const id of ids) {
          if (id <= afterId) continue;
          const r = byId.get(id, ...args) as { off: number; len: number } | undefined;
          if (r) rows.push(r);
          if (rows.length >= limit) break;
        }
        if (rows.length >= limit) break;
      }
    } else {
      const ranges = zones ? idRanges(zones, afterId) : [[afterId + 1, Number.MAX_SAFE_INTEGER] as [number, number]];
      if (q.desc) ranges.reverse();
      const st = this.db.prepare(`SELECT off, len FROM events WHERE id BETWEEN ? AND ?${and} ORDER BY id ${order} LIMIT ?`);
      for (const [lo, hi] of ranges) {
        for (const r of st.all(lo, hi, ...args, limit - rows.length) as Array<{ off: number; len: number }>) rows.push(r);
        if (rows.length >= limit) break;
      }
    }
    return this.readEventBytes(rows);
  }

  /** Lines and events positioned in [fromSeq, toSeq], in stream order (an event follows its last line). */
  records(fromSeq: number, toSeq: number): Array<{ line: StoredLine } | { event: StoredEvent }> {
    const lines = this.lines({ from: fromSeq, to: toSeq, limit: toSeq - fromSeq + 1 });
    this.flush();
    const evs = this.readEvents(this.db.prepare('SELECT off, len FROM events WHERE last_seq >= ? AND last_seq <= ? ORDER BY last_seq, id').all(fromSeq, toSeq) as Array<{ off: number; len: number }>);
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
    const firstLine = this.db.prepare('SELECT first_seq AS seq, first_ts AS ts FROM blocks ORDER BY first_seq LIMIT 1').get() as { seq: number; ts: number } | undefined;
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
    this.evlog.close();
    this.db.close();
  }
}

function toLine(l: BlockLine): StoredLine {
  const out: StoredLine = { seq: l.seq, ts: l.ts, text: l.text, offset: l.offset, length: l.length };
  if (l.flags & F_PARTIAL) out.partial = true;
  if (l.flags & F_CONT) out.cont = true;
  if (l.flags & F_CUT) out.cut = true;
  return out;
}

/** Iterate one iterable after another (lazily: the second is only opened when the first is done). */
function* chain<T>(a: () => Iterable<T>, b: () => Iterable<T>): Generator<T> {
  yield* a();
  yield* b();
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
