// The project model: every file parsed once, and the links between them.
// A compose service builds a Dockerfile; the Dockerfile copies config files
// from its build context; the service mounts volumes and bind-mounts files.
// Transforms read this model and nothing else.
import path from 'node:path';
import type { FileKind } from './types.js';
import { parseDockerfile, type ParsedDockerfile, type DfInstruction } from './parse/dockerfile.js';
import { parseCompose, isRecord, type ParsedCompose, type ComposeServiceNode } from './parse/compose.js';
import { parseNginx, type NginxConfig } from './parse/nginx.js';
import { FileProblem, isDirectory, isInside, newPathKinds, pathExists, readTextFile, withPathKindsKept, type FileError, type PathKinds, type ReadFile } from './read.js';
import { toPosix } from './discover.js';
import { lineOfOffset } from './text.js';
import { withPassMemos } from './pass-memo.js';
import { mergeComposeService } from './compose-merge.js';
import { copyMappings, mountMappings, nginxConfigSet, reachesNginxDir, type ContainerMapping } from './nginx-files.js';
import { serviceStartScriptRefs, startConfigMappings, startScriptCandidates } from './start-scripts.js';
import { envFileRefs } from './env-files.js';
import { emptyEvidence, type BuildUse, type Evidence, type RepoEvidence } from './evidence/types.js';
import { readEvidence } from './evidence/index.js';
import { resolveNamedContexts } from './evidence/interpret.js';
import type { EvidenceFile } from './evidence/sources.js';
import { extendsOf, includesOf, planCompose, serviceFileOrder, type ComposePlan, type ComposeProject } from './layout.js';
import { assignRoles, isKeepAlive, serviceEvidence, type DockerfileUse, type ImageRole } from './roles.js';
import { harnessService, testStackFiles, type HarnessDecision } from './test-harness.js';
import { ciPlaceholderNames, conflictingBuilds, listedPlaceholderNames, findBuiltImage, indexImages, normalizeTag, type BuiltImage, type CiPlaceholderName, type ImageIndex } from './images.js';
import { expandWord, finalStage, nginxPackageInFile, resolveStageBase, variableScopes, type NamedBase, type ParentLookup, type StageBase } from './dockerfile-info.js';
import { interpolatedOr, readEnvFiles, type EnvScope } from './compose-interpolate.js';
import { GeneratedScan, type GeneratedFile } from './generated.js';
import { templateSyntax, type TemplateSyntax } from './template-text.js';
import { lookupImage } from './knowledge/images.js';
import { commentedBuild } from './commented-build.js';
import { parseImageRef } from './parse/image-ref.js';

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
/** A start script: read by transforms as text (shell is parsed where it is used), edited only line by line. */
export interface ScriptSource extends SourceBase {
  kind: 'script';
}
export type SourceFile = DockerfileSource | ComposeSource | NginxSource | EnvSource | ScriptSource;

export interface NamedContext {
  name: string;
  /** A local folder (absolute), or `docker-image://…`, `target:…`, a URL as written. */
  value: string;
  at: Evidence;
}

export interface BuildInfo {
  context: string;
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
  /** `build.additional_contexts` (map, or list of `name=value`): local folders absolute, other kinds as written. */
  namedContexts?: Record<string, string>;
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
  /** What this file says about the service, `extends:` expanded (no other file of its compose project merged in). */
  own: Record<string, unknown>;
  /** `image:` as compose reads it: variables replaced from `.env`/`--env-file` or their defaults (kept as written when one is not known). */
  image?: string;
  /** When `image:` holds variables that resolved: the text as written and where each value came from. */
  imageFrom?: string;
  /** The variables compose interpolates this service's file with (`.env` or the project's `--env-file`s), as read at load. */
  interpolation?: EnvScope;
  build?: BuildInfo;
  dockerfile?: DockerfileSource;
  volumes: VolumeMount[];
  /** Set when this service sits in an override file and an earlier file of its compose project defines it too. */
  base?: ServiceLink;
  /** Partial services in override files that extend this one. */
  overrides: ServiceLink[];
  /** The service `extends:` copies (same or another file), when it is in the model. */
  extends?: ServiceLink;
  /** Set on a base service that says only `image:` when an override file adds `build:`: that override. */
  buildFrom?: ServiceLink;
  /** Set when `image:` names a tag built in this repository (and the service has no `build:`): that build. */
  builtImage?: BuiltImage;
  /**
   * Set when `image:` names a tag that several Dockerfiles (or targets) here build, one of each (the service then has no
   * `build`): compose checks judge the service once per build and act only where every build gives the same answer.
   */
  builtImageAlternatives?: BuiltImage[];
  /**
   * With builtImageAlternatives: the service as it runs each of those builds' images (one link per Dockerfile and
   * target, as if it built it). Compose checks ask each; each Dockerfile lists its own among its services.
   */
  buildVariants?: ServiceLink[];
  /** Set when the service is not hardened (a dev container's service): why, with the evidence. */
  leftAlone?: { role: ImageRole; reason: string; evidence: Evidence[] };
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
  /** Build contexts of each Dockerfile (its own folder when no compose file or build command names one). */
  contexts: Map<string, string[]>;
  /**
   * Named build contexts each Dockerfile is built with (compose `build.additional_contexts`, `--build-context`, bake
   * `contexts`), with the build that names them; the first build naming a name gives its value.
   */
  namedContexts: Map<string, NamedContext[]>;
  copies: CopyLink[];
  errors: FileError[];
  /** How the repository builds and runs its containers; decided once at load, the same object every pass. */
  layout: Layout;
  /** Compose projects: which files run together, in order, with the evidence (= layout.compose.projects). */
  composeProjects: ComposeProject[];
  /** Images built in this repository, tag to Dockerfile (compose image + build, docker build -t, bake, CI). */
  images: ImageIndex;
  /** Follows an image reference built here to the Dockerfile stage that builds it (for `FROM org/base`). */
  parents: ParentLookup;
}

/** What load decides once for the whole run (transforms never change what it reads). */
export interface Layout {
  evidence: RepoEvidence;
  compose: ComposePlan;
  /** Role of each Dockerfile and its stages (src/roles.ts), by absolute path. */
  roles: Map<string, DockerfileUse>;
  /** Compose files of dev containers (in .devcontainer/, or named by devcontainer.json): their services are left alone. */
  devcontainerComposeFiles: Map<string, Evidence>;
  /**
   * Compose files a devcontainer.json lists that are also the project's stack (outside `.devcontainer/`, and run by a
   * command of the repository: `-f` naming it, or `docker compose up` in its folder for a default file): not dev
   * containers; the devcontainer.json line, then the commands.
   */
  devcontainerAlsoStack: Map<string, Evidence[]>;
  /** Compose files that are test stacks as a whole (src/test-harness.ts): their services are left alone. */
  testStackFiles: Map<string, HarnessDecision>;
  /** Roles the configuration hardens for a file (default: runtime). */
  hardenedRoles: (file: string) => readonly ImageRole[];
  /** Files whose content is a template (src/template-text.ts): skipped at load, each with the line that shows it. */
  templates: FileError[];
  /** Files a generator writes (src/generated.ts), by absolute path: never edited, their fixes held for a human. */
  generated: Map<string, GeneratedFile>;
  /** Images the evidence builds (`docker build -t`, bake, CI, `docker tag`), tag by tag. */
  evidenceImages: BuiltImage[];
  /** Builds whose tag names the image through a CI expression (`${{ secrets.DOCKERHUB_USERNAME }}/app`): what each was read as, or why not linked. */
  ciPlaceholders: CiPlaceholderName[];
  /**
   * What verify's baseline run saw images built here write at start
   * (src/verify/observe.ts), by observedKey(Dockerfile, stage). Empty until
   * verify observes; set once, after the baselines and before any hardened run.
   */
  observedWrites: Map<string, ObservedWrite[]>;
  /**
   * The TCP ports each compose service was seen listening on in verify's
   * baseline run (/proc/<pid>/net/tcp and tcp6), by observedServiceKey.
   */
  observedListening: Map<string, { ports: number[]; how: string }>;
}

