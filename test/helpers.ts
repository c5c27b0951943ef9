// Shared test machinery: run transforms through the same discover -> model ->
// engine path the CLI uses, on a temporary copy of the input; validate compose
// output against the Compose Specification schema.
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, rmSync, readdirSync, statSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { run, type RunResult } from '../src/driver.js';
import { TRANSFORMS } from '../transforms/index.js';
import { DEFAULT_OPTIONS, type HardenOptions } from '../src/types.js';
import type { Transform } from '../src/transform.js';
import type { Executor } from '../src/runtime/index.js';
import { discover } from '../src/discover.js';
import { readEvidence } from '../src/evidence/index.js';
import type { RepoEvidence } from '../src/evidence/types.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function transformsById(ids: string[]): Transform[] {
  return ids.map((id) => {
    const t = TRANSFORMS.find((x) => x.meta.id === id);
    if (!t) throw new Error(`no transform ${id}`);
    return t;
  });
}

/** Folders tempDir made in this test file: removed when the file's tests are done. */
const madeDirs: string[] = [];
afterAll(() => {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new temporary folder, removed when the test file that made it is done. */
export function tempDir(prefix = 'dh-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

/** Write a tree `{ 'rel/path': text }` under a new temp folder. */
export function writeTree(tree: Record<string, string>, dir = tempDir()): string {
  for (const [rel, text] of Object.entries(tree)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/** A tree written to a new temp folder and the repository evidence read from it, every file discovered as the CLI does. */
export async function evidenceOfTree(tree: Record<string, string>): Promise<{ dir: string; ev: RepoEvidence }> {
  const dir = writeTree(tree);
  const found = await discover([dir], dir, { exclude: [] });
  return { dir, ev: await readEvidence(found.evidence, dir) };
}

/** What `--explain --format json` says of a folder (it must exit 0), and what each service runs: its Dockerfile (relative) or null. */
export async function explainServices(dir: string): Promise<{ explain: any; byService: Record<string, string | null> }> {
  const r = await runCli(['--explain', '--format', 'json', '.'], dir);
  expect(r.code, r.stderr).toBe(0);
  const explain = JSON.parse(r.stdout);
  return { explain, byService: Object.fromEntries(explain.services.map((s: any) => [s.name, s.dockerfile])) };
}

export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p).split(path.sep).join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

export interface HardenRun {
  result: RunResult;
  /** Output text per relative path (only files that changed). */
  changed: Record<string, string>;
}

/** Run the engine (dry run) on a tree with the given transforms. */
export async function hardenTree(
  tree: Record<string, string>,
  ids: string[] = TRANSFORMS.map((t) => t.meta.id),
  options: Partial<HardenOptions> = {},
): Promise<HardenRun> {
  const dir = writeTree(tree);
  try {
    const result = await run({
      paths: [dir],
      cwd: dir,
      dryRun: true,
      exclude: [],
      transforms: transformsById(ids),
      options: { ...DEFAULT_OPTIONS, ...options, gid: options.gid ?? options.uid ?? DEFAULT_OPTIONS.gid },
    });
    const changed: Record<string, string> = {};
    for (const c of result.changes) changed[c.rel] = c.after;
    return { result, changed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let composeValidator: ValidateFunction | undefined;

/** Errors of every document in a compose text against the Compose Specification schema ([] when valid). */
export function composeSchemaErrors(text: string): string[] {
  if (!composeValidator) {
    const schema = JSON.parse(readFileSync(path.join(REPO, 'test/schemas/compose-spec.json'), 'utf8'));
    // The file names draft-07 by an https URL Ajv does not register; it is draft-07, which Ajv speaks natively.
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    composeValidator = ajv.compile(schema);
  }
  const errors: string[] = [];
  for (const doc of parseAllDocuments(text, { merge: true }) as ReturnType<typeof parseAllDocuments> & unknown[]) {
    const data = doc.toJS({ maxAliasCount: -1 }); // compose's own limit is the expanded size (src/parse/yaml-size.ts)
    if (!composeValidator!(data)) errors.push(JSON.stringify(composeValidator!.errors));
  }
  return errors;
}

export function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process, as `docker-harden ...args` from `cwd`, capturing its output. */
export async function runCli(args: string[], cwd: string, opts: { stderrIsTTY?: boolean; env?: NodeJS.ProcessEnv; exec?: Executor } = {}): Promise<CliRun> {
  const { main } = await import('../src/cli.js');
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    isTTY: false,
    stderrIsTTY: opts.stderrIsTTY ?? false,
    cwd,
    env: opts.env,
    exec: opts.exec,
  });
  return { code, stdout, stderr };
}

/** Copy a folder (the examples) to a new temp folder. */
export function copyTree(src: string, dir = tempDir()): string {
  writeTree(readTree(src), dir);
  return dir;
}

export interface ProjectCase<E> {
  name: string;
  input: Record<string, string>;
  /** Every file that must change, byte for byte; undefined: nothing may change. */
  output?: Record<string, string>;
  expect: E;
}

/** Project fixtures under `root`: `<case>/input/**`, optional `<case>/output/**` and `<case>/expect.json`. */
export function projectCases<E>(root: string): ProjectCase<E>[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .map((name) => {
      const dir = path.join(root, name);
      const out = path.join(dir, 'output');
      const exp = path.join(dir, 'expect.json');
      return {
        name,
        input: readTree(path.join(dir, 'input')),
        output: existsSync(out) ? readTree(out) : undefined,
        expect: (existsSync(exp) ? JSON.parse(readFileSync(exp, 'utf8')) : {}) as E,
      };
    });
}

/** Write a case's output/ tree (UPDATE mode): the files that changed, each with its input's file mode. */
export function writeCaseOutput(root: string, name: string, changed: Record<string, string>): void {
  const out = path.join(root, name, 'output');
  rmSync(out, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(changed)) {
    const file = path.join(out, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    const input = path.join(root, name, 'input', rel);
    if (existsSync(input)) chmodSync(file, statSync(input).mode & 0o777);
  }
}
