// Small parsing helpers shared by decoder families.

/** Parse a Xen rangeset or cpumask list as printed (`34-39, 48-79`, `0-1`, ``) into [lo, hi] pairs. */
export function parseRangeset(s: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const part of s.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([0-9a-fA-Fx]+)(?:\s*-\s*([0-9a-fA-Fx]+))?$/.exec(p);
    if (!m) continue;
    const lo = toNum(m[1]);
    const hi = m[2] !== undefined ? toNum(m[2]) : lo;
    if (Number.isFinite(lo) && Number.isFinite(hi)) out.push([lo, hi]);
  }
  return out;
}

function toNum(s: string): number {
  return s.startsWith('0x') || /[a-fA-F]/.test(s) ? parseInt(s.replace(/^0x/, ''), 16) : parseInt(s, 10);
}

export function inRangeset(ranges: Array<[number, number]>, n: number): boolean {
  return ranges.some(([lo, hi]) => n >= lo && n <= hi);
}

/** A hex string (with or without 0x, any width) as a BigInt; undefined when not hex. */
export function hexBig(s: string): bigint | undefined {
  const t = s.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{1,16}$/.test(t)) return undefined;
  return BigInt('0x' + t);
}

/** Bits [hi:lo] of a value. */
export function bits(v: bigint, hi: number, lo: number): number {
  return Number((v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));
}
