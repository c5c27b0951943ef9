// Property test: generated compose files (anchors and `<<`, flow and block
// style, comments, CRLF, no final newline, a service built from a Dockerfile)
// go through every transform. The run never crashes, the output validates
// against the Compose Specification, a second run changes nothing, lines
// outside the edits stay byte-identical, no restriction that was there
// (read_only, cap_drop, security_opt, user) is ever removed, and every path the
// tool's changes declare written stays writable on a read-only root
// (test/consistency.ts). The keys the tool adds to a service come in one
// canonical order, whichever pass adds them.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { diffArrays } from 'diff';
import { parseAllDocuments } from 'yaml';
import { hardenTree, composeSchemaErrors, toCrlf } from './helpers.js';
import { TRANSFORMS } from '../transforms/index.js';
import { ADDED_KEY_ORDER } from '../src/compose-service.js';
import { checkConsistent, checkRestrictionsKept } from './consistency.js';

const ALL = TRANSFORMS.map((t) => t.meta.id);

type Value = string | boolean | string[] | Record<string, string>;

interface GenService {
  name: string;
  merge: boolean;
  keys: [string, Value, boolean][]; // key, value, flow style
  comment: boolean;
}

interface GenFile {
  anchor: [string, Value, boolean][] | undefined;
  services: GenService[];
  indent: number;
  crlf: boolean;
  finalNewline: boolean;
  dockerfile: string;
  topComment: boolean;
}

const IMAGES = ['postgres:16', 'redis:7-alpine', 'acme/app:1', 'python:3.12', 'nginxinc/nginx-unprivileged:1.27', 'bitnami/redis:7', 'memcached:1.6', 'nginx:1.27', 'gcr.io/distroless/static:nonroot'];
const DOCKERFILES = [
  'FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nEXPOSE 3000\nCMD ["node", "index.js"]\n',
  'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nVOLUME /app/data\nCMD ["uvicorn", "main:app", "--port", "8000"]\n',
  'FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n',
  'FROM acme/base:1\nUSER 1000\n',
  'FROM nginxinc/nginx-unprivileged:1.27-alpine\nCOPY site /usr/share/nginx/html\n',
];

const list = (items: string[]) => fc.subarray(items, { minLength: 1 });
const keyArb: fc.Arbitrary<[string, Value]> = fc.oneof(
  fc.constantFrom<[string, Value]>(['user', 'root'], ['user', '1000:1000'], ['user', 'app'], ['user', '0']),
  fc.constant<[string, Value]>(['privileged', true]),
  fc.boolean().map((b): [string, Value] => ['read_only', b]),
  list(['ALL', 'NET_RAW']).map((v): [string, Value] => ['cap_drop', v]),
  list(['NET_BIND_SERVICE', 'CHOWN', 'SYS_NICE']).map((v): [string, Value] => ['cap_add', v]),
  list(['no-new-privileges:true', 'label:disable']).map((v): [string, Value] => ['security_opt', v]),
  list(['/var/run/docker.sock:/var/run/docker.sock', '/run/docker.sock:/var/run/docker.sock:ro', './src:/app', 'data:/data']).map((v): [string, Value] => ['volumes', v]),
  list(['80:80', '8080:8080', '8000']).map((v): [string, Value] => ['ports', v]),
  list(['3000', '9000']).map((v): [string, Value] => ['expose', v]),
  fc.oneof(
    fc.constant<[string, Value]>(['environment', ['DEBUG=1']]),
    fc.constant<[string, Value]>(['environment', { DEBUG: '1', URL: 'redis://r:6379/0' }]),
  ),
  fc.oneof(fc.constant<[string, Value]>(['tmpfs', '/run']), fc.constant<[string, Value]>(['tmpfs', ['/run', '/tmp']])),
  fc.constant<[string, Value]>(['network_mode', 'host']),
  fc.constant<[string, Value]>(['working_dir', '/app']),
  fc.constantFrom<[string, Value]>(['command', 'uvicorn main:app --reload --port 8000'], ['command', ['python', '-m', 'app']]),
  fc.constant<[string, Value]>(['group_add', ['audio']]),
);

