// Moving a service's container port, as one operation of the model. When a
// server stops listening on port P and listens on Q instead (nginx going
// non-root: 80 -> 8080, 443 -> 8443), every place that knows P must move in
// the same fix, or the stack stops working: the Dockerfile's EXPOSE and
// HEALTHCHECK, the `listen` lines of the configs it reads, the compose
// services that run it (ports and expose targets, healthchecks, a Traefik
// `loadbalancer.server.port` label) and everything else in the stack that
// reaches it by name (URLs in other services' environment, `proxy_pass` and
// upstream `server` lines in nginx configs of the repository). The host side
// of a published port never changes: users keep reaching the host as before.
//
// The operation returns edits, the compose data they mean, and blockers: one
// sentence per place it cannot rewrite in place. A caller applies all of it
// or, when anything blocks, nothing.
import path from 'node:path';
import { isMap, isSeq, isScalar, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { DataChange, Edit } from './types.js';
import type { ComposeSource, DockerfileSource, NginxSource, Project, ServiceLink } from './model.js';
import type { DfInstruction, DfStage } from './parse/dockerfile.js';
import { effectiveInstructions } from './parse/dockerfile.js';
import { instructionWords } from './dockerfile-info.js';
import { parseListen, walkNginx, type NginxDirective } from './parse/nginx.js';
import { mapValue, nginxBlockInsertPoint, scalarValueStart } from './edits.js';
import { lastColonOutsideBraces } from './text.js';
import { servicePath } from './compose-service.js';
import { findBuiltImage } from './images.js';
import type { Evidence } from './evidence/types.js';
import { envFileReaders, envFileRefs, readEnvFileFromDisk, serviceEnvironment, unresolvedEnvFiles } from './env-files.js';

/** Container port -> the port it moves to. */
export type PortMap = Readonly<Record<number, number>>;

/** Where a server that cannot bind privileged ports listens instead (the nginx-unprivileged convention). */
export const UNPRIVILEGED_PORTS: PortMap = { 80: 8080, 443: 8443 };

/** What moves: one server, the files that configure it and the services that run it. */
export interface PortMoveScope {
  /** The Dockerfile that builds it; EXPOSE and HEALTHCHECK of `stages` move. */
  dockerfile?: DockerfileSource;
  /** Stages that are (or feed) the image. */
  stages?: DfStage[];
  /** nginx configs the server reads: their `listen` lines move. */
  configs?: NginxSource[];
  /**
   * A `server` block with no `listen` listens on 80 as root and on 8000 as
   * any other user. Set when the server is going non-root: such a block gets
   * an explicit `listen` on the moved port.
   */
  implicitListenMoves?: boolean;
  /** Compose services that run it (partial services in override files included). */
  services: ServiceLink[];
  /** Who, for messages: `UID 101`, `user app`. */
  runsAs?: string;
  /**
   * Configs (host paths) rendered with envsubst from the service's environment at start (the official image's
   * templates): a `listen ${NGINX_PORT}` there moves in the services' `environment`, where the value is written.
   */
  renderedConfigs?: Set<string>;
}

export interface PortMove {
  edits: Edit[];
  /** The compose data the edits mean (for the engine's verification). */
  intent: DataChange[];
  /** One sentence per place that cannot be moved; the caller applies nothing when any is set. */
  blockers: string[];
  /** Files the edits touch. */
  files: Set<string>;
  /** Which moves were needed, e.g. [[80, 8080]]: a port found on 80 in a config, EXPOSE, compose or a peer. */
  moved: [number, number][];
  /** Ports a rendered config listens on through a variable the services' environment sets (moved there). */
  listenedThroughEnvironment: number[];
}

/** Plain text edits inside one string (a URL, a healthcheck), offsets into it. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

class Collector implements PortMove {
  edits: Edit[] = [];
  intent: DataChange[] = [];
  blockers: string[] = [];
  files = new Set<string>();
  moved: [number, number][] = [];
  /** `listen ${NAME}` lines of rendered configs: the variable's value moves where the services set it. */
  listenVariables: { name: string; where: string }[] = [];
  listenedThroughEnvironment: number[] = [];
  constructor(readonly map: PortMap) {}
  block(why: string): void {
    if (!this.blockers.includes(why)) this.blockers.push(why);
  }
  edit(file: string, start: number, end: number, text: string): void {
    this.edits.push({ file, range: [start, end], text });
    this.files.add(file);
  }
  /** Record that `from` moves (for the caller's message). */
  note(from: number): void {
    const to = this.map[from];
    if (to !== undefined && !this.moved.some(([f]) => f === from)) this.moved.push([from, to]);
  }
}

/**
 * Move the container ports of one server everywhere it is reached. Pure: reads
 * the model, returns edits; nothing is applied.
 */
export function movePorts(project: Project, scope: PortMoveScope, map: PortMap = UNPRIVILEGED_PORTS): PortMove {
  const out = new Collector(map);
  if (scope.dockerfile) for (const stage of scope.stages ?? []) moveInDockerfile(scope.dockerfile, stage, out);
  moveInConfigs(scope.configs ?? [], scope, out);
  for (const s of scope.services) moveInService(s, out);
  for (const v of out.listenVariables) moveListenVariable(project, scope.services, v.name, v.where, out);
  moveInPeers(project, scope.services, out);
  return out;
}

