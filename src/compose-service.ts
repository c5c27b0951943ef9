// Questions compose transforms ask of a service, answered once.
import path from 'node:path';
import { isAlias, isMap, isPair, isSeq, isScalar, type Pair, type Scalar, type YAMLSeq } from 'yaml';
import { observedServiceKey, type DockerfileSource, type Project, type ServiceLink, type VolumeMount } from './model.js';
import type { DataChange, Edit, Finding, MigrationNote } from './types.js';
import type { TransformContext } from './transform.js';
import type { DfStage } from './parse/dockerfile.js';
import { isMergeKey, isRecord } from './parse/compose.js';
import { aliasTarget } from './parse/yaml-size.js';
import { effectiveInstructions } from './parse/dockerfile.js';
import { parseImageRef } from './parse/image-ref.js';
import { currentDiscoveredFacts, factSources, lookupImage, type ImageFacts } from './knowledge/images.js';
import { finalStage, resolveStageBase, effectiveUser, isRootUser, windowsSign, type StageBase } from './dockerfile-info.js';
import { appendSeqItems, insertMapEntry, insertMapEntryAt, mapValue, replaceNode, seqItemScalar, yamlFlowMap, yamlScalar, type MapPlace } from './edits.js';
import { runningProjects, serviceFileOrder, type ComposeProject, type SwarmDeploy } from './layout.js';
import { mergeComposeService } from './compose-merge.js';
import { lineOfOffset } from './text.js';
import { interpolatedOr } from './compose-interpolate.js';
import { isFile } from './read.js';
import { dockerfileFileCaps, s6OverlayStart } from './start-scripts.js';

/**
 * A partial service in an override file whose base file defines it too: the
 * base gets the fix, and compose merges it; adding it again would duplicate it.
 */
export function isPartialOverride(s: ServiceLink): boolean {
  return s.base !== undefined;
}

export function isPrivileged(s: ServiceLink): boolean {
  return s.effective.privileged === true;
}

