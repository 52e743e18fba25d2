// docs/events.md and its family pages document every event kind the decoders can emit: a kind
// added to a schema registry without a section (and its real example) fails here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xenCrashKinds } from '../../src/protocol/kinds/xen-crash.js';
import { xenPlatformKinds } from '../../src/protocol/kinds/xen-platform.js';
import { linuxKinds } from '../../src/protocol/kinds/linux.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(path.join(REPO, p), 'utf8');

const pages: Array<[string, Record<string, unknown>]> = [
  ['docs/events/xen-crash.md', xenCrashKinds],
  ['docs/events/xen-platform.md', xenPlatformKinds],
  ['docs/events/linux.md', linuxKinds],
];

/** The section of `kind` in a page: from its heading to the next heading of the same level or higher. */
function section(page: string, kind: string): string | undefined {
  const lines = page.split('\n');
  const i = lines.findIndex((l) => /^#{2,3} /.test(l) && l.replace(/[`,]/g, ' ').split(/\s+/).includes(kind));
  if (i < 0) return undefined;
  const level = lines[i].match(/^#+/)![0].length;
  let j = i + 1;
  while (j < lines.length && !(lines[j].match(/^#+ /) && lines[j].match(/^#+/)![0].length <= level)) j++;
  return lines.slice(i, j).join('\n');
}

describe('docs/events', () => {
  const index = read('docs/events.md');
  for (const [file, kinds] of pages) {
    const page = read(file);
    it(`${file} is linked from docs/events.md`, () => expect(index).toContain(`(${file.replace('docs/', '')})`));
    for (const kind of Object.keys(kinds)) {
      it(`${kind}: listed in docs/events.md, with a section and an example in ${file}`, () => {
        expect(index).toContain('`' + kind + '`');
        const s = section(page, kind);
        expect(s, `no heading for ${kind}`).toBeDefined();
        expect(s!, `no example block for ${kind}`).toMatch(/```/);
      });
    }
  }
});
