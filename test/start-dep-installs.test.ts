// Dependency installs at start (src/dep-install-writes.ts): under the USER dockerfile/non-root-user would add, the
// project's dependency folder and the package manager's store or cache must be the user's (a folder the build or the
// tool gives it, its HOME, a volume or bind mount); otherwise USER is held back with the step to take. compose/read-only
// does not add a read-only root over them either. Shapes: polar's startup-web.sh (pnpm with a root-owned PNPM_HOME after
// `cd /app/clients`), npm ci in an entrypoint, pip install -r with a system Python and with a virtualenv, bundle install,
// composer install, poetry, go mod download, mix deps.get, and a bind-mounted source folder.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const USER_ID = 'dockerfile/non-root-user';
const RO_ID = 'compose/read-only';

async function run(tree: Record<string, string>, ids = [USER_ID]) {
  const { result, changed } = await hardenTree(tree, ids);
  const user = result.engine.findings.filter((f) => f.transform === USER_ID && f.file.endsWith('Dockerfile'));
  const ro = result.engine.findings.filter((f) => f.transform === RO_ID);
  return { user, ro, changed };
}

const withheld = <F extends { message: string }>(findings: F[]) => findings.find((f) => /its start installs dependencies/.test(f.message));

const POLAR_SCRIPT = [
  '#!/bin/bash',
  'set -euo pipefail',
  'cd /app/clients',
  'pnpm install --frozen-lockfile',
  'cd apps/web',
  'exec pnpm next dev --port 3000',
  '',
].join('\n');

const polarDockerfile = (env: string[]) =>
  ['FROM node:22-slim', ...env, 'RUN corepack enable', 'WORKDIR /app/clients', 'EXPOSE 3000', 'ENTRYPOINT ["/app/dev/docker/scripts/startup-web.sh"]', 'CMD ["dev"]', ''].join('\n');

const POLAR_COMPOSE = [
  'services:',
  '  web:',
  '    build:',
  '      context: .',
  '      dockerfile: Dockerfile',
  '    volumes:',
  '      - ./clients:/app/clients',
  '      - ./dev:/app/dev',
  '      - web_node_modules:/app/clients/node_modules',
  'volumes:',
  '  web_node_modules:',
  '',
].join('\n');

