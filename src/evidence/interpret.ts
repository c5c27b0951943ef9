// From shell commands to evidence: run through a script's commands in order,
// keep the variables it sets to literal values and the folder it `cd`s to,
// and record each compose, build, push, run and tag command with its line.
// Paths resolve against the folder the command most likely runs in: where it
// `cd`s, else the candidates the source gives (a Makefile's folder, the
// repository root for CI, a script's own folder and the folders above it).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { expandVariables, isDynamic, shellCommands, type ShellCommand } from './shell.js';
import { recognize, type BuildInvocation, type ComposeInvocation } from './commands.js';
import type { Evidence, EvidenceSource, RenderUse, RepoEvidence } from './types.js';

export interface ShellContext {
  file: string;
  rel: string;
  source: EvidenceSource;
  /** 1-based line of an offset in the text being read. */
  lineOf(offset: number): number;
  /** Folders a relative path may be relative to, most likely first. */
  dirs: string[];
  /** Variables with literal values known so far (updated as assignments are read). */
  vars: Map<string, string>;
  /** Make expands `$(NAME)`; just expands `{{name}}`; Task expands `{{.NAME}}`. */
  style: 'shell' | 'make' | 'just' | 'task';
  /** COMPOSE_FILE and friends set around the text (CI `env:`), applied to compose commands without `-f`. */
  env?: Record<string, string>;
  /** The whole file, when the text read is a part of it at an offset (for the evidence snippet). */
  fullText?: string;
}

const MAX_SNIPPET = 160;

/** Read the commands of `text` (found at `offset` in the file) and add what they say to `out`. */
export function interpretShell(text: string, ctx: ShellContext, out: RepoEvidence, offset = 0): void {
  let dirs = ctx.dirs;
  // `pushd`'s stack of folders to go back to, and the folders a subshell that changed them started
  // from (`( cd web && docker build . )`): left, the shell is back where it was.
  let pushed: string[][] = [];
  const subshells: { group: string; dirs: string[]; pushed: string[][] }[] = [];
  // The command before a pipe into a renderer: the last one that starts before it
  // (a `$(…)` body inside the renderer's words is read first, but starts after it).
  const seen: { start: number; words: string[] }[] = [];
  const source = ctx.fullText ?? text;
  for (const cmd of shellCommands(text, offset)) {
    for (let top = subshells.at(-1); top && !insideGroup(cmd.group, top.group); top = subshells.at(-1)) {
      subshells.pop();
      dirs = top.dirs;
      pushed = top.pushed;
    }
    const at = (): Evidence => evidenceAt(ctx, source, cmd.start);
    const expand = (w: string) => (isDynamic(w) ? expandWord(w, ctx) : w);
    const assignments = cmd.assignments.map((a) => appendTo(splitAssignment(expand(a.text)), ctx.vars, a.array));
    const arrays = new Set([...cmd.assignments, ...cmd.words].filter((a) => a.array).map((a) => a.text.slice(0, a.text.indexOf('=')).replace(/\+$/, '')));
    const words = cmd.words.flatMap((w) => splitExpansion(w.text, expand(w.text)));
    const declares = words.length > 0 && ['export', 'readonly', 'declare', 'local', 'typeset'].includes(words[0]!);
    if (words.length === 0 || declares) {
      const sets = declares ? words.slice(1).filter((w) => /^[A-Za-z_]\w*=/.test(w)).map(splitAssignment) : assignments;
      for (const [name, value] of sets) {
        // An array keeps its unknown elements as written: used as `"${files[@]}"`, they are files that cannot be resolved, not none.
        if (!isDynamic(value) || arrays.has(name)) ctx.vars.set(name, value);
        else {
          // `SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"`, `ROOT="$(readlink -f "$SCRIPT_DIR/..")"`: a folder the script can name.
          const folder = ctx.style === 'shell' ? folderOf(value, ctx) : undefined;
          if (folder) ctx.vars.set(name, folder);
        }
        if (name === 'COMPOSE_FILE') composeFileEnv(value, ctx, dirs, at(), out);
        // `dc="docker compose -f a.yml -f b.yml"`: the value is a command the script runs later as `$dc`.
        if (/^(docker|docker-compose|podman|podman-compose)\s/.test(value)) {
          for (const inner of shellCommands(value)) record(inner.words.map((w) => expand(w.text)), undefined, ctx, dirs, at, out);
        }
      }
      continue;
    }
    const env = Object.fromEntries(assignments);
    const previous = cmd.piped ? seen.reduce<{ start: number; words: string[] } | undefined>((best, c) => (c.start < cmd.start && (!best || c.start > best.start) ? c : best), undefined) : undefined;
    const render = renderOf(cmd, words, previous?.words, expand, dirs);
    if (render) out.renders.push({ ...render, at: at() });
    seen.push({ start: cmd.start, words });
    if (seen.length > 8) seen.shift(); // a pipe's commands are read together: the last few are enough
    const cd = record(words, env, ctx, dirs, at, out);
    if (!cd) continue;
    if (cmd.group !== undefined && subshells.at(-1)?.group !== cmd.group) subshells.push({ group: cmd.group, dirs, pushed });
    if (cd === 'popd') {
      const back = pushed.at(-1);
      if (back) {
        dirs = back;
        pushed = pushed.slice(0, -1);
      }
      continue;
    }
    if (cd.push) pushed = [...pushed, dirs];
    dirs = cd.dirs;
  }
}

