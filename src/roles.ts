// What each Dockerfile and stage is for, so only images that run as services
// get a USER:
//  - runtime: a compose service builds or runs it, or a CI step pushes or
//    runs it; when nothing builds it, a last stage with CMD or ENTRYPOINT (or
//    on a server image whose own command it keeps);
//  - base: another Dockerfile builds FROM its tag (its children are hardened
//    instead: a non-root USER here would break their RUN apt-get);
//  - builder: a stage other stages copy from, or an image built for CI that
//    nothing pushes or runs and that sets no command;
//  - test, packaging, devcontainer: by use, else by where it sits.
// A Dockerfile a compose service or a CI step builds is judged by that use,
// wherever it lives. Decided once at load, with the evidence for each role.
import path from 'node:path';
import type { DfInstruction, DfStage, ParsedDockerfile } from './parse/dockerfile.js';
import { effectiveInstructions, expandArgs } from './parse/dockerfile.js';
import { effectiveUser, finalStage, instructionPlace, resolveStageBase, stageByRef, type ParentLookup, type StageBase } from './dockerfile-info.js';
import type { BuildUse, Evidence, NeverRunUse, RepoEvidence, UnreadBuildUse } from './evidence/types.js';
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import { normalizeTag } from './images.js';
import { lineOfOffset } from './text.js';
import { isInside } from './read.js';

export const IMAGE_ROLES = ['runtime', 'base', 'builder', 'test', 'packaging', 'devcontainer'] as const;
export type ImageRole = (typeof IMAGE_ROLES)[number];
/** A stage may also be `unused`: not the last stage, not a target anything builds, not copied from. */
export type StageRole = ImageRole | 'unused';

/** One way the repository builds a Dockerfile. */
export interface DockerfileBuild {
  /** `compose service api`, `docker build`, `docker/build-push-action`, `bake target app`, `image: org/app (compose service web)`. */
  via: string;
  target?: string;
  tags: string[];
  /** What makes it a runtime build: compose runs it, or CI pushes or runs it. */
  runs?: 'compose' | 'push' | 'run';
  /** `--output type=local`: the build exports files. */
  exportsFiles: boolean;
  /** runs `run`: a `docker run` of one of its tags publishes a port (`-p 8080:80`): a server, whatever folder it sits in. */
  publishes?: boolean;
  /** runs `run`: every `docker run` of its tags is a `--rm` run that bind-mounts the checkout: the first such mount. */
  overCheckout?: string;
  /** runs `run`: every `docker run` of its tags runs the project's tests (`mvn clean test`): the first such command. */
  testRun?: string;
  /**
   * runs `run`: every `docker run` of its tags either runs the project's tests or lint, or is a `--rm` run over the
   * checkout, and at least one runs tests: the first test command (photoview's `--target ui`, tested and linted in CI
   * and run over the checkout from its README).
   */
  testOrCheckoutRun?: string;
  /** Set when a compose test harness service builds it (src/test-harness.ts): why that service is one. */
  harness?: string;
  /** A compose service's own `command:`: whether it only keeps the container alive (isKeepAlive); unset when it keeps the image's. */
  keepAlive?: boolean;
  /** A GitHub Actions job runs in one of its tags (`container:`): where. */
  ciJob?: Evidence;
  at: Evidence;
}

export interface StageUse {
  index: number;
  name?: string;
  role: StageRole;
  /** The stage becomes an image (a target something builds, or the last stage) rather than only feeding other stages. */
  image: boolean;
  reason: string;
  evidence: Evidence[];
  /** Transforms harden it: an image stage whose role the configuration's `roles` lists (default: runtime). */
  hardened: boolean;
  /** What to do by hand when it is left alone, where its role says more than the general advice (a base image). */
  manual?: string;
  /** A base image run or pushed as it is that already ends on a non-root USER: that user (nothing to do by hand). */
  runsAs?: string;
}

export interface DockerfileUse {
  file: string;
  rel: string;
  /** `runtime` when any stage is; else the role of its image stage. */
  role: ImageRole;
  reason: string;
  evidence: Evidence[];
  stages: StageUse[];
  builds: DockerfileBuild[];
}

const TEST_DIRS = new Set(['test', 'tests', 'e2e', 'testdata', 'fixtures', 'integration_test', 'integration_tests', 'integration-test', 'integration-tests', '__tests__']);
const PACKAGING_DIRS = new Set(['packaging', 'deb', 'debian', 'rpm', 'installer', 'installers', 'snap', 'flatpak', 'appimage', 'msi']);
const PACKAGING_NAME = /(^|[._-])(deb|rpm|pkg|package|packaging|installer)([._-]|$)/;
const CI_DIRS = new Set(['.github', '.gitlab', '.circleci', '.buildkite', 'ci', '.ci']);
/** Where an image library keeps Dockerfiles for users to copy and run (nextcloud/docker's `.examples/dockerfiles/`), not images it publishes. */
const EXAMPLE_DIRS = new Set(['example', 'examples', 'sample', 'samples', 'demo', 'demos', 'doc', 'docs']);
const TEST_STAGE = /^(test|tests|testing|unit-?tests?|integration(-?tests?)?|e2e|lint|check|ci)([-_].*)?$/;

export function roleEvidenceOfStage(df: DockerfileSource, stage: DfStage): Evidence {
  return { file: df.path, rel: df.rel, line: stage.from.line + 1, source: 'dockerfile', text: stage.from.raw.split(/\r?\n/)[0]!.trim() };
}

