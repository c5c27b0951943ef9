// Reading an image on the engine without running it: `docker image inspect`
// for its config, then `docker create` (nothing starts: the entrypoint is
// replaced, the network is none) and `docker cp -L` of single files out of
// that stopped container, which works in images with no shell and no `cat`.
// The container is always removed; user containers are never touched.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Docker } from '../runtime/index.js';
import { PROBED_PATHS, startProgramCandidates, type ImageConfig, type ImageReading } from './facts.js';

/** Label on the stopped containers inspection makes (so a leftover is recognisable as ours). */
export const INSPECT_LABEL = 'docker-harden.inspect';

/** The image's id, registry digest and config, or why it cannot be had. */
export type Presence = { id: string; digest: string; config: ImageConfig } | { problem: string };

async function imageInspect(docker: Docker, ref: string): Promise<Presence | undefined> {
  const r = await docker.run(['image', 'inspect', ref], { timeoutMs: 30_000 });
  if (r.code !== 0) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(r.stdout)?.[0];
  } catch {
    return { problem: `docker image inspect gave no JSON: ${r.stderr.trim()}` };
  }
  const img = raw as { Id?: string; RepoDigests?: string[]; Config?: Partial<ImageConfig> | null };
  if (!img?.Id) return { problem: 'docker image inspect gave no image id' };
  const c = img.Config ?? {};
  const repoDigest = (img.RepoDigests ?? []).map((d) => d.slice(d.indexOf('@') + 1)).find((d) => d.startsWith('sha256:'));
  return {
    id: img.Id,
    digest: repoDigest ?? img.Id,
    config: {
      User: c.User ?? '',
      Entrypoint: c.Entrypoint ?? null,
      Cmd: c.Cmd ?? null,
      ExposedPorts: c.ExposedPorts ?? null,
      Volumes: c.Volumes ?? null,
      Env: c.Env ?? null,
      WorkingDir: c.WorkingDir ?? '',
    },
  };
}

/**
 * The image's id and config. A missing image is pulled only with `pull`; a
 * failed pull or a missing image is a problem, said as such (no guess follows).
 */
export async function imagePresence(docker: Docker, ref: string, pull: boolean): Promise<Presence> {
  const local = await imageInspect(docker, ref);
  if (local) return local;
  if (!pull) return { problem: `${ref} is not present on the engine and --pull is off: not inspected (docker pull it, or run with --pull)` };
  const p = await docker.run(['pull', ref], { timeoutMs: 10 * 60_000 });
  if (p.code !== 0) {
    const why = (p.stderr || p.stdout).trim().split('\n').filter(Boolean).pop() ?? (p.timedOut ? 'no answer within 10 minutes' : `exit code ${p.code}`);
    return { problem: `pulling ${ref} failed: ${why}` };
  }
  return (await imageInspect(docker, ref)) ?? { problem: `${ref} was pulled but docker image inspect does not find it` };
}

/** Copy one file out of a stopped container (symlinks followed); undefined when the path does not exist. */
async function copyOut(docker: Docker, container: string, file: string, dir: string, n: number): Promise<Buffer | undefined> {
  const dest = path.join(dir, String(n));
  const r = await docker.run(['cp', '-L', `${container}:${file}`, dest], { timeoutMs: 60_000 });
  if (r.code !== 0) return undefined;
  try {
    return readFileSync(dest);
  } catch {
    return undefined; // a directory, not a file
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

/** Run at most `width` of the tasks at a time. */
async function pool<T, R>(items: T[], width: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!, i);
      }
    }),
  );
  return out;
}

const text = (b: Buffer | undefined) => (b === undefined ? undefined : b.toString('utf8'));

/** Read the files inspection needs out of the image (present on the engine); the container made for it carries INSPECT_LABEL=`runId`. */
export async function readImageFiles(docker: Docker, ref: string, presence: { id: string; digest: string; config: ImageConfig }, runId: string): Promise<ImageReading> {
  const name = `dh-inspect-${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-inspect-'));
  let created = false;
  try {
    // An entrypoint that does not exist: `create` never runs it, and an image with no command can be created too.
    const c = await docker.run(['create', '--name', name, '--label', `${INSPECT_LABEL}=${runId}`, '--network', 'none', '--entrypoint', '/docker-harden-never-runs', presence.id], {
      timeoutMs: 60_000,
      finishOnInterrupt: true,
    });
    if (c.code !== 0) throw new Error(`docker create ${ref} failed: ${(c.stderr || c.stdout).trim().split('\n').pop()}`);
    created = true;
    let n = 0;
    const [osRelease, passwd, group] = await pool(['/etc/os-release', '/etc/passwd', '/etc/group'], 3, (f) => copyOut(docker, name, f, dir, n++));
    const present = (await pool(PROBED_PATHS, 12, async (p) => ((await copyOut(docker, name, p, dir, n++)) !== undefined ? p : undefined))).filter(
      (p): p is string => p !== undefined,
    );
    let startScript: ImageReading['startScript'];
    for (const candidate of startProgramCandidates(presence.config)) {
      const body = await copyOut(docker, name, candidate, dir, n++);
      if (body === undefined) continue;
      // Only a script is read; a binary (or a huge file) says nothing we can read.
      if (body.length < 512 * 1024 && body.subarray(0, 2).toString('latin1') === '#!' && !body.includes(0)) startScript = { path: candidate, text: body.toString('utf8') };
      break;
    }
    return {
      id: presence.id,
      digest: presence.digest,
      config: presence.config,
      osRelease: text(osRelease),
      passwd: text(passwd),
      group: text(group),
      present,
      ...(startScript ? { startScript } : {}),
    };
  } finally {
    if (created) await docker.run(['rm', '-f', '-v', name], { timeoutMs: 60_000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
