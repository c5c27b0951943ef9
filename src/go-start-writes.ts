// What the Go program an image starts writes inside fixed paths when it runs: paperless-gpt's main.go does
// `promptsDir := "prompts"; os.MkdirAll(promptsDir, …)` and local_db.go `os.MkdirAll("db")` then
// `gorm.Open(sqlite.Open(filepath.Join(dbDir, "modification_history.db")))`, relative to its WORKDIR /app, and exits
// when it cannot (icereed/paperless-gpt #990 and 01cff22 made /app/prompts and /app/db for their user; review row #175).
// The shell readers of start-scripts.ts do not read Go, and the image holds only the binary: this follows the binary
// the image starts back to the builder stage that builds it (`COPY --from=builder /app/paperless-gpt .` and
// `go build -o paperless-gpt .`), reads that package's `package main` files from the repository where the builder's
// COPYs put them, and the packages of the same module they import (bounded: MAX_PACKAGES, MAX_FILES).
// In those files a call whose path is fixed counts (https://pkg.go.dev/os, https://pkg.go.dev/database/sql):
//   os.MkdirAll / os.Mkdir (a folder); os.Create, os.WriteFile, os.OpenFile with O_CREATE (a file);
//   sql.Open("sqlite3" | "sqlite", PATH) and gorm's sqlite.Open(PATH) (a database file, with its journal beside it:
//   https://www.sqlite.org/tempfiles.html, so its folder).
// A path is fixed when it is built only from string literals, names bound once to such a path (`const`, `var`, `:=`),
// filepath.Join / path.Join and `+`. A path from a flag, the environment, a config file or a function's result is not
// followed: the tool says nothing rather than guess. Relative paths are the process's working directory (compose
// `working_dir`, else the runtime stage's WORKDIR).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import type { DfStage } from './parse/dockerfile.js';
import { resolveStageBase, runCommands, stageByRef, workdirs, type StageBase } from './dockerfile-info.js';
import { copyMappings, mountMappings, type ContainerMapping } from './nginx-files.js';
import { ownStartCommandTexts, serviceStartCommandTexts, type StartCommandText, type StartWrite } from './start-scripts.js';
import { shellCommands } from './knowledge/images.js';
import { lineColumn } from './text.js';
import { GO_QUOTES, outsideStrings, topLevelParts } from './source-strings.js';
import { isDirectory as isDir, isFile, sortedDirEntries } from './read.js';
import { RunMemo } from './pass-memo.js';

