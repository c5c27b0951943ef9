// docker-bake.hcl / docker-bake.json: which Dockerfile, context, target and
// tags each bake target builds. A small tolerant HCL reader (blocks,
// attributes, strings with `${VAR}` interpolation, lists, objects, heredocs,
// comments); expressions it does not understand (function calls, conditionals)
// read as unknown and the attribute is left out, never an error.
import path from 'node:path';

export interface BakeTarget {
  name: string;
  /** 0-based offset of the `target "name"` block in the file. */
  offset: number;
  context?: string;
  dockerfile?: string;
  target?: string;
  tags: string[];
  output: string[];
  inherits: string[];
  /** Whether the target sets `tags` itself (not only through what it inherits). */
  ownTags: boolean;
  /** `args = { NAME = "value" }`; a value that is not a plain string is undefined. */
  args: Record<string, string | undefined>;
  /** `contexts = { name = "path" }`: named build contexts as written. */
  contexts: Record<string, string>;
}

export interface BakeFile {
  targets: BakeTarget[];
  /** Targets named by a group (directly or through other groups). */
  grouped: Set<string>;
}

type Value = { str: string } | { list: Value[] } | { obj: Record<string, Value> } | { unknown: true };

interface Block {
  type: string;
  labels: string[];
  offset: number;
  attrs: Record<string, Value>;
}

/** Read a bake file by its name: `.json` as JSON, anything else as HCL. */
export function parseBake(text: string, file: string): BakeFile {
  const blocks = file.toLowerCase().endsWith('.json') ? jsonBlocks(text) : hclBlocks(text);
  const vars = new Map<string, string>();
  for (const b of blocks) {
    const def = b.type === 'variable' ? b.attrs.default : undefined;
    if (b.labels[0] && def && 'str' in def) vars.set(b.labels[0], def.str);
  }
  const str = (v: Value | undefined): string | undefined => (v && 'str' in v ? interpolate(v.str, vars) : undefined);
  const strs = (v: Value | undefined): string[] => {
    if (!v) return [];
    if ('str' in v) return [interpolate(v.str, vars)];
    if ('list' in v) return v.list.flatMap((x) => ('str' in x ? [interpolate(x.str, vars)] : []));
    return [];
  };
  const argsOf = (v: Value | undefined): Record<string, string | undefined> =>
    v && 'obj' in v ? Object.fromEntries(Object.entries(v.obj).map(([k, x]) => [k, str(x)])) : {};
  const raw = new Map<string, BakeTarget>();
  for (const b of blocks) {
    if (b.type !== 'target' || !b.labels[0]) continue;
    raw.set(b.labels[0], {
      name: b.labels[0],
      offset: b.offset,
      context: str(b.attrs.context),
      dockerfile: str(b.attrs.dockerfile),
      target: str(b.attrs.target),
      tags: strs(b.attrs.tags),
      output: strs(b.attrs.output),
      inherits: strs(b.attrs.inherits),
      ownTags: b.attrs.tags !== undefined,
      args: argsOf(b.attrs.args),
      contexts: Object.fromEntries(Object.entries(argsOf(b.attrs.contexts)).filter((e): e is [string, string] => e[1] !== undefined)),
    });
  }
  const resolved = new Map<string, BakeTarget>();
  const resolve = (name: string, seen: Set<string>): BakeTarget | undefined => {
    const done = resolved.get(name);
    if (done) return done;
    const t = raw.get(name);
    if (!t || seen.has(name)) return t;
    seen.add(name);
    let merged: BakeTarget = { ...t };
    for (const parentName of t.inherits) {
      const p = resolve(parentName, seen);
      if (!p) continue;
      merged = {
        ...merged,
        context: t.context ?? merged.context ?? p.context,
        dockerfile: t.dockerfile ?? merged.dockerfile ?? p.dockerfile,
        target: t.target ?? merged.target ?? p.target,
        tags: t.tags.length ? t.tags : merged.tags.length ? merged.tags : p.tags,
        output: t.output.length ? t.output : merged.output.length ? merged.output : p.output,
        // A target's own args win over what it inherits, key by key (buildx merges them).
        args: { ...p.args, ...merged.args },
        contexts: { ...p.contexts, ...merged.contexts },
      };
    }
    resolved.set(name, merged);
    return merged;
  };
  const targets = [...raw.keys()].map((n) => resolve(n, new Set())!).filter(Boolean);

  const groups = new Map<string, string[]>();
  for (const b of blocks) if (b.type === 'group' && b.labels[0]) groups.set(b.labels[0], strs(b.attrs.targets));
  const grouped = new Set<string>();
  const walk = (name: string, depth: number) => {
    if (depth > 10) return;
    if (groups.has(name)) for (const m of groups.get(name)!) walk(m, depth + 1);
    else grouped.add(name);
  };
  for (const g of groups.keys()) walk(g, 0);
  return { targets, grouped };
}

