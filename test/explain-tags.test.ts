// --explain: for each image tag the repository runs that its builds name, the
// builds behind it (Dockerfile, target, the line that builds it), and a note
// when a tag cannot be linked; JSON valid against docs/explain.schema.json.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { REPO, runCli, writeTree } from './helpers.js';

const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(path.join(REPO, 'docs/explain.schema.json'), 'utf8')));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function explain(tree: Record<string, string>): Promise<{ json: any; text: string }> {
  const dir = writeTree(tree);
  dirs.push(dir);
  const j = await runCli(['--explain', '--format', 'json', '.'], dir);
  expect(j.code, j.stderr).toBe(0);
  const json = JSON.parse(j.stdout);
  expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  const t = await runCli(['--explain', '.'], dir);
  return { json, text: t.stdout };
}

const APP = 'FROM debian:bookworm-slim AS base\nCMD ["sleep", "1"]\n\nFROM base AS prod\nCMD ["app"]\n';

describe('--explain: image tags and the builds behind them', () => {
  it('a tag run by compose and docker run, built by a script with --target: linked, with both lines', async () => {
    const { json, text } = await explain({
      Dockerfile: APP,
      'build.sh': '#!/bin/sh\ndocker build --target prod -t acme/app:1.0 .\ndocker run -d -p 80:80 acme/app:1.0\n',
      'compose.yaml': 'services:\n  web:\n    image: acme/app:1.0\n  db:\n    image: postgres:16\n  own:\n    image: acme/own\n    build: .\n',
    });
    expect(json.tagLinks).toEqual([
      {
        tag: 'acme/app:1.0',
        usedBy: [
          { file: 'compose.yaml', line: 2, source: 'compose', text: 'service web: image acme/app:1.0' },
          { file: 'build.sh', line: 3, source: 'shell', text: 'docker run -d -p 80:80 acme/app:1.0' },
        ],
        builds: [{ dockerfile: 'Dockerfile', target: 'prod', via: 'docker build', evidence: { file: 'build.sh', line: 2, source: 'shell', text: 'docker build --target prod -t acme/app:1.0 .' } }],
        linked: true,
        note: null,
      },
    ]);
    expect(text).toMatch(/Image tags and the builds behind them \(1\)\n {2}acme\/app:1\.0 {2}used at compose\.yaml:2, build\.sh:3\n {4}Dockerfile \(target prod\) by docker build {2}build\.sh:2/);
  });

  it('two Dockerfiles pushed under one tag: both builds, not linked, and why', async () => {
    const { json, text } = await explain({
      Dockerfile: APP,
      'Dockerfile.alpine': 'FROM alpine:3.20\nCMD ["app"]\n',
      Makefile: 'push:\n\tdocker build -t acme/app .\n\tdocker build -f Dockerfile.alpine -t acme/app .\n',
      'compose.yaml': 'services:\n  web:\n    image: acme/app\n',
    });
    const [t] = json.tagLinks;
    expect(t.linked).toBe(false);
    expect(t.builds.map((b: any) => [b.dockerfile, b.evidence.line])).toEqual([
      ['Dockerfile', 2],
      ['Dockerfile.alpine', 3],
    ]);
    expect(t.note).toMatch(/2 builds here are tagged so, from Dockerfile and Dockerfile\.alpine; .* not linked/);
    expect(text).toMatch(/acme\/app {2}not linked/);
  });

  it('CI expressions: a settled owner says what it was read as; one that nothing settles, and a name that is only a variable, are notes', async () => {
    const wf =
      'on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ${{ secrets.DOCKERHUB_USERNAME }}/app:latest\n' +
      '      - uses: docker/build-push-action@v6\n        with:\n          context: worker\n          tags: ${{ secrets.DOCKERHUB_USERNAME }}/worker\n      - run: docker build -t "$IMAGE" tools\n';
    const { json, text } = await explain({
      Dockerfile: APP,
      'worker/Dockerfile': APP,
      'tools/Dockerfile': APP,
      '.github/workflows/ci.yml': wf,
      'compose.yaml': 'services:\n  web:\n    image: acme/app:latest\n',
    });
    const byTag = Object.fromEntries(json.tagLinks.map((t: any) => [t.tag, t]));
    expect(Object.keys(byTag)).toEqual(['acme/app:latest', '${{ secrets.DOCKERHUB_USERNAME }}/worker', '$IMAGE']);
    expect(byTag['acme/app:latest'].linked).toBe(true);
    expect(byTag['acme/app:latest'].builds[0].via).toMatch(/\$\{\{ secrets\.DOCKERHUB_USERNAME \}\}\/app read as acme\/app/);
    expect(byTag['${{ secrets.DOCKERHUB_USERNAME }}/worker'].note).toMatch(/no image the repository runs .* ends in "…\/worker": not linked/);
    expect(byTag.$IMAGE.note).toMatch(/only a variable/);
    expect(text).toMatch(/\$\{\{ secrets\.DOCKERHUB_USERNAME \}\}\/worker {2}not linked/);
  });

  it('nothing run here is built here: an empty list, and no section in the text', async () => {
    const { json, text } = await explain({ Dockerfile: APP, 'compose.yaml': 'services:\n  db:\n    image: postgres:16\n  app:\n    build: .\n' });
    expect(json.tagLinks).toEqual([]);
    expect(text).not.toMatch(/Image tags and the builds/);
  });
});
