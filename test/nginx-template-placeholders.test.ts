// A line of an envsubst template that is one placeholder (`${NGINX_EVENTS_BLOCK}`, openwisp's nginx.template.conf)
// is where the template puts whole directives: not a directive missing its `;`. On main it was a parse error, which
// failed the file and made the run exit 2 on a valid repository; now it parses, and the swap waits for it.
import { describe, it, expect } from 'vitest';
import { parseNginx } from '../src/parse/nginx.js';
import { hardenTree, toCrlf } from './helpers.js';

const events = 'events {\n    worker_connections  ${NGINX_WORKER_CONNECTIONS};\n    ${NGINX_EVENTS_BLOCK}\n}\n';

describe('nginx parser: a placeholder alone on its line', () => {
  it('reads it as a placeholder directive, before a } , a comment or another directive, LF and CRLF', () => {
    for (const text of [
      events,
      toCrlf(events),
      'http {\n    ${HTTP_EXTRA}   # filled at start\n    server { listen 80; }\n}\n',
      'http {\n\t${HTTP_EXTRA}\n    include /etc/nginx/conf.d/*.conf;\n}\n',
      '${TOP_LEVEL}\nevents {}\n',
    ]) {
      const parsed = parseNginx(text);
      expect(parsed.errors, text).toEqual([]);
      const all: { name: string; placeholder?: boolean }[] = [];
      const walk = (ds: typeof parsed.directives) => ds.forEach((d) => (all.push(d), d.block && walk(d.block)));
      walk(parsed.directives);
      expect(all.filter((d) => d.placeholder).map((d) => d.name)).toHaveLength(1);
    }
  });

  it('leaves a placeholder with arguments or a ; as it was, and still reports a real missing ;', () => {
    expect(parseNginx('server {\n    listen ${PORT};\n}\n').errors).toEqual([]);
    expect(parseNginx('server {\n    ${DIRECTIVE};\n}\n').directives[0]!.block![0]!.placeholder).toBeUndefined();
    expect(parseNginx('server {\n    listen 80\n}\n').errors.map((e) => e.message)).toEqual(["missing ';' before '}'"]);
    expect(parseNginx('server {\n    root ${ROOT}\n}\n').errors.map((e) => e.message)).toEqual(["missing ';' before '}'"]);
  });
});

describe('nginx/unprivileged: a template with a placeholder line', () => {
  it('keeps the image and says what the placeholder hides; the run does not fail', async () => {
    const { result, changed } = await hardenTree(
      {
        'images/nginx/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY nginx.template.conf /etc/nginx/nginx.template.conf\nCOPY init.sh /init.sh\nCMD ["sh", "/init.sh"]\n',
        'images/nginx/init.sh': '#!/bin/sh\nenvsubst < /etc/nginx/nginx.template.conf > /etc/nginx/nginx.conf\nexec nginx -g "daemon off;"\n',
        'images/nginx/nginx.template.conf': `user nginx;\npid /var/run/nginx.pid;\n${events}http {\n    server {\n        listen 80;\n    }\n}\n`,
        'compose.yaml': 'services:\n  nginx:\n    build: images/nginx\n    ports: ["80:80"]\n',
      },
      ['nginx/unprivileged'],
    );
    expect(result.errors).toEqual([]);
    expect(changed).toEqual({});
    const f = result.engine.findings.find((x) => x.transform === 'nginx/unprivileged')!;
    expect(f.message).toContain('not swapped');
    expect(f.message).toContain('images/nginx/nginx.template.conf line 5 is a placeholder (${NGINX_EVENTS_BLOCK}) the template fills with directives at start');
  });
});
