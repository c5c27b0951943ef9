// action.yml and every workflow `docker-harden ci-guard` writes, checked by a
// maintained validator that bundles SchemaStore's github-action.json and
// github-workflow.json (@action-validator/core), then by shellcheck, then by
// running the scripts they carry. The list job's script runs in bash with the
// RECORDING STAND-IN for gh (test/stand-ins/gh.mjs) on PATH.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { validateAction, validateWorkflow as validate } from '@action-validator/core';
import { REPO, runCli, tempDir } from './helpers.js';
import { ACTION_REF, BOT_SCHEDULE, BOT_WORKFLOW_PATH, MATRIX_MAX, WORKFLOW_PATH } from '../src/ci-guard.js';

type Step = { id?: string; name?: string; uses?: string; run?: string; shell?: string; if?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Job = { steps: Step[]; permissions?: unknown; concurrency?: { group: string; 'cancel-in-progress': boolean }; strategy?: any; needs?: string; if?: string; outputs?: Record<string, string> };
type Workflow = { on: Record<string, any>; permissions: Record<string, string>; concurrency?: { group: string }; jobs: Record<string, Job> };

const GH_STAND_IN = path.join(REPO, 'test/stand-ins/gh.mjs');

/** Validate a workflow; the validator warns on stderr that it skips glob checks (paths filters), nothing else. */
function validateWorkflow(text: string): ReturnType<typeof validate> {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    const state = validate(text);
    for (const [message] of warn.mock.calls) expect(String(message)).toMatch(/^WARNING: Glob validation is not yet supported\./);
    return state;
  } finally {
    warn.mockRestore();
  }
}
let dir: string;
let standInBin: string;

