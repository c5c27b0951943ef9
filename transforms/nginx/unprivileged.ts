// nginx/unprivileged: nginx whose master process runs as root, or that is
// about to run as non-root without being ready for it. Three kinds of image:
//  - the official nginx image: its master runs as root and listens on 80.
//    nginxinc/nginx-unprivileged runs as UID 101 and listens on 8080, so swap
//    the image and move everything that knows the port or the paths with it;
//  - an image that already is nginx-unprivileged, but whose own configuration
//    still listens on 80 (or keeps its pid outside /tmp): move that;
//  - nginx installed with apk or apt into another base and run as a non-root
//    USER (one the Dockerfile has, or one dockerfile/non-root-user added in an
//    earlier pass): listen on 8080/8443, pid and temp files under /tmp, a log
//    folder and TLS keys that user can use, the package's default site
//    (listening on 80) out of the way.
// Moving the port everywhere it is reached is the model's port operation
// (src/ports.ts). One finding per image carries every edit, so the engine
// applies them together or not at all; when any piece cannot be found or
// understood, nothing changes and the finding says exactly what blocked it.
import { statSync } from 'node:fs';
import path from 'node:path';
import { isSeq, isScalar, Scalar, type YAMLMap, type YAMLSeq, type Node } from 'yaml';
import type { Transform, TransformContext } from '../../src/transform.js';
import type { DataChange, Edit, Finding, MigrationNote } from '../../src/types.js';
import type { DockerfileSource, NginxSource, ServiceLink, ComposeSource, Project } from '../../src/model.js';
import type { DfInstruction, DfStage } from '../../src/parse/dockerfile.js';
import { effectiveInstructions, expandArgs } from '../../src/parse/dockerfile.js';
import {
  imageStages,
  runShellText,
  isRootUser,
  effectiveUser,
  chainInstructions,
  instructionWords,
  nginxPackage,
  nginxPackageInFile,
  runFileOps,
  opCovers,
  usersCreatedIn,
  modeOtherRead,
  ownerUser,
  resolveStageBase,
  variableScopes,
  type NginxPackage,
  type RunFileOp,
  type StageBase,
} from '../../src/dockerfile-info.js';
import { parseImageRef, formatImageRef, type ImageRef } from '../../src/parse/image-ref.js';
import { factSources, lookupImage } from '../../src/knowledge/images.js';
import { NGINX_ORG_DEFAULT_SITE, NGINX_ORG_LAYOUT, type NginxLayout } from '../../src/knowledge/nginx.js';
import { walkNginx, isFullNginxConfig, type NginxDirective } from '../../src/parse/nginx.js';
import { imageMappings, nginxConfigSet, startsNginx, isUnderNginxDir, resolveContainerPath, globRegExp, templateRenders, NGINX_CONF_DIR, type ContainerMapping, type NginxConfigFile, type NginxConfigSet } from '../../src/nginx-files.js';
import { imageRootDaemons, imageStart, serviceStart, startConfigMappings, startScriptTexts, type StartWrite } from '../../src/start-scripts.js';
import {
  insertBefore,
  insertAfter,
  keyword,
  appendSeqItem,
  removeMapEntry,
  removeSeqItem,
  mapValue,
  yamlFlowSeq,
  yamlScalar,
  yamlBlockScalar,
  seqItemScalar,
  scalarValueStart,
  nginxBlockInsertPoint,
  removeNginxDirective,
} from '../../src/edits.js';
import { insertServiceKey, servicePath, serviceRange, isPrivileged, composeUser, stringList } from '../../src/compose-service.js';
import { movePorts, listenPorts, publishMentions, publishEdits, UNPRIVILEGED_PORTS, type PortMove } from '../../src/ports.js';
import { relPath } from '../../src/model.js';
import { detectEol, indentOfLine, lineStartOf, shellQuote } from '../../src/text.js';

const ID = 'nginx/unprivileged';
const CIS = '4.1';
const UNPRIVILEGED = 'nginxinc/nginx-unprivileged';
const UID = '101';
/** Owner for files nginx-unprivileged must read (COPY --chown). */
const UNPRIVILEGED_OWNER = '101:101';
/** The unprivileged master needs none of these (KNOWLEDGE.md, "nginx to nginx-unprivileged"). */
const DROPPED_CAPS = new Set(['CHOWN', 'SETGID', 'SETUID', 'NET_BIND_SERVICE']);
/** The temp paths the upstream nginx-unprivileged image moves to /tmp in its own nginx.conf. */
const TEMP_PATHS = [
  ['client_body_temp_path', '/tmp/client_temp'],
  ['proxy_temp_path', '/tmp/proxy_temp'],
  ['fastcgi_temp_path', '/tmp/fastcgi_temp'],
  ['uwsgi_temp_path', '/tmp/uwsgi_temp'],
  ['scgi_temp_path', '/tmp/scgi_temp'],
] as const;
/** Directories UID 101 may write in nginx-unprivileged. */
const UNPRIVILEGED_WRITABLE = ['/tmp/', '/var/cache/nginx/'];
/** Users the swapped image may end with: its own. */
const UNPRIVILEGED_USERS = new Set(['101', 'nginx', '101:101', '101:0', 'nginx:nginx', 'nginx:root']);
/** Directives naming files with secrets nginx's master reads at start. */
const SECRET_FILES = new Set(['ssl_certificate_key', 'ssl_password_file']);

export const nginxUnprivileged: Transform = {
  meta: {
    id: ID,
    description:
      'Run nginx unprivileged: swap nginx for nginxinc/nginx-unprivileged (UID 101, port 8080), fix nginx-unprivileged images still configured for port 80, and prepare apk/apt-installed nginx for its non-root USER; all or nothing per image',
    appliesTo: ['dockerfile', 'compose', 'nginx'],
    fixable: true,
    cis: CIS,
    peers: ['hadolint DL3002', 'CKV_DOCKER_3', 'Trivy DS002', 'KICS fd54f200'],
    help:
      'The official nginx image starts its master process as root. nginxinc/nginx-unprivileged runs as UID 101 and listens on 8080 (8443 for TLS). ' +
      'The swap changes the image, wraps root-needing RUNs in USER root ... USER 101, moves listen/EXPOSE/HEALTHCHECK/compose port targets from 80 to 8080 ' +
      'and 443 to 8443 (published host ports stay), moves pid and temp paths of a full nginx.conf to /tmp, drops its user directive, and removes ' +
      'capabilities the root master needed. An nginx-unprivileged image whose configuration still listens on 80 gets the same port move. nginx installed ' +
      'with apk or apt and run as a non-root USER gets the port move, pid and temp paths under /tmp, a writable log folder, TLS keys its user can read ' +
      'and the package default site removed. It happens for an image only when every file involved can be followed and understood.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const unit of findUnits(ctx.project)) {
      const f = planUnit(ctx, unit);
      if (f) out.push(f);
    }
    return out;
  },
};

// ------------------------------------------------------------------ units

/**
 * One image: `swap` (official nginx), `unprivileged` (already
 * nginx-unprivileged) or `package` (nginx installed with apk/apt).
 */
interface Unit {
  kind: 'swap' | 'unprivileged' | 'package';
  df?: DockerfileSource;
  /** swap/unprivileged: the stage whose FROM names the image; package: the final stage. */
  root?: DfStage;
  /** Stages that are (or feed) the image, in order. */
  stages: DfStage[];
  /** Service links that run it (partial services in override files, and services that run its tag, included). */
  services: ServiceLink[];
  ref?: ImageRef;
  base?: StageBase;
  pkg?: NginxPackage;
}

function findUnits(project: Project): Unit[] {
  const units: Unit[] = [];
  for (const df of project.dockerfiles) {
    const byRoot = new Map<number, Unit>();
    const packaged = new Map<number, Unit>();
    // Only the stages that run as images (src/roles.ts): a base or test image keeps its nginx. Their
    // services include those that run the image by a tag built here (`image: X` beside `build:` elsewhere).
    for (const { stage, base, services: users } of imageStages(project, df)) {
      const kind = base.ref && base.facts?.swapTo ? 'swap' : base.ref && base.facts?.family === 'nginx-unprivileged' ? 'unprivileged' : undefined;
      if (kind) {
        const root = base.chain[0]!;
        const unit = byRoot.get(root.index) ?? { kind, df, root, stages: [], services: [], ref: base.ref };
        byRoot.set(root.index, unit);
        for (const s of base.chain) if (!unit.stages.includes(s)) unit.stages.push(s);
        unit.services.push(...users.filter((s) => !unit.services.includes(s)));
        continue;
      }
      if (base.facts?.outOfScope || !nginxPackageInFile(df.parsed)) continue;
      const pkg = nginxPackage(base.chain, df.parsed.escape);
      if (!pkg) continue;
      const unit = packaged.get(stage.index) ?? { kind: 'package', df, root: stage, stages: base.chain, services: [], base, pkg };
      packaged.set(stage.index, unit);
      unit.services.push(...users.filter((s) => !unit.services.includes(s)));
    }
    for (const u of byRoot.values()) {
      u.stages.sort((a, b) => a.index - b.index);
      units.push(u);
    }
    units.push(...packaged.values());
  }
  for (const s of project.services) {
    // A service that builds names its result with `image:`, and one that runs a tag built here is linked to
    // that build by the model (s.build): the Dockerfile decides there.
    if (s.base || s.build || typeof s.effective.image !== 'string') continue;
    const ref = parseImageRef(s.effective.image);
    const facts = lookupImage(ref);
    const kind = facts?.swapTo ? 'swap' : facts?.family === 'nginx-unprivileged' ? 'unprivileged' : undefined;
    if (kind) units.push({ kind, stages: [], services: [s, ...s.overrides], ref });
  }
  return units;
}

// ------------------------------------------------------------------ plan

