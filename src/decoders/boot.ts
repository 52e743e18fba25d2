// Boot boundaries: emits `boot.start` where the board (re)started, at the first line of the boot.
// Xen's start lines come in a fixed order (banners.ts: EFI loader, head.S, the replayed early
// lines, banner, `Xen version`): the first of them seen begins the boot, and the later ones
// belong to it; one that is not later than the last seen, or any after Linux output, begins the
// next boot. An untagged Linux banner is a new boot unless it is dom0 starting under the Xen of
// the current boot; a firmware banner (TF-A, U-Boot) after Xen or Linux output is a reset. Guest
// (dN) banners never start a boot, and neither do lines that debug keys print again (`h`/`?`
// version lines, the `w` ring replay).
import type { Emit, Family, TaggedLine } from './types.js';
import { code } from './util.js';
import { LINUX_BANNER, XenStart, plainStart, xenLineStart } from './banners.js';
import { PRINTS_VERSION, detectKeyStart } from './xen/keys-shapes.js';

type Trigger = 'xen' | 'linux' | 'firmware';

const FIRMWARE_BANNER = /^(?:NOTICE: {2}Booting Trusted Firmware|NOTICE: {2}BL1: |U-Boot SPL \d{4}\.|U-Boot \d{4}\.\d\d)/;

export function bootFamily(): Family {
  let started = false;
  /** The last Xen start line of this boot (its rank), -1 before any. */
  let xenRank = -1;
  let linux = false;
  let linuxSeq = 0;
  /** The previous (XEN) line was the header of `h` or `?`: a `Xen version` line now is theirs. */
  let afterVersionKey = false;

  function start(line: TaggedLine, trigger: Trigger, emit: Emit): void {
    started = true;
    xenRank = -1;
    linux = false;
    emit({ kind: 'boot.start', firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, data: { trigger, text: line.body.trim() } });
  }

  /** A Xen start line: it begins a boot unless it follows the earlier start lines of this one. */
  function xenStart(line: TaggedLine, rank: XenStart, emit: Emit): void {
    if (!started || linux || rank <= xenRank) start(line, 'xen', emit);
    xenRank = rank;
  }

  return {
    name: 'boot',
    push(line, emit) {
      const b = line.body;
      const c = code(b, 0);
      // Old output printed again (`w`, `xl dmesg`; replay.ts), banners included: nothing in it starts a boot.
      if (line.replay) return;
      if (line.stream === 'xen') {
        const versionOfKey = afterVersionKey;
        afterVersionKey = false;
        const key = c === 0x27 /* ' */ ? detectKeyStart(b, undefined) : undefined;
        if (key) {
          afterVersionKey = PRINTS_VERSION.has(key.key);
          return;
        }
        const rank = xenLineStart(b);
        // A `Xen version` line right after the header of `h` or `?` is theirs.
        if (rank === XenStart.Early || (rank === XenStart.Version && !versionOfKey)) xenStart(line, rank, emit);
        return;
      }
      if (line.stream === 'firmware') {
        if ((c !== 0x4e /* N */ && c !== 0x55 /* U */) || !FIRMWARE_BANNER.test(b)) return;
        if (!started || xenRank >= 0 || linux) start(line, 'firmware', emit);
        return;
      }
      if (line.stream !== 'plain') return;
      // Each start line begins with its own character: ` __  __` / ` Xen`, `Xen`, `- `, `Booting` / `Linux`.
      if (c !== 0x20 && c !== 0x09 && c !== 0x58 /* X */ && c !== 0x2d /* - */ && c !== 0x42 /* B */ && c !== 0x4c /* L */) return;
      const rank = c === 0x42 || c === 0x4c ? undefined : plainStart(b);
      if (rank !== undefined) {
        xenStart(line, rank, emit);
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
