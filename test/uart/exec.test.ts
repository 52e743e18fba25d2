// The exec source with real child processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecConfig } from '../../src/uart/config.js';
import { ExecSource } from '../../src/uart/exec.js';
import { sleep, until, watch } from './_util.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function exec(cfg: Omit<ExecConfig, 'type'>): ExecSource {
  const src = new ExecSource({ type: 'exec', ...cfg });
  cleanup.push(() => src.close());
  return src;
}

/** Running, i.e. neither gone nor a zombie (an orphaned grandchild is reaped by PID 1, whenever). */
function running(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}

/** Exists at all: a zombie does too. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('exec source', () => {
  it("restart 'never': output, then one down with the exit code, and it stays down", async () => {
    const src = exec({ command: ['sh', '-c', 'printf hello; exit 1'], restart: 'never' });
    const w = watch(src);
    src.start();
    await until(() => w.downs() === 1, 'exit');
    await sleep(400);
    expect(w.bytes().toString()).toBe('hello');
    expect(w.statuses).toEqual([
      { up: true, reason: 'opened' },
      { up: false, reason: 'process exited with code 1' },
    ]);
    await expect(src.write(Buffer.from('x'))).rejects.toThrow(/is down \(process exited with code 1\)/);
  });

  it("restart 'on-failure' restarts after exit 1, not after exit 0", async () => {
    const failing = exec({ command: ['sh', '-c', 'printf hello; exit 1'], restart: 'on-failure' });
    const wf = watch(failing);
    failing.start();
    await until(() => wf.bytes().toString().startsWith('hellohellohello'), 'two restarts', 3000);
    expect(failing.reconnects).toBeGreaterThanOrEqual(2);
    expect(wf.statuses.filter((s) => !s.up)[0]).toEqual({ up: false, reason: 'process exited with code 1' });

    const ok = exec({ command: ['sh', '-c', 'printf bye; exit 0'], restart: 'on-failure' });
    const wo = watch(ok);
    ok.start();
    await until(() => wo.downs() === 1, 'exit 0');
    await sleep(400);
    expect(wo.ups()).toBe(1);
    expect(wo.statuses[1]).toEqual({ up: false, reason: 'process exited with code 0' });
  });

  it("restart 'always' (the default) restarts after a clean exit; one down per exit", async () => {
    const src = exec({ command: 'printf "run\\n"' });
    const w = watch(src);
    src.start();
    await until(() => w.ups() >= 3, 'restarts', 3000);
    expect(w.bytes().toString()).toMatch(/^(run\n){2,}/);
    // up, down, up, down, ...: every exit is a loss (the next run is a reconnect).
    w.statuses.forEach((s, i) => expect(s.up).toBe(i % 2 === 0));
  });

  it('backoff: a silent failure is retried ever more slowly; output resets the delay to 100 ms', async () => {
    const silent = exec({ command: ['sh', '-c', 'exit 1'] });
    const chatty = exec({ command: ['sh', '-c', 'printf x; exit 1'] });
    const ws = watch(silent);
    const wc = watch(chatty);
    silent.start();
    chatty.start();
    await sleep(1600);
    // silent: runs at ~0, 100, 300, 700, 1500 ms (delays 100, 200, 400, 800)
    expect(ws.ups()).toBeGreaterThanOrEqual(4);
    expect(ws.ups()).toBeLessThanOrEqual(6);
    // chatty: a run every ~100 ms
    expect(wc.ups()).toBeGreaterThanOrEqual(8);
  });

  it('stdin is the transmit side (cat echoes)', async () => {
    const src = exec({ command: ['cat'] });
    const w = watch(src);
    src.start();
    await until(() => src.up, 'up');
    const bytes = Buffer.from([0x01, 0x01, 0x01, 0x68, 0x0d, 0xff, 0x00]);
    await src.write(bytes);
    await until(() => w.bytes().length >= bytes.length, 'echo');
    expect(w.bytes()).toEqual(bytes);
  });

  it('merges stderr in the true order, or drops it', async () => {
    const script = 'echo out1; echo err1 >&2; echo out2; echo err2 >&2';
    const merged = exec({ command: ['sh', '-c', script], restart: 'never' });
    const wm = watch(merged);
    merged.start();
    await until(() => wm.downs() === 1, 'merged run');
    expect(wm.bytes().toString()).toBe('out1\nerr1\nout2\nerr2\n');

    const dropped = exec({ command: script, restart: 'never', stderr: 'ignore' });
    const wd = watch(dropped);
    dropped.start();
    await until(() => wd.downs() === 1, 'ignore run');
    expect(wd.bytes().toString()).toBe('out1\nout2\n');
  });

  it('string commands run in /bin/sh with cwd and env', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'xenuart-exec-'));
    cleanup.push(() => fs.rmSync(cwd, { recursive: true, force: true }));
    const src = exec({ command: 'printf "%s %s" "$BOARD" "$(pwd)"', cwd, env: { BOARD: 'rpi4' }, restart: 'never' });
    const w = watch(src);
    src.start();
    await until(() => w.downs() === 1, 'run');
    expect(w.bytes().toString()).toBe(`rpi4 ${fs.realpathSync(cwd)}`);
  });

  it('a missing command is a down status with a clear reason', async () => {
    const merged = exec({ command: ['xenuart-no-such-command'], restart: 'never' });
    const wm = watch(merged);
    merged.start();
    await until(() => wm.downs() === 1, 'merged');
    expect(wm.statuses.at(-1)!.reason).toBe('process exited with code 127 (command not found)');
    expect(wm.bytes().toString()).toMatch(/xenuart-no-such-command.*not found/); // the shell's message, visible

    const direct = exec({ command: ['xenuart-no-such-command'], restart: 'never', stderr: 'ignore' });
    const wd = watch(direct);
    direct.start();
    await until(() => wd.downs() === 1, 'direct');
    expect(wd.statuses).toEqual([{ up: false, reason: 'spawn xenuart-no-such-command ENOENT' }]);

    const nowhere = exec({ command: ['cat'], cwd: '/nonexistent/xenuart', restart: 'never' });
    const wn = watch(nowhere);
    nowhere.start();
    await until(() => wn.downs() === 1, 'bad cwd');
    expect(wn.statuses).toEqual([{ up: false, reason: 'working directory /nonexistent/xenuart does not exist' }]);
  });

  it('close() ends the child and its process group', async () => {
    const src = exec({ command: 'sleep 30 & echo "$!"; wait' });
    const w = watch(src);
    src.start();
    await until(() => w.bytes().toString().endsWith('\n'), 'pid of the background sleep');
    const shell = src.pid!;
    const sleeper = Number(w.bytes().toString().trim());
    expect(running(shell) && running(sleeper)).toBe(true);
    await src.close();
    expect(alive(shell)).toBe(false); // gone and reaped (a zombie would still answer kill 0)
    await until(() => !running(sleeper), 'the grandchild killed', 1000);
    expect(w.statuses.at(-1)).toEqual({ up: false, reason: 'closed' });
  });

  it('the exit counts even if a background child keeps stdout open; the leftover is killed', async () => {
    const src = exec({ command: 'sleep 30 & echo "$!"; exit 3', restart: 'never' });
    const w = watch(src);
    src.start();
    await until(() => w.downs() === 1, 'exit', 2000);
    expect(w.statuses.at(-1)).toEqual({ up: false, reason: 'process exited with code 3' });
    const sleeper = Number(w.bytes().toString().trim());
    expect(sleeper).toBeGreaterThan(0);
    await until(() => !running(sleeper), 'the leftover killed', 1000);
  });

  it('close() uses SIGKILL after 2 s when SIGTERM is ignored', async () => {
    const src = exec({ command: "trap '' TERM; echo ready; while :; do sleep 0.05; done" });
    const w = watch(src);
    src.start();
    await until(() => w.bytes().toString() === 'ready\n', 'ready');
    const pid = src.pid!;
    const t0 = Date.now();
    await src.close();
    const took = Date.now() - t0;
    expect(alive(pid)).toBe(false);
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(3500);
  });
});
