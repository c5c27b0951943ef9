// `npm run build`, after tsc: bundles the CLI (dist/src/cli.js and everything
// it imports, our modules and the dependencies) into one CommonJS file,
// dist/bundle/docker-harden.cjs, which bin/docker-harden.js loads (with a
// code cache: bin/load-bundle.js). A fresh process then reads and compiles one
// file instead of resolving and loading ~100 ES modules one by one
// (package.json lookups, stats, a module job each), which was most of a small
// run's cold start (issue 13).
// yargs stays outside: it is loaded only for command lines the plain parser
// does not take, and it reads its locale files from its own directory. Its
// import() goes through __dynamicImport, which the loader passes in: import()
// in a vm script needs an experimental flag on Node 20.
// The source map chains through tsc's maps, so it points into the .ts sources
// (node --enable-source-maps); without it stack traces still carry the
// functions' own names: nothing is minified.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/bundle/docker-harden.cjs');
const EXTERNAL = ['yargs'];
/**
 * The first line names the build by a hash of the bundle's text, so the loader's
 * code cache (bin/load-bundle.js) is keyed by the build without hashing 1 MB at
 * every start. Same length as the hash: the source map stays right.
 */
const BUILD_ID_PLACEHOLDER = '0'.repeat(16);

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ['dist/src/cli.js'],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: EXTERNAL,
  sourcemap: true,
  write: false,
  // cli.ts finds package.json from its own URL; in the bundle that is the bundle's.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: {
    js:
      `// build ${BUILD_ID_PLACEHOLDER}\n` +
      "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;\n" +
      // Loaded by plain require (no loader parameter): the module's own import().
      "var __dynamicImport = typeof __dynamicImport === 'function' ? __dynamicImport : (specifier) => import(specifier);",
  },
  logLevel: 'silent',
});
const problems = result.warnings.map((w) => `warning: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`);
mkdirSync(path.dirname(OUT), { recursive: true });
for (const file of result.outputFiles) {
  let text = file.text;
  if (file.path === OUT) {
    for (const name of EXTERNAL) {
      const call = `import(${JSON.stringify(name)})`;
      const count = text.split(call).length - 1;
      if (count !== 1) problems.push(`expected one ${call} in the bundle, found ${count}`);
      text = text.replaceAll(call, `__dynamicImport(${JSON.stringify(name)})`);
    }
    if (/\bimport\(/.test(text.replaceAll('import(specifier)', ''))) problems.push('the bundle has an import() that the loader does not route');
    if (!text.startsWith(`// build ${BUILD_ID_PLACEHOLDER}\n`)) problems.push('the bundle does not start with its build line');
    const id = createHash('sha1').update(text).digest('hex').slice(0, BUILD_ID_PLACEHOLDER.length);
    text = text.replace(BUILD_ID_PLACEHOLDER, id);
  }
  writeFileSync(file.path, text);
}
for (const p of problems) console.error(`bundle: ${p}`);
if (problems.length > 0) process.exit(1);
