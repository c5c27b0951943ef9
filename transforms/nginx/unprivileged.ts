// nginx/unprivileged: the official nginx image runs its master process as
// root and listens on 80. nginxinc/nginx-unprivileged runs as UID 101 and
// listens on 8080, so the swap is right only when every place that knows the
// port or the paths moves with it: the Dockerfile (FROM, RUNs that need root,
// EXPOSE, HEALTHCHECK), the nginx configs the container reads (copied, built,
// mounted, included), and the compose services that run it (image, ports,
// healthcheck, cap_add, tmpfs for read_only). One finding per image carries
// every edit, so the engine applies them together or not at all; when any
// piece cannot be found or understood, nothing changes and the finding says
// exactly what blocked it.
import path from 'node:path';
import { isMap, isSeq, isScalar, Scalar, type YAMLMap, type YAMLSeq, type Node } from 'yaml';
import type { Transform, TransformContext } from '../../src/transform.js';
import type { DataChange, Edit, Finding, MigrationNote } from '../../src/types.js';
import { relPath, type DockerfileSource, type NginxSource, type ServiceLink, type ComposeSource, type Project } from '../../src/model.js';
import type { DfInstruction, DfStage } from '../../src/parse/dockerfile.js';
import { effectiveInstructions } from '../../src/parse/dockerfile.js';
import { imageStages, runShellText, isRootUser } from '../../src/dockerfile-info.js';
import { parseImageRef, formatImageRef, type ImageRef } from '../../src/parse/image-ref.js';
import { lookupImage } from '../../src/knowledge/images.js';
import { parseListen, walkNginx, isFullNginxConfig, type NginxDirective } from '../../src/parse/nginx.js';
import { copyMappings, mountMappings, nginxConfigSet, isUnderNginxDir, type NginxConfigFile } from '../../src/nginx-files.js';
import { insertBefore, insertAfter, keyword, appendSeqItem, removeMapEntry, removeSeqItem, mapValue, yamlFlowSeq, yamlScalar } from '../../src/edits.js';
import { insertServiceKey, servicePath, serviceRange, isPrivileged, composeUser, stringList } from '../../src/compose-service.js';
import { detectEol, indentOfLine, lineEndOf, lineStartOf, nextLineStart } from '../../src/text.js';

const ID = 'nginx/unprivileged';
const CIS = '4.1';
const UNPRIVILEGED = 'nginxinc/nginx-unprivileged';
const UID = '101';
/** Container ports of the stock image and where nginx-unprivileged serves them. */
const PORT_MAP: Record<number, number> = { 80: 8080, 443: 8443 };
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
const WRITABLE = ['/tmp/', '/var/cache/nginx/'];
/** Users the swapped image may end with: its own. */
const UNPRIVILEGED_USERS = new Set(['101', 'nginx', '101:101', '101:0', 'nginx:nginx', 'nginx:root']);

export const nginxUnprivileged: Transform = {
  meta: {
    id: ID,
    description: 'Swap nginx for nginxinc/nginx-unprivileged (UID 101, port 8080) across Dockerfile, nginx configs and compose, all or nothing',
    appliesTo: ['dockerfile', 'compose', 'nginx'],
    fixable: true,
    cis: CIS,
    peers: ['hadolint DL3002', 'CKV_DOCKER_3', 'Trivy DS002', 'KICS fd54f200'],
    help:
      'The official nginx image starts its master process as root. nginxinc/nginx-unprivileged runs as UID 101 and listens on 8080 (8443 for TLS). ' +
      'The swap changes the image, wraps root-needing RUNs in USER root ... USER 101, moves listen/EXPOSE/HEALTHCHECK/compose port targets from 80 to 8080 ' +
      'and 443 to 8443 (published host ports stay), moves pid and temp paths of a full nginx.conf to /tmp, drops its user directive, and removes ' +
      'capabilities the root master needed. It happens for an image only when every file involved can be followed and understood.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const unit of findUnits(ctx.project)) out.push(planUnit(ctx, unit));
    return out;
  },
};

// ------------------------------------------------------------------ units

/** One image to swap: a Dockerfile's nginx stage chain, or compose services using `image: nginx`. */
interface Unit {
  df?: DockerfileSource;
  /** The stage whose FROM names nginx. */
  root?: DfStage;
  /** Stages that are (or feed) the image, in order: the root and the stages built FROM it up to each target. */
  stages: DfStage[];
  /** Service links that run it (partial services in override files included). */
  services: ServiceLink[];
  ref: ImageRef;
}

