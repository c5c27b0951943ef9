// Flags -> options, output, exit codes. Nothing else lives here.
// Exit codes: 0 nothing left to do, 1 changes pending (--dry-run) or a fix
// withheld by --verify, 2 usage or file error, or verification could not run.
import type { Argv } from 'yargs';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadForExplain, run, type Progress, type RunResult } from './driver.js';
import { BOUND_HEAP_FROM_FILES, BOUND_YOUNG_FROM_FILES, heapFlagDefaults } from './heap.js';
import { delayTierUp, TIER_UP_DEFAULT_FLAG, tierUpDelayed } from './tier-up.js';
import { unifiedDiff, unifiedDiffChunks } from './report/diff.js';
import { stylish, stylishChunks, type ReportContext } from './report/stylish.js';
import { loadColors } from './report/colors.js';
import { isTerminal, writeOutput } from './stdio.js';
import { TRANSFORMS } from '../transforms/index.js';
import { DEFAULT_OPTIONS, type HardenOptions } from './types.js';
import { ConfigError, loadConfigs, OPTION_CHOICES } from './config.js';
import type { BotOptions, Outcome, Preflight } from './bot/pr.js';
import type { VerifyProgress } from './verify/verify.js';
import type { Executor } from './runtime/index.js';
// What only some runs need (other report formats, --explain, verify, image
// inspection, the bot, ci-guard, and yargs for anything but a plain command
// line) is imported when used: every run pays for what it loads at start.

const FORMATS = ['stylish', 'json', 'sarif', 'markdown'] as const;
type Format = (typeof FORMATS)[number];
type Reporter = (result: RunResult, ctx: ReportContext) => string;

async function reporter(format: Format): Promise<Reporter> {
  switch (format) {
    case 'stylish':
      return stylish;
    case 'json':
      return (await import('./report/json.js')).jsonReport;
    case 'sarif':
      return (await import('./report/sarif.js')).sarif;
    case 'markdown':
      return (await import('./report/markdown.js')).markdown;
  }
}

async function loadYargs(argv: string[]): Promise<Argv> {
  const { default: yargs } = await import('yargs');
  return yargs(argv);
}

/**
 * What bin/load-bundle.js asks at exit, before it writes a code cache.
 * `pipeline`: whether this run went through the pipeline, so that a cache
 * written by a run that did not (--help, a usage error) is replaced by one
 * that holds the pipeline. `v8FlagDefaults`: the V8 flags this run changed,
 * each set back to V8's default. A code cache carries a hash of V8's flags and
 * a process whose flags hash otherwise refuses it: a cache written after a
 * large run had bounded the heap's growth was refused by every later run,
 * which then compiled the bundle from source and wrote the same refused cache
 * again when it was large too (issue 13).
 */
export const startup = {
  pipeline: false,
  v8FlagDefaults: (): string[] => [...heapFlagDefaults(), ...(tierUpDelayed() ? [TIER_UP_DEFAULT_FLAG] : [])],
};

/** Runs over fewer files than this finish before a progress line would help. */
export const PROGRESS_MIN_FILES = 200;

export class UsageError extends Error {}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  /** stderr is a terminal (progress may be shown there). */
  stderrIsTTY?: boolean;
  cwd: string;
  /** Environment for the engine adapter (DOCKER_HOST, PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How the engine adapter runs docker and compose (tests: a stand-in engine). */
  exec?: Executor;
}

/** Seconds each verify phase (a build, start-up, reaching health) may take, and how long services must stay up. */
export const VERIFY_TIMEOUT_S = 300;
export const VERIFY_SETTLE_S = 5;

const EXIT_CODES =
  'Exit codes: 0 nothing left to do (with --verify: every fix verified, none withheld); 1 changes pending (--dry-run), ' +
  'or --verify withheld a fix; 2 usage or file error, or verification could not run (no engine, no compose CLI, daemon error).';

const defaultIo = (): Io => ({
  stdout: (s) => writeOutput(1, s),
  stderr: (s) => writeOutput(2, s),
  isTTY: isTerminal(1) && !process.env.NO_COLOR,
  stderrIsTTY: isTerminal(2),
  cwd: process.cwd(),
});

