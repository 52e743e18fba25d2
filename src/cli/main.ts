// The `xenuart` command: serve, consoles, tail, search, events, boots, decode, key, lease, break, attach, diagnose.
import { Command } from 'commander';
import { wholeArg } from './args.js';
import { loadConfig, ConfigError } from '../config/load.js';
import { createLogger } from './log.js';
import { ApiError, apiGet, openStream, type ClientOptions } from './client.js';
import type { StreamMessage } from '../protocol/messages.js';
import type { ConsoleEvent } from '../protocol/events.js';
import { registerControl } from './control.js';
import { registerDiagnose } from './diagnose.js';
import { describeEvent } from './summary.js';
import { registerHistory } from './history.js';

const DEFAULT_URL = 'http://127.0.0.1:7070';

const intArg = wholeArg(0);

function clientOpts(o: { url?: string }): ClientOptions {
  return { url: o.url ?? process.env.XENUART_URL ?? DEFAULT_URL, token: process.env.XENUART_TOKEN || undefined };
}

function fail(e: unknown): never {
  if (e instanceof ConfigError || e instanceof ApiError) console.error(`xenuart: ${e.message}`);
  else console.error(`xenuart: ${(e as Error)?.stack ?? e}`);
  process.exit(e instanceof ApiError && e.status === 0 ? 3 : 1);
}