/** A string list under `key` in the merged service, or [] (compose accepts only lists for these). */
export function stringList(s: ServiceLink, key: string): string[] {
  const v = s.effective[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The JSON path of a service in its document, for DataChange intents. */
export function servicePath(s: ServiceLink, ...rest: (string | number)[]): (string | number)[] {
  return ['services', s.name, ...rest];
}

/** Where a finding about a service points: its key. */
export function serviceRange(s: ServiceLink): [number, number] {
  const r = s.node.keyNode.range!;
  return [r[0], r[1]];
}

/** An explicit `user:` in compose (`root`, `0`, `1000:1000`), if any. */
export function composeUser(s: ServiceLink): string | undefined {
  const u = s.effective.user;
  if (typeof u === 'number') return String(u);
  if (typeof u !== 'string') return undefined;
  // Interpolated as compose does (`user: "${APP_UID:-1000}"`, from .env or the --env-file): a variable with no value
  // here stays as written, which no one can read as a user.
  return u.includes('$') && s.interpolation ? interpolatedOr(u, s.interpolation).value : u;
}

/**
 * `privileged: true` makes any restriction theatre: every compose transform
 * reports it the same way (CIS 5.5) instead of pretending to harden it.
 */
export function privilegedNote(transform: string, s: ServiceLink, restriction: string): Finding {
  return serviceNote(
    transform,
    '5.5',
    s,
    `privileged: true makes ${restriction} meaningless; nothing added`,
    'Remove privileged: true and add only the capabilities and devices the service needs; then run docker-harden again.',
  );
}

/** A finding about a service with no fix: what is wrong and what to do by hand. */
export function serviceNote(
  transform: string,
  cis: string,
  s: ServiceLink,
  message: string,
  manual: string,
  severity: Finding['severity'] = 'warning',
): Finding {
  return { transform, file: s.compose.path, range: serviceRange(s), message: `service ${s.name}: ${message}`, severity, cis, manual };
}

export { isRecord };

// ------------------------------------------------------------ image and user

export interface ServiceImage {
  /** Built from this repository (`build:` with a Dockerfile in the model). */
  built: boolean;
  /** `build:` names a context or Dockerfile that is not in the model (remote, missing, excluded). */
  buildElsewhere?: boolean;
  dockerfile?: DockerfileSource;
  /** The stage that becomes the image, and what it starts from. */
  stage?: DfStage;
  base?: StageBase;
  /** The prebuilt image, or the external base of the built one. */
  image?: string;
  /** Knowledge about that image; undefined for an image we do not know. */
  facts?: ImageFacts;
  /** When `image:` holds variables: what they resolved to and from which file (`.env:27`) or default. */
  imageFrom?: string;
}

/**
 * Where a fix's image facts came from, for its message, when that is not the
 * knowledge table read by the name as written: the engine (inspected image)
 * and the `.env` values or defaults its `image:` was read with. Empty otherwise.
 */
export function imageProvenance(img: ServiceImage, inspectedToo = !img.built): string {
  const parts = [
    ...(inspectedToo && img.facts?.family === 'inspected' ? [img.facts.source] : []),
    ...(!img.built && img.imageFrom ? [img.imageFrom] : []),
  ];
  return parts.length ? ` (${parts.join('; ')})` : '';
}

// With the discovered facts the answer was made under (inspection, observation): new facts, a new answer.
const imageOf = new WeakMap<ServiceLink, { img: ServiceImage; facts: ReturnType<typeof currentDiscoveredFacts> }>();

/**
 * What the service runs: its Dockerfile's final stage when it builds one (the
 * `image:` then only names the result), or the Dockerfile that builds its
 * `image:` tag in this repository, else its prebuilt image. A `build:` whose
 * Dockerfile is not in the model (remote context, missing file) is unknown. A
 * base image built here (`FROM org/base`) is followed into its Dockerfile.
 * Asked by several transforms per pass; the model makes new ServiceLinks when
 * files change, so one answer per ServiceLink never goes stale.
 */
export function serviceImage(s: ServiceLink, project: Project): ServiceImage {
  const facts = currentDiscoveredFacts();
  const known = imageOf.get(s);
  if (known && known.facts === facts) return known.img;
  const img = resolveServiceImage(s, project);
  imageOf.set(s, { img, facts });
  return img;
}

function resolveServiceImage(s: ServiceLink, project: Project): ServiceImage {
  if (s.build) {
    const df = s.dockerfile;
    if (!df) return { built: false, buildElsewhere: true };
    const stage = finalStage(df.parsed, s.build.target);
    if (!stage) return { built: true, dockerfile: df };
    const base = resolveStageBase(df.parsed, stage, s.build.args, project.parents);
    return { built: true, dockerfile: df, stage, base, image: base.image, facts: base.facts };
  }
  // A remote build context (git URL): the model links no Dockerfile; `image:` only names the result.
  if (s.effective.build !== undefined) return { built: false, buildElsewhere: true };
  if (!s.image) return { built: false };
  return { built: false, image: s.image, facts: lookupImage(parseImageRef(s.image)), ...(s.imageFrom ? { imageFrom: s.imageFrom } : {}) };
}

export interface RuntimeUser {
  /** As written (`root`, `app`, `1000:1000`); `root` when not known. */
  user: string;
  known: boolean;
  root: boolean;
  from: 'compose' | 'dockerfile' | 'image' | 'unknown';
}

/**
 * The user the service's process starts as: its compose `user:` if set, else
 * the effective USER of its Dockerfile's final stage, else the image's own
 * default user from the knowledge table. A Dockerfile hardened in one engine
 * pass is seen as non-root in the next.
 */
export function runtimeUser(s: ServiceLink, img: ServiceImage): RuntimeUser {
  const written = composeUser(s);
  if (written !== undefined) {
    const known = !written.includes('$') && written.trim() !== '';
    return { user: written, known, root: !known || isRootUser(written), from: 'compose' };
  }
  if (img.base) {
    const u = effectiveUser(img.base);
    return { user: u.user, known: u.known, root: u.root, from: 'dockerfile' };
  }
  if (img.facts) return { user: img.facts.defaultUser, known: true, root: isRootUser(img.facts.defaultUser), from: 'image' };
  return { user: 'root', known: false, root: true, from: 'unknown' };
}

/** `user: root` or `user: 0` (with or without a group) written in compose: somebody decided it; keep it. */
export function isExplicitRoot(s: ServiceLink): boolean {
  const u = composeUser(s);
  return u !== undefined && isRootUser(u);
}

/**
 * What a hardening transform settles before judging a service's image: an
 * image another transform swaps for a drop-in replacement (nginx: while
 * nginx/unprivileged runs, wait for the next pass, which sees the new image;
 * else report instead of hardening an image about to be replaced) and a Windows
 * image (out of scope). Returns the image to judge, or `done` with the finding
 * (or nothing) that ends the check; `consequence` says what was not done.
 */
export function imageToJudge(
  ctx: TransformContext,
  s: ServiceLink,
  transform: string,
  cis: string,
  consequence: string,
  opts: { judgeNonRoot?: boolean; judgeS6Overlay?: boolean } = {},
): { img: ServiceImage } | { done: Finding | undefined } {
  const img = serviceImage(s, ctx.project);
  const swapTo = img.facts?.swapTo;
  // `judgeNonRoot`: a check whose answer for a process that already starts as a known non-root user is the same on the
  // stock image and on the one it would be swapped for (cap-drop: such a process holds no capabilities either way, since
  // nginx switches users only when its master runs as root: ngx_worker_process_init in src/os/unix/ngx_process_cycle.c,
  // `if (geteuid() == 0)` before setgid/initgroups/setuid). SecObserve's frontend runs stock nginx as USER so_nginx
  // (1001) on port 3000, and waiting for a swap its USER blocks left it with every default capability (rw-history4).
  if (swapTo && opts.judgeNonRoot) {
    const u = runtimeUser(s, img);
    if (u.known && !u.root && (u.from === 'compose' || u.from === 'dockerfile')) return { img };
  }
  // `judgeS6Overlay`: an image built here that starts s6-overlay's /init is never swapped (nginx/unprivileged blocks on
  // its root start), and a check that withholds for /init itself (read-only) says why without waiting for the swap.
  if (swapTo && opts.judgeS6Overlay && img.built && img.base && s6OverlayStart(img.base)) return { img };
  if (swapTo) {
    // nginx/unprivileged swaps it in this pass where it can, and the next pass judges the new image: this note is then
    // gone (only the last pass's unapplied findings are reported). It stays only where the swap did not happen, and
    // then says why this check did nothing and what to do, instead of leaving the service unmentioned.
    if (ctx.enabled('nginx/unprivileged')) {
      // A Dockerfile or compose `user:` may already run the stock image as another user (DefectDojo: USER ${uid}).
      const u = runtimeUser(s, img);
      const runs = u.from !== 'image' && u.from !== 'unknown' && !isRootUser(u.user) ? `is stock nginx run as ${u.user} (its ${u.from === 'compose' ? 'compose user:' : 'Dockerfile USER'})` : 'runs its master process as root';
      return {
        done: serviceNote(
          transform,
          cis,
          s,
          `${img.image} ${runs} and was not swapped for ${swapTo} (the nginx/unprivileged finding${img.dockerfile ? ` on ${img.dockerfile.rel}` : ''} says what blocks it); ${consequence}`,
          `Resolve what blocks the swap to ${swapTo} and run docker-harden again; if the service must keep ${img.image}, decide this setting by hand for the user it runs as.`,
        ),
      };
    }
    return {
      done: serviceNote(
        transform,
        cis,
        s,
        `${img.image} runs its master process as root and is to be swapped for ${swapTo}; ${consequence}`,
        `Use ${swapTo} (enable nginx/unprivileged), then run docker-harden again.`,
      ),
    };
  }
  if (img.facts?.outOfScope) return { done: serviceNote(transform, cis, s, `${img.image} is a Windows image; left unchanged`, img.facts.outOfScope, 'note') };
  // A base the table does not know, built by a Dockerfile that shows it is Windows (SHELL powershell, escape=`).
  const windows = img.built && !img.facts && img.dockerfile && img.base ? windowsSign(img.dockerfile.parsed, img.base.chain) : undefined;
  if (windows) {
    return { done: serviceNote(transform, cis, s, `its Dockerfile builds a Windows image (${windows}); left unchanged`, 'Windows containers are out of scope: capabilities and read-only roots work differently there.', 'note') };
  }
  return { img };
}

/** VOLUME paths declared by the Dockerfile's final stage and the stages it builds on. */
export function dockerfileVolumes(img: ServiceImage): string[] {
  const out: string[] = [];
  for (const stage of img.base?.chain ?? []) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword !== 'VOLUME') continue;
      for (const p of ins.json ?? ins.args) if (p.startsWith('/') && !out.includes(p)) out.push(normalizePath(p));
    }
  }
  return out;
}

