// Migration notes of dockerfile/non-root-user: named volumes written by root
// need a one-time chown, bind mounts need the host folder made and chowned.
import { describe, it, expect } from 'vitest';
import { hardenTree } from './helpers.js';

const DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -e .\nCMD ["python", "-m", "app"]\n';

async function notesFor(compose: string, options = {}, dir = '') {
  const { result } = await hardenTree({ [`${dir}Dockerfile`]: DOCKERFILE, [`${dir}compose.yaml`]: compose }, ['dockerfile/non-root-user'], options);
  const f = result.engine.findings.find((x) => x.transform === 'dockerfile/non-root-user');
  expect(f?.fixed).toBe(true);
  return f!.notes ?? [];
}

describe('dockerfile/non-root-user migration notes', () => {
  it('chown named volumes once, with the name Docker gives them; prepare writable bind mounts', async () => {
    const notes = await notesFor(
      [
        'name: Shop.App',
        'services:',
        '  api:',
        '    build: .',
        '    volumes:',
        '      - uploads:/app/uploads',
        '      - media:/srv/media',
        '      - ./logs:/var/log/shop',
        '      - ${DATA_DIR:-./data}:/data',
        '      - .:/app',
        '      - ./conf:/etc/shop:ro',
        '      - /var/run/docker.sock:/var/run/docker.sock',
        'volumes:',
        '  uploads:',
        '  media:',
        '    name: shared-media',
        '',
      ].join('\n'),
      { uid: 10001, gid: 10002 },
    );
    expect(notes.map((n) => [n.kind, n.command])).toEqual([
      ['volume-chown', 'docker run --rm -v shopapp_uploads:/v alpine chown -R 10001:10002 /v'],
      ['volume-chown', 'docker run --rm -v shared-media:/v alpine chown -R 10001:10002 /v'],
      ['bind-mount', 'sudo mkdir -p ./logs && sudo chown -R 10001:10002 ./logs'],
      ['bind-mount', 'sudo mkdir -p "${DATA_DIR:-./data}" && sudo chown -R 10001:10002 "${DATA_DIR:-./data}"'],
    ]);
  });

  it('shows a relative bind source as compose resolves it (from the compose file), from where the tool ran', async () => {
    const notes = await notesFor('services:\n  api:\n    build: .\n    volumes:\n      - ./data:/var/lib/app\n      - ../shared:/srv/shared\n      - /srv/app:/srv/app\n      - ..:/project\n      - ./src:/app/src\n      - $PWD:$PWD\n', {}, 'deploy/');
    expect(notes.map((n) => n.command)).toEqual([
      'sudo mkdir -p ./deploy/data && sudo chown -R 1000:1000 ./deploy/data',
      'sudo mkdir -p ./shared && sudo chown -R 1000:1000 ./shared',
      'sudo mkdir -p /srv/app && sudo chown -R 1000:1000 /srv/app',
      // The checkout itself (it holds the compose file): prepared, never chowned recursively.
      'install -d -o 1000 -g 1000 ..',
      // Code under the WORKDIR the image does not write: prepared, not chowned recursively.
      'install -d -o 1000 -g 1000 ./src',
      // The folder compose runs in, by variable: the checkout too.
      'install -d -o 1000 -g 1000 "$PWD"',
    ]);
    expect(notes[0]!.message).toContain('what a root container wrote there is root');
  });

  it('read-only volumes need nothing', async () => {
    const notes = await notesFor('services:\n  api:\n    build: .\n    volumes:\n      - models:/models:ro\nvolumes:\n  models:\n');
    expect(notes).toEqual([]);
  });
});
