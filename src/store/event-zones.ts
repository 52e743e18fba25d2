// How the event index finds events by kind and by seq without an index row per event.
//
// Events (numbered by id, in the order they are stored) are grouped ZONE_EVENTS at a time into
// zones. A zone records the span of seqs its events cover, and for each kind it holds, the list
// of its events of that kind (a posting list, stored as 16-bit offsets from the zone's first id).
// A query by kind reads the posting lists of that kind, zone by zone in id order, and looks up
// only the events listed; a query by seq range reads the id ranges of the zones whose span
// overlaps it.
//
// Why not an index on (kind, last_seq): a busy console stores about 2 000 events per MB of input
// in a few dozen kinds, so every insert lands in the middle of that B-tree; it cost 2.5 us per
// event, more than the row itself, about 8 % of ingest. A zone costs one row per kind it holds,
// rewritten when the zone grows: a few dozen rows per 1 024 events.
//
// Pure: no SQLite here. The store persists zones and postings and runs the lookups.

/** Events per zone. Offsets from the zone's first id fit in 16 bits. */
export const ZONE_EVENTS = 1024;

export interface Zone {
  firstId: number;
  lastId: number;
  /** Events in the zone. */
  n: number;
  /** Smallest first_seq and largest last_seq of the zone's events. */
  minSeq: number;
  maxSeq: number;
  /** Kind -> ids of the zone's events of that kind, ascending. */
  ids: Map<string, number[]>;
}

/** A posting list as stored: little-endian 16-bit offsets from the zone's first id. */
export function encodeIds(firstId: number, ids: readonly number[]): Buffer {
  const b = Buffer.allocUnsafe(ids.length * 2);
  for (let i = 0; i < ids.length; i++) b.writeUInt16LE(ids[i] - firstId, i * 2);
  return b;
}

export function decodeIds(firstId: number, blob: Uint8Array): number[] {
  const out: number[] = new Array(blob.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = firstId + (blob[2 * i] | (blob[2 * i + 1] << 8));
  return out;
}

/** What changed in one zone since the last take(): the zone's bounds, and the kinds whose lists grew. */
export interface ZoneChange {
  zone: Zone;
  kinds: string[];
}

/** Groups appended events into zones; remembers what changed since the last take(). */
export class ZoneBuilder {
  private open: Zone | undefined;
  private changes: Array<{ zone: Zone; kinds: Set<string> }> = [];

  /** Continue an existing last zone (after a restart) when it has room. */
  constructor(last?: Zone) {
    if (last && last.n < ZONE_EVENTS) this.open = last;
  }

  /** `id` must be above every id added before. */
  add(id: number, kind: string, firstSeq: number, lastSeq: number): void {
    let z = this.open;
    if (z === undefined || z.n >= ZONE_EVENTS || id - z.firstId > 0xffff) {
      z = { firstId: id, lastId: id, n: 0, minSeq: firstSeq, maxSeq: lastSeq, ids: new Map() };
      this.open = z;
    }
    let c = this.changes[this.changes.length - 1];
    if (c === undefined || c.zone !== z) {
      c = { zone: z, kinds: new Set() };
      this.changes.push(c);
    }
    z.lastId = id;
    z.n++;
    if (firstSeq < z.minSeq) z.minSeq = firstSeq;
    if (lastSeq > z.maxSeq) z.maxSeq = lastSeq;
    const list = z.ids.get(kind);
    if (list) list.push(id);
    else z.ids.set(kind, [id]);
    c.kinds.add(kind);
  }

  /** Zones created or grown since the last call, each with the kinds whose lists to write. */
  take(): ZoneChange[] {
    const out = this.changes.map((c) => ({ zone: c.zone, kinds: [...c.kinds] }));
    this.changes = [];
    return out;
  }
}

/** Id ranges [lo, hi] of zones (rows selected on seqs), ascending and merged, starting after afterId. */
export function idRanges(zones: ReadonlyArray<{ first_id: number; last_id: number }>, afterId: number): Array<[number, number]> {
  const sorted = [...zones].sort((a, b) => a.first_id - b.first_id);
  const out: Array<[number, number]> = [];
  for (const z of sorted) {
    if (z.last_id <= afterId) continue;
    const lo = Math.max(z.first_id, afterId + 1);
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], z.last_id);
    else out.push([lo, z.last_id]);
  }
  return out;
}

/**
 * Posting rows (zone, ids) in zone order, one zone at a time: the ids of every row of the same
 * zone, merged (each event has one kind, so the lists are disjoint), ascending or descending.
 */
export function* zoneIds(rows: Iterable<{ zone: number; ids: Uint8Array }>, desc: boolean): Generator<{ zone: number; ids: number[] }> {
  let zone = NaN;
  let acc: number[] = [];
  const done = (): { zone: number; ids: number[] } => ({ zone, ids: acc.sort(desc ? (a, b) => b - a : (a, b) => a - b) });
  for (const r of rows) {
    if (r.zone !== zone && acc.length) { yield done(); acc = []; }
    zone = r.zone;
    for (const id of decodeIds(r.zone, r.ids)) acc.push(id);
  }
  if (acc.length) yield done();
}