export function normalizePath(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

// -------------------------------------------------------------- capabilities

/** `cap_net_bind_service` and `NET_BIND_SERVICE` name the same capability. */
export function capName(c: unknown): string {
  return String(c).trim().toUpperCase().replace(/^CAP_/, '');
}

/**
 * The capabilities Docker gives a container that sets no cap_add or cap_drop (moby oci/caps/defaults.go,
 * DefaultCapabilities; https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities).
 */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

/** Capabilities under `key` (cap_add / cap_drop) in the merged service, normalised. */
export function capList(s: ServiceLink, key: 'cap_add' | 'cap_drop'): string[] {
  const v = s.effective[key];
  return Array.isArray(v) ? v.map(capName) : [];
}

export interface ListeningPorts {
  ports: number[];
  /** Some port could not be read (an unset variable, a `--port $PORT`). */
  unknown: boolean;
  /** Seen listening in verify's baseline run (`observed: listens on 80/tcp (...)`): these ports, not the files', are the answer. */
  observed?: string;
}

/**
 * Container ports the service listens on: what verify's baseline run saw it
 * listen on, else as far as its files say: `ports`
 * targets, `expose`, its Dockerfile's EXPOSE, and a `--port` in its command or
 * entrypoint. For a range, its lowest port. `data` is the service as one
 * compose project runs it (serviceRuns); its own merged view by default.
 */
export function listeningPorts(s: ServiceLink, img: ServiceImage, project: Project, data: Record<string, unknown> = s.effective): ListeningPorts {
  // What the process was seen listening on beats what the files declare (EXPOSE 8080 while it binds 80).
  const seen = project.layout.observedListening.get(observedServiceKey(s.compose.path, s.name));
  if (seen) return { ports: [...seen.ports], unknown: false, observed: seen.how };
  const ports: number[] = [];
  let unknown = false;
  const add = (raw: unknown) => {
    const p = portNumber(raw);
    if (p === undefined) unknown = true;
    else ports.push(p);
  };
  const published = Array.isArray(data.ports) ? data.ports : [];
  for (const p of published) {
    if (isRecord(p)) add(p.target);
    else if (typeof p === 'number') add(p);
    else if (typeof p === 'string') add(p.replace(/\/\w+$/, '').split(':').pop());
    else unknown = true;
  }
  const expose = Array.isArray(data.expose) ? data.expose : [];
  for (const e of expose) add(typeof e === 'string' ? e.replace(/\/\w+$/, '') : e);
  for (const stage of img.base?.chain ?? []) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword === 'EXPOSE') for (const a of ins.args) add(a.replace(/\/\w+$/, ''));
    }
  }
  for (const key of ['command', 'entrypoint']) {
    const v = data[key];
    const text = Array.isArray(v) ? v.map(String).join(' ') : typeof v === 'string' ? v : '';
    for (const m of text.matchAll(/(?:^|\s)--port(?:=|\s+)(\S+)/g)) add(m[1]);
  }
  return { ports, unknown };
}

/**
 * The first compose service that runs the image on the host network (`network_mode: host`, in any project
 * that runs it) and listens on a port below 1024 there, as `service web (compose.yaml) runs with
 * network_mode: host and listens on 80`; undefined when none does or its ports are not known. The host's
 * own limit applies there (net.ipv4.ip_unprivileged_port_start, 1024 by default): Docker 20.10 lowers it to
 * 0 only in a container's own network namespace (moby/moby#41030), so only root (or NET_BIND_SERVICE,
 * which a non-root process does not hold) can bind such a port.
 */
export function hostNetworkLowPorts(project: Project, services: readonly ServiceLink[], img: ServiceImage): string | undefined {
  for (const s of services) {
    for (const run of serviceRuns(project, s)) {
      if (run.merged.network_mode !== 'host') continue;
      const low = [...new Set(listeningPorts(s, img, project, run.merged).ports.filter((p) => p < 1024))].sort((a, b) => a - b);
      if (low.length) return `service ${s.name} (${s.compose.rel}) runs with network_mode: host and listens on ${low.join(', ')}`;
    }
  }
  return undefined;
}

/**
 * Capabilities a service that runs this image asks for with cap_add and would lose under a non-root USER. Docker gives
 * cap_add to the container's bounding set, but a process that starts as a non-root user has empty permitted and
 * effective sets (moby/moby#36587; Docker has no ambient capabilities: moby/moby#27737 reverted them, #50083 is open;
 * engine 20.10: `--user 1000 --cap-add NET_ADMIN` gives CapEff 0): a network scanner given NET_RAW and NET_ADMIN
 * (gregluffy/HomeLabInfo 2c9752a) could no longer open raw sockets. Not counted: NET_BIND_SERVICE (a non-root process
 * binds low ports in its own network namespace since Docker 20.10; the host network is hostNetworkLowPorts' case), a
 * capability the image's binary carries as a file capability (binaryFileCaps: exec raises it for any user), and a
 * service that sets `user:` (it does not run as the USER the Dockerfile would get). `privileged: true` is named as ALL.
 */
export function capsLostToUser(project: Project, services: readonly ServiceLink[], img: ServiceImage): { service: ServiceLink; where: string; caps: string[]; privileged: boolean } | undefined {
  const fileCaps = binaryFileCaps(img);
  for (const s of services) {
    for (const run of serviceRuns(project, s)) {
      if (run.merged.user !== undefined && run.merged.user !== null && String(run.merged.user).trim() !== '') continue;
      const privileged = run.merged.privileged === true;
      const added = Array.isArray(run.merged.cap_add) ? (run.merged.cap_add as unknown[]).map(capName) : [];
      const caps = [...new Set(privileged ? ['ALL'] : added)].filter((c) => c !== 'NET_BIND_SERVICE' && !(fileCaps?.caps.includes(c) ?? false)).sort();
      // Named by the files compose merges when an override is part of it (the capability may come from either).
      if (caps.length) return { service: s, where: run.parts.length > 1 ? run.project : s.compose.rel, caps, privileged };
    }
  }
  return undefined;
}

/**
 * Host devices a service that runs this image maps in (`devices:`, short or long form) and that a non-root USER could
 * not open: a device node keeps the host's owner and mode in the container (a USB serial adapter is root:dialout 0660 on
 * most hosts; on the team engine /dev/loop-control, 0600 root, opened as root and gave "Permission denied" as 1000:1000
 * with --device). Root opens any of them; a user needs the device's group, whose GID is the host's. Not counted: a
 * service that sets `user:` (it does not run as the Dockerfile's USER) or `group_add:` (it already gives a group for it),
 * and a privileged one (capsLostToUser names it).
 */
export function devicesForRoot(project: Project, services: readonly ServiceLink[]): { service: ServiceLink; where: string; devices: string[] } | undefined {
  for (const s of services) {
    for (const run of serviceRuns(project, s)) {
      const m = run.merged;
      if (m.privileged === true || (m.user !== undefined && m.user !== null && String(m.user).trim() !== '')) continue;
      if (Array.isArray(m.group_add) && m.group_add.length) continue;
      const devices = (Array.isArray(m.devices) ? (m.devices as unknown[]) : []).flatMap((d) => {
        const source = typeof d === 'string' ? d.split(':')[0]! : d && typeof d === 'object' && typeof (d as { source?: unknown }).source === 'string' ? (d as { source: string }).source : undefined;
        return source?.trim() ? [source.trim()] : [];
      });
      if (devices.length) return { service: s, where: run.parts.length > 1 ? run.project : s.compose.rel, devices };
    }
  }
  return undefined;
}

