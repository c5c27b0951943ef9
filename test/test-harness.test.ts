// Compose test harnesses are left alone with a reason (src/test-harness.ts):
// Docker Hub autotest's sut, services whose command runs a test runner, and
// whole test stacks only test scripts use. The real services a test stack
// exercises are still hardened unless the whole file is a harness.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf, writeTree } from './helpers.js';
import { run } from '../src/driver.js';
import { TRANSFORMS } from '../transforms/index.js';
import { DEFAULT_OPTIONS } from '../src/types.js';
import { testRunnerOf, testScriptName } from '../src/test-harness.js';

describe('testRunnerOf', () => {
  it.each([
    [['pytest', '-q'], 'pytest'],
    [['python', '-m', 'pytest', 'tests/'], 'python -m pytest'],
    [['python3', 'manage.py', 'test'], 'python3 manage.py test'],
    [['npm', 'test'], 'npm test'],
    [['npm', 'run', 'test:e2e'], 'npm run test:e2e'],
    [['yarn', 'test'], 'yarn test'],
    [['go', 'test', './...'], 'go test'],
    [['bats', 'test/'], 'bats'],
    [['bundle', 'exec', 'rspec'], 'rspec'],
    [['vendor/bin/phpunit'], 'phpunit'],
    [['newman', 'run', 'collection.json'], 'newman'],
    [['k6', 'run', 'load.js'], 'k6 run'],
    [['exec', 'poetry', 'run', 'pytest'], 'pytest'],
    [['CI=1', 'npx', 'jest'], 'jest'],
    [['npm', 'run', 'test'], 'npm run test'],
    [['npm', 'run', 'test:unit'], 'npm run test:unit'],
    [['npm', 'run-script', 'test-e2e', '--', '--headless'], 'npm run-script test-e2e'],
    [['npm', 'run', 'test:watch'], 'npm run test:watch'],
    [['yarn', 'test:e2e'], 'yarn test:e2e'],
    [['pnpm', 'e2e:ci'], 'pnpm e2e:ci'],
    [['bun', 'test'], 'bun test'],
    [['pytest-watch', '--', '-q'], 'pytest-watch'],
  ])('%j runs %s', (argv, runner) => expect(testRunnerOf(argv)).toBe(runner));

  it.each([
    [['npm', 'run', 'test-server']],
    [['npm', 'run', 'test:server']],
    [['yarn', 'test:e2e-server']],
    [['yarn', 'run', 'test:e2e-server']],
    [['pnpm', 'e2e:serve']],
    [['npm', 'run', 'test:db']],
    [['yarn', 'start']],
    [['npm', 'test-server']],
  ])('%j starts what tests run against, not a test run', (argv) => expect(testRunnerOf(argv)).toBeUndefined());

  it.each([
    ['test', true],
    ['tests', true],
    ['test:unit', true],
    ['test_integration', true],
    ['e2e', true],
    ['spec', true],
    ['test:e2e:headless', true],
    ['test:unit:app', true], // overleaf: the app's unit tests
    ['test:frontend', true],
    ['test:acceptance:app', true],
    ['test-server', false],
    ['test:e2e-server', false],
    ['e2e:serve', false],
    ['test:mock-api', false],
    ['testing', false],
    ['attest', false],
    ['build:test', false],
  ])('script %s runs tests: %s', (name, tests) => expect(testScriptName(name)).toBe(tests));

  it.each([[['npm', 'start']], [['npm', 'run', 'build']], [['python', 'app.py']], [['go', 'build']], [['make']], [['k6', 'version']], [['gunicorn', 'app:app']]])('%j runs none', (argv) =>
    expect(testRunnerOf(argv)).toBeUndefined(),
  );
});

const APP_DOCKERFILE = 'FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n';
const SUT_DOCKERFILE = 'FROM node:22-slim\nRUN apt-get update && apt-get install -y curl\nCOPY . /app\nWORKDIR /app\nCMD ["/app/tests.sh"]\n';

async function harden(tree: Record<string, string>) {
  const { result, changed } = await hardenTree(tree);
  const messages = (file: string) => result.engine.findings.filter((f) => f.file.endsWith(file)).map((f) => f.message);
  return { changed, messages };
}

