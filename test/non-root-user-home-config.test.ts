// dockerfile/non-root-user and root's HOME (CIS 4.1): configuration a build step writes
// for root alone (`git config --global`) and `docker run` mounts into /root that a script
// or Makefile of the repository makes. Both are lost to a process running as another user.
import { describe, it, expect } from 'vitest';
import { hardenTree } from './helpers.js';

const ID = 'dockerfile/non-root-user';

async function userFinding(tree: Record<string, string>) {
  const { result, changed } = await hardenTree(tree, [ID]);
  const findings = result.engine.findings.filter((x) => x.transform === ID);
  return { findings, changed };
}

describe('dockerfile/non-root-user: git config --global at build time', () => {
  it('moves a git config --global write to --system, leaves reads alone and names other config writes', async () => {
    const { findings, changed } = await userFinding({
      Dockerfile: [
        'FROM debian:bookworm-slim',
        'RUN apt-get update && apt-get install -y git \\',
        '    && git config --global --add safe.directory /src \\',
        '    && git config --global --get user.name; npm config set fund false',
        'COPY . /src',
        'WORKDIR /src',
        'CMD ["git", "log"]',
        '',
      ].join('\n'),
    });
    const out = changed['Dockerfile']!;
    expect(out).toContain('git config --system --add safe.directory /src');
    expect(out).toContain('git config --global --get user.name');
    expect(out).toContain('USER 1000:1000');
    const msg = findings[0]!.message;
    expect(msg).toContain("git config --global (line 2) wrote root's ~/.gitconfig");
    expect(msg).toContain('npm config set (line 2) writes configuration into root');
  });

  it('works in a multi-stage file with an ARG-parameterised FROM, on the final stage chain only', async () => {
    const { changed } = await userFinding({
      Dockerfile: [
        'ARG BASE=debian:bookworm-slim',
        'FROM ${BASE} AS build',
        'RUN git config --global url."https://x/".insteadOf git://x/',
        'FROM ${BASE} AS app',
        'RUN git config --global --add safe.directory /app',
        'COPY --from=build /etc/hostname /app/h',
        'CMD ["git", "-C", "/app", "status"]',
        '',
      ].join('\n'),
    });
    const out = changed['Dockerfile']!;
    // The build stage is not part of the image: its --global stays.
    expect(out).toContain('RUN git config --global url."https://x/".insteadOf git://x/');
    expect(out).toContain('RUN git config --system --add safe.directory /app');
  });

  it('keeps CRLF line ends and follows a backtick escape', async () => {
    const { changed } = await userFinding({
      Dockerfile: ['# escape=`', 'FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y git `', '    && git config `', '    --global --add safe.directory /src', 'CMD ["git", "log"]', ''].join('\r\n'),
    });
    const out = changed['Dockerfile']!;
    expect(out).toContain('    --system --add safe.directory /src\r\n');
    expect(out).not.toMatch(/[^\r]\n/);
  });

  it('names but does not edit a write in a heredoc body', async () => {
    const { findings, changed } = await userFinding({
      Dockerfile: ['# syntax=docker/dockerfile:1', 'FROM debian:bookworm-slim', 'RUN <<EOF', 'git config --global --add safe.directory /src', 'EOF', 'CMD ["git", "log"]', ''].join('\n'),
    });
    expect(changed['Dockerfile']).toContain('git config --global --add safe.directory /src');
    expect(findings[0]!.message).toContain('git config --global (line 3) writes configuration into root');
  });

  it('leaves a write made as another user alone', async () => {
    const { findings, changed } = await userFinding({
      Dockerfile: ['FROM debian:bookworm-slim', 'USER nobody', 'RUN git config --global user.name x', 'USER root', 'CMD ["sleep", "1"]', ''].join('\n'),
    });
    expect(changed['Dockerfile']).toContain('RUN git config --global user.name x');
    expect(findings[0]!.message).not.toContain('gitconfig');
  });
});