describe('dependency installs at start under the USER the tool would add', () => {
  it('holds USER back for pnpm install with a root-owned PNPM_HOME store (polar), also with CRLF', async () => {
    for (const crlf of [false, true]) {
      const conv = (t: string) => (crlf ? toCrlf(t) : t);
      const { user, changed } = await run({
        Dockerfile: conv(polarDockerfile(['ENV PNPM_HOME="/pnpm"', 'ENV PATH="$PNPM_HOME:$PATH"'])),
        'docker-compose.yml': conv(POLAR_COMPOSE),
        'dev/docker/scripts/startup-web.sh': conv(POLAR_SCRIPT),
        'clients/package.json': '{}\n',
      });
      expect(changed.Dockerfile).toBeUndefined();
      const f = withheld(user);
      expect(f?.message).toContain('pnpm install (startup-web.sh line 4)');
      expect(f?.message).toContain('/pnpm/store');
      // node_modules is on the volume after `cd /app/clients`: not named.
      expect(f?.message).not.toContain('node_modules');
      expect(f?.message).toContain('no user added');
      expect(f?.manual).toMatch(/Install the dependencies in the build/);
    }
  });

  it('adds USER when the pnpm store and cache fall under the base user\'s HOME and node_modules is on a volume', async () => {
    const { user, changed } = await run({
      Dockerfile: polarDockerfile([]),
      'docker-compose.yml': POLAR_COMPOSE,
      'dev/docker/scripts/startup-web.sh': POLAR_SCRIPT,
      'clients/package.json': '{}\n',
    });
    expect(withheld(user)).toBeUndefined();
    expect(changed.Dockerfile).toMatch(/\nUSER 1000:1000\n/);
  });

  it('holds USER back for npm ci in an entrypoint over the build\'s root-owned app folder, not once the build gives it to the user', async () => {
    const entry = ['#!/bin/sh', 'set -e', 'npm ci', 'exec node server.js', ''].join('\n');
    const df = (chown: string[]) => ['FROM node:20-bookworm-slim', 'WORKDIR /srv/app', 'COPY . .', ...chown, 'ENTRYPOINT ["/srv/app/entrypoint.sh"]', ''].join('\n');
    const tree = { 'entrypoint.sh': entry, 'package.json': '{"name":"x"}\n', 'server.js': 'require("http").createServer(()=>{}).listen(3000)\n' };
    const root = await run({ ...tree, Dockerfile: df([]) });
    expect(root.changed.Dockerfile).toBeUndefined();
    expect(withheld(root.user)?.message).toContain('npm ci (entrypoint.sh line 3)), which write /srv/app/node_modules:');
    const given = await run({ ...tree, Dockerfile: df(['RUN chown -R node:node /srv/app']) });
    expect(withheld(given.user)).toBeUndefined();
    expect(given.changed.Dockerfile).toMatch(/\nUSER 1000:1000\n/);
  });

  it('a bind-mounted source folder holds node_modules: npm install at start needs no hold-back, the bind mount note says to prepare it', async () => {
    const { user, changed } = await run({
      Dockerfile: ['FROM node:20-bookworm-slim', 'WORKDIR /usr/src/app', 'CMD ["sh", "-c", "npm install && exec node index.js"]', ''].join('\n'),
      'docker-compose.yml': ['services:', '  app:', '    build: .', '    volumes:', '      - .:/usr/src/app', ''].join('\n'),
      'index.js': '\n',
    });
    expect(withheld(user)).toBeUndefined();
    expect(changed.Dockerfile).toMatch(/\nUSER 1000:1000\n/);
  });

  it('pip install -r at start: a system Python falls back to the user\'s ~/.local; a root-owned virtualenv holds USER back; one chowned to the user does not', async () => {
    const start = ['#!/bin/sh', 'set -e', 'pip install -r requirements.txt', 'exec python app.py', ''].join('\n');
    const tree = { 'start.sh': start, 'requirements.txt': 'flask\n', 'app.py': 'print(1)\n' };
    const df = (extra: string[]) => ['FROM python:3.12-slim', 'WORKDIR /app', ...extra, 'COPY . .', 'CMD ["/app/start.sh"]', ''].join('\n');
    const system = await run({ ...tree, Dockerfile: df([]) });
    expect(withheld(system.user)).toBeUndefined();
    expect(system.changed.Dockerfile).toMatch(/\nUSER \d+:\d+\n/);
    const venv = await run({ ...tree, Dockerfile: df(['RUN python -m venv /opt/venv', 'ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH']) });
    expect(venv.changed.Dockerfile).toBeUndefined();
    expect(withheld(venv.user)?.message).toContain('pip install (start.sh line 3)), which write /opt/venv:');
    const owned = await run({
      ...tree,
      Dockerfile: df(['RUN useradd --uid 10001 --create-home app && python -m venv /opt/venv && chown -R app:app /opt/venv', 'ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH']),
    });
    expect(withheld(owned.user)).toBeUndefined();
  });

  it('bundle install with no gem folder known, and composer install into a root-owned vendor/, hold USER back', async () => {
    const bundle = await run({
      Dockerfile: ['FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y --no-install-recommends ruby-bundler', 'WORKDIR /app', 'COPY . .', 'CMD ["sh", "-c", "bundle install && exec bundle exec puma"]', ''].join('\n'),
      Gemfile: "source 'https://rubygems.org'\n",
      'Gemfile.lock': 'GEM\n',
    });
    expect(bundle.changed.Dockerfile).toBeUndefined();
    expect(withheld(bundle.user)?.message).toContain('the gem folder (no BUNDLE_PATH or GEM_HOME set)');
    const composer = await run({
      Dockerfile: ['FROM php:8.3-cli', 'WORKDIR /app', 'COPY . .', 'CMD ["sh", "-c", "composer install --no-dev && exec php -S 0.0.0.0:8080 -t public"]', ''].join('\n'),
      'composer.json': '{}\n',
    });
    expect(composer.changed.Dockerfile).toBeUndefined();
    expect(withheld(composer.user)?.message).toMatch(/composer install \(.*\), which write \/app\/composer.lock, \/app\/vendor/);
  });

  it('the official ruby image\'s GEM_HOME /usr/local/bundle (mode 1777): bundle install as the user writes its gems there, unless the build installed gems as root first; Gemfile.lock must be in the image', async () => {
    const ruby = (build: string[], lock: boolean, env: string[] = []) => ({
      Dockerfile: ['FROM ruby:3.3-slim', ...env, 'WORKDIR /app', ...build, 'COPY . .', 'CMD ["sh", "-c", "bundle install && exec bundle exec puma"]', ''].join('\n'),
      Gemfile: "source 'https://rubygems.org'\n",
      ...(lock ? { 'Gemfile.lock': 'GEM\n  remote: https://rubygems.org/\n' } : {}),
    });
    for (const crlf of [false, true]) {
      const tree = ruby([], true);
      const open = await run(crlf ? Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, toCrlf(v)])) : tree);
      expect(withheld(open.user), `crlf=${crlf}`).toBeUndefined();
      expect(open.changed.Dockerfile, `crlf=${crlf}`).toMatch(/\r?\nUSER 1000:1000\r?\n/);
    }
    // No Gemfile.lock: bundle resolves and writes /app/Gemfile.lock, which the root-owned /app refuses (checked on the engine).
    expect(withheld((await run(ruby([], false))).user)?.message).toContain('which write /app/Gemfile.lock:');
    // A build that ran bundle or gem as root left root-owned gems/ and specifications/ in /usr/local/bundle.
    for (const build of [['RUN gem install bundler'], ['COPY Gemfile Gemfile.lock ./', 'RUN bundle install'], ['RUN bundle config set without development && bundle install']]) {
      expect(withheld((await run(ruby(build, true))).user)?.message, build.join(' / ')).toContain('which write /usr/local/bundle:');
    }
    // The build's own GEM_HOME replaces the image's.
    expect(withheld((await run(ruby([], true, ['ENV GEM_HOME=/gems']))).user)?.message).toContain('which write /gems:');
    // compose/read-only names the folder now that it is known.
    const ro = await run({ ...ruby([], true), 'docker-compose.yml': ['services:', '  web:', '    build: .', ''].join('\n') }, [RO_ID]);
    expect(ro.ro.find((x) => /fetches packages/.test(x.message))?.message).toContain('which write /usr/local/bundle:');
  });

  it('lock files: npm install rewrites package-lock.json in a root-owned project even with node_modules the user\'s (checked on the engine); npm ci and yarn --frozen-lockfile only read theirs', async () => {
    const node = (install: string, lock: string) => ({
      Dockerfile: ['FROM node:20-bookworm-slim', 'WORKDIR /app', 'COPY . .', 'RUN mkdir node_modules && chown node:node node_modules', `CMD ["sh", "-c", "${install} && exec node server.js"]`, ''].join('\n'),
      'package.json': '{"name":"x"}\n',
      [lock]: '{}\n',
      'server.js': '\n',
    });
    expect(withheld((await run(node('npm install', 'package-lock.json'))).user)?.message).toContain('which write /app/package-lock.json:');
    expect(withheld((await run(node('yarn install', 'package-lock.json'))).user)?.message).toContain('/app/yarn.lock');
    for (const [install, lock] of [['npm ci', 'package-lock.json'], ['yarn install --frozen-lockfile', 'yarn.lock'], ['yarn install', 'yarn.lock'], ['npm install --no-package-lock', 'package-lock.json']]) {
      const { user, changed } = await run(node(install!, lock!));
      expect(withheld(user)?.message ?? '', install).not.toMatch(/\/app\/(package-lock\.json|yarn\.lock)/);
      if (install!.startsWith('npm')) expect(changed.Dockerfile, install).toMatch(/\nUSER 1000:1000\n/);
    }
  });

  it('the official golang image\'s GOPATH /go (mode 1777): go mod download as the user fills /go/pkg/mod beside the code copied to /go/src/app, not with the code copied over /go itself', async () => {
    const go = (workdir: string, copy: string) => ({
      Dockerfile: ['FROM golang:1.22-alpine', `WORKDIR ${workdir}`, copy, 'CMD ["sh", "-c", "go mod download && exec go run ."]', ''].join('\n'),
      'go.mod': 'module x\n',
    });
    for (const [workdir, copy] of [['/src', 'COPY . .'], ['/go/src/app', 'COPY . .'], ['/go/src/app', 'COPY go.mod /go/src/app/']]) {
      const { user, changed } = await run(go(workdir, copy));
      expect(withheld(user), `${workdir} ${copy}`).toBeUndefined();
      expect(changed.Dockerfile, `${workdir} ${copy}`).toMatch(/\nUSER 1000:1000\n/);
    }
    for (const [workdir, copy] of [['/go', 'COPY . .'], ['/src', 'COPY vendor-cache /go/pkg/mod/cache']]) {
      const { user } = await run({ ...go(workdir, copy), 'vendor-cache/x': '\n' });
      expect(withheld(user)?.message, `${workdir} ${copy}`).toContain('which write /go/pkg/mod:');
    }
  });

  it('bundle install into a BUNDLE_PATH on the bind-mounted app folder: USER added', async () => {
    const { user, changed } = await run({
      Dockerfile: ['FROM ruby:3.3-slim', 'WORKDIR /app', 'ENV BUNDLE_PATH=/app/vendor/bundle', 'CMD ["sh", "-c", "bundle install && exec bundle exec puma -p 3000"]', ''].join('\n'),
      'docker-compose.yml': ['services:', '  web:', '    build: .', '    volumes:', '      - ./:/app', ''].join('\n'),
      Gemfile: "source 'https://rubygems.org'\n",
    });
    expect(withheld(user)).toBeUndefined();
    expect(changed.Dockerfile).toMatch(/\nUSER \d+:\d+\n/);
  });

  it('poetry install into the system Python, go mod download into a GOPATH the build\'s own go run filled as root and mix deps.get into the build\'s folder hold USER back', async () => {
    const poetry = await run({
      Dockerfile: ['FROM python:3.12-slim', 'ENV POETRY_VIRTUALENVS_CREATE=false', 'WORKDIR /app', 'COPY . .', 'CMD ["sh", "-c", "poetry install --no-root && exec python -m app"]', ''].join('\n'),
      'pyproject.toml': '[tool.poetry]\nname = "x"\n',
    });
    expect(withheld(poetry.user)?.message).toContain("Python's site-packages (POETRY_VIRTUALENVS_CREATE=false)");
    const go = await run({
      Dockerfile: ['FROM golang:1.22-bookworm', 'ENV GOPATH=/go', 'WORKDIR /src', 'COPY . .', 'RUN go build -o /usr/local/bin/app .', 'CMD ["sh", "-c", "go mod download && exec go run ."]', ''].join('\n'),
      'go.mod': 'module x\n',
    });
    expect(withheld(go.user)?.message).toContain('go mod download (CMD at line 6)), which write /go/pkg/mod:');
    const mix = await run({
      Dockerfile: ['FROM elixir:1.16-slim', 'WORKDIR /app', 'COPY . .', 'CMD ["sh", "-c", "mix deps.get && exec mix phx.server"]', ''].join('\n'),
      'mix.exs': 'defmodule X.MixProject do\nend\n',
    });
    expect(withheld(mix.user)?.message).toContain('/app/deps');
  });

  it('a test harness service that runs npm ci in the same image holds its USER back too: the USER applies to every container of the image', async () => {
    const { user, changed } = await run({
      Dockerfile: 'FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n',
      'compose.yaml': ['services:', '  web:', '    build: .', '    ports: ["3000:3000"]', '  tests:', '    build: .', '    command: ["sh", "-c", "npm ci && npm test"]', ''].join('\n'),
      'server.js': '\n',
    });
    expect(changed.Dockerfile).toBeUndefined();
    expect(withheld(user)?.message).toMatch(/npm ci \(command of service tests.*\), which write \/app\/node_modules/);
  });

  it('poetry in a virtualenv inside the project: .venv on a bind-mounted folder is the user\'s to write', async () => {
    const { user } = await run({
      Dockerfile: ['FROM python:3.12-slim', 'ENV POETRY_VIRTUALENVS_IN_PROJECT=true', 'WORKDIR /app', 'CMD ["sh", "-c", "poetry install && exec poetry run python -m app"]', ''].join('\n'),
      'docker-compose.yml': ['services:', '  api:', '    build: .', '    volumes:', '      - .:/app', ''].join('\n'),
      'pyproject.toml': '[tool.poetry]\nname = "x"\n',
    });
    expect(withheld(user)).toBeUndefined();
  });
});

