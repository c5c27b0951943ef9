// dockerfile/non-root-user: the final stage runs as a non-root user.
// Reuse a user the Dockerfile or the base image already has (node, ubuntu on
// 24.04), create one with the distro's own tool, or use a numeric USER where
// there is no shell (scratch, distroless). The user gets the directories the
// app writes (VOLUMEs, named volumes compose mounts, data directories made in
// RUN, the folders of the base's install tree its server writes: tomcat's
// webapps) and a HOME it owns. A stage already on a non-root USER over such a
// base gets those folders chowned to that user. Images whose entrypoint drops root itself, Windows
// images and bases we cannot identify are reported, never guessed at.
import { isDirectory, isFile } from '../../src/read.js';
import { existsSync } from 'node:fs';
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Edit, Finding, HardenOptions, MigrationNote } from '../../src/types.js';
import type { DockerfileSource, Project, ServiceLink, VolumeMount } from '../../src/model.js';
import { watchSyncTargets, type WatchSyncs } from '../../src/compose-watch.js';
import type { DfInstruction, DfStage } from '../../src/parse/dockerfile.js';
import { effectiveInstructions, expandArgs } from '../../src/parse/dockerfile.js';
import {
  finalStage,
  resolveStageBase,
  effectiveUser,
  isRootUser,
  usersCreatedIn,
  chainInstructions,
  runCommands,
  runScript,
  workdirs,
  imageStages,
  nginxPackage,
  windowsSign,
  stageByRef,
  rootlessVariant,
  lastEnv,
  variableScopes,
  expandWord,
  instructionPlace,
  type CreatedUser,
  type StageBase,
} from '../../src/dockerfile-info.js';
import { insertAfter, insertBefore, appendAtEnd, keyword } from '../../src/edits.js';
import { factSources, lookupImage, shellCommands, type Distro } from '../../src/knowledge/images.js';
import { parseImageRef } from '../../src/parse/image-ref.js';
import { capsLostToUser, devicesForRoot, composeUser, dockerVolumeName, hostNetworkLowPorts, isDockerSocketMount, normalizePath, runtimeUser, serviceImage, volumePeers, writableMountPeers, type SharedMount } from '../../src/compose-service.js';
import { shellQuote } from '../../src/text.js';
import { imageNodeStartWrites, nodeStartWrites } from '../../src/node-start-writes.js';
import { imagePythonStartWrites, pythonStartWrites } from '../../src/python-start-writes.js';
import { goStartWrites, imageGoStartWrites } from '../../src/go-start-writes.js';
import { firstRootStep } from '../../src/root-steps.js';
import { copyDest, createdUserHome, imageWritePaths, isSystemPath, mkdirOperands, isTrustPath, isUnder, isUnderRoot, ownedPaths, rootGroupWrites, userHome, writerFromUser, writerOf, type RootGroupWrite } from '../../src/write-paths.js';
import { baseAnyoneWrites, containerHasFile, corepackFetchesAtStart, corepackInBuild, depInstallEnvironment, depInstallsThatRun, depInstallWrites, imageEnvValue, serviceMountTargets } from '../../src/dep-install-writes.js';
import { serviceEnvironment } from '../../src/env-files.js';
import { type FoundAccount, appOwner, baseAccounts, chownsIn, findAccount, missingAccount } from '../../src/image-users.js';
import {
  dropDecision,
  environmentRunUsers,
  imagePackageInstalls,
  imageFileCapSets,
  imageStaticCollects,
  imageStartBuilds,
  imageDepInstalls,
  imagePipInstalls,
  imagePrivilegeDrop,
  dockerfileEntrypointReplacing,
  entrypointProgramName,
  imageRootDaemons,
  shippedRootStarts,
  ROOT_ONLY_SERVERS,
  imageStart,
  imageStartCommands,
  imageStartWrites,
  s6OverlayStart,
  serviceNeedingRoot,
  serviceStart,
  serviceUnseenDrop,
  startEscalations,
  startUserSwitches,
  startScriptTexts,
  unseenDrop,
  type ImageDrop,
  type ImageStart,
  type RunUserEvidence,
  type StartWrite,
} from '../../src/start-scripts.js';
import path from 'node:path';
import { leftAlone } from '../../src/roles.js';
import { homeWriterOf, type HomeDir, type HomeWriter } from '../../src/home-writers.js';
import { findBuiltImage } from '../../src/images.js';
import type { ImageUse } from '../../src/evidence/types.js';
import { baseWithInstallSettings, baseWithoutWritesOwnedBy } from '../../src/install-writes.js';
import { imageMappings, nginxConfigSet, startsNginx } from '../../src/nginx-files.js';

const ID = 'dockerfile/non-root-user';
/** A SQLite database file by its name: `x.sqlite`, `x.sqlite3`, `x.db`. */
const SQLITE_FILE = /\.(sqlite3?|db)$/i;
const CIS = '4.1';

export const nonRootUser: Transform = {
  meta: {
    id: ID,
    description: 'Run the final stage as a non-root user (reuse the image user, or create one at --uid)',
    appliesTo: ['dockerfile'],
    fixable: true,
    cis: CIS,
    peers: ['hadolint DL3002', 'CKV_DOCKER_3', 'CKV_DOCKER_8', 'Trivy DS002', 'KICS fd54f200', 'semgrep dockerfile.security.missing-user'],
    help:
      'A container that runs as root turns any code-execution bug into root on the container, and often on the host through mounts. ' +
      'The final stage gets a USER: a non-root user the Dockerfile or the base image already has, else a system user created at --uid/--gid ' +
      'with no login shell, or a numeric USER on images without a shell. Directories the app writes (VOLUMEs, named volumes compose mounts, ' +
      "data directories created in RUN, HOME, the folders of the base image's install tree its server writes, such as tomcat's webapps) " +
      'are created and chowned before any VOLUME; application code stays root-owned unless --chown-workdir.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const df of ctx.project.dockerfiles) out.push(...checkDockerfile(ctx, df));
    return out;
  },
};

/** Account changes (usermod, groupmod, ...) the image's start makes in a script or command that does not first check it runs as root. */
function imageAccountChangesUnchecked(start: ImageStart): string[] {
  const readings = [...start.scripts.map((sc) => sc.reading), ...(start.command ? [start.command] : [])];
  return readings.filter((r) => !r.rootCheck).flatMap((r) => r.accountChanges ?? []);
}

function checkDockerfile(ctx: TransformContext, df: DockerfileSource): Finding[] {
  const out: Finding[] = [];
  const runtime: DfStage[] = [];
  for (const { stage, base, services: users } of imageStages(ctx.project, df)) {
    runtime.push(stage);
    const finding = checkStage(ctx, df, stage, base, users);
    // What is known of the base (its users, its entrypoint's step down, its writes) names its source.
    if (finding) out.push(base.facts && base.image ? { ...finding, sources: factSources(base.facts, `the base ${base.image}`) } : finding);
  }
  out.push(...rootStepsUnderUser(df));
  out.push(...copyFromDropsFolderOwner(df, runtime));
  // Stages that are not runtime images (a base, a test harness, a dev container…): said once per file.
  const left = leftAlone(ctx.project.layout.roles.get(df.path));
  if (left) {
    const stage = df.parsed.stages[left.stage];
    out.push({
      transform: ID,
      file: df.path,
      range: stage ? [stage.from.start, stage.from.end] : [0, 0],
      message: left.message,
      severity: 'note',
      cis: CIS,
      manual: left.manual,
    });
  }
  return out;
}

/**
 * A RUN that only root may run, after a non-root USER (credebl/platform before 915b85037: `USER nonroot` at the top of
 * node:18-slim stages, then `npm install -g pnpm` and `apt-get update && apt-get install`, which fail with EACCES /
 * "Could not open lock file" — their fix removed the USER; americanexpress/one-app 0d1de838: `USER $USER` moved above
 * `RUN chown node:node /opt/one-app`, a folder WORKDIR had made as root — fixed by moving it back, PR #305). The build
 * stops there; nothing else this transform does helps, so it says where and what to move (src/root-steps.ts reads what
 * needs root). A command run through sudo, or a USER whose name is not known, is left alone. One finding per stage, the
 * first such step.
 */
function rootStepsUnderUser(df: DockerfileSource): Finding[] {
  const out: Finding[] = [];
  for (const stage of df.parsed.stages) {
    const step = firstRootStep(df.parsed, stage);
    if (!step) continue;
    const { run, user, userName, why } = step;
    const named = user.args[0] === userName ? `USER ${userName}` : `USER ${user.args[0]} (${userName})`;
    const own = stage.instructions.includes(user);
    out.push({
      transform: ID,
      file: df.path,
      range: [run.start, run.end],
      message: `the RUN at line ${run.line + 1} runs ${why}, as ${named} (line ${user.line + 1}${own ? '' : ', an earlier stage it builds on'}): only root may do that, so the build fails there`,
      severity: 'warning',
      cis: CIS,
      manual: own
        ? `Move USER ${user.args[0]} below the steps that need root (or put USER root before them and USER ${user.args[0]} back after), so the image still ends on the non-root user.`
        : `Put USER root before the steps that need root and USER ${user.args[0]} back after them, so the image still ends on the non-root user.`,
    });
  }
  return out;
}

/**
 * A `COPY --from=<stage> <folder> <dest>` without `--chown` in a stage that runs as a non-root USER, where that stage
 * gave the folder to the same user (`RUN mkdir -p /app/data && chown -R 65532:65532 /app/data` in the builder): the
 * COPY keeps the owner of the files it copies but makes the destination folder itself as root, so the user cannot
 * create files in it. On the team engine (Docker 20.10.24, its classic builder: BuildKit was not checked; debian:bookworm-slim): after
 * `COPY --from=builder /app/data /app/data` the folder was 0:0 755 and a file in it 65532:65532, and `touch` in the
 * folder as 65532 failed; with `--chown=65532:65532` the folder was 65532:65532 and the `touch` worked. Gyarbij/Plexist
 * 3d90cc2 added exactly that --chown after its SQLite database (DB_PATH=/app/data/plexist.db) could not be created.
 * Only where the source stage's chown covers the whole folder (`-R`, or a folder it made empty with mkdir), so the
 * --chown gives nothing new away; an owner or USER written through a variable is not judged. One edit per COPY, in
 * the runtime stages only (the others are left alone, as the rest of this transform leaves them).
 */
