// Paths an image writes, as the tool's own changes declare them, computed in
// one place for every transform that makes them writable or must keep them so:
//
//   dockerfile/non-root-user   creates and chowns them for the user it adds
//   dockerfile/home-cache-env  points HOME and cache variables at them
//   compose/read-only          covers each with a volume or a tmpfs
//
// A write path is declared by one of:
//   volume        a VOLUME of the image
//   named-volume  the target of a named volume a service mounts
//   data-dir      a directory a RUN makes with `mkdir` that is not the app's code
//   start-dir     a directory the start scripts or command make or write at start
//   start-file    a file they write in place at start (a rendered config)
//   workdir       the WORKDIR, under --chown-workdir
//   home          HOME of the image's non-root user (set by ENV, or named by useradd)
//   cache         the directory a cache variable (XDG_CACHE_HOME, HF_HOME, ...) names
//   install       a folder of the base image's install tree its server writes (knowledge:
//                 InstallWrite; tomcat's webapps/, where it unpacks WARs)
//   framework     a folder the app's framework writes at run time (Laravel's storage/ and
//                 bootstrap/cache, Rails' tmp/, log/ and storage/), where its files show it
//   chowned       a folder or file holding the build's files that the build gives to a
//                 non-root user (RUN chown, chmod -R o+w, COPY/ADD --chown=): the app
//                 writes there, next to what the build put there
//
// and is used for one of:
//   data     kept across restarts: volumes hold it (VOLUME, named volume); a
//            data-dir nothing mounts, or the WORKDIR the app writes under
//            --chown-workdir, needs a named volume, which is left to a human; a
//            file written in place at start, or a code directory written at
//            start (sqlite next to the code), cannot be covered by a tmpfs either
//   scratch  lost on restart without harm: HOME, caches, and data-dirs whose path
//            says logs, run files, caches or temporary files. A tmpfs keeps it writable
//   baked    the build puts files there (code under WORKDIR, a RUN after the ENV
//            that names it): a tmpfs would hide them, so it is left to a human
//
// An install folder is scratch (a tmpfs) while it holds no files (none shipped
// with the image, none put there by the build); with files, one the server
// deploys from (webapps/ with a WAR) is data (a read-only root stops the
// writes next to them, a tmpfs hides them: left to a human), any other baked.
//
// API (all pure; they read the model and never edit). `image` below is
// (df, stage, base, services): a Dockerfile, the stage that becomes the image,
// its resolved base (dockerfile-info.ts) and the compose services that run it.
// `start` is what the start scripts and command create or write at start
// (start-scripts.ts: imageStartWrites(imageStart(project, df, base))).
//   imageWritePaths(opts, ...image, start, makeHome)   every declared write path of the image
//   serviceWritePaths(opts, s, ...image, start)        the ones that concern service `s`
//   writerOf(s, df, base)                       the IDs a tmpfs over them must be owned by
//   ownedPaths(opts, ...image, makeHome, start) what the image's user must own (non-root-user)
//   createdUserHome(userName)                   HOME of a user the tool creates
//   homeCacheRedirects(df, imageStage)          HOME/cache variables moved off /root (home-cache-env)
//   isUnder, isSystemPath, isMountPointToSkip, isScratchPath, isUnderRoot, copyDest,
//   mkdirOperands, userHome, CACHE_VARIABLES    the rules they share
import path from 'node:path';
import type { DockerfileSource, ServiceLink } from './model.js';
import type { DfInstruction, DfStage } from './parse/dockerfile.js';
import { effectiveInstructions, expandArgs } from './parse/dockerfile.js';
import type { HardenOptions } from './types.js';
import { chainInstructions, effectiveUser, expandWord, lastEnv, runCommands, runScript, usersCreatedIn, variableScopes, workdirs, type ImageStage, type StageBase } from './dockerfile-info.js';
import { shellCommands, type ImageFacts, type ImageUser, type InstallWrite } from './knowledge/images.js';
import type { StartWrite } from './start-scripts.js';
import { sortedDirEntries } from './read.js';
import { ParseMemo, sameItems } from './pass-memo.js';

/**
 * Variables tools read for their home, cache or config directory. Not the ones
 * that name installed software or data baked in at build time (CARGO_HOME,
 * GOPATH, NLTK_DATA, PLAYWRIGHT_BROWSERS_PATH): moving those loses what is there.
 */
export const CACHE_VARIABLES = [
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'TRANSFORMERS_CACHE',
  'SENTENCE_TRANSFORMERS_HOME',
  'TORCH_HOME',
  'PIP_CACHE_DIR',
  'PIPENV_CACHE_DIR',
  'POETRY_CACHE_DIR',
  'UV_CACHE_DIR',
  'npm_config_cache',
  'NPM_CONFIG_CACHE',
  'YARN_CACHE_FOLDER',
  'COMPOSER_CACHE_DIR',
  'GOCACHE',
  'MPLCONFIGDIR',
  'DENO_DIR',
];

// ------------------------------------------------------------------ path rules

/** Paths where chowning would break the system or is never what an app needs. */
const SYSTEM_PREFIXES = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/proc', '/sys', '/dev', '/boot', '/root', '/tmp', '/var/tmp', '/run', '/var/run', '/var/lib/apt', '/var/lib/dpkg', '/var/cache/apt', '/var/cache/apk', '/var/lib/rpm', '/var/cache/dnf', '/var/cache/yum', '/var/spool/cron'];
const SHARED_ROOTS = new Set(['/', '/home', '/opt', '/srv', '/var', '/var/lib', '/var/log', '/var/cache', '/mnt', '/media']);

/** Shared roots that hold nothing of the system's on the distro bases, so a volume may be mounted at them for the app. */
const MOUNT_ROOTS = new Set(['/srv', '/mnt', '/media']);

/** `p` is `dir` or inside it. */
export function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/** A path the app's user must never own: a shared root (`/var/lib`) or anything under a system tree (`/usr`, `/etc`, ...). */
export function isSystemPath(p: string): boolean {
  return SHARED_ROOTS.has(p) || SYSTEM_PREFIXES.some((s) => isUnder(p, s));
}

/** `/root` and everything under it (mode 700 on most bases). */
export function isUnderRoot(p: string): boolean {
  return p === '/root' || p.startsWith('/root/');
}

/** Destination of a COPY/ADD, absolute, with the build variables of `scope` expanded; undefined when it holds one not known. */
export function copyDest(ins: DfInstruction, workdir: string, scope?: ReadonlyMap<string, string | undefined>): string | undefined {
  const args = ins.json ?? ins.args;
  const written = args[args.length - 1];
  const dest = written && scope ? expandWord(written, scope) : written;
  if (args.length < 2 || !dest || dest.includes('$')) return undefined;
  return path.posix.resolve(workdir, dest);
}

/** Directory operands of `mkdir [-p] [-m MODE] [--mode=MODE] dir...`. */
export function mkdirOperands(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-m' || a === '--mode' || a === '-Z' || a === '--context') i++;
    else if (a === '--') continue;
    else if (!a.startsWith('-') && a !== '') out.push(a);
  }
  return out;
}

// ------------------------------------------------------------ declared paths

export type WritePathKind = 'volume' | 'named-volume' | 'data-dir' | 'start-dir' | 'start-file' | 'workdir' | 'home' | 'cache' | 'install' | 'framework' | 'chowned';
export type WritePathUse = 'data' | 'scratch' | 'baked';

export interface WritePath {
  /** Absolute, normalised (no trailing slash). */
  path: string;
  kind: WritePathKind;
  use: WritePathUse;
  /** What declares it, for messages: `VOLUME /data`, `mkdir /var/log/app`, `HOME of app`, `HF_HOME`. */
  declaredBy: string;
  /** For `baked`: what puts files there (`WORKDIR /home/app`, `RUN after ENV HOME`). */
  bakedBy?: string;
  /** For `named-volume`: the services of the image that mount it there. */
  mountedBy?: string[];
  /** Weaker declarations of the same path (a named-volume target that RUN also makes: `data-dir`). */
  alsoDeclaredAs?: WritePathKind[];
  /** For `start-dir`: a directory holding code that a start-up write needs writable; chowned itself, not what is in it. */
  itself?: boolean;
  /**
   * For `start-dir`: the start rewrites the files there in place (import-meta-env), so the user must own them, not
   * only the folder: chowned with what the stage copies into it (COPY --chown), even where it holds code.
   */
  filesInPlace?: boolean;
  /** For `start-dir`: the start writes files anywhere below it (StartWrite.tree): chowned with -R, code or not. */
  tree?: boolean;
  /** Seen holding data the service keeps across restarts (verify's observation: a database file, /var/lib/<x>, ...): why. */
  keeps?: string;
  /** For `install`: the knowledge row's fact (what the server writes there, what to do by hand). */
  install?: InstallWrite & { image: string };
  /** For `chowned` and `framework`: the non-root user the build gives it to (`www-data`, `1000:1000`), who writes it when the image starts as root. */
  owner?: string;
}

export interface ImageWritePaths {
  /** Every declaration, one per source (a path may appear under several kinds). */
  declarations: WritePath[];
  /** Named-volume targets under /root (mode 700): the user cannot reach them whoever owns them. */
  underRoot: string[];
  /** Where the app's code lives: WORKDIR and COPY destinations (not chowned unless --chown-workdir). */
  codeDirs: string[];
  /** Why each start-up path is declared, for findings (`mkdir /run/app (docker-entrypoint.sh line 4)`). */
  startReasons: string[];
}

/**
 * A mount point (VOLUME or named-volume target) the user must not own: a shared
 * root (`/var/lib`), a top-level system tree itself (`/usr`, `/etc`), kernel
 * filesystems, package-manager state, /tmp and anything under /root (reported
 * apart). Unlike a `mkdir`'d directory, a mount point deeper in a system tree
 * (`/usr/src/app/uploads`, `/etc/letsencrypt`) is the app's: the volume copies
 * the directory's ownership when it is first used.
 */
export function isMountPointToSkip(p: string): boolean {
  // /srv, /mnt and /media are empty on the distro bases (FHS: "data for services provided by this system", mount
  // points): a volume there is all of it the app gets, as filebrowser's `VOLUME /srv` (its own fix chowns /srv), and
  // owning the empty mount point gives the user nothing of the system's.
  if (MOUNT_ROOTS.has(p)) return false;
  if (SHARED_ROOTS.has(p) || SYSTEM_PREFIXES.includes(p) || isUnderRoot(p)) return true;
  return ['/proc', '/sys', '/dev', '/boot', '/var/lib/apt', '/var/lib/dpkg', '/var/cache/apt', '/var/cache/apk', '/var/lib/rpm', '/var/cache/dnf', '/var/cache/yum'].some((d) => isUnder(p, d));
}

/** Path segments that say a directory holds what nobody keeps across a restart: logs, run files, caches, temporary files. */
const SCRATCH_SEGMENT = /^(\.?cache|caches|logs?|run|pids?|sockets?|tmp|temp)$/i;

/**
 * A directory whose path says it holds nothing kept across restarts: under
 * /tmp, /var/tmp, /run, /var/run, /var/log or /var/cache, or with a segment
 * such as `logs`, `cache`, `run`, `tmp`. In a container such files already
 * vanish with every re-created container, so a tmpfs loses nothing anyone keeps.
 */
export function isScratchPath(p: string): boolean {
  if (['/tmp', '/var/tmp', '/run', '/var/run', '/var/log', '/var/cache'].some((d) => isUnder(p, d) && p !== d)) return true;
  return p.split('/').some((seg) => SCRATCH_SEGMENT.test(seg));
}

/** Files a service keeps across restarts: databases (SQLite, LMDB, LevelDB, Redis dumps and AOF), with their journals. */
const DATA_FILE = /\.(db|db3|sqlite|sqlite3|mdb|ldb|rdb|aof)(-(wal|shm|journal))?$/i;

/**
 * Why a directory a service was seen writing holds data it keeps across
 * restarts, or undefined when it may be lost (a tmpfs is fine). In order:
 * a database file written under it (`*.db`, `*.sqlite*`, ... : whatever its
 * path says) is data; a scratch path (isScratchPath: logs, run, pid, lock,
 * socket, cache, tmp) is not, nor one where all that was written is scratch
 * by its own path (/var/lib/app/cache/x); under /var/lib/<x>, /data, /srv/<x>, or a
 * `data` segment (`/app/data`) is data. Anything else is not said to be data.
 * `written`: the paths written under it (`docker diff`).
 */
