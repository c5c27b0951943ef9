// `docker-harden --verify`: boot every project before and after hardening on
// the user's own Docker Engine, and withhold the fixes that break a service.
//
// A loop over fixes, not over files: findings carry their fixes as data, so
// withholding some is a re-run of the engine with those fix keys held back
// (always a re-run: fixes of later passes may build on earlier ones). For a
// service that works before hardening and not after, the fixes that touch it
// are suspects; bisection over them finds the ones that break it, which are
// withheld with the evidence, and the rest are verified again. Fixes nothing
// can verify (their service does not work before hardening either, or no
// project runs the file) are withheld as unverified: only verified fixes are
// written.
import { createHash } from 'node:crypto';
import type { EngineResult, ReportedFinding } from '../engine.js';
import { fixKey } from '../engine.js';
import type { Project } from '../model.js';
import { isInside } from '../read.js';
import type { WithheldEvidence } from '../types.js';
import { connectRuntime, withInterrupts, type Executor, type Runtime } from '../runtime/index.js';
import { bootTarget, Cleanups, notStarted, type BootResult } from './boot.js';
import { rootFolder } from './sandbox.js';
import { baselineProblem, compareEvidence, unpulledImage } from './judge.js';
import { editsOnlyDocumentation, rankSuspects, touchedServices } from './attribute.js';
import { verifyTargets, type VerifyTarget } from './targets.js';
import { WITHHELD_REASON, type FixRef, type Problem, type ServiceEvidence, type ServiceReport, type TargetReport, type VerifyReport } from './types.js';
import { relPath } from '../model.js';

export interface VerifyProgress {
  target: string;
  phase: 'baseline' | 'hardened' | 'bisect';
  step: string;
}

export interface VerifyOptions {
  /** Time limit of each phase of a boot (a build, up, reaching health). */
  timeoutMs: number;
  /** How long services must stay up once ready. */
  settleMs: number;
  /** Leave the baseline and final hardened containers running. */
  keep: boolean;
  env?: NodeJS.ProcessEnv;
  onProgress?: (p: VerifyProgress) => void;
  /** How the engine adapter runs commands (tests: a stand-in engine); default: the real CLIs. */
  exec?: Executor;
}

export interface VerifyInput {
  project: Project;
  /** Run the engine with these fix keys held back (marked suppressed with WITHHELD_REASON). */
  harden: (withheld: ReadonlySet<string>) => EngineResult;
  /**
   * Learn from the baseline boots (src/verify/observe.ts) before any hardened
   * boot; true when that changed the facts `harden` uses.
   */
  observe?: (baselines: { target: VerifyTarget; boot: BootResult }[]) => boolean;
}

export interface VerifyOutcome {
  /** The engine result whose fixes are verified; withheld findings carry their evidence. */
  engine: EngineResult;
  report: VerifyReport;
}

export { WITHHELD_REASON };

/** Rounds of boot-all-then-bisect before giving up on a service (each round needs a new failure to continue). */
const MAX_ROUNDS = 4;
/** Boots per bisection of one service. */
const MAX_PROBES = 12;
/** Boots running at the same time in the first round. */
const BOOTS_AT_ONCE = 2;

