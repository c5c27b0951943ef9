// dockerfile/non-root-user: the final stage runs as a non-root user.
// Reuse a user the Dockerfile or the base image already has (node, ubuntu on
// 24.04), create one with the distro's own tool, or use a numeric USER where
// there is no shell (scratch, distroless). The user gets the directories the
// app writes (VOLUMEs, named volumes compose mounts, data directories made in
// RUN) and a HOME it owns. Images whose entrypoint drops root itself, Windows
// images and bases we cannot identify are reported, never guessed at.
import path from 'node:path';
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Edit, Finding, HardenOptions, MigrationNote } from '../../src/types.js';
import type { DockerfileSource, ServiceLink } from '../../src/model.js';
import type { DfInstruction, DfStage } from '../../src/parse/dockerfile.js';
import { effectiveInstructions } from '../../src/parse/dockerfile.js';
import {
  finalStage,
  resolveStageBase,
  effectiveUser,
  isRootUser,
  usersCreatedIn,
  chainInstructions,
  runScript,
  workdirs,
  imageStages,
  type StageBase,
} from '../../src/dockerfile-info.js';
import { insertAfter, insertBefore, appendAtEnd, keyword } from '../../src/edits.js';
import { shellCommands, lookupImage, type Distro } from '../../src/knowledge/images.js';
import { parseImageRef } from '../../src/parse/image-ref.js';
import { composeUser, dockerVolumeName, volumePeers } from '../../src/compose-service.js';
import { shellQuote } from '../../src/text.js';
import { leftAlone } from '../../src/roles.js';

const ID = 'dockerfile/non-root-user';
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
      'data directories created in RUN, HOME) are created and chowned before any VOLUME; application code stays root-owned unless --chown-workdir.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const df of ctx.project.dockerfiles) out.push(...checkDockerfile(ctx, df));
    return out;
  },
};