describe('dependency installs at start on a read-only root', () => {
  it('names the pnpm project folder after a cd to an absolute folder, and withholds read_only for poetry and go module caches', async () => {
    const polar = await run(
      {
        Dockerfile: polarDockerfile(['ENV PNPM_HOME="/pnpm"']),
        'docker-compose.yml': POLAR_COMPOSE,
        'dev/docker/scripts/startup-web.sh': POLAR_SCRIPT,
        'clients/package.json': '{}\n',
      },
      [RO_ID],
    );
    const f = polar.ro.find((x) => /fetches packages/.test(x.message));
    expect(f?.message).toContain('/pnpm/store, /root/.cache/pnpm:');
    expect(f?.message).not.toContain('a folder not known here');
    const go = await run(
      {
        Dockerfile: ['FROM golang:1.22-bookworm', 'WORKDIR /src', 'COPY . .', 'CMD ["sh", "-c", "go mod download && exec go run ."]', ''].join('\n'),
        'docker-compose.yml': ['services:', '  api:', '    build: .', ''].join('\n'),
        'go.mod': 'module x\n',
      },
      [RO_ID],
    );
    expect(go.ro.find((x) => /fetches packages/.test(x.message))?.message).toContain('go mod download (CMD at line 4)), which write /go/pkg/mod');
  });

  it('a cd straight followed by cd - (or pushd/popd) cancels out: the install runs in the working directory (symfony-docker)', async () => {
    for (const pair of [['cd tmp', 'cd -'], ['pushd /opt/x', 'popd']]) {
      const script = ['#!/bin/sh', 'set -e', 'if [ ! -f composer.lock ]; then', `  ${pair[0]}`, '  cp -Rp . ..', `  ${pair[1]}`, 'fi', 'composer install --no-interaction', 'exec php -S 0.0.0.0:8080', ''].join('\n');
      const { ro } = await run(
        {
          Dockerfile: ['FROM php:8.3-cli', 'WORKDIR /app', 'COPY start.sh /start.sh', 'CMD ["/start.sh"]', ''].join('\n'),
          'docker-compose.yml': ['services:', '  api:', '    build: .', '    volumes:', '      - vendor:/app/vendor', 'volumes:', '  vendor:', ''].join('\n'),
          'start.sh': script,
        },
        [RO_ID],
      );
      const f = ro.find((x) => /fetches packages/.test(x.message))?.message;
      expect(f, pair[0]).not.toContain('a folder not known here');
      expect(f, pair[0]).not.toContain('/app/vendor');
    }
  });

  it('keeps a cd that may not have run (a subshell, a relative folder) from naming the folder', async () => {
    for (const line of ['(cd /opt/other && true)', 'cd web']) {
      const script = ['#!/bin/sh', 'set -e', line, 'npm install', 'exec node index.js', ''].join('\n');
      const { ro } = await run(
        {
          Dockerfile: ['FROM node:20-bookworm-slim', 'WORKDIR /app', 'COPY start.sh /start.sh', 'CMD ["/start.sh"]', ''].join('\n'),
          'docker-compose.yml': ['services:', '  api:', '    build: .', '    volumes:', '      - modules:/app/node_modules', 'volumes:', '  modules:', ''].join('\n'),
          'start.sh': script,
        },
        [RO_ID],
      );
      expect(ro.find((x) => /fetches packages/.test(x.message))?.message, line).toContain('a folder not known here');
    }
  });
});