/** A path a container wrote at start in verify's baseline run (`docker diff`), in the shape start scripts' writes have. */
export interface ObservedWrite {
  path: string;
  /** `dir`: a directory it made; `file`: a file of the image it changed in place; `dir-of`: a file it made or removed, whose directory must be writable. */
  kind: 'dir' | 'file' | 'dir-of';
  /** `observed: /app/cache written at start (baseline run of compose.yaml#web)`. */
  how: string;
  observed: true;
  /** Why it holds data the service keeps across restarts (src/write-paths.ts keptData), if it does. */
  keeps?: string;
}

/** The key of a compose service in Layout.observedListening: the compose file (absolute) and the service name. */
export function observedServiceKey(composeFile: string, service: string): string {
  return `${composeFile}#${service}`;
}

/** The key of an image built here in Layout.observedWrites: the Dockerfile and the index of the stage it builds. */
export function observedKey(dockerfile: string, stageIndex: number): string {
  return `${dockerfile}#${stageIndex}`;
}

export interface LoadOptions {
  /** Evidence files discovery found (scripts, Makefiles, CI workflows, README, .env, bake, devcontainer.json). */
  evidence?: EvidenceFile[];
  /** Roles hardened per file (configuration `roles`); default: runtime only. */
  hardenedRoles?: (file: string) => readonly ImageRole[];
  /**
   * What is known of the file system (src/read.ts withPathKindsKept), for a
   * caller that asked before (discovery's listings) or asks after (the
   * engine) while nothing is written; default: loading's own.
   */
  pathKinds?: PathKinds;
}

const RUNTIME_ONLY: readonly ImageRole[] = ['runtime'];
/**
 * The default roles, made out here: a function made inside loadProject would
 * hold its scope (every file as loaded, parse included) for as long as the
 * layout lives, which is the whole run.
 */
const runtimeOnly = (): readonly ImageRole[] => RUNTIME_ONLY;

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
    case 'script':
      return { ...base, kind };
  }
}

/** Why a template file is skipped, with the syntax that shows it. */
function templateMessage(kind: FileKind, found: TemplateSyntax): string {
  return `is a template (${found.engine} ${JSON.stringify(found.text)}), not ${KIND_WORDS[kind]} as written; skipped: what runs is its rendered output`;
}

const KIND_WORDS: Record<FileKind, string> = { dockerfile: 'a Dockerfile', compose: 'a compose file', nginx: 'an nginx config', env: 'an env file', script: 'a script' };

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
  options: LoadOptions = {},
): Promise<Project> {
  const files = new Map<string, SourceFile>();
  const errors: FileError[] = [];
  const templates: FileError[] = [];
  const load = async (p: string, kind: FileKind, root: string): Promise<SourceFile | undefined> => {
    const existing = files.get(p);
    if (existing) return existing;
    if (isExcluded(p) || errors.some((e) => e.file === p) || templates.some((t) => t.file === p)) return undefined;
    let read: ReadFile | undefined;
    const skipTemplate = (loose: boolean): boolean => {
      const found = read && templateSyntax(kind, read.text, loose);
      // Two links may name the same file in one round, and both reads finish before either is recorded.
      if (found && !templates.some((t) => t.file === p)) templates.push({ file: p, line: found.line, message: templateMessage(kind, found) });
      return !!found;
    };
    try {
      read = await readTextFile(p, root);
      if (skipTemplate(false)) return undefined;
      const src = parseSource(kind, read, relPath(cwd, p), root);
      files.set(p, src);
      return src;
    } catch (err) {
      // A file that fails to parse is asked again loosely: a tag anywhere outside strings then explains the failure.
      if (err instanceof FileProblem && skipTemplate(true)) return undefined;
      // A start script is read when the model finds one; one it cannot read (binary, too large) is simply not known.
      if (kind === 'script') return undefined;
      if (err instanceof FileProblem) errors.push(err.toFileError());
      else errors.push({ file: p, message: `cannot read: ${(err as Error).message}` });
      return undefined;
    }
  };
  let loaded = 0;
  const [, evidence] = await Promise.all([
    inPool(inputs, async (input) => {
      await load(input.path, input.kind, input.root);
      onLoaded?.(++loaded, inputs.length);
    }),
    options.evidence?.length ? readEvidence(options.evidence, cwd, isExcluded) : Promise.resolve(emptyEvidence()),
  ]);

  // Linked files: compose files and Dockerfiles the evidence names (any name),
  // Dockerfiles named by compose, then configs those Dockerfiles copy or
  // compose bind-mounts, then the files those configs include. Each round
  // follows one more link (compose -> Dockerfile -> config -> include -> ...).
  const layout = emptyLayout(evidence, options.hardenedRoles ?? runtimeOnly);
  layout.templates = templates;
  const named = evidenceNamedFiles(evidence);
  // Linking stats and lists the same paths in every round and step; loading writes nothing, so what it found holds throughout.
  const kinds = options.pathKinds ?? newPathKinds();
  for (let round = 0; round < 6; round++) {
    const wanted = withPathKindsKept(
      // One model for the whole round, as in an engine pass: what its questions share (a Dockerfile's stage bases, its
      // start, its workdirs) is worked out once per round instead of once per asking service and Dockerfile (issue 13).
      () => [...(round === 0 ? named : []), ...withPassMemos(() => linkedFiles(buildLinks(files, cwd, roots, [], layout)))].filter((w) => !files.has(w.path) && pathExists(w.path)),
      kinds,
    );
    const before = files.size;
    await inPool(wanted, (w) => {
      const root = roots.find((r) => isInside(r, w.path));
      return root ? load(w.path, w.kind, root) : Promise.resolve(undefined);
    });
    if (files.size === before) break; // nothing new: another round would link the same files again
  }
  // What the model reads once: compose projects, then (from the services they link) the roles.
  return withPathKindsKept(() => {
    const composes = [...files.values()].filter((f): f is ComposeSource => f.kind === 'compose');
    layout.compose = planCompose(composes, evidence, (p) => relPath(cwd, p));
    layout.devcontainerAlsoStack = devcontainerAlsoStack(composes, evidence);
    layout.devcontainerComposeFiles = devcontainerComposeFiles(composes, evidence, layout.devcontainerAlsoStack);
    layout.testStackFiles = testStackFiles(layout.compose);
    const generated = new GeneratedScan(evidence.renders);
    for (const f of files.values()) {
      const g = generated.scan(f, (p) => relPath(cwd, p));
      if (g) layout.generated.set(f.path, g);
    }
    settleCiPlaceholders(layout, composes, evidence);
    const linked = buildLinks(files, cwd, roots, errors, layout);
    layout.roles = withPassMemos(() => assignRoles(linked, evidence, layout.hardenedRoles, linked.parents)); // one model throughout, as above
    return buildLinks(files, cwd, roots, errors, layout);
  }, kinds);
}

