// compose/no-new-privileges: `security_opt: ["no-new-privileges:true"]` on
// every service, so setuid binaries cannot raise privileges. It is safe for
// gosu/su-exec entrypoints (dropping privileges stays allowed). Privileged
// services are reported instead: the option is theatre there. So is a service
// whose start steps up to root through sudo/doas, or an image whose start
// changes when it sees the flag (knowledge table): the flag would break it.
import type { Transform } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { ServiceLink } from '../../src/model.js';
import { appendSeqItem, mapValue, yamlFlowSeq, seqItemScalar, isSeq } from '../../src/edits.js';
import {
  insertServiceKey,
  isPartialOverride,
  isPrivileged,
  servicePath,
  serviceRange,
  serviceNote,
  stringList,
  checkEachService,
  privilegedNote,
  swarmDeploy,
  settledByOverrides,
  settingFiles,
  serviceImage,
  runtimeUser,
} from '../../src/compose-service.js';
import type { Project } from '../../src/model.js';
import { dockerfileFileCaps, imageFileCapSets, imagePrivilegeDrop, runsImageEntrypoint, serviceStart, startEscalations } from '../../src/start-scripts.js';
import type { SwarmDeploy } from '../../src/layout.js';
import { effectiveInstructions, type DfStage } from '../../src/parse/dockerfile.js';
import { instructionPlace, packageInstalls } from '../../src/dockerfile-info.js';
import { setidHelperPackage, type SetidHelperPackage } from '../../src/knowledge/setid-helpers.js';
import { sudoGrantFor } from '../../src/sudo-grants.js';

const ID = 'compose/no-new-privileges';
const CIS = '5.26';
const OPTION = 'no-new-privileges:true';

export const noNewPrivileges: Transform = {
  meta: {
    id: ID,
    description: 'Add security_opt no-new-privileges:true to every service that is not privileged',
    appliesTo: ['compose'],
    fixable: true,
    cis: CIS,
    peers: ['KICS 27fcc7d6', 'semgrep no-new-privileges'],
    help:
      'no-new-privileges stops a process from gaining privileges through setuid or setgid binaries or file capabilities. ' +
      'Entrypoints that start as root and drop to a user (gosu, su-exec) keep working, since dropping privileges is allowed.',
  },
  run: (ctx) => checkEachService(ctx, (_ctx, s) => check(ctx.project, s, swarmDeploy(ctx.project, s), ctx.enabled('dockerfile/non-root-user'))),
};

/** `no-new-privileges`, `no-new-privileges:true`, `no-new-privileges=true` all count; `:false` is an explicit opt-out. */
function nnpSetting(opts: string[]): 'on' | 'off' | undefined {
  for (const o of opts) {
    const m = /^no-new-privileges(?:[:=](\w+))?$/.exec(o.trim());
    if (m) return !m[1] || m[1] === 'true' ? 'on' : 'off';
  }
  return undefined;
}

/**
 * `docker stack deploy` ignores `security_opt` (compose file v3 reference,
 * "Not supported for docker stack deploy":
 * https://docs.docker.com/compose/compose-file/compose-file-v3/#not-supported-for-docker-stack-deploy;
 * `docker service create` has no --security-opt either: https://github.com/moby/moby/issues/41371).
 * The one way to get it in a swarm is the daemon's default for every
 * container it starts: `"no-new-privileges": true` in daemon.json, or
 * `dockerd --no-new-privileges` (https://docs.docker.com/reference/cli/dockerd/).
 */
const SWARM_MANUAL =
  'Swarm cannot set no-new-privileges per service: on every swarm node, set "no-new-privileges": true in /etc/docker/daemon.json (or start dockerd with --no-new-privileges) and restart the daemon; it then applies to every container that node starts.';

/** Why a swarm stack gets no security_opt, for the report. */
function swarmNote(s: ServiceLink, swarm: SwarmDeploy, state: 'added' | 'set' | 'absent'): Finding {
  const what =
    state === 'added' || (state === 'set' && swarm.alsoCompose)
      ? `security_opt no-new-privileges:true holds when compose runs the file, but docker stack deploy ignores security_opt (${swarm.reason})`
      : state === 'set'
        ? `docker stack deploy ignores its security_opt no-new-privileges:true (${swarm.reason})`
        : `docker stack deploy ignores security_opt (${swarm.reason}), so no-new-privileges is not added`;
  return { ...serviceNote(ID, CIS, s, what, SWARM_MANUAL, state === 'absent' ? 'warning' : 'note'), key: `${ID}:${s.id}:swarm` };
}

