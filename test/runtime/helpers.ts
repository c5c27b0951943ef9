// The runtime tier's machinery: find an engine (skip with a visible message
// when there is none, fail on CI), copy a fixture stack, run the CLI's verify
// on it, look at what it left running (--keep) from the kernel's and the
// engine's side, and remove everything afterwards: also when a test fails or
// runs out of time before its own `finally` (guardRuns).
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, expect } from 'vitest';
import { connectRuntime, hostProcStatus, interruptAll, parseProcStatus, resetInterrupt, type ContainerInfo, type ProcStatus, type Runtime } from '../../src/runtime/index.js';
import { safeName } from '../../src/verify/sandbox.js';
import type { JsonReport } from '../../src/report/json.js';
import { runCli } from '../helpers.js';
import { ensureStandins } from '../../bench/standins.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const COMPOSE_PROJECT = 'com.docker.compose.project';

export interface EngineProbe {
  runtime?: Runtime;
  /** Why the tier is skipped. */
  reason?: string;
}

let probe: Promise<EngineProbe> | undefined;

/** The engine the tier runs on (DOCKER_HOST), or why there is none. On CI its absence is an error. */
export function findEngine(): Promise<EngineProbe> {
  probe ??= connectRuntime(process.env).then(
    (runtime) => {
      // Which Compose the tier drives (the v2 plugin when it answers, else docker-compose v1):
      // CI runs the tier once with each, and a log must say which run this is.
      process.stderr.write(`runtime tier: Docker Engine ${runtime.engineVersion}, Compose ${runtime.compose.version} (${runtime.compose.argv.join(' ')})\n`);
      return { runtime };
    },
    (err: Error) => {
      if (process.env.CI) throw new Error(`CI must run the runtime tier, and no Docker Engine is usable: ${err.message}`);
      const reason = `runtime tier skipped: ${err.message}`;
      process.stderr.write(`\n*** ${reason}\n*** See DEVELOPERS.md to start an engine here.\n\n`);
      return { reason };
    },
  );
  return probe;
}

/** Build the stand-in images the tier needs (cached by content across runs). */
export async function standins(rt: Runtime): Promise<void> {
  await ensureStandins(rt.docker, undefined, (s) => process.stderr.write(`runtime tier: ${s}\n`));
}

/**
 * Stack copies of this test file not removed yet, with the verify run on each
 * while it goes on: what guardRuns stops and removes when a test ends without
 * its own `finally` having done so (it failed, or vitest's timeout abandoned it).
 */
const copies = new Map<string, { run?: Promise<unknown>; verified?: boolean }>();

/**
 * A fresh copy of a fixture stack (`root`: the folder of fixture stacks). The
 * random part leads the folder's name, so the 24 characters verify keeps of it
 * for its project and image names (imagePrefix) are this copy's alone: what
 * removeStack removes by that prefix is never another run's on a shared engine.
 */
export function copyStack(name: string, root = path.join(HERE, 'stacks')): string {
  const dir = path.join(tmpdir(), `dh-rt-${randomBytes(3).toString('hex')}-${name}`);
  mkdirSync(dir);
  cpSync(path.join(root, name), dir, { recursive: true });
  copies.set(dir, {});
  return dir;
}

/** The start of every compose project and image name verify makes for a stack copy. */
export function projectPrefix(dir: string): string {
  return `dh-verify-${safeName(path.basename(dir)).slice(0, 24)}-`;
}

export interface VerifyRun {
  code: number;
  stdout: string;
  stderr: string;
  report: JsonReport;
}

/**
 * `docker-harden verify --keep --format json` on a stack, in-process through the CLI;
 * `extra` adds flags (e.g. `--verify` without `--dry-run` for in-place runs).
 */
export async function verifyStack(dir: string, env: NodeJS.ProcessEnv = process.env, extra: string[] = ['verify']): Promise<VerifyRun> {
  const out = path.join(dir, '..', `${path.basename(dir)}.report.json`);
  // A long phase limit: under load an apt-get build of a stand-in took over 6 minutes here, and a
  // phase that runs out withholds fixes the test expects kept. A broken service exits; it does not wait it out.
  const settle = extra.includes('--verify-settle') ? [] : ['--verify-settle', '2'];
  const run = runCli([...extra, '--keep', ...settle, '--verify-timeout', '900', '--format', 'json', '--output', out, '.'], dir, { env });
  const copy = copies.get(dir);
  if (copy) Object.assign(copy, { run, verified: true });
  const r = await run.finally(() => {
    if (copy) copy.run = undefined;
  });
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  } catch {
    throw new Error(`verify wrote no report (exit ${r.code}):\n${r.stderr}`);
  }
  rmSync(out, { force: true });
  return { ...r, report };
}

