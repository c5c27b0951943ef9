// The pure parts of verify: which projects run, how the sandbox rewrites a
// resolved compose project, how evidence is judged, which fixes touch which
// service, and reading /proc/<pid>/status. No engine needed.
import { describe, it, expect } from 'vitest';
import { writeFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { sanitizeComposeConfig, safeName } from '../src/verify/sandbox.js';
import { baselineProblem, compareEvidence, normalizeLogLine, unpulledImage } from '../src/verify/judge.js';
import { notStarted } from '../src/verify/boot.js';
import { composeProjects, runtimeImages, verifyTargets } from '../src/verify/targets.js';
import { rankSuspects, touchedServices } from '../src/verify/attribute.js';
import { capabilityNames, parseProcStatus } from '../src/runtime/proc.js';
import { tailLines } from '../src/runtime/exec.js';
import { discover } from '../src/discover.js';
import { loadProject } from '../src/model.js';
import type { ServiceEvidence } from '../src/verify/types.js';
import type { Finding } from '../src/types.js';
import { readTree, REPO, tempDir, writeTree } from './helpers.js';

const sandboxDir = () => tempDir('dh-sbx-');
const opts = (dir: string, v: '1.1' | '1.2' = '1.1') => ({ imagePrefix: 'dh-verify-shop-1234abcd', phase: 'hardened', sandboxDir: dir, socketPath: '/run/engine.sock', yamlVersion: v });

describe('sanitizeComposeConfig', () => {
  it('v1 output: ports, container_name, names and external volumes go; builds get our tags; the socket is the engine\'s', () => {
    const dir = sandboxDir();
    const hostData = tempDir('dh-host-');
    const cfg = [
      'services:',
      '  api:',
      '    build:',
      `      context: ${dir}/tree/api`,
      '    image: shop/api:latest',
      '    container_name: shop-api',
      '    ports:',
      '    - published: 8080',
      '      target: 80',
      '    volumes:',
      '    - data:/data:rw',
      `    - ${dir}/tree/conf:/conf:ro`,
      '    - /var/run/docker.sock:/var/run/docker.sock:rw',
      `    - ${hostData}:/uploads:rw`,
      '    - /etc/ssl/certs:/etc/ssl/certs:ro',
      '    environment:',
      "      FLAG: 'on'",
      '      PERM: "0644"',
      '    logging:',
      '      driver: syslog',
      '  worker:',
      '    image: shop/api:latest',
      '    network_mode: host',
      '    depends_on:',
      '      api:',
      '        condition: service_started',
      'version: "3.9"',
      'volumes:',
      '  data:',
      '    external: true',
      '    name: prod_data',
      'networks:',
      '  default:',
      '    name: shop_net',
      '    ipam:',
      '      config:',
      '      - subnet: 10.9.0.0/24',
    ].join('\n');
    const r = sanitizeComposeConfig(cfg, opts(dir));
    const out = parse(r.text, { version: '1.1' });
    expect(out.services.api.ports).toBeUndefined();
    expect(out.services.api.container_name).toBeUndefined();
    expect(out.services.api.networks).toEqual({ default: { aliases: ['shop-api'] } });
    expect(out.services.api.image).toBe('dh-verify-shop-1234abcd-api:hardened');
    expect(out.services.worker.image).toBe('dh-verify-shop-1234abcd-api:hardened'); // follows the build it ran
    expect(out.services.worker.network_mode).toBeUndefined();
    expect(out.services.api.logging).toBeUndefined();
    expect(out.services.api.environment).toEqual({ FLAG: 'on', PERM: '0644' }); // strings stay strings for PyYAML
    expect(out.volumes.data).toEqual({});
    expect(out.networks.default).toEqual({});
    const vols: string[] = out.services.api.volumes;
    expect(vols[0]).toBe('data:/data:rw');
    expect(vols[1]).toBe(`${dir}/tree/conf:/conf:ro`);
    expect(vols[2]).toBe('/run/engine.sock:/var/run/docker.sock:rw');
    expect(vols[3]).toMatch(new RegExp(`^${dir}/binds/\\d+:/uploads:rw$`));
    expect(existsSync(vols[3]!.split(':')[0]!)).toBe(true);
    expect(vols[4]).toBe('/etc/ssl/certs:/etc/ssl/certs:ro');
    expect(r.builtImages).toEqual(['dh-verify-shop-1234abcd-api:hardened']);
    expect(r.services).toEqual([
      { name: 'api', build: true, image: 'dh-verify-shop-1234abcd-api:hardened', dependsOn: [] },
      { name: 'worker', build: false, image: 'dh-verify-shop-1234abcd-api:hardened', dependsOn: ['api'] },
    ]);
    expect(r.notes.join('\n')).toMatch(/ports left out/);
    expect(r.notes.join('\n')).toMatch(/network_mode host/);
    expect(r.notes.join('\n')).toMatch(/volumes data: external, name/);
    expect(r.notes.join('\n')).toMatch(/networks default: name, ipam/);
    expect(r.notes.join('\n')).toMatch(new RegExp(`read-write bind of ${hostData}`));
  });

  it('v2 output: long-syntax binds, a top-level name, fixed addresses', () => {
    const dir = sandboxDir();
    const file = path.join(tempDir('dh-host-'), 'app.ini');
    writeFileSync(file, 'x=1\n');
    const cfg = [
      'name: shop',
      'services:',
      '  db:',
      '    image: postgres:16',
      '    networks:',
      '      back:',
      '        ipv4_address: 10.1.0.5',
      '    volumes:',
      '      - type: bind',
      `        source: ${file}`,
      '        target: /etc/app.ini',
      '        bind:',
      '          create_host_path: true',
      '      - type: volume',
      '        source: pg',
      '        target: /var/lib/postgresql/data',
      '    external_links: [other_db]',
      'networks:',
      '  back:',
      '    driver: macvlan',
      'volumes:',
      '  pg:',
      '    driver: local',
      '    driver_opts: {type: none, o: bind, device: /srv/pg}',
    ].join('\n');
    const r = sanitizeComposeConfig(cfg, opts(dir, '1.2'));
    const out = parse(r.text, { version: '1.1' });
    expect(out.name).toBeUndefined();
    expect(out.services.db.networks.back).toEqual({});
    expect(out.services.db.external_links).toBeUndefined();
    expect(out.services.db.volumes[0].source).toMatch(new RegExp(`^${dir}/binds/1$`));
    expect(readFileSync(out.services.db.volumes[0].source, 'utf8')).toBe('x=1\n'); // a copy of the file
    expect(out.services.db.volumes[1]).toEqual({ type: 'volume', source: 'pg', target: '/var/lib/postgresql/data' });
    expect(out.volumes.pg).toEqual({});
    expect(out.networks.back).toEqual({});
  });

  it('safe names for projects and tags', () => {
    expect(safeName('My App (v2)')).toBe('my-app-v2');
    expect(safeName('___')).toBe('x');
  });
});

const ev = (over: Partial<ServiceEvidence> = {}): ServiceEvidence => ({
  ...notStarted(''),
  reason: undefined,
  built: true,
  state: 'running',
  health: 'healthy',
  uid: 0,
  gid: 0,
  caps: ['CHOWN'],
  noNewPrivs: false,
  readOnlyRootfs: false,
  ...over,
});

describe('judging evidence', () => {
  it('a baseline counts as working when it runs (healthy where it has a check) or finished with 0', () => {
    expect(baselineProblem(ev())).toBeUndefined();
    expect(baselineProblem(ev({ health: null }))).toBeUndefined();
    expect(baselineProblem(ev({ state: 'exited', exitCode: 0 }))).toBeUndefined();
    expect(baselineProblem(ev({ state: 'exited', exitCode: 3 }))).toMatch(/exits with code 3/);
    expect(baselineProblem(ev({ built: false }))).toMatch(/does not build/);
    expect(baselineProblem(ev({ health: 'starting' }))).toMatch(/not healthy within the time limit/);
    expect(baselineProblem(ev({ restarts: 2, state: 'restarting' }))).toMatch(/restarts/);
    expect(baselineProblem(notStarted('it depends on db, whose image did not build'))).toMatch(/depends on db/);
  });

  it('after hardening: every check the baseline passed and the hardened run fails', () => {
    expect(compareEvidence(ev(), ev({ uid: 1000, caps: [], readOnlyRootfs: true }))).toEqual([]);
    expect(compareEvidence(ev(), ev({ built: false, buildLog: ['UID 1000 is not unique'] }))).toEqual([{ check: 'build', message: 'the image no longer builds', lines: ['UID 1000 is not unique'] }]);
    const crashed = compareEvidence(ev(), ev({ state: 'exited', exitCode: 1, health: 'unhealthy', logTail: ['boom'] }));
    expect(crashed.map((p) => p.check)).toEqual(['state']);
    expect(crashed[0]!.lines).toEqual(['boom']);
    expect(compareEvidence(ev(), ev({ health: 'unhealthy' })).map((p) => p.check)).toEqual(['health']);
    expect(compareEvidence(ev(), ev({ restarts: 3 })).map((p) => p.check)).toEqual(['restarts']);
    expect(compareEvidence(ev(), ev({ state: 'created', reason: 'unable to find user app' })).map((p) => p.check)).toEqual(['start']);
    // A one-shot job must finish as it did.
    const job = ev({ state: 'exited', exitCode: 0, health: null });
    expect(compareEvidence(job, ev({ state: 'exited', exitCode: 0, health: null }))).toEqual([]);
    expect(compareEvidence(job, ev({ state: 'exited', exitCode: 2, health: null })).map((p) => p.check)).toEqual(['exit-code']);
    expect(compareEvidence(job, ev({ state: 'running', health: null })).map((p) => p.check)).toEqual(['state']);
  });

  it('permission errors count only when the baseline did not print them (numbers aside)', () => {
    const base = ev({ permissionErrors: ['2024-01-01 12:00:01 open /var/log/x: Permission denied (pid 12)'] });
    expect(compareEvidence(base, ev({ permissionErrors: ['2024-02-03 09:10:11 open /var/log/x: Permission denied (pid 99)'] }))).toEqual([]);
    const fresh = compareEvidence(base, ev({ permissionErrors: ["EROFS: read-only file system, open '/app/cache.json'"] }));
    expect(fresh).toEqual([{ check: 'permission-errors', message: 'its log reports permission errors it did not report before', lines: ["EROFS: read-only file system, open '/app/cache.json'"] }]);
    expect(normalizeLogLine('pid 12 at 0x7f3a9c2e1d40aa id 4b825dc642cb6eb9a060e54bf8d69288fbee4904')).toBe('pid # at <id> id <id>');
  });

  it('a declared writable path the new user cannot write', () => {
    const base = ev({ writable: [{ path: '/data', ok: true }] });
    expect(compareEvidence(base, ev({ writable: [{ path: '/data', ok: false, detail: 'Permission denied' }] }))).toEqual([
      { check: 'writable', message: '/data is declared writable but its user cannot write it', lines: ['Permission denied'] },
    ]);
    expect(compareEvidence(base, ev({ writable: [{ path: '/data', ok: null }] }))).toEqual([]);
  });
});

describe('an image the engine could not pull', () => {
  it('is read from the classic builder failing at a FROM step, BuildKit, and compose v1 and v2 pulling for up', () => {
    // docker-compose 1.29 on Docker 20.10 (dockersamples/linux_tweet_app with nginx/unprivileged, 2026-12).
    const classic = [
      'Sending build context to Docker daemon  47.62kB',
      'Step 1/5 : FROM nginxinc/nginx-unprivileged:latest',
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host',
      "Service 'app' failed to build : Build failed",
    ];
    expect(unpulledImage(classic)).toBe('nginxinc/nginx-unprivileged:latest');
    expect(unpulledImage(['Step 1/3 : FROM --platform=linux/amd64 python:3.12-slim AS base', 'manifest unknown'])).toBe('python:3.12-slim');
    // A later step failed: the base was there.
    expect(unpulledImage(['Step 1/3 : FROM debian:bookworm-slim', ' ---> 6044c01b49aa', 'Step 2/3 : RUN apt-get install -y gosu', 'E: Unable to locate package gosu'])).toBeUndefined();
    expect(unpulledImage(['UID 1000 is not unique'])).toBeUndefined();
    expect(unpulledImage(['ERROR: failed to solve: acme/base:2: failed to resolve source metadata for docker.io/acme/base:2: pull access denied'])).toBe('acme/base:2');
    // docker-compose 1.29 `up`, its stderr tail as verify keeps it (searxng/searxng-docker, 2026-12).
    expect(
      unpulledImage(['Creating volume "p_valkey-data2" with default driver Pulling caddy (docker.io/library/caddy:2-alpine)... Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host']),
    ).toBe('caddy:2-alpine');
    // The pull worked and something later failed.
    expect(unpulledImage(['Pulling cache (redis:7)... Creating p_cache_1 ... error ERROR: for cache  Cannot start service cache: port is already allocated'])).toBeUndefined();
    expect(unpulledImage(["Error response from daemon: pull access denied for acme/cache, repository does not exist or may require 'docker login'"])).toBe('acme/cache');
  });

  it('a service that listened before and listens on no port after is broken; a port that moved is not', () => {
    expect(compareEvidence(ev({ listening: [5000] }), ev({ listening: [] }))).toEqual([{ check: 'state', message: 'it listens on no TCP port where it used to listen on 5000', lines: [] }]);
    expect(compareEvidence(ev({ listening: [80] }), ev({ listening: [8080] }))).toEqual([]);
    expect(compareEvidence(ev({ listening: [80] }), ev({}))).toEqual([]); // not read: nothing to compare
  });

  it('makes the problem say so', () => {
    const ok = ev();
    expect(compareEvidence(ok, ev({ built: false, buildLog: ['Step 1/2 : FROM nginxinc/nginx-unprivileged:1.27', 'manifest unknown'] }))[0]!.message).toBe(
      'the image no longer builds: the engine could not pull nginxinc/nginx-unprivileged:1.27',
    );
    const notUp = compareEvidence(ok, { ...notStarted("pull access denied for acme/web, repository does not exist"), built: null });
    expect(notUp).toEqual([{ check: 'start', message: 'the container does not start: the engine could not pull acme/web', lines: ['pull access denied for acme/web, repository does not exist'] }]);
  });
});

describe('/proc/<pid>/status', () => {
  it('effective UID/GID, groups, capabilities by name, NoNewPrivs', () => {
    const s = parseProcStatus('Name:\tpostgres\nUid:\t0\t999\t999\t999\nGid:\t0\t999\t999\t999\nGroups:\t999 2376 \nCapEff:\t00000000000000c1\nNoNewPrivs:\t1\n', 'host')!;
    expect(s).toEqual({ uid: 999, gid: 999, groups: [999, 2376], capEff: '00000000000000c1', caps: ['CHOWN', 'SETGID', 'SETUID'], noNewPrivs: true, source: 'host' });
    expect(capabilityNames('00000000a80425fb')).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE', 'NET_RAW', 'SYS_CHROOT', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP']);
    expect(capabilityNames('0000000000000000')).toEqual([]);
    expect(parseProcStatus('garbage', 'host')).toBeUndefined();
    // No supplementary groups: an empty line, not the next one.
    expect(parseProcStatus('Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t\nCapEff:\t0000000000000000\nNoNewPrivs:\t0\n', 'host')!.groups).toEqual([]);
  });
});

