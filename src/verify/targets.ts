// What verify runs: every compose project (a base file with the overrides it
// is used with, or a standalone file) and every runtime Dockerfile that no
// compose file builds. Which compose files combine and which Dockerfiles are
// runtime images are each decided in exactly one function below
// (composeProjects, runtimeDockerfiles), from today's model: override links
// (ServiceLink.base) and a final stage with CMD or ENTRYPOINT. When the model
// answers these itself (evidence of use: scripts, CI, COMPOSE_FILE), those two
// functions are the only places to switch over.
import path from 'node:path';
import type { ComposeSource, DockerfileSource, Project, ServiceLink } from '../model.js';
import { finalStage, resolveStageBase } from '../dockerfile-info.js';
import { effectiveInstructions } from '../parse/dockerfile.js';

export interface TargetService {
  name: string;
  /** The Dockerfile it builds (absolute), if any. */
  dockerfile?: string;
  /** Its build context (absolute), if any. */
  context?: string;
  /** Host paths it bind-mounts (config files it reads at run time). */
  binds: string[];
}

export interface VerifyTarget {
  /** Stable within a run: 'compose:<rel>[+<rel>...]' or 'dockerfile:<rel>'. */
  id: string;
  kind: 'compose' | 'dockerfile';
  /** For people: the files, relative to the working directory. */
  label: string;
  /** The path argument the files sit under: the sandbox copies this folder. */
  root: string;
  /** compose: the files in `-f` order; dockerfile: the Dockerfile. Absolute. */
  files: string[];
  services: TargetService[];
}

/** Every project verify boots, compose projects first. */
export function verifyTargets(project: Project): VerifyTarget[] {
  return [...composeProjects(project).map((files) => composeTarget(project, files)), ...runtimeDockerfiles(project).map((df) => dockerfileTarget(project, df))];
}

/** Override files compose reads together with a base file of the same folder without being named. */
const AUTO_OVERRIDE = /^(docker-)?compose\.override\.ya?ml$/;

/**
 * Which compose files run together. A file whose services extend a base
 * file's (ServiceLink.base) is an override of it: `compose.override.yml` and
 * `docker-compose.override.yml` run with their base by default, every other
 * override runs as `-f base -f other`. Any other file is a project of its own,
 * with the automatic overrides that link to it.
 */
export function composeProjects(project: Project): ComposeSource[][] {
  const baseOf = new Map<ComposeSource, ComposeSource>();
  for (const s of project.services) if (s.base) baseOf.set(s.compose, s.base.compose);
  const out: ComposeSource[][] = [];
  for (const c of project.composes) {
    if (baseOf.has(c)) continue;
    const overrides = project.composes.filter((o) => baseOf.get(o) === c);
    const auto = overrides.filter((o) => AUTO_OVERRIDE.test(path.basename(o.path)));
    out.push([c, ...auto]);
    for (const o of overrides) if (!auto.includes(o)) out.push([c, o]);
  }
  return out;
}

/**
 * Dockerfiles that make an image something runs, which no compose file
 * builds: the final stage (or a stage of the same file it builds on) has CMD
 * or ENTRYPOINT. A Dockerfile without one is a base for other images.
 */
export function runtimeDockerfiles(project: Project): DockerfileSource[] {
  return project.dockerfiles.filter((df) => {
    if ((project.servicesByDockerfile.get(df.path) ?? []).length) return false;
    const stage = finalStage(df.parsed);
    if (!stage) return false;
    const chain = resolveStageBase(df.parsed, stage).chain;
    return chain.some((st) => effectiveInstructions(st).some((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT'));
  });
}

function composeTarget(project: Project, files: ComposeSource[]): VerifyTarget {
  const byName = new Map<string, ServiceLink>();
  // Later files win: an override's link carries the merged service.
  for (const f of files) for (const s of project.services) if (s.compose === f) byName.set(s.name, s);
  const rels = files.map((f) => f.rel);
  return {
    id: `compose:${rels.join('+')}`,
    kind: 'compose',
    label: rels.join(' + '),
    root: files[0]!.root,
    files: files.map((f) => f.path),
    services: [...byName.values()].map((s) => ({
      name: s.name,
      dockerfile: s.dockerfile?.path ?? s.build?.dockerfile,
      context: s.build?.context,
      binds: s.volumes.filter((m) => m.type === 'bind' && m.hostPath).map((m) => m.hostPath!),
    })),
  };
}

/** The one service of a Dockerfile target, as the sandbox's compose file names it. */
export const DOCKERFILE_SERVICE = 'app';

function dockerfileTarget(project: Project, df: DockerfileSource): VerifyTarget {
  const context = project.contexts.get(df.path)?.[0] ?? path.dirname(df.path);
  return {
    id: `dockerfile:${df.rel}`,
    kind: 'dockerfile',
    label: df.rel,
    root: df.root,
    files: [df.path],
    services: [{ name: DOCKERFILE_SERVICE, dockerfile: df.path, context, binds: [] }],
  };
}
