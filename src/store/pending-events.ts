// Events waiting for the store's next flush. Each event's JSON is encoded into one growing byte
// buffer the moment it is queued, and only a small index row stays on the JS heap: at ingest
// speed a flush interval holds thousands of events (a register dump is ~3 KB of JSON), and as
// live objects they would be copied by every young-generation GC until the flush.

const UTF8 = new TextEncoder();

/** What the events table needs of one event; `off`/`len` locate its JSON in the event log. */
export interface EventRow {
  id: number;
  kind: string;
  firstSeq: number;
  lastSeq: number;
  ts: number;
  off: number;
  len: number;
  /** boot.start only: the boots table's columns. */
  boot?: { trigger: string; text: string };
}

export class PendingEvents {
  private bytes = new Uint8Array(1 << 20);
  private n = 0;
  rows: EventRow[] = [];

  get length(): number { return this.rows.length; }

  /** Queue one event's JSON; `logEnd` is where the event log ends on disk (its bytes follow). */
  push(row: Omit<EventRow, 'off' | 'len'>, json: string, logEnd: number): void {
    this.reserve(json.length * 3 + 1); // UTF-8 takes at most 3 bytes per UTF-16 code unit
    const { written } = UTF8.encodeInto(json, this.bytes.subarray(this.n));
    const r = row as EventRow;
    r.off = logEnd + this.n;
    r.len = written;
    this.bytes[this.n + written] = 0x0a;
    this.n += written + 1;
    this.rows.push(r);
  }

  /** The queued JSON lines, ready to append to the event log (valid until the next push). */
  get data(): Uint8Array { return this.bytes.subarray(0, this.n); }

  clear(): void {
    this.rows = [];
    this.n = 0;
    if (this.bytes.length > 16 << 20) this.bytes = new Uint8Array(1 << 20); // give back a burst's memory
  }

  private reserve(more: number): void {
    if (this.n + more <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.n + more) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.bytes.subarray(0, this.n));
    this.bytes = b;
  }
}
