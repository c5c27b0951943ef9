// discover -> model -> transforms -> engine -> write / report. Returns data;
// printing and exit codes are the CLI's business.
import path from 'node:path';
import { discover, skipReason } from './discover.js';
import { YOUNG_HOLD_CHECK_EVERY, boundHeapGrowth, collectIfBounded, heapGrowthBounded, holdYoungGrowth, releaseYoungHold } from './heap.js';
import { restoreTierUp } from './tier-up.js';
import { loadProject, relPath, type Project } from './model.js';
import { fixKey, runEngine, runEngineOn, type EngineResult, type EngineOptions, type ProjectHandle } from './engine.js';
import { writeAtomic } from './write.js';
import { FileProblem, newPathKinds, withPathKindsKept, type FileError, type PathKinds } from './read.js';
import { clearParseMemos, clearRunMemos } from './pass-memo.js';
import type { Transform } from './transform.js';
import type { Finding, HardenOptions } from './types.js';
import type { FileChange } from './report/diff.js';
import { inlineSuppressions, unknownDirectiveIds } from './suppress.js';
import { TRANSFORMS } from '../transforms/index.js';
import { WITHHELD_REASON, type VerifyReport } from './verify/types.js';
import type { InspectReport } from './inspect/index.js';
import { withDiscoveredFacts } from './knowledge/images.js';
import { observeBaselines, observeBuiltImages, observeListening, type BuiltObservation } from './verify/observe.js';
import type { VerifyInput, VerifyOutcome } from './verify/verify.js';
import type { ImageRole } from './roles.js';

export interface RunOptions {
  paths: string[];
  cwd: string;
  dryRun: boolean;
  exclude: string[];
  transforms: Transform[];
  options: HardenOptions;
  /** Default: inline `# docker-harden-ignore` comments (src/suppress.ts). */
  suppress?: (finding: Finding, project: Project) => { reason: string } | undefined;
  /** Per-file transform enablement (configuration overrides). */
  isEnabled?: (transformId: string, file: string) => boolean;
  /** Exclusions beyond `exclude` (configuration files). */
  excludeFile?: (file: string) => boolean;
  /** Roles of Dockerfiles hardened per file (configuration `roles`); default: runtime. */
  hardenedRoles?: (file: string) => readonly ImageRole[];
  /** Called as work advances, for a progress display. */
  onProgress?: (p: Progress) => void;
  /**
   * Boot the project before and after on a Docker Engine and hold back the
   * fixes that break it (src/verify). Runs before anything is written: only
   * what it returns is written. Throws RuntimeError when it cannot run.
   */
  verify?: (input: VerifyInput) => Promise<VerifyOutcome>;
  /**
   * Inspect the images the knowledge table cannot answer (src/inspect), once,
   * before the engine runs; their facts then answer like table rows.
   */
  inspect?: (project: Project) => Promise<InspectReport>;
  /**
   * Under verify: learn from the baseline run what services write (and, for
   * inspected images, listen on) before hardening (src/verify/observe.ts).
   * Default on; `--no-observe` turns it off.
   */
  observe?: boolean;
  /**
   * Bound V8's heap growth (src/heap.ts) when discovery finds at least this
   * many files. A process-wide setting: the CLI asks for it, a library caller
   * decides for its own process.
   */
  boundHeapFrom?: number;
  /**
   * From this many discovered files, a bounded run also keeps its young
   * generation at its size (src/heap.ts BOUND_YOUNG_FROM_FILES). Default: never.
   */
  boundYoungFrom?: number;
}

export interface Progress {
  phase: 'discovering' | 'loading' | 'hardening' | 'writing';
  done: number;
  total: number;
}

export interface FileStatus {
  file: string;
  rel: string;
  status: 'changed' | 'unchanged' | 'skipped' | 'failed';
  /** Why a skipped file was skipped, when it was read first (template content), and the line that shows it. */
  skipped?: { line?: number; reason: string };
}

export interface RunResult {
  engine: EngineResult;
  changes: FileChange[];
  files: FileStatus[];
  /** Every file problem: discovery, reading, parsing, verification, writing. */
  errors: (FileError & { rel: string })[];
  written: string[];
  dryRun: boolean;
  /** The evidence of --verify, when it ran. */
  verify?: VerifyReport;
  /** What --inspect-images read, when it ran: each image, its facts and source, or why it was not inspected. */
  inspection?: InspectReport;
  /** What verify's baseline run saw images built here write at start, per Dockerfile stage (when it observed). */
  observedBuilds?: BuiltObservation[];
}

/**
 * Where an engine phase's data has just become garbage (EngineOptions.atPhaseEnd): a large run (its heap growth
 * bounded, src/heap.ts) drops the answers ParseMemos kept for the parses it still holds and collects fully, so that
 * V8 sets the heap's next limit from the live model alone. A smaller run keeps the answers for the next pass.
 */