function emptyLayout(evidence: RepoEvidence, hardenedRoles: (file: string) => readonly ImageRole[]): Layout {
  return {
    evidence,
    compose: { projects: [], uses: new Map(), overrideIn: new Map() },
    roles: new Map(),
    devcontainerComposeFiles: new Map(),
    devcontainerAlsoStack: new Map(),
    testStackFiles: new Map(),
    hardenedRoles,
    generated: new Map(),
    templates: [],
    evidenceImages: evidenceImages(evidence),
    ciPlaceholders: [],
    observedWrites: new Map(),
    observedListening: new Map(),
  };
}

function evidenceImages(evidence: RepoEvidence): BuiltImage[] {
  const out: BuiltImage[] = [];
  for (const b of evidence.builds) for (const tag of b.tags) out.push({ tag, dockerfile: b.dockerfile, context: b.context, target: b.target, via: b.via, at: b.at });
  return out;
}

/**
 * Tags CI gives with an expression in the image's name (`${{ secrets.DOCKERHUB_USERNAME }}/app`) read as the image of
 * that name the repository runs (src/images.ts ciPlaceholderNames); those not settled stay as read, linked to nothing.
 */
function settleCiPlaceholders(layout: Layout, composes: ComposeSource[], evidence: RepoEvidence): void {
  const listed = evidence.tagAliases.filter((a) => a.via === 'docker/metadata-action images' && a.target.startsWith('${{'));
  if (!listed.length && !layout.evidenceImages.some((b) => b.tag.includes('${{'))) return;
  const used: string[] = [];
  for (const c of composes) for (const doc of c.parsed.docs) for (const node of doc.services) if (typeof node.data.image === 'string') used.push(node.data.image);
  for (const u of evidence.imageUses) if (u.kind === 'run') used.push(u.image);
  const owner = (b: BuiltImage) => evidence.ciRepositories.find((r) => b.at.file.startsWith(r.root + path.sep));
  layout.ciPlaceholders = ciPlaceholderNames(layout.evidenceImages, used, owner);
  const settled = new Map(layout.ciPlaceholders.filter((p) => p.resolved).map((p) => [p.build, p.resolved!] as const));
  layout.evidenceImages = layout.evidenceImages.map((b) => settled.get(b) ?? b);
  // A name that is one expression, listed in docker/metadata-action's images beside a name built here: the image of
  // that name under another owner the repository runs (dockur/dnsmasq pushes dockurr/dnsmasq so).
  const byList = listedPlaceholderNames(listed, layout.evidenceImages, used, owner);
  layout.ciPlaceholders.push(...byList);
  layout.evidenceImages.push(...byList.flatMap((p) => (p.resolved ? [p.resolved] : [])));
}

/** Compose files and Dockerfiles that commands name, whatever their names (`-f deploy/stack.yml`, `-f docker/app.df`). */
function evidenceNamedFiles(evidence: RepoEvidence): { path: string; kind: FileKind }[] {
  const out: { path: string; kind: FileKind }[] = [];
  for (const u of evidence.composeUses) for (const f of u.files) out.push({ path: f, kind: 'compose' });
  for (const d of evidence.devcontainers) for (const f of d.composeFiles) out.push({ path: f, kind: 'compose' });
  for (const b of evidence.builds) out.push({ path: b.dockerfile, kind: 'dockerfile' });
  for (const d of evidence.devcontainers) if (d.dockerfile) out.push({ path: d.dockerfile, kind: 'dockerfile' });
  return out;
}

/** Compose files in a `.devcontainer/` folder, or named by a devcontainer.json. */
function devcontainerComposeFiles(composes: ComposeSource[], evidence: RepoEvidence, alsoStack: Map<string, Evidence[]>): Map<string, Evidence> {
  const out = new Map<string, Evidence>();
  for (const d of evidence.devcontainers) for (const f of d.composeFiles) if (!alsoStack.has(f)) out.set(f, d.at);
  for (const c of composes) {
    if (!out.has(c.path) && c.path.split(path.sep).includes('.devcontainer')) {
      out.set(c.path, { file: c.path, rel: c.rel, line: 1, source: 'structure', text: 'in .devcontainer/' });
    }
  }
  return out;
}

/** Names compose reads by itself in a folder (base, then its override): https://docs.docker.com/compose/intro/compose-application-model/. */
const DEFAULT_COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const DEFAULT_OVERRIDE_NAMES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];

/**
 * A compose file a devcontainer.json lists, outside `.devcontainer/`, that the repository's own commands also run (a
 * `-f` list that names it, not from a devcontainer; or, for the default file of its folder or its override, `docker
 * compose up` there: dunglas/symfony-docker's README and CI): the project's stack, which the dev container reuses.
 */
function devcontainerAlsoStack(composes: ComposeSource[], evidence: RepoEvidence): Map<string, Evidence[]> {
  const out = new Map<string, Evidence[]>();
  for (const d of evidence.devcontainers) {
    for (const f of d.composeFiles) {
      if (f.split(path.sep).includes('.devcontainer') || !composes.some((c) => c.path === f)) continue;
      const runs = evidence.composeUses.filter((u) => u.at.source !== 'devcontainer' && u.files.includes(f)).map((u) => u.at);
      const dir = path.dirname(f);
      const inDir = new Set(composes.filter((c) => path.dirname(c.path) === dir).map((c) => path.basename(c.path)));
      const base = DEFAULT_COMPOSE_NAMES.find((n) => inDir.has(n));
      const isDefault = path.basename(f) === base || (base !== undefined && DEFAULT_OVERRIDE_NAMES.includes(path.basename(f)));
      if (isDefault) runs.push(...evidence.defaultComposeRuns.filter((r) => r.dir === dir).map((r) => r.at));
      if (runs.length) out.set(f, [d.at, ...runs]);
    }
  }
  return out;
}