export function keptData(dir: string, written: string[]): string | undefined {
  const db = written.find((f) => isUnder(f, dir) && DATA_FILE.test(path.posix.basename(f)));
  if (db) return `${db} is a database file`;
  if (isScratchPath(dir) || /(^|\/)(locks?|[^/]*\.(pid|sock|lock))$/i.test(dir)) return undefined;
  // Everything written in it is scratch by its own path (/var/lib/app/cache/...): so is what it holds.
  const inside = written.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length));
  if (inside.length && inside.every((f) => f.split('/').some((seg) => SCRATCH_SEGMENT.test(seg)) || /\.(pid|sock|lock|log)$/i.test(f))) return undefined;
  if (/^\/var\/lib\/[^/]+/.test(dir)) return `${dir} is under /var/lib, where services keep their state`;
  if (isUnder(dir, '/data') || /^\/srv\/[^/]+/.test(dir)) return `${dir} is under ${dir.startsWith('/srv') ? '/srv' : '/data'}, where services keep their data`;
  if (dir.split('/').some((seg) => /^data$/i.test(seg))) return `${dir} is a data directory`;
  return undefined;
}

/** ENV names that say the value is where the app keeps its data (`DATA_DIR`, `APP_STORAGE_PATH`, `UPLOAD_FOLDER`, `DATABASE_URL`). */
const DATA_VARIABLE = /^(?!XDG_)([A-Z0-9]+_)*(DATA|STORAGE|UPLOADS?|MEDIA|STATE|DB|DATABASE|SQLITE)(_(DIR|PATH|ROOT|FOLDER|HOME|LOCATION|URL|FILE))?$/;

/**
 * The directory an ENV value names for data, absolute or relative as written
 * (undefined when it names none): a folder path (`/srv/app`, `data`, `./var/state`),
 * the folder of a database file (`data/app.db`), or of an SQLite URL's file
 * (SQLAlchemy's `sqlite:////abs/app.db` is absolute, `sqlite:///rel/app.db`
 * relative to the working directory). Other files (`/app/config.yml`) and
 * URLs (`postgres://...`) name no data folder.
 */
export function dataDirOfValue(value: string): string | undefined {
  const sqlite = /^sqlite:\/\/\/([^?#]+)/.exec(value)?.[1];
  const file = sqlite ?? (DATA_FILE.test(value) ? value : undefined);
  const p = file !== undefined ? path.posix.dirname(file) : /\.[a-z0-9]{1,8}$/i.test(value) ? undefined : value;
  // A path of plain segments only: no URL (`redis://`), no host:port, no variable left, no glob, no `~`.
  if (p === undefined || p === '' || p === '.' || !/^\/?[\w.@+-]+(\/[\w.@+-]+)*\/?$/.test(p)) return undefined;
  if (!p.startsWith('/') && p.split('/').some((seg) => seg === '..')) return undefined;
  return p;
}

/** Data variables whose name says the value is a path (`DATA_DIR`, `UPLOAD_FOLDER`, `DB_FILE`). */
const PATH_VARIABLE = /_(DIR|PATH|ROOT|FOLDER|HOME|LOCATION|FILE)$/;

/** A path that says it holds data kept across restarts (keptData's rules by name): seeding it at build time does not make it an install tree. */
function dataByName(dir: string): boolean {
  return /^\/var\/lib\/[^/]+/.test(dir) || isUnder(dir, '/data') || /^\/srv\/[^/]+/.test(dir) || dir.split('/').some((seg) => /^data$/i.test(seg));
}

/** Commands that build or install into the folder they run in. */
const BUILDS_IN_CWD = /^(make|cmake|ninja|\.\/configure|configure|meson|npm|yarn|pnpm|pip|pip3|composer|bundle|mvn|gradle|\.\/gradlew|\.\/mvnw|go|cargo|dotnet|ant)$/;

/**
 * Paths RUN commands put files into at build time: an archive extracted
 * (`tar -C`, `unzip -d`, or in the folder `cd` went to), a clone, a
 * download (`wget -P`, `curl -o`), a build (`make`, `./configure
 * --prefix=`, `pip --target`), and `mv`/`cp`/`ln` destinations. `build`:
 * filled by extraction, clone or build (a program installed), not by
 * moving or copying a file (which may seed a data folder).
 */
export function installedAtBuild(chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes?: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> }): { path: string; build: boolean }[] {
  // A whole chain's reading, once per run: an image's write paths and its start's placeholders (start-scripts'
  // runFilledPaths) ask for the same chain with the same workdirs, and every pass asks again of each Dockerfile it did
  // not change (issue 13). Callers only read it. The one-RUN lists chownedByBuild asks with are made per call and
  // never asked again: not kept.
  if (chain.length < 2) return readInstalledAtBuild(chain, escape, wd);
  return installedInRun.get(wd, { chain, escape }, (w, inputs) => readInstalledAtBuild(inputs.chain, inputs.escape, w));
}

type ChainWorkdirs = { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes?: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> };

/**
 * installedAtBuild's answers by all they read: the workdirs (workdirs' answer for the chain, itself kept by the parse
 * it was read from), the chain's instructions (parse objects: their text) and the file's escape character.
 */
const installedInRun = new ParseMemo<ChainWorkdirs, { chain: readonly DfInstruction[]; escape: string }, { path: string; build: boolean }[]>(
  (a, b) => a.escape === b.escape && sameItems(a.chain, b.chain),
  (inputs) => ({ chain: inputs.chain.slice(), escape: inputs.escape }),
);

function readInstalledAtBuild(chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes?: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> }): { path: string; build: boolean }[] {
  const out: { path: string; build: boolean }[] = [];
  for (const ins of chain) {
    if (ins.keyword !== 'RUN') continue;
    let cwd: string | undefined = wd.unsure.has(ins) ? undefined : wd.before.get(ins) ?? '/';
    // The stage's ARG/ENV values, as the build's shell expands them (semaphore's `python3 -m venv ${ANSIBLE_VENV_PATH}`),
    // as for the mkdir operands read with them.
    const scope = wd.scopes?.get(ins);
    const at = (written: string | undefined, build: boolean) => {
      const p = written !== undefined && scope ? expandWord(written, scope) : written;
      if (p === undefined || p === '-' || p.includes('$')) return;
      if (!p.startsWith('/') && cwd === undefined) return;
      out.push({ path: clean(path.posix.resolve(cwd ?? '/', p)), build });
    };
    for (const argv of runCommands(ins, escape)) {
      const [cmd, ...args] = argv as [string, ...string[]];
      const value = (...flags: string[]): string | undefined => {
        for (let i = 0; i < args.length; i++) {
          const a = args[i]!;
          for (const f of flags) {
            if (a === f) return args[i + 1];
            if (f.startsWith('--') && a.startsWith(`${f}=`)) return a.slice(f.length + 1);
            if (!f.startsWith('--') && a.startsWith(f) && a.length > f.length && f.length === 2) return a.slice(2);
          }
        }
        return undefined;
      };
      const operands = args.filter((a) => !a.startsWith('-'));
      const prefix = value('--prefix', '--target', '--install-dir', '--root');
      if (prefix) at(prefix, true);
      // A virtual environment the build makes and installs into (`python3 -m venv DIR`, `virtualenv DIR`, `uv venv DIR`).
      if ((/^python(3(\.\d+)?)?$/.test(cmd) && args[0] === '-m' && (args[1] === 'venv' || args[1] === 'virtualenv')) || cmd === 'virtualenv' || (cmd === 'uv' && args[0] === 'venv')) {
        const dirs = args.slice(cmd === 'uv' ? 1 : cmd === 'virtualenv' ? 0 : 2).filter((a) => !a.startsWith('-'));
        at(dirs[dirs.length - 1] ?? (cmd === 'uv' ? '.venv' : undefined), true);
      }
      switch (cmd) {
        case 'cd': {
          const dir = operands[0];
          cwd = dir === undefined || dir.includes('$') || (!dir.startsWith('/') && cwd === undefined) ? undefined : clean(path.posix.resolve(cwd ?? '/', dir));
          break;
        }
        case 'tar':
          if (args.some((a) => /^-?[a-wyz]*x/.test(a) || a === '--extract')) at(value('-C', '--directory') ?? '.', true);
          break;
        case 'unzip':
          at(value('-d') ?? '.', true);
          break;
        case 'git':
          if (args[0] === 'clone') {
            const ops = operands.slice(1);
            at(ops[1] ?? (ops[0] ? path.posix.basename(ops[0]).replace(/\.git$/, '') : undefined), true);
          }
          break;
        case 'wget': {
          const file = shortOption(args, 'O') ?? value('--output-document');
          at(value('-P', '--directory-prefix') ?? file ?? '.', true);
          break;
        }
        case 'curl': {
          const file = shortOption(args, 'o') ?? value('--output');
          if (file) at(file, true);
          else if (shortOption(args, 'O') !== undefined || args.includes('--remote-name')) at('.', true);
          break;
        }
        case 'mv':
        case 'cp':
        case 'rsync':
        case 'ln':
        case 'install':
          if (operands.length >= 2) at(value('-t', '--target-directory') ?? operands[operands.length - 1], false);
          break;
        default:
          if (BUILDS_IN_CWD.test(cmd) && args.some((a) => /^(install|build|ci|clone|all)$/.test(a) || cmd === 'make' || cmd === 'cmake' || cmd.endsWith('configure'))) at('.', true);
      }
    }
  }
  return out;
}

/** The value of a one-letter option that may be grouped (`-qO-`, `-fsSLo file`, `-O file`); '' for a flag that takes none (`curl -O`). */
function shortOption(args: string[], letter: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const m = /^-([a-zA-Z]*)$/.exec(args[i]!) ?? /^-([a-zA-Z]*?[a-zA-Z])(.+)$/.exec(args[i]!);
    if (!m || args[i]!.startsWith('--')) continue;
    const at = args[i]!.indexOf(letter, 1);
    if (at < 0) continue;
    const rest = args[i]!.slice(at + 1);
    if (rest) return rest;
    return args[i + 1] !== undefined && !args[i + 1]!.startsWith('-') ? args[i + 1] : '';
  }
  return undefined;
}

const clean = (p: string) => path.posix.normalize(p).replace(/(.)\/$/, '$1');
const usable = (p: string) => p.startsWith('/') && !/[$*?{}[\]]/.test(p);

/**
 * Every path the image stage declares as written (see the header), for the
 * services that run it. HOME and cache directories count only when the image
 * runs as a non-root user: that is when the tool set or moved them. `makeHome`:
 * the home of a user the tool is creating, which it makes with the data directories.
 */
