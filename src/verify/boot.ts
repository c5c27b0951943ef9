// One boot of one project: copy the tree with this boot's texts, resolve and
// sanitize the compose project, build each service, start them, wait until
// each is running (healthy where it has a healthcheck) or has exited, let them
// settle, and read the evidence from the engine and the kernel. Then remove
// everything (containers, networks, volumes, the copy), also on failure.
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import {
  ComposeProject,
  RuntimeError,
  hostProcStatus,
  hostListeningPorts,
  parseListeningPorts,
  parseProcStatus,
  sleep,
  tailLines,
  type ContainerInfo,
  type ProcStatus,
  type Runtime,
} from '../runtime/index.js';
import { dockerfileProject, makeSandbox, sandboxEnvFiles, sanitizeComposeConfig, safeName, writeSanitized, type PlannedService } from './sandbox.js';
import { PERMISSION_ERROR, unpulledImage } from './judge.js';
import type { ServiceEvidence, WritableCheck } from './types.js';
import type { VerifyTarget } from './targets.js';
import { shellQuote } from '../text.js';


/** `docker diff` lines kept per service: enough for what a service writes at start; a list this long is cut and said so (observe.ts). */
export const CHANGED_PATHS_KEPT = 1000;
export interface BootOptions {
  /** Time limit of each phase: a build, `up`, and reaching running/healthy. */
  timeoutMs: number;
  /** How long services must stay up, unchanged, once they are ready. */
  settleMs: number;
  /** Leave the containers running and the copy in place (the caller releases them later). */
  keep: boolean;
  onStep?: (step: string) => void;
}

export interface BootResult {
  /** Evidence per service name of the target. */
  evidence: Map<string, ServiceEvidence>;
  /** Rewrites the sandbox made. */
  notes: string[];
  /** Why the project could not run at all. */
  error?: string;
  /** Image tags the builds produced, with the image id each got. */
  images: Map<string, string>;
  /** Remove what is still up (a no-op once done). */
  release: () => Promise<void>;
  /** While kept: the commands that remove it by hand. */
  keptCommand?: string;
  alive: boolean;
}

/**
 * Registered cleanups, so that a signal or an error anywhere still removes
 * every project and copy. A cleanup may run in the background (the next boot
 * starts meanwhile); runAll waits for those too.
 */
export class Cleanups {
  private readonly pending = new Set<() => Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private readonly leftovers = new Map<string, () => Promise<boolean>>();
  /** Every compose project this run may have started containers for. */
  private readonly projects = new Set<string>();

  constructor(
    private readonly sweep?: (project: string) => Promise<void>,
    /** How long the engine is given, after a signal, to finish the creates compose had sent. */
    private readonly settleMs = 2000,
  ) {}

  /** A project whose containers may exist from here on (its `up` may be cut short by a signal). */
  project(name: string): void {
    this.projects.add(name);
  }

  /**
   * A project whose `down` did not finish (interrupted, or compose failed):
   * at the end, `down` again, and if that fails too, removal by label.
   */
  leftover(project: string, down: () => Promise<boolean>): void {
    this.leftovers.set(project, down);
  }

  add(fn: () => Promise<void>): () => Promise<void> {
    let started: Promise<void> | undefined;
    const once = (): Promise<void> => {
      if (!started) {
        this.pending.delete(once);
        started = fn().catch(() => undefined);
        this.running.add(started);
        void started.then(() => this.running.delete(started!));
      }
      return started;
    };
    this.pending.add(once);
    return once;
  }

  /** Leave a cleanup to the user (--keep). */
  forget(fn: () => Promise<void>): void {
    this.pending.delete(fn);
  }