function copyFromDropsFolderOwner(df: DockerfileSource, runtime: readonly DfStage[]): Finding[] {
  const out: Finding[] = [];
  const parsed = df.parsed;
  for (const stage of runtime) {
    const instructions = effectiveInstructions(stage);
    const userIns = instructions.filter((i) => i.keyword === 'USER').pop();
    const written = userIns?.args[0];
    if (!userIns || !written || written.includes('$') || isRootUser(written)) continue;
    const userName = written.split(':')[0]!;
    let wd: ReturnType<typeof workdirs> | undefined;
    for (const ins of instructions) {
      if (ins.keyword !== 'COPY' || ins.heredocs.length || ins.flags.some((f) => f.name === 'chown')) continue;
      const fromRef = ins.flags.find((f) => f.name === 'from')?.value;
      if (typeof fromRef !== 'string' || fromRef.includes('$')) continue;
      const source = stageByRef(parsed, fromRef, stage.index);
      if (!source) continue;
      const args = (ins.json ?? ins.args).filter((a) => !a.startsWith('--'));
      if (args.length !== 2) continue;
      const src = args[0]!.replace(/(.)\/+$/, '$1');
      if (!src.startsWith('/') || /[*?[$]/.test(src)) continue;
      const chain = resolveStageBase(parsed, source).chain;
      const made = new Set<string>();
      let given: { owner: string; line: number; how: string } | undefined;
      for (const run of chainInstructions(chain)) {
        if (run.keyword !== 'RUN') continue;
        for (const argv of runCommands(run, parsed.escape)) {
          if (argv[0] === 'mkdir') for (const op of mkdirOperands(argv)) if (op.startsWith('/')) made.add(path.posix.normalize(op));
          if (argv[0] !== 'chown') continue;
          const operands = argv.slice(1).filter((w) => !w.startsWith('-'));
          const recursive = argv.some((w) => w === '-R' || w === '--recursive' || /^-[a-zA-Z]*R/.test(w));
          const owner = operands[0];
          if (!owner || owner.includes('$') || operands.length < 2) continue;
          const covers = operands.slice(1).some((p) => {
            const q = p.replace(/(.)\/+$/, '$1');
            return (recursive && isUnder(src, q)) || (q === src && made.has(src));
          });
          // The last chown that covers the folder decides its owner.
          if (covers) given = { owner, line: run.line + 1, how: `chown ${argv.slice(1).join(' ')}` };
          else if (given && operands.slice(1).some((p) => p.replace(/(.)\/+$/, '$1') === src)) given = undefined;
        }
      }
      if (!given || given.owner.split(/[:.]/)[0] !== userName) continue;
      wd ??= (() => {
        const b = resolveStageBase(parsed, stage);
        return workdirs(b.chain, b.buildArgs, b.globalArgs);
      })();
      const dest = copyDest(ins, wd.before.get(ins) ?? wd.final, wd.scopes.get(ins));
      if (!dest) continue;
      const owner = given.owner.replace('.', ':');
      const at = ins.start + ins.keyword.length;
      const stageName = source.name ?? `#${source.index}`;
      out.push({
        transform: ID,
        file: df.path,
        range: [ins.start, ins.end],
        message: `COPY --from=${fromRef} ${args[0]} ${args[1]} (line ${ins.line + 1}) makes ${dest} root's: stage ${stageName} gave the folder to ${given.owner} (${given.how}, line ${given.line}), but a COPY keeps only the owner of the files it copies and makes the destination folder as root, so USER ${written} (line ${userIns.line + 1}) cannot create files there; add --chown=${owner}`,
        severity: 'warning',
        cis: CIS,
        fix: { edits: [{ file: df.path, range: [at, at], text: ` --chown=${owner}` }] },
      });
    }
  }
  return out;
}

function checkStage(ctx: TransformContext, df: DockerfileSource, stage: DfStage, base: StageBase, services: ServiceLink[]): Finding | undefined {
  const parsed = df.parsed;
  const at: [number, number] = [stage.from.start, stage.from.end];
  const report = (message: string, manual: string, severity: Finding['severity'] = 'warning'): Finding => ({
    transform: ID,
    file: df.path,
    range: at,
    message,
    severity,
    cis: CIS,
    manual,
  });
  const facts = base.facts;
  const user = effectiveUser(base);

  const windows = !facts ? windowsSign(parsed, base.chain) : undefined;
  if (windows) {
    return report(`looks like a Windows Dockerfile (${windows}); left untouched`, 'Windows containers are out of scope: run as ContainerUser by hand.', 'note');
  }
  if (facts?.outOfScope) return report(`${base.image} is a Windows image; left untouched`, facts.outOfScope, 'note');
  if (user.known && !user.root) return existingUserAtStart(ctx, df, stage, base, services, user) ?? installTreeForUser(ctx, df, stage, base, services, user) ?? numericUser(ctx, df, stage, base, user);
  if (user.unset && user.instruction) return outOfScopeUser(df, stage, base, user.instruction, user.unset, report);
  if (facts?.swapTo) {
    if (ctx.enabled('nginx/unprivileged')) return undefined; // that transform swaps the image instead
    return report(`${base.image} runs its master process as root`, `Use ${facts.swapTo} (enable nginx/unprivileged).`);
  }
  // An ENTRYPOINT of this repository that never calls the base's own (FROM postgres + ENTRYPOINT ["/my-start.sh"]): the
  // base's step down no longer runs. One that steps down itself is judged below like any start script; one that does not
  // leaves the image's server on root, and whether it runs as another user is not known (postgres refuses root, and its
  // data folder belongs to its own user).
  // A base whose own start stays root (docker:dind's dockerd), kept or still run by an entrypoint of this Dockerfile
  // (sequin's Dockerfile.dev-bundle: a heredoc /entrypoint.sh that starts `dockerd-entrypoint.sh &`): the program the
  // image exists to run needs root, and no step down follows. An ENTRYPOINT that never names that program runs
  // something else and is judged like any other start.
  if (facts?.rootStart && rootStartKept(ctx, df, base, facts.rootStart.program)) {
    return report(`${base.image} ${facts.rootStart.what}; a USER would stop it; no user added`, facts.rootStart.fix);
  }
  const replaced = facts?.dropsPrivileges ? dockerfileEntrypointReplacing(ctx.project, df, base, facts) : undefined;
  if (replaced && !imagePrivilegeDrop(imageStart(ctx.project, df, base))) {
    return report(
      `its ENTRYPOINT ${replaced.text} (line ${replaced.line}${replaced.dockerfile === df.rel ? '' : ` of ${replaced.dockerfile}`}) replaces ${base.image}'s ${entrypointProgramName(facts)}, which starts as root and drops to its own user, and ${replaced.read ? 'does not drop privileges itself: the process stays root' : 'what it runs instead is not read here (a file the build makes, or one not in this repository), so whether it drops privileges is not known'}; no user added`,
      `Make the entrypoint end by running ${entrypointProgramName(facts)} (exec ${entrypointProgramName(facts)} "$@"), or drop to the image's user in it (exec gosu USER "$@"), or set USER to the image's own user if nothing in the entrypoint needs root.`,
    );
  }
  if (facts?.dropsPrivileges && !replaced) {
    // Even after an explicit `USER root`: the entrypoint needs root to chown its data and then drops it.
    return report(
      `${base.image} starts as root and drops to its own user in the entrypoint; adding USER would break it`,
      'Nothing to do in the Dockerfile; compose/cap-drop gives the entrypoint only the capabilities it needs.',
      'note',
    );
  }
  if (!user.known && user.instruction) {
    const atStart = existingUserAtStart(ctx, df, stage, base, services, user);
    if (atStart) return atStart;
    return report(`the final stage runs as ${user.user}, which is not known at build time`, 'Make sure the build argument names a non-root user.', 'note');
  }
  // A sibling target that is this image run as non-root (uptime-kuma's nightly-rootless beside nightly):
  // upstream ships the root target on purpose, for deployments that need it; the fix is to deploy the other target.
  const variant = rootlessVariant(parsed, stage);
  if (variant) {
    const name = (s: DfStage) => s.name ?? `#${s.index}`;
    return report(
      `stage ${name(stage)} runs as root, but stage ${name(variant.stage)} (line ${variant.stage.from.line + 1}) ${variant.relation} and runs it as USER ${variant.user}: the root target is an intentional variant; no user added`,
      `Build and deploy --target ${name(variant.stage)} (compose build.target, docker build --target) where root is not needed, or add USER ${variant.user} to ${name(stage)} if nobody needs the root variant.`,
    );
  }
  const start = imageStart(ctx.project, df, base);
  const drop = imagePrivilegeDrop(start);
  let dropFix: { preferred: { ref: string; reason: string }; edits: Edit[]; message: string } | undefined;
  if (drop) {
    const decided = decideDrop(ctx.options, drop);
    if ('keep' in decided) return report(decided.keep, decided.manual, 'note');
    dropFix = decided;
  }
  // On the host network a non-root process cannot bind a port below 1024 (the host's limit, not the container's).
  const hostLow = hostNetworkLowPorts(ctx.project, services, { built: true, dockerfile: df, stage, base });
  if (hostLow) {
    return report(
      `${hostLow}: a non-root user cannot bind a port below 1024 on the host network (Docker lifts that limit only in a container's own network namespace); no user added`,
      'Move the port to 1024 or above (then USER works), or keep it on root with cap_drop: [ALL] and cap_add: [NET_BIND_SERVICE]; then run docker-harden again.',
    );
  }
  if (base.unresolved && !base.distro) {
    return report(`cannot tell the base image (${base.unresolved}) or its distro; no user added`, `Add a non-root USER by hand, or give the build argument a default.`);
  }
  // dockerfile-x (`# syntax = devthefuture/dockerfile-x`, https://github.com/devthefuture-org/dockerfile-x): INCLUDE pastes
  // another file's stages in, so `FROM runtime` names a stage of docker/runtime.dockerfile (manyfold3d/manyfold, whose
  // runtime stage ends `ENTRYPOINT ["/init"]`, s6-overlay as root), not an image. Its user and start are not read here.
  const includes = parsed.instructions.filter((i) => i.keyword === 'INCLUDE');
  if (!facts && includes.length) {
    return report(
      `FROM ${base.image} may be a stage of a file this one INCLUDEs (${includes.map((i) => `${i.args.join(' ')} line ${i.line + 1}`).slice(0, 3).join(', ')}: the dockerfile-x frontend), which is not read here: its user and its start are not known; no user added`,
      `Check the included stage (its USER and ENTRYPOINT), then add a user and USER by hand where it runs as root and nothing in its start needs root.`,
    );
  }
  if (!facts && !base.distro) {
    return report(
      `unknown base image ${base.image}: cannot tell whether it has a shell or a user at UID ${ctx.options.uid}`,
      `Check the image, then add a user and USER by hand (see the README for the commands per distro).`,
    );
  }

  // A name the build gives files to that the base cannot have and the Dockerfile does not create (uv-docker-example's
  // `COPY --from=builder --chown=app:app` on python:3.12-slim-bookworm, before its maintainers added `useradd -r -U app`,
  // 33c9fb4): the build already fails at that line (engine: "can't find uid for user app: no such user: app"). Reusing
  // that name would make a Dockerfile that still does not build, and any other user would be a guess at the author's.
  const missing = missingAccount(base, [...usersOfBuiltParents(base), ...usersCreatedIn(base.chain, parsed.escape, { distro: base.distro, globalArgs: parsed.globalArgs })], parsed.escape, parsed.globalArgs);
  if (missing) {
    return report(
      `${missing.how} (line ${missing.instruction.line + 1}) names user ${missing.name}, which ${base.image} does not have (its accounts: ${missing.source}) and this Dockerfile does not create: the build fails at that line ("no such user: ${missing.name}"); no user added`,
      `Create the user before that line (RUN useradd --system --user-group ${missing.name}) and end the stage with USER ${missing.name}, or give the files to an account the image has; then run docker-harden again.`,
    );
  }
  // gosu/su-exec installed for an entrypoint this repository does not hold: it most likely drops privileges there.
  const unseen = !drop ? unseenDrop(df, base, start) : undefined;
  if (unseen) {
    return report(
      `it installs ${unseen.tool} (${unseen.dockerfile ? `${unseen.dockerfile} ` : ''}line ${unseen.line}) and starts with ${unseen.entrypoint}, which is not in this repository: it probably starts as root and drops to its own user there; a USER would break that; no user added`,
      `Check that entrypoint: if it drops privileges itself (${unseen.tool} <user>), keep the image on root and give compose cap_drop: [ALL] with cap_add SETUID, SETGID (and CHOWN if it chowns its data); if it does not, add a non-root USER by hand.`,
    );
  }
  const daemons = imageRootDaemons(start);
  if (daemons.length) {
    // Where the start says who the app runs as, the finding names it: that is the user to switch to once the daemon allows it.
    const app = start.runUsers[0];
    return report(
      // NFS and VPN servers name their own reason in the entry (ROOT_ONLY_SERVERS); the others drop privileges themselves.
      `it starts ${daemons.slice(0, 3).join(', ')}, whose master process must start as root${daemons.slice(0, 3).every((d) => !ROOT_ONLY_SERVERS.has(d.split(' ')[0]!)) ? ' (it drops privileges itself)' : ''}; a USER would stop it; no user added${app ? `; the app itself runs as ${app.user} (${app.how})` : ''}`,
      s6OverlayStart(base)
        ? // s6-overlay's own notes: USER is supported only in part from 3.2.3.2 on (fix-attrs, logutil-service and the
          // syslogd emulation change UIDs), and its preinit refuses a /run the user does not own unless it is group 0 or
          // the Kubernetes opt-in (just-containers/s6-overlay README, Notes, "USER directive"; libexec/preinit).
          "Keep it on root and let compose/cap-drop limit its capabilities. s6-overlay has only limited support for a non-root USER (its README, as of 3.2.3.2: fix-attrs, logutil-service and the syslogd emulation need root), and /run must then be that user's (a tmpfs /run:exec,uid=…): if every service steps down already, try USER with that on an engine (docker-harden verify)."
        : 'Keep it on root and let compose/cap-drop limit its capabilities, or run that daemon in its own container; then run docker-harden again.',
    );
  }
  // A script the image ships as a command for another use of it (a cron container's `command: cron.sh`) that starts a root daemon.
  const shipped = shippedRootStarts(ctx.project, df, base);
  if (shipped.length) {
    const first = shipped[0]!;
    return report(
      `it ships ${shipped.map((x) => `${x.containerPath} (${x.origin})`).slice(0, 3).join(', ')}, a script to run as the container's command, which starts ${first.daemons.slice(0, 2).join(', ')}, whose master process must start as root (a cron daemon switches to each crontab's user, which only root may do); a USER would stop it there; no user added`,
      'If no deployment runs that script, add USER by hand; else keep the image on root and let compose/cap-drop limit it, or run the jobs with a scheduler that runs as a user (supercronic) and then add USER.',
    );
  }
  // Packages installed at start (an EXTRA_PACKAGES hook): apt, apk, dnf and dpkg refuse to run for any user but root.
  const startInstalls = imagePackageInstalls(start);
  if (startInstalls.length) {
    return report(
      `its start installs system packages (${startInstalls.slice(0, 3).join(', ')}), which only root may do: a USER would make that step fail; no user added`,
      'Install the packages at build time (RUN before USER, or a derived image), or keep the service on root; then run docker-harden again.',
    );
  }
  // A service that overrides the start (compose command:/entrypoint:) runs that start under the same USER.
  const rootService = serviceNeedingRoot(ctx.project, df, base, services);
  if (rootService) {
    const name = `service ${rootService.service.name} (${rootService.service.compose.rel})`;
    const d = rootService.drop;
    if (d) {
      // A drop in the compose value names itself (`command of service worker (compose.yaml)`); one in a script, the script.
      const who = d.script ? `${name} starts ${d.where}, which` : d.where;
      return report(
        `${who} drops privileges itself (${d.drop.tool}${d.drop.user ? ` ${d.drop.user}` : ''}${d.script ? `, line ${d.drop.line}` : ''}): a USER here applies to every service built from this Dockerfile and would stop that drop; USER left alone, so it starts as root and drops to its user`,
        `compose/cap-drop gives ${rootService.service.name} back only ${d.caps.join(', ')}. To run it as non-root from the start, run the app directly in its command (without ${d.drop.tool}${d.caps.includes('CHOWN') ? ' and the chown before it, preparing those folders in the image instead' : ''}), then add USER by hand.`,
        'note',
      );
    }
    return report(
      `${name} starts with its own command or entrypoint, which starts ${rootService.daemons.slice(0, 3).join(', ')}, whose master process must start as root (it drops privileges itself); a USER here applies to every service built from this Dockerfile and would stop it; no user added`,
      'Keep it on root and let compose/cap-drop limit its capabilities, or run that daemon in its own container; then run docker-harden again.',
    );
  }
  // A service started (by compose) with an entrypoint this repository does not hold, on an image that installs gosu/su-exec.
  for (const svc of services) {
    const unseenHere = serviceUnseenDrop(ctx.project, svc, df, base);
    if (unseenHere) {
      return report(
        `it installs ${unseenHere.tool} (${unseenHere.dockerfile ? `${unseenHere.dockerfile} ` : ''}line ${unseenHere.line}) and service ${svc.name} starts with ${unseenHere.entrypoint}, which is not in this repository: it probably starts as root and drops to its own user there; a USER here applies to every service built from this Dockerfile and would break that; no user added`,
        `Check that entrypoint: if it drops privileges itself (${unseenHere.tool} <user>), keep the image on root and give compose cap_drop: [ALL] with cap_add SETUID, SETGID (and CHOWN if it chowns its data); if it does not, add a non-root USER by hand.`,
      );
    }
  }
  // Capabilities a service gives with cap_add reach only a process that starts as root: under a USER the process has none
  // of them (HomeLabInfo's scanner with NET_ADMIN, NET_RAW). What its own step down needs is not counted: the conditional
  // drop that replaces it runs as the user on purpose. Asked after the services' own starts: one that drops privileges
  // itself (compose command or entrypoint) holds cap_add for that drop (compose/cap-drop gives them back), which is the
  // drop's reason, not a lost capability.
  const lost = capsLostToUser(ctx.project, services, { built: true, dockerfile: df, stage, base, image: base.image, facts });
  const lostCaps = lost?.caps.filter((c) => !(drop?.caps.includes(c) ?? false)) ?? [];
  if (lost && lostCaps.length) {
    const given = lost.privileged ? 'privileged: true (every capability)' : `cap_add ${lostCaps.join(', ')}`;
    return report(
      `service ${lost.service.name} (${lost.where}) runs this image with ${given}: Docker gives those only to a process that starts as root (a non-root user starts with no effective capabilities, and Docker sets no ambient ones), so under a USER the app would lose them; no user added`,
      lost.privileged
        ? 'Keep it on root, or find the capabilities it needs and replace privileged with cap_drop: [ALL] and cap_add for those; then run docker-harden again.'
        : `Keep it on root with cap_drop: [ALL] and only those capabilities, or give the binary that needs them a file capability at build time (RUN setcap ${lostCaps.map((c) => `cap_${c.toLowerCase()}`).join(',')}+ep <binary> before USER; no-new-privileges then stops exec from raising it), then add USER by hand.`,
    );
  }
  // Host devices a service maps in keep the host's owner and mode (a USB serial adapter: root:dialout 0660): root opens
  // them, a USER without the device's group cannot, and that group's GID is the host's (zigbee2mqtt's adapter).
  const devices = devicesForRoot(ctx.project, services);
  if (devices) {
    return report(
      `service ${devices.service.name} (${devices.where}) maps the host device${devices.devices.length > 1 ? 's' : ''} ${devices.devices.join(', ')} into the container, and a device node keeps the host's owner and mode (a serial adapter is usually root:dialout 0660): as root the app opens it, under a USER it gets "Permission denied" unless the service adds the device's group, whose GID is the host's; no user added`,
      `Add group_add with the GID that owns the device on the host (ls -ln ${devices.devices[0]}; dialout is 20 on Debian and Ubuntu hosts) to the service, then add USER by hand; or keep it on root with cap_drop: [ALL].`,
    );
  }
  // What the services' own starts say: who the app runs as (compose environment's UWSGI_UID too), and what they write.
  const serviceStarts = services.map((svc) => ({ svc, start: serviceStart(ctx.project, svc, df, base) }));
  const runUsers = [...start.runUsers];
  for (const { svc, start: own } of serviceStarts) {
    for (const ev of [...(own === start ? [] : own.runUsers), ...environmentRunUsers(svc, own)]) if (!runUsers.some((r) => r.user === ev.user && r.how === ev.how)) runUsers.push(ev);
  }
  const startWrites = imageStartWrites(start);
  for (const { start: own } of serviceStarts) {
    if (own === start) continue;
    for (const w of imageStartWrites(own)) if (!startWrites.some((x) => x.path === w.path)) startWrites.push(w);
  }
  // What a Node.js start file writes (hoppscotch's `node prod_run.mjs`: build.env in its WORKDIR, import-meta-env over /site).
  // One path may be written and then removed (build.env): both needs count.
  for (const w of [...imageNodeStartWrites(ctx.project, df, base), ...services.flatMap((svc) => nodeStartWrites(ctx.project, svc, df, base))]) {
    if (!startWrites.some((x) => x.path === w.path && x.kind === w.kind)) startWrites.push(w);
  }
  // What the Python program the image starts writes in fixed paths (FileCodeBox's settings: `data_root = BASE_DIR / "data"`,
  // its SQLite database and uploads), read from its start module and the repository modules it imports.
  for (const w of [...imagePythonStartWrites(ctx.project, df, base), ...services.flatMap((svc) => pythonStartWrites(ctx.project, svc, df, base))]) {
    if (!startWrites.some((x) => x.path === w.path && x.kind === w.kind)) startWrites.push(w);
  }
  // What the Go program the image starts writes in fixed paths (paperless-gpt's `os.MkdirAll("prompts")` and `os.MkdirAll("db")`
  // in its WORKDIR /app), read from the package main its builder stage builds and the module's packages it imports.
  for (const w of [...imageGoStartWrites(ctx.project, df, base), ...services.flatMap((svc) => goStartWrites(ctx.project, svc, df, base))]) {
    if (!startWrites.some((x) => x.path === w.path && x.kind === w.kind)) startWrites.push(w);
  }
  // A SQLite database bind-mounted as one file (neonlink's `./bookmarks.sqlite:/app/db/bookmarks.sqlite`): SQLite creates its
  // rollback journal (or the -wal and -shm files) in the database's folder (https://www.sqlite.org/tempfiles.html), which is the
  // image's, so the user must be able to write that folder too, not only the host file.
  for (const svc of services) {
    for (const m of svc.volumes) {
      if (m.type !== 'bind' || m.readOnly || !SQLITE_FILE.test(m.target) || (m.hostPath && isDirectory(m.hostPath))) continue;
      const w: StartWrite = { path: m.target, kind: 'dir-of', how: `SQLite writes its journal beside ${m.target}, bind-mounted alone by service ${svc.name}` };
      if (!startWrites.some((x) => x.path === w.path && x.kind === w.kind)) startWrites.push(w);
    }
  }
  // An image that reaches the Docker daemon through a unix socket it names itself (nginx-proxy's Dockerfile.dockergen:
  // `ENV DOCKER_HOST=unix:///tmp/docker.sock`, where compose mounts /var/run/docker.sock): the socket is root:docker 0660
  // on the host, so a non-root user needs the daemon's group where it runs (compose/docker-socket-group adds group_add to
  // the services here that mount it). With no service here that runs the image, that is not known: no user added.
  const dockerHost = lastEnv(base.chain, 'DOCKER_HOST');
  if (dockerHost && /^unix:\/\//.test(dockerHost.value.trim()) && services.length === 0) {
    return report(
      `it talks to the Docker daemon through ${dockerHost.value.trim()} (ENV DOCKER_HOST at line ${dockerHost.instruction.line + 1}), a socket the host's docker group owns (mode 0660): as a non-root user it connects only with that group, which is given where the container runs, and no compose service here runs this image; no user added`,
      'Where the image runs, add USER with group_add for the docker group (group_add: ["${DOCKER_GID:-999}"] in compose, --group-add in docker run), or keep it on root; then run docker-harden again.',
    );
  }
  // A start-up write into a trust store (update-ca-certificates, sed -i on openssl.cnf): owning it is worse than root.
  const trustWrite = startWrites.find((w) => isTrustPath(w.kind === 'dir' ? w.path : path.posix.dirname(w.path)));
  if (trustWrite) {
    return report(
      `the start script ${trustWrite.conditional ? 'may write' : 'writes'} ${trustWrite.path} (${trustWrite.how}), in a folder that decides what the system trusts: a non-root user could do that only by owning it; no user added`,
      'Move that step into the build (RUN before USER), or keep the service on root; then run docker-harden again.',
    );
  }
  // The start rewrites accounts as root and never steps down (mealie's run.sh: `groupmod -o -g "$PGID" abc`, `usermod`, then
  // `chown -R`, under `set -e`): only root may edit /etc/passwd and /etc/group, so with a USER the first of them fails and the
  // container exits (mealie reverted its USER, mealie-recipes/mealie#724). A script that checks `id -u` first skips them.
  const accounts = drop ? [] : imageAccountChangesUnchecked(start);
  if (accounts.length) {
    return report(
      `its start changes accounts as root (${accounts.slice(0, 3).join(', ')}) and does not drop privileges after: a USER would make that fail; no user added`,
      'Move the account changes into the build (RUN before USER) and drop the PUID/PGID remapping, or guard them with `if [ "$(id -u)" = 0 ]` and step down after (gosu, su-exec, setpriv); then run docker-harden again.',
    );
  }
  // The start sets a file capability as root before it steps down (vault's docker-entrypoint.sh: `setcap cap_ipc_lock=+ep
  // $(readlink -f $(which vault))` so the server can mlock, hashicorp/docker-vault 3ea7764 kept root for it). Only a process
  // holding CAP_SETFCAP may set file capabilities (capabilities(7)): as a non-root USER the command fails, and under
  // `set -e` the container exits. Run as that user, the binary needs the capability set at build time, the capability in
  // the container's bounding set (cap_add) and no no-new-privileges, which stops execve from granting file capabilities
  // (https://docs.kernel.org/userspace-api/no_new_privs.html: "file capabilities will not add to the permitted set").
  const capSets = imageFileCapSets(start);
  if (capSets.length) {
    return report(
      `its start sets file capabilities as root (${capSets.slice(0, 3).map((x) => x.how).join(', ')}), which needs CAP_SETFCAP: a USER would make that step fail; no user added`,
      `${drop ? `Keep it on root: its start steps down itself (${drop.drop.tool}${drop.drop.user ? ` ${drop.drop.user}` : ''}), and compose/cap-drop gives it only what that needs. Or` : 'Keep it on root, or'} set the capability at build time (RUN setcap … before USER), skip the start-time setcap, and run the service with that capability in cap_add and without no-new-privileges (which stops execve from granting file capabilities); then add USER by hand.`,
    );
  }
  const stockNginx = packageNginxOnStockConfig(ctx, df, base, services);
  if (stockNginx) {
    return report(
      `${stockNginx}: a non-root USER would stop nginx from starting; no user added`,
      'Copy a full nginx.conf into the image with pid and *_temp_path under /tmp and listen 8080, then run docker-harden again (nginx/unprivileged then prepares the rest).',
    );
  }
  // A service that mounts something into root's HOME (opengist's dev container: `-v ~/.opengist-dev:/root/.opengist`, credentials at
  // /root/.aws, /root/.ssh): running as root, the app finds it through HOME=/root. Under a USER the app gets another HOME and,
  // /root being mode 700 on Debian and Alpine, no way in: it starts afresh beside its data, or without its credentials. Caches
  // (/root/.cache) are only refilled, so they do not stop the USER (the finding says to move them).
  const homeMount = services.flatMap((svc) => svc.volumes.filter((m) => m.type !== 'tmpfs' && isUnderRoot(m.target.replace(/\/+$/, '')) && !isUnder(m.target, '/root/.cache')).map((m) => ({ svc, m })))[0];
  if (homeMount) {
    const { svc, m } = homeMount;
    return report(
      `service ${svc.name} (${svc.compose.rel}) mounts ${m.type === 'bind' ? m.source ?? 'a host folder' : `volume ${m.source ?? '(anonymous)'}`} at ${m.target}, in root's HOME: the app finds it there as root; under a USER it gets another HOME and cannot enter /root, so it would start without that ${m.readOnly ? 'configuration' : 'data'}; no user added`,
      `Mount it outside /root (say /data) and point the app at it (its data or config setting, or HOME), then run docker-harden again.`,
    );
  }
  // The same through a `docker run -v` of this image in a script, Makefile or CI job (opengist's `make run_dev_docker`:
  // `-v $(HOME)/.opengist-dev:/root/.opengist`, where the app keeps its data under HOME when run as root).
  const runHomeMount = homeMountsOfRuns(ctx, df, stage)[0];
  if (runHomeMount) {
    const { use, spec, target } = runHomeMount;
    return report(
      `docker run -v ${spec} (${use.at.rel}:${use.at.line}) mounts into root's HOME (${target}): the app finds it there as root; under a USER it gets another HOME and cannot enter /root, so it would start without that data; no user added`,
      `Mount it outside /root (say /data) and point the app at it (its data or config setting, or HOME), then run docker-harden again.`,
    );
  }
  // The image's own ENV points the app at a folder in root's HOME for its data or configuration (halo-dev/halo:
  // `ENV HALO_WORK_DIR="/root/.halo2"`, where it keeps its H2 database, plugins and logs, and
  // `SPRING_CONFIG_LOCATION=…file:/root/.halo2/`; its docs mount the data volume there). As root that works; under a
  // USER the process can neither enter /root (mode 700 on Debian, Ubuntu and Alpine) nor write there, and a volume
  // already there holds root's files: the app stops at its first write. Search paths are rootRuntimeUses', caches and
  // HOME home-cache-env's, and toolchain homes (GOPATH, CARGO_HOME, …) are only written by the build.
  const dataSettings = rootDataSettings(base);
  if (dataSettings.length) {
    return report(
      `${dataSettings.slice(0, 2).join(', ')} ${dataSettings.length > 1 ? 'point' : 'points'} the app at root's HOME for its files: as root it keeps them there; under a USER it can neither enter /root (mode 700 on Debian, Ubuntu and Alpine) nor write there, and a volume mounted there holds root's files; no user added`,
      `Point ${dataSettings.length > 1 ? 'those settings' : 'that setting'} at a folder outside /root (say /data), make it in the image and chown it to the app user, and mount the volume there (existing volumes: chown their files to that user); then run docker-harden again.`,
    );
  }
  // A start option tells the program to keep its data in root's HOME (tailscale/golink's `--sqlitedb /root/golink.db`,
  // review 2026-12-f row 200): as root it makes the file there; a USER can neither enter nor write /root, so the program
  // fails to open its database at start. Only the command's author knows where else it may go (and where the old data is).
  const rootData = startWrites.filter((w) => w.keeps && !w.observed && isUnderRoot(w.kind === 'dir' ? w.path : path.posix.dirname(w.path)));
  if (rootData.length) {
    return report(
      `its start keeps data in root's HOME (${rootData.slice(0, 2).map((w) => w.how).join(', ')}): as root it writes there; under a USER it can neither enter /root (mode 700 on Debian, Ubuntu and Alpine) nor write there, so the program fails to open its data; no user added`,
      `Point that option at a folder outside /root (say /data, or the user's home), make it in the image and chown it to the app user, and mount the volume there (existing data: move it and chown it to that user); then run docker-harden again.`,
    );
  }
  // An app under /root (mode 700 on many bases): move it out first, or let the user through /root.
  const rootApp = appUnderRoot(ctx, df, stage, base, services, start);
  if (rootApp && 'move' in rootApp) {
    return { transform: ID, file: df.path, range: at, message: rootApp.message, severity: 'warning', cis: CIS, fix: { edits: rootApp.move } };
  }
  const shared = sharedUid(ctx, services);
  const planned = planUser(ctx.options, base, df, shared, dropFix?.preferred, runUsers);
  if (!planned) {
    return report(`no known way to create a user on ${base.distro ?? 'this base'}`, 'Add a non-root USER by hand.');
  }
  // `USER ${RUN_USER}` where the build argument comes out root (`ARG RUN_USER=root`, a compose build arg): a USER added
  // after it would override every value a build passes, so the one place to fix is the argument's value.
  const argRoot = user.instruction ? rootThroughBuildArg(base, user.instruction) : undefined;
  if (argRoot) {
    const suggestion = !planned.create && planned.name !== 'root' ? ` (${planned.name}, ${planned.reason ?? 'an account the image has'})` : '';
    return report(
      `USER ${user.instruction!.args[0]} (line ${user.instruction!.line + 1}) runs as root: ${argRoot.how}; a USER added after it would override every value a build passes, so none is added`,
      `Give ${argRoot.names.join(' and ')} a non-root value${suggestion} in the ARG default or the build's args (compose build.args, --build-arg), or replace the USER with a fixed non-root one; then run docker-harden again.`,
    );
  }
  const rootGroup = rootGroupWrites(chainInstructions(base.chain), df.parsed.escape, workdirs(base.chain, base.buildArgs, base.globalArgs));
  const plan = rootGroup.length ? inRootGroup(planned, rootGroup) : planned;
  // An app kept under /root on a base with no shell: no RUN can make /root traversable. scratch has no /root of its own:
  // the build's WORKDIR or COPY makes it, mode 755 (on the team engine: `FROM scratch`, `WORKDIR /root/`, `COPY f .` gave
  // drwxr-xr-x root/root), so the user enters it. distroless and other shell-less bases bring Debian's base-files, whose
  // /root is mode 700: the user could not reach the app.
  let rootAppMessage = rootApp?.message;
  if (rootApp && !plan.shell) {
    if (base.distro !== 'scratch') {
      return report(
        `the app sits under /root, which is mode 700 on ${base.image ?? 'this base'} (Debian's base-files) and which ${plan.user} cannot enter; with no shell in the image nothing can make it traversable or chown it; no user added`,
        `Put the app outside /root (WORKDIR /app and the COPY destinations, and what refers to the old path), then run docker-harden again.`,
      );
    }
    rootAppMessage = `the app sits under /root, which scratch does not have: this build's WORKDIR or COPY makes it with mode 755, so ${plan.user} can enter it`;
  }
  const sharedBind = bindSharedWithOtherUser(ctx.project, services, plan);
  if (sharedBind) {
    return report(
      `bind mount ${sharedBind.source}:${sharedBind.target} of ${sharedBind.service} is also mounted by service ${sharedBind.other} (${sharedBind.file}), which runs as ${sharedBind.user}${sharedBind.uid !== undefined ? ` (UID ${sharedBind.uid})` : ''}, not ${plan.user}: the host folder is prepared for that user (an install script's chown and chmod 700 are common: coolify's /data/coolify/ssh is 9999's), and as ${plan.user} this image could not read what ${sharedBind.other} keeps there, nor could both own it; no user added`,
      `Run this image as the UID ${sharedBind.other} runs as (${sharedBind.uid !== undefined ? `USER ${sharedBind.uid}` : `its ${sharedBind.user}'s numeric UID: a name may stand for another UID in this image`}, or user: in compose), or give the shared folder a group both users are in (group_add, chmod g+rwX); then run docker-harden again.`,
    );
  }
  // The start steps up to root with sudo/doas (`sudo mkdir -p /run/app`). Run as root today, that is a no-op; run as the
  // user a USER names, sudo asks for that user's password (there is no terminal to give it) or refuses a user not in
  // sudoers ("user NAME is not in the sudoers file", sudoers(5)), and the start fails. Only a Dockerfile that grants the
  // user NOPASSWD in sudoers keeps that working; otherwise no USER is added.
  const stepsUp = startEscalations(start);
  for (const { start: own } of serviceStarts) if (own !== start) for (const e of startEscalations(own)) if (!stepsUp.includes(e)) stepsUp.push(e);
  if (stepsUp.length && !grantsNoPassword(df, base, plan.name)) {
    return report(
      `its start steps up to root with ${stepsUp.slice(0, 3).join(', ')}: as root that is a no-op, but as ${plan.name} sudo would ask for a password or refuse a user not in sudoers, and the start would fail; no user added`,
      `Move those steps into the build (RUN before USER) or run them without sudo in a start that stays root, or grant ${plan.name} exactly those commands with NOPASSWD in /etc/sudoers.d (no-new-privileges must then stay off); then add USER ${plan.user} by hand.`,
    );
  }
  // `sudo -u nobody /app/bin/migrate` in a start that runs as root: as the user, sudo consults sudoers for it too and refuses.
  const switches = startUserSwitches(start);
  for (const { start: own } of serviceStarts) if (own !== start) for (const e of startUserSwitches(own)) if (!switches.includes(e)) switches.push(e);
  if (switches.length && !grantsNoPassword(df, base, plan.name)) {
    return report(
      `its start runs ${switches.slice(0, 3).join(', ')}: as root that works, but as ${plan.name} sudo asks sudoers even to run a command as a user, refuses one it does not list ("is not in the sudoers file"), and no-new-privileges stops it; no user added`,
      `Run those steps without sudo once the image runs as its user (they already run as that user), or grant ${plan.name} exactly those commands with NOPASSWD in /etc/sudoers.d (no-new-privileges must then stay off); then add USER ${plan.user} by hand.`,
    );
  }
  // A chown to another owner in a start that does not step down and does not check for root first (quality-time's testldap
  // run.sh: `chown -R openldap:openldap /etc/ldap` under set -e, then slapd -u openldap): only root may give files away
  // (chown(2), EPERM), so under the new USER the start stops there. The same check reports an existing USER (existingUserAtStart).
  const planNames = new Set([plan.name, plan.user.split(':')[0]!, ...(plan.uid !== undefined ? [String(plan.uid)] : [])]);
  const foreignChowns = drop
    ? []
    : [...start.scripts.map((sc) => ({ reading: sc.reading, text: sc.source.text as string | undefined })), ...(start.command ? [{ reading: start.command, text: undefined }] : [])]
        .filter(({ text }) => !text || ERREXIT.test(text))
        .flatMap(({ reading }) => reading.rootOnlySteps ?? [])
        .filter((x) => x.kind === 'chown' && x.owner !== undefined && !x.owner.includes('$') && !planNames.has(x.owner.split(/[:.]/)[0]!));
  if (foreignChowns.length) {
    const may = onSomeStartsOnly(foreignChowns);
    return report(
      `its start ${may ? 'may run' : 'runs'} ${foreignChowns.slice(0, 3).map((x) => x.how).join(', ')} outside a root check and stops at a failed step (set -e): only root may give files to another user, so under USER ${plan.user} the start ${may ? 'may stop there (where that step runs)' : 'would stop there'}; no user added`,
      `Give those files to their owner at build time (RUN chown … before USER) and drop the chown from the start, or guard it with if [ "$(id -u)" = 0 ]; then run docker-harden again.`,
    );
  }
  // Configuration a build step wrote for root alone (`git config --global`, `npm config set`): the new user does not read it.
  const homeConfig = rootHomeConfigWrites(df, base);
  // Python packages pip put in root's user site (`pip install --user` as root, `COPY --from=builder /root/.local`).
  const userSite = rootUserSiteInstalls(df, base);
  if (userSite.length && !plan.shell) {
    return report(
      `${userSite.slice(0, 2).join(', ')} put Python packages in root's user site (/root/.local): as ${plan.user} Python looks in its own HOME, and root's HOME cannot be opened for it here (no shell to run chmod), so the app would not find its packages; no user added`,
      `Install the packages without --user (into the image's site-packages or a virtualenv outside /root), or copy them to a folder the user can read and point PYTHONUSERBASE there; then run docker-harden again.`,
    );
  }
  // Programs and modules the runtime finds in folders under /root (a PATH entry there, an ENTRYPOINT naming one).
  const rootUses = base.distro === 'scratch' ? [] : rootRuntimeUses(base);
  if (rootUses.length && !plan.shell) {
    return report(
      `the image runs programs from under /root (${rootUses.slice(0, 2).join(', ')}), which is mode 700 on ${base.image ?? 'this base'} (Debian's base-files): ${plan.user} could not reach them, and with no shell in the image nothing can make /root traversable; no user added`,
      `Install those programs outside /root (a virtualenv or prefix such as /opt/tools, UV_TOOL_BIN_DIR/PIPX_BIN_DIR/CARGO_HOME pointing there) and point the ENV and start at it; then run docker-harden again.`,
    );
  }
  // The install folders its server writes, less those the repository's configuration turns off (unpackWARs="false").
  const installs = baseWithoutWritesOwnedBy(baseWithInstallSettings(ctx.project, df, base, services), plan.uid);
  // `docker compose watch` copies changed files into its sync targets as the container's user ("watch also requires that
  // the container's USER can write to the target path", Docker docs, Compose file watch, prerequisites), and its docs
  // give that user the files there (COPY --chown). A target inside the image (the app's code folder) is the user's
  // then, all of it, since a sync overwrites files anywhere below; a system folder or one not named by an absolute
  // path is not given away: USER waits. The app's folder may sit in a system tree (node's /usr/src/app convention): a
  // target inside a WORKDIR at least three levels deep under /usr or /var is the app's code, not the system's.
  const synced = watchSyncsOf(ctx.project, services);
  const appDir = workdirs(base.chain, base.buildArgs, base.globalArgs).final;
  const inAppDir = (t: string) => !!appDir && /^\/(usr|var)\/[^/]+\/[^/]+/.test(appDir) && !/^\/usr\/(s?bin|lib\w*|local\/s?bin|local\/lib\w*)(\/|$)/.test(appDir) && isUnder(t, appDir);
  const unownable = synced.targets.filter((t) => !t.startsWith('/') || t.includes('$') || t === '/' || (isSystemPath(t) && !inAppDir(t)) || isUnderRoot(t));
  if (unownable.length) {
    return report(
      `compose watch syncs files into ${unownable.slice(0, 3).join(', ')} (develop.watch${synced.files.length ? ` in ${synced.files.join(', ')}` : ''}), which the container's user must write, and the tool does not give ${unownable.length > 1 ? 'those' : 'that'} to the app's user (a system folder or not an absolute path); no user added`,
      `Sync into the app's own folder and give it to the user (COPY --chown=${plan.owner} …, or RUN chown -R ${plan.owner} <target> before USER), then add USER ${plan.user}; or run docker-harden again after that.`,
    );
  }
  const layout = ownership(ctx.options, df, stage, installs, plan, services, startWrites, synced.targets);
  // The empty final WORKDIR the program writes by relative paths is /root itself (imageWritePaths' data WORKDIR:
  // rustdesk-server's classic image on a base with a shell). `chmod o+x /root` lets the user enter it, not write it, and
  // chowning root's HOME to the user would let the user plant the dotfiles root reads in every `docker exec` shell
  // (.profile, .bashrc, .ssh): the folder has to move, so no USER until it does. A folder under /root is chowned itself.
  if (plan.shell && appDir === '/root' && layout.dirs.includes('/root')) {
    const reason = layout.startReasons.find((r) => r.startsWith("the app's working folder (WORKDIR /root)"));
    return report(
      `${reason ?? "the app's working folder (WORKDIR /root) is its data folder"}; ${plan.user} could enter /root once made traversable but not write it, and giving root's HOME to the user would let it plant the files root reads in a shell (.profile, .bashrc, .ssh); no user added`,
      `Move the data folder out of /root: WORKDIR /data (and a volume or bind mount moved from /root to /data), RUN mkdir -p /data && chown ${plan.owner} /data before it, then add USER ${plan.user}; or run docker-harden again after that.`,
    );
  }
  const unwritable = plan.shell ? startWritesLeftToRoot(df, base, plan, layout, services, startWrites) : [];
  // No shell to make or chown a folder the user must write (a VOLUME, a named volume's target, a start write): it stays
  // root's 755, and a new named volume copies that ownership, so the app cannot write there as the user (engine check,
  // 20.10: `touch /data/x` in a fresh volume at /data fails as 65532:65532). doco-cd's distroless image with `VOLUME /data`
  // would lose every clone; the tool cannot bring an empty owned folder in by itself, so no USER until it is.
  // The same holds for the empty final WORKDIR the program writes by relative paths (imageWritePaths' data WORKDIR; on
  // scratch also one under /root, which the WORKDIR makes root's 755): a bind mount there is the host folder's, root's
  // unless prepared, so the other way is a volume whose files are already the user's.
  if (layout.unowned.length) {
    const workdirData = appDir !== undefined && layout.unowned.includes(appDir);
    return report(
      `its base has no shell to make or chown ${layout.unowned.join(', ')}, which ${plan.user} must write (a VOLUME, a volume's target or a folder its start writes${workdirData ? `; ${appDir} is the empty working folder the program writes by relative paths` : ''}): left root's (mode 755), a new volume there copies that ownership and the app could not write it; no user added`,
      `Bring each in owned by the user: an empty folder made in a build stage and copied with COPY --chown=${plan.owner} --from=<stage> <folder> ${layout.unowned[0]}, then add USER ${plan.user}${workdirData ? ` (or add USER ${plan.user} and always mount a volume or host folder there whose files are ${plan.owner}'s)` : ''}; or run docker-harden again after that.`,
    );
  }
  // Only a step that stops the start holds USER back: one in a script under `set -e` (or the command's own text, where
  // `mkdir -p /x && exec app` stops at the mkdir). Elsewhere the script goes on past the failed write, and the finding says so.
  const scriptsRead = [...start.scripts, ...serviceStarts.flatMap(({ start: own }) => own.scripts)];
  const stops = (w: StartWrite) => {
    const sc = scriptsRead.find((x) => w.how.includes(`(${x.where} line `));
    return !sc || ERREXIT.test(sc.source.text);
  };
  // Django's collectstatic at start (netbox-docker's entrypoint under `set -e`, Tandoor's boot.sh) writes STATIC_ROOT, which
  // settings.py names and which is not read here: as root it always works; as the user only where that folder is the user's.
  // A folder of the app named static* given to the user (a mkdir, a volume, a chown of the build), or the app tree itself
  // (--chown-workdir, a chown at or above WORKDIR), is taken to be it; else USER waits (netbox-community/netbox-docker#186
  // had to make static/ and media/ group-writable for its non-root run).
  const collects = [...imageStaticCollects(start), ...serviceStarts.flatMap(({ start: own }) => (own === start ? [] : imageStaticCollects(own)))];
  if (collects.length) {
    const names = new Set([plan.name, plan.user, plan.owner, ...(plan.uid !== undefined ? [String(plan.uid)] : [])]);
    const byBuild = chownsIn(base.chain, df.parsed.escape, df.parsed.globalArgs)
      .filter((c) => names.has(c.user) || names.has(c.user.split(':')[0]!))
      .flatMap((c) => c.paths);
    const mounted = services.flatMap((s) => s.volumes.filter((m) => m.type !== 'tmpfs').map((m) => m.target.replace(/\/+$/, '') || '/'));
    const vols = chainInstructions(base.chain).filter((i) => i.keyword === 'VOLUME').flatMap((i) => i.json ?? i.args);
    const given = [...layout.dirs, ...layout.writableDirs, ...byBuild, ...mounted, ...vols];
    const app = workdirs(base.chain, base.buildArgs, base.globalArgs).final;
    const covered = given.some((d) => /static/i.test(path.posix.basename(d)) || (app !== '/' && isUnder(app, d) && d !== '/'));
    if (!covered) {
      return report(
        `its start runs Django's ${collects.slice(0, 2).join(', ')}, which writes STATIC_ROOT (named in settings.py, not read here), and no folder of the app named static* is given to ${plan.user}: under a USER that step fails where the folder is root's and the start stops; no user added`,
        'Run collectstatic in the build (RUN … collectstatic --noinput before USER), or make STATIC_ROOT (and MEDIA_ROOT for uploads) in the image and chown them to the app user, or mount volumes there; then run docker-harden again.',
      );
    }
  }
  // A build the start runs through package.json (Ackee's "start": "npm run build && npm run server", dashy's npm-run-all of
  // `vue-cli-service build --watch`) writes its output into the app's folder at every start, where the tool's configuration
  // says (dist/, build/, .next): as root that always works; as the user only where the app tree is the user's (--chown-workdir,
  // a chown of the build at or above the folder it runs in). lissy93/dashy had to chown /app/dist for its non-root image.
  const builds = [...imageStartBuilds(start), ...serviceStarts.flatMap(({ start: own }) => (own === start ? [] : imageStartBuilds(own)))];
  if (builds.length) {
    const names = new Set([plan.name, plan.user, plan.owner, ...(plan.uid !== undefined ? [String(plan.uid)] : [])]);
    const byBuild = chownsIn(base.chain, df.parsed.escape, df.parsed.globalArgs)
      .filter((c) => c.recursive && (names.has(c.user) || names.has(c.user.split(':')[0]!)))
      .flatMap((c) => c.paths);
    const given = [...byBuild, ...(ctx.options.chownWorkdir ? [workdirs(base.chain, base.buildArgs, base.globalArgs).final] : [])];
    const folders = builds.map((b) => b.slice(b.lastIndexOf(' in ') + 4));
    if (!folders.every((f) => given.some((d) => d !== '/' && isUnder(f, d)))) {
      return report(
        `its start runs a build: ${builds.slice(0, 2).join('; ')}, which writes its output into the app's folder at every start (where is the build tool's configuration, not read here), root-owned in the image: under a USER that build fails; no user added`,
        'Run the build in the image (RUN … before USER) and start only the server, or give the build\'s output folder (or the app folder, --chown-workdir) to the app user; then run docker-harden again.',
      );
    }
  }
  const installsLeftToRoot = depInstallsLeftToRoot(ctx, df, base, plan, layout, services, start, serviceStarts);
  if (installsLeftToRoot) {
    const { hows, where } = installsLeftToRoot;
    return report(
      `its start installs dependencies (${hows.slice(0, 3).join('; ')}), which write ${where.slice(0, 4).join(', ')}${where.length > 4 ? ', …' : ''}: root-owned or not made in the image, and the tool cannot give ${where.length > 1 ? 'them' : 'it'} to ${plan.user} on grounds it can check: under a USER the install fails and the start stops; no user added`,
      `Install the dependencies in the build (RUN … before USER) and drop the install from the start; or give the project folder to the app user (RUN chown -R ${plan.owner} <folder> before USER, or a volume) and point the package manager's store and cache under the user's HOME (PNPM_HOME, npm_config_cache, COMPOSER_HOME, BUNDLE_PATH, a virtualenv the user owns); then run docker-harden again.`,
    );
  }
  const fatal = unwritable.filter(stops);
  const lostWrites = unwritable.filter((w) => !stops(w));
  if (fatal.length) {
    const list = fatal.slice(0, 3).map(startWriteText).join(', ');
    const may = onSomeStartsOnly(fatal);
    return report(
      `its start ${may ? 'may write' : 'writes'} ${list}, where only root may write and which the image cannot give ${plan.user} (a folder of the system, or one at the top of the tree that is not in the image): under a USER that step fails ${may ? 'where it runs ' : ''}and the start stops (set -e, or a && chain); no user added`,
      `Make those folders or files in the image and chown them to the app user (RUN mkdir -p … && chown … before USER), or move the write into the build (RUN), or point it at a folder the app owns (a volume, /tmp); then run docker-harden again.`,
    );
  }
  // A write the script goes on past (no set -e) still breaks the start where the script then execs its program on that
  // folder: hatchet-lite's start.sh fills ./config (hatchet-admin's generated configuration, a token `> ./config/…`)
  // and ends `exec ./hatchet-lite --config ./config`, so a /config the user cannot write (a fresh volume there is
  // root's, as is a folder Docker makes for a mount) leaves the program without its configuration.
  const handedOver = lostWrites.flatMap((w) => {
    const sc = scriptsRead.find((x) => w.how.includes(`(${x.where} line `));
    if (!sc) return [];
    const folder = w.kind === 'dir' ? w.path : path.posix.dirname(w.path);
    const arg = execPathArgs(sc.source.text, appDir ?? '/').find((a) => a.path !== '/' && folder !== '/' && (isUnder(folder, a.path) || isUnder(a.path, folder)));
    return arg ? [{ w, arg: `${arg.how.replace(/\(line /, `(${sc.where} line `)}` }] : [];
  });
  if (handedOver.length) {
    const steps = handedOver.map((x) => x.w);
    const may = onSomeStartsOnly(steps);
    return report(
      `its start ${may ? 'may write' : 'writes'} ${steps.slice(0, 3).map(startWriteText).join(', ')}, where only root may write, and then execs ${[...new Set(handedOver.map((x) => x.arg))].slice(0, 2).join(', ')}, handing that folder to the program: under USER ${plan.user} the step fails${may ? ' where it runs' : ''}, the script goes on (no set -e) and the program starts without what it writes there; no user added`,
      `Make that folder in the image and chown it to the app user (RUN mkdir -p … && chown ${plan.owner} … before USER), and mount only volumes whose files are that user's there; or point the step and the program at a folder the user owns; then run docker-harden again.`,
    );
  }
  const edits = [
    ...layout.copyEdits,
    ...placeEdits(df, stage, plan, { ...layout, traverseRoot: !!rootApp || userSite.length > 0 || rootUses.length > 0, env: userSite.length ? [`PYTHONUSERBASE=${ROOT_USER_BASE}`] : [] }),
    ...descendantEdits(df, stage, plan, imageStages(ctx.project, df)),
    ...(dropFix?.edits ?? []),
    ...homeConfig.flatMap((w) => (w.edit ? [w.edit] : [])),
  ];

  const guard = plan.guarded
    ? ` unless the base already has a user there, which is then reused (named ${plan.name}-${plan.uid === plan.gid ? plan.uid : 'ID'} where the base already uses ${plan.name} at another ID)`
    : '';
  const what = plan.create
    ? `create user ${plan.name} at UID ${plan.uid}${guard}, USER ${plan.user}`
    : !plan.shell
      ? `switch to numeric USER ${plan.user} (${plan.name}; no shell to create a user)`
      : plan.name === plan.user
        ? `switch to the existing user ${plan.user}`
        : `switch to the existing user ${plan.name}, USER ${plan.user}`;
  const parts = [`final stage runs as root: ${what}`];
  if (plan.reason) parts.push(plan.reason);
  if (plan.refNote) parts.push(plan.refNote);
  if (dropFix) parts.push(dropFix.message);
  if (rootAppMessage) parts.push(rootAppMessage);
  const shallow = layout.dirs.filter((d) => !layout.deepDirs.includes(d));
  if (shallow.length) parts.push(`chown ${shallow.join(', ')}`);
  const volumeDeep = layout.deepDirs.filter((d) => !layout.synced.includes(d) && !layout.treeDirs.includes(d));
  if (layout.treeDirs.length) parts.push(`chown -R ${layout.treeDirs.join(', ')}: the start rewrites files anywhere below it (sed -i makes its new file in each folder that holds one)`);
  if (layout.synced.length) parts.push(`chown -R ${layout.synced.join(', ')}: compose watch syncs files there (develop.watch${synced.files.length ? ` in ${synced.files.join(', ')}` : ''}) as the container's user`);
  if (volumeDeep.length) {
    parts.push(`chown -R ${volumeDeep.join(', ')}: a new volume there copies what the base image holds, and ${base.image ?? 'the base image'} is not known here, so folders it made there may be root's`);
  }
  if (layout.files.length) parts.push(`create and chown ${layout.files.join(', ')}`);
  if (layout.writableDirs.length) parts.push(`chown ${layout.writableDirs.join(', ')} itself (not the code in it)`);
  if (layout.startReasons.length) parts.push(`written at start: ${layout.startReasons.join('; ')}`);
  // A settings module the start names but that is not here: STATIC_ROOT and MEDIA_ROOT, and so what they make the app write, are not known.
  const unreadSettings = [...new Set([start, ...serviceStarts.map((x) => x.start)].flatMap((st) => st.unreadSettings ?? []))];
  if (unreadSettings.length) parts.push(`could not read ${unreadSettings.slice(0, 2).join(', ')}: the folders its STATIC_ROOT and MEDIA_ROOT name are not prepared`);
  if (layout.copied.length) parts.push(`COPY --chown into ${layout.copied.join(', ')}`);
  if (lostWrites.length) {
    parts.push(
      `its start ${onSomeStartsOnly(lostWrites) ? 'may write' : 'writes'} ${lostWrites.slice(0, 3).map(startWriteText).join(', ')}, where only root may write: as ${plan.user} that step fails${onSomeStartsOnly(lostWrites) ? ' where it runs' : ''} and the script goes on without it (no set -e); move it into the build if the app needs it`,
    );
  }
  const movedConfig = homeConfig.filter((w) => w.edit);
  const lostConfig = homeConfig.filter((w) => !w.edit);
  if (movedConfig.length) {
    parts.push(`${movedConfig.map((w) => w.how).join(', ')} wrote root's ~/.gitconfig, which ${plan.user} would not read: made --system (/etc/gitconfig, read by every user)`);
  }
  if (userSite.length) {
    parts.push(
      `${userSite.slice(0, 2).join(', ')} put Python packages in root's user site (${ROOT_USER_BASE}), which Python would not look in for ${plan.user} (it takes the user site from HOME): ENV PYTHONUSERBASE=${ROOT_USER_BASE} keeps them on its path${rootApp ? '' : ', and /root made traversable (chmod o+x /root: enter, not list; it is mode 700 on Debian bases)'}`,
    );
  }
  if (rootUses.length) {
    const opened = rootApp || userSite.length ? '/root is made traversable (above)' : '/root made traversable (chmod o+x /root: enter, not list; it is mode 700 on Debian bases)';
    parts.push(`the image runs programs from under /root (${rootUses.slice(0, 3).join(', ')}), which ${plan.user} could not reach: ${opened}; the folders below stay as their installers left them (755 under umask 022)`);
  }
  if (lostConfig.length) {
    parts.push(
      `${lostConfig.map((w) => w.how).join(', ')} ${lostConfig.length > 1 ? 'write' : 'writes'} configuration into root's HOME, which ${plan.user} does not read: if the app needs it at run time, write it system-wide (git config --system, npm config set --location=global, pip config --global set) or after USER`,
    );
  }
  if (layout.underRoot.length) parts.push(`named volumes at ${layout.underRoot.join(', ')} sit under /root, which ${plan.user} cannot enter: move their targets`);
  // scratch has no /etc/passwd: the engine sets HOME=/ for a UID it cannot look up (and an image's nobody has home /),
  // which the user cannot write; with no shell the tool cannot make one. Programs that keep files under HOME
  // (caddy's ~/.local/share/caddy, caches, config) fail there unless HOME or their XDG_* variables point elsewhere.
  if (!plan.shell && base.distro === 'scratch' && plan.uid === 65534 && !lastEnv(base.chain, 'HOME') && !['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME'].every((v) => lastEnv(base.chain, v))) {
    // A program known to keep files there (caddy's certificates and autosaved configuration) is named with the folders to bring in.
    const writer = homeWriterOf(imageStartCommands(base));
    const unset = writer?.dirs.filter((d) => !lastEnv(base.chain, d.variable)) ?? [];
    if (writer && unset.length) parts.push(homeWriterNote(df, stage, plan, writer, unset));
    else if (!writer) parts.push(`HOME stays / for ${plan.user} on scratch, which it cannot write: point HOME (or XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME) at a folder COPY --chown=${plan.owner} brings in, or a volume, if the program keeps files there`);
  }
  const corepackNote = corepackRefetchNote(ctx.project, df, base, plan, [start, ...serviceStarts.map((x) => x.start)]);
  if (corepackNote) parts.push(corepackNote);
  if (base.distroGuessed) parts.push(`distro guessed from RUN: ${base.distro}`);
  if (shared && plan.create) parts.push(`UID ${plan.uid} shared with service ${shared.service} over volume ${shared.volume}`);
  if (shared && !plan.create && plan.uid !== shared.uid) {
    parts.push(`service ${shared.service} shares volume ${shared.volume} but runs as UID ${shared.uid}: make them match`);
  }
  // A sibling service writing the same folder or volume as another user undoes the chown below on every file it makes.
  const writers = otherWriters(ctx, services, plan).filter((w) => !(shared && w.shared.mount.type === 'volume' && w.shared.peer.name === shared.service && w.shared.mount.source === shared.volume));
  for (const w of writers) parts.push(otherWriterText(w, plan));
  const notes = migrationNotes(ctx.project.cwd, services, plan, layout.codeDirs, [...layout.dirs, ...layout.writableDirs], writers);
  if (notes.some((n) => n.kind === 'bind-mount')) parts.push(`bind mounts keep host ownership: prepare them for ${plan.owner} (see notes)`);
  // A `docker run` of this image that mounts the Docker socket as neither another user nor with a group: the socket is
  // root:docker 0660 on the host, so the user this fix makes is refused there (compose services get group_add from
  // compose/docker-socket-group; a command in a script is not edited). Named so the command can be given the group.
  const socketRuns = socketRunsWithoutGroup(ctx, df, stage);
  if (socketRuns.length) {
    const where = socketRuns.slice(0, 3).map((u) => `${u.at.rel}:${u.at.line}`).join(', ') + (socketRuns.length > 3 ? ` and ${socketRuns.length - 3} more` : '');
    parts.push(`docker run at ${where} mounts the Docker socket with neither --user nor --group-add: ${plan.user} cannot reach the socket there (root:docker, mode 0660 on the host); add --group-add "$(stat -c %g /var/run/docker.sock)" to ${socketRuns.length > 1 ? 'those commands' : 'that command'}`);
  }
  return {
    transform: ID,
    file: df.path,
    range: at,
    message: parts.join('; '),
    severity: 'warning',
    cis: CIS,
    fix: { edits },
    ...(notes.length ? { notes } : {}),
  };
}

/**
 * A stage that already runs as a non-root user (its own USER, by name, number or build argument, or one inherited
 * from a base built here or known to the table) whose start takes steps only root can take: the checks made for a
 * USER the tool adds, applied to the one that is there. Reported, never rewritten: which way the author wants it
 * (drop the USER and let the entrypoint step down, or prepare the image for the user) is theirs to choose.
 * - Account changes (usermod, groupmod, useradd), a chown to another owner, and the step down itself (gosu, su-exec,
 *   setpriv and s6-setuidgid all call setgroups(2), which needs CAP_SETGID; setgroups(2), "EPERM") outside a root check:
 *   each fails for a non-root caller (design-group/ignition-docker-legacy 306e5cd moved its base's entrypoint to
 *   groupmod/usermod/chown as root, and its child images' own USER then had to go, 0361938). A script that checks
 *   `id -u` first (the docker-library entrypoints) or sends a non-root caller away (`exec "$@"`) skips them.
 * - Start writes (`sed -i`, a redirect) into a system folder the build does not give that user: EACCES there
 *   (bentopdf ed6e6c01 had to `chown -R nginx:nginx /etc/nginx` for its `sed -i` hook under `USER nginx`). Only the
 *   system trees: whether the build gave an app folder to the user (COPY --chown, a chown of a folder above) is not
 *   always readable, and a `mkdir -p` is skipped, since the folder may already be in the image. Not checked for the
 *   image's own user on an image that runs as it by default (nginx-unprivileged gives it /etc/nginx upstream), nor on
 *   stock nginx while nginx/unprivileged runs: that transform names what stops nginx at start as that user.
 * - A base image whose own start the table says needs root (LinuxServer's /init renumbers abc with usermod/groupmod).
 * Undefined when nothing is found, or every service that runs the image sets its own compose `user:`.
 */
function existingUserAtStart(ctx: TransformContext, df: DockerfileSource, stage: DfStage, base: StageBase, services: ServiceLink[], user: ReturnType<typeof effectiveUser>): Finding | undefined {
  if (services.length && services.every((s) => composeUser(s) !== undefined)) return undefined;
  const facts = base.facts;
  const ins = user.instruction;
  const written = ins?.args[0] ?? user.user;
  const [name = '', group] = user.user.split(':');
  // The user's account and the facts of the build below are read only when the start has a step or a write they judge:
  // most images that already run as a user have neither, and this is asked for each of them in every pass (issue 13).
  let account: FoundAccount | undefined;
  let self: Set<string> | undefined;
  const accountOf = () => {
    if (!self) {
      const created = [...usersOfBuiltParents(base), ...usersCreatedIn(base.chain, df.parsed.escape, { distro: base.distro, globalArgs: df.parsed.globalArgs })];
      account = name.includes('$') ? undefined : findAccount(name, created, baseAccounts(base));
      // The caller itself: a chown to it, or of a folder given to it, is allowed or needs no root.
      self = new Set([name, written.split(':')[0]!, ...(account ? [account.name, ...(account.uid !== undefined ? [String(account.uid)] : [])] : [])]);
    }
    return { account, self };
  };
  const isSelf = (owner: string) => accountOf().self.has(owner.split(/[:.]/)[0]!) || /\$\(id -u\)|\$\{?(UID|EUID|USER)\}?\b/.test(owner);
  const start = imageStart(ctx.project, df, base);
  // The starts to check: the image's own, and the start of each service that runs the image as this user with its own
  // `command:`/`entrypoint:` (or a start script it bind-mounts), read as the add path reads them (serviceStart). A step
  // or write found only in a service's start is named with that service.
  const starts: { start: ImageStart; service?: string }[] = [
    { start },
    ...services.filter((s) => composeUser(s) === undefined).map((s) => ({ start: serviceStart(ctx.project, s, df, base), service: s.name })).filter((u) => u.start !== start),
  ];
  const unitOf = new Map<string, string | undefined>();
  const steps = starts.flatMap(({ start: own, service }) =>
    [...own.scripts.map((sc) => ({ reading: sc.reading, text: sc.source.text as string | undefined })), ...(own.command ? [{ reading: own.command, text: undefined }] : [])].flatMap(({ reading, text }) =>
      (reading.rootOnlySteps ?? [])
        .filter((x) => x.kind !== 'chown' || (x.owner !== undefined && !x.owner.includes('$') && !isSelf(x.owner)))
        .filter((x) => !unitOf.has(x.how) && (unitOf.set(x.how, service), true))
        .map((x) => ({ ...x, stops: x.kind === 'drop' || !text || ERREXIT.test(text), service })),
    ),
  );
  // Start writes into the system's folders that nothing of the build gives the user.
  const ownImageUser = !ins || (facts?.nonRootByDefault && (name === facts.defaultUser.split(':')[0] || name === facts.existingUser?.name || (accountOf().account?.uid !== undefined && String(accountOf().account!.uid) === facts.defaultUser.split(':')[0])));
  // Stock nginx run as a non-root USER: nginx/unprivileged names what stops it at start (its start hooks' writes into /etc/nginx included).
  const nginxSpeaks = !!facts?.swapTo && ctx.enabled('nginx/unprivileged');
  const startWrites: (StartWrite & { service?: string })[] = [];
  if (!ownImageUser && !nginxSpeaks) for (const { start: own, service } of starts) for (const w of imageStartWrites(own)) if (!startWrites.some((x) => x.path === w.path && x.how === w.how)) startWrites.push({ ...w, service });
  const rootMadeWhy = new Map<StartWrite, string>();
  // What nothing of the build gives the user, read only when the start writes anything at all (issue 13).
  const writesLeft = (): (StartWrite & { service?: string })[] => {
    const chowned = [...imageLevelsOf(base)].flatMap((b) => chownsIn(b.chain, df.parsed.escape, df.parsed.globalArgs)).filter((c) => isSelf(c.user));
    const copiedTo = chainInstructions(base.chain)
      .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && i.flags.some((f) => f.name === 'chown' && typeof f.value === 'string' && isSelf(f.value)))
      .map((i) => copyDest(i, workdirs(base.chain, base.buildArgs, base.globalArgs).final))
      .filter((d): d is string => !!d);
    // A numeric USER no account has, or one with group 0, runs with GID 0: a group-writable chmod (`chmod -R g=u`) gives it the folder.
    const groupZero = group === '0' || (group === undefined && /^\d+$/.test(name) && !accountOf().account);
    const writable = groupZero ? /^([0-7]?[0-7][2367][0-7]|[0-7]?[0-7][0-7][2367]|[ugoa]*[gao][ugoa]*[+=][rwxXst]*w|g=u)/ : /^([0-7]?[0-7][0-7][2367]|[ugoa]*[ao][ugoa]*[+=][rwxXst]*w)/;
    const worldWritable = chainInstructions(base.chain).filter((i) => i.keyword === 'RUN').flatMap((i) => runCommands(i, df.parsed.escape)).filter((w) => w[0] === 'chmod' && w.some((a) => writable.test(a))).flatMap((w) => w.slice(1).filter((a) => a.startsWith('/')));
    const mounted = services.flatMap((s) => s.volumes.map((m) => m.target.replace(/\/+$/, '') || '/'));
    const vols = chainInstructions(base.chain).filter((i) => i.keyword === 'VOLUME').flatMap((i) => i.json ?? i.args);
    // Outside the system's trees, only folders and files the Dockerfile shows made as root (rootMadeInBuild).
    const rootMade = rootMadeInBuild(df, base);
    const rootMadeFor = (w: StartWrite): string | undefined => {
      const need = path.posix.dirname(w.path);
      if (w.kind === 'dir') {
        // `mkdir -p X`: a no-op where the build shows X (made, copied to, a WORKDIR, or holding any of those); else it makes
        // X in its folder, which must be writable.
        if (rootMade.shown.some((p) => isUnder(p, w.path))) return undefined;
        return rootMade.folders.get(need);
      }
      if (w.kind === 'file' || w.inPlace) return rootMade.files.get(w.path) ?? (w.kind === 'file' ? rootMade.folders.get(need) : undefined);
      return rootMade.folders.get(need);
    };
    return startWrites.filter((w) => {
      if (w.observed) return false;
      const need = path.posix.dirname(w.path);
      if (isUnderRoot(need) || /[*?[$]/.test(need)) return false;
      // Only writes a start command shows (not a placeholder folder's inferred use), and only where every chown to the
      // user names an absolute path (`chown -R rails db log` from the WORKDIR is not resolved here: it may cover the write).
      const made = isSystemPath(need) || w.placeholder || chowned.some((c) => c.paths.some((q) => !q.startsWith('/'))) ? undefined : rootMadeFor(w);
      // A mkdir in a system folder is skipped: the folder may be a package's, made there for its own user.
      if ((w.kind === 'dir' || !isSystemPath(need)) && !made) return false;
      // A file rewritten in place (not replaced, as sed -i does) needs only the file.
      const covers = (d: string) => ((w.kind === 'file' || w.inPlace) && isUnder(w.path, d)) || isUnder(need, d);
      if (made) rootMadeWhy.set(w, made);
      const byChown = chowned.some((c) => c.paths.some((q) => (c.recursive || q === need || q === w.path) && covers(q)));
      return ![...ANYONE_WRITES, ...copiedTo.filter(() => w.kind === 'file' || w.inPlace), ...worldWritable, ...mounted, ...vols].some(covers) && !byChown;
    });
  };
  const writes = startWrites.length ? writesLeft() : [];
  // Data a start option puts in root's HOME (`--sqlitedb /root/golink.db`): a non-root user cannot write there, whether
  // the image's own (chainguard's nonroot, review 2026-12-f row 200) or the Dockerfile's USER.
  const rootData = starts.flatMap(({ start: own, service }) => imageStartWrites(own).map((w) => ({ ...w, service }))).filter((w) => w.keeps && !w.observed && isUnderRoot(path.posix.dirname(w.path)));
  const systemWrites = writes.filter((w) => !rootMadeWhy.has(w));
  const buildWrites = writes.filter((w) => rootMadeWhy.has(w));
  const stopsWrite = (w: StartWrite) => {
    const sc = starts.flatMap((u) => u.start.scripts).find((x) => w.how.includes(`(${x.where} line `));
    return !sc || ERREXIT.test(sc.source.text);
  };
  // Whose start a step is in: the image's ("its start"), or a service's own command or start script (named).
  const whose = (items: { service?: string }[]) => {
    const named = [...new Set(items.map((x) => x.service).filter((x): x is string => x !== undefined))];
    if (!named.length) return 'its start';
    return `${items.some((x) => x.service === undefined) ? 'its start and ' : ''}the start of service${named.length > 1 ? 's' : ''} ${named.join(', ')} (its compose command, entrypoint or the script it runs)`;
  };
  // The base's own start, from the table, where the image keeps it (no ENTRYPOINT of the repository replaces it).
  const tableStart = facts?.startNeedsRoot && !imageStartCommands(base).some((c) => c.via === 'ENTRYPOINT') ? facts.startNeedsRoot : undefined;
  // Only what stops the start: a step the script goes on past (no set -e) is noted by the add path for a USER the tool adds,
  // and repeating it for that USER in the next pass (or for an existing one, where the app may not need it) says nothing new.
  if (!tableStart && !steps.some((x) => x.stops) && !writes.some(stopsWrite) && !rootData.length) return undefined;
  const fails: string[] = [];
  if (rootData.length) fails.push(`${whose(rootData)} keeps data in root's HOME (${rootData.slice(0, 2).map((w) => w.how).join(', ')}), which ${name} can neither enter nor write: the program fails to open it`);
  const drops = steps.filter((x) => x.kind === 'drop');
  const others = steps.filter((x) => x.kind !== 'drop');
  if (tableStart) fails.push(`${base.image}'s own start ${tableStart} (${facts!.capsSource ?? facts!.source})`);
  if (others.length) fails.push(`${whose(others)} ${onSomeStartsOnly(others) ? 'may run' : 'runs'} ${others.slice(0, 3).map((x) => x.how).join(', ')}${others.length > 3 ? ` and ${others.length - 3} more` : ''} outside a root check, which only root may do (${others.some((x) => x.stops) ? 'the script stops there: set -e or a && chain' : 'each fails and the script goes on without it'})`);
  if (drops.length) fails.push(`${drops.every((x) => x.service === undefined) ? 'it' : whose(drops)} ${onSomeStartsOnly(drops) ? 'may step' : 'steps'} down with ${drops.slice(0, 2).map((x) => x.how).join(', ')} outside a root check: as a non-root caller that fails (setgroups needs root) and the program never starts`);
  if (systemWrites.length) fails.push(`${whose(systemWrites)} ${onSomeStartsOnly(systemWrites) ? 'may write' : 'writes'} ${systemWrites.slice(0, 3).map(startWriteText).join(', ')}, in the system's folders, root's in the image, which the build does not give ${name}: ${systemWrites.some(stopsWrite) ? 'that step fails and the start stops' : 'that step fails (the script goes on without it)'}`);
  if (buildWrites.length) fails.push(`${whose(buildWrites)} ${onSomeStartsOnly(buildWrites) ? 'may write' : 'writes'} ${buildWrites.slice(0, 3).map((w) => `${startWriteText(w)}, where ${rootMadeWhy.get(w)}`).join('; ')}, and the build does not give ${name}: ${buildWrites.some(stopsWrite) ? 'that step fails and the start stops' : 'that step fails (the script goes on without it)'}`);
  // Every step named is one the start may skip (an if or case branch, a && list, a function not always called): a possibility.
  const mayOnly = !tableStart && onSomeStartsOnly([...steps, ...writes]);
  const fixes: string[] = [];
  if (tableStart || drops.length || others.some((x) => x.kind === 'account')) {
    fixes.push(`remove the ${ins ? `USER at line ${ins.line + 1}` : 'inherited USER (USER root before the start)'} and let the entrypoint start as root and step down${drops.length ? ` (it already does: ${drops[0]!.how})` : ''}; compose/cap-drop then gives it only the capabilities that needs`);
  }
  if (others.length) fixes.push(`${fixes.length ? 'or ' : ''}move those steps into the build (RUN before the USER) or guard them with if [ "$(id -u)" = 0 ]`);
  if (rootData.length) {
    const home = userHome(df, base.chain, user.user, facts?.existingUser);
    fixes.push(`${fixes.length ? 'and ' : ''}point ${rootData.length > 1 ? 'those options' : 'that option'} at a folder ${name} owns${home ? ` (its home ${home})` : ' (one made and chowned at build time, or a volume)'}`);
  }
  if (writes.length) {
    // A folder of the app's own under a system tree (/etc/nginx) may be given to the user; a shared root (/etc, /var/lib) never.
    const folders = [...new Set(writes.map((w) => path.posix.dirname(w.path)))];
    // The build's own folders (made as root by a WORKDIR, a COPY or a mkdir) are the app's: given by a chown, wherever they are.
    const own = folders.filter((d) => writes.some((w) => rootMadeWhy.has(w) && path.posix.dirname(w.path) === d) || d.split('/').length > 3 || (d.split('/').length === 3 && !SHARED_SYSTEM_FOLDERS.has(d)));
    const shared = folders.filter((d) => !own.includes(d));
    const owner = group ? `${name}:${group}` : name;
    fixes.push(
      `${fixes.length ? 'or ' : ''}${own.length ? `give ${name} ${own.length > 1 ? 'those folders' : 'that folder'} at build time (RUN chown -R ${owner} ${own.join(' ')} before the USER)${shared.length ? ', and ' : ''}` : ''}${shared.length ? `point the writes in ${shared.join(', ')} at a folder ${name} owns (a subfolder made and chowned at build time, a volume, /tmp)` : ''}, or make those writes in the build instead`,
    );
  }
  const where = ins ? `USER ${written} (line ${ins.line + 1}${base.chain.some((s) => s.instructions.includes(ins)) && !stage.instructions.includes(ins) ? `, stage ${base.chain.find((s) => s.instructions.includes(ins))!.name ?? `#${base.chain.find((s) => s.instructions.includes(ins))!.index}`}` : ''})` : `user ${user.user} (inherited from ${base.image ?? 'its base'})`;
  return {
    transform: ID,
    file: df.path,
    range: [stage.from.start, stage.from.end],
    message: `already runs as ${where}, but ${fails.join('; ')}: ${tableStart || drops.length || others.some((x) => x.stops) || writes.some(stopsWrite) || rootData.length ? `the container ${mayOnly ? 'may fail' : 'fails'} at start as that user` : 'as that user those steps fail'}; USER left as written`,
    severity: 'warning',
    cis: CIS,
    manual: `${fixes.join('; ')}; then run docker-harden again.`.replace(/^./, (c) => c.toUpperCase()),
  };
}

/**
 * What a program that keeps files under HOME (HOME_WRITERS: caddy) loses as 65534 on scratch, where HOME is `/`, and how
 * to give it folders of its own: scratch has no shell to make one, so an empty folder made in a stage of this file that
 * has a shell and runs as root is copied in with COPY --from --chown (on the team engine, Engine 20.10's builder: the
 * destination folder of `COPY --from=builder --chown=65534:65534 /dh-home /home/app` was 65534:65534 mode 755, and a
 * `touch` there as 65534 worked). Not edited: where those files should live (a volume for certificates, kept across
 * re-created containers; compose/read-only would put a tmpfs on a HOME the tool sets) is the operator's choice.
 */
function homeWriterNote(df: DockerfileSource, stage: DfStage, plan: UserPlan, writer: HomeWriter, dirs: HomeDir[]): string {
  const where = dirs.map((d) => `${d.keeps} in $${d.variable}/${writer.subfolder} (else $HOME/${d.underHome}/${writer.subfolder})`).join(' and ');
  const folders = dirs.map((d) => d.imageDefault ?? `/home/${writer.program}/${d.underHome}`);
  const builder = df.parsed.stages.filter((s) => s.index < stage.index && s.name).map((s) => ({ s, b: resolveStageBase(df.parsed, s) })).reverse()
    .find(({ b }) => ['debian', 'ubuntu', 'alpine', 'rhel', 'rhel-minimal'].includes(b.distro ?? '') && b.facts?.hasShell !== false && effectiveUser(b).root);
  const lines = [
    ...(builder ? [`RUN mkdir -p ${folders.join(' ')} in stage ${builder.s.name}`] : []),
    ...folders.map((f) => `COPY --from=${builder?.s.name ?? '<a stage with a shell>'} --chown=${plan.owner} ${f} ${f}`),
    `ENV ${dirs.map((d, i) => `${d.variable}=${folders[i]}`).join(' ')}`,
  ];
  return `${writer.program} keeps ${where} (${writer.source}): as ${plan.user} on scratch HOME is /, which it cannot write, so those are lost; bring in folders it owns before the USER: ${lines.join('; ')}, and mount a volume at ${folders[0]} to keep them`;
}

/**
 * Folders and files outside the system's trees that the Dockerfile shows made as root, for the existing-USER check
 * (existingUserAtStart), with how (`made as root by WORKDIR /app (line 3)`); `shown` lists every path the build makes
 * or copies to, by anyone (a `mkdir -p` of one of them, or of a folder above one, is a no-op). Only what the file
 * shows: a COPY or ADD without --chown makes what it copies root's whoever the USER is (the Dockerfile reference:
 * "All new files and directories are created with a UID and GID of 0, unless the optional --chown flag specifies");
 * a WORKDIR (created if missing) and a RUN mkdir count only while the stage runs as root on a base the table knows (an
 * unknown base may already hold the folder, owned by another user; BuildKit makes a WORKDIR after a non-root USER for
 * that user). Folders under /home and /tmp are left out: a base's user may own its home.
 */
function rootMadeInBuild(df: DockerfileSource, base: StageBase): { folders: Map<string, string>; files: Map<string, string>; shown: string[] } {
  const folders = new Map<string, string>();
  const files = new Map<string, string>();
  const shown: string[] = [];
  const wd = workdirs(base.chain, base.buildArgs, base.globalArgs);
  const knownBase = !!base.facts && !base.builtFrom && base.facts.family !== 'inspected';
  let asRoot = knownBase && !base.facts!.nonRootByDefault;
  const skip = (p: string) => isSystemPath(p) || isUnder(p, '/home') || isUnder(p, '/tmp') || isUnderRoot(p) || p === '/' || /[*?[$]/.test(p);
  for (const ins of chainInstructions(base.chain)) {
    const line = ins.line + 1;
    if (ins.keyword === 'USER') {
      const u = ins.args[0] ?? '';
      asRoot = knownBase && isRootUser(u) && !u.includes('$');
    } else if (ins.keyword === 'WORKDIR') {
      const p = ins.args[0] && !ins.args[0].includes('$') ? path.posix.resolve(wd.before.get(ins) ?? '/', ins.args[0]) : undefined;
      if (!p) continue;
      shown.push(p);
      if (asRoot && !skip(p) && !folders.has(p)) folders.set(p, `${p} was made as root by WORKDIR ${ins.args[0]} (line ${line})`);
    } else if (ins.keyword === 'RUN') {
      for (const argv of runCommands(ins, df.parsed.escape)) {
        if (argv[0] !== 'mkdir') continue;
        for (const op of mkdirOperands(argv)) {
          if (!op.startsWith('/')) continue;
          const p = path.posix.normalize(op);
          shown.push(p);
          if (asRoot && !skip(p) && !folders.has(p)) folders.set(p, `${p} was made as root by the RUN at line ${line}`);
        }
      }
    } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const dest = copyDest(ins, wd.before.get(ins) ?? wd.final, wd.scopes.get(ins));
      if (!dest) continue;
      // A destination the build made before (a WORKDIR, a mkdir) keeps its owner: a copy into it does not change that.
      const existed = shown.some((p) => isUnder(p, dest));
      shown.push(dest);
      if (ins.flags.some((f) => f.name === 'chown' || f.name === 'chmod') || skip(path.posix.dirname(dest))) continue;
      const args = ins.json ?? ins.args;
      const written = args[args.length - 1] ?? '';
      const sources = args.slice(0, -1).filter((a) => !a.startsWith('--'));
      // Into a folder (`dest/`, `.`, several sources): what lands there is root's; the folder itself only where a
      // WORKDIR or mkdir above showed it made as root. Else the destination is root's, as a file or a folder.
      if (/\/$|^\.$/.test(written) || sources.length > 1) continue;
      const how = `${dest} was copied in as root by ${ins.keyword} without --chown (line ${line})`;
      if (!files.has(dest)) files.set(dest, how);
      if (!existed && !skip(dest) && !folders.has(dest)) folders.set(dest, how);
    }
  }
  return { folders, files, shown };
}

/** Folders two levels deep that the system shares: a start write there is pointed elsewhere, never given to the user. */
const SHARED_SYSTEM_FOLDERS = new Set(['/var/lib', '/var/log', '/var/cache', '/var/run', '/usr/bin', '/usr/lib', '/usr/local', '/usr/share', '/usr/sbin', '/etc/ssl']);

/** The stage chains an image is built from: its own, then each parent built in this repository, nearest first. */
function imageLevelsOf(base: StageBase): StageBase[] {
  const out: StageBase[] = [base];
  for (let b = base; b.builtFrom; b = b.builtFrom.base) out.push(b.builtFrom.base);
  return out;
}

/**
 * A stage that already runs as a non-root user on a root image whose server writes
 * folders of its install tree (tomcat's webapps/, where it unpacks WARs): that user
 * must own them, or the server fails at start. They are made and chowned to the
 * USER as written, in a RUN just before that USER, when everything before it runs
 * as root; otherwise the finding says what to do. Folders a RUN already chowns to
 * that user, and images that run as their own user (their tree is theirs), need nothing.
 */
function installTreeForUser(ctx: TransformContext, df: DockerfileSource, stage: DfStage, base: StageBase, services: ServiceLink[], user: ReturnType<typeof effectiveUser>): Finding | undefined {
  const facts = base.facts;
  if (!facts?.installWrites.length || facts.nonRootByDefault || facts.dropsPrivileges || facts.swapTo) return undefined;
  const settled = baseWithInstallSettings(ctx.project, df, base, services);
  const start = imageStartWrites(imageStart(ctx.project, df, base));
  const [name = '', group] = user.user.split(':');
  const ids = usersCreatedIn(base.chain, df.parsed.escape).filter((u) => u.name === name || String(u.uid) === name);
  // The UID the stage runs as, where known: folders upstream already gave that UID (elasticsearch's 1000) need nothing.
  const uid = /^\d+$/.test(name) ? Number(name) : facts.existingUser?.name === name ? facts.existingUser.uid : ids.find((u) => u.uid !== undefined)?.uid;
  const wanted = imageWritePaths(ctx.options, df, stage, baseWithoutWritesOwnedBy(settled, uid), services, start)
    .declarations.filter((w) => w.kind === 'install' && !w.install?.anyUser)
    .map((w) => w.path);
  const names = new Set([name, ...ids.flatMap((u) => [u.name, ...(u.uid !== undefined ? [String(u.uid)] : [])])]);
  const chowned = chownsIn(base.chain, df.parsed.escape, df.parsed.globalArgs).filter((c) => names.has(c.user));
  const missing = [...new Set(wanted)].filter((p) => !chowned.some((c) => c.paths.some((q) => q === p || (c.recursive && isUnder(p, q)))));
  if (!missing.length) return undefined;
  const at: [number, number] = [stage.from.start, stage.from.end];
  const what = `${base.image ?? facts.family} writes ${missing.join(', ')} (${facts.source}), which are root's in the image, but the stage runs as ${user.user}`;
  const owner = group !== undefined ? `${name}:${group}` : name;
  const command = `mkdir -p ${missing.map(shellQuote).join(' ')} && chown ${owner} ${missing.map(shellQuote).join(' ')}`;
  // The RUN goes right before the USER: only when nothing before that runs as another non-root user (chown needs root).
  const ins = user.instruction;
  const users = chainInstructions(base.chain).filter((i) => i.keyword === 'USER');
  const before = ins ? users.slice(0, users.indexOf(ins)) : [];
  const rootBefore = before.length === 0 || isRootUser(before[before.length - 1]!.args[0] ?? '');
  if (!ins || !stage.instructions.includes(ins) || !rootBefore || /\$/.test(owner)) {
    return { transform: ID, file: df.path, range: at, message: `${what}: it cannot write them`, severity: 'warning', cis: CIS, manual: `Add RUN ${command} before the USER instruction (as root).` };
  }
  return {
    transform: ID,
    file: df.path,
    range: at,
    message: `${what}: make and chown them before USER ${user.user}`,
    severity: 'warning',
    cis: CIS,
    fix: { edits: [insertBefore(df, df.parsed, ins, [`${keyword(df.parsed, 'RUN')} ${command}`])] },
  };
}

/**
 * A non-root USER written as a name whose UID is known for sure (the Dockerfile creates it with -u, or the
 * base image has it: node 1000, distroless nonroot 65532, Debian's www-data 33): written as that number.
 * Kubernetes runAsNonRoot refuses an image whose user is a name ("container has runAsNonRoot and image has
 * non-numeric user (%s), cannot verify user is non-root", kubelet's verifyRunAsNonRoot,
 * kubernetes/kubernetes pkg/kubelet/kuberuntime/security_context_others.go), and hardening PRs switch names
 * to numbers for it. The process is the same user: `USER name` and `USER uid` both take the primary and
 * supplementary groups from /etc/passwd and /etc/group, and `name:group` and `uid:gid` both drop the
 * supplementary ones (checked with `docker run --user` on Engine 20.10: app, 1500 -> groups app,extra;
 * 1500:1500, app:app -> app). A name with a group name is rewritten only where the group is the user's own
 * one the Dockerfile or the table knows. Not under --user-ref name; a UID the build leaves to useradd/adduser
 * (no -u) is not known, so such a USER stays a name.
 */
function numericUser(ctx: TransformContext, df: DockerfileSource, stage: DfStage, base: StageBase, user: ReturnType<typeof effectiveUser>): Finding | undefined {
  const ins = user.instruction;
  if (ctx.options.userRef === 'name' || !ins || !base.chain.some((s) => s.instructions.includes(ins))) return undefined;
  // A generated file's fixes are held for a human at its generator: a same-user rename is not worth that (overleaf's services).
  if (ctx.project.layout.generated.has(df.path)) return undefined;
  const written = ins.args[0] ?? '';
  if (ins.args.length !== 1) return undefined;
  // `USER $APP_USER` where an ENV of the build names the user (`ENV INVOICENINJA_USER=invoiceninja`, the same variable
  // its adduser uses): the name is fixed by the Dockerfile, so it is the same case as `USER invoiceninja`
  // (invoiceninja/dockerfiles a12f188 switched it to the UID for a non-root PodSecurityPolicy). A build argument may be
  // given another value at build time, so a USER through an ARG stays as written.
  const spelled = written.includes('$') ? envUserName(base, ins, written) : written;
  if (spelled === undefined || spelled.includes('$')) return undefined;
  const [name = '', group, ...rest] = spelled.split(':');
  if (rest.length || /^\d+$/.test(name) || !/^[a-z_][a-z0-9_.-]*\$?$/i.test(name)) return undefined;
  const created = [...usersOfBuiltParents(base), ...usersCreatedIn(base.chain, df.parsed.escape, { distro: base.distro, globalArgs: df.parsed.globalArgs })];
  // A UID a build variable gives (`useradd -u "${APP_UID}"`, compose passing the host's UID) is not fixed: the name follows it, a number would not.
  const made = [...created].reverse().find((u) => u.name === name);
  if (made?.variableUid || (!made && base.builtFrom)) return undefined;
  // A build that renumbers the account afterwards (`usermod -u "${APP_UID}" node`, nickjj's examples; `groupmod -g`) may give it
  // any UID: the name follows it. Any usermod -u / groupmod -g in the stages counts (its target may be a variable).
  const renumbers = chainInstructions(base.chain).some(
    (i) => i.keyword === 'RUN' && runCommands(i, df.parsed.escape).some((w) => (w[0] === 'usermod' && w.some((a) => /^(-u|--uid)(=|$)|^-[a-zA-Z]*u$/.test(a))) || (w[0] === 'groupmod' && w.some((a) => /^(-g|--gid)(=|$)/.test(a)))),
  );
  if (renumbers) return undefined;
  const found = findAccount(name, created, baseAccounts(base));
  // The Dockerfile creates the user with no UID (`useradd admin`, `adduser -D svc`): useradd picks the next free one,
  // which depends on the base's accounts, so no number is written, but the USER is still a name Kubernetes refuses
  // (civicrm/civicrm-docker issue #8: "container has runAsNonRoot and image has non-numeric user (admin)"). Said as
  // the USER this transform adds for such a user says it (userRef's note), with no fix.
  if (made && made.uid === undefined && found?.from === 'dockerfile') {
    return {
      transform: ID,
      file: df.path,
      range: [stage.from.start, stage.from.end],
      message: `USER ${written} (line ${ins.line + 1}) names ${name} by name: the Dockerfile gives it no fixed UID (${instructionPlace(ctx.project, made.instruction, df.path)} leaves it to useradd/adduser, which picks the next free one), and Kubernetes runAsNonRoot cannot verify a name and refuses to start the image`,
      severity: 'note',
      cis: CIS,
      manual: `Give that useradd/adduser a UID (-u 10001, and the group a GID) and write USER as that number (USER 10001:10001).`,
    };
  }
  if (found?.uid === undefined || found.uid === 0) return undefined;
  let gid: number | undefined;
  if (group !== undefined) {
    const ownGroup = group === name && found.gid !== undefined && (found.from === 'dockerfile' || base.facts?.existingUser?.name === name);
    if (/^\d+$/.test(group)) gid = Number(group);
    else if (ownGroup) gid = found.gid;
    else return undefined;
  }
  const numeric = gid === undefined ? String(found.uid) : `${found.uid}:${gid}`;
  const how = found.from === 'dockerfile' ? 'the Dockerfile creates it with that UID' : `the base image has it (${found.from})`;
  const range = argRange(df, ins, written);
  if (!range) return undefined;
  return {
    transform: ID,
    file: df.path,
    range: [stage.from.start, stage.from.end],
    message: `USER ${written} (line ${ins.line + 1}) names the user${spelled !== written ? ` ${spelled} (ENV)` : ''}: Kubernetes runAsNonRoot cannot verify a name and refuses to start the image; USER ${numeric} is the same user (${how}, same groups) and can be checked`,
    severity: 'note',
    cis: CIS,
    fix: { edits: [{ file: df.path, range, text: numeric }] },
  };
}

/**
 * The user a `USER $NAME` (or `${NAME}`) names, when NAME is set by an ENV of the chain before it to a literal value
 * and no ARG of that name could replace it at build time; else undefined.
 */
function envUserName(base: StageBase, ins: DfInstruction, written: string): string | undefined {
  const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(written);
  const variable = m?.[1] ?? m?.[2];
  if (!variable) return undefined;
  const before = chainInstructions(base.chain);
  const upTo = before.indexOf(ins);
  if (upTo < 0 || before.some((i) => i.keyword === 'ARG' && i.properties.some((p) => p.name === variable))) return undefined;
  let value: string | undefined;
  for (const i of before.slice(0, upTo)) {
    if (i.keyword !== 'ENV') continue;
    for (const p of i.properties) if (p.name === variable) value = p.value ?? undefined;
  }
  return value !== undefined && value !== '' && !value.includes('$') ? value : undefined;
}

/** Offsets of a single-argument instruction's argument as written (`USER app` -> the `app`). */
function argRange(df: DockerfileSource, ins: DfInstruction, written: string): [number, number] | undefined {
  const raw = df.parsed.text.slice(ins.start, ins.end);
  const m = /^\s*\S+\s+/.exec(raw);
  if (!m || raw.slice(m[0].length).trimEnd() !== written) return undefined;
  const start = ins.start + m[0].length;
  return [start, start + written.length];
}

/**
 * A USER that names build variables nothing in its stage declares (`USER ${uid}` where `ARG uid=1001`
 * stands before the first FROM, or in a stage this one does not build on). The builder expands them to
 * empty ("An ARG declared before a FROM is outside of a build stage, so it can't be used in any
 * instruction after a FROM", https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact;
 * BuildKit's UndefinedVar check, https://docs.docker.com/reference/build-checks/undefined-var/), and
 * an empty USER is root: the image runs as root though the author wrote a non-root USER. Where every
 * such variable is a global ARG whose default names a non-root user, declaring it again in the stage
 * (`ARG uid`, which takes the global default) makes the USER what was written. Otherwise which value
 * was meant is not known (an ARG of another stage, or one with no default): reported, no user added.
 */
/**
 * The build arguments that make a USER root (`ARG RUN_USER=root` then `USER ${RUN_USER}`; `ARG APP_UID=0`;
 * `USER ${APP_UID:-0}` with the argument declared and unset), and where their values come from: the last ARG or
 * ENV of each name before the USER decides (an ENV is fixed by the Dockerfile, like a literal `USER root`, which the
 * transform then overrides with its own USER). Undefined when the USER names no build argument.
 */
function rootThroughBuildArg(base: StageBase, ins: DfInstruction): { names: string[]; how: string } | undefined {
  const written = ins.args[0] ?? '';
  if (!written.includes('$')) return undefined;
  const names = [...new Set([...written.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)].map((m) => (m[1] ?? m[2])!))];
  const last = new Map<string, DfInstruction>();
  for (const i of chainInstructions(base.chain)) {
    if (i === ins) break;
    if (i.keyword === 'ARG' || i.keyword === 'ENV') for (const p of i.properties) if (names.includes(p.name)) last.set(p.name, i);
  }
  const args = names.filter((n) => last.get(n)?.keyword === 'ARG');
  if (!args.length) return undefined;
  const scope = variableScopes(base.chain, base.globalArgs, base.buildArgs).get(ins);
  const value = (n: string) => scope?.get(n);
  const how = args.map((n) => {
    const decl = last.get(n)!;
    const v = value(n);
    if (base.buildArgs && Object.hasOwn(base.buildArgs, n)) return `the build passes ${n}=${v ?? ''}`;
    if (!v) return `build argument ${n} has no value (ARG, line ${decl.line + 1})`;
    // `ARG NAME` without a value in the stage takes the default of the ARG before the first FROM.
    const own = decl.properties.find((p) => p.name === n)?.value != null;
    return `build argument ${n} defaults to ${v} (${own ? `ARG, line ${decl.line + 1}` : `the ARG before the first FROM, declared again at line ${decl.line + 1}`})`;
  });
  return { names: args, how: `${how.join(', ')}, so the USER is ${expandWord(written, scope)}` };
}

function outOfScopeUser(
  df: DockerfileSource,
  stage: DfStage,
  base: StageBase,
  ins: DfInstruction,
  unset: string[],
  report: (message: string, manual: string) => Finding,
): Finding {
  const parsed = df.parsed;
  const written = ins.args[0] ?? '';
  const holder = base.chain.find((s) => s.instructions.includes(ins)) ?? stage;
  const name = (s: DfStage) => (s.name ? `stage ${s.name}` : `stage #${s.index}`);
  const vars = unset.map((v) => `\${${v}}`).join(', ');
  const what = `USER ${written} (line ${ins.line + 1}) uses ${vars}, which ${unset.length > 1 ? 'are' : 'is'} not declared in ${name(holder)} or a stage it builds on`;
  const globals = new Map(unset.map((v) => [v, parsed.globalArgs.get(v)] as const));
  const meant = [...globals.values()].every((v) => v !== undefined) ? expandArgs(written, globals as Map<string, string>) : undefined;
  const meantName = meant?.split(':')[0]?.trim() ?? '';
  if (meant !== undefined && meantName !== '' && !meant.includes('$') && !isRootUser(meant)) {
    const lines = unset.map((v) => `${keyword(parsed, 'ARG')} ${v}`);
    return {
      transform: ID,
      file: df.path,
      range: [stage.from.start, stage.from.end],
      message: `${what}: an ARG before the first FROM is in scope only in FROM lines unless the stage declares it again, so the builder expands ${unset.length > 1 ? 'them' : 'it'} to empty and the image runs as root; declare ${lines.map((l) => l.replace(/^\S+/, 'ARG')).join(', ')} in ${name(holder)} (${unset.length > 1 ? 'they take their' : 'it takes its'} global default) so the USER is ${meant} as written`,
      severity: 'warning',
      cis: CIS,
      fix: { edits: [insertAfter(df, parsed, holder.from, lines)] },
    };
  }
  // Where else the file declares them, to say which value the author probably meant.
  const elsewhere = unset.flatMap((v) => {
    const decl = parsed.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'ARG' && i.properties.some((p) => p.name === v)).map((i) => ({ s, i })))[0];
    if (decl) return [`${v} is declared in ${name(decl.s)} (line ${decl.i.line + 1}), which ${name(holder)} does not build FROM`];
    if (parsed.globalArgs.has(v)) return [`${v} is declared before the first FROM with no default`];
    return [];
  });
  return report(
    `${what}${elsewhere.length ? ` (${elsewhere.join('; ')})` : ''}: the builder expands ${unset.length > 1 ? 'them' : 'it'} to empty and the image runs as root; which value was meant is not known, so no user added`,
    `Declare ${unset.map((v) => `ARG ${v}=<non-root UID or name>`).join(' and ')} in ${name(holder)} before its USER (or build it FROM the stage that declares ${unset.length > 1 ? 'them' : 'it'}); then run docker-harden again.`,
  );
}

