// Which nginx configuration files a container reads, and where in the repo
// each comes from. A Dockerfile COPYs files (or whole folders) to
// /etc/nginx/**, possibly through a builder stage; compose bind-mounts them;
// the configs `include` more files by container path. This maps container
// paths back to host paths so the model can load those files and the nginx
// transforms can edit them. It lists and stats folders (as the model does)
// but never reads file contents: parsed files come from the model.
import path from 'node:path';
import type { CopyLink, DockerfileSource, Project, ServiceLink, NginxSource } from './model.js';
import { walkNginx } from './parse/nginx.js';
import { isDirectory, isFile, isInside, sortedDirEntries } from './read.js';
import { NGINX_ORG_LAYOUT, type NginxLayout } from './knowledge/nginx.js';
import type { DfStage } from './parse/dockerfile.js';
import { chainInstructions } from './dockerfile-info.js';
import { shellCommands } from './knowledge/images.js';
import { serviceEnvironment } from './env-files.js';

export const NGINX_CONF_DIR = '/etc/nginx';

/** One thing that puts a file or folder at a container path. */
export interface ContainerMapping {
  /** Absolute path inside the container. */
  containerPath: string;
  /** Absolute host path (a file or a folder) when it is known and inside a root. */
  hostPath?: string;
  /** A bind mount replaces the folder; a COPY merges into what the image has. */
  replaces: boolean;
  /** For messages: `COPY nginx.conf (web/Dockerfile line 9)`. */
  origin: string;
  /** Why the host side cannot be known (an image, a variable, a named volume, a path outside the repo). */
  unknown?: string;
  copy?: CopyLink;
  service?: ServiceLink;
}

export function isUnderNginxDir(p: string): boolean {
  return p === NGINX_CONF_DIR || p.startsWith(NGINX_CONF_DIR + '/');
}

/**
 * Whether a mapping puts something at or under /etc/nginx (itself, or a folder
 * above it such as `COPY etc/ /etc/`). Every path nginx reads starts there
 * (the layouts' includes and default sites, and what those include), so a
 * container whose mappings have none gets no configuration file of ours.
 */
export function reachesNginxDir(m: ContainerMapping): boolean {
  return isUnderNginxDir(m.containerPath) || `${NGINX_CONF_DIR}/`.startsWith(m.containerPath.replace(/\/?$/, '/'));
}

