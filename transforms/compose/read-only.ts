// compose/read-only: `read_only: true` plus a tmpfs for /tmp and for every
// other path the image is known to write, on services whose write paths are
// known: services built from this repository (their volumes and VOLUMEs hold
// their data) and images whose knowledge row lists every path they write
// (postgres, redis, nginx-unprivileged, ...). Data paths of those images are
// VOLUMEs upstream, so they stay writable. Anything else is reported.
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Finding, HardenOptions } from '../../src/types.js';
import { type DockerfileSource, type ServiceLink } from '../../src/model.js';
import { effectiveInstructions, type DfStage } from '../../src/parse/dockerfile.js';
import { readFileSync } from 'node:fs';
import {
  addEnvironment,
  addListItems,
  addScalarKey,
  combine,
  dockerfileVolumes,
  isPartialOverride,
  isPrivileged,
  normalizePath,
  imageToJudge,
  serviceFix,
  serviceNote,
  type ServiceChange,
  type ServiceImage,
  checkEachService,
  privilegedNote,
  serviceImage,
  runtimeUser,
  ownData,
  servicePath,
  imageProvenance,
  addMapItems,
  swarmDeploy,
  settledByOverrides,
  settingFiles,
  mergeProvides,
  yamlFlowValue,
  AFTER_SERVICE_KEYS,
  capList,
} from '../../src/compose-service.js';
import type { SwarmDeploy } from '../../src/layout.js';
import { chainInstructions, runCommands, effectiveUser, imageStages, lastEnv, nginxPackage, usersCreatedIn, workdirs, type StageBase } from '../../src/dockerfile-info.js';
import { serviceEnvironment } from '../../src/env-files.js';
import { containerHasFile, corepackFetchesAtStart, depInstallEnvironment, depInstallsThatRun, depInstallWrites, imageEnvValue, serviceMountTargets } from '../../src/dep-install-writes.js';
import { copyMappings, mountMappings, resolveContainerPath, startsNginx, templateRenders } from '../../src/nginx-files.js';
import { isDirectory } from '../../src/read.js';
import path from 'node:path';
import { watchSyncTargets } from '../../src/compose-watch.js';
import { imageAccountChanges, imageDepInstalls, imagePackageInstalls, imageStartBuilds, imagePipInstalls, imageRootDaemons, imageStartCommands, imageStartWrites, s6OverlayStart, serviceStart, serviceStartCommandTexts, startScriptTexts, type ImageStart } from '../../src/start-scripts.js';
import { insertMapEntry, insertOuterMapEntry, mapValue, removeMapEntry, replaceScalar } from '../../src/edits.js';
import { isMap, isPair, isScalar, isSeq, type Scalar } from 'yaml';
import { isTrustPath, isUnder, serviceWritePaths, userHome, writerFromUser, writerOf, type WritePath, type Writer } from '../../src/write-paths.js';
import { baseWithInstallSettings, installWritesWithEnvironment } from '../../src/install-writes.js';
import { nodeStartWrites } from '../../src/node-start-writes.js';
import { pythonStartWrites } from '../../src/python-start-writes.js';
import { goStartWrites } from '../../src/go-start-writes.js';

const ID = 'compose/read-only';
const CIS = '5.13';
const CONF_D = '/etc/nginx/conf.d';
const MANUAL = 'Find the paths it writes, then add read_only: true with a volume or tmpfs for each of them.';

export const readOnly: Transform = {
  meta: {
    id: ID,
    description: 'Mount the root filesystem read-only, with a tmpfs for /tmp and the paths the image is known to write',
    appliesTo: ['compose'],
    fixable: true,
    cis: CIS,
    peers: ['semgrep writable-filesystem-service'],
    help:
      'A read-only root filesystem stops an intruder from changing binaries or dropping tools into the container. ' +
      'Services built from this repository keep their data in volumes and get a tmpfs for /tmp; known images get a tmpfs ' +
      'for each path they write (postgres: /var/run/postgresql and /tmp). Images whose write paths are unknown are reported, and so is a ' +
      "folder of the image's install tree its server writes next to files that are there (tomcat's webapps holding a WAR): neither a tmpfs nor a read-only root works there.",
  },
  run: (ctx) => checkEachService(ctx, checkService, { imageFacts: true }),
};

/**
 * Where the mail servers a root start runs keep their queue (Debian bookworm's packages, read on the team engine
 * 2026-12-04 with `exim4 -bP spool_directory` and `postconf queue_directory data_directory`): mail accepted and not yet
 * delivered lives there, so under a read-only root it needs a volume, never a tmpfs.
 */
const MAIL_QUEUES: ReadonlyMap<string, { paths: string[]; says: string }> = new Map([
  // exim4-daemon-light 4.96: spool_directory = /var/spool/exim4 (input/, msglog/, db/; owned by Debian-exim, 0750).
  ['exim4', { paths: ['/var/spool/exim4'], says: 'exim4 keeps its queue in /var/spool/exim4 (spool_directory)' }],
  ['exim', { paths: ['/var/spool/exim4'], says: 'exim keeps its queue in /var/spool/exim4 on Debian (spool_directory; other builds name their own)' }],
  // postfix 3.7.11: queue_directory = /var/spool/postfix, data_directory = /var/lib/postfix (postconf(5)).
  ['postfix', { paths: ['/var/spool/postfix', '/var/lib/postfix'], says: 'postfix keeps its queue in /var/spool/postfix (queue_directory) and its caches in /var/lib/postfix (data_directory)' }],
]);

/**
 * What read_only does for the service (check), and the owner of each tmpfs it already has that its non-root user writes,
 * whatever becomes of read_only: a root-owned tmpfs over a folder the user writes takes that folder from the user on a
 * writable root as much as on a read-only one. Where read_only is added in this pass the next pass checks the owners
 * (keepDeclaredWritable), on the service as it is then.
 */
function checkService(ctx: TransformContext, s: ServiceLink): Finding | Finding[] | undefined {
  const found = check(ctx, s);
  if (s.effective.read_only === true || (isPartialOverride(s) && !isPrivileged(s))) return found;
  const list = found === undefined ? [] : Array.isArray(found) ? found : [found];
  if (list.some((f) => f.fix)) return found;
  const owners = existingTmpfsOwners(ctx, s);
  return owners ? [...list, ...owners] : found;
}

/** The owner fix for the service's own tmpfs entries its non-root user writes, on a root that stays writable. */
function existingTmpfsOwners(ctx: TransformContext, s: ServiceLink): Finding[] | undefined {
  if (!tmpfsEntries(s).length && !s.volumes.some((m) => m.type === 'tmpfs')) return undefined;
  const img = serviceImage(s, ctx.project);
  if (!img.built || !img.base || img.facts?.swapTo || img.facts?.outOfScope) return undefined;
  const plan = coverage(ctx, s, img, [], false);
  const out = [...(plan.unownedTmpfs.length ? [ownerFix(s, plan.unownedTmpfs)] : []), ...(plan.longTmpfs.length ? [longTmpfsNote(s, plan.longTmpfs)] : [])];
  return out.length ? out : undefined;
}

