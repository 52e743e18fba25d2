// One Xen boot's timeline (xen-console-reference §5.8 banner, §6 milestones): `xen.milestone`
// events as each milestone is seen, and one `xen.boot` event when the boot reaches a shell prompt or
// `login:` on dom0's plain stream (or, `partial`, when the next boot starts, the board resets or
// input ends first).
//
// A boot starts at the first of Xen's start lines (banners.ts: the EFI loader banner, the
// early-printk head lines, the first pre-console line `(XEN) Checking for initrd in /chosen`,
// replayed on serial from 4.21, the banner and the `(XEN) Xen version` line); a later one of a
// higher rank joins the same boot as long as nothing else happened. A capture that starts
// mid-boot gets an implicit boot from its first Xen milestone (`startSeen: false`).
import type { DecodedEvent, Emit, TaggedLine } from '../types.js';
import { isIdleFlush } from '../types.js';
import type { PlatformContext } from './boot-context.js';
import { parseXenVersion } from './boot-version.js';
import { LINUX_BANNER, XEN_EFI_LOADER, XEN_ONE_LINE, XenStart, isEarlyStart, plainStart } from '../banners.js';
import { code } from '../util.js';

export interface Milestone {
  name: string;
  seq: number;
  ts: number;
  [k: string]: unknown;
}

const MAX_MILESTONES = 64;
/** Milestones that may repeat within one boot. */
const REPEATABLE = new Set(['domu.loading']);
/** Xen milestones that open an implicit boot when no boot is open. */
const IMPLICIT = new Set(['timer.up', 'gic.up', 'scheduler.up', 'cpus.up', 'iommu.up', 'dom0less.detected', 'dom0.loading', 'domu.loading', 'init.freed']);
/** Milestones of the start itself (they do not count as progress). */
const START = new Set(['efi.loader', 'xen.head', 'xen.early', 'xen.start']);

const RE_USERSPACE = /^(?:Run \S+ as init process|Freeing unused kernel (?:image (?:\(initmem\) )?)?memory)/;
// A shell prompt or login prompt, possibly followed by what was typed: `/ # `, `~ # `, `# `,
// `root@host:~# `, `uart:~$ `, `debian login: `.
const RE_PROMPT = /^(?:[\w.-]+@[\w.-]+:[^\s#$]*\s?[#$]|[\w.-]+:[~/][^\s#$]*[#$]|[~/][^\s#$]{0,64} [#$]|[#$]|[\w.-]+ login:)(?: |$)/;
const RE_DTUART = /^Looking for dtuart at "([^"]*)"/;
const RE_BUILD_ID = /^build-id: ([0-9a-fA-F]+)/;
const RE_PANIC = /^Panic on CPU (\d+)/;
const RE_BOOT_MODE = /^Booting using (Device Tree|ACPI)/;
const RE_CPUS_UP = /^Brought up (\d+) CPUs/;
const RE_SMP = /^SMP: Allowing (\d+) CPUs/;
const RE_SCHEDULER = /^Using scheduler: (.*?)\s*$/;
const RE_IOMMU = /^I\/O virtualisation (enabled|disabled)/;
const RE_DOMU = /^\*\*\* LOADING DOMU cpus=(\d+) memory=(\S+?)KB \*\*\*/;
const RE_FREED = /^Freed (\d+)kB init memory/;
const RE_DOM0_MEM = /^Allocating 1:1 mappings totalling (\d+)MB for (?:dom0|d0):/;
const RE_FIRMWARE_RESET = /^(?:NOTICE: {2}Booting Trusted Firmware|NOTICE: {2}BL1: |U-Boot SPL \d{4}\.|U-Boot \d{4}\.\d\d)/;

/** Every RE_PROMPT shape has a `#` or `$` (shells) or ` login:` (getty): most lines have none. */
function hasPromptMark(b: string): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    if (c === 0x23 /* # */ || c === 0x24 /* $ */) return true;
  }
  return b.includes(' login:');
}

interface Boot {
  firstSeq: number;
  ts: number;
  rank: number;
  /** Highest seq of a milestone (a boot never ends before its last milestone). */
  maxSeq: number;
  /** init.freed or dom0.kernel seen: plain lines may now be the prompt. */
  promptArmed: boolean;
  progressed: boolean;
  emitted: boolean;
  data: Record<string, unknown>;
  milestones: Milestone[];
  names: Set<string>;
  /** Lines left to join onto a wrapped `Xen version` line. */
  versionCont: number;
  versionText: string | undefined;
  /** A wrapped `Xen version` line was joined already (only once per boot). */
  versionJoined: boolean;
  linuxSeq: number | undefined;
}

