#!/usr/bin/env node
// Builds the web page (web/ -> web/dist) with Vite. Run by `npm run build:web`, by `npm install`
// (the `prepare` script) and before `npm start` when web/dist is missing or older than its sources
// (web/ and the one daemon module the page imports, src/control/keys.ts).
//   node web/build.mjs            build
//   node web/build.mjs --if-stale build only when web/dist is missing or out of date
// When Vite is not installed (npm install --omit=dev) it says so and exits 0: the daemon then
// answers / with a page that explains how to build it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(web, 'dist', 'index.html');

function newest(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) if (e !== 'dist' && e !== 'node_modules') m = Math.max(m, newest(path.join(p, e)));
  return m;
}

const sources = Math.max(newest(web), statSync(path.join(web, '..', 'src', 'control', 'keys.ts')).mtimeMs);
if (process.argv.includes('--if-stale') && existsSync(dist) && statSync(dist).mtimeMs >= sources) process.exit(0);

let vite;
try {
  vite = await import('vite');
} catch {
  console.warn('xenuart: vite is not installed (dev dependencies omitted?): the web page is not built. Run `npm install` then `npm run build:web`.');
  process.exit(0);
}
await vite.build({ configFile: path.join(web, 'vite.config.ts'), logLevel: process.env.CI ? 'warn' : 'info' });
