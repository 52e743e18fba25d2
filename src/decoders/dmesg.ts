// Output that dom0 prints again: `xl dmesg` (xen-console-reference §5.7). One per console, run by
// the engine on every line before the families see it.
import type { TaggedLine } from './types.js';
import { code } from './util.js';
import { XenStart, isEarlyStart, plainStart } from './banners.js';
import { GAP_MS } from './xen/keys-shapes.js';

/** `xl dmesg` typed at a shell prompt (or alone: a prompt flushed before the typing is its own line). */
const XL_DMESG = /(?:^|[\s#$>])xl\s+dmesg(?:\s|$)/;
const XEN_VERSION_LINE = /^Xen version \d/;

/**
 * `xl dmesg` typed at a dom0 shell prints Xen's console ring through dom0's console: the current
 * boot's Xen output, from its first line, once more, every line `(XEN)` or `(dN)`. When this
 * console saw that boot from its start (a Xen start line since the last reset: banners.ts), the
 * output is a copy of lines already decoded, and feed() tells the decoders to skip it, as they skip
 * the `w` replay; otherwise (a capture that begins later, a log pasted into a mail) it is the only
 * copy and is decoded as usual. The copy ends at the first line of another stream (the shell's next
 * prompt) other than the banner (which the ring holds without a prefix), firmware output, or a
 * silence of GAP_MS. The engine runs one per console and marks the copy's lines `replay`.
 */
export class DmesgReplay {
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
      if (!this.bootSeen) {
        const c = code(b, 0);
        if ((c === 0x43 /* C */ && isEarlyStart(b)) || (c === 0x58 /* X */ && XEN_VERSION_LINE.test(b))) this.bootSeen = true;
      }
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
