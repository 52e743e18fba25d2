// `xenuart diagnose`: the interrupt diagnosis, on a live console (presses keys) or a saved log.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { apiCall, ApiError, type ClientOptions } from './client.js';
import { wholeArg } from './args.js';

interface Finding { severity: string; title: string; explanation: string; irq?: number; domain?: number; vcpu?: number; evidence: Array<{ firstSeq: number; lastSeq: number; note?: string }> }

export function printFindings(findings: Finding[], lineText?: (seq: number) => string | undefined): string {
  if (findings.length === 0) return 'no findings: nothing in the evidence points at a missing interrupt\n';
  const out: string[] = [];
  findings.forEach((f, i) => {
    const who = [f.irq !== undefined ? `irq ${f.irq}` : '', f.domain !== undefined ? `d${f.domain}` : '', f.vcpu !== undefined ? `v${f.vcpu}` : ''].filter(Boolean).join(' ');
    out.push(`${i + 1}. [${f.severity.toUpperCase()}] ${f.title}${who ? `  (${who})` : ''}`);
    out.push(`   ${f.explanation.replace(/\n/g, '\n   ')}`);
    for (const e of f.evidence) {
      out.push(`   evidence: lines ${e.firstSeq}..${e.lastSeq}${e.note ? ` (${e.note})` : ''}`);
      if (lineText) for (let s = e.firstSeq; s <= Math.min(e.lastSeq, e.firstSeq + 3); s++) { const t = lineText(s); if (t !== undefined) out.push(`     ${s}: ${t}`); }
    }
  });
  return out.join('\n') + '\n';
}

export function registerDiagnose(program: Command, opts: (o: { url?: string }) => ClientOptions, fail: (e: unknown) => never, urlHelp: string): void {
  program
    .command('diagnose')
    .description('diagnose missing interrupts: on a live console (presses q and e twice, then d and 0) or, with --file, on a saved log')
    .argument('[console]', 'console id (live)')
    .option('--file <log>', 'analyse a saved console log instead (offline, nothing is sent anywhere)')
    .option('--url <url>', urlHelp)
    .option('--seconds <n>', 'seconds between the two snapshots', wholeArg(0), 5)
    .option('--proc', 'also type `cat /proc/interrupts` in dom0 (only when a shell prompt is in view)')
    .option('--passive', 'do not press keys: analyse what the console history already holds')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, o: { file?: string; url?: string; seconds: number; proc?: boolean; passive?: boolean; json?: boolean }) => {
      try {
        if (o.file) {
          const { analyzeFramed } = await import('../diagnose/analyze.js');
          const { frameAll } = await import('../framing/framer.js');
          // Framed once: the findings cite these lines' seqs, and the evidence quotes their text
          // (escapes stripped), not a split on LF: a log with CR-only line ends or over-long lines
          // would cite other lines, and a board's escape sequences must not reach the terminal.
          const lines = frameAll(readFileSync(o.file));
          const r = analyzeFramed(lines);
          if (o.json) { console.log(JSON.stringify(r, null, 2)); return; }
          process.stdout.write(printFindings(r.findings as Finding[], (s) => lines[s - 1]?.text));
          return;
        }
        if (!id) throw new ApiError(400, 'give a console id, or --file LOG');
        const path = `/api/v1/consoles/${encodeURIComponent(id)}/diagnose/interrupts`;
        const r = o.passive
          ? await apiCall<{ findings: Finding[] }>(opts(o), 'GET', path)
          : await apiCall<{ findings: Finding[] }>(opts(o), 'POST', path, { seconds: o.seconds, ...(o.proc ? { proc: true } : {}) });
        if (o.json) { console.log(JSON.stringify(r, null, 2)); return; }
        // Show the evidence itself, as the offline mode does: the first lines of each range.
        const text = new Map<number, string>();
        const ranges = r.findings.flatMap((f) => f.evidence).slice(0, 40);
        await Promise.all(ranges.map(async (e) => {
          const to = Math.min(e.lastSeq, e.firstSeq + 3);
          const got = await apiCall<{ lines: Array<{ seq: number; text: string }> }>(opts(o), 'GET', `/api/v1/consoles/${encodeURIComponent(id)}/lines?from=${e.firstSeq}&to=${to}`).catch(() => ({ lines: [] }));
          for (const l of got.lines) text.set(l.seq, l.text);
        }));
        process.stdout.write(printFindings(r.findings, (seq) => text.get(seq)));
      } catch (e) {
        fail(e);
      }
    });
}
