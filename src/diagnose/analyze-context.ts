// The facts the interrupt rules work on, gathered once from the decoded events (and the lines,
// when given) of one boot: q dumps grouped per key press, /proc/interrupts snapshots, what Xen
// keeps for itself, names of interrupts, and where dom0 last printed. Pure: no I/O.
import type { ConsoleEvent } from '../protocol/events.js';

export interface DiagnoseLine { seq: number; ts: number; text: string }
export interface Evidence { firstSeq: number; lastSeq: number; note?: string }
export type Severity = 'error' | 'warning' | 'info';
export interface Finding {
  severity: Severity;
  title: string;
  explanation: string;
  irq?: number;
  domain?: number;
  vcpu?: number;
  evidence: Evidence[];
  rule: string;
}
/** A finding as a rule returns it: `score` orders findings of the same severity (higher first). */
export interface RankedFinding extends Finding { score: number }

/* eslint-disable @typescript-eslint/no-explicit-any */
type Data = Record<string, any>;

export interface LrEntry { index: number; raw: string; state: string; virq: number; pirq?: number; hw: boolean; priority: number; live: boolean }
export interface VcpuSnap {
  domain: number;
  vcpu: number;
  /** The `GICH_LRs` block (xen.gic.lrs event). */
  firstSeq: number;
  lastSeq: number;
  mask: string;
  lrs: LrEntry[];
  inflight: Array<{ irq: number; lr: number }>;
  pending: number[];
  /** From the xen.domain section: `[has=T]` (its saved LRs are stale), pause_flags, pCPU. */
  running?: boolean;
  blocked?: boolean;
  cpu?: number;
  upcallPending?: number;
  /** The xen.domain event this vCPU belongs to. */
  domainFirstSeq?: number;
}
export interface QDump {
  firstSeq: number;
  lastSeq: number;
  /** Xen's `now = N` (ns since boot), when printed. */
  nowNs?: number;
  vcpus: VcpuSnap[];
  domains: Data[];
}
export interface ProcRow { irq: string; num?: number; counts: number[]; total: number; chip?: string; hwirq?: number; name?: string; actions?: string[]; flow?: string }
export interface ProcSnap { firstSeq: number; lastSeq: number; cpuIds: number[]; rows: ProcRow[]; partial: boolean; time?: number }
export interface HostRegs { cpu: number; pcSymbol?: string; pc?: string; firstSeq: number; lastSeq: number; idle: boolean }

export interface Dom0Activity {
  /** A Linux dom0 was seen in this boot (its banner, or the dom0.kernel milestone). */
  linux: boolean;
  /** Last line printed by dom0 (plain stream), if any. */
  last?: DiagnoseLine;
  /** That line is a shell prompt (`/ # `, `root@x:~# `, `login:`) with nothing typed after it. */
  atPrompt: boolean;
  /** The boot reached a dom0 prompt at some point. */
  promptSeen: boolean;
  /** Seq from which dom0 output is expected (init.freed / dom0.kernel), if known. */
  handoverSeq?: number;
  /** Xen debug-key responses that came after dom0's last line. */
  keysAfter: Array<{ key: string; firstSeq: number; lastSeq: number }>;
  /** Seconds since dom0's last line, when the lines carry host times. */
  silentSeconds?: number;
  /** Seq of the last line of the input. */
  endSeq: number;
}

export interface Ctx {
  events: ConsoleEvent[];
  lines: DiagnoseLine[];
  hasLines: boolean;
  hasTimes: boolean;
  now?: number;
  boot?: { firstSeq: number; lastSeq: number };
  timer: { phys: number; hyp: number; virt: number; hypVirt?: number; seq?: number; guessed: boolean };
  gic: { version?: number; maintenanceIrq: number; seq?: number; lastSeq?: number; dist?: number };
  evtchnPpi?: { irq: number; seq: number };
  uart?: { path?: string; node?: string; address?: string; driver?: string; seq: number };
  routes: ConsoleEvent[];
  dumps: QDump[];
  /** dom0's /proc/interrupts tables, in order. */
  procs: ProcSnap[];
  /** Latest host register dumps (key `d` / `*`), one per pCPU. */
  hostRegs: HostRegs[];
  /** dom0's permitted Interrupts rangeset from the latest q dump. */
  dom0Irqs?: { ranges: Array<[number, number]>; firstSeq: number; lastSeq: number };
  dom0: Dom0Activity;
  /** Name of an interrupt (INTID) and where it came from. */
  names: Map<number, { name: string; seq?: number; own?: boolean }>;
  byKind(kind: string): ConsoleEvent[];
  linesIn(first: number, last: number): DiagnoseLine[];
  /** First line in [first,last] whose text matches, as a one-line evidence range. */
  findLine(first: number, last: number, re: RegExp): DiagnoseLine | undefined;
}