export interface BootHooks {
  /** A new boot starts: the family closes every open block of the previous one. */
  onNewBoot(emit: Emit): void;
}

export class BootTimeline {
  private boot?: Boot;

  constructor(private readonly ctx: PlatformContext, private readonly hooks: BootHooks) {}

  /** True while a boot is open and has not reached its prompt. */
  get active(): boolean {
    return this.boot !== undefined && !this.boot.emitted;
  }

  /** True while a boot is open and has not freed its init memory (end of Xen's start of day). */
  get startOfDay(): boolean {
    return this.boot !== undefined && !this.boot.emitted && !this.boot.names.has('init.freed');
  }

  pushXen(line: TaggedLine, emit: Emit, versionAllowed: boolean): void {
    const bt = this.boot;
    if (bt && bt.versionCont) bt.versionCont = 0;
    // Most lines stop at bootLine's first-character switch.
    this.bootLine(line, emit, versionAllowed);
  }

  private bootLine(line: TaggedLine, emit: Emit, versionAllowed: boolean): void {
    const b = line.body;
    let m: RegExpExecArray | null;
    switch (code(b, 0)) {
      case 0x43: // C
        if (isEarlyStart(b)) { this.start(XenStart.Early, line, emit); this.mark('xen.early', line, emit); }
        else if (b.startsWith('Command line: ')) this.set('commandLine', b.slice(14).trim());
        else if (b.startsWith('Console output is synchronous')) this.set('syncConsole', true);
        return;
      case 0x58: // X
        if (b.startsWith('Xen version ')) {
          if (!versionAllowed) return;
          this.start(XenStart.Version, line, emit);
          this.mark('xen.start', line, emit);
          this.version(b);
        } else if (b.startsWith('Xen dom0less mode detected')) {
          this.set('dom0less', true);
          this.mark('dom0less.detected', line, emit);
        }
        return;
      case 0x4c: // L
        if (b.startsWith('Latest ChangeSet:')) this.set('changeset', b.slice(17).trim());
        else if (b.startsWith('Looking for dtuart at "') && (m = RE_DTUART.exec(b))) this.set('console', m[1]);
        return;
      case 0x62: // b
        if (b.startsWith('build-id: ') && (m = RE_BUILD_ID.exec(b))) this.set('buildId', m[1]);
        return;
      case 0x50: // P
        if (b.startsWith('Platform: ')) this.set('platform', b.slice(10).trim());
        else if (b.startsWith('Processor: ')) this.set('processor', b.slice(11).trim());
        else if (b.startsWith('Panic on CPU ') && (m = RE_PANIC.exec(b))) this.mark('xen.panic', line, emit, { cpu: Number(m[1]) });
        return;
      case 0x42: // B
        if (b.startsWith('Booting using ') && (m = RE_BOOT_MODE.exec(b))) this.set('bootMode', m[1] === 'ACPI' ? 'acpi' : 'dt');
        else if (b.startsWith('Brought up ') && (m = RE_CPUS_UP.exec(b))) { this.mark('cpus.up', line, emit, { cpus: Number(m[1]) }); this.set('cpus', Number(m[1])); }
        return;
      case 0x53: // S
        if (b.startsWith('SMP: Allowing ') && (m = RE_SMP.exec(b))) this.set('allowedCpus', Number(m[1]));
        else if (b.startsWith('Std. Loglevel: ')) this.set('loglevel', b.slice(15).trim());
        return;
      case 0x47: // G
        if (b.startsWith('Guest Loglevel: ')) this.set('guestLoglevel', b.slice(16).trim());
        else if (b.startsWith('Generic Timer IRQ:')) this.mark('timer.up', line, emit);
        return;
      case 0x55: // U
        if (b.startsWith('Using scheduler: ') && (m = RE_SCHEDULER.exec(b))) { this.set('scheduler', m[1]); this.mark('scheduler.up', line, emit); }
        return;
      case 0x49: // I
        if (b.startsWith('I/O virtualisation ') && (m = RE_IOMMU.exec(b))) { this.set('iommu', m[1] === 'enabled'); this.mark('iommu.up', line, emit); }
        return;
      case 0x2a: // *
        if (b.startsWith('*** LOADING DOMAIN 0 ***')) this.mark('dom0.loading', line, emit);
        else if (b.startsWith('*** LOADING DOMU cpus=') && (m = RE_DOMU.exec(b))) {
          this.mark('domu.loading', line, emit, { cpus: Number(m[1]), memoryKB: m[2] });
          const bb = this.boot;
          if (bb && !bb.emitted) bb.data.domUs = ((bb.data.domUs as number) ?? 0) + 1;
        }
        return;
      case 0x46: // F
        if (b.startsWith('Freed ') && (m = RE_FREED.exec(b))) { this.mark('init.freed', line, emit); this.set('freedInitKB', Number(m[1])); }
        return;
      case 0x33: // 3
        if (b.startsWith('3... 2... 1...')) this.mark('boot.warnings', line, emit);
        return;
      case 0x52: // R
        if (b.startsWith('Reboot in five seconds')) this.mark('xen.reboot', line, emit);
        return;
      case 0x41: // A
        if (b.startsWith('Allocating 1:1 mappings totalling ') && (m = RE_DOM0_MEM.exec(b))) this.set('dom0MemMB', Number(m[1]));
        return;
      default:
        return;
    }
  }