class Plan {
  edits: Edit[] = [];
  intent: DataChange[] = [];
  blockers: string[] = [];
  files = new Set<string>();
  notes: MigrationNote[] = [];
  /** The non-root user the image's last USER names: nginx's master then starts as that user, not as root. */
  runsAs?: string;
  /** That USER as written (`${user}` when a build argument gives it). */
  runsAsWritten?: string;
  /** What else the swap did, for the finding's message (`COPY --chown=101:0 at line 18 …`). */
  said: string[] = [];
  block(why: string): void {
    if (!this.blockers.includes(why)) this.blockers.push(why);
  }
  edit(file: string, start: number, end: number, text: string): void {
    this.edits.push({ file, range: [start, end], text });
    this.files.add(file);
  }
  add(e: Edit): void {
    this.edits.push(e);
    this.files.add(e.file);
  }
  merge(move: PortMove): void {
    for (const e of move.edits) this.add(e);
    this.intent.push(...move.intent);
    for (const b of move.blockers) this.block(b);
  }
}

function planUnit(ctx: TransformContext, unit: Unit): Finding | undefined {
  const f = unit.kind === 'swap' ? planSwap(ctx.project, unit) : unit.kind === 'unprivileged' ? planUnprivileged(ctx.project, unit) : planPackage(ctx.project, unit, ctx.options.tmpfsSize);
  return f && { ...f, sources: [...new Set([...unitSources(ctx.project, unit, f.file), ...(f.sources ?? [])])] };
}

/**
 * Where the facts behind a unit's finding come from: the knowledge-table rows of the image it runs and of
 * nginx-unprivileged (UID 101, port 8080), the nginx layout (what the stock configuration reads and where it
 * writes), and the repository's nginx configuration files followed, other than the file the finding points at.
 */
function unitSources(project: Project, unit: Unit, findingFile: string): string[] {
  const out: string[] = [];
  const facts = unit.base?.facts ?? (unit.ref ? lookupImage(unit.ref) : undefined);
  if (facts) out.push(...factSources(facts, unit.ref ? `the image ${unit.ref.raw}` : undefined));
  if (unit.kind === 'swap') {
    const target = lookupImage(parseImageRef(UNPRIVILEGED));
    if (target) out.push(...factSources(target, `what ${UNPRIVILEGED} runs as and listens on`));
    out.push(`nginx.org default site: ${NGINX_ORG_DEFAULT_SITE.source}`);
  }
  const layout = unit.pkg?.layout ?? NGINX_ORG_LAYOUT;
  out.push(`nginx layout (${layout.id}): ${layout.source}`);
  for (const f of configFiles(project, unit, layout).files) {
    if (f.source && f.source.path !== findingFile) out.push(`nginx configuration: ${f.source.rel}`);
  }
  return [...new Set(out)];
}

/** Where a finding about the unit points: the FROM (or install RUN) of its Dockerfile, else its first service. */
function unitPosition(unit: Unit, ins?: DfInstruction): { file: string; range: [number, number] } {
  if (unit.df && (ins || unit.root)) {
    const at = ins ?? unit.root!.from;
    return { file: unit.df.path, range: [at.start, at.end] };
  }
  const s = unit.services[0]!;
  return { file: s.compose.path, range: serviceRange(s) };
}

function optional<T>(x: T | undefined): T[] {
  return x === undefined ? [] : [x];
}

function whoRuns(unit: Unit): string {
  return unit.services.length ? `service ${[...new Set(unit.services.map((s) => s.name))].join(', ')}` : `the image of ${unit.df!.rel}`;
}

/** `moves`: the container ports that change, e.g. [[80, 8080]]; the note names only those. */
function portNote(unit: Unit, moves: [number, number][]): MigrationNote {
  const ports = moves.map(([from, to]) => `${to} instead of ${from}`).join(' and ');
  return {
    kind: 'port-moved',
    message:
      `${whoRuns(unit)} now listens on container port ${ports}; published host ports stay, but anything that ` +
      `reaches the container directly (other containers on its network, a proxy, health probes, orchestrator manifests) must use the new port`,
  };
}

/**
 * The `docker run -p` commands of the repository's scripts, Makefiles and CI that publish a container
 * port the image no longer listens on: the evidence says the tag they run is one this image's stage
 * builds, so their container side moves with the image (the host side stays), edited in place where the
 * value is found as written (src/ports.ts publishEdits). Those it cannot edit (README code blocks, a
 * value made by a variable) are listed in a note with their file:line and the value they need.
 * `said`: the part of the finding's message that names the edited ones.
 */
function planPublish(project: Project, unit: Unit, moves: [number, number][], plan: Plan): { note?: MigrationNote; said: string } {
  if (!unit.df || moves.length === 0) return { said: '' };
  const moving = new Set(moves.map(([from]) => from));
  const mentions = publishMentions(project, unit.df, unit.stages).filter((m) => moving.has(m.from));
  if (mentions.length === 0) return { said: '' };
  const { edits, edited, listed } = publishEdits(project, mentions);
  for (const e of edits) plan.add(e);
  const said = edited.length
    ? `; docker run ${edited.map((m) => `-p ${m.spec} (${m.at.rel}:${m.at.line})`).join(', ')} ${edited.length === 1 ? 'runs' : 'run'} this image (a tag it builds), so the container port moves there too, the host port kept`
    : '';
  if (listed.length === 0) return { said };
  const places = listed.map((m) => `${m.at.rel}:${m.at.line} \`-p ${m.spec}\` to \`-p ${m.moved}\``);
  return {
    said,
    note: {
      kind: 'port-moved',
      message: `docker run commands outside the files changed publish the old container port of ${whoRuns(unit)}; change them: ${places.join('; ')}`,
    },
  };
}

// ------------------------------------------------------------------- swap

function planSwap(project: Project, unit: Unit): Finding {
  const plan = new Plan();
  const ref = unit.ref!;
  const name = swappedName(ref, plan);
  const swapped = name ? swapText(ref, name) : undefined;
  const at = unitPosition(unit);
  if (unit.df && unit.root) planSwapDockerfile(project, unit.df, unit.root, unit.stages, name, plan);
  const set = configFiles(project, unit, NGINX_ORG_LAYOUT);
  for (const p of set.problems) plan.block(p);
  const configs = set.files.flatMap((f) => (f.source ? [f.source] : []));
  const stockSite = servesStockSite(project, unit, configs, set.stockMain);
  const listened = listenPorts(configs);
  const implicit = configs.some(hasServerWithoutListen);
  for (const f of configs) if (isFullNginxConfig(f.parsed)) planFullConfig(f, UNPRIVILEGED_WRITABLE, `UID ${UID}`, plan);
  for (const s of unit.services) planSwapService(s, unit.df ? undefined : swapped, plan);
  const move = movePorts(project, { dockerfile: unit.df, stages: unit.stages, configs, implicitListenMoves: true, services: unit.services, runsAs: `UID ${UID}`, renderedConfigs: renderedConfigs(set.files) });
  plan.merge(move);
  planSecrets(project, unit, configs, { owner: UNPRIVILEGED_OWNER, runsAs: `UID ${UID}` }, plan);
  planLogFiles(unit, configs, plan);
  planPlaceholders(configs, plan);
  planStartWrites(project, unit, plan);

  const written = ref.raw;
  const target = swapped ?? UNPRIVILEGED;
  if (plan.blockers.length > 0) {
    // The image stays as it is: under its own non-root USER, nginx may not even start (bentopdf 8ac62b48, ed6e6c01).
    const failing = plan.runsAs ? nonRootStartFailures(project, unit, set, plan.runsAs, plan.runsAsWritten ?? plan.runsAs) : [];
    const cannotStart = failing.length ? `, but as ${plan.runsAs} it fails at start: ${failing.join('; ')}` : '';
    return {
      transform: ID,
      ...at,
      // An image that ends with a non-root USER starts nginx as that user (its master too): say so, not "as root".
      message: `${written} ${plan.runsAs ? `already runs nginx as ${plan.runsAs} (its USER), not as root${cannotStart}` : 'runs its master process as root'}; not swapped to ${UNPRIVILEGED}: ${plan.blockers.join('; ')}`,
      severity: 'warning',
      cis: CIS,
      manual:
        (failing.length
          ? `To make it start as ${plan.runsAs}: switch to ${UNPRIVILEGED} (which does all this for UID ${UID}), or by hand, as its Dockerfile does: ` +
            `a full nginx.conf with pid /tmp/nginx.pid and every *_temp_path under /tmp (or chown -R ${plan.runsAs} /var/cache/nginx and the pid's folder under USER root), ` +
            `and start hooks that write into /etc/nginx write under /tmp instead (or chown what they write to ${plan.runsAs}). `
          : '') +
        `Resolve what blocks it and run again, or swap by hand: FROM/image ${target}, listen 8080 (8443 for 443), ` +
        `EXPOSE 8080, healthchecks on :8080, compose ports "80:8080", and in a full nginx.conf pid /tmp/nginx.pid without user.`,
      ...(failing.length ? { sources: NON_ROOT_START_SOURCES } : {}),
    };
  }
  const digest = ref.digest ? `; dropped the digest ${ref.digest}, which names the old image: pin ${target}'s own digest` : '';
  // What listens after the swap: the repository's own servers (moved by the edits) and, unless replaced or
  // removed, the image's stock default site, which nginx-unprivileged itself moves from 80 to 8080.
  const listens = (from: number) => listened.has(from) || move.listenedThroughEnvironment.includes(from) || (from === 80 && implicit);
  const stockMove: [number, number] = [NGINX_ORG_DEFAULT_SITE.port, NGINX_ORG_DEFAULT_SITE.unprivilegedPort];
  const servedMoves = move.moved.filter(([from]) => listens(from) || (stockSite && from === stockMove[0]));
  if (stockSite && !servedMoves.some(([from]) => from === stockMove[0])) servedMoves.unshift(stockMove);
  const idle = move.moved.filter(([from]) => !servedMoves.some(([f]) => f === from));
  const publish = planPublish(project, unit, [...servedMoves, ...idle], plan);
  return {
    transform: ID,
    ...at,
    message: `${written} ${plan.runsAs ? `runs as ${plan.runsAs} (its USER) on an image laid out for a root master` : 'runs its master process as root'}: use ${target} (UID ${UID})${swapMessage(move.moved, servedMoves, idle, stockSite)} in ${plan.files.size} file(s)${digest}${publish.said}${plan.said.map((x) => `; ${x}`).join('')}`,
    severity: 'warning',
    cis: CIS,
    fix: { edits: plan.edits, intent: plan.intent },
    // A configuration that already listens on 8080 (nothing on 80 or 443 anywhere) keeps its port: no note.
    notes: [...(servedMoves.length ? [portNote(unit, servedMoves)] : []), ...optional(publish.note), ...plan.notes],
  };
}