describe('dependency installs at start that run only where their folder is missing or empty', () => {
  const NODE_START = (guard: string[]) => ['#!/bin/sh', 'set -e', ...guard, 'exec node server.js', ''].join('\n');
  const nodeTree = (df: string[], start: string[]) => ({
    Dockerfile: ['FROM node:20-bookworm-slim', 'WORKDIR /srv/app', ...df, 'ENTRYPOINT ["/srv/app/entrypoint.sh"]', ''].join('\n'),
    'entrypoint.sh': NODE_START(start),
    'package.json': '{"name":"x"}\n',
    'server.js': '\n',
  });

  it('an if-block or one-line guard on node_modules, which the build fills with npm ci: no hold-back (also with CRLF); without that RUN the install runs and USER waits', async () => {
    const guards = [
      ['if [ ! -d node_modules ]; then', '  npm ci', 'fi'],
      ['if [ ! -d "node_modules/" ]; then npm ci; fi'],
      ['[ -d node_modules ] || npm ci'],
      ['test -d /srv/app/node_modules || npm ci'],
      ['[ -z "$(ls -A node_modules 2>/dev/null)" ] && npm ci'],
    ];
    for (const guard of guards) {
      for (const crlf of [false, true]) {
        const conv = (t: string) => (crlf ? toCrlf(t) : t);
        const tree = nodeTree(['COPY package.json ./', 'RUN npm ci', 'COPY . .'], guard);
        const filled = await run(Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, conv(v)])));
        expect(withheld(filled.user), `${guard.join(' / ')} crlf=${crlf}`).toBeUndefined();
        expect(filled.changed.Dockerfile, guard.join(' / ')).toMatch(/\nUSER 1000:1000\r?\n/);
      }
      const empty = await run(nodeTree(['COPY . .'], guard));
      expect(withheld(empty.user)?.message, guard.join(' / ')).toContain('which write /srv/app/node_modules');
    }
  });

  it('a guard joined with another test, an else branch, or a guard on another folder does not keep the install from running', async () => {
    for (const guard of [
      ['if [ ! -d node_modules ] || [ "$FORCE" = 1 ]; then npm ci; fi'],
      ['if [ -d node_modules ]; then', '  echo ok', 'else', '  npm ci', 'fi'],
      ['if [ ! -d dist ]; then', '  npm ci', 'fi'],
    ]) {
      const { user, changed } = await run(nodeTree(['COPY package.json ./', 'RUN npm ci', 'COPY . .'], guard));
      expect(changed.Dockerfile, guard.join(' / ')).toBeUndefined();
      expect(withheld(user)?.message, guard.join(' / ')).toContain('npm ci (entrypoint.sh line');
    }
  });

  it('composer install guarded by an empty vendor/: a COPY into vendor/ fills it; a volume over vendor/ is empty, so the install runs and the root-owned COMPOSER_HOME holds USER back', async () => {
    const start = ['#!/bin/sh', 'set -e', 'if [ -z "$(ls -A \'vendor/\' 2>/dev/null)" ]; then', '  composer install --prefer-dist', 'fi', 'exec php -S 0.0.0.0:8080 -t public', ''].join('\n');
    const df = ['FROM composer:2 AS deps', 'WORKDIR /app', 'COPY composer.json ./', 'RUN composer install --no-dev', 'FROM php:8.3-cli', 'ENV COMPOSER_HOME=/composer', 'WORKDIR /app', 'COPY --from=deps /app/vendor ./vendor', 'COPY . .', 'CMD ["/app/start.sh"]', ''].join('\n');
    const tree = { Dockerfile: df, 'start.sh': start, 'composer.json': '{}\n' };
    const alone = await run(tree);
    expect(withheld(alone.user)).toBeUndefined();
    expect(alone.changed.Dockerfile).toMatch(/\nUSER \d+/);
    const volume = await run({ ...tree, 'docker-compose.yml': ['services:', '  app:', '    build: .', '    volumes:', '      - vendor:/app/vendor', 'volumes:', '  vendor:', ''].join('\n') });
    expect(volume.changed.Dockerfile).toBeUndefined();
    expect(withheld(volume.user)?.message).toContain('which write /app/composer.lock, /composer/cache');
  });

  it('poetry install behind [ -d .venv ] with the virtualenv in the project, filled by the build, not when a cache mount kept it out of the image', async () => {
    const df = (install: string) =>
      ['FROM python:3.12-slim', 'ENV POETRY_VIRTUALENVS_IN_PROJECT=true POETRY_CACHE_DIR=/opt/poetry-cache', 'WORKDIR /app', 'COPY pyproject.toml ./', install, 'COPY . .', 'CMD ["sh", "-c", "[ -d .venv ] || poetry install; exec .venv/bin/python app.py"]', ''].join('\n');
    const tree = { 'pyproject.toml': '[tool.poetry]\n', 'app.py': '\n' };
    const filled = await run({ ...tree, Dockerfile: df('RUN pip install poetry && poetry install --no-root') });
    expect(withheld(filled.user)).toBeUndefined();
    const cached = await run({ ...tree, Dockerfile: df('RUN --mount=type=cache,target=/app/.venv pip install poetry && poetry install --no-root') });
    expect(cached.changed.Dockerfile).toBeUndefined();
    expect(withheld(cached.user)?.message).toContain('/app/.venv');
  });

  it('compose/read-only takes the same decision: a guarded install whose folder the build filled does not run, so read_only is added; a volume or tmpfs over the folder hides the build\'s and withholds it', async () => {
    const compose = (extra: string[]) => ['services:', '  app:', '    build: .', ...extra, ''].join('\n');
    for (const guard of [['[ -d node_modules ] || npm ci'], ['if [ ! -d node_modules ]; then', '  npm ci', 'fi']]) {
      for (const crlf of [false, true]) {
        const conv = (t: string) => (crlf ? toCrlf(t) : t);
        const tree = { ...nodeTree(['COPY package.json ./', 'RUN npm ci', 'COPY . .'], guard), 'docker-compose.yml': compose([]) };
        const filled = await run(Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, conv(v)])), [RO_ID]);
        expect(filled.ro.find((x) => /fetches packages/.test(x.message)), `${guard.join(' / ')} crlf=${crlf}`).toBeUndefined();
        expect(filled.changed['docker-compose.yml'], guard.join(' / ')).toMatch(/read_only: true/);
      }
      const unfilled = await run({ ...nodeTree(['COPY . .'], guard), 'docker-compose.yml': compose([]) }, [RO_ID]);
      expect(unfilled.ro.find((x) => /fetches packages/.test(x.message))?.message, guard.join(' / ')).toContain('/srv/app/node_modules');
      for (const mount of [['    volumes:', '      - modules:/srv/app/node_modules'], ['    tmpfs:', '      - /srv/app/node_modules']]) {
        const tree = { ...nodeTree(['COPY package.json ./', 'RUN npm ci', 'COPY . .'], guard), 'docker-compose.yml': compose(mount) + (mount[0]!.includes('volumes') ? 'volumes:\n  modules:\n' : '') };
        const hidden = await run(tree, [RO_ID]);
        expect(hidden.ro.find((x) => /fetches packages/.test(x.message))?.message, mount.join(' ')).toContain('npm ci (entrypoint.sh line');
      }
    }
  });
});

