// `docker-harden pr`, the bot, end to end against a local bare git remote:
// each run works in a fresh shallow clone, as actions/checkout gives a job.
// GitHub is not reachable here: the `gh` the bot calls is a RECORDING STAND-IN
// (test/stand-ins/gh.mjs) put first on PATH. It records every call and keeps a
// small pull-request store so later runs see what earlier runs did. Only that
// final API call is stood in for; the git side is real.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { REPO, readTree, tempDir, writeTree } from './helpers.js';
import { BOT_TRAILER, SUBJECT_MAX } from '../src/bot/message.js';
import { parseMarker } from '../src/bot/body.js';
import { DEFAULT_BRANCH } from '../src/bot/pr.js';

const BIN = path.join(REPO, 'bin/docker-harden.js');
const GH_STAND_IN = path.join(REPO, 'test/stand-ins/gh.mjs');
const BRANCH = DEFAULT_BRANCH;
const BOT_EMAIL = '41898282+github-actions[bot]@users.noreply.github.com';
const HUMAN = { GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' };

interface GhCall {
  args: string[];
  cwd: string;
  body?: string;
  token: string | null;
}

let root: string;
let standInBin: string;

beforeAll(() => {
  if (!existsSync(path.join(REPO, 'dist/bundle/docker-harden.cjs'))) throw new Error('run `npm run build` first (npm test does)');
  root = tempDir('dh-bot-');
  standInBin = path.join(root, 'stand-in-bin');
  mkdirSync(standInBin);
  // The RECORDING STAND-IN for gh, named `gh` so the bot finds it on PATH.
  const gh = path.join(standInBin, 'gh');
  writeFileSync(gh, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(GH_STAND_IN)} "$@"\n`);
  chmodSync(gh, 0o755);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function git(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...HUMAN, ...env } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A bare remote whose main holds `tree`, a folder for the stand-in's records, and helpers to run the bot. */
class Fixture {
  readonly dir = tempDir('dh-bot-case-');
  readonly remote = path.join(this.dir, 'remote.git');
  readonly ghLog = path.join(this.dir, 'gh-calls.jsonl');
  readonly ghState = path.join(this.dir, 'gh-prs.json');
  private runs = 0;

  constructor(tree: Record<string, string>) {
    git(['init', '-q', '--bare', '-b', 'main', this.remote], this.dir);
    this.commitToMain(tree, 'Initial commit');
  }

  /** A developer pushes `tree` (added or replaced files) to main. */
  commitToMain(tree: Record<string, string>, message: string): void {
    const dev = path.join(this.dir, `dev-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    git(['clone', '-q', this.remote, dev], this.dir);
    if (!existsSync(path.join(dev, '.git', 'HEAD')) || git(['branch', '--show-current'], dev).trim() !== 'main') git(['checkout', '-q', '-B', 'main'], dev);
    writeTree(tree, dev);
    git(['add', '-A'], dev);
    git(['commit', '-q', '-m', message], dev);
    git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], dev);
    rmSync(dev, { recursive: true, force: true });
  }

  /**
   * A fresh checkout of main, shallow like actions/checkout's default, in a
   * folder named like the repository (compose names volumes after it).
   */
  checkout(): string {
    const work = path.join(this.dir, `run-${++this.runs}`, 'repo');
    git(['clone', '-q', '--depth', '1', '--branch', 'main', `file://${this.remote}`, work], this.dir);
    return work;
  }

  /** One bot run in a fresh checkout, with the gh stand-in first on PATH. */
  bot(extra: string[] = [], opts: { work?: string; env?: NodeJS.ProcessEnv } = {}) {
    const work = opts.work ?? this.checkout();
    const bodyFile = path.join(this.dir, `body-${this.runs}.md`);
    const output = path.join(this.dir, `github-output-${this.runs}`);
    const callsBefore = this.calls().length;
    const r = spawnSync(process.execPath, [BIN, 'pr', '--body-file', bodyFile, ...extra, '.'], {
      cwd: work,
      encoding: 'utf8',
      env: {
        ...process.env,
        NO_COLOR: '1',
        PATH: `${standInBin}${path.delimiter}${process.env.PATH}`,
        GH_TOKEN: 'token-for-the-stand-in',
        GH_STANDIN_LOG: this.ghLog,
        GH_STANDIN_STATE: this.ghState,
        GITHUB_OUTPUT: output,
        ...opts.env,
      },
    });
    const outputs = existsSync(output)
      ? Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
      : {};
    return {
      code: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      work,
      body: existsSync(bodyFile) ? readFileSync(bodyFile, 'utf8') : undefined,
      outputs,
      calls: this.calls().slice(callsBefore),
    };
  }

  calls(): GhCall[] {
    return existsSync(this.ghLog) ? readFileSync(this.ghLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  }

  prs(): { number: number; state: string; title: string; body: string; head: string; base: string; labels: string[]; comments: string[] }[] {
    return existsSync(this.ghState) ? JSON.parse(readFileSync(this.ghState, 'utf8')).prs : [];
  }

  heads(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of git(['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads'], this.remote).trim().split('\n').filter(Boolean)) {
      const [name, sha] = line.split(' ');
      out[name] = sha;
    }
    return out;
  }

  /** Commits on the bot branch that main does not have. */
  branchCommits(): string[] {
    return git(['rev-list', `main..${BRANCH}`], this.remote).trim().split('\n').filter(Boolean);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const EXAMPLES = readTree(path.join(REPO, 'examples'));
/** A smaller stack for the cases that are about git and gh, not about what is fixed. */
const SMALL = {
  'compose.yaml': 'services:\n  api:\n    build: ./api\n    volumes:\n      - data:/data\nvolumes:\n  data:\n',
  'api/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "main.py"]\n',
};
const verbs = (calls: GhCall[]) => calls.map((c) => `${c.args[0]} ${c.args[1]}`);

describe('docker-harden pr against a local bare remote (gh: recording stand-in)', () => {
  it('first run: one commit on docker-harden/harden, one pull request with the specified title, body and marker', () => {
    const fx = new Fixture(EXAMPLES);
    try {
      const mainBefore = fx.heads().main;
      const r = fx.bot();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);

      // The branch: exactly one commit on top of main, by the bot, holding the in-place result.
      expect(Object.keys(fx.heads()).sort()).toEqual([BRANCH, 'main']);
      expect(fx.heads().main).toBe(mainBefore);
      const commits = fx.branchCommits();
      expect(commits).toHaveLength(1);
      expect(git(['rev-parse', `${BRANCH}^`], fx.remote).trim()).toBe(mainBefore);
      expect(git(['log', '-1', '--format=%an <%ae>|%cn <%ce>', BRANCH], fx.remote).trim()).toBe(`github-actions[bot] <${BOT_EMAIL}>|github-actions[bot] <${BOT_EMAIL}>`);
      const changedFiles = git(['diff', '--name-only', 'main', BRANCH], fx.remote).trim().split('\n').sort();
      expect(changedFiles).toEqual(['.env.example', 'api/Dockerfile', 'docker-compose.override.yml', 'docker-compose.yml', 'frontend/Dockerfile', 'frontend/nginx/default.conf', 'notifier/Dockerfile', 'worker/Dockerfile']);
      for (const f of changedFiles) expect(git(['show', `${BRANCH}:${f}`], fx.remote), f).toBe(readFileSync(path.join(r.work, f), 'utf8'));

      // The commit message: a Conventional Commits subject, then the transforms, then the trailer.
      const message = git(['log', '-1', '--format=%B', BRANCH], fx.remote);
      const [subject, blank, ...body] = message.trimEnd().split('\n');
      expect(subject).toBe('fix(security): run containers as non-root, drop capabilities');
      expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
      expect(blank).toBe('');
      expect(body[0]).toMatch(/^docker-harden \S+ changed 8 files:$/);
      for (const id of ['dockerfile/non-root-user', 'nginx/unprivileged', 'compose/cap-drop', 'compose/read-only', 'compose/no-new-privileges', 'compose/docker-socket-group']) {
        expect(body.some((l) => l.startsWith(`- ${id} (CIS `) && /: \d+ fix(es)?$/.test(l)), id).toBe(true);
      }
      expect(body).toContain('- compose/cap-drop (CIS 5.4): 6 fixes');
      expect(body).toContain('1 finding is left for a human: see the pull request.');
      expect(body[body.length - 1]).toMatch(new RegExp(`^${BOT_TRAILER} \\S+$`));

      // gh: one look for an earlier pull request, then one create with the body file.
      expect(verbs(r.calls)).toEqual(['pr list', 'pr create']);
      expect(r.calls[0].args).toEqual(['pr', 'list', '--head', BRANCH, '--state', 'all', '--limit', '100', '--json', 'number,url,state,title,body']);
      const create = r.calls[1];
      expect(create.args.slice(0, 8)).toEqual(['pr', 'create', '--base', 'main', '--head', BRANCH, '--title', subject]);
      expect(create.args[8]).toBe('--body-file');
      expect(create.body).toBe(r.body);
      expect(create.token).toBe('token-for-the-stand-in');
      expect(realPath(create.cwd)).toBe(realPath(r.work));

      // The body: the markdown report's sections, the keep-as-is comments, the migration notes, the marker last.
      const prBody = r.body!;
      const headings = prBody.split('\n').filter((l) => /^#{2,3} /.test(l));
      expect(headings).toEqual([
        '## Harden Dockerfiles and compose files',
        '### What changed and why',
        '### Left for a human',
        '### Migration notes for existing deployments',
        '### Sources',
        '### How to keep a service as it is',
        '### Test plan',
      ]);
      expect(prBody).toContain('docker-harden changed 8 of 8 files');
      // Each image fact the changes rest on, once, with its upstream source and the services that use it.
      expect(prBody).toMatch(/^- knowledge table \(postgres\): https:\/\/github\.com\/docker-library\/postgres\/\S+: used for `docker-compose\.yml \(db\)`$/m);
      expect(prBody).toContain(['    # docker-harden-ignore compose/cap-drop -- <reason>', '    # docker-harden-ignore compose/no-new-privileges -- <reason>', '    # docker-harden-ignore compose/read-only -- <reason>', '    frontend:'].join('\n'));
      expect(prBody).toContain('  # docker-harden-ignore dockerfile/non-root-user -- <reason>\n  FROM python:3.12-slim');
      expect(prBody).toContain('docker run --rm -v');
      expect(prBody.trimEnd().split('\n').pop()).toMatch(/^<!-- docker-harden:bot branch=docker-harden\/harden fingerprint=sha256:[0-9a-f]{32} -->$/);
      expect(parseMarker(prBody)).toEqual({ branch: BRANCH, fingerprint: expect.stringMatching(/^sha256:/) });

      expect(r.outputs).toEqual({ 'pull-request-operation': 'created', 'pull-request-number': '1', 'pull-request-url': 'https://github.com/stand-in/repo/pull/1', branch: BRANCH, commit: commits[0] });
      expect(r.stdout).toContain('docker-harden pr: opened https://github.com/stand-in/repo/pull/1');
      expect(fx.prs()).toHaveLength(1);
    } finally {
      fx.cleanup();
    }
  });

  it('second run with nothing new: no push, no new branch, no duplicate commit, no gh write', () => {
    const fx = new Fixture(EXAMPLES);
    try {
      expect(fx.bot().code).toBe(0);
      const first = fx.heads();
      const again = fx.bot();
      expect(again.code).toBe(0);
      expect(fx.heads()).toEqual(first);
      expect(fx.branchCommits()).toHaveLength(1);
      expect(verbs(again.calls)).toEqual(['pr list']);
      expect(again.outputs['pull-request-operation']).toBe('unchanged');
      expect(again.outputs.commit).toBe(first[BRANCH]);
      expect(again.stdout).toContain('#1 (https://github.com/stand-in/repo/pull/1) is up to date');
      expect(fx.prs()).toHaveLength(1);
    } finally {
      fx.cleanup();
    }
  });

  it('main moves: the branch is rebuilt on the new main in place (one commit), the pull request follows it', () => {
    const fx = new Fixture(SMALL);
    try {
      expect(fx.bot().code).toBe(0);
      const before = fx.heads();
      fx.commitToMain({ 'NOTES.md': 'unrelated\n' }, 'Docs');
      const r = fx.bot();
      expect(r.code).toBe(0);
      const after = fx.heads();
      expect(Object.keys(after).sort()).toEqual([BRANCH, 'main']);
      expect(after[BRANCH]).not.toBe(before[BRANCH]);
      expect(git(['rev-parse', `${BRANCH}^`], fx.remote).trim()).toBe(after.main);
      expect(fx.branchCommits()).toHaveLength(1);
      // Same changes, same body: the pull request needs no edit, it shows the new branch by itself.
      expect(verbs(r.calls)).toEqual(['pr list']);
      expect(r.outputs['pull-request-operation']).toBe('updated');
      expect(fx.prs()).toHaveLength(1);
    } finally {
      fx.cleanup();
    }
  });

  it('new findings on main: the branch is pushed again and the same pull request is edited (title and body)', () => {
    const fx = new Fixture({ 'compose.yaml': 'services:\n  web:\n    image: redis:7\n' });
    try {
      const first = fx.bot();
      expect(first.code).toBe(0);
      expect(first.calls[1].args).toContain('fix(security): drop capabilities, make root filesystems read-only');
      fx.commitToMain({ 'app/Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n' }, 'Add an app');
      const r = fx.bot();
      expect(r.code).toBe(0);
      expect(verbs(r.calls)).toEqual(['pr list', 'pr edit']);
      const edit = r.calls[1];
      expect(edit.args.slice(0, 3)).toEqual(['pr', 'edit', '1']);
      const title = edit.args[edit.args.indexOf('--title') + 1];
      expect(title).toBe('fix(security): run containers as non-root, drop capabilities');
      expect(edit.body).toBe(r.body);
      expect(edit.body).toContain('app/Dockerfile');
      expect(parseMarker(edit.body)!.fingerprint).not.toBe(parseMarker(first.body)!.fingerprint);
      expect(fx.prs()).toHaveLength(1);
      expect(fx.prs()[0].title).toBe(title);
      expect(fx.branchCommits()).toHaveLength(1);
      expect(r.outputs['pull-request-operation']).toBe('updated');
    } finally {
      fx.cleanup();
    }
  });

  it('once merged, nothing is left: the open pull request is closed with a comment and the branch deleted', () => {
    const fx = new Fixture(SMALL);
    try {
      expect(fx.bot().code).toBe(0);
      // The changes reach main some other way (a human applied them), while the bot's pull request is still open.
      git(['push', '-q', '.', `${BRANCH}:main`], fx.remote);
      const r = fx.bot();
      expect(r.code).toBe(0);
      expect(verbs(r.calls)).toEqual(['pr list', 'pr edit', 'pr close']);
      const close = r.calls[2];
      expect(close.args.slice(0, 3)).toEqual(['pr', 'close', '1']);
      expect(close.args[4]).toMatch(/^docker-harden finds nothing left to change on `main` \(at [0-9a-f]{12}\): closing this pull request and deleting its branch\.$/);
      expect(r.calls[1].body).toMatch(/^> \*\*Closed by docker-harden:\*\* nothing is left to change on `main`/);
      expect(parseMarker(r.calls[1].body)).toMatchObject({ branch: BRANCH, state: 'obsolete' });
      expect(Object.keys(fx.heads())).toEqual(['main']);
      expect(fx.prs()[0].state).toBe('CLOSED');
      expect(r.outputs['pull-request-operation']).toBe('closed');
      expect(r.body).toBeUndefined(); // the body file is for a pull request the bot opens or updates

      // A later regression with the same changes is proposed again: the bot closed the old one itself.
      fx.commitToMain(SMALL, 'Revert hardening');
      const back = fx.bot();
      expect(verbs(back.calls)).toEqual(['pr list', 'pr create']);
      expect(fx.prs().map((p) => p.state)).toEqual(['CLOSED', 'OPEN']);
    } finally {
      fx.cleanup();
    }
  });

  it('nothing to fix: no branch, no pull request, no body file', () => {
    const fx = new Fixture({ 'README.md': '# no containers here\n', 'compose.yaml': 'services:\n  app:\n    build: .\n    user: "1000:1000"\n    read_only: true\n    cap_drop: [ALL]\n    security_opt: ["no-new-privileges:true"]\n    tmpfs: ["/tmp"]\n', 'Dockerfile': 'FROM scratch\nCOPY app /app\nUSER 65534:65534\nCMD ["/app"]\n' });
    try {
      const r = fx.bot();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(Object.keys(fx.heads())).toEqual(['main']);
      expect(verbs(r.calls)).toEqual(['pr list']);
      expect(r.body).toBeUndefined();
      expect(r.outputs['pull-request-operation']).toBe('none');
      expect(r.stdout).toContain('docker-harden pr: nothing to change');
      expect(git(['status', '--porcelain'], r.work)).toBe('');
    } finally {
      fx.cleanup();
    }
  });

  it('a branch someone pushed to is left alone, and so is its pull request', () => {
    const fx = new Fixture(SMALL);
    try {
      expect(fx.bot().code).toBe(0);
      const dev = path.join(fx.dir, 'dev-edit');
      git(['clone', '-q', '--branch', BRANCH, fx.remote, dev], fx.dir);
      writeFileSync(path.join(dev, 'api', 'Dockerfile'), readFileSync(path.join(dev, 'api', 'Dockerfile'), 'utf8') + '# reviewed\n');
      git(['commit', '-q', '-am', 'Tweak the bot change'], dev);
      git(['push', '-q', 'origin', BRANCH], dev);
      const edited = fx.heads()[BRANCH];
      fx.commitToMain({ 'NOTES.md': 'moves main\n' }, 'Docs');
      const r = fx.bot();
      expect(r.code).toBe(0);
      expect(fx.heads()[BRANCH]).toBe(edited);
      expect(r.calls).toEqual([]);
      expect(r.outputs['pull-request-operation']).toBe('branch-edited');
      expect(r.stdout).toContain('holds commits the bot did not make');
    } finally {
      fx.cleanup();
    }
  });

  it('a pull request closed without merging is not opened again for the same changes, but is for new ones', () => {
    const fx = new Fixture({ 'compose.yaml': 'services:\n  web:\n    image: redis:7\n' });
    try {
      expect(fx.bot().code).toBe(0);
      // A reviewer closes it (through the stand-in, as GitHub's UI would).
      const closeByHand = spawnSync(process.execPath, [GH_STAND_IN, 'pr', 'close', '1'], { encoding: 'utf8', env: { ...process.env, GH_STANDIN_LOG: path.join(fx.dir, 'human.jsonl'), GH_STANDIN_STATE: fx.ghState } });
      expect(closeByHand.status).toBe(0);
      const branchBefore = fx.heads()[BRANCH];
      const r = fx.bot();
      expect(r.code).toBe(0);
      expect(verbs(r.calls)).toEqual(['pr list']);
      expect(r.outputs['pull-request-operation']).toBe('declined');
      expect(fx.heads()[BRANCH]).toBe(branchBefore);
      expect(r.stdout).toContain('was closed without merging: not opened again');

      fx.commitToMain({ 'compose.yaml': 'services:\n  web:\n    image: redis:7\n  cache:\n    image: redis:7\n' }, 'Add a cache');
      const next = fx.bot();
      expect(verbs(next.calls)).toEqual(['pr list', 'pr create']);
      expect(fx.prs().map((p) => [p.number, p.state])).toEqual([[1, 'CLOSED'], [2, 'OPEN']]);
      expect(fx.branchCommits()).toHaveLength(1);
    } finally {
      fx.cleanup();
    }
  });

  it('--branch, --base, --label and --author are honoured', () => {
    const fx = new Fixture({ 'compose.yaml': 'services:\n  web:\n    image: redis:7\n' });
    try {
      const r = fx.bot(['--branch', 'bots/harden', '--base', 'main', '--label', 'security', '--label', 'docker', '--author', 'Harden Bot <harden-bot@example.com>']);
      expect(r.code).toBe(0);
      expect(Object.keys(fx.heads()).sort()).toEqual(['bots/harden', 'main']);
      expect(git(['log', '-1', '--format=%an <%ae>', 'bots/harden'], fx.remote).trim()).toBe('Harden Bot <harden-bot@example.com>');
      const create = r.calls[1].args;
      expect(create.slice(create.indexOf('--head'), create.indexOf('--head') + 2)).toEqual(['--head', 'bots/harden']);
      expect(create.slice(-4)).toEqual(['--label', 'security', '--label', 'docker']);
      expect(parseMarker(r.body)!.branch).toBe('bots/harden');
    } finally {
      fx.cleanup();
    }
  });

  it('refuses to start on a dirty checkout, on a detached HEAD without --base, and with --dry-run; a gh failure exits 2', () => {
    const fx = new Fixture({ 'compose.yaml': 'services:\n  web:\n    image: redis:7\n' });
    try {
      const work = fx.checkout();
      writeFileSync(path.join(work, 'compose.yaml'), 'services:\n  web:\n    image: redis:6\n');
      const dirty = fx.bot([], { work });
      expect(dirty.code).toBe(2);
      expect(dirty.stderr).toContain('uncommitted changes (compose.yaml)');
      expect(readFileSync(path.join(work, 'compose.yaml'), 'utf8')).toBe('services:\n  web:\n    image: redis:6\n');
      expect(dirty.calls).toEqual([]);

      const detached = fx.checkout();
      git(['checkout', '-q', '--detach'], detached);
      const d = fx.bot([], { work: detached });
      expect(d.code).toBe(2);
      expect(d.stderr).toContain('HEAD is detached: name the base branch with --base');

      const dry = fx.bot(['--dry-run']);
      expect(dry.code).toBe(2);
      expect(dry.stderr).toContain('pr commits and pushes');

      const failing = fx.bot([], { env: { GH_STANDIN_FAIL: 'create' } });
      expect(failing.code).toBe(2);
      expect(failing.stderr).toContain('gh pr create failed: stand-in: create fails as asked');
      expect(fx.prs()).toEqual([]);
      // The branch was pushed before the failed call: the next run finds it as its own and opens the pull request.
      const retry = fx.bot();
      expect(verbs(retry.calls)).toEqual(['pr list', 'pr create']);
      expect(fx.branchCommits()).toHaveLength(1);
    } finally {
      fx.cleanup();
    }
  });

  it('a file it cannot read never closes the pull request', () => {
    const fx = new Fixture({ 'compose.yaml': 'services:\n  web:\n    image: redis:7\n' });
    try {
      expect(fx.bot().code).toBe(0);
      fx.commitToMain({ 'compose.yaml': 'services:\n  web: [unclosed\n' }, 'Break the compose file');
      const r = fx.bot();
      expect(r.code).toBe(2);
      expect(r.calls).toEqual([]);
      expect(fx.prs()[0].state).toBe('OPEN');
      expect(Object.keys(fx.heads()).sort()).toEqual([BRANCH, 'main']);
      expect(r.stdout).toContain('left as they are');
    } finally {
      fx.cleanup();
    }
  });
});

describe('action.yml in pr mode', () => {
  it('its script runs the bot with the inputs as environment variables (npx: stand-in that runs this build)', () => {
    const fx = new Fixture({ 'compose.yaml': 'services:\n  web:\n    image: redis:7\n' });
    try {
      const npxBin = path.join(fx.dir, 'npx-bin');
      mkdirSync(npxBin);
      // STAND-IN for npx: instead of fetching docker-harden from the registry, run this checkout's build.
      writeFileSync(
        path.join(npxBin, 'npx'),
        `#!/usr/bin/env bash\nset -euo pipefail\n[ "$1" = --yes ] && [[ "$2" == docker-harden@* ]] || { echo "unexpected npx call: $*" >&2; exit 9; }\nshift 2\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
      );
      chmodSync(path.join(npxBin, 'npx'), 0o755);
      const action = parseDocument(readFileSync(path.join(REPO, 'action.yml'), 'utf8')).toJS() as { runs: { steps: { run: string }[] } };
      const work = fx.checkout();
      const output = path.join(fx.dir, 'action-output');
      const runnerTemp = path.join(fx.dir, 'runner-temp');
      mkdirSync(runnerTemp);
      const r = spawnSync('bash', ['-c', action.runs.steps[0].run], {
        cwd: work,
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${npxBin}${path.delimiter}${standInBin}${path.delimiter}${process.env.PATH}`,
          RUNNER_TEMP: runnerTemp,
          GITHUB_OUTPUT: output,
          GH_STANDIN_LOG: fx.ghLog,
          GH_STANDIN_STATE: fx.ghState,
          DH_MODE: 'pr',
          DH_PATHS: '.',
          DH_VERIFY: 'false',
          DH_FORMAT: 'stylish',
          DH_OUTPUT: '',
          DH_VERSION: 'latest',
          DH_BRANCH: 'docker-harden/harden',
          DH_BASE: '',
          DH_LABELS: 'security',
          DH_AUTHOR: 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>',
          GH_TOKEN: 'token-from-the-action-input',
        },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('docker-harden pr: opened https://github.com/stand-in/repo/pull/1');
      const calls = fx.calls();
      expect(verbs(calls)).toEqual(['pr list', 'pr create']);
      expect(calls[1].token).toBe('token-from-the-action-input');
      expect(calls[1].args.slice(-2)).toEqual(['--label', 'security']);
      expect(calls[1].body).toBe(readFileSync(path.join(runnerTemp, 'docker-harden-pr-body.md'), 'utf8'));
      expect(readFileSync(output, 'utf8')).toContain('pull-request-operation=created\npull-request-number=1\n');
      expect(fx.branchCommits()).toHaveLength(1);
    } finally {
      fx.cleanup();
    }
  });
});

function realPath(p: string): string {
  return spawnSync('realpath', [p], { encoding: 'utf8' }).stdout.trim();
}