/**
 * Whether a RUN of the image's stages gives `name` passwordless root: a sudoers rule `NAME HOST=(...) NOPASSWD: ...`
 * (or `ALL ...`, every user; `%NAME`, the user's own group), or a doas rule `permit nopass NAME` (sudoers(5), doas.conf(5)).
 */
function grantsNoPassword(df: DockerfileSource, base: StageBase, name: string): boolean {
  const sudoers = /(?:^|["'\s])(%?[A-Za-z0-9_.-]+)\s+[^\s=]+\s*=\s*(?:\([^)]*\)\s*)?NOPASSWD\b/g;
  const doas = /\bpermit\s+(?:\S+\s+)*?nopass\b(?:\s+(?:keepenv|persist|setenv\s*\{[^}]*\}))*\s+(:?[A-Za-z0-9_.-]+)/g;
  const grants = (who: string) => who === name || who === 'ALL' || who === `%${name}` || who === `:${name}`;
  return chainInstructions(base.chain).some((ins) => {
    if (ins.keyword !== 'RUN') return false;
    const text = runScript(ins, df.parsed.escape);
    return [...text.matchAll(sudoers), ...text.matchAll(doas)].some((m) => grants(m[1]!));
  });
}

interface UserPlan {
  /** What goes after USER. */
  user: string;
  name: string;
  uid?: number;
  gid?: number;
  /** Owner for chown and COPY --chown: `uid:gid`, or the name when the UID is not known. */
  owner: string;
  /** Shell commands that create the user, one per line of the setup RUN; undefined when the user exists. */
  create?: string[];
  /** The creation is guarded: the base's accounts are not all known, so the name may end up `name-ID`. */
  guarded?: boolean;
  /** HOME to set with ENV (for a user we create). */
  home?: string;
  /** A home directory to make and chown with the data directories (the create command never makes it). */
  makeHome?: string;
  /** Whether RUN works in this image (no shell on scratch/distroless). */
  shell: boolean;
  /** How the user was chosen, for the finding. */
  reason?: string;
  /** Why USER names the user rather than its number, or the reverse under --user-ref name. */
  refNote?: string;
}

/**
 * The user in group 0, for an image laid out for an arbitrary UID in the root group (rootGroupWrites): the folders its
 * processes write are the root group's with group write, so the process needs GID 0 to write them; with its own group
 * (1000:1000) it gets EACCES there (Kong's /usr/local/kong, where `kong prepare` writes at start). Group 0 is how OpenShift
 * runs every container and grants nothing by itself ("the root group does not have any special permissions (unlike the
 * root user)", OpenShift Container Platform, Creating images, Support arbitrary user ids); the UID stays non-root (CIS 4.1).
 * What the tool chowns goes to UID:0 too, so files the app makes and the folders it is given share that group.
 */
function inRootGroup(plan: UserPlan, writes: RootGroupWrite[]): UserPlan {
  const who = plan.uid !== undefined && /^\d/.test(plan.user) ? String(plan.uid) : plan.user.split(':')[0]!;
  // Folders given by the same steps are named together, the steps once.
  const byHow = new Map<string, string[]>();
  for (const w of writes) byHow.set(w.how, [...(byHow.get(w.how) ?? []), w.path]);
  const list = [...byHow].slice(0, 3).map(([how, paths]) => `${paths.slice(0, 4).join(', ')}${paths.length > 4 ? ` and ${paths.length - 4} more` : ''} (${how})`).join('; ');
  const why = `group 0: the build gives ${list}${byHow.size > 3 ? ` and more` : ''} to the root group with group write, the layout for an arbitrary UID in group 0 (OpenShift); with a group of its own the user could not write there`;
  return {
    ...plan,
    // gid stays the created user's own group (the creation commands and the guard's naming use it); only USER and chown say 0.
    user: `${who}:0`,
    owner: plan.uid !== undefined ? `${plan.uid}:0` : `${plan.name}:0`,
    reason: plan.reason ? `${plan.reason}; ${why}` : why,
  };
}

function ownerOf(name: string, uid?: number, gid?: number): string {
  if (uid === undefined) return name;
  return gid === undefined ? String(uid) : `${uid}:${gid}`;
}

/**
 * What goes after USER: the number by default (Kubernetes runAsNonRoot can check
 * it, and it works without an /etc/passwd entry); the name under --user-ref name
 * when the name is sure to exist. A UID the Dockerfile leaves to the tool
 * (`adduser -D svc`) is not known, so then only the name can be written.
 */
function userRef(opts: HardenOptions, name: string, uid: number | undefined, gid: number | undefined, nameSure: boolean): { user: string; refNote?: string } {
  if (opts.userRef === 'name' && nameSure) return { user: name };
  if (uid === undefined) {
    return { user: name, refNote: `USER ${name} by name: the Dockerfile gives it no fixed UID (give its useradd/adduser a UID for a numeric USER, which Kubernetes runAsNonRoot can check)` };
  }
  const user = gid === undefined ? String(uid) : `${uid}:${gid}`;
  if (opts.userRef === 'name') return { user, refNote: `USER ${user}, not ${name}: the base's users are not known, so the command reuses whoever holds UID ${uid}, whatever its name` };
  return { user };
}

/**
 * A HOME the Dockerfile sets and then prepares with RUN steps that name it (livebook: `ENV HOME=/home/livebook`,
 * `RUN mkdir $HOME && chmod 777 $HOME`, `mix local.hex --force` into it, `RUN chmod -R go=u $HOME`): what the build
 * put there (hex and rebar under ~/.mix) is the app's, and an `ENV HOME=/home/app` for the created user would hide it
 * (Mix.install then finds no Hex). That HOME is kept, made and given to the user instead.
 */
function preparedHome(chain: DfStage[], escape: string): string | undefined {
  const set = lastEnv(chain, 'HOME');
  if (!set) return undefined;
  const home = set.value.replace(/\/+$/, '');
  if (!home.startsWith('/') || home === '' || home.includes('$') || isUnderRoot(home)) return undefined;
  const after = chainInstructions(chain);
  // A HOME that is the app's code folder (a WORKDIR or COPY destination in it) is not a home to give the user.
  const inHome = (p: string | undefined) => !!p && (p === home || p.startsWith(`${home}/`));
  if (after.some((i) => (i.keyword === 'WORKDIR' && inHome(i.args[0])) || ((i.keyword === 'COPY' || i.keyword === 'ADD') && inHome((i.json ?? i.args)[(i.json ?? i.args).length - 1])))) return undefined;
  const from = after.indexOf(set.instruction);
  const names = new RegExp(`\\$HOME\\b|\\$\\{HOME\\}|(^|[\\s=:'"])~/|${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.-])`);
  return after.slice(from + 1).some((i) => i.keyword === 'RUN' && names.test(runScript(i, escape))) ? home : undefined;
}

function planUser(
  opts: HardenOptions,
  base: StageBase,
  df: DockerfileSource,
  sharedUidValue?: { uid: number; gid: number },
  preferred?: { ref: string; reason: string },
  runUsers: readonly RunUserEvidence[] = [],
): UserPlan | undefined {
  const facts = base.facts;
  const distro = base.distro;
  const escape = df.parsed.escape;
  // No shell: only a numeric USER works on scratch (no /etc/passwd); distroless has nonroot 65532.
  // A passwd file the build copies in from a stage that creates the app's user names that user instead.
  if (distro === 'scratch' || distro === 'distroless' || facts?.hasShell === false) {
    const copied = copiedPasswdUser(df, base);
    if (copied) return copied;
  }
  if (distro === 'scratch') return { user: '65534:65534', name: 'nobody', uid: 65534, gid: 65534, owner: '65534:65534', shell: false };
  if (distro === 'distroless' || facts?.hasShell === false) {
    return { user: '65532:65532', name: 'nonroot', uid: 65532, gid: 65532, owner: '65532:65532', shell: false };
  }
  const created = [...usersOfBuiltParents(base), ...usersCreatedIn(base.chain, escape, { distro, globalArgs: df.parsed.globalArgs })];
  const accounts = baseAccounts(base);
  /** Switch to a user that exists, with how it was chosen. */
  const existingPlan = (name: string, uid: number | undefined, gid: number | undefined, reason: string): UserPlan => ({
    name,
    uid,
    gid,
    owner: ownerOf(name, uid, gid),
    shell: true,
    reason,
    ...userRef(opts, name, uid, gid, true),
  });
  const reuse = (ref: string, group: string | undefined, reason: string): UserPlan | undefined => {
    const found = findAccount(ref, created, accounts);
    const numericGroup = group !== undefined && /^\d+$/.test(group) ? Number(group) : undefined;
    if (found) {
      const gid = found.gid ?? (group !== undefined ? numericGroup ?? findAccount(group, [], accounts)?.gid : undefined);
      const from = found.from === 'dockerfile' ? 'the Dockerfile creates it' : `the base has it (${found.from})`;
      return existingPlan(found.name, found.uid, gid, `${reason}; ${from}`);
    }
    if (/^\d+$/.test(ref)) return undefined; // a number nobody is known to hold: create a user there
    // A name the build uses but neither creates nor is known to the table: the base must have it, or the build would fail.
    return existingPlan(ref, undefined, undefined, `${reason}; not created here, so the base image has it`);
  };

  // The user the entrypoint drops to, when the drop becomes conditional.
  if (preferred) {
    const [name, group] = preferred.ref.split(':') as [string, string | undefined];
    const plan = reuse(name, group, preferred.reason);
    if (plan) return plan;
  }
  // A stage that switched to a non-root user and back to root: that user is the author's choice.
  const earlier = chainInstructions(base.chain).filter((i) => i.keyword === 'USER' && i.args[0] && !isRootUser(i.args[0]) && !i.args[0].includes('$'));
  const chosen = earlier[earlier.length - 1]?.args[0];
  if (chosen) {
    const [name, group] = chosen.split(':') as [string, string | undefined];
    const plan = reuse(name, group, `USER ${chosen} earlier in the build`);
    if (plan) return plan;
    const uid = Number(name);
    const gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : undefined;
    return { user: chosen, name, uid, gid, owner: ownerOf(name, uid, gid), shell: true, reason: `USER ${chosen} earlier in the build` };
  }
  // The user that already owns the app's files.
  const owner = appOwner(base.chain, escape, df.parsed.globalArgs);
  if (owner) {
    const plan = reuse(owner.user, owner.group, `${owner.how} makes it the owner of the app's files`);
    if (plan) return plan;
  }
  // The user the image's start says the app runs as (uwsgi uid, gunicorn --user, supervisord user=, a chown of
  // its data at start): an account the base or the Dockerfile has, never one invented for it.
  for (const ev of runUsers) {
    if (!findAccount(ev.user, created, accounts)) continue;
    const plan = reuse(ev.user, ev.group, `${ev.how} says the app runs as it`);
    if (plan) return plan;
  }
  const last = created[created.length - 1];
  if (last) return existingPlan(last.name, last.uid, last.gid, 'the Dockerfile creates it');
  // An image that runs as its own non-root USER (jenkins, solr, jetty, elasticsearch) and that this stage
  // switched to root to install something: back to that USER as upstream writes it, whose files the image
  // already gave it (jetty's user has no pinned UID, elasticsearch runs as 1000:0, not its own group).
  // Where the table's user is that same account (jenkins, solr 8983), the existing user below says the same.
  const own = facts?.nonRootByDefault && !isRootUser(facts.defaultUser) ? facts.defaultUser : undefined;
  const [ownName = '', ownGroup] = (own ?? '').split(':') as [string, string | undefined];
  const ex = facts?.existingUser;
  const sameAsExisting = !!ex && (ownName === ex.name || ownName === String(ex.uid)) && (ownGroup === undefined || ownGroup === String(ex.gid));
  if (own && !sameAsExisting) {
    const [name, group] = [ownName, ownGroup];
    const why = `the base image's own USER ${own} (${facts!.source})`;
    if (/^\d+$/.test(name)) {
      const uid = Number(name);
      const holder = facts!.existingUser?.uid === uid ? facts!.existingUser : undefined;
      const gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : holder?.gid;
      if (group === undefined || gid !== undefined) {
        return { user: own, name: holder?.name ?? name, uid, gid, owner: ownerOf(name, uid, gid), shell: true, reason: why };
      }
    } else {
      const plan = reuse(name, group, why);
      if (plan && plan.uid === undefined) return { ...plan, refNote: `USER ${name} by name: upstream gives it no fixed UID` };
      if (plan) return plan;
    }
  }
  const existing = facts?.existingUser;
  if (existing) return existingPlan(existing.name, existing.uid, existing.gid, `the base image has it (${facts!.source})`);
  // Numeric owner evidence nobody holds (`COPY --chown=1001:1001`): the app expects that UID.
  const numericRef = (u: string, g: string | undefined, why: string) =>
    /^\d+$/.test(u) ? { uid: Number(u), gid: g && /^\d+$/.test(g) ? Number(g) : Number(u), why } : undefined;
  const [prefUser, prefGroup] = (preferred?.ref ?? '').split(':') as [string, string | undefined];
  const wanted =
    (preferred && numericRef(prefUser, prefGroup, `${preferred.reason}, as UID ${prefUser}`)) ??
    (owner && numericRef(owner.user, owner.group, `${owner.how} names UID ${owner.user}`));
  const ids = wanted ?? sharedUidValue ?? { uid: opts.uid, gid: opts.gid };
  const holder = accounts.accounts.find((a) => a.uid === ids.uid);
  // The base already has a user at that UID (known from its facts): that one, not a second.
  if (holder) return existingPlan(holder.name, holder.uid, holder.gid, `the base has it at UID ${holder.uid} (${holder.source})`);
  // Without the base's whole /etc/passwd the command guards against a UID or GID the base already uses.
  const guarded = !accounts.complete || accounts.accounts.some((a) => a.gid === ids.gid);
  const create = createCommand(distro, { name: opts.userName, uid: ids.uid, gid: ids.gid }, facts?.needsShadowUtils === true, guarded);
  if (!create) return undefined;
  const prepared = preparedHome(base.chain, escape);
  const { home, makeHome } = prepared ? { home: undefined, makeHome: prepared } : createdUserHome(opts.userName);
  return {
    name: opts.userName,
    uid: ids.uid,
    gid: ids.gid,
    owner: `${ids.uid}:${ids.gid}`,
    create,
    guarded,
    home,
    makeHome,
    shell: true,
    reason: wanted?.why,
    ...userRef(opts, opts.userName, ids.uid, ids.gid, !guarded),
  };
}

/**
 * nginx from the distro's package, started with the package's own
 * /etc/nginx/nginx.conf: its pid and temp files sit where only root writes
 * (Debian: /run/nginx.pid, /var/lib/nginx), and nginx/unprivileged edits only
 * configurations the repository holds. A USER here would stop nginx at start.
 */
function packageNginxOnStockConfig(ctx: TransformContext, df: DockerfileSource, base: StageBase, services: ServiceLink[]): string | undefined {
  const pkg = nginxPackage(base.chain, df.parsed.escape);
  const stock = pkg?.layout.stockMain;
  if (!pkg || !stock || !startsNginx(base.chain, services, startScriptTexts(ctx.project, df, base, services))) return undefined;
  const seen = imageMappings(ctx.project, df.path, base.chain, services);
  if (!seen.some((m) => nginxConfigSet(ctx.project, m, pkg.layout).stockMain)) return undefined;
  return `nginx from the ${pkg.name} package (${df.rel} line ${pkg.install.instruction.line + 1}) runs the package's own nginx.conf (pid ${stock.pid}, temp files in ${stock.tempDir}), which only root can write`;
}

/**
 * `COPY --from=build /etc/passwd /etc/passwd` into a final stage without a shell (scratch,
 * distroless), from a stage of this Dockerfile that creates a user at a fixed UID
 * (`useradd -u 10001 appuser`): the build brings that user for the image to run as, so USER
 * names its number (a name needs the passwd file at run time, a number does not).
 */
function copiedPasswdUser(df: DockerfileSource, base: StageBase): UserPlan | undefined {
  const parsed = df.parsed;
  for (const ins of [...chainInstructions(base.chain)].reverse()) {
    if (ins.keyword !== 'COPY') continue;
    const from = ins.flags.find((f) => f.name === 'from')?.value;
    const args = ins.json ?? ins.args;
    const dest = args[args.length - 1];
    if (!from || args.length < 2 || !(dest === '/etc/passwd' || dest === '/etc/' || dest === '/etc')) continue;
    if (!args.slice(0, -1).some((src) => src === '/etc/passwd' || (dest === '/etc/passwd' && /(^|\/)passwd$/.test(src)))) continue;
    const stage = stageByRef(parsed, from, base.chain[base.chain.length - 1]!.index);
    if (!stage) return undefined;
    const source = resolveStageBase(parsed, stage);
    const users = usersCreatedIn(source.chain, parsed.escape, { distro: source.distro, globalArgs: parsed.globalArgs }).filter((u) => u.uid !== undefined);
    const last = users[users.length - 1];
    if (!last) return undefined;
    const uid = last.uid!;
    const ref = last.gid !== undefined ? `${uid}:${last.gid}` : String(uid);
    return {
      user: ref,
      name: last.name,
      uid,
      gid: last.gid,
      owner: ref,
      shell: false,
      reason: `COPY --from=${from} /etc/passwd brings user ${last.name}, which stage ${from} creates at UID ${uid} (line ${last.instruction.line + 1})`,
    };
  }
  return undefined;
}

/** Users the Dockerfiles of the images this stage is built FROM create, when this repository builds them (oldest first). */
function usersOfBuiltParents(base: StageBase): CreatedUser[] {
  const built = base.builtFrom;
  if (!built) return [];
  const parsed = built.parent.dockerfile.parsed;
  return [...usersOfBuiltParents(built.base), ...usersCreatedIn(built.base.chain, parsed.escape, { distro: built.base.distro, globalArgs: parsed.globalArgs })];
}

interface NewUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The command that creates a system user with no login shell, per distro family
 * (KNOWLEDGE.md, "Creating a user"). `guarded`: the base's users are not all
 * known, so the group and the user are created only when nothing holds that GID
 * or UID yet, and whoever holds it is reused (USER is numeric, so its name does
 * not matter). glibc bases have getent; BusyBox bases may not, so they read the
 * files. The home is never made here: it is made and chowned with the data
 * directories, so it exists whichever user ends up at the UID.
 *
 * A guarded creation also cannot know whether the base already uses the NAME at
 * another ID (an in-house base with `app` at 999): groupadd/useradd/addgroup/
 * adduser then fail ("group 'app' already exists"). That account is not ours and
 * is never reused, so the new group or user takes the name with its ID instead
 * (`app-1000`), chosen in the shell: `"$(getent group app >/dev/null && echo
 * app-1000 || echo app)"`. Group and user names are checked apart (the base may
 * have one and not the other). Nothing else depends on the name: USER, chown and
 * COPY --chown are numeric, and HOME is /home/<name> whichever name is taken
 * (usersCreatedIn reads the name as the plain one).
 */
function createCommand(distro: Distro | undefined, u: NewUser, needsShadowUtils: boolean, guarded: boolean): string[] | undefined {
  const { name: n, uid, gid } = u;
  /** The name, or `name-ID` when `taken` (a shell test) finds the name already used. */
  const freeName = (taken: string, id: number) => `"$(${taken} && echo ${n}-${id} || echo ${n})"`;
  const shadow = (shell: string) => {
    const group = (name: string) => `groupadd --system --gid ${gid} ${name}`;
    const user = (name: string) => `useradd --system --no-log-init --uid ${uid} --gid ${gid} --no-create-home --home-dir /home/${n} --shell ${shell} ${name}`;
    if (!guarded) return [group(n), user(n)];
    return [
      `{ getent group ${gid} >/dev/null || ${group(freeName(`getent group ${n} >/dev/null`, gid))}; }`,
      `{ getent passwd ${uid} >/dev/null || ${user(freeName(`getent passwd ${n} >/dev/null`, uid))}; }`,
    ];
  };
  switch (distro) {
    case 'debian':
    case 'ubuntu':
      return shadow('/usr/sbin/nologin');
    case 'alpine': {
      // BusyBox: on adduser, -g is GECOS and -G the group, by name; -H: the home is made with the data directories.
      const group = (name: string) => `addgroup -S -g ${gid} ${name}`;
      const user = (name: string, groupName: string) => `adduser -S -D -H -u ${uid} -G ${groupName} -h /home/${n} -s /sbin/nologin ${name}`;
      if (!guarded) return [group(n), user(n, n)];
      // Field 1 is the name, field 3 the ID, in both files.
      const holdsId = (file: string, id: number) => `grep -q '^[^:]*:[^:]*:${id}:' ${file}`;
      const holdsName = (file: string) => `grep -q '^${n}:' ${file}`;
      const groupName = `"$(awk -F: '$3 == ${gid} { print $1; exit }' /etc/group)"`;
      return [
        `{ ${holdsId('/etc/group', gid)} || ${group(freeName(holdsName('/etc/group'), gid))}; }`,
        `{ ${holdsId('/etc/passwd', uid)} || ${user(freeName(holdsName('/etc/passwd'), uid), groupName)}; }`,
      ];
    }
    case 'rhel':
      // Amazon Linux images ship without shadow-utils; yum is dnf's alias on AL2023.
      return [...(needsShadowUtils ? ['yum install -y shadow-utils && yum clean all'] : []), ...shadow('/sbin/nologin')];
    case 'rhel-minimal':
      // ubi-minimal has no useradd until shadow-utils is installed.
      return ['microdnf install -y shadow-utils && microdnf clean all', ...shadow('/sbin/nologin')];
    default:
      return undefined;
  }
}

/** A service that writes what one of the image's services mounts, as another user than the plan's (writableMountPeers). */
interface OtherWriter {
  shared: SharedMount;
  /** How it runs, for the finding: `runs as root (the default user of postgres:16)`, `its user is not known (…)`. */
  who: string;
  root: boolean;
  /**
   * The services of one compose `image:` that write it at the same place as the same user (shared.peer first): named
   * once as a group. getsentry's self-hosted compose runs some twenty services of sentry-self-hosted-local on the
   * sentry-data volume; one sentence each buried the finding.
   */
  peers: ServiceLink[];
}

/**
 * Services of the same compose project that write a folder or volume the image's services write, as another user than
 * the one this fix gives the image (or as a user not known here). Every file such a service makes there is its own
 * user's (root's for a root process), so the image's user meets files it cannot change, and the other one meets the
 * image's: pypacktrends reverted its USER when the backend (1001) and litestream (root) shared `./data` with its SQLite
 * database (#177 in docs/reviews/hardening-commits-2026-12-d.md). A volume a fixed-UID service shares is left to
 * sharedUid, which picks its UID where it can.
 */
function otherWriters(ctx: TransformContext, services: ServiceLink[], plan: UserPlan): OtherWriter[] {
  const out: OtherWriter[] = [];
  for (const shared of writableMountPeers(ctx.project, services)) {
    // An override's partial service and its base carry the same mount: one sentence for the pair.
    const same = (x: SharedMount) => x.peer.name === shared.peer.name && x.mount.source === shared.mount.source && x.mount.target === shared.mount.target;
    if (out.some((w) => same(w.shared))) continue;
    const who = writerIdentity(ctx, shared.peer, plan);
    if (!who) continue;
    const image = shared.peer.image;
    const group = image === undefined ? undefined : out.find((w) =>
      w.shared.peer.image === image && w.who === who.who && w.shared.mount === shared.mount && w.shared.peerMount.source === shared.peerMount.source && w.shared.peerMount.target === shared.peerMount.target);
    if (group) group.peers.push(shared.peer);
    else out.push({ shared, ...who, peers: [shared.peer] });
  }
  return out;
}

/**
 * How a service writes, when that is not as the plan's user: its compose `user:`, else its Dockerfile's USER (a root
 * one this run also fixes counts at the UID that fix picks), else its image's known default user (an image that steps
 * down at start writes as the user it steps down to, after its root start), else not known: an image whose USER is not
 * known here runs as root unless it says otherwise (Docker runs a container as the image's USER, root by default).
 */
function writerIdentity(ctx: TransformContext, peer: ServiceLink, plan: UserPlan): { who: string; root: boolean } | undefined {
  const numeric = (u: string) => /^(\d+)(?::\d+)?$/.exec(u.trim())?.[1];
  const samePlan = (u: string) => {
    const id = numeric(u);
    return id !== undefined ? plan.uid !== undefined && Number(id) === plan.uid : !plan.guarded && u.split(':')[0] === plan.name;
  };
  const cu = composeUser(peer);
  if (cu !== undefined) {
    if (cu.includes('$') || cu.trim() === '') return { who: `runs as ${cu} (its compose user:, a variable with no value here)`, root: false };
    if (samePlan(cu)) return undefined;
    return isRootUser(cu) ? { who: `runs as root (its compose user: ${cu})`, root: true } : { who: `runs as ${cu} (its compose user:)`, root: false };
  }
  const img = serviceImage(peer, ctx.project);
  const facts = img.facts;
  if (img.built && img.base && peer.dockerfile && !facts?.dropsPrivileges) {
    const u = effectiveUser(img.base);
    if (!u.known && !u.instruction) return { who: `its user is not known here (${peer.dockerfile.rel} sets no USER and builds on ${img.image ?? 'an image'} the knowledge table does not know)`, root: false };
    if (!u.known) return { who: `runs as ${u.user} (USER in ${peer.dockerfile.rel}, a value not known here)`, root: false };
    if (!u.root) return samePlan(u.user) ? undefined : { who: `runs as ${u.user} (USER in ${peer.dockerfile.rel})`, root: false };
    // Root now; this run gives its Dockerfile a user too, at this UID where it makes one (its own finding says if not).
    const theirs = planUser(ctx.options, img.base, peer.dockerfile);
    if (theirs?.uid !== undefined && theirs.uid === plan.uid) return undefined;
    return { who: `runs as root (${peer.dockerfile.rel} sets no non-root USER${theirs?.uid !== undefined ? `, and its fix would make it ${theirs.user}` : ''})`, root: true };
  }
  if (facts) {
    const own = facts.existingUser;
    if (facts.dropsPrivileges) {
      if (own && plan.uid === own.uid) return undefined;
      // What it makes after its root start is the stepped-down user's, not root's.
      return { who: `starts as root and steps down to ${own ? `${own.name} (UID ${own.uid}, the user of ${img.image ?? facts.family})` : `a user of its own (${img.image ?? facts.family})`}`, root: false };
    }
    if (facts.nonRootByDefault) {
      if (samePlan(facts.defaultUser) || (own && plan.uid === own.uid && own.name === facts.defaultUser)) return undefined;
      return { who: `runs as ${facts.defaultUser}${own && own.name === facts.defaultUser ? ` (UID ${own.uid})` : ''} (the default user of ${img.image ?? facts.family})`, root: false };
    }
    return { who: `runs as root (the default user of ${img.image ?? facts.family})`, root: true };
  }
  if (img.buildElsewhere) return { who: 'its user is not known here (its build context is not in this repository, and with no USER an image runs as root)', root: false };
  return { who: `its user is not known here (${img.image ? `unknown image ${img.image}` : 'no image'}, no compose user:, and with no USER an image runs as root)`, root: false };
}

/** `services a, b, c (same image x)`: the siblings of one image that write the same data. */
function writerGroupName(w: OtherWriter): string {
  return `services ${w.peers.map((p) => p.name).join(', ')} (same image ${w.shared.peer.image})`;
}

/** writerIdentity's words for each of a group: `their user is not known here (…)`, `each runs as root (…)`. */
function groupWho(who: string): string {
  return who.startsWith('its ') ? `their ${who.slice('its '.length)}` : `each ${who}`;
}

/** The finding's words for a sibling that writes the same data as another user, and what to do. */
function otherWriterText(w: OtherWriter, plan: UserPlan): string {
  const { service, mount, peerMount } = w.shared;
  const what = mount.type === 'volume' ? `volume ${mount.source}` : `${mount.source}`;
  if (w.peers.length > 1) {
    return (
      `${writerGroupName(w)} write ${what} too (at ${peerMount.target}, where ${service.name} has ${mount.target}) and ${groupWho(w.who)}: ` +
      `what they make there is not ${plan.owner}'s${w.root ? ' (root-owned: the new user cannot change it)' : ''}, so a one-time chown does not hold; ` +
      `run them as ${plan.owner} too (compose user:) if their image allows, or keep ${service.name} root`
    );
  }
  return (
    `service ${w.shared.peer.name} writes ${what} too (at ${peerMount.target}, where ${service.name} has ${mount.target}) and ${w.who}: ` +
    `what it makes there is not ${plan.owner}'s${w.root ? ' (root-owned: the new user cannot change it)' : ''}, so a one-time chown does not hold; ` +
    `run ${w.shared.peer.name} as ${plan.owner} too (compose user:) if its image allows, or keep ${service.name} root`
  );
}

/** A UID another service on a shared named volume already runs as (or will, after its own fix). */
function sharedUid(ctx: TransformContext, services: ServiceLink[]): { uid: number; gid: number; service: string; volume: string } | undefined {
  for (const { volume, peer } of volumePeers(ctx.project, services)) {
    const ids = fixedUidOf(ctx, peer);
    if (ids) return { ...ids, service: peer.name, volume };
  }
  return undefined;
}

/** The UID a service runs as when it is fixed by its image, its Dockerfile or compose `user:` (not by our --uid). */
function fixedUidOf(ctx: TransformContext, s: ServiceLink): { uid: number; gid: number } | undefined {
  const numeric = (u: string) => {
    const m = /^(\d+)(?::(\d+))?$/.exec(u);
    return m && m[1] !== '0' ? { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) } : undefined;
  };
  const cu = composeUser(s);
  if (cu !== undefined) return numeric(cu);
  if (s.dockerfile) {
    const parsed = s.dockerfile.parsed;
    const stage = finalStage(parsed, s.build?.target);
    if (!stage) return undefined;
    const base = resolveStageBase(parsed, stage, s.build?.args ?? {});
    if (base.facts?.dropsPrivileges || base.facts?.swapTo) return undefined;
    const plan = planUser(ctx.options, base, s.dockerfile);
    return plan?.uid !== undefined && !plan.create ? { uid: plan.uid, gid: plan.gid ?? plan.uid } : undefined;
  }
  if (!s.image) return undefined;
  const facts = lookupImage(parseImageRef(s.image));
  if (!facts?.nonRootByDefault || facts.dropsPrivileges) return undefined;
  return numeric(facts.defaultUser) ?? (facts.existingUser ? { uid: facts.existingUser.uid, gid: facts.existingUser.gid } : undefined);
}