const PROMPT = /(?:^|\s)[#$>] ?$|login: ?$/;
/** A shell or login prompt at the end of a dom0 line (no `>`: a typed command is then safe). */
export const SHELL_PROMPT = /(?:^|\s)[#$] ?$|login: ?$/;

/** Whether `text` can match SHELL_PROMPT at all: it ends in `#`, `$` or `:` (and one space at most). */
export function mayBePrompt(text: string): boolean {
  let i = text.length - 1;
  if (i >= 0 && text.charCodeAt(i) === 0x20) i--;
  const c = i >= 0 ? text.charCodeAt(i) : 0;
  return c === 0x23 /* # */ || c === 0x24 /* $ */ || c === 0x3a /* : */;
}

/** `text` ends with a shell or login prompt (SHELL_PROMPT, behind a cheap gate: the regex would scan the whole line). */
export function isShellPrompt(text: string): boolean {
  return mayBePrompt(text) && SHELL_PROMPT.test(text);
}
const XEN_OR_GUEST_LINE = /^\((?:XEN|d\d+)\)/;
/** A line Xen printed for itself or for a guest (`(XEN) `, `(d1) `): not dom0's. */
export const isXenOrGuestLine = (text: string): boolean => XEN_OR_GUEST_LINE.test(text);
/** Terminal-program status lines that are not board output (minicom). */
const NOT_BOARD = /CTRL-A Z for help|Minicom \d|^Welcome to minicom/;
const GIC_ROOT_CHIP = /^(?:GIC(?:v[234])?(?:-\d+)?|GICv3)$/;

export const dataOf = (e: ConsoleEvent): Data => e.data as Data;

/** Whose kernel a Linux event's `stream`/`domain` name: dom0 (untagged lines), a guest `dN`, or a guest of unknown id. */
export function linuxOrigin(d: Record<string, unknown>): { dom0: boolean; who: string; domain?: number } {
  const dom0 = (d.stream ?? 'plain') === 'plain' && d.domain === undefined;
  if (dom0) return { dom0, who: 'dom0', domain: 0 };
  return typeof d.domain === 'number' ? { dom0, who: `d${d.domain}`, domain: d.domain } : { dom0, who: 'a guest' };
}

/** The text a line shows for dom0: the part before a `(XEN)` line glued behind it. */
export function dom0Part(text: string): string | undefined {
  if (isXenOrGuestLine(text) || NOT_BOARD.test(text)) return undefined;
  const i = text.indexOf('(XEN)');
  const t = (i >= 0 ? text.slice(0, i) : text).replace(/\s+$/, ' ');
  return t.trim() === '' ? undefined : t;
}

export const isPrompt = (t: string): boolean => PROMPT.test(t.replace(/\s+$/, ' ')) && t.trim().length <= 64;

/** Index of the first event of the last boot: after the last `boot.start`, plus the milestones
 *  of that boot that were seen before its start line (`bootSeq`). */
export function lastBootStart(events: ConsoleEvent[]): number | undefined {
  let idx = -1;
  for (let i = events.length - 1; i >= 0; i--) if (events[i].kind === 'boot.start') { idx = i; break; }
  if (idx < 0) return undefined;
  let from = events[idx].firstSeq;
  for (let i = idx; i < events.length; i++) {
    const e = events[i];
    if (e.kind === 'xen.milestone') {
      const b = Number(dataOf(e).bootSeq);
      if (Number.isFinite(b) && b < from) from = b;
      break;
    }
  }
  // The previous boot must not be pulled in: stop at the previous boot.start.
  for (let i = idx - 1; i >= 0; i--) if (events[i].kind === 'boot.start') { from = Math.max(from, events[i].lastSeq + 1); break; }
  return from;
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * Items grouped by key, the groups and their items in first-seen order; an item whose key is
 * undefined is left out. (Node 20 has no Map.groupBy.)
 */
export function groupBy<T, K>(items: Iterable<T>, key: (t: T) => K | undefined): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k === undefined) continue;
    const l = out.get(k);
    if (l) l.push(t);
    else out.set(k, [t]);
  }
  return out;
}

