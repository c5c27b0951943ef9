// verify through the CLI against a stand-in engine (test/fake-engine): the
// Compose CLI it picks (v2 plugin, else docker-compose v1), what it never
// touches, bisection and withholding, exit codes, and the evidence in every
// report format (JSON and SARIF validated against their schemas). The real
// engine is the runtime tier's business (test/runtime/).
import { describe, it, expect } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import { parse } from 'yaml';
import { REPO, readTree, runCli, tempDir, writeTree } from './helpers.js';
import { RuntimeError, connectRuntime, type Executor } from '../src/runtime/index.js';
import { detectCompose } from '../src/runtime/compose.js';
// @ts-expect-error: a plain ES module without types (it also runs as a binary)
import { fakeExec } from './fake-engine/engine.mjs';

interface Call {
  cmd: string;
  argv: string[];
  dockerHost: string | null;
}

interface Rule {
  service: string;
  if?: { compose?: string; dockerfile?: string };
  then: { status?: string; exitCode?: number; health?: string; logs?: string[]; error?: string; build?: string; pull?: string; up?: string; listenAfter?: number };
}

interface Scenario {
  engineVersion?: string;
  daemonDown?: boolean;
  composeV2?: boolean;
  upDelayMs?: number;
  users?: Record<string, number>;
  rules?: Rule[];
}

const FAKE = path.join(REPO, 'test/fake-engine/docker.mjs');

/**
 * A stand-in engine: `exec` runs it in-process (fast), `env.PATH` holds it as
 * binaries (node, docker, and docker-compose when `v1`) for the tests that
 * check how the real commands are found and spawned.
 */
function fakeEngine(scenario: Scenario, opts: { v1?: boolean; docker?: boolean } = {}) {
  const state = tempDir('dh-fake-');
  const bin = path.join(state, 'bin');
  mkdirSync(bin);
  chmodSync(FAKE, 0o755);
  symlinkSync(process.execPath, path.join(bin, 'node'));
  if (opts.docker !== false) symlinkSync(FAKE, path.join(bin, 'docker'));
  if (opts.v1) symlinkSync(FAKE, path.join(bin, 'docker-compose'));
  writeFileSync(path.join(state, 'scenario.json'), JSON.stringify({ engineVersion: '24.0.7', ...scenario }));
  writeFileSync(path.join(state, 'calls.jsonl'), '');
  const env: NodeJS.ProcessEnv = {
    PATH: bin,
    HOME: process.env.HOME,
    DOCKER_HOST: 'unix:///run/fake-docker.sock',
    FAKE_DOCKER_STATE: state,
    FAKE_DOCKER_SCENARIO: path.join(state, 'scenario.json'),
  };
  const calls = (): Call[] =>
    readFileSync(path.join(state, 'calls.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Call);
  const installed = (name: string) => (name === 'docker' ? opts.docker !== false : name === 'docker-compose' ? !!opts.v1 : false);
  const fake = fakeExec(installed) as Executor;
  const exec: Executor = async (cmd, args, o) => {
    try {
      return await fake(cmd, args, o);
    } catch (err) {
      if ((err as { notFound?: boolean }).notFound) throw new RuntimeError(`${cmd}: command not found`, 'missing-docker');
      throw err;
    }
  };
  return { env, calls, state, exec };
}

const STACK = {
  'docker-compose.yml': [
    'services:',
    '  web:',
    '    build: ./web',
    '    container_name: shop-web',
    '    ports: ["8080:3000"]',
    '    healthcheck:',
    '      test: ["CMD", "true"]',
    '  cache:',
    '    image: redis:7',
    '    ports: ["6379:6379"]',
    'volumes:',
    '  data:',
    '    external: true',
    '',
  ].join('\n'),
  'web/Dockerfile': 'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY server.js .\nCMD ["node", "server.js"]\n',
  'web/server.js': 'require("http").createServer((q, s) => s.end("ok")).listen(3000);\n',
};

const FAST = ['--verify-settle', '0', '--verify-timeout', '20'];

async function verify(tree: Record<string, string>, scenario: Scenario, args: string[] = ['verify'], engine = fakeEngine(scenario, { v1: false }), spawn = false) {
  const dir = writeTree(tree);
  const r = await runCli([...args, ...FAST, '.'], dir, { env: engine.env, exec: spawn ? undefined : engine.exec });
  return { ...r, dir, engine };
}

const jsonValidator = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(path.join(REPO, 'docs/report.schema.json'), 'utf8')));
const sarifValidator = new AjvDraft04.default({ strict: false, allErrors: true, validateFormats: false }).compile(JSON.parse(readFileSync(path.join(REPO, 'test/schemas/sarif-schema-2.1.0.json'), 'utf8')));

