// Property test on generated projects: a Dockerfile the way teams write them
// (a base image, a WORKDIR, data and log directories made with mkdir, HOME and
// cache variables under /root, VOLUMEs, sometimes its own user) and a compose
// file with one or two services that build it (named volumes inside and
// outside the WORKDIR, bind mounts, the Docker socket behind a variable or in
// long syntax, read_only already set or not, a prebuilt service sharing a
// volume). Every transform runs. The run never fails, compose output validates,
// a second run changes nothing, no restriction is removed, and the tool never
// contradicts itself (test/consistency.ts): what it declares written stays
// writable on a read-only root, named-volume targets of a service it made
// non-root are chowned, and a non-root service with the socket joins its group.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { hardenTree, composeSchemaErrors } from './helpers.js';
import { TRANSFORMS } from '../transforms/index.js';
import { checkConsistent, checkRestrictionsKept } from './consistency.js';

const ALL = TRANSFORMS.map((t) => t.meta.id);

const BASES = [
  'python:3.12-slim',
  'node:22-bookworm-slim',
  'node:22-alpine',
  'debian:bookworm-slim',
  'alpine:3.20',
  'acme/base:1',
  'postgres:16',
  'gcr.io/distroless/python3-debian12',
];
const WORKDIRS = [undefined, '/app', '/usr/src/app', '/home/app', '/srv/app'];
const MKDIRS = ['/var/log/app', '/data', '/srv/uploads', 'cache', 'logs', '/var/lib/app', '/run/app', '/usr/src/app/uploads', '/opt/app/state'];
const ENVS = ['HOME=/root', 'XDG_CACHE_HOME=/root/.cache', 'HF_HOME=/root/.cache/huggingface', 'PIP_CACHE_DIR=/tmp/pip', 'TORCH_HOME=/models/torch'];
const VOLUMES = ['/data', '/usr/src/app/media', '/var/lib/app', '/app/uploads'];
const USERS = [undefined, 'useradd', 'USER 1000', 'USER node'];

const MOUNTS = [
  'data:/data',
  'uploads:/usr/src/app/uploads',
  'uploads:/app/uploads',
  'cache:/app/cache',
  'logs:/var/log/app',
  'state:/var/lib/app',
  './src:/app',
  './logs:/var/log/app',
  '/var/run/docker.sock:/var/run/docker.sock',
  '${DOCKER_SOCK:-/var/run/docker.sock}:/var/run/docker.sock:ro',
  '${DOCKER_HOST_SOCKET}:/run/docker.sock',
  'LONG_SOCKET',
];

interface GenProject {
  base: string;
  workdir?: string;
  mkdirs: string[];
  envs: string[];
  envAfterRun: boolean;
  volumes: string[];
  user?: string;
  services: { name: string; mounts: string[]; readOnly?: boolean; tmpfs: boolean; user?: string }[];
  peer: boolean;
  crlf: boolean;
}

const projectArb: fc.Arbitrary<GenProject> = fc.record({
  base: fc.constantFrom(...BASES),
  workdir: fc.constantFrom(...WORKDIRS),
  mkdirs: fc.subarray(MKDIRS, { maxLength: 3 }),
  envs: fc.subarray(ENVS, { maxLength: 3 }),
  envAfterRun: fc.boolean(),
  volumes: fc.subarray(VOLUMES, { maxLength: 2 }),
  user: fc.constantFrom(...USERS),
  services: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom('api', 'worker', 'web'),
      mounts: fc.subarray(MOUNTS, { maxLength: 3 }),
      readOnly: fc.constantFrom(undefined, true, false),
      tmpfs: fc.boolean(),
      user: fc.constantFrom(undefined, undefined, '1000:1000'),
    }),
    { minLength: 1, maxLength: 2, selector: (s) => s.name },
  ),
  peer: fc.boolean(),
  crlf: fc.boolean(),
});

