// The body of debug key `q` (`dump_domains`, xen/common/keyhandler.c; reference §4.4 and §3.3):
// one `xen.domain` event per `General information for domain N:` section and one `xen.gic.lrs`
// event per vCPU LR dump (`GICH_LRs (vcpu N) mask=..` + `HW_LR/VCPU_LR[n]=` + `Inflight irq=` /
// `Pending irq=`, or the new-vGIC `active or pending interrupts queued:` list).
//
// Version differences handled: 4.17+ prints `  UNITn affinities: hard={..} soft={..}` before each
// vCPU line and `dirty_cpu=%u` on it; before core scheduling (≤4.12) the vCPU line was followed by
// `    cpu_hard_affinity={..} cpu_soft_affinity={..}`, and older releases printed `dirty_cpus={..}`.
import type { DecodedEvent, TaggedLine } from '../types.js';
import type { PlatformContext } from './boot-context.js';
import { decodeLr, guessLrVersion, type LrEntry } from './gic-lrs.js';
import { parseDecimalRanges, parseHexRanges } from './domain-rangeset.js';
import { code, isSpace } from '../util.js';

const MAX_VCPUS = 512;
const NO_EVENTS: DecodedEvent[] = [];
const MAX_LRS = 64;
const MAX_LIST = 1024;

interface VcpuInfo {
  vcpu: number;
  cpu?: number;
  running?: boolean;
  poll?: number;
  upcallPending?: number;
  upcallMask?: number;
  dirtyCpu?: number;
  dirtyCpus?: string;
  unit?: number;
  hardAffinity?: string;
  softAffinity?: string;
  pauseCount?: number;
  pauseFlags?: string;
  lrMask?: string;
  periodicTimer?: string;
  inflight?: number;
  pending?: number;
}

interface LrBlock {
  firstSeq: number;
  lastSeq: number;
  ts: number;
  vcpu: number;
  mask: string;
  raws: Array<{ index: number; raw: string; live: boolean }>;
  inflight: Array<{ irq: number; lr: number }>;
  pending: number[];
  queued: Array<{ irq: number; hw: boolean; level: boolean; pending: boolean; active: boolean; enabled: boolean }>;
  vinfo?: VcpuInfo;
}

interface DomainBlock {
  firstSeq: number;
  lastSeq: number;
  ts: number;
  data: Record<string, unknown> & { domain: number; vcpus: VcpuInfo[] };
  curVcpu?: VcpuInfo;
  pendingUnit?: { unit: number; hard: string; soft: string };
}

