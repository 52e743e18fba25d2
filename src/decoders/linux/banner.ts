// The Linux boot banner (linux-console-reference §5 rows 1-7): `Booting Linux on physical CPU ...`
// (arm64 `0x%010lx [0x%08x]`, arm32 `0x%x`), `Linux version %s (%s@%s) (%s) %s`, and what follows
// up to `Kernel command line:`. On arm/arm64 `xen_early_init()` runs in setup_arch(), before the
// command line is printed, so `Xen %s support found` (and `Machine model: XENVM-x.y` in a domU)
// shows up inside this window; any `xen:`/`Xen:` line there also sets `xen`.
import type { DecodedEvent } from '../types.js';
import type { LLine } from './line.js';
import { code } from '../util.js';

/** Lines after the banner to wait for `Kernel command line:` before giving up on it. */
const MAX_BANNER_LINES = 400;

const BOOTING = /^Booting Linux on physical CPU (0x[0-9a-f]+)(?: \[(0x[0-9a-f]+)\])?/;
const VERSION = /^Linux version (\S+)(?: \(([^)]*)\))?/;
const XEN_FOUND = /^Xen (\S+) support found/;

export class BannerBlock {
  readonly firstSeq: number;
  readonly ts: number;
  lastSeq: number;
  readonly stream: LLine['stream'];
  readonly domain?: number;
  private first: LLine;
  private versionLine?: LLine;
  private cmdlineLine?: LLine;
  private machine?: string;
  private xen = false;
  private xenVersion?: string;
  private xenLines: string[] = [];
  private seen = 0;
  /** The line that last received wrapped fragments (for `joinInto`). */
  last: LLine;

  constructor(first: LLine) {
    this.first = first;
    this.firstSeq = first.seq;
    this.ts = first.ts;
    this.lastSeq = first.endSeq;
    this.stream = first.stream;
    if (first.domain !== undefined) this.domain = first.domain;
    this.last = first;
    if (first.body.startsWith('Linux version ')) this.versionLine = first;
  }

  get hasVersion(): boolean {
    return this.versionLine !== undefined;
  }

  get done(): boolean {
    return this.cmdlineLine !== undefined;
  }

  /** A `Linux version` line after `Booting Linux on physical CPU` belongs to the same banner. */
  acceptsVersion(): boolean {
    return this.versionLine === undefined && this.seen < 20;
  }

  touch(l: LLine): void {
    if (l.endSeq > this.lastSeq) this.lastSeq = l.endSeq;
  }

  /** Offer a line; returns false when the banner should be closed before it (too far from the banner). */
  offer(l: LLine): boolean {
    if (this.seen++ >= MAX_BANNER_LINES) return false;
    const b = l.body;
    const c = code(b, 0);
    if (c === 0x4c /* L */ && b.startsWith('Linux version ') && this.versionLine === undefined) {
      this.versionLine = l; this.last = l; this.touch(l); return true;
    }
    if (c === 0x4b /* K */ && b.startsWith('Kernel command line:')) {
      this.cmdlineLine = l; this.last = l; this.touch(l); return true;
    }
    if (c === 0x4d /* M */ && b.startsWith('Machine model: ')) {
      this.machine = b.slice(15).trim();
      this.touch(l);
      if (this.machine.startsWith('XENVM')) this.markXen(l);
      return true;
    }
    if ((c === 0x58 /* X */ || c === 0x78 /* x */) && /^[Xx]en[: ]/.test(b)) {
      const m = XEN_FOUND.exec(b);
      if (m) this.xenVersion = m[1];
      this.markXen(l);
      return true;
    }
    if (c === 0x65 /* e */ && b.startsWith('earlycon: xen')) this.markXen(l);
    return true;
  }

  private markXen(l: LLine): void {
    this.xen = true;
    this.touch(l);
    if (this.xenLines.length < 8) this.xenLines.push(l.body.trim());
  }

  build(reason?: string): DecodedEvent {
    const data: Record<string, unknown> = { stream: this.stream };
    if (this.domain !== undefined) data.domain = this.domain;
    const bm = BOOTING.exec(this.first.body);
    if (bm) {
      data.physicalCpu = bm[1];
      if (bm[2]) data.midr = bm[2];
    }
    if (this.versionLine) {
      const full = this.versionLine.body.slice(14).trim();
      data.full = full;
      const m = VERSION.exec(this.versionLine.body);
      data.version = m ? m[1] : full.split(/\s+/)[0];
      if (m && m[2]) data.builder = m[2];
      const sm = /#\d+ .*$/.exec(full);
      if (sm) data.build = sm[0];
    }
    if (this.first.time !== undefined) data.time = this.first.time;
    if (this.machine) data.machine = this.machine;
    if (this.cmdlineLine) data.cmdline = this.cmdlineLine.body.slice(20).trim();
    data.xen = this.xen;
    if (this.xenVersion) data.xenVersion = this.xenVersion;
    if (this.xenLines.length) data.xenLines = this.xenLines;
    const ev: DecodedEvent = { kind: 'linux.banner', firstSeq: this.firstSeq, lastSeq: this.lastSeq, ts: this.ts, data };
    if (!this.versionLine && reason) {
      ev.partial = true;
      ev.reason = reason;
    }
    return ev;
  }
}
