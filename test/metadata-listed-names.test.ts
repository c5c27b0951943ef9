// Images the repository builds under a name compose runs, read through docker/metadata-action: an image name that is
// one CI expression listed beside a name built here (dockur/dnsmasq: `${{ secrets.DOCKERHUB_REPO }}` with
// `ghcr.io/${{ github.repository }}`, compose runs dockurr/dnsmasq), the action's JSON and version outputs, and the
// bake file it writes for docker/bake-action (`${{ steps.meta.outputs.bake-file }}`).
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { listedPlaceholderNames, type BuiltImage, type ListedName } from '../src/images.js';
import { evidenceOfTree, explainServices, hardenTree, toCrlf, writeTree } from './helpers.js';

const APP = 'FROM node:22-slim\nWORKDIR /app\nCOPY . .\nUSER node\nCMD ["node", "server.js"]\n';
const REMOTE = '[remote "origin"]\n\turl = https://github.com/dockur/dnsmasq.git\n';
const servicesRun = (tree: Record<string, string>) => explainServices(writeTree(tree));

/** A workflow with one metadata-action step (images as given) and a build-push-action pushing its tags. */
function metaWorkflow(images: string[], buildTags = '${{ steps.meta.outputs.tags }}', extra = ''): string {
  return [
    'on:',
    '  push:',
    '    branches: [master]',
    '  workflow_dispatch:',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - name: Docker metadata',
    '        id: meta',
    '        uses: docker/metadata-action@v5',
    '        with:',
    '          images: |',
    ...images.map((i) => `            ${i}`),
    '          tags: |',
    '            type=raw,value=latest',
    '            type=sha',
    extra,
    '      - uses: docker/build-push-action@v6',
    '        with:',
    '          context: .',
    '          push: true',
    `          tags: ${buildTags}`,
    '',
  ].join('\n');
}

