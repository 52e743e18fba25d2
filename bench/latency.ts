// PTY -> WebSocket latency. A small writer (bench/pty-writer.py) owns a real PTY and writes
// numbered lines, each stamped with CLOCK_MONOTONIC just before its write; the daemon reads the
// PTY's device as a `serial` console; this process receives the lines on a WebSocket client and
// compares the stamp with its own CLOCK_MONOTONIC (process.hrtime). Nothing relays the bytes
// between the writer and the daemon, and the sending side's timers are not in the figure.
// Each paced line's time is also split at the daemon's receive time (the line's `ts`), and the
// daemon's own part (read -> send) comes from its `xenuart_publish_seconds` histogram.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import { startDaemon } from './daemon.js';
import { fmt, percentile, sleep } from './lib.js';
import type { Row } from './run.js';

const STAMP = /^L(\d+) (\d+) /;

/** The writer's CLOCK_MONOTONIC stamp (ns) of a stamped line, or undefined for another line. */
function stampOf(text: string): bigint | undefined {
  const m = STAMP.exec(text);
  return m ? BigInt(m[2]) : undefined;
}

/** Latency in ms of a stamped line received now, or undefined for another line. */
function latencyOf(text: string, nowNs: bigint): number | undefined {
  const st = stampOf(text);
  return st === undefined ? undefined : Number(nowNs - st) / 1e6;
}

interface Writer {
  dev: string;
  run(cmd: string): Promise<void>;
  close(): void;
}

async function ptyWriter(): Promise<Writer> {
  const proc: ChildProcessWithoutNullStreams = spawn('python3', [path.resolve('bench/pty-writer.py')]);
  const rl = readline.createInterface({ input: proc.stdout });
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  rl.on('line', (l) => { lines.push(l); wake?.(); });
  const next = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((r) => (wake = r));
    return lines.shift()!;
  };
  const dev = await next();
  return {
    dev,
    async run(cmd) {
      proc.stdin.write(cmd + '\n');
      const reply = await next();
      if (!reply.startsWith('done')) throw new Error(`pty writer: ${reply}`);
    },
    close() { proc.stdin.end('quit\n'); },
  };
}

function stats(lat: number[]): { p50: number; p90: number; p99: number } {
  const s = [...lat].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99) };
}

/**
 * The floor under the daemon's figure: a second writer and PTY, read in this process by
 * serialport with the daemon's own binding (src/uart/serial.ts: read(2) on the event loop). It is measured in rounds interleaved with the daemon's (below), so both see the same
 * minutes of this machine: a shared VM's wake-up delays come and go from one minute to the next.
 */
async function ptyFloor(): Promise<{ run(cmd: string): Promise<void>; lat: number[]; close(): Promise<void> }> {
  const { SerialPort } = await import('serialport');
  const { binding } = await import('../src/uart/serial.js');
  const w = await ptyWriter();
  const port = new SerialPort({ binding, path: w.dev, baudRate: 4000000 } as ConstructorParameters<typeof SerialPort>[0]);
  const lat: number[] = [];
  let buf = '';
  port.on('data', (c: Buffer) => {
    const t = process.hrtime.bigint();
    buf += c.toString('latin1');
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      const l = latencyOf(buf.slice(0, i), t);
      if (l !== undefined) lat.push(l);
    }
  });
  await sleep(300);
  return {
    run: (cmd) => w.run(cmd),
    lat,
    async close() {
      await new Promise<void>((r) => port.close(() => r()));
      w.close();
    },
  };
}

/** Paced lines per round, and rounds: 2000 lines one every 5 ms for the daemon and for the floor. */
const ROUND = 500;
const ROUNDS = 4;

