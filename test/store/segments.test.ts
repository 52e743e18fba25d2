import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { SegmentLog } from '../../src/store/segments.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('SegmentLog.append', () => {
  it('writes queued chunks in order, split at segment ends, every segment full but the last', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-seg-'));
    dirs.push(dir);
    const log = new SegmentLog(dir, 1000);
    const written: Buffer[] = [];
    // Batches of chunks of every size around the segment size (empty, tiny, exactly one segment,
    // crossing one end, crossing several), and single buffers between them.
    const sizes = [0, 1, 7, 999, 1000, 1001, 2500, 3, 0, 640, 361, 4096];
    for (let round = 0; round < 6; round++) {
      const batch = sizes.slice(round).map((n) => randomBytes(n));
      log.append(batch);
      written.push(...batch);
      const one = randomBytes(round * 333);
      log.append(one);
      written.push(one);
    }
    const all = Buffer.concat(written);
    expect(log.end).toBe(all.length);
    expect(log.read(0, all.length).equals(all)).toBe(true);
    const sizesOnDisk = readdirSync(dir).sort().map((f) => statSync(path.join(dir, f)).size);
    expect(sizesOnDisk.reduce((a, b) => a + b, 0)).toBe(all.length);
    expect(sizesOnDisk.slice(0, -1).every((s) => s === 1000)).toBe(true);
    expect(sizesOnDisk.at(-1)).toBeLessThanOrEqual(1000);
    log.close();
  });
});