function findUnits(project: Project): Unit[] {
  const units: Unit[] = [];
  for (const df of project.dockerfiles) {
    const byRoot = new Map<number, Unit>();
    // Only the stages that run as images (src/roles.ts): a base or test image keeps its nginx.
    for (const { base, services: users } of imageStages(project, df)) {
      if (!base.facts?.swapTo || !base.ref) continue;
      const root = base.chain[0]!;
      const unit = byRoot.get(root.index) ?? { df, root, stages: [], services: [], ref: base.ref };
      byRoot.set(root.index, unit);
      for (const s of base.chain) if (!unit.stages.includes(s)) unit.stages.push(s);
      unit.services.push(...users.filter((s) => !unit.services.includes(s)));
    }
    for (const u of byRoot.values()) {
      u.stages.sort((a, b) => a.index - b.index);
      units.push(u);
    }
  }
  for (const s of project.services) {
    // A service that builds names its result with `image:`; the Dockerfile decides there.
    if (s.base || s.build || typeof s.effective.image !== 'string') continue;
    const ref = parseImageRef(s.effective.image);
    if (!lookupImage(ref)?.swapTo) continue;
    units.push({ stages: [], services: [s, ...s.overrides], ref });
  }
  return units;
}

// ------------------------------------------------------------------ plan

class Plan {
  edits: Edit[] = [];
  intent: DataChange[] = [];
  blockers: string[] = [];
  files = new Set<string>();
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
}

function planUnit(ctx: TransformContext, unit: Unit): Finding {
  const plan = new Plan();
  const name = swappedName(unit.ref, plan);
  const swapped = name ? swapText(unit.ref, name) : undefined;
  let at: { file: string; range: [number, number] };
  if (unit.df && unit.root) {
    at = { file: unit.df.path, range: [unit.root.from.start, unit.root.from.end] };
    planDockerfile(unit.df, unit.root, unit.stages, name, plan);
  } else {
    const s = unit.services[0]!;
    at = { file: s.compose.path, range: serviceRange(s) };
  }
  planConfigs(ctx.project, unit, plan);
  for (const s of unit.services) planService(s, unit.df ? undefined : swapped, plan);
  planPeerReferences(ctx.project, unit, plan);

  const written = unit.ref.raw;
  const target = swapped ?? UNPRIVILEGED;
  if (plan.blockers.length > 0) {
    return {
      transform: ID,
      ...at,
      message: `${written} runs its master process as root; not swapped to ${UNPRIVILEGED}: ${plan.blockers.join('; ')}`,
      severity: 'warning',
      cis: CIS,
      manual:
        `Resolve what blocks it and run again, or swap by hand: FROM/image ${target}, listen 8080 (8443 for 443), ` +
        `EXPOSE 8080, healthchecks on :8080, compose ports "80:8080", and in a full nginx.conf pid /tmp/nginx.pid without user.`,
    };
  }
  const who = unit.services.length ? `service ${[...new Set(unit.services.map((s) => s.name))].join(', ')}` : `the image of ${unit.df!.rel}`;
  const note: MigrationNote = {
    kind: 'port-moved',
    message:
      `${who} now listens on container port 8080 instead of 80 (8443 instead of 443); published host ports stay, but anything that ` +
      `reaches the container directly (other containers on its network, a proxy, health probes, orchestrator manifests) must use the new port`,
  };
  const digest = unit.ref.digest ? `; dropped the digest ${unit.ref.digest}, which names the old image: pin ${target}'s own digest` : '';
  return {
    transform: ID,
    ...at,
    message: `${written} runs its master process as root: use ${target} (UID ${UID}) and move container port 80 to 8080 in ${plan.files.size} file(s)${digest}`,
    severity: 'warning',
    cis: CIS,
    fix: { edits: plan.edits, intent: plan.intent },
    notes: [note],
  };
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

// ------------------------------------------------------------- Dockerfile

function planDockerfile(df: DockerfileSource, root: DfStage, stages: DfStage[], name: SwappedName | undefined, plan: Plan): void {
  const parsed = df.parsed;
  const K = (k: string) => keyword(parsed, k);
  const where = (ins: DfInstruction) => `${df.rel} line ${ins.line + 1}`;

  // FROM: the image word, as written (ARGs in the tag carry over).
  const word = dfWords(root.from.raw, parsed.escape).find((w, i) => i > 0 && !w.text.startsWith('--'));
  if (!word || word.text !== root.image) plan.block(`cannot find the image in FROM at ${where(root.from)}`);
  else if (name) {
    const written = parseImageRef(word.text);
    if (written.path.includes('$') || written.registry?.includes('$')) plan.block(`FROM at ${where(root.from)} names the image through a build argument`);
    else plan.edit(df.path, root.from.start + word.start, root.from.start + word.start + word.text.length, swapText(written, name));
  }

  let user = UID;
  let userWritten = UID;
  for (const stage of stages) {
    const list = effectiveInstructions(stage);
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
    for (const ins of list) {
      switch (ins.keyword) {
        case 'USER': {
          close();
          userWritten = ins.args[0] ?? '';
          user = userWritten;
          break;
        }
        case 'RUN': {
          const sh = runShellText(ins);
          if (/\benvsubst\b/.test(sh)) plan.block(`RUN at ${where(ins)} runs envsubst, which writes configuration I cannot follow`);
          else if (/(>>?|\btee\b[^&|;\n]*?|\bsed\b[^&|;\n]*?)\s*\/etc\/nginx\b/.test(sh)) plan.block(`RUN at ${where(ins)} writes into /etc/nginx, which I cannot follow`);
          if (!isRootUser(user)) {
            open ??= ins;
            last = ins;
          }
          break;
        }
        case 'COPY':
        case 'ADD':
          if (ins.heredocs.length && /\/etc\/nginx\b/.test(ins.raw.split('\n')[0]!)) plan.block(`${ins.keyword} at ${where(ins)} writes nginx configuration from a heredoc`);
          break;
        case 'CMD':
        case 'ENTRYPOINT':
          if (/\benvsubst\b/.test(ins.raw)) plan.block(`${ins.keyword} at ${where(ins)} runs envsubst, which writes configuration I cannot follow`);
          break;
        case 'EXPOSE':
          planExpose(df, ins, plan);
          break;
        case 'HEALTHCHECK': {
          const r = rewriteUrls(ins.raw);
          if (r.unclear) plan.block(`HEALTHCHECK at ${where(ins)} reaches port 80 in a form I cannot rewrite`);
          for (const e of r.edits) plan.edit(df.path, ins.start + e.start, ins.start + e.end, e.text);
          break;
        }
      }
    }
    close();
  }
  if (!UNPRIVILEGED_USERS.has(user)) {
    plan.block(isRootUser(user) ? `the image ends with USER ${user}, so it would still run as root` : `the image ends with USER ${user}, but ${UNPRIVILEGED} expects UID ${UID}`);
  }
}

function planExpose(df: DockerfileSource, ins: DfInstruction, plan: Plan): void {
  for (const w of dfWords(ins.raw, df.parsed.escape).slice(1)) {
    if (w.text.includes('$')) {
      plan.block(`EXPOSE at ${df.rel} line ${ins.line + 1} uses a variable`);
      continue;
    }
    const m = /^(\d+)(\/(tcp|udp))?$/i.exec(w.text);
    const to = m ? PORT_MAP[Number(m[1])] : undefined;
    if (m && to) plan.edit(df.path, ins.start + w.start, ins.start + w.start + m[1]!.length, String(to));
  }
}

/** Words of an instruction's raw text with offsets, across line continuations, skipping comment lines inside them. */
function dfWords(raw: string, escape: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let i = 0;
  let lineStart = true;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === escape && (raw[i + 1] === '\n' || (raw[i + 1] === '\r' && raw[i + 2] === '\n'))) {
      i += raw[i + 1] === '\r' ? 3 : 2;
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (c === '\n') lineStart = true;
      i++;
      continue;
    }
    if (c === '#' && lineStart && out.length > 0) {
      while (i < raw.length && raw[i] !== '\n') i++;
      continue;
    }
    lineStart = false;
    const start = i;
    while (i < raw.length && !/\s/.test(raw[i]!) && !(raw[i] === escape && /\r|\n/.test(raw[i + 1] ?? ''))) i++;
    out.push({ text: raw.slice(start, i), start });
  }
  return out;
}

