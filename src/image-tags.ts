// Image tags built in this repository, and the services that run them by tag.
// A compose service with both `build:` and `image: X` names its build's
// result X; another service (often in another compose file: a production file
// that only pulls) that says `image: X` with no `build:` runs that same image.
//
// This is the minimal case of "image tag built here -> Dockerfile" (compose
// only). The project model's evidence layer (issue 11) reads more sources
// (docker build -t, bake, CI); when it lands, `builtImageTags` is the one
// function to answer from it instead.
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import { parseImageRef } from './parse/image-ref.js';

export interface BuiltImageTag {
  /** The tag as a building service writes it. */
  tag: string;
  dockerfile: DockerfileSource;
  target?: string;
  /** The service that builds it (and names it). */
  builtBy: ServiceLink;
}

/** `org/web`, `docker.io/org/web:latest` and `org/web:latest` name one image. */
export function imageKey(image: string): string | undefined {
  if (image.includes('$')) return undefined;
  const ref = parseImageRef(image);
  if (!ref.name || ref.digest) return undefined;
  return `${ref.name}:${ref.tag || 'latest'}`;
}

interface TagIndex {
  tags: BuiltImageTag[];
  byKey: Map<string, BuiltImageTag>;
}

const cache = new WeakMap<Project, TagIndex>();

function tagIndex(project: Project): TagIndex {
  let index = cache.get(project);
  if (index) return index;
  index = { tags: [], byKey: new Map() };
  for (const s of project.services) {
    if (!s.dockerfile || typeof s.effective.image !== 'string') continue;
    const key = imageKey(s.effective.image);
    if (key === undefined) continue;
    const tag = { tag: s.effective.image, dockerfile: s.dockerfile, target: s.build?.target, builtBy: s };
    index.tags.push(tag);
    if (!index.byKey.has(key)) index.byKey.set(key, tag);
  }
  cache.set(project, index);
  return index;
}

/** Tags that compose services build from Dockerfiles in the model. */
export function builtImageTags(project: Project): BuiltImageTag[] {
  return tagIndex(project).tags;
}

/** The build a service with `image:` and no `build:` runs, when that tag is built here. */
export function builtImageOf(project: Project, s: ServiceLink): BuiltImageTag | undefined {
  if (s.build || s.effective.build !== undefined || typeof s.effective.image !== 'string') return undefined;
  const index = tagIndex(project);
  if (index.byKey.size === 0) return undefined;
  const key = imageKey(s.effective.image);
  return key === undefined ? undefined : index.byKey.get(key);
}

const runners = new WeakMap<Project, Map<string, ServiceLink[]>>();

/** Services that run, by tag and without building it, an image a Dockerfile here builds (for that Dockerfile's target). */
export function servicesRunningBuiltImage(project: Project, dockerfile: DockerfileSource, target?: string): ServiceLink[] {
  let byBuild = runners.get(project);
  if (!byBuild) {
    // One pass over the services per model: transforms ask for every Dockerfile.
    byBuild = new Map();
    if (builtImageTags(project).length) {
      for (const s of project.services) {
        const built = builtImageOf(project, s);
        if (!built) continue;
        const key = `${built.dockerfile.path}\0${built.target ?? ''}`;
        byBuild.set(key, [...(byBuild.get(key) ?? []), s]);
      }
    }
    runners.set(project, byBuild);
  }
  return byBuild.get(`${dockerfile.path}\0${target ?? ''}`) ?? [];
}