describe('dockerfile/non-root-user: docker run mounts into /root', () => {
  const DOCKERFILE = ['FROM debian:bookworm-slim AS base', 'WORKDIR /src', 'COPY . .', 'FROM base AS dev', 'CMD ["make", "watch"]', 'FROM base AS prod', 'CMD ["./app"]', ''].join('\n');

  it('holds USER back on the stage a Makefile runs with a mount under /root (opengist run_dev_docker)', async () => {
    const { findings, changed } = await userFinding({
      Dockerfile: DOCKERFILE,
      Makefile: [
        'dev_image:',
        '\tdocker build -t app-dev:latest --target dev .',
        'run_dev:',
        '\tdocker run -v .:/src -v /src/node_modules -p 6157:6157 -v $(HOME)/.app-dev:/root/.app --rm app-dev:latest',
        'image:',
        '\tdocker build -t app:latest .',
        'run:',
        '\tdocker run -p 6157:6157 app:latest',
        '',
      ].join('\n'),
    });
    const dev = findings.find((f) => f.message.includes('/root/.app'));
    expect(dev?.message).toContain("docker run -v $(HOME)/.app-dev:/root/.app (Makefile:4) mounts into root's HOME (/root/.app)");
    expect(dev?.fix).toBeUndefined();
    // The prod stage, run without such a mount, still gets its user.
    const out = changed['Dockerfile']!;
    expect(out.split('FROM base AS prod')[1]).toContain('USER 1000:1000');
    expect(out.split('FROM base AS prod')[0]).not.toContain('USER 1000');
  });

  it('reads --mount targets and variables with colons in the source; a cache under /root/.cache does not count', async () => {
    const { findings } = await userFinding({
      Dockerfile: 'FROM debian:bookworm-slim\nCMD ["./app"]\n',
      'run.sh': '#!/bin/sh\ndocker build -t app .\ndocker run -p 80:80 -v "${CACHE:-/tmp/c}:/root/.cache/app" app\ndocker run -p 80:80 --mount type=bind,source="${CONF:-./c}",target=/root/.config/app app\n',
    });
    expect(findings[0]!.message).toContain("mounts into root's HOME (/root/.config/app)");
  });
});

describe('dockerfile/non-root-user: start-up writes the user cannot be given', () => {
  const tree = (script: string, dockerfile = 'FROM debian:bookworm-slim\nWORKDIR /app\nCOPY . .\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\nCMD ["./server"]\n') => ({
    Dockerfile: dockerfile,
    'entrypoint.sh': `#!/bin/sh\nset -e\n${script}\nexec "$@"\n`,
  });

  it('holds USER back for a write into /etc itself and a top-level folder the image lacks', async () => {
    const { findings, changed } = await userFinding(tree('echo "/srv *(rw)" > /etc/exports\nmkdir -p /data'));
    expect(changed['Dockerfile']).toBeUndefined();
    expect(findings[0]!.message).toContain('its start writes /etc/exports (echo > /etc/exports (entrypoint.sh line 3)), /data (mkdir /data (entrypoint.sh line 4))');
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('adds USER but names the write when the script goes on past a failed step (no set -e)', async () => {
    const { findings, changed } = await userFinding({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\nCMD ["./server"]\n',
      'entrypoint.sh': '#!/bin/bash\necho "$TZ" > /etc/timezone\nexec "$@"\n',
    });
    expect(changed['Dockerfile']).toContain('USER 1000:1000');
    expect(findings[0]!.message).toContain('its start writes /etc/timezone (echo > /etc/timezone (entrypoint.sh line 2)), where only root may write: as 1000:1000 that step fails and the script goes on');
  });

  it("still adds USER where the folder is the user's: two levels deep, made in the image, a volume, /tmp, or the code", async () => {
    const { findings, changed } = await userFinding(
      tree('mkdir -p /run/app /tmp/x /app\necho x > /data/state\ninstall -m755 -g 32 -o 32 -d /run/rpcbind', 'FROM debian:bookworm-slim\nWORKDIR /app\nCOPY . .\nRUN mkdir -p /data\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\nCMD ["./server"]\n'),
    );
    expect(changed['Dockerfile']).toContain('USER 1000:1000');
    // install's option values (755, 32) are not folders it makes.
    expect(findings[0]!.message).toContain('install -d /run/rpcbind');
    expect(findings[0]!.message).not.toMatch(/\/32\b|install -d 32/);
  });
});
