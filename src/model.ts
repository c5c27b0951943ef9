// The project model: every file parsed once, and the links between them.
// A compose service builds a Dockerfile; the Dockerfile copies config files
// from its build context; the service mounts volumes and bind-mounts files.
// Transforms read this model and nothing else.
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { FileKind } from './types.js';
import { parseDockerfile, type ParsedDockerfile, type DfInstruction } from './parse/dockerfile.js';
import { parseCompose, isRecord, type ParsedCompose, type ComposeServiceNode } from './parse/compose.js';
import { parseNginx, type NginxConfig } from './parse/nginx.js';
import { FileProblem, isInside, readTextFile, type FileError, type ReadFile } from './read.js';
import { toPosix } from './discover.js';
import { mergeComposeService } from './compose-merge.js';
import { copyMappings, mountMappings, nginxConfigSet, type ContainerMapping } from './nginx-files.js';

interface SourceBase extends ReadFile {
  /** Path relative to the working directory, POSIX separators (for display and diffs). */
  rel: string;
  /** The path argument this file was found under; reads must stay inside it. */
  root: string;
}

export interface DockerfileSource extends SourceBase {
  kind: 'dockerfile';
  parsed: ParsedDockerfile;
}
export interface ComposeSource extends SourceBase {
  kind: 'compose';
  parsed: ParsedCompose;
}
export interface NginxSource extends SourceBase {
  kind: 'nginx';
  parsed: NginxConfig;
}
export interface EnvSource extends SourceBase {
  kind: 'env';
}
export type SourceFile = DockerfileSource | ComposeSource | NginxSource | EnvSource;

export interface BuildInfo {
  context: string;
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
}

export interface VolumeMount {
  /** 'volume' = named volume, 'bind' = host path, 'tmpfs' */
  type: 'volume' | 'bind' | 'tmpfs';
  /** Named volume name, or the host path as written. */
  source?: string;
  /** Absolute host path for binds with a relative or absolute source. */
  hostPath?: string;
  target: string;
  readOnly: boolean;
}

export interface ServiceLink {
  /** `<rel path of compose file>#<service>` */
  id: string;
  name: string;
  compose: ComposeSource;
  node: ComposeServiceNode;
  /** The service as compose runs it: base file merged with this file's partial service. */
  effective: Record<string, unknown>;
  image?: string;
  build?: BuildInfo;
  dockerfile?: DockerfileSource;
  volumes: VolumeMount[];
  /** Set when this service sits in an override file and the base file defines it too. */
  base?: ServiceLink;
  /** Partial services in override files that extend this one. */
  overrides: ServiceLink[];
}

export interface CopyLink {
  dockerfile: DockerfileSource;
  instruction: DfInstruction;
  stage: number;
  /** `--from` value: a stage name/index or an image; undefined when copying from the build context. */
  from?: string;
  /** Source as written. */
  source: string;
  /** Destination made absolute against the stage's WORKDIR. */
  dest: string;
  /** Absolute path in the build context (when copying from it and the context is known). */
  contextPath?: string;
  /**
   * Absolute host path the source comes from: `contextPath`, or for
   * `COPY --from=<stage>` the context path that stage copied to the source
   * path (through its own `COPY . .` and WORKDIR, and so on back), when known.
   */
  resolvedPath?: string;
}

export interface BindLink {
  service: ServiceLink;
  mount: VolumeMount;
}

export interface Project {
  cwd: string;
  roots: string[];
  files: Map<string, SourceFile>;
  dockerfiles: DockerfileSource[];
  composes: ComposeSource[];
  nginx: NginxSource[];
  services: ServiceLink[];
  servicesByDockerfile: Map<string, ServiceLink[]>;
  /** Build contexts of each Dockerfile (its own folder when no compose file names one). */
  contexts: Map<string, string[]>;
  copies: CopyLink[];
  errors: FileError[];
}

