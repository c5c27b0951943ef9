// Runtime tier, image inspection and observation on a real engine: images the
// knowledge table does not know (stand-ins built here under registry-like
// tags, test/runtime/inspect/images/) are read, their facts used by the
// transforms, what they write at start observed in verify's baseline run, and
// the hardened stack verified. Skips with a visible message without an engine.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyStack, findEngine, guardRuns, kernelView, keptContainers, removeStack, verifyStack, type Runtime } from './helpers.js';
import { REPO, runCli, tempDir } from '../helpers.js';
import { buildImage } from '../../bench/standins.js';
import type { JsonReport } from '../../src/report/json.js';

const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'inspect');
const engine = await findEngine();
const rt = engine.runtime as Runtime;
const LONG = 20 * 60_000;

/** Stand-in images, each under a tag no table row matches. */
const IMAGES: [dir: string, tag: string][] = [
  ['app', 'dh10.example.com/acme/app:1.4'],
  ['gosu', 'dh10.example.com/acme/gosu-app:2'],
  ['base1000', 'dh10.example.com/acme/base-uid1000:1'],
  ['noshell', 'dh10.example.com/acme/noshell:1'],
];

/** All at once: independent builds (two of them wait on apt-get downloads on a cold engine). */
async function buildImages(): Promise<void> {
  await Promise.all(
    IMAGES.map(async ([dir, tag]) => {
      const r = await buildImage(rt.docker, ['-q', '-t', tag, path.join(HERE, 'images', dir)], { timeoutMs: 10 * 60_000 }, (m) => process.stderr.write(`runtime tier: ${m}\n`));
      if (r.code !== 0) throw new Error(`building stand-in ${tag} failed: ${r.stderr}`);
    }),
  );
}

const copy = (name: string) => copyStack(name, path.join(HERE, 'stacks'));

const cacheEnv = () => ({ ...process.env, XDG_CACHE_HOME: tempDir('dh-rt-cache-') });

async function inspectOnly(dir: string, env: NodeJS.ProcessEnv, flags: string[] = []): Promise<{ code: number; stderr: string; report: JsonReport }> {
  const r = await runCli(['--dry-run', '--inspect-images', ...flags, '--format', 'json', '.'], dir, { env });
  return { code: r.code, stderr: r.stderr, report: JSON.parse(r.stdout) as JsonReport };
}