/** Packages read per binary at most (the main package and those of its module it imports, transitively). */
const MAX_PACKAGES = 12;
/** Go files read per binary at most: a large module stays cheap. */
const MAX_FILES = 120;
const SHELL = /^(\/usr)?(\/bin\/)?(sh|bash|ash|dash)$/;
/** `go build` flags that take a value as the next word (https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies). */
const VALUE_FLAGS = new Set(['-o', '-tags', '-ldflags', '-gcflags', '-asmflags', '-mod', '-modfile', '-p', '-pkgdir', '-buildmode', '-compiler', '-installsuffix', '-overlay', '-pgo', '-toolexec', '-C', '-gccgoflags', '-cover', '-coverpkg', '-covermode']);
/** The calls read, with what their first (or, for sql.Open, second) argument names. */
const CALL = /\b(os\.MkdirAll|os\.Mkdir|os\.Create|os\.WriteFile|os\.OpenFile|sql\.Open|sqlite\.Open)\(/g;

type Start = StartCommandText;

/** What the Go program of service `s` (its compose command or entrypoint, else the image's CMD/ENTRYPOINT) writes. */
export function goStartWrites(project: Project, s: ServiceLink, df: DockerfileSource, base: StageBase): StartWrite[] {
  const starts: Start[] = serviceStartCommandTexts(s, base);
  const wd = () => (typeof s.effective.working_dir === 'string' && s.effective.working_dir.startsWith('/') ? s.effective.working_dir : workdirs(base.chain, base.buildArgs, base.globalArgs).final);
  // A bind mount over the binary's path replaces what the build put there: not the program read here.
  return startBinaryWrites(project, df, base, starts, wd, () => mountMappings(project, s));
}

/** What the Go program of the image's own CMD/ENTRYPOINT writes, in its WORKDIR. */
export function imageGoStartWrites(project: Project, df: DockerfileSource, base: StageBase): StartWrite[] {
  return startBinaryWrites(project, df, base, ownStartCommandTexts(base), () => workdirs(base.chain, base.buildArgs, base.globalArgs).final, () => []);
}

/** The programs a start runs (the first word of each command, `sh -c` texts followed), as written. */
function startPrograms(argv: string[] | undefined, shell: string | undefined, depth = 0): string[] {
  const out: string[] = [];
  for (const words of argv ? [argv] : shellCommands(shell ?? '')) {
    let [cmd, ...rest] = words;
    if (cmd === 'exec' && rest.length) [cmd, ...rest] = rest;
    if (!cmd) continue;
    const c = rest.indexOf('-c');
    if (SHELL.test(cmd) && c >= 0 && rest[c + 1] !== undefined && depth < 3) {
      out.push(...startPrograms(undefined, rest[c + 1], depth + 1));
      continue;
    }
    if (!cmd.includes('$')) out.push(cmd);
  }
  return out;
}

function startBinaryWrites(project: Project, df: DockerfileSource, base: StageBase, starts: Start[], workingDir: () => string, mounts: () => ContainerMapping[]): StartWrite[] {
  const out: StartWrite[] = [];
  const stage = base.chain[base.chain.length - 1];
  if (!stage || !df.parsed) return out;
  for (const start of starts) {
    for (const program of startPrograms(start.argv, start.shell)) {
      // A bare name is looked up in PATH, not in the WORKDIR: only a path names the binary the build put there.
      if (!program.includes('/')) continue;
      const imageWd = workdirs(base.chain, base.buildArgs, base.globalArgs).final;
      const binary = path.posix.resolve(imageWd, program);
      if (mounts().some((m) => binary === m.containerPath || binary.startsWith(m.containerPath.replace(/\/?$/, '/')))) continue;
      const built = builtBinary(project, df, base, binary);
      if (!built) continue;
      const wd = workingDir();
      for (const w of programWrites(built.files)) {
        const target = path.posix.resolve(wd, w.path);
        out.push({ path: target, kind: w.kind, how: `${w.call}, which is ${target} (${w.file} line ${w.line}, in the Go program ${binary} built at ${built.where}, run by ${start.where})` });
      }
    }
  }
  return out;
}

/** The builder stage's `go build` that makes `binary` of the runtime stage: the Go files of its main package, on the host. */
function builtBinary(project: Project, df: DockerfileSource, base: StageBase, binary: string): { files: GoPackageFiles; where: string } | undefined {
  const parsed = df.parsed!;
  const finalWd = workdirs(base.chain, base.buildArgs, base.globalArgs);
  // The last COPY --from in the runtime chain that puts the binary there wins.
  let source: { stage: DfStage; path: string } | undefined;
  for (const ins of base.chain.flatMap((s) => s.instructions)) {
    if (ins.keyword !== 'COPY') continue;
    const from = ins.flags.find((f) => f.name === 'from')?.value;
    if (!from || ins.json || ins.args.length < 2) continue;
    const dest = path.posix.resolve(finalWd.before.get(ins) ?? '/', ins.args[ins.args.length - 1]!);
    const sources = ins.args.slice(0, -1);
    const intoDir = ins.args[ins.args.length - 1]!.endsWith('/') || ins.args[ins.args.length - 1] === '.' || sources.length > 1;
    for (const src of sources) {
      if (/[*?[$]/.test(src)) continue;
      const srcPath = path.posix.resolve('/', src);
      const lands = intoDir ? path.posix.join(dest, path.posix.basename(srcPath)) : dest;
      if (lands !== binary && !(dest === binary && sources.length === 1)) continue;
      const builder = stageByRef(parsed, from.toLowerCase(), ins.stage);
      if (builder) source = { stage: builder, path: srcPath };
    }
  }
  if (!source) return undefined;
  const builderBase = resolveStageBase(parsed, source.stage, base.buildArgs);
  const builderWd = workdirs(builderBase.chain, base.buildArgs, base.globalArgs);
  const mappings = copyMappings(project, df.path, new Set(builderBase.chain.map((s) => s.index)));
  let found: { files: GoPackageFiles; where: string } | undefined;
  for (const ins of builderBase.chain.flatMap((s) => s.instructions)) {
    if (ins.keyword !== 'RUN') continue;
    const cwd = builderWd.before.get(ins) ?? '/';
    for (const words of runCommands(ins, parsed.escape)) {
      const build = goBuild(words, cwd);
      if (!build) continue;
      const output = build.output === undefined ? undefined : path.posix.resolve(build.dir, build.output);
      const pkgDir = build.packages.length === 1 ? packageDir(build.packages[0]!, build.dir, mappings) : undefined;
      if (!pkgDir) continue;
      // Without -o the binary is named for the package's folder (or the module), in the build's folder.
      const made = output === undefined ? path.posix.join(build.dir, path.posix.basename(pkgDir)) : output.endsWith('/') ? path.posix.join(output, path.posix.basename(pkgDir)) : output;
      if (made !== source.path && !(output !== undefined && path.posix.join(output, path.posix.basename(pkgDir)) === source.path)) continue;
      const files = packageFiles(pkgDir, mappings);
      if (files.files.length) found = { files, where: `${df.rel} line ${ins.line + 1}` };
    }
  }
  return found;
}

/** `go build [flags] [packages]` in one command: where it runs, its -o and its package arguments. */
function goBuild(words: readonly string[], cwd: string): { dir: string; output?: string; packages: string[] } | undefined {
  let i = words.findIndex((w, k) => /(^|\/)go$/.test(w) && words[k + 1] === 'build');
  if (i < 0) return undefined;
  i += 2;
  let output: string | undefined;
  let dir = cwd;
  const packages: string[] = [];
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      const flag = w.replace(/^--/, '-');
      const eq = flag.indexOf('=');
      const name = eq >= 0 ? flag.slice(0, eq) : flag;
      const value = eq >= 0 ? flag.slice(eq + 1) : VALUE_FLAGS.has(name) ? words[++i] : undefined;
      if (name === '-o') output = value;
      if (name === '-C' && value) dir = path.posix.resolve(cwd, value);
      continue;
    }
    packages.push(w);
  }
  if (output?.includes('$') || packages.some((p) => p.includes('$') || p.includes('...') || p.endsWith('.go'))) return undefined;
  return { dir, output, packages: packages.length ? packages : ['.'] };
}