/**
 * Files the start (ENTRYPOINT/CMD, a compose command, the scripts they run) writes outside what
 * nginx-unprivileged gives UID 101: its Dockerfile owns only /etc/nginx and /var/cache/nginx to 101
 * (and /tmp is everyone's; nginxinc/docker-nginx-unprivileged Dockerfile-*.template). The stock image ran
 * that start as root; as 101 a `sed -i` on a web root's config.js (an SPA's settings injected at start,
 * penpot's frontend) or a redirect into /usr/share/nginx/html fails, and the maintainers who swapped
 * chowned those folders first (penpot e64c956693). Writes into /etc/nginx are followed as configuration
 * (startConfigMappings); a folder made with mkdir is left out (`mkdir -p` of one the image has succeeds).
 * The swap waits, and the finding names each write and what to do.
 */
function planStartWrites(project: Project, unit: Unit, plan: Plan): void {
  const df = unit.df;
  const last = unit.stages[unit.stages.length - 1];
  const base = unit.base ?? (df && last ? resolveStageBase(df.parsed, last) : undefined);
  const starts = unit.services.length ? unit.services.map((s) => ({ s, start: serviceStart(project, s, df, base) })) : df && base ? [{ s: undefined, start: imageStart(project, df, base) }] : [];
  const under = (p: string, dir: string) => p === dir || p.startsWith(dir + '/');
  const givenTo101 = imageGivesTo101(unit);
  // A start that runs a supervisor or a daemon whose master must start as root (s6-overlay's /init, which runs its
  // cont-init scripts and supervises nginx, cron, ... as root: https-portal on nginx) stops under UID 101 whatever
  // nginx's own files allow: the swap is not the image's to make.
  for (const { s, start } of starts) {
    const daemons = imageRootDaemons(start);
    if (daemons.length) {
      plan.block(`${s ? `service ${s.name}'s start` : 'its start'} runs ${daemons.slice(0, 3).join(', ')}, which must start as root: as UID ${UID} it would not start; keep the image on root`);
      return;
    }
  }
  const seen = new Set<string>();
  const chowned = new Set<DfInstruction>();
  for (const { s, start } of starts) {
    const writes: StartWrite[] = [...start.scripts.flatMap((x) => x.reading.writes), ...(start.command?.writes ?? [])];
    for (const w of writes) {
      if (w.kind === 'dir' || w.path.includes('$')) continue;
      // A file written in place needs the file (when it is there) or its folder; `sed -i` and friends make a new file beside it.
      const target = w.kind === 'dir-of' ? path.posix.dirname(w.path) : w.path;
      if (UNPRIVILEGED_WRITABLE.some((d) => under(w.path, d.replace(/\/$/, ''))) || under(w.path, NGINX_CONF_DIR)) continue;
      if (s && mountCovers(s, s.effective, w.path)) continue; // a tmpfs or volume there: its owner is the mount's, not the image's
      if (givenTo101(target)) continue;
      if (seen.has(w.path)) continue;
      seen.add(w.path);
      const copy = df && last ? webRootCopy(df, unit.stages, last, w, target) : undefined;
      if (copy && 'ins' in copy) {
        if (!chowned.has(copy.ins)) {
          chowned.add(copy.ins);
          const at = copy.ins.start + copy.ins.raw.match(/^\s*\S+/)![0].length;
          plan.edit(df!.path, at, at, ` --chown=${UID}:0`);
          plan.said.push(`COPY --chown=${UID}:0 at line ${copy.ins.line + 1}, which fills ${copy.dest}, so the start's ${w.how} can write ${target} as UID ${UID}`);
        }
        continue;
      }
      if (copy) {
        plan.block(`its start runs ${w.how}, which UID ${UID} cannot do in ${UNPRIVILEGED}: ${copy.why}; chown -R ${UID}:0 ${target} between USER root and USER ${UID} after that COPY, or write under /tmp, then swap`);
        continue;
      }
      plan.block(`its start runs ${w.how}, which UID ${UID} cannot do in ${UNPRIVILEGED} (only /etc/nginx, /var/cache/nginx and /tmp are its own): give ${target} to ${UID} in the image (COPY --chown=${UID}:0, or chown -R ${UID}:0 under USER root), or write under /tmp, then swap`);
    }
  }
}

/**
 * The one COPY (or ADD) of the final stage that fills the folder a start write needs (TeamPiped/Piped 1b5a362b: `COPY
 * --from=build /app/dist/ /usr/share/nginx/html/`, whose entrypoint runs `sed -i` on /usr/share/nginx/html/assets/*; their
 * swap to nginx-unprivileged added `--chown=101:101` there). With `--chown=101:0` the files and folders it makes are UID
 * 101's, group 0 as nginx-unprivileged gives its own folders; the destination folder itself, which the base has, keeps its
 * owner (Dockerfile reference, COPY --chown; docker-nginx-unprivileged leaves /usr/share/nginx/html root's). So it is
 * enough where what the start writes lies strictly inside the destination: a folder the copy brings (`assets/`) for a
 * `sed -i` or a file written in place there, or a file the copy brings. `{ ins }` when that COPY can take the flag; `{ why }`
 * when one COPY fills it but the flag would not reach (the destination folder itself is written, the COPY already has an
 * owner); undefined when no single COPY of the final stage fills it.
 */
function webRootCopy(df: DockerfileSource, stages: DfStage[], last: DfStage, w: StartWrite, target: string): { ins: DfInstruction; dest: string } | { why: string } | undefined {
  const scopes = variableScopes(stages, df.parsed.globalArgs);
  const copies = stages.flatMap((st) =>
    effectiveInstructions(st).flatMap((ins) => {
      if ((ins.keyword !== 'COPY' && ins.keyword !== 'ADD') || ins.heredocs.length) return [];
      const args = (ins.json ?? ins.args).filter((a) => !a.startsWith('--'));
      const written = args[args.length - 1] ?? '';
      const value = expandArgs(written, scopes.get(ins) ?? new Map()) ?? written;
      if (!value.startsWith('/') || value.includes('$')) return [];
      const dest = path.posix.normalize(value).replace(/\/+$/, '') || '/';
      const sources = args.slice(0, -1);
      // A folder copied in (`dist/`, `.`, several sources, a destination ending in /): it fills `dest`.
      const fills = /\/$/.test(written) || sources.length > 1 || sources.some((x) => /\/$|^\.$/.test(x));
      return fills && (target === dest || target.startsWith(dest + '/')) ? [{ ins, dest, stage: st }] : [];
    }),
  );
  if (copies.length !== 1 || copies[0]!.stage !== last) return undefined;
  const { ins, dest } = copies[0]!;
  if (ins.flags.some((f) => f.name === 'chown')) return { why: `${ins.keyword} at line ${ins.line + 1} fills ${dest} with --chown to another owner` };
  // A file written in place needs its folder only where it does not exist yet: the folder must then be one the copy makes.
  const folder = w.kind === 'file' ? path.posix.dirname(target) : target;
  if (folder === dest) {
    return { why: `${ins.keyword} at line ${ins.line + 1} fills ${dest}, but the start writes in ${dest} itself, which keeps the base's owner (root) even with COPY --chown` };
  }
  return { ins, dest };
}

/**
 * Whether the unit's Dockerfile gives a path to UID 101: a chown to 101 (or nginx) or a world- or group-writable chmod
 * of it or a folder above it, or a COPY --chown=101 that creates it (strictly inside the COPY's destination: a
 * destination folder the base already has, /usr/share/nginx/html, keeps its owner).
 */
function imageGivesTo101(unit: Unit): (target: string) => boolean {
  const df = unit.df;
  if (!df) return () => false;
  const ops = runFileOps(unit.stages, df.parsed.escape);
  const under = (p: string, dir: string) => p === dir || p.startsWith(dir + '/');
  const givenTo101 = (target: string) =>
    ops.some((op) => op.paths.some((p) => opCovers(op, p, target)) && ((op.tool === 'chown' && !!op.arg && UNPRIVILEGED_USERS.has(ownerUser(op.arg))) || (op.tool === 'chmod' && !!op.arg && /^(0?[0-7]{2}[2367]|[ao]?\+w|a=rwx?)$/.test(op.arg))));
  const copiedTo101 = (target: string) =>
    unit.stages.some((st) =>
      effectiveInstructions(st).some((ins) => {
        if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') return false;
        const chown = ins.flags.find((f) => f.name === 'chown')?.value;
        if (!chown || !UNPRIVILEGED_USERS.has(ownerUser(chown))) return false;
        const dest = (ins.args[ins.args.length - 1] ?? '').replace(/\/+$/, '') || '/';
        return dest.startsWith('/') && target !== dest && under(target, dest);
      }),
    );
  return (target) => givenTo101(target) || copiedTo101(target);
}

/** The log files the official nginx image links to the container's output (`ln -sf /dev/stdout …`), which nginx-unprivileged keeps. */
const STOCK_LOG_LINKS = ['/var/log/nginx/access.log', '/var/log/nginx/error.log'];

/**
 * Log files the configuration names (error_log, access_log) that UID 101 could not open. nginx opens them when it
 * loads its configuration and stops if it cannot ("[emerg] open() … failed (13: Permission denied)"), which as root
 * never happened: the stock image's master is root. nginx-unprivileged gives 101 only /etc/nginx and /var/cache/nginx
 * (and /tmp is everyone's); /var/log/nginx stays root's, with access.log and error.log linked to stdout and stderr.
 * A log in a bind mount keeps the host's owner (shlink's mercure proxy: `error_log /home/shlink/www/data/infra/nginx/…`
 * in the checkout mounted at /home/shlink/www), a fresh named volume the image folder's (root's). Checked on the team
 * engine (nginx-unprivileged stand-in, `nginx -t`): both, and `access_log /var/log/nginx/app.access.log`, fail as 101
 * and pass as root in nginx:1.27. A tmpfs there, or a folder the Dockerfile gives 101, is writable. Paths with a
 * variable (an access_log opened per request) are not read.
 */
/**
 * A template line that is one placeholder (`${NGINX_EVENTS_BLOCK}`, openwisp's nginx.template.conf) is filled with
 * whole directives at start: a listen on 80, a user, a pid or a log there is not known, so the swap waits.
 */
function planPlaceholders(configs: NginxSource[], plan: Plan): void {
  for (const src of configs) {
    walkNginx(src.parsed.directives, (d) => {
      if (d.placeholder) plan.block(`${src.rel} line ${d.line} is a placeholder (${d.name}) the template fills with directives at start, so I cannot tell what it adds (a listen on 80, a user, a pid or log file)`);
    });
  }
}

function planLogFiles(unit: Unit, configs: NginxSource[], plan: Plan): void {
  const givenTo101 = imageGivesTo101(unit);
  const under = (p: string, dir: string) => p === dir || p.startsWith(dir.replace(/\/?$/, '/'));
  const seen = new Set<string>();
  for (const src of configs) {
    walkNginx(src.parsed.directives, (d) => {
      if ((d.name !== 'error_log' && d.name !== 'access_log') || !d.args[0]) return;
      const v = d.args[0].value;
      if (v === 'off' || v === 'stderr' || v.includes('$') || /^(syslog|memory):/.test(v) || v.startsWith('/dev/')) return;
      const file = path.posix.resolve('/etc/nginx', v);
      const dir = path.posix.dirname(file);
      if (STOCK_LOG_LINKS.includes(file) || UNPRIVILEGED_WRITABLE.some((w) => under(file, w)) || under(file, NGINX_CONF_DIR)) return;
      const mounts = unit.services.flatMap((s) => s.volumes.filter((m) => under(dir, m.target)).map((m) => ({ s, m })));
      const mount = mounts.sort((a, b) => b.m.target.length - a.m.target.length)[0];
      // A tmpfs is mode 1777 unless its options say otherwise (Docker: tmpfs-mode defaults to 1777).
      const tmpfs = unit.services.some((s) => (typeof s.effective.tmpfs === 'string' ? [s.effective.tmpfs] : stringList(s, 'tmpfs')).some((t) => under(dir, t.split(':')[0]!)));
      if (tmpfs || mount?.m.type === 'tmpfs' || (!mount && givenTo101(dir))) return;
      if (seen.has(file)) return;
      seen.add(file);
      const why = mount
        ? mount.m.type === 'bind'
          ? `${dir} is in the bind mount ${mount.m.source}:${mount.m.target} of service ${mount.s.name}, whose files keep the host's owner`
          : `${dir} is in the volume ${mount.m.source ?? ''} at ${mount.m.target} of service ${mount.s.name}, which a new volume makes root's`
        : `${dir} is root's in ${UNPRIVILEGED} (only /etc/nginx, /var/cache/nginx and /tmp are UID ${UID}'s)`;
      plan.block(
        `${d.name} ${v} at ${src.rel} line ${d.line} is opened when nginx starts, and ${why}: as UID ${UID} nginx would stop there (open() failed, permission denied); log to /dev/stderr or /dev/stdout (or under /tmp), or give that folder to ${UID}, then swap`,
      );
    });
  }
}

/** Whether a chmod mode lets a root-owned file's group write: an octal mode with the group's w bit, or a clause for g (or a) that adds w or copies the owner's bits (g=u). */
function groupWritable(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) return /[2367]/.test(mode[mode.length - 2]!);
  return mode.split(',').some((clause) => {
    const m = /^([ugoa]*)([+=])(.*)$/.exec(clause);
    return !!m && (m[1] === '' || /[ga]/.test(m[1]!)) && (m[3]!.includes('w') || m[3] === 'u');
  });
}

