// A child image built FROM a parent image this repository builds, which sets no
// ENTRYPOINT or CMD of its own, starts with the parent's: its supervisor, its
// privilege-dropping entrypoint script. Shapes taken from real repositories
// (a base/ Dockerfile tagged by compose `image:` + `build:`, a Makefile's
// `docker build -t`, a `--target` of a multi-stage base; children FROM that tag,
// directly, through a grandparent, or through an ARG).
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const SUPERVISED_BASE = {
  'base/Dockerfile': [
    'FROM debian:bookworm-slim',
    'RUN apt-get update && apt-get install -y --no-install-recommends supervisor cron && rm -rf /var/lib/apt/lists/*',
    'COPY supervisord.conf /etc/supervisor/supervisord.conf',
    'CMD ["supervisord", "-n", "-c", "/etc/supervisor/supervisord.conf"]',
    '',
  ].join('\n'),
  'base/supervisord.conf': '[supervisord]\nnodaemon=true\n\n[program:cron]\ncommand=cron -f\n',
};

const GOSU_BASE = {
  'base/Dockerfile': [
    'FROM debian:bookworm-slim',
    'RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*',
    'RUN useradd --system --uid 999 app',
    'COPY docker-entrypoint.sh /usr/local/bin/',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'CMD ["bash"]',
    '',
  ].join('\n'),
  'base/docker-entrypoint.sh': '#!/bin/sh\nset -e\nchown -R app /data\nexec gosu app "$@"\n',
  Makefile: 'base:\n\tdocker build -t acme/base -f base/Dockerfile base\n',
};

const CHILD = ['FROM acme/base', 'RUN apt-get update && apt-get install -y --no-install-recommends curl', 'COPY . /app', 'WORKDIR /app', ''].join('\n');

const composeOf = (services: string) => `services:\n${services}`;
const BASE_SERVICE = '  base:\n    image: acme/base\n    build: ./base\n';

async function nonRoot(tree: Record<string, string>, file: string) {
  const { result, changed } = await hardenTree(tree, ['dockerfile/non-root-user', 'compose/cap-drop']);
  const findings = result.engine.findings.filter((f) => f.transform === 'dockerfile/non-root-user' && f.file.endsWith(file));
  return { findings, changed, all: result.engine.findings };
}

