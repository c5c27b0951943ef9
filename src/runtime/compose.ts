// The Compose CLI the user has: `docker compose` (v2, the CLI plugin) when it
// answers, else a standalone `docker-compose` (v1 1.29, or a v2 binary under
// that name). We never reimplement compose: config, build, up and down are
// its own commands; the differences between versions that matter here are
// handled in this file only.
import { execCapture, RuntimeError, type ExecResult, type Executor } from './exec.js';
import { shellQuote } from '../text.js';

export interface ComposeCli {
  /** The command and its leading arguments: ['docker', 'compose'] or ['docker-compose']. */
  argv: string[];
  version: string;
  /** 1 for docker-compose 1.x (Python), 2 for the Go implementation. */
  major: 1 | 2;
}

/** Find the Compose CLI: the v2 plugin first, then `docker-compose`. */
export async function detectCompose(dockerBin: string, env: NodeJS.ProcessEnv, exec: Executor = execCapture): Promise<ComposeCli> {
  const candidates: string[][] = [[dockerBin, 'compose'], ['docker-compose']];
  for (const argv of candidates) {
    let r: ExecResult;
    try {
      r = await exec(argv[0]!, [...argv.slice(1), 'version', '--short'], { env, timeoutMs: 30_000 });
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'missing-docker') continue;
      throw err;
    }
    const version = r.stdout.trim().replace(/^v/, '');
    if (r.code === 0 && /^\d+\./.test(version)) {
      return { argv, version, major: version.startsWith('1.') ? 1 : 2 };
    }
  }
  throw new RuntimeError(
    "verify needs Docker Compose and found neither 'docker compose' (v2) nor 'docker-compose'. " +
      "Install the Compose plugin (Docker's apt repository: apt-get install docker-compose-plugin; https://docs.docker.com/compose/install/) " +
      'or Debian\'s docker-compose package (apt-get install docker-compose).',
    'missing-compose',
  );
}

/** Variables that would make compose read other files or another project than the ones we name. */
const OVERRIDDEN_ENV = ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PATH_SEPARATOR'];

/** One compose project we run: fixed project name, files and working directory. */
export class ComposeProject {
  readonly env: NodeJS.ProcessEnv;
  private readonly envFileArgs: string[];

  constructor(
    readonly cli: ComposeCli,
    env: NodeJS.ProcessEnv,
    readonly name: string,
    readonly files: string[],
    readonly cwd: string,
    private readonly exec: Executor = execCapture,
    /** Profiles to enable (COMPOSE_PROFILES, which v1 1.28+ and v2 read); none: the user's own setting. */
    profiles: string[] = [],
    /**
     * `--env-file`s to read instead of the folder's `.env`, in order (later
     * files win). v1 takes one `--env-file` only: give it one file.
     */
    envFiles: string[] = [],
  ) {
    if (cli.major === 1 && envFiles.length > 1) throw new Error('docker-compose v1 reads one --env-file: join them first');
    this.envFileArgs = envFiles.flatMap((f) => ['--env-file', f]);
    const e: NodeJS.ProcessEnv = { ...env, BUILDKIT_PROGRESS: 'plain' };
    for (const k of OVERRIDDEN_ENV) delete e[k];
    if (profiles.length) e.COMPOSE_PROFILES = profiles.join(',');
    this.env = e;
  }

  private run(args: string[], timeoutMs?: number): Promise<ExecResult> {
    const [cmd, ...lead] = this.cli.argv;
    const fileArgs = this.files.flatMap((f) => ['-f', f]);
    return this.exec(cmd!, [...lead, ...this.envFileArgs, '-p', this.name, ...fileArgs, ...args], { cwd: this.cwd, env: this.env, timeoutMs });
  }

  /** The project as compose resolves it: files merged, `.env` and env_files read, variables interpolated, paths absolute. */
  config(timeoutMs = 60_000): Promise<ExecResult> {
    return this.run(['config'], timeoutMs);
  }

  build(services: string[], timeoutMs?: number): Promise<ExecResult> {
    // docker-compose 1.x builds with the classic builder and leaves the container of a failed
    // RUN step behind (seen on Docker 20.10: an exited container per failed build, no project
    // label, so `down` never sees it); --force-rm removes it. v2 is left as it is: it builds
    // through BuildKit, which makes no such containers, and no v2 was at hand to check that
    // every release still takes the flag (an unknown flag would fail every build).
    return this.run(['build', ...(this.cli.major === 1 ? ['--force-rm'] : []), ...services], timeoutMs);
  }

  /** Start the given services detached, never building or pulling what `build` did not provide. */
  up(services: string[], timeoutMs?: number): Promise<ExecResult> {
    return this.run(['up', '-d', '--no-build', ...services], timeoutMs);
  }

  /** Remove the project's containers, networks and volumes (named and anonymous), orphans included. */
  down(timeoutMs = 120_000): Promise<ExecResult> {
    // These containers are throwaway: one second to stop, then they are killed.
    return this.run(['down', '-v', '--remove-orphans', '-t', '1'], timeoutMs);
  }

  /** The command a person runs to remove what `--keep` left. */
  downCommand(): string {
    return [...this.cli.argv, ...this.envFileArgs, '-p', this.name, ...this.files.flatMap((f) => ['-f', f]), 'down', '-v', '--remove-orphans', '-t', '1'].map(shellQuote).join(' ');
  }
}