// ---------------------------------------------------------- healthchecks

interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Move URLs that reach the container itself to the new ports: `http://localhost`,
 * `http://127.0.0.1:80/healthz`, `localhost:80`, `https://[::1]` and so on.
 * `unclear` when the text reaches the container on 80/443 in a form we do not
 * rewrite (`nc -z localhost 80`).
 */
export function rewriteUrls(text: string): { edits: TextEdit[]; unclear: boolean } {
  const edits: TextEdit[] = [];
  let unclear = false;
  const re = /(?<![\w.@/-])(?:(https?):\/\/)?(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\])(?::(\d+|\$\{?\w+\}?))?(?=$|[/\s"'\\?#;|&),\]])/gi;
  for (const m of text.matchAll(re)) {
    const [all, scheme, , port] = m;
    const hostEnd = m.index! + (all.length - (port !== undefined ? port.length + 1 : 0));
    const next = text[m.index! + all.length];
    if (port !== undefined) {
      const to = PORT_MAP[Number(port)];
      if (to) edits.push({ start: hostEnd + 1, end: hostEnd + 1 + port.length, text: String(to) });
    } else if (scheme) {
      edits.push({ start: hostEnd, end: hostEnd, text: `:${scheme.toLowerCase() === 'https' ? 8443 : 8080}` });
    } else if (next === '/') {
      // curl and wget read a bare host/path as http.
      edits.push({ start: hostEnd, end: hostEnd, text: ':8080' });
    } else {
      // `curl localhost` means port 80, `nc -z localhost 80` too: only the first is a URL.
      const portWord = /(^|\s|["'])(80|443)($|\s|["'])/.test(text);
      if (portWord) unclear = true;
      else if (/\b(curl|wget)\b/.test(text)) edits.push({ start: hostEnd, end: hostEnd, text: ':8080' });
    }
  }
  if (edits.length === 0 && /(^|\s|["'])(80|443)($|\s|["'])/.test(text) && /localhost|127\.0\.0\.1/.test(text)) unclear = true;
  return { edits, unclear };
}

// ---------------------------------------------------------------- configs

function planConfigs(project: Project, unit: Unit, plan: Plan): void {
  const stageSet = new Set(unit.stages.map((s) => s.index));
  const fromImage = unit.df ? copyMappings(project, unit.df.path, stageSet) : [];
  const sets = unit.services.length
    ? unit.services.map((s) => nginxConfigSet(project, [...fromImage, ...mountMappings(project, s)]))
    : [nginxConfigSet(project, fromImage)];
  const files = new Map<string, NginxConfigFile>();
  for (const set of sets) {
    for (const p of set.problems) plan.block(p);
    for (const f of set.files) if (!files.has(f.hostPath)) files.set(f.hostPath, f);
  }
  for (const s of unit.services) {
    const configs = s.effective.configs;
    if (Array.isArray(configs) && configs.some((c) => typeof c === 'object' && c && isUnderNginxDir(String((c as { target?: unknown }).target ?? '')))) {
      plan.block(`service ${s.name} gets nginx configuration from compose configs, which I do not follow`);
    }
  }
  const ports = new Set<number>();
  const listens: { src: NginxSource; d: NginxDirective }[] = [];
  for (const f of files.values()) {
    if (!f.source) {
      const err = project.errors.find((e) => e.file === f.hostPath);
      plan.block(`${relPath(project.cwd, f.hostPath)} (${f.containerPath}) ${err ? `cannot be edited: ${err.message}${err.line ? ` at line ${err.line}` : ''}` : 'could not be loaded'}`);
      continue;
    }
    walkNginx(f.source.parsed.directives, (d) => {
      if (d.name !== 'listen') return;
      listens.push({ src: f.source!, d });
      const spec = parseListen(d);
      if (spec.port !== undefined) ports.add(spec.port);
      else if (!spec.unixSocket && !spec.hasVariable && d.args.length) ports.add(80);
    });
  }
  for (const [from, to] of Object.entries(PORT_MAP)) {
    if (ports.has(Number(from)) && ports.has(to)) plan.block(`the configuration already listens on ${to} as well as ${from}`);
  }
  for (const f of files.values()) if (f.source) planConfig(f.source, plan);
}

function planConfig(src: NginxSource, plan: Plan): void {
  const text = src.text;
  const where = (d: NginxDirective) => `${src.rel} line ${d.line}`;
  walkNginx(src.parsed.directives, (d) => {
    if (d.name === 'listen') {
      const spec = parseListen(d);
      if (d.args.length === 0) return plan.block(`listen without a port at ${where(d)}`);
      if (spec.unixSocket) return plan.block(`${where(d)} listens on a unix socket, which UID ${UID} may not be able to create`);
      if (spec.hasVariable) return plan.block(`${where(d)} listens on a port set by a variable (${spec.portArg.raw})`);
      if (spec.port === undefined) {
        if (spec.portArg.quoted) return plan.block(`${where(d)}: listen ${spec.portArg.raw} implies port 80 inside quotes`);
        return plan.edit(src.path, spec.portEnd, spec.portEnd, ':8080');
      }
      const to = PORT_MAP[spec.port];
      if (to) return plan.edit(src.path, spec.portStart, spec.portEnd, String(to));
      if (spec.port < 1024) plan.block(`${where(d)} listens on port ${spec.port}; only 80 and 443 have a known unprivileged counterpart`);
      return;
    }
    // A server with no listen gets *:80 as root but *:8000 as any other user.
    if (d.name === 'server' && d.block && (!d.parent || d.parent.name === 'http') && !d.block.some((c) => c.name === 'listen')) {
      const at = blockInsertPoint(text, d);
      if (!at) return plan.block(`server at ${where(d)} has no listen and is written on one line`);
      plan.edit(src.path, at.offset, at.offset, `${at.prefix}listen 8080;`);
    }
  });
  if (isFullNginxConfig(src.parsed)) planFullConfig(src, plan);
}

/** Where a new first line of a block goes: after the `{` line, at the first child's indentation. */
function blockInsertPoint(text: string, d: NginxDirective): { offset: number; prefix: string } | undefined {
  const open = d.blockOpen!;
  const lineEnd = lineEndOf(text, open);
  const first = d.block?.[0];
  if (d.blockClose === undefined || lineEnd >= d.blockClose || (first && first.start < lineEnd)) return undefined;
  const eol = detectEol(text);
  const indent = first ? indentOfLine(text, first.start) : indentOfLine(text, d.start) + '    ';
  return { offset: lineEnd, prefix: eol + indent };
}

/** A full nginx.conf: pid under /tmp, no `user`, temp paths under /tmp (as the upstream unprivileged image's own nginx.conf). */
function planFullConfig(src: NginxSource, plan: Plan): void {
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
    const removal = removeDirective(src, users[0]);
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
  for (const u of users) if (u !== replacedUser) plan.add(removeDirective(src, u));

  const http = top.find((d) => d.name === 'http' && d.block);
  if (!http) return;
  const missing: string[] = [];
  for (const [name, value] of TEMP_PATHS) {
    const own = http.block!.find((c) => c.name === name);
    if (!own) missing.push(`${name} ${value};`);
    else if (!WRITABLE.some((w) => (own.args[0]?.value ?? '').startsWith(w))) {
      plan.block(`${name} ${own.args[0]?.value ?? ''} at ${src.rel} line ${own.line} is not writable by UID ${UID}`);
    }
  }
  if (missing.length === 0) return;
  const at = blockInsertPoint(text, http);
  if (!at) return plan.block(`the http block of ${src.rel} is written on one line`);
  plan.edit(src.path, at.offset, at.offset, missing.map((l) => at.prefix + l).join(''));
}

/** Remove a directive: its whole line when nothing else but a comment shares it. */
function removeDirective(src: NginxSource, d: NginxDirective): Edit {
  const text = src.text;
  const start = lineStartOf(text, d.start);
  const rest = text.slice(d.end, lineEndOf(text, d.end)).trim();
  if (text.slice(start, d.start).trim() === '' && (rest === '' || rest.startsWith('#'))) {
    return { file: src.path, range: [start, nextLineStart(text, d.end)], text: '' };
  }
  return { file: src.path, range: [d.start, d.end], text: '' };
}

// ---------------------------------------------------------------- compose

function planService(s: ServiceLink, swapped: string | undefined, plan: Plan): void {
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
  if (eff.network_mode === 'host') plan.block(`${label} uses network_mode: host, so the host itself would see port 8080 instead of 80`);
  for (const key of ['command', 'entrypoint']) {
    if (/\benvsubst\b/.test(JSON.stringify(eff[key] ?? ''))) plan.block(`${label} runs envsubst in its ${key}, which writes configuration I cannot follow`);
  }
  if (!map) return;
  const change = (key: string, value: unknown) =>
    plan.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, key), op: value === undefined ? 'delete' : 'set', value });

  // image: only for services that run the image directly.
  if (swapped) {
    const node = mapValue(map, 'image');
    if (isScalar(node) && typeof node.value === 'string') {
      if (!replaceScalarText(file, node, swapped, plan)) plan.block(`${label}: cannot rewrite its image value in place`);
      change('image', swapped);
    } else if (!s.base) plan.block(`${label} gets its image through a merge key; change it where it is defined`);
  }

  for (const key of ['ports', 'expose'] as const) {
    const node = mapValue(map, key);
    if (!node) {
      if (portsNeedMove(own[key])) plan.block(`${label} gets ${key} through a merge key; change them where they are defined`);
      continue;
    }
    if (!isSeq(node)) continue;
    const next = planPorts(file, node, key, label, plan);
    if (next) change(key, next);
  }

  const hc = mapValue(map, 'healthcheck');
  const test = isMap(hc) ? mapValue(hc, 'test') : undefined;
  if (test) {
    const next = planHealthcheck(file, test, label, plan);
    if (next !== undefined) plan.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, 'healthcheck', 'test'), op: 'set', value: next });
  } else {
    // What the base file says is the base link's job; here only what `<<` brings into this file.
    const inherited = (own.healthcheck as { test?: unknown } | undefined)?.test;
    const parts = typeof inherited === 'string' ? [inherited] : Array.isArray(inherited) ? inherited.map(String) : [];
    if (parts.some((p) => rewriteUrls(p).edits.length || rewriteUrls(p).unclear)) {
      plan.block(`${label} gets its healthcheck through a merge key; change it where it is defined`);
    }
  }

  const caps = mapValue(map, 'cap_add');
  if (isSeq(caps)) planCaps(file, map, caps, (v) => change('cap_add', v), plan);

  if (own.read_only === true) {
    const tmpfs = stringList(s, 'tmpfs');
    const tmpfsOwn = mapValue(map, 'tmpfs');
    const has = (typeof eff.tmpfs === 'string' ? [eff.tmpfs] : tmpfs).some((t) => t.split(':')[0] === '/tmp') || s.volumes.some((v) => v.target === '/tmp');
    if (!has) {
      if (isSeq(tmpfsOwn)) {
        plan.add(appendSeqItem(file, file.parsed.eol, tmpfsOwn, '/tmp'));
        change('tmpfs', [...(own.tmpfs as string[]), '/tmp']);
      } else if (isScalar(tmpfsOwn) && typeof tmpfsOwn.value === 'string') {
        plan.edit(file.path, tmpfsOwn.range![0], tmpfsOwn.range![1], yamlFlowSeq([tmpfsOwn.value, '/tmp']));
        change('tmpfs', [tmpfsOwn.value, '/tmp']);
      } else if (!tmpfsOwn) {
        plan.add(insertServiceKey(s, 'tmpfs', yamlFlowSeq([...tmpfs, '/tmp'])));
        change('tmpfs', [...tmpfs, '/tmp']);
      } else plan.block(`${label}: tmpfs is neither a list nor a string`);
    }
  }
}