export function imageWritePaths(
  opts: HardenOptions,
  df: DockerfileSource,
  stage: DfStage,
  base: StageBase,
  services: ServiceLink[],
  start: StartWrite[] = [],
  makeHome?: string,
): ImageWritePaths {
  const parsed = df.parsed;
  const wd = workdirs(base.chain, base.buildArgs, base.globalArgs);
  const chain = chainInstructions(base.chain);
  const codeDirs = new Set<string>();
  const shellless = base.distro === 'scratch' || base.distro === 'distroless' || base.facts?.hasShell === false;
  const dataWorkdir = mountedEmptyWorkdir(chain, wd, services, parsed.escape, { shellless, scratch: base.distro === 'scratch' });
  if (wd.final !== '/' && !dataWorkdir) codeDirs.add(wd.final);
  const emptyCopies = new Map<DfInstruction, { dest: string; how: string }>();
  for (const ins of chain) {
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
      const dest = copyDest(ins, wd.before.get(ins) ?? '/', wd.scopes.get(ins));
      const made = dest ? emptyFolderCopy(ins, parsed.stages, parsed.escape) : undefined;
      // An empty folder a builder stage made holds no code: it is the folder made for the app to write (below).
      if (dest && made) emptyCopies.set(ins, { dest, how: made });
      else if (dest) codeDirs.add(dest);
    }
  }
  // The code folders as a list, made once: the checks below ask of it for every path (a spread of the set each time allocated a list per question).
  const codeDirList = [...codeDirs];
  const holdsCode = (p: string) => codeDirList.some((c) => isUnder(c, p));
  const declarations: WritePath[] = [];
  // Every declaration gets one object shape (all fields, in one order; undefined where absent):
  // declarations built as literals with optional fields spread in have several, and the passes
  // that read them (here, strongest, the read-only and non-root transforms) deoptimised on each new one (issue 13).
  const put = (w: WritePath) => declarations.push(writePath(w));

  for (const ins of effectiveInstructions(stage)) {
    if (ins.keyword !== 'VOLUME') continue;
    for (const raw of ins.json ?? ins.args) {
      const p = clean(raw);
      if (usable(p) && !isMountPointToSkip(p)) put({ path: p, kind: 'volume', use: 'data', declaredBy: `VOLUME ${p}` });
    }
  }
  const underRoot = new Set<string>();
  for (const s of services) {
    for (const m of s.volumes) {
      if (m.type !== 'volume') continue;
      const p = clean(m.target);
      if (isUnderRoot(p)) underRoot.add(m.target);
      else if (usable(p) && !isMountPointToSkip(p)) put({ path: p, kind: 'named-volume', use: 'data', declaredBy: `volume ${m.source ?? '(anonymous)'}`, mountedBy: [s.name] });
    }
  }
  const made: string[] = [];
  const installed = installedAtBuild(chain, parsed.escape, wd);
  // What the base image's own server writes in its install tree (a folder upstream leaves writable for anyone
  // needs no chown: ownedPaths leaves it out, but a read-only root still needs a tmpfs there).
  for (const iw of base.facts?.installWrites ?? []) {
    // A write only a setting of the container's environment turns on, not settled for it (install-writes.ts): not known to happen.
    if (iw.onlyWhen) continue;
    const by = builtInto(iw.path, chain, wd, installed) ?? (iw.shipped ? 'the image ships files there' : undefined);
    const use: WritePathUse = iw.use === 'data' ? 'data' : !by ? 'scratch' : iw.use === 'deploy' ? 'data' : 'baked';
    const image = base.image ?? base.facts!.family;
    put({ path: iw.path, kind: 'install', use, declaredBy: `${image} ${iw.what}`, ...(by ? { bakedBy: by } : {}), install: { ...iw, image } });
  }
  for (const ins of chain) {
    if (ins.keyword !== 'RUN') continue;
    for (const argv of runCommands(ins, parsed.escape)) {
      if (argv[0] !== 'mkdir') continue;
      // The build's shell expands the stage's ARG and ENV values in the operands (qdrant's `mkdir -p "$APP"/storage`
      // under `ARG APP=/qdrant`); one it cannot know stays written and is not usable below.
      const scope = wd.scopes.get(ins);
      for (const dir of mkdirOperands(argv).map((d) => (scope ? expandWord(d, scope) : d))) {
        // `mkdir webapps` under a WORKDIR the chain does not set (the base's, or one with an unknown variable): where is not known.
        if (!dir.startsWith('/') && wd.unsure.has(ins)) continue;
        const abs = clean(path.posix.resolve(wd.before.get(ins) ?? '/', dir));
        made.push(abs);
        // A directory that holds the app's code (WORKDIR, a COPY destination, or above one) is not data.
        // One a compose file bind-mounts over still counts: another deployment may not mount it.
        if (holdsCode(abs)) continue;
        // Nor is a program's install tree the build fills (extracts, clones, builds, moves files into):
        // owning it would let the app rewrite its own binaries. What it writes there at start is declared below.
        if (installed.some((i) => isUnder(i.path, abs) && (i.build || isUnder(abs, '/opt')) && !dataByName(abs))) continue;
        if (usable(abs) && !isSystemPath(abs)) put({ path: abs, kind: 'data-dir', use: isScratchPath(abs) ? 'scratch' : 'data', declaredBy: `mkdir ${abs}` });
      }
    }
  }
  // The same for an empty folder a builder stage makes and a COPY --from puts in the image: a scratch or distroless
  // image has no shell to mkdir with (dozzle's `RUN mkdir /data` in its builder, `COPY --from=builder /data /data`).
  for (const [ins, { dest, how }] of emptyCopies) {
    if (holdsCode(dest)) continue;
    if (usable(dest) && !isSystemPath(dest) && !isMountPointToSkip(dest)) put({ path: dest, kind: 'data-dir', use: isScratchPath(dest) ? 'scratch' : 'data', declaredBy: `${how}, copied in by COPY (line ${ins.line + 1})` });
  }
  // A folder the build names for the app's data in an ENV (`DATA_DIR=/app/state`, `UPLOAD_FOLDER`,
  // `DATABASE_URL=sqlite:////app/db/app.sqlite`): the app writes there, though no RUN makes it.
  // A relative one (`DATA_DIR=data`, `DATABASE_URL=sqlite:///data/app.db`, `DB_PATH=data/app.db`) is
  // opened from the process's working directory: the final WORKDIR, when the chain sets it and no
  // service moves it with `working_dir:` (gotify keeps data/ under WORKDIR /app).
  const scopes = variableScopes(base.chain);
  const startDir = wd.finalKnown && !services.some((s) => s.effective.working_dir !== undefined) ? wd.final : undefined;
  for (const ins of chain) {
    if (ins.keyword !== 'ENV') continue;
    for (const p of ins.properties) {
      if (!DATA_VARIABLE.test(p.name) || p.value === undefined || p.value === null) continue;
      const value = expandArgs(p.value, scopes.get(ins) ?? new Map()) ?? p.value;
      const dir = dataDirOfValue(value);
      // A bare relative word is a path only under a name that says so (`DATA_DIR=data`), not `STORAGE=local` or `DB=app`.
      if (!dir || (!dir.startsWith('/') && (!startDir || (!value.includes('/') && !PATH_VARIABLE.test(p.name))))) continue;
      const abs = clean(path.posix.resolve(startDir ?? '/', dir));
      if (!usable(abs) || isSystemPath(abs) || isMountPointToSkip(abs) || holdsCode(abs)) continue;
      put({ path: abs, kind: 'data-dir', use: isScratchPath(abs) ? 'scratch' : 'data', declaredBy: `ENV ${p.name}=${value}` });
    }
  }
  if (dataWorkdir) put({ path: wd.final, kind: 'data-dir', use: 'data', declaredBy: dataWorkdir });
  if (opts.chownWorkdir && wd.final !== '/' && !dataWorkdir) {
    // The user asked for the app to write next to its code: what it writes there it keeps, and a tmpfs would hide the code.
    put({ path: wd.final, kind: 'workdir', use: 'data', declaredBy: 'WORKDIR under --chown-workdir' });
  }

  // Start-up writes: a directory made at start is made now; a file written in place is owned
  // unless its directory already is; sed -i and sqlite need the directory itself writable.
  const startReasons: string[] = dataWorkdir ? [dataWorkdir] : [];
  const inCode = (p: string) => codeDirList.some((c) => isUnder(p, c));
  // Built by a loop: filter().map() over an empty and a full list hands the callers arrays of two
  // element kinds, and the optimised code deoptimised on the second (issue 13).
  const ownedSoFar: string[] = [];
  for (const w of declarations) if (w.kind !== 'named-volume' || !isUnderRoot(w.path)) ownedSoFar.push(w.path);
  if (makeHome) ownedSoFar.push(makeHome);
  const owned = (p: string) => ownedSoFar.some((d) => isUnder(p, d));
  const nextCache = nextCacheWrites(chain, wd);
  for (const written of [...start, ...nextCache]) {
    // A file the start tests for before it writes it (nginx-proxy's `[[ -f ${DHPARAM_FILE} ]]`, the common
    // `[ ! -f config.yml ] && cp config.example.yml config.yml`): an empty file made at build would pass that test, and the
    // start would skip writing it (nginx-proxy's template then points nginx at an empty dhparam.pem). Its folder is the
    // user's instead, where the start can make it.
    const w: StartWrite = written.kind === 'file' && written.tested ? { ...written, kind: 'dir-of', how: `${written.how}; ${written.tested}, so it is not made at build` } : written;
    const target = w.kind === 'dir' ? w.path : path.posix.dirname(w.path);
    // A folder named by a glob (`sed -i /etc/php*/php.ini`): which folders it matches is not known at build time.
    if (/[*?[]/.test(target)) continue;
    // A top-level folder of the app's own (WORKDIR /app) counts as deep enough: it is the app's, not the system's.
    // So does a folder of the app's code whose files the start rewrites in place (hoppscotch's /site, which its COPYs fill).
    // A placeholder folder the repository brings to the top of the tree (`COPY images/ ./images/` with no WORKDIR) is the app's too.
    const topPlaceholder = w.placeholder === true && target.split('/').filter(Boolean).length === 1 && !isSystemPath(target) && !isTrustPath(target);
    if (!mayOwnAtStart(target) && !topPlaceholder && !(w.kind !== 'dir' && (codeDirs.has(target) || (w.inPlace && holdsCode(target))) && !isSystemPath(target)) && !(w.kind !== 'dir' && servedWebRoot(target, codeDirList))) continue;
    // A directory is declared even where it is owned already (the start-up write is the better reason);
    // only a new one is owned anew and gives a reason to the chown.
    const by = { declaredBy: w.how, ...(w.keeps ? { keeps: w.keeps } : {}) };
    let fresh: boolean;
    if (w.kind === 'dir') {
      // mkdir -p of a directory that is there already; not a placeholder folder a COPY brings as itself (`COPY images/ ./images/`).
      if (holdsCode(w.path) && !w.placeholder) continue;
      fresh = !owned(w.path);
      put({ path: clean(w.path), kind: 'start-dir', use: scratchAtStart(w, w.path) ? 'scratch' : 'data', ...by });
      if (fresh) ownedSoFar.push(w.path);
    } else if (w.kind === 'file') {
      if (owned(w.path)) continue; // its directory is the user's: that declaration covers it
      fresh = true;
      put({ path: clean(w.path), kind: 'start-file', use: 'data', ...by });
    } else {
      fresh = !owned(target);
      const itself = holdsCode(target) || inCode(target);
      // Files rewritten in place (import-meta-env) must be the user's themselves, code or not.
      const inPlace = w.inPlace === true ? { filesInPlace: true } : {};
      const tree = w.tree === true ? { tree: true } : {};
      put({ path: clean(target), kind: 'start-dir', use: !itself && scratchAtStart(w, target) ? 'scratch' : 'data', ...(itself ? { itself } : {}), ...inPlace, ...tree, ...by });
      if (fresh && !itself) ownedSoFar.push(target);
    }
    if (fresh && !startReasons.includes(w.how)) startReasons.push(w.how);
  }

  const user = effectiveUser(base);
  if (user.known && !user.root) {
    const bakedBy = (p: string, name: string, after?: DfInstruction) => buildContent(df, p, name, chain, wd.before, made, after);
    const caches: WritePath[] = [];
    for (const name of CACHE_VARIABLES) {
      const set = lastEnv(base.chain, name);
      if (!set || !usable(set.value) || isUnderRoot(set.value) || set.value.includes('$')) continue;
      const p = clean(set.value);
      if (isSystemPath(p) && !isUnder(p, '/tmp')) continue;
      const by = bakedBy(p, name, set.instruction);
      caches.push({ path: p, kind: 'cache', use: by ? 'baked' : 'scratch', declaredBy: name, ...(by ? { bakedBy: by } : {}) });
    }
    const homeEnv = lastEnv(base.chain, 'HOME');
    const home = userHome(df, base.chain, user.user);
    if (home && home !== '/' && home !== '/nonexistent' && usable(home) && !isSystemPath(home)) {
      // Files land in HOME when a later instruction may write there (any RUN after the ENV that set it,
      // or after the USER that runs as its owner), or when a cache under it is filled at build time.
      const after = homeEnv && homeEnv.value === home ? homeEnv.instruction : user.instruction;
      const filledCache = caches.find((c) => c.use === 'baked' && isUnder(c.path, home));
      const by = bakedBy(home, 'HOME', after) ?? (filledCache ? `${filledCache.declaredBy}: ${filledCache.bakedBy}` : undefined);
      put({ path: clean(home), kind: 'home', use: by ? 'baked' : 'scratch', declaredBy: `HOME of user ${user.user}`, ...(by ? { bakedBy: by } : {}) });
    }
    for (const c of caches) put(c);
  }

  // What the repository's own build says the app writes: its framework's folders, and trees it gives the user.
  // Declared last and only where nothing above says more (a VOLUME, a data-dir, a start-up write at or above it).
  const said = declarations.filter((w) => w.kind !== 'home' && w.kind !== 'cache').map((w) => w.path);
  const framework = frameworkWrites(chain, parsed.escape, wd);
  // The roots of apps whose framework says where they write (Laravel, Rails, a Next.js server): a tree given to the
  // user at, above or below one is given for those writes (the Next.js example chowns its standalone output so the
  // server can write .next), which the framework's own paths declare.
  // A path given below a Laravel or Rails root outside the folders it writes (Rails' db/, where SQLite lived before 7.1)
  // still says the app writes there; below a Next.js root, the example's COPY --chown of public/ and .next/static does not.
  const nextRoots = nextCache.map((w) => path.posix.dirname(path.posix.dirname(w.path)));
  const appRoots = [...new Set([...framework.map((f) => f.root), ...nextRoots])];
  for (const f of framework) {
    if (said.some((d) => isUnder(f.path, d))) continue;
    put({ path: f.path, kind: 'framework', use: f.use, declaredBy: f.declaredBy, owner: f.owner ?? appTreeOwner(chain, parsed.escape, wd, f.root) });
  }
  for (const c of chownedByBuild(chain, parsed.escape, wd, installed)) {
    // A framework whose root is at or under the tree says exactly where in it the app writes.
    if (said.some((d) => isUnder(c.path, d)) || appRoots.some((r) => isUnder(r, c.path)) || nextRoots.some((r) => isUnder(c.path, r)) || framework.some((f) => isUnder(c.path, f.path))) continue;
    // The user's HOME given to the user (dockerfile/non-root-user chowns the home it makes, a WORKDIR there or not):
    // the HOME rule says what it holds; a tree below it (`/home/app/web`) is still the app's.
    if (declarations.some((w) => w.kind === 'home' && w.path === c.path)) continue;
    // Every service of the image mounts named volumes inside the tree (flask-on-docker's static and media volumes under
    // /home/app/web): Docker fills a new named volume with the image folder's files and owner
    // (https://docs.docker.com/engine/storage/volumes/#populate-a-volume-using-a-container), which is what giving the
    // tree to the user does for them; the volumes are where the app writes in it, the rest is the build's code.
    if (services.length && services.every((s) => s.volumes.some((m) => m.type === 'volume' && isUnder(clean(m.target), c.path) && clean(m.target) !== c.path))) continue;
    put({ path: c.path, kind: 'chowned', use: 'data', declaredBy: c.how, bakedBy: c.holds, owner: c.owner });
  }

  return { declarations, underRoot: [...underRoot].sort(), codeDirs: codeDirList, startReasons };
}

