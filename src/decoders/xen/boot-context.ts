// State shared by the sub-decoders of the xen-platform family (one instance per console).
import type { DecodedEvent } from '../types.js';
import { code, HEX16 } from '../util.js';

export class PlatformContext {
  /** GIC version learned from this boot's `GICv2/GICv3 initialization` block. */
  gicVersion?: 2 | 3;
  /** The key whose response is being read, if any (`h`, `q`, `?`...). */
  openKey?: string;
  /** Seq of the line being decoded, and of the line before it. */
  seq = 0;
  prevSeq = 0;
}

/** A single-line event. */
export function lineEvent(kind: string, seq: number, ts: number, data: Record<string, unknown>): DecodedEvent {
  return { kind, firstSeq: seq, lastSeq: seq, ts, data };
}

/** `0x` + lowercase hex without leading zeros, from a printed address (`0x00000008000000`, `0000000008000000`). */
export function normAddr(s: string): string | undefined {
  const t = s.trim().replace(/^0x/i, '');
  if (!HEX16.test(t)) return undefined;
  // What BigInt(t).toString(16) gives, without the BigInt: lowercase, no leading zeros.
  let i = 0;
  while (i < t.length - 1 && code(t, i) === 0x30 /* 0 */) i++;
  return '0x' + t.slice(i).toLowerCase();
}