/**
 * File capabilities a process of the service runs with as a non-root user: the binaries its Dockerfile gives them
 * (`RUN setcap`), its start gives them as root before stepping down (vault's entrypoint: `setcap cap_ipc_lock=+ep`, then
 * su-exec vault), or the image's own (the knowledge table). no-new-privileges voids them: "file capabilities will not add
 * to the permitted set" (https://docs.kernel.org/userspace-api/no_new_privs.html). A root process does not need them (it
 * gets its bounding set at exec). NET_BIND_SERVICE alone is not needed on a bridge network: Docker 20.10 and later let
 * any user bind ports below 1024 there (net.ipv4.ip_unprivileged_port_start=0), so only `network_mode: host` counts.
 * Returns the capabilities and `IPC_LOCK (how) of a program …` for the message, or undefined.
 */
function fileCapsNnpVoids(project: Project, s: ServiceLink, userComing: boolean): { caps: string[]; text: string } | undefined {
  const img = serviceImage(s, project);
  const caps = new Set(img.facts?.fileCapabilities ?? []);
  const how: string[] = [];
  const setAtBuild = new Set<string>();
  if (img.built && img.base) {
    const built = dockerfileFileCaps(img.base.chain, img.dockerfile?.parsed.escape ?? '\\');
    for (const c of built?.caps ?? []) {
      caps.add(c);
      setAtBuild.add(c);
    }
    how.push(...(built?.where ?? []));
  }
  const start = img.built && img.dockerfile && img.base ? serviceStart(project, s, img.dockerfile, img.base) : undefined;
  const setAtStart = start ? imageFileCapSets(start) : [];
  for (const x of setAtStart) for (const c of x.caps) caps.add(c);
  how.push(...setAtStart.filter((x) => x.caps.length).map((x) => x.how));
  if (s.effective.network_mode !== 'host') {
    caps.delete('NET_BIND_SERVICE');
    setAtBuild.delete('NET_BIND_SERVICE');
  }
  if (!caps.size) return undefined;
  const user = runtimeUser(s, img);
  const nonRoot = (user.known && !user.root) || (user.from !== 'compose' && (!!img.facts?.dropsPrivileges || (!!start && !!imagePrivilegeDrop(start))));
  // A Dockerfile of this repository that still runs as root but gives a binary file capabilities at build (`RUN setcap`)
  // is where dockerfile/non-root-user adds USER, in the same pass as this check: judged on the root image, no-new-privileges
  // would be added, and the next pass would find it voiding the capabilities it just made the program depend on. A root
  // process needs no file capabilities, so withholding it there costs nothing a root process gains from it.
  const coming = !nonRoot && userComing && img.built && user.from === 'dockerfile' && user.root && setAtBuild.size > 0;
  if (!nonRoot && !coming) return undefined;
  const where = how.length ? how.slice(0, 2).join(', ') : `${img.image ?? 'its image'}'s binaries`;
  const list = [...caps].sort();
  return { caps: list, text: `${list.join(', ')} (${where}) of a program it runs as a non-root user${coming ? ' (the USER dockerfile/non-root-user gives its Dockerfile, where it can)' : ''}` };
}