describe('an image name that is one expression, listed with a name built here', () => {
  const at = { file: '/r/.github/workflows/ci.yml', rel: '.github/workflows/ci.yml', line: 9, source: 'github-workflow' as const, text: 'uses: docker/metadata-action@v5' };
  const built = (tag: string): BuiltImage => ({ tag, dockerfile: '/r/Dockerfile', context: '/r', via: 'docker/build-push-action', at });
  const listed = (source: string, target: string): ListedName => ({ source, target, via: 'docker/metadata-action images', at });
  const none = () => undefined;

  it('reads it as the only image the repository runs ending in that last name, keeping the tag part', () => {
    const [p] = listedPlaceholderNames([listed('ghcr.io/dockur/dnsmasq', '${{ secrets.DOCKERHUB_REPO }}')], [built('ghcr.io/dockur/dnsmasq:latest')], ['dockurr/dnsmasq', 'postgres:16'], none);
    expect(p!.resolved?.tag).toBe('dockurr/dnsmasq:latest');
    expect(p!.note).toMatch(/read as dockurr\/dnsmasq, the only image ending in \/dnsmasq/);
  });

  it("several: the repository owner's, else none; never an official image, the listed name itself, or a name built here", () => {
    const two = ['alice/dnsmasq', 'bob/dnsmasq:2'];
    const l = [listed('ghcr.io/bob/dnsmasq', '${{ secrets.IMAGE }}')];
    const b = [built('ghcr.io/bob/dnsmasq:latest')];
    expect(listedPlaceholderNames(l, b, two, none)[0]!.resolved).toBeUndefined();
    expect(listedPlaceholderNames(l, b, two, none)[0]!.note).toMatch(/2 images ending in \/dnsmasq it could be \(alice\/dnsmasq, bob\/dnsmasq\): not linked/);
    expect(listedPlaceholderNames(l, b, two, () => ({ owner: 'bob', from: 'git remote' }))[0]!.resolved?.tag).toBe('bob/dnsmasq:latest');
    // `dnsmasq` alone is an official image (no owner): not this build, whatever its name.
    expect(listedPlaceholderNames(l, b, ['dnsmasq:2.90'], none)[0]!.resolved).toBeUndefined();
    expect(listedPlaceholderNames(l, b, ['ghcr.io/bob/dnsmasq'], none)[0]!.resolved).toBeUndefined();
    expect(listedPlaceholderNames(l, [...b, built('carol/dnsmasq:1')], ['carol/dnsmasq'], none)[0]!.resolved).toBeUndefined();
  });

  it('only whole-expression names from a metadata-action list: not `docker tag`, not an owner placeholder', () => {
    const b = [built('ghcr.io/dockur/dnsmasq:latest')];
    expect(listedPlaceholderNames([{ ...listed('ghcr.io/dockur/dnsmasq', '${{ secrets.X }}'), via: 'docker tag' }], b, ['dockurr/dnsmasq'], none)).toEqual([]);
    expect(listedPlaceholderNames([listed('ghcr.io/dockur/dnsmasq', '${{ secrets.USER }}/dnsmasq')], b, ['dockurr/dnsmasq'], none)).toEqual([]);
    expect(listedPlaceholderNames([listed('ghcr.io/${{ github.repository }}', '${{ secrets.X }}')], b, ['dockurr/dnsmasq'], none)).toEqual([]);
  });

  it("end to end: dnsmasq's shape (Git remote, secret first, ghcr second) links compose's dockurr/dnsmasq; CRLF the same", async () => {
    for (const crlf of [false, true]) {
      const wf = metaWorkflow(['${{ secrets.DOCKERHUB_REPO }}', 'ghcr.io/${{ github.repository }}']);
      const tree = { Dockerfile: APP, '.git/config': REMOTE, '.github/workflows/build.yml': crlf ? toCrlf(wf) : wf, 'compose.yml': 'services:\n  dnsmasq:\n    image: dockurr/dnsmasq\n  db:\n    image: postgres:16\n' };
      const { byService, explain } = await servicesRun(tree);
      expect(byService).toEqual({ dnsmasq: 'Dockerfile', db: null });
      const link = explain.tagLinks.find((t: any) => t.tag === 'dockurr/dnsmasq');
      expect(link.linked).toBe(true);
      expect(link.builds[0].via).toMatch(/\$\{\{ secrets\.DOCKERHUB_REPO \}\} \(listed with ghcr\.io\/dockur\/dnsmasq\) read as dockurr\/dnsmasq/);
    }
  });

  it('end to end: without a Git remote the listed name is not known, and nothing is linked (no guess)', async () => {
    const tree = { Dockerfile: APP, '.github/workflows/build.yml': metaWorkflow(['${{ secrets.DOCKERHUB_REPO }}', 'ghcr.io/${{ github.repository }}']), 'compose.yml': 'services:\n  dnsmasq:\n    image: dockurr/dnsmasq\n' };
    expect((await servicesRun(tree)).byService).toEqual({ dnsmasq: null });
  });

  it('end to end: a tag compose runs that the step does not make is not linked (dockurr/dnsmasq:2.90 vs latest and sha-)', async () => {
    const tree = { Dockerfile: APP, '.git/config': REMOTE, '.github/workflows/build.yml': metaWorkflow(['${{ vars.HUB_IMAGE }}', 'ghcr.io/dockur/dnsmasq']), 'compose.yml': 'services:\n  dnsmasq:\n    image: dockurr/dnsmasq:2.90\n' };
    // The name is the build's, the tag is none of its: every build of that name comes from one Dockerfile, so it links
    // as any other tag of a name built here does (images.ts candidateBuilds).
    expect((await servicesRun(tree)).byService).toEqual({ dnsmasq: 'Dockerfile' });
    const other = { ...tree, 'compose.yml': 'services:\n  dnsmasq:\n    image: someone/other\n' };
    expect((await servicesRun(other)).byService).toEqual({ dnsmasq: null });
  });
});