function endPhase(): void {
  if (!heapGrowthBounded()) return;
  clearParseMemos();
  collectIfBounded();
}

export async function run(opts: RunOptions): Promise<RunResult> {
  const progress = opts.onProgress ?? (() => {});
  progress({ phase: 'discovering', done: 0, total: 0 });
  // What the walk lists, loading and (without verify) the engine's passes ask again: nothing writes to the repository
  // before the engine is done. Verify's runs start afresh (src/read.ts withPathKindsKept).
  const kinds = newPathKinds();
  // A large run: bound the heap's growth (src/heap.ts) and let TurboFan optimise at V8's default pace (src/tier-up.ts).
  // Set as the walk reaches each size, not at its end: the listings it keeps (kinds) survive its scavenges, and
  // by the end of 8,000 synthetic files the young generation had doubled to 32 MB before the bound could hold it.
  let bound: 'none' | 'heap' | 'young' = 'none';
  // Until the walk reaches boundYoungFrom, a bounded run's young generation is held at a size it would soon pass
  // (src/heap.ts holdYoungGrowth), and let grow again if the walk ends short of it.
  const holdYoung = opts.boundYoungFrom !== undefined;
  const boundAt = (count: number) => {
    if (bound === 'young' || opts.boundHeapFrom === undefined || count < opts.boundHeapFrom) return;
    const young = opts.boundYoungFrom !== undefined && count >= opts.boundYoungFrom;
    if (bound === 'heap' && !young) {
      if (holdYoung && count % YOUNG_HOLD_CHECK_EVERY === 0) holdYoungGrowth();
      return;
    }
    boundHeapGrowth({ young });
    restoreTierUp();
    bound = young ? 'young' : 'heap';
    if (!young && holdYoung) holdYoungGrowth();
  };
  const found = await discover(opts.paths, opts.cwd, { exclude: opts.exclude, excludeFile: opts.excludeFile, pathKinds: kinds, onFound: boundAt });
  releaseYoungHold(); // only a hold: a young generation bounded at boundYoungFrom stays so
  // Loaded in a helper that returns a handle: an awaited model held here would
  // stay alive through every engine pass.
  const { handle, fileCount, directives } = await load(found, opts, progress, kinds);
  progress({ phase: 'hardening', done: 0, total: fileCount });
  const suppress = opts.suppress ?? inlineSuppressions();
  // Facts found on the engine answer for images the table does not know, in every run of the engine.
  const inspection = opts.inspect ? await opts.inspect(handle.project!) : undefined;
  let discovered = inspection?.facts;
  // Fixes held back by verify are suppressed for the engine (a re-run, since later passes build on earlier fixes).
  const engineOptions = (withheld: ReadonlySet<string>): EngineOptions => ({
    transforms: opts.transforms,
    options: opts.options,
    suppress: (f, p) => suppress(f, p) ?? (withheld.size && withheld.has(fixKey(f)) ? { reason: WITHHELD_REASON } : undefined),
    isEnabled: opts.isEnabled,
    keepIntent: opts.verify !== undefined,
    atPhaseEnd: endPhase,
  });
  let engine: EngineResult;
  let verify: VerifyReport | undefined;
  let observedBuilds: BuiltObservation[] | undefined;
  if (opts.verify) {
    // Verify hardens the same model again with fixes held back, so it keeps the model alive.
    const project = handle.project!;
    const harden = (withheld: ReadonlySet<string>) => withDiscoveredFacts(discovered, () => withPathKindsKept(() => runEngine(project, engineOptions(withheld))));
    // What the baseline boots show inspected images writing becomes their write paths (a new map: memos compare it).
    // Only when a service runs an inspected image: otherwise the hardened boots need not wait for the baselines.
    // What images built here write becomes start writes of theirs (project.layout.observedWrites), read through imageStart.
    const observe =
      opts.observe !== false
        ? (baselines: Parameters<NonNullable<VerifyInput['observe']>>[0]) => {
            let changed = false;
            if (inspection?.images.some((i) => i.facts && i.usedBy.some((u) => u.includes('#')))) {
              const next = new Map(discovered);
              inspection.observations = observeBaselines(project, next, baselines);
              changed = inspection.observations.some((o) => !o.unknown);
              if (changed) discovered = next;
            }
            const built = observeBuiltImages(project, baselines);
            observedBuilds = built.observations;
            for (const [key, writes] of built.writes) project.layout.observedWrites.set(key, writes);
            const listening = observeListening(project, baselines);
            for (const [key, seen] of listening) project.layout.observedListening.set(key, seen);
            return changed || built.writes.size > 0 || listening.size > 0;
          }
        : undefined;
    const outcome = await opts.verify({ project, harden, ...(observe ? { observe } : {}) });
    engine = outcome.engine;
    verify = outcome.report;
  } else {
    engine = withDiscoveredFacts(discovered, () => withPathKindsKept(() => runEngineOn(handle, engineOptions(new Set())), kinds));
  }
  // What the passes shared (start script readings) is not needed by the report.
  clearRunMemos();

  // The model's errors are the loading errors (each pass's model shares the list).
  const errors: FileError[] = [...found.errors, ...engine.project.errors, ...engine.errors, ...directives];
  const written: string[] = [];
  const writeFailed = new Set<string>();
  if (!opts.dryRun) {
    for (const [file, text] of engine.changed) {
      progress({ phase: 'writing', done: written.length + writeFailed.size, total: engine.changed.size });
      try {
        await writeAtomic(file, engine.original.get(file)!, text);
        written.push(file);
      } catch (err) {
        writeFailed.add(file);
        errors.push(err instanceof FileProblem ? err.toFileError() : { file, message: String(err) });
      }
    }
  }

  const changes: FileChange[] = [...engine.changed].map(([file, after]) => ({
    rel: relPath(opts.cwd, file),
    before: engine.original.get(file)!,
    after,
  }));
  const failed = new Set(errors.map((e) => e.file));
  const files: FileStatus[] = [...engine.project.files.values()].map((f) => ({
    file: f.path,
    rel: f.rel,
    status: failed.has(f.path) ? 'failed' : engine.changed.has(f.path) ? 'changed' : 'unchanged',
  }));
  for (const file of new Set(errors.map((e) => e.file))) {
    if (!engine.project.files.has(file)) files.push({ file, rel: relPath(opts.cwd, file), status: 'failed' });
  }
  // A template by its name or folder is named with the reason (the user may not know the tool skips it); a file the user excluded is not.
  for (const file of found.skipped) {
    const why = skipReason(file, found.isExcluded);
    files.push({ file, rel: relPath(opts.cwd, file), status: 'skipped', ...(why.kind === 'excluded' ? {} : { skipped: { reason: why.reason } }) });
  }
  for (const t of engine.project.layout.templates) files.push({ file: t.file, rel: relPath(opts.cwd, t.file), status: 'skipped', skipped: { line: t.line, reason: t.message } });
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return {
    engine,
    changes,
    files,
    errors: errors.map((e) => ({ ...e, rel: path.isAbsolute(e.file) ? relPath(opts.cwd, e.file) : e.file })),
    written,
    dryRun: opts.dryRun,
    ...(verify ? { verify } : {}),
    ...(inspection ? { inspection } : {}),
    ...(observedBuilds?.length ? { observedBuilds } : {}),
  };
}

