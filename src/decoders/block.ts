// A multi-line block being collected by a family (a register dump, an LR dump, an oops).
// Bounded: a block never holds more than MAX_BLOCK_LINES lines; the family must close it then.
import type { TaggedLine } from './types.js';

export const MAX_BLOCK_LINES = 600;

export class OpenBlock {
  readonly firstSeq: number;
  readonly ts: number;
  lastSeq: number;
  readonly lines: TaggedLine[] = [];

  constructor(first: TaggedLine) {
    this.firstSeq = first.seq;
    this.ts = first.ts;
    this.lastSeq = first.seq;
    this.lines.push(first);
  }

  add(line: TaggedLine): void {
    this.lines.push(line);
    if (line.seq > this.lastSeq) this.lastSeq = line.seq;
  }

  get full(): boolean {
    return this.lines.length >= MAX_BLOCK_LINES;
  }
}
