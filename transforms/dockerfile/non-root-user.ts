// dockerfile/non-root-user: the final stage runs as a non-root user.
// Reuse a user the base image ships (node, ubuntu on 24.04), create one with
// the distro's own tool, or use a numeric USER where there is no shell
// (scratch, distroless). Images whose entrypoint drops root itself, Windows
// images and bases we cannot identify are reported, never guessed at.
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Edit, Finding, HardenOptions } from '../../src/types.js';
import type { DockerfileSource, ServiceLink } from '../../src/model.js';
import type { DfStage } from '../../src/parse/dockerfile.js';
import { effectiveInstructions } from '../../src/parse/dockerfile.js';
import { finalStage, resolveStageBase, effectiveUser, runShellText, isRootUser, type StageBase } from '../../src/dockerfile-info.js';
import { insertAfter, insertBefore, appendAtEnd, keyword } from '../../src/edits.js';
import type { Distro } from '../../src/knowledge/images.js';

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
      'The final stage gets a USER: the base image\'s own non-root user where it has one, else a system user created at --uid/--gid ' +
      'with no login shell; directories the app writes (VOLUMEs, named volumes compose mounts) are created and chowned before any VOLUME.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const df of ctx.project.dockerfiles) out.push(...checkDockerfile(ctx, df));
    return out;
  },
};

function checkDockerfile(ctx: TransformContext, df: DockerfileSource): Finding[] {
  const parsed = df.parsed;
  const services = ctx.project.servicesByDockerfile.get(df.path) ?? [];
  const targets = [...new Set(services.map((s) => s.build?.target))];
  if (targets.length === 0) targets.push(undefined);
  const out: Finding[] = [];
  const done = new Set<number>();
  for (const target of targets) {
    const stage = finalStage(parsed, target);
    if (!stage || done.has(stage.index)) continue;
    done.add(stage.index);
    const users = services.filter((s) => s.build?.target === target);
    const base = resolveStageBase(parsed, stage, users[0]?.build?.args ?? {});
    const finding = checkStage(ctx, df, stage, base, users);
    if (finding) out.push(finding);
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
  if (facts?.dropsPrivileges && !user.instruction) {
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

  const plan = planUser(ctx.options, base);
  if (!plan) {
    return report(`no known way to create a user on ${base.distro ?? 'this base'}`, 'Add a non-root USER by hand.');
  }
  const writePaths = writablePaths(stage, services);
  const edits = placeEdits(df, stage, plan, writePaths);
  const what = plan.create ? `create user ${plan.name} (UID ${plan.uid})` : `switch to the image's user ${plan.user}`;
  const chowned = writePaths.length && plan.shell ? `; chown ${writePaths.join(', ')}` : '';
  return {
    transform: ID,
    file: df.path,
    range: at,
    message: `final stage runs as root: ${what}${chowned}${base.distroGuessed ? ` (distro guessed from RUN: ${base.distro})` : ''}`,
    severity: 'warning',
    cis: CIS,
    fix: { edits },
  };
}

interface UserPlan {
  /** What goes after USER. */
  user: string;
  name: string;
  uid: number;
  gid: number;
  /** Shell command that creates the user; undefined when the user exists. */
  create?: string;
  home?: string;
  /** Whether RUN works in this image (no shell on scratch/distroless). */
  shell: boolean;
}

function planUser(opts: HardenOptions, base: StageBase): UserPlan | undefined {
  const facts = base.facts;
  const existing = facts?.existingUser;
  if (existing) return { user: existing.name, name: existing.name, uid: existing.uid, gid: existing.gid, shell: true };
  const created = userCreatedIn(base.chain);
  if (created) return { user: created, name: created, uid: opts.uid, gid: opts.gid, shell: true };
  const distro = base.distro;
  if (distro === 'scratch') return { user: '65534:65534', name: 'nobody', uid: 65534, gid: 65534, shell: false };
  if (distro === 'distroless' || facts?.hasShell === false) return { user: '65532:65532', name: 'nonroot', uid: 65532, gid: 65532, shell: false };
  const create = createCommand(distro, opts);
  if (!create) return undefined;
  return { user: opts.userName, name: opts.userName, uid: opts.uid, gid: opts.gid, create, home: `/home/${opts.userName}`, shell: true };
}

/** The command that creates a system user with no login shell, per distro family (KNOWLEDGE.md, "Creating a user"). */
function createCommand(distro: Distro | undefined, o: HardenOptions): string | undefined {
  const n = o.userName;
  switch (distro) {
    case 'debian':
    case 'ubuntu':
      return (
        `groupadd --system --gid ${o.gid} ${n} && ` +
        `useradd --system --no-log-init --uid ${o.uid} --gid ${n} --create-home --home-dir /home/${n} --shell /usr/sbin/nologin ${n}`
      );
    case 'alpine':
      // BusyBox: on adduser, -g is GECOS; -G is the group.
      return `addgroup -S -g ${o.gid} ${n} && adduser -S -D -u ${o.uid} -G ${n} -h /home/${n} -s /sbin/nologin ${n}`;
    case 'rhel':
      return `groupadd --system --gid ${o.gid} ${n} && useradd --system --no-log-init --uid ${o.uid} --gid ${n} --create-home --home-dir /home/${n} --shell /sbin/nologin ${n}`;
    case 'rhel-minimal':
      // ubi-minimal has no useradd until shadow-utils is installed.
      return (
        `microdnf install -y shadow-utils && microdnf clean all && ` +
        `groupadd --system --gid ${o.gid} ${n} && useradd --system --no-log-init --uid ${o.uid} --gid ${n} --create-home --home-dir /home/${n} --shell /sbin/nologin ${n}`
      );
    default:
      return undefined;
  }
}

/** A user an earlier RUN already creates (`useradd ... name`, `adduser ... name`): reuse it, never create twice. */
function userCreatedIn(chain: DfStage[]): string | undefined {
  let found: string | undefined;
  for (const stage of chain) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword !== 'RUN') continue;
      for (const m of runShellText(ins).matchAll(/\b(?:useradd|adduser)\b((?:\s+(?:-[-\w]+(?:[ =](?!-)[^\s&;|]+)?|\\\s*))*)\s+([a-z_][a-z0-9_-]*)\b/g)) {
        found = m[2];
      }
    }
  }
  return found;
}

