// Evidence of use, one reader per source: the shell reader (continuations,
// quotes, `&&` chains, variables, heredocs), the command recogniser (compose
// -f/-p/--profile, docker build/buildx/bake, push, run, tag, kaniko), and each
// kind of file (scripts, Makefiles, justfiles, package.json, GitHub and GitLab
// CI, README code blocks, .env, bake HCL/JSON, devcontainer.json). Every item
// must carry the file and line it came from.
import { describe, it, expect, vi } from 'vitest';
import { Alias } from 'yaml';
import path from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { shellCommands, expandVariables } from '../src/evidence/shell.js';
import { recognize } from '../src/evidence/commands.js';
import { readEvidence } from '../src/evidence/index.js';
import { evidenceKind, isShellShebang, mayBeShellScript, scriptOutputs } from '../src/evidence/sources.js';
import { parseBake, builtTargets } from '../src/evidence/bake.js';
import { discover } from '../src/discover.js';
import { evidenceOfTree, runCli, writeTree } from './helpers.js';
import type { RepoEvidence } from '../src/evidence/types.js';
import { indexImages, findBuiltImage, conflictingBuilds, type BuiltImage } from '../src/images.js';
import { githubRepoOf, githubSlug, gitlabPath, remoteUrls } from '../src/evidence/ci-context.js';

const words = (text: string) => shellCommands(text).map((c) => c.words.map((w) => w.text));
const inv = (line: string) => recognize(shellCommands(line)[0]!.words);

describe('shell reader', () => {
  it('joins continuations, removes quotes, splits && chains and keeps variables as written', () => {
    const text = 'cd app && docker compose \\\n  -f "docker-compose.yml" \\\n  -f \'docker-compose.${ENV}.yml\' up -d; echo done # comment\n';
    expect(words(text)).toEqual([
      ['cd', 'app'],
      ['docker', 'compose', '-f', 'docker-compose.yml', '-f', 'docker-compose.${ENV}.yml', 'up', '-d'],
      ['echo', 'done'],
    ]);
    const cmds = shellCommands(text);
    expect(cmds[1]!.start).toBe(text.indexOf('docker'));
    expect(cmds[1]!.words[5]!.dynamic).toBe(false); // single quotes: literal text, marked by its $ only when expanded
  });

  it('skips heredoc bodies, redirections and reads $(…) bodies as commands', () => {
    const text = 'cat <<EOF > out.txt\ndocker build -t nope .\nEOF\nid=$(docker build -q -t app .) 2>&1\n';
    const cmds = words(text);
    expect(cmds).toContainEqual(['cat']);
    expect(cmds.some((c) => c.includes('nope'))).toBe(false);
    expect(cmds).toContainEqual(['docker', 'build', '-q', '-t', 'app', '.']);
  });

  it('keeps file redirections and whether a command reads a pipe, not descriptor duplications', () => {
    const [cat, envsubst, echo] = shellCommands("cat a.tmpl | envsubst '$X' > out.yml 2>&1 || echo failed >> log.txt\n");
    expect(cat!.piped).toBeUndefined();
    expect(envsubst!.piped).toBe(true);
    expect(envsubst!.redirects!.map((r) => [r.op, r.target.text])).toEqual([['>', 'out.yml']]);
    expect(envsubst!.words.map((w) => w.text)).toEqual(['envsubst', '$X']);
    expect(echo!.piped).toBeUndefined(); // after ||, not a pipe
    expect(echo!.redirects!.map((r) => [r.op, r.target.text])).toEqual([['>>', 'log.txt']]);
    expect(shellCommands('envsubst < in.tmpl > out')[0]!.redirects!.map((r) => r.op)).toEqual(['<', '>']);
  });

  it('lists commands in the order they are written: a $(…) body after the command that holds it, in a subshell of its own', () => {
    const [run, pwd] = shellCommands('docker run --rm -v "$(pwd)":/app org/tool:1 make\n');
    expect(run!.words.map((w) => w.text)).toEqual(['docker', 'run', '--rm', '-v', '$(pwd):/app', 'org/tool:1', 'make']);
    expect(run!.group).toBeUndefined();
    expect(pwd!.words.map((w) => w.text)).toEqual(['pwd']);
    expect(pwd!.group).toBeDefined();
  });

  it('marks the commands of a ( … ) subshell, nested ones inside it, and none after it closes', () => {
    const cmds = shellCommands('(cd web && (cd sub; make)) ; docker build .\ncase $x in a) cd b ;; esac\n');
    const group = (w: string) => cmds.find((c) => c.words.map((x) => x.text).join(' ') === w)!.group;
    expect(group('cd web')).toBe('1');
    expect(group('cd sub')).toBe('1.2');
    expect(group('docker build .')).toBeUndefined();
    expect(group('cd b')).toBeUndefined(); // a case pattern's `)` closes no subshell
  });

  it('keeps leading NAME=value words as the command environment', () => {
    const [cmd] = shellCommands('COMPOSE_FILE=a.yml:b.yml docker compose up');
    expect(cmd!.assignments.map((a) => a.text)).toEqual(['COMPOSE_FILE=a.yml:b.yml']);
    expect(cmd!.words.map((w) => w.text)).toEqual(['docker', 'compose', 'up']);
  });

  it('expands variables the file defines, with defaults, and leaves unknown ones', () => {
    const vars = new Map([['IMAGE', 'org/app'], ['EMPTY', '']]);
    expect(expandVariables('${IMAGE}:${TAG:-latest}', vars)).toBe('org/app:latest');
    expect(expandVariables('$IMAGE-$OTHER', vars)).toBe('org/app-$OTHER');
    expect(expandVariables('${EMPTY:-x}', vars)).toBe('x');
    expect(expandVariables('$(IMAGE)', vars, true)).toBe('org/app');
  });

  it("applies bash's case modification: ${X,,} ${X^^} ${X,} ${X^} (ProxiTok: IMAGE_NAME=${GITHUB_REPOSITORY,,})", () => {
    const vars = new Map([['GITHUB_REPOSITORY', 'PabloUser1/ProxiTok']]);
    expect(expandVariables('ghcr.io/${GITHUB_REPOSITORY,,}:latest', vars)).toBe('ghcr.io/pablouser1/proxitok:latest');
    expect(expandVariables('${GITHUB_REPOSITORY^^}', vars)).toBe('PABLOUSER1/PROXITOK');
    expect(expandVariables('${GITHUB_REPOSITORY,}|${GITHUB_REPOSITORY^}', new Map([['GITHUB_REPOSITORY', 'ab/Cd']]))).toBe('ab/Cd|Ab/Cd');
    // Not known: kept as written.
    expect(expandVariables('${UNSET,,}', vars)).toBe('${UNSET,,}');
  });

  it('removes the quotes of a default as the shell does (searxng: ${GITHUB_REPOSITORY_OWNER:-"searxng"})', () => {
    const vars = new Map<string, string>();
    expect(expandVariables('localhost/${OWNER:-"searxng"}/app', vars)).toBe('localhost/searxng/app');
    expect(expandVariables("${T:-'a b'}", vars)).toBe('a b');
    expect(expandVariables('${T:-"it\'s"}', vars)).toBe("it's");
    expect(expandVariables('${T:-a\\"b}', vars)).toBe('a"b');
  });
});

