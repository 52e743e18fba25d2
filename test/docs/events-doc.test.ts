// docs/events.md and its family pages document every event kind the decoders can emit: a kind
// added to a schema registry without a section (and its real example) fails here, and so does an
// example that is not what the decoder gives for the fixture lines it names.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xenCrashKinds } from '../../src/protocol/kinds/xen-crash.js';
import { xenPlatformKinds } from '../../src/protocol/kinds/xen-platform.js';
import { linuxKinds } from '../../src/protocol/kinds/linux.js';
import { bootKinds } from '../../src/protocol/kinds/boot.js';
import { decodedKinds } from '../../src/protocol/kinds/index.js';
import { decodeText } from '../../src/decoders/engine.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(path.join(REPO, p), 'utf8');

const pages: Array<[string, Record<string, unknown>]> = [
  ['docs/events/boot.md', bootKinds],
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

/**
 * Where `doc` (an example as printed in the docs) differs from `actual` (what the decoder gives).
 * Trimming conventions of the pages: a `"..."` key stands for fields left out, an array element
 * `"... N more"` for elements left out; other array elements must appear in the actual array in
 * the same order. `console` is the page's choice of name.
 */
function differences(doc: unknown, actual: unknown, where: string, out: string[]): void {
  if (Array.isArray(doc)) {
    if (!Array.isArray(actual)) { out.push(`${where}: not an array`); return; }
    let j = 0;
    for (const [i, d] of doc.entries()) {
      if (typeof d === 'string' && d.startsWith('... ')) continue;
      for (;;) {
        if (j >= actual.length) { out.push(`${where}[${i}] ${JSON.stringify(d).slice(0, 80)}: not in the decoder's output (in this order)`); return; }
        const o: string[] = [];
        differences(d, actual[j++], '', o);
        if (o.length === 0) break;
      }
    }
    return;
  }
  if (doc !== null && typeof doc === 'object') {
    if (actual === null || typeof actual !== 'object') { out.push(`${where}: not an object`); return; }
    for (const [k, v] of Object.entries(doc)) {
      if (k === '...' || (where === '' && k === 'console')) continue;
      differences(v, (actual as Record<string, unknown>)[k], `${where}.${k}`, out);
    }
    return;
  }
  if (doc !== actual) out.push(`${where}: the page says ${JSON.stringify(doc)}, the decoder gives ${JSON.stringify(actual)}`);
}

describe('docs/events examples are real', () => {
  // `Real example (`FIXTURE`, lines N-M):` or `Example: `FIXTURE` lines N-M (...)`, then a json block.
  const EXAMPLE = /(?:Real example|Example)[^`\n]*`([^`\s]+\.(?:log|txt))`[^\n]*?lines? (\d+)[\s\S]*?```json\n([\s\S]*?)```/g;
  const decoded = new Map<string, ConsoleEvent[]>();
  const files = readdirSync(path.join(REPO, 'docs/events')).filter((f) => f.endsWith('.md'));
  const checked = new Set<string>();
  for (const f of files) {
    const page = read(`docs/events/${f}`);
    for (const m of page.matchAll(EXAMPLE)) {
      const [, fixture, , json] = m;
      const doc = JSON.parse(json) as ConsoleEvent;
      checked.add(doc.kind);
      it(`${f}: ${doc.kind} at ${fixture}:${doc.firstSeq} is what the decoder gives`, () => {
        if (!decoded.has(fixture)) decoded.set(fixture, decodeText(readFileSync(path.join(REPO, 'test/fixtures', fixture)), 'board1'));
        const actual = decoded.get(fixture)!.find((e) => e.kind === doc.kind && e.firstSeq === doc.firstSeq);
        expect(actual, `no ${doc.kind} event at line ${doc.firstSeq}`).toBeDefined();
        const out: string[] = [];
        differences(doc, JSON.parse(JSON.stringify(actual)), '', out);
        expect(out).toEqual([]);
      });
    }
  }
  it('every kind has a checked example but those no fixture shows (their pages give rendered ones)', () => {
    const kinds = Object.keys(decodedKinds);
    expect(kinds.filter((k) => !checked.has(k))).toEqual(['linux.oops', 'linux.rcu_stall', 'linux.lockup', 'linux.hung_task', 'linux.irq.nobody_cared', 'linux.irq.spurious']);
  });
});
