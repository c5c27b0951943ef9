// Which compose services are test harnesses, so they are left alone as
// src/roles.ts leaves test-harness Dockerfiles: a container that runs a test
// suite against a stack and exits protects nothing in production, and a USER or
// read_only there only risks the suite. Decided from evidence, each decision
// with its reason:
//  - Docker Hub autotest's `sut` service in a compose file whose name says test
//    (https://docs.docker.com/docker-hub/repos/manage/builds/automated-testing/);
//  - a service whose own command or entrypoint runs a test runner (pytest,
//    npm test, go test, bats, rspec, phpunit, newman, k6 run...) and publishes
//    no ports;
//  - every service of a compose file whose name says test and which only test
//    scripts or CI test steps use (`test.sh` runs `docker compose -f
//    docker-compose.test.yml ...`, or a step that ends with the suite's result:
//    `--exit-code-from`, `--abort-on-container-exit`).
// The real services of a test stack (the app and the database the tests
// exercise) are hardened unless the whole file is a harness by that last rule.
import path from 'node:path';
import type { Evidence } from './evidence/types.js';
import type { ComposePlan } from './layout.js';
import { shellCommands } from './knowledge/images.js';
import { lineOfOffset } from './text.js';
import type { ServiceLink } from './model.js';

export interface HarnessDecision {
  reason: string;
  evidence: Evidence[];
}

/** A file or folder name that says test: `docker-compose.test.yml`, `compose-tests.yaml`, `test.sh`, `tests/`. */
const SAYS_TEST = /(^|[._-])(tests?|e2e|ci-tests?|integration-tests?)([._-]|$)/i;

export function nameSaysTest(file: string): boolean {
  return SAYS_TEST.test(path.basename(file));
}

/** A command that reports a suite's result: compose's exit code follows the test container. */
const TEST_RESULT_FLAGS = /--exit-code-from\b|--abort-on-container-exit\b/;

/** Whether a piece of evidence comes from a test script or a test step. */
function testUse(e: Evidence): boolean {
  const segments = e.rel.split('/');
  return segments.some((s) => SAYS_TEST.test(s)) || TEST_RESULT_FLAGS.test(e.text);
}

/**
 * Compose files whose every service is a harness: the name says test, some
 * command uses the file, and every command that does is a test script's or a
 * test step's. A file only its name marks (no use seen) is not one: its real
 * services may also run elsewhere.
 */
export function testStackFiles(plan: ComposePlan): Map<string, HarnessDecision> {
  const out = new Map<string, HarnessDecision>();
  for (const [file, use] of plan.uses) {
    if (!nameSaysTest(file)) continue;
    const projects = plan.projects.filter((p) => p.files.includes(file));
    if (projects.length === 0 || projects.some((p) => p.how !== 'evidence')) continue;
    const evidence = projects.flatMap((p) => p.composeEvidence.length ? p.composeEvidence : p.evidence);
    if (evidence.length === 0 || !evidence.every(testUse)) continue;
    const where = [...new Set(evidence.map((e) => `${e.rel}:${e.line}`))].slice(0, 3).join(', ');
    out.set(file, { reason: `${use.rel} is a test stack: its name says test and only test scripts or steps use it (${where})`, evidence });
  }
  return out;
}

/** Words that run a test suite, after any wrapper (`exec`, `bundle exec`, `npx`, `poetry run`). */
const RUNNERS = new Set(['pytest', 'py.test', 'pytest-watch', 'ptw', 'tox', 'nox', 'bats', 'rspec', 'phpunit', 'paratest', 'pest', 'newman', 'jest', 'mocha', 'vitest', 'ava', 'karma', 'behave', 'robot', 'codecept', 'ginkgo', 'gotestsum', 'cucumber', 'cucumber-js']);
/** Runners that are a runner only with a subcommand: `go test`, `npm test`, `k6 run`. */
const SUBCOMMAND_RUNNERS: Record<string, RegExp> = {
  go: /^test$/,
  cargo: /^test$/,
  dotnet: /^test$/,
  mix: /^test$/,
  npm: /^(test|t|run-script|run)$/,
  yarn: /^(test|run)$/,
  pnpm: /^(test|t|run)$/,
  bun: /^(test|run)$/,
  composer: /^(test|run-script)$/,
  rake: /^(test|spec)$/,
  k6: /^run$/,
  cypress: /^run$/,
  playwright: /^test$/,
  mvn: /^test$/,
  gradle: /^test$/,
  gradlew: /^test$/,
  make: /^(test|check)$/,
};
/** Package managers that run a package.json script by its bare name too (`yarn test:unit`, `pnpm e2e`), not only after `run`. */
const RUNS_BARE_SCRIPTS = new Set(['yarn', 'pnpm', 'bun']);
/**
 * Words that, after a test-ish first part of a script name, say the script
 * serves rather than tests: `test-server`, `test:e2e-server`, `e2e:serve`,
 * `test:db` start what a suite runs against, and keep running as servers do.
 */