describe('compose test harnesses', () => {
  const autotest = {
    'docker-compose.test.yml': 'services:\n  sut:\n    build: ./tests\n    depends_on:\n      - web\n  web:\n    build: .\n    ports: ["3000:3000"]\n',
    Dockerfile: APP_DOCKERFILE,
    'tests/Dockerfile': SUT_DOCKERFILE,
  };

  it("leaves Docker Hub autotest's sut and its Dockerfile alone, and hardens the service it tests", async () => {
    const { changed, messages } = await harden(autotest);
    expect(changed['tests/Dockerfile']).toBeUndefined();
    expect(messages('tests/Dockerfile')).toEqual([expect.stringMatching(/^not a runtime image: left alone \(a test harness, only test harness services build it \(service sut\): Docker Hub autotest's harness/)]);
    const compose = changed['docker-compose.test.yml']!;
    expect(compose.split('web:')[0]).not.toContain('cap_drop');
    expect(compose.split('web:')[1]).toContain('cap_drop: [ALL]');
    expect(changed.Dockerfile).toContain('USER 1000:1000');
  });

  it('reads the same with CRLF line ends', async () => {
    const crlf = Object.fromEntries(Object.entries(autotest).map(([k, v]) => [k, toCrlf(v)]));
    const { changed } = await harden(crlf);
    expect(changed['tests/Dockerfile']).toBeUndefined();
    expect(changed['docker-compose.test.yml']!.split('web:')[0]).not.toContain('cap_drop');
  });

  it('leaves a service whose command runs a test runner alone, through anchors and merge keys, but not one that publishes ports', async () => {
    const compose = [
      'x-app: &app',
      '  build: .',
      '  environment:',
      '    NODE_ENV: test',
      'services:',
      '  web:',
      '    <<: *app',
      '    ports: ["3000:3000"]',
      '  tests:',
      '    <<: *app',
      // No `npm ci` here: a dependency install at start into the image's root-owned /app would hold the image's USER back
      // for every service (test/start-dep-installs.test.ts), which is not what this case is about.
      '    command: ["sh", "-c", "npm run lint && npm test"]',
      '  smoke:',
      '    <<: *app',
      '    command: npm test',
      '    ports: ["3001:3000"]',
      '',
    ].join('\n');
    const { changed } = await harden({ 'compose.yaml': compose, Dockerfile: APP_DOCKERFILE });
    const out = changed['compose.yaml']!;
    const [, web, tests, smoke] = out.split(/\n  (?:web|tests|smoke):\n/);
    expect(web).toContain('cap_drop: [ALL]');
    expect(tests).not.toContain('cap_drop');
    expect(smoke).toContain('cap_drop: [ALL]');
    // The anchor stays as written: nothing is added to a shared mapping.
    expect(out.split('services:')[0]).toBe(compose.split('services:')[0]);
  });

  it('hardens a service whose command starts a server named test-something, with no ports (the suite reaches it on the network)', async () => {
    const compose = 'services:\n  api-under-test:\n    build: .\n    command: npm run test-server\n  e2e:\n    build: .\n    command: yarn test:e2e\n    depends_on: [api-under-test]\n';
    const { changed, messages } = await harden({ 'compose.yaml': compose, Dockerfile: APP_DOCKERFILE });
    const [, server, e2e] = changed['compose.yaml']!.split(/\n  (?:api-under-test|e2e):\n/);
    expect(server).toContain('cap_drop: [ALL]');
    expect(e2e).not.toContain('cap_drop');
    expect(messages('compose.yaml').join('\n')).not.toContain('test runner npm run test-server');
  });

  it('says a harness Dockerfile\'s reason once when a CI and a dev file run the same harness', async () => {
    const cypress = 'services:\n  cypress:\n    build: ../test/cypress\n    command: cypress run --browser chrome\n';
    const { changed, messages } = await harden({ 'docker/docker-compose.ci.yml': cypress, 'docker/docker-compose.dev.yml': cypress, 'test/cypress/Dockerfile': SUT_DOCKERFILE });
    expect(changed['test/cypress/Dockerfile']).toBeUndefined();
    const [note] = messages('test/cypress/Dockerfile');
    expect(note).toContain('only test harness services build it (service cypress): its command runs the test runner cypress run and it publishes no ports [');
    expect(note!.split('cypress run').length).toBe(2);
  });

  /** A test stack with its app and harness Dockerfiles, and the scripts that use it. */
  const testStack = (files: Record<string, string>) => ({ ...files, Dockerfile: APP_DOCKERFILE, 'tests/Dockerfile': SUT_DOCKERFILE });

  it('leaves every service of a test stack alone when only a test script uses it, with an override file', async () => {
    const tree = testStack({
      'docker-compose.test.yml': 'services:\n  app:\n    build: .\n  db:\n    image: postgres:16\n  tests:\n    build: ./tests\n    depends_on: [app, db]\n',
      'docker-compose.test.override.yml': 'services:\n  app:\n    environment:\n      DEBUG: "1"\n',
      'scripts/run-tests.sh': '#!/bin/sh\n# the suite\ndocker compose -f docker-compose.test.yml -f docker-compose.test.override.yml run --rm tests\n',
    });
    const { changed, messages } = await harden(tree);
    expect(changed['docker-compose.test.yml']).toBeUndefined();
    expect(changed['docker-compose.test.override.yml']).toBeUndefined();
    expect(changed['tests/Dockerfile']).toBeUndefined();
    expect(messages('tests/Dockerfile')[0]).toContain('docker-compose.test.yml is a test stack: its name says test and only test scripts or steps use it (scripts/run-tests.sh:3)');
  });

  it('hardens the real services of a test-named file that something else also uses', async () => {
    const tree = testStack({
      'docker-compose.test.yml': 'services:\n  app:\n    build: .\n  tests:\n    build: ./tests\n',
      'scripts/run-tests.sh': '#!/bin/sh\ndocker compose -f docker-compose.test.yml run --rm tests\n',
      'deploy.sh': '#!/bin/sh\ndocker compose -f docker-compose.test.yml up -d app\n',
    });
    const { changed } = await harden(tree);
    expect(changed['docker-compose.test.yml']).toContain('cap_drop');
    expect(changed.Dockerfile).toContain('USER 1000:1000');
  });

  it('hardens harnesses too when the configuration asks for the test role', async () => {
    const dir = writeTree(autotest);
    const result = await run({ paths: [dir], cwd: dir, dryRun: true, exclude: [], transforms: TRANSFORMS, options: DEFAULT_OPTIONS, hardenedRoles: () => ['runtime', 'test'] });
    const changed = Object.fromEntries(result.changes.map((c) => [c.rel, c.after]));
    expect(changed['tests/Dockerfile']).toContain('USER 1000:1000');
    expect(changed['docker-compose.test.yml']!.split('web:')[0]).toContain('cap_drop: [ALL]');
  });
});
