// The CLI as users run it: where reports and diffs go, --patch with git apply,
// configuration errors, ci-guard, and progress only where it belongs.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { REPO, copyTree, readTree, runCli, tempDir, writeTree } from './helpers.js';
import { WORKFLOW_PATH, WORKFLOW_PATH_FILTERS } from '../src/ci-guard.js';
import { kindFromName } from '../src/discover.js';

/** A project with the shapes patches get wrong: CRLF, no final newline, spaces in names. */
const AWKWARD = {
  'my app/Dockerfile': 'FROM debian:12-slim\r\nRUN apt-get update\r\nCMD ["/app"]',
  'svc/compose.yaml': 'services:\r\n  web:\r\n    build: ../my app\r\n    image: web',
  'plain/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCMD ["python", "app.py"]\n',
};

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('--patch', () => {
  it('applies with git apply to a copy and gives the same bytes as the in-place run', async () => {
    const dryDir = writeTree(AWKWARD);
    const inPlaceDir = writeTree(AWKWARD);
    const applyDir = writeTree(AWKWARD);
    const patchFile = path.join(tempDir(), 'all changes.patch');
    try {
      const dry = await runCli(['--dry-run', '--patch', patchFile, '.'], dryDir);
      expect(dry.code).toBe(1);
      expect(readTree(dryDir)).toEqual(AWKWARD); // a dry run writes nothing
      const patch = readFileSync(patchFile, 'utf8');
      expect(patch).toContain('diff --git a/my app/Dockerfile b/my app/Dockerfile');
      expect(patch).toContain('\\ No newline at end of file');
      expect(patch).toContain('\r\n');
      expect(dry.stdout).toBe(patch); // the same diff is on stdout

      const inPlace = await runCli(['.'], inPlaceDir);
      expect(inPlace.code).toBe(0);
      git(['init', '-q'], applyDir);
      git(['apply', '--whitespace=nowarn', patchFile], applyDir);
      const applied = readTree(applyDir);
      delete applied['.git'];
      const expected = readTree(inPlaceDir);
      for (const rel of Object.keys(expected)) expect(applied[rel], rel).toBe(expected[rel]);
      expect(expected['my app/Dockerfile']).not.toBe(AWKWARD['my app/Dockerfile']);
      expect(expected['svc/compose.yaml']).toContain('no-new-privileges');
    } finally {
      for (const d of [dryDir, inPlaceDir, applyDir, path.dirname(patchFile)]) rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('output routing', () => {
  it('--dry-run --format sarif --output: the diff on stdout, SARIF in the file, nothing else printed', async () => {
    const dir = copyTree(path.join(REPO, 'examples'));
    try {
      const r = await runCli(['--dry-run', '--format', 'sarif', '--output', 'out/report.sarif', '.'], dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^diff --git a\//);
      expect(r.stderr).toBe('');
      const log = JSON.parse(readFileSync(path.join(dir, 'out/report.sarif'), 'utf8'));
      expect(log.version).toBe('2.1.0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--dry-run --format json without --output: the report is stdout and the diff is not printed', async () => {
    const dir = copyTree(path.join(REPO, 'examples'));
    try {
      const r = await runCli(['--dry-run', '--format', 'json', '.'], dir);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.dryRun).toBe(true);
      // Nothing but the report: the diff is only inside it (files[].diff).
      expect(r.stdout.startsWith('{')).toBe(true);
      expect(report.files.find((f: { path: string }) => f.path === 'api/Dockerfile').diff).toMatch(/^diff --git a\/api\/Dockerfile/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stylish: stderr in a dry run (the diff owns stdout), stdout when writing', async () => {
    const dir = copyTree(path.join(REPO, 'examples'));
    try {
      const dry = await runCli(['--dry-run', '.'], dir);
      expect(dry.stderr).toMatch(/\d+ files: \d+ would change/);
      const wet = await runCli(['--format', 'markdown', '.'], dir);
      expect(wet.code).toBe(0);
      expect(wet.stdout).toMatch(/^## Harden Dockerfiles and compose files/);
      expect((await runCli(['--format', 'xml', '.'], dir)).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('configuration errors', () => {
  const cases: [string, string, RegExp][] = [
    ['.docker-harden.yml', 'uid: 1000\nskp: [compose/no-new-privileges]\n', /\.docker-harden\.yml: skp: unknown key; allowed: uid, gid, user-name/],
    ['.docker-harden.yml', 'uid: 0\n', /\.docker-harden\.yml: uid: must be a whole number from 1/],
    ['.docker-harden.yml', 'skip: [compose/read-olny]\n', /\.docker-harden\.yml: skip\[0\]: unknown transform 'compose\/read-olny'; allowed: dockerfile\/non-root-user/],
    ['.docker-harden.json', '{"overrides": [{"files": ["a/**"], "uid": 5}]}', /\.docker-harden\.json: overrides\[0\]\.uid: unknown key; allowed in an override: files, skip, transforms/],
    ['.docker-harden.json', '{"overrides": [{"skip": ["compose/no-new-privileges"]}]}', /overrides\[0\]\.files: is required/],
    ['.docker-harden.yml', 'tmpfs-size: lots\n', /tmpfs-size: must look like 64m/],
    ['.docker-harden.yml', 'uid: [1\n', /\.docker-harden\.yml:\d+:\d+: not valid YAML/],
    ['.docker-harden.yml', 'chown-workdir: "yes"\n', /chown-workdir: must be true or false/],
    ['.docker-harden.yml', 'user-ref: username\n', /user-ref: must be one of uid, name, got "username"/],
    ['.docker-harden.yml', 'entrypoint-drop: true\n', /entrypoint-drop: must be one of keep, conditional, got true/],
  ];
  for (const [name, text, message] of cases) {
    it(`${name}: ${text.trim().slice(0, 50)}`, async () => {
      const dir = writeTree({ [name]: text, Dockerfile: 'FROM scratch\n' });
      try {
        const r = await runCli(['--dry-run', '.'], dir);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stdout).toBe('');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('two config files in one folder, and a missing --config file, are errors', async () => {
    const dir = writeTree({ '.docker-harden.yml': 'uid: 1000\n', '.docker-harden.json': '{}', Dockerfile: 'FROM scratch\n' });
    try {
      const r = await runCli(['.'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('two configuration files');
      const m = await runCli(['--config', 'nope.yml', '.'], dir);
      expect(m.code).toBe(2);
      expect(m.stderr).toContain('nope.yml: configuration file not found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ci-guard', () => {
  it('writes a workflow that runs the SARIF dry-run on pull requests touching Docker files, and never overwrites it', async () => {
    const dir = tempDir();
    try {
      const r = await runCli(['ci-guard'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`wrote ${WORKFLOW_PATH}\n`);
      const text = readFileSync(path.join(dir, WORKFLOW_PATH), 'utf8');
      const doc = parseDocument(text, { uniqueKeys: true });
      expect(doc.errors).toEqual([]);
      const wf = doc.toJS() as Record<string, any>;
      expect(wf.permissions).toEqual({ contents: 'read' });
      expect(Object.keys(wf.on)).toEqual(['pull_request']);
      const filters: string[] = wf.on.pull_request.paths;
      expect(filters).toEqual(WORKFLOW_PATH_FILTERS);
      // Every name discovery treats as a Dockerfile or compose file is covered by a filter's last segment.
      const names = ['Dockerfile', 'Dockerfile.prod', 'api.dockerfile', 'Containerfile', 'compose.yaml', 'compose.yml', 'compose.prod.yaml', 'docker-compose.yml', 'docker-compose.override.yaml'];
      for (const name of names) {
        expect(kindFromName(name)).toBeDefined();
        const hit = filters.some((f) => new RegExp('^' + f.replace(/^\*\*\//, '').replace(/\./g, '\\.').replace(/\*/g, '[^/]*') + '$').test(name));
        expect(hit, name).toBe(true);
      }
      const steps: { run?: string; uses?: string; if?: string }[] = Object.values(wf.jobs as Record<string, { steps: any[] }>)[0].steps;
      const check = steps.find((s) => s.run?.includes('docker-harden'));
      expect(check?.run).toMatch(/^npx --yes docker-harden --dry-run --format sarif --output docker-harden\.sarif \.$/);
      expect(steps.some((s) => s.uses?.startsWith('actions/checkout@'))).toBe(true);
      expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.if).toBe('always()');

      writeFileSync(path.join(dir, WORKFLOW_PATH), '# mine\n');
      const again = await runCli(['ci-guard'], dir);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('exists; left as it is');
      expect(readFileSync(path.join(dir, WORKFLOW_PATH), 'utf8')).toBe('# mine\n');
      expect((await runCli(['ci-guard', '--bogus'], dir)).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotes paths with spaces in the run line', async () => {
    const dir = tempDir();
    try {
      expect((await runCli(['ci-guard', '--root', 'repo', 'my app', 'svc'], dir)).code).toBe(0);
      const wf = parseDocument(readFileSync(path.join(dir, 'repo', WORKFLOW_PATH), 'utf8')).toJS() as Record<string, any>;
      const run = (Object.values(wf.jobs)[0] as { steps: { run?: string }[] }).steps.find((s) => s.run)!.run!;
      expect(run.endsWith("--output docker-harden.sarif 'my app' svc")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('action.yml and .pre-commit-hooks.yaml', () => {
  it('the composite action has mode and paths inputs and a script shellcheck accepts', () => {
    const doc = parseDocument(readFileSync(path.join(REPO, 'action.yml'), 'utf8'), { uniqueKeys: true });
    expect(doc.errors).toEqual([]);
    const action = doc.toJS() as Record<string, any>;
    expect(action.runs.using).toBe('composite');
    expect(action.inputs.mode.default).toBe('check');
    expect(action.inputs.paths.default).toBe('.');
    const step = action.runs.steps[0];
    expect(step.shell).toBe('bash');
    expect(step.run).not.toContain('${{'); // inputs arrive as environment variables
    const dir = tempDir();
    try {
      const script = path.join(dir, 'step.sh');
      writeFileSync(script, '#!/usr/bin/env bash\n' + step.run);
      execFileSync('shellcheck', ['-e', 'SC2154', script], { encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pre-commit hooks run on the repository when a Dockerfile or compose file is staged', () => {
    const hooks = parseDocument(readFileSync(path.join(REPO, '.pre-commit-hooks.yaml'), 'utf8')).toJS() as Record<string, any>[];
    expect(hooks.map((h) => h.id)).toEqual(['docker-harden', 'docker-harden-check']);
    for (const h of hooks) {
      expect(h.language).toBe('node');
      expect(h.pass_filenames).toBe(false);
      const files = new RegExp(h.files);
      for (const p of ['Dockerfile', 'api/Dockerfile.prod', 'x/app.dockerfile', 'compose.yaml', 'deploy/docker-compose.override.yml', '.docker-harden.yml']) {
        expect(files.test(p), p).toBe(true);
      }
      for (const p of ['README.md', 'src/compose.ts', 'Dockerfile.md/notes']) expect(files.test(p), p).toBe(false);
    }
    expect(hooks[1].entry).toContain('--dry-run');
  });
});

describe('progress', () => {
  function manyFiles(n: number): Record<string, string> {
    const tree: Record<string, string> = {};
    for (let i = 0; i < n; i++) tree[`s${i}/Dockerfile`] = 'FROM scratch\nCOPY app /app\nUSER 1000\nCMD ["/app"]\n';
    return tree;
  }

  it('shows files done/total on a TTY stderr for big runs, and clears the line', async () => {
    const dir = writeTree(manyFiles(250));
    try {
      const r = await runCli(['--dry-run', '.'], dir, { stderrIsTTY: true });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('loading 250/250 files');
      expect(r.stderr).toContain('\r\x1b[K');
      expect(r.stdout).toBe('');
      const quiet = await runCli(['--dry-run', '.'], dir, { stderrIsTTY: false });
      expect(quiet.stderr).not.toContain('loading');
      const json = await runCli(['--dry-run', '--format', 'json', '.'], dir, { stderrIsTTY: true });
      expect(json.stderr).toBe('');
      expect(JSON.parse(json.stdout).summary.files).toBe(250);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays silent for small runs even on a TTY', async () => {
    const dir = writeTree(manyFiles(3));
    try {
      const r = await runCli(['--dry-run', '.'], dir, { stderrIsTTY: true });
      expect(r.stderr).not.toContain('loading');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
