// What a dependency install at start writes (`npm ci`, `pnpm install`, `composer install`, `bundle install`,
// `pip install`, `poetry install`, `go mod download`, `mix deps.get`, read by src/start-scripts.ts as DepInstall and
// pipInstalls): the project's dependency folder and the package manager's store or cache, where each tool keeps them by
// default and which variable moves them. compose/read-only asks whether a read-only root leaves them writable;
// dockerfile/non-root-user whether the user it would add can write them. Facts, by tool:
//  - npm: node_modules in the project, the cache in ~/.npm (npm_config_cache): https://docs.npmjs.com/cli/v10/configuring-npm/folders#cache
//  - pnpm: node_modules, the store in $PNPM_HOME/store, else $XDG_DATA_HOME/pnpm/store, else ~/.local/share/pnpm/store
//    (https://pnpm.io/settings#storedir), and its metadata cache in $XDG_CACHE_HOME/pnpm or ~/.cache/pnpm (https://pnpm.io/settings#cachedir)
//  - yarn (v1): node_modules and the cache in YARN_CACHE_FOLDER or ~/.cache/yarn (https://classic.yarnpkg.com/en/docs/cli/cache)
//  - composer: vendor/ and COMPOSER_CACHE_DIR, else $COMPOSER_HOME/cache, else ~/.cache/composer (https://getcomposer.org/doc/03-cli.md#composer-cache-dir)
//  - bundle: the gem folder, BUNDLE_PATH or GEM_HOME (https://bundler.io/v2.5/man/bundle-config.1.html)
//  - pip: site-packages of the Python it runs with (VIRTUAL_ENV when one is active); when that is not writable pip falls
//    back to a user install in ~/.local ("Defaulting to user installation because normal site-packages is not writeable",
//    https://pip.pypa.io/en/stable/user_guide/#user-installs); its cache in PIP_CACHE_DIR or ~/.cache/pip (https://pip.pypa.io/en/stable/topics/caching/)
//  - poetry: the active virtualenv (VIRTUAL_ENV), else with POETRY_VIRTUALENVS_CREATE=false the system Python's
//    site-packages, else .venv in the project (POETRY_VIRTUALENVS_IN_PROJECT=true) or POETRY_VIRTUALENVS_PATH, else
//    {cache-dir}/virtualenvs; cache-dir is POETRY_CACHE_DIR or ~/.cache/pypoetry (https://python-poetry.org/docs/configuration/)
//  - go mod download: the module cache, GOMODCACHE, else the first GOPATH entry's pkg/mod, GOPATH defaulting to ~/go
//    (`go help environment`, `go help gopath`)
//  - mix deps.get: deps/ in the project (MIX_DEPS_PATH) and Hex's package cache in HEX_HOME, else ~/.hex
//    (https://hexdocs.pm/mix/Mix.html#module-environment-variables, https://hexdocs.pm/hex/Mix.Tasks.Hex.Config.html)
import path from 'node:path';
import { depInstall, type DepInstall } from './start-scripts.js';
import { chainInstructions, lastEnv, runCommands, workdirs, type StageBase } from './dockerfile-info.js';
import { copyDest, isUnder, isUnderRoot } from './write-paths.js';
import type { DfInstruction, DfStage } from './parse/dockerfile.js';
import type { Project, ServiceLink } from './model.js';
import { copyMappings, mountMappings, resolveContainerPath } from './nginx-files.js';

/** Variables that move where a dependency install writes (read from the image's ENV and the service's environment). */
export const DEP_INSTALL_VARIABLES = [
  'HOME',
  'NPM_CONFIG_CACHE',
  'npm_config_cache',
  'PNPM_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'YARN_CACHE_FOLDER',
  'COMPOSER_HOME',
  'COMPOSER_CACHE_DIR',
  'BUNDLE_PATH',
  'GEM_HOME',
  'VIRTUAL_ENV',
  'PIP_CACHE_DIR',
  'COREPACK_HOME',
  'POETRY_VIRTUALENVS_CREATE',
  'POETRY_VIRTUALENVS_IN_PROJECT',
  'POETRY_VIRTUALENVS_PATH',
  'POETRY_CACHE_DIR',
  'GOPATH',
  'GOMODCACHE',
  'MIX_DEPS_PATH',
  'HEX_HOME',
] as const;

