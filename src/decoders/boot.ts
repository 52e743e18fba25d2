// Boot boundaries: emits `boot.start` when a banner shows that the board (re)started.
// A Xen banner after Xen or Linux output is a new boot; an untagged Linux banner is a new boot
// unless it is dom0 starting under the Xen of the current boot; a firmware banner (TF-A,
// U-Boot) after Xen or Linux output is a reset. Guest (dN) banners never start a boot, and neither
// do banner lines that debug keys print again (`h`/`?` version lines, the `w` ring replay).
import type { Emit, Family, TaggedLine } from './types.js';
import { code } from './util.js';
import { GAP_MS, MAX_RING_LINES } from './xen/keys.js';

type Trigger = 'xen' | 'linux' | 'firmware';

const XEN_FIGLET_FIRST = /^ __  __ {2,}/; // first row of figlet " Xen x.y"
const XEN_ONE_LINE = /^\s*Xen \d+\.\d+[\w.+~-]*\s*$/; // indented in quoted logs; the boot timeline's rule too
const XEN_VERSION = /^Xen version (\d+\.\d+\S*) /;
const LINUX_BANNER = /^(?:Booting Linux on physical CPU|Linux version \d)/;
const FIRMWARE_BANNER = /^(?:NOTICE: {2}Booting Trusted Firmware|NOTICE: {2}BL1: |U-Boot SPL \d{4}\.|U-Boot \d{4}\.\d\d)/;
// Debug keys that print old or repeated banner lines (xen-console-reference §4.3, §4.4): `h`
// (4.21, 4.22) and `?` (master) begin with print_version(), the `Xen version` line included; `w`
// replays the console ring, the boot's own lines included, up to the ring's copy of its header.
const KEY_WITH_VERSION = /^'[h?]' pressed -> /;
const RING_DUMP = /^'w' pressed -> dumping console ring buffer/;

export function bootFamily(): Family {
  let started = false;
  let xenBanner = false; // figlet or one-line banner of this boot seen
  let xenVersion = false; // `(XEN) Xen version` of this boot seen
  let linux = false;
  let linuxSeq = 0;
  /** The previous (XEN) line was the header of `h` or `?`: a `Xen version` line now is theirs. */
  let afterVersionKey = false;
  /** A `w` ring replay is running: its end is the ring's copy of the header line. */
  let ring: { end: string; lines: number; lastTs: number } | undefined;

  function start(line: TaggedLine, trigger: Trigger, emit: Emit): void {
    started = true;
    xenBanner = xenVersion = linux = false;
    emit({ kind: 'boot.start', firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, data: { trigger, text: line.body.trim() } });
  }

  return {
    name: 'boot',
    push(line, emit) {
      const b = line.body;
      const c = code(b, 0);
      if (ring) {
        // Old output replayed by `w`: nothing in it starts a boot. It comes in one burst, so a
        // silence ends it too (its last line garbled), and so does firmware output, which is never
        // in Xen's ring: the board reset during the dump. The key decoder follows the same rules.
        const silence = line.ts > 0 && ring.lastTs > 0 && line.ts - ring.lastTs > GAP_MS;
        if (line.stream !== 'firmware' && !silence) {
          if (line.ts > 0) ring.lastTs = line.ts;
          if ((line.stream === 'xen' && line.text.trimEnd() === ring.end) || ++ring.lines >= MAX_RING_LINES) ring = undefined;
          return;
        }
        ring = undefined;
      }
      if (line.stream === 'xen') {
        const versionOfKey = afterVersionKey;
        afterVersionKey = false;
        if (c === 0x27 /* ' */) {
          if (RING_DUMP.test(b)) ring = { end: line.text.trimEnd(), lines: 0, lastTs: line.ts };
          else afterVersionKey = KEY_WITH_VERSION.test(b);
          return;
        }
        if (c !== 0x58 /* X */ || !XEN_VERSION.test(b) || versionOfKey) return;
        if (!started || xenVersion || linux) start(line, 'xen', emit);
        xenVersion = true;
        return;
      }
      if (line.stream === 'firmware') {
        if ((c !== 0x4e /* N */ && c !== 0x55 /* U */) || !FIRMWARE_BANNER.test(b)) return;
        if (!started || xenBanner || xenVersion || linux) start(line, 'firmware', emit);
        return;
      }
      if (line.stream !== 'plain') return;
      // Each banner starts with its own character: ` __  __` / ` Xen`, `Xen`, `Booting` / `Linux`.
      if (c !== 0x20 && c !== 0x58 /* X */ && c !== 0x42 /* B */ && c !== 0x4c /* L */) return;
      if ((c === 0x20 || c === 0x58) && (XEN_FIGLET_FIRST.test(b) || XEN_ONE_LINE.test(b))) {
        if (!started || xenBanner || xenVersion || linux) start(line, 'xen', emit);
        xenBanner = true;
        return;
      }
      if ((c === 0x42 || c === 0x4c) && LINUX_BANNER.test(b)) {
        // `Booting Linux on physical CPU` and `Linux version` are one banner when close together.
        const sameBanner = linux && line.seq - linuxSeq <= 20;
        if (!sameBanner && (!started || linux)) start(line, 'linux', emit);
        linux = true;
        linuxSeq = line.seq;
      }
    },
    flush() {
      /* nothing open */
    },
  };
}
