// A real stream-socket server (TCP or unix) that tests can take away and bring back, like a
// QEMU `server=on` chardev or a ser2net port.
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';

export class TestServer {
  /** Every accepted connection, newest last. */
  readonly connections: net.Socket[] = [];
  /** Everything received on each connection (same order). */
  readonly received: Buffer[][] = [];
  private server: net.Server | undefined;
  private readonly live = new Set<net.Socket>();
  private boundPort = 0;

  /** @param where `{ port }` (0: any) on 127.0.0.1, or `{ path }` for a unix socket. */
  constructor(
    private readonly where: { port: number } | { path: string },
    private readonly onConnection?: (socket: net.Socket) => void,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** The newest connection's received bytes. */
  lastReceived(): Buffer {
    return Buffer.concat(this.received.at(-1) ?? []);
  }

  async listen(): Promise<void> {
    const server = net.createServer((socket) => {
      const rx: Buffer[] = [];
      this.connections.push(socket);
      this.received.push(rx);
      this.live.add(socket);
      socket.setNoDelay?.(true);
      socket.on('data', (c) => rx.push(c));
      socket.on('error', () => {});
      socket.on('close', () => this.live.delete(socket));
      this.onConnection?.(socket);
    });
    this.server = server;
    if ('path' in this.where) server.listen(this.where.path);
    else server.listen(this.boundPort || this.where.port, '127.0.0.1');
    await once(server, 'listening');
    const addr = server.address();
    if (addr && typeof addr === 'object') this.boundPort = addr.port;
  }

  /** Stop listening and drop every connection (for unix: the socket file goes too). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.live) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if ('path' in this.where) fs.rmSync(this.where.path, { force: true });
  }
}
