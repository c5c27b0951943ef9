// The report formats as views of one run: SARIF that validates against the
// OASIS schema and whose fixes reproduce the output, JSON that matches its
// documented schema, markdown and stylish with de-duplicated migration notes.
import { describe, it, expect } from 'vitest';
import { DOCKER_GID_NOTE } from '../src/compose-service.js';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import { run, type RunResult } from '../src/driver.js';
import { buildSarif, sarif } from '../src/report/sarif.js';
import { jsonReport } from '../src/report/json.js';
import { markdown } from '../src/report/markdown.js';
import { stylish, stylishChunks } from '../src/report/stylish.js';
import { unifiedDiff, unifiedDiffChunks } from '../src/report/diff.js';
import type { ReportContext } from '../src/report/stylish.js';
import type { Transform } from '../src/transform.js';
import { DEFAULT_OPTIONS, type Finding } from '../src/types.js';
import { TRANSFORMS } from '../transforms/index.js';
import { REPO, copyTree, writeTree } from './helpers.js';

const sarifValidator = (() => {
  const schema = JSON.parse(readFileSync(path.join(REPO, 'test/schemas/sarif-schema-2.1.0.json'), 'utf8'));
  // A CommonJS module: under NodeNext its class is the `default` export of the module object.
  const ajv = new AjvDraft04.default({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(schema);
})();

const jsonValidator = (() => {
  const schema = JSON.parse(readFileSync(path.join(REPO, 'docs/report.schema.json'), 'utf8'));
  return new Ajv({ strict: true, allErrors: true }).compile(schema);
})();

async function runOn(dir: string, transforms: Transform[] = TRANSFORMS, dryRun = true): Promise<{ result: RunResult; ctx: ReportContext }> {
  const result = await run({ paths: [dir], cwd: dir, dryRun, exclude: [], transforms, options: DEFAULT_OPTIONS });
  return { result, ctx: { cwd: dir, color: false, transforms: TRANSFORMS.map((t) => t.meta), version: '9.9.9' } };
}

interface SarifReplacement {
  deletedRegion: { charOffset: number; charLength: number; startLine: number; startColumn: number; endLine: number; endColumn: number };
  insertedContent: { text: string };
}

/** Apply every fix of a SARIF log to the original texts (replacements of one file, from the end). */
function applySarifFixes(log: ReturnType<typeof buildSarif>, read: (rel: string) => string): Map<string, string> {
  const byFile = new Map<string, SarifReplacement[]>();
  for (const r of log.runs[0].results as { fixes?: { artifactChanges: { artifactLocation: { uri: string }; replacements: SarifReplacement[] }[] }[] }[]) {
    for (const fix of r.fixes ?? []) {
      for (const ch of fix.artifactChanges) {
        const rel = decodeURIComponent(ch.artifactLocation.uri);
        byFile.set(rel, [...(byFile.get(rel) ?? []), ...ch.replacements]);
      }
    }
  }
  const out = new Map<string, string>();
  for (const [rel, reps] of byFile) {
    let text = read(rel);
    const sorted = reps.map((r, i) => ({ r, i })).sort((a, b) => b.r.deletedRegion.charOffset - a.r.deletedRegion.charOffset || b.i - a.i);
    for (const { r } of sorted) {
      const { charOffset, charLength } = r.deletedRegion;
      text = text.slice(0, charOffset) + r.insertedContent.text + text.slice(charOffset + charLength);
    }
    out.set(rel, text);
  }
  return out;
}

describe('sarif', () => {
  it('a generated file\'s finding has a rule of its own, whose controls are the transforms\'', async () => {
    const dir = writeTree({
      'Dockerfile': '#\n# NOTE: THIS DOCKERFILE IS GENERATED VIA "apply-templates.sh"\n#\n# PLEASE DO NOT EDIT IT DIRECTLY.\n#\nFROM debian:bookworm-slim\nCMD ["app"]\n',
      'Dockerfile.template': 'FROM debian:bookworm-slim\nCMD ["app"]\n',
      'apply-templates.sh': '#!/usr/bin/env bash\nsed -e "s/x/y/" Dockerfile.template > Dockerfile\n',
    });
    try {
      const { result, ctx } = await runOn(dir);
      const log = JSON.parse(sarif(result, ctx));
      expect(sarifValidator(log), JSON.stringify(sarifValidator.errors, null, 1)).toBe(true);
      const rules: { id: string; properties: { cis: string } }[] = log.runs[0].tool.driver.rules;
      const generated = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'generated-file');
      expect(generated).toBeDefined();
      expect(rules[generated.ruleIndex]!.id).toBe('generated-file');
      expect(rules[generated.ruleIndex]!.properties.cis.split(', ')).toContain('4.1');
      for (const r of log.runs[0].results) expect(rules.map((x) => x.id)).toContain(r.ruleId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the examples give SARIF that validates against the 2.1.0 schema, with rules, regions and fixes', async () => {
    const dir = copyTree(path.join(REPO, 'examples'));
    // A Dockerfile on an unknown base image gives a finding left for a human.
    writeFileSync(path.join(dir, 'legacy.Dockerfile'), 'FROM registry.example.com/platform/runtime:7\nCMD ["/app"]\n');
    try {
      const { result, ctx } = await runOn(dir);
      const log = JSON.parse(sarif(result, ctx));
      expect(sarifValidator(log), JSON.stringify(sarifValidator.errors, null, 1)).toBe(true);
      const runLog = log.runs[0];
      expect(runLog.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(TRANSFORMS.map((t) => t.meta.id));
      for (const rule of runLog.tool.driver.rules) {
        expect(rule.help.text.length).toBeGreaterThan(40);
        expect(rule.properties.cis).toMatch(/^\d+\.\d+$/);
      }
      expect(runLog.results.length).toBe(result.engine.findings.length);
      const api = runLog.results.find((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
        r.locations[0].physicalLocation.artifactLocation.uri === 'api/Dockerfile');
      expect(api.locations[0].physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(api.locations[0].physicalLocation.region.startLine).toBe(1);
      expect(api.fixes[0].artifactChanges[0].replacements.length).toBeGreaterThan(0);
      // The manual finding (legacy.Dockerfile's unknown base) says what to do and has no fix.
      const manual = runLog.results.find((r: { properties: { status: string } }) => r.properties.status === 'manual');
      expect(manual.message.text).toContain('To do by hand');
      expect(manual.fixes).toBeUndefined();
      // Applying every fix of the log to the original files gives the tool's output.
      const applied = applySarifFixes(log, (rel) => result.engine.original.get(path.join(dir, rel))!);
      expect([...applied.keys()].sort()).toEqual(result.changes.map((c) => c.rel).sort());
      for (const c of result.changes) expect(applied.get(c.rel)).toBe(c.after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fixes of later passes become the whole-file change, attached once, so the log still reproduces the output', async () => {
    // Two fixes at one spot: the second waits for pass 2 and is stated against pass 1's text.
    const twoPass: Transform = {
      meta: { ...TRANSFORMS[0].meta, id: 'test/two-pass' },
      run(ctx) {
        const out: Finding[] = [];
        for (const df of ctx.project.dockerfiles) {
          const ins = df.parsed.instructions.find((i) => i.keyword === 'CMD');
          if (!ins || df.text.includes('# b')) continue;
          const text = df.text.includes('# a') ? '# b\n' : '# a\n';
          out.push({ transform: 'test/two-pass', file: df.path, range: [ins.start, ins.end], message: `add ${text.trim()}`, severity: 'note',
            fix: { edits: [{ file: df.path, range: [ins.start, ins.start + 3], text: text + 'CMD' }] } });
        }
        return out;
      },
    };
    const dir = writeTree({ 'my app/Dockerfile': 'FROM scratch\r\nCOPY x /x\r\nCMD ["/x"]', 'Dockerfile': 'FROM scratch\nCMD ["/y"]\n' });
    try {
      const { result, ctx } = await runOn(dir, [twoPass]);
      expect(result.engine.passes).toBeGreaterThan(2);
      const log = buildSarif(result, ctx);
      expect(sarifValidator(JSON.parse(JSON.stringify(log))), JSON.stringify(sarifValidator.errors)).toBe(true);
      expect(JSON.stringify(log)).toContain('my%20app/Dockerfile');
      const applied = applySarifFixes(log, (rel) => result.engine.original.get(path.join(dir, rel))!);
      for (const c of result.changes) expect(applied.get(c.rel)).toBe(c.after);
      expect(applied.get('my app/Dockerfile')).toBe('FROM scratch\r\nCOPY x /x\r\n# a\n# b\nCMD ["/x"]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('json', () => {
  it('matches docs/report.schema.json on the examples, with positions and edits', async () => {
    const dir = copyTree(path.join(REPO, 'examples'));
    try {
      const { result, ctx } = await runOn(dir);
      const report = JSON.parse(jsonReport(result, ctx));
      expect(jsonValidator(report), JSON.stringify(jsonValidator.errors, null, 1)).toBe(true);
      expect(report.tool).toEqual({ name: 'docker-harden', version: '9.9.9' });
      expect(report.summary.changed).toBe(result.changes.length);
      // One no-new-privileges finding per service of the base compose file (six services).
      const compose = report.findings.filter((f: { path: string; transform: string }) => f.path === 'docker-compose.yml' && f.transform === 'compose/no-new-privileges');
      expect(compose.length).toBe(6);
      for (const f of compose) {
        expect(f.status).toBe('fixable');
        expect(f.cis).toBe('5.26');
        expect(f.edits.length).toBe(1);
        // Positions are always in the original text: they point at the service key.
        const original = result.engine.original.get(path.join(dir, 'docker-compose.yml'))!;
        expect(original.slice(f.position.offset, f.position.offset + f.position.length)).toMatch(/^[a-z]+$/);
        // Which pass applies it depends on the other fixes at the same spot (the engine defers touching edits).
        expect(f.pass).toBeGreaterThanOrEqual(1);
      }
      const changed = report.files.filter((f: { status: string }) => f.status === 'changed');
      for (const f of changed) expect(f.diff).toContain(`--- a/${f.path}`);
      // A fix that rests on what is known of an image names where that came from: the row's upstream files, the Dockerfile.
      type Sourced = { path: string; transform: string; message: string; sources?: string[] };
      const db = report.findings.find((f: Sourced) => f.transform === 'compose/cap-drop' && f.message.startsWith('service db:'));
      expect(db.sources).toEqual([
        expect.stringMatching(/^knowledge table \(postgres\): https:\/\/github\.com\/docker-library\/postgres\//),
        expect.stringMatching(/^knowledge table \(postgres\), capabilities: https:\/\/.*docker-entrypoint\.sh$/),
      ]);
      const api = report.findings.find((f: Sourced) => f.transform === 'compose/read-only' && f.message.startsWith('service api:'));
      expect(api.sources).toEqual(['Dockerfile: api/Dockerfile', expect.stringMatching(/^knowledge table \(python, the base python:3\.12-slim of the build\): https:/)]);
      const apiUser = report.findings.find((f: Sourced) => f.transform === 'dockerfile/non-root-user' && f.path === 'api/Dockerfile');
      expect(apiUser.sources).toEqual([expect.stringMatching(/^knowledge table \(python, the base python:3\.12-slim\): https:\/\/github\.com\/docker-library\/python\//)]);
      // The nginx swap rests on the rows of both images, the nginx.org layout and the repository's configuration it followed.
      const nginx = report.findings.find((f: Sourced) => f.transform === 'nginx/unprivileged');
      expect(nginx.sources).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^knowledge table \(nginx, the image nginx:1\.27-alpine\): https:\/\/github\.com\/nginx\/docker-nginx\//),
          expect.stringMatching(/^knowledge table \(nginx-unprivileged, .*\): https:\/\/github\.com\/nginx\/docker-nginx-unprivileged\//),
          expect.stringMatching(/^nginx layout \(nginx\.org\): https:/),
          'nginx configuration: frontend/nginx/default.conf',
        ]),
      );
      // Whether a service runs Python is a fact of its image; DOCKER_GID's line in .env.example, of the compose file beside it.
      const bytecode = report.findings.find((f: Sourced) => f.transform === 'compose/python-bytecode');
      expect(bytecode.sources).toEqual(['Dockerfile: api/Dockerfile', expect.stringMatching(/^knowledge table \(python, the base python:3\.12-slim of the build\): https:/)]);
      const gid = report.findings.find((f: Sourced) => f.transform === 'compose/env-docker-gid');
      expect(gid.sources).toEqual(['compose: docker-compose.yml (service notifier: group_add ${DOCKER_GID})']);
      // One that rests on its own file alone names none.
      expect(compose.every((f: Sourced) => f.sources === undefined)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches the schema with suppressed findings, migration notes and errors', async () => {
    const dir = writeTree({
      'compose.yaml': 'services:\n  # docker-harden-ignore compose/no-new-privileges -- the legacy agent needs setuid ping\n  agent:\n    image: agent:1\n    group_add: ["${DOCKER_GID:-999}"]\n  broken: [\n',
      'ok/compose.yaml': 'services:\n  agent:\n    image: agent:1\n    group_add: ["${DOCKER_GID:-999}"]\n',
      'ok/.env.example': 'FOO=1\n',
    });
    try {
      const { result, ctx } = await runOn(dir);
      const report = JSON.parse(jsonReport(result, ctx));
      expect(jsonValidator(report), JSON.stringify(jsonValidator.errors, null, 1)).toBe(true);
      expect(report.errors.length).toBe(1);
      expect(report.errors[0].path).toBe('compose.yaml');
      expect(report.migrationNotes.map((n: { kind: string }) => n.kind)).toEqual(['docker-gid']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('markdown and stylish', () => {
  it('a PR body: what changed per file, what is left, migration notes once, a test plan', async () => {
    const dir = writeTree({
      'compose.yaml': 'services:\n  a:\n    image: agent:1\n    group_add: ["${DOCKER_GID:-999}"]\n',
      '.env.example': 'FOO=1\n',
      '.env.sample': 'FOO=1\n',
      // An unknown base image: non-root-user cannot know it is safe, so a person must look.
      'web/Dockerfile': 'FROM registry.example.com/platform/runtime:7\nCMD ["/app"]\n',
    });
    try {
      const { result, ctx } = await runOn(dir);
      const md = markdown(result, ctx);
      expect(md).toContain('### What changed and why');
      expect(md).toContain('#### `.env.example`');
      expect(md).toContain('#### `compose.yaml`');
      const left = md.slice(md.indexOf('### Left for a human'));
      expect(md).toContain('### Left for a human');
      expect(left).toContain('- [ ] `web/Dockerfile:1` **dockerfile/non-root-user**');
      expect(md).toContain('### Migration notes for existing deployments');
      // Two env files carry the same note; it appears once.
      expect(md.split(DOCKER_GID_NOTE.command!).length - 1).toBe(1);
      expect(md).toContain('### Test plan');
      expect(md).toContain('- [ ] The compose files still validate');
      const text = stylish(result, ctx);
      expect(text).toContain('Migration notes for existing deployments:');
      // The CLI writes the report in pieces: whole lines each, every line once, in order.
      const pieces = [...stylishChunks(result, ctx, 1)];
      expect(pieces.length).toBe(new Set(result.engine.findings.map((f) => f.file)).size + 1);
      for (const p of pieces) expect(p.endsWith('\n')).toBe(true);
      expect(pieces.join('')).toBe(text);
      expect([...stylishChunks(result, ctx, 1 << 20)]).toEqual([text]);
      expect(text.split(`$ ${DOCKER_GID_NOTE.command}`).length - 1).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('notes of findings that were not fixed (suppressed) are left out', async () => {
    const dir = writeTree({
      'compose.yaml': 'services:\n  a:\n    image: agent:1\n    group_add: ["${DOCKER_GID:-999}"]\n',
      '.env.example': '# docker-harden-ignore-file compose/env-docker-gid -- documented in the wiki\nFOO=1\n',
    });
    try {
      const { result, ctx } = await runOn(dir);
      expect(result.engine.findings.find((f) => f.transform === 'compose/env-docker-gid')?.suppressed?.reason).toBe('documented in the wiki');
      expect(stylish(result, ctx)).not.toContain('Migration notes');
      expect(markdown(result, ctx)).toContain('### Suppressed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unified diff in pieces', () => {
  const changes = ['b.yml', 'a/Dockerfile', 'c d/compose.yaml'].map((rel, k) => ({
    rel,
    before: `line one\nline two ${k}\n`.repeat(20),
    after: `line one\nline 2 ${k}\n`.repeat(20),
  }));

  it('joins to the whole diff, and breaks only between files', () => {
    const whole = unifiedDiff(changes);
    for (const size of [1, 100, 1 << 16]) {
      const pieces = [...unifiedDiffChunks(changes, false, size)];
      expect(pieces.join('')).toBe(whole);
      for (const p of pieces) expect(p.startsWith('diff --git ')).toBe(true);
    }
    expect([...unifiedDiffChunks(changes, false, 1)]).toHaveLength(3);
    expect([...unifiedDiffChunks(changes, false, 1 << 16)]).toHaveLength(1);
    expect([...unifiedDiffChunks([], false)]).toEqual([]);
  });
});
