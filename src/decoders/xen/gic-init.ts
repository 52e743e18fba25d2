// The GIC driver's boot block (xen-console-reference §3.1 GICv2, §3.2 GICv3) → `xen.gic.init`.
//
// GICv2: optional `GICv2m extension register frame:` blocks (4 indented `gic_v2m_*=` lines), then
// `GICv2 initialization:` + 5 indented `gic_*=` lines, optional warnings (`GICv2: Adjusting CPU
// interface base to ...`), and the summary `GICv2: %d lines, %d cpu%s%s (IID %8.8x).`, which ends
// the block. GICv3: `GICv3 initialization:` + `gic_dist_addr=`, `gic_maintenance_irq=`,
// `gic_rdist_stride=`, `gic_rdist_regions=`, `redistributor regions:` + `- region %u: a - b`,
// optional `GICv3 compatible with GICv2 cbase .. vbase ..`, then `GICv3: %d lines, (IID %8.8x).`;
// the neighbours after the summary (`GICv3: CPU0: Found redistributor in region %d @%p`, eSPI and
// LPI lines) are taken in before the event goes out. ITS lines (`GICv3: Found ITS @0x..`) may come
// before. Addresses are normalised to `0x` + lowercase hex without leading zeros.
import type { DecodedEvent, Emit, TaggedLine } from '../types.js';
import { normAddr, type PlatformContext } from './boot-context.js';
import { code } from '../util.js';

const MAX_ITEMS = 256;

const RE_FIELD = /^\s+(gic_\w+)=(\S*)/;
const RE_REGION = /^\s+- region (\d+): (\S+) - (\S+)/;
const RE_REGIONS = /^\s+redistributor regions:/;
const RE_V2_SUMMARY = /^GICv2: (\d+) lines, (\d+) cpus?(, secure)? \(IID ([0-9a-fA-F]+)\)/;
const RE_V3_SUMMARY = /^GICv3: (\d+) lines, \(IID ([0-9a-fA-F]+)\)/;
const RE_RDIST = /^GICv3: CPU(\d+): Found redistributor in region (\d+) @([0-9a-fA-F]+)/;
const RE_V2COMPAT = /^GICv3 compatible with GICv2 cbase (\S+) vbase ?(\S*)/;
const RE_ITS = /^GICv3: Found ITS @(?:0x)?([0-9a-fA-F]+)/;
const RE_LPIS = /^GICv3: using at most (\d+) LPIs on the host/;
const RE_ESPI = /^GICv3: (\d+) eSPI lines/;
const RE_WARNING = /^GICv[23]: /;
const RE_V2M_MSG = /Mapping v2m|Creating v2m/;
const RE_INT = /^(?:0x[0-9a-f]+|\d+)$/i;

/** A decimal or `0x` hex integer as Xen prints it, or undefined for anything else. */
function intOf(value: string): number | undefined {
  return RE_INT.test(value) ? Number(value) : undefined;
}

/** A `gic_*=` field: its key in the event and how its value reads (undefined: not understood). */
type Field = [key: string, read: (value: string) => string | number | undefined];

/** The `gic_*=` fields of the initialization block. */
const GIC_FIELDS: Record<string, Field | undefined> = {
  gic_dist_addr: ['dist', normAddr],
  gic_cpu_addr: ['cpu', normAddr],
  gic_hyp_addr: ['hyp', normAddr],
  gic_vcpu_addr: ['vcpu', normAddr],
  gic_maintenance_irq: ['maintenanceIrq', intOf],
  gic_rdist_stride: ['rdistStride', intOf],
  gic_rdist_regions: ['rdistRegions', intOf],
};

/** The `gic_v2m_*=` fields of a GICv2m frame. */
const V2M_FIELDS: Record<string, Field | undefined> = {
  gic_v2m_addr: ['addr', normAddr],
  gic_v2m_size: ['size', normAddr],
  gic_v2m_spi_base: ['spiBase', intOf],
  gic_v2m_num_spis: ['numSpis', intOf],
};

interface Open {
  version: 2 | 3;
  firstSeq: number;
  lastSeq: number;
  ts: number;
  data: Record<string, unknown>;
  /** Summary seen: the block is waiting for its neighbours. */
  summary: boolean;
  summarySeq?: number;
  summaryTs?: number;
  /** A wrapped `GICv3 compatible with GICv2 cbase X vbase` line waits for its value. */
  wantVbase: boolean;
  lines: number;
}

