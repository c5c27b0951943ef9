#!/usr/bin/env node
// Runs the bundled CLI: one file made by `npm run build` (scripts/bundle.mjs).
// CommonJS (bin/package.json): an ES module entry would start Node's ES module
// loader, and its view of node:fs reads every lazy export (fs.promises, the
// stream classes), loading modules a run may never need (issue 13).
'use strict';
const path = require('node:path');
const { loadBundle } = require('./load-bundle.js');

const { main } = loadBundle(path.join(__dirname, '..', 'dist', 'bundle', 'docker-harden.cjs'));

// Once the run is over and nothing is left to do (Node emits 'beforeExit' only
// when its event loop is empty: every write flushed, no child process, timer or
// file left), the process exits there: left to itself, Node would first tear
// down the environment and V8 free its heap space by space (60 munmap calls
// on examples/), all of which the kernel does at once
// in exit_group anyway. The 'exit' event still runs (the code cache is written
// there, bin/load-bundle.js), as do --cpu-prof and NODE_V8_COVERAGE. Measured:
// README, Performance (issue 13).
process.once('beforeExit', () => process.exit());

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`docker-harden: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
