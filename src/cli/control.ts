// CLI commands that write to a board: key, lease, break, attach.
import type { Command } from 'commander';
import { ApiError, apiCall, type ClientOptions } from './client.js';
import { attach } from './attach.js';
import { wholeArg } from './args.js';
import { describeEvent } from './summary.js';
import type { ConsoleEvent } from '../protocol/events.js';

interface KeysReply {
  keys: Array<{ key: string; description?: string; firstSeq: number; lastSeq: number; lines: Array<{ text: string }>; events: Array<{ kind: string; firstSeq: number; lastSeq: number; partial?: boolean; data: Record<string, unknown> }> }>;
  focus: { before: string; during: string; after: string };
  ms: number;
}

export function registerControl(program: Command, opts: (o: { url?: string }) => ClientOptions, fail: (e: unknown) => never, urlHelp: string): void {
  program
    .command('key')
    .description('press Xen debug keys on a console and print the decoded answer (input is switched to Xen and back)')
    .argument('<console>', 'console id')
    .argument('<keys>', 'keys to press in order, e.g. q or dq0')
    .option('--url <url>', urlHelp)
    .option('--confirm', 'needed (with an admin token) for R, C, %, +, -, G, A')
    .option('--json', 'print the whole reply as JSON')
    .option('-q, --quiet', 'events only, not the captured lines')
    .action(async (id: string, keys: string, o: { url?: string; confirm?: boolean; json?: boolean; quiet?: boolean }) => {
      try {
        const r = await apiCall<KeysReply>(opts(o), 'POST', `/api/v1/consoles/${encodeURIComponent(id)}/xen/keys`, { keys, ...(o.confirm ? { confirm: true } : {}) });
        if (o.json) { console.log(JSON.stringify(r, null, 2)); return; }
        for (const k of r.keys) {
          console.log(`== '${k.key}'${k.description ? ` ${k.description}` : ''} [${k.firstSeq}..${k.lastSeq}]`);
          if (!o.quiet) for (const l of k.lines) console.log(l.text);
          for (const e of k.events) console.log(`-- ${e.kind} [${e.firstSeq}..${e.lastSeq}]${e.partial ? ' (partial)' : ''}: ${eventBrief(e)}`);
        }
        console.error(`-- input ${r.focus.before} -> ${r.focus.during} -> ${r.focus.after}, ${r.ms} ms`);
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('lease')
    .description('show, take or release the write lease of a console')
    .argument('<console>', 'console id')
    .argument('[action]', 'take | release | show', 'show')
    .option('--url <url>', urlHelp)
    .option('--force', 'admin: take the lease over from its holder')
    .action(async (id: string, action: string, o: { url?: string; force?: boolean }) => {
      try {
        const path = `/api/v1/consoles/${encodeURIComponent(id)}/lease`;
        const method = action === 'take' ? 'POST' : action === 'release' ? 'DELETE' : action === 'show' ? 'GET' : '';
        if (!method) throw new ApiError(400, `unknown action "${action}": take, release or show`);
        const r = await apiCall<{ holder: { name: string; role: string; since: number } | null; you: boolean }>(opts(o), method, path, method === 'POST' ? { ...(o.force ? { force: true } : {}) } : undefined);
        console.log(r.holder ? `held by ${r.holder.name} (${r.holder.role}) since ${new Date(r.holder.since).toISOString()}${r.you ? ' (you)' : ''}` : 'free');
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('break')
    .description('send a BREAK to a console (serial devices, telnet ports); with --sysrq, then that key (Linux magic SysRq)')
    .argument('<console>', 'console id')
    .option('--url <url>', urlHelp)
    .option('--ms <ms>', 'BREAK duration', wholeArg(1), 250)
    .option('--sysrq <key>', 'a SysRq key to send after the BREAK (e.g. h, t, w)')
    .action(async (id: string, o: { url?: string; ms: number; sysrq?: string }) => {
      try {
        await apiCall(opts(o), 'POST', `/api/v1/consoles/${encodeURIComponent(id)}/break`, { ms: o.ms, ...(o.sysrq ? { sysrq: o.sysrq } : {}) });
        console.error(`-- BREAK sent${o.sysrq ? ` then '${o.sysrq}'` : ''}`);
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('attach')
    .description('interactive terminal on a console (like `console` or `xl console`); Ctrl-] then ? for commands')
    .argument('<console>', 'console id')
    .option('--url <url>', urlHelp)
    .option('--take', 'take the write lease at once')
    .action(async (id: string, o: { url?: string; take?: boolean }) => {
      try {
        await attach(opts(o), id, { take: o.take ?? false });
      } catch (e) {
        fail(e);
      }
    });
}

/** An event of a key answer: the one-line description `tail --events` and `decode` use, then its decoded detail. */
export function eventBrief(e: { kind: string; firstSeq: number; lastSeq: number; data: Record<string, unknown> }): string {
  return describeEvent(e as ConsoleEvent) + eventDetail(e).map((l) => `\n     ${l}`).join('');
}

/** The decoded content a person reads first: each LR of a `q` dump, the ESR of a register dump. */
function eventDetail(e: { kind: string; data: Record<string, unknown> }): string[] {
  const d = e.data;
  if (e.kind === 'xen.gic.lrs') {
    type Lr = { index: number; state: string; virq: number; pirq?: number; hw: boolean; priority: number; group?: number };
    const out = ((d.lrs as Lr[] | undefined) ?? [])
      .filter((l) => l.state !== 'invalid' || l.virq !== 0)
      .map((l) => `LR${l.index}: ${l.state.padEnd(14)} vIRQ ${String(l.virq).padEnd(5)}${l.hw ? ` HW pIRQ ${l.pirq}` : ''} prio ${l.priority}${l.group !== undefined ? ` group ${l.group}` : ''}`);
    for (const x of (d.inflight as Array<{ irq: number; lr: number }> | undefined) ?? []) out.push(`inflight irq ${x.irq} ${x.lr === 255 ? 'in no LR' : `in LR${x.lr}`}`);
    for (const irq of (d.pending as number[] | undefined) ?? []) out.push(`pending irq ${irq} (not yet in an LR)`);
    return out;
  }
  if (e.kind === 'xen.regs') {
    const esr = d.esr as { ecName?: string; ec?: number; il?: number; iss?: string | number } | undefined;
    const regs = d.regs as Record<string, string> | undefined;
    const out: string[] = [];
    if (regs) out.push(['PC', 'LR', 'SP', 'CPSR'].filter((k) => regs[k]).map((k) => `${k} ${regs[k]}`).join('  '));
    if (esr?.ecName) out.push(`${regs?.ESR_EL2 !== undefined ? 'ESR_EL2' : 'HSR'}: ${esr.ecName}${esr.il !== undefined ? `, IL=${esr.il}` : ''}${esr.iss !== undefined ? `, ISS ${typeof esr.iss === 'number' ? '0x' + esr.iss.toString(16) : esr.iss}` : ''}`);
    return out;
  }
  return [];
}