/**
 * The empty folder a `COPY --from=<stage> /dir <dest>` takes from a stage of this Dockerfile that
 * made it with `mkdir` and put nothing in it (no COPY, ADD or WORKDIR into it, no RUN command
 * other than mkdir, chown or chmod that names a path in it): what made it (`mkdir /data in stage
 * builder`), else undefined. Such a folder is there for the app to write at run time, as a mkdir
 * in the image's own stages is; the source is taken as written (an absolute path, no variables).
 */
function emptyFolderCopy(ins: DfInstruction, stages: readonly DfStage[], escape: string): string | undefined {
  if (ins.keyword !== 'COPY') return undefined;
  const from = ins.flags.find((f) => f.name === 'from')?.value?.toLowerCase();
  const args = ins.json ?? ins.args;
  const raw = args[0];
  if (!from || args.length !== 2 || !raw || !raw.startsWith('/') || /[$*?[]/.test(raw)) return undefined;
  const source = clean(raw);
  if (source === '/') return undefined;
  const stage = stages.find((st) => st.name === from || String(st.index) === from);
  if (!stage || stage.index >= ins.stage) return undefined;
  const swd = workdirs([stage]);
  let made = false;
  for (const i of effectiveInstructions(stage)) {
    const at = swd.before.get(i) ?? '/';
    if (i.keyword === 'WORKDIR' && isUnder(clean(path.posix.resolve(at, i.args[0] ?? '')), source)) return undefined;
    if (i.keyword === 'COPY' || i.keyword === 'ADD') {
      const dest = copyDest(i, at, swd.scopes.get(i));
      if (!dest || isUnder(dest, source) || isUnder(source, dest)) return undefined;
    }
    if (i.keyword !== 'RUN') continue;
    for (const argv of runCommands(i, escape)) {
      if (argv[0] === 'mkdir') {
        if (mkdirOperands(argv).some((d) => clean(path.posix.resolve(at, d)) === source)) made = true;
        continue;
      }
      if (argv[0] === 'chown' || argv[0] === 'chmod') continue;
      if (argv.slice(1).some((w) => w.startsWith('/') && isUnder(clean(w), source))) return undefined;
    }
  }
  return made ? `mkdir ${source} in stage ${stage.name ?? stage.index}` : undefined;
}

/**
 * The run-time cache of a Next.js server the image holds, as a start-up write.
 * `next start` and the standalone `server.js` write `<app>/.next/cache` while
 * serving: the image optimiser's output (`cache/images`), the data cache of
 * `fetch` (`cache/fetch-cache`) and what ISR regenerates. The standalone output
 * does not contain the folder, so the server creates it at run time, in a
 * `.next` folder the build left to root (Next.js docs, Self-hosting, "Caching and
 * ISR": https://nextjs.org/docs/app/guides/self-hosting#caching-and-isr; the
 * official example makes `.next` its user's for this, "Set the correct permission
 * for prerender cache": https://github.com/vercel/next.js/blob/canary/examples/with-docker/Dockerfile).
 * The app's `.next` is where a COPY in the image's chain puts the build's output:
 * `.next/static` (the standalone layout: `<app>/.next/static`, the app folder
 * also in a monorepo's `apps/web/.next/static`), or `.next` whole (`next start`).
 * Failing those, a `.next/standalone` copy puts `server.js` and its `.next` at
 * the destination. The cache is scratch: lost on restart, it is rebuilt.
 */
export function nextCacheWrites(chain: readonly DfInstruction[], wd: { before: Map<DfInstruction, string>; scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> }): StartWrite[] {
  const apps = new Map<string, string>();
  const standalone = new Map<string, string>();
  for (const ins of chain) {
    if ((ins.keyword !== 'COPY' && ins.keyword !== 'ADD') || ins.heredocs.length) continue;
    const args = ins.json ?? ins.args;
    const dest = copyDest(ins, wd.before.get(ins) ?? '/', wd.scopes.get(ins));
    if (args.length < 2 || !dest) continue;
    const at = `${ins.keyword} ${args.join(' ')} (line ${ins.line + 1})`;
    // Each of these sources is a folder: COPY puts its contents at the destination, with or without a trailing slash.
    for (const raw of args.slice(0, -1)) {
      const source = raw.replace(/\/+$/, '');
      if (/(^|\/)\.next\/static$/.test(source) && dest.endsWith('/.next/static')) apps.set(path.posix.dirname(dest), at);
      else if (/(^|\/)\.next$/.test(source) && dest.endsWith('/.next')) apps.set(dest, at);
      else if (/(^|\/)\.next\/standalone$/.test(source)) standalone.set(path.posix.join(dest, '.next'), at);
    }
  }
  const found = apps.size ? apps : standalone;
  return [...found].map(([next, at]) => ({ path: clean(`${next}/cache`), kind: 'dir' as const, how: `Next.js server's run-time cache (images, fetch, ISR) under the build output ${at}` }));
}

/** A folder an app's framework writes at run time, below the app's root. */
export interface FrameworkWrite {
  path: string;
  /** The app's root (where `artisan` or `bin/rails` runs). */
  root: string;
  use: WritePathUse;
  declaredBy: string;
  owner?: string;
}

/** Commands that write no file into the folder they run in: account tools and their look-ups, and mkdir/chown/chmod of absolute paths. */
const FILLS_NOTHING = new Set(['getent', 'grep', 'awk', 'id', 'groupadd', 'useradd', 'addgroup', 'adduser', 'usermod', 'groupmod']);
const ABSOLUTE_ONLY = new Set(['mkdir', 'chown', 'chmod']);

/** A RUN that only makes accounts, and folders by absolute path with their owners (the user this tool creates). */
function fillsNothing(ins: DfInstruction, escape: string): boolean {
  return runCommands(ins, escape).every((argv) => {
    const cmd = argv[0] ?? '';
    if (FILLS_NOTHING.has(cmd)) return true;
    if (!ABSOLUTE_ONLY.has(cmd)) return false;
    // chown/chmod's first operand is the owner or mode.
    const operands = argv.slice(1).filter((a) => !a.startsWith('-')).slice(cmd === 'mkdir' ? 0 : 1);
    return operands.length > 0 && operands.every((a) => a.startsWith('/'));
  });
}

/**
 * The final WORKDIR as the app's data folder, said as its reason: the chain sets it, the build copies nothing into it
 * and runs nothing in it, and no service moves the working folder (`working_dir`). Code is never there, so the folder
 * is the user's, and a bind mount over it gets its migration note.
 * - A compose service mounts a bind or volume exactly there (docusealco/docuseal: the app in /app, `WORKDIR
 *   /data/docuseal` last, `./docuseal:/data/docuseal` in compose; its code writes docuseal.env there).
 * - Nothing mounts it, and the program the image starts lies outside it: an empty folder made the working folder is
 *   there for what the program writes by relative paths. meilisearch/meilisearch's Dockerfile ends `WORKDIR
 *   /meili_data` ("This directory should hold all the data related to meilisearch") and runs /bin/meilisearch, whose
 *   database defaults to ./data.ms; go-shiori/shiori's ends `ENV SHIORI_DIR=/shiori`, `WORKDIR ${SHIORI_DIR}` and runs
 *   /usr/bin/shiori, which keeps its database and archives in SHIORI_DIR. WORKDIR makes the folder root's (mode 755),
 *   so a non-root user could write nothing there, and the program stops at its first write.
 *   On a base with no shell (scratch, distroless) such a folder under /root counts too (on scratch also under /home):
 *   no login, no package manager and no shell habit puts a WORKDIR there, and the build made it root's (scratch has
 *   neither folder; distroless's /root is root's, mode 700), so it is where the program runs and writes. rustdesk/rustdesk-server's docker-classic/Dockerfile: `FROM scratch`, hbbs and hbbr
 *   copied to /usr/bin, then `WORKDIR /root`; both keep their key pair (src/common.rs gen_sk) and db_v2.sqlite3
 *   (src/peer.rs) in the working folder, and its docker-compose.yml mounts `./data:/root`. scratch has no start of its
 *   own either: with no ENTRYPOINT or CMD the program is one the build copied, outside the folder (checked above).
 */
function mountedEmptyWorkdir(chain: readonly DfInstruction[], wd: ReturnType<typeof workdirs>, services: readonly ServiceLink[], escape: string, base: { shellless: boolean; scratch: boolean }): string | undefined {
  const dir = wd.final;
  // /root is a system folder to give away on a base with a shell; with none, the build made it (below).
  if (!wd.finalKnown || dir === '/' || (isSystemPath(dir) && !isUnderRoot(dir))) return undefined;
  if (services.some((s) => s.effective.working_dir !== undefined)) return undefined;
  // A bind mount of a folder of the repository that holds files is the code itself (a dev stack's `./server:/app`,
  // plankanban/planka's docker-compose-dev.yml), not data; DocuSeal's ./docuseal is not in the repository.
  const holdsFiles = (hostPath: string | undefined) => hostPath !== undefined && sortedDirEntries(hostPath).some((e) => !/^\.(gitkeep|keep|gitignore|placeholder|empty)$/.test(e.name));
  const mounts = services.flatMap((s) => s.volumes.filter((m) => clean(m.target) === dir).map((m) => ({ s, m })));
  const mount = mounts.find(({ m }) => (m.type === 'volume' || (m.type === 'bind' && !holdsFiles(m.hostPath))) && !m.readOnly);
  for (const ins of chain) {
    if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const dest = copyDest(ins, wd.before.get(ins) ?? '/', wd.scopes.get(ins));
      if (!dest || isUnder(dest, dir) || isUnder(dir, dest)) return undefined;
    } else if (ins.keyword === 'RUN') {
      // A RUN in it, or one that names a path inside it, may fill it (a clone, an install, a download); one that only
      // makes accounts and folders and sets owners fills nothing (the user this tool creates, in a later pass).
      const inIt = isUnder(wd.before.get(ins) ?? '/', dir) && !fillsNothing(ins, escape);
      if (inIt || runScript(ins, escape).includes(`${dir}/`)) return undefined;
    }
  }
  if (mount) {
    const how = mount.m.type === 'bind' ? `bind-mounts ${mount.m.source}` : `mounts volume ${mount.m.source ?? '(anonymous)'}`;
    return `the app's working folder (WORKDIR ${dir}), into which the build copies nothing and where ${mount.s.name} ${how}, is its data folder`;
  }
  // Only code mounted there (a bind of a folder that holds files, a read-only mount): the folder is the code's.
  // distroless has /home/nonroot, its user's own: only scratch, which has no /home, leaves a WORKDIR there root's.
  if (mounts.length || (isUnder(dir, '/home') && !base.scratch)) return undefined;
  // A start the chain does not say (the base image's) is not known; one run by a path into the folder, or relative to it
  // (`bin/control.sh`, `/opt/app/bin/run.sh`: a RUN unpacked the app there), is the folder's code, not its data.
  const start = [...chain].reverse().find((i) => i.keyword === 'ENTRYPOINT') ?? [...chain].reverse().find((i) => i.keyword === 'CMD');
  if (!start && !base.scratch) return undefined;
  const program = start ? (start.json ?? start.args.join(' ').trim().split(/\s+/))[0] ?? '' : '';
  if (program.includes('/') && (!program.startsWith('/') || isUnder(clean(program), dir))) return undefined;
  // Made the working folder for what runs, not out of habit before the copies (`WORKDIR /app`, then `COPY app.sh
  // /usr/local/bin`): an ENV names it for the program (SHIORI_DIR), or it comes after every step that builds the image.
  const setter = [...chain].reverse().find((i) => i.keyword === 'WORKDIR');
  const named = chain.find((i) => i.keyword === 'ENV' && i.properties.some((p) => typeof p.value === 'string' && p.value.startsWith('/') && clean(p.value) === dir));
  const last = setter && chain.slice(chain.indexOf(setter) + 1).every((i) => i.keyword !== 'COPY' && i.keyword !== 'ADD' && (i.keyword !== 'RUN' || fillsNothing(i, escape)));
  if (!named && !last) return undefined;
  const why = named ? `ENV ${named.properties.find((p) => typeof p.value === 'string' && clean(p.value) === dir)!.name} names it` : 'it is made after every step that builds the image';
  const from = start ? 'the program starts from elsewhere' : 'the programs are those the build copies elsewhere (scratch has no start of its own)';
  return `the app's working folder (WORKDIR ${dir}) is empty: the build copies nothing into it and runs nothing in it, ${why}, and ${from}, so it holds what the program writes by relative paths (its data folder)`;
}

