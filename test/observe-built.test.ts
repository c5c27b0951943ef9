// Observation of images built here: what verify's baseline run saw a service
// write at start (`docker diff`) becomes start writes of its image
// (project.layout.observedWrites), which dockerfile/non-root-user creates and
// chowns and compose/read-only covers, through the same code path as writes
// read from start scripts. Data kept across restarts never becomes a tmpfs.
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { run, type RunResult } from '../src/driver.js';
import { observeBaselines, observedWrites, observeBuiltImages } from '../src/verify/observe.js';
import { CHANGED_PATHS_KEPT } from '../src/verify/boot.js';
import { discover } from '../src/discover.js';
import { loadProject } from '../src/model.js';
import type { ImageFacts } from '../src/knowledge/images.js';
import { keptData } from '../src/write-paths.js';
import { notStarted, type BootResult } from '../src/verify/boot.js';
import { verifyTargets } from '../src/verify/targets.js';
import type { VerifyInput } from '../src/verify/verify.js';
import type { VerifyReport } from '../src/verify/types.js';
import { DEFAULT_OPTIONS } from '../src/types.js';
import { TRANSFORMS } from '../transforms/index.js';
import { buildJsonReport } from '../src/report/json.js';
import { toCrlf, writeTree } from './helpers.js';

const RUN = 'baseline run of compose.yaml#web';

describe('observedWrites: docker diff to start writes of the image', () => {
  it('a directory added (topmost), a file added in an existing directory, a file changed in place, a file removed', () => {
    const diff = ['C /app', 'A /app/cache', 'A /app/cache/a', 'A /app/cache/a/b.json', 'C /etc', 'C /etc/app.conf', 'C /var', 'C /var/spool', 'A /var/spool/app.lock', 'D /opt/app/stale'];
    expect(observedWrites(diff, [], RUN)).toEqual([
      { path: '/app/cache', kind: 'dir', how: `observed: /app/cache written at start (${RUN})`, observed: true },
      { path: '/etc/app.conf', kind: 'file', how: `observed: /etc/app.conf written at start (${RUN})`, observed: true },
      { path: '/var/spool/app.lock', kind: 'dir-of', how: `observed: /var/spool/app.lock written at start (${RUN})`, observed: true },
      { path: '/opt/app/stale', kind: 'dir-of', how: `observed: /opt/app/stale written at start (${RUN})`, observed: true },
    ]);
  });

  it('mount points and what is under volumes, tmpfs, /tmp and kernel filesystems are not the root filesystem\'s writes', () => {
    const diff = ['C /srv', 'A /srv/data', 'A /srv/data/x.db', 'A /run/app', 'A /run/app/app.sock', 'C /dev', 'A /dev/shm/x', 'C /proc', 'A /proc/1', 'C /tmp', 'A /tmp/worker-heartbeat'];
    expect(observedWrites(diff, ['/srv/data', '/run/app/'], RUN)).toEqual([]);
  });

  it('nothing written: nothing observed; "/" itself is never a write path', () => {
    expect(observedWrites([], [], RUN)).toEqual([]);
    expect(observedWrites(['C /'], [], RUN)).toEqual([]);
  });

  it('a database file marks its directory as data kept across restarts, even in a directory named cache', () => {
    const w = observedWrites(['C /app', 'A /app/cache', 'A /app/cache/store.sqlite3', 'A /app/cache/store.sqlite3-wal'], [], RUN);
    expect(w).toEqual([{ path: '/app/cache', kind: 'dir', how: expect.stringMatching(/^observed: \/app\/cache written/), observed: true, keeps: '/app/cache/store.sqlite3 is a database file' }]);
  });
});

describe('keptData: which observed directories hold data kept across restarts', () => {
  it.each([
    ['/app/var', ['/app/var/app.db'], '/app/var/app.db is a database file'],
    ['/var/lib/app', ['/var/lib/app/x'], '/var/lib/app is under /var/lib, where services keep their state'],
    ['/data/uploads', [], '/data/uploads is under /data, where services keep their data'],
    ['/srv/app', [], '/srv/app is under /srv, where services keep their data'],
    ['/app/data', [], '/app/data is a data directory'],
    ['/var/lib/app/cache', [], undefined],
    ['/var/lib/app/run', [], undefined],
    ['/data/logs', [], undefined],
    ['/var/log/app', [], undefined],
    ['/app/cache', ['/app/cache/x.json'], undefined],
    ['/app/tmp', [], undefined],
    ['/var/lib/app/app.pid', [], undefined],
    ['/opt/app', [], undefined],
  ])('%s (%j): %s', (dir, written, why) => {
    expect(keptData(dir, written)).toBe(why);
  });
});