/** Run `work` over `items`, at most `width` at a time: reads overlap, file descriptors stay bounded. */
async function inPool<T>(items: T[], work: (item: T) => Promise<unknown>, width = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/** What withTexts builds a model from: the files and what load decided, not the links. */
export type ModelBasis = Pick<Project, 'files' | 'cwd' | 'roots' | 'errors' | 'layout'>;

/** Rebuild the model after edits: re-parse the changed texts, keep everything else. */
export function withTexts(
  project: ModelBasis,
  texts: Map<string, string>,
  reparse: (old: SourceFile, text: string) => SourceFile = (old, text) => parseSource(old.kind, { ...old, text }, old.rel, old.root),
): Project {
  const files = new Map(project.files);
  for (const [p, text] of texts) {
    const old = files.get(p);
    if (!old || old.text === text) continue;
    files.set(p, reparse(old, text));
  }
  return buildLinks(files, project.cwd, project.roots, project.errors, project.layout);
}

export function relPath(cwd: string, p: string): string {
  return toPosix(path.relative(cwd, p)) || path.basename(p);
}

/**
 * Link the files of one engine pass. Linear in the services: each file's
 * services are indexed by name, and overrides, `extends:`, builds and tags are
 * looked up in those indexes and in the layout decided at load.
 */
function buildLinks(files: Map<string, SourceFile>, cwd: string, roots: string[], errors: FileError[], layout: Layout): Project {
  const all = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const dockerfiles = all.filter((f): f is DockerfileSource => f.kind === 'dockerfile');
  const composes = all.filter((f): f is ComposeSource => f.kind === 'compose');
  const nginx = all.filter((f): f is NginxSource => f.kind === 'nginx');

  const services: ServiceLink[] = [];
  const byFile = new Map<string, Map<string, ServiceLink>>();
  for (const compose of composes) {
    const named = new Map<string, ServiceLink>();
    byFile.set(compose.path, named);
    for (const doc of compose.parsed.docs) {
      for (const node of doc.services) {
        const s: ServiceLink = { id: `${compose.rel}#${node.name}`, name: node.name, compose, node, effective: node.data, own: node.data, volumes: [], overrides: [] };
        services.push(s);
        if (!named.has(node.name)) named.set(node.name, s);
      }
    }
  }

  // extends: a service's own data is what it copies, merged with what it says itself.
  const expanded = new Map<ServiceLink, Record<string, unknown>>();
  /** Folder a service's `build:` resolves against, when `extends:` brought it from another file. */
  const buildDir = new Map<ServiceLink, string>();
  const own = (s: ServiceLink, depth = 0): Record<string, unknown> => {
    const done = expanded.get(s);
    if (done) return done;
    let data = s.node.data;
    const ext = extendsOf(data, s.compose.path);
    const target = ext && depth < 10 ? byFile.get(ext.file)?.get(ext.service) : undefined;
    if (target && target !== s) {
      s.extends = target;
      const { extends: _drop, ...rest } = data;
      data = mergeComposeService(own(target, depth + 1), rest, s.node.mergeTags);
      if (rest.build === undefined && target.node.data.build !== undefined) buildDir.set(s, buildDir.get(target) ?? path.dirname(target.compose.path));
      else if (rest.build === undefined && buildDir.has(target)) buildDir.set(s, buildDir.get(target)!);
    }
    expanded.set(s, data);
    return data;
  };
  for (const s of services) s.effective = s.own = own(s);

  // Overrides: a file used only on top of others merges onto the services they define.
  const projectDir = new Map<ServiceLink, string>();
  for (const [file, { project, index }] of layout.compose.overrideIn) {
    for (const s of byFile.get(file)?.values() ?? []) {
      let base: ServiceLink | undefined;
      let effective: Record<string, unknown> | undefined;
      for (const earlier of project.files.slice(0, index)) {
        const e = byFile.get(earlier)?.get(s.name);
        if (!e) continue;
        base ??= e;
        effective = effective ? mergeComposeService(effective, own(e), e.node.mergeTags) : own(e);
      }
      if (!base || !effective) continue;
      s.base = base;
      base.overrides.push(s);
      s.effective = mergeComposeService(effective, own(s), s.node.mergeTags);
      projectDir.set(s, project.directory);
    }
  }

  // include: a project's files merge onto a service of the same name that an included file
  // defines (layout's serviceFileOrder says since which Compose): that service is the base.
  const projectsById = new Map(layout.compose.projects.map((p) => [p.id, p] as const));
  for (const project of layout.compose.projects) {
    if (!project.includes.length) continue;
    const order = serviceFileOrder(project, projectsById);
    const ownFiles = new Set(project.files);
    const chains = new Map<string, ServiceLink[]>();
    for (const file of order) {
      for (const s of byFile.get(file)?.values() ?? []) chains.set(s.name, [...(chains.get(s.name) ?? []), s]);
    }
    for (const chain of chains.values()) {
      const first = chain[0]!;
      if (ownFiles.has(first.compose.path)) continue; // defined first by the project itself: the override loop's case
      for (let i = 1; i < chain.length; i++) {
        const s = chain[i]!;
        if (!ownFiles.has(s.compose.path) || s.base === first) continue;
        if (s.base) s.base.overrides.splice(s.base.overrides.indexOf(s), 1);
        s.base = first;
        first.overrides.push(s);
        s.effective = chain.slice(1, i + 1).reduce((acc, part) => mergeComposeService(acc, own(part), part.node.mergeTags), own(first));
        projectDir.set(s, project.directory);
      }
    }
  }

  for (const s of services) {
    const dir = projectDir.get(s) ?? path.dirname(s.compose.path);
    const ownData = own(s);
    const env = composeEnv(layout, s.base?.compose.path ?? s.compose.path, dir, cwd);
    s.interpolation = env;
    s.build = ownData.build !== undefined ? serviceImageAndBuild(ownData, buildDir.get(s) ?? dir, env).build : s.base ? serviceImageAndBuild(s.effective, buildDir.get(s.base) ?? path.dirname(s.base.compose.path), env).build : undefined;
    if (typeof s.effective.image === 'string') {
      const image = interpolatedOr(s.effective.image, env);
      s.image = image.value;
      if (image.sources.length) s.imageFrom = `image ${JSON.stringify(s.effective.image)} is ${image.value}: ${image.sources.join('; ')}`;
    }
    // A copy of exact length: parseVolumes builds the list by push (room for 17), and each pass's model keeps it (issue 13).
    s.volumes = parseVolumes(s.effective, dir).slice();
    // Compose interpolates the container path as it does `image:` (`data:${DATA_DIR:-/data}` mounts at /data):
    // read raw, the mount matched no folder the image writes, so nothing was chowned for it (karakeep, rw-review5).
    for (const v of s.volumes) {
      if (!v.target.includes('$')) continue;
      const target = interpolatedOr(v.target, env).value;
      if (!target.includes('$') && target.startsWith('/')) v.target = target;
    }
  }
  // Override builds: the base says `image:`, an override adds `build:`; the base is judged by that Dockerfile.
  for (const b of services) {
    if (b.build || b.base) continue;
    const o = b.overrides.find((x) => x.build);
    if (o) {
      b.build = o.build;
      b.buildFrom = o;
    }
  }

  // Images built here: compose services with image + build, and the builds the evidence shows.
  const built: BuiltImage[] = [];
  for (const s of services) {
    if (s.build && s.image && !s.base) built.push({ tag: s.image, dockerfile: s.build.dockerfile, context: s.build.context, target: s.build.target, via: `compose service ${s.name}`, at: serviceEvidence(s) });
  }
  built.push(...layout.evidenceImages);
  // Re-tags, in any order and chained (`docker tag app-base org/app`, then a manifest list of org/app):
  // each new name builds what its source builds, matched as compose matches names (docker.io/…, :latest).
  // The source of a re-tag is the first build (in `built`'s order) whose tag is the source as written, or
  // normalizes as it does: looked up in two indexes of the first build of each tag, kept as `built` grows.
  // Scanning `built` per re-tag and round (normalizing every tag each time) grew with the square of the
  // tags: docker/metadata-action's images re-tag each to each (issue 13).
  const aliases = layout.evidence.tagAliases;
  const firstByTag = new Map<string, number>();
  const firstByNormal = new Map<string, number>();
  const indexBuilt = (from: number) => {
    for (let k = from; k < built.length; k++) {
      const tag = built[k]!.tag;
      if (!firstByTag.has(tag)) firstByTag.set(tag, k);
      if (tag.includes('$')) continue;
      const normal = normalizeTag(tag);
      if (!firstByNormal.has(normal)) firstByNormal.set(normal, k);
    }
  };
  indexBuilt(0);
  const aliasSources = aliases.map((a) => (a.source.includes('$') ? undefined : normalizeTag(a.source)));
  const aliased = new Set<number>();
  for (let grew = true; grew; ) {
    grew = false;
    aliases.forEach((a, i) => {
      if (aliased.has(i)) return;
      const source = aliasSources[i];
      const byTag = firstByTag.get(a.source);
      const byNormal = source === undefined ? undefined : firstByNormal.get(source);
      const first = byTag === undefined ? byNormal : byNormal === undefined ? byTag : Math.min(byTag, byNormal);
      if (first === undefined) return;
      const src = built[first]!;
      aliased.add(i);
      grew = true;
      built.push({ ...src, tag: a.target, via: `${a.via ?? 'docker tag'} of ${a.source}`, at: a.at });
      indexBuilt(built.length - 1);
    });
  }
  const seenImages = new Set<string>();
  const images = indexImages(
    built.filter((b) => {
      const key = `${b.tag}\0${b.dockerfile}\0${b.target ?? ''}`;
      if (seenImages.has(key)) return false;
      seenImages.add(key);
      return true;
    }),
  );
  // `image: org/app` without build: the Dockerfile that builds the tag.
  for (const s of services) {
    if (s.build || s.base || !s.image || s.effective.build !== undefined) continue;
    const b = findBuiltImage(images, s.image);
    if (!b) {
      const several = conflictingBuilds(images, s.image);
      if (several.length) {
        const names = [...new Set(several.map((b) => `${relPath(cwd, b.dockerfile)}${b.target ? ` (target ${b.target})` : ''}`))];
        const which = `${names.length} builds here are tagged so, from ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}; which one it holds depends on which build ran last`;
        s.imageFrom = s.imageFrom ? `${s.imageFrom}; ${which}` : which;
        const distinct = several.filter((b, i) => files.get(b.dockerfile)?.kind === 'dockerfile' && several.findIndex((x) => x.dockerfile === b.dockerfile && x.target === b.target) === i);
        if (distinct.length > 1 && distinct.length === new Set(several.map((b) => `${b.dockerfile}\0${b.target ?? ''}`)).size) s.builtImageAlternatives = distinct;
      }
      continue;
    }
    s.build = { context: b.context, dockerfile: b.dockerfile, args: {}, target: b.target };
    s.builtImage = b;
  }
  for (const s of services) {
    if (s.build) {
      const df = files.get(s.build.dockerfile);
      if (df && df.kind === 'dockerfile') s.dockerfile = df;
    }
  }
  // An `image:` nothing here builds, with its `build:` commented out beside it naming a Dockerfile of this repository
  // (hackmdio/docker-hackmd's `#build:` with `dockerfile: debian/Dockerfile` over `image: hackmdio/hackmd:1.2.0`): the
  // image may well come from it, or the comment may be stale. A guess, never followed (src/commented-build.ts); the
  // findings about the unknown image say it, so whoever reads them knows where to look.
  for (const s of services) {
    if (s.build || s.base || !s.image || s.effective.build !== undefined || /\$/.test(s.image) || lookupImage(parseImageRef(s.image))) continue;
    const hint = commentedBuild(s);
    if (!hint?.dockerfile || files.get(hint.dockerfile)?.kind !== 'dockerfile') continue;
    // No line: a later pass reads the file with earlier fixes in, and the line would move.
    const guess = `its build: is commented out in ${s.compose.rel}, so whether ${relPath(cwd, hint.dockerfile)}, which that comment builds, makes this image is a guess, and it is not followed`;
    s.imageFrom = s.imageFrom ? `${s.imageFrom}; ${guess}` : guess;
  }
  for (const s of services) {
    const dev = layout.devcontainerComposeFiles.get(s.compose.path) ?? layout.devcontainerComposeFiles.get(s.base?.compose.path ?? '');
    const dfRole = s.dockerfile ? layout.roles.get(s.dockerfile.path) : undefined;
    const devRole = dfRole?.role === 'devcontainer';
    // `command: sleep infinity`: a container kept alive to exec into, whatever image it runs (roles.ts isKeepAlive).
    const idle = s.effective.command !== undefined && isKeepAlive(s.effective.command);
    if ((dev || devRole || idle) && !layout.hardenedRoles(s.compose.path).includes('devcontainer')) {
      s.leftAlone = {
        role: 'devcontainer',
        reason: dev
          ? 'a dev container\'s compose file'
          : idle
            ? 'its command only keeps the container alive: a development environment to exec into'
            : `it builds ${s.dockerfile!.rel}, a dev container image`,
        evidence: dev || idle ? [dev ?? serviceEvidence(s)] : dfRole!.evidence,
      };
    }
  }

  // Test harnesses: every service of a test stack, or a harness service (autotest's sut, a test runner) in any file.
  for (const s of services) {
    if (s.leftAlone || layout.hardenedRoles(s.compose.path).includes('test')) continue;
    const harness = layout.testStackFiles.get(s.compose.path) ?? (s.base ? layout.testStackFiles.get(s.base.compose.path) : undefined) ?? harnessService(s);
    if (harness) s.leftAlone = { role: 'test', ...harness };
  }

  // A template other services `extends:`, with neither image nor build of its own: compose
  // cannot run it (a file holding it is only ever a source of templates); its extenders carry its settings.
  const extenders = new Map<ServiceLink, ServiceLink[]>();
  for (const s of services) if (s.extends) extenders.set(s.extends, [...(extenders.get(s.extends) ?? []), s]);
  for (const [t, by] of extenders) {
    // Through its own `extends:` chain too: a template may extend another template.
    if (t.leftAlone || t.base || t.effective.image !== undefined || t.effective.build !== undefined) continue;
    t.leftAlone = {
      role: 'base',
      reason: `a template that ${by.map((x) => (x.compose === t.compose ? x.name : `${x.compose.rel}#${x.name}`)).join(', ')} ${by.length === 1 ? 'extends' : 'extend'}; it names neither an image nor a build, so it never runs itself, and its extenders are hardened`,
      evidence: by.map((x) => ({ file: x.compose.path, rel: x.compose.rel, line: lineOfOffset(x.compose, x.node.keyNode.range?.[0] ?? 0), source: 'compose' as const, text: `${x.name}: extends ${t.name}` })),
    };
  }

  // A tag several Dockerfiles build: the service as it runs each one's image, so that each Dockerfile knows the service
  // (its volumes, its role) as it knows a service that builds it.
  for (const s of services) {
    if (!s.builtImageAlternatives) continue;
    s.buildVariants = s.builtImageAlternatives.flatMap((b) => {
      const df = files.get(b.dockerfile);
      if (!df || df.kind !== 'dockerfile') return [];
      return [{ ...s, build: { context: b.context, dockerfile: b.dockerfile, args: {}, target: b.target }, dockerfile: df, builtImage: b, builtImageAlternatives: undefined, buildVariants: undefined }];
    });
  }
  const servicesByDockerfile = new Map<string, ServiceLink[]>();
  const contexts = new Map<string, string[]>();
  const addContext = (df: string, ctx: string) => {
    const list = contexts.get(df) ?? [];
    if (!list.includes(ctx)) list.push(ctx);
    contexts.set(df, list);
  };
  for (const s of services.flatMap((x) => x.buildVariants ?? [x])) {
    if (!s.dockerfile || !s.build) continue;
    const list = servicesByDockerfile.get(s.dockerfile.path) ?? [];
    list.push(s);
    servicesByDockerfile.set(s.dockerfile.path, list);
    addContext(s.dockerfile.path, s.build.context);
  }
  for (const b of layout.evidence.builds) if (files.has(b.dockerfile)) addContext(b.dockerfile, b.context);
  // Named contexts each Dockerfile is built with (a name means the same folder in every build of it, as a rule).
  const namedContexts = new Map<string, NamedContext[]>();
  const addNamed = (df: string, named: Record<string, string> | undefined, at: Evidence) => {
    const list = namedContexts.get(df) ?? [];
    for (const [name, value] of Object.entries(named ?? {})) if (!list.some((n) => n.name === name)) list.push({ name, value, at });
    if (list.length) namedContexts.set(df, list);
  };
  for (const s of services) if (s.dockerfile && s.build) addNamed(s.dockerfile.path, s.build.namedContexts, serviceEvidence(s));
  for (const b of layout.evidence.builds) if (files.has(b.dockerfile)) addNamed(b.dockerfile, b.namedContexts, b.at);
  for (const df of dockerfiles) {
    if (!contexts.has(df.path)) contexts.set(df.path, [path.dirname(df.path)]);
  }
  // Lists of exact length: a list grown by push holds room for 17 entries,
  // most of these hold one, and each pass's model keeps them (issue 13).
  for (const [df, list] of servicesByDockerfile) servicesByDockerfile.set(df, list.slice());
  for (const [df, list] of contexts) contexts.set(df, list.slice());

  const copies: CopyLink[] = [];
  for (const df of dockerfiles) {
    const named = namedContexts.get(df.path);
    copies.push(...copyLinksOnce(df, contexts.get(df.path) ?? [], named && Object.fromEntries(named.map((n) => [n.name, n.value]))));
  }

  const parents: ParentLookup = (image) => {
    const b = findBuiltImage(images, image);
    const df = b && files.get(b.dockerfile);
    if (!b || !df || df.kind !== 'dockerfile') return undefined;
    const stage = finalStage(df.parsed, b.target);
    return stage ? { dockerfile: df, stage, image: b } : undefined;
  };
  // `FROM name` through a named build context: what the builds of that Dockerfile give as `name`.
  const dockerfileOf = new Map(dockerfiles.map((d) => [d.parsed, d.path]));
  parents.namedContext = (parsed, name) => {
    const df = dockerfileOf.get(parsed);
    const n = df === undefined ? undefined : namedContexts.get(df)?.find((x) => x.name === name);
    return n && namedBase(n, files, services, layout.evidence.builds);
  };

  return {
    cwd,
    roots,
    files,
    dockerfiles,
    composes,
    nginx,
    services,
    servicesByDockerfile,
    contexts,
    namedContexts,
    copies,
    errors,
    layout,
    composeProjects: layout.compose.projects,
    images,
    parents,
  };
}

/**
 * What a named build context is as a base image: `docker-image://ref` that image; bake's `target:name` the target of
 * that name in the same bake file, compose's `service:name` the service of that name in the same compose file (each
 * when it builds a Dockerfile here); anything else (a folder, a URL, `oci-layout://`) no image.
 */
function namedBase(n: NamedContext, files: Map<string, SourceFile>, services: ServiceLink[], builds: readonly BuildUse[]): NamedBase {
  const out: NamedBase = { name: n.name, value: n.value, at: n.at };
  const image = /^docker-image:\/\/(.+)$/.exec(n.value)?.[1];
  if (image) return { ...out, image };
  const ref = /^(target|service):(.+)$/.exec(n.value);
  if (!ref) return out;
  const name = ref[2]!;
  let build: BuiltImage | undefined;
  if (ref[1] === 'target') {
    const b = builds.find((x) => x.via === `bake target ${name}` && x.at.file === n.at.file);
    if (b) build = { tag: b.tags[0] ?? n.value, dockerfile: b.dockerfile, context: b.context, target: b.target, via: b.via, at: b.at };
  } else {
    const s = services.find((x) => x.name === name && x.compose.path === n.at.file && x.build && !x.base);
    if (s?.build) build = { tag: s.image ?? n.value, dockerfile: s.build.dockerfile, context: s.build.context, target: s.build.target, via: `compose service ${name}`, at: serviceEvidence(s) };
  }
  const df = build && files.get(build.dockerfile);
  const stage = df?.kind === 'dockerfile' ? finalStage(df.parsed, build!.target) : undefined;
  return stage ? { ...out, parent: { dockerfile: df as DockerfileSource, stage, image: build! } } : out;
}

function serviceImageAndBuild(data: Record<string, unknown>, composeDir: string, env: EnvScope): { build?: BuildInfo } {
  const b = data.build;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? interpolatedOr(v, env).value : undefined);
  let build: BuildInfo | undefined;
  if (typeof b === 'string') {
    const ctx = str(b)!;
    if (!isRemoteContext(ctx)) {
      const context = path.resolve(composeDir, ctx);
      build = { context, dockerfile: path.join(context, 'Dockerfile'), args: {} };
    }
  } else if (isRecord(b)) {
    const ctxRaw = str(b.context) ?? '.';
    if (!isRemoteContext(ctxRaw)) {
      const context = path.resolve(composeDir, ctxRaw);
      const dockerfileRaw = str(b.dockerfile);
      const dockerfile = dockerfileRaw !== undefined ? path.resolve(context, dockerfileRaw) : path.join(context, 'Dockerfile');
      build = { context, dockerfile, args: buildArgs(b.args, env), target: str(b.target) };
      // Relative folders resolve against the project folder, as `context` does (compose-spec build.md).
      const extra = b.additional_contexts;
      const raw: Record<string, string> = {};
      if (isRecord(extra)) for (const [k, v] of Object.entries(extra)) { const s = str(v); if (s !== undefined) raw[k] = s; }
      else if (Array.isArray(extra)) for (const item of extra) { const s = str(item); const eq = s?.indexOf('=') ?? -1; if (s && eq > 0) raw[s.slice(0, eq)] = s.slice(eq + 1); }
      const namedContexts = resolveNamedContexts(raw, composeDir);
      if (namedContexts) build.namedContexts = namedContexts;
    }
  }
  return { build };
}