/** The container folder of a package argument: `.`, `./cmd/server`, or a path of the module (`example.com/app/cmd/server`). */
function packageDir(pkg: string, dir: string, mappings: ContainerMapping[]): string | undefined {
  if (pkg === '.' || pkg.startsWith('./') || pkg.startsWith('../') || pkg.startsWith('/')) return path.posix.resolve(dir, pkg);
  const mod = goModule(dir, mappings);
  if (mod && (pkg === mod.name || pkg.startsWith(`${mod.name}/`))) return path.posix.join(mod.containerDir, pkg.slice(mod.name.length));
  return undefined;
}

/** The module the build's folder belongs to: its go.mod's `module` line and folder, in the container. */
function goModule(dir: string, mappings: ContainerMapping[]): { name: string; containerDir: string } | undefined {
  for (let d = dir; ; d = path.posix.dirname(d)) {
    const host = hostFile(path.posix.join(d, 'go.mod'), mappings);
    if (host) {
      const m = /^\s*module\s+"?([^\s"]+)"?/m.exec(readText(host) ?? '');
      return m ? { name: m[1]!, containerDir: d } : undefined;
    }
    if (d === '/') return undefined;
  }
}

/** The host file a COPY put at a container path (the last COPY that covers it), or undefined. */
function hostFile(containerPath: string, mappings: ContainerMapping[]): string | undefined {
  for (let k = mappings.length - 1; k >= 0; k--) {
    const m = mappings[k]!;
    if (!m.hostPath) continue;
    if (m.containerPath === containerPath && isFile(m.hostPath)) return m.hostPath;
    const dir = m.containerPath.replace(/\/?$/, '/');
    if (containerPath.startsWith(dir) && isDir(m.hostPath)) {
      const host = path.join(m.hostPath, ...path.posix.relative(m.containerPath, containerPath).split('/'));
      if (isFile(host)) return host;
    }
  }
  return undefined;
}