  pushPlain(line: TaggedLine, emit: Emit): void {
    const bt = this.boot;
    const b = line.body;
    if (bt && bt.versionCont > 0 && !bt.emitted && line.time === undefined) {
      const t = b.trim();
      if (t) {
        bt.versionCont--;
        bt.versionText = `${bt.versionText ?? ''} ${t}`.replace(/\s+/g, ' ');
        this.version(bt.versionText);
        return;
      }
    }
    const c = code(b, 0);
    // Start lines begin with a space or tab (banners), `X` (a banner from 4.20, the EFI loader)
    // or `-` (head.S); `Xen ` within the first 16 characters (the search stops there: lines can
    // be long) or `- ` for the others.
    if (((c === 0x20 || c === 0x09 || c === 0x58) && (b.startsWith(' __  __') || b.lastIndexOf('Xen ', 15) >= 0)) || (c === 0x2d && code(b, 1) === 0x20)) {
      const rank = plainStart(b);
      if (rank === XenStart.Banner) {
        this.start(rank, line, emit);
        const m = XEN_ONE_LINE.exec(b);
        this.mark('xen.start', line, emit, { banner: m ? b.trim() : 'figlet' });
        if (m) this.set('version', m[1]);
        return;
      }
      if (rank === XenStart.EfiLoader) {
        this.start(rank, line, emit);
        this.mark('efi.loader', line, emit);
        this.set('efi', true);
        this.set('version', XEN_EFI_LOADER.exec(b)![1]);
        return;
      }
      if (rank === XenStart.UartEnabled || rank === XenStart.CpuBooting) { this.start(rank, line, emit); this.mark('xen.head', line, emit); return; }
    }
    const cur = this.boot;
    if (!cur || cur.emitted) return;
    if (c === 0x42 /* B */ || c === 0x4c /* L */) {
      if (LINUX_BANNER.test(b)) {
        if (!cur.names.has('dom0.kernel')) { this.mark('dom0.kernel', line, emit); cur.linuxSeq = line.seq; }
        else if (cur.linuxSeq !== undefined && line.seq - cur.linuxSeq > 20) {
          // A second Linux banner: the board rebooted into Linux without Xen.
          this.close(emit, 'next boot started', this.ctx.prevSeq);
          this.boot = undefined;
        } else cur.linuxSeq = line.seq;
        return;
      }
    }
    if ((c === 0x52 /* R */ || c === 0x46 /* F */) && RE_USERSPACE.test(b)) { this.mark('dom0.userspace', line, emit); return; }
    if (cur.promptArmed && line.time === undefined && hasPromptMark(b) && RE_PROMPT.test(b)) {
      this.mark('prompt', line, emit, { text: b.trim().slice(0, 80) });
      this.close(emit, undefined, line.seq);
    }
  }

  pushFirmware(line: TaggedLine, emit: Emit): void {
    if (!this.boot) return;
    if (!RE_FIRMWARE_RESET.test(line.body)) return;
    if (!this.boot.emitted) this.close(emit, 'board reset', this.ctx.prevSeq);
    this.boot = undefined;
  }

  /** The GIC block was completed (from the GIC parser). */
  gicUp(version: 2 | 3, seq: number, ts: number, emit: Emit): void {
    this.mark('gic.up', { seq, ts } as TaggedLine, emit, { version });
    this.set('gic', version);
  }

