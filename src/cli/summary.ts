// Readable summary of decoded events for `xenuart decode`.
import type { ConsoleEvent } from '../protocol/events.js';

export function summarise(events: ConsoleEvent[]): string {
  const out: string[] = [];
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  out.push(`${events.length} events`);
  for (const [k, n] of [...counts].sort()) out.push(`  ${k.padEnd(24)} ${n}`);
  out.push('');
  for (const e of events) {
    out.push(`[${e.firstSeq}..${e.lastSeq}] ${e.kind}${e.partial ? ` (partial: ${e.reason ?? '?'})` : ''}  ${brief(e)}`);
  }
  return out.join('\n') + '\n';
}

function brief(e: ConsoleEvent): string {
  const d = e.data as Record<string, unknown>;
  const keys = ['message', 'version', 'target', 'key', 'cpu', 'vcpu', 'domain', 'mode', 'file', 'line', 'irq', 'text', 'trigger'];
  const parts: string[] = [];
  for (const k of keys) if (d[k] !== undefined && typeof d[k] !== 'object') parts.push(`${k}=${String(d[k]).slice(0, 80)}`);
  return parts.join(' ');
}
