// compose/cap-drop: `cap_drop: [ALL]` on every service whose needs are known,
// with exactly the capabilities its entrypoint needs given back in `cap_add`
// (postgres: CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID; redis: CHOWN,
// SETGID, SETUID; from the knowledge table). A process that runs as a known
// non-root user needs none. Root processes we cannot see into (unknown images,
// root Dockerfiles, an explicit `user: root`), privileged services and images
// another transform is about to swap are reported, never guessed at.
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { ServiceLink } from '../../src/model.js';
import { effectiveInstructions } from '../../src/parse/dockerfile.js';
import { entrypointDropsFor, type ImageFacts } from '../../src/knowledge/images.js';
import { serviceEnvironment } from '../../src/env-files.js';
import { configuredCapsNeeded } from '../../src/configured-caps.js';
import { composeStarts, dockerfileEntrypointReplacing, dockerfileFileCaps, entrypointProgramName, runsImageEntrypoint, dropDecision, imagePrivilegeDrop, imageStart, serviceNeedingRoot, serviceStart, serviceStartScriptRefs, startEscalations, knownRootDaemonCaps } from '../../src/start-scripts.js';
import { imageStages } from '../../src/dockerfile-info.js';
import {
  addListItems,
  capList,
  combine,
  isExplicitRoot,
  isPartialOverride,
  isPrivileged,
  imageToJudge,
  runtimeUser,
  serviceFix,
  serviceNote,
  type ServiceChange,
  type ServiceImage,
  checkEachService,
  privilegedNote,
  imageProvenance,
  swarmDeploy,
  settledByOverrides,
  capName,
  deadNetBindService,
  serviceRuns,
  serviceImage,
  listeningPorts,
  isDockerSocketMount,
  binaryFileCaps,
  DOCKER_DEFAULT_CAPABILITIES,
} from '../../src/compose-service.js';

const ID = 'compose/cap-drop';
const CIS = '5.4';

export const capDrop: Transform = {
  meta: {
    id: ID,
    description: 'Add cap_drop: [ALL] and give back only the capabilities the image is known to need',
    appliesTo: ['compose'],
    fixable: true,
    cis: CIS,
    peers: ['KICS ce76b7d0'],
    help:
      'Docker gives every container a default set of Linux capabilities (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW, ...). ' +
      'A service that runs as a non-root user needs none of them; images whose entrypoint starts as root and drops to its own ' +
      'user (postgres, redis, mysql) get back exactly what that entrypoint needs. Services whose needs are unknown are reported.',
  },
  run: (ctx) => checkEachService(ctx, check, { imageFacts: true }),
};