describe("docker/metadata-action's JSON and version outputs", () => {
  const compose = 'services:\n  web:\n    image: acme/web:latest\n';

  it.each([
    ['${{ fromJSON(steps.meta.outputs.json).tags }}'],
    ["${{ join(fromJSON(steps.meta.outputs.json).tags, ',') }}"],
    ['${{ steps.meta.outputs.tags }}'],
  ])('tags: %s gives the tags the step makes', async (tags) => {
    const { ev } = await evidenceOfTree({ Dockerfile: APP, '.github/workflows/ci.yml': metaWorkflow(['acme/web'], tags) });
    expect(ev.builds.map((b) => b.tags)).toEqual([['acme/web:latest', 'acme/web:sha-${{git.short_sha}}']]);
    expect((await servicesRun({ Dockerfile: APP, '.github/workflows/ci.yml': metaWorkflow(['acme/web'], tags), 'compose.yml': compose })).byService).toEqual({ web: 'Dockerfile' });
  });

  it('a tag built from ${{ steps.meta.outputs.version }}: each version the step can make (latest only when it is all)', async () => {
    const { ev } = await evidenceOfTree({ Dockerfile: APP, '.github/workflows/ci.yml': metaWorkflow(['acme/web'], 'acme/web:${{ steps.meta.outputs.version }}') });
    expect(ev.builds.map((b) => b.tags)).toEqual([['acme/web:sha-${{git.short_sha}}']]);
    const only = metaWorkflow(['acme/web'], 'acme/web:${{ steps.meta.outputs.version }}').replace('            type=sha\n', '');
    expect((await evidenceOfTree({ Dockerfile: APP, '.github/workflows/ci.yml': only })).ev.builds.map((b) => b.tags)).toEqual([['acme/web:latest']]);
  });

  it('a step whose tags line is not read gives no version: the tag stays as written', async () => {
    const wf = metaWorkflow(['acme/web'], 'acme/web:${{ steps.meta.outputs.version }}').replace('type=sha', 'type=raw,value=${{ steps.v.outputs.x }}-${{ github.run_id }}');
    const { ev } = await evidenceOfTree({ Dockerfile: APP, '.github/workflows/ci.yml': wf });
    expect(ev.builds.map((b) => b.tags)).toEqual([['acme/web:${{ steps.meta.outputs.version }}']]);
  });
});

describe("docker/bake-action with docker/metadata-action's bake file", () => {
  /** A workflow: metadata-action (bake-target as given) then bake-action with the repository's file and the step's bake file. */
  function bakeWorkflow(files: string[], bakeTarget?: string, matrix = false): string {
    return [
      'on: push',
      'jobs:',
      '  bake:',
      '    runs-on: ubuntu-latest',
      ...(matrix ? ['    strategy:', '      matrix:', '        image: [web, worker]'] : []),
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - id: meta',
      '        uses: docker/metadata-action@v5',
      '        with:',
      `          images: ${matrix ? 'acme/${{ matrix.image }}' : 'acme/web'}`,
      '          tags: type=raw,value=edge',
      ...(bakeTarget ? [`          bake-target: ${bakeTarget}`] : []),
      '      - uses: docker/bake-action@v5',
      '        with:',
      '          push: true',
      ...(matrix ? ['          targets: ${{ matrix.image }}'] : []),
      '          files: |',
      ...files.map((f) => `            ${f}`),
      '',
    ].join('\n');
  }
  const HCL = [
    'target "docker-metadata-action" {}',
    'target "web" {',
    '  inherits = ["docker-metadata-action"]',
    '  context = "web"',
    '}',
    'target "tagged" {',
    '  inherits = ["docker-metadata-action"]',
    '  context = "web"',
    '  tags = ["acme/tagged:dev"]',
    '}',
    'target "plain" {',
    '  context = "worker"',
    '  tags = ["acme/plain"]',
    '}',
    '',
  ].join('\n');
  const tree = { 'web/Dockerfile': APP, 'worker/Dockerfile': APP };
  const tagsOf = (ev: Awaited<ReturnType<typeof evidenceOfTree>>['ev'], dir: string) =>
    ev.builds.filter((b) => b.at.source === 'bake').map((b) => [b.via, path.relative(dir, b.dockerfile), b.tags]);

  it('HCL: a target inheriting docker-metadata-action takes its tags; one with tags of its own, or none inherited, keeps them', async () => {
    for (const files of [['./docker-bake.hcl', '${{ steps.meta.outputs.bake-file }}'], ['./docker-bake.hcl', 'cwd://${{ steps.meta.outputs.bake-file-tags }}']]) {
      const { ev, dir } = await evidenceOfTree({ ...tree, 'docker-bake.hcl': HCL, '.github/workflows/bake.yml': bakeWorkflow(files) });
      expect(tagsOf(ev, dir)).toEqual([
        ['bake target web', 'web/Dockerfile', ['acme/web:edge']],
        ['bake target tagged', 'web/Dockerfile', ['acme/tagged:dev']],
        ['bake target plain', 'worker/Dockerfile', ['acme/plain']],
      ]);
    }
  });

  it('JSON bake file, through a template target, and a bake-target of its own', async () => {
    const json = JSON.stringify({
      target: {
        meta: {},
        base: { inherits: ['meta'], dockerfile: 'Dockerfile' },
        web: { inherits: ['base'], context: 'web' },
      },
    });
    const { ev, dir } = await evidenceOfTree({ ...tree, 'docker-bake.json': json, '.github/workflows/bake.yml': bakeWorkflow(['docker-bake.json', '${{ steps.meta.outputs.bake-file }}'], 'meta') });
    expect(tagsOf(ev, dir)).toEqual([['bake target web', 'web/Dockerfile', ['acme/web:edge']]]);
    // The default bake-target name does not match `meta`: nothing taken.
    const { ev: ev2, dir: dir2 } = await evidenceOfTree({ ...tree, 'docker-bake.json': json, '.github/workflows/bake.yml': bakeWorkflow(['docker-bake.json', '${{ steps.meta.outputs.bake-file }}']) });
    expect(tagsOf(ev2, dir2)).toEqual([['bake target web', 'web/Dockerfile', []]]);
  });

  it('a bake-action not given the bake file, or a bake file of another step, changes nothing', async () => {
    const { ev, dir } = await evidenceOfTree({ ...tree, 'docker-bake.hcl': HCL, '.github/workflows/bake.yml': bakeWorkflow(['./docker-bake.hcl', '${{ steps.other.outputs.bake-file }}']) });
    expect(tagsOf(ev, dir).map((t) => t[2])).toEqual([[], ['acme/tagged:dev'], ['acme/plain']]);
  });

  it('end to end: compose runs acme/web:edge and is judged by web/Dockerfile', async () => {
    const full = { ...tree, 'docker-bake.hcl': HCL, '.github/workflows/bake.yml': bakeWorkflow(['./docker-bake.hcl', '${{ steps.meta.outputs.bake-file }}']), 'compose.yml': 'services:\n  web:\n    image: acme/web:edge\n' };
    expect((await servicesRun(full)).byService).toEqual({ web: 'web/Dockerfile' });
  });
});