/**
 * The variables compose interpolates a service's file with: the `--env-file`s
 * of the command that runs its project, else the `.env` in the project folder
 * (read once per layout: the tool never writes them).
 */
function composeEnv(layout: Layout, composeFile: string, dir: string, cwd: string): EnvScope {
  let byKey = envCache.get(layout);
  if (!byKey) envCache.set(layout, (byKey = new Map()));
  const files = envFilesOf(layout.compose, composeFile) ?? [path.join(dir, '.env')];
  const key = files.join('\0');
  let env = byKey.get(key);
  if (!env) byKey.set(key, (env = readEnvFiles(files, cwd)));
  return env;
}
const envCache = new WeakMap<Layout, Map<string, EnvScope>>();

/**
 * The `--env-file`s of the first project (in the plan's order) that runs the
 * file and names some. Looked up through an index of the plan's projects by
 * id: asked per service, so not a scan of every project each time.
 */
function envFilesOf(plan: ComposePlan, composeFile: string): string[] | undefined {
  const ids = plan.uses.get(composeFile)?.projects;
  if (!ids?.length) return undefined;
  let order = projectOrder.get(plan);
  if (!order) projectOrder.set(plan, (order = new Map(plan.projects.map((p, i) => [p.id, i]))));
  let first: ComposeProject | undefined;
  let at = Infinity;
  for (const id of ids) {
    const i = order.get(id);
    if (i === undefined || i >= at) continue;
    const p = plan.projects[i]!;
    if (!p.envFiles) continue;
    first = p;
    at = i;
  }
  return first?.envFiles;
}
const projectOrder = new WeakMap<ComposePlan, Map<string, number>>();

