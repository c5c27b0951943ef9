// Docker image references, split by hand: dockerfile-ast 0.7.1 misreads
// `registry:5000/img:tag@sha256:…`. Rules (as in distribution/reference):
// the digest follows `@`; the tag follows the last `:` with no `/` after it;
// the first path component is a registry only if it has `.` or `:` or is
// `localhost`. `${…}` spans are opaque, so `node:${TAG:-20}` keeps its tag.

export interface ImageRef {
  /** The reference as written (trimmed; leading `--flag` words and anything after the reference dropped). */
  raw: string;
  /** As written: 'registry:5000', 'gcr.io', 'docker.io', 'public.ecr.aws'. */
  registry?: string;
  /** Repository path without the registry, as written: 'library/nginx', 'distroless/static-debian12'. */
  path: string;
  /**
   * Canonical, lower-cased name used to match the knowledge table:
   * - Docker Hub official images lose `docker.io/` and `library/` ('nginx'), and so do their per-architecture
   *   copies their architecture's organisation (`arm32v7/node` -> 'node');
   *   Hub user images keep `owner/repo` ('bitnami/redis').
   * - Known Hub mirrors resolve to the Hub name: `public.ecr.aws/docker/library/x`,
   *   `mirror.gcr.io/…`.
   * - A private registry (one not in PUBLIC_REGISTRIES) is read as a mirror of an
   *   official image when its path is one component (`registry:5000/node` -> 'node')
   *   or ends in `library/<x>` (`harbor/proxy/library/node` -> 'node'). Any other
   *   private path keeps registry + path (`registry:5000/nginxinc/nginx-unprivileged`
   *   stays as written, so it is unknown to the table: we do not guess owners).
   * - Any other registry keeps registry + path ('gcr.io/distroless/static-debian12').
   */
  name: string;
  tag?: string;
  /** 'sha256:…' */
  digest?: string;
  /** Contains `$` (an ARG not resolved here). */
  hasVariables: boolean;
}

/** Registry hosts that mean Docker Hub. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/**
 * Public registries whose paths are their own, never Hub mirrors: the private-mirror
 * heuristic must not turn `registry.access.redhat.com/ubi9` into an official `ubi9`.
 */
const PUBLIC_REGISTRIES = [
  /^(.+\.)?gcr\.io$/,
  /^.+\.pkg\.dev$/,
  /^ghcr\.io$/,
  /^quay\.io$/,
  /^cgr\.dev$/,
  /^mcr\.microsoft\.com$/,
  /^registry\.access\.redhat\.com$/,
  /^registry\.redhat\.io$/,
  /^public\.ecr\.aws$/,
  /^registry\.k8s\.io$/,
  /^docker\.elastic\.co$/,
  /^registry\.gitlab\.com$/,
  /^nvcr\.io$/,
  /^registry\.fedoraproject\.org$/,
  /^container-registry\.oracle\.com$/,
  /^lscr\.io$/,
  // Gitea publishes its images here since 1.23 (docker.gitea.com/gitea): a one-part path there is not a mirror of an official image.
  /^docker\.gitea\.com$/,
];

/** Replace every `${…}` span (nesting allowed) by `_` so separators inside it are ignored. */
function maskVariables(s: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      out += '__';
      i++;
      continue;
    }
    if (depth > 0) {
      if (s[i] === '{') depth++;
      else if (s[i] === '}') depth--;
      out += '_';
      continue;
    }
    out += s[i];
  }
  return out;
}

/** First word that is not a `--flag`: callers may hand us `--platform=… img AS x`. */
function refWord(input: string): string {
  const words = input.trim().split(/\s+/);
  return words.find((w) => !w.startsWith('--')) ?? '';
}

/**
 * Docker Hub organisations that hold the official images built for one architecture (`arm32v7/node`, `arm64v8/postgres`):
 * the same Dockerfiles as `library/` (docker-library/official-images README, "Architectures other than amd64?"), so the
 * same facts (docker-hub-rss' `Dockerfile-armv7`, FROM arm32v7/node:12-alpine, has node's user 1000 as node:12-alpine has).
 * Not `winamd64/`: its images are the Windows variants, which the table's Linux rows do not describe.
 */
const ARCH_ORGS = new Set(['amd64', 'arm32v5', 'arm32v6', 'arm32v7', 'arm64v8', 'i386', 'mips64le', 'ppc64le', 'riscv64', 's390x']);

function hubName(path: string): string {
  const parts = path.split('/');
  return parts.length === 2 && (parts[0] === 'library' || ARCH_ORGS.has(parts[0]!)) ? parts[1]! : path;
}

function canonicalName(registry: string | undefined, path: string): string {
  const reg = registry?.toLowerCase();
  const p = path.toLowerCase();
  if (reg === undefined || DOCKER_HUB.has(reg)) return hubName(p);
  if (reg === 'mirror.gcr.io') return hubName(p);
  if (reg === 'public.ecr.aws' && p.startsWith('docker/library/')) return hubName(p.slice('docker/'.length));
  if (reg.includes('$') || PUBLIC_REGISTRIES.some((re) => re.test(reg))) return `${reg}/${p}`;
  // Private registry: read as a pull-through mirror of an official image where the path says so.
  const parts = p.split('/');
  if (parts.length === 1) return p;
  if (parts[parts.length - 2] === 'library') return parts[parts.length - 1]!;
  return `${reg}/${p}`;
}

export function parseImageRef(input: string): ImageRef {
  const raw = refWord(input);
  const masked = maskVariables(raw);

  let rest = raw;
  let restMasked = masked;
  let digest: string | undefined;
  const at = masked.indexOf('@');
  if (at >= 0) {
    digest = raw.slice(at + 1);
    rest = raw.slice(0, at);
    restMasked = masked.slice(0, at);
  }

  let tag: string | undefined;
  const colon = restMasked.lastIndexOf(':');
  if (colon >= 0 && !restMasked.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    restMasked = restMasked.slice(0, colon);
  }

  let registry: string | undefined;
  let path = rest;
  const slash = restMasked.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    // A whole-variable first component (`${REGISTRY}/app`) is almost always a registry.
    if (/[.:]/.test(first) || first.toLowerCase() === 'localhost' || first.includes('$')) {
      registry = first;
      path = rest.slice(slash + 1);
    }
  }

  const ref: ImageRef = {
    raw,
    path,
    name: canonicalName(registry, path),
    hasVariables: raw.includes('$'),
  };
  if (registry !== undefined) ref.registry = registry;
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * Re-assemble; used to write a swapped image (`nginx:1.27-alpine` ->
 * `nginxinc/nginx-unprivileged:1.27-alpine`). The caller decides what to keep:
 * a digest of the old image must not be carried over to a new repository.
 */
export function formatImageRef(parts: { registry?: string; path: string; tag?: string; digest?: string }): string {
  let s = parts.registry ? `${parts.registry}/${parts.path}` : parts.path;
  if (parts.tag !== undefined) s += `:${parts.tag}`;
  if (parts.digest !== undefined) s += `@${parts.digest}`;
  return s;
}