/** `80`, `"8080"`, `"8000-8010"` (its lowest port); undefined for anything else. */
function portNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isInteger(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(raw.replace(/^["']|["']$/g, ''));
  return m ? Number(m[1]) : undefined;
}

/**
 * Capabilities the binaries of the service's image carry as file capabilities (`setcap cap_net_bind_service=+ep`), and
 * where that is said: the knowledge row of its image (caddy's /usr/bin/caddy) and the `RUN setcap` of the stages its
 * Dockerfile builds. The kernel refuses to exec such a binary ("operation not permitted") unless the bounding set still
 * holds every capability the file's effective bit asks for, whoever runs it (capabilities(7), "Safety checking for
 * capability-dumb binaries"). Undefined when a `setcap` names them with a variable.
 */
export function binaryFileCaps(img: ServiceImage): { caps: string[]; where: string[] } | undefined {
  const built = img.built && img.base ? dockerfileFileCaps(img.base.chain, img.dockerfile?.parsed.escape ?? '\\') : { caps: [], where: [] };
  if (!built) return undefined;
  const row = img.facts?.fileCapabilities ?? [];
  const where = [...(row.length ? [`${img.image ?? 'its base image'}, ${img.facts!.source}`] : []), ...built.where];
  return { caps: [...new Set([...row, ...built.caps])].sort(), where };
}

/**
 * Whether `cap_add: NET_BIND_SERVICE` does nothing wherever the service runs:
 * in every compose project its file is part of (serviceRuns: the base with
 * each override, each `-f` chain), every port it listens on is 1024 or above
 * (and at least one is known), it is not on the host network, where the
 * capability would matter, it is not privileged, and no binary of its image
 * carries it as a file capability (binaryFileCaps). Returns the ports it
 * listens on across those runs when the capability is dead.
 */
export function deadNetBindService(s: ServiceLink, img: ServiceImage, project: Project): ListeningPorts | undefined {
  if (!capList(s, 'cap_add').includes('NET_BIND_SERVICE')) return undefined;
  // A binary that carries it as a file capability (caddy's) cannot be executed without it in the bounding set, whatever
  // port it binds: the cap_add keeps it there under a cap_drop (this file's or an override's), so it is not dead.
  const fileCaps = binaryFileCaps(img);
  if (!fileCaps || fileCaps.caps.includes('NET_BIND_SERVICE')) return undefined;
  const ports: number[] = [];
  let observed: string | undefined;
  for (const run of serviceRuns(project, s)) {
    if (run.merged.network_mode === 'host' || run.merged.privileged === true) return undefined;
    const seen = listeningPorts(s, img, project, run.merged);
    if (seen.unknown || seen.ports.length === 0 || seen.ports.some((p) => p < 1024)) return undefined;
    ports.push(...seen.ports);
    observed ??= seen.observed;
  }
  return { ports: [...new Set(ports)].sort((a, b) => a - b), unknown: false, ...(observed ? { observed } : {}) };
}

// --------------------------------------------------------- edits of a service

export interface ServiceChange {
  edits: Edit[];
  intent: DataChange[];
}

/** What the service's own entry in this document holds (`<<` merges applied, override files not). */
export function ownData(s: ServiceLink): Record<string, unknown> {
  return s.node.data;
}

/** Whether a `<<` merge in the service's own map provides `key` (removing its own key would bring that value back). */
export function mergeProvides(s: ServiceLink, key: string): boolean {
  const map = s.node.node;
  const doc = s.compose.parsed.docs.find((d) => d.index === s.node.docIndex)?.doc;
  if (!map || !doc) return false;
  for (const item of map.items) {
    if (!isPair(item) || !isMergeKey(item.key)) continue;
    const sources = isSeq(item.value) ? item.value.items : [item.value];
    for (const src of sources) {
      const target = isAlias(src) ? aliasTarget(doc, src) : src;
      if (isMap(target) && mapValue(target, key) !== undefined) return true;
    }
  }
  return false;
}

/**
 * Where a key of the service is written, for messages: the line of `key:` in
 * its own map, in a `<<` merge of that map (the anchor's line), else in the
 * service it overrides or extends (the value compose falls back to).
 */
export function keyWhere(s: ServiceLink, key: string, seen = new Set<ServiceLink>()): { rel: string; line: number } | undefined {
  if (seen.has(s)) return undefined;
  seen.add(s);
  const map = s.node.node;
  const doc = s.compose.parsed.docs.find((d) => d.index === s.node.docIndex)?.doc;
  const at = (node: { range?: [number, number, number] | null } | null | undefined) =>
    node?.range ? { rel: s.compose.rel, line: lineOfOffset(s.compose, node.range[0]) } : undefined;
  if (map && doc) {
    const own = map.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
    if (own) return at(own.key as Scalar);
    for (const item of map.items) {
      if (!isPair(item) || !isMergeKey(item.key)) continue;
      for (const src of isSeq(item.value) ? item.value.items : [item.value]) {
        const target = isAlias(src) ? aliasTarget(doc, src) : src;
        const pair = isMap(target) ? target.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) : undefined;
        if (pair) return at(pair.key as Scalar);
      }
    }
  }
  for (const next of [s.base, s.extends]) {
    const found = next && keyWhere(next, key, seen);
    if (found) return found;
  }
  return undefined;
}

/**
 * The order of the keys the tool adds to a service, the same on every service
 * whichever transform or engine pass adds them: what the service is given
 * (environment, user, groups), then what it may write, then what it may do.
 */
export const ADDED_KEY_ORDER = ['environment', 'user', 'group_add', 'read_only', 'tmpfs', 'cap_drop', 'cap_add', 'security_opt'] as const;

/** An insert rank (Edit.order) above every service key's: a top-level key added after the last service goes after them. */
export const AFTER_SERVICE_KEYS = ADDED_KEY_ORDER.length + 1;

function keyRank(key: string): number {
  return (ADDED_KEY_ORDER as readonly string[]).indexOf(key) + 1;
}

/**
 * Keys that place the others when present. Not `environment`: almost every
 * service has one, written by hand near the top, and anchoring to it would put
 * the hardening keys in the middle of most services.
 */
function isAnchor(key: string): boolean {
  return keyRank(key) > 0 && key !== 'environment';
}

/**
 * Add `key: valueText` (one line) to the service's own map, placed by canonical
 * rank among the ranked keys it already has: after the last that ranks before
 * it, else before the first that ranks after it, else at the end. Inserts that
 * meet at one point in one pass go in rank order (Edit.order).
 */
export function insertServiceKey(s: ServiceLink, key: string, valueText: string): Edit {
  const map = s.node.node!;
  const rank = keyRank(key);
  // Built by a loop, not filter().map(): map() gives arrays of different element kinds (empty or
  // not, optimised or not), and the optimised code below deoptimised on each new one (issue 13).
  const ranked: { pair: Pair; rank: number }[] = [];
  for (const p of map.items) {
    if (isPair(p) && isScalar(p.key) && isAnchor(String(p.key.value))) ranked.push({ pair: p, rank: keyRank(String(p.key.value)) });
  }
  let place: MapPlace = 'end';
  // An empty `ranked` places nothing.
  if (rank > 0 && ranked.length > 0) {
    const lower = ranked.filter((r) => r.rank < rank);
    const higher = ranked.find((r) => r.rank > rank);
    if (lower.length) place = { after: lower[lower.length - 1]!.pair };
    else if (higher) place = { before: higher.pair };
  }
  const edit = insertMapEntryAt(s.compose, s.compose.parsed.eol, map, key, valueText, place);
  return rank > 0 ? { ...edit, order: rank } : edit;
}

/**
 * Where adding items to a list key of the service itself starts: the key's own
 * node and its merged data, and the intent that sets the new list. A reason
 * instead when the service has no settings map, or its key holds something
 * that is not a list (an empty key included).
 */
function ownListKey(s: ServiceLink, key: string): { own?: YAMLSeq | Scalar; current: unknown; intent: (value: unknown[]) => DataChange[] } | string {
  const map = s.node.node;
  if (!map) return 'the service has no settings map';
  const own = mapValue(map, key);
  const current = ownData(s)[key];
  const intent = (value: unknown[]): DataChange[] => [{ file: s.compose.path, doc: s.node.docIndex, path: servicePath(s, key), op: 'set', value }];
  if (own === undefined || isSeq(own)) return { own, current, intent };
  if (isScalar(own) && typeof own.value === 'string' && own.range) return { own, current, intent };
  if (!(isScalar(own) && own.value === null && own.range && own.range[0] === own.range[1])) return `${key} is not a list`;
  return `${key} is empty`;
}

/**
 * Add items to a list key of the service itself: append to its own list (a
 * lone string becomes a flow list holding it), or write a new one-line flow
 * list. A list the service inherits through `<<` is repeated in the new one,
 * since the service's own key replaces the merged value. Returns a reason
 * instead when the key holds something else.
 */
export function addListItems(
  s: ServiceLink,
  key: string,
  items: string[],
  render?: (item: string) => string,
): ServiceChange | string {
  const file = s.compose;
  const start = ownListKey(s, key);
  if (typeof start === 'string') return start;
  const { own, current, intent } = start;
  if (own && isSeq(own)) {
    const old = Array.isArray(current) ? current : [];
    return { edits: [appendSeqItems(file, file.parsed.eol, own, items.map(render ?? ((x) => seqItemScalar(own, x))))], intent: intent([...old, ...items]) };
  }
  if (own) {
    const value = String(own.value);
    const text = `[${[yamlScalar(value), ...items.map(render ?? yamlScalar)].join(', ')}]`;
    return { edits: [replaceNode(file, own, text)], intent: intent([value, ...items]) };
  }
  // A merge may provide one string (`tmpfs: /tmp`), which compose reads as a list of one.
  const merged = typeof current === 'string' ? [current] : current;
  const inherited = Array.isArray(merged) ? merged.filter((x): x is string | number => typeof x === 'string' || typeof x === 'number') : [];
  if (Array.isArray(merged) && inherited.length !== merged.length) return `${key} inherits items that are not plain values`;
  const value = [...inherited, ...items];
  const text = `[${[...inherited.map((x) => yamlScalar(x)), ...items.map(render ?? yamlScalar)].join(', ')}]`;
  return { edits: [insertServiceKey(s, key, text)], intent: intent(value) };
}

/** Plain data as one line of YAML flow style: `{type: tmpfs, target: /tmp, tmpfs: {size: 67108864}}`. */
export function yamlFlowValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlFlowValue).join(', ')}]`;
  if (isRecord(value)) return `{${Object.entries(value).map(([k, v]) => `${yamlScalar(k)}: ${yamlFlowValue(v)}`).join(', ')}}`;
  if (value === null || value === undefined) return 'null';
  return yamlScalar(value as string | number | boolean);
}

/** A map as block YAML lines (nested maps indented two more), without line ends or the first line's indentation. */
function blockMapLines(value: Record<string, unknown>, indent = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) =>
    isRecord(v) ? [`${indent}${yamlScalar(k)}:`, ...blockMapLines(v, `${indent}  `)] : [`${indent}${yamlScalar(k)}: ${yamlFlowValue(v)}`],
  );
}

/**
 * Add map items (long-form entries such as `{type: tmpfs, target: /tmp}`) to a
 * list key of the service itself, in the list's style: a block list gets block
 * maps under its dash (flow maps when its map items are flow maps), a flow list
 * gets flow maps, and a service without the key gets a one-line flow list. A
 * list the service inherits through `<<` is repeated in the new one, since the
 * service's own key replaces the merged value. Returns a reason instead when
 * the key holds something else.
 */
export function addMapItems(s: ServiceLink, key: string, items: Record<string, unknown>[]): ServiceChange | string {
  const file = s.compose;
  const eol = file.parsed.eol;
  const start = ownListKey(s, key);
  if (typeof start === 'string') return start;
  const { own, current, intent } = start;
  if (own && isSeq(own) && own.range) {
    const old = Array.isArray(current) ? current : [];
    const mapItems = own.items.filter(isMap);
    const block = !own.flow && !(mapItems.length > 0 && mapItems.every((m) => m.flow));
    let texts = items.map(yamlFlowValue);
    if (block) {
      // Continuation lines line up with the first key, after the dash as the list writes it ("  - ").
      const first = own.items[0] as { range?: [number, number, number] };
      const lineStart = file.text.lastIndexOf('\n', first.range![0] - 1) + 1;
      const pad = ' '.repeat(first.range![0] - lineStart);
      texts = items.map((item) => blockMapLines(item).join(`${eol}${pad}`));
    }
    return { edits: [appendSeqItems(file, eol, own, texts)], intent: intent([...old, ...items]) };
  }
  if (own) return `${key} is not a list`;
  const inherited = Array.isArray(current) ? current : [];
  if (current !== undefined && !Array.isArray(current)) return `${key} inherits something that is not a list`;
  const value = [...inherited, ...items];
  return { edits: [insertServiceKey(s, key, `[${value.map(yamlFlowValue).join(', ')}]`)], intent: intent(value) };
}

/** How swarm deploys the service's compose file (a layout fact), when it does. */
export function swarmDeploy(project: Project, s: ServiceLink): SwarmDeploy | undefined {
  return project.layout.compose.uses.get(s.compose.path)?.swarm;
}

/** Add `key: value` to the service itself (the caller has checked the service does not set it). */
export function addScalarKey(s: ServiceLink, key: string, value: string | number | boolean): ServiceChange | string {
  const file = s.compose;
  const map = s.node.node;
  if (!map) return 'the service has no settings map';
  if (mapValue(map, key) !== undefined) return `${key} is already set`;
  return {
    edits: [insertServiceKey(s, key, yamlScalar(value))],
    intent: [{ file: file.path, doc: s.node.docIndex, path: servicePath(s, key), op: 'set', value }],
  };
}

/** Several changes as one fix (they apply together or not at all); inserts at one point become one edit, in rank order. */
/**
 * Variables added to the service's `environment`, in the form it already uses: entries of its own map, items of its
 * list (a new list when it has none), or, for a map inherited through `<<` (which the service's own key replaces), the
 * map repeated with the variables added. A string says why it cannot.
 */
export function addEnvironment(s: ServiceLink, vars: readonly (readonly [string, string])[]): ServiceChange | string {
  const map = s.node.node;
  if (!map) return 'the service has no settings map';
  const file = s.compose;
  const own = mapValue(map, 'environment');
  const current = ownData(s).environment;
  if (own && isMap(own)) {
    return combine(
      vars.map(([name, value]) => ({
        edits: [insertMapEntry(file, file.parsed.eol, own, name, JSON.stringify(value))],
        intent: [{ file: file.path, doc: s.node.docIndex, path: servicePath(s, 'environment', name), op: 'set' as const, value }],
      })),
    );
  }
  if ((own && isSeq(own)) || Array.isArray(current) || current === undefined) {
    return addListItems(s, 'environment', vars.map(([name, value]) => `${name}=${value}`), (item) => item);
  }
  if (own || !isRecord(current)) return 'environment is neither a list nor a map';
  const entries = Object.entries(current);
  if (!entries.every((e): e is [string, string | number | boolean | null] => e[1] === null || ['string', 'number', 'boolean'].includes(typeof e[1]))) {
    return 'environment inherits values that are not plain';
  }
  const value = { ...current, ...Object.fromEntries(vars) };
  return {
    edits: [insertServiceKey(s, 'environment', yamlFlowMap([...entries, ...vars.map(([k, v]) => [k, v] as [string, string])]))],
    intent: [{ file: file.path, doc: s.node.docIndex, path: servicePath(s, 'environment'), op: 'set', value }],
  };
}

export function combine(changes: ServiceChange[]): ServiceChange {
  const edits: Edit[] = [];
  const all = changes.flatMap((c) => c.edits).map((e, i) => ({ e, i }));
  all.sort((a, b) => (a.e.order ?? 0) - (b.e.order ?? 0) || a.i - b.i);
  for (const { e } of all) {
    // Inserts at one point become one edit, except a top-level key added after the last service (AFTER_SERVICE_KEYS):
    // joined to the service's keys it took the rank of the first of them, so the service keys other fixes add there in
    // the same pass came after it, inside the new top-level block, and the edit did not parse.
    const topLevel = (x: Edit) => x.order === AFTER_SERVICE_KEYS;
    const same = edits.find((o) => o.file === e.file && o.range[0] === o.range[1] && e.range[0] === e.range[1] && o.range[0] === e.range[0] && topLevel(o) === topLevel(e));
    if (same) same.text += e.text;
    else edits.push({ ...e });
  }
  return { edits, intent: changes.flatMap((c) => c.intent) };
}

/** A finding about a service with its fix. */
export function serviceFix(
  transform: string,
  cis: string,
  s: ServiceLink,
  message: string,
  change: ServiceChange,
  extra: Partial<Finding> = {},
): Finding {
  return {
    transform,
    file: s.compose.path,
    range: serviceRange(s),
    message: `service ${s.name}: ${message}`,
    severity: 'warning',
    cis,
    fix: { edits: change.edits, intent: change.intent },
    ...extra,
  };
}

// ------------------------------------------------------------ shared volumes

/**
 * The name Docker gives a named volume of a service: the top-level `volumes.<v>.name`,
 * else `<project>_<v>` (external volumes keep their own name). The project is the
 * document's top-level `name:`, else the compose file's folder, as compose normalises it.
 * `COMPOSE_PROJECT_NAME` and `-p` can change it at run time; callers say so.
 */
export function dockerVolumeName(s: ServiceLink, volume: string): string {
  const compose = (s.base ?? s).compose;
  const doc = compose.parsed.docs[(s.base ?? s).node.docIndex]?.data;
  const top = isRecord(doc) ? doc : {};
  const decl = isRecord(top.volumes) ? top.volumes[volume] : undefined;
  if (isRecord(decl)) {
    if (typeof decl.name === 'string') return decl.name;
    if (decl.external === true) return volume;
    if (isRecord(decl.external) && typeof decl.external.name === 'string') return decl.external.name;
  }
  const project = typeof top.name === 'string' ? top.name : path.basename(path.dirname(compose.path));
  return `${project.toLowerCase().replace(/[^a-z0-9_-]/g, '')}_${volume}`;
}

const peerIndex = new WeakMap<Project, Map<string, ServiceLink[]>>();

/**
 * Services run together with a compose file's services: those of every
 * compose project the file is part of (its base and overrides, files it
 * includes or is included by). A standalone sibling file runs alone.
 */
function servicesRunWith(project: Project): Map<string, ServiceLink[]> {
  let index = peerIndex.get(project);
  if (!index) {
    const byFile = new Map<string, ServiceLink[]>();
    for (const s of project.services) byFile.set(s.compose.path, [...(byFile.get(s.compose.path) ?? []), s]);
    const byId = new Map(project.composeProjects.map((p) => [p.id, p]));
    const filesOf = (id: string, depth = 0): string[] => {
      const p = byId.get(id);
      if (!p || depth > 5) return [];
      return [...p.files, ...p.includes.flatMap((i) => filesOf(i, depth + 1))];
    };
    index = new Map();
    for (const c of project.composes) {
      const use = project.layout.compose.uses.get(c.path);
      const ids = use?.projects ?? [];
      const files = new Set([c.path, ...ids.flatMap((id) => [...filesOf(id), ...(byId.get(id)?.includedBy ?? []).flatMap((p) => filesOf(p))])]);
      index.set(c.path, [...files].flatMap((f) => byFile.get(f) ?? []));
    }
    peerIndex.set(project, index);
  }
  return index;
}

/**
 * Other services of the same compose project that mount one of the named volumes
 * `services` mount (read-only mounts included: the reader needs access too).
 */
export function volumePeers(project: Project, services: ServiceLink[]): { volume: string; peer: ServiceLink }[] {
  const mine = new Set(services.map((s) => (s.base ?? s).id));
  const runWith = servicesRunWith(project);
  const out: { volume: string; peer: ServiceLink }[] = [];
  for (const s of services) {
    for (const m of s.volumes) {
      if (m.type !== 'volume' || !m.source) continue;
      for (const other of runWith.get(s.compose.path) ?? []) {
        if (mine.has((other.base ?? other).id)) continue;
        if (!other.volumes.some((o) => o.type === 'volume' && o.source === m.source)) continue;
        if (!out.some((x) => x.volume === m.source && x.peer.name === other.name)) out.push({ volume: m.source, peer: other });
      }
    }
  }
  return out;
}

/** One writable mount of `service` that another service of its compose project mounts writable too (`peerMount`). */
export interface SharedMount {
  service: ServiceLink;
  mount: VolumeMount;
  peer: ServiceLink;
  peerMount: VolumeMount;
}

/**
 * Other services of the same compose project that mount, writable, what one of `services` mounts writable: the same
 * named volume, or the same host folder through a bind mount, or a folder inside the other's (`./data` and
 * `./data/replica`). A file either side makes there belongs to the UID it wrote as, and the other side meets it so
 * (pypacktrends: the backend's `./data:/app/data` and litestream's `./data:/data`). A bind of the checkout itself (the
 * compose file's folder or one above it: `.:/app`) is code, not data, and is not paired; nor are the Docker socket and
 * read-only mounts (a reader changes no owner), nor a single file the other mounts from inside the folder (a config file
 * nginx reads: IntelOwl's `../configuration/nginx/websocket.conf` inside the app's `../configuration`): a file mount
 * makes no new files in the folder, and what is in it is the repository's.
 * `opts.readers` pairs a peer's read-only mounts too, and `opts.code` the checkout binds: a peer that only reads a
 * folder still needs to read it (bindSharedWithOtherUser asks who the host folder is prepared for).
 */
export function writableMountPeers(project: Project, services: readonly ServiceLink[], opts: { readers?: boolean; code?: boolean } = {}): SharedMount[] {
  const mine = new Set(services.map((s) => (s.base ?? s).id));
  const runWith = servicesRunWith(project);
  const out: SharedMount[] = [];
  const checkout = (s: ServiceLink, m: VolumeMount) => m.hostPath !== undefined && isInside(m.hostPath, path.dirname(s.compose.path));
  const sameData = (s: ServiceLink, m: VolumeMount, o: ServiceLink, om: VolumeMount): boolean => {
    if ((om.readOnly && !opts.readers) || om.type !== m.type || !om.source) return false;
    if (m.type === 'volume') return om.source === m.source && dockerVolumeName(s, m.source!) === dockerVolumeName(o, om.source);
    if (isDockerSocketMount(om) || (!opts.code && checkout(o, om))) return false;
    // A source with variables has no host path here: the same text is the same folder.
    if (m.hostPath === undefined || om.hostPath === undefined) return m.hostPath === om.hostPath && m.source === om.source;
    if (om.hostPath !== m.hostPath && isFile(om.hostPath)) return false;
    return isInside(m.hostPath, om.hostPath) || isInside(om.hostPath, m.hostPath);
  };
  for (const s of services) {
    for (const m of s.volumes) {
      if (m.readOnly || !m.source || m.type === 'tmpfs') continue;
      if (m.type === 'bind' && (isDockerSocketMount(m) || (!opts.code && checkout(s, m)))) continue;
      for (const other of runWith.get(s.compose.path) ?? []) {
        if (mine.has((other.base ?? other).id)) continue;
        // A partial service in an override and its base are one service: the base (or the merged one) is asked.
        if (other.base && runWith.get(s.compose.path)?.includes(other.base)) continue;
        // The same folder first, where the other mounts it and a folder inside it too.
        const same = (o: VolumeMount) => sameData(s, m, other, o);
        const om = other.volumes.find((o) => same(o) && o.source === m.source) ?? other.volumes.find(same);
        if (om && !out.some((x) => x.mount === m && x.peer.name === other.name)) out.push({ service: s, mount: m, peer: other, peerMount: om });
      }
    }
  }
  return out;
}

/** `inner` is `outer` or a path below it (absolute host paths). */
function isInside(outer: string, inner: string): boolean {
  const o = outer.replace(/\/+$/, '');
  return inner === o || inner.startsWith(`${o}/`);
}

const DOCKER_SOCKETS = new Set(['/var/run/docker.sock', '/run/docker.sock']);

/**
 * A mount of the Docker socket. The container side decides: whatever the host
 * path (`${DOCKER_SOCK:-/var/run/docker.sock}`, `${XDG_RUNTIME_DIR}/docker.sock`
 * for rootless Docker, Docker Desktop's socket), the app reaches the engine at
 * the target. A literal socket source mounted elsewhere counts as well.
 */
export function isDockerSocketMount(m: VolumeMount): boolean {
  if (m.type === 'tmpfs') return false;
  if (DOCKER_SOCKETS.has(normalizePath(m.target.trim()))) return true;
  if (m.source === undefined) return false;
  // `${VAR:-/var/run/docker.sock}` names the socket by its default.
  const source = m.source.trim().replace(/^\$\{\w+:?-([^}]*)\}$/, '$1');
  return DOCKER_SOCKETS.has(normalizePath(source));
}

/**
 * Services that join the host's docker group by `${DOCKER_GID:-999}` need the
 * real GID on each host (Debian 999, RHEL/Fedora ~991, Arch 990, Unraid 281).
 */
export const DOCKER_GID_NOTE: MigrationNote = {
  kind: 'docker-gid',
  message:
    "Set DOCKER_GID (in .env or the environment) to the GID of the host's docker group; without it the service joins GID 999, Debian's default",
  command: 'echo "DOCKER_GID=$(getent group docker | cut -d: -f3)" >> .env',
};

/** Run a per-service check over every compose service; most compose transforms are exactly this. */
export function checkEachService(
  ctx: TransformContext,
  check: (ctx: TransformContext, s: ServiceLink) => Finding | Finding[] | undefined,
  /** The check decides from what is known of the image the service runs: its findings name those sources. */
  opts: { imageFacts?: boolean } = {},
): Finding[] {
  // A dev container's services are development environments: their settings are devcontainer.json's business.
  return ctx.project.services.flatMap((s) => {
    if (s.leftAlone) return [];
    const list = s.builtImageAlternatives ? checkEachBuild(ctx, s, check) : toList(check(ctx, s));
    if (!opts.imageFacts || !list.length) return list;
    // A tag several Dockerfiles build: what each build's image is known by.
    const links = s.builtImageAlternatives ? serviceBuildVariants(s) : [s];
    const sources = [...new Set(links.flatMap((link) => imageSources(serviceImage(link, ctx.project))))];
    if (!sources.length) return list;
    return list.map((f) => (f.sources ? f : { ...f, sources }));
  });
}

function toList(f: Finding | Finding[] | undefined): Finding[] {
  return f === undefined ? [] : Array.isArray(f) ? f : [f];
}

/** The service as it runs each image its tag may hold: one link per Dockerfile (and target) that builds the tag (model.ts). */
export function serviceBuildVariants(s: ServiceLink): ServiceLink[] {
  return s.buildVariants ?? [];
}

/**
 * A tag several Dockerfiles build (miniflux pushes `miniflux/miniflux` from an Alpine and a distroless Dockerfile): the
 * registry holds whichever pushed last, so a check acts only when it gives every build the same answer (the same
 * change, or the same note), and says so; where the builds disagree it changes nothing and names each build's answer.
 */
function checkEachBuild(ctx: TransformContext, s: ServiceLink, check: (ctx: TransformContext, s: ServiceLink) => Finding | Finding[] | undefined): Finding[] {
  const variants = serviceBuildVariants(s);
  const answers = variants.map((v) => toList(check(ctx, v)));
  const names = variants.map((v) => `${v.dockerfile!.rel}${v.build?.target ? ` (target ${v.build.target})` : ''}`);
  const listed = `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  // What a person or the engine would see differ: the change, or for a finding without one its message.
  const signature = (list: Finding[]) => JSON.stringify(list.map((f) => [f.transform, f.severity, f.file, f.fix ? JSON.stringify(f.fix) : f.message]).sort());
  const first = signature(answers[0] ?? []);
  if (answers.every((a) => signature(a) === first)) {
    return (answers[0] ?? []).map((f) => ({ ...f, message: `${f.message} (${s.image} is built by ${listed}, which agree on this)` }));
  }
  const out: Finding[] = [];
  const transforms = [...new Set(answers.flat().map((f) => f.transform))];
  for (const t of transforms) {
    const mine = answers.map((a) => a.filter((f) => f.transform === t));
    if (mine.every((a) => signature(a) === signature(mine[0]!))) {
      out.push(...mine[0]!.map((f) => ({ ...f, message: `${f.message} (${s.image} is built by ${listed}, which agree on this)` })));
      continue;
    }
    const cis = mine.flat().find((f) => f.cis)?.cis;
    const says = mine.map((a, i) => `${names[i]}: ${a.length ? a.map((f) => f.message.replace(`service ${s.name}: `, '')).join('; ') : 'nothing to change'}`);
    // No build gets a change, each for its own reason (nginx-proxy's Debian and Alpine nginx both wait for a swap): said once, with each reason.
    if (mine.every((a) => a.length > 0 && a.every((f) => !f.fix))) {
      const severity = mine.flat().some((f) => f.severity === 'error') ? 'error' : mine.flat().some((f) => f.severity === 'warning') ? 'warning' : 'note';
      const manuals = [...new Set(mine.flat().map((f) => f.manual).filter((m): m is string => !!m))];
      out.push({
        transform: t,
        file: s.compose.path,
        range: serviceRange(s),
        severity,
        ...(cis ? { cis } : {}),
        message: `service ${s.name}: ${s.image} is built by ${listed}, and none of them is changed here (${says.join(' | ')})`,
        ...(manuals.length ? { manual: manuals.join(' ') } : {}),
      });
      continue;
    }
    out.push({
      transform: t,
      file: s.compose.path,
      range: serviceRange(s),
      severity: 'warning',
      ...(cis ? { cis } : {}),
      message: `service ${s.name}: ${s.image} is built by ${listed}, which disagree here (${says.join(' | ')}); the tag holds whichever build pushed last, so nothing changed`,
      manual: `Run an image tag only one of these Dockerfiles builds (a separate name or tag suffix per Dockerfile), or settle this setting by hand so it holds for every one of them.`,
    });
  }
  return out;
}

