// .docker-harden.yml / .docker-harden.yaml / .docker-harden.json at the root of
// each path argument (or one file named by --config), in an ESLint-like shape:
// top-level options and skip/transforms/exclude, then `overrides` whose `files`
// globs (gitignore-style, relative to the config's folder) switch transforms
// off or on for some files. Validation is strict: an unknown key or a bad value
// is a ConfigError that names the file, the key and what is allowed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { parseDocument } from 'yaml';
import type { HardenOptions } from './types.js';
import { isInside } from './read.js';
import { toPosix } from './discover.js';
import { lineColumn } from './text.js';
import { IMAGE_ROLES, type ImageRole } from './roles.js';

export const CONFIG_NAMES = ['.docker-harden.yml', '.docker-harden.yaml', '.docker-harden.json'];

export class ConfigError extends Error {}

export interface ConfigOverride {
  files: string[];
  skip?: string[];
  transforms?: string[];
  roles?: ImageRole[];
}

export interface ConfigData {
  uid?: number;
  gid?: number;
  'user-name'?: string;
  'tmpfs-size'?: string;
  'chown-workdir'?: boolean;
  'user-ref'?: 'uid' | 'name';
  'entrypoint-drop'?: 'keep' | 'conditional';
  skip?: string[];
  transforms?: string[];
  exclude?: string[];
  overrides?: ConfigOverride[];
  /** Roles of Dockerfiles and stages that get hardened (default: runtime). */
  roles?: ImageRole[];
}

export interface LoadedConfig {
  file: string;
  /** Folder the config's patterns are relative to. */
  dir: string;
  data: ConfigData;
}

export interface ConfigSet {
  configs: LoadedConfig[];
  /** Harden options the configurations set (command-line flags win over these). */
  options: Partial<HardenOptions>;
  /** Excluded by a configuration's `exclude`. */
  isExcluded(file: string): boolean;
  /** Whether a transform may report on (and fix) this file. */
  isEnabled(transformId: string, file: string): boolean;
  /** Whether a transform is on for at least some file (else it need not run at all). */
  mayRun(transformId: string): boolean;
  /** Roles of Dockerfiles (and dev container services) hardened in this file: `roles`, per-file overrides applied. */
  hardenedRoles(file: string): readonly ImageRole[];
}

const TOP_KEYS = ['uid', 'gid', 'user-name', 'tmpfs-size', 'chown-workdir', 'user-ref', 'entrypoint-drop', 'skip', 'transforms', 'exclude', 'overrides', 'roles'];
const OVERRIDE_KEYS = ['files', 'skip', 'transforms', 'roles'];
const DEFAULT_ROLES: readonly ImageRole[] = ['runtime'];

/** The HardenOptions field each option key sets. */
const OPTION_FIELDS = {
  uid: 'uid',
  gid: 'gid',
  'user-name': 'userName',
  'tmpfs-size': 'tmpfsSize',
  'chown-workdir': 'chownWorkdir',
  'user-ref': 'userRef',
  'entrypoint-drop': 'entrypointDrop',
} as const;

/** Allowed values of the option keys that choose between ways of doing a thing. */
export const OPTION_CHOICES = { 'user-ref': ['uid', 'name'], 'entrypoint-drop': ['keep', 'conditional'] } as const;

/**
 * Load the configuration of every path argument: `explicit` (from --config)
 * applies to all of them; otherwise each argument's root (the folder itself,
 * or a file's folder) may hold one config file.
 */
export function loadConfigs(paths: string[], cwd: string, knownTransforms: string[], explicit?: string): ConfigSet {
  const configs: LoadedConfig[] = [];
  /** Which config governs files under each root. */
  const byRoot = new Map<string, LoadedConfig>();
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigError(`${explicit}: configuration file not found`);
    configs.push(readConfig(file, knownTransforms, cwd));
  }
  for (const arg of paths.length ? paths : ['.']) {
    const abs = path.resolve(cwd, arg);
    let root: string;
    try {
      root = statSync(abs).isDirectory() ? abs : path.dirname(abs);
    } catch {
      continue; // discovery reports the missing path
    }
    if (byRoot.has(root)) continue;
    if (explicit) {
      byRoot.set(root, configs[0]);
      continue;
    }
    const found = CONFIG_NAMES.map((n) => path.join(root, n)).filter((p) => existsSync(p));
    if (found.length > 1) {
      throw new ConfigError(`${found.map((f) => path.relative(cwd, f)).join(' and ')}: two configuration files in one folder; keep one`);
    }
    if (found.length === 0) continue;
    const existing = configs.find((c) => c.file === found[0]);
    const cfg = existing ?? readConfig(found[0], knownTransforms, cwd);
    if (!existing) configs.push(cfg);
    byRoot.set(root, cfg);
  }
  return makeSet(configs, byRoot, knownTransforms, cwd);
}

