// Start a real daemon in-process on a free loopback port with a temp storage dir.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { validateConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/server/daemon.js';
import type { StreamMessage } from '../../src/protocol/messages.js';
import { FIXTURES_DIR } from './fixtures.js';

export interface TestDaemon {
  d: Daemon;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startDaemon(cfg: Record<string, unknown>): Promise<TestDaemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-d-'));
  const raw = { server: { port: 0, ...(cfg.server as object) }, storage: { dir: path.join(dir, 'data'), ...(cfg.storage as object) }, ...cfg } as Record<string, unknown>;
  raw.server = { port: 0, ...(cfg.server as object) };
  raw.storage = { dir: path.join(dir, 'data'), ...(cfg.storage as object) };
  const config = validateConfig(raw);
  const d = new Daemon(config, pino({ level: process.env.XENUART_TEST_LOG ?? 'silent' }), FIXTURES_DIR);
  const { url } = await d.start();
  return {
    d, url, dir,
    async stop() {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A WebSocket client that collects every message (batches unpacked). */
export class WsCollector {
  readonly ws: WebSocket;
  readonly messages: StreamMessage[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | undefined;
  readonly opened: Promise<void>;

  constructor(url: string, opts: { headers?: Record<string, string> } = {}) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws'), { headers: opts.headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as StreamMessage | { type: 'batch'; messages: StreamMessage[] };
      if (m.type === 'batch') this.messages.push(...(m as { messages: StreamMessage[] }).messages);
      else this.messages.push(m as StreamMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w();
    });
  }

  lines() {
    return this.messages.filter((m): m is Extract<StreamMessage, { type: 'line' }> => m.type === 'line');
  }

  /** Wait until pred holds over the messages (checked after each message). */
  async until(pred: (c: WsCollector) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred(this)) {
      if (this.closed && !pred(this)) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before ${what}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; have ${this.messages.length} messages`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A daemon on a storage directory that outlives it, to stop and start again on the same history
 * (restart tests). `cfg` as for startDaemon; `remove()` deletes the directory.
 */
export function restartableDaemon(cfg: Record<string, unknown>): { start(): Promise<string>; stop(): Promise<void>; remove(): Promise<void> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xenuart-r-'));
  const config = validateConfig({ ...cfg, server: { port: 0, ...(cfg.server as object) }, storage: { dir: path.join(dir, 'data'), ...(cfg.storage as object) } });
  let d: Daemon | undefined;
  return {
    async start() {
      if (d) throw new Error('already running');
      d = new Daemon(config, pino({ level: process.env.XENUART_TEST_LOG ?? 'silent' }), FIXTURES_DIR);
      return (await d.start()).url;
    },
    async stop() {
      await d?.stop();
      d = undefined;
    },
    async remove() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