/** Where the facts of nonRootStartFailures come from. */
const NON_ROOT_START_SOURCES = [
  'nginx pid and *_temp_path (nginx.org packages: --pid-path=/var/run/nginx.pid, --http-*-temp-path=/var/cache/nginx/*_temp): https://nginx.org/en/docs/ngx_core_module.html#pid, https://nginx.org/en/docs/http/ngx_http_core_module.html#client_body_temp_path',
  'what nginx needs to start unprivileged (pid and temp paths in /tmp, chown of /var/cache/nginx and /etc/nginx): https://github.com/nginxinc/docker-nginx-unprivileged/blob/main/mainline/alpine-slim/Dockerfile',
];
/** The official image's compiled-in paths (nginx -V of nginx:1.27): pid, and each temp path by directive. */
const NGINX_ORG_PID = '/var/run/nginx.pid';
const NGINX_ORG_TEMP_DIR = '/var/cache/nginx';

/**
 * Why stock nginx run by the image's own non-root USER (not ours) stops at start: its master then writes the pid,
 * makes its temp folders and runs the start hooks as that user, and the official image gives none of those places
 * to anyone but root (bentopdf 8ac62b48: USER bentopdf with no pid in its nginx.conf, so nginx's /var/run/nginx.pid;
 * ed6e6c01: a hook's `sed -i` on /etc/nginx/nginx.conf). docker-nginx-unprivileged moves pid and temp paths to /tmp
 * and chowns /var/cache/nginx and /etc/nginx; a Dockerfile that does the same (chown or a world-writable chmod of
 * the place, or of a folder above it) or a configuration that already moves them is left alone.
 * `user`: the USER resolved; `written`: as the Dockerfile writes it (a chown may name `${user}` too).
 */
function nonRootStartFailures(project: Project, unit: Unit, set: NginxConfigSet, user: string, written: string): string[] {
  const df = unit.df;
  if (!df) return [];
  const owners = new Set([ownerUser(user), ownerUser(written)]);
  // The official images create user nginx as UID 101.
  if (owners.has('nginx') || owners.has('101')) for (const o of ['nginx', '101']) owners.add(o);
  const ops = runFileOps(unit.stages, df.parsed.escape);
  // A numeric USER that no account of the image has runs with group 0 (Docker's default for a UID not in /etc/passwd), as
  // does USER n:0: then a group-writable chmod of a root-owned place (`chmod -R g=u`, OpenShift's convention, DefectDojo's
  // nginx image) gives it too. The official image's 101 is its nginx account, group 101.
  const bare = ownerUser(user);
  const rootGroup =
    /:(0|root)$/.test(user.trim()) || (/^\d+$/.test(user.trim()) && bare !== UID && !usersCreatedIn(unit.stages, df.parsed.escape).some((u) => u.uid === Number(bare)));
  const canon = (p: string) => (p === '/var/run' || p.startsWith('/var/run/') ? p.slice('/var'.length) : p);
  const under = (p: string, dir: string) => p === dir || p.startsWith(dir + '/');
  const given = (target: string) =>
    ops.some(
      (op) =>
        op.paths.some((w) => opCovers(op, canon(w), canon(target))) &&
        ((op.tool === 'chown' && !!op.arg && owners.has(ownerUser(op.arg))) ||
          (op.tool === 'chmod' && !!op.arg && (/^(0?[0-7]{2}[2367]|[ao]?\+w|a=rwx?)$/.test(op.arg) || (rootGroup && groupWritable(op.arg))))),
    );
  const writable = (file: string) => under(file, '/tmp') || given(file) || given(path.posix.dirname(file));
  const out: string[] = [];
  const main = set.files.find((f) => f.containerPath === `${NGINX_CONF_DIR}/nginx.conf`)?.source;
  // pid and temp paths only when the main configuration is known: one this run cannot read (a variable include, a file
  // a start hook rewrites) already blocks the swap, and guessing its paths would be a guess.
  if (set.stockMain || main) {
    const top = main?.parsed.directives ?? [];
    const pid = top.find((d) => d.name === 'pid')?.args[0]?.value;
    const pidPath = pid ?? NGINX_ORG_PID;
    if (!pidPath.includes('$') && !writable(pidPath)) {
      out.push(`${pid ? `its nginx.conf's pid ${pid}` : `nginx's built-in pid ${NGINX_ORG_PID}${set.stockMain ? ' (the stock nginx.conf)' : ' (its nginx.conf sets no pid)'}`} is in a folder only root may write`);
    }
    const http = top.find((d) => d.name === 'http' && d.block);
    const stockTemps = TEMP_PATHS.filter(([name]) => !http?.block?.some((c) => c.name === name));
    const ownTemps = TEMP_PATHS.flatMap(([name]) => optional(http?.block?.find((c) => c.name === name)?.args[0]?.value)).filter((v) => !v.includes('$'));
    const tempDir = ([name]: readonly [string, string]) => `${NGINX_ORG_TEMP_DIR}/${name.replace(/_temp_path$/, '').replace(/^client_body$/, 'client')}_temp`;
    if (stockTemps.length && !given(NGINX_ORG_TEMP_DIR) && !stockTemps.every((t) => given(tempDir(t)))) {
      const unset = stockTemps.length === TEMP_PATHS.length ? 'no *_temp_path moves them' : `${stockTemps.map(([name]) => name).join(', ')} not set`;
      out.push(`nginx's built-in temp folders under ${NGINX_ORG_TEMP_DIR} (${unset}) are root's`);
    }
    for (const t of ownTemps) if (!under(t, '/tmp') && !given(t) && !given(path.posix.dirname(t))) out.push(`its nginx.conf's temp path ${t} is not ${user}'s`);
  }
  // Start hooks (ENTRYPOINT/CMD, a compose command, /docker-entrypoint.d scripts) that write where the user may not.
  const base = resolveStageBase(df.parsed, unit.stages[unit.stages.length - 1]!);
  const starts = unit.services.length ? unit.services.map((s) => ({ s, start: serviceStart(project, s, df, base) })) : [{ s: undefined, start: imageStart(project, df, base) }];
  const seen = new Set<string>();
  for (const { s, start } of starts) {
    for (const w of [...start.scripts.flatMap((x) => x.reading.writes), ...(start.command?.writes ?? [])]) {
      if (w.kind === 'dir' || w.path.includes('$') || seen.has(w.path)) continue;
      const target = w.kind === 'dir-of' ? path.posix.dirname(w.path) : w.path;
      if (under(w.path, '/tmp') || under(w.path, '/dev') || (s && mountCovers(s, s.effective, w.path)) || given(target)) continue;
      seen.add(w.path);
      out.push(`its start runs ${w.how}, and ${target} is root's`);
    }
  }
  return out;
}

