// Store test set-up shared by the store tests: default options and temporary folders removed after each test.
import { afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StoreOptions } from '../../src/store/console-store.js';

export const STORE_OPTS: StoreOptions = { segmentBytes: 1 << 20, fsync: 'never', fsyncIntervalMs: 1000, retention: { maxBytes: 0, maxAgeDays: 0 } };

/** A function making temporary folders (named `xenuart-<name>-...`), each removed after the test. */
export function tempDirs(name: string): () => string {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  return () => {
    const d = mkdtempSync(path.join(os.tmpdir(), `xenuart-${name}-`));
    dirs.push(d);
    return d;
  };
}
