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
// A GitHub Actions expression left in a tag (`${{ secrets.DOCKERHUB_USERNAME }}`) is one value not known, braces and all.
const VARIABLE = /\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^()]*\)|\$[A-Za-z_]\w*/g;

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
    // A name holding a CI expression is settled before the index (ciPlaceholderNames): one left is not known, and as
    // a wildcard it would claim every `<anyone>/app` the repository runs.
    if (CI_EXPRESSION.test(r.name)) continue;
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
  return new RegExp('^' + parts.map((p, i) => (i % 2 ? PLACEHOLDER_PATTERN.get(p) ?? tagMatchPattern(p) ?? '.+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('') + '$');
}

/**
 * Placeholders for the parts of a tag docker/metadata-action makes from the Git tag, commit or pull request
 * (evidence/metadata-action.ts): each matches what that part can be, so `${{semver.major}}.${{semver.minor}}`
 * matches `1.9` and not `latest` or `1.9.6`. `any` (a branch or Git tag name) matches any tag.
 */
export const TAG_PLACEHOLDER = {
  version: '${{semver.version}}',
  raw: '${{semver.raw}}',
  major: '${{semver.major}}',
  minor: '${{semver.minor}}',
  patch: '${{semver.patch}}',
  number: '${{pr.number}}',
  shortSha: '${{git.short_sha}}',
  longSha: '${{git.sha}}',
  any: '${{git.ref_name}}',
  // `{{date 'YYYYMMDD'}}`: moment's digit tokens (https://momentjs.com/docs/#/displaying/format/).
  year: '${{date.yyyy}}',
  twoDigits: '${{date.nn}}',
  oneOrTwoDigits: '${{date.n}}',
} as const;

/** `type=match`'s group as a placeholder: `${{git.tag_match:<regex>}}`, the regex the part of the Git tag matches. */
const TAG_MATCH = /^\$\{\{git\.tag_match:(.*)\}\}$/;

/**
 * The placeholder for a part of the Git tag that a regex takes (docker/metadata-action `type=match`); undefined when
 * the regex cannot stand in a tag or a placeholder (a brace, `/`, `:`, `@`, `$`, whitespace), holds an anchor or `[^…]`
 * (`^`) or a back-reference, would change when matched in lower case (`\D`), or does not compile.
 */
export function tagMatchPlaceholder(regex: string): string | undefined {
  if (!regex || /[{}/:@$\s^]|\\[A-Z]|\\\d/.test(regex)) return undefined;
  try {
    new RegExp(regex);
  } catch {
    return undefined;
  }
  return `\${{git.tag_match:${regex}}}`;
}

const PLACEHOLDER_PATTERN = new Map<string, string>([
  // https://semver.org: a pre-release after `-` (`2.0.8-beta.67`); build metadata is not in a Docker tag. Only the
  // usual pre-release words are taken: any `-word` would make `1.2.3-alpine`, the tag of a `suffix=-alpine` build of
  // the same image, a version of the plain build too, and link it to neither.
  [TAG_PLACEHOLDER.version, '\\d+\\.\\d+\\.\\d+(?:-(?:alpha|beta|rc|pre|preview|dev|canary|next|snapshot)(?:[.-]?\\d+)*)?'],
  // `{{raw}}`: the Git tag as pushed, with its `v` if it has one.
  [TAG_PLACEHOLDER.raw, 'v?\\d+\\.\\d+\\.\\d+(?:-(?:alpha|beta|rc|pre|preview|dev|canary|next|snapshot)(?:[.-]?\\d+)*)?'],
  [TAG_PLACEHOLDER.major, '\\d+'],
  [TAG_PLACEHOLDER.minor, '\\d+'],
  [TAG_PLACEHOLDER.patch, '\\d+'],
  [TAG_PLACEHOLDER.number, '\\d+'],
  [TAG_PLACEHOLDER.shortSha, '[0-9a-f]{7}'],
  [TAG_PLACEHOLDER.longSha, '[0-9a-f]{40}'],
  [TAG_PLACEHOLDER.year, '\\d{4}'],
  [TAG_PLACEHOLDER.twoDigits, '\\d{2}'],
  [TAG_PLACEHOLDER.oneOrTwoDigits, '\\d{1,2}'],
]);

function tagMatchPattern(placeholder: string): string | undefined {
  const m = TAG_MATCH.exec(placeholder);
  return m ? `(?:${m[1]})` : undefined;
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

/**
 * The builds behind an image reference, for people (--explain): those findBuiltImage chooses from (the builds of this
 * very tag, else of this name); `linked` is the one it links, undefined when they disagree (or there are none).
 */
export function buildsOfTag(index: ImageIndex, ref: string): { builds: BuiltImage[]; linked?: BuiltImage } {
  const c = candidateBuilds(index, ref);
  return { builds: c.builds, linked: c.builds.length ? oneBuild(c.builds) : undefined };
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
  // A tag docker/metadata-action makes from the branch or Git tag name matches any tag: a build whose tag says more
  // (`v${{semver.version}}-alpine` for `v8.1.2-alpine`) wins over one pushed under whatever the branch is called.
  const specific = exact.filter((b) => !b.tag.includes(TAG_PLACEHOLDER.any));
  if (specific.length) return { builds: specific, ofTag: true };
  return exact.length ? { builds: exact, ofTag: true } : { builds: sameName, ofTag: false };
}

/**
 * The build these all stand for when they come from one Dockerfile and target; undefined when they differ. Two
 * Dockerfiles pushed under one tag (snipe-it's Dockerfile and Dockerfile.alpine both to `snipe/snipe-it`, the
 * second's tags made by docker/metadata-action with `suffix=-alpine`, when a tag matches both) leave the registry holding
 * whichever pushed last: taking the first read linked `snipe/snipe-it:latest` to the Alpine file and dropped every
 * capability of the root supervisord image that tag is.
 */
function oneBuild(builds: BuiltImage[]): BuiltImage | undefined {
  const first = builds[0]!;
  return builds.every((b) => b.dockerfile === first.dockerfile && b.target === first.target) ? first : undefined;
}

/** `${{ … }}`: a GitHub Actions expression. */
const CI_EXPRESSION = /\$\{\{[^}]*\}\}/;

/** A build whose tag names its image through a CI expression, and what became of it. */
export interface CiPlaceholderName {
  /** The build as read (its tag holds the expression). */
  build: BuiltImage;
  /** The build under the name the expression was read as; undefined: not linked. */
  resolved?: BuiltImage;
  /** Why it was read so, or why it is not linked. */
  note: string;
}

/**
 * Tags a CI workflow gives with an expression in the name (`${{ secrets.DOCKERHUB_USERNAME }}/app:latest`,
 * `ghcr.io/${{ github.repository_owner }}/app` in a checkout with no GitHub remote): the value is GitHub's, not in
 * the repository. It is read from the images the repository runs (`used`: compose `image:`, `docker run`), by the
 * rest of the name: the one whose owner is the workflow's repository owner (`repoOwner`, from the Git remote or the
 * workflow's own `github.repository == '…'`), else the only one of that name. Two or more of that name and none the
 * owner's, or none at all, leave the build unlinked, with a note saying so. The tag part keeps its expressions (a
 * pattern, as `${VERSION}` is).
 */
export function ciPlaceholderNames(builds: BuiltImage[], used: string[], repoOwner: (b: BuiltImage) => { owner: string; from: string } | undefined): CiPlaceholderName[] {
  const out: CiPlaceholderName[] = [];
  const usedNames = [...new Set(used.filter((u) => u && !u.includes('$')).map((u) => parseImageRef(u).name))];
  for (const build of builds) {
    const cut = tagStart(build.tag);
    const written = build.tag.slice(0, cut);
    if (!CI_EXPRESSION.test(written)) continue;
    const tagPart = build.tag.slice(cut);
    // Docker Hub names are compared without their registry, as parseImageRef gives them.
    const name = written.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//i, '');
    const lastPart = name.replace(VARIABLE, '\u0000').split('/').pop() ?? '';
    const expressions = [...name.matchAll(new RegExp(VARIABLE.source, 'g'))].map((m) => m[0]);
    if (!/[a-z0-9]/i.test(lastPart.replace(/\u0000/g, ''))) {
      out.push({ build, note: `the image's own name is ${expressions.join(' ')}, a value GitHub gives the workflow: not known here, so no image is linked to this build` });
      continue;
    }
    const pattern = new RegExp(
      '^' + name.toLowerCase().split(new RegExp(`(${VARIABLE.source})`)).map((p, i) => (i % 2 ? '(.+?)' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('') + '$',
    );
    const candidates = usedNames.flatMap((n) => {
      const m = pattern.exec(n);
      return m ? [{ name: n, values: m.slice(1) }] : [];
    });
    const repo = repoOwner(build);
    const owned = repo ? candidates.filter((c) => c.values.some((v) => v === repo.owner || v.endsWith(`/${repo.owner}`) || v.startsWith(`${repo.owner}/`))) : [];
    const pick = (list: typeof candidates) => (new Set(list.map((c) => c.name)).size === 1 ? list[0] : undefined);
    const chosen = pick(owned) ?? (owned.length ? undefined : pick(candidates));
    const shown = expressions.join(' and ');
    if (chosen) {
      const why = pick(owned) ? `the workflow's repository owner ${repo!.owner} (${repo!.from})` : `the only image of that name the repository runs`;
      const note = `${shown} read as ${chosen.values.join(', ')}: ${chosen.name} is ${why}`;
      out.push({ build, resolved: { ...build, tag: `${chosen.name}${tagPart}`, via: `${build.via}, ${written} read as ${chosen.name}` }, note });
      continue;
    }
    const names = [...new Set((owned.length ? owned : candidates).map((c) => c.name))].sort();
    out.push({
      build,
      note: names.length
        ? `${shown} is a value GitHub gives the workflow; the repository runs ${names.length} images it could be (${names.join(', ')})${repo && !owned.length ? `, none of them the repository owner ${repo.owner}'s` : ''}: not linked`
        : `${shown} is a value GitHub gives the workflow, and no image the repository runs (compose image:, docker run) ends in ${JSON.stringify(name.replace(VARIABLE, '…'))}: not linked`,
    });
  }
  return out;
}

/** One docker/metadata-action `images:` entry to another: the names it lists together (src/evidence/sources.ts). */
export interface ListedName {
  source: string;
  target: string;
  via?: string;
  at: Evidence;
}

/** An image name that is one CI expression and nothing else (`${{ secrets.DOCKERHUB_REPO }}`), tag or not. */
const WHOLE_CI_EXPRESSION = /^\$\{\{[^}]*\}\}(?::[^/]*)?$/;

/**
 * Image names that are one CI expression (`${{ secrets.DOCKERHUB_REPO }}`) listed in one docker/metadata-action
 * `images:` beside a name this repository builds (`ghcr.io/${{ github.repository }}`, read from the Git remote as
 * ghcr.io/dockur/dnsmasq). The action gives every name it lists the same tags of the same build: one image pushed
 * under several registries' names (https://github.com/docker/metadata-action#images), and those names keep the
 * image's own name, the last path part, across registries and owners. So the expression is read as the image the
 * repository runs (compose `image:`, `docker run`) that ends in that last part under another owner (dockur/dnsmasq's
 * compose runs dockurr/dnsmasq): the workflow's repository owner's, else the only one. Official images (no owner:
 * `nginx`) are never taken, nor a name the repository builds itself. Each build of the listed name gives one under
 * the name read; those not settled give nothing (the expression stays unknown, as before).
 */
export function listedPlaceholderNames(listed: ListedName[], builds: BuiltImage[], used: string[], repoOwner: (b: BuiltImage) => { owner: string; from: string } | undefined): CiPlaceholderName[] {
  const out: CiPlaceholderName[] = [];
  const builtNames = new Set(builds.filter((b) => !b.tag.includes('$')).map((b) => parseImageRef(b.tag).name));
  const usedNames = [...new Set(used.filter((u) => u && !u.includes('$')).map((u) => parseImageRef(u).name))];
  const seen = new Set<string>();
  for (const l of listed) {
    if (l.via !== 'docker/metadata-action images' || !WHOLE_CI_EXPRESSION.test(l.target) || l.source.includes('$')) continue;
    const expression = l.target.replace(/:[^/]*$/, '');
    const sourceName = parseImageRef(l.source).name;
    const last = sourceName.split('/').pop()!;
    const candidates = usedNames.filter((n) => n.includes('/') && n.split('/').pop() === last && n !== sourceName && !builtNames.has(n));
    for (const build of builds) {
      if (CI_EXPRESSION.test(build.tag.slice(0, tagStart(build.tag)))) continue;
      if (parseImageRef(build.tag.slice(0, tagStart(build.tag))).name !== sourceName) continue;
      const key = `${expression}\0${build.tag}\0${build.dockerfile}\0${build.target ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const repo = repoOwner(build);
      // The owner is the first path part after a registry (a host: a dot or colon, or localhost).
      const ownerOf = (n: string) => n.split('/').find((p, i, all) => i < all.length - 1 && !(i === 0 && all.length > 2 && /[.:]|^localhost$/.test(p)));
      const owned = repo ? candidates.filter((n) => ownerOf(n) === repo.owner) : [];
      const chosen = owned.length === 1 ? owned[0] : owned.length ? undefined : candidates.length === 1 ? candidates[0] : undefined;
      const tagPart = build.tag.slice(tagStart(build.tag));
      const asRead = { ...build, tag: `${expression}${tagPart}` };
      const where = `${expression} is listed with ${sourceName} in one docker/metadata-action images (one image under several names)`;
      if (!chosen) {
        out.push({
          build: asRead,
          note: candidates.length
            ? `${where}; the repository runs ${candidates.length} images ending in /${last} it could be (${[...candidates].sort().join(', ')}): not linked`
            : `${where}; no image the repository runs ends in /${last} under another name: not linked`,
        });
        continue;
      }
      const why = owned.length ? `the workflow's repository owner ${repo!.owner} (${repo!.from})` : `the only image ending in /${last} the repository runs`;
      out.push({
        build: asRead,
        resolved: { ...build, tag: `${chosen}${tagPart}`, via: `${build.via}, ${expression} (listed with ${sourceName}) read as ${chosen}` },
        note: `${where}: read as ${chosen}, ${why}`,
      });
    }
  }
  return out;
}