/** The Go files of a package, and how to find the packages of its module it imports. */
interface GoPackageFiles {
  files: { host: string; shown: string }[];
  imports: (importPath: string) => { host: string; shown: string }[];
}

/** The non-test .go files of a container folder, from the COPYs that put them there (a folder copy or single files). */
function packageFiles(containerDir: string, mappings: ContainerMapping[]): GoPackageFiles {
  const found = new Map<string, { host: string; shown: string }>();
  for (const m of mappings) {
    if (!m.hostPath) continue;
    if (path.posix.dirname(m.containerPath) === containerDir && GO_FILE.test(m.containerPath) && isFile(m.hostPath)) {
      // Tests are not in the binary (`COPY *.go .` copies them too).
      if (m.containerPath.endsWith('_test.go')) continue;
      found.set(path.posix.basename(m.containerPath), { host: m.hostPath, shown: path.posix.basename(m.containerPath) });
      continue;
    }
    const dir = m.containerPath.replace(/\/?$/, '/');
    if ((containerDir === m.containerPath || containerDir.startsWith(dir)) && isDir(m.hostPath)) {
      const hostDir = path.join(m.hostPath, ...path.posix.relative(m.containerPath, containerDir).split('/').filter(Boolean));
      for (const name of listGoFiles(hostDir)) found.set(name, { host: path.join(hostDir, name), shown: name });
    }
  }
  const mod = goModule(containerDir, mappings);
  return {
    files: [...found.values()],
    imports: (importPath) => {
      if (!mod || !importPath.startsWith(`${mod.name}/`)) return [];
      const dir = path.posix.join(mod.containerDir, importPath.slice(mod.name.length));
      return packageFiles(dir, mappings).files.map((f) => ({ host: f.host, shown: `${path.posix.relative(mod.containerDir, dir)}/${f.shown}` }));
    },
  };
}

const GO_FILE = /\.go$/;

// The folder's entries, its files' kinds and the paths stat'ed come from read.ts's lists, which the engine keeps for the
// whole run (nothing is written while it runs): every pass asks again for each image and service that starts a Go
// binary, and goModule walks up to / at each (issue 13: these stat and readdir calls were ~3% of syn2000's CPU).
function listGoFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of sortedDirEntries(dir)) if (GO_FILE.test(e.name) && !e.name.endsWith('_test.go')) out.push(e.name);
  return out;
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8').replace(/\r\n?/g, '\n');
  } catch {
    return undefined;
  }
}

/** One fixed-path write a Go file makes. */
interface GoWrite {
  path: string;
  kind: StartWrite['kind'];
  call: string;
  file: string;
  line: number;
}

/** Go source with comments blanked (strings and runes kept, offsets and lines unchanged). */
export function blankGoComments(text: string): string {
  const out = text.split('');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '`') {
      for (i++; i < text.length && text[i] !== '`'; i++);
    } else if (c === '/' && text[i + 1] === '/') {
      for (; i < text.length && text[i] !== '\n'; i++) out[i] = ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
      i--;
    }
  }
  return out.join('');
}

/**
 * What one Go file's text says that readProgram and programWrites need: the text with comments blanked, whether it is
 * `package main`, its imports and its bindings. Worked out once per run for each text (a RunMemo keyed on the text
 * itself, so a file read again with other content asks with another key): every pass asks again for each image and
 * service that starts a Go binary, and blanking comments and matching the bindings were ~55% of amir20/dozzle's CPU
 * profile (3 passes, 14 services; issue 13).
 */
interface GoFileFacts {
  text: string;
  isMain: boolean;
  imports: string[];
  /** Each binding of a name in the file, in order: the expression bound, or undefined for another kind of assignment. */
  bindings: [string, string | undefined][];
}

const goFilesInRun = new RunMemo<GoFileFacts>(1024);

