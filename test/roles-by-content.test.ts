// Roles of an image nothing in the repository builds, from what its own content says (src/roles.ts purposeByContent):
// a package builder (packaging tools installed and a start that builds packages: synapse's docker/Dockerfile-dhvirtualenv),
// and, only where the file's name says dev or debug, a dev server in its start (homepage's Dockerfile-tilt, `next dev`)
// or a debugger (kratos's .docker/Dockerfile-debug, delve). Such images are left alone, not given a USER; a name word
// without the content, or the content without the name word, changes nothing.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'dockerfile/non-root-user';

async function run(tree: Record<string, string>, file: string) {
  const { result, changed } = await hardenTree(tree, [ID]);
  const findings = result.engine.findings.filter((f) => f.transform === ID && f.file.endsWith(file));
  return { findings, changed: changed[file] };
}

const DHVIRTUALENV = [
  'ARG distro=""',
  'FROM docker.io/library/${distro} AS builder',
  'RUN apt-get update && apt-get install -yqq --no-install-recommends build-essential devscripts equivs wget',
  'RUN cd /dh-virtualenv && dpkg-buildpackage -us -uc -b',
  '',
  'FROM docker.io/library/${distro}',
  'RUN apt-get update -qq \\',
  '    && apt-get install -yqq --no-install-recommends \\',
  '    build-essential \\',
  '    debhelper \\',
  '    # Required for building cffi from source.',
  '    libffi-dev \\',
  '    python3-venv',
  'COPY --from=builder /dh-virtualenv_1.2.2-1_all.deb /',
  'WORKDIR /synapse/source',
  'ENTRYPOINT ["bash","/synapse/source/docker/build_debian.sh"]',
  '',
].join('\n');

describe('roles from an image\'s own content', () => {
  it('leaves a package builder alone: packaging tools and a start that builds packages (synapse), also with CRLF', async () => {
    for (const text of [DHVIRTUALENV, toCrlf(DHVIRTUALENV)]) {
      const { findings, changed } = await run({ 'docker/Dockerfile-dhvirtualenv': text }, 'docker/Dockerfile-dhvirtualenv');
      expect(changed).toBeUndefined();
      expect(findings.map((f) => f.message).join('\n')).toMatch(/not a runtime image: left alone \(.*a packaging image, nothing builds it here; it installs packaging tools \(debhelper, RUN at line 7\) and its start builds packages \(ENTRYPOINT at line 16\)/);
    }
  });

  it('hardens an image that only installs packaging tools, or only runs a script named like a package build', async () => {
    const toolsOnly = DHVIRTUALENV.replace('ENTRYPOINT ["bash","/synapse/source/docker/build_debian.sh"]', 'CMD ["python3", "-m", "http.server"]');
    expect((await run({ Dockerfile: toolsOnly }, 'Dockerfile')).changed).toMatch(/\nUSER /);
    const scriptOnly = DHVIRTUALENV.replace('    debhelper \\\n', '');
    expect((await run({ Dockerfile: scriptOnly }, 'Dockerfile')).changed).toMatch(/\nUSER /);
  });

  it('leaves a Tilt/dev image running a dev server alone (homepage), whichever separator the name uses', async () => {
    const tilt = ['# syntax = docker/dockerfile:latest', 'FROM docker.io/node:18-alpine', 'WORKDIR /app', 'COPY . .', 'CMD ["npx", "next", "dev"]', ''].join('\n');
    for (const name of ['Dockerfile-tilt', 'Dockerfile_dev', 'Dockerfile.local']) {
      const { findings, changed } = await run({ [name]: tilt }, name);
      expect(changed, name).toBeUndefined();
      expect(findings.map((f) => f.message).join('\n'), name).toMatch(/its name says (tilt|dev|local) and its start runs a dev server \(next dev, CMD at line 5\): a development image, not a service/);
    }
    // Dev words in the start alone, or the name alone, are not evidence enough.
    expect((await run({ Dockerfile: tilt }, 'Dockerfile')).changed).toMatch(/\nUSER 1000:1000\n/);
    const server = tilt.replace('CMD ["npx", "next", "dev"]', 'CMD ["node", "server.js"]');
    expect((await run({ 'Dockerfile-dev': server }, 'Dockerfile-dev')).changed).toMatch(/\nUSER 1000:1000\n/);
  });

  it('leaves a debug image with delve alone (kratos), not a debug-named image without a debugger', async () => {
    const debug = ['FROM golang:1.22-bookworm', 'RUN go install github.com/go-delve/delve/cmd/dlv@latest', 'COPY entrypoint.sh /entrypoint.sh', 'WORKDIR /dockerdev', 'ENTRYPOINT ["/entrypoint.sh"]', ''].join('\n');
    const tree = { 'entrypoint.sh': '#!/bin/sh\nexec "$@"\n' };
    const left = await run({ ...tree, '.docker/Dockerfile-debug': debug.replace('/entrypoint.sh"]', '/entrypoint.sh"]').replace('COPY entrypoint.sh', 'COPY .docker/entrypoint.sh'), '.docker/entrypoint.sh': tree['entrypoint.sh'] }, '.docker/Dockerfile-debug');
    expect(left.changed).toBeUndefined();
    expect(left.findings.map((f) => f.message).join('\n')).toMatch(/its name says debug and it installs a debugger \(go-delve\/delve, RUN at line 2\)/);
    const plain = debug.replace('RUN go install github.com/go-delve/delve/cmd/dlv@latest', 'RUN go build -o /usr/local/bin/app .');
    expect((await run({ ...tree, 'Dockerfile-debug': plain }, 'Dockerfile-debug')).changed).toMatch(/\nUSER /);
  });

  it('a compose service that builds a dev-named image keeps deciding its role', async () => {
    const tilt = ['FROM node:20-bookworm-slim', 'WORKDIR /app', 'COPY . .', 'CMD ["npm", "run", "dev"]', ''].join('\n');
    const { findings } = await run({ 'Dockerfile-dev': tilt, 'compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      dockerfile: Dockerfile-dev\n' }, 'Dockerfile-dev');
    expect(findings.map((f) => f.message).join('\n')).not.toMatch(/not a runtime image/);
  });
});
