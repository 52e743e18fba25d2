// Xen rangesets as printed by `rangeset_printk` (xen/common/rangeset.c): ranges ` %lu-%lu` or
// ` %lu` separated by `,`. Decimal unless the rangeset has RANGESETF_prettyprint_hex: `Interrupts`
// is decimal, `I/O Memory` (page frame numbers) and `I/O Ports` are hex (reference §4.4, key `q`).
import { isSpace } from '../util.js';

// Both parsers scan by hand what `s.split(',')` + one regex per part did: a part is optional
// whitespace, a number, optionally whitespace `-` whitespace and a second number, optional
// whitespace; any other part is skipped.

/** Decimal rangeset (`34-39, 48-79`) into [lo, hi] pairs. Bad parts are skipped. */
export function parseDecimalRanges(s: string, max = 4096): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  while (start <= s.length) {
    let end = s.indexOf(',', start);
    if (end < 0) end = s.length;
    if (scanPart(s, start, end, 10, false)) {
      const lo = Number(s.slice(loStart, loEnd));
      out.push([lo, hiStart < 0 ? lo : Number(s.slice(hiStart, hiEnd))]);
      if (out.length >= max) break;
    }
    start = end + 1;
  }
  return out;
}

/** Hex rangeset (`0-8000, 9010-9011, ff849-ffffffffffffffff`) into ['0x..', '0x..'] pairs (values may exceed 2^53). */
export function parseHexRanges(s: string, max = 4096): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let start = 0;
  while (start <= s.length) {
    let end = s.indexOf(',', start);
    if (end < 0) end = s.length;
    if (scanPart(s, start, end, 16, true)) {
      const lo = '0x' + s.slice(loStart, loEnd).toLowerCase();
      out.push([lo, hiStart < 0 ? lo : '0x' + s.slice(hiStart, hiEnd).toLowerCase()]);
      if (out.length >= max) break;
    }
    start = end + 1;
  }
  return out;
}

// Where scanPart found the numbers (module-level scratch, read right after the call).
let loStart = 0;
let loEnd = 0;
let hiStart = -1;
let hiEnd = -1;

/** One part s[start, end): `\s*N(?:\s*-\s*N)?\s*` with N 1 to `maxDigits` digits. */
function scanPart(s: string, start: number, end: number, maxDigits: number, hex: boolean): boolean {
  let i = skipSpaces(s, start, end);
  loStart = i;
  i = skipDigits(s, i, end, hex);
  loEnd = i;
  if (loEnd === loStart || loEnd - loStart > maxDigits) return false;
  i = skipSpaces(s, i, end);
  hiStart = -1;
  if (i < end && s.charCodeAt(i) === 0x2d /* - */) {
    i = skipSpaces(s, i + 1, end);
    hiStart = i;
    i = skipDigits(s, i, end, hex);
    hiEnd = i;
    if (hiEnd === hiStart || hiEnd - hiStart > maxDigits) return false;
    i = skipSpaces(s, i, end);
  }
  return i === end;
}

function skipSpaces(s: string, i: number, end: number): number {
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  return i;
}

function skipDigits(s: string, i: number, end: number, hex: boolean): number {
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) continue;
    if (hex && ((c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))) continue;
    break;
  }
  return i;
}