  /** A `*** Serial input to ...` line: the first one of a boot is the end-of-boot hand-over. */
  focus(line: TaggedLine, target: string, emit: Emit): void {
    const bt = this.boot;
    if (!bt || bt.emitted) return;
    if (!bt.names.has('input.handover') && !bt.names.has('init.freed')) this.mark('input.handover', line, emit, { target });
  }

  flush(reason: string, emit: Emit): void {
    // A quiet console has not finished booting: a boot is closed by the next boot or the end.
    if (isIdleFlush(reason)) return;
    if (this.boot && !this.boot.emitted) this.close(emit, reason, this.ctx.seq);
  }

  private start(rank: XenStart, line: TaggedLine, emit: Emit): void {
    const bt = this.boot;
    // Close the previous boot's open blocks first: their events (e.g. gic.up) belong to it.
    if (bt && !bt.emitted) {
      if (rank > bt.rank && !bt.progressed) { bt.rank = rank; return; }
      this.hooks.onNewBoot(emit);
      this.close(emit, 'next boot started', this.ctx.seq === line.seq ? this.ctx.prevSeq : this.ctx.seq);
    } else this.hooks.onNewBoot(emit);
    this.ctx.gicVersion = undefined;
    this.boot = this.newBoot(line, rank);
    this.boot.data.startSeen = true;
  }

  private newBoot(line: Pick<TaggedLine, 'seq' | 'ts'>, rank: number): Boot {
    return {
      firstSeq: line.seq, ts: line.ts, rank, maxSeq: line.seq, promptArmed: false, progressed: false, emitted: false,
      data: { startSeen: false }, milestones: [], names: new Set(), versionCont: 0, versionText: undefined, versionJoined: false,
      linuxSeq: undefined,
    };
  }

  private set(key: string, value: unknown): void {
    const bt = this.boot;
    if (!bt || bt.emitted || bt.data[key] !== undefined) return;
    bt.data[key] = value;
  }

  private version(text: string): void {
    const bt = this.boot;
    if (!bt || bt.emitted) return;
    const v = parseXenVersion(text);
    if (!v) return;
    if (bt.versionText === undefined) bt.versionText = text;
    // Every field the line gave (a joined line's values replace the first part's).
    const { incomplete, ...rest } = v;
    Object.assign(bt.data, rest);
    if (incomplete && bt.versionText === text && bt.versionCont === 0 && !bt.versionJoined) { bt.versionCont = 5; bt.versionJoined = true; }
    if (!incomplete) bt.versionCont = 0;
  }

  private mark(name: string, line: Pick<TaggedLine, 'seq' | 'ts'>, emit: Emit, detail?: Record<string, unknown>): void {
    let bt = this.boot;
    if (!bt || bt.emitted) {
      if (!IMPLICIT.has(name)) return;
      if (bt?.emitted && bt.names.has(name)) return;
      this.hooks.onNewBoot(emit);
      bt = this.boot = this.newBoot(line, -1);
      bt.progressed = true;
    }
    if (bt.names.has(name) && !REPEATABLE.has(name)) return;
    if (bt.milestones.length >= MAX_MILESTONES) return;
    bt.names.add(name);
    if (!START.has(name)) bt.progressed = true;
    // The milestone, and the event's copy of it with the boot's seq (copied key by key: a spread
    // of objects of many shapes is slow).
    const ms: Milestone = { name, seq: line.seq, ts: line.ts };
    const data: Record<string, unknown> = { name, seq: line.seq, ts: line.ts };
    if (detail !== undefined) {
      for (const k in detail) { ms[k] = detail[k]; data[k] = detail[k]; }
    }
    data.bootSeq = bt.firstSeq;
    bt.milestones.push(ms);
    if (line.seq > bt.maxSeq) bt.maxSeq = line.seq;
    if (name === 'init.freed' || name === 'dom0.kernel') bt.promptArmed = true;
    emit({ kind: 'xen.milestone', firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, data });
  }

  private close(emit: Emit, reason: string | undefined, lastSeq: number): void {
    const bt = this.boot;
    if (!bt || bt.emitted) return;
    bt.emitted = true;
    lastSeq = Math.max(lastSeq, bt.maxSeq, bt.firstSeq);
    const data: Record<string, unknown> = { ...bt.data, milestones: bt.milestones };
    const ev: DecodedEvent = { kind: 'xen.boot', firstSeq: bt.firstSeq, lastSeq, ts: bt.ts, data };
    if (reason !== undefined) { ev.partial = true; ev.reason = `boot did not reach a prompt (${reason})`; }
    emit(ev);
  }
}