/** Variables whose value is a setting, not a folder. */
const SETTINGS = new Set(['POETRY_VIRTUALENVS_CREATE', 'POETRY_VIRTUALENVS_IN_PROJECT']);

/**
 * The variables of DEP_INSTALL_VARIABLES as the container sees them: the image's value (`fromImage`), then the
 * service's environment over it. A folder variable counts only as an absolute path with no variable left in it; one
 * the service sets otherwise (relative, `${X}`) is not known and drops the image's value.
 */
export function depInstallEnvironment(fromImage: (name: string) => string | undefined, fromService: ReadonlyMap<string, { value?: string }> = new Map()): Map<string, string> {
  const env = new Map<string, string>();
  const usable = (name: string, v: string | undefined) => v !== undefined && (SETTINGS.has(name) ? v !== '' && !v.includes('$') : v.startsWith('/') && !v.includes('$'));
  for (const name of DEP_INSTALL_VARIABLES) {
    const v = fromImage(name);
    if (usable(name, v)) env.set(name, v!);
  }
  for (const name of DEP_INSTALL_VARIABLES) {
    const v = fromService.get(name);
    if (!v) continue;
    if (usable(name, v.value)) env.set(name, v.value!);
    else env.delete(name);
  }
  return env;
}

/** One folder a dependency install writes: an absolute path, or words saying what it is when that is not known here. */
export interface DepWrite {
  path: string;
  /** corepack's download of one package manager (a few MB), which a small tmpfs holds; dependency folders and caches are not. */
  small: boolean;
  /** The install, `pnpm install (startup-web.sh line 14)`. */
  how: string;
  why: string;
}

const NOT_KNOWN_FOLDER = 'a folder not known here (a global install, or one after a cd)';

/**
 * The folders the start's dependency installs write. `home`: HOME of whoever runs the start (undefined: not known, the
 * folders under it are named `~/…`). `corepack`: the build ran `corepack enable` without fetching a version, so a pnpm
 * or yarn run downloads itself first. `asRoot`: pip writes site-packages as root; as a user it falls back to ~/.local.
 * `inImage`: whether the container has a file there (the build's COPYs, the service's bind mounts); not known: no.
 */