/**
 * The commands of a RUN, each with the folder it runs in: the instruction's WORKDIR, moved by each `cd`
 * before it (undefined once a `cd` goes where the build does not say: a variable, or relative to an unknown folder).
 */
function runCommandsInFolders(ins: DfInstruction, escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction> }): { argv: readonly string[]; cwd: string | undefined }[] {
  const out: { argv: readonly string[]; cwd: string | undefined }[] = [];
  let cwd: string | undefined = wd.unsure.has(ins) ? undefined : wd.before.get(ins) ?? '/';
  for (const argv of runCommands(ins, escape)) {
    if (argv[0] === 'cd') {
      const dir = argv.slice(1).find((a) => !a.startsWith('-'));
      cwd = dir === undefined || dir.includes('$') || (!dir.startsWith('/') && cwd === undefined) ? undefined : clean(path.posix.resolve(cwd ?? '/', dir));
      continue;
    }
    out.push({ argv, cwd });
  }
  return out;
}

/**
 * The folders a Laravel or Rails app writes while it runs, under the app's
 * root, where the build shows which framework it is and where it lives.
 *
 * Laravel: `php artisan ...` run in a RUN (in the folder `cd` or WORKDIR went
 * to, or `php DIR/artisan`), or by the image's CMD/ENTRYPOINT in the final
 * WORKDIR. It writes `storage/` (logs, compiled views, file sessions, the file
 * cache and local uploads: kept data, so a volume) and `bootstrap/cache`
 * (packages.php, services.php and the route/config caches: Laravel rebuilds
 * the first two when they are missing, so a tmpfs loses only speed)
 * (https://laravel.com/docs/12.x/structure#the-storage-directory,
 * #the-bootstrap-directory; Illuminate\Foundation\PackageManifest::getManifest
 * builds the manifest when the file is absent).
 *
 * Rails: `bin/rails` or `rails`, or `bootsnap precompile`, run by a RUN or the
 * image's start in a known WORKDIR. It writes `tmp/` (pid files, caches:
 * scratch), `log/` (scratch) and `storage/` (Active Storage's Disk service and,
 * since 7.1, the SQLite databases: kept data)
 * (https://guides.rubyonrails.org/getting_started.html, "the directory
 * structure"; the Dockerfile `rails new` writes chowns `db log storage tmp` to
 * its user: https://github.com/rails/rails/blob/main/railties/lib/rails/generators/rails/app/templates/Dockerfile.tt).
 */
export function frameworkWrites(chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; final: string; finalKnown: boolean }): FrameworkWrite[] {
  const laravel = new Map<string, string>();
  const rails = new Map<string, string>();
  const line = (ins: DfInstruction) => ins.line + 1;
  for (const ins of chain) {
    if (ins.keyword === 'RUN') {
      for (const { argv, cwd } of runCommandsInFolders(ins, escape, wd)) {
        const [cmd, ...args] = argv as [string, ...string[]];
        const script = /^php[\d.]*$/.test(cmd) ? args.find((a) => !a.startsWith('-')) : cmd;
        if (script && /(^|\/)artisan$/.test(script)) {
          const root = script.startsWith('/') ? path.posix.dirname(script) : cwd !== undefined ? clean(path.posix.resolve(cwd, path.posix.dirname(script))) : undefined;
          if (root && !laravel.has(root)) laravel.set(root, `RUN ${argv.join(' ')} (line ${line(ins)})`);
        }
        const railsRun = /(^|\/)rails$/.test(cmd) || (cmd === 'bundle' && args[0] === 'exec' && /(^|\/)(rails|bootsnap)$/.test(args[1] ?? '')) || (/(^|\/)bootsnap$/.test(cmd) && args[0] === 'precompile');
        if (railsRun && cwd !== undefined && cwd !== '/' && !rails.has(cwd)) rails.set(cwd, `RUN ${argv.join(' ')} (line ${line(ins)})`);
      }
    } else if ((ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') && wd.finalKnown && wd.final !== '/') {
      const words = ins.json ?? ins.args;
      const text = words.join(' ');
      if (/(^|[\s/])artisan(\s|$)/.test(text) && !laravel.has(wd.final)) laravel.set(wd.final, `${ins.keyword} ${text} (line ${line(ins)})`);
      if (/(^|[\s/])(bin\/)?rails\s+(s|server)\b/.test(text) && !rails.has(wd.final)) rails.set(wd.final, `${ins.keyword} ${text} (line ${line(ins)})`);
    }
  }
  const out: FrameworkWrite[] = [];
  for (const [root, how] of laravel) {
    if (root === '/' || isSystemPath(root)) continue;
    out.push({ path: `${root}/storage`, root, use: 'data', declaredBy: `Laravel's storage/ (logs, sessions, file cache, uploads) of the app at ${root} (${how})` });
    out.push({ path: `${root}/bootstrap/cache`, root, use: 'scratch', declaredBy: `Laravel's bootstrap/cache (package and route caches it rebuilds when missing) of the app at ${root} (${how})` });
  }
  for (const [root, how] of rails) {
    if (isSystemPath(root)) continue;
    out.push({ path: `${root}/tmp`, root, use: 'scratch', declaredBy: `Rails' tmp/ (pid files, caches) of the app at ${root} (${how})` });
    out.push({ path: `${root}/log`, root, use: 'scratch', declaredBy: `Rails' log/ of the app at ${root} (${how})` });
    out.push({ path: `${root}/storage`, root, use: 'data', declaredBy: `Rails' storage/ (Active Storage's local files, SQLite databases) of the app at ${root} (${how})` });
  }
  return out;
}

/** The non-root owner the build gives the app's root `root` (or a tree holding it), if any: who the framework writes as when the image starts as root. */
function appTreeOwner(chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction> }, root: string): string | undefined {
  let owner: string | undefined;
  for (const op of ownershipOps(chain, escape, wd)) if (op.owner && (isUnder(root, op.path) || isUnder(op.path, root))) owner = op.owner;
  return owner;
}

interface OwnershipOp {
  path: string;
  /** The non-root user given the path (chown, COPY --chown); undefined for a chmod that lets anyone write. */
  owner?: string;
  how: string;
  instruction: DfInstruction;
  copy: boolean;
}

/** `chown` to a non-root user, `chmod` that lets others write (recursively, or a folder), and COPY/ADD --chown= to one, in build order, paths absolute. */
function ownershipOps(chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes?: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> }): OwnershipOp[] {
  const out: OwnershipOp[] = [];
  const line = (ins: DfInstruction) => ins.line + 1;
  const nonRoot = (spec: string) => {
    const user = spec.split(':')[0]!;
    return user !== '' && user !== 'root' && user !== '0' && !spec.includes('$');
  };
  for (const ins of chain) {
    const scope = wd.scopes?.get(ins);
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
      const raw = ins.flags.find((f) => f.name === 'chown')?.value;
      const spec = raw && scope ? expandWord(raw, scope) : raw;
      if (!spec || !nonRoot(spec)) continue;
      const dest = copyDest(ins, wd.before.get(ins) ?? '/', scope);
      const args = ins.json ?? ins.args;
      const written = args.at(-1)!;
      if (!dest || (wd.unsure.has(ins) && !written.startsWith('/'))) continue;
      // Files copied into a folder (`COPY --chown=node package.json server.js ./`) are given one by one: a program or a
      // manifest given so is no write (PROGRAM_FILE, MANIFEST_FILE); a folder or a renamed file is given whole.
      const sources = args.slice(0, -1);
      // The whole build context copied with --chown (`COPY --chown=app:app . /app`) is how Docker's own guide
      // gives the app its files without a second layer of chown: it says who owns the code, not that the app
      // writes into it. Only a part given on its own (a config file, a data folder) or a chown/chmod after
      // the copy says that.
      if (!ins.flags.some((f) => f.name === 'from') && sources.length && sources.every((src) => src === '.' || src === './')) continue;
      const intoFolder = /\/$|^\.$/.test(written) || sources.length > 1;
      const fileLike = (src: string) => /\.[A-Za-z0-9]+$/.test(src) || MANIFEST_FILE.test(path.posix.basename(src));
      if (intoFolder && sources.length && sources.every((src) => fileLike(src) && !/[*?[]/.test(src))) {
        for (const src of sources) {
          const file = path.posix.join(dest, path.posix.basename(src));
          out.push({ path: clean(file), owner: spec, how: `${ins.keyword} --chown=${raw} into ${file} (line ${line(ins)})`, instruction: ins, copy: true });
        }
        continue;
      }
      out.push({ path: clean(dest), owner: spec, how: `${ins.keyword} --chown=${raw} into ${dest} (line ${line(ins)})`, instruction: ins, copy: true });
      continue;
    }
    if (ins.keyword !== 'RUN') continue;
    for (const { argv, cwd } of runCommandsInFolders(ins, escape, wd)) {
      const [cmd, ...args] = argv as [string, ...string[]];
      if (cmd !== 'chown' && cmd !== 'chmod') continue;
      if (args.some((a) => a.startsWith('--reference'))) continue;
      const recursive = args.some((a) => a === '--recursive' || /^-[a-zA-Z]*R/.test(a));
      const words = args.filter((a) => !/^-[a-zA-Z]+$/.test(a) || (cmd === 'chmod' && /^-[rwxXst]+$/.test(a))).filter((a) => !a.startsWith('--'));
      const [spec, ...operands] = words.map((w) => (scope ? expandWord(w, scope) : w));
      if (!spec || !operands.length) continue;
      let owner: string | undefined;
      if (cmd === 'chown') {
        if (!nonRoot(spec)) continue;
        owner = spec;
      } else if (!recursive || !othersWrite(spec)) continue;
      for (const op of operands) {
        if (op.includes('$') || /[*?[]/.test(op) || (!op.startsWith('/') && cwd === undefined)) continue;
        out.push({ path: clean(path.posix.resolve(cwd ?? '/', op)), owner, how: `${cmd} ${argv.slice(1).join(' ')} (line ${line(ins)})`, instruction: ins, copy: false });
      }
    }
  }
  return out;
}

/** A folder the build gives to the root group (GID 0) with group write, and the steps that say so. */
export interface RootGroupWrite {
  path: string;
  how: string;
}

/** A chmod mode that lets the group write and leaves others out (`g=u`, `g+w`, `ug+rwX`, `775`, `2770`): others-write is anyone's already. */
function groupWriteOnly(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) {
    const bits = parseInt(mode, 8);
    return (bits & 0o020) !== 0 && (bits & 0o002) === 0;
  }
  let group = false;
  for (const clause of mode.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*|[ugo])$/.exec(clause);
    if (!m) return false;
    const [, who, op, perms] = m as unknown as [string, string, string, string];
    if (op === '-') continue;
    // `a`, `o` or no one named (umask decides) with w: anyone may write, not only the group.
    if ((who === '' || /[ao]/.test(who)) && (perms.includes('w') || perms === 'u')) return false;
    // `g=u` copies the owner's bits: the owner (root) writes, so the group does.
    if (who.includes('g') && (perms.includes('w') || perms === 'u')) group = true;
  }
  return group;
}

