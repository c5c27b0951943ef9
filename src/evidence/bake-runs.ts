// Where a bake file's contexts resolve. Docker resolves a target's `context` (and
// its local named `contexts`) against the folder the bake command runs in, not
// the bake file's folder: `docker buildx bake -f tests/docker-bake.hcl` from the
// repository root with `context = "dockerfiles/debian9"` builds ./dockerfiles/debian9
// (docker/buildx#1028, where reading it from tests/ fails with "path not found"),
// which is why vaultwarden's docker/bake.sh passes `--set "*.context=${BASEDIR}/.."`.
// `dockerfile` stays relative to the context. A bake file read on its own is read
// from its folder (what `docker buildx bake` run there finds by itself); once a
// command names it with -f from elsewhere, its builds are what those commands build.
import path from 'node:path';
import { statSync } from 'node:fs';
import type { BakeRun, BuildUse, RepoEvidence } from './types.js';

/** Each bake build read from a file that commands run with -f, rebased to the folders those commands run in. */
export function rebaseBakeBuilds(out: RepoEvidence): void {
  if (out.bakeRuns.length === 0) return;
  const runsOf = new Map<string, BakeRun[]>();
  for (const r of out.bakeRuns) for (const f of r.files) runsOf.set(f, [...(runsOf.get(f) ?? []), r]);
  out.builds = out.builds.flatMap((b) => {
    const runs = b.at.source === 'bake' ? runsOf.get(b.at.file) : undefined;
    if (!runs) return [b];
    const seen = new Set<string>();
    const rebased = runs.flatMap((r) => {
      const moved = rebase(b, r);
      const key = moved ? `${moved.context}\0${moved.dockerfile}` : '';
      if (!moved || seen.has(key)) return [];
      seen.add(key);
      return [moved];
    });
    // No run of it finds its Dockerfile: Docker would fail there; the file's own folder stays the reading.
    return rebased.length ? rebased : [b];
  });
}

function rebase(b: BuildUse, run: BakeRun): BuildUse | undefined {
  const bakeDir = path.dirname(b.at.file);
  const target = /^bake target (.+)$/.exec(b.via)?.[1] ?? '';
  // The last --set that names the target wins, as later flags do.
  const set = [...run.contextSets].reverse().find((s) => globMatch(s.pattern, target));
  if (set && /^[a-z]+:\/\/|^git@|^(target|docker-image):|\$/i.test(set.value)) return undefined;
  const context = set ? path.resolve(run.dir, set.value) : path.resolve(run.dir, path.relative(bakeDir, b.context));
  const dockerfile = path.resolve(context, path.relative(b.context, b.dockerfile));
  if (!isFile(dockerfile)) return undefined;
  const namedContexts = b.namedContexts
    ? Object.fromEntries(Object.entries(b.namedContexts).map(([k, v]) => [k, path.isAbsolute(v) ? path.resolve(run.dir, path.relative(bakeDir, v)) : v]))
    : undefined;
  // The run's folder as the evidence's paths are written: relative to the working directory.
  const cwd = run.at.file.endsWith(run.at.rel.split('/').join(path.sep)) ? run.at.file.slice(0, run.at.file.length - run.at.rel.length) : path.dirname(run.at.file);
  const where = path.relative(cwd, run.dir).split(path.sep).join('/') || '.';
  return {
    ...b,
    context,
    dockerfile,
    ...(namedContexts ? { namedContexts } : {}),
    at: { ...b.at, text: `${b.at.text} (run by ${run.at.rel}:${run.at.line}${set ? ` with --set ${set.pattern}.context=${set.value}` : ''}; contexts from ${where}, where it runs)` },
  };
}

/** Bake's `--set` target pattern: `*` and `?` wildcards over the target name. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(name);
}

function isFile(p: string): boolean {
  try {
    return !!statSync(p, { throwIfNoEntry: false })?.isFile();
  } catch {
    return false;
  }
}
