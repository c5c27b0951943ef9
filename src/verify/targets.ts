// What verify runs: every compose project (a base file with the overrides it
// is used with, or a standalone file) and every runtime Dockerfile that no
// compose file builds. Both answers are the model's, each read in exactly one
// function below: which files compose combines (project.composeProjects, from
// the files' structure and the evidence of use: scripts, CI, COMPOSE_FILE,
// the automatic override file, include) and what each Dockerfile is for
// (project.layout.roles: only runtime images are booted on their own).
import path from 'node:path';
import type { ComposeSource, DockerfileSource, Project, ServiceLink } from '../model.js';
import { finalStage } from '../dockerfile-info.js';

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
  /** compose: files the project's `include:` pulls in (compose reads them itself). Absolute. */
  included: string[];
  /** Compose profiles the evidence runs the project with. */
  profiles: string[];
  /** compose: the `--env-file`s the evidence runs the project with (absolute), read instead of the folder's `.env`. */
  envFiles: string[];
  /** dockerfile: the stage its runs build (undefined: the last). */
  buildTarget?: string;
  services: TargetService[];
}

/** Every project verify boots, compose projects first. */
export function verifyTargets(project: Project): VerifyTarget[] {
  return [
    ...composeProjects(project).map((p) => composeTarget(project, p)),
    ...runtimeImages(project).map((r) => dockerfileTarget(project, r)),
  ];
}

/**
 * Which compose files run together: the model's compose projects, except
 * those another project pulls in with `include:` (they run as part of it),
 * those whose every service is left alone (a dev container's compose file:
 * nothing in it is hardened, so there is nothing to prove) and those with no
 * service the model knows.
 */
export function composeProjects(project: Project): ComposeRun[] {
  const byId = new Map(project.composeProjects.map((p) => [p.id, p]));
  const sources = (paths: string[]) => paths.map((f) => project.files.get(f)).filter((f): f is ComposeSource => f?.kind === 'compose');
  const out: ComposeRun[] = [];
  for (const p of project.composeProjects) {
    if (p.includedBy.length) continue;
    const files = sources(p.files);
    if (!files.length) continue;
    // Files `include:` pulls in, transitively: compose runs their services too, though they are not `-f` files.
    const included: ComposeSource[] = [];
    const queue = [...p.includes];
    for (const seen = new Set<string>(); queue.length; ) {
      const id = queue.shift()!;
      const inc = byId.get(id);
      if (!inc || seen.has(id)) continue;
      seen.add(id);
      for (const f of sources(inc.files)) if (!files.includes(f) && !included.includes(f)) included.push(f);
      queue.push(...inc.includes);
    }
    const services = project.services.filter((s) => files.includes(s.compose) || included.includes(s.compose));
    // No service the model knows (a version 1 file, services at the top level, which nothing
    // hardens): there is no evidence to judge, and booting it only costs builds and pulls.
    if (!services.length || services.every((s) => s.leftAlone)) continue;
    out.push({ files, included, profiles: p.profiles, envFiles: p.envFiles ?? [] });
  }
  return out;
}

/** One compose project as verify runs it. */
export interface ComposeRun {
  /** The `-f` files, in order. */
  files: ComposeSource[];
  /** Files their `include:` pulls in (compose reads them itself). */
  included: ComposeSource[];
  profiles: string[];
  /** `--env-file`s a command gives (absolute); none: compose reads the folder's `.env`. */
  envFiles: string[];
}

/** A runtime image built from a Dockerfile on its own: `target` is the stage to build (undefined: the last). */
export interface RuntimeImage {
  dockerfile: DockerfileSource;
  target?: string;
  /** The stage's name (or index), said when more than one stage of the file is booted or a target is built. */
  stage: string;
  /** More than one runtime stage of this Dockerfile is booted. */
  several: boolean;
}

/**
 * Images that something runs, which no compose service builds or runs: the
 * stages the model gives the runtime role (a CI push or run, or a command to
 * run when nothing builds it), each booted on its own. Bases, builders, test
 * harnesses, packaging and dev container images are not; nor is a stage a
 * compose service builds (the compose project boots it). A runtime stage
 * that is neither the last nor named cannot be built alone and is skipped.
 */
export function runtimeImages(project: Project): RuntimeImage[] {
  const out: RuntimeImage[] = [];
  for (const df of project.dockerfiles) {
    const use = project.layout.roles.get(df.path);
    if (!use) continue;
    const last = df.parsed.stages[df.parsed.stages.length - 1];
    const byCompose = new Set(
      (project.servicesByDockerfile.get(df.path) ?? []).map((s) => finalStage(df.parsed, s.build?.target ?? s.builtImage?.target)?.index),
    );
    const stages = use.stages.filter((st) => st.image && st.role === 'runtime' && !byCompose.has(st.index) && (st.index === last?.index || st.name));
    for (const st of stages) out.push({ dockerfile: df, target: st.index === last?.index ? undefined : st.name, stage: st.name ?? String(st.index), several: stages.length > 1 });
  }
  return out;
}

function composeTarget(project: Project, { files, included, profiles, envFiles }: ComposeRun): VerifyTarget {
  const byName = new Map<string, ServiceLink>();
  // Included files first (a service the including file also defines is an error in compose); later files win: an override's link carries the merged service.
  for (const f of [...included, ...files]) for (const s of project.services) if (s.compose === f) byName.set(s.name, s);
  const rels = files.map((f) => f.rel);
  return {
    id: `compose:${rels.join('+')}`,
    kind: 'compose',
    label: rels.join(' + '),
    root: files[0]!.root,
    files: files.map((f) => f.path),
    included: included.map((f) => f.path),
    profiles,
    envFiles,
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

function dockerfileTarget(project: Project, { dockerfile: df, target: buildTarget, stage, several }: RuntimeImage): VerifyTarget {
  const context = project.contexts.get(df.path)?.[0] ?? path.dirname(df.path);
  return {
    id: `dockerfile:${df.rel}${several ? `#${stage}` : ''}`,
    kind: 'dockerfile',
    label: `${df.rel}${several || buildTarget ? ` (stage ${stage})` : ''}`,
    root: df.root,
    files: [df.path],
    included: [],
    profiles: [],
    envFiles: [],
    ...(buildTarget ? { buildTarget } : {}),
    services: [{ name: DOCKERFILE_SERVICE, dockerfile: df.path, context, binds: [] }],
  };
}
