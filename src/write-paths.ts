// Paths an image writes, as the tool's own changes declare them, computed in
// one place for every transform that makes them writable or must keep them so:
//
//   dockerfile/non-root-user   creates and chowns them for the user it adds
//   dockerfile/home-cache-env  points HOME and cache variables at them
//   compose/read-only          covers them with a volume or tmpfs
//
// The sources of a write path are: the image's VOLUMEs, the targets of named
// volumes compose mounts, directories RUN makes with `mkdir` (that are not the
// app's code), paths the start scripts or command create or write at start,
// the HOME the tool sets or moves, the cache directories it redirects, and the
// WORKDIR under --chown-workdir.
//
// API (all pure; they read the model and never edit):
//   ownedPaths(opts, df, stage, base, services, makeHome, start)  what the image's user must own
//   (start: the start-up writes of start-scripts.ts's imageStartWrites)
//   createdUserHome(userName)                              HOME of a user the tool creates
//   homeCacheRedirects(df, image)                          HOME/cache variables moved off /root
//   isUnder, isSystemPath, copyDest, mkdirOperands          the path rules they share
import path from 'node:path';
import type { DockerfileSource, ServiceLink } from './model.js';
import type { DfInstruction, DfStage } from './parse/dockerfile.js';
import { effectiveInstructions } from './parse/dockerfile.js';
import type { HardenOptions } from './types.js';
import { chainInstructions, effectiveUser, lastEnv, runScript, usersCreatedIn, workdirs, type ImageStage, type StageBase } from './dockerfile-info.js';
import { shellCommands } from './knowledge/images.js';
import type { StartWrite } from './start-scripts.js';

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
const SYSTEM_PREFIXES = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/proc', '/sys', '/dev', '/boot', '/root', '/tmp', '/var/tmp', '/run', '/var/run', '/var/lib/apt', '/var/lib/dpkg', '/var/cache/apt', '/var/cache/apk', '/var/lib/rpm', '/var/cache/dnf', '/var/cache/yum'];
const SHARED_ROOTS = new Set(['/', '/home', '/opt', '/srv', '/var', '/var/lib', '/var/log', '/var/cache', '/mnt', '/media']);

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

/** Destination of a COPY/ADD, absolute; undefined when it holds a variable. */
export function copyDest(ins: DfInstruction, workdir: string): string | undefined {
  const args = ins.json ?? ins.args;
  const dest = args[args.length - 1];
  if (args.length < 2 || !dest || dest.includes('$')) return undefined;
  return path.posix.resolve(workdir, dest);
}

/** Directory operands of `mkdir [-p] [-m MODE] [--mode=MODE] dir...`. */
export function mkdirOperands(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-m' || a === '--mode' || a === '-Z' || a === '--context') i++;
    else if (a === '--') continue;
    else if (!a.startsWith('-') && a !== '') out.push(a);
  }
  return out;
}

// ------------------------------------------------------- what the user must own

