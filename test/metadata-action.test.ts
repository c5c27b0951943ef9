// docker/metadata-action steps: the tags they make, read as patterns, link the build-push-action given
// `${{ steps.<id>.outputs.tags }}` to the compose `image:` / `docker run` tags it pushes.
import { describe, it, expect, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { metadataActionTags } from '../src/evidence/metadata-action.js';
import { findBuiltImage, indexImages, conflictingBuilds, type BuiltImage } from '../src/images.js';
import { runCli, writeTree } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const built = (tag: string, dockerfile: string): BuiltImage => ({ tag, dockerfile, context: '/r', via: 'docker/build-push-action', at: { file: '/r/.github/workflows/ci.yml', rel: '.github/workflows/ci.yml', line: 9, source: 'github-workflow', text: 'uses: docker/build-push-action@v6' } });
const linkedFile = (tags: Record<string, string[]>, ref: string) =>
  findBuiltImage(indexImages(Object.entries(tags).flatMap(([file, ts]) => ts.map((t) => built(t, file)))), ref)?.dockerfile;

describe('metadataActionTags', () => {
  it('makes semver patterns, latest per flavor, and raw values, for every image listed', () => {
    const tags = metadataActionTags(['org/app', 'ghcr.io/org/app'], 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=raw,value=stable\n', undefined)!;
    expect(tags).toEqual([
      'org/app:${{semver.version}}', 'org/app:${{semver.major}}.${{semver.minor}}', 'org/app:stable', 'org/app:latest',
      'ghcr.io/org/app:${{semver.version}}', 'ghcr.io/org/app:${{semver.major}}.${{semver.minor}}', 'ghcr.io/org/app:stable', 'ghcr.io/org/app:latest',
    ]);
  });
  it('applies flavor prefix and suffix (not to latest unless onlatest), a line overriding them, and skips enable=false', () => {
    expect(metadataActionTags(['org/app'], 'type=semver,pattern={{major}}\ntype=raw,value=edge,enable=false\ntype=raw,value=x,suffix=\n', 'latest=true\nsuffix=-alpine')).toEqual([
      'org/app:${{semver.major}}-alpine', 'org/app:x', 'org/app:latest',
    ]);
    expect(metadataActionTags(['org/app'], 'type=semver,pattern={{version}},prefix=v', 'latest=auto\nsuffix=-alpine,onlatest=true')).toEqual([
      'org/app:v${{semver.version}}-alpine', 'org/app:latest-alpine',
    ]);
  });
  it('latest=auto adds latest only for a Git tag version; latest=false never', () => {
    expect(metadataActionTags(['org/app'], 'type=ref,event=branch\ntype=sha', undefined)).toEqual(['org/app:${{git.ref_name}}', 'org/app:sha-${{git.short_sha}}']);
    expect(metadataActionTags(['org/app'], 'type=semver,pattern={{version}}', 'latest=false')).toEqual(['org/app:${{semver.version}}']);
  });
  it('without tags: the default tags (branch, Git tag, pull request, schedule) and latest', () => {
    expect(metadataActionTags(['org/app'], undefined, undefined)).toEqual(['org/app:nightly', 'org/app:${{git.ref_name}}', 'org/app:pr-${{pr.number}}', 'org/app:latest']);
  });
  it('a type or flavor it does not read gives undefined (the caller keeps the bare names)', () => {
    expect(metadataActionTags(['org/app'], 'type=match,pattern=v(.*),group=1', undefined)).toBeUndefined();
    expect(metadataActionTags(['org/app'], 'type=raw,value=1', 'latest=${{ github.ref == \'refs/heads/main\' }}')).toBeUndefined();
    expect(metadataActionTags([], 'type=raw,value=1', undefined)).toBeUndefined();
  });
});

describe('tag patterns in the image index', () => {
  const tags = { '/r/Dockerfile': metadataActionTags(['org/app'], 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}', 'latest=false')! };
  it('a semver pattern matches release versions and nothing else', () => {
    for (const ref of ['org/app:1.9.6', 'org/app:1.9', 'org/app:2.0.8-beta.67']) expect(linkedFile(tags, ref)).toBe('/r/Dockerfile');
    // not a tag it makes: linked as today, by name (one Dockerfile builds org/app)
    expect(findBuiltImage(indexImages(tags['/r/Dockerfile'].map((t) => built(t, '/r/Dockerfile'))), 'org/app:latest')?.dockerfile).toBe('/r/Dockerfile');
  });
  it('a suffix variant and the plain build: each tag links to its own Dockerfile', () => {
    const two = {
      '/r/Dockerfile': metadataActionTags(['org/app'], 'type=raw,value=latest\ntype=semver,pattern={{version}},prefix=v', 'latest=false')!,
      '/r/Dockerfile.alpine': metadataActionTags(['org/app'], 'type=raw,value=alpine\ntype=semver,pattern={{version}},prefix=v,suffix=-alpine', 'latest=false')!,
    };
    expect(linkedFile(two, 'org/app:latest')).toBe('/r/Dockerfile');
    expect(linkedFile(two, 'org/app')).toBe('/r/Dockerfile');
    expect(linkedFile(two, 'org/app:v8.1.2')).toBe('/r/Dockerfile');
    expect(linkedFile(two, 'org/app:v8.1.2-alpine')).toBe('/r/Dockerfile.alpine');
    expect(linkedFile(two, 'org/app:alpine')).toBe('/r/Dockerfile.alpine');
  });
  it('a tag that matches the patterns of two builds links to neither and is named a conflict', () => {
    const both = {
      '/r/Dockerfile': metadataActionTags(['org/app'], 'type=semver,pattern={{version}}', undefined)!,
      '/r/Dockerfile.other': metadataActionTags(['org/app'], 'type=semver,pattern={{major}}.{{minor}}.{{patch}}', 'latest=false')!,
    };
    const index = indexImages(Object.entries(both).flatMap(([file, ts]) => ts.map((t) => built(t, file))));
    expect(findBuiltImage(index, 'org/app:1.2.3')).toBeUndefined();
    expect(conflictingBuilds(index, 'org/app:1.2.3').map((b) => b.dockerfile).sort()).toEqual(['/r/Dockerfile', '/r/Dockerfile.other']);
    // a branch-name tag (any tag) loses to a build whose tag pattern says more
    const branch = {
      '/r/Dockerfile': metadataActionTags(['org/app'], undefined, undefined)!,
      '/r/Dockerfile.alpine': metadataActionTags(['org/app'], 'type=semver,pattern={{version}}', 'suffix=-alpine')!,
    };
    expect(linkedFile(branch, 'org/app:1.2.3-alpine')).toBe('/r/Dockerfile.alpine');
    expect(linkedFile(branch, 'org/app:main')).toBe('/r/Dockerfile');
    // {{raw}}: the Git tag as pushed, `v` or not
    const raw = { '/r/Dockerfile': metadataActionTags(['org/app'], 'type=semver,pattern={{raw}}', 'latest=false')! };
    for (const ref of ['org/app:v2.1.0', 'org/app:2.1.0']) expect(linkedFile(raw, ref)).toBe('/r/Dockerfile');
    // latest only the first makes (latest=auto with semver)
    expect(findBuiltImage(index, 'org/app:latest')?.dockerfile).toBe('/r/Dockerfile');
  });
});

describe('a workflow with metadata-action steps', () => {
  it('links compose image tags and docker run to the build whose tags match', async () => {
    const dir = writeTree({
      'Dockerfile': 'FROM node:22-slim\nCMD ["node", "server.js"]\n',
      'Dockerfile.alpine': 'FROM node:22-alpine\nCMD ["node", "server.js"]\n',
      'compose.yml': 'services:\n  plain:\n    image: org/app:v2.3.4\n  small:\n    image: org/app:v2.3.4-alpine\n  edge:\n    image: org/app:latest\n',
      'install.sh': '#!/bin/sh\ndocker run -d org/app:v2.3-alpine\n',
      '.github/workflows/release.yml': [
        'on: push',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - id: meta',
        '        uses: docker/metadata-action@v5',
        '        with:',
        '          images: |',
        '            org/app',
        '            ghcr.io/org/app',
        '          tags: |',
        '            type=raw,value=latest',
        '            type=semver,pattern={{version}},prefix=v',
        '          flavor: latest=false',
        '      - id: meta-alpine',
        '        uses: docker/metadata-action@v5',
        '        with:',
        '          images: org/app',
        '          tags: |',
        '            type=semver,pattern={{version}},prefix=v',
        '            type=semver,pattern={{major}}.{{minor}},prefix=v',
        '          flavor: |',
        '            latest=false',
        '            suffix=-alpine',
        '      - uses: docker/build-push-action@v6',
        '        with:',
        '          push: true',
        '          tags: ${{ steps.meta.outputs.tags }}',
        '      - uses: docker/build-push-action@v6',
        '        with:',
        '          file: Dockerfile.alpine',
        '          push: true',
        '          tags: ${{ steps.meta-alpine.outputs.tags }}',
        '',
      ].join('\n'),
    });
    dirs.push(dir);
    const r = await runCli(['--explain', '--format', 'json', '.'], dir);
    expect(r.code, r.stderr).toBe(0);
    const explain = JSON.parse(r.stdout);
    const byService = Object.fromEntries(explain.services.map((s: any) => [s.name, s.dockerfile]));
    expect(byService).toMatchObject({ plain: 'Dockerfile', small: 'Dockerfile.alpine', edge: 'Dockerfile' });
  });
});
