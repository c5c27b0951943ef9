// The one place that applies edits (ESLint's rule-fixer model). Each pass:
// run every transform on the model, take the fixes in order, hold back any
// that overlap a fix already taken, apply them, verify every
// changed file (it must re-parse; compose data must equal what the fixes said
// they meant), rebuild the model, and go again until nothing changes.
import { createHash } from 'node:crypto';
import type { Edit, Finding, Fix, DataChange, HardenOptions, TransformMeta, WithheldEvidence } from './types.js';
import type { Transform, TransformContext } from './transform.js';
import { withTexts, parseSource, relPath, type ModelBasis, type Project, type SourceFile } from './model.js';
import { FileProblem, type FileError } from './read.js';
import type { ParsedDockerfile } from './parse/dockerfile.js';
import { lineColumn, lineStarts } from './text.js';
import { whereItBelongs, whyGenerated, type GeneratedFile } from './generated.js';
import { withPassMemos } from './pass-memo.js';

/** ESLint stops at 10; compose transforms that add keys at one spot each need a pass. */
export const MAX_PASSES = 12;

export interface ReportedFinding extends Finding {
  fixed: boolean;
  /** Pass in which the fix was applied (1-based). */
  pass?: number;
  /** `range` mapped back to the original text of the file. */
  originalRange: [number, number];
  line: number;
  column: number;
  suppressed?: { reason: string };
  /** Set by --verify: the fix broke a service on a real engine, or could not be verified; not applied. */
  withheld?: WithheldEvidence;
}

export interface EngineResult {
  project: Project;
  /** Original text of every file in the model. */
  original: Map<string, string>;
  /** Final text of each file that changed. */
  changed: Map<string, string>;
  findings: ReportedFinding[];
  errors: FileError[];
  passes: number;
  /** What each pass found, applied and held back, in pass order (the last pass applies nothing). */
  passStats: PassStats[];
}

/**
 * One pass in numbers, for the bench: why a run needs the passes it does.
 * A fix applied in a later pass was either held here (`heldOverlap`,
 * `heldIntent`: it collided with a fix taken first) or is found only once an
 * earlier pass's fixes are in the text (a compose check that reads the USER
 * that dockerfile/non-root-user adds): `appliedAfterHold` counts the first kind.
 */
export interface PassStats {
  pass: number;
  /** Fixes the pass's findings offer (not suppressed, not known broken). */
  offered: number;
  /** Fixes applied, per transform. */
  applied: Record<string, number>;
  /** Fixes held for the next pass because an edit overlaps one taken first, per transform. */
  heldOverlap: Record<string, number>;
  /** Fixes held for the next pass because their intent path collides with one taken first, per transform. */
  heldIntent: Record<string, number>;
  /** Of the fixes applied, those the previous pass offered and held back. */
  appliedAfterHold: number;
}

export interface EngineOptions {
  transforms: Transform[];
  options: HardenOptions;
  /** Marks findings as suppressed (inline comments, configuration); suppressed fixes are not applied. */
  suppress?: (finding: Finding, project: Project) => { reason: string } | undefined;
  /**
   * Per-file enablement (configuration overrides): a transform that is off for
   * a file reports nothing there, and a fix of it that would edit such a file
   * is withheld (the finding stays, for a human).
   */
  isEnabled?: (transformId: string, file: string) => boolean;
  /**
   * Keep each applied fix's intent (its compose data paths) in the reported
   * findings: verify tells by them which services a fix touches. No report
   * prints them, so by default they are dropped once the fix is applied (a
   * large run holds every applied fix until it reports).
   */
  keepIntent?: boolean;
  /**
   * Called where what a phase held has just become garbage: before a pass's
   * transforms run (the previous pass's findings and model dropped), before
   * its fixes are applied (its model's links dropped), and once the last pass
   * is done, before the report's findings are made (its transforms' garbage).
   * The CLI collects there in a large run (src/heap.ts collectIfBounded), and
   * drops the answers ParseMemos kept (src/driver.ts).
   */
  atPhaseEnd?: () => void;
}

/**
 * The edits one pass applied to one file, in order, four numbers each: the
 * old start and end, then the new start and end (in that pass's
 * coordinates). A flat list, not an object per edit: the run keeps every
 * changed file's history until it reports (issue 13).
 */
type AppliedEdits = number[];

/**
 * Hands a project to the engine without keeping it: the engine takes it out,
 * so each pass's model can be collected once the next one exists (the caller's
 * variable, or an awaited value, would otherwise keep the first model alive
 * for the whole run).
 */
export interface ProjectHandle {
  project: Project | undefined;
}

export function runEngine(initial: Project, opts: EngineOptions): EngineResult {
  return runEngineOn({ project: initial }, opts);
}