export interface OwnedPaths {
  /** Directories the user must own: created and chowned at build time (sorted). */
  dirs: string[];
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
 * What the image's user must own: VOLUMEs of the stage, targets of named volumes
 * compose mounts (a new volume copies the image's ownership), directories RUN
 * lines make with mkdir (also when one compose file bind-mounts over it: another
 * deployment may not), the home of a user the tool creates (`makeHome`), what the
 * start scripts and command create or write at start (`start`, from
 * start-scripts.ts's imageStart), and with --chown-workdir the WORKDIR. Code
 * elsewhere stays root-owned.
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
  const parsed = df.parsed;
  const wd = workdirs(base.chain);
  const codeDirs = new Set<string>();
  if (wd.final !== '/') codeDirs.add(wd.final);
  const chain = chainInstructions(base.chain);
  for (const ins of chain) {
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
      const dest = copyDest(ins, wd.before.get(ins) ?? '/');
      if (dest) codeDirs.add(dest);
    }
  }
  const wanted = new Set<string>();
  const add = (p: string) => {
    const clean = path.posix.normalize(p).replace(/(.)\/$/, '$1');
    if (!clean.startsWith('/') || /[$*?{}[\]]/.test(clean) || isSystemPath(clean)) return;
    wanted.add(clean);
  };
  for (const ins of effectiveInstructions(stage)) {
    if (ins.keyword === 'VOLUME') for (const p of ins.json ?? ins.args) add(p);
  }
  const underRoot = new Set<string>();
  for (const s of services) {
    for (const m of s.volumes) {
      if (m.type !== 'volume') continue;
      if (isUnderRoot(m.target)) underRoot.add(m.target);
      else add(m.target);
    }
  }
  for (const ins of chain) {
    if (ins.keyword !== 'RUN') continue;
    for (const argv of shellCommands(runScript(ins, parsed.escape))) {
      if (argv[0] !== 'mkdir') continue;
      for (const dir of mkdirOperands(argv)) {
        const abs = path.posix.resolve(wd.before.get(ins) ?? '/', dir);
        // A directory that holds the app's code (WORKDIR, a COPY destination, or above one) is not data.
        if ([...codeDirs].some((c) => isUnder(c, abs))) continue;
        add(abs);
      }
    }
  }
  if (makeHome) wanted.add(makeHome);
  if (opts.chownWorkdir && wd.final !== '/') wanted.add(wd.final);

  // Start-up writes: a directory made at start is made now; a file written in place is owned
  // unless its directory already is; sed -i and sqlite need the directory itself writable.
  const writableDirs = new Set<string>();
  const files = new Set<string>();
  const startReasons: string[] = [];
  // A directory that holds code (WORKDIR, or above a COPY destination) exists already; one inside it is code too.
  const holdsCode = (p: string) => [...codeDirs].some((c) => isUnder(c, p));
  const inCode = (p: string) => [...codeDirs].some((c) => isUnder(p, c));
  const owned = (p: string) => [...wanted].some((d) => isUnder(p, d));
  for (const w of start) {
    const target = w.kind === 'dir' ? w.path : path.posix.dirname(w.path);
    if (!mayOwnAtStart(target)) continue;
    if (w.kind === 'dir') {
      if (holdsCode(w.path) || owned(w.path)) continue; // mkdir -p of a directory that is there already
      wanted.add(w.path);
    } else if (w.kind === 'file') {
      if (owned(w.path)) continue;
      files.add(w.path);
    } else {
      if (owned(target)) continue;
      if (holdsCode(target) || inCode(target)) writableDirs.add(target);
      else wanted.add(target);
    }
    if (!startReasons.includes(w.how)) startReasons.push(w.how);
  }
  return {
    dirs: [...wanted].sort(),
    writableDirs: [...writableDirs].filter((d) => ![...wanted].some((o) => isUnder(d, o))).sort(),
    files: [...files].filter((f) => ![...wanted].some((o) => isUnder(f, o))).sort(),
    underRoot: [...underRoot].sort(),
    codeDirs: [...codeDirs],
    startReasons,
  };
}

/**
 * A directory an app may be given because it writes there at start: anything two
 * levels deep or more (`/run/app`, `/etc/app`, `/var/lib/app`), but not the system's
 * own trees, world-writable ones (/tmp), nor /root, which the user cannot enter.
 */
function mayOwnAtStart(dir: string): boolean {
  if (dir.split('/').filter(Boolean).length < 2) return false;
  return !['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/boot', '/proc', '/sys', '/dev', '/tmp', '/var/tmp', '/root', '/run/lock'].some((p) => isUnder(dir, p));
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
  const wrong = ['HOME', ...CACHE_VARIABLES]
    .map((name) => ({ name, set: lastEnv(chain, name) }))
    .filter((v): v is { name: string; set: NonNullable<ReturnType<typeof lastEnv>> } => !!v.set && isUnderRoot(v.set.value))
    .map(({ name, set }) => ({ name, value: set.value, instruction: set.instruction, valueRange: set.valueRange }));
  if (wrong.length === 0) return undefined;

  const home = userHome(df, chain, user.user);
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

/** The user's home: HOME from ENV (when it is not under /root), else what useradd/adduser named. */
export function userHome(df: DockerfileSource, chain: DfStage[], user: string): string | undefined {
  const env = lastEnv(chain, 'HOME');
  if (env && env.value.startsWith('/') && !isUnderRoot(env.value) && !env.value.includes('$')) return env.value;
  const name = user.split(':')[0];
  const created = usersCreatedIn(chain, df.parsed.escape).filter((u) => u.name === name || String(u.uid) === name);
  return created[created.length - 1]?.home;
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
    for (const argv of shellCommands(runScript(ins, df.parsed.escape))) {
      if (argv[0] !== 'chown') continue;
      out.push(...argv.slice(2).filter((a) => a.startsWith('/')).map((a) => a.replace(/(.)\/$/, '$1')));
    }
  }
  return out;
}
