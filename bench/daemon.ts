// Start `xenuart serve` as a child process for a benchmark, with the V8 flag the `xenuart` command
// and `npm start` use (bin/xenuart.js).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export async function startDaemon(dir: string, config: Record<string, unknown>): Promise<{ proc: ChildProcess; url: string }> {
  const file = path.join(dir, 'bench.yaml');
  writeFileSync(file, YAML.stringify({ log: { pretty: false, level: 'info' }, server: { port: 0 }, storage: { dir: path.join(dir, 'data') }, ...config }));
  // info level only for the start line; everything else is quiet.
  const proc = spawn(process.execPath, ['--max-semi-space-size=32', path.resolve('bin/xenuart.js'), 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c));
  proc.stderr!.on('data', (c: Buffer) => (out += c));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /listening at (http\S+?)"/i.exec(out) ?? /xenuart listening on (http\S+?)"/.exec(out);
      if (m) { clearInterval(t); resolve(m[1]); }
    }, 20);
    proc.once('exit', (c) => { clearInterval(t); reject(new Error(`daemon exited ${c}: ${out}`)); });
  });
  return { proc, url };
}