/** Whether a command of subshell `group` (undefined: the script's own shell) runs inside subshell `outer`. */
function insideGroup(group: string | undefined, outer: string): boolean {
  return group !== undefined && (group === outer || group.startsWith(`${outer}.`));
}

/**
 * Commands that write a template's text with values filled in. Each reads the
 * template as a file operand, on stdin (`<`), or from a `cat` piped to it,
 * and writes the output with `>` or an output option.
 */
const RENDERERS: Record<string, { outputOptions: string[] }> = {
  envsubst: { outputOptions: [] },
  sed: { outputOptions: [] },
  j2: { outputOptions: ['-o', '--output'] },
  jinja2: { outputOptions: ['-o', '--outfile'] },
  gomplate: { outputOptions: ['-o', '--out'] },
  mustache: { outputOptions: [] },
  mo: { outputOptions: [] },
  erb: { outputOptions: [] },
};

/** The template and output of a render command whose both ends are files of the repository, if it is one. */
function renderOf(cmd: ShellCommand, words: string[], previous: string[] | undefined, expand: (w: string) => string, dirs: string[]): Omit<RenderUse, 'at'> | undefined {
  const tool = path.posix.basename(words[0] ?? '');
  const spec = RENDERERS[tool];
  if (!spec) return undefined;
  // sed -i edits in place: the file is its own source, and what it holds is what runs.
  if (tool === 'sed' && words.some((w) => /^-[a-zA-Z]*i/.test(w) || w.startsWith('--in-place'))) return undefined;
  const redirects = cmd.redirects ?? [];
  let outputWord = redirects.filter((r) => r.op.includes('>')).at(-1)?.target.text;
  for (let k = 1; k < words.length - 1; k++) if (spec.outputOptions.includes(words[k]!)) outputWord = words[k + 1];
  if (outputWord === undefined) return undefined;
  const inputs = [
    ...redirects.filter((r) => r.op === '<').map((r) => r.target.text),
    // Operands: for sed after its script (the first operand when no -e/-f gives it); for the others any non-option word.
    ...words.slice(1).filter((w, k, rest) => !w.startsWith('-') && !(k > 0 && spec.outputOptions.includes(rest[k - 1]!)) && w !== outputWord),
    ...(cmd.piped && previous && path.posix.basename(previous[0] ?? '') === 'cat' ? previous.slice(1).filter((w) => !w.startsWith('-')) : []),
  ];
  // Relative paths only: an absolute one is a path in a container (`> /etc/nginx/conf.d/default.conf`) or on a server, not a file here.
  const here = (w: string) => {
    const p = expand(w);
    return path.isAbsolute(p) ? undefined : resolveIn(dirs, p);
  };
  const output = here(outputWord);
  if (!output) return undefined;
  for (const input of inputs) {
    const template = here(input);
    if (template && template !== output) return { output, template, tool };
  }
  return undefined;
}

/**
 * Record one command; returns the new folder list when the command is a `cd` or `pushd` (`push`: `popd` goes
 * back), `popd` for one.
 */