function check(project: Project, s: ServiceLink, swarm: SwarmDeploy | undefined, userComing: boolean, seen = new Set<ServiceLink>()): Finding | Finding[] | undefined {
  if (isPartialOverride(s) && !isPrivileged(s)) return undefined;
  const current = stringList(s, 'security_opt');
  const setting = nnpSetting(current);
  const voided = isPrivileged(s) || setting === 'off' ? undefined : fileCapsNnpVoids(project, s, userComing);
  if (setting === 'on') {
    if (voided) {
      return serviceNote(ID, CIS, s, `its no-new-privileges:true stops execve from granting the file capabilities ${voided.text}: the program runs without them`, `Keep no-new-privileges and make the program do without ${voided.caps.join(', ')} (a setting that turns the feature off), or remove no-new-privileges for this service and keep it limited by cap_drop: [ALL] with only that capability in cap_add.`);
    }
    return swarm && !isPrivileged(s) ? swarmNote(s, swarm, 'set') : undefined;
  }
  // Every project that runs it merges an override that decides no-new-privileges: adding it here would repeat or be overruled.
  const settled = settledByOverrides(project, s, (d) => nnpSetting(Array.isArray(d.security_opt) ? d.security_opt.filter((o): o is string => typeof o === 'string') : []));
  if (settled) {
    const off = settled.filter((x) => x.value === 'off');
    return off.length ? serviceNote(ID, CIS, s, `security_opt sets no-new-privileges:false in ${settingFiles(off)}, which compose merges onto it; kept`, 'If nothing in it needs setuid binaries, set it to true there.', 'note') : undefined;
  }
  if (isPrivileged(s)) {
    return privilegedNote(ID, s, 'no-new-privileges');
  }
  if (setting === 'off') {
    return serviceNote(ID, CIS, s, 'security_opt sets no-new-privileges:false explicitly; kept', 'If nothing in it needs setuid binaries, set it to true.', 'note');
  }
  if (voided) {
    return serviceNote(ID, CIS, s, `no-new-privileges would stop execve from granting the file capabilities ${voided.text}, and the program would run without them; not added`, `If the program can do without ${voided.caps.join(', ')} (a setting that turns the feature off), add security_opt: ["no-new-privileges:true"] by hand.`);
  }
  // A stack file only swarm reads: the key would do nothing.
  if (swarm && !swarm.alsoCompose) return swarmNote(s, swarm, 'absent');
  const stepUp = newPrivilegesAtStart(project, s);
  if (stepUp) return serviceNote(ID, CIS, s, `${stepUp.what}; not added`, stepUp.manual);
  // Compose copies the option in from the service this one extends, which this check gives it: its own would repeat it.
  if (extendsGiveIt(project, s, userComing, seen)) return undefined;
  const file = s.compose;
  const map = s.node.node;
  if (!map) return serviceNote(ID, CIS, s, 'has no settings map; nothing added', 'Add the service settings by hand.', 'note');
  const own = mapValue(map, 'security_opt');
  const next = [...current, OPTION];
  let edit;
  if (own && isSeq(own)) {
    edit = appendSeqItem(file, file.parsed.eol, own, seqItemScalar(own, OPTION));
  } else if (own) {
    return serviceNote(ID, CIS, s, 'security_opt is not a list; nothing added', `Make security_opt a list holding "${OPTION}".`);
  } else {
    // The service may inherit a list through `<<`; its own key replaces that list, so repeat the inherited items.
    edit = insertServiceKey(s, 'security_opt', yamlFlowSeq(next));
  }
  const fixed: Finding = {
    transform: ID,
    file: file.path,
    range: serviceRange(s),
    message: `service ${s.name}: add security_opt no-new-privileges:true so setuid binaries cannot raise privileges${swarm ? ' when compose runs it' : ''}`,
    severity: 'warning',
    cis: CIS,
    fix: { edits: [edit], intent: [{ file: file.path, doc: s.node.docIndex, path: servicePath(s, 'security_opt'), op: 'set', value: next }] },
  };
  // Used by compose and by swarm: the key holds for compose (swarm skips it with a warning), and the swarm side is done by hand.
  return swarm ? [fixed, swarmNote(s, swarm, 'added')] : fixed;
}

/**
 * Whether the service `s` extends (`extends:`, in this file or another) gets no-new-privileges from this same check,
 * itself or through its own `extends:`. Compose appends an extender's `security_opt` to the one it extends, and Compose
 * v2 then refuses a list holding the option twice ("services.postgresql.security_opt array items[0,1] must be unique",
 * `docker compose -f app.yml config` on jhipster/jhipster-sample-app's src/main/docker, whose app.yml's postgresql
 * extends postgresql.yml's, once both had it; Compose 2.26.1): the option belongs in the service extended only.
 * A template no one runs (leftAlone) gets nothing, so its extenders keep their own.
 */
function extendsGiveIt(project: Project, s: ServiceLink, userComing: boolean, seen: Set<ServiceLink>): boolean {
  const target = s.extends;
  // `seen`: services already asked along this chain (an `extends:` loop compose itself refuses).
  if (!target || target.leftAlone || seen.has(target)) return false;
  seen.add(s);
  const asked = new Set(seen);
  const found = check(project, target, swarmDeploy(project, target), userComing, seen);
  const list = found === undefined ? [] : Array.isArray(found) ? found : [found];
  // Given it here, or (answering nothing) given it by what it extends in turn.
  return list.some((f) => f.transform === ID && f.fix !== undefined && f.file === target.compose.path) || (found === undefined && extendsGiveIt(project, target, userComing, asked));
}

/**
 * On the team daemon, `sudo -n id -u` as a NOPASSWD user printed 0 with a
 * read-only root too, and under no-new-privileges failed with "The "no new
 * privileges" flag is set, which prevents sudo from running as root".
 *
 * What the service's start does that no-new-privileges would break, for the
 * report: a sudo/doas step up to root in its start scripts or command (as read
 * from the repository), or what the knowledge table says the image's own
 * entrypoint does, while that entrypoint is still the one that runs (neither
 * compose nor a Dockerfile here sets another).
 */
