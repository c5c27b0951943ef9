// Template content under a plain name (src/template-text.ts): skipped with the
// file and the line of the template syntax, not failed; template-like braces
// that are a string's content (a healthcheck's docker inspect --format) are not
// template syntax, and genuinely broken input still fails with its line.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hardenTree, toCrlf, REPO } from './helpers.js';
import { templateSyntax } from '../src/template-text.js';

const fixture = (name: string) => readFileSync(path.join(REPO, 'test/templates', name), 'utf8');
const skippedOf = (run: Awaited<ReturnType<typeof hardenTree>>) =>
  run.result.files.filter((f) => f.status === 'skipped').map((f) => ({ rel: f.rel, line: f.skipped?.line, reason: f.skipped?.reason }));

describe('template content', () => {
  for (const crlf of [false, true]) {
    const eol = (s: string) => (crlf ? toCrlf(s) : s);
    it(`a Jinja compose file under a plain name is skipped with its first tag's line (Mailu's flavor template)${crlf ? ' (CRLF)' : ''}`, async () => {
      const run = await hardenTree({ 'setup/flavors/compose/docker-compose.yml': eol(fixture('mailu-flavor-compose.yml')) });
      expect(run.result.errors).toEqual([]);
      expect(skippedOf(run)).toEqual([
        {
          rel: 'setup/flavors/compose/docker-compose.yml',
          line: 1,
          reason: 'is a template (Jinja statement "{% set env=\'mailu.env\' %}"), not a compose file as written; skipped: what runs is its rendered output',
        },
      ]);
    });

    it(`an nginx config with a {PLACEHOLDER} its entrypoint fills in is skipped, the Dockerfile that copies it still hardened${crlf ? ' (CRLF)' : ''}`, async () => {
      const run = await hardenTree({
        Dockerfile: eol('FROM python:3.12-slim\nRUN apt-get update && apt-get install -y nginx\nCOPY nginx.conf /etc/nginx/nginx.conf\nCMD ["nginx", "-g", "daemon off;"]\n'),
        'nginx.conf': eol(fixture('zabbix-nginx.conf')),
      });
      expect(run.result.errors).toEqual([]);
      expect(skippedOf(run)).toEqual([
        { rel: 'nginx.conf', line: 13, reason: 'is a template (placeholder a script replaces "{EXPOSE_WEB_SERVER_INFO}"), not an nginx config as written; skipped: what runs is its rendered output' },
      ]);
    });
  }

  it('a compose file that parses but has a tag where a value goes (image: {{ image }}) is a template', async () => {
    const run = await hardenTree({ 'compose.yaml': 'services:\n  web:\n    # the deploy script renders this\n    image: {{ image }}\n' });
    expect(skippedOf(run)).toEqual([{ rel: 'compose.yaml', line: 4, reason: expect.stringContaining('Jinja or Go template expression "{{ image }}"') }]);
  });

  it('Go templates inside quoted strings, block scalars and mid-text plain scalars are content: the file is hardened', async () => {
    const compose = [
      'services:',
      '  watcher:',
      '    image: docker:27-cli',
      '    healthcheck:',
      '      test: ["CMD-SHELL", "docker inspect --format \'{{.State.Health.Status}}\' db | grep -q healthy"]',
      "    command: docker inspect --format '{{json .State}}' db",
      '    labels:',
      '      - traefik.http.routers.w.rule=Host(`{{ .Name }}.example.com`)',
      '      - "traefik.tags={{ index .Labels \\"tier\\" }}"',
      '    entrypoint: |',
      '      sh -c "docker events --format {{.Status}}"',
      '  # {{ not a tag: a comment }}',
      '',
    ].join('\n');
    for (const text of [compose, toCrlf(compose)]) {
      const run = await hardenTree({ 'compose.yaml': text }, ['compose/no-new-privileges']);
      expect(skippedOf(run)).toEqual([]);
      expect(Object.keys(run.changed)).toEqual(['compose.yaml']);
    }
  });

  it('a Dockerfile whose lines open with Jinja statements is a template', async () => {
    const run = await hardenTree({ Dockerfile: 'FROM python:3.12-slim\n{% if dev %}\nRUN pip install debugpy\n{% endif %}\nCMD ["app"]\n' });
    expect(skippedOf(run)).toEqual([{ rel: 'Dockerfile', line: 2, reason: expect.stringContaining('Jinja statement "{% if dev %}"') }]);
    expect(run.changed).toEqual({});
  });

  it('a shell group or a brace in a RUN is not a template: the Dockerfile is hardened', async () => {
    const run = await hardenTree({ Dockerfile: 'FROM python:3.12-slim\nRUN { echo a; echo b; } > /etc/app.conf \\\n  && echo "${HOME}"\nCMD ["app"]\n' });
    expect(skippedOf(run)).toEqual([]);
    expect(Object.keys(run.changed)).toEqual(['Dockerfile']);
  });

  it('broken YAML with no template syntax still fails with file and line (a redacted ****** value)', async () => {
    const run = await hardenTree({ 'docker-compose.yml': 'services:\n  calendso:\n    image: calendso/calendso\n    environment:\n      - DATABASE_URL=postgresql://user:pass@db:5432/db\n      - NEXTAUTH_SECRET=\n      - EMAIL_SERVER_PASSWORD: ******\n' });
    expect(skippedOf(run)).toEqual([]);
    expect(run.result.errors).toEqual([expect.objectContaining({ rel: 'docker-compose.yml', line: expect.any(Number), message: expect.stringContaining('YAML error') })]);
    expect(run.result.files.find((f) => f.rel === 'docker-compose.yml')?.status).toBe('failed');
  });

  it("nginx's own ${var} is not a placeholder, and an nginx config is asked only once it fails to parse", () => {
    expect(templateSyntax('nginx', 'http {\n  set $x "${host}";\n}\n', true)).toBeUndefined();
    expect(templateSyntax('nginx', 'http {\n  server_tokens {OFF};\n}\n', false)).toBeUndefined();
    expect(templateSyntax('nginx', 'http {\n  server_tokens {OFF};\n}\n', true)).toEqual({ line: 2, text: '{OFF}', engine: 'placeholder a script replaces' });
  });

  it('an ERB tag in a compose file that fails to parse is found; loose mode still ignores quoted tags', () => {
    expect(templateSyntax('compose', 'services:\n  web:\n    image: <%= image %>\n    ports: [\n', true)).toEqual({ line: 3, text: '<%= image %>', engine: 'ERB tag' });
    expect(templateSyntax('compose', 'services:\n  web:\n    command: "echo {{x}}"\n    ports: [\n', true)).toBeUndefined();
  });
});