function record(
  words: string[],
  env: Record<string, string> | undefined,
  ctx: ShellContext,
  dirs: string[],
  at: () => Evidence,
  out: RepoEvidence,
): { dirs: string[]; push?: boolean } | 'popd' | undefined {
  const inv = recognize(words.map((text) => ({ text, start: 0, dynamic: false })));
  if (!inv) return undefined;
  switch (inv.kind) {
    case 'cd': {
      const dir = cdTarget(inv.dir, ctx, dirs);
      // A `pushd` to a folder that cannot be told still pushes: its `popd` must not undo an earlier one.
      if (!dir) return inv.push ? { dirs, push: true } : undefined;
      return { dirs: [dir, ...dirs.filter((d) => d !== dir)], ...(inv.push ? { push: true } : {}) };
    }
    case 'popd':
      return 'popd';
    case 'compose': {
      const fromEnv = env?.COMPOSE_FILE ?? (inv.files.length === 0 ? ctx.env?.COMPOSE_FILE : undefined);
      if (inv.files.length === 0 && fromEnv !== undefined) {
        composeFileEnv(fromEnv, { ...ctx, vars: new Map([...ctx.vars, ...Object.entries(env ?? {})]) }, dirs, at(), out);
        return undefined;
      }
      composeUse(inv, dirs, at(), out);
      return undefined;
    }
    case 'build':
      buildUse(inv, dirs, at(), out);
      return undefined;
    case 'bake':
      // Bake files are read themselves; a `bake --push` marks their targets as pushed.
      if (inv.push) out.imageUses.push({ image: `bake:${inv.targets.join(',') || 'default'}`, kind: 'push', at: at() });
      bakeRun(inv.files, inv.contextSets ?? [], dirs, at(), out);
      return undefined;
    case 'push':
      out.imageUses.push({ image: inv.image, kind: inv.kind, at: at() });
      return undefined;
    case 'run':
      out.imageUses.push({ image: inv.image, kind: inv.kind, ...(inv.publish ? { publish: inv.publish } : {}), ...(inv.kind === 'run' && inv.overCheckout ? { overCheckout: inv.overCheckout } : {}), ...(inv.kind === 'run' && inv.testRun ? { testRun: inv.testRun } : {}), ...(inv.kind === 'run' && inv.mounts ? { mounts: inv.mounts } : {}), ...(inv.kind === 'run' && inv.user !== undefined ? { user: inv.user } : {}), ...(inv.kind === 'run' && inv.groupAdd ? { groupAdd: inv.groupAdd } : {}), at: at() });
      return undefined;
    case 'tag':
      out.tagAliases.push({ source: inv.source, target: inv.target, at: at() });
      return undefined;
    case 'retag':
      for (const target of inv.targets) for (const source of inv.sources) out.tagAliases.push({ source, target, via: inv.via, at: at() });
      return undefined;
  }
}

/**
 * The words an expanded word makes: an unquoted expansion is split on blanks
 * by the shell, and Make, just and Task paste their variables into the text
 * before the shell reads it, so `$(COMPOSE_FILES)`, `$FILES` or `{{.COMPOSE}}`
 * holding `-f a.yml -f b.yml` (or a whole `docker compose -f …` command) are
 * several words. A word that held blanks before expansion was quoted: one word.
 * (A quoted `"$FILES"` is split too; nobody quotes a list of flags on purpose.)
 */
function splitExpansion(written: string, expanded: string): string[] {
  if (expanded === written || /\s/.test(written) || !/\s/.test(expanded)) return [expanded];
  return expanded.split(/\s+/).filter(Boolean);
}

function expandWord(w: string, ctx: ShellContext): string {
  let s = w;
  if (ctx.style === 'just') s = s.replace(/\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g, (m, name: string) => ctx.vars.get(name) ?? m);
  if (ctx.style === 'task') s = s.replace(/\{\{\s*\.([A-Za-z_]\w*)\s*\}\}/g, (m, name: string) => ctx.vars.get(name) ?? m);
  return expandVariables(s, ctx.vars, ctx.style === 'make');
}

/**
 * `NAME+=value`: the value added to what NAME holds (`files+=(-f c.yml)` adds
 * elements, blank-separated like the reader keeps arrays; `s+=x` adds text).
 * An addition to a variable of unknown value stays unknown.
 */
function appendTo([name, value]: [string, string], vars: Map<string, string>, array?: boolean): [string, string] {
  if (!name.endsWith('+')) return [name, value];
  const base = name.slice(0, -1);
  const before = vars.get(base);
  if (before === undefined) return [base, array ? value : `\${${base}}${value}`];
  return [base, before && array ? `${before} ${value}` : before + value];
}

function splitAssignment(word: string): [string, string] {
  const eq = word.indexOf('=');
  return [word.slice(0, eq), word.slice(eq + 1)];
}

