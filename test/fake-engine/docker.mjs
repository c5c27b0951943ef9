#!/usr/bin/env node
// The fake engine (engine.mjs) as a binary on PATH: `docker` with the compose
// plugin, or `docker-compose` (v1) through a symlink of that name.
import { runFake } from './engine.mjs';

const r = runFake(process.argv[1], process.argv.slice(2), process.env);
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
process.exitCode = r.code;