export function buildContext(input: { events: ConsoleEvent[]; lines?: DiagnoseLine[]; now?: number; allBoots?: boolean }): Ctx {
  const all = Array.isArray(input.events) ? input.events.filter((e) => e && typeof e.kind === 'string' && e.data && typeof e.data === 'object' && Number.isFinite(e.firstSeq)) : [];
  const from = input.allBoots ? undefined : lastBootStart(all);
  const events = from === undefined ? all : all.filter((e) => e.firstSeq >= from);
  const rawLines = Array.isArray(input.lines) ? input.lines.filter((l) => l && Number.isFinite(l.seq) && typeof l.text === 'string') : [];
  const lines = (from === undefined ? rawLines : rawLines.filter((l) => l.seq >= from)).slice().sort((a, b) => a.seq - b.seq);
  const kinds = groupBy(events, (e) => e.kind);
  const byKind = (k: string): ConsoleEvent[] => kinds.get(k) ?? [];
  const lineIdx = (seq: number): number => {
    let lo = 0, hi = lines.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (lines[m].seq < seq) lo = m + 1; else hi = m; }
    return lo;
  };
  const linesIn = (first: number, last: number): DiagnoseLine[] => {
    const out: DiagnoseLine[] = [];
    for (let i = lineIdx(first); i < lines.length && lines[i].seq <= last; i++) out.push(lines[i]);
    return out;
  };
  const findLine = (first: number, last: number, re: RegExp): DiagnoseLine | undefined => linesIn(first, last).find((l) => re.test(l.text));

  // Loops, not Math.max(...spread): a long boot has more events than a call takes arguments.
  let endSeq = lines.at(-1)?.seq ?? 0;
  let minFirst = lines[0]?.seq ?? Infinity;
  for (const e of events) {
    if (e.lastSeq > endSeq) endSeq = e.lastSeq;
    if (e.firstSeq < minFirst) minFirst = e.firstSeq;
  }
  const startSeq = from ?? minFirst;
  const boot = Number.isFinite(startSeq) && endSeq > 0 ? { firstSeq: startSeq, lastSeq: endSeq } : undefined;

  // Timer PPIs, GIC, what Xen keeps.
  const te = byKind('xen.timer').at(-1);
  const td = te ? dataOf(te) : {};
  const timer = {
    phys: num(td.phys) ?? 30,
    hyp: num(td.hyp) ?? 26,
    virt: num(td.virt) ?? 27,
    hypVirt: num(td.hypVirt),
    seq: te?.firstSeq,
    guessed: !te,
  };
  const ge = byKind('xen.gic.init').at(-1);
  const gic = { version: num(ge && dataOf(ge).version), maintenanceIrq: num(ge && dataOf(ge).maintenanceIrq) ?? 25, seq: ge?.firstSeq, lastSeq: ge?.lastSeq, dist: num(ge && dataOf(ge).dist) };
  const routes = byKind('xen.irq.route');
  const ev = routes.find((e) => dataOf(e).what === 'evtchn-ppi');
  const evtchnPpi = ev && num(dataOf(ev).irq) !== undefined ? { irq: num(dataOf(ev).irq)!, seq: ev.firstSeq } : undefined;
  const ue = byKind('xen.uart').at(-1);
  const uart = ue ? { path: dataOf(ue).path, node: dataOf(ue).node, address: dataOf(ue).address, driver: dataOf(ue).driver, seq: ue.firstSeq } : undefined;

  const dumps = groupDumps(events);

  // dom0's /proc/interrupts (plain stream; a domU's table has a domain).
  const procs: ProcSnap[] = byKind('linux.interrupts')
    .filter((e) => { const d = dataOf(e); return (d.stream ?? 'plain') === 'plain' && d.domain === undefined && Array.isArray(d.rows); })
    .map((e) => {
      const d = dataOf(e);
      return {
        firstSeq: e.firstSeq,
        lastSeq: e.lastSeq,
        cpuIds: Array.isArray(d.cpuIds) ? d.cpuIds : [],
        partial: !!e.partial,
        time: e.ts > 0 ? e.ts : undefined,
        rows: (d.rows as ProcRow[]).filter((r) => r && Array.isArray(r.counts)),
      };
    });

  // Host registers of the latest `d`: one per pCPU (a later dump of a CPU replaces an earlier one).
  const hostMap = new Map<number, HostRegs>();
  for (const e of byKind('xen.regs')) {
    const d = dataOf(e);
    if (d.context !== 'host' || typeof d.cpu !== 'number' || e.partial) continue;
    const pcSymbol: string | undefined = d.pcSymbol ?? d.callTrace?.[0]?.symbol;
    hostMap.set(d.cpu, { cpu: d.cpu, pcSymbol, pc: d.regs?.PC ?? d.regs?.pc, firstSeq: e.firstSeq, lastSeq: e.lastSeq, idle: /\bidle_loop\b/.test(pcSymbol ?? '') });
  }
  // Keep only the dumps of the last `d` round: CPUs dumped long before the last one are stale.
  const hostAll = [...hostMap.values()].sort((a, b) => a.cpu - b.cpu);
  const lastD = byKind('xen.debugkey').filter((e) => dataOf(e).key === 'd').at(-1);
  const hostRegs = lastD ? hostAll.filter((h) => h.firstSeq >= lastD.firstSeq && h.lastSeq <= lastD.lastSeq) : hostAll;

  // dom0's Interrupts rangeset.
  let dom0Irqs: Ctx['dom0Irqs'];
  for (const e of byKind('xen.domain')) {
    const d = dataOf(e);
    if (d.domain !== 0 || !Array.isArray(d.interruptRanges)) continue;
    const ranges = (d.interruptRanges as unknown[]).filter((r): r is [number, number] => Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'number');
    const ln = findLine(e.firstSeq, e.lastSeq, /Interrupts \{/);
    dom0Irqs = { ranges, firstSeq: ln?.seq ?? e.firstSeq, lastSeq: ln?.seq ?? e.lastSeq };
  }

  const ctx: Ctx = {
    events, lines, hasLines: lines.length > 0, hasTimes: lines.some((l) => l.ts > 0), now: input.now,
    boot, timer, gic, evtchnPpi, uart, routes, dumps, procs, hostRegs, dom0Irqs,
    dom0: { linux: false, atPrompt: false, promptSeen: false, keysAfter: [], endSeq },
    names: new Map(), byKind, linesIn, findLine,
  };
  ctx.dom0 = dom0Activity(ctx);
  ctx.names = irqNames(ctx);
  return ctx;
}