/** The script's own folder as a shell word writes it: `$(dirname "$0")`, `${0%/*}`, `$(dirname "${BASH_SOURCE[0]}")`. */
const SCRIPT_DIR = /^\$\(\s*dirname\s+("?)(\$0|\$\{0\}|\$\{BASH_SOURCE(\[0\])?\}|\$BASH_SOURCE)\1\s*\)|^\$\{0%\/\*\}|^\$\{BASH_SOURCE(\[0\])?%\/\*\}/;

/**
 * The absolute folder a script's assignment names through the idioms for its
 * own folder and the folders near it: `$(dirname "$0")/..`, `$(cd "$(dirname
 * "$0")/.." && pwd)`, `$(readlink -f "$(dirname "$0")")`, `$(realpath
 * "/known/dir/..")` (a variable set earlier is already expanded); undefined for
 * anything else. `readlink -f` and `pwd` resolve links, which a repository's
 * own folders do not have.
 */
export function folderOf(value: string, ctx: Pick<ShellContext, 'file'>, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  const w = value.trim().replace(/^"([^"]*(?:"[^"]*"[^"]*)*)"$/, '$1');
  const sub = /^\$\(\s*([\s\S]*?)\s*\)$/.exec(w);
  if (sub && !SCRIPT_DIR.test(w)) {
    const inner = sub[1]!;
    const resolved = /^(?:readlink\s+(?:-[a-zA-Z]*[fem][a-zA-Z]*\s+)+|realpath\s+(?:-[a-zA-Z]+\s+)*)(\S.*)$/.exec(inner) ?? /^cd\s+(?:-P\s+)?(\S.*?)\s*(?:&&|;)\s*pwd(?:\s+-P)?$/.exec(inner);
    return resolved ? folderOf(resolved[1]!, ctx, depth + 1) : undefined;
  }
  const own = SCRIPT_DIR.exec(w);
  if (own) {
    const rest = w.slice(own[0].length);
    return isDynamic(rest) || (rest !== '' && !rest.startsWith('/')) ? undefined : path.resolve(path.dirname(ctx.file), '.' + rest);
  }
  return path.isAbsolute(w) && !isDynamic(w) && !/["'\s]/.test(w) ? path.resolve(w) : undefined;
}

/** `cd dir`, `cd "$(dirname "$0")"`, `cd "$(dirname "$0")/.."`; undefined when the folder depends on something unknown. */
function cdTarget(dir: string, ctx: ShellContext, dirs: string[]): string | undefined {
  const own = path.dirname(ctx.file);
  const scriptDir = SCRIPT_DIR.exec(dir);
  if (scriptDir) return path.resolve(own, '.' + dir.slice(scriptDir[0].length));
  if (isDynamic(dir) || dir === '-' || dir.startsWith('~')) return undefined;
  return path.resolve(dirs[0] ?? own, dir);
}

export function evidenceAt(ctx: { file: string; rel: string; source: EvidenceSource; lineOf(offset: number): number }, text: string, offset: number): Evidence {
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  let snippet = text.slice(offset, end).replace(/\s*\\?\r?$/, '').trim();
  if (snippet.length > MAX_SNIPPET) snippet = snippet.slice(0, MAX_SNIPPET - 1) + '…';
  return { file: ctx.file, rel: ctx.rel, line: ctx.lineOf(offset), source: ctx.source, text: snippet };
}

