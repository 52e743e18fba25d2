// The byte sources: createSource() turns a source config into a started-on-demand Source.
import path from 'node:path';
import type { Logger } from 'pino';
import { parseSourceConfig, type SourceConfig } from './config.js';
import { ExecSource } from './exec.js';
import { ReplaySource } from './replay.js';
import { SerialSource } from './serial.js';
import { TcpSource } from './tcp.js';
import type { Source } from './types.js';
import { UnixSource } from './unix.js';

export interface CreateSourceOptions {
  /** Directory that relative paths (device, socket, file, cwd) are relative to; default: the process's cwd. */
  baseDir?: string;
  logger?: Logger;
}

/**
 * A Source for `cfg` (validated, defaults filled; throws SourceConfigError on a bad config).
 * The source is not started: attach listeners, then call start().
 */
export function createSource(cfg: SourceConfig, opts: CreateSourceOptions = {}): Source {
  const c = parseSourceConfig(cfg);
  const resolve = (p: string) => path.resolve(opts.baseDir ?? process.cwd(), p);
  const logger = opts.logger?.child({ component: 'uart', source: c.type });
  const o = { logger };
  switch (c.type) {
    case 'serial':
      return new SerialSource({ ...c, path: resolve(c.path) }, o);
    case 'tcp':
      return new TcpSource(c, o);
    case 'unix':
      return new UnixSource({ ...c, path: resolve(c.path) }, o);
    case 'exec':
      return new ExecSource({ ...c, cwd: resolve(c.cwd ?? '.') }, o);
    case 'replay':
      return new ReplaySource({ ...c, file: resolve(c.file) }, o);
  }
}

export { BaseSource, receiveTime } from './base.js';
export { Backoff, BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, BACKOFF_STABLE_MS } from './backoff.js';
export * from './config.js';
export { ExecSource } from './exec.js';
export { ReplaySource } from './replay.js';
export { SerialSource } from './serial.js';
export { SocketSource } from './socket.js';
export { TcpSource } from './tcp.js';
export { UnixSource } from './unix.js';
export { TelnetCodec } from './telnet.js';
export { encodeXrecLine, isXrecFile, parseXrec, XREC_EXTENSION, type XrecRecord } from './xrec.js';
export type { Source, SourceEventMap, SourceStatus } from './types.js';