export async function main(argv: string[]): Promise<void> {
  // `xenuart tail demo --follow | head`: the reader went away. Stop quietly, as cat and grep do.
  for (const out of [process.stdout, process.stderr]) {
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  const program = new Command();
  program.name('xenuart').description('Serial console debug server for Xen on ARM').showHelpAfterError();

  program
    .command('serve')
    .description('run the daemon')
    .option('-c, --config <file>', 'configuration file (default: the built-in demo config)')
    .option('--port <port>', 'override server.port', intArg)
    .option('--host <host>', 'override server.host')
    .action(async (o: { config?: string; port?: number; host?: string }) => {
      try {
        const { config, baseDir, file } = loadConfig(o.config);
        if (o.port !== undefined) config.server.port = o.port;
        if (o.host !== undefined) config.server.host = o.host;
        const log = createLogger(config.log);
        const { Daemon } = await import('../server/daemon.js');
        const d = new Daemon(config, log, baseDir);
        const addr = await d.start();
        log.info({ config: file, consoles: [...d.consoles.keys()] }, `xenuart listening on ${addr.url}`);
        let stopping = false;
        const stop = async (sig: string) => {
          if (stopping) return;
          stopping = true;
          log.info(`${sig}: stopping`);
          await d.stop().catch((e) => log.error({ err: e }, 'stop failed'));
          process.exit(0);
        };
        process.on('SIGINT', () => void stop('SIGINT'));
        process.on('SIGTERM', () => void stop('SIGTERM'));
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('consoles')
    .description('list the consoles of a running daemon')
    .option('--url <url>', `daemon URL (default $XENUART_URL or ${DEFAULT_URL})`)
    .option('--json', 'print JSON')
    .action(async (o: { url?: string; json?: boolean }) => {
      try {
        const r = await apiGet<{ consoles: Array<{ id: string; status: string; reason: string; source: { describe: string }; nextSeq: number; focus: string; counters: { bytesIn: number; clients: number } }> }>(clientOpts(o), '/api/v1/consoles');
        if (o.json) { console.log(JSON.stringify(r.consoles, null, 2)); return; }
        for (const c of r.consoles) {
          console.log(`${c.id.padEnd(12)} ${c.status.padEnd(5)} ${c.source.describe}  lines=${c.nextSeq - 1} bytes=${c.counters.bytesIn} clients=${c.counters.clients} focus=${c.focus}${c.status === 'down' ? `  (${c.reason})` : ''}`);
        }
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('tail')
    .description('print a console: the last lines, or from a seq, and optionally follow it live')
    .argument('<console>', 'console id')
    .option('--url <url>', `daemon URL (default $XENUART_URL or ${DEFAULT_URL})`)
    .option('--from <seq>', 'start at this seq', intArg)
    .option('-n, --lines <n>', 'without --from: how many recent lines to show', intArg, 20)
    .option('-f, --follow', 'keep printing new lines')
    .option('--json', 'print protocol messages as JSON lines')
    .option('--events', 'also print decoded events (one line each)')
    .action(async (id: string, o: { url?: string; from?: number; lines: number; follow?: boolean; json?: boolean; events?: boolean }) => {
      const opts = clientOpts(o);
      try {
        let from = o.from;
        if (from === undefined) {
          const info = await apiGet<{ nextSeq: number }>(opts, `/api/v1/consoles/${encodeURIComponent(id)}`);
          from = Math.max(1, info.nextSeq - o.lines);
        }
        const print = (m: StreamMessage) => {
          if (o.json) { process.stdout.write(JSON.stringify(m) + '\n'); return; }
          if (m.type === 'line') process.stdout.write(m.text + (m.partial ? '' : '\n'));
          else if (m.type === 'status') process.stderr.write(`-- ${id} ${m.up ? 'up' : 'down'}: ${m.reason}\n`);
          else if (m.type === 'gap') process.stderr.write(`-- gap: lines ${m.from}..${m.to} not received (${m.reason})\n`);
          else if (m.type === 'event' && o.events) process.stderr.write(`-- event ${m.kind} [${m.firstSeq}..${m.lastSeq}]${m.partial ? ' partial' : ''}: ${describeEvent(m as unknown as ConsoleEvent)}\n`);
          else if (m.type === 'error') process.stderr.write(`-- error: ${m.message}\n`);
        };
        await new Promise<void>((resolve, reject) => {
          const ws = openStream(opts, id, from, (m) => {
            print(m);
            if (m.type === 'live' && !o.follow) ws.close();
          });
          ws.on('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c));
            res.on('end', () => {
              let msg = `${res.statusCode}`;
              try { msg = (JSON.parse(body) as { message: string }).message; } catch { /* keep status */ }
              reject(new ApiError(res.statusCode ?? 0, msg));
            });
          });
          ws.on('error', (e) => reject(new ApiError(0, `cannot reach the daemon at ${opts.url}: ${e.message}`)));
          ws.on('close', (code, reason) => {
            if (code !== 1000 && code !== 1005 && o.follow) process.stderr.write(`-- stream closed: ${code} ${reason.toString()}\n`);
            resolve();
          });
        });
      } catch (e) {
        fail(e);
      }
    });

  registerControl(program, clientOpts, fail, `daemon URL (default $XENUART_URL or ${DEFAULT_URL})`);
  registerDiagnose(program, clientOpts, fail, `daemon URL (default $XENUART_URL or ${DEFAULT_URL})`);
  registerHistory(program, clientOpts, fail, `daemon URL (default $XENUART_URL or ${DEFAULT_URL})`);

  program
    .command('decode')
    .description('decode a saved console log (offline): events as a summary, or JSON Lines with --json')
    .argument('<file>', "log file, or '-' for standard input")
    .option('--json', 'one JSON event per line')
    .action(async (file: string, o: { json?: boolean }) => {
      try {
        const { decodeStream, jsonLines, openLog } = await import('./decode.js');
        const name = file === '-' ? 'stdin' : file;
        // `xenuart decode --json big.log | head`: a closed pipe ends the command quietly.
        process.stdout.once('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else fail(e); });
        if (o.json) {
          const out = jsonLines(process.stdout);
          await decodeStream(openLog(file), name, (e) => out.write(e));
          await out.end();
        } else {
          const { summarise } = await import('./summary.js');
          const events: ConsoleEvent[] = [];
          await decodeStream(openLog(file), name, (e) => { events.push(e); });
          process.stdout.write(summarise(events));
        }
      } catch (e) {
        fail(e);
      }
    });

  await program.parseAsync(argv);
}
