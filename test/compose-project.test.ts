// Where compose and Dockerfiles meet: the compose transforms decide from the
// Dockerfile a service builds (its USER, VOLUMEs, EXPOSE), from override files
// beside the base file, and from other transforms that run in the same
// invocation (non-root-user hardens a Dockerfile in one pass; the next pass
// sees a non-root service; nginx/unprivileged swaps an image first).
import { describe, it, expect } from 'vitest';
import { parseDocument } from 'yaml';
import { hardenTree, writeTree, transformsById, composeSchemaErrors } from './helpers.js';
import { run } from '../src/driver.js';
import { DEFAULT_OPTIONS } from '../src/types.js';
import type { Transform } from '../src/transform.js';
import { servicePath } from '../src/compose-service.js';
import { replaceScalar } from '../src/edits.js';
import { TRANSFORMS } from '../transforms/index.js';
import { rmSync } from 'node:fs';

const ALL = TRANSFORMS.map((t) => t.meta.id);

function service(text: string, name: string): Record<string, unknown> {
  return (parseDocument(text, { merge: true }).toJS() as { services: Record<string, Record<string, unknown>> }).services[name];
}

describe('docker socket group and the Dockerfile user', () => {
  const tree = {
    'compose.yaml': 'services:\n  notifier:\n    build: ./notifier\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n',
    'notifier/Dockerfile': 'FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "index.js"]\n',
  };

  it('adds the group once dockerfile/non-root-user has made the service non-root', async () => {
    const { result, changed } = await hardenTree(tree, ['dockerfile/non-root-user', 'compose/docker-socket-group']);
    expect(result.errors).toEqual([]);
    expect(changed['notifier/Dockerfile']).toContain('USER 1000:1000');
    expect(changed['compose.yaml']).toBe(tree['compose.yaml'] + '    group_add: ["${DOCKER_GID:-999}"]\n');
    const fix = result.engine.findings.find((f) => f.transform === 'compose/docker-socket-group' && f.fixed)!;
    expect(fix.pass).toBe(2);
    expect(fix.notes?.[0]).toMatchObject({ kind: 'docker-gid' });
    expect(fix.notes?.[0].command).toContain('getent group docker | cut -d: -f3');
  });

  it('adds nothing while the Dockerfile still runs as root', async () => {
    const { result, changed } = await hardenTree(tree, ['compose/docker-socket-group']);
    expect(result.errors).toEqual([]);
    expect(changed['compose.yaml']).toBeUndefined();
  });

  it('follows the build target stage', async () => {
    const { changed } = await hardenTree(
      {
        'compose.yaml': 'services:\n  agent:\n    build:\n      context: .\n      target: runtime\n    volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]\n',
        Dockerfile: 'FROM node:22 AS runtime\nUSER node\n\nFROM node:22 AS debug\nUSER root\n',
      },
      ['compose/docker-socket-group'],
    );
    expect(changed['compose.yaml']).toContain('group_add: ["${DOCKER_GID:-999}"]');
  });
});