/** Containers verify left running (--keep) for a stack copy: the hardened project's, by service. */
export async function keptContainers(rt: Runtime, dir: string, phase: 'b' | 'h' = 'h'): Promise<Map<string, ContainerInfo>> {
  const prefix = projectPrefix(dir);
  const ps = await rt.docker.run(['ps', '-a', '-q', '--no-trunc', '--filter', `label=${COMPOSE_PROJECT}`]);
  const infos = await rt.docker.inspect(ps.stdout.split('\n').filter(Boolean));
  const mine = infos.filter((c) => c.project.startsWith(prefix) && new RegExp(`-${phase}-[0-9a-f]{6}$`).test(c.project));
  return new Map(mine.map((c) => [c.service, c]));
}

/** The kernel's view of a container's main process: /proc/<host pid>/status, else /proc/1 inside it. */
export async function kernelView(rt: Runtime, c: ContainerInfo): Promise<ProcStatus> {
  const host = hostProcStatus(c.pid, c.id);
  if (host) return host;
  const r = await rt.docker.exec(c.id, '0', ['cat', '/proc/1/status']);
  const parsed = parseProcStatus(r.stdout, 'container');
  if (!parsed) throw new Error(`no /proc status for ${c.name}: ${r.stderr}`);
  return parsed;
}

/** Every service of every project verify ran is verified, nothing is withheld, and the table names them all. */
export function expectAllVerified(report: JsonReport, services: string[]): void {
  const v = report.verify!;
  expect(v, 'the report carries the verify run').toBeTruthy();
  expect(v.withheldFixes).toEqual([]);
  const seen = v.targets.flatMap((t) => t.services.map((s) => [s.name, s.status, s.baselineProblem ?? ''] as const));
  for (const name of services) expect(seen.find(([n]) => n === name), `service ${name} in the table`).toEqual([name, 'verified', '']);
  expect(report.findings.filter((f) => f.status === 'withheld')).toEqual([]);
}

/** Hardened as the kernel and the engine see it: non-root (UID), read-only root, no capabilities, no-new-privileges. */
export async function expectHardened(rt: Runtime, c: ContainerInfo, uid: number, extra: { capAdd?: string[] } = {}): Promise<void> {
  expect(c.running, `${c.service} is running`).toBe(true);
  const proc = await kernelView(rt, c);
  expect(proc.uid, `${c.service} main process UID`).toBe(uid);
  expect(proc.caps, `${c.service} effective capabilities`).toEqual([]);
  expect(proc.noNewPrivs, `${c.service} NoNewPrivs`).toBe(true);
  expect(c.readOnlyRootfs, `${c.service} HostConfig.ReadonlyRootfs`).toBe(true);
  expect(c.capDrop).toEqual(['ALL']);
  expect([...c.capAdd].sort()).toEqual(extra.capAdd ?? []);
  if (c.health !== undefined) expect(c.health, `${c.service} health`).toBe('healthy');
}