/**
 * Folders the build lays out for an arbitrary UID in the root group, the way OpenShift runs
 * images: `chgrp -R 0 DIR && chmod -R g=u DIR` (or `chown -R app:0`, `COPY --chown=app:root`,
 * then a chmod giving the group write). "For an image to support running as an arbitrary user,
 * directories and files that are written to by processes in the image must be owned by the root
 * group and be read/writable by that group" (OpenShift Container Platform, Creating images,
 * "Support arbitrary user ids": https://docs.openshift.com/container-platform/4.17/openshift_images/create-images.html#use-uid_create-images;
 * Kong's centos image did this for /usr/local/kong, where `kong prepare` writes at start). The
 * build says the app writes there, as whoever it runs as, through GID 0: a USER whose group is
 * not 0 cannot. Paths as written (absolute, or under a known folder); none with variables.
 */
export function rootGroupWrites(chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes?: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> }): RootGroupWrite[] {
  const rootGroup: { path: string; recursive: boolean; how: string; made?: boolean }[] = [];
  const groupWrite: { path: string; recursive: boolean; how: string }[] = [];
  const isRootGroup = (g: string) => g === '0' || g === 'root';
  const line = (ins: DfInstruction) => ins.line + 1;
  // Whether RUN runs as root here: a USER of the chain naming anyone else (or a variable) ends that.
  let runsAsRoot = true;
  for (const ins of chain) {
    const scope = wd.scopes?.get(ins);
    if (ins.keyword === 'USER') {
      const who = (ins.args[0] ?? '').split(':')[0]!;
      runsAsRoot = who === 'root' || who === '0';
      continue;
    }
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
      const raw = ins.flags.find((f) => f.name === 'chown')?.value;
      const spec = raw && scope ? expandWord(raw, scope) : raw;
      const group = spec?.split(':')[1];
      const dest = copyDest(ins, wd.before.get(ins) ?? '/', scope);
      if (spec && group !== undefined && isRootGroup(group) && dest && !(wd.unsure.has(ins) && !(ins.json ?? ins.args).at(-1)!.startsWith('/'))) {
        rootGroup.push({ path: clean(dest), recursive: true, how: `${ins.keyword} --chown=${raw} (line ${line(ins)})` });
      }
      continue;
    }
    if (ins.keyword !== 'RUN') continue;
    for (const { argv, cwd } of runCommandsInFolders(ins, escape, wd)) {
      const [cmd, ...args] = argv as [string, ...string[]];
      // A folder root makes is group root's (its primary group, GID 0): with a later chmod that gives the group write
      // (logto's `mkdir -p /etc/logto/packages/cli/alteration-scripts && chmod g+w …`, which `logto db seed` rewrites at
      // every start) the build lays it out for GID 0 as explicitly as a chgrp 0 would. The folder itself only: mkdir -p's
      // parents get no chmod from that step.
      if (cmd === 'mkdir' && runsAsRoot) {
        for (const dir of mkdirOperands(argv).map((d) => (scope ? expandWord(d, scope) : d))) {
          if (dir.includes('$') || /[*?[{]/.test(dir) || (!dir.startsWith('/') && cwd === undefined)) continue;
          rootGroup.push({ path: clean(path.posix.resolve(cwd ?? '/', dir)), recursive: false, how: `mkdir ${argv.slice(1).join(' ')} as root (line ${line(ins)})`, made: true });
        }
        continue;
      }
      if (cmd !== 'chgrp' && cmd !== 'chown' && cmd !== 'chmod') continue;
      if (args.some((a) => a.startsWith('--reference'))) continue;
      const recursive = args.some((a) => a === '--recursive' || /^-[a-zA-Z]*R/.test(a));
      const words = args.filter((a) => !/^-[a-zA-Z]+$/.test(a) || (cmd === 'chmod' && /^-[rwxXst]+$/.test(a))).filter((a) => !a.startsWith('--'));
      const [spec, ...operands] = words.map((w) => (scope ? expandWord(w, scope) : w));
      if (!spec || !operands.length) continue;
      const paths = operands.filter((op) => !op.includes('$') && !/[*?[]/.test(op) && (op.startsWith('/') || cwd !== undefined)).map((op) => clean(path.posix.resolve(cwd ?? '/', op)));
      const how = `${cmd} ${argv.slice(1).join(' ')} (line ${line(ins)})`;
      if (cmd === 'chmod') {
        if (groupWriteOnly(spec)) for (const p of paths) groupWrite.push({ path: p, recursive, how });
        continue;
      }
      const group = cmd === 'chgrp' ? spec : /[:.]/.test(spec) ? spec.split(/[:.]/)[1] : undefined;
      if (group === undefined || group === '') continue;
      if (isRootGroup(group)) {
        for (const p of paths) rootGroup.push({ path: p, recursive, how });
      } else {
        // Given to another group afterwards: no longer the root group's.
        for (const p of paths) for (let i = rootGroup.length - 1; i >= 0; i--) if (isUnder(rootGroup[i]!.path, p) && (recursive || rootGroup[i]!.path === p)) rootGroup.splice(i, 1);
      }
    }
  }
  const out: RootGroupWrite[] = [];
  for (const w of groupWrite) {
    if (isUnder(w.path, '/tmp') || isUnder(w.path, '/var/tmp') || isUnder(w.path, '/dev') || w.path === '/') continue;
    // A chgrp/chown to group 0 is the plainer reason; a folder root made counts where none names the group.
    const covers = (r: (typeof rootGroup)[number]) => r.path === w.path || (r.recursive && isUnder(w.path, r.path)) || (w.recursive && isUnder(r.path, w.path));
    const g = rootGroup.find((r) => covers(r) && !r.made) ?? rootGroup.find(covers);
    if (!g) continue;
    const at = isUnder(g.path, w.path) ? g.path : w.path;
    if (out.some((o) => o.path === at)) continue;
    out.push({ path: at, how: g.how === w.how ? w.how : `${g.how}, ${w.how}` });
  }
  return out;
}

/** The COPY/ADD or RUN that puts a tree holding `p` into the image (`COPY . /srv/app` for /srv/app/uploads), as a reason: what it puts under `p` is not known, but `p` is the build's. */
function insideTree(p: string, chain: readonly DfInstruction[], wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction> }, installed: { path: string }[]): string | undefined {
  for (const ins of chain) {
    if ((ins.keyword !== 'COPY' && ins.keyword !== 'ADD') || ins.heredocs.length) continue;
    const args = ins.json ?? ins.args;
    const raw = args[args.length - 1];
    if (args.length < 2 || !raw || raw.includes('$') || (!raw.startsWith('/') && wd.unsure.has(ins))) continue;
    const dest = copyDest(ins, wd.before.get(ins) ?? '/');
    if (dest && dest !== '/' && isUnder(p, dest)) return `${ins.keyword} into ${dest} (line ${ins.line + 1})`;
  }
  const run = installed.find((i) => i.path !== '/' && isUnder(p, i.path));
  return run ? `RUN puts files into ${run.path}` : undefined;
}

/** Whether a chmod mode lets users other than the owner and group write (`777`, `o+w`, `a+rwX`). */
function othersWrite(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) return (parseInt(mode, 8) & 0o002) !== 0;
  return mode.split(',').some((clause) => {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    return !!m && /[oa]/.test(m[1]!) && m[2] !== '-' && m[3]!.includes('w');
  });
}

/** Folders that hold installed dependencies (node_modules, pip's --user `.local`, composer's vendor, a virtualenv, gems). */
const DEPENDENCY_DIR = /^(node_modules|\.local|vendor|\.?venv|site-packages|gems|\.bundle|\.m2|\.gradle)$/;

/** Dependency manifests and lock files: read by the package manager at build time, not written by the app. */
const MANIFEST_FILE = /^(package(-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|npm-shrinkwrap\.json|requirements[\w.-]*\.txt|Pipfile(\.lock)?|pyproject\.toml|poetry\.lock|uv\.lock|Gemfile(\.lock)?|composer\.(json|lock)|go\.(mod|sum)|Cargo\.(toml|lock)|\.npmrc|\.yarnrc(\.yml)?)$/;

/** Files whose name says they are run, not written: giving one to a user (`chown app /entrypoint.sh`) says nothing about writes. */
const PROGRAM_FILE = /\.(sh|bash|py|rb|pl|js|mjs|cjs|php|jar|war|exe)$/i;

/**
 * Folders and files holding the build's files that the build gives to a
 * non-root user, or lets anyone write (ownershipOps): the app writes there at
 * run time, next to what the build put there (koel's `chown -R www-data:www-data
 * /var/www/html` after copying its release in; dashy's `COPY --chown=node:node
 * ... ./user-data/conf.yml`, which its UI rewrites). Only the app's own trees
 * count (not /tmp, not system folders, except /usr/src/<app>), and only where the
 * build put files (a COPY or a RUN that extracts, copies or builds into it, or the
 * COPY --chown itself): an empty folder given to the user is a mkdir'd data
 * folder or a HOME, declared as such. A program file given to the user is not a write.
 */
export function chownedByBuild(chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> }, installed: { path: string }[]): { path: string; owner?: string; how: string; holds: string }[] {
  // Once per run for a chain, its workdirs and what its RUNs install: read_only's write paths for each service of an
  // image and non-root-user's plan for it ask the same, in every pass (issue 13). Callers only read it.
  return chownedInRun.get(wd, { chain, escape, installed }, (w, inputs) => readChownedByBuild(inputs.chain, inputs.escape, w, inputs.installed));
}

/** chownedByBuild's answers by all they read: as installedInRun's, and the installed list (by identity: installedAtBuild's answer). */
const chownedInRun = new ParseMemo<
  { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> },
  { chain: readonly DfInstruction[]; escape: string; installed: { path: string }[] },
  { path: string; owner?: string; how: string; holds: string }[]
>(
  (a, b) => a.escape === b.escape && a.installed === b.installed && sameItems(a.chain, b.chain),
  (inputs) => ({ chain: inputs.chain.slice(), escape: inputs.escape, installed: inputs.installed }),
);

function readChownedByBuild(chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> }, installed: { path: string }[]): { path: string; owner?: string; how: string; holds: string }[] {
  const out: { path: string; owner?: string; how: string; holds: string }[] = [];
  // RUN lines that run as a non-root USER and build or install in a folder (`pnpm install` in /app after
  // `chown -R node:node /app` and `USER node`): the ownership was for the build, which says nothing about run time.
  const userBuilds: { path: string; after: DfInstruction }[] = [];
  let asUser = false;
  for (const ins of chain) {
    if (ins.keyword === 'FROM') asUser = false;
    if (ins.keyword === 'USER') asUser = !/^(root|0)(:.*)?$/.test(ins.args[0] ?? 'root');
    if (ins.keyword === 'RUN' && asUser) for (const i of installedAtBuild([ins], escape, wd)) if (i.build) userBuilds.push({ path: i.path, after: ins });
  }
  for (const op of ownershipOps(chain, escape, wd)) {
    const p = op.path;
    if (p === '/' || PROGRAM_FILE.test(p) || MANIFEST_FILE.test(path.posix.basename(p)) || (isSystemPath(p) && !(isUnder(p, '/usr/src') && p !== '/usr/src')) || isUnder(p, '/tmp') || isUnder(p, '/var/tmp')) continue;
    if (userBuilds.some((b) => isUnder(b.path, p) && chain.indexOf(b.after) > chain.indexOf(op.instruction))) continue;
    // Logs, caches, run files: the image's own knowledge and the scratch rules cover such folders (a log folder the
    // build fills with links to /dev/stdout is no data); installed dependencies given to the user are not written at run time.
    if (isScratchPath(p) || p.split('/').some((seg) => DEPENDENCY_DIR.test(seg))) continue;
    const holds = op.copy ? op.how : builtInto(p, chain, wd, installed) ?? insideTree(p, chain, wd, installed);
    if (!holds || out.some((o) => o.path === p)) continue;
    if (!op.copy && op.owner && emptyUntilContextCopy(op, chain, escape, wd)) continue;
    out.push({ path: p, ...(op.owner ? { owner: op.owner } : {}), how: op.how, holds });
  }
  return out;
}

