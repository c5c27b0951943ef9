// Generated files (src/generated.ts): a Dockerfile or compose file a generator
// writes is never edited; its held fixes become one finding per file naming the
// header line and the template or generator the change belongs in. And the role
// of an official-images library's Dockerfiles (src/roles.ts): bases.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hardenTree, readTree, toCrlf, REPO } from './helpers.js';
import { GENERATED_FILE } from '../src/engine.js';

const FIXTURES = path.join(REPO, 'test/generated');
/** docker-library/python's layout, cut down: templates, apply-templates.sh, two rendered Dockerfiles. */
const library = () => readTree(path.join(FIXTURES, 'image-library'));

const generatedFindings = (run: Awaited<ReturnType<typeof hardenTree>>) => run.result.engine.findings.filter((f) => f.transform === GENERATED_FILE);
const variants = [false, true];

describe('generated files are not edited', () => {
  for (const crlf of variants) {
    it(`a docker-library header: one finding per file with the header line, the template and the generator${crlf ? ' (CRLF)' : ''}`, async () => {
      const tree = library();
      delete tree['generate-stackbrew-library.sh']; // the library manifest makes them bases: tested below
      const run = await hardenTree(crlf ? Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, toCrlf(v)])) : tree);
      expect(run.changed).toEqual({});
      const found = generatedFindings(run);
      expect(found.map((f) => [run.result.files.find((x) => x.file === f.file)!.rel, f.line])).toEqual([
        ['3.12/bookworm/Dockerfile', 2],
        ['3.12/windows/Dockerfile', 4],
      ]);
      expect(found[0]!.message).toContain('its header says "NOTE: THIS DOCKERFILE IS GENERATED VIA "apply-templates.sh"" (3.12/bookworm/Dockerfile:2)');
      expect(found[0]!.message).toContain('a fix held (dockerfile/non-root-user)');
      expect(found[0]!.cis).toBe('4.1');
      expect(found[0]!.fixed).toBe(false);
      // The template whose lines the file repeats, not its sibling.
      expect(found[0]!.manual).toMatch(/^Make the change in Dockerfile-linux\.template, then re-render with apply-templates\.sh: line \d+ dockerfile\/non-root-user: final stage runs as root/);
      // A header after `# escape=` and `# syntax=` parser directives is still the header.
      expect(found[1]!.manual).toMatch(/^Make the change in Dockerfile-windows\.template, then re-render with apply-templates\.sh/);
      expect(run.result.engine.findings.filter((f) => f.transform === 'dockerfile/non-root-user' && f.fix)).toEqual([]);
    });
  }

  it('an official-images library (generate-stackbrew-library.sh writes GitRepo:): its Dockerfiles are bases, so nothing is held for a human', async () => {
    const run = await hardenTree(library());
    expect(run.changed).toEqual({});
    expect(generatedFindings(run)).toEqual([]);
    const notes = run.result.engine.findings.filter((f) => f.transform === 'dockerfile/non-root-user');
    expect(notes).toHaveLength(2);
    for (const n of notes) {
      expect(n.severity).toBe('note');
      expect(n.message).toContain('a base image');
      expect(n.message).toContain('generate-stackbrew-library.sh:3 writes an official-images library manifest ("GitRepo: https://github.com/docker-library/python.git")');
    }
  });

  it("an image library's manifest speaks for its own repository only (two repositories checked at once)", async () => {
    const tree = Object.fromEntries(Object.entries(library()).map(([k, v]) => [`python/${k}`, v]));
    tree['app/Dockerfile'] = 'FROM python:3.12-slim\nRUN pip install app\nCMD ["app"]\n';
    const run = await hardenTree(tree);
    expect(Object.keys(run.changed)).toEqual(['app/Dockerfile']);
  });

  it("an image library's example Dockerfiles are for users to run: hardened", async () => {
    const tree = library();
    tree['.examples/dockerfiles/cron/Dockerfile'] = 'FROM python:3.12\nCOPY cron.sh /cron.sh\nCMD ["/cron.sh"]\n';
    const run = await hardenTree(tree);
    expect(Object.keys(run.changed)).toEqual(['.examples/dockerfiles/cron/Dockerfile']);
  });

  it('no header: a Dockerfile most of whose lines are a template that a script renders (nodejs/docker-node update.sh)', async () => {
    const tree = readTree(path.join(FIXTURES, 'rendered-no-header'));
    const run = await hardenTree(tree);
    expect(run.changed).toEqual({});
    const [f] = generatedFindings(run);
    expect(f!.line).toBe(1);
    expect(f!.message).toContain('update.sh:4 renders it from Dockerfile-alpine.template ("template_file="${version}/Dockerfile-${variant}.template"")');
    expect(f!.manual).toMatch(/^Make the change in Dockerfile-alpine\.template, then re-render with update\.sh/);
  });

  it('no header and no script that names the template: an ordinary Dockerfile, hardened', async () => {
    const tree = readTree(path.join(FIXTURES, 'rendered-no-header'));
    delete tree['update.sh'];
    const run = await hardenTree(tree);
    expect(Object.keys(run.changed)).toEqual(['22/alpine/Dockerfile']);
    expect(generatedFindings(run)).toEqual([]);
  });

  it('a Dockerfile that mentions templates, or says "generated by" a tool not in the repository (an Nx scaffold), is hardened', async () => {
    const run = await hardenTree({
      // gothinkster/node-express-realworld-example-app: the header's later lines name project.json, a file of the repository.
      'api/Dockerfile':
        '# This file is generated by Nx.\n#\n# Build the docker image with `npx nx docker-build api`.\n# Tip: Modify "docker-build" options in project.json to change docker build args.\nFROM node:20-alpine\nWORKDIR /app\nCOPY dist .\nCMD ["node", "main.js"]\n',
      'api/project.json': '{ "name": "api" }\n',
      'web/Dockerfile': '# Renders the config from a template at start\nFROM python:3.12-slim\nCOPY app.conf.template /etc/app/\nRUN pip install app\nCMD ["sh", "-c", "envsubst < /etc/app/app.conf.template > /tmp/app.conf && exec app"]\n',
      'late/Dockerfile': 'FROM python:3.12-slim\n# DO NOT EDIT the next line: the release script bumps it\nRUN pip install app==1.0\nCMD ["app"]\n',
    });
    expect(Object.keys(run.changed).sort()).toEqual(['api/Dockerfile', 'late/Dockerfile', 'web/Dockerfile']);
    expect(generatedFindings(run)).toEqual([]);
  });

  it('"generated by" a script of the repository, without "do not edit": generated, the script named', async () => {
    const run = await hardenTree({
      'tools/gen.sh': '#!/bin/sh\nfor v in a b; do sed "s/VARIANT/$v/" Dockerfile.in > "$v/Dockerfile"; done\n',
      'a/Dockerfile': '# generated by tools/gen.sh\nFROM python:3.12-slim\nRUN pip install app\nCMD ["app"]\n',
    });
    expect(run.changed).toEqual({});
    const [f] = generatedFindings(run);
    expect(f!.manual).toMatch(/^Make the change in the template tools\/gen\.sh renders it from, or in tools\/gen\.sh itself: line 2 dockerfile\/non-root-user/);
  });

  it('a header that names a settings file and a template (vaultwarden): the template is where the change belongs', async () => {
    const run = await hardenTree({
      'docker/DockerSettings.yaml': 'base: alpine\n',
      'docker/Dockerfile.j2': 'FROM {{ base }}\nCMD ["/start.sh"]\n',
      'docker/Dockerfile.alpine': [
        '# syntax=docker/dockerfile:1',
        '# check=skip=RedundantTargetPlatform',
        '',
        '# This file was generated using a Jinja2 template.',
        '# Please make your changes in `DockerSettings.yaml` or `Dockerfile.j2` and then `make`',
        'FROM alpine:3.21',
        'COPY start.sh /start.sh',
        'CMD ["/start.sh"]',
        '',
      ].join('\n'),
      'docker/start.sh': '#!/bin/sh\nexec app\n',
    });
    expect(run.changed).toEqual({});
    const [f] = generatedFindings(run);
    expect(f!.line).toBe(4);
    expect(f!.manual).toMatch(/^Make the change in docker\/Dockerfile\.j2: line 6 dockerfile\/non-root-user/);
  });

  for (const crlf of variants) {
    it(`a generated compose file: its fixes held in one finding, other files still hardened${crlf ? ' (CRLF)' : ''}`, async () => {
      const ci = readFileSync(path.join(FIXTURES, 'docker-compose.ci.yml'), 'utf8');
      const hand = 'services:\n  web:\n    image: nginxinc/nginx-unprivileged:1.27\n';
      const run = await hardenTree({ 'docker-compose.ci.yml': crlf ? toCrlf(ci) : ci, 'compose.yaml': crlf ? toCrlf(hand) : hand }, ['compose/no-new-privileges']);
      expect(Object.keys(run.changed)).toEqual(['compose.yaml']);
      const found = generatedFindings(run);
      expect(found).toHaveLength(1);
      expect(found[0]!.message).toBe(
        'generated file, not edited: its header says "This file was auto-generated, do not edit it directly." (docker-compose.ci.yml:1); a fix held (compose/no-new-privileges)',
      );
      expect(found[0]!.manual).toContain('whatever generates it (its header says what; it is not in this repository)');
      // test_unit runs a test runner and publishes no port: a harness, left alone (src/test-harness.ts), so nothing of it is held.
      expect(found[0]!.manual).not.toContain('test_unit');
      expect(found[0]!.manual).toContain('line 10 compose/no-new-privileges: service mongo');
    });
  }
});