function check(ctx: TransformContext, s: ServiceLink): Finding | undefined {
  if (isPartialOverride(s) && !isPrivileged(s)) return undefined;
  const drop = capList(s, 'cap_drop');
  const note = (message: string, manual: string, severity: Finding['severity'] = 'warning') => serviceNote(ID, CIS, s, message, manual, severity);
  const contradiction = capContradiction(s);
  if (drop.includes('ALL')) return checkExistingDrop(ctx, s) ?? contradiction;
  // cap_add: [ALL] gives every capability back whatever cap_drop says: adding cap_drop: [ALL] beside it would be theatre.
  if (contradiction && capList(s, 'cap_add').includes('ALL')) return contradiction;
  // Every project that runs it merges an override with cap_drop: [ALL] (and what it gives back): nothing to repeat here.
  if (settledByOverrides(ctx.project, s, (d) => (Array.isArray(d.cap_drop) && d.cap_drop.map(capName).includes('ALL') ? true : undefined))) return undefined;
  if (isPrivileged(s)) {
    return privilegedNote(ID, s, 'cap_drop');
  }
  const judged = imageToJudge(ctx, s, ID, CIS, 'no capabilities dropped', { judgeNonRoot: true });
  if ('done' in judged) return judged.done;
  const { img } = judged;
  if (isExplicitRoot(s)) {
    return note('runs as an explicit user: root, which may rely on any capability; nothing dropped', 'Find out which capabilities it needs, then add cap_drop: [ALL] and cap_add with those.');
  }
  const base = capsNeeded(ctx, s, img);
  if (typeof base === 'string') {
    // Its own cap_add (gregluffy/HomeLabInfo's NET_ADMIN, NET_RAW for an ARP scan) is what the maintainers know it
    // needs beyond Docker's default set, not all it uses of that set: a root process may also rely on NET_BIND_SERVICE
    // (a port below 1024 on the host network: UDP 67 for DHCP), SETUID/SETGID (a step down), CHOWN or DAC_OVERRIDE, and
    // cap_drop: [ALL] would take those. Its list is kept as it is, and the rest left to whoever knows the program.
    const listed = capList(s, 'cap_add').filter((c) => c !== 'ALL');
    if (listed.length) {
      return note(
        `${base}; its cap_add ${listed.join(', ')} is kept as it is, but what else its process uses of Docker's default set is not known, and a cap_drop: [ALL] beside that list would take it; no capabilities dropped`,
        `Find out which other capabilities it needs (NET_BIND_SERVICE for a port below 1024 on the host network, SETUID and SETGID for a step down to another user, CHOWN or DAC_OVERRIDE for files of other users), then add cap_drop: [ALL] and cap_add with those and ${listed.join(', ')}.`,
      );
    }
    // A user from variables with no value: the fix is to give them one, after which a non-root user is read as such.
    const fromVariables = /^its user: (.*) comes from (.*), which ha/.exec(base);
    if (fromVariables) {
      const names = fromVariables[2]!.split(' and ');
      return note(
        `${base}; no capabilities dropped`,
        // No example value: the variable may be used elsewhere too (kutt's DB_USER is also the database's user name).
        `Give ${names.join(' and ')} a value in .env, or a default in the compose file (\${NAME:-value}), that is the non-root user the service runs as (the owner of its data), then run docker-harden again: a known non-root user gets cap_drop: [ALL]. If it may run as root, find out which capabilities it needs first.`,
      );
    }
    return note(`${base}; no capabilities dropped`, 'Find out which capabilities it needs, then add cap_drop: [ALL] and cap_add with those.');
  }
  const needed = [...base];
  // The cap_drop written here also reaches every project that merges an override on top (`-f docker-compose.yml
  // -f docker-compose.ci.yml`): one that runs the service as another user (shlink's CI file: `user: '0'` over the
  // base's 1000:1000) needs what that user needs, or its entrypoint cannot chown and drop (Compose Specification,
  // "Merge and override": the later file's user wins).
  // The same holds for an override that sets the service's start (command:/entrypoint:): what that start needs.
  for (const run of serviceRuns(ctx.project, s)) {
    const sameStart = (['command', 'entrypoint'] as const).every((k) => JSON.stringify(run.merged[k]) === JSON.stringify(s.effective[k]));
    if (run.parts.length < 2 || (run.merged.user === s.effective.user && sameStart)) continue;
    if (Array.isArray(run.merged.cap_drop) && run.merged.cap_drop.map(capName).includes('ALL')) continue;
    const byUser = run.merged.user !== s.effective.user;
    const key = byUser ? 'user' : 'command';
    const by = [...run.parts].reverse().find((p) => p !== s && (byUser ? p.own.user !== undefined : p.own.command !== undefined || p.own.entrypoint !== undefined));
    const where = byUser
      ? `${by ? by.compose.rel : 'an override'} sets user: ${String(run.merged.user)} (${run.project})`
      : `${by ? by.compose.rel : 'an override'} sets its ${by && by.own.command === undefined ? 'entrypoint' : key} (${run.project})`;
    const view: ServiceLink = { ...s, effective: run.merged };
    if (isExplicitRoot(view)) {
      return note(`${where}: run as root, it may rely on any capability; nothing dropped`, 'Find out which capabilities it needs as that user, then add cap_drop: [ALL] and cap_add with those, in the override if the base file runs it otherwise.');
    }
    const more = capsNeeded(ctx, view, img);
    if (typeof more === 'string') return note(`${where}: ${more}; no capabilities dropped`, 'Find out which capabilities it needs, then add cap_drop: [ALL] and cap_add with those.');
    for (const c of more) if (!needed.includes(c)) needed.push(c);
  }

  // On the host network the host's own port limit applies: Docker 20.10 waives it only inside a container's own
  // network namespace (net.ipv4.ip_unprivileged_port_start=0, moby/moby#41030), so a root process binding a port
  // below 1024 there needs NET_BIND_SERVICE back (NPMplus' compose: network_mode: host, cap_drop ALL + NET_BIND_SERVICE).
  const hostBind = hostNetworkBind(ctx, s, img);
  if (hostBind && !needed.includes('NET_BIND_SERVICE')) needed.push('NET_BIND_SERVICE');
  const probe = healthcheckNeeds(s, img);
  for (const c of probe?.caps ?? []) if (!needed.includes(c)) needed.push(c);
  const binds = rootBindWrites(s, img);
  if (binds.length && !needed.includes('DAC_OVERRIDE')) needed.push('DAC_OVERRIDE');

  const have = capList(s, 'cap_add');
  const missing = needed.filter((c) => !have.includes(c));
  const changes: (ServiceChange | string)[] = [addListItems(s, 'cap_drop', ['ALL'])];
  if (missing.length) changes.push(addListItems(s, 'cap_add', missing));
  const problem = changes.find((c): c is string => typeof c === 'string');
  if (problem) return note(`${problem}; nothing added`, 'Add cap_drop: [ALL] by hand.');
  // Capabilities that are there only for what the Dockerfile's setcap gives a binary say so (zabbix's nmap: NET_RAW).
  const setcaps = img.built && img.base ? dockerfileFileCaps(img.base.chain, img.dockerfile?.parsed.escape ?? '\\') : undefined;
  const forStart = missing.filter(
    (c) => (c !== 'NET_BIND_SERVICE' || !hostBind || base.includes(c)) && (!probe?.caps.includes(c) || base.includes(c)) && (c !== 'DAC_OVERRIDE' || !binds.length || base.includes(c)),
  );
  const forProbe = probe ? missing.filter((c) => probe.caps.includes(c) && !forStart.includes(c)) : [];
  const forHost = hostBind && missing.includes('NET_BIND_SERVICE') && !forStart.includes('NET_BIND_SERVICE') ? ` and NET_BIND_SERVICE for the host network, where ${hostBind}` : '';
  const forBinds = binds.length > 0 && missing.includes('DAC_OVERRIDE') && !forStart.includes('DAC_OVERRIDE') && !forProbe.includes('DAC_OVERRIDE');
  const forFileCaps = setcaps && setcaps.where.length && forStart.every((c) => setcaps.caps.includes(c)) ? `the file capabilities its Dockerfile gives (${setcaps.where.slice(0, 2).join(', ')})` : undefined;
  // Given back only for a helper's file capability (a service that runs as a non-root user: no step down needs anything).
  const helper = img.facts?.helperFileCapabilities;
  const user = runtimeUser(s, img);
  const forHelper = helper && user.known && !user.root && forStart.length && forStart.every((c) => helper.caps.includes(c)) ? helper.why : undefined;
  // Capabilities given back for a feature the service's configuration turns on (telegraf's native ping) say which and where.
  const configured = typeof base !== 'string' ? configuredCapsNeeded(ctx.project, s, img.facts) : undefined;
  const forConfig = configured && forStart.some((c) => configured.caps.includes(c) && !img.facts!.capsNeeded.includes(c)) ? `; ${configured.caps.filter((c) => forStart.includes(c) && !img.facts!.capsNeeded.includes(c)).join(', ')} because ${configured.where} turns on what needs them: ${configured.why}` : '';
  // As a non-root user the feature gets none of them, hardened or not: Docker sets no ambient capability for that user.
  const configuredAsUser = configured && user.known && !user.root ? `; ${configured.where} turns on what needs ${configured.caps.join(', ')}, which a process run as ${user.user} never holds (Docker sets no ambient capability for a non-root user), hardened or not: ${configured.why}` : '';
  const back =
    (forStart.length ? ` and give back ${forStart.join(', ')} for ${forFileCaps ?? forHelper ?? startDropSource(ctx, s, img) ?? 'its entrypoint'}${forConfig}` : '') +
    configuredAsUser +
    forHost +
    (forBinds ? ` and ${forStart.length ? '' : 'give back '}DAC_OVERRIDE for its writes as root through ${binds.length > 1 ? 'the bind mounts' : 'the bind mount'} ${binds.slice(0, 3).join(', ')}: without it root is held to the host folder's owner and mode like any user, and a folder another user made (a checked-out ./data) stops the start with "Permission denied"` : '') +
    (forProbe.length ? ` and ${forProbe.join(', ')} for its healthcheck, which ${probe!.why}` : '');
  // Facts found on the engine, or read from an `image:` with variables, name where they come from (a table row's source is the transform's usual wording).
  const from = imageProvenance(img, !img.built || missing.length > 0);
  // Swarm services honour cap_add/cap_drop from Docker 20.10 (docker/cli#2687, https://github.com/docker/cli/pull/2687;
  // https://docs.docker.com/engine/release-notes/20.10/): older engines ignore both, so the service keeps Docker's default set there.
  const swarm = swarmDeploy(ctx.project, s);
  const stack = swarm ? ` (swarm stack: ${swarm.reason}; docker stack deploy applies cap_drop/cap_add from Docker 20.10, older engines ignore them)` : '';
  // Its own cap_add stays beside the new cap_drop (Docker applies cap_add after the drop): say it is kept, not dropped.
  // Not a NET_BIND_SERVICE that compose/dead-capabilities removes in the same pass (every port 1024 or above).
  const deadBind = !needed.includes('NET_BIND_SERVICE') && deadNetBindService(s, img, ctx.project) !== undefined;
  const own = have.filter((c) => c !== 'ALL' && !missing.includes(c) && !(deadBind && c === 'NET_BIND_SERVICE'));
  const keeps = own.length ? ` (its own cap_add ${own.join(', ')} kept)` : '';
  const beyond = setcaps ? beyondDefaultFileCaps(s, setcaps) : '';
  return serviceFix(ID, CIS, s, `add cap_drop: [ALL]${back}${keeps}, so a compromised process holds no capabilities it does not need${beyond}${from}${stack}`, combine(changes as ServiceChange[]));
}

