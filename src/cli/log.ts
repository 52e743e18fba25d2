// The daemon's logger: pino JSON, or readable lines when stdout is a terminal (log.pretty: auto).
import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';

export function createLogger(cfg: Config['log']): Logger {
  const pretty = cfg.pretty === 'auto' ? Boolean(process.stdout.isTTY) : cfg.pretty;
  if (pretty) {
    return pino({ level: cfg.level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino({ level: cfg.level });
}
