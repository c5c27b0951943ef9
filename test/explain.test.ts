// `docker-harden --explain`: the model as text and as JSON (docs/explain.schema.json),
// with every link's evidence as file:line; and the model decisions behind it:
// compose projects from evidence and structure, files used both ways, extends,
// override builds, images built here, roles, and the `roles` configuration key.
import { describe, it, expect } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { REPO, runCli, writeTree, hardenTree } from './helpers.js';
import { loadForExplain } from '../src/driver.js';
import { explainData, type ExplainJson } from '../src/report/explain.js';

const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(path.join(REPO, 'docs/explain.schema.json'), 'utf8')));

const repo = {
  'docker-compose.yml': 'services:\n  web:\n    build:\n      context: .\n      target: runtime\n    image: acme/web:latest\n    volumes: ["./src:/app/src"]\n  cache:\n    image: redis:7\n',
  'docker-compose.override.yml': 'services:\n  web:\n    ports: ["8000:8000"]\n',
  'docker-compose.prod.yml': 'services:\n  web:\n    image: acme/web:latest\n    restart: always\n  worker:\n    image: acme/web:latest\n    command: ["celery", "worker"]\n',
  'docker-compose.ci.yml': 'services:\n  web:\n    environment: [CI=1]\n',
  Dockerfile: 'FROM python:3.12-slim AS base\nRUN pip install flask\n\nFROM base AS runtime\nCOPY . /app\nCMD ["flask", "run"]\n\nFROM base AS test\nCOPY . /app\nCMD ["pytest"]\n',
  'scripts/deploy.sh': '#!/bin/sh\nset -eu\ndocker compose -p shop -f docker-compose.prod.yml up -d\n',
  '.github/workflows/ci.yml':
    'on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker compose -f docker-compose.yml -f docker-compose.ci.yml run web pytest\n      - run: docker build --target test -t acme/web-test .\n',
};