/**
 * Where what is known of a service's image comes from: the Dockerfile that
 * builds it, the knowledge-table row of the image (or of the built image's
 * external base) with its upstream sources, the engine for an inspected
 * image, and the `.env` value or default its `image:` was read with.
 */
export function imageSources(img: ServiceImage): string[] {
  const out: string[] = [];
  if (img.built && img.dockerfile) out.push(`Dockerfile: ${img.dockerfile.rel}`);
  if (img.facts) out.push(...factSources(img.facts, img.built && img.image ? `the base ${img.image} of the build` : undefined));
  if (img.imageFrom) out.push(img.imageFrom);
  return out;
}

// ------------------------------------------------------- runs of a service

/** The service as compose runs it in one compose project: every file of the project that defines it, merged in order. */
export interface ServiceRun {
  /** The project's id (its files joined with ` + `). */
  project: string;
  /** The service's entries in the project's files, in the order compose merges them. */
  parts: ServiceLink[];
  merged: Record<string, unknown>;
}

const servicesByFile = new WeakMap<Project, Map<string, Map<string, ServiceLink>>>();

function serviceIndex(project: Project): Map<string, Map<string, ServiceLink>> {
  let index = servicesByFile.get(project);
  if (!index) {
    index = new Map();
    for (const s of project.services) {
      const named = index.get(s.compose.path) ?? new Map<string, ServiceLink>();
      if (!named.has(s.name)) named.set(s.name, s);
      index.set(s.compose.path, named);
    }
    servicesByFile.set(project, index);
  }
  return index;
}

