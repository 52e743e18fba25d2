// History queries against a daemon whose console holds a long history (the ingest section's:
// 240 MB of fixtures: about 470 000 events and 5 million lines), over the REST API as a client
// sees them: each query runs RUNS times and the median wall time is kept.
import { now } from './lib.js';

const RUNS = 15;

export interface QueryTimes { name: string; ms: number; results: number }

export async function historyQueries(url: string, id: string, lastSeq: number): Promise<QueryTimes[]> {
  const api = `${url}/api/v1/consoles/${id}`;
  const queries: Array<[string, string]> = [
    ['events of a rare kind (xen.domain.crash), oldest 1000', `${api}/events?kind=xen.domain.crash`],
    ['events of a common kind (xen.regs), newest 100', `${api}/events?kind=xen.regs&order=desc&limit=100`],
    ['events of a kind family (linux.*), oldest 1000', `${api}/events?kind=linux.*`],
    ['events of the last 2000 lines', `${api}/events?from=${Math.max(1, lastSeq - 2000)}`],
    ['lines: the last 1000', `${api}/lines?order=desc&limit=1000`],
    ['lines: full-text search (Kernel panic), first 100', `${api}/lines?q=${encodeURIComponent('Kernel panic')}&limit=100`],
  ];
  const out: QueryTimes[] = [];
  for (const [name, u] of queries) {
    const times: number[] = [];
    let results = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = now();
      const res = await fetch(u);
      const body = await res.json() as { events?: unknown[]; lines?: unknown[] };
      times.push(now() - t);
      if (!res.ok) throw new Error(`${u}: HTTP ${res.status} ${JSON.stringify(body)}`);
      results = (body.events ?? body.lines ?? []).length;
    }
    times.sort((a, b) => a - b);
    out.push({ name, ms: times[Math.floor(times.length / 2)], results });
  }
  return out;
}