export function depInstallWrites(
  deps: readonly DepInstall[],
  pips: readonly string[],
  env: ReadonlyMap<string, string>,
  home: string | undefined,
  corepack: boolean,
  asRoot: boolean,
  inImage: (file: string) => boolean = () => false,
): DepWrite[] {
  const inHome = (rel: string) => (home ? path.posix.join(home, rel) : `~/${rel}`);
  const cacheHome = env.get('XDG_CACHE_HOME') ?? inHome('.cache');
  const out: DepWrite[] = [];
  const add = (p: string | undefined, small: boolean, how: string, why = '') => out.push({ path: p ?? NOT_KNOWN_FOLDER, small, how, why });
  const corepackHome = env.get('COREPACK_HOME') ?? path.posix.join(cacheHome, 'node/corepack');
  const isTrue = (name: string) => /^(1|true)$/i.test(env.get(name) ?? '');
  const isFalse = (name: string) => /^(0|false)$/i.test(env.get(name) ?? '');
  for (const d of deps) {
    if (d.tool === 'corepack') {
      if (/^corepack enable/.test(d.how)) add('the folder node is installed in (its pnpm/yarn shims)', false, d.how);
      add(corepackHome, true, d.how, 'corepack downloads package managers there');
      continue;
    }
    if ((d.tool === 'pnpm' || d.tool === 'yarn') && corepack) add(corepackHome, true, `${d.how}, which corepack downloads on first use (corepack enable in the Dockerfile)`, `corepack downloads ${d.tool} there (corepack enable in the Dockerfile) for ${d.how.replace(/ \(.*$/, '')}`);
    if (!d.installs) continue;
    const inProject = (rel: string) => (d.dir ? path.posix.join(d.dir, rel) : undefined);
    // The lock file it writes in the project, where the container has none (or in any case for an update).
    const lock = d.lockFile && inProject(d.lockFile.name);
    if (lock && (d.lockFile!.always || !inImage(lock))) add(lock, false, d.how, `${d.how.replace(/ \(.*$/, '')} writes ${d.lockFile!.name}${d.lockFile!.always ? '' : ' where the image has none'}`);
    switch (d.tool) {
      case 'bundle':
        add(env.get('BUNDLE_PATH') ?? env.get('GEM_HOME') ?? 'the gem folder (no BUNDLE_PATH or GEM_HOME set)', false, d.how);
        break;
      case 'poetry': {
        const venv = env.get('VIRTUAL_ENV');
        if (venv) add(venv, false, d.how);
        else if (isFalse('POETRY_VIRTUALENVS_CREATE')) add("Python's site-packages (POETRY_VIRTUALENVS_CREATE=false)", false, d.how);
        else if (isTrue('POETRY_VIRTUALENVS_IN_PROJECT')) add(inProject('.venv'), false, d.how);
        else add(env.get('POETRY_VIRTUALENVS_PATH') ?? path.posix.join(env.get('POETRY_CACHE_DIR') ?? path.posix.join(cacheHome, 'pypoetry'), 'virtualenvs'), false, d.how);
        add(env.get('POETRY_CACHE_DIR') ?? path.posix.join(cacheHome, 'pypoetry'), false, d.how);
        break;
      }
      case 'go': {
        const gopath = env.get('GOPATH')?.split(':')[0];
        add(env.get('GOMODCACHE') ?? path.posix.join(gopath && gopath.startsWith('/') ? gopath : inHome('go'), 'pkg/mod'), false, d.how);
        break;
      }
      case 'mix':
        add(env.get('MIX_DEPS_PATH') ?? inProject('deps'), false, d.how);
        add(env.get('HEX_HOME') ?? inHome('.hex'), false, d.how);
        break;
      default:
        add(inProject(d.tool === 'composer' ? 'vendor' : 'node_modules'), false, d.how);
        if (d.tool === 'npm') add(env.get('NPM_CONFIG_CACHE') ?? env.get('npm_config_cache') ?? inHome('.npm'), false, d.how);
        if (d.tool === 'pnpm') {
          add(env.get('PNPM_HOME') ? path.posix.join(env.get('PNPM_HOME')!, 'store') : path.posix.join(env.get('XDG_DATA_HOME') ?? inHome('.local/share'), 'pnpm/store'), false, d.how);
          add(path.posix.join(cacheHome, 'pnpm'), false, d.how);
        }
        if (d.tool === 'yarn') add(env.get('YARN_CACHE_FOLDER') ?? path.posix.join(cacheHome, 'yarn'), false, d.how);
        if (d.tool === 'composer') add(env.get('COMPOSER_CACHE_DIR') ?? (env.get('COMPOSER_HOME') ? path.posix.join(env.get('COMPOSER_HOME')!, 'cache') : path.posix.join(cacheHome, 'composer')), false, d.how);
    }
  }
  for (const p of pips) {
    add(env.get('VIRTUAL_ENV') ?? (asRoot ? "Python's site-packages" : inHome('.local')), false, p, env.has('VIRTUAL_ENV') || asRoot ? '' : "pip's user install: site-packages is root's");
    add(env.get('PIP_CACHE_DIR') ?? path.posix.join(cacheHome, 'pip'), false, p);
  }
  return out;
}

/** The folder in the project an install fills, by tool (the defaults above); poetry's only with its virtualenv in the project. */
function projectFolderOf(d: DepInstall, inProjectVenv: boolean): string | undefined {
  if (!d.installs || !d.dir) return undefined;
  switch (d.tool) {
    case 'npm':
    case 'pnpm':
    case 'yarn':
      return path.posix.join(d.dir, 'node_modules');
    case 'composer':
      return path.posix.join(d.dir, 'vendor');
    case 'poetry':
      return inProjectVenv ? path.posix.join(d.dir, '.venv') : undefined;
    case 'mix':
      return path.posix.join(d.dir, 'deps');
    default:
      return undefined;
  }
}

/**
 * Where the image's build puts something into `folder` (or the folder itself): a RUN that installs into it (`npm ci`
 * in its folder, `composer install`, `poetry install` with POETRY_VIRTUALENVS_IN_PROJECT), or a COPY/ADD whose
 * destination is it or inside it (`COPY --from=deps /app/node_modules ./node_modules`). A RUN whose cache mount
 * (`--mount=type=cache,target=…`) covers the folder leaves nothing there in the image. The instruction's line, or
 * undefined. A start's install guarded by a test of that folder (DepInstall.unlessFilled) then does not run, unless
 * a mount over the folder hides what the build put there.
 */
