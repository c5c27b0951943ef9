// Image inspection without an engine: a stand-in docker CLI that answers
// `image inspect`, `pull`, `create`, `cp -L` and `rm` from in-memory images,
// so the logic (which images, what is read, facts, cache, problems, and the
// transforms using the facts) is tested here; test/runtime/inspect.test.ts
// runs the same on a real engine.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Executor, ExecResult } from '../src/runtime/index.js';
import { distroOf, factsFromReading, parseAccounts, type ImageReading } from '../src/inspect/index.js';
import { lookupImage, withDiscoveredFacts, imageKey } from '../src/knowledge/images.js';
import { parseImageRef } from '../src/parse/image-ref.js';
import type { JsonReport } from '../src/report/json.js';
import { runCli, tempDir, writeTree } from './helpers.js';

interface FakeImage {
  id: string;
  repoDigest?: string;
  config: Record<string, unknown>;
  files: Record<string, string>;
}

const DEBIAN_OS = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';
const DEBIAN_PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
const DEBIAN_TOOLS = { '/bin/sh': 'ELF', '/bin/bash': 'ELF', '/usr/sbin/useradd': 'ELF', '/usr/sbin/groupadd': 'ELF' };
const hex = (c: string) => c.repeat(64);

const APP: FakeImage = {
  id: `sha256:${hex('a')}`,
  repoDigest: `registry.example.com/acme/app@sha256:${hex('d')}`,
  config: { User: '', Entrypoint: ['app-entrypoint'], Cmd: ['serve'], ExposedPorts: { '8080/tcp': {} }, Volumes: { '/srv/app/data': {} }, Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/srv/app'], WorkingDir: '/srv/app' },
  files: {
    '/etc/os-release': DEBIAN_OS,
    '/etc/passwd': DEBIAN_PASSWD + 'app:x:999:999::/srv/app:/usr/sbin/nologin\n',
    '/etc/group': 'root:x:0:\napp:x:999:\n',
    ...DEBIAN_TOOLS,
    '/usr/local/bin/app-entrypoint': '#!/bin/sh\nmkdir -p /var/cache/app\nexec "$@"\n',
  },
};

const GOSU: FakeImage = {
  id: `sha256:${hex('b')}`,
  config: { User: '', Entrypoint: ['/usr/local/bin/docker-entrypoint.sh'], Cmd: ['server'], Env: ['PATH=/usr/bin:/bin'], WorkingDir: '' },
  files: {
    '/etc/os-release': DEBIAN_OS,
    '/etc/passwd': DEBIAN_PASSWD + 'svc:x:1001:1001::/home/svc:/bin/sh\n',
    '/etc/group': 'svc:x:1001:\n',
    ...DEBIAN_TOOLS,
    '/usr/local/bin/docker-entrypoint.sh': '#!/bin/sh\nset -e\nif [ "$(id -u)" = "0" ]; then\n  chown -R svc /data\n  exec gosu svc "$0" "$@"\nfi\nexec "$@"\n',
  },
};

const NOSHELL: FakeImage = {
  id: `sha256:${hex('c')}`,
  config: { User: '65532', Entrypoint: ['/app'], Cmd: null, Env: null, WorkingDir: '' },
  files: { '/etc/passwd': 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n', '/app': '\u007fELF\u0000binary' },
};

const ALPINE_BASE: FakeImage = {
  id: `sha256:${hex('e')}`,
  config: { User: '', Entrypoint: null, Cmd: ['/bin/sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], WorkingDir: '' },
  files: {
    '/etc/os-release': 'NAME="Alpine Linux"\nID=alpine\n',
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nguest:x:405:100:guest:/dev/null:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\nbuilder:x:1000:1000::/home/builder:/bin/sh\n',
    '/etc/group': 'root:x:0:\nbuilder:x:1000:\n',
    '/bin/sh': 'busybox',
    '/usr/sbin/adduser': 'busybox',
    '/usr/sbin/addgroup': 'busybox',
  },
};

/** A stand-in docker CLI over in-memory images; `calls` records every command. */
function fakeDocker(images: Record<string, FakeImage>, opts: { pullable?: Record<string, FakeImage>; noEngine?: boolean } = {}) {
  const calls: string[][] = [];
  const containers = new Map<string, FakeImage>();
  const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '', timedOut: false });
  const fail = (stderr: string): ExecResult => ({ code: 1, stdout: '', stderr, timedOut: false });
  const exec: Executor = async (_cmd, args) => {
    calls.push(args);
    if (opts.noEngine) return fail('Cannot connect to the Docker daemon at unix:///nowhere.sock. Is the docker daemon running?');
    const [verb] = args;
    if (verb === 'version') return ok('20.10.24\n');
    if (verb === 'image' && args[1] === 'inspect') {
      const img = images[args[2]!] ?? Object.values(images).find((i) => i.id === args[2]);
      if (!img) return fail(`Error: No such image: ${args[2]}`);
      return ok(JSON.stringify([{ Id: img.id, RepoDigests: img.repoDigest ? [img.repoDigest] : [], Config: img.config }]));
    }
    if (verb === 'pull') {
      const img = opts.pullable?.[args[1]!];
      if (!img) return fail(`Error response from daemon: pull access denied for ${args[1]}, repository does not exist or may require 'docker login'`);
      images[args[1]!] = img;
      return ok();
    }
    if (verb === 'create') {
      const name = args[args.indexOf('--name') + 1]!;
      const img = Object.values(images).find((i) => i.id === args[args.length - 1]);
      if (!img) return fail('No such image');
      containers.set(name, img);
      return ok(`${name}\n`);
    }
    if (verb === 'cp') {
      const [name, file] = args[2]!.split(':') as [string, string];
      const body = containers.get(name)?.files[file];
      if (body === undefined) return fail(`Error: Could not find the file ${file} in container ${name}`);
      writeFileSync(args[3]!, body);
      return ok();
    }
    if (verb === 'rm') {
      containers.delete(args[args.length - 1]!);
      return ok();
    }
    return fail(`fake docker: unexpected ${args.join(' ')}`);
  };
  return { exec, calls, containers };
}

const reading = (img: FakeImage, present: string[]): ImageReading => ({
  id: img.id,
  digest: img.repoDigest?.split('@')[1] ?? img.id,
  config: { User: '', Entrypoint: null, Cmd: null, ExposedPorts: null, Volumes: null, Env: null, WorkingDir: '', ...img.config } as ImageReading['config'],
  osRelease: img.files['/etc/os-release'],
  passwd: img.files['/etc/passwd'],
  group: img.files['/etc/group'],
  present,
});

async function inspectRun(tree: Record<string, string>, fake: ReturnType<typeof fakeDocker>, flags: string[] = ['--inspect-images'], cache = tempDir()) {
  const dir = writeTree(tree);
  const r = await runCli(['--dry-run', ...flags, '--format', 'json', '.'], dir, { env: { ...process.env, XDG_CACHE_HOME: cache, DOCKER_HOST: 'unix:///fake.sock' }, exec: fake.exec });
  return { ...r, report: JSON.parse(r.stdout) as JsonReport, cache, dir };
}

describe('facts from what was read', () => {
  it('parses /etc/passwd and /etc/group, skipping comments and broken lines', () => {
    expect(parseAccounts('# c\nroot:x:0:0::/root:/bin/sh\nbad:x:y:0\napp:x:999:998::/srv:/bin/false\n', 'passwd')).toEqual([
      { name: 'root', uid: 0, gid: 0 },
      { name: 'app', uid: 999, gid: 998 },
    ]);
    expect(parseAccounts('app:x:998:\n', 'group')).toEqual([{ name: 'app', uid: 998, gid: 998 }]);
  });

  it('reads the distro family from os-release ID and ID_LIKE', () => {
    expect(distroOf(DEBIAN_OS, [])).toBe('debian');
    expect(distroOf('ID=ubuntu\nID_LIKE=debian\n', [])).toBe('ubuntu');
    expect(distroOf('ID="linuxmint"\nID_LIKE="ubuntu debian"\n', [])).toBe('ubuntu');
    expect(distroOf('ID="rocky"\nID_LIKE="rhel centos fedora"\n', ['dnf', 'useradd'])).toBe('rhel');
    expect(distroOf('ID="rhel"\n', ['microdnf'])).toBe('rhel-minimal');
    expect(distroOf('ID=alpine\n', [])).toBe('alpine');
    expect(distroOf('ID=arch\n', [])).toBe('unknown');
    expect(distroOf(undefined, [])).toBe('unknown');
  });

  it('an application image: its own user reused, VOLUMEs as data, EXPOSE as ports, source image@digest', () => {
    const { facts, details } = factsFromReading(reading(APP, ['/bin/sh', '/bin/bash', '/usr/sbin/useradd']), 'registry.example.com/acme/app:1.4');
    expect(facts).toMatchObject({
      family: 'inspected',
      distro: 'debian',
      defaultUser: 'root',
      nonRootByDefault: false,
      dropsPrivileges: false,
      existingUser: { name: 'app', uid: 999, gid: 999 },
      dataPaths: ['/srv/app/data'],
      ports: [8080],
      hasShell: true,
      writePathsKnown: false,
      source: `inspected: registry.example.com/acme/app:1.4@sha256:${hex('d')}`,
    });
    expect(facts.passwd?.map((u) => u.uid)).toEqual([0, 1, 65534, 999]);
    expect(details).toMatchObject({ home: '/srv/app', workdir: '/srv/app', shells: ['/bin/sh', '/bin/bash'], userTools: ['useradd'] });
  });

  it('USER already non-root: that account, not a guess', () => {
    const r = reading(APP, ['/bin/sh']);
    r.config.User = 'daemon';
    const { facts } = factsFromReading(r, 'x/app:1');
    expect(facts.nonRootByDefault).toBe(true);
    expect(facts.existingUser).toEqual({ name: 'daemon', uid: 1, gid: 1 });
  });

  it('an entrypoint script that steps down with gosu: drops privileges, with the capabilities its chown and gosu need', () => {
    const r = { ...reading(GOSU, ['/bin/sh', '/usr/sbin/useradd']), startScript: { path: '/usr/local/bin/docker-entrypoint.sh', text: GOSU.files['/usr/local/bin/docker-entrypoint.sh']! } };
    const { facts, details } = factsFromReading(r, 'acme/db:3');
    expect(facts.dropsPrivileges).toBe(true);
    expect(facts.capsNeeded).toEqual(expect.arrayContaining(['CHOWN', 'SETUID', 'SETGID']));
    expect(details.drop).toMatch(/docker-entrypoint\.sh:5 runs gosu svc/);
  });

  it('an ENTRYPOINT that is a drop tool itself', () => {
    const r = reading(GOSU, ['/bin/sh']);
    r.config.Entrypoint = ['su-exec', 'svc'];
    expect(factsFromReading(r, 'a/b:1').facts.dropsPrivileges).toBe(true);
  });

  it('no shell, no os-release: hasShell false, passwd still known', () => {
    const { facts } = factsFromReading(reading(NOSHELL, []), 'acme/static:1');
    expect(facts).toMatchObject({ hasShell: false, distro: 'unknown', defaultUser: '65532', nonRootByDefault: true, existingUser: { name: 'nonroot', uid: 65532 } });
  });
});

describe('discovered facts answer like table rows', () => {
  it('lookupImage answers an unknown image only inside withDiscoveredFacts, never for a table row', () => {
    const ref = parseImageRef('registry.example.com/acme/app:1.4');
    const { facts } = factsFromReading(reading(APP, ['/bin/sh']), ref.raw);
    expect(lookupImage(ref)).toBeUndefined();
    const map = new Map([[imageKey(ref), facts]]);
    expect(withDiscoveredFacts(map, () => lookupImage(ref))?.source).toBe(facts.source);
    expect(withDiscoveredFacts(map, () => lookupImage(parseImageRef('registry.example.com/acme/app:1.5')))).toBeUndefined();
    expect(lookupImage(ref)).toBeUndefined();
    // The table wins for an image it knows, whatever was discovered.
    const node = parseImageRef('node:20');
    expect(withDiscoveredFacts(new Map([[imageKey(node), facts]]), () => lookupImage(node))?.family).toBe('node');
  });
});

describe('--inspect-images on a stand-in engine', () => {
  const tree = {
    'Dockerfile': 'ARG BASE=registry.example.com/acme/app:1.4\nFROM ${BASE}\nCOPY . /srv/app/code\nCMD ["serve"]\n',
    'compose.yaml': 'services:\n  db:\n    image: acme/db:3\n  cache:\n    image: redis:7\n',
  };

  it('inspects exactly the images the table cannot answer (ARG resolved), reuses the inspected user, says where facts come from, and removes its containers', async () => {
    const fake = fakeDocker({ 'registry.example.com/acme/app:1.4': APP, 'acme/db:3': GOSU });
    const r = await inspectRun(tree, fake);
    expect(r.code).toBe(1);
    const inspected = r.report.inspection!;
    expect(inspected.map((i) => [i.ref, i.usedBy])).toEqual([
      ['registry.example.com/acme/app:1.4', ['Dockerfile:2']],
      ['acme/db:3', ['compose.yaml#db']],
    ]);
    expect(inspected[0]!.source).toBe(`inspected: registry.example.com/acme/app:1.4@sha256:${hex('d')}`);
    expect(inspected[0]!.cached).toBe(false);
    const df = r.report.files.find((f) => f.path === 'Dockerfile')!;
    expect(df.diff).toContain('+USER 999:999');
    const user = r.report.findings.find((f) => f.transform === 'dockerfile/non-root-user')!;
    expect(user.message).toContain(`inspected: registry.example.com/acme/app:1.4@sha256:${hex('d')}`);
    // Every container made is removed; no create runs an entrypoint.
    const creates = fake.calls.filter((c) => c[0] === 'create');
    expect(creates.length).toBe(2);
    for (const c of creates) expect(c).toEqual(expect.arrayContaining(['--network', 'none', '--entrypoint']));
    expect(fake.calls.filter((c) => c[0] === 'rm').length).toBe(2);
    expect(fake.containers.size).toBe(0);
    expect(fake.calls.some((c) => c[0] === 'start' || c[0] === 'run' || c[0] === 'exec')).toBe(false);
  });

  it('caches by image id: a second run reads nothing out of the image; --no-cache reads again', async () => {
    const fake = fakeDocker({ 'registry.example.com/acme/app:1.4': APP, 'acme/db:3': GOSU });
    const first = await inspectRun(tree, fake);
    expect(readdirSync(path.join(first.cache, 'docker-harden', 'images')).sort()).toEqual([`${hex('a')}.json`, `${hex('b')}.json`]);
    fake.calls.length = 0;
    const second = await inspectRun(tree, fake, ['--inspect-images'], first.cache);
    expect(fake.calls.filter((c) => c[0] === 'create' || c[0] === 'cp')).toEqual([]);
    expect(second.report.inspection!.map((i) => i.cached)).toEqual([true, true]);
    expect(second.report.files).toEqual(first.report.files);
    fake.calls.length = 0;
    await inspectRun(tree, fake, ['--inspect-images', '--no-cache'], first.cache);
    expect(fake.calls.filter((c) => c[0] === 'create').length).toBe(2);
  });

  it('a new build under the same tag is a new id: read again', async () => {
    const images = { 'registry.example.com/acme/app:1.4': APP };
    const fake = fakeDocker(images);
    const one = { Dockerfile: 'FROM registry.example.com/acme/app:1.4\nCMD ["serve"]\n' };
    const first = await inspectRun(one, fake);
    images['registry.example.com/acme/app:1.4'] = { ...APP, id: `sha256:${hex('f')}`, repoDigest: undefined };
    fake.calls.length = 0;
    const second = await inspectRun(one, fake, ['--inspect-images'], first.cache);
    expect(fake.calls.filter((c) => c[0] === 'create').length).toBe(1);
    expect(second.report.inspection![0]!.source).toBe(`inspected: registry.example.com/acme/app:1.4@sha256:${hex('f')}`);
  });

  it('an image not present while --pull is off: reported, not pulled, nothing guessed', async () => {
    const fake = fakeDocker({});
    const r = await inspectRun({ Dockerfile: 'FROM acme/missing:1\nCMD ["x"]\n' }, fake);
    expect(fake.calls.some((c) => c[0] === 'pull' || c[0] === 'create')).toBe(false);
    expect(r.report.inspection![0]!.problem).toMatch(/acme\/missing:1 is not present on the engine and --pull is off/);
    expect(r.report.files[0]!.diff ?? '').not.toContain('USER');
    expect(r.stderr).toMatch(/not present on the engine.*used by Dockerfile:1/);
  });

  it('--pull pulls a missing image and inspects it; a pull that fails is reported with the registry\'s answer', async () => {
    const fake = fakeDocker({}, { pullable: { 'acme/db:3': GOSU } });
    const r = await inspectRun({ 'compose.yaml': 'services:\n  db:\n    image: acme/db:3\n  gone:\n    image: acme/gone:9\n' }, fake, ['--inspect-images', '--pull']);
    const [db, gone] = r.report.inspection!;
    expect(db!.facts).toMatchObject({ dropsPrivileges: true });
    expect(gone!.problem).toMatch(/pulling acme\/gone:9 failed: .*pull access denied/);
    expect(gone!.facts).toBeUndefined();
  });

  it('an image with no shell and no cat is read with docker cp: no USER guess beyond its own', async () => {
    const fake = fakeDocker({ 'acme/static:1': NOSHELL });
    const r = await inspectRun({ Dockerfile: 'FROM acme/static:1\nCOPY app /app\nENTRYPOINT ["/app"]\n', app: 'x' }, fake);
    expect(r.report.inspection![0]!.facts).toMatchObject({ hasShell: false, nonRootByDefault: true });
    expect(r.report.files.find((f) => f.path === 'Dockerfile')!.diff ?? '').not.toMatch(/RUN .*useradd/);
  });

  it('a base not in the table with its own user at UID 1000: reused, not a second user at 1000', async () => {
    const fake = fakeDocker({ 'acme/alpine-base:3': ALPINE_BASE });
    const r = await inspectRun({ Dockerfile: 'FROM acme/alpine-base:3\nCOPY . /app\nCMD ["/app/run"]\n' }, fake);
    const diff = r.report.files.find((f) => f.path === 'Dockerfile')!.diff!;
    expect(diff).toContain('+USER 1000:1000');
    expect(diff).not.toMatch(/adduser|useradd/);
  });

  it('without an engine: one clear problem, no findings change', async () => {
    const fake = fakeDocker({}, { noEngine: true });
    const r = await inspectRun({ Dockerfile: 'FROM acme/x:1\nCMD ["x"]\n' }, fake);
    expect(r.stderr).toMatch(/image inspection needs a Docker Engine/);
    expect(r.report.inspection![0]!.problem).toMatch(/needs a Docker Engine/);
  });

  it('off by default in a normal run: the engine is not asked', async () => {
    const fake = fakeDocker({ 'registry.example.com/acme/app:1.4': APP });
    const r = await inspectRun(tree, fake, []);
    expect(fake.calls).toEqual([]);
    expect(r.report.inspection).toBeUndefined();
  });

  it('the markdown report names each inspected image and its digest', async () => {
    const fake = fakeDocker({ 'registry.example.com/acme/app:1.4': APP });
    const dir = writeTree(tree);
    mkdirSync(path.join(dir, 'sub'));
    const r = await runCli(['--dry-run', '--inspect-images', '--format', 'markdown', '.'], dir, { env: { ...process.env, XDG_CACHE_HOME: tempDir() }, exec: fake.exec });
    expect(r.stdout).toContain('### Images inspected on the Docker Engine');
    expect(r.stdout).toContain(`inspected: registry.example.com/acme/app:1.4@sha256:${hex('d')}`);
    expect(r.stdout).toMatch(/`acme\/db:3` \(`compose.yaml#db`\): not inspected: acme\/db:3 is not present/);
  });
});
