// Per-CPU GICv3 lines of a secondary CPU's bring-up (xen-console-reference §3.2, gic-v3.c:
// gicv3_populate_rdist, gicv3_cpu_init), outside the init block that xen.gic.init covers:
//   GICv3: CPU%d: Found redistributor in region %d @%p                 (CPU1 and up; CPU0's is in xen.gic.init)
//   GICv3: CPU%d: Cannot initialize LPIs: %u
// and the errors debug builds print with dprintk's `file.c:NN: ` in front (any CPU, CPU0 too):
//   GICv3: CPU%d: mpidr 0x%lx has no re-distributor!
//   GICv3: No redistributor present @%#lx
//   GICv3: Redist enable RWP timeout (4.17) / GICv3: Redist wakeup timeout (master) / RWP timeout
import { SOURCE_FILE } from '../util.js';

export interface GicCpuData {
  what: 'rdist-found' | 'no-rdist' | 'rdist-not-present' | 'lpi-init-failed' | 'rdist-wakeup-timeout' | 'rwp-timeout';
  /** An error (every `what` but `rdist-found`). */
  error: boolean;
  cpu?: number;
  /** rdist-found: the region and Xen's virtual address of the mapping. */
  region?: number;
  va?: string;
  /** no-rdist: the CPU's MPIDR as printed. */
  mpidr?: string;
  /** rdist-not-present: the address where no redistributor answered. */
  address?: string;
  /** lpi-init-failed: the error code (a negative errno, printed unsigned by Xen). */
  code?: number;
  /** dprintk's source location, when printed. */
  source?: { file: string; line: number };
  text: string;
}

const RE_SOURCE = new RegExp(String.raw`^(${SOURCE_FILE}):(\d+): `);
const RE_FOUND = /^GICv3: CPU(\d+): Found redistributor in region (\d+) @([0-9a-fA-F]+)/;
const RE_LPI = /^GICv3: CPU(\d+): Cannot initialize LPIs: (-?\d+)/;
const RE_NO_RDIST = /^GICv3: CPU(\d+): mpidr (\S+) has no re-distributor/;
const RE_NOT_PRESENT = /^GICv3: No redistributor present @(\S+)/;
const RE_WAKEUP = /^(?:GICv3: )?(?:Redist enable RWP timeout|Redist wakeup timeout)/;
const RE_RWP = /^RWP timeout/;

/**
 * Can parseGicCpu() accept this line (first character code `c`; `source`: util.ts hasSourcePrefix)?
 * `GICv3:` first, or dprintk's `file.c:NN:`.
 */
export function mayBeGicCpu(b: string, c: number, source: boolean): boolean {
  return c === 0x47 /* G */ ? b.startsWith('GICv3: ') : source;
}

/** One per-CPU GIC line, or undefined. CPU0's `Found redistributor` belongs to xen.gic.init: not here. */
export function parseGicCpu(body: string): GicCpuData | undefined {
  let b = body;
  let source: GicCpuData['source'];
  const s = RE_SOURCE.exec(b);
  if (s) { source = { file: s[1], line: Number(s[2]) }; b = b.slice(s[0].length); }
  const text = body.trim();
  let m: RegExpExecArray | null;
  let d: GicCpuData | undefined;
  if ((m = RE_FOUND.exec(b))) {
    if (m[1] === '0') return undefined;
    d = { what: 'rdist-found', error: false, cpu: Number(m[1]), region: Number(m[2]), va: m[3], text };
  } else if ((m = RE_LPI.exec(b))) {
    // Printed with %u: a negative errno comes out as 2^32 - errno.
    const n = Number(m[2]);
    d = { what: 'lpi-init-failed', error: true, cpu: Number(m[1]), code: n > 0x7fffffff ? n - 0x100000000 : n, text };
  } else if ((m = RE_NO_RDIST.exec(b))) {
    d = { what: 'no-rdist', error: true, cpu: Number(m[1]), mpidr: m[2], text };
  } else if ((m = RE_NOT_PRESENT.exec(b))) {
    d = { what: 'rdist-not-present', error: true, address: m[1], text };
  } else if (RE_WAKEUP.test(b)) {
    d = { what: 'rdist-wakeup-timeout', error: true, text };
  } else if (source && RE_RWP.test(b)) {
    d = { what: 'rwp-timeout', error: true, text };
  }
  if (d && source) d.source = source;
  return d;
}