  async runAll(afterSignal = false): Promise<void> {
    for (const fn of [...this.pending]) await fn();
    await Promise.all([...this.running]);
    for (const [p, down] of [...this.leftovers]) {
      this.leftovers.delete(p);
      if (!(await down().catch(() => false))) await this.sweep?.(p).catch(() => undefined);
    }
    if (afterSignal && this.sweep && this.projects.size) {
      // A signal stops `compose up` mid-way, but a create request it had already sent is
      // finished by the engine after compose has gone, possibly after `down` listed the
      // project's containers. Give the engine a moment, then remove by label what is there.
      await sleep(this.settleMs);
      for (const p of this.projects) await this.sweep(p).catch(() => undefined);
    }
    this.projects.clear();
  }
}

const POLL_MS = 500;

/** `dh-verify-<folder>-<hash>`: the same for every run on the same files, so image tags are reused. */
export function imagePrefix(target: VerifyTarget): string {
  const hash = createHash('sha1').update(`${target.root}\0${target.id}`).digest('hex').slice(0, 8);
  return `dh-verify-${safeName(path.basename(target.root)).slice(0, 24)}-${hash}`;
}

export async function bootTarget(
  rt: Runtime,
  target: VerifyTarget,
  texts: Map<string, string>,
  phase: 'baseline' | 'hardened',
  opts: BootOptions,
  cleanups: Cleanups,
): Promise<BootResult> {
  const step = opts.onStep ?? (() => {});
  const prefix = imagePrefix(target);
  const projectName = `${prefix}-${phase === 'baseline' ? 'b' : 'h'}-${randomBytes(3).toString('hex')}`;
  const sandbox = makeSandbox(target.root, texts);
  let project: ComposeProject | undefined;
  const release = cleanups.add(async () => {
    if (project) {
      const p = project;
      const down = () => p.down().then((r) => r.code === 0, () => false);
      if (!(await down())) {
        // compose needs the project's files to take it down: the copy stays until the retry.
        cleanups.leftover(p.name, async () => {
          const ok = await down();
          sandbox.remove();
          return ok;
        });
        return;
      }
    }
    sandbox.remove();
  });
  const result: BootResult = { evidence: new Map(), notes: [], images: new Map(), release, alive: true };
  const fail = (error: string) => {
    result.error = error;
    for (const s of target.services) result.evidence.set(s.name, notStarted(error));
  };
  try {
    let configText: string;
    if (target.kind === 'compose') {
      step('resolving the compose project');
      const files = target.files.map((f) => sandbox.map(f));
      // The env files the repository's commands give replace .env in interpolation; the resolved config carries their values on.
      const envFiles = sandboxEnvFiles(sandbox, target.root, target.envFiles, rt.compose.major);
      const config = await new ComposeProject(rt.compose, rt.env, projectName, files, path.dirname(files[0]!), rt.exec, target.profiles, envFiles).config();
      if (config.code !== 0) {
        fail(`compose config failed: ${tailLines(config.stderr || config.stdout, 3).join(' ')}`);
        return result;
      }
      configText = config.stdout;
    } else {
      const s = target.services[0]!;
      configText = dockerfileProject(sandbox, s.dockerfile!, s.context!, s.name, target.buildTarget);
    }
    let sanitized;
    try {
      sanitized = sanitizeComposeConfig(configText, {
        imagePrefix: prefix,
        phase,
        sandboxDir: sandbox.dir,
        socketPath: rt.socketPath,
        yamlVersion: target.kind === 'compose' && rt.compose.major === 2 ? '1.2' : '1.1',
        builds: new Map(
          target.services
            .filter((s) => s.builtFrom)
            .map((s) => [s.name, { context: sandbox.map(s.builtFrom!.context), dockerfile: path.relative(s.builtFrom!.context, s.builtFrom!.dockerfile), target: s.builtFrom!.target }]),
        ),
      });
    } catch (err) {
      fail((err as Error).message);
      return result;
    }
    result.notes = sanitized.notes;
    // Outside the copied tree: a file in a build context would change what COPY . copies.
    const file = writeSanitized(sandbox.dir, sanitized.text);
    project = new ComposeProject(rt.compose, rt.env, projectName, [file], path.dirname(file), rt.exec, target.profiles);
    cleanups.project(projectName);
    await runProject(rt, project, sanitized.services, target, opts, result, step);
    return result;
  } finally {
    if (!opts.keep || result.error || !project) {
      // In the background: the evidence is read, and removal takes the engine a while.
      void release();
      result.alive = false;
    } else {
      result.keptCommand = `${project.downCommand()} && rm -rf ${shellQuote(sandbox.dir)}`;
    }
  }
}

