// What verify runs: every compose project (a base file with the overrides it
// is used with, or a standalone file) and every runtime Dockerfile that no
// compose file builds. Both answers are the model's, each read in exactly one
// function below: which files compose combines (project.composeProjects, from
// the files' structure and the evidence of use: scripts, CI, COMPOSE_FILE,
// the automatic override file, include) and what each Dockerfile is for
// (project.layout.roles: only runtime images are booted on their own).
import path from 'node:path';
import type { ComposeSource, DockerfileSource, Project, ServiceLink } from '../model.js';

export interface TargetService {
  name: string;
  /** The Dockerfile it builds (absolute), if any. */
  dockerfile?: string;
  /** Its build context (absolute), if any. */
  context?: string;
  /**
   * The build of an `image:` tag this repository builds elsewhere (`docker
   * build -t`, bake, CI): the sandbox builds it from the (hardened) Dockerfile
   * instead of running whatever image of that name the engine has.
   */
  builtFrom?: { dockerfile: string; context: string; target?: string };
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
  /** Compose profiles the evidence runs the project with. */
  profiles: string[];
  /** dockerfile: the stage its runs build (undefined: the last). */
  buildTarget?: string;
  services: TargetService[];
}

/** Every project verify boots, compose projects first. */
export function verifyTargets(project: Project): VerifyTarget[] {
  return [
    ...composeProjects(project).map((p) => composeTarget(project, p.files, p.profiles)),
    ...runtimeDockerfiles(project).map((df) => dockerfileTarget(project, df)),
  ];
}

/**
 * Which compose files run together: the model's compose projects, except
 * those another project pulls in with `include:` (they run as part of it).
 */
export function composeProjects(project: Project): { files: ComposeSource[]; profiles: string[] }[] {
  const out: { files: ComposeSource[]; profiles: string[] }[] = [];
  for (const p of project.composeProjects) {
    if (p.includedBy.length) continue;
    const files = p.files.map((f) => project.files.get(f)).filter((f): f is ComposeSource => f?.kind === 'compose');
    if (files.length) out.push({ files, profiles: p.profiles });
  }
  return out;
}

/**
 * Dockerfiles that make an image something runs, which no compose service
 * builds or runs: the model's runtime role (a compose build, a CI push or
 * run, a final stage with a command), not a base, builder, test, packaging
 * or dev container image.
 */
export function runtimeDockerfiles(project: Project): DockerfileSource[] {
  return project.dockerfiles.filter((df) => project.layout.roles.get(df.path)?.role === 'runtime' && !(project.servicesByDockerfile.get(df.path) ?? []).length);
}

function composeTarget(project: Project, files: ComposeSource[], profiles: string[]): VerifyTarget {
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
    profiles,
    services: [...byName.values()].map((s) => ({
      name: s.name,
      dockerfile: s.dockerfile?.path ?? s.build?.dockerfile,
      context: s.build?.context,
      ...(s.builtImage ? { builtFrom: { dockerfile: s.builtImage.dockerfile, context: s.builtImage.context, target: s.builtImage.target } } : {}),
      binds: s.volumes.filter((m) => m.type === 'bind' && m.hostPath).map((m) => m.hostPath!),
    })),
  };
}

/** The one service of a Dockerfile target, as the sandbox's compose file names it. */
export const DOCKERFILE_SERVICE = 'app';

function dockerfileTarget(project: Project, df: DockerfileSource): VerifyTarget {
  const context = project.contexts.get(df.path)?.[0] ?? path.dirname(df.path);
  const run = project.layout.roles.get(df.path)?.builds.find((b) => b.runs && b.target);
  return {
    id: `dockerfile:${df.rel}`,
    kind: 'dockerfile',
    label: df.rel,
    root: df.root,
    files: [df.path],
    profiles: [],
    ...(run?.target ? { buildTarget: run.target } : {}),
    services: [{ name: DOCKERFILE_SERVICE, dockerfile: df.path, context, binds: [] }],
  };
}