/** Targets a bake file builds: those groups name, and those nothing inherits from (a template target only passes settings on). */
export function builtTargets(bake: BakeFile): BakeTarget[] {
  const inherited = new Set(bake.targets.flatMap((t) => t.inherits));
  return bake.targets.filter((t) => bake.grouped.has(t.name) || !inherited.has(t.name));
}

/** Paths a bake target builds with: context relative to the bake file's folder, Dockerfile relative to the context. */
export function bakePaths(t: BakeTarget, bakeDir: string): { context: string; dockerfile: string } | undefined {
  // An empty value (a variable defaulting to "") means the default, as buildx reads it.
  const ctx = t.context || '.';
  if (/^[a-z]+:\/\/|^git@|^(target|docker-image):/i.test(ctx) || ctx.includes('${')) return undefined;
  const context = path.resolve(bakeDir, ctx);
  const df = t.dockerfile || 'Dockerfile';
  if (df.includes('${')) return undefined;
  return { context, dockerfile: path.resolve(context, df) };
}

function interpolate(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g, (m, name: string) => vars.get(name) ?? m);
}

// ------------------------------------------------------------------- JSON

function jsonBlocks(text: string): Block[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isObj(data)) return [];
  const out: Block[] = [];
  for (const type of ['target', 'group', 'variable']) {
    const section = data[type];
    if (!isObj(section)) continue;
    for (const [name, body] of Object.entries(section)) {
      if (!isObj(body)) continue;
      const attrs: Record<string, Value> = {};
      for (const [k, v] of Object.entries(body)) attrs[k] = jsonValue(v);
      const at = text.indexOf(JSON.stringify(name));
      out.push({ type, labels: [name], offset: at < 0 ? 0 : at, attrs });
    }
  }
  return out;
}

function jsonValue(v: unknown): Value {
  if (typeof v === 'string') return { str: v };
  if (typeof v === 'number' || typeof v === 'boolean') return { str: String(v) };
  if (Array.isArray(v)) return { list: v.map(jsonValue) };
  if (isObj(v)) return { obj: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)])) };
  return { unknown: true };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// -------------------------------------------------------------------- HCL