// Not what a part names (`test:unit:app`, `test:frontend` test the app and the frontend), only what it does.
const SERVES = new Set(['server', 'servers', 'serve', 'start', 'up', 'host', 'listen', 'mock', 'mocks', 'stub', 'stubs', 'proxy', 'daemon', 'db', 'database', 'seed', 'setup', 'prepare']);

/**
 * Whether a package.json script name runs tests: its first part says test
 * (`test`, `test:unit`, `test-e2e`, `e2e:ci`, `spec`) and no later part says it
 * serves (`test-server`, `test:e2e-server`).
 */
export function testScriptName(name: string): boolean {
  const parts = name.toLowerCase().split(/[:_.-]+/);
  if (!/^(tests?|e2e|specs?)$/.test(parts[0] ?? '')) return false;
  return !parts.slice(1).some((p) => SERVES.has(p));
}

const WRAPPERS: Record<string, number> = { exec: 1, env: 1, npx: 1, bunx: 1, time: 1, 'bundle': 2, poetry: 2, pipenv: 2, uv: 2, hatch: 2 };

/** The test runner a simple command runs, as words (`npm test`, `python -m pytest`), if it runs one. */
export function testRunnerOf(argv: readonly string[]): string | undefined {
  let words = argv.filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  for (let guard = 0; guard < 4 && words.length; guard++) {
    const skip = WRAPPERS[path.posix.basename(words[0]!)];
    if (!skip) break;
    words = words.slice(skip);
  }
  const tool = path.posix.basename(words[0] ?? '');
  if (!tool) return undefined;
  if (RUNNERS.has(tool)) return tool;
  if (/^python[\d.]*$/.test(tool)) {
    const m = words.indexOf('-m');
    if (m > 0 && /^(pytest|unittest|nose2?|tox)$/.test(words[m + 1] ?? '')) return `${tool} -m ${words[m + 1]}`;
    const manage = words.findIndex((w) => path.posix.basename(w) === 'manage.py');
    if (manage > 0 && words[manage + 1] === 'test') return `${tool} manage.py test`;
    return undefined;
  }
  if (tool === 'manage.py' && words[1] === 'test') return 'manage.py test';
  const name = tool.replace(/^\.\//, '');
  const sub = SUBCOMMAND_RUNNERS[name];
  const next = words.slice(1).find((w) => !w.startsWith('-'));
  if (!sub || !next) return undefined;
  if (!sub.test(next)) {
    // `yarn test:unit`, `pnpm e2e`: a script run by its bare name.
    return RUNS_BARE_SCRIPTS.has(name) && testScriptName(next) ? `${tool} ${next}` : undefined;
  }
  // `npm run test:e2e`, `yarn run test`: a run of a script whose name says test (not `npm run test-server`).
  if (/^(run|run-script)$/.test(next) && !['k6', 'cypress'].includes(tool)) {
    const script = words.slice(words.indexOf(next) + 1).find((w) => !w.startsWith('-'));
    return script && testScriptName(script) ? `${tool} ${next} ${script}` : undefined;
  }
  return `${tool} ${next}`;
}

/** The simple commands a compose `command:` or `entrypoint:` runs (a `sh -c` script read as shell). */
function composeCommands(value: unknown): string[][] {
  if (typeof value === 'string') return shellCommands(value);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return [];
  const argv = value as string[];
  const c = argv.indexOf('-c');
  if (/^(\/usr)?(\/bin\/)?(sh|bash|ash|dash)$/.test(argv[0] ?? '') && c > 0 && argv[c + 1]) return shellCommands(argv[c + 1]!);
  return [argv];
}

/** Why a service is a test harness by itself (the autotest `sut`, a test runner as its command), if it is. */
export function harnessService(s: ServiceLink): HarnessDecision | undefined {
  const at: Evidence = { file: s.compose.path, rel: s.compose.rel, line: lineOfOffset(s.compose, s.node.keyNode.range?.[0] ?? 0), source: 'compose', text: `service ${s.name}` };
  const composeFile = s.base?.compose.path ?? s.compose.path;
  if (s.name === 'sut' && nameSaysTest(composeFile)) {
    return { reason: `Docker Hub autotest's harness (sut of ${path.basename(composeFile)}: its exit code is the test result)`, evidence: [at] };
  }
  const ports = s.effective.ports;
  if (Array.isArray(ports) && ports.length > 0) return undefined; // a server the tests reach, whatever else it runs
  for (const key of ['entrypoint', 'command'] as const) {
    for (const argv of composeCommands(s.effective[key])) {
      const runner = testRunnerOf(argv);
      if (runner) return { reason: `its ${key} runs the test runner ${runner} and it publishes no ports`, evidence: [at] };
    }
  }
  return undefined;
}