// ------------------------------------------------------- other services

/**
 * Names other containers of the stack reach this service by: the service
 * name, its container_name and hostname, and its network aliases.
 */
function hostnamesOf(services: ServiceLink[]): string[] {
  const names = new Set<string>();
  for (const s of services) {
    names.add(s.name);
    for (const key of ['container_name', 'hostname']) if (typeof s.effective[key] === 'string') names.add(s.effective[key] as string);
    const nets = s.effective.networks;
    if (nets && typeof nets === 'object' && !Array.isArray(nets)) {
      for (const n of Object.values(nets)) {
        const aliases = (n as { aliases?: unknown } | null)?.aliases;
        if (Array.isArray(aliases)) for (const a of aliases) if (typeof a === 'string') names.add(a);
      }
    }
  }
  return [...names];
}

/**
 * Move references that reach the service by name on its old container port:
 * `http://frontend`, `http://frontend:80/x`, `frontend:80`, `wss://frontend`
 * (443 for https/wss). A bare name without a scheme or port is left alone:
 * it may not be a URL at all.
 */
export function rewriteServiceUrls(text: string, hosts: string[]): TextEdit[] {
  if (hosts.length === 0) return [];
  const names = hosts.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const re = new RegExp(`(?<![\\w.@-])(?:(https?|wss?)://)?(?:${names})(?::(\\d+))?(?![\\w.-])`, 'gi');
  const edits: TextEdit[] = [];
  for (const m of text.matchAll(re)) {
    const [all, scheme, port] = m;
    const end = m.index! + all.length;
    if (port !== undefined) {
      const to = PORT_MAP[Number(port)];
      if (to) edits.push({ start: end - port.length, end, text: String(to) });
    } else if (scheme) {
      edits.push({ start: end, end, text: `:${/s$/i.test(scheme) ? 8443 : 8080}` });
    }
  }
  return edits;
}

