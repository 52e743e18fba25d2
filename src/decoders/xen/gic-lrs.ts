// GIC list-register decoding for the `q` key dump (xen-console-reference §3.3).
//
// Xen prints each LR as bare hex: `   VCPU_LR[n]=%x` (saved copy, the usual case) or `   HW_LR[n]=%x`
// (live registers, when the dumped vCPU is the current one). The value is decoded by bits:
//
// GICv2 GICH_LR<n> (32 bits; ARM IHI 0048B §5.3.11):
//   [9:0] VirtualID, [19:10] PhysicalID when HW=1 (when HW=0: [19] EOI, [12:10] CPUID of an SGI),
//   [27:23] Priority (the top 5 bits of the 8-bit priority), [29:28] State, [30] Grp1, [31] HW.
// GICv3 ICH_LR<n>_EL2 (64 bits; ARM IHI 0069 §12.4.6):
//   [31:0] vINTID, [44:32] pINTID when HW=1 (when HW=0: [41] EOI), [55:48] Priority,
//   [60] Group, [61] HW, [63:62] State.
// State encoding (both): 0 invalid, 1 pending, 2 active, 3 pending+active.

import { hexHalves } from '../util.js';

export type LrState = 'invalid' | 'pending' | 'active' | 'pending+active';

export interface LrEntry {
  index: number;
  /** The value exactly as printed (hex, no 0x). */
  raw: string;
  state: LrState;
  virq: number;
  /** Physical INTID, only when `hw` is set. */
  pirq?: number;
  hw: boolean;
  /** 8-bit priority (GICv2: the 5-bit field shifted left by 3). */
  priority: number;
  /** Interrupt group (GICv2 Grp1 bit, GICv3 Group bit). */
  group: 0 | 1;
  /** Maintenance interrupt requested on EOI (only meaningful when `hw` is clear). */
  eoi?: boolean;
  /** GICv2 only: the requesting CPU of a virtual SGI (bits [12:10], hw clear, virq < 16). */
  sourceCpu?: number;
  /** `HW_LR` (live register) rather than `VCPU_LR` (saved copy). */
  live: boolean;
}

const STATES: LrState[] = ['invalid', 'pending', 'active', 'pending+active'];

export function decodeLrV2(index: number, raw: string, live = false): LrEntry | undefined {
  const h = hexHalves(raw);
  if (h === undefined || h[0] !== 0) return undefined; // GICH_LR is 32 bits
  const lo = h[1];
  const hw = lo >>> 31 === 1;
  const virq = lo & 0x3ff;
  const e: LrEntry = {
    index,
    raw,
    state: STATES[(lo >>> 28) & 3],
    virq,
    hw,
    priority: ((lo >>> 23) & 0x1f) << 3,
    group: ((lo >>> 30) & 1) as 0 | 1,
    live,
  };
  if (hw) e.pirq = (lo >>> 10) & 0x3ff;
  else {
    e.eoi = ((lo >>> 19) & 1) === 1;
    if (virq < 16) e.sourceCpu = (lo >>> 10) & 7;
  }
  return e;
}

export function decodeLrV3(index: number, raw: string, live = false): LrEntry | undefined {
  const h = hexHalves(raw);
  if (h === undefined) return undefined;
  const [hi, lo] = h;
  // Bits 63..32 are in hi: bit n of the LR is bit n-32 of hi.
  const hw = ((hi >>> 29) & 1) === 1;
  const e: LrEntry = {
    index,
    raw,
    state: STATES[hi >>> 30],
    virq: lo,
    hw,
    priority: (hi >>> 16) & 0xff,
    group: ((hi >>> 28) & 1) as 0 | 1,
    live,
  };
  if (hw) e.pirq = hi & 0x1fff;
  else e.eoi = ((hi >>> 9) & 1) === 1;
  return e;
}

/**
 * The GIC version of a set of printed LR values when the boot did not tell: a GICv3 LR that holds
 * anything (state, group or priority) has bits above 31 set, so more than 8 hex digits means v3;
 * otherwise v2 (all-zero LRs decode the same either way).
 */
export function guessLrVersion(raws: string[]): 2 | 3 {
  for (const r of raws) if (r.replace(/^0+/, '').length > 8) return 3;
  return 2;
}

export function decodeLr(gic: 2 | 3, index: number, raw: string, live = false): LrEntry | undefined {
  return gic === 3 ? decodeLrV3(index, raw, live) : decodeLrV2(index, raw, live);
}