async function runProject(
  rt: Runtime,
  project: ComposeProject,
  planned: PlannedService[],
  target: VerifyTarget,
  opts: BootOptions,
  result: BootResult,
  step: (s: string) => void,
): Promise<void> {
  const built = new Map<string, boolean>();
  const buildLogs = new Map<string, string[]>();
  const toBuild = planned.filter((p) => p.build);
  const buildOne = async (names: string[], limit: number) => {
    const r = await project.build(names, limit);
    return { ok: r.code === 0 && !r.timedOut, log: [...tailLines(`${r.stdout}\n${r.stderr}`, 25), ...(r.timedOut ? [`(stopped after ${Math.round(limit / 1000)} s)`] : [])] };
  };
  if (toBuild.length) {
    // One build of everything (one CLI start); only when it fails, one service at a time to tell which.
    step(`building ${toBuild.map((s) => s.name).join(', ')}`);
    const all = toBuild.length > 1 ? await buildOne(toBuild.map((s) => s.name), opts.timeoutMs * toBuild.length) : undefined;
    for (const s of toBuild) {
      if (all?.ok) {
        built.set(s.name, true);
        continue;
      }
      step(`building ${s.name}`);
      const r = await buildOne([s.name], opts.timeoutMs);
      built.set(s.name, r.ok);
      if (!r.ok) buildLogs.set(s.name, r.log);
    }
    for (const s of toBuild) {
      const id = built.get(s.name) && s.image ? await rt.docker.imageId(s.image) : undefined;
      if (id) result.images.set(s.image!, id);
    }
  }

  // A service starts when it and everything it depends on could be built.
  const byName = new Map(planned.map((p) => [p.name, p]));
  const blocked = new Map<string, string>();
  const blockerOf = (name: string, seen = new Set<string>()): string | undefined => {
    if (seen.has(name)) return undefined;
    seen.add(name);
    if (built.get(name) === false) return name;
    for (const d of byName.get(name)?.dependsOn ?? []) {
      const b = blockerOf(d, seen);
      if (b) return b;
    }
    return undefined;
  };
  for (const p of planned) {
    const b = blockerOf(p.name);
    if (b) blocked.set(p.name, b === p.name ? 'its image did not build' : `it depends on ${b}, whose image did not build`);
  }
  const startable = planned.filter((p) => !blocked.has(p.name)).map((p) => p.name);
  let upError: string | undefined;
  if (startable.length) {
    step('starting');
    const up = await project.up(startable, opts.timeoutMs);
    if (up.code !== 0) {
      const tail = tailLines(up.stderr || up.stdout, 3).join(' ') || `compose up exited with ${up.code}`;
      // compose's tail names the step it was on, not what went wrong: say it first (kept whole after it).
      const image = unpulledImage([tail]);
      upError = image ? `the engine could not pull ${image} (${tail})` : tail;
    }
  }

  step('waiting for the services');
  const deadline = Date.now() + opts.timeoutMs;
  let infos = await serviceContainers(rt, project.name);
  // `up -d` has returned: it made every container it was going to make. After a failed `up`
  // (an image it could not pull, a port or name clash) a service with no container never gets
  // one, so waiting for it would only spend the whole time limit (seen: 300 s per boot on a
  // stack whose images are not present and cannot be pulled).
  const awaited = upError ? startable.filter((n) => infos.has(n)) : startable;
  while (Date.now() < deadline && awaited.some((n) => !settled(infos.get(n)))) {
    await sleep(POLL_MS);
    infos = await serviceContainers(rt, project.name);
  }
  // Running is not ready: an app whose start script waits for its database (`until nc -z db`)
  // runs from the first second. A service without a healthcheck that exposes TCP ports is
  // ready once it listens on one of them; until then its log, its writes and its permission
  // errors are not yet those of the service (seen: testdrivenio/flask-on-docker judged while
  // it printed only "Waiting for postgres..."). A port that cannot be read, or a service that
  // stops running, is not waited for; one that never listens waits out the time limit.
  const listened = new Set<string>();
  const unready = () =>
    [...infos.values()].filter((c) => c.running && c.health === undefined && c.exposedTcp.length && awaited.includes(c.service) && !listened.has(c.id));
  if (unready().length) step('waiting for the services to listen');
  while (Date.now() < deadline && unready().length) {
    for (const c of unready()) {
      const ports = await listeningPorts(rt, c);
      if (!ports || ports.some((p) => c.exposedTcp.includes(p))) listened.add(c.id);
    }
    if (!unready().length) break;
    await sleep(POLL_MS);
    infos = await serviceContainers(rt, project.name);
  }
  if ([...infos.values()].some((c) => c.running)) {
    step('settling');
    await sleep(opts.settleMs);
    infos = await serviceContainers(rt, project.name);
  }

  step('reading the evidence');
  await Promise.all(
    target.services.map(async (s) => {
      const p = byName.get(s.name);
      const info = infos.get(s.name);
      const builtState = p?.build ? (built.get(s.name) ?? null) : null;
      if (!info) {
        const why = !p ? 'compose does not start it (a profile, or it is not in the resolved project)' : blocked.get(s.name) ?? upError ?? 'no container was created';
        result.evidence.set(s.name, { ...notStarted(why), built: builtState, buildLog: buildLogs.get(s.name) ?? [] });
        return;
      }
      result.evidence.set(s.name, await evidenceOf(rt, info, builtState, buildLogs.get(s.name) ?? []));
    }),
  );
}

