// Fixture access for tests: the real console captures copied (unchanged) into test/fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** Every fixture as a path relative to test/fixtures, e.g. `qemu/xen417-arm64-gicv3-smp2-keys.log`. */
export function listFixtures(): string[] {
  const out: string[] = [];
  for (const dir of ['qemu', 'qemu-debug', 'public']) {
    for (const f of readdirSync(path.join(FIXTURES_DIR, dir)).sort()) out.push(`${dir}/${f}`);
  }
  return out;
}

export function readFixture(rel: string): Buffer {
  return readFileSync(path.join(FIXTURES_DIR, rel));
}

/** The line `hungDom0Boot()` adds: what a kernel whose device tree lost the upcall PPI prints. */
export const NO_EVENT_IRQ = '[    0.267970] Xen event channel interrupt not found';

/**
 * DERIVED from a real capture: the QEMU GICv3 boot's first 193 lines (Xen's boot, then dom0's
 * kernel up to `smp: Bringing up secondary CPUs ...`), with NO_EVENT_IRQ added after the
 * kernel's event-channel ABI line: a dom0 hung while it set up its interrupts. Its lines (CRLF
 * endings, as a board sends them); NO_EVENT_IRQ is line 189.
 */
export function hungDom0Boot(): string[] {
  const ls = readFixture('qemu/xen417-arm64-gicv3-smp2-keys.log').toString('utf8').split(/\r*\n/).slice(0, 193);
  const fifo = ls.indexOf('[    0.267966] xen:events: Using FIFO-based ABI');
  if (fifo !== 187) throw new Error('the GICv3 capture changed: its FIFO ABI line moved');
  ls.splice(fifo + 1, 0, NO_EVENT_IRQ);
  return ls;
}