describe('services a stage is checked against', () => {
  // dunglas/symfony-docker: compose.yaml's php has no image or build; compose.override.yaml builds the dev stage with the
  // source bind-mounted, compose.prod.yaml builds the prod stage. compose.yaml's php never runs the dev stage without the override.
  const tree = (baseImage: string[]) => ({
    Dockerfile: [
      'FROM php:8.3-cli AS base',
      'WORKDIR /app',
      'COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint',
      'ENTRYPOINT ["docker-entrypoint"]',
      'CMD ["php", "-S", "0.0.0.0:8080", "-t", "public"]',
      'FROM base AS dev',
      'RUN useradd --uid 1000 --create-home app',
      'FROM base AS prod',
      'COPY . .',
      'RUN composer install --no-dev',
      '',
    ].join('\n'),
    'docker-entrypoint.sh': ['#!/bin/sh', 'set -e', 'composer install --prefer-dist --no-interaction', 'exec "$@"', ''].join('\n'),
    'compose.yaml': ['services:', '  php:', ...baseImage, '    volumes:', '      - caddy_data:/data', 'volumes:', '  caddy_data:', ''].join('\n'),
    'compose.override.yaml': ['services:', '  php:', '    build:', '      context: .', '      target: dev', '    volumes:', '      - ./:/app', ''].join('\n'),
    'compose.prod.yaml': ['services:', '  php:', '    build:', '      context: .', '      target: prod', ''].join('\n'),
    'README.md': ['Production:', '', '    docker compose -f compose.yaml -f compose.prod.yaml up --wait', ''].join('\n'),
    'composer.json': '{}\n',
  });

  it('a base service that takes its build from an override and names no image is judged only through the overrides that run it (with their mounts)', async () => {
    const { user, changed } = await run(tree([]));
    // The dev stage (FROM at line 6); the prod stage, whose build leaves /app/vendor root's, is judged as before.
    expect(withheld(user.filter((f) => f.line === 6))).toBeUndefined();
    expect(changed.Dockerfile).toMatch(/\nUSER 1000\n/);
  });

  it('with an image: of its own the base runs alone (the image pulled), without the bind mount: USER waits for /app/vendor', async () => {
    const { user, changed } = await run(tree(['    image: example/app-php']));
    expect(changed.Dockerfile).toBeUndefined();
    expect(withheld(user.filter((f) => f.line === 6))?.message).toContain('/app/vendor');
  });
});