interface Ownership {
  /** Directories the setup RUN creates and chowns (sorted). */
  dirs: string[];
  /** Those of `dirs` chowned with -R: mount points an unknown base may already fill (OwnedPaths.deepDirs). */
  deepDirs: string[];
  /** Files written in place at start: created if missing and chowned. */
  files: string[];
  /** Code directories a start-up write needs writable: chowned themselves only. */
  writableDirs: string[];
  /** Why start-up paths are owned, for the finding. */
  startReasons: string[];
  /** `COPY --chown` edits for files copied into those directories. */
  copyEdits: Edit[];
  copied: string[];
  /** Paths that need the user but cannot be chowned (no shell, nothing copied there). */
  unowned: string[];
  /** Named-volume targets under /root (mode 700): the user cannot reach them whoever owns them. */
  underRoot: string[];
  /** Where the app's code lives: WORKDIR and COPY destinations (not chowned unless --chown-workdir). */
  codeDirs: string[];
  /** Targets compose watch syncs into: in `dirs` and `deepDirs` (chowned with -R). */
  synced: string[];
  /** Those of `deepDirs` the start rewrites files anywhere below (OwnedPaths.treeDirs). */
  treeDirs: string[];
}

/**
 * What the user must own: VOLUMEs of the stage, targets of named volumes compose
 * mounts (a new volume copies the image's ownership), directories RUN lines make
 * with mkdir, the home BusyBox's adduser -H leaves out, and with --chown-workdir the
 * WORKDIR. Files COPY puts there get `--chown`; code elsewhere stays root-owned.
 */