/** The first package of the chain's `apt-get install`/`apk add` lines that brings a setuid/setgid helper (SETID_HELPER_PACKAGES). */
function setidHelperInstall(chain: DfStage[], escape: string, file: string): { pkg: string; where: string; row: SetidHelperPackage } | undefined {
  for (const install of packageInstalls(chain, escape)) {
    for (const pkg of install.packages) {
      const row = setidHelperPackage(pkg);
      if (row) return { pkg, where: `${file} line ${install.instruction.line + 1}`, row };
    }
  }
  return undefined;
}

function newPrivilegesAtStart(project: Project, s: ServiceLink): { what: string; manual: string } | undefined {
  const img = serviceImage(s, project);
  const steps = startEscalations(serviceStart(project, s, img.dockerfile, img.base));
  if (steps.length) {
    return {
      what: `its start runs ${steps.slice(0, 3).join(', ')} to become root, which no-new-privileges stops (the kernel ignores setuid bits under it)`,
      manual: `Do that step as root before the start drops to its user (gosu, su-exec), or without sudo; then add security_opt ["${OPTION}"].`,
    };
  }
  // The image grants the user the service runs as sudo without a password (freqtrade's `ftuser ALL=(ALL) NOPASSWD:
  // /bin/chown`, for the `sudo chown` its docs give): whatever uses it (a step of the start not read here, a `docker
  // compose exec` or `run` its docs give) fails under the flag. Root's own sudo keeps working, so only a non-root user counts.
  if (img.built && img.base) {
    const user = runtimeUser(s, img);
    const grant = user.known && !user.root ? sudoGrantFor(img.base, img.dockerfile?.parsed.escape ?? '\\', user.user) : undefined;
    if (grant) {
      const who = user.from === 'compose' ? `${user.user} (its compose user:)` : user.user;
      return {
        what: `its image lets ${who} run ${grant.commands} through sudo without a password (${grant.instruction.keyword === 'RUN' ? '' : 'the heredoc of '}${instructionPlace(project, grant.instruction, '')}: "${grant.rule}"), and under no-new-privileges sudo cannot become root ("The "no new privileges" flag is set, which prevents sudo from running as root", sudo 1.9.13 on the team engine)`,
        manual: `If nothing run in the container (its start, a docker compose exec or run step its docs give) needs that sudo, remove the grant or do the step as root (docker compose exec -u root), then add security_opt ["${OPTION}"] by hand.`,
      };
    }
  }
  // A setuid/setgid helper the image installs for its non-root processes (postfix's postdrop): the kernel ignores the bit under the flag.
  const helper = img.built && img.base ? setidHelperInstall(img.base.chain, img.dockerfile?.parsed.escape ?? '\\', img.dockerfile?.rel ?? 'Dockerfile') : undefined;
  if (helper) {
    return {
      what: `its image installs ${helper.pkg} (${helper.where}), whose ${helper.row.helper} no-new-privileges voids: ${helper.row.loses} (${helper.row.source})`,
      manual: `If nothing in the container submits mail or runs that helper as a non-root user, add security_opt ["${OPTION}"] by hand.`,
    };
  }
  const own = img.facts?.newPrivileges;
  // A compose entrypoint that wraps the image's and ends by running it (`exec /entrypoint.sh`) keeps what the image's does.
  const entrypointHere = !runsImageEntrypoint(project, s, img.dockerfile, img.base, img.facts) || (img.base?.chain.some((st) => effectiveInstructions(st).some((i) => i.keyword === 'ENTRYPOINT')) ?? false);
  if (!own || entrypointHere) return undefined;
  // What the table says happens only in a root start (telegraf's Alpine entrypoint: `exec "$@"` for any other user): a
  // service run as a known non-root user (compose `user: telegraf:999`, a Dockerfile USER) never reaches it.
  if (img.facts!.newPrivilegesOnlyAsRoot) {
    const user = runtimeUser(s, img);
    if (user.known && !user.root) return undefined;
  }
  return {
    what: `${img.image ?? 'its image'} changes under no-new-privileges: ${own} (${img.facts!.capsSource ?? img.facts!.source})`,
    manual: `Check that the service still works with it (the ports it listens on, what its entrypoint logs), then add security_opt ["${OPTION}"] by hand.`,
  };
}
