// Decoder profile: the engine's throughput with all families, with none (demux + engine only) and
// with each family alone, over the fixture corpus framed once (framing is not timed).
//   node bin/run-ts.js bench/decoder-profile.ts [--mb N] [--runs N] [--only all,none,xen-crash,...]
//     --only a,b+c   configurations by name; `b+c` runs those families together
//     --cold         no warm-up: the first run includes V8's JIT warm-up, as in bench/decoder.ts
//                    (cold numbers only mean something for one configuration per process, --runs 1)
//   node bin/run-ts.js bench/decoder-profile.ts --digest   hash of every event over the corpus
//   node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/decoder-profile.ts --only all --mb 20
// The machine may be shared: each configuration runs --runs times and the best is reported, with
// the MB per CPU-second of the whole process (lower than MB/s when the JIT or GC threads are busy)
// and the share of the run spent in GC pauses.
import { createHash } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { frameAll } from '../src/framing/framer.js';
import { ConsoleDecoder, decodeText } from '../src/decoders/engine.js';
import { defaultFamilies } from '../src/decoders/families.js';
import type { FamilyFactory, InputLine } from '../src/decoders/types.js';
import { fixtureCorpus } from './ingest.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const corpus = fixtureCorpus();

if (process.argv.includes('--digest')) {
  // Every event over the corpus (decoded as one file), hashed: must not change with speed work.
  const evs = decodeText(corpus, 'bench');
  const h = createHash('sha256');
  for (const e of evs) h.update(JSON.stringify(e) + '\n');
  console.log(`${evs.length} events, sha256 ${h.digest('hex')}`);
  process.exit(0);
}

const targetMB = Number(arg('--mb') ?? 60);
const runs = Number(arg('--runs') ?? 3);
const reps = Math.ceil((targetMB * 1048576) / corpus.length);
const big = Buffer.concat(Array.from({ length: reps }, () => corpus));
const mb = big.length / 1048576;
const lines: InputLine[] = frameAll(big);

const configs: Array<[string, FamilyFactory[]]> = [
  ['all', defaultFamilies],
  ['none', []],
  ...defaultFamilies.map((f): [string, FamilyFactory[]] => [f().name, [f]]),
];
// `--only a,b+c`: configurations by name; `b+c` runs those families together.
const only = arg('--only')?.split(',');
const byName = new Map(configs);
const picked: Array<[string, FamilyFactory[]]> = only
  ? only.map((n): [string, FamilyFactory[]] => [n, n.split('+').flatMap((x) => byName.get(x) ?? [])])
  : configs;

// Garbage-collection pauses (ms, start time) as reported by V8, to see how much of a run is GC.
const gcs: Array<[number, number]> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });

async function once(factories: FamilyFactory[], input: InputLine[]): Promise<{ secs: number; cpuSecs: number; gcSecs: number; events: number }> {
  const dec = new ConsoleDecoder('bench', factories);
  let events = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < input.length; i++) events += dec.push(input[i]).length;
  events += dec.flush().length;
  const t1 = performance.now();
  const cpu = process.cpuUsage(c0);
  await new Promise((r) => setTimeout(r, 10)); // let the observer deliver the GC entries
  let gc = 0;
  for (const [start, d] of gcs) if (start >= t0 && start < t1) gc += d;
  gcs.length = 0;
  // CPU time of the process (not wall time): less disturbed by other processes on a shared machine.
  return { secs: (t1 - t0) / 1000, cpuSecs: (cpu.user + cpu.system) / 1e6, gcSecs: gc / 1000, events };
}

// Warm-up on a slice so every family's code is optimised before timing (unless --cold).
if (!process.argv.includes('--cold')) {
  const warm = lines.slice(0, Math.min(lines.length, 200_000));
  for (const [, f] of picked) await once(f, warm);
}

console.log(`${mb.toFixed(1)} MB, ${lines.length} lines, best of ${runs}`);
for (const [name, f] of picked) {
  let best = Infinity;
  let bestCpu = Infinity;
  let gc = 0;
  let events = 0;
  for (let r = 0; r < runs; r++) {
    const res = await once(f, lines);
    if (res.secs < best) { best = res.secs; gc = res.gcSecs; }
    if (res.cpuSecs < bestCpu) bestCpu = res.cpuSecs;
    events = res.events;
  }
  const gcPct = ((gc / best) * 100).toFixed(0);
  console.log(`${name.padEnd(14)} ${(mb / best).toFixed(0).padStart(5)} MB/s  (${(mb / bestCpu).toFixed(0).padStart(5)} per CPU-second)  ${events} events  (GC ${gcPct}% of the time)`);
}
