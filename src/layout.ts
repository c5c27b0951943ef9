// How the repository builds and runs its containers, decided once at load
// from the compose files' structure and the evidence of use:
//  - compose projects: which files combine (`-f a -f b`, COMPOSE_FILE, the
//    automatic override file, `include:`) and which stand alone;
//  - images built here: which Dockerfile, target and context each tag comes from;
//  - roles: what each Dockerfile and stage is for (runtime, base, builder,
//    test, packaging, devcontainer), so only runtime images get a USER.
// Every link keeps the evidence it came from (file and line), for --explain.
// Transforms never change what this reads (service names, image/build keys,
// FROM lines), so it is computed once and shared by every engine pass.
import path from 'node:path';
import { isRecord, type ComposeServiceNode } from './parse/compose.js';
import type { Evidence, RepoEvidence } from './evidence/types.js';
import type { ComposeSource } from './model.js';
import { lineOfOffset } from './text.js';

// ------------------------------------------------------------ compose projects

/** One way compose runs a set of files together. */
export interface ComposeProject {
  /** Stable id: the files' relative paths joined with ` + `. */
  id: string;
  /** Absolute paths in the order compose reads them; later files override earlier ones. */
  files: string[];
  /** The same files relative to the working directory (POSIX). */
  rels: string[];
  /** Relative paths in every file resolve against this folder: the first file's. */
  directory: string;
  /**
   * How the combination is known: `evidence` (a command, COMPOSE_FILE), `default`
   * (compose merges the override file by itself), `structure` (no evidence: the
   * files' contents decide), `include` (another file's `include:`).
   */
  how: 'evidence' | 'default' | 'structure' | 'include';
  /** One line for people. */
  reason: string;
  evidence: Evidence[];
  /** Ids of projects this one pulls in with `include:`; they run as part of it. */
  includes: string[];
  /** Ids of projects whose `include:` pulls this one in (it is not run alone). */
  includedBy: string[];
  /** `-p` name, when a command gives one. */
  projectName?: string;
  profiles: string[];
  /** `--env-file`s a command gives (absolute; empty: one could not be found): read instead of the folder's `.env`. */
  envFiles?: string[];
  /** Files a command named that could not be found (a variable in the name, outside the paths given). */
  unresolved: string[];
  /** Commands that deploy these files to a swarm (`docker stack deploy -c`). */
  stackEvidence: Evidence[];
  /** Commands that run these files with compose (`docker compose -f`, COMPOSE_FILE). */
  composeEvidence: Evidence[];
}

/**
 * A compose file deployed to a Docker swarm as a stack. `docker stack deploy`
 * reads the file itself and ignores some service keys: among them
 * `security_opt` and the service-level `tmpfs` (both listed under "Not
 * supported for docker stack deploy" in the compose file v3 reference,
 * https://docs.docker.com/compose/compose-file/compose-file-v3/#not-supported-for-docker-stack-deploy),
 * while `read_only`, long-form `volumes:` of `type: tmpfs` (with `tmpfs.size`
 * from file format 3.6) and, from Docker 20.10, `cap_add`/`cap_drop`
 * (https://github.com/docker/cli/pull/2687) reach the service.
 */
export interface SwarmDeploy {
  /** `evidence`: a command deploys it; `structure`: its contents are a stack file's (swarm-only `deploy:` keys). */
  how: 'evidence' | 'structure';
  /** One line for people: which command, or which keys. */
  reason: string;
  evidence: Evidence[];
  /** Compose runs the file too (a `docker compose -f` command, or compose reads it by default with an override): keys must work both ways. */
  alsoCompose: boolean;
  /** The file's `version:` as `[major, minor]`, when it has one (long-form tmpfs needs 3.2, its size 3.6). */
  version?: [number, number];
}

/** How one compose file is used. */
export interface ComposeFileUse {
  file: string;
  rel: string;
  /**
   * `standalone`: complete on its own, hardened as if alone in its folder;
   * `override`: only used on top of earlier files (its services shared with
   * them are partial); `both`: used both ways (hardened as standalone: what an
   * override file sets wins when merged, so its hardening holds in both uses).
   */
  mode: 'standalone' | 'override' | 'both';
  /** Ids of the projects it is part of. */
  projects: string[];
  reason: string;
  evidence: Evidence[];
  /** Set when the file is deployed to a swarm with `docker stack deploy`, by evidence or by its structure. */
  swarm?: SwarmDeploy;
}