describe.skipIf(!rt)('runtime: inspecting unknown images and observing what they write', () => {
  guardRuns(rt);
  beforeAll(buildImages, LONG);

  it(
    'an application image under a registry tag: read_only with exactly the tmpfs it writes, observed, and verified',
    async () => {
      const dir = copy('app-writes');
      try {
        const r = await verifyStack(dir, cacheEnv());
        const app = r.report.inspection!.find((i) => i.ref === 'dh10.example.com/acme/app:1.4')!;
        expect(app.source).toMatch(/^inspected: dh10\.example\.com\/acme\/app:1\.4@sha256:[0-9a-f]{64}$/);
        expect(app.facts).toMatchObject({ distro: 'debian', existingUser: { name: 'app', uid: 999, gid: 999 }, dataPaths: ['/srv/app/data'], ports: [8080] });
        expect(app.observed).toMatchObject({ writes: ['/var/cache/app'], listening: [8080] });
        const diff = r.report.files.find((f) => f.path === 'compose.yaml')!.diff!;
        expect(diff).toContain('+    read_only: true');
        expect(diff).toContain('+    tmpfs: ["/tmp:size=64m", "/var/cache/app:size=64m"]');
        const ro = r.report.findings.find((f) => f.transform === 'compose/read-only')!;
        expect(ro.message).toMatch(/observed: \/var\/cache\/app written at start; listens on 8080\/tcp \(verify's baseline run of compose\.yaml#app\); inspected: dh10\.example\.com\/acme\/app:1\.4@sha256:/);
        const v = r.report.verify!;
        expect(v.targets[0]!.services.map((s) => [s.name, s.status])).toEqual([['app', 'verified']]);
        expect(v.withheldFixes).toEqual([]);
        // The engine's view of the hardened container: read-only root, running, the tmpfs in place.
        const c = (await keptContainers(rt, dir)).get('app')!;
        expect([c.running, c.readOnlyRootfs, c.tmpfs.sort()]).toEqual([true, true, ['/tmp', '/var/cache/app']]);
      } finally {
        await removeStack(rt, dir);
      }
    },
    LONG,
  );

  it(
    'a base with its own user at UID 1000 is reused without a collision; an image that steps down with gosu gets no USER, its capabilities back, and verifies',
    async () => {
      const dir = copy('base-and-gosu');
      try {
        const r = await verifyStack(dir, cacheEnv());
        const dfDiff = r.report.files.find((f) => f.path === 'api/Dockerfile')!.diff!;
        expect(dfDiff).toContain('+USER 1000:1000');
        expect(dfDiff).not.toMatch(/useradd|groupadd|adduser/);
        const user = r.report.findings.find((f) => f.transform === 'dockerfile/non-root-user')!;
        expect(user.message).toMatch(/existing user builder.*inspected: dh10\.example\.com\/acme\/base-uid1000:1@sha256:/);
        const compose = r.report.files.find((f) => f.path === 'compose.yaml')!.diff!;
        const worker = compose.split('  api:')[0]!;
        expect(worker).not.toMatch(/\+\s+user:/);
        expect(worker).toContain('+    cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]');
        const gosu = r.report.inspection!.find((i) => i.ref.includes('gosu-app'))!;
        expect(gosu.facts).toMatchObject({ dropsPrivileges: true, existingUser: { name: 'svc', uid: 1001 } });
        expect((gosu.details as { drop?: string }).drop).toMatch(/docker-entrypoint\.sh:5 runs gosu svc/);
        const v = r.report.verify!;
        expect(v.targets[0]!.services.map((s) => [s.name, s.status]).sort()).toEqual([['api', 'verified'], ['worker', 'verified']]);
        const c = await keptContainers(rt, dir);
        expect((await kernelView(rt, c.get('api')!)).uid).toBe(1000);
        const w = await kernelView(rt, c.get('worker')!);
        expect([w.uid, w.caps]).toEqual([1001, []]);
      } finally {
        await removeStack(rt, dir);
      }
    },
    LONG,
  );

  it(
    'caches what it read by image id: the second run reads nothing out of the image, --no-cache reads again',
    async () => {
      const dir = copy('app-writes');
      const env = cacheEnv();
      try {
        const first = await inspectOnly(dir, env);
        expect(first.report.inspection!.map((i) => i.cached)).toEqual([false]);
        const entries = readdirSync(path.join(env.XDG_CACHE_HOME!, 'docker-harden', 'images'));
        const id = (await rt.docker.run(['image', 'inspect', '--format', '{{.Id}}', 'dh10.example.com/acme/app:1.4'])).stdout.trim();
        expect(entries).toEqual([`${id.replace('sha256:', '')}.json`]);
        const second = await inspectOnly(dir, env);
        expect(second.report.inspection!.map((i) => i.cached)).toEqual([true]);
        expect(second.report.inspection![0]!.facts).toEqual(first.report.inspection![0]!.facts);
        const third = await inspectOnly(dir, env, ['--no-cache']);
        expect(third.report.inspection!.map((i) => i.cached)).toEqual([false]);
        // No container of inspection is left behind.
        const left = await rt.docker.run(['ps', '-a', '-q', '--filter', 'label=docker-harden.inspect']);
        expect(left.stdout.trim()).toBe('');
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(env.XDG_CACHE_HOME!, { recursive: true, force: true });
      }
    },
    LONG,
  );

  it(
    'bad cases are reported, not guessed: an absent image without --pull, a failed pull, and an image with no shell and no cat read with docker cp',
    async () => {
      const dir = copy('bad');
      const env = cacheEnv();
      try {
        const off = await inspectOnly(dir, env);
        const by = (r: JsonReport, ref: string) => r.inspection!.find((i) => i.ref === ref)!;
        expect(by(off.report, 'dh10.example.com/acme/absent:1').problem).toMatch(/is not present on the engine and --pull is off/);
        expect(by(off.report, 'dh10.invalid/acme/unpullable:1').problem).toMatch(/is not present on the engine and --pull is off/);
        expect(off.stderr).toMatch(/dh10\.example\.com\/acme\/absent:1 is not present.*used by compose\.yaml#absent/);
        const pulled = await inspectOnly(dir, env, ['--pull']);
        expect(by(pulled.report, 'dh10.invalid/acme/unpullable:1').problem).toMatch(/pulling dh10\.invalid\/acme\/unpullable:1 failed: .*dh10\.invalid/);
        const stat = by(pulled.report, 'dh10.example.com/acme/noshell:1');
        expect(stat.facts).toMatchObject({ hasShell: false, defaultUser: '65532', nonRootByDefault: true, existingUser: { name: 'nonroot', uid: 65532 }, distro: 'unknown' });
        // Nothing is guessed for the images that were not read: no read_only and no cap_drop for them.
        const diff = pulled.report.files.find((f) => f.path === 'compose.yaml')!.diff ?? '';
        const added = new Map<string, string[]>();
        let current = '';
        for (const line of diff.split('\n')) {
          const svc = /^[ +-] {2}([\w-]+):$/.exec(line);
          if (svc) current = svc[1]!;
          else if (line.startsWith('+') && !line.startsWith('+++')) added.set(current, [...(added.get(current) ?? []), line]);
        }
        for (const svc of ['absent', 'unpullable']) expect(added.get(svc)!.join('\n')).not.toMatch(/read_only|cap_drop|user:/);
        // The image with no shell runs as its own non-root user: nothing of its needs is guessed either, but its capabilities go.
        expect(added.get('static')!.join('\n')).toContain('cap_drop: [ALL]');
        expect(readFileSync(path.join(dir, 'compose.yaml'), 'utf8')).not.toContain('read_only');
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(env.XDG_CACHE_HOME!, { recursive: true, force: true });
      }
    },
    LONG,
  );

  it(
    'Ctrl-C during inspection: exit 2, and none of the containers it made to read images is left',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'dh-rt-inspect-int-'));
      const env = cacheEnv();
      // Every stand-in at once: three are read side by side, each with a container of its own.
      writeFileSync(path.join(dir, 'compose.yaml'), `services:\n${IMAGES.map(([name, tag]) => `  ${name}:\n    image: ${tag}\n`).join('')}`);
      // Other files' verify runs inspect too, on this engine: only this run's containers (their label holds its run id) count.
      const runIds = async () => new Set((await rt.docker.must(['ps', '-a', '--filter', 'label=docker-harden.inspect', '--format', '{{.Label "docker-harden.inspect"}}'])).split('\n').filter(Boolean));
      const before = await runIds();
      let ours: string[] = [];
      try {
        const child = spawn(process.execPath, [path.join(REPO, 'bin/docker-harden.js'), '--dry-run', '--inspect-images', '--no-cache', '.'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        while (child.exitCode === null && ours.length === 0) {
          await new Promise((r) => setTimeout(r, 50));
          ours = [...(await runIds())].filter((id) => !before.has(id));
        }
        expect(child.exitCode, `inspection ended before a container of it was seen:\n${stderr}`).toBe(null);
        child.kill('SIGINT');
        expect(await exited, stderr).toBe(2);
        expect(stderr).toMatch(/docker-harden: image inspection interrupted; the containers, volumes and copies it made are removed\nNothing was written/);
        const left = () => rt.docker.must(['ps', '-a', '--filter', `label=docker-harden.inspect=${ours[0]}`, '--format', '{{.Names}}']).then((o) => o.trim());
        expect(await left()).toBe('');
        // A `docker create` cut short at the CLI still completes on the engine: the
        // container would appear after the run's cleanup looked (seen once under load).
        await new Promise((r) => setTimeout(r, 3000));
        expect(await left()).toBe('');
      } finally {
        // What this test's run left (a failure above) must not fail the next test's check.
        if (ours[0]) await rt.docker.removeLabelled(`docker-harden.inspect=${ours[0]}`);
        rmSync(dir, { recursive: true, force: true });
        rmSync(env.XDG_CACHE_HOME!, { recursive: true, force: true });
      }
    },
    LONG,
  );
});
