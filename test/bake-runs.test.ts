// A bake file run with -f from another folder: Docker resolves its contexts
// against the folder the command runs in (docker/buildx#1028), `--set
// *.context=` moves them, and docker/bake-action runs in its `workdir`.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { recognize } from '../src/evidence/commands.js';
import { shellCommands } from '../src/evidence/shell.js';
import { evidenceOfTree, explainServices, writeTree } from './helpers.js';

async function bakeBuilds(tree: Record<string, string>) {
  const { dir, ev } = await evidenceOfTree(tree);
  return ev.builds.filter((b) => b.at.source === 'bake').map((b) => ({ target: b.via, dockerfile: path.relative(dir, b.dockerfile), context: path.relative(dir, b.context) || '.', tags: b.tags, text: b.at.text }));
}

const APP = 'FROM debian:bookworm-slim\nCMD ["sleep", "1"]\n';
const BAKE = 'group "default" {\n  targets = ["app", "worker"]\n}\ntarget "app" {\n  context = "src/app"\n  tags = ["acme/app"]\n}\ntarget "worker" {\n  context = "."\n  dockerfile = "worker/Dockerfile"\n  tags = ["acme/worker"]\n}\n';

describe('bake -f from another folder', () => {
  it('reads --set PATTERN.context=VALUE', () => {
    const inv = recognize(shellCommands('docker buildx bake --set "*.context=${BASEDIR}/.." -f docker/docker-bake.hcl --set app.platform=linux/amd64 --set=app.context=. app')[0]!.words);
    expect(inv).toMatchObject({ kind: 'bake', files: ['docker/docker-bake.hcl'], targets: ['app'], contextSets: [{ pattern: '*', value: '${BASEDIR}/..' }, { pattern: 'app', value: '.' }] });
  });

  it('a script at the root: contexts from the root, not from docker/', async () => {
    const tree = { 'docker/docker-bake.hcl': BAKE, 'src/app/Dockerfile': APP, 'worker/Dockerfile': APP, 'build.sh': '#!/bin/sh\nset -e\ndocker buildx bake -f docker/docker-bake.hcl\n' };
    const got = await bakeBuilds(tree);
    expect(got.map(({ text, ...b }) => b)).toEqual([
      { target: 'bake target app', dockerfile: 'src/app/Dockerfile', context: 'src/app', tags: ['acme/app'] },
      { target: 'bake target worker', dockerfile: 'worker/Dockerfile', context: '.', tags: ['acme/worker'] },
    ]);
    expect(got[0]!.text).toMatch(/run by build\.sh:3; contexts from \., where it runs/);
    // Not run with -f by anything: read from its own folder, as `docker buildx bake` there reads it.
    const alone = await bakeBuilds({ 'docker/docker-bake.hcl': BAKE, 'docker/src/app/Dockerfile': APP, 'docker/worker/Dockerfile': APP });
    expect(alone.map((b) => [b.dockerfile, b.context])).toEqual([
      ['docker/src/app/Dockerfile', 'docker/src/app'],
      ['docker/worker/Dockerfile', 'docker'],
    ]);
  });

  it("vaultwarden's shape: a script in docker/ that sets *.context to its parent; a Makefile in a subfolder after cd", async () => {
    const script = '#!/usr/bin/env bash\nBASEDIR=$(RL=$(readlink -n "$0"); SP="${RL:-$0}"; dirname "$(cd "$(dirname "${SP}")" || exit; pwd)/$(basename "${SP}")")\nBASEDIR="$(dirname "$0")"\ndocker buildx bake --progress plain --set "*.context=${BASEDIR}/.." -f "${BASEDIR}/docker-bake.hcl" "$@"\n';
    const bake = 'target "debian" {\n  dockerfile = "docker/Dockerfile.debian"\n  tags = ["vaultwarden/server:testing"]\n}\n';
    const got = await bakeBuilds({ 'docker/bake.sh': script, 'docker/docker-bake.hcl': bake, 'docker/Dockerfile.debian': APP });
    expect(got.map((b) => [b.dockerfile, b.context])).toEqual([['docker/Dockerfile.debian', '.']]);
    expect(got[0]!.text).toMatch(/with --set \*\.context=/);
    const make = await bakeBuilds({ 'ops/Makefile': 'build:\n\tcd .. && docker buildx bake -f ops/bake/docker-bake.hcl\n', 'ops/bake/docker-bake.hcl': BAKE, 'src/app/Dockerfile': APP, 'worker/Dockerfile': APP });
    expect(make.map((b) => [b.dockerfile, b.context])).toEqual([
      ['src/app/Dockerfile', 'src/app'],
      ['worker/Dockerfile', '.'],
    ]);
  });

  it('a run whose folder has no such Dockerfile keeps the file-folder reading (Docker would fail there)', async () => {
    const got = await bakeBuilds({ 'docker/docker-bake.hcl': BAKE, 'docker/src/app/Dockerfile': APP, 'docker/worker/Dockerfile': APP, 'build.sh': '#!/bin/sh\ndocker buildx bake -f docker/docker-bake.hcl\n' });
    expect(got.map((b) => b.dockerfile)).toEqual(['docker/src/app/Dockerfile', 'docker/worker/Dockerfile']);
  });

  it('docker/bake-action: files (cwd:// too) in workdir, set lines, CRLF', async () => {
    const wf = (w: string) =>
      `on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/bake-action@v6\n        with:\n${w}`;
    const tree = { 'docker/docker-bake.hcl': BAKE, 'src/app/Dockerfile': APP, 'worker/Dockerfile': APP };
    const root = await bakeBuilds({ ...tree, '.github/workflows/b.yml': wf('          files: cwd://docker/docker-bake.hcl\n          push: true\n') });
    expect(root.map((b) => [b.dockerfile, b.context])).toEqual([
      ['src/app/Dockerfile', 'src/app'],
      ['worker/Dockerfile', '.'],
    ]);
    const crlf = await bakeBuilds({ ...tree, '.github/workflows/b.yml': wf('          files: |\n            ./docker/docker-bake.hcl\n          set: |\n            app.context=src/app\n').replace(/\n/g, '\r\n') });
    expect(crlf.map((b) => [b.dockerfile, b.context])).toEqual([
      ['src/app/Dockerfile', 'src/app'],
      ['worker/Dockerfile', '.'],
    ]);
    expect(crlf[0]!.text).toMatch(/b\.yml:7 with --set app\.context=src\/app/);
    // workdir: the bake file's folder itself; its contexts then read from there.
    const inDocker = await bakeBuilds({ 'docker/docker-bake.hcl': BAKE, 'docker/src/app/Dockerfile': APP, 'docker/worker/Dockerfile': APP, '.github/workflows/b.yml': wf('          workdir: docker\n          files: docker-bake.hcl\n') });
    expect(inDocker.map((b) => b.dockerfile)).toEqual(['docker/src/app/Dockerfile', 'docker/worker/Dockerfile']);
  });

  it('end to end: the compose service running acme/app is judged by the Dockerfile the root-run bake builds', async () => {
    const { explain } = await explainServices(writeTree({ 'docker/docker-bake.hcl': BAKE, 'src/app/Dockerfile': APP, 'worker/Dockerfile': APP, 'build.sh': '#!/bin/sh\ndocker buildx bake -f docker/docker-bake.hcl\n', 'compose.yaml': 'services:\n  app:\n    image: acme/app\n' }));
    expect(explain.services[0].dockerfile).toBe('src/app/Dockerfile');
    expect(explain.dockerfiles.find((d: any) => d.file === 'src/app/Dockerfile').contexts).toEqual(['src/app']);
  });
});