export async function benchLatency(dir: string): Promise<Row[]> {
  const floorPty = await ptyFloor();
  const w = await ptyWriter();
  const d = await startDaemon(dir, {
    consoles: [{ id: 'pty', source: { type: 'serial', path: w.dev, baudRate: 4000000 } }],
    ...(process.env.BENCH_FLUSH ? { storage: { dir: path.join(dir, 'data'), flushMs: Number(process.env.BENCH_FLUSH) } } : {}),
  });
  const lat: number[] = [];
  // Where each line's time went: from the writer's stamp to the daemon's receive time (the line's
  // `ts`: performance.timeOrigin + now() in the daemon, wall clock in ms) and from there to this
  // process. The two clocks meet through this process's own offset between them.
  const toDaemon: number[] = [];
  const wallMinusMono = performance.timeOrigin + performance.now() - Number(process.hrtime.bigint()) / 1e6;
  const ws = new WebSocket(d.url.replace('http', 'ws') + '/api/v1/consoles/pty/stream?batch=1');
  ws.on('message', (data) => {
    const t = process.hrtime.bigint();
    const m = JSON.parse(data.toString()) as { type: string; messages?: Array<{ type: string; text: string; ts: number }>; text?: string };
    const msgs = m.type === 'batch' ? m.messages! : [m as { type: string; text: string; ts: number }];
    for (const x of msgs) {
      if (x.type !== 'line') continue;
      const st = stampOf(x.text);
      if (st === undefined) continue;
      lat.push(Number(t - st) / 1e6);
      toDaemon.push(x.ts - wallMinusMono - Number(st) / 1e6);
    }
  });
  await new Promise((r) => ws.once('open', r));
  await sleep(500);
  // The daemon's own event-loop delay over the paced phase: each scrape resets prom-client's histogram.
  const loopLag = async (): Promise<number> => {
    const m = /^xenuart_process_nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(await (await fetch(`${d.url}/metrics`)).text());
    return m ? Number(m[1]) * 1000 : NaN;
  };
  // The daemon's own part (xenuart_publish_seconds: from a chunk's read to its lines' send), as
  // cumulative bucket counts by upper bound; the paced phase's share is the difference of two scrapes.
  const publishBuckets = async (): Promise<Map<string, number>> => {
    const text = await (await fetch(`${d.url}/metrics`)).text();
    return new Map([...text.matchAll(/^xenuart_publish_seconds_bucket\{le="([^"]+)",console="pty"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  };
  const rows: Row[] = [];
  // Warm-up (JIT, first allocations), not measured.
  await floorPty.run('paced 300 2');
  await w.run('paced 300 2');
  await sleep(300);
  lat.length = 0;
  toDaemon.length = 0;
  floorPty.lat.length = 0;
  await loopLag();
  const pub0 = await publishBuckets();
  // 1) one line every 5 ms, in rounds alternating with the floor's
  for (let r = 0; r < ROUNDS; r++) {
    await floorPty.run(`paced ${ROUND} 5`);
    await sleep(100);
    await w.run(`paced ${ROUND} 5`);
    await sleep(100);
  }
  await sleep(400);
  const paced = stats(lat);
  const read = stats(toDaemon);
  const slow = lat.map((l, i) => [l, toDaemon[i]] as const).sort((a, b) => b[0] - a[0]).slice(0, Math.ceil(lat.length / 100));
  const slowRead = slow.filter(([l, r]) => r > l / 2).length;
  const floor = stats(floorPty.lat);
  await floorPty.close();
  const received = lat.length;
  const lag = await loopLag();
  const pub1 = await publishBuckets();
  const chunks = (pub1.get('+Inf') ?? 0) - (pub0.get('+Inf') ?? 0);
  // The smallest bucket bound holding 99% of the paced phase's chunks.
  const p99Bound = [...pub1.keys()].find((le) => (pub1.get(le)! - (pub0.get(le) ?? 0)) >= 0.99 * chunks);
  rows.push({ section: 'latency', metric: 'PTY->WS p50, 1 line / 5 ms (ms)', value: fmt(paced.p50, 3) });
  rows.push({ section: 'latency', metric: 'PTY->WS p90, 1 line / 5 ms (ms)', value: fmt(paced.p90, 3) });
  rows.push({ section: 'latency', metric: 'PTY->WS p99, 1 line / 5 ms (ms)', value: fmt(paced.p99, 3), target: '< 2' });
  rows.push({ section: 'latency', metric: 'of which writer -> daemon read (its receive time), p50/p90/p99 (ms)', value: `${fmt(read.p50, 3)} / ${fmt(read.p90, 3)} / ${fmt(read.p99, 3)}` });
  rows.push({ section: 'latency', metric: 'slowest 1% of lines: most of the time before the daemon read them', value: `${slowRead} of ${slow.length}` });
  rows.push({ section: 'latency', metric: "the daemon's own part, read -> send (xenuart_publish_seconds): 99% of chunks within (ms)", value: p99Bound === undefined ? 'n/a' : p99Bound === '+Inf' ? '> 50' : fmt(Number(p99Bound) * 1000, 2) });
  rows.push({ section: 'latency', metric: `lines received of ${ROUND * ROUNDS}`, value: String(received) });
  rows.push({ section: 'latency', metric: 'daemon event-loop delay p99 meanwhile (ms)', value: fmt(lag, 3) });
  rows.push({ section: 'latency', metric: 'floor: a PTY read the daemon\'s way, no daemon, rounds alternating with the above, p50/p90/p99 (ms)', value: `${fmt(floor.p50, 2)} / ${fmt(floor.p90, 2)} / ${fmt(floor.p99, 2)}` });
  // 2) flat out: 20000 lines as fast as the PTY takes them
  lat.length = 0;
  const t0 = performance.now();
  await w.run('burst 20000');
  const writeS = (performance.now() - t0) / 1000;
  for (let i = 0; i < 200 && lat.length < 20000; i++) await sleep(50);
  const flat = stats(lat);
  rows.push({ section: 'latency', metric: 'PTY->WS p50, flat out (ms)', value: fmt(flat.p50, 3) });
  rows.push({ section: 'latency', metric: 'PTY->WS p99, flat out (ms)', value: fmt(flat.p99, 3) });
  rows.push({ section: 'latency', metric: 'flat out: lines/s written (received of 20000)', value: `${fmt(20000 / writeS, 0)} (${lat.length})` });
  ws.close();
  d.proc.kill('SIGTERM');
  w.close();
  await sleep(200);
  return rows;
}
