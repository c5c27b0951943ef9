// Evidence of use: what the repository's scripts, Makefiles, CI workflows,
// README code blocks, `.env` and bake files say about how its containers are
// built and run. Plain data, read once at load; every item keeps the file and
// line it came from so `--explain` and findings can show it.

/** Where evidence was read from. */
export type EvidenceSource =
  | 'shell'
  | 'makefile'
  | 'justfile'
  | 'taskfile'
  | 'package.json'
  | 'github-workflow'
  | 'gitlab-ci'
  | 'woodpecker-ci'
  | 'drone-ci'
  | 'maven'
  | 'readme'
  | 'dotenv'
  | 'bake'
  | 'goreleaser'
  | 'devcontainer'
  | 'compose'
  | 'dockerfile'
  | 'structure';

/** One place in the repository that says something: a command, a setting, a compose key. */
export interface Evidence {
  /** Absolute path of the file. */
  file: string;
  /** Path relative to the working directory, POSIX separators. */
  rel: string;
  /** 1-based line. */
  line: number;
  source: EvidenceSource;
  /** The command or setting as written, on one line (shortened when long). */
  text: string;
}

/** `docker compose -f a -f b …`, `COMPOSE_FILE=a:b`, `docker stack deploy -c a -c b`. */
export interface ComposeUse {
  /** Absolute paths of the files in the order given; later ones override earlier ones. */
  files: string[];
  /** Files named as written that could not be found (a variable in the name, a file outside the paths given). */
  unresolved: string[];
  projectName?: string;
  profiles: string[];
  /** `--env-file` paths (absolute), which replace `.env` for interpolation; empty when one named could not be found. */
  envFiles?: string[];
  /** `docker stack deploy -c`: swarm deploys the files as a stack (it reads them, it does not run compose). */
  stack?: boolean;
  at: Evidence;
}

/** A build of an image from a Dockerfile in the repository. */
export interface BuildUse {
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Absolute path of the build context. */
  context: string;
  /** The stage built (`--target`, `build.target`, bake `target`); undefined: the last stage. */
  target?: string;
  /**
   * Named build contexts (`--build-context name=path`, bake `contexts`): a local folder as an absolute path, anything
   * else (`docker-image://…`, `target:…`, a URL) as written. `COPY --from=name` copies from that folder.
   */
  namedContexts?: Record<string, string>;
  /** Tags as written (`org/app:${VERSION}`); variables the file defines are expanded. */
  tags: string[];
  /** The build pushes its result (`--push`, `push: true`, kaniko, `docker push` of one of its tags). */
  push: boolean;
  /** The result is exported as files (`--output type=local`), not run as an image. */
  exportsFiles: boolean;
  /** How: `docker build`, `docker buildx build`, `bake`, `docker/build-push-action`, `kaniko`. */
  via: string;
  /**
   * Build arguments it sets (`--build-arg NAME=value`, build-push-action `build-args`, bake `args`), as
   * written; undefined for one whose value is not known here (`--build-arg NAME` takes it from the environment).
   */
  args?: Record<string, string | undefined>;
  /**
   * Read from a local composite action or reusable workflow with its caller's `with:` values (`.github/workflows/ci.yml:12`,
   * the caller): the same step is read once more for each caller, and on its own, so copies of one build are dropped.
   */
  calledFrom?: string;
  at: Evidence;
}

/**
 * A tag something pushes (`docker push`), runs (`docker run`), or runs a CI job in (`ci-job`: a GitHub Actions
 * job's `container:`, whose steps the runner execs in it as the image's user: a toolchain, not a service).
 */
export interface ImageUse {
  image: string;
  kind: 'push' | 'run' | 'ci-job';
  /** `run`: the `-p`/`--publish` values as written (`8000:80`, `127.0.0.1:80:80/tcp`). */
  publish?: string[];
  /** `run`: a `--rm` run that bind-mounts the checkout: that mount as written (`$(PWD):/workspace`). */
  overCheckout?: string;
  /** `run`: the command it gives the image, where that runs the project's tests (`mvn clean test`). */
  testRun?: string;
  /** `run`: every `-v`/`--volume` value as written (`$(HOME)/.app:/root/.app`), and `--mount` values as `--mount=type=bind,...`. */
  mounts?: string[];
  /** `run`: `-u`/`--user` as written. */
  user?: string;
  /** `run`: each `--group-add` as written. */
  groupAdd?: string[];
  at: Evidence;
}

/**
 * `docker tag SRC DST`: DST names the image SRC names. Also a manifest list or
 * registry copy made of SRC (`docker manifest create DST SRC...`, `docker buildx
 * imagetools create -t DST SRC...`): DST runs SRC's image (`via` says which).
 */
export interface TagAlias {
  source: string;
  target: string;
  /** The command when it is not `docker tag`. */
  via?: string;
  at: Evidence;
}

/** A dev container definition (`devcontainer.json`): its Dockerfile or compose files are development environments. */
export interface DevcontainerUse {
  dockerfile?: string;
  composeFiles: string[];
  service?: string;
  at: Evidence;
}

