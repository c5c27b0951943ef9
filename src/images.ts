// Images built in this repository: each tag with the Dockerfile, target and
// context it is built from, and the evidence that says so (a compose service
// with `image:` and `build:`, `docker build -t`, bake, build-push-action).
// `image: org/app` services and `FROM org/base` stages that name such a tag
// are judged by that Dockerfile instead of the knowledge table.
import { parseImageRef } from './parse/image-ref.js';
import type { Evidence } from './evidence/types.js';

export interface BuiltImage {
  /** The tag as written (`org/app:${VERSION}`; variables the file defines expanded). */
  tag: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Absolute path of the build context. */
  context: string;
  /** The stage built; undefined: the last stage. */
  target?: string;
  /** `compose service api`, `docker build`, `bake target app`, `docker/build-push-action`. */
  via: string;
  at: Evidence;
}

export interface ImageIndex {
  all: BuiltImage[];
  /** By canonical name (no tag), for tags whose name has no variable. */
  byName: Map<string, BuiltImage[]>;
  /** Tags whose name holds a variable (`${REGISTRY}/app`), matched as patterns. */
  patterns: { name: RegExp; image: BuiltImage }[];
}

/** `name:tag` as compared: canonical name (Hub `library/` and `docker.io/` dropped), tag `latest` when absent. */
export function normalizeTag(ref: string): string {
  const r = parseImageRef(ref);
  return `${r.name}:${r.tag ?? 'latest'}`;
}

/** `${VAR:-default}` and `${VAR-default}` (no nested variable in the default). */
const DEFAULTED_VARIABLE = /\$\{[A-Za-z_]\w*:?-([^${}]*)\}/g;
// Make's `$(VERSION)` (and a shell `$(cat VERSION)`) that the evidence could not expand is a value not known, as `${VERSION}` is.
const VARIABLE = /\$\{[^}]*\}|\$\([^()]*\)|\$[A-Za-z_]\w*/g;

export function indexImages(images: BuiltImage[]): ImageIndex {
  const index: ImageIndex = { all: images, byName: new Map(), patterns: [] };
  for (const image of images) {
    // A variable the repository leaves unset takes its default, as compose does
    // (`${APP_IMAGE:-org/app}:${VERSION:-latest}` builds org/app); the tag
    // part keeps its variables and is matched as a pattern.
    const r = parseImageRef(image.tag.replace(DEFAULTED_VARIABLE, (whole, fallback: string, at: number) => (at < tagStart(image.tag) ? fallback : whole)));
    if (!r.name.includes('$')) {
      index.byName.set(r.name, [...(index.byName.get(r.name) ?? []), image]);
      continue;
    }
    // A variable may stand for a registry or an owner, never for the image's own
    // name: the last path part must keep a literal once its variables are gone.
    const lastPart = r.name.replace(VARIABLE, '\u0000').split('/').pop() ?? '';
    if (!/[a-z0-9]/.test(lastPart.replace(/\u0000/g, ''))) continue;
    index.patterns.push({ name: toPattern(r.name), image });
  }
  return index;
}

/** Where the tag (after the name's last `:` outside a variable) starts; the length when there is none. */
function tagStart(ref: string): number {
  const masked = ref.replace(VARIABLE, (v) => 'x'.repeat(v.length));
  const colon = masked.lastIndexOf(':');
  return colon > masked.lastIndexOf('/') ? colon : ref.length;
}

function toPattern(s: string): RegExp {
  const parts = s.split(new RegExp(`(${VARIABLE.source})`));
  return new RegExp('^' + parts.map((p, i) => (i % 2 ? '.+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('') + '$');
}

function tagMatches(built: string | undefined, wanted: string | undefined): boolean {
  const b = built ?? 'latest';
  const w = wanted ?? 'latest';
  if (b === w) return true;
  if (!b.includes('$')) return false;
  return toPattern(b.toLowerCase()).test(w.toLowerCase());
}

/**
 * The build of an image reference, if this repository builds it: the builds whose
 * tag matches name and tag, else every build of that name, when they all come from
 * one Dockerfile and target (`FROM org/base:1.2` and `docker build -t
 * org/base:latest`). A reference whose own name is a variable matches nothing.
 */
export function findBuiltImage(index: ImageIndex, ref: string): BuiltImage | undefined {
  const c = candidateBuilds(index, ref);
  return c.builds.length ? oneBuild(c.builds) : undefined;
}

/**
 * The builds tagged with this very tag (or a variable tag that matches it) when they come from more than one
 * Dockerfile or target, so that findBuiltImage links none: the report then says why a tag this repository builds
 * is not followed. Builds of the name under other tags only are not counted: none of them is said to be this tag.
 */
export function conflictingBuilds(index: ImageIndex, ref: string): BuiltImage[] {
  const c = candidateBuilds(index, ref);
  return c.ofTag && c.builds.length > 1 && !oneBuild(c.builds) ? c.builds : [];
}

function candidateBuilds(index: ImageIndex, ref: string): { builds: BuiltImage[]; ofTag: boolean } {
  if (!ref || /\$/.test(ref)) return { builds: [], ofTag: false };
  const r = parseImageRef(ref);
  const sameName = [...(index.byName.get(r.name) ?? []), ...index.patterns.filter((p) => p.name.test(r.name)).map((p) => p.image)];
  if (sameName.length === 0) return { builds: [], ofTag: false };
  // A build that names this very tag wins over one whose tag is a variable that could be it
  // (`FROM org/app:build-healthcheck` is the build tagged so, not the one tagged `org/app:$VERSION`).
  const named = (index.byName.get(r.name) ?? []).filter((b) => (parseImageRef(b.tag).tag ?? 'latest') === (r.tag ?? 'latest'));
  if (named.length) return { builds: named, ofTag: true };
  const exact = sameName.filter((b) => tagMatches(parseImageRef(b.tag).tag, r.tag));
  return exact.length ? { builds: exact, ofTag: true } : { builds: sameName, ofTag: false };
}

/**
 * The build these all stand for when they come from one Dockerfile and target; undefined when they differ. Two
 * Dockerfiles pushed under one tag (snipe-it's Dockerfile and Dockerfile.alpine both to `snipe/snipe-it`, the
 * second's tags made by docker/metadata-action with `suffix=-alpine`, which is not read) leave the registry holding
 * whichever pushed last: taking the first read linked `snipe/snipe-it:latest` to the Alpine file and dropped every
 * capability of the root supervisord image that tag is.
 */
function oneBuild(builds: BuiltImage[]): BuiltImage | undefined {
  const first = builds[0]!;
  return builds.every((b) => b.dockerfile === first.dockerfile && b.target === first.target) ? first : undefined;
}
