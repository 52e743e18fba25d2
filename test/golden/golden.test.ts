// Golden tests: every file test/golden/<family>/<fixture>.yaml lists, for one fixture, every event
// of the kinds it covers, written and checked by hand against the log (line numbers in comments).
// The decoder's events of those kinds must match exactly: same count, same order, and every field
// the file gives must be equal (fields the file leaves out are not compared). A missed register
// dump, an extra panic or a wrong LR state fails the test.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { decodeText } from '../../src/decoders/engine.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';

const GOLDEN_DIR = path.dirname(fileURLToPath(import.meta.url));

interface Golden {
  fixture: string;
  kinds: string[];
  events: Array<Record<string, unknown>>;
}

function goldenFiles(): Array<{ family: string; file: string }> {
  const out: Array<{ family: string; file: string }> = [];
  for (const fam of readdirSync(GOLDEN_DIR).sort()) {
    const dir = path.join(GOLDEN_DIR, fam);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.yaml')) out.push({ family: fam, file: path.join(dir, f) });
  }
  return out;
}

/** Every key of `want` must be deep-equal in `got` (recursively for objects; arrays by element). */
function subset(got: unknown, want: unknown, at: string, errors: string[]): void {
  if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) { errors.push(`${at}: expected an object, got ${JSON.stringify(got)}`); return; }
    for (const [k, v] of Object.entries(want as Record<string, unknown>)) subset((got as Record<string, unknown>)[k], v, `${at}.${k}`, errors);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) { errors.push(`${at}: expected an array, got ${JSON.stringify(got)}`); return; }
    if (got.length !== want.length) errors.push(`${at}: expected ${want.length} items, got ${got.length}`);
    want.forEach((w, i) => subset(got[i], w, `${at}[${i}]`, errors));
    return;
  }
  if (got !== want) errors.push(`${at}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

const decoded = new Map<string, ReturnType<typeof decodeText>>();
function decodeFixture(rel: string) {
  let evs = decoded.get(rel);
  if (!evs) { evs = decodeText(readFixture(rel), 'golden'); decoded.set(rel, evs); }
  return evs;
}

describe('golden events', () => {
  const files = goldenFiles();
  it('has golden files', () => expect(files.length).toBeGreaterThan(0));
  for (const { family, file } of files) {
    it(`${family}/${path.basename(file)}`, () => {
      const g = YAML.parse(readFileSync(file, 'utf8')) as Golden;
      expect(listFixtures()).toContain(g.fixture);
      const got = decodeFixture(g.fixture).filter((e) => g.kinds.includes(e.kind));
      const errors: string[] = [];
      const want = g.events ?? [];
      if (got.length !== want.length) {
        errors.push(`expected ${want.length} events of ${g.kinds.join(',')}, got ${got.length}: ` +
          got.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}`).join(' '));
      }
      want.forEach((w, i) => subset(got[i], w, `events[${i}]`, errors));
      expect(errors).toEqual([]);
    });
  }
});