async function model(tree: Record<string, string>) {
  const dir = writeTree(tree);
  const found = await discover([dir], dir, { exclude: [] });
  return loadProject(found.files, dir, found.roots, found.isExcluded, undefined, { evidence: found.evidence });
}

describe('which projects verify runs', () => {
  it('a base with its automatic override, a named override as its own project, standalone files, runtime Dockerfiles nobody builds', async () => {
    const p = await model({
      'docker-compose.yml': 'services:\n  api:\n    build: ./api\n  db:\n    image: postgres:16\n',
      'docker-compose.override.yml': 'services:\n  api:\n    environment: [DEBUG=1]\n',
      'docker-compose.prod.yml': 'services:\n  api:\n    restart: always\n',
      'api/Dockerfile': 'FROM python:3.12-slim\nCMD ["python3"]\n',
      'tools/compose.yaml': 'services:\n  lint:\n    image: alpine:3.20\n',
      'jobs/Dockerfile': 'FROM python:3.12-slim\nCMD ["python3", "job.py"]\n',
      'base/Dockerfile': 'FROM debian:bookworm-slim\nRUN apt-get update\n',
      'multi/Dockerfile': 'FROM node:20 AS build\nCMD ["node"]\nFROM build\nRUN true\n',
    });
    const rel = (p: { files: { rel: string }[] }) => p.files.map((f) => f.rel);
    expect(composeProjects(p).map(rel)).toEqual([['docker-compose.yml', 'docker-compose.override.yml'], ['docker-compose.yml', 'docker-compose.prod.yml'], ['tools/compose.yaml']]);
    expect(runtimeImages(p).map((r) => [r.dockerfile.rel, r.target])).toEqual([['jobs/Dockerfile', undefined], ['multi/Dockerfile', undefined]]);
    const targets = verifyTargets(p);
    expect(targets.map((t) => t.label)).toEqual(['docker-compose.yml + docker-compose.override.yml', 'docker-compose.yml + docker-compose.prod.yml', 'tools/compose.yaml', 'jobs/Dockerfile', 'multi/Dockerfile']);
    expect(targets[0]!.services.map((s) => [s.name, s.dockerfile ? path.relative(p.cwd, s.dockerfile) : undefined])).toEqual([
      ['api', 'api/Dockerfile'],
      ['db', undefined],
    ]);
  });

  it('a compose file with no service the model knows (version 1: services at the top level) is not booted', async () => {
    // vimagick/dockerfiles redis/arm/docker-compose.yml: verify booted it twice, judging nothing.
    const p = await model({
      'docker-compose.yml': 'services:\n  redis:\n    image: redis:7\n',
      'arm/docker-compose.yml': 'redis:\n  image: easypi/redis-arm\n  command: --appendonly yes\n',
    });
    expect(composeProjects(p).map((r) => r.files.map((f) => f.rel))).toEqual([['docker-compose.yml']]);
  });
});