function check(ctx: TransformContext, s: ServiceLink): Finding | Finding[] | undefined {
  if (isPartialOverride(s) && !isPrivileged(s)) return undefined;
  const setting = s.effective.read_only;
  // A stack file's tmpfs: entries do nothing under swarm: said on every pass, whoever set read_only.
  if (setting === true) return [...startOnReadOnlyRoot(ctx, s), ...(keepDeclaredWritable(ctx, s) ?? []), ...keepRenderWritable(ctx, s), ...ignoredTmpfs(s, swarmDeploy(ctx.project, s))];
  const note = (message: string, manual = MANUAL, severity: Finding['severity'] = 'warning') => serviceNote(ID, CIS, s, message, manual, severity);
  // Every project that runs it merges an override that sets read_only: adding it here would repeat or be overruled.
  const settled = settledByOverrides(ctx.project, s, (d) => d.read_only);
  if (settled) {
    const off = settled.filter((x) => x.value !== true);
    return off.length ? note(`read_only is set to ${JSON.stringify(off[0]!.value)} in ${settingFiles(off)}, which compose merges onto it; kept`, 'If the service writes only to volumes and /tmp, set read_only: true there.', 'note') : undefined;
  }
  if (isPrivileged(s)) {
    return privilegedNote(ID, s, 'a read-only root');
  }
  if (setting !== undefined) return note(`read_only is set to ${JSON.stringify(setting)} explicitly; kept`, 'If the service writes only to volumes and /tmp, set read_only: true.', 'note');
  const judged = imageToJudge(ctx, s, ID, CIS, 'root left writable', { judgeS6Overlay: true });
  if ('done' in judged) return judged.done;
  const { img } = judged;
  const writes = writePaths(ctx, s, img);
  if (typeof writes === 'string') return note(`${writes}; root left writable`);
  // On a read-only root nothing outside the mounts can be written, so no sync lands (glider-dac and
  // astral-sh/uv-docker-example sync their app folder this way, rw-history4).
  const synced = watchSyncTargets(ctx.project, s, coveredPaths(s, img));
  if (synced.targets.length) {
    return note(
      `compose watch syncs files into ${synced.targets.slice(0, 3).join(', ')} (develop.watch${synced.files.length ? ` in ${synced.files.join(', ')}, which compose merges onto it` : ''}), which needs the container to write there: a read-only root makes every sync fail, and a tmpfs would hide what the image has there; root left writable`,
      'Keep read_only off where the service runs under docker compose watch (a development override), or sync into a volume; then run docker-harden again.',
    );
  }
  const blocker = startBlocker(ctx, s, img);
  if (blocker) return note(`${blocker.what}; root left writable`, blocker.fix);
  const anyStart = img.built && img.dockerfile && img.base ? serviceStart(ctx.project, s, img.dockerfile, img.base) : undefined;

  // The official nginx image's entrypoint renders its templates into /etc/nginx/conf.d at start and only logs an error
  // when it cannot write there: nginx would then start without the configuration the templates hold.
  const renders = templateRenderWrites(ctx, s, img);
  if (renders && 'problem' in renders) {
    return note(`${renders.problem}; root left writable`, 'Keep /etc/nginx/conf.d writable for the render (a tmpfs there, if the image keeps nothing else in it that nginx needs), then add read_only: true.');
  }
  if (renders) writes.push(CONF_D);

  // An image run as it is, whose compose command or entrypoint writes outside /tmp at start (a config rendered into
  // /etc/nginx/conf.d, a folder made): the image's known paths do not cover it, and a read-only root makes the start fail.
  const startWrites = img.built ? [] : composeStartWrites(ctx, s, img, writes);
  if (startWrites.length) {
    const w = startWrites[0]!;
    const folder = w.kind === 'dir' ? w.path : path.posix.dirname(w.path);
    return note(
      `${w.path} is written at start (${w.how}): a read-only root makes that fail, and a tmpfs on ${folder} would hide what the image has there; root left writable`,
      `Have the start write it under /tmp or a volume (or mount a tmpfs on ${folder} if the image keeps nothing else there, owned by the user it runs as); then run docker-harden again.`,
    );
  }
  const plan = coverage(ctx, s, img, writes, true);
  for (const t of plan.tmpfs) {
    if (!renders || t.path !== CONF_D) continue;
    t.why = 'the templates the nginx entrypoint renders there';
    if (renders.owner) t.owner = renders.owner;
  }
  // Data the service was seen keeping (a database file, /var/lib/<x>): a named volume of its own keeps it.
  const volumes = dataVolumes(s, plan.data);
  const data = plan.data.filter((w) => !volumes.some((v) => v.path === w.path));
  // Data nothing mounts: a read-only root would make it unwritable and a tmpfs would lose it.
  if (data.length || plan.unowned.length) {
    return [...dataNotes(s, data, 'root left writable'), ...plan.unowned.map((w) => unownedNote(s, w, 'root left writable'))];
  }
  // Dependencies installed at start (npm/pnpm/yarn/composer/bundle install, pip as root, a package manager corepack
  // fetches on first use) write the project's dependency folder and caches under HOME.
  const depWrites = startInstallWrites(ctx, s, img, plan.tmpfs, true);
  if (depWrites && 'withhold' in depWrites) return note(depWrites.withhold, depWrites.fix);
  if (depWrites) plan.tmpfs.push(...depWrites.tmpfs);
  const builds = startBuildWrites(ctx, s, img);
  if (builds) return note(builds.withhold, builds.fix);
  const chromium = chromiumFolders(ctx, s, img, plan.tmpfs);
  if (chromium && 'withhold' in chromium) return note(chromium.withhold, chromium.fix);
  const jupyter = jupyterRuntime(s, img, anyStart, plan.tmpfs);
  // A start that writes a file into a folder of the system that nothing above declared or carved out (dockur/dnsmasq's
  // entrypoint.sh copies its template to /etc/dnsmasq.custom under `set -e`): write-paths gives such folders no tmpfs,
  // which would hide the image's files there, so on a read-only root that step fails (EROFS) and the start with it.
  // A `mkdir -p` of a folder the image has is no write.
  const covered = [...coveredPaths(s, img), ...plan.tmpfs.map((t) => t.path)];
  const systemWrite = anyStart
    ? [...anyStart.scripts.flatMap((x) => x.reading.writes), ...(anyStart.command?.writes ?? [])].find((w) => {
        if (w.kind === 'dir' || /[*?[$]/.test(w.path) || covered.some((m) => isUnder(w.path, m))) return false;
        return SYSTEM_FOLDERS.some((d) => isUnder(path.posix.dirname(w.path), d));
      })
    : undefined;
  if (systemWrite) {
    const folder = path.posix.dirname(systemWrite.path);
    return note(
      `its start ${systemWrite.conditional ? 'may write' : 'writes'} ${systemWrite.path} (${systemWrite.how}), in ${folder}, a folder of the system that holds the image's own files: a read-only root makes that step fail, and a tmpfs there would hide those files; root left writable`,
      `Have the start write it under /tmp or a volume (or mount that file from a volume), or move the step into the build; then run docker-harden again.`,
    );
  }

  const swarm = swarmDeploy(ctx.project, s);
  const changes: (ServiceChange | string)[] = [addScalarKey(s, 'read_only', true)];
  if (plan.tmpfs.length) changes.push(addTmpfs(s, plan.tmpfs, ctx.options, swarm));
  if (volumes.length) changes.push(...addNamedVolumes(s, volumes));
  if (chromium) changes.push(addEnvironment(s, chromium.vars));
  if (jupyter) changes.push(addEnvironment(s, [jupyter.variable]));
  const problem = changes.find((c): c is string => typeof c === 'string');
  if (problem) return note(`${problem}; nothing added`, swarm ? SWARM_MANUAL : 'Add read_only: true and a tmpfs for /tmp by hand.');
  const also =
    (plan.tmpfs.length ? ` with a tmpfs for ${describe(plan.tmpfs)}${swarm ? ' as a long-form tmpfs volume' : ''}` : '') +
    (volumes.length ? `${plan.tmpfs.length ? ' and' : ' with'} ${volumes.map((v) => `a named volume ${v.name} at ${v.path} (${v.declaredBy}; ${v.keeps}: kept across restarts)`).join(', ')}` : '') +
    (chromium ? `${plan.tmpfs.length || volumes.length ? ' and' : ' with'} ${chromium.vars.map(([k, v]) => `${k}=${v}`).join(', ')} in its environment (${chromium.why})` : '') +
    (jupyter ? `${plan.tmpfs.length || volumes.length || chromium ? ' and' : ' with'} ${jupyter.variable.join('=')} in its environment (${jupyter.why})` : '');
  // Facts found on the engine, or read from an `image:` with variables, name where they come from (a table row's source is the transform's usual wording).
  const from = imageProvenance(img);
  return [
    serviceFix(ID, CIS, s, `add read_only: true${also}, so nothing can change the container's files${from}${plan.tmpfs.length ? swarmWhy(swarm) : ''}`, combine(changes as ServiceChange[])),
    ...plan.baked.map((w) => bakedNote(s, w)),
    ...ignoredTmpfs(s, swarm),
  ];
}

/**
 * A read_only: true somebody set, over a root start that cannot work on a read-only root (dperson/samba's compose has
 * it over samba.sh, which rewrites /etc/samba/smb.conf for its -s shares and runs adduser for -u users at start; PR #171,
 * f079579, set it to false "otherwise docker samba cannot bring up"): the start fails at every run. Kept as written
 * (it is somebody's decision), and said.
 */
function startOnReadOnlyRoot(ctx: TransformContext, s: ServiceLink): Finding[] {
  const img = serviceImage(s, ctx.project);
  if (!img.built || !img.base || img.facts?.swapTo || img.facts?.outOfScope) return [];
  const blocker = startBlocker(ctx, s, img);
  if (!blocker) return [];
  return [
    serviceNote(
      ID,
      CIS,
      s,
      `read_only: true is set, but ${blocker.what}: the start fails on the read-only root; kept as written`,
      `Set read_only: false until the start works on a read-only root. ${blocker.fix}`,
    ),
  ];
}

/**
 * What in a root start cannot work on a read-only root, whoever sets read_only: s6-overlay's /init, account changes
 * (/etc/passwd, /etc/group), process supervisors and daemons that must start as root, system package installs, and a
 * refresh of the system's CA bundle. `what` says why; `fix` what to do instead.
 */
function startBlocker(ctx: TransformContext, s: ServiceLink, img: ServiceImage): { what: string; fix: string } | undefined {
  const blocked = (what: string, fix: string) => ({ what, fix });
  // s6-overlay's /init (its own ENTRYPOINT, or a LinuxServer.io base's) prepares its run directory at start and runs the
  // s6 trees' scripts as root: v3 needs /run writable and executable (preinit: it only remounts an existing /run exec,
  // and warns "expect /init to crash soon" on a noexec one; Docker mounts a tmpfs noexec unless told, checked on the
  // team engine), v2 makes /var/run/s6 and, without S6_READ_ONLY_ROOT=1, changes the modes of its scripts in /etc
  // (https-portal on a read-only root: "s6-overlay-preinit: fatal: unable to mkdir /var/run/s6: Read-only file
  // system", WeblateOrg/docker-compose f178a92). What the services write is their own: withheld, with what to mount.
  const s6 = img.built && img.base && runtimeUser(s, img).root ? s6OverlayStart(img.base) : undefined;
  if (s6) {
    const lsio = img.facts?.family === 'linuxserver';
    const what =
      s6.version === 2
        ? "its start is s6-overlay v2's /init, which makes /var/run/s6 at start and, unless S6_READ_ONLY_ROOT=1, changes the modes of its cont-init.d and services.d scripts in /etc (on a read-only root: \"s6-overlay-preinit: fatal: unable to mkdir /var/run/s6: Read-only file system\")"
        : `its start is s6-overlay's /init${lsio ? ` (its base ${img.image})` : ''}, which needs /run writable and executable at start (a tmpfs /run:exec: Docker mounts a tmpfs noexec unless told)${lsio ? ', and whose LinuxServer init renumbers abc in /etc/passwd and /etc/group for PUID/PGID unless LSIO_READ_ONLY_FS is set' : ''}`;
    // Account changes its own s6 scripts make as root (nginx-proxy-manager's prepare/10-usergroup.sh: usermod, useradd).
    const accounts = imageAccountChanges(serviceStart(ctx.project, s, img.dockerfile, img.base));
    const edits = accounts.length ? `; its start script changes accounts as root (${accounts.slice(0, 3).join(', ')}), which rewrites /etc/passwd and /etc/group` : '';
    return blocked(
      `${what}${edits}; it runs its s6 scripts and services as root, and where they write is not modelled here`,
      s6.version === 2
        ? 'Set S6_READ_ONLY_ROOT=1, mount a tmpfs with exec where /var/run points (/run:exec; s6-overlay v2\'s README mounts /var:rw,exec) and one for each path its services write, then add read_only: true; docker-harden verify on an engine shows what the service writes.'
        : `${accounts.length ? 'Make the account changes at build time, ' : ''}${accounts.length ? 'mount' : 'Mount'} a tmpfs /run:exec and one for each path its services write${lsio ? ', set LSIO_READ_ONLY_FS=true if the image supports it (https://docs.linuxserver.io/misc/read-only)' : ''}, then add read_only: true; docker-harden verify on an engine shows what the service writes.`,
    );
  }
  // A start script that edits accounts as root (PUID/PGID: usermod -o -u "$PUID" abc) replaces /etc/passwd and /etc/group
  // through new files in /etc, which cannot be a tmpfs: on a read-only root those steps fail.
  const accounts = img.built && img.dockerfile && img.base && runtimeUser(s, img).root ? imageAccountChanges(serviceStart(ctx.project, s, img.dockerfile, img.base)) : [];
  if (accounts.length) {
    return blocked(
      `its start script changes accounts as root (${accounts.slice(0, 3).join(', ')}), which rewrites /etc/passwd and /etc/group in /etc: a read-only root stops that, and /etc cannot be a tmpfs`,
      'Make the account changes at build time (RUN before the start), or skip them when nothing changed; then run docker-harden again.',
    );
  }
  // A root start that runs a process supervisor or a daemon that must start as root writes its state where nothing here
  // follows it: s6-svscan and s6-supervise make `.s6-svscan/` and each service's `supervise/` in the scan directory
  // (https://skarnet.org/software/s6/s6-supervise.html), runit's runsv the same (http://smarden.org/runit/runsv.8.html),
  // crond and sshd their pid files under /run (sshd also /run/sshd), supervisord its pid, log and socket files
  // (https://supervisord.org/configuration.html#supervisord-section-values, default: its working directory). On a
  // read-only root those writes fail at start and take every service it runs with them.
  const rootStart = img.built && img.dockerfile && img.base && runtimeUser(s, img).root ? serviceStart(ctx.project, s, img.dockerfile, img.base) : undefined;
  const daemons = rootStart ? imageRootDaemons(rootStart) : [];
  if (daemons.length) {
    const queues = [...new Set(daemons.map((d) => d.split(' ')[0]!))].flatMap((d) => (MAIL_QUEUES.has(d) ? [MAIL_QUEUES.get(d)!] : []));
    const queued = queues.length ? `; ${queues.map((q) => q.says).join('; ')}: queued mail is data the service keeps, so a tmpfs there would lose it at every restart` : '';
    return blocked(
      `its start runs ${daemons.slice(0, 3).join(', ')} as root: such programs write pid files, sockets and supervision state (under /run, /var/run, their service folders) that are not modelled here, and a read-only root would stop them at start${queued}`,
      `${queues.length ? `Mount a volume on ${queues.flatMap((q) => q.paths).join(', ')} (the mail queue), then find` : 'Find'} where those programs write (pid files, sockets, supervise folders, logs), move them under /tmp or mount a tmpfs on each, then add read_only: true; docker-harden verify on an engine shows what the service writes.`,
    );
  }
  // Legacy iptables (the iptables-legacy package, or the alternative switched to it) opens its lock file
  // /run/xtables.lock (XT_LOCK_NAME) before every command and stops when it cannot: on a read-only root "Fatal: can't
  // open lock file /run/xtables.lock: Read-only file system", exit 4 (Debian bookworm iptables 1.8.9 on the team engine;
  // the nftables variant takes no lock and ran). A root service with NET_ADMIN runs it: wg-easy's wg-quick PostUp rules
  // (its Dockerfile installs iptables-legacy and makes it the iptables alternative), a VPN's NAT, a firewall. What else
  // such a start writes under /run (wireguard-go's sockets in /var/run/wireguard) is not modelled: withheld.
  const lockWritable = [...coveredPaths(s, img)].some((m) => isUnder('/run/xtables.lock', m) || isUnder('/var/run/xtables.lock', m));
  const legacyIptables = !lockWritable && img.built && img.base && runtimeUser(s, img).root && netAdmin(s) ? legacyIptablesStep(img.base.chain, img.dockerfile?.parsed.escape ?? '\\', img.dockerfile?.rel ?? 'Dockerfile') : undefined;
  if (legacyIptables) {
    return blocked(
      `its image uses legacy iptables (${legacyIptables}) and the service has NET_ADMIN to run it: every legacy iptables command first opens its lock file /run/xtables.lock, and on a read-only root it stops ("Fatal: can't open lock file /run/xtables.lock: Read-only file system", exit 4), so rules the start sets (a VPN's NAT, wg-quick's PostUp) fail`,
      'Mount a tmpfs on /run (it holds the lock file; check nothing else the image keeps there is needed), or use the nftables iptables, which takes no lock file; then add read_only: true.',
    );
  }
  // Packages installed at start write /usr, /etc and the package database (/var/lib/dpkg, /lib/apk/db): none of it can be a tmpfs.
  const installs = rootStart ? imagePackageInstalls(rootStart) : [];
  if (installs.length) {
    return blocked(
      `its start installs system packages (${installs.slice(0, 3).join(', ')}), which write /usr, /etc and the package database: a read-only root makes that fail, and those folders cannot be a tmpfs`,
      'Install the packages at build time (a RUN in the Dockerfile), then run docker-harden again.',
    );
  }

  // A start that refreshes the system's CA bundle (update-ca-certificates for custom CAs: getsentry/self-hosted's mounted
  // sentry/entrypoint.sh runs it under `set -e` whenever ./certificates holds a file, and the repository keeps a
  // .gitignore there) rewrites /etc/ssl/certs, which holds the image's bundle: neither a read-only root nor a tmpfs there
  // works, and the start stops. The folders that decide what the system trusts are never given to the app user either.
  const anyStart = img.built && img.dockerfile && img.base ? serviceStart(ctx.project, s, img.dockerfile, img.base) : undefined;
  const trustWrite = anyStart ? [...anyStart.scripts.flatMap((x) => x.reading.writes), ...(anyStart.command?.writes ?? [])].find((w) => isTrustPath(w.kind === 'dir' ? w.path : path.posix.dirname(w.path))) : undefined;
  if (trustWrite) {
    const folder = trustWrite.kind === 'dir' ? trustWrite.path : path.posix.dirname(trustWrite.path);
    return blocked(
      `its start ${trustWrite.conditional ? 'may write' : 'writes'} ${trustWrite.path} (${trustWrite.how}), in ${folder}, which holds what the system trusts as the image has it: a read-only root makes that step fail, and a tmpfs there would hide the image's files`,
      'Move that step into the build (COPY the certificates and RUN it there), or make the start skip it when nothing changed; then run docker-harden again.',
    );
  }

  return undefined;
}

/** NET_ADMIN in the service's cap_add (or ALL), which iptables needs. */
function netAdmin(s: ServiceLink): boolean {
  const added = capList(s, 'cap_add');
  return added.includes('NET_ADMIN') || added.includes('ALL');
}

/**
 * Where the chain selects legacy iptables: a RUN that installs iptables-legacy (Alpine's package) or names its binaries
 * (`update-alternatives --install /usr/sbin/iptables iptables /usr/sbin/iptables-legacy 10`, `--set iptables
 * /usr/sbin/iptables-legacy`, a link to xtables-legacy-multi). `Dockerfile line N: word`, or undefined.
 */
function legacyIptablesStep(chain: DfStage[], escape: string, file: string): string | undefined {
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN') continue;
    for (const argv of runCommands(ins, escape)) {
      const word = argv.find((w) => /(^|\/)(ip6?tables-legacy|xtables-legacy-multi)$/.test(w));
      if (word) return `${file} line ${ins.line + 1}: ${argv[0]} … ${word}`;
    }
  }
  return undefined;
}

