// Xen rangesets as printed by `rangeset_printk` (xen/common/rangeset.c): ranges ` %lu-%lu` or
// ` %lu` separated by `,`. Decimal unless the rangeset has RANGESETF_prettyprint_hex: `Interrupts`
// is decimal, `I/O Memory` (page frame numbers) and `I/O Ports` are hex (reference §4.4, key `q`).

/** Decimal rangeset (`34-39, 48-79`) into [lo, hi] pairs. Bad parts are skipped. */
export function parseDecimalRanges(s: string, max = 4096): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const part of s.split(',')) {
    const m = /^\s*(\d{1,10})(?:\s*-\s*(\d{1,10}))?\s*$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    out.push([lo, hi]);
    if (out.length >= max) break;
  }
  return out;
}

/** Hex rangeset (`0-8000, 9010-9011, ff849-ffffffffffffffff`) into ['0x..', '0x..'] pairs (values may exceed 2^53). */
export function parseHexRanges(s: string, max = 4096): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of s.split(',')) {
    const m = /^\s*([0-9a-fA-F]{1,16})(?:\s*-\s*([0-9a-fA-F]{1,16}))?\s*$/.exec(part);
    if (!m) continue;
    const lo = '0x' + m[1].toLowerCase();
    const hi = m[2] !== undefined ? '0x' + m[2].toLowerCase() : lo;
    out.push([lo, hi]);
    if (out.length >= max) break;
  }
  return out;
}