beforeAll(() => {
  dir = tempDir('dh-workflows-');
  standInBin = path.join(dir, 'stand-in-bin');
  mkdirSync(standInBin);
  // The RECORDING STAND-IN for gh, named `gh` so scripts find it on PATH.
  writeFileSync(path.join(standInBin, 'gh'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(GH_STAND_IN)} "$@"\n`);
  chmodSync(path.join(standInBin, 'gh'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every workflow ci-guard can write, by the flags that make it. */
const VARIANTS: Record<string, string[]> = {
  'pull-request check': [],
  'pull-request check, paths with spaces': ['my app', 'svc'],
  'bot, this repository': ['--bot'],
  'bot, this repository, verify, two paths': ['--bot', '--verify', 'my app', 'svc'],
  'bot, organisation': ['--bot', '--org', 'acme'],
  'bot, repository list': ['--bot', '--repos-file', '.github/docker-harden-repos.txt', '--schedule', '0 3 * * *', '--action', 'acme/docker-harden@v1.2.0'],
};

async function written(args: string[]): Promise<{ text: string; wf: Workflow }> {
  const root = tempDir('dh-ci-guard-');
  try {
    const r = await runCli(['ci-guard', ...args], root);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(path.join(root, args.includes('--bot') ? BOT_WORKFLOW_PATH : WORKFLOW_PATH), 'utf8');
    const doc = parseDocument(text, { uniqueKeys: true });
    expect(doc.errors).toEqual([]);
    return { text, wf: doc.toJS() as Workflow };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function shellcheck(script: string, name: string): void {
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.sh`);
  writeFileSync(file, '#!/usr/bin/env bash\n' + script);
  const r = spawnSync('shellcheck', ['--shell=bash', file], { encoding: 'utf8' });
  expect(r.status, `${name}\n${r.stdout}${r.stderr}`).toBe(0);
}

describe('against the GitHub Actions schemas (SchemaStore, through @action-validator/core)', () => {
  it('the validator is not a yes-man: broken files fail', () => {
    expect(validateWorkflow('on: push\njobs:\n  a:\n    runs-on: x\n    permissions: {contents: writ}\n    steps:\n      - run: echo\n').errors).not.toEqual([]);
    expect(validateWorkflow('on: push\njobs:\n  a:\n    runs-on: x\n    concurrency: {group: g, cancel: true}\n    steps:\n      - run: echo\n').errors).not.toEqual([]);
    expect(validateAction('name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo\n').errors).not.toEqual([]);
  });

  it('action.yml is a valid action', () => {
    expect(validateAction(readFileSync(path.join(REPO, 'action.yml'), 'utf8')).errors).toEqual([]);
  });

  for (const [name, args] of Object.entries(VARIANTS)) {
    it(`ci-guard ${args.join(' ') || '(no flags)'}: ${name} is a valid workflow whose scripts pass shellcheck and take inputs from env`, async () => {
      const { text, wf } = await written(args);
      expect(validateWorkflow(text).errors).toEqual([]);
      for (const [jobName, job] of Object.entries(wf.jobs)) {
        for (const step of job.steps) {
          if (!step.run) continue;
          if (!args.includes('--bot')) continue; // the check workflow's one-line run is covered in cli-output.test.ts
          expect(step.run, `${jobName}: ${step.name}`).not.toContain('${{');
          shellcheck(step.run, `${name}-${jobName}-${step.id ?? step.name}`);
        }
      }
    });
  }
});

describe('action.yml', () => {
  const action = parseDocument(readFileSync(path.join(REPO, 'action.yml'), 'utf8')).toJS() as {
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { steps: Step[] };
  };
  const step = action.runs.steps[0];

  it('has pr mode inputs with the documented defaults, and passes every input through env', () => {
    expect(action.inputs.branch.default).toBe('docker-harden/harden');
    expect(action.inputs.verify.default).toBe('false');
    expect(action.inputs.token.default).toBe('${{ github.token }}');
    expect(Object.keys(action.outputs)).toEqual(['pull-request-operation', 'pull-request-number', 'pull-request-url', 'commit']);
    for (const o of Object.values(action.outputs)) expect(o.value).toMatch(/^\$\{\{ steps\.run\.outputs\.[a-z-]+ \}\}$/);
    expect(step.id).toBe('run');
    expect(step.run).not.toContain('${{');
    const passed = Object.values(step.env!).join(' ');
    for (const input of Object.keys(action.inputs)) expect(passed, input).toContain(`inputs.${input} }}`);
    shellcheck(step.run!, 'action');
  });

  /** The action's script with a RECORDING STAND-IN for npx on PATH: what docker-harden would be run with. */
  function npxArgs(env: Record<string, string>): { code: number | null; args: string[]; stdout: string } {
    const bin = path.join(dir, 'npx-bin');
    mkdirSync(bin, { recursive: true });
    const log = path.join(dir, 'npx-args.json');
    writeFileSync(path.join(bin, 'npx'), `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(path.join(bin, 'npx'), 0o755);
    rmSync(log, { force: true });
    const defaults = { DH_MODE: 'check', DH_PATHS: '.', DH_VERIFY: 'false', DH_FORMAT: 'sarif', DH_OUTPUT: 'docker-harden.sarif', DH_VERSION: 'latest', DH_BRANCH: 'docker-harden/harden', DH_BASE: '', DH_LABELS: '', DH_AUTHOR: 'A <a@b>', RUNNER_TEMP: '/runner/temp' };
    const r = spawnSync('bash', ['-c', step.run!], { encoding: 'utf8', env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, ...defaults, ...env } });
    let args: string[] = [];
    try {
      args = JSON.parse(readFileSync(log, 'utf8'));
    } catch {
      // npx was not reached
    }
    return { code: r.status, args, stdout: r.stdout };
  }

  it('turns inputs into docker-harden arguments for each mode (npx: recording stand-in)', () => {
    expect(npxArgs({}).args).toEqual(['--yes', 'docker-harden@latest', '--dry-run', '--format', 'sarif', '--output', 'docker-harden.sarif', '--', '.']);
    expect(npxArgs({ DH_MODE: 'fix', DH_OUTPUT: '', DH_PATHS: 'a b' }).args).toEqual(['--yes', 'docker-harden@latest', '--format', 'sarif', '--', 'a', 'b']);
    expect(npxArgs({ DH_MODE: 'pr', DH_VERIFY: 'true', DH_LABELS: ' security , docker hardening,', DH_BASE: 'develop', DH_PATHS: 'my app\nsvc\n', DH_VERSION: '0.2.0' }).args).toEqual([
      '--yes', 'docker-harden@0.2.0',
      'pr', '--branch', 'docker-harden/harden', '--author', 'A <a@b>', '--body-file', '/runner/temp/docker-harden-pr-body.md',
      '--base', 'develop', '--label', 'security', '--label', 'docker hardening',
      '--verify', '--format', 'sarif', '--output', 'docker-harden.sarif', '--', 'my app', 'svc',
    ]);
    const bad = npxArgs({ DH_MODE: 'open' });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain("::error::docker-harden: mode must be check, fix or pr, got 'open'");
    expect(npxArgs({ DH_VERIFY: 'yes' }).code).toBe(2);
    // A hostile input stays data: nothing in it runs.
    const hostile = npxArgs({ DH_MODE: 'pr', DH_BRANCH: '$(touch /tmp/dh-pwned)"; echo x', DH_LABELS: '`id`' });
    expect(hostile.args).toContain('$(touch /tmp/dh-pwned)"; echo x');
    expect(hostile.args).toContain('`id`');
  });
});

describe('ci-guard --bot', () => {
  it('this repository: schedule and dispatch, contents and pull-requests write, one run at a time, the action in pr mode', async () => {
    const { wf } = await written(['--bot']);
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.on.schedule).toEqual([{ cron: BOT_SCHEDULE }]);
    expect(wf.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(wf.concurrency).toEqual({ group: 'docker-harden-bot-${{ github.repository }}', 'cancel-in-progress': false });
    const steps = wf.jobs.harden.steps;
    expect(steps[0].uses).toBe('actions/checkout@v4');
    const bot = steps.find((s) => s.uses === ACTION_REF)!;
    expect(bot.with).toEqual({ mode: 'pr', paths: '.', verify: false });
  });

  it('an organisation: a list job, then one matrix job per repository with its own token and concurrency group', async () => {
    const { wf } = await written(['--bot', '--org', 'acme', '--verify']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.on.workflow_dispatch.inputs.repositories.default).toBe('');
    const list = wf.jobs.repositories;
    expect(list.outputs).toEqual({ matrix: '${{ steps.list.outputs.matrix }}', count: '${{ steps.list.outputs.count }}' });
    expect(list.steps[0]).toMatchObject({ uses: 'actions/create-github-app-token@v1', with: { owner: 'acme' } });
    const harden = wf.jobs.harden;
    expect(harden.needs).toBe('repositories');
    expect(harden.if).toBe("needs.repositories.outputs.count != '0'");
    expect(harden.strategy).toEqual({ 'fail-fast': false, 'max-parallel': 8, matrix: { include: '${{ fromJSON(needs.repositories.outputs.matrix) }}' } });
    expect(harden.concurrency).toEqual({ group: 'docker-harden-bot-${{ matrix.repository }}', 'cancel-in-progress': false });
    const [token, , checkout, , bot] = harden.steps;
    expect(token.with).toMatchObject({ owner: '${{ matrix.owner }}', repositories: '${{ matrix.name }}' });
    expect(checkout).toEqual({ uses: 'actions/checkout@v4', with: { repository: '${{ matrix.repository }}', token: '${{ steps.token.outputs.token }}' } });
    expect(bot.with).toEqual({ mode: 'pr', paths: '.', verify: true, token: '${{ steps.token.outputs.token }}', author: '${{ steps.author.outputs.author }}' });
  });

  it('refuses flags that would write a broken workflow', async () => {
    const root = tempDir('dh-ci-guard-bad-');
    try {
      const bad: [string[], string][] = [
        [['--org', 'acme'], 'only go with --bot'],
        [['--bot', '--org', 'acme', '--repos-file', 'r.txt'], 'not both'],
        [['--bot', '--org', 'acme"; x'], '--org must be'],
        [['--bot', '--repos-file', '../r.txt'], '--repos-file must be'],
        [['--bot', '--action', 'docker-harden'], '--action must look like'],
        [['--bot', '--schedule', 'weekly'], 'five fields'],
        [['--bot', ' lead'], 'cannot hold line breaks'],
      ];
      for (const [args, message] of bad) {
        const r = await runCli(['ci-guard', ...args], root);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toContain(message);
      }
      expect(spawnSync('ls', ['-A', root], { encoding: 'utf8' }).stdout).toBe('');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the bot workflow list job, run in bash (gh: recording stand-in)', () => {
  async function listScript(args: string[]): Promise<{ script: string; env: Record<string, string> }> {
    const { wf } = await written(args);
    const step = wf.jobs.repositories.steps.find((s) => s.id === 'list')!;
    return { script: step.run!, env: step.env! };
  }

  function runList(script: string, env: Record<string, string>, cwd = dir) {
    const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const log = path.join(dir, 'gh-list.jsonl');
    rmSync(log, { force: true });
    const r = spawnSync('bash', ['-c', script], {
      cwd,
      encoding: 'utf8',
      env: { PATH: `${standInBin}${path.delimiter}${process.env.PATH}`, GITHUB_OUTPUT: out, GH_STANDIN_LOG: log, ...env },
    });
    let outputs: Record<string, string> = {};
    try {
      outputs = Object.fromEntries(readFileSync(out, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    } catch {
      // the script failed before writing
    }
    let calls: { args: string[] }[] = [];
    try {
      calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    } catch {
      // gh was not called
    }
    return { code: r.status, stdout: r.stdout, outputs, calls };
  }

  it('an organisation: gh repo list without archived repositories and forks, as matrix entries', async () => {
    const { script, env } = await listScript(['--bot', '--org', 'acme']);
    expect(env.DH_ORG).toBe('acme');
    const r = runList(script, { DH_ORG: env.DH_ORG, DH_REPOS_FILE: env.DH_REPOS_FILE, DH_ONLY: '', GH_STANDIN_REPOS: 'acme/api\nacme/web.site\nacme/my_tool\n' });
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.args)).toEqual([['repo', 'list', 'acme', '--no-archived', '--source', '--limit', String(MATRIX_MAX + 1), '--json', 'nameWithOwner,isEmpty', '--jq', '.[] | select(.isEmpty | not) | .nameWithOwner']]);
    expect(JSON.parse(r.outputs.matrix)).toEqual([
      { repository: 'acme/api', owner: 'acme', name: 'api' },
      { repository: 'acme/web.site', owner: 'acme', name: 'web.site' },
      { repository: 'acme/my_tool', owner: 'acme', name: 'my_tool' },
    ]);
    expect(r.outputs.count).toBe('3');

    const only = runList(script, { DH_ORG: 'acme', DH_REPOS_FILE: '', DH_ONLY: 'acme/web  other/x' });
    expect(only.calls).toEqual([]);
    expect(JSON.parse(only.outputs.matrix).map((m: { repository: string }) => m.repository)).toEqual(['acme/web', 'other/x']);

    const none = runList(script, { DH_ORG: 'acme', DH_REPOS_FILE: '', DH_ONLY: '', GH_STANDIN_REPOS: '' });
    expect(none.code).toBe(0);
    expect(none.outputs).toEqual({ matrix: '[]', count: '0' });

    const many = runList(script, { DH_ORG: 'acme', DH_REPOS_FILE: '', DH_ONLY: '', GH_STANDIN_REPOS: Array.from({ length: 300 }, (_, i) => `acme/r${i}`).join('\n') });
    expect(many.code).toBe(1);
    expect(many.stdout).toContain(`::error::${MATRIX_MAX + 1} repositories or more: a matrix runs at most ${MATRIX_MAX} jobs`);
  });

  it('a list file: comments and blank lines skipped, a bad name stops the run before any job starts', async () => {
    const { script, env } = await listScript(['--bot', '--repos-file', 'repos.txt']);
    expect(env.DH_REPOS_FILE).toBe('repos.txt');
    const cwd = tempDir('dh-list-');
    try {
      writeFileSync(path.join(cwd, 'repos.txt'), '# platform team\nacme/api\n\n  acme/web   # the site\n');
      const r = runList(script, { DH_ORG: '', DH_REPOS_FILE: 'repos.txt', DH_ONLY: '' }, cwd);
      expect(r.code).toBe(0);
      expect(r.calls).toEqual([]);
      expect(JSON.parse(r.outputs.matrix)).toEqual([
        { repository: 'acme/api', owner: 'acme', name: 'api' },
        { repository: 'acme/web', owner: 'acme', name: 'web' },
      ]);
      writeFileSync(path.join(cwd, 'repos.txt'), 'acme/api\n"},{"repository":"evil/x\n');
      const bad = runList(script, { DH_ORG: '', DH_REPOS_FILE: 'repos.txt', DH_ONLY: '' }, cwd);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('::error::not a repository name (owner/name): "},{"repository":"evil/x');
      expect(bad.outputs).toEqual({});
      writeFileSync(path.join(cwd, 'repos.txt'), '# nobody yet\n');
      expect(runList(script, { DH_ORG: '', DH_REPOS_FILE: 'repos.txt', DH_ONLY: '' }, cwd).outputs).toEqual({ matrix: '[]', count: '0' });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

// shellcheck must exist for these tests to mean anything (CI installs it).
it('shellcheck is installed', () => {
  expect(execFileSync('shellcheck', ['--version'], { encoding: 'utf8' })).toContain('ShellCheck');
});
