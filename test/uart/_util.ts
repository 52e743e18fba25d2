// Shared bits of the uart tests (not a test file itself).
import type { Source, SourceStatus } from '../../src/uart/types.js';

export interface Watch {
  chunks: Buffer[];
  stamps: number[];
  statuses: SourceStatus[];
  bytes(): Buffer;
  ups(): number;
  downs(): number;
}

/** Record everything a source emits. */
export function watch(source: Source): Watch {
  const w: Watch = {
    chunks: [],
    stamps: [],
    statuses: [],
    bytes: () => Buffer.concat(w.chunks),
    ups: () => w.statuses.filter((s) => s.up).length,
    downs: () => w.statuses.filter((s) => !s.up).length,
  };
  source.on('data', (chunk, ts) => {
    w.chunks.push(Buffer.from(chunk));
    w.stamps.push(ts);
  });
  source.on('status', (s) => w.statuses.push(s));
  return w;
}

/** Poll `pred` until it holds; fail with `what` after `timeoutMs`. */
export async function until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
