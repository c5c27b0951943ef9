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
// The cache holds what the run that wrote it compiled: one written by
// `--help` lacks the pipeline, which every later run would then compile
// again. So each cache file says whether its run went through the pipeline
// (the bundle's `startup.pipeline`, set by main), and the first run that
// does replaces a cache that did not. Writing prunes the caches of other
// builds beyond the newest few (each build writes its own; two installed
// versions used side by side keep theirs). V8 also refuses a cache made
// under other V8 flags (it holds a hash of them), so the flags a run changed
// (the bundle's `startup.v8FlagDefaults`) go back to their defaults before
// the cache is made.
// Plain `require` instead: NODE_DISABLE_COMPILE_CACHE set (as in Node 22), or
// source maps on (node --enable-source-maps: vm scripts get none).
// import() in a vm script needs an experimental flag on Node 20, so the bundle
// imports yargs through __dynamicImport, passed in here (scripts/bundle.mjs).
'use strict';
const { isAscii } = require('node:buffer');
const { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeSync } = require('node:fs');
const path = require('node:path');
// The CommonJS loader's Module, which every CommonJS module is made by: its
// createRequire is node:module's, but node:module also loads the ES module
// loader and the source map modules, and node:os its own (issue 13).
const { createRequire } = module.constructor;
const vm = require('node:vm');

function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  // os.homedir() is $HOME when that is set.
  const home = process.env.HOME || require('node:os').homedir();
  const base = xdg && path.isAbsolute(xdg) ? xdg : home ? path.join(home, '.cache') : '';
  return base ? path.join(base, 'docker-harden', 'compile-cache') : '';
}

/** A cache file: this header, then V8's data; the header's last byte is 1 if its run went through the pipeline. */
const HEADER = Buffer.from('dh-cc1\n\0', 'latin1');
/** Cache files of other builds (or Node versions) kept when one is written. */
const KEEP_CACHES = 4;

function writeCache(dir, cacheFile, data, pipeline) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const header = Buffer.from(HEADER);
    header[header.length - 1] = pipeline ? 1 : 0;
    writeSync(fd, header);
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, cacheFile);
  const caches = readdirSync(dir)
    .filter((name) => name.endsWith('.bin'))
    .map((name) => {
      const file = path.join(dir, name);
      return { file, mtime: statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0 };
    })
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of caches.slice(KEEP_CACHES + 1)) if (old.file !== cacheFile) unlinkSync(old.file);
}

/**
 * The whole of `file`, read into `reuse` (an ArrayBuffer) when it is large
 * enough, else into a new buffer of at least `atLeast` bytes (so that a later
 * read can reuse it); a file that grows while it is read is read again into a
 * larger one.
 */
function readWhole(file, reuse, atLeast = 0) {
  const fd = openSync(file, 'r');
  try {
    let size = fstatSync(fd).size;
    for (;;) {
      const bytes = reuse && reuse.byteLength > size ? Buffer.from(reuse, 0, size + 1) : Buffer.allocUnsafeSlow(Math.max(size + 1, atLeast)).subarray(0, size + 1);
      let read = 0;
      for (let n; read < bytes.length && (n = readSync(fd, bytes, read, bytes.length - read, read)) > 0; ) read += n;
      // One byte more than its size was asked for: fewer read means the whole file.
      if (read <= size) return bytes.subarray(0, read);
      size = fstatSync(fd).size;
      reuse = undefined;
    }
  } finally {
    closeSync(fd);
  }
}

/** The build id on the bundle's first line (scripts/bundle.mjs), or undefined. */
function buildId(file) {
  const head = Buffer.alloc(32);
  const fd = openSync(file, 'r');
  let n;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return /^\/\/ build ([0-9a-f]{16})\n/.exec(head.latin1Slice(0, n))?.[1];
}

/** The bundle's exports; `file` is its path. */
function loadBundle(file) {
  const require = createRequire(file);
  const dir = cacheDir();
  if (process.env.NODE_DISABLE_COMPILE_CACHE || process.sourceMapsEnabled || !dir) return require(file);

  let source;
  let cached;
  // The bundle's bytes and then the cache's are read into one buffer, made
  // large enough for both (the cache is the larger, and its size is known from
  // the build id on the bundle's first line): the bundle's bytes are garbage
  // once its string is made, and a buffer this size is fresh memory (mmap)
  // whose every page is faulted in (issue 13).
  let buffer;
  let id;
  let cacheFile;
  try {
    id = buildId(file);
    cacheFile = id && path.join(dir, `${process.version}-${process.arch}-${id}.bin`);
    const cacheSize = cacheFile ? statSync(cacheFile, { throwIfNoEntry: false })?.size ?? 0 : 0;
    // The build writes the bundle in ASCII (esbuild escapes the rest): read as
    // latin1, its string is one copy of the bytes, where reading it as UTF-8
    // decoded it through a second buffer (192 more pages touched at every
    // start, issue 13). A bundle that is not ASCII (edited by hand) is decoded.
    const bytes = readWhole(file, undefined, cacheSize + 1);
    buffer = bytes.buffer;
    source = isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
  } catch {
    return require(file);
  }
  // A bundle without its build line (edited by hand) is hashed here.
  // (node:crypto only then: loading it costs a start several milliseconds.)
  if (!cacheFile) {
    id = require('node:crypto').createHash('sha1').update(source).digest('hex').slice(0, 16);
    cacheFile = path.join(dir, `${process.version}-${process.arch}-${id}.bin`);
  }
  let cachedPipeline = false;
  try {
    const data = readWhole(cacheFile, buffer);
    if (data.length > HEADER.length && data.subarray(0, HEADER.length - 1).equals(HEADER.subarray(0, HEADER.length - 1))) {
      cached = data.subarray(HEADER.length);
      cachedPipeline = data[HEADER.length - 1] === 1;
    }
  } catch {
    // first run of this build: compiled from source, cache written at exit
  }
  // The bundle is its own module wrapper (scripts/bundle.mjs): as a script its value is the function.
  const script = new vm.Script(source, { filename: file, cachedData: cached });
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, path.dirname(file), (specifier) => import(specifier));
  module.loaded = true;
  // At exit the cache also holds the functions this run compiled, not only the top level.
  process.once('exit', () => {
    const startup = module.exports.startup;
    const pipeline = startup?.pipeline === true;
    if (cached && !script.cachedDataRejected && (cachedPipeline || !pipeline)) return;
    try {
      // V8 writes a hash of its flags into the cache: flags the run changed go back to
      // their defaults first, or every later run (which compiles with the defaults) refuses it.
      const defaults = typeof startup?.v8FlagDefaults === 'function' ? startup.v8FlagDefaults() : [];
      if (defaults.length > 0) for (const flag of defaults) require('node:v8').setFlagsFromString(flag);
      writeCache(dir, cacheFile, script.createCachedData(), pipeline);
    } catch {
      // no cache then (a read-only or full cache directory): the next run compiles again
    }
  });
  return module.exports;
}

module.exports = { loadBundle, readWhole };