/** Parse a file's text by kind. Throws FileProblem with a line for parse errors that make editing unsafe. */
export function parseSource(kind: FileKind, read: ReadFile, rel: string, root: string): SourceFile {
  const base = { ...read, rel, root };
  switch (kind) {
    case 'dockerfile':
      return { ...base, kind, parsed: parseDockerfile(read.text) };
    case 'compose': {
      const parsed = parseCompose(read.text);
      if (parsed.errors.length) {
        const e = parsed.errors[0];
        throw new FileProblem(read.path, `YAML error: ${e.message}`, e.line, e.column);
      }
      return { ...base, kind, parsed };
    }
    case 'nginx': {
      const parsed = parseNginx(read.text);
      if (parsed.errors.length) {
        const e = parsed.errors[0];
        throw new FileProblem(read.path, `nginx config error: ${e.message}`, e.line, e.column);
      }
      return { ...base, kind, parsed };
    }
    case 'env':
      return { ...base, kind };
  }
}

export interface LoadInput {
  path: string;
  kind: FileKind;
  root: string;
}

/**
 * Read and parse the discovered files, then link them. Files that links name
 * (a Dockerfile a compose file builds, an nginx config a Dockerfile copies)
 * are read too when they sit inside a root.
 */
export async function loadProject(
  inputs: LoadInput[],
  cwd: string,
  roots: string[],
  isExcluded: (file: string) => boolean = () => false,
  onLoaded?: (done: number, total: number) => void,
): Promise<Project> {
  const files = new Map<string, SourceFile>();
  const errors: FileError[] = [];
  const load = async (p: string, kind: FileKind, root: string): Promise<SourceFile | undefined> => {
    const existing = files.get(p);
    if (existing) return existing;
    if (isExcluded(p) || errors.some((e) => e.file === p)) return undefined;
    try {
      const read = await readTextFile(p, root);
      const src = parseSource(kind, read, relPath(cwd, p), root);
      files.set(p, src);
      return src;
    } catch (err) {
      if (err instanceof FileProblem) errors.push(err.toFileError());
      else errors.push({ file: p, message: `cannot read: ${(err as Error).message}` });
      return undefined;
    }
  };
  let loaded = 0;
  await inPool(inputs, async (input) => {
    await load(input.path, input.kind, input.root);
    onLoaded?.(++loaded, inputs.length);
  });

  // Linked files: Dockerfiles named by compose, then configs those Dockerfiles copy
  // or compose bind-mounts, then the files those configs include. Each round
  // follows one more link (compose -> Dockerfile -> config -> include -> ...).
  for (let round = 0; round < 6; round++) {
    const wanted = linkedFiles(buildLinks(files, cwd, roots, [])).filter((w) => !files.has(w.path) && existsSync(w.path));
    const before = files.size;
    await inPool(wanted, (w) => {
      const root = roots.find((r) => isInside(r, w.path));
      return root ? load(w.path, w.kind, root) : Promise.resolve(undefined);
    });
    if (files.size === before) break;
  }
  return buildLinks(files, cwd, roots, errors);
}