/**
 * Other places in the stack that reach this service on its old port move with
 * it, in the same fix: URLs in the environment of services in the same compose
 * project, a Traefik `loadbalancer.server.port` label on the service, and
 * `proxy_pass` / upstream `server` lines in nginx configs the model holds.
 * What cannot be rewritten in place blocks the swap, like everything else.
 */
function planPeerReferences(project: Project, unit: Unit, plan: Plan): void {
  if (unit.services.length === 0) return;
  const hosts = hostnamesOf(unit.services);
  const dirs = new Set(unit.services.map((s) => path.dirname(s.compose.path)));
  for (const s of project.services) {
    if (!dirs.has(path.dirname(s.compose.path)) || !s.node.node) continue;
    planEnvironment(s, s.node.node, hosts, plan);
  }
  for (const s of unit.services) if (s.node.node) planTraefikPort(s, s.node.node, plan);
  for (const src of project.nginx) {
    walkNginx(src.parsed.directives, (d) => {
      const upstreamServer = d.name === 'server' && d.parent?.name === 'upstream';
      if (!['proxy_pass', 'grpc_pass', 'uwsgi_pass'].includes(d.name) && !upstreamServer) return;
      const arg = d.args[0];
      if (!arg) return;
      const edits = upstreamServer ? rewriteUpstreamServer(arg.value, hosts) : rewriteServiceUrls(arg.value, hosts);
      if (edits.length === 0) return;
      if (arg.raw !== arg.value && !(arg.quoted && arg.raw.slice(1, -1) === arg.value)) {
        return plan.block(`${src.rel} line ${d.line} reaches ${hosts[0]} on its old port in a form I cannot rewrite`);
      }
      const at = arg.quoted ? arg.start + 1 : arg.start;
      for (const e of edits) plan.edit(src.path, at + e.start, at + e.end, e.text);
    });
  }
}