/** Group the xen.gic.lrs / xen.domain events into one dump per `q` key press. */
function groupDumps(events: ConsoleEvent[]): QDump[] {
  const qs = events.filter((e) => e.kind === 'xen.debugkey' && dataOf(e).key === 'q');
  const dumps: QDump[] = qs.map((e) => {
    const m = /now = (\d+)/.exec(String(dataOf(e).description ?? ''));
    return { firstSeq: e.firstSeq, lastSeq: e.lastSeq, nowNs: m ? Number(m[1]) : undefined, vcpus: [], domains: [] };
  });
  const inDump = (seq: number): QDump | undefined => dumps.find((d) => seq >= d.firstSeq && seq <= d.lastSeq);
  let orphan: QDump | undefined;
  const domEvents = events.filter((e) => e.kind === 'xen.domain');
  for (const e of events) {
    if (e.kind === 'xen.domain') {
      const d = inDump(e.firstSeq);
      if (d) d.domains.push(dataOf(e));
      continue;
    }
    if (e.kind !== 'xen.gic.lrs') continue;
    const d = dataOf(e);
    const vcpu = num(d.vcpu);
    if (vcpu === undefined) continue;
    const dom = domEvents.find((x) => e.firstSeq >= x.firstSeq && e.lastSeq <= x.lastSeq);
    const domain = num(d.domain) ?? num(dom && dataOf(dom).domain) ?? 0;
    const info = dom && Array.isArray(dataOf(dom).vcpus) ? (dataOf(dom).vcpus as Data[]).find((v) => v.vcpu === vcpu) : undefined;
    const snap: VcpuSnap = {
      domain, vcpu, firstSeq: e.firstSeq, lastSeq: e.lastSeq, mask: String(d.mask ?? ''),
      lrs: Array.isArray(d.lrs) ? d.lrs : [],
      inflight: Array.isArray(d.inflight) ? d.inflight.filter((x: Data) => x && typeof x.irq === 'number') : [],
      pending: Array.isArray(d.pending) ? d.pending.filter((x: unknown) => typeof x === 'number') : [],
      running: info?.running,
      blocked: info?.pauseFlags !== undefined ? (parseInt(String(info.pauseFlags), 16) & 1) === 1 : undefined,
      cpu: info?.cpu,
      upcallPending: info?.upcallPending,
      domainFirstSeq: dom?.firstSeq,
    };
    let target = inDump(e.firstSeq);
    if (!target) {
      // A dump without its header (a capture cut in the middle): a vCPU seen twice starts a new one.
      if (!orphan || orphan.vcpus.some((v) => v.domain === domain && v.vcpu === vcpu) || e.firstSeq - orphan.lastSeq > 200) {
        orphan = { firstSeq: e.firstSeq, lastSeq: e.lastSeq, vcpus: [], domains: [] };
        dumps.push(orphan);
      }
      target = orphan;
      orphan.lastSeq = Math.max(orphan.lastSeq, e.lastSeq);
    }
    target.vcpus.push(snap);
  }
  return dumps.filter((d) => d.vcpus.length > 0).sort((a, b) => a.firstSeq - b.firstSeq);
}