/**
 * What the finding says of file capabilities the Dockerfile's setcap gives beyond Docker's default set and the
 * service's own cap_add: the kernel refuses to exec such a binary while its bounding set lacks them (capabilities(7),
 * "Safety checking for capability-dumb binaries"), as it does today, so they are not given back.
 */
function beyondDefaultFileCaps(s: ServiceLink, setcaps: { caps: string[]; where: string[] }): string {
  const added = capList(s, 'cap_add');
  const beyond = setcaps.caps.filter((c) => !DOCKER_DEFAULT_CAPABILITIES.includes(c) && !added.includes(c));
  if (!beyond.length) return '';
  const named = setcaps.where.filter((w) => beyond.some((c) => w.toLowerCase().includes(`cap_${c.toLowerCase()}`)));
  return `; not ${beyond.join(', ')}, which its Dockerfile gives (${named.slice(0, 2).join(', ')}) beyond Docker's default set: the service does not add ${beyond.length > 1 ? 'them' : 'it'}, so those binaries cannot be run today either, and giving ${beyond.length > 1 ? 'them' : 'it'} back would widen the container`;
}

/**
 * A service that already drops ALL: what its start needs must be in its cap_add, or it fails at start (kimai's stock
 * nginx under `cap_drop: [ALL]` + NET_BIND_SERVICE: "chown(...) failed: Operation not permitted", fixed upstream by
 * giving back CHOWN, SETUID, SETGID, kimai ca7da30a2). The needs are the ones a new cap_drop would give back
 * (capsNeeded); a service whose needs are not known is left as its authors wrote it.
 */
