// Decoder throughput over a >= 100 MB file made by concatenating the fixtures, one core, beside
// `grep -c '(XEN)'` on the same file as the reference.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { frameAll } from '../src/framing/framer.js';
import { ConsoleDecoder } from '../src/decoders/engine.js';
import { fixtureCorpus } from './ingest.js';
import { fmt, now } from './lib.js';
import type { Row } from './run.js';

export async function benchDecoder(dir: string): Promise<Row[]> {
  const corpus = fixtureCorpus();
  const reps = Math.ceil((100 * 1024 * 1024) / corpus.length);
  const file = path.join(dir, 'corpus.log');
  const big = Buffer.concat(Array.from({ length: reps }, () => corpus));
  writeFileSync(file, big);
  const mb = big.length / 1048576;
  // Frame first (the daemon frames anyway); time the decoders alone.
  const lines = frameAll(big);
  const dec = new ConsoleDecoder('bench');
  let events = 0;
  const t0 = now();
  for (const l of lines) events += dec.push(l).length;
  events += dec.flush().length;
  const secs = (now() - t0) / 1000;
  // What a user gets: `xenuart decode --json FILE` (a new process: start-up, reading, framing,
  // decoding and writing the JSON Lines, here to /dev/null).
  const c0 = now();
  const cli = spawnSync(process.execPath, [path.resolve('bin/xenuart.js'), 'decode', '--json', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const csecs = (now() - c0) / 1000;
  if (cli.status !== 0) throw new Error(`xenuart decode exited ${cli.status}`);
  const g0 = now();
  const count = execFileSync('grep', ['-c', '(XEN)', file]).toString().trim();
  const gsecs = (now() - g0) / 1000;
  return [
    { section: 'decoder', metric: `decoders over ${fmt(mb, 0)} MB of fixtures (MB/s)`, value: fmt(mb / secs, 0), target: '>= 200' },
    { section: 'decoder', metric: 'events decoded', value: String(events) },
    { section: 'decoder', metric: `xenuart decode --json FILE > /dev/null, whole command (MB/s)`, value: fmt(mb / csecs, 0) },
    { section: 'decoder', metric: "grep -c '(XEN)' on the same file (MB/s)", value: `${fmt(mb / gsecs, 0)} (${count} lines)` },
    { section: 'decoder', metric: 'decoder speed / grep speed', value: fmt(mb / secs / (mb / gsecs), 3), target: '>= 0.1' },
  ];
}
