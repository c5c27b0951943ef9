// The engine with small synthetic transforms: order, deferral of overlapping
// fixes to a later pass, verification that drops a bad fix, a crashing
// transform, a cycle; and the atomic write's "changed on disk" guard.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { discover } from '../src/discover.js';
import { loadProject, type Project } from '../src/model.js';
import { applyChange, deepEqual, runEngine, runEngineOn, stateDigest, STATE_TEXT_MAX_CHARS, type ProjectHandle } from '../src/engine.js';
import { writeAtomic } from '../src/write.js';
import { DEFAULT_OPTIONS, type DataChange, type Finding } from '../src/types.js';
import type { Transform } from '../src/transform.js';
import { writeTree } from './helpers.js';

async function project(tree: Record<string, string>): Promise<{ dir: string; project: Project }> {
  const dir = writeTree(tree);
  const found = await discover([dir], dir, { exclude: [] });
  return { dir, project: await loadProject(found.files, dir, found.roots) };
}

function transform(id: string, run: (p: Project) => Finding[]): Transform {
  return {
    meta: { id, description: id, appliesTo: ['dockerfile', 'compose'], fixable: true, cis: '0', peers: [], help: '' },
    run: (ctx) => run(ctx.project),
  };
}

/** Replace the first occurrence of `from` with `to` in the Dockerfile, while it is there. */
function replacer(id: string, from: string, to: string): Transform {
  return transform(id, (p) => {
    const df = p.dockerfiles[0];
    const i = df.text.indexOf(from);
    if (i < 0) return [];
    return [{ transform: id, file: df.path, range: [i, i + from.length], message: `${from}->${to}`, severity: 'warning', fix: { edits: [{ file: df.path, range: [i, i + from.length], text: to }] } }];
  });
}

const opts = { options: DEFAULT_OPTIONS };

