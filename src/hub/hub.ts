// Fan-out of one console's records to any number of WebSocket clients. Each client has a bounded
// send queue (the socket's buffered bytes). A slow client never slows the UART reader or anyone
// else: past its bound its messages are dropped and, once it drains, it gets one `gap` message
// naming the seq range it missed (to fetch from history); if it does not drain within
// slowClientCloseMs it is closed with a reason. Each message is serialised once for all clients.
import type { WebSocket } from 'ws';
import type { ConsoleRuntime } from '../core/console.js';
import type { RecordMessage, StreamMessage } from '../protocol/messages.js';
import { eventMessage, lineMessage } from '../core/console.js';

export interface HubOptions {
  maxClientBufferBytes: number;
  slowClientCloseMs: number;
}

export interface HubCounters {
  clients: number;
  queueDrops: number;
  gaps: number;
  slowClosed: number;
}

const HISTORY_PAGE = 2000;

export class StreamClient {
  readonly ws: WebSocket;
  readonly batch: boolean;
  readonly role: string;
  readonly token: string | undefined;
  /** Also send raw chunks (`{type:'raw'}`) while live: interactive terminals. */
  readonly raw: boolean;
  live = false;
  /** First seq dropped while over the bound (undefined when not lagging). */
  gapFrom: number | undefined;
  gapTo = 0;
  lagSince = 0;
  lastSeq = 0;

  constructor(ws: WebSocket, opts: { batch: boolean; role: string; token?: string; raw?: boolean }) {
    this.ws = ws;
    this.batch = opts.batch;
    this.raw = opts.raw ?? false;
    this.role = opts.role;
    this.token = opts.token;
  }

  get open(): boolean {
    return this.ws.readyState === 1;
  }

  /** Send a JSON text message: a string, or the same text already UTF-8 encoded (see ConsoleHub.broadcast). */
  sendRaw(data: string | Buffer): void {
    if (this.open) this.ws.send(data, { binary: false });
  }

  send(msg: StreamMessage): void {
    this.sendRaw(JSON.stringify(msg));
  }
}

export class ConsoleHub {
  private readonly clients = new Set<StreamClient>();
  readonly counters: HubCounters = { clients: 0, queueDrops: 0, gaps: 0, slowClosed: 0 };
  private readonly opts: HubOptions;
  private readonly rt: ConsoleRuntime;
  private watchdog: NodeJS.Timeout;

