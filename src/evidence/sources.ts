// One reader per kind of evidence file. Each takes the file's text and adds
// what it says to the evidence; none throws on input it cannot read (a file
// that is not what its name says says nothing).
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, type Document, type Node, type Scalar } from 'yaml';
import { lineIndex, lineStarts } from '../text.js';
import { aliasBomb, aliasTarget } from '../parse/yaml-size.js';
import { bakeRun, candidateDirs, composeFileEnv, evidenceAt, interpretShell, resolveIn, resolveNamedContexts, type ShellContext } from './interpret.js';
import { readPom } from './maven.js';
import { bakePaths, builtTargets, parseBake } from './bake.js';
import { parseEnvFile } from '../compose-interpolate.js';
import { expandVariables, isDynamic as isDynamicText, shellCommands } from './shell.js';
import { emptyEvidence, type BuildUse, type Evidence, type EvidenceSource, type NeverRunUse, type RepoEvidence } from './types.js';
import { constantCondition } from './ci-condition.js';
import { githubContext, githubRepoOf, gitlabProjectOf, gitlabVariables, withGithubContext, workflowRepository } from './ci-context.js';
import { metadataActionTags, workflowRefs } from './metadata-action.js';

/** The evidence files discovery hands over: every source but the compose files, Dockerfiles and layout the model reads itself. */
export type EvidenceKind = Exclude<EvidenceSource, 'compose' | 'dockerfile' | 'structure'>;

export interface EvidenceFile {
  path: string;
  kind: EvidenceKind;
  /** The path argument it was found under (relative paths never resolve above it). */
  root: string;
  /** A file named like no script (`scripts/deploy`, `bin/up`): read only when it starts with a shell shebang. */
  shebangOnly?: boolean;
}

/**
 * Whether a file whose name says nothing may be a shell script worth opening: no
 * extension (`deploy`, `run`, `docker-up`), and not one of the all-capitals names
 * of repository documents (LICENSE, AUTHORS, CODEOWNERS, VERSION).
 */
export function mayBeShellScript(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name) && !/^[A-Z0-9_-]+$/.test(name);
}

/** Larger files with a shebang are programs, not the few lines that run docker: not read. */
export const SHEBANG_SCRIPT_MAX_BYTES = 256 * 1024;

/** `#!/bin/sh`, `#!/usr/bin/env bash`, `#!/usr/bin/env -S bash -e`, `#! /bin/zsh`: a POSIX-family shell. */
export function isShellShebang(firstLine: string): boolean {
  return /^#!\s*(?:\S*\/)?(?:env\s+(?:-\S+\s+)*)?(?:\S*\/)?(?:ba|da|k|z|a)?sh(?:\s|$)/.test(firstLine);
}

/** Which kind of evidence a file is, by its name and the folders it sits in; undefined for anything else. */
export function evidenceKind(name: string, dirParts: string[]): EvidenceKind | undefined {
  const lower = name.toLowerCase();
  const parent = dirParts[dirParts.length - 1]?.toLowerCase();
  if (/\.(sh|bash|zsh)$/.test(lower)) return 'shell';
  if (lower === 'makefile' || lower === 'gnumakefile' || lower.endsWith('.mk')) return 'makefile';
  if (lower === 'justfile' || lower === '.justfile' || lower.endsWith('.just')) return 'justfile';
  if (lower === 'package.json') return 'package.json';
  if (lower === 'pom.xml') return 'maven';
  // go-task's default names (https://taskfile.dev/usage/#supported-file-names).
  if (/^taskfile(\.dist)?\.ya?ml$/.test(lower)) return 'taskfile';
  // GoReleaser's default names (.goreleaser.yml/.yaml, goreleaser.yml/.yaml) and the variants repositories pass with
  // `--config` (.goreleaser.docker.yml, .goreleaser-nightly.yaml).
  if (/^\.?goreleaser([.-][\w.-]+)?\.ya?ml$/.test(lower)) return 'goreleaser';
  if (/\.ya?ml$/.test(lower)) {
    const inGithub = dirParts.map((d) => d.toLowerCase()).includes('.github');
    if (inGithub && (parent === 'workflows' || lower === 'action.yml' || lower === 'action.yaml')) return 'github-workflow';
    // Woodpecker: `.woodpecker.yml` or every file of `.woodpecker/` (https://woodpecker-ci.org/docs/usage/workflows);
    // Drone: `.drone.yml` (https://docs.drone.io/pipeline/configuration/).
    if (/^\.woodpecker\.ya?ml$/.test(lower) || parent === '.woodpecker') return 'woodpecker-ci';
    if (/^\.drone\.ya?ml$/.test(lower)) return 'drone-ci';
    if (lower === '.gitlab-ci.yml' || lower === '.gitlab-ci.yaml' || (parent === '.gitlab' && /ci/.test(lower)) || lower.endsWith('.gitlab-ci.yml')) return 'gitlab-ci';
    return undefined;
  }
  if (/^readme(\.[a-z]+)?$/.test(lower) && /(^readme$|\.(md|markdown|mdx|txt)$)/.test(lower)) return 'readme';
  if (/\.(md|markdown|mdx)$/.test(lower) && dirParts.some((d) => /^docs?$/i.test(d))) return 'readme';
  if (DOTENV_NAME.test(lower)) return 'dotenv';
  if (/^docker-bake(\.override)?\.(hcl|json)$/.test(lower) || lower.endsWith('.bake.hcl')) return 'bake';
  if (lower === 'devcontainer.json' || lower === '.devcontainer.json') return 'devcontainer';
  return undefined;
}

/**
 * Names of dotenv files and of the templates a README has users copy to `.env`: `.env` and `.env.<anything>`
 * (`.env.example`, `.env.dist`, `.env.docker`), `<name>.env` (`prod.env`), `env.example`-like names, and a dotfile
 * with an `env` word and no extension (otobo's `.docker_compose_env_https`, one per way to run it). Only their
 * COMPOSE_FILE is read: each template that sets one is a way the project is run. `.envrc` (direnv, a shell file)
 * and template sources (`dot_env.m4`) are not dotenv.
 */
const DOTENV_NAME = /^(\.env(\..+)?|[\w.-]+\.env|env\.(example|sample|template|dist|defaults?)|\.[\w-]*[_-]env([_-][\w-]*)?)$/;

interface Ctx {
  file: string;
  rel: string;
  root: string;
  text: string;
}

/** Read one evidence file's text into `out`. */
export function readEvidenceFile(kind: EvidenceKind, ctx: Ctx, out: RepoEvidence): void {
  switch (kind) {
    case 'shell':
      readLibraryManifest(ctx, out);
      return interpretShell(ctx.text, shellContext(ctx, 'shell', candidateDirs(ctx.file, ctx.root)), out);
    case 'makefile':
      return readMakefile(ctx, out);
    case 'justfile':
      return readJustfile(ctx, out);
    case 'taskfile':
      return readTaskfile(ctx, out);
    case 'package.json':
      return readPackageJson(ctx, out);
    case 'github-workflow':
      return readGithubWorkflow(ctx, out);
    case 'gitlab-ci':
      return readGitlabCi(ctx, out);
    case 'woodpecker-ci':
    case 'drone-ci':
      return readPipelineSteps(kind, ctx, out);
    case 'maven':
      return readPom(ctx, out);
    case 'readme':
      return readMarkdown(ctx, out);
    case 'dotenv':
      return readDotenv(ctx, out);
    case 'bake':
      return readBakeFile(ctx, out);
    case 'devcontainer':
      return readDevcontainer(ctx, out);
    case 'goreleaser':
      return readGoreleaser(ctx, out);
  }
}

/** The manifest line that names the repository (`GitRepo: https://github.com/docker-library/python.git`), once per script. */
function readLibraryManifest(ctx: Ctx, out: RepoEvidence): void {
  const m = /^[ \t]*GitRepo:[ \t]*\S/m.exec(ctx.text);
  if (m) out.imageLibrary.push(evidenceAt({ ...ctx, source: 'shell', lineOf: lineIndex(ctx.text) }, ctx.text, m.index));
}

function shellContext(ctx: Ctx, source: EvidenceSource, dirs: string[], style: ShellContext['style'] = 'shell', lineOf = lineIndex(ctx.text)): ShellContext {
  return { file: ctx.file, rel: ctx.rel, source, lineOf, dirs, vars: new Map(), style, fullText: ctx.text };
}

// ------------------------------------------------------------- Makefiles

/**
 * Recipes run in the Makefile's folder, one shell per line. Variable
 * definitions with literal values are kept (`IMAGE := org/app`), and a
 * definition whose value is a docker command (`DC = docker compose -f a -f b`)
 * counts as that command.
 */