export interface GicUpHook {
  (version: 2 | 3, seq: number, ts: number): void;
}

export class GicInitParser {
  private open?: Open;
  private v2m: Array<Record<string, unknown>> = [];
  private v2mOpen?: Record<string, unknown>;
  private v2mFirstSeq?: number;
  private its: string[] = [];

  constructor(private readonly ctx: PlatformContext, private readonly onUp: GicUpHook) {}

  /** A block is open: every line matters. */
  get busy(): boolean {
    return this.open !== undefined || this.v2mOpen !== undefined;
  }

  /** New boot: forget everything. */
  reset(emit: Emit, reason?: string): void {
    this.close(emit, reason ?? 'interrupted by new boot');
    this.v2m = [];
    this.v2mOpen = undefined;
    this.v2mFirstSeq = undefined;
    this.its = [];
  }

  /** Returns true when the line was part of the GIC block. */
  push(line: TaggedLine, emit: Emit): boolean {
    const b = line.body;
    const o = this.open;
    if (line.stream !== 'xen') {
      // A mail-wrapped `vbase` value.
      if (o && o.wantVbase && line.stream === 'plain') {
        const a = normAddr(b.trim());
        if (a) { (o.data.v2compat as Record<string, unknown>).vbase = a; o.wantVbase = false; this.touch(o, line); return true; }
      }
      return false;
    }
    const c = code(b, 0);
    if (c === 0x20 /* space */) {
      if (!o && !this.v2mOpen) return false;
      const m = RE_FIELD.exec(b);
      if (m) {
        if (this.v2mOpen && m[1].startsWith('gic_v2m_')) { this.v2mField(m[1], m[2]); return true; }
        if (o && !o.summary) { this.field(o, m[1], m[2]); this.touch(o, line); return true; }
        return false;
      }
      if (o && !o.summary) {
        const r = RE_REGION.exec(b);
        if (r) {
          const regions = (o.data.regions as unknown[]) ?? [];
          if (regions.length < MAX_ITEMS) regions.push({ index: Number(r[1]), base: normAddr(r[2]), end: normAddr(r[3]) });
          o.data.regions = regions;
          this.touch(o, line);
          return true;
        }
        if (RE_REGIONS.test(b)) { this.touch(o, line); return true; }
      }
      if (o?.summary) this.close(emit);
      return false;
    }
    if (c !== 0x47 /* G */) {
      if (o?.summary) this.close(emit);
      else if (o && o.lines > 40) this.close(emit, 'GIC summary line not seen');
      return false;
    }
    // Every GIC line below starts with `GICv` (`Generic Timer`, `GICH_LRs`, `Guest Loglevel` do not).
    if (!b.startsWith('GICv')) {
      if (o?.summary) this.close(emit);
      return false;
    }
    if (b.startsWith('GICv2m extension register frame:')) {
      this.v2mOpen = {};
      this.v2m.push(this.v2mOpen);
      if (this.v2m.length > 32) this.v2m.shift();
      this.v2mFirstSeq ??= line.seq;
      return true;
    }
    if (b.startsWith('GICv2 initialization:') || b.startsWith('GICv3 initialization:')) {
      this.close(emit, 'GIC summary line not seen');
      this.v2mOpen = undefined;
      const version = b.charAt(4) === '2' ? 2 : 3;
      const first = version === 2 && this.v2mFirstSeq !== undefined ? this.v2mFirstSeq : line.seq;
      this.open = { version, firstSeq: first, lastSeq: line.seq, ts: line.ts, data: { version }, summary: false, wantVbase: false, lines: 1 };
      return true;
    }
    let m: RegExpExecArray | null;
    if ((m = RE_V2_SUMMARY.exec(b))) {
      const op = this.ensure(2, line);
      op.data.lines = Number(m[1]);
      op.data.cpus = Number(m[2]);
      op.data.secure = m[3] !== undefined;
      op.data.iid = m[4];
      this.touch(op, line);
      op.summary = true;
      op.summarySeq = line.seq;
      op.summaryTs = line.ts;
      this.close(emit); // GICv2 prints nothing right after its summary
      return true;
    }
    if ((m = RE_V3_SUMMARY.exec(b))) {
      const op = this.ensure(3, line);
      op.data.lines = Number(m[1]);
      op.data.iid = m[2];
      op.summary = true;
      op.summarySeq = line.seq;
      op.summaryTs = line.ts;
      this.touch(op, line);
      return true;
    }
    if ((m = RE_RDIST.exec(b))) {
      if (o && o.summary) {
        const rd = (o.data.redistributors as unknown[]) ?? [];
        if (rd.length < MAX_ITEMS) rd.push({ cpu: Number(m[1]), region: Number(m[2]), va: m[3] });
        o.data.redistributors = rd;
        this.touch(o, line);
        return true;
      }
      return false;
    }
    if ((m = RE_V2COMPAT.exec(b))) {
      if (o && o.version === 3) {
        const vb = m[2] ? normAddr(m[2]) : undefined;
        o.data.v2compat = { cbase: normAddr(m[1]), ...(vb ? { vbase: vb } : {}) };
        o.wantVbase = !vb;
        this.touch(o, line);
        return true;
      }
      return false;
    }
    if ((m = RE_ITS.exec(b))) {
      const a = normAddr(m[1]) ?? m[1];
      if (o) { ((o.data.its as string[]) ??= []).push(a); this.touch(o, line); } else if (this.its.length < MAX_ITEMS) this.its.push(a);
      return true;
    }
    if ((m = RE_LPIS.exec(b))) {
      if (o) { o.data.maxLpis = Number(m[1]); this.touch(o, line); return true; }
      return false;
    }
    if ((m = RE_ESPI.exec(b))) {
      if (o) { o.data.espiLines = Number(m[1]); this.touch(o, line); return true; }
      return false;
    }
    if (o && RE_WARNING.test(b) && !RE_V2M_MSG.test(b)) {
      // Warnings inside the block (`GICv2: Adjusting CPU interface base to 0x...`, `GICC size=`...).
      warn(o, b.slice(7).trim());
      this.touch(o, line);
      return true;
    }
    if (o?.summary) this.close(emit);
    return false;
  }

