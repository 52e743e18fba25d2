// A command as the console: its stdout (and stderr, merged by default) is the received byte
// stream, its stdin the transmit side. Useful for `ssh board cat /dev/ttyS0`, `picocom`,
// `socat - ...`, a simulator, or a script. Restarted when it exits, per `restart`.
//
// Subtleties:
//  - stderr 'merge' makes the child's fd 2 the same pipe as fd 1 (a `/bin/sh -c 'exec 2>&1;
//    exec "$@"'` prelude, the shell replaces itself), so stdout and stderr bytes keep their
//    true order; two separate pipes would interleave them at random.
//  - The child leads its own process group, and every signal goes to the whole group, so a
//    pipeline or a background helper started by the command goes away with it.
//  - The end of a run is the child's exit plus the end of its output ('close'). If a
//    grandchild keeps stdout open after the child exited, we stop waiting after EXIT_DRAIN_MS.
//  - close() sends SIGTERM, then SIGKILL after 2 s. Node reaps the child (no zombie).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { BaseSource, errorReason, type SourceOptions } from './base.js';
import { fillDefaults, type ExecConfig, type ExecSettings } from './config.js';

const KILL_GRACE_MS = 2_000;
const EXIT_DRAIN_MS = 250;

export class ExecSource extends BaseSource {
  readonly type = 'exec';
  readonly canBreak = false;
  readonly config: ExecSettings;
  private run: { child: ChildProcess; exited: Promise<unknown> } | undefined;

  constructor(cfg: ExecConfig, opts: SourceOptions = {}) {
    super(opts);
    this.config = fillDefaults(cfg) as ExecSettings;
  }

  describe(): string {
    const cmd = this.config.command;
    return `exec ${Array.isArray(cmd) ? cmd.join(' ') : cmd}`;
  }

  /** The pid of the running command (undefined when none runs). */
  get pid(): number | undefined {
    return this.run?.child.pid;
  }

  protected connect(id: number): void {
    const c = this.config;
    const merge = c.stderr === 'merge';
    let file: string;
    let args: string[];
    if (typeof c.command === 'string') {
      file = '/bin/sh';
      args = ['-c', merge ? `exec 2>&1\n${c.command}` : c.command];
    } else if (merge) {
      file = '/bin/sh';
      args = ['-c', 'exec 2>&1; exec "$@"', 'sh', ...c.command];
    } else {
      [file, ...args] = c.command as [string, ...string[]];
    }
    const child = spawn(file, args, {
      cwd: c.cwd,
      env: c.env ? { ...process.env, ...c.env } : process.env,
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true, // own process group: see killGroup()
    });
    this.run = { child, exited: once(child, 'exit').catch(() => {}) }; // ('error' rejects it: also the end)

    let drainTimer: NodeJS.Timeout | undefined;
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(drainTimer);
      const failed = code !== 0;
      const retry = c.restart === 'always' || (c.restart === 'on-failure' && failed);
      this.lost(id, exitReason(code, signal), retry);
    };
    child.once('spawn', () => this.opened(id));
    child.on('error', (err: NodeJS.ErrnoException) => {
      // A missing cwd also fails as "spawn <file> ENOENT": say which one is missing.
      const badCwd = err.code === 'ENOENT' && c.cwd !== undefined && !existsSync(c.cwd);
      this.lost(id, badCwd ? `working directory ${c.cwd} does not exist` : errorReason(err));
    });
    child.once('exit', (code, signal) => {
      drainTimer = setTimeout(() => ended(code, signal), EXIT_DRAIN_MS);
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => ended(code, signal));
    child.stdout!.on('data', (chunk: Buffer) => this.emitData(id, chunk));
    child.stdout!.on('error', () => {}); // the exit reports the end
    child.stdin!.on('error', () => {}); // EPIPE once the child is gone: the exit reports it
  }

  protected async disconnect(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    if (!run) return;
    const { child, exited } = run;
    child.stdin?.destroy();
    child.stdout?.destroy();
    const running = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
    killGroup(child, 'SIGTERM'); // also when the child already exited: leftovers of its group
    if (!running) return;
    // (ref: false: a pending grace timer must not keep the process alive after the exit)
    const gone = await Promise.race([exited.then(() => true), sleep(KILL_GRACE_MS, false, { ref: false })]);
    if (!gone) {
      killGroup(child, 'SIGKILL');
      await Promise.race([exited, sleep(KILL_GRACE_MS, undefined, { ref: false })]);
    }
  }

  protected transmit(data: Buffer): Promise<void> {
    const stdin = this.run?.child.stdin;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error(`${this.describe()}: stdin is closed`));
    return new Promise((resolve, reject) => stdin.write(data, (err) => (err ? reject(err) : resolve())));
  }
}

function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (code === null) return `process killed by ${signal ?? 'a signal'}`;
  return code === 127 ? 'process exited with code 127 (command not found)' : `process exited with code ${code}`;
}

/** Signal the child's process group (it is its leader, see `detached`); ESRCH: all gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
