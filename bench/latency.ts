// PTY -> WebSocket latency: the bench writes numbered lines at the far end of a socat PTY and
// times their arrival on a WebSocket client of the daemon (same process, same clock).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { startDaemon } from './daemon.js';
import { fmt, now, percentile, sleep } from './lib.js';
import type { Row } from './run.js';

/**
 * The floor under the daemon's figure: the same socat PTY pair and serialport, read directly in
 * this process (no daemon, no store, no WebSocket), same line and pace.
 */
async function ptyBaseline(dir: string): Promise<{ p50: number; p99: number }> {
  const { SerialPort } = await import('serialport');
  const dev = path.join(dir, 'base-dev');
  const far = path.join(dir, 'base-far');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${far}`], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !(fs.existsSync(dev) && fs.existsSync(far)); i++) await sleep(10);
  const farFd = fs.openSync(far, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const port = new SerialPort({ path: dev, baudRate: 4000000 });
  const sent = new Map<number, number>();
  const lat: number[] = [];
  let buf = '';
  port.on('data', (c: Buffer) => {
    const t = now();
    buf += c.toString('latin1');
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      const m = /^L(\d+) /.exec(buf.slice(0, i));
      if (m && sent.has(Number(m[1]))) lat.push(t - sent.get(Number(m[1]))!);
    }
  });
  await sleep(300);
  for (let k = 1; k <= 2000; k++) {
    sent.set(k, now());
    fs.writeSync(farFd, `L${k} (XEN) a typical console line of about eighty characters, paced 5 ms\n`);
    await sleep(5);
  }
  await sleep(300);
  await new Promise<void>((r) => port.close(() => r()));
  fs.closeSync(farFd);
  socat.kill();
  const s = lat.sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

export async function benchLatency(dir: string): Promise<Row[]> {
  const base = await ptyBaseline(dir);
  const dev = path.join(dir, 'tty-dev');
  const far = path.join(dir, 'tty-far');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${far}`], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !(fs.existsSync(dev) && fs.existsSync(far)); i++) await sleep(10);
  const farFd = fs.openSync(far, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const d = await startDaemon(dir, { consoles: [{ id: 'pty', source: { type: 'serial', path: dev, baudRate: 4000000 } }], ...(process.env.BENCH_FLUSH ? { storage: { dir: path.join(dir, 'data'), flushMs: Number(process.env.BENCH_FLUSH) } } : {}) });
  const sent = new Map<number, number>();
  const lat: number[] = [];
  const ws = new WebSocket(d.url.replace('http', 'ws') + '/api/v1/consoles/pty/stream?batch=1');
  ws.on('message', (data) => {
    const t = now();
    const m = JSON.parse(data.toString()) as { type: string; messages?: Array<{ type: string; text: string }>; text?: string };
    const msgs = m.type === 'batch' ? m.messages! : [m as { type: string; text: string }];
    for (const x of msgs) {
      if (x.type !== 'line') continue;
      const k = /^L(\d+) /.exec(x.text);
      if (k && sent.has(Number(k[1]))) lat.push(t - sent.get(Number(k[1]))!);
    }
  });
  await new Promise((r) => ws.once('open', r));
  await sleep(500);
  const write = (s: string) => new Promise<void>((res, rej) => fs.write(farFd, s, (e) => (e ? rej(e) : res())));
  const rows: Row[] = [];
  // Warm-up (JIT, first allocations): 300 lines, not measured.
  let k = 0;
  for (let i = 0; i < 300; i++) {
    await write(`W${i} warm-up line\n`);
    await sleep(2);
  }
  await sleep(300);
  // The daemon's own event-loop delay over the paced phase: each scrape resets prom-client's histogram.
  const loopLag = async (): Promise<number> => {
    const m = /^xenuart_process_nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(await (await fetch(`${d.url}/metrics`)).text());
    return m ? Number(m[1]) * 1000 : NaN;
  };
  await loopLag();
  // 1) one line every 5 ms
  for (let i = 0; i < 2000; i++) {
    const id = ++k;
    sent.set(id, now());
    await write(`L${id} (XEN) a typical console line of about eighty characters, paced 5 ms\n`);
    await sleep(5);
  }
  await sleep(500);
  let s = [...lat].sort((a, b) => a - b);
  rows.push({ section: 'latency', metric: 'PTY->WS p50, 1 line / 5 ms (ms)', value: fmt(percentile(s, 50), 3) });
  rows.push({ section: 'latency', metric: 'PTY->WS p99, 1 line / 5 ms (ms)', value: fmt(percentile(s, 99), 3), target: '< 2' });
  const lag = await loopLag();
  rows.push({ section: 'latency', metric: 'lines received of 2000', value: String(lat.length) });
  rows.push({ section: 'latency', metric: 'daemon event-loop delay p99 meanwhile (ms)', value: fmt(lag, 3) });
  rows.push({ section: 'latency', metric: 'floor: socat PTY -> serialport, no daemon, p50 / p99 (ms)', value: `${fmt(base.p50, 3)} / ${fmt(base.p99, 3)}` });
  // 2) flat out: 20000 lines as fast as the PTY takes them
  lat.length = 0;
  const t0 = now();
  for (let b = 0; b < 200; b++) {
    let chunk = '';
    for (let i = 0; i < 100; i++) {
      const id = ++k;
      sent.set(id, now());
      chunk += `L${id} (XEN) a typical console line of about eighty characters, flat out....\n`;
    }
    await write(chunk);
  }
  const writeS = (now() - t0) / 1000;
  for (let i = 0; i < 200 && lat.length < 20000; i++) await sleep(50);
  s = [...lat].sort((a, b) => a - b);
  rows.push({ section: 'latency', metric: 'PTY->WS p50, flat out (ms)', value: fmt(percentile(s, 50), 3) });
  rows.push({ section: 'latency', metric: 'PTY->WS p99, flat out (ms)', value: fmt(percentile(s, 99), 3) });
  rows.push({ section: 'latency', metric: 'flat out: lines/s written (received of 20000)', value: `${fmt(20000 / writeS, 0)} (${lat.length})` });
  ws.close();
  d.proc.kill('SIGTERM');
  fs.closeSync(farFd);
  socat.kill();
  await sleep(200);
  return rows;
}
