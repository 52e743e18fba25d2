// How a Linux kernel set up interrupt delivery at boot (linux-console-reference §4.8 "Xen events",
// §5 rows 5, 8, 9, 12-15): the interrupt controller it found (under Xen: the vGIC Xen gives it),
// its timer, Xen's event channels, and which CPUs came up. One `linux.irq.setup` event per boot
// and stream (dom0 / bare metal `plain`, each guest domain), emitted when the secondary CPUs are up.
//   GICv3: %d SPIs implemented | %d Extended SPIs implemented | %d PPIs implemented
//   GICv3: GICv3 features: %d PPIs[, DirectLPI][, ...]                    (newer kernels)
//   GICv3: Distributor has [no ]Range Selector support
//   GICv3: CPU%d: found redistributor %llx region %d:%pa
//   GICv3: CPU%d: mpidr %lx has no re-distributor!
//   GIC: Using split EOI/Deactivate mode                                   (GICv2, irq-gic.c)
//   GICv2m: range[mem %#llx-%#llx], SPI[%d:%d]
//   ITS: No ITS available, not enabling LPIs | ITS [mem ...] | ITS@%pa: ...
//   arch_timer: cp15 timer(s) running at %lu.%02luMHz (%s).                (newer: `cp15 timer running`;
//                                                                           also `cp15 and mmio timer(s)`)
//   Xen %s support found | xen:events: Using FIFO-based ABI | Using 2-level ABI
//   xen:grant_table: Grant tables using version %d layout | Xen: initializing cpu%d
//   Xen event channel interrupt not found
//   CPU%u: Booted secondary processor ... | CPU%u: failed to come online | CPU%u: failed in unknown state
//   smp: Brought up %d node(s), %d CPU(s)   (older: `Brought up %d CPUs`)   <- ends the event
// A kernel with no SMP bring-up ends it at `Freeing unused kernel ...`, `Freeing initrd memory`
// or `Run %s as init process`.
import type { DecodedEvent, Emit, Family, TaggedLine } from '../types.js';
import { isIdleFlush } from '../types.js';
import { code } from '../util.js';

/** Lines (by seq, all streams) a boot may take from its first interrupt-setup line to the SMP bring-up. */
const MAX_LINES = 8000;
/** Streams (dom0 and guest domains) followed at once; the oldest is dropped beyond this. */
const MAX_STREAMS = 16;

export interface IrqSetupData {
  stream: 'plain' | 'guest';
  domain?: number;
  gic?: {
    version?: 2 | 3;
    spis?: number;
    extendedSpis?: number;
    ppis?: number;
    rangeSelector?: boolean;
    splitEoi?: boolean;
    /** 'none': `ITS: No ITS available`; 'present': an ITS was probed. */
    its?: 'none' | 'present';
    v2m?: Array<{ base: string; end: string; firstSpi: number; lastSpi: number }>;
    /** `region` and `address` are missing only when a mail client cut the line before them and the rest was lost. */
    redistributors?: Array<{ cpu: number; mpidr: string; region?: number; address?: string }>;
    noRedistributor?: Array<{ cpu: number; mpidr: string }>;
  };
  timer?: { mhz: number; mode: string; text: string };
  xen?: {
    version?: string;
    eventsAbi?: 'fifo' | '2-level';
    grantTableVersion?: number;
    /** `Xen event channel interrupt not found`: no upcall PPI, so no event channel can interrupt this kernel. */
    noEventIrq?: true;
    initializedCpus?: number[];
  };
  cpus: {
    /** Secondary CPUs that printed `Booted secondary processor`. */
    booted: number[];
    failed: Array<{ cpu: number; text: string }>;
    /** From `smp: Brought up`: the CPUs online after the bring-up. */
    online?: number;
  };
}