// ------------------------------------------------------------- Dockerfile

function moveInDockerfile(df: DockerfileSource, stage: DfStage, out: Collector): void {
  const where = (ins: DfInstruction) => `${df.rel} line ${ins.line + 1}`;
  for (const ins of effectiveInstructions(stage)) {
    if (ins.keyword === 'EXPOSE') {
      for (const w of instructionWords(ins.raw, df.parsed.escape).slice(1)) {
        if (w.text.includes('$')) {
          out.block(`EXPOSE at ${where(ins)} uses a variable`);
          continue;
        }
        const m = /^(\d+)(\/(tcp|udp))?$/i.exec(w.text);
        const to = m ? out.map[Number(m[1])] : undefined;
        if (m && to) {
          out.edit(df.path, ins.start + w.start, ins.start + w.start + m[1]!.length, String(to));
          out.note(Number(m[1]));
        }
      }
    } else if (ins.keyword === 'HEALTHCHECK') {
      const initStatus = nginxInitStatus({ test: ins.raw });
      if (initStatus) out.block(`HEALTHCHECK at ${where(ins)} runs \`${initStatus}\`, ${INIT_STATUS_WHY}`);
      const r = rewriteUrls(ins.raw, out.map);
      if (r.unclear) out.block(`HEALTHCHECK at ${where(ins)} reaches port ${portList(out.map)} in a form I cannot rewrite`);
      for (const e of r.edits) out.edit(df.path, ins.start + e.start, ins.start + e.end, e.text);
    }
  }
}

function portList(map: PortMap): string {
  return Object.keys(map).join(' or ');
}

/**
 * Move URLs that reach the container itself to the new ports: `http://localhost`,
 * `http://127.0.0.1:80/healthz`, `localhost:80`, `https://[::1]` and so on.
 * `unclear` when the text reaches the container on an old port in a form we do
 * not rewrite (`nc -z localhost 80`).
 */