describe('engine', () => {
  it('applies non-overlapping fixes in one pass and stops at a fixpoint', async () => {
    const { project: p, dir } = await project({ Dockerfile: 'FROM alpine\nRUN one\nRUN two\n' });
    const r = runEngine(p, { ...opts, transforms: [replacer('a', 'one', '1'), replacer('b', 'two', '2')] });
    expect(r.changed.get(path.join(dir, 'Dockerfile'))).toBe('FROM alpine\nRUN 1\nRUN 2\n');
    expect(r.findings.filter((f) => f.fixed).map((f) => f.pass)).toEqual([1, 1]);
    expect(r.passes).toBe(2); // the second pass finds nothing
  });

  it("words a later pass's finding as pass 1 did, so the lines it names are the user's, not those after earlier fixes", async () => {
    const { project: p, dir } = await project({ Dockerfile: 'FROM alpine\nCMD ["app"]\n' });
    const file = path.join(dir, 'Dockerfile');
    // Pass 1 inserts two lines above CMD; a manual finding names CMD's line in every pass.
    const insert = transform('insert', (pr) => {
      const df = pr.dockerfiles[0]!;
      if (df.text.includes('USER')) return [];
      const at = df.text.indexOf('CMD');
      return [{ transform: 'insert', file: df.path, range: [at, at], message: 'add', severity: 'warning', fix: { edits: [{ file: df.path, range: [at, at], text: 'RUN x\nUSER 1\n' }] } }];
    });
    const names = transform('names', (pr) => {
      const df = pr.dockerfiles[0]!;
      const at = df.text.indexOf('CMD');
      const line = df.text.slice(0, at).split('\n').length;
      return [{ transform: 'names', file: df.path, range: [at, at + 3], message: `CMD at line ${line} runs app`, manual: `see line ${line}`, severity: 'warning' }];
    });
    const r = runEngine(p, { ...opts, transforms: [insert, names] });
    expect(r.changed.get(file)).toBe('FROM alpine\nRUN x\nUSER 1\nCMD ["app"]\n');
    expect(r.passes).toBe(2);
    const named = r.findings.find((f) => f.transform === 'names')!;
    expect([named.message, named.manual, named.line]).toEqual(['CMD at line 2 runs app', 'see line 2', 2]);
  });

  it('holds back an overlapping fix for the next pass', async () => {
    const { project: p, dir } = await project({ Dockerfile: 'FROM alpine\nRUN abc\n' });
    const r = runEngine(p, { ...opts, transforms: [replacer('a', 'abc', 'xbc'), replacer('b', 'bc', 'BC')] });
    expect(r.changed.get(path.join(dir, 'Dockerfile'))).toBe('FROM alpine\nRUN xBC\n');
    const passes = Object.fromEntries(r.findings.map((f) => [f.transform, f.pass]));
    expect(passes).toEqual({ a: 1, b: 2 });
    // The bench's account of it: b was held in pass 1 for its overlap, and pass 2 applied it.
    expect(r.passStats).toEqual([
      { pass: 1, offered: 2, applied: { a: 1 }, heldOverlap: { b: 1 }, heldIntent: {}, appliedAfterHold: 0 },
      { pass: 2, offered: 1, applied: { b: 1 }, heldOverlap: {}, heldIntent: {}, appliedAfterHold: 1 },
      { pass: 3, offered: 0, applied: {}, heldOverlap: {}, heldIntent: {}, appliedAfterHold: 0 },
    ]);
  });

  it('counts a fix found only once an earlier pass changed the text as found anew, not as held', async () => {
    const { project: p, dir } = await project({ Dockerfile: 'FROM alpine\nRUN abc\n' });
    // b looks for what a writes: it has nothing to offer in pass 1.
    const r = runEngine(p, { ...opts, transforms: [replacer('a', 'abc', 'xyz'), replacer('b', 'xyz', 'XYZ')] });
    expect(r.changed.get(path.join(dir, 'Dockerfile'))).toBe('FROM alpine\nRUN XYZ\n');
    expect(r.passStats.map((s) => [s.pass, s.offered, s.applied, s.heldOverlap, s.heldIntent, s.appliedAfterHold])).toEqual([
      [1, 1, { a: 1 }, {}, {}, 0],
      [2, 1, { b: 1 }, {}, {}, 0],
      [3, 0, {}, {}, {}, 0],
    ]);
  });

  it('keeps two inserts at one point, in transform order', async () => {
    const { project: p, dir } = await project({ Dockerfile: 'FROM alpine\n' });
    const insert = (id: string, text: string) =>
      transform(id, (pr) => {
        const df = pr.dockerfiles[0];
        if (df.text.includes(text)) return [];
        const at = df.text.length;
        return [{ transform: id, file: df.path, range: [at, at], message: id, severity: 'warning', fix: { edits: [{ file: df.path, range: [at, at], text }] } }];
      });
    const r = runEngine(p, { ...opts, transforms: [insert('a', 'USER 1\n'), insert('b', 'CMD x\n')] });
    expect(r.changed.get(path.join(dir, 'Dockerfile'))).toBe('FROM alpine\nUSER 1\nCMD x\n');
  });

  it('drops a Dockerfile fix that glues instructions together, and reports it', async () => {
    const { project: p, dir } = await project({ Dockerfile: 'FROM alpine\nRUN a\nCMD b\n' });
    const glue = transform('glue', (pr) => {
      const df = pr.dockerfiles[0];
      const i = df.text.indexOf('RUN a') + 5;
      return [{ transform: 'glue', file: df.path, range: [i, i], message: 'glue', severity: 'warning', fix: { edits: [{ file: df.path, range: [i, i], text: ' \\' }] } }];
    });
    const r = runEngine(p, { ...opts, transforms: [glue, replacer('ok', 'CMD b', 'CMD c')] });
    expect(r.changed.get(path.join(dir, 'Dockerfile'))).toBe('FROM alpine\nRUN a\nCMD c\n');
    expect(r.errors.map((e) => e.message).join()).toMatch(/fix of glue .* did not verify .*at line 2/);
    expect(r.findings.find((f) => f.transform === 'glue')?.fixed).toBe(false);
  });

  it('when a fix in one file fails to verify, the fixes are verified one at a time against the files as they were', async () => {
    // a/compose.yaml verifies first and its new parse takes the old one's place in the files;
    // b's glue then fails. Verified again against the new parse, a's delete would remove
    // a second item and fail: it must meet the parse of its own text.
    const { project: p, dir } = await project({
      'a/compose.yaml': 'services:\n  app:\n    image: x\n    cap_add:\n      - A\n      - B\n',
      'b/Dockerfile': 'FROM alpine\nRUN a\nCMD b\n',
    });
    const dropFirst = transform('drop', (pr) => {
      const c = pr.composes[0];
      const i = c.text.indexOf('      - A\n');
      if (i < 0) return [];
      return [
        {
          transform: 'drop',
          file: c.path,
          range: [i, i],
          message: 'drop A',
          severity: 'warning',
          fix: {
            edits: [{ file: c.path, range: [i, i + '      - A\n'.length], text: '' }],
            intent: [{ file: c.path, doc: 0, path: ['services', 'app', 'cap_add', 0], op: 'delete' }],
          },
        },
      ];
    });
    const glueB = transform('glue', (pr) => {
      const df = pr.dockerfiles[0];
      const i = df.text.indexOf('RUN a') + 5;
      return [{ transform: 'glue', file: df.path, range: [i, i], message: 'glue', severity: 'warning', fix: { edits: [{ file: df.path, range: [i, i], text: ' \\' }] } }];
    });
    const seen: string[] = [];
    const watch = transform('watch', (pr) => {
      for (const c of pr.composes) seen.push(JSON.stringify(c.parsed.docs[0].services[0].data.cap_add));
      return [];
    });
    const r = runEngine(p, { ...opts, transforms: [dropFirst, glueB, watch] });
    expect(r.changed.get(path.join(dir, 'a', 'compose.yaml'))).toBe('services:\n  app:\n    image: x\n    cap_add:\n      - B\n');
    expect(r.changed.has(path.join(dir, 'b', 'Dockerfile'))).toBe(false);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/fix of glue .* did not verify/)]);
    // Each pass's model parses the texts of that pass.
    expect(seen).toEqual(['["A","B"]', '["B"]']);
    for (const f of r.project.files.values()) expect(f.text).toBe(r.changed.get(f.path) ?? r.original.get(f.path));
  });

  it('drops a compose fix whose text does not say what its intent says', async () => {
    const { project: p, dir } = await project({ 'compose.yaml': 'services:\n  app:\n    image: x\n' });
    const liar = transform('liar', (pr) => {
      const c = pr.composes[0];
      if (c.text.includes('read_only')) return [];
      const at = c.text.length;
      return [
        {
          transform: 'liar',
          file: c.path,
          range: [0, 1],
          message: 'says read_only, writes privileged',
          severity: 'warning',
          fix: {
            edits: [{ file: c.path, range: [at, at], text: '    privileged: true\n' }],
            intent: [{ file: c.path, doc: 0, path: ['services', 'app', 'read_only'], op: 'set', value: true }],
          },
        },
      ];
    });
    const r = runEngine(p, { ...opts, transforms: [liar] });
    expect(r.changed.size).toBe(0);
    // The model after the pass is the one of the unchanged text.
    expect(r.project.composes[0].text).toBe('services:\n  app:\n    image: x\n');
    expect(r.project.composes[0].parsed.docs[0].services[0].data).toEqual({ image: 'x' });
    expect(r.errors[0].message).toMatch(/does not hold the intended data/);
    expect(r.errors[0].file).toBe(path.join(dir, 'compose.yaml'));
  });

  it('holds back a fix whose intent sets a path another fix of the pass sets', async () => {
    const { project: p, dir } = await project({ 'compose.yaml': 'services:\n  app:\n    image: x\n    cap_add:\n      - A\n      - B\n      - C\n' });
    // Each removes its own line (the texts do not overlap) and states the whole list it
    // leaves, computed from the same data: only one of the two can be right per pass.
    const remove = (id: string, cap: string) =>
      transform(id, (pr) => {
        const c = pr.composes[0];
        const list = c.parsed.docs[0].services[0].data.cap_add as string[];
        if (!list.includes(cap)) return [];
        const line = `      - ${cap}\n`;
        const i = c.text.indexOf(line);
        return [
          {
            transform: id,
            file: c.path,
            range: [i, i + line.length],
            message: id,
            severity: 'warning',
            fix: {
              edits: [{ file: c.path, range: [i, i + line.length], text: '' }],
              intent: [{ file: c.path, doc: 0, path: ['services', 'app', 'cap_add'], op: 'set', value: list.filter((x) => x !== cap) }],
            },
          },
        ];
      });
    const r = runEngine(p, { ...opts, transforms: [remove('a', 'A'), remove('c', 'C')] });
    expect(r.errors).toEqual([]);
    expect(r.changed.get(path.join(dir, 'compose.yaml'))).toBe('services:\n  app:\n    image: x\n    cap_add:\n      - B\n');
    expect(r.findings.map((f) => f.pass).sort()).toEqual([1, 2]);
    expect(r.passStats.map((s) => [s.applied, s.heldOverlap, s.heldIntent, s.appliedAfterHold])).toEqual([
      [{ a: 1 }, {}, { c: 1 }, 0],
      [{ c: 1 }, {}, {}, 1],
      [{}, {}, {}, 0],
    ]);
  });

  it('indexes taken fixes by file: the same intent path and the same offsets in two files do not hold each other back', async () => {
    const text = 'services:\n  app:\n    image: x\n';
    const { project: p, dir } = await project({ 'a/compose.yaml': text, 'b/compose.yaml': text });
    const readOnly = transform('ro', (pr) =>
      pr.composes
        .filter((c) => !c.text.includes('read_only'))
        .map((c) => {
          const at = c.text.length;
          return {
            transform: 'ro',
            file: c.path,
            range: [at, at] as [number, number],
            message: 'ro',
            severity: 'warning' as const,
            fix: {
              edits: [{ file: c.path, range: [at, at] as [number, number], text: '    read_only: true\n' }],
              intent: [{ file: c.path, doc: 0, path: ['services', 'app', 'read_only'], op: 'set' as const, value: true }],
            },
          };
        }),
    );
    const r = runEngine(p, { ...opts, transforms: [readOnly] });
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => f.pass)).toEqual([1, 1]);
    for (const d of ['a', 'b']) expect(r.changed.get(path.join(dir, d, 'compose.yaml'))).toBe(text + '    read_only: true\n');
  });

  it('a fix that also edits another file holds back a fix of that file whose edit overlaps', async () => {
    const { project: p, dir } = await project({ 'a/Dockerfile': 'FROM alpine\nRUN a\n', 'b/Dockerfile': 'FROM alpine\nRUN b\n' });
    const both = transform('both', (pr) => {
      const [a, b] = pr.dockerfiles;
      if (a.text.includes('RUN A')) return [];
      const ia = a.text.indexOf('RUN a');
      const ib = b.text.indexOf('RUN b');
      return [{ transform: 'both', file: a.path, range: [ia, ia + 5], message: 'both', severity: 'warning', fix: { edits: [{ file: a.path, range: [ia, ia + 5], text: 'RUN A' }, { file: b.path, range: [ib, ib + 5], text: 'RUN B' }] } }];
    });
    // Sorted by first edit, a/Dockerfile's fix comes first and takes b's RUN line too.
    const onlyB = transform('onlyB', (pr) => {
      const b = pr.dockerfiles[1];
      const i = b.text.indexOf('RUN ');
      if (b.text.includes('RUN B!')) return [];
      return [{ transform: 'onlyB', file: b.path, range: [i, i + 5], message: 'onlyB', severity: 'warning', fix: { edits: [{ file: b.path, range: [i, i + 5], text: 'RUN B!' }] } }];
    });
    const r = runEngine(p, { ...opts, transforms: [both, onlyB] });
    expect(r.errors).toEqual([]);
    expect(Object.fromEntries(r.findings.filter((f) => f.fixed).map((f) => [f.transform, f.pass]))).toEqual({ both: 1, onlyB: 2 });
    expect(r.changed.get(path.join(dir, 'b', 'Dockerfile'))).toBe('FROM alpine\nRUN B!\n');
  });

  it('reports an applied fix with its edits and, unless asked to keep it, without its intent', async () => {
    const { project: p } = await project({ 'compose.yaml': 'services:\n  app:\n    image: x\n' });
    const readOnly = transform('ro', (pr) => {
      const c = pr.composes[0];
      if (c.text.includes('read_only')) return [];
      const at = c.text.length;
      return [
        {
          transform: 'ro',
          file: c.path,
          range: [0, 1],
          message: 'read_only',
          severity: 'warning',
          fix: {
            edits: [{ file: c.path, range: [at, at], text: '    read_only: true\n' }],
            intent: [{ file: c.path, doc: 0, path: ['services', 'app', 'read_only'], op: 'set', value: true }],
          },
        },
      ];
    });
    const dropped = runEngine(p, { ...opts, transforms: [readOnly] });
    expect(dropped.findings.map((f) => [f.fixed, f.fix?.edits.map((e) => e.text), f.fix?.intent])).toEqual([[true, ['    read_only: true\n'], undefined]]);
    const kept = runEngine(p, { ...opts, transforms: [readOnly], keepIntent: true });
    expect(kept.findings[0].fix?.intent?.map((c) => c.path.join('.'))).toEqual(['services.app.read_only']);
  });

  it('takes the model out of the handle it is given, so the caller holds no pass of it', async () => {
    const { project: p, dir } = await project({ Dockerfile: 'FROM alpine\nRUN one\n' });
    const handle: ProjectHandle = { project: p };
    const r = runEngineOn(handle, { ...opts, transforms: [replacer('a', 'one', '1')] });
    expect(handle.project).toBeUndefined();
    expect(r.changed.get(path.join(dir, 'Dockerfile'))).toBe('FROM alpine\nRUN 1\n');
    expect(r.project.dockerfiles[0].text).toBe('FROM alpine\nRUN 1\n');
  });

  it('a crashing transform is reported and the others still run', async () => {
    const { project: p } = await project({ Dockerfile: 'FROM alpine\nRUN one\n' });
    const boom = transform('boom', () => {
      throw new Error('kaput');
    });
    const r = runEngine(p, { ...opts, transforms: [boom, replacer('a', 'one', '1')] });
    expect(r.changed.size).toBe(1);
    expect(r.errors[0].message).toMatch(/internal error in transform boom: Error: kaput/);
  });

  it('calls atPhaseEnd before the transforms of each pass, before the fixes of a pass are applied, and after the last pass', async () => {
    const { project: p } = await project({ Dockerfile: 'FROM alpine\nRUN x\n' });
    const events: string[] = [];
    const once = replacer('a', 'RUN x', 'RUN y');
    const recorded: Transform = { ...once, run: (ctx) => (events.push('transforms'), once.run(ctx)) };
    const r = runEngine(p, { ...opts, transforms: [recorded], atPhaseEnd: () => events.push('phase end') });
    expect(r.passes).toBe(2);
    // Pass 1 applies its fix; pass 2 finds nothing to apply, so it stops before applying; then the report's findings are made.
    expect(events).toEqual(['phase end', 'transforms', 'phase end', 'phase end', 'transforms', 'phase end']);
  });

  it('stops on a cycle instead of looping', async () => {
    const { project: p } = await project({ Dockerfile: 'FROM alpine\nRUN x\n' });
    const r = runEngine(p, { ...opts, transforms: [replacer('a', 'RUN x', 'RUN y'), replacer('b', 'RUN y', 'RUN x')] });
    expect(r.passes).toBeLessThanOrEqual(3);
  });

  it('tells states apart by the changed files only, their paths, and where each piece ends', () => {
    const original = new Map([['/a', 'x'], ['/b', 'y']]);
    const state = (entries: [string, string][]) => stateDigest(new Map(entries), original);
    expect(state([['/a', 'x'], ['/b', 'y']])).toBe(state([]));
    expect(state([['/a', 'x2'], ['/b', 'y']])).toBe(state([['/a', 'x2']]));
    expect(state([['/a', 'x2']])).not.toBe(state([['/a', 'x3']]));
    expect(state([['/a', 'x2']])).not.toBe(state([['/b', 'x2']]));
    // A path and a text that read the same run together.
    expect(state([['/ab', 'c']])).not.toBe(state([['/a', 'bc']]));
    expect(state([['/a', 'é\u{1F600}\r\n']])).toBe(state([['/a', 'é\u{1F600}\r\n']]));
    expect(state([['/a', 'é\u{1F600}\r\n']])).not.toBe(state([['/a', 'é\u{1F601}\r\n']]));
    // Past STATE_TEXT_MAX_CHARS of changed text, sha256: the same state still has one digest.
    const large = 'x'.repeat(STATE_TEXT_MAX_CHARS);
    expect(state([['/a', large + 'y']])).toMatch(/^sha256:/);
    expect(state([['/a', large + 'y']])).toBe(state([['/a', large + 'y']]));
    expect(state([['/a', large + 'y']])).not.toBe(state([['/a', large + 'z']]));
    expect(state([['/a', large]])).toMatch(/^text:/);
  });

  it('maps finding positions back to the original text', async () => {
    const { project: p } = await project({ Dockerfile: 'FROM alpine\nRUN abc\nRUN zzz\n' });
    const r = runEngine(p, { ...opts, transforms: [replacer('a', 'abc', 'a\nb\nc'), replacer('b', 'zzz', 'Z')] });
    // b's finding is on line 3 of the original, whatever pass it ran in.
    expect(r.findings.find((f) => f.transform === 'b')?.line).toBe(3);
  });
});