const RE_GENERAL = /^General information for domain (\d+):/;
const RE_REFCNT = /^\s+refcnt=(-?\d+) dying=(\d+) pause_count=(-?\d+)/;
const RE_NRPAGES = /^\s+nr_pages=(\d+) xenheap_pages=(\d+)/;
const RE_HANDLE = /^\s+handle=(\S+) vm_assist=([0-9a-fA-F]+)/;
const RE_WATCHDOG = /^\s+watchdog (\d+) expires in (-?\d+) seconds/;
const RE_P2M = /^p2m mappings for domain (\d+) \(vmid (\d+)\):/;
const RE_MAPPINGS = /^\s+(1G|2M|4K) mappings: (\d+)(?: \(shattered (\d+)\))?/;
const RE_RANGESET = /^\s+(Interrupts|I\/O Memory|I\/O Ports)\s*\{(.*)\}\s*$/;
const RE_NODE = /^NODE affinity for domain (\d+): \[(.*)\]/;
const RE_UNIT = /^\s+UNIT(\d+) affinities: hard=\{(.*?)\} soft=\{(.*?)\}/;
const RE_VCPU = /^\s+VCPU(\d+): CPU(-?\d+) \[has=([TF])\] poll=(-?\d+) upcall_pend=([0-9a-fA-F]+) upcall_mask=([0-9a-fA-F]+)(.*)$/;
const RE_OLD_AFF = /^\s+cpu_hard_affinity=\{(.*?)\} cpu_soft_affinity=\{(.*?)\}/;
const RE_PAUSE = /^\s+pause_count=(-?\d+) pause_flags=([0-9a-fA-F]+)/;
const RE_VCPU_SECTION = /^VCPU information and callbacks for domain (\d+):/;
const RE_GICH = /^GICH_LRs \(vcpu (\d+)\) mask=([0-9a-fA-F]+)/;
const RE_LR = /^\s+(HW|VCPU)_LR\[(\d+)\]=([0-9a-fA-F]+)\s*$/;
const RE_INFLIGHT = /^Inflight irq=(\d+) lr=(\d+)/;
const RE_PENDING = /^Pending irq=(-?\d+)/;
const RE_QUEUED = /^\s+(hardware|virtual) (level|edge) irq (\d+): (not )?pending, (not )?active, (not )?enabled/;
const RE_PERIODIC = /^(\d+) Hz periodic timer \(period (\d+) ms\)/;
const RE_NONE = /^\s+None\s*$/;
const RE_NOTIFY = /^Notifying guest (\d+):(\d+) \(virq (\d+), port (\d+)/;
const RE_DIRTY_CPU = /dirty_cpu=(\d+)/;
const RE_DIRTY_CPUS = /dirty_cpus=\{(.*?)\}/;
const RE_HARD_AFF = /cpu_hard_affinity=\{(.*?)\}/;
const RE_SOFT_AFF = /cpu_soft_affinity=\{(.*?)\}/;
const RE_MAX_PAGES = /max_pages=(\d+)/;
const RE_SHARED_PAGES = /shared_pages=(\d+)/;
const RE_LLC = /^\d+ LLC colors: /;

/** Index of the first character that is not whitespace (regex `\s`). */
function firstNonSpace(b: string): number {
  let i = 0;
  while (i < b.length && isSpace(b.charCodeAt(i))) i++;
  return i;
}

export class DomainDumpParser {
  private dom?: DomainBlock;
  private lr?: LrBlock;
  /** Domain of a `VCPU information and callbacks for domain N:` seen without its domain section. */
  private sectionDomain?: number;
  private readonly events: DecodedEvent[] = [];
  /** `Notifying guest` lines seen: the dump is in its last part. */
  complete = false;
  domains = 0;

  constructor(private readonly ctx: PlatformContext) {}

  /** Feed one line of the `q` response (header excluded). Returns true when the line was understood. */
  push(line: TaggedLine): boolean {
    const b = line.body;
    const c = code(b, 0);
    if (c === 0x47 /* G */) {
      let m = b.startsWith('General information for domain ') ? RE_GENERAL.exec(b) : null;
      if (m) {
        this.closeDomain();
        this.domains++;
        this.dom = { firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, data: { domain: Number(m[1]), vcpus: [] } };
        this.sectionDomain = undefined;
        return true;
      }
      m = b.startsWith('GICH_LRs (vcpu ') ? RE_GICH.exec(b) : null;
      if (m) {
        this.closeLr();
        const vcpu = Number(m[1]);
        this.lr = { firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, vcpu, mask: m[2], raws: [], inflight: [], pending: [], queued: [] };
        const vi = this.dom?.curVcpu;
        if (vi && vi.vcpu === vcpu) { vi.lrMask = m[2]; this.lr.vinfo = vi; }
        this.touch(line);
        return true;
      }
    }
    if (c === 0x4e /* N */) {
      const m = RE_NOTIFY.exec(b);
      if (m) {
        this.closeDomain();
        this.complete = true;
        return true;
      }
      const n = RE_NODE.exec(b);
      if (n && this.dom) { this.dom.data.nodeAffinity = n[2]; this.touch(line); return true; }
    }
    // LR-block lines.
    if (this.lr) {
      let m = RE_LR.exec(b);
      if (m) {
        if (this.lr.raws.length < MAX_LRS) this.lr.raws.push({ index: Number(m[2]), raw: m[3], live: m[1] === 'HW' });
        this.lr.lastSeq = line.seq;
        this.touch(line);
        return true;
      }
      if (c === 0x49 /* I */ && (m = RE_INFLIGHT.exec(b))) {
        if (this.lr.inflight.length < MAX_LIST) this.lr.inflight.push({ irq: Number(m[1]), lr: Number(m[2]) });
        this.lr.lastSeq = line.seq;
        this.touch(line);
        return true;
      }
      if (c === 0x50 /* P */ && (m = RE_PENDING.exec(b))) {
        if (this.lr.pending.length < MAX_LIST) this.lr.pending.push(Number(m[1]));
        this.lr.lastSeq = line.seq;
        this.touch(line);
        return true;
      }
      if (b.includes('active or pending interrupts queued:')) { this.lr.lastSeq = line.seq; this.touch(line); return true; }
      if ((m = RE_QUEUED.exec(b))) {
        if (this.lr.queued.length < MAX_LIST) {
          this.lr.queued.push({ irq: Number(m[3]), hw: m[1] === 'hardware', level: m[2] === 'level', pending: !m[4], active: !m[5], enabled: !m[6] });
        }
        this.lr.lastSeq = line.seq;
        this.touch(line);
        return true;
      }
      this.closeLr();
    }
    const v = c === 0x56 /* V */ ? RE_VCPU_SECTION.exec(b) : null;
    if (v) {
      // Without its domain section (a dump quoted from here on), the LRs that follow belong to it.
      if (this.dom) this.touch(line);
      else this.sectionDomain = Number(v[1]);
      return true;
    }
    const d = this.dom;
    if (!d) return false;
    let m: RegExpExecArray | null;
    if (c === 0x20 /* space */) {
      // Each indented line kind has its own letter after the indent: at most one regex runs.
      const f = code(b, firstNonSpace(b));
      if (f === 0x56 /* V */ && (m = RE_VCPU.exec(b))) {
        if (d.data.vcpus.length >= MAX_VCPUS) return true;
        const vi: VcpuInfo = {
          vcpu: Number(m[1]), cpu: Number(m[2]), running: m[3] === 'T', poll: Number(m[4]),
          upcallPending: parseInt(m[5], 16), upcallMask: parseInt(m[6], 16),
        };
        const rest = m[7];
        const dc = RE_DIRTY_CPU.exec(rest);
        if (dc) vi.dirtyCpu = Number(dc[1]);
        const dcs = RE_DIRTY_CPUS.exec(rest);
        if (dcs) vi.dirtyCpus = dcs[1];
        const ha = RE_HARD_AFF.exec(rest);
        if (ha) vi.hardAffinity = ha[1];
        const sa = RE_SOFT_AFF.exec(rest);
        if (sa) vi.softAffinity = sa[1];
        if (d.pendingUnit) {
          vi.unit = d.pendingUnit.unit;
          vi.hardAffinity = d.pendingUnit.hard;
          vi.softAffinity = d.pendingUnit.soft;
        }
        d.data.vcpus.push(vi);
        d.curVcpu = vi;
        this.touch(line);
        return true;
      }
      if (f === 0x55 /* U */ && (m = RE_UNIT.exec(b))) { d.pendingUnit = { unit: Number(m[1]), hard: m[2], soft: m[3] }; this.touch(line); return true; }
      if (f === 0x70 /* p */ && (m = RE_PAUSE.exec(b))) {
        if (d.curVcpu) { d.curVcpu.pauseCount = Number(m[1]); d.curVcpu.pauseFlags = m[2]; }
        this.touch(line);
        return true;
      }
      if (f === 0x63 /* c */ && (m = RE_OLD_AFF.exec(b))) {
        if (d.curVcpu) { d.curVcpu.hardAffinity = m[1]; d.curVcpu.softAffinity = m[2]; }
        this.touch(line);
        return true;
      }
      if (f === 0x49 /* I */ && (m = RE_RANGESET.exec(b))) {
        const text = m[2].trim();
        if (m[1] === 'Interrupts') { d.data.interrupts = text; d.data.interruptRanges = parseDecimalRanges(text); }
        else if (m[1] === 'I/O Memory') { d.data.iomem = text; d.data.iomemRanges = parseHexRanges(text); }
        else { d.data.ioports = text; }
        this.touch(line);
        return true;
      }
      if (f === 0x72 /* r */ && (m = RE_REFCNT.exec(b))) { d.data.refcnt = Number(m[1]); d.data.dying = Number(m[2]); d.data.pauseCount = Number(m[3]); this.touch(line); return true; }
      if (f === 0x6e /* n */ && (m = RE_NRPAGES.exec(b))) {
        d.data.pages = Number(m[1]);
        d.data.xenheapPages = Number(m[2]);
        const mp = RE_MAX_PAGES.exec(b);
        if (mp) d.data.maxPages = Number(mp[1]);
        const dc = RE_DIRTY_CPUS.exec(b);
        if (dc) d.data.dirtyCpus = dc[1];
        const sp = RE_SHARED_PAGES.exec(b);
        if (sp) d.data.sharedPages = Number(sp[1]);
        this.touch(line);
        return true;
      }
      if (f === 0x68 /* h */ && (m = RE_HANDLE.exec(b))) { d.data.handle = m[1]; d.data.vmAssist = m[2]; this.touch(line); return true; }
      if (f === 0x77 /* w */ && (m = RE_WATCHDOG.exec(b))) {
        const w = (d.data.watchdogs as unknown[] | undefined) ?? [];
        if (w.length < 16) w.push({ id: Number(m[1]), expiresIn: Number(m[2]) });
        d.data.watchdogs = w;
        this.touch(line);
        return true;
      }
      if ((f === 0x31 || f === 0x32 || f === 0x34) /* 1G 2M 4K */ && (m = RE_MAPPINGS.exec(b))) {
        const p2m = (d.data.p2m as Record<string, unknown> | undefined) ?? {};
        p2m[`map${m[1]}`] = Number(m[2]);
        if (m[3] !== undefined) p2m[`shattered${m[1]}`] = Number(m[3]);
        d.data.p2m = p2m;
        this.touch(line);
        return true;
      }
      if (f === 0x4e /* N */ && RE_NONE.test(b)) { this.touch(line); return true; }
      return false;
    }
    if ((m = RE_P2M.exec(b))) {
      const p2m = (d.data.p2m as Record<string, unknown> | undefined) ?? {};
      p2m.vmid = Number(m[2]);
      d.data.p2m = p2m;
      this.touch(line);
      return true;
    }
    if (b.startsWith('Rangesets belonging to domain')) { this.touch(line); return true; }
    if (b.startsWith('No periodic timer')) { if (d.curVcpu) d.curVcpu.periodicTimer = 'none'; this.touch(line); return true; }
    if ((m = RE_PERIODIC.exec(b))) { if (d.curVcpu) d.curVcpu.periodicTimer = `${m[1]} Hz`; this.touch(line); return true; }
    if (RE_LLC.test(b)) { d.data.llcColors = b.slice(b.indexOf(':') + 1).trim(); this.touch(line); return true; }
    return false;
  }

  private touch(line: TaggedLine): void {
    if (this.dom && line.seq > this.dom.lastSeq) this.dom.lastSeq = line.seq;
  }

  private closeLr(partial?: string): void {
    const l = this.lr;
    if (!l) return;
    this.lr = undefined;
    const gic = this.ctx.gicVersion ?? guessLrVersion(l.raws.map((r) => r.raw));
    const lrs: LrEntry[] = [];
    for (const r of l.raws) {
      const e = decodeLr(gic, r.index, r.raw, r.live);
      if (e) lrs.push(e);
    }
    const data: Record<string, unknown> = { vcpu: l.vcpu, gic, mask: l.mask, lrs, inflight: l.inflight, pending: l.pending };
    if (this.ctx.gicVersion === undefined) data.gicGuessed = true;
    if (this.dom) data.domain = this.dom.data.domain;
    else if (this.sectionDomain !== undefined) data.domain = this.sectionDomain;
    if (l.queued.length) data.queued = l.queued;
    if (l.vinfo) { l.vinfo.inflight = l.inflight.length; l.vinfo.pending = l.pending.length; }
    const ev: DecodedEvent = { kind: 'xen.gic.lrs', firstSeq: l.firstSeq, lastSeq: l.lastSeq, ts: l.ts, data };
    if (partial) { ev.partial = true; ev.reason = partial; }
    this.events.push(ev);
  }

  private closeDomain(partial?: string): void {
    this.closeLr(partial);
    const d = this.dom;
    if (!d) return;
    this.dom = undefined;
    const ev: DecodedEvent = { kind: 'xen.domain', firstSeq: d.firstSeq, lastSeq: d.lastSeq, ts: d.ts, data: d.data };
    if (partial) { ev.partial = true; ev.reason = partial; }
    this.events.push(ev);
  }

  /** Close what is open (`partial` with the reason if given) and hand over the events. */
  finish(partial?: string): DecodedEvent[] {
    this.closeDomain(partial);
    this.closeLr(partial);
    return this.events.splice(0);
  }

  /** Events completed so far (the caller may emit them early). */
  take(): DecodedEvent[] {
    return this.events.length === 0 ? NO_EVENTS : this.events.splice(0);
  }
}