function checkExistingDrop(ctx: TransformContext, s: ServiceLink): Finding | undefined {
  const note = (message: string, manual: string) => serviceNote(ID, CIS, s, message, manual);
  if (isPrivileged(s)) {
    // Docker gives a privileged container every capability before it looks at cap_add/cap_drop (moby
    // oci/caps/utils.go TweakCapabilities: `case privileged: return GetAllCapabilities()`).
    return serviceNote(ID, '5.5', s, 'privileged: true gives every capability whatever cap_drop says: its cap_drop: [ALL] is void', 'Remove privileged: true and add only the capabilities and devices the service needs in cap_add.');
  }
  const have = capList(s, 'cap_add');
  if (have.includes('ALL')) return undefined; // capContradiction says it
  if (isExplicitRoot(s)) return undefined;
  const img = serviceImage(s, ctx.project);
  if (img.facts?.outOfScope) return undefined;
  const start = capsNeeded(ctx, s, img);
  if (typeof start === 'string') return fileCapsLeftOut(s, img, have);
  const probe = healthcheckNeeds(s, img);
  const needed = [...start, ...(probe?.caps ?? []).filter((c) => !start.includes(c))];
  // The image's entrypoint needs DAC_OVERRIDE only to read into its user's private folders: DAC_READ_SEARCH given
  // back in its place does that too (see readSearchForDacOverride). Not when a start of the repository's own drops.
  const readSearchStandsIn = have.includes('DAC_READ_SEARCH') && !!img.facts?.readSearchForDacOverride && !startDropSource(ctx, s, img);
  const missing = needed.filter((c) => !have.includes(c) && !(c === 'DAC_OVERRIDE' && readSearchStandsIn));
  if (!missing.length) return undefined;
  // The table's source is the image's entrypoint script (docker-entrypoint.sh) or the server's own code (nginx's ngx_file.c).
  const src = img.facts?.capsSource;
  const who = startDropSource(ctx, s, img) ?? (src && img.image ? `${img.image}${/\.sh$/.test(src) ? "'s entrypoint" : ''} (${src})` : 'its entrypoint');
  const forProbe = probe ? missing.filter((c) => probe.caps.includes(c) && !start.includes(c)) : [];
  const forStart = missing.filter((c) => !forProbe.includes(c));
  // Left out only for a feature its configuration turns on (telegraf's native ping): the start runs, the feature does not.
  const configured = configuredCapsNeeded(ctx.project, s, img.facts);
  const forConfig = configured && forStart.length && forStart.every((c) => configured.caps.includes(c) && !img.facts!.capsNeeded.includes(c)) ? configured : undefined;
  const message = forConfig
    ? `its cap_drop: [ALL] leaves out ${forStart.join(', ')}, which ${forConfig.where} needs: ${forConfig.why}`
    : forStart.length
    ? `its cap_drop: [ALL] leaves out ${forStart.join(', ')}, which ${who} needs: without ${forStart.length > 1 ? 'them' : 'it'} the start fails with "Operation not permitted"` +
      (forProbe.length ? `; and ${forProbe.join(', ')}, without which its healthcheck fails: it ${probe!.why}` : '')
    : `its cap_drop: [ALL] leaves out ${forProbe.join(', ')}, without which its healthcheck fails: it ${probe!.why}`;
  // An image another transform is about to swap (stock nginx → nginx-unprivileged) needs none of them after the swap:
  // say what the image needs as it is, for the case the swap is blocked, and add nothing.
  if (img.facts?.swapTo && ctx.enabled('nginx/unprivileged')) {
    return note(`${message}${imageProvenance(img)}; ${img.facts.swapTo} would need none of them, and nginx/unprivileged swaps to it where it can`, `Swap to ${img.facts.swapTo}, or add ${missing.join(', ')} to cap_add.`);
  }
  const change = addListItems(s, 'cap_add', missing);
  if (typeof change === 'string') return note(`${message}; ${change}`, `Add ${missing.join(', ')} to cap_add by hand.`);
  return serviceFix(ID, CIS, s, `give back ${missing.join(', ')}: ${message}${imageProvenance(img, true)}`, change);
}

/**
 * A service that already drops ALL and whose other needs are not known (caddy runs as root and never steps down): the
 * file capabilities its binaries carry are needed all the same, or exec of the binary fails with "operation not
 * permitted" before it does anything (the caddy row: checked on the team daemon, as root and as UID 1000). Those are
 * given back; what else it needs stays the authors' call.
 */
function fileCapsLeftOut(s: ServiceLink, img: ServiceImage, have: string[]): Finding | undefined {
  const files = binaryFileCaps(img);
  const missing = (files?.caps ?? []).filter((c) => !have.includes(c));
  if (!files || !missing.length) return undefined;
  const message =
    `its cap_drop: [ALL] leaves out ${missing.join(', ')}, which its image's binaries carry as a file capability (${files.where.slice(0, 2).join('; ')}): ` +
    `the kernel refuses to run such a binary ("operation not permitted") unless the capability stays in the bounding set, whoever runs it`;
  const change = addListItems(s, 'cap_add', missing);
  if (typeof change === 'string') return serviceNote(ID, CIS, s, `${message}; ${change}`, `Add ${missing.join(', ')} to cap_add by hand.`);
  return serviceFix(ID, CIS, s, `give back ${missing.join(', ')}: ${message}${imageProvenance(img, true)}`, change);
}

/**
 * What cap_add and cap_drop say together that Docker does not do as written (moby oci/caps/utils.go TweakCapabilities):
 * `cap_add: [ALL]` adds every capability except those cap_drop names one by one, so a cap_drop: [ALL] beside it drops
 * nothing; and a capability named in both lists is added after the drop, so it is kept.
 */