const RE = {
  spis: /^GICv3: (\d+) SPIs implemented/,
  espis: /^GICv3: (\d+) Extended SPIs implemented/,
  ppis: /^GICv3: (?:GICv3 features: )?(\d+) PPIs/,
  rs: /^GICv3: Distributor has (no )?Range Selector support/,
  rdist: /^GICv3: CPU(\d+): found redistributor ([0-9a-fA-Fx]+)(?: region(?: (\d+):(0x[0-9a-fA-F]+))?)?/,
  /** The rest of a redistributor line that a mail client wrapped after `region` (the next line, no timestamp). */
  rdistRest: /^\s*(\d+):(0x[0-9a-fA-F]+)\s*$/,
  noRdist: /^GICv3: CPU(\d+): mpidr (\S+) has no re-distributor/,
  v2m: /^GICv2m: range\[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\], SPI\[(\d+):(\d+)\]/,
  timer: /^arch_timer: (?:cp15|mmio|cp15 and mmio) timers? ?(?:\(s\))? running at (\d+(?:\.\d+)?)MHz \(([a-z-]+)/,
  xenFound: /^Xen (\S+) support found/,
  abi: /^xen:events: Using (FIFO-based|2-level) ABI/,
  gnttab: /^xen:grant_table: Grant tables using version (\d+) layout/,
  xenCpu: /^Xen: initializing cpu(\d+)/,
  booted: /^CPU(\d+): Booted secondary processor/,
  failed: /^CPU(\d+): failed (?:to come online|in unknown state)/,
  up: /^(?:smp: )?Brought up (?:\d+ nodes?, )?(\d+) CPUs?/,
  end: /^(?:Freeing unused kernel|Freeing initrd memory|Run \S+ as init process)/,
};

class Setup {
  readonly firstSeq: number;
  readonly ts: number;
  lastSeq: number;
  readonly data: IrqSetupData;
  /** A redistributor line cut before its region: its rest may be the next line (seq `wrappedSeq + 1`). */
  wrapped: { region?: number; address?: string } | undefined;
  wrappedSeq = 0;

  constructor(l: TaggedLine) {
    this.firstSeq = l.seq;
    this.lastSeq = l.seq;
    this.ts = l.ts;
    this.data = { stream: l.stream === 'guest' ? 'guest' : 'plain', cpus: { booted: [], failed: [] } };
    if (l.domain !== undefined) this.data.domain = l.domain;
  }

  gic(version?: 2 | 3): NonNullable<IrqSetupData['gic']> {
    const g = (this.data.gic ??= {});
    if (version) g.version = version;
    return g;
  }

  xen(): NonNullable<IrqSetupData['xen']> {
    return (this.data.xen ??= {});
  }

  event(reason?: string): DecodedEvent {
    const ev: DecodedEvent = { kind: 'linux.irq.setup', firstSeq: this.firstSeq, lastSeq: this.lastSeq, ts: this.ts, data: this.data as unknown as Record<string, unknown> };
    if (reason) { ev.partial = true; ev.reason = reason; }
    return ev;
  }
}

/**
 * Take one line into the setup (creating it when `s` is undefined and the line belongs to it).
 * Returns the setup, and whether the line ends it.
 */
function take(s: Setup | undefined, l: TaggedLine): { s: Setup | undefined; end: boolean } {
  const b = l.body;
  const c = code(b, 0);
  let m: RegExpExecArray | null;
  const at = (): Setup => {
    s ??= new Setup(l);
    s.lastSeq = l.seq;
    return s;
  };
  switch (c) {
    case 0x47: /* G */
      if (b.startsWith('GICv3: ')) {
        if ((m = RE.rdist.exec(b))) {
          const r: { cpu: number; mpidr: string; region?: number; address?: string } = { cpu: Number(m[1]), mpidr: m[2].startsWith('0x') ? m[2] : `0x${m[2]}` };
          if (m[3] !== undefined) { r.region = Number(m[3]); r.address = m[4]; } else if (l.time !== undefined) { at().wrapped = r; at().wrappedSeq = l.seq; }
          (at().gic(3).redistributors ??= []).push(r);
        } else if ((m = RE.spis.exec(b))) at().gic(3).spis = Number(m[1]);
        else if ((m = RE.espis.exec(b))) at().gic(3).extendedSpis = Number(m[1]);
        else if ((m = RE.ppis.exec(b))) at().gic(3).ppis = Number(m[1]);
        else if ((m = RE.rs.exec(b))) at().gic(3).rangeSelector = m[1] === undefined;
        else if ((m = RE.noRdist.exec(b))) (at().gic(3).noRedistributor ??= []).push({ cpu: Number(m[1]), mpidr: m[2].replace(/!$/, '') });
      } else if (b.startsWith('GIC: Using split EOI/Deactivate mode')) at().gic(2).splitEoi = true;
      else if ((m = RE.v2m.exec(b))) (at().gic(2).v2m ??= []).push({ base: m[1], end: m[2], firstSpi: Number(m[3]), lastSpi: Number(m[4]) });
      break;
    case 0x49: /* I */
      if (b.startsWith('ITS: No ITS available')) at().gic().its = 'none';
      else if (b.startsWith('ITS [mem ') || b.startsWith('ITS@')) at().gic().its = 'present';
      break;
    case 0x61: /* a */
      if (b.startsWith('arch_timer: ') && (m = RE.timer.exec(b))) at().data.timer = { mhz: Number(m[1]), mode: m[2], text: b.trim() };
      break;
    case 0x58: /* X */
      if ((m = RE.xenFound.exec(b))) at().xen().version = m[1];
      else if (b.startsWith('Xen event channel interrupt not found')) at().xen().noEventIrq = true;
      else if ((m = RE.xenCpu.exec(b))) (at().xen().initializedCpus ??= []).push(Number(m[1]));
      break;
    case 0x78: /* x */
      if ((m = RE.abi.exec(b))) at().xen().eventsAbi = m[1] === 'FIFO-based' ? 'fifo' : '2-level';
      else if ((m = RE.gnttab.exec(b))) at().xen().grantTableVersion = Number(m[1]);
      break;
    case 0x43: /* C */
      if ((m = RE.booted.exec(b))) at().data.cpus.booted.push(Number(m[1]));
      else if ((m = RE.failed.exec(b))) at().data.cpus.failed.push({ cpu: Number(m[1]), text: b.trim() });
      break;
    case 0x73: /* s */
    case 0x42: /* B */
      if ((m = RE.up.exec(b))) {
        at().data.cpus.online = Number(m[1]);
        return { s, end: true };
      }
      break;
    case 0x46: /* F */
    case 0x52: /* R */
      if (s && RE.end.test(b)) return { s, end: true };
      break;
  }
  return { s, end: false };
}

const streamKeyOf = (l: TaggedLine): string => (l.domain === undefined ? l.stream : `${l.stream}:${l.domain}`);

/** A Linux banner line: a new kernel on this stream. */
function isBanner(b: string): boolean {
  return b.startsWith('Booting Linux on physical CPU') || b.startsWith('Linux version ');
}

/** First characters of every line this family takes (the switch in take(), banners). */
const FIRST = new Uint8Array(128);
for (const ch of 'GIaXxCsBFRL') FIRST[ch.charCodeAt(0)] = 1;

export function linuxIrqSetupFamily(): Family {
  /** Per stream key: the setup being collected, or 'done' once emitted (until the next banner). */
  const open = new Map<string, Setup | 'done'>();
  /** The setup whose last line was a redistributor line cut before its region. */
  let wrapped: Setup | undefined;

  function close(key: string, emit: Emit, reason?: string): void {
    const s = open.get(key);
    if (s && s !== 'done') emit(s.event(reason));
    open.set(key, 'done');
  }

  function resetAll(emit: Emit, reason: string): void {
    for (const s of open.values()) if (s !== 'done') emit(s.event(reason));
    open.clear();
  }

  return {
    name: 'linux-irq-setup',
    push(line: TaggedLine, emit: Emit): void {
      const st = line.stream;
      if (st === 'firmware') {
        // Firmware output: the board was reset, the kernels that were starting are gone.
        if (open.size !== 0) resetAll(emit, 'interrupted by new boot');
        return;
      }
      const b = line.body;
      if (wrapped !== undefined) {
        // The line after a redistributor line cut before its region: its `0:0x...` rest?
        const s = wrapped;
        wrapped = undefined;
        const w = s.wrapped!;
        s.wrapped = undefined;
        const m = line.time === undefined && line.seq === s.wrappedSeq + 1 && open.get(streamKeyOf(line)) === s ? RE.rdistRest.exec(b) : null;
        if (m) { w.region = Number(m[1]); w.address = m[2]; s.lastSeq = line.seq; return; }
      }
      const c = code(b, 0);
      // Most lines start with a character no line of ours does: one table look-up and out.
      if (!(c < 128 && FIRST[c] === 1) || line.replay) return;
      if (st === 'xen') {
        // Xen (re)booting: the kernels that were starting are gone (xen-console-reference banner line).
        if (open.size !== 0 && c === 0x58 && b.startsWith('Xen version ')) resetAll(emit, 'interrupted by new boot');
        return;
      }
      const key = streamKeyOf(line);
      const cur = open.size !== 0 ? open.get(key) : undefined;
      if ((c === 0x42 /* B */ || c === 0x4c /* L */) && isBanner(b)) {
        // `Linux version` right after `Booting Linux` is the same banner: nothing was collected in between.
        if (cur && cur !== 'done') close(key, emit, 'interrupted by new boot');
        open.delete(key);
        return;
      }
      if (cur === 'done') return;
      if (cur && line.seq - cur.firstSeq > MAX_LINES) { close(key, emit, 'too long'); return; }
      const r = take(cur, line);
      if (!r.s) return;
      if (r.s.wrapped) wrapped = r.s;
      if (!cur) {
        if (r.end) { open.set(key, 'done'); return; } // an end marker alone starts nothing
        if (open.size >= MAX_STREAMS) {
          const oldest = open.keys().next().value as string;
          close(oldest, emit, 'too many interleaved streams');
          open.delete(oldest);
        }
        open.set(key, r.s);
      }
      if (r.end) close(key, emit);
    },
    peek(): DecodedEvent[] {
      const out: DecodedEvent[] = [];
      for (const s of open.values()) {
        if (s === 'done') continue;
        const ev = s.event();
        ev.data = structuredClone(ev.data); // later lines go on filling the open setup's data
        out.push(ev);
      }
      return out;
    },
    flush(reason: string, emit: Emit): void {
      // A boot paused before its CPUs came up is not over: only a hard flush ends the setup.
      if (isIdleFlush(reason)) return;
      for (const k of [...open.keys()]) close(k, emit, reason);
      open.clear();
    },
  };
}
