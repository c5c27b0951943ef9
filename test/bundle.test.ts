// bin/docker-harden.js runs the bundle (dist/bundle/docker-harden.cjs) through
// bin/load-bundle.js: with a V8 code cache it writes on the first run and reads
// on later ones, or by plain require (NODE_DISABLE_COMPILE_CACHE, source maps
// on). Every way gives the same output, and yargs (outside the bundle, imported
// only for command lines the plain parser does not take) loads in each.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { REPO, tempDir } from './helpers.js';
import { BOUND_HEAP_FROM_FILES } from '../src/heap.js';

const BIN = path.join(REPO, 'bin/docker-harden.js');
const BUNDLE = path.join(REPO, 'dist/bundle/docker-harden.cjs');

function run(args: string[], cwd: string, env: Record<string, string>, nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error('run `npm run build` first (npm test does)');
});

describe('the bundled CLI', () => {
  it('holds the whole CLI but yargs, and imports yargs through the loader', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    expect(text).toMatch(/__dynamicImport\("yargs"\)/);
    expect(text).not.toMatch(/\brequire\("(dockerfile-ast|yaml|diff|ignore|picocolors)"\)/);
    expect(text).not.toMatch(/\brequire\("yargs"\)/);
  });

  it('maps its functions to their TypeScript lines (the build edits it in place after esbuild)', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    const map = new SourceMap(JSON.parse(readFileSync(`${BUNDLE}.map`, 'utf8')));
    // Functions early, in the middle and at the end of the bundle, after every in-place edit.
    for (const [name, file] of [['discover', 'src/discover.ts'], ['stateDigest', 'src/engine.ts'], ['plainArgs', 'src/cli.ts'], ['selectTransforms', 'src/cli.ts']]) {
      const at = text.lastIndexOf(`function ${name}(`);
      expect(at, name).toBeGreaterThan(0);
      const before = text.slice(0, at);
      const entry = map.findEntry(before.split('\n').length - 1, at - before.lastIndexOf('\n') - 1) as { originalSource: string; originalLine: number };
      const source = path.resolve(path.dirname(BUNDLE), entry.originalSource);
      expect(path.relative(REPO, source)).toBe(file);
      expect(readFileSync(source, 'utf8').split('\n')[entry.originalLine]).toContain(`function ${name}(`);
    }
  });

  it('loads node:child_process, node:crypto and node:os only when a run uses them, and node:v8 (with node:stream) not to set a V8 flag', () => {
    const loaded = (run: string) => {
      const script =
        `const { main } = require(${JSON.stringify(BUNDLE)});` +
        `const report = () => console.log(JSON.stringify(['child_process', 'crypto', 'os', 'v8', 'stream'].filter((m) => process.moduleLoadList.includes('NativeModule ' + m))));` +
        `${run}.then(report);`;
      // A file, not -e: node -e loads crypto itself (for its global).
      const file = path.join(tempDir('dh-bundle-lazy-'), 'run.cjs');
      writeFileSync(file, script);
      return spawnSync(process.execPath, [file], { cwd: REPO, encoding: 'utf8' }).stdout.trim();
    };
    expect(loaded('Promise.resolve()')).toBe('[]');
    // A dry run that applies fixes over several passes needs none (the engine's cycle digest is its own hash; only
    // verify, inspect and the bot make temporary folders or find the home folder). It sets V8's interrupt budget
    // (src/tier-up.ts) through the binding node:v8 wraps, without loading node:v8 and the streams it loads
    // (src/v8-flags.ts); the flag is set (Internal Binding v8 is in the list).
    const quiet = '{ stdout() {}, stderr() {}, isTTY: false, cwd: process.cwd() }';
    expect(loaded(`main(['--dry-run', 'examples'], ${quiet})`)).toBe('[]');
    // (Written with fs.writeSync: console.log to a pipe would load node:stream before the report.)
    const bindingLoaded = `require('node:fs').writeSync(1, process.moduleLoadList.includes('Internal Binding v8') + '\\n')`;
    expect(loaded(`main(['--dry-run', 'examples'], ${quiet}).then(() => ${bindingLoaded})`)).toBe('true\n[]');
    // --version reads package.json next to the bundle: its URL is made then, and the run still loads none of them.
    expect(loaded(`main(['--version'], { stdout: (s) => require('node:fs').writeSync(1, s), stderr() {}, isTTY: false, cwd: process.cwd() })`)).toBe(`${JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version}\n[]`);
  });

  it('writes a dry run to pipes, files and /dev/null without process.stdout or process.stderr (no net, tty or SyncWriteStream), the same bytes either way', () => {
    const dir = tempDir('dh-bundle-stdio-');
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    // The CLI as bin/docker-harden.js runs it, reporting at exit which of the modules behind
    // process.stdout and process.stderr (a pipe's net.Socket, a file's SyncWriteStream, a TTY's) the run loaded.
    const script = path.join(dir, 'run.cjs');
    const loadedFile = path.join(dir, 'loaded.json');
    writeFileSync(
      script,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loadedFile)}, JSON.stringify(process.moduleLoadList.filter((m) => ['net', 'tty', 'internal/fs/sync_write_stream'].includes(m.replace('NativeModule ', ''))))));` +
        `require(${JSON.stringify(BIN)});`,
    );
    const args = [script, '--dry-run', 'examples'];
    const env = { ...process.env, NO_COLOR: '1' };
    const piped = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env });
    expect(piped.status).toBe(1);
    expect(piped.stdout).toContain('diff --git a/examples/');
    expect(piped.stderr).toContain('8 files: 8 would change');
    expect(JSON.parse(readFileSync(loadedFile, 'utf8'))).toEqual([]);
    const out = path.join(dir, 'out.txt');
    const err = path.join(dir, 'err.txt');
    const fds = [openSync(out, 'w'), openSync(err, 'w')] as const;
    try {
      expect(spawnSync(process.execPath, args, { cwd: dir, env, stdio: ['ignore', fds[0], fds[1]] }).status).toBe(1);
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
    expect(JSON.parse(readFileSync(loadedFile, 'utf8'))).toEqual([]);
    expect(readFileSync(out, 'utf8')).toBe(piped.stdout);
    expect(readFileSync(err, 'utf8')).toBe(piped.stderr);
    // /dev/null ('ignore' opens it for the child): a character device, but no terminal.
    expect(spawnSync(process.execPath, args, { cwd: dir, env, stdio: 'ignore' }).status).toBe(1);
    expect(JSON.parse(readFileSync(loadedFile, 'utf8'))).toEqual([]);
  });

  it('--color paints the report and the diff through picocolors, which loads only then', () => {
    const dir = tempDir('dh-bundle-color-');
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    const painted = run(['--dry-run', '--color', 'examples'], dir, { NO_COLOR: '' });
    expect(painted.code).toBe(1);
    expect(painted.stdout).toContain('\x1b[1mdiff --git a/examples/api/Dockerfile b/examples/api/Dockerfile\n\x1b[22m');
    expect(painted.stdout).toContain('\x1b[32m+USER 1000:1000\x1b[39m');
    expect(painted.stderr).toContain('\x1b[4mexamples/api/Dockerfile\x1b[24m');
    // picocolors itself leaves text plain under NO_COLOR, even with --color.
    const plain = run(['--dry-run', '--color', 'examples'], dir, { NO_COLOR: '1' });
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).toBe(run(['--dry-run', 'examples'], dir, { NO_COLOR: '1' }).stdout);
  });

  it("reads yaml's LOG_TOKENS switch once, at load: the parser logs a compose file's tokens exactly when it is set, and the run is the same", () => {
    const text = readFileSync(BUNDLE, 'utf8');
    // The parser's per-token read is replaced (scripts/bundle.mjs, YAML_TOKEN_LOG_READ); the banner reads it once.
    expect(text).not.toContain('node_process.env.LOG_TOKENS');
    expect(text.split('process.env.LOG_TOKENS').length - 1).toBe(1);
    const dir = tempDir('dh-bundle-yaml-log-');
    writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    image: nginx:1.27\n');
    const logged = run(['--dry-run', '.'], dir, { LOG_TOKENS: '1' });
    const quiet = run(['--dry-run', '.'], dir, { LOG_TOKENS: '' });
    const tokenLines = (out: string) => out.split('\n').filter((l) => l.startsWith('| '));
    expect(tokenLines(logged.stdout)).toContain('| "services"');
    expect(tokenLines(quiet.stdout)).toEqual([]);
    expect(quiet.code).toBe(1);
    expect(logged.code).toBe(quiet.code);
    expect(logged.stdout.split('\n').filter((l) => !l.startsWith('| ')).join('\n')).toBe(quiet.stdout);
    expect(logged.stderr).toBe(quiet.stderr);
  });

  it('is ASCII and its own module wrapper: a script whose value is the function, a module that require() runs', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    // bin/load-bundle.js reads it as latin1 when it is ASCII (scripts/bundle.mjs refuses to write it otherwise).
    expect(/[^\x00-\x7f]/.test(text)).toBe(false);
    const asScript = new vm.Script(text, { filename: BUNDLE }).runInThisContext();
    expect(typeof asScript).toBe('function');
    expect(asScript.length).toBe(6);
    const file = path.join(tempDir('dh-bundle-require-'), 'run.cjs');
    writeFileSync(file, `console.log(Object.keys(require(${JSON.stringify(BUNDLE)})).includes('main'))`);
    expect(spawnSync(process.execPath, [file], { cwd: REPO, encoding: 'utf8' }).stdout.trim()).toBe('true');
  });

  it('a bundle that is not ASCII (edited by hand) is decoded as UTF-8, with its code cache and without', () => {
    const dir = tempDir('dh-bundle-utf8-');
    const copy = path.join(dir, 'docker-harden.cjs');
    const text = readFileSync(BUNDLE, 'utf8');
    const end = text.lastIndexOf('\n});\n');
    writeFileSync(copy, `${text.slice(0, end)}\nmodule.exports.probe = 'é\u{1F600}';${text.slice(end)}`);
    const script = path.join(dir, 'run.cjs');
    writeFileSync(script, `console.log(require(${JSON.stringify(path.join(REPO, 'bin/load-bundle.js'))}).loadBundle(${JSON.stringify(copy)}).probe)`);
    const cache = tempDir('dh-bundle-cache-');
    const probe = (env: Record<string, string>) =>
      spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '', ...env } }).stdout.trim();
    expect(probe({})).toBe('é\u{1F600}');
    expect(readdirSync(path.join(cache, 'docker-harden', 'compile-cache'))).toHaveLength(1);
    expect(probe({})).toBe('é\u{1F600}');
    expect(probe({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBe('é\u{1F600}');
  });

  it('starts with its build id, the hash of its text, which names its code cache', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    const id = /^\/\/ build ([0-9a-f]{16})\n/.exec(text)?.[1];
    expect(id).toBeDefined();
    const hashed = createHash('sha1').update(text.replace(id!, '0'.repeat(16))).digest('hex').slice(0, 16);
    expect(id).toBe(hashed);
  });

  for (const args of [['--dry-run', 'examples'], ['--dry-run', '--format', 'json', 'examples'], ['--bogus-flag', 'examples'], ['--help']]) {
    it(`docker-harden ${args.join(' ')}: same output with the code cache written, read, and without it`, () => {
      const dir = tempDir('dh-bundle-');
      cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
      const cache = tempDir('dh-bundle-cache-');
      const env = { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '' };
      const first = run(args, dir, env);
      const written = readdirSync(path.join(cache, 'docker-harden', 'compile-cache'));
      const id = /^\/\/ build ([0-9a-f]{16})\n/.exec(readFileSync(BUNDLE, 'utf8'))?.[1];
      expect(written).toEqual([`${process.version}-${process.arch}-${id}.bin`]);
      const second = run(args, dir, env);
      const plain = run(args, dir, { ...env, NODE_DISABLE_COMPILE_CACHE: '1' });
      const mapped = run(args, dir, env, ['--enable-source-maps']);
      expect(first.code).toBe(args[0] === '--help' ? 0 : args[0] === '--bogus-flag' ? 2 : 1);
      for (const other of [second, plain, mapped]) expect(other).toEqual(first);
      if (args[0] === '--bogus-flag') expect(first.stderr).toMatch(/Unknown arguments?: bogus-flag/);
    });
  }

  it('a cache from another build is refused by V8 and the bundle compiles from source', () => {
    const dir = tempDir('dh-bundle-');
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    const cache = tempDir('dh-bundle-cache-');
    const env = { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '' };
    const first = run(['--dry-run', 'examples'], dir, env);
    const cacheDir = path.join(cache, 'docker-harden', 'compile-cache');
    const [name] = readdirSync(cacheDir);
    // Same name and header, other contents: a cache V8 cannot use.
    const header = readFileSync(path.join(cacheDir, name!)).subarray(0, 8);
    writeFileSync(path.join(cacheDir, name!), Buffer.concat([header, readFileSync(path.join(REPO, 'package.json'))]));
    expect(run(['--dry-run', 'examples'], dir, env)).toEqual(first);
    // The refused cache was replaced by a good one.
    expect(readFileSync(path.join(cacheDir, name!)).length).toBeGreaterThan(100_000);
    // And a file that is not a cache at all.
    cpSync(path.join(REPO, 'package.json'), path.join(cacheDir, name!));
    expect(run(['--dry-run', 'examples'], dir, env)).toEqual(first);
    expect(readFileSync(path.join(cacheDir, name!)).length).toBeGreaterThan(100_000);
  });

  it('a cache written by a run that did not go through the pipeline (--help) is replaced by the first run that did, then kept', () => {
    const dir = tempDir('dh-bundle-');
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    const cache = tempDir('dh-bundle-cache-');
    const env = { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '' };
    const cacheDir = path.join(cache, 'docker-harden', 'compile-cache');
    const cacheFile = () => readFileSync(path.join(cacheDir, readdirSync(cacheDir)[0]!));
    run(['--help'], dir, env);
    const help = cacheFile();
    expect(help.subarray(0, 8).toString('latin1')).toBe('dh-cc1\n\0');
    run(['--help'], dir, env);
    expect(cacheFile().equals(help)).toBe(true);
    run(['--dry-run', 'examples'], dir, env);
    const pipeline = cacheFile();
    expect(pipeline[7]).toBe(1);
    // It holds the functions of the pipeline too.
    expect(pipeline.length).toBeGreaterThan(help.length + 200_000);
    for (const args of [['--help'], ['--dry-run', 'examples']]) run(args, dir, env);
    expect(cacheFile().equals(pipeline)).toBe(true);
  });

  // Every pipeline run raises V8's interrupt budget (src/tier-up.ts); a large one also bounds the heap (src/heap.ts).
  for (const files of [1, BOUND_HEAP_FROM_FILES]) {
    it(`a cache written by a run over ${files} file(s) (V8 flags changed) is taken by the next run`, () => {
      const dir = tempDir('dh-bundle-flags-');
      for (let i = 0; i < files; i++) {
        mkdirSync(path.join(dir, `s${i}`));
        writeFileSync(path.join(dir, `s${i}`, 'Dockerfile'), 'FROM scratch\nCOPY app /app\n');
      }
      const cache = tempDir('dh-bundle-cache-');
      run(['--dry-run', '.'], dir, { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '' });
      const cacheDir = path.join(cache, 'docker-harden', 'compile-cache');
      const [name] = readdirSync(cacheDir);
      // A fresh node, with V8's default flags as every run starts, compiles the bundle with it.
      const check = path.join(dir, 'check.cjs');
      writeFileSync(
        check,
        `const fs = require('node:fs');` +
          `const source = fs.readFileSync(${JSON.stringify(BUNDLE)}, 'latin1');` +
          `const script = new (require('node:vm').Script)(source, { filename: ${JSON.stringify(BUNDLE)}, cachedData: fs.readFileSync(${JSON.stringify(path.join(cacheDir, name!))}).subarray(8) });` +
          `console.log(script.cachedDataRejected);`,
      );
      expect(spawnSync(process.execPath, [check], { encoding: 'utf8' }).stdout.trim()).toBe('false');
    });
  }

  it('writing a cache keeps the newest four of other builds and removes older ones', () => {
    const dir = tempDir('dh-bundle-');
    const cache = tempDir('dh-bundle-cache-');
    const cacheDir = path.join(cache, 'docker-harden', 'compile-cache');
    mkdirSync(cacheDir, { recursive: true });
    const others = [1, 2, 3, 4, 5, 6].map((n) => `v0.0.${n}-x64-${String(n).repeat(16)}.bin`);
    others.forEach((name, i) => {
      writeFileSync(path.join(cacheDir, name), 'old');
      const day = (i + 1) * 86_400;
      utimesSync(path.join(cacheDir, name), day, day);
    });
    run(['--list-transforms'], dir, { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '' });
    const id = /^\/\/ build ([0-9a-f]{16})\n/.exec(readFileSync(BUNDLE, 'utf8'))?.[1];
    expect(readdirSync(cacheDir).sort()).toEqual([...others.slice(2), `${process.version}-${process.arch}-${id}.bin`].sort());
  });

  it('reads the bundle and then its cache into one buffer when it is large enough, the whole of each file', () => {
    const { readWhole } = createRequire(import.meta.url)('../bin/load-bundle.js') as { readWhole: (file: string, reuse?: ArrayBufferLike) => Buffer };
    const dir = tempDir('dh-bundle-read-');
    const file = (name: string, size: number) => {
      const p = path.join(dir, name);
      writeFileSync(p, Buffer.from(Array.from({ length: size }, (_, i) => i % 251)));
      return p;
    };
    const big = readWhole(file('big', 5000));
    expect(big.equals(readFileSync(path.join(dir, 'big')))).toBe(true);
    const small = readWhole(file('small', 3000), big.buffer);
    expect(small.buffer).toBe(big.buffer);
    expect(small.equals(readFileSync(path.join(dir, 'small')))).toBe(true);
    // Larger than the buffer to reuse: a buffer of its own.
    const larger = readWhole(file('larger', 9000), small.buffer);
    expect(larger.buffer).not.toBe(small.buffer);
    expect(larger.equals(readFileSync(path.join(dir, 'larger')))).toBe(true);
    expect(readWhole(file('empty', 0), larger.buffer).length).toBe(0);
  });

  it('reads the bundle into a buffer large enough for its cache, which is read into it after', () => {
    // The cache is larger than the bundle (it holds the compiled functions of a whole run): a buffer made
    // for the bundle alone would be thrown away for the cache, every page of both faulted in (issue 13).
    const { readWhole } = createRequire(import.meta.url)('../bin/load-bundle.js') as {
      readWhole: (file: string, reuse?: ArrayBufferLike, atLeast?: number) => Buffer;
    };
    const dir = tempDir('dh-bundle-read-');
    const file = (name: string, size: number) => {
      const p = path.join(dir, name);
      writeFileSync(p, Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 251)));
      return p;
    };
    const bundle = readWhole(file('bundle', 3000), undefined, 5001);
    expect(bundle.length).toBe(3000);
    expect(bundle.equals(readFileSync(path.join(dir, 'bundle')))).toBe(true);
    const cache = readWhole(file('cache', 5000), bundle.buffer);
    expect(cache.buffer).toBe(bundle.buffer);
    expect(cache.equals(readFileSync(path.join(dir, 'cache')))).toBe(true);
  });

  it('exits through process.exit once its event loop is empty, with its exit code, after work still pending when main returned', () => {
    const dir = tempDir('dh-bundle-exit-');
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    // process.exit ends in process.reallyExit; a process that ends by itself never calls it.
    // The timer stands for work still pending when main returns: it must run before the exit.
    const script = path.join(dir, 'run.cjs');
    const marks = path.join(dir, 'marks.txt');
    writeFileSync(
      script,
      `const { appendFileSync } = require('node:fs');` +
        `const reallyExit = process.reallyExit;` +
        `process.reallyExit = (code) => { appendFileSync(${JSON.stringify(marks)}, 'reallyExit ' + code + '\\n'); reallyExit.call(process, code); };` +
        `setTimeout(() => appendFileSync(${JSON.stringify(marks)}, 'timer\\n'), 300);` +
        `require(${JSON.stringify(BIN)});`,
    );
    const env = { ...process.env, NO_COLOR: '1' };
    const r = spawnSync(process.execPath, [script, '--dry-run', 'examples'], { cwd: dir, encoding: 'utf8', env });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(run(['--dry-run', 'examples'], dir, {}).stdout);
    expect(r.stderr).toContain('8 files: 8 would change');
    expect(readFileSync(marks, 'utf8')).toBe('timer\nreallyExit 1\n');
  });

  it('runs the same when the cache directory cannot be made', () => {
    const dir = tempDir('dh-bundle-');
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    // XDG_CACHE_HOME a file: no directory can be made under it (permissions would not stop root, who runs CI).
    const notDir = path.join(tempDir('dh-bundle-cache-'), 'file');
    writeFileSync(notDir, '');
    const plain = run(['--dry-run', 'examples'], dir, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(run(['--dry-run', 'examples'], dir, { XDG_CACHE_HOME: notDir, NODE_DISABLE_COMPILE_CACHE: '' })).toEqual(plain);
    expect(readFileSync(notDir, 'utf8')).toBe('');
  });
});
