// Fixture pairs per transform: test/fixtures/<transform id>/<case>.input.<ext>
// and <case>.output.<ext>, compared byte for byte through the engine the CLI
// uses. A case without an output file asserts that nothing changes. Every
// case also runs on its own output (idempotency) and as a CRLF twin.
// Optional <case>.expect.json: { "findings": ["substring", ...], "options": {...}, "files": {"rel": "text"} }
//   findings: each substring must appear in a finding message of that transform;
//   absent: no finding message may contain any of these substrings;
//   options: HardenOptions overrides; files: extra files placed beside the input;
//   with: other transform ids that run together with the case's own (cross-transform behaviour).
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, existsSync, statSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hardenTree, composeSchemaErrors, toCrlf, REPO } from './helpers.js';

const ROOT = path.join(REPO, 'test/fixtures');

/** `UPDATE_FIXTURES=1 npx vitest run test/fixtures.test.ts` writes outputs instead of comparing; review them before committing. */
const UPDATE = process.env.UPDATE_FIXTURES === '1';

interface Case {
  dir: string;
  transform: string;
  name: string;
  ext: string;
  input: string;
  output?: string;
  expect: { findings?: string[]; absent?: string[]; options?: Record<string, unknown>; files?: Record<string, string>; with?: string[] };
}

function collect(): Case[] {
  const cases: Case[] = [];
  if (!existsSync(ROOT)) return cases;
  for (const kind of readdirSync(ROOT)) {
    const kindDir = path.join(ROOT, kind);
    if (!statSync(kindDir).isDirectory()) continue;
    for (const t of readdirSync(kindDir)) {
      const dir = path.join(kindDir, t);
      for (const f of readdirSync(dir)) {
        const m = /^(.*)\.input\.(.+)$/.exec(f);
        if (!m) continue;
        const [, name, ext] = m;
        const out = path.join(dir, `${name}.output.${ext}`);
        const exp = path.join(dir, `${name}.expect.json`);
        cases.push({
          dir,
          transform: `${kind}/${t}`,
          name,
          ext,
          input: readFileSync(path.join(dir, f), 'utf8'),
          output: existsSync(out) ? readFileSync(out, 'utf8') : undefined,
          expect: existsSync(exp) ? JSON.parse(readFileSync(exp, 'utf8')) : {},
        });
      }
    }
  }
  return cases;
}

/** Where the case's text sits in the temporary project: the name decides the file kind. */
function fileName(c: Case): string {
  if (/^ya?ml$/.test(c.ext)) return 'compose.yaml';
  if (c.ext === 'conf') return 'nginx.conf';
  return 'Dockerfile';
}

async function runCase(c: Case, input: string, crlf: boolean) {
  const name = fileName(c);
  const extra = Object.fromEntries(Object.entries(c.expect.files ?? {}).map(([k, v]) => [k, crlf ? toCrlf(v) : v]));
  const { result, changed } = await hardenTree({ ...extra, [name]: input }, [c.transform, ...(c.expect.with ?? [])], c.expect.options ?? {});
  return { result, out: changed[name] ?? input, name };
}

const cases = collect();

describe.each([...new Set(cases.map((c) => c.transform))])('%s', (transform) => {
  for (const c of cases.filter((x) => x.transform === transform)) {
    for (const crlf of [false, true]) {
      it(`${c.name}${crlf ? ' (CRLF)' : ''}`, async () => {
        const input = crlf ? toCrlf(c.input) : c.input;
        const expected = c.output === undefined ? input : crlf ? toCrlf(c.output) : c.output;
        const first = await runCase(c, input, crlf);
        if (UPDATE && !crlf) {
          const outPath = path.join(c.dir, `${c.name}.output.${c.ext}`);
          if (first.out === input) rmSync(outPath, { force: true });
          else writeFileSync(outPath, first.out);
          return;
        }
        expect(first.result.errors).toEqual([]);
        expect(first.out).toBe(expected);
        const messages = first.result.engine.findings.map((f) => `${f.message} ${f.manual ?? ''}`);
        for (const needle of c.expect.findings ?? []) {
          expect(messages.some((m) => m.includes(needle)), `a finding mentions "${needle}"; got ${JSON.stringify(messages)}`).toBe(true);
        }
        for (const needle of c.expect.absent ?? []) {
          expect(messages.filter((m) => m.includes(needle)), `no finding mentions "${needle}"`).toEqual([]);
        }
        if (first.name === 'compose.yaml') expect(composeSchemaErrors(first.out)).toEqual([]);
        // Idempotency: the output is a fixpoint.
        const second = await runCase(c, expected, crlf);
        expect(second.out).toBe(expected);
        expect(second.result.engine.findings.filter((f) => f.fixed)).toEqual([]);
      });
    }
  }
});
