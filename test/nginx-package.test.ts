// nginx beyond the stock image: nginx-unprivileged images still configured for
// port 80, nginx installed with apk/apt and run as non-root, TLS keys the new
// user must read, services that run an image tag built here, and the shared
// port move (src/ports.ts) on its own.
import { describe, expect, it } from 'vitest';
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hardenTree, transformsById, writeTree } from './helpers.js';
import { run } from '../src/driver.js';
import { DEFAULT_OPTIONS } from '../src/types.js';
import { loadProject } from '../src/model.js';
import { movePorts, rewriteUrls } from '../src/ports.js';
import { packageInstalls, nginxPackage, modeOtherRead } from '../src/dockerfile-info.js';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { ALPINE_NGINX_LAYOUT, DEBIAN_NGINX_LAYOUT } from '../src/knowledge/nginx.js';

const ID = 'nginx/unprivileged';
const messages = (r: Awaited<ReturnType<typeof hardenTree>>) => r.result.engine.findings.filter((f) => f.transform === ID).map((f) => f.message);

const ALPINE_CONF = `user nginx;
error_log /var/log/nginx/error.log warn;
events {
    worker_connections 1024;
}
http {
    include /etc/nginx/mime.types;
    include /etc/nginx/http.d/*.conf;
}
`;
const SITE_80 = 'server {\n    listen 80;\n    root /srv/www;\n}\n';

