// A compose service's container environment as compose builds it: the files
// `env_file:` names, then `environment:` over them (Compose Specification,
// "env_file": "the value set in environment takes precedence over the value in
// env_file"; of several files, a later one wins over an earlier one;
// https://docs.docker.com/reference/compose-file/services/#env_file). The
// files are read from disk, relative to the compose file that names them; a
// file missing with `required: false` adds nothing (compose skips it), one
// missing otherwise is reported as not read (compose itself would fail).
// What it reads never counts for interpolation (compose-interpolate.ts does).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceLink } from './model.js';
import { isRecord } from './parse/compose.js';
import { interpolate, parseEnvFile } from './compose-interpolate.js';

/** One `env_file:` entry: string, list of strings, or long form `{path, required, format}`. */
export interface EnvFileRef {
  /** Absolute path. */
  path: string;
  /** As written, for messages. */
  written: string;
  required: boolean;
}

/** Where one variable of the container's environment comes from. */
export interface EnvEntry {
  value: string;
  /** `environment` (the compose file's own key), or an env file with the line that sets it. */
  from: { kind: 'environment' } | { kind: 'env_file'; file: string; line: number; written: string };
}

/** The entries of a service's `env_file:` (merged over its compose files), in compose's order. */
export function envFileRefs(s: ServiceLink): EnvFileRef[] {
  return readEnvFileEntries(s).refs;
}

/**
 * The `env_file:` entries whose path holds a variable that neither `.env`/`--env-file` nor a default settles
 * (`${STAGE}.env`): the file is up to the shell that runs compose, so what it sets is not known here. As written.
 */
export function unresolvedEnvFiles(s: ServiceLink): string[] {
  return readEnvFileEntries(s).unresolved;
}

function readEnvFileEntries(s: ServiceLink): { refs: EnvFileRef[]; unresolved: string[] } {
  const raw = s.effective.env_file;
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  // Relative paths resolve against the folder of the file that names them: this one, or the base it overrides.
  const owner = s.own.env_file !== undefined ? s : (s.base ?? s.extends ?? s);
  const dir = path.dirname(owner.compose.path);
  const refs: EnvFileRef[] = [];
  const unresolved: string[] = [];
  for (const item of list) {
    const written = typeof item === 'string' ? item : isRecord(item) && typeof item.path === 'string' ? item.path : undefined;
    if (!written) continue;
    // Compose interpolates the path as it does every value (`${ENV_FILE:-.env}`, `./${STAGE}.env` with STAGE in .env);
    // a variable nothing settles leaves the file unknown.
    const resolved = written.includes('$') ? (owner.interpolation ? interpolate(written, owner.interpolation)?.value : undefined) : written;
    if (resolved === undefined || resolved === '') {
      unresolved.push(written);
      continue;
    }
    const required = !(isRecord(item) && (item.required === false || item.required === 'false'));
    refs.push({ path: path.resolve(dir, resolved), written, required });
  }
  return { refs, unresolved };
}

/** `NAME=value` lines of an env file as compose reads them (parseEnvFile), with 1-based lines (a later line wins). */
export function envFileAssignments(text: string): Map<string, { value: string; line: number }> {
  return parseEnvFile(text, '');
}

/** Text of an env file: the model's copy when it holds one, else from disk; undefined when it cannot be read. */
export type EnvFileReader = (file: string) => string | undefined;

export const readEnvFileFromDisk: EnvFileReader = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The container's environment as compose sets it, name by name: env files in
 * order (later wins), then `environment:` (map or `NAME=value` list) over them.
 * A name `environment:` lists without a value comes from the shell: left out,
 * and it hides what an env file says (compose takes the shell's value).
 */
export function serviceEnvironment(s: ServiceLink, read: EnvFileReader = readEnvFileFromDisk): Map<string, EnvEntry> {
  const out = new Map<string, EnvEntry>();
  for (const ref of envFileRefs(s)) {
    const text = read(ref.path);
    if (text === undefined) continue;
    for (const [name, { value, line }] of envFileAssignments(text)) out.set(name, { value, from: { kind: 'env_file', file: ref.path, line, written: ref.written } });
  }
  const env = s.effective.environment;
  if (Array.isArray(env)) {
    for (const item of env) {
      if (typeof item !== 'string') continue;
      const eq = item.indexOf('=');
      if (eq < 0) out.delete(item);
      else out.set(item.slice(0, eq), { value: item.slice(eq + 1), from: { kind: 'environment' } });
    }
  } else if (isRecord(env)) {
    for (const [k, v] of Object.entries(env)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.set(k, { value: String(v), from: { kind: 'environment' } });
      else out.delete(k);
    }
  }
  return out;
}

/** The services of the project that read `file` through their `env_file:`. */
export function envFileReaders(services: readonly ServiceLink[], file: string): ServiceLink[] {
  return services.filter((s) => envFileRefs(s).some((r) => r.path === file));
}
