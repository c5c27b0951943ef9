// What an app's framework writes when the container starts, where its start
// command says which framework runs and the repository's files say where:
//
//   Django   `manage.py collectstatic` (or `django-admin collectstatic`) run at
//            start copies every app's static files into STATIC_ROOT
//            (https://docs.djangoproject.com/en/5.2/ref/contrib/staticfiles/#collectstatic);
//            uploads of a FileField/ImageField are saved under MEDIA_ROOT by the
//            default FileSystemStorage (https://docs.djangoproject.com/en/5.2/topics/files/),
//            whatever command starts the app (runserver, gunicorn/uvicorn/daphne
//            of the project's wsgi/asgi module). Both folders are read from the
//            settings module (DJANGO_SETTINGS_MODULE from the environment, the
//            `--settings` option, or manage.py's/wsgi.py's setdefault), including
//            what it star-imports (`from .base import *`).
//   Next.js  `next start` (directly, or the package.json script `npm start`,
//            `yarn start`, `pnpm run start:prod` runs) writes `.next/cache` in
//            the folder it serves (Next.js docs, Self-hosting, "Caching and ISR":
//            https://nextjs.org/docs/app/guides/self-hosting#caching-and-isr), a
//            single-stage image's `npm run build` output included.
//   A build run by the start: a package.json script the start runs (`npm start`,
//            `yarn build-and-start`) that runs a build (`npm run build`, a script
//            named build*, `vue-cli-service build`, `vite build`, `next build`,
//            `tsc`, ...) writes its output into the app's folder at every start
//            (Ackee's "start": "npm run build && npm run server" writes dist/;
//            dashy's npm-run-all of `vue-cli-service build --watch` and the server).
//            Where it writes is the tool's configuration: only that it does is said.
//
// The settings are read, never run: top-level assignments only, with a small
// evaluator for the path expressions projects write (`BASE_DIR / "static"`,
// `os.path.join(BASE_DIR, "static")`, `Path(__file__).resolve().parent.parent`,
// `os.getenv("STATIC_ROOT", default)`, `env("MEDIA_ROOT", default=...)`). What it
// cannot evaluate gives no write: the tool says nothing rather than guess a folder.
import { RunMemo } from './pass-memo.js';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { sortedDirEntries } from './read.js';
import { shellCommands } from './knowledge/images.js';
import type { StartWrite } from './start-scripts.js';

/** A file of the container read from the repository: its text and host path, or undefined where the repository does not hold it. */
export type ReadContainerFile = (containerPath: string) => { text: string; hostPath: string } | undefined;

/** One start text: a compose/Dockerfile command (one line) or a script (whose lines are named). */
export interface FrameworkStartText {
  text: string;
  where: string;
  /** A script: its line numbers are named in findings. */
  numbered?: boolean;
}

const SHELL = /^(sh|bash|ash|dash)$/;
const PYTHON = /^python(3(\.\d+)?)?$/;
const PACKAGE_RUNNERS = /^(npm|yarn|pnpm)$/;
/**
 * Model fields that store files with the project's storage (MEDIA_ROOT under the default FileSystemStorage): `models.FileField(`,
 * or a bare `ImageField(` in a file importing it from django.db.models. Not a form's or a Django REST framework serializer's
 * FileField (`serializers.FileField(`, `forms.FileField(`), which only parse an upload.
 */
