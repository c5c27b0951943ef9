// nginx/unprivileged and a start that rewrites the web root (#179 in docs/reviews/hardening-commits-2026-12-e.md):
// TeamPiped/Piped's entrypoint runs `sed -i` on /usr/share/nginx/html/assets/*, which one COPY of the final stage fills
// (`COPY --from=build /app/dist/ /usr/share/nginx/html/`); their swap to nginx-unprivileged (1b5a362b) added
// `--chown=101:101` there. The swap now adds `--chown=101:0` to that COPY: the folders and files it makes are 101's, while
// the destination folder the base has keeps its owner, so only writes strictly inside it are made possible so.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'nginx/unprivileged';

const ENTRYPOINT = [
  '#!/bin/sh',
  'if [ -z "$BACKEND_HOSTNAME" ]; then',
  '    echo "BACKEND_HOSTNAME not set"',
  '    exit 1',
  'fi',
  'sed -i s/pipedapi.kavin.rocks/"$BACKEND_HOSTNAME"/g /usr/share/nginx/html/assets/*',
  'nginx -g "daemon off;"',
  '',
].join('\n');

const SITE = 'server {\n    listen 80;\n    server_name localhost;\n    location / { root /usr/share/nginx/html; try_files $uri /index.html; }\n}\n';

const dockerfile = (copy: string) =>
  [
    '# escape=\\',
    'ARG NODE=lts-alpine',
    'FROM node:${NODE} AS build',
    'WORKDIR /app/',
    'COPY . .',
    'RUN npm ci && npm run build',
    '',
    'FROM nginx:alpine',
    '# the built front end',
    copy,
    'COPY docker/nginx.conf /etc/nginx/conf.d/default.conf',
    'COPY docker/entrypoint.sh /entrypoint.sh',
    'ENTRYPOINT [ "/entrypoint.sh" ]',
    '',
  ].join('\n');

async function swap(tree: Record<string, string>) {
  const { result, changed } = await hardenTree(tree, [ID]);
  return { finding: result.engine.findings.find((x) => x.transform === ID), changed };
}

describe('nginx/unprivileged: a start that rewrites what one COPY of the final stage fills', () => {
  it('swaps and gives that COPY --chown=101:0 (multi-stage, ARG in FROM, # escape=, a comment; LF and CRLF)', async () => {
    for (const crlf of [false, true]) {
      const t = (x: string) => (crlf ? toCrlf(x) : x);
      const { finding, changed } = await swap({
        Dockerfile: t(dockerfile('COPY --from=build /app/dist/ /usr/share/nginx/html/')),
        'docker/entrypoint.sh': ENTRYPOINT,
        'docker/nginx.conf': t(SITE),
        'package.json': '{"name": "piped"}\n',
      });
      expect(finding?.fix, `crlf=${crlf}: ${finding?.message}`).toBeDefined();
      expect(changed.Dockerfile).toContain(t('FROM nginxinc/nginx-unprivileged:alpine\n# the built front end\nCOPY --chown=101:0 --from=build /app/dist/ /usr/share/nginx/html/\n'));
      expect(changed.Dockerfile).toContain(t('COPY docker/entrypoint.sh /entrypoint.sh\n'));
      expect(changed['docker/nginx.conf']).toContain('listen 8080;');
      expect(finding!.message).toContain('COPY --chown=101:0 at line 10, which fills /usr/share/nginx/html, so the start\'s sed -i on /usr/share/nginx/html/assets/* (entrypoint.sh line 6) can write /usr/share/nginx/html/assets as UID 101');
    }
  });

  it('holds the swap back, saying why, where the flag would not reach or no single COPY fills the folder', async () => {
    // The start writes in the destination folder itself, which keeps the base's owner.
    const rootLevel = await swap({
      Dockerfile: dockerfile('COPY --from=build /app/dist/ /usr/share/nginx/html/'),
      'docker/entrypoint.sh': ENTRYPOINT.replace('/usr/share/nginx/html/assets/*', '/usr/share/nginx/html/index.html'),
      'docker/nginx.conf': SITE,
      'package.json': '{"name": "piped"}\n',
    });
    expect(rootLevel.finding?.fix).toBeUndefined();
    expect(rootLevel.finding?.message).toContain('but the start writes in /usr/share/nginx/html itself, which keeps the base\'s owner (root) even with COPY --chown');
    expect(rootLevel.changed.Dockerfile).toBeUndefined();
    // The COPY already gives the files to another owner.
    const other = await swap({
      Dockerfile: dockerfile('COPY --chown=1000:1000 --from=build /app/dist/ /usr/share/nginx/html/'),
      'docker/entrypoint.sh': ENTRYPOINT,
      'docker/nginx.conf': SITE,
      'package.json': '{"name": "piped"}\n',
    });
    expect(other.finding?.fix).toBeUndefined();
    expect(other.finding?.message).toContain('with --chown to another owner');
    // Two COPYs fill the web root: which one brings assets/ is not known.
    const two = await swap({
      Dockerfile: dockerfile('COPY --from=build /app/dist/ /usr/share/nginx/html/\nCOPY public/ /usr/share/nginx/html/'),
      'docker/entrypoint.sh': ENTRYPOINT,
      'docker/nginx.conf': SITE,
      'package.json': '{"name": "piped"}\n',
    });
    expect(two.finding?.fix).toBeUndefined();
    expect(two.finding?.message).toContain('which UID 101 cannot do in nginxinc/nginx-unprivileged (only /etc/nginx, /var/cache/nginx and /tmp are its own)');
  });
});
