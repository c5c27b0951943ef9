// Inline suppression comments in Dockerfiles and compose files: scopes,
// reasons, their place in the reports, and a second run that keeps honouring them.
import { describe, it, expect } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { run } from '../src/driver.js';
import { parseDirective } from '../src/suppress.js';
import type { Transform } from '../src/transform.js';
import { DEFAULT_OPTIONS, type Finding } from '../src/types.js';
import { TRANSFORMS } from '../transforms/index.js';
import { hardenTree, readTree, runCli, toCrlf, writeTree } from './helpers.js';

const NNP = 'compose/no-new-privileges';

/** Reports (and fixes, by upper-casing `x`) every RUN instruction: a finding per instruction. */
const flagRun: Transform = {
  meta: { ...TRANSFORMS[0].meta, id: 'test/flag-run' },
  run(ctx) {
    const out: Finding[] = [];
    for (const df of ctx.project.dockerfiles) {
      for (const ins of df.parsed.instructions) {
        if (ins.keyword !== 'RUN' || !ins.raw.includes('x')) continue;
        const at = ins.start + ins.raw.indexOf('x');
        out.push({ transform: 'test/flag-run', file: df.path, range: [ins.start, ins.end], message: `RUN at line ${ins.line + 1}`, severity: 'warning',
          fix: { edits: [{ file: df.path, range: [at, at + 1], text: 'X' }] } });
      }
    }
    return out;
  },
};