async function explain(tree: Record<string, string>): Promise<ExplainJson> {
  const dir = writeTree(tree);
  try {
    const { project, errors, skipped } = await loadForExplain({ paths: [dir], cwd: dir, exclude: [] });
    return explainData(project, errors, skipped);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('--explain', () => {
  it('prints compose projects, services, roles, images and evidence as text', async () => {
    const dir = writeTree(repo);
    const { code, stdout, stderr } = await runCli(['--explain'], dir);
    rmSync(dir, { recursive: true, force: true });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Compose projects (3)');
    expect(stdout).toContain('  docker-compose.prod.yml  [evidence]\n    used alone by scripts/deploy.sh:3\n    project name: shop\n');
    expect(stdout).toContain('scripts/deploy.sh:3  (shell)  docker compose -p shop -f docker-compose.prod.yml up -d');
    expect(stdout).toContain('  docker-compose.yml + docker-compose.ci.yml  [evidence]\n    combined in this order by .github/workflows/ci.yml:6');
    expect(stdout).toContain('  docker-compose.yml + docker-compose.override.yml  [default]\n    compose merges docker-compose.override.yml into docker-compose.yml by itself');
    expect(stdout).toContain(
      'Dockerfile  runtime: stage runtime: compose services web (image: acme/web:latest), worker (image: acme/web:latest), web run it (docker-compose.prod.yml:2, docker-compose.prod.yml:5, docker-compose.yml:2)',
    );
    expect(stdout).toContain('  docker-compose.prod.yml#worker  image acme/web:latest; builds Dockerfile (target runtime), context .\n    image built in this repository\n      docker-compose.yml:2  (compose)  service web (target runtime)\n');
    expect(stdout).toContain('stage test: test (left alone) stage test is built by docker build at .github/workflows/ci.yml:7');
    expect(stdout).toContain('stage base: builder (not an image) a build stage: stage runtime builds FROM it, stage test builds FROM it');
    expect(stdout).toContain('Images built here');
    expect(stdout).toMatch(/acme\/web-test {2}Dockerfile \(target test\), context \. {2}by docker build {2}\.github\/workflows\/ci\.yml:7/);
    expect(stdout).toContain('Evidence files read (2)\n  .github/workflows/ci.yml, scripts/deploy.sh\n');
  });

  it('prints JSON that matches docs/explain.schema.json', async () => {
    const dir = writeTree(repo);
    const { code, stdout } = await runCli(['--explain', '--format', 'json'], dir);
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    const data = JSON.parse(stdout) as ExplainJson;
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    expect(data.composeProjects.map((p) => [p.id, p.how])).toEqual([
      ['docker-compose.prod.yml', 'evidence'],
      ['docker-compose.yml + docker-compose.ci.yml', 'evidence'],
      ['docker-compose.yml + docker-compose.override.yml', 'default'],
    ]);
    expect(data.composeFiles.map((f) => [f.file, f.mode])).toEqual([
      ['docker-compose.ci.yml', 'override'],
      ['docker-compose.override.yml', 'override'],
      ['docker-compose.prod.yml', 'standalone'],
      ['docker-compose.yml', 'standalone'],
    ]);
    const worker = data.services.find((s) => s.id === 'docker-compose.prod.yml#worker')!;
    expect(worker).toMatchObject({ dockerfile: 'Dockerfile', target: 'runtime', base: null, buildFrom: { kind: 'image-tag', evidence: [{ file: 'docker-compose.yml', line: 2, source: 'compose' }] } });
    const ciWeb = data.services.find((s) => s.id === 'docker-compose.ci.yml#web')!;
    expect(ciWeb).toMatchObject({ base: 'docker-compose.yml#web', dockerfile: 'Dockerfile', buildFrom: { kind: 'base' } });
    expect(data.dockerfiles[0]!.stages.map((s) => [s.name, s.role, s.image, s.hardened])).toEqual([
      ['base', 'builder', false, false],
      ['runtime', 'runtime', true, true],
      ['test', 'test', true, false],
    ]);
    expect(data.images.map((i) => [i.tag, i.target, `${i.evidence.file}:${i.evidence.line}`])).toEqual([
      ['acme/web:latest', 'runtime', 'docker-compose.yml:2'],
      ['acme/web-test', 'test', '.github/workflows/ci.yml:7'],
    ]);
  });

  it('says a format it cannot print is a usage error, and lists file errors with exit 2', async () => {
    const dir = writeTree({ 'compose.yaml': 'services:\n  web: [\n', 'Dockerfile': 'FROM alpine\nCMD ["sh"]\n' });
    const sarif = await runCli(['--explain', '--format', 'sarif'], dir);
    expect(sarif.code).toBe(2);
    expect(sarif.stderr).toContain('--explain prints text or --format json, not sarif');
    const text = await runCli(['--explain'], dir);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/Errors \(1\)\n {2}compose\.yaml:\d+ {2}YAML error/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('--explain says which files are generated or skipped, and why', () => {
  const tree = {
    // A header says so: the header line is the evidence, apply-templates.sh the generator.
    'Dockerfile': '#\n# NOTE: THIS DOCKERFILE IS GENERATED VIA "apply-templates.sh"\n#\n# PLEASE DO NOT EDIT IT DIRECTLY.\n#\nFROM debian:bookworm-slim\nCMD ["sh"]\n',
    'Dockerfile.template': 'FROM debian:bookworm-slim\nCMD ["sh"]\n',
    'apply-templates.sh': '#!/bin/sh\njq -r -f Dockerfile.template > Dockerfile\n',
    // Template content under a plain name: skipped with the line of the tag.
    'setup/docker-compose.yml': 'services:\n  web:\n    image: {{ image }}\n',
    'compose.yaml': 'services:\n  app:\n    build: .\n',
  };

  it('in JSON, valid against the schema: the evidence file:line, the template and generator, where a change belongs', async () => {
    const data = await explain({ ...tree, '{{cookiecutter.slug}}/compose.yaml': 'services:\n  app:\n    image: {{ cookiecutter.image }}\n' });
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    expect(data.generatedFiles).toEqual([
      {
        file: 'Dockerfile',
        reason: 'its header says "NOTE: THIS DOCKERFILE IS GENERATED VIA "apply-templates.sh"" (Dockerfile:2)',
        template: 'Dockerfile.template',
        generator: 'apply-templates.sh',
        changeIn: 'Dockerfile.template, then re-render with apply-templates.sh',
        evidence: [{ file: 'Dockerfile', line: 2, source: 'structure', text: 'NOTE: THIS DOCKERFILE IS GENERATED VIA "apply-templates.sh"' }],
      },
    ]);
    expect(data.skippedFiles.map((f) => [f.file, f.kind, f.line])).toEqual([
      ['Dockerfile.template', 'template-name', null],
      ['setup/docker-compose.yml', 'template-content', 3],
      ['{{cookiecutter.slug}}/compose.yaml', 'template-folder', null],
    ]);
    expect(data.skippedFiles[0]!.reason).toContain('is a template by its name (.template)');
    expect(data.skippedFiles[1]!.reason).toContain('is a template (Jinja or Go template expression "{{ image }}")');
  });

  it('as text, and excluded files as excluded', async () => {
    const dir = writeTree({ ...tree, 'old/docker-compose.yml': 'services:\n  x:\n    image: redis\n' });
    const { code, stdout } = await runCli(['--explain', '--exclude', 'old/'], dir);
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Generated files, never edited (1)\n  Dockerfile  generated: its header says "NOTE: THIS DOCKERFILE IS GENERATED VIA "apply-templates.sh"" (Dockerfile:2)\n    no fix is applied here; make the change in Dockerfile.template, then re-render with apply-templates.sh\n\nSkipped files',
    );
    expect(stdout).toContain('Skipped files (3)\n  Dockerfile.template  is a template by its name');
    expect(stdout).toContain('  old/docker-compose.yml  excluded by --exclude or configuration: never read\n');
    expect(stdout).toMatch(/ {2}setup\/docker-compose\.yml:3 {2}is a template \(Jinja or Go template expression "\{\{ image \}\}"\)/);
  });

  it('a file with nothing generated or skipped lists neither section', async () => {
    const dir = writeTree({ 'compose.yaml': 'services:\n  app:\n    image: redis:7\n' });
    const { stdout } = await runCli(['--explain'], dir);
    rmSync(dir, { recursive: true, force: true });
    expect(stdout).not.toContain('Generated files');
    expect(stdout).not.toContain('Skipped files');
  });
});

describe('the model behind it', () => {
  it('a file used alone in one place and as an override in another is hardened as standalone', async () => {
    const tree = {
      'compose.yaml': 'services:\n  api:\n    build: .\n',
      'compose.prod.yaml': 'services:\n  api:\n    image: acme/api\n    restart: always\n',
      Makefile: 'up:\n\tdocker compose -f compose.yaml -f compose.prod.yaml up\nprod:\n\tdocker compose -f compose.prod.yaml up\n',
      Dockerfile: 'FROM node:22\nCMD ["node", "."]\n',
    };
    const data = await explain(tree);
    const prod = data.composeFiles.find((f) => f.file === 'compose.prod.yaml')!;
    expect(prod.mode).toBe('both');
    expect(prod.reason).toMatch(/used alone \(used alone by Makefile:4\) and on top of other files \(combined in this order by Makefile:2\)/);
    expect(data.services.find((s) => s.id === 'compose.prod.yaml#api')!.base).toBeNull();
    const { changed } = await hardenTree(tree, ['compose/no-new-privileges']);
    expect(changed['compose.prod.yaml']).toContain('security_opt');
    expect(changed['compose.yaml']).toContain('security_opt');
  });

  it('follows extends into another file, with the build resolved from that file', async () => {
    const data = await explain({
      'compose.yaml': 'services:\n  worker:\n    extends:\n      file: common/services.yml\n      service: app\n    command: worker\n',
      'common/services.yml': 'services:\n  app:\n    build: ./app\n    environment: [A=1]\n',
      'common/app/Dockerfile': 'FROM python:3.12\nCMD ["python"]\n',
    });
    expect(data.services.find((s) => s.id === 'compose.yaml#worker')).toMatchObject({ extends: 'common/services.yml#app', dockerfile: 'common/app/Dockerfile' });
  });

  it('an unresolved -f (a variable) is kept and shown; the structure decides the rest', async () => {
    const data = await explain({
      'docker-compose.yml': 'services:\n  a:\n    image: redis\n',
      'docker-compose.staging.yml': 'services:\n  a:\n    environment: [X=1]\n',
      'deploy.sh': 'docker compose -f docker-compose.yml -f "docker-compose.$ENV.yml" up -d\n',
    });
    expect(data.composeProjects.find((p) => p.id === 'docker-compose.yml')).toMatchObject({ how: 'evidence', unresolved: ['docker-compose.$ENV.yml'] });
    expect(data.composeFiles.find((f) => f.file === 'docker-compose.staging.yml')).toMatchObject({
      mode: 'override',
      reason: 'a has neither image nor build: an override of docker-compose.yml',
    });
  });

  it('a standalone sibling does not share volumes (and UIDs) with the dev base', async () => {
    const dockerfile = 'FROM debian:bookworm-slim\nCMD ["/usr/local/bin/app"]\n';
    const tree = {
      'docker-compose.yml': 'services:\n  app:\n    build: ./app\n    volumes: [data:/data]\n  worker:\n    image: busybox\n    user: "1234:1234"\n    volumes: [data:/data]\nvolumes:\n  data:\n',
      'docker-compose.prod.yml': 'services:\n  api:\n    build: ./api\n    volumes: [data:/data]\nvolumes:\n  data:\n',
      'app/Dockerfile': dockerfile,
      'api/Dockerfile': dockerfile,
    };
    const { result } = await hardenTree(tree, ['dockerfile/non-root-user']);
    const fixed = (rel: string) => result.engine.findings.find((x) => x.transform === 'dockerfile/non-root-user' && x.fixed && x.file.endsWith(rel))!;
    // The volume is shared where the services run together (the dev file), not across files run apart.
    expect(fixed('app/Dockerfile').message).toContain('UID 1234 shared with service worker over volume data');
    expect(fixed('api/Dockerfile').message).toBe(
      'final stage runs as root: create user app at UID 1000 unless the base already has a user there, which is then reused (named app-1000 where the base already uses app at another ID), USER 1000:1000; chown /data, /home/app',
    );
  });
});

describe('configuration: roles', () => {
  const tree = {
    'tests/Dockerfile': 'FROM python:3.12-slim\nCOPY . /t\nCMD ["pytest"]\n',
    'docker/base.Dockerfile': 'FROM debian:bookworm-slim\nRUN apt-get update\n',
  };

  it('widens the roles hardened, globally or per file', async () => {
    const none = writeTree(tree);
    const before = await runCli(['--dry-run'], none);
    expect(before.code).toBe(0);
    expect(before.stderr).toContain('not a runtime image: left alone (a test harness, nothing builds it and it sits under tests/');
    rmSync(none, { recursive: true, force: true });

    const wide = writeTree({ ...tree, '.docker-harden.yml': 'roles: [runtime, test]\n' });
    const widened = await runCli(['--dry-run'], wide);
    expect(widened.code).toBe(1);
    expect(widened.stdout).toContain('+USER 1000:1000');
    expect(widened.stdout).not.toContain('base.Dockerfile');
    rmSync(wide, { recursive: true, force: true });

    const perFile = writeTree({ ...tree, '.docker-harden.yml': 'overrides:\n  - files: ["docker/**"]\n    roles: [runtime, builder, base]\n' });
    const r = await runCli(['--dry-run'], perFile);
    expect(r.stdout).toContain('docker/base.Dockerfile');
    expect(r.stdout).not.toContain('tests/Dockerfile');
    rmSync(perFile, { recursive: true, force: true });
  });

  it('rejects unknown roles with a clear error', async () => {
    const dir = writeTree({ ...tree, '.docker-harden.yml': 'roles: [runtime, servce]\n' });
    const r = await runCli(['--dry-run'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("docker-harden: .docker-harden.yml: roles[1]: unknown role 'servce'; allowed: runtime, base, builder, test, packaging, devcontainer\n");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('--explain on swarm stacks', () => {
  const stackRepo = {
    'docker-compose.yml': 'services:\n  web:\n    build: .\n    image: acme/web:1\n',
    'docker-stack.yml': 'version: "3.8"\nservices:\n  web:\n    image: acme/web:1\n',
    'ops/docker-stack.yml': 'version: "3.8"\nservices:\n  web:\n    image: acme/web:1\n    deploy:\n      placement:\n        constraints: [node.role == manager]\n',
    Dockerfile: 'FROM python:3.12-slim\nCMD ["python", "-m", "http.server"]\n',
    Makefile: 'deploy:\n\tdocker stack deploy -c docker-stack.yml web\n',
  };

  it('says which files swarm deploys, and how it is known, in JSON that matches the schema', async () => {
    const data = await explain(stackRepo);
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    const byFile = Object.fromEntries(data.composeFiles.map((f) => [f.file, f.swarm ?? null]));
    expect(byFile['docker-compose.yml']).toBeNull();
    expect(byFile['docker-stack.yml']).toMatchObject({ how: 'evidence', alsoCompose: false, reason: 'deployed with docker stack deploy by Makefile:2', evidence: [{ file: 'Makefile', line: 2, source: 'makefile' }] });
    expect(byFile['ops/docker-stack.yml']).toMatchObject({ how: 'structure', reason: 'a swarm stack file by its structure: version 3.8, no build:, and deploy.placement' });
  });

  it('prints it as text', async () => {
    const dir = writeTree(stackRepo);
    const { code, stdout } = await runCli(['--explain'], dir);
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(stdout).toContain('    swarm stack: deployed with docker stack deploy by Makefile:2\n');
  });
});

describe('roles: a builder a script runs from a packaging folder', () => {
  // miniflux: `docker build -t miniflux-rpm-builder -f packaging/rpm/Dockerfile .` then `docker run --rm -v ${PWD}:/out miniflux-rpm-builder`.
  const makefile =
    'rpm:\n\tdocker build -t app-rpm-builder -f packaging/rpm/Dockerfile .\n\tdocker run --rm -v ${PWD}:/out app-rpm-builder\n' +
    'demo:\n\tdocker build -t app-demo -f packaging/demo/Dockerfile .\n\tdocker run --rm -p 8080:8080 app-demo\n' +
    'serve:\n\tdocker build -t app-server -f docker/Dockerfile .\n\tdocker run --rm -v ${PWD}:/out app-server\n';
  const rpm = 'FROM rockylinux:9\nRUN dnf install -y rpm-build\nCOPY . /src\nCMD ["rpmbuild", "-bb", "/src/app.spec"]\n';
  const tree = { Makefile: makefile, 'packaging/rpm/Dockerfile': rpm, 'packaging/demo/Dockerfile': rpm, 'docker/Dockerfile': rpm };

  it('is packaging, unless a run publishes a port; elsewhere a --rm run over the checkout is a tool, not a service', async () => {
    const data = await explain(tree);
    const role = (rel: string) => data.dockerfiles.find((d) => d.file === rel)!;
    expect(role('packaging/rpm/Dockerfile').role).toBe('packaging');
    expect(role('packaging/rpm/Dockerfile').reason).toContain('but it sits under packaging/ and no run publishes a port');
    expect(role('packaging/demo/Dockerfile').role).toBe('runtime');
    // navidrome's `docker run -it --rm -v $(PWD):/workspace navidrome-msi-builder sh -c "release/wix/build_msi.sh ..."`.
    expect(role('docker/Dockerfile').role).toBe('builder');
    expect(role('docker/Dockerfile').reason).toContain('but every run mounts the checkout (-v ${PWD}:/out) with --rm and publishes no port');
  });

  it('a tag also run without the checkout, or publishing a port, stays a runtime image', async () => {
    const data = await explain({
      Makefile: 'gen:\n\tdocker build -t app-tool -f docker/Dockerfile .\n\tdocker run --rm -v $(PWD):/w app-tool gen\nrun:\n\tdocker run --rm app-tool serve\n',
      'docker/Dockerfile': 'FROM debian:bookworm-slim\nCMD ["app"]\n',
    });
    expect(data.dockerfiles.find((d) => d.file === 'docker/Dockerfile')!.role).toBe('runtime');
    // Make's own $(PWD), as navidrome's Makefile writes it.
    const make = await explain({
      Makefile: 'msi:\n\tdocker build -q -t app-msi -f release/wix/msitools.dockerfile .\n\tdocker run -it --rm -v $(PWD):/workspace app-msi sh -c "release/wix/build_msi.sh /workspace"\n',
      'release/wix/msitools.dockerfile': 'FROM alpine\nRUN apk add msitools\nWORKDIR /workspace\n',
    });
    expect(make.dockerfiles.find((d) => d.file === 'release/wix/msitools.dockerfile')!.role).toBe('builder');
  });
});

describe('images built here, through step outputs and local actions', () => {
  it('a compose image whose tag a run step writes to $GITHUB_OUTPUT, or a local composite action builds, is built from its Dockerfile', async () => {
    const data = await explain({
      'docker-compose.yml': 'services:\n  api:\n    image: acme/api:latest\n  web:\n    image: acme/web:1.2\n',
      'api/Dockerfile': 'FROM node:22\nCMD ["node", "server.js"]\n',
      'web/Dockerfile': 'FROM nginx:1.27\n',
      '.github/actions/build/action.yml':
        'inputs:\n  dir: { required: true }\n  image: { required: true }\nruns:\n  using: composite\n  steps:\n    - uses: docker/build-push-action@v6\n      with:\n        context: ${{ inputs.dir }}\n        push: true\n        tags: ${{ inputs.image }}\n',
      '.github/workflows/release.yml':
        'on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - id: tags\n        run: |\n          TAGS="acme/api:latest"\n          echo "tags=$TAGS,acme/api:$VERSION" >> "$GITHUB_OUTPUT"\n' +
        '      - uses: docker/build-push-action@v6\n        with:\n          context: api\n          push: true\n          tags: ${{ steps.tags.outputs.tags }}\n' +
        '      - uses: ./.github/actions/build\n        with:\n          dir: web\n          image: acme/web:1.2\n',
    });
    const api = data.services.find((s) => s.name === 'api')!;
    expect(api.buildFrom).toMatchObject({ kind: 'image-tag', evidence: [{ file: '.github/workflows/release.yml', line: 10, text: 'uses: docker/build-push-action@v6; tags from steps.tags.outputs.tags (.github/workflows/release.yml:9)' }] });
    const web = data.services.find((s) => s.name === 'web')!;
    expect(web.buildFrom).toMatchObject({ kind: 'image-tag', evidence: [{ file: '.github/actions/build/action.yml', line: 7, text: 'uses: docker/build-push-action@v6 (called from .github/workflows/release.yml:15)' }] });
    expect(data.images.map((i) => [i.tag, i.dockerfile])).toEqual(expect.arrayContaining([['acme/api:latest', 'api/Dockerfile'], ['acme/api:$VERSION', 'api/Dockerfile'], ['acme/web:1.2', 'web/Dockerfile']]));
  });
});

describe('roles: a build stage CI runs only to run its tests', () => {
  // languagetool (rw-history4): the build stage is built with --target and run with `mvn clean test`, which deletes and
  // rewrites target/ in the root-owned tree; the final stage is the service.
  const df = 'FROM maven:3-eclipse-temurin-17 AS build\nWORKDIR /src\nCOPY . .\nRUN mvn -q package -DskipTests\n\nFROM eclipse-temurin:17-jre\nCOPY --from=build /src/target/app.jar /app.jar\nCMD ["java", "-jar", "/app.jar"]\n';
  const workflow = (run: string) =>
    `on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: docker build --target=build -t app-build .\n      - run: ${run}\n      - run: docker build -t app .\n`;

  it('is a test image when every run of its tag runs the tests, and stays runtime when a run starts something else', async () => {
    const tested = await explain({ Dockerfile: df, '.github/workflows/ci.yml': workflow('docker run app-build mvn clean test --quiet') });
    const stage = tested.dockerfiles.find((d) => d.file === 'Dockerfile')!.stages.find((s) => s.name === 'build')!;
    expect(stage.role).toBe('test');
    expect(stage.reason).toContain('but every run runs its tests (mvn clean test --quiet) and publishes no port');
    const served = await explain({ Dockerfile: df, '.github/workflows/ci.yml': workflow('docker run app-build mvn spring-boot:run') });
    expect(served.dockerfiles.find((d) => d.file === 'Dockerfile')!.stages.find((s) => s.name === 'build')!.role).toBe('runtime');
  });
});

describe('roles: a harness a test script builds and runs from a test folder', () => {
  // nginx-proxy: test/pytest.sh builds test/requirements/Dockerfile-nginx-proxy-tester (through TESTDIR=$(cd "${0%/*}" && pwd))
  // and runs it with the Docker socket: a test harness, not a service to give a non-root user.
  const script = (tag: string, file: string, publish = '') =>
    `#!/bin/sh\nTESTDIR=$(cd "\${0%/*}" && pwd) || exit 1\ndocker build -t ${tag} -f "\${TESTDIR}/${file}" "\${TESTDIR}"\nexec docker run --rm ${publish}-v /var/run/docker.sock:/var/run/docker.sock ${tag} "$@"\n`;
  const df = 'FROM python:3.12\nRUN pip install pytest\nWORKDIR /test\nENTRYPOINT ["pytest"]\n';
  const tree = {
    'test/pytest.sh': script('app-tester', 'requirements/Dockerfile-tester'),
    'test/requirements/Dockerfile-tester': df,
    'test/demo.sh': script('app-demo', 'demo/Dockerfile', '-p 8080:8080 '),
    'test/demo/Dockerfile': df,
    'scripts/run.sh': script('app-tool', '../test/tool/Dockerfile'),
    'test/tool/Dockerfile': df,
  };

  it('is test, unless a run publishes a port or a script outside the test folders runs it', async () => {
    const data = await explain(tree);
    const role = (rel: string) => data.dockerfiles.find((d) => d.file === rel)!;
    expect(role('test/requirements/Dockerfile-tester').role).toBe('test');
    expect(role('test/requirements/Dockerfile-tester').reason).toContain('only test scripts run it');
    expect(role('test/demo/Dockerfile').role).toBe('runtime');
    expect(role('test/tool/Dockerfile').role).toBe('runtime');
  });
});

describe('roles: a matrix job names its workflow line once', () => {
  // navidrome: one build-push-action step with `outputs: type=local`, run once per platform of the matrix,
  // was listed eleven times in the reason ("pipeline.yml:317, pipeline.yml:317, …").
  const workflow =
    'on: push\njobs:\n  build:\n    strategy:\n      matrix:\n        platform: [linux/amd64, linux/arm64, linux/arm/v7, linux/386]\n' +
    '    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n' +
    '      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          target: binary\n          platforms: ${{ matrix.platform }}\n          outputs: type=local,dest=./output\n' +
    '      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n          tags: acme/app:latest\n          platforms: ${{ matrix.platform }}\n';
  const dockerfile = 'FROM alpine:3.20 AS binary\nCOPY app /app\n\nFROM alpine:3.20\nCOPY --from=binary /app /app\nENTRYPOINT ["/app"]\n';

  it('says each place once in the reason', async () => {
    const data = await explain({ '.github/workflows/pipeline.yml': workflow, Dockerfile: dockerfile });
    const df = data.dockerfiles.find((d) => d.file === 'Dockerfile')!;
    const text = JSON.stringify(df);
    expect(text).toContain('built with --output to export files (.github/workflows/pipeline.yml:');
    for (const m of text.matchAll(/\(([^()]*)\)/g)) {
      const places = m[1]!.split(', ');
      expect(new Set(places).size, m[1]).toBe(places.length);
    }
  });
});

describe('--explain: a build: commented out beside image: (Mailu #105)', () => {
  const commented = {
    'docker-compose.yml':
      'services:\n  fetchmail:\n    image: acme/fetchmail:${VERSION:-1}\n    # build: optional/fetchmail\n    volumes:\n      - ./data:/data\n' +
      '  admin:\n    image: acme/admin:1\n    #build:\n    #  context: core/admin\n    #  dockerfile: Dockerfile.prod\n  db:\n    image: postgres:16\n# build: nothing\n',
    'optional/fetchmail/Dockerfile': 'FROM python:3.12-slim\nCMD ["python", "fetchmail.py"]\n',
  };

  it('is shown as a hint with the Dockerfile it would build, and links nothing', async () => {
    const data = await explain(commented);
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    const byName = Object.fromEntries(data.services.map((s) => [s.name, s]));
    expect(byName.fetchmail).toMatchObject({ dockerfile: null, commentedBuild: { line: 4, text: 'build: optional/fetchmail', dockerfile: 'optional/fetchmail/Dockerfile', dockerfileExists: true } });
    expect(byName.admin).toMatchObject({ dockerfile: null, commentedBuild: { line: 9, dockerfile: 'core/admin/Dockerfile.prod', dockerfileExists: false } });
    expect(byName.db!.commentedBuild).toBeUndefined();
    // Never a fact: the Dockerfile's role comes from nothing compose says.
    expect(data.dockerfiles.find((d) => d.file === 'optional/fetchmail/Dockerfile')!.builds).toEqual([]);
  });

  it('as text', async () => {
    const dir = writeTree(commented);
    const { stdout } = await runCli(['--explain', '--no-color'], dir);
    rmSync(dir, { recursive: true, force: true });
    expect(stdout).toContain('    build commented out (# build: optional/fetchmail): it would build optional/fetchmail/Dockerfile; a hint only, not used to link the service  docker-compose.yml:4\n');
  });
});
