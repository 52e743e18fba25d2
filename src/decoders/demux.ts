// Demultiplexing: which stream a console line belongs to, and its prefix fields.
// Formats: Xen `(XEN) ` / `(dN) ` prefixes and `console_timestamps=` stamps (xen-console-reference
// §5.1-5.4), Linux `[    1.234567][    T1] ` printk prefixes (linux-console-reference §1.1).
//
// This runs on every console line: first-character checks gate every regex, the Linux prefix is
// read by a hand-written scanner, and the engine passes an array to fill (no allocation per line
// besides the tagged line itself).
import type { InputLine, TaggedLine } from './types.js';
import { code, isDigit, isSpace } from './util.js';

// `date`/`datems`: [2026-11-23 18:20:14(.123)], `boot`: [    1.234567], `raw`: [00000000004bfa07]
const XEN_STAMP = /^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?|\s*\d+\.\d{6}|[0-9a-f]{16})\] /;
const LEVEL_MARKERS = /^(?:<[0-3G]>)+/;
const GUEST = /^\(d(\d+)\) ?/;
const VPL011 = /^DOM(\d+): /;
// Mail and forum copies: `> ` quote prefixes, a literal `^M` left from a CR.
const QUOTE = /^(?:> ?)+(?=\(XEN\)|\(d\d+\)|<\d>|\[\s*\d+\.\d+\])/;
const CARET_M = /(?:\^M)+$/;
const LOGIN_GLUE = /^(.*? login: )(?=\[\s*\d+\.\d{6}\])/;
// Firmware and boot loaders. Conservative: only markers that Linux and Xen never print untagged.
const FIRMWARE = /^(?:(?:NOTICE|INFO|WARNING|ERROR|VERBOSE): {2,}|U-Boot(?: SPL| TPL| VPL)? \d{4}\.\d\d|=> |Hit any key to stop autoboot|## (?:Booting|Loading|Flattened|Executing|Starting|Transferring)|Starting kernel \.\.\.|Trying to boot from |GNU GRUB|Loading Xen |BdsDxe: |UEFI firmware|EFI stub: Booting|Shell> )/;

// First characters of the FIRMWARE markers: most lines are rejected without running the regex.
const FIRMWARE_FIRST = new Uint8Array(128);
for (const c of 'NIWEVU=HT#SGLBU') FIRMWARE_FIRST[c.charCodeAt(0)] = 1;

export function xenStampSeconds(stamp: string): number | undefined {
  const t = stamp.trim();
  if (/^\d+\.\d{6}$/.test(t)) return Number(t);
  return undefined;
}

type Base = { seq: number; ts: number; text: string; partial?: boolean };

/** Every tagged line has the same shape (one hidden class): fields not known are undefined. */
function mk(base: Base, stream: TaggedLine['stream'], body: string): TaggedLine {
  return {
    seq: base.seq,
    ts: base.ts,
    text: base.text,
    stream,
    domain: undefined,
    body,
    xenTime: undefined,
    time: undefined,
    caller: undefined,
    level: undefined,
    leakedLevel: undefined,
    split: undefined,
    replay: undefined,
    ringStart: undefined,
    partial: base.partial ? true : undefined,
  };
}

/** `(XEN)` at the start of `s` (a char test first: startsWith is a builtin call). */
function isXenTagged(s: string): boolean {
  return code(s, 0) === 0x28 /* ( */ && s.startsWith('(XEN)');
}

function tagXen(base: Base, rest: string): TaggedLine {
  const line = mk(base, 'xen', rest);
  const c0 = code(rest, 0);
  if (c0 === 0x5b /* [ */) {
    const st = XEN_STAMP.exec(rest);
    if (st) {
      line.xenTime = st[1];
      const secs = xenStampSeconds(st[1]);
      if (secs !== undefined) line.time = secs;
      rest = rest.slice(st[0].length);
    }
  }
  if (code(rest, 0) === 0x3c /* < */) {
    const lv = LEVEL_MARKERS.exec(rest);
    if (lv) { line.leakedLevel = lv[0]; rest = rest.slice(lv[0].length); }
  }
  if (code(rest, 0) === 0x44 /* D */ && rest.startsWith('DOM')) {
    const v = VPL011.exec(rest);
    if (v) {
      // A dom0less domU's vpl011 line printed by Xen: it is that guest's output.
      line.stream = 'guest';
      line.domain = Number(v[1]);
      return withLinuxPrefix(line, rest.slice(v[0].length));
    }
  }
  line.body = rest;
  return line;
}

/**
 * The Linux printk prefix at the start of `s`, read by hand (it runs on every dom0 line). Same
 * grammar as `/^(?:<(\d{1,3})>)?\[\s*(\d+)\.(\d+)\]((?:\[[^\]]{1,24}\])*) ?/`: optional `<N>`,
 * `[ time]`, any number of `[...]` caller groups (1-24 characters each), one optional space. The
 * caller is the first `[\s*([TC]\d+)\]` inside the groups. Sets `level`, `time` and `caller` on
 * `line` and returns the prefix length, or 0 (and sets nothing) when there is no prefix.
 */
function linuxPrefix(line: TaggedLine, s: string): number {
  const n = s.length;
  let i = 0;
  let level = -1;
  if (code(s, 0) === 0x3c /* < */) {
    let j = 1;
    while (j < 4 && j < n && isDigit(s.charCodeAt(j))) j++;
    if (j === 1 || code(s, j) !== 0x3e /* > */) return 0;
    level = Number(s.slice(1, j));
    i = j + 1;
  }
  if (code(s, i) !== 0x5b /* [ */) return 0;
  i++;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  const t0 = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  if (i === t0 || code(s, i) !== 0x2e /* . */) return 0;
  i++;
  const f0 = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  if (i === f0 || code(s, i) !== 0x5d /* ] */) return 0;
  const t1 = i;
  i++;
  // Caller groups: `[` + 1..24 characters other than `]` + `]`, as many as there are.
  const g0 = i;
  while (code(s, i) === 0x5b) {
    const lim = Math.min(n, i + 26);
    let j = i + 1;
    while (j < lim && s.charCodeAt(j) !== 0x5d) j++;
    if (j >= lim || j === i + 1) break;
    i = j + 1;
  }
  if (i > g0) {
    const caller = findCaller(s, g0, i);
    if (caller !== undefined) line.caller = caller;
  }
  if (code(s, i) === 0x20) i++;
  if (level >= 0) line.level = level;
  line.time = Number(s.slice(t0, t1));
  return i;
}

/** The first `[\s*([TC]\d+)\]` in s[from, to). */
function findCaller(s: string, from: number, to: number): string | undefined {
  for (let p = from; p < to; p++) {
    if (code(s, p) !== 0x5b) continue;
    let k = p + 1;
    while (k < to && isSpace(s.charCodeAt(k))) k++;
    const c = code(s, k);
    if (k >= to || (c !== 0x54 /* T */ && c !== 0x43 /* C */)) continue;
    const id0 = k;
    k++;
    const d0 = k;
    while (k < to && isDigit(s.charCodeAt(k))) k++;
    if (k > d0 && k < to && s.charCodeAt(k) === 0x5d) return s.slice(id0, k);
  }
  return undefined;
}

function withLinuxPrefix(line: TaggedLine, rest: string): TaggedLine {
  const c0 = code(rest, 0);
  if (c0 === 0x5b /* [ */ || c0 === 0x3c /* < */) {
    const len = linuxPrefix(line, rest);
    if (len > 0) rest = rest.slice(len);
  }
  line.body = rest;
  return line;
}

function tagOne(base: Base, text: string): TaggedLine {
  if (isXenTagged(text)) return tagXen(base, text.slice(code(text, 5) === 0x20 ? 6 : 5));
  const c0 = code(text, 0);
  if (c0 === 0x28 /* ( */ && text.startsWith('(d')) {
    const g = GUEST.exec(text);
    if (g) {
      let rest = text.slice(g[0].length);
      const line = mk(base, 'guest', rest);
      line.domain = Number(g[1]);
      if (code(rest, 0) === 0x5b) {
        const st = XEN_STAMP.exec(rest);
        if (st) { line.xenTime = st[1]; rest = rest.slice(st[0].length); }
      }
      return withLinuxPrefix(line, rest);
    }
  }
  if (c0 < 128 && FIRMWARE_FIRST[c0] === 1 && FIRMWARE.test(text)) return mk(base, 'firmware', text);
  return withLinuxPrefix(mk(base, 'plain', text), text);
}

/** Where a `(XEN) ` glued onto the line starts (index > 0), or -1. Looks for `(` first (cheap). */
function embeddedXen(text: string): number {
  let at = text.indexOf('(', 1);
  while (at > 0) {
    if (text.startsWith('XEN) ', at + 1)) return at;
    at = text.indexOf('(', at + 1);
  }
  return -1;
}

/**
 * Tag one framed line into out[0], and out[1] when there are two; returns how many (the engine
 * reuses `out`: no array per line). Two when a `(XEN)` line was glued onto the end of a dom0 line
 * (the hvc console writes dom0 output in chunks, Xen writes whole lines) or a kernel line onto a
 * `login: ` prompt. Never throws.
 */
export function demuxInto(input: InputLine, out: TaggedLine[]): 1 | 2 {
  let text = input.text;
  if (code(text, 0) === 0x3e /* > */) text = text.replace(QUOTE, '');
  const e = text.length - 1;
  if (code(text, e) === 0x4d /* M */ && code(text, e - 1) === 0x5e /* ^ */) text = text.replace(CARET_M, '');
  const base: Base = input;

  if (!isXenTagged(text)) {
    const at = embeddedXen(text);
    if (at > 0) {
      const head = tagOne(base, text.slice(0, at));
      head.split = true;
      const tail = tagOne(base, text.slice(at));
      tail.split = true;
      out[0] = head;
      out[1] = tail;
      return 2;
    }
    // The glued kernel line starts with `[`, at least 8 characters in (after ` login: `).
    const glue = text.indexOf('[', 8) > 0 && text.indexOf(' login: ') >= 0 ? LOGIN_GLUE.exec(text) : null;
    if (glue) {
      const head = tagOne(base, glue[1]);
      const tail = tagOne(base, text.slice(glue[1].length));
      head.split = true;
      tail.split = true;
      out[0] = head;
      out[1] = tail;
      return 2;
    }
  }
  out[0] = tagOne(base, text);
  return 1;
}

/** Tag one framed line: one tagged line, or two for a glued line (see demuxInto). Never throws. */
export function demux(input: InputLine): TaggedLine[] {
  const out: TaggedLine[] = [];
  demuxInto(input, out);
  return out;
}
