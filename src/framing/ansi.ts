// Turns the bytes of one console line into display text: ANSI/VT escape sequences and C0
// control characters are removed (the raw store keeps them byte-exact), invalid UTF-8 becomes
// U+FFFD. Pure and allocation-light: this runs once per line on the ingest hot path.

const decoder = new TextDecoder('utf-8', { fatal: false });

// CSI: ESC [ params intermediates final; OSC: ESC ] ... (BEL | ESC \); other two-byte escapes;
// 8-bit CSI (0x9b) cannot appear here as a code point because it is not valid UTF-8 on its own.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?|[\x00-\x08\x0b-\x1f\x7f]/g;

/** Decode bytes as UTF-8 (lossy) and strip escape sequences and control characters except TAB. */
export function lineText(bytes: Uint8Array): string {
  const s = decoder.decode(bytes);
  return stripControls(s);
}

/**
 * A byte that stands for itself in the display text: printable ASCII or TAB. A line made only of
 * these is its own text, with no UTF-8 decoding and no escape to strip.
 */
export function isPlainByte(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 0x09;
}

/** lineText() of buf[from, to), taking the plain-ASCII shortcut when it applies (`plain`: already known). */
export function bytesText(buf: Buffer, from: number, to: number, plain?: boolean): string {
  if (plain === undefined) {
    plain = true;
    for (let i = from; i < to && plain; i++) plain = isPlainByte(buf[i]);
  }
  return plain ? buf.toString('latin1', from, to) : lineText(buf.subarray(from, to));
}

export function stripControls(s: string): string {
  // Fast path: most console lines hold no control character at all.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return s.replace(ESCAPES, '');
  }
  return s;
}
