// The timed recording format, `*.xrec.jsonl`: JSON Lines, one received chunk per line,
//   {"t": <ms since the start of the recording>, "d": "<the chunk's bytes, base64>"}
// Lines without "d" are metadata (a header, say) and are skipped, so the format can grow.

export const XREC_EXTENSION = '.xrec.jsonl';

export interface XrecRecord {
  /** ms since the start of the recording (non-decreasing). */
  t: number;
  data: Buffer;
}

export function isXrecFile(path: string): boolean {
  return path.toLowerCase().endsWith(XREC_EXTENSION);
}

/** One line (with its '\n') for chunk `data` received `t` ms after the start. */
export function encodeXrecLine(t: number, data: Buffer): string {
  return `${JSON.stringify({ t: Math.round(t * 1000) / 1000, d: data.toString('base64') })}\n`;
}

/** Parse a whole recording. Throws with the line number on a malformed line. */
export function parseXrec(text: string): XrecRecord[] {
  const records: XrecRecord[] = [];
  const lines = text.split('\n');
  let last = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new Error(`xrec line ${i + 1}: not JSON`);
    }
    if (typeof rec !== 'object' || rec === null) throw new Error(`xrec line ${i + 1}: not an object`);
    const { t, d } = rec as { t?: unknown; d?: unknown };
    if (d === undefined) continue; // metadata
    if (typeof d !== 'string' || typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
      throw new Error(`xrec line ${i + 1}: expected {"t": <ms>, "d": "<base64>"}`);
    }
    last = Math.max(last, t); // a clock step backwards must not make us wait forever or go back
    records.push({ t: last, data: Buffer.from(d, 'base64') });
  }
  return records;
}
