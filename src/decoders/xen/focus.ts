// Serial input focus (xen-console-reference §5.5): `*** Serial input to Xen|DOM%d (type 'CTRL-%c'
// three times to switch input)`. Old releases (≤4.10) printed `*** Serial input -> DOM0 (type
// 'CTRL-a' three times to switch input to Xen)`; mail copies may wrap the tail onto the next line.

export interface FocusData {
  target: string;
  domain?: number;
  switchChar?: string;
  /** Old format only: where the next switch goes. */
  next?: string;
  text: string;
}

const RE_FOCUS = /^\*\*\* Serial input (?:to|->) (Xen|DOM(\d+))\b(?: \(type 'CTRL-(.)' three times to switch input(?: to (Xen|DOM\d+))?)?/;

export function parseFocus(body: string): FocusData | undefined {
  if (!body.startsWith('*** Serial input ')) return undefined;
  const m = RE_FOCUS.exec(body);
  if (!m) return undefined;
  const d: FocusData = { target: m[2] !== undefined ? `dom${Number(m[2])}` : 'xen', text: body.trim() };
  if (m[2] !== undefined) d.domain = Number(m[2]);
  if (m[3] !== undefined) d.switchChar = m[3];
  if (m[4] !== undefined) d.next = m[4] === 'Xen' ? 'xen' : `dom${Number(m[4].slice(3))}`;
  return d;
}
