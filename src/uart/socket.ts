// A stream-socket client source, shared by tcp.ts and unix.ts (they only differ in how to
// connect and in TCP's socket options). Optionally speaks telnet (see telnet.ts).
import net from 'node:net';
import { BaseSource, errorReason, type SourceOptions } from './base.js';
import { TelnetCodec } from './telnet.js';

/** Give up on a connect that neither succeeds nor fails (SYN into the void) after this. */
const CONNECT_TIMEOUT_MS = 5_000;
/** First TCP keepalive probe after this much idle time: a dead peer is found in well under a minute. */
const KEEPALIVE_MS = 10_000;

export interface SocketSourceParams {
  type: 'tcp' | 'unix';
  /** For describe(): 'tcp 127.0.0.1:4555', 'unix /run/qemu/console.sock'. */
  label: string;
  connect: net.NetConnectOpts;
  telnet: boolean;
}

export class SocketSource extends BaseSource {
  readonly type: 'tcp' | 'unix';
  private socket: net.Socket | undefined;
  private codec: TelnetCodec | undefined;

  constructor(
    private readonly params: SocketSourceParams,
    opts: SourceOptions = {},
  ) {
    super(opts);
    this.type = params.type;
  }

  /** Telnet has IAC BRK; a raw byte stream has no way to say BREAK. */
  get canBreak(): boolean {
    return this.params.telnet;
  }

  protected override noBreakReason(): string {
    return `${this.describe()}: a raw ${this.type} connection cannot carry a BREAK (use telnet: true with a telnet server such as ser2net)`;
  }

  describe(): string {
    return this.params.telnet ? `${this.params.label} (telnet)` : this.params.label;
  }

  protected connect(id: number): void {
    const socket = net.createConnection(this.params.connect);
    const codec = this.params.telnet ? new TelnetCodec((reply) => socket.write(reply)) : undefined;
    this.socket = socket;
    this.codec = codec;
    let failure: Error | undefined;
    let connected = false;

    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`connect timed out after ${CONNECT_TIMEOUT_MS} ms`)));
    socket.once('connect', () => {
      connected = true;
      socket.setTimeout(0);
      if (this.params.type === 'tcp') {
        socket.setNoDelay(true); // keystrokes go out at once
        socket.setKeepAlive(true, KEEPALIVE_MS);
      }
      if (codec) socket.write(codec.start());
      this.opened(id);
    });
    socket.on('data', (chunk: Buffer) => this.emitData(id, codec ? codec.decode(chunk) : chunk));
    socket.on('error', (err) => {
      failure = err; // 'close' follows and reports it
    });
    socket.on('close', () => {
      const reason = failure ? errorReason(failure) : connected ? 'connection closed by peer' : 'connection closed';
      this.lost(id, reason);
    });
  }

  protected disconnect(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.codec = undefined;
  }

  protected transmit(data: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error(`${this.describe()} is not connected`));
    const bytes = this.codec ? this.codec.encode(data) : data;
    return new Promise((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  /** IAC BRK. Telnet's BREAK has no duration: the server decides how long to hold the line. */
  protected override transmitBreak(_ms: number): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error(`${this.describe()} is not connected`));
    return new Promise((resolve, reject) => socket.write(TelnetCodec.breakCommand(), (err) => (err ? reject(err) : resolve())));
  }
}
