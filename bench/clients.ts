// 200 WebSocket clients on one console streaming 1 MB/s: the daemon's CPU and RSS, per-client
// latency (lines carry their send time) and whether every client keeps up.
import net from 'node:net';
import WebSocket from 'ws';
import { startDaemon } from './daemon.js';
import { cpuSeconds, fmt, now, percentile, rssMB, sleep } from './lib.js';
import type { Row } from './run.js';

const CLIENTS = 200;
const SECONDS = 10;

export async function benchClients(dir: string): Promise<Row[]> {
  let board: net.Socket | undefined;
  const server = net.createServer((s) => { board = s; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const d = await startDaemon(dir, { consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port } }] });
  for (let i = 0; i < 200 && !board; i++) await sleep(10);
  const lat: number[] = [];
  const received = new Array<number>(CLIENTS).fill(0);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const ws = new WebSocket(d.url.replace('http', 'ws') + '/api/v1/consoles/b/stream?batch=1');
    let n = 0;
    ws.on('message', (data: Buffer) => {
      received[i] += data.length;
      // Sample latency on every 10th frame (parsing 200 MB/s of JSON would measure this process, not the daemon).
      if (++n % 10 !== 0) return;
      const t = now();
      const m = /"text":"T(\d+\.\d+) /.exec(data.toString('latin1', 0, 300));
      if (m) lat.push(t - Number(m[1]));
    });
    sockets.push(ws);
  }
  await Promise.all(sockets.map((ws) => new Promise((r) => ws.once('open', r))));
  await sleep(500);
  const pid = d.proc.pid!;
  const cpu0 = cpuSeconds(pid);
  const t0 = now();
  const pad = 'q'.repeat(70);
  let bytes = 0;
  // 1 MB/s, paced by the clock (a timer of 10 ms fires late in a busy process): every ~10 ms,
  // write whatever is owed so far, in lines of about 90 bytes.
  const RATE = 1024 * 1024;
  while (now() - t0 < SECONDS * 1000) {
    const owed = ((now() - t0) / 1000) * RATE - bytes;
    let s = '';
    while (s.length < owed) s += `T${now().toFixed(3)} ${pad}\n`;
    if (s) board!.write(s);
    bytes += s.length;
    await sleep(10);
  }
  const secs = (now() - t0) / 1000;
  await sleep(1000);
  const cpu = cpuSeconds(pid) - cpu0;
  const rss = rssMB(pid);
  const s = lat.sort((a, b) => a - b);
  const min = Math.min(...received);
  const r = await (await fetch(`${d.url}/api/v1/consoles`)).json() as { consoles: Array<{ counters: { clients: number; queueDrops: number } }> };
  for (const ws of sockets) ws.terminate();
  d.proc.kill('SIGTERM');
  server.close();
  await sleep(300);
  return [
    { section: 'clients', metric: `${CLIENTS} clients at ${fmt(bytes / secs / 1048576, 2)} MB/s: daemon CPU (%)`, value: fmt((cpu / secs) * 100, 0) },
    { section: 'clients', metric: 'daemon RSS (MB)', value: fmt(rss, 0) },
    { section: 'clients', metric: 'per-client latency p50 / p99 (ms)', value: `${fmt(percentile(s, 50), 1)} / ${fmt(percentile(s, 99), 1)}` },
    { section: 'clients', metric: 'clients held / drops', value: `${r.consoles[0].counters.clients} / ${r.consoles[0].counters.queueDrops}`, target: `${CLIENTS} held` },
    { section: 'clients', metric: 'slowest client received (MB)', value: fmt(min / 1048576, 1) },
  ];
}