/**
 * What the swap does to the container's ports, said as it happens: the repository's own `listen`
 * lines move, the image's stock default site moves by itself (nginx-unprivileged listens on 8080
 * there), and a port no configuration read here listens on (`EXPOSE 443` with no TLS server, or a config mounted from outside the repository) only follows in EXPOSE
 * and compose.
 */
function swapMessage(moved: [number, number][], served: [number, number][], idle: [number, number][], stockSite: boolean): string {
  const list = (moves: [number, number][]) => moves.map(([from, to]) => `${from} to ${to}`).join(' and ');
  const idleText = idle.length
    ? `${idle.map(([from]) => from).join(' and ')} (no configuration read here listens on it) ${idle.length === 1 ? 'follows' : 'follow'} to ${idle.map(([, to]) => to).join(' and ')}`
    : '';
  if (stockSite) {
    const { path: site, port, unprivilegedPort } = NGINX_ORG_DEFAULT_SITE;
    const own = served.filter(([from]) => from !== port);
    const also = [...(own.length ? [`the configuration's ${list(own)} moves too`] : []), ...(idle.length ? [idleText] : [])];
    return `, whose own default site (${site}, which this image keeps) listens on ${unprivilegedPort} instead of ${port}: container port ${port} becomes ${unprivilegedPort}${also.map((a) => `, ${a}`).join('')},`;
  }
  if (served.length) return ` and move container port ${list(served)}${idle.length ? `; ${idleText},` : ''}`;
  if (moved.length) return `, whose configuration already listens on no port below 1024; ${idleText},`;
  return ', whose configuration already listens on no port below 1024,';
}

/**
 * Whether the image's containers still read the nginx.org images' stock default site: the main
 * nginx.conf (the stock one, or the repository's) includes it, no RUN removes it, and, for at least
 * one service (or the image alone), no COPY or mount replaces or hides it.
 */
function servesStockSite(project: Project, unit: Unit, configs: NginxSource[], stockMain: boolean): boolean {
  const site = NGINX_ORG_DEFAULT_SITE.path;
  const included =
    stockMain ||
    configs.some((src) => {
      let found = false;
      walkNginx(src.parsed.directives, (d) => {
        if (d.name !== 'include' || d.args.length !== 1) return;
        const inc = path.posix.resolve(NGINX_CONF_DIR, d.args[0]!.value);
        if (path.posix.dirname(inc) === path.posix.dirname(site) && globRegExp(path.posix.basename(inc)).test(path.posix.basename(site))) found = true;
      });
      return found;
    });
  if (!included) return false;
  const ops = unit.df ? runFileOps(unit.stages, unit.df.parsed.escape) : [];
  if (ops.some((op) => (op.tool === 'rm' || op.tool === 'unlink') && op.paths.some((p) => opCovers(op, p, site)))) return false;
  // A template the entrypoint renders to default.conf replaces the stock site at start, as a COPY or mount would.
  return containerMappings(project, unit).some((mappings) => !resolveContainerPath(mappings, site) && !templateRenders(mappings).files.some((r) => r.output === site));
}

interface SwappedName {
  registry?: string;
  path: string;
}

/** Registry and path of the unprivileged image where `ref` is pulled from; undefined (and a blocker) when that cannot be known. */
function swappedName(ref: ImageRef, plan: Plan): SwappedName | undefined {
  if (ref.path.includes('$') || ref.registry?.includes('$')) {
    plan.block(`the image name ${ref.raw} comes from a variable`);
    return undefined;
  }
  const reg = ref.registry?.toLowerCase();
  if (reg === undefined || ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(reg)) {
    return { registry: ref.registry, path: UNPRIVILEGED };
  }
  if (reg === 'public.ecr.aws' && ref.path === 'nginx/nginx') return { registry: ref.registry, path: 'nginx/nginx-unprivileged' };
  plan.block(`${ref.raw} is pulled from ${ref.registry}, which may not carry ${UNPRIVILEGED}`);
  return undefined;
}

/** The image as written with the new name: the tag carries over (ARGs in it too); a digest does not, since it names the old image. */
function swapText(written: ImageRef, name: SwappedName): string {
  return formatImageRef({ ...name, tag: written.tag });
}

function planSwapDockerfile(project: Project, df: DockerfileSource, root: DfStage, stages: DfStage[], name: SwappedName | undefined, plan: Plan): void {
  const parsed = df.parsed;
  const K = (k: string) => keyword(parsed, k);
  const where = (ins: DfInstruction) => `${df.rel} line ${ins.line + 1}`;

  // FROM: the image word, as written (ARGs in the tag carry over).
  const word = instructionWords(root.from.raw, parsed.escape).find((w, i) => i > 0 && !w.text.startsWith('--'));
  if (!word || word.text !== root.image) plan.block(`cannot find the image in FROM at ${where(root.from)}`);
  else if (name) {
    const written = parseImageRef(word.text);
    const whole = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(word.text);
    if (whole) planSwapArgDefault(project, df, root, whole[1] ?? whole[2]!, name, plan);
    else if (written.path.includes('$') || written.registry?.includes('$')) plan.block(`FROM at ${where(root.from)} names the image through a build argument`);
    else plan.edit(df.path, root.from.start + word.start, root.from.start + word.start + word.text.length, swapText(written, name));
  }

  planConfigWriters(df, stages, plan);
  let user = UID;
  let userWritten = UID;
  // `ARG user=nginx` + `USER ${user}` (SecObserve's frontend, rw-history4): the user a build without --build-arg gives
  // it, which nginx runs as (its master too); the USER lines put back around RUNs keep the text as written.
  const scopes = variableScopes(stages, parsed.globalArgs);
  const resolved = (ins: DfInstruction, written: string) => {
    if (!written.includes('$')) return written;
    const value = expandArgs(written, scopes.get(ins) ?? new Map());
    return value !== undefined && value.trim() !== '' && !value.includes('$') ? value : written;
  };
  for (const stage of stages) {
    // RUNs that ran as root now run as 101: wrap each stretch of them in USER root ... USER <user>.
    let open: DfInstruction | undefined;
    let last: DfInstruction | undefined;
    const close = () => {
      if (open && last) {
        plan.add(insertBefore(df, parsed, open, [`${K('USER')} root`]));
        plan.add(insertAfter(df, parsed, last, [`${K('USER')} ${userWritten}`]));
      }
      open = last = undefined;
    };
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword === 'USER') {
        close();
        userWritten = ins.args[0] ?? '';
        user = resolved(ins, userWritten);
        plan.runsAs = !isRootUser(user) && !user.includes('$') ? user : undefined;
        plan.runsAsWritten = plan.runsAs ? userWritten : undefined;
      } else if (ins.keyword === 'RUN' && !isRootUser(user)) {
        open ??= ins;
        last = ins;
      }
    }
    close();
  }
  if (!UNPRIVILEGED_USERS.has(user)) {
    plan.block(isRootUser(user) ? `the image ends with USER ${user}, so it would still run as root` : `the image ends with USER ${user}, but ${UNPRIVILEGED} expects UID ${UID}`);
  } else if (userWritten.includes('$')) {
    // A build argument's default is only what a build without --build-arg gets: SecObserve's `ARG user=nginx` became
    // so_nginx (1001) in a later commit (ef0712c0), and the image laid out for 101 would not fit that user.
    plan.block(`the image ends with USER ${userWritten}, a build argument (${user} by default) that a build may set to another user, and ${UNPRIVILEGED} expects UID ${UID}`);
  }
}

/**
 * `ARG BASE=nginx:1.27-alpine` before `FROM ${BASE}`: the image is the ARG's default, so the swap
 * edits that default (its quotes kept), when nothing else reads it: no other stage starts FROM
 * that ARG, and no build in the repository (compose build.args, `--build-arg`, bake args,
 * build-push-action build-args) passes its own value, which the build would use instead of
 * the default while the ports had moved to 8080.
 */