function checkDockerfile(ctx: TransformContext, df: DockerfileSource): Finding[] {
  const out: Finding[] = [];
  for (const { stage, base, services: users } of imageStages(ctx.project, df)) {
    const finding = checkStage(ctx, df, stage, base, users);
    if (finding) out.push(finding);
  }
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

  if (parsed.escape === '`' && !facts) {
    return report('looks like a Windows Dockerfile (escape=`); left untouched', 'Windows containers are out of scope: run as ContainerUser by hand.', 'note');
  }
  if (facts?.outOfScope) return report(`${base.image} is a Windows image; left untouched`, facts.outOfScope, 'note');
  if (user.known && !user.root) return undefined;
  if (facts?.swapTo) {
    if (ctx.enabled('nginx/unprivileged')) return undefined; // that transform swaps the image instead
    return report(`${base.image} runs its master process as root`, `Use ${facts.swapTo} (enable nginx/unprivileged).`);
  }
  if (facts?.dropsPrivileges) {
    // Even after an explicit `USER root`: the entrypoint needs root to chown its data and then drops it.
    return report(
      `${base.image} starts as root and drops to its own user in the entrypoint; adding USER would break it`,
      'Nothing to do in the Dockerfile; compose/cap-drop gives the entrypoint only the capabilities it needs.',
      'note',
    );
  }
  if (!user.known && user.instruction) {
    return report(`the final stage runs as ${user.user}, which is not known at build time`, 'Make sure the build argument names a non-root user.', 'note');
  }
  if (base.unresolved && !base.distro) {
    return report(`cannot tell the base image (${base.unresolved}) or its distro; no user added`, `Add a non-root USER by hand, or give the build argument a default.`);
  }
  if (!facts && !base.distro) {
    return report(
      `unknown base image ${base.image}: cannot tell whether it has a shell or a user at UID ${ctx.options.uid}`,
      `Check the image, then add a user and USER by hand (see the README for the commands per distro).`,
    );
  }

  const shared = sharedUid(ctx, services);
  const plan = planUser(ctx.options, base, parsed.escape, shared);
  if (!plan) {
    return report(`no known way to create a user on ${base.distro ?? 'this base'}`, 'Add a non-root USER by hand.');
  }
  const layout = ownership(ctx.options, df, stage, base, plan, services);
  const edits = [...layout.copyEdits, ...placeEdits(df, stage, plan, layout.dirs), ...descendantEdits(df, stage, plan)];

  const what = plan.create
    ? `create user ${plan.name} (UID ${plan.uid})`
    : plan.shell || plan.name === plan.user
      ? `switch to the existing user ${plan.user}`
      : `switch to numeric USER ${plan.user} (${plan.name}; no shell to create a user)`;
  const parts = [`final stage runs as root: ${what}`];
  if (layout.dirs.length) parts.push(`chown ${layout.dirs.join(', ')}`);
  if (layout.copied.length) parts.push(`COPY --chown into ${layout.copied.join(', ')}`);
  if (layout.underRoot.length) parts.push(`named volumes at ${layout.underRoot.join(', ')} sit under /root, which ${plan.user} cannot enter: move their targets`);
  if (layout.unowned.length) parts.push(`cannot chown ${layout.unowned.join(', ')} (no shell): COPY them in with --chown=${plan.owner}`);
  if (base.distroGuessed) parts.push(`distro guessed from RUN: ${base.distro}`);
  if (shared && plan.create) parts.push(`UID ${plan.uid} shared with service ${shared.service} over volume ${shared.volume}`);
  if (shared && !plan.create && plan.uid !== shared.uid) {
    parts.push(`service ${shared.service} shares volume ${shared.volume} but runs as UID ${shared.uid}: make them match`);
  }
  const notes = migrationNotes(services, plan, layout.codeDirs);
  if (notes.some((n) => n.kind === 'bind-mount')) parts.push(`bind mounts keep host ownership: prepare them for ${plan.owner} (see notes)`);
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

interface UserPlan {
  /** What goes after USER. */
  user: string;
  name: string;
  uid?: number;
  gid?: number;
  /** Owner for chown and COPY --chown: `uid:gid`, or the name when the UID is not known. */
  owner: string;
  /** Shell command that creates the user; undefined when the user exists. */
  create?: string;
  /** HOME to set with ENV (for a user we create). */
  home?: string;
  /** A home directory the creation command does not make itself (BusyBox `adduser -H`). */
  makeHome?: string;
  /** Whether RUN works in this image (no shell on scratch/distroless). */
  shell: boolean;
}

function ownerOf(name: string, uid?: number, gid?: number): string {
  if (uid === undefined) return name;
  return gid === undefined ? String(uid) : `${uid}:${gid}`;
}

function planUser(opts: HardenOptions, base: StageBase, escape: string, sharedUidValue?: { uid: number; gid: number }): UserPlan | undefined {
  const facts = base.facts;
  const distro = base.distro;
  // No shell: only a numeric USER works on scratch (no /etc/passwd); distroless has nonroot 65532.
  if (distro === 'scratch') return { user: '65534:65534', name: 'nobody', uid: 65534, gid: 65534, owner: '65534:65534', shell: false };
  if (distro === 'distroless' || facts?.hasShell === false) {
    return { user: '65532:65532', name: 'nonroot', uid: 65532, gid: 65532, owner: '65532:65532', shell: false };
  }
  const created = usersCreatedIn(base.chain, escape);
  const known = (name: string) => {
    const c = [...created].reverse().find((u) => u.name === name);
    if (c) return { uid: c.uid, gid: c.gid ?? c.uid };
    if (facts?.existingUser?.name === name) return { uid: facts.existingUser.uid, gid: facts.existingUser.gid };
    return undefined;
  };
  // A stage that switched to a non-root user and back to root: that user is the author's choice.
  const earlier = chainInstructions(base.chain).filter((i) => i.keyword === 'USER' && i.args[0] && !isRootUser(i.args[0]) && !i.args[0].includes('$'));
  const chosen = earlier[earlier.length - 1]?.args[0];
  if (chosen) {
    const [name, group] = chosen.split(':');
    const numeric = /^\d+$/.test(name!) ? Number(name) : undefined;
    const ids = numeric !== undefined ? { uid: numeric, gid: group && /^\d+$/.test(group) ? Number(group) : undefined } : known(name!);
    return { user: chosen, name: name!, uid: ids?.uid, gid: ids?.gid, owner: ownerOf(name!, ids?.uid, ids?.gid), shell: true };
  }
  const last = created[created.length - 1];
  if (last) {
    return { user: last.name, name: last.name, uid: last.uid, gid: last.gid, owner: ownerOf(last.name, last.uid, last.gid), shell: true };
  }
  const existing = facts?.existingUser;
  if (existing) {
    return { user: existing.name, name: existing.name, uid: existing.uid, gid: existing.gid, owner: `${existing.uid}:${existing.gid}`, shell: true };
  }
  const ids = sharedUidValue ?? { uid: opts.uid, gid: opts.gid };
  const o = { ...opts, ...ids };
  const create = createCommand(distro, o, facts?.needsShadowUtils === true, mayShipUbuntuUser(base, ids.uid));
  if (!create) return undefined;
  const home = `/home/${opts.userName}`;
  return {
    user: opts.userName,
    name: opts.userName,
    uid: ids.uid,
    gid: ids.gid,
    owner: `${ids.uid}:${ids.gid}`,
    create,
    home,
    makeHome: distro === 'alpine' ? home : undefined,
    shell: true,
  };
}

/**
 * Ubuntu 23.04+ ships user `ubuntu` at 1000, so `useradd -u 1000` fails there. When the
 * base may be such an image and we cannot tell (an unresolved tag, a base known only
 * by its apt-get), the command removes `ubuntu` first, as the mariadb image does.
 */
function mayShipUbuntuUser(base: StageBase, uid: number): boolean {
  if (uid !== 1000) return false;
  if (base.facts) return base.facts.distro === 'ubuntu' && !base.facts.existingUser && base.facts.uncertain !== undefined;
  return base.distroGuessed && base.distro === 'debian';
}

/** The command that creates a system user with no login shell, per distro family (KNOWLEDGE.md, "Creating a user"). */
function createCommand(distro: Distro | undefined, o: HardenOptions, needsShadowUtils: boolean, dropUbuntu: boolean): string | undefined {
  const n = o.userName;
  const shadow = (shell: string) =>
    `groupadd --system --gid ${o.gid} ${n} && ` +
    `useradd --system --no-log-init --uid ${o.uid} --gid ${n} --create-home --home-dir /home/${n} --shell ${shell} ${n}`;
  switch (distro) {
    case 'debian':
    case 'ubuntu':
      return (dropUbuntu ? 'if id -u ubuntu >/dev/null 2>&1; then userdel --remove ubuntu; fi && ' : '') + shadow('/usr/sbin/nologin');
    case 'alpine':
      // BusyBox: on adduser, -g is GECOS and -G the group; -H: the home is made and chowned with the data directories.
      return `addgroup -S -g ${o.gid} ${n} && adduser -S -D -H -u ${o.uid} -G ${n} -h /home/${n} -s /sbin/nologin ${n}`;
    case 'rhel':
      // Amazon Linux images ship without shadow-utils; yum is dnf's alias on AL2023.
      return (needsShadowUtils ? 'yum install -y shadow-utils && yum clean all && ' : '') + shadow('/sbin/nologin');
    case 'rhel-minimal':
      // ubi-minimal has no useradd until shadow-utils is installed.
      return `microdnf install -y shadow-utils && microdnf clean all && ${shadow('/sbin/nologin')}`;
    default:
      return undefined;
  }
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
    const plan = planUser(ctx.options, base, parsed.escape);
    return plan?.uid !== undefined && !plan.create ? { uid: plan.uid, gid: plan.gid ?? plan.uid } : undefined;
  }
  if (!s.image) return undefined;
  const facts = lookupImage(parseImageRef(s.image));
  if (!facts?.nonRootByDefault || facts.dropsPrivileges) return undefined;
  return numeric(facts.defaultUser) ?? (facts.existingUser ? { uid: facts.existingUser.uid, gid: facts.existingUser.gid } : undefined);
}