describe('override files', () => {
  const base =
    'services:\n' +
    '  api:\n' +
    '    build: ./api\n' +
    '    user: "1000:1000"\n' +
    '    environment:\n' +
    '      - UPLOAD_DIR=/app/uploads\n' +
    '    volumes:\n' +
    '      - uploads:/app/uploads\n' +
    'volumes:\n' +
    '  uploads:\n';
  const override =
    '# dev settings\n' +
    'services:\n' +
    '  api:\n' +
    '    volumes:\n' +
    '      - ./api/app:/app/app\n' +
    '      - /var/run/docker.sock:/var/run/docker.sock:ro\n' +
    '    command: uvicorn app.main:app --host 0.0.0.0 --port 8000 --reload\n' +
    '  adminer:\n' +
    '    image: redis:7\n';
  const dockerfile = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY app ./app\nVOLUME /app/uploads\nUSER 1000\nCMD ["uvicorn", "app.main:app"]\n';
  const tree = { 'compose.yaml': base, 'compose.override.yml': override, 'api/Dockerfile': dockerfile };

  it('hardens the base service once and puts what only the override needs into the override', async () => {
    const { result, changed } = await hardenTree(tree, ALL);
    expect(result.errors).toEqual([]);
    const api = service(changed['compose.yaml'], 'api');
    expect(api).toMatchObject({ read_only: true, cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'], tmpfs: ['/tmp:size=64m'] });
    expect(api.environment).toEqual(['UPLOAD_DIR=/app/uploads']);
    expect(api.group_add).toBeUndefined();

    const out = changed['compose.override.yml'];
    const partial = service(out, 'api');
    // Only what the override's own mounts call for; nothing the base file already gets.
    expect(Object.keys(partial).sort()).toEqual(['command', 'environment', 'group_add', 'volumes']);
    expect(partial.environment).toEqual(['PYTHONDONTWRITEBYTECODE=1']);
    expect(partial.group_add).toEqual(['${DOCKER_GID:-999}']);
    // A service only the override defines is a full service.
    expect(service(out, 'adminer')).toMatchObject({ read_only: true, cap_drop: ['ALL'], cap_add: ['CHOWN', 'SETGID', 'SETUID'] });
    expect(out.startsWith('# dev settings\nservices:\n  api:\n    volumes:\n      - ./api/app:/app/app\n')).toBe(true);
    for (const [rel, text] of Object.entries(changed)) if (/\.ya?ml$/.test(rel)) expect(composeSchemaErrors(text)).toEqual([]);
  });

  it('leaves the override alone when the base file already mounts the socket', async () => {
    const { changed } = await hardenTree(
      {
        'compose.yaml': 'services:\n  agent:\n    image: acme/agent\n    user: "1001"\n    volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]\n',
        'docker-compose.prod.yml': 'services:\n  agent:\n    restart: always\n    volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]\n',
      },
      ['compose/docker-socket-group'],
    );
    expect(changed['compose.yaml']).toContain('group_add');
    expect(changed['docker-compose.prod.yml']).toBeUndefined();
  });
});

describe('read-only and the Dockerfile VOLUMEs', () => {
  it('adds no tmpfs where the Dockerfile declares a VOLUME or compose mounts one', async () => {
    const { changed } = await hardenTree(
      {
        'compose.yaml': 'services:\n  db:\n    build: ./db\n    volumes:\n      - sockets:/var/run/postgresql\nvolumes:\n  sockets:\n',
        'db/Dockerfile': 'FROM postgres:17\nVOLUME /tmp\n',
      },
      ['compose/read-only'],
    );
    expect(service(changed['compose.yaml'], 'db')).toMatchObject({ read_only: true });
    expect(service(changed['compose.yaml'], 'db').tmpfs).toBeUndefined();
  });
});

describe('read-only and a start compose gives the service', () => {
  const dockerfile = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nUSER 1000:1000\nCMD ["python", "app.py"]\n';

  it('a compose command that renders a file outside /tmp at start leaves the root writable, saying where', async () => {
    const { result, changed } = await hardenTree(
      {
        'compose.yaml': 'services:\n  api:\n    build: .\n    command: ["sh", "-c", "envsubst < /app/config.tpl > /etc/api/config.json && exec python app.py"]\n',
        Dockerfile: dockerfile,
        'app.py': 'print(1)\n',
      },
      ['compose/read-only'],
    );
    expect(changed['compose.yaml']).toBeUndefined();
    const f = result.engine.findings.find((x) => x.transform === 'compose/read-only')!;
    expect(f.message).toContain('/etc/api/config.json is written at start (envsubst > /etc/api/config.json (command of service api (compose.yaml line 4)))');
    expect(f.message).toContain('root left writable');
  });

  it('a script the service mounts and runs is read too', async () => {
    const { result, changed } = await hardenTree(
      {
        'compose.yaml': 'services:\n  api:\n    build: .\n    volumes: ["./boot.sh:/boot.sh:ro"]\n    command: /boot.sh\n',
        Dockerfile: dockerfile,
        'boot.sh': '#!/bin/sh\necho ok > /etc/api/ready\nexec python app.py\n',
        'app.py': 'print(1)\n',
      },
      ['compose/read-only'],
    );
    expect(changed['compose.yaml']).toBeUndefined();
    expect(result.engine.findings.find((x) => x.transform === 'compose/read-only')!.message).toContain('/etc/api/ready is written at start (echo > /etc/api/ready (boot.sh line 2))');
  });

  it('an image run as it is, whose compose command renders into /etc/nginx/conf.d, keeps a writable root', async () => {
    const { result, changed } = await hardenTree(
      {
        'compose.yaml':
          'services:\n  web:\n    image: nginxinc/nginx-unprivileged:1.27\n    volumes: ["./site.tpl:/tmp/site.tpl:ro"]\n    command: /bin/bash -c "envsubst < /tmp/site.tpl > /etc/nginx/conf.d/default.conf && nginx -g \'daemon off;\'"\n',
        'site.tpl': 'server {\n  listen 8080;\n}\n',
      },
      ['compose/read-only'],
    );
    expect(changed['compose.yaml']).toBeUndefined();
    expect(result.engine.findings.find((x) => x.transform === 'compose/read-only')!.message).toContain(
      '/etc/nginx/conf.d/default.conf is written at start (envsubst > /etc/nginx/conf.d/default.conf (command of service web (compose.yaml line 5)))',
    );
  });

  it('without a compose start, the image start decides as before', async () => {
    const { changed } = await hardenTree(
      { 'compose.yaml': 'services:\n  api:\n    build: .\n', Dockerfile: dockerfile, 'boot.sh': '#!/bin/sh\necho ok > /etc/api/ready\n', 'app.py': 'print(1)\n' },
      ['compose/read-only'],
    );
    expect(service(changed['compose.yaml'], 'api')).toMatchObject({ read_only: true });
  });
});

describe('dead NET_BIND_SERVICE and cap-drop together', () => {
  it('removes the dead capability first, then drops the rest, without verification failures', async () => {
    const { result, changed } = await hardenTree(
      { 'compose.yaml': 'services:\n  db:\n    image: postgres:16\n    expose: ["5432"]\n    cap_add:\n      - NET_BIND_SERVICE\n      - SYS_NICE\n' },
      ['compose/cap-drop', 'compose/dead-capabilities'],
    );
    expect(result.errors).toEqual([]);
    expect(service(changed['compose.yaml'], 'db')).toMatchObject({
      cap_add: ['SYS_NICE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'],
      cap_drop: ['ALL'],
    });
  });
});

describe('dead NET_BIND_SERVICE in an override file', () => {
  const base = 'services:\n  api:\n    image: acme/api\n    ports:\n      - "8000:8000"\n';

  it('is removed from the override\'s own cap_add, judged by the merged ports', async () => {
    const { result, changed } = await hardenTree(
      { 'compose.yaml': base, 'compose.override.yaml': 'services:\n  api:\n    cap_add: [NET_BIND_SERVICE, SYS_PTRACE]\n' },
      ['compose/dead-capabilities'],
    );
    expect(result.errors).toEqual([]);
    expect(changed['compose.override.yaml']).toBe('services:\n  api:\n    cap_add: [SYS_PTRACE]\n');
    expect(changed['compose.yaml']).toBeUndefined();
  });

  it('stays when the override moves the service to the host network', async () => {
    const { changed } = await hardenTree(
      { 'compose.yaml': base, 'compose.override.yaml': 'services:\n  api:\n    network_mode: host\n    cap_add: [NET_BIND_SERVICE]\n' },
      ['compose/dead-capabilities'],
    );
    expect(changed).toEqual({});
  });
});

/** Stands in for nginx/unprivileged: swaps `image: nginx:TAG` to nginxinc/nginx-unprivileged:TAG. */
const fakeNginxSwap: Transform = {
  meta: { id: 'nginx/unprivileged', description: 'test stand-in', appliesTo: ['compose'], fixable: true, cis: '4.1', peers: [], help: '' },
  run(ctx) {
    return ctx.project.services.flatMap((s) => {
      const image = s.node.node?.get('image', true);
      if (!image || typeof s.image !== 'string' || !s.image.startsWith('nginx:')) return [];
      const value = s.image.replace(/^nginx:/, 'nginxinc/nginx-unprivileged:');
      return [
        {
          transform: 'nginx/unprivileged',
          file: s.compose.path,
          range: [0, 0] as [number, number],
          message: 'swap',
          severity: 'warning' as const,
          fix: {
            edits: [replaceScalar(s.compose, image as never, value)],
            intent: [{ file: s.compose.path, doc: s.node.docIndex, path: servicePath(s, 'image'), op: 'set' as const, value }],
          },
        },
      ];
    });
  },
};

describe('nginx hand-over', () => {
  const compose = 'services:\n  web:\n    image: nginx:1.27-alpine\n    ports: ["8080:8080"]\n';

  async function harden(transforms: Transform[]) {
    const dir = writeTree({ 'compose.yaml': compose });
    try {
      return await run({ paths: [dir], cwd: dir, dryRun: true, exclude: [], transforms, options: DEFAULT_OPTIONS });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('waits for the swap and then hardens the unprivileged image', async () => {
    const result = await harden([fakeNginxSwap, ...transformsById(['compose/cap-drop', 'compose/read-only'])]);
    expect(result.errors).toEqual([]);
    const out = result.changes.find((c) => c.rel === 'compose.yaml')!.after;
    expect(out).toBe(
      'services:\n  web:\n    image: "nginxinc/nginx-unprivileged:1.27-alpine"\n    ports: ["8080:8080"]\n    read_only: true\n    tmpfs: ["/tmp:size=64m"]\n    cap_drop: [ALL]\n',
    );
    // Nothing was said about the stock nginx image: the hand-over was silent.
    expect(result.engine.findings.filter((f) => f.message.includes('nginx:1.27-alpine'))).toEqual([]);
  });

  it('reports instead when nginx/unprivileged does not run', async () => {
    const result = await harden(transformsById(['compose/cap-drop', 'compose/read-only']));
    expect(result.changes).toEqual([]);
    expect(result.engine.findings.map((f) => f.transform).sort()).toEqual(['compose/cap-drop', 'compose/read-only']);
    for (const f of result.engine.findings) {
      expect(f.message).toContain('nginx:1.27-alpine');
      expect(f.manual).toContain('nginx/unprivileged');
    }
  });
});

describe('the whole set on one stack', () => {
  it('hardens every service it can, reports the rest, and is a fixpoint', async () => {
    const tree = {
      'docker-compose.yml':
        'x-common: &common\n  restart: unless-stopped\n\nservices:\n' +
        '  notifier:\n    <<: *common\n    build: ./notifier\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n    cap_add:\n      - NET_BIND_SERVICE\n' +
        '  db:\n    <<: *common\n    image: postgres:16-alpine\n    volumes:\n      - pgdata:/var/lib/postgresql/data\n' +
        '  admin:\n    image: acme/admin\n    user: root\n' +
        'volumes:\n  pgdata:\n',
      'notifier/Dockerfile': 'ARG NODE_VERSION=20\nFROM node:${NODE_VERSION}-alpine\nWORKDIR /usr/src/app\nCOPY . .\nEXPOSE 3000\nCMD ["node", "server.js"]\n',
    };
    const first = await hardenTree(tree, ALL);
    expect(first.result.errors).toEqual([]);
    const out = first.changed['docker-compose.yml'];
    expect(service(out, 'notifier')).toMatchObject({
      read_only: true,
      cap_drop: ['ALL'],
      group_add: ['${DOCKER_GID:-999}'],
      security_opt: ['no-new-privileges:true'],
    });
    expect(service(out, 'notifier').cap_add).toBeUndefined();
    expect(service(out, 'admin')).toEqual({ image: 'acme/admin', user: 'root', security_opt: ['no-new-privileges:true'] });
    const messages = first.result.engine.findings.filter((f) => !f.fixed).map((f) => f.message);
    expect(messages).toContain('service admin: runs as user: root set explicitly; kept');
    expect(composeSchemaErrors(out)).toEqual([]);

    const second = await hardenTree({ ...tree, ...first.changed }, ALL);
    expect(second.changed).toEqual({});
  });
});
