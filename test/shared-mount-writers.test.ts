// dockerfile/non-root-user: a sibling service that writes the same bind-mounted folder or named volume as another user
// (pypacktrends #177: backend made non-root, litestream replicating the same ./data as root) undoes the one-time chown on
// every file it makes. The finding and the migration note say who, and as whom it runs where that is known.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -e .\nCMD ["python", "-m", "app"]\n';

async function run(tree: Record<string, string>) {
  const { result } = await hardenTree({ 'backend/Dockerfile': DOCKERFILE, ...tree }, ['dockerfile/non-root-user']);
  const f = result.engine.findings.find((x) => x.transform === 'dockerfile/non-root-user');
  expect(f?.fixed).toBe(true);
  return { message: f!.message, notes: (f!.notes ?? []).map((n) => n.message) };
}

const sentences = (message: string) => message.split('; ').filter((p) => p.startsWith('service ') && p.includes(' too (at '));

describe('dockerfile/non-root-user: a sibling writing the same data as another user', () => {
  it('names an unknown-image sibling on the same bind folder (pypacktrends), in the finding and the note, once across an override', async () => {
    const { message, notes } = await run({
      'compose.yaml': [
        'services:',
        '  backend:',
        '    image: ghcr.io/example/backend:latest',
        '    volumes:',
        '      - ./data/:/app/data/',
        '  litestream:',
        '    image: litestream/litestream',
        '    command: replicate',
        '    volumes:',
        '      - ./data/:/data',
        '      - ./litestream/litestream.yml:/etc/litestream.yml',
        '',
      ].join('\n'),
      'compose.override.yaml': 'services:\n  backend:\n    build:\n      context: ./backend\n',
    });
    expect(sentences(message)).toEqual([
      'service litestream writes ./data/ too (at /data, where backend has /app/data/) and its user is not known here (unknown image litestream/litestream, no compose user:, and with no USER an image runs as root): what it makes there is not 1000:1000\'s, so a one-time chown does not hold',
    ]);
    expect(message).toContain('run litestream as 1000:1000 too (compose user:) if its image allows, or keep backend root');
    const note = notes.find((n) => n.startsWith('bind mount ./data/:/app/data/'));
    expect(note).toContain('; service litestream writes there too (./data/:/data) and its user is not known here');
    // The config file litestream reads is no data folder of the backend's.
    expect(message).not.toContain('litestream.yml');
  });

  it('says which UID a known sibling runs as: root by compose user, a stepping-down image, a root default, a folder inside the other', async () => {
    const compose = [
      'x-data: &data',
      '  - type: bind',
      '    source: ./data',
      '    target: /srv/data',
      'services:',
      '  api:',
      '    build: ./backend',
      '    volumes:',
      '      - ./data:/app/data',
      '      - pgdata:/app/pg',
      '      - ./cache:/app/cache',
      '  backup:',
      '    image: example/backup:1',
      '    user: "0:0"',
      '    volumes: *data',
      '  db:',
      '    image: postgres:16',
      '    volumes:',
      '      - pgdata:/var/lib/postgresql/data',
      '  replica:',
      '    image: debian:bookworm-slim',
      '    volumes:',
      '      - ./data/replica:/replica',
      '  reader:',
      '    image: debian:bookworm-slim',
      '    volumes:',
      '      - ./data:/data:ro',
      '  same:',
      '    image: example/cache:1',
      '    user: "1000:1000"',
      '    volumes:',
      '      - ./cache:/cache',
      'volumes:',
      '  pgdata:',
      '',
    ].join('\n');
    for (const text of [compose, toCrlf(compose)]) {
      const { message } = await run({ 'compose.yaml': text });
      expect(sentences(message).map((s) => s.slice(0, s.indexOf(': what'))).sort()).toEqual([
        'service backup writes ./data too (at /srv/data, where api has /app/data) and runs as root (its compose user: 0:0)',
        'service db writes volume pgdata too (at /var/lib/postgresql/data, where api has /app/pg) and starts as root and steps down to postgres (UID 999, the user of postgres:16)',
        'service replica writes ./data too (at /replica, where api has /app/data) and runs as root (the default user of debian:bookworm-slim)',
      ]);
      // Read-only readers and a sibling at the same UID are not named.
      expect(message).not.toContain('service reader');
      expect(message).not.toContain('service same');
    }
  });

  it('says nothing for siblings in another compose project, on another folder, or on the checkout itself', async () => {
    const { message, notes } = await run({
      'compose.yaml': 'services:\n  api:\n    build: ./backend\n    volumes:\n      - ./data:/app/data\n  tools:\n    image: debian:bookworm-slim\n    volumes:\n      - .:/workspace\n      - ./other:/other\n',
      'ops/compose.yaml': 'services:\n  backup:\n    image: debian:bookworm-slim\n    volumes:\n      - ../data:/data\n',
    });
    expect(sentences(message)).toEqual([]);
    expect(notes.join('\n')).not.toContain('writes there too');
  });

  it('counts a sibling whose own Dockerfile this run fixes at the same UID as the same user, and names one it cannot', async () => {
    const tree = {
      'compose.yaml': 'services:\n  api:\n    build: ./backend\n    volumes:\n      - data:/app/data\n  worker:\n    build: ./worker\n    volumes:\n      - data:/work/data\nvolumes:\n  data:\n',
      'worker/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /work\nCOPY . .\nCMD ["python", "worker.py"]\n',
    };
    expect(sentences((await run(tree)).message)).toEqual([]);
    const unknown = { ...tree, 'worker/Dockerfile': 'FROM example/runtime:1\nWORKDIR /work\nCOPY . .\nCMD ["python", "worker.py"]\n' };
    const [s] = sentences((await run(unknown)).message);
    expect(s).toMatch(/^service worker writes volume data too \(at \/work\/data, where api has \/app\/data\) and its user is not known here \(worker\/Dockerfile sets no USER and builds on example\/runtime:1 /);
    // An explicit USER root on a known base: this run gives that Dockerfile UID 1000 as well, so it is the same user.
    const root = { ...tree, 'worker/Dockerfile': 'FROM debian:bookworm-slim\nWORKDIR /work\nCOPY . .\nUSER root\nCMD ["./worker"]\n' };
    expect(sentences((await run(root)).message)).toEqual([]);
  });

  it('names no sibling for a single file it mounts from inside the folder (IntelOwl websocket.conf), but one for a folder there', async () => {
    const compose = (nginxMount: string) =>
      [
        'services:',
        '  api:',
        '    build: ./backend',
        '    volumes:',
        '      - ./configuration:/app/configuration',
        '  nginx:',
        '    image: nginx:1.27',
        '    volumes:',
        `      - ${nginxMount}`,
        '',
      ].join('\n');
    const files = { 'configuration/nginx/websocket.conf': 'location /ws { proxy_pass http://api:8000; }\n', 'configuration/nginx/site.conf': '# site\n' };
    const file = await run({ ...files, 'compose.yaml': compose('./configuration/nginx/websocket.conf:/etc/nginx/websocket.conf') });
    expect(file.message).not.toContain('service nginx');
    expect(file.notes.join('\n')).not.toContain('writes there too');
    const folder = await run({ ...files, 'compose.yaml': compose('./configuration/nginx:/etc/nginx/conf.d') });
    expect(sentences(folder.message)).toHaveLength(1);
    expect(sentences(folder.message)[0]).toMatch(/^service nginx writes \.\/configuration too \(at \/etc\/nginx\/conf\.d, where api has \/app\/configuration\) and starts as root and steps down to a user of its own \(nginx:1\.27\): what it makes/);
    // A file path that is not there is made by Docker as a folder: still a writer.
    const missing = await run({ 'compose.yaml': compose('./configuration/nginx/absent.conf:/etc/nginx/absent.conf') });
    expect(sentences(missing.message)).toHaveLength(1);
  });

  it('names the services of one image that write the same data once, as a group (getsentry), and others apart', async () => {
    const worker = (name: string, extra: string[] = []) => [`  ${name}:`, '    image: example/sentry-local:1', ...extra, '    volumes:', '      - data:/data'];
    const compose = [
      'services:',
      '  api:',
      '    build: ./backend',
      '    volumes:',
      '      - data:/app/data',
      ...worker('web'),
      ...worker('events-consumer'),
      ...worker('cron'),
      ...worker('runner', ['    user: "0"']),
      '  cache:',
      '    image: example/other:1',
      '    volumes:',
      '      - data:/data',
      'volumes:',
      '  data:',
      '',
    ].join('\n');
    for (const text of [compose, toCrlf(compose)]) {
      const { message, notes } = await run({ 'compose.yaml': text });
      const parts = message.split('; ').filter((p) => p.includes(' too (at '));
      expect(parts.map((p) => p.slice(0, p.indexOf(' too (at ')))).toEqual([
        'services web, events-consumer, cron (same image example/sentry-local:1) write volume data',
        'service runner writes volume data',
        'service cache writes volume data',
      ]);
      expect(parts[0]).toContain('and their user is not known here (unknown image example/sentry-local:1');
      expect(message).toContain('what they make there is not 1000:1000\'s, so a one-time chown does not hold; run them as 1000:1000 too (compose user:) if their image allows, or keep api root');
      const note = notes.find((n) => n.startsWith('volume data'));
      expect(note).toContain('; services web, events-consumer, cron (same image example/sentry-local:1) write there too (data:/data) and their user is not known here');
      expect(note).toContain('; service runner writes there too (data:/data) and runs as root (its compose user: 0)');
      expect(note!.match(/service web\b/g) ?? []).toHaveLength(0);
    }
  });

  it('keeps the bind-shared owner check on a sibling that only reads the folder (coolify keys), via the same peer search', async () => {
    const { result } = await hardenTree(
      {
        'Dockerfile': 'FROM alpine:3.20\nRUN apk add --no-cache openssh-client nodejs\nWORKDIR /terminal\nCOPY server.js .\nENTRYPOINT ["node", "/terminal/server.js"]\n',
        'server.js': 'require("child_process").spawn("ssh", ["-i", "/keys/id"]);\n',
        'docker-compose.yml': 'services:\n  web:\n    image: example/panel:4\n    user: "9999:9999"\n    volumes:\n      - ./ssh:/keys:ro\n  realtime:\n    build: .\n    volumes:\n      - ./ssh:/keys\n',
      },
      ['dockerfile/non-root-user'],
    );
    const f = result.engine.findings.find((x) => x.transform === 'dockerfile/non-root-user');
    expect(f?.fixed).not.toBe(true);
    expect(f?.message).toContain('bind mount ./ssh:/keys of realtime is also mounted by service web (docker-compose.yml), which runs as 9999:9999 (UID 9999)');
  });
});