/**
 * A `chown` of a folder nothing has put files in yet, whose files then come only from the whole build
 * context copied in with `--chown` to the same user (nickjj's examples: `chown python:python -R /app`
 * of the empty WORKDIR, `USER python`, `COPY --chown=python:python . .`): the same ownership as Docker's
 * guide gives the code with `COPY --chown=app:app . /app` (see ownershipOps), which says who owns the
 * code, not that the app writes into it.
 */
function emptyUntilContextCopy(op: OwnershipOp, chain: readonly DfInstruction[], escape: string, wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction>; scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> }): boolean {
  const at = chain.indexOf(op.instruction);
  const user = op.owner!.split(':')[0];
  // Files a RUN put there before the chown make the tree the build's; a RUN after it, as the user, is what the chown was for.
  if (chain.slice(0, at).some((ins) => ins.keyword === 'RUN' && installedAtBuild([ins], escape, wd).some((i) => isUnder(i.path, op.path)))) return false;
  let filled = false;
  for (const [n, ins] of chain.entries()) {
    if ((ins.keyword !== 'COPY' && ins.keyword !== 'ADD') || ins.heredocs.length) continue;
    const dest = copyDest(ins, wd.before.get(ins) ?? '/', wd.scopes.get(ins));
    if (!dest || dest === '/' || (!isUnder(dest, op.path) && !isUnder(op.path, dest))) continue;
    const args = ins.json ?? ins.args;
    const spec = ins.flags.find((f) => f.name === 'chown')?.value;
    const context = ins.keyword === 'COPY' && !ins.flags.some((f) => f.name === 'from') && args.length === 2 && (args[0] === '.' || args[0] === './');
    if (n < at || !context || dest !== op.path || !spec || expandWord(spec, wd.scopes.get(ins) ?? new Map()).split(':')[0] !== user) return false;
    filled = true;
  }
  return filled;
}

/**
 * Tools that read a variable at build time. HOME and the XDG variables are read
 * by nearly every tool, so any RUN counts for them; a script run by path may read
 * anything, so it counts for every variable.
 */