const UPLOAD_FIELD = /\bmodels\.(FileField|ImageField)\s*\(/;
const UPLOAD_FIELD_IMPORTED = /^from\s+django\.db\.models\s+import\s[^\n]*\b(FileField|ImageField)\b/m;
const BARE_FIELD = (name: string) => new RegExp(`(^|[^.\\w])${name}\\s*\\(`);
/** A bound on the Python files read for upload fields, so a large monorepo copied in stays cheap. */
const UPLOAD_SCAN_LIMIT = 3000;
const UNWALKED = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', 'site-packages', 'static', 'staticfiles', 'media']);

/** What the framework of each start writes at start. */
export function frameworkStartWrites(
  texts: readonly FrameworkStartText[],
  workdir: string,
  vars: ReadonlyMap<string, string | undefined>,
  readFile: ReadContainerFile,
  /** Collects the settings modules a start names that could not be read (not in the repository where the image has them). */
  unread?: string[],
): StartWrite[] {
  // Files checked out with CRLF line ends read as the same Python and shell.
  const read: ReadContainerFile = (p) => {
    const f = readFile(p);
    return f && { ...f, text: f.text.replace(/\r\n/g, '\n') };
  };
  const out: StartWrite[] = [];
  const add = (w: StartWrite) => {
    if (!out.some((o) => o.path === w.path && o.kind === w.kind)) out.push(w);
  };
  const django = new Map<string, { settings?: string; at: string }>();
  for (const t of texts) {
    const folder = new StartFolder(workdir);
    for (const { words, line } of commandsOf(t.text.replace(/\r\n/g, '\n'))) {
      const at = t.numbered ? `${t.where} line ${line}` : t.where;
      for (const argv of unwrap(words)) {
        if (folder.follow(argv)) continue;
        const cwd = folder.cwd;
        if (cwd === undefined) continue;
        const manage = djangoCommand(argv, cwd);
        if (manage) {
          const key = manage.root;
          if (!django.has(key)) django.set(key, { ...(manage.settings ? { settings: manage.settings } : {}), at });
          if (manage.sub === 'collectstatic') {
            const settings = djangoSettings(manage.root, manage.settings, vars, read, unread);
            const root = settings?.values.get('STATIC_ROOT');
            if (root) add({ path: path.posix.resolve(cwd, root.value), kind: 'dir', how: `${manage.how} copies the static files into STATIC_ROOT (${root.where}) (${at})` });
          }
          continue;
        }
        const server = djangoServer(argv, cwd);
        if (server && !django.has(server.root)) django.set(server.root, { ...(server.settings ? { settings: server.settings } : {}), at });
        const env = runtimeEnvFile(argv);
        if (env) add({ path: path.posix.resolve(cwd, env.file), kind: 'file', how: `${env.how} writes ${env.file} (${at})` });
        const next = nextStart(argv, cwd, read);
        const dist = next ? nextDistDir(cwd, read) : undefined;
        if (next && dist) {
          const cache = path.posix.join(cwd, dist.dir, 'cache');
          add({ path: cache, kind: 'dir', how: `${next} writes the Next.js server's run-time cache (images, fetch, ISR) in ${cache}${dist.where ? ` (distDir in ${dist.where})` : ''} (${at})` });
        }
      }
    }
  }
  // Uploads: a project whose models store files writes them under MEDIA_ROOT while it serves.
  for (const [root, { settings: named, at }] of django) {
    const settings = djangoSettings(root, named, vars, read, unread);
    const media = settings?.values.get('MEDIA_ROOT');
    if (!settings || !media) continue;
    // Uploads stored elsewhere (django-storages' S3, plane's S3Storage) never touch MEDIA_ROOT, unless a block may choose the file system.
    const storage = settings.values.get(DEFAULT_STORAGE);
    if (storage && !FILE_SYSTEM_STORAGE.test(storage.value) && !settings.values.has(STORAGE_CONDITIONAL)) continue;
    const field = uploadField(settings.projectHost);
    if (!field) continue;
    add({ path: path.posix.resolve(root, media.value), kind: 'dir', how: `Django saves the uploads of ${field} under MEDIA_ROOT (${media.where}) (app started by ${at})` });
  }
  return out;
}

/** Commands of a text with the line each starts on; a backslash-newline continues a line. */
export function commandsOf(text: string): { words: string[]; line: number }[] {
  const out: { words: string[]; line: number }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!;
    if (/^\s*#/.test(line) || !line.trim()) continue;
    for (const words of shellCommands(line)) out.push({ words, line: start + 1 });
  }
  return out;
}

/** Markers around the commands of one concurrently operand: the folder a `cd` in it moves to does not last past it. */
export const PUSH_CWD = '\u0000push';
export const POP_CWD = '\u0000pop';
/**
 * The folder a start's commands run in, command by command: a `cd` moves it, the end of a concurrently operand gives
 * back the one before it. Undefined after a `cd` to a folder run time decides (a variable, or a relative folder from an
 * unknown one): what runs there is not followed.
 */
export class StartFolder {
  private readonly saved: (string | undefined)[] = [];
  constructor(public cwd: string | undefined) {}

  /** Follows a folder step (a `cd` or a concurrently marker) and says so: nothing else of that argv runs. */
  follow(argv: string[]): boolean {
    if (argv[0] === PUSH_CWD) this.saved.push(this.cwd);
    else if (argv[0] === POP_CWD) this.cwd = this.saved.pop();
    else if (path.posix.basename(argv[0] ?? '') === 'cd') {
      const dir = argv[1];
      this.cwd = dir === undefined || dir.includes('$') || (!dir.startsWith('/') && this.cwd === undefined) ? undefined : path.posix.resolve(this.cwd ?? '/', dir);
    } else return false;
    return true;
  }
}

/** concurrently's options that take the next word as their value. */
const CONCURRENTLY_VALUED = /^(-n|--names|-c|--prefix-colors|-p|--prefix|-l|--prefix-length|-t|--timestamp-format|-s|--success|--name-separator|--restart-tries|--restart-after|-m|--max-processes|--default-input-target|-ks|--kill-signal)$/;

/** The commands an argv runs: `sh -c TEXT` gives TEXT's, `exec`/`uv run`/`poetry run`/`pipenv run` the wrapped one. */
export function unwrap(argv: string[], depth = 0): string[][] {
  const cmd = path.posix.basename(argv[0] ?? '');
  const c = argv.indexOf('-c');
  if (SHELL.test(cmd) && c > 0 && argv[c + 1] !== undefined && depth < 3) return shellCommands(argv[c + 1]!).flatMap((w) => unwrap(w, depth + 1));
  if ((cmd === 'exec' || cmd === 'tini' || cmd === 'dumb-init') && argv.length > 1) return unwrap(argv.slice(argv[1] === '--' ? 2 : 1), depth);
  if ((cmd === 'uv' || cmd === 'poetry' || cmd === 'pipenv') && argv[1] === 'run' && argv.length > 2) return unwrap(argv.slice(2), depth);
  // concurrently runs each of its operands as a shell command, each from the folder it was started in
  // (https://github.com/open-cli-tools/concurrently#usage): linkwarden's `concurrently "cd apps/web && exec next start" ...`.
  if (cmd === 'concurrently' && depth < 3) {
    const out: string[][] = [];
    for (let i = 1; i < argv.length; i++) {
      const w = argv[i]!;
      if (w.startsWith('-')) {
        if (CONCURRENTLY_VALUED.test(w)) i++;
        continue;
      }
      out.push([PUSH_CWD], ...shellCommands(w).flatMap((c) => unwrap(c, depth + 1)), [POP_CWD]);
    }
    return out;
  }
  return [argv];
}

/** A `manage.py SUB` or `django-admin SUB` command: the project root (manage.py's folder, else the folder it runs in) and the subcommand. */
function djangoCommand(argv: string[], cwd: string): { root: string; sub: string; settings?: string; how: string } | undefined {
  const cmd = path.posix.basename(argv[0] ?? '');
  let rest: string[];
  let root = cwd;
  let name: string;
  if (cmd === 'django-admin' || cmd === 'django-admin.py') {
    rest = argv.slice(1);
    name = 'django-admin';
  } else {
    const i = argv.findIndex((w, k) => /(^|\/)manage\.py$/.test(w) && (k === 0 || PYTHON.test(path.posix.basename(argv[0] ?? '')) || ['uv', 'poetry', 'pipenv'].includes(path.posix.basename(argv[0] ?? ''))));
    const pythonM = PYTHON.test(cmd) && argv[1] === '-m' && argv[2] === 'django';
    if (i < 0 && !pythonM) return undefined;
    if (i >= 0) {
      const script = argv[i]!;
      if (script.includes('$')) return undefined;
      root = path.posix.dirname(path.posix.resolve(cwd, script));
      rest = argv.slice(i + 1);
      name = 'manage.py';
    } else {
      rest = argv.slice(3);
      name = 'python -m django';
    }
  }
  const sub = rest.find((w) => !w.startsWith('-'));
  if (!sub) return undefined;
  const settings = optionValue(rest, '--settings');
  return { root, sub, ...(settings ? { settings } : {}), how: `${name} ${sub}` };
}

/** gunicorn/uvicorn/daphne/hypercorn of a project's `X.wsgi`/`X.asgi` module: the folder it imports from (`--chdir`, else the start's) and the settings it may name. */
function djangoServer(argv: string[], cwd: string): { root: string; settings?: string } | undefined {
  const cmd = path.posix.basename(argv[0] ?? '');
  const args = PYTHON.test(cmd) && argv[1] === '-m' ? argv.slice(3) : argv.slice(1);
  const server = PYTHON.test(cmd) && argv[1] === '-m' ? argv[2] : cmd;
  if (!server || !/^(gunicorn|uvicorn|daphne|hypercorn)$/.test(server)) return undefined;
  const module = args.find((w) => /^[\w.]+\.(wsgi|asgi)(:\w+)?$/.test(w));
  if (!module) return undefined;
  const chdir = optionValue(args, '--chdir') ?? optionValue(args, '--app-dir') ?? optionValue(args, '--root-path');
  if (chdir?.includes('$')) return undefined;
  return { root: chdir ? path.posix.resolve(cwd, chdir) : cwd, settings: `wsgi:${module.replace(/:\w+$/, '')}` };
}

function optionValue(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i]!.startsWith(`${name}=`)) return args[i]!.slice(name.length + 1);
  }
  return undefined;
}