function ownership(opts: HardenOptions, df: DockerfileSource, stage: DfStage, base: StageBase, plan: UserPlan, services: ServiceLink[], start: StartWrite[], syncTargets: readonly string[]): Ownership {
  const fromImage = ownedPaths(opts, df, stage, base, services, plan.makeHome, start);
  // A sync target inside a folder already given whole (-R) needs nothing more; one above a given folder takes its place.
  const synced = syncTargets.filter((t) => !fromImage.deepDirs.some((d) => isUnder(t, d)) && !syncTargets.some((o) => o !== t && isUnder(t, o)));
  const keep = (d: string) => !synced.some((t) => isUnder(d, t));
  const owned = {
    ...fromImage,
    dirs: [...fromImage.dirs.filter(keep), ...synced].sort(),
    deepDirs: [...fromImage.deepDirs.filter(keep), ...synced].sort(),
  };
  const { underRoot, codeDirs, files, writableDirs, startReasons } = owned;
  // A directory the build already chowns to this user (by name or UID) needs nothing more. Not by
  // name behind a guard: that name may be the base's own account at another UID (ours is then name-ID).
  const byName = (user: string) => user === plan.name && !plan.guarded;
  const byUser = chownsIn(base.chain, df.parsed.escape, df.parsed.globalArgs).filter((c) => byName(c.user) || (plan.uid !== undefined && c.user === String(plan.uid)));
  const dirs = owned.dirs.filter((d) => !byUser.some((c) => c.paths.some((p) => p === d || (c.recursive && isUnder(d, p)))));
  const wd = workdirs(base.chain, base.buildArgs, base.globalArgs);
  // Files copied into a directory the user must own get the user too (numeric: it may not exist yet).
  const copyEdits: Edit[] = [];
  const copied = new Set<string>();
  if (plan.uid !== undefined) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      if (ins.heredocs.length || ins.flags.some((f) => f.name === 'chown')) continue;
      const dest = copyDest(ins, wd.before.get(ins) ?? '/', wd.scopes.get(ins));
      const into = dest && dirs.find((d) => isUnder(dest, d));
      if (!into) continue;
      copied.add(into);
      const at = ins.start + ins.keyword.length;
      copyEdits.push({ file: df.path, range: [at, at], text: ` --chown=${plan.owner}` });
    }
  }
  return {
    dirs: plan.shell ? dirs : [],
    deepDirs: plan.shell ? owned.deepDirs.filter((d) => dirs.includes(d)) : [],
    files: plan.shell ? files : [],
    writableDirs: plan.shell ? writableDirs : [],
    startReasons: plan.shell ? startReasons : [],
    copyEdits,
    copied: [...copied].sort(),
    unowned: plan.shell ? [] : [...dirs, ...files, ...writableDirs].filter((d) => !copied.has(d)),
    underRoot,
    codeDirs,
    synced: plan.shell ? synced.filter((t) => dirs.includes(t)) : [],
    treeDirs: plan.shell ? owned.treeDirs.filter((d) => dirs.includes(d)) : [],
  };
}