/**
 * Decide the role of every Dockerfile and stage of a linked project.
 * `hardened(file)` says which roles the configuration hardens for a file.
 */
export function assignRoles(project: Project, evidence: RepoEvidence, hardened: (file: string) => readonly ImageRole[], parents: ParentLookup): Map<string, DockerfileUse> {
  const usedTags = tagsPushedOrRun(evidence);
  const bakePushed = evidence.imageUses.filter((u) => u.kind === 'push' && u.image.startsWith('bake:')).map((u) => u.image.slice(5).split(','));
  const devcontainerFiles = new Set(evidence.devcontainers.map((d) => d.dockerfile).filter((f): f is string => !!f));

  // Children: stages whose FROM names a tag built from another stage, in another Dockerfile or in the same one
  // (`FROM org/app:base-slim AS base-full` beside the `base-slim` stage a script builds and pushes with that tag).
  const children = new Map<string, Evidence[]>();
  for (const df of project.dockerfiles) {
    for (const stage of df.parsed.stages) {
      const image = expandArgs(stage.image, df.parsed.globalArgs, {});
      if (!image || stageByRef(df.parsed, image, stage.index)) continue;
      const parent = parents(image);
      if (!parent || (parent.dockerfile.path === df.path && parent.stage.index === stage.index)) continue;
      const key = `${parent.dockerfile.path}#${parent.stage.index}`;
      children.set(key, [...(children.get(key) ?? []), roleEvidenceOfStage(df, stage)]);
    }
  }

  const buildsByFile = new Map<string, BuildUse[]>();
  for (const b of evidence.builds) buildsByFile.set(b.dockerfile, [...(buildsByFile.get(b.dockerfile) ?? []), b]);
  const out = new Map<string, DockerfileUse>();
  for (const df of project.dockerfiles) {
    const builds = buildsOf(df, project, buildsByFile.get(df.path) ?? [], evidence, usedTags, bakePushed);
    // The manifest speaks for the repository it sits in: the Dockerfiles under its script's folder (several repositories may be checked at once).
    const library = evidence.imageLibrary.find((e) => isInside(path.dirname(e.file), df.path));
    const never = evidence.neverRun.flatMap((n) => n.builds.filter((b) => b.dockerfile === df.path).map((b) => ({ use: n, target: b.target })));
    const unread = evidence.unreadBuilds.filter((u) => u.dockerfile === df.path);
    out.set(df.path, decide(df, project, builds, children, devcontainerFiles.has(df.path), hardened(df.path), parents, library, never, unread));
  }
  return out;
}

function buildsOf(df: DockerfileSource, project: Project, own: BuildUse[], evidence: RepoEvidence, usedTags: Set<string>, bakePushed: string[][]): DockerfileBuild[] {
  const builds: DockerfileBuild[] = [];
  for (const s of project.servicesByDockerfile.get(df.path) ?? []) {
    // A partial override runs as its base service, unless it builds another target than the base does (its own pair:
    // compose.yaml + compose.prod.yaml with `target: prod`): that pair runs that stage.
    if (s.base && (s.build?.target === undefined || s.build.target === s.base.build?.target)) continue;
    const harness = s.leftAlone?.role === 'test' ? s.leftAlone.reason : undefined;
    builds.push({
      via: `compose service ${s.base ? `${s.name} of ${s.compose.rel}` : s.name}${s.builtImage ? ` (image: ${s.image})` : ''}`,
      target: s.build?.target,
      tags: typeof s.effective.image === 'string' ? [s.effective.image] : [],
      // A harness runs the image to test it, not as a service: it makes no runtime image of its own.
      runs: harness ? undefined : 'compose',
      exportsFiles: false,
      ...(harness ? { harness } : {}),
      ...(s.effective.command !== undefined && s.effective.command !== null ? { keepAlive: isKeepAlive(s.effective.command) } : {}),
      at: serviceEvidence(s),
    });
  }
  for (const b of own) {
    const bakeName = /^bake target (.+)$/.exec(b.via)?.[1];
    const pushedByBake = bakeName !== undefined && bakePushed.some((names) => names.length === 0 || names.includes('default') || names.includes(bakeName));
    const runs = b.push || pushedByBake ? 'push' : b.tags.some((t) => usedTags.has(normalizeTag(t))) ? runKind(b.tags, evidence) : undefined;
    const publishes = runs === 'run' && runPublishes(b.tags, evidence);
    const norm = new Set(b.tags.map(normalizeTag));
    const ciJob = evidence.imageUses.find((u) => u.kind === 'ci-job' && norm.has(normalizeTag(u.image)))?.at;
    const runsOfTags = runs === 'run' ? evidence.imageUses.filter((u) => u.kind === 'run' && norm.has(normalizeTag(u.image))) : [];
    const overCheckout = runsOfTags.length && runsOfTags.every((u) => u.overCheckout) ? runsOfTags[0]!.overCheckout : undefined;
    const testRun = runsOfTags.length && runsOfTags.every((u) => u.testRun) ? runsOfTags[0]!.testRun : undefined;
    const firstTest = runsOfTags.find((u) => u.testRun)?.testRun;
    const testOrCheckoutRun = firstTest && runsOfTags.every((u) => u.testRun || u.overCheckout) ? firstTest : undefined;
    builds.push({ via: b.via, target: b.target, tags: b.tags, runs, exportsFiles: b.exportsFiles, ...(publishes ? { publishes } : {}), ...(overCheckout ? { overCheckout } : {}), ...(testRun ? { testRun } : {}), ...(testOrCheckoutRun ? { testOrCheckoutRun } : {}), ...(ciJob ? { ciJob } : {}), at: b.at });
  }
  return builds;
}

