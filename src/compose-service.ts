// Questions compose transforms ask of a service, answered once.
import type { ServiceLink } from './model.js';
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