const READERS: Record<string, RegExp> = {
  HF_HOME: /^(python[\d.]*|huggingface-cli|hf|uv|poetry|pipenv|conda|torchrun|accelerate)$/,
  PIP_CACHE_DIR: /^(pip[\d.]*|python[\d.]*)$/,
  PIPENV_CACHE_DIR: /^pipenv$/,
  POETRY_CACHE_DIR: /^poetry$/,
  UV_CACHE_DIR: /^uvx?$/,
  npm_config_cache: /^(npm|npx|corepack|node)$/,
  YARN_CACHE_FOLDER: /^(yarn|corepack)$/,
  COMPOSER_CACHE_DIR: /^composer$/,
  GOCACHE: /^go$/,
  DENO_DIR: /^deno$/,
};
for (const v of ['HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'TRANSFORMERS_CACHE', 'SENTENCE_TRANSFORMERS_HOME', 'TORCH_HOME', 'MPLCONFIGDIR']) READERS[v] = READERS.HF_HOME!;
READERS.NPM_CONFIG_CACHE = READERS.npm_config_cache!;

function readsAtBuild(name: string, command: string): boolean {
  if (name === 'HOME' || name.startsWith('XDG_')) return true;
  if (command.includes('/') || /\.(sh|bash|py)$/.test(command)) return true;
  return READERS[name]?.test(command) ?? false;
}

/** Command names a RUN runs, `sh -c '…'` scripts included. */
function commandNames(script: string, depth = 0): string[] {
  const out: string[] = [];
  for (const argv of shellCommands(script)) {
    const [cmd, ...rest] = argv;
    if (!cmd) continue;
    const shell = /^(sh|bash|ash|dash|zsh)$/.test(cmd);
    const c = rest.indexOf('-c');
    if (shell && c >= 0 && rest[c + 1] !== undefined && depth < 3) out.push(...commandNames(rest[c + 1]!, depth + 1));
    else if (shell && rest[0] && !rest[0].startsWith('-')) out.push(rest[0]); // `sh ./setup.sh`: the script
    else out.push(cmd);
  }
  return out;
}

/**
 * The first instruction after `after` in `chain` that may read `name` while the
 * image is built, as a reason (`RUN at line 7 runs pip, which may read
 * PIP_CACHE_DIR at build time`), or undefined. home-cache-env keeps an ENV it
 * would edit for it; read-only counts the directory as filled by the build.
 */
export function laterBuildReader(df: DockerfileSource, name: string, after: DfInstruction, chain: readonly DfInstruction[]): string | undefined {
  const line = (ins: DfInstruction) => ins.line + 1;
  const mention = new RegExp(`\\$\\{?${name}\\b`);
  for (const ins of chain.slice(chain.indexOf(after) + 1)) {
    if (mention.test(ins.raw)) return `${ins.keyword} at line ${line(ins)} uses $${name}`;
    if (ins.keyword !== 'RUN') continue;
    const reader = commandNames(runScript(ins, df.parsed.escape)).find((c) => readsAtBuild(name, c));
    if (reader) return `RUN at line ${line(ins)} runs ${reader}, which may read ${name} at build time`;
  }
  return undefined;
}

/**
 * Folders under /etc whose owner decides what the system trusts or runs as root:
 * CA certificates, package signing keys and sources, login and sudo rules, the
 * dynamic linker's search path, cron. Giving one to the app user would let a
 * compromised app swap a CA or plant code, so a hardening fix never does.
 */
const TRUST_DIRS = [
  '/etc/ssl', '/etc/pki', '/etc/ca-certificates', '/etc/ssh', '/etc/sudoers.d', '/etc/pam.d', '/etc/security',
  '/etc/apt', '/etc/apk', '/etc/yum.repos.d', '/etc/dnf', '/etc/ld.so.conf.d', '/etc/cron.d', '/etc/crontabs', '/etc/profile.d',
  // The crontab spool of Debian's cron and BusyBox crond (Alpine links /var/spool/cron/crontabs to /etc/crontabs): a cron
  // daemon runs each crontab there as the user it is named after, so whoever owns the folder can add root's.
  '/var/spool/cron',
];

/** A path inside a folder whose owner decides what the system trusts (TRUST_DIRS). */
export function isTrustPath(p: string): boolean {
  return TRUST_DIRS.some((d) => isUnder(p, d));
}

/**
 * Whether what a start-up write puts in `dir` may be lost on restart (a tmpfs
 * under read_only). Read from a script: when its path says so (isScratchPath).
 * Seen in verify's baseline run: unless keptData found it holds data (a
 * database file, /var/lib/<x>, /data, /srv/<x>, a `data` folder), since what a
 * service writes at start before any request is overwhelmingly caches, run
 * files and rendered configuration.
 */
function scratchAtStart(w: StartWrite, dir: string): boolean {
  if (w.keeps) return false;
  return w.observed === true || isScratchPath(dir);
}

/**
 * The folders the web server images serve by default: nginx's `root /usr/share/nginx/html` (its default.conf,
 * https://github.com/nginxinc/docker-nginx/blob/master/stable/alpine-slim/Dockerfile) and httpd's DocumentRoot
 * /usr/local/apache2/htdocs (https://github.com/docker-library/httpd). Under /usr, but the app's own content.
 */
const WEB_ROOTS = ['/usr/share/nginx/html', '/usr/local/apache2/htdocs'];

/**
 * A folder of a served web root the build fills with the app's files (a COPY there, at or above it): a start that
 * writes a file there (an env.js rendered with envsubst, runtime-env-cra's runtime-env.js, `sed -i` on the built
 * bundle: SecObserve's frontend) writes the app's content, which its user may be given file by file.
 */
function servedWebRoot(dir: string, codeDirs: readonly string[]): boolean {
  return WEB_ROOTS.some((r) => isUnder(dir, r)) && codeDirs.some((c) => isUnder(dir, c) || isUnder(c, dir));
}

/**
 * A directory an app may be given because it writes there at start: anything two
 * levels deep or more (`/run/app`, `/etc/app`, `/var/lib/app`), but not the system's
 * own trees, world-writable ones (/tmp), /root, which the user cannot enter, nor
 * the folders that decide what the system trusts.
 */
function mayOwnAtStart(dir: string): boolean {
  if (dir.split('/').filter(Boolean).length < 2 || isTrustPath(dir)) return false;
  return !['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/boot', '/proc', '/sys', '/dev', '/tmp', '/var/tmp', '/root', '/run/lock'].some((p) => isUnder(dir, p));
}

// A start-up write says more than the mkdir the tool adds for it in the Dockerfile: it wins over data-dir.
// An install folder says what the image's own server does there: it wins over what the Dockerfile's RUN lines suggest.
// A framework's folder or a tree the build gives the user says more than a HOME or cache the tool guesses.
const RANK: WritePathKind[] = ['named-volume', 'volume', 'install', 'workdir', 'framework', 'chowned', 'home', 'cache', 'start-file', 'start-dir', 'data-dir'];

/**
 * One entry per path: the strongest declaration (RANK), with the others in
 * `alsoDeclaredAs`; sorted by path.
 * A HOME outside /home (`useradd -d /var/lib/app`) that RUN also makes is the
 * app's data, not a scratch home.
 */
/** `w` as an object of the one WritePath shape: every field, in declaration order (see `put`). */
function writePath(w: WritePath): WritePath {
  return {
    path: w.path,
    kind: w.kind,
    use: w.use,
    declaredBy: w.declaredBy,
    bakedBy: w.bakedBy,
    mountedBy: w.mountedBy,
    alsoDeclaredAs: w.alsoDeclaredAs,
    itself: w.itself,
    filesInPlace: w.filesInPlace,
    tree: w.tree,
    keeps: w.keeps,
    install: w.install,
    owner: w.owner,
  };
}

function strongest(declarations: WritePath[]): WritePath[] {
  const byPath = new Map<string, WritePath[]>();
  for (const w of declarations) {
    const list = byPath.get(w.path);
    if (list) list.push(w);
    else byPath.set(w.path, [w]);
  }
  const out: WritePath[] = [];
  for (const [p, list] of byPath) {
    const rank = (w: WritePath) => (w.kind === 'home' && !isUnder(p, '/home') && list.some((x) => x.kind === 'data-dir') ? RANK.length : RANK.indexOf(w.kind));
    const winner = [...list].sort((x, y) => rank(x) - rank(y))[0]!;
    const mountedBy = [...new Set(list.flatMap((w) => w.mountedBy ?? []))];
    const also = [...new Set(list.map((w) => w.kind))].filter((k) => k !== winner.kind);
    out.push(writePath({ ...winner, mountedBy: mountedBy.length ? mountedBy : winner.mountedBy, alsoDeclaredAs: also.length ? also : winner.alsoDeclaredAs }));
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/**
 * What the Dockerfile puts into the install folder `p`, as a reason (`COPY into
 * /usr/local/tomcat/webapps/ROOT.war (line 2)`), or undefined: a COPY/ADD at or
 * under it, a RUN that extracts, downloads, moves or copies files there. A
 * relative destination before any WORKDIR of the chain lands in the base
 * image's own WORKDIR, which is not known here: it counts when the folder's
 * own name ends it (`COPY app.war webapps/`), since that is where it leads in
 * an image whose WORKDIR is the install tree (tomcat, tomee).
 */
function builtInto(
  p: string,
  chain: readonly DfInstruction[],
  wd: { before: Map<DfInstruction, string>; unsure: Set<DfInstruction> },
  installed: { path: string }[],
): string | undefined {
  const line = (ins: DfInstruction) => ins.line + 1;
  const rel = path.posix.basename(p);
  for (const ins of chain) {
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const args = ins.json ?? ins.args;
    const raw = args[args.length - 1];
    if (args.length < 2 || !raw || raw.includes('$')) continue;
    const dest = copyDest(ins, wd.before.get(ins) ?? '/');
    if (dest && isUnder(dest, p)) return `${ins.keyword} into ${dest} (line ${line(ins)})`;
    if (!raw.startsWith('/') && wd.unsure.has(ins) && new RegExp(`(^|/)${rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/|$)`).test(raw.replace(/^\.\//, ''))) {
      return `${ins.keyword} into ${raw} in the base image's WORKDIR (line ${line(ins)})`;
    }
  }
  const run = installed.find((i) => isUnder(i.path, p));
  return run ? `RUN puts files into ${run.path}` : undefined;
}

/**
 * What the build puts under `p`, if anything: a WORKDIR or COPY/ADD destination
 * at or under it, a directory RUN makes below it, or an instruction after
 * `after` (the ENV that named it, the USER that switched to its owner) that may
 * read `name` at build time (laterBuildReader), and so write there.
 */
function buildContent(
  df: DockerfileSource,
  p: string,
  name: string,
  chain: readonly DfInstruction[],
  workdirBefore: Map<DfInstruction, string>,
  made: string[],
  after?: DfInstruction,
): string | undefined {
  for (const ins of chain) {
    const wd = workdirBefore.get(ins) ?? '/';
    if (ins.keyword === 'WORKDIR' && ins.args[0] && !ins.args[0].includes('$')) {
      const dir = path.posix.resolve(wd, ins.args[0]);
      if (isUnder(dir, p)) return `WORKDIR ${dir}`;
    }
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
      const dest = copyDest(ins, wd);
      if (dest && isUnder(dest, p)) return `${ins.keyword} into ${dest}`;
    }
  }
  const reader = after ? laterBuildReader(df, name, after, chain) : undefined;
  if (reader) return reader;
  const below = made.find((d) => d !== p && isUnder(d, p));
  return below ? `mkdir ${below}` : undefined;
}

/**
 * The declared write paths that concern one service running the image: all
 * but named-volume targets only other services mount (a mount point, not a
 * path this service writes), one entry per path.
 */
export function serviceWritePaths(
  opts: HardenOptions,
  s: ServiceLink,
  df: DockerfileSource,
  stage: DfStage,
  base: StageBase,
  services: ServiceLink[],
  start: StartWrite[] = [],
): WritePath[] {
  const { declarations } = imageWritePaths(opts, df, stage, base, services, start);
  // Another service's mount point (and the mkdir that makes it) is that service's; HOME or a cache there is still this one's.
  const othersMountPoint = (p: string) => declarations.some((w) => w.path === p && w.kind === 'named-volume') && !declarations.some((w) => w.path === p && w.kind === 'named-volume' && w.mountedBy?.includes(s.name));
  return strongest(declarations.filter((w) => !((w.kind === 'named-volume' || w.kind === 'data-dir' || w.kind === 'start-dir') && othersMountPoint(w.path))));
}

// ------------------------------------------------------------- who writes them

/** The user a service's process writes as: root, numeric IDs, or not known (a name no file of ours defines). */
export type Writer = { root: true } | { root: false; uid: number; gid?: number } | undefined;

/**
 * Who writes the service's declared paths: its compose `user:` when set, else
 * the image's USER, resolved to numbers through the users the Dockerfile
 * creates or the base image's known user. A tmpfs over a directory the image
 * has is root-owned with that directory's mode (runc keeps the mode, not the
 * owner), so a non-root writer needs it mounted with `uid=`/`gid=`.
 */
export function writerOf(s: ServiceLink, df: DockerfileSource, base: StageBase): Writer {
  const composeUser = s.effective.user;
  const written = typeof composeUser === 'string' || typeof composeUser === 'number' ? String(composeUser) : undefined;
  let user: string;
  if (written !== undefined) {
    user = written;
  } else {
    const u = effectiveUser(base);
    if (!u.known) return undefined;
    user = u.user;
  }
  return writerFromUser(user, base.facts, usersCreatedIn(base.chain, df.parsed.escape));
}

/**
 * A `name[:group]` user string as numbers: numeric parts as they are, a name
 * through the users the build creates (the last that matches) or the image's
 * known user; undefined when a part is a variable or a name nothing defines.
 */
export function writerFromUser(user: string, facts: ImageFacts | undefined, created: readonly { name: string; uid?: number; gid?: number }[] = []): Writer {
  const [name = '', group] = user.trim().split(':');
  if (name === 'root' || name === '0') return { root: true };
  if (name.includes('$') || (group ?? '').includes('$')) return undefined;
  const matching = created.filter((c) => c.name === name || String(c.uid) === name);
  const known = matching[matching.length - 1] ?? (facts?.existingUser && [facts.existingUser.name, String(facts.existingUser.uid)].includes(name) ? facts.existingUser : undefined);
  const uid = /^\d+$/.test(name) ? Number(name) : known?.uid;
  if (uid === undefined) return undefined;
  const gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : group === undefined ? known?.gid : undefined;
  return { root: false, uid, ...(gid !== undefined ? { gid } : {}) };
}

// ------------------------------------------------------- what the user must own

export interface OwnedPaths {
  /** Directories the user must own: created and chowned at build time (sorted). */
  dirs: string[];
  /**
   * Those of `dirs` that are volume mount points (VOLUME, a named volume) over a base image the knowledge table does not
   * know: the base may already hold folders there, root's, and a new volume copies them as they are. Chowned with -R.
   */
  deepDirs: string[];
  /** Those of `deepDirs` the start writes files anywhere below (WritePath.tree: `find DIR -exec sed -i`), code or not. */
  treeDirs: string[];
  /** Directories that hold code and that a start-up write needs writable: chowned themselves, not what is copied into them. */
  writableDirs: string[];
  /** Files written in place at start (a rendered config): created if missing and chowned. */
  files: string[];
  /** Named-volume targets under /root (mode 700): the user cannot reach them whoever owns them. */
  underRoot: string[];
  /** Where the app's code lives: WORKDIR and COPY destinations (not chowned unless --chown-workdir). */
  codeDirs: string[];
  /** Why each start-up path is owned, for findings (`mkdir /run/app (docker-entrypoint.sh line 4)`). */
  startReasons: string[];
}

/**
 * What the image's user must own: the declared write paths it can be given at
 * build time (imageWritePaths: VOLUMEs, named-volume targets, mkdir'd data
 * directories, what the start scripts and command create or write at start, the
 * folders of the base's install tree its server writes, the WORKDIR under
 * --chown-workdir), plus the home of a user the tool creates
 * (`makeHome`). HOME and caches are the user's home's. Code elsewhere stays root-owned.
 */
export function ownedPaths(
  opts: HardenOptions,
  df: DockerfileSource,
  stage: DfStage,
  base: StageBase,
  services: ServiceLink[],
  makeHome?: string,
  start: StartWrite[] = [],
): OwnedPaths {
  const { declarations, underRoot, codeDirs, startReasons } = imageWritePaths(opts, df, stage, base, services, start, makeHome);
  const chowned = new Set<string>(
    declarations
      .filter((w) => ['volume', 'named-volume', 'data-dir', 'workdir'].includes(w.kind) || (w.kind === 'install' && !w.install?.anyUser) || (w.kind === 'start-dir' && (!w.itself || w.filesInPlace || w.tree)))
      .map((w) => w.path),
  );
  if (makeHome) chowned.add(makeHome);
  const wanted = [...chowned];
  // A base not known here may fill a mount point (FrankenPHP's `mkdir -p /config/caddy /data/caddy` as root, under its
  // XDG_CONFIG_HOME=/config and XDG_DATA_HOME=/data): `chown USER /data` leaves /data/caddy root's, a fresh volume at /data
  // copies it so, and caddy as the user stops at `mkdir /data/caddy/pki: permission denied` (checked on the team engine with
  // a debian:bookworm-slim stand-in). A base the table knows (scratch and distroless too) holds no such folders unseen.
  const deep = new Set(!base.facts ? declarations.filter((w) => (w.kind === 'volume' || w.kind === 'named-volume') && chowned.has(w.path)).map((w) => w.path) : []);
  // A folder whose files the start rewrites anywhere below it: its subfolders (which the COPYs fill) must be the user's too.
  const tree = declarations.filter((w) => w.kind === 'start-dir' && w.tree && chowned.has(w.path)).map((w) => w.path);
  for (const t of tree) deep.add(t);
  const outside = (p: string) => !wanted.some((o) => isUnder(p, o));
  const of = (pred: (w: WritePath) => boolean) => [...new Set(declarations.filter(pred).map((w) => w.path))].filter(outside).sort();
  return {
    dirs: wanted.sort(),
    deepDirs: [...deep].sort(),
    treeDirs: [...new Set(tree)].sort(),
    writableDirs: of((w) => w.kind === 'start-dir' && w.itself === true && !w.filesInPlace && !w.tree),
    files: of((w) => w.kind === 'start-file'),
    underRoot,
    codeDirs,
    startReasons,
  };
}

/**
 * HOME of a user the tool creates. The creation command never makes it (its
 * guard may reuse a user the base already has at the UID), so it is always made
 * and chowned with the data directories.
 */
export function createdUserHome(userName: string): { home: string; makeHome: string } {
  const home = `/home/${userName}`;
  return { home, makeHome: home };
}

// ------------------------------------------------------------ HOME and caches

export interface HomeCacheRedirects {
  /** The image's user, as written. */
  user: string;
  /** HOME and cache variables whose last value is under /root, with the ENV that set it. */
  wrong: { name: string; value: string; instruction: DfInstruction; valueRange?: [number, number] }[];
  /** New values: HOME to the user's home; caches to a cache volume, else under the home, else /tmp. */
  moves: [string, string][];
  /** Variables that cannot move: HOME when the user's home is not known. */
  unfixable: string[];
}

/**
 * Where HOME and cache variables go when a non-root image still points them
 * under /root (which the user cannot write). Undefined for root images (the
 * user comes first) and for images with nothing under /root.
 */
export function homeCacheRedirects(df: DockerfileSource, { base, services }: ImageStage): HomeCacheRedirects | undefined {
  const user = effectiveUser(base);
  if (!user.known || user.root) return undefined;
  const chain = base.chain;
  // A loop, not map().filter().map(): the empty result (most images) and a full one were arrays of
  // two element kinds, and the optimised code deoptimised on whichever came second (issue 13).
  const wrong: { name: string; value: string; instruction: DfInstruction; valueRange?: [number, number] }[] = [];
  for (const name of ['HOME', ...CACHE_VARIABLES]) {
    const set = lastEnv(chain, name);
    if (set && isUnderRoot(set.value)) wrong.push({ name, value: set.value, instruction: set.instruction, valueRange: set.valueRange });
  }
  if (wrong.length === 0) return undefined;

  const home = userHome(df, chain, user.user, base.facts?.existingUser);
  const cacheVolume = cacheVolumeTarget(services, chownedPaths(df, chain));
  const moves: [string, string][] = [];
  const unfixable: string[] = [];
  for (const { name, value } of wrong) {
    const rest = value.slice('/root'.length);
    if (name === 'HOME') {
      if (home) moves.push([name, home]);
      else unfixable.push(name);
      continue;
    }
    // A named volume for caches keeps them across restarts; else the user's home; else /tmp, which anyone may write.
    if (cacheVolume) moves.push([name, cacheVolume + rest.replace(/^\/\.cache(?=\/|$)/, '')]);
    else moves.push([name, (home ?? '/tmp') + rest]);
  }
  return { user: user.user, wrong, moves, unfixable };
}

/** The user's home: HOME from ENV (when it is not under /root), else what useradd/adduser named, else the base image's account's (knowledge). */
export function userHome(df: DockerfileSource, chain: DfStage[], user: string, existing?: ImageUser): string | undefined {
  const env = lastEnv(chain, 'HOME');
  if (env && env.value.startsWith('/') && !isUnderRoot(env.value) && !env.value.includes('$')) return env.value;
  const name = user.split(':')[0];
  const created = usersCreatedIn(chain, df.parsed.escape).filter((u) => u.name === name || String(u.uid) === name);
  const made = created[created.length - 1];
  if (made) return made.home;
  return existing?.home && (existing.name === name || String(existing.uid) === name) ? existing.home : undefined;
}

/**
 * A named volume a service mounts for caches (its target names a cache) that the
 * image chowns: a new volume copies that ownership, so the user can write it.
 */
function cacheVolumeTarget(services: ServiceLink[], chowned: string[]): string | undefined {
  for (const s of services) {
    for (const m of s.volumes) {
      const target = m.target.replace(/(.)\/$/, '$1');
      if (m.type !== 'volume' || m.readOnly || !/cache/i.test(target) || !target.startsWith('/') || isUnderRoot(target)) continue;
      if (chowned.includes(target)) return target;
    }
  }
  return undefined;
}

/** Operands of every `chown` in the chain's RUN lines. */
function chownedPaths(df: DockerfileSource, chain: DfStage[]): string[] {
  const out: string[] = [];
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN') continue;
    for (const argv of runCommands(ins, df.parsed.escape)) {
      if (argv[0] !== 'chown') continue;
      out.push(...argv.slice(2).filter((a) => a.startsWith('/')).map((a) => a.replace(/(.)\/$/, '$1')));
    }
  }
  return out;
}