async function load(
  found: Awaited<ReturnType<typeof discover>>,
  opts: RunOptions,
  progress: (p: Progress) => void,
  pathKinds: PathKinds,
): Promise<{ handle: ProjectHandle; fileCount: number; directives: FileError[] }> {
  const project = await loadProject(
    found.files,
    opts.cwd,
    found.roots,
    found.isExcluded,
    (done, total) => progress({ phase: 'loading', done, total }),
    { evidence: found.evidence, hardenedRoles: opts.hardenedRoles, pathKinds },
  );
  // Directive lines are those of the files as read, before any pass moves them.
  return { handle: { project }, fileCount: project.files.size, directives: directiveErrors(project) };
}

/** Discover and load only (for --explain): the project model and the file errors met on the way. */
export async function loadForExplain(
  opts: Pick<RunOptions, 'paths' | 'cwd' | 'exclude' | 'excludeFile' | 'hardenedRoles'>,
): Promise<{ project: Project; errors: FileError[]; skipped: SkippedByName[] }> {
  const found = await discover(opts.paths, opts.cwd, { exclude: opts.exclude, excludeFile: opts.excludeFile });
  const project = await loadProject(found.files, opts.cwd, found.roots, found.isExcluded, undefined, {
    evidence: found.evidence,
    hardenedRoles: opts.hardenedRoles,
  });
  const skipped = found.skipped.map((file) => ({ file, ...skipReason(file, found.isExcluded) }));
  return { project, errors: [...found.errors, ...project.errors], skipped };
}

/** A file discovery skipped without reading it, and why (src/discover.ts skipReason). */
export interface SkippedByName {
  file: string;
  kind: ReturnType<typeof skipReason>['kind'];
  reason: string;
}

/** Suppression comments that name no known transform (all of them count, not only those selected for this run). */
function directiveErrors(project: Project): FileError[] {
  const known = new Set(TRANSFORMS.map((t) => t.meta.id));
  const out: FileError[] = [];
  for (const src of project.files.values()) {
    for (const { line, id } of unknownDirectiveIds(src, known)) {
      out.push({ file: src.path, line, message: `docker-harden-ignore names unknown transform '${id}' (see --list-transforms)` });
    }
  }
  return out;
}