function settled(c: ContainerInfo | undefined): boolean {
  if (!c) return false;
  if (c.status === 'exited' || c.status === 'dead' || c.status === 'created') return true;
  if (c.status === 'restarting') return c.restartCount > 0;
  if (c.status !== 'running') return false;
  return c.health === undefined || c.health === 'healthy' || c.health === 'unhealthy';
}

/** The first container of each service of a project. */
async function serviceContainers(rt: Runtime, project: string): Promise<Map<string, ContainerInfo>> {
  const infos = await rt.docker.inspect(await rt.docker.projectContainers(project));
  const out = new Map<string, ContainerInfo>();
  for (const c of infos.filter((i) => !i.oneOff).sort((a, b) => a.number - b.number)) if (!out.has(c.service)) out.set(c.service, c);
  return out;
}

export function notStarted(reason: string): ServiceEvidence {
  return {
    built: null,
    buildLog: [],
    state: 'not-started',
    reason,
    health: null,
    healthLog: [],
    exitCode: null,
    restarts: 0,
    uid: null,
    gid: null,
    groups: [],
    caps: null,
    noNewPrivs: null,
    procSource: null,
    readOnlyRootfs: null,
    capDrop: [],
    capAdd: [],
    permissionErrors: [],
    writable: [],
    changedPaths: [],
    logTail: [],
  };
}

