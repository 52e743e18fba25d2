// `xenuart attach CONSOLE`: an interactive terminal on a console. Raw bytes from the board go to
// the terminal as received; keystrokes go to the board when this token holds the write lease.
// Ctrl-] is the escape prefix for local commands.
import WebSocket from 'ws';
import { apiCall, type ClientOptions } from './client.js';

const ESC = 0x1d; // Ctrl-]

const HELP = `\r
xenuart attach: Ctrl-] then\r
  .   detach                      l   take the write lease\r
  L   release the lease           k   press Xen debug keys (prompted)\r
  b   send BREAK                  f   send the next keys even while input is on Xen\r
  ?   this help                   Ctrl-]  send a literal Ctrl-]\r
`;

export async function attach(opts: ClientOptions, id: string, o: { take: boolean }): Promise<void> {
  const base = `/api/v1/consoles/${encodeURIComponent(id)}`;
  await apiCall(opts, 'GET', base); // a clear error for an unknown console or a bad token
  if (o.take) await apiCall(opts, 'POST', `${base}/lease`, {});
  const u = new URL(`${base}/stream`, opts.url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('raw', '1');
  u.searchParams.set('batch', '1');
  const ws = new WebSocket(u, { headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {} });
  const out = process.stdout;
  const note = (s: string) => out.write(`\r\n\x1b[2m[xenuart] ${s}\x1b[0m\r\n`);
  let escaped = false;
  let forceNext = false;
  let prompt: { text: string; done: (s: string) => void } | undefined;

  const stdin = process.stdin;
  const restore = () => {
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
  };

  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => {
      note(`attached to ${id} (Ctrl-] ? for help, Ctrl-] . to detach)`);
      if (stdin.isTTY) stdin.setRawMode(true);
      stdin.resume();
    });
    ws.on('unexpected-response', (_q, res) => reject(new Error(`stream refused: HTTP ${res.statusCode}`)));
    ws.on('error', (e) => reject(e));
    ws.on('close', () => { restore(); resolve(); });
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; messages?: Array<Record<string, unknown>> } & Record<string, unknown>;
      for (const x of m.type === 'batch' ? m.messages! : [m]) {
        if (x.type === 'raw') out.write(Buffer.from(String(x.data), 'base64'));
        else if (x.type === 'status') note(`console ${x.up ? 'up' : 'down'}: ${String(x.reason)}`);
        else if (x.type === 'lease') note(`write lease: ${x.holder ? `held by ${(x.holder as { name: string }).name}` : 'free'} (${String(x.action)} by ${String(x.by)})`);
        else if (x.type === 'error') note(String(x.message));
        else if (x.type === 'gap') note(`missed lines ${String(x.from)}..${String(x.to)} (too slow)`);
      }
    });
    stdin.on('data', (buf: Buffer) => {
      const typed: number[] = [];
      const flushTyped = () => {
        if (typed.length === 0) return;
        ws.send(JSON.stringify({ type: 'input', data: Buffer.from(typed).toString('utf8'), ...(forceNext ? { force: true } : {}) }));
        typed.length = 0;
      };
      for (const b of buf) {
        if (prompt) {
          if (b === 0x0d || b === 0x0a) { const p = prompt; prompt = undefined; out.write('\r\n'); p.done(p.text); }
          else if (b === 0x7f || b === 0x08) { if (prompt.text) { prompt.text = prompt.text.slice(0, -1); out.write('\b \b'); } }
          else if (b === 0x1b || b === 0x03) { prompt = undefined; note('cancelled'); }
          else { prompt.text += String.fromCharCode(b); out.write(String.fromCharCode(b)); }
          continue;
        }
        if (escaped) {
          escaped = false;
          const c = String.fromCharCode(b);
          if (c === '.') { typed.length = 0; note('detached'); ws.close(); return; }
          if (c === '?') { out.write(HELP); continue; }
          if (c === 'l') { void apiCall(opts, 'POST', `${base}/lease`, {}).then(() => note('you hold the write lease'), (e: Error) => note(e.message)); continue; }
          if (c === 'L') { void apiCall(opts, 'DELETE', `${base}/lease`).then(() => note('lease released'), (e: Error) => note(e.message)); continue; }
          if (c === 'b') { void apiCall(opts, 'POST', `${base}/break`, {}).then(() => note('BREAK sent'), (e: Error) => note(e.message)); continue; }
          if (c === 'f') { forceNext = true; note('next keystrokes are sent even while input is on Xen'); continue; }
          if (c === 'k') {
            out.write('\r\n[xenuart] debug keys: ');
            prompt = {
              text: '',
              done: (keys) => {
                if (!keys) return;
                note(`pressing ${keys} ...`);
                void apiCall<{ keys: Array<{ key: string; description?: string; events: Array<{ kind: string }> }> }>(opts, 'POST', `${base}/xen/keys`, { keys }).then(
                  (r) => note(r.keys.map((k) => `'${k.key}' ${k.description ?? ''}: ${k.events.map((e) => e.kind).join(', ') || 'no events'}`).join('; ')),
                  (e: Error) => note(e.message),
                );
              },
            };
            continue;
          }
          if (b === ESC) { ws.send(JSON.stringify({ type: 'input', data: '\x1d' })); continue; }
          note(`unknown command '${c}' (Ctrl-] ? for help)`);
          continue;
        }
        if (b === ESC) { flushTyped(); escaped = true; continue; }
        typed.push(b);
      }
      flushTyped();
    });
  });
}