/** Paths where chowning would break the system or is never what an app needs. */
const SYSTEM_PREFIXES = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/proc', '/sys', '/dev', '/boot', '/root', '/tmp', '/var/tmp', '/run', '/var/run', '/var/lib/apt', '/var/lib/dpkg', '/var/cache/apt', '/var/cache/apk', '/var/lib/rpm', '/var/cache/dnf', '/var/cache/yum'];
const SHARED_ROOTS = new Set(['/', '/home', '/opt', '/srv', '/var', '/var/lib', '/var/log', '/var/cache', '/mnt', '/media']);

function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

function isSystemPath(p: string): boolean {
  return SHARED_ROOTS.has(p) || SYSTEM_PREFIXES.some((s) => isUnder(p, s));
}

interface Ownership {
  /** Directories the setup RUN creates and chowns (sorted). */
  dirs: string[];
  /** `COPY --chown` edits for files copied into those directories. */
  copyEdits: Edit[];
  copied: string[];
  /** Paths that need the user but cannot be chowned (no shell, nothing copied there). */
  unowned: string[];
  /** Named-volume targets under /root (mode 700): the user cannot reach them whoever owns them. */
  underRoot: string[];
  /** Where the app's code lives: WORKDIR and COPY destinations (not chowned unless --chown-workdir). */
  codeDirs: string[];
}