function runPublishes(tags: string[], evidence: RepoEvidence): boolean {
  const norm = new Set(tags.map(normalizeTag));
  return evidence.imageUses.some((u) => u.kind === 'run' && (u.publish?.length ?? 0) > 0 && norm.has(normalizeTag(u.image)));
}

function runKind(tags: string[], evidence: RepoEvidence): 'push' | 'run' {
  const norm = new Set(tags.map(normalizeTag));
  return evidence.imageUses.some((u) => u.kind === 'push' && norm.has(normalizeTag(u.image))) ? 'push' : 'run';
}

/** Tags something pushes or runs, with `docker tag` aliases followed back to the tag built. */
function tagsPushedOrRun(evidence: RepoEvidence): Set<string> {
  const used = new Set(evidence.imageUses.filter((u) => u.kind !== 'ci-job' && !u.image.startsWith('bake:')).map((u) => normalizeTag(u.image)));
  for (let round = 0; round < 3; round++) {
    for (const a of evidence.tagAliases) if (used.has(normalizeTag(a.target))) used.add(normalizeTag(a.source));
  }
  return used;
}

/** The line of a service's key, as evidence (`service web (target runtime)`). */
export function serviceEvidence(s: ServiceLink): Evidence {
  const line = lineOfOffset(s.compose, s.node.keyNode.range?.[0] ?? 0);
  const target = s.build?.target ? ` (target ${s.build.target})` : '';
  return { file: s.compose.path, rel: s.compose.rel, line, source: 'compose', text: `service ${s.name}${target}` };
}