function capContradiction(s: ServiceLink): Finding | undefined {
  const add = capList(s, 'cap_add');
  const drop = capList(s, 'cap_drop');
  if (add.includes('ALL')) {
    const kept = drop.includes('ALL') ? 'its cap_drop: [ALL] drops nothing' : drop.length ? `only ${drop.join(', ')} stay dropped` : 'nothing is dropped';
    return serviceNote(ID, CIS, s, `cap_add: [ALL] gives the container every capability (Docker adds all but those cap_drop names one by one): ${kept}`, 'Replace cap_add: [ALL] with the capabilities the service needs, and add cap_drop: [ALL].');
  }
  const both = drop.filter((c) => c !== 'ALL' && add.includes(c));
  if (both.length) {
    return serviceNote(ID, CIS, s, `cap_drop and cap_add both name ${both.join(', ')}: Docker adds cap_add after the drop, so ${both.length > 1 ? 'they are' : 'it is'} kept`, `Remove ${both.join(', ')} from cap_drop if the service needs ${both.length > 1 ? 'them' : 'it'}, or from cap_add if it does not.`, 'note');
  }
  return undefined;
}

/**
 * Healthcheck commands that, run as root, read a file the service's own user keeps private. A healthcheck runs
 * inside the container (an exec) as the container's user with the container's capabilities: for an image that
 * starts as root and steps down (rabbitmq), that is root without the capabilities cap_drop took, and root reads
 * another user's mode-0400 file only with CAP_DAC_READ_SEARCH (or DAC_OVERRIDE; capabilities(7),
 * fs/namei.c generic_permission).
 * - rabbitmq's CLI tools (rabbitmq-diagnostics, rabbitmqctl, …) read the Erlang cookie from $HOME: the image links
 *   /root/.erlang.cookie to /var/lib/rabbitmq/.erlang.cookie (docker-library/rabbitmq Dockerfile-ubuntu.template:
 *   `ln -sf "$RABBITMQ_DATA_DIR/.erlang.cookie" /root/.erlang.cookie`), which the server creates as rabbitmq, mode
 *   0400 ("Error when reading /var/lib/rabbitmq/.erlang.cookie: eacces", docker-library/rabbitmq#695).
 */
