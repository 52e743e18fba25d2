#!/usr/bin/env node
// Entry point of the `xenuart` command. The sources are TypeScript and run through tsx's
// loader, so a fresh clone needs no build step: `npm install && npx xenuart ...`.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