/** Run a command in a container (as its own user) and return stdout; throws on failure. */
export async function inContainer(rt: Runtime, c: ContainerInfo, argv: string[], user?: string): Promise<string> {
  const r = await rt.docker.run(['exec', ...(user ? ['-u', user] : []), c.id, ...argv], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${c.service} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * What verify made for this stack copy that is still on the engine, by the
 * compose project label: the projects with a container, network or volume, and
 * the copies of the tree their containers run from (verify's sandbox folders).
 */
export async function verifyLeftovers(rt: Runtime, dir: string): Promise<{ projects: string[]; workingDirs: string[] }> {
  const prefix = projectPrefix(dir);
  const labelled = async (kind: string[], format: string) => {
    const r = await rt.docker.must([...kind, '--filter', `label=${COMPOSE_PROJECT}`, '--format', format]);
    return r.split('\n').filter((l) => l.startsWith(prefix));
  };
  const [containers, networks, volumes] = await Promise.all([
    labelled(['ps', '-a'], `{{.Label "${COMPOSE_PROJECT}"}}\t{{.Label "${COMPOSE_PROJECT}.working_dir"}}`),
    labelled(['network', 'ls'], `{{.Label "${COMPOSE_PROJECT}"}}`),
    labelled(['volume', 'ls'], `{{.Label "${COMPOSE_PROJECT}"}}`),
  ]);
  const workingDirs = containers.map((l) => l.split('\t')[1] ?? '').filter((wd) => path.dirname(wd) === tmpdir() && path.basename(wd).startsWith('dh-verify-'));
  return { projects: [...new Set([...containers.map((l) => l.split('\t')[0]!), ...networks, ...volumes])], workingDirs: [...new Set(workingDirs)] };
}

/**
 * Remove everything verify made for this stack copy, by the compose project
 * label and image names that carry the copy's prefix: the projects it kept
 * (--keep) or left behind, their copies of the tree (the project's working_dir),
 * the images it built, and the stack copy itself. Containers are removed with
 * `rm -f` (not the printed `down`, whose 10 s stop timeout each kept project
 * would wait out for a main process that ignores SIGTERM), all projects at once.
 */
export async function removeStack(rt: Runtime, dir: string): Promise<void> {
  const prefix = projectPrefix(dir);
  const { projects, workingDirs } = await verifyLeftovers(rt, dir);
  await Promise.all([...projects].map((p) => rt.docker.removeProject(p)));
  // A kept project's copy of the tree (verify's sandbox, a temporary folder of its own).
  for (const wd of workingDirs) rmSync(wd, { recursive: true, force: true });
  // By tag, never `rmi -f <id>`: stacks with the same service (the shared `status` image) build the same
  // image id, and a forced removal by id untagged another test's image while its verify ran (its `up` then
  // found "Service 'status' needs to be built"). A tag removed last removes its image.
  const images = await rt.docker.run(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${prefix}*`]);
  const tags = [...new Set(images.stdout.split('\n').filter((t) => t && !t.endsWith(':<none>')))];
  if (tags.length) await rt.docker.run(['rmi', ...tags]);
  rmSync(dir, { recursive: true, force: true });
  copies.delete(dir);
}

/**
 * Call once at the top of a runtime test file. After each test, whatever it
 * left of its stack copies is removed: a test whose own `finally` did not run
 * (vitest's timeout abandons the test function; verify goes on in this worker)
 * first has verify stopped (every docker and compose command it runs is killed,
 * and its later commands fail; its own cleanup then takes down the boots it did
 * not keep), then everything of the copy is removed by label and name. After
 * the file, the same for anything still there.
 */
export function guardRuns(rt: Runtime | undefined): void {
  if (!rt) return;
  const removeLeftovers = async () => {
    for (const [dir, { run, verified }] of [...copies]) {
      if (run) {
        interruptAll();
        await Promise.race([run.catch(() => undefined), new Promise((r) => setTimeout(r, 120_000).unref())]);
      }
      // Commands run again (verify's own cleanup does this too, once it gets there).
      resetInterrupt();
      if (verified) await removeStack(rt, dir);
      else {
        rmSync(dir, { recursive: true, force: true });
        copies.delete(dir);
      }
    }
  };
  afterEach(removeLeftovers, 10 * 60_000);
  afterAll(removeLeftovers, 10 * 60_000);
}

/**
 * A unix socket owned by root:`gid`, mode 0660, that forwards to the engine's
 * socket: the "host's docker socket" of a test, with a group of its own,
 * without changing the team's real socket.
 */
export async function socketProxy(engineSocket: string, gid: number): Promise<{ path: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-rt-sock-'));
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'docker.sock');
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(engineSocket);
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve, reject) => server.listen(file, resolve).once('error', reject));
  chownSync(file, 0, gid);
  chmodSync(file, 0o660);
  return {
    path: file,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}

/** The engine's unix socket on this host (DOCKER_HOST unix://..., else the default). */
export function engineSocket(): string | undefined {
  const host = process.env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

export type { Runtime, ContainerInfo };
