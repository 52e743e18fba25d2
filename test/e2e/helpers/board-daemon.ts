// A virtual Xen board (scripts/xen-qemu-board) with a real daemon attached to its UART as console
// `xen`, and the REST calls the end-to-end suites make against it.
import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startXenBoard, isXenBoardAvailable, type XenBoard } from './xen-board.js';
import { startDaemon, sleep, type TestDaemon } from '../../helpers/daemon.js';

export interface BoardDaemon {
  board: XenBoard;
  t: TestDaemon;
  dir: string;
  /** A REST call with a bearer token (default: the first token given). */
  api(method: string, p: string, body?: unknown, token?: string): Promise<{ status: number; json: any }>;
  /** The first line from seq `from` on that matches, waiting up to `ms`. */
  waitForLine(re: RegExp, ms: number, from?: number): Promise<{ seq: number; text: string }>;
  stop(): Promise<void>;
}

export interface BoardDaemonOptions {
  gic: 2 | 3;
  dom0Args?: string;
  tokens: Array<{ name: string; token: string; role: 'viewer' | 'operator' | 'admin' }>;
}

/** Boot the board, attach a daemon, and wait for dom0's shell prompt. */
export async function startBoardDaemon(opts: BoardDaemonOptions): Promise<BoardDaemon> {
  if (!isXenBoardAvailable() && process.env.CI) throw new Error('the Xen board is not set up: run scripts/xen-qemu-board setup');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-e2e-'));
  const board = await startXenBoard({ dir, gic: opts.gic, ...(opts.dom0Args ? { dom0Args: opts.dom0Args } : {}) });
  const t = await startDaemon({
    auth: { tokens: opts.tokens },
    consoles: [{ id: 'xen', source: { type: 'unix', path: board.socketPath }, xen: { keysPerMinute: 1000, quietMs: 1000, answerTimeoutMs: 8000 } }],
  });
  const api: BoardDaemon['api'] = async (method, p, body, token = opts.tokens[0].token) => {
    const res = await fetch(t.url + p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await res.json() };
  };
  const waitForLine: BoardDaemon['waitForLine'] = async (re, ms, from = 1) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const lines = (await api('GET', `/api/v1/consoles/xen/lines?from=${from}&limit=100000`)).json.lines as Array<{ seq: number; text: string }>;
      const hit = lines.find((l) => re.test(l.text));
      if (hit) return hit;
      await sleep(250);
    }
    throw new Error(`no line matching ${re} within ${ms} ms`);
  };
  const bd: BoardDaemon = {
    board, t, dir, api, waitForLine,
    async stop() {
      await t.stop();
      await board.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // The boot: Xen, dom0 Linux, the initramfs' /proc/interrupts, the shell prompt.
    await waitForLine(/^\/ # /, 240_000);
  } catch (e) {
    await bd.stop();
    throw e;
  }
  return bd;
}

/**
 * One board for a whole suite: boots it before the suite's tests (then waits `settleMs`) and stops
 * it after them. The returned object reaches the board once it is up.
 */
export function useBoardDaemon(opts: BoardDaemonOptions & { settleMs?: number }): BoardDaemon {
  let b: BoardDaemon | undefined;
  beforeAll(async () => {
    b = await startBoardDaemon(opts);
    if (opts.settleMs) await sleep(opts.settleMs);
  }, 300_000);
  afterAll(async () => {
    await b?.stop();
  });
  const up = (): BoardDaemon => {
    if (!b) throw new Error('the board is not up');
    return b;
  };
  return {
    get board() { return up().board; },
    get t() { return up().t; },
    get dir() { return up().dir; },
    api: (...a) => up().api(...a),
    waitForLine: (...a) => up().waitForLine(...a),
    stop: () => up().stop(),
  };
}
