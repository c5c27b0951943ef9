// Questions compose transforms ask of a service, answered once.
import path from 'node:path';
import type { Project, ServiceLink } from './model.js';
import type { Finding } from './types.js';
import { isRecord } from './parse/compose.js';

/**
 * A partial service in an override file whose base file defines it too: the
 * base gets the fix, and compose merges it; adding it again would duplicate it.
 */
export function isPartialOverride(s: ServiceLink): boolean {
  return s.base !== undefined;
}

export function isPrivileged(s: ServiceLink): boolean {
  return s.effective.privileged === true;
}

/** A string list under `key` in the merged service, or [] (compose accepts only lists for these). */
export function stringList(s: ServiceLink, key: string): string[] {
  const v = s.effective[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The JSON path of a service in its document, for DataChange intents. */
export function servicePath(s: ServiceLink, ...rest: (string | number)[]): (string | number)[] {
  return ['services', s.name, ...rest];
}

/** Where a finding about a service points: its key. */
export function serviceRange(s: ServiceLink): [number, number] {
  const r = s.node.keyNode.range!;
  return [r[0], r[1]];
}

/** An explicit `user:` in compose (`root`, `0`, `1000:1000`), if any. */
export function composeUser(s: ServiceLink): string | undefined {
  const u = s.effective.user;
  return typeof u === 'string' || typeof u === 'number' ? String(u) : undefined;
}

/** A finding about a service with no fix: what is wrong and what to do by hand. */
export function serviceNote(
  transform: string,
  cis: string,
  s: ServiceLink,
  message: string,
  manual: string,
  severity: Finding['severity'] = 'warning',
): Finding {
  return { transform, file: s.compose.path, range: serviceRange(s), message: `service ${s.name}: ${message}`, severity, cis, manual };
}

export { isRecord };

/**
 * The name Docker gives a named volume of a service: the top-level `volumes.<v>.name`,
 * else `<project>_<v>` (external volumes keep their own name). The project is the
 * document's top-level `name:`, else the compose file's folder, as compose normalises it.
 * `COMPOSE_PROJECT_NAME` and `-p` can change it at run time; callers say so.
 */
export function dockerVolumeName(s: ServiceLink, volume: string): string {
  const compose = (s.base ?? s).compose;
  const doc = compose.parsed.docs[(s.base ?? s).node.docIndex]?.data;
  const top = isRecord(doc) ? doc : {};
  const decl = isRecord(top.volumes) ? top.volumes[volume] : undefined;
  if (isRecord(decl)) {
    if (typeof decl.name === 'string') return decl.name;
    if (decl.external === true) return volume;
    if (isRecord(decl.external) && typeof decl.external.name === 'string') return decl.external.name;
  }
  const project = typeof top.name === 'string' ? top.name : path.basename(path.dirname(compose.path));
  return `${project.toLowerCase().replace(/[^a-z0-9_-]/g, '')}_${volume}`;
}

/** Services run together: those defined by compose files in one folder (a base file and its overrides). */
function sameProject(a: ServiceLink, b: ServiceLink): boolean {
  return path.dirname(a.compose.path) === path.dirname(b.compose.path);
}

/**
 * Other services of the same compose project that mount one of the named volumes
 * `services` mount (read-only mounts included: the reader needs access too).
 */
export function volumePeers(project: Project, services: ServiceLink[]): { volume: string; peer: ServiceLink }[] {
  const mine = new Set(services.map((s) => `${path.dirname(s.compose.path)}\0${s.name}`));
  const out: { volume: string; peer: ServiceLink }[] = [];
  for (const s of services) {
    for (const m of s.volumes) {
      if (m.type !== 'volume' || !m.source) continue;
      for (const other of project.services) {
        if (mine.has(`${path.dirname(other.compose.path)}\0${other.name}`) || !sameProject(s, other)) continue;
        if (!other.volumes.some((o) => o.type === 'volume' && o.source === m.source)) continue;
        if (!out.some((x) => x.volume === m.source && x.peer.name === other.name)) out.push({ volume: m.source, peer: other });
      }
    }
  }
  return out;
}