export function runEngineOn(handle: ProjectHandle, opts: EngineOptions): EngineResult {
  // Read through this variable only: a copy held in a local would keep the old model alive while verify releases it.
  let project: Project | undefined = handle.project!;
  handle.project = undefined;
  const original = new Map<string, string>();
  for (const [p, f] of project.files) original.set(p, f.text);
  const enabledIds = new Set(opts.transforms.map((t) => t.meta.id));
  const errors: FileError[] = [];
  const broken = new Set<string>();
  /** Per file, the edits applied in each pass, in the coordinates of that pass. */
  const history = new Map<string, AppliedEdits[]>();
  const fixed = new AppliedFixes(opts.keepIntent === true, stringInterner());
  const seenStates = new Set<string>();
  const passStats: PassStats[] = [];
  /** fixKey of each fix the previous pass held back (for PassStats.appliedAfterHold). */
  let heldKeys = new Set<string>();

  let texts = new Map(original);
  /** Pass 1's wording of findings that name lines (see firstPassWording). */
  const firstWording = new Map<string, Pick<Finding, 'message' | 'manual'>>();
  let lastFindings: { finding: Finding; suppressed?: { reason: string } }[] = [];
  let lastApplied = new Set<Finding>();
  let pass = 0;
  const reparse = parseOnce();

  /**
   * Take the fixes of the pass's findings that can go together, apply them and
   * make the next pass's model: 'stop' when there is nothing more to do. A
   * function of its own, so what it holds (the fixes taken, with their intents)
   * goes when it returns instead of lasting into the next pass.
   */
  const applyPass = (): 'stop' | 'next' => {
    const candidates = lastFindings.filter(
      ({ finding, suppressed }) => finding.fix && finding.fix.edits.length > 0 && !suppressed && !(broken.size > 0 && broken.has(fixKey(finding))),
    );
    const held: HeldFixes = { overlap: [], intent: [] };
    const accepted = selectNonOverlapping(candidates.map((c) => c.finding), texts, errors, broken, held);
    passStats.push({
      pass,
      offered: candidates.length,
      applied: countByTransform(accepted),
      heldOverlap: countByTransform(held.overlap),
      heldIntent: countByTransform(held.intent),
      appliedAfterHold: heldKeys.size === 0 ? 0 : accepted.filter((f) => heldKeys.has(fixKey(f))).length,
    });
    heldKeys = new Set([...held.overlap, ...held.intent].map(fixKey));
    if (accepted.length === 0) return 'stop';

    // From here on the pass needs the model's files, not its links: verifying
    // puts each changed file's new parse in place of its old one, so the old
    // model is not held whole while the next one is parsed (in a pass that
    // changes every file, that was two models at once: issue 13).
    const files = new Map(project!.files);
    const base = modelBase(project!);
    project = undefined;
    opts.atPhaseEnd?.();
    const { kept, newTexts } = applyVerified(accepted, texts, files, errors, broken, reparse);
    if (kept.length === 0) {
      project = withTexts({ ...base, files }, texts, reparse);
      return 'next'; // every fix failed verification; they are now marked broken
    }

    const state = stateDigest(newTexts.texts, original);
    if (seenStates.has(state)) {
      project = withTexts({ ...base, files }, texts, reparse);
      return 'stop'; // a cycle: two fixes undoing each other
    }
    seenStates.add(state);

    // Lists of exact length (one slot per pass so far, the edits copied): an
    // array grown by a store or a push holds room for 17 entries, and the
    // run keeps every changed file's history (issue 13).
    for (const [file, edits] of newTexts.applied) {
      const before = history.get(file);
      const list = new Array<AppliedEdits>(pass);
      if (before) for (let i = 0; i < before.length; i++) list[i] = before[i];
      list[pass - 1] = edits.slice();
      history.set(file, list);
    }
    for (const f of kept) fixed.add(f, pass);
    lastApplied = new Set(kept);
    texts = newTexts.texts;
    project = withTexts({ ...base, files }, texts, reparse);
    return 'next';
  };

  while (pass < MAX_PASSES) {
    pass++;
    // The previous pass's findings are not this pass's (each pass finds anew);
    // holding them while this pass finds its own would keep their intents too.
    lastApplied = new Set();
    lastFindings = [];
    opts.atPhaseEnd?.();
    lastFindings = withPassMemos(() => runTransforms(project!, opts, enabledIds, errors)).map((finding) => ({
      finding,
      suppressed: opts.suppress?.(finding, project!),
    }));
    if (pass === 1) for (const { finding } of lastFindings) rememberWording(firstWording, finding);
    if (applyPass() === 'stop') break;
  }

  // What the last pass's transforms left is garbage now: a large run's heap should not grow to make the report's findings.
  opts.atPhaseEnd?.();
  const changed = new Map<string, string>();
  for (const [p, t] of texts) if (original.get(p) !== t) changed.set(p, t);

  const report = (finding: Finding, isFixed: boolean, atPass: number, suppressed?: { reason: string }): ReportedFinding => {
    const passes = history.get(finding.file) ?? [];
    const start = mapBack(finding.range[0], passes, atPass - 1);
    const end = Math.max(start, mapBack(finding.range[1], passes, atPass - 1));
    const text = original.get(finding.file) ?? '';
    return {
      ...finding,
      ...(atPass > 1 ? firstPassWording(firstWording, finding, start) : undefined),
      fixed: isFixed,
      pass: isFixed ? atPass : undefined,
      originalRange: [start, end],
      ...lineColumn(text, start),
      suppressed,
    };
  };
  const unapplied = lastFindings.filter(({ finding }) => !lastApplied.has(finding));
  const generatedFiles = project.layout.generated;
  const findings: ReportedFinding[] = [
    ...fixed.map((f, atPass) => report(f, true, atPass)),
    // What the last pass found and did not apply: manual findings, suppressed ones,
    // fixes that failed verification, and (after MAX_PASSES) fixes still pending.
    ...unapplied.filter(({ finding, suppressed }) => suppressed || !heldForGenerated.has(finding)).map(({ finding, suppressed }) => report(finding, false, pass, suppressed)),
    ...generatedFileFindings(
      unapplied.filter(({ finding, suppressed }) => !suppressed && heldForGenerated.has(finding)).map(({ finding }) => ({ finding, file: heldForGenerated.get(finding)! })),
      generatedFiles,
      original,
      (p) => project!.files.get(p)?.rel ?? relPath(project!.cwd, p),
    ),
  ];
  findings.sort(compareFindings);
  return { project, original, changed, findings, errors, passes: pass, passStats };
}