function planSwapArgDefault(project: Project, df: DockerfileSource, root: DfStage, arg: string, name: SwappedName, plan: Plan): void {
  const parsed = df.parsed;
  const where = (ins: DfInstruction) => `${df.rel} line ${ins.line + 1}`;
  const declared = parsed.instructions.filter((i) => i.stage === -1 && i.keyword === 'ARG').flatMap((i) => i.properties.filter((p) => p.name === arg).map((p) => ({ ins: i, p })));
  // The last declaration before the first FROM is the default FROM sees.
  const decl = declared[declared.length - 1];
  const value = decl?.p.value ?? undefined;
  if (!decl || value === undefined || !decl.p.valueRange) {
    plan.block(`FROM at ${where(root.from)} names the image through build argument ${arg}, which has no default before the first FROM`);
    return;
  }
  const ref = parseImageRef(value);
  if (ref.path.includes('$') || ref.registry?.includes('$') || !lookupImage(ref)?.swapTo) {
    plan.block(`FROM at ${where(root.from)} names the image through build argument ${arg}, whose default ${value} is not the nginx image itself`);
    return;
  }
  const uses = new RegExp(`\\$(\\{${arg}([:}+-]|$)|${arg}(?![A-Za-z0-9_]))`);
  for (const stage of parsed.stages) {
    if (stage !== root && uses.test(stage.image)) plan.block(`build argument ${arg} also names the image of the stage at ${where(stage.from)}, which the swap would change too`);
  }
  for (const other of parsed.instructions) {
    if (other.stage === -1 && other.keyword === 'ARG' && other.properties.some((p) => p.name !== arg && p.value && uses.test(p.value))) {
      plan.block(`build argument ${arg} is read by another ARG at ${where(other)}`);
    }
  }
  for (const set of buildArgOverrides(project, df, arg)) {
    plan.block(`${set.at} builds it with ${arg}=${set.value ?? '(from the environment)'}, which replaces the default: change the image there too, or drop that argument`);
  }
  const [start, end] = decl.p.valueRange;
  const rawValue = parsed.text.slice(start, end);
  const quote = /^["']/.test(rawValue) ? rawValue[0]! : '';
  plan.edit(df.path, start, end, `${quote}${swapText(ref, name)}${quote}`);
}

/** Values the repository's builds of this Dockerfile give build argument `arg`: compose build.args and the evidence (scripts, CI, bake). */
function buildArgOverrides(project: Project, df: DockerfileSource, arg: string): { at: string; value?: string }[] {
  const out: { at: string; value?: string }[] = [];
  for (const s of project.servicesByDockerfile.get(df.path) ?? []) {
    const args = s.build?.args;
    if (args && Object.hasOwn(args, arg)) out.push({ at: `service ${s.name} in ${s.compose.rel}`, value: args[arg] });
  }
  for (const b of project.layout.evidence.builds) {
    if (b.dockerfile === df.path && b.args && Object.hasOwn(b.args, arg)) out.push({ at: `${b.via} at ${b.at.rel}:${b.at.line}`, value: b.args[arg] });
  }
  return out.filter((o, i) => out.findIndex((x) => x.at === o.at && x.value === o.value) === i);
}

/**
 * RUN and COPY lines that write nginx configuration in ways the tool cannot follow. What the start
 * writes (CMD, ENTRYPOINT, compose command, their scripts) is followed by containerMappings.
 */
function planConfigWriters(df: DockerfileSource, stages: DfStage[], plan: Plan): void {
  const where = (ins: DfInstruction) => `${df.rel} line ${ins.line + 1}`;
  for (const stage of stages) {
    for (const ins of effectiveInstructions(stage)) {
      switch (ins.keyword) {
        case 'RUN': {
          const sh = runShellText(ins);
          // envsubst as a program (`envsubst < a > b`, `/usr/bin/envsubst`), not inside a name: windfront's
          // `RUN chmod +x /docker-entrypoint.d/100-envsubst-on-app-envs.sh` only makes its start hook runnable.
          if (/(?<![\w.-])envsubst(?![\w.-])/.test(sh)) plan.block(`RUN at ${where(ins)} runs envsubst, which writes configuration I cannot follow`);
          else if (/(>>?|\btee\b[^&|;\n]*?|\bsed\b[^&|;\n]*?)\s*\/etc\/nginx\b/.test(sh)) plan.block(`RUN at ${where(ins)} writes into /etc/nginx, which I cannot follow`);
          break;
        }
        case 'COPY':
        case 'ADD':
          if (ins.heredocs.length && /\/etc\/nginx\b/.test(ins.raw.split('\n')[0]!)) plan.block(`${ins.keyword} at ${where(ins)} writes nginx configuration from a heredoc`);
          break;
      }
    }
  }
}

// ------------------------------------------------------------- configs

/**
 * What each container of the unit sees (one list per service, or the image's alone): the image's COPYs,
 * the service's mounts, and the configuration its start writes (an envsubst render of a template, followed;
 * any other write into /etc/nginx, as a mapping whose content is unknown): a compose command or
 * entrypoint counts as the start just as the Dockerfile's CMD or ENTRYPOINT does.
 */
function containerMappings(project: Project, unit: Unit): ContainerMapping[][] {
  const last = unit.stages[unit.stages.length - 1];
  const base = unit.base ?? (unit.df && last ? resolveStageBase(unit.df.parsed, last) : undefined);
  const sets = imageMappings(project, unit.df?.path, unit.stages, unit.services);
  return sets.map((m, i) => [...m, ...startConfigMappings(project, unit.services[i], unit.df, base)]);
}

/** Host paths of the configs the entrypoint renders from templates (their `${NAME}`s are the services' environment). */
function renderedConfigs(files: NginxConfigFile[]): Set<string> {
  return new Set(files.filter((f) => f.rendered).map((f) => f.hostPath));
}

/** The configs the unit's containers read (blockers for what cannot be followed), each once. */
function configFiles(project: Project, unit: Unit, layout: NginxLayout): { files: NginxConfigFile[]; problems: string[]; stockSites: string[]; stockMain: boolean } {
  const files = new Map<string, NginxConfigFile>();
  const problems: string[] = [];
  const stockSites: string[] = [];
  let stockMain = false;
  for (const mappings of containerMappings(project, unit)) {
    const set = nginxConfigSet(project, mappings, layout);
    for (const p of set.problems) if (!problems.includes(p)) problems.push(p);
    for (const f of set.files) if (!files.has(f.hostPath)) files.set(f.hostPath, f);
    for (const site of set.stockSites) if (!stockSites.includes(site)) stockSites.push(site);
    stockMain ||= set.stockMain;
  }
  for (const s of unit.services) {
    const configs = s.effective.configs;
    if (Array.isArray(configs) && configs.some((c) => typeof c === 'object' && c && isUnderNginxDir(String((c as { target?: unknown }).target ?? '')))) {
      problems.push(`service ${s.name} gets nginx configuration from compose configs, which I do not follow`);
    }
  }
  for (const f of files.values()) {
    if (f.source) continue;
    const err = project.errors.find((e) => e.file === f.hostPath);
    problems.push(`${relPath(project.cwd, f.hostPath)} (${f.containerPath}) ${err ? `cannot be edited: ${err.message}${err.line ? ` at line ${err.line}` : ''}` : 'could not be loaded'}`);
  }
  return { files: [...files.values()], problems, stockSites, stockMain };
}

/**
 * A full nginx.conf for a non-root master: pid under /tmp, no `user`, temp
 * paths under /tmp (as the upstream unprivileged image's own nginx.conf).
 */
function planFullConfig(src: NginxSource, writable: string[], runsAs: string, plan: Plan): void {
  const text = src.text;
  const top = src.parsed.directives;
  const users = top.filter((d) => d.name === 'user');
  const pid = top.find((d) => d.name === 'pid');
  let replacedUser: NginxDirective | undefined;
  if (pid) {
    const arg = pid.args[0];
    if (!arg) plan.block(`pid without a path at ${src.rel} line ${pid.line}`);
    else if (!arg.value.startsWith('/tmp/')) plan.edit(src.path, arg.start, arg.end, '/tmp/nginx.pid');
  } else if (users[0]) {
    // pid takes the place of the user line it replaces (a comment on that line goes with it).
    const removal = removeNginxDirective(src, users[0]);
    replacedUser = users[0];
    if (removal.range[1] === users[0].end) plan.edit(src.path, users[0].start, users[0].end, 'pid /tmp/nginx.pid;');
    else {
      plan.edit(src.path, removal.range[0], removal.range[0], `${indentOfLine(text, users[0].start)}pid /tmp/nginx.pid;${detectEol(text)}`);
      plan.add(removal);
    }
  } else if (top[0]) {
    const lineStart = lineStartOf(text, top[0].start);
    plan.edit(src.path, lineStart, lineStart, `${indentOfLine(text, top[0].start)}pid /tmp/nginx.pid;${detectEol(text)}`);
  }
  for (const u of users) if (u !== replacedUser) plan.add(removeNginxDirective(src, u));

  const http = top.find((d) => d.name === 'http' && d.block);
  if (!http) return;
  const missing: string[] = [];
  for (const [name, value] of TEMP_PATHS) {
    const own = http.block!.find((c) => c.name === name);
    if (!own) missing.push(`${name} ${value};`);
    else if (!writable.some((w) => (own.args[0]?.value ?? '').startsWith(w))) {
      plan.block(`${name} ${own.args[0]?.value ?? ''} at ${src.rel} line ${own.line} is not writable by ${runsAs}`);
    }
  }
  if (missing.length === 0) return;
  const at = nginxBlockInsertPoint(text, http);
  if (!at) return plan.block(`the http block of ${src.rel} is written on one line`);
  plan.edit(src.path, at.offset, at.offset, missing.map((l) => at.prefix + l).join(''));
}

// -------------------------------------------------------------- secrets

interface SecretOwner {
  /** `101:101`, `1000:1000`, `app`: what chown gets. */
  owner: string;
  runsAs: string;
  /** package kind: the USER instruction before which a generated RUN may chown (files copied before it). */
  userInstruction?: DfInstruction;
  /** package kind: paths to chown in the generated RUN. */
  chown?: string[];
}

/**
 * TLS keys (and password files) the master reads at start must be readable by
 * the user it now runs as. A key the image copies with a root-only mode
 * (COPY --chmod, a later RUN chmod, or the file's own mode) is given to that
 * user; one from a mount the tool cannot see, or made by a RUN, blocks.
 */
function planSecrets(project: Project, unit: Unit, configs: NginxSource[], who: SecretOwner, plan: Plan): void {
  const seen = new Set<string>();
  const given = new Set<DfInstruction>();
  const ops = unit.df ? runFileOps(unit.stages, unit.df.parsed.escape) : [];
  for (const src of configs) {
    walkNginx(src.parsed.directives, (d) => {
      if (!SECRET_FILES.has(d.name) || !d.args[0]) return;
      const value = d.args[0].value;
      if (/^(data|engine|store):/.test(value)) return;
      const where = `${src.rel} line ${d.line}`;
      if (value.includes('$')) return plan.block(`${d.name} at ${where} names a variable, so I cannot tell whether ${who.runsAs} can read the file`);
      const file = path.posix.resolve('/etc/nginx', value);
      if (seen.has(file)) return;
      seen.add(file);
      planSecret(project, unit, file, `${d.name} ${file} (${where})`, ops, who, given, plan);
    });
  }
}

function planSecret(
  project: Project,
  unit: Unit,
  file: string,
  what: string,
  ops: RunFileOp[],
  who: SecretOwner,
  given: Set<DfInstruction>,
  plan: Plan,
): void {
  const chownedLater = (after: DfInstruction | undefined) =>
    ops.some((op) => op.tool === 'chown' && op.arg && ownerUser(op.arg) === ownerUser(who.owner) && (!after || op.instruction.start > after.start) && op.paths.some((p) => opCovers(op, p, file)));
  let found = false;
  for (const mappings of containerMappings(project, unit)) {
    const r = resolveContainerPath(mappings, file);
    if (!r) continue;
    found = true;
    const m = r.mapping;
    if (m.service) {
      // A mount: its ownership is the host's, at run time.
      if (m.unknown || !r.hostPath || !r.exists) return plan.block(`${what} comes from ${m.origin}${m.unknown ? `: ${m.unknown}` : ''}, so I cannot tell whether ${who.runsAs} can read it`);
      if (!hostReadable(r.hostPath)) return plan.block(`${what} is mounted from ${relPath(project.cwd, r.hostPath)}, which only its owner may read: make it readable by ${who.runsAs} on the host`);
      continue;
    }
    const copy = m.copy!;
    const chownFlag = copy.instruction.flags.find((f) => f.name === 'chown')?.value ?? undefined;
    if (chownFlag && ownerUser(chownFlag) === ownerUser(who.owner)) continue;
    if (chownedLater(copy.instruction)) continue;
    if (!secretRootOnly(copy.instruction, r.hostPath, file, ops)) continue;
    if (chownFlag && !isRootUser(chownFlag)) return plan.block(`${what} is copied with --chown=${chownFlag} and a mode only its owner may read, but nginx runs as ${who.runsAs}`);
    if (who.chown && who.userInstruction && copy.instruction.start < who.userInstruction.start) {
      if (!who.chown.includes(file)) who.chown.push(file);
    } else if (!chownFlag && unit.df) {
      // COPY --chown gives the user what it copies (BuildKit and the classic builder both take it).
      const ins = copy.instruction;
      if (given.has(ins)) continue;
      given.add(ins);
      const kw = ins.raw.match(/^\s*\S+/)![0];
      plan.edit(unit.df.path, ins.start + kw.length, ins.start + kw.length, ` --chown=${who.owner}`);
    } else {
      return plan.block(`${what} is copied root-owned with a mode only root may read; give it to ${who.runsAs}`);
    }
  }
  if (found) return;
  const made = chainInstructions(unit.stages).find((ins) => ins.keyword === 'RUN' && runShellText(ins).includes(file));
  if (made) {
    if (chownedLater(made)) return;
    if (who.chown && who.userInstruction && made.start < who.userInstruction.start) {
      if (!who.chown.includes(file)) who.chown.push(file);
      return;
    }
    return plan.block(`${what} is written by the RUN at ${unit.df!.rel} line ${made.line + 1} as root; give it to ${who.runsAs}`);
  }
  plan.notes.push({ kind: 'other', message: `${what} comes from no file docker-harden can see: make sure ${who.runsAs} can read it` });
}

/** Whether a file the image copies ends up readable only by its owner (root). */
function secretRootOnly(copy: DfInstruction, hostPath: string | undefined, file: string, ops: RunFileOp[]): boolean {
  let readable: boolean | undefined = hostPath ? hostReadable(hostPath) : undefined;
  const chmod = copy.flags.find((f) => f.name === 'chmod')?.value;
  if (chmod) readable = modeOtherRead(chmod) ?? readable;
  for (const op of ops) {
    if (op.tool !== 'chmod' || !op.arg || op.instruction.start < copy.start) continue;
    if (!op.paths.some((p) => opCovers(op, p, file))) continue;
    readable = modeOtherRead(op.arg) ?? readable;
  }
  return readable === false;
}

function hostReadable(p: string): boolean {
  try {
    return (statSync(p).mode & 0o004) !== 0;
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------- compose

function planSwapService(s: ServiceLink, swapped: string | undefined, plan: Plan): void {
  const file = s.compose;
  const map = s.node.node;
  const eff = s.effective;
  const own = s.node.data;
  const label = `service ${s.name} (${file.rel})`;
  if (isPrivileged(s)) plan.block(`${label} is privileged: true`);
  const user = composeUser(s);
  if (user !== undefined && !UNPRIVILEGED_USERS.has(user)) {
    plan.block(isRootUser(user) ? `${label} sets user: ${user} explicitly` : `${label} sets user: ${user}, but ${UNPRIVILEGED} expects UID ${UID}`);
  }
  if (!map) return;
  const change = (key: string, value: unknown) =>
    plan.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, key), op: value === undefined ? 'delete' : 'set', value });

  // image: only for services that run the image directly.
  if (swapped) {
    const node = mapValue(map, 'image');
    if (isScalar(node) && typeof node.value === 'string') {
      if (!replaceScalarText(file, node, swapped, plan, map.flow)) plan.block(`${label}: cannot rewrite its image value in place`);
      change('image', swapped);
    } else if (!s.base) plan.block(`${label} gets its image through a merge key; change it where it is defined`);
  }

  const caps = mapValue(map, 'cap_add');
  if (isSeq(caps)) planCaps(file, map, caps, (v) => change('cap_add', v), plan);
  if (own.read_only === true) planTmpfs(s, map, eff, ['/tmp'], plan);
}