function decide(
  df: DockerfileSource,
  project: Pick<Project, 'dockerfiles'>,
  builds: DockerfileBuild[],
  children: Map<string, Evidence[]>,
  namedByDevcontainer: boolean,
  hardenedRoles: readonly ImageRole[],
  parents: ParentLookup,
  imageLibrary: Evidence | undefined,
  neverBuilt: { use: NeverRunUse; target?: string }[] = [],
  unreadBuilds: UnreadBuildUse[] = [],
): DockerfileUse {
  const parsed = df.parsed;
  const stages = parsed.stages;
  const segments = path.relative(df.root, df.path).split(path.sep).map((s) => s.toLowerCase());
  const dirs = segments.slice(0, -1).map((d) => d.replace(/^[._]+(?=[a-z])/, ''));
  const name = segments[segments.length - 1] ?? '';
  const last = stages[stages.length - 1];
  const byStage = new Map<number, DockerfileBuild[]>();
  for (const b of builds) {
    const st = finalStage(parsed, b.target);
    if (st) byStage.set(st.index, [...(byStage.get(st.index) ?? []), b]);
  }
  const referenced = internalReferences(parsed);
  const stageUses: StageUse[] = [];
  const fromEv = (st: DfStage) => roleEvidenceOfStage(df, st);
  const devcontainer = segments.slice(0, -1).includes('.devcontainer') || namedByDevcontainer;

  for (const st of stages) {
    const uses = byStage.get(st.index) ?? [];
    const kids = children.get(`${df.path}#${st.index}`) ?? [];
    const image = uses.length > 0 || kids.length > 0 || (st === last && (builds.length === 0 || builds.some((b) => finalStage(parsed, b.target) === last)));
    // A CI job or step that would build this stage but whose `if:` is always false: said, since the role would be its otherwise.
    const skipped = distinct(neverBuilt.filter((n) => finalStage(parsed, n.target) === st).map((n) => `${n.use.what} at ${n.use.at.rel}:${n.use.at.line} would build it but never runs (${n.use.key ?? 'if'}: ${n.use.condition})`));
    const set = (role: StageRole, reason: string, evidence: Evidence[], manual?: string) =>
      stageUses.push({
        ...(manual ? { manual } : {}),
        index: st.index,
        name: st.name,
        role,
        image,
        reason: skipped.length ? `${reason}; ${skipped.join('; ')}` : reason,
        evidence: skipped.length ? [...evidence, ...neverBuilt.filter((n) => finalStage(parsed, n.target) === st).map((n) => n.use.at)] : evidence,
        hardened: image && role !== 'unused' && hardenedRoles.includes(role),
      });
    const useEv = uses.map((u) => u.at);

    if (devcontainer && image) {
      set('devcontainer', namedByDevcontainer ? 'a dev container builds it (devcontainer.json)' : 'it sits in .devcontainer/: a dev container, whose user devcontainer.json sets', [...useEv, fromEv(st)]);
      continue;
    }
    if (kids.length) {
      // Run or published too: a USER here would reach every child's RUN steps, which may need root (hesperides-gui's
      // Dockerfile.heroku `RUN apk add curl` broke when its base got `USER 101`, and needed `USER root` first), so the
      // base stays as it is and its children get the user. Pushing is said as pushing: the image is published to be run.
      const runsToo = uses.filter((u) => u.runs && u.runs !== 'push');
      const pushedToo = uses.filter((u) => u.runs === 'push');
      const vias = (us: typeof uses) => list([...new Set(us.map((u) => u.via))]);
      const also = [...(runsToo.length ? [`run by ${vias(runsToo)}`] : []), ...(pushedToo.length ? [`pushed by ${vias(pushedToo)} for others to run`] : [])];
      // Already on a non-root USER (documenso's runner stage: `USER nodejs`, run by compose and FROM'd by
      // Dockerfile.chromium): it does not run as root where it runs as it is, and its children inherit that user.
      const user = also.length > 0 ? effectiveUser(resolveStageBase(parsed, st, {}, parents)) : undefined;
      const runsAs = user && user.known && !user.root ? user : undefined;
      const extra = also.length
        ? `; also ${also.join(' and ')}${runsAs ? `, already as ${runsAs.user}` : `, so its children get the user instead${pushedToo.length ? ' (a USER here would apply to their RUN steps too, which may need root: add USER root before them first)' : ''}`}`
        : '';
      const children = distinct(kids.map((k) => `${k.rel}:${k.line}`));
      const childList = list(children);
      // Run or pushed as it is with its own command, it runs as root there: the user is the one who can move USER here
      // (and USER root into the children's RUN steps); a base that only feeds children leaves USER to them.
      const ownStart = also.length > 0 && !runsAs && runsByDefault(parsed, st, parents);
      const manual = runsAs
        ? `It is also ${also.join(' and ')} as it is, and already runs as ${runsAs.user} there${runsAs.instruction ? ` (${instructionPlace(project, runsAs.instruction, df.path)})` : ''}, which the images built FROM it (${childList}) inherit: nothing to add here.`
        : ownStart
        ? `It is also ${also.join(' and ')} as it is, with a command to run (its own or its base image's), and runs as root there: to harden that use by hand, end this Dockerfile with a non-root USER, and in each image built FROM it (${childList}) put USER root before the RUN steps that need root and its own USER after them; or build the runnable image as a stage FROM this one that adds the USER.`
        : `This is a base image: USER is left to the images built FROM it (${childList}); docker-harden adds it to those it sees run, and any other child needs it by hand, after its RUN steps that need root.`;
      set('base', `other ${kids.every((k) => k.file !== df.path) ? 'Dockerfiles' : 'stages'} build FROM its image (${children.join(', ')})${extra}`, [...kids, ...useEv], manual);
      if (runsAs) stageUses[stageUses.length - 1]!.runsAs = runsAs.user;
      continue;
    }
    const running = uses.filter((u) => u.runs && !u.exportsFiles);
    // A builder a script runs once to make .deb/.rpm files (miniflux's `docker run --rm -v $PWD:/pkg miniflux-deb-builder`
    // from packaging/debian/): where it sits says packaging, and nothing pushes it, runs it from compose or publishes a port.
    const pkgDir = dirs.find((d) => PACKAGING_DIRS.has(d));
    const pkgName = PACKAGING_NAME.test(name);
    if (running.length && (pkgDir || pkgName) && running.every((u) => u.runs === 'run' && !u.publishes)) {
      const where = pkgDir ? `it sits under ${pkgDir}/` : 'its name says packaging';
      set('packaging', `${describeRuns(running)}, but ${where} and no run publishes a port: a script runs it to build packages`, running.map((u) => u.at));
      continue;
    }
    // A tool a script or Makefile runs over the source tree (navidrome's `docker run -it --rm -v $(PWD):/workspace
    // navidrome-msi-builder sh -c "release/wix/build_msi.sh ..."`): every run removes the container when it ends,
    // mounts the checkout and publishes no port; it makes files in the tree, as whoever owns the tree on the host.
    if (running.length && running.every((u) => u.runs === 'run' && !u.publishes && u.overCheckout)) {
      set('builder', `${describeRuns(running)}, but every run mounts the checkout (-v ${running[0]!.overCheckout}) with --rm and publishes no port: a tool run over the source tree, not a service`, running.map((u) => u.at));
      continue;
    }
    // An image every run of which runs the project's tests (languagetool's CI: `docker build --target=build -t
    // languagetool-build .` then `docker run languagetool-build mvn clean test --quiet`): the run ends with the tests, publishes
    // no port, and the tests write into the tree the build left to root (`mvn clean` deletes target/), so USER would break them.
    if (running.length && running.every((u) => u.runs === 'run' && !u.publishes && u.testRun)) {
      set('test', `${describeRuns(running)}, but every run runs its tests (${running[0]!.testRun}) and publishes no port: a test image, not a service`, running.map((u) => u.at));
      continue;
    }
    // The same image tested or linted in CI and run over the checkout by hand (photoview's `--target ui`: CI runs
    // `npm run test:ci` and `npm run lint:ci` in it and copies the reports out; its README runs `npm install` and the dev
    // server with `-v \`pwd\`:/app --rm`): no run is a service. Its tests write their reports into the app folder the
    // build left to root (`/app/ui/coverage`), so a USER would break the CI job.
    if (running.length && running.every((u) => u.runs === 'run' && !u.publishes && u.testOrCheckoutRun)) {
      set('test', `${describeRuns(running)}, but every run runs its tests or lint (${running.find((u) => u.testOrCheckoutRun)!.testOrCheckoutRun}) or is a --rm run over the checkout, and none publishes a port: a test and development image, not a service`, running.map((u) => u.at));
      continue;
    }
    // A test harness a test script builds and runs (nginx-proxy's test/pytest.sh runs test/requirements/Dockerfile-nginx-proxy-tester
    // with the Docker socket): it sits under a test folder, only scripts under a test folder run it, and no run publishes a port.
    const testDir = dirs.find((d) => TEST_DIRS.has(d));
    const inTestDir = (rel: string) => rel.split('/').slice(0, -1).some((d) => TEST_DIRS.has(d));
    if (running.length && testDir && running.every((u) => u.runs === 'run' && !u.publishes && inTestDir(u.at.rel))) {
      set('test', `${describeRuns(running)}, but it sits under ${testDir}/ and only test scripts run it, publishing no port: a test harness`, running.map((u) => u.at));
      continue;
    }
    // A toolchain image CI pushes for its own jobs (lldap's `lldap/rust-dev`, a workflow's `container:`): the runner
    // execs every step in it as the image's user, into its root-owned toolchain (CARGO_HOME, the runner's workspace);
    // GitHub documents such containers as run by root (https://docs.github.com/en/actions/sharing-automations/creating-actions/dockerfile-support-for-github-actions#user).
    if (running.length && running.every((u) => u.runs === 'push' && u.ciJob)) {
      const jobs = [...new Set(running.map((u) => `${u.ciJob!.rel}:${u.ciJob!.line}`))].join(', ');
      set('builder', `${describeRuns(running)}, and a GitHub Actions job runs in it (container: at ${jobs}): a CI image whose steps run as root`, [...running.map((u) => u.at), ...running.map((u) => u.ciJob!)]);
      continue;
    }
    // Run only to be exec'ed into: its command (or every service's own command) just keeps it alive.
    const idle = image ? keepAliveStart(df, parsed, st, parents) : undefined;
    const idleUses = running.filter((u) => u.keepAlive === true || (u.keepAlive === undefined && idle));
    if (running.length && idleUses.length === running.length) {
      const by = running.filter((u) => u.keepAlive === true);
      const what = by.length ? `the command of ${list(by.map((u) => u.via))} only keeps it alive` : `its command only keeps it alive (${idle!.text}, line ${idle!.line})`;
      set('devcontainer', `${what}: a development environment or a placeholder, run to be exec'ed into, not a service`, [...running.map((u) => u.at), ...(idle ? [idle] : [])]);
      continue;
    }
    if (running.length) {
      set('runtime', describeRuns(running), running.map((u) => u.at));
      continue;
    }
    if (idle) {
      set('devcontainer', `its command only keeps it alive (${idle.text}, line ${idle.line}): a development environment or a placeholder, run to be exec'ed into, not a service`, [idle]);
      continue;
    }
    if (uses.length && uses.every((u) => u.harness)) {
      // One reason per kind of harness: the same service in a CI and a dev file says it once.
      const reasons = [...new Set(uses.map((u) => u.harness!))];
      set('test', `only test harness services build it (${list([...new Set(uses.map((u) => u.via.replace(/^compose /, '')))])}): ${reasons.join('; ')}`, useEv);
      continue;
    }
    if (uses.some((u) => u.exportsFiles)) {
      set('packaging', `built with --output to export files (${list(distinct(uses.filter((u) => u.exportsFiles).map((u) => `${u.at.rel}:${u.at.line}`)))})`, useEv);
      continue;
    }
    if (uses.length) {
      // Built, but nothing pushes or runs it: a test or CI image, unless it sets a command.
      const where = list(distinct(uses.map((u) => `${u.via} at ${u.at.rel}:${u.at.line}`)));
      if (st.name && TEST_STAGE.test(st.name)) set('test', `stage ${st.name} is built by ${where} and nothing pushes or runs it: a test image`, useEv);
      else if (runsByDefault(parsed, st, parents)) set('runtime', `built by ${where}; nothing pushes or runs it, but it sets a command to run`, useEv);
      else set('builder', `built by ${where}, but nothing pushes or runs it and it sets no CMD or ENTRYPOINT: a CI or build image`, useEv);
      continue;
    }
    if (referenced.has(st.index) && !image) {
      set('builder', `a build stage: ${referenced.get(st.index)!.join(', ')}`, [fromEv(st)]);
      continue;
    }
    if (!image) {
      set('unused', st === last ? `nothing builds it (${builds.map((b) => `${b.via} builds target ${b.target}`).join('; ')})` : 'no build in the repository names this stage', [fromEv(st)]);
      continue;
    }
    // Nothing in the repository builds this Dockerfile: where it sits and what it says decide.
    const [role, reason, repoEvidence = []] = fallbackRole(dirs, name, parsed, st, parents, imageLibrary);
    // An action of another repository is given it under its own input names: it may build and push it, so the role
    // read from the file alone may be wrong; said, with the call, for a person to settle (build it from CI or compose).
    const unread = distinct(unreadBuilds.map((u) => `${u.action} (${u.at.rel}:${u.at.line}) is given it as ${u.input}, an action of another repository not read here: what it builds, tags and pushes is not known`));
    // A base nothing here builds FROM: its children are elsewhere, so the advice says where USER goes.
    const baseManual =
      role !== 'base'
        ? undefined
        : imageLibrary && repoEvidence.includes(imageLibrary)
          ? 'An official image starts as root by design: its entrypoint drops privileges or leaves USER to whoever builds on it, and a USER here would break their RUN steps; nothing to add here: add USER in the images built FROM it.'
          : 'This is a base image: USER is left to the images built FROM it, in other repositories; add USER in each of them, after their RUN steps that need root. If this image is also run as it is, build it from compose or CI and the evidence decides.';
    set(role, unread.length ? `${reason}; ${unread.join('; ')}` : reason, [...repoEvidence, fromEv(st), ...unreadBuilds.map((u) => u.at)], baseManual);
  }

  const images = stageUses.filter((s) => s.image);
  const runtime = images.find((s) => s.role === 'runtime');
  const main = runtime ?? images.find((s) => s.index === last?.index) ?? images[0];
  const role: ImageRole = main && main.role !== 'unused' ? main.role : 'builder';
  return {
    file: df.path,
    rel: df.rel,
    role,
    reason: main ? (stages.length > 1 && main.name ? `stage ${main.name}: ${main.reason}` : main.reason) : 'no stage',
    evidence: main?.evidence ?? [],
    // Copies of exact length: built by push (room for 17 entries), and the layout keeps every Dockerfile's for the run (issue 13).
    stages: stageUses.slice(),
    builds: builds.slice(),
  };
}

