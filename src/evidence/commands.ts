// What a command line says about the repository's containers: which compose
// files it combines (`docker compose -f a -f b`), which image it builds from
// which Dockerfile and target (`docker build -t TAG -f FILE --target S CTX`,
// buildx, bake, kaniko), which tags it pushes or runs. Paths and tags stay as
// written; the caller resolves paths against the directory the command runs in.
import type { ShellWord } from './shell.js';

export type Invocation =
  | ComposeInvocation
  | BuildInvocation
  | BakeInvocation
  | { kind: 'push'; image: string }
  | { kind: 'run'; image: string; publish?: string[]; overCheckout?: string; testRun?: string; mounts?: string[]; user?: string; groupAdd?: string[] }
  | { kind: 'tag'; source: string; target: string }
  | RetagInvocation
  | { kind: 'cd'; dir: string; push?: boolean }
  | { kind: 'popd' };

/**
 * A new name for images already made, without a build: `docker manifest create
 * NEW SRC...` (a manifest list of per-platform images) and `docker buildx
 * imagetools create -t NEW... SRC...` (a copy or merge in the registry). Each
 * target runs what its sources run.
 */
export interface RetagInvocation {
  kind: 'retag';
  sources: string[];
  targets: string[];
  via: string;
}

export interface ComposeInvocation {
  kind: 'compose';
  /** `-f` files in order (later ones override earlier ones); empty when none is named. */
  files: string[];
  projectName?: string;
  profiles: string[];
  projectDirectory?: string;
  /** `--env-file` values in order (they replace the project's `.env` for interpolation). */
  envFiles?: string[];
  /** The compose subcommand (`up`, `build`, `config`…), if any. */
  subcommand?: string;
  /** `docker stack deploy -c`: the files are swarm stack files, combined like `-f`. */
  stack?: boolean;
}

export interface BuildInvocation {
  kind: 'build';
  tool: string;
  tags: string[];
  /** `-f`: the Dockerfile, relative to the working directory (undefined: `<context>/Dockerfile`). */
  file?: string;
  target?: string;
  /** The build context as written (a folder, `-`, or a URL). */
  context?: string;
  /** `--push`, `--output type=registry`, kaniko `--destination`. */
  push: boolean;
  /** `--output type=local|tar` / `-o dir`: the result is files, not an image (a packaging build). */
  exportsFiles: boolean;
  /** `--build-arg NAME=value`; `--build-arg NAME` (the value from the environment) as undefined. */
  args?: Record<string, string | undefined>;
  /** `--build-context NAME=VALUE` (buildx): a folder, `docker-image://…`, `target:…` or a URL, as written. */
  namedContexts?: Record<string, string>;
}

export interface BakeInvocation {
  kind: 'bake';
  files: string[];
  targets: string[];
  push: boolean;
  /** `--set PATTERN.context=VALUE` (`*.context=..`, `app.context=.`): the context of the targets the pattern names, as written. */
  contextSets?: { pattern: string; value: string }[];
}

