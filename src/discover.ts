// Finding the files to work on: walk each path argument, honour .gitignore
// files (nested ones too) and --exclude patterns, skip .git, node_modules and
// package managers' vendor/ copies of dependencies,
// never follow a symlink out of the root, and classify files by name. The same
// walk finds the evidence files (scripts, Makefiles, CI workflows, README,
// .env, bake files), which are read, never written.
import { promises as fs, closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { FileKind } from './types.js';
import { isInside, describeIoError, keepListing, type FileError, type PathKinds } from './read.js';
import { evidenceKind, mayBeShellScript, type EvidenceFile } from './evidence/sources.js';
import { isComposeByContent, MAX_COMPOSE_BYTES } from './compose-content.js';

export interface DiscoveredFile {
  path: string;
  kind: FileKind;
  /** The path argument (directory) it was found under; reads must stay inside it. */
  root: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  /** Files that say how the containers are built and run (read-only inputs; directory arguments only). */
  evidence: EvidenceFile[];
  /** Dockerfiles and compose files that --exclude (or configuration) kept out: never read. */
  skipped: string[];
  errors: FileError[];
  /** Directory of every path argument (for config lookup and relative patterns). */
  roots: string[];
  /** Decides whether a path (absolute) is excluded by --exclude or configuration. */
  isExcluded(file: string): boolean;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);
/**
 * A package manager's copy of third-party modules, as node_modules is: Go's `vendor/` (`go mod vendor` writes
 * vendor/modules.txt, https://go.dev/ref/mod#vendoring) and Composer's `vendor/` (vendor/autoload.php,
 * https://getcomposer.org/doc/01-basic-usage.md#autoloading). The compose files and Dockerfiles of a dependency
 * there (go-redis' test stack) are not this repository's: the next `go mod vendor` or `composer install` rewrites
 * them. So is the `vendor/` the Go tools before modules filled, known by the file beside it that lists what is
 * vendored: dep's Gopkg.lock (https://golang.github.io/dep/docs/Gopkg.lock.html: "dep ensure" writes vendor/ from
 * it), glide's glide.lock, godep's Godeps/Godeps.json, and govendor's vendor/vendor.json (lunemec/nanny's
 * vendor/golang.org/x/net/http2/Dockerfile, a curl build of x/net's own, was hardened as if it were nanny's).
 * A `vendor/` without those markers (Rails' vendor/, a project's own vendored assets) is walked.
 */
const VENDOR_MARKERS = new Set(['modules.txt', 'autoload.php', 'vendor.json']);
const VENDOR_LOCKS_BESIDE = ['Gopkg.lock', 'glide.lock', path.join('Godeps', 'Godeps.json')];
function isVendoredModules(name: string, dir: string): boolean {
  if (name !== 'vendor') return false;
  try {
    if (readdirSync(dir).some((f) => VENDOR_MARKERS.has(f))) return true;
  } catch {
    return false;
  }
  const parent = path.dirname(dir);
  return VENDOR_LOCKS_BESIDE.some((f) => existsSync(path.join(parent, f)));
}

/**
 * A project template (cookiecutter, copier: `{{cookiecutter.project_slug}}/`):
 * its files are Jinja, not YAML or Dockerfiles, until rendered. They are
 * counted as skipped, not reported as parse errors.
 */
const TEMPLATE_NAME = /\{\{|\{%/;
/**
 * A file a generator renders into a Dockerfile or compose file (`Dockerfile.template`
 * of the docker-library repositories, jq; `Dockerfile.tmpl`, Go; `docker-compose.tmpl.yml`,
 * `compose.j2.yaml`; `Dockerfile.in`, the input autoconf's `configure` and CMake's
 * `configure_file` substitute `@VAR@` into): not buildable as written, and an edit there is not what gets built.
 */
export const TEMPLATE_FILE = /\.(template|tmpl|tpl|j2|jinja2?|gotmpl|mustache|erb|in)(\.|$)/i;

/**
 * Why discovery counted a file as skipped without reading it, for --explain:
 * kept out by --exclude or configuration, a template by its name, or a file
 * under a project template folder.
 */
export function skipReason(file: string, isExcluded: (file: string) => boolean): { kind: 'template-name' | 'template-folder' | 'excluded'; reason: string } {
  if (isExcluded(file)) return { kind: 'excluded', reason: EXCLUDED };
  const name = path.basename(file);
  const m = TEMPLATE_FILE.exec(name);
  if (m) return { kind: 'template-name', reason: `is a template by its name (${m[0].replace(/\.$/, '')}): a generator renders it; what runs is its output` };
  if (file.split(/[\\/]/).some((part) => TEMPLATE_NAME.test(part))) return { kind: 'template-folder', reason: 'is in a project template (Jinja in its path, like {{cookiecutter.project_slug}}/): Jinja until rendered' };
  return { kind: 'excluded', reason: EXCLUDED }; // under an excluded folder
}
const EXCLUDED = 'excluded by --exclude or configuration: never read';

/** Classify a file by its name alone. */
export function kindFromName(name: string): FileKind | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.dockerignore')) return undefined;
  if (lower === 'dockerfile' || lower === 'containerfile') return 'dockerfile';
  if (/^(dockerfile|containerfile)\.[^/]+$/.test(lower)) return 'dockerfile';
  if (lower.endsWith('.dockerfile') || lower.endsWith('.containerfile')) return 'dockerfile';
  if (/^compose(\.[^/]+)?\.ya?ml$/.test(lower)) return 'compose';
  if (/^docker-compose[^/]*\.ya?ml$/.test(lower)) return 'compose';
  // The name Docker's swarm docs give a stack file (`docker stack deploy -c docker-stack.yml`); a bare `stack.yml` is too common a name to claim.
  if (/^docker-stack[^/]*\.ya?ml$/.test(lower)) return 'compose';
  return undefined;
}

export interface DiscoverOptions {
  /** gitignore-style patterns, relative to each path argument. */
  exclude: string[];
  /** A further exclusion (configuration files' `exclude`), asked about absolute paths. */
  excludeFile?: (file: string) => boolean;
  /**
   * Where to keep the listing of every folder the walk reads, for a run that
   * asks of those folders again while nothing is written (src/read.ts
   * keepListing: the model and the engine's passes list folders and stat
   * paths in them).
   */
  pathKinds?: PathKinds;
  /**
   * Told the number of files found so far, after each one: the driver bounds
   * the heap's growth from a size on while the walk still runs (src/heap.ts;
   * by the walk's end a large repository's young generation has grown).
   */
  onFound?: (count: number) => void;
}

export async function discover(paths: string[], cwd: string, opts: DiscoverOptions): Promise<Discovery> {
  const files: DiscoveredFile[] = [];
  const evidence: EvidenceFile[] = [];
  const skipped: string[] = [];
  const errors: FileError[] = [];
  const roots: string[] = [];
  const excluders: { root: string; ig: Ignore }[] = [];
  const seen = new Set<string>();

  // No --exclude patterns: nothing for the per-root matchers to find, and every walked path asks.
  const isExcluded = (file: string): boolean =>
    !!opts.excludeFile?.(file) ||
    (opts.exclude.length > 0 &&
      excluders.some(({ root, ig }) => {
        if (!isInside(root, file) || file === root) return false;
        return ig.ignores(toPosix(path.relative(root, file)));
      }));

  for (const arg of paths.length ? paths : ['.']) {
    const abs = path.resolve(cwd, arg);
    let stat;
    try {
      // Sync, as the walk's reads are: the first fs.promises call starts libuv's
      // four threadpool threads and waits on one, which a small run pays for
      // one stat (issue 13).
      stat = lstatSync(abs);
    } catch (err) {
      errors.push({ file: abs, message: describeIoError(err, 'cannot read') });
      continue;
    }
    if (stat.isDirectory()) {
      roots.push(abs);
      excluders.push({ root: abs, ig: ignore().add(opts.exclude) });
      let real = abs;
      try {
        real = realpathSync.native(abs);
      } catch {
        // unreadable: readdir in walk reports it
      }
      const yamlFiles: string[] = [];
      await walk(
        { root: abs, out: files, evidence, skipped, errors, seen, isExcluded, visitedReal: new Set(), kept: opts.pathKinds, onFound: opts.onFound, yamlFiles },
        abs,
        real,
        [],
        false,
      );
      for (const file of yamlFiles) if (composeByContent(file)) files.push({ path: file, kind: 'compose', root: abs });
    } else {
      // An explicit file: its folder is the root; the name decides the kind, else its content does.
      const root = path.dirname(abs);
      roots.push(root);
      excluders.push({ root, ig: ignore().add(opts.exclude) });
      if (isExcluded(abs)) {
        skipped.push(abs);
        continue;
      }
      const kind = kindFromName(path.basename(abs)) ?? (await sniffKind(abs));
      if (!kind) {
        errors.push({ file: abs, message: 'is neither a Dockerfile nor a compose file (by name or content)' });
        continue;
      }
      if (!seen.has(abs)) {
        seen.add(abs);
        files.push({ path: abs, kind, root });
        opts.onFound?.(files.length);
      }
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  evidence.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  skipped.sort();
  return { files, evidence, skipped, errors, roots, isExcluded };
}

interface IgnoreScope {
  dir: string;
  ig: Ignore;
}

interface WalkState {
  root: string;
  out: DiscoveredFile[];
  evidence: EvidenceFile[];
  skipped: string[];
  errors: FileError[];
  seen: Set<string>;
  isExcluded: (f: string) => boolean;
  /** Real paths of directories already walked: a symlink loop inside the root ends here. */
  visitedReal: Set<string>;
  /** Where the folders' listings are kept (DiscoverOptions.pathKinds). */
  kept?: PathKinds;
  onFound?: (count: number) => void;
  /** YAML files neither their name nor evidence classifies: compose files when their content says so (composeByContent). */
  yamlFiles: string[];
}

/**
 * Walk `dir`, whose real path is `real` (a folder reached without a symlink is
 * its parent's real path and its name: no realpath per folder). Under an
 * excluded directory, candidate files are only counted as skipped.
 */
async function walk(state: WalkState, dir: string, real: string, scopes: IgnoreScope[], excluded: boolean): Promise<void> {
  const { root, out, evidence, skipped, errors, seen, isExcluded, visitedReal } = state;
  if (visitedReal.has(real)) return; // a symlink loop inside the root
  visitedReal.add(real);

  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }); // sync: many small directories walk faster so
  } catch (err) {
    errors.push({ file: dir, message: describeIoError(err, 'cannot list') });
    return;
  }
  const gitignore = entries.find((e) => e.name === '.gitignore' && e.isFile());
  let here = scopes;
  if (gitignore) {
    try {
      const text = readFileSync(path.join(dir, '.gitignore'), 'utf8');
      here = [...scopes, { dir, ig: ignore().add(text) }];
    } catch {
      // An unreadable .gitignore only means nothing extra is ignored.
    }
  }
  const ignored = (abs: string, isDir: boolean) =>
    here.some(({ dir: d, ig }) => {
      const rel = relativeBelow(d, abs);
      return rel !== '' && ig.ignores(isDir ? rel + '/' : rel);
    });

  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (state.kept) keepListing(state.kept, dir, entries);
  // The folder's path under the root, for evidenceKind: made once per folder (path.relative is not cheap).
  let dirParts: string[] | undefined;
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    const entryExcluded = excluded || isExcluded(abs) || TEMPLATE_NAME.test(entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    let realEntry = path.join(real, entry.name);
    if (entry.isSymbolicLink()) {
      const kind = kindFromName(entry.name);
      let target: string;
      try {
        target = await fs.realpath(abs);
      } catch {
        if (kind && !entryExcluded) errors.push({ file: abs, message: 'is a broken symlink' });
        continue;
      }
      const realRoot = await fs.realpath(root).catch(() => root);
      if (!isInside(realRoot, target)) {
        if (kind && !entryExcluded) errors.push({ file: abs, message: `is a symlink to ${target}, outside ${root}; not followed` });
        continue;
      }
      const st = await fs.stat(target).catch(() => undefined);
      isDir = !!st?.isDirectory();
      isFile = !!st?.isFile();
      if (isDir) {
        try {
          realEntry = realpathSync.native(abs);
        } catch {
          realEntry = abs; // unreadable: readdir in walk reports it
        }
      }
    }
    if (isDir) {
      if (SKIP_DIRS.has(entry.name) || ignored(abs, true) || isVendoredModules(entry.name, realEntry)) continue;
      await walk(state, abs, realEntry, here, entryExcluded);
    } else if (isFile) {
      const kind = kindFromName(entry.name);
      if (!kind && !entryExcluded && !seen.has(abs) && mayBeDockerfileByName(entry.name) && !ignored(abs, false) && dockerfileByContent(abs)) {
        seen.add(abs);
        out.push({ path: abs, kind: 'dockerfile', root });
        state.onFound?.(out.length);
        continue;
      }
      if (!kind) {
        // `.env` is usually git-ignored, yet it is what compose reads here (COMPOSE_FILE).
        const ev = entryExcluded || seen.has(abs) ? undefined : evidenceKind(entry.name, (dirParts ??= toPosix(path.relative(root, dir)).split('/')));
        if (ev && (ev === 'dotenv' || !ignored(abs, false))) {
          seen.add(abs);
          evidence.push({ path: abs, kind: ev, root });
        } else if (!ev && !entryExcluded && !seen.has(abs) && mayBeShellScript(entry.name) && !ignored(abs, false)) {
          // `scripts/deploy`, `bin/up`: scripts without an extension, read once their shebang says shell.
          seen.add(abs);
          evidence.push({ path: abs, kind: 'shell', root, shebangOnly: true });
        } else if (!ev && !entryExcluded && !seen.has(abs) && YAML_NAME.test(entry.name) && !ignored(abs, false)) {
          seen.add(abs);
          state.yamlFiles.push(abs);
        }
        continue;
      }
      if (ignored(abs, false) || seen.has(abs)) continue;
      seen.add(abs);
      if (entryExcluded || TEMPLATE_FILE.test(entry.name)) {
        skipped.push(abs);
        continue;
      }
      out.push({ path: abs, kind, root });
      state.onFound?.(out.length);
    }
  }
}

const YAML_NAME = /\.ya?ml$/i;

/**
 * `Dockerfile-Alpine` (FreshRSS, the published freshrss/freshrss:alpine), `Dockerfile-export` (once-campfire),
 * `Dockerfile_dev`: a name Docker gives no meaning (`docker build` reads `Dockerfile` unless `-f` names another),
 * yet projects name variants so, and a compose build naming one may have a remote context that is never
 * followed. Taken only when the content confirms it (dockerfileByContent): `Dockerfile-README.md`,
 * `Dockerfile-build.sh` are the same prefix on something else, so those extensions, and templates
 * (TEMPLATE_FILE: not what gets built), are not read at all.
 */
const DOCKERFILE_VARIANT_NAME = /^(dockerfile|containerfile)[-_][^/]+$/i;
const NOT_DOCKERFILE_EXTENSION = /\.(md|markdown|rst|txt|adoc|html?|sh|bash|zsh|ps1|bat|cmd|py|rb|js|mjs|cjs|ts|go|json|ya?ml|toml|ini|cfg|conf|lock|patch|diff|dockerignore|orig|rej|swp|png|jpe?g|svg|gif)$/i;

export function mayBeDockerfileByName(name: string): boolean {
  return DOCKERFILE_VARIANT_NAME.test(name) && !NOT_DOCKERFILE_EXTENSION.test(name) && !TEMPLATE_FILE.test(name);
}

/** How much of a file dockerfileByContent reads: comments and ARGs before the first FROM fit in far less. */
const DOCKERFILE_HEAD_BYTES = 16384;

/**
 * A Dockerfile's first instruction is FROM, after parser directives, comments, blank lines and ARGs (the
 * Dockerfile reference, "Format" and "Understand how ARG and FROM interact"). A line ending in the escape
 * character (`\`, or the one `# escape=` sets) continues on the next. Unreadable: not one.
 */
export function dockerfileByContent(file: string): boolean {
  let head: string;
  try {
    const buf = Buffer.alloc(DOCKERFILE_HEAD_BYTES);
    const fd = openSync(file, 'r');
    try {
      head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  return startsWithFrom(head);
}

/** The text of a Dockerfile's head: is its first instruction FROM (see dockerfileByContent)? */
export function startsWithFrom(text: string): boolean {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let escape = '\\';
  let directives = true;
  let continued = false;
  for (const line of lines) {
    if (continued) {
      // The rest of an ARG: comment lines inside a continuation are dropped, as Docker's parser does.
      if (/^\s*#/.test(line)) continue;
      continued = line.trimEnd().endsWith(escape);
      continue;
    }
    const trimmed = line.trim();
    if (directives) {
      const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(trimmed);
      if (directive) {
        if (directive[1].toLowerCase() === 'escape') escape = directive[2];
        continue;
      }
      directives = false; // directives end at the first line that is not one
    }
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (/^ARG(\s|$)/i.test(trimmed)) {
      continued = trimmed.endsWith(escape);
      continue;
    }
    return /^FROM\s+\S/i.test(trimmed);
  }
  return false;
}

/**
 * A YAML file whose name says nothing (miniflux's `contrib/docker-compose/caddy.yml`, nextcloud's `stack.yml`,
 * `dev.docker-compose.yml`) is a compose file when its content is one (src/compose-content.ts). Unreadable: not one.
 */
function composeByContent(file: string): boolean {
  try {
    return statSync(file).size <= MAX_COMPOSE_BYTES && isComposeByContent(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** For an explicitly named file with an unusual name: a compose file has `services:`, a Dockerfile a FROM. */
async function sniffKind(file: string): Promise<FileKind | undefined> {
  let head: string;
  try {
    const fh = await fs.open(file, 'r');
    try {
      const buf = Buffer.alloc(16384);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  if (/^services\s*:/m.test(head)) return 'compose';
  if (/^\s*FROM\s+\S/im.test(head)) return 'dockerfile';
  return undefined;
}

export function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

/**
 * `abs` relative to `dir`, `/`-separated, as gitignore patterns are matched.
 * The walk makes every path by joining names onto the root, so a scope
 * folder's path is a prefix of each path under it and the relative part is a
 * slice: path.relative resolves and normalises both paths on every call, and
 * the walk asks for every folder and candidate file once per .gitignore above
 * it (issue 13). Anything else goes through path.relative.
 */
export function relativeBelow(dir: string, abs: string): string {
  if (abs.length > dir.length + 1 && abs.startsWith(dir) && abs[dir.length] === path.sep) {
    const rel = toPosix(abs.slice(dir.length + 1));
    if (!NOT_NORMAL.test(rel)) return rel;
  }
  return toPosix(path.relative(dir, abs));
}

/** A `.` or `..` segment, or an empty one: a path path.relative would normalise first. */
const NOT_NORMAL = /(^|\/)\.{1,2}(\/|$)|\/\/|\/$|\\/;