/** Directories the user must own: VOLUMEs of the stage and targets of named volumes compose mounts. */
function writablePaths(stage: DfStage, services: ServiceLink[]): string[] {
  const paths = new Set<string>();
  for (const ins of effectiveInstructions(stage)) {
    if (ins.keyword !== 'VOLUME') continue;
    for (const p of ins.json ?? ins.args) if (p.startsWith('/') && !p.includes('$')) paths.add(p);
  }
  for (const s of services) {
    for (const m of s.volumes) if (m.type === 'volume' && m.target.startsWith('/')) paths.add(m.target);
  }
  return [...paths].sort();
}

/**
 * Where things go. The user setup RUN goes after the last RUN, but before the
 * first VOLUME when a VOLUME comes earlier (changes after VOLUME are discarded).
 * ENV HOME and USER go after the last RUN and before CMD/ENTRYPOINT/HEALTHCHECK.
 */
function placeEdits(df: DockerfileSource, stage: DfStage, plan: UserPlan, writePaths: string[]): Edit[] {
  const parsed = df.parsed;
  const list = effectiveInstructions(stage);
  // Root is needed up to the last RUN, and up to a trailing `USER root` (which must be undone after it).
  const lastRun = lastIndex(list, (i) => i.keyword === 'RUN' || (i.keyword === 'USER' && isRootUser(i.args[0] ?? '')));
  const firstVolume = list.findIndex((i) => i.keyword === 'VOLUME');
  const K = (k: string) => keyword(parsed, k);

  const setup: string[] = [];
  const prepareDirs = writePaths.length && plan.shell ? `mkdir -p ${writePaths.join(' ')} && chown ${plan.uid}:${plan.gid} ${writePaths.join(' ')}` : '';
  if (plan.create || prepareDirs) {
    const cmds = [plan.create, prepareDirs].filter(Boolean) as string[];
    setup.push(`${K('RUN')} ${cmds.join(` ${parsed.escape}${parsed.eol}    && `)}`);
  }
  const tail: string[] = [];
  if (plan.home) tail.push(`${K('ENV')} HOME=${plan.home}`);
  tail.push(`${K('USER')} ${plan.user}`);

  const edits: Edit[] = [];
  // Anchor: the first CMD/ENTRYPOINT/HEALTHCHECK after the last RUN; else the end of the stage.
  const runtime = list.findIndex((i, idx) => idx > lastRun && ['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(i.keyword));
  const anchorIdx = runtime >= 0 ? runtime : list.length;
  // Changes to a path after `VOLUME path` are discarded: chown before the first VOLUME that precedes the anchor.
  if (setup.length > 0 && firstVolume >= 0 && firstVolume < anchorIdx) {
    edits.push(insertBefore(df, parsed, list[firstVolume], setup));
    setup.length = 0;
  }
  const lines = [...setup, ...tail];
  if (runtime >= 0) {
    edits.push(insertBefore(df, parsed, list[runtime], lines));
  } else {
    const last = list[list.length - 1] ?? stage.from;
    const isLastInFile = parsed.instructions[parsed.instructions.length - 1] === last;
    edits.push(isLastInFile ? appendAtEnd(df, parsed, lines) : insertAfter(df, parsed, last, lines));
  }
  return mergeSamePoint(edits);
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
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i])) return i;
  return -1;
}