/** An upstream `server frontend;` means port 80; `server frontend:80;` too. */
function rewriteUpstreamServer(value: string, hosts: string[]): TextEdit[] {
  const m = /^([^:/]+)(?::(\d+))?$/.exec(value);
  if (!m || !hosts.some((h) => h.toLowerCase() === m[1].toLowerCase())) return [];
  if (m[2] === undefined) return [{ start: value.length, end: value.length, text: ':8080' }];
  const to = PORT_MAP[Number(m[2])];
  return to ? [{ start: value.length - m[2].length, end: value.length, text: String(to) }] : [];
}

/** URLs to the service in one service's own `environment` (list or map form). */
function planEnvironment(s: ServiceLink, map: YAMLMap, hosts: string[], plan: Plan): void {
  const file = s.compose;
  const label = `service ${s.name} (${file.rel})`;
  const env = mapValue(map, 'environment');
  const inherited = s.node.data.environment;
  if (!env) {
    const values = Array.isArray(inherited) ? inherited : inherited && typeof inherited === 'object' ? Object.values(inherited) : [];
    if (values.some((v) => typeof v === 'string' && rewriteServiceUrls(v, hosts).length)) {
      plan.block(`${label} reaches ${hosts[0]} on its old port through an environment it gets by a merge key; change it where it is defined`);
    }
    return;
  }
  const entries: { node: Scalar; path: (string | number)[] }[] = [];
  if (isSeq(env)) {
    (env.items as Node[]).forEach((n, i) => isScalar(n) && entries.push({ node: n, path: ['environment', i] }));
  } else if (isMap(env)) {
    for (const item of env.items) {
      if (isScalar(item.key) && isScalar(item.value)) entries.push({ node: item.value, path: ['environment', String(item.key.value)] });
    }
  }
  for (const { node, path: at } of entries) {
    if (typeof node.value !== 'string') continue;
    const value = node.value;
    const edits = rewriteServiceUrls(value, hosts);
    if (edits.length === 0) continue;
    const start = scalarSourceStart(file, node, value);
    if (start === undefined) {
      plan.block(`${label}: cannot rewrite its environment value ${JSON.stringify(value)} in place`);
      continue;
    }
    for (const e of edits) plan.edit(file.path, start + e.start, start + e.end, e.text);
    plan.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, ...at), op: 'set', value: applyTextEdits(value, edits) });
  }
}