function dockerfile(p: GenProject): string {
  const lines = [`FROM ${p.base}`];
  const apk = /alpine/.test(p.base);
  const distroless = /distroless/.test(p.base);
  if (p.workdir) lines.push(`WORKDIR ${p.workdir}`, 'COPY . .');
  const env = p.envs.length ? `ENV ${p.envs.join(' ')}` : undefined;
  if (env && !p.envAfterRun) lines.push(env);
  if (!distroless) {
    const install = apk ? 'apk add --no-cache curl' : 'apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*';
    lines.push(`RUN ${install}${p.mkdirs.length ? ` \\\n    && mkdir -p ${p.mkdirs.join(' ')}` : ''}`);
  }
  if (env && p.envAfterRun) lines.push(env);
  if (p.user === 'useradd' && !distroless) {
    lines.push(apk ? 'RUN adduser -D -u 1000 -h /home/svc svc' : 'RUN useradd --create-home --home-dir /home/svc --uid 1000 svc', 'USER svc');
  } else if (p.user === 'USER 1000') {
    lines.push('USER 1000');
  } else if (p.user === 'USER node' && p.base.startsWith('node')) {
    lines.push('USER node');
  }
  for (const v of p.volumes) lines.push(`VOLUME ${v}`);
  lines.push('CMD ["sh", "-c", "exec app"]');
  return lines.join('\n') + '\n';
}

function mountLines(m: string): string[] {
  if (m === 'LONG_SOCKET') {
    return ['      - type: bind', '        source: ${DOCKER_SOCK:-/var/run/docker.sock}', '        target: /var/run/docker.sock', '        read_only: true'];
  }
  return [`      - ${/[${}]/.test(m) ? JSON.stringify(m) : m}`];
}

function compose(p: GenProject): string {
  const lines = ['services:'];
  const named = new Set<string>();
  for (const s of p.services) {
    lines.push(`  ${s.name}:`, '    build: ./app');
    if (s.user) lines.push(`    user: "${s.user}"`);
    if (s.readOnly !== undefined) lines.push(`    read_only: ${s.readOnly}`);
    if (s.tmpfs) lines.push('    tmpfs:', '      - /tmp');
    if (s.mounts.length) {
      lines.push('    volumes:');
      for (const m of s.mounts) {
        lines.push(...mountLines(m));
        if (/^\w+:/.test(m)) named.add(m.split(':')[0]!);
      }
    }
  }
  const shared = [...named][0];
  if (p.peer && shared) lines.push('  db:', '    image: postgres:16', '    volumes:', `      - ${shared}:/var/lib/postgresql/data`);
  if (named.size) lines.push('volumes:', ...[...named].map((n) => `  ${n}:`));
  return lines.join('\n') + '\n';
}

const crlf = (t: string, on: boolean) => (on ? t.replace(/\n/g, '\r\n') : t);

describe('every transform on generated projects (Dockerfile + compose)', () => {
  it('never fails, stays valid and idempotent, keeps every restriction, and never contradicts itself', async () => {
    const seen = { services: 0, paths: 0 };
    await fc.assert(
      fc.asyncProperty(projectArb, async (p) => {
        const tree = { 'compose.yaml': crlf(compose(p), p.crlf), 'app/Dockerfile': crlf(dockerfile(p), p.crlf) };
        expect(composeSchemaErrors(tree['compose.yaml'])).toEqual([]);
        const first = await hardenTree(tree, ALL);
        expect(first.result.errors).toEqual([]);
        const after = { ...tree, ...first.changed };
        expect(composeSchemaErrors(after['compose.yaml'])).toEqual([]);
        checkRestrictionsKept(tree['compose.yaml'], after['compose.yaml']);
        const counts = checkConsistent(tree, after, first.result);
        seen.services += counts.services;
        seen.paths += counts.paths;

        const second = await hardenTree(after, ALL);
        expect(second.result.errors).toEqual([]);
        expect(second.changed).toEqual({});
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 120), seed: Number(process.env.FC_SEED ?? 1515) },
    );
    // The rule was exercised: read-only services built here, with declared paths to keep writable.
    expect(seen.services).toBeGreaterThan(20);
    expect(seen.paths).toBeGreaterThan(20);
  });
});
