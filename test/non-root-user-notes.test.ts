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

  it('says so where a bind mount sits inside another bind mount or a folder the image chowns, and not for siblings', async () => {
    const { result } = await hardenTree(
      {
        'app/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nRUN mkdir -p /srv/state /srv/data\nVOLUME /srv/state\nCMD ["python", "app.py"]\n',
        'compose.yaml': [
          'x-mounts: &mounts',
          '  - ./media:/srv/data/media',
          'services:',
          '  app:',
          '    build: ./app',
          '    volumes:',
          '      - ./data:/srv/data/',
          '      - type: bind',
          '        source: ./media',
          '        target: /srv/data/media',
          '      - ./cfg:/srv/state/cfg',
          '      - ./database:/srv/database',
          '',
        ].join('\n'),
      },
      ['dockerfile/non-root-user'],
      {},
    );
    const notes = result.engine.findings.find((x) => x.transform === 'dockerfile/non-root-user')?.notes ?? [];
    const of = (source: string) => notes.find((n) => n.message.startsWith(`bind mount ${source}:`))!.message;
    expect(of('./media')).toContain('it is mounted inside the bind mount ./data:/srv/data/, whose host folder holds its mount point');
    expect(of('./media')).toContain('the host folder ./media owns what the app sees at /srv/data/media, not ./data');
    expect(of('./cfg')).toContain('it sits inside /srv/state, which the image gives to 1000:1000, but that chown does not reach into a bind mount: the host folder ./cfg owns');
    // /srv/database only shares a prefix with /srv/data; /srv/data itself is the outer mount.
    expect(of('./database')).not.toContain('inside');
    expect(of('./data')).not.toContain('inside');
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

  it('a ${PWD}/file bind of a file the compose folder holds is one file, not a folder to make (nanny: ${PWD}/nanny.toml:/nanny.toml)', async () => {
    const { result } = await hardenTree(
      {
        'deploy/Dockerfile': DOCKERFILE,
        'deploy/app.toml': 'storage_dsn = "file:app.sqlite"\n',
        'deploy/settings.ini': '[app]\n',
        'deploy/compose.yaml': [
          'services:',
          '  api:',
          '    build: .',
          '    volumes:',
          '      - ${PWD}/app.toml:/app/app.toml',
          '      - type: bind',
          '        source: $PWD/settings.ini',
          '        target: /app/settings.ini',
          // Not in the folder: left as a folder to prepare, as before.
          '      - ${PWD}/cache:/app/cache',
          '',
        ].join('\n'),
      },
      ['dockerfile/non-root-user'],
    );
    const notes = result.engine.findings.find((x) => x.transform === 'dockerfile/non-root-user')?.notes ?? [];
    expect(notes.map((n) => n.command)).toEqual(['sudo chown 1000:1000 "${PWD}/app.toml"', 'sudo chown 1000:1000 "$PWD/settings.ini"', 'install -d -o 1000 -g 1000 "${PWD}/cache"']);
    expect(notes[0]!.message).toContain('is one file');
    expect(notes.map((n) => n.command).join('\n')).not.toContain('install -d -o 1000 -g 1000 "${PWD}/app.toml"');
  });

  it('read-only volumes need nothing', async () => {
    const notes = await notesFor('services:\n  api:\n    build: .\n    volumes:\n      - models:/models:ro\nvolumes:\n  models:\n');
    expect(notes).toEqual([]);
  });
});