const TRAEFIK_PORT = /^traefik\.(?:http|tcp)\.services\.[^.=]+\.loadbalancer\.server\.port$/;

/** A Traefik label that routes to the service's old container port. */
function planTraefikPort(s: ServiceLink, map: YAMLMap, plan: Plan): void {
  const file = s.compose;
  const labels = mapValue(map, 'labels');
  const move = (valueStart: number, port: string, at: (string | number)[], next: unknown) => {
    plan.edit(file.path, valueStart, valueStart + port.length, String(PORT_MAP[Number(port)]));
    plan.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, ...at), op: 'set', value: next });
  };
  if (isSeq(labels)) {
    (labels.items as Node[]).forEach((n, i) => {
      if (!isScalar(n) || typeof n.value !== 'string') return;
      const m = /^([^=]+)=(\d+)$/.exec(n.value);
      if (!m || !TRAEFIK_PORT.test(m[1].trim())) return;
      const start = scalarSourceStart(file, n, n.value);
      if (start === undefined) return plan.block(`service ${s.name}: cannot rewrite its label ${n.value} in place`);
      const to = PORT_MAP[Number(m[2])];
      if (to) move(start + m[1].length + 1, m[2], ['labels', i], `${m[1]}=${to}`);
    });
  } else if (isMap(labels)) {
    for (const item of labels.items) {
      if (!isScalar(item.key) || !isScalar(item.value) || !TRAEFIK_PORT.test(String(item.key.value))) continue;
      const raw = String(item.value.value);
      if (!/^\d+$/.test(raw)) continue;
      const start = scalarSourceStart(file, item.value, raw);
      if (start === undefined) return plan.block(`service ${s.name}: cannot rewrite its label ${String(item.key.value)} in place`);
      const to = PORT_MAP[Number(raw)];
      if (to) move(start, raw, ['labels', String(item.key.value)], typeof item.value.value === 'number' ? to : String(to));
    }
  }
}

/** Whether a ports/expose value (plain data) has a container port that moves. */
function portsNeedMove(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  return v.some((p) => {
    const c = typeof p === 'object' && p ? (p as { target?: unknown }).target : containerPart(String(p)).port;
    return PORT_MAP[Number(c)] !== undefined;
  });
}