async function runWith(tree: Record<string, string>, transforms: Transform[]) {
  const dir = writeTree(tree);
  try {
    const result = await run({ paths: [dir], cwd: dir, dryRun: true, exclude: [], transforms, options: DEFAULT_OPTIONS });
    const changed = Object.fromEntries(result.changes.map((c) => [c.rel, c.after]));
    return { result, changed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('parseDirective', () => {
  it('reads ids and reason', () => {
    expect(parseDirective(' docker-harden-ignore a/b -- needs root for ping ', 3)).toEqual({ transforms: ['a/b'], reason: 'needs root for ping', line: 3, fileWide: false });
    expect(parseDirective('docker-harden-ignore-file a/b, c/d -- x -- y', 1)).toEqual({ transforms: ['a/b', 'c/d'], reason: 'x -- y', line: 1, fileWide: true });
    expect(parseDirective('docker-harden-ignore a/b', 1)?.reason).toBe('(no reason given)');
    expect(parseDirective('docker-harden-ignore -- no id', 1)).toBeUndefined();
    expect(parseDirective('docker-harden-ignored a/b -- x', 1)).toBeUndefined();
    expect(parseDirective('see docker-harden-ignore a/b', 1)).toBeUndefined();
  });
});

describe('Dockerfile', () => {
  const DF = [
    'FROM alpine:3.20 AS build',
    'RUN x1',
    '# docker-harden-ignore test/flag-run -- the build stage runs as root on purpose',
    'RUN x2',
    'RUN x3',
    '',
    '# docker-harden-ignore test/flag-run -- nothing in this stage is ours',
    'FROM debian:12 AS other',
    'RUN x4',
    'RUN x5',
    'FROM debian:12',
    '# a plain comment above the directive',
    '# docker-harden-ignore some/other, test/flag-run -- vendored script',
    'RUN x6',
    '',
    '# docker-harden-ignore test/flag-run -- a blank line separates this from the RUN',
    '',
    'RUN x7',
    '',
  ].join('\n');

  for (const crlf of [false, true]) {
    it(`before an instruction: that instruction; before FROM: the whole stage${crlf ? ' (CRLF)' : ''}`, async () => {
      const { result, changed } = await runWith({ Dockerfile: crlf ? toCrlf(DF) : DF }, [flagRun]);
      const state = Object.fromEntries(result.engine.findings.map((f) => [f.message.replace('RUN at line ', 'L'), f.suppressed?.reason ?? (f.fixed ? 'fixed' : 'open')]));
      expect(state).toEqual({
        L2: 'fixed',
        L4: 'the build stage runs as root on purpose',
        L5: 'fixed',
        L9: 'nothing in this stage is ours',
        L10: 'nothing in this stage is ours',
        L14: 'vendored script',
        L18: 'fixed',
      });
      const out = changed.Dockerfile;
      expect(out).toContain('RUN X1');
      expect(out).toContain('RUN x2');
      expect(out).toContain('RUN x4');
      expect(out).toContain('RUN x6');
      expect(out).toContain('RUN X7');
    });
  }

  it('docker-harden-ignore-file anywhere suppresses the transform in the whole file only', async () => {
    const tree = {
      'a/Dockerfile': 'FROM python:3.12-slim\nCMD ["python"]\n# docker-harden-ignore-file dockerfile/non-root-user -- runs under gVisor as root\n',
      'b/Dockerfile': 'FROM python:3.12-slim\nCMD ["python"]\n',
    };
    const { result, changed } = await runWith(tree, TRANSFORMS);
    const a = result.engine.findings.find((f) => f.file.endsWith(path.join('a', 'Dockerfile')))!;
    expect(a.suppressed).toEqual({ reason: 'runs under gVisor as root' });
    expect(a.fixed).toBe(false);
    expect(Object.keys(changed)).toEqual(['b/Dockerfile']);
  });
});

describe('compose', () => {
  const COMPOSE = [
    'x-base: &base',
    '  restart: always',
    'services:',
    '  # docker-harden-ignore compose/no-new-privileges -- the agent calls setuid ping',
    '  agent:',
    '    <<: *base',
    '    image: agent:1',
    '  web: # docker-harden-ignore compose/no-new-privileges -- vendor chart, tracked in OPS-12',
    '    image: nginx',
    '  # docker-harden-ignore compose/no-new-privileges -- separated by a key, so not for db',
    '  cache: {image: redis}',
    '  db:',
    '    image: postgres',
    '',
  ].join('\n');

  for (const crlf of [false, true]) {
    it(`the line before a service key, or the end of that line: that service${crlf ? ' (CRLF)' : ''}`, async () => {
      const input = crlf ? toCrlf(COMPOSE) : COMPOSE;
      const { result, changed } = await hardenTree({ 'compose.yaml': input }, [NNP]);
      const state = Object.fromEntries(result.engine.findings.map((f) => [f.message.split(':')[0], f.suppressed?.reason ?? (f.fixed ? 'fixed' : 'open')]));
      expect(state).toEqual({
        'service agent': 'the agent calls setuid ping',
        'service web': 'vendor chart, tracked in OPS-12',
        'service cache': 'separated by a key, so not for db',
        'service db': 'fixed',
      });
      const out = changed['compose.yaml'];
      expect(out.match(/no-new-privileges:true/g)?.length).toBe(1);
      expect(out).toContain(crlf ? '    image: postgres\r\n    security_opt: ["no-new-privileges:true"]\r\n' : '    image: postgres\n    security_opt: ["no-new-privileges:true"]\n');
    });
  }

  it('suppressed findings are in json (with the reason) and sarif (inSource suppression)', async () => {
    const dir = writeTree({ 'compose.yaml': COMPOSE });
    try {
      const json = JSON.parse((await runCli(['--dry-run', '--format', 'json', '--transform', NNP, '.'], dir)).stdout);
      const agent = json.findings.find((f: { message: string }) => f.message.startsWith('service agent'));
      expect(agent.status).toBe('suppressed');
      expect(agent.suppressed).toEqual({ reason: 'the agent calls setuid ping' });
      expect(json.summary.suppressed).toBe(3);
      const log = JSON.parse((await runCli(['--dry-run', '--format', 'sarif', '--transform', NNP, '.'], dir)).stdout);
      const res = log.runs[0].results.find((r: { message: { text: string } }) => r.message.text.startsWith('service agent'));
      expect(res.suppressions).toEqual([{ kind: 'inSource', status: 'accepted', justification: 'the agent calls setuid ping' }]);
      expect(res.fixes).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a second run', () => {
  it('keeps honouring the comments after the first run wrote its fixes', async () => {
    const tree = {
      'compose.yaml': 'services:\n  # docker-harden-ignore compose/no-new-privileges -- setuid ping\n  agent:\n    build: ./agent\n  api:\n    build: ./api\n',
      // The directive sits directly above the final stage's FROM: the whole stage.
      'agent/Dockerfile': 'FROM alpine:3.20 AS build\nRUN echo build\n# docker-harden-ignore dockerfile/non-root-user -- needs raw sockets\nFROM alpine:3.20\nCMD ["ping", "1.1.1.1"]\n',
      'api/Dockerfile': 'FROM python:3.12-slim\nCMD ["python"]\n',
    };
    const dir = writeTree(tree);
    try {
      const first = await runCli(['.'], dir);
      expect(first.code).toBe(0);
      const after = readTree(dir);
      expect(after['agent/Dockerfile']).toBe(tree['agent/Dockerfile']);
      expect(after['api/Dockerfile']).not.toBe(tree['api/Dockerfile']);
      expect(after['compose.yaml']).toContain(
        '  api:\n    build: ./api\n    read_only: true\n    tmpfs: ["/tmp:size=64m", "/home/app:size=64m,uid=1000,gid=1000"]\n    cap_drop: [ALL]\n    security_opt: ["no-new-privileges:true"]\n',
      );
      expect(after['compose.yaml']).not.toMatch(/agent:\n    build: \.\/agent\n    security_opt/);

      const second = await runCli(['--dry-run', '--format', 'json', '.'], dir);
      expect(second.code).toBe(0);
      const report = JSON.parse(second.stdout);
      expect(report.summary).toMatchObject({ changed: 0, fixed: 0, suppressed: 2 });
      expect(readTree(dir)).toEqual(after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a directive that names an unknown transform is an error with file and line (a typo must not pass silently)', async () => {
    const dir = writeTree({
      'Dockerfile': 'FROM python:3.12-slim\n# docker-harden-ignore dockerfile/non-root-usr -- typo\nCMD ["python"]\n',
      'compose.yaml': 'services:\n  # docker-harden-ignore compose/no-new-privileges -- fine\n  app:\n    image: acme/app\n',
    });
    try {
      const r = await runCli(['--dry-run', '.'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Dockerfile:2: docker-harden-ignore names unknown transform 'dockerfile\/non-root-usr'/);
      expect(r.stderr).not.toMatch(/compose\.yaml:\d+: docker-harden-ignore/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
