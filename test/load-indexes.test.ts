// What loading finds through its shortcuts must be what it found without them:
// the walk's real paths (a folder's real path is its parent's and its name,
// unless it is a symlink), the `--env-file`s chosen through the index of
// compose projects, and start scripts found once per Dockerfile and build
// context while links are followed in rounds.
import { describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { tempDir, writeTree } from './helpers.js';
import { discover } from '../src/discover.js';
import { loadProject, parseVolumes } from '../src/model.js';
import { isUnderNginxDir } from '../src/nginx-files.js';
import { serviceRuns } from '../src/compose-service.js';
import { ALPINE_NGINX_LAYOUT, DEBIAN_NGINX_LAYOUT, NGINX_ORG_LAYOUT } from '../src/knowledge/nginx.js';

async function load(dir: string) {
  const found = await discover(['.'], dir, { exclude: [] });
  const project = await loadProject(found.files, dir, found.roots, found.isExcluded, undefined, { evidence: found.evidence });
  return { found, project };
}

const rels = (dir: string, files: { path: string }[]) => files.map((f) => path.relative(dir, f.path).split(path.sep).join('/'));

describe('the walk', () => {
  it('walks a folder once, whether reached through a symlink first or by its own name', async () => {
    const dir = writeTree({ 'b/Dockerfile': 'FROM alpine:3.20\n', 'c/Dockerfile': 'FROM alpine:3.20\n' });
    try {
      symlinkSync(path.join(dir, 'b'), path.join(dir, 'a-link')); // walked before b: b is then a folder seen
      symlinkSync(path.join(dir, 'c'), path.join(dir, 'd-link')); // walked after c: skipped
      const found = await discover(['.'], dir, { exclude: [] });
      expect(rels(dir, found.files)).toEqual(['a-link/Dockerfile', 'c/Dockerfile']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knows real paths when the root sits under a symlinked folder: a loop ends, a folder is walked once', async () => {
    const base = tempDir();
    try {
      const real = path.join(base, 'real');
      const proj = path.join(real, 'proj');
      writeTree({ 'sub/Dockerfile': 'FROM alpine:3.20\n' }, (mkdirSync(proj, { recursive: true }), proj));
      symlinkSync(real, path.join(base, 'via'));
      symlinkSync(proj, path.join(proj, 'sub', 'loop')); // back to the root, by its real path
      symlinkSync(path.join(proj, 'sub'), path.join(proj, 'tub')); // a folder walked by its name before
      const root = path.join(base, 'via', 'proj');
      const found = await discover(['.'], root, { exclude: [] });
      expect(rels(root, found.files)).toEqual(['sub/Dockerfile']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('compose interpolation', () => {
  it('reads the --env-files of the first project (by id) that runs the file and names some', async () => {
    const dir = writeTree({
      Makefile: [
        'prod:',
        '\tdocker compose -f compose.yaml -f zz.yaml --env-file prod.env up -d',
        'up:',
        '\tdocker compose -f compose.yaml up -d',
        'other:',
        '\tdocker compose -f compose.yaml -f extra.yaml --env-file other.env up -d',
        'plain:',
        '\tdocker compose -f solo.yaml up -d',
        '',
      ].join('\n'),
      'compose.yaml': 'services:\n  app:\n    image: ${IMG}\n',
      'extra.yaml': 'services:\n  app:\n    environment: [A=1]\n',
      'zz.yaml': 'services:\n  app:\n    environment: [B=1]\n',
      'solo.yaml': 'services:\n  solo:\n    image: ${IMG}\n',
      'prod.env': 'IMG=acme/prod\n',
      'other.env': 'IMG=acme/other\n',
      '.env': 'IMG=acme/dotenv\n',
    });
    try {
      const { project } = await load(dir);
      const image = (rel: string, name: string) => project.services.find((s) => s.compose.rel === rel && s.name === name)?.image;
      // Projects by id: `compose.yaml` (no --env-file), `compose.yaml + extra.yaml` (other.env), `compose.yaml + zz.yaml` (prod.env).
      expect(project.composeProjects.map((p) => p.id)).toEqual(['compose.yaml', 'compose.yaml + extra.yaml', 'compose.yaml + zz.yaml', 'solo.yaml']);
      expect(image('compose.yaml', 'app')).toBe('acme/other');
      // A project without --env-file reads the folder's .env.
      expect(image('solo.yaml', 'solo')).toBe('acme/dotenv');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('re-tags', () => {
  it('follow the first build of a tag, as written or normalised, in any order and chained, through the indexes of tags', async () => {
    const dir = writeTree({
      'build.sh': [
        '#!/bin/sh',
        // Chained, the later link first: org/app is a re-tag of base-img, registry.example.com/org/app:2 one of org/app.
        'docker tag org/app registry.example.com/org/app:2',
        'docker build -t base-img ./base',
        'docker tag docker.io/library/base-img:latest org/app',
        // `dup` is built twice: by the compose service (first in build order) and here; the re-tag names the
        // second as written and the first as normalised, and the first build wins.
        'docker build -t docker.io/library/dup:latest ./two',
        'docker tag docker.io/library/dup:latest final/dup',
        // A source nothing builds is no re-tag; one with a variable matches only as written.
        'docker tag nowhere/app other/app',
        'docker tag "org/$NAME" var/app',
        '',
      ].join('\n'),
      'base/Dockerfile': 'FROM alpine:3.20\nUSER 1000\n',
      'one/Dockerfile': 'FROM alpine:3.20\n',
      'two/Dockerfile': 'FROM debian:bookworm-slim\n',
      'compose.yaml': [
        'services:',
        '  dup:',
        '    image: dup',
        '    build: ./one',
        '  pushed:',
        '    image: registry.example.com/org/app:2',
        '  final:',
        '    image: final/dup',
        '  other:',
        '    image: other/app',
        '  var:',
        '    image: var/app',
        '',
      ].join('\n'),
    });
    try {
      const { project } = await load(dir);
      const dockerfileOf = (name: string) => {
        const s = project.services.find((x) => x.name === name)!;
        return s.build && path.relative(dir, s.build.dockerfile);
      };
      expect(dockerfileOf('pushed')).toBe(path.join('base', 'Dockerfile'));
      expect(project.services.find((x) => x.name === 'pushed')!.builtImage?.via).toBe('docker tag of org/app');
      expect(dockerfileOf('final')).toBe(path.join('one', 'Dockerfile'));
      expect(dockerfileOf('other')).toBeUndefined();
      expect(dockerfileOf('var')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runs of a service', () => {
  it('merges the files of each compose project that runs the service\'s file, looked up by id', async () => {
    const dir = writeTree({
      Makefile: ['prod:', '\tdocker compose -f compose.yaml -f prod.yaml up -d', 'up:', '\tdocker compose -f compose.yaml up -d', 'solo:', '\tdocker compose -f solo.yaml up -d', ''].join('\n'),
      'compose.yaml': 'services:\n  app:\n    image: acme/app\n    read_only: false\n',
      'prod.yaml': 'services:\n  app:\n    read_only: true\n',
      'solo.yaml': 'services:\n  solo:\n    image: acme/solo\n',
    });
    try {
      const { project } = await load(dir);
      const service = (rel: string, name: string) => project.services.find((s) => s.compose.rel === rel && s.name === name)!;
      const runs = (rel: string, name: string) => serviceRuns(project, service(rel, name)).map((r) => [r.project, r.parts.map((p) => p.compose.rel), r.merged.read_only ?? null]);
      expect(runs('compose.yaml', 'app')).toEqual([
        ['compose.yaml', ['compose.yaml'], false],
        ['compose.yaml + prod.yaml', ['compose.yaml', 'prod.yaml'], true],
      ]);
      expect(runs('prod.yaml', 'app')).toEqual([['compose.yaml + prod.yaml', ['compose.yaml', 'prod.yaml'], true]]);
      expect(runs('solo.yaml', 'solo')).toEqual([['solo.yaml', ['solo.yaml'], null]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs an included service in the projects that include it, merged with what their files say of it', async () => {
    const dir = writeTree({
      'compose.yaml': 'include:\n  - infra/db.yml\nservices:\n  app:\n    image: acme/app\n  db:\n    shm_size: 256mb\n',
      'compose.override.yaml': 'services:\n  db:\n    read_only: true\n',
      'infra/db.yml': 'services:\n  db:\n    image: postgres:16\n',
    });
    try {
      const { project } = await load(dir);
      const service = (rel: string, name: string) => project.services.find((s) => s.compose.rel === rel && s.name === name)!;
      const runs = (rel: string, name: string) => serviceRuns(project, service(rel, name)).map((r) => [r.project, r.parts.map((p) => p.compose.rel), r.merged.read_only ?? null, r.merged.shm_size ?? null]);
      const whole = ['compose.yaml + compose.override.yaml', ['infra/db.yml', 'compose.yaml', 'compose.override.yaml'], true, '256mb'];
      expect(runs('infra/db.yml', 'db')).toEqual([whole]);
      // The including project's partial services are overrides of the included one.
      expect(service('compose.yaml', 'db').base).toBe(service('infra/db.yml', 'db'));
      expect(service('compose.override.yaml', 'db').base).toBe(service('infra/db.yml', 'db'));
      expect(service('compose.override.yaml', 'db').effective).toMatchObject({ image: 'postgres:16', shm_size: '256mb', read_only: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("follows compose's !reset and !override merge tags, and drops a run where a later file resets the service", async () => {
    const dir = writeTree({
      Makefile: 'test:\n\tdocker compose -f compose.yaml -f test.yaml up\n',
      'compose.yaml': [
        'services:',
        '  app:',
        '    image: acme/app',
        '    ports: ["80:80"]',
        '    volumes: [data:/data, cache:/cache]',
        '    cap_add: [NET_ADMIN]',
        '  proxy:',
        '    image: acme/proxy',
        'volumes: {data: {}, cache: {}}',
        '',
      ].join('\n'),
      'compose.override.yaml': 'services:\n  app:\n    ports: !reset []\n    volumes: !override\n      - data:/data\n',
      'test.yaml': 'services:\n  proxy: !reset\n  app:\n    cap_add: !reset\n',
    });
    try {
      const { project } = await load(dir);
      const service = (rel: string, name: string) => project.services.find((s) => s.compose.rel === rel && s.name === name)!;
      const merged = (rel: string, name: string) => serviceRuns(project, service(rel, name)).map((r) => [r.project, r.merged.ports ?? null, r.merged.volumes ?? null, r.merged.cap_add ?? null]);
      expect(merged('compose.yaml', 'app')).toEqual([
        ['compose.yaml + compose.override.yaml', null, ['data:/data'], ['NET_ADMIN']],
        ['compose.yaml + test.yaml', ['80:80'], ['data:/data', 'cache:/cache'], null],
      ]);
      // test.yaml removes proxy: it runs only where the override file is merged.
      expect(merged('compose.yaml', 'proxy').map((r) => r[0])).toEqual(['compose.yaml + compose.override.yaml']);
      expect(service('compose.override.yaml', 'app').effective).toMatchObject({ volumes: ['data:/data'] });
      expect(service('compose.override.yaml', 'app').effective.ports).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('start scripts', () => {
  it('are looked for again when a later round of links gives the Dockerfile another build context', async () => {
    const dir = writeTree({
      // stack.yml is found only through the Makefile (round 0); its build context (the root) then applies in round 1.
      Makefile: 'up:\n\tdocker compose -f stack.yml up -d\n',
      'stack.yml': 'services:\n  app:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n',
      'docker/Dockerfile': 'FROM alpine:3.20\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\n',
      'entrypoint.sh': '#!/bin/sh\nexec "$@"\n',
    });
    try {
      const { project } = await load(dir);
      expect(project.contexts.get(path.join(dir, 'docker/Dockerfile'))).toEqual([dir]);
      expect(project.files.get(path.join(dir, 'entrypoint.sh'))?.kind).toBe('script');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nginx configs to load', () => {
  it('are looked for only where a mapping reaches /etc/nginx, which every layout path is under', () => {
    for (const layout of [NGINX_ORG_LAYOUT, DEBIAN_NGINX_LAYOUT, ALPINE_NGINX_LAYOUT]) {
      const paths = [...layout.mainIncludes, ...layout.defaultSites.flatMap((d) => [d.path, ...(d.target ? [d.target] : [])])];
      expect(paths.filter((p) => !isUnderNginxDir(p))).toEqual([]);
    }
  });

  it('are found through a COPY of a folder above /etc/nginx and through a bind mount of conf.d', async () => {
    const dir = writeTree({
      'web/Dockerfile': 'FROM nginx:1.27\nCOPY etc/ /etc/\n',
      'web/etc/nginx/nginx.conf': 'events {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n',
      'web/etc/nginx/conf.d/site.conf': 'server {\n    listen 80;\n}\n',
      'root/Dockerfile': 'FROM nginx:1.27\nCOPY . /\n',
      'root/etc/nginx/conf.d/root.conf': 'server {\n    listen 80;\n}\n',
      'compose.yaml': 'services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - ./conf:/etc/nginx/conf.d:ro\n  other:\n    image: nginx:1.27\n    volumes:\n      - ./data:/srv/data\n',
      'conf/app.conf': 'server {\n    listen 80;\n}\n',
      'data/unused.conf': 'server {\n    listen 80;\n}\n',
    });
    try {
      const { project } = await load(dir);
      const nginx = [...project.files.values()].filter((f) => f.kind === 'nginx').map((f) => f.rel);
      expect(nginx.sort()).toEqual(['conf/app.conf', 'root/etc/nginx/conf.d/root.conf', 'web/etc/nginx/conf.d/site.conf', 'web/etc/nginx/nginx.conf']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('short volume syntax', () => {
  it('splits on every colon outside ${...}, and keeps a Windows drive whole', () => {
    const mounts = parseVolumes({ volumes: ['./data:/data:ro', '${DATA:-./data}:/srv:rw', 'cache:/cache', '/anon', 'C:/x:/y'] }, '/repo');
    expect(mounts.map((m) => [m.type, m.source ?? null, m.target, m.readOnly])).toEqual([
      ['bind', './data', '/data', true],
      ['bind', '${DATA:-./data}', '/srv', false],
      ['volume', 'cache', '/cache', false],
      ['volume', null, '/anon', false],
      ['bind', 'C:/x', '/y', false],
    ]);
  });
});