export function buildFillsFolder(chain: DfStage[], escape: string, buildArgs: Record<string, string> | undefined, globalArgs: Map<string, string | undefined> | undefined, folder: string): string | undefined {
  const dirs = workdirs(chain, buildArgs, globalArgs);
  const inProjectVenv = /^(1|true)$/i.test(lastEnv(chain, 'POETRY_VIRTUALENVS_IN_PROJECT')?.value ?? '');
  const under = (p: string, d: string) => p === d || p.startsWith(d.endsWith('/') ? d : `${d}/`);
  for (const ins of chainInstructions(chain)) {
    const workdir = dirs.before.get(ins) ?? '/';
    if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const dest = copyDest(ins, workdir, dirs.scopes.get(ins));
      if (dest && under(dest, folder)) return `${ins.keyword} at line ${ins.line + 1}`;
      continue;
    }
    if (ins.keyword !== 'RUN') continue;
    const cached = [...ins.raw.matchAll(/--mount=\S*\btype=cache\S*/g)].some((m) => {
      const target = /(?:^|,)(?:target|dst|destination)=([^,\s]+)/.exec(m[0].replace(/^--mount=/, ''))?.[1];
      return !!target && under(folder, path.posix.resolve(workdir, target));
    });
    if (cached) continue;
    let cwd = workdir;
    for (const argv of runCommands(ins, escape)) {
      if (argv[0] === 'cd') {
        const to = argv[1];
        cwd = to && !/[$~`*?]/.test(to) && to !== '-' ? path.posix.resolve(cwd, to) : '';
        continue;
      }
      if (!cwd) continue;
      const here = cwd;
      const d = depInstall(argv, `line ${ins.line + 1}`, (w) => (w === '.' ? here : undefined));
      const filled = d && projectFolderOf(d, inProjectVenv);
      if (filled && filled === folder) return `${d.how.replace(/ \(.*$/, '')} (RUN at line ${ins.line + 1})`;
    }
  }
  return undefined;
}

/**
 * The installs of `deps` that run in a container of the image built by `chain`: an install guarded by a test of its
 * folder (DepInstall.unlessFilled, `[ -d node_modules ] || npm ci`) does not run where the build filled that folder
 * (buildFillsFolder), unless one of `mounted` (the service's volumes, bind mounts and tmpfs) lies over it: a fresh
 * volume or tmpfs is empty, a bind mount is the host's folder. One decision for dockerfile/non-root-user (can the user
 * write what runs) and compose/read-only (does a read-only root leave it writable).
 */
export function depInstallsThatRun(
  deps: readonly DepInstall[],
  chain: DfStage[] | undefined,
  escape: string,
  buildArgs: Record<string, string> | undefined,
  globalArgs: Map<string, string | undefined> | undefined,
  mounted: readonly string[],
): DepInstall[] {
  return deps.filter((d) => !d.unlessFilled || !chain || mounted.some((m) => isUnder(d.unlessFilled!, m)) || !buildFillsFolder(chain, escape, buildArgs, globalArgs, d.unlessFilled));
}

/** Where a service mounts something over the image (volumes, bind mounts, `tmpfs:` entries), which hides what the build put there. */
export function serviceMountTargets(s: ServiceLink): string[] {
  const tmpfs = s.effective.tmpfs;
  const entries = (typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs : []).filter((t): t is string => typeof t === 'string');
  return [...s.volumes.map((m) => m.target), ...entries.map((t) => t.split(':')[0]!.trim())].map((t) => t.replace(/\/+$/, '') || '/');
}

/** A variable of the image's environment: the build's last ENV of it, else the base image's own (ImageFacts.env: ruby's GEM_HOME, golang's GOPATH). */
export function imageEnvValue(base: StageBase | undefined, name: string): string | undefined {
  if (!base) return undefined;
  return lastEnv(base.chain, name)?.value ?? base.facts?.env?.[name];
}

/**
 * Whether a path lies in a folder of the base image any user may write (ImageFacts.anyoneWrites: ruby's
 * /usr/local/bundle, golang's /go, mode 1777 upstream) that the build left so. A RUN of the chain that runs a program
 * filling that folder (`bundle install`, `gem install`, `go build`) leaves root-owned subfolders such as gems/ and
 * pkg/mod/ whose names are not known here: none of the folder counts then. A COPY/ADD into it makes its destination
 * and the folders above it root's: a path beside them (/go/pkg/mod beside /go/src/app) still counts, one in them does
 * not; a destination not known here, or the folder itself, rules it all out. Nothing counts for a base built here from
 * another Dockerfile, whose build is not read here.
 */
export function baseAnyoneWrites(base: StageBase, escape: string): (p: string) => boolean {
  const rows = base.facts?.anyoneWrites ?? [];
  if (!rows.length || base.builtFrom) return () => false;
  const dirs = workdirs(base.chain, base.buildArgs, base.globalArgs);
  const ins = chainInstructions(base.chain);
  // The first folder below `root` on the way to `p` (undefined for `root` itself).
  const childOf = (p: string, root: string) => path.posix.relative(root, p).split('/')[0] || undefined;
  const open = rows.flatMap((row) => {
    const taken = new Set<string>();
    for (const i of ins) {
      if (i.keyword === 'COPY' || i.keyword === 'ADD') {
        const dest = copyDest(i, dirs.before.get(i) ?? '/', dirs.scopes.get(i));
        if (!dest) return [];
        if (!isUnder(dest, row.path)) continue;
        const child = childOf(dest, row.path);
        if (!child) return [];
        taken.add(child);
      }
      if (i.keyword === 'RUN' && runCommands(i, escape).some((argv) => argv.some((w) => row.filledBy.includes(path.posix.basename(w))))) return [];
    }
    return [{ root: row.path, taken }];
  });
  return (p) => open.some(({ root, taken }) => isUnder(p, root) && !taken.has(childOf(p, root) ?? ''));
}

/**
 * Whether a container of the image built from `dockerfile` (the chain of `base`), run as `svc`, has a file at a path:
 * one a COPY/ADD of the build brings from the repository, or a bind mount of the service shows (DepInstall.lockFile).
 * A file the build makes in a RUN, or one on a named volume, is not seen here: no.
 */
export function containerHasFile(project: Project, dockerfile: string | undefined, base: StageBase | undefined, svc?: ServiceLink): (file: string) => boolean {
  const mappings = [...(dockerfile && base ? copyMappings(project, dockerfile, new Set(base.chain.map((st) => st.index))) : []), ...(svc ? mountMappings(project, svc) : [])];
  return (file) => resolveContainerPath(mappings, file)?.exists === true;
}

/**
 * `corepack enable` in the build and the first RUN at or after it that runs pnpm or yarn (or has corepack fetch one:
 * `corepack prepare|install|pnpm|yarn`), which leaves that tool in the COREPACK_HOME of whoever ran it.
 */
export function corepackInBuild(chain: DfStage[], escape: string): { enable: DfInstruction; fetched?: DfInstruction } | undefined {
  const runs = chainInstructions(chain).filter((i) => i.keyword === 'RUN');
  const enable = runs.find((i) => runCommands(i, escape).some((w) => w[0] === 'corepack' && w.includes('enable')));
  if (!enable) return undefined;
  const fetched = runs.find((i) => i.start >= enable.start && runCommands(i, escape).some((w) => w[0] === 'pnpm' || w[0] === 'yarn' || (w[0] === 'corepack' && /^(prepare|install|pnpm|yarn)$/.test(w[1] ?? ''))));
  return { enable, ...(fetched ? { fetched } : {}) };
}

/**
 * Whether a pnpm/yarn the start runs is one corepack downloads then: the build enabled corepack and did not fetch the
 * version itself (corepack prepare/install), or fetched it only into a HOME of its own. A build that ran the tool with
 * COREPACK_HOME set outside /root (an image ENV, the same at start) left it where every user's corepack finds it:
 * corepack runs that copy and writes nothing (team engine, corepack 0.34.6 on Debian's nodejs 18.20.4, pnpm 9.15.0 in a
 * root-owned COREPACK_HOME: UID 1000 ran it with a read-only root and no network, rw-gaps41a).
 */
export function corepackFetchesAtStart(chain: DfStage[], escape: string): boolean {
  const built = chainInstructions(chain).filter((i) => i.keyword === 'RUN').map((i) => i.raw).join('\n');
  if (!/\bcorepack\s+enable\b/.test(built) || /\bcorepack\s+(prepare|install)\b/.test(built)) return false;
  const shared = lastEnv(chain, 'COREPACK_HOME');
  return !(shared && shared.value.startsWith('/') && !isUnderRoot(shared.value) && corepackInBuild(chain, escape)?.fetched);
}
