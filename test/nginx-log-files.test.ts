// nginx/unprivileged and the log files a configuration names: nginx opens every error_log and access_log when it
// loads its configuration and stops where it cannot, so a swap to nginx-unprivileged (UID 101) waits for a log in a
// folder 101 cannot write (a bind mount of the host, a fresh volume, /var/log/nginx beyond its two stdout/stderr links).
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'nginx/unprivileged';

async function swap(tree: Record<string, string>) {
  const { result, changed } = await hardenTree(tree, [ID]);
  const findings = result.engine.findings.filter((x) => x.transform === ID);
  return { findings, changed };
}

const site = (logs: string) => `server {\n    listen 80 default_server;\n${logs}\n    location / { proxy_pass http://app:3000; }\n}\n`;

describe('nginx/unprivileged: log files UID 101 must open', () => {
  it('keeps a proxy whose error_log is in the bind-mounted checkout on root (shlink\'s mercure proxy)', async () => {
    const { findings, changed } = await swap({
      'docker-compose.yml': [
        'services:',
        '  proxy:',
        '    image: nginx:1.25-alpine',
        '    ports:',
        '      - "8002:80"',
        '    volumes:',
        '      - ./:/home/app/www',
        '      - ./infra/proxy_vhost.conf:/etc/nginx/conf.d/default.conf',
        '',
      ].join('\n'),
      'infra/proxy_vhost.conf': site('    error_log /home/app/www/infra/nginx/proxy.error.log;'),
      'infra/nginx/.gitignore': '*\n',
    });
    expect(changed).toEqual({});
    expect(findings[0]!.message).toContain('not swapped to nginxinc/nginx-unprivileged');
    expect(findings[0]!.message).toContain(
      'error_log /home/app/www/infra/nginx/proxy.error.log at infra/proxy_vhost.conf line 3 is opened when nginx starts, and /home/app/www/infra/nginx is in the bind mount ./:/home/app/www of service proxy',
    );
  });

  it('keeps an access_log beside the stock links in /var/log/nginx on root, and reads a CRLF file', async () => {
    const { findings, changed } = await swap({
      'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n    ports: ["80:80"]\n    volumes:\n      - ./site.conf:/etc/nginx/conf.d/default.conf:ro\n',
      'site.conf': toCrlf(site('    access_log /var/log/nginx/app.access.log combined;')),
    });
    expect(changed).toEqual({});
    expect(findings[0]!.message).toContain('access_log /var/log/nginx/app.access.log at site.conf line 3');
    expect(findings[0]!.message).toContain("/var/log/nginx is root's in nginxinc/nginx-unprivileged");
  });

  it('swaps where the logs go to the stock links, the console, syslog, /tmp, off, a variable path or a tmpfs', async () => {
    const { findings, changed } = await swap({
      'compose.yaml': [
        'services:',
        '  web:',
        '    image: nginx:1.27',
        '    ports: ["80:80"]',
        '    tmpfs: ["/var/log/app"]',
        '    volumes:',
        '      - ./site.conf:/etc/nginx/conf.d/default.conf:ro',
        '',
      ].join('\n'),
      'site.conf': site(
        [
          '    access_log /var/log/nginx/access.log main;',
          '    error_log /var/log/nginx/error.log warn;',
          '    error_log stderr;',
          '    access_log /dev/stdout;',
          '    access_log syslog:server=unix:/dev/log;',
          '    access_log /tmp/site.log;',
          '    access_log /var/log/per-host/$host.log;',
          '    access_log /var/log/app/app.log;',
          '    access_log off;',
        ].join('\n'),
      ),
    });
    expect(changed['compose.yaml']).toContain('nginxinc/nginx-unprivileged:1.27');
    expect(findings[0]!.message).not.toContain('is opened when nginx starts');
  });

  it('swaps a Dockerfile image whose build gives the log folder to 101, and not one that leaves it root\'s', async () => {
    const given = await swap({
      Dockerfile: 'FROM nginx:1.27\nRUN mkdir -p /var/log/site && chown -R 101:101 /var/log/site\nCOPY site.conf /etc/nginx/conf.d/default.conf\n',
      'site.conf': site('    access_log /var/log/site/access.log;'),
    });
    expect(given.changed['Dockerfile']).toContain('FROM nginxinc/nginx-unprivileged:1.27');
    const rootOwned = await swap({
      Dockerfile: 'FROM nginx:1.27\nRUN mkdir -p /var/log/site\nCOPY site.conf /etc/nginx/conf.d/default.conf\n',
      'site.conf': site('    access_log /var/log/site/access.log;'),
    });
    expect(rootOwned.changed).toEqual({});
    expect(rootOwned.findings[0]!.message).toContain('access_log /var/log/site/access.log at site.conf line 3 is opened when nginx starts');
  });
});
