// Compose variable interpolation, as compose does it before it reads a file:
// `${VAR}`, `$VAR`, `${VAR:-default}` (unset or empty), `${VAR-default}`
// (unset), `${VAR:?error}` / `${VAR?error}` (required), `${VAR:+alt}` /
// `${VAR+alt}`, and `$$` for a literal `$`. Values come from the project's
// `.env` (the folder of the first compose file) or the `--env-file`s a
// command gives (which replace `.env`); a service's `env_file:` only sets the
// container's environment and never counts here. The shell's environment,
// which outranks both, is not known to the tool: a variable no file sets and
// that has no default leaves the value unresolved (`undefined`), never empty.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One variable's value and the file and line that set it. */
export interface EnvValue {
  value: string;
  /** `.env:27` (relative to the working directory). */
  from: string;
  /** 1-based line of the file that sets it. */
  line: number;
}

export type EnvScope = ReadonlyMap<string, EnvValue>;

/** A string with its variables replaced, and where each value came from (`MYSQL_IMAGE=mysql from .env:27`). */
export interface Interpolated {
  value: string;
  /** One entry per variable read; empty when the string has none. */
  sources: string[];
}

/**
 * Read an env file as compose does: `KEY=VALUE` lines, `export ` allowed,
 * `#` comments (inline only after whitespace in an unquoted value), single
 * quotes literal, double quotes with `\n`-style escapes, unquoted and
 * double-quoted values interpolated with the keys above them.
 */
export function parseEnvFile(text: string, rel: string, into = new Map<string, EnvValue>()): Map<string, EnvValue> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) return;
    const raw = m[2]!;
    let value: string;
    const single = /^'([^']*)'/.exec(raw);
    const double = /^"((?:[^"\\]|\\.)*)"/.exec(raw);
    if (single) value = single[1]!;
    else if (double) value = expandInFile(double[1]!.replace(/\\([nrt"\\$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? c), into);
    else value = expandInFile(raw.replace(/\s+#.*$/, '').trim(), into);
    into.set(m[1]!, { value, from: `${rel}:${i + 1}`, line: i + 1 });
  });
  return into;
}

function expandInFile(value: string, scope: Map<string, EnvValue>): string {
  return value.includes('$') ? interpolate(value, scope)?.value ?? value : value;
}

/** The variables of the env files, later files winning; files that cannot be read add nothing. */
export function readEnvFiles(files: string[], relTo: string): Map<string, EnvValue> {
  const scope = new Map<string, EnvValue>();
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    parseEnvFile(text, path.relative(relTo, f).split(path.sep).join('/') || path.basename(f), scope);
  }
  return scope;
}

/**
 * The string with its variables replaced; undefined when one of them is set
 * by no file and has no default (its value is up to the shell that runs
 * compose) or the syntax is broken.
 */
export function interpolate(s: string, scope: EnvScope): Interpolated | undefined {
  const sources: string[] = [];
  const value = expand(s, scope, sources, 0);
  return value === undefined ? undefined : { value, sources };
}

function expand(s: string, scope: EnvScope, sources: string[], depth: number): string | undefined {
  if (depth > 10) return undefined;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next !== undefined && /[A-Za-z_]/.test(next)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i + 1))![0];
      const v = lookup(name, scope, sources);
      if (v === undefined) return undefined;
      out += v;
      i += name.length;
      continue;
    }
    if (next !== '{') {
      out += c;
      continue;
    }
    // `${…}`: find the matching brace (defaults may hold `${…}` themselves).
    let depthBraces = 1;
    let j = i + 2;
    for (; j < s.length && depthBraces > 0; j++) {
      if (s[j] === '{') depthBraces++;
      else if (s[j] === '}') depthBraces--;
    }
    if (depthBraces !== 0) return undefined;
    const body = s.slice(i + 2, j - 1);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
    if (!m) return undefined;
    const [, name, op, arg = ''] = m;
    const set = scope.get(name!);
    const empty = !set || set.value === '';
    let v: string | undefined;
    if (!op) v = lookup(name!, scope, sources);
    else if (op === ':-' || op === '-') {
      const useDefault = op === ':-' ? empty : !set;
      if (useDefault) {
        v = expand(arg, scope, sources, depth + 1);
        if (v !== undefined && !sources.some((x) => x.startsWith(`${name}=`))) sources.push(`${name} unset: its default ${JSON.stringify(v)} in the compose file`);
      } else v = lookup(name!, scope, sources);
    } else if (op === ':?' || op === '?') {
      // Required: a file must set it; otherwise the value is up to whoever runs compose.
      v = (op === ':?' ? empty : !set) ? undefined : lookup(name!, scope, sources);
    } else {
      const useAlt = op === ':+' ? !empty : !!set;
      if (set) sources.push(`${name} set at ${set.from}`);
      v = useAlt ? expand(arg, scope, sources, depth + 1) : '';
    }
    if (v === undefined) return undefined;
    out += v;
    i = j - 1;
  }
  return out;
}

function lookup(name: string, scope: EnvScope, sources: string[]): string | undefined {
  const v = scope.get(name);
  if (!v) return undefined;
  const line = `${name}=${v.value} from ${v.from}`;
  if (!sources.includes(line)) sources.push(line);
  return v.value;
}

/** The value as compose reads it, when it resolves; else the string as written (which keeps its `$`: unknown). */
export function interpolatedOr(s: string, scope: EnvScope): Interpolated {
  if (!s.includes('$')) return { value: s, sources: [] };
  return interpolate(s, scope) ?? { value: s, sources: [] };
}