/** Keys of one map, unique, each with a style. */
const keysArb = (min: number) =>
  fc
    .array(fc.tuple(keyArb, fc.boolean()), { minLength: min, maxLength: 6 })
    .map((ks) => {
      const seen = new Set<string>();
      return ks.filter(([[k]]) => !seen.has(k) && seen.add(k)).map(([[k, v], flow]): [string, Value, boolean] => [k, v, flow]);
    });

const fileArb: fc.Arbitrary<GenFile> = fc.record({
  anchor: fc.option(keysArb(1), { nil: undefined }),
  services: fc
    .uniqueArray(
      fc.record({
        name: fc.constantFrom('api', 'db', 'web', 'worker', 'app'),
        merge: fc.boolean(),
        image: fc.oneof(fc.constantFrom(...IMAGES), fc.constant('BUILD')),
        keys: keysArb(0),
        comment: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3, selector: (s) => s.name },
    )
    .map((ss) =>
      ss.map(({ name, merge, image, keys, comment }) => ({
        name,
        merge,
        comment,
        keys: [image === 'BUILD' ? ['build', './app', false] : ['image', image, false], ...keys] as [string, Value, boolean][],
      })),
    ),
  indent: fc.constantFrom(2, 4),
  crlf: fc.boolean(),
  finalNewline: fc.boolean(),
  dockerfile: fc.constantFrom(...DOCKERFILES),
  topComment: fc.boolean(),
});

function scalar(v: string | boolean): string {
  if (typeof v === 'boolean') return String(v);
  return /^[A-Za-z_/.][A-Za-z0-9_./ -]*$/.test(v) && !/^(true|false|yes|no|on|off|null)$/i.test(v) && !v.endsWith(' ') ? v : JSON.stringify(v);
}

function renderKeys(keys: [string, Value, boolean][], pad: string, step: string, comment: boolean): string[] {
  const lines: string[] = [];
  for (const [k, v, flow] of keys) {
    if (comment) lines.push(`${pad}# about ${k}`);
    if (Array.isArray(v)) {
      if (flow) lines.push(`${pad}${k}: [${v.map((x) => JSON.stringify(x)).join(', ')}]`);
      else lines.push(`${pad}${k}:`, ...v.map((x) => `${pad}${step}- ${scalar(x)}${comment ? '  # item' : ''}`));
    } else if (typeof v === 'object') {
      if (flow) lines.push(`${pad}${k}: {${Object.entries(v).map(([a, b]) => `${a}: ${JSON.stringify(b)}`).join(', ')}}`);
      else lines.push(`${pad}${k}:`, ...Object.entries(v).map(([a, b]) => `${pad}${step}${a}: ${JSON.stringify(b)}`));
    } else {
      lines.push(`${pad}${k}: ${scalar(v)}`);
    }
  }
  return lines;
}

function render(f: GenFile): string {
  const step = ' '.repeat(f.indent);
  const lines: string[] = [];
  if (f.topComment) lines.push('# generated stack');
  if (f.anchor) lines.push('x-common: &common', ...renderKeys(f.anchor, step, step, false), '');
  lines.push('services:');
  for (const s of f.services) {
    lines.push(`${step}${s.name}:${s.comment ? ' # the ' + s.name : ''}`);
    if (s.merge && f.anchor) lines.push(`${step}${step}<<: *common`);
    lines.push(...renderKeys(s.keys, step + step, step, s.comment));
  }
  if (f.services.some((s) => s.keys.some(([k, v]) => k === 'volumes' && Array.isArray(v) && v.includes('data:/data')))) lines.push('volumes:', `${step}data:`);
  const text = lines.join('\n') + (f.finalNewline ? '\n' : '');
  return f.crlf ? toCrlf(text) : text;
}

/** Lines with their terminators, so a changed line ending counts as a change. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** `after` is `before` with one contiguous piece inserted or removed (an edit inside one line). */
function isSplice(before: string, after: string): boolean {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  return p + s >= Math.min(before.length, after.length);
}

/** `key: value` became `key: [value, ...]` (a lone string turned into a list that keeps it first). */
function isWrapped(before: string, after: string): boolean {
  const m = /^(\s*[\w-]+:\s*)(\S.*)$/.exec(before);
  return m !== null && after.startsWith(`${m[1]}[${m[2]},`);
}

/**
 * Lines transforms may remove: dead-capabilities drops NET_BIND_SERVICE, and
 * nginx/unprivileged drops CHOWN, SETGID, SETUID and NET_BIND_SERVICE after the
 * swap; an emptied cap_add goes, with comments inside that list.
 */
const REMOVABLE = /^\s*(cap_add:|- "?(NET_BIND_SERVICE|CHOWN|SETGID|SETUID)"?|#)/;

function checkUntouched(before: string, after: string): void {
  const parts = diffArrays(splitLines(before), splitLines(after));
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (!part.removed) continue;
    const next = parts[i + 1]?.added ? parts[i + 1].value : [];
    for (const line of part.value) {
      const ok = REMOVABLE.test(line) || next.some((a) => {
          const [b, c] = [line.replace(/\r?\n$/, ''), a.replace(/\r?\n$/, '')];
          return isSplice(b, c) || isWrapped(b, c);
        });
      expect(ok, `line changed beyond an edit: ${JSON.stringify(line)}\n--- before\n${before}\n--- after\n${after}`).toBe(true);
    }
  }
  if (before.includes('\r\n')) expect(after.replace(/\r\n/g, '')).not.toContain('\n');
  expect(after.endsWith('\n')).toBe(before.endsWith('\n'));
}

/** Each service's own keys in text order (no merge), per document. */
function ownKeyOrder(text: string): Record<string, string[]>[] {
  return parseAllDocuments(text).map((d) => {
    const services = (d.toJS({ maxAliasCount: -1 }) as { services?: unknown } | null)?.services;
    const out: Record<string, string[]> = {};
    if (services && typeof services === 'object') {
      for (const [name, s] of Object.entries(services as Record<string, unknown>)) {
        out[name] = s && typeof s === 'object' ? Object.keys(s as object).filter((k) => k !== '<<') : [];
      }
    }
    return out;
  });
}

function checkAddedKeyOrder(before: string, after: string): void {
  const old = ownKeyOrder(before);
  const now = ownKeyOrder(after);
  const rank = (k: string) => (ADDED_KEY_ORDER as readonly string[]).indexOf(k);
  now.forEach((services, d) => {
    for (const [name, keys] of Object.entries(services)) {
      const added = keys.filter((k) => !(old[d]?.[name] ?? []).includes(k) && rank(k) >= 0);
      const sorted = [...added].sort((a, b) => rank(a) - rank(b));
      expect(added, `keys added to ${name}, in order`).toEqual(sorted);
    }
  });
}

describe('compose transforms on generated files', () => {
  it('never crash, stay valid and idempotent, edit surgically, keep every restriction, keep declared write paths writable, and add keys in canonical order', async () => {
    const consistencySeen = { services: 0, paths: 0 };
    await fc.assert(
      fc.asyncProperty(fileArb, async (f) => {
        const input = render(f);
        fc.pre(composeSchemaErrors(input).length === 0);
        const tree: Record<string, string> = { 'compose.yaml': input };
        if (input.includes('build: ./app')) tree['app/Dockerfile'] = f.crlf ? toCrlf(f.dockerfile) : f.dockerfile;

        const first = await hardenTree(tree, ALL);
        expect(first.result.errors).toEqual([]);
        const output = first.changed['compose.yaml'] ?? input;
        expect(composeSchemaErrors(output)).toEqual([]);
        checkUntouched(input, output);
        checkRestrictionsKept(input, output);
        checkAddedKeyOrder(input, output);
        const seen = checkConsistent(tree, { ...tree, ...first.changed }, first.result);
        consistencySeen.services += seen.services;
        consistencySeen.paths += seen.paths;

        const second = await hardenTree({ ...tree, ...first.changed }, ALL);
        expect(second.result.errors).toEqual([]);
        expect(second.changed).toEqual({});
      }),
      { numRuns: 150, seed: Number(process.env.FC_SEED ?? 4242) },
    );
    // The consistency check looked at read-only services built here and at paths they write.
    expect(consistencySeen.services).toBeGreaterThan(10);
    expect(consistencySeen.paths).toBeGreaterThan(10);
  });
});