export function rewriteUrls(text: string, map: PortMap = UNPRIVILEGED_PORTS): { edits: TextEdit[]; unclear: boolean } {
  const edits: TextEdit[] = [];
  let unclear = false;
  const http = map[80];
  const https = map[443];
  const oldPortWord = new RegExp(`(^|\\s|["'])(${Object.keys(map).join('|')})($|\\s|["'])`);
  const re = /(?<![\w.@/-])(?:(https?):\/\/)?(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\])(?::(\d+|\$\{?\w+\}?))?(?=$|[/\s"'\\?#;|&),\]])/gi;
  for (const m of text.matchAll(re)) {
    const [all, scheme, , port] = m;
    const hostEnd = m.index! + (all.length - (port !== undefined ? port.length + 1 : 0));
    const next = text[m.index! + all.length];
    if (port !== undefined) {
      const to = map[Number(port)];
      if (to) edits.push({ start: hostEnd + 1, end: hostEnd + 1 + port.length, text: String(to) });
    } else if (scheme) {
      const to = scheme.toLowerCase() === 'https' ? https : http;
      if (to) edits.push({ start: hostEnd, end: hostEnd, text: `:${to}` });
    } else if (next === '/') {
      // curl and wget read a bare host/path as http.
      if (http) edits.push({ start: hostEnd, end: hostEnd, text: `:${http}` });
    } else {
      // `curl localhost` means port 80, `nc -z localhost 80` too: only the first is a URL.
      if (oldPortWord.test(text)) unclear = true;
      else if (http && /\b(curl|wget)\b/.test(text)) edits.push({ start: hostEnd, end: hostEnd, text: `:${http}` });
    }
  }
  if (edits.length === 0 && oldPortWord.test(text) && /localhost|127\.0\.0\.1/.test(text)) unclear = true;
  return { edits, unclear };
}

// ---------------------------------------------------------------- configs

/** Ports the configs listen on (an address without a port is 80). */
export function listenPorts(configs: NginxSource[]): Set<number> {
  const ports = new Set<number>();
  for (const src of configs) {
    walkNginx(src.parsed.directives, (d) => {
      if (d.name !== 'listen') return;
      const spec = parseListen(d);
      if (spec.port !== undefined) ports.add(spec.port);
      else if (!spec.unixSocket && !spec.hasVariable && d.args.length) ports.add(80);
    });
  }
  return ports;
}

function moveInConfigs(configs: NginxSource[], scope: PortMoveScope, out: Collector): void {
  const ports = listenPorts(configs);
  for (const [from, to] of Object.entries(out.map)) {
    if (ports.has(Number(from)) && ports.has(to)) out.block(`the configuration already listens on ${to} as well as ${from}`);
  }
  const who = scope.runsAs ?? 'a non-root user';
  const http = out.map[80];
  for (const src of configs) {
    const where = (d: NginxDirective) => `${src.rel} line ${d.line}`;
    walkNginx(src.parsed.directives, (d) => {
      if (d.name === 'listen') {
        const spec = parseListen(d);
        if (d.args.length === 0) return out.block(`listen without a port at ${where(d)}`);
        if (spec.unixSocket) return out.block(`${where(d)} listens on a unix socket, which ${who} may not be able to create`);
        if (spec.hasVariable) {
          const name = /^\$(?:\{(\w+)\}|(\w+))$/.exec(spec.portArg.raw);
          if (name && scope.renderedConfigs?.has(src.path)) {
            const v = { name: name[1] ?? name[2]!, where: where(d) };
            if (!out.listenVariables.some((x) => x.name === v.name)) out.listenVariables.push(v);
            return;
          }
          return out.block(`${where(d)} listens on a port set by a variable (${spec.portArg.raw})`);
        }
        if (spec.port === undefined) {
          if (!http) return;
          if (spec.portArg.quoted) return out.block(`${where(d)}: listen ${spec.portArg.raw} implies port 80 inside quotes`);
          out.note(80);
          return out.edit(src.path, spec.portEnd, spec.portEnd, `:${http}`);
        }
        const to = out.map[spec.port];
        if (to) {
          out.note(spec.port);
          return out.edit(src.path, spec.portStart, spec.portEnd, String(to));
        }
        if (spec.port < 1024) out.block(`${where(d)} listens on port ${spec.port}; only ${portList(out.map)} have a known unprivileged counterpart`);
        return;
      }
      // A server with no listen gets *:80 as root but *:8000 as any other user.
      if (!scope.implicitListenMoves || !http) return;
      if (d.name === 'server' && d.block && (!d.parent || d.parent.name === 'http') && !d.block.some((c) => c.name === 'listen')) {
        const at = nginxBlockInsertPoint(src.text, d);
        if (!at) return out.block(`server at ${where(d)} has no listen and is written on one line`);
        out.note(80);
        out.edit(src.path, at.offset, at.offset, `${at.prefix}listen ${http};`);
      }
    });
  }
}

// ---------------------------------------------------------------- compose

function moveInService(s: ServiceLink, out: Collector): void {
  const file = s.compose;
  const map = s.node.node;
  const own = s.node.data;
  const label = `service ${s.name} (${file.rel})`;
  if (s.effective.network_mode === 'host') {
    const [from, to] = Object.entries(out.map)[0]!;
    out.block(`${label} uses network_mode: host, so the host itself would see port ${to} instead of ${from}`);
  }
  if (!map) return;
  for (const key of ['ports', 'expose'] as const) {
    const node = mapValue(map, key);
    if (!node) {
      if (portsNeedMove(own[key], out.map)) out.block(`${label} gets ${key} through a merge key; change them where they are defined`);
      continue;
    }
    if (!isSeq(node)) continue;
    const next = movePortList(file, node, key, label, out);
    if (next) out.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, key), op: 'set', value: next });
  }

  const hc = mapValue(map, 'healthcheck');
  const test = isMap(hc) ? mapValue(hc, 'test') : undefined;
  const initStatus = nginxInitStatus(s.effective.healthcheck);
  if (initStatus) {
    // nginx.org's /etc/init.d/nginx reads PIDFILE (default /run/nginx.pid) and `status` checks the process it names
    // (nginx/pkg-oss debian/debian/nginx.init.in); unprivileged nginx writes its pid to /tmp/nginx.pid
    // (nginxinc/docker-nginx-unprivileged's Dockerfile), so the check would say "not running" on a healthy server.
    out.block(`${label}: its healthcheck runs \`${initStatus}\`, ${INIT_STATUS_WHY}`);
  }
  if (test) {
    const next = moveHealthcheck(file, test, label, out);
    if (next !== undefined) out.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, 'healthcheck', 'test'), op: 'set', value: next });
  } else {
    // What the base file says is the base link's job; here only what `<<` brings into this file.
    const inherited = (own.healthcheck as { test?: unknown } | undefined)?.test;
    const parts = typeof inherited === 'string' ? [inherited] : Array.isArray(inherited) ? inherited.map(String) : [];
    if (parts.some((p) => rewriteUrls(p, out.map).edits.length || rewriteUrls(p, out.map).unclear)) {
      out.block(`${label} gets its healthcheck through a merge key; change it where it is defined`);
    }
  }
  moveTraefikPort(s, map, out);
}

const INIT_STATUS_WHY =
  "whose init script looks for the pid file at /run/nginx.pid (nginx.org's /etc/init.d/nginx); unprivileged nginx writes /tmp/nginx.pid, so the service would turn unhealthy: probe the server instead (a request to its new port)";

