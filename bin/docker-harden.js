#!/usr/bin/env node
// Runs the bundled CLI: one file made by `npm run build` (scripts/bundle.mjs).
// CommonJS (bin/package.json): an ES module entry would start Node's ES module
// loader, and its view of node:fs reads every lazy export (fs.promises, the
// stream classes), loading modules a run may never need (issue 13).
'use strict';
const path = require('node:path');
const { loadBundle } = require('./load-bundle.js');

const { main } = loadBundle(path.join(__dirname, '..', 'dist', 'bundle', 'docker-harden.cjs'));

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`docker-harden: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