describe('writeAtomic', () => {
  it('writes through a temp file and leaves no temp file behind', async () => {
    const dir = writeTree({ 'compose.yaml': 'a: 1\n' });
    const file = path.join(dir, 'compose.yaml');
    await writeAtomic(file, 'a: 1\n', 'a: 2\n');
    expect(readFileSync(file, 'utf8')).toBe('a: 2\n');
    expect(readdirSync(dir)).toEqual(['compose.yaml']);
  });

  it('refuses to write a file that changed on disk since it was read', async () => {
    const dir = writeTree({ 'compose.yaml': 'a: 1\n' });
    const file = path.join(dir, 'compose.yaml');
    writeFileSync(file, 'a: 1\nb: 2\n'); // someone else edited it meanwhile
    await expect(writeAtomic(file, 'a: 1\n', 'a: 2\n')).rejects.toThrow(/changed on disk/);
    expect(readFileSync(file, 'utf8')).toBe('a: 1\nb: 2\n');
  });
});

describe('applyChange (verification of compose intents)', () => {
  /** What applyChange must answer: the change applied to a deep copy, in place (as verification once did). */
  const onCopy = (root: unknown, c: DataChange): unknown => {
    const copy = structuredClone(root);
    if (c.path.length === 0) return c.op === 'set' ? structuredClone(c.value) : undefined;
    let cur = (copy ?? {}) as Record<string | number, unknown>;
    const top = cur;
    for (let i = 0; i < c.path.length - 1; i++) {
      const k = c.path[i]!;
      if (cur[k] === undefined || cur[k] === null || typeof cur[k] !== 'object') {
        if (c.op === 'delete') return top;
        cur[k] = typeof c.path[i + 1] === 'number' ? [] : {};
      }
      cur = cur[k] as Record<string | number, unknown>;
    }
    const last = c.path[c.path.length - 1]!;
    if (c.op === 'set') cur[last] = structuredClone(c.value);
    else if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
    else delete cur[last];
    return top;
  };
  const doc = () => ({
    services: { web: { image: 'nginx', cap_drop: ['NET_RAW'], tmpfs: ['/tmp'] }, db: { image: 'postgres', environment: { A: '1' } } },
    volumes: { data: null },
  });
  const changes: DataChange[] = [
    { file: 'c', doc: 0, path: ['services', 'web', 'read_only'], op: 'set', value: true },
    { file: 'c', doc: 0, path: ['services', 'web', 'tmpfs', 1], op: 'set', value: '/run' },
    { file: 'c', doc: 0, path: ['services', 'web', 'cap_drop', 0], op: 'delete' },
    { file: 'c', doc: 0, path: ['services', 'web', 'cap_drop'], op: 'set', value: ['ALL'] },
    { file: 'c', doc: 0, path: ['services', 'new', 'security_opt', 0], op: 'set', value: 'no-new-privileges:true' },
    { file: 'c', doc: 0, path: ['services', 'gone', 'x'], op: 'delete' },
    { file: 'c', doc: 0, path: ['volumes', 'data'], op: 'delete' },
    { file: 'c', doc: 0, path: ['volumes', 'cache'], op: 'set', value: { driver: 'local' } },
    { file: 'c', doc: 0, path: [], op: 'set', value: { services: {} } },
  ];

  it('answers what the change applied to a deep copy answers, and leaves the data it was given as it was', () => {
    for (const c of changes) {
      const root = doc();
      const got = applyChange(root, c);
      expect(got).toEqual(onCopy(doc(), c));
      expect(root).toEqual(doc());
    }
    // One after another, as verifyCompose applies a file's intents.
    let cur: unknown = doc();
    let ref: unknown = doc();
    const first = cur;
    for (const c of changes.slice(0, -1)) {
      cur = applyChange(cur, c);
      ref = onCopy(ref, c);
      expect(deepEqual(cur, ref)).toBe(true);
    }
    expect(first).toEqual(doc());
  });

  it('shares what the change does not touch, and does not write into a value an earlier change set', () => {
    const root = doc();
    const out = applyChange(root, changes[0]!) as ReturnType<typeof doc>;
    expect(out.services.db).toBe(root.services.db);
    expect(out.volumes).toBe(root.volumes);
    expect(out.services.web).not.toBe(root.services.web);
    const value = ['ALL'];
    const set = applyChange(root, { file: 'c', doc: 0, path: ['services', 'web', 'cap_drop'], op: 'set', value });
    applyChange(set, { file: 'c', doc: 0, path: ['services', 'web', 'cap_drop', 1], op: 'set', value: 'X' });
    expect(value).toEqual(['ALL']);
    // The same for a whole document set, then changed.
    const whole = doc();
    const replaced = applyChange(root, { file: 'c', doc: 0, path: [], op: 'set', value: whole });
    const after = applyChange(replaced, { file: 'c', doc: 0, path: ['services', 'web', 'tmpfs', 0], op: 'delete' });
    applyChange(after, { file: 'c', doc: 0, path: ['volumes', 'data'], op: 'set', value: 1 });
    expect(whole).toEqual(doc());
  });
});
