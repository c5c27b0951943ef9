// Project fixtures where files meet, for every transform: test/stacks/<case>/input/**
// is a small repository; output/** holds every file that must change, byte for
// byte (a case with no output/ must change nothing). Optional expect.json:
//   { "findings": ["substring", ...], "transforms": ["id", ...], "options": {...} }
// findings: each must appear in some finding's message or manual text;
// transforms: the ones that run (default: all); options: HardenOptions overrides.
// Each case also runs as a CRLF twin and again on its own output (idempotency).
// `UPDATE_STACKS=1 npx vitest run test/stacks.test.ts` writes outputs; review them before committing.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { hardenTree, projectCases, writeCaseOutput, type ProjectCase, composeSchemaErrors, toCrlf, REPO } from './helpers.js';
import { TRANSFORMS } from '../transforms/index.js';
import type { HardenOptions } from '../src/types.js';

const ROOT = path.join(REPO, 'test/stacks');
const UPDATE = process.env.UPDATE_STACKS === '1';

type Case = ProjectCase<{ findings?: string[]; transforms?: string[]; options?: Partial<HardenOptions> }>;

function collect(): Case[] {
  return projectCases<Case['expect']>(ROOT);
}

const mapTree = (t: Record<string, string>, f: (s: string) => string) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, f(v)]));

describe('stacks', () => {
  for (const c of collect()) {
    const ids = c.expect.transforms ?? TRANSFORMS.map((t) => t.meta.id);
    for (const crlf of [false, true]) {
      it(`${c.name}${crlf ? ' (CRLF)' : ''}`, async () => {
        const input = crlf ? mapTree(c.input, toCrlf) : c.input;
        const first = await hardenTree(input, ids, c.expect.options);
        if (UPDATE && !crlf) {
          writeCaseOutput(ROOT, c.name, first.changed);
          return;
        }
        expect(first.result.errors).toEqual([]);
        const expected = c.output ? (crlf ? mapTree(c.output, toCrlf) : c.output) : {};
        expect(first.changed).toEqual(expected);
        const messages = first.result.engine.findings.map((f) => `${f.message} ${f.manual ?? ''}`);
        for (const needle of c.expect.findings ?? []) {
          expect(messages.some((m) => m.includes(needle)), `a finding mentions "${needle}"; got ${JSON.stringify(messages)}`).toBe(true);
        }
        for (const [rel, text] of Object.entries(first.changed)) {
          if (/compose[^/]*\.ya?ml$/.test(rel)) expect(composeSchemaErrors(text), rel).toEqual([]);
        }
        const second = await hardenTree({ ...input, ...first.changed }, ids, c.expect.options);
        expect(second.result.errors).toEqual([]);
        expect(second.changed).toEqual({});
      });
    }
  }
});
