// Which services a fix touches, so verify knows which fixes to suspect when a
// service breaks, and which fixes a healthy run has verified. A fix touches a
// service when it edits the service's own entry in a compose file of the
// project or one it includes (by the fix's intent paths), its Dockerfile, a file of its build
// context, or a file it bind-mounts.
import type { Finding } from '../types.js';
import type { Project } from '../model.js';
import { isInside } from '../read.js';
import type { VerifyTarget } from './targets.js';

/** Names of the services of `target` that the fix of `f` touches. */
export function touchedServices(f: Finding, target: VerifyTarget, project: Project): string[] {
  const out = new Set<string>();
  for (const edit of f.fix?.edits ?? []) {
    const kind = project.files.get(edit.file)?.kind;
    if (target.kind === 'compose' && (target.files.includes(edit.file) || target.included.includes(edit.file))) {
      const named = (f.fix!.intent ?? []).filter((c) => c.file === edit.file && c.path[0] === 'services' && c.path.length > 1).map((c) => String(c.path[1]));
      if (named.length) for (const n of named) out.add(n);
      // An edit without intent paths: every service of that file.
      else for (const s of project.services) if (s.compose.path === edit.file) out.add(s.name);
    }
    for (const s of target.services) {
      if (s.dockerfile === edit.file) out.add(s.name);
      else if (s.context && kind !== 'compose' && isInside(s.context, edit.file)) out.add(s.name);
      else if (s.binds.some((b) => b === edit.file || isInside(b, edit.file))) out.add(s.name);
    }
  }
  const known = new Set(target.services.map((s) => s.name));
  return [...out].filter((n) => known.has(n));
}

/** True when the fix edits only files nothing runs (`.env.example`): there is nothing a boot could show. */
export function editsOnlyDocumentation(f: Finding, project: Project): boolean {
  const edits = f.fix?.edits ?? [];
  return edits.length > 0 && edits.every((e) => project.files.get(e.file)?.kind === 'env');
}

/**
 * Order suspects by what the failure shows, most likely first (an ordering
 * only: bisection still decides). Returns each finding with a score.
 */
export function rankSuspects<T extends Finding>(suspects: T[], evidence: string): { finding: T; score: number }[] {
  const text = evidence.toLowerCase();
  const score = (f: T): number => {
    const id = f.transform;
    let s = 0;
    if (/read-only file system|\berofs\b/.test(text) && id === 'compose/read-only') s += 10;
    if (/unable to find user|no matching entries in passwd|is not unique|already exists/.test(text) && id === 'dockerfile/non-root-user') s += 10;
    if (/failed switching|setgroups|operation not permitted|\beperm\b/.test(text) && (id === 'dockerfile/non-root-user' || id === 'compose/cap-drop')) s += 6;
    if (/permission denied|\beacces\b/.test(text) && (id === 'dockerfile/non-root-user' || id === 'dockerfile/home-cache-env' || id === 'compose/docker-socket-group')) s += 4;
    return s;
  };
  return suspects.map((finding) => ({ finding, score: score(finding) })).sort((a, b) => b.score - a.score);
}