/** A healthcheck that asks nginx's init script for its status (`service nginx status`, `/etc/init.d/nginx status`): the command, else undefined. */
function nginxInitStatus(healthcheck: unknown): string | undefined {
  const test = (healthcheck as { test?: unknown } | undefined)?.test;
  const words = typeof test === 'string' ? test : Array.isArray(test) ? test.map(String).join(' ') : '';
  return /(?:^|[\s;&|(])((?:service\s+nginx|(?:\/etc\/init\.d\/|rc-service\s+)nginx)\s+status)\b/.exec(words)?.[1];
}

/** Whether a ports/expose value (plain data) has a container port that moves. */
function portsNeedMove(v: unknown, map: PortMap): boolean {
  if (!Array.isArray(v)) return false;
  return v.some((p) => {
    const c = typeof p === 'object' && p ? (p as { target?: unknown }).target : containerPart(String(p)).port;
    return map[Number(c)] !== undefined;
  });
}

/**
 * The container side of a short port spec `[[ip:]host:]container[/proto]`, with its offset in the string.
 * Colons and slashes inside `${VAR:-default}` are the variable's, not the spec's: `"${HOST_PORT:-80}:${PORT:-80}"`
 * has the container side `${PORT:-80}`.
 */
function containerPart(v: string): { port: string; start: number } {
  const colon = lastColonOutsideBraces(v);
  const rest = v.slice(colon + 1);
  const slash = rest.indexOf('/', rest.lastIndexOf('}') + 1);
  return { port: slash >= 0 ? rest.slice(0, slash) : rest, start: colon + 1 };
}

/** New list when something moved, else undefined. */
function movePortList(file: ComposeSource, seq: YAMLSeq, key: string, label: string, out: Collector): unknown[] | undefined {
  let moved = false;
  const next: unknown[] = [];
  for (const item of seq.items as Node[]) {
    if (isScalar(item)) {
      const v = item.value;
      if (typeof v === 'number') {
        const to = out.map[v];
        if (to) {
          out.edit(file.path, item.range![0], item.range![1], String(to));
          out.note(v);
          moved = true;
        }
        next.push(to ?? v);
        continue;
      }
      const str = String(v);
      const { port, start } = containerPart(str);
      if (port.includes('$')) out.block(`${label}: ${key} entry ${str} has a variable container port`);
      const range = /^(\d+)-(\d+)$/.exec(port);
      if (range && Object.keys(out.map).some((p) => Number(p) >= Number(range[1]) && Number(p) <= Number(range[2]))) {
        out.block(`${label}: ${key} entry ${str} is a range holding ${portList(out.map)}`);
      }
      const to = /^\d+$/.test(port) ? out.map[Number(port)] : undefined;
      if (to) {
        const src = scalarValueStart(file.text, item, str);
        if (src === undefined) out.block(`${label}: cannot rewrite ${key} entry ${str} in place`);
        else out.edit(file.path, src + start, src + start + port.length, String(to));
        out.note(Number(port));
        moved = true;
        next.push(str.slice(0, start) + to + str.slice(start + port.length));
      } else next.push(v);
    } else if (isMap(item)) {
      const data = item.toJSON() as Record<string, unknown>;
      const target = mapValue(item, 'target');
      const to = isScalar(target) ? out.map[Number(target.value)] : undefined;
      if (to && isScalar(target)) {
        const str = String(target.value);
        const src = typeof target.value === 'number' ? target.range![0] : scalarValueStart(file.text, target, str);
        if (src === undefined || (typeof target.value === 'number' && file.text.slice(target.range![0], target.range![1]) !== str)) {
          out.block(`${label}: cannot rewrite ${key} target ${str} in place`);
        } else out.edit(file.path, src, src + str.length, String(to));
        data.target = typeof target.value === 'number' ? to : String(to);
        out.note(Number(target.value));
        moved = true;
      }
      next.push(data);
    } else {
      next.push((item as { toJSON?: () => unknown })?.toJSON?.() ?? item);
    }
  }
  return moved ? next : undefined;
}

/** Rewrite URLs in a healthcheck test (string or list); the new value when anything changed. */
function moveHealthcheck(file: ComposeSource, test: Node, label: string, out: Collector): unknown {
  const items: Scalar[] = isScalar(test) ? [test] : isSeq(test) ? (test.items as Node[]).filter(isScalar) : [];
  const values = items.map((n) => String(n.value));
  let changed = false;
  const joined = values.join(' ');
  if (rewriteUrls(joined, out.map).unclear && values.every((v) => !rewriteUrls(v, out.map).edits.length)) {
    out.block(`${label}: its healthcheck reaches port ${portList(out.map)} in a form I cannot rewrite`);
  }
  const next = items.map((n, i) => {
    const v = values[i]!;
    const r = rewriteUrls(v, out.map);
    if (r.edits.length === 0) return n.value;
    const at = scalarValueStart(file.text, n, v);
    if (at === undefined) {
      out.block(`${label}: cannot rewrite its healthcheck in place`);
      return n.value;
    }
    for (const e of r.edits) out.edit(file.path, at + e.start, at + e.end, e.text);
    changed = true;
    return applyTextEdits(v, r.edits);
  });
  if (!changed) return undefined;
  return isScalar(test) ? next[0] : next;
}

export function applyTextEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

const TRAEFIK_PORT = /^traefik\.(?:http|tcp)\.services\.[^.=]+\.loadbalancer\.server\.port$/;

/** A Traefik label that routes to the service's old container port. */
function moveTraefikPort(s: ServiceLink, map: YAMLMap, out: Collector): void {
  const file = s.compose;
  const labels = mapValue(map, 'labels');
  const move = (valueStart: number, port: string, at: (string | number)[], next: unknown) => {
    out.edit(file.path, valueStart, valueStart + port.length, String(out.map[Number(port)]));
    out.note(Number(port));
    out.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, ...at), op: 'set', value: next });
  };
  if (isSeq(labels)) {
    (labels.items as Node[]).forEach((n, i) => {
      if (!isScalar(n) || typeof n.value !== 'string') return;
      const m = /^([^=]+)=(\d+)$/.exec(n.value);
      if (!m || !TRAEFIK_PORT.test(m[1].trim())) return;
      const start = scalarValueStart(file.text, n, n.value);
      if (start === undefined) return out.block(`service ${s.name}: cannot rewrite its label ${n.value} in place`);
      const to = out.map[Number(m[2])];
      if (to) move(start + m[1].length + 1, m[2], ['labels', i], `${m[1]}=${to}`);
    });
  } else if (isMap(labels)) {
    for (const item of labels.items) {
      if (!isScalar(item.key) || !isScalar(item.value) || !TRAEFIK_PORT.test(String(item.key.value))) continue;
      const raw = String(item.value.value);
      if (!/^\d+$/.test(raw)) continue;
      const start = scalarValueStart(file.text, item.value, raw);
      if (start === undefined) return out.block(`service ${s.name}: cannot rewrite its label ${String(item.key.value)} in place`);
      const to = out.map[Number(raw)];
      if (to) move(start, raw, ['labels', String(item.key.value)], typeof item.value.value === 'number' ? to : String(to));
    }
  }
}

