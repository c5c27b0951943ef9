// What a Node.js start file the image runs writes when the container starts:
// `node prod_run.mjs` (hoppscotch's front ends) writes `build.env` in its working
// directory and has `import-meta-env` rewrite the built files under /site in place
// (https://github.com/hoppscotch/hoppscotch/blob/main/packages/hoppscotch-selfhost-web/prod_run.mjs;
// import-meta-env's `-p, --path` names the files it replaces the placeholders in:
// https://github.com/import-meta-env/import-meta-env/tree/main/packages/cli).
// The shell readers of start-scripts.ts do not read JavaScript; this reads the
// one file `node FILE` starts, from the repository, for literal writes only:
//   fs.writeFileSync / writeFile / appendFile(Sync) / createWriteStream / mkdir(Sync)
//   with a string literal path, rm / unlink / rename (their folder must be writable),
//   and an `import-meta-env ... -p "GLOB"` it runs.
// A path may also be built from fixed parts (pathExpression): `path.join(__dirname, "index.html")`,
// `path.resolve(...)`, `${__dirname}/x`, `__dirname + "/x"`, `import.meta.dirname`, `process.cwd()`,
// directly or through a `const` assigned once (ch-ui's inject-env.js: `const indexHtmlPath =
// path.join(__dirname, "index.html")`, then `fs.writeFileSync(indexHtmlPath, ...)`).
// Paths built from anything else at run time (environment, arguments, function results) are not followed.
import { readFileSync } from 'node:fs';
import { lineColumn } from './text.js';
import { JS_QUOTES, outsideStrings, topLevelParts } from './source-strings.js';
import path from 'node:path';
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import { workdirs, type StageBase } from './dockerfile-info.js';
import { shellCommands } from './knowledge/images.js';
import { copyMappings, mountMappings, resolveContainerPath, type ContainerMapping } from './nginx-files.js';
import { ownStartCommandTexts, serviceStartCommandTexts, type StartCommandText, type StartWrite } from './start-scripts.js';