function countByTransform(findings: readonly Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.transform] = (out[f.transform] ?? 0) + 1;
  return out;
}

/**
 * What withTexts links the next pass's files with, besides the files: none of
 * the model's links, which hold every file of the model.
 */
function modelBase(project: Project): Omit<ModelBasis, 'files'> {
  return { cwd: project.cwd, roots: project.roots, errors: project.errors, layout: project.layout };
}

/**
 * The fixes applied so far, kept for the report in flat lists: per fix its
 * finding without its range and fix, the pass, the range and where its edits
 * start; per edit its file, range, text and rank. A large run holds every
 * applied fix until it reports, and an object per fix, per edit and per range
 * (with the wrapper that held the pass) cost ~450 bytes a fix: 14.5 MB of the
 * ~150 MB live at 8,000 synthetic files (issue 13). `map` makes each finding
 * again, with its fix, when the report needs it.
 */
class AppliedFixes {
  /** Each fix's finding without range and fix, its strings interned (see keptFinding). */
  private readonly findings: Omit<Finding, 'range' | 'fix'>[] = [];
  private readonly passes: number[] = [];
  /** Two numbers per fix: its finding's range. */
  private readonly ranges: number[] = [];
  /** Per fix, the index of its first edit; one more entry at the end. */
  private readonly editStarts: number[] = [0];
  private readonly editFiles: string[] = [];
  /** Two numbers per edit. */
  private readonly editRanges: number[] = [];
  private readonly editTexts: string[] = [];
  /** Per edit its rank (Edit.order); undefined where it has none. */
  private readonly editOrders: (number | undefined)[] = [];
  /** Per fix its intent, when the run keeps intents (EngineOptions.keepIntent). */
  private readonly intents: (DataChange[] | undefined)[] = [];

  constructor(
    private readonly keepIntent: boolean,
    private readonly intern: (s: string) => string,
  ) {}

  add(f: Finding, pass: number): void {
    const intern = this.intern;
    this.findings.push(keptFinding(f, intern));
    this.passes.push(pass);
    this.ranges.push(f.range[0], f.range[1]);
    for (const e of f.fix!.edits) {
      this.editFiles.push(intern(e.file));
      this.editRanges.push(e.range[0], e.range[1]);
      this.editTexts.push(intern(e.text));
      this.editOrders.push(e.order);
    }
    this.editStarts.push(this.editFiles.length);
    if (this.keepIntent) this.intents.push(f.fix!.intent);
  }

  map<T>(fn: (f: Finding, pass: number) => T): T[] {
    const out = new Array<T>(this.findings.length);
    for (let i = 0; i < this.findings.length; i++) out[i] = fn(this.finding(i), this.passes[i]);
    return out;
  }

  /** The i-th applied fix's finding, as it was added. */
  private finding(i: number): Finding {
    const edits: Edit[] = [];
    for (let k = this.editStarts[i]; k < this.editStarts[i + 1]; k++) {
      const order = this.editOrders[k];
      edits.push({ file: this.editFiles[k], range: [this.editRanges[2 * k], this.editRanges[2 * k + 1]], text: this.editTexts[k], ...(order !== undefined ? { order } : {}) });
    }
    const intent = this.keepIntent ? this.intents[i] : undefined;
    return { ...this.findings[i], range: [this.ranges[2 * i], this.ranges[2 * i + 1]], fix: intent ? { edits, intent } : { edits } };
  }
}

/**
 * The finding as reports need it once its fix is applied, but for its range
 * and fix (AppliedFixes keeps those flat). Its strings are interned: a large
 * run holds every applied fix until it reports, and their messages and edit
 * texts are built in pieces (a rope of small strings each, until something
 * reads them whole), many the same (the same user, the same compose keys),
 * and their file paths repeat in every edit (issue 13).
 */
function keptFinding(f: Finding, intern: (s: string) => string): Omit<Finding, 'range' | 'fix'> {
  const { range: _range, fix: _fix, ...rest } = f;
  const kept: Omit<Finding, 'range' | 'fix'> = { ...rest, transform: intern(f.transform), file: intern(f.file), message: intern(f.message) };
  if (f.key !== undefined) kept.key = intern(f.key);
  if (f.sources) kept.sources = internList(f.sources, intern, (s) => s, (s) => intern(s));
  if (f.notes) kept.notes = internList(f.notes, intern, (n) => `${n.kind}\0${n.message}\0${n.command ?? ''}`, (n) => ({ ...n, message: intern(n.message), ...(n.command !== undefined ? { command: intern(n.command) } : {}) }));
  return kept;
}

