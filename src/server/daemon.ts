// The daemon: builds one ConsoleRuntime and hub per configured console and the HTTP server.
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import { ConsoleRuntime } from '../core/console.js';
import { ConsoleHub } from '../hub/hub.js';
import { createSource } from '../uart/index.js';
import path from 'node:path';
import { buildApp } from './app.js';
import { DemoBoardSource } from '../demo/board.js';
import { ConsoleControl } from '../control/control.js';
import { SilenceWatch } from '../diagnose/watch.js';
import { runInterruptDiagnosis } from '../diagnose/run.js';

export class Daemon {
  readonly config: Config;
  readonly consoles = new Map<string, ConsoleRuntime>();
  readonly hubs = new Map<string, ConsoleHub>();
  readonly controls = new Map<string, ConsoleControl>();
  private readonly watches: SilenceWatch[] = [];
  readonly log: Logger;
  readonly baseDir: string;
  app!: FastifyInstance;
  readonly startedAt = Date.now();

  constructor(config: Config, log: Logger, baseDir: string) {
    this.config = config;
    this.log = log;
    this.baseDir = baseDir;
    for (const c of config.consoles) {
      const logger = log.child({ console: c.id });
      const source = c.source.type === 'replay' && c.source.answers?.length
        ? new DemoBoardSource({ ...c.source, file: path.resolve(baseDir, c.source.file) }, { logger, baseDir, conswitch: c.xen.conswitch })
        : createSource(c.source, { baseDir, logger });
      const rt = new ConsoleRuntime(c, config, source, log, baseDir);
      this.consoles.set(c.id, rt);
      this.hubs.set(c.id, new ConsoleHub(rt, config.server));
      const control = new ConsoleControl(rt, c.xen);
      this.controls.set(c.id, control);
      if (c.diagnose.watchSeconds > 0) {
        this.watches.push(new SilenceWatch(rt, c.diagnose, () => {
          runInterruptDiagnosis(control, { name: 'xenuart-watch', role: 'operator' }, { seconds: 5, proc: false }).catch(
            (e: Error) => logger.warn({ err: e.message }, 'automatic diagnosis failed'),
          );
        }));
      }
    }
  }

  /** Start the sources and listen. Returns the address actually bound (port 0 picks one). */
  async start(): Promise<{ host: string; port: number; url: string }> {
    this.app = await buildApp(this);
    for (const rt of this.consoles.values()) rt.start();
    const { host, port } = this.config.server;
    await this.app.listen({ host, port });
    const addr = this.app.server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    const scheme = this.config.server.tls ? 'https' : 'http';
    const shown = host.includes(':') ? `[${host}]` : host;
    return { host, port: bound, url: `${scheme}://${shown}:${bound}` };
  }

  async stop(): Promise<void> {
    for (const w of this.watches) w.close();
    for (const h of this.hubs.values()) h.close();
    if (this.app) await this.app.close();
    await Promise.all([...this.consoles.values()].map((c) => c.close()));
  }
}
