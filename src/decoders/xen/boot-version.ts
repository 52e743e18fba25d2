// `Xen version %d.%d%s (%s@%s) (%s) %s %s` (xen-console-reference §6 #11): version, then paren
// groups (compile_by@compile_domain, compiler; distro builds add one, e.g. Debian's
// `(Debian 4.17.7+13-g2445b30a44-0+deb12u1)`; some old builds print no `by@domain` group), then
// build info words (`debug=y`, `ubsan=y`) and the compile date.
import { code } from '../util.js';

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
const RE_SPACES = /\s+/;
const RE_BUILD_WORD = /^\w+=\S*$/;

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
    const by = groups.findIndex((g) => RE_BY.test(g));
    if (by >= 0) v.compileBy = groups[by];
    // The other groups: the compiler is the last, a distro build string the first.
    const rest = groups.filter((_, k) => k !== by);
    if (rest.length) v.compiler = rest[rest.length - 1];
    if (rest.length > 1) v.distro = rest[0];
  }
  const tail = s.slice(i).trim();
  const words = tail.split(RE_SPACES);
  const info: Record<string, string> = {};
  let k = 0;
  for (; k < words.length && RE_BUILD_WORD.test(words[k]); k++) {
    const [key, val] = words[k].split('=');
    info[key] = val;
  }
  if (k) v.buildInfo = info;
  if (info.debug !== undefined) v.debug = info.debug === 'y';
  else v.incomplete = true;
  const date = words.slice(k).join(' ').trim();
  if (date) v.compileDate = date;
  return v;
}