  constructor(rt: ConsoleRuntime, opts: HubOptions) {
    this.rt = rt;
    this.opts = opts;
    rt.on('records', (recs) => this.broadcast(recs));
    rt.on('raw', (chunk, ts, off) => {
      let msg: Buffer | undefined;
      for (const c of this.clients) {
        if (!c.raw || !c.live || !c.open || c.gapFrom !== undefined) continue;
        if (c.ws.bufferedAmount > this.opts.maxClientBufferBytes) continue;
        msg ??= utf8(JSON.stringify({ type: 'raw', off, ts, data: chunk.toString('base64') }));
        c.sendRaw(msg);
      }
    });
    rt.on('lease', (c) => {
      const change = c as { action: string; holder: { name: string; role: string; since: number } | null; previous: { name: string; role: string; since: number } | null; by: string };
      const strip = (h: typeof change.holder) => (h ? { name: h.name, role: h.role, since: h.since } : null);
      const msg = JSON.stringify({ type: 'lease', action: change.action, holder: strip(change.holder), previous: strip(change.previous), by: change.by });
      for (const cl of this.clients) if (cl.open) cl.sendRaw(msg);
    });
    this.watchdog = setInterval(() => this.checkLagging(), 250);
    this.watchdog.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Start streaming to a client: history from `from` (if given), then live with no gap and no duplicate. */
  add(client: StreamClient, from: number | undefined): void {
    this.clients.add(client);
    this.counters.clients = this.clients.size;
    client.ws.on('close', () => {
      this.clients.delete(client);
      this.counters.clients = this.clients.size;
    });
    const head = this.rt.nextSeq;
    const start = from === undefined ? head : Math.max(1, Math.min(from, head));
    client.send({ type: 'hello', protocol: 1, console: this.rt.id, nextSeq: head, from: start, up: this.rt.status.up, role: client.role });
    this.catchUp(client, start);
  }

  /**
   * Send history pages from `cursor`, waiting for the socket to drain between pages. The switch
   * to live happens synchronously right after the last page is read, so no record published in
   * between can be missed or sent twice.
   */
  private catchUp(client: StreamClient, cursor: number): void {
    const step = (): void => {
      if (!client.open) return;
      const head = this.rt.nextSeq - 1;
      if (cursor > head) {
        client.live = true;
        client.lastSeq = head;
        client.send({ type: 'live', seq: head });
        return;
      }
      const to = Math.min(head, cursor + HISTORY_PAGE - 1);
      const recs: RecordMessage[] = this.rt.store.records(cursor, to).map((r) => ('line' in r ? lineMessage(r.line) : eventMessage(r.event)));
      // Events positioned at a line already sent live would be duplicates: records() returns only [cursor, to].
      this.sendRecords(client, recs, recs.length ? JSON.stringify(recs.length === 1 ? recs[0] : { type: 'batch', messages: recs }) : '');
      cursor = to + 1;
      if (client.ws.bufferedAmount > this.opts.maxClientBufferBytes / 2) {
        const wait = (): void => {
          if (!client.open) return;
          if (client.ws.bufferedAmount > this.opts.maxClientBufferBytes / 4) setTimeout(wait, 5);
          else step();
        };
        setTimeout(wait, 5);
      } else setImmediate(step);
    };
    step();
  }

  private sendRecords(client: StreamClient, recs: RecordMessage[], batchJson: string): void {
    if (recs.length === 0) return;
    if (client.batch) client.sendRaw(batchJson);
    else for (const r of recs) client.send(r);
  }

  private broadcast(recs: RecordMessage[]): void {
    if (this.clients.size === 0 || recs.length === 0) return;
    // Encoded once for every client: ws would encode a string again for each one.
    let batchJson: Buffer | undefined;
    let singles: Buffer[] | undefined;
    const firstSeq = firstSeqOf(recs);
    const lastSeq = lastSeqOf(recs);
    for (const c of this.clients) {
      if (!c.live || !c.open) continue;
      if (c.ws.bufferedAmount > this.opts.maxClientBufferBytes || c.gapFrom !== undefined) {
        // Over the bound: drop, remember the range.
        if (c.gapFrom === undefined) {
          c.gapFrom = firstSeq;
          c.lagSince = Date.now();
        }
        c.gapTo = lastSeq;
        this.counters.queueDrops += recs.length;
        continue;
      }
      if (c.batch) {
        batchJson ??= utf8(JSON.stringify({ type: 'batch', messages: recs }));
        c.sendRaw(batchJson);
      } else {
        singles ??= recs.map((r) => utf8(JSON.stringify(r)));
        for (const s of singles) c.sendRaw(s);
      }
      c.lastSeq = lastSeq;
    }
  }

  private checkLagging(): void {
    const now = Date.now();
    for (const c of this.clients) {
      if (c.gapFrom === undefined || !c.open) continue;
      if (c.ws.bufferedAmount <= this.opts.maxClientBufferBytes / 2) {
        this.counters.gaps++;
        c.send({ type: 'gap', from: c.gapFrom, to: c.gapTo, reason: 'client too slow: messages dropped; fetch this range from history' });
        c.gapFrom = undefined;
      } else if (now - c.lagSince > this.opts.slowClientCloseMs) {
        this.counters.slowClosed++;
        c.ws.close(4008, 'client too slow: send queue did not drain');
        // A peer that stopped reading never completes the closing handshake: do not keep its buffer.
        setTimeout(() => c.ws.terminate(), 2000).unref();
        c.gapFrom = undefined;
      }
    }
  }

  close(): void {
    clearInterval(this.watchdog);
    for (const c of this.clients) c.ws.close(1001, 'server shutting down');
  }
}

const UTF8 = new TextEncoder();

function utf8(s: string): Buffer {
  const u8 = UTF8.encode(s);
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

function firstSeqOf(recs: RecordMessage[]): number {
  const r = recs[0];
  return r.type === 'line' ? r.seq : r.type === 'status' ? r.seq : r.firstSeq;
}

function lastSeqOf(recs: RecordMessage[]): number {
  const r = recs[recs.length - 1];
  return r.type === 'line' ? r.seq : r.type === 'status' ? r.seq : r.lastSeq;
}