describe('a child of an image built here inherits its start', () => {
  it('keeps a child of a supervisord base on root: the supervised daemon needs it', async () => {
    const tree = { ...SUPERVISED_BASE, 'app/Dockerfile': CHILD, 'compose.yaml': composeOf(`${BASE_SERVICE}  app:\n    build: ./app\n`) };
    const { findings, changed } = await nonRoot(tree, 'app/Dockerfile');
    expect(changed['app/Dockerfile']).toBeUndefined();
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^it starts cron \(supervisord \[program:cron\] in base\/supervisord.conf line 5\), whose master process must start as root/);
  });

  it('keeps a child whose parent (tagged by a Makefile) drops privileges in its entrypoint on root, naming the parent', async () => {
    const tree = { ...GOSU_BASE, 'app/Dockerfile': CHILD.replace('WORKDIR /app\n', 'WORKDIR /app\nCMD ["python3", "app.py"]\n'), 'compose.yaml': composeOf('  app:\n    build: ./app\n') };
    const { findings, changed, all } = await nonRoot(tree, 'app/Dockerfile');
    expect(changed['app/Dockerfile']).toBeUndefined();
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('docker-entrypoint.sh of acme/base (base/Dockerfile) drops privileges itself (gosu app, line 4)')]);
    // cap_drop gives back what the inherited drop needs.
    const caps = all.find((f) => f.transform === 'compose/cap-drop');
    expect(caps?.message).toMatch(/SETGID.*SETUID/);
    expect(changed['compose.yaml']).toMatch(/cap_add: \[CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID\]/);
  });

  it('does not make a parent\'s drop conditional for one child (entrypoint-drop: conditional)', async () => {
    const tree = { ...GOSU_BASE, 'app/Dockerfile': CHILD, 'compose.yaml': composeOf('  app:\n    build: ./app\n') };
    const { result, changed } = await hardenTree(tree, ['dockerfile/non-root-user'], { entrypointDrop: 'conditional' });
    expect(changed['base/docker-entrypoint.sh']).toBeUndefined();
    expect(changed['app/Dockerfile']).toBeUndefined();
    const f = result.engine.findings.find((x) => x.file.endsWith('app/Dockerfile'));
    expect(f?.message).toContain('the drop is in the start script of acme/base, which every image built FROM it shares');
  });

  it('follows a grandparent: s6-overlay /init two images up', async () => {
    const tree = {
      'base/Dockerfile': 'FROM alpine:3.20\nRUN apk add --no-cache s6-overlay\nENTRYPOINT ["/init"]\n',
      'mid/Dockerfile': 'FROM acme/base:latest\nRUN apk add --no-cache python3\n',
      'app/Dockerfile': 'FROM acme/mid:latest\nCOPY app.py /app/\n',
      'compose.yaml': composeOf(`${BASE_SERVICE}  mid:\n    image: acme/mid\n    build: ./mid\n  app:\n    build: ./app\n`),
    };
    const { findings, changed } = await nonRoot(tree, 'app/Dockerfile');
    expect(changed['app/Dockerfile']).toBeUndefined();
    expect(findings[0]!.message).toContain('it starts /init (ENTRYPOINT of acme/base:latest in base/Dockerfile at line 3)');
  });

  it('follows an ARG-parameterised FROM, by its default and by the build argument compose gives', async () => {
    const byDefault = 'ARG BASE_IMAGE=acme/base\nFROM ${BASE_IMAGE}\nCOPY . /app\n';
    const byArg = 'ARG BASE_IMAGE=debian:bookworm-slim\nFROM ${BASE_IMAGE}\nCOPY . /app\n';
    for (const [child, build] of [
      [byDefault, './app'],
      [byArg, '\n      context: ./app\n      args:\n        BASE_IMAGE: acme/base'],
    ] as const) {
      const tree = { ...SUPERVISED_BASE, 'app/Dockerfile': child, 'compose.yaml': composeOf(`${BASE_SERVICE}  app:\n    build: ${build}\n`) };
      const { findings, changed } = await nonRoot(tree, 'app/Dockerfile');
      expect(changed['app/Dockerfile']).toBeUndefined();
      expect(findings[0]!.message).toContain('it starts cron (supervisord [program:cron] in base/supervisord.conf');
    }
  });

  it('takes the start of the stage a --target builds from a multi-stage parent', async () => {
    const tree = {
      'base/Dockerfile': [
        'FROM ubuntu:24.04 AS runtime',
        'RUN apt-get update && apt-get install -y --no-install-recommends runit nginx',
        'CMD ["/sbin/my_init"]',
        '',
        'FROM runtime AS dev',
        'CMD ["bash"]',
        '',
      ].join('\n'),
      'scripts/build.sh': '#!/bin/sh\ndocker build --target runtime -t acme/base base\n',
      'app/Dockerfile': 'FROM acme/base\nCOPY site /var/www\n',
      'compose.yaml': composeOf('  app:\n    build: ./app\n'),
    };
    const { findings, changed } = await nonRoot(tree, 'app/Dockerfile');
    expect(changed['app/Dockerfile']).toBeUndefined();
    expect(findings[0]!.message).toContain('it starts my_init (CMD of acme/base in base/Dockerfile at line 3)');
  });

  it('hardens a child that sets its own ENTRYPOINT, and one whose inherited ENTRYPOINT is a plain init', async () => {
    const own = { ...SUPERVISED_BASE, 'app/Dockerfile': `${CHILD}ENTRYPOINT ["python3", "app.py"]\n`, 'compose.yaml': composeOf(`${BASE_SERVICE}  app:\n    build: ./app\n`) };
    expect((await nonRoot(own, 'app/Dockerfile')).changed['app/Dockerfile']).toMatch(/\nUSER 1000:1000\nENTRYPOINT \["python3", "app.py"\]\n$/);
    const tini = {
      'base/Dockerfile': 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y tini\nENTRYPOINT ["tini", "--"]\n',
      'app/Dockerfile': `${CHILD}CMD ["python3", "app.py"]\n`,
      'compose.yaml': composeOf(`${BASE_SERVICE}  app:\n    build: ./app\n`),
    };
    expect((await nonRoot(tini, 'app/Dockerfile')).changed['app/Dockerfile']).toContain('\nUSER 1000:1000\nCMD ["python3", "app.py"]\n');
  });

  it('reads the same with CRLF line ends, and is not thrown by a heredoc in the child', async () => {
    const child = 'FROM acme/base\r\nRUN <<EOF\r\napt-get update\r\napt-get install -y curl\r\nEOF\r\nCOPY . /app\r\n';
    const tree = Object.fromEntries(Object.entries({ ...SUPERVISED_BASE, 'compose.yaml': composeOf(`${BASE_SERVICE}  app:\n    build: ./app\n`) }).map(([k, v]) => [k, toCrlf(v)]));
    const { findings, changed } = await nonRoot({ ...tree, 'app/Dockerfile': child }, 'app/Dockerfile');
    expect(changed['app/Dockerfile']).toBeUndefined();
    expect(findings[0]!.message).toContain('it starts cron (supervisord [program:cron] in base/supervisord.conf');
  });
});