// Each run starts the stand-in CLI a few dozen times: generous limits for a loaded machine.
describe('verify: which Compose CLI, and what it never touches', { timeout: 300_000 }, () => {
  it('uses `docker compose` (v2) when it answers: dh-verify- projects, no host ports or fixed names, everything taken down', async () => {
    const { code, stdout, stderr, engine } = await verify(STACK, { composeV2: true }, ['verify', '--format', 'json']);
    expect(code, stderr).toBe(1); // verified, changes pending
    const report = JSON.parse(stdout);
    expect(jsonValidator(report), JSON.stringify(jsonValidator.errors)).toBe(true);
    expect(report.verify.engine).toEqual({ version: '24.0.7', compose: 'docker compose 2.29.1' });
    const calls = engine.calls();
    const composeCalls = calls.filter((c) => c.argv[0] === 'compose' && c.argv[1] !== 'version');
    expect(composeCalls.length).toBeGreaterThan(0);
    expect(calls.some((c) => c.cmd === 'docker-compose')).toBe(false);
    for (const c of composeCalls) expect(c.argv[1]).toBe('-p'), expect(c.argv[2]).toMatch(/^dh-verify-/);
    for (const c of calls) expect(c.dockerHost).toBe('unix:///run/fake-docker.sock');
    // What `up` ran: no published ports, no container_name, no external volume, our own image tags.
    const ups = composeCalls.filter((c) => c.argv.includes('up'));
    expect(ups.length).toBe(2); // baseline and hardened
    for (const up of ups) {
      expect(up.argv).toContain('--no-build');
      const file = up.argv[up.argv.indexOf('-f') + 1]!;
      expect(file.startsWith(tmpdir())).toBe(true);
    }
    const projects = new Set(ups.map((c) => c.argv[2]));
    const downs = composeCalls.filter((c) => c.argv.includes('down'));
    expect(new Set(downs.map((c) => c.argv[2]))).toEqual(projects);
    for (const d of downs) expect(d.argv.slice(d.argv.indexOf('down'))).toEqual(['down', '-v', '--remove-orphans', '-t', '1']);
    const builds = composeCalls.filter((c) => c.argv.includes('build'));
    expect(builds.length).toBeGreaterThan(0);
    // --force-rm is for the classic builder of docker-compose 1.x only.
    for (const b of builds) expect(b.argv).not.toContain('--force-rm');
    // Every service verified, nothing withheld.
    expect(report.verify.targets[0].services.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['web', 'verified'],
      ['cache', 'verified'],
    ]);
    expect(report.verify.targets[0].notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/web: published ports left out/), expect.stringMatching(/container_name shop-web left out/), expect.stringMatching(/volumes data: external/)]),
    );
    const web = report.verify.targets[0].services[0];
    expect([web.baseline.uid, web.hardened.uid, web.hardened.readOnlyRootfs, web.hardened.noNewPrivs, web.hardened.caps]).toEqual([0, 1000, true, true, []]);
    expect(web.hardened.procSource).toBe('container');
  });

  it('finds the CLIs on PATH: `docker compose` (v2) first, docker-compose (v1) when the plugin does not answer', async () => {
    const v2 = await connectRuntime(fakeEngine({ composeV2: true }, { v1: true }).env);
    expect([v2.compose.argv, v2.compose.version, v2.compose.major, v2.engineVersion]).toEqual([['docker', 'compose'], '2.29.1', 2, '24.0.7']);
    const v1 = await connectRuntime(fakeEngine({ composeV2: false }, { v1: true }).env);
    expect([v1.compose.argv, v1.compose.version, v1.compose.major]).toEqual([['docker-compose'], '1.29.2', 1]);
    await expect(detectCompose('docker', fakeEngine({ composeV2: false }).env)).rejects.toMatchObject({ kind: 'missing-compose' });
  });

  it('uses docker-compose (v1) when `docker compose` does not answer (real commands spawned from PATH)', async () => {
    const engine = fakeEngine({ composeV2: false }, { v1: true });
    const { code, stdout, stderr } = await verify(STACK, {}, ['verify', '--format', 'json'], engine, true);
    expect(code, stderr).toBe(1);
    expect(JSON.parse(stdout).verify.engine.compose).toBe('docker-compose 1.29.2');
    const calls = engine.calls().filter((c) => c.cmd === 'docker-compose' && !c.argv.includes('version'));
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.every((c) => c.argv[0] === '-p' && c.argv[1]!.startsWith('dh-verify-'))).toBe(true);
    // docker-compose 1.x leaves the container of a failed RUN step behind unless told not to.
    const builds = calls.filter((c) => c.argv.includes('build'));
    expect(builds.length).toBeGreaterThan(0);
    for (const b of builds) expect(b.argv.slice(b.argv.indexOf('build'), b.argv.indexOf('build') + 2)).toEqual(['build', '--force-rm']);
  });

  it('no engine: exit 2, says what is missing and how to get it, writes nothing', async () => {
    const dir = writeTree(STACK);
    const before = readTree(dir);
    const engine = fakeEngine({ daemonDown: true, composeV2: true });
    const r = await runCli(['--verify', ...FAST, '.'], dir, { env: engine.env, exec: engine.exec });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/verification could not run: cannot reach a Docker Engine at DOCKER_HOST=unix:\/\/\/run\/fake-docker.sock/);
    expect(r.stderr).toMatch(/systemctl start docker|DOCKER_HOST/);
    expect(r.stderr).toMatch(/Nothing was written/);
    expect(readTree(dir)).toEqual(before);
  });

  it('no Compose CLI: exit 2 naming both ways to install one', async () => {
    const r = await verify(STACK, { composeV2: false });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/neither 'docker compose' \(v2\) nor 'docker-compose'/);
    expect(r.stderr).toMatch(/docker-compose-plugin/);
  });

  it('no docker CLI on PATH: exit 2', async () => {
    const engine = fakeEngine({ composeV2: true }, { docker: false });
    const r = await verify(STACK, {}, ['verify'], engine, true);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs the docker CLI/);
    expect(r.stderr).toMatch(/apt-get install docker.io/);
  });

  it('Ctrl-C: the running command is stopped, every project started is taken down, the copies are removed, exit 2', async () => {
    const engine = fakeEngine({ composeV2: true, upDelayMs: 60_000 });
    const dir = writeTree(STACK);
    const child = spawn(process.execPath, [path.join(REPO, 'bin/docker-harden.js'), 'verify', ...FAST, '.'], { cwd: dir, env: engine.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const upCalls = () => engine.calls().filter((c) => c.argv.includes('up'));
    for (let i = 0; i < 600 && upCalls().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(upCalls().length).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(2);
    expect(stderr).toMatch(/docker-harden: verification interrupted; the containers, volumes and copies it made are removed\nNothing was written/);
    const started = new Set(engine.calls().filter((c) => c.argv[0] === 'compose' && c.argv.includes('up')).map((c) => c.argv[2]));
    const downed = new Set(engine.calls().filter((c) => c.argv[0] === 'compose' && c.argv.includes('down')).map((c) => c.argv[2]));
    for (const p of started) expect(downed.has(p), `project ${p} taken down; calls: ${engine.calls().map((c) => c.argv.join(' ')).join('\n')}\n${stderr}`).toBe(true);
    // After `down`, the engine's late creates (compose had sent them before it stopped) are swept by label.
    const calls = engine.calls();
    for (const p of started) {
      const down = calls.findIndex((c) => c.argv[0] === 'compose' && c.argv.includes('down') && c.argv[2] === p);
      const sweep = calls.findIndex((c, i) => i > down && c.argv[0] === 'ps' && c.argv.includes(`label=com.docker.compose.project=${p}`));
      expect(sweep, `project ${p} swept by label after its down`).toBeGreaterThan(down);
    }
    for (const c of upCalls()) expect(existsSync(path.dirname(c.argv[c.argv.indexOf('-f') + 1]!))).toBe(false);
    expect(readTree(dir)).toEqual(STACK);
  });

  it('--keep leaves the projects up and prints how to remove them', async () => {
    const { code, stderr, engine } = await verify(STACK, { composeV2: true }, ['verify', '--keep']);
    expect(code).toBe(1);
    const kept = stderr.split('\n').filter((l) => l.startsWith('kept running; remove with: '));
    expect(kept.length).toBe(2); // the baseline and the hardened project
    for (const k of kept) expect(k).toMatch(/docker compose -p dh-verify-\S+ -f \S+ down -v --remove-orphans -t 1 && rm -rf \S+/);
    expect(engine.calls().some((c) => c.argv.includes('down'))).toBe(false);
    // The printed commands work: the projects go down and the copies are removed.
    for (const k of kept) {
      execFileSync('sh', ['-c', k.slice('kept running; remove with: '.length)], { env: { ...engine.env, PATH: `${engine.env.PATH}:/usr/bin:/bin` } });
      expect(existsSync(/rm -rf (\S+)$/.exec(k)![1]!)).toBe(false);
    }
    expect(engine.calls().filter((c) => c.argv.includes('down')).length).toBe(2);
  });
});

// A project the repository starts with --env-file: compose resolves it with those values, not the folder's .env.
const ENV_FILE_STACK = {
  'deploy/compose.yaml': 'services:\n  web:\n    build: ../web\n    ports: ["${WEB_PORT:?set WEB_PORT}:3000"]\n    environment: ["APP_ENV=${APP_ENV:?set APP_ENV}"]\n',
  'deploy/.env': 'UNUSED=1\n',
  'deploy/base.env': 'APP_ENV=production\n',
  'deploy/prod.env': 'WEB_PORT=8080\n',
  'web/Dockerfile': STACK['web/Dockerfile'],
  'web/server.js': STACK['web/server.js'],
};

describe('verify: the env files the repository runs compose with', { timeout: 300_000 }, () => {
  const configCalls = (engine: ReturnType<typeof fakeEngine>) => engine.calls().filter((c) => c.argv.includes('config'));

  it('v2: each --env-file, read from the sandbox copy', async () => {
    const tree = { ...ENV_FILE_STACK, 'deploy/up.sh': '#!/bin/sh\ncd "$(dirname "$0")"\ndocker compose --env-file base.env --env-file prod.env -f compose.yaml up -d\n' };
    const { code, stdout, stderr, engine, dir } = await verify(tree, { composeV2: true }, ['verify', '--format', 'json']);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.verify.targets.map((t: { services: { name: string; status: string }[] }) => t.services.map((s) => [s.name, s.status]))).toEqual([[['web', 'verified']]]);
    const calls = configCalls(engine);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      const given = c.argv.flatMap((a, i) => (c.argv[i - 1] === '--env-file' ? [a] : []));
      expect(given.map((f) => path.relative(path.dirname(path.dirname(path.dirname(f))), f))).toEqual(['deploy/base.env', 'deploy/prod.env'].map((f) => path.join('tree', f)));
      for (const f of given) expect(f.startsWith(dir)).toBe(false); // the copy, not the user's tree
    }
  });

  it('v1 (one --env-file): several are joined in order, a later value winning', async () => {
    // Each file holds a value compose requires, and base.env's empty WEB_PORT must lose to prod.env's.
    const tree = {
      ...ENV_FILE_STACK,
      'deploy/base.env': 'WEB_PORT=\nAPP_ENV=production\n',
      'deploy/up.sh': '#!/bin/sh\ncd "$(dirname "$0")"\ndocker-compose --env-file base.env --env-file prod.env -f compose.yaml up -d\n',
    };
    const { code, stdout, stderr, engine } = await verify(tree, { composeV2: false }, ['verify', '--format', 'json'], fakeEngine({ composeV2: false }, { v1: true }));
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.verify.targets[0].services.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([['web', 'verified']]);
    for (const c of configCalls(engine)) {
      const given = c.argv.flatMap((a, i) => (c.argv[i - 1] === '--env-file' ? [a] : []));
      expect(given.map((f) => path.basename(f))).toEqual(['joined.env']);
    }
  });
});