/**
 * Where compose watch syncs files into the services that run the image, in every project that runs them: targets no
 * mount or tmpfs covers (a mount's contents are the volume's or the host's, not the image's).
 */
function watchSyncsOf(project: Project, services: ServiceLink[]): WatchSyncs {
  const targets: string[] = [];
  const files: string[] = [];
  for (const s of services) {
    const tmpfs = s.effective.tmpfs;
    const tmpfsTargets = (typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs : []).filter((t): t is string => typeof t === 'string').map((t) => normalizePath(t.split(':')[0]!.trim()));
    const found = watchSyncTargets(project, s, [...s.volumes.map((m) => normalizePath(m.target)), ...tmpfsTargets]);
    for (const t of found.targets) if (!targets.includes(t)) targets.push(t);
    for (const f of found.files) if (!files.includes(f)) files.push(f);
  }
  return { targets: targets.sort(), files };
}

/**
 * A writable bind mount of a service that runs this image whose host folder another service of the same compose file
 * (running another image) mounts too, as a non-root user that is not the one planned here. That folder holds that
 * user's files, often with no access for others: coollabsio/coolify's scripts/install.sh runs `chown -R 9999:root
 * /data/coolify` and `chmod -R 700 /data/coolify` at every install and upgrade, and its coolify-realtime image (the
 * soketi service) runs `ssh -i` with the keys the coolify service (www-data, UID 9999) keeps in /data/coolify/ssh. As
 * root the realtime image reads them; under a new USER 1000 it cannot, and chowning the folder to 1000 (the bind-mount
 * note) breaks the other service. A root or unknown user of the other service is no such owner (root reads anything,
 * and the migration note covers root's files); a user known to have the planned UID is the same owner.
 */
function bindSharedWithOtherUser(project: Project, services: readonly ServiceLink[], plan: UserPlan): { service: string; source: string; target: string; other: string; file: string; user: string; uid?: number } | undefined {
  // The peer's read-only mounts count (it reads what is kept there), and so does a bind of the checkout.
  for (const { service: s, mount: m, peer: o, peerMount } of writableMountPeers(project, services, { readers: true, code: true })) {
    if (m.type !== 'bind' || o.compose.path !== s.compose.path || o.name === s.name) continue;
    if ((peerMount.hostPath ?? peerMount.source) !== (m.hostPath ?? m.source)) continue;
    const img = serviceImage(o, project);
    const user = runtimeUser(o, img);
    if (!user.known || user.root) continue;
    const writer = img.dockerfile && img.base ? writerOf(o, img.dockerfile, img.base) : writerFromUser(user.user, img.facts);
    const uid = writer && !writer.root ? writer.uid : undefined;
    if (uid !== undefined && uid === plan.uid) continue;
    return { service: s.name, source: m.source!, target: m.target, other: o.name, file: o.compose.rel ?? o.compose.path, user: user.user, ...(uid !== undefined ? { uid } : {}) };
  }
  return undefined;
}

/**
 * One-time steps for existing deployments: named volumes made by a root container
 * stay root-owned (chown them once), and bind mounts keep the host's ownership:
 * make the host folder if it is missing (else Docker makes it, root-owned) and
 * chown what a root container wrote there. Mounts of the app's code and the
 * Docker socket are not data. `cwd`: where the report is read and the commands
 * run; a relative bind source is shown from there, as compose resolves it
 * (against the compose file's directory).
 */
function migrationNotes(cwd: string, services: ServiceLink[], plan: UserPlan, codeDirs: string[], ownedDirs: string[], writers: readonly OtherWriter[] = []): MigrationNote[] {
  const notes: MigrationNote[] = [];
  // The one-time chown holds only while nothing else writes there as another user: say who does, on the note itself.
  const alsoWritten = (m: VolumeMount) =>
    writers
      .filter((w) => w.shared.mount.type === m.type && w.shared.mount.source === m.source && w.shared.mount.target === m.target)
      .map((w) =>
        w.peers.length > 1
          ? `; ${writerGroupName(w)} write there too (${w.shared.peerMount.source}:${w.shared.peerMount.target}) and ${groupWho(w.who)}, so what they make after this chown is not ${plan.owner}'s (see the finding)`
          : `; service ${w.shared.peer.name} writes there too (${w.shared.peerMount.source}:${w.shared.peerMount.target}) and ${w.who}, so what it makes after this chown is not ${plan.owner}'s (see the finding)`,
      )
      .join('');
  const seen = new Set<string>();
  const ids = plan.uid !== undefined ? `${plan.uid}:${plan.gid ?? plan.uid}` : undefined;
  for (const s of services) {
    for (const m of s.volumes) {
      if (m.readOnly || !m.source) continue;
      if (m.type === 'volume') {
        const vol = dockerVolumeName(s, m.source);
        if (seen.has(`v\0${vol}`)) continue;
        seen.add(`v\0${vol}`);
        notes.push({
          kind: 'volume-chown',
          message: `volume ${m.source} (${vol}, mounted at ${m.target} by ${s.name}) was written as root: chown it once for ${plan.owner}${alsoWritten(m)}`,
          ...(ids ? { command: `docker run --rm -v ${vol}:/v alpine chown -R ${ids} /v` } : {}),
        });
      } else if (m.type === 'bind') {
        // A system path is no data folder, unless the fix chowns it as one (linkding keeps its data in /etc/linkding/data).
        if (isDockerSocketMount(m) || (isSystemPath(m.target) && !ownedDirs.includes(m.target)) || codeDirs.includes(m.target)) continue;
        if (seen.has(`b\0${m.source}`)) continue;
        seen.add(`b\0${m.source}`);
        const [u, g] = (ids ?? plan.name).split(':');
        // One file mounted alone (a SQLite database, `./bookmarks.sqlite:/app/db/bookmarks.sqlite`): `mkdir -p` there would make a
        // folder where the file belongs (and Docker then mounts that folder); the file itself must be the user's. So is a
        // `${PWD}/file` whose file the compose file's folder holds (nanny's `${PWD}/nanny.toml:/nanny.toml`): compose takes PWD
        // from the shell, which is that folder where the stack is started as its README says; shown as written.
        const pwdFile = m.hostPath === undefined ? pwdFileIn(path.dirname(s.compose.path), m.source) : undefined;
        if ((m.hostPath !== undefined && isFile(m.hostPath)) || pwdFile || ((m.hostPath === undefined || !existsSync(m.hostPath)) && SQLITE_FILE.test(m.target))) {
          const file = shellWord(hostFolder(cwd, m));
          notes.push({
            kind: 'bind-mount',
            message: `bind mount ${m.source}:${m.target} of ${s.name} is one file: the host file must be owned by ${plan.owner} (a root container wrote it as root)${alsoWritten(m)}`,
            command: `sudo chown ${u}:${g ?? u} ${file}`,
          });
          continue;
        }
        // A folder that holds the compose file or the working directory is the checkout (`..:/project`), not data a
        // root container wrote: a recursive chown would hand the whole repository, .git too, to the UID. Prepare the folder only.
        // So is a mount over the image's code (`../server:/app/server` under WORKDIR /app) that the image does not write.
        const checkout =
          /^\$\{?PWD\}?\/?$/.test(m.source) ||
          (m.hostPath !== undefined && [path.dirname(s.compose.path), cwd].some((d) => d === m.hostPath || d.startsWith(m.hostPath!.replace(/\/?$/, '/')))) ||
          (codeDirs.some((c) => isUnder(m.target, c)) && !ownedDirs.some((o) => isUnder(m.target, o) || isUnder(o, m.target)));
        if (checkout) {
          notes.push({
            kind: 'bind-mount',
            message: `bind mount ${m.source}:${m.target} of ${s.name} hides the image's ownership: the host folder must be owned by ${plan.owner}${alsoWritten(m)}`,
            command: `install -d -o ${u} -g ${g ?? u} ${shellWord(m.source)}`,
          });
          continue;
        }
        const host = shellWord(hostFolder(cwd, m));
        notes.push({
          kind: 'bind-mount',
          message: `bind mount ${m.source}:${m.target} of ${s.name} hides the image's ownership: the host folder must be owned by ${plan.owner}, and what a root container wrote there is root's: chown it once${nestedBindNote(s, m, plan, ownedDirs)}${alsoWritten(m)}`,
          command: `sudo mkdir -p ${host} && sudo chown -R ${u}:${g ?? u} ${host}`,
        });
      }
    }
  }
  return notes;
}