const DOCKER_GLOBAL_VALUE = new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);
const COMPOSE_VALUE = new Set([
  '-f', '--file', '-p', '--project-name', '--profile', '--env-file', '--project-directory', '--ansi', '--parallel', '--progress',
  '--log-level', '-H', '--host', '-c', '--context',
]);
const BUILD_VALUE = new Set([
  '-t', '--tag', '-f', '--file', '--target', '--build-arg', '--platform', '--cache-from', '--cache-to', '--label', '--secret', '--ssh',
  '-o', '--output', '--progress', '--network', '--add-host', '--build-context', '--iidfile', '--metadata-file', '--builder',
  '--shm-size', '--ulimit', '--attest', '--annotation', '--allow', '--cgroup-parent', '--isolation', '-m', '--memory', '--memory-swap',
  '--cpu-shares', '--cpu-period', '--cpu-quota', '--cpuset-cpus', '--cpuset-mems', '--security-opt', '--call', '--no-cache-filter',
  '--layers', '--format', '--jobs', '--os', '--arch', '--variant', '--authfile', '--creds', '--cert-dir', '--sign-by', '--squash-all',
]);
const BAKE_VALUE = new Set(['-f', '--file', '--set', '--progress', '--builder', '--metadata-file', '--allow', '--call', '--list']);
/** `docker run` flags that take no value (every other flag does). */
const RUN_BOOLEAN = new Set([
  '-d', '--detach', '-i', '--interactive', '-t', '--tty', '--rm', '--init', '--privileged', '-P', '--publish-all', '--read-only',
  '--no-healthcheck', '--oom-kill-disable', '-q', '--quiet', '--disable-content-trust',
]);
const PUSH_VALUE = new Set(['--platform']);
/** Words that run the rest of the line as a command. */
const WRAPPERS = new Set(['sudo', 'exec', 'command', 'nohup', 'time', 'env', 'xargs', 'watch']);
/** The programs whose commands are read here: a word naming one starts the command a runner runs. */
const CONTAINER_TOOLS = new Set(['docker', 'docker-compose', 'podman', 'podman-compose', 'nerdctl', 'buildah']);
/**
 * Programs that run a command given as their remaining arguments, after options of their own that
 * may take values (`timeout 600 docker build …`, `cross-env VERSION=1 docker build …`, `dotenv -e
 * .env.ci -- docker compose …`, `env-cmd -f .env docker compose …`): the command is where the first
 * word naming a container tool stands.
 */
const COMMAND_RUNNERS = new Set(['timeout', 'nice', 'ionice', 'stdbuf', 'unbuffer', 'flock', 'cross-env', 'dotenv', 'env-cmd']);
/**
 * Interpreters that run a script of the repository; a script given a container command after its own
 * path is a wrapper that runs that command (dockge's `node ./extra/env2arg.js docker buildx build …`,
 * which fills `$VAR`s in from the environment and spawns the rest).
 */
const SCRIPT_RUNNERS = new Set(['node', 'tsx', 'ts-node', 'bun', 'deno', 'python', 'python3', 'sh', 'bash']);

