// One file that several units edit the same way: an nginx configuration that two compose files (or two services) mount
// gets the same `listen 8080;` from the swap of each. The engine makes an identical pure insert once (roundcube's
// examples/nginx/templates/default.conf.template, read by docker-compose-fpm.yaml and docker-compose-fpm-alpine.yaml:
// twice, nginx stops at "a duplicate listen 0.0.0.0:8080").
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const template = [
  'server {',
  '    index index.php index.html;',
  '    # no listen: port 80 as root, 8000 as any other user',
  '    root /var/www/html/public_html;',
  '    location ~ \\.php$ {',
  '        fastcgi_pass ${NGINX_PHP_CGI};',
  '    }',
  '}',
  '',
].join('\n');

const compose = (image: string, port: string) =>
  ['services:', '  web:', `    image: ${image}`, '    ports:', `      - ${port}:80`, '    volumes:', '      - ./nginx/templates:/etc/nginx/templates', ''].join('\n');

const listens = (text: string) => text.split(/\r?\n/).filter((l) => /^\s*listen\b/.test(l));

describe('identical inserts of several fixes into one file', () => {
  it('adds listen 8080 once to a template two compose files mount (roundcube examples)', async () => {
    const { changed } = await hardenTree(
      {
        'examples/docker-compose-fpm.yaml': compose('nginx:latest', '9009'),
        'examples/docker-compose-fpm-alpine.yaml': compose('nginx:alpine', '9008'),
        'examples/nginx/templates/default.conf.template': template,
      },
      ['nginx/unprivileged'],
    );
    expect(listens(changed['examples/nginx/templates/default.conf.template']!)).toEqual(['    listen 8080;']);
    expect(changed['examples/docker-compose-fpm.yaml']).toContain('9009:8080');
    expect(changed['examples/docker-compose-fpm-alpine.yaml']).toContain('9008:8080');
    expect(changed['examples/docker-compose-fpm-alpine.yaml']).toContain('image: nginxinc/nginx-unprivileged:alpine');
  });

  it('does so for two services of one file, in a CRLF config with comments, with every other tool on', async () => {
    const { changed } = await hardenTree({
      'compose.yaml': [
        'services:',
        '  a:',
        '    image: nginx:1.27',
        '    ports: ["8001:80"]',
        '    volumes:',
        '      - ./site.conf:/etc/nginx/conf.d/default.conf:ro',
        '  b:',
        '    image: nginx:1.27',
        '    ports: ["8002:80"]',
        '    volumes:',
        '      - ./site.conf:/etc/nginx/conf.d/default.conf:ro',
        '',
      ].join('\n'),
      'site.conf': toCrlf('# shared site\nserver {\n    root /srv; # no listen\n}\n'),
    });
    const site = changed['site.conf']!;
    expect(listens(site)).toEqual(['    listen 8080;']);
    expect(site).toContain('\r\n    listen 8080;\r\n');
    expect(changed['compose.yaml']).toContain('"8001:8080"');
    expect(changed['compose.yaml']).toContain('"8002:8080"');
  });

  it('still moves an existing listen once, and gives a second server without listen its own line', async () => {
    const { changed } = await hardenTree(
      {
        'a/compose.yaml': compose('nginx:1.27', '8001'),
        'b/compose.yaml': compose('nginx:1.27', '8002').replace('./nginx/templates', '../a/nginx/templates'),
        'a/nginx/templates/one.conf.template': 'server {\n    listen 80;\n    root /srv;\n}\nserver {\n    server_name other;\n}\n',
      },
      ['nginx/unprivileged'],
    );
    const conf = changed['a/nginx/templates/one.conf.template']!;
    expect(listens(conf)).toEqual(['    listen 8080;', '    listen 8080;']);
    expect(conf.match(/server \{/g)).toHaveLength(2);
    expect(conf).toContain('server {\n    listen 8080;\n    server_name other;');
  });
});
