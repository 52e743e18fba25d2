// Run the real `xenuart serve` as a child process (for kill -9 and CLI tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(REPO, 'bin/xenuart.js');

export interface ChildDaemon {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

export async function spawnDaemon(dir: string, config: Record<string, unknown>, name = 'config.yaml'): Promise<ChildDaemon> {
  const file = path.join(dir, name);
  writeFileSync(file, YAML.stringify({ log: { pretty: false, level: 'info' }, server: { port: 0 }, ...config }));
  const proc = spawn(process.execPath, [BIN, 'serve', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /xenuart listening on (http\S+?)"/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`daemon exited with ${code}:\n${out}`)); });
  });
  return { proc, url, output: () => out };
}
