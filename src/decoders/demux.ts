// Demultiplexing: which stream a console line belongs to, and its prefix fields.
// Formats: Xen `(XEN) ` / `(dN) ` prefixes and `console_timestamps=` stamps (xen-console-reference
// §5.1-5.4), Linux `[    1.234567][    T1] ` printk prefixes (linux-console-reference §1.1).
import type { InputLine, TaggedLine } from './types.js';

// `date`/`datems`: [2026-11-23 18:20:14(.123)], `boot`: [    1.234567], `raw`: [00000000004bfa07]
const XEN_STAMP = /^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?|\s*\d+\.\d{6}|[0-9a-f]{16})\] /;
const LEVEL_MARKERS = /^(?:<[0-3G]>)+/;
const GUEST = /^\(d(\d+)\) ?/;
const VPL011 = /^DOM(\d+): /;
// Linux: optional <N>, optional [ time], any number of [caller] groups, then one space.
const LINUX_PREFIX = /^(?:<(\d{1,3})>)?\[\s*(\d+)\.(\d+)\]((?:\[[^\]]{1,24}\])*) ?/;
const CALLER = /\[\s*([TC]\d+)\]/;
const EMBEDDED_XEN = '(XEN) ';
// Mail and forum copies: `> ` quote prefixes, a literal `^M` left from a CR.
const QUOTE = /^(?:> ?)+(?=\(XEN\)|\(d\d+\)|<\d>|\[\s*\d+\.\d+\])/;
const CARET_M = /(?:\^M)+$/;
const LOGIN_GLUE = /^(.*? login: )(?=\[\s*\d+\.\d{6}\])/;
// Firmware and boot loaders. Conservative: only markers that Linux and Xen never print untagged.
const FIRMWARE = /^(?:(?:NOTICE|INFO|WARNING|ERROR|VERBOSE): {2,}|U-Boot(?: SPL| TPL| VPL)? \d{4}\.\d\d|=> |Hit any key to stop autoboot|## (?:Booting|Loading|Flattened|Executing|Starting|Transferring)|Starting kernel \.\.\.|Trying to boot from |GNU GRUB|Loading Xen |BdsDxe: |UEFI firmware|EFI stub: Booting|Shell> )/;

// First characters of the FIRMWARE markers: most lines are rejected without running the regex.
const FIRMWARE_FIRST = new Set([...'NIWEVU=HT#SGLBU'].map((c) => c.charCodeAt(0)));

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
    partial: base.partial ? true : undefined,
  };
}

function tagXen(base: Base, rest: string): TaggedLine {
  const line = mk(base, 'xen', rest);
  const c0 = rest.charCodeAt(0);
  if (c0 === 0x5b /* [ */) {
    const st = XEN_STAMP.exec(rest);
    if (st) {
      line.xenTime = st[1];
      const secs = xenStampSeconds(st[1]);
      if (secs !== undefined) line.time = secs;
      rest = rest.slice(st[0].length);
    }
  }
  if (rest.charCodeAt(0) === 0x3c /* < */) {
    const lv = LEVEL_MARKERS.exec(rest);
    if (lv) { line.leakedLevel = lv[0]; rest = rest.slice(lv[0].length); }
  }
  if (rest.charCodeAt(0) === 0x44 /* D */ && rest.startsWith('DOM')) {
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

function withLinuxPrefix(line: TaggedLine, rest: string): TaggedLine {
  const c0 = rest.charCodeAt(0);
  if (c0 === 0x5b /* [ */ || c0 === 0x3c /* < */) {
    const m = LINUX_PREFIX.exec(rest);
    if (m) {
      if (m[1] !== undefined) line.level = Number(m[1]);
      line.time = Number(`${m[2]}.${m[3]}`);
      if (m[4]) {
        const c = CALLER.exec(m[4]);
        if (c) line.caller = c[1];
      }
      rest = rest.slice(m[0].length);
    }
  }
  line.body = rest;
  return line;
}

function tagOne(base: Base, text: string): TaggedLine {
  if (text.startsWith('(XEN)')) return tagXen(base, text.slice(text.charCodeAt(5) === 0x20 ? 6 : 5));
  if (text.startsWith('(d')) {
    const g = GUEST.exec(text);
    if (g) {
      let rest = text.slice(g[0].length);
      const line = mk(base, 'guest', rest);
      line.domain = Number(g[1]);
      if (rest.charCodeAt(0) === 0x5b) {
        const st = XEN_STAMP.exec(rest);
        if (st) { line.xenTime = st[1]; rest = rest.slice(st[0].length); }
      }
      return withLinuxPrefix(line, rest);
    }
  }
  if (FIRMWARE_FIRST.has(text.charCodeAt(0)) && FIRMWARE.test(text)) return mk(base, 'firmware', text);
  return withLinuxPrefix(mk(base, 'plain', text), text);
}

/**
 * Tag one framed line. Usually returns one tagged line; returns two when a `(XEN)` line was glued
 * onto the end of a dom0 line (the hvc console writes dom0 output in chunks, Xen writes whole
 * lines) or a kernel line onto a `login: ` prompt. Never throws.
 */
export function demux(input: InputLine): TaggedLine[] {
  let text = input.text;
  if (text.length > 0 && (text.charCodeAt(0) === 0x3e /* > */)) text = text.replace(QUOTE, '');
  if (text.endsWith('^M')) text = text.replace(CARET_M, '');
  const base: Base = input;

  if (!text.startsWith('(XEN)')) {
    const at = text.indexOf(EMBEDDED_XEN, 1);
    if (at > 0) {
      const head = tagOne(base, text.slice(0, at));
      head.split = true;
      const tail = tagOne(base, text.slice(at));
      tail.split = true;
      return [head, tail];
    }
    const glue = text.indexOf(' login: ') >= 0 ? LOGIN_GLUE.exec(text) : null;
    if (glue) {
      const head = tagOne(base, glue[1]);
      const tail = tagOne(base, text.slice(glue[1].length));
      head.split = true;
      tail.split = true;
      return [head, tail];
    }
  }
  return [tagOne(base, text)];
}