const projectsById = new WeakMap<ComposeProject[], Map<string, ComposeProject>>();

/**
 * The compose projects by id. Keyed by the list itself, which load decides
 * once (layout.compose.projects) and every pass's model shares: one index per
 * run. A search of the list for every service (serviceRuns is asked for each
 * service by several transforms in every pass) grew with the square of the
 * repository (issue 13).
 */
function composeProjectsById(project: Project): Map<string, ComposeProject> {
  let index = projectsById.get(project.composeProjects);
  if (!index) {
    index = new Map();
    // The first project of an id, as Array.find gave.
    for (const p of project.composeProjects) if (!index.has(p.id)) index.set(p.id, p);
    projectsById.set(project.composeProjects, index);
  }
  return index;
}

/**
 * Every way compose runs the service: for each compose project its file is
 * part of (alone, with the automatic override file, each `-f` chain or
 * COMPOSE_FILE the evidence shows), the service's entries in all the
 * project's files merged in order (Compose Specification, "Merge and
 * override"). Later files count too: an override that adds `ports: ["80:80"]`
 * or `network_mode: host` changes what a setting in the base file does. A
 * file in no project runs alone.
 */
export function serviceRuns(project: Project, s: ServiceLink): ServiceRun[] {
  const index = serviceIndex(project);
  const byId = composeProjectsById(project);
  const ids = project.layout.compose.uses.get(s.compose.path)?.projects ?? [];
  const runs: ServiceRun[] = [];
  for (const id of ids) {
    const p = byId.get(id);
    if (!p) continue;
    // An included file runs as part of the projects that include it, merged with what their files say of the service.
    for (const running of runningProjects(p, byId)) {
      if (runs.some((r) => r.project === running.id)) continue;
      const files = running.includes.length ? serviceFileOrder(running, byId) : new Set(running.files);
      const all = [...files].map((f) => index.get(f)?.get(s.name)).filter((x): x is ServiceLink => x !== undefined);
      // A later file's `svc: !reset` removes the service from this project: only what comes after it runs.
      let reset = -1;
      all.forEach((part, i) => {
        if (part.node.reset) reset = i;
      });
      const parts = reset >= 0 ? all.slice(reset + 1) : all;
      if (!parts.includes(s)) continue;
      const merged = parts.slice(1).reduce((acc, part) => mergeComposeService(acc, part.own, part.node.mergeTags), parts[0]!.own);
      runs.push({ project: running.id, parts, merged });
    }
  }
  return runs.length ? runs : [{ project: s.compose.rel, parts: [s], merged: s.effective }];
}