/** `compose services web, worker and 3 more run it (compose.yaml:4, …); docker build pushes it (Makefile:12)`. */
/** At most three items, then how many more (reasons stay one line). */
/** Each place once: a matrix job (one build per platform) is one line of the workflow read many times. */
const distinct = (xs: string[]) => [...new Set(xs)];
const list = (xs: string[]) => (xs.length > 3 ? `${xs.slice(0, 3).join(', ')} and ${xs.length - 3} more` : xs.join(', '));

function describeRuns(uses: DockerfileBuild[]): string {
  const where = (us: DockerfileBuild[]) => list(distinct(us.map((u) => `${u.at.rel}:${u.at.line}`)));
  const out: string[] = [];
  const compose = uses.filter((u) => u.runs === 'compose');
  if (compose.length) {
    const names = compose.map((u) => u.via.replace(/^compose service /, ''));
    out.push(`compose ${compose.length > 1 ? 'services' : 'service'} ${list(names)} ${compose.length > 1 ? 'run' : 'runs'} it (${where(compose)})`);
  }
  for (const u of uses.filter((x) => x.runs !== 'compose')) {
    out.push(`${u.via} ${u.runs === 'push' ? 'pushes it' : 'builds it and a command runs it'} (${u.at.rel}:${u.at.line})`);
  }
  return distinct(out).join('; ');
}

