// How `docker compose -f base -f override` merges one service, as far as the
// hardening decisions need it (Compose Specification, "Merge and override"):
// mappings merge key by key, these sequences are appended without duplicates,
// and everything else (scalars, command, entrypoint, healthcheck.test) is replaced.
import { isRecord } from './parse/compose.js';

const APPENDED_SEQUENCES = new Set([
  'ports',
  'expose',
  'external_links',
  'dns',
  'dns_search',
  'tmpfs',
  'cap_add',
  'cap_drop',
  'security_opt',
  'group_add',
  'volumes',
  'devices',
  'env_file',
  'configs',
  'secrets',
  'profiles',
]);

export function mergeComposeService(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
  /** The override's `!reset` / `!override` keys (ComposeServiceNode.mergeTags). */
  tags?: Readonly<Record<string, 'reset' | 'override'>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const tag = tags?.[key];
    if (tag === 'reset') {
      delete out[key];
      continue;
    }
    if (tag === 'override') {
      out[key] = value;
      continue;
    }
    const prev = out[key];
    if (APPENDED_SEQUENCES.has(key) && Array.isArray(prev) && Array.isArray(value)) {
      const merged = [...prev];
      for (const v of value) if (!merged.some((m) => JSON.stringify(m) === JSON.stringify(v))) merged.push(v);
      out[key] = merged;
    } else if (key === 'environment' || key === 'labels' || key === 'build' || key === 'healthcheck' || key === 'logging' || key === 'deploy') {
      out[key] = mergeMapLike(prev, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Merge two values that may be maps or `KEY=VALUE` lists (environment, labels). */
function mergeMapLike(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  const ma = toMap(a);
  const mb = toMap(b);
  if (!ma || !mb) return b;
  return { ...ma, ...mb };
}

function toMap(v: unknown): Record<string, unknown> | undefined {
  if (isRecord(v)) return v;
  if (Array.isArray(v)) {
    const out: Record<string, unknown> = {};
    for (const item of v) {
      if (typeof item !== 'string') return undefined;
      const eq = item.indexOf('=');
      if (eq < 0) out[item] = null;
      else out[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return out;
  }
  return undefined;
}