/**
 * A service already on a read-only root (set by hand, or by this transform in
 * an earlier pass before dockerfile/non-root-user gave the image its HOME and
 * data directories) keeps every path its image declares written: scratch paths
 * get a tmpfs, data and baked paths are reported.
 */
function keepDeclaredWritable(ctx: TransformContext, s: ServiceLink): Finding[] | undefined {
  // privileged: true too: the root filesystem is still read-only for a process that is not root.
  const img = serviceImage(s, ctx.project);
  if (!img.built || !img.base || img.facts?.swapTo || img.facts?.outOfScope) return undefined;
  const plan = coverage(ctx, s, img, [], false);
  const out: Finding[] = [];
  const swarm = swarmDeploy(ctx.project, s);
  const depWrites = startInstallWrites(ctx, s, img, plan.tmpfs, false);
  if (depWrites && 'withhold' in depWrites) out.push(serviceNote(ID, CIS, s, depWrites.withhold.replace(/; root left writable$/, '; it stays unwritable on the read-only root'), depWrites.fix));
  else if (depWrites) plan.tmpfs.push(...depWrites.tmpfs);
  if (plan.tmpfs.length) {
    const change = addTmpfs(s, plan.tmpfs, ctx.options, swarm);
    if (typeof change === 'string') {
      out.push(serviceNote(ID, CIS, s, `${describe(plan.tmpfs)} must stay writable on the read-only root, but ${change}`, `Add a tmpfs for ${plan.tmpfs.map((t) => t.path).join(', ')} by hand.${swarm ? ` ${SWARM_MANUAL}` : ''}`));
    } else {
      out.push(serviceFix(ID, CIS, s, `${describe(plan.tmpfs)} would be on the read-only root: add a tmpfs${swarm ? ' as a long-form tmpfs volume' : ''}${swarmWhy(swarm)}`, change));
    }
  }
  if (plan.unownedTmpfs.length) out.push(ownerFix(s, plan.unownedTmpfs));
  if (plan.longTmpfs.length) out.push(longTmpfsNote(s, plan.longTmpfs));
  const volumes = dataVolumes(s, plan.data);
  if (volumes.length) {
    const changes = addNamedVolumes(s, volumes);
    const problem = changes.find((c): c is string => typeof c === 'string');
    const what = volumes.map((v) => `${v.path} (${v.declaredBy}; ${v.keeps})`).join(', ');
    if (problem) out.push(serviceNote(ID, CIS, s, `${what} keeps data across restarts on the read-only root, but ${problem}`, `Mount a named volume at ${volumes.map((v) => v.path).join(', ')} by hand.`));
    else out.push(serviceFix(ID, CIS, s, `${what} would be on the read-only root and keeps data across restarts: mount a named volume ${volumes.map((v) => v.name).join(', ')}`, combine(changes as ServiceChange[])));
  }
  const still = 'it stays unwritable on the read-only root';
  out.push(...dataNotes(s, plan.data.filter((w) => !volumes.some((v) => v.path === w.path)), still), ...plan.unowned.map((w) => unownedNote(s, w, still)), ...plan.baked.map((w) => bakedNote(s, w)));
  const pip = pipAtStartNote(ctx, s, img);
  if (pip) out.push(pip);
  return out;
}

/**
 * A build the start runs through package.json (`npm run build:instrument`: `rm -rf build/ && tsc … && nyc instrument
 * build/ --in-place`, logto's integration bootstrap.sh; Ackee's "start": "npm run build && npm run server") writes its
 * output into the app's folder at every start, where the build tool's configuration says (dist/, build/, .next; not read
 * here). A read-only root makes that build fail, and with it the start, unless a mount covers the folder the build runs
 * in; a tmpfs there would hide the app's code. dockerfile/non-root-user holds USER back for the same builds (its start
 * runs a build); this holds read_only back (CIS 5.13 asks for read-only roots where the container does not write them).
 */
function startBuildWrites(ctx: TransformContext, s: ServiceLink, img: ServiceImage): { withhold: string; fix: string } | undefined {
  const builds = imageStartBuilds(serviceStart(ctx.project, s, img.dockerfile, img.base));
  const mounts = [...coveredPaths(s, img)];
  const open = builds.filter((b) => {
    const folder = b.slice(b.lastIndexOf(' in ') + 4);
    return !(folder.startsWith('/') && mounts.some((m) => m !== '/' && isUnder(folder, m)));
  });
  if (!open.length) return undefined;
  return {
    withhold: `its start runs a build: ${open.slice(0, 2).join('; ')}, which writes its output into the app's folder at every start (where is the build tool's configuration, not read here): a read-only root makes that build fail and the start with it; root left writable`,
    fix: 'Run the build in the image (RUN … in the Dockerfile) and start only the server, or mount a volume on the folder the build writes; then run docker-harden again.',
  };
}

/**
 * What dependency installs at start write, and whether the read-only root leaves it writable. `npm install`/`npm ci`,
 * `pnpm install`, `yarn install` write `node_modules` in the folder they run in and the package manager's cache under
 * HOME (npm: ~/.npm, https://docs.npmjs.com/cli/v10/configuring-npm/folders#cache; pnpm: the store,
 * https://pnpm.io/settings#storedir, and ~/.cache/pnpm; yarn: ~/.cache/yarn); `composer install` writes `vendor/` and
 * ~/.cache/composer (https://getcomposer.org/doc/03-cli.md#composer-cache-dir); `bundle install` writes the gem folder
 * (BUNDLE_PATH or GEM_HOME, https://bundler.io/v2.5/man/bundle-config.1.html); pip as root writes site-packages. A pnpm
 * or yarn that `corepack enable` provides downloads itself into ~/.cache/node/corepack on first use
 * (COREPACK_HOME, https://github.com/nodejs/corepack#environment-variables), and `corepack enable` at start writes its
 * shims next to node. That download (one package manager, a few MB) gets a tmpfs owned by the user when nothing covers
 * it; anything else nothing covers (the dependency folder, the install's cache, which holds every package fetched and
 * outgrows a fixed tmpfs size, site-packages, a HOME not known here) withholds read_only: a read-only root makes the
 * install fail at start.
 */
function startInstallWrites(ctx: TransformContext, s: ServiceLink, img: ServiceImage, planned: TmpfsPlan[], first: boolean): { tmpfs: TmpfsPlan[] } | { withhold: string; fix: string } | undefined {
  const start = serviceStart(ctx.project, s, img.dockerfile, img.base);
  // The same installs dockerfile/non-root-user counts: a guarded one (`[ -d node_modules ] || npm ci`) whose folder the build filled does not run.
  const deps = depInstallsThatRun(imageDepInstalls(start), img.base?.chain, img.dockerfile?.parsed.escape ?? '\\', img.base?.buildArgs, img.dockerfile?.parsed.globalArgs, serviceMountTargets(s));
  const writer = img.dockerfile && img.base ? writerOf(s, img.dockerfile, img.base) : undefined;
  const root = writer ? writer.root : runtimeUser(s, img).root;
  const pips = root ? imagePipInstalls(start) : []; // as a user, pip falls back to ~/.local: pipAtStartNote
  if (!deps.length && !pips.length) return undefined;
  // corepack provides pnpm/yarn where the build enabled it and did not fetch the version itself where every user finds it.
  const corepack = !!img.base && corepackFetchesAtStart(img.base.chain, img.dockerfile?.parsed.escape ?? '\\');
  const env = depInstallEnvironment((name) => imageEnvValue(img.base, name) ?? (img.base ? undefined : img.facts?.env?.[name]), serviceEnvironment(s));
  // While dockerfile/non-root-user may be giving a root image its user in this pass, HOME is about to change: the
  // caches are left to the next pass (keepDeclaredWritable), as coverage() leaves the scratch paths.
  const userPending = first && root && img.base !== undefined && runtimeUser(s, img).from === 'dockerfile' && ctx.enabled('dockerfile/non-root-user');
  const home = env.get('HOME') ?? runtimeHome(s, img, root);
  // small: corepack's download of one package manager (a few MB), which a tmpfs of --tmpfs-size holds; an install's
  // dependency folder and cache hold every package it fetches, which no fixed tmpfs size is known to hold.
  const targets = depInstallWrites(deps, pips, env, home, corepack, root, containerHasFile(ctx.project, img.dockerfile?.path, img.base, s));
  const mounts = [...coveredPaths(s, img), '/tmp', ...planned.map((t) => t.path)];
  const open = targets.filter((t) => !(t.path.startsWith('/') && mounts.some((m) => isUnder(t.path, m))) && !(userPending && t.small));
  if (!open.length) return undefined;
  const owner = writer && !writer.root && writer.uid !== undefined ? { uid: writer.uid, gid: writer.gid } : undefined;
  const blocked = open.filter((t) => !t.small || !t.path.startsWith('/'));
  if (blocked.length) {
    const where = [...new Set(open.map((t) => t.path))];
    const hows = [...new Set(open.map((t) => t.how.replace(/, which corepack .*$/, '')))];
    return {
      withhold: `its start fetches packages (${hows.slice(0, 3).join('; ')}), which write ${where.slice(0, 4).join(', ')}${where.length > 4 ? ', …' : ''}: a read-only root makes that fail, and no volume or tmpfs covers ${where.length > 1 ? 'them' : 'it'}; root left writable`,
      fix: `Install the dependencies at build time (a RUN in the Dockerfile), or mount a volume on ${where.filter((w) => w.startsWith('/')).join(', ') || 'the folders it writes'}; then run docker-harden again.`,
    };
  }
  const tmpfs: TmpfsPlan[] = [];
  for (const t of open) {
    if (tmpfs.some((x) => isUnder(t.path, x.path))) continue;
    // A user whose UID is not known here (useradd picked it) gets a tmpfs any user may write, as a HOME does.
    tmpfs.push({ path: t.path, why: `${t.why} at start`, ...(owner ? { owner } : root ? {} : { anyUser: true }) });
  }
  return { tmpfs };
}