/** Run the tasks, at most `width` at a time; the first error is thrown once all have settled. */
async function inParallel(width: number, tasks: (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task().catch((err) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  if (errors.length) throw errors[0];
}

export async function verifyProject(input: VerifyInput, opts: VerifyOptions): Promise<VerifyOutcome> {
  const rt = await connectRuntime(opts.env ?? process.env, opts.exec);
  const cleanups = new Cleanups((project) => rt.docker.removeProject(project));
  return withInterrupts(
    'verification',
    () => new VerifyRun(rt, input, opts, cleanups).run(),
    (afterSignal) => cleanups.runAll(afterSignal),
  );
}

interface Held {
  evidence: WithheldEvidence;
  /** The finding as the engine reported it when it was withheld (shown if a later run no longer reports it). */
  finding: ReportedFinding;
}

class VerifyRun {
  private readonly started = Date.now();
  private readonly targets: VerifyTarget[];
  private readonly baseline = new Map<string, BootResult>();
  private readonly memo = new Map<string, BootResult>();
  private readonly hardenMemo = new Map<string, EngineResult>();
  private readonly withheld = new Map<string, Held>();
  private readonly unverified = new Map<string, Held>();
  private readonly firstProblems = new Map<string, Problem[]>();
  private readonly boots = new Map<string, number>();
  private readonly allBoots: BootResult[] = [];
  private unhardened?: EngineResult;

  constructor(
    private readonly rt: Runtime,
    private readonly input: VerifyInput,
    private readonly opts: VerifyOptions,
    private readonly cleanups: Cleanups,
  ) {
    this.targets = verifyTargets(input.project);
  }

  async run(): Promise<VerifyOutcome> {
    this.unhardened = this.harden();
    // With observation the hardened boots wait for the baselines: what those show running changes the fixes.
    const observe = this.input.observe;
    // Every baseline, and the first hardened boot with every fix, two at a time: most of a
    // boot is waiting (start-up, health, settling), and the common case needs nothing more.
    await inParallel(BOOTS_AT_ONCE, [
      ...this.targets.map((t) => async () => void this.baseline.set(t.id, await this.boot(t, new Map(), 'baseline', this.opts.keep))),
      ...(observe
        ? []
        : this.targets.map((t) => async () => {
            if (this.textsFor(t, this.unhardened!).size) await this.hardenedBoot(t, this.unhardened!, 'hardened', this.opts.keep);
          })),
    ]);
    if (observe && observe(this.targets.map((t) => ({ target: t, boot: this.baseline.get(t.id)! })))) {
      // New facts: every engine result so far is stale.
      this.hardenMemo.clear();
      this.unhardened = this.harden();
    }

    let engine = this.harden();
    let final = new Map<string, BootResult>();
    for (let round = 1; ; round++) {
      engine = this.holdUnverifiable(engine);
      final = new Map();
      const broken: { target: VerifyTarget; service: string; problems: Problem[] }[] = [];
      for (const t of this.targets) {
        const boot = await this.hardenedBoot(t, engine, 'hardened', this.opts.keep);
        final.set(t.id, boot);
        for (const s of t.services) {
          if (this.baselineProblemOf(t, s.name)) continue;
          const problems = compareEvidence(this.baseEvidence(t, s.name), boot.evidence.get(s.name) ?? notStarted('no evidence'));
          if (!problems.length) continue;
          const key = `${t.id}\0${s.name}`;
          if (!this.firstProblems.has(key)) this.firstProblems.set(key, problems);
          broken.push({ target: t, service: s.name, problems });
        }
      }
      if (!broken.length) break;
      if (round >= MAX_ROUNDS) {
        // Still failing after bisection rounds (a flaky service?): hold back everything that touches it.
        for (const b of broken) {
          for (const f of this.suspects(engine, b.target, b.service)) {
            this.hold(f, this.brokeEvidence(b.target, b.service, b.problems, 'still failing after bisection'));
          }
        }
        engine = this.holdUnverifiable(this.harden());
        for (const t of this.targets) final.set(t.id, await this.hardenedBoot(t, engine, 'hardened', this.opts.keep));
        break;
      }
      for (const b of broken) {
        for (const f of await this.bisect(b.target, b.service, b.problems, engine)) this.hold(f.finding, this.brokeEvidence(b.target, b.service, b.problems, f.note));
      }
      engine = this.harden();
    }

    const kept = await this.releaseAllBut(final);
    await this.removeSupersededImages();
    return { engine: this.markWithheld(engine), report: this.report(engine, final, kept) };
  }

  // ------------------------------------------------------------------ engine runs

  private heldKeys(): Set<string> {
    return new Set([...this.withheld.keys(), ...this.unverified.keys()]);
  }

  /** The engine with every fix held so far held back (memoized per set). */
  private harden(extra: Iterable<string> = []): EngineResult {
    const keys = new Set([...this.heldKeys(), ...extra]);
    const id = [...keys].sort().join('\0\0');
    let e = this.hardenMemo.get(id);
    if (!e) {
      e = this.input.harden(keys);
      this.hardenMemo.set(id, e);
    }
    return e;
  }

  /**
   * Hold back fixes nothing can verify: they touch only services that do not
   * work before hardening, or no project verify runs (a Dockerfile nothing
   * builds). Fixes that only edit `.env.example` are documentation and stay.
   */
  private holdUnverifiable(engine: EngineResult): EngineResult {
    for (let i = 0; i < 4; i++) {
      let added = false;
      for (const f of engine.findings) {
        if (!f.fixed || this.heldKeys().has(fixKey(f))) continue;
        const touched = this.targets.flatMap((t) => touchedServices(f, t, this.input.project).map((s) => ({ t, s })));
        if (touched.length === 0) {
          if (editsOnlyDocumentation(f, this.input.project)) continue;
          this.unverified.set(fixKey(f), {
            finding: f,
            evidence: {
              reason: 'unverified',
              target: '',
              service: '',
              check: 'not run',
              message: 'no compose project or runtime Dockerfile that verify runs uses the files this fix changes, so nothing showed it is safe',
              lines: [],
            },
          });
          added = true;
          continue;
        }
        const working = touched.find(({ t, s }) => !this.baselineProblemOf(t, s));
        if (working) continue;
        const { t, s } = touched[0]!;
        const ev = this.baseEvidence(t, s);
        this.unverified.set(fixKey(f), {
          finding: f,
          evidence: {
            reason: 'unverified',
            target: t.label,
            service: s,
            check: 'baseline',
            message: `service ${s} does not work before hardening either (${this.baselineProblemOf(t, s)}), so nothing showed this fix is safe`,
            lines: (ev.buildLog.length ? ev.buildLog : ev.logTail).slice(-10),
          },
        });
        added = true;
      }
      if (!added) return engine;
      engine = this.harden();
    }
    return engine;
  }

  // ------------------------------------------------------------------ boots

  private async boot(t: VerifyTarget, texts: Map<string, string>, phase: VerifyProgress['phase'], keep: boolean): Promise<BootResult> {
    this.boots.set(t.id, (this.boots.get(t.id) ?? 0) + 1);
    const r = await bootTarget(
      this.rt,
      t,
      texts,
      phase === 'baseline' ? 'baseline' : 'hardened',
      { timeoutMs: this.opts.timeoutMs, settleMs: this.opts.settleMs, keep, onStep: (step) => this.opts.onProgress?.({ target: t.label, phase, step }) },
      this.cleanups,
    );
    this.allBoots.push(r);
    return r;
  }

  /**
   * Texts of the changed files under the target's root. A Dockerfile booted
   * alone reads only itself and its build context: changes elsewhere (another
   * project's compose file) would boot it again for nothing (seen: vimagick's
   * arm Dockerfiles, no fix of their own, built a second time).
   */
  private textsFor(t: VerifyTarget, engine: EngineResult): Map<string, string> {
    const base = rootFolder(t.root);
    const image = t.kind === 'dockerfile' ? t.services[0] : undefined;
    const reads = (file: string) => !image || file === image.dockerfile || (image.context !== undefined && isInside(image.context, file));
    return new Map([...engine.changed].filter(([file]) => isInside(base, file) && reads(file)));
  }

  /** Boot the target with the engine's texts, reusing an earlier boot of the same texts. */
  private async hardenedBoot(t: VerifyTarget, engine: EngineResult, phase: VerifyProgress['phase'], keep: boolean): Promise<BootResult> {
    const texts = this.textsFor(t, engine);
    if (texts.size === 0) return this.baseline.get(t.id)!; // nothing changed: the baseline is this boot
    const hash = createHash('sha1');
    for (const [file, text] of [...texts].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(file).update('\0').update(text).update('\0');
    const key = `${t.id}\0${hash.digest('hex')}`;
    const hit = this.memo.get(key);
    if (hit && (!keep || hit.alive)) return hit;
    const r = await this.boot(t, texts, phase, keep);
    this.memo.set(key, r);
    return r;
  }

  /** Release every boot still up except the baselines and the final hardened boots (--keep); their commands. */
  private async releaseAllBut(final: Map<string, BootResult>): Promise<string[]> {
    const keep = new Set<BootResult>(this.opts.keep ? [...this.baseline.values(), ...final.values()] : []);
    for (const b of this.allBoots) if (!keep.has(b) && b.alive) await b.release();
    const kept: string[] = [];
    for (const b of keep) {
      if (b.alive && b.keptCommand && !kept.includes(b.keptCommand)) {
        kept.push(b.keptCommand);
        this.cleanups.forget(b.release);
      }
    }
    return kept;
  }

  /**
   * Builds are tagged `dh-verify-...:baseline|hardened`, the same tags every
   * run, so the images stay as build cache for the next run; the images a tag
   * moved away from during bisection are removed.
   */
  private async removeSupersededImages(): Promise<void> {
    const built = new Map<string, Set<string>>();
    for (const b of this.allBoots) for (const [tag, id] of b.images) built.set(tag, (built.get(tag) ?? new Set()).add(id));
    const current = new Set<string>();
    for (const tag of built.keys()) {
      const id = await this.rt.docker.imageId(tag);
      if (id) current.add(id);
    }
    const stale = [...new Set([...built.values()].flatMap((ids) => [...ids]))].filter((id) => !current.has(id));
    await this.rt.docker.removeUntagged(stale);
  }

  // ------------------------------------------------------------------ judging

  private baseEvidence(t: VerifyTarget, service: string): ServiceEvidence {
    return this.baseline.get(t.id)!.evidence.get(service) ?? notStarted('no evidence');
  }

  private baselineProblemOf(t: VerifyTarget, service: string): string | undefined {
    const b = this.baseline.get(t.id)!;
    if (b.error) return b.error;
    return baselineProblem(this.baseEvidence(t, service));
  }

  private suspects(engine: EngineResult, t: VerifyTarget, service: string): ReportedFinding[] {
    const held = this.heldKeys();
    return engine.findings.filter((f) => f.fixed && !held.has(fixKey(f)) && touchedServices(f, t, this.input.project).includes(service));
  }

  /**
   * The fixes that break `service`: the ones that touch it (for a build
   * failure, only those editing files the build reads), most suspect first;
   * withholding the top suspect alone is tried first when the evidence points
   * at it, then bisection over prefixes of the list, one culprit at a time.
   */
  private async bisect(t: VerifyTarget, service: string, problems: Problem[], engine: EngineResult): Promise<{ finding: ReportedFinding; note?: string }[]> {
    const project = this.input.project;
    const held = this.heldKeys();
    let cands = this.suspects(engine, t, service);
    if (problems.every((p) => p.check === 'build')) cands = cands.filter((f) => f.fix!.edits.some((e) => project.files.get(e.file)?.kind !== 'compose'));
    // Nothing of its own: another service's fix broke it (a dependency it reaches).
    if (!cands.length) cands = engine.findings.filter((f) => f.fixed && !held.has(fixKey(f)) && touchedServices(f, t, project).length > 0);
    if (!cands.length) return [];
    const ranked = rankSuspects(cands, problems.flatMap((p) => [p.message, ...p.lines]).join('\n'));
    const base = this.baseEvidence(t, service);
    let probes = 0;
    const works = async (list: ReportedFinding[]): Promise<boolean> => {
      probes++;
      // Kept like the other boots (with --keep): the last probe is often the final hardened boot.
      const boot = await this.hardenedBoot(t, this.harden(list.map(fixKey)), 'bisect', this.opts.keep);
      return compareEvidence(base, boot.evidence.get(service) ?? notStarted('no evidence')).length === 0;
    };
    const top = ranked[0]!;
    if (top.score > 0 && (ranked.length === 1 || top.score > ranked[1]!.score) && (await works([top.finding]))) return [{ finding: top.finding }];
    const order = ranked.map((r) => r.finding);
    if (!(await works(order))) {
      return order.map((finding) => ({ finding, note: 'it still fails with all of these withheld, so each is withheld' }));
    }
    const culprits: ReportedFinding[] = [];
    let pool = order;
    while (pool.length) {
      // works(culprits + pool) holds; works(culprits) does not.
      let lo = 0;
      let hi = pool.length;
      while (hi - lo > 1 && probes < MAX_PROBES) {
        const mid = (lo + hi) >> 1;
        if (await works([...culprits, ...pool.slice(0, mid)])) hi = mid;
        else lo = mid;
      }
      if (hi - lo > 1) return [...culprits, ...pool.slice(0, hi)].map((finding) => ({ finding, note: 'bisection ran out of boots; withheld together' }));
      culprits.push(pool[hi - 1]!);
      if (probes >= MAX_PROBES || (await works(culprits))) break;
      pool = pool.slice(0, hi - 1);
    }
    return culprits.map((finding) => ({ finding }));
  }

  private brokeEvidence(t: VerifyTarget, service: string, problems: Problem[], note?: string): WithheldEvidence {
    const first = problems[0]!;
    // An image the fix brings in that this engine cannot pull (offline, a registry it cannot
    // reach): the fix is not shown to break anything, only not shown to work.
    const image = problems.length === 1 && (first.check === 'build' || first.check === 'start') ? unpulledImage(first.lines) : undefined;
    if (image) {
      return {
        reason: 'unverified',
        target: t.label,
        service,
        check: first.check,
        message: `with this fix, service ${service} needs the image ${image}, which the engine could not pull, so nothing showed this fix is safe (pull it, or run verify where it can be pulled)${note ? ` (${note})` : ''}`,
        lines: first.lines.slice(-10),
      };
    }
    return {
      reason: 'broke',
      target: t.label,
      service,
      check: first.check,
      message: `with this fix, service ${service} broke: ${problems.map((p) => p.message).join('; ')}${note ? ` (${note})` : ''}`,
      lines: first.lines.slice(-10),
    };
  }

  private hold(f: ReportedFinding, evidence: WithheldEvidence): void {
    if (!this.withheld.has(fixKey(f))) this.withheld.set(fixKey(f), { finding: f, evidence });
  }

  // ------------------------------------------------------------------ result

  /** The final engine result: held-back findings carry their evidence instead of a suppression. */
  private markWithheld(engine: EngineResult): EngineResult {
    const held = new Map([...this.unverified, ...this.withheld]);
    const seen = new Set<string>();
    const findings: ReportedFinding[] = engine.findings.map((f) => {
      const h = held.get(fixKey(f));
      if (!h || f.fixed) return f;
      seen.add(fixKey(f));
      const { suppressed, ...rest } = f;
      return suppressed && suppressed.reason !== WITHHELD_REASON ? f : { ...rest, withheld: h.evidence };
    });
    // A held fix the last run no longer reports (it built on another held fix): shown as found then.
    for (const [key, h] of held) {
      if (!seen.has(key)) findings.push({ ...h.finding, fixed: false, pass: undefined, suppressed: undefined, withheld: h.evidence });
    }
    findings.sort((a, b) => (a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.originalRange[0] - b.originalRange[0]));
    return { ...engine, findings };
  }

  private ref(f: ReportedFinding): FixRef {
    return { transform: f.transform, path: relPath(this.input.project.cwd, f.file), line: f.line, message: f.message };
  }

  private report(engine: EngineResult, final: Map<string, BootResult>, kept: string[]): VerifyReport {
    const targets: TargetReport[] = this.targets.map((t) => {
      const base = this.baseline.get(t.id)!;
      const hard = final.get(t.id);
      const services: ServiceReport[] = t.services.map((s) => {
        const baseline = this.baseEvidence(t, s.name);
        const hardened = hard?.evidence.get(s.name);
        const bp = this.baselineProblemOf(t, s.name);
        const fixes = this.unhardened!.findings.filter((f) => f.fixed && touchedServices(f, t, this.input.project).includes(s.name)).length;
        const withheld = [...this.withheld.values()].filter((h) => h.evidence.target === t.label && h.evidence.service === s.name).map((h) => this.ref(h.finding));
        const stillBroken = !bp && hardened ? compareEvidence(baseline, hardened).length > 0 : false;
        const applied = engine.findings.some((f) => f.fixed && touchedServices(f, t, this.input.project).includes(s.name));
        const status: ServiceReport['status'] = bp ? 'broken-at-baseline' : stillBroken ? 'failed' : withheld.length ? 'withheld' : applied ? 'verified' : 'unchanged';
        return {
          name: s.name,
          status,
          baseline,
          ...(hardened ? { hardened } : {}),
          ...(bp ? { baselineProblem: bp } : {}),
          problems: this.firstProblems.get(`${t.id}\0${s.name}`) ?? [],
          fixes,
          withheld,
        };
      });
      return {
        id: t.id,
        kind: t.kind,
        label: t.label,
        services,
        notes: [...new Set([...base.notes, ...(hard?.notes ?? [])])],
        ...(base.error ? { error: base.error } : {}),
        boots: this.boots.get(t.id) ?? 0,
      };
    });
    return {
      engine: { version: this.rt.engineVersion, compose: `${this.rt.compose.argv.join(' ')} ${this.rt.compose.version}` },
      targets,
      withheldFixes: [...this.withheld.values(), ...this.unverified.values()].map((h) => ({ ...this.ref(h.finding), evidence: h.evidence })),
      boots: [...this.boots.values()].reduce((a, b) => a + b, 0),
      durationMs: Date.now() - this.started,
      kept,
    };
  }
}