/** The invocation a command's words make, or undefined for anything else. */
export function recognize(words: ShellWord[]): Invocation | undefined {
  const argv = stripWrappers(words.map((w) => w.text));
  if (argv.length === 0) return undefined;
  const tool = argv[0]!.replace(/^.*\//, '');
  if (tool === 'cd' && argv[1] !== undefined) return { kind: 'cd', dir: argv[1] };
  // `pushd DIR` … `popd`: a cd undone later (`pushd docker/images; docker build -f Dockerfile.web .; popd`).
  if (tool === 'pushd' && argv[1] !== undefined && !argv[1].startsWith('-') && !/^[+-]\d+$/.test(argv[1])) return { kind: 'cd', dir: argv[1], push: true };
  if (tool === 'popd') return { kind: 'popd' };
  if (tool === 'docker-compose' || tool === 'podman-compose') return composeArgs(argv.slice(1));
  if (tool === 'executor' || argv[0] === '/kaniko/executor') return kaniko(argv.slice(1));
  if (tool === 'buildah' && (argv[1] === 'bud' || argv[1] === 'build')) return buildArgs('buildah', argv.slice(2));
  if (tool !== 'docker' && tool !== 'podman' && tool !== 'nerdctl') return undefined;
  let k = 1;
  while (k < argv.length && argv[k]!.startsWith('-')) k += DOCKER_GLOBAL_VALUE.has(argv[k]!) ? 2 : 1;
  const sub = argv[k];
  const rest = argv.slice(k + 1);
  switch (sub) {
    case 'compose':
      return composeArgs(rest);
    case 'build':
      return buildArgs(`${tool} build`, rest);
    case 'buildx':
    case 'image':
    case 'builder':
      if (rest[0] === 'build') return buildArgs(`${tool} ${sub} build`, rest.slice(1));
      if (sub === 'buildx' && rest[0] === 'bake') return bakeArgs(rest.slice(1));
      if (sub === 'buildx' && rest[0] === 'imagetools' && rest[1] === 'create') return imagetoolsCreate(rest.slice(2));
      if (sub === 'image' && rest[0] === 'push') return firstPositional(rest.slice(1), PUSH_VALUE, 'push');
      if (sub === 'image' && rest[0] === 'tag') return tagArgs(rest.slice(1));
      return undefined;
    case 'bake':
      return bakeArgs(rest);
    case 'push':
      return firstPositional(rest, PUSH_VALUE, 'push');
    case 'tag':
      return tagArgs(rest);
    case 'manifest':
      return rest[0] === 'create' ? manifestCreate(rest.slice(1)) : undefined;
    case 'imagetools':
      // `docker imagetools` is how buildx installs itself as an alias of `docker buildx imagetools`.
      return rest[0] === 'create' ? imagetoolsCreate(rest.slice(1)) : undefined;
    case 'run':
    case 'create':
      return runArgs(rest);
    case 'container':
      return rest[0] === 'run' || rest[0] === 'create' ? runArgs(rest.slice(1)) : undefined;
    case 'stack':
      return rest[0] === 'deploy' || rest[0] === 'up' ? stackArgs(rest.slice(1)) : undefined;
    default:
      return undefined;
  }
}

function stripWrappers(argv: string[]): string[] {
  let k = 0;
  while (k < argv.length) {
    const w = argv[k]!;
    if (WRAPPERS.has(w)) {
      k++;
      // Their own options (`sudo -E -u app`, `env -i`) and `env`'s NAME=value words.
      while (k < argv.length && (argv[k]!.startsWith('-') || (w === 'env' && /^[A-Za-z_]\w*=/.test(argv[k]!)))) {
        k += w === 'sudo' && (argv[k] === '-u' || argv[k] === '-g') ? 2 : 1;
      }
      continue;
    }
    const runner = argv[k]!.replace(/^.*\//, '');
    if (COMMAND_RUNNERS.has(runner)) {
      const inner = argv.findIndex((a, i) => i > k && CONTAINER_TOOLS.has(a.replace(/^.*\//, '')));
      if (inner > k) {
        k = inner;
        continue;
      }
    }
    // `node ./wrapper.js docker build …`: a script path, then the command it runs.
    const script = argv[k + 1];
    if (SCRIPT_RUNNERS.has(runner) && script !== undefined && !script.startsWith('-') && CONTAINER_TOOLS.has((argv[k + 2] ?? '').replace(/^.*\//, ''))) {
      k += 2;
      continue;
    }
    break;
  }
  return argv.slice(k);
}

/** Split `--opt=value` and glued short options (`-fx.yml`) into flag and value. */
function option(word: string, valued: Set<string>): { flag: string; value?: string } {
  const eq = word.indexOf('=');
  if (word.startsWith('--') && eq > 0) return { flag: word.slice(0, eq), value: word.slice(eq + 1) };
  if (!word.startsWith('--') && word.length > 2 && valued.has(word.slice(0, 2))) return { flag: word.slice(0, 2), value: word.slice(2) };
  return { flag: word };
}

function composeArgs(args: string[]): ComposeInvocation {
  const inv: ComposeInvocation = { kind: 'compose', files: [], profiles: [] };
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (!a.startsWith('-') || a === '-') {
      inv.subcommand = a;
      break; // options after the subcommand are its own
    }
    const { flag, value: glued } = option(a, COMPOSE_VALUE);
    const value = glued ?? (COMPOSE_VALUE.has(flag) ? args[++k] : undefined);
    if (value === undefined) continue;
    if (flag === '-f' || flag === '--file') inv.files.push(value);
    else if (flag === '-p' || flag === '--project-name') inv.projectName = value;
    else if (flag === '--profile') inv.profiles.push(value);
    else if (flag === '--project-directory') inv.projectDirectory = value;
    else if (flag === '--env-file') (inv.envFiles ??= []).push(value);
  }
  return inv;
}

function stackArgs(args: string[]): ComposeInvocation {
  const inv: ComposeInvocation = { kind: 'compose', files: [], profiles: [], stack: true, subcommand: 'deploy' };
  for (let k = 0; k < args.length; k++) {
    const { flag, value: glued } = option(args[k]!, new Set(['-c']));
    if (flag === '-c' || flag === '--compose-file') {
      const value = glued ?? args[++k];
      if (value !== undefined) inv.files.push(value);
    } else if (!flag.startsWith('-')) {
      inv.projectName = flag;
    } else if (['--resolve-image', '--orchestrator', '--namespace', '--kubeconfig'].includes(flag) && glued === undefined) {
      k++;
    }
  }
  return inv;
}

function buildArgs(tool: string, args: string[]): BuildInvocation {
  const inv: BuildInvocation = { kind: 'build', tool, tags: [], push: false, exportsFiles: false };
  const positional: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    if (a === '--') {
      positional.push(...args.slice(k + 1));
      break;
    }
    const { flag, value: glued } = option(a, BUILD_VALUE);
    if (flag === '--push') {
      inv.push = glued === undefined || glued !== 'false';
      continue;
    }
    const value = glued ?? (BUILD_VALUE.has(flag) ? args[++k] : undefined);
    if (value === undefined) continue;
    if (flag === '-t' || flag === '--tag') inv.tags.push(value);
    else if (flag === '--build-arg') {
      const eq = value.indexOf('=');
      (inv.args ??= {})[eq < 0 ? value : value.slice(0, eq)] = eq < 0 ? undefined : value.slice(eq + 1);
    } else if (flag === '-f' || flag === '--file') inv.file = value;
    else if (flag === '--build-context' && value.indexOf('=') > 0) (inv.namedContexts ??= {})[value.slice(0, value.indexOf('='))] = value.slice(value.indexOf('=') + 1);
    else if (flag === '--target') inv.target = value;
    else if (flag === '-o' || flag === '--output') {
      if (/(^|,)type=registry|(^|,)push=true/.test(value)) inv.push = true;
      else if (!/(^|,)type=(docker|image|oci)/.test(value) || /(^|,)dest=/.test(value)) inv.exportsFiles = true;
    }
  }
  inv.context = positional[positional.length - 1];
  return inv;
}

function bakeArgs(args: string[]): BakeInvocation {
  const inv: BakeInvocation = { kind: 'bake', files: [], targets: [], push: false };
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (!a.startsWith('-')) {
      inv.targets.push(a);
      continue;
    }
    const { flag, value: glued } = option(a, BAKE_VALUE);
    if (flag === '--push') {
      inv.push = true;
      continue;
    }
    const value = glued ?? (BAKE_VALUE.has(flag) ? args[++k] : undefined);
    if (value === undefined) continue;
    if (flag === '-f' || flag === '--file') inv.files.push(value);
    else if (flag === '--set' && /\.output=type=registry|\.push=true/.test(value)) inv.push = true;
    else if (flag === '--set' && /^[^=]+\.context=/.test(value)) {
      const eq = value.indexOf('=');
      (inv.contextSets ??= []).push({ pattern: value.slice(0, eq - '.context'.length), value: value.slice(eq + 1) });
    }
  }
  return inv;
}

/**
 * A bind mount source that is the checkout the command runs in: `$PWD`, `${PWD}`, `$(pwd)`, `` `pwd` ``, Make's `$(PWD)`
 * and `$(CURDIR)`, `.`, `./sub`, a CI workspace (`$GITHUB_WORKSPACE`, `${{ github.workspace }}`, `$CI_PROJECT_DIR`).
 */
const CHECKOUT_SOURCE = /^(\$PWD|\$\{PWD\}|\$\((?:pwd|PWD|CURDIR|shell pwd)\)|`pwd`|\.|\$GITHUB_WORKSPACE|\$\{GITHUB_WORKSPACE\}|\$\{\{\s*github\.workspace\s*\}\}|\$CI_PROJECT_DIR|\$\{CI_PROJECT_DIR\})(\/.*)?$/;

/** The source of a `-v SRC:DST[:opts]` or `--mount type=bind,source=SRC,...` value, quotes removed. */
function mountSource(flag: string, spec: string): string | undefined {
  const unquoted = spec.replace(/^["']|["']$/g, '');
  if (flag === '--mount') return /(?:^|,)(?:source|src)=([^,]+)/.exec(unquoted)?.[1];
  const colon = unquoted.indexOf(':');
  return colon > 0 ? unquoted.slice(0, colon) : undefined;
}

/** Build tools and the words that make them run the project's tests (`mvn clean test`, `./gradlew check`, `npm run test:unit`). */
const TEST_GOALS: Record<string, RegExp> = {
  mvn: /^(test|verify|integration-test)$/,
  mvnw: /^(test|verify|integration-test)$/,
  gradle: /^(test|check|integrationTest)$/,
  gradlew: /^(test|check|integrationTest)$/,
  npm: /^(test|t)$/,
  yarn: /^test$/,
  pnpm: /^test$/,
  go: /^test$/,
  cargo: /^test$/,
  make: /^(test|check|tests)$/,
  dotnet: /^test$/,
};
/** Test runners that only run tests. */
const TEST_RUNNERS = new Set(['pytest', 'py.test', 'tox', 'nox', 'rspec', 'phpunit', 'jest', 'vitest', 'mocha']);

/**
 * The command a `docker run` gives its image, when it runs the project's tests and nothing else starts first:
 * `mvn clean test --quiet` (languagetool's CI runs its `--target build` image that way, rw-history4), `go test ./...`,
 * `npm run test`, `sh -c "pytest -q"`. Such a run ends when the tests do: the image is a test image, not a service.
 */
function testRunCommand(words: string[]): string | undefined {
  let w = words.map((x) => x.replace(/^["']|["']$/g, ''));
  if (w.length >= 3 && /^(sh|bash|\/bin\/sh|\/bin\/bash)$/.test(w[0]!) && w[1] === '-c') w = w[2]!.split(/\s*(?:&&|;|\|\|)\s*/)[0]!.trim().split(/\s+/);
  if (w[0] === 'python' || w[0] === 'python3') w = w[1] === '-m' ? w.slice(2) : [];
  if (w[0] === 'bundle' && w[1] === 'exec') w = w.slice(2);
  const tool = (w[0] ?? '').replace(/^.*\//, '');
  if (!tool) return undefined;
  const args = w.slice(1).filter((x) => !x.startsWith('-'));
  const goal = TEST_GOALS[tool];
  // A script named for the tests (photoview's CI runs `/app/scripts/test_all.sh` in its `--target api` image; `run-tests.sh`, `test.sh`).
  const testScript = /\.sh$/.test(tool) && /^(run[-_])?tests?([-_.][^/]*)?\.sh$/.test(tool);
  // `npm run lint:ci` ends like the tests and writes its report the same way (photoview's `--target ui` in CI).
  const npmScript = (tool === 'npm' || tool === 'yarn' || tool === 'pnpm') && args[0] === 'run' && /^(test|lint)(:|$)/.test(args[1] ?? '');
  const runsTests = TEST_RUNNERS.has(tool) || testScript || (tool === 'rake' && args.includes('test')) || (goal && (args.some((x) => goal.test(x)) || npmScript));
  return runsTests ? words.join(' ') : undefined;
}

/**
 * `docker run`/`create`: the image, the ports it publishes (`-p 8000:80`, `--publish=80:80/tcp`, `-p80:80`) as
 * written, and, for a `--rm` run that bind-mounts the checkout, that mount (`-v $(PWD):/workspace`): a tool run
 * over the source tree once (a packager, a code generator), which roles.ts tells from a service.
 */
function runArgs(args: string[]): Invocation | undefined {
  const publish: string[] = [];
  const mounts: string[] = [];
  const groupAdd: string[] = [];
  let user: string | undefined;
  let removed = false;
  let checkout: string | undefined;
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (!a.startsWith('-')) {
      const tests = testRunCommand(args.slice(k + 1));
      return {
        kind: 'run',
        image: a,
        ...(publish.length ? { publish } : {}),
        ...(removed && checkout ? { overCheckout: checkout } : {}),
        ...(tests ? { testRun: tests } : {}),
        ...(mounts.length ? { mounts } : {}),
        ...(user !== undefined ? { user } : {}),
        ...(groupAdd.length ? { groupAdd } : {}),
      };
    }
    const { flag, value } = option(a, new Set(['-p', '-v', '-u']));
    // `-u`/`--user` and `--group-add`: who the container runs as, which decides whether it reaches a mounted socket.
    if (flag === '-u' || flag === '--user' || flag === '--group-add') {
      const v = value ?? args[++k];
      if (v !== undefined && flag === '--group-add') groupAdd.push(v);
      else if (v !== undefined) user = v;
      continue;
    }
    if (flag === '-p' || flag === '--publish') {
      const spec = value ?? args[++k];
      if (spec !== undefined) publish.push(spec);
      continue;
    }
    if (flag === '--rm') removed = true;
    if (flag === '-v' || flag === '--volume' || flag === '--mount') {
      const spec = value ?? args[++k];
      if (spec !== undefined) mounts.push(flag === '--mount' ? `--mount=${spec}` : spec);
      const source = spec === undefined ? undefined : mountSource(flag, spec);
      if (source !== undefined && CHECKOUT_SOURCE.test(source)) checkout ??= spec!;
      continue;
    }
    if (a.includes('=') || RUN_BOOLEAN.has(a)) continue;
    // `-it`, `-dit`: clustered boolean short flags.
    if (/^-[a-zA-Z]{2,}$/.test(a) && [...a.slice(1)].every((c) => RUN_BOOLEAN.has(`-${c}`))) continue;
    k++; // a flag with a value
  }
  return undefined;
}

function firstPositional(args: string[], valued: Set<string>, kind: 'push'): Invocation | undefined {
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (!a.startsWith('-')) return { kind, image: a };
    if (valued.has(a)) k++;
  }
  return undefined;
}

function tagArgs(args: string[]): Invocation | undefined {
  const pos = args.filter((a) => !a.startsWith('-'));
  return pos.length >= 2 ? { kind: 'tag', source: pos[0]!, target: pos[1]! } : undefined;
}

/** `docker manifest create [-a|--amend] [--insecure] LIST SRC...` (docker/cli cli/command/manifest/create_list.go). */
function manifestCreate(args: string[]): RetagInvocation | undefined {
  const pos = args.filter((a) => !a.startsWith('-'));
  return pos.length >= 2 ? { kind: 'retag', sources: pos.slice(1), targets: [pos[0]!], via: 'docker manifest create' } : undefined;
}

/**
 * `docker buildx imagetools create [-t TAG]... [-f FILE] [--annotation A] [--platform P] [--progress P] [--builder B] SRC...`
 * (docker/buildx commands/imagetools/create.go). Sources read from a file (`-f`) are not known here; with `--dry-run` nothing is named.
 */
const IMAGETOOLS_VALUE = new Set(['-t', '--tag', '-f', '--file', '--annotation', '--platform', '-p', '--progress', '--builder', '--prefer-index']);
function imagetoolsCreate(args: string[]): RetagInvocation | undefined {
  const targets: string[] = [];
  const sources: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (flag === '--dry-run') return undefined;
    if (IMAGETOOLS_VALUE.has(flag)) {
      const value = flag === a ? args[++k] : a.slice(eq + 1);
      if ((flag === '-t' || flag === '--tag') && value) targets.push(value);
      continue;
    }
    if (!a.startsWith('-')) sources.push(a);
  }
  return targets.length && sources.length ? { kind: 'retag', sources, targets, via: 'docker buildx imagetools create' } : undefined;
}

/** Kaniko's executor builds and pushes: `--context`, `--dockerfile`, `--destination`, `--target`. */
function kaniko(args: string[]): BuildInvocation {
  const inv: BuildInvocation = { kind: 'build', tool: 'kaniko', tags: [], push: true, exportsFiles: false };
  const valued = new Set(['--context', '-c', '--dockerfile', '-f', '--destination', '-d', '--target']);
  for (let k = 0; k < args.length; k++) {
    const { flag, value: glued } = option(args[k]!, valued);
    if (flag === '--no-push') inv.push = false;
    const value = glued ?? (valued.has(flag) ? args[++k] : undefined);
    if (value === undefined) continue;
    if (flag === '--context' || flag === '-c') inv.context = value.replace(/^dir:\/\//, '');
    else if (flag === '--dockerfile' || flag === '-f') inv.file = value;
    else if (flag === '--destination' || flag === '-d') inv.tags.push(value);
    else if (flag === '--target') inv.target = value;
  }
  return inv;
}
