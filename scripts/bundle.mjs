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
// functions' own names: only whitespace and comments are minified (a third
// less text for every start to read and decode), no name and no syntax.
// Two things in esbuild's output cost every start, and the build changes them
// after esbuild, in place (same length, so the source map stays right), each
// checked so that an esbuild writing them otherwise fails the build:
// - esbuild's __toESM / __toCommonJS make a fresh copy of a module's exports
//   (a getter per export) at every import site: 35 of node:path, 12 of yaml,
//   12 of vscode-languageserver-types' ~70 namespaces. Here each module's copy
//   is made once and shared, as esbuild itself did before 0.14 (the banner's
//   __toESMOnce / __toCommonJSOnce).
// - node:child_process and node:crypto are required by modules every run
//   initialises (the runtime adapter, the engine's cycle digest) but used only
//   when a run spawns or hashes; loading them pulls in net, dgram, streams and
//   every crypto submodule. They load on first use (the banner's __lazyR).
//   So does node:os, which only verify, inspect and the bot use (tmpdir,
//   homedir): a plain run's start does not load it (issue 13).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/bundle/docker-harden.cjs');
const EXTERNAL = ['yargs'];
/** Node built-ins loaded on the first read of one of their exports (see the top). */
const LAZY_BUILTINS = ['node:child_process', 'node:crypto', 'node:os'];
/**
 * yaml's Parser.next, which runs once per lexical token of every compose file
 * (and of every compose text verification parses), reads process.env.LOG_TOKENS
 * each time to decide whether to print the token (yaml 2.9.1,
 * dist/parse/parser.js). A read of process.env is a call into Node's C++
 * environment store, a getenv() scan of the whole environment, so it was about
 * a fifth of yaml's parsing (syn2000 compose files, warm: 131-137 ms against
 * 106-119 ms read once) and more with a CI runner's longer environment. The
 * bundle reads it once, at load (the banner's YAML_LOG_TOKENS): nothing here
 * sets it while running, so the parser prints tokens exactly when it did.
 */
const YAML_TOKEN_LOG_READ = 'node_process.env.LOG_TOKENS';
const YAML_TOKEN_LOG_ONCE = '__yamlLogTokens';
/**
 * esbuild's interop helpers as esbuild 0.28 writes them (whitespace minified);
 * the banner has the same code, made once per module. If esbuild changes them,
 * the build stops here: compare, update the banner's copy, then these.
 */
const INTEROP_HELPERS = {
  __toESM:
    'var __toESM=(mod,isNodeMode,target)=>(target=mod!=null?__create(__getProtoOf(mod)):{},__copyProps(isNodeMode||!mod||!mod.__esModule?__defProp(target,"default",{value:mod,enumerable:true}):target,mod));',
  __toCommonJS: 'var __toCommonJS=mod=>__copyProps(__defProp({},"__esModule",{value:true}),mod);',
};
/**
 * The first line names the build by a hash of the bundle's text, so the loader's
 * code cache (bin/load-bundle.js) is keyed by the build without hashing 1 MB at
 * every start. Same length as the hash: the source map stays right.
 */
const BUILD_ID_PLACEHOLDER = '0'.repeat(16);

/**
 * The bundle is written inside its own module wrapper, a function expression
 * that bin/load-bundle.js compiles (with its code cache) and calls: wrapping
 * the text at every start made a second 1 MB string for V8 to flatten (225
 * pages touched, issue 13). `require` of the file still runs it: as a module
 * (exports and module are the wrapper's objects) the expression calls the
 * function with them; as a script it is the expression's value. Line 2 is the
 * banner's, with no mappings, and the end is after the last mapped line: the
 * source map stays right.
 */
const WRAPPER_OPEN =
  "(typeof module === 'object' && module !== null && typeof exports === 'object' ? (f) => f.call(exports, exports, require, module, __filename, __dirname) : (f) => f)(" +
  'function (exports, require, module, __filename, __dirname, __dynamicImport) { ';
