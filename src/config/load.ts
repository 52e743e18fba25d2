// Loads config/default.yaml, overlays --config FILE, applies defaults and validates. Errors name
// the key and the problem: `consoles[1].source.baudRate: must be an integer (got "fast")`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/default.yaml');

export class ConfigError extends Error {
  constructor(readonly problems: string[], file?: string) {
    super(`invalid configuration${file ? ` in ${file}` : ''}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`cannot read ${file}: ${(e as Error).message}`]);
  }
  try {
    return YAML.parse(text) ?? {};
  } catch (e) {
    throw new ConfigError([(e as Error).message], file);
  }
}

/** `/consoles/1/source/baudRate` -> `consoles[1].source.baudRate` */
function keyPath(pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

/** A union of objects told apart by a literal `type` property (the console sources). */
function discriminated(schema: TSchema): Map<string, TSchema> | undefined {
  const members = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!members) return undefined;
  const map = new Map<string, TSchema>();
  for (const m of members) {
    const c = (m as { properties?: { type?: { const?: unknown } } }).properties?.type?.const;
    if (typeof c !== 'string') return undefined;
    map.set(c, m);
  }
  return map;
}

const MESSAGES: Array<[RegExp, string]> = [
  [/^expected required property$/i, 'is required'],
  [/^unexpected property$/i, 'is not a known key'],
];

/** Problems of `value` against `schema`, one per key, each naming the key (`consoles[1].source.baudRate`). */
function explain(schema: TSchema, value: unknown, base: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const err of Value.Errors(schema, value)) {
    const pointer = base + err.path;
    // A discriminated union: check the branch its `type` names instead of reporting "expected union value".
    const branches = discriminated(err.schema);
    if (branches && err.value && typeof err.value === 'object' && !Array.isArray(err.value)) {
      const t = (err.value as { type?: unknown }).type;
      const branch = typeof t === 'string' ? branches.get(t) : undefined;
      const key = keyPath(pointer);
      if (seen.has(key)) continue;
      seen.add(key);
      if (branch) problems.push(...explain(branch, err.value, pointer));
      else problems.push(`${keyPath(pointer + '/type')}: must be one of ${[...branches.keys()].join(', ')} (got ${JSON.stringify(t)})`);
      continue;
    }
    const key = keyPath(pointer);
    // Unions report one error per branch; keep the first message per key.
    if ([...seen].some((k) => key === k || key.startsWith(k + '.') || key.startsWith(k + '['))) continue;
    seen.add(key);
    let msg = err.message;
    for (const [re, text] of MESSAGES) if (re.test(msg)) msg = text;
    let got = '';
    if (err.value !== undefined) {
      try { got = ` (got ${JSON.stringify(err.value)?.slice(0, 60)})`; } catch { /* cyclic: impossible from YAML */ }
    }
    problems.push(`${key}: ${msg.charAt(0).toLowerCase()}${msg.slice(1)}${got}`);
  }
  return problems;
}

/**
 * Validate a parsed config object. `baseDir` resolves relative paths (storage dir, replay files)
 * against the config file's folder... except the built-in default, whose paths are relative to
 * the repository root.
 */
export function validateConfig(raw: unknown, file?: string): Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['the file must hold a YAML mapping'], file);
  const withDefaults = Value.Default(ConfigSchema, structuredClone(raw)) as unknown;
  const problems = explain(ConfigSchema, withDefaults, '');
  if (problems.length) throw new ConfigError(problems, file);
  const cfg = withDefaults as Config;
  const ids = new Set<string>();
  for (const [i, c] of cfg.consoles.entries()) {
    if (ids.has(c.id)) problems.push(`consoles[${i}].id: duplicate console id "${c.id}"`);
    ids.add(c.id);
  }
  const names = new Set<string>();
  for (const [i, t] of cfg.auth.tokens.entries()) {
    if (names.has(t.token)) problems.push(`auth.tokens[${i}].token: the same token is given twice`);
    names.add(t.token);
  }
  if (problems.length) throw new ConfigError(problems, file);
  return cfg;
}

export interface LoadedConfig {
  config: Config;
  /** Folder relative paths in the config are resolved against. */
  baseDir: string;
  file: string;
}

/** Load the config: the given file, or the built-in default (the demo console). */
export function loadConfig(file?: string): LoadedConfig {
  const f = path.resolve(file ?? DEFAULT_CONFIG);
  const config = validateConfig(readYaml(f), f);
  // The built-in default lives in config/ but names repo-relative paths (test/fixtures/...).
  const baseDir = f === DEFAULT_CONFIG ? path.resolve(path.dirname(DEFAULT_CONFIG), '..') : path.dirname(f);
  return { config, baseDir, file: f };
}