async function evidenceOf(rt: Runtime, c: ContainerInfo, built: boolean | null, buildLog: string[]): Promise<ServiceEvidence> {
  const proc = c.running ? await procStatus(rt, c) : undefined;
  const listening = c.running ? await listeningPorts(rt, c) : undefined;
  const [logs, writable, changed] = await Promise.all([
    rt.docker.logs(c.id),
    c.running && proc ? writableChecks(rt, c, proc) : Promise.resolve([]),
    rt.docker.diff(c.id),
  ]);
  return {
    built,
    buildLog,
    state: c.status,
    reason: c.error || (c.oomKilled ? 'killed: out of memory' : undefined),
    health: c.health ?? null,
    healthLog: c.healthLog,
    exitCode: c.status === 'exited' || c.status === 'dead' ? c.exitCode : null,
    restarts: c.restartCount,
    uid: proc?.uid ?? null,
    gid: proc?.gid ?? null,
    groups: proc?.groups ?? [],
    caps: proc?.caps ?? null,
    noNewPrivs: proc?.noNewPrivs ?? null,
    procSource: proc?.source ?? null,
    readOnlyRootfs: c.readOnlyRootfs,
    capDrop: c.capDrop,
    capAdd: c.capAdd,
    permissionErrors: logs.filter((l) => PERMISSION_ERROR.test(l)).slice(-20),
    writable,
    changedPaths: changed.slice(0, CHANGED_PATHS_KEPT),
    ...(listening ? { listening } : {}),
    logTail: logs.slice(-15),
  };
}

/** The main process's status: the host's /proc when the engine runs here, else /proc/1 inside the container. */
async function procStatus(rt: Runtime, c: ContainerInfo): Promise<ProcStatus | undefined> {
  const host = hostProcStatus(c.pid, c.id);
  if (host) return host;
  const r = await rt.docker.exec(c.id, '0', ['cat', '/proc/1/status']).catch((err) => {
    if (err instanceof RuntimeError && err.kind === 'interrupted') throw err;
    return undefined;
  });
  return r && r.code === 0 ? parseProcStatus(r.stdout, 'container') : undefined;
}

/** Its listening TCP ports: the host's /proc when the engine runs here, else /proc/1/net inside it (needs cat). */
async function listeningPorts(rt: Runtime, c: ContainerInfo): Promise<number[] | undefined> {
  const host = hostListeningPorts(c.pid, c.id);
  if (host) return host;
  const r = await rt.docker.exec(c.id, '0', ['cat', '/proc/1/net/tcp', '/proc/1/net/tcp6']).catch((err) => {
    if (err instanceof RuntimeError && err.kind === 'interrupted') throw err;
    return undefined;
  });
  return r && r.code === 0 ? parseListeningPorts(r.stdout) : undefined;
}

/** Sockets and single files mounted for reading config are not places the service writes. */
const NOT_A_DATA_PATH = /\.sock$/;

/** Can the running user create a file in each declared writable folder (volumes, binds, tmpfs)? One exec for all. */
async function writableChecks(rt: Runtime, c: ContainerInfo, proc: ProcStatus): Promise<WritableCheck[]> {
  const paths = [...new Set([...c.mounts.filter((m) => m.rw).map((m) => m.destination), ...c.tmpfs])].filter((p) => !NOT_A_DATA_PATH.test(p)).sort();
  if (!paths.length) return [];
  const script =
    'for p in "$@"; do ' +
    'if [ ! -d "$p" ]; then printf "skip\\t%s\\n" "$p"; continue; fi; ' +
    'f="$p/.dh-verify-probe-$$"; ' +
    'if err=$( (: > "$f") 2>&1 ); then rm -f "$f"; printf "ok\\t%s\\n" "$p"; else printf "fail\\t%s\\t%s\\n" "$p" "$err"; fi; ' +
    'done';
  const r = await rt.docker.exec(c.id, `${proc.uid}:${proc.gid}`, ['sh', '-c', script, 'sh', ...paths]);
  const noShell = r.stdout.trim() === '' && (r.code === 126 || r.code === 127 || /executable file not found|no such file or directory/i.test(r.stderr));
  if (noShell) return paths.map((p) => ({ path: p, ok: null, detail: 'no shell in the image to try it' }));
  const out: WritableCheck[] = [];
  for (const line of r.stdout.split('\n')) {
    const [state, p, ...err] = line.split('\t');
    if (!p || state === 'skip') continue; // a file mount (a config), not a folder it writes into
    out.push(state === 'ok' ? { path: p, ok: true } : { path: p, ok: false, detail: err.join(' ').trim() || 'cannot create a file' });
  }
  return out;
}