function readMakefile(ctx: Ctx, out: RepoEvidence): void {
  const text = ctx.text;
  const sc = shellContext(ctx, 'makefile', candidateDirs(ctx.file, ctx.root), 'make');
  for (const { start, end } of logicalLines(text)) {
    const line = text.slice(start, end);
    if (line.startsWith('\t')) {
      const body = line.replace(/^\t[@+\-\s]*/, (m) => ' '.repeat(m.length));
      interpretShell(body, sc, out, start);
      continue;
    }
    const def = /^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?::{1,3}=|\?=|\+=|=)\s*(.*)$/.exec(line.replace(/\\\r?\n/g, ' '));
    if (def && !/^\s*(ifeq|ifneq|ifdef|ifndef|define)\b/.test(line)) {
      const [, name, value] = def;
      const v = value!.trim();
      if (!/\$[({]/.test(v)) sc.vars.set(name!, v);
      if (/^(docker|docker-compose|podman|podman-compose)\s/.test(v)) {
        interpretShell(v, sc, out, start + line.indexOf(value!));
      }
    }
  }
}

/** Lines joined over trailing backslashes: [start, end) of each, without the line break (CR included). */
function logicalLines(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let start = 0;
  let i = 0;
  while (i <= text.length) {
    const nl = text.indexOf('\n', i);
    const end = nl < 0 ? text.length : nl;
    const continued = text[end - 1] === '\\' || (text[end - 1] === '\r' && text[end - 2] === '\\');
    if (continued && nl >= 0) {
      i = nl + 1;
      continue;
    }
    out.push({ start, end: text[end - 1] === '\r' ? end - 1 : end });
    if (nl < 0) break;
    start = i = nl + 1;
  }
  return out;
}

// -------------------------------------------------------------- justfiles

function readJustfile(ctx: Ctx, out: RepoEvidence): void {
  const text = ctx.text;
  const sc = shellContext(ctx, 'justfile', candidateDirs(ctx.file, ctx.root), 'just');
  for (const { start, end } of logicalLines(text)) {
    const line = text.slice(start, end);
    const assign = /^(?:export\s+)?([A-Za-z_][\w-]*)\s*:=\s*(['"]?)(.*?)\2\s*$/.exec(line);
    if (assign) {
      if (!/[`{$]/.test(assign[3]!)) sc.vars.set(assign[1]!, assign[3]!);
      continue;
    }
    if (/^[ \t]+\S/.test(line)) {
      const body = line.replace(/^([ \t]+)[@-]?/, (m) => ' '.repeat(m.length));
      interpretShell(body, sc, out, start);
    }
  }
}

// -------------------------------------------------------------- Taskfiles

/**
 * go-task Taskfiles (schema: https://taskfile.dev/reference/schema/): each
 * task's `cmds` (strings, or `cmd:` entries) and `cmd`, run in the Taskfile's
 * folder or the task's `dir:`. Literal `vars:` (the file's, then the task's)
 * fill `{{.NAME}}`, and `env:` (COMPOSE_FILE) applies to compose commands
 * that name no file. Dynamic vars (`sh:`) and templates stay unknown.
 */
function readTaskfile(ctx: Ctx, out: RepoEvidence): void {
  const doc = yamlDoc(ctx.text);
  if (!doc) return;
  const lineOf = lineIndex(ctx.text);
  const top = doc.contents;
  const literal = (node: unknown) => Object.entries(envOf(doc, node)).filter(([, v]) => !isDynamicText(v));
  // Taskfile version 2 also reads global vars from Taskvars.yml beside it (https://taskfile.dev/deprecations/version-2-schema/:
  // "Taskvars.yml"), under the file's own `vars:`.
  const fileVars = [...taskvarsBeside(ctx.file), ...literal(get(doc, top, 'vars'))];
  const fileEnv = envOf(doc, get(doc, top, 'env'));
  const tasks = new Map(entries(doc, get(doc, top, 'tasks')));
  /**
   * Interpret one task's commands with the variables it is run with: its own literal `vars:` over those a calling task
   * passes (`- task: build` with `vars: {TARGET: alpine}`) over the file's (taskfile.dev/reference/templating, "Variables":
   * the task's own first, then the call's, then the global ones). A call is followed with its variables, so
   * `docker build --target {{.TARGET}}` in a task called once per target gives one build per target; depth-limited.
   */
  const runTask = (task: unknown, callVars: [string, string][], depth: number): void => {
    const env = { ...fileEnv, ...envOf(doc, get(doc, task, 'env')) };
    const vars = new Map([...fileVars, ...callVars, ...literal(get(doc, task, 'vars')), ...Object.entries(env).filter(([, v]) => !isDynamicText(v))]);
    const dir = scalarText(doc, get(doc, task, 'dir'));
    const dirs = candidateDirs(ctx.file, ctx.root, dir !== undefined && !isDynamicText(dir) ? path.resolve(path.dirname(ctx.file), dir) : undefined);
    const cmds = deref(doc, get(doc, task, 'cmds'));
    // A task may also be just a command or a list of them (`up: docker compose up`).
    const shorthand = deref(doc, task);
    const list = isSeq(cmds) ? cmds.items : isSeq(shorthand) ? shorthand.items : isScalar(shorthand) ? [shorthand] : [];
    const nodes = [...list.map((item) => (isMap(deref(doc, item)) ? get(doc, item, 'cmd') : item)), get(doc, task, 'cmd')];
    for (const node of nodes) {
      const script = scalarScript(doc, node, lineOf);
      if (!script) continue;
      interpretShell(script.text, { file: ctx.file, rel: ctx.rel, source: 'taskfile', lineOf: script.lineOf, dirs, vars: new Map(vars), style: 'task', env }, out);
    }
    if (depth >= 3) return;
    const deps = deref(doc, get(doc, task, 'deps'));
    for (const item of [...list, ...(isSeq(deps) ? deps.items : [])]) {
      if (!isMap(deref(doc, item))) continue;
      const passed = get(doc, item, 'vars');
      if (!passed) continue; // a call without vars runs the task as it is read on its own
      const name = scalarText(doc, get(doc, item, 'task'));
      const callee = name !== undefined ? tasks.get(name) : undefined;
      if (callee === undefined || callee === task) continue;
      // The callee sees the call's vars (with the caller's `{{.X}}` filled in), not the caller's own.
      const given = Object.entries(envOf(doc, passed)).map(([k, v]): [string, string] => [k, expandTaskVars(v, vars)]);
      runTask(callee, given.filter(([, v]) => !isDynamicText(v)), depth + 1);
    }
  };
  for (const task of tasks.values()) runTask(task, [], 0);
}

/** `{{.NAME}}` in a value a task passes on, from the caller's variables (left as written when unknown). */
function expandTaskVars(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(/\{\{\s*\.([A-Za-z_]\w*)\s*\}\}/g, (whole, name: string) => vars.get(name) ?? whole);
}

/** Literal variables of a `Taskvars.yml` beside a Taskfile (version 2), as `NAME: value` pairs. */
function taskvarsBeside(taskfile: string): [string, string][] {
  for (const name of ['Taskvars.yml', 'Taskvars.yaml']) {
    const file = path.join(path.dirname(taskfile), name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const doc = yamlDoc(text);
    if (!doc) return [];
    return Object.entries(envOf(doc, doc.contents)).filter(([, v]) => !isDynamicText(v));
  }
  return [];
}

// ----------------------------------------------------------- package.json

function readPackageJson(ctx: Ctx, out: RepoEvidence): void {
  let data: unknown;
  try {
    data = JSON.parse(ctx.text);
  } catch {
    return;
  }
  const scripts = (data as { scripts?: unknown })?.scripts;
  if (typeof scripts !== 'object' || scripts === null) return;
  const lineOf = lineIndex(ctx.text);
  const scriptsAt = Math.max(0, ctx.text.indexOf('"scripts"'));
  for (const [name, value] of Object.entries(scripts as Record<string, unknown>)) {
    if (typeof value !== 'string' || !/docker|podman|compose/.test(value)) continue;
    const keyAt = ctx.text.indexOf(JSON.stringify(name), scriptsAt);
    const line = lineOf(keyAt < 0 ? scriptsAt : keyAt);
    const sc = { ...shellContext(ctx, 'package.json', candidateDirs(ctx.file, ctx.root), 'shell', () => line), fullText: undefined };
    interpretShell(value, sc, out);
  }
}

// ------------------------------------------------------------ YAML helpers

/** A YAML document with aliases bounded by expanded size; undefined when it cannot be read. */
function yamlDoc(text: string): Document.Parsed | undefined {
  if (sharedDocs?.has(text)) return sharedDocs.get(text);
  let doc: Document.Parsed | undefined;
  try {
    doc = parseDocument(text, { merge: true, prettyErrors: false });
    if (doc.errors.length || aliasBomb(doc)) doc = undefined;
  } catch {
    doc = undefined;
  }
  sharedDocs?.set(text, doc);
  return doc;
}

/**
 * The documents parsed while withSharedYamlDocs runs, by text: a reusable
 * workflow or local action is read as a file of its own and again from each
 * caller (readYamlFile), and repositories keep copies of the same workflow;
 * nothing here changes a parsed document, so one parse serves them all (on
 * the real-world corpus up to a third of the workflow text was parsed twice;
 * issue 13).
 */
let sharedDocs: Map<string, Document.Parsed | undefined> | undefined;

/** Runs `read` with YAML documents parsed once per text; they are dropped when it returns. */
export function withSharedYamlDocs<T>(read: () => T): T {
  const before = sharedDocs;
  sharedDocs = new Map();
  try {
    return read();
  } finally {
    sharedDocs = before;
  }
}

/**
 * The value node under `key` in a map node (aliases resolved, `<<` merges followed), as
 * `entries(doc, node)` would list it first: the map's own key wins, then the merged maps in
 * order. Looked up without building the entry lists: the readers ask for one key at a time,
 * many times per step and job (issue 13).
 */
function get(doc: Document.Parsed, node: unknown, key: string): Node | undefined {
  return getEntry(doc, node, key, 0)?.[1];
}

/** `get`'s answer with whether the key is there at all (a key with no value hides the merged maps' key). */
function getEntry(doc: Document.Parsed, node: unknown, key: string, depth: number): [string, Node | undefined] | undefined {
  const n = deref(doc, node);
  if (!isMap(n) || depth > 10) return undefined;
  let merges = false;
  for (const item of n.items) {
    if (!isPair(item) || !isScalar(item.key)) continue;
    if (isMergeKey(item.key)) merges = true;
    else if (String(item.key.value) === key) return [key, deref(doc, item.value) as Node | undefined];
  }
  if (!merges) return undefined;
  for (const item of n.items) {
    if (!isPair(item) || !isScalar(item.key) || !isMergeKey(item.key)) continue;
    const src = deref(doc, item.value);
    for (const m of isSeq(src) ? src.items : [src]) {
      const found = getEntry(doc, m, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** `<<: *defaults`: the merged maps' keys count too. */
function isMergeKey(key: Scalar): boolean {
  return key.source === '<<' || key.value === '<<' || typeof key.value === 'symbol';
}

/**
 * The node an alias names (up to ten aliases deep), from one walk of the document
 * (aliasTarget): yaml's Alias.resolve walks the whole document for every alias.
 */
function deref(doc: Document.Parsed, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 10 && isAlias(n); i++) n = aliasTarget(doc, n);
  return n;
}

function entries(doc: Document.Parsed, node: unknown, depth = 0): [string, Node | undefined][] {
  const n = deref(doc, node);
  if (!isMap(n) || depth > 10) return [];
  const own: [string, Node | undefined][] = [];
  const merged: [string, Node | undefined][] = [];
  for (const item of n.items) {
    if (!isPair(item) || !isScalar(item.key)) continue;
    if (isMergeKey(item.key)) {
      // `<<: *defaults`: the merged maps' keys count too; the map's own keys win.
      const src = deref(doc, item.value);
      for (const m of isSeq(src) ? src.items : [src]) merged.push(...entries(doc, m, depth + 1));
      continue;
    }
    own.push([String(item.key.value), deref(doc, item.value) as Node | undefined]);
  }
  for (const e of merged) if (!own.some(([k]) => k === e[0])) own.push(e);
  return own;
}

function scalarText(doc: Document.Parsed, node: unknown): string | undefined {
  const n = deref(doc, node);
  if (isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number' || typeof n.value === 'boolean')) return String(n.value);
  return undefined;
}

/** Environment variables a map node sets (`env:`, `variables:`). */
function envOf(doc: Document.Parsed, node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries(doc, node)) {
    const s = scalarText(doc, v) ?? scalarText(doc, get(doc, v, 'value'));
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/**
 * Shell text from a scalar node, with a line mapping: block scalars (`|`)
 * keep one value line per source line, starting on the line after the indicator.
 */
function scalarScript(doc: Document.Parsed, node: unknown, lineOf: (o: number) => number): { text: string; lineOf: (o: number) => number } | undefined {
  const n = deref(doc, node);
  if (!isScalar(n) || typeof n.value !== 'string' || !n.range) return undefined;
  const text = n.value;
  const first = lineOf(n.range[0]);
  const block = n.type === 'BLOCK_LITERAL' || n.type === 'BLOCK_FOLDED';
  const valueLines = lineStarts(text);
  return {
    text,
    lineOf: (o: number) => {
      let k = 0;
      while (k + 1 < valueLines.length && valueLines[k + 1]! <= o) k++;
      return first + (block ? 1 : 0) + (n.type === 'BLOCK_FOLDED' ? 0 : k);
    },
  };
}

// -------------------------------------------------------- GitHub Actions

/**
 * Workflows (`.github/workflows/*.yml`) and composite actions: `run:` steps
 * (in the repository root, or their `working-directory`), and
 * docker/build-push-action and docker/bake-action steps with their inputs.
 */
function readGithubWorkflow(ctx: Ctx, out: RepoEvidence): void {
  const doc = yamlDoc(ctx.text);
  if (!doc) return;
  const githubDir = ctx.file.slice(0, ctx.file.lastIndexOf(`${path.sep}.github${path.sep}`));
  const repoRoot = githubDir && githubDir.startsWith(ctx.root) ? githubDir : ctx.root;
  // `${{ github.repository }}` and the like, known from the checkout's Git remote, else from what the workflow compares them with.
  const remote = githubRepoOf(repoRoot);
  const repo = remote ?? workflowRepository(ctx.text);
  const github = githubContext(repo);
  // The first workflow that says it, for the checkout (a remote says it for every workflow alike).
  if (repo && !out.ciRepositories.some((r) => r.root === repoRoot)) {
    const from = remote ? 'git remote' : `${ctx.rel} compares github.repository${repo.name === undefined ? '_owner' : ''} with it`;
    out.ciRepositories.push({ root: repoRoot, owner: repo.owner.toLowerCase(), ...(repo.name !== undefined ? { name: repo.name.toLowerCase() } : {}), from });
  }
  readWorkflowDoc({ ctx, doc, lineOf: lineIndex(ctx.text) }, repoRoot, github, github.expressions, out, 0);
}

/** A workflow or action file read, with its parsed document and line mapping. */
interface WorkflowFile {
  ctx: Ctx;
  doc: Document.Parsed;
  lineOf: (offset: number) => number;
}

/** The runner's context for one repository: `${{ github.… }}` expressions and variables. */
type GithubCtx = ReturnType<typeof githubContext>;

/**
 * A step output (`echo "name=value" >> "$GITHUB_OUTPUT"`, or the older `echo "::set-output name=name::value"`,
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-an-output-parameter),
 * read as `${{ steps.<id>.outputs.<name> }}` in later steps and, through the job's `outputs:`, as
 * `${{ needs.<job>.outputs.<name> }}` in the jobs that need it. `values` are the values the script can write (one per
 * branch or assignment of the variables it writes; several when it is not one), variables nothing sets kept as written.
 */
interface StepOutput {
  values: string[];
  /** `.github/workflows/cd.yml:103`: where the value is written. */
  where: string;
}

/** Local actions and reusable workflows call one another at most this deep (GitHub itself allows 10 and 4). */
const MAX_CALL_DEPTH = 3;

/**
 * One workflow (or composite action) file's jobs and steps, with `expressions` as the base context: the repository's
 * `github` context, and for a local reusable workflow or action the `inputs.*` its caller's `with:` sets. `calledFrom`
 * names the caller; the builds read then say so.
 */
function readWorkflowDoc(file: WorkflowFile, repoRoot: string, github: GithubCtx, base: ReadonlyMap<string, string>, out: RepoEvidence, depth: number, calledFrom?: string): void {
  const { ctx, doc, lineOf } = file;
  const firstBuild = out.builds.length;
  const top = doc.contents;
  const workflowEnv = withContext(envOf(doc, get(doc, top, 'env')), base);
  const workflowDir = scalarText(doc, get(doc, get(doc, get(doc, top, 'defaults'), 'run'), 'working-directory'));
  const jobs: [Node | undefined, Record<string, string>, string | undefined, ReadonlyMap<string, string>, RepoEvidence][] = [];
  const jobEntries = entries(doc, get(doc, top, 'jobs'));
  const jobOutputs = jobOutputsOf(file, jobEntries, workflowEnv, base, github);
  // Outputs of the jobs this one needs that have one value are known as text; a list of values fills `tags` only.
  const needsBase = new Map(base);
  for (const [key, o] of jobOutputs) if (o.values.length === 1 && !isDynamicText(o.values[0]!)) needsBase.set(key, o.values[0]!);
  const skipped: { sink: RepoEvidence; use: Omit<NeverRunUse, 'builds'> }[] = [];
  for (const [jobName, job] of jobEntries) {
    // A job whose `if:` is always false never runs: what it does is read apart, to be named, not counted.
    const never = neverRuns(file, job, `job ${jobName}`);
    const sink = never ? emptyEvidence() : out;
    if (never) skipped.push({ sink, use: never });
    const jobDir = scalarText(doc, get(doc, get(doc, get(doc, job, 'defaults'), 'run'), 'working-directory')) ?? workflowDir;
    // A job with a `strategy.matrix` runs once per combination, `${{ matrix.x }}` filled in each time.
    for (const expressions of matrixContexts(doc, ctx.text, job, needsBase)) {
      const jobEnv = { ...workflowEnv, ...withContext(envOf(doc, get(doc, job, 'env')), expressions) };
      jobs.push([get(doc, job, 'steps'), jobEnv, jobDir, expressions, sink]);
      if (!readLocalWorkflowCall(file, job, workflowEnv, expressions, repoRoot, github, sink, depth)) readReusableWorkflowBuild(ctx, doc, job, workflowEnv, expressions, repoRoot, lineOf, sink);
    }
    // `container: image` or `container: {image: ...}`: the job's steps run inside that image
    // (https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idcontainer).
    const containerNode = get(doc, job, 'container');
    const jobImage = scalarText(doc, containerNode) ?? scalarText(doc, get(doc, containerNode, 'image'));
    if (jobImage && !jobImage.includes('${{')) {
      const at = evidenceAt({ ...ctx, source: 'github-workflow', lineOf }, ctx.text, (containerNode as Node | undefined)?.range?.[0] ?? 0);
      sink.imageUses.push({ image: jobImage, kind: 'ci-job', at });
    }
  }
  const runs = get(doc, top, 'runs'); // a composite action
  if (runs) jobs.push([get(doc, runs, 'steps'), workflowEnv, undefined, base, out]);

  for (const [steps, env, jobDir, expressions, sink] of jobs) readSteps(file, steps, env, jobDir, expressions, new Map(jobOutputs), repoRoot, github, sink, depth);
  for (const { sink, use } of skipped) out.neverRun.push({ ...use, builds: sink.builds }, ...sink.neverRun);
  untagMatrixTwins(out.builds, firstBuild);
  if (calledFrom) for (const b of out.builds.slice(firstBuild)) markCalled(b, calledFrom);
}

/**
 * Whether a step's `if:` is false for this matrix combination only: with the `matrix.*` values of the combination
 * written in as literals (a number or boolean as such, anything else a string), it is always false, and as written
 * it is not. Only the matrix is filled in: `github.repository` and the like differ in forks, which run the workflow too.
 */
function skippedForCombination(condition: string | undefined, known: ReadonlyMap<string, string>): boolean {
  if (condition === undefined || !/\bmatrix\./.test(condition) || constantCondition(condition) === false) return false;
  let unknown = false;
  const filled = condition.replace(/(?<![\w.'])matrix\.[\w-]+(?:\.[\w-]+)*/g, (ref) => {
    const v = known.get(ref);
    if (v === undefined) {
      unknown = true;
      return ref;
    }
    if (/^-?\d+(\.\d+)?$/.test(v) || v === 'true' || v === 'false') return v;
    return `'${v.replace(/'/g, "''")}'`;
  });
  return !unknown && constantCondition(filled) === false;
}

/** The job's or step's `if:` when it is always false (ci-condition.ts): what it is and where. */
function neverRuns(file: WorkflowFile, node: unknown, what: string): Omit<NeverRunUse, 'builds'> | undefined {
  const { ctx, doc, lineOf } = file;
  const ifNode = get(doc, node, 'if');
  const condition = scalarText(doc, ifNode);
  if (constantCondition(condition) !== false) return undefined;
  const at = evidenceAt({ ...ctx, source: 'github-workflow', lineOf }, ctx.text, ifNode?.range?.[0] ?? 0);
  return { what, condition: condition!, at };
}

/**
 * The outputs each job hands to the jobs that need it (`jobs.<id>.outputs.<name>: ${{ steps.<step>.outputs.<x> }}`),
 * as `needs.<id>.outputs.<name>`; a job with a matrix is left out (each combination writes the output, the last wins).
 */
function jobOutputsOf(file: WorkflowFile, jobEntries: [string, Node | undefined][], workflowEnv: Record<string, string>, base: ReadonlyMap<string, string>, github: GithubCtx): Map<string, StepOutput> {
  const { ctx, doc } = file;
  const outputs = new Map<string, StepOutput>();
  for (const [jobId, job] of jobEntries) {
    const declared = entries(doc, get(doc, job, 'outputs'));
    if (!declared.length) continue;
    const combos = matrixContexts(doc, ctx.text, job, base);
    if (combos.length !== 1) continue;
    const jobEnv = { ...workflowEnv, ...withContext(envOf(doc, get(doc, job, 'env')), combos[0]!) };
    const stepOut = stepOutputsOf(file, get(doc, job, 'steps'), jobEnv, combos[0]!, github);
    for (const [name, node] of declared) {
      const ref = /^\$\{\{\s*(steps\.[\w-]+\.outputs\.[\w-]+)\s*\}\}$/.exec((scalarText(doc, node) ?? '').trim());
      const o = ref ? stepOut.get(ref[1]!) : undefined;
      if (o) outputs.set(`needs.${jobId}.outputs.${name}`, o);
    }
  }
  return outputs;
}

/** The outputs the `run:` steps with an `id` write, as `steps.<id>.outputs.<name>`. */
function stepOutputsOf(file: WorkflowFile, steps: unknown, env: Record<string, string>, expressions: ReadonlyMap<string, string>, github: GithubCtx): Map<string, StepOutput> {
  const { doc, lineOf } = file;
  const outputs = new Map<string, StepOutput>();
  const list = deref(doc, steps);
  if (!isSeq(list)) return outputs;
  for (const stepNode of list.items) {
    const step = deref(doc, stepNode);
    const id = scalarText(doc, get(doc, step, 'id'));
    const script = id ? scalarScript(doc, get(doc, step, 'run'), lineOf) : undefined;
    if (!id || !script) continue;
    const known = new Map(expressions);
    for (const [k, o] of outputs) if (o.values.length === 1 && !isDynamicText(o.values[0]!)) known.set(k, o.values[0]!);
    const stepEnv = { ...env, ...withContext(envOf(doc, get(doc, step, 'env')), known) };
    const run = scriptWithContext(script, withEnvExpressions(known, stepEnv));
    const vars = new Map([...github.vars, ...Object.entries(stepEnv).filter(([, v]) => !v.includes('${{'))]);
    for (const [name, o] of scriptOutputs(run.text, vars)) outputs.set(`steps.${id}.outputs.${name}`, { values: o.values, where: `${file.ctx.rel}:${run.lineOf(o.offset)}` });
  }
  return outputs;
}

/** More values than this for one variable or output are not followed (the output is then not known). */
const MAX_OUTPUT_VALUES = 16;

/**
 * The outputs a step's script writes, each with the values it can have. Control flow is not followed: every
 * assignment of a variable adds a value it can have, so a value read is one of these; an output with more values than MAX_OUTPUT_VALUES is dropped.
 * (A variable that reads itself extends its latest values only: `X=a; X="$X,b"` then gives `a` and `a,b`.)
 * Writes recognised: `echo NAME=VALUE >> $GITHUB_OUTPUT` (or `>`), `echo NAME=VALUE | tee -a $GITHUB_OUTPUT`,
 * `echo ::set-output name=NAME::VALUE`; a `{ …; } >> $GITHUB_OUTPUT` group and heredocs are not read. With `file`
 * GITHUB_ENV: the variables the step sets for the steps after it, written the same way to `$GITHUB_ENV`
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable).
 */
export function scriptOutputs(text: string, vars: ReadonlyMap<string, string>, file: 'GITHUB_OUTPUT' | 'GITHUB_ENV' = 'GITHUB_OUTPUT'): Map<string, { values: string[]; offset: number }> {
  // Most run steps write neither: not parsed again for nothing.
  if (!text.includes(file) && !(file === 'GITHUB_OUTPUT' && text.includes('::set-output'))) return new Map();
  const known = new Map<string, string[]>([...vars].map(([k, v]) => [k, [v]]));
  // The values of each variable's latest assignment: an assignment that reads the variable itself (`X="$X,b"`)
  // extends those, as a script building a list does, rather than every value the variable ever had.
  const latest = new Map<string, string[]>();
  const outputs = new Map<string, { values: string[]; offset: number }>();
  const dropped = new Set<string>();
  const isOutputFile = (w: string | undefined) => w !== undefined && (w === `$${file}` || w === `\${${file}}`);
  const add = (into: Map<string, string[]>, name: string, values: string[]) => {
    const all = [...new Set([...(into.get(name) ?? []), ...values])];
    into.set(name, all.slice(0, MAX_OUTPUT_VALUES + 1));
  };
  const commands = shellCommands(text);
  commands.forEach((cmd, i) => {
    const words = cmd.words.map((w) => w.text);
    const assignments = cmd.words.length === 0 ? cmd.assignments.map((w) => w.text) : /^(export|declare|local|readonly)$/.test(words[0]!) ? words.slice(1).filter((w) => /^[A-Za-z_]\w*\+?=/.test(w)) : [];
    for (const a of assignments) {
      const m = /^([A-Za-z_]\w*)(\+?)=(.*)$/s.exec(a);
      if (!m) continue;
      const value = m[2] ? `$${m[1]}${m[3]}` : m[3]!;
      const values = expandEach(value, new Map([...known, ...(latest.has(m[1]!) ? [[m[1]!, latest.get(m[1]!)!] as const] : [])]), m[1]);
      latest.set(m[1]!, values);
      add(known, m[1]!, values);
    }
    if (words[0] !== 'echo') return;
    let k = 1;
    while (/^-[neE]+$/.test(words[k] ?? '')) k++;
    const said = words.slice(k).join(' ');
    let name: string | undefined;
    let value: string | undefined;
    const setOutput = file === 'GITHUB_OUTPUT' ? /^::set-output name=([\w-]+)::(.*)$/s.exec(said) : null;
    const next = commands[i + 1];
    const toFile = cmd.redirects?.some((r) => />/.test(r.op) && isOutputFile(r.target.text)) || (next?.piped && next.words[0]?.text === 'tee' && isOutputFile(next.words.at(-1)?.text));
    if (setOutput) [name, value] = [setOutput[1], setOutput[2]];
    else if (toFile) {
      const m = /^([\w-]+)=(.*)$/s.exec(said);
      if (m) [name, value] = [m[1], m[2]];
    }
    if (name === undefined || value === undefined || dropped.has(name)) return;
    // The output is each value its variables can have (`tags=$TAGS` after `TAGS=a` in one branch and `TAGS=b` in another).
    const values = [...new Set([...(outputs.get(name)?.values ?? []), ...expandEach(value, known, true)])];
    if (values.length > MAX_OUTPUT_VALUES) {
      outputs.delete(name);
      dropped.add(name);
      return;
    }
    outputs.set(name, { values, offset: outputs.get(name)?.offset ?? cmd.start });
  });
  return outputs;
}

/**
 * A word expanded with each combination of the values its variables can have (at most MAX_OUTPUT_VALUES + 1). A
 * variable is filled in when it has one literal value, or when it is `self` (a list being built); one with several
 * values or a value not known here (`$(git describe)`) stays `$NAME`, so a tag made of it stays a pattern
 * (`org/app:$VERSION`) rather than becoming each value a branch could give it.
 */
function expandEach(word: string, known: ReadonlyMap<string, string[]>, self?: string | true): string[] {
  const names = [...new Set([...word.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1]!))].filter((n) => {
    const values = known.get(n);
    return values !== undefined && (self === true || n === self || (values.length === 1 && !isDynamicText(values[0]!)));
  });
  let combos: Map<string, string>[] = [new Map()];
  for (const n of names) {
    combos = combos.flatMap((c) => known.get(n)!.map((v) => new Map([...c, [n, v]])));
    if (combos.length > MAX_OUTPUT_VALUES) combos = combos.slice(0, MAX_OUTPUT_VALUES + 1);
  }
  return [...new Set(combos.map((c) => expandVariables(word, c)))];
}

/**
 * A step list (a job's, or a composite action's `runs.steps`): run scripts, build actions, and the local composite
 * actions the steps call, read with the caller's `with:` as their `inputs`. `outputs` holds the step and job outputs
 * known so far; each `run:` step with an `id` adds its own for the steps after it.
 */
function readSteps(
  file: WorkflowFile,
  steps: unknown,
  env: Record<string, string>,
  jobDir: string | undefined,
  expressions: ReadonlyMap<string, string>,
  outputs: Map<string, StepOutput>,
  repoRoot: string,
  github: GithubCtx,
  out: RepoEvidence,
  depth: number,
): void {
  const { ctx, doc, lineOf } = file;
  const list = deref(doc, steps);
  if (!isSeq(list)) return;
  // Expressions plus the step outputs with one value, as the steps after them see them.
  const known = new Map(expressions);
  // The job's environment, with what earlier steps wrote to $GITHUB_ENV (one literal value each).
  const jobEnv = { ...env };
  const envIn = (node: unknown) => withContext(envOf(doc, node), known);
  // docker/metadata-action steps by id: the image names their `tags` output carries.
  const metadataImages = new Map<string, string[]>();
  // Their `bake-target` (the target of the bake file they write that a bake target inherits the tags from).
  const metadataBakeTargets = new Map<string, string>();
  // The refs the workflow runs on (its `on:`; a composite action has none: any), for the tags metadata-action makes.
  const refs = workflowRefs(get(doc, doc.contents, 'on')?.toJSON());
  const inRepo = checkoutPathMapper(doc, list.items);
  const sinkOut = out;
  for (const stepNode of list.items) {
    const step = deref(doc, stepNode);
    // A step whose `if:` reads the matrix runs for the combinations it holds for (hedgedoc/container's `if: ${{
    // matrix.base == 'debian' }}` adds the `latest` tags for the Debian image only): for the others it is not there.
    if (skippedForCombination(scalarText(doc, get(doc, step, 'if')), known)) continue;
    // A step whose `if:` is always false never runs: read apart, to be named, not counted.
    const never = neverRuns(file, step, `step ${JSON.stringify(scalarText(doc, get(doc, step, 'name')) ?? scalarText(doc, get(doc, step, 'uses')) ?? 'run')}`);
    out = never ? emptyEvidence() : sinkOut;
    if (never) sinkOut.neverRun.push({ ...never, builds: out.builds });
    const stepEnv = { ...jobEnv, ...envIn(get(doc, step, 'env')) };
    const wd = inRepo(scalarText(doc, get(doc, step, 'working-directory')) ?? jobDir);
    const dirs = wd && !wd.includes('${{') ? [path.resolve(repoRoot, wd), repoRoot] : [repoRoot];
    const script = scalarScript(doc, get(doc, step, 'run'), lineOf);
    if (script) {
      const run = scriptWithContext(script, withEnvExpressions(known, stepEnv));
      const vars = new Map([...github.vars, ...Object.entries(stepEnv).filter(([, v]) => !v.includes('${{'))]);
      // interpretShell sets the script's own assignments in `vars` as it reads: the outputs are read from the step's start.
      const sc: ShellContext = { file: ctx.file, rel: ctx.rel, source: 'github-workflow', lineOf: run.lineOf, dirs, vars: new Map(vars), style: 'shell', env: stepEnv };
      interpretShell(run.text, sc, out);
      if (never) continue; // what it would write to $GITHUB_OUTPUT or $GITHUB_ENV is never written
      const id = scalarText(doc, get(doc, step, 'id'));
      if (id) {
        for (const [name, o] of scriptOutputs(run.text, vars)) {
          const key = `steps.${id}.outputs.${name}`;
          outputs.set(key, { values: o.values, where: `${ctx.rel}:${run.lineOf(o.offset)}` });
          if (o.values.length === 1 && !isDynamicText(o.values[0]!)) known.set(key, o.values[0]!);
        }
      }
      // A step with an `if:` may not run: what it writes is one more value the variable can have, not its value.
      const conditional = get(doc, step, 'if') !== undefined;
      for (const [name, o] of scriptOutputs(run.text, vars, 'GITHUB_ENV')) {
        const before = conditional ? outputs.get(`env.${name}`)?.values ?? (jobEnv[name] !== undefined ? [jobEnv[name]!] : []) : [];
        const values = [...new Set([...before, ...o.values])];
        // One literal value: the later steps' environment (`$NAME`, `${{ env.NAME }}`); several: a tag list only.
        if (values.length === 1 && !isDynamicText(values[0]!)) jobEnv[name] = values[0]!;
        else delete jobEnv[name];
        outputs.set(`env.${name}`, { values, where: `${ctx.rel}:${run.lineOf(o.offset)}` });
      }
      continue;
    }
    const uses = scalarText(doc, get(doc, step, 'uses')) ?? '';
    const withNode = get(doc, step, 'with');
    const at = evidenceAt({ ...ctx, source: 'github-workflow', lineOf }, ctx.text, (stepNode as Node).range?.[0] ?? 0);
    at.text = `uses: ${uses}`;
    const input = (k: string) => withContextIn(withEnv(scalarText(doc, get(doc, withNode, k)), stepEnv), known);
    const pathInput = (k: string) => inRepo(input(k));
    if (/^docker\/metadata-action@/.test(uses)) {
      const id = scalarText(doc, get(doc, step, 'id'));
      // The tags it makes, as patterns (evidence/metadata-action.ts); the names alone (each read as `:latest`) when a
      // `tags:` or `flavor:` line is not read.
      if (id) {
        const names = metadataImageNames(input('images'));
        const made = metadataActionTags(names, input('tags'), input('flavor'), refs, scalarText(doc, get(doc, withNode, 'sep-tags')));
        metadataImages.set(id, made ?? names);
        metadataBakeTargets.set(id, input('bake-target') || 'docker-metadata-action');
        // `${{ steps.<id>.outputs.version }}`: the version of the tag first by priority (https://github.com/docker/
        // metadata-action#outputs), which depends on the ref the run is for: any of the tags the step makes could be it.
        // `latest` counts only where it is all the step makes. Read only when every line was (made).
        const versions = made ? [...new Set(made.filter((t) => names.some((n) => t.startsWith(`${n}:`))).map((t) => t.slice(t.lastIndexOf(':') + 1)))] : [];
        const main = versions.length > 1 ? versions.filter((v) => v !== 'latest') : versions;
        if (main.length) outputs.set(`steps.${id}.outputs.version`, { values: main, where: `${ctx.rel}:${at.line} (docker/metadata-action version)` });
      }
      // The names listed together get the same tags for the same build (https://github.com/docker/metadata-action#images:
      // "list of Docker images to use as base name for tags"): each names the image the others name, wherever it is built
      // (dashy builds ghcr.io/... by digest in one job and tags it for Docker Hub too in another, through this list).
      const together = metadataAliasNames(scalarText(doc, get(doc, withNode, 'images')), stepEnv, known);
      for (const source of together) for (const target of together) if (source !== target) out.tagAliases.push({ source, target, via: 'docker/metadata-action images', at });
    } else if (BUILD_PUSH_ACTION.test(uses) || remoteWithBuildPushInputs(doc, uses, withNode)) {
      const known = BUILD_PUSH_ACTION.test(uses);
      const ctxIn = pathInput('context') ?? '.';
      // Without `context`, the action builds the Git context: the repository root.
      const contextDir = ctxIn.includes('${{') ? undefined : resolveIn(dirs, ctxIn, 'dir') ?? (ctxIn === '.' ? repoRoot : undefined);
      if (!contextDir) continue;
      const fileIn = pathInput('file');
      const dockerfile = fileIn === undefined ? path.join(contextDir, 'Dockerfile') : fileIn.includes('${{') ? undefined : resolveIn(dirs, fileIn);
      if (!dockerfile) continue;
      // An action of another repository given build-push-action's inputs builds what they name, if anything: its
      // Dockerfile must be here (it is not read, so nothing else about it is known).
      if (!known && !resolveIn([contextDir], dockerfile)) continue;
      const push = input('push');
      const outputsIn = input('outputs') ?? '';
      const from: string[] = [];
      // An expression GitHub evaluates to one list (`${{ join(fromJSON(steps.meta.outputs.json).tags, ',') }}`) is one item.
      const tagsIn = input('tags')?.trim();
      const tags = (tagsIn && METADATA_TAGS_OUTPUT.test(tagsIn) ? [tagsIn] : listInput(tagsIn)).flatMap((t) => {
        // `${{ steps.meta.outputs.tags }}`: the tags docker/metadata-action makes, else the names it was given; so are
        // its JSON output's (`${{ fromJSON(steps.meta.outputs.json).tags }}`, joined or not: the same list).
        const fromStep = METADATA_TAGS_OUTPUT.exec(t);
        const names = fromStep ? metadataImages.get((fromStep[1] ?? fromStep[2])!) : undefined;
        if (names?.length) return names;
        return tagsFromOutputs(t, outputs, from);
      });
      if (from.length) at.text += `; tags from ${[...new Set(from)].join(', ')}`;
      out.builds.push({
        dockerfile,
        context: contextDir,
        target: input('target') || undefined, // an empty input (a matrix key the combination lacks) is no target
        tags: [...tags, ...outputNames(outputsIn)],
        push: (push !== undefined && push !== 'false') || /type=registry|push=true/.test(outputsIn),
        exportsFiles: /type=(local|tar)/.test(outputsIn),
        // docker/build-push-action or the drop-in named; another action is named as read only through its inputs
        via: known ? uses.replace(/@.*/, '') : `${uses.replace(/@.*/, '')} (not read; given docker/build-push-action's inputs)`,
        at,
        ...buildArgsInput(input('build-args')),
      });
    } else if (BAKE_ACTION.test(uses)) {
      const push = scalarText(doc, get(doc, withNode, 'push'));
      const targets = listInput(scalarText(doc, get(doc, withNode, 'targets')));
      if (push !== undefined && push !== 'false') out.imageUses.push({ image: `bake:${targets.join(',') || 'default'}`, kind: 'push', at });
      // `files` resolve, and the contexts in them, in `workdir` (default the workspace: https://github.com/docker/bake-action#inputs);
      // `set` lines may move contexts (`*.context=.`).
      const workdir = pathInput('workdir');
      const runDirs = workdir && !workdir.includes('${{') ? [path.resolve(repoRoot, workdir)] : workdir ? [] : [repoRoot];
      const sets = listInput(input('set')).flatMap((line) => {
        const m = /^([^=]+)\.context=(.*)$/.exec(line);
        return m ? [{ pattern: m[1]!, value: m[2]! }] : [];
      });
      // `cwd://` names a local file when the action builds from the Git context (v6's default source).
      const files = listInput(input('files')).map((f) => f.replace(/^cwd:\/\//, ''));
      // `${{ steps.meta.outputs.bake-file }}` (or `bake-file-tags`): the bake file docker/metadata-action writes, whose
      // target `docker-metadata-action` (its `bake-target`) holds the tags; a target of this repository's bake files
      // that inherits it gets them (https://github.com/docker/metadata-action#bake-definition,
      // https://github.com/docker/bake-action#inputs). The other files are the ones read here.
      const metaFiles = files.flatMap((f) => {
        const m = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.bake-file(?:-tags)?\s*\}\}$/.exec(f);
        return m && metadataImages.has(m[1]!) ? [m[1]!] : [];
      });
      const own = files.filter((f) => !/^\$\{\{\s*steps\.[\w-]+\.outputs\.bake-file(?:-\w+)?\s*\}\}$/.test(f) || !metadataImages.has(/steps\.([\w-]+)\./.exec(f)![1]!));
      bakeRun(own, sets, runDirs, at, out);
      if (metaFiles.length && own.length && !own.some(isDynamicText)) {
        for (const dir of runDirs) {
          const found = own.map((f) => resolveIn([dir], f));
          if (!found.every((f): f is string => f !== undefined)) continue;
          for (const id of metaFiles) out.bakeMetadata.push({ files: found, bakeTarget: metadataBakeTargets.get(id)!, tags: metadataImages.get(id)!, at });
          break;
        }
      }
    } else if (uses.startsWith('./') && depth < MAX_CALL_DEPTH) {
      readLocalAction(file, uses, inRepo(uses), withNode, input, stepEnv, repoRoot, github, out, depth, at);
    } else if (REMOTE_ACTION.test(uses) && !CHECK_ACTION.test(uses)) {
      // An action of another repository given a Dockerfile of this one under its own input names (plane's
      // makeplane/actions/build-push `dockerfile-path`): it may build and push it, but under which tag is not known.
      for (const [key] of entries(doc, withNode)) {
        const p = pathInput(key);
        const dockerfile = p ? resolveIn(dirs, p) : undefined;
        if (dockerfile && DOCKERFILE_NAME.test(path.basename(dockerfile))) out.unreadBuilds.push({ action: uses, input: key, dockerfile, at });
      }
    }
  }
}

/** docker/metadata-action's tags as a build's `tags` input: its `tags` output, or the `tags` of its `json` output. */
const METADATA_TAGS_OUTPUT = /^\$\{\{\s*(?:steps\.([\w-]+)\.outputs\.tags|(?:join\(\s*)?fromJSON\(\s*steps\.([\w-]+)\.outputs\.json\s*\)\.tags(?:\s*,\s*(?:'[^']*'|"[^"]*"))?\s*\)?)\s*\}\}$/;

/** `owner/repo@ref` or `owner/repo/path@ref`: an action of another repository (not `./local`, not `docker://image`). */
const REMOTE_ACTION = /^[\w.-]+\/[\w.-]+(\/[^@]*)?@/;
const DOCKERFILE_NAME = /(^|[._-])(dockerfile|containerfile)([._-]|$)/i;
/** Actions that read a Dockerfile to check it, not to build it (hadolint/hadolint-action, scanners). */
const CHECK_ACTION = /lint|scan|trivy|snyk|checkov|grype|dockle/i;

/**
 * An action of another repository called with docker/build-push-action's input names for what it builds (`tags`, with
 * `context` or `file`): a composite action that passes them on to build-push-action, as most in-house build actions do.
 */
function remoteWithBuildPushInputs(doc: Document.Parsed, uses: string, withNode: unknown): boolean {
  if (!REMOTE_ACTION.test(uses) || uses.startsWith('actions/')) return false;
  const keys = new Set(entries(doc, withNode).map(([k]) => k));
  return keys.has('tags') && (keys.has('context') || keys.has('file'));
}

/**
 * A tag input item with the step or job outputs it names filled in: a whole-item `${{ steps.x.outputs.tags }}` gives
 * each tag of each value the output can have (a value may be a comma or newline list); an output inside a tag
 * (`org/app:${{ steps.v.outputs.version }}`) gives one tag per value. An output not known stays as written.
 */
function tagsFromOutputs(t: string, outputs: ReadonlyMap<string, StepOutput>, from: string[]): string[] {
  const OUTPUT = /\$\{\{\s*((?:steps|needs)\.[\w-]+\.outputs\.[\w-]+|env\.[\w-]+)\s*\}\}/g;
  const whole = /^\$\{\{\s*((?:steps|needs)\.[\w-]+\.outputs\.[\w-]+|env\.[\w-]+)\s*\}\}$/.exec(t);
  if (whole) {
    const o = outputs.get(whole[1]!);
    if (!o) return [t];
    from.push(`${whole[1]} (${o.where})`);
    return [...new Set(o.values.flatMap(listInput))];
  }
  let tags = [t];
  for (const m of t.matchAll(OUTPUT)) {
    const o = outputs.get(m[1]!);
    // An empty value would make no valid tag: that branch does not build with this one.
    const values = o?.values.filter((v) => v !== '');
    if (!o || !values?.length || values.some((v) => /[\s,]/.test(v))) continue;
    from.push(`${m[1]} (${o.where})`);
    tags = tags.flatMap((tag) => values.map((v) => tag.split(m[0]).join(v))).slice(0, MAX_OUTPUT_VALUES);
  }
  return tags;
}

/** A build read through a call: the innermost caller is named, in the evidence text `--explain` shows too. */
function markCalled(b: BuildUse, caller: string): void {
  if (b.calledFrom) return;
  b.calledFrom = caller;
  b.at = { ...b.at, text: `${b.at.text} (called from ${caller})` };
}

/** Where a file of this repository is, as ctx.rel says of the file read (relative to the working directory). */
function relLike(ctx: Ctx, file: string): string {
  const rel = ctx.rel.split('/').join(path.sep);
  const cwd = ctx.file.endsWith(rel) ? ctx.file.slice(0, ctx.file.length - rel.length) : process.cwd();
  return path.relative(cwd, file).split(path.sep).join('/') || path.basename(file);
}

/** A YAML file of this repository, read and parsed; undefined when it is not there or not YAML. */
function readYamlFile(ctx: Ctx, file: string, out: RepoEvidence): WorkflowFile | undefined {
  const files = callMemo(out).files;
  if (files.has(file)) return files.get(file);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = undefined;
  }
  const doc = text === undefined ? undefined : yamlDoc(text);
  const read = doc && text !== undefined ? { ctx: { file, rel: relLike(ctx, file), root: ctx.root, text }, doc, lineOf: lineIndex(text) } : undefined;
  files.set(file, read);
  return read;
}

/**
 * Per repository read: each called file parsed once, and each call (the file with the inputs, environment and depth it
 * is read with) read once; a matrix job calls the same action or workflow once per combination, most often with the
 * same inputs, and a second read would add copies of the same builds (which dropCalledCopies removes anyway).
 */
const callMemos = new WeakMap<RepoEvidence, { files: Map<string, WorkflowFile | undefined>; calls: Set<string> }>();

function callMemo(out: RepoEvidence): { files: Map<string, WorkflowFile | undefined>; calls: Set<string> } {
  let memo = callMemos.get(out);
  if (!memo) callMemos.set(out, (memo = { files: new Map(), calls: new Set() }));
  return memo;
}

/** True the first time this call is seen in this repository read. */
function firstCall(out: RepoEvidence, key: unknown[]): boolean {
  const calls = callMemo(out).calls;
  const k = JSON.stringify(key);
  if (calls.has(k)) return false;
  calls.add(k);
  return true;
}

/**
 * The `inputs.*` a called action or reusable workflow sees: each input it declares takes the caller's `with:` value,
 * else its `default` (https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#inputs,
 * …/reusable-workflows#using-inputs-and-secrets-in-a-reusable-workflow); one whose value is an expression not known
 * here stays unset, so the steps using it are read as before (not built from a guess).
 */
function calleeInputs(callee: WorkflowFile, declared: unknown, given: (k: string) => string | undefined, hasInput: (k: string) => boolean, github: GithubCtx): Map<string, string> {
  const expressions = new Map(github.expressions);
  for (const [name, spec] of entries(callee.doc, declared)) {
    // An input neither given nor defaulted is empty (`false` for a boolean), as `${{ inputs.x }}` in a string renders it.
    const unset = scalarText(callee.doc, get(callee.doc, spec, 'type')) === 'boolean' ? 'false' : '';
    const def = scalarText(callee.doc, get(callee.doc, spec, 'default'));
    const value = given(name) ?? (def === undefined ? (hasInput(name) ? undefined : unset) : withGithubContext(def, github.expressions));
    if (value !== undefined && !value.includes('${{')) expressions.set(`inputs.${name}`, value);
  }
  return expressions;
}

/**
 * A step `uses: ./path/to/action` (a local action, https://docs.github.com/en/actions/reference/workflows-and-actions/
 * workflow-syntax#jobsjob_idstepsuses): when it is a composite action, its steps are read with the caller's `with:`
 * values as `${{ inputs.* }}` and `${{ github.action_path }}` as its folder, so a shared build action
 * (`docker build -f ${{ inputs.dockerfile }}`, build-push-action with `context: ${{ inputs.context }}`) builds what
 * each caller names. Paths in the action are relative to the workspace, as in the caller.
 */
function readLocalAction(
  caller: WorkflowFile,
  uses: string,
  actionPath: string,
  withNode: unknown,
  input: (k: string) => string | undefined,
  stepEnv: Record<string, string>,
  repoRoot: string,
  github: GithubCtx,
  out: RepoEvidence,
  depth: number,
  at: { rel: string; line: number },
): void {
  const dir = path.resolve(repoRoot, actionPath);
  if (!dir.startsWith(caller.ctx.root)) return;
  const action = readYamlFile(caller.ctx, path.join(dir, 'action.yml'), out) ?? readYamlFile(caller.ctx, path.join(dir, 'action.yaml'), out);
  if (!action) return;
  const runs = get(action.doc, action.doc.contents, 'runs');
  if (scalarText(action.doc, get(action.doc, runs, 'using')) !== 'composite') return;
  const hasInput = (k: string) => get(caller.doc, withNode, k) !== undefined;
  const given = (k: string) => (hasInput(k) ? input(k) : undefined);
  const expressions = calleeInputs(action, get(action.doc, action.doc.contents, 'inputs'), given, hasInput, github);
  expressions.set('github.action_path', dir);
  if (!firstCall(out, [action.ctx.file, repoRoot, depth, [...expressions], stepEnv])) return;
  const firstBuild = out.builds.length;
  readSteps(action, get(action.doc, runs, 'steps'), stepEnv, undefined, expressions, new Map(), repoRoot, github, out, depth + 1);
  for (const b of out.builds.slice(firstBuild)) markCalled(b, `${at.rel}:${at.line}`);
}

/**
 * A job `uses: ./.github/workflows/build.yml` (a reusable workflow of this repository): its jobs are read with the
 * caller's `with:` values as `${{ inputs.* }}` (defaults from `on.workflow_call.inputs`). False when the job calls
 * no such file here (another repository's workflow is then read by its inputs' names: readReusableWorkflowBuild).
 */
function readLocalWorkflowCall(
  caller: WorkflowFile,
  job: unknown,
  workflowEnv: Record<string, string>,
  expressions: ReadonlyMap<string, string>,
  repoRoot: string,
  github: GithubCtx,
  out: RepoEvidence,
  depth: number,
): boolean {
  const { doc } = caller;
  const uses = scalarText(doc, get(doc, job, 'uses'));
  if (!uses || !/^\.\/\.github\/workflows\/[^@]+\.ya?ml$/.test(uses)) return false;
  const callee = readYamlFile(caller.ctx, path.resolve(repoRoot, uses), out);
  if (!callee) return false;
  if (depth >= MAX_CALL_DEPTH) return true;
  const withNode = get(doc, job, 'with');
  const given = (k: string) => {
    const v = withContextIn(withEnv(scalarText(doc, get(doc, withNode, k)), workflowEnv), expressions);
    return v === undefined || v.includes('${{') ? undefined : v;
  };
  const declared = get(callee.doc, get(callee.doc, get(callee.doc, callee.doc.contents, 'on'), 'workflow_call'), 'inputs');
  const usesNode = deref(doc, get(doc, job, 'uses')) as Node | undefined;
  const line = caller.lineOf(usesNode?.range?.[0] ?? 0);
  const hasInput = (k: string) => get(doc, withNode, k) !== undefined;
  const inputs = calleeInputs(callee, declared, given, hasInput, github);
  if (!firstCall(out, [callee.ctx.file, repoRoot, depth, [...inputs]])) return true;
  readWorkflowDoc(callee, repoRoot, github, inputs, out, depth + 1, `${caller.ctx.rel}:${line}`);
  return true;
}

/**
 * docker/build-push-action and the drop-ins that take its inputs (`context`, `file`, `target`, `tags`, `push`,
 * `outputs`, `build-args`) to build on their own builders: useblacksmith/build-push-action, a fork whose action.yml
 * keeps docker's inputs and adds its own (`nofallback`, `setup-only`), and depot/build-push-action ("implements the
 * same inputs and outputs as the docker/build-push-action", its README). langfuse builds its images with the first.
 */
const BUILD_PUSH_ACTION = /^(docker|useblacksmith|depot)\/build-push-action@/;
/** docker/bake-action and depot/bake-action ("a drop-in replacement for the docker/bake-action", depot.dev/changelog/2023-01-31-bake-action). */
const BAKE_ACTION = /^(docker|depot)\/bake-action@/;

/**
 * One step read once per matrix combination may build several Dockerfiles (or targets) under the same names: its
 * tags then differ by what is not read here (docker/metadata-action's `flavor: suffix=-alpine`, `enable=${{ matrix.x
 * == 'debian' }}`), so the names cannot say which Dockerfile an `image:` runs. Those builds keep their other facts
 * (pushed, built) and lose the names, rather than link a tag to whichever combination came first.
 */
function untagMatrixTwins(builds: BuildUse[], from: number): void {
  const byStep = new Map<string, BuildUse[]>();
  for (const b of builds.slice(from)) {
    const key = `${b.at.line}\0${[...b.tags].sort().join('\0')}`;
    byStep.set(key, [...(byStep.get(key) ?? []), b]);
  }
  for (const group of byStep.values()) {
    if (group.length < 2 || group.every((b) => b.dockerfile === group[0]!.dockerfile && b.target === group[0]!.target)) continue;
    for (const b of group) b.tags = [];
  }
}

/** More combinations than this are not read one by one: the first ones stand for the job. */
const MAX_MATRIX_COMBINATIONS = 32;

/**
 * The expression contexts a job runs with: one per combination of its `strategy.matrix` that differs in the keys its
 * text uses (`${{ matrix.dockerfile }}`), each with `matrix.KEY` (and `matrix.KEY.FIELD` for an object value) set;
 * just `base` when the job has no matrix, uses none of it, or its matrix is not literal (`${{ fromJSON(…) }}`).
 * Combinations as GitHub makes them (https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/
 * run-job-variations, "Expanding or adding matrix configurations" and "Excluding matrix configurations"): the product of
 * the lists, less the `exclude` entries, then each `include` entry added to every combination whose original values it
 * does not change, or as a combination of its own when it fits none.
 */
function matrixContexts(doc: Document.Parsed, text: string, job: unknown, base: ReadonlyMap<string, string>): ReadonlyMap<string, string>[] {
  const range = (deref(doc, job) as Node | undefined)?.range;
  const used = new Set<string>();
  for (const m of (range ? text.slice(range[0], range[1]) : '').matchAll(/\bmatrix\.([A-Za-z_][\w-]*)/g)) used.add(m[1]!);
  const combos = used.size ? matrixCombinations(doc, get(doc, get(doc, job, 'strategy'), 'matrix')) : undefined;
  if (!combos?.length) return [base];
  const seen = new Set<string>();
  const out: Map<string, string>[] = [];
  for (const combo of combos) {
    const expressions = new Map(base);
    // A key this combination lacks is null, which an expression in a string renders as '' (…/expressions#literals).
    for (const key of used) if (!(key in combo)) expressions.set(`matrix.${key}`, '');
    for (const [key, value] of Object.entries(combo)) {
      if (!used.has(key)) continue;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') expressions.set(`matrix.${key}`, String(value));
      else if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [field, v] of Object.entries(value as Record<string, unknown>)) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') expressions.set(`matrix.${key}.${field}`, String(v));
        }
      }
    }
    const key = JSON.stringify([...expressions].filter(([k]) => k.startsWith('matrix.')));
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(expressions);
    if (out.length >= MAX_MATRIX_COMBINATIONS) break;
  }
  return out;
}

/** The combinations of a literal matrix (see matrixContexts); undefined when a part of it is an expression. */
export function matrixCombinations(doc: Document.Parsed, matrix: unknown): Record<string, unknown>[] | undefined {
  const node = deref(doc, matrix);
  if (!isMap(node)) return undefined;
  const lists: [string, unknown[]][] = [];
  let include: Record<string, unknown>[] = [];
  let exclude: Record<string, unknown>[] = [];
  for (const [key, value] of entries(doc, node)) {
    const js: unknown = value === undefined ? undefined : (value as Node).toJS(doc);
    if (key === 'include' || key === 'exclude') {
      if (!Array.isArray(js) || !js.every((e) => e && typeof e === 'object' && !Array.isArray(e))) return undefined;
      if (key === 'include') include = js as Record<string, unknown>[];
      else exclude = js as Record<string, unknown>[];
      continue;
    }
    if (!Array.isArray(js)) return undefined; // `${{ fromJSON(needs.x.outputs.list) }}`: not known here
    lists.push([key, js]);
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  let combos: Record<string, unknown>[] = lists.length ? [{}] : [];
  for (const [key, values] of lists) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
    if (combos.length > MAX_MATRIX_COMBINATIONS * 8) combos = combos.slice(0, MAX_MATRIX_COMBINATIONS * 8);
  }
  combos = combos.filter((c) => !exclude.some((e) => Object.entries(e).every(([k, v]) => same(c[k], v))));
  const original = new Set(lists.map(([k]) => k));
  const originals = combos.map((c) => ({ ...c }));
  for (const entry of include) {
    let added = false;
    // Only the product's combinations take an entry in; one made from an earlier entry stands alone.
    originals.forEach((values, i) => {
      if (Object.entries(entry).some(([k, v]) => original.has(k) && !same(values[k], v))) return;
      Object.assign(combos[i]!, entry);
      added = true;
    });
    if (!added) combos.push({ ...entry });
  }
  return combos;
}

/**
 * Paths in a job are relative to the runner's workspace; actions/checkout with
 * `path: src` puts this repository in `src/` of it (`context: ./src/app` is
 * `app` here). Checkouts of other repositories say nothing about this one.
 */
function checkoutPathMapper(doc: Document.Parsed, steps: unknown[]): <T extends string | undefined>(p: T) => T | string {
  let checkoutPath: string | undefined;
  for (const stepNode of steps) {
    const step = deref(doc, stepNode);
    if (!/^actions\/checkout@/.test(scalarText(doc, get(doc, step, 'uses')) ?? '')) continue;
    const withNode = get(doc, step, 'with');
    const repository = scalarText(doc, get(doc, withNode, 'repository'));
    if (repository !== undefined && !/^\$\{\{\s*github\.repository\s*\}\}$/.test(repository)) continue;
    const p = scalarText(doc, get(doc, withNode, 'path'));
    if (p && !p.includes('${{')) checkoutPath = path.posix.normalize(p).replace(/\/+$/, '');
    break;
  }
  if (!checkoutPath || checkoutPath === '.') return (p) => p;
  const prefix = checkoutPath;
  return (p) => {
    if (p === undefined || p.includes('${{') || path.posix.isAbsolute(p)) return p;
    const n = path.posix.normalize(p).replace(/\/+$/, '');
    if (n === prefix) return '.';
    return n.startsWith(`${prefix}/`) ? n.slice(prefix.length + 1) : p;
  };
}

/** Each value with `${{ github.… }}` expressions the context knows replaced. */
function withContext(env: Record<string, string>, expressions: ReadonlyMap<string, string>): Record<string, string> {
  if (expressions.size === 0) return env;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, withGithubContext(v, expressions)]));
}

function withContextIn(v: string | undefined, expressions: ReadonlyMap<string, string>): string | undefined {
  return v === undefined ? v : withGithubContext(v, expressions);
}

/**
 * The expressions a `run:` script sees, with `${{ env.NAME }}` for each variable the workflow, job or step sets to a
 * literal value: GitHub fills expressions in the script's text before the shell reads it
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#env-context), so `docker build -t
 * ${{ env.IMAGE }} .` builds the `env:` value even where `$IMAGE` would not be exported.
 */
function withEnvExpressions(expressions: ReadonlyMap<string, string>, env: Record<string, string>): ReadonlyMap<string, string> {
  const names = Object.entries(env).filter(([, v]) => !v.includes('${{'));
  if (names.length === 0) return expressions;
  const out = new Map(expressions);
  for (const [k, v] of names) if (!out.has(`env.${k}`)) out.set(`env.${k}`, v);
  return out;
}

/**
 * A run script with `${{ github.… }}` expressions replaced (within their
 * lines), its offsets mapped to the same line of the script as written.
 */
function scriptWithContext(
  run: { text: string; lineOf: (o: number) => number },
  expressions: ReadonlyMap<string, string>,
): { text: string; lineOf: (o: number) => number } {
  const text = withGithubContext(run.text, expressions);
  if (text === run.text) return run;
  const before = lineStarts(run.text);
  const lineIn = lineIndex(text);
  return { text, lineOf: (o) => run.lineOf(before[lineIn(o) - 1]!) };
}

/** `${{ env.NAME }}` replaced by the value the workflow, job or step sets (when that value is literal). */
function withEnv(v: string | undefined, env: Record<string, string>): string | undefined {
  return v?.replace(/\$\{\{\s*env\.([A-Za-z_][\w-]*)\s*\}\}/g, (whole, name: string) => {
    const value = env[name];
    return value !== undefined && !value.includes('${{') ? value : whole;
  });
}

/**
 * docker/metadata-action's `images` input: one image per line or comma, each
 * optionally in `name=<image>,enable=<bool>` form; entries switched off with
 * `enable=false` and names still holding an expression are left out.
 */
function metadataImageNames(v: string | undefined): string[] {
  if (!v) return [];
  const names: string[] = [];
  for (const line of v.split('\n')) {
    const fields = line.trim().split(',').map((f) => f.trim());
    if (!fields[0] || fields[0].startsWith('#')) continue;
    const attrs = new Map(fields.filter((f) => f.includes('=')).map((f) => [f.slice(0, f.indexOf('=')).trim(), f.slice(f.indexOf('=') + 1).trim()] as const));
    if (attrs.get('enable') === 'false') continue;
    const name = attrs.get('name') ?? (fields[0].includes('=') ? undefined : fields[0]);
    if (name && !name.includes('${{')) names.push(name);
  }
  return names;
}

/**
 * Image names an `outputs` input gives the build (`type=image,name=ghcr.io/org/app,push-by-digest=true`, several as
 * `"name=a,b"`): buildx's image and registry exporters take the image name(s) from `name`
 * (https://docs.docker.com/build/exporters/image-registry/), the way `tags` does.
 */
function outputNames(outputs: string): string[] {
  const names: string[] = [];
  for (const line of outputs.split('\n')) {
    const fields = line.trim().replace(/"/g, '').split(',').map((f) => f.trim());
    if (!fields.some((f) => /^type=(image|registry)$/.test(f))) continue;
    let inName = false;
    for (const f of fields) {
      if (f.startsWith('name=')) {
        inName = true;
        if (f.length > 5) names.push(f.slice(5));
      } else if (f.includes('=')) inName = false;
      else if (inName && f) names.push(f);
    }
  }
  return names;
}

/**
 * docker/metadata-action's `images`, for linking the names to one another: as metadataImageNames, but a name still
 * holding an expression is kept as written (it then matches the same expression in a build's `tags` or `outputs`), and
 * a line that is one conditional expression gives each name it can be (`${{ env.HAS_DH == 'true' && env.DH_IMAGE || '' }}`).
 */
function metadataAliasNames(raw: string | undefined, env: Record<string, string>, expressions: ReadonlyMap<string, string>): string[] {
  if (!raw) return [];
  const names = new Set<string>();
  for (const line of raw.split('\n')) {
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    const whole = /^\$\{\{(.*)\}\}$/.exec(text);
    const values = whole && /\|\||&&/.test(whole[1]!) ? expressionValues(whole[1]!, env) : undefined;
    for (const v of values ?? [withContextIn(withEnv(text, env), expressions)!]) {
      if (!v.includes('${{')) for (const name of metadataImageNames(v)) names.add(name);
      else if (!v.includes(',') && !v.startsWith('name=')) names.add(v);
    }
  }
  return [...names];
}

/**
 * The values a GitHub Actions expression of the `a && b || c` form can have (https://docs.github.com/en/actions/reference/
 * workflows-and-actions/expressions#operators: `&&` and `||` return an operand, so `cond && x || y` is x or y): the last
 * operand of each `||` alternative, when it is a string literal or an `env.NAME` the workflow sets literally. Repository
 * settings (`vars.*`, `secrets.*`) are not known here: `vars.REPO || 'org/app'` is 'org/app' where the setting is unset.
 * Empty values (falsy) are left out; undefined when an alternative's value is not known at all.
 */
function expressionValues(expr: string, env: Record<string, string>, depth = 0): string[] | undefined {
  const out: string[] = [];
  for (const alternative of splitOutsideQuotes(expr, '||')) {
    const operands = splitOutsideQuotes(alternative, '&&');
    const term = operands[operands.length - 1]!.trim();
    const literal = /^'((?:[^']|'')*)'$/.exec(term);
    if (literal) {
      if (literal[1]) out.push(literal[1].replace(/''/g, "'"));
      continue;
    }
    const envRef = /^env\.([A-Za-z_][\w-]*)$/.exec(term);
    if (envRef && env[envRef[1]!] !== undefined) {
      const value = env[envRef[1]!]!;
      const inner = /^\$\{\{(.*)\}\}$/.exec(value.trim());
      if (inner && depth < 3) {
        const nested = expressionValues(inner[1]!, env, depth + 1);
        if (!nested) return undefined;
        out.push(...nested);
      } else if (!value.includes('${{')) {
        if (value) out.push(value);
      } else return undefined;
      continue;
    }
    if (/^(vars|secrets)\.[\w-]+$/.test(term)) continue;
    return undefined;
  }
  return out;
}

function splitOutsideQuotes(text: string, op: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (!quoted && text.startsWith(op, i)) {
      parts.push(text.slice(start, i));
      start = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Inputs a reusable build workflow commonly takes: the build context, the Dockerfile, the image names. */
const REUSABLE_CONTEXT_INPUTS = ['context', 'build-context', 'docker-context', 'build_context', 'docker_context'];
const REUSABLE_FILE_INPUTS = ['file', 'dockerfile', 'dockerfile-path', 'dockerfile_path', 'docker-file'];
const REUSABLE_IMAGE_INPUTS = ['image-names', 'images', 'image', 'image-name', 'image_name', 'image_names', 'tags', 'image-tags'];

/**
 * A job that calls a reusable workflow (`uses: org/repo/.github/workflows/build.yml@v1`
 * or `./.github/workflows/build.yml`) with a build context and image names among
 * its inputs builds those images from that context: the called workflow's steps
 * are not read (it often lives in another repository), so only a context that
 * is a folder here holding the named (or default) Dockerfile counts.
 */
function readReusableWorkflowBuild(
  ctx: Ctx,
  doc: Document.Parsed,
  job: unknown,
  workflowEnv: Record<string, string>,
  expressions: ReadonlyMap<string, string>,
  repoRoot: string,
  lineOf: (offset: number) => number,
  out: RepoEvidence,
): void {
  const uses = scalarText(doc, get(doc, job, 'uses'));
  if (!uses || !/\.github\/workflows\/[^@]+\.ya?ml(@|$)/.test(uses)) return;
  const withNode = get(doc, job, 'with');
  const input = (keys: string[]) => {
    for (const k of keys) {
      const v = withContextIn(withEnv(scalarText(doc, get(doc, withNode, k)), workflowEnv), expressions);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const contextIn = input(REUSABLE_CONTEXT_INPUTS);
  const namesIn = input(REUSABLE_IMAGE_INPUTS);
  if (contextIn === undefined || namesIn === undefined || contextIn.includes('${{')) return;
  const contextDir = resolveIn([repoRoot], contextIn, 'dir') ?? (contextIn === '.' ? repoRoot : undefined);
  if (!contextDir) return;
  const fileIn = input(REUSABLE_FILE_INPUTS);
  if (fileIn?.includes('${{')) return;
  const dockerfile = fileIn === undefined ? resolveIn([contextDir], 'Dockerfile') : resolveIn([contextDir, repoRoot], fileIn);
  if (!dockerfile) return;
  const tags = listInput(namesIn).filter((t) => !t.includes('${{'));
  if (tags.length === 0) return;
  const usesNode = deref(doc, get(doc, job, 'uses')) as Node | undefined;
  const at = evidenceAt({ ...ctx, source: 'github-workflow', lineOf }, ctx.text, usesNode?.range?.[0] ?? (job as Node).range?.[0] ?? 0);
  at.text = `uses: ${uses}`;
  out.builds.push({ dockerfile, context: contextDir, target: input(['target', 'build-target']), tags, push: true, exportsFiles: false, via: `reusable workflow ${uses.replace(/@.*/, '')}`, at });
}

/** An action input that holds a list: newline- or comma-separated. */
function listInput(v: string | undefined): string[] {
  if (!v) return [];
  return v
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}

// ------------------------------------------------------------- GitLab CI

function readGitlabCi(ctx: Ctx, into: RepoEvidence): void {
  const doc = yamlDoc(ctx.text);
  if (!doc) return;
  const lineOf = lineIndex(ctx.text);
  const globalEnv = envOf(doc, get(doc, doc.contents, 'variables'));
  const root = path.dirname(ctx.file).endsWith(`${path.sep}.gitlab`) ? path.dirname(path.dirname(ctx.file)) : path.dirname(ctx.file);
  // $CI_REGISTRY_IMAGE and the like, known from the checkout's Git remote; the file's own variables win.
  const predefined = gitlabVariables(gitlabProjectOf(root));
  const seen = new Set<unknown>(); // a script shared through an anchor is one piece of evidence
  const at = (offset: number) => evidenceAt({ ...ctx, source: 'gitlab-ci', lineOf }, ctx.text, offset);
  // `workflow: rules:` that add no pipeline: no job runs.
  const pipelineNever = gitlabRulesNeverAdd(doc, get(doc, doc.contents, 'workflow'), 'pipeline', at);
  for (const [name, jobNode] of entries(doc, doc.contents)) {
    if (!isMap(jobNode) || name === 'variables' || name === 'workflow') continue;
    const job: unknown = jobNode;
    // A job no rule adds never runs: what it builds is read apart, to be named, not counted (as GitHub's `if: false`).
    const never = pipelineNever ?? gitlabRulesNeverAdd(doc, job, `job ${name}`, at);
    const out = never ? emptyEvidence() : into;
    const items = ['before_script', 'script', 'after_script'].flatMap((key) => scriptItems(doc, get(doc, job, key)));
    // `parallel: matrix:` runs the job once per combination of its variables (https://docs.gitlab.com/ci/yaml/#parallelmatrix):
    // the scripts are read once per combination that differs in the variables they use.
    const variants = gitlabMatrixVariants(doc, get(doc, get(doc, job, 'parallel'), 'matrix'), items.map((i) => scalarText(doc, i) ?? '').join('\n'));
    const shared = variants.length > 1 ? new Set<unknown>() : seen; // a script read per combination is read in full each time
    for (const variant of variants) {
      const env = { ...globalEnv, ...envOf(doc, get(doc, job, 'variables')), ...variant };
      for (const item of items) {
        if (shared.has(item)) continue;
        shared.add(item);
        const run = scalarScript(doc, item, lineOf);
        if (!run) continue;
        const sc: ShellContext = { file: ctx.file, rel: ctx.rel, source: 'gitlab-ci', lineOf: run.lineOf, dirs: [root], vars: new Map([...predefined, ...Object.entries(env).map(([k, v]) => [k, expandVariables(v, predefined)] as const)]), style: 'shell', env };
        interpretShell(run.text, sc, out);
      }
      if (shared !== seen) shared.clear();
    }
    if (never) into.neverRun.push({ ...never, builds: out.builds });
  }
}

/**
 * GitLab `rules:` (https://docs.gitlab.com/ci/yaml/#rules): the first rule that matches decides, and a job (or, under
 * `workflow:`, a pipeline) no rule matches is not added. So it never runs when every rule is `when: never` up to the
 * first without `if`/`changes`/`exists` (which always matches), or to the end. A rule that may add it (any other `when`,
 * a `!reference` not followed here) makes it one that may run.
 */
function gitlabRulesNeverAdd(doc: Document.Parsed, node: unknown, what: string, at: (offset: number) => Evidence): Omit<NeverRunUse, 'builds'> | undefined {
  const rules = deref(doc, get(doc, node, 'rules'));
  if (!isSeq(rules) || rules.items.length === 0) return undefined;
  for (const rule of rules.items) {
    if (scalarText(doc, get(doc, rule, 'when')) !== 'never') return undefined;
    if (!['if', 'changes', 'exists'].some((k) => get(doc, rule, k) !== undefined)) break;
  }
  return { what, key: 'rules', condition: 'each rule is when: never', at: at(keyOffset(node, ['rules']) ?? 0) };
}

/**
 * The variable sets of a GitLab `parallel: matrix:` (a list of maps; a list value gives one job per value, several
 * lists their product) that differ in the variables `script` uses; `[{}]` without one or when it uses none.
 */
function gitlabMatrixVariants(doc: Document.Parsed, matrix: unknown, script: string): Record<string, string>[] {
  const list = deref(doc, matrix);
  if (!isSeq(list)) return [{}];
  const out: Record<string, string>[] = [];
  const seen = new Set<string>();
  for (const item of list.items) {
    let combos: Record<string, string>[] = [{}];
    for (const [key, value] of entries(doc, item)) {
      const v = deref(doc, value);
      const values = isSeq(v) ? v.items.map((x) => scalarText(doc, x)).filter((x): x is string => x !== undefined) : [scalarText(doc, v)].filter((x): x is string => x !== undefined);
      if (!/^[A-Za-z_]\w*$/.test(key) || !new RegExp(`\\$\\{?${key}\\b`).test(script)) continue;
      combos = combos.flatMap((c) => values.map((x) => ({ ...c, [key]: x })));
    }
    for (const c of combos) {
      const k = JSON.stringify(c);
      if (seen.has(k) || out.length >= MAX_MATRIX_COMBINATIONS) continue;
      seen.add(k);
      out.push(c);
    }
  }
  return out.length ? out : [{}];
}

/** Script lines: a string, or a list of strings and nested lists (GitLab flattens `!reference` and anchors). */
function scriptItems(doc: Document.Parsed, node: unknown, depth = 0): unknown[] {
  const n = deref(doc, node);
  if (isScalar(n)) return [n];
  if (isSeq(n) && depth < 5) return n.items.flatMap((x) => scriptItems(doc, x, depth + 1));
  return [];
}

// ------------------------------------------------- Woodpecker and Drone CI

/**
 * Plugin images that build a Dockerfile from their `settings:` (one path part, after any registry and owner):
 * plugins/docker (and its ecr/gcr/acr/heroku variants, https://plugins.drone.io/plugins/docker), woodpeckerci/plugin-docker-buildx
 * and thegeeklab/drone-docker-buildx (https://woodpecker-ci.org/plugins/docker-buildx), the kaniko plugins.
 */
const BUILD_PLUGIN = /^(docker|ecr|gcr|acr|heroku|docker-buildx|plugin-docker-buildx|drone-docker-buildx|buildx|plugin-docker|kaniko|plugin-kaniko|drone-kaniko|kaniko-ecr|kaniko-gcr|kaniko-acr)$/;

/**
 * Woodpecker (`.woodpecker.yml`, `.woodpecker/*.yaml`) and Drone (`.drone.yml`, one pipeline per YAML document) pipelines:
 * each step's `commands:` run as shell in the checkout (or the step's `directory:`), and a step whose image is a build
 * plugin builds `settings.dockerfile` (default `Dockerfile`, relative to the checkout, not to the context) in
 * `settings.context` (default the checkout) as `repo` (a list, or comma-separated) with each of `tag`/`tags` (default
 * `latest`), `target` and `build_args`, and pushes it unless `dry_run` is set.
 */
function readPipelineSteps(source: 'woodpecker-ci' | 'drone-ci', ctx: Ctx, out: RepoEvidence): void {
  const dir = path.dirname(ctx.file);
  const root = path.basename(dir) === '.woodpecker' ? path.dirname(dir) : dir;
  const lineOf = lineIndex(ctx.text);
  for (const doc of yamlDocs(ctx.text)) {
    const top = doc.contents;
    const kind = scalarText(doc, get(doc, top, 'kind'));
    if (kind !== undefined && kind !== 'pipeline') continue; // Drone's `kind: secret`, `kind: signature`
    const stepsNode = deref(doc, get(doc, top, 'steps') ?? get(doc, top, 'pipeline'));
    const steps: Node[] = isSeq(stepsNode) ? (stepsNode.items.map((i) => deref(doc, i)) as Node[]) : entries(doc, stepsNode).map(([, v]) => v).filter((v): v is Node => v !== undefined);
    for (const step of steps) {
      const directory = scalarText(doc, get(doc, step, 'directory'));
      const dirs = directory && !isDynamicText(directory) ? [path.resolve(root, directory), root] : [root];
      const env = envOf(doc, get(doc, step, 'environment'));
      for (const item of scriptItems(doc, get(doc, step, 'commands'))) {
        const run = scalarScript(doc, item, lineOf);
        if (run) interpretShell(run.text, { file: ctx.file, rel: ctx.rel, source, lineOf: run.lineOf, dirs, vars: new Map(Object.entries(env)), style: 'shell', env }, out);
      }
      const image = scalarText(doc, get(doc, step, 'image'));
      const settings = get(doc, step, 'settings');
      if (!image || !settings) continue;
      const plugin = image.replace(/[:@].*$/, '');
      if (!BUILD_PLUGIN.test(plugin.split('/').pop()!)) continue;
      const setting = (key: string) => scalarText(doc, get(doc, settings, key));
      const list = (...keys: string[]): string[] => {
        for (const key of keys) {
          const n = deref(doc, get(doc, settings, key));
          if (isSeq(n)) return n.items.map((x) => scalarText(doc, x)).filter((x): x is string => !!x);
          const t = scalarText(doc, n);
          if (t !== undefined) return t.split(',').map((x) => x.trim()).filter(Boolean);
        }
        return [];
      };
      const repos = list('repo', 'repos');
      const tags = list('tag', 'tags');
      const contextRaw = setting('context') ?? '.';
      const dockerfileRaw = setting('dockerfile') ?? 'Dockerfile';
      if (isDynamicText(contextRaw) || isDynamicText(dockerfileRaw)) continue;
      const context = resolveIn(dirs, contextRaw, 'dir');
      const dockerfile = resolveIn(dirs, dockerfileRaw);
      if (!context || !dockerfile) continue;
      const args = pluginBuildArgs(doc, get(doc, settings, 'build_args'));
      out.builds.push({
        dockerfile,
        context,
        target: setting('target'),
        tags: repos.flatMap((r) => (tags.length ? tags : [setting('default_tag') ?? 'latest']).map((t) => `${r}:${t}`)),
        push: !/^(true|yes|1)$/i.test(setting('dry_run') ?? setting('dry-run') ?? ''),
        exportsFiles: false,
        via: plugin,
        ...(args ? { args } : {}),
        at: evidenceAt({ ...ctx, source, lineOf }, ctx.text, keyOffset(settings, ['dockerfile', 'repo', 'tag', 'tags']) ?? keyOffset(step, ['settings', 'image']) ?? 0),
      });
    }
  }
}

/** Every document of a multi-document YAML file (Drone's one pipeline each), each read as yamlDoc reads one. */
function yamlDocs(text: string): Document.Parsed[] {
  try {
    return parseAllDocuments(text, { merge: true, prettyErrors: false }).filter((d): d is Document.Parsed => 'errors' in d && !d.errors.length && !aliasBomb(d as Document.Parsed)) as Document.Parsed[];
  } catch {
    return [];
  }
}

/** Where the first of `keys` is written as a key of the map node itself (not through an alias): its line for the evidence. */
function keyOffset(node: unknown, keys: string[]): number | undefined {
  if (!isMap(node)) return undefined;
  for (const key of keys) {
    const pair = node.items.find((i) => isPair(i) && isScalar(i.key) && i.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
  }
  return undefined;
}

/** Plugin `build_args`: a map, a list of `NAME=value`, or one comma-separated string; a value with a variable is not known here. */
function pluginBuildArgs(doc: Document.Parsed, node: unknown): Record<string, string | undefined> | undefined {
  const args: Record<string, string | undefined> = {};
  const n = deref(doc, node);
  const pairs: [string, string | undefined][] = isMap(n)
    ? entries(doc, n).map(([k, v]) => [k, scalarText(doc, v)])
    : (isSeq(n) ? n.items.map((x) => scalarText(doc, x) ?? '') : (scalarText(doc, n) ?? '').split(','))
        .map((x) => x.trim())
        .filter((x) => x.indexOf('=') > 0)
        .map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]);
  for (const [k, v] of pairs) args[k] = v === undefined || isDynamicText(v) ? undefined : v;
  return Object.keys(args).length ? args : undefined;
}

// --------------------------------------------------------- README blocks

/**
 * Fenced code blocks in shell languages (or none). When a block shows
 * prompts (`$ docker …`), only the prompt lines are commands; the rest is output.
 */
function readMarkdown(ctx: Ctx, out: RepoEvidence): void {
  const text = ctx.text;
  const sc = shellContext(ctx, 'readme', candidateDirs(ctx.file, ctx.root));
  const fence = /^( {0,3})(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*\n/gm;
  let m: RegExpExecArray | null;
  while ((m = fence.exec(text))) {
    const lang = m[3]!.toLowerCase();
    const bodyStart = m.index + m[0].length;
    const close = new RegExp(`^ {0,3}${m[2]![0] === '`' ? '`' : '~'}{${m[2]!.length},}[ \\t]*$`, 'm');
    const rest = text.slice(bodyStart);
    const c = close.exec(rest);
    const bodyEnd = c ? bodyStart + c.index : text.length;
    fence.lastIndex = c ? bodyStart + c.index + c[0].length : text.length;
    if (!['', 'sh', 'bash', 'shell', 'console', 'cli', 'zsh', 'shell-session', 'sh-session', 'terminal', 'make', 'text'].includes(lang)) continue;
    const body = text.slice(bodyStart, bodyEnd);
    if (!/docker|podman|compose/.test(body)) continue;
    const prompted = /^\s*[$%] /m.test(body);
    // Keep offsets: blank out what is not a command (prompts, output lines) instead of cutting it.
    const lines = body.split('\n');
    let inCommand = false;
    const kept = lines.map((line) => {
      const p = /^(\s*[$%] )/.exec(line);
      if (!prompted) return line;
      if (p) {
        inCommand = /\\\r?$/.test(line);
        return ' '.repeat(p[1]!.length) + line.slice(p[1]!.length);
      }
      if (inCommand) {
        inCommand = /\\\r?$/.test(line);
        return line;
      }
      return ' '.repeat(line.length);
    });
    interpretShell(kept.join('\n'), sc, out, bodyStart);
  }
}

// ------------------------------------------------------------------ .env

/** `COMPOSE_FILE=a.yml:b.yml` (separator `:`, or COMPOSE_PATH_SEPARATOR) in the folder compose runs in. */
function readDotenv(ctx: Ctx, out: RepoEvidence): void {
  // Read as compose reads it (quotes, comments, escapes, earlier keys interpolated): the parser interpolation uses.
  const env = parseEnvFile(ctx.text, ctx.rel);
  const composeFile = env.get('COMPOSE_FILE');
  if (!composeFile) return;
  const line = Number(composeFile.from.slice(composeFile.from.lastIndexOf(':') + 1));
  const vars = new Map([...env].map(([k, v]) => [k, v.value] as const));
  const sc: ShellContext = { ...shellContext(ctx, 'dotenv', [path.dirname(ctx.file)]), vars };
  composeFileEnv(composeFile.value, sc, sc.dirs, evidenceAt(sc, ctx.text, lineStarts(ctx.text)[line - 1] ?? 0), out);
}

// ------------------------------------------------------------------ bake

/** Per repository read: each bake file's targets, by name, with every target each inherits from (through others too). */
const bakeInherits = new WeakMap<RepoEvidence, Map<string, Map<string, { inherits: Set<string>; ownTags: boolean }>>>();

/**
 * A bake target built from a file a docker/bake-action step runs together with docker/metadata-action's bake file
 * (`files: ./docker-bake.hcl` and `${{ steps.meta.outputs.bake-file }}`): a target that inherits the metadata target
 * (`inherits = ["docker-metadata-action"]`, directly or through another) and sets no `tags` of its own takes the tags
 * that step makes, as bake merges the files in order and a target's own attributes win over inherited ones
 * (https://docs.docker.com/build/bake/inheritance/). Its tags from this repository's stub of that target are replaced.
 */
export function applyBakeMetadata(out: RepoEvidence): void {
  if (!out.bakeMetadata.length) return;
  const files = bakeInherits.get(out);
  out.builds = out.builds.flatMap((b) => {
    if (b.at.source !== 'bake') return [b];
    const name = /^bake target (.+)$/.exec(b.via)?.[1];
    const info = name ? files?.get(b.at.file)?.get(name) : undefined;
    if (!info || info.ownTags) return [b];
    const metas = out.bakeMetadata.filter((m) => m.files.includes(b.at.file) && info.inherits.has(m.bakeTarget));
    if (!metas.length) return [b];
    return metas.map((m) => ({
      ...b,
      tags: [...new Set(m.tags)],
      at: { ...b.at, text: `${b.at.text} (tags from docker/metadata-action's bake file, target ${m.bakeTarget}: ${m.at.rel}:${m.at.line})` },
    }));
  });
}

function readBakeFile(ctx: Ctx, out: RepoEvidence): void {
  const bake = parseBake(ctx.text, ctx.file);
  const lineOf = lineIndex(ctx.text);
  let byFile = bakeInherits.get(out);
  if (!byFile) bakeInherits.set(out, (byFile = new Map()));
  const direct = new Map(bake.targets.map((t) => [t.name, t] as const));
  const targets = new Map<string, { inherits: Set<string>; ownTags: boolean }>();
  for (const t of bake.targets) {
    const all = new Set<string>();
    const walk = (names: string[], depth: number) => {
      for (const n of names) {
        if (all.has(n) || depth > 10) continue;
        all.add(n);
        walk(direct.get(n)?.inherits ?? [], depth + 1);
      }
    };
    walk(t.inherits, 0);
    targets.set(t.name, { inherits: all, ownTags: t.ownTags });
  }
  byFile.set(ctx.file, targets);
  for (const t of builtTargets(bake)) {
    const paths = bakePaths(t, path.dirname(ctx.file));
    if (!paths) continue;
    out.builds.push({
      dockerfile: paths.dockerfile,
      context: paths.context,
      target: t.target,
      tags: t.tags,
      push: t.output.some((o) => /type=registry|push=true/.test(o)),
      exportsFiles: t.output.some((o) => /type=(local|tar)/.test(o)),
      via: `bake target ${t.name}`,
      ...(Object.keys(t.args).length ? { args: t.args } : {}),
      // bake resolves a context folder against the bake file's folder, as it does `context`.
      ...(resolveNamedContexts(t.contexts, path.dirname(ctx.file)) ? { namedContexts: resolveNamedContexts(t.contexts, path.dirname(ctx.file)) } : {}),
      at: evidenceAt({ ...ctx, source: 'bake', lineOf }, ctx.text, t.offset),
    });
  }
}

// ------------------------------------------------------------ GoReleaser

/**
 * GoReleaser configurations (https://goreleaser.com/customization/docker/, .../package/dockers_v2/,
 * .../docker_manifest/). `dockers:` entries build `dockerfile` (default `Dockerfile`, "from the project root") into
 * each of their `image_templates`, with `build_flag_templates` passed to the build (`--target`, `--build-arg`), and
 * push them unless `skip_push: true`; `dockers_v2:` entries build every `images` name with every `tags` tag, with
 * `build_args`; `docker_manifests:` make `name_template` a manifest list of the `image_templates` built by `dockers`
 * (a tag alias each, as `docker manifest create` is). The build context is a temporary folder holding the binaries
 * and `extra_files` (paths from the project root), so the project root is the context here. `kos:` build from Go
 * source with no Dockerfile: nothing to link.
 */
function readGoreleaser(ctx: Ctx, out: RepoEvidence): void {
  const doc = yamlDoc(ctx.text);
  if (!doc) return;
  const top = doc.contents;
  const lineOf = lineIndex(ctx.text);
  const root = path.dirname(ctx.file);
  const at = (node: unknown, text: string) => ({ ...evidenceAt({ ...ctx, source: 'goreleaser', lineOf }, ctx.text, (node as Node | undefined)?.range?.[0] ?? 0), text });
  // `env:` is a list of `NAME=value` (https://goreleaser.com/customization/env/); `{{ .Env.NAME }}` reads it, else the shell's.
  const env = new Map<string, string>();
  for (const item of seqItems(doc, get(doc, top, 'env'))) {
    const line = scalarText(doc, item);
    const eq = line?.indexOf('=') ?? -1;
    if (line && eq > 0 && !line.includes('{{')) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const template = (text: string | undefined) => (text === undefined ? undefined : goreleaserTemplate(text, projectNameOf(doc, top, root), env));
  const dockerfileOf = (node: unknown) => {
    const written = template(scalarText(doc, get(doc, node, 'dockerfile')) ?? 'Dockerfile')!;
    return written.includes('$') ? undefined : resolveIn([root], written);
  };
  for (const entry of seqItems(doc, get(doc, top, 'dockers'))) {
    const dockerfile = dockerfileOf(entry);
    if (!dockerfile) continue;
    const tags = seqItems(doc, get(doc, entry, 'image_templates')).map((n) => template(scalarText(doc, n))).filter((t): t is string => !!t);
    if (tags.length === 0) continue;
    const flags = seqItems(doc, get(doc, entry, 'build_flag_templates')).map((n) => template(scalarText(doc, n)) ?? '');
    const skipPush = scalarText(doc, get(doc, entry, 'skip_push'));
    const args = buildFlagArgs(flags);
    out.builds.push({
      dockerfile,
      context: root,
      target: flagValue(flags, '--target'),
      tags,
      // `skip_push: auto` skips pushing prereleases only.
      push: skipPush !== 'true',
      exportsFiles: false,
      via: 'goreleaser dockers',
      ...(Object.keys(args).length ? { args } : {}),
      at: at(entry, `dockers: ${path.relative(root, dockerfile)} -> ${tags[0]}`),
    });
  }
  for (const entry of seqItems(doc, get(doc, top, 'dockers_v2'))) {
    const dockerfile = dockerfileOf(entry);
    if (!dockerfile) continue;
    const names = seqItems(doc, get(doc, entry, 'images')).map((n) => template(scalarText(doc, n))).filter((t): t is string => !!t);
    const tagList = seqItems(doc, get(doc, entry, 'tags')).map((n) => template(scalarText(doc, n))).filter((t): t is string => !!t);
    const tags = names.flatMap((name) => (tagList.length ? tagList.map((t) => `${name}:${t}`) : [name]));
    if (tags.length === 0) continue;
    const flags = seqItems(doc, get(doc, entry, 'flags')).map((n) => template(scalarText(doc, n)) ?? '');
    const args: Record<string, string | undefined> = buildFlagArgs(flags);
    for (const [k, v] of entries(doc, get(doc, entry, 'build_args'))) {
      const value = template(scalarText(doc, v));
      args[k] = value === undefined || value.includes('$') ? undefined : value;
    }
    out.builds.push({
      dockerfile,
      context: root,
      target: flagValue(flags, '--target'),
      tags,
      push: scalarText(doc, get(doc, entry, 'skip')) !== 'true',
      exportsFiles: false,
      via: 'goreleaser dockers_v2',
      ...(Object.keys(args).length ? { args } : {}),
      at: at(entry, `dockers_v2: ${path.relative(root, dockerfile)} -> ${tags[0]}`),
    });
  }
  for (const entry of seqItems(doc, get(doc, top, 'docker_manifests'))) {
    const target = template(scalarText(doc, get(doc, entry, 'name_template')));
    if (!target) continue;
    for (const n of seqItems(doc, get(doc, entry, 'image_templates'))) {
      const source = template(scalarText(doc, n));
      if (source && source !== target) out.tagAliases.push({ source, target, via: 'goreleaser docker_manifests', at: at(entry, `docker_manifests: ${target}`) });
    }
  }
}

function seqItems(doc: Document.Parsed, node: unknown): unknown[] {
  const n = deref(doc, node);
  return isSeq(n) ? n.items.map((i) => deref(doc, i)) : [];
}

/**
 * The project name `{{ .ProjectName }}` stands for: `project_name`, else (as GoReleaser's project pipe guesses it,
 * internal/pipe/project/project.go) the `release.github`/`gitlab`/`gitea` name, the Go module's last path element,
 * the Git remote's repository name. Undefined when none is known.
 */
function projectNameOf(doc: Document.Parsed, top: unknown, root: string): string | undefined {
  const literal = (v: string | undefined) => (v && !v.includes('{{') ? v : undefined);
  const named = literal(scalarText(doc, get(doc, top, 'project_name')));
  if (named) return named;
  const release = get(doc, top, 'release');
  for (const forge of ['github', 'gitlab', 'gitea']) {
    const name = literal(scalarText(doc, get(doc, get(doc, release, forge), 'name')));
    if (name) return name;
  }
  try {
    const module = /^module\s+("?)([^\s"]+)\1/m.exec(readFileSync(path.join(root, 'go.mod'), 'utf8'))?.[2];
    // `github.com/org/app/v2` is the module of app: a major version suffix is not its name.
    const parts = module?.split('/').filter((p) => !/^v\d+$/.test(p));
    if (parts?.length) return parts[parts.length - 1];
  } catch {
    // no go.mod: the remote may still say
  }
  return githubRepoOf(root)?.name;
}

/**
 * A GoReleaser template (Go text/template) as a tag of this model: `{{ .ProjectName }}` and `{{ .Env.NAME }}` filled
 * in where known, every other action (`{{ .Tag }}`, `{{ .Major }}`, `{{ if … }}…{{ end }}`) a variable `${…}`, which
 * the image index matches as a pattern.
 */
export function goreleaserTemplate(text: string, projectName: string | undefined, env: ReadonlyMap<string, string>): string {
  return text
    .replace(/\{\{-?\s*if\b[\s\S]*?\{\{-?\s*end\s*-?\}\}/g, '${template}')
    .replace(/\{\{-?\s*([^{}]*?)\s*-?\}\}/g, (whole, action: string) => {
      if (action === '.ProjectName' && projectName) return projectName;
      const envRef = /^\.Env\.([A-Za-z_]\w*)$/.exec(action);
      if (envRef) return env.get(envRef[1]!) ?? `\${${envRef[1]}}`;
      const field = /^\.([A-Za-z_][\w.]*)$/.exec(action);
      return field ? `\${${field[1]}}` : '${template}';
    });
}

/** The value of `--flag=value` or `--flag value` (as one item or two) among build flags; the last wins, as with docker. */
function flagValue(flags: string[], flag: string): string | undefined {
  let value: string | undefined;
  flags.forEach((f, i) => {
    const item = f.trim();
    if (item.startsWith(`${flag}=`)) value = item.slice(flag.length + 1);
    else if (item.startsWith(`${flag} `)) value = item.slice(flag.length + 1).trim();
    else if (item === flag && flags[i + 1] !== undefined) value = flags[i + 1]!.trim();
  });
  return value && !value.includes('$') ? value : undefined;
}

/** `--build-arg=NAME=value` flags: a value still holding a template is not known here. */
function buildFlagArgs(flags: string[]): Record<string, string | undefined> {
  const args: Record<string, string | undefined> = {};
  flags.forEach((f, i) => {
    const item = f.trim();
    const pair = item.startsWith('--build-arg=') ? item.slice(12) : item.startsWith('--build-arg ') ? item.slice(12).trim() : item === '--build-arg' ? flags[i + 1]?.trim() : undefined;
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq <= 0) return;
    const value = pair.slice(eq + 1);
    args[pair.slice(0, eq)] = value.includes('$') ? undefined : value;
  });
  return args;
}

// --------------------------------------------------------- dev containers

function readDevcontainer(ctx: Ctx, out: RepoEvidence): void {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(stripJsonComments(ctx.text)) as Record<string, unknown>;
  } catch {
    return;
  }
  if (typeof data !== 'object' || data === null) return;
  const dir = path.dirname(ctx.file);
  const build = (typeof data.build === 'object' && data.build !== null ? data.build : {}) as Record<string, unknown>;
  const dfRaw = typeof build.dockerfile === 'string' ? build.dockerfile : typeof data.dockerFile === 'string' ? data.dockerFile : undefined;
  const composeRaw = data.dockerComposeFile;
  const composeFiles = (Array.isArray(composeRaw) ? composeRaw : [composeRaw]).filter((x): x is string => typeof x === 'string');
  if (!dfRaw && composeFiles.length === 0) return;
  const lineOf = lineIndex(ctx.text);
  const key = dfRaw ? (ctx.text.search(/"(dockerfile|dockerFile)"/) ) : ctx.text.indexOf('"dockerComposeFile"');
  out.devcontainers.push({
    dockerfile: dfRaw ? path.resolve(dir, dfRaw) : undefined,
    composeFiles: composeFiles.map((f) => path.resolve(dir, f)),
    service: typeof data.service === 'string' ? data.service : undefined,
    at: evidenceAt({ ...ctx, source: 'devcontainer', lineOf }, ctx.text, Math.max(0, key)),
  });
}

/** JSON with comments and trailing commas (devcontainer.json is JSONC). */
function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? text.length : e + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

/**
 * build-push-action's `build-args`: one `NAME=value` a line (a list input). A value holding a
 * `${{ }}` expression the workflow does not settle is not known here.
 */
function buildArgsInput(text: string | undefined): { args?: Record<string, string | undefined> } {
  const args: Record<string, string | undefined> = {};
  for (const line of (text ?? '').split(/\r?\n/)) {
    const item = line.trim();
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const value = item.slice(eq + 1).trim();
    args[item.slice(0, eq).trim()] = value.includes('${{') ? undefined : value;
  }
  return Object.keys(args).length ? { args } : {};
}
