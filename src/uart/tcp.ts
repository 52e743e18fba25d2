// TCP client of a console port: QEMU `-serial tcp:127.0.0.1:N,server=on`, ser2net raw or
// telnet ports. All the work is in SocketSource; this only maps the config.
import type { SourceOptions } from './base.js';
import { fillDefaults, type TcpConfig, type TcpSettings } from './config.js';
import { SocketSource } from './socket.js';

export class TcpSource extends SocketSource {
  readonly config: TcpSettings;

  constructor(cfg: TcpConfig, opts: SourceOptions = {}) {
    const c = fillDefaults(cfg) as TcpSettings;
    const host = c.host.includes(':') ? `[${c.host}]` : c.host;
    super({ type: 'tcp', label: `tcp ${host}:${c.port}`, connect: { host: c.host, port: c.port }, telnet: c.telnet }, opts);
    this.config = c;
  }
}
