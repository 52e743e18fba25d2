// CLI commands over a console's history on a running daemon: search, events, boots.
import type { Command } from 'commander';
import { wholeArg } from './args.js';
import { apiGet, type ClientOptions } from './client.js';
import { describeEvent } from './summary.js';
import type { ConsoleEvent } from '../protocol/events.js';

interface Line { seq: number; ts: number; text: string; partial?: boolean }
interface Boot { id: number; firstSeq: number; lastSeq: number | null; ts: number; trigger: string; text: string }

const time = (ts: number): string => new Date(ts).toISOString().replace('T', ' ').replace('Z', '');
const qs = (p: Record<string, string | number | undefined>): string =>
  Object.entries(p).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');

export function registerHistory(program: Command, opts: (o: { url?: string }) => ClientOptions, fail: (e: unknown) => never, urlHelp: string): void {
  const positive = wholeArg(1);
  const whole = wholeArg(0);

  program
    .command('search')
    .description("search a console's history (words in order, case-insensitive); prints seq, receive time and line")
    .argument('<console>', 'console id')
    .argument('<text>', 'text to find')
    .option('--url <url>', urlHelp)
    .option('--since <time>', 'lines received at or after: an ISO 8601 date-time or ms since the epoch')
    .option('--until <time>', 'lines received before')
    .option('-n, --limit <n>', 'at most this many matches', positive, 100)
    .option('--first', 'the oldest matches (default: the newest)')
    .option('--json', 'one JSON line per match')
    .action(async (id: string, text: string, o: { url?: string; since?: string; until?: string; limit: number; first?: boolean; json?: boolean }) => {
      try {
        const r = await apiGet<{ lines: Line[]; more: boolean }>(opts(o), `/api/v1/consoles/${encodeURIComponent(id)}/lines?${qs({ q: text, since: o.since, until: o.until, limit: o.limit, order: o.first ? 'asc' : 'desc' })}`);
        // Printed oldest first either way, like a log.
        const ls = o.first ? r.lines : [...r.lines].reverse();
        for (const l of ls) console.log(o.json ? JSON.stringify(l) : `${String(l.seq).padStart(8)}  ${time(l.ts)}  ${l.text}`);
        if (!o.json) console.error(`-- ${ls.length} ${ls.length === 1 ? 'match' : 'matches'}${r.more ? `; more ${o.first ? 'after' : 'before'} these (--limit)` : ''}`);
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('events')
    .description("decoded events from a console's history, one line each (kinds: docs/events.md)")
    .argument('<console>', 'console id')
    .option('--url <url>', urlHelp)
    .option('-k, --kind <kinds>', "comma-separated kinds; 'xen.*' for a family")
    .option('--boot <id>', 'only this boot (ids from `xenuart boots`)', whole)
    .option('--from <seq>', 'events ending at or after this seq', positive)
    .option('-n, --limit <n>', 'at most this many events', positive, 100)
    .option('--first', 'the oldest events (default: the newest)')
    .option('--open', 'instead: the blocks the decoders hold open now (a kernel hung while setting up its interrupts, an oops with no end marker yet); with --kind only')
    .option('--json', 'one JSON event per line')
    .action(async (id: string, o: { url?: string; kind?: string; boot?: number; from?: number; limit: number; first?: boolean; open?: boolean; json?: boolean }) => {
      try {
        let evs: ConsoleEvent[];
        if (o.open) {
          const r = await apiGet<{ events: ConsoleEvent[] }>(opts(o), `/api/v1/consoles/${encodeURIComponent(id)}/events/open`);
          evs = r.events.filter(kindFilter(o.kind));
        } else {
          const r = await apiGet<{ events: ConsoleEvent[] }>(opts(o), `/api/v1/consoles/${encodeURIComponent(id)}/events?${qs({ kind: o.kind, boot: o.boot, from: o.from, limit: o.limit, order: o.first ? 'asc' : 'desc' })}`);
          evs = o.first ? r.events : [...r.events].reverse();
        }
        for (const e of evs) {
          console.log(o.json ? JSON.stringify(e) : `[${e.firstSeq}..${e.lastSeq}] ${e.kind}${e.partial ? ` (partial: ${e.reason ?? '?'})` : ''}: ${describeEvent(e)}`);
        }
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('boots')
    .description("a console's boot records: id, first and last seq, when, what started it")
    .argument('<console>', 'console id')
    .option('--url <url>', urlHelp)
    .option('--json', 'one JSON boot per line')
    .action(async (id: string, o: { url?: string; json?: boolean }) => {
      try {
        const r = await apiGet<{ boots: Boot[] }>(opts(o), `/api/v1/consoles/${encodeURIComponent(id)}/boots`);
        for (const b of r.boots) {
          console.log(o.json ? JSON.stringify(b) : `${String(b.id).padStart(4)}  lines ${b.firstSeq}-${b.lastSeq ?? '…'}  ${time(b.ts)}  ${b.trigger}: ${b.text.slice(0, 100).trimEnd()}`);
        }
      } catch (e) {
        fail(e);
      }
    });
}

/** `--kind a,b.*` as the events route reads it: exact kinds, or a family prefix before `*`. */
function kindFilter(kinds: string | undefined): (e: ConsoleEvent) => boolean {
  const ks = kinds?.split(',').map((k) => k.trim()).filter(Boolean) ?? [];
  if (!ks.length) return () => true;
  return (e) => ks.some((k) => (k.endsWith('*') ? e.kind.startsWith(k.slice(0, -1)) : e.kind === k));
}