/** The container side of a short port spec `[[ip:]host:]container[/proto]`, with its offset in the string. */
function containerPart(v: string): { port: string; start: number } {
  const slash = v.indexOf('/');
  const body = slash >= 0 ? v.slice(0, slash) : v;
  const colon = body.lastIndexOf(':');
  return { port: body.slice(colon + 1), start: colon + 1 };
}

/** New list when something moved, else undefined. */
function planPorts(file: ComposeSource, seq: YAMLSeq, key: string, label: string, plan: Plan): unknown[] | undefined {
  let moved = false;
  const next: unknown[] = [];
  for (const item of seq.items as Node[]) {
    if (isScalar(item)) {
      const v = item.value;
      if (typeof v === 'number') {
        const to = PORT_MAP[v];
        if (to) {
          plan.edit(file.path, item.range![0], item.range![1], String(to));
          moved = true;
        }
        next.push(to ?? v);
        continue;
      }
      const str = String(v);
      const { port, start } = containerPart(str);
      if (port.includes('$')) plan.block(`${label}: ${key} entry ${str} has a variable container port`);
      const range = /^(\d+)-(\d+)$/.exec(port);
      if (range && Object.keys(PORT_MAP).some((p) => Number(p) >= Number(range[1]) && Number(p) <= Number(range[2]))) {
        plan.block(`${label}: ${key} entry ${str} is a range holding 80 or 443`);
      }
      const to = /^\d+$/.test(port) ? PORT_MAP[Number(port)] : undefined;
      if (to) {
        const src = scalarSourceStart(file, item, str);
        if (src === undefined) plan.block(`${label}: cannot rewrite ${key} entry ${str} in place`);
        else plan.edit(file.path, src + start, src + start + port.length, String(to));
        moved = true;
        next.push(str.slice(0, start) + to + str.slice(start + port.length));
      } else next.push(v);
    } else if (isMap(item)) {
      const data = item.toJSON() as Record<string, unknown>;
      const target = mapValue(item, 'target');
      const to = isScalar(target) ? PORT_MAP[Number(target.value)] : undefined;
      if (to && isScalar(target)) {
        const str = String(target.value);
        const src = typeof target.value === 'number' ? target.range![0] : scalarSourceStart(file, target, str);
        if (src === undefined || (typeof target.value === 'number' && file.text.slice(target.range![0], target.range![1]) !== str)) {
          plan.block(`${label}: cannot rewrite ${key} target ${str} in place`);
        } else plan.edit(file.path, src, src + str.length, String(to));
        data.target = typeof target.value === 'number' ? to : String(to);
        moved = true;
      }
      next.push(data);
    } else {
      next.push((item as { toJSON?: () => unknown })?.toJSON?.() ?? item);
    }
  }
  return moved ? next : undefined;
}

/** Offset where a scalar's value starts in the text, when its source spells the value exactly (no escapes, no folding). */
function scalarSourceStart(file: ComposeSource, node: Scalar, value: string): number | undefined {
  const [start, end] = node.range!;
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  if (!quoted && node.type !== Scalar.PLAIN) return undefined;
  const from = quoted ? start + 1 : start;
  const to = quoted ? end - 1 : end;
  return file.text.slice(from, to) === value ? from : undefined;
}

/** Replace a scalar's text by a new value, keeping its quotes; false when the source is not plain enough. */
function replaceScalarText(file: ComposeSource, node: Scalar, value: string, plan: Plan): boolean {
  const old = String(node.value);
  const at = scalarSourceStart(file, node, old);
  if (at === undefined) return false;
  const plain = node.type === Scalar.PLAIN;
  plan.edit(file.path, at, at + old.length, plain ? yamlScalar(value) : value);
  return true;
}

/** Rewrite URLs in a healthcheck test (string or list); the new value when anything changed. */
function planHealthcheck(file: ComposeSource, test: Node, label: string, plan: Plan): unknown {
  const items: Scalar[] = isScalar(test) ? [test] : isSeq(test) ? (test.items as Node[]).filter(isScalar) : [];
  const values = items.map((n) => String(n.value));
  let changed = false;
  const joined = values.join(' ');
  if (rewriteUrls(joined).unclear && values.every((v) => !rewriteUrls(v).edits.length)) {
    plan.block(`${label}: its healthcheck reaches port 80 in a form I cannot rewrite`);
  }
  const next = items.map((n, i) => {
    const v = values[i]!;
    const r = rewriteUrls(v);
    if (r.edits.length === 0) return n.value;
    const at = scalarSourceStart(file, n, v);
    if (at === undefined) {
      plan.block(`${label}: cannot rewrite its healthcheck in place`);
      return n.value;
    }
    for (const e of r.edits) plan.edit(file.path, at + e.start, at + e.end, e.text);
    changed = true;
    return applyTextEdits(v, r.edits);
  });
  if (!changed) return undefined;
  return isScalar(test) ? next[0] : next;
}

function applyTextEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
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