/** Compose's own file names, in the order it looks for them. */
export const BASE_COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const OVERRIDE_COMPOSE_NAMES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

export interface ComposePlan {
  projects: ComposeProject[];
  uses: Map<string, ComposeFileUse>;
  /** For each file used as an override: the project (and its position there) that decides its services' base. */
  overrideIn: Map<string, { project: ComposeProject; index: number }>;
}

/** Keys that make a compose service complete on its own. */
function isCompleteService(data: Record<string, unknown>): boolean {
  return data.image !== undefined || data.build !== undefined || data.extends !== undefined;
}

function serviceNodes(c: ComposeSource): ComposeServiceNode[] {
  return c.parsed.docs.flatMap((d) => d.services);
}

/**
 * Decide the compose projects: evidence first (every `-f` list and
 * COMPOSE_FILE names a project), then compose's automatic override file, then
 * `include:`, then, for files nothing names, the structure: a sibling of the
 * folder's base file is an override when a service it shares with the base has
 * neither `image` nor `build`; any other file with such a service is an
 * override of the nearest file above that defines it; else a file stands alone.
 */
export function planCompose(composes: ComposeSource[], evidence: RepoEvidence, rel: (p: string) => string): ComposePlan {
  const byPath = new Map(composes.map((c) => [c.path, c]));
  const projects = new Map<string, ComposeProject>();
  /** Files some project already uses on top of others (so they need no project of their own). */
  const overrideFiles = new Set<string>();
  const add = (files: string[], how: ComposeProject['how'], reason: string, ev: Evidence[], extra: Partial<ComposeProject> = {}): ComposeProject => {
    for (const f of files.slice(1)) overrideFiles.add(f);
    const rels = files.map(rel);
    const id = rels.join(' + ');
    const existing = projects.get(id);
    if (existing) {
      for (const e of ev) if (!existing.evidence.some((x) => x.file === e.file && x.line === e.line)) existing.evidence.push(e);
      // Evidence outranks what the structure guessed.
      if (rank(how) < rank(existing.how)) {
        existing.how = how;
        existing.reason = reason;
      }
      existing.projectName ??= extra.projectName;
      existing.envFiles ??= extra.envFiles;
      for (const p of extra.profiles ?? []) if (!existing.profiles.includes(p)) existing.profiles.push(p);
      existing.stackEvidence.push(...(extra.stackEvidence ?? []));
      existing.composeEvidence.push(...(extra.composeEvidence ?? []));
      return existing;
    }
    const p: ComposeProject = {
      id,
      files,
      rels,
      directory: path.dirname(files[0]!),
      how,
      reason,
      evidence: [...ev],
      includes: [],
      includedBy: [],
      profiles: [],
      unresolved: [],
      ...extra,
      stackEvidence: [...(extra.stackEvidence ?? [])],
      composeEvidence: [...(extra.composeEvidence ?? [])],
    };
    projects.set(id, p);
    return p;
  };

  // 1. Evidence: each command's files, in order, as far as they are in the model.
  const named = new Set<string>();
  for (const use of evidence.composeUses) {
    const files = use.files.filter((f) => byPath.has(f));
    if (files.length === 0) continue;
    for (const f of files) named.add(f);
    const what = use.stack ? `deployed to a swarm${files.length === 1 ? '' : ' combined in this order'}` : files.length === 1 ? `used alone` : `combined in this order`;
    add(files, 'evidence', `${what} by ${use.at.rel}:${use.at.line}`, [use.at], {
      projectName: use.projectName,
      profiles: [...use.profiles],
      unresolved: [...use.unresolved],
      ...(use.envFiles ? { envFiles: [...use.envFiles] } : {}),
      ...(use.stack ? { stackEvidence: [use.at] } : { composeEvidence: [use.at] }),
    });
  }

  /**
   * The files a snippet's base is run with: when a command runs that base as an override itself
   * (`-f compose.yaml -f overrides/compose.mariadb.yaml`), the snippet goes on the end of that chain,
   * not on the base alone.
   */
  const chainUpTo = (base: string): string[] => {
    const runs = [...projects.values()].filter((p) => p.how === 'evidence' && p.files.indexOf(base) > 0);
    const chain = runs.sort((a, b) => a.files.indexOf(base) - b.files.indexOf(base) || (a.id < b.id ? -1 : 1))[0];
    return chain ? chain.files.slice(0, chain.files.indexOf(base) + 1) : [base];
  };

  // 2. Per folder: the base file, and compose's automatic override of it.
  const byDir = new Map<string, ComposeSource[]>();
  for (const c of composes) byDir.set(path.dirname(c.path), [...(byDir.get(path.dirname(c.path)) ?? []), c]);
  const included = new Set<string>();
  for (const c of composes) for (const inc of includesOf(c)) for (const f of inc.files) included.add(f);

  for (const group of byDir.values()) {
    const base = BASE_COMPOSE_NAMES.map((n) => group.find((c) => path.basename(c.path) === n)).find(Boolean);
    const override = OVERRIDE_COMPOSE_NAMES.map((n) => group.find((c) => path.basename(c.path) === n)).find(Boolean);
    if (base && override) {
      add([base.path, override.path], 'default', `compose merges ${path.basename(override.path)} into ${path.basename(base.path)} by itself`, [
        structureEvidence(override, rel, `${path.basename(override.path)} next to ${path.basename(base.path)}`),
      ]);
    }
    for (const c of group) {
      if (c === override && base) continue;
      // `docker compose up` in this folder reads the base with its override: the base alone is not a use.
      if (c === base && override) continue;
      if (named.has(c.path) || (included.has(c.path) && c !== base)) continue;
      const verdict = c === base || !base ? undefined : siblingVerdict(base, c);
      if (verdict?.override) {
        add([base!.path, c.path], 'structure', verdict.reason, [structureEvidence(c, rel, verdict.reason)]);
        continue;
      }
      if (projects.has(rel(c.path)) || overrideFiles.has(c.path)) continue;
      // A service with neither image nor build cannot run alone: the file is an override of the one above that defines it.
      const above = baseAbove(c, composes);
      if (above) add([...chainUpTo(above.base.path), c.path], 'structure', above.reason(rel), [structureEvidence(c, rel, above.reason(rel))]);
      else if (verdict) add([c.path], 'structure', verdict.reason, [structureEvidence(c, rel, verdict.reason)]);
      else add([c.path], 'structure', 'a compose file nothing combines with another', [structureEvidence(c, rel, 'used alone')]);
    }
  }

  // 3. include: each entry is a project of its own, run as part of the including one.
  for (const c of composes) {
    for (const inc of includesOf(c)) {
      const files = inc.files.filter((f) => byPath.has(f));
      if (files.length === 0) continue;
      const child = add(files, 'include', `included by ${rel(c.path)}:${inc.line}`, [
        { file: c.path, rel: rel(c.path), line: inc.line, source: 'compose', text: `include: ${inc.files.map(rel).join(', ')}` },
      ]);
      for (const parent of projects.values()) {
        if (parent.files[0] !== c.path && !parent.files.includes(c.path)) continue;
        if (parent === child) continue;
        if (!parent.includes.includes(child.id)) parent.includes.push(child.id);
        if (!child.includedBy.includes(parent.id)) child.includedBy.push(parent.id);
      }
    }
  }
  // A file only ever included is not also a project of its own.
  for (const [id, p] of projects) {
    if (p.how === 'structure' && p.files.length === 1 && included.has(p.files[0]!)) projects.delete(id);
  }

  // 4. Each file's mode, from its positions in the projects.
  const list = [...projects.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const uses = new Map<string, ComposeFileUse>();
  const overrideIn = new Map<string, { project: ComposeProject; index: number }>();
  const projectsOf = new Map<string, ComposeProject[]>();
  for (const p of list) for (const f of new Set(p.files)) projectsOf.set(f, [...(projectsOf.get(f) ?? []), p]);
  for (const c of composes) {
    const mine = projectsOf.get(c.path) ?? [];
    const asOverride = mine.filter((p) => p.files.indexOf(c.path) > 0);
    const alone = mine.filter((p) => p.files.indexOf(c.path) === 0);
    const mode: ComposeFileUse['mode'] = asOverride.length && alone.length ? 'both' : asOverride.length ? 'override' : 'standalone';
    const decisive = mode === 'override' ? asOverride : alone.length ? alone : mine;
    // Evidence decides over structure: prefer a project a command names.
    const first = [...decisive].sort((a, b) => rank(a.how) - rank(b.how))[0];
    if (mode === 'override' && first) overrideIn.set(c.path, { project: first, index: first.files.indexOf(c.path) });
    uses.set(c.path, {
      file: c.path,
      rel: rel(c.path),
      mode,
      projects: mine.map((p) => p.id),
      reason:
        mode === 'both'
          ? `used alone (${alone.map((p) => p.reason).join('; ')}) and on top of other files (${asOverride.map((p) => p.reason).join('; ')}): hardened as a standalone file, which holds in both uses`
          : (first?.reason ?? 'used alone'),
      evidence: mine.flatMap((p) => p.evidence),
      ...swarmField(c, mine, rel),
    });
  }
  return { projects: list, uses, overrideIn };
}

/**
 * Whether swarm deploys a file: a `docker stack deploy -c` naming it, else,
 * for a file no command names, a stack file's structure (swarmStructure).
 * Compose runs it too when a compose command names it, or when compose reads
 * it by itself (merged with the folder's override file, or `include:`d).
 */
function swarmField(c: ComposeSource, mine: ComposeProject[], rel: (p: string) => string): { swarm?: SwarmDeploy } {
  const stack = mine.flatMap((p) => p.stackEvidence);
  const version = composeVersion(c);
  const alsoCompose = mine.some((p) => p.composeEvidence.length > 0 || p.how === 'default' || p.how === 'include');
  if (stack.length) {
    const unique = stack.filter((e, i) => stack.findIndex((x) => x.file === e.file && x.line === e.line) === i);
    const reason = `deployed with docker stack deploy by ${unique.map((e) => `${e.rel}:${e.line}`).join(', ')}`;
    return { swarm: { how: 'evidence', reason, evidence: unique, alsoCompose, ...(version ? { version } : {}) } };
  }
  if (mine.some((p) => p.how === 'evidence')) return {};
  const structure = swarmStructure(c);
  if (!structure) return {};
  const reason = `a swarm stack file by its structure: ${structure}`;
  return { swarm: { how: 'structure', reason, evidence: [structureEvidence(c, rel, reason)], alsoCompose, ...(version ? { version } : {}) } };
}

/** `version: "3.8"` → [3, 8]; undefined without a version or with one that is not a number. */
export function composeVersion(c: ComposeSource): [number, number] | undefined {
  const data = c.parsed.docs[0]?.data;
  const v = isRecord(data) ? data.version : undefined;
  const m = typeof v === 'string' || typeof v === 'number' ? /^(\d+)(?:\.(\d+))?$/.exec(String(v).trim()) : null;
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}

/**
 * `deploy:` keys only swarm acts on. Compose (v1 with --compatibility, and v2)
 * reads `deploy.resources`, `deploy.replicas` and `deploy.restart_policy`
 * too, so those say nothing; placement, global mode, rolling update and
 * rollback settings and the endpoint mode only mean something to swarm
 * (https://docs.docker.com/compose/compose-file/compose-file-v3/#deploy).
 */
const SWARM_ONLY_DEPLOY = ['placement', 'update_config', 'rollback_config', 'endpoint_mode'];

/**
 * Why a file no command names reads as a stack file, or undefined: a version 3
 * file (what `docker stack deploy` requires) with no `build:` (stack deploy
 * cannot build) whose services use swarm-only `deploy:` keys, or that is named
 * `docker-stack*.yml`. Anything less is a compose file: plain compose reads
 * `deploy.resources` as well.
 */
export function swarmStructure(c: ComposeSource): string | undefined {
  const version = composeVersion(c);
  if (!version || version[0] !== 3) return undefined;
  const services = serviceNodes(c);
  if (services.length === 0 || services.some((s) => s.data.build !== undefined)) return undefined;
  const keys = new Set<string>();
  for (const s of services) {
    const deploy = s.data.deploy;
    if (!isRecord(deploy)) continue;
    for (const k of SWARM_ONLY_DEPLOY) if (deploy[k] !== undefined) keys.add(`deploy.${k}`);
    if (deploy.mode === 'global') keys.add('deploy.mode: global');
  }
  if (keys.size > 0) return `version ${version.join('.')}, no build:, and ${[...keys].join(', ')}`;
  // The name Docker's swarm docs give a stack file (`docker stack deploy -c docker-stack.yml`,
  // https://docs.docker.com/engine/swarm/stack-deploy/): with version 3 and no build:, a stack file
  // even when its deploy: keys are ones compose reads too (replicas, resources).
  if (/^docker-stack[^/]*\.ya?ml$/i.test(path.basename(c.path))) return `version ${version.join('.')}, no build:, and the name ${path.basename(c.path)} (a swarm stack file's)`;
  return undefined;
}

function rank(how: ComposeProject['how']): number {
  return { evidence: 0, default: 1, include: 2, structure: 3 }[how];
}

function structureEvidence(c: ComposeSource, rel: (p: string) => string, text: string): Evidence {
  return { file: c.path, rel: rel(c.path), line: 1, source: 'structure', text };
}

/**
 * A sibling file without evidence: a service it shares with the base that has
 * neither `image`, `build` nor `extends` is only valid merged onto the base.
 */
function siblingVerdict(base: ComposeSource, sibling: ComposeSource): { override: boolean; reason: string } {
  const baseNames = new Set(serviceNodes(base).map((s) => s.name));
  const shared = serviceNodes(sibling).filter((s) => baseNames.has(s.name));
  const b = path.basename(base.path);
  if (shared.length === 0) return { override: false, reason: `shares no service with ${b}: a standalone file` };
  const partial = shared.filter((s) => !isCompleteService(s.data));
  if (partial.length === 0) {
    return { override: false, reason: `every service it shares with ${b} (${shared.map((s) => s.name).join(', ')}) has its own image or build: a standalone file` };
  }
  return { override: true, reason: `${partial.map((s) => s.name).join(', ')} ${partial.length === 1 ? 'has' : 'have'} neither image nor build: an override of ${b}` };
}

/**
 * For a file nothing names, whose services include some with neither `image`,
 * `build` nor `extends` (compose refuses to run those alone): the nearest
 * compose file in its folder or a folder above that defines every such
 * service completely, which it must be merged onto (`-f base -f file`, as
 * override snippets under `examples/` or `ci/` are). Nearest folder first;
 * between files there, compose's own base names first; otherwise none.
 */
function baseAbove(c: ComposeSource, composes: ComposeSource[]): { base: ComposeSource; reason: (rel: (p: string) => string) => string } | undefined {
  const partial = serviceNodes(c)
    .filter((s) => !isCompleteService(s.data))
    .map((s) => s.name);
  if (partial.length === 0) return undefined;
  const dir = path.dirname(c.path);
  const candidates = composes.filter((b) => {
    if (b === c) return false;
    const bDir = path.dirname(b.path);
    if (bDir !== dir && !dir.startsWith(bDir.endsWith(path.sep) ? bDir : bDir + path.sep)) return false;
    const complete = new Set(serviceNodes(b).filter((s) => isCompleteService(s.data)).map((s) => s.name));
    return partial.every((n) => complete.has(n));
  });
  if (candidates.length === 0) return undefined;
  const depth = (b: ComposeSource) => path.dirname(b.path).length;
  const nearest = Math.max(...candidates.map(depth));
  const there = candidates.filter((b) => depth(b) === nearest);
  const base = there.length === 1 ? there[0]! : (BASE_COMPOSE_NAMES.map((n) => there.find((b) => path.basename(b.path) === n)).find(Boolean) ?? namedAfter(c, there));
  if (!base) return undefined;
  return {
    base,
    reason: (rel) =>
      `${partial.join(', ')} ${partial.length === 1 ? 'has' : 'have'} neither image nor build, and ${rel(base.path)} defines ${partial.length === 1 ? 'it' : 'them'}: an override of ${rel(base.path)}`,
  };
}

/**
 * Between several files of one folder that define a snippet's services: the
 * one whose name the snippet's name extends, as override snippets are named
 * after the file they go on (frappe_docker's overrides/compose.mariadb-secrets.yaml
 * goes on compose.mariadb.yaml, not compose.postgres.yaml, which defines db too).
 * The longest such name; none when no name, or two of one length, fit.
 */
function namedAfter(c: ComposeSource, candidates: ComposeSource[]): ComposeSource | undefined {
  const stem = (f: ComposeSource) => path.basename(f.path).replace(/\.ya?ml$/i, '').toLowerCase();
  const mine = stem(c);
  const fits = candidates.filter((b) => mine.length > stem(b).length && mine.startsWith(stem(b)) && /[-._]/.test(mine[stem(b).length]!));
  const longest = Math.max(0, ...fits.map((b) => stem(b).length));
  const best = fits.filter((b) => stem(b).length === longest);
  return best.length === 1 ? best[0] : undefined;
}

/**
 * The projects that run `project`: itself when no `include:` pulls it in, else
 * (following includedBy up) every project that includes it and nothing includes.
 */
export function runningProjects(project: ComposeProject, byId: Map<string, ComposeProject>, seen = new Set<string>()): ComposeProject[] {
  if (!project.includedBy.length || seen.has(project.id)) return [project];
  seen.add(project.id);
  const out: ComposeProject[] = [];
  for (const id of project.includedBy) {
    const parent = byId.get(id);
    for (const p of parent ? runningProjects(parent, byId, seen) : []) if (!out.includes(p)) out.push(p);
  }
  return out.length ? out : [project];
}

/**
 * The files whose services compose merges into one service of `project`, in
 * merge order: what its `include:`s pull in (each in its own order, depth
 * first), then its own files. compose copies an included application's
 * services into the project, and the project's files merge onto an included
 * service of the same name: an override file (`compose.override.yaml`,
 * `-f`) does (2.24.1 refused it, docker/compose#11404, and later releases
 * restored it; Compose 2.26 here merges an override's `ports:` into the
 * included service in `docker compose config`), the including file itself since compose-go#835 (Nov 2025; earlier
 * releases stop with "services.X conflicts with imported resource", so a
 * repository that does this is written for the newer ones).
 */
export function serviceFileOrder(project: ComposeProject, byId: Map<string, ComposeProject>, seen = new Set<string>()): string[] {
  if (seen.has(project.id)) return [];
  seen.add(project.id);
  const out: string[] = [];
  for (const id of project.includes) {
    const child = byId.get(id);
    for (const f of child ? serviceFileOrder(child, byId, seen) : []) if (!out.includes(f)) out.push(f);
  }
  for (const f of project.files) if (!out.includes(f)) out.push(f);
  return out;
}

/** `include:` entries of a compose file: each a list of files (later ones override earlier ones). */
export function includesOf(c: ComposeSource): { files: string[]; line: number }[] {
  const out: { files: string[]; line: number }[] = [];
  const dir = path.dirname(c.path);
  for (const doc of c.parsed.docs) {
    const data = doc.data;
    if (!isRecord(data) || !Array.isArray(data.include)) continue;
    const node = doc.doc.get('include', true) as { items?: { range?: [number, number, number] }[] } | undefined;
    data.include.forEach((entry, i) => {
      const paths = typeof entry === 'string' ? [entry] : isRecord(entry) ? (Array.isArray(entry.path) ? entry.path : [entry.path]) : [];
      const files = paths.filter((p): p is string => typeof p === 'string' && !p.includes('$') && !/^[a-z]+:\/\//i.test(p)).map((p) => path.resolve(dir, p));
      const offset = node?.items?.[i]?.range?.[0] ?? 0;
      if (files.length) out.push({ files, line: lineOfOffset(c, offset) });
    });
  }
  return out;
}

/** `extends:` of a service: the file (absolute) and service it copies. */
export function extendsOf(data: Record<string, unknown>, composePath: string): { file: string; service: string } | undefined {
  const e = data.extends;
  if (typeof e === 'string') return { file: composePath, service: e };
  if (!isRecord(e) || typeof e.service !== 'string') return undefined;
  if (typeof e.file === 'string' && (e.file.includes('$') || /^[a-z]+:\/\//i.test(e.file))) return undefined;
  return { file: typeof e.file === 'string' ? path.resolve(path.dirname(composePath), e.file) : composePath, service: e.service };
}