// ------------------------------------------------------ published ports

/** A `docker run -p HOST:CONTAINER` the repository's scripts, CI or docs run the image with. */
export interface PublishMention {
  at: Evidence;
  /** The `-p` value as written, and as it must read after the move (the host side stays). */
  spec: string;
  moved: string;
  from: number;
  to: number;
}

/**
 * `docker run -p …:P IMAGE` in scripts, Makefiles, CI workflows and README code
 * blocks (the evidence of use), where IMAGE is a tag this Dockerfile's stage
 * builds and P a container port that moves. Compose files are moved by the
 * operation itself; these places are the user's to change, so they are listed.
 */
export function publishMentions(project: Project, dockerfile: DockerfileSource, stages: DfStage[], map: PortMap = UNPRIVILEGED_PORTS): PublishMention[] {
  const out: PublishMention[] = [];
  const last = stages[stages.length - 1];
  const buildsThis = (target: string | undefined) =>
    target === undefined ? last === dockerfile.parsed.stages[dockerfile.parsed.stages.length - 1] : stages.some((s) => s.name === target.toLowerCase());
  for (const use of project.layout.evidence.imageUses) {
    if (use.kind !== 'run' || !use.publish) continue;
    const built = findBuiltImage(project.images, use.image);
    if (!built || built.dockerfile !== dockerfile.path || !buildsThis(built.target)) continue;
    for (const spec of use.publish) {
      const { port, start } = containerPart(spec);
      const to = /^\d+$/.test(port) && !/\/udp$/i.test(spec) ? map[Number(port)] : undefined;
      if (to === undefined) continue;
      out.push({ at: use.at, spec, moved: spec.slice(0, start) + to + spec.slice(start + port.length), from: Number(port), to });
    }
  }
  return out;
}

/**
 * Evidence sources whose `docker run` lines are commands the repository runs (scripts, Makefiles,
 * justfiles, CI jobs): edited in place. README code blocks are documentation: listed only.
 */
const EDITABLE_PUBLISH_SOURCES = new Set<Evidence['source']>(['shell', 'makefile', 'justfile', 'github-workflow', 'gitlab-ci']);

/**
 * Edits that move the container side of `docker run -p` values the evidence says run this image
 * (publishMentions: the tag is one this Dockerfile's stage builds), keeping the host side. A value is
 * edited only where it is found as written, once, after `-p`/`--publish`, in the command's own lines
 * (its line and the backslash continuations after it) of a file the model holds; the rest are
 * returned in `listed`, for the migration notes.
 */
export function publishEdits(project: Project, mentions: PublishMention[]): { edits: Edit[]; edited: PublishMention[]; listed: PublishMention[] } {
  const edits: Edit[] = [];
  const edited: PublishMention[] = [];
  const listed: PublishMention[] = [];
  const taken = new Set<string>();
  for (const m of mentions) {
    const src = EDITABLE_PUBLISH_SOURCES.has(m.at.source) ? project.files.get(m.at.file) : undefined;
    const at = src ? publishSpecOffset(src.text, m.at.line, m.spec) : undefined;
    if (at === undefined || taken.has(`${m.at.file}:${at}`)) {
      if (at === undefined) listed.push(m);
      continue;
    }
    taken.add(`${m.at.file}:${at}`);
    const { port, start } = containerPart(m.spec);
    edits.push({ file: m.at.file, range: [at + start, at + start + port.length], text: String(m.to) });
    edited.push(m);
  }
  return { edits, edited, listed };
}

