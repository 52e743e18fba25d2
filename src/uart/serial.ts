// A local serial device (/dev/ttyUSB0, /dev/serial/by-id/..., a PTY) through `serialport`.
//
// Device loss: an unplugged USB adapter or a PTY whose far end closed is *hung up* by the
// kernel. serialport's poller usually reports that as an error ('bad file descriptor'),
// and serialport closes the port with a DisconnectedError, which we report as down and
// reopen with backoff. But depending on timing the poller reports it as readable instead,
// and then read(2) returns 0 bytes (EOF), which serialport's unix binding retries at once,
// forever: the port never reports anything and the process spins on read(2) (measured: a
// core's worth of system time). So the binding is wrapped (hangupAwareBinding) to turn a
// 0-byte read into a disconnect error as well.
//
// Bytes that reach a PTY while we have it closed are lost: serialport flushes both queues
// (TCIOFLUSH) when it opens a port, before we report up. Anything sent after the 'up'
// status is received.
import { readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import { BaseSource, errorReason, type SourceOptions } from './base.js';
import { fillDefaults, type SerialConfig, type SerialSettings } from './config.js';

type Binding = typeof SerialPort.binding;
type PortBinding = Awaited<ReturnType<Binding['open']>>;
type ReadResult = { bytesRead: number; buffer: Buffer };

/** The parts of serialport's unix port binding that the read replacement needs. */
interface UnixPortInternals {
  fd: number | null;
  isOpen: boolean;
  poller: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
}

function isUnixPort(port: unknown): port is UnixPortInternals {
  return typeof port === 'object' && port !== null && 'fd' in port && 'poller' in port;
}

function canceled(message: string): Error {
  return Object.assign(new Error(message), { canceled: true });
}

/**
 * serialport's unix read loop, with three changes:
 * - A 0-byte read is a hangup (the fd is non-blocking with VMIN=1, so "no data" is EAGAIN and 0
 *   can only mean EOF).
 * - read(2) is called on the event loop's thread instead of in libuv's thread pool. The binding
 *   opens the device O_NONBLOCK (bindings-cpp serialport_unix.cpp), so the call never waits:
 *   it returns what the tty holds or EAGAIN, and on EAGAIN we wait for the poller (epoll, on
 *   this thread too). serialport's fs.read costs two thread hops per read, and after each chunk
 *   it reads again only to learn EAGAIN: four hops for every line that arrives alone, each one
 *   a wake-up the scheduler may delay on a busy machine.
 * - A read that follows a chunk first lets the event loop turn once (setImmediate). The stream
 *   asks for the next chunk from a promise callback, so back to back reads of a device that
 *   never pauses would run as one long chain of microtasks: timers, sockets and HTTP would
 *   wait while the flood lasts. A chunk that arrives alone is read at once (the read after
 *   the poller's wake-up is not deferred); only the read after it is.
 */
async function hangupAwareRead(port: UnixPortInternals, state: ReadState, buffer: Buffer, offset: number, length: number): Promise<ReadResult> {
  if (state.afterChunk) {
    state.afterChunk = false;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  for (;;) {
    const fd = port.fd;
    if (fd === null || !port.isOpen) throw canceled('Port is not open');
    let bytesRead: number;
    try {
      bytesRead = readSync(fd, buffer, offset, length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
      // Wait for the poller; when the port is closed meanwhile it rejects with a canceled error.
      await new Promise<void>((resolve, reject) => port.poller.once('readable', (e) => (e ? reject(e) : resolve())));
      continue;
    }
    if (bytesRead > 0) {
      state.afterChunk = true;
      return { bytesRead, buffer };
    }
    throw Object.assign(new Error('device hung up'), { code: 'EOF' });
  }
}

/** One port's read state: its last read returned a chunk, so the next one yields first. */
interface ReadState {
  afterChunk: boolean;
}

function hangupAwareBinding(base: Binding): Binding {
  const wrapped = {
    list: () => base.list(),
    async open(options: unknown): Promise<PortBinding> {
      const port = await (base.open as (o: unknown) => Promise<PortBinding>).call(base, options);
      if (isUnixPort(port)) {
        const state: ReadState = { afterChunk: false };
        port.read = (buffer: Buffer, offset: number, length: number) => hangupAwareRead(port, state, buffer, offset, length);
      }
      return port;
    },
  };
  return wrapped as unknown as Binding;
}

/** serialport's detected binding with hangup detection; exported for tests. */
export const binding = hangupAwareBinding(SerialPort.binding);

/**
 * Is `path` a Linux pseudo-terminal slave (Unix98 /dev/pts/N: majors 136-143; BSD ttyp: 3)?
 * A PTY has no line to hold low, so it cannot carry a BREAK: the kernel's pty driver has no
 * break_ctl, so TIOCSBRK is accepted as a no-op, and serialport's set() then fails on the
 * modem-line ioctl (TIOCMSET: ENOTTY) that PTYs don't implement either.
 */
async function isPty(path: string): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  try {
    const major = Number((BigInt((await stat(path, { bigint: true })).rdev) >> 8n) & 0xfffn);
    return (major >= 136 && major <= 143) || major === 3;
  } catch {
    return false;
  }
}

export class SerialSource extends BaseSource {
  readonly type = 'serial';
  readonly config: SerialSettings;
  private pty = false;
  private port: SerialPort | undefined;
  private opening: Promise<unknown> = Promise.resolve();
  private breaking = false;

  constructor(cfg: SerialConfig, opts: SourceOptions = {}) {
    super(opts);
    this.config = fillDefaults(cfg) as SerialSettings;
  }

  /** False once the device turned out to be a PTY (see isPty); true for a real UART. */
  get canBreak(): boolean {
    return !this.pty;
  }

  protected override noBreakReason(): string {
    return `${this.describe()} is a pseudo-terminal: a PTY cannot carry a BREAK condition`;
  }

  describe(): string {
    const c = this.config;
    return `${c.path} @${c.baudRate} ${c.dataBits}${c.parity[0]!.toUpperCase()}${c.stopBits}`;
  }

  protected async connect(id: number): Promise<void> {
    const unsupported = this.unsupportedSetting();
    if (unsupported) {
      this.lost(id, unsupported, false); // a setting the driver rejects: retrying can't help
      return;
    }
    const c = this.config;
    this.pty = await isPty(c.path);
    if (!this.isCurrent(id)) return;
    type PortOptions = ConstructorParameters<typeof SerialPort>[0];
    const port = new SerialPort({
      // SerialPort's type omits `binding`, but it takes it (it defaults to the detected one).
      binding,
      path: c.path,
      baudRate: c.baudRate,
      dataBits: c.dataBits,
      parity: c.parity,
      stopBits: c.stopBits,
      rtscts: c.rtscts,
      xon: c.xon, // software flow control both ways: honour XON/XOFF from the device (IXON)...
      xoff: c.xon, // ...and send them when our input buffer fills (IXOFF)
      autoOpen: false,
    } as PortOptions);
    this.port = port;
    // Listeners before open(): the stream starts reading as soon as the port is open.
    port.on('data', (chunk: Buffer) => this.emitData(id, chunk));
    port.on('error', (err: Error) => this.lost(id, errorReason(err)));
    // serialport closes the port itself on a read/write failure, with a DisconnectedError.
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) =>
      this.lost(id, !err ? 'port closed' : err.disconnected ? `device lost: ${errorReason(err)}` : errorReason(err)),
    );
    const openResult = new Promise<Error | null>((resolve) => port.open((err) => resolve(err ?? null)));
    this.opening = openResult;
    const err = await openResult;
    if (err) {
      this.lost(id, errorReason(err));
      return;
    }
    this.opened(id);
  }

  protected async disconnect(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port) return;
    await this.opening; // an open in flight finishes first, so its fd is closed too
    port.on('error', () => {}); // late errors of a discarded port are of no interest
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  protected transmit(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new Error(`${this.describe()} is not open`));
    return new Promise((resolve, reject) => port.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Hold the line in the BREAK condition for `ms` (TIOCSBRK, wait, TIOCCBRK). Only reached
   * on a real UART: on a PTY canBreak is false (see isPty). Note that serialport's set()
   * also (re)asserts DTR and RTS, which the driver asserted at open anyway.
   */
  protected override async transmitBreak(ms: number): Promise<void> {
    const port = this.port;
    if (!port) throw new Error(`${this.describe()} is not open`);
    if (this.breaking) throw new Error(`${this.describe()}: a BREAK is already in progress`);
    this.breaking = true;
    const set = (brk: boolean) => new Promise<void>((resolve, reject) => port.set({ brk }, (err) => (err ? reject(err) : resolve())));
    try {
      await set(true);
      await sleep(ms);
    } finally {
      this.breaking = false;
      // Always try to release the line, even if setting it failed half-way.
      if (port.isOpen) await set(false);
    }
  }

  /** serialport's unix binding only knows none/even/odd parity and 1 or 2 stop bits. */
  private unsupportedSetting(): string | undefined {
    if (process.platform === 'win32') return undefined;
    const c = this.config;
    if (c.parity === 'mark' || c.parity === 'space') return `parity "${c.parity}" is not supported by the serial driver on ${process.platform}`;
    if (c.stopBits === 1.5) return `1.5 stop bits are not supported by the serial driver on ${process.platform}`;
    return undefined;
  }
}