/**
 * What the user must own: VOLUMEs of the stage, targets of named volumes compose
 * mounts (a new volume copies the image's ownership), directories RUN lines make
 * with mkdir, the home BusyBox's adduser -H leaves out, and with --chown-workdir the
 * WORKDIR. Files COPY puts there get `--chown`; code elsewhere stays root-owned.
 */
function ownership(opts: HardenOptions, df: DockerfileSource, stage: DfStage, base: StageBase, plan: UserPlan, services: ServiceLink[]): Ownership {
  const parsed = df.parsed;
  const wd = workdirs(base.chain);
  const codeDirs = new Set<string>();
  if (wd.final !== '/') codeDirs.add(wd.final);
  const chain = chainInstructions(base.chain);
  for (const ins of chain) {
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs.length) {
      const dest = copyDest(ins, wd.before.get(ins) ?? '/');
      if (dest) codeDirs.add(dest);
    }
  }
  const binds = services.flatMap((s) => s.volumes.filter((m) => m.type === 'bind').map((m) => m.target));
  const wanted = new Set<string>();
  const add = (p: string) => {
    const clean = path.posix.normalize(p).replace(/(.)\/$/, '$1');
    if (!clean.startsWith('/') || /[$*?{}[\]]/.test(clean) || isSystemPath(clean)) return;
    wanted.add(clean);
  };
  for (const ins of effectiveInstructions(stage)) {
    if (ins.keyword === 'VOLUME') for (const p of ins.json ?? ins.args) add(p);
  }
  const underRoot = new Set<string>();
  for (const s of services) {
    for (const m of s.volumes) {
      if (m.type !== 'volume') continue;
      if (m.target === '/root' || m.target.startsWith('/root/')) underRoot.add(m.target);
      else add(m.target);
    }
  }
  for (const ins of chain) {
    if (ins.keyword !== 'RUN') continue;
    for (const argv of shellCommands(runScript(ins, parsed.escape))) {
      if (argv[0] !== 'mkdir') continue;
      for (const dir of mkdirOperands(argv)) {
        const abs = path.posix.resolve(wd.before.get(ins) ?? '/', dir);
        // A directory that holds the app's code (WORKDIR, a COPY destination, or above one) is not data.
        if ([...codeDirs].some((c) => isUnder(c, abs))) continue;
        if (binds.includes(abs)) continue; // a bind mount hides it anyway
        add(abs);
      }
    }
  }
  if (plan.makeHome) wanted.add(plan.makeHome);
  if (opts.chownWorkdir && wd.final !== '/') wanted.add(wd.final);

  const dirs = [...wanted].sort();
  // Files copied into a directory the user must own get the user too (numeric: it may not exist yet).
  const copyEdits: Edit[] = [];
  const copied = new Set<string>();
  if (plan.uid !== undefined) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      if (ins.heredocs.length || ins.flags.some((f) => f.name === 'chown')) continue;
      const dest = copyDest(ins, wd.before.get(ins) ?? '/');
      const into = dest && dirs.find((d) => isUnder(dest, d));
      if (!into) continue;
      copied.add(into);
      const at = ins.start + ins.keyword.length;
      copyEdits.push({ file: df.path, range: [at, at], text: ` --chown=${plan.owner}` });
    }
  }
  return {
    dirs: plan.shell ? dirs : [],
    copyEdits,
    copied: [...copied].sort(),
    unowned: plan.shell ? [] : dirs.filter((d) => !copied.has(d)),
    underRoot: [...underRoot].sort(),
    codeDirs: [...codeDirs],
  };
}