function makeSet(configs: LoadedConfig[], byRoot: Map<string, LoadedConfig>, known: string[], cwd: string): ConfigSet {
  const options: Partial<HardenOptions> = {};
  const setBy: Partial<Record<keyof HardenOptions, string>> = {};
  for (const c of configs) {
    for (const [key, field] of Object.entries(OPTION_FIELDS) as [keyof typeof OPTION_FIELDS, keyof HardenOptions][]) {
      const v = c.data[key];
      if (v === undefined) continue;
      if (options[field] !== undefined && options[field] !== v) {
        // Options are per run (one UID for the whole stack); two configs cannot disagree.
        throw new ConfigError(`${path.relative(cwd, c.file)}: ${key} is ${v}, but ${setBy[field]} sets ${options[field]}; the paths of one run need one ${key}`);
      }
      (options as Record<string, unknown>)[field] = v;
      setBy[field] = path.relative(cwd, c.file);
    }
  }

  const matchers = new Map<LoadedConfig, { exclude: Ignore; overrides: Ignore[] }>();
  for (const c of configs) {
    matchers.set(c, {
      exclude: ignore().add(c.data.exclude ?? []),
      overrides: (c.data.overrides ?? []).map((o) => ignore().add(o.files)),
    });
  }
  /** The config for a file: the one of the deepest root that holds it. */
  const configOf = (file: string): LoadedConfig | undefined => {
    let best: string | undefined;
    for (const root of byRoot.keys()) {
      if (isInside(root, file) && (best === undefined || root.length > best.length)) best = root;
    }
    return best === undefined ? undefined : byRoot.get(best);
  };
  const relTo = (c: LoadedConfig, file: string): string | undefined => {
    if (file === c.dir || !isInside(c.dir, file)) return undefined;
    return toPosix(path.relative(c.dir, file));
  };

  return {
    configs,
    options,
    isExcluded(file) {
      const c = configOf(file);
      const rel = c && relTo(c, file);
      return !!rel && matchers.get(c)!.exclude.ignores(rel);
    },
    isEnabled(id, file) {
      const c = configOf(file);
      if (!c) return true;
      let on = (c.data.transforms ?? known).includes(id) && !(c.data.skip ?? []).includes(id);
      const rel = relTo(c, file);
      if (rel === undefined) return on;
      (c.data.overrides ?? []).forEach((o, i) => {
        if (!matchers.get(c)!.overrides[i].ignores(rel)) return;
        // Later overrides win, as in ESLint: `transforms` lists what is on, `skip` turns off.
        if (o.transforms) on = o.transforms.includes(id);
        if (o.skip?.includes(id)) on = false;
      });
      return on;
    },
    hardenedRoles(file) {
      const c = configOf(file);
      if (!c) return DEFAULT_ROLES;
      let roles: readonly ImageRole[] = c.data.roles ?? DEFAULT_ROLES;
      const rel = relTo(c, file);
      if (rel === undefined) return roles;
      (c.data.overrides ?? []).forEach((o, i) => {
        if (o.roles && matchers.get(c)!.overrides[i].ignores(rel)) roles = o.roles;
      });
      return roles;
    },
    mayRun(id) {
      if (configs.length === 0 || byRoot.size === 0) return true;
      return [...new Set(byRoot.values())].some(
        (c) =>
          ((c.data.transforms ?? known).includes(id) && !(c.data.skip ?? []).includes(id)) ||
          (c.data.overrides ?? []).some((o) => o.transforms?.includes(id)),
      );
    },
  };
}

function readConfig(abs: string, known: string[], cwd: string): LoadedConfig {
  const name = path.basename(abs);
  // Messages name the file as the user would type it.
  const file = path.relative(cwd, abs) || abs;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  if (name.endsWith('.json')) {
    try {
      raw = text.trim() === '' ? {} : JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
  } else {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) {
      const e = doc.errors[0];
      const { line, column } = lineColumn(text, e.pos?.[0] ?? 0);
      throw new ConfigError(`${file}:${line}:${column}: not valid YAML: ${e.message.split('\n')[0]}`);
    }
    raw = doc.toJS() ?? {};
  }
  return { file: abs, dir: path.dirname(abs), data: validate(raw, file, known) };
}