/** The first folder in which `rel` exists, else undefined. Absolute paths stand for themselves. */
export function resolveIn(dirs: string[], rel: string, want: 'file' | 'dir' = 'file'): string | undefined {
  if (!rel || isDynamic(rel) || /^[a-z]+:\/\//i.test(rel) || rel === '-') return undefined;
  // An absolute path normalised too: `${SCRIPT_DIR}/../docker-compose.yml` must name the one file the model knows.
  const candidates = path.isAbsolute(rel) ? [path.resolve(rel)] : dirs.map((d) => path.resolve(d, rel));
  return candidates.find((p) => isKind(p, want));
}

function isKind(p: string, want: 'file' | 'dir'): boolean {
  try {
    // Most candidates do not exist: no error made (with its stack) for each of them.
    const st = statSync(p, { throwIfNoEntry: false });
    return want === 'file' ? !!st?.isFile() : !!st?.isDirectory();
  } catch {
    return false;
  }
}

function composeUse(inv: ComposeInvocation, dirs: string[], at: Evidence, out: RepoEvidence): void {
  if (inv.files.length === 0) {
    // The default files of a folder: nothing combined by name, but a sign that its default stack is what runs.
    if (!inv.stack && dirs[0] && /^(up|run|start|build|pull|create)$/.test(inv.subcommand ?? '') && !inv.projectDirectory) out.defaultComposeRuns.push({ dir: dirs[0], at });
    return;
  }
  // All files of one command are relative to one folder: take the first folder that has them all.
  const whole = dirs.find((d) => inv.files.every((f) => !isDynamic(f) && resolveIn([d], f)));
  const files: string[] = [];
  const unresolved: string[] = [];
  for (const f of inv.files) {
    const p = whole ? resolveIn([whole], f) : resolveIn(dirs, f);
    if (p) files.push(p);
    else unresolved.push(f);
  }
  const envFiles = (inv.envFiles ?? []).map((f) => resolveIn(whole ? [whole] : dirs, f));
  out.composeUses.push({
    files,
    unresolved,
    projectName: inv.projectName,
    profiles: inv.profiles,
    // An env file that cannot be found: the values are unknown, so none is read (not `.env` either).
    ...(inv.envFiles?.length ? { envFiles: envFiles.every((f) => f) ? (envFiles as string[]) : [] } : {}),
    ...(inv.stack ? { stack: true } : {}),
    at,
  });
}

export function composeFileEnv(value: string, ctx: ShellContext, dirs: string[], at: Evidence, out: RepoEvidence): void {
  const sep = ctx.vars.get('COMPOSE_PATH_SEPARATOR') || (value.includes(';') && !value.includes(':') ? ';' : ':');
  const files = value.split(sep).map((f) => f.trim()).filter(Boolean);
  composeUse({ kind: 'compose', files, profiles: [] }, dirs, at, out);
}

function buildUse(inv: BuildInvocation, dirs: string[], at: Evidence, out: RepoEvidence): void {
  const ctxRaw = inv.context;
  if (ctxRaw === undefined || ctxRaw === '-' || /^[a-z]+:\/\/|^git@/i.test(ctxRaw) || isDynamic(ctxRaw)) return;
  for (const d of dirs) {
    const context = path.resolve(d, ctxRaw);
    if (!isKind(context, 'dir')) continue;
    // `-f` is relative to the working directory, not to the context.
    const dockerfile = inv.file === undefined ? path.join(context, 'Dockerfile') : isDynamic(inv.file) || inv.file === '-' ? undefined : path.resolve(d, inv.file);
    if (!dockerfile || !existsSync(dockerfile)) continue;
    const namedContexts = inv.namedContexts && resolveNamedContexts(inv.namedContexts, d);
    out.builds.push({ dockerfile, context, target: inv.target, tags: inv.tags, push: inv.push, exportsFiles: inv.exportsFiles, via: inv.tool, at, ...(inv.args ? { args: inv.args } : {}), ...(namedContexts ? { namedContexts } : {}) });
    return;
  }
}

/**
 * Named build contexts with their local folders made absolute (relative to `dir`: the folder the command runs in, the
 * compose project's, the bake file's); `docker-image://`, `target:`, `service:`, `oci-layout://` and URLs as written.
 */
export function resolveNamedContexts(raw: Record<string, string>, dir: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!name || !value || isDynamic(value)) continue;
    out[name] = /^[a-z][\w+.-]*:/i.test(value) || value.startsWith('git@') ? value : path.resolve(dir, value);
  }
  return Object.keys(out).length ? out : undefined;
}

/** The folders a relative path in `file` may be relative to: `first` (if given), the file's own folder, then each folder above it up to `root`. */
export function candidateDirs(file: string, root: string, first?: string): string[] {
  const out: string[] = first ? [first] : [];
  let d = path.dirname(file);
  for (;;) {
    if (!out.includes(d)) out.push(d);
    if (d === root || path.dirname(d) === d || !d.startsWith(root)) break;
    d = path.dirname(d);
  }
  return out;
}

/**
 * A bake command naming its files with -f: the first candidate folder in which every file it names is found is the
 * folder it runs in, which their contexts resolve against (src/evidence/bake-runs.ts). None found: nothing recorded.
 */
export function bakeRun(files: string[], contextSets: { pattern: string; value: string }[], dirs: string[], at: Evidence, out: RepoEvidence): void {
  if (files.length === 0 || files.some((f) => isDynamic(f))) return;
  for (const dir of dirs) {
    const found = files.map((f) => resolveIn([dir], f));
    if (found.every((f): f is string => f !== undefined)) {
      out.bakeRuns.push({ files: found, dir, contextSets, at });
      return;
    }
  }
}