const WRAPPER_CLOSE = '\n});\n';

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
  minifyWhitespace: true,
  write: false,
  // cli.ts finds package.json from its own URL; in the bundle that is the bundle's,
  // made when read (--version), not at every start.
  define: { 'import.meta.url': '__bundle.url' },
  banner: {
    js:
      `// build ${BUILD_ID_PLACEHOLDER}\n` +
      "const __bundle = { get url() { return require('node:url').pathToFileURL(__filename).href; } };\n" +
      // Loaded by plain require (no loader parameter): the module's own import().
      "var __dynamicImport = typeof __dynamicImport === 'function' ? __dynamicImport : (specifier) => import(specifier);\n" +
      // esbuild's interop helpers (INTEROP_HELPERS), their result made once per module and shared.
      'var __interopMade = [new WeakMap(), new WeakMap(), new WeakMap()];\n' +
      'var __interopOnce = (kind, make) => (mod, isNodeMode) => {\n' +
      "  if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return make(mod, isNodeMode);\n" +
      '  const made = __interopMade[kind === 0 && isNodeMode ? 1 : kind];\n' +
      '  let copy = made.get(mod);\n' +
      '  if (copy === undefined) made.set(mod, (copy = make(mod, isNodeMode)));\n' +
      '  return copy;\n' +
      '};\n' +
      'var __toESMOnce = __interopOnce(0, (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target, mod)));\n' +
      'var __toCommonJSOnce = __interopOnce(2, (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod));\n' +
      // A built-in loaded when one of its exports is first read (LAZY_BUILTINS); as long as `require`.
      'var __lazyR = (id) => {\n' +
      '  let mod;\n' +
      '  const load = () => (mod ??= require(id));\n' +
      '  return new Proxy({}, {\n' +
      '    get: (_, key) => load()[key],\n' +
      '    has: (_, key) => key in load(),\n' +
      '    ownKeys: () => Reflect.ownKeys(load()),\n' +
      '    getOwnPropertyDescriptor: (_, key) => { const d = Reflect.getOwnPropertyDescriptor(load(), key); if (d) d.configurable = true; return d; },\n' +
      '  });\n' +
      '};\n' +
      // yaml's token log switch, read once (YAML_TOKEN_LOG_READ).
      `var ${YAML_TOKEN_LOG_ONCE} = process.env.LOG_TOKENS;`,
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
    // In place and of the same length: the source map's columns stay right.
    const sameLength = (from, to) => {
      if (to.length > from.length) throw new Error(`bundle: ${to} is longer than ${from}`);
      return to.padEnd(from.length, ' ');
    };
    for (const [helper, definition] of Object.entries(INTEROP_HELPERS)) {
      const found = text.split(definition).length - 1;
      if (found !== 1) problems.push(`expected esbuild's ${helper} written as INTEROP_HELPERS has it, found it ${found} times: compare and update the banner's copy`);
      text = text.replace(definition, sameLength(definition, `var ${helper}=${helper}Once;`));
    }
    for (const id of LAZY_BUILTINS) {
      const call = `require(${JSON.stringify(id)})`;
      // Only `name=require(...)`: an interop copy would read every export at once.
      const plain = text.split(`=${call}`).length - 1;
      const all = text.split(call).length - 1;
      if (plain === 0 || plain !== all) problems.push(`expected ${call} only as name=${call}, found ${plain} of ${all}`);
      text = text.replaceAll(`=${call}`, `=${sameLength(call, `__lazyR(${JSON.stringify(id)})`)}`);
    }
    {
      const found = text.split(YAML_TOKEN_LOG_READ).length - 1;
      if (found !== 1) problems.push(`expected yaml's parser to read ${YAML_TOKEN_LOG_READ} once in the bundle, found it ${found} times: check yaml's dist/parse/parser.js`);
      text = text.replace(YAML_TOKEN_LOG_READ, sameLength(YAML_TOKEN_LOG_READ, YAML_TOKEN_LOG_ONCE));
    }
    if (!text.startsWith(`// build ${BUILD_ID_PLACEHOLDER}\n`)) problems.push('the bundle does not start with its build line');
    // bin/load-bundle.js reads an ASCII bundle as latin1, without decoding UTF-8 (esbuild's default charset escapes the rest).
    if (/[^\x00-\x7f]/.test(text)) problems.push('the bundle is not ASCII: bin/load-bundle.js would decode it as UTF-8 at every start');
    // The module wrapper, written into the file (see WRAPPER_OPEN).
    const bodyStart = text.indexOf('\n') + 1;
    const mapComment = text.lastIndexOf('//# sourceMappingURL=');
    if (mapComment < bodyStart || !text.startsWith('const __bundle =', bodyStart)) problems.push('the bundle does not end with its source map comment or its banner moved: cannot write its wrapper');
    else text = text.slice(0, bodyStart) + WRAPPER_OPEN + text.slice(bodyStart, mapComment) + WRAPPER_CLOSE + text.slice(mapComment);
    const id = createHash('sha1').update(text).digest('hex').slice(0, BUILD_ID_PLACEHOLDER.length);
    text = text.replace(BUILD_ID_PLACEHOLDER, id);
  }
  writeFileSync(file.path, text);
}
for (const p of problems) console.error(`bundle: ${p}`);
if (problems.length > 0) process.exit(1);
