// The consistency rule (test/consistency.ts) on every project fixture: the
// nginx projects (test/projects), the stacks (test/stacks, which hold one
// fixture per cause of issue 15) and the repository layouts (test/layouts),
// each run with every transform. The fixtures' own harnesses compare their
// trees; this only checks that the result never contradicts itself and keeps
// every restriction the input had.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { hardenTree, projectCases, REPO } from './helpers.js';
import { TRANSFORMS } from '../transforms/index.js';
import { checkConsistent, checkRestrictionsKept } from './consistency.js';

const ALL = TRANSFORMS.map((t) => t.meta.id);
const isCompose = (rel: string) => /(^|\/)(docker-)?compose[^/]*\.ya?ml$/.test(rel);

const cases = ['projects', 'stacks', 'layouts'].flatMap((dir) =>
  projectCases<unknown>(path.join(REPO, 'test', dir)).map((c) => ({ name: `${dir}/${c.name}`, input: c.input })),
);

describe('the consistency rule on every project fixture (all transforms)', () => {
  it('has one stack per cause of issue 15', () => {
    for (const name of ['home-on-read-only-root', 'chowned-log-dir', 'socket-variable-host-path', 'volume-under-workdir']) {
      expect(cases.map((c) => c.name)).toContain(`stacks/${name}`);
    }
  });

  let checked = 0;
  for (const c of cases) {
    it(c.name, async () => {
      const run = await hardenTree(c.input, ALL);
      const after = { ...c.input, ...run.changed };
      for (const [rel, text] of Object.entries(c.input)) if (isCompose(rel)) checkRestrictionsKept(text, after[rel]!);
      checked += checkConsistent(c.input, after, run.result).services;
    });
  }
  it('looked at read-only services built in the fixtures', () => {
    expect(checked).toBeGreaterThan(10);
  });
});