const GLOB = /[*?[]/;

const copiesIndex = new WeakMap<Project, Map<string, CopyLink[]>>();

/** The project's COPY links by Dockerfile, in model order: asked per service and per Dockerfile, so not a scan of every copy each time. */
function copiesOf(project: Project, dockerfile: string): CopyLink[] {
  let index = copiesIndex.get(project);
  if (!index) {
    index = new Map();
    for (const c of project.copies) {
      const list = index.get(c.dockerfile.path);
      if (list) list.push(c);
      else index.set(c.dockerfile.path, [c]);
    }
    copiesIndex.set(project, index);
  }
  return index.get(dockerfile) ?? [];
}

const mappingsIndex = new WeakMap<Project, Map<string, ContainerMapping[]>>();

/**
 * Mappings made by a Dockerfile's COPY/ADD instructions in the given stages (all stages when omitted).
 * Made once per model and Dockerfile: start-script lookups ask for every
 * candidate path of every start command, and a glob source lists its folder.
 */
export function copyMappings(project: Project, dockerfile: string, stages?: Set<number>): ContainerMapping[] {
  let index = mappingsIndex.get(project);
  if (!index) mappingsIndex.set(project, (index = new Map()));
  let all = index.get(dockerfile);
  if (!all) index.set(dockerfile, (all = allCopyMappings(project, dockerfile)));
  return stages ? all.filter((m) => stages.has(m.copy!.stage)) : all.slice();
}

function allCopyMappings(project: Project, dockerfile: string): ContainerMapping[] {
  const out: ContainerMapping[] = [];
  for (const c of copiesOf(project, dockerfile)) {
    const origin = `${c.instruction.keyword} ${c.source} (${c.dockerfile.rel} line ${c.instruction.line + 1})`;
    const base = { replaces: false, origin, copy: c };
    const host = c.resolvedPath;
    if (host === undefined) {
      const why = c.from !== undefined ? `it copies from ${c.from}, which cannot be followed back to the repository` : 'its build context is unknown';
      out.push({ ...base, containerPath: c.dest, unknown: why });
    } else if (!project.roots.some((r) => isInside(r, host))) {
      out.push({ ...base, containerPath: c.dest, unknown: `${host} is outside the paths given` });
    } else if (GLOB.test(path.basename(host)) && !GLOB.test(path.dirname(host))) {
      // `COPY *.conf /etc/nginx/conf.d/`: one mapping per matching file.
      const re = globRegExp(path.basename(host));
      const destDir = path.posix.dirname(c.dest);
      for (const name of listDir(path.dirname(host))) {
        if (re.test(name)) out.push({ ...base, containerPath: path.posix.join(destDir, name), hostPath: path.join(path.dirname(host), name) });
      }
    } else if (GLOB.test(host)) {
      out.push({ ...base, containerPath: c.dest, unknown: `the source pattern ${c.source} is not followed` });
    } else {
      out.push({ ...base, containerPath: c.dest, hostPath: host });
    }
  }
  return out;
}

/** Mappings made by a service's volumes (binds, and named volumes whose content we cannot see). */
export function mountMappings(project: Project, s: ServiceLink): ContainerMapping[] {
  const out: ContainerMapping[] = [];
  for (const m of s.volumes) {
    if (!m.target.startsWith('/')) continue;
    const origin = `${m.type} mount ${m.source ?? ''}:${m.target} (${s.compose.rel} service ${s.name})`;
    const base = { containerPath: path.posix.normalize(m.target), replaces: true, origin, service: s };
    if (m.type === 'tmpfs') out.push({ ...base, unknown: 'it is a tmpfs' });
    else if (m.type === 'volume') out.push({ ...base, unknown: `the named volume ${m.source ?? '(anonymous)'} is not in the repository` });
    else if (!m.hostPath) out.push({ ...base, unknown: `the host path ${m.source} depends on the environment` });
    else if (!project.roots.some((r) => isInside(r, m.hostPath!))) out.push({ ...base, unknown: `${m.hostPath} is outside the paths given` });
    else out.push({ ...base, hostPath: m.hostPath });
  }
  return out;
}

export interface ResolvedPath {
  mapping: ContainerMapping;
  /** The host file; undefined when the mapping's host side is unknown. */
  hostPath?: string;
  exists: boolean;
}

/**
 * Which mapping provides `containerPath`: the last one that covers it (binds
 * come after copies). A COPY of a folder that lacks the file falls through to
 * what was there before; a bind mount hides it.
 */
export function resolveContainerPath(mappings: ContainerMapping[], containerPath: string): ResolvedPath | undefined {
  for (let k = mappings.length - 1; k >= 0; k--) {
    const m = mappings[k]!;
    if (m.containerPath !== containerPath && !containerPath.startsWith(m.containerPath.replace(/\/?$/, '/'))) continue;
    if (!m.hostPath) return { mapping: m, exists: false };
    const rel = path.posix.relative(m.containerPath, containerPath);
    const host = rel === '' ? m.hostPath : path.join(m.hostPath, ...rel.split('/'));
    const kind = fileKind(host);
    if (kind === 'file') return { mapping: m, hostPath: host, exists: true };
    if (kind === 'dir') continue; // a folder is not a config file; look no further down this mapping
    if (m.replaces) return { mapping: m, hostPath: host, exists: false };
  }
  return undefined;
}

export interface NginxConfigFile {
  containerPath: string;
  hostPath: string;
  /** The parsed file from the model; undefined when the model could not load it. */
  source?: NginxSource;
  origin: string;
  /** A template the entrypoint renders at start: `${NAME}`s in it are the service's environment. */
  rendered?: true;
}

export interface NginxConfigSet {
  files: NginxConfigFile[];
  /** Pieces that cannot be found or understood, one sentence each. */
  problems: string[];
  /** The package's default sites nginx reads (no mapping replaces them): they listen on port 80. */
  stockSites: string[];
  /** Whether /etc/nginx/nginx.conf is the image's own (no mapping provides it). */
  stockMain: boolean;
}

/**
 * The configuration files nginx reads in a container with these mappings:
 * every config file placed under /etc/nginx, /etc/nginx/nginx.conf (ours, or
 * the stock one and what it includes) and, transitively, every `include`.
 * Files the image ships itself are not listed (they are right for either image),
 * except the package's default sites, which `stockSites` names. `layout` says
 * what the image ships and what its own nginx.conf includes.
 */
export function nginxConfigSet(project: Project, mappings: ContainerMapping[], layout: NginxLayout = NGINX_ORG_LAYOUT): NginxConfigSet {
  const files = new Map<string, NginxConfigFile>();
  const problems: string[] = [];
  const stockSites: string[] = [];
  let stockMain = false;
  // One file reached three ways (as what a COPY placed, as a mapping of its own, as the main configuration) is one
  // problem when the same mapping makes it unreadable: `key` (its path and that mapping's origin) says so, and the first
  // wording, the one that names how the file got there, is kept (bentopdf's hook: `sed -i` on nginx.conf, said thrice).
  const problemKeys = new Set<string>();
  const problem = (p: string, key: string = p) => {
    if (problemKeys.has(key) || problems.includes(p)) return;
    problemKeys.add(key);
    problems.push(p);
  };
  const todo: NginxConfigFile[] = [];
  const add = (containerPath: string, hostPath: string, origin: string, rendered?: true) => {
    if (files.has(containerPath)) return;
    const src = project.files.get(hostPath);
    const f: NginxConfigFile = { containerPath, hostPath, origin, source: src?.kind === 'nginx' ? src : undefined, ...(rendered ? { rendered } : {}) };
    files.set(containerPath, f);
    todo.push(f);
  };
  /** A container path nginx reads (or a pattern of them). */
  const want = (containerPath: string, why: string) => {
    if (GLOB.test(containerPath)) {
      const found = globMatches(mappings, containerPath);
      // The package's default sites the pattern covers are there too, unless a mapping replaced them.
      const re = path.posix.dirname(containerPath) === '/' ? undefined : globRegExp(path.posix.basename(containerPath));
      for (const site of layout.defaultSites) {
        const inDir = path.posix.dirname(site.path) === path.posix.dirname(containerPath);
        if (re && inDir && re.test(path.posix.basename(site.path)) && !found.includes(site.path)) found.push(site.path);
      }
      for (const p of found.sort()) want(p, why);
      return;
    }
    if (files.has(containerPath)) return; // rendered from a template at start, over whatever is there
    const r = resolveContainerPath(mappings, containerPath);
    if (r?.hostPath && r.exists) return add(containerPath, r.hostPath, r.mapping.origin);
    if (r?.mapping.unknown) return problem(`${containerPath} (${why}) comes from ${r.mapping.origin}: ${r.mapping.unknown}`, `${containerPath}\0${r.mapping.origin}`);
    if (r) return problem(`${containerPath} (${why}) comes from ${r.mapping.origin}, but ${shown(project, r.hostPath!)} does not exist`);
    if (containerPath === `${NGINX_CONF_DIR}/nginx.conf`) {
      stockMain = true;
      for (const inc of layout.mainIncludes) want(inc, 'included by the stock nginx.conf');
      return;
    }
    const site = layout.defaultSites.find((d) => d.path === containerPath);
    if (site) {
      // A stock link (sites-enabled/default -> sites-available/default) reads whatever the Dockerfile put at its target.
      if (site.target) {
        const t = resolveContainerPath(mappings, site.target);
        if (t?.hostPath && t.exists) return add(site.target, t.hostPath, t.mapping.origin);
        if (t?.mapping.unknown) return problem(`${site.target} (linked from ${containerPath}) comes from ${t.mapping.origin}: ${t.mapping.unknown}`, `${site.target}\0${t.mapping.origin}`);
      }
      if (!stockSites.includes(containerPath)) stockSites.push(containerPath);
      return;
    }
    if (!layout.stockFiles.has(containerPath)) problem(`${containerPath} (${why}) is in no COPY or mount I can follow`);
  };

  // The official image's entrypoint renders /etc/nginx/templates/**/*.template into conf.d at start: each
  // rendered file is configuration whose text is its template's (variables aside), and it replaces whatever
  // a COPY put at the same place, so renders are taken first. A distro package's nginx has no such step.
  if (layout === NGINX_ORG_LAYOUT) {
    const renders = templateRenders(mappings);
    for (const p of renders.problems) problem(p);
    for (const p of renderTargetProblems(mappings, renders.files)) problem(p);
    for (const r of renders.files) add(r.output, r.hostPath, `${r.origin} (a template the entrypoint renders into ${r.output})`, true);
  }
  // Everything placed under /etc/nginx that looks like configuration.
  for (const m of mappings) {
    if (!isUnderNginxDir(m.containerPath)) continue;
    if (placesTemplates(m)) {
      if (layout !== NGINX_ORG_LAYOUT) {
        problem(`${m.origin} provides envsubst templates in ${TEMPLATES_DIR}, which this nginx does not render`);
        continue;
      }
      // A mapping of the templates folder (or inside it) holds nothing else nginx reads; a folder above it may.
      if (m.containerPath === TEMPLATES_DIR || m.containerPath.startsWith(TEMPLATES_DIR + '/')) continue;
    }
    // Certificates and password files are not configuration; a folder or a .conf may be.
    // A `.d` name (conf.d, sites.d) is a folder of configuration by convention, not a file's extension.
    const base = path.posix.basename(m.containerPath);
    const mayBeConfig = !/\.[A-Za-z0-9]+$/.test(base) || base.endsWith('.d') || isConfigName(m.containerPath);
    if (m.unknown || !fileKind(m.hostPath!)) {
      if (mayBeConfig) problem(`${m.containerPath} comes from ${m.origin}: ${m.unknown ?? `${shown(project, m.hostPath!)} does not exist`}`, m.unknown ? `${m.containerPath}\0${m.origin}` : undefined);
      continue;
    }
    for (const f of configFilesUnder(m)) want(f, `placed by ${m.origin}`);
  }
  want(`${NGINX_CONF_DIR}/nginx.conf`, 'the main configuration');

  while (todo.length > 0) {
    const f = todo.shift()!;
    if (!f.source) continue;
    walkNginx(f.source.parsed.directives, (d) => {
      if (d.name !== 'include' || d.args.length !== 1) return;
      const value = d.args[0]!.value;
      if (value.includes('$')) return problem(`${shown(project, f.hostPath)} line ${d.line}: include ${value} names a variable`);
      want(path.posix.resolve(NGINX_CONF_DIR, value), `included by ${path.basename(f.hostPath)} line ${d.line}`);
    });
  }
  const sorted = [...files.values()].sort((a, b) => (a.hostPath < b.hostPath ? -1 : a.hostPath > b.hostPath ? 1 : 0));
  return { files: sorted, problems, stockSites, stockMain };
}

const TEMPLATES_DIR = `${NGINX_CONF_DIR}/templates`;
const CONF_D = `${NGINX_CONF_DIR}/conf.d`;
/** The entrypoint script's settings that move the templates, their suffix or the output (docker-nginx 20-envsubst-on-templates.sh). */
const ENVSUBST_SETTINGS = /^NGINX_ENVSUBST_(TEMPLATE_DIR|TEMPLATE_SUFFIX|OUTPUT_DIR)$/;

export interface TemplateRender {
  /** Container path of the template, and the file it becomes. */
  template: string;
  output: string;
  hostPath: string;
  origin: string;
}

/**
 * The templates the official image's entrypoint renders at start
 * (20-envsubst-on-templates.sh): every `*.template` under /etc/nginx/templates,
 * at any depth, written to the same relative path under /etc/nginx/conf.d
 * without the suffix. `.stream-template`s go to stream-conf.d and append a
 * stream block to nginx.conf, and the NGINX_ENVSUBST_* settings move things:
 * both are problems rather than guesses.
 */
export function templateRenders(mappings: ContainerMapping[]): { files: TemplateRender[]; problems: string[] } {
  const files: TemplateRender[] = [];
  const problems: string[] = [];
  const candidates = new Set<string>();
  for (const m of mappings) {
    const moved = m.service ? envsubstSettings(m.service) : m.copy ? dockerfileEnvsubstSettings(m.copy.dockerfile) : [];
    const by = m.service ? `service ${m.service.name}` : m.copy ? m.copy.dockerfile.rel : '';
    if (moved.length && !problems.some((p) => p.includes(moved[0]!))) problems.push(`${by} sets ${moved.join(', ')}, which moves the templates the entrypoint renders`);
    if (!placesTemplates(m)) continue;
    if (m.unknown || !m.hostPath) {
      problems.push(`${m.origin} provides envsubst templates (${m.containerPath}): ${m.unknown ?? 'its content is not in this repository'}`);
      continue;
    }
    // The templates folder as this mapping places it: the mapping itself, or the folder inside it.
    const under = m.containerPath === TEMPLATES_DIR || m.containerPath.startsWith(TEMPLATES_DIR + '/');
    const root = under ? m.containerPath : TEMPLATES_DIR;
    const host = under ? m.hostPath : path.join(m.hostPath, ...path.posix.relative(m.containerPath, TEMPLATES_DIR).split('/'));
    const walk = (hostPath: string, containerPath: string, depth: number) => {
      const kind = fileKind(hostPath);
      if (kind === 'file') candidates.add(containerPath);
      if (kind !== 'dir' || depth > 4) return;
      for (const e of listDirEntries(hostPath)) walk(path.join(hostPath, e.name), path.posix.join(containerPath, e.name), depth + 1);
    };
    walk(host, root, 0);
  }
  for (const template of [...candidates].sort()) {
    const name = path.posix.basename(template);
    if (name.endsWith('.stream-template')) {
      problems.push(`${template} is a stream template, which the entrypoint renders into ${NGINX_CONF_DIR}/stream-conf.d and adds to nginx.conf at start`);
      continue;
    }
    if (!name.endsWith('.template') || name === '.template') continue;
    // Mappings later in the list win (a bind mount over a COPY), as in the container.
    const r = resolveContainerPath(mappings, template);
    if (!r?.hostPath || !r.exists) continue;
    const rel = path.posix.relative(TEMPLATES_DIR, template);
    files.push({ template, output: path.posix.join(CONF_D, rel.slice(0, -'.template'.length)), hostPath: r.hostPath, origin: r.mapping.origin });
  }
  return { files, problems };
}

/**
 * Why the renders could not be written by nginx-unprivileged's UID 101: its image
 * makes /etc/nginx/conf.d 101's, but a bind mount or volume there (or above it)
 * brings the host's or the volume's owner, and a file a COPY or mount puts where a
 * template renders to is root's (the stock image's entrypoint ran as root and
 * overwrote either). The entrypoint then logs an error, or fails the start.
 */
function renderTargetProblems(mappings: ContainerMapping[], renders: TemplateRender[]): string[] {
  if (!renders.length) return [];
  const out: string[] = [];
  const folder = mappings.find((m) => m.replaces && (m.containerPath === CONF_D || CONF_D.startsWith(m.containerPath.replace(/\/?$/, '/'))));
  if (folder) out.push(`${CONF_D} comes from ${folder.origin}, where the entrypoint renders ${renders[0]!.template} at start: as UID 101 it can write there only if that folder is 101's`);
  for (const r of renders) {
    const placed = resolveContainerPath(mappings, r.output);
    if (placed?.exists && placed.mapping !== folder) out.push(`${placed.mapping.origin} puts ${r.output}, which the entrypoint overwrites with ${r.template} at start: as UID 101 it cannot overwrite a file that is root's`);
  }
  return out;
}

/** NGINX_ENVSUBST_* settings an ENV or ARG of the Dockerfile names (any stage: cheap, and a false alarm only blocks). */
function dockerfileEnvsubstSettings(df: DockerfileSource): string[] {
  const out: string[] = [];
  for (const stage of df.parsed.stages) {
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'ENV' && ins.keyword !== 'ARG') continue;
      for (const m of ins.raw.matchAll(/\bNGINX_ENVSUBST_(?:TEMPLATE_DIR|TEMPLATE_SUFFIX|OUTPUT_DIR)\b/g)) if (!out.includes(m[0])) out.push(m[0]);
    }
  }
  return out;
}