/** Offset of the one `-p SPEC` / `--publish=SPEC` (quoted or not) in the command starting at 1-based `line`; undefined when not exactly one. */
function publishSpecOffset(text: string, line: number, spec: string): number | undefined {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  // The command's lines: this one and those a trailing backslash continues it onto.
  let end = start;
  let lineStart = start;
  for (let k = 0; k < 50; k++) {
    const nl = text.indexOf('\n', lineStart);
    end = nl < 0 ? text.length : nl;
    if (nl < 0 || !/\\\r?$/.test(text.slice(lineStart, end))) break;
    lineStart = nl + 1;
  }
  const region = text.slice(start, end);
  const quoted = spec.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(?:^|[\\s'"])(?:-p|--publish)(?:=|\\s+)?(["']?)(${quoted})\\1(?=$|[\\s;&|)'"])`, 'g');
  const found = [...region.matchAll(re)];
  if (found.length !== 1) return undefined;
  const hit = found[0]!;
  return start + hit.index! + hit[0].length - hit[1]!.length - spec.length;
}

// ------------------------------------------------------- other services

/**
 * Names other containers of the stack reach these services by: the service
 * name, its container_name and hostname, and its network aliases.
 */
export function hostnamesOf(services: ServiceLink[]): string[] {
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
export function rewriteServiceUrls(text: string, hosts: string[], map: PortMap = UNPRIVILEGED_PORTS): TextEdit[] {
  return hosts.length === 0 ? [] : rewriteWith(text, serviceUrlPattern(hosts), map);
}

/** The pattern rewriteServiceUrls matches: made once per move, not once per value it looks at. */
function serviceUrlPattern(hosts: string[]): RegExp {
  const names = hosts.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`(?<![\\w.@-])(?:(https?|wss?)://)?(?:${names})(?::(\\d+))?(?![\\w.-])`, 'gi');
}

function rewriteWith(text: string, re: RegExp, map: PortMap): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const m of text.matchAll(re)) {
    const [all, scheme, port] = m;
    const end = m.index! + all.length;
    if (port !== undefined) {
      const to = map[Number(port)];
      if (to) edits.push({ start: end - port.length, end, text: String(to) });
    } else if (scheme) {
      const to = /s$/i.test(scheme) ? map[443] : map[80];
      if (to) edits.push({ start: end, end, text: `:${to}` });
    }
  }
  return edits;
}

/**
 * Other places in the stack that reach the services on their old port move
 * with them: URLs in the environment of services in the same compose project,
 * and `proxy_pass` / upstream `server` lines in nginx configs the model holds.
 * What cannot be rewritten in place blocks, like everything else.
 */
function moveInPeers(project: Project, services: ServiceLink[], out: Collector): void {
  if (services.length === 0) return;
  const hosts = hostnamesOf(services);
  const urls = serviceUrlPattern(hosts);
  const peers = peersOf(project);
  // Services of the compose folders involved, in model order (a move reaches its own stack, not every stack).
  const dirs = new Set(services.map((s) => path.dirname(s.compose.path)));
  const positions = [...dirs].flatMap((d) => peers.servicesInDir.get(d) ?? []);
  if (dirs.size > 1) positions.sort((a, b) => a - b);
  for (const i of positions) {
    const s = project.services[i]!;
    moveInEnvironment(s, s.node.node!, urls, hosts, out);
  }
  // Only a value that holds one of the names can reach it (an ASCII name matches ASCII text only, in any case).
  const lowerHosts = hosts.map((h) => h.toLowerCase());
  const filter = hosts.every((h) => /^[\x00-\x7f]*$/.test(h));
  for (const { src, d, upstreamServer, lower } of peers.proxies) {
    if (filter && !lowerHosts.some((h) => lower.includes(h))) continue;
    // `proxy_pass http://frontend;` where `upstream frontend { … }` is declared names that group, not the host: the port
    // lives on the group's `server` lines (moved above), and nginx refuses a port here ("upstream "frontend" may not
    // have port 8080", checked with nginx 1.22 on debian:bookworm-slim).
    if (!upstreamServer && peers.upstreams.has(proxiedName(lower))) continue;
    const arg = d.args[0]!;
    const edits = upstreamServer ? rewriteUpstreamServer(arg.value, hosts, out.map) : rewriteWith(arg.value, urls, out.map);
    if (edits.length === 0) continue;
    if (arg.raw !== arg.value && !(arg.quoted && arg.raw.slice(1, -1) === arg.value)) {
      out.block(`${src.rel} line ${d.line} reaches ${hosts[0]} on its old port in a form I cannot rewrite`);
      continue;
    }
    const at = arg.quoted ? arg.start + 1 : arg.start;
    for (const e of edits) out.edit(src.path, at + e.start, at + e.end, e.text);
  }
}

interface Peers {
  /** Compose folder -> positions in project.services of its services that have a node of their own. */
  servicesInDir: Map<string, number[]>;
  /** `proxy_pass`, `grpc_pass`, `uwsgi_pass` and upstream `server` directives with an argument, in model order. */
  proxies: { src: NginxSource; d: NginxDirective; upstreamServer: boolean; lower: string }[];
  /** Names of the `upstream NAME { … }` groups the nginx configs declare, lower case (one nginx often splits them over files). */
  upstreams: Set<string>;
}

