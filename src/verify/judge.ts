// Judging evidence: is a service fine before hardening, and what broke after.
// Pure functions over ServiceEvidence, so they are tested without an engine.
import type { Problem, ServiceEvidence } from './types.js';

/** Log lines that report a permission error (the kernel's errno names and their usual messages). */
export const PERMISSION_ERROR = /\b(EACCES|EPERM|EROFS)\b|permission denied|read-only file system|operation not permitted/i;

/** Why the service does not count as working before hardening; undefined when it works. */
export function baselineProblem(e: ServiceEvidence): string | undefined {
  if (e.built === false) return 'its image does not build';
  if (e.state === 'not-started') return `it did not start${e.reason ? `: ${e.reason}` : ''}`;
  if (e.state === 'exited' || e.state === 'dead') {
    return e.exitCode === 0 ? undefined : `it exits with code ${e.exitCode}${e.reason ? ` (${e.reason})` : ''}`;
  }
  if (e.state === 'restarting' || e.restarts > 0) return `it restarts (${e.restarts} restarts)`;
  if (e.state !== 'running') return `it is ${e.state}${e.reason ? `: ${e.reason}` : ''}`;
  if (e.health !== null && e.health !== 'healthy') return `it is ${e.health === 'starting' ? 'not healthy within the time limit' : e.health}`;
  return undefined;
}

/** A service that ran to completion with exit code 0 (a migration, a seed job). */
export function isOneShot(e: ServiceEvidence): boolean {
  return (e.state === 'exited' || e.state === 'dead') && e.exitCode === 0;
}

/** Same message once numbers, ids and timestamps are set aside. */
export function normalizeLogLine(line: string): string {
  return line
    .replace(/\b(0x)?[0-9a-f]{12,}\b/gi, '<id>')
    .replace(/\d+/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The image the engine could not pull, read from a failed build's log or a
 * failed `up`'s error; undefined when something else failed. The classic
 * builder (docker build, docker-compose 1.x) fails at the step it was on: a
 * FROM step fails only when its image cannot be had. BuildKit names the image
 * whose metadata it could not load; compose names the image it was pulling.
 */
export function unpulledImage(lines: string[]): string | undefined {
  const text = lines.join('\n');
  const steps = [...text.matchAll(/^Step \d+\/\d+ : (\S+)[ \t]+(.*)$/gim)];
  const last = steps[steps.length - 1];
  if (last && last[1]!.toUpperCase() === 'FROM') {
    const image = last[2]!.split(/\s+/).find((w) => !w.startsWith('--'));
    if (image) return image;
  }
  const named =
    /failed to resolve source metadata for (\S+?):\s/.exec(text) ??
    /pull access denied for ([^\s,]+)/.exec(text) ??
    /manifest for (\S+) not found/.exec(text) ??
    // docker-compose 1.x `up`: its last step was "Pulling caddy (docker.io/library/caddy:2-alpine)...",
    // followed only by the daemon's error (searxng-docker here: `Get "https://registry-1.docker.io/v2/": … no such host`).
    lastPull(text);
  return named ? named[1]!.replace(/^docker\.io\/(library\/)?/, '') : undefined;
}

function lastPull(text: string): RegExpExecArray | null {
  const pulls = [...text.matchAll(/Pulling \S+ \(([^)\s]+)\)\.\.\./g)];
  const last = pulls[pulls.length - 1];
  if (!last) return null;
  const after = text.slice(last.index! + last[0].length);
  // A later step (a container created, another pull done) means this pull worked.
  return /\b(Creating|Starting|Recreating)\b|\bdone\b/.test(after) ? null : (last as RegExpExecArray);
}

/**
 * What broke: every check the baseline passed and the hardened run fails.
 * The baseline must have passed baselineProblem().
 */
export function compareEvidence(base: ServiceEvidence, hard: ServiceEvidence): Problem[] {
  const out: Problem[] = [];
  if (hard.built === false) {
    const image = unpulledImage(hard.buildLog);
    return [{ check: 'build', message: `the image no longer builds${image ? `: the engine could not pull ${image}` : ''}`, lines: hard.buildLog }];
  }
  const logs = hard.permissionErrors.length ? hard.permissionErrors : hard.logTail;
  if (hard.state === 'not-started' || (hard.state === 'created' && hard.reason)) {
    // A container that never ran has no log: compose's error is what shows why.
    const lines = logs.length || !hard.reason ? logs : [hard.reason];
    const image = unpulledImage(lines);
    return [{ check: 'start', message: image ? `the container does not start: the engine could not pull ${image}` : `the container does not start${hard.reason ? `: ${hard.reason}` : ''}`, lines }];
  }
  if (isOneShot(base)) {
    if (hard.state === 'exited' || hard.state === 'dead') {
      if (hard.exitCode !== base.exitCode) out.push({ check: 'exit-code', message: `it exits with code ${hard.exitCode} (before: ${base.exitCode})`, lines: logs });
    } else {
      out.push({ check: 'state', message: `it is ${hard.state} where it used to finish with code ${base.exitCode}`, lines: logs });
    }
  } else if (hard.state !== 'running' && hard.state !== 'restarting') {
    const what = hard.state === 'exited' && hard.exitCode !== null ? `exited with code ${hard.exitCode}` : `is ${hard.state}`;
    out.push({ check: 'state', message: `it ${what}${hard.reason ? ` (${hard.reason})` : ''}`, lines: logs });
  }
  // Listening on no TCP port at all where it used to (a port may move: nginx/unprivileged takes 80 to 8080).
  if (base.listening?.length && hard.state === 'running' && hard.listening && hard.listening.length === 0) {
    out.push({ check: 'state', message: `it listens on no TCP port where it used to listen on ${base.listening.join(', ')}`, lines: logs });
  }
  if (hard.restarts > base.restarts || hard.state === 'restarting') {
    out.push({ check: 'restarts', message: `it restarts (${hard.restarts} restarts within the settle period)`, lines: logs });
  }
  if (base.health === 'healthy' && hard.state === 'running' && hard.health !== 'healthy') {
    out.push({ check: 'health', message: `it is ${hard.health ?? 'without a healthcheck'} where it used to be healthy`, lines: hard.healthLog.length ? hard.healthLog : logs });
  }
  const before = new Set(base.permissionErrors.map(normalizeLogLine));
  const fresh = hard.permissionErrors.filter((l) => !before.has(normalizeLogLine(l)));
  if (fresh.length) {
    out.push({ check: 'permission-errors', message: `its log reports permission errors it did not report before`, lines: fresh.slice(0, 10) });
  }
  for (const w of hard.writable) {
    const was = base.writable.find((b) => b.path === w.path);
    if (w.ok === false && was?.ok !== false) {
      out.push({ check: 'writable', message: `${w.path} is declared writable but its user cannot write it`, lines: w.detail ? [w.detail] : [] });
    }
  }
  return out;
}