function goFileFacts(raw: string): GoFileFacts {
  return goFilesInRun.get(raw, '', () => {
    const text = blankGoComments(raw);
    return { text, isMain: /^\s*package\s+main\b/m.test(text), imports: goImports(text), bindings: fileBindings(text) };
  });
}

/** The Go files of the main package and the module's packages it imports, read (bounded), with the names they are shown by. */
function readProgramFiles(main: GoPackageFiles): { facts: GoFileFacts; shown: string }[] {
  const read: { facts: GoFileFacts; shown: string }[] = [];
  const mainFiles: { host: string; shown: string; facts?: GoFileFacts }[] = [];
  for (const f of main.files) {
    const raw = readText(f.host);
    if (raw === undefined) continue;
    const facts = goFileFacts(raw);
    if (facts.isMain) mainFiles.push({ ...f, facts });
  }
  const queue: { host: string; shown: string; facts?: GoFileFacts }[][] = [mainFiles];
  const seen = new Set<string>();
  let packages = 0;
  while (queue.length && packages < MAX_PACKAGES && read.length < MAX_FILES) {
    const pkg = queue.shift()!;
    packages++;
    for (const f of pkg) {
      if (read.length >= MAX_FILES || seen.has(f.host)) continue;
      seen.add(f.host);
      let facts = f.facts;
      if (!facts) {
        const raw = readText(f.host);
        if (raw === undefined) continue;
        facts = goFileFacts(raw);
      }
      read.push({ facts, shown: f.shown });
      for (const imp of facts.imports) {
        if (seen.has(`import:${imp}`)) continue;
        seen.add(`import:${imp}`);
        const files = main.imports(imp);
        if (files.length) queue.push(files);
      }
    }
  }
  return read;
}

/** The import paths of a Go file: `import "x"` and the `import ( … )` block. */
function goImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bimport\s*(\(([^)]*)\)|(?:[\w.]+\s+)?"([^"]+)")/g)) {
    if (m[3]) out.push(m[3]);
    else for (const x of (m[2] ?? '').matchAll(/"([^"]+)"/g)) out.push(x[1]!);
  }
  return out;
}

/** Where the bracket opened at `open` closes (strings skipped); -1 when it does not. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (const i of outsideStrings(text, open, text.length, GO_QUOTES)) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && --depth === 0) return i;
  }
  return -1;
}

/**
 * What each name the program binds exactly once stands for, as an expression: `const NAME = E`, `var NAME = E`,
 * `NAME := E`, and the lines of `const ( … )` / `var ( … )` blocks. A name assigned twice to different expressions anywhere
 * in the files read (two functions with the same local name, a reassignment, `+=`) may hold either value: unknown.
 */
function bindings(files: readonly GoFileFacts[]): Map<string, string | undefined> {
  const seen = new Map<string, (string | undefined)[]>();
  for (const { bindings: bound } of files) {
    for (const [name, expression] of bound) {
      const list = seen.get(name);
      if (list) list.push(expression);
      else seen.set(name, [expression]);
    }
  }
  // Bound more than once to the same text (paperless-gpt's `promptsDir := "prompts"` in two functions): one value.
  const out = new Map<string, string | undefined>();
  for (const [name, list] of seen) out.set(name, list.every((e) => e !== undefined && e === list[0]) ? list[0] : undefined);
  return out;
}

/** The assignments of one file's text (comments blanked), in order: each name, and the expression `=`/`:=` bind (else undefined). */
function fileBindings(text: string): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const m of text.matchAll(/(^|[^\w.])(?!(?:const|var|if|for|switch|case|return|func|type|package|import|range|else|go|defer)\b)([A-Za-z_]\w*)\s*(?:[A-Za-z_][\w.]*\s*)?(:=|[-+*/|&]?=(?!=))[ \t]*([^\n;]*)/g)) {
    out.push([m[2]!, m[3] === '=' || m[3] === ':=' ? m[4]!.trim() : undefined]);
  }
  return out;
}

