import { describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConsoleStore, type EventQuery, type StoreOptions } from '../../src/store/console-store.js';
import { ZONE_EVENTS, ZoneBuilder, decodeIds, encodeIds, idRanges, zoneIds } from '../../src/store/event-zones.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { STORE_OPTS, tempDirs } from '../helpers/store.js';

const OPTS = STORE_OPTS;
const tmp = tempDirs('zones');

describe('ZoneBuilder', () => {
  it('groups events ZONE_EVENTS at a time, with their seq span and a list of ids per kind, and reports what changed', () => {
    const b = new ZoneBuilder();
    for (let id = 1; id <= ZONE_EVENTS + 3; id++) b.add(id, id === 5 || id === ZONE_EVENTS + 2 ? 'xen.panic' : 'xen.regs', id * 10, id * 10 + (id === 7 ? 50_000 : 2));
    const ch = b.take();
    expect(ch.map(({ zone: z, kinds }) => [z.firstId, z.lastId, z.n, z.minSeq, z.maxSeq, kinds.sort()])).toEqual([
      [1, ZONE_EVENTS, ZONE_EVENTS, 10, 50_070, ['xen.panic', 'xen.regs']],
      [ZONE_EVENTS + 1, ZONE_EVENTS + 3, 3, (ZONE_EVENTS + 1) * 10, (ZONE_EVENTS + 3) * 10 + 2, ['xen.panic', 'xen.regs']],
    ]);
    expect(ch[0].zone.ids.get('xen.panic')).toEqual([5]);
    expect(ch[0].zone.ids.get('xen.regs')!.length).toBe(ZONE_EVENTS - 1);
    expect(ch[1].zone.ids.get('xen.regs')).toEqual([ZONE_EVENTS + 1, ZONE_EVENTS + 3]);
    // Only the zone that grew, and only the kind whose list grew.
    b.add(ZONE_EVENTS + 4, 'status', 1, 1);
    expect(b.take().map(({ zone: z, kinds }) => [z.firstId, z.n, z.minSeq, kinds])).toEqual([[ZONE_EVENTS + 1, 4, 1, ['status']]]);
    expect(b.take()).toEqual([]);
  });

  it('continues a last zone that has room, and starts a new one after a full one', () => {
    const open = new ZoneBuilder({ firstId: 1, lastId: 10, n: 10, minSeq: 1, maxSeq: 9, ids: new Map([['a', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]]) });
    open.add(11, 'a', 12, 12);
    const [c] = open.take();
    expect([c.zone.firstId, c.zone.lastId, c.zone.n, c.kinds, c.zone.ids.get('a')!.at(-1)]).toEqual([1, 11, 11, ['a'], 11]);
    const full = new ZoneBuilder({ firstId: 1, lastId: ZONE_EVENTS, n: ZONE_EVENTS, minSeq: 1, maxSeq: 9, ids: new Map() });
    full.add(ZONE_EVENTS + 1, 'b', 12, 12);
    expect(full.take().map((x) => [x.zone.firstId, x.zone.lastId])).toEqual([[ZONE_EVENTS + 1, ZONE_EVENTS + 1]]);
  });
});

describe('posting lists', () => {
  it('store ids as 16-bit offsets from the zone, and read back the same', () => {
    const ids = [1000, 1001, 1500, 1000 + ZONE_EVENTS - 1];
    const blob = encodeIds(1000, ids);
    expect(blob.length).toBe(8);
    expect(decodeIds(1000, blob)).toEqual(ids);
  });
  it('are merged zone by zone, in either order', () => {
    const rows = [
      { zone: 1, ids: encodeIds(1, [2, 9]) }, { zone: 1, ids: encodeIds(1, [1, 5]) },
      { zone: 1025, ids: encodeIds(1025, [1030]) },
    ];
    expect([...zoneIds(rows, false)]).toEqual([{ zone: 1, ids: [1, 2, 5, 9] }, { zone: 1025, ids: [1030] }]);
    expect([...zoneIds([...rows].reverse(), true)]).toEqual([{ zone: 1025, ids: [1030] }, { zone: 1, ids: [9, 5, 2, 1] }]);
  });
});

describe('idRanges', () => {
  const zones = [{ first_id: 2049, last_id: 3072 }, { first_id: 1, last_id: 1024 }, { first_id: 1025, last_id: 2048 }, { first_id: 4097, last_id: 4100 }];
  it('merges adjacent zones, in id order, starting after afterId', () => {
    expect(idRanges(zones, 0)).toEqual([[1, 3072], [4097, 4100]]);
    expect(idRanges(zones, 2500)).toEqual([[2501, 3072], [4097, 4100]]);
    expect(idRanges(zones, 5000)).toEqual([]);
  });
});

