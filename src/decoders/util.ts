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

/** 1 to 16 hex digits: a register or address as Xen prints it (after trim and `0x`). */
export const HEX16 = /^[0-9a-fA-F]{1,16}$/;

/**
 * A hex value (`0x` prefix allowed, blanks around it ignored) of 1 to 16 digits as its high and
 * low 32 bits, or undefined. Plain numbers (much cheaper than BigInt), read by hand: it runs for
 * every dump's CPSR and ESR and every guest trap's HSR.
 */
export function hexHalves(s: string): [hi: number, lo: number] | undefined {
  let i = 0;
  let n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  while (n > i && isSpace(s.charCodeAt(n - 1))) n--;
  if (n - i >= 2 && s.charCodeAt(i) === 0x30 && (s.charCodeAt(i + 1) | 0x20) === 0x78 /* x */) i += 2;
  const len = n - i;
  if (len < 1 || len > 16) return undefined;
  const split = n - 8 > i ? n - 8 : i; // the low 32 bits are the last 8 digits
  let hi = 0;
  let lo = 0;
  for (let k = i; k < n; k++) {
    const d = hexDigitValue(s.charCodeAt(k));
    if (d < 0) return undefined;
    if (k < split) hi = hi * 16 + d;
    else lo = lo * 16 + d;
  }
  return [hi, lo];
}

/** ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The value of a hex digit (either case), or -1. */
export function hexDigitValue(c: number): number {
  return c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
}

/** Hex digit, either case. */
export function isHexDigit(c: number): boolean {
  return hexDigitValue(c) >= 0;
}

/** Regex `\w` (ASCII letters, digits, `_`). */
export function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** Index of the first character of `s` that `trim()` keeps (s.length when blank). */
export function firstNonBlank(s: string): number {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** JavaScript regex `\s` (without the `u` flag): the characters String.prototype.trim removes. */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * `s.charCodeAt(i)` (NaN past either end, as charCodeAt gives), without ever reading out of
 * bounds. The decoders test first characters of possibly empty strings everywhere; an
 * out-of-bounds charCodeAt makes V8 throw away the optimised code of the calling function the first
 * time it happens (a deopt and a recompile of a large function during warm-up). This small guard is
 * inlined and never deopts.
 */
export function code(s: string, i: number): number {
  return i >= 0 && i < s.length ? s.charCodeAt(i) : NaN;
}

/**
 * Can a line starting with character code `c` begin with gdprintk's `file.c:NN:`? `__FILE__` is a
 * path as the build passed it: relative (`arch/arm/traps.c`, `xen-source/xen/common/...`), the
 * file's name alone, or absolute (`/build/...`).
 */
export function mayStartSourcePath(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || c === 0x2f /* / */ || c === 0x2e /* . */ || c === 0x5f /* _ */;
}

/** Can the line (first character code `c`) begin with a `file.c:` prefix? A cheap test for the gates. */
export function hasSourcePrefix(b: string, c: number): boolean {
  return mayStartSourcePath(c) && b.indexOf('.c:') > 0;
}

/** That prefix's `__FILE__` as a regex source, for the parsers' patterns. */
export const SOURCE_FILE = String.raw`[\w./-]+\.c`;