/** Whether a volume or tmpfs of the service already covers a container path. */
function mountCovers(s: ServiceLink, eff: Record<string, unknown>, p: string): boolean {
  const tmpfs = typeof eff.tmpfs === 'string' ? [eff.tmpfs] : stringList(s, 'tmpfs');
  const under = (dir: string) => p === dir || p.startsWith(dir.replace(/\/?$/, '/'));
  return tmpfs.some((t) => under(t.split(':')[0]!)) || s.volumes.some((v) => under(v.target));
}

/** A read-only service gets a tmpfs for each path (`path[:options]`) no volume or tmpfs covers. */
function planTmpfs(s: ServiceLink, map: YAMLMap, eff: Record<string, unknown>, entries: string[], plan: Plan): void {
  const file = s.compose;
  const own = s.node.data;
  const tmpfs = typeof eff.tmpfs === 'string' ? [eff.tmpfs] : stringList(s, 'tmpfs');
  const add = entries.filter((e) => !mountCovers(s, eff, e.split(':')[0]!));
  if (add.length === 0) return;
  const tmpfsOwn = mapValue(map, 'tmpfs');
  const label = `service ${s.name} (${file.rel})`;
  const change = (value: unknown) => plan.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, 'tmpfs'), op: 'set', value });
  if (isSeq(tmpfsOwn)) {
    for (const p of add) plan.add(appendSeqItem(file, file.parsed.eol, tmpfsOwn, seqItemScalar(tmpfsOwn, p)));
    change([...(own.tmpfs as string[]), ...add]);
  } else if (isScalar(tmpfsOwn) && typeof tmpfsOwn.value === 'string') {
    plan.edit(file.path, tmpfsOwn.range![0], tmpfsOwn.range![1], yamlFlowSeq([tmpfsOwn.value, ...add]));
    change([tmpfsOwn.value, ...add]);
  } else if (!tmpfsOwn) {
    plan.add(insertServiceKey(s, 'tmpfs', yamlFlowSeq([...tmpfs, ...add])));
    change([...tmpfs, ...add]);
  } else plan.block(`${label}: tmpfs is neither a list nor a string`);
}

/** Replace a scalar's text by a new value, keeping its quotes (plain stays plain where safe); false when the source is not plain enough. */
function replaceScalarText(file: ComposeSource, node: Scalar, value: string, plan: Plan, inFlow = false): boolean {
  const old = String(node.value);
  const at = scalarValueStart(file.text, node, old);
  if (at === undefined) return false;
  const plain = node.type === Scalar.PLAIN;
  plan.edit(file.path, at, at + old.length, plain ? (inFlow ? yamlScalar(value) : yamlBlockScalar(value)) : value);
  return true;
}

function planCaps(file: ComposeSource, map: YAMLMap, seq: YAMLSeq, change: (v: unknown) => void, plan: Plan): void {
  const items = seq.items as Node[];
  const drop = items.map((n) => isScalar(n) && typeof n.value === 'string' && DROPPED_CAPS.has(n.value.toUpperCase().replace(/^CAP_/, '')));
  if (!drop.some(Boolean)) return;
  const kept = items.filter((_, i) => !drop[i]);
  const keptData = kept.map((n) => (isScalar(n) ? n.value : (n as { toJSON(): unknown }).toJSON()));
  if (kept.length === 0) {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === 'cap_add')!;
    plan.add(removeMapEntry(file, map, pair));
    change(undefined);
    return;
  }
  if (seq.flow) {
    const [start, end] = seq.range!;
    plan.edit(file.path, start, end, `[${kept.map((n) => file.text.slice(n.range![0], n.range![1])).join(', ')}]`);
  } else {
    items.forEach((_, i) => {
      if (drop[i]) plan.add(removeSeqItem(file, seq, i));
    });
  }
  change(keptData);
}

// ------------------------------------------------- already unprivileged

/**
 * An nginx-unprivileged image whose own configuration still listens on 80 or
 * 443 (copied from a stock-nginx setup): UID 101 binds those only where the
 * runtime lowers net.ipv4.ip_unprivileged_port_start (Docker 20.10+ on a
 * bridge network does; Kubernetes and host networking do not), and EXPOSE and
 * compose say a port the image's convention does not use. A full nginx.conf
 * with its pid outside /tmp fails outright.
 */
function planUnprivileged(project: Project, unit: Unit): Finding | undefined {
  const set = configFiles(project, unit, NGINX_ORG_LAYOUT);
  const configs = set.files.flatMap((f) => (f.source ? [f.source] : []));
  const ports = listenPorts(configs);
  const onOld = Object.keys(UNPRIVILEGED_PORTS).map(Number).filter((p) => ports.has(p));
  const plan = new Plan();
  for (const f of configs) if (isFullNginxConfig(f.parsed)) planFullConfig(f, UNPRIVILEGED_WRITABLE, `UID ${UID}`, plan);
  const confEdits = plan.edits.length;
  planSecrets(project, unit, configs, { owner: UNPRIVILEGED_OWNER, runsAs: `UID ${UID}` }, plan);
  const keyEdits = plan.edits.length - confEdits;
  // Only what the configuration shows is noticed: without it, nothing to say (the image's own config is on 8080).
  if (onOld.length === 0 && plan.edits.length === 0) return undefined;
  for (const p of set.problems) plan.block(p);
  if (unit.df) planConfigWriters(unit.df, unit.stages, plan);
  let move: PortMove | undefined;
  if (onOld.length) {
    move = movePorts(project, { dockerfile: unit.df, stages: unit.stages, configs, implicitListenMoves: false, services: unit.services, runsAs: `UID ${UID}`, renderedConfigs: renderedConfigs(set.files) });
    plan.merge(move);
  }
  const image = unit.ref!.raw;
  const wrong: string[] = [];
  const fixes: string[] = [];
  if (onOld.length) {
    wrong.push(`its configuration listens on ${onOld.join(' and ')}`);
    fixes.push('move container port 80 to 8080 (443 to 8443), where UID 101 may listen on any runtime');
  }
  if (confEdits) {
    wrong.push('its nginx.conf keeps its pid or temp files where UID 101 cannot write');
    fixes.push('move pid and temp paths to /tmp');
  }
  if (keyEdits) {
    wrong.push('it copies a TLS key only root may read');
    fixes.push(`copy it with --chown=${UNPRIVILEGED_OWNER}`);
  }
  const what = wrong.join(', and ');
  const at = unitPosition(unit);
  if (plan.blockers.length > 0) {
    return {
      transform: ID,
      ...at,
      message: `${image} runs as UID ${UID}, but ${what}; not changed: ${plan.blockers.join('; ')}`,
      severity: 'warning',
      cis: CIS,
      manual: 'Resolve what blocks it and run again, or by hand: listen 8080 (8443 for 443), EXPOSE 8080, healthchecks on :8080, compose ports "80:8080", pid /tmp/nginx.pid.',
    };
  }
  const publish = planPublish(project, unit, move?.moved ?? [], plan);
  const moved = `: ${fixes.join('; ')}`;
  return {
    transform: ID,
    ...at,
    message: `${image} runs as UID ${UID}, but ${what}${moved}, in ${plan.files.size} file(s)${publish.said}`,
    severity: 'warning',
    cis: CIS,
    fix: { edits: plan.edits, intent: plan.intent },
    notes: [...(move?.moved.length ? [portNote(unit, move.moved)] : []), ...optional(publish.note), ...plan.notes],
  };
}

