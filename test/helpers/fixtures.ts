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