// A store-level check of every query shape against a plain filter over the events written, on a
// history of several zones: kinds common and rare, events spanning many lines (last_seq not in id
// order), boots, flushes of every size, then a restart, then a database from before zones.
describe('event queries by zone', () => {
  const KINDS = ['xen.regs', 'xen.milestone', 'xen.vgic.unhandled', 'linux.oops', 'xen.gic.lrs'];
  function history(n: number, firstId: number, seed: number): ConsoleEvent[] {
    let x = seed;
    const rnd = (m: number): number => { x = (x * 1103515245 + 12345) % 2147483648; return x % m; };
    const out: ConsoleEvent[] = [];
    for (let i = 0; i < n; i++) {
      const id = firstId + i;
      const lastSeq = id * 3;
      const span = rnd(20) === 0 ? 200 + rnd(3000) : rnd(4); // now and then a block much longer than the others
      const kind = id % 997 === 0 ? 'xen.panic' : id % 1500 === 700 ? 'boot.start' : KINDS[rnd(KINDS.length)];
      // Now and then a large event (a long report): the events read by a query lie far apart in
      // the log, so they are read in several runs.
      const data = kind === 'boot.start' ? { trigger: 'xen', text: 'Xen version' } : id % 61 === 0 ? { id, text: 'é'.repeat(40_000) } : { id };
      out.push({ kind, console: 'c', firstSeq: Math.max(1, lastSeq - span), lastSeq, ts: id, data });
    }
    return out;
  }
  function write(s: ConsoleStore, evs: ConsoleEvent[], seed: number): void {
    let x = seed;
    for (const e of evs) {
      s.appendEvent({ ...e, data: { ...e.data } });
      x = (x * 69069 + 1) % 4294967296;
      if (x % 300 === 0) s.flush(); // flushes of one to a thousand or so events
    }
    s.flush();
  }
  function reference(all: ConsoleEvent[], s: ConsoleStore, q: EventQuery): number[] {
    const boots = s.boots();
    const b = q.boot === undefined ? undefined : boots.find((x) => x.id === q.boot);
    if (q.boot !== undefined && !b) return [];
    const ids = all.map((e, i) => ({ e, id: i + 1 })).filter(({ e, id }) => {
      if (q.kind?.length && !q.kind.some((k) => (k.endsWith('*') ? e.kind.startsWith(k.slice(0, -1)) : e.kind === k))) return false;
      if (q.from !== undefined && e.lastSeq < q.from) return false;
      if (q.to !== undefined && e.firstSeq > q.to) return false;
      if (b && (e.firstSeq < b.firstSeq || (b.lastSeq !== null && e.firstSeq > b.lastSeq))) return false;
      if (q.afterId !== undefined && id <= q.afterId) return false;
      return true;
    }).map(({ id }) => id);
    if (q.desc) ids.reverse();
    return ids.slice(0, Math.min(Math.max(q.limit ?? 1000, 1), 100_000));
  }
  function queries(total: number): EventQuery[] {
    const maxSeq = total * 3;
    return [
      {}, { limit: 100_000 }, { desc: true, limit: 7 },
      { kind: ['xen.panic'] }, { kind: ['xen.panic'], desc: true, limit: 3 }, { kind: ['linux.oops'], limit: 100_000 },
      { kind: ['xen.regs', 'xen.panic'], desc: true, limit: 2500 }, { kind: ['xen.*'], limit: 3000 }, { kind: ['linux.*', 'boot.start'] },
      { kind: ['nothing.such'] }, { kind: ['xen.panic*'] },
      { from: maxSeq - 500 }, { from: maxSeq - 500, desc: true, limit: 10 }, { from: 4000, to: 4100 }, { to: 50 },
      { from: Math.floor(maxSeq / 2), to: Math.floor(maxSeq / 2) + 9000, kind: ['xen.panic', 'linux.oops'] },
      { afterId: total - 40 }, { afterId: 1500, kind: ['xen.panic'], limit: 2 }, { afterId: 100, from: 2000, to: 2600, desc: true },
      { boot: 1 }, { boot: 2, kind: ['xen.panic'] }, { boot: 3, desc: true, limit: 50 }, { boot: 99 },
    ];
  }
  function check(s: ConsoleStore, all: ConsoleEvent[]): void {
    for (const q of queries(all.length)) {
      const got = s.events(q);
      const want = reference(all, s, q);
      expect(got.map((e) => e.id), JSON.stringify(q)).toEqual(want);
      // And each event whole, as written.
      for (const e of got) expect(e.data, JSON.stringify(q)).toEqual(all[e.id! - 1].data);
    }
  }
  function zoneRows(dir: string): Array<{ first_id: number; n: number }> {
    const db = new Database(path.join(dir, 'index.sqlite'), { readonly: true });
    try {
      return db.prepare('SELECT first_id, n FROM event_zones ORDER BY first_id').all() as Array<{ first_id: number; n: number }>;
    } finally { db.close(); }
  }

  it('answers every query shape as a filter over all events would, across flushes and a restart', () => {
    const dir = tmp();
    const first = history(2600, 1, 7);
    const s1 = new ConsoleStore(dir, 'c', OPTS);
    write(s1, first, 3);
    check(s1, first);
    s1.close();
    // The last zone (not full) is continued after the restart, not restarted.
    const s2 = new ConsoleStore(dir, 'c', OPTS);
    const more = history(2000, 2601, 11);
    write(s2, more, 5);
    const all = [...first, ...more];
    check(s2, all);
    s2.close();
    const firsts = Array.from({ length: Math.ceil(all.length / ZONE_EVENTS) }, (_, i) => 1 + i * ZONE_EVENTS);
    expect(zoneRows(dir)).toEqual(firsts.map((f) => ({ first_id: f, n: Math.min(ZONE_EVENTS, all.length - f + 1) })));
  });

  it('builds the zones of a database indexed by kind (the schema before zones) and drops that index', () => {
    const dir = tmp();
    const all = history(3000, 1, 23);
    const s1 = new ConsoleStore(dir, 'c', OPTS);
    write(s1, all, 9);
    s1.close();
    const db = new Database(path.join(dir, 'index.sqlite'));
    db.exec('DROP TABLE event_zones; CREATE INDEX events_kind ON events(kind, last_seq);');
    db.close();
    const s2 = new ConsoleStore(dir, 'c', OPTS);
    check(s2, all);
    s2.close();
    expect(zoneRows(dir).map((z) => z.n)).toEqual([...Array(Math.floor(3000 / ZONE_EVENTS)).fill(ZONE_EVENTS), 3000 % ZONE_EVENTS]);
    const db2 = new Database(path.join(dir, 'index.sqlite'), { readonly: true });
    expect(db2.prepare("SELECT name FROM sqlite_master WHERE name = 'events_kind'").get()).toBeUndefined();
    db2.close();
  });

  it('drops zones and posting lists with the events retention removes, and never reuses an id', () => {
    const dir = tmp();
    const opts: StoreOptions = { ...OPTS, segmentBytes: 4096, retention: { maxBytes: 10_000, maxAgeDays: 0 } };
    const s1 = new ConsoleStore(dir, 'c', opts);
    const all: ConsoleEvent[] = [];
    // 300 lines of 100 bytes, 10 events on each (one zone per 100 lines); retention keeps ~100-140 lines.
    for (let i = 1; i <= 300; i++) {
      s1.appendRaw(Buffer.from('x'.repeat(99) + '\n'), i);
      s1.appendLine({ seq: i, ts: i, text: 'x'.repeat(99), offset: (i - 1) * 100, length: 99 });
      for (let k = 0; k < 10; k++) {
        const e: ConsoleEvent = { kind: k === 0 && i % 50 === 0 ? 'xen.panic' : 'xen.timer', console: 'c', firstSeq: i, lastSeq: i, ts: i, data: {} };
        all.push(e);
        s1.appendEvent({ ...e });
      }
      if (i % 10 === 0) s1.flush();
    }
    s1.flush();
    const firstLine = s1.lines({ limit: 1 })[0].seq;
    expect(firstLine).toBeGreaterThan(100);
    const kept = (q: EventQuery): number[] => all.map((e, i) => ({ e, id: i + 1 }))
      .filter(({ e }) => e.lastSeq >= firstLine && (!q.kind || q.kind.includes(e.kind))).map(({ id }) => id);
    expect(s1.events({ kind: ['xen.panic'] }).map((e) => e.id)).toEqual(kept({ kind: ['xen.panic'] }));
    expect(s1.events({ limit: 100_000 }).map((e) => e.id)).toEqual(kept({}));
    s1.close();
    const db = new Database(path.join(dir, 'index.sqlite'), { readonly: true });
    const minZone = (db.prepare('SELECT min(first_id) AS m FROM event_zones').get() as { m: number }).m;
    const minPosting = (db.prepare('SELECT min(zone) AS m FROM event_kinds').get() as { m: number }).m;
    db.close();
    // Zones wholly before the first kept line are gone, and so are their lists; the zone holding
    // the cut stays.
    expect(minZone).toBeGreaterThan(1);
    expect(minZone).toBeLessThanOrEqual(kept({})[0]);
    expect(minPosting).toBe(minZone);
    // Every event gone (a database edited by hand, say): the next id still follows the last one.
    const db2 = new Database(path.join(dir, 'index.sqlite'));
    db2.exec('DELETE FROM events');
    db2.close();
    const s2 = new ConsoleStore(dir, 'c', opts);
    expect(s2.appendEvent({ kind: 'xen.panic', console: 'c', firstSeq: 301, lastSeq: 301, ts: 1, data: {} }).id).toBe(3001);
    expect(s2.events({ kind: ['xen.panic'] }).map((e) => e.id)).toEqual([3001]);
    s2.close();
  });
});