// ---------------------------------------------------------------- through the engine

type Diffs = Record<string, string[]>;

/**
 * The driver under a stand-in verify: the baseline boots "show" each service
 * writing `diffs[service]`; the engine then hardens with what was observed.
 */
async function hardenObserved(tree: Record<string, string>, diffs: Diffs, observe = true, listening: Record<string, number[]> = {}): Promise<{ result: RunResult; changed: Record<string, string> }> {
  const dir = writeTree(tree);
  try {
    const verify = async (input: VerifyInput) => {
      const baselines = verifyTargets(input.project).map((target) => {
        const evidence = new Map(
          target.services.map((s) => [s.name, { ...notStarted(''), state: 'running', changedPaths: diffs[s.name] ?? [], ...(listening[s.name] ? { listening: listening[s.name] } : {}) }]),
        );
        const boot: BootResult = { evidence, notes: [], images: new Map(), release: async () => {}, alive: false };
        return { target, boot };
      });
      input.observe?.(baselines);
      const report = { engine: { version: 'x', compose: 'x' }, targets: [], withheldFixes: [], boots: 0, durationMs: 0, kept: [] } as unknown as VerifyReport;
      return { engine: input.harden(new Set()), report };
    };
    const result = await run({ paths: [dir], cwd: dir, dryRun: true, exclude: [], transforms: TRANSFORMS, options: { ...DEFAULT_OPTIONS }, verify, observe });
    const changed: Record<string, string> = {};
    for (const c of result.changes) changed[c.rel] = c.after;
    return { result, changed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PY_APP = {
  'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "app.py"]\n',
  'web/app.py': 'print("hi")\n',
};
const COMPOSE = 'services:\n  web:\n    build: ./web\n';
const CACHE_DIFF = ['C /app', 'A /app/cache', 'A /app/cache/page.html'];

describe('observed writes of an image built here, through the engine', () => {
  it('a directory written under the root-owned WORKDIR: created and chowned for the new user, a tmpfs it owns under read_only', async () => {
    const { changed, result } = await hardenObserved({ ...PY_APP, 'compose.yaml': COMPOSE }, { web: CACHE_DIFF });
    const df = changed['web/Dockerfile']!;
    expect(df).toMatch(/mkdir -p \/app\/cache/);
    expect(df).toMatch(/chown [^\n]*\/app\/cache/);
    expect(df).toMatch(/^USER /m);
    const user = result.engine.findings.find((f) => f.transform === 'dockerfile/non-root-user' && f.fixed)!;
    expect(user.message).toMatch(/observed: \/app\/cache written at start \(baseline run of compose\.yaml#web\)/);
    const compose = changed['compose.yaml']!;
    expect(compose).toMatch(/read_only: true/);
    expect(compose).toMatch(/\/app\/cache:size=64m,uid=1000/);
    const json = buildJsonReport(result, { cwd: '/' } as never);
    expect(json.observedBuilds).toEqual([
      { dockerfile: 'web/Dockerfile', stage: 0, services: ['compose.yaml#web'], writes: [{ path: '/app/cache', kind: 'dir', source: 'observed: /app/cache written at start (baseline run of compose.yaml#web)' }] },
    ]);
  });

  it('without observation (--no-observe) the same project gets no chown of the path nobody declared', async () => {
    const { changed, result } = await hardenObserved({ ...PY_APP, 'compose.yaml': COMPOSE }, { web: CACHE_DIFF }, false);
    expect(changed['web/Dockerfile']).not.toMatch(/\/app\/cache/);
    expect(result.observedBuilds).toBeUndefined();
  });

  it('a path the Dockerfile already makes and chowns is not made twice', async () => {
    const tree = {
      ...PY_APP,
      'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nRUN mkdir -p /app/cache\nCMD ["python", "app.py"]\n',
      'compose.yaml': COMPOSE,
    };
    const { changed } = await hardenObserved(tree, { web: CACHE_DIFF });
    // The mkdir in the Dockerfile declares it (a data-dir, made again with the chown as for any); observation adds no second one.
    expect(changed['web/Dockerfile']!.match(/chown [^\n]*\/app\/cache/g)).toEqual(['chown 1000:1000 /app/cache']);
    expect(changed['web/Dockerfile']!.match(/\/app\/cache/g)?.length).toBe(3);
  });

  it('a database written next to the code: the user gets the folder itself; no tmpfs, which would lose the data, and a note for a human', async () => {
    const { changed, result } = await hardenObserved({ ...PY_APP, 'compose.yaml': COMPOSE }, { web: ['C /app', 'A /app/app.db'] });
    expect(changed['web/Dockerfile']).toMatch(/chown [^\n]*\/app\b/);
    expect(changed['compose.yaml'] ?? '').not.toMatch(/"\/app[:"]/);
    const note = result.engine.findings.find((f) => f.transform === 'compose/read-only' && /observed/.test(f.message));
    expect(note?.message).toMatch(/observed: \/app\/app\.db written at start/);
  });

  it('compose shapes: an override file, anchors and merge keys, long-form volumes, CRLF', async () => {
    const base = [
      'x-common: &common',
      '  restart: unless-stopped',
      'services:',
      '  web:',
      '    <<: *common',
      '    build:',
      '      context: ./web',
      '    volumes:',
      '      - type: volume',
      '        source: uploads',
      '        target: /app/uploads',
      'volumes:',
      '  uploads: {}',
      '',
    ].join('\n');
    const override = 'services:\n  web:\n    environment:\n      MODE: dev\n';
    const diff = ['C /app', 'A /app/uploads', 'A /app/uploads/x.png', 'A /app/.cache', 'A /app/.cache/x'];
    for (const crlf of [false, true]) {
      const t = (s: string) => (crlf ? toCrlf(s) : s);
      const { changed } = await hardenObserved({ ...PY_APP, 'web/Dockerfile': t(PY_APP['web/Dockerfile']), 'compose.yaml': t(base), 'compose.override.yaml': t(override) }, { web: diff });
      const df = changed['web/Dockerfile']!;
      // The volume's mount point is not the root's write; the cache is.
      expect(df).toMatch(/\/app\/\.cache/);
      expect(df.includes('\r\n')).toBe(crlf);
      const compose = changed['compose.yaml']!;
      expect(compose).toMatch(/\/app\/\.cache:size=64m,uid=1000/);
      expect(compose).not.toMatch(/tmpfs[^]*\/app\/uploads/);
      expect(compose).toContain('<<: *common');
    }
  });

  it('multi-stage: the writes belong to the stage compose builds (build.target), not to another', async () => {
    const df = 'FROM python:3.12-slim AS base\nWORKDIR /app\nCOPY app.py .\n\nFROM base AS prod\nCMD ["python", "app.py"]\n\nFROM base AS worker\nCMD ["python", "-m", "worker"]\n';
    const compose = 'services:\n  web:\n    build:\n      context: ./web\n      target: prod\n';
    const r = await hardenObserved({ ...PY_APP, 'web/Dockerfile': df, 'compose.yaml': compose }, { web: CACHE_DIFF });
    expect(r.result.observedBuilds?.map((o) => [o.dockerfile, o.stage])).toEqual([['web/Dockerfile', 1]]);
    expect(r.changed['web/Dockerfile']).toMatch(/FROM base AS prod[^]*\/app\/cache[^]*FROM base AS worker/);
  });
});

describe('observeBuiltImages', () => {
  it('services not running at baseline show nothing, nor one whose docker diff was cut; a Dockerfile VOLUME mount point is left out', async () => {
    const dir = writeTree({ 'Dockerfile': 'FROM python:3.12-slim\nVOLUME /srv/state\nCMD ["python"]\n', 'compose.yaml': 'services:\n  a:\n    build: .\n  b:\n    build: .\n  c:\n    build: .\n' });
    try {
      let seen: ReturnType<typeof observeBuiltImages> | undefined;
      const verify = async (input: VerifyInput) => {
        const baselines = verifyTargets(input.project).map((target) => {
          const evidence = new Map([
            ['a', { ...notStarted(''), state: 'running', changedPaths: ['C /srv', 'A /srv/state', 'C /var', 'C /var/log', 'A /var/log/a.log'] }],
            ['b', { ...notStarted('crashed'), changedPaths: ['A /opt/b'] }],
            // The list boot.ts keeps is full: the directory a write needs may be among the lines cut.
            ['c', { ...notStarted(''), state: 'running', changedPaths: ['C /opt', ...Array.from({ length: CHANGED_PATHS_KEPT - 1 }, (_, i) => `A /opt/c${i}`)] }],
          ]);
          return { target, boot: { evidence, notes: [], images: new Map(), release: async () => {}, alive: false } as BootResult };
        });
        seen = observeBuiltImages(input.project, baselines);
        return { engine: input.harden(new Set()), report: {} as VerifyReport };
      };
      await run({ paths: [dir], cwd: dir, dryRun: true, exclude: [], transforms: TRANSFORMS, options: { ...DEFAULT_OPTIONS }, verify });
      expect(seen!.observations).toEqual([{ dockerfile: 'Dockerfile', stage: 0, services: ['compose.yaml#a'], writes: [{ path: '/var/log/a.log', kind: 'dir-of', how: 'observed: /var/log/a.log written at start (baseline run of compose.yaml#a)', observed: true }] }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('data kept across restarts, observed: a named volume in compose, never a tmpfs', () => {
  const DB_DIFF = ['C /var', 'C /var/lib', 'A /var/lib/app', 'A /var/lib/app/state.db', 'C /app', 'A /app/cache', 'A /app/cache/page.html'];

  it('a block document without top-level volumes: the service mounts a new named volume, declared in a new block; the cache stays a tmpfs', async () => {
    const { changed, result } = await hardenObserved({ ...PY_APP, 'compose.yaml': COMPOSE }, { web: DB_DIFF });
    expect(changed['web/Dockerfile']).toMatch(/chown 1000:1000 [^\n]*\/app\/cache[^\n]*\/var\/lib\/app|chown 1000:1000 [^\n]*\/var\/lib\/app[^\n]*\/app\/cache/);
    expect(changed['compose.yaml']).toBe(
      [
        'services:',
        '  web:',
        '    build: ./web',
        '    volumes: ["web-app:/var/lib/app"]',
        '    read_only: true',
        '    tmpfs: ["/tmp:size=64m", "/app/cache:size=64m,uid=1000,gid=1000", "/home/app:size=64m,uid=1000,gid=1000"]',
        '    cap_drop: [ALL]',
        '    security_opt: ["no-new-privileges:true"]',
        'volumes:',
        '  web-app: {}',
        '',
      ].join('\n'),
    );
    // Made in the first pass: the fix parses (it used to fail there, "All mapping items must start at the same column").
    expect(result.engine.errors).toEqual([]);
    const fix = result.engine.findings.find((f) => f.transform === 'compose/read-only' && f.fixed && /named volume/.test(f.message))!;
    expect(fix.message).toMatch(/a named volume web-app at \/var\/lib\/app \(observed: \/var\/lib\/app written at start \(baseline run of compose\.yaml#web\); \/var\/lib\/app\/state\.db is a database file: kept across restarts\)/);
    expect(fix.cis).toBe('5.13');
  });

  it('an existing top-level volumes map (block, flow, taken name), anchors, long-form mounts, CRLF', async () => {
    const block = [
      'x-base: &base',
      '  restart: always',
      'services:',
      '    web:',
      '        <<: *base',
      '        build: ./web',
      '        volumes:',
      '            - type: volume',
      '              source: web-app',
      '              target: /srv/uploads',
      'volumes:',
      '    web-app: {}',
      '',
    ].join('\n');
    for (const crlf of [false, true]) {
      const t = (x: string) => (crlf ? toCrlf(x) : x);
      const { changed } = await hardenObserved({ ...PY_APP, 'compose.yaml': t(block) }, { web: DB_DIFF });
      const out = changed['compose.yaml']!;
      expect(out.includes('\r\n')).toBe(crlf);
      const lf = out.replace(/\r\n/g, '\n');
      expect(lf).toContain('              target: /srv/uploads\n            - "web-var-lib-app:/var/lib/app"\n');
      expect(lf).toMatch(/\nvolumes:\n {4}web-app: \{\}\n {4}web-var-lib-app: \{\}\n$/);
      expect(lf).toContain('<<: *base');
    }
    const flow = 'services:\n  web:\n    build: ./web\nvolumes: {other: {}}\n';
    const { changed } = await hardenObserved({ ...PY_APP, 'compose.yaml': flow }, { web: DB_DIFF });
    expect(changed['compose.yaml']).toContain('volumes: {other: {}, web-app: {}}');
  });

  it('a new top-level volumes block goes after the keys other fixes add to the last service: no final newline, blank lines or a comment at the end, a document start', async () => {
    const shapes = ['services:\n  web:\n    build: ./web', 'services:\n  web:\n    build: ./web\n\n\n', 'services:\n  web:\n    build: ./web\n# the end\n', '---\nservices:\n  web:\n    build: ./web\n'];
    for (const compose of shapes) {
      const { changed, result } = await hardenObserved({ ...PY_APP, 'compose.yaml': compose }, { web: DB_DIFF });
      expect(result.engine.errors, compose).toEqual([]);
      const out = changed['compose.yaml']!;
      expect(out, compose).toMatch(/\n {4}security_opt: \["no-new-privileges:true"\]\nvolumes:\n {2}web-app: \{\}/);
      expect(out, compose).toMatch(/\n {4}volumes: \["web-app:\/var\/lib\/app"\]\n/);
    }
  });

  it('log and cache paths stay tmpfs, and so does /var/lib/<x> when all written there is a cache', async () => {
    const diff = ['C /var', 'C /var/log', 'A /var/log/app', 'A /var/log/app/x.log', 'C /var/lib', 'A /var/lib/app', 'A /var/lib/app/cache', 'A /var/lib/app/cache/x'];
    const { changed } = await hardenObserved({ ...PY_APP, 'compose.yaml': COMPOSE }, { web: diff });
    expect(changed['compose.yaml']).toMatch(/"\/var\/log\/app:size=64m,uid=1000,gid=1000"/);
    // /var/lib/app itself holds only a cache directory: the cache is what was written.
    expect(changed['compose.yaml']).not.toMatch(/^volumes:/m);
  });
});

describe('capabilities from the ports a service was seen listening on', () => {
  const APP = { 'web/Dockerfile': 'FROM python:3.12-slim\nEXPOSE 80\nCMD ["python3", "-m", "http.server", "8080"]\n' };
  const dead = (r: RunResult) => r.engine.findings.filter((f) => f.transform === 'compose/dead-capabilities' && f.fixed);

  it('EXPOSE says 80, the process listens on 8080: NET_BIND_SERVICE goes, and the finding says it was observed', async () => {
    const compose = 'services:\n  web:\n    build: ./web\n    cap_add: [NET_BIND_SERVICE]\n';
    const before = await hardenObserved({ ...APP, 'compose.yaml': compose }, {}, true);
    expect(dead(before.result)).toEqual([]);
    const { result, changed } = await hardenObserved({ ...APP, 'compose.yaml': compose }, {}, true, { web: [8080] });
    expect(dead(result).map((f) => f.message)).toEqual([
      'service web: remove cap_add NET_BIND_SERVICE: it listens only on port 8080, all 1024 or above (observed: listens on 8080/tcp (baseline run of compose.yaml#web))',
    ]);
    expect(changed['compose.yaml']).not.toContain('NET_BIND_SERVICE');
  });

  it('EXPOSE says 8080, the process binds 80: the capability stays, whatever the files declare', async () => {
    const app = { 'web/Dockerfile': 'FROM python:3.12-slim\nEXPOSE 8080\nCMD ["python3", "-m", "http.server", "80"]\n' };
    const compose = 'services:\n  web:\n    build: ./web\n    cap_add: [NET_BIND_SERVICE]\n';
    expect(dead((await hardenObserved({ ...app, 'compose.yaml': compose }, {}, true)).result)).toHaveLength(1); // files alone: dead
    const { result, changed } = await hardenObserved({ ...app, 'compose.yaml': compose }, {}, true, { web: [80, 8443] });
    expect(dead(result)).toEqual([]);
    expect(changed['compose.yaml']).toContain('NET_BIND_SERVICE');
  });

  it('an anchor the service merges, an override file that adds the capability, CRLF; nothing observed without --no-observe', async () => {
    const base = 'x-caps: &caps\n  cap_add:\n    - NET_BIND_SERVICE\n    - CHOWN\nservices:\n  web:\n    <<: *caps\n    build: ./web\n';
    const override = 'services:\n  web:\n    cap_add:\n      - NET_BIND_SERVICE\n';
    for (const crlf of [false, true]) {
      const t = (x: string) => (crlf ? toCrlf(x) : x);
      const { result, changed } = await hardenObserved({ ...APP, 'compose.yaml': t(base), 'compose.override.yaml': t(override) }, {}, true, { web: [9000] });
      const found = result.engine.findings.filter((f) => f.transform === 'compose/dead-capabilities');
      // Both files' lists are judged by the observed ports, and each file loses its own entry; the override,
      // which held nothing else for web, keeps an empty map.
      expect(found.map((f) => [f.file.split('/').pop(), /\(observed: listens on 9000\/tcp/.test(f.message)])).toEqual([
        ['compose.override.yaml', true],
        ['compose.yaml', true],
      ]);
      expect(dead(result).map((f) => f.file.split('/').pop())).toEqual(['compose.override.yaml', 'compose.yaml']);
      expect(changed['compose.override.yaml']).toBe(t('services:\n  web: {}\n'));
      expect(changed['compose.yaml']).toContain(t('  <<: *caps\n'));
      expect(changed['compose.yaml']).toContain(t('    - NET_BIND_SERVICE\n')); // the anchor itself stays
      const blind = await hardenObserved({ ...APP, 'compose.yaml': t(base), 'compose.override.yaml': t(override) }, {}, false, { web: [9000] });
      expect(dead(blind.result)).toEqual([]);
    }
  });
});

describe('observeBaselines (inspected images): data kept across restarts is never carved out as a tmpfs', () => {
  it('a database written under /var/lib/<x> leaves the write paths unknown with the reason; caches alone become tmpfs paths', async () => {
    const dir = writeTree({ 'compose.yaml': 'services:\n  db:\n    image: acme/store:2\n  web:\n    image: acme/web:1\n' });
    try {
      const found = await discover([dir], dir, { exclude: [] });
      const project = await loadProject(found.files, dir, found.roots);
      const inspected = (source: string) => ({ family: 'inspected', writePathsKnown: false, dataPaths: [], tmpfsPaths: [], capsNeeded: [], ports: [], fileCapabilities: [], source }) as unknown as ImageFacts;
      const facts = new Map<string, ImageFacts>([
        ['acme/store:2', inspected('inspected: acme/store:2@sha256:1')],
        ['acme/web:1', inspected('inspected: acme/web:1@sha256:2')],
      ]);
      const baselines = verifyTargets(project).map((target) => ({
        target,
        boot: {
          evidence: new Map([
            ['db', { ...notStarted(''), state: 'running', changedPaths: ['C /var', 'C /var/lib', 'A /var/lib/store', 'A /var/lib/store/main.sqlite'] }],
            ['web', { ...notStarted(''), state: 'running', changedPaths: ['C /var', 'C /var/cache', 'A /var/cache/web', 'A /var/cache/web/x'] }],
          ]),
          notes: [],
          images: new Map(),
          release: async () => {},
          alive: false,
        } as BootResult,
      }));
      const obs = observeBaselines(project, facts, baselines);
      expect(obs.find((o) => o.image === 'acme/store:2')!.unknown).toBe(
        'it keeps data in /var/lib/store (/var/lib/store/main.sqlite is a database file), which a tmpfs would lose on restart: mount a named volume there',
      );
      expect(facts.get('acme/store:2')!.writePathsKnown).toBe(false);
      expect(facts.get('acme/web:1')!.tmpfsPaths).toEqual(['/var/cache/web']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