/**
 * Why a bind mount inside another mount or a folder the fix chowns needs its own host folder prepared: a mount hides
 * what is under it, so neither the outer folder's `chown` in the image nor a `chown -R` of the outer bind's host folder
 * reaches it; and Docker makes the mount point inside an outer bind mount on the host, root-owned where it is missing
 * (https://docs.docker.com/engine/storage/bind-mounts/: a missing source or mount point is created). Empty otherwise.
 */
function nestedBindNote(s: ServiceLink, m: VolumeMount, plan: UserPlan, ownedDirs: readonly string[]): string {
  const target = m.target.replace(/\/+$/, '');
  const outer = s.volumes
    .filter((o) => o !== m && o.type === 'bind' && o.source && o.target.replace(/\/+$/, '') !== target && isUnder(target, o.target.replace(/\/+$/, '')))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (outer) {
    return `; it is mounted inside the bind mount ${outer.source}:${outer.target}, whose host folder holds its mount point (Docker makes it there as root where it is missing): the host folder ${m.source} owns what the app sees at ${m.target}, not ${outer.source}, whose chown does not reach it`;
  }
  const owned = ownedDirs.filter((d) => d !== target && isUnder(target, d)).sort((a, b) => b.length - a.length)[0];
  if (owned) return `; it sits inside ${owned}, which the image gives to ${plan.owner}, but that chown does not reach into a bind mount: the host folder ${m.source} owns what the app sees at ${m.target}`;
  return '';
}

/**
 * The host folder of a bind mount as a path to type in `cwd`: a relative source
 * as compose resolves it (against its compose file's directory, `hostPath`),
 * shown relative to `cwd` (`./deploy/data` for `./data` in deploy/compose.yml);
 * an absolute source, or one with variables or `~`, as written.
 */
/** `${PWD}/x` or `$PWD/x` where `x` is a file in the compose file's folder (`dir`): that file, else undefined. */
function pwdFileIn(dir: string, source: string): string | undefined {
  const m = /^\$(?:\{PWD\}|PWD\b)\/(.+)$/.exec(source);
  if (!m || m[1]!.includes('$')) return undefined;
  const f = path.resolve(dir, m[1]!);
  return isFile(f) ? f : undefined;
}

function hostFolder(cwd: string, m: { source?: string; hostPath?: string }): string {
  const source = m.source ?? '';
  if (!m.hostPath || path.isAbsolute(source) || source.startsWith('/')) return source;
  const rel = path.relative(cwd, m.hostPath).split(path.sep).join('/');
  if (rel === '') return '.';
  return rel.startsWith('../') || rel === '..' || path.isAbsolute(rel) ? rel : `./${rel}`;
}

/** A host path as one shell word; compose variables (`${DATA_DIR:-./data}`) stay expandable, as the shell reads them alike. */
function shellWord(s: string): string {
  if (/^[\w./~+@%:-]+$/.test(s)) return s;
  if (s.includes('$')) return `"${s.replace(/["\\`]/g, '\\$&')}"`;
  return shellQuote(s);
}

/**
 * A start-up write for a finding. A `dir-of` write (sed -i, sqlite) says that its folder is what must be writable: sed -i
 * writes a temporary file in the same folder and renames it over the old one (GNU sed manual, --in-place; BusyBox sed
 * likewise), so a user who owns only the file still fails. A glob names folders the build cannot know.
 */
function startWriteText(w: StartWrite): string {
  if (w.kind !== 'dir-of') return `${w.path} (${w.how})`;
  const dir = path.posix.dirname(w.path);
  const glob = /[*?[]/.test(dir) ? ', a glob whose folders are not known at build time' : '';
  const why = w.how.startsWith('sed -i')
    ? `it makes a new file in ${dir} and renames it, so that folder must be writable, not only the file`
    : w.how.startsWith('sqlite3')
      ? `sqlite keeps its journal beside the database, so ${dir} must be writable`
      : `it writes files in ${dir}, so that folder must be writable`;
  return `${w.path} (${w.how}; ${why}${glob})`;
}

/**
 * Whether every step named is one the start may skip (StartWrite.conditional, RootOnlyStep.conditional: inside an if or
 * case, after && or ||, in a function not always called): the finding then says "may" (its `how` says why), not that it fails.
 */
function onSomeStartsOnly(steps: { conditional?: string }[]): boolean {
  return steps.length > 0 && steps.every((x) => x.conditional !== undefined);
}

/**
 * The folders a start script's `exec` lines hand to the program they run, with the command: `exec ./hatchet-lite
 * --config ./config` gives /config (a word that is a path: absolute, or ./ or ../ relative, taken from `cwd`, the image's
 * working folder; also the value of `--flag=path`). Words with a variable are not read; `exec -a name` is skipped.
 */
function execPathArgs(text: string, cwd: string): { path: string; how: string }[] {
  const out: { path: string; how: string }[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    // A continued line is read whole, from the line it starts on.
    if (i > 0 && /\\$/.test(lines[i - 1]!)) return;
    let t = line.trim();
    for (let j = i; /\\$/.test(lines[j]!) && j + 1 < lines.length; j++) t = `${t.slice(0, -1)} ${lines[j + 1]!.trim()}`;
    if (!/^exec\s/.test(t)) return;
    const words = shellCommands(t)[0] ?? [];
    let k = 1;
    while (k < words.length && /^-[acl]+$/.test(words[k]!)) k += words[k]!.includes('a') ? 2 : 1;
    const argv = words.slice(k);
    for (const w of argv.slice(1)) {
      const v = /^--?[\w-]+=/.test(w) ? w.slice(w.indexOf('=') + 1) : w;
      if (v.includes('$') || !/^(\/|\.\.?\/)/.test(v)) continue;
      const abs = path.posix.normalize(v.startsWith('/') ? v : path.posix.join(cwd, v)).replace(/(.)\/+$/, '$1');
      out.push({ path: abs, how: `${argv.join(' ')} (line ${i + 1})` });
    }
  });
  return out;
}

/** A shell script that stops at the first failing command: `set -e`, `set -euo pipefail`, `set -o errexit`, or `-e` on its #! line. */
const ERREXIT = /^\s*set\s+(?:-[a-zA-Z]*e[a-zA-Z]*|-o\s+errexit)\b|^#!.*\s-[a-zA-Z]*e[a-zA-Z]*\s*$/m;

/** Folders any user may write (mode 1777, or per-process): a start-up write there needs no owner. */
const ANYONE_WRITES = ['/tmp', '/var/tmp', '/dev', '/run/lock', '/var/lock', '/proc/self'];

/**
 * Dependency installs at start (`pnpm install` in polar's startup-web.sh, `npm ci` in an entrypoint, `pip install -r`,
 * `poetry install`, `bundle install`, `composer install`, `go mod download`, `mix deps.get`) write the project's
 * dependency folder and the package manager's store or cache (src/dep-install-writes.ts). As root that always works;
 * as the user only where each of those folders is one it may write: /tmp, a folder the tool or the build gives the user
 * (a recursive chown of the build, --chown-workdir), the HOME the tool makes for it or the one the base or the build
 * made for that user, or a compose volume or bind mount (whose ownership the volume notes already ask to prepare).
 * Anything else (a root-owned store such as PNPM_HOME=/pnpm, a build's node_modules, site-packages of a system Python,
 * a folder after a cd not known here) holds the USER back with the step to take (CIS 4.1). Each service's start is
 * read with that service's environment and mounts; with no service, the image's own start.
 */
/** The user's own HOME: the one the tool makes, the base image's user's (node's /home/node), or one the build's useradd makes. */
function planHome(df: DockerfileSource, base: StageBase, plan: UserPlan): string | undefined {
  const existing = base.facts?.existingUser;
  return plan.home ?? plan.makeHome ?? (!plan.create && existing && (existing.name === plan.name || existing.uid === plan.uid) ? `/home/${existing.name}` : undefined) ?? userHome(df, base.chain, plan.user);
}

/**
 * A pnpm or yarn the start runs through corepack (`corepack enable` in the build) that the build already fetched as
 * root: corepack keeps what it downloads in COREPACK_HOME, by default ~/.cache/node/corepack, so the copy the build's
 * `pnpm install` fetched sits in /root/.cache/node/corepack, and as the user (HOME /home/node) corepack fetches it
 * again at every fresh container start (Reactive-Resume's `pnpm run start` as node): the start then needs the npm
 * registry, and fails offline. Nothing breaks where the registry answers, so it is a note with the step that keeps the
 * build's copy: COREPACK_HOME outside /root before the build's first pnpm/yarn. Checked on the team engine (rw-gaps41a:
 * debian:bookworm-slim, Debian's nodejs 18.20.4, corepack 0.34.6, pnpm 9.15.0 fetched into /root/.cache/node/corepack
 * and into /usr/local/share/corepack, both root's): as UID 1000 with no network `pnpm --version` fails ("Error when
 * performing the request to https://registry.npmjs.org/pnpm/-/pnpm-9.15.0.tgz"); with COREPACK_HOME=/usr/local/share/
 * corepack it prints 9.15.0 with no network and a read-only root; root runs its own copy offline.
 */
function corepackRefetchNote(project: Project, df: DockerfileSource, base: StageBase, plan: UserPlan, starts: readonly ImageStart[]): string | undefined {
  const found = corepackInBuild(base.chain, df.parsed.escape);
  if (!found?.fetched) return undefined;
  const { enable, fetched } = found;
  const set = lastEnv(base.chain, 'COREPACK_HOME');
  if (set && !isUnderRoot(set.value)) return undefined;
  // Run as root: no non-root USER before it in the chain (nor a base whose own user is not root, with none).
  const all = chainInstructions(base.chain);
  const before = all.slice(0, all.indexOf(fetched)).filter((i) => i.keyword === 'USER');
  const userThen = before.length ? before[before.length - 1]!.args[0] ?? 'root' : base.facts?.defaultUser ?? 'root';
  if (!isRootUser(userThen)) return undefined;
  const tools = starts.flatMap((st) => imageDepInstalls(st)).filter((d, i, all) => (d.tool === 'pnpm' || d.tool === 'yarn') && all.findIndex((x) => x.how === d.how) === i);
  if (!tools.length) return undefined;
  const home = planHome(df, base, plan);
  const cache = imageEnvValue(base, 'XDG_CACHE_HOME') ?? (home ? path.posix.join(home, '.cache') : '~/.cache');
  const tool = tools[0]!.tool;
  return `its start runs ${tools.slice(0, 2).map((d) => d.how).join(', ')} through corepack (corepack enable, ${instructionPlace(project, enable, df.path)}), and the ${tool} the build fetched as root (${instructionPlace(project, fetched, df.path)}) sits in /root/.cache/node/corepack, which corepack does not look in for ${plan.name}: it fetches ${tool} again into ${path.posix.join(cache, 'node/corepack')} at every fresh container start, which needs the npm registry then (offline, or with that folder read-only, the start fails); to keep the build's copy, set ENV COREPACK_HOME=/usr/local/share/corepack before the ${instructionPlace(project, enable, df.path)}`;
}

function depInstallsLeftToRoot(
  ctx: TransformContext,
  df: DockerfileSource,
  base: StageBase,
  plan: UserPlan,
  layout: Ownership,
  services: ServiceLink[],
  start: ImageStart,
  serviceStarts: { svc: ServiceLink; start: ImageStart }[],
): { hows: string[]; where: string[] } | undefined {
  const runs = services.length ? serviceStarts.map(({ svc, start: own }) => ({ svc: svc as ServiceLink | undefined, start: own })) : [{ svc: undefined, start }];
  if (!runs.some(({ start: st }) => imageDepInstalls(st).some((d) => d.installs || d.tool === 'pnpm' || d.tool === 'yarn') || imagePipInstalls(st).length)) return undefined;
  const names = new Set([plan.name, plan.user, plan.owner, ...(plan.uid !== undefined ? [String(plan.uid)] : [])]);
  const byBuild = chownsIn(base.chain, df.parsed.escape, df.parsed.globalArgs)
    .filter((c) => c.recursive && (names.has(c.user) || names.has(c.user.split(':')[0]!)))
    .flatMap((c) => c.paths);
  const vols = chainInstructions(base.chain).filter((i) => i.keyword === 'VOLUME').flatMap((i) => i.json ?? i.args);
  const chownedWorkdir = ctx.options.chownWorkdir ? [workdirs(base.chain, base.buildArgs, base.globalArgs).final] : [];
  const ownHome = planHome(df, base, plan);
  const corepack = corepackFetchesAtStart(base.chain, df.parsed.escape);
  // The base image's folders any user may write (ruby's GEM_HOME, golang's GOPATH: 1777 upstream), where the build left them so.
  const openToAnyUser = baseAnyoneWrites(base, df.parsed.escape);
  const hows: string[] = [];
  const where: string[] = [];
  for (const { svc, start: st } of runs) {
    const mounted = svc ? serviceMountTargets(svc) : [];
    // An install that runs only where its folder is missing or empty (`[ -d node_modules ] || npm ci`) does not run where
    // the build filled that folder, unless a mount of this service lies over it (a fresh volume is empty, a bind mount
    // is the host's folder).
    const deps = depInstallsThatRun(imageDepInstalls(st), base.chain, df.parsed.escape, base.buildArgs, df.parsed.globalArgs, mounted);
    const pips = imagePipInstalls(st);
    if (!deps.length && !pips.length) continue;
    const env = depInstallEnvironment((name) => imageEnvValue(base, name), svc ? serviceEnvironment(svc) : new Map());
    const home = env.get('HOME') ?? ownHome;
    const given = [...ANYONE_WRITES, ...layout.dirs, ...layout.writableDirs, ...byBuild, ...chownedWorkdir, ...vols, ...mounted, ...(ownHome && home === ownHome ? [ownHome] : [])].filter((d) => d !== '/');
    for (const w of depInstallWrites(deps, pips, env, home, corepack, false, containerHasFile(ctx.project, df.path, base, svc))) {
      if (w.path.startsWith('/') && !isUnderRoot(w.path) && (given.some((d) => isUnder(w.path, d)) || openToAnyUser(w.path))) continue;
      const how = w.how.replace(/, which corepack .*$/, '');
      if (!hows.includes(how)) hows.push(how);
      if (!where.includes(w.path)) where.push(w.path);
    }
  }
  return where.length ? { hows, where } : undefined;
}


/**
 * Start-up writes (read from the start scripts and commands, not seen in a run) that the user would not be able to
 * make: the folder they need is neither given to the user (the setup RUN, a chown of the build, HOME), nor a mount a
 * service brings, nor writable by anyone. write-paths gives the user what it may own (two levels deep and more,
 * outside the system's trees and trust stores); what it leaves out stays root's: `mkdir -p /data` (/ is root's, and
 * the folder is not in the image), `sed -i` in /usr/share, `> /etc/app.conf` (/etc itself). As root today such a
 * step works; as the user it fails with EACCES, and a script under `set -e` stops there (CIS 4.1: the user must be
 * able to run the image, so the USER is held back and the finding names the writes).
 */
function startWritesLeftToRoot(df: DockerfileSource, base: StageBase, plan: UserPlan, layout: Ownership, services: ServiceLink[], startWrites: StartWrite[]): StartWrite[] {
  const names = new Set([plan.name, plan.user, plan.owner, ...(plan.uid !== undefined ? [String(plan.uid)] : [])]);
  const chowned = chownsIn(base.chain, df.parsed.escape, df.parsed.globalArgs)
    .filter((c) => names.has(c.user) || names.has(c.user.split(':')[0]!))
    .flatMap((c) => c.paths);
  const given = [...layout.dirs, ...layout.writableDirs, ...layout.files, ...chowned, ...(plan.home ? [plan.home] : []), ...(plan.makeHome ? [plan.makeHome] : [])];
  const mounted = services.flatMap((s) => s.volumes.map((m) => m.target.replace(/\/+$/, '') || '/'));
  const vols = chainInstructions(base.chain)
    .filter((i) => i.keyword === 'VOLUME')
    .flatMap((i) => i.json ?? i.args);
  // The base image's folders any user may write (ruby's GEM_HOME, golang's GOPATH), where the build left them so.
  const openToAnyUser = baseAnyoneWrites(base, df.parsed.escape);
  return startWrites.filter((w) => {
    if (w.observed) return false;
    const need = w.kind === 'dir' ? w.path : path.posix.dirname(w.path);
    // `sed -i` (and sqlite's journal) make a new file beside the old one: owning the file is not enough, the folder must be writable.
    const covers = (d: string) => (w.kind !== 'dir-of' && isUnder(w.path, d)) || isUnder(need, d);
    // A folder made in one of the base's 1777 folders is the user's; a file there may be root's, which the sticky bit keeps others from replacing.
    if ([...ANYONE_WRITES, ...given, ...mounted, ...vols].some(covers) || (w.kind === 'dir' && openToAnyUser(w.path))) return false;
    // `mkdir -p` of a folder the image has (the code's, or one holding it) is a no-op.
    if (w.kind === 'dir' && layout.codeDirs.some((c) => isUnder(c, w.path))) return false;
    // Under /root: appUnderRoot and the home mount checks speak for it.
    return !isUnderRoot(need);
  });
}

/** A user-level configuration write a build step makes as root; `edit` moves a `git config --global` to `--system`. */
interface HomeConfigWrite {
  how: string;
  edit?: Edit;
}

/** git config options that read rather than write: `--system` would change what they read. */
const GIT_CONFIG_READS = /^(--get|--get-all|--get-regexp|--get-urlmatch|--get-color|--get-colorbool|-l|--list|-e|--edit)$/;

/**
 * Configuration build steps running as root write into root's HOME, for root alone: `git config --global`
 * (~/.gitconfig), `npm|pnpm|yarn config set` without a global location (~/.npmrc, ~/.yarnrc), `pip config set`
 * without --global/--site (~/.config/pip/pip.conf), `bundle config --global` (~/.bundle/config), `composer
 * config --global`, and redirects into a dotfile there (`> ~/.npmrc`). A process that runs as another user reads
 * its own HOME (git-config(1) FILES, npmrc(5), pip's configuration docs), so after USER the image loses it: a
 * `safe.directory` that let root use a repository another user owns, a registry, a proxy. `git config --global`
 * becomes `--system` (/etc/gitconfig, read by every user and by root as before): checked on the team engine,
 * git 2.39.5 on debian:bookworm-slim, a root-owned repository read as UID 1000 with HOME=/home/app fails with
 * "detected dubious ownership" after `--global --add safe.directory` and works after `--system`. The others are
 * named in the finding: their system-wide spelling differs by tool version and could not be checked here.
 * Heredoc bodies are never edited, and a RUN whose words and text disagree is only reported.
 */
function rootHomeConfigWrites(df: DockerfileSource, base: StageBase): HomeConfigWrite[] {
  const out: HomeConfigWrite[] = [];
  const escape = df.parsed.escape;
  let asRoot = !base.facts?.nonRootByDefault;
  for (const ins of chainInstructions(base.chain)) {
    if (ins.keyword === 'USER') {
      asRoot = isRootUser(ins.args[0] ?? '') && !(ins.args[0] ?? '').includes('$');
      continue;
    }
    if (ins.keyword !== 'RUN' || !asRoot) continue;
    const at = `line ${ins.line + 1}`;
    let gitWrites = 0;
    for (const argv of runCommands(ins, escape)) {
      const words = argv[0] === 'sudo' || argv[0] === 'exec' ? argv.slice(1) : argv;
      const tool = path.posix.basename(words[0] ?? '');
      const rest = words.slice(1);
      if (tool === 'git') {
        const k = rest.indexOf('config');
        const opts = k < 0 ? [] : rest.slice(k + 1);
        if (k >= 0 && opts.includes('--global') && !opts.some((o) => GIT_CONFIG_READS.test(o))) gitWrites++;
        continue;
      }
      const sets = rest[0] === 'config' && rest[1] === 'set';
      const globalFlag = rest.some((w) => /^(-g|--global|--location(=(global|project))?|--site)$/.test(w));
      let how: string | undefined;
      if (['npm', 'pnpm', 'yarn'].includes(tool) && sets && !globalFlag) how = `${tool} config set (${at})`;
      else if (/^pip3?$/.test(tool) && rest[0] === 'config' && rest.includes('set') && !globalFlag) how = `${tool} config set (${at})`;
      else if (tool === 'bundle' && rest[0] === 'config' && rest.includes('--global')) how = `bundle config --global (${at})`;
      else if (tool === 'composer' && rest[0] === 'config' && rest.some((w) => w === '-g' || w === '--global')) how = `composer config --global (${at})`;
      if (how && !out.some((w) => w.how === how)) out.push({ how });
    }
    const dotfile = /(?:>>?|\btee\s+(?:-a\s+)?)\s*["']?(?:~|\$HOME|\$\{HOME\}|\/root)\/(\.(?!cache\b)[\w.-]+(?:\/[\w.-]+)*)/.exec(runScript(ins, escape));
    // Shell start files (~/.bashrc, ~/.profile) are read by interactive and login shells only, not by the app's start.
    if (dotfile && !/^\.(bashrc|bash_profile|profile|zshrc|ashrc)$/.test(dotfile[1]!)) out.push({ how: `a write to ~/${dotfile[1]} (${at})` });
    if (gitWrites === 0) continue;
    const edits = gitGlobalEdits(df, ins);
    if (edits.length === gitWrites) for (const edit of edits) out.push({ how: `git config --global (${at})`, edit });
    else out.push({ how: `git config --global (${at})` });
  }
  return out;
}

/** Where pip's user installs go for root: its user base, ~/.local (site.USER_BASE). */
const ROOT_USER_BASE = '/root/.local';

/**
 * Python packages a build step put in root's user site: `pip install --user` (also `pip3`, `pip3.12`, `python -m pip`)
 * run as root, or a COPY/ADD into /root/.local (`COPY --from=builder /root/.local /root/.local`, the usual multi-stage
 * shape). Python finds a user's packages through site.USER_BASE, which is ~/.local of the HOME it runs with, or
 * PYTHONUSERBASE (Python docs, site module). After USER the process has another HOME, and /root is mode 700 on Debian
 * bases: the packages are gone for it. Checked on the team engine (python3 3.11 on debian:bookworm-slim, a module in
 * /root/.local/lib/python3.11/site-packages): as UID 1000 with HOME=/home/app the import fails, with PYTHONUSERBASE
 * alone too (/root cannot be entered), and works with PYTHONUSERBASE=/root/.local after `chmod o+x /root`; so does a
 * script in /root/.local/bin on PATH. Nothing is found when the Dockerfile sets PYTHONUSERBASE itself (it chose where).
 */
function rootUserSiteInstalls(df: DockerfileSource, base: StageBase): string[] {
  const chain = chainInstructions(base.chain);
  if (chain.some((i) => i.keyword === 'ENV' && /(^|\s)PYTHONUSERBASE[=\s]/.test(i.raw.slice(3)))) return [];
  const wd = workdirs(base.chain, base.buildArgs, base.globalArgs);
  const out: string[] = [];
  let asRoot = !base.facts?.nonRootByDefault;
  for (const ins of chain) {
    const at = `line ${ins.line + 1}`;
    if (ins.keyword === 'USER') {
      asRoot = isRootUser(ins.args[0] ?? '') && !(ins.args[0] ?? '').includes('$');
    } else if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
      const dest = copyDest(ins, wd.before.get(ins) ?? '/', wd.scopes.get(ins));
      if (dest && isUnder(dest, ROOT_USER_BASE)) out.push(`${ins.keyword} into ${dest} (${at})`);
    } else if (ins.keyword === 'RUN' && asRoot) {
      for (const argv of runCommands(ins, df.parsed.escape)) {
        const words = argv[0] === 'sudo' || argv[0] === 'exec' ? argv.slice(1) : argv;
        const tool = path.posix.basename(words[0] ?? '');
        const rest = /^python[\d.]*$/.test(tool) && words[1] === '-m' && /^pip[\d.]*$/.test(words[2] ?? '') ? words.slice(3) : /^pip[\d.]*$/.test(tool) ? words.slice(1) : undefined;
        if (rest && rest[0] === 'install' && rest.includes('--user')) {
          out.push(`pip install --user (${at})`);
          break;
        }
      }
    }
  }
  return out;
}

/** Variables whose folders the runtime looks in for programs and modules: a search list (PATH, PYTHONPATH, NODE_PATH) or one folder (VIRTUAL_ENV). */
const RUNTIME_PATH_VARIABLES = ['PATH', 'PYTHONPATH', 'NODE_PATH', 'VIRTUAL_ENV'];

