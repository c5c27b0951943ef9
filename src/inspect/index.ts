// Image inspection (`--inspect-images`): for every image the knowledge table
// cannot answer — a compose `image:`, or a Dockerfile `FROM` after its ARGs
// are resolved — read its config and a few files on the engine and turn them
// into facts of a table row's shape, with the image and its digest as source.
// The driver hands those facts to the engine run (withDiscoveredFacts), so
// transforms, which never call Docker, use them exactly like table rows.
import type { Project } from '../model.js';
import { resolveStageBase } from '../dockerfile-info.js';
import { imageKey, lookupImage, type ImageFacts } from '../knowledge/images.js';
import { parseImageRef } from '../parse/image-ref.js';
import { randomBytes } from 'node:crypto';
import { Docker, withInterrupts, type Executor } from '../runtime/index.js';
import { factsFromReading, type InspectedDetails, type ImageReading } from './facts.js';
import { INSPECT_LABEL, imagePresence, readImageFiles } from './read.js';
import { cacheDir, readCached, writeCached } from './cache.js';
import type { Observation } from '../verify/observe.js';

export { factsFromReading, parseAccounts, distroOf, type ImageReading, type InspectedDetails } from './facts.js';
export { cacheDir } from './cache.js';

export interface InspectOptions {
  /** Pull images that are not present (else they are reported, not inspected). */
  pull: boolean;
  /** Bypass the on-disk cache (read again, and write the fresh result). */
  noCache: boolean;
  env?: NodeJS.ProcessEnv;
  exec?: Executor;
  /** Where the cache lives (default: cacheDir(env)). */
  cacheDir?: string;
}

/** One image inspection was asked about, and what came of it. */
export interface InspectedImage {
  /** As written (ARGs resolved). */
  ref: string;
  /** Where it is used: `compose.yml#web`, `Dockerfile:1`. */
  usedBy: string[];
  /** Set when it was inspected: its facts (source: `inspected: ref@digest`) and the rest of what was read. */
  facts?: ImageFacts;
  details?: InspectedDetails;
  digest?: string;
  /** The cache answered. */
  cached?: boolean;
  /** Why it was not inspected (not present, pull failed, engine error). Nothing is guessed for it. */
  problem?: string;
  ms: number;
}

export interface InspectReport {
  images: InspectedImage[];
  /** The facts by imageKey, for withDiscoveredFacts. */
  facts: Map<string, ImageFacts>;
  /** A problem that stopped inspection as a whole (no engine). */
  problem?: string;
  /** What verify's baseline run showed the inspected images writing (src/verify/observe.ts). */
  observations?: Observation[];
}

/** Images the knowledge table cannot answer and this repository does not build, with where each is used. */
export function unknownImages(project: Project): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (ref: string, where: string) => {
    if (ref.includes('$') || ref === 'scratch') return;
    const parsed = parseImageRef(ref);
    if (!parsed.name || lookupImage(parsed) || project.parents(ref)) return;
    const list = out.get(ref) ?? [];
    if (!list.includes(where)) list.push(where);
    out.set(ref, list);
  };
  for (const df of project.dockerfiles) {
    const args = project.servicesByDockerfile.get(df.path)?.[0]?.build?.args ?? {};
    for (const stage of df.parsed.stages) {
      const base = resolveStageBase(df.parsed, stage, args, project.parents);
      // Only the stage that names the external image: later stages built on it share the answer.
      if (base.image && !base.facts && !base.builtFrom && base.chain[0] === stage) add(base.image, `${df.rel}:${stage.from.line + 1}`);
    }
  }
  for (const s of project.services) {
    if (s.build || s.effective.build !== undefined || s.builtImage || typeof s.effective.image !== 'string') continue;
    add(s.effective.image, `${s.compose.rel}#${s.name}`);
  }
  return out;
}

/** Inspect one image: from the cache by id, else on the engine; a problem rather than a guess. */
async function inspectOne(docker: Docker, ref: string, usedBy: string[], opts: InspectOptions, dir: string, runId: string): Promise<InspectedImage> {
  const started = Date.now();
  const done = (x: Omit<InspectedImage, 'ref' | 'usedBy' | 'ms'>): InspectedImage => ({ ref, usedBy, ...x, ms: Date.now() - started });
  try {
    const presence = await imagePresence(docker, ref, opts.pull);
    if ('problem' in presence) return done({ problem: presence.problem });
    let reading: ImageReading | undefined = opts.noCache ? undefined : readCached(dir, presence.id);
    const cached = reading !== undefined;
    if (!reading) {
      reading = await readImageFiles(docker, ref, presence, runId);
      writeCached(dir, reading);
    }
    const { facts, details } = factsFromReading(reading, ref);
    return done({ facts, details, digest: reading.digest, cached });
  } catch (err) {
    return done({ problem: `inspecting ${ref} failed: ${(err as Error).message}` });
  }
}

/**
 * Inspect every image the table cannot answer. An engine that cannot be
 * reached is the report's problem; only Ctrl-C or SIGTERM throws (a RuntimeError
 * of kind `interrupted`, after the containers made are removed).
 */
export async function inspectImages(project: Project, opts: InspectOptions): Promise<InspectReport> {
  const wanted = unknownImages(project);
  const report: InspectReport = { images: [], facts: new Map() };
  if (wanted.size === 0) return report;
  let docker: Docker;
  try {
    docker = new Docker('docker', opts.env ?? process.env, opts.exec);
    await docker.serverVersion();
  } catch (err) {
    report.problem = `image inspection needs a Docker Engine: ${(err as Error).message}`;
    for (const [ref, usedBy] of wanted) report.images.push({ ref, usedBy, problem: 'not inspected: no Docker Engine', ms: 0 });
    return report;
  }
  const dir = opts.cacheDir ?? cacheDir(opts.env ?? process.env);
  const entries = [...wanted];
  const results: InspectedImage[] = new Array(entries.length);
  let next = 0;
  // Each container made here carries this run's label: after Ctrl-C (a `create`
  // stopped half-way, a `rm` never run) they are found and removed by it.
  const runId = randomBytes(6).toString('hex');
  await withInterrupts(
    'image inspection',
    () =>
      Promise.all(
        Array.from({ length: Math.min(3, entries.length) }, async () => {
          while (next < entries.length) {
            const i = next++;
            const [ref, usedBy] = entries[i]!;
            results[i] = await inspectOne(docker, ref, usedBy, opts, dir, runId);
          }
        }),
      ),
    () => docker.removeLabelled(`${INSPECT_LABEL}=${runId}`).catch(() => undefined),
  );
  report.images = results;
  for (const img of results) if (img.facts) report.facts.set(imageKey(parseImageRef(img.ref)), img.facts);
  return report;
}

/** One line per image inspection could not read (what was not inspected, and why), for stderr. */
export function inspectionNotes(result: { inspection?: InspectReport }): string[] {
  const r = result.inspection;
  if (!r) return [];
  const out: string[] = [];
  if (r.problem) out.push(r.problem);
  for (const img of r.images) if (img.problem && !r.problem) out.push(`${img.problem} (used by ${img.usedBy.join(', ')}); its fixes stay as for an unknown image`);
  return out;
}
