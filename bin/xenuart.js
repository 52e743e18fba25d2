#!/usr/bin/env -S node --max-semi-space-size=32
// The daemon allocates many short-lived objects per console line (framing, decoding, messages):
// a 32 MiB young generation (V8's default is 16) lets them die young and cut ingest CPU by about a
// fifth. `npm start` runs this file as it is; the benchmarks pass the same flag to node.
// Entry point of the `xenuart` command. The sources are TypeScript and run through tsx's
// loader, so a fresh clone needs no build step: `npm install && npx xenuart ...`.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