describe('verify boots what the model says runs', () => {
  // The repository layouts the model is tested on (test/layouts): verify runs exactly their compose projects and runtime images.
  const expected: Record<string, { targets: string[]; services?: string[][]; included?: string[]; envFiles?: string[][] }> = {
    // Dockerfile is a base (production.dockerfile builds FROM its tag) that three compose files also run: each file boots on its
    // own, and production.dockerfile, which nothing else builds, boots alone.
    // One compose file, two images (the user each reuses is the app's own, from its start).
    'app-user-from-start': { targets: ['compose.yaml'] },
    // The compose project boots whole (its idle services too: compose up starts them, they are only not hardened);
    // the idle dev/Dockerfile nothing builds is not booted alone.
    'dev-keepalive': { targets: ['compose.yaml'], services: [['app', 'shell', 'devbox', 'toolbox']] },
    // compose builds nightly (left on root: nightly-rootless is its rootless variant) and prod.
    'rootless-target': { targets: ['compose.yaml'] },
    'base-also-run': { targets: ['docker-compose.yml', 'tests/mssql/docker-compose.yml', 'tests/oracle/docker-compose.yml', 'production.dockerfile'] },
    // docker/base.Dockerfile has children built FROM its tag: a base, not booted alone.
    'base-with-children': { targets: ['compose.yaml'] },
    // Dockerfile is pushed and Dockerfile.heroku builds FROM its tag: a base, not booted alone; the child boots.
    'base-also-pushed': { targets: ['Dockerfile.heroku'] },
    // Both stages of docker/base.dockerfile are bases (the full one builds FROM the slim one's pushed tag); only the app image boots.
    'base-stage-tag-same-file': { targets: ['docker/Dockerfile'] },
    // CI pushes target server; the builder stage and the unused tools stage are not booted.
    // Woodpecker and Drone plugin steps build the two images compose runs (the Drone one with target prod): compose boots them.
    'ci-plugin-builds': { targets: ['compose.yaml'] },
    // A Maven profile's exec-maven-plugin `docker build -t` (configured in the parent's pluginManagement) builds the api image compose runs.
    'maven-image-builds': { targets: ['compose.yaml'] },
    // The entrypoint comes from a named build context (additional_contexts): what boots does not change.
    'named-build-context': { targets: ['compose.yaml'] },
    // devcontainer.json lists the default pair, which the README also runs as the stack: it boots. The dev container's own
    // file is planned by its structure as an override of compose.yaml (as any snippet above its base is), and boots so too.
    'devcontainer-main-stack': { targets: ['compose.yaml + .devcontainer/compose.devcontainer.yaml', 'compose.yaml + compose.override.yaml'] },
    'ci-target': { targets: ['deploy/server.Dockerfile (stage server)'] },
    // The compose image is the one CI pushes by digest and a metadata-action names on another registry: compose boots it.
    'metadata-images-alias': { targets: ['docker-compose.yml'] },
    // A Taskfile task calls the build task once per target (vars TARGET): both targets are images, each booted alone.
    'taskfile-call-target': { targets: ['Dockerfile (stage alpine)', 'Dockerfile (stage scratch)'] },
    // Two images built by the one compose file.
    'env-data-dirs': { targets: ['compose.yaml'] },
    // Two images built by the one compose file; data paths named relative to the WORKDIR change nothing of what boots.
    'env-relative-data-dirs': { targets: ['compose.yaml'] },
    // The production compose file runs images a script and CI build under other tags and re-tag (docker tag, manifest
    // create, imagetools create): it boots with those Dockerfiles' builds, and they are not booted alone.
    'retag-provenance': { targets: ['docker/production/compose.yml'] },
    // Images named through .env and --env-file values: both compose files boot, each on its own.
    // deploy/up.sh starts deploy/compose.yaml with --env-file prod.env: verify resolves it with that file.
    'compose-env-interpolation': { targets: ['compose.yaml', 'deploy/compose.yaml'], envFiles: [[], ['deploy/prod.env']] },
    // COMPOSE_FILE in .env combines the two files: one project, not the base alone.
    'compose-file-env': { targets: ['docker-compose.yml + docker-compose.prod.yml'] },
    // infra/database.yml is included: it runs inside compose.yaml's project, whose services include its db.
    include: { targets: ['compose.yaml'], services: [['db', 'app']], included: ['infra/database.yml'] },
    // The including file and its override define db again (merged onto the included one): one project, each service once.
    // The only build is in a CI job whose if: is always false: nothing to boot.
    'ci-job-never-runs': { targets: [] },
    // The same with a GitLab job whose rules never add it.
    'gitlab-job-never-added': { targets: [] },
    // The Dockerfile is built by another repository's action under its own input names: its tag is not known, nothing boots it.
    'ci-remote-action-unread': { targets: [] },
    // An official-images repository: every variant Dockerfile is a base, none is booted alone.
    'official-library-debian-variant': { targets: [] },
    'include-merged-services': { targets: ['compose.yaml + compose.override.yaml'], services: [['db', 'cache', 'app']], included: ['infra/services.yml'] },
    // compose builds target runtime; dev and release-assets are not runtime images.
    'multi-target': { targets: ['compose.yaml'] },
    // Dev container (and its compose file), packaging and test harness: only the runtime Dockerfile.
    'non-runtime-dockerfiles': { targets: ['Dockerfile'] },
    'override-adds-build': { targets: ['compose.yaml + compose.override.yaml'] },
    // The Makefile's pair with compose.prod.yaml (target prod) is the project evidence names; its prod stage is a runtime image too.
    'override-pair-target': { targets: ['compose.yaml + compose.prod.yaml'] },
    // Compose files known by their content (caddy.yml, stack.yml), each alone; the Kubernetes, Helm, Traefik, Ansible,
    // OpenAPI and Lando YAML next to them are not compose files.
    'compose-by-content': { targets: ['contrib/docker-compose/caddy.yml', 'deploy/stack.yml'] },
    // The compose image is the tag scripts/build.sh builds, its organisation a quoted default (${OWNER:-"acme"}): compose
    // boots that build.
    'script-tag-quoted-default': { targets: ['compose.yaml'] },
    // CI pushes org/app:latest from two Dockerfiles (one per architecture); the compose service runs that tag: compose boots
    // it, and each Dockerfile knows the service (its named volume is chowned in both).
    'tag-several-dockerfiles-volume': { targets: ['compose.yaml'] },
    // FROM through named build contexts (compose docker-image://, bake target:): what boots is the compose project.
    'named-context-from': { targets: ['compose.yaml'] },
    // A prod file complete on its own is a project of its own, not an override.
    'standalone-prod': { targets: ['docker-compose.prod.yml', 'docker-compose.yml'] },
    // Two toolchain images CI pushes for its jobs' `container:`: CI images, nothing to boot.
    'ci-job-container': { targets: [] },
    // The image a job also runs in is one compose runs: the compose project boots.
    'ci-job-container-also-served': { targets: ['compose.yaml'] },
    // Three images, each built by the one compose file.
    'supervisord-programs': { targets: ['compose.yaml'] },
    // The stack's two -c files are one project, booted with compose as the nearest local stand-in for swarm (it mounts the
    // long-form tmpfs the same way); the dev compose file that builds org/api boots too.
    // The template file's services are only extended: not booted; docker-compose.yml boots with what they give it.
    'extends-templates': { targets: ['docker-compose.yml'] },
    // Snippets whose services lack image and build boot merged onto the file above that defines them; the secrets snippet,
    // whose db two files of its folder define, stays alone (its baseline cannot boot, which verify reports); the
    // mariadb-secrets snippet goes on the one of the two its name extends.
    'override-snippets-above': {
      targets: [
        'docker-compose.yaml',
        'docker-compose.yaml + ci/smoke/compose.yaml',
        'docker-compose.yaml + examples/tls/docker-compose.override.yaml',
        'overrides/compose.mariadb.yaml',
        'overrides/compose.mariadb.yaml + overrides/compose.mariadb-secrets.yaml',
        'overrides/compose.postgres.yaml',
        'overrides/compose.secrets.yaml',
      ],
    },
    // The base with its automatic override, and with the prod file the Makefile adds instead.
    'override-capabilities': { targets: ['docker-compose.yml + docker-compose.override.yml', 'docker-compose.yml + docker-compose.prod.yml'] },
    // The secrets snippet goes on the end of the chain the README runs its base in, not on that base alone.
    'snippet-on-a-chain': {
      targets: ['compose.yaml + overrides/compose.mariadb.yaml', 'compose.yaml + overrides/compose.mariadb.yaml + overrides/compose.mariadb-secrets.yaml', 'overrides/compose.postgres.yaml'],
    },
    'swarm-stack-and-compose': { targets: ['docker-compose.yml', 'docker-stack.yml + docker-stack.prod.yml'] },
    // A stack file known by its name alone still boots with compose, the nearest local stand-in for swarm.
    'swarm-stack-by-name': { targets: ['docker-stack.yml'] },
    // A service's own start (compose command/entrypoint) changes what each service needs, not what boots: one project each.
    'start-anchor-merge': { targets: ['compose.yaml'] },
    'start-command-drop': { targets: ['compose.yaml'], services: [['web', 'worker', 'migrate']] },
    'start-entrypoint-mounted': { targets: ['compose.yaml'] },
    'start-image-command-drop': { targets: ['compose.yaml'] },
    'start-override-command': { targets: ['compose.yaml + compose.override.yml'] },
    'start-override-entrypoint-caps': { targets: ['compose.yaml + compose.override.yml'] },
    'start-supervisor-command': { targets: ['compose.yaml'] },
    'start-sudo-step-up': { targets: ['compose.yaml'], services: [['web', 'admin']] },
    'uwsgi-uid-environment': { targets: ['compose.yaml'] },
    // What a service's env files, HOME, pip at start or a Next.js build output change is what each service keeps writable or runs as, not what boots.
    'uwsgi-uid-env-file': { targets: ['docker-compose.yml'] },
    'home-created-read-only': { targets: ['compose.yaml'] },
    'pip-at-start-read-only': { targets: ['compose.yaml'] },
    'next-standalone-root': { targets: ['compose.yaml'] },
    'next-monorepo-own-user': { targets: ['docker-compose.yml'] },
    'next-start-build-output': { targets: ['compose.yaml'] },
    // nginx template renders change what each service keeps writable, not what boots: one project.
    'nginx-templates-read-only': { targets: ['compose.yaml'] },
  };
  const root = path.join(REPO, 'test/layouts');
  for (const name of readdirSync(root).sort()) {
    it(name, async () => {
      const want = expected[name];
      expect(want, `add test/layouts/${name} to this table`).toBeDefined();
      const p = await model(readTree(path.join(root, name, 'input')));
      const targets = verifyTargets(p);
      expect(targets.map((t) => t.label)).toEqual(want!.targets);
      if (want!.services) expect(targets.map((t) => t.services.map((s) => s.name))).toEqual(want!.services);
      if (want!.included) expect(targets[0]!.included.map((f) => path.relative(p.cwd, f))).toEqual(want!.included);
      if (want!.envFiles) expect(targets.map((t) => t.envFiles.map((f) => path.relative(p.cwd, f)))).toEqual(want!.envFiles);
    });
  }

  it('stages: compose runs one target, CI pushes another (booted alone with --target), a test stage CI only builds is not booted; a -f pair from a Makefile is one project', async () => {
    const p = await model({
      Dockerfile:
        'FROM python:3.12-slim AS base\nRUN pip install flask\nFROM base AS api\nCMD ["flask", "run"]\nFROM base AS worker\nCMD ["python3", "worker.py"]\nFROM base AS test\nRUN pytest\n',
      'compose.yaml': 'services:\n  api:\n    build:\n      context: .\n      target: api\n',
      'compose.ci.yaml': 'services:\n  api:\n    build:\n      context: .\n      target: api\n    environment: [CI=1]\n',
      Makefile:
        'release:\n\tdocker build --target worker -t org/worker .\n\tdocker push org/worker\n\tdocker build --target test -t org/test .\n' +
        'ci:\n\tdocker compose -f compose.yaml -f compose.ci.yaml up -d\n',
    });
    const targets = verifyTargets(p);
    expect(targets.map((t) => [t.id, t.buildTarget])).toEqual([
      ['compose:compose.yaml+compose.ci.yaml', undefined],
      ['dockerfile:Dockerfile', 'worker'],
    ]);
  });

  it('two runtime stages nothing in compose builds: one target each, named by stage', async () => {
    const p = await model({
      Dockerfile: 'FROM node:20 AS web\nCMD ["node", "web.js"]\nFROM node:20 AS cron\nCMD ["node", "cron.js"]\n',
      '.github/workflows/release.yml':
        'on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build --target web -t org/web . && docker push org/web\n      - run: docker build --target cron -t org/cron . && docker push org/cron\n',
    });
    expect(verifyTargets(p).map((t) => [t.id, t.label, t.buildTarget])).toEqual([
      ['dockerfile:Dockerfile#web', 'Dockerfile (stage web)', 'web'],
      ['dockerfile:Dockerfile#cron', 'Dockerfile (stage cron)', undefined],
    ]);
  });
});

