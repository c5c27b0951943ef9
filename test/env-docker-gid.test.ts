// compose/env-docker-gid: the example env file beside a compose file documents
// DOCKER_GID when a service joins the docker group through it.
import { describe, it, expect } from 'vitest';
import { DOCKER_GID_NOTE } from '../src/compose-service.js';
import { rmSync } from 'node:fs';
import { run } from '../src/driver.js';
import type { Transform } from '../src/transform.js';
import { DEFAULT_OPTIONS, type Finding } from '../src/types.js';
import { hardenTree, toCrlf, writeTree } from './helpers.js';

const ID = 'compose/env-docker-gid';
const SOCKET = [
  'services:',
  '  notifier:',
  '    image: notifier',
  '    volumes:',
  '      - /var/run/docker.sock:/var/run/docker.sock',
  '    group_add: ["${DOCKER_GID:-999}"]',
  '',
].join('\n');
const ADDED = [
  "# GID of the host's docker group, for services that use the Docker socket (notifier).",
  '# Find it with: getent group docker | cut -d: -f3   (empty: the default in the compose file)',
  'DOCKER_GID=',
];

async function harden(tree: Record<string, string>) {
  const r = await hardenTree(tree, [ID]);
  expect(r.result.errors).toEqual([]);
  return r;
}

describe(ID, () => {
  for (const crlf of [false, true]) {
    const eol = crlf ? '\r\n' : '\n';
    const t = (s: string) => (crlf ? toCrlf(s) : s);
    it(`appends a documented DOCKER_GID= line to .env.example${crlf ? ' (CRLF)' : ''}, once`, async () => {
      const env = t('# Copy to .env\nPOSTGRES_PASSWORD=example\n');
      const { changed, result } = await harden({ 'compose.yaml': t(SOCKET), '.env.example': env });
      expect(changed['.env.example']).toBe(env + ADDED.join(eol) + eol);
      expect(Object.keys(changed)).toEqual(['.env.example']);
      const f = result.engine.findings.find((x) => x.transform === ID)!;
      expect(f.notes).toEqual([DOCKER_GID_NOTE]);
      const again = await harden({ 'compose.yaml': t(SOCKET), '.env.example': changed['.env.example'] });
      expect(again.changed).toEqual({});
    });
  }

  it('keeps a missing final newline missing, and fills an empty file', async () => {
    const { changed } = await harden({ 'compose.yaml': SOCKET, '.env.sample': 'A=1', '.env.example': '' });
    expect(changed['.env.sample']).toBe('A=1\n' + ADDED.join('\n'));
    expect(changed['.env.example']).toBe(ADDED.join('\n') + '\n');
  });

  it('leaves a file that already sets DOCKER_GID (export too), and files without a socket group user', async () => {
    for (const env of ['DOCKER_GID=998\n', 'export DOCKER_GID=998\n', '  DOCKER_GID =\n']) {
      expect((await harden({ 'compose.yaml': SOCKET, '.env.example': env })).changed).toEqual({});
    }
    const plain = SOCKET.replace('    group_add: ["${DOCKER_GID:-999}"]\n', '    group_add: ["999"]\n');
    expect((await harden({ 'compose.yaml': plain, '.env.example': 'A=1\n' })).changed).toEqual({});
  });

  it('a commented-out DOCKER_GID does not count; group_add through an anchor, in an override, with $DOCKER_GID all count', async () => {
    const { changed } = await harden({ 'compose.yaml': SOCKET, '.env.example': '# DOCKER_GID=999\n' });
    expect(changed['.env.example']).toContain('\nDOCKER_GID=\n');

    const anchored = 'x-sock: &sock\n  group_add: [$DOCKER_GID]\nservices:\n  a:\n    <<: *sock\n    image: a\n';
    expect((await harden({ 'compose.yaml': anchored, '.env.example': '' })).changed['.env.example']).toContain('(a)');

    const base = 'services:\n  a:\n    image: a\n  b:\n    image: b\n';
    const override = 'services:\n  a:\n    group_add:\n      - "${DOCKER_GID:-999}"\n  b:\n    group_add:\n      - "${DOCKER_GID}"\n';
    const both = await harden({ 'compose.yaml': base, 'compose.override.yaml': override, '.env.example': 'X=1\n' });
    // One edit for the folder, naming every service, though two compose files mention it.
    expect(both.changed['.env.example']).toBe('X=1\n' + ADDED.join('\n').replace('(notifier)', '(a, b)') + '\n');
  });

  it('each folder\'s env file names the socket users of its own folder only', async () => {
    const other = SOCKET.replace('notifier', 'watcher');
    const { changed } = await harden({ 'a/compose.yaml': SOCKET, 'a/.env.example': '', 'b/compose.yaml': other, 'b/.env.example': '' });
    expect(changed['a/.env.example']).toBe(ADDED.join('\n') + '\n');
    expect(changed['b/.env.example']).toBe(ADDED.join('\n').replace('(notifier)', '(watcher)') + '\n');
  });

  it('an env file in another folder is not touched', async () => {
    const { changed } = await harden({ 'deploy/compose.yaml': SOCKET, '.env.example': 'A=1\n', 'deploy/.env.example': 'A=1\n' });
    expect(Object.keys(changed)).toEqual(['deploy/.env.example']);
  });
});

describe('per-file enablement in the engine', () => {
  it('a fix that would edit a file where its transform is off is withheld and the finding says why', async () => {
    const crossFile: Transform = {
      meta: { id: 'test/cross', description: '', appliesTo: ['dockerfile'], fixable: true, cis: '4.1', peers: [], help: '' },
      run(ctx) {
        const [a, b] = ctx.project.dockerfiles;
        const f: Finding = { transform: 'test/cross', file: a.path, range: [0, 4], message: 'touches both', severity: 'warning',
          fix: { edits: [{ file: a.path, range: [0, 0], text: '# a\n' }, { file: b.path, range: [0, 0], text: '# b\n' }] } };
        return a.text.startsWith('#') ? [] : [f];
      },
    };
    const dir = writeTree({ 'a/Dockerfile': 'FROM scratch\n', 'b/Dockerfile': 'FROM scratch\n' });
    try {
      const base = { paths: [dir], cwd: dir, dryRun: true, exclude: [], transforms: [crossFile], options: DEFAULT_OPTIONS };
      const on = await run(base);
      expect(on.changes.length).toBe(2);
      const off = await run({ ...base, isEnabled: (_id, file) => !file.includes('/b/') });
      expect(off.changes).toEqual([]);
      expect(off.engine.findings.length).toBe(1);
      expect(off.engine.findings[0].manual).toContain('b/Dockerfile, where configuration turns test/cross off');
      const offA = await run({ ...base, isEnabled: (_id, file) => !file.includes('/a/') });
      expect(offA.engine.findings).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
