// A compose tmpfs on a folder above one the image's user writes (skillgoblin's docker-compose.test.yml mounts
// `tmpfs: [/app/data]` for a fresh database per run; the app makes /app/data/database at start): Docker mounts a short-form
// tmpfs owned by 0:0 whoever owns the folder in the image, so once the image runs as a non-root USER the start fails
// with EACCES (their follow-up 50c3791). compose/read-only gives such an entry the user's uid/gid, in the same run in
// which dockerfile/non-root-user adds the USER. Shapes: docs/reviews/hardening-commits-2026-12-e.md (skillgoblin row).
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf, composeSchemaErrors } from './helpers.js';

const IDS = ['dockerfile/non-root-user', 'compose/read-only'];

const NODE_APP = [
  'FROM node:20-alpine',
  'WORKDIR /app',
  'COPY . .',
  'RUN npm ci --omit=dev',
  '# the database folder the app opens at start',
  'RUN mkdir -p /app/data/database',
  'ENV NODE_ENV=production',
  'CMD ["node", "server.js"]',
  '',
].join('\n');

const COMPOSE = [
  'services:',
  '  web:',
  '    build:',
  '      context: .',
  '    environment:',
  '      - DATABASE_PATH=/app/data/database/app.sqlite',
  '    tmpfs:',
  '      - /app/data  # a fresh database on every run',
  '    volumes:',
  '      - ./fixtures/branding:/app/data/branding',
  '',
].join('\n');

describe('a tmpfs above a folder the new user writes', () => {
  it('is mounted with the user the same run adds (LF and CRLF)', async () => {
    for (const crlf of [false, true]) {
      const t = (x: string) => (crlf ? toCrlf(x) : x);
      const { result, changed } = await hardenTree({ Dockerfile: t(NODE_APP), 'compose.yml': t(COMPOSE) }, IDS);
      expect(changed.Dockerfile, `crlf=${crlf}`).toContain(t('USER 1000:1000\n'));
      const compose = changed['compose.yml']!;
      expect(compose).toContain(t('      - "/app/data:uid=1000,gid=1000"  # a fresh database on every run\n'));
      expect(compose).toContain('read_only: true');
      expect(composeSchemaErrors(compose)).toEqual([]);
      const f = result.engine.findings.find((x) => x.transform === 'compose/read-only' && x.message.includes('the tmpfs for /app/data is root-owned'));
      expect(f?.message).toContain('it is written by UID 1000: mount it with the owner');
    }
  });

  it('leaves a tmpfs alone while the image stays root, or when a volume holds the folder', async () => {
    // A start that changes accounts as root keeps the image root (no USER): the tmpfs is root's, as the process is.
    const rootStart = await hardenTree(
      { Dockerfile: NODE_APP.replace('CMD ["node", "server.js"]', 'COPY start.sh /start.sh\nCMD ["/start.sh"]'), 'start.sh': '#!/bin/sh\nset -e\nadduser -D -u "${PUID:-1000}" app\nexec node server.js\n', 'compose.yml': COMPOSE },
      IDS,
    );
    expect(rootStart.changed.Dockerfile).toBeUndefined();
    expect(rootStart.changed['compose.yml'] ?? COMPOSE).toContain('      - /app/data  # a fresh database on every run\n');
    // A named volume at the folder itself is where it is written: the tmpfs above it is not.
    const volume = await hardenTree({ Dockerfile: NODE_APP, 'compose.yml': COMPOSE.replace('      - ./fixtures/branding:/app/data/branding\n', '      - db:/app/data/database\nvolumes:\n  db:\n') }, IDS);
    expect(volume.changed.Dockerfile).toContain('USER 1000:1000\n');
    expect(volume.changed['compose.yml']).toContain('      - /app/data  # a fresh database on every run\n');
  });
});