/**
 * runtime-env-cra (run as `runtime-env-cra`, `npx runtime-env-cra`, or its `lib/index.js` by path or through node): it
 * writes the variables of the environment into `--config-name`, `./runtime-env.js` by default, relative to the folder it
 * runs in (its lib/index.js: `.option('config-name', { default: './runtime-env.js' })`, and generateConfig.js's
 * `fsp.writeFile(envConfig, ...)`; https://github.com/kHRISl33t/runtime-env-cra). SecObserve's frontend runs it in the
 * nginx web root at every start.
 */
function runtimeEnvFile(argv: string[]): { file: string; how: string } | undefined {
  const words = path.posix.basename(argv[0] ?? '') === 'node' || path.posix.basename(argv[0] ?? '') === 'npx' ? argv.slice(1) : argv;
  const tool = words[0] ?? '';
  if (tool !== 'runtime-env-cra' && !/(^|\/)runtime-env-cra\/lib\/index\.js$/.test(tool)) return undefined;
  const file = optionValue(words, '--config-name') ?? './runtime-env.js';
  if (file.includes('$')) return undefined;
  return { file, how: `runtime-env-cra${file === './runtime-env.js' ? ' (default --config-name)' : ''}` };
}

/** `next start`, `npx next start`, or a package.json script (`npm start`, `yarn run start:prod`) whose text runs `next start`: how it is said. */
function nextStart(argv: string[], cwd: string, read: ReadContainerFile): string | undefined {
  const cmd = path.posix.basename(argv[0] ?? '');
  const words = cmd === 'npx' || (cmd === 'pnpm' && argv[1] === 'exec') || (cmd === 'yarn' && argv[1] === 'exec') ? argv.slice(cmd === 'npx' ? 1 : 2).filter((w) => !w.startsWith('-')) : argv;
  if (path.posix.basename(words[0] ?? '') === 'next' && words[1] === 'start') return 'next start';
  if (!PACKAGE_RUNNERS.test(cmd)) return undefined;
  const args = argv.slice(1).filter((w) => !w.startsWith('-'));
  const script = args[0] === 'run' || args[0] === 'run-script' ? args[1] : args[0] === 'start' ? 'start' : cmd !== 'npm' ? args[0] : undefined;
  if (!script) return undefined;
  const pkg = read(path.posix.join(cwd, 'package.json'));
  if (!pkg) return undefined;
  let scripts: unknown;
  try {
    scripts = (JSON.parse(pkg.text) as { scripts?: unknown }).scripts;
  } catch {
    return undefined;
  }
  const body = scripts && typeof scripts === 'object' ? (scripts as Record<string, unknown>)[script] : undefined;
  return typeof body === 'string' && /(^|[\s;&|(])next\s+start\b/.test(body) ? `${[cmd, ...argv.slice(1)].join(' ')} (package.json "${script}": "${body}")` : undefined;
}

/**
 * The folder Next.js builds into and serves from: `distDir` of next.config.js/.mjs/.ts/.cjs in the app's folder
 * (https://nextjs.org/docs/app/api-reference/config/next-config-js/distDir), `.next` when none sets it. Undefined
 * when the config sets it to something not a literal (`distDir: process.env.DIST_DIR`): where it writes is not known.
 */
function nextDistDir(cwd: string, read: ReadContainerFile): { dir: string; where?: string } | undefined {
  for (const name of ['next.config.js', 'next.config.mjs', 'next.config.ts', 'next.config.cjs']) {
    const f = read(path.posix.join(cwd, name));
    if (!f) continue;
    const code = f.text.replace(/^\s*\/\/.*$/gm, '');
    if (!/\bdistDir\b/.test(code)) return { dir: '.next' };
    const m = /\bdistDir\s*:\s*(['"`])([^'"`$]+)\1\s*[,}\n]/.exec(code);
    return m ? { dir: m[2]!.replace(/^\.\//, ''), where: name } : undefined;
  }
  return { dir: '.next' };
}

/** Build tools whose run writes the app's build output on disk (not a dev server, which serves from memory). */
const BUILD_COMMAND = /^(vue-cli-service build|vite build|next build|nuxt (build|generate)|react-scripts build|ng build|gatsby build|svelte-kit build|astro build|ember build|parcel build|tsc|webpack)$/;
/**
 * A dev server that writes into the app folder when it starts: vite's dev server (`vite`, `vite dev`, `vite serve`,
 * `vite --port 3000`) pre-bundles dependencies into node_modules/.vite (its cacheDir), and fails with EACCES where
 * node_modules is root's; `next dev` writes .next and `nuxt dev`/`nuxi dev` .nuxt. `vite preview` serves dist/ only.
 * (element-hq/hydrogen-web's Dockerfile-dev: `ENTRYPOINT ["yarn", "start"]`, "start": "vite --port 3000".)
 * `gatsby develop` writes its cache and the site into the project folder: "Build outputs are stored in the .cache and
 * public directories relative to your project root" (https://www.gatsbyjs.com/docs/build-caching/; both "automatically
 * generated", https://www.gatsbyjs.com/docs/gatsby-project-structure/); `gatsby serve` only serves public/.
 * (bcgov/devhub-app-web b3f6e033: `CMD ["npm", "run", "dev"]`, "dev": "node_modules/.bin/gatsby develop -H 0.0.0.0",
 * for which the maintainers gave the app user the whole install folder.)
 */
function devServerWrites(tool: string[]): boolean {
  const cmd = path.posix.basename(tool[0] ?? '');
  if (tool.slice(1).some((w) => /^(--help|-h|--version|-v)$/.test(w))) return false;
  if (cmd === 'vite') return !['build', 'preview'].includes(tool[1] ?? '');
  if (cmd === 'gatsby') return tool[1] === 'develop';
  return /^(next|nuxt|nuxi)$/.test(cmd) && tool[1] === 'dev';
}

/** Options that make tsc or webpack write nothing (a type check) or serve instead of build. */
const NO_OUTPUT = /^(--noEmit|serve|--help|-h|--version|-v)$/;
/** npm-run-all's and run-s/run-p's options that take the next word as their value. */
const RUN_ALL_VALUED = /^(--max-parallel|-r|--race-with|--print-label-width)$/;

/**
 * The builds a start runs through package.json scripts (`npm start` whose script runs `npm run build`, `yarn build-and-start`
 * whose npm-run-all runs `vue-cli-service build --watch`): how each is said, with the chain of scripts. Read, never run;
 * scripts are followed through `npm run X`, `yarn X`, `pnpm X` and npm-run-all/run-s/run-p operands, 4 deep.
 */
export function packageStartBuilds(texts: readonly FrameworkStartText[], workdir: string, readFile: ReadContainerFile): string[] {
  const out: string[] = [];
  for (const t of texts) {
    let cwd: string | undefined = workdir;
    for (const { words, line } of commandsOf(t.text.replace(/\r\n/g, '\n'))) {
      const at = t.numbered ? `${t.where} line ${line}` : t.where;
      for (const argv of unwrap(words)) {
        const cmd = path.posix.basename(argv[0] ?? '');
        if (cmd === 'cd') {
          const dir = argv[1];
          cwd = dir === undefined || dir.includes('$') || (!dir.startsWith('/') && cwd === undefined) ? undefined : path.posix.resolve(cwd ?? '/', dir);
          continue;
        }
        if (cwd === undefined || !PACKAGE_RUNNERS.test(cmd)) continue;
        const script = scriptOf(argv);
        if (!script) continue;
        const scripts = packageScripts(cwd, readFile);
        if (!scripts) continue;
        const chain = buildIn(scripts, script, 0, new Set());
        if (chain && !out.some((o) => o.startsWith(`${argv.join(' ')} `))) out.push(`${argv.join(' ')} (${at}: package.json ${chain}) in ${cwd}`);
      }
    }
  }
  return out;
}

/** The package.json script a package-manager argv runs: `npm start`, `npm run X`, `yarn X`, `yarn run X`, `pnpm X`. */
function scriptOf(argv: string[]): string | undefined {
  const cmd = path.posix.basename(argv[0] ?? '');
  const args = argv.slice(1).filter((w) => !w.startsWith('-'));
  if (args[0] === 'run' || args[0] === 'run-script') return args[1];
  if (args[0] === 'start') return 'start';
  return cmd !== 'npm' && args[0] && !/^(install|add|exec|dlx|x|i|ci)$/.test(args[0]) ? args[0] : undefined;
}

function packageScripts(cwd: string, read: ReadContainerFile): Record<string, string> | undefined {
  const pkg = read(path.posix.join(cwd, 'package.json'));
  if (!pkg) return undefined;
  try {
    const scripts = (JSON.parse(pkg.text) as { scripts?: unknown }).scripts;
    return scripts && typeof scripts === 'object' ? (scripts as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/** Where script `name` runs a build: `"start": "npm run build && …" → "build": "node build.js"`, or undefined. */
function buildIn(scripts: Record<string, string>, name: string, depth: number, seen: Set<string>): string | undefined {
  const body = scripts[name];
  if (typeof body !== 'string' || depth > 4 || seen.has(name)) return undefined;
  seen.add(name);
  const said = `"${name}": "${body}"`;
  for (const words of shellCommands(body)) {
    // `NODE_ENV=production vite build`: assignments before the command.
    const argv = words.slice(words.findIndex((w) => !/^\w+=/.test(w)));
    const cmd = path.posix.basename(argv[0] ?? '');
    const tool = (cmd === 'npx' ? argv.slice(1) : argv).filter((w) => !w.startsWith('-') || NO_OUTPUT.test(w));
    const named = [path.posix.basename(tool[0] ?? ''), tool[1]].filter(Boolean).join(' ');
    if ((BUILD_COMMAND.test(named) || BUILD_COMMAND.test(path.posix.basename(tool[0] ?? ''))) && !tool.slice(1).some((w) => NO_OUTPUT.test(w))) return said;
    if (devServerWrites(tool)) return said;
    const subs: string[] = [];
    if (PACKAGE_RUNNERS.test(cmd)) {
      const sub = scriptOf(argv);
      if (sub) subs.push(sub);
    } else if (/^(npm-run-all|run-s|run-p)$/.test(cmd)) {
      for (let i = 1; i < argv.length; i++) {
        if (argv[i]!.startsWith('-')) {
          if (RUN_ALL_VALUED.test(argv[i]!)) i++;
          continue;
        }
        subs.push(argv[i]!);
      }
    }
    for (const sub of subs) {
      // A script named build (build, build:prod) run at start is a build whatever tool it calls.
      if (/^build([:-]|$)/.test(sub) && typeof scripts[sub] === 'string') return `${said} → "${sub}": "${scripts[sub]}"`;
      const deeper = buildIn(scripts, sub, depth + 1, seen);
      if (deeper) return `${said} → ${deeper}`;
    }
  }
  return undefined;
}

// ------------------------------------------------------------------ Django settings

interface SettingValue {
  value: string;
  /** `recipes/settings.py line 46`. */
  where: string;
}

/** Keys of DjangoSettings.values that are not settings: the default storage's backend, and a storage set inside a block. */
const DEFAULT_STORAGE = '@default-storage';
const STORAGE_CONDITIONAL = '@storage-conditional';
/** Django's own file-system storage, whose `location` defaults to MEDIA_ROOT (https://docs.djangoproject.com/en/5.2/ref/files/storage/#the-filesystemstorage-class). */
const FILE_SYSTEM_STORAGE = /^django\.core\.files\.storage\.(filesystem\.)?FileSystemStorage$/;

interface DjangoSettings {
  values: Map<string, SettingValue>;
  /** The host folder of the project (manage.py's, or the settings package's parent), walked for upload fields. */
  projectHost: string;
}

/**
 * The settings module's STATIC_ROOT and MEDIA_ROOT (container paths, absolute or relative to the start's folder), read
 * from the module the environment, `--settings`, manage.py or the wsgi module names.
 */
function djangoSettings(root: string, named: string | undefined, vars: ReadonlyMap<string, string | undefined>, read: ReadContainerFile, unread?: string[]): DjangoSettings | undefined {
  let module = named && !named.startsWith('wsgi:') ? named : vars.get('DJANGO_SETTINGS_MODULE');
  const manage = read(path.posix.join(root, 'manage.py'));
  if (!module) {
    // The wsgi/asgi module the server imports sets it, else manage.py does.
    const wsgi = named?.startsWith('wsgi:') ? read(path.posix.join(root, ...named.slice(5).split('.')) + '.py') : undefined;
    const setdefault = (f: { text: string } | undefined) => (f ? /DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]/.exec(f.text)?.[1] : undefined);
    module = setdefault(wsgi) ?? setdefault(manage);
  }
  if (!module || module.includes('$')) return undefined;
  const file = moduleFile(root, module, read);
  if (!file) {
    // Named but not found where the image has it (a module of an installed package, a path the COPYs do not bring): say so.
    const said = `Django settings module ${module} (not found as ${path.posix.join(root, ...module.split('.'))}.py in the repository's files of the image)`;
    if (unread && !unread.includes(said)) unread.push(said);
    return undefined;
  }
  const env = new Map<string, Value>();
  const values = new Map<string, SettingValue>();
  readSettingsFile(root, file, env, values, vars, read, 0);
  const projectHost = manage ? path.dirname(manage.hostPath) : path.dirname(path.dirname(file.hostPath));
  return { values, projectHost };
}

function moduleFile(root: string, module: string, read: ReadContainerFile): { containerPath: string; text: string; hostPath: string } | undefined {
  const base = path.posix.join(root, ...module.split('.'));
  for (const p of [`${base}.py`, `${base}/__init__.py`]) {
    const f = read(p);
    if (f) return { containerPath: p, ...f };
  }
  return undefined;
}

export type Value = { kind: 'path'; v: string } | { kind: 'name'; v: string } | { kind: 'num'; v: number } | { kind: 'method'; base: string; name: string } | { kind: 'parents'; base: string } | { kind: 'env'; name: string };

/**
 * A settings file's lines as readSettingsFile takes them, in order: each top-level statement joined over the lines its
 * brackets span, and each indented line that chooses a storage (`conditionalStorage`). A function of the text alone,
 * worked out once per run for each text (a RunMemo keyed on the text itself): every pass reads the settings again for the
 * image and each service, and joining a statement measured its brackets again per line it added (makeplane/plane,
 * issue 13). Callers only read the answer.
 */
function settingsStatements(text: string): readonly { start: number; line: string; conditionalStorage: boolean }[] {
  return settingsInRun.get(text, '', () => {
    const out: { start: number; line: string; conditionalStorage: boolean }[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const start = i;
      let line = lines[i]!;
      if (/^\s+(STORAGES\b|DEFAULT_FILE_STORAGE\b)/.test(line)) out.push({ start, line, conditionalStorage: true });
      if (/^\s/.test(line) || line.startsWith('#')) continue;
      // An expression over several lines: its brackets close on a later one.
      while (depthOf(line) > 0 && i + 1 < lines.length) line += ' ' + lines[++i]!.trim();
      out.push({ start, line, conditionalStorage: false });
    }
    return out;
  });
}

const settingsInRun = new RunMemo<readonly { start: number; line: string; conditionalStorage: boolean }[]>(1024);

/** Top-level assignments of one settings file, in order, a star import read where it stands. */
function readSettingsFile(root: string, file: { containerPath: string; text: string }, env: Map<string, Value>, values: Map<string, SettingValue>, vars: ReadonlyMap<string, string | undefined>, read: ReadContainerFile, depth: number): void {
  const rel = path.posix.relative(root, file.containerPath);
  const pkg = path.posix.dirname(file.containerPath);
  const local = new Map<string, Value>([...env, ['__file__', { kind: 'path', v: file.containerPath }]]);
  for (const { start, line, conditionalStorage } of settingsStatements(file.text)) {
    // A storage chosen inside a block (`if USE_S3:`) depends on what runs: the default one may be the file system.
    if (conditionalStorage) {
      values.set(STORAGE_CONDITIONAL, { value: 'yes', where: `${rel} line ${start + 1}` });
      continue;
    }
    const star = /^from\s+(\.*)([\w.]*)\s+import\s+\*/.exec(line);
    if (star && depth < 3) {
      const dots = star[1]!.length;
      const dir = dots ? path.posix.join(pkg, ...Array<string>(dots - 1).fill('..')) : root;
      const f = star[2] ? moduleFile(dir, star[2], read) : undefined;
      if (f) {
        const inner = new Map<string, Value>();
        readSettingsFile(root, f, inner, values, vars, read, depth + 1);
        for (const [k, v] of inner) if (k !== '__file__') local.set(k, v);
      }
      continue;
    }
    // The default file storage (Django 4.2+ STORAGES["default"], before it DEFAULT_FILE_STORAGE): uploads go to MEDIA_ROOT only with FileSystemStorage.
    const storage =
      /^DEFAULT_FILE_STORAGE\s*=\s*['"]([\w.]+)['"]/.exec(line)?.[1] ??
      /^STORAGES\s*=\s*\{.*?['"]default['"]\s*:\s*\{[^}]*?['"]BACKEND['"]\s*:\s*['"]([\w.]+)['"]/.exec(line)?.[1] ??
      /^STORAGES\s*\[\s*['"]default['"]\s*\]\s*=\s*\{[^}]*?['"]BACKEND['"]\s*:\s*['"]([\w.]+)['"]/.exec(line)?.[1];
    if (storage) values.set(DEFAULT_STORAGE, { value: storage, where: `${rel} line ${start + 1}` });
    const m = /^([A-Z_][A-Z0-9_]*)\s*(?::\s*[\w.[\], |]+)?=(?!=)\s*(.+)$/.exec(line);
    if (!m) continue;
    const value = evaluate(m[2]!.replace(/\s+#.*$/, ''), local, vars);
    if (value) local.set(m[1]!, value);
    else local.delete(m[1]!);
    if (m[1] === 'STATIC_ROOT' || m[1] === 'MEDIA_ROOT') {
      if (value?.kind === 'path' && value.v) values.set(m[1], { value: value.v, where: `${rel} line ${start + 1}` });
      else values.delete(m[1]);
    }
  }
  for (const [k, v] of local) env.set(k, v);
}

function depthOf(text: string): number {
  let d = 0;
  let quote: string | undefined;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') d++;
    else if (c === ')' || c === ']' || c === '}') d--;
  }
  return d;
}

type Token = { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'name'; v: string } | { t: 'op'; v: string };

function tokenize(text: string): Token[] | undefined {
  const out: Token[] = [];
  const re = /\s*(?:([rbuRBU]?)(["'])((?:\\.|(?!\2).)*)\2|(\d+)|([A-Za-z_]\w*)|(\*\*|[()[\],./=+\-*:]))/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return undefined;
    i = re.lastIndex;
    if (m[2]) {
      if (/[fF]/.test(m[1] ?? '')) return undefined;
      out.push({ t: 'str', v: m[3]! });
    } else if (m[4]) out.push({ t: 'num', v: Number(m[4]) });
    else if (m[5]) out.push({ t: 'name', v: m[5] });
    else out.push({ t: 'op', v: m[6]! });
  }
  return out;
}

/** Functions that read an environment variable, with the default as their second argument or `default=`. */
const ENV_READERS = new Set(['os.getenv', 'os.environ.get', 'env', 'env.str', 'env.path', 'environ.get', 'config', 'getenv', 'get_env', 'env_str']);
const PATH_MAKERS = new Set(['Path', 'pathlib.Path', 'PurePath', 'PosixPath', 'environ.Path', 'os.path.join', 'join', 'str', 'os.path.abspath', 'os.path.realpath', 'os.path.normpath', 'abspath', 'realpath', 'normpath', 'os.fspath']);
const DIRNAME = new Set(['os.path.dirname', 'dirname']);

/**
 * The value of a Python expression of the kinds settings files use for paths, or undefined. With `followEnv` false an
 * environment read (`os.getenv("DATA_DIR", "/data")`) is unknown: what the container is given at run time decides it.
 */
export function evaluate(text: string, scope: ReadonlyMap<string, Value>, vars: ReadonlyMap<string, string | undefined>, followEnv = true): Value | undefined {
  const parsed = tokenize(text);
  if (!parsed) return undefined;
  const tokens: Token[] = parsed;
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (v: string) => peek()?.t === 'op' && peek()!.v === v;
  const asPath = (v: Value | undefined): string | undefined => (v?.kind === 'path' ? v.v : undefined);
  const normal = (p: string): Value => ({ kind: 'path', v: path.posix.normalize(p).replace(/(.)\/$/, '$1') });
  const joinAbs = (parts: (string | undefined)[]): Value | undefined => {
    // os.path.join and Path restart at an absolute part.
    let acc: string | undefined;
    for (const p of parts) {
      if (p === undefined) return undefined;
      acc = acc === undefined || p.startsWith('/') ? p : path.posix.join(acc, p);
    }
    return acc === undefined ? undefined : normal(acc);
  };
  function args(): { positional: (Value | undefined)[]; keywords: Map<string, Value | undefined> } | undefined {
    const positional: (Value | undefined)[] = [];
    const keywords = new Map<string, Value | undefined>();
    pos++; // (
    while (peek() && !isOp(')')) {
      const t = peek()!;
      if (t.t === 'name' && tokens[pos + 1]?.t === 'op' && tokens[pos + 1]!.v === '=') {
        pos += 2;
        keywords.set(t.v, expr());
      } else positional.push(expr());
      if (isOp(',')) pos++;
      else if (!isOp(')')) return undefined;
    }
    if (!isOp(')')) return undefined;
    pos++;
    return { positional, keywords };
  }
  function call(callee: Value | undefined): Value | undefined {
    const a = args();
    if (!a || !callee) return undefined;
    // A django-environ Path called with parts joins them (`ROOT_DIR("staticfiles")`, cookiecutter-django before 2020).
    if (callee.kind === 'path') return joinAbs([callee.v, ...a.positional.map(asPath)]);
    if (callee.kind === 'method') {
      if (['resolve', 'absolute', 'expanduser', '__str__'].includes(callee.name)) return { kind: 'path', v: callee.base };
      if (callee.name === 'joinpath') return joinAbs([callee.base, ...a.positional.map(asPath)]);
      return undefined;
    }
    if (callee.kind !== 'name') return undefined;
    const name = callee.v;
    if (ENV_READERS.has(name)) {
      if (!followEnv) return undefined;
      const variable = a.positional[0];
      const key = variable?.kind === 'path' ? variable.v : undefined;
      if (key !== undefined && vars.has(key) && vars.get(key) !== undefined) return { kind: 'path', v: vars.get(key)! };
      const fallback = a.positional[1] ?? a.keywords.get('default');
      return fallback?.kind === 'path' ? fallback : undefined;
    }
    if (DIRNAME.has(name)) {
      const p = asPath(a.positional[0]);
      return p === undefined ? undefined : { kind: 'path', v: path.posix.dirname(p) };
    }
    if (PATH_MAKERS.has(name)) return a.positional.length ? joinAbs(a.positional.map(asPath)) : undefined;
    return undefined;
  }
  function primary(): Value | undefined {
    const t = peek();
    if (!t) return undefined;
    pos++;
    if (t.t === 'str') {
      let v = t.v;
      while (peek()?.t === 'str') v += (tokens[pos++] as { v: string }).v; // implicit concatenation
      return { kind: 'path', v };
    }
    if (t.t === 'num') return { kind: 'num', v: t.v };
    if (t.t === 'name') return scope.get(t.v) ?? { kind: 'name', v: t.v };
    if (t.t === 'op' && t.v === '(') {
      const v = expr();
      if (!isOp(')')) return undefined;
      pos++;
      return v;
    }
    return undefined;
  }
  function postfix(): Value | undefined {
    let v = primary();
    for (;;) {
      if (isOp('.')) {
        pos++;
        const n = peek();
        if (n?.t !== 'name') return undefined;
        pos++;
        // A module's attribute the reader bound under its dotted name (python-start-writes: `settings.DATA_DIR` after `from conf import settings`).
        if (v?.kind === 'name') v = scope.get(`${v.v}.${n.v}`) ?? { kind: 'name', v: `${v.v}.${n.v}` };
        else if (v?.kind === 'path') v = n.v === 'parent' ? { kind: 'path', v: path.posix.dirname(v.v) } : n.v === 'parents' ? { kind: 'parents', base: v.v } : { kind: 'method', base: v.v, name: n.v };
        else v = undefined;
      } else if (isOp('(')) v = call(v);
      else if (isOp('[')) {
        pos++;
        const index = expr();
        if (!isOp(']')) return undefined;
        pos++;
        if (v?.kind === 'parents' && index?.kind === 'num') {
          let p = v.base;
          for (let k = 0; k <= index.v; k++) p = path.posix.dirname(p);
          v = { kind: 'path', v: p };
        } else if (followEnv && v?.kind === 'name' && v.v === 'os.environ' && index?.kind === 'path') {
          const value = vars.get(index.v);
          v = value === undefined ? undefined : { kind: 'path', v: value };
        } else v = undefined;
      } else return v;
    }
  }
  function expr(): Value | undefined {
    let v = postfix();
    while (isOp('/') || isOp('+') || isOp('-')) {
      const op = (tokens[pos++] as { v: string }).v;
      const r = postfix();
      if (op === '/') v = asPath(v) !== undefined && asPath(r) !== undefined ? joinAbs([asPath(v), asPath(r)]) : undefined;
      else if (op === '+') v = asPath(v) !== undefined && asPath(r) !== undefined ? { kind: 'path', v: asPath(v)! + asPath(r)! } : undefined;
      else if (v?.kind === 'path' && r?.kind === 'num') {
        // django-environ's `environ.Path(__file__) - 3`: that many folders up.
        let p = v.v;
        for (let k = 0; k < r.v; k++) p = path.posix.dirname(p);
        v = { kind: 'path', v: p };
      } else v = undefined;
    }
    return v;
  }
  const v = expr();
  return pos === tokens.length ? v : undefined;
}

/**
 * uploadField's answers for the run, by project folder: every pass reads each service's start again, and the
 * repository's Python files do not change while the tool runs (it edits Dockerfiles and compose files only).
 */
const uploadFieldInRun = new RunMemo<string | undefined>(256);

/** The first model field that stores files in the project's Python code (`FileField (core/models.py)`), or undefined. */
function uploadField(projectHost: string): string | undefined {
  // Cleared when the run's engine is done (clearRunMemos), so a long-lived process asks the file system again next run.
  return uploadFieldInRun.get(projectHost, '', () => uploadFieldAfresh(projectHost));
}

function uploadFieldAfresh(projectHost: string): string | undefined {
  let read = 0;
  const walk = (dir: string, depth: number): string | undefined => {
    // The shared listing (sorted by name, empty when unreadable), kept while the engine runs.
    for (const e of sortedDirEntries(dir)) {
      if (read >= UPLOAD_SCAN_LIMIT) return undefined;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < 6 && !UNWALKED.has(e.name) && !e.name.startsWith('.')) {
          const found = walk(p, depth + 1);
          if (found) return found;
        }
      } else if (e.isFile() && e.name.endsWith('.py') && !/(^|\/)(tests?|migrations)(\/|$)/.test(path.relative(projectHost, p).split(path.sep).join('/'))) {
        read++;
        let text: string;
        try {
          text = readFileSync(p, 'utf8');
        } catch {
          continue;
        }
        const imported = UPLOAD_FIELD_IMPORTED.exec(text);
        const m = UPLOAD_FIELD.exec(text) ?? (imported && BARE_FIELD(imported[1]!).test(text) ? imported : null);
        if (m) return `${m[1]} (${path.relative(projectHost, p).split(path.sep).join('/')})`;
      }
    }
    return undefined;
  };
  return walk(projectHost, 0);
}