export interface RepoEvidence {
  composeUses: ComposeUse[];
  builds: BuildUse[];
  imageUses: ImageUse[];
  tagAliases: TagAlias[];
  devcontainers: DevcontainerUse[];
  /**
   * Lines of scripts that write a Docker Official Images library manifest
   * (`GitRepo:`, the format of docker-library/official-images `library/*`,
   * printed by `generate-stackbrew-library.sh`): the repository publishes its
   * images for others to build FROM.
   */
  imageLibrary: Evidence[];
  /**
   * Files a script of the repository writes from a template of the repository
   * (`envsubst < docker-compose.yml.tmpl > docker-compose.yml`, `sed … a.tmpl >
   * a`, `j2 a.j2 > a`): both paths resolve to files here, so the render runs on
   * the host. A render into a container path (`> /etc/nginx/conf.d/x.conf`)
   * names no file here and is not one.
   */
  renders: RenderUse[];
  /** Every evidence file read (absolute paths), whether or not it said anything. */
  filesRead: string[];
  /**
   * CI jobs and steps whose `if:` is always false (`if: false`, `${{ false && … }}`): they never run, so what they build,
   * push or start is not evidence; kept to say so where a Dockerfile's role would have depended on them.
   */
  neverRun: NeverRunUse[];
  /** A Dockerfile of the repository given to an action of another repository under its own input names: what it builds is not known. */
  unreadBuilds: UnreadBuildUse[];
  /**
   * Images the repository builds without a Dockerfile (Jib, Spring Boot's `build-image` buildpacks, fabric8's assembly
   * builds): no Dockerfile here to harden; the image name when the build names one.
   */
  dockerlessImages: DockerlessImageUse[];
  /** `docker compose up` (or `run`, `start`, `build`, `pull`, `create`) with no `-f`: the default files of the folder it runs in. */
  defaultComposeRuns: DefaultComposeRun[];
  /**
   * The GitHub repository (owner, and name when known) the workflows of a checkout run in, lower-cased: from its Git
   * remote, else from the workflow's own `github.repository == 'owner/name'` comparison. Names a placeholder owner
   * (`${{ secrets.DOCKERHUB_USERNAME }}/app`) matches in the images the repository runs (src/images.ts).
   */
  ciRepositories: CiRepository[];
  /**
   * `docker buildx bake -f path/to/docker-bake.hcl` (and docker/bake-action's `files`): the folder it runs in, which
   * the bake file's relative contexts resolve against (not the file's own folder: docker/buildx#1028).
   */
  bakeRuns: BakeRun[];
  /** docker/bake-action runs given docker/metadata-action's bake file beside this repository's (sources.ts applyBakeMetadata). */
  bakeMetadata: BakeMetadata[];
}

export interface BakeRun {
  /** Absolute paths of the bake files named with -f. */
  files: string[];
  /** Absolute path of the folder the command runs in. */
  dir: string;
  /** `--set PATTERN.context=VALUE`, the value as written (relative to `dir`). */
  contextSets: { pattern: string; value: string }[];
  at: Evidence;
}

export interface BakeMetadata {
  /** Absolute paths of this repository's bake files the run names with it. */
  files: string[];
  /** The target of the metadata bake file that holds the tags (`docker-metadata-action`, or the step's `bake-target`). */
  bakeTarget: string;
  /** The tags the metadata step makes (patterns, as evidence/metadata-action.ts gives them). */
  tags: string[];
  at: Evidence;
}

export interface CiRepository {
  /** Absolute path of the checkout whose `.github/` the workflow is in. */
  root: string;
  owner: string;
  name?: string;
  /** `git remote`, or the workflow that names it. */
  from: string;
}

export interface DefaultComposeRun {
  /** Absolute path of the folder the command runs in. */
  dir: string;
  at: Evidence;
}

export interface DockerlessImageUse {
  image?: string;
  /** `jib-maven-plugin`. */
  tool: string;
  at: Evidence;
}

export interface UnreadBuildUse {
  /** `makeplane/actions/build-push@v1.4.0`. */
  action: string;
  /** The input that names the Dockerfile (`dockerfile-path`). */
  input: string;
  dockerfile: string;
  at: Evidence;
}

/** A CI job or step that never runs, and what it would have built. */
export interface NeverRunUse {
  /** `job docker` or `step "Build image"`, with the condition as written. */
  what: string;
  condition: string;
  /**
   * Which key says so: GitHub's `if:` (always false), or GitLab's `rules:` (no rule adds the job: each is `when: never`, up
   * to one without a condition).
   */
  key?: 'if' | 'rules';
  /** The `if:` (or `rules:`) line. */
  at: Evidence;
  builds: BuildUse[];
}

/** A file rendered from a template by a command of the repository. */
export interface RenderUse {
  /** Absolute path of the file written. */
  output: string;
  /** Absolute path of the template read. */
  template: string;
  /** The renderer (`envsubst`, `sed`, `j2`…). */
  tool: string;
  at: Evidence;
}

export function emptyEvidence(): RepoEvidence {
  return { composeUses: [], builds: [], imageUses: [], tagAliases: [], devcontainers: [], imageLibrary: [], renders: [], filesRead: [], neverRun: [], unreadBuilds: [], dockerlessImages: [], defaultComposeRuns: [], ciRepositories: [], bakeRuns: [], bakeMetadata: [] };
}
