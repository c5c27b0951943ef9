// Build steps that only root may run, read from a Dockerfile stage as it is written: which RUN, after which
// non-root USER, fails and why. Used by dockerfile/non-root-user twice: to report such a RUN under a USER the
// Dockerfile already has (the build fails there), and to check that a USER it adds itself never lands above one.
//
// What a non-root user cannot do in a build step (Linux permissions, nothing Docker adds):
//   - install or remove system packages (the package database and /usr, /etc are root's);
//   - change accounts (useradd and friends edit /etc/passwd, /etc/group, /etc/shadow);
//   - chown or chmod a file it does not own (chown(2), chmod(2): EPERM for anyone but the owner and root);
//   - write a file under /etc, /usr (but /usr/local), /bin, /sbin, /lib or /root, or create one in a folder root made
//     (EACCES on the folder).
// Who owns a path is what the stage shows: a COPY or ADD without --chown makes what it copies root's whoever the USER
// is (Dockerfile reference: "All new files and directories are created with a UID and GID of 0, unless the optional
// --chown flag specifies"); a WORKDIR or a `mkdir` is made by the user the step runs as (a WORKDIR after a non-root
// USER is that user's under BuildKit); `chown` as root gives a path away. Those count only while it is known who runs
// the step: after an explicit USER, or from the start of a stage whose base the knowledge table knows to run as root
// (an unknown base may already hold the folder, owned by anyone). Paths with variables or globs are not judged.

import path from 'node:path';
import { expandArgs, type DfInstruction, type DfStage, type ParsedDockerfile } from './parse/dockerfile.js';
import { chainInstructions, isRootUser, resolveStageBase, runCommands, workdirs } from './dockerfile-info.js';
import { copyDest, isUnder, mkdirOperands } from './write-paths.js';

/** Package managers and what their root-only subcommands are (they write the package database and /usr, /etc). */
const PACKAGE_STEPS: Record<string, RegExp> = {
  'apt-get': /^(install|update|upgrade|dist-upgrade|remove|purge|autoremove)$/,
  apt: /^(install|update|upgrade|full-upgrade|remove|purge|autoremove)$/,
  apk: /^(add|del|update|upgrade)$/,
  dnf: /^(install|update|upgrade|remove|erase|makecache)$/,
  yum: /^(install|update|upgrade|remove|erase|makecache)$/,
  microdnf: /^(install|update|upgrade|remove)$/,
  zypper: /^(install|in|update|up|remove|rm|refresh|ref)$/,
  'dpkg': /^(-i|--install|-r|--remove|-P|--purge)$/,
};
/** Tools that edit /etc/passwd, /etc/group and /etc/shadow: only root may. */
const ACCOUNT_TOOLS = new Set(['useradd', 'adduser', 'groupadd', 'addgroup', 'usermod', 'groupmod', 'userdel', 'deluser', 'groupdel', 'delgroup', 'chpasswd']);

/**
 * Trees root owns on every Linux base and no base gives to an app user: a write there as non-root fails. /usr/local is
 * left out (some bases give parts of it to their user), as are the runtime folders (/tmp, /run, /dev: `> /dev/null`).
 */
const ROOT_TREES = ['/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/root', '/boot', '/var/lib/apt', '/var/lib/dpkg', '/var/cache/apt', '/var/lib/rpm', '/var/cache/apk'];
/** Shared roots of the distro bases (root's, mode 755): creating a folder right in them needs root. */
const ROOT_FOLDERS = new Set(['/', '/opt', '/srv', '/var', '/var/lib', '/var/log', '/var/cache', '/mnt', '/media']);

function inRootTree(p: string): boolean {
  return !isUnder(p, '/usr/local') && ROOT_TREES.some((t) => isUnder(p, t));
}

/** Who a step of the stage runs as: root, a non-root USER of the file, or not known. */
type Runner = { kind: 'root' } | { kind: 'user'; ins: DfInstruction; name: string } | { kind: 'unknown' };

/** An owner the build gave a path: `contents` covers what lies below it (a COPY into a folder, a chown -R), `self` the path itself. */
interface OwnerEvent {
  path: string;
  /** Set by a COPY or ADD: `contents` are the files it copied, not every path below. */
  copy?: boolean;
  /** Root's, but opened to others (chmod 777, o+w): writes in it work, a chown or chmod does not. */
  writable?: boolean;
  self: boolean;
  contents: boolean;
  root: boolean;
  how: string;
}