function dom0Activity(ctx: Ctx): Dom0Activity {
  const ms = ctx.byKind('xen.milestone').map(dataOf);
  const linux = ctx.byKind('linux.banner').some((e) => (dataOf(e).stream ?? 'plain') === 'plain' && dataOf(e).domain === undefined)
    || ms.some((m) => m.name === 'dom0.kernel');
  const promptSeen = ms.some((m) => m.name === 'prompt');
  const handover = ms.find((m) => m.name === 'init.freed') ?? ms.find((m) => m.name === 'dom0.kernel');
  const handoverSeq = num(handover?.seq);
  let last: DiagnoseLine | undefined;
  let lastText = '';
  if (ctx.hasLines) {
    for (let i = ctx.lines.length - 1; i >= 0; i--) {
      const l = ctx.lines[i];
      if (handoverSeq !== undefined && l.seq <= handoverSeq) break;
      const t = dom0Part(l.text);
      if (t !== undefined) { last = l; lastText = t; break; }
    }
  } else {
    // Without lines: the last dom0 (plain stream) event stands for dom0's last output.
    const plain = ctx.events.filter((e) => e.kind.startsWith('linux.') && (dataOf(e).stream ?? 'plain') === 'plain' && dataOf(e).domain === undefined);
    const lp = plain.at(-1);
    const pm = ctx.byKind('xen.milestone').filter((e) => dataOf(e).name === 'prompt').at(-1);
    const pick = [lp, pm].filter((x): x is ConsoleEvent => !!x).sort((a, b) => a.lastSeq - b.lastSeq).at(-1);
    if (pick) {
      last = { seq: pick.lastSeq, ts: pick.ts, text: pick.kind === 'xen.milestone' ? String(dataOf(pick).text ?? '') : pick.kind };
      lastText = pick.kind === 'xen.milestone' ? String(dataOf(pick).text ?? '') : '';
    }
  }
  const atPrompt = !!last && isPrompt(lastText);
  const keysAfter = ctx.byKind('xen.debugkey')
    .filter((e) => e.firstSeq > (last?.seq ?? handoverSeq ?? 0) && !dataOf(e).underStar)
    .map((e) => ({ key: String(dataOf(e).key ?? '?'), firstSeq: e.firstSeq, lastSeq: e.lastSeq }));
  let silentSeconds: number | undefined;
  if (last && last.ts > 0) {
    const now = ctx.now ?? ctx.lines.at(-1)?.ts;
    if (now && now >= last.ts) silentSeconds = Math.round((now - last.ts) / 100) / 10;
  }
  return { linux, last, atPrompt, promptSeen, handoverSeq, keysAfter, silentSeconds, endSeq: ctx.dom0.endSeq };
}

const SGI_DEFAULT = 'software-generated interrupt (an IPI between vCPUs)';