/** The path a Go expression stands for when it is fixed: string literals, names bound once, filepath.Join/path.Join, `+`. */
export function goPathExpression(expression: string, names: (name: string) => string | undefined, depth = 0): string | undefined {
  const e = expression.trim();
  if (!e || depth > 8) return undefined;
  const quoted = /^"((?:[^"\\\n]|\\.)*)"$/.exec(e);
  if (quoted) return quoted[1]!.includes('\\') ? undefined : quoted[1];
  const raw = /^`([^`]*)`$/.exec(e);
  if (raw) return raw[1];
  const wrapped = /^\((.*)\)$/s.exec(e);
  if (wrapped && closing(e, 0) === e.length - 1) return goPathExpression(wrapped[1]!, names, depth + 1);
  const sum = topLevelParts(e, '+', GO_QUOTES);
  if (sum.length > 1) {
    const values = sum.map((x) => goPathExpression(x, names, depth + 1));
    return values.every((v): v is string => v !== undefined) ? values.join('') : undefined;
  }
  if (/^[A-Za-z_]\w*$/.test(e)) {
    const bound = names(e);
    return bound === undefined ? undefined : goPathExpression(bound, names, depth + 1);
  }
  const join = /^(?:filepath|path)\.Join\((.*)\)$/s.exec(e);
  if (join && closing(e, e.indexOf('(')) === e.length - 1) {
    const args = topLevelParts(join[1]!, ',', GO_QUOTES).filter((a) => a !== '');
    const values = args.map((a) => goPathExpression(a, names, depth + 1));
    return values.length && values.every((v): v is string => v !== undefined) ? path.posix.join(...values) : undefined;
  }
  return undefined;
}

/** A SQLite data source: a file path or a `file:` URI (https://www.sqlite.org/uri.html); `:memory:` is no file. */
function sqliteFile(source: string): string | undefined {
  let p = source;
  if (p.startsWith('file:')) p = p.slice(5).replace(/^\/\/(?=\/)/, '');
  p = p.replace(/\?.*$/, '');
  if (!p || p === ':memory:' || /mode=memory/.test(source)) return undefined;
  return p;
}

/** The fixed-path writes of the program's files. */
function programWrites(main: GoPackageFiles): GoWrite[] {
  const files = readProgramFiles(main);
  const bound = bindings(files.map((f) => f.facts));
  const names = (n: string) => bound.get(n);
  const out: GoWrite[] = [];
  for (const { facts: { text }, shown } of files) {
    for (const m of text.matchAll(CALL)) {
      const open = m.index! + m[0].length - 1;
      const close = closing(text, open);
      if (close < 0) continue;
      const args = topLevelParts(text.slice(open + 1, close), ',', GO_QUOTES);
      const fn = m[1]!;
      let argument: string | undefined;
      let kind: StartWrite['kind'];
      if (fn === 'os.MkdirAll' || fn === 'os.Mkdir') {
        argument = args[0];
        kind = 'dir';
      } else if (fn === 'os.Create' || fn === 'os.WriteFile') {
        argument = args[0];
        kind = 'file';
      } else if (fn === 'os.OpenFile') {
        // Opening for reading (no O_CREATE) writes nothing new.
        if (!/\bO_CREATE\b/.test(args[1] ?? '')) continue;
        argument = args[0];
        kind = 'file';
      } else if (fn === 'sql.Open') {
        if (!/^"sqlite3?"$/.test(args[0] ?? '')) continue;
        argument = args[1];
        kind = 'dir-of';
      } else {
        // gorm.io/driver/sqlite (and glebarez/sqlite): sqlite.Open(dsn); only when the file imports such a driver.
        if (!/"[^"]*\/(?:driver\/)?sqlite"/.test(text)) continue;
        argument = args[0];
        kind = 'dir-of';
      }
      if (argument === undefined) continue;
      let value = goPathExpression(argument, names);
      if (value !== undefined && kind === 'dir-of') value = sqliteFile(value);
      if (value === undefined || value === '') continue;
      const shownArg = argument.length > 60 ? `${argument.slice(0, 57)}...` : argument;
      out.push({ path: value, kind, call: `${fn}(${shownArg})`, file: shown, line: lineColumn(text, m.index!).line });
    }
  }
  return out;
}

