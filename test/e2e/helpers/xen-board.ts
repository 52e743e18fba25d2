// A real Xen 4.17 + Linux 6.1 dom0 board under QEMU (scripts/xen-qemu-board), for end-to-end
// tests. The board's UART is a unix socket that QEMU listens on with `wait=on`: QEMU does not
// start the guest until the first client connects, so no byte is lost. This helper never
// connects itself; the test points xenuart's `unix` source at `socketPath`, and that connection
// is what powers the board on. Timings under TCG on 2 cores: Xen banner < 1 s after the client
// connects, dom0 shell prompt (`/ # `) after ~5-60 s depending on the host (allow 180 s).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const XEN_BOARD_SCRIPT = path.join(REPO, 'scripts/xen-qemu-board');

export interface XenBoardOptions {
  /** Folder for the console socket, pid file and QEMU's output (e.g. a test's mkdtemp). */
  dir: string;
  /** GIC version of the QEMU virt machine (default 3). */
  gic?: 2 | 3;
  /** Appended to dom0 Linux's command line, e.g. `iomem=relaxed` (for devmem on the GIC). */
  dom0Args?: string;
  /** Appended to Xen's command line. */
  xenArgs?: string;
  /** Cache folder of the script (default: the script's own default, see xenBoardCacheDir()). */
  cache?: string;
  /** Socket file name inside `dir` (default `console.sock`). */
  socketName?: string;
  /** How long to wait for QEMU's socket. Default 60 s, or 10 min when setup must run first. */
  startTimeoutMs?: number;
  /** Pass `-no-reboot` to QEMU: it exits when Xen resets the board instead of booting again. */
  noReboot?: boolean;
}

export interface XenBoard {
  /** The unix socket QEMU listens on (server=on, wait=on). Connect to it to start the board. */
  socketPath: string;
  /** The script's process; it execs QEMU, so proc.pid is QEMU's pid. */
  proc: ChildProcess;
  /** Everything the script and QEMU wrote to stdout/stderr so far (not the guest console). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once QEMU is gone and the socket removed. */
  stop(): Promise<void>;
}

/** The script's default cache folder (same rule as in scripts/xen-qemu-board). */
export function xenBoardCacheDir(): string {
  if (process.env.XEN_QEMU_BOARD_CACHE) return process.env.XEN_QEMU_BOARD_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'xenuart', 'xen-qemu-board');
}

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** True when the board can boot right now: qemu-system-aarch64 is installed and the packages
 *  are unpacked and the initramfs built in the cache (`scripts/xen-qemu-board setup` was run). */
export function isXenBoardAvailable(cache = xenBoardCacheDir()): boolean {
  if (process.platform !== 'linux' || !onPath('qemu-system-aarch64')) return false;
  const board = path.join(cache, 'board');
  return ['.ready', 'xen', 'vmlinuz', 'initrd.cpio.gz'].every((f) => fs.existsSync(path.join(board, f)));
}

/** Is a unix socket bound at `p` and listening? (/proc/net/unix, flag 00010000 = listening.) */
function unixListening(p: string): boolean {
  let table: string;
  try {
    table = fs.readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return isSocketFile(p); // no procfs: the file is the best sign there is
  }
  return table.split('\n').some((line) => {
    const f = line.trim().split(/\s+/);
    return f.length >= 8 && f[3] === '00010000' && f[f.length - 1] === p;
  });
}

function isSocketFile(p: string): boolean {
  try {
    return fs.statSync(p).isSocket();
  } catch {
    return false;
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, signal); // the script runs in its own process group (detached)
  } catch {
    try {
      proc.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test runner that dies without calling stop() must not leave QEMU running.
  process.on('exit', () => {
    for (const proc of live) killGroup(proc, 'SIGKILL');
  });
}

function exited(proc: ChildProcess, ms: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      proc.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    proc.once('exit', onExit);
  });
}

/**
 * Start the board with its console on a unix socket in `opts.dir`, QEMU waiting for the first
 * client. Resolves once QEMU listens on the socket; the guest starts when a client connects.
 * If the cache is not set up yet, the script runs its setup first (downloads ~60 MB, installs
 * qemu-system-arm when root): that can take minutes.
 */
export async function startXenBoard(opts: XenBoardOptions): Promise<XenBoard> {
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(dir, { recursive: true });
  const socketPath = path.join(dir, opts.socketName ?? 'console.sock');
  if (Buffer.byteLength(socketPath) > 107) {
    throw new Error(`socket path too long for a unix socket (${Buffer.byteLength(socketPath)} > 107 bytes): ${socketPath}`);
  }
  const pidFile = path.join(dir, 'qemu.pid');
  const cache = opts.cache ?? xenBoardCacheDir();
  const ready = isXenBoardAvailable(cache);
  const timeoutMs = opts.startTimeoutMs ?? (ready ? 60_000 : 10 * 60_000);

  const args = [XEN_BOARD_SCRIPT, 'run', '--wait', '--foreground', '--cache', cache, '--socket', socketPath,
    '--gic', String(opts.gic ?? 3), '--pidfile', pidFile];
  if (opts.dom0Args) args.push('--dom0-args', opts.dom0Args);
  if (opts.xenArgs) args.push('--xen-args', opts.xenArgs);
  if (opts.noReboot) args.push('--no-reboot');

  installExitHook();
  // detached: its own process group, so stop() also reaches setup's children (apt, dpkg).
  const proc = spawn('bash', args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  proc.once('exit', () => live.delete(proc));

  // The socket and pid file are ours to remove once QEMU listened, or while the script still
  // runs; a script that gave up by itself (socket in use: exit 4) leaves another board's alone.
  let owned = false;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) owned = true;
      killGroup(proc, 'SIGTERM');
      if (!(await exited(proc, 5_000))) {
        killGroup(proc, 'SIGKILL');
        await exited(proc, 5_000);
      }
      live.delete(proc);
      if (owned) {
        // QEMU killed while waiting for its first client leaves the socket file behind.
        fs.rmSync(socketPath, { force: true });
        fs.rmSync(pidFile, { force: true });
      }
    })();
    return stopping;
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        clearInterval(poll);
        reject(new Error(`xen-qemu-board exited (${signal ?? `code ${code}`}) before listening on ${socketPath}:\n${out}`));
      };
      const poll = setInterval(() => {
        if (unixListening(socketPath)) {
          owned = true;
          clearInterval(poll);
          proc.off('exit', onExit);
          resolve();
        } else if (Date.now() - started > timeoutMs) {
          clearInterval(poll);
          proc.off('exit', onExit);
          reject(new Error(`xen-qemu-board did not listen on ${socketPath} within ${timeoutMs} ms:\n${out}`));
        }
      }, 50);
      proc.once('exit', onExit);
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { socketPath, proc, output: () => out, stop };
}
