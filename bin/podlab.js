#!/usr/bin/env node
// Entry point for `podlab` / `npx podlab`. The CLI is TypeScript; loading it through tsx
// costs 1–2 s per start (hundreds of files transpiled), more than a small scenario's run.
// So this runs the esbuild bundle of the CLI (engine/runtime/linux/podlab-bundle.ts, built at
// install time by the postinstall script, or here on the first start after an edit) when
// one exists for the current sources: the hash of every engine source is checked on every
// start, so a stale bundle never runs and the sources stay the only truth. Where no bundle
// can be built (a read-only checkout), or with PODLAB_TSX=1, it runs the sources through tsx.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sourceHash } from './source-hash.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The bundle's main module for the current sources, built if missing; undefined when it cannot be. */
async function bundledMain() {
  if (process.env.PODLAB_TSX === '1') return undefined;
  const main = join(REPO, 'node_modules', '.cache', 'podlab', `node-${sourceHash(REPO)}`, 'main.js');
  if (existsSync(main)) return main;
  const { register } = await import('tsx/esm/api');
  register();
  const { nodePodlabArgv } = await import('../engine/runtime/linux/podlab-bundle.ts');
  await nodePodlabArgv();
  return existsSync(main) ? main : undefined;
}

const bundle = await bundledMain();
let main;
if (bundle) ({ main } = await import(pathToFileURL(bundle).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../engine/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
