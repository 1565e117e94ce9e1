#!/usr/bin/env node
// Entry point for `podlab` / `npx podlab`: runs the TypeScript CLI through tsx's loader,
// so there is no build step between `npm ci` and a working command.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../engine/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
