// The built binary, as users run it: exit codes, --dry-run writes nothing,
// its diff applies with `git apply` and gives the bytes an in-place run
// writes, a second run finds nothing, and bad input is reported per file.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, writeFileSync, readFileSync, chmodSync, statSync, symlinkSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO, tempDir, readTree, writeTree, composeSchemaErrors } from './helpers.js';

const BIN = path.join(REPO, 'bin/docker-harden.js');

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function copyExamples(): string {
  const dir = tempDir('dh-cli-');
  cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
  return dir;
}

function git(args: string[], cwd: string, input?: string) {
  return spawnSync('git', args, { cwd, encoding: 'utf8', input });
}

beforeAll(() => {
  if (!existsSync(path.join(REPO, 'dist/bundle/docker-harden.cjs'))) throw new Error('run `npm run build` first (npm test does)');
});

describe('docker-harden CLI on examples/', () => {
  it('--dry-run prints a diff, exits 1 and writes nothing', () => {
    const dir = copyExamples();
    const before = readTree(dir);
    const r = cli(['--dry-run', 'examples'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^diff --git a\/examples\//m);
    expect(r.stderr).toMatch(/would change/);
    expect(readTree(dir)).toEqual(before);
  });

  it('writes USER numerically and the added compose keys in their canonical order', () => {
    const dir = copyExamples();
    const diff = cli(['--dry-run', 'examples'], dir).stdout;
    const users = [...diff.matchAll(/^\+USER (.*)$/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThanOrEqual(3);
    expect(users.every((u) => /^\d+(:\d+)?$/.test(u!))).toBe(true);
    // Per hunk of the compose file, the keys added at service level come in one order.
    const order = ['environment', 'user', 'group_add', 'read_only', 'tmpfs', 'cap_drop', 'cap_add', 'security_opt'];
    const compose = diff.split(/^diff --git /m).find((d) => d.startsWith('a/examples/docker-compose.yml'))!;
    const hunks = compose.split(/^@@/m).slice(1);
    expect(hunks.length).toBeGreaterThanOrEqual(5);
    for (const hunk of hunks) {
      const added = [...hunk.matchAll(/^\+ {4}([a-z_]+):/gm)].map((m) => m[1]!);
      expect(added, hunk).toEqual([...added].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    }
  });

  it('the diff passes git apply --check and applying it equals the in-place run', () => {
    const viaPatch = copyExamples();
    const inPlace = copyExamples();
    const diff = cli(['--dry-run', 'examples'], viaPatch).stdout;
    expect(git(['apply', '--check', '-'], viaPatch, diff).status).toBe(0);
    expect(git(['apply', '-'], viaPatch, diff).status).toBe(0);
    const r = cli(['examples'], inPlace);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/changed/);
    expect(readTree(viaPatch)).toEqual(readTree(inPlace));
  });

  it('after an in-place run, --dry-run exits 0 with no output on stdout', () => {
    const dir = copyExamples();
    expect(cli(['examples'], dir).code).toBe(0);
    const again = cli(['--dry-run', 'examples'], dir);
    expect(again.stdout).toBe('');
    expect(again.code).toBe(0);
  });

  it('works with the default path (.) and from inside the folder', () => {
    const dir = copyExamples();
    const r = cli(['--dry-run'], path.join(dir, 'examples'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^diff --git a\/api\/Dockerfile b\/api\/Dockerfile$/m);
  });

  it('--exclude keeps a file out: neither read nor written', () => {
    const dir = copyExamples();
    const r = cli(['--dry-run', '--exclude', 'api/Dockerfile', 'examples'], dir);
    expect(r.stdout).not.toMatch(/examples\/api\/Dockerfile/);
    expect(r.stderr).toMatch(/1 skipped/);
    expect(r.stdout).toMatch(/examples\/worker\/Dockerfile/);
  });

  it('a project template folder ({{cookiecutter.project_slug}}) is skipped, not a parse error', () => {
    const dir = writeTree({
      '{{cookiecutter.project_slug}}/docker-compose.yml': 'services:\n  web:\n    build: .\n    {%- if cookiecutter.use_celery == "y" %}\n    command: celery\n    {%- endif %}\n',
      '{{cookiecutter.project_slug}}/Dockerfile': 'FROM python:{{ cookiecutter.python_version }}-slim\n',
      'compose.yaml': 'services:\n  app:\n    image: redis:7\n',
    });
    const r = cli(['--dry-run', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/YAML error/);
    expect(r.stderr).toMatch(/3 files: 1 would change, 0 unchanged, 2 skipped, 0 failed/);
  });

  it('template files that a generator renders (Dockerfile.template, docker-compose.tmpl.yml) are skipped, not hardened or parse errors', () => {
    const dir = writeTree({
      // docker-library/ruby's jq template and bigbluebutton's Go template, shortened
      'Dockerfile.template': '{{ if is_alpine then ( -}}\nFROM alpine:{{ env.variant | ltrimstr("alpine") }}\n{{ ) else ( -}}\nFROM buildpack-deps:{{ env.variant }}\n{{ ) end -}}\nCMD [ "irb" ]\n',
      'docker-compose.tmpl.yml': '{{/* auto generated by ./scripts/generate-compose */}}\nservices:\n  redis:\n    image: redis:7\n{{ if .Values.greenlight }}\n  greenlight:\n    image: bigbluebutton/greenlight:v3\n{{ end }}\n',
      'Dockerfile.tmpl': 'FROM {{ .Base }}\nCMD ["caddy"]\n',
      'compose.yaml': 'services:\n  app:\n    image: redis:7\n',
    });
    const r = cli(['--dry-run', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/YAML error/);
    expect(r.stdout).not.toMatch(/template|tmpl/);
    expect(r.stderr).toMatch(/4 files: 1 would change, 0 unchanged, 3 skipped, 0 failed/);
  });

  it('--transform and --skip select transforms', () => {
    const dir = copyExamples();
    const only = cli(['--dry-run', '--transform', 'compose/no-new-privileges', 'examples'], dir);
    expect(only.stdout).toMatch(/security_opt/);
    expect(only.stdout).not.toMatch(/^\+USER /m);
    const skip = cli(['--dry-run', '--skip', 'compose/no-new-privileges', 'examples'], dir);
    expect(skip.stdout).not.toMatch(/security_opt: \["no-new-privileges:true"\]/);
  });

  it('writes compose files that validate (schema and docker-compose config)', () => {
    const dir = copyExamples();
    expect(cli(['examples'], dir).code).toBe(0);
    const tree = readTree(path.join(dir, 'examples'));
    const composeFiles = Object.keys(tree).filter((f) => /compose[^/]*\.ya?ml$/.test(f));
    expect(composeFiles.length).toBeGreaterThan(1);
    for (const f of composeFiles) expect(composeSchemaErrors(tree[f]), f).toEqual([]);
    const dc = spawnSync('docker-compose', ['-f', 'docker-compose.yml', '-f', 'docker-compose.override.yml', 'config', '-q'], {
      cwd: path.join(dir, 'examples'),
      encoding: 'utf8',
    });
    if (dc.error && !process.env.CI) return; // docker-compose not installed locally; .ci/run installs it
    expect(dc.stderr).toBe('');
    expect(dc.status).toBe(0);
  });

  it('keeps the file mode on write', () => {
    const dir = copyExamples();
    const file = path.join(dir, 'examples/api/Dockerfile');
    chmodSync(file, 0o640);
    cli(['examples'], dir);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readFileSync(file, 'utf8')).toMatch(/^USER 1000:1000$/m);
  });
});

describe('usage', () => {
  const dir = tempDir('dh-usage-');
  it('--help and --version exit 0', () => {
    expect(cli(['--help'], dir)).toMatchObject({ code: 0, stdout: expect.stringMatching(/--dry-run/) });
    // verify's flags and every exit code are documented.
    const help = cli(['--help'], dir).stdout.replace(/\s+/g, ' ');
    for (const flag of ['--verify ', '--verify-timeout', '--verify-settle', '--keep', 'verify [paths..]']) expect(help).toContain(flag);
    expect(help).toMatch(/0 nothing left to do \(with --verify: every fix verified, none withheld\)/);
    expect(help).toMatch(/1 changes pending \(--dry-run\), or --verify withheld a fix/);
    expect(help).toMatch(/2 usage or file error, or verification could not run/);
    expect(cli(['verify', '--help'], dir)).toMatchObject({ code: 0, stdout: expect.stringMatching(/--verify-timeout/) });
    expect(cli(['--version'], dir).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
  it('--list-transforms names each transform with its CIS control', () => {
    const r = cli(['--list-transforms'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dockerfile\/non-root-user\s+CIS 4\.1/);
  });
  it.each([
    [['--keep', '.'], /--keep only applies with --verify/],
    [['--verify', '--verify-timeout', '0', '.'], /--verify-timeout must be a positive number/],
    [['--bogus'], /Unknown argument/],
    [['--transform', 'nope/nope'], /unknown transform 'nope\/nope'/],
    [['--uid', '0'], /--uid must be/],
    [['--uid', 'abc'], /--uid must be/],
    [['--user-name', 'Bad Name'], /--user-name must be/],
    [['--tmpfs-size', 'lots'], /--tmpfs-size must/],
    [['--user-ref', 'number'], /user-ref.*Choices: "uid", "name"/s],
    [['--entrypoint-drop', 'drop'], /entrypoint-drop.*Choices: "keep", "conditional"/s],
  ])('%j is a usage error (exit 2)', (args, message) => {
    const r = cli(args as string[], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });
  it('a path that does not exist is an error naming it (exit 2)', () => {
    const r = cli(['--dry-run', 'no-such-dir'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such-dir: does not exist/);
  });
});

describe('bad input: reported with file and line, the other files still processed', () => {
  const good = 'services:\n  app:\n    image: acme/app\n';
  it.each([
    ['unparsable YAML', { 'bad/compose.yaml': 'services:\n  app:\n    image: [unclosed\n' }, /bad\/compose\.yaml:\d+:\d+: YAML error/],
    ['duplicate keys', { 'dup/compose.yaml': 'services:\n  a:\n    image: x\n  a:\n    image: y\n' }, /dup\/compose\.yaml:4:\d+: YAML error/],
    ['a binary file', { 'bin/Dockerfile': 'FROM scratch\n\0\0\0' }, /bin\/Dockerfile: looks binary/],
    ['invalid UTF-8', { 'latin/Dockerfile': Buffer.from('FROM debian\nLABEL a="\xe9"\n', 'latin1').toString('binary') }, /latin\/Dockerfile:2: is not valid UTF-8/],
  ])('%s', (_name, tree, message) => {
    const dir = writeTree({ 'ok/compose.yaml': good });
    for (const [rel, text] of Object.entries(tree)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), _name === 'invalid UTF-8' ? Buffer.from(text, 'latin1') : text);
    }
    const r = cli(['--dry-run', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toMatch(/ok\/compose\.yaml/); // the good file still gets its diff
  });

  it('a huge file is refused', () => {
    const dir = writeTree({ 'ok/compose.yaml': good });
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM debian\n' + '# padding\n'.repeat(600_000));
    const r = cli(['--dry-run', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Dockerfile: is \d+ bytes, over the \d+-byte limit/);
  });

  it('a symlink out of the root is not followed', () => {
    const outside = writeTree({ 'Dockerfile': 'FROM debian\nCMD ["x"]\n' });
    const dir = writeTree({ 'ok/compose.yaml': good });
    symlinkSync(path.join(outside, 'Dockerfile'), path.join(dir, 'Dockerfile'));
    const r = cli(['.'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/Dockerfile: is a symlink to .*outside/);
    expect(readFileSync(path.join(outside, 'Dockerfile'), 'utf8')).toBe('FROM debian\nCMD ["x"]\n');
    expect(readFileSync(path.join(dir, 'ok/compose.yaml'), 'utf8')).toMatch(/no-new-privileges/);
  });

  it('respects .gitignore and skips node_modules', () => {
    const dir = writeTree({
      '.gitignore': 'ignored/\n',
      'ignored/compose.yaml': good,
      'node_modules/pkg/compose.yaml': good,
      'kept/compose.yaml': good,
    });
    const r = cli(['--dry-run', '.'], dir);
    expect(r.stdout).toMatch(/kept\/compose\.yaml/);
    expect(r.stdout).not.toMatch(/ignored\/|node_modules/);
  });

  it("skips package managers' vendor/ copies of dependencies, not a project's own vendor/", () => {
    const dir = writeTree({
      // Go: `go mod vendor` writes vendor/modules.txt; a dependency's test stack sits below it.
      'backend/vendor/modules.txt': '# github.com/redis/go-redis/v9 v9.7.0\n',
      'backend/vendor/github.com/redis/go-redis/v9/docker-compose.yml': good,
      // Composer: vendor/autoload.php.
      'web/vendor/autoload.php': '<?php\n',
      'web/vendor/acme/lib/docker-compose.yml': good,
      // Rails' own vendor/ (no marker): the project's files.
      'app/vendor/stack/compose.yaml': good,
      'kept/compose.yaml': good,
      // Go before modules: dep's Gopkg.lock, glide's glide.lock, godep's Godeps/Godeps.json beside vendor/, govendor's vendor/vendor.json.
      'dep/Gopkg.lock': '[[projects]]\n  name = "golang.org/x/net"\n',
      'dep/vendor/golang.org/x/net/http2/Dockerfile': 'FROM ubuntu:trusty\nRUN apt-get update\nCMD ["-h"]\n',
      'glide/glide.lock': 'imports: []\n',
      'glide/vendor/github.com/acme/glidedep/compose.yaml': good,
      'godep/Godeps/Godeps.json': '{}\n',
      'godep/vendor/github.com/acme/godepdep/compose.yaml': good,
      'govendor/vendor/vendor.json': '{}\n',
      'govendor/vendor/github.com/acme/govendordep/compose.yaml': good,
      // A lock file elsewhere says nothing of this vendor/.
      'other/Gopkg.lock': '\n',
      'php/vendor/theirs/compose.yaml': good,
    });
    const r = cli(['--dry-run', '.'], dir);
    expect(r.stdout).toMatch(/kept\/compose\.yaml/);
    expect(r.stdout).toMatch(/app\/vendor\/stack\/compose\.yaml/);
    expect(r.stdout).toMatch(/php\/vendor\/theirs\/compose\.yaml/);
    expect(r.stdout).not.toMatch(/go-redis|acme\/lib|x\/net\/http2|glidedep|godepdep|govendordep/);
  });

  it('a file named with spaces gets a diff git apply accepts', () => {
    const dir = writeTree({ 'my app/compose.yaml': good });
    git(['init', '-q'], dir);
    const r = cli(['--dry-run', '.'], dir);
    expect(r.code).toBe(1);
    expect(git(['apply', '--check', '-'], dir, r.stdout).status).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
