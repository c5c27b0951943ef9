// How repositories combine compose files and build images, as project
// fixtures: test/layouts/<case>/input/** is a small repository, output/**
// every file that must change (byte for byte; a file not there must not
// change), run with every transform. Optional expect.json:
//   findings: substrings that some finding (message or manual) must contain;
//   absent:   substrings that no finding may contain;
//   alone:    compose files that must be hardened exactly as if they were the
//             only compose file in the repository;
//   explain:  { composeFiles: { rel: mode } } the model must decide.
// Each case also runs as a CRLF twin and again on its own output (idempotency).
// `UPDATE_LAYOUTS=1 npx vitest run test/layout-projects.test.ts` writes outputs; review them before committing.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, rmSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { hardenTree, readTree, composeSchemaErrors, toCrlf, REPO } from './helpers.js';
import { kindFromName } from '../src/discover.js';
import { explainData } from '../src/report/explain.js';

const ROOT = path.join(REPO, 'test/layouts');
const UPDATE = process.env.UPDATE_LAYOUTS === '1';

interface Case {
  name: string;
  input: Record<string, string>;
  output: Record<string, string>;
  expect: { findings?: string[]; absent?: string[]; alone?: string[]; explain?: { composeFiles?: Record<string, string> } };
}

const cases: Case[] = readdirSync(ROOT)
  .sort()
  .map((name) => {
    const dir = path.join(ROOT, name);
    return {
      name,
      input: readTree(path.join(dir, 'input')),
      output: existsSync(path.join(dir, 'output')) ? readTree(path.join(dir, 'output')) : {},
      expect: existsSync(path.join(dir, 'expect.json')) ? JSON.parse(readFileSync(path.join(dir, 'expect.json'), 'utf8')) : {},
    };
  });

const mapTree = (t: Record<string, string>, f: (s: string) => string) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, f(v)]));
const isCompose = (rel: string) => kindFromName(path.basename(rel)) === 'compose';

describe('repository layouts', () => {
  it('has a case for each layout the issue lists', () => {
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['standalone-prod', 'override-adds-build', 'multi-target', 'ci-target', 'base-with-children', 'non-runtime-dockerfiles', 'compose-file-env', 'include']),
    );
  });

  for (const c of cases) {
    for (const crlf of [false, true]) {
      it(`${c.name}${crlf ? ' (CRLF)' : ''}`, async () => {
        const input = crlf ? mapTree(c.input, toCrlf) : c.input;
        const first = await hardenTree(input);
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
        expect(first.changed).toEqual(crlf ? mapTree(c.output, toCrlf) : c.output);
        const messages = first.result.engine.findings.map((f) => `${f.message} ${f.manual ?? ''}`);
        for (const needle of c.expect.findings ?? []) {
          expect(messages.some((m) => m.includes(needle)), `a finding mentions "${needle}"; got ${JSON.stringify(messages, null, 1)}`).toBe(true);
        }
        for (const needle of c.expect.absent ?? []) {
          expect(messages.filter((m) => m.includes(needle)), `no finding mentions "${needle}"`).toEqual([]);
        }
        for (const [rel, text] of Object.entries(first.changed)) if (/\.ya?ml$/.test(rel) && !rel.startsWith('.github')) expect(composeSchemaErrors(text), rel).toEqual([]);

        // Idempotency: the output is a fixpoint.
        const second = await hardenTree({ ...input, ...first.changed });
        expect(second.changed).toEqual({});

        // A standalone file is hardened exactly as if it were the only compose file.
        for (const file of c.expect.alone ?? []) {
          const alone = Object.fromEntries(Object.entries(input).filter(([rel]) => rel === file || !isCompose(rel)));
          const solo = await hardenTree(alone);
          expect(solo.changed[file] ?? input[file], `${file} alone`).toBe(first.changed[file] ?? input[file]);
        }

        const data = explainData(first.result.engine.project);
        for (const [file, mode] of Object.entries(c.expect.explain?.composeFiles ?? {})) {
          expect(data.composeFiles.find((f) => f.file === file)?.mode, file).toBe(mode);
        }
      });
    }
  }
});