/**
 * Folders under /root the image's runtime uses: an entry under /root in a search path an ENV sets (PATH's ~/.local/bin
 * from `pip install --user`, `uv tool install`, pipx or poetry's installer, ~/.cargo/bin, /root/go/bin; PYTHONPATH,
 * NODE_PATH, VIRTUAL_ENV), and a /root path the ENTRYPOINT or CMD names. Each ENV of a variable replaces the earlier
 * entries unless it extends itself ($PATH, ${PATH}). Caches under /root/.cache are home-cache-env's. /root is mode 700
 * on Debian bases, so a USER other than root finds none of them ("Permission denied", polarsource/polar's `tb` under
 * USER 1000:1000); the folders below it are 755, as those installers leave them under umask 022. Checked on the team
 * engine (debian:bookworm-slim: /root drwx------, umask 0022; scripts in /root/.local/bin and /root/.cargo/bin on PATH
 * give "Permission denied" as nobody, and run after `chmod o+x /root`, which still does not let nobody list /root).
 */
function rootRuntimeUses(base: StageBase): string[] {
  const entries = new Map<string, string[]>();
  const rootEntry = (e: string) => isUnderRoot(e) && e !== '/root' && !isUnder(e, '/root/.cache');
  for (const ins of chainInstructions(base.chain)) {
    if (ins.keyword !== 'ENV') continue;
    for (const p of ins.properties) {
      if (!RUNTIME_PATH_VARIABLES.includes(p.name)) continue;
      const value = p.value ?? '';
      const extends_ = new RegExp(`\\$(\\{${p.name}(:?[-+][^}]*)?\\}|${p.name}(?![A-Za-z0-9_]))`).test(value);
      const own = value.split(':').filter(rootEntry).map((e) => `${p.name} entry ${e.replace(/\/+$/, '')} (ENV at line ${ins.line + 1})`);
      entries.set(p.name, [...(extends_ ? entries.get(p.name) ?? [] : []), ...own]);
    }
  }
  const out = [...entries.values()].flat();
  for (const c of imageStartCommands(base)) {
    const words = c.argv ?? (c.shell ? c.shell.split(/[\s;&|()]+/) : []);
    for (const w of words) {
      const m = /(?:^|[=:'"])(\/root\/[^\s'":;]+)/.exec(w);
      if (m && rootEntry(m[1]!)) out.push(`${c.via} names ${m[1]} (line ${c.instruction.line + 1})`);
    }
  }
  return out;
}

/**
 * Whether the base's own root start (rootStart) still runs: no ENTRYPOINT of this Dockerfile's stages replaces the
 * base's, or the program's name appears in the Dockerfile (a RUN that writes the entrypoint) or in the repository's
 * start scripts the image runs.
 */
function rootStartKept(ctx: TransformContext, df: DockerfileSource, base: StageBase, program: RegExp): boolean {
  if (!imageStartCommands(base).some((c) => c.via === 'ENTRYPOINT')) return true;
  if (program.test(df.text)) return true;
  return imageStart(ctx.project, df, base).scripts.some((sc) => program.test(sc.source.text));
}

/**
 * Variables whose value is a search list (PATH, CLASSPATH, LUA_CPATH, PERL5LIB, …): rootRuntimeUses reads the ones a
 * runtime searches for programs and modules; a list entry under /root is not a folder the app keeps files in.
 */
const SEARCH_LIST_VARIABLE = /(PATH|LIB)$/;
/** Toolchain and package-manager homes: the build installs into them; at run time they are read (or only refilled). */
const TOOLCHAIN_VARIABLE =
  /^(HOME|GO[A-Z]*|CARGO_[A-Z_]+|RUSTUP_[A-Z_]+|NVM_[A-Z_]+|BUN_[A-Z_]+|DENO_[A-Z_]+|PNPM_[A-Z_]+|POETRY_[A-Z_]+|PIPX_[A-Z_]+|UV_[A-Z_]+|PIP_[A-Z_]+|PYENV_[A-Z_]+|RBENV_[A-Z_]+|GEM_[A-Z_]+|BUNDLE_[A-Z_]+|COMPOSER_[A-Z_]+|SDKMAN_[A-Z_]+|JAVA_HOME|GRADLE_[A-Z_]+|MAVEN_[A-Z_]+|M2_HOME|NPM_CONFIG_[A-Z_]+|npm_config_[a-z_]+|YARN_[A-Z_]+|VOLTA_[A-Z_]+|ASDF_[A-Z_]+|CONDA_[A-Z_]+|MAMBA_[A-Z_]+|DOTNET_[A-Z_]+|NUGET_[A-Z_]+|PLAYWRIGHT_[A-Z_]+|PUPPETEER_[A-Z_]+)$/;

/**
 * Settings of the app that the stage's ENV points under /root (not /root/.cache): `HALO_WORK_DIR="/root/.halo2"`, a
 * `file:/root/...` inside a location list. The last ENV of each variable counts (it replaces the earlier ones).
 */
function rootDataSettings(base: StageBase): string[] {
  const found = new Map<string, string>();
  for (const ins of chainInstructions(base.chain)) {
    if (ins.keyword !== 'ENV') continue;
    for (const p of ins.properties) {
      found.delete(p.name);
      if (SEARCH_LIST_VARIABLE.test(p.name) || TOOLCHAIN_VARIABLE.test(p.name) || RUNTIME_PATH_VARIABLES.includes(p.name)) continue;
      const value = (p.value ?? '').replace(/^["']|["']$/g, '');
      const m = /(?:^|[=:;,\s])(\/root(?:\/[^\s'":;,]*)?)(?=$|[\s'":;,])/.exec(value);
      if (!m || isUnder(m[1]!, '/root/.cache')) continue;
      found.set(p.name, `ENV ${p.name}=${m[1]!.replace(/(.)\/+$/, '$1')} (line ${ins.line + 1})`);
    }
  }
  return [...found.values()];
}

/**
 * Edits that turn each `--global` of a `git config` write in the RUN's text into `--system`: the word, where the
 * command it is part of (back to the previous `;`, `&`, `|` or unescaped line end) names git and config and no read
 * option. Words inside heredoc bodies are left alone.
 */
function gitGlobalEdits(df: DockerfileSource, ins: DfInstruction): Edit[] {
  const text = df.text.slice(ins.start, ins.end);
  const esc = df.parsed.escape;
  const edits: Edit[] = [];
  for (const m of text.matchAll(/--global(?![\w-])/g)) {
    const at = ins.start + m.index!;
    if (ins.heredocs.some(([a, b]) => at >= a && at < b)) continue;
    let from = m.index!;
    while (from > 0) {
      const c = text[from - 1]!;
      if (c === ';' || c === '&' || c === '|') break;
      // A line end ends the command unless the escape character continues it (`\` or, under `# escape=`, a backtick).
      if (c === '\n' && text.slice(0, from - 1).replace(/\r$/, '').slice(-1) !== esc) break;
      from--;
    }
    const command = text.slice(from, m.index! + m[0].length + 200).split(/[;&|\n]/)[0]!;
    const words = text.slice(from, m.index!).split(/[\s"',\[\]]+/).filter(Boolean);
    if (!words.some((w) => /(^|\/)git$/.test(w)) || !words.includes('config')) continue;
    if (command.split(/[\s"',\[\]]+/).some((w) => GIT_CONFIG_READS.test(w))) continue;
    edits.push({ file: df.path, range: [at, at + m[0].length], text: '--system' });
  }
  return edits;
}

/**
 * Mounts under /root (caches under /root/.cache aside: they are only refilled) that a `docker run` of an image
 * this stage builds makes (scripts, Makefiles, CI jobs, README commands: the repository's evidence of use). The
 * target of `-v SRC:DST[:opts]`, of an anonymous `-v DST`, and of `--mount ...,target=DST`.
 */
function homeMountsOfRuns(ctx: TransformContext, df: DockerfileSource, stage: DfStage): { use: ImageUse; spec: string; target: string }[] {
  const out: { use: ImageUse; spec: string; target: string }[] = [];
  for (const use of ctx.project.layout.evidence.imageUses) {
    if (use.kind !== 'run' || !use.mounts) continue;
    const built = findBuiltImage(ctx.project.images, use.image);
    if (!built || built.dockerfile !== df.path || finalStage(df.parsed, built.target) !== stage) continue;
    for (const spec of use.mounts) {
      const target = runMountTarget(spec);
      if (target && isUnderRoot(target) && !isUnder(target, '/root/.cache')) out.push({ use, spec: spec.replace(/^--mount=/, ''), target });
    }
  }
  return out;
}

/**
 * `docker run`s of an image this stage builds (scripts, Makefiles, CI, README commands) that mount the Docker socket
 * (by its container path, or a socket source mounted elsewhere: src/compose-service.ts isDockerSocketMount) and give
 * neither `--user` nor `--group-add`: they run as the image's USER, alone.
 */
function socketRunsWithoutGroup(ctx: TransformContext, df: DockerfileSource, stage: DfStage): ImageUse[] {
  return ctx.project.layout.evidence.imageUses.filter((use) => {
    if (use.kind !== 'run' || !use.mounts || use.user !== undefined || use.groupAdd?.length) return false;
    const built = findBuiltImage(ctx.project.images, use.image);
    if (!built || built.dockerfile !== df.path || finalStage(df.parsed, built.target) !== stage) return false;
    return use.mounts.some((spec) => {
      const target = runMountTarget(spec);
      return target !== undefined && isDockerSocketMount({ type: 'bind', source: runMountSource(spec), target, readOnly: false });
    });
  });
}

/** The host side of a `docker run` mount as ImageUse keeps it: `SRC` of `SRC:DST[:opts]`, `source=` of `--mount`. */
function runMountSource(spec: string): string | undefined {
  const unquoted = spec.replace(/^["']|["']$/g, '');
  if (unquoted.startsWith('--mount=')) return /(?:^|,)(?:source|src)=([^,]+)/.exec(unquoted.slice('--mount='.length))?.[1];
  // The source's own variables may hold colons (`${SOCK:-/var/run/docker.sock}:/sock`): the split skips them.
  const masked = unquoted.replace(/\$\{[^}]*\}|\$\([^)]*\)/g, (v) => 'X'.repeat(v.length));
  const colon = masked.indexOf(':');
  return colon > 0 ? unquoted.slice(0, colon) : undefined;
}

/** The container path of a `docker run` mount as ImageUse keeps it: `SRC:DST[:opts]`, `DST`, or `--mount=type=...,target=DST`. */
function runMountTarget(spec: string): string | undefined {
  const unquoted = spec.replace(/^["']|["']$/g, '');
  if (unquoted.startsWith('--mount=')) {
    const t = /(?:^|,)(?:target|destination|dst)=([^,]+)/.exec(unquoted.slice('--mount='.length))?.[1];
    return t?.replace(/\/+$/, '') || undefined;
  }
  // A source's variables may hold colons (`${DATA:-./data}:/data`): they are masked before the split.
  const parts = unquoted.replace(/\$\{[^}]*\}|\$\([^)]*\)/g, 'X').split(':');
  const target = parts.length === 1 ? parts[0] : parts[1];
  return target?.startsWith('/') ? target.replace(/\/+$/, '') || '/' : undefined;
}

/**
 * An app that lives under /root (`WORKDIR /root/app`, `COPY . /root/app`): /root is
 * mode 700 on many bases, so a non-root user cannot reach it. When nothing but
 * those WORKDIR and COPY destinations names the path (no other instruction, stage,
 * compose setting or start script), they move to /app (or /opt/<name> when /app is
 * taken), in a fix of its own; the next pass hardens the moved app. Otherwise the
 * path stays and /root is made traversable (o+x: enter, not list), with the
 * reference that kept it in the finding.
 */
function appUnderRoot(
  ctx: TransformContext,
  df: DockerfileSource,
  stage: DfStage,
  base: StageBase,
  services: ServiceLink[],
  start: ReturnType<typeof imageStart>,
): { move: Edit[]; message: string } | { message: string } | undefined {
  const wd = workdirs(base.chain, base.buildArgs, base.globalArgs);
  const chain = chainInstructions(base.chain);
  const under = (p: string) => p === '/root' || p.startsWith('/root/');
  const appRoot = (p: string) => (p === '/root' ? p : `/root/${p.slice('/root/'.length).split('/')[0]}`);
  const places = new Set<string>();
  if (under(wd.final)) places.add(appRoot(wd.final));
  for (const ins of chain) {
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
      const dest = copyDest(ins, wd.before.get(ins) ?? '/', wd.scopes.get(ins));
      // Caches and dotfiles under /root are home-cache-env's business, not the app.
      if (dest && under(dest) && !/^\/root\/\./.test(dest)) places.add(appRoot(dest));
    }
  }
  if (places.size === 0) return undefined;
  const list = [...places].sort();
  const moved = list.length === 1 && list[0] !== '/root' ? list[0]! : undefined;
  const keepReason = (): string | undefined => {
    if (!moved) return list[0] === '/root' ? 'the app is /root itself' : `it spans ${list.join(', ')}`;
    const mentions = (text: string) => text.split(moved).length - 1;
    const movable = new Set<DfInstruction>();
    for (const ins of chain) {
      if (ins.keyword === 'WORKDIR' && ins.args[0] && under(path.posix.resolve(wd.before.get(ins) ?? '/', ins.args[0]))) {
        if (!ins.args[0].startsWith(moved)) return `WORKDIR ${ins.args[0]} at line ${ins.line + 1} leads there through /root`;
        movable.add(ins);
      }
      if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
        const args = ins.json ?? ins.args;
        const dest = args[args.length - 1] ?? '';
        if (dest.startsWith(moved)) movable.add(ins);
      }
    }
    for (const ins of df.parsed.instructions) {
      const allowed = movable.has(ins) ? 1 : 0;
      if (mentions(ins.raw) > allowed) return `${ins.keyword} at line ${ins.line + 1} refers to ${moved}`;
    }
    for (const s of services) if (JSON.stringify(s.effective).includes(moved)) return `service ${s.name} refers to ${moved}`;
    for (const sc of start.scripts) if (sc.source.text.includes(moved)) return `${path.basename(sc.ref.hostPath)} refers to ${moved}`;
    return undefined;
  };
  const why = keepReason();
  if (why || !moved) {
    return { message: `the app sits under /root (${list.join(', ')}), which is mode 700 on many bases: /root made traversable (chmod o+x /root, enter but not list) instead of moving it, because ${why}` };
  }
  const taken = chain.some((i) => /(^|\s|")\/app(\/|\s|"|$)/.test(i.raw.slice(i.keyword.length)));
  const target = taken ? `/opt/${path.posix.basename(moved)}` : '/app';
  if (ctx.project.dockerfiles.some((d) => d !== df && d.text.includes(moved))) {
    return { message: `the app sits under ${moved}, which is mode 700 on many bases: /root made traversable (chmod o+x /root) instead of moving it, because another Dockerfile refers to ${moved}` };
  }
  const edits: Edit[] = [];
  for (const ins of chain) {
    if (ins.keyword !== 'WORKDIR' && ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const at = ins.raw.lastIndexOf(moved);
    if (at < 0) continue;
    const file = df.path;
    edits.push({ file, range: [ins.start + at, ins.start + at + moved.length], text: target });
  }
  return {
    move: edits,
    message: `the app sits under ${moved}, which a non-root user cannot reach (/root is mode 700 on many bases): WORKDIR and COPY destinations moved to ${target}; nothing else refers to ${moved}`,
  };
}

/**
 * The command that makes what the user must own: directories made and chowned;
 * code directories chowned themselves (their files stay root's); files written
 * at start created where missing (their directory first) and chowned.
 */
function prepareCommand(owner: string, p: Pick<Ownership, 'dirs' | 'files' | 'writableDirs'> & { deepDirs?: string[] }): string {
  const q = (list: string[]) => list.map(shellQuote).join(' ');
  const cmds: string[] = [];
  const make = [...p.dirs, ...p.writableDirs, ...new Set(p.files.map((f) => path.posix.dirname(f)))];
  const make1 = [...new Set(make)];
  if (make1.length) cmds.push(`mkdir -p ${q(make1)}`);
  if (p.files.length) cmds.push(`touch ${q(p.files)}`);
  const deep = p.deepDirs ?? [];
  const own = [...p.dirs.filter((d) => !deep.includes(d)), ...p.writableDirs, ...p.files];
  if (own.length) cmds.push(`chown ${owner} ${q(own)}`);
  if (deep.length) cmds.push(`chown -R ${owner} ${q(deep)}`);
  return cmds.join(' && ');
}

/**
 * What to do with an image whose start script (or command) drops privileges
 * itself. `keep` (the default): leave USER alone; it starts as root and
 * compose/cap-drop gives back what the drop needs. `conditional`: make the drop
 * run only as root and add USER for the user it drops to, where the script is
 * in the repository and every drop is a line that can be rewritten.
 */
function decideDrop(
  opts: HardenOptions,
  d: ImageDrop,
): { keep: string; manual: string } | { preferred: { ref: string; reason: string }; edits: Edit[]; message: string } {
  // A drop whose user defaults to root (listmonk: su-exec ${PUID}:${PGID}, PUID=${PUID:-0}) drops nothing unless the deployment names a user.
  const toRoot = d.drop.user !== undefined && isRootUser(d.drop.user);
  const what = toRoot
    ? `${d.where} can drop privileges itself (${d.drop.tool} ${d.drop.user}, line ${d.drop.line}), but to root unless its variables name another user`
    : `${d.where} drops privileges itself (${d.drop.tool}${d.drop.user ? ` ${d.drop.user}` : ''}, line ${d.drop.line})`;
  const after = toRoot ? 'stays root by default' : d.app ? 'the app drops to its user' : 'the entrypoint drops to its user';
  const keep = (why: string) => ({
    keep: `${what}: USER left alone, so the container starts as root and ${after}; ${why}${d.app ? `; read: ${d.app.read.slice(0, 4).join(', ')}${d.app.read.length > 4 ? ', …' : ''}` : ''}`,
    manual: d.app
      ? appDropManual(opts, d)
      : opts.entrypointDrop === 'keep'
        ? `compose/cap-drop gives back only ${d.caps.join(', ')}. To run as non-root from the start, use --entrypoint-drop conditional (entrypoint-drop: conditional), which makes the drop run only as root and adds USER.`
        : `Make the drop run only when started as root (if [ "$(id -u)" = 0 ]; then ...; fi), then add USER by hand.`,
  });
  const decided = dropDecision(opts.entrypointDrop, d);
  if ('keep' in decided) return keep(decided.keep);
  const user = d.drop.user!;
  if (d.conditional) {
    // The app's root-only setup before its step down (DocuSeal's chown of its data folder) no longer runs as the user.
    const setup = d.app && d.app.reading.rootCaps.length ? `; its root-only setup before the drop (a chown in ${d.app.where}) no longer runs, so files an earlier root start made must be given to ${user} by hand` : '';
    return { preferred: { ref: user, reason: `${what}, only when started as root` }, edits: [], message: `${d.where} already drops only when started as root${setup}` };
  }
  const drops = d.script!.reading.drops;
  const src = d.script!.source;
  const eol = src.text.includes('\r\n') ? '\r\n' : '\n';
  const edits: Edit[] = drops.map((x) => {
    const [start, end] = x.lineRange!;
    const line = src.text.slice(start, end);
    const indent = /^\s*/.exec(line)![0];
    const body = line.trim();
    return {
      file: src.path,
      range: [start, end],
      text: [`${indent}if [ "$(id -u)" = 0 ]; then`, `${indent}  ${body}`, `${indent}else`, `${indent}  ${x.withoutDrop}`, `${indent}fi`].join(eol),
    };
  });
  return {
    preferred: { ref: user, reason: `${what}` },
    edits,
    message:
      `made its ${drops.map((x) => `${x.tool} (line ${x.line})`).join(', ')} run only when started as root (entrypoint-drop: conditional), so the image runs as ${user} from the start` +
      (d.script!.reading.rootCaps.length ? `; the chown before the drop now runs as ${user} and works only on files it already owns` : ''),
  };
}

/** What to do by hand about a step down in the app's own code (app-drops.ts), by entrypoint-drop mode. */
function appDropManual(opts: HardenOptions, d: ImageDrop): string {
  const setup = d.app!.reading.rootCaps.length ? ' and give the user what its root-only setup (the chown before the drop) owns now, in the image and in existing volumes' : '';
  if (opts.entrypointDrop === 'keep') {
    return d.conditional
      ? `compose/cap-drop gives back only ${d.caps.join(', ')}. The app skips its step down when started as a user (it tests for root): to run as non-root from the start, use --entrypoint-drop conditional or add USER ${d.drop.user ?? '<its user>'} by hand${setup}.`
      : `compose/cap-drop gives back only ${d.caps.join(', ')}. To run as non-root from the start, make the app skip its step down when not root, then add USER by hand${setup}.`;
  }
  return `Make the app skip its step down when not root (test for root before it), then add USER by hand${setup}.`;
}

/**
 * Where things go. The setup RUN goes after the last RUN, but before the first
 * VOLUME when a VOLUME comes earlier (changes after VOLUME are discarded).
 * ENV HOME and USER go after the last instruction that needs root (a RUN, or a
 * trailing `USER root`) and before CMD/ENTRYPOINT/HEALTHCHECK.
 */
function placeEdits(
  df: DockerfileSource,
  stage: DfStage,
  plan: UserPlan,
  paths: Pick<Ownership, 'dirs' | 'files' | 'writableDirs'> & { deepDirs?: string[]; traverseRoot?: boolean; env?: string[] },
): Edit[] {
  const parsed = df.parsed;
  const list = effectiveInstructions(stage);
  const lastRoot = lastIndex(list, (i) => i.keyword === 'RUN' || (i.keyword === 'USER' && isRootUser(i.args[0] ?? '')));
  const firstVolume = list.findIndex((i) => i.keyword === 'VOLUME');
  const K = (k: string) => keyword(parsed, k);

  const setup: string[] = [];
  const prepare = plan.shell ? [prepareCommand(plan.owner, paths), paths.traverseRoot ? 'chmod o+x /root' : ''].filter(Boolean).join(' && ') : '';
  if (plan.create || prepare) {
    const cmds = [...(plan.create ?? []), prepare].filter(Boolean);
    setup.push(`${K('RUN')} ${cmds.join(` ${parsed.escape}${parsed.eol}    && `)}`);
  }
  const tail: string[] = [];
  if (plan.home) tail.push(`${K('ENV')} HOME=${plan.home}`);
  for (const env of paths.env ?? []) tail.push(`${K('ENV')} ${env}`);
  tail.push(`${K('USER')} ${plan.user}`);

  const edits: Edit[] = [];
  // Anchor: the first CMD/ENTRYPOINT/HEALTHCHECK after the last root-needing instruction; else the end of the stage.
  const runtime = list.findIndex((i, idx) => idx > lastRoot && ['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(i.keyword));
  const anchorIdx = runtime >= 0 ? runtime : list.length;
  if (setup.length > 0 && firstVolume >= 0 && firstVolume < anchorIdx) {
    edits.push(insertBefore(df, parsed, list[firstVolume]!, setup));
    setup.length = 0;
  }
  const lines = [...setup, ...tail];
  if (runtime >= 0) {
    edits.push(insertBefore(df, parsed, list[runtime]!, lines));
  } else {
    // After the stage's last instruction (ONBUILD included: it is text of this stage, never touched).
    const last = stage.instructions[stage.instructions.length - 1] ?? stage.from;
    const isLastInFile = parsed.instructions[parsed.instructions.length - 1] === last;
    edits.push(isLastInFile ? appendAtEnd(df, parsed, lines) : insertAfter(df, parsed, last, lines));
  }
  return mergeSamePoint(edits);
}

/**
 * Later stages built FROM this one inherit its USER. A compose target in the
 * middle of the file must not make a later stage's RUN lines (`FROM runtime AS
 * dev`, `RUN pip install pytest`) run as the new user: such a stage switches to
 * root after its FROM and, unless it sets its own USER, back to the user at its end.
 * A later stage that is an image we harden too (a second compose or CI target,
 * `FROM app AS app-plus`) gets its own USER from its own finding, decided on the
 * same text: a restored USER at its end would sit before that finding's RUN
 * (mkdir and chown as the parent's user fail the build) or fight its USER.
 */
function descendantEdits(df: DockerfileSource, stage: DfStage, plan: UserPlan, hardened: readonly { stage: DfStage }[]): Edit[] {
  const parsed = df.parsed;
  const edits: Edit[] = [];
  for (const child of parsed.stages) {
    if (child.index <= stage.index) continue;
    const chain = resolveStageBase(parsed, child).chain;
    if (!chain.includes(stage)) continue;
    const list = effectiveInstructions(child);
    const firstUser = list.findIndex((i) => i.keyword === 'USER');
    const firstRun = list.findIndex((i) => i.keyword === 'RUN');
    if (firstRun < 0 || (firstUser >= 0 && firstUser < firstRun)) continue;
    edits.push(insertAfter(df, parsed, child.from, [`${keyword(parsed, 'USER')} root`]));
    const ownFinding = hardened.some((h) => h.stage === child);
    if (firstUser < 0 && !ownFinding) edits.push(...placeEdits(df, child, { ...plan, create: undefined, home: undefined }, { dirs: [], files: [], writableDirs: [] }));
  }
  return edits;
}

/** Two inserts at one offset become one edit, so the fix stays a clean set of non-overlapping edits. */
function mergeSamePoint(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  for (const e of edits) {
    const same = out.find((o) => o.file === e.file && o.range[0] === e.range[0] && o.range[1] === e.range[1] && o.range[0] === o.range[1]);
    if (same) same.text += e.text;
    else out.push({ ...e });
  }
  return out;
}

function lastIndex<T>(list: readonly T[], pred: (x: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return i;
  return -1;
}