describe('apk/apt nginx run as non-root', () => {
  it('is prepared in the pass after dockerfile/non-root-user adds USER, and stays put', async () => {
    const tree = {
      Dockerfile: 'FROM alpine:3.20\nRUN apk add --no-cache nginx\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY site.conf /etc/nginx/http.d/site.conf\nEXPOSE 80\nCMD ["nginx", "-g", "daemon off;"]\n',
      'nginx.conf': ALPINE_CONF,
      'site.conf': SITE_80,
    };
    const ids = ['dockerfile/non-root-user', ID];
    const first = await hardenTree(tree, ids);
    expect(first.result.errors).toEqual([]);
    const df = first.changed.Dockerfile!;
    // The user is created, then the package's paths are prepared as root, then USER.
    const lines = df.split('\n');
    const runAt = lines.findIndex((l) => l.startsWith('RUN rm -f /etc/nginx/http.d/default.conf'));
    const userAt = lines.findIndex((l) => l.startsWith('USER '));
    expect(runAt).toBeGreaterThan(0);
    expect(userAt).toBeGreaterThan(runAt);
    expect(lines[runAt]).toContain('chown -R');
    expect(lines[runAt]).toContain('/var/log/nginx');
    expect(df).toContain('EXPOSE 8080');
    expect(first.changed['site.conf']).toContain('listen 8080;');
    expect(first.changed['nginx.conf']).toMatch(/^pid \/tmp\/nginx\.pid;/);
    expect(first.changed['nginx.conf']).toContain('client_body_temp_path /tmp/client_temp;');
    const again = await hardenTree({ ...tree, ...first.changed }, ids);
    expect(again.changed).toEqual({});
    expect(messages(again)).toEqual([]);
  });

  it('leaves an image that still runs as root alone', async () => {
    const tree = {
      Dockerfile: 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y nginx\nCOPY site.conf /etc/nginx/conf.d/site.conf\nCMD ["nginx", "-g", "daemon off;"]\n',
      'site.conf': SITE_80,
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed).toEqual({});
    expect(messages(r)).toEqual([]);
  });

  it('leaves an image alone that installs nginx but never starts or configures it', async () => {
    const tree = { Dockerfile: 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y nginx curl\nUSER 1000\nCMD ["./app"]\n' };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed).toEqual({});
    expect(messages(r)).toEqual([]);
  });

  it('blocks Alpine module packages, which load from a folder only user nginx may enter', async () => {
    const tree = {
      Dockerfile: 'FROM alpine:3.20\nRUN apk add --no-cache nginx nginx-mod-http-lua\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY site.conf /etc/nginx/http.d/site.conf\nUSER 1000:1000\nCMD ["nginx"]\n',
      'nginx.conf': ALPINE_CONF,
      'site.conf': SITE_80,
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed).toEqual({});
    expect(messages(r).join('\n')).toMatch(/nginx-mod-http-lua load from \/var\/lib\/nginx, which only user nginx may enter/);
  });

  it('blocks when compose runs it as another user than the one the image prepares', async () => {
    const tree = {
      Dockerfile: 'FROM alpine:3.20\nRUN apk add --no-cache nginx\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY site.conf /etc/nginx/http.d/site.conf\nUSER 1000:1000\nCMD ["nginx"]\n',
      'nginx.conf': ALPINE_CONF,
      'site.conf': SITE_80,
      'compose.yaml': 'services:\n  web:\n    build: .\n    user: "2000"\n    ports: ["80:80"]\n',
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed).toEqual({});
    expect(messages(r).join('\n')).toContain('sets user: 2000, but the image prepares nginx for 1000:1000');
  });

  it('chowns log folders the configuration names, and leaves /tmp and the console alone', async () => {
    const conf = ALPINE_CONF.replace('http {', 'http {\n    access_log /srv/logs/access.log;\n    error_log /dev/stderr;\n    access_log /tmp/x.log;');
    const tree = {
      Dockerfile: 'FROM alpine:3.20\nRUN apk add --no-cache nginx && rm -f /etc/nginx/http.d/default.conf\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY site.conf /etc/nginx/http.d/site.conf\nUSER app\nCMD ["nginx"]\n',
      'nginx.conf': conf,
      'site.conf': SITE_80,
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed.Dockerfile).toContain('RUN mkdir -p /var/log/nginx /srv/logs && chown -R app /var/log/nginx /srv/logs\nUSER app');
  });

  it('gives a key copied after USER to the user with COPY --chown', async () => {
    const tree = {
      Dockerfile:
        'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y nginx && rm /etc/nginx/sites-enabled/default\nCOPY nginx.conf /etc/nginx/nginx.conf\nUSER 1000:1000\nCOPY --chmod=600 tls.key /etc/nginx/tls.key\nCMD ["nginx"]\n',
      'nginx.conf': 'pid /tmp/nginx.pid;\nevents {}\nhttp {\n    client_body_temp_path /tmp/a;\n    proxy_temp_path /tmp/b;\n    fastcgi_temp_path /tmp/c;\n    uwsgi_temp_path /tmp/d;\n    scgi_temp_path /tmp/e;\n    server {\n        listen 8443 ssl;\n        ssl_certificate_key tls.key;\n    }\n}\n',
      'tls.key': 'not a key',
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed.Dockerfile).toContain('COPY --chown=1000:1000 --chmod=600 tls.key /etc/nginx/tls.key');
    expect(r.changed.Dockerfile).toContain('RUN mkdir -p /var/log/nginx && chown -R 1000:1000 /var/log/nginx\nUSER 1000:1000');
  });
});

describe('TLS keys the unprivileged master must read', () => {
  const conf = 'server {\n    listen 443 ssl;\n    ssl_certificate /etc/nginx/certs/site.crt;\n    ssl_certificate_key /etc/nginx/certs/site.key;\n}\n';
  it.each([
    ['COPY --chmod', 'COPY --chmod=600 certs/ /etc/nginx/certs/\n', 'COPY --chown=101:101 --chmod=600 certs/ /etc/nginx/certs/'],
    ['a later RUN chmod', 'COPY certs/ /etc/nginx/certs/\nRUN chmod 0600 /etc/nginx/certs/site.key\n', 'COPY --chown=101:101 certs/ /etc/nginx/certs/'],
    ['a later RUN chmod -R go-rwx', 'COPY certs/ /etc/nginx/certs/\nRUN chmod -R go-rwx /etc/nginx/certs\n', 'COPY --chown=101:101 certs/ /etc/nginx/certs/'],
  ])('a key made root-only by %s is copied to UID 101 in the swap', async (_what, copy, want) => {
    const tree = {
      Dockerfile: `FROM nginx:1.27\nCOPY site.conf /etc/nginx/conf.d/site.conf\n${copy}`,
      'site.conf': conf,
      'certs/site.crt': 'crt',
      'certs/site.key': 'key',
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.result.errors).toEqual([]);
    expect(r.changed.Dockerfile).toContain(want);
    expect(r.changed['site.conf']).toContain('listen 8443 ssl;');
    const again = await hardenTree({ ...tree, ...r.changed }, [ID]);
    expect(again.changed).toEqual({});
  });

  it('gives a root-only key to UID 101 in an image that already is nginx-unprivileged', async () => {
    const tree = {
      Dockerfile: 'FROM nginxinc/nginx-unprivileged:1.27-alpine\nCOPY site.conf /etc/nginx/conf.d/site.conf\nCOPY --chmod=400 certs/ /etc/nginx/certs/\n',
      'site.conf': conf.replace('listen 443 ssl', 'listen 8443 ssl'),
      'certs/site.key': 'key',
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed.Dockerfile).toContain('COPY --chown=101:101 --chmod=400 certs/ /etc/nginx/certs/');
    expect(r.changed['site.conf']).toBeUndefined();
    expect(messages(r).join('\n')).toContain('runs as UID 101, but it copies a TLS key only root may read: copy it with --chown=101:101');
  });

  it('leaves a readable key as it is', async () => {
    const tree = { Dockerfile: 'FROM nginx:1.27\nCOPY site.conf /etc/nginx/conf.d/site.conf\nCOPY certs/ /etc/nginx/certs/\n', 'site.conf': conf, 'certs/site.key': 'k' };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed.Dockerfile).toBe('FROM nginxinc/nginx-unprivileged:1.27\nCOPY site.conf /etc/nginx/conf.d/site.conf\nCOPY certs/ /etc/nginx/certs/\n');
  });

  it('blocks a key bind-mounted from a file only its owner may read', async () => {
    const tree = {
      'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./site.conf:/etc/nginx/conf.d/site.conf:ro\n      - ./certs:/etc/nginx/certs:ro\n',
      'site.conf': conf,
      'certs/site.key': 'k',
    };
    const dir = writeTree(tree);
    try {
      chmodSync(path.join(dir, 'certs/site.key'), 0o600);
      const result = await run({ paths: [dir], cwd: dir, dryRun: true, exclude: [], transforms: transformsById([ID]), options: DEFAULT_OPTIONS });
      expect(result.changes).toEqual([]);
      const msg = result.engine.findings.find((f) => f.transform === ID)!.message;
      expect(msg).toContain('is mounted from certs/site.key, which only its owner may read');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('blocks a key from a named volume, whose ownership it cannot see', async () => {
    const tree = {
      'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./site.conf:/etc/nginx/conf.d/site.conf:ro\n      - letsencrypt:/etc/nginx/certs:ro\nvolumes:\n  letsencrypt: {}\n',
      'site.conf': conf,
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed).toEqual({});
    expect(messages(r).join('\n')).toContain('ssl_certificate_key /etc/nginx/certs/site.key (site.conf line 4) comes from volume mount letsencrypt:/etc/nginx/certs');
  });
});

describe('nginx-unprivileged images', () => {
  it('says nothing when the configuration already listens on 8080', async () => {
    const tree = {
      Dockerfile: 'FROM nginxinc/nginx-unprivileged:1.27\nCOPY site.conf /etc/nginx/conf.d/default.conf\nEXPOSE 8080\n',
      'site.conf': 'server {\n    listen 8080;\n}\n',
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed).toEqual({});
    expect(messages(r)).toEqual([]);
  });

  it('keeps a server without listen alone (it listens on 8000 as UID 101, not on 80)', async () => {
    const tree = {
      Dockerfile: 'FROM nginxinc/nginx-unprivileged:1.27\nCOPY site.conf /etc/nginx/conf.d/default.conf\n',
      'site.conf': 'server {\n    root /srv;\n}\n',
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed).toEqual({});
  });

  it('blocks a config on 80 it reaches through a mount it cannot see', async () => {
    const tree = {
      'compose.yaml': 'services:\n  web:\n    image: nginxinc/nginx-unprivileged:1.27\n    volumes:\n      - ./site.conf:/etc/nginx/conf.d/default.conf:ro\n      - extra:/etc/nginx/extra\nvolumes:\n  extra: {}\n',
      'site.conf': 'server {\n    listen 80;\n    include /etc/nginx/extra/*.conf;\n}\n',
    };
    const r = await hardenTree(tree, [ID]);
    expect(r.changed).toEqual({});
    expect(messages(r).join('\n')).toMatch(/runs as UID 101, but its configuration listens on 80; not changed: .*named volume extra/);
  });
});

describe('reading package installs', () => {
  const installs = (run: string) => packageInstalls(parseDockerfile(`FROM x\nRUN ${run}\n`).stages, '\\').map((i) => [i.manager, i.packages]);
  it.each([
    ['apk add --no-cache nginx', [['apk', ['nginx']]]],
    ['apk add --virtual .deps gcc && apk add nginx=1.26.2-r0', [['apk', ['gcc']], ['apk', ['nginx=1.26.2-r0']]]],
    ['apt-get update && apt-get install -y --no-install-recommends -t bookworm-backports nginx-light', [['apt', ['nginx-light']]]],
    ['sudo apt install -y -o Dpkg::Options::=--force-confold nginx', [['apt', ['nginx']]]],
    ['apt-get update', []],
    ['echo apk add nginx', []],
  ])('%s', (text, want) => expect(installs(text)).toEqual(want));

  it('knows the server packages of each layout, not the module or tool packages', () => {
    const pkg = (run: string) => nginxPackage(parseDockerfile(`FROM x\nRUN ${run}\n`).stages, '\\');
    expect(pkg('apk add nginx')?.layout).toBe(ALPINE_NGINX_LAYOUT);
    expect(pkg('apt-get install -y nginx-full')?.layout).toBe(DEBIAN_NGINX_LAYOUT);
    expect(pkg('apt-get install -y nginx-extras libnginx-mod-stream')?.modules).toEqual(['libnginx-mod-stream']);
    expect(pkg('apk add nginx-mod-http-lua')).toBeUndefined();
    expect(pkg('apt-get install -y python3-nginx-config')).toBeUndefined();
  });

  it.each([
    ['600', false],
    ['0640', false],
    ['644', true],
    ['go-rwx', false],
    ['o-r', false],
    ['a+r', true],
    ['u+x', undefined],
    ['u=rw,go=', false],
  ])('chmod %s: others may read = %s', (mode, want) => expect(modeOtherRead(mode)).toBe(want));
});

describe('the port move on its own', () => {
  it('moves any port map, host side untouched', async () => {
    const dir = writeTree({
      'compose.yaml':
        'services:\n  api:\n    image: acme/api\n    ports: ["3000:3000", "127.0.0.1:9229:9229"]\n    healthcheck:\n      test: curl -f http://localhost:3000/health\n  web:\n    image: acme/web\n    environment:\n      API: http://api:3000/v1\n',
    });
    try {
      const project = await loadProject([{ path: path.join(dir, 'compose.yaml'), kind: 'compose', root: dir }], dir, [dir]);
      const api = project.services.find((s) => s.name === 'api')!;
      const move = movePorts(project, { services: [api] }, { 3000: 3001 });
      expect(move.blockers).toEqual([]);
      const text = project.composes[0]!.text;
      const out = [...move.edits].sort((a, b) => b.range[0] - a.range[0]).reduce((t, e) => t.slice(0, e.range[0]) + e.text + t.slice(e.range[1]), text);
      expect(out).toContain('ports: ["3000:3001", "127.0.0.1:9229:9229"]');
      expect(out).toContain('curl -f http://localhost:3001/health');
      expect(out).toContain('API: http://api:3001/v1');
      expect(move.moved).toEqual([[3000, 3001]]);
      expect(move.intent.map((i) => i.path.join('.'))).toEqual(['services.api.ports', 'services.api.healthcheck.test', 'services.web.environment.API']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves peers in the folders of the services that move, in model order, and nginx upstreams in any case', async () => {
    const tree = {
      'a/compose.yaml': 'services:\n  api:\n    image: acme/api\n    ports: ["3000"]\n  web:\n    image: acme/web\n    environment:\n      API: http://api:3000/v1\n',
      // Same folder, another file: a peer too (the name in capitals still reaches it).
      'a/compose.override.yaml': 'services:\n  worker:\n    image: acme/worker\n    environment: ["API_URL=http://API:3000/x"]\n',
      // Another stack with a service of the same name: not a peer of a/'s api.
      'b/compose.yaml': 'services:\n  client:\n    image: acme/client\n    environment:\n      API: http://api:3000/v1\n',
      'c/compose.yaml':
        'services:\n  api:\n    image: acme/api\n    ports: ["3000"]\n    networks:\n      default:\n        aliases: ["σrv"]\n  cron:\n    image: acme/cron\n    environment:\n      TARGET: api:3000\n',
      // Upstreams anywhere in the model: capitals, and a name the case-blind match of JavaScript finds though lower-casing does not (ς/σ).
      'proxy/site.conf':
        'upstream app {\n    server Api:3000;\n}\nserver {\n    listen 8080;\n    location / { proxy_pass http://app; }\n    location /a { proxy_pass http://API:3000/a; }\n    location /s { proxy_pass http://ςrv:3000/s; }\n    location /o { proxy_pass http://other:3000/o; }\n}\n',
    };
    const dir = writeTree(tree);
    try {
      const inputs = Object.keys(tree).map((rel) => ({ path: path.join(dir, rel), kind: rel.endsWith('.conf') ? ('nginx' as const) : ('compose' as const), root: dir }));
      const project = await loadProject(inputs, dir, [dir]);
      const apiOf = (folder: string) => project.services.find((s) => s.name === 'api' && s.compose.rel === `${folder}/compose.yaml`)!;
      // c's service first: the peers still come in the model's order (a before c).
      const move = movePorts(project, { services: [apiOf('c'), apiOf('a')] }, { 3000: 3001 });
      expect(move.blockers).toEqual([]);
      const after = (rel: string) => {
        const file = path.join(dir, rel);
        const text = project.files.get(file)!.text;
        return move.edits.filter((e) => e.file === file).sort((x, y) => y.range[0] - x.range[0]).reduce((t, e) => t.slice(0, e.range[0]) + e.text + t.slice(e.range[1]), text);
      };
      expect(after('a/compose.yaml')).toContain('API: http://api:3001/v1');
      expect(after('a/compose.override.yaml')).toContain('API_URL=http://API:3001/x');
      expect(after('b/compose.yaml')).toBe(tree['b/compose.yaml']);
      expect(after('c/compose.yaml')).toContain('TARGET: api:3001');
      const site = after('proxy/site.conf');
      expect(site).toContain('server Api:3001;');
      expect(site).toContain('proxy_pass http://API:3001/a;');
      expect(site).toContain('proxy_pass http://ςrv:3001/s;');
      expect(site).toContain('proxy_pass http://other:3000/o;');
      expect(move.intent.map((i) => `${path.relative(dir, i.file)} ${i.path.join('.')}`)).toEqual([
        'c/compose.yaml services.api.ports',
        'a/compose.yaml services.api.ports',
        'a/compose.override.yaml services.worker.environment.0',
        'a/compose.yaml services.web.environment.API',
        'c/compose.yaml services.cron.environment.TARGET',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a host-network service instead of moving it', async () => {
    const dir = writeTree({ 'compose.yaml': 'services:\n  web:\n    image: acme/web\n    network_mode: host\n' });
    try {
      const project = await loadProject([{ path: path.join(dir, 'compose.yaml'), kind: 'compose', root: dir }], dir, [dir]);
      const move = movePorts(project, { services: project.services });
      expect(move.blockers).toEqual(['service web (compose.yaml) uses network_mode: host, so the host itself would see port 8080 instead of 80']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rewrites implied ports only where the map moves them', () => {
    expect(rewriteUrls('curl -f http://localhost/', { 443: 8443 }).edits).toEqual([]);
    expect(rewriteUrls('curl -fk https://localhost/', { 443: 8443 }).edits).toEqual([{ start: 26, end: 26, text: ':8443' }]);
  });
});

// One nginx.conf that a COPY places and a start hook rewrites with `sed -i` is reached three ways (what the COPY placed,
// the hook's own mapping, the main configuration): the swap is blocked once for it, not three times (bentopdf ed6e6c01).
describe('a blocker reached several ways', () => {
  const tree = (user: string, eol = '\n') => ({
    'Dockerfile': ['FROM nginx:1.27-alpine-slim', 'COPY nginx.conf /etc/nginx/nginx.conf', 'COPY --chmod=755 ipv6.sh /docker-entrypoint.d/99-ipv6.sh', ...(user ? [`USER ${user}`] : []), 'EXPOSE 8080', 'CMD ["nginx", "-g", "daemon off;"]', ''].join(eol),
    'nginx.conf': ['pid /tmp/nginx.pid;', 'events {}', 'http {', '  server {', '    listen 8080;', '    listen [::]:8080;', '  }', '}', ''].join(eol),
    'ipv6.sh': ['#!/bin/sh', 'set -e', 'if [ "$DISABLE_IPV6" = "true" ]; then', "  sed -i '/listen \\[::\\]/s/^/#/' /etc/nginx/nginx.conf", 'fi', ''].join(eol),
  });
  for (const [user, eol] of [['nginx', '\n'], ['', '\n'], ['nginx', '\r\n']] as const) {
    it(`names the start-time rewrite of nginx.conf once (USER ${user || 'none'}${eol === '\r\n' ? ', CRLF' : ''})`, async () => {
      const r = await hardenTree(tree(user, eol), [ID]);
      const [msg, ...rest] = messages(r);
      expect(rest).toEqual([]);
      expect(msg).toContain('/etc/nginx/nginx.conf (placed by COPY nginx.conf (Dockerfile line 2)) comes from sed -i on /etc/nginx/nginx.conf (ipv6.sh line 4, inside an if or case)');
      expect(msg!.split('comes from sed -i').length - 1).toBe(1);
    });
  }
});

// A start hook that injects the environment into the built bundle with `find <web root> -exec sed -i … {} +`
// (bluewave-labs/Checkmate's client env.sh): sed -i makes its new file in each folder of the web root, which is root's
// in the image; as UID 101 that fails, so the swap waits until the web root is 101's.
describe('a start hook that rewrites the web root through find -exec', () => {
  const tree = (eol = '\n', exec = "-exec sed -i \"s|${key}|${value}|g\" '{}' +") => ({
    'Dockerfile': ['FROM node:20-alpine AS build', 'WORKDIR /app', 'COPY . .', 'RUN npm ci && npm run build', '', 'FROM nginx:1.27.1-alpine', 'COPY default.conf /etc/nginx/conf.d/default.conf', 'COPY --from=build /app/dist /usr/share/nginx/html', 'COPY --from=build /app/env.sh /docker-entrypoint.d/env.sh', 'RUN chmod +x /docker-entrypoint.d/env.sh', 'CMD ["nginx", "-g", "daemon off;"]', ''].join(eol),
    'default.conf': ['server {', '    listen 80;', '    root /usr/share/nginx/html;', '}', ''].join(eol),
    'env.sh': ['#!/bin/sh', 'for i in $(env | grep APP_)', 'do', "    key=$(echo $i | cut -d '=' -f 1)", "    value=$(echo $i | cut -d '=' -f 2-)", `    find /usr/share/nginx/html -type f \\( -name '*.js' -o -name '*.css' \\) ${exec}`, 'done', ''].join(eol),
    'package.json': '{}\n',
  });
  for (const eol of ['\n', '\r\n']) {
    it(`blocks the swap and names the hook${eol === '\r\n' ? ' (CRLF)' : ''}`, async () => {
      const r = await hardenTree(tree(eol), [ID]);
      expect(r.changed).toEqual({});
      expect(messages(r).join('\n')).toContain('its start runs sed -i on the files find /usr/share/nginx/html finds (find -exec, env.sh line 6, inside a loop that may run no times), which UID 101 cannot do');
    });
  }
  it('swaps when the hook only reads the files', async () => {
    const r = await hardenTree(tree('\n', "-exec grep -l APP_ '{}' +"), [ID]);
    expect(messages(r).join('\n')).not.toContain('find -exec');
    expect(Object.keys(r.changed)).toContain('Dockerfile');
  });
});