/** Role of a Dockerfile nothing builds: test and packaging folders, ONBUILD, an image library's image, a command to run, a base by name. */
function fallbackRole(dirs: string[], name: string, parsed: ParsedDockerfile, st: DfStage, parents: ParentLookup, imageLibrary: Evidence | undefined): [StageRole, string, Evidence[]?] {
  const testDir = dirs.find((d) => TEST_DIRS.has(d));
  if (testDir) return ['test', `nothing builds it and it sits under ${testDir}/: a test harness`];
  if (/(^|[._-])(test|tests|e2e|spec)([._-]|$)/.test(name.replace(/^dockerfile|dockerfile$/, ''))) return ['test', `nothing builds it and its name says test: a test harness`];
  // In an official-images repository `debian/` is a variant of the image (redis's 7.4/debian/Dockerfile beside
  // 7.4/alpine/), not a .deb builder: the library manifest decides below.
  const library = imageLibrary && !dirs.some((d) => EXAMPLE_DIRS.has(d));
  const pkgDir = library ? undefined : dirs.find((d) => PACKAGING_DIRS.has(d));
  if (pkgDir) return ['packaging', `nothing builds it and it sits under ${pkgDir}/: a packaging image`];
  if (PACKAGING_NAME.test(name)) return ['packaging', 'nothing builds it and its name says packaging'];
  if (effectiveInstructions(st).some((i) => i.keyword === 'ONBUILD') || st.instructions.some((i) => i.keyword === 'ONBUILD')) {
    return ['base', 'it has ONBUILD triggers: an image for others to build FROM'];
  }
  const ciDir = dirs.find((d) => CI_DIRS.has(d) || CI_DIRS.has('.' + d));
  if (ciDir) return ['builder', `nothing builds it and it sits under ${ciDir}/: a CI image`];
  // An official image (python, php, postgres) is what other Dockerfiles build FROM: a USER here would make
  // their RUN apt-get/pip install fail, and these images start as root by design and drop privileges in
  // their entrypoints or leave USER to whoever builds on them (the images' own docs, docs.docker.com/trusted-content/official-images).
  if (imageLibrary && !dirs.some((d) => EXAMPLE_DIRS.has(d))) {
    return ['base', `nothing in the repository builds or runs it, and ${imageLibrary.rel}:${imageLibrary.line} writes an official-images library manifest ("${imageLibrary.text}"): the repository publishes its images for others to build FROM`, [imageLibrary]];
  }
  // What the image itself says it is for, before its command makes it a runtime image: a package builder, a dev or debug image.
  const own = purposeByContent(name, parsed, st, parents);
  if (own) return own;
  if (runsByDefault(parsed, st, parents)) return ['runtime', 'nothing in the repository builds it; its last stage sets a command to run'];
  if (/(^|[._-])base([._-]|$)/.test(name) || dirs[dirs.length - 1] === 'base') return ['base', 'nothing builds it, it sets no command and its name says base'];
  const base = resolveStageBase(parsed, st, {}, parents);
  if (base.image === 'scratch' && !base.chain.some((s) => effectiveInstructions(s).some((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT'))) {
    return ['packaging', 'a FROM scratch stage with no command: files to export (docker build --output)'];
  }
  return ['builder', 'nothing in the repository builds or runs it and it sets no CMD or ENTRYPOINT: a build or CI image, or a base for images elsewhere'];
}

/**
 * Packaging tools the image installs: Debian's (debhelper, devscripts, dpkg-dev, equivs, dh-virtualenv, dh-python; the
 * Debian New Maintainers' Guide, "Required tools"), RPM's (rpm-build, rpmdevtools; RPM Packaging Guide, "Prerequisites"),
 * and fpm/nfpm, which make both. A runtime image has no use for them.
 */
const PACKAGING_TOOLS = /(?:^|[\s'"=])(debhelper|devscripts|dpkg-dev|equivs|dh-virtualenv|dh-python|rpm-build|rpmdevtools|fpm|nfpm)(?=[\s'"\\]|$|=)/m;
/** A start that builds packages: the builders themselves, or a script named for it (synapse's docker/build_debian.sh). */
const PACKAGE_BUILD_START = /\b(dpkg-buildpackage|debuild|rpmbuild|fpm|nfpm)\b|(^|[\/\s"'])build[_-]?(deb|debs|debian|rpm|rpms|packages?)[\w.-]*/;
/**
 * Words in a Dockerfile's name for an image made to develop or debug with (homepage's `Dockerfile-tilt`, run by its Tiltfile;
 * kratos's `.docker/Dockerfile-debug`, run by a compose template). A name alone is not evidence: the content must agree.
 */
const DEV_NAME = /(^|[._-])(dev|devel|develop|development|local|tilt|debug|dbg|watch)([._-]|$)/;
/**
 * Starts that serve an app from its source while it is edited: Next.js, Nuxt and Vite dev servers, webpack-dev-server,
 * Angular's ng serve, create-react-app's react-scripts start, nodemon and ts-node-dev, a package script named dev,
 * Django's runserver, uvicorn/flask with reload, Go's air: each rebuilds or reloads on change, which no runtime image does.
 */
const DEV_SERVER = /\b(next\s+dev|nuxti?\s+dev|vite(\s+(dev|serve))?(?=["',\]\s]*$)|webpack-dev-server|webpack\s+serve|ng\s+serve|react-scripts\s+start|nodemon|ts-node-dev|(npm|yarn|pnpm|bun)(\s+run)?\s+dev\b|manage\.py\s+runserver|--reload\b|flask\s+run\b.*--debug|(^|[\s"'/])air(?=["'\s,\]]|$))/;
/** Debuggers an image installs or starts with: Go's delve, Python's debugpy, Node's --inspect, gdbserver, Ruby's rdbg. */
const DEBUGGER = /\b(go-delve\/delve|dlv\b|debugpy|--inspect(-brk)?\b|gdbserver|rdbg|ruby-debug-ide)/;

/**
 * What an image nothing here builds says it is for by its own content: a package builder (packaging tools installed
 * and a start that builds packages: synapse's docker/Dockerfile-dhvirtualenv, which scripts-dev/build_debian_packages.py
 * runs), or, where its name says dev or debug, a dev server or a debugger in its start or build (homepage's
 * Dockerfile-tilt `CMD ["npx", "next", "dev"]`, which writes .next into the root-owned /app; kratos's Dockerfile-debug,
 * which installs delve). A runtime image's USER would break these: the build tools write as root, the dev server into
 * the app's folder.
 */
function purposeByContent(name: string, parsed: ParsedDockerfile, st: DfStage, parents: ParentLookup): [StageRole, string] | undefined {
  const base = resolveStageBase(parsed, st, {}, parents);
  const instructions = base.chain.flatMap((s) => effectiveInstructions(s));
  const starts = instructions.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  const start = [starts.filter((i) => i.keyword === 'ENTRYPOINT').pop(), starts.filter((i) => i.keyword === 'CMD').pop()].filter((i) => i !== undefined);
  const startText = (i: DfInstruction) => (i.json ? i.json.join(' ') : i.args.join(' '));
  const at = (i: DfInstruction) => `${i.keyword} at line ${i.line + 1}`;
  const tools = instructions.filter((i) => i.keyword === 'RUN' && PACKAGING_TOOLS.test(i.raw));
  const builds = start.find((i) => PACKAGE_BUILD_START.test(startText(i)));
  if (tools.length && builds) {
    const tool = PACKAGING_TOOLS.exec(tools[0]!.raw)![1];
    return ['packaging', `nothing builds it here; it installs packaging tools (${tool}, RUN at line ${tools[0]!.line + 1}) and its start builds packages (${at(builds)})`];
  }
  const word = DEV_NAME.exec(name.replace(/^(dockerfile|containerfile)|(dockerfile|containerfile)$/, ''))?.[2];
  if (!word) return undefined;
  const server = start.find((i) => DEV_SERVER.test(startText(i)));
  if (server) return ['devcontainer', `nothing builds it here; its name says ${word} and its start runs a dev server (${DEV_SERVER.exec(startText(server))![0].trim()}, ${at(server)}): a development image, not a service`];
  const debug = instructions.find((i) => (i.keyword === 'RUN' || i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && DEBUGGER.test(i.keyword === 'RUN' ? i.raw : startText(i)));
  if (debug) return ['devcontainer', `nothing builds it here; its name says ${word} and it ${debug.keyword === 'RUN' ? 'installs' : 'starts'} a debugger (${DEBUGGER.exec(debug.keyword === 'RUN' ? debug.raw : startText(debug))![0]}, ${at(debug)}): a development image, not a service`];
  return undefined;
}

/** The stage (or an image it builds on) sets CMD or ENTRYPOINT, or starts from a known server image that keeps its own. */
export function runsByDefault(parsed: ParsedDockerfile, st: DfStage, parents: ParentLookup): boolean {
  const base: StageBase = resolveStageBase(parsed, st, {}, parents);
  const sets = (b: StageBase): boolean =>
    b.chain.some((s) => effectiveInstructions(s).some((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT')) || (b.builtFrom ? sets(b.builtFrom.base) : false);
  if (sets(base)) return true;
  const facts = base.builtFrom ? base.builtFrom.base.facts : base.facts;
  return !!facts && (facts.writePathsKnown || facts.dropsPrivileges || !!facts.swapTo);
}

/** Stages other stages build on or copy from, with what refers to them. */
function internalReferences(parsed: ParsedDockerfile): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const note = (ref: string, by: DfStage, what: string) => {
    const target = stageByRef(parsed, expandArgs(ref, parsed.globalArgs, {}) ?? ref, by.index);
    if (!target) return;
    const label = by.name ? `stage ${by.name}` : `stage ${by.index}`;
    out.set(target.index, [...(out.get(target.index) ?? []), `${label} ${what} it`]);
  };
  for (const st of parsed.stages) {
    note(st.image, st, 'builds FROM');
    for (const ins of st.instructions) {
      const from = ins.flags.find((f) => f.name === 'from')?.value;
      if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && from) note(from, st, 'copies from');
      if (ins.keyword === 'RUN') for (const m of ins.raw.matchAll(/--mount=[^\s]*\bfrom=([^,\s]+)/g)) note(m[1]!, st, 'mounts');
    }
  }
  return out;
}


/**
 * A command that only keeps the container alive, so people `docker exec` into it:
 * `sleep infinity`, `tail -f /dev/null`, through `sh -c` or `exec` too. An image
 * or service that runs it is a development environment (listmonk's dev/app.Dockerfile,
 * photoprism's docker/develop images, frappe's and miniflux's dev container
 * services), not a service: no USER, no compose hardening; a note says so.
 */
export function isKeepAlive(command: unknown): boolean {
  const words = Array.isArray(command) ? command.map(String) : typeof command === 'string' ? [command] : [];
  let text = words.join(' ').trim().replace(/\s+/g, ' ');
  const shell = /^(\/usr)?(\/bin\/)?(sh|bash|ash|dash) -c (.*)$/.exec(text);
  if (shell) text = shell[4]!.replace(/^(["'])(.*)\1$/, '$2').trim();
  text = text.replace(/^exec /, '');
  return /^(\/usr)?(\/bin\/)?sleep (infinity|inf)$/.test(text) || /^(\/usr)?(\/bin\/)?tail -[fF] \/dev\/null$/.test(text);
}

/** The keep-alive CMD or ENTRYPOINT a stage runs with (its own or one of the stages it builds on), as evidence. */
function keepAliveStart(df: DockerfileSource, parsed: ParsedDockerfile, st: DfStage, parents: ParentLookup): Evidence | undefined {
  const base: StageBase = resolveStageBase(parsed, st, {}, parents);
  let cmd: DfInstruction | undefined;
  let entrypoint: DfInstruction | undefined;
  for (const stage of base.chain) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword === 'CMD') cmd = ins;
      else if (ins.keyword === 'ENTRYPOINT') entrypoint = ins;
    }
  }
  const hit = [cmd, entrypoint].find((i) => i && isKeepAlive(i.json ?? i.args.join(' ')));
  return hit ? { file: df.path, rel: df.rel, line: hit.line + 1, source: 'dockerfile', text: hit.raw.split(/\r?\n/)[0]!.trim() } : undefined;
}

const ROLE_WORDS: Record<StageRole, string> = {
  runtime: 'a runtime image',
  base: 'a base image',
  builder: 'a build or CI image',
  test: 'a test harness',
  packaging: 'a packaging image',
  devcontainer: 'a dev container',
  unused: 'not built',
};

/**
 * The once-per-file report of stages left alone because they are not runtime
 * images: image stages whose role is not hardened, and a last stage nothing
 * builds while other targets are built (a CI helper at the end of the file).
 */
export function leftAlone(use: DockerfileUse | undefined): { stage: number; message: string; manual: string } | undefined {
  if (!use) return undefined;
  const last = use.stages[use.stages.length - 1];
  const left = use.stages.filter((s) => (s.image && !s.hardened && s.role !== 'unused') || (s === last && s.role === 'unused'));
  if (left.length === 0) return undefined;
  const multi = use.stages.length > 1;
  const parts = left.map((s) => {
    const where = s.evidence.length ? ` [${[...new Set(s.evidence.map((e) => `${e.rel}:${e.line}`))].slice(0, 4).join(', ')}]` : '';
    const label = multi ? `stage ${s.name ?? s.index}${s === last ? ' (last)' : ''}: ` : '';
    return `${label}${s.role === 'unused' ? '' : `${ROLE_WORDS[s.role]}, `}${s.reason}${where}`;
  });
  const base = left.some((s) => s.role === 'base');
  const role = left.find((s) => s.role !== 'unused')?.role;
  const ownStage = left.find((s) => s.manual);
  const own = ownStage?.manual;
  // Already non-root: the note says so, with no advice to widen the roles (a USER here would change nothing).
  if (ownStage?.runsAs && left.length === 1) {
    return { stage: left[0]!.index, message: `not a runtime image: left alone (${parts.join('; ')})`, manual: own! };
  }
  return {
    stage: left[0]!.index,
    message: `not a runtime image: left alone (${parts.join('; ')})${base ? '; the images built FROM it get the user instead' : ''}`,
    manual: own
      ? `${own} To have docker-harden add the USER here anyway, widen the roles hardened for this file in .docker-harden.yml (roles: [runtime, ${role ?? 'base'}], or per file under overrides). docker-harden --explain shows why.`
      : (role
        ? 'If this image does run as a service, build it from compose or CI, or widen the roles hardened for this file in .docker-harden.yml ' +
          `(roles: [runtime, ${role}], or per file under overrides). `
        : 'If that stage runs as a service, build it as a target (compose build.target, --target in CI). ') + 'docker-harden --explain shows why.',
  };
}