/** The host part of a proxied address (`http://frontend/api/`, `grpc://backend:50051`, `frontend:9000`), lower case. */
function proxiedName(lower: string): string {
  return lower.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').split(/[/:]/)[0]!;
}

const peersIndex = new WeakMap<Project, Peers>();

/** Where moves look for peers, found once per model: every nginx image's move asks, so not a scan of the project each. */
function peersOf(project: Project): Peers {
  let peers = peersIndex.get(project);
  if (peers) return peers;
  peers = { servicesInDir: new Map(), proxies: [], upstreams: new Set() };
  project.services.forEach((s, i) => {
    if (!s.node.node) return;
    const dir = path.dirname(s.compose.path);
    const list = peers!.servicesInDir.get(dir);
    if (list) list.push(i);
    else peers!.servicesInDir.set(dir, [i]);
  });
  for (const src of project.nginx) {
    walkNginx(src.parsed.directives, (d) => {
      if (d.name === 'upstream' && d.args[0]) peers!.upstreams.add(d.args[0].value.toLowerCase());
      const upstreamServer = d.name === 'server' && d.parent?.name === 'upstream';
      if (!['proxy_pass', 'grpc_pass', 'uwsgi_pass'].includes(d.name) && !upstreamServer) return;
      const arg = d.args[0];
      if (arg) peers!.proxies.push({ src, d, upstreamServer, lower: arg.value.toLowerCase() });
    });
  }
  peersIndex.set(project, peers);
  return peers;
}

/** An upstream `server frontend;` means port 80; `server frontend:80;` too. */
function rewriteUpstreamServer(value: string, hosts: string[], map: PortMap): TextEdit[] {
  const m = /^([^:/]+)(?::(\d+))?$/.exec(value);
  if (!m || !hosts.some((h) => h.toLowerCase() === m[1].toLowerCase())) return [];
  if (m[2] === undefined) return map[80] ? [{ start: value.length, end: value.length, text: `:${map[80]}` }] : [];
  const to = map[Number(m[2])];
  return to ? [{ start: value.length - m[2].length, end: value.length, text: String(to) }] : [];
}

/**
 * A rendered config's `listen ${NAME}`: the entrypoint substitutes the service's environment, so the port is
 * the value each service running the image gives NAME, and that value moves where it is written: in the
 * service's own `environment` (`NAME=80` or `NAME: 80`), or, when that does not set it, in the last of its
 * `env_file:` files that does (compose's precedence, env-files.ts). An env file is edited only when the model
 * holds it (a file of the repository) and only services of the same compose files read it; one that other
 * stacks read too, a value from a merge key, the shell (`${PORT:-80}`), or none at all blocks, with what to do.
 */
function moveListenVariable(project: Project, services: ServiceLink[], name: string, where: string, out: Collector): void {
  if (!services.length) return out.block(`${where} listens on \${${name}}, which no compose service running the image sets`);
  for (const s of services) {
    const label = `service ${s.name} (${s.compose.rel})`;
    const env = s.node.node ? mapValue(s.node.node, 'environment') : undefined;
    let found: { node: Scalar; value: string; at: (string | number)[]; offset: number } | undefined;
    if (isSeq(env)) {
      (env.items as Node[]).forEach((n, i) => {
        if (isScalar(n) && typeof n.value === 'string' && n.value.startsWith(`${name}=`)) found = { node: n, value: n.value, at: ['environment', i], offset: name.length + 1 };
      });
    } else if (isMap(env)) {
      for (const item of env.items) {
        if (isScalar(item.key) && item.key.value === name && isScalar(item.value)) found = { node: item.value, value: String(item.value.value), at: ['environment', name], offset: 0 };
      }
    }
    if (!found) {
      const read = (f: string) => project.files.get(f)?.text ?? readEnvFileFromDisk(f);
      const entry = serviceEnvironment(s, read).get(name);
      if (entry?.from.kind === 'env_file') moveInEnvFile(project, services, s, name, where, entry.value, entry.from, out);
      else {
        // An env file made on the host (none in the repository) may set it: whoever writes that file moves the port.
        const unread = envFileRefs(s).filter((r) => read(r.path) === undefined).map((r) => r.written);
        // An env_file named through a variable nothing here settles (`${STAGE}.env`) is as unknown as one not in the repository.
        const unknown = [...unread.map((w) => `${w} (not in the repository)`), ...unresolvedEnvFiles(s).map((w) => `${w} (its path is a variable no .env sets)`)];
        const hint = unknown.length ? `; if its env_file ${unknown.join(', ')} sets it, change it there (${Object.entries(out.map).map(([f, t]) => `${f} → ${t}`).join(', ')})` : '';
        out.block(`${where} listens on \${${name}}, which ${label} does not set in its own environment${hint}`);
      }
      continue;
    }
    const port = found.value.slice(found.offset);
    const to = /^\d+$/.test(port) ? out.map[Number(port)] : undefined;
    if (!to) {
      if (!/^\d+$/.test(port)) out.block(`${where} listens on \${${name}}, which ${label} sets to ${JSON.stringify(port)}`);
      else if (Number(port) < 1024) out.block(`${where} listens on \${${name}}=${port}; only ${portList(out.map)} have a known unprivileged counterpart`);
      continue;
    }
    const start = scalarValueStart(s.compose.text, found.node, found.value);
    if (start === undefined) {
      out.block(`${label}: cannot rewrite its environment value ${JSON.stringify(found.value)} in place`);
      continue;
    }
    out.note(Number(port));
    if (!out.listenedThroughEnvironment.includes(Number(port))) out.listenedThroughEnvironment.push(Number(port));
    out.edit(s.compose.path, start + found.offset, start + found.value.length, String(to));
    const value = typeof found.node.value === 'number' ? to : found.value.slice(0, found.offset) + String(to);
    out.intent.push({ file: s.compose.path, doc: s.node.docIndex, path: servicePath(s, ...found.at), op: 'set', value });
  }
}