function isRemoteContext(ctx: string): boolean {
  return /^(https?:|git@|git:|ssh:|github\.com\/)/.test(ctx);
}

/**
 * Build arguments as compose passes them: values interpolated (one that does not resolve is kept as written).
 * An argument given without a value (`args: [FOO]`, `FOO:`) takes its value from the environment compose
 * runs in or its `.env` (docker/compose#10923; moby/moby#15182): the `.env` value where it sets one, else it
 * is unknown and kept as the reference `${FOO}`, which no ARG expansion resolves (neither to empty nor to the
 * Dockerfile's default).
 */
function buildArgs(args: unknown, env: EnvScope): Record<string, string> {
  const out: Record<string, string> = {};
  const fromEnvironment = (name: string) => interpolatedOr(`\${${name}}`, env).value;
  if (Array.isArray(args)) {
    for (const a of args) {
      if (typeof a !== 'string') continue;
      const eq = a.indexOf('=');
      if (eq > 0) out[a.slice(0, eq)] = interpolatedOr(a.slice(eq + 1), env).value;
      else if (eq < 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(a.trim())) out[a.trim()] = fromEnvironment(a.trim());
    }
  } else if (isRecord(args)) {
    for (const [k, v] of Object.entries(args)) out[k] = v === null || v === undefined ? fromEnvironment(k) : interpolatedOr(String(v), env).value;
  }
  return out;
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
  if (!v.includes('${')) return v.split(':'); // no braces: every `:` splits
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

const copyLinksCache = new WeakMap<DockerfileSource, { context: string | undefined; named: string; links: CopyLink[] }>();

/**
 * A Dockerfile's COPY links depend on its text and its build context only, and
 * the model keeps an unchanged file's SourceFile from pass to pass: reuse them
 * (following them stats the build context, on every link round and pass).
 */
function copyLinksOnce(df: DockerfileSource, contexts: string[], named?: Record<string, string>): CopyLink[] {
  const hit = copyLinksCache.get(df);
  const namedKey = named ? JSON.stringify(named) : '';
  if (hit && hit.context === contexts[0] && hit.named === namedKey) return hit.links;
  // A copy of exact length: copyLinks builds it by push (room for 17), and the cache keeps it for the run (issue 13).
  const links = copyLinks(df, contexts, named).slice();
  copyLinksCache.set(df, { context: contexts[0], named: namedKey, links });
  return links;
}

/**
 * A COPY/ADD or WORKDIR word as the builder reads it: quotes removed and build
 * variables (ARG, ENV) expanded where known, as Docker's shell-word processing
 * does for these instructions (`COPY "." "$CODE_DIR/"` copies to /app/ after
 * `ENV CODE_DIR=/app`). Inside single quotes nothing is expanded.
 */
function builderWord(word: string, scope: ReadonlyMap<string, string | undefined> | undefined): string {
  const q = /^(["'])(.*)\1$/s.exec(word);
  if (q?.[1] === "'") return q[2]!;
  return expandWord(q ? q[2]! : word, scope);
}

/**
 * Folders that exist in the images COPY targets, so that a destination without
 * a trailing slash still receives the file inside it (Dockerfile reference:
 * a destination that is an existing directory gets the source copied into it;
 * else a file of that name is written). The FHS folders every Linux base has,
 * and the configuration folders of the nginx and database images
 * (`COPY nginx.conf /etc/nginx/conf.d`, `COPY init.sql /docker-entrypoint-initdb.d`).
 */
const IMAGE_DIRS = new Set([
  '/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/etc', '/opt', '/tmp', '/srv',
  '/etc/nginx', '/etc/nginx/conf.d', '/usr/share/nginx/html', '/docker-entrypoint.d', '/docker-entrypoint-initdb.d',
]);

/**
 * Where a COPY/ADD source lies in its build context. The builder reads every source inside the context:
 * `COPY /docker/nginx.conf /etc/nginx/` is `docker/nginx.conf` of the context (moby/moby#4592, docs from
 * moby/moby#5762), and `COPY ../bin/x` is `bin/x` (BuildKit cleans the path against the context root,
 * docker/docs#19500), so neither may be resolved against the machine's root or the context's parent.
 */
function inContext(context: string, source: string): string {
  return path.resolve(context, '.' + path.posix.normalize('/' + source));
}

function copyLinks(df: DockerfileSource, contexts: string[], named: Record<string, string> = {}): CopyLink[] {
  const out: CopyLink[] = [];
  const context = contexts[0];
  // The WORKDIR each stage ends in: a stage built FROM an earlier one starts there (`FROM base AS builder` then
  // `COPY . .` copies into base's WORKDIR, https://docs.docker.com/reference/dockerfile/#workdir: it is inherited).
  const finalWorkdirs = new Map<number, string>();
  for (const stage of df.parsed.stages) {
    const parent = stageNamed(df, stage.image, stage.index);
    let workdir = (parent && finalWorkdirs.get(parent.index)) ?? '/';
    // Variables a stage sees come from its own ARG/ENV and those of the stages it is built FROM.
    const scopes = variableScopes(resolveStageBase(df.parsed, stage).chain, df.parsed.globalArgs);
    // WORKDIR creates its folder: a later COPY to it without a trailing slash copies into it.
    const dirs = new Set(IMAGE_DIRS);
    if (workdir !== '/') dirs.add(workdir);
    for (const ins of stage.instructions) {
      if (ins.keyword === 'WORKDIR' && ins.args[0]) {
        workdir = path.posix.resolve(workdir, builderWord(ins.args[0], scopes.get(ins)));
        dirs.add(workdir);
        continue;
      }
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      const args = ins.json ?? ins.args.map((a) => builderWord(a, scopes.get(ins)));
      if (args.length < 2 || ins.heredocs.length) continue;
      const from = ins.flags.find((f) => f.name === 'from')?.value ?? undefined;
      const destRaw = args[args.length - 1];
      const destDir = destRaw.endsWith('/') || args.length > 2 || dirs.has(path.posix.resolve(workdir, destRaw));
      for (const source of args.slice(0, -1)) {
        if (/^https?:\/\//.test(source)) continue;
        const destBase = path.posix.resolve(workdir, destRaw);
        // `COPY --from=name` where name is a named context folder (and no stage of the file): a copy from that folder.
        const namedDir = from !== undefined && path.isAbsolute(named[from] ?? '') && !stageNamed(df, from, stage.index) ? named[from] : undefined;
        const contextPath = from === undefined && context ? inContext(context, source) : namedDir ? inContext(namedDir, source) : undefined;
        const link: CopyLink = { dockerfile: df, instruction: ins, stage: stage.index, from, source, dest: destBase, contextPath };
        link.resolvedPath = contextPath ?? resolveFromStage(df, out, link);
        // A directory source copies its contents, not itself: `COPY conf/ /etc/nginx/` fills /etc/nginx, and so does
        // `COPY --from=builder /etc/app .` when the builder's /etc/app is a folder of the repository.
        const sourceIsDir =
          /(^|\/)\.{0,2}\/?$/.test(source) ||
          source.endsWith('/') ||
          (link.resolvedPath !== undefined && isDirectory(link.resolvedPath)) ||
          (link.resolvedPath === undefined && stageFillsFolder(df, out, link));
        link.dest = destDir && !sourceIsDir ? path.posix.join(destBase, path.posix.basename(source)) : destBase;
        out.push(link);
      }
    }
    finalWorkdirs.set(stage.index, workdir);
  }
  return out;
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

/**
 * Whether the `--from` stage of `link` (or a stage it is built FROM) copies files under its source path, which makes
 * that source a folder whose contents the COPY brings: Maintainerr's `COPY --from=BUILDER /opt ./` after the builder's
 * `COPY start.sh /opt/start.sh` fills the working folder /opt, it does not make /opt/opt.
 */
function stageFillsFolder(df: DockerfileSource, earlier: CopyLink[], link: CopyLink): boolean {
  if (link.from === undefined || /[*?[]/.test(link.source)) return false;
  const wanted = path.posix.resolve('/', link.source);
  const prefix = wanted === '/' ? '/' : `${wanted}/`;
  let stage = stageNamed(df, link.from, link.stage);
  for (let guard = 0; stage && guard < df.parsed.stages.length; guard++) {
    const index: number = stage.index;
    if (earlier.some((c) => c.stage === index && c.dest.startsWith(prefix))) return true;
    stage = stageNamed(df, stage.image, index);
  }
  return false;
}

/** The earlier stage a `FROM`/`--from` value names (by `AS` name or index). */
function stageNamed(df: DockerfileSource, ref: string, before: number) {
  const lower = ref.toLowerCase();
  const byName = df.parsed.stages.find((s) => s.index < before && s.name === lower);
  if (byName) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return df.parsed.stages[Number(ref)];
  return undefined;
}

/** The stage a service builds (build.target, else the last), with its chain: what its container starts from, for loading. */
function serviceStageBase(s: ServiceLink, df: DockerfileSource): StageBase | undefined {
  const target = s.build?.target?.toLowerCase();
  const stage = (target ? df.parsed.stages.find((st) => st.name === target) : undefined) ?? df.parsed.stages[df.parsed.stages.length - 1];
  return stage ? resolveStageBase(df.parsed, stage) : undefined;
}

/** Where `docker run -p` commands are commands the repository runs (not README documentation): nginx/unprivileged may edit them. */
const RUN_SOURCES = new Set<Evidence['source']>(['shell', 'makefile', 'justfile', 'github-workflow', 'gitlab-ci']);

/**
 * Scripts, Makefiles and CI files with a `docker run -p …:80` (or 443) of an image built here from a
 * Dockerfile that runs nginx (the nginx or nginx-unprivileged image, or nginx from a package): when
 * nginx/unprivileged moves that image's port to 8080, it moves the `-p` value too, so the model holds them.
 */
function publishingFiles(project: Project): string[] {
  const out = new Set<string>();
  for (const use of project.layout.evidence.imageUses) {
    if (use.kind !== 'run' || !use.publish || !RUN_SOURCES.has(use.at.source)) continue;
    if (!use.publish.some((spec) => /(^|:)(80|443)(\/tcp)?$/i.test(spec))) continue;
    const built = findBuiltImage(project.images, use.image);
    const df = built ? project.files.get(built.dockerfile) : undefined;
    if (df?.kind !== 'dockerfile') continue;
    const nginx = nginxPackageInFile(df.parsed) || df.parsed.stages.some((st) => {
      const facts = lookupImage(parseImageRef(st.image));
      return !!facts?.swapTo || facts?.family === 'nginx-unprivileged';
    });
    if (nginx) out.add(use.at.file);
  }
  return [...out];
}

/** Files the links point at that the model should hold: Dockerfiles compose builds, nginx configs. */
function linkedFiles(project: Project): { path: string; kind: FileKind }[] {
  const out: { path: string; kind: FileKind }[] = [];
  const configs = (mappings: ContainerMapping[], df?: DockerfileSource) => {
    if (!mappings.some(reachesNginxDir)) return; // nothing at /etc/nginx: no config file to load (asked per service and Dockerfile)
    for (const f of nginxConfigSet(project, mappings).files) out.push({ path: f.hostPath, kind: 'nginx' });
    // nginx installed from a distro package reads that package's layout (Debian sites-enabled, Alpine http.d).
    const pkg = df ? nginxPackageInFile(df.parsed) : undefined;
    if (pkg) for (const f of nginxConfigSet(project, mappings, pkg.layout).files) out.push({ path: f.hostPath, kind: 'nginx' });
  };
  for (const s of project.services) {
    if (s.build && !s.dockerfile) out.push({ path: s.build.dockerfile, kind: 'dockerfile' });
    // A container sees its image's configs and its own mounts on top, and what its start renders.
    const fromImage = s.dockerfile ? copyMappings(project, s.dockerfile.path) : [];
    const base = s.dockerfile ? serviceStageBase(s, s.dockerfile) : undefined;
    // A compose command or entrypoint runs scripts of the repository as a Dockerfile's CMD does: load them.
    for (const ref of serviceStartScriptRefs(project, s, s.dockerfile, base)) out.push({ path: ref.hostPath, kind: 'script' });
    const mappings = [...fromImage, ...mountMappings(project, s), ...startConfigMappings(project, s, s.dockerfile, base)];
    configs(mappings, s.dockerfile);
    // The env files of a service with nginx configs: a template's `listen ${NGINX_PORT}` may take its value there,
    // and nginx/unprivileged moves it where it is written (ports.ts). Only those: a file in the model is counted and reported.
    if (mappings.some(reachesNginxDir)) for (const ref of envFileRefs(s)) out.push({ path: ref.path, kind: 'env' });
  }
  // Asked per Dockerfile below: a scan of every service for each was quadratic in a repository of many of both (issue 13).
  const runByService = new Set<string>();
  for (const s of project.services) if (s.dockerfile) runByService.add(s.dockerfile.path);
  for (const df of project.dockerfiles) {
    // An image no service runs may render its config at start (envsubst of a COPYd template into /etc/nginx), as a
    // service's start does above (penpot's frontend image): load what it renders from. Only there: asking it for an
    // image a service also runs dropped an include (fastcgi_params) from the model on wallabag.
    const last = df.parsed.stages[df.parsed.stages.length - 1];
    const alone = !runByService.has(df.path);
    const rendered = alone && last ? startConfigMappings(project, undefined, df, resolveStageBase(df.parsed, last)) : [];
    configs([...copyMappings(project, df.path), ...rendered], df);
    for (const p of startScriptsOnce(project, df)) out.push({ path: p, kind: 'script' });
  }
  for (const p of publishingFiles(project)) out.push({ path: p, kind: 'script' });
  for (const c of project.composes) {
    const dir = path.dirname(c.path);
    // Compose files `include:` and `extends: {file}` name, whatever their names.
    for (const inc of includesOf(c)) for (const f of inc.files) out.push({ path: f, kind: 'compose' });
    for (const node of c.parsed.docs.flatMap((d) => d.services)) {
      const ext = extendsOf(node.data, c.path);
      if (ext && ext.file !== c.path) out.push({ path: ext.file, kind: 'compose' });
    }
    for (const name of ['.env.example', '.env.sample']) {
      const p = path.join(dir, name);
      if (pathExists(p)) out.push({ path: p, kind: 'env' });
    }
  }
  return out;
}

const startScriptsCache = new WeakMap<DockerfileSource, { context: string | undefined; paths: string[] }>();

/**
 * A Dockerfile's start scripts depend on its text and on its COPY links, which
 * depend on its build context alone (copyLinksOnce): found once, not again in
 * every round of links.
 */
function startScriptsOnce(project: Project, df: DockerfileSource): string[] {
  const context = project.contexts.get(df.path)?.[0];
  const hit = startScriptsCache.get(df);
  if (hit && hit.context === context) return hit.paths;
  const paths = startScriptCandidates(project, df);
  startScriptsCache.set(df, { context, paths });
  return paths;
}

