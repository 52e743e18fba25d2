// Source config schemas, createSource(), and the backoff policy.
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/uart/backoff.js';
import { parseSourceConfig, type SourceConfig, SourceConfigError, SourceConfigSchema } from '../../src/uart/config.js';
import { createSource } from '../../src/uart/index.js';

describe('source config', () => {
  it('fills the defaults of each type', () => {
    expect(parseSourceConfig({ type: 'serial', path: '/dev/ttyUSB0' })).toEqual({
      type: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 115200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      rtscts: false,
      xon: false,
    });
    expect(parseSourceConfig({ type: 'tcp', port: 4555 })).toEqual({ type: 'tcp', host: '127.0.0.1', port: 4555, telnet: false });
    expect(parseSourceConfig({ type: 'unix', path: 'q.sock' })).toEqual({ type: 'unix', path: 'q.sock' });
    expect(parseSourceConfig({ type: 'exec', command: ['cat'] })).toEqual({ type: 'exec', command: ['cat'], restart: 'always', stderr: 'merge' });
    expect(parseSourceConfig({ type: 'replay', file: 'a.log' })).toEqual({
      type: 'replay',
      file: 'a.log',
      speed: 1,
      loop: false,
      baudRate: 115200,
      loopGapMs: 2000,
    });
  });

  it('rejects a misspelt key, naming it', () => {
    expect(() => parseSourceConfig({ type: 'serial', path: '/dev/ttyUSB0', buadRate: 9600 })).toThrow(/\/buadRate: Unexpected property/);
    expect(() => parseSourceConfig({ type: 'tcp', port: 4555, telent: true })).toThrow(SourceConfigError);
  });

  it('rejects bad values and unknown types with a precise message', () => {
    expect(() => parseSourceConfig({ type: 'serial', path: '/dev/x', dataBits: 9 })).toThrow(/\/dataBits/);
    expect(() => parseSourceConfig({ type: 'serial', path: '/dev/x', parity: 'mark' })).not.toThrow(); // the driver decides
    expect(() => parseSourceConfig({ type: 'tcp', port: 70000 })).toThrow(/\/port/);
    expect(() => parseSourceConfig({ type: 'exec', command: [] })).toThrow(/\/command/);
    expect(() => parseSourceConfig({ type: 'replay', file: 'a', speed: -1 })).toThrow(/\/speed/);
    expect(() => parseSourceConfig({ type: 'ssh', host: 'x' })).toThrow(/\/type: expected one of serial, tcp, unix, exec, replay/);
    expect(() => parseSourceConfig(null)).toThrow(SourceConfigError);
  });

  it('the exported union checks the same (for the daemon config schema)', () => {
    expect(Value.Check(SourceConfigSchema, { type: 'tcp', port: 1 })).toBe(true);
    expect(Value.Check(SourceConfigSchema, { type: 'tcp', port: 1, extra: 1 })).toBe(false);
    expect(Value.Check(SourceConfigSchema, { type: 'replay', file: 'x', speed: 0, loop: true, baudRate: 9600, loopGapMs: 0 })).toBe(true);
  });
});

describe('createSource', () => {
  it('builds each type, resolving relative paths against baseDir', () => {
    const base = '/srv/boards';
    const cases: [SourceConfig, string, string][] = [
      [{ type: 'serial', path: 'dev/ttyS0', baudRate: 921600 }, 'serial', '/srv/boards/dev/ttyS0 @921600 8N1'],
      [{ type: 'tcp', host: 'ser2net.lab', port: 3001, telnet: true }, 'tcp', 'tcp ser2net.lab:3001 (telnet)'],
      [{ type: 'tcp', host: '::1', port: 4555 }, 'tcp', 'tcp [::1]:4555'],
      [{ type: 'unix', path: 'run/qemu.sock' }, 'unix', 'unix /srv/boards/run/qemu.sock'],
      [{ type: 'exec', command: ['ssh', 'rpi', 'cat', '/dev/ttyS0'] }, 'exec', 'exec ssh rpi cat /dev/ttyS0'],
      [{ type: 'replay', file: 'logs/boot.log', speed: 2 }, 'replay', 'replay /srv/boards/logs/boot.log x2'],
    ];
    for (const [cfg, type, description] of cases) {
      const src = createSource(cfg, { baseDir: base });
      expect(src.type).toBe(type);
      expect(src.describe()).toBe(description);
      expect(src.up).toBe(false);
      expect(src.reconnects).toBe(0);
    }
    const abs = createSource({ type: 'serial', path: '/dev/ttyUSB0' }, { baseDir: base });
    expect(abs.describe()).toBe('/dev/ttyUSB0 @115200 8N1');
    const cwd = createSource({ type: 'replay', file: 'x.log' });
    expect(cwd.describe()).toBe(`replay ${path.resolve('x.log')} x1`);
  });

  it('throws on an invalid config (never a half-built source)', () => {
    expect(() => createSource({ type: 'tcp', port: 0 } as never)).toThrow(SourceConfigError);
  });

  it('canBreak: serial and telnet yes, the rest no', () => {
    expect(createSource({ type: 'serial', path: '/dev/ttyUSB0' }).canBreak).toBe(true);
    expect(createSource({ type: 'tcp', port: 1, telnet: true }).canBreak).toBe(true);
    expect(createSource({ type: 'tcp', port: 1 }).canBreak).toBe(false);
    expect(createSource({ type: 'unix', path: '/x' }).canBreak).toBe(false);
    expect(createSource({ type: 'exec', command: 'cat' }).canBreak).toBe(false);
    expect(createSource({ type: 'replay', file: '/x' }).canBreak).toBe(false);
  });

  it('write and sendBreak before start reject with a clear error', async () => {
    const src = createSource({ type: 'tcp', port: 1, telnet: true });
    await expect(src.write(Buffer.from('x'))).rejects.toThrow(/tcp 127\.0\.0\.1:1 \(telnet\) is down \(not started\)/);
    await expect(src.sendBreak(100)).rejects.toThrow(/is down/);
    await expect(src.sendBreak(-5)).rejects.toThrow(RangeError);
    await src.close();
  });
});

describe('Backoff', () => {
  it('starts at 100 ms, doubles, caps at 5 s, resets', () => {
    const b = new Backoff();
    expect(Array.from({ length: 9 }, () => b.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    b.reset();
    expect(b.next()).toBe(100);
    expect(b.peek()).toBe(200);
  });
});