describe('files a command of the repository renders from a template, without a header', () => {
  const compose = 'services:\n  web:\n    image: nginx:1.27\n    ports: ["8080:80"]\n';
  const template = 'services:\n  web:\n    image: ${WEB_IMAGE}\n    ports: ["${WEB_PORT}:80"]\n';

  it('envsubst < docker-compose.yml.tmpl > docker-compose.yml in a script: the compose file is generated, the script line is the evidence', async () => {
    const run = await hardenTree(
      { 'docker-compose.yml': compose, 'docker-compose.yml.tmpl': template, 'scripts/render.sh': '#!/bin/sh\nset -e\ncd "$(dirname "$0")/.."\nenvsubst < docker-compose.yml.tmpl > docker-compose.yml\n' },
      ['compose/no-new-privileges'],
    );
    expect(run.changed).toEqual({});
    const [f] = generatedFindings(run);
    expect(f!.message).toBe(
      'generated file, not edited: scripts/render.sh:4 writes it from docker-compose.yml.tmpl ("envsubst < docker-compose.yml.tmpl > docker-compose.yml"); a fix held (compose/no-new-privileges)',
    );
    expect(f!.manual).toMatch(/^Make the change in docker-compose\.yml\.tmpl, then re-render with scripts\/render\.sh: /);
  });

  it('a Makefile recipe that pipes the template through sed into the Dockerfile: generated', async () => {
    const run = await hardenTree({
      Dockerfile: 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n',
      'Dockerfile.in': 'FROM python:@PYTHON@-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n',
      Makefile: 'Dockerfile: Dockerfile.in\n\tcat Dockerfile.in | sed -e "s/@PYTHON@/$(PYTHON)/" > Dockerfile\n',
    });
    expect(run.changed).toEqual({});
    expect(generatedFindings(run)[0]!.message).toContain('Makefile:2 writes it from Dockerfile.in');
  });

  it('a start script that renders into a container path (awesome-compose nginx-wsgi-flask) marks nothing generated', async () => {
    const run = await hardenTree(
      {
        'compose.yaml': 'services:\n  proxy:\n    build: nginx\n    volumes:\n      - ./nginx/default.conf:/tmp/default.conf\n    command: /app/start.sh\n',
        'nginx/Dockerfile': 'FROM alpine:3.20\nCOPY start.sh /app/start.sh\nCMD ["/app/start.sh"]\n',
        'nginx/start.sh': "#!/bin/bash\nenvsubst '$FLASK_SERVER_ADDR' < /tmp/default.conf > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'\n",
        'nginx/default.conf': 'server {\n  listen 80;\n}\n',
      },
      ['compose/no-new-privileges'],
    );
    expect(generatedFindings(run)).toEqual([]);
    expect(Object.keys(run.changed)).toEqual(['compose.yaml']);
  });

  it('sed -i edits a file in place: not a render', async () => {
    const run = await hardenTree(
      { 'docker-compose.yml': compose, 'docker-compose.yml.tmpl': template, 'bump.sh': '#!/bin/sh\nsed -i "s/1.27/1.28/" docker-compose.yml docker-compose.yml.tmpl > /dev/null\n' },
      ['compose/no-new-privileges'],
    );
    expect(generatedFindings(run)).toEqual([]);
    expect(Object.keys(run.changed)).toEqual(['docker-compose.yml']);
  });
});