/** Check the parsed configuration; the error names the file, the key and what is allowed. */
export function validate(raw: unknown, file: string, known: string[]): ConfigData {
  const fail = (key: string, problem: string): never => {
    throw new ConfigError(`${file}: ${key ? `${key}: ` : ''}${problem}`);
  };
  if (!isPlainObject(raw)) fail('', `must be a map of settings; allowed keys: ${TOP_KEYS.join(', ')}`);
  const obj = raw as Record<string, unknown>;
  const out: ConfigData = {};
  const ids = (key: string, v: unknown): string[] => {
    const list = stringList(key, v, fail);
    list.forEach((id, i) => {
      if (!known.includes(id)) fail(`${key}[${i}]`, `unknown transform '${id}'; allowed: ${known.join(', ')}`);
    });
    return list;
  };
  for (const [key, v] of Object.entries(obj)) {
    switch (key) {
      case 'uid':
      case 'gid':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2147483647) {
          fail(key, `must be a whole number from 1 to 2147483647 (0 is root), got ${JSON.stringify(v)}`);
        }
        out[key] = v as number;
        break;
      case 'user-name':
        if (typeof v !== 'string' || !/^[a-z_][a-z0-9_-]{0,31}$/.test(v)) {
          fail(key, `must be a POSIX user name (lower-case letters, digits, _ and -, at most 32), got ${JSON.stringify(v)}`);
        }
        out[key] = v as string;
        break;
      case 'tmpfs-size':
        if (typeof v !== 'string' && typeof v !== 'number') fail(key, `must look like 64m, 1g or 65536, got ${JSON.stringify(v)}`);
        if (!/^\d+[kmg]?$/i.test(String(v))) fail(key, `must look like 64m, 1g or 65536, got ${JSON.stringify(v)}`);
        out[key] = String(v);
        break;
      case 'chown-workdir':
        if (typeof v !== 'boolean') fail(key, `must be true or false, got ${JSON.stringify(v)}`);
        out[key] = v as boolean;
        break;
      case 'user-ref':
      case 'entrypoint-drop': {
        const allowed: readonly string[] = OPTION_CHOICES[key];
        if (typeof v !== 'string' || !allowed.includes(v)) fail(key, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
        (out as Record<string, unknown>)[key] = v;
        break;
      }
      case 'skip':
      case 'transforms':
        out[key] = ids(key, v);
        break;
      case 'exclude':
        out.exclude = stringList(key, v, fail);
        break;
      case 'roles':
        out.roles = roleList(key, v, fail);
        break;
      case 'overrides':
        if (!Array.isArray(v)) fail(key, 'must be a list of { files, skip, transforms, roles } entries');
        out.overrides = (v as unknown[]).map((o, i) => {
          const at = `overrides[${i}]`;
          if (!isPlainObject(o)) fail(at, `must be a map with keys ${OVERRIDE_KEYS.join(', ')}`);
          const entry = o as Record<string, unknown>;
          for (const k of Object.keys(entry)) {
            if (!OVERRIDE_KEYS.includes(k)) fail(`${at}.${k}`, `unknown key; allowed in an override: ${OVERRIDE_KEYS.join(', ')}`);
          }
          if (entry.files === undefined) fail(`${at}.files`, 'is required: the globs this override applies to');
          const files = stringList(`${at}.files`, entry.files, fail);
          if (files.length === 0) fail(`${at}.files`, 'must name at least one glob');
          const ov: ConfigOverride = { files };
          if (entry.skip !== undefined) ov.skip = ids(`${at}.skip`, entry.skip);
          if (entry.transforms !== undefined) ov.transforms = ids(`${at}.transforms`, entry.transforms);
          if (entry.roles !== undefined) ov.roles = roleList(`${at}.roles`, entry.roles, fail);
          return ov;
        });
        break;
      default:
        fail(key, `unknown key; allowed: ${TOP_KEYS.join(', ')}`);
    }
  }
  return out;
}

/** Roles to harden: names from IMAGE_ROLES. */
function roleList(key: string, v: unknown, fail: (key: string, problem: string) => never): ImageRole[] {
  const list = stringList(key, v, fail);
  list.forEach((r, i) => {
    if (!(IMAGE_ROLES as readonly string[]).includes(r)) fail(`${key}[${i}]`, `unknown role '${r}'; allowed: ${IMAGE_ROLES.join(', ')}`);
  });
  return list as ImageRole[];
}

function stringList(key: string, v: unknown, fail: (key: string, problem: string) => never): string[] {
  // A single string is accepted as a one-item list, as ESLint does for `files`.
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return fail(key, `must be a list of strings, got ${JSON.stringify(v)}`);
  v.forEach((x, i) => {
    if (typeof x !== 'string' || x === '') fail(`${key}[${i}]`, `must be a non-empty string, got ${JSON.stringify(x)}`);
  });
  return v as string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