describe('an image this repository builds outside compose', () => {
  it('a service running `image: org/api` built by a script: verify builds it from the Dockerfile, which is not booted on its own', async () => {
    const p = await model({
      'docker-compose.yml': 'services:\n  api:\n    image: org/api:latest\n',
      'build.sh': '#!/bin/sh\ndocker build -t org/api:latest -f api/Dockerfile api\n',
      'api/Dockerfile': 'FROM python:3.12-slim\nCMD ["python3", "-m", "http.server"]\n',
    });
    const targets = verifyTargets(p);
    expect(targets.map((t) => t.label)).toEqual(['docker-compose.yml']);
    const api = targets[0]!.services[0]!;
    expect([api.builtFrom?.dockerfile, api.builtFrom?.context].map((x) => x && path.relative(p.cwd, x))).toEqual(['api/Dockerfile', 'api']);
    const dir = sandboxDir();
    const cfg = 'services:\n  api:\n    image: org/api:latest\nversion: "3.9"\n';
    const r = sanitizeComposeConfig(cfg, { ...opts(dir), builds: new Map([['api', { context: `${dir}/tree/api`, dockerfile: 'Dockerfile' }]]) });
    const out = parse(r.text, { version: '1.1' });
    expect(out.services.api).toEqual({ image: 'dh-verify-shop-1234abcd-api:hardened', build: { context: `${dir}/tree/api`, dockerfile: 'Dockerfile' } });
    expect(r.notes.join('\n')).toMatch(/api: its image org\/api:latest is built from Dockerfile here/);
  });
});