type Tok =
  | { t: 'ident'; v: string; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'num'; v: string; at: number }
  | { t: 'punct'; v: string; at: number }
  | { t: 'nl'; at: number };

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      toks.push({ t: 'nl', at: i++ });
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === '"') {
      const at = i;
      let v = '';
      i++;
      let depth = 0; // inside ${ … } a quote does not end the string
      while (i < n && (text[i] !== '"' || depth > 0) && text[i] !== '\n') {
        const d = text[i]!;
        if (d === '\\' && i + 1 < n) {
          const e = text[i + 1]!;
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        if (d === '$' && text[i + 1] === '{') depth++;
        else if (d === '}' && depth > 0) depth--;
        v += d;
        i++;
      }
      i++;
      toks.push({ t: 'str', v, at });
      continue;
    }
    if (c === '<' && text[i + 1] === '<') {
      const m = /^<<-?([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(text.slice(i, i + 200));
      if (m) {
        const at = i;
        const strip = text[i + 2] === '-';
        i += m[0].length;
        const lines: string[] = [];
        while (i < n) {
          const nl = text.indexOf('\n', i);
          const end = nl < 0 ? n : nl;
          const line = text.slice(i, end).replace(/\r$/, '');
          i = nl < 0 ? n : nl + 1;
          if (line.trim() === m[1]) break;
          lines.push(strip ? line.trimStart() : line);
        }
        toks.push({ t: 'str', v: lines.join('\n'), at });
        toks.push({ t: 'nl', at: i - 1 });
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      const at = i;
      while (i < n && /[A-Za-z0-9_.\-]/.test(text[i]!)) i++;
      toks.push({ t: 'ident', v: text.slice(at, i), at });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const at = i;
      while (i < n && /[0-9.eE+-]/.test(text[i]!)) i++;
      toks.push({ t: 'num', v: text.slice(at, i), at });
      continue;
    }
    toks.push({ t: 'punct', v: c, at: i++ });
  }
  return toks;
}

function hclBlocks(text: string): Block[] {
  const toks = tokenize(text);
  const isPunct = (tok: Tok | undefined, v: string) => tok?.t === 'punct' && tok.v === v;
  const out: Block[] = [];
  let k = 0;
  const peek = () => toks[k];
  const skipNl = () => {
    while (toks[k]?.t === 'nl' || isPunct(toks[k], ',')) k++;
  };

  /** Skip to the end of the current expression: a newline, comma or closing bracket at depth 0. */
  const skipExpr = () => {
    let depth = 0;
    while (k < toks.length) {
      const t = toks[k]!;
      if (depth === 0 && (t.t === 'nl' || isPunct(t, ',') || isPunct(t, '}') || isPunct(t, ']') || isPunct(t, ')'))) return;
      if (t.t === 'punct' && '([{'.includes(t.v)) depth++;
      if (t.t === 'punct' && ')]}'.includes(t.v)) depth--;
      k++;
    }
  };

  const expr = (): Value => {
    const first = parsePrimary();
    const next = peek();
    // Anything but the end of the expression (an operator, a conditional) makes it unknown.
    if (next && !(next.t === 'nl' || isPunct(next, ',') || isPunct(next, '}') || isPunct(next, ']') || isPunct(next, ')'))) {
      skipExpr();
      return { unknown: true };
    }
    return first;
  };

  const parsePrimary = (): Value => {
    const t = toks[k];
    if (!t) return { unknown: true };
    if (t.t === 'str') {
      k++;
      return { str: t.v };
    }
    if (t.t === 'num') {
      k++;
      return { str: t.v };
    }
    if (isPunct(t, '[')) {
      k++;
      const list: Value[] = [];
      for (;;) {
        skipNl();
        if (!peek() || isPunct(peek(), ']')) break;
        const before = k;
        list.push(expr());
        if (k === before) k++;
      }
      k++;
      return { list };
    }
    if (isPunct(t, '{')) {
      k++;
      const obj: Record<string, Value> = {};
      for (;;) {
        skipNl();
        const key = peek();
        if (!key || isPunct(key, '}')) break;
        if ((key.t === 'ident' || key.t === 'str') && (isPunct(toks[k + 1], '=') || isPunct(toks[k + 1], ':'))) {
          k += 2;
          obj[key.v] = expr();
        } else {
          k++;
        }
      }
      k++;
      return { obj };
    }
    if (t.t === 'ident') {
      k++;
      if (t.v === 'true' || t.v === 'false') return { str: t.v };
      if (isPunct(peek(), '(')) {
        // A function call: skip its arguments.
        let depth = 0;
        while (k < toks.length) {
          const x = toks[k++]!;
          if (isPunct(x, '(')) depth++;
          else if (isPunct(x, ')') && --depth === 0) break;
        }
      }
      return { unknown: true };
    }
    k++;
    return { unknown: true };
  };

  const body = (into: Record<string, Value>, depth: number) => {
    for (;;) {
      skipNl();
      const t = peek();
      if (!t || isPunct(t, '}')) {
        k++;
        return;
      }
      if (t.t !== 'ident') {
        k++;
        continue;
      }
      if (isPunct(toks[k + 1], '=') && !isPunct(toks[k + 2], '=')) {
        k += 2;
        into[t.v] = expr();
        continue;
      }
      // A block: IDENT label* {
      const at = t.at;
      k++;
      const labels: string[] = [];
      while (peek() && (peek()!.t === 'str' || peek()!.t === 'ident') && !isPunct(peek(), '{')) labels.push((toks[k++] as { v: string }).v);
      if (!isPunct(peek(), '{')) continue;
      k++;
      const attrs: Record<string, Value> = {};
      body(attrs, depth + 1);
      if (depth === 0) out.push({ type: t.v, labels, offset: at, attrs });
    }
  };
  while (k < toks.length) {
    const before = k;
    body({}, 0);
    if (k === before) k++;
  }
  return out;
}
