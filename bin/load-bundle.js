// Loads the bundled CLI with a V8 code cache, which Node 20 has no switch for
// (module.enableCompileCache came in Node 22). Compiling the bundle and the
// functions a run calls is a large part of a small run's cold start; with the
// cache V8 takes the compiled code instead. The cache is written once, after
// the first run of a build, to the user's own cache directory (never a shared
// /tmp, where another user could plant code), named by the Node version and
// the bundle's build id (a hash of its text, on its first line: see
// scripts/bundle.mjs): V8 refuses a cache made by another V8, but of the source
// it checks only the length (and npm gives every packed file one date), so the
// name must tell builds apart. A refused cache is compiled as usual.
// Plain `require` instead: NODE_DISABLE_COMPILE_CACHE set (as in Node 22), or
// source maps on (node --enable-source-maps: vm scripts get none).
// import() in a vm script needs an experimental flag on Node 20, so the bundle
// imports yargs through __dynamicImport, passed in here (scripts/bundle.mjs).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : os.homedir() ? path.join(os.homedir(), '.cache') : '';
  return base ? path.join(base, 'docker-harden', 'compile-cache') : '';
}

/** The bundle's exports; `url` is its file URL. */
export function loadBundle(url) {
  const file = fileURLToPath(url);
  const require = createRequire(url);
  const dir = cacheDir();
  if (process.env.NODE_DISABLE_COMPILE_CACHE || process.sourceMapsEnabled || !dir) return require(file);

  let cacheFile;
  let source;
  let cached;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return require(file);
  }
  // A bundle without its build line (edited by hand) is hashed here.
  // (node:crypto only then: loading it costs a start several milliseconds.)
  const id = /^\/\/ build ([0-9a-f]{16})\n/.exec(source)?.[1] ?? require('node:crypto').createHash('sha1').update(source).digest('hex').slice(0, 16);
  cacheFile = path.join(dir, `${process.version}-${process.arch}-${id}.bin`);
  try {
    cached = readFileSync(cacheFile);
  } catch {
    // first run of this build: compiled from source, cache written at exit
  }
  // Module.wrap's wrapper, and the import() for the bundle's externals.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __dynamicImport) { ${source}\n});`;
  const script = new vm.Script(wrapped, { filename: file, cachedData: cached });
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, path.dirname(file), (specifier) => import(specifier));
  module.loaded = true;
  if (!cached || script.cachedDataRejected) {
    // At exit the cache also holds the functions this run compiled, not only the top level.
    process.once('exit', () => {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cacheFile);
      } catch {
        // no cache then: the next run compiles again
      }
    });
  }
  return module.exports;
}
