// A real PTY pair for serial tests, made by socat: `dev` is the end a serial source opens,
// `far` plays the board. Killing socat hangs both ends up, like unplugging a USB adapter.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import tty from 'node:tty';

async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function exists(p: string): boolean {
  try {
    fs.statSync(p); // follows the link: the pts must exist too
    return true;
  } catch {
    return false;
  }
}

export class SocatPty {
  readonly dev: string;
  readonly far: string;
  private proc: ChildProcess | undefined;
  private farFd: number | undefined;

  constructor(dir: string, name = 'tty') {
    this.dev = path.join(dir, `${name}-dev`);
    this.far = path.join(dir, `${name}-far`);
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  /** Start socat and wait until both ends exist. */
  async start(): Promise<void> {
    if (this.proc) throw new Error('socat already running');
    const proc = spawn('socat', [`pty,raw,echo=0,link=${this.dev}`, `pty,raw,echo=0,link=${this.far}`], { stdio: 'ignore' });
    this.proc = proc;
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = undefined;
    });
    await waitFor(() => exists(this.dev) && exists(this.far), 5000, 'socat PTY links');
  }

  /**
   * The far end's fd (opened once per socat run, kept open: if the far end closed, socat
   * would read EIO from its master and quit).
   */
  farEnd(): number {
    if (this.farFd === undefined) this.farFd = fs.openSync(this.far, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    return this.farFd;
  }

  /** Write bytes as the board. */
  writeFar(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.farEnd(), buf, off);
  }

  /** Collect what the far end receives, until the returned stop() is called. */
  readFar(): { bytes: () => Buffer; stop: () => void } {
    const chunks: Buffer[] = [];
    const stream = new tty.ReadStream(fs.openSync(this.far, fs.constants.O_RDWR | fs.constants.O_NOCTTY));
    stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    stream.on('error', () => {});
    return { bytes: () => Buffer.concat(chunks), stop: () => stream.destroy() };
  }

  /** Kill socat (like pulling the cable) and wait for it to be gone. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (this.farFd !== undefined) {
      const fd = this.farFd;
      this.farFd = undefined;
      if (proc) {
        proc.kill('SIGTERM');
        if (proc.exitCode === null && proc.signalCode === null) await once(proc, 'exit');
      }
      fs.closeSync(fd);
    } else if (proc) {
      proc.kill('SIGTERM');
      if (proc.exitCode === null && proc.signalCode === null) await once(proc, 'exit');
    }
    this.proc = undefined;
  }
}
