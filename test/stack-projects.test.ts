// Project fixtures run with several transforms together: test/projects/<case>
// whose expect.json names `"transforms": "all"` (or a list of ids). input/** is
// a small repository, output/** every file that must change, byte for byte.
// Each case also runs as a CRLF twin and again on its own output (a fixpoint),
// and its expect.json `findings` must each appear in some finding.
// `UPDATE_PROJECTS=1 npx vitest run test/stack-projects.test.ts` writes outputs; review them before committing.
//
// Then every project fixture (these, nginx/unprivileged's and the repository
// layouts of test/layouts) runs with every transform, and the result must keep
// the consistency rule (test/consistency.ts).
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, rmSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { hardenTree, readTree, composeSchemaErrors, toCrlf, REPO } from './helpers.js';
import { TRANSFORMS } from '../transforms/index.js';
import { checkConsistent, checkRestrictionsKept } from './consistency.js';

const ROOT = path.join(REPO, 'test/projects');
const UPDATE = process.env.UPDATE_PROJECTS === '1';
const ALL = TRANSFORMS.map((t) => t.meta.id);

interface Case {
  name: string;
  input: Record<string, string>;
  output?: Record<string, string>;
  expect: { transforms?: 'all' | string[]; findings?: string[] };
}

const cases: Case[] = readdirSync(ROOT)
  .sort()
  .map((name) => {
    const dir = path.join(ROOT, name);
    const exp = path.join(dir, 'expect.json');
    return {
      name,
      input: readTree(path.join(dir, 'input')),
      output: existsSync(path.join(dir, 'output')) ? readTree(path.join(dir, 'output')) : undefined,
      expect: existsSync(exp) ? JSON.parse(readFileSync(exp, 'utf8')) : {},
    };
  });

const mapTree = (t: Record<string, string>, f: (s: string) => string) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, f(v)]));
const isCompose = (rel: string) => /(^|\/)(docker-)?compose[^/]*\.ya?ml$/.test(rel);

describe('project fixtures with several transforms', () => {
  const stacks = cases.filter((c) => c.expect.transforms !== undefined);
  it('has one fixture per cause of issue 15', () => {
    for (const name of ['home-on-read-only-root', 'chowned-log-dir', 'socket-variable-host-path', 'volume-under-workdir']) {
      expect(stacks.map((c) => c.name)).toContain(name);
    }
  });

  for (const c of stacks) {
    const ids = c.expect.transforms === 'all' ? ALL : c.expect.transforms!;
    for (const crlf of [false, true]) {
      it(`${c.name}${crlf ? ' (CRLF)' : ''}`, async () => {
        const input = crlf ? mapTree(c.input, toCrlf) : c.input;
        const first = await hardenTree(input, ids);
        if (UPDATE && !crlf) {
          const out = path.join(ROOT, c.name, 'output');
          rmSync(out, { recursive: true, force: true });
          for (const [rel, text] of Object.entries(first.changed)) {
            mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
            writeFileSync(path.join(out, rel), text);
          }
          return;
        }
        expect(first.result.errors).toEqual([]);
        expect(first.changed).toEqual(c.output ? (crlf ? mapTree(c.output, toCrlf) : c.output) : {});
        const messages = first.result.engine.findings.map((f) => `${f.message} ${f.manual ?? ''}`);
        for (const needle of c.expect.findings ?? []) {
          expect(messages.some((m) => m.includes(needle)), `a finding mentions "${needle}"; got ${JSON.stringify(messages, null, 1)}`).toBe(true);
        }
        for (const [rel, text] of Object.entries(first.changed)) if (isCompose(rel)) expect(composeSchemaErrors(text), rel).toEqual([]);
        const second = await hardenTree({ ...input, ...first.changed }, ids);
        expect(second.changed).toEqual({});
      });
    }
  }
});

/** Repository layouts (test/layouts, issue 11) are project fixtures too. */
const layouts = readdirSync(path.join(REPO, 'test/layouts'))
  .sort()
  .map((name) => ({ name: `layouts/${name}`, input: readTree(path.join(REPO, 'test/layouts', name, 'input')) }));

describe('the consistency rule on every project fixture (all transforms)', () => {
  let checked = 0;
  for (const c of [...cases, ...layouts]) {
    it(c.name, async () => {
      const run = await hardenTree(c.input, ALL);
      const after = { ...c.input, ...run.changed };
      for (const [rel, text] of Object.entries(c.input)) if (isCompose(rel)) checkRestrictionsKept(text, after[rel]!);
      checked += checkConsistent(c.input, after, run.result).services;
    });
  }
  it('looked at read-only services built in the fixtures', () => {
    expect(checked).toBeGreaterThan(3);
  });
});
