// The Linux family's view of a console line, after re-joining fragments (linux-console-reference
// §1.2, §1.3, §5.2): a dom0 line cut by a glued `(XEN)` line, or re-wrapped by a mail client, is
// one logical line spanning seq..endSeq.
import type { Stream, TaggedLine } from '../types.js';

export interface LLine {
  seq: number;
  /** Seq of the last physical line this logical line was joined from. */
  endSeq: number;
  ts: number;
  body: string;
  /** Linux printk timestamp (seconds) when the line had one. */
  time?: number;
  caller?: string;
  level?: number;
  stream: Stream;
  domain?: number;
  /** Length of the last physical line's text (for the mail-wrap test). */
  physLen: number;
}

export function fromTagged(t: TaggedLine): LLine {
  // One object shape for every line (absent fields stay undefined) keeps property access monomorphic.
  return {
    seq: t.seq, endSeq: t.seq, ts: t.ts, body: t.body, time: t.time, caller: t.caller, level: t.level,
    stream: t.stream, domain: t.domain, physLen: t.text.length,
  };
}

/** Key of a (stream, domain) pair: Linux state is kept separately per stream and guest domain. */
export function streamKey(l: { stream: Stream; domain?: number }): string {
  return l.domain === undefined ? l.stream : `${l.stream}:${l.domain}`;
}

// `** N printk messages dropped **`, on its own line or before a record's prefix (§1.2).
const DROPPED = /^\*\* (\d+) printk messages dropped \*\* ?/;
export const REPLAY_MARKER = '** replaying previous printk message **';
// Same prefix grammar as the demux (§1.1): optional <N>, [ time], any number of [caller] groups.
const LINUX_PREFIX = /^(?:<(\d{1,3})>)?\[\s*(\d+)\.(\d+)\]((?:\[[^\]]{1,24}\])*) ?/;
const CALLER = /\[\s*([TC]\d+)\]/;

/** Strip a leading dropped-messages marker; returns the count (0 when absent) and re-parses the rest's prefix. */
export function stripDropped(l: LLine): number {
  const m = DROPPED.exec(l.body);
  if (!m) return 0;
  let rest = l.body.slice(m[0].length);
  const p = LINUX_PREFIX.exec(rest);
  if (p) {
    if (p[1] !== undefined) l.level = Number(p[1]);
    l.time = Number(`${p[2]}.${p[3]}`);
    const c = p[4] ? CALLER.exec(p[4]) : null;
    if (c) l.caller = c[1];
    rest = rest.slice(p[0].length);
  }
  l.body = rest;
  return Number(m[1]);
}

/** Join a wrapped fragment onto a line. `exact`: the fragment continues the same bytes (Xen split). */
export function joinInto(l: LLine, frag: LLine, exact: boolean): void {
  if (exact) l.body += frag.body;
  else {
    // trimEnd/trimStart remove exactly what `\s+$` / `^\s+` match, without running a regex.
    const a = l.body.trimEnd();
    const b = frag.body.trimStart();
    l.body = a.length && b.length ? `${a} ${b}` : a + b;
  }
  if (frag.endSeq > l.endSeq) l.endSeq = frag.endSeq;
  l.physLen = exact ? l.physLen + frag.physLen : frag.physLen;
}

/** Mail clients wrap at 72-78 columns: a fragment is a wrap only if its first word could not fit. */
export const WRAP_COLUMNS = 72;

export function looksWrapped(prev: LLine, frag: string): boolean {
  const t = frag.trimStart();
  let w = t.indexOf(' ');
  if (w < 0) w = t.length;
  return prev.physLen + 1 + w > WRAP_COLUMNS;
}
