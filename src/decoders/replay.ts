// Old output printed again, which no decoder may take for new (xen-console-reference §4.4, §5.7):
// the console ring replayed by key `w`, and the ring printed by `xl dmesg` in dom0. One Replays per
// console, run by the engine on every line before the families see it: it sets `replay` on the
// lines of a copy and `ringStart` on a `w` header, so that every family skips the same lines.
import type { TaggedLine } from './types.js';
import { code } from './util.js';
import { XenStart, plainStart, xenLineStart } from './banners.js';
import { GAP_MS, detectKeyStart } from './xen/keys-shapes.js';

/** What a replayed line is (TaggedLine.replay). */
export type Replay =
  /** `w` ring content; the ring's copy of the `'w' pressed` header (its last line); content at MAX_RING_LINES without that copy. */
  | 'ring' | 'ring-end' | 'ring-cap'
  /** `xl dmesg` output on a console that saw the boot (DmesgReplay). */
  | 'dmesg';

/** Marks the replayed lines of one console (see the top of this file). */
export class Replays {
  private readonly ring = new RingReplay();
  private readonly dmesg = new DmesgReplay();

  mark(t: TaggedLine): void {
    if (this.dmesg.feed(t)) { t.replay = 'dmesg'; return; }
    if (this.ring.active) {
      const v = this.ring.feed(t);
      if (v !== 'after') { t.replay = v === 'ring' ? 'ring' : v === 'last' ? 'ring-end' : 'ring-cap'; return; }
    }
    if (t.stream === 'xen' && code(t.body, 0) === 0x27 /* ' */ && detectKeyStart(t.body, undefined)?.key === 'w') {
      this.ring.begin(t);
      t.ringStart = true;
    }
  }
}

/** Most lines a `w` ring replay is followed for, when the ring's copy of its header never comes. */
const MAX_RING_LINES = 200000;

/**
 * The console ring replayed by `w` (§4.4, §5.7): old output, banners and key answers included,
 * that no decoder may take for new. It ends with the ring's copy of the `'w' pressed` header (the
 * last line the ring got). If that copy never comes (garbled on the wire), a silence of GAP_MS
 * ends it (the ring comes out in one burst), and so does firmware output (a reset: the ring never
 * holds it).
 */
class RingReplay {
  private end?: string;
  private lastTs = 0;
  /** Lines of ring content seen so far. */
  private lines = 0;

  get active(): boolean { return this.end !== undefined; }

  /** The `'w' pressed` header line. */
  begin(header: TaggedLine): void {
    this.end = header.text.trimEnd();
    this.lastTs = header.ts;
    this.lines = 0;
  }

  /**
   * One line while active: `ring` (content, the replay goes on), `last` (the ring's copy of the
   * header: the replay is complete), `cap` (content, but the end was never found within
   * MAX_RING_LINES) or `after` (not ring content: the replay ended before it, end not found).
   */
  feed(line: TaggedLine): 'ring' | 'last' | 'cap' | 'after' {
    if (line.stream === 'firmware' || (line.ts > 0 && this.lastTs > 0 && line.ts - this.lastTs > GAP_MS)) {
      this.end = undefined;
      return 'after';
    }
    if (line.ts > 0) this.lastTs = line.ts;
    this.lines++;
    if (line.stream === 'xen' && line.text.trimEnd() === this.end) { this.end = undefined; return 'last'; }
    if (this.lines >= MAX_RING_LINES) { this.end = undefined; return 'cap'; }
    return 'ring';
  }
}

/** `xl dmesg` typed at a shell prompt (or alone: a prompt flushed before the typing is its own line). */
const XL_DMESG = /(?:^|[\s#$>])xl\s+dmesg(?:\s|$)/;

/**
 * `xl dmesg` typed at a dom0 shell prints Xen's console ring through dom0's console: the current
 * boot's Xen output, from its first line, once more, every line `(XEN)` or `(dN)`. When this
 * console saw that boot from its start (a Xen start line since the last reset: banners.ts), the
 * output is a copy of lines already decoded, and feed() tells the decoders to skip it, as they skip
 * the `w` replay; otherwise (a capture that begins later, a log pasted into a mail) it is the only
 * copy and is decoded as usual. The copy ends at the first line of another stream (the shell's next
 * prompt) other than the banner (which the ring holds without a prefix), firmware output, or a
 * silence of GAP_MS.
 */
class DmesgReplay {
  private active = false;
  /** A Xen start line seen since the last reset: the current boot is known from its start. */
  private bootSeen = false;
  private lastTs = 0;

  /** Lines of the figlet banner still to come in the copy (the ring holds the banner unprefixed). */
  private bannerRows = 0;

  /** True when `line` is part of a copy to skip. */
  feed(line: TaggedLine): boolean {
    const st = line.stream;
    if (this.active) {
      if (!(line.ts > 0 && this.lastTs > 0 && line.ts - this.lastTs > GAP_MS)) {
        let more = st === 'xen' || st === 'guest';
        if (!more && st === 'plain') {
          // The banner is in the ring without a prefix: the one-line form, or the figlet's first
          // row and the 4 rows and blank line after it.
          if (this.bannerRows > 0) { this.bannerRows--; more = true; }
          else if (plainStart(line.body) === XenStart.Banner) {
            more = true;
            if (line.body.startsWith(' __')) this.bannerRows = 5;
          }
        }
        if (more) {
          if (line.ts > 0) this.lastTs = line.ts;
          return true;
        }
      }
      this.active = false;
      this.bannerRows = 0;
    }
    const b = line.body;
    if (st === 'xen') {
      if (!this.bootSeen && xenLineStart(b) !== undefined) this.bootSeen = true;
    } else if (st === 'plain') {
      if (!this.bootSeen) { if (plainStart(b) !== undefined) this.bootSeen = true; }
      else if (b.length < 160 && b.includes('dmesg') && XL_DMESG.test(b)) {
        this.active = true;
        this.lastTs = line.ts;
      }
    } else if (st === 'firmware') this.bootSeen = false;
    return false;
  }
}