function version(): string {
  // dist/src/cli.js or the bundle dist/bundle/docker-harden.cjs when built, src/cli.ts when run from source (tests).
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      return (JSON.parse(readFileSync(path.resolve(here, rel), 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}

/** Flags of `docker-harden pr`, on top of every flag of a normal run (defaults from the bot module, loaded for pr only). */
const prOptions = ({ DEFAULT_BRANCH, DEFAULT_AUTHOR }: { DEFAULT_BRANCH: string; DEFAULT_AUTHOR: string }) => ({
  branch: { type: 'string', default: DEFAULT_BRANCH, describe: 'Branch the bot commits to and opens the pull request from' },
  base: { type: 'string', describe: 'Branch the pull request goes into (default: the branch checked out)' },
  remote: { type: 'string', default: 'origin', describe: 'Git remote to push the branch to' },
  'body-file': { type: 'string', describe: 'Also keep the pull-request body in this file' },
  label: { type: 'string', array: true, nargs: 1, default: [], describe: 'Label for the pull request (repeatable; it must exist)' },
  author: { type: 'string', default: DEFAULT_AUTHOR, describe: 'Author and committer of the bot commit, "Name <email>"' },
  repo: { type: 'string', describe: 'owner/name of the repository for gh (default: found from the remote)' },
}) as const;

interface PrArgs {
  branch: string;
  base?: string;
  remote: string;
  'body-file'?: string;
  label: string[];
  author: string;
  repo?: string;
}

/** The flags of a normal run, as yargs gives them (see plainArgs). */
export interface CliArgs {
  _: (string | number)[];
  'dry-run': boolean;
  exclude: string[];
  transform: string[];
  skip: string[];
  'list-transforms': boolean;
  explain: boolean;
  uid?: number;
  gid?: number;
  'user-name'?: string;
  'tmpfs-size'?: string;
  'chown-workdir'?: boolean;
  'user-ref'?: string;
  'entrypoint-drop'?: string;
  format: string;
  output?: string;
  patch?: string;
  config?: string;
  color?: boolean;
  verify: boolean;
  'verify-timeout': number;
  'verify-settle': number;
  'inspect-images'?: boolean;
  pull: boolean;
  cache: boolean;
  observe: boolean;
  keep: boolean;
}

/** A flag of a normal run: what yargs is given, and what plainArgs reads itself. */
interface RunOption {
  type: 'boolean' | 'string' | 'number';
  array?: boolean;
  nargs?: number;
  choices?: readonly string[];
  default?: unknown;
  describe: string;
}

/** Every flag of a normal run, once: yargs is configured from it, and plainArgs reads its names, types and defaults. */
const RUN_OPTIONS: Record<string, RunOption> = {
  'dry-run': { type: 'boolean', default: false, describe: 'Write nothing; print a unified diff; exit 1 if anything would change' },
  // nargs 1: a repeatable flag takes one value, so `--skip x path/` keeps path/ a path.
  'exclude': { type: 'string', array: true, nargs: 1, default: [], describe: 'gitignore-style pattern relative to a path argument (repeatable)' },
  'transform': { type: 'string', array: true, nargs: 1, default: [], describe: 'Run only this transform (repeatable)' },
  'skip': { type: 'string', array: true, nargs: 1, default: [], describe: 'Do not run this transform (repeatable)' },
  'list-transforms': { type: 'boolean', default: false, describe: 'List transforms with their CIS control and exit' },
  'explain': {
    type: 'boolean',
    default: false,
    describe: 'Print how the files are used (compose projects, services, Dockerfile roles, images built here, with the evidence) and exit',
  },
  // No yargs defaults for these: a flag given wins over the configuration file, which wins over the default.
  'uid': { type: 'number', describe: `UID of the user created in images (default: ${DEFAULT_OPTIONS.uid})` },
  'gid': { type: 'number', describe: 'GID of that user (default: the UID)' },
  'user-name': { type: 'string', describe: `Name of the user created in images (default: ${DEFAULT_OPTIONS.userName})` },
  'tmpfs-size': { type: 'string', describe: `Size of tmpfs mounts added for read-only services (default: ${DEFAULT_OPTIONS.tmpfsSize})` },
  'chown-workdir': { type: 'boolean', describe: 'Also give the app user ownership of WORKDIR (default: code stays root-owned)' },
  'user-ref': { type: 'string', choices: OPTION_CHOICES['user-ref'], describe: 'How USER names the user: uid (USER 1000:1000, default) or name' },
  'entrypoint-drop': {
    type: 'string',
    choices: OPTION_CHOICES['entrypoint-drop'],
    describe: 'An entrypoint that drops root itself (gosu, su-exec, setpriv): keep (start as root, default) or conditional (drop only as root; add USER)',
  },
  'format': { type: 'string', choices: FORMATS, default: 'stylish', describe: 'Report format' },
  'output': { type: 'string', describe: 'Write the report to this file instead of the terminal' },
  'patch': { type: 'string', describe: 'Write one patch of all changes to this file (for git apply)' },
  'config': { type: 'string', describe: 'Configuration file to use for every path (default: .docker-harden.yml/.yaml/.json at the root of each path)' },
  'color': { type: 'boolean', describe: 'Force colored output on or off (default: on for a TTY)' },
  'verify': { type: 'boolean', default: false, describe: 'Build and start each project before and after on the Docker Engine (DOCKER_HOST); withhold fixes that break a service; write only verified fixes' },
  'verify-timeout': { type: 'number', default: VERIFY_TIMEOUT_S, describe: 'Seconds each verify phase may take (a build, start-up, reaching healthy)' },
  'verify-settle': { type: 'number', default: VERIFY_SETTLE_S, describe: 'Seconds services must stay up, without restarting, once ready' },
  'inspect-images': {
    type: 'boolean',
    describe: 'Read the config, /etc/passwd, /etc/os-release and tools of images the knowledge table does not know, on the Docker Engine (default: on with --verify, else off)',
  },
  'pull': { type: 'boolean', default: false, describe: 'With --inspect-images: pull images that are not present locally (else they are reported, not inspected)' },
  'cache': { type: 'boolean', default: true, describe: 'Reuse inspections cached by image digest in $XDG_CACHE_HOME/docker-harden (--no-cache: read again)' },
  'observe': {
    type: 'boolean',
    default: true,
    describe: 'With --verify: learn what services write at start from the baseline run (docker diff) and make those paths writable in the hardened run (--no-observe: only what the files say)',
  },
  'keep': { type: 'boolean', default: false, describe: 'With --verify: leave the baseline and hardened containers running and print how to remove them' },
};

/** What yargs would read as a number (its positionals then come back changed, `010` as 10): left to yargs. */
const NUMBER_LIKE = /^0x[0-9a-f]+$|^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;
/** yargs reads `true`/`false` after a boolean flag as its value, and may elsewhere: left to yargs. */
const BOOLEAN_WORD = /^(?:true|false)$/i;

/**
 * The common command line (`--dry-run --format json --exclude x path/`) read
 * without loading yargs, which costs a third of the start-up. Anything else
 * (help, version, `--no-` forms, numbers, `--`, short flags, a repeated single
 * flag, an unknown flag or choice, an empty value) returns undefined and goes
 * through yargs, so behaviour, help text and errors stay yargs'. The result
 * equals what yargs gives for these flags (test/cli-args.test.ts compares them).
 */
export function plainArgs(argv: string[]): CliArgs | undefined {
  const values: Record<string, unknown> = { _: [] };
  for (const [name, o] of Object.entries(RUN_OPTIONS)) if (o.default !== undefined) values[name] = Array.isArray(o.default) ? [] : o.default;
  const args = values as unknown as CliArgs;
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) {
      if (!a || NUMBER_LIKE.test(a) || BOOLEAN_WORD.test(a)) return undefined;
      args._.push(a);
      continue;
    }
    if (!a.startsWith('--') || a === '--') return undefined;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const option = Object.hasOwn(RUN_OPTIONS, name) ? RUN_OPTIONS[name] : undefined;
    // Numbers are left to yargs (its conversions and errors).
    if (!option || option.type === 'number') return undefined;
    if (option.type === 'boolean') {
      if (eq >= 0 || seen.has(name)) return undefined;
      seen.add(name);
      values[name] = true;
      continue;
    }
    const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (value === undefined || value === '' || value.startsWith('-') || NUMBER_LIKE.test(value) || BOOLEAN_WORD.test(value)) return undefined;
    if (option.array) {
      (values[name] as string[]).push(value);
      continue;
    }
    if (seen.has(name) || (option.choices && !option.choices.includes(value))) return undefined;
    seen.add(name);
    values[name] = value;
  }
  return args;
}

/**
 * The command line through yargs: help, version, usage errors (printed here,
 * with the exit code), and every flag form. `bot`: the pr command's module.
 */
export async function parseWithYargs(argv: string[], io: Io, bot?: { DEFAULT_BRANCH: string; DEFAULT_AUTHOR: string }): Promise<CliArgs | { exit: number }> {
  let usageError: string | undefined;
  const parser = (await loadYargs(argv))
    .scriptName(bot ? 'docker-harden pr' : 'docker-harden')
    .usage(
      bot
        ? '$0 [paths..]\n\nHarden in place, commit the result to one branch and open or update one pull request with gh; ' +
            'when nothing is left to change, close the pull request an earlier run opened. Needs a clean git checkout, a remote that accepts pushes, and GH_TOKEN for gh.'
        : '$0 [paths..]\n$0 verify [paths..]\n$0 pr [paths..]\n$0 ci-guard [paths..]\n\nHarden Dockerfiles and compose files in place, or show the diff with --dry-run.\n' +
            'verify (= --dry-run --verify) builds and starts every project before and after hardening on your Docker Engine\n' +
            'and withholds the fixes that break a service; it writes nothing.\n' +
            'pr commits the changes to a branch and opens or updates a pull request (see docker-harden pr --help).\n' +
            'ci-guard writes a GitHub Actions workflow that runs the --dry-run check on pull requests (--bot: the pull-request bot).',
    )
    .options(bot ? prOptions(bot) : {})
    .options(RUN_OPTIONS)
    .epilog(`${EXIT_CODES}\nTransforms: docker-harden --list-transforms`)
    .strictOptions()
    .version(version())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      usageError = msg || err?.message || 'invalid arguments';
    });

  let args;
  let helpOrVersion = false;
  try {
    args = await parser.parseAsync(argv, {}, (err, _parsed, output) => {
      if (output && !err) {
        helpOrVersion = true;
        io.stdout(output + '\n');
      }
    });
  } catch (err) {
    usageError ??= (err as Error).message;
  }
  if (usageError) {
    io.stderr(`docker-harden: ${usageError}\nRun 'docker-harden --help' for usage.\n`);
    return { exit: 2 };
  }
  if (helpOrVersion || !args) return { exit: 0 };
  return args as unknown as CliArgs;
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  // `--version` alone: what yargs prints for it, without loading yargs (test/cli-args.test.ts compares them).
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  if (argv[0] === 'ci-guard') return ciGuard(argv.slice(1), io);
  // `verify` is `--dry-run --verify`: boot before and after, write nothing.
  if (argv[0] === 'verify') argv = ['--dry-run', '--verify', ...argv.slice(1)];
  // `pr` is a normal in-place run (every flag, including --verify) followed by the bot's git and gh work.
  const prMode = argv[0] === 'pr';
  if (prMode) argv = argv.slice(1);
  const ids = TRANSFORMS.map((t) => t.meta.id);
  const botModule = prMode ? await import('./bot/pr.js') : undefined;
  const BotError = prMode ? (await import('./bot/git.js')).BotError : undefined;
  const parsed = (!botModule && plainArgs(argv)) || (await parseWithYargs(argv, io, botModule));
  if ('exit' in parsed) return parsed.exit;
  const args = parsed;

  if (args['list-transforms']) {
    for (const t of TRANSFORMS) io.stdout(`${t.meta.id.padEnd(30)} CIS ${t.meta.cis.padEnd(6)} ${t.meta.description}\n`);
    return 0;
  }

  const format = args.format as Format;
  const paths = (args._ as (string | number)[]).map(String);
  const verifyTimeout = args['verify-timeout'];
  const verifySettle = args['verify-settle'];
  if (!(verifyTimeout > 0) || !(verifySettle >= 0)) {
    io.stderr(`docker-harden: --verify-timeout must be a positive number of seconds and --verify-settle zero or more\n`);
    return 2;
  }
  if (args.keep && !args.verify) {
    io.stderr(`docker-harden: --keep only applies with --verify (or docker-harden verify)\n`);
    return 2;
  }
  let bot: { pre: Preflight; opts: BotOptions } | undefined;
  try {
    if (prMode) {
      if (args['dry-run']) throw new UsageError('pr commits and pushes; to preview, run docker-harden --dry-run --format markdown');
      const pr = args as unknown as PrArgs;
      const opts: BotOptions = {
        branch: pr.branch,
        base: pr.base,
        remote: pr.remote,
        bodyFile: pr['body-file'] && path.resolve(io.cwd, pr['body-file']),
        labels: pr.label,
        author: botModule!.parseIdentity(pr.author),
        repo: pr.repo,
      };
      bot = { pre: botModule!.preflight(io.cwd, opts), opts };
    }
    const config = loadConfigs(paths, io.cwd, ids, args.config);
    const harden = hardenOptions({
      uid: args.uid ?? config.options.uid ?? DEFAULT_OPTIONS.uid,
      gid: args.gid ?? config.options.gid,
      'user-name': args['user-name'] ?? config.options.userName ?? DEFAULT_OPTIONS.userName,
      'tmpfs-size': args['tmpfs-size'] ?? config.options.tmpfsSize ?? DEFAULT_OPTIONS.tmpfsSize,
      'chown-workdir': args['chown-workdir'] ?? config.options.chownWorkdir ?? DEFAULT_OPTIONS.chownWorkdir,
      'user-ref': (args['user-ref'] as HardenOptions['userRef'] | undefined) ?? config.options.userRef ?? DEFAULT_OPTIONS.userRef,
      'entrypoint-drop': (args['entrypoint-drop'] as HardenOptions['entrypointDrop'] | undefined) ?? config.options.entrypointDrop ?? DEFAULT_OPTIONS.entrypointDrop,
    });
    const selected = selectTransforms(ids, args.transform, args.skip).filter((id) => config.mayRun(id));
    const color = args.color ?? io.isTTY;
    // Every painted output below (the report, the diff, --explain) is painted only with color on.
    if (color) await loadColors();
    if (args.explain) {
      if (format !== 'stylish' && format !== 'json') throw new UsageError(`--explain prints text or --format json, not ${format}`);
      const { project, errors, skipped } = await loadForExplain({ paths, cwd: io.cwd, exclude: args.exclude, excludeFile: config.isExcluded, hardenedRoles: config.hardenedRoles });
      const { explainJson, explainText } = await import('./report/explain.js');
      const text = format === 'json' ? explainJson(project, errors, skipped) : explainText(project, !args.output && color, errors, skipped);
      if (args.output) writeOut(args.output, text, io.cwd);
      else io.stdout(text);
      return errors.length ? 2 : 0;
    }
    const progress = format === 'stylish' && io.stderrIsTTY ? progressLine(io) : undefined;
    const verifyProgress = args.verify && io.stderrIsTTY ? verifyLine(io) : undefined;
    const inspect = args['inspect-images'] ?? args.verify;
    const { inspectImages } = inspect ? await import('./inspect/index.js') : {};
    const { verifyProject } = args.verify ? await import('./verify/verify.js') : {};
    const { RuntimeError } = inspect || args.verify ? await import('./runtime/index.js') : {};
    let result: RunResult;
    startup.pipeline = true;
    // TurboFan only for what this run keeps busy (src/tier-up.ts).
    delayTierUp();
    try {
      result = await run({
        paths,
        cwd: io.cwd,
        dryRun: args['dry-run'],
        exclude: args.exclude,
        excludeFile: config.isExcluded,
        isEnabled: config.isEnabled,
        hardenedRoles: config.hardenedRoles,
        transforms: TRANSFORMS.filter((t) => selected.includes(t.meta.id)),
        options: harden,
        onProgress: progress?.update,
        observe: args.observe,
        boundHeapFrom: BOUND_HEAP_FROM_FILES,
        boundYoungFrom: BOUND_YOUNG_FROM_FILES,
        inspect: inspectImages
          ? (project) => inspectImages(project, { pull: args.pull, noCache: !args.cache, env: io.env ?? process.env, exec: io.exec })
          : undefined,
        verify: verifyProject
          ? (input) =>
              verifyProject(input, {
                timeoutMs: verifyTimeout * 1000,
                settleMs: verifySettle * 1000,
                keep: args.keep,
                env: io.env ?? process.env,
                exec: io.exec,
                onProgress: verifyProgress?.update,
              })
          : undefined,
      });
    } catch (err) {
      if (!(RuntimeError && err instanceof RuntimeError)) throw err;
      io.stderr(
        err.kind === 'interrupted'
          ? `docker-harden: ${err.message}; the containers, volumes and copies it made are removed\nNothing was written.\n`
          : `docker-harden: verification could not run: ${err.message}\nNothing was written.\n`,
      );
      return 2;
    } finally {
      progress?.clear();
      verifyProgress?.clear();
    }
    const ctx: ReportContext = {
      cwd: io.cwd,
      color: format === 'stylish' && !args.output && color,
      transforms: TRANSFORMS.map((t) => t.meta),
      // Read when a report prints it (json, sarif): finding package.json made the bundle's URL (node:url) at every start.
      get version() {
        return version();
      },
    };
    // The stylish report on a terminal or pipe is written as it is made (stylishChunks), after the diff:
    // held whole, with its bytes, it was the last thing to raise a large run's peak (issue 13).
    const streamed = format === 'stylish' && !args.output;
    const report = streamed ? '' : (await reporter(format))(result, ctx);
    if (args.patch) writeOut(args.patch, unifiedDiff(result.changes), io.cwd);
    if (args.output) writeOut(args.output, report, io.cwd);
    if (args['dry-run']) {
      // The diff stays on stdout unless a machine format would have to share it.
      if (args.output || format === 'stylish') for (const piece of unifiedDiffChunks(result.changes, color)) io.stdout(piece);
      if (streamed) for (const piece of stylishChunks(result, ctx)) io.stderr(piece);
      else if (!args.output) io.stdout(report);
    } else if (streamed) {
      for (const piece of stylishChunks(result, ctx)) io.stdout(piece);
    } else if (!args.output) {
      io.stdout(report);
    }
    for (const cmd of result.verify?.kept ?? []) io.stderr(`kept running; remove with: ${cmd}\n`);
    if (result.inspection) for (const line of (await import('./inspect/index.js')).inspectionNotes(result)) io.stderr(`docker-harden: ${line}\n`);
    if (bot) {
      const outcome = botModule!.openOrUpdate(bot.pre, result, ctx, bot.opts);
      for (const m of outcome.messages) io.stdout(`docker-harden pr: ${m}\n`);
      writeGithubOutput(outcome);
      // The pull request is the answer: what is left for a human (withheld fixes too) is in it, not in the exit code.
      return result.errors.length ? 2 : 0;
    }
    if (result.errors.length) return 2;
    if (result.verify && (result.verify.withheldFixes.length || result.verify.targets.some((t) => t.services.some((s) => s.status === 'failed')))) return 1;
    return args['dry-run'] && result.changes.length ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || (BotError && err instanceof BotError)) {
      io.stderr(`docker-harden${prMode ? ' pr' : ''}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** In a GitHub Actions step, what the bot did, as step outputs (the action passes them on). */
function writeGithubOutput(o: Outcome): void {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) return;
  const lines = [
    `pull-request-operation=${o.operation}`,
    `pull-request-number=${o.number ?? ''}`,
    `pull-request-url=${o.url ?? ''}`,
    `branch=${o.branch}`,
    `commit=${o.commit ?? ''}`,
  ];
  appendFileSync(file, lines.join('\n') + '\n');
}

function writeOut(file: string, text: string, cwd: string): void {
  try {
    const abs = path.resolve(cwd, file);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/** `files done/total` and the phase on one stderr line, for runs big enough to need it. */
function progressLine(io: Io): { update: (p: Progress) => void; clear: () => void } {
  let shown = false;
  let last = 0;
  let total = 0;
  return {
    update(p) {
      if (p.phase === 'loading') total = p.total;
      if (total < PROGRESS_MIN_FILES) return;
      const now = Date.now();
      if (shown && now - last < 100 && p.done !== p.total) return;
      last = now;
      shown = true;
      // Transforms run over the whole model at once: that phase has a size, not a count.
      const count = p.phase === 'hardening' ? ` ${p.total} files` : p.total ? ` ${p.done}/${p.total} files` : '';
      io.stderr(`\r\x1b[K${p.phase}${count}`);
    },
    clear() {
      if (shown) io.stderr('\r\x1b[K');
    },
  };
}

/** One stderr line: the verify phase, the project and what is being done, overwritten as work advances. */
function verifyLine(io: Io): { update: (p: VerifyProgress) => void; clear: () => void } {
  let shown = false;
  const width = Math.max(40, (process.stderr.columns || 100) - 1);
  return {
    update(p) {
      shown = true;
      const line = `verify ${p.phase} ${p.target}: ${p.step}`;
      io.stderr(`\r\x1b[K${line.length > width ? line.slice(0, width - 1) + '…' : line}`);
    },
    clear() {
      if (shown) io.stderr('\r\x1b[K');
    },
  };
}

async function ciGuard(argv: string[], io: Io): Promise<number> {
  const { ACTION_REF, BOT_SCHEDULE, BOT_WORKFLOW_PATH, writeBotWorkflow, writeWorkflow, WORKFLOW_PATH } = await import('./ci-guard.js');
  let usageError: string | undefined;
  let helped = false;
  const parser = (await loadYargs(argv))
    .scriptName('docker-harden ci-guard')
    .usage(
      '$0 [paths..]\n$0 --bot [--org NAME | --repos-file FILE] [paths..]\n\n' +
        `Write ${WORKFLOW_PATH} (if absent): on pull requests touching Dockerfiles or compose files, run docker-harden --dry-run and fail when hardening regresses.\n` +
        `--bot: write ${BOT_WORKFLOW_PATH} (if absent) instead: on a schedule and on demand, keep one hardening pull request open ` +
        '(the action in pr mode), for this repository, or with --org / --repos-file for each of many repositories (one job per repository).',
    )
    .option('root', { type: 'string', default: '.', describe: 'Repository root to write the workflow under' })
    .option('bot', { type: 'boolean', default: false, describe: 'Write the pull-request bot workflow' })
    .option('org', { type: 'string', describe: '--bot: run on every repository of this organisation or user (gh repo list)' })
    .option('repos-file', { type: 'string', describe: '--bot: run on the repositories listed in this file (owner/name per line), relative to the repository root' })
    .option('action', { type: 'string', default: ACTION_REF, describe: '--bot: the docker-harden action to use (owner/repo@ref)' })
    .option('schedule', { type: 'string', default: BOT_SCHEDULE, describe: '--bot: cron schedule (UTC)' })
    .option('verify', { type: 'boolean', default: false, describe: '--bot: verify on the runner\'s Docker Engine before proposing (--verify)' })
    .strictOptions()
    .help()
    .alias('h', 'help')
    .exitProcess(false)
    .fail((msg, err) => {
      usageError = msg || err?.message || 'invalid arguments';
    });
  const args = await parser.parseAsync(argv, {}, (err, _parsed, output) => {
    if (output && !err) {
      helped = true;
      io.stdout(output + '\n');
    }
  }).catch((err: Error) => {
    usageError ??= err.message;
    return undefined;
  });
  const paths = (args?._ as (string | number)[] | undefined)?.map(String) ?? [];
  if (!usageError && args) usageError = botUsageError(args, paths, argv);
  if (usageError) {
    io.stderr(`docker-harden ci-guard: ${usageError}\n`);
    return 2;
  }
  if (helped || !args) return 0;
  const root = path.resolve(io.cwd, args.root);
  try {
    const r = args.bot
      ? writeBotWorkflow(root, { paths, org: args.org, reposFile: args['repos-file'], action: args.action, schedule: args.schedule, verify: args.verify })
      : writeWorkflow(root, paths);
    const rel = path.relative(io.cwd, r.file) || r.file;
    io.stdout(r.written ? `wrote ${rel}\n` : `${rel} exists; left as it is\n`);
    return 0;
  } catch (err) {
    io.stderr(`docker-harden ci-guard: cannot write the workflow: ${(err as Error).message}\n`);
    return 2;
  }
}

/** What is wrong with ci-guard's bot flags, if anything (each value ends up in a workflow file). */
function botUsageError(
  args: { bot: boolean; org?: string; 'repos-file'?: string; action: string; schedule: string },
  paths: string[],
  argv: string[],
): string | undefined {
  const botOnly = ['--org', '--repos-file', '--action', '--schedule', '--verify'].filter((f) => argv.some((a) => a === f || a.startsWith(f + '=')));
  if (!args.bot) return botOnly.length ? `${botOnly.join(', ')} only go with --bot` : undefined;
  if (args.org !== undefined && args['repos-file'] !== undefined) return 'give --org or --repos-file, not both';
  if (args.org !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(args.org)) return `--org must be a GitHub organisation or user name, got '${args.org}'`;
  const file = args['repos-file'];
  if (file !== undefined && (!file || /[\s"'\\]/.test(file) || path.isAbsolute(file) || file.split('/').includes('..'))) {
    return `--repos-file must be a path inside the repository without spaces or quotes, got '${file}'`;
  }
  if (!/^(?:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_./-]+)?@[A-Za-z0-9_./-]+|\.\/[A-Za-z0-9_./-]*)$/.test(args.action)) {
    return `--action must look like owner/repo@ref (or ./path for a local action), got '${args.action}'`;
  }
  if (!/^\S+( \S+){4}$/.test(args.schedule)) return `--schedule must be a cron expression of five fields, got '${args.schedule}'`;
  const bad = paths.find((p) => !p || /[\r\n]/.test(p) || p.trim() !== p);
  if (bad !== undefined) return `paths for --bot cannot hold line breaks or start or end with spaces, got '${bad}'`;
  return undefined;
}

function hardenOptions(args: {
  uid: number;
  gid?: number;
  'user-name': string;
  'tmpfs-size': string;
  'chown-workdir': boolean;
  'user-ref': HardenOptions['userRef'];
  'entrypoint-drop': HardenOptions['entrypointDrop'];
}): HardenOptions {
  const uid = args.uid;
  const gid = args.gid ?? uid;
  for (const [name, v] of [['--uid', uid], ['--gid', gid]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 2147483647) throw new UsageError(`${name} must be a whole number from 1 to 2147483647 (0 is root), got ${v}`);
  }
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(args['user-name'])) {
    throw new UsageError(`--user-name must be a valid POSIX user name (lower-case letters, digits, _ and -, at most 32), got '${args['user-name']}'`);
  }
  if (!/^\d+[kmg]?$/i.test(args['tmpfs-size'])) throw new UsageError(`--tmpfs-size must look like 64m, 1g or 65536, got '${args['tmpfs-size']}'`);
  return {
    uid,
    gid,
    userName: args['user-name'],
    tmpfsSize: args['tmpfs-size'],
    chownWorkdir: args['chown-workdir'],
    userRef: args['user-ref'],
    entrypointDrop: args['entrypoint-drop'],
  };
}

export function selectTransforms(ids: string[], only: string[], skip: string[]): string[] {
  for (const id of [...only, ...skip]) {
    if (!ids.includes(id)) throw new UsageError(`unknown transform '${id}'; known: ${ids.join(', ')}`);
  }
  return ids.filter((id) => (only.length === 0 || only.includes(id)) && !skip.includes(id));
}