/** A setting the files merged onto a service decide, in one compose project: the value and the file that sets it. */
export interface OverrideSetting<T> {
  value: T;
  /** The override file that sets it (relative), the last one when several do. */
  file: string;
}

/**
 * For a service that does not decide a setting itself: what the override
 * files merged on top of it decide, when every compose project that runs it
 * has one that does (the automatic docker-compose.override.yml, a `-f`
 * chain). Adding the key to the base file then only repeats what the override
 * says, or is overruled by it (`read_only: false` in the override wins). When
 * some project runs the service without such an override (the base alone,
 * another chain), the base file needs the key: undefined.
 */
export function settledByOverrides<T>(project: Project, s: ServiceLink, setting: (data: Record<string, unknown>) => T | undefined): OverrideSetting<T>[] | undefined {
  if (s.base || setting(s.effective) !== undefined) return undefined;
  const out: OverrideSetting<T>[] = [];
  for (const run of serviceRuns(project, s)) {
    const value = setting(run.merged);
    const by = [...run.parts].reverse().find((p) => p !== s && setting(p.own) !== undefined);
    if (value === undefined || !by) return undefined;
    out.push({ value, file: by.compose.rel });
  }
  return out.length ? out : undefined;
}

/** The files of settledByOverrides' answer, for a message: `docker-compose.override.yml`. */
export function settingFiles(settled: OverrideSetting<unknown>[]): string {
  return [...new Set(settled.map((x) => x.file))].join(', ');
}
