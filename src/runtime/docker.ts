// The docker CLI, for what compose does not say: container state, health,
// host pid, HostConfig, logs, `docker diff`, exec as the running user, images.
//
// Why the CLI and not an Engine API client (dockerode): the CLI resolves the
// engine exactly as the user's `docker compose` does (DOCKER_HOST,
// DOCKER_CONTEXT and ~/.docker contexts, TLS variables, SSH hosts), it
// negotiates the API version with old daemons (a 28.x client drives a 20.10
// engine here), it is already required by Compose v2, and it adds no
// dependency. A client library would reimplement endpoint resolution and
// still miss contexts.
import { execCapture, logLines, RuntimeError, type ExecOptions, type ExecResult, type Executor } from './exec.js';

export interface ContainerMount {
  type: string;
  source: string;
  destination: string;
  rw: boolean;
}

/** What `docker inspect` says about one container, in the terms verify uses. */
export interface ContainerInfo {
  id: string;
  name: string;
  /** com.docker.compose.project */
  project: string;
  /** com.docker.compose.service */
  service: string;
  /** com.docker.compose.container-number (1 for the first replica). */
  number: number;
  oneOff: boolean;
  status: string;
  running: boolean;
  exitCode: number;
  /** Host pid of the main process (0 when it is not running). */
  pid: number;
  restartCount: number;
  startedAt: string;
  /** State.Error: why the engine could not start it ("unable to find user app", ...). */
  error: string;
  oomKilled: boolean;
  /** undefined when the container has no healthcheck. */
  health?: 'starting' | 'healthy' | 'unhealthy' | string;
  /** The last healthcheck outputs, for evidence. */
  healthLog: string[];
  readOnlyRootfs: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  groupAdd: string[];
  /** Config.User (the image's USER unless compose sets `user:`). */
  user: string;
  image: string;
  mounts: ContainerMount[];
  /** HostConfig.Tmpfs mount points (compose `tmpfs:`). */
  tmpfs: string[];
  /** TCP ports in Config.ExposedPorts: the image's EXPOSE, compose `expose:` and `ports:`. */
  exposedTcp: number[];
}

export class Docker {
  constructor(
    readonly bin: string,
    readonly env: NodeJS.ProcessEnv,
    private readonly exec_: Executor = execCapture,
  ) {}

  run(args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec_(this.bin, args, { env: this.env, ...opts });
  }