/**
 * HOME of the user the service runs as, when the Dockerfile or the base image says it: root's /root, the home a
 * `useradd` names or an `ENV HOME`, or that of the base image's own user (node's `node`, ubuntu's `ubuntu`, .NET's
 * `app`), which those images make with `/home/<name>`.
 */
function runtimeHome(s: ServiceLink, img: ServiceImage, root: boolean): string | undefined {
  if (root) return '/root';
  const user = runtimeUser(s, img).user;
  const declared = img.dockerfile && img.base ? userHome(img.dockerfile, img.base.chain, user) : undefined;
  if (declared) return declared;
  const existing = img.base?.facts?.existingUser;
  const name = user.split(':')[0];
  return existing && (name === existing.name || name === String(existing.uid)) ? `/home/${existing.name}` : undefined;
}

/** A start that runs a Jupyter server: `jupyter lab|notebook|server|nbclassic`, `jupyter-lab`, `python -m jupyterlab|notebook`. */
const JUPYTER_SERVER = /(?:^|[\s/"'])(?:jupyter(?:\s+|-)(lab|notebook|server|nbclassic)|-m\s+(jupyterlab|notebook|jupyter_server))(?=$|[\s"'])/;

/**
 * A Jupyter server (freqtrade's docker-compose-jupyter.yml: `jupyter lab --port=8888 --ip 0.0.0.0`) writes its runtime
 * files at start, before any notebook is opened: the server's info and cookie secret and each kernel's connection file,
 * in JUPYTER_RUNTIME_DIR, by default $XDG_DATA_HOME/jupyter/runtime or ~/.local/share/jupyter/runtime
 * (https://docs.jupyter.org/en/latest/use/jupyter-directories.html#runtime-files). On a read-only root that folder under
 * HOME refuses them and no kernel starts. JUPYTER_RUNTIME_DIR moves only those files; the data folder above it keeps
 * kernelspecs and lab extensions a `pip install --user` put there, so it is not moved, nor hidden under a tmpfs. Checked
 * on the team engine (rw-gaps41a: debian:bookworm-slim with Debian's jupyter-notebook 6.4.12 and python3-ipykernel, as
 * UID 1000 with a read-only root and a tmpfs /tmp): `jupyter notebook` exits 1 at start ("OSError: [Errno 30] Read-only
 * file system: '/home/app/.local'"); with JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime it serves, a kernel started through
 * POST /api/kernels writes its connection file there, and IPython falls back to a temporary folder for its own
 * ("IPython parent '/home/app' is not a writable location, using a temp directory").
 */
function jupyterRuntime(s: ServiceLink, img: ServiceImage, start: ImageStart | undefined, planned: TmpfsPlan[]): { variable: [string, string]; why: string } | undefined {
  const texts = img.base ? serviceStartCommandTexts(s, img.base).map((t) => t.shell ?? (t.argv ?? []).join(' ')) : [];
  const scripts = start ? start.scripts.map((x) => x.source.text as string) : [];
  const how = [...texts, ...scripts].map((t) => JUPYTER_SERVER.exec(t)).find((m) => m);
  if (!how) return undefined;
  const composeEnv = serviceEnvironment(s);
  const valueOf = (name: string) => (composeEnv.has(name) ? composeEnv.get(name)!.value : img.base ? lastEnv(img.base.chain, name)?.value : img.facts?.env?.[name]);
  const mounts = [...coveredPaths(s, img), '/tmp', '/var/tmp', ...planned.map((t) => t.path)];
  const covered = (p: string | undefined) => !!p && p.startsWith('/') && !p.includes('$') && mounts.some((m) => isUnder(p, m));
  const set = valueOf('JUPYTER_RUNTIME_DIR');
  if (set !== undefined) return undefined; // the author chose where; a folder on the root is then theirs to cover
  const home = valueOf('HOME') ?? runtimeHome(s, img, runtimeUser(s, img).root);
  const data = valueOf('JUPYTER_DATA_DIR') ?? (valueOf('XDG_DATA_HOME') ? path.posix.join(valueOf('XDG_DATA_HOME')!, 'jupyter') : home ? path.posix.join(home, '.local/share/jupyter') : undefined);
  const runtime = data ? path.posix.join(data, 'runtime') : undefined;
  if (covered(runtime)) return undefined;
  const what = how[1] ? `jupyter ${how[1]}` : `python -m ${how[2]}`;
  return {
    variable: ['JUPYTER_RUNTIME_DIR', '/tmp/jupyter-runtime'],
    why: `its start runs ${what}, which writes its server and kernel connection files in ${runtime ?? '~/.local/share/jupyter/runtime'} at start (JUPYTER_RUNTIME_DIR, https://docs.jupyter.org/en/latest/use/jupyter-directories.html#runtime-files), which the read-only root would refuse: no kernel would start`,
  };
}

/** Chromium in the image: a package install, a browser download, or a base image made for headless browsers. */
const CHROMIUM_PACKAGE = /\b(?:apk|apt-get|apt|dnf|yum|microdnf|zypper)\b[^;&|]*?\b(chromium(?:-browser|-headless-shell)?|google-chrome(?:-stable)?)\b/;
/** A browser download: `playwright install` (every browser when none is named), `npx puppeteer browsers install chrome`. */
const BROWSER_INSTALL = /\b(playwright\s+install|puppeteer\/?browsers\s+install|puppeteer\s+browsers\s+install)(?![\w-])([^;&|\n]*)/g;

/**
 * The `puppeteer` dependency of the app's package.json (the one at the image's final WORKDIR, from the repository through
 * the image's COPYs), when the build installs packages (npm/yarn/pnpm install or ci, or node_modules copied from a
 * builder) and does not skip the browser download (PUPPETEER_SKIP_DOWNLOAD, PUPPETEER_SKIP_CHROMIUM_DOWNLOAD):
 * installing `puppeteer` downloads Chrome for Testing, which the app launches headless
 * (https://pptr.dev/guides/installation; `puppeteer-core` downloads nothing and is not counted).
 */
function puppeteerDependency(ctx: TransformContext, df: DockerfileSource, base: StageBase): string | undefined {
  const all = df.parsed.stages.flatMap((st) => effectiveInstructions(st));
  if (!all.some((i) => (i.keyword === 'RUN' && /\b(npm|yarn|pnpm)\s+(install|i|ci|add)\b|\byarn\s*($|&&|;)/.test(i.raw)) || ((i.keyword === 'COPY' || i.keyword === 'ADD') && /node_modules/.test(i.raw)))) return undefined;
  if (all.some((i) => (i.keyword === 'ENV' || i.keyword === 'ARG' || i.keyword === 'RUN') && /PUPPETEER_SKIP_(CHROMIUM_)?DOWNLOAD\s*=\s*["']?(1|true)/i.test(i.raw))) return undefined;
  const wd = workdirs(base.chain, base.buildArgs, base.globalArgs);
  if (!wd.finalKnown) return undefined;
  const file = `${wd.final === '/' ? '' : wd.final}/package.json`;
  const found = resolveContainerPath(copyMappings(ctx.project, df.path, new Set(base.chain.map((st) => st.index))), file);
  if (!found?.hostPath || !found.exists) return undefined;
  let pkg: { dependencies?: Record<string, unknown>; optionalDependencies?: Record<string, unknown> };
  try {
    pkg = JSON.parse(readFileSync(found.hostPath, 'utf8'));
  } catch {
    return undefined;
  }
  const version = pkg.dependencies?.puppeteer ?? pkg.optionalDependencies?.puppeteer;
  return version === undefined ? undefined : `"puppeteer": ${JSON.stringify(version)} in ${file}, from ${found.mapping.origin}`;
}

/** What in the RUN text installs Chromium: a package, or a browser download that names Chromium/Chrome or no browser. */
function chromiumInstall(runs: string): string | undefined {
  const pkg = CHROMIUM_PACKAGE.exec(runs);
  if (pkg) return pkg[1];
  for (const m of runs.matchAll(BROWSER_INSTALL)) {
    const browsers = m[2]!.split(/\s+/).filter((w) => w && !w.startsWith('-') && w !== '\\');
    if (!browsers.length || browsers.some((b) => /chrom/.test(b))) return `${m[1]!.replace(/\s+/g, ' ')}${browsers.length ? ` ${browsers.join(' ')}` : ''}`;
  }
  return undefined;
}
const CHROMIUM_BASE = /(?:^|\/)(puppeteer|playwright|[\w.-]*chrom(?:e|ium)[\w.-]*)(?:[:@/]|$)/;

/**
 * Headless Chromium (a renderer, puppeteer, playwright) writes its Crashpad crash database under XDG_CONFIG_HOME
 * (~/.config) and the fontconfig cache under XDG_CACHE_HOME (~/.cache) at start, which a read-only root refuses where
 * no tmpfs or volume covers HOME. ICTU/quality-time's maintainers made their renderer read-only by pointing both at
 * /tmp (commit ae325f6f1, PR #13499: "Point the configuration and cache folders of Chromium, which include the Crashpad
 * crash handler database and the fontconfig cache, to /tmp"); that is what is added here. An image whose build keeps
 * files in a config folder (a `.config` it writes, or XDG_CONFIG_HOME/XDG_CACHE_HOME set to a folder on the root) is
 * reported instead: moving the variables would hide those files.
 */
function chromiumFolders(ctx: TransformContext, s: ServiceLink, img: ServiceImage, planned: TmpfsPlan[]): { vars: [string, string][]; why: string } | { withhold: string; fix: string } | undefined {
  if (!img.built || !img.base) return undefined;
  const chain = chainInstructions(img.base.chain);
  const runs = chain.filter((i) => i.keyword === 'RUN').map((i) => i.raw).join('\n');
  const install = chromiumInstall(runs);
  const base = img.base.image && CHROMIUM_BASE.exec(img.base.image.split('@')[0]!.replace(/:[^/]*$/, '') + ':') ? img.base.image : undefined;
  const puppeteer = !install && !base && img.dockerfile ? puppeteerDependency(ctx, img.dockerfile, img.base) : undefined;
  if (!install && !base && !puppeteer) return undefined;
  const how = install ? `the Dockerfile installs Chromium (${install})` : base ? `its base image ${base} runs headless Chromium` : `the app depends on puppeteer (${puppeteer}), whose install downloads Chrome for Testing`;
  const mounts = [...coveredPaths(s, img), '/tmp', '/var/tmp', ...planned.map((t) => t.path)];
  const covered = (p: string) => mounts.some((m) => isUnder(p, m));
  const composeEnv = serviceEnvironment(s);
  const valueOf = (name: string) => (composeEnv.has(name) ? composeEnv.get(name)!.value : lastEnv(img.base!.chain, name)?.value);
  const user = runtimeUser(s, img);
  const home = valueOf('HOME') ?? runtimeHome(s, img, user.root);
  const folders = [
    { name: 'XDG_CONFIG_HOME', set: valueOf('XDG_CONFIG_HOME'), fallback: home && path.posix.join(home, '.config') },
    { name: 'XDG_CACHE_HOME', set: valueOf('XDG_CACHE_HOME'), fallback: home && path.posix.join(home, '.cache') },
  ];
  const open = folders.filter((f) => {
    const at = f.set ?? f.fallback;
    return !(at && at.startsWith('/') && !at.includes('$') && covered(at));
  });
  if (!open.length) return undefined;
  const kept = open.filter((f) => f.set !== undefined);
  const configInBuild = chain.some((i) => i.keyword !== 'FROM' && /(^|[\s/~"'=])\.config\b/.test(i.raw));
  if (kept.length || configInBuild) {
    const where = open.map((f) => f.set ?? f.fallback ?? `~/${f.name === 'XDG_CONFIG_HOME' ? '.config' : '.cache'}`);
    return {
      withhold: `${how}: Chromium writes its Crashpad database and fontconfig cache in ${where.join(' and ')}, which no volume or tmpfs covers, and ${kept.length ? `${kept.map((f) => f.name).join(' and ')} ${kept.length > 1 ? 'are' : 'is'} set by the image or compose` : 'the build keeps files in a .config folder'}, so pointing them at /tmp could hide what is there; root left writable`,
      fix: 'Point XDG_CONFIG_HOME and XDG_CACHE_HOME at /tmp (as ICTU/quality-time does for its renderer, commit ae325f6f1) or mount a tmpfs on those folders, then add read_only: true.',
    };
  }
  return {
    vars: open.map((f) => [f.name, '/tmp']),
    why: `${how}: Chromium writes its Crashpad database in ~/.config and the fontconfig cache in ~/.cache at start${home ? ` (HOME is ${home})` : ''}, which the read-only root would refuse; ICTU/quality-time points them at /tmp for its read-only renderer, PR #13499, commit ae325f6f1`,
  };
}

/**
 * pip run at start by a non-root user on a read-only root: with site-packages not writable it falls back to a
 * user install into HOME (~/.local; pip's "Defaulting to user installation because normal site-packages is not
 * writeable", https://pip.pypa.io/en/stable/user_guide/#user-installs) and unpacks and builds in TMPDIR (/tmp),
 * here tmpfs mounts whose size bounds what it can install. How much it installs is the deployment's (a variable
 * such as EXTRA_PACKAGES), so the size is said, not guessed.
 */
function pipAtStartNote(ctx: TransformContext, s: ServiceLink, img: ServiceImage): Finding | undefined {
  if (!img.dockerfile || !img.base) return undefined;
  const writer = writerOf(s, img.dockerfile, img.base);
  if (!writer || writer.root) return undefined;
  const pips = imagePipInstalls(serviceStart(ctx.project, s, img.dockerfile, img.base));
  if (!pips.length) return undefined;
  return serviceNote(
    ID,
    CIS,
    s,
    `its start runs ${pips.slice(0, 2).join(', ')}: as UID ${writer.uid} pip installs into HOME (~/.local) and unpacks in /tmp, which are tmpfs mounts on the read-only root (${ctx.options.tmpfsSize || 'no size'} where docker-harden adds them): their size bounds what it can install`,
    'Give the HOME and /tmp tmpfs entries a size= that fits the packages it installs at start, or install them at build time (RUN pip install in the Dockerfile).',
    'note',
  );
}

/**
 * A service already on a read-only root whose nginx entrypoint renders templates into a conf.d nothing keeps
 * writable: the entrypoint only logs an error and nginx starts without them. Add the tmpfs, or say why not.
 */
function keepRenderWritable(ctx: TransformContext, s: ServiceLink): Finding[] {
  const img = serviceImage(s, ctx.project);
  // nginx about to be swapped: the next pass judges the image it becomes (whose user owns the tmpfs).
  if (img.facts?.swapTo && ctx.enabled('nginx/unprivileged')) return [];
  const renders = templateRenderWrites(ctx, s, img);
  if (!renders) return [];
  if ('problem' in renders) return [serviceNote(ID, CIS, s, `${renders.problem}, and the root is read-only: nginx starts without the rendered configuration`, 'Keep /etc/nginx/conf.d writable for the render (a tmpfs there, if the image keeps nothing else in it that nginx needs).')];
  const swarm = swarmDeploy(ctx.project, s);
  const change = addTmpfs(s, [{ path: CONF_D, why: 'the templates the nginx entrypoint renders there', ...(renders.owner ? { owner: renders.owner } : {}) }], ctx.options, swarm);
  if (typeof change === 'string') return [serviceNote(ID, CIS, s, `${CONF_D} must stay writable for the templates the nginx entrypoint renders there, but ${change}`, `Add a tmpfs for ${CONF_D} by hand.`)];
  return [serviceFix(ID, CIS, s, `the nginx entrypoint renders its templates into ${CONF_D}, which is on the read-only root (it only logs an error and nginx starts without them): add a tmpfs${swarmWhy(swarm)}`, change)];
}

interface TmpfsPlan {
  path: string;
  /** Why, for the message: the declaration it covers (`HOME of app`), none for the image's known paths. */
  why?: string;
  /** Owner of the tmpfs: a directory the image has keeps its mode but not its owner under a tmpfs. */
  owner?: { uid: number; gid?: number };
}

interface Coverage {
  /** Tmpfs mounts to add: the image's known write paths and the scratch paths nothing covers. */
  tmpfs: TmpfsPlan[];
  /** Declared data paths nothing mounts. */
  data: WritePath[];
  /** Declared paths the build fills, that nothing covers: a tmpfs would hide their files. */
  baked: WritePath[];
  /** Scratch paths of a non-root user whose UID is not known: a root-owned tmpfs would not be writable. */
  unowned: WritePath[];
  /** tmpfs entries of the service at a declared path, without an owner, while a non-root user writes there. */
  unownedTmpfs: { entry: string; path: string; owner: { uid: number; gid?: number } }[];
  /** The same for long-form `type: tmpfs` volumes, which cannot take an owner: said, not changed. */
  longTmpfs: { entry: string; path: string; owner: { uid: number; gid?: number } }[];
}

/**
 * How the service keeps writable what it writes: `writes` (the image's known
 * paths) and every path its image declares written (src/write-paths.ts). A path
 * is covered by a mount (volume, bind, tmpfs, a VOLUME) at it or above it.
 * `first`: read_only is being added now, not topped up in a later pass.
 */
function coverage(ctx: TransformContext, s: ServiceLink, img: ServiceImage, writes: string[], first: boolean): Coverage {
  const mounts = [...coveredPaths(s, img)];
  const isCovered = (p: string) => mounts.some((m) => isUnder(p, m));
  const unownedTmpfs: Coverage['unownedTmpfs'] = [];
  const longTmpfs: Coverage['unownedTmpfs'] = [];
  const tmpfs: TmpfsPlan[] = writes.filter((p) => !isCovered(p)).map((p) => ({ path: p }));
  const data: WritePath[] = [];
  const baked: WritePath[] = [];
  const unowned: WritePath[] = [];
  const imageWriter = img.dockerfile && img.base ? writerOf(s, img.dockerfile, img.base) : undefined;
  // While dockerfile/non-root-user may be giving a root image its user in this pass, a tmpfs added now would be
  // root's: leave the scratch paths to the next pass (keepDeclaredWritable), which sees the user, or still root.
  const userPending = first && imageWriter?.root === true && runtimeUser(s, img).from === 'dockerfile' && ctx.enabled('dockerfile/non-root-user');
  // A framework's folder of an image that starts as root is written by the user its server drops to (the build's chown says who).
  const created = img.dockerfile && img.base ? usersCreatedIn(img.base.chain, img.dockerfile.parsed.escape) : [];
  for (const w of declaredPaths(ctx, s, img)) {
    const at = tmpfsFor(w.path);
    const writer = w.kind === 'framework' && w.owner && imageWriter?.root ? writerFromUser(w.owner, img.facts, created) : imageWriter;
    if (isCovered(w.path)) {
      // A tmpfs added while the image still ran as root (an earlier pass, or by hand) is root's: give it the user. The
      // same holds for a tmpfs on a folder above the path (skillgoblin's test compose mounts one on /app/data, where the
      // app makes database/ at start): it hides the folder the build gave the user, and Docker mounts a short-form tmpfs
      // owned by 0:0 with the image folder's mode, whoever owns that folder in the image (read on the team engine,
      // 2026-12-04: `--tmpfs /own` over a 1000:1000 folder gives `755 0:0`, mkdir there as 1000 "Permission denied";
      // `mode=1777` in the short form still gave 755, `uid=1000,gid=1000` gave `755 1000:1000` and the mkdir worked;
      // read again 2026-12-05 with runc 1.1.5: `--tmpfs /own:mode=1777`, `--mount type=tmpfs,…,tmpfs-mode=1777`, compose
      // v1 1.29.2 `tmpfs: [/own:mode=1777]` and compose v2 2.26.1 short form and long form `tmpfs: {mode: 01777}` all
      // mounted `755 0:0` over the image's folder, and only where the image has no folder there did mode=1777 apply). So a
      // `mode=` does not make the tmpfs the user's: only `uid=` does, and it is added beside the mode.
      // The user chose a tmpfs there, so data kept under it is theirs to lose; /tmp and /var/tmp are 1777 in the image,
      // and a tmpfs there or below them is not this case.
      const covering = coveringTmpfs(s, mounts, w.path);
      const exact = covering?.path === w.path && w.use === 'scratch' && at === w.path;
      const above = covering !== undefined && covering.path !== w.path && (w.use === 'scratch' || w.use === 'data') && !['/tmp', '/var/tmp'].some((d) => isUnder(covering.path, d));
      if (covering && (exact || above) && writer && !writer.root && !/(^|[:,])uid=/.test(covering.entry)) {
        if (covering.long) {
          if (!longTmpfs.some((u) => u.path === covering.path)) longTmpfs.push({ entry: '', path: covering.path, owner: { uid: writer.uid, gid: writer.gid } });
        } else if (!unownedTmpfs.some((u) => u.entry === covering.entry)) unownedTmpfs.push({ entry: covering.entry, path: covering.path, owner: { uid: writer.uid, gid: writer.gid } });
      }
      continue;
    }
    if (w.use === 'data') data.push(w);
    else if (w.use === 'baked') baked.push(w);
    else if (at !== w.path) tmpfs.push({ path: at, why: w.declaredBy }); // /tmp and /var/tmp are 1777 in the image
    else if (userPending) continue;
    else if (writer?.root) tmpfs.push({ path: at, why: w.declaredBy });
    else if (writer) tmpfs.push({ path: at, why: w.declaredBy, owner: { uid: writer.uid, gid: writer.gid } });
    // A HOME whose user's UID is not known (useradd picked it) gets no tmpfs: one with mode=1777 (as /tmp) does not
    // apply over the folder the image has there (`useradd --create-home`): on the team engine (runc 1.1.5) `--tmpfs
    // /home/redash:mode=1777` mounted `755 0:0` and the user's touch there was denied, where the image's own folder
    // was the user's and writable. Said instead, with the uid= to add.
    else unowned.push(w);
  }
  // One tmpfs per tree: /home/app covers /home/app/.cache, /tmp covers a cache redirected to /tmp.
  const kept = tmpfs.filter((t, i) => !tmpfs.some((o, j) => (o.path === t.path ? j < i : isUnder(t.path, o.path))));
  const outside = (w: WritePath) => !kept.some((t) => isUnder(w.path, t.path));
  return { tmpfs: kept, data, baked: baked.filter(outside), unowned: unowned.filter(outside), unownedTmpfs, longTmpfs };
}

/** The declared write paths of the service's image, when it is built here. */
function declaredPaths(ctx: TransformContext, s: ServiceLink, img: ServiceImage): WritePath[] {
  if (!img.built || !img.dockerfile || !img.stage || !img.base) return [];
  const df = img.dockerfile;
  const image = imageStages(ctx.project, df).find((i) => i.stage === img.stage);
  // A service whose tag several Dockerfiles build is judged once per build (checkEachBuild) and is in no Dockerfile's list: its own mounts count.
  const services = image ? (image.services.some((x) => x.id === s.id) ? image.services : [...image.services, s]) : [s];
  const base = baseWithInstallSettings(ctx.project, df, img.base, services);
  // The service's own start (a compose command or entrypoint running a script) replaces the image's: its writes are what happens.
  // A Node.js start file's own writes (build.env, files rewritten in place), the Python program's (its data folder, SQLite
  // database, logs) and a Go program's fixed-path writes are read here too: a fixed path it writes outside every mount gets
  // a tmpfs where it is scratch by its path (cache, logs, run, tmp), else read_only is withheld with the volume to mount
  // (write-paths.ts decides which).
  const start = imageStartWrites(serviceStart(ctx.project, s, df, img.base));
  return serviceWritePaths(ctx.options, s, df, img.stage, base, services, [...start, ...nodeStartWrites(ctx.project, s, df, img.base), ...pythonStartWrites(ctx.project, s, df, img.base), ...goStartWrites(ctx.project, s, df, img.base)]);
}

/**
 * What the compose command or entrypoint of a service that runs an image as it is (not built here) writes
 * at start, from its own text and the scripts it runs that the service mounts, outside the paths kept
 * writable anyway: /tmp, the image's known write paths and data paths, and the service's mounts.
 */
function composeStartWrites(ctx: TransformContext, s: ServiceLink, img: ServiceImage, writable: string[]) {
  const covered = [...coveredPaths(s, img), ...writable, '/tmp', '/var/tmp'];
  return imageStartWrites(serviceStart(ctx.project, s, undefined, undefined)).filter((w) => !covered.some((c) => isUnder(w.path, c)));
}

/**
 * /etc/nginx/conf.d when the service runs the official nginx entrypoint (nginx or
 * nginx-unprivileged, its ENTRYPOINT kept) with templates it renders there at start
 * (src/nginx-files.ts templateRenders), so that folder must stay writable: a tmpfs,
 * when that hides nothing nginx needs. A tmpfs hides what the image has in conf.d:
 * safe only where no COPY puts files there and a template renders default.conf (the
 * image's own default site, which the render replaces anyway). Otherwise a sentence
 * saying why it cannot be kept writable; undefined when nothing is rendered.
 */
function templateRenderWrites(ctx: TransformContext, s: ServiceLink, img: ServiceImage): { owner?: { uid: number; gid?: number } } | { problem: string } | undefined {
  const family = img.facts?.family;
  if (family !== 'nginx' && family !== 'nginx-unprivileged') return undefined;
  const stockEntrypoint = (e: unknown) => e === undefined || /docker-entrypoint\.sh/.test(JSON.stringify(e));
  if (!stockEntrypoint(s.effective.entrypoint)) return undefined;
  const entrypoints = img.base ? chainInstructions(img.base.chain).filter((i) => i.keyword === 'ENTRYPOINT') : [];
  if (entrypoints.length && !stockEntrypoint(entrypoints[entrypoints.length - 1]!.raw)) return undefined;
  const stages = img.base ? new Set(img.base.chain.map((st) => st.index)) : undefined;
  const copies = img.dockerfile ? copyMappings(ctx.project, img.dockerfile.path, stages) : [];
  const { files, problems } = templateRenders([...copies, ...mountMappings(ctx.project, s)]);
  if (!files.length && !problems.length) return undefined;
  if (coveredPaths(s, img).has(CONF_D) || [...coveredPaths(s, img)].some((m) => isUnder(CONF_D, m))) return undefined;
  if (problems.length) return { problem: `the nginx entrypoint renders templates into ${CONF_D} at start, and ${problems[0]}` };
  const copied = copies.find((m) => isUnder(m.containerPath, CONF_D) || (m.hostPath && isUnder(CONF_D, m.containerPath) && isDirectory(path.join(m.hostPath, ...path.posix.relative(m.containerPath, CONF_D).split('/')))));
  const render = `the nginx entrypoint renders ${files.map((f) => f.template).join(', ')} into ${CONF_D} at start, which must stay writable`;
  if (copied) return { problem: `${render}, but a tmpfs there would hide what ${copied.origin} puts in it` };
  if (!files.some((f) => f.output === `${CONF_D}/default.conf`)) return { problem: `${render}, but a tmpfs there would hide the image's default site (${CONF_D}/default.conf), which no template replaces` };
  // The tmpfs takes the folder's mode but not its owner (root): the entrypoint, run as the image's non-root user
  // (nginx-unprivileged: 101), needs it to be that user's.
  const owner = renderOwner(s, img);
  if (owner === 'unknown') return { problem: `${render}, and the UID it runs as is not known, so a tmpfs there cannot be given its owner` };
  if (owner && swarmDeploy(ctx.project, s)) return { problem: `${render}, and under docker stack deploy a tmpfs cannot be given an owner (${owner.uid})` };
  return owner ? { owner } : {};
}

/** Who the service's nginx entrypoint runs as, when not root: the compose user, else the image's; 'unknown' when it cannot be told. */
function renderOwner(s: ServiceLink, img: ServiceImage): { uid: number; gid?: number } | undefined | 'unknown' {
  let w: Writer;
  if (img.built && img.dockerfile && img.base) w = writerOf(s, img.dockerfile, img.base);
  else {
    const u = runtimeUser(s, img);
    w = u.known ? writerFromUser(u.user, img.facts) : undefined;
  }
  return !w ? 'unknown' : w.root ? undefined : { uid: w.uid, ...(w.gid !== undefined ? { gid: w.gid } : {}) };
}

/** A data path seen kept across restarts, with the named volume that will hold it. */
interface DataVolume extends WritePath {
  name: string;
  keeps: string;
}

/**
 * The data paths a named volume can hold: directories verify's observation saw
 * the service keep data in (WritePath.keeps), that the image's code does not
 * live in (a volume there would hide the code) and not under /root. Each gets a
 * volume named after the service and the directory, unused in the document.
 */
function dataVolumes(s: ServiceLink, data: WritePath[]): DataVolume[] {
  const doc = s.compose.parsed.docs[s.node.docIndex]?.data;
  const top = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).volumes : undefined;
  const taken = new Set(top && typeof top === 'object' ? Object.keys(top) : []);
  const out: DataVolume[] = [];
  for (const w of data) {
    if (!w.keeps || w.kind !== 'start-dir' || w.itself || w.path.startsWith('/root')) continue;
    const slug = (p: string) => p.replace(/^\//, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|-+$/g, '').toLowerCase();
    let name = `${s.name}-${slug(w.path.slice(w.path.lastIndexOf('/') + 1))}`;
    if (taken.has(name)) name = `${s.name}-${slug(w.path)}`;
    for (let i = 2; taken.has(name); i++) name = `${s.name}-${slug(w.path)}-${i}`;
    taken.add(name);
    out.push({ ...w, name, keeps: w.keeps });
  }
  return out;
}

/**
 * Mount each named volume on the service and declare it under the document's
 * top-level `volumes:` (a block or flow map, or a new block at the end). A new
 * named volume copies the image's directory, with the owner the Dockerfile
 * gives it (dockerfile/non-root-user chowns the observed directory).
 */
function addNamedVolumes(s: ServiceLink, volumes: DataVolume[]): (ServiceChange | string)[] {
  const file = s.compose;
  const eol = file.parsed.eol;
  const doc = file.parsed.docs[s.node.docIndex]?.doc;
  const root = doc?.contents;
  if (!isMap(root)) return ['the compose document is not a map'];
  const mount = addListItems(s, 'volumes', volumes.map((v) => `${v.name}:${v.path}`));
  const declared = mapValue(root, 'volumes');
  const intent = volumes.map((v) => ({ file: file.path, doc: s.node.docIndex, path: ['volumes', v.name], op: 'set' as const, value: {} }));
  if (isMap(declared)) {
    const edits = volumes.map((v) => insertMapEntry(file, eol, declared, v.name, '{}'));
    return [mount, { edits, intent }];
  }
  if (declared !== undefined) return [mount, 'the top-level volumes: is not a map'];
  // A new block after the last top-level key: one line per volume, indented as the services are.
  const servicesMap = file.parsed.docs[s.node.docIndex]?.servicesNode;
  const first = servicesMap?.items.find(isPair)?.key as { range?: [number, number] } | undefined;
  const lineStart = first?.range ? file.text.lastIndexOf('\n', first.range[0] - 1) + 1 : -1;
  const indent = first?.range ? file.text.slice(lineStart, first.range[0]) : '  ';
  const marker = '\u0000volumes\u0000';
  const edit = insertOuterMapEntry(file, eol, root, 'volumes', marker);
  const block = volumes.map((v) => `${eol}${/^\s*$/.test(indent) ? indent : '  '}${v.name}: {}`).join('');
  // Ranked after every service key: the keys this pass adds to the service (this fix's read_only and tmpfs, the
  // security_opt of another) can land at the same offset, and the block must come after them, not take them in.
  return [mount, { edits: [{ ...edit, text: edit.text.replace(`: ${marker}`, `:${block}`), order: AFTER_SERVICE_KEYS }], intent }];
}

/** A scratch path under /tmp or /var/tmp is covered by a tmpfs on that folder itself. */
function tmpfsFor(p: string): string {
  return ['/tmp', '/var/tmp'].find((d) => isUnder(p, d)) ?? p;
}

function describe(list: TmpfsPlan[]): string {
  return list.map((t) => (t.why ? `${t.path} (${t.why})` : t.path)).join(', ');
}

/**
 * One finding per data path, except the trees the build gives the user (kind `chowned`): one finding names them
 * all, since where in them the app writes is one question for a human. A file given to the user (dashy's
 * conf.yml, which its UI rewrites) is kept in its folder: a volume there, not on the file, holds what it writes next to it.
 */
function dataNotes(s: ServiceLink, data: WritePath[], consequence: string): Finding[] {
  const chowned = data.filter((w) => w.kind === 'chowned');
  const out = data.filter((w) => w.kind !== 'chowned').map((w) => dataNote(s, w, consequence));
  if (!chowned.length) return out;
  const given = chowned.map((w) => {
    const to = w.owner ? `given to ${w.owner}` : 'made writable by anyone';
    const held = w.bakedBy && !w.declaredBy.startsWith(w.bakedBy.replace(/ \(line \d+\)$/, '')) ? `; files from ${w.bakedBy}` : '';
    return `${w.path} (${to}: ${w.declaredBy}${held})`;
  });
  const shown = given.slice(0, 4).join(', ') + (given.length > 4 ? `, and ${given.length - 4} more` : '');
  const first = chowned[0]!.path;
  out.unshift(
    serviceNote(
      ID,
      CIS,
      s,
      `the build gives the user ${chowned.length > 1 ? 'paths that hold' : 'a path that holds'} its files, so the app may write there at run time: ${shown}; a read-only root stops those writes and a tmpfs would hide the build's files; ${consequence}`,
      `Find where under ${chowned.length > 1 ? 'those paths' : first} the app writes (data, uploads, sessions, logs, caches; for a file, its folder): mount a named volume on what it keeps and a tmpfs on what it may lose, or give the user only those folders in the Dockerfile; then run docker-harden again.`,
    ),
  );
  return out;
}

function dataNote(s: ServiceLink, w: WritePath, consequence: string): Finding {
  if (w.kind === 'framework') {
    return serviceNote(
      ID,
      CIS,
      s,
      `${w.path} is ${w.declaredBy}, and nothing mounts it: a read-only root makes it unwritable and a tmpfs would lose what it keeps on restart; ${consequence}`,
      `Mount a named volume at ${w.path} (and declare it under the top-level volumes:; a new volume copies the folder and its owner from the image); then run docker-harden again.`,
    );
  }
  if (w.kind === 'install' && w.install) {
    // A folder of the image's install tree its server writes next to what the build put there (tomcat's webapps/).
    const iw = w.install;
    const held = w.bakedBy ? `, which holds files (${w.bakedBy})` : '';
    return serviceNote(
      ID,
      CIS,
      s,
      iw.use === 'deploy'
        ? `${w.path}: ${iw.image} ${iw.what}${held}; a read-only root stops those writes and a tmpfs would hide what the build put there; ${consequence}`
        : `${w.path}: ${iw.image} ${iw.what}, and nothing mounts it; a read-only root makes it unwritable and a tmpfs would lose it on restart; ${consequence}`,
      iw.manual ?? `Mount a named volume at ${w.path} (and declare it under the top-level volumes:); then run docker-harden again.`,
    );
  }
  if (w.kind === 'start-file' || w.itself) {
    const folder = w.kind === 'start-file' ? w.path.replace(/\/[^/]+$/, '') || '/' : w.path;
    return serviceNote(
      ID,
      CIS,
      s,
      `${w.path} is written at start (${w.declaredBy}): a read-only root makes that fail, and a tmpfs on ${folder} would hide the files the image has there; ${consequence}`,
      `Have the app write it under /tmp or a volume (or mount one on ${folder} if the image keeps nothing else there); then run docker-harden again.`,
    );
  }
  return serviceNote(
    ID,
    CIS,
    s,
    `${w.path} (${w.declaredBy}) is where the service keeps data, and nothing mounts it: a read-only root makes it unwritable and a tmpfs would lose it on restart; ${consequence}`,
    `Mount a named volume at ${w.path} (and declare it under the top-level volumes:), or a tmpfs if what is written there may be lost; then run docker-harden again.`,
  );
}

function unownedNote(s: ServiceLink, w: WritePath, consequence: string): Finding {
  return serviceNote(
    ID,
    CIS,
    s,
    `${w.path} (${w.declaredBy}) needs a tmpfs its user owns, but the user's UID is not known here (a tmpfs over it is root-owned); ${consequence}`,
    `Add a tmpfs for ${w.path} with the user's IDs (tmpfs: ["${w.path}:uid=UID,gid=GID"]), or give the image a numeric USER; then run docker-harden again.`,
  );
}

function bakedNote(s: ServiceLink, w: WritePath): Finding {
  return serviceNote(
    ID,
    CIS,
    s,
    `${w.path} (${w.declaredBy}) holds files the build puts there (${w.bakedBy}), so it gets no tmpfs, which would hide them, and stays read-only`,
    `If the app writes under ${w.path} at run time, mount a tmpfs or a volume on the folder it writes (for example ${w.path}/.cache).`,
    'note',
  );
}

/** Paths that must stay writable, or why they are not known. */
/** Folders of the system a start may write files in that hold the image's own files: no tmpfs can go there. */
const SYSTEM_FOLDERS = ['/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/boot', '/root'];

function writePaths(ctx: TransformContext, s: ServiceLink, img: ServiceImage): string[] | string {
  const paths = ['/tmp'];
  // An image run as it is: the folders the service's environment moves its writes to, and the writes it turns on
  // (grafana's GF_PATHS_DATA, GF_LOG_MODE with file).
  const env = !img.built && img.facts ? serviceEnvironment(s) : undefined;
  const installWrites = env && img.facts ? installWritesWithEnvironment(img.facts.installWrites, (name) => env.get(name)?.value) : [];
  if (img.built) {
    if (!img.base) return 'its Dockerfile has no stage';
    // An unknown base whose own start command runs (this repository sets no ENTRYPOINT or CMD, in the Dockerfile or in
    // compose) is a third-party program extended here (kibana, mssql, a proxy, a database): where it writes is its own.
    if (!img.facts && !startsHere(s, img)) {
      return `its base ${img.image ?? 'image'} is not in the knowledge table and runs its own start command: the paths it writes are not known`;
    }
    // A CMD (or compose command:) set here is only the arguments of the base's ENTRYPOINT, which it keeps
    // (https://docs.docker.com/reference/dockerfile/#understand-how-cmd-and-entrypoint-interact): an unknown base's
    // entrypoint runs first and may write anywhere (umputun/baseimage's /init.sh runs the /srv/init.sh the image copies
    // in, which rewrites /srv/web with sed -i; an ONBUILD COPY puts the app, and its tmp/pids, where this file cannot see).
    if (!img.facts && !entrypointHere(s, img)) {
      return `its base ${img.image ?? 'image'} is not in the knowledge table, and the CMD set here runs under the base's own ENTRYPOINT, which nothing here replaces: the paths that entrypoint writes are not known`;
    }
    // Built here: its data lives in its volumes and VOLUMEs, and the paths its Dockerfile declares (declaredPaths); a known base adds what its own processes write.
    paths.push(...(img.facts?.tmpfsPaths ?? []), ...packageNginxWrites(ctx, s, img));
  } else if (img.buildElsewhere) {
    return 'its build context or Dockerfile is not in this repository';
  } else if (!img.image) {
    return 'it names neither an image nor a build';
  } else if (!img.facts) {
    return `unknown image ${img.image}${imageProvenance(img)}: the paths it writes are not known`;
  } else if (!img.facts.writePathsKnown && installWrites.some((w) => w.use === 'deploy' || w.shipped)) {
    // An application server run straight from compose writes into its install tree, next to files the image or the
    // deployment put there (tomcat's webapps, elasticsearch's config keystore): a tmpfs would hide them.
    return `${img.image} writes in its own install tree (${installWrites.map((w) => w.path).join(', ')}), next to files the image or what is deployed puts there: a tmpfs would hide them, so the writes cannot be carved out`;
  } else if (!img.facts.writePathsKnown && installWrites.length) {
    // Its server's folders outside any VOLUME, with nothing of the image's in them (caddy's certificates and autosave,
    // n8n's ~/.n8n and ~/.cache): they are known, but not whether this service's command is that server.
    return `${img.image} writes outside its VOLUMEs: ${installWrites.map((w) => `${w.path} (${w.what})`).join(', ')}`;
  } else if (!img.facts.writePathsKnown && img.facts.writesUnknown) {
    return `${img.image} ${img.facts.writesUnknown}`;
  } else if (!img.facts.writePathsKnown && img.facts.ports.length) {
    // A server image (mariadb, mongo, pgadmin: the row knows its ports) whose row does not list every path it writes:
    // "runs whatever command it is given" is what a base image (python, node) is, not these.
    return `${img.image} is a server image, but the knowledge table does not hold every path it writes outside its VOLUMEs: the paths it writes are not known`;
  } else if (!img.facts.writePathsKnown) {
    return `${img.image} runs whatever command it is given: the paths it writes are not known`;
  } else {
    // A server whose known writes include a data folder upstream declares no VOLUME for (grafana's /var/lib/grafana):
    // a read-only root needs a mount there, which a tmpfs is not (it would lose the data on restart).
    const mounts = [...coveredPaths(s, img)];
    const bare = installWrites.filter((w) => !mounts.some((m) => isUnder(w.path, m)));
    const other = bare.find((w) => w.use !== 'data' || w.shipped);
    if (other) return `${img.image} writes ${other.path} (${other.what}), which nothing mounts: the write cannot be carved out here`;
    if (bare.length) {
      return `${bare.map((w) => `${w.path}: ${img.image} ${w.what}`).join('; ')}, and nothing mounts ${bare.length > 1 ? 'them' : 'it'}: a read-only root makes ${bare.length > 1 ? 'them' : 'it'} unwritable and a tmpfs would lose ${bare.length > 1 ? 'them' : 'it'} on restart (mount a named volume there)`;
    }
    paths.push(...img.facts.tmpfsPaths);
  }
  return [...new Set(paths.map(normalizePath))];
}

/**
 * nginx from the distro's package, run as root, writes its pid, temp files and
 * logs where the package compiled them in (Debian: /run, /var/lib/nginx,
 * /var/log/nginx): empty folders in the image, so tmpfs carve-outs hide nothing.
 * As a non-root user it writes under /tmp instead (nginx/unprivileged sees to it).
 */
function packageNginxWrites(ctx: TransformContext, s: ServiceLink, img: ServiceImage): string[] {
  if (!img.dockerfile || !img.base) return [];
  const user = effectiveUser(img.base);
  if (user.known && !user.root) return [];
  const pkg = nginxPackage(img.base.chain, img.dockerfile.parsed.escape);
  const stock = pkg?.layout.stockMain;
  if (!pkg || !stock || !startsNginx(img.base.chain, [s], startScriptTexts(ctx.project, img.dockerfile, img.base, [s]))) return [];
  return [path.posix.dirname(stock.pid), stock.tempDir, ...(pkg.layout.logDir ? [pkg.layout.logDir] : [])];
}

/** The service's process is this repository's: its Dockerfile's stages (or a parent image built here), or its compose entry, set an ENTRYPOINT or CMD. */
function startsHere(s: ServiceLink, img: ServiceImage): boolean {
  if (s.effective.entrypoint !== undefined || s.effective.command !== undefined) return true;
  return !!img.base && imageStartCommands(img.base).length > 0;
}

/** The service's entrypoint is this repository's: its compose entry, its Dockerfile's stages or a parent image built here set an ENTRYPOINT. */
function entrypointHere(s: ServiceLink, img: ServiceImage): boolean {
  if (s.effective.entrypoint !== undefined) return true;
  return !!img.base && imageStartCommands(img.base).some((c) => c.via === 'ENTRYPOINT');
}

/** The service's `tmpfs` entries as written (`/tmp:size=64m`), merges applied. */
function tmpfsEntries(s: ServiceLink): string[] {
  const tmpfs = s.effective.tmpfs;
  return (typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs : []).filter((t): t is string => typeof t === 'string');
}

/**
 * The service's own tmpfs entry that `p` is written on: the deepest mount at or above `p` (`mounts`, from coveredPaths)
 * is a tmpfs entry and no volume of the service sits at that same path.
 */
function coveringTmpfs(s: ServiceLink, mounts: string[], p: string): { entry: string; path: string; long?: true } | undefined {
  const deepest = mounts.filter((m) => isUnder(p, m)).sort((a, b) => b.length - a.length)[0];
  if (deepest === undefined) return undefined;
  const atDeepest = s.volumes.filter((m) => normalizePath(m.target) === deepest);
  // A long-form `type: tmpfs` volume: compose's long syntax takes a size and a mode, no owner.
  if (atDeepest.length) return atDeepest.every((m) => m.type === 'tmpfs') && !tmpfsEntries(s).some((e) => normalizePath(e.split(':')[0]!.trim()) === deepest) ? { entry: '', path: deepest, long: true } : undefined;
  const entry = tmpfsEntries(s).find((e) => normalizePath(e.split(':')[0]!.trim()) === deepest);
  return entry === undefined ? undefined : { entry, path: deepest };
}

/** Paths already writable: mounted volumes and tmpfs, the Dockerfile's VOLUMEs, the image's own data VOLUMEs. */
function coveredPaths(s: ServiceLink, img: ServiceImage): Set<string> {
  const out = new Set<string>();
  for (const m of s.volumes) out.add(normalizePath(m.target));
  for (const t of tmpfsEntries(s)) out.add(normalizePath(t.split(':')[0]!.trim()));
  for (const v of dockerfileVolumes(img)) out.add(v);
  for (const d of img.facts?.dataPaths ?? []) out.add(normalizePath(d));
  return out;
}

/**
 * Add the writer's uid/gid to tmpfs entries of the service's own list. The
 * items are edited in place; an entry the service inherits through `<<` is
 * reported, since changing the anchor would change other services.
 */
function ownerFix(s: ServiceLink, entries: Coverage['unownedTmpfs']): Finding {
  const owned = (e: Coverage['unownedTmpfs'][number]) =>
    `${e.entry}${e.entry.includes(':') ? ',' : ':'}uid=${e.owner.uid}${e.owner.gid !== undefined ? `,gid=${e.owner.gid}` : ''}`;
  // A `mode=` in the entry does not apply over a folder the image has (Docker mounts the tmpfs with that folder's mode).
  const moded = entries.filter((e) => /(^|[:,])mode=/.test(e.entry));
  const mode = moded.length ? ` (its mode= does not apply over the folder the image has there: Docker gives the tmpfs that folder's mode, and only uid= makes it the user's)` : '';
  const what = `the tmpfs for ${entries.map((e) => e.path).join(', ')} is root-owned${mode}, but ${entries.length > 1 ? 'they are' : 'it is'} written by UID ${entries[0]!.owner.uid}`;
  const own = mapValue(s.node.node, 'tmpfs');
  const current = ownData(s).tmpfs;
  const file = s.compose;
  const intent = (value: unknown) => [{ file: file.path, doc: s.node.docIndex, path: servicePath(s, 'tmpfs'), op: 'set' as const, value }];
  if (own && isScalar(own) && typeof own.value === 'string' && own.range && entries.some((e) => e.entry === own.value)) {
    const next = owned(entries.find((e) => e.entry === own.value)!);
    return serviceFix(ID, CIS, s, `${what}: mount it with its owner`, { edits: [replaceScalar(file, own, next)], intent: intent(next) });
  }
  if (own && isSeq(own) && Array.isArray(current)) {
    const edits = own.items.flatMap((item) => {
      const e = isScalar(item) && item.range ? entries.find((x) => x.entry === item.value) : undefined;
      return e ? [replaceScalar(file, item as Scalar, owned(e))] : [];
    });
    const value = current.map((v) => {
      const e = entries.find((x) => x.entry === v);
      return e ? owned(e) : v;
    });
    if (edits.length === entries.length) return serviceFix(ID, CIS, s, `${what}: mount ${entries.length > 1 ? 'them' : 'it'} with the owner`, { edits, intent: intent(value) });
  }
  return serviceNote(ID, CIS, s, `${what}, so it cannot write there`, `Add uid=${entries[0]!.owner.uid} to the tmpfs options of ${entries.map((e) => e.path).join(', ')} (it comes from a shared anchor or a base file).`);
}

/**
 * A long-form `type: tmpfs` volume over a folder the service's non-root user writes: compose's long syntax has no owner
 * option (size and mode only), and its mode does not apply over a folder the image has (compose v2 2.26.1 `tmpfs: {mode:
 * 01777}` mounted `755 0:0` on the team engine), so it stays root's. The short form with uid= is the fix; a swarm stack,
 * which reads only the long form, cannot give a tmpfs an owner at all.
 */
function longTmpfsNote(s: ServiceLink, entries: Coverage['longTmpfs']): Finding {
  const e = entries[0]!;
  const ids = `uid=${e.owner.uid}${e.owner.gid !== undefined ? `,gid=${e.owner.gid}` : ''}`;
  return serviceNote(
    ID,
    CIS,
    s,
    `the long-form tmpfs volume at ${entries.map((x) => x.path).join(', ')} is root-owned (the long syntax takes no owner, and its mode does not apply over the folder the image has there), but ${entries.length > 1 ? 'they are' : 'it is'} written by UID ${e.owner.uid}, so it cannot write there`,
    `Mount it with the short form instead: tmpfs: ["${e.path}:${ids}"] (not for docker stack deploy, which ignores tmpfs: and gives a tmpfs no owner).`,
  );
}

function tmpfsEntry(t: TmpfsPlan, options: HardenOptions): string {
  const opts = [
    ...(options.tmpfsSize ? [`size=${options.tmpfsSize}`] : []),
    ...(t.owner ? [`uid=${t.owner.uid}`, ...(t.owner.gid !== undefined ? [`gid=${t.owner.gid}`] : [])] : []),
  ];
  return opts.length ? `${t.path}:${opts.join(',')}` : t.path;
}

// ------------------------------------------------------------ swarm stacks

/**
 * `docker stack deploy` ignores the service-level `tmpfs:` key (docker/cli
 * cli/compose/convert/service.go builds the mounts from `volumes:` only); the compose
 * file v3 reference lists it under "Not supported for docker stack deploy"
 * (https://docs.docker.com/compose/compose-file/compose-file-v3/#not-supported-for-docker-stack-deploy).
 * A long-form volume of `type: tmpfs` does reach the service: docker/cli turns
 * it into a tmpfs mount with only a size (cli/compose/convert/volume.go,
 * handleTmpfsToMount: TmpfsOptions{SizeBytes}). The long syntax needs file
 * format 3.2 and `tmpfs.size` 3.6 (compose file v3 reference, "volumes" and
 * "tmpfs"). docker-compose 1.27+ and compose v2 read the same entry, so a file
 * used both ways gets it too.
 */
const SWARM_MANUAL =
  'In a swarm stack, give each path a long-form volume (- type: tmpfs, target: <path>, tmpfs: {size: <bytes>}); docker stack deploy ignores the tmpfs: key and cannot set a tmpfs owner.';

function addTmpfs(s: ServiceLink, plan: TmpfsPlan[], options: HardenOptions, swarm: SwarmDeploy | undefined): ServiceChange | string {
  if (!swarm) return addListItems(s, 'tmpfs', plan.map((t) => tmpfsEntry(t, options)));
  const owned = plan.filter((t) => t.owner);
  // Swarm's tmpfs mount takes a size only (no uid, gid or mode): a directory a non-root user writes cannot be carved out so.
  if (owned.length) {
    const first = owned[0]!;
    return `${owned.map((t) => t.path).join(', ')} must be writable by UID ${first.owner!.uid}, and a tmpfs in a swarm stack cannot be given an owner (${swarm.reason})`;
  }
  const v = swarm.version;
  if (v && (v[0] < 3 || (v[0] === 3 && v[1] < 2))) return `long-form volumes need compose file format 3.2 and this file says version ${v.join('.')} (${swarm.reason})`;
  const size = v && v[0] === 3 && v[1] < 6 ? undefined : sizeInBytes(options.tmpfsSize);
  return addMapItems(
    s,
    'volumes',
    plan.map((t) => ({ type: 'tmpfs', target: t.path, ...(size !== undefined ? { tmpfs: { size } } : {}) })),
  );
}

/** `64m` → 67108864 (Docker reads tmpfs sizes in powers of 1024); undefined when empty or not a size. */
export function sizeInBytes(size: string): number | undefined {
  const m = /^(\d+)\s*([bkmg]?)b?$/i.exec(size.trim());
  if (!m) return undefined;
  const power = ['', 'k', 'm', 'g'].indexOf((m[2] ?? '').toLowerCase());
  return Number(m[1]) * 1024 ** power;
}

/** Where the swarm fact came from, for a fix's message. */
function swarmWhy(swarm: SwarmDeploy | undefined): string {
  if (!swarm) return '';
  return ` (swarm stack: ${swarm.reason}; docker stack deploy ignores the tmpfs: key${swarm.alsoCompose ? ', and compose reads the long form too' : ''})`;
}

/**
 * A stack file's service with a read-only root whose own `tmpfs:` entries swarm
 * would not mount: move them to long-form tmpfs volumes (compose reads those
 * too), keeping a `size=`; entries with other options (mode, uid: swarm's
 * tmpfs mount takes a size only) or a `tmpfs:` that a `<<` merge also provides
 * are reported instead. The engine holds this fix for the next pass when
 * another fix of the pass changes the service's volumes.
 */
function ignoredTmpfs(s: ServiceLink, swarm: SwarmDeploy | undefined): Finding[] {
  const entries = ownData(s).tmpfs;
  const list = typeof entries === 'string' ? [entries] : Array.isArray(entries) ? entries.filter((e): e is string => typeof e === 'string') : [];
  if (!swarm || list.length === 0) return [];
  const paths = list.map((e) => e.split(':')[0]!.trim());
  const they = paths.length > 1 ? 'they stay' : 'it stays';
  const moved = moveTmpfs(s, list, swarm);
  if (typeof moved !== 'string') {
    return [serviceFix(ID, CIS, s, `docker stack deploy ignores its tmpfs: ${paths.join(', ')} (${swarm.reason}): write ${paths.length > 1 ? 'them' : 'it'} as long-form tmpfs volumes, which swarm mounts and compose reads too`, moved, { key: `${ID}:${s.id}:swarm-tmpfs` })];
  }
  return [
    {
      ...serviceNote(
        ID,
        CIS,
        s,
        `docker stack deploy ignores its tmpfs: ${paths.join(', ')} (${swarm.reason}), so under swarm ${they} on the read-only root; not moved: ${moved}`,
        `Write ${paths.length > 1 ? 'each' : 'it'} as a long-form volume instead (- type: tmpfs, target: ${paths[0]}); compose reads that form too.`,
      ),
      key: `${ID}:${s.id}:swarm-tmpfs`,
    },
  ];
}

/** The change that turns the service's own `tmpfs:` entries into long-form volumes, or why it cannot. */
function moveTmpfs(s: ServiceLink, list: string[], swarm: SwarmDeploy): ServiceChange | string {
  const map = s.node.node;
  const pair = map?.items.find((p) => isScalar(p.key) && p.key.value === 'tmpfs');
  if (!map || !pair) return 'its tmpfs: comes from a merged anchor';
  if (mergeProvides(s, 'tmpfs')) return 'a merged anchor provides tmpfs: too, and would come back';
  const v = swarm.version;
  if (v && (v[0] < 3 || (v[0] === 3 && v[1] < 2))) return `long-form volumes need compose file format 3.2 and this file says version ${v.join('.')}`;
  const items: Record<string, unknown>[] = [];
  for (const entry of list) {
    const [target, opts = ''] = [entry.slice(0, entry.includes(':') ? entry.indexOf(':') : entry.length).trim(), entry.includes(':') ? entry.slice(entry.indexOf(':') + 1) : ''];
    let size: number | undefined;
    for (const opt of opts.split(',').map((o) => o.trim()).filter(Boolean)) {
      const m = /^size=(.+)$/.exec(opt);
      size = m ? sizeInBytes(m[1]!) : undefined;
      if (size === undefined) return `${entry} has options a swarm tmpfs mount cannot take (only a size)`;
      if (v && v[0] === 3 && v[1] < 6) return `${entry} has a size, which the long form takes from compose file format 3.6 (this file says ${v.join('.')})`;
    }
    items.push({ type: 'tmpfs', target, ...(size !== undefined ? { tmpfs: { size } } : {}) });
  }
  const file = s.compose;
  const drop = { file: file.path, doc: s.node.docIndex, path: servicePath(s, 'tmpfs'), op: 'delete' as const };
  const own = mapValue(map, 'volumes');
  if (own !== undefined) {
    const add = addMapItems(s, 'volumes', items);
    if (typeof add === 'string') return add;
    return { edits: [removeMapEntry(file, map, pair), ...add.edits], intent: [drop, ...add.intent] };
  }
  // No volumes: of its own: the tmpfs: entry becomes the volumes: entry, in place (a list a merge provides is repeated).
  const current = ownData(s).volumes;
  if (current !== undefined && !Array.isArray(current)) return 'volumes: is not a list';
  const value = [...(Array.isArray(current) ? current : []), ...items];
  const key = pair.key as { range?: [number, number, number] };
  const node = pair.value as { range?: [number, number, number] } | null;
  if (!key.range || !node?.range) return 'its tmpfs: has no value';
  let end = node.range[1];
  while (end > key.range[0] && /\s/.test(file.text[end - 1]!)) end--;
  return {
    edits: [{ file: file.path, range: [key.range[0], end], text: `volumes: [${value.map(yamlFlowValue).join(', ')}]` }],
    intent: [drop, { file: file.path, doc: s.node.docIndex, path: servicePath(s, 'volumes'), op: 'set', value }],
  };
}