describe('which fixes touch a service', () => {
  it('by intent path in the project\'s compose files, by Dockerfile, build context and bind mount', async () => {
    const p = await model({
      'docker-compose.yml': 'services:\n  web:\n    build: ./web\n    volumes: ["./conf/site.conf:/etc/nginx/conf.d/site.conf:ro"]\n  db:\n    image: postgres:16\n',
      'web/Dockerfile': 'FROM nginx:1.27\n',
      'web/nginx.conf': 'events {}\n',
      'conf/site.conf': 'server { listen 80; }\n',
    });
    const [t] = verifyTargets(p);
    const at = (rel: string) => path.join(p.cwd, rel);
    const f = (edits: string[], intent: (string | number)[][] = []): Finding => ({
      transform: 'x/y',
      file: edits[0]!,
      range: [0, 0],
      message: 'm',
      severity: 'warning',
      fix: { edits: edits.map((file) => ({ file, range: [0, 0], text: '' })), intent: intent.map((pp) => ({ file: at('docker-compose.yml'), doc: 0, path: pp, op: 'set' as const, value: 1 })) },
    });
    expect(touchedServices(f([at('docker-compose.yml')], [['services', 'db', 'read_only']]), t!, p)).toEqual(['db']);
    expect(touchedServices(f([at('docker-compose.yml')]), t!, p).sort()).toEqual(['db', 'web']);
    expect(touchedServices(f([at('web/Dockerfile')]), t!, p)).toEqual(['web']);
    expect(touchedServices(f([at('web/nginx.conf')]), t!, p)).toEqual(['web']);
    expect(touchedServices(f([at('conf/site.conf')]), t!, p)).toEqual(['web']);
  });

  it('suspects are ordered by what the failure shows', () => {
    const mk = (transform: string) => ({ transform, file: '/x', range: [0, 0], message: transform, severity: 'warning' }) as Finding;
    const list = [mk('compose/no-new-privileges'), mk('compose/cap-drop'), mk('compose/read-only'), mk('dockerfile/non-root-user')];
    expect(rankSuspects(list, "Error: EROFS: read-only file system, open '/app/x'")[0]!.finding.transform).toBe('compose/read-only');
    expect(rankSuspects(list, 'useradd: UID 1000 is not unique')[0]!.finding.transform).toBe('dockerfile/non-root-user');
    const gosu = rankSuspects(list, 'error: failed switching to "worker": operation not permitted');
    expect(gosu.slice(0, 2).map((r) => r.finding.transform).sort()).toEqual(['compose/cap-drop', 'dockerfile/non-root-user']);
    expect(rankSuspects(list, 'nothing telling').every((r) => r.score === 0)).toBe(true);
  });
});

describe('tool output as evidence', () => {
  it('colours, blank lines and the builder chatter go; the build error stays last', () => {
    const out = [
      'Step 6/12 : RUN pip install -r requirements.txt',
      ' ---> Running in 9edff45fae0c',
      '\x1b[91m/bin/sh: 1: pip: not found',
      '\x1b[0m',
      "The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 127",
    ].join('\n');
    const err = ['Building api', 'DEPRECATED: The legacy builder is deprecated and will be removed in a future release.', '            Install the buildx component to build images with BuildKit:', '            https://docs.docker.com/go/buildx/', '', "ERROR: Service 'api' failed to build : Build failed"].join('\n');
    expect(tailLines(`${out}\n${err}`, 3)).toEqual(['/bin/sh: 1: pip: not found', "The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 127", "ERROR: Service 'api' failed to build : Build failed"]);
  });
});
