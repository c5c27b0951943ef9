import path from 'node:path';
import { normalizePath, serviceRuns } from './compose-service.js';
import { parseVolumes, type Project, type ServiceLink } from './model.js';
import { isUnder } from './write-paths.js';

/** Where a service's `docker compose watch` copies files, and the files whose `develop.watch` says so. */
export interface WatchSyncs {
  /** Targets of sync actions (sync, sync+restart, sync+exec) that no path in `covered` or the run's own mounts covers. */
  targets: string[];
  /** Files merged onto the service that the watch comes from (compose.override.yml); empty when it is the service's own. */
  files: string[];
}

/**
 * The targets of the service's `develop.watch` sync actions (sync, sync+restart, sync+exec) that no path in `covered`
 * (the caller's mounts) and no mount or tmpfs of a merged run covers. Compose copies each changed file into the running
 * container there, and "watch also requires that the container's USER can write to the target path" (Docker docs,
 * Compose file watch, prerequisites: https://docs.docker.com/compose/how-tos/file-watch/#prerequisites); `rebuild`
 * and `restart` write nothing into the container. The watch is read in every project that runs the service, the files
 * merged onto it included: fastapi/full-stack-fastapi-template keeps the backend's `develop.watch` (sync ./backend to
 * /app/backend) in compose.override.yml, which compose merges onto compose.yml's backend for its documented
 * `docker compose watch`; `files` names such files. Read by compose/read-only and dockerfile/non-root-user.
 */
export function watchSyncTargets(project: Project, s: ServiceLink, covered: Iterable<string>): WatchSyncs {
  const out: string[] = [];
  const files: string[] = [];
  const own = [...covered];
  const composeDir = path.dirname(s.compose.path);
  const read = (data: Record<string, unknown>, covering: string[], from: ServiceLink | undefined) => {
    const develop = data.develop;
    const watch = develop && typeof develop === 'object' ? (develop as Record<string, unknown>).watch : undefined;
    if (!Array.isArray(watch)) return;
    for (const rule of watch) {
      if (!rule || typeof rule !== 'object') continue;
      const { action, target } = rule as Record<string, unknown>;
      if (typeof action !== 'string' || !action.startsWith('sync') || typeof target !== 'string' || !target.trim()) continue;
      const t = normalizePath(target.trim());
      if (t.startsWith('/') && covering.some((c) => isUnder(t, c))) continue;
      if (!out.includes(t)) out.push(t);
      if (from && !files.includes(from.compose.rel)) files.push(from.compose.rel);
    }
  };
  read(s.effective, own, undefined);
  for (const run of serviceRuns(project, s)) {
    if (run.parts.length < 2) continue;
    // The mounts and tmpfs of the merged service cover a target as the service's own do.
    const covering = [...own, ...parseVolumes(run.merged, composeDir).map((m) => normalizePath(m.target))];
    const tmpfs = run.merged.tmpfs;
    for (const t of typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs : []) if (typeof t === 'string') covering.push(normalizePath(t.split(':')[0]!.trim()));
    read(run.merged, covering, [...run.parts].reverse().find((p) => p !== s && p.own.develop !== undefined));
  }
  return { targets: out, files };
}
