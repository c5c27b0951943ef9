// dockerfile/non-root-user names each `docker run` of the image (script,
// Makefile, CI step) that mounts the Docker socket with neither --user nor
// --group-add: the user the fix creates cannot reach the socket there.
import { describe, it, expect, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { recognize } from '../src/evidence/commands.js';
import { shellCommands } from '../src/evidence/shell.js';
import { runCli, writeTree } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const inv = (line: string) => recognize(shellCommands(line)[0]!.words);

/** The non-root-user finding on the Dockerfile at `file`. */
async function nonRootFinding(tree: Record<string, string>, file = 'Dockerfile'): Promise<{ status: string; message: string }> {
  const dir = writeTree(tree);
  dirs.push(dir);
  const r = await runCli(['--dry-run', '--format', 'json', '.'], dir);
  const findings = JSON.parse(r.stdout).findings as { transform: string; path: string; status: string; message: string }[];
  const f = findings.find((x) => x.transform === 'dockerfile/non-root-user' && x.path === file);
  expect(f, JSON.stringify(findings.map((x) => [x.transform, x.path]))).toBeDefined();
  return f!;
}

// Multi-stage: the image stage is the last one; a builder stage before it.
const WATCHER = 'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /watcher .\n\nFROM debian:bookworm-slim\nCOPY --from=build /watcher /usr/local/bin/watcher\nCMD ["watcher"]\n';

describe('docker run: who it runs as', () => {
  it('reads -u/--user and --group-add in every spelling', () => {
    expect(inv('docker run -d -u 1000:1000 --group-add 999 --group-add=docker -v /var/run/docker.sock:/var/run/docker.sock acme/w')).toMatchObject({ kind: 'run', image: 'acme/w', user: '1000:1000', groupAdd: ['999', 'docker'] });
    expect(inv('docker run --user=app acme/w')).toMatchObject({ user: 'app' });
    expect(inv('docker run -uroot acme/w')).toMatchObject({ user: 'root', image: 'acme/w' });
    const plain = inv('docker run --rm -it acme/w sh');
    expect(plain).toMatchObject({ image: 'acme/w' });
    expect(plain).not.toHaveProperty('user');
    expect(plain).not.toHaveProperty('groupAdd');
  });
});

describe('non-root-user: docker runs that mount the socket', () => {
  it('a script, a Makefile (--mount, the socket mounted elsewhere) and a CI step are named with their lines', async () => {
    const f = await nonRootFinding({
      Dockerfile: WATCHER,
      'run.sh': '#!/bin/sh\nset -e\ndocker build -t acme/watcher .\ndocker run -d --name w \\\n  -v /var/run/docker.sock:/var/run/docker.sock:ro acme/watcher\n',
      Makefile: 'run:\n\tdocker run --rm --mount type=bind,source=/var/run/docker.sock,target=/tmp/docker.sock acme/watcher:latest\n',
      '.github/workflows/e2e.yml': 'on: push\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker run -d -v "${DOCKER_SOCK:-/var/run/docker.sock}:/run/docker.sock" acme/watcher\n',
    });
    expect(f.status).toBe('fixable');
    expect(f.message).toMatch(/docker run at (?=.*run\.sh:4)(?=.*Makefile:2)(?=.*\.github\/workflows\/e2e\.yml:6).* mounts the Docker socket with neither --user nor --group-add: \S+ cannot reach the socket there/);
    expect(f.message).toMatch(/add --group-add "\$\(stat -c %g \/var\/run\/docker\.sock\)" to those commands/);
  });

  it('not named: runs with --group-add or --user, runs of other images, mounts of other paths, CRLF scripts the same', async () => {
    const f = await nonRootFinding({
      Dockerfile: WATCHER,
      'run.sh': '#!/bin/sh\r\ndocker build -t acme/watcher .\r\ndocker run -d --group-add 999 -v /var/run/docker.sock:/var/run/docker.sock acme/watcher\r\ndocker run -d -u 0 -v /var/run/docker.sock:/var/run/docker.sock acme/watcher\r\ndocker run -d -v /var/run/docker.sock:/var/run/docker.sock containrrr/watchtower\r\ndocker run -d -v ./data:/data acme/watcher\r\n',
    });
    expect(f.status).toBe('fixable');
    expect(f.message).not.toMatch(/Docker socket/);
    const one = await nonRootFinding({ Dockerfile: WATCHER, 'run.sh': '#!/bin/sh\r\ndocker build -t acme/watcher .\r\ndocker run -v /run/docker.sock:/var/run/docker.sock acme/watcher\r\n' });
    expect(one.message).toMatch(/docker run at run\.sh:3 mounts the Docker socket .* to that command/);
  });

  it('a run of one target names that stage only, not another image stage of the same Dockerfile', async () => {
    const dir = writeTree({
      Dockerfile: WATCHER.replace('FROM debian:bookworm-slim', 'FROM debian:bookworm-slim AS runtime') + '\nFROM runtime AS debug\nRUN echo debug\n',
      'run.sh': '#!/bin/sh\ndocker build --target runtime -t acme/watcher .\ndocker build -t acme/debug .\ndocker run -v /var/run/docker.sock:/var/run/docker.sock acme/debug\n',
    });
    dirs.push(dir);
    const r = await runCli(['--dry-run', '--format', 'json', '.'], dir);
    const findings = (JSON.parse(r.stdout).findings as { transform: string; message: string; start?: { line: number } }[]).filter((x) => x.transform === 'dockerfile/non-root-user');
    expect(findings.length).toBe(2);
    expect(findings.map((x) => /Docker socket/.test(x.message))).toEqual([false, true]);
  });
});