describe('command recogniser', () => {
  it('reads compose global options before the subcommand', () => {
    expect(inv('docker compose -f a.yml --file=b.yml -p shop --profile debug up -d -f ignored')).toMatchObject({
      kind: 'compose',
      files: ['a.yml', 'b.yml'],
      projectName: 'shop',
      profiles: ['debug'],
      subcommand: 'up',
    });
    expect(inv('sudo -E docker-compose -fbase.yml -f prod.yml config')).toMatchObject({ files: ['base.yml', 'prod.yml'] });
    expect(inv('docker --context remote compose -f x.yml ps')).toMatchObject({ files: ['x.yml'] });
    expect(inv('docker stack deploy -c stack.yml -c stack.prod.yml shop')).toMatchObject({ files: ['stack.yml', 'stack.prod.yml'], stack: true });
  });

  it('reads docker build, buildx and kaniko: tags, file, target, context, push, output', () => {
    expect(inv('docker build -t org/app:1 --tag org/app:latest -f docker/app.Dockerfile --target runtime --build-arg X=1 .')).toMatchObject({
      kind: 'build',
      tags: ['org/app:1', 'org/app:latest'],
      file: 'docker/app.Dockerfile',
      target: 'runtime',
      context: '.',
      push: false,
    });
    expect(inv('docker buildx build --platform linux/amd64,linux/arm64 --push -t ghcr.io/o/a ./svc')).toMatchObject({ push: true, context: './svc' });
    expect(inv('docker buildx build --output type=local,dest=dist --target export .')).toMatchObject({ exportsFiles: true, target: 'export' });
    expect(inv('/kaniko/executor --context dir://. --dockerfile Dockerfile --destination reg/app:1')).toMatchObject({ push: true, tags: ['reg/app:1'], context: '.' });
    expect(inv('docker buildx bake -f docker-bake.hcl --push app')).toMatchObject({ kind: 'bake', files: ['docker-bake.hcl'], targets: ['app'], push: true });
  });

  it('reads build arguments: NAME=value, --build-arg=NAME=value, and NAME alone (from the environment)', () => {
    expect(inv('docker build --build-arg BASE=nginx:1.26 --build-arg=NODE=22 --build-arg TOKEN -t org/web .')).toMatchObject({
      kind: 'build',
      args: { BASE: 'nginx:1.26', NODE: '22', TOKEN: undefined },
      tags: ['org/web'],
      context: '.',
    });
    expect(inv('docker build -t org/web .')).not.toHaveProperty('args');
  });

  it('reads push, run and tag', () => {
    expect(inv('docker push org/app:1')).toEqual({ kind: 'push', image: 'org/app:1' });
    expect(inv('docker run --rm -it -v "$PWD:/src" -e X=1 --name t org/app:1 npm test')).toEqual({ kind: 'run', image: 'org/app:1', overCheckout: '$PWD:/src', testRun: 'npm test', mounts: ['$PWD:/src'] });
    // The command runs the project's tests (languagetool's CI: `docker run languagetool-build mvn clean test --quiet`).
    for (const cmd of ['mvn clean test --quiet', './mvnw -B verify', './gradlew check', 'go test ./...', 'cargo test', 'sh -c "pytest -q && echo ok"', 'python -m pytest', 'npm run test:unit', 'bundle exec rspec', 'make test', 'npm run lint:ci', '/app/scripts/test_all.sh', './run-tests.sh']) {
      expect(inv(`docker run app-build ${cmd}`), cmd).toMatchObject({ testRun: expect.stringContaining(cmd.replace(/"/g, '')) });
    }
    for (const cmd of ['', 'mvn package', 'npm start', 'sh -c "npm run build"', 'go run .', 'python manage.py runserver', 'make', '/app/start.sh', '/app/scripts/contest.sh', 'npm run mon']) {
      expect(inv(`docker run app-build ${cmd}`.trim()), cmd).not.toHaveProperty('testRun');
    }
    // Every mount is kept, as written (non-root-user reads their targets: a mount under /root holds USER back).
    expect(inv('docker run -v $HOME/.app:/root/.app -v /app/node_modules --mount type=bind,source=./c,target=/etc/c org/app:1')).toMatchObject({
      mounts: ['$HOME/.app:/root/.app', '/app/node_modules', '--mount=type=bind,source=./c,target=/etc/c'],
    });
    // The checkout mounted by a --rm run, in each spelling; not without --rm, nor another folder.
    for (const mount of ['-v $PWD/build:/out', '--volume=${PWD}/out:/out', '-v .:/src:ro', '--mount type=bind,source=${PWD},target=/w', '-v $GITHUB_WORKSPACE:/gh', '-v `pwd`:/app']) {
      expect(inv(`docker run --rm ${mount} org/tool:1 make`), mount).toMatchObject({ overCheckout: expect.any(String) });
    }
    // Quoted, with a command substitution: the mount is the checkout too.
    expect(inv('docker run --rm -v "$(pwd)":/app org/tool:1 make')).toEqual({ kind: 'run', image: 'org/tool:1', overCheckout: '$(pwd):/app', mounts: ['$(pwd):/app'] });
    expect(inv('docker run --rm -v "$PWD/data:/data" org/tool:1')).toEqual({ kind: 'run', image: 'org/tool:1', overCheckout: '$PWD/data:/data', mounts: ['$PWD/data:/data'] });
    expect(inv('docker run -v $PWD:/src org/app:1')).not.toHaveProperty('overCheckout');
    expect(inv('docker run --rm -v /srv/data:/data -v app-data:/var/lib/app org/app:1')).not.toHaveProperty('overCheckout');
    expect(inv('docker tag org/app:1 registry/org/app:1')).toEqual({ kind: 'tag', source: 'org/app:1', target: 'registry/org/app:1' });
    expect(inv('docker run -d -p 8000:80 --publish=127.0.0.1:443:443/tcp -p80 --name web org/app:1')).toEqual({
      kind: 'run',
      image: 'org/app:1',
      publish: ['8000:80', '127.0.0.1:443:443/tcp', '80'],
    });
    expect(inv('docker container run --rm -it --publish 80:80 org/app')).toEqual({ kind: 'run', image: 'org/app', publish: ['80:80'] });
    expect(inv('echo docker build .')).toBeUndefined();
  });

  it('reads the command a runner runs: timeout, cross-env, dotenv, env-cmd, a script given the command after its path', () => {
    expect(inv('timeout 600 docker build -t org/app .')).toMatchObject({ kind: 'build', tags: ['org/app'], context: '.' });
    expect(inv('cross-env VERSION=1 docker compose -f a.yml up')).toMatchObject({ kind: 'compose', files: ['a.yml'] });
    expect(inv('dotenv -e .env.ci -- docker compose -f ci.yml up')).toMatchObject({ kind: 'compose', files: ['ci.yml'] });
    expect(inv('env-cmd -f .env docker push org/app')).toEqual({ kind: 'push', image: 'org/app' });
    expect(inv('node ./extra/env2arg.js docker buildx build -t org/app:$VERSION --target release -f ./docker/Dockerfile . --push')).toMatchObject({
      kind: 'build',
      tags: ['org/app:$VERSION'],
      target: 'release',
      file: './docker/Dockerfile',
      push: true,
    });
    // Not a runner: a program that only mentions docker, or a script that is given no container command.
    expect(inv('echo docker build -t org/app .')).toBeUndefined();
    expect(inv('node ./build.js --tag org/app docker')).toBeUndefined();
    expect(inv('pushd docker/images')).toEqual({ kind: 'cd', dir: 'docker/images', push: true });
    expect(inv('popd')).toEqual({ kind: 'popd' });
  });

  it('reads re-tags without a build: docker manifest create and buildx imagetools create', () => {
    expect(inv('docker manifest create org/app:latest --amend org/app-amd64:latest --amend org/app-arm64:latest')).toEqual({
      kind: 'retag',
      sources: ['org/app-amd64:latest', 'org/app-arm64:latest'],
      targets: ['org/app:latest'],
      via: 'docker manifest create',
    });
    expect(inv('docker buildx imagetools create -t org/app:1 --tag=ghcr.io/org/app:1 --annotation index:x=y org/app:sha-1')).toEqual({
      kind: 'retag',
      sources: ['org/app:sha-1'],
      targets: ['org/app:1', 'ghcr.io/org/app:1'],
      via: 'docker buildx imagetools create',
    });
    expect(inv('docker buildx imagetools create --dry-run -t org/app:1 org/app:sha-1')).toBeUndefined();
    expect(inv('docker buildx imagetools inspect org/app:1')).toBeUndefined();
    expect(inv('docker manifest push org/app:latest')).toBeUndefined();
  });
});

describe('evidence files', () => {
  const uses = (ev: RepoEvidence, dir: string) =>
    ev.composeUses.map((u) => ({ files: u.files.map((f) => path.relative(dir, f)), at: `${u.at.rel}:${u.at.line}`, source: u.at.source }));
  const builds = (ev: RepoEvidence, dir: string) =>
    ev.builds.map((b) => ({ dockerfile: path.relative(dir, b.dockerfile), context: path.relative(dir, b.context) || '.', target: b.target, tags: b.tags, push: b.push, at: `${b.at.rel}:${b.at.line}` }));
  const compose = { 'docker-compose.yml': 'services: {}\n', 'docker-compose.prod.yml': 'services: {}\n', 'docker-compose.dev.yml': 'services: {}\n' };

  it('classifies evidence files by name and folder', () => {
    expect(evidenceKind('deploy.sh', ['scripts'])).toBe('shell');
    expect(evidenceKind('Makefile', [''])).toBe('makefile');
    expect(evidenceKind('justfile', [''])).toBe('justfile');
    expect(evidenceKind('release.yml', ['.github', 'workflows'])).toBe('github-workflow');
    expect(evidenceKind('release.yml', ['deploy'])).toBeUndefined();
    expect(evidenceKind('.gitlab-ci.yml', [''])).toBe('gitlab-ci');
    expect([evidenceKind('.woodpecker.yml', ['']), evidenceKind('docker.yaml', ['.woodpecker']), evidenceKind('.drone.yml', [''])]).toEqual(['woodpecker-ci', 'woodpecker-ci', 'drone-ci']);
    expect(evidenceKind('README.md', ['docs'])).toBe('readme');
    expect(evidenceKind('.env', [''])).toBe('dotenv');
    // Templates a README has users copy to .env, each naming its own COMPOSE_FILE (otobo's .docker_compose_env_https).
    expect(['.env.example', '.env.docker', 'prod.env', 'env.sample', '.docker_compose_env_https', '.compose-env'].map((n) => evidenceKind(n, ['']))).toEqual(Array(6).fill('dotenv'));
    expect(['.envrc', 'dot_env.m4', 'env.py', 'environment', 'venv', '.environment'].map((n) => evidenceKind(n, ['']))).toEqual(Array(6).fill(undefined));
    expect(evidenceKind('docker-bake.hcl', [''])).toBe('bake');
    expect(evidenceKind('devcontainer.json', ['.devcontainer'])).toBe('devcontainer');
    expect(['.goreleaser.yml', '.goreleaser.yaml', 'goreleaser.yaml', '.goreleaser-nightly.yml', '.goreleaser.docker.yaml', 'goreleaserx.yml'].map((n) => evidenceKind(n, ['']))).toEqual([
      'goreleaser', 'goreleaser', 'goreleaser', 'goreleaser', 'goreleaser', undefined,
    ]);
    expect(['deploy', 'docker-up', 'run_tests', 'LICENSE', 'CODEOWNERS', 'setup.py', '.envrc'].filter(mayBeShellScript)).toEqual(['deploy', 'docker-up', 'run_tests']);
    expect(['#!/bin/sh', '#!/bin/bash -e', '#!/usr/bin/env bash', '#! /usr/bin/env -S bash -eu', '#!/bin/zsh', '#!/usr/bin/env python3', '#!/bin/shell-thing', '#!/usr/bin/env node'].filter(isShellShebang)).toEqual([
      '#!/bin/sh', '#!/bin/bash -e', '#!/usr/bin/env bash', '#! /usr/bin/env -S bash -eu', '#!/bin/zsh',
    ]);
  });

  it('shell scripts: cd, variables, multiple -f, lines', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'scripts/deploy.sh': '#!/bin/sh\nset -e\ncd "$(dirname "$0")/.."\nIMAGE=org/app\ndocker compose \\\n  -f docker-compose.yml \\\n  -f docker-compose.prod.yml up -d\ndocker build -t "$IMAGE:${TAG:-1}" .\ndocker push $IMAGE:1\n',
      Dockerfile: 'FROM node:22\n',
    });
    expect(uses(ev, dir)).toEqual([{ files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'scripts/deploy.sh:5', source: 'shell' }]);
    expect(builds(ev, dir)).toEqual([{ dockerfile: 'Dockerfile', context: '.', target: undefined, tags: ['org/app:1'], push: false, at: 'scripts/deploy.sh:8' }]);
    expect(ev.imageUses).toEqual([expect.objectContaining({ image: 'org/app:1', kind: 'push' })]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("shell scripts: folders named through the script's own folder (readlink -f, cd && pwd), then re-tagged", async () => {
    const { dir, ev } = await evidenceOfTree({
      'docker/build.sh':
        '#!/usr/bin/env bash\nSCRIPT_DIR="$(readlink -f "$(dirname "$0")")"\nROOT="$(readlink -f "$SCRIPT_DIR/../")"\nTOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"\n' +
        'docker build -f "$SCRIPT_DIR/Dockerfile" -t "app-base" "$ROOT"\ndocker build -f "$TOP/docker/Dockerfile" -t app-top "$TOP"\ndocker tag "app-base" "org/app:latest"\n' +
        'docker compose -f "$SCRIPT_DIR/../docker-compose.yml" up -d\n',
      'docker/Dockerfile': 'FROM node:22\n',
      ...compose,
    });
    // The path through the script's folder names the file itself (normalised), not a second `docker/../docker-compose.yml`.
    expect(uses(ev, dir)).toEqual([{ files: ['docker-compose.yml'], at: 'docker/build.sh:8', source: 'shell' }]);
    expect(ev.composeUses[0]!.files[0]).toBe(path.join(dir, 'docker-compose.yml'));
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'docker/Dockerfile', context: '.', target: undefined, tags: ['app-base'], push: false, at: 'docker/build.sh:5' },
      { dockerfile: 'docker/Dockerfile', context: '.', target: undefined, tags: ['app-top'], push: false, at: 'docker/build.sh:6' },
    ]);
    expect(ev.tagAliases.map((a) => [a.source, a.target, a.at.line])).toEqual([['app-base', 'org/app:latest', 7]]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shell scripts: pushd … popd and ( cd … ) subshells change the folder builds resolve in, until they end', async () => {
    const { dir, ev } = await evidenceOfTree({
      'manage.sh':
        '#!/usr/bin/env bash\nbuild_web() {\n    pushd ./docker/images;\n    docker build -t org/web:latest \\\n        -f Dockerfile.web .;\n    popd;\n}\n' +
        '(cd docker/images && docker build -t org/worker -f Dockerfile.worker .)\ndocker build -t org/root .\n' +
        'DIR="$(cd docker/images && pwd)"\ndocker build -t org/again .\n',
      'docker/images/Dockerfile.web': 'FROM nginx:1.27\n',
      'docker/images/Dockerfile.worker': 'FROM node:22\n',
      'docker/images/Dockerfile': 'FROM node:22\n',
      Dockerfile: 'FROM node:22\n',
    });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'docker/images/Dockerfile.web', context: 'docker/images', target: undefined, tags: ['org/web:latest'], push: false, at: 'manage.sh:4' },
      { dockerfile: 'docker/images/Dockerfile.worker', context: 'docker/images', target: undefined, tags: ['org/worker'], push: false, at: 'manage.sh:8' },
      // Back in the script's folder after popd, after the subshell, and after a cd inside $(…).
      { dockerfile: 'Dockerfile', context: '.', target: undefined, tags: ['org/root'], push: false, at: 'manage.sh:9' },
      { dockerfile: 'Dockerfile', context: '.', target: undefined, tags: ['org/again'], push: false, at: 'manage.sh:11' },
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('package.json: a build a wrapper script runs (node ./extra/env2arg.js docker buildx build …)', async () => {
    const { dir, ev } = await evidenceOfTree({
      'package.json': JSON.stringify({ scripts: { 'build:docker': 'node ./extra/env2arg.js docker buildx build -t org/app:1 -t org/app:$VERSION --target release -f ./docker/Dockerfile . --push' } }, null, 2),
      'docker/Dockerfile': 'FROM node:22 AS release\n',
    });
    expect(builds(ev, dir)).toEqual([{ dockerfile: 'docker/Dockerfile', context: '.', target: 'release', tags: ['org/app:1', 'org/app:$VERSION'], push: true, at: 'package.json:3' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('Makefiles: recipes, make variables, and a variable that is a compose command', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'docker/base.dockerfile': 'FROM debian:bookworm\n',
      Makefile:
        'IMAGE ?= org/base\nDC = docker compose -f docker-compose.yml -f docker-compose.dev.yml\n\nbase:\n\t@docker build \\\n\t\t-t $(IMAGE):latest -f docker/base.dockerfile .\n\nprod:\n\t-docker compose -f docker-compose.prod.yml up\n',
    });
    expect(uses(ev, dir)).toEqual([
      { files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: 'Makefile:2', source: 'makefile' },
      { files: ['docker-compose.prod.yml'], at: 'Makefile:9', source: 'makefile' },
    ]);
    expect(builds(ev, dir)).toEqual([{ dockerfile: 'docker/base.dockerfile', context: '.', target: undefined, tags: ['org/base:latest'], push: false, at: 'Makefile:5' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('justfiles and package.json scripts', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      justfile: 'image := "org/app"\n\nup:\n    docker compose -f docker-compose.dev.yml up\n\nbuild:\n    docker build -t {{image}} .\n',
      'package.json': '{\n  "name": "x",\n  "scripts": {\n    "test": "vitest",\n    "prod": "docker compose -f docker-compose.prod.yml up -d"\n  }\n}\n',
      Dockerfile: 'FROM node:22\n',
    });
    expect(uses(ev, dir)).toEqual([
      { files: ['docker-compose.dev.yml'], at: 'justfile:4', source: 'justfile' },
      { files: ['docker-compose.prod.yml'], at: 'package.json:5', source: 'package.json' },
    ]);
    expect(builds(ev, dir)[0]).toMatchObject({ tags: ['org/app'], at: 'justfile:7' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('a variable holding a list of -f flags or a whole compose command is split into words where it is used', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'run.sh': '#!/bin/bash\nFILES="-f docker-compose.yml -f docker-compose.prod.yml"\ndocker compose $FILES up -d\n',
      Makefile: 'COMPOSE_FILES := -f docker-compose.yml -f docker-compose.dev.yml\nDC := docker compose -f docker-compose.yml\n\nup:\n\tdocker compose $(COMPOSE_FILES) up -d\nprod:\n\t$(DC) -f docker-compose.prod.yml up -d\n',
      justfile: 'compose := "docker compose -f docker-compose.yml -f docker-compose.dev.yml"\n\nup:\n    {{compose}} up -d\n',
    });
    expect(uses(ev, dir)).toEqual([
      { files: ['docker-compose.yml'], at: 'Makefile:2', source: 'makefile' },
      { files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: 'Makefile:5', source: 'makefile' },
      { files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'Makefile:7', source: 'makefile' },
      { files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: 'justfile:4', source: 'justfile' },
      { files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'run.sh:3', source: 'shell' },
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('Taskfiles: cmds, cmd entries, shorthand tasks, {{.VARS}}, dir and env COMPOSE_FILE', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'deploy/docker-compose.yml': 'services: {}\n',
      'deploy/docker-compose.prod.yml': 'services: {}\n',
      'Taskfile.yml': [
        'version: "3"',
        'vars:',
        '  DC: docker compose -f docker-compose.yml -f docker-compose.dev.yml',
        '  REV:',
        '    sh: git rev-parse HEAD',
        'tasks:',
        '  dev:',
        '    cmds:',
        '      - "{{.DC}} up -d"',
        '  prod:',
        '    dir: deploy',
        '    cmds:',
        '      - cmd: docker compose -f docker-compose.yml -f docker-compose.prod.yml up -d',
        '      - task: dev',
        '  ci:',
        '    env:',
        '      COMPOSE_FILE: docker-compose.yml:docker-compose.prod.yml',
        '    cmd: docker compose up -d',
        '  down: docker compose -f docker-compose.dev.yml down',
        '',
      ].join('\n'),
    });
    expect(evidenceKind('Taskfile.dist.yaml', [''])).toBe('taskfile');
    expect(uses(ev, dir)).toEqual([
      { files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: 'Taskfile.yml:9', source: 'taskfile' },
      { files: ['deploy/docker-compose.yml', 'deploy/docker-compose.prod.yml'], at: 'Taskfile.yml:13', source: 'taskfile' },
      { files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'Taskfile.yml:18', source: 'taskfile' },
      { files: ['docker-compose.dev.yml'], at: 'Taskfile.yml:19', source: 'taskfile' },
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('Taskfiles: a task called with vars (cmds and deps) builds with them; version 2 Taskvars.yml', async () => {
    const { dir, ev } = await evidenceOfTree({
      Dockerfile: 'FROM alpine:3 AS alpine\nFROM scratch AS scratch\n',
      'Taskvars.yml': 'TAG_REPOSITORY: org\nTAG_NAME: app\n',
      'Taskfile.yml': [
        'version: "2"',
        'tasks:',
        '  build:alpine:',
        '    cmds:',
        '      - task: build',
        '        vars:',
        '          TARGET: alpine',
        '          TAG_VERSION: \'{{.TAG_VERSION | default "latest"}}\'',
        '  build:scratch:',
        '    deps:',
        '      - task: build',
        '        vars: {TARGET: scratch, TAG_VERSION: "1.0"}',
        '  build:',
        '    cmds:',
        '      - cmd: docker build',
        '          --target {{.TARGET}}',
        '          --tag {{.TAG_REPOSITORY}}/{{.TAG_NAME}}:{{.TARGET}}-{{.TAG_VERSION}}',
        '          .',
        '',
      ].join('\n'),
    });
    const found = builds(ev, dir).map((b) => [b.target, b.tags]);
    expect(found).toContainEqual(['alpine', ['org/app:alpine-{{.TAG_VERSION}}']]);
    expect(found).toContainEqual(['scratch', ['org/app:scratch-1.0']]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub workflows: build-push-action outputs name=, and the names one metadata-action lists name one image', async () => {
    const wf = [
      'on: push',
      'env:',
      "  HUB_IMAGE: ${{ vars.HUB_REPO || 'org/web' }}",
      '  GH_IMAGE: ghcr.io/${{ github.repository }}',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: .',
      '          outputs: type=image,name=${{ env.GH_IMAGE }},push-by-digest=true,push=true',
      '  merge:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - id: meta',
      '        uses: docker/metadata-action@v5',
      '        with:',
      '          images: |',
      '            ${{ env.GH_IMAGE }}',
      "            ${{ env.HAS_HUB == 'true' && env.HUB_IMAGE || '' }}",
      '',
    ].join('\n');
    const { dir, ev } = await evidenceOfTree({ Dockerfile: 'FROM node:22\n', '.github/workflows/docker.yml': wf });
    expect(builds(ev, dir).map((b) => b.tags)).toEqual([['${{ env.GH_IMAGE }}']]);
    expect(ev.tagAliases.map((a) => [a.source, a.target, a.via])).toEqual([
      ['${{ env.GH_IMAGE }}', 'org/web', 'docker/metadata-action images'],
      ['org/web', '${{ env.GH_IMAGE }}', 'docker/metadata-action images'],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub workflows: a job or step whose if: is always false builds nothing; one whose if: reads the event may run', async () => {
    const wf = [
      'on: push',
      'jobs:',
      '  disabled:',
      '    if: false',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: ./old',
      '          push: true',
      '          tags: org/old',
      '  build:',
      "    if: github.repository == 'other/repo'",
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - name: Legacy image',
      "        if: ${{ false && github.event_name == 'push' }}",
      '        run: docker build -t org/legacy ./legacy && docker push org/legacy',
      '      - uses: docker/build-push-action@v6',
      "        if: ${{ github.event_name != 'pull_request' }}",
      '        with:',
      '          context: ./web',
      '          push: true',
      '          tags: org/web',
      '',
    ].join('\n');
    const { dir, ev } = await evidenceOfTree({ 'old/Dockerfile': 'FROM node:22\n', 'legacy/Dockerfile': 'FROM node:22\n', 'web/Dockerfile': 'FROM node:22\n', '.github/workflows/docker.yml': wf });
    expect(ev.builds.map((b) => [path.relative(dir, b.dockerfile), b.tags])).toEqual([['web/Dockerfile', ['org/web']]]);
    expect(ev.imageUses.map((u) => u.image)).not.toContain('org/legacy');
    expect(ev.neverRun.map((n) => [n.what, n.condition, n.at.line, n.builds.map((b) => path.relative(dir, b.dockerfile))])).toEqual([
      ['step "Legacy image"', "${{ false && github.event_name == 'push' }}", 17, ['legacy/Dockerfile']],
      ['job disabled', 'false', 4, ['old/Dockerfile']],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("GitHub workflows: an action of another repository builds what build-push-action's inputs name; under other input names its build is not known", async () => {
    const wf = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: org/actions/docker-build@v2',
      '        with:',
      '          context: ./api',
      '          file: ./api/Dockerfile.api',
      '          target: runtime',
      '          tags: org/api:latest',
      '          push: true',
      '      - uses: org/actions/docker-build@v2',
      '        with:',
      '          context: ./missing',
      '          tags: org/missing:latest',
      '      - uses: makeplane/actions/build-push@v1.4.0',
      '        with:',
      '          docker-image-owner: makeplane',
      '          docker-image-name: plane-frontend',
      '          build-context: .',
      '          dockerfile-path: ./web/Dockerfile.web',
      '      - uses: hadolint/hadolint-action@v3',
      '        with:',
      '          dockerfile: ./web/Dockerfile.web',
      '',
    ].join('\n');
    const { dir, ev } = await evidenceOfTree({ 'api/Dockerfile.api': 'FROM node:22 AS runtime\n', 'web/Dockerfile.web': 'FROM node:22\n', '.github/workflows/release.yml': wf });
    expect(ev.builds.map((b) => [path.relative(dir, b.dockerfile), b.target, b.tags, b.push, b.via])).toEqual([
      ['api/Dockerfile.api', 'runtime', ['org/api:latest'], true, "org/actions/docker-build (not read; given docker/build-push-action's inputs)"],
    ]);
    expect(ev.unreadBuilds.map((u) => [u.action, u.input, path.relative(dir, u.dockerfile), u.at.line])).toEqual([['makeplane/actions/build-push@v1.4.0', 'dockerfile-path', 'web/Dockerfile.web', 17]]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("GitHub workflows: build-push-action's drop-ins (useblacksmith, depot) build like it, under their own name", async () => {
    const wf = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    strategy:',
      '      matrix:',
      '        include:',
      '          - { image_name: app, dockerfile: ./web/Dockerfile }',
      '          - { image_name: app-worker, dockerfile: ./worker/Dockerfile }',
      '    steps:',
      '      - uses: useblacksmith/build-push-action@fb9e3e6a9299c78462bfadd0d93352c316adc9b8 # v2.2.0',
      '        with:',
      '          context: .',
      '          file: ${{ matrix.dockerfile }}',
      '          outputs: type=image,name=ghcr.io/org/${{ matrix.image_name }},push-by-digest=true,push=true',
      '      - uses: depot/build-push-action@v1',
      '        with:',
      '          context: ./web',
      '          tags: org/web-depot',
      '      - uses: someone/build-push-action@v1',
      '        with:',
      '          context: ./web',
      '          tags: org/unknown-action',
      '',
    ].join('\n');
    const { dir, ev } = await evidenceOfTree({ 'web/Dockerfile': 'FROM node:22\n', 'worker/Dockerfile': 'FROM node:22\n', '.github/workflows/release.yml': wf });
    expect(ev.builds.map((b) => [path.relative(dir, b.dockerfile), b.tags, b.push, b.via])).toEqual([
      ['web/Dockerfile', ['ghcr.io/org/app'], true, 'useblacksmith/build-push-action'],
      ['web/Dockerfile', ['org/web-depot'], false, 'depot/build-push-action'],
      ['web/Dockerfile', ['org/unknown-action'], false, "someone/build-push-action (not read; given docker/build-push-action's inputs)"],
      ['worker/Dockerfile', ['ghcr.io/org/app-worker'], true, 'useblacksmith/build-push-action'],
      ['web/Dockerfile', ['org/web-depot'], false, 'depot/build-push-action'],
      ['web/Dockerfile', ['org/unknown-action'], false, "someone/build-push-action (not read; given docker/build-push-action's inputs)"],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub workflows: copies of one workflow text each say what they build, from their own file', async () => {
    // One text is parsed once for the whole read (withSharedYamlDocs): the file it came from is the reader's, never the document's.
    const workflow = 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build -f api/Dockerfile -t org/api:ci .\n';
    const { dir, ev } = await evidenceOfTree({
      '.github/workflows/a.yml': workflow,
      '.github/workflows/b.yml': workflow,
      'api/Dockerfile': 'FROM alpine\n',
    });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'api/Dockerfile', context: '.', target: undefined, tags: ['org/api:ci'], push: false, at: '.github/workflows/a.yml:6' },
      { dockerfile: 'api/Dockerfile', context: '.', target: undefined, tags: ['org/api:ci'], push: false, at: '.github/workflows/b.yml:6' },
    ]);
  });

  it('GitHub workflows: anchors and merge keys read from one walk of the document (a key of its own wins over a merged one)', async () => {
    // yaml's Alias.resolve walks the whole document for every alias it resolves: the readers look aliases up
    // in one walk per document instead (issue 13: workflows were ~15% of the corpus' CPU).
    const resolve = vi.spyOn(Alias.prototype, 'resolve');
    try {
      const { dir, ev } = await evidenceOfTree({
        ...compose,
        'services/api/Dockerfile': 'FROM node:22-slim\n',
        '.github/workflows/ci.yml': [
          'on: push',
          'jobs:',
          '  test:',
          '    runs-on: ubuntu-latest',
          '    env: &env',
          '      COMPOSE_FILE: docker-compose.yml:docker-compose.dev.yml',
          '    steps:',
          '      - uses: actions/checkout@v4',
          '      - &up',
          '        run: docker compose up -d',
          '      - <<: *up',
          '        run: docker compose -f docker-compose.prod.yml config',
          '  release:',
          '    runs-on: ubuntu-latest',
          '    env: *env',
          '    steps:',
          '      - *up',
          '      - uses: docker/build-push-action@v6',
          '        with: &with',
          '          context: services/api',
          '          tags: ghcr.io/org/api:latest',
          '',
        ].join('\n'),
      });
      expect(uses(ev, dir)).toEqual([
        { files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: '.github/workflows/ci.yml:10', source: 'github-workflow' },
        { files: ['docker-compose.prod.yml'], at: '.github/workflows/ci.yml:12', source: 'github-workflow' },
        { files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: '.github/workflows/ci.yml:10', source: 'github-workflow' },
      ]);
      expect(builds(ev, dir)).toEqual([
        { dockerfile: 'services/api/Dockerfile', context: 'services/api', target: undefined, tags: ['ghcr.io/org/api:latest'], push: false, at: '.github/workflows/ci.yml:18' },
      ]);
      expect(resolve).not.toHaveBeenCalled();
      rmSync(dir, { recursive: true, force: true });
    } finally {
      resolve.mockRestore();
    }
  });

  it('GitHub workflows: run steps (working-directory, env COMPOSE_FILE) and build-push-action', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'services/api/Dockerfile': 'FROM node:22 AS build\nFROM node:22-slim AS runtime\nCMD ["node"]\n',
      '.github/workflows/ci.yml':
        'on: push\nenv:\n  COMPOSE_FILE: docker-compose.yml:docker-compose.dev.yml\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: docker compose up -d\n      - name: e2e\n        run: |\n          echo start\n          docker compose -f docker-compose.prod.yml \\\n            config\n      - uses: docker/build-push-action@v6\n        with:\n          context: services/api\n          target: runtime\n          push: ${{ github.event_name != \'pull_request\' }}\n          tags: |\n            ghcr.io/org/api:latest\n            ghcr.io/org/api:${{ github.sha }}\n',
    });
    expect(uses(ev, dir)).toEqual([
      { files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: '.github/workflows/ci.yml:9', source: 'github-workflow' },
      { files: ['docker-compose.prod.yml'], at: '.github/workflows/ci.yml:13', source: 'github-workflow' },
    ]);
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'services/api/Dockerfile', context: 'services/api', target: 'runtime', tags: ['ghcr.io/org/api:latest', 'ghcr.io/org/api:${{ github.sha }}'], push: true, at: '.github/workflows/ci.yml:15' },
    ]);
    expect(ev.builds[0]).not.toHaveProperty('args');
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub workflows: tags from docker/metadata-action, ${{ env.X }} inputs, CRLF', async () => {
    const wf = [
      'on: push',
      'env:',
      '  REGISTRY_IMAGE: org/web',
      '  CONTEXT: web',
      'jobs:',
      '  publish:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - id: meta # the names; the action makes the tags',
      '        uses: docker/metadata-action@v5',
      '        with:',
      '          images: |',
      '            ${{ env.REGISTRY_IMAGE }}',
      '            name=ghcr.io/org/web,enable=true',
      '            quay.io/org/web,enable=false',
      '            ghcr.io/${{ github.repository }}',
      '      - id: other',
      '        uses: docker/metadata-action@v5',
      '        with: { images: "ghcr.io/${{ github.repository }}" }',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: ${{ env.CONTEXT }}',
      '          tags: ${{ steps.meta.outputs.tags }}',
      '      - uses: docker/build-push-action@v6',
      '        env: { CONTEXT: api }',
      '        with:',
      '          context: ${{ env.CONTEXT }}',
      '          tags: ${{ steps.other.outputs.tags }}',
      '          build-args: |',
      '            BASE=nginx:1.26-alpine',
      '            REVISION=${{ github.sha }}',
      '',
    ].join('\n');
    for (const eol of ['\n', '\r\n']) {
      const { dir, ev } = await evidenceOfTree({ 'web/Dockerfile': 'FROM node:22\n', 'api/Dockerfile': 'FROM node:22\n', '.github/workflows/publish.yml': wf.replace(/\n/g, eol) });
      expect(builds(ev, dir)).toEqual([
        // No `tags:`: metadata-action's default tags as patterns, on the runs `on: push` has (a branch or a Git tag: no
        // schedule's nightly, no pull request's pr-N; latest=auto).
        { dockerfile: 'web/Dockerfile', context: 'web', target: undefined, tags: ['org/web:${{git.ref_name}}', 'org/web:latest', 'ghcr.io/org/web:${{git.ref_name}}', 'ghcr.io/org/web:latest'], push: false, at: '.github/workflows/publish.yml:20' },
        // The other step's only image is an expression: the tag stays as written, matching nothing.
        { dockerfile: 'api/Dockerfile', context: 'api', target: undefined, tags: ['${{ steps.other.outputs.tags }}'], push: false, at: '.github/workflows/publish.yml:24' },
      ]);
      // build-args, one NAME=value a line; a value the workflow does not settle is not known.
      expect(ev.builds.map((b) => b.args)).toEqual([undefined, { BASE: 'nginx:1.26-alpine', REVISION: undefined }]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GitHub workflows: actions/checkout into a folder of the workspace; checkouts of other repositories ignored', async () => {
    const wf =
      'on: push\njobs:\n  docker:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n        with:\n          path: etherpad\n      - uses: actions/checkout@v5\n        with: { repository: org/charts, path: charts }\n' +
      '      - id: meta\n        uses: docker/metadata-action@v5\n        with:\n          images: etherpad/etherpad\n      - uses: docker/build-push-action@v6\n        with:\n          context: ./etherpad\n          target: production\n          push: true\n          tags: ${{ steps.meta.outputs.tags }}\n' +
      '      - uses: docker/build-push-action@v6\n        with:\n          context: etherpad/tools\n          file: ./etherpad/tools/Dockerfile.ci\n          tags: org/tools\n' +
      '  other:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n        with: { repository: org/charts, path: charts }\n      - uses: docker/build-push-action@v6\n        with: { context: ./etherpad, tags: org/not-this }\n';
    const { dir, ev } = await evidenceOfTree({ Dockerfile: 'FROM node:22 AS production\n', 'tools/Dockerfile.ci': 'FROM node:22\n', '.github/workflows/docker.yml': wf });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'Dockerfile', context: '.', target: 'production', tags: ['etherpad/etherpad:${{git.ref_name}}', 'etherpad/etherpad:latest'], push: true, at: '.github/workflows/docker.yml:15' },
      { dockerfile: 'tools/Dockerfile.ci', context: 'tools', target: undefined, tags: ['org/tools'], push: false, at: '.github/workflows/docker.yml:21' },
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub workflows: a job calling a reusable build workflow with a context and image names', async () => {
    const wf =
      'on: push\njobs:\n  vote:\n    uses: acme/.github/.github/workflows/reusable-docker-build.yaml@main\n    secrets: inherit\n    with:\n      image-names: |\n        ghcr.io/acme/vote\n        acme/vote\n      context: vote\n' +
      '  worker:\n    uses: ./.github/workflows/build.yml\n    with:\n      image: acme/worker\n      context: .\n      dockerfile: worker/Dockerfile.prod\n      target: runtime\n' +
      // No folder of that name here, and a context from an expression: nothing is known.
      '  gone:\n    uses: acme/ci/.github/workflows/build.yml@v1\n    with: { images: acme/gone, context: gone }\n' +
      '  dynamic:\n    uses: acme/ci/.github/workflows/build.yml@v1\n    with: { images: acme/dyn, context: "${{ matrix.dir }}" }\n' +
      // A reusable workflow that builds nothing it says (no context input).
      '  lint:\n    uses: acme/ci/.github/workflows/lint.yml@v1\n    with: { image: acme/linter }\n';
    const { dir, ev } = await evidenceOfTree({ 'vote/Dockerfile': 'FROM python:3.12\n', 'worker/Dockerfile.prod': 'FROM node:22 AS runtime\n', '.github/workflows/ci.yml': wf });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'vote/Dockerfile', context: 'vote', target: undefined, tags: ['ghcr.io/acme/vote', 'acme/vote'], push: true, at: '.github/workflows/ci.yml:4' },
      { dockerfile: 'worker/Dockerfile.prod', context: '.', target: 'runtime', tags: ['acme/worker'], push: true, at: '.github/workflows/ci.yml:12' },
    ]);
    expect(ev.builds.map((b) => b.via)).toEqual(['reusable workflow acme/.github/.github/workflows/reusable-docker-build.yaml', 'reusable workflow ./.github/workflows/build.yml']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub workflows: step outputs written to $GITHUB_OUTPUT (or ::set-output) fill later steps and needing jobs; $GITHUB_ENV the later steps\' env', async () => {
    const wf = [
      'on: push',
      'jobs:',
      '  setup:',
      '    runs-on: ubuntu-latest',
      '    outputs:',
      '      dir: ${{ steps.vars.outputs.dir }}',
      '    steps:',
      '      - id: vars',
      '        run: |',
      '          IMAGE=org/api',
      '          TAGS="$IMAGE:latest"',
      '          if [ -n "$VERSION" ]; then',
      '            TAGS="$TAGS,$IMAGE:$VERSION"',
      '          fi',
      '          echo "tags=$TAGS" >> "$GITHUB_OUTPUT"',
      '          echo "dir=services/api" >> $GITHUB_OUTPUT',
      '          echo "::set-output name=file::services/api/Dockerfile.prod"',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: ${{ steps.vars.outputs.dir }}',
      '          file: ${{ steps.vars.outputs.file }}',
      '          push: true',
      '          tags: ${{ steps.vars.outputs.tags }}',
      '      - run: docker build -t org/api:${{ steps.nope.outputs.version }} ${{ steps.vars.outputs.dir }}',
      '  debug:',
      '    needs: setup',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: docker build -t org/api-debug ${{ needs.setup.outputs.dir }}',
      '  env-job:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: |',
      '          echo "IMAGE=org/env-app" >> $GITHUB_ENV',
      '          echo "DIR=services/api" >> "${GITHUB_ENV}"',
      '      - run: docker build -t $IMAGE:ci $DIR',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: ${{ env.DIR }}',
      '          tags: ${{ env.IMAGE }}:latest',
      // A step that may not run adds a value: the name is then not one file.
      '      - if: github.ref_type == \'tag\'',
      '        run: echo "DIR=services/other" >> $GITHUB_ENV',
      '      - run: docker build -t org/after-if $DIR',
      '',
    ].join('\n');
    const { dir, ev } = await evidenceOfTree({ 'services/api/Dockerfile': 'FROM node:22\n', 'services/api/Dockerfile.prod': 'FROM node:22\n', 'services/other/Dockerfile': 'FROM node:22\n', '.github/workflows/ci.yml': wf });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'services/api/Dockerfile.prod', context: 'services/api', target: undefined, tags: ['org/api:latest', 'org/api:$VERSION'], push: true, at: '.github/workflows/ci.yml:18' },
      // An output no step writes stays as written.
      { dockerfile: 'services/api/Dockerfile', context: 'services/api', target: undefined, tags: ['org/api:${{ steps.nope.outputs.version }}'], push: false, at: '.github/workflows/ci.yml:24' },
      { dockerfile: 'services/api/Dockerfile', context: 'services/api', target: undefined, tags: ['org/api-debug'], push: false, at: '.github/workflows/ci.yml:29' },
      // Written to $GITHUB_ENV: the environment of the steps after it.
      { dockerfile: 'services/api/Dockerfile', context: 'services/api', target: undefined, tags: ['org/env-app:ci'], push: false, at: '.github/workflows/ci.yml:36' },
      { dockerfile: 'services/api/Dockerfile', context: 'services/api', target: undefined, tags: ['org/env-app:latest'], push: false, at: '.github/workflows/ci.yml:37' },
    ]);
    // --explain shows where the tags were written.
    expect(ev.builds[0]!.at.text).toBe('uses: docker/build-push-action@v6; tags from steps.vars.outputs.tags (.github/workflows/ci.yml:15)');
    rmSync(dir, { recursive: true, force: true });
  });

  it('step outputs: each value a branch or assignment can write; variables with several values stay as written', () => {
    const script = [
      'REF="${{ github.ref_name }}"',
      'if [ "$REF" = main ]; then TAG=edge; else TAG="$REF"; fi',
      'NAMES=org/app',
      'NAMES="$NAMES,ghcr.io/org/app"',
      'echo "image=org/app:$TAG" >> $GITHUB_OUTPUT',
      'echo "names=$NAMES" | tee -a "$GITHUB_OUTPUT"',
      '{ echo "grouped=x"; } >> "$GITHUB_OUTPUT"',
      'echo "not-an-output=1"',
      '',
    ].join('\n');
    const outputs = scriptOutputs(script, new Map());
    expect([...outputs].map(([k, o]) => [k, o.values])).toEqual([
      ['image', ['org/app:edge', 'org/app:$REF']],
      // Control flow is not followed: each assignment is a value it may have (as tags, the same names).
      ['names', ['org/app', 'org/app,ghcr.io/org/app']],
    ]);
  });

  it('GitHub workflows: local composite actions and reusable workflows read with the caller\'s with: values', async () => {
    const action = [
      'name: build',
      'inputs:',
      '  dockerfile: { required: true }',
      '  context: { default: . }',
      '  image: { required: true }',
      '  target: { required: false }',
      'runs:',
      '  using: composite',
      '  steps:',
      '    - uses: docker/build-push-action@v6',
      '      with:',
      '        context: ${{ inputs.context }}',
      '        file: ${{ inputs.dockerfile }}',
      '        target: ${{ inputs.target }}',
      '        push: true',
      '        tags: ${{ inputs.image }}:latest',
      '    - run: docker build -f ${{ inputs.dockerfile }} -t ${{ inputs.image }}:ci ${{ inputs.context }}',
      '      shell: bash',
      '',
    ].join('\n');
    const callee = [
      'on:',
      '  workflow_call:',
      '    inputs:',
      '      service: { type: string, required: true }',
      '      push: { type: boolean }',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: ${{ inputs.service }}',
      '          push: ${{ inputs.push }}',
      '          tags: org/${{ inputs.service }}',
      '',
    ].join('\n');
    const caller = [
      'on: push',
      'jobs:',
      '  images:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: ./.github/actions/build',
      '        with: { dockerfile: api/Dockerfile, image: org/api }',
      '      - uses: ./.github/actions/build',
      '        with: { dockerfile: web/Dockerfile, context: web, image: org/web, target: prod }',
      '      - uses: ./.github/actions/build',
      '        with: { dockerfile: "${{ matrix.file }}", image: org/unknown }',
      '  worker:',
      '    uses: ./.github/workflows/build.yml',
      '    with: { service: worker }',
      '  worker-again:',
      '    uses: ./.github/workflows/build.yml',
      '    with: { service: worker }',
      '',
    ].join('\n');
    const { dir, ev } = await evidenceOfTree({
      'api/Dockerfile': 'FROM node:22\n',
      'web/Dockerfile': 'FROM node:22 AS prod\n',
      'worker/Dockerfile': 'FROM python:3.12\n',
      '.github/actions/build/action.yml': action,
      '.github/workflows/build.yml': callee,
      '.github/workflows/ci.yml': caller,
    });
    const called = ev.builds.filter((b) => b.calledFrom);
    expect(called.map((b) => [path.relative(dir, b.dockerfile), path.relative(dir, b.context) || '.', b.target, b.tags, b.push, `${b.at.rel}:${b.at.line}`, b.calledFrom])).toEqual([
      // Called twice with the same inputs: one build. An input left out of a boolean is false.
      ['worker/Dockerfile', 'worker', undefined, ['org/worker'], false, '.github/workflows/build.yml:10', '.github/workflows/ci.yml:13'],
      ['api/Dockerfile', '.', undefined, ['org/api:latest'], true, '.github/actions/build/action.yml:10', '.github/workflows/ci.yml:6'],
      ['api/Dockerfile', '.', undefined, ['org/api:ci'], false, '.github/actions/build/action.yml:17', '.github/workflows/ci.yml:6'],
      ['web/Dockerfile', 'web', 'prod', ['org/web:latest'], true, '.github/actions/build/action.yml:10', '.github/workflows/ci.yml:8'],
      ['web/Dockerfile', 'web', undefined, ['org/web:ci'], false, '.github/actions/build/action.yml:17', '.github/workflows/ci.yml:8'],
    ]);
    expect(called[1]!.at.text).toBe('uses: docker/build-push-action@v6 (called from .github/workflows/ci.yml:6)');
    // Nothing is built from the input not known here (a matrix value the caller's job does not have).
    expect(ev.builds.some((b) => b.tags.some((t) => t.startsWith('org/unknown')))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub workflows: a strategy.matrix (lists, include, exclude) fills ${{ matrix.x }} in build-push-action inputs and run steps', async () => {
    const wf = [
      'on: push\njobs:\n  images:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n',
      '        include:\n          - { name: api, dockerfile: api/Dockerfile, target: prod }\n          - { name: worker, dockerfile: worker/Dockerfile.worker }\n',
      '    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: ${{ matrix.dockerfile }}\n',
      '          target: ${{ matrix.target }}\n          push: true\n          tags: acme/${{ matrix.name }}:latest\n',
      '  flavors:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        flavor: [alpine, debian, slim]\n        arch: [amd64, arm64]\n',
      '        exclude:\n          - flavor: slim\n        include:\n          - flavor: alpine\n            suffix: -alpine\n',
      '    steps:\n      - run: docker build -f Dockerfile.${{ matrix.flavor }} -t acme/proxy:latest${{ matrix.suffix }} .\n',
      '  twins:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        os: [alpine, debian]\n',
      '    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          file: Dockerfile.${{ matrix.os }}\n          push: true\n          tags: acme/edge\n',
      '  dynamic:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        svc: ${{ fromJSON(needs.plan.outputs.list) }}\n',
      '    steps:\n      - run: docker build -f ${{ matrix.svc }}/Dockerfile .\n',
    ].join('');
    const { dir, ev } = await evidenceOfTree({
      '.github/workflows/images.yml': wf,
      'api/Dockerfile': 'FROM node:22 AS prod\n',
      'worker/Dockerfile.worker': 'FROM node:22\n',
      'Dockerfile.alpine': 'FROM nginx:alpine\n',
      'Dockerfile.debian': 'FROM nginx\n',
      'Dockerfile.slim': 'FROM nginx\n',
    });
    expect(builds(ev, dir).map((b) => [b.dockerfile, b.target, b.tags, b.at])).toEqual([
      ['api/Dockerfile', 'prod', ['acme/api:latest'], '.github/workflows/images.yml:11'],
      ['worker/Dockerfile.worker', undefined, ['acme/worker:latest'], '.github/workflows/images.yml:11'],
      ['Dockerfile.alpine', undefined, ['acme/proxy:latest-alpine'], '.github/workflows/images.yml:30'],
      ['Dockerfile.debian', undefined, ['acme/proxy:latest'], '.github/workflows/images.yml:30'],
      // One step, two Dockerfiles, the same name: which one a tag is is decided by what is not read; no names kept.
      ['Dockerfile.alpine', undefined, [], '.github/workflows/images.yml:37'],
      ['Dockerfile.debian', undefined, [], '.github/workflows/images.yml:37'],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitLab CI: parallel matrix variables fill the scripts, once per combination they tell apart', async () => {
    const ci = [
      'build:\n  parallel:\n    matrix:\n      - SERVICE: [api, web]\n        UNUSED: [a, b, c]\n      - SERVICE: admin\n',
      '  script:\n    - docker build -t registry.example.com/acme/$SERVICE:latest -f services/${SERVICE}/Dockerfile services/$SERVICE\n',
    ].join('');
    const { dir, ev } = await evidenceOfTree({
      '.gitlab-ci.yml': ci,
      'services/api/Dockerfile': 'FROM python:3.12\n',
      'services/web/Dockerfile': 'FROM node:22\n',
      'services/admin/Dockerfile': 'FROM node:22\n',
    });
    expect(builds(ev, dir).map((b) => [b.dockerfile, b.context, b.tags])).toEqual([
      ['services/api/Dockerfile', 'services/api', ['registry.example.com/acme/api:latest']],
      ['services/web/Dockerfile', 'services/web', ['registry.example.com/acme/web:latest']],
      ['services/admin/Dockerfile', 'services/admin', ['registry.example.com/acme/admin:latest']],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitLab CI: script lists through anchors, kaniko', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      Dockerfile: 'FROM alpine\n',
      '.gitlab-ci.yml':
        '.deploy: &deploy\n  script:\n    - docker compose -f docker-compose.prod.yml pull\n    - docker compose -f docker-compose.prod.yml up -d\nbuild:\n  image: gcr.io/kaniko-project/executor:debug\n  script:\n    - /kaniko/executor --context . --dockerfile Dockerfile --destination $CI_REGISTRY_IMAGE:latest\nproduction:\n  <<: *deploy\n',
    });
    expect(uses(ev, dir).map((u) => u.at)).toEqual(['.gitlab-ci.yml:3', '.gitlab-ci.yml:4']);
    expect(builds(ev, dir)).toEqual([{ dockerfile: 'Dockerfile', context: '.', target: undefined, tags: ['$CI_REGISTRY_IMAGE:latest'], push: true, at: '.gitlab-ci.yml:8' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('Woodpecker and Drone: build plugin settings are builds (repo x tags, dockerfile from the checkout, dry_run), commands are shell', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'docker/Dockerfile.api': 'FROM alpine\n',
      'web/Dockerfile': 'FROM alpine\n',
      '.woodpecker/release.yaml': [
        'steps:',
        '  - name: api',
        '    image: woodpeckerci/plugin-docker-buildx:5',
        '    settings:',
        '      repo: acme/api,ghcr.io/acme/api',
        '      dockerfile: docker/Dockerfile.api',
        '      tags: [v1, latest]',
        '      build_args:',
        '        MODE: prod',
        '  - name: web-check',
        '    image: plugins/kaniko',
        '    settings:',
        '      repo: acme/web',
        '      context: web',
        '      dockerfile: web/Dockerfile',
        '      dry_run: true',
        '  - name: deploy',
        '    image: docker:cli',
        '    commands:',
        '      - docker compose -f docker-compose.yml -f docker-compose.prod.yml up -d',
        '',
      ].join('\n'),
      '.drone.yml': 'kind: pipeline\nname: a\nsteps:\n- name: web\n  image: plugins/docker\n  settings:\n    repo: acme/web\n    context: web\n    dockerfile: web/Dockerfile\n    target: prod\n---\nkind: signature\nhmac: x\n',
    });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'web/Dockerfile', context: 'web', target: 'prod', tags: ['acme/web:latest'], push: true, at: '.drone.yml:9' },
      { dockerfile: 'docker/Dockerfile.api', context: '.', target: undefined, tags: ['acme/api:v1', 'acme/api:latest', 'ghcr.io/acme/api:v1', 'ghcr.io/acme/api:latest'], push: true, at: '.woodpecker/release.yaml:6' },
      { dockerfile: 'web/Dockerfile', context: 'web', target: undefined, tags: ['acme/web:latest'], push: false, at: '.woodpecker/release.yaml:15' },
    ]);
    expect(ev.builds.find((b) => b.dockerfile.endsWith('Dockerfile.api'))?.args).toEqual({ MODE: 'prod' });
    expect(uses(ev, dir)).toEqual([{ files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: '.woodpecker/release.yaml:20', source: 'woodpecker-ci' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitLab CI: a job no rule adds never runs (each rule when: never, up to one without a condition); one rule that may add it runs', async () => {
    const job = (name: string, rules: string) => `${name}:\n  rules:\n${rules}  script:\n    - docker build -t acme/${name} ${name}\n`;
    const { dir, ev } = await evidenceOfTree({
      'off/Dockerfile': 'FROM alpine\n',
      'guarded/Dockerfile': 'FROM alpine\n',
      'maybe/Dockerfile': 'FROM alpine\n',
      '.gitlab-ci.yml': [
        job('off', '    - if: $X\n      when: never\n    - when: never\n    - when: always\n'),
        job('guarded', '    - if: $CI_COMMIT_TAG\n      when: never\n    - changes: [guarded/*]\n      when: never\n'),
        job('maybe', '    - if: $CI_COMMIT_TAG\n      when: never\n    - if: $CI_COMMIT_BRANCH == "main"\n'),
      ].join(''),
    });
    expect(builds(ev, dir).map((b) => b.dockerfile)).toEqual(['maybe/Dockerfile']);
    expect(ev.neverRun.map((n) => [n.what, n.key, `${n.at.rel}:${n.at.line}`, n.builds.map((b) => path.relative(dir, b.dockerfile))])).toEqual([
      ['job off', 'rules', '.gitlab-ci.yml:2', ['off/Dockerfile']],
      ['job guarded', 'rules', '.gitlab-ci.yml:10', ['guarded/Dockerfile']],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('Maven: exec-maven-plugin docker build (managed in the parent, properties of both), Spotify dockerfile-maven-plugin; Jib and build-image have no Dockerfile', async () => {
    const pom = (body: string) => `<?xml version="1.0"?>\n<project>\n${body}\n</project>\n`;
    const { dir, ev } = await evidenceOfTree({
      'pom.xml': pom(
        '<artifactId>shop</artifactId><version>2.1</version><packaging>pom</packaging>\n<properties><prefix>acme</prefix><df.dir>${basedir}</df.dir></properties>\n' +
          '<build><pluginManagement><plugins><plugin><artifactId>exec-maven-plugin</artifactId>\n<configuration>\n<executable>docker</executable><workingDirectory>${df.dir}</workingDirectory>\n' +
          '<commandlineArgs>build -t ${prefix}/${project.artifactId}:${project.version} -f Dockerfile ${project.build.directory}</commandlineArgs></configuration></plugin></plugins></pluginManagement></build>',
      ),
      'api/pom.xml': pom('<artifactId>api</artifactId><parent><artifactId>shop</artifactId><version>2.1</version></parent>\n<properties><df.dir>${basedir}/../docker</df.dir></properties>\n<build><plugins><plugin><artifactId>exec-maven-plugin</artifactId></plugin></plugins></build>'),
      'web/pom.xml': pom('<artifactId>web</artifactId>\n<build><plugins><plugin><groupId>com.spotify</groupId><artifactId>dockerfile-maven-plugin</artifactId>\n<configuration><repository>acme/web</repository><tag>1</tag></configuration></plugin></plugins></build>'),
      'jobs/pom.xml': pom('<artifactId>jobs</artifactId>\n<build><plugins>\n<plugin><artifactId>jib-maven-plugin</artifactId><configuration><to><image>acme/jobs</image></to></configuration></plugin>\n<plugin><artifactId>spring-boot-maven-plugin</artifactId><executions><execution><goals><goal>build-image</goal></goals></execution></executions></plugin>\n</plugins></build>'),
      'docker/Dockerfile': 'FROM eclipse-temurin:21\n',
      'web/Dockerfile': 'FROM eclipse-temurin:21\n',
    });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'docker/Dockerfile', context: 'api/target', target: undefined, tags: ['acme/api:2.1'], push: false, at: 'pom.xml:7' },
      { dockerfile: 'web/Dockerfile', context: 'web', target: undefined, tags: ['acme/web:1'], push: false, at: 'web/pom.xml:5' },
    ]);
    expect(ev.dockerlessImages.map((d) => [d.image, d.tool, `${d.at.rel}:${d.at.line}`])).toEqual([
      ['acme/jobs', 'jib-maven-plugin', 'jobs/pom.xml:5'],
      [undefined, 'spring-boot-maven-plugin build-image (buildpacks)', 'jobs/pom.xml:6'],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('named build contexts: --build-context and bake contexts, folders made absolute, other kinds as written', async () => {
    const { dir, ev } = await evidenceOfTree({
      'svc/Dockerfile': 'FROM alpine\n',
      'shared/x.sh': 'echo\n',
      'build.sh': 'docker buildx build --build-context shared=shared --build-context base=docker-image://alpine:3.20 -t acme/svc -f svc/Dockerfile svc\n',
      'docker-bake.hcl': 'target "svc" {\n  context = "svc"\n  contexts = {\n    shared = "shared"\n    tools = "target:tools"\n  }\n  tags = ["acme/svc:bake"]\n}\n',
    });
    const named = (via: string) => ev.builds.find((b) => b.via.startsWith(via))?.namedContexts;
    expect(named('docker')).toEqual({ shared: path.join(dir, 'shared'), base: 'docker-image://alpine:3.20' });
    expect(named('bake')).toEqual({ shared: path.join(dir, 'shared'), tools: 'target:tools' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('README code blocks: shell fences, prompts, output lines ignored', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'README.md':
        '# App\n\n```yaml\nservices: {}\n```\n\nProduction:\n\n```console\n$ docker compose -f docker-compose.yml \\\n    -f docker-compose.prod.yml up -d\nCreating app_1 ... done\n$ docker compose ps\n```\n\n```python\nos.system("docker compose -f docker-compose.dev.yml up")\n```\n',
    });
    expect(uses(ev, dir)).toEqual([{ files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'README.md:10', source: 'readme' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('.env: COMPOSE_FILE with COMPOSE_PATH_SEPARATOR, even when git-ignored', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      '.gitignore': '.env\n',
      '.env': '# local\nCOMPOSE_PATH_SEPARATOR=;\nCOMPOSE_FILE="docker-compose.yml;docker-compose.dev.yml"\n',
    });
    expect(uses(ev, dir)).toEqual([{ files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: '.env:3', source: 'dotenv' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('dotenv templates: each COMPOSE_FILE a template names is a way the project is run, under any compose file names', async () => {
    const { dir, ev } = await evidenceOfTree({
      'docker-compose/app-base.yml': 'services: {}\n',
      'docker-compose/app-http.yml': 'services: {}\n',
      'docker-compose/app-https.yml': 'services: {}\n',
      '.docker_compose_env_http': '# copy to .env\nCOMPOSE_FILE=docker-compose/app-base.yml:docker-compose/app-http.yml\n',
      '.docker_compose_env_https': 'COMPOSE_PROJECT_NAME=app\nCOMPOSE_FILE=docker-compose/app-base.yml:docker-compose/app-https.yml\n',
      // No COMPOSE_FILE: says nothing.
      'prod.env': 'DB_PASSWORD=x\n',
    });
    expect(uses(ev, dir)).toEqual([
      { files: ['docker-compose/app-base.yml', 'docker-compose/app-http.yml'], at: '.docker_compose_env_http:2', source: 'dotenv' },
      { files: ['docker-compose/app-base.yml', 'docker-compose/app-https.yml'], at: '.docker_compose_env_https:2', source: 'dotenv' },
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('bake files (HCL and JSON): variables, inherits, groups, templates that only pass settings on', async () => {
    const hcl =
      '// release images\nvariable "TAG" {\n  default = "1.2"\n}\ngroup "default" {\n  targets = ["api", "worker"]\n}\ntarget "docker-metadata-action" {}\ntarget "_common" {\n  context = "."\n  args = { NODE = "22" }\n}\ntarget "api" {\n  inherits = ["_common", "docker-metadata-action"]\n  dockerfile = "services/api/Dockerfile"\n  target = "runtime"\n  tags = ["org/api:${TAG}", lower("X")]\n  output = ["type=registry"]\n}\ntarget "worker" {\n  inherits = ["_common"]\n  dockerfile = <<EOT\nservices/worker/Dockerfile\nEOT\n  platforms = TAG == "" ? [] : ["linux/amd64"]\n}\n';
    const bake = parseBake(hcl, 'docker-bake.hcl');
    expect(builtTargets(bake).map((t) => [t.name, t.context, t.dockerfile, t.target, t.tags])).toEqual([
      ['api', '.', 'services/api/Dockerfile', 'runtime', ['org/api:1.2']],
      ['worker', '.', 'services/worker/Dockerfile', undefined, []],
    ]);
    const json = parseBake('{"variable":{"V":{"default":"2"}},"target":{"web":{"context":"web","tags":["org/web:${V}"]}}}', 'docker-bake.json');
    expect(builtTargets(json).map((t) => [t.name, t.context, t.tags])).toEqual([['web', 'web', ['org/web:2']]]);

    const { dir, ev } = await evidenceOfTree({ 'docker-bake.hcl': hcl, 'services/api/Dockerfile': 'FROM node\n', 'services/worker/Dockerfile': 'FROM node\n' });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'services/api/Dockerfile', context: '.', target: 'runtime', tags: ['org/api:1.2'], push: true, at: 'docker-bake.hcl:13' },
      { dockerfile: 'services/worker/Dockerfile', context: '.', target: undefined, tags: [], push: false, at: 'docker-bake.hcl:20' },
    ]);
    // args come through inherits; a target's own win key by key.
    expect(ev.builds.map((b) => b.args)).toEqual([{ NODE: '22' }, { NODE: '22' }]);
    const own = parseBake('target "base" {\n  args = { NODE = "20", BASE = "nginx" }\n}\ntarget "web" {\n  inherits = ["base"]\n  args = { NODE = "22" }\n}\n', 'docker-bake.hcl');
    expect(builtTargets(own).map((t) => t.args)).toEqual([{ NODE: '22', BASE: 'nginx' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('bake: a dockerfile or context that a variable leaves empty means the default (ONLYOFFICE: DOCKERFILE defaults to "")', async () => {
    const hcl = 'variable "DOCKERFILE" {\n  default = ""\n}\nvariable "CTX" {\n  default = ""\n}\ntarget "app" {\n  context = "${CTX}"\n  dockerfile = "${DOCKERFILE}"\n  tags = ["org/app:1"]\n}\n';
    const { dir, ev } = await evidenceOfTree({ 'docker-bake.hcl': hcl, Dockerfile: 'FROM node\n' });
    expect(builds(ev, dir)).toEqual([{ dockerfile: 'Dockerfile', context: '.', target: undefined, tags: ['org/app:1'], push: false, at: 'docker-bake.hcl:7' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GoReleaser: dockers (image_templates, --target, --build-arg, skip_push), dockers_v2 (images x tags), docker_manifests as aliases', async () => {
    const config = [
      'env:\n  - ORG=acme\n',
      'dockers:\n',
      '  - dockerfile: build/app.Dockerfile\n    image_templates:\n      - "{{ .Env.ORG }}/{{ .ProjectName }}:{{ .Tag }}-amd64"\n',
      '    build_flag_templates:\n      - "--pull"\n      - "--target=runtime"\n      - "--build-arg=MODE=release"\n      - "--build-arg=VERSION={{ .Version }}"\n',
      '  - image_templates: ["{{ .Env.REGISTRY }}/tool:{{ .Tag }}"]\n    skip_push: true\n    build_flag_templates: ["--target", "cli"]\n',
      '  - dockerfile: "{{ .Env.DOCKERFILE }}"\n    image_templates: ["acme/never:latest"]\n',
      'dockers_v2:\n  - dockerfile: build/v2.Dockerfile\n    images: ["ghcr.io/acme/app", "acme/app"]\n    tags: ["{{ .Version }}", "latest"]\n    build_args:\n      CHANNEL: stable\n',
      'docker_manifests:\n  - name_template: "{{ .Env.ORG }}/{{ .ProjectName }}:latest"\n    image_templates:\n      - "{{ .Env.ORG }}/{{ .ProjectName }}:{{ .Tag }}-amd64"\n',
      'kos:\n  - repositories: [acme/ko]\n',
    ].join('');
    const { dir, ev } = await evidenceOfTree({
      '.goreleaser.yaml': config,
      'go.mod': 'module github.com/acme/app/v2\n\ngo 1.22\n',
      Dockerfile: 'FROM alpine\n',
      'build/app.Dockerfile': 'FROM alpine AS runtime\n',
      'build/v2.Dockerfile': 'FROM alpine\n',
    });
    expect(builds(ev, dir)).toEqual([
      { dockerfile: 'build/app.Dockerfile', context: '.', target: 'runtime', tags: ['acme/app:${Tag}-amd64'], push: true, at: '.goreleaser.yaml:4' },
      { dockerfile: 'Dockerfile', context: '.', target: 'cli', tags: ['${REGISTRY}/tool:${Tag}'], push: false, at: '.goreleaser.yaml:12' },
      { dockerfile: 'build/v2.Dockerfile', context: '.', target: undefined, tags: ['ghcr.io/acme/app:${Version}', 'ghcr.io/acme/app:latest', 'acme/app:${Version}', 'acme/app:latest'], push: true, at: '.goreleaser.yaml:18' },
    ]);
    expect(ev.builds.map((b) => b.args)).toEqual([{ MODE: 'release', VERSION: undefined }, undefined, { CHANNEL: 'stable' }]);
    expect(ev.builds[0]!.at.source).toBe('goreleaser');
    expect(ev.tagAliases.map((a) => [a.source, a.target, a.via, a.at.line])).toEqual([['acme/app:${Tag}-amd64', 'acme/app:latest', 'goreleaser docker_manifests', 24]]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GoReleaser: a compose service running the manifest tag is judged by the Dockerfile goreleaser builds it from', async () => {
    const dir = writeTree({
      '.goreleaser.yml':
        'project_name: shop\ndockers:\n  - dockerfile: release.Dockerfile\n    image_templates: ["acme/shop:{{ .Tag }}-amd64"]\n' +
        'docker_manifests:\n  - name_template: acme/shop:latest\n    image_templates: ["acme/shop:{{ .Tag }}-amd64"]\n',
      'release.Dockerfile': 'FROM alpine:3.20\nCOPY shop /usr/bin/shop\nENTRYPOINT ["/usr/bin/shop"]\n',
      'compose.yaml': 'services:\n  shop:\n    image: acme/shop:latest\n',
    });
    const r = await runCli(['--explain', '--format', 'json', '.'], dir);
    const explained = JSON.parse(r.stdout) as { services: { name: string; dockerfile: string | null }[] };
    expect(explained.services.map((s) => [s.name, s.dockerfile])).toEqual([['shop', 'release.Dockerfile']]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('devcontainer.json (JSON with comments): its Dockerfile and compose files', async () => {
    const { dir, ev } = await evidenceOfTree({
      '.devcontainer/devcontainer.json': '{\n  // dev\n  "name": "x",\n  "dockerComposeFile": ["../docker-compose.yml", "docker-compose.extend.yml"],\n  "service": "app",\n}\n',
      'docker-compose.yml': 'services: {}\n',
    });
    expect(ev.devcontainers).toEqual([
      expect.objectContaining({ composeFiles: [path.join(dir, 'docker-compose.yml'), path.join(dir, '.devcontainer/docker-compose.extend.yml')], service: 'app' }),
    ]);
    expect(ev.devcontainers[0]!.at.line).toBe(4);
    rmSync(dir, { recursive: true, force: true });
  });

  it('bash arrays of -f flags (set, appended, local, a whole command) expand where "${NAME[@]}" is used', async () => {
    for (const eol of ['\n', '\r\n']) {
      const { dir, ev } = await evidenceOfTree({
        ...compose,
        'up.sh': [
          '#!/usr/bin/env bash',
          'files=(-f docker-compose.yml -f "docker-compose.dev.yml")',
          'if [ "$1" = prod ]; then',
          '  files+=(-f docker-compose.prod.yml)  # production on top',
          'fi',
          'docker compose "${files[@]}" up -d',
          'deploy() {',
          '  local extra=(',
          '    -f docker-compose.yml  # base',
          "    -f 'docker-compose.prod.yml'",
          '  )',
          '  docker compose ${extra[*]} config',
          '}',
          'dc=("docker" "compose" \\',
          '    "-f" "docker-compose.yml" \\',
          '    "-f" "$DIR/compose.ci.yaml")',
          'unknown=(-f "$OVERRIDE")',
          'docker compose "${unknown[@]}" up',
          '',
        ].join(eol),
      });
      expect(uses(ev, dir)).toEqual([
        { files: ['docker-compose.yml', 'docker-compose.dev.yml', 'docker-compose.prod.yml'], at: 'up.sh:6', source: 'shell' },
        { files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'up.sh:12', source: 'shell' },
        // The array that is a whole command counts where it is set; its file named by an unknown variable stays unresolved.
        { files: ['docker-compose.yml'], at: 'up.sh:14', source: 'shell' },
        { files: [], at: 'up.sh:18', source: 'shell' },
      ]);
      expect(ev.composeUses.map((u) => u.unresolved)).toEqual([[], [], ['$DIR/compose.ci.yaml'], ['$OVERRIDE']]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('COMPOSE_FILE exported by a script or set in .env names the files of compose commands without -f', async () => {
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'scripts/prod.sh': '#!/bin/sh\ncd "$(dirname "$0")/.."\nexport COMPOSE_FILE=docker-compose.yml:docker-compose.prod.yml\ndocker compose up -d\n',
      '.env': '# the dev stack by default\nCOMPOSE_FILE="docker-compose.yml:docker-compose.dev.yml"\n',
    });
    expect(uses(ev, dir)).toEqual([
      { files: ['docker-compose.yml', 'docker-compose.dev.yml'], at: '.env:2', source: 'dotenv' },
      { files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'scripts/prod.sh:3', source: 'shell' },
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('scripts without an extension are read when their shebang is a shell; other files without one are not', async () => {
    const deploy = 'cd "$(dirname "$0")/.."\ndocker compose -f docker-compose.yml -f docker-compose.prod.yml up -d\n';
    const { dir, ev } = await evidenceOfTree({
      ...compose,
      'scripts/deploy': `#!/bin/bash\n${deploy}`,
      'bin/up': `#!/usr/bin/env -S bash -e\r\n${deploy.replace(/\n/g, '\r\n')}`,
      run: `#! /bin/sh\ndocker compose -f docker-compose.dev.yml up\n`,
      'bin/tool': `#!/usr/bin/env python3\nimport os\nos.system("docker compose -f docker-compose.prod.yml up")\n`,
      'bin/notes': `docker compose -f docker-compose.prod.yml up\n`,
      LICENSE: '#!/bin/sh\ndocker compose -f docker-compose.prod.yml up\n',
      'node_modules/x/bin/cli': `#!/bin/sh\ndocker compose -f ../../docker-compose.prod.yml up\n`,
      'scripts/huge': `#!/bin/sh\n${'# padding\n'.repeat(30000)}docker compose -f docker-compose.prod.yml up\n`,
    });
    expect(uses(ev, dir)).toEqual([
      { files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'bin/up:3', source: 'shell' },
      { files: ['docker-compose.dev.yml'], at: 'run:2', source: 'shell' },
      { files: ['docker-compose.yml', 'docker-compose.prod.yml'], at: 'scripts/deploy:3', source: 'shell' },
    ]);
    expect(ev.filesRead.map((f) => path.relative(dir, f)).filter((f) => !f.includes('.'))).toEqual(['bin/up', 'run', 'scripts/deploy']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('CRLF files say the same, on the same lines', async () => {
    const tree = {
      ...compose,
      Makefile: 'DC := docker compose -f docker-compose.yml -f docker-compose.dev.yml\r\nup:\r\n\t$(DC) up\r\nprod:\r\n\tdocker compose \\\r\n\t  -f docker-compose.prod.yml up\r\n',
      justfile: 'prod:\r\n    docker compose -f docker-compose.prod.yml up\r\n',
      '.env': 'COMPOSE_FILE=docker-compose.yml:docker-compose.dev.yml\r\n',
      '.github/workflows/ci.yml': 'jobs:\r\n  a:\r\n    steps:\r\n      - run: |\r\n          docker compose -f docker-compose.prod.yml config\r\n',
    };
    const { dir, ev } = await evidenceOfTree(tree);
    expect(uses(ev, dir).map((u) => [u.at, u.files.join(' + ')])).toEqual([
      ['.env:1', 'docker-compose.yml + docker-compose.dev.yml'],
      ['.github/workflows/ci.yml:5', 'docker-compose.prod.yml'],
      ['Makefile:1', 'docker-compose.yml + docker-compose.dev.yml'],
      // The recipe that runs $(DC): the variable's words, split as make pastes them.
      ['Makefile:3', 'docker-compose.yml + docker-compose.dev.yml'],
      ['Makefile:5', 'docker-compose.prod.yml'],
      ['justfile:2', 'docker-compose.prod.yml'],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('files that cannot be read as evidence say nothing and raise no error', async () => {
    const dir = writeTree({
      ...compose,
      '.github/workflows/broken.yml': 'jobs: [\n  - run: docker compose -f docker-compose.prod.yml up\n',
      'package.json': '{ not json',
      'docker-bake.hcl': 'target "x" { dockerfile = \n',
    });
    writeFileSync(path.join(dir, 'scripts.sh'), Buffer.from([0, 1, 2, 0, 100, 111, 99, 107, 101, 114]));
    const found = await discover([dir], dir, { exclude: [] });
    const ev = await readEvidence(found.evidence, dir);
    expect(ev.composeUses).toEqual([]);
    expect(found.errors).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub workflows: ${{ github.repository }} and $GITHUB_REPOSITORY from the checkout\'s origin remote, lower-cased', async () => {
    // GitHub's "Publish Docker image" template, a run step naming the owner, and one using the runner's variable.
    const wf = [
      'on: push',
      'env:',
      '  REGISTRY: ghcr.io',
      '  IMAGE_NAME: ${{ github.repository }}',
      'jobs:',
      '  publish:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - id: meta',
      '        uses: docker/metadata-action@v5',
      '        with:',
      '          images: ${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: .',
      '          push: true',
      '          tags: ${{ steps.meta.outputs.tags }}',
      '      - run: |',
      '          echo building',
      '          docker build -t ghcr.io/${{ github.repository_owner }}/worker:${{ github.sha }} worker',
      '      - run: docker build -t "ghcr.io/$GITHUB_REPOSITORY-api" api',
      '',
    ].join('\n');
    const tree = { Dockerfile: 'FROM node:22\n', 'worker/Dockerfile': 'FROM node:22\n', 'api/Dockerfile': 'FROM node:22\n', '.github/workflows/publish.yml': wf };
    const config = '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://github.com/other/fork.git\n[remote "origin"]\n\turl = git@github.com:Acme/Shop.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n';
    const known = await evidenceOfTree({ ...tree, '.git/config': config });
    expect(builds(known.ev, known.dir)).toEqual([
      { dockerfile: 'Dockerfile', context: '.', target: undefined, tags: ['ghcr.io/acme/shop:${{git.ref_name}}', 'ghcr.io/acme/shop:latest'], push: true, at: '.github/workflows/publish.yml:14' },
      { dockerfile: 'worker/Dockerfile', context: 'worker', target: undefined, tags: ['ghcr.io/acme/worker:${{ github.sha }}'], push: false, at: '.github/workflows/publish.yml:21' },
      { dockerfile: 'api/Dockerfile', context: 'api', target: undefined, tags: ['ghcr.io/acme/shop-api'], push: false, at: '.github/workflows/publish.yml:22' },
    ]);
    // Without a Git remote the names stay as written (matching no image).
    const unknown = await evidenceOfTree(tree);
    expect(builds(unknown.ev, unknown.dir).map((b) => b.tags)).toEqual([
      ['${{ steps.meta.outputs.tags }}'],
      ['ghcr.io/${{ github.repository_owner }}/worker:${{ github.sha }}'],
      ['ghcr.io/$GITHUB_REPOSITORY-api'],
    ]);
    for (const d of [known.dir, unknown.dir]) rmSync(d, { recursive: true, force: true });
  });

  it('an image the GitHub template publishes as ghcr.io/${{ github.repository }} is known in compose as built from its Dockerfile', async () => {
    const wf =
      'on: push\nenv:\n  REGISTRY: ghcr.io\n  IMAGE_NAME: ${{ github.repository }}\njobs:\n  p:\n    runs-on: ubuntu-latest\n    steps:\n' +
      '      - id: meta\n        uses: docker/metadata-action@v5\n        with:\n          images: ${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}\n' +
      '      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ${{ steps.meta.outputs.tags }}\n';
    const dir = writeTree({
      '.git/config': '[remote "origin"]\n\turl = https://github.com/Acme/Shop.git\n',
      '.github/workflows/publish.yml': wf,
      Dockerfile: 'FROM node:22-slim\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n',
      'compose.yaml': 'services:\n  shop:\n    image: ghcr.io/acme/shop:latest\n',
    });
    const r = await runCli(['--dry-run', '--format', 'json', '.'], dir);
    const findings = (JSON.parse(r.stdout) as { findings: { transform: string; status: string; message: string }[] }).findings;
    const readOnly = findings.find((f) => f.transform === 'compose/read-only')!;
    expect(readOnly.status, readOnly.message).toBe('fixable');
    expect(findings.find((f) => f.transform === 'compose/cap-drop')!.status).toBe('fixable');
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitLab CI: $CI_REGISTRY_IMAGE and $CI_PROJECT_PATH from a gitlab.com origin remote, inside the file\'s own variables too', async () => {
    const ci =
      'variables:\n  IMAGE: $CI_REGISTRY_IMAGE/api:$CI_COMMIT_SHORT_SHA\nbuild:\n  script:\n    - docker build -t $CI_REGISTRY_IMAGE:latest .\n    - docker build -t "$IMAGE" api\n    - docker build -t registry.gitlab.com/$CI_PROJECT_PATH/worker worker\n';
    const tree = { Dockerfile: 'FROM node:22\n', 'api/Dockerfile': 'FROM node:22\n', 'worker/Dockerfile': 'FROM node:22\n', '.gitlab-ci.yml': ci };
    const { dir, ev } = await evidenceOfTree({ ...tree, '.git/config': '[remote "origin"]\n\turl = git@gitlab.com:Acme/Platform/Shop.git\n' });
    expect(builds(ev, dir).map((b) => b.tags)).toEqual([
      ['registry.gitlab.com/acme/platform/shop:latest'],
      ['registry.gitlab.com/acme/platform/shop/api:$CI_COMMIT_SHORT_SHA'],
      ['registry.gitlab.com/Acme/Platform/Shop/worker'],
    ]);
    const none = await evidenceOfTree(tree);
    expect(builds(none.ev, none.dir).map((b) => b.tags)).toEqual([['$CI_REGISTRY_IMAGE:latest'], ['$CI_REGISTRY_IMAGE/api:$CI_COMMIT_SHORT_SHA'], ['registry.gitlab.com/$CI_PROJECT_PATH/worker']]);
    expect(gitlabPath('https://gitlab.com/g/sub/p.git')).toBe('g/sub/p');
    expect(gitlabPath('https://gitlab.example.com/g/p.git')).toBeUndefined();
    expect(gitlabPath('https://gitlab.com/p.git')).toBeUndefined();
    for (const d of [dir, none.dir]) rmSync(d, { recursive: true, force: true });
  });

  it('reads the GitHub repository of a checkout, a worktree, and remote URLs in every form', async () => {
    expect(githubSlug('https://github.com/acme/shop.git')).toEqual({ owner: 'acme', name: 'shop' });
    expect(githubSlug('https://github.com/acme/shop')).toEqual({ owner: 'acme', name: 'shop' });
    expect(githubSlug('git@github.com:acme/shop.git')).toEqual({ owner: 'acme', name: 'shop' });
    expect(githubSlug('ssh://git@github.com/acme/shop.git')).toEqual({ owner: 'acme', name: 'shop' });
    expect(githubSlug('ssh://git@github.com:22/acme/my.repo')).toEqual({ owner: 'acme', name: 'my.repo' });
    expect(githubSlug('git://github.com/acme/shop.git')).toEqual({ owner: 'acme', name: 'shop' });
    expect(githubSlug('https://github.example.com/acme/shop.git')).toEqual({ owner: 'acme', name: 'shop' });
    expect(githubSlug('https://gitlab.com/acme/shop.git')).toBeUndefined();
    expect(githubSlug('https://github.com/acme/group/shop.git')).toBeUndefined();
    expect(githubSlug('/srv/git/shop.git')).toBeUndefined();
    expect(remoteUrls('[remote "origin"]\n  url = "https://github.com/a/b" ; note\n  url = https://github.com/c/d\n[branch "main"]\n  url = nope\n')).toEqual(new Map([['origin', 'https://github.com/a/b']]));

    // A linked worktree: `.git` is a file naming its folder, whose commondir holds the config.
    const repo = writeTree({ '.git/config': '[remote "origin"]\n\turl = https://github.com/Acme/Wt.git\n', '.git/worktrees/wt/commondir': '../..\n' });
    const wt = writeTree({ '.git': `gitdir: ${path.join(repo, '.git/worktrees/wt')}\n` });
    expect(githubRepoOf(wt)).toMatchObject({ owner: 'Acme', name: 'Wt' });
    // Two GitHub remotes and none is origin: not known.
    const two = writeTree({ '.git/config': '[remote "a"]\n\turl = https://github.com/x/one\n[remote "b"]\n\turl = https://github.com/x/two\n' });
    expect(githubRepoOf(two)).toBeUndefined();
    for (const d of [repo, wt, two]) rmSync(d, { recursive: true, force: true });
  });
});

describe('images built here, by tag', () => {
  const built = (tag: string, dockerfile = '/repo/Dockerfile'): BuiltImage => ({
    tag,
    dockerfile,
    context: '/repo',
    via: 'compose service app',
    at: { file: '/repo/compose.yml', line: 1, kind: 'compose', text: `image: ${tag}` } as unknown as BuiltImage['at'],
  });

  it('an unset variable with a default names its default, as compose does; it is no wildcard', () => {
    const index = indexImages([built('${APP_IMAGE:-appwrite/appwrite}:${APP_VERSION:-latest}')]);
    expect([...index.byName.keys()]).toEqual(['appwrite/appwrite']);
    expect(findBuiltImage(index, 'appwrite/appwrite:1.6')).toBeDefined();
    // Regression: the whole name read as `.+` made every image of the repository "built here".
    for (const other of ['php:8-apache', 'mariadb:10', 'docker.io/library/redis:7', 'traefik:3.6']) expect(findBuiltImage(index, other)).toBeUndefined();
  });

  it('a variable registry or owner matches any registry, but only the image of that name', () => {
    const index = indexImages([built('${REGISTRY}/api:${TAG}'), built('${REG:-ghcr.io/org}/web', '/repo/web/Dockerfile')]);
    expect(findBuiltImage(index, 'ghcr.io/acme/api:2')?.tag).toBe('${REGISTRY}/api:${TAG}');
    expect(findBuiltImage(index, 'ghcr.io/org/web')?.dockerfile).toBe('/repo/web/Dockerfile');
    expect(findBuiltImage(index, 'ghcr.io/acme/apix:2')).toBeUndefined();
    expect(findBuiltImage(index, 'api')).toBeUndefined();
  });

  it('a build tagged with the very tag wins over one whose tag is a variable, whichever is read first', () => {
    const index = indexImages([built('org/app:$VERSION', '/repo/docker/Dockerfile'), built('org/app:build-healthcheck', '/repo/docker/Health.Dockerfile')]);
    expect(findBuiltImage(index, 'org/app:build-healthcheck')?.dockerfile).toBe('/repo/docker/Health.Dockerfile');
    expect(findBuiltImage(index, 'org/app:1.2')?.dockerfile).toBe('/repo/docker/Dockerfile');
  });

  it("a Make variable the evidence could not expand is a tag not known, as ${VERSION} is (miniflux's docker build -t $(DOCKER_IMAGE):$(VERSION))", () => {
    const index = indexImages([built('org/reader:$(VERSION)', '/repo/alpine/Dockerfile'), built('org/reader:$(VERSION)', '/repo/distroless/Dockerfile')]);
    expect(conflictingBuilds(index, 'org/reader:latest').map((b) => b.dockerfile)).toEqual(['/repo/alpine/Dockerfile', '/repo/distroless/Dockerfile']);
    expect(findBuiltImage(indexImages([built('org/reader:$(VERSION)', '/repo/alpine/Dockerfile'), built('org/reader:dev', '/repo/dev/Dockerfile')]), 'org/reader:latest')?.dockerfile).toBe('/repo/alpine/Dockerfile');
  });

  it('a name that is only a variable, with or without a default holding a slash, matches nothing it does not name', () => {
    const index = indexImages([built('${IMAGE}:1'), built('$IMAGE'), built('${IMAGE-}:dev')]);
    expect(index.patterns).toEqual([]);
    expect(findBuiltImage(index, 'postgres:16')).toBeUndefined();
  });
});