  /** Run and fail on a non-zero exit: for calls that must work once the engine answered. */
  async must(args: string[], opts: ExecOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) {
      throw new RuntimeError(`docker ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`, 'daemon');
    }
    return r.stdout;
  }

  /** The engine's version, or a RuntimeError saying why the engine cannot be reached. */
  async serverVersion(): Promise<string> {
    let r: ExecResult;
    try {
      r = await this.run(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'missing-docker') {
        throw new RuntimeError(
          `verify needs the docker CLI and a running Docker Engine, and '${this.bin}' is not installed. ` +
            'Install Docker Engine (Debian/Ubuntu: apt-get install docker.io; others: https://docs.docker.com/engine/install/).',
          'missing-docker',
        );
      }
      throw err;
    }
    const version = r.stdout.trim();
    if (r.code !== 0 || !version || r.timedOut) {
      const where = this.env.DOCKER_HOST ? `at DOCKER_HOST=${this.env.DOCKER_HOST}` : 'at the default socket (/var/run/docker.sock) or the current docker context';
      const why = (r.stderr || r.stdout).trim().split('\n').filter(Boolean).pop() ?? (r.timedOut ? 'no answer within 30 s' : 'no answer');
      throw new RuntimeError(
        `cannot reach a Docker Engine ${where}: ${why}. Start the engine (e.g. 'sudo systemctl start docker') or point DOCKER_HOST at it, ` +
          'and make sure this user may use its socket (the docker group).',
        'daemon',
      );
    }
    return version;
  }

  /** Ids of the containers of a compose project (one-off containers included). */
  async projectContainers(project: string): Promise<string[]> {
    const out = await this.must(['ps', '-a', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`]);
    return out.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  async inspect(ids: string[]): Promise<ContainerInfo[]> {
    if (ids.length === 0) return [];
    const r = await this.run(['inspect', '--type', 'container', ...ids]);
    // A container removed between `ps` and `inspect` (a restart policy race) is simply absent.
    let raw: unknown;
    try {
      raw = JSON.parse(r.stdout || '[]');
    } catch {
      throw new RuntimeError(`docker inspect gave no JSON: ${r.stderr.trim()}`, 'daemon');
    }
    return (Array.isArray(raw) ? raw : []).map(containerInfo);
  }

  /** The container's output, stdout and stderr together (the order between the two streams is approximate). */
  async logs(id: string, tail = 400): Promise<string[]> {
    const r = await this.run(['logs', '--tail', String(tail), id], { timeoutMs: 30_000, maxOutput: 1024 * 1024 });
    return logLines(`${r.stdout}\n${r.stderr}`);
  }

  /** Paths added (A), changed (C) or deleted (D) in the container's writable layer. */
  async diff(id: string): Promise<string[]> {
    const r = await this.run(['diff', id], { timeoutMs: 30_000 });
    return r.code === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  }

  /** Run a command in the container as `user` (`uid:gid`); never throws for a failing command. */
  exec(id: string, user: string, argv: string[], timeoutMs = 20_000): Promise<ExecResult> {
    return this.run(['exec', '-u', user, id, ...argv], { timeoutMs });
  }

  /** The id of an image, or undefined when there is no such image. */
  async imageId(ref: string): Promise<string | undefined> {
    const r = await this.run(['image', 'inspect', '--format', '{{.Id}}', ref]);
    return r.code === 0 ? r.stdout.trim() || undefined : undefined;
  }

  /**
   * Remove a compose project's containers, networks and volumes by its label,
   * without compose: the safety net when `down` was interrupted or failed.
   */
  async removeProject(project: string): Promise<void> {
    const label = `label=com.docker.compose.project=${project}`;
    const ids = (args: string[]) => this.run(args).then((r) => r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
    const containers = await ids(['ps', '-aq', '--filter', label]);
    if (containers.length) await this.run(['rm', '-f', '-v', ...containers]);
    const networks = await ids(['network', 'ls', '-q', '--filter', label]);
    if (networks.length) await this.run(['network', 'rm', ...networks]);
    const volumes = await ids(['volume', 'ls', '-q', '--filter', label]);
    if (volumes.length) await this.run(['volume', 'rm', '-f', ...volumes]);
  }

  /** Remove the containers (and their anonymous volumes) that carry `label` (`key=value`). */
  async removeLabelled(label: string): Promise<void> {
    const r = await this.run(['ps', '-aq', '--filter', `label=${label}`]);
    const containers = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    if (containers.length) await this.run(['rm', '-f', '-v', ...containers]);
  }

  /** Remove images by id that no tag names any more (images still in use stay; that is not an error here). */
  async removeUntagged(ids: string[]): Promise<void> {
    const untagged: string[] = [];
    for (const id of ids) {
      const r = await this.run(['image', 'inspect', '--format', '{{len .RepoTags}}', id]);
      if (r.code === 0 && r.stdout.trim() === '0') untagged.push(id);
    }
    if (untagged.length) await this.run(['rmi', ...untagged]);
  }
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function containerInfo(raw: unknown): ContainerInfo {
  const c = obj(raw);
  const state = obj(c.State);
  const config = obj(c.Config);
  const host = obj(c.HostConfig);
  const labels = obj(config.Labels);
  const health = state.Health ? obj(state.Health) : undefined;
  const healthLog = Array.isArray(health?.Log) ? (health!.Log as unknown[]).map((l) => str(obj(l).Output).trim()).filter(Boolean) : [];
  return {
    id: str(c.Id),
    name: str(c.Name).replace(/^\//, ''),
    project: str(labels['com.docker.compose.project']),
    service: str(labels['com.docker.compose.service']),
    number: Number(str(labels['com.docker.compose.container-number']) || '1'),
    oneOff: str(labels['com.docker.compose.oneoff']).toLowerCase() === 'true',
    status: str(state.Status),
    running: state.Running === true,
    exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : 0,
    pid: typeof state.Pid === 'number' ? state.Pid : 0,
    restartCount: typeof c.RestartCount === 'number' ? c.RestartCount : 0,
    startedAt: str(state.StartedAt),
    error: str(state.Error),
    oomKilled: state.OOMKilled === true,
    health: health ? str(health.Status) : undefined,
    healthLog: healthLog.slice(-3),
    readOnlyRootfs: host.ReadonlyRootfs === true,
    capAdd: strs(host.CapAdd),
    capDrop: strs(host.CapDrop),
    securityOpt: strs(host.SecurityOpt),
    groupAdd: strs(host.GroupAdd),
    user: str(config.User),
    image: str(config.Image),
    mounts: (Array.isArray(c.Mounts) ? c.Mounts : []).map((m) => {
      const mm = obj(m);
      return { type: str(mm.Type), source: str(mm.Source), destination: str(mm.Destination), rw: mm.RW !== false };
    }),
    tmpfs: Object.keys(obj(host.Tmpfs)),
    exposedTcp: Object.keys(obj(config.ExposedPorts))
      .map((k) => /^(\d+)\/tcp$/.exec(k))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => Number(m[1])),
  };
}