/** NGINX_ENVSUBST_* settings of a service's environment (list or map form, or its env files: env-files.ts). */
function envsubstSettings(s: ServiceLink): string[] {
  const env = s.effective.environment;
  const names = Array.isArray(env) ? env.map((e) => String(e).split('=')[0]!) : env && typeof env === 'object' ? Object.keys(env) : [];
  if (s.effective.env_file !== undefined) for (const n of serviceEnvironment(s).keys()) if (!names.includes(n)) names.push(n);
  return names.filter((n) => ENVSUBST_SETTINGS.test(n));
}

/** Whether a mapping puts something in /etc/nginx/templates (itself, or a folder holding it). */
function placesTemplates(m: ContainerMapping): boolean {
  if (m.containerPath === TEMPLATES_DIR || m.containerPath.startsWith(TEMPLATES_DIR + '/')) return true;
  if (!m.hostPath || !TEMPLATES_DIR.startsWith(m.containerPath.replace(/\/?$/, '/'))) return false;
  const rel = path.posix.relative(m.containerPath, TEMPLATES_DIR);
  return fileKind(path.join(m.hostPath, ...rel.split('/'))) === 'dir';
}

/** A host path for messages: relative to the working directory when inside it. */
function shown(project: Project, p: string): string {
  const rel = path.relative(project.cwd, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : p;
}

/** Container paths of the config files a mapping puts under /etc/nginx: `.conf` files (a folder's, recursively). */
function configFilesUnder(m: ContainerMapping): string[] {
  const host = m.hostPath!;
  const kind = fileKind(host);
  if (kind === 'file') return isUnderNginxDir(m.containerPath) && isConfigName(m.containerPath) ? [m.containerPath] : [];
  if (kind !== 'dir') return [];
  const out: string[] = [];
  const walk = (dir: string, cdir: string, depth: number) => {
    if (depth > 4) return;
    for (const e of listDirEntries(dir)) {
      const abs = path.join(dir, e.name);
      const c = path.posix.join(cdir, e.name);
      if (e.isDirectory()) walk(abs, c, depth + 1);
      else if (e.isFile() && isUnderNginxDir(c) && isConfigName(c) && !c.startsWith(`${NGINX_CONF_DIR}/templates/`)) out.push(c);
    }
  };
  walk(host, m.containerPath, 0);
  return out;
}

function isConfigName(p: string): boolean {
  return p.endsWith('.conf');
}

/** Container paths matching a pattern whose wildcards are in the last component. */
function globMatches(mappings: ContainerMapping[], pattern: string): string[] {
  const dir = path.posix.dirname(pattern);
  if (GLOB.test(dir)) return [];
  const re = globRegExp(path.posix.basename(pattern));
  const names = new Set<string>();
  for (const m of mappings) {
    if (!m.hostPath) continue;
    if (path.posix.dirname(m.containerPath) === dir && re.test(path.posix.basename(m.containerPath)) && fileKind(m.hostPath) === 'file') {
      names.add(path.posix.basename(m.containerPath));
    }
    if (m.containerPath === dir || dir.startsWith(m.containerPath.replace(/\/?$/, '/'))) {
      const rel = path.posix.relative(m.containerPath, dir);
      const hostDir = rel === '' ? m.hostPath : path.join(m.hostPath, ...rel.split('/'));
      for (const e of listDirEntries(hostDir)) if (e.isFile() && re.test(e.name)) names.add(e.name);
    }
  }
  return [...names].sort().map((n) => path.posix.join(dir, n));
}

const globRegExps = new Map<string, RegExp>();

/**
 * nginx include patterns are glob(3): `*`, `?` and `[...]` within one path component.
 * Made once per pattern (the same few patterns are asked for every image); the
 * expression has no `g` flag, so sharing it keeps no state between tests.
 */
export function globRegExp(glob: string): RegExp {
  let known = globRegExps.get(glob);
  if (!known) globRegExps.set(glob, (known = makeGlobRegExp(glob)));
  return known;
}

function makeGlobRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A shell text that runs nginx as a command (`nginx`, `exec /usr/sbin/nginx -g 'daemon off;'`), not one that only names it. */
function runsNginx(text: string): boolean {
  return shellCommands(text).some((argv) => {
    const word = argv[0] === 'exec' ? argv[1] : argv[0];
    return word !== undefined && path.posix.basename(word) === 'nginx';
  });
}

function fileKind(p: string): 'file' | 'dir' | undefined {
  return isFile(p) ? 'file' : isDirectory(p) ? 'dir' : undefined;
}

function listDirEntries(dir: string) {
  return sortedDirEntries(dir);
}

function listDir(dir: string): string[] {
  return listDirEntries(dir).map((e) => e.name);
}

/**
 * Whether an image starts nginx: its CMD/ENTRYPOINT or a service command says so, a start script of
 * the repository runs it (`nginx -g 'pid /tmp/nginx.pid;'` before `exec gunicorn`: `scriptTexts`, the
 * texts of the scripts its containers start with), or it puts configuration under /etc/nginx.
 */
export function startsNginx(stages: DfStage[], services: ServiceLink[], scriptTexts: readonly string[] = []): boolean {
  const ins = chainInstructions(stages);
  if (ins.some((i) => (i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && /\bnginx\b/.test(i.raw))) return true;
  if (services.some((s) => /\bnginx\b/.test(JSON.stringify([s.effective.command ?? '', s.effective.entrypoint ?? ''])))) return true;
  if (scriptTexts.some(runsNginx)) return true;
  const indexes = new Set(stages.map((s) => s.index));
  return ins.some((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && indexes.has(i.stage) && /\s\/etc\/nginx(\/|\s|$|")/.test(i.raw.split(/\r?\n/)[0]!));
}

/**
 * What an image's containers see under /etc/nginx: the files its Dockerfile
 * copies there (these stages), plus each service's mounts; one set per service,
 * or the image's alone when no service runs it.
 */
export function imageMappings(project: Project, dockerfile: string | undefined, stages: DfStage[], services: ServiceLink[]): ContainerMapping[][] {
  const fromImage = dockerfile ? copyMappings(project, dockerfile, new Set(stages.map((s) => s.index))) : [];
  return services.length ? services.map((s) => [...fromImage, ...mountMappings(project, s)]) : [fromImage];
}
