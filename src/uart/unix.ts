// Unix socket client: QEMU `-chardev socket,path=...,server=on`. All the work is in
// SocketSource; this only maps the config.
import type { SourceOptions } from './base.js';
import type { UnixConfig } from './config.js';
import { SocketSource } from './socket.js';

export class UnixSource extends SocketSource {
  readonly config: UnixConfig;

  constructor(cfg: UnixConfig, opts: SourceOptions = {}) {
    super({ type: 'unix', label: `unix ${cfg.path}`, connect: { path: cfg.path }, telnet: false }, opts);
    this.config = { ...cfg };
  }
}