describe('a commented-out build: beside an image nothing here builds (hackmd)', () => {
  const compose = (build: string) => `services:\n  app:\n    # Uncomment to build the image yourself:\n${build}    image: hackmdio/hackmd:1.2.0\n`;
  const block = '    #build:\n    #  context: .\n    #  dockerfile: debian/Dockerfile\n';
  const tree = { 'debian/Dockerfile': 'FROM node:20-bookworm-slim\nCMD ["node", "app.js"]\n', 'alpine/Dockerfile': 'FROM node:20-alpine\nCMD ["node", "app.js"]\n' };

  it('cap-drop and read-only stay manual and name the Dockerfile the comment builds as a guess; LF and CRLF', async () => {
    for (const text of [compose(block), toCrlf(compose(block)), compose('    # build: ./debian\n')]) {
      const { result, changed } = await hardenTree({ ...tree, 'compose.yml': text }, ['compose/cap-drop', 'compose/read-only']);
      for (const id of ['compose/cap-drop', 'compose/read-only']) {
        const f = result.engine.findings.find((x) => x.transform === id)!;
        expect(f.fix).toBeUndefined();
        expect(f.message).toContain('unknown image hackmdio/hackmd:1.2.0 (its build: is commented out in compose.yml, so whether debian/Dockerfile, which that comment builds, makes this image is a guess, and it is not followed)');
      }
      expect(changed['compose.yml']).toBeUndefined();
    }
  });

  it('no hint where the comment names no Dockerfile here, or the image is one the table knows', async () => {
    const missing = await hardenTree({ 'compose.yml': compose(block) }, ['compose/cap-drop']);
    expect(missing.result.engine.findings[0]!.message).toBe('service app: unknown image hackmdio/hackmd:1.2.0: which capabilities it needs is not known; no capabilities dropped');
    const known = await hardenTree({ ...tree, 'compose.yml': compose(block).replace('hackmdio/hackmd:1.2.0', 'postgres:16') }, ['compose/cap-drop']);
    expect(known.result.engine.findings[0]!.message).not.toContain('commented out');
  });
});
