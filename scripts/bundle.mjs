// `npm run build`, after tsc: bundles the CLI (dist/src/cli.js and everything
// it imports, our modules and the dependencies) into one CommonJS file,
// dist/bundle/docker-harden.cjs, which bin/docker-harden.js loads. A fresh process
// then reads and compiles one file instead of resolving and loading ~100 ES
// modules one by one (package.json lookups, stats, a module job each), which
// was most of a small run's cold start (issue 13).
// yargs stays outside: it is loaded only for command lines the plain parser
// does not take, and it reads its locale files from its own directory.
// The source map chains through tsc's maps, so it points into the .ts sources
// (node --enable-source-maps); without it stack traces still carry the
// functions' own names: nothing is minified.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ['dist/src/cli.js'],
  outfile: 'dist/bundle/docker-harden.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['yargs'],
  sourcemap: true,
  // cli.ts finds package.json from its own URL; in the bundle that is the bundle's.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'silent',
});
for (const w of result.warnings) console.error(`bundle: warning: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`);
if (result.warnings.length > 0) process.exit(1);