/**
 * One list for every finding with the same items: most applied fixes of a
 * transform cite the same upstream sources and notes, each list built anew
 * (its strings ropes of the row's pieces): 8 of the 24 MB the applied fixes
 * held at 8,000 synthetic files (issue 13). Nothing writes to a finding's
 * lists once the engine has it.
 */
function internList<T>(items: readonly T[], intern: (s: string) => string, keyOf: (item: T) => string, copy: (item: T) => T): T[] {
  let key = 'list';
  for (const item of items) key += `\u0001${keyOf(item)}`;
  const known = sharedLists.get(intern);
  const hit = known?.get(key);
  if (hit) return hit as T[];
  const list = items.map(copy);
  if (known) known.set(key, list);
  else sharedLists.set(intern, new Map([[key, list]]));
  return list;
}

/** The lists internList shares, per run (the run's interner). */
const sharedLists = new WeakMap<(s: string) => string, Map<string, unknown[]>>();

/**
 * One copy of each string, flat: a string used as a property name is
 * internalized (V8 keeps one flat copy in its string table and makes the
 * string it was given point there, a reference the collector then skips), so
 * a rope's pieces can go and equal strings share one copy.
 */
function stringInterner(): (s: string) => string {
  const table: Record<string, string> = Object.create(null);
  return (s) => (table[s] ??= s);
}

function runTransforms(project: Project, opts: EngineOptions, enabledIds: Set<string>, errors: FileError[]): Finding[] {
  const ctx: TransformContext = { project, options: opts.options, enabled: (id) => enabledIds.has(id) };
  const out: Finding[] = [];
  for (const t of opts.transforms) {
    try {
      for (const f of t.run(ctx)) {
        const finding = { ...f, transform: f.transform || t.meta.id };
        const on = opts.isEnabled;
        if (on && !on(finding.transform, finding.file)) continue;
        const offFile = on && finding.fix?.edits.find((e) => !on(finding.transform, e.file))?.file;
        if (offFile) {
          out.push({
            ...finding,
            fix: undefined,
            manual: `${finding.manual ? finding.manual + ' ' : ''}The fix would also edit ${project.files.get(offFile)?.rel ?? offFile}, where configuration turns ${finding.transform} off; make the change by hand or enable it there.`,
          });
          continue;
        }
        // A generator overwrites the file: its fix is held, and reported once per file (generatedFileFindings).
        const generated = finding.fix?.edits.find((e) => project.layout.generated.has(e.file))?.file;
        if (generated) {
          const held = { ...finding, fix: undefined };
          heldForGenerated.set(held, generated);
          out.push(held);
          continue;
        }
        out.push(finding);
      }
    } catch (err) {
      // A crashing transform must not take the others down; the error names it.
      const msg = `internal error in transform ${t.meta.id}: ${(err as Error).stack ?? err}`;
      if (!errors.some((e) => e.message === msg)) errors.push({ file: project.cwd, message: msg });
    }
  }
  return out;
}

/** Findings whose fix would edit a generated file, and that file: their fixes are held (set in runTransforms). */
const heldForGenerated = new WeakMap<Finding, string>();

/** The transform id of the once-per-file finding that stands for the fixes held in a generated file. */
export const GENERATED_FILE = 'generated-file';

/**
 * The rule reports (SARIF) give the generated-file finding, which no transform
 * makes: it stands for held fixes of any transform, so its controls are theirs.
 */