/** Destination of a COPY/ADD, absolute; undefined when it holds a variable. */
function copyDest(ins: DfInstruction, workdir: string): string | undefined {
  const args = ins.json ?? ins.args;
  const dest = args[args.length - 1];
  if (args.length < 2 || !dest || dest.includes('$')) return undefined;
  return path.posix.resolve(workdir, dest);
}

/** Directory operands of `mkdir [-p] [-m MODE] [--mode=MODE] dir...`. */
function mkdirOperands(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-m' || a === '--mode' || a === '-Z' || a === '--context') i++;
    else if (a === '--') continue;
    else if (!a.startsWith('-') && a !== '') out.push(a);
  }
  return out;
}

/**
 * One-time steps for existing deployments: named volumes made by a root container
 * stay root-owned (chown them once), and bind mounts keep the host's ownership
 * (prepare the host folder). Mounts of the app's code and the Docker socket are not data.
 */
function migrationNotes(services: ServiceLink[], plan: UserPlan, codeDirs: string[]): MigrationNote[] {
  const notes: MigrationNote[] = [];
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
          message: `volume ${m.source} (${vol}, mounted at ${m.target} by ${s.name}) was written as root: chown it once for ${plan.owner}`,
          ...(ids ? { command: `docker run --rm -v ${vol}:/v alpine chown -R ${ids} /v` } : {}),
        });
      } else if (m.type === 'bind') {
        if (m.source.endsWith('docker.sock') || isSystemPath(m.target) || codeDirs.includes(m.target)) continue;
        if (seen.has(`b\0${m.source}`)) continue;
        seen.add(`b\0${m.source}`);
        const [u, g] = (ids ?? plan.name).split(':');
        notes.push({
          kind: 'bind-mount',
          message: `bind mount ${m.source}:${m.target} of ${s.name} hides the image's ownership: the host folder must be owned by ${plan.owner}`,
          command: `install -d -o ${u} -g ${g ?? u} ${shellWord(m.source)}`,
        });
      }
    }
  }
  return notes;
}

/** A host path as one shell word; compose variables (`${DATA_DIR:-./data}`) stay expandable, as the shell reads them alike. */
function shellWord(s: string): string {
  if (/^[\w./~+@%:-]+$/.test(s)) return s;
  if (s.includes('$')) return `"${s.replace(/["\\`]/g, '\\$&')}"`;
  return shellQuote(s);
}

/**
 * Where things go. The setup RUN goes after the last RUN, but before the first
 * VOLUME when a VOLUME comes earlier (changes after VOLUME are discarded).
 * ENV HOME and USER go after the last instruction that needs root (a RUN, or a
 * trailing `USER root`) and before CMD/ENTRYPOINT/HEALTHCHECK.
 */
function placeEdits(df: DockerfileSource, stage: DfStage, plan: UserPlan, dirs: string[]): Edit[] {
  const parsed = df.parsed;
  const list = effectiveInstructions(stage);
  const lastRoot = lastIndex(list, (i) => i.keyword === 'RUN' || (i.keyword === 'USER' && isRootUser(i.args[0] ?? '')));
  const firstVolume = list.findIndex((i) => i.keyword === 'VOLUME');
  const K = (k: string) => keyword(parsed, k);

  const setup: string[] = [];
  const prepareDirs = dirs.length && plan.shell ? `mkdir -p ${dirs.join(' ')} && chown ${plan.owner} ${dirs.join(' ')}` : '';
  if (plan.create || prepareDirs) {
    const cmds = [plan.create, prepareDirs].filter(Boolean) as string[];
    setup.push(`${K('RUN')} ${cmds.join(` ${parsed.escape}${parsed.eol}    && `)}`);
  }
  const tail: string[] = [];
  if (plan.home) tail.push(`${K('ENV')} HOME=${plan.home}`);
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
 */
function descendantEdits(df: DockerfileSource, stage: DfStage, plan: UserPlan): Edit[] {
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
    if (firstUser < 0) edits.push(...placeEdits(df, child, { ...plan, create: undefined, home: undefined }, []));
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

function lastIndex<T>(list: T[], pred: (x: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return i;
  return -1;
}
