// docker/metadata-action steps: the tags they make, read as patterns, link the build-push-action given
// `${{ steps.<id>.outputs.tags }}` to the compose `image:` / `docker run` tags it pushes.
import { describe, it, expect } from 'vitest';
import { metadataActionTags, workflowRefs, ANY_REFS, type WorkflowRefs } from '../src/evidence/metadata-action.js';
import { findBuiltImage, indexImages, conflictingBuilds, type BuiltImage } from '../src/images.js';
import { evidenceOfTree, explainServices, writeTree } from './helpers.js';

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
    expect(metadataActionTags(['org/app'], 'type=match,pattern=v(.*),group=1,value=${{ inputs.version }}', undefined)).toBeUndefined();
    expect(metadataActionTags(['org/app'], "type=raw,value={{is_default_branch}}", undefined)).toBeUndefined();
    expect(metadataActionTags(['org/app'], "type=schedule,pattern={{date 'dddd'}}", undefined)).toBeUndefined();
    expect(metadataActionTags(['org/app'], 'type=raw,value=1', 'latest=${{ github.ref == \'refs/heads/main\' }}')).toBeUndefined();
    expect(metadataActionTags([], 'type=raw,value=1', undefined)).toBeUndefined();
  });
});

// Shapes from real workflows: dozzle's dev.yml (push to master and pull requests, default tags), zulip's
// dockerfile-build.yaml (type=match on bare-numeric Git tags), a sha tag with a date prefix (a `{{date}}` prefix).
describe('the workflow\'s on: events', () => {
  const refsOf = (on: unknown): WorkflowRefs => workflowRefs(on);
  it('reads push branch and tag filters, pull requests, schedules and the events that run on any ref', () => {
    expect(refsOf('push')).toEqual({ branches: 'any', tags: 'any', pullRequests: false, schedule: false });
    expect(refsOf(['push', 'pull_request'])).toEqual({ branches: 'any', tags: 'any', pullRequests: true, schedule: false });
    expect(refsOf({ push: { branches: ['master'] }, pull_request: { branches: ['master'] } })).toEqual({ branches: ['master'], tags: [], pullRequests: true, schedule: false });
    expect(refsOf({ push: { tags: ['v*'] } })).toEqual({ branches: [], tags: 'any', pullRequests: false, schedule: false });
    expect(refsOf({ push: { branches: ['main', 'release/**'], tags: ['1.0'] } })).toEqual({ branches: 'any', tags: ['1.0'], pullRequests: false, schedule: false });
    expect(refsOf({ push: { 'branches-ignore': ['wip'] } })).toEqual({ branches: 'any', tags: [], pullRequests: false, schedule: false });
    expect(refsOf({ push: { branches: ['main', '!main-old'], paths: ['src/**'] } }).branches).toEqual(['main']);
    expect(refsOf({ push: null, release: { types: ['published'] } }).tags).toBe('any');
    expect(refsOf({ release: { types: ['published'] } })).toEqual({ branches: [], tags: 'any', pullRequests: false, schedule: false });
    expect(refsOf({ schedule: [{ cron: '0 0 * * *' }] })).toEqual({ branches: 'any', tags: [], pullRequests: false, schedule: true });
    expect(refsOf({ pull_request_target: { branches: ['main'] } })).toEqual({ branches: ['main'], tags: [], pullRequests: false, schedule: false });
    expect(refsOf({ push: { branches: ['main'] }, workflow_dispatch: null })).toEqual({ branches: 'any', tags: 'any', pullRequests: false, schedule: false });
    // a reusable workflow runs on its caller's events; an event not read, or no `on:` (a composite action): any ref
    expect(refsOf({ workflow_call: null })).toEqual(ANY_REFS);
    expect(refsOf({ push: { branches: ['main'] }, deployment: null })).toEqual(ANY_REFS);
    expect(refsOf(undefined)).toEqual(ANY_REFS);
  });
  it('default tags on branch pushes and pull requests only: the branch names and pr-N, no Git tag name, no latest, no nightly', () => {
    const refs = refsOf({ push: { branches: ['master'] }, pull_request: { branches: ['master'] } });
    expect(metadataActionTags(['amir20/dozzle'], undefined, undefined, refs)).toEqual(['amir20/dozzle:master', 'amir20/dozzle:pr-${{pr.number}}']);
    expect(metadataActionTags(['amir20/dozzle'], undefined, 'suffix=-alpine,onlatest=true', refs)).toEqual(['amir20/dozzle:master-alpine', 'amir20/dozzle:pr-${{pr.number}}-alpine']);
    // a branch with a slash is tagged with a dash, as the action's sanitizeTag makes it
    expect(metadataActionTags(['org/app'], 'type=ref,event=branch', undefined, refsOf({ push: { branches: ['release/2.x'] } }))).toEqual(['org/app:release-2.x']);
    // on Git tag pushes only: no branch tag, the Git tag name and latest
    expect(metadataActionTags(['org/app'], undefined, undefined, refsOf({ push: { tags: ['v*'] } }))).toEqual(['org/app:${{git.ref_name}}', 'org/app:latest']);
  });
  it('semver, match and edge lines make a tag only on the runs that have their ref', () => {
    const branchesOnly = refsOf({ push: { branches: ['main'] } });
    expect(metadataActionTags(['org/app'], 'type=semver,pattern={{version}}\ntype=sha', undefined, branchesOnly)).toEqual(['org/app:sha-${{git.short_sha}}']);
    expect(metadataActionTags(['org/app'], 'type=edge,branch=develop\ntype=raw,value=dev', undefined, branchesOnly)).toEqual(['org/app:dev']);
    expect(metadataActionTags(['org/app'], 'type=edge,branch=main', undefined, branchesOnly)).toEqual(['org/app:edge']);
    expect(metadataActionTags(['org/app'], 'type=edge', undefined, refsOf({ push: { tags: ['*'] } }))).toEqual([]);
  });
  it('type=match: the group\'s regex is the tag\'s pattern, latest with it; a literal value is matched here', () => {
    const refs = refsOf({ push: { branches: ['main'], tags: ['[0-9]*.[0-9]*-[0-9]*'] } });
    const tags = metadataActionTags(['ghcr.io/zulip/zulip-server'], 'type=ref,event=branch\ntype=match,pattern=(\\d+\\.\\d+-\\d+),group=1', undefined, refs)!;
    expect(tags).toEqual(['ghcr.io/zulip/zulip-server:${{git.tag_match:\\d+\\.\\d+-\\d+}}', 'ghcr.io/zulip/zulip-server:main', 'ghcr.io/zulip/zulip-server:latest']);
    const index = { '/r/Dockerfile': tags };
    expect(linkedFile(index, 'ghcr.io/zulip/zulip-server:11.6-0')).toBe('/r/Dockerfile');
    // group 0 is the whole match; a named group counts; (?:…) does not
    expect(metadataActionTags(['org/app'], 'type=match,pattern=\\d+', 'latest=false', refs)).toEqual(['org/app:${{git.tag_match:\\d+}}']);
    expect(metadataActionTags(['org/app'], 'type=match,pattern=(?:release-)v(?<v>\\d+\\.\\d+),group=1', 'latest=false', refs)).toEqual(['org/app:${{git.tag_match:\\d+\\.\\d+}}']);
    // a group the index cannot test as a regex (braces, an anchor), or the rest of the tag: any tag
    expect(metadataActionTags(['org/app'], 'type=match,pattern=v(\\d{2}),group=1', 'latest=false', refs)).toEqual(['org/app:${{git.ref_name}}']);
    // a field in double quotes holds its commas, as csv-parse reads it for the action
    expect(metadataActionTags(['org/app'], 'type=match,"pattern=v(\\d{1,3}\\.\\d+)",group=1', 'latest=false', refs)).toEqual(['org/app:${{git.ref_name}}']);
    expect(metadataActionTags(['org/app'], 'type=match,"pattern=v(\\d+\\.\\d+)",group=1,"value=v1.2,3"', 'latest=false', refs)).toEqual(['org/app:1.2']);
    expect(metadataActionTags(['org/app'], 'type=match,pattern=v(.*),group=1', 'latest=false', refs)).toEqual(['org/app:${{git.ref_name}}']);
    expect(metadataActionTags(['org/app'], 'type=match,pattern=v(\\d+\\.\\d+),group=1,value=v2.0.8-beta.67', 'latest=false', refs)).toEqual(['org/app:2.0']);
    expect(metadataActionTags(['org/app'], 'type=match,pattern=p1/v(\\d),group=1,value=v2', 'latest=false', refs)).toEqual([]);
    // no run for a Git tag: nothing from the match line
    expect(metadataActionTags(['org/app'], 'type=match,pattern=(\\d+),group=1\ntype=raw,value=dev', undefined, refsOf({ push: { branches: ['main'] } }))).toEqual(['org/app:dev']);
  });
  it('handlebars in values, prefixes and enable=: {{branch}}, {{tag}}, {{sha}}, {{date}}, {{is_default_branch}}', () => {
    const main = refsOf({ push: { branches: ['main'] } });
    expect(metadataActionTags(['org/app'], 'type=raw,value={{branch}}-{{sha}}\ntype=raw,value=t-{{tag}}', undefined, main)).toEqual(['org/app:main-${{git.short_sha}}', 'org/app:t-']);
    expect(metadataActionTags(['org/app'], "type=sha,format=short,prefix={{date 'YYYY.MM.DD'}}-", undefined, main)).toEqual(['org/app:${{date.yyyy}}.${{date.nn}}.${{date.nn}}-${{git.short_sha}}']);
    const nightly = metadataActionTags(['org/app'], "type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}", undefined, refsOf({ schedule: [{ cron: '0 0 * * *' }] }))!;
    expect(nightly).toEqual(['org/app:${{date.yyyy}}${{date.nn}}${{date.nn}}-${{date.nn}}${{date.nn}}${{date.nn}}']);
    expect(linkedFile({ '/r/Dockerfile': nightly }, 'org/app:20200110-093000')).toBe('/r/Dockerfile');
    expect(findBuiltImage(indexImages([built(nightly[0]!, '/r/Dockerfile'), built('org/app:2020-01-10', '/r/Dockerfile.other')]), 'org/app:2020-01-10')?.dockerfile).toBe('/r/Dockerfile.other');
    // {{is_default_branch}} is false on every run of a workflow that runs for Git tags and pull requests only
    const tagsAndPrs = refsOf({ push: { tags: ['v*'] }, pull_request: null });
    expect(metadataActionTags(['org/app'], 'type=raw,value=develop,enable={{is_default_branch}}\ntype=ref,event=pr', undefined, tagsAndPrs)).toEqual(['org/app:pr-${{pr.number}}']);
    expect(metadataActionTags(['org/app'], 'type=raw,value=develop,enable={{is_default_branch}}', undefined, main)).toEqual(['org/app:develop']);
    // `${{ … }}` is GitHub's, not the action's: a value not known, kept
    expect(metadataActionTags(['org/app'], 'type=raw,value=${{ github.run_number }}', undefined, main)).toEqual(['org/app:${{ github.run_number }}']);
  });
  it('priority= orders the tags, and on a Git tag run the first line decides latest=auto', () => {
    const tagRuns = refsOf({ push: { tags: ['v*'] } });
    expect(metadataActionTags(['org/app'], 'type=raw,value=stable\ntype=semver,pattern={{version}}', undefined, tagRuns)).toEqual(['org/app:${{semver.version}}', 'org/app:stable', 'org/app:latest']);
    expect(metadataActionTags(['org/app'], 'type=raw,value=stable,priority=1000\ntype=semver,pattern={{version}}', undefined, tagRuns)).toEqual(['org/app:stable', 'org/app:${{semver.version}}']);
    // a line that may be disabled lets the next decide
    expect(metadataActionTags(['org/app'], 'type=raw,value=stable,priority=1000,enable=${{ github.event_name == \'release\' }}\ntype=semver,pattern={{version}}', undefined, tagRuns)).toContain('org/app:latest');
  });
  it('pr- is event=pr\'s own prefix (the flavor prefix is not added); sep-tags that build-push-action does not split at is not read', () => {
    expect(metadataActionTags(['org/app'], 'type=ref,event=pr\ntype=ref,event=pr,prefix=mr-', 'prefix=app-', ANY_REFS)).toEqual(['org/app:pr-${{pr.number}}', 'org/app:mr-${{pr.number}}']);
    expect(metadataActionTags(['org/app'], 'type=raw,value=1', undefined, ANY_REFS, ',')).toEqual(['org/app:1']);
    expect(metadataActionTags(['org/app'], 'type=raw,value=1', undefined, ANY_REFS, ' ')).toBeUndefined();
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
    const { byService } = await explainServices(dir);
    expect(byService).toMatchObject({ plain: 'Dockerfile', small: 'Dockerfile.alpine', edge: 'Dockerfile' });
  });

  it("reads the workflow's on: (block or flow style, CRLF, an anchor) for the tags each step makes", async () => {
    const steps = [
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - id: meta',
      '        uses: docker/metadata-action@v5',
      '        with:',
      '          images: org/app',
      '      - id: meta-zulip',
      '        uses: docker/metadata-action@v5',
      '        with:',
      '          images: org/server',
      '          tags: |',
      '            type=ref,event=branch',
      '            type=match,pattern=(\\d+\\.\\d+-\\d+),group=1',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          tags: ${{ steps.meta.outputs.tags }}',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          tags: ${{ steps.meta-zulip.outputs.tags }}',
      '',
    ];
    const shapes: Record<string, string> = {
      block: 'on:\n  push:\n    branches:\n      - master\n  pull_request:\n    branches:\n      - master\n',
      flow: 'on: { push: { branches: [master] }, pull_request: { branches: [master] } }\n',
      anchor: 'on:\n  push:\n    branches: &main [master]\n  pull_request:\n    branches: *main\n',
    };
    for (const [shape, on] of Object.entries(shapes)) {
      for (const eol of ['\n', '\r\n']) {
        const { ev } = await evidenceOfTree({ Dockerfile: 'FROM node:22-slim\n', '.github/workflows/dev.yml': (on + steps.join('\n')).replace(/\n/g, eol) });
        expect(ev.builds.map((b) => b.tags), `${shape} ${JSON.stringify(eol)}`).toEqual([
          ['org/app:master', 'org/app:pr-${{pr.number}}'],
          // no Git tag run: the match line makes nothing, and no latest
          ['org/server:master'],
        ]);
      }
    }
    const tagsToo = await evidenceOfTree({ Dockerfile: 'FROM node:22-slim\n', '.github/workflows/release.yml': "on:\n  push:\n    branches: [main]\n    tags: ['*']\n" + steps.join('\n') });
    expect(tagsToo.ev.builds.map((b) => b.tags)).toEqual([
      ['org/app:main', 'org/app:${{git.ref_name}}', 'org/app:latest'],
      ['org/server:${{git.tag_match:\\d+\\.\\d+-\\d+}}', 'org/server:main', 'org/server:latest'],
    ]);
  });

  it("dozzle's shape: a tag the branch-and-PR workflow never pushes is not linked to its build", async () => {
    const dir = writeTree({
      'Dockerfile': 'FROM node:22-slim AS base\nCMD ["node", "server.js"]\nFROM node:22-alpine AS alpine\nCMD ["node", "server.js"]\n',
      'compose.yml': 'services:\n  pr:\n    image: org/app:pr-3196\n  local:\n    image: org/app:local-test\n  small:\n    image: org/app:master-alpine\n',
      '.github/workflows/dev.yml': [
        'on:',
        '  push:',
        '    branches:',
        '      - master',
        '  pull_request:',
        '    branches:',
        '      - master',
        'jobs:',
        '  buildx:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - id: meta',
        '        uses: docker/metadata-action@v5',
        '        with:',
        '          images: org/app',
        '      - id: meta-alpine',
        '        uses: docker/metadata-action@v5',
        '        with:',
        '          images: org/app',
        '          flavor: |',
        '            suffix=-alpine,onlatest=true',
        '      - uses: docker/build-push-action@v6',
        '        with:',
        '          target: base',
        '          push: true',
        '          tags: ${{ steps.meta.outputs.tags }}',
        '      - uses: docker/build-push-action@v6',
        '        with:',
        '          target: alpine',
        '          push: true',
        '          tags: ${{ steps.meta-alpine.outputs.tags }}',
        '',
      ].join('\n'),
    });
    const { explain } = await explainServices(dir);
    const links = Object.fromEntries(explain.tagLinks.map((t: any) => [t.tag, t.linked ? t.builds[0].target : null]));
    expect(links).toMatchObject({ 'org/app:pr-3196': 'base', 'org/app:master-alpine': 'alpine', 'org/app:local-test': null });
  });
});
