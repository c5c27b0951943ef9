// The runtime tier's machinery: find an engine (skip with a visible message
// when there is none, fail on CI), copy a fixture stack, run the CLI's verify
// on it, look at what it left running (--keep) from the kernel's and the
// engine's side, and remove everything afterwards.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { connectRuntime, hostProcStatus, parseProcStatus, type ContainerInfo, type ProcStatus, type Runtime } from '../../src/runtime/index.js';
import { safeName } from '../../src/verify/sandbox.js';
import type { JsonReport } from '../../src/report/json.js';
import { runCli } from '../helpers.js';
import { ensureStandins } from '../../bench/standins.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const sh = promisify(execFile);

export interface EngineProbe {
  runtime?: Runtime;
  /** Why the tier is skipped. */
  reason?: string;
}

let probe: Promise<EngineProbe> | undefined;

/** The engine the tier runs on (DOCKER_HOST), or why there is none. On CI its absence is an error. */
export function findEngine(): Promise<EngineProbe> {
  probe ??= connectRuntime(process.env).then(
    (runtime) => ({ runtime }),
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

/** A fresh copy of a fixture stack. */
export function copyStack(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `dh-rt-${name}-`));
  cpSync(path.join(HERE, 'stacks', name), dir, { recursive: true });
  return dir;
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
  const r = await runCli([...extra, '--keep', ...settle, '--verify-timeout', '900', '--format', 'json', '--output', out, '.'], dir, { env });
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
  const prefix = `dh-verify-${safeName(path.basename(dir)).slice(0, 24)}-`;
  const ps = await rt.docker.run(['ps', '-a', '-q', '--no-trunc', '--filter', 'label=com.docker.compose.project']);
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

/** Run a command in a container (as its own user) and return stdout; throws on failure. */
export async function inContainer(rt: Runtime, c: ContainerInfo, argv: string[], user?: string): Promise<string> {
  const r = await rt.docker.run(['exec', ...(user ? ['-u', user] : []), c.id, ...argv], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${c.service} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Remove what verify kept (its printed commands) and the images it built for this stack copy. */
export async function removeStack(rt: Runtime, dir: string, kept: string[]): Promise<void> {
  for (const cmd of kept) await sh('sh', ['-c', cmd], { env: process.env }).catch(() => undefined);
  // Anything still labelled for a project of this copy (a failed test), then its images.
  const prefix = `dh-verify-${safeName(path.basename(dir)).slice(0, 24)}-`;
  const ps = await rt.docker.run(['ps', '-a', '--format', '{{.Label "com.docker.compose.project"}}', '--filter', 'label=com.docker.compose.project']);
  for (const project of new Set(ps.stdout.split('\n').filter((p) => p.startsWith(prefix)))) await rt.docker.removeProject(project);
  const images = await rt.docker.run(['images', '-q', '--filter', `reference=${prefix}*`]);
  const ids = [...new Set(images.stdout.split('\n').filter(Boolean))];
  if (ids.length) await rt.docker.run(['rmi', '-f', ...ids]);
  rmSync(dir, { recursive: true, force: true });
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
