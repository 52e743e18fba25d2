// `npm run bench`: the daemon's speed and memory figures (BENCHMARKS.md keeps the latest).
//   npm run bench                 all sections
//   npm run bench -- latency ingest clients decoder    selected sections
// Every section runs the real daemon (`xenuart serve`) as a child process on loopback.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchLatency } from './latency.js';
import { benchIngest } from './ingest.js';
import { benchClients } from './clients.js';
import { benchDecoder } from './decoder.js';

export interface Row { section: string; metric: string; value: string; target?: string }

const all = ['latency', 'ingest', 'clients', 'decoder'];
const picked = process.argv.slice(2).filter((a) => all.includes(a));
const sections = picked.length ? picked : all;
const rows: Row[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'xenuart-bench-'));
try {
  for (const s of sections) {
    process.stderr.write(`bench: ${s}...\n`);
    const dir = path.join(tmp, s);
    mkdirSync(dir);
    if (s === 'latency') rows.push(...(await benchLatency(dir)));
    if (s === 'ingest') rows.push(...(await benchIngest(dir)));
    if (s === 'clients') rows.push(...(await benchClients(dir)));
    if (s === 'decoder') rows.push(...(await benchDecoder(dir)));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const w = [10, 64, 20, 12];
const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(w[i])).join(' | ') + ' |';
const out = [
  `xenuart benchmarks, ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
  '',
  line(['section', 'metric', 'value', 'target']),
  line(w.map((n) => '-'.repeat(n))),
  ...rows.map((r) => line([r.section, r.metric, r.value, r.target ?? ''])),
];
console.log(out.join('\n'));
mkdirSync('bench/out', { recursive: true });
writeFileSync('bench/out/latest.md', out.join('\n') + '\n');
process.exit(0);
