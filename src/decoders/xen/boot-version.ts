// `Xen version %d.%d%s (%s@%s) (%s) %s %s` (xen-console-reference §6 #11): version, then paren
// groups (compile_by@compile_domain, compiler; distro builds add one, e.g. Debian's
// `(Debian 4.17.7+13-g2445b30a44-0+deb12u1)`; some old builds print no `by@domain` group), then
// build info words (`debug=y`, `ubsan=y`) and the compile date.
import { code, isSpace, isWordChar } from '../util.js';

export interface XenVersion {
  version: string;
  debug?: boolean;
  compiler?: string;
  compileBy?: string;
  distro?: string;
  buildInfo?: Record<string, string>;
  compileDate?: string;
  /** `debug=` not seen: the line may be wrapped (mail copies). */
  incomplete?: boolean;
}

const RE_VERSION = /^Xen version (\S+)/;
const RE_BY = /^[^\s()]*@[^\s()]*$/;

export function parseXenVersion(body: string): XenVersion | undefined {
  const m = RE_VERSION.exec(body);
  if (!m) return undefined;
  const v: XenVersion = { version: m[1] };
  let i = m[0].length;
  const s = body;
  const groups: string[] = [];
  for (let n = 0; n < 6; n++) {
    while (code(s, i) === 0x20) i++;
    if (code(s, i) !== 0x28 /* ( */) break;
    let depth = 0;
    let j = i;
    for (; j < s.length; j++) {
      const c = code(s, j);
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) break;
    }
    if (depth !== 0) { groups.push(s.slice(i + 1)); i = s.length; break; }
    groups.push(s.slice(i + 1, j));
    i = j + 1;
  }
  if (groups.length) {
    let by = -1;
    for (let g = 0; g < groups.length; g++) {
      if (RE_BY.test(groups[g])) { by = g; break; }
    }
    if (by >= 0) v.compileBy = groups[by];
    // The other groups: the compiler is the last, a distro build string the first.
    const last = by === groups.length - 1 ? groups.length - 2 : groups.length - 1;
    const first = by === 0 ? 1 : 0;
    if (last >= 0) v.compiler = groups[last];
    if (last > first) v.distro = groups[first];
  }
  // Then whitespace-separated words: `key=value` build info words, and the date (every word after
  // them, joined by single spaces).
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let info: Record<string, string> | undefined;
  while (i < n) {
    let end = i;
    while (end < n && !isSpace(s.charCodeAt(end))) end++;
    const eq = buildWordEq(s, i, end);
    if (eq < 0) break;
    // `a=b=c` gives b, as `split('=')` did.
    const eq2 = s.indexOf('=', eq + 1);
    (info ??= {})[s.slice(i, eq)] = s.slice(eq + 1, eq2 >= 0 && eq2 < end ? eq2 : end);
    i = end;
    while (i < n && isSpace(s.charCodeAt(i))) i++;
  }
  if (info) v.buildInfo = info;
  const debug = info?.debug;
  if (debug !== undefined) v.debug = debug === 'y';
  else v.incomplete = true;
  const date = collapseSpaces(s.slice(i).trim());
  if (date) v.compileDate = date;
  return v;
}

/** Index of the `=` of a `\w+=\S*` word in s[start, end), or -1. */
function buildWordEq(s: string, start: number, end: number): number {
  let j = start;
  while (j < end && isWordChar(s.charCodeAt(j))) j++;
  return j > start && j < end && s.charCodeAt(j) === 0x3d /* = */ ? j : -1;
}

/** Runs of whitespace as one space (the string itself when there is none to collapse). */
function collapseSpaces(s: string): string {
  for (let j = 0; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (isSpace(c) && (c !== 0x20 || isSpace(code(s, j + 1)))) return joinWords(s);
  }
  return s;
}

/** The words of a trimmed string joined by single spaces (`s.split(/\s+/).join(' ')`). */
function joinWords(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    let end = i;
    while (end < s.length && !isSpace(s.charCodeAt(end))) end++;
    out = out.length === 0 ? s.slice(i, end) : out + ' ' + s.slice(i, end);
    i = end;
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  }
  return out;
}