export function generatedFileRule(transforms: readonly TransformMeta[]): TransformMeta {
  return {
    id: GENERATED_FILE,
    description: 'A file a generator writes is not edited; its fixes are held for its template or generator',
    appliesTo: [...new Set(transforms.flatMap((t) => t.appliesTo))],
    fixable: false,
    cis: [...new Set(transforms.flatMap((t) => t.cis.split(/,\s*/)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).join(', '),
    peers: [],
    help:
      'The file says it is generated (a "DO NOT EDIT" or "generated by" header), or a script in the repository renders it from a template whose lines it repeats. ' +
      'An edit there would be overwritten at the next render, so the fixes other rules would make are listed on this finding, with the template or generator where they belong.',
  };
}

/**
 * One finding per generated file whose fixes were held: why it is not edited
 * (the header line, or the script that renders it), where the change belongs,
 * and what each held fix would have done, for a human to make in the template.
 */
function generatedFileFindings(
  held: { finding: Finding; file: string }[],
  generated: Map<string, GeneratedFile>,
  original: Map<string, string>,
  rel: (p: string) => string,
): ReportedFinding[] {
  const byFile = new Map<string, Finding[]>();
  for (const h of held) byFile.set(h.file, [...(byFile.get(h.file) ?? []), h.finding]);
  const out: ReportedFinding[] = [];
  for (const [file, findings] of byFile) {
    const g = generated.get(file)!;
    const text = original.get(file) ?? '';
    const line = g.evidence.file === file ? g.evidence.line : 1;
    const start = lineStarts(text)[line - 1] ?? 0;
    const why = whyGenerated(g, file, rel);
    const at = (f: Finding) => (f.file === file ? `line ${lineColumn(text, f.range[0]).line} ` : `${rel(f.file)} `);
    const cis = [...new Set(findings.map((f) => f.cis).filter((c): c is string => !!c))].join(', ');
    out.push({
      transform: GENERATED_FILE,
      file,
      range: [start, start],
      severity: 'warning',
      message: `generated file, not edited: ${why}; ${findings.length === 1 ? 'a fix' : `${findings.length} fixes`} held (${[...new Set(findings.map((f) => f.transform))].join(', ')})`,
      ...(cis ? { cis } : {}),
      manual: `Make the change in ${whereItBelongs(g, rel)}: ${findings.map((f) => `${at(f)}${f.transform}: ${f.message}`).join('; ')}`,
      key: `${GENERATED_FILE}\0${file}`,
      fixed: false,
      originalRange: [start, start],
      ...lineColumn(text, start),
    });
  }
  return out;
}

export function fixKey(f: Finding): string {
  return f.key ?? `${f.transform}\0${f.file}\0${f.message}`;
}

function overlaps(a: Edit, b: Edit): boolean {
  if (a.file !== b.file) return false;
  const [as, ae] = a.range;
  const [bs, be] = b.range;
  // Two pure inserts at one point are independent lines; keep both, in order.
  if (as === ae && bs === be) return false;
  return as <= be && bs <= ae;
}

/** The fixes selectNonOverlapping held for the next pass, by why. */
interface HeldFixes {
  overlap: Finding[];
  intent: Finding[];
}

/** Take fixes in document order; one that overlaps a taken fix waits for the next pass (listed in `held`). */
function selectNonOverlapping(findings: Finding[], texts: Map<string, string>, errors: FileError[], broken: Set<string>, held: HeldFixes): Finding[] {
  const sorted = findings
    .map((f, i) => ({ f, i, first: firstEdit(f.fix!) }))
    .sort((x, y) => {
      const a = x.first;
      const b = y.first;
      if (a.file !== b.file) return a.file < b.file ? -1 : 1;
      return a.range[0] - b.range[0] || x.i - y.i;
    });
  // Indexed by file: a fix can only collide with fixes taken in the files it
  // touches, so each check costs what those files hold, not the whole project.
  const taken = new Map<string, Edit[]>();
  const takenPaths = new Map<string, TakenPaths>();
  const out: Finding[] = [];
  for (const { f } of sorted) {
    const edits = f.fix!.edits;
    const bad = edits.find((e) => {
      const t = texts.get(e.file);
      return t === undefined || e.range[0] < 0 || e.range[1] > t.length || e.range[0] > e.range[1];
    });
    const selfOverlap = edits.some((e, i) => edits.some((o, j) => j > i && e.file === o.file && e.range[0] < o.range[1] && o.range[0] < e.range[1]));
    if (bad || selfOverlap) {
      broken.add(fixKey(f));
      errors.push({ file: f.file, message: `internal error: transform ${f.transform} produced an invalid edit; fix dropped` });
      continue;
    }
    if (edits.some((e) => taken.get(e.file)?.some((t) => overlaps(e, t)))) {
      held.overlap.push(f);
      continue;
    }
    // Intents state whole values computed from this pass's data: two fixes that set the
    // same path (or one inside the other) cannot both hold, so the later one waits a pass.
    const intent = f.fix!.intent ?? [];
    const prefixes = intent.map(intentPrefixes);
    if (prefixes.some((ps, i) => collides(takenPaths.get(intent[i].file), ps))) {
      held.intent.push(f);
      continue;
    }
    for (const e of edits) {
      const list = taken.get(e.file);
      if (list) list.push(e);
      else taken.set(e.file, [e]);
    }
    intent.forEach((c, i) => {
      let inFile = takenPaths.get(c.file);
      if (!inFile) takenPaths.set(c.file, (inFile = { paths: new Set(), prefixes: new Set() }));
      const ps = prefixes[i];
      inFile.paths.add(ps[ps.length - 1]);
      for (const q of ps) inFile.prefixes.add(q);
    });
    out.push(f);
  }
  return out;
}

/**
 * The data paths taken in one file: each whole path, and every prefix of one
 * (itself included). Looking a path up in them costs its depth; comparing it
 * with every path taken in the file grew with the square of a compose file's
 * fixes (issue 13).
 */
interface TakenPaths {
  paths: Set<string>;
  prefixes: Set<string>;
}

/**
 * A DataChange's target (its file aside) and every prefix of it, shortest
 * first: the document, then one key more each, every key JSON-quoted and
 * ended by a NUL (which JSON escapes inside a key), so one path lies inside
 * another exactly when its string starts with the other's.
 */
function intentPrefixes(c: DataChange): string[] {
  let key = `${c.doc}\0`;
  const out = [key];
  for (const k of c.path) out.push((key += `${JSON.stringify(k)}\0`));
  return out;
}

/** Whether a path (given by its prefixes) is one taken, lies inside one, or holds one. */
function collides(taken: TakenPaths | undefined, prefixes: string[]): boolean {
  if (!taken) return false;
  if (taken.prefixes.has(prefixes[prefixes.length - 1])) return true; // a taken path lies inside it, or is it
  return prefixes.some((q) => taken.paths.has(q)); // it lies inside a taken path
}

function firstEdit(fix: Fix): Edit {
  return fix.edits.reduce((a, b) => (b.file < a.file || (b.file === a.file && b.range[0] < a.range[0]) ? b : a));
}

/**
 * The state of every text, as a key made of the files that differ from the
 * original (the rest are the original): a cycle check that does not keep
 * every pass's full texts. Up to STATE_TEXT_MAX_CHARS of changed text the key
 * is that text itself, each file's path and length before it (a path holds no
 * NUL, and the length says where the text ends, so two states have one key
 * only if they are the same): the Set of seen states hashes and compares it
 * natively. A hash of our own in JavaScript (two 32-bit lanes over every code
 * unit) cost a small run 4-9 ms of its cold start, its loop run by V8's
 * interpreter, against under 0.5 ms to join and hash natively; a run keeps
 * one key per pass, at most MAX_PASSES. Above the bound, node:crypto's
 * sha256: loading it (15 modules) costs a start more than a small run's
 * state, and a large run pays that once (issue 13).
 */
export function stateDigest(texts: Map<string, string>, original: Map<string, string>): string {
  const changed: [string, string][] = [];
  let chars = 0;
  for (const [p, t] of texts) {
    if (original.get(p) === t) continue;
    changed.push([p, t]);
    chars += t.length;
  }
  if (chars <= STATE_TEXT_MAX_CHARS) {
    let key = 'text:';
    for (const [p, t] of changed) key += `${p}\0${t.length}\0${t}`;
    return key;
  }
  const hash = createHash('sha256');
  for (const [p, t] of changed) hash.update(p).update('\0').update(String(t.length)).update('\0').update(t).update('\0');
  return `sha256:${hash.digest('base64')}`;
}

/** Changed text (in UTF-16 code units) up to which stateDigest's key is the text itself. */
export const STATE_TEXT_MAX_CHARS = 1 << 18;

interface AppliedTexts {
  texts: Map<string, string>;
  applied: Map<string, AppliedEdits>;
}

function applyAll(fixes: Finding[], texts: Map<string, string>): AppliedTexts {
  const byFile = new Map<string, Edit[]>();
  // A pure insert of the same text at the same point by two fixes is one change, not two: one nginx config that two
  // compose files mount (roundcube's examples/nginx/templates, a server with no listen) gets `listen 8080;` from the
  // swap of each service, and twice is an error nginx stops at ("a duplicate listen 0.0.0.0:8080"). Made once.
  // Only an insert that is its fix's one edit at that point: a fix that puts several pieces there (a line break, then
  // its key) relies on each of them, and another fix's same line break is not the same change.
  let inserts: Map<string, number> | undefined;
  fixes.forEach((f, index) => {
    const edits = f.fix!.edits;
    for (const e of edits) {
      if (e.range[0] === e.range[1] && !edits.some((o) => o !== e && o.file === e.file && o.range[0] === e.range[0])) {
        const key = `${e.file}\0${e.range[0]}\0${e.text}`;
        const by = (inserts ??= new Map()).get(key);
        if (by !== undefined && by !== index) continue;
        inserts.set(key, index);
      }
      const list = byFile.get(e.file);
      if (list) list.push(e);
      else byFile.set(e.file, [e]);
    }
  });
  const out = new Map(texts);
  const applied = new Map<string, AppliedEdits>();
  for (const [file, edits] of byFile) {
    const text = texts.get(file)!;
    // Stable order: by position; pure inserts at one point by rank, then in fix order.
    const rank = (e: Edit) => (e.range[0] === e.range[1] ? e.order ?? 0 : 0);
    const ordered = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.range[0] - b.e.range[0] || rank(a.e) - rank(b.e) || a.i - b.i);
    // Of exact length: a list grown by pushing holds room for more (issue 13).
    const record: AppliedEdits = new Array<number>(ordered.length * 4);
    let delta = 0;
    for (let k = 0; k < ordered.length; k++) {
      const { e } = ordered[k];
      const [start, end] = e.range;
      record[4 * k] = start;
      record[4 * k + 1] = end;
      record[4 * k + 2] = start + delta;
      record[4 * k + 3] = start + delta + e.text.length;
      delta += e.text.length - (end - start);
    }
    out.set(file, spliceEdits(text, ordered));
    applied.set(file, record);
  }
  return { texts: out, applied };
}

/**
 * The text with its edits made, `ordered` as applyAll orders them (by start).
 * At one offset, the pure inserts come first, in their order, and then the
 * edit that replaces the text from there, if any: where magic-string (which
 * this replaces) put them, its appendLeft adding to what ends at the offset
 * whichever was applied first. selectNonOverlapping lets no other edit start
 * inside a replaced range, nor two replace from one offset.
 */
function spliceEdits(text: string, ordered: readonly { e: Edit }[]): string {
  let out = '';
  let cursor = 0;
  let i = 0;
  while (i < ordered.length) {
    const at = ordered[i].e.range[0];
    if (at > cursor) out += text.slice(cursor, at);
    let replace: Edit | undefined;
    for (; i < ordered.length && ordered[i].e.range[0] === at; i++) {
      const e = ordered[i].e;
      if (e.range[1] === at) out += e.text;
      else replace = e;
    }
    if (replace) {
      out += replace.text;
      cursor = replace.range[1];
    } else if (at > cursor) cursor = at;
  }
  return out + text.slice(cursor);
}

/**
 * Apply the fixes; if a changed file fails verification, find the fixes that
 * break it by applying them one at a time, drop those, and keep the rest.
 * `files` (path to the parse of `texts`) is updated as verification goes: a
 * file whose new text verifies has its new parse in place of the old one.
 */
function applyVerified(
  fixes: Finding[],
  texts: Map<string, string>,
  files: Map<string, SourceFile>,
  errors: FileError[],
  broken: Set<string>,
  reparse: Reparse,
): { kept: Finding[]; newTexts: AppliedTexts } {
  const all = applyAll(fixes, texts);
  if (verifyAll(fixes, texts, all.texts, files, reparse, true).length === 0) return { kept: fixes, newTexts: all };

  // One at a time, each against the files as they were: put back the parse of
  // each text the attempt above replaced (a rare path; parsing again is its cost).
  for (const [p, src] of files) {
    const before = texts.get(p);
    if (before !== undefined && src.text !== before) files.set(p, parseSource(src.kind, { ...src, text: before }, src.rel, src.root));
  }
  const kept: Finding[] = [];
  for (const f of fixes) {
    const trial = applyAll([...kept, f], texts);
    const problems = verifyAll([...kept, f], texts, trial.texts, files, reparse, false);
    if (problems.length === 0) {
      kept.push(f);
    } else {
      broken.add(fixKey(f));
      errors.push({
        file: problems[0].file,
        message: `internal error: the fix of ${f.transform} (${f.message}) did not verify (${problems[0].message}); not applied`,
      });
    }
  }
  return { kept, newTexts: applyAll(kept, texts) };
}

interface Problem {
  file: string;
  message: string;
}

type Reparse = (src: SourceFile, text: string) => SourceFile;

/**
 * Parse each new text once: verification parses it, and the next pass's model
 * reuses that parse. Throws FileProblem when the text does not parse.
 */
function parseOnce(): Reparse {
  const cache = new Map<string, SourceFile>();
  return (src, text) => {
    const hit = cache.get(src.path);
    if (hit && hit.text === text) return hit;
    const next = parseSource(src.kind, { ...src, text }, src.rel, src.root);
    cache.set(src.path, next);
    return next;
  };
}

/**
 * Verify each file the fixes change. With `replace`, a file that verifies
 * gets its new parse in `files` at once, so its old parse can go.
 */
function verifyAll(
  fixes: Finding[],
  before: Map<string, string>,
  after: Map<string, string>,
  files: Map<string, SourceFile>,
  reparse: Reparse,
  replace: boolean,
): Problem[] {
  const byFile = new Map<string, Finding[]>();
  for (const f of fixes) {
    for (const file of new Set(f.fix!.edits.map((e) => e.file))) {
      const list = byFile.get(file);
      if (list) list.push(f);
      else byFile.set(file, [f]);
    }
  }
  const problems: Problem[] = [];
  for (const [file, fileFixes] of byFile) {
    const text = after.get(file)!;
    if (before.get(file) === text) continue;
    const src = files.get(file);
    if (!src) continue;
    const problem = verifyFile(src, text, fileFixes, reparse);
    if (problem) problems.push({ file, message: problem });
    else if (replace) files.set(file, reparse(src, text));
  }
  return problems;
}

/**
 * Whether `after` is a sound successor of the model's `src` (whose parse is the
 * "before"): it must parse, and say what the fixes meant. Returns what is wrong.
 */
function verifyFile(src: SourceFile, after: string, fixes: Finding[], reparse: Reparse): string | undefined {
  let next: SourceFile;
  try {
    next = reparse(src, after);
  } catch (err) {
    if (!(err instanceof FileProblem)) throw err;
    return `${err.message.replace(/^YAML error: /, 'YAML no longer parses: ')}${err.line ? ` at line ${err.line}` : ''}`;
  }
  if (src.kind === 'dockerfile' && next.kind === 'dockerfile') {
    return verifyDockerfile(src.parsed, next.parsed, fixes.flatMap((f) => f.fix!.edits.filter((e) => e.file === src.path)));
  }
  if (src.kind === 'compose' && next.kind === 'compose') {
    const intent = fixes.flatMap((f) => (f.fix!.intent ?? []).filter((c) => c.file === src.path));
    return verifyCompose(src.parsed.docs.map((d) => d.data), next.parsed.docs.map((d) => d.data), intent);
  }
  return undefined; // nginx: parsing without errors is the check; env files have no structure
}

/**
 * Every instruction the edits did not touch must still be there, with the same
 * text, at its shifted offset: an edit that glued two instructions together or
 * opened an unterminated continuation fails this.
 */
function verifyDockerfile(old: ParsedDockerfile, now: ParsedDockerfile, edits: Edit[]): string | undefined {
  const sorted = [...edits].sort((a, b) => a.range[0] - b.range[0]);
  const byStart = new Map(now.instructions.map((i) => [i.start, i]));
  for (const ins of old.instructions) {
    if (sorted.some((e) => e.range[0] <= ins.end && e.range[1] >= ins.start && !(e.range[0] === e.range[1] && (e.range[0] === ins.start || e.range[0] === ins.end)))) continue;
    let shift = 0;
    for (const e of sorted) if (e.range[1] <= ins.start) shift += e.text.length - (e.range[1] - e.range[0]);
    const moved = byStart.get(ins.start + shift);
    if (!moved || moved.raw !== ins.raw) {
      return `instruction ${ins.keyword} at line ${ins.line + 1} changed or disappeared`;
    }
  }
  return undefined;
}

function verifyCompose(old: unknown[], now: unknown[], intent: DataChange[]): string | undefined {
  if (old.length !== now.length) return 'the number of YAML documents changed';
  // applyChange copies only the containers on a change's path: the rest is the model's data, read here, never written.
  const expected = [...old];
  for (const change of intent) {
    if (change.doc >= expected.length) return `intent names document ${change.doc}, which does not exist`;
    expected[change.doc] = applyChange(expected[change.doc], change);
  }
  for (let i = 0; i < expected.length; i++) {
    if (!deepEqual(expected[i], now[i])) return `document ${i + 1} does not hold the intended data`;
  }
  return undefined;
}

/**
 * Apply one DataChange to plain data, leaving `root` as it was: the containers
 * on the change's path are copied (one level each), everything else is shared
 * with `root`. Copying the whole document per changed file was most of what
 * verifying a compose edit cost. The value a change sets is shared too, not
 * cloned: a later change copies every container on its path before it writes,
 * so neither the intent's value nor the model's data is ever written (issue 13).
 */
export function applyChange(root: unknown, change: DataChange): unknown {
  if (change.path.length === 0) return change.op === 'set' ? change.value : undefined;
  const rootObj = (root === undefined || root === null ? {} : copyContainer(root)) as Record<string | number, unknown>;
  let cur = rootObj;
  for (let i = 0; i < change.path.length - 1; i++) {
    const k = change.path[i];
    if (cur[k] === undefined || cur[k] === null || typeof cur[k] !== 'object') {
      if (change.op === 'delete') return rootObj;
      cur[k] = typeof change.path[i + 1] === 'number' ? [] : {};
    } else {
      cur[k] = copyContainer(cur[k]);
    }
    cur = cur[k] as Record<string | number, unknown>;
  }
  const last = change.path[change.path.length - 1];
  if (change.op === 'set') cur[last] = change.value;
  else if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
  else delete cur[last];
  return rootObj;
}

/** A one-level copy of an array or plain object (a deep copy of anything else; a scalar as it is). */
function copyContainer(v: unknown): unknown {
  if (Array.isArray(v)) return v.slice();
  if (typeof v !== 'object' || v === null) return v;
  return Object.getPrototypeOf(v) === Object.prototype ? { ...v } : structuredClone(v);
}

/** Structural equality; object key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as never)[k], (b as never)[k]));
}

/**
 * A finding's text may name lines of the files it read (`ENTRYPOINT at line 6`,
 * `command of service web (compose.yaml line 9)`). A later pass reads texts
 * that earlier fixes lengthened, so its lines are not the user's: the same
 * finding as pass 1 made it (same transform, file, place, and text but for its
 * line numbers) is reported in pass 1's words, whose lines are the original's.
 */
const LINE_NUMBER = /\blines? \d+(?:-\d+)?/g;
const NAMES_A_LINE = /\blines? \d/;

function wordingKey(f: Finding, originalStart: number): string | undefined {
  if (!NAMES_A_LINE.test(f.message) && !(f.manual && NAMES_A_LINE.test(f.manual))) return undefined;
  const masked = (t: string | undefined) => (t ?? '').replace(LINE_NUMBER, 'line #');
  return `${f.transform}\0${f.file}\0${originalStart}\0${masked(f.message)}\0${masked(f.manual)}`;
}

function rememberWording(wording: Map<string, Pick<Finding, 'message' | 'manual'>>, f: Finding): void {
  const key = wordingKey(f, f.range[0]);
  if (key !== undefined && !wording.has(key)) wording.set(key, { message: f.message, ...(f.manual !== undefined ? { manual: f.manual } : {}) });
}

function firstPassWording(wording: Map<string, Pick<Finding, 'message' | 'manual'>>, f: Finding, originalStart: number): Pick<Finding, 'message' | 'manual'> | undefined {
  if (wording.size === 0) return undefined;
  const key = wordingKey(f, originalStart);
  return key === undefined ? undefined : wording.get(key);
}

/** Map an offset in the text after `passCount` passes back to the original text. */
function mapBack(offset: number, passes: AppliedEdits[], passCount: number): number {
  let o = offset;
  for (let p = passCount - 1; p >= 0; p--) {
    const edits = passes[p];
    if (!edits) continue;
    let delta = 0;
    let mapped: number | undefined;
    for (let k = 0; k < edits.length; k += 4) {
      const oldStart = edits[k];
      const oldEnd = edits[k + 1];
      const newStart = edits[k + 2];
      const newEnd = edits[k + 3];
      if (o < newStart) break;
      if (o < newEnd) {
        // Inside text a fix wrote: the best original position is where it was inserted.
        mapped = oldStart;
        break;
      }
      delta = newEnd - oldEnd;
    }
    o = mapped ?? o - delta;
  }
  return o;
}

function compareFindings(a: ReportedFinding, b: ReportedFinding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.originalRange[0] - b.originalRange[0] || (a.transform < b.transform ? -1 : a.transform > b.transform ? 1 : 0);
}
