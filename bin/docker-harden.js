#!/usr/bin/env node
// Runs the bundled CLI (one file, made by `npm run build`: see scripts/bundle.mjs).
import { createRequire } from 'node:module';

const { main } = createRequire(import.meta.url)('../dist/bundle/docker-harden.cjs');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`docker-harden: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