/** Names of interrupts (GIC INTIDs) from what this boot printed. */
function irqNames(ctx: Ctx): Map<number, { name: string; seq?: number; own?: boolean }> {
  const names = new Map<number, { name: string; seq?: number; own?: boolean }>();
  const set = (irq: number | undefined, name: string, seq?: number, own?: boolean) => {
    if (irq === undefined || names.has(irq)) return;
    names.set(irq, { name, seq, own });
  };
  const t = ctx.timer;
  set(t.virt, 'the virtual timer', t.seq);
  set(t.hyp, "the hypervisor timer, Xen's own", t.seq, true);
  set(t.phys, 'the EL1 physical timer, emulated by Xen for guests', t.seq);
  if (t.hypVirt !== undefined) set(t.hypVirt, "the hypervisor virtual timer, Xen's own", t.seq, true);
  set(ctx.gic.maintenanceIrq, "the vGIC maintenance interrupt, Xen's own", ctx.gic.seq, true);
  if (ctx.evtchnPpi) set(ctx.evtchnPpi.irq, "the Xen event-channel upcall, dom0's `events`", ctx.evtchnPpi.seq);
  // dom0's /proc/interrupts: GIC rows name devices by INTID; IPIn rows name SGI n.
  for (let i = ctx.procs.length - 1; i >= 0; i--) {
    const p = ctx.procs[i];
    for (const r of p.rows) {
      if (typeof r.hwirq === 'number' && r.chip && GIC_ROOT_CHIP.test(r.chip) && r.name) set(r.hwirq, r.name, p.firstSeq);
      const m = /^IPI(\d+)$/.exec(r.irq);
      if (m && r.name) set(Number(m[1]), `SGI ${m[1]} (dom0's IPI${m[1]}: ${r.name})`, p.firstSeq);
    }
  }
  for (const e of ctx.routes) {
    const d = dataOf(e);
    if (typeof d.irq === 'number' && typeof d.device === 'string') set(d.irq, d.device, e.firstSeq);
  }
  for (let s = 0; s < 16; s++) set(s, `SGI ${s}, a ${SGI_DEFAULT}`);
  return names;
}

/** `IRQ 27 (the virtual timer)`. */
export function irqLabel(ctx: Ctx, irq: number): string {
  const n = ctx.names.get(irq);
  if (!n) return `IRQ ${irq}${irq >= 16 && irq < 32 ? ' (a PPI)' : irq >= 32 ? ` (SPI ${irq - 32} in device-tree numbering)` : ''}`;
  if (irq < 16) return n.name.startsWith('SGI') ? n.name : `SGI ${irq} (${n.name})`;
  return `IRQ ${irq} (${n.name}${irq < 32 ? `, PPI ${irq}` : ''})`;
}

export const vcpuName = (domain: number, vcpu: number): string => `d${domain}v${vcpu}`;

/** `irq` is on the vCPU's inflight list with lr=255: held by the vGIC in no list register. */
export function heldInNoLr(s: VcpuSnap, irq: number): boolean {
  return s.inflight.some((x) => x.irq === irq && x.lr === 255);
}

/** Every (domain, vCPU) of the q dumps, in order of first appearance, with its snapshot in each dump that has it. */
export function vcpuSeries(ctx: Ctx): Array<{ domain: number; vcpu: number; series: Array<{ dump: QDump; snap: VcpuSnap }> }> {
  const keys = new Map<string, { domain: number; vcpu: number }>();
  for (const d of ctx.dumps) for (const v of d.vcpus) keys.set(`${v.domain}.${v.vcpu}`, { domain: v.domain, vcpu: v.vcpu });
  return [...keys.values()].map(({ domain, vcpu }) => ({
    domain,
    vcpu,
    series: ctx.dumps
      .map((dump) => ({ dump, snap: dump.vcpus.find((v) => v.domain === domain && v.vcpu === vcpu) }))
      .filter((x): x is { dump: QDump; snap: VcpuSnap } => !!x.snap),
  }));
}

/** Merge evidence ranges that touch or overlap; keep notes of the first. */
export function mergeEvidence(ev: Evidence[]): Evidence[] {
  const s = ev.filter((e) => Number.isFinite(e.firstSeq) && Number.isFinite(e.lastSeq)).slice().sort((a, b) => a.firstSeq - b.firstSeq);
  const out: Evidence[] = [];
  for (const e of s) {
    const p = out.at(-1);
    if (p && e.firstSeq <= p.lastSeq && e.lastSeq <= p.lastSeq) {
      if (!p.note && e.note) p.note = e.note;
      continue;
    }
    out.push({ ...e });
  }
  return out;
}

export { GIC_ROOT_CHIP };
