// Mail and forum copies of crash logs re-wrap long lines (format=flowed): a `(XEN)` line that ends
// in a space goes on in the next, untagged line (`(XEN)      X0: ...  X2: ` / `0000000000000000`,
// `(XEN) Xen BUG at ` / `> ...xen/include/xen/mm.h:683`). This joins such a line with its
// continuation before the crash family parses it. It holds at most one line, and only when the
// caller says the line may be wrapped (inside a crash block, or a crash trigger line).
import type { TaggedLine } from '../types.js';
import type { XLine } from './regs.js';
import { code } from '../util.js';

const QUOTE = /^(?:>\s?)+\s*/;
const STAMP_ONLY = /^\[(?:\s*\d+\.\d{6}|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?|[0-9a-f]{16})\]\s*$/;

export interface Unwrapped extends XLine {
  line: TaggedLine;
}

export class Unwrapper {
  private held: Unwrapped | undefined;
  /**
   * The object handed to `out` for a line that is not held: reused from line to line (no
   * allocation per line). `out` must not keep it; a held line gets its own object.
   */
  private readonly scratch: Unwrapped = { seq: 0, endSeq: 0, ts: 0, body: '', line: undefined as unknown as TaggedLine };

  get holding(): boolean {
    return this.held !== undefined;
  }

  /**
   * Push a tagged line; `out` receives the lines to process, in order. `mayWrap(line)` tells whether
   * a Xen line ending in a space should wait for a continuation.
   */
  push(line: TaggedLine, mayWrap: (l: TaggedLine) => boolean, out: (l: Unwrapped) => void): void {
    const h = this.held;
    if (h) {
      if (line.stream === 'plain' && !line.split && line.seq === h.endSeq + 1) {
        const cont = line.body.replace(QUOTE, '');
        if (cont.trim() !== '') {
          h.body += cont;
          h.endSeq = line.seq;
          if (!h.body.endsWith(' ')) { this.held = undefined; out(h); }
          return;
        }
      }
      this.held = undefined;
      out(h);
    }
    // `(XEN) [   12.407110]` with nothing after the stamp: demux keeps the stamp (no trailing
    // space), but it is an empty Xen line.
    const b = line.body;
    const body = code(b, 0) === 0x5b /* [ */ && STAMP_ONLY.test(b) ? '' : b;
    if (line.stream === 'xen' && code(body, body.length - 1) === 0x20 && body.trim() !== '' && mayWrap(line)) {
      this.held = { seq: line.seq, endSeq: line.seq, ts: line.ts, body, line };
      return;
    }
    const u = this.scratch;
    u.seq = line.seq;
    u.endSeq = line.seq;
    u.ts = line.ts;
    u.body = body;
    u.line = line;
    out(u);
  }

  flush(out: (l: Unwrapped) => void): void {
    const h = this.held;
    this.held = undefined;
    if (h) out(h);
  }
}
