// Stand-in base images for the runtime tier (test/runtime/standins/) and the
// verify benchmark. Docker Hub is not reachable on
// CI, so each image family the fixtures use is built locally FROM
// debian:bookworm-slim with Debian's packages, tagged with its official name
// so the knowledge table recognises it, and mimicking what matters of the
// upstream image (users and UIDs, entrypoint privilege drop, ports, VOLUMEs);
// each Dockerfile says what it copies from where.
//
// Builds are cached: an image carries a label with the hash of its folder
// (and of what it is built FROM); a tag whose label matches is not rebuilt,
// and an image of that name without the label (the real one) is left alone.
// A lock folder keeps two test files from building the same image at once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Docker } from '../src/runtime/index.js';
import type { ExecOptions, ExecResult } from '../src/runtime/exec.js';

/** The repository: this file runs from bench/ (tests) and from dist/bench/ (npm run bench:verify). */
const REPO = [path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')].find((d) => existsSync(path.join(d, 'test/runtime/standins')))!;
const LABEL = 'org.docker-harden.standin';

export interface Standin {
  /** Folder under test/runtime/standins. */
  dir: string;
  tag: string;
  /** Tags it is built FROM (built first). */
  from: string[];
}

export const STANDINS: Standin[] = [
  { dir: 'python', tag: 'python:3.12-slim', from: ['debian:bookworm-slim'] },
  { dir: 'node', tag: 'node:20-bookworm-slim', from: ['debian:bookworm-slim'] },
  { dir: 'nginx', tag: 'nginx:1.27', from: ['debian:bookworm-slim'] },
  { dir: 'nginx-unprivileged', tag: 'nginxinc/nginx-unprivileged:1.27', from: ['nginx:1.27'] },
  { dir: 'postgres', tag: 'postgres:16', from: ['debian:bookworm-slim'] },
  { dir: 'redis', tag: 'redis:7', from: ['debian:bookworm-slim'] },
  { dir: 'gosu', tag: 'tianon/gosu:1.17', from: ['debian:bookworm-slim'] },
  { dir: 'app-user-runtime', tag: 'dh-fixture/app-user-runtime:1', from: ['debian:bookworm-slim'] },
  { dir: 'linuxserver', tag: 'lscr.io/linuxserver/baseimage-debian:bookworm', from: ['debian:bookworm-slim'] },
];

function folderHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(path.relative(dir, p)).update('\0').update(readFileSync(p)).update(String(statSync(p).mode & 0o111)).update('\0');
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 16);
}

async function label(docker: Docker, tag: string): Promise<string | undefined> {
  const r = await docker.run(['image', 'inspect', '--format', `{{index .Config.Labels "${LABEL}"}}`, tag]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  const lock = path.join(tmpdir(), `dh-standin-${name.replace(/[^a-z0-9]+/gi, '-')}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds it; a lock older than 20 minutes is stale.
      if (Date.now() - started > 20 * 60_000) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await work();
  } finally {
    try {
      rmdirSync(lock);
    } catch {
      // already gone
    }
  }
}

/**
 * What apt or apk print when the package mirror, not the Dockerfile, failed: a
 * connection that timed out or was refused, a name that did not resolve, a
 * download cut short. Stand-ins install Debian packages at build time, and one
 * such failure (deb.debian.org timing out on CI) failed a whole CI run once.
 */
const MIRROR_FAILURE =
  /Could not connect to|Could not resolve|Temporary failure resolving|Connection timed out|Connection failed|Unable to connect to|Network is unreachable|Failed to fetch|Unable to fetch some archives|Hash Sum mismatch|Undetermined Error|Connection reset by peer|temporary error \(try again later\)/i;

/**
 * `docker build ARGS` for a test or benchmark image, tried up to three times
 * (30 s apart) when it fails with a mirror failure. Any other failure is the
 * Dockerfile's and is returned at once. Builds are cached by layer, so a retry
 * redoes only the step that failed.
 */
export async function buildImage(
  docker: Docker,
  args: string[],
  opts: ExecOptions = {},
  log: (s: string) => void = () => {},
  pauseMs = 30_000,
): Promise<ExecResult> {
  for (let attempt = 1; ; attempt++) {
    const r = await docker.run(['build', ...args], opts);
    if (r.code === 0 || attempt === 3 || !MIRROR_FAILURE.test(r.stdout + r.stderr)) return r;
    log(`docker build ${args.at(-1)}: the package mirror failed (attempt ${attempt} of 3); trying again in ${pauseMs / 1000} s`);
    await new Promise((done) => setTimeout(done, pauseMs));
  }
}

const building = new Map<string, Promise<void>>();

/** Build (or find cached) the stand-ins with these tags, and what they are built FROM. */
export function ensureStandins(docker: Docker, tags: string[] = STANDINS.map((s) => s.tag), log: (s: string) => void = () => {}): Promise<void> {
  return Promise.all(tags.map((t) => ensureOne(docker, t, log))).then(() => undefined);
}

function ensureOne(docker: Docker, tag: string, log: (s: string) => void): Promise<void> {
  const s = STANDINS.find((x) => x.tag === tag);
  if (!s) return Promise.resolve();
  let p = building.get(tag);
  if (!p) {
    p = (async () => {
      await Promise.all(s.from.map((f) => ensureOne(docker, f, log)));
      const deps = await Promise.all(s.from.map(async (f) => (await docker.imageId(f)) ?? f));
      const dir = path.join(REPO, 'test/runtime/standins', s.dir);
      const hash = createHash('sha256').update(folderHash(dir)).update(deps.join('\0')).digest('hex').slice(0, 16);
      await withLock(tag, async () => {
        const current = await label(docker, tag);
        if (current === hash) return;
        // An image of that name that is not a stand-in (a real upstream image on a developer's
        // machine) is used as it is, never overwritten: the fixtures expect what upstream does.
        if (current === '') {
          log(`using the existing ${tag} (not a stand-in)`);
          return;
        }
        log(`building stand-in ${tag}`);
        const r = await buildImage(docker, ['--label', `${LABEL}=${hash}`, '-t', tag, dir], { env: { ...docker.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 15 * 60_000 }, log);
        if (r.code !== 0) throw new Error(`stand-in ${tag} did not build:\n${(r.stdout + r.stderr).split('\n').slice(-30).join('\n')}`);
      });
    })();
    building.set(tag, p);
  }
  return p;
}