const NODE = /(^|\/)node(js)?$/;
const SCRIPT = /\.(m|c)?js$/;
const SHELL = /^(\/usr)?(\/bin\/)?(sh|bash|ash|dash)$/;
/** Calls that create or write the file or folder their first argument names. */
const WRITE_CALL = /\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|mkdirSync|mkdir)\(\s*(['"`])([^'"`$\\]+)\2/g;
/** Calls that remove or rename the file their first argument names: its folder must be writable. */
const REMOVE_CALL = /\b(rmSync|rm|unlinkSync|unlink|renameSync|rename)\(\s*(['"`])([^'"`$\\]+)\2/g;
/** The same calls with any first argument: the argument is read by pathExpression (a literal is WRITE_CALL's / REMOVE_CALL's). */
const WRITE_CALL_ANY = /\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|mkdirSync|mkdir)\(/g;
const REMOVE_CALL_ANY = /\b(rmSync|rm|unlinkSync|unlink|renameSync|rename)\(/g;
/** `const NAME = `, `let NAME = `, `var NAME = `: a name a path may be kept in. */
const DECLARATION = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=(?!=)\s*/g;
const IMPORT_META_ENV = /import-meta-env\b[^\n]*?\s(?:-p|--path)[\s=]+(['"]?)([^'"\s]+)\1/g;

/** The `node FILE` commands of a start (argv or shell text), `sh -c` texts followed. */
function nodeFiles(argv: string[] | undefined, shell: string | undefined, depth = 0): string[] {
  const commands = argv ? [argv] : shellCommands(shell ?? '');
  const out: string[] = [];
  for (const words of commands) {
    const [cmd, ...rest] = words;
    if (!cmd) continue;
    const c = rest.indexOf('-c');
    if (SHELL.test(cmd) && c >= 0 && rest[c + 1] !== undefined && depth < 3) {
      out.push(...nodeFiles(undefined, rest[c + 1], depth + 1));
      continue;
    }
    if (!NODE.test(cmd)) continue;
    const file = rest.find((w) => !w.startsWith('-'));
    if (file && SCRIPT.test(file) && !file.includes('$')) out.push(file);
  }
  return out;
}

type Start = StartCommandText;

/**
 * What the Node start files of service `s` (its compose command or entrypoint, else the image's
 * CMD/ENTRYPOINT) write at start, read from the files the image copies in or the service mounts.
 * Relative paths are the process's working directory: compose `working_dir`, else the image's WORKDIR.
 */
export function nodeStartWrites(project: Project, s: ServiceLink, df: DockerfileSource, base: StageBase): StartWrite[] {
  const starts: Start[] = serviceStartCommandTexts(s, base);
  return startFileWrites(
    starts,
    () => (typeof s.effective.working_dir === 'string' && s.effective.working_dir.startsWith('/') ? s.effective.working_dir : workdirs(base.chain, base.buildArgs, base.globalArgs).final),
    () => [...copyMappings(project, df.path, new Set(base.chain.map((st) => st.index))), ...mountMappings(project, s)],
  );
}

/**
 * What the Node start files of the image itself (its own CMD/ENTRYPOINT, in its WORKDIR) write at
 * start, read from the files it copies in: what a USER must be given wherever the image runs
 * (`docker run`, another orchestrator), not only in the compose services of this repository.
 */
export function imageNodeStartWrites(project: Project, df: DockerfileSource, base: StageBase): StartWrite[] {
  return startFileWrites(
    ownStartCommandTexts(base),
    () => workdirs(base.chain, base.buildArgs, base.globalArgs).final,
    () => copyMappings(project, df.path, new Set(base.chain.map((st) => st.index))),
  );
}

/**
 * The text of one expression starting at `from`: up to the first `,`, `)`, `;` (or a line end, with `lineEnds`)
 * outside brackets and strings. Undefined when the text ends first.
 */
function expressionAt(text: string, from: number, lineEnds: boolean): string | undefined {
  let depth = 0;
  for (const i of outsideStrings(text, from, text.length, JS_QUOTES)) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if (depth === 0 && (c === ',' || c === ')' || c === ';' || c === '}' || (lineEnds && c === '\n'))) return text.slice(from, i).trim();
  }
  return lineEnds ? text.slice(from).trim() : undefined;
}

/** Where the bracket opened at `open` closes (strings skipped); -1 when it does not. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (const i of outsideStrings(text, open, text.length, JS_QUOTES)) {
    const c = text[i]!;
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** What a Node.js file's names and the folders its start knows stand for, for pathExpression. */
interface PathScope {
  /**
   * What a name stands for: a path, when the file binds it once to an expression this reader can work out
   * (`const indexHtmlPath = path.join(__dirname, "index.html")`); undefined otherwise.
   */
  name: (name: string) => string | undefined;
  /** The script's own path in the container (`__filename`, `import.meta.url`). */
  file: string;
  /** The process's working directory (`process.cwd()`, what relative paths are taken against). */
  cwd: string;
}

/**
 * The path an expression of a start file stands for, when it is built only from fixed parts: string literals,
 * `__dirname` / `__filename` / `import.meta.dirname` / `import.meta.filename` (the script's folder and file, known
 * from where the image puts it), `process.cwd()`, names bound once to such a path, `path.join`, `path.resolve`,
 * `path.dirname`, `fileURLToPath(import.meta.url)`, template literals and `+` over these. Anything else (an
 * environment variable, an argument, a function's result) makes it unknown: undefined.
 */
export function pathExpression(expression: string, scope: PathScope, depth = 0): string | undefined {
  const e = expression.trim().replace(/;$/, '').trim();
  if (!e || depth > 8) return undefined;
  const literal = /^(['"])((?:(?!\1)[^\\\n])*)\1$/.exec(e);
  if (literal) return literal[2];
  const template = /^`([^`\\]*)`$/.exec(e);
  if (template) {
    let unknown = false;
    const text = template[1]!.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
      const v = pathExpression(inner, scope, depth + 1);
      if (v === undefined) unknown = true;
      return v ?? '';
    });
    return unknown ? undefined : text;
  }
  const wrapped = /^\((.*)\)$/s.exec(e);
  if (wrapped && closingParen(e, 0) === e.length - 1) return pathExpression(wrapped[1]!, scope, depth + 1);
  const sum = topLevelParts(e, '+', JS_QUOTES);
  if (sum.length > 1) {
    const values = sum.map((x) => pathExpression(x, scope, depth + 1));
    return values.every((v): v is string => v !== undefined) ? values.join('') : undefined;
  }
  if (e === '__dirname' || e === 'import.meta.dirname') return (e === '__dirname' ? scope.name(e) : undefined) ?? path.posix.dirname(scope.file);
  if (e === '__filename' || e === 'import.meta.filename') return (e === '__filename' ? scope.name(e) : undefined) ?? scope.file;
  if (/^process\.cwd\(\s*\)$/.test(e)) return scope.cwd;
  if (/^(?:url\.)?fileURLToPath\(\s*import\.meta\.url\s*\)$/.test(e) || /^new URL\(\s*import\.meta\.url\s*\)\.pathname$/.test(e)) return scope.file;
  if (/^[A-Za-z_$][\w$]*$/.test(e)) return scope.name(e);
  const call = /^(?:(?:node:)?path\.)?(?:posix\.)?(join|resolve|dirname)\((.*)\)$/s.exec(e);
  if (call && closingParen(e, e.indexOf('(')) === e.length - 1) {
    const inner = call[2]!.trim();
    const args = inner === '' ? [] : topLevelParts(inner, ',', JS_QUOTES).filter((a) => a !== '');
    const values = args.map((a) => pathExpression(a, scope, depth + 1));
    if (!values.every((v): v is string => v !== undefined)) return undefined;
    if (call[1] === 'dirname') return values.length === 1 ? path.posix.dirname(values[0]!) : undefined;
    if (call[1] === 'resolve') return path.posix.resolve(scope.cwd, ...values);
    return values.length ? path.posix.join(...values) : undefined;
  }
  return undefined;
}

/** Any `NAME =` or `NAME += …` (not `==`, `=>`, `<=`, `!=`): a binding or an assignment, for counting how often a name is bound. */
const ASSIGNMENT = /(^|[^\w$.])([A-Za-z_$][\w$]*)\s*(?:\*\*|<<|>>>?|&&|\|\||\?\?|[-+*/%&|^])?=(?!=|>)/g;

/**
 * A lookup of the names a start file binds exactly once (`const`/`let`/`var NAME = …`, and no other `NAME = …` in the
 * file: a `let` reassigned, or the same name in two functions, may hold either value), worked out on demand: a start
 * file may be a large bundle, so the file is read in one pass and only the names a write call uses are evaluated.
 */
function nameLookup(text: string, file: string, cwd: string): PathScope {
  const bindings = new Map<string, number>();
  for (const m of text.matchAll(ASSIGNMENT)) bindings.set(m[2]!, (bindings.get(m[2]!) ?? 0) + 1);
  const declared = new Map<string, number>();
  for (const m of text.matchAll(DECLARATION)) if (!declared.has(m[1]!)) declared.set(m[1]!, m.index! + m[0].length);
  const values = new Map<string, string | undefined>();
  const scope: PathScope = {
    file,
    cwd,
    name: (name) => {
      if (values.has(name)) return values.get(name);
      values.set(name, undefined); // a name whose expression reaches itself stays unknown
      const at = declared.get(name);
      if (at === undefined || bindings.get(name) !== 1) return undefined;
      const expression = expressionAt(text, at, true);
      const value = expression === undefined ? undefined : pathExpression(expression, scope);
      values.set(name, value);
      return value;
    },
  };
  return scope;
}

function startFileWrites(starts: Start[], workingDir: () => string, containerMappings: () => ContainerMapping[]): StartWrite[] {
  const out: StartWrite[] = [];
  // The working directory and the COPY/mount mappings only for a start that runs a Node.js file: read-only asks for
  // every built service in every pass, and many starts run none (a server binary, python, a shell script).
  let wd: string | undefined;
  let mappings: ContainerMapping[] | undefined;
  for (const start of starts) {
    for (const file of nodeFiles(start.argv, start.shell)) {
      wd ??= workingDir();
      mappings ??= containerMappings();
      const containerPath = path.posix.resolve(wd, file);
      const found = resolveContainerPath(mappings, containerPath);
      if (!found?.hostPath || !found.exists) continue;
      let text: string;
      try {
        text = readFileSync(found.hostPath, 'utf8');
      } catch {
        continue;
      }
      const name = path.posix.basename(containerPath);
      for (const m of text.matchAll(WRITE_CALL)) {
        const target = path.posix.resolve(wd, m[3]!);
        const how = `${m[1]}("${m[3]}") (${name} line ${lineColumn(text, m.index!).line}, run by ${start.where})`;
        out.push({ path: target, kind: m[1]!.startsWith('mkdir') ? 'dir' : 'file', how });
      }
      for (const m of text.matchAll(REMOVE_CALL)) {
        // hoppscotch's start removes the build.env it wrote: a file the user owns in a folder it cannot write stays.
        const target = path.posix.resolve(wd, m[3]!);
        out.push({ path: target, kind: 'dir-of', how: `${m[1]}("${m[3]}") (${name} line ${lineColumn(text, m.index!).line}, run by ${start.where})` });
      }
      // Paths built from fixed parts (`path.join(__dirname, "index.html")`, directly or through a name bound once to it).
      // A plain literal is WRITE_CALL's and REMOVE_CALL's above.
      const scope = nameLookup(text, containerPath, wd);
      for (const [pattern, kindOf] of [
        [WRITE_CALL_ANY, (fn: string): StartWrite['kind'] => (fn.startsWith('mkdir') ? 'dir' : 'file')],
        [REMOVE_CALL_ANY, (): StartWrite['kind'] => 'dir-of'],
      ] as const) {
        for (const m of text.matchAll(pattern)) {
          const argument = expressionAt(text, m.index! + m[0].length, false);
          if (argument === undefined || /^(['"`])[^'"`$\\]+\1$/.test(argument)) continue;
          const value = pathExpression(argument, scope);
          if (value === undefined) continue;
          const target = path.posix.resolve(wd, value);
          const shown = argument.length > 60 ? `${argument.slice(0, 57)}...` : argument;
          out.push({ path: target, kind: kindOf(m[1]!), how: `${m[1]}(${shown}), which is ${target} (${name} line ${lineColumn(text, m.index!).line}, run by ${start.where})` });
        }
      }
      for (const m of text.matchAll(IMPORT_META_ENV)) {
        // The files the pattern matches are rewritten in place (read, then written back): their folder (the
        // pattern's fixed part) must be writable, and so must the files themselves.
        const fixed = m[2]!.split('/').filter((seg, i, all) => !/[*?[{]/.test(seg) && all.slice(0, i).every((x) => !/[*?[{]/.test(x)));
        const dir = path.posix.resolve(wd, fixed.join('/') || '.');
        out.push({ path: `${dir}/*`, kind: 'dir-of', inPlace: true, how: `import-meta-env -p ${m[2]} rewrites those files in place (${name} line ${lineColumn(text, m.index!).line}, run by ${start.where})` });
      }
    }
  }
  return out;
}