describe('verify: withholding what breaks', { timeout: 600_000 }, () => {
  it('a service that crashes under read_only: exactly compose/read-only is withheld, with the log line; in place the rest is written', async () => {
    const scenario: Scenario = {
      composeV2: true,
      users: { node: 1000 },
      rules: [{ service: 'web', if: { compose: 'read_only' }, then: { status: 'exited', exitCode: 1, health: 'unhealthy', logs: ["Error: EROFS: read-only file system, open '/app/cache.json'"] } }],
    };
    const { code, stdout, dir } = await verify(STACK, scenario, ['--verify', '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(jsonValidator(report), JSON.stringify(jsonValidator.errors)).toBe(true);
    expect(report.verify.withheldFixes.map((w: { transform: string; evidence: { reason: string; service: string; check: string } }) => [w.transform, w.evidence.reason, w.evidence.service, w.evidence.check])).toEqual([
      ['compose/read-only', 'broke', 'web', 'state'],
    ]);
    expect(report.verify.withheldFixes[0].evidence.lines).toEqual(["Error: EROFS: read-only file system, open '/app/cache.json'"]);
    // The log points at read_only: one probe without it, whose boot is also the final one.
    expect(report.verify.boots).toBe(3);
    const withheld = report.findings.filter((f: { status: string }) => f.status === 'withheld');
    expect(withheld.map((f: { transform: string; message: string }) => [f.transform, f.message.split(':')[0]])).toEqual([['compose/read-only', 'service web']]);
    expect(report.summary.withheld).toBe(1);
    const web = report.verify.targets[0].services.find((s: { name: string }) => s.name === 'web');
    expect(web.status).toBe('withheld');
    expect(web.problems[0].check).toBe('state');
    expect([web.hardened.state, web.hardened.readOnlyRootfs, web.hardened.uid]).toEqual(['running', false, 1000]);
    // Written: the other fixes, verified; read_only only for cache.
    const compose = readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
    const data = parse(compose);
    expect(data.services.web.read_only).toBeUndefined();
    expect(data.services.web.cap_drop).toEqual(['ALL']);
    expect(data.services.web.security_opt).toEqual(['no-new-privileges:true']);
    expect(data.services.cache.read_only).toBe(true);
    expect(readFileSync(path.join(dir, 'web/Dockerfile'), 'utf8')).toMatch(/^USER 1000:1000$/m);
  });

  it('bisection over several fixes of one service finds both that break it', async () => {
    const scenario: Scenario = {
      composeV2: true,
      users: { node: 1000 },
      rules: [
        { service: 'web', if: { compose: 'read_only' }, then: { status: 'exited', exitCode: 1, logs: ['cannot write cache'] } },
        { service: 'web', if: { compose: 'security_opt' }, then: { status: 'exited', exitCode: 1, logs: ['cannot raise privileges'] } },
      ],
    };
    const { code, stdout, stderr } = await verify(STACK, scenario, ['verify', '--format', 'json']);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.verify.withheldFixes.map((w: { transform: string }) => w.transform).sort()).toEqual(['compose/no-new-privileges', 'compose/read-only']);
    const web = report.verify.targets[0].services.find((s: { name: string }) => s.name === 'web');
    expect([web.status, web.hardened.state, web.hardened.uid]).toEqual(['withheld', 'running', 1000]);
    expect(report.findings.filter((f: { status: string; transform: string }) => f.status === 'fixable').map((f: { transform: string }) => f.transform).sort()).toEqual([
      'compose/cap-drop',
      'compose/cap-drop',
      'compose/no-new-privileges',
      'compose/read-only',
      'dockerfile/non-root-user',
    ]);
  });

  it('a build the fix breaks: only fixes that edit what the build reads are suspects; the build log is the evidence', async () => {
    const scenario: Scenario = { composeV2: true, rules: [{ service: 'web', if: { dockerfile: '^USER ' }, then: { build: 'useradd: UID 1000 is not unique' } }] };
    const { code, stdout } = await verify(STACK, scenario, ['verify', '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.verify.withheldFixes.map((w: { transform: string; evidence: { check: string } }) => [w.transform, w.evidence.check])).toEqual([['dockerfile/non-root-user', 'build']]);
    expect(report.verify.withheldFixes[0].evidence.lines.join('\n')).toMatch(/UID 1000 is not unique/);
    // Its compose fixes stay: the service now runs as root, so cap_drop is no longer proposed for it.
    const fixable = report.findings.filter((f: { status: string }) => f.status === 'fixable').map((f: { transform: string; message: string }) => `${f.transform} ${f.message.split(':')[0]}`);
    expect(fixable).toEqual(expect.arrayContaining(['compose/read-only service web', 'compose/no-new-privileges service web']));
    expect(fixable).not.toContain('compose/cap-drop service web');
  });

  it('a service broken before hardening is reported so; its fixes are withheld as unverified and never written', async () => {
    const scenario: Scenario = { composeV2: true, rules: [{ service: 'web', then: { status: 'exited', exitCode: 3, logs: ['missing config'] } }] };
    const { code, stdout, dir } = await verify(STACK, scenario, ['--verify', '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    const web = report.verify.targets[0].services.find((s: { name: string }) => s.name === 'web');
    expect([web.status, web.baselineProblem]).toEqual(['broken-at-baseline', 'it exits with code 3']);
    const unverified = report.verify.withheldFixes.filter((w: { evidence: { reason: string } }) => w.evidence.reason === 'unverified');
    expect(unverified.map((w: { transform: string }) => w.transform).sort()).toEqual(['compose/cap-drop', 'compose/no-new-privileges', 'compose/read-only', 'dockerfile/non-root-user']);
    expect(unverified[0].evidence.lines).toEqual(['missing config']);
    expect(readFileSync(path.join(dir, 'web/Dockerfile'), 'utf8')).toBe(STACK['web/Dockerfile']);
    const data = parse(readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8'));
    expect(data.services.web.read_only).toBeUndefined();
    expect(data.services.cache.read_only).toBe(true); // cache works and its fixes are verified
  });

  it('a service `up` could not create (its image cannot be pulled) is not waited for: reported with compose\'s error, its fixes unverified', async () => {
    const pullError = 'Pulling cache (acme/cache:1)... ERROR: pull access denied for acme/cache, repository does not exist or may require \'docker login\'';
    const tree = { ...STACK, 'docker-compose.yml': STACK['docker-compose.yml'].replace('image: redis:7', 'image: acme/cache:1') };
    const scenario: Scenario = { composeV2: false, users: { node: 1000 }, rules: [{ service: 'cache', then: { up: pullError } }] };
    const engine = fakeEngine(scenario, { v1: true });
    const dir = writeTree(tree);
    // A time limit far above what the rest takes: waiting for the container that never comes would poll all of it.
    const r = await runCli(['verify', '--verify-settle', '0', '--verify-timeout', '120', '--format', 'json', '.'], dir, { env: engine.env, exec: engine.exec });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const cache = report.verify.targets[0].services.find((s: { name: string }) => s.name === 'cache');
    expect(cache.status).toBe('broken-at-baseline');
    expect(cache.baselineProblem).toMatch(/^it did not start: the engine could not pull acme\/cache \(Pulling cache .*pull access denied for acme\/cache/);
    // One look at the containers after `up`, one after settling, one after the hardened `up`... not one every 500 ms for 120 s.
    const polls = engine.calls().filter((c) => c.cmd === 'docker' && c.argv[0] === 'ps');
    expect(polls.length).toBeLessThan(10);
    const unverified = report.verify.withheldFixes.filter((w: { evidence: { reason: string; service: string } }) => w.evidence.service === 'cache');
    expect(unverified.length).toBeGreaterThan(0);
    expect(unverified.every((w: { evidence: { reason: string } }) => w.evidence.reason === 'unverified')).toBe(true);
  });

  it('a fix whose new base image the engine cannot pull is withheld as unverified, not as breaking the service', async () => {
    const tree = {
      'docker-compose.yml': 'services:\n  site:\n    build: ./site\n',
      'site/Dockerfile': 'FROM nginx:1.27\nCOPY index.html /usr/share/nginx/html/\n',
      'site/index.html': '<p>hello</p>\n',
    };
    const noHost = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host';
    const scenario: Scenario = { composeV2: true, rules: [{ service: 'site', if: { dockerfile: '^FROM nginxinc/' }, then: { pull: noHost } }] };
    const { code, stdout, stderr } = await verify(tree, scenario, ['verify', '--format', 'json']);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout);
    expect(jsonValidator(report), JSON.stringify(jsonValidator.errors)).toBe(true);
    const held = report.verify.withheldFixes.find((w: { transform: string }) => w.transform === 'nginx/unprivileged');
    expect(held.evidence.reason).toBe('unverified');
    expect(held.evidence.check).toBe('build');
    expect(held.evidence.message).toContain('needs the image nginxinc/nginx-unprivileged:1.27, which the engine could not pull');
    expect(held.evidence.lines).toContain(noHost);
    const site = report.verify.targets[0].services[0];
    expect(site.problems[0].message).toBe('the image no longer builds: the engine could not pull nginxinc/nginx-unprivileged:1.27');
    // Nothing was shown to break: no fix is counted as breaking the service.
    expect(report.verify.withheldFixes.filter((w: { evidence: { reason: string } }) => w.evidence.reason === 'broke')).toEqual([]);
  });

  it('a service with exposed ports and no healthcheck is judged once it listens, not when it merely runs', async () => {
    // testdrivenio/flask-on-docker: the app runs from the first second, waiting for postgres; it serves on 5000 later.
    const tree = { ...STACK, 'docker-compose.yml': STACK['docker-compose.yml'].replace('    build: ./web\n', '    build: ./web\n    expose: ["3000"]\n').replace(/    healthcheck:\n.*\n/, '') };
    expect(tree['docker-compose.yml']).not.toContain('healthcheck');
    const scenario: Scenario = { composeV2: true, users: { node: 1000 }, rules: [{ service: 'web', then: { listenAfter: 4 } }] };
    const { stdout, stderr } = await verify(tree, scenario, ['verify', '--format', 'json']);
    const web = JSON.parse(stdout).verify.targets[0].services.find((s: { name: string }) => s.name === 'web');
    expect([web.status, web.baseline.listening, web.hardened.listening], stderr).toEqual(['verified', [3000], [3000]]);
  });

  it('a service not healthy within --verify-timeout counts as not working', async () => {
    const scenario: Scenario = { composeV2: true, rules: [{ service: 'web', then: { health: 'starting' } }] };
    const engine = fakeEngine(scenario);
    const dir = writeTree(STACK);
    const r = await runCli(['verify', '--verify-settle', '0', '--verify-timeout', '1', '--format', 'json', '.'], dir, { env: engine.env, exec: engine.exec });
    const web = JSON.parse(r.stdout).verify.targets[0].services.find((s: { name: string }) => s.name === 'web');
    expect([web.status, web.baselineProblem]).toEqual(['broken-at-baseline', 'it is not healthy within the time limit']);
  });

  it('a runtime Dockerfile with no fix of its own is booted once, whatever changes elsewhere', async () => {
    const tree = { ...STACK, 'jobs/Dockerfile': 'FROM python:3.12-slim\nUSER 1000:1000\nCMD ["python3", "job.py"]\n', 'jobs/job.py': 'print("ok")\n' };
    const { stdout } = await verify(tree, { composeV2: true, users: { node: 1000 } }, ['verify', '--format', 'json']);
    const report = JSON.parse(stdout);
    expect(report.findings.filter((f: { path: string; status: string }) => f.path === 'jobs/Dockerfile' && f.status === 'fixable')).toEqual([]);
    const boots = Object.fromEntries(report.verify.targets.map((t: { label: string; boots: number }) => [t.label, t.boots]));
    expect(boots).toEqual({ 'docker-compose.yml': 2, 'jobs/Dockerfile': 1 });
  });

  it('a base image\'s Dockerfile (no command, only built FROM) is not booted on its own', async () => {
    const tree = { ...STACK, 'base/Dockerfile': 'FROM debian:bookworm-slim\nRUN apt-get update\n' };
    const { stdout } = await verify(tree, { composeV2: true }, ['verify', '--format', 'json']);
    const report = JSON.parse(stdout);
    expect(report.verify.targets.map((t: { label: string }) => t.label)).toEqual(['docker-compose.yml']);
    expect(report.verify.withheldFixes).toEqual([]);
  });

  it('every format carries the evidence: the stylish table, the PR body section, SARIF results for withheld fixes', async () => {
    const scenario: Scenario = {
      composeV2: true,
      users: { node: 1000 },
      rules: [{ service: 'web', if: { compose: 'read_only' }, then: { status: 'exited', exitCode: 1, logs: ['EROFS: read-only file system'] } }],
    };
    const engine = fakeEngine(scenario);
    const dir = writeTree(STACK);
    const stylish = await runCli(['verify', ...FAST, '.'], dir, { env: engine.env, exec: engine.exec });
    expect(stylish.stderr).toMatch(/Verified on Docker Engine 24\.0\.7 with docker compose 2\.29\.1/);
    expect(stylish.stderr).toMatch(/service +result +builds +state +health +uid +read-only +capabilities +no-new-privileges/);
    expect(stylish.stderr).toMatch(/web +fixes withheld +yes +running +healthy +0 → 1000 +no +14 caps → none +no → yes/);
    expect(stylish.stderr).toMatch(/withheld +compose\/read-only/);
    expect(stylish.stderr).toMatch(/\| EROFS: read-only file system/);
    const md = await runCli(['verify', ...FAST, '--format', 'markdown', '.'], dir, { env: engine.env, exec: engine.exec });
    expect(md.stdout).toMatch(/^### Verified on Docker Engine 24\.0\.7/m);
    expect(md.stdout).toMatch(/^\| service \| result \| builds \| state \| health \| uid \| read-only \| capabilities \| no-new-privileges \|$/m);
    expect(md.stdout).toMatch(/^\| web \| fixes withheld \| yes \| running \| healthy \| 0 → 1000 \|/m);
    expect(md.stdout).toMatch(/- \[ \] `docker-compose.yml:2` \*\*compose\/read-only\*\*/);
    const sarif = await runCli(['verify', ...FAST, '--format', 'sarif', '.'], dir, { env: engine.env, exec: engine.exec });
    const log = JSON.parse(sarif.stdout);
    expect(sarifValidator(log), JSON.stringify(sarifValidator.errors)).toBe(true);
    const withheld = log.runs[0].results.filter((r: { properties: { status: string } }) => r.properties.status === 'withheld');
    expect(withheld.map((r: { ruleId: string }) => r.ruleId)).toEqual(['compose/read-only']);
    expect(withheld[0].message.text).toMatch(/--verify withheld this fix: with this fix, service web broke/);
    expect(withheld[0].properties.verify).toMatchObject({ reason: 'broke', service: 'web', check: 'state' });
    expect(withheld[0].fixes).toBeUndefined();
  });
});