// ------------------------------------------------------- package nginx

/**
 * nginx from the distro's package, in an image that runs as a non-root USER
 * (the Dockerfile's own, or one dockerfile/non-root-user added in an earlier
 * pass). While the image still runs as root, nothing is needed.
 */
function planPackage(project: Project, unit: Unit, tmpfsSize: string): Finding | undefined {
  const df = unit.df!;
  const pkg = unit.pkg!;
  const layout = pkg.layout;
  const user = effectiveUser(unit.base!);
  if (!user.known || user.root || !user.instruction) return undefined;
  if (!startsNginx(unit.stages, unit.services, startScriptTexts(project, df, unit.base!, unit.services))) return undefined;
  const owner = user.user;
  const runsAs = `user ${owner}`;
  const plan = new Plan();
  const set = configFiles(project, unit, layout);
  const configs = set.files.flatMap((f) => (f.source ? [f.source] : []));
  const ops = runFileOps(unit.stages, df.parsed.escape);
  const installedWith = `${pkg.install.manager === 'apk' ? 'apk add' : 'apt-get install'} ${pkg.name} (${df.rel} line ${pkg.install.instruction.line + 1})`;

  for (const p of set.problems) plan.block(p);
  planConfigWriters(df, unit.stages, plan);
  if (set.stockMain && layout.stockMain) {
    const m = layout.stockMain;
    plan.block(
      `it runs the package's own /etc/nginx/nginx.conf (pid ${m.pid}, temp files in ${m.tempDir}), which ${runsAs} cannot write: ` +
        'copy a full nginx.conf into the image with pid and *_temp_path under /tmp',
    );
  }
  if (layout.modulePrefix && pkg.modules.length && ownerUser(owner) !== layout.stockMain?.user) {
    plan.block(`the modules ${pkg.modules.join(', ')} load from ${layout.modulePrefix}, which only user ${layout.stockMain?.user} may enter`);
  }
  for (const f of configs) if (isFullNginxConfig(f.parsed)) planFullConfig(f, ['/tmp/'], runsAs, plan);

  // Port: only when the configuration listens on 80/443 (or a server has no listen, which is 80 as root and 8000 as anyone else).
  const moving = listenPorts(configs).has(80) || listenPorts(configs).has(443) || configs.some(hasServerWithoutListen);
  const move = moving ? movePorts(project, { dockerfile: df, stages: unit.stages, configs, implicitListenMoves: true, services: unit.services, runsAs }) : undefined;
  if (move) plan.merge(move);

  // What the generated RUN (before USER, as root) does.
  const remove = set.stockSites.filter((site) => !ops.some((op) => (op.tool === 'rm' || op.tool === 'unlink') && op.paths.some((p) => opCovers(op, p, site))));
  const logDirs = logDirectories(configs, layout, plan);
  const chownedBefore = (p: string) =>
    ops.some((op) => op.tool === 'chown' && op.arg && ownerUser(op.arg) === ownerUser(owner) && op.recursive && op.instruction.start < user.instruction!.start && op.paths.some((w) => opCovers(op, w, p)));
  const dirs = logDirs.filter((d) => !chownedBefore(d));
  const secrets: SecretOwner = { owner, runsAs, userInstruction: user.instruction, chown: [] };
  planSecrets(project, unit, configs, secrets, plan);
  if (owner.includes('$')) plan.block(`USER ${owner} is set by a variable`);

  for (const s of unit.services) {
    const label = `service ${s.name} (${s.compose.rel})`;
    const written = composeUser(s);
    if (written !== undefined && !isRootUser(written) && ownerUser(written) !== ownerUser(owner)) {
      plan.block(`${label} sets user: ${written}, but the image prepares nginx for ${owner}`);
    }
    if (!s.node.node || s.node.data.read_only !== true) continue;
    // A tmpfs over a folder the image has is root's, mode 755 (Docker ignores mode=): only uid= lets the user write it.
    const uid = numericUid(unit, owner);
    const bare = logDirs.filter((d) => !mountCovers(s, s.effective, d));
    if (uid === undefined && bare.length) {
      plan.block(`${label} is read-only, and its log folder ${bare.join(', ')} needs a tmpfs owned by ${owner}, whose UID I cannot tell`);
      continue;
    }
    const logs = bare.map((d) => `${d}:${tmpfsSize ? `size=${tmpfsSize},` : ''}uid=${uid}`);
    planTmpfs(s, s.node.node, s.effective, ['/tmp', ...logs], plan);
  }

  const parts: string[] = [];
  if (remove.length) parts.push(`rm -f ${remove.map(shellQuote).join(' ')}`);
  if (dirs.length) parts.push(`mkdir -p ${dirs.map(shellQuote).join(' ')}`, `chown -R ${shellQuote(owner)} ${dirs.map(shellQuote).join(' ')}`);
  if (secrets.chown!.length) parts.push(`chown ${shellQuote(owner)} ${secrets.chown!.map(shellQuote).join(' ')}`);
  if (parts.length) plan.add(insertBefore(df, df.parsed, user.instruction, [`${keyword(df.parsed, 'RUN')} ${parts.join(' && ')}`]));

  if (plan.edits.length === 0 && plan.blockers.length === 0) return undefined;
  const at = unitPosition(unit, pkg.install.instruction);
  if (plan.blockers.length > 0) {
    return {
      transform: ID,
      ...at,
      message: `nginx from ${installedWith} runs as ${owner}, which it is not ready for: ${plan.blockers.join('; ')}`,
      severity: 'warning',
      cis: CIS,
      manual:
        `Resolve what blocks it and run again, or by hand: listen 8080 (8443 for 443), pid /tmp/nginx.pid and *_temp_path under /tmp in nginx.conf, ` +
        `chown the log folder and TLS keys to ${owner} before USER, EXPOSE 8080 and compose ports "80:8080".`,
    };
  }
  const did: string[] = [];
  if (move?.moved.length) did.push(`move container port ${move.moved.map(([from, to]) => `${from} to ${to}`).join(' and ')}`);
  if (configs.some((f) => isFullNginxConfig(f.parsed))) did.push('pid and temp paths under /tmp');
  if (dirs.length) did.push(`chown ${dirs.join(', ')}`);
  if (secrets.chown!.length) did.push(`give ${secrets.chown!.join(', ')} to ${owner}`);
  if (remove.length) did.push(`remove the package's default site ${remove.join(', ')} (it listens on 80)`);
  const publish = planPublish(project, unit, move?.moved ?? [], plan);
  return {
    transform: ID,
    ...at,
    message: `nginx from ${installedWith} runs as ${owner}: ${did.join('; ')}, in ${plan.files.size} file(s)${publish.said}`,
    severity: 'warning',
    cis: CIS,
    fix: { edits: plan.edits, intent: plan.intent },
    notes: [...(move?.moved.length ? [portNote(unit, move.moved)] : []), ...optional(publish.note), ...plan.notes],
  };
}

/** The numeric UID of a USER value: as written, or from the useradd/adduser that created that name. */
function numericUid(unit: Unit, owner: string): string | undefined {
  const name = ownerUser(owner);
  if (/^\d+$/.test(name)) return name;
  const created = usersCreatedIn(unit.stages, unit.df!.parsed.escape).find((u) => u.name === name && u.uid !== undefined);
  if (created) return String(created.uid);
  const existing = unit.base?.facts?.existingUser;
  return existing?.name === name ? String(existing.uid) : undefined;
}

function hasServerWithoutListen(src: NginxSource): boolean {
  let found = false;
  walkNginx(src.parsed.directives, (d) => {
    if (d.name === 'server' && d.block && (!d.parent || d.parent.name === 'http') && !d.block.some((c) => c.name === 'listen')) found = true;
  });
  return found;
}

/**
 * Folders nginx writes logs into: the package's own (its compiled-in paths
 * point there) and those the configuration names. /tmp, the console
 * (/dev/stdout, stderr) and syslog need nothing.
 */
function logDirectories(configs: NginxSource[], layout: NginxLayout, plan: Plan): string[] {
  const dirs = layout.logDir ? [layout.logDir] : [];
  for (const src of configs) {
    walkNginx(src.parsed.directives, (d) => {
      if ((d.name !== 'error_log' && d.name !== 'access_log') || !d.args[0]) return;
      const v = d.args[0].value;
      if (v === 'off' || v === 'stderr' || /^(syslog|memory):/.test(v) || v.startsWith('/dev/')) return;
      const dir = path.posix.dirname(path.posix.resolve('/etc/nginx', v));
      if (dir.includes('$')) return plan.block(`${d.name} at ${src.rel} line ${d.line} writes into a folder named by a variable`);
      if (dir === '/tmp' || dir.startsWith('/tmp/')) return;
      if (!dirs.includes(dir)) dirs.push(dir);
    });
  }
  return dirs;
}