  flush(emit: Emit, reason: string): void {
    this.close(emit, reason);
  }

  private ensure(version: 2 | 3, line: TaggedLine): Open {
    if (this.open && this.open.version === version) return this.open;
    // A summary without the `initialization:` block (capture started late).
    this.open = { version, firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, data: { version }, summary: false, wantVbase: false, lines: 0 };
    return this.open;
  }

  private touch(o: Open, line: TaggedLine): void {
    o.lines++;
    if (line.seq > o.lastSeq) o.lastSeq = line.seq;
  }

  /**
   * One `gic_*=value` line. A value that is not what Xen prints there (an address, a number) goes
   * into `warnings` as printed instead of into the field: a garbled line never puts a non-address
   * in an address field or NaN (null in JSON) in a number.
   */
  private field(o: Open, name: string, value: string): void {
    const f = GIC_FIELDS[name];
    if (!f) return;
    const v = f[1](value);
    if (v !== undefined) o.data[f[0]] = v;
    else warn(o, `${name}=${value} (not understood)`);
  }

  private v2mField(name: string, value: string): void {
    const f = V2M_FIELDS[name];
    const v = f?.[1](value);
    if (f && v !== undefined) this.v2mOpen![f[0]] = v;
  }

  private close(emit: Emit, partial?: string): void {
    const o = this.open;
    if (!o) return;
    this.open = undefined;
    if (o.version === 2 && this.v2m.length) o.data.v2m = this.v2m;
    if (this.its.length) o.data.its = [...this.its, ...((o.data.its as string[]) ?? [])];
    this.v2m = [];
    this.v2mFirstSeq = undefined;
    this.its = [];
    const ev: DecodedEvent = { kind: 'xen.gic.init', firstSeq: o.firstSeq, lastSeq: o.lastSeq, ts: o.ts, data: o.data };
    if (!o.summary) { ev.partial = true; ev.reason = partial ?? 'GIC summary line not seen'; }
    this.ctx.gicVersion = o.version;
    emit(ev);
    if (o.summary) this.onUp(o.version, o.summarySeq ?? o.lastSeq, o.summaryTs ?? o.ts);
  }
}

/** Add a line to the block's `warnings` (at most 32). */
function warn(o: Open, text: string): void {
  const w = (o.data.warnings as string[]) ?? [];
  if (w.length < 32) w.push(text);
  o.data.warnings = w;
}
