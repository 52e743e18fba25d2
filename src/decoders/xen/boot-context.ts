// State shared by the sub-decoders of the xen-platform family (one instance per console).
import type { DecodedEvent } from '../types.js';
import { isSpace } from '../util.js';

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
  // Scanned by hand (trim, optional `0x`, 1 to 16 hex digits): GIC blocks call this for every field.
  let i = 0;
  let end = s.length;
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  while (end > i && isSpace(s.charCodeAt(end - 1))) end--;
  if (end - i >= 2 && s.charCodeAt(i) === 0x30 /* 0 */ && (s.charCodeAt(i + 1) | 0x20) === 0x78 /* x */) i += 2;
  const n = end - i;
  if (n < 1 || n > 16) return undefined;
  let lower = true;
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0x41 && c <= 0x46) lower = false; // A-F
    else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return undefined;
  }
  // What BigInt(t).toString(16) gives, without the BigInt: lowercase, no leading zeros.
  while (i < end - 1 && s.charCodeAt(i) === 0x30 /* 0 */) i++;
  const t = s.slice(i, end);
  return '0x' + (lower ? t : t.toLowerCase());
}
