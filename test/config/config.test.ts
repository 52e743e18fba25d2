import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, validateConfig } from '../../src/config/load.js';

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config', () => {
  it('the built-in default validates and serves the demo replay on loopback', () => {
    const { config } = loadConfig();
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 7070 });
    expect(config.consoles[0]).toMatchObject({ id: 'demo', source: { type: 'replay', loop: true } });
    expect(config.storage.flushMs).toBe(200);
  });
  it('fills defaults for a minimal file', () => {
    const c = validateConfig({ consoles: [{ id: 'qemu', source: { type: 'tcp', host: '127.0.0.1', port: 4555 } }] });
    expect(c.server.host).toBe('127.0.0.1');
    expect(c.auth.tokens).toEqual([]);
    expect(c.consoles[0].framing.idleFlushMs).toBe(250);
  });
  it('names the key and the problem', () => {
    expect(problems({ consoles: [{ id: 'b', source: { type: 'serial', path: '/dev/ttyUSB0', baudRate: 'fast' } }] })).toEqual(['consoles[0].source.baudRate: expected integer (got "fast")']);
    expect(problems({ consoles: [{ id: 'b', source: { type: 'serail', path: '/dev/x' } }] })).toEqual(['consoles[0].source.type: must be one of serial, tcp, unix, exec, replay (got "serail")']);
    expect(problems({ consoles: [{ id: 'b', source: { type: 'tcp', port: 4555, telent: true } }] })).toEqual(['consoles[0].source.telent: is not a known key (got true)']);
    expect(problems({ consoles: [{ id: 'b' }] })).toEqual(['consoles[0].source: is required']);
    expect(problems({ server: { port: 70000 } })[0]).toMatch(/^server\.port: .*65535/);
    expect(problems({ server: { prot: 1 } })[0]).toMatch(/^server.*prot|server: .*additional/i);
    expect(problems({ auth: { tokens: [{ name: 'a', token: 'short', role: 'operator' }] } })[0]).toMatch(/^auth\.tokens\[0\]\.token/);
    expect(problems({ auth: { tokens: [{ name: 'a', token: 'long-enough-1', role: 'god' }] } })[0]).toMatch(/^auth\.tokens\[0\]\.role/);
  });
  it('rejects duplicate console ids and duplicate tokens', () => {
    const src = { type: 'unix', path: '/tmp/x.sock' };
    expect(problems({ consoles: [{ id: 'a', source: src }, { id: 'a', source: src }] })).toEqual(['consoles[1].id: duplicate console id "a"']);
  });
  it('reports YAML syntax errors and unreadable files with the file name', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-cfg-'));
    const f = path.join(dir, 'bad.yaml');
    writeFileSync(f, 'server: { port: [\n');
    expect(() => loadConfig(f)).toThrow(/bad\.yaml/);
    expect(() => loadConfig(path.join(dir, 'missing.yaml'))).toThrow(/cannot read/);
  });
});
