#!/usr/bin/env node
// Runs the bundled CLI: one file made by `npm run build` (scripts/bundle.mjs).
import { loadBundle } from './load-bundle.js';

const { main } = loadBundle(new URL('../dist/bundle/docker-harden.cjs', import.meta.url));

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`docker-harden: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