/** Run `work` over `items`, at most `width` at a time: reads overlap, file descriptors stay bounded. */
async function inPool<T>(items: T[], work: (item: T) => Promise<unknown>, width = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/** Rebuild the model after edits: re-parse the changed texts, keep everything else. */
export function withTexts(
  project: Project,
  texts: Map<string, string>,
  reparse: (old: SourceFile, text: string) => SourceFile = (old, text) => parseSource(old.kind, { ...old, text }, old.rel, old.root),
): Project {
  const files = new Map(project.files);
  for (const [p, text] of texts) {
    const old = files.get(p);
    if (!old || old.text === text) continue;
    files.set(p, reparse(old, text));
  }
  return buildLinks(files, project.cwd, project.roots, project.errors);
}

export function relPath(cwd: string, p: string): string {
  return toPosix(path.relative(cwd, p)) || path.basename(p);
}

function buildLinks(files: Map<string, SourceFile>, cwd: string, roots: string[], errors: FileError[]): Project {
  const all = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const dockerfiles = all.filter((f): f is DockerfileSource => f.kind === 'dockerfile');
  const composes = all.filter((f): f is ComposeSource => f.kind === 'compose');
  const nginx = all.filter((f): f is NginxSource => f.kind === 'nginx');

  const services: ServiceLink[] = [];
  for (const compose of composes) {
    const dir = path.dirname(compose.path);
    for (const doc of compose.parsed.docs) {
      for (const node of doc.services) {
        services.push({
          id: `${compose.rel}#${node.name}`,
          name: node.name,
          compose,
          node,
          effective: node.data,
          volumes: [],
          overrides: [],
          ...serviceImageAndBuild(node.data, dir),
        });
      }
    }
  }
  linkOverrides(services, composes);
  for (const s of services) {
    const eff = s.effective;
    const build = s.build ?? (s.base ? serviceImageAndBuild(eff, path.dirname(s.base.compose.path)).build : undefined);
    s.build = build;
    if (s.image === undefined && typeof eff.image === 'string') s.image = eff.image;
    s.volumes = parseVolumes(eff, path.dirname(s.compose.path));
    if (build) {
      const df = files.get(build.dockerfile);
      if (df && df.kind === 'dockerfile') s.dockerfile = df;
    }
  }

  const servicesByDockerfile = new Map<string, ServiceLink[]>();
  const contexts = new Map<string, string[]>();
  for (const s of services) {
    if (!s.dockerfile || !s.build) continue;
    const list = servicesByDockerfile.get(s.dockerfile.path) ?? [];
    list.push(s);
    servicesByDockerfile.set(s.dockerfile.path, list);
    const ctx = contexts.get(s.dockerfile.path) ?? [];
    if (!ctx.includes(s.build.context)) ctx.push(s.build.context);
    contexts.set(s.dockerfile.path, ctx);
  }
  for (const df of dockerfiles) {
    if (!contexts.has(df.path)) contexts.set(df.path, [path.dirname(df.path)]);
  }

  const copies: CopyLink[] = [];
  for (const df of dockerfiles) copies.push(...copyLinksOnce(df, contexts.get(df.path) ?? []));

  return { cwd, roots, files, dockerfiles, composes, nginx, services, servicesByDockerfile, contexts, copies, errors };
}

function serviceImageAndBuild(data: Record<string, unknown>, composeDir: string): { image?: string; build?: BuildInfo } {
  const image = typeof data.image === 'string' ? data.image : undefined;
  const b = data.build;
  let build: BuildInfo | undefined;
  if (typeof b === 'string') {
    if (!isRemoteContext(b)) {
      const context = path.resolve(composeDir, b);
      build = { context, dockerfile: path.join(context, 'Dockerfile'), args: {} };
    }
  } else if (isRecord(b)) {
    const ctxRaw = typeof b.context === 'string' ? b.context : '.';
    if (!isRemoteContext(ctxRaw)) {
      const context = path.resolve(composeDir, ctxRaw);
      const dockerfile = typeof b.dockerfile === 'string' ? path.resolve(context, b.dockerfile) : path.join(context, 'Dockerfile');
      build = { context, dockerfile, args: buildArgs(b.args), target: typeof b.target === 'string' ? b.target : undefined };
    }
  }
  return { image, build };
}

function isRemoteContext(ctx: string): boolean {
  return /^(https?:|git@|git:|ssh:|github\.com\/)/.test(ctx);
}

function buildArgs(args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(args)) {
    for (const a of args) {
      if (typeof a !== 'string') continue;
      const eq = a.indexOf('=');
      if (eq > 0) out[a.slice(0, eq)] = a.slice(eq + 1);
    }
  } else if (isRecord(args)) {
    for (const [k, v] of Object.entries(args)) if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

const BASE_COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/**
 * Override files (compose.override.yml, docker-compose.prod.yml) extend the
 * base file in the same folder. A service there that the base defines too is
 * partial: its effective data is the base merged with it.
 */
function linkOverrides(services: ServiceLink[], composes: ComposeSource[]): void {
  const byDir = new Map<string, ComposeSource[]>();
  for (const c of composes) {
    const dir = path.dirname(c.path);
    byDir.set(dir, [...(byDir.get(dir) ?? []), c]);
  }
  // Services by file, so each override looks only at its own and its base's.
  const byFile = new Map<ComposeSource, ServiceLink[]>();
  for (const s of services) {
    const list = byFile.get(s.compose);
    if (list) list.push(s);
    else byFile.set(s.compose, [s]);
  }
  for (const group of byDir.values()) {
    const base = BASE_COMPOSE_NAMES.map((n) => group.find((c) => path.basename(c.path) === n)).find(Boolean);
    if (!base) continue;
    const baseServices = byFile.get(base) ?? [];
    for (const other of group) {
      if (other === base) continue;
      for (const s of byFile.get(other) ?? []) {
        const b = baseServices.find((x) => x.name === s.name);
        if (!b) continue;
        s.base = b;
        b.overrides.push(s);
        s.effective = mergeComposeService(b.node.data, s.node.data);
      }
    }
  }
}

/** Parse short and long volume syntax into mounts. */
export function parseVolumes(data: Record<string, unknown>, composeDir: string): VolumeMount[] {
  const out: VolumeMount[] = [];
  const vols = Array.isArray(data.volumes) ? data.volumes : [];
  for (const v of vols) {
    if (typeof v === 'string') {
      const parts = splitShortVolume(v);
      if (parts.length === 1) {
        out.push({ type: 'volume', target: parts[0], readOnly: false });
        continue;
      }
      const [source, target, mode = ''] = parts;
      const isBind = /^[./~]/.test(source) || source.includes('/') || /^\$\{?\w+/.test(source);
      out.push({
        type: isBind ? 'bind' : 'volume',
        source,
        hostPath: isBind && !source.includes('$') && !source.startsWith('~') ? path.resolve(composeDir, source) : undefined,
        target,
        readOnly: mode.split(',').includes('ro'),
      });
    } else if (isRecord(v) && typeof v.target === 'string') {
      const type = v.type === 'bind' ? 'bind' : v.type === 'tmpfs' ? 'tmpfs' : 'volume';
      const source = typeof v.source === 'string' ? v.source : undefined;
      out.push({
        type,
        source,
        hostPath: type === 'bind' && source && !source.includes('$') && !source.startsWith('~') ? path.resolve(composeDir, source) : undefined,
        target: v.target,
        readOnly: v.read_only === true,
      });
    }
  }
  return out;
}

/** `SRC:DST[:MODE]`, with Windows drive letters (`C:\x:/y`) kept whole. */
function splitShortVolume(v: string): string[] {
  const m = /^([A-Za-z]:[\\/][^:]*):(.*)$/.exec(v);
  if (m) return [m[1], ...splitOutsideBraces(m[2])];
  return splitOutsideBraces(v);
}

/** Split on `:` except inside `${…}` (`${DATA:-./data}:/data` is two parts). */
function splitOutsideBraces(v: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '$' && v[i + 1] === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    if (c === ':' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

const copyLinksCache = new WeakMap<DockerfileSource, { context: string | undefined; links: CopyLink[] }>();

/**
 * A Dockerfile's COPY links depend on its text and its build context only, and
 * the model keeps an unchanged file's SourceFile from pass to pass: reuse them
 * (following them stats the build context, on every link round and pass).
 */
function copyLinksOnce(df: DockerfileSource, contexts: string[]): CopyLink[] {
  const hit = copyLinksCache.get(df);
  if (hit && hit.context === contexts[0]) return hit.links;
  const links = copyLinks(df, contexts);
  copyLinksCache.set(df, { context: contexts[0], links });
  return links;
}

function copyLinks(df: DockerfileSource, contexts: string[]): CopyLink[] {
  const out: CopyLink[] = [];
  const context = contexts[0];
  for (const stage of df.parsed.stages) {
    let workdir = '/';
    for (const ins of stage.instructions) {
      if (ins.keyword === 'WORKDIR' && ins.args[0]) {
        workdir = path.posix.resolve(workdir, ins.args[0]);
        continue;
      }
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      const args = ins.json ?? ins.args;
      if (args.length < 2 || ins.heredocs.length) continue;
      const from = ins.flags.find((f) => f.name === 'from')?.value ?? undefined;
      const destRaw = args[args.length - 1];
      const destDir = destRaw.endsWith('/') || args.length > 2;
      for (const source of args.slice(0, -1)) {
        if (/^https?:\/\//.test(source)) continue;
        const destBase = path.posix.resolve(workdir, destRaw);
        const contextPath = from === undefined && context ? path.resolve(context, source) : undefined;
        // A directory source copies its contents, not itself: `COPY conf/ /etc/nginx/` fills /etc/nginx.
        const sourceIsDir = /(^|\/)\.{0,2}\/?$/.test(source) || source.endsWith('/') || (contextPath !== undefined && isDirectory(contextPath));
        const dest = destDir && !sourceIsDir ? path.posix.join(destBase, path.posix.basename(source)) : destBase;
        const link: CopyLink = { dockerfile: df, instruction: ins, stage: stage.index, from, source, dest, contextPath };
        link.resolvedPath = contextPath ?? resolveFromStage(df, out, link);
        out.push(link);
      }
    }
  }
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Follow `COPY --from=<stage> /app/nginx.conf ...` back to the build context:
 * the latest copy in that stage (or the stages it is built FROM) whose
 * destination holds the source path, e.g. the builder's `COPY . .` under
 * `WORKDIR /app`. `earlier` holds the links of the stages before this one.
 */
function resolveFromStage(df: DockerfileSource, earlier: CopyLink[], link: CopyLink): string | undefined {
  if (link.from === undefined || /[*?[]/.test(link.source)) return undefined;
  // --from sources are paths in the other stage's filesystem, relative to its root.
  const wanted = path.posix.resolve('/', link.source);
  let stage = stageNamed(df, link.from, link.stage);
  for (let guard = 0; stage && guard < df.parsed.stages.length; guard++) {
    const index: number = stage.index;
    const candidates = earlier.filter((c) => c.stage === index && c.resolvedPath !== undefined);
    for (let k = candidates.length - 1; k >= 0; k--) {
      const c = candidates[k]!;
      if (c.dest === wanted) return c.resolvedPath;
      if (wanted.startsWith(c.dest.endsWith('/') ? c.dest : c.dest + '/') && isDirectory(c.resolvedPath!)) {
        return path.join(c.resolvedPath!, ...path.posix.relative(c.dest, wanted).split('/'));
      }
    }
    // Not copied in this stage: it may come from the stage it is built on.
    stage = stageNamed(df, stage.image, index);
  }
  return undefined;
}

/** The earlier stage a `FROM`/`--from` value names (by `AS` name or index). */
function stageNamed(df: DockerfileSource, ref: string, before: number) {
  const lower = ref.toLowerCase();
  const byName = df.parsed.stages.find((s) => s.index < before && s.name === lower);
  if (byName) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return df.parsed.stages[Number(ref)];
  return undefined;
}

/** Files the links point at that the model should hold: Dockerfiles compose builds, nginx configs. */
function linkedFiles(project: Project): { path: string; kind: FileKind }[] {
  const out: { path: string; kind: FileKind }[] = [];
  const configs = (mappings: ContainerMapping[]) => {
    for (const f of nginxConfigSet(project, mappings).files) out.push({ path: f.hostPath, kind: 'nginx' });
  };
  for (const s of project.services) {
    if (s.build && !s.dockerfile) out.push({ path: s.build.dockerfile, kind: 'dockerfile' });
    // A container sees its image's configs and its own mounts on top.
    const fromImage = s.dockerfile ? copyMappings(project, s.dockerfile.path) : [];
    configs([...fromImage, ...mountMappings(project, s)]);
  }
  for (const df of project.dockerfiles) configs(copyMappings(project, df.path));
  for (const c of project.composes) {
    const dir = path.dirname(c.path);
    for (const name of ['.env.example', '.env.sample']) {
      const p = path.join(dir, name);
      if (existsSync(p)) out.push({ path: p, kind: 'env' });
    }
  }
  return out;
}

