// One console's WebSocket stream (docs/protocol.md): history from a seq, then live, with batches.
// Reconnects with ?from=last+1 so nothing is missed; a `gap` is healed the same way.
import { enc, getToken, type Ev, type Holder, type Line } from './api';

export interface StreamHandlers {
  hello(m: { role: string; nextSeq: number; up: boolean; from: number }): void;
  lines(lines: Line[]): void;
  event(e: Ev): void;
  status(m: { up: boolean; reason: string; ts: number; seq: number }): void;
  lease(m: { action: string; holder: Holder | null; previous: Holder | null; by: string }): void;
  error(m: { code: string; message: string; id?: string | number }): void;
  keysResult(m: any): void;
  connection(up: boolean, why?: string): void;
}

export class ConsoleStream {
  private ws: WebSocket | null = null;
  private closed = false;
  private retry = 250;
  private timer: ReturnType<typeof setTimeout> | undefined;
  lastSeq = -1;

  constructor(readonly id: string, private from: number, private readonly on: StreamHandlers) {
    this.open();
  }

  private open(): void {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const t = getToken();
    const from = this.lastSeq >= 0 ? this.lastSeq + 1 : this.from;
    const url = `${proto}//${location.host}/api/v1/consoles/${enc(this.id)}/stream?batch=1&from=${from}${t ? `&token=${enc(t)}` : ''}`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 250;
      this.on.connection(true);
    };
    ws.onmessage = (ev) => {
      let m: any;
      try {
        m = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      const msgs: any[] = m.type === 'batch' ? m.messages : [m];
      let lines: Line[] = [];
      const flush = () => {
        if (lines.length) this.on.lines(lines);
        lines = [];
      };
      for (const x of msgs) {
        switch (x.type) {
          case 'line':
            if (x.seq <= this.lastSeq) break;
            this.lastSeq = x.seq;
            lines.push({ seq: x.seq, ts: x.ts, text: x.text, ...(x.partial ? { partial: true } : {}), ...(x.cont ? { cont: true } : {}) });
            break;
          case 'event':
            flush();
            this.on.event(x as Ev);
            break;
          case 'hello':
            this.on.hello(x);
            break;
          case 'status':
            flush();
            this.on.status(x);
            break;
          case 'lease':
            this.on.lease(x);
            break;
          case 'error':
            this.on.error(x);
            break;
          case 'keys.result':
            this.on.keysResult(x);
            break;
          case 'gap':
            // Too slow for a moment: reconnect from the first missed line.
            flush();
            this.lastSeq = x.from - 1;
            this.ws?.close();
            return;
          default:
            break;
        }
      }
      flush();
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) return;
      this.on.connection(false, ev.reason || `closed (${ev.code})`);
      this.timer = setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 5000);
    };
  }

  send(m: unknown): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(m));
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
  }
}