/**
 * `listen ${NAME}` whose value service `s` reads from an env file (`NAME=80` on `from.line`): rewritten there
 * when the file is the repository's (the model holds it) and every service reading it sits in a compose file
 * of the services that run the image, so no other stack's container changes with it. Else blocked, with the
 * change to make by hand.
 */
function moveInEnvFile(
  project: Project,
  services: ServiceLink[],
  s: ServiceLink,
  name: string,
  where: string,
  value: string,
  from: { file: string; line: number; written: string },
  out: Collector,
): void {
  const label = `service ${s.name} (${s.compose.rel})`;
  const at = `${from.written} line ${from.line}`;
  if (!/^\d+$/.test(value)) return out.block(`${where} listens on \${${name}}, which ${label} sets to ${JSON.stringify(value)} in its env_file ${at}`);
  const port = Number(value);
  const to = out.map[port];
  if (!to) {
    if (port < 1024) out.block(`${where} listens on \${${name}}=${port} (env_file ${at}); only ${portList(out.map)} have a known unprivileged counterpart`);
    return;
  }
  const src = project.files.get(from.file);
  if (src?.kind !== 'env') return out.block(`${where} listens on \${${name}}=${port}, set in ${label}'s env_file ${at}, which is not a file of the repository: set ${name}=${to} there by hand`);
  const stacks = new Set(services.flatMap((x) => [x.compose.path, ...(x.base ? [x.base.compose.path] : [])]));
  const others = envFileReaders(project.services, from.file).filter((r) => !stacks.has(r.compose.path));
  if (others.length) {
    return out.block(
      `${where} listens on \${${name}}=${port}, set in env_file ${at}, which ${others.map((r) => `service ${r.name} (${r.compose.rel})`).join(', ')} also read${others.length === 1 ? 's' : ''}: set ${name}=${to} for ${label} by hand (in its own environment, say)`,
    );
  }
  const range = envValueRange(src.text, from.line, name);
  if (!range) return out.block(`${label}: cannot rewrite ${name} in its env_file ${at} in place`);
  out.note(port);
  if (!out.listenedThroughEnvironment.includes(port)) out.listenedThroughEnvironment.push(port);
  // Several services reading the one file ask for the same edit: make it once.
  if (!out.edits.some((e) => e.file === src.path && e.range[0] === range[0])) out.edit(src.path, range[0], range[1], String(to));
}

/** Offsets of the digits of `NAME=80` (quoted or not) on 1-based `line` of an env file's text. */
function envValueRange(text: string, line: number, name: string): [number, number] | undefined {
  let offset = 0;
  const lines = text.split('\n');
  for (let i = 0; i < line - 1; i++) offset += lines[i]!.length + 1;
  const m = new RegExp(`^(\\s*(?:export\\s+)?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=\\s*["']?)(\\d+)`).exec(lines[line - 1] ?? '');
  return m ? [offset + m[1]!.length, offset + m[1]!.length + m[2]!.length] : undefined;
}

/** URLs to the service in one service's own `environment` (list or map form). */
function moveInEnvironment(s: ServiceLink, map: YAMLMap, urls: RegExp, hosts: string[], out: Collector): void {
  const file = s.compose;
  const label = `service ${s.name} (${file.rel})`;
  const env = mapValue(map, 'environment');
  const inherited = s.node.data.environment;
  if (!env) {
    const values = Array.isArray(inherited) ? inherited : inherited && typeof inherited === 'object' ? Object.values(inherited) : [];
    if (values.some((v) => typeof v === 'string' && rewriteWith(v, urls, out.map).length)) {
      out.block(`${label} reaches ${hosts[0]} on its old port through an environment it gets by a merge key; change it where it is defined`);
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
    const edits = rewriteWith(value, urls, out.map);
    if (edits.length === 0) continue;
    const start = scalarValueStart(file.text, node, value);
    if (start === undefined) {
      out.block(`${label}: cannot rewrite its environment value ${JSON.stringify(value)} in place`);
      continue;
    }
    for (const e of edits) out.edit(file.path, start + e.start, start + e.end, e.text);
    out.intent.push({ file: file.path, doc: s.node.docIndex, path: servicePath(s, ...at), op: 'set', value: applyTextEdits(value, edits) });
  }
}
