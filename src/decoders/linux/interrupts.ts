// `/proc/interrupts` tables as `cat` prints them on the console (linux-console-reference §6).
// Header: `%*s` then `CPU%-8d` per online CPU. Rows (kernel/irq/proc.c show_interrupts): `%*d:`,
// one count per CPU, then the chip (`irq_print_chip()` or `%8s`, may overflow), hwirq (` %*lu`, blank
// without an irq domain, e.g. Xen event channels), trigger `Level`/`Edge`, `-flow` (desc->name, e.g.
// `-event`, `-virq`), then the action names (may contain spaces, shared ones joined by `, `).
// Arch rows (§6.1): `IPIn:` counts + description, then `Err:` with a single count, always last on
// arm and arm64. Rows are split on whitespace, never on fixed columns (§6.4).
import type { DecodedEvent } from '../types.js';
import { MAX_BLOCK_LINES } from '../block.js';
import type { LLine } from './line.js';
import { code, isDigit, isSpace } from '../util.js';

export interface InterruptRow {
  /** First column as printed, without the colon: '11', 'IPI0', 'Err'. */
  irq: string;
  /** The Linux virq when the first column is numeric. */
  num?: number;
  counts: number[];
  total: number;
  chip?: string;
  hwirq?: number;
  trigger?: 'Level' | 'Edge';
  /** desc->name printed as `-name` (Xen: `event`, `virq`). */
  flow?: string;
  /** Action names (numeric rows) or the description (IPI rows). */
  name?: string;
  actions?: string[];
}

const HEADER = /^(.*?)\s{3,}(CPU\d+(?:\s+CPU\d+)*)\s*$/;
const TAIL = /^(\S+)(?:\s+(\d+)(?:-(\S+))?)?(?:\s+(Level|Edge))?(?:\s+-(\S+))?(?:\s+(.*?))?\s*$/;
const SHORT_ROWS = new Set(['Err', 'ERR', 'MIS', 'FIQ']);

/** CPU ids from a header line, or undefined. A prompt glued before the header is tolerated. */
export function parseHeader(b: string): number[] | undefined {
  const i = b.indexOf('CPU');
  if (i < 0 || !endsWithCpuColumn(b)) return undefined;
  const m = HEADER.exec(b);
  if (!m) return undefined;
  const pre = m[1];
  // Only blanks, or a shell prompt left without a newline, may precede the header.
  if (pre.trim().length && !/[#$>] ?$/.test(pre.trim())) return undefined;
  const ids = m[2].split(/\s+/).map((c) => Number(c.slice(3)));
  return ids.length > 0 && ids.length <= 4096 ? ids : undefined;
}

/**
 * `CPU\d+\s*$`: how every header ends. Tested before HEADER, whose lazy prefix backtracks through
 * every run of blanks of a long line that merely contains `CPU` (an `xl list` header, a boot message).
 */
function endsWithCpuColumn(b: string): boolean {
  let e = b.length;
  while (e > 0 && isSpace(b.charCodeAt(e - 1))) e--;
  const d = e;
  while (e > 0 && isDigit(b.charCodeAt(e - 1))) e--;
  return e < d && e >= 3 && b.startsWith('CPU', e - 3);
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Parse one row for a table of `cpus` columns; undefined when the line is not a row. */
export function parseRow(b: string, cpus: number): InterruptRow | undefined {
  const n = b.length;
  let i = 0;
  while (i < n && b.charCodeAt(i) === 0x20) i++;
  const ks = i;
  let numeric = true;
  let num = 0; // the key's value when numeric (at most 12 digits: exact)
  while (i < n) {
    const c = b.charCodeAt(i);
    if (isDigit(c)) { num = num * 10 + (c - 0x30); i++; }
    else if (isLetter(c) || c === 0x5f) { numeric = false; i++; }
    else break;
  }
  if (i === ks || i - ks > 12 || code(b, i) !== 0x3a /* : */) return undefined;
  // The first column is a number (`%*d:`) or an arch row name starting with a letter (`IPI0:`, `Err:`).
  if (!numeric && !isLetter(b.charCodeAt(ks))) return undefined;
  const key = b.slice(ks, i);
  i++;
  const counts: number[] = [];
  let total = 0;
  while (counts.length < cpus) {
    let j = i;
    while (j < n && b.charCodeAt(j) === 0x20) j++;
    const s = j;
    let v = 0;
    for (let c = code(b, j); isDigit(c); c = code(b, ++j)) v = v * 10 + (c - 0x30);
    if (j === s || (j < n && b.charCodeAt(j) !== 0x20 && b.charCodeAt(j) !== 0x09)) break;
    if (j - s > 10) return undefined; // counts are u32
    counts.push(v);
    total += v;
    i = j;
  }
  if (counts.length !== cpus) {
    if (numeric) return undefined;
    if (!SHORT_ROWS.has(key) || (counts.length === 0 && key !== 'FIQ')) return undefined;
  }
  const row: InterruptRow = { irq: key, counts, total };
  const tail = b.slice(i).trim();
  if (numeric) {
    row.num = num;
    const m = TAIL.exec(tail);
    if (m) {
      row.chip = m[1];
      if (m[2] !== undefined) row.hwirq = Number(m[2]);
      if (m[4]) row.trigger = m[4] as 'Level' | 'Edge';
      const flow = m[5] ?? m[3];
      if (flow) row.flow = flow;
      const name = m[6];
      if (name) {
        row.name = name;
        row.actions = name.split(', ').map((a) => a.trim()).filter(Boolean);
      }
    }
  } else if (tail) {
    row.name = tail;
  }
  return row;
}

/** One table being read from one (stream, domain). */
export class InterruptsTable {
  readonly firstSeq: number;
  readonly ts: number;
  lastSeq: number;
  readonly cpuIds: number[];
  readonly rows: InterruptRow[] = [];
  readonly stream: LLine['stream'];
  readonly domain?: number;
  /** Kernel (timestamped) lines seen in a row inside the table: printk output while `cat` ran. */
  kernelRun = 0;

  constructor(first: LLine, cpuIds: number[]) {
    this.firstSeq = first.seq;
    this.ts = first.ts;
    this.lastSeq = first.endSeq;
    this.cpuIds = cpuIds;
    this.stream = first.stream;
    if (first.domain !== undefined) this.domain = first.domain;
  }

  /** Offer a line; returns the row when it was one (and was added). */
  offer(l: LLine): InterruptRow | undefined {
    const row = parseRow(l.body, this.cpuIds.length);
    if (!row) return undefined;
    this.rows.push(row);
    this.kernelRun = 0;
    if (l.endSeq > this.lastSeq) this.lastSeq = l.endSeq;
    return row;
  }

  get full(): boolean {
    return this.rows.length >= MAX_BLOCK_LINES;
  }

  build(reason?: string): DecodedEvent {
    const data: Record<string, unknown> = { stream: this.stream, cpus: this.cpuIds.length, cpuIds: this.cpuIds, rows: this.rows };
    if (this.domain !== undefined) data.domain = this.domain;
    const ev: DecodedEvent = { kind: 'linux.interrupts', firstSeq: this.firstSeq, lastSeq: this.lastSeq, ts: this.ts, data };
    if (reason) { ev.partial = true; ev.reason = reason; }
    return ev;
  }
}
