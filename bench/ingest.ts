// Sustained ingest with the store and the decoders on: a TCP server (like a QEMU chardev) sends
// real Xen console output as fast as the daemon takes it; MB/s and the daemon's CPU use.
import net from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startDaemon } from './daemon.js';
import { cpuSeconds, fmt, now, rssMB, sleep } from './lib.js';
import type { Row } from './run.js';

export function fixtureCorpus(): Buffer {
  const parts: Buffer[] = [];
  for (const d of ['qemu', 'qemu-debug', 'public']) {
    const dir = path.resolve('test/fixtures', d);
    for (const f of readdirSync(dir).sort()) parts.push(readFileSync(path.join(dir, f)));
  }
  return Buffer.concat(parts);
}

export async function benchIngest(dir: string): Promise<Row[]> {
  const corpus = fixtureCorpus();
  const total = 200 * 1024 * 1024;
  let sent = 0;
  const server = net.createServer((sock) => {
    const pump = () => {
      while (sent < total) {
        const n = Math.min(corpus.length, total - sent);
        sent += n;
        if (!sock.write(corpus.subarray(0, n))) { sock.once('drain', pump); return; }
      }
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const d = await startDaemon(dir, { consoles: [{ id: 'fast', source: { type: 'tcp', host: '127.0.0.1', port } }] });
  const pid = d.proc.pid!;
  const cpu0 = cpuSeconds(pid);
  const t0 = now();
  let bytesIn = 0;
  let lines = 0;
  while (bytesIn < total) {
    await sleep(250);
    const r = await (await fetch(`${d.url}/api/v1/consoles/fast`)).json() as { counters: { bytesIn: number; lines: number } };
    bytesIn = r.counters.bytesIn;
    lines = r.counters.lines;
    if (now() - t0 > 120_000) break;
  }
  const secs = (now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const rss = rssMB(pid);
  d.proc.kill('SIGTERM');
  server.close();
  await sleep(300);
  const mb = bytesIn / 1048576;
  return [
    { section: 'ingest', metric: 'sustained ingest, store + decoders on (MB/s)', value: fmt(mb / secs, 1), target: '>= 20' },
    { section: 'ingest', metric: 'ingest per CPU-second of the daemon (MB/s)', value: fmt(mb / cpu, 1) },
    { section: 'ingest', metric: 'lines/s', value: fmt(lines / secs, 0) },
    { section: 'ingest', metric: 'daemon RSS after 200 MB (MB)', value: fmt(rss, 0) },
  ];
}
