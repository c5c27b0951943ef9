// A tmpfs a service already has over a folder its non-root user writes gets the user's uid/gid whatever becomes of
// read_only (before, only services on a read-only root were checked), and a `mode=` in the entry no longer counts as
// owned: on the team engine (Docker 20.10.24, runc 1.1.5, 2026-12-05) `--tmpfs /own:mode=1777`, `--mount
// type=tmpfs,tmpfs-mode=1777`, compose v1 1.29.2 `tmpfs: [/own:mode=1777]` and compose v2 2.26.1 short and long form
// (`tmpfs: {mode: 01777}`) all mounted `755 0:0` over a folder the image gives 1000:1000, and mkdir there as 1000 was
// denied; `uid=1000,gid=1000` mounted `755 1000:1000` and the mkdir worked. A long-form tmpfs volume takes no owner at
// all: reported. Review: docs/reviews/hardening-commits-2026-12-e.md, "Still wrong or missing" (the tmpfs owner rows).
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

const compose = (service: string[]) => ['services:', '  web:', '    build:', '      context: .', '    environment:', '      - DATABASE_PATH=/app/data/database/app.sqlite', ...service, ''].join('\n');

function ownerFinding(result: Awaited<ReturnType<typeof hardenTree>>['result']) {
  return result.engine.findings.find((x) => x.transform === 'compose/read-only' && /tmpfs (for|volume at) \/app\/data/.test(x.message));
}

describe('an existing tmpfs the non-root user writes, on a root that stays writable', () => {
  it('read_only: false kept, the tmpfs gets the owner (block list with a comment; LF and CRLF)', async () => {
    const input = compose(['    read_only: false  # the app rewrites its config at start', '    tmpfs:', '      - /app/data  # a fresh database on every run']);
    for (const crlf of [false, true]) {
      const t = (x: string) => (crlf ? toCrlf(x) : x);
      const { result, changed } = await hardenTree({ Dockerfile: t(NODE_APP), 'compose.yml': t(input) }, IDS);
      expect(changed.Dockerfile, `crlf=${crlf}`).toContain(t('USER 1000:1000\n'));
      const out = changed['compose.yml']!;
      expect(out).toContain(t('      - "/app/data:uid=1000,gid=1000"  # a fresh database on every run\n'));
      expect(out).toContain(t('    read_only: false  # the app rewrites its config at start\n'));
      expect(composeSchemaErrors(out)).toEqual([]);
      expect(ownerFinding(result)?.message).toContain('the tmpfs for /app/data is root-owned, but it is written by UID 1000');
    }
  });

  it('a mode=1777 entry is not owned: uid/gid are added beside the mode (flow style; read_only added too)', async () => {
    const input = compose(['    tmpfs: [/app/data:mode=1777]']);
    const { result, changed } = await hardenTree({ Dockerfile: NODE_APP, 'compose.yml': input }, IDS);
    const out = changed['compose.yml']!;
    expect(out).toContain('tmpfs: ["/app/data:mode=1777,uid=1000,gid=1000", "/tmp:size=64m"]');
    expect(out).toContain('read_only: true');
    expect(composeSchemaErrors(out)).toEqual([]);
    expect(ownerFinding(result)?.message).toContain("its mode= does not apply over the folder the image has there");
  });

  it('an entry inherited through a merge key is reported, not changed; a long-form tmpfs volume is reported', async () => {
    const merged = ['x-scratch: &scratch', '  tmpfs:', '    - /app/data', compose(['    <<: *scratch', '    read_only: false'])].join('\n');
    const m = await hardenTree({ Dockerfile: NODE_APP, 'compose.yml': merged }, IDS);
    expect(m.changed['compose.yml'] ?? merged).toContain('    - /app/data\n');
    expect(ownerFinding(m.result)?.message).toContain('so it cannot write there');
    expect(ownerFinding(m.result)?.manual).toContain('Add uid=1000 to the tmpfs options of /app/data');

    const long = compose(['    read_only: false', '    volumes:', '      - type: tmpfs', '        target: /app/data', '        tmpfs:', '          mode: 01777']);
    const l = await hardenTree({ Dockerfile: NODE_APP, 'compose.yml': long }, IDS);
    expect(l.changed['compose.yml'] ?? long).toContain('          mode: 01777\n');
    expect(ownerFinding(l.result)?.message).toContain('the long-form tmpfs volume at /app/data is root-owned');
    expect(ownerFinding(l.result)?.manual).toContain('tmpfs: ["/app/data:uid=1000,gid=1000"]');
  });

  it('leaves the tmpfs alone where it has uid=, or the image stays root', async () => {
    const owned = compose(['    read_only: false', '    tmpfs:', '      - /app/data:uid=1000,gid=1000']);
    const o = await hardenTree({ Dockerfile: NODE_APP, 'compose.yml': owned }, IDS);
    expect(o.changed['compose.yml'] ?? owned).toContain('      - /app/data:uid=1000,gid=1000\n');
    expect(ownerFinding(o.result)).toBeUndefined();
    const root = await hardenTree(
      { Dockerfile: NODE_APP.replace('CMD ["node", "server.js"]', 'COPY start.sh /start.sh\nCMD ["/start.sh"]'), 'start.sh': '#!/bin/sh\nset -e\nadduser -D -u "${PUID:-1000}" app\nexec node server.js\n', 'compose.yml': compose(['    read_only: false', '    tmpfs:', '      - /app/data']) },
      IDS,
    );
    expect(root.changed.Dockerfile).toBeUndefined();
    expect(ownerFinding(root.result)).toBeUndefined();
  });
});