const PRIVATE_READS: { command: RegExp; caps: string[]; why: string }[] = [
  {
    command: /(^|[\s/"'])(rabbitmq-(diagnostics|plugins|queues|upgrade)|rabbitmqctl)(\s|$|["'])/,
    caps: ['DAC_READ_SEARCH'],
    why: 'runs the rabbitmq CLI as root: it reads the Erlang cookie the server keeps as rabbitmq with mode 0400 (/root/.erlang.cookie links to /var/lib/rabbitmq/.erlang.cookie)',
  },
];

/** What the service's healthcheck (compose, else the Dockerfile's HEALTHCHECK) needs when it runs as root; undefined otherwise. */
function healthcheckNeeds(s: ServiceLink, img: ServiceImage): { caps: string[]; why: string } | undefined {
  const user = runtimeUser(s, img);
  if (!user.known || !user.root) return undefined;
  const hc = s.effective.healthcheck as { test?: unknown; disable?: unknown } | undefined;
  let text: string | undefined;
  if (hc && typeof hc === 'object' && hc.disable !== true && hc.test !== undefined) {
    const test = hc.test;
    if (Array.isArray(test)) {
      if (test[0] === 'NONE') return undefined;
      text = test.slice(test[0] === 'CMD' || test[0] === 'CMD-SHELL' ? 1 : 0).map(String).join(' ');
    } else if (typeof test === 'string') text = test;
  } else if (!hc && img.base) {
    const last = img.base.chain.flatMap((st) => effectiveInstructions(st)).filter((i) => i.keyword === 'HEALTHCHECK').pop();
    if (last && !/^\s*NONE\b/i.test(last.args.join(' '))) text = last.args.join(' ');
  }
  if (!text) return undefined;
  const hit = PRIVATE_READS.find((r) => r.command.test(text!));
  return hit ? { caps: hit.caps, why: hit.why } : undefined;
}

/**
 * Why a root-started service needs NET_BIND_SERVICE on the host network (`it listens on 80`, `the ports it
 * listens on are not known`), in any compose project that runs it with `network_mode: host`; undefined where
 * no project does, where every port it listens on is 1024 or above, or where it runs as a non-root user from
 * the start (cap_add gives such a process nothing without file capabilities).
 */
function hostNetworkBind(ctx: TransformContext, s: ServiceLink, img: ServiceImage): string | undefined {
  const user = runtimeUser(s, img);
  if (user.known && !user.root) return undefined;
  for (const run of serviceRuns(ctx.project, s)) {
    if (run.merged.network_mode !== 'host') continue;
    const seen = listeningPorts(s, img, ctx.project, run.merged);
    const ports = [...new Set([...seen.ports, ...(seen.observed ? [] : img.facts?.ports ?? [])])].sort((a, b) => a - b);
    const low = ports.filter((p) => p < 1024);
    if (low.length) return `it listens on ${low.join(', ')}`;
    if (seen.unknown || ports.length === 0) return 'the ports it listens on are not known';
  }
  return undefined;
}

/** Capabilities the service's process needs, or why that is not known. */
function capsNeeded(ctx: TransformContext, s: ServiceLink, img: ServiceImage): string[] | string {
  if (img.buildElsewhere) return 'its build context or Dockerfile is not in this repository';
  if (!img.built && !img.image) return 'it names neither an image nor a build';
  if (img.built && !img.base) return 'its Dockerfile has no stage';
  // A binary given file capabilities at build (`RUN setcap cap_net_bind_service=+ep /usr/bin/app`) needs them kept in the
  // bounding set: the kernel grants a file capability only as far as the bounding set allows (capabilities(7): P'(permitted)
  // = ... | (F(permitted) & P(bounding))), and refuses to exec a binary whose effective file capabilities it cannot all grant.
  const built = img.built && img.base ? dockerfileFileCaps(img.base.chain, img.dockerfile?.parsed.escape ?? '\\') : { caps: [], where: [] };
  if (!built) return 'its Dockerfile grants file capabilities with setcap, and which ones is not known here (a variable), so cap_drop: [ALL] might void them';
  if (!img.built && !img.facts) return `unknown image ${img.image}${imageProvenance(img)}: which capabilities it needs is not known`;
  // Root reached through sudo/doas holds only the bounding set: with ALL dropped it cannot even switch its real IDs
  // (SETUID, SETGID: on the team daemon sudo failed "unable to change to root gid: Operation not permitted" under
  // cap_drop ALL), and what the command it runs needs as root is not known here.
  const stepsUp = startEscalations(serviceStart(ctx.project, s, img.dockerfile, img.base));
  if (stepsUp.length) return `its start runs ${stepsUp.slice(0, 3).join(', ')} to become root, and what it needs as root is not known`;
  const user = runtimeUser(s, img);
  // Binaries with file capabilities (caddy's setcap) cannot even be executed without them, whoever runs them. Not one
  // outside Docker's default set that the service does not add (tracecat's `setcap cap_sys_admin,cap_dac_override+ep
  // /usr/bin/mount`): that binary cannot be executed today either, and giving it back would hand the container a
  // capability it never had (CIS 5.3: SYS_ADMIN); beyondDefaultFileCaps says so in the finding.
  const builtCaps = built.caps.filter((c) => DOCKER_DEFAULT_CAPABILITIES.includes(c) || capList(s, 'cap_add').includes(c));
  const fileCaps = [...new Set([...(img.facts?.fileCapabilities ?? []), ...builtCaps])].sort();
  if (user.known && !user.root) {
    // A helper the server runs whose binary carries a file capability (telegraf's ping): exec of it needs the capability in the bounding set.
    const helpers = img.facts?.helperFileCapabilities?.caps ?? [];
    if (helpers.some((c) => !fileCaps.includes(c))) fileCaps.push(...helpers.filter((c) => !fileCaps.includes(c)));
    fileCaps.sort();
    // A setuid helper the image's own entrypoint runs (pgadmin's sudo for postfix) needs its capabilities in the bounding set,
    // also where a compose entrypoint wraps that entrypoint and ends by running it (xencon/aixcl's `exec /entrypoint.sh`).
    const helper = img.facts?.setuidHelperCaps?.length && runsImageEntrypoint(ctx.project, s, img.dockerfile, img.base, img.facts) ? img.facts.setuidHelperCaps : [];
    return helper.length ? [...new Set([...fileCaps, ...helper])].sort() : fileCaps;
  }
  // A USER that leaves the image on root (`USER root` after a non-root stretch, or to undo a base's USER) starts it
  // as root like no USER at all: its entrypoint's drop still runs (memos d14cfa1c4: `USER root`, then su-exec at start).
  const userSetInDockerfile = img.base && !(user.known && user.root) ? img.base.chain.some((st) => effectiveInstructions(st).some((i) => i.keyword === 'USER')) : false;
  if (user.from !== 'compose' && img.facts?.dropsPrivileges && !userSetInDockerfile) {
    // A root start the table knows steps down, but not what it needs (gitea's s6 with sshd as root).
    if (img.facts.capsUnknown) return `${img.image ?? 'its image'} ${img.facts.capsUnknown}`;
    // A compose entrypoint replaces the image's, and the step down lives in the image's entrypoint: without it the
    // process stays root, and root without DAC_OVERRIDE cannot write the data folder the image gave its own user
    // (redis' /data, 999:999 0755) (https://docs.docker.com/reference/compose-file/services/#entrypoint: it "overrides
    // the default entrypoint declared by the service's Docker image").
    const replaced = replacedEntrypoint(ctx, s, img) ?? dockerfileReplacedEntrypoint(ctx, s, img) ?? commandPassedThrough(s, img);
    if (replaced) {
      const own = imagePrivilegeDrop(serviceStart(ctx.project, s, img.dockerfile, img.base));
      if (own) return own.caps;
      return replaced;
    }
    // Starts as root and drops to its own user (gosu, su-exec): the table says what that step needs, plus what a start
    // script of this repository does as root before it (an ENTRYPOINT or a compose entrypoint that runs `chown` and then
    // execs the image's program: CHOWN, DAC_OVERRIDE, FOWNER), since the table knows only the image's own entrypoint.
    const start = serviceStart(ctx.project, s, img.dockerfile, img.base);
    const steps = [...start.scripts.flatMap((x) => x.reading.rootCaps), ...(start.command?.rootCaps ?? [])];
    const configured = configuredCapsNeeded(ctx.project, s, img.facts);
    const table = [...new Set([...img.facts.capsNeeded, ...fileCaps, ...(configured?.caps ?? [])])];
    if (configured) table.sort();
    return steps.some((c) => !table.includes(c)) ? [...new Set([...table, ...steps])].sort() : table;
  }
  // Its start drops privileges: the service's own (compose command:/entrypoint: and the scripts they run,
  // mounted or copied in) where compose sets one, else its image's entrypoint script or command; what that needs.
  const reads = !userSetInDockerfile && user.from !== 'compose' && (img.built ? !!img.dockerfile && !!img.base : !!img.facts);
  const drop = reads ? imagePrivilegeDrop(serviceStart(ctx.project, s, img.dockerfile, img.base)) : undefined;
  if (drop) {
    // Under entrypoint-drop: conditional, non-root-user makes the image's drop conditional and adds USER: wait for it,
    // unless a service built from the same image needs root at start, which keeps USER out (serviceNeedingRoot).
    const imageDrop = img.dockerfile && img.base ? imagePrivilegeDrop(imageStart(ctx.project, img.dockerfile, img.base)) : undefined;
    if (imageDrop && ctx.enabled('dockerfile/non-root-user') && 'conditional' in dropDecision(ctx.options.entrypointDrop, imageDrop) && !siblingNeedsRoot(ctx, img)) {
      return 'its entrypoint drops privileges only when started as root once dockerfile/non-root-user adds USER (entrypoint-drop: conditional)';
    }
    return fileCaps.some((c) => !drop.caps.includes(c)) ? [...new Set([...drop.caps, ...fileCaps])].sort() : drop.caps;
  }
  // An image that stays root and whose root process's needs were checked on an engine (staysRoot): those, where its
  // own entrypoint and command run; a compose entrypoint or command runs something else, whose needs are not known.
  if (!img.built && img.facts?.staysRoot && user.known && user.root && user.from !== 'compose') {
    const own = s.effective.entrypoint === undefined || s.effective.entrypoint === null;
    if (own && servesCommand(s, img.facts.servesFor)) {
      const unless = img.facts.staysRootUnless;
      const env = unless ? serviceEnvironment(s) : undefined;
      if (unless && env && unless.variables.every((v) => !!env.get(v)?.value)) {
        return `it sets ${unless.variables.join(' and ')}, with which ${img.image}'s start ${unless.why}, and what that needs is not known`;
      }
      return [...new Set([...img.facts.capsNeeded, ...fileCaps])].sort();
    }
    const first = composeStarts(s).find((c) => c.via === 'command')?.argv[0];
    if (own && first !== undefined) return `its compose command runs ${first}, not ${img.image}'s own server, and only what that server needs is known`;
  }
  // A Dockerfile's root start whose root daemons' needs were measured (Debian's exim4): those, where compose runs the image's own start.
  if (img.built && img.dockerfile && img.base && user.known && user.root && user.from === 'dockerfile' && composeStarts(s).length === 0) {
    const known = knownRootDaemonCaps(serviceStart(ctx.project, s, img.dockerfile, img.base));
    if (known) return [...new Set([...known.caps, ...fileCaps])].sort();
  }
  if (!user.known && user.from === 'compose') {
    // `user: "${UID}:${GID}"` (bitlbee #171): compose fills the variables from the shell that runs it, or .env; with no
    // value there and no default, who the service runs as is the operator's choice, unknown here (root if they are 0).
    const unset = [...new Set([...user.user.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
    if (unset.length) {
      return `its user: ${user.user} comes from ${unset.join(' and ')}, which ${unset.length > 1 ? 'have' : 'has'} no default here and no value in .env: compose takes ${unset.length > 1 ? 'them' : 'it'} from the environment it runs in, so who it runs as (root, if ${unset.length > 1 ? 'they are' : 'it is'} 0) is not known here`;
    }
    return `its user: ${user.user} is not known here`;
  }
  if (!user.known && user.user !== 'root') return `its Dockerfile's USER ${user.user} is not known at build time`;
  if (!user.known) return `its Dockerfile sets no USER and its base ${img.image ?? '(unresolved)'} is not in the knowledge table`;
  return `runs as root (${user.from === 'dockerfile' ? 'its Dockerfile sets no non-root USER' : `the default user of ${img.image}`})`;
}

/**
 * Where the privilege drop the capabilities are given back for is, when the
 * service's compose entry sets its start (`command of service worker
 * (compose.yaml): gosu app`); undefined for the image's own entrypoint.
 */
function startDropSource(ctx: TransformContext, s: ServiceLink, img: ServiceImage): string | undefined {
  const starts = composeStarts(s);
  if (!starts.length) return undefined;
  const drop = imagePrivilegeDrop(serviceStart(ctx.project, s, img.dockerfile, img.base));
  if (!drop) return undefined;
  // A drop in the image's own entrypoint script (minio's, under a compose `command: server ...`) is still its entrypoint's.
  const imageScripts = img.dockerfile && img.base ? imageStart(ctx.project, img.dockerfile, img.base).scripts.map((x) => x.ref.hostPath) : [];
  const own = drop.script ? !imageScripts.includes(drop.script.ref.hostPath) : starts.some((c) => c.where === drop.where);
  if (!own) return undefined;
  return `its start, which drops privileges with ${drop.drop.tool}${drop.drop.user ? ` ${drop.drop.user}` : ''} (${drop.where})`;
}

/** Whether a service built from the same image as this one starts with a command that needs root (see non-root-user). */
function siblingNeedsRoot(ctx: TransformContext, img: ServiceImage): boolean {
  if (!img.dockerfile || !img.base) return false;
  const stage = imageStages(ctx.project, img.dockerfile).find((st) => st.stage === img.stage);
  return !!stage && !!serviceNeedingRoot(ctx.project, img.dockerfile, stage.base, stage.services);
}

/**
 * Why the image's own entrypoint (the one that steps down to its user) does not run, when the service's compose
 * `entrypoint:` replaces it; undefined when there is none, or when it or a script of this repository it runs calls
 * that entrypoint again (`entrypoint: ["tini", "--", "docker-entrypoint.sh"]`, a wrapper ending in
 * `exec docker-entrypoint.sh "$@"`).
 */
function replacedEntrypoint(ctx: TransformContext, s: ServiceLink, img: ServiceImage): string | undefined {
  const entry = s.effective.entrypoint;
  if (entry === undefined || entry === null) return undefined;
  const script = imageEntrypointName(img);
  const words = (v: unknown) => (Array.isArray(v) ? v.map(String).join(' ') : v === undefined || v === null ? '' : String(v));
  const text = words(entry);
  // `entrypoint: ["sh", "-c"]` with a command that ends in `exec docker-entrypoint.sh mongod`: the image's entrypoint still runs.
  if (text.includes(script) || words(s.effective.command).includes(script)) return undefined;
  const scripts = serviceStartScriptRefs(ctx.project, s, img.dockerfile, img.base).map((r) => ctx.project.files.get(r.hostPath));
  if (scripts.some((f) => f?.kind === 'script' && f.text.includes(script))) return undefined;
  const shown = text.trim() ? text.trim() : '(empty)';
  return `its compose entrypoint ${shown} replaces ${img.image ?? 'its image'}'s ${script}, which is what steps down to its own user: the process stays root and may rely on any capability`;
}

/**
 * Why the image's own entrypoint (the one that steps down to its user) does not run, when the service's Dockerfile sets
 * an ENTRYPOINT of its own that never calls it (FROM postgres + ENTRYPOINT ["/my-start.sh"]): the table's capabilities
 * are that entrypoint's, and the new one's are read from its script where it steps down itself (capsNeeded); undefined
 * when compose sets the entrypoint (replacedEntrypoint judges that) or the Dockerfile's calls the image's again.
 */
function dockerfileReplacedEntrypoint(ctx: TransformContext, s: ServiceLink, img: ServiceImage): string | undefined {
  if (!img.built || !img.dockerfile || !img.base) return undefined;
  if (s.effective.entrypoint !== undefined && s.effective.entrypoint !== null) return undefined;
  const command = composeStarts(s).find((c) => c.via === 'command')?.argv;
  const entry = dockerfileEntrypointReplacing(ctx.project, img.dockerfile, img.base, img.facts, command);
  if (!entry) return undefined;
  return `its Dockerfile's ENTRYPOINT ${entry.text} (${entry.dockerfile} line ${entry.line}) replaces ${img.image ?? 'its base image'}'s ${imageEntrypointName(img)}, which is what steps down to its own user, and ${entry.read ? 'does not step down itself: the process stays root and may rely on any capability' : 'what it runs instead is not read here (a file the build makes, or one not in this repository), so what it needs is not known'}`;
}

/**
 * Why the image's entrypoint does not step down for the service's compose `command:`, when it names another
 * program: the docker-library entrypoints step down only for their server (`[ "$1" = 'redis-server' ]`, see
 * DropCondition) and run anything else with `exec "$@"` as root, so `command: sh -c "... redis-server"` keeps
 * root. Undefined when the command is the image's own, when compose sets none, or when it calls the entrypoint
 * script again (`sh -c "... exec docker-entrypoint.sh redis-server"`).
 */
function commandPassedThrough(s: ServiceLink, img: ServiceImage): string | undefined {
  const cond = img.facts?.dropsFor;
  if (!cond) return undefined;
  const start = composeStarts(s).find((c) => c.via === 'command');
  const first = start?.argv[0];
  if (!start || first === undefined) return undefined;
  const script = imageEntrypointName(img);
  if (start.argv.some((w) => w.includes(script))) return undefined;
  const drops = entrypointDropsFor(cond, first);
  if (drops) return undefined;
  const server = [...cond.words, ...(cond.prefixes ?? []).map((p) => `${p}*`)].join(' or ');
  const said = drops === undefined ? `its compose command starts with ${first}, which is not known here` : `its compose command runs ${first}`;
  return `${said}: ${img.image ?? 'its image'}'s ${script} steps down to its own user only for ${server} and runs any other command as root, so the process stays root and may rely on any capability`;
}

/** File name of the entrypoint or program a knowledge row read its capabilities from (see entrypointProgramName). */
function imageEntrypointName(img: ServiceImage): string {
  return entrypointProgramName(img.facts);
}

/** Whether the image's own server runs under the service's compose command (see ImageFacts.servesFor). */
function servesCommand(s: ServiceLink, servesFor: ImageFacts['servesFor']): boolean {
  if (s.effective.command === undefined || s.effective.command === null) return true;
  if (servesFor === 'any') return true;
  if (!servesFor) return false;
  const first = composeStarts(s).find((c) => c.via === 'command')?.argv[0];
  return first !== undefined && entrypointDropsFor(servesFor, first) === true;
}

/**
 * The host folders a root process that stays root (staysRoot) may write through read-write bind mounts. Root without
 * DAC_OVERRIDE is held to the owner and mode bits like any user (capabilities(7)): a folder Docker makes for a missing
 * host path is root's and works, but one the user made or checked out (./data, owned by UID 1000, 0755) does not. On
 * the team engine a root stand-in under cap_drop ALL stopped at "mkdir: cannot create directory '/data/.minio.sys':
 * Permission denied" over such a folder and ran with DAC_OVERRIDE back; over a named volume it needed nothing.
 * Read-only mounts and the Docker socket (root:docker 0660: root connects as its owner) are left out; a read-write
 * file mount counts (mailpit's database file, owned by whoever made it, is written in place).
 */
function rootBindWrites(s: ServiceLink, img: ServiceImage): string[] {
  if (img.built || !img.facts?.staysRoot) return [];
  const user = runtimeUser(s, img);
  if (!user.known || !user.root || user.from === 'compose') return [];
  return s.volumes.filter((m) => m.type === 'bind' && !m.readOnly && !isDockerSocketMount(m)).map((m) => `${m.source ?? m.hostPath}:${m.target}`);
}