export interface RootStep {
  /** The RUN that fails. */
  run: DfInstruction;
  /** The USER it runs under, and the name it gives (variables expanded). */
  user: DfInstruction;
  userName: string;
  /** What in it needs root (`apt-get install, which writes …`, `chown on /app, which root owns (…)`). */
  why: string;
}

/**
 * The first RUN of `stage` that runs as a non-root USER (of this stage or one it builds on in the file) and does what only
 * root may, or undefined. `npmGlobalRoot`: npm's global folder is root's (the chain starts FROM the official node image,
 * whose prefix is /usr/local, and no ENV NPM_CONFIG_PREFIX moves it).
 */
export function firstRootStep(parsed: ParsedDockerfile, stage: DfStage): RootStep | undefined {
  const base = resolveStageBase(parsed, stage);
  const wd = workdirs(base.chain, base.buildArgs, base.globalArgs);
  const facts = base.facts;
  const knownBase = !!facts && !base.builtFrom && facts.family !== 'inspected';
  let runner: Runner = knownBase && !facts!.nonRootByDefault ? { kind: 'root' } : { kind: 'unknown' };
  let npmGlobalRoot = /^(docker\.io\/)?(library\/)?node(:[^$]*|@.*)?$/.test(base.chain[0]?.image ?? '');
  const events: OwnerEvent[] = [];
  // Every path the build showed existing (made, copied to): a `mkdir -p` of one is a no-op.
  const shown = new Set<string>();
  const own = new Set(stage.instructions);
  const rootOwner = (owner: string) => isRootUser(owner.split(':')[0] ?? '');
  const record = (e: OwnerEvent) => events.push(e);
  const madeBy = (p: string, how: string) => {
    if (runner.kind === 'unknown') return;
    record({ path: p, self: true, contents: false, root: runner.kind === 'root', how: `made${runner.kind === 'root' ? ' as root' : ''} by ${how}` });
  };
  for (const ins of chainInstructions(base.chain)) {
    const line = ins.line + 1;
    const cwd = wd.unsure.has(ins) ? undefined : wd.before.get(ins) ?? '/';
    if (ins.keyword === 'USER') {
      const written = ins.args[0] ?? '';
      const scope = new Map<string, string | undefined>(Object.entries(facts?.env ?? {}));
      for (const [k, v] of wd.scopes.get(ins) ?? []) if (v !== undefined || !scope.has(k)) scope.set(k, v);
      const name = written.includes('$') ? expandArgs(written, scope) : written;
      runner = !name || name.includes('$') || !name.trim() ? { kind: 'unknown' } : isRootUser(name) ? { kind: 'root' } : { kind: 'user', ins, name };
    } else if (ins.keyword === 'ENV' && ins.properties.some((p) => /^npm_config_prefix$/i.test(p.name))) {
      npmGlobalRoot = false;
    } else if (ins.keyword === 'WORKDIR') {
      const p = ins.args[0] && !ins.args[0].includes('$') ? path.posix.resolve(wd.before.get(ins) ?? '/', ins.args[0]) : undefined;
      if (!p) continue;
      if (!shown.has(p)) madeBy(p, `WORKDIR ${ins.args[0]}, line ${line}`);
      shown.add(p);
    } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const dest = copyDest(ins, wd.before.get(ins) ?? wd.final, wd.scopes.get(ins));
      if (!dest) continue;
      const chown = ins.flags.find((f) => f.name === 'chown')?.value ?? undefined;
      const root = chown === undefined || rootOwner(chown);
      const args = ins.json ?? ins.args;
      const written = args[args.length - 1] ?? '';
      const sources = args.slice(0, -1).filter((a) => !a.startsWith('--'));
      const how = `${chown === undefined ? 'copied in as root' : `copied in for ${chown}`} by ${ins.keyword}, line ${line}`;
      // Into a folder (`dest/`, `.`, several sources): what lands there gets the owner; the folder itself only when the
      // COPY makes it (a folder the build made before keeps its owner).
      const into = /\/$|^\.$/.test(written) || sources.length > 1;
      record({ path: dest, self: !into || !shown.has(dest), contents: true, copy: true, root, how });
      shown.add(dest);
    } else if (ins.keyword === 'RUN') {
      let dir = cwd;
      for (const argv of runCommands(ins, parsed.escape)) {
        const tool = path.posix.basename(argv[0] ?? '');
        if (tool === 'cd') {
          const to = argv[1];
          dir = to && dir !== undefined && !/[$~*?[]/.test(to) && to !== '-' ? path.posix.resolve(dir, to) : undefined;
          continue;
        }
        const at = (p: string): string | undefined => (/[$*?[{~`]/.test(p) || p === '' ? undefined : p.startsWith('/') ? path.posix.normalize(p) : dir !== undefined ? path.posix.resolve(dir, p) : undefined);
        if (runner.kind === 'user' && own.has(ins)) {
          const why = rootOnlyStep(argv, npmGlobalRoot) ?? ownershipStep(argv, tool, at, events, shown);
          if (why) return { run: ins, user: runner.ins, userName: runner.name, why };
        }
        // What the step makes, and gives away, for the steps after it.
        if (tool === 'mkdir') {
          for (const op of mkdirOperands(argv)) {
            const p = at(op);
            if (!p) continue;
            if (!shown.has(p)) madeBy(p, `the RUN at line ${line}`);
            shown.add(p);
          }
        } else if (tool === 'chmod' && runner.kind === 'root') {
          // Root opening a folder to everyone (777, o+w): anyone may write in it now, though only root may chown it.
          const ops = operands(argv);
          const mode = ops[0] ?? '';
          const recursive = argv.some((w) => /^-[A-Za-z]*R/.test(w) || w === '--recursive');
          const open = /^[0-7]*[2367][2367]$/.test(mode) || /(^|,)[ugoa]*[go][ugoa]*[+=][rxXst]*w/.test(mode);
          if (!open) continue;
          for (const op of ops.slice(1)) {
            const p = at(op);
            if (!p) continue;
            const before = ownerOf(p, events, true);
            record({ path: p, self: true, contents: recursive, root: before?.root ?? false, writable: true, how: before?.how ?? `made writable by the RUN at line ${line}` });
          }
        } else if (tool === 'chown' && runner.kind === 'root') {
          const ops = operands(argv);
          const recursive = argv.some((w) => /^-[A-Za-z]*R/.test(w) || w === '--recursive');
          const owner = ops[0];
          if (!owner || owner.includes('$')) continue;
          for (const op of ops.slice(1)) {
            const p = at(op);
            if (p) record({ path: p, self: true, contents: recursive, root: rootOwner(owner), how: `given to ${owner} by the RUN at line ${line}` });
          }
        }
      }
    }
  }
  return undefined;
}

/** Non-option words of a command after its name (`--` ends the options). */
function operands(argv: readonly string[]): string[] {
  const out: string[] = [];
  let opts = true;
  for (const w of argv.slice(1)) {
    if (opts && w === '--') opts = false;
    else if (opts && w.startsWith('-') && w !== '-') continue;
    else out.push(w);
  }
  return out;
}

/**
 * Who owns `p` as the build shows it: the last step that gave it (or a folder above it, for what lies below) an owner;
 * else root inside the system's trees; else not known. `copied`: count what a COPY put below a folder (a file that
 * exists); a new file a step writes there is judged by its folder instead.
 */
function ownerOf(p: string, events: readonly OwnerEvent[], copied: boolean): { root: boolean; how: string; writable?: boolean } | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if ((e.self && e.path === p) || (e.contents && (copied || !e.copy) && p !== e.path && isUnder(p, e.path))) return e;
  }
  if (inRootTree(p)) return { root: true, how: `under ${ROOT_TREES.find((t) => isUnder(p, t))}` };
  return undefined;
}

/** Why a chown, chmod or file write of a non-root user fails on what the build made root's, or undefined. */
function ownershipStep(argv: readonly string[], tool: string, at: (p: string) => string | undefined, events: readonly OwnerEvent[], shown: Set<string>): string | undefined {
  const ops = operands(argv);
  if (tool === 'chown' || tool === 'chgrp' || tool === 'chmod') {
    if (argv.some((w) => w.startsWith('--reference'))) return undefined;
    const recursive = argv.some((w) => /^-[A-Za-z]*R/.test(w) || w === '--recursive');
    for (const op of ops.slice(1)) {
      const p = at(op);
      if (!p) continue;
      const o = ownerOf(p, events, true);
      if (o?.root) return `${tool} on ${p}, which root owns (${o.how})`;
      if (!recursive) continue;
      // A folder of the user's own holding what a COPY without --chown put there (WORKDIR as the user, `COPY . .`).
      const inside = events.find((e, i) => e.root && e.contents && isUnder(e.path, p) && !events.slice(i + 1).some((l) => !l.root && l.contents && isUnder(e.path, l.path)));
      if (inside) return `${tool} -R on ${p}, whose contents root owns (${inside.how})`;
    }
    return undefined;
  }
  const targets: string[] = [];
  const add = (w: string | undefined) => {
    const p = w ? at(w) : undefined;
    if (p) targets.push(p);
  };
  // Redirections (`> /etc/x`, `>>/etc/x`, `2>/x`): the shell opens the file for the command, whatever it is.
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    const m = /^[0-9]?>>?(.*)$/.exec(w);
    if (!m || /^[0-9]?>>?&/.test(w)) continue;
    add(m[1] || argv[i + 1]);
  }
  const files = ops.filter((w) => !/^[0-9]?>/.test(w));
  const mkdirNew = tool === 'mkdir' && !argv.some((w) => /^-[A-Za-z]*p/.test(w) || w === '--parents');
  if (tool === 'tee' || tool === 'touch') files.forEach((f) => add(f));
  else if (tool === 'sed' && argv.some((w) => /^-[A-Za-z]*i/.test(w) || w.startsWith('--in-place'))) files.slice(argv.some((w) => w === '-e' || w === '-f' || w.startsWith('--expression') || w.startsWith('--file')) ? 0 : 1).forEach((f) => add(f));
  else if ((tool === 'cp' || tool === 'mv' || tool === 'ln' || tool === 'install') && files.length >= 2 && !argv.some((w) => w === '-t' || w.startsWith('--target-directory'))) add(files[files.length - 1]);
  else if (tool === 'mkdir') mkdirOperands(argv).forEach((f) => add(f));
  for (const t of targets) {
    if (tool === 'mkdir' && shown.has(t)) continue; // mkdir -p of a folder the build has: nothing written
    const o = ownerOf(t, events, false);
    if (o && (!o.root || o.writable)) continue; // the user's own file or folder, or one under a folder given to it
    if (o?.root) return `${tool} writing ${t}, which root owns (${o.how})`;
    const parent = path.posix.dirname(t);
    if (parent === t) continue;
    const po = ownerOf(parent, events, false);
    if (po?.writable) continue;
    if (po?.root) return `${tool} writing ${t} in ${parent}, which root owns (${po.how})`;
    // A new folder right in a shared root of the base (/opt, /srv, /var/lib): root's on every distro base. Only a
    // plain `mkdir` says the folder is new (with -p it may be the base's, already there and owned by anyone).
    if (!po && mkdirNew && ROOT_FOLDERS.has(parent)) return `mkdir making ${t} in ${parent}, which root owns (a folder of the base system)`;
  }
  return undefined;
}

/** Why one command of a RUN needs root whoever owns what, or undefined. */
function rootOnlyStep(argv: readonly string[], npmGlobalRoot: boolean): string | undefined {
  let i = 0;
  while (i < argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]!)) i++; // DEBIAN_FRONTEND=noninteractive apt-get …
  const words = argv.slice(i);
  const tool = path.posix.basename(words[0] ?? '');
  const rest = words.slice(1);
  const sub = rest.find((w) => !w.startsWith('-') || (tool === 'dpkg' && PACKAGE_STEPS.dpkg!.test(w)));
  if (tool in PACKAGE_STEPS && tool !== 'dpkg' && sub && PACKAGE_STEPS[tool]!.test(sub)) return `${tool} ${sub}, which writes the package database and system folders`;
  if (tool === 'dpkg' && rest.some((w) => PACKAGE_STEPS.dpkg!.test(w))) return 'dpkg, which writes the package database and system folders';
  if (ACCOUNT_TOOLS.has(tool)) return `${tool}, which edits /etc/passwd and /etc/group`;
  // npm, pnpm and yarn install global packages under the prefix of the node that runs them (/usr/local in the official
  // node images, root's: nodejs/docker-node's Dockerfiles); an ENV NPM_CONFIG_PREFIX moves it (npm's `prefix` config).
  // Another base may have given its user that folder: not judged.
  const global = rest.some((w) => w === '-g' || w === '--global' || w === '--location=global');
  if (npmGlobalRoot && global && (tool === 'npm' || tool === 'pnpm') && rest.some((w) => /^(install|i|add|update|up|link)$/.test(w))) return `${tool} ${rest.filter((w) => !w.startsWith('-'))[0] ?? 'install'} -g, which writes the global prefix (/usr/local, root's)`;
  if (npmGlobalRoot && tool === 'yarn' && rest[0] === 'global' && rest[1] === 'add') return "yarn global add, which writes the global prefix (/usr/local, root's)";
  return undefined;
}
