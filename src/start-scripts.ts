// What an image does when it starts, read from the repository: the ENTRYPOINT
// and CMD of its stages and the shell scripts they run that a COPY brings from
// the build context (`COPY docker-entrypoint.sh /usr/local/bin/` +
// `ENTRYPOINT ["docker-entrypoint.sh"]`). Two questions are answered here, for
// every transform alike:
//
//   - Does the image drop privileges itself (gosu, su-exec, setpriv, chroot
//     --userspec, s6-setuidgid, runuser, su -c)? Then it must start as root,
//     with the capabilities the drop needs, unless the drop only runs when it
//     is started as root.
//   - Which paths does it create or write at start (mkdir -p, a config rendered
//     with envsubst or sed -i, a file written with > or tee, a sqlite database)?
//     A non-root user needs them made and owned at build time.
//
// Shell is read, never run: an approximation that errs towards "not known".
import path from 'node:path';
import { envFileAssignments, envFileRefs, readEnvFileFromDisk, serviceEnvironment, unresolvedEnvFiles } from './env-files.js';
import { keyWhere } from './compose-service.js';
import { openSync, readSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { observedKey, type DockerfileSource, type Project, type ScriptSource, type ServiceLink } from './model.js';
import type { DfInstruction, DfStage } from './parse/dockerfile.js';
import { effectiveInstructions, expandArgs } from './parse/dockerfile.js';
import { shellCommandConditions, shellCommands, shellPipeSources, type ImageFacts, type ShellConditionState } from './knowledge/images.js';
import { PassMemo, RunMemo } from './pass-memo.js';
import { chainInstructions, instructionPlace, resolveStageBase, runCommands, runShellText, variableScopes, workdirs, type StageBase } from './dockerfile-info.js';
import { copyMappings, mountMappings, resolveContainerPath, type ContainerMapping } from './nginx-files.js';
import { installedAtBuild } from './write-paths.js';
import { execlineAsShell, isExecline } from './execline.js';
import { isDirectory, isFile, isInside, sortedDirEntries } from './read.js';
import { lineStartOf, lineEndOf } from './text.js';
import { frameworkStartWrites, packageStartBuilds, type FrameworkStartText, type ReadContainerFile } from './framework-starts.js';
import { mixReleaseOf, releaseStartWrites } from './elixir-release.js';
import { appCodeDrops, appEntryFiles, type AppCodeReading } from './app-drops.js';
import { withArgumentBranches, withVariableBranches, type KnownEnv } from './case-branches.js';

/** The ENTRYPOINT or CMD the image starts with, as argv (exec form) or shell text. */
export interface StartCommand {
  via: 'ENTRYPOINT' | 'CMD';
  instruction: DfInstruction;
  argv?: string[];
  shell?: string;
  /** Set when a parent image built in this repository sets it and the image inherits it: that image and its Dockerfile. */
  inherited?: { image: string; dockerfile: DockerfileSource };
}

/**
 * The image's effective ENTRYPOINT and CMD along its stage chain: the last of
 * each, where an ENTRYPOINT resets a CMD set in an earlier stage (as a base
 * image's CMD is reset), not one set later in its own stage.
 */
export function startCommands(base: StageBase): StartCommand[] {
  let entrypoint: StartCommand | undefined;
  let cmd: { c: StartCommand; stage: number } | undefined;
  for (const stage of base.chain) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword !== 'ENTRYPOINT' && ins.keyword !== 'CMD') continue;
      const c: StartCommand = { via: ins.keyword, instruction: ins, ...(ins.json ? { argv: ins.json } : { shell: runShellText(ins) }) };
      if (ins.keyword === 'ENTRYPOINT') {
        entrypoint = c;
        if (cmd && cmd.stage !== stage.index) cmd = undefined;
      } else cmd = { c, stage: stage.index };
    }
  }
  return [entrypoint, cmd?.c].filter((c): c is StartCommand => !!c);
}

/**
 * The start commands an image runs: its own chain's (startCommands), and what it
 * leaves unset taken from the parent image built in this repository it is built
 * FROM, through grandparents. Docker keeps a parent's ENTRYPOINT until a child sets
 * one, and its CMD until a child sets a CMD or an ENTRYPOINT
 * (https://docs.docker.com/reference/dockerfile/#understand-how-cmd-and-entrypoint-interact).
 * An image built elsewhere brings its own start, which the knowledge table describes.
 */
export function imageStartCommands(base: StageBase): StartCommand[] {
  const own = startCommands(base);
  const built = base.builtFrom;
  if (!built || own.some((c) => c.via === 'ENTRYPOINT')) return own;
  const inherited = imageStartCommands(built.base)
    .filter((c) => own.length === 0 || c.via === 'ENTRYPOINT')
    .map((c) => (c.inherited ? c : { ...c, inherited: { image: base.image ?? built.parent.image.tag, dockerfile: built.parent.dockerfile } }));
  return [...inherited, ...own];
}

/** One image in the line an image is built on: its own stage chain, then each parent built in this repository, nearest first. */
interface ImageLevel {
  df: DockerfileSource;
  base: StageBase;
}

function imageLevels(df: DockerfileSource, base: StageBase): ImageLevel[] {
  const out: ImageLevel[] = [{ df, base }];
  for (let b = base; b.builtFrom; b = b.builtFrom.base) out.push({ df: b.builtFrom.parent.dockerfile, base: b.builtFrom.base });
  return out;
}

/** What COPY puts into the image from the repository, over every level: a parent's files first, so the child's copies win. */
function levelMappings(project: Project, levels: ImageLevel[]): ContainerMapping[] {
  return [...levels].reverse().flatMap((l) => copyMappings(project, l.df.path, new Set(l.base.chain.map((s) => s.index))));
}

/**
 * levelMappings of the image `base` names (imageLevels), once per pass: an image's start, its start scripts, its
 * shipped scripts and each service's start ask for the same list (about 5 times per image and pass; issue 13).
 * Callers only read it.
 */
function imageLevelMappings(project: Project, df: DockerfileSource, base: StageBase): ContainerMapping[] {
  const known = levelMappingsInPass.get(base, () => []);
  for (const k of known) if (k.df === df && k.project === project) return k.mappings;
  const mappings = levelMappings(project, imageLevels(df, base));
  known.push({ project, df, mappings });
  return mappings;
}

const levelMappingsInPass = new PassMemo<StageBase, { project: Project; df: DockerfileSource; mappings: ContainerMapping[] }[]>();

/** The WORKDIR the image starts in: the last its chain sets, else its built parent's (an inherited WORKDIR), else `/`. */
function imageWorkdir(base: StageBase): string {
  if (!base.builtFrom || chainInstructions(base.chain).some((i) => i.keyword === 'WORKDIR')) return workdirs(base.chain, base.buildArgs, base.globalArgs).final;
  return imageWorkdir(base.builtFrom.base);
}

/** `ENTRYPOINT at line 9`, or for one a parent sets `ENTRYPOINT of org/base in base/Dockerfile at line 9`. */
function commandWhere(c: StartCommand): string {
  return c.inherited ? `${c.via} of ${c.inherited.image} in ${c.inherited.dockerfile.rel} at line ${c.instruction.line + 1}` : `${c.via} at line ${c.instruction.line + 1}`;
}

/** A `where` that already names its line: `CMD at line 20`, `command of service web (docker-compose.yml line 7)`. */
const NAMES_ITS_LINE = /\bline \d+\)?$/;
const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|ash|dash)$/;
/** Init wrappers that run the next word: `tini -- /entrypoint.sh`. */
const INITS = /^(\/usr)?(\/local)?(\/s?bin\/)?(tini|tini-static|dumb-init|catatonit)$/;
const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The command an init wrapper runs (`dumb-init pnpm run start`, `tini -- yarn start`): the words after it and its options. */
function withoutInit(words: readonly string[]): readonly string[] {
  let i = 0;
  while (i < words.length && INITS.test(words[i]!)) {
    i++;
    while (words[i]?.startsWith('-')) i++;
  }
  return i ? words.slice(i) : words;
}

/** Container paths of the scripts a start command runs: `/entrypoint.sh`, `./start.sh`, `sh start.sh`, `bash -c "./run.sh"`. */
function scriptWords(c: { argv?: string[]; shell?: string }): string[] {
  const argv = c.argv ?? shellCommands(c.shell ?? '')[0] ?? [];
  const words = [...argv];
  while (words.length && (INITS.test(words[0]!) || words[0] === 'exec')) {
    words.shift();
    while (words[0]?.startsWith('-')) words.shift();
  }
  const first = words[0];
  if (!first) return [];
  if (SHELLS.test(first)) {
    const rest = words.slice(1);
    const c = rest.indexOf('-c');
    // `sh -c 'chown -R app /data && exec /entrypoint.sh "$@"'`: the first command's program, and every script the text runs after it.
    if (c >= 0) return rest[c + 1] ? [...new Set([...(shellCommands(rest[c + 1]!)[0] ?? []).slice(0, 1), ...scriptsRunBy(rest[c + 1]!)])] : [];
    const script = rest.find((w) => !w.startsWith('-'));
    return script ? [script] : [];
  }
  return [first];
}

/**
 * The arguments a start script is run with, where the start says them: the exec-form words after the script in the
 * ENTRYPOINT (or compose entrypoint), then the exec-form CMD (or compose command) Docker appends to it
 * (https://docs.docker.com/reference/dockerfile/#understand-how-cmd-and-entrypoint-interact); or the words after the
 * script in the CMD that runs it. `starts`: the entrypoint, then the command, as the image or service has them.
 * Undefined (not known) for a shell form, a word with a variable, or a script no start names itself (one a hook folder
 * or another script runs).
 */
function scriptArguments(starts: readonly { argv?: string[]; shell?: string }[], containerPath: string, workdir: string): string[] | undefined {
  for (let k = 0; k < starts.length; k++) {
    const start = starts[k]!;
    const word = scriptWords(start)[0];
    if (!word || !containerPaths(word, workdir).includes(containerPath)) continue;
    if (!start.argv) return undefined;
    const at = start.argv.indexOf(word);
    if (at < 0) return undefined;
    const args = start.argv.slice(at + 1);
    if (k === 0 && starts.length > 1) {
      const cmd = starts[1]!;
      if (!cmd.argv) return undefined;
      args.push(...cmd.argv);
    }
    return args.some((w) => /[$`]/.test(w)) ? undefined : args;
  }
  return undefined;
}

/**
 * A start script as its known arguments and environment run it (withArgumentBranches, withVariableBranches): the same
 * file, its other `case "$1"` branches and the branches of tests on a variable whose value is known blanked.
 */
function withKnownBranches(file: ScriptSource, args: string[] | undefined, env?: KnownEnv): ScriptSource {
  const text = env ? withVariableBranches(withArgumentBranches(file.text, args), env) : withArgumentBranches(file.text, args);
  return text === file.text ? file : { ...file, text };
}

/**
 * What compose says of the variables a container sees, over the image's ENV, for choosing a script's branches.
 * `service`: the service's own (`values` holds what `environment:` sets, null for a name set from the shell or by an
 * env file). `image`: every value the services that run the image set (null: not known); the image's ENV counts only
 * where all of them agree with it. `all`: not known for any name (an env file whose path or text is not read).
 */
export interface BranchEnv {
  mode: 'image' | 'service';
  all?: true;
  values: Record<string, (string | null)[]>;
}

/**
 * The BranchEnv one compose service sets: `environment:` (list or map) over its env files, whose names are not trusted.
 * A service an override file extends runs as either (docker-compose.override.yml, or a -f file chosen per deployment):
 * a name is known where they all agree (`IMAGE_ENV` marks one that leaves the name to the image's ENV).
 */
function serviceBranchEnv(s: ServiceLink): BranchEnv {
  return serviceBranchEnvInPass.get(s, () => readServiceBranchEnv(s));
}

/** Per pass: imageStart asks for every image of a service many times, and env files are read from disk. */
const serviceBranchEnvInPass = new PassMemo<ServiceLink, BranchEnv>();
const imageBranchEnvInPass = new PassMemo<DockerfileSource, BranchEnv>();

function readServiceBranchEnv(s: ServiceLink): BranchEnv {
  if (!s.overrides.length) return ownBranchEnv(s);
  const variants = [s, ...s.overrides].map(ownBranchEnv);
  if (variants.some((v) => v.all)) return { mode: 'service', all: true, values: {} };
  const values: Record<string, (string | null)[]> = {};
  for (const name of new Set(variants.flatMap((v) => Object.keys(v.values)))) values[name] = variants.map((v) => (v.values[name] ? v.values[name]![0]! : IMAGE_ENV));
  return { mode: 'service', values };
}

/** In a service's BranchEnv: this variant of the service leaves the name to the image's ENV. */
const IMAGE_ENV = '\u0000image ENV';

function ownBranchEnv(s: ServiceLink): BranchEnv {
  // An env file may be edited per deployment (docker-openwisp's .env is the user's): a name it sets is not known, nor
  // every name when the file is not read at all.
  if (unresolvedEnvFiles(s).length) return { mode: 'service', all: true, values: {} };
  const values: Record<string, (string | null)[]> = {};
  for (const ref of envFileRefs(s)) {
    const text = readEnvFileFromDisk(ref.path);
    if (text === undefined) {
      if (ref.required) return { mode: 'service', all: true, values: {} };
      continue;
    }
    for (const name of envFileAssignments(text).keys()) values[name] = [null];
  }
  const env = s.effective.environment;
  const set = (name: string, value: unknown) => {
    values[name] = [typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? (String(value).includes('$') ? null : String(value)) : null];
  };
  if (Array.isArray(env)) {
    for (const item of env) {
      if (typeof item !== 'string') continue;
      const eq = item.indexOf('=');
      set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? undefined : item.slice(eq + 1));
    }
  } else if (env && typeof env === 'object') for (const [k, v] of Object.entries(env as Record<string, unknown>)) set(k, v);
  return { mode: 'service', values };
}

/** The BranchEnv of an image as the services that run it see it: every value any of them sets, per name. */
function imageBranchEnv(project: Project, df: DockerfileSource): BranchEnv {
  return imageBranchEnvInPass.get(df, () => readImageBranchEnv(project, df));
}

function readImageBranchEnv(project: Project, df: DockerfileSource): BranchEnv {
  const values: Record<string, (string | null)[]> = {};
  for (const s of project.servicesByDockerfile.get(df.path) ?? []) {
    const one = serviceBranchEnv(s);
    if (one.all) return { mode: 'image', all: true, values: {} };
    for (const [k, v] of Object.entries(one.values)) (values[k] ??= []).push(...v);
  }
  return { mode: 'image', values };
}

function branchEnvKey(env: BranchEnv): string {
  return JSON.stringify([env.mode, env.all ?? false, Object.entries(env.values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** The ENV the image's containers start with, over its levels and stages (a parent's first, the last one wins); a value holding a variable is not known. */
function containerEnv(levels: readonly ImageLevel[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const level of [...levels].reverse()) {
    for (const ins of chainInstructions(level.base.chain)) {
      if (ins.keyword !== 'ENV') continue;
      for (const p of ins.properties) out.set(p.name, p.value === undefined || p.value === null || /[$`]/.test(p.value) ? undefined : p.value);
    }
  }
  return out;
}

/**
 * The value a variable has when a start script tests it, where known: compose's (BranchEnv) over the image's ENV. Not
 * known where a file the script sources sets it (`seen` differs from the ENV there), or nothing here sets it (a base
 * image not built here may).
 */
function knownEnv(envs: Map<string, string | undefined>, branchEnv: BranchEnv, seen: Map<string, string | undefined>, vars: Map<string, string | undefined>): KnownEnv {
  return (name) => {
    if (branchEnv.all || seen.get(name) !== vars.get(name)) return undefined;
    const given = branchEnv.values[name];
    const image = envs.get(name);
    if (branchEnv.mode === 'service' && given) {
      const seenAs = given.map((v) => (v === IMAGE_ENV ? image : v ?? undefined));
      return seenAs.every((v) => v !== undefined && v === seenAs[0]) ? seenAs[0] : undefined;
    }
    if (image === undefined) return undefined;
    return given && given.some((v) => v !== image) ? undefined : image;
  };
}

function containerPaths(word: string, workdir: string): string[] {
  if (word.includes('$')) return [];
  if (word.startsWith('/')) return [path.posix.normalize(word)];
  if (word.includes('/')) return [path.posix.resolve(workdir, word)];
  // A bare name runs from PATH (exec form) or, for `sh start.sh`, from the working directory.
  return [...PATH_DIRS.map((d) => `${d}/${word}`), path.posix.resolve(workdir, word)];
}

/** The file in the repository a COPY of the chain puts at `containerPath` (the latest one), if any. */
function hostFileAt(project: Project, mappings: readonly ContainerMapping[], containerPath: string): string | undefined {
  for (let i = mappings.length - 1; i >= 0; i--) {
    const m = mappings[i]!;
    if (!m.hostPath) continue;
    if (m.containerPath === containerPath) return isFile(m.hostPath) ? m.hostPath : undefined;
    const dir = m.containerPath.endsWith('/') ? m.containerPath : `${m.containerPath}/`;
    if (containerPath.startsWith(dir) && isDirectory(m.hostPath)) {
      const p = path.join(m.hostPath, ...path.posix.relative(m.containerPath, containerPath).split('/'));
      return isFile(p) && project.roots.some((r) => isInside(r, p)) ? p : undefined;
    }
  }
  return undefined;
}

/**
 * The file of the repository at `containerPath` when a `COPY --from=<stage> DIR DEST` of the same Dockerfile brought it: the
 * stage's own COPYs are looked up at the matching path (Ackee's `COPY --from=build /srv/app/ /srv/app/`, whose build stage
 * copied package.json there with `COPY package.json yarn.lock /srv/app/`, which the model's one-source resolution cannot
 * follow). One stage deep; only for files the framework readers ask for (package.json, settings modules).
 */
function hostFileFromStage(project: Project, mappings: readonly ContainerMapping[], containerPath: string): string | undefined {
  for (let i = mappings.length - 1; i >= 0; i--) {
    const m = mappings[i]!;
    const c = m.copy;
    if (!c?.from || m.hostPath) continue;
    const destDir = m.containerPath.replace(/\/+$/, '') || '/';
    if (containerPath !== destDir && !containerPath.startsWith(destDir === '/' ? '/' : `${destDir}/`)) continue;
    const stage = c.dockerfile.parsed.stages.find((st) => st.name === c.from!.toLowerCase() || String(st.index) === c.from);
    if (!stage || stage.index >= c.stage || !c.source.startsWith('/') || /[*?[]/.test(c.source)) return undefined;
    const inStage = path.posix.join(c.source, path.posix.relative(destDir, containerPath));
    return hostFileAt(project, copyMappings(project, c.dockerfile.path, new Set([stage.index])), inStage);
  }
  return undefined;
}

/**
 * The file of the repository a start runs at `containerPath`: copied in by the chain itself, or brought by a
 * `COPY --from=<stage> DIR` whose stage copied it there (Maintainerr's `COPY --from=BUILDER /opt ./`, whose builder
 * stage did `COPY start.sh /opt/start.sh`: the ENTRYPOINT's script, and the supervisord it starts, were not read).
 */
function startFileAt(project: Project, mappings: readonly ContainerMapping[], containerPath: string): string | undefined {
  return hostFileAt(project, mappings, containerPath) ?? hostFileFromStage(project, mappings, containerPath);
}

/** An s6 service's `run` file: a shell script, or an execline one (`#!/command/execlineb -P`), read in its shell form. */
function looksLikeRunScript(p: string): boolean {
  if (looksLikeShellScript(p)) return true;
  try {
    const fd = openSync(p, 'r');
    try {
      const buf = Buffer.alloc(64);
      const n = readSync(fd, buf, 0, 64, 0);
      return isExecline(buf.subarray(0, n).toString('latin1'));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** A shell script by name (`.sh`, `.bash`) or by its `#!` line; binaries and other programs are not read. */
function looksLikeShellScript(p: string): boolean {
  if (/\.(sh|bash)$/.test(p)) return true;
  try {
    const fd = openSync(p, 'r');
    try {
      const buf = Buffer.alloc(64);
      const n = readSync(fd, buf, 0, 64, 0);
      // `#!/usr/bin/with-contenv bash` and `#!/command/with-contenv sh`: s6-overlay's wrapper runs the shell named after it.
      // `#!/usr/bin/env bash` (options such as `-S` allowed): env runs the shell named after it, as Laravel Sail's
      // extensionless `start-container` starts (solidtime's docker/local/8.3, rw-fresh12).
      return /^#!\s*\S*\b(sh|bash|ash|dash)\b|^#!\s*\S*with-contenv\s+\S*\b(sh|bash|ash|dash)\b|^#!\s*\S*\benv[ \t]+(?:-\S+[ \t]+)*\S*\b(sh|bash|ash|dash)\b/.test(buf.subarray(0, n).toString('latin1'));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export interface StartScriptRef {
  hostPath: string;
  containerPath: string;
  command: StartCommand;
}

/**
 * Start scripts of one stage chain that a COPY brings from the repository, with
 * those it inherits from parent images built here (imageStartCommands), found
 * among the files any of those images copies in.
 */
export function startScriptRefs(project: Project, df: DockerfileSource, base: StageBase): StartScriptRef[] {
  const workdir = imageWorkdir(base);
  const out: StartScriptRef[] = [];
  // The COPY mappings, made once for every candidate path of every start command.
  let mappings: ContainerMapping[] | undefined;
  // `ENTRYPOINT $APP_HOME/run.sh` (shell form) names its script through an ENV of the chain: the shell expands it at start.
  let scopes: ReturnType<typeof variableScopes> | undefined;
  for (const command of imageStartCommands(base)) {
    for (const raw of scriptWords(command)) {
      let word = raw;
      if (raw.includes('$') && !command.inherited) {
        scopes ??= variableScopes(base.chain, df.parsed.globalArgs, base.buildArgs);
        const scope = scopes.get(command.instruction);
        word = (scope && expandArgs(raw, scope)) ?? raw;
      }
      for (const containerPath of containerPaths(word, workdir)) {
        mappings ??= imageLevelMappings(project, df, base);
        const hostPath = startFileAt(project, mappings, containerPath);
        if (!hostPath || !looksLikeShellScript(hostPath) || out.some((o) => o.hostPath === hostPath)) continue;
        out.push({ hostPath, containerPath, command });
        break;
      }
    }
  }
  const hooks = entrypointHookDir(base);
  if (hooks) {
    mappings ??= imageLevelMappings(project, df, base);
    for (const hook of hookScripts(project, mappings, hooks.dir)) {
      if (out.some((o) => o.hostPath === hook.hostPath)) continue;
      out.push({ ...hook, command: { via: 'ENTRYPOINT', instruction: hook.instruction ?? chainInstructions(base.chain)[0]!, argv: [hooks.entrypoint] } });
    }
  }
  const s6 = s6OverlayInit(base);
  if (s6) {
    mappings ??= imageLevelMappings(project, df, base);
    for (const script of s6Scripts(project, mappings)) {
      if (out.some((o) => o.hostPath === script.hostPath)) continue;
      out.push({ hostPath: script.hostPath, containerPath: script.containerPath, command: { via: 'ENTRYPOINT', instruction: script.instruction ?? s6.instruction, argv: ['/init'] } });
    }
  }
  if (out.length) {
    mappings ??= imageLevelMappings(project, df, base);
    return followCalledScripts(project, out, mappings, workdir, (parent, hostPath, containerPath) => ({ hostPath, containerPath, command: parent.command }));
  }
  return out;
}

/**
 * The folder of start hooks the base image's own entrypoint runs before its
 * server, when the image keeps that entrypoint: the official nginx image's
 * /docker-entrypoint.sh runs every executable `*.sh` in /docker-entrypoint.d
 * and sources every `*.envsh` there, in order, as the user the container
 * starts as, then execs nginx (nginxinc/docker-nginx entrypoint/docker-entrypoint.sh;
 * the unprivileged image keeps it). A Dockerfile that copies a script there
 * (a single-page app's `env.sh` that writes the API URL into the web root)
 * adds to the start. An ENTRYPOINT of the repository replaces that entrypoint.
 */
function entrypointHookDir(base: StageBase): { dir: string; entrypoint: string } | undefined {
  const family = base.facts?.family;
  if (family !== 'nginx' && family !== 'nginx-unprivileged') return undefined;
  if (imageStartCommands(base).some((c) => c.via === 'ENTRYPOINT')) return undefined;
  return { dir: '/docker-entrypoint.d', entrypoint: '/docker-entrypoint.sh' };
}

/** The hook scripts the COPY mappings put in `dir`, by their name's order (as the entrypoint's `find | sort -V` runs them). */
function hookScripts(project: Project, mappings: readonly ContainerMapping[], dir: string): { hostPath: string; containerPath: string; instruction?: DfInstruction }[] {
  const found = new Map<string, { hostPath: string; containerPath: string; instruction?: DfInstruction }>();
  for (const m of mappings) {
    if (!m.hostPath) continue;
    const instruction = m.copy?.instruction;
    if (m.containerPath.startsWith(`${dir}/`) && /\.(sh|envsh)$/.test(m.containerPath) && path.posix.dirname(m.containerPath) === dir) {
      if (isFile(m.hostPath) && project.roots.some((r) => isInside(r, m.hostPath!))) found.set(m.containerPath, { hostPath: m.hostPath, containerPath: m.containerPath, ...(instruction ? { instruction } : {}) });
    } else if (isDirectory(m.hostPath)) {
      // The folder itself (`COPY hooks/ /docker-entrypoint.d/`), or a folder above it: a root tree copied in
      // (`COPY rootfs/ /`, `COPY root/ /`) puts its docker-entrypoint.d/ there with the rest.
      const under = path.posix.relative(m.containerPath.replace(/(.)\/$/, '$1'), dir);
      if (under.startsWith('..') || path.posix.isAbsolute(under)) continue;
      const hostDir = path.join(m.hostPath, ...under.split('/').filter(Boolean));
      if (hostDir !== m.hostPath && !isDirectory(hostDir)) continue;
      for (const e of sortedDirEntries(hostDir)) {
        if (!/\.(sh|envsh)$/.test(e.name)) continue;
        const hostPath = path.join(hostDir, e.name);
        if (isFile(hostPath)) found.set(`${dir}/${e.name}`, { hostPath, containerPath: `${dir}/${e.name}`, ...(instruction ? { instruction } : {}) });
      }
    }
  }
  return [...found.values()].sort((a, b) => (a.containerPath < b.containerPath ? -1 : a.containerPath > b.containerPath ? 1 : 0));
}

/**
 * s6-overlay's `/init` starts the image: its own ENTRYPOINT ["/init"], or a LinuxServer.io base's, which the
 * image keeps when it sets no ENTRYPOINT. The instruction to attach its scripts to.
 */
function s6OverlayInit(base: StageBase): { instruction: DfInstruction } | undefined {
  const commands = imageStartCommands(base);
  const entry = commands.find((c) => c.via === 'ENTRYPOINT');
  if (entry) return entry.argv?.[0] === '/init' ? { instruction: entry.instruction } : undefined;
  if (base.facts?.family !== 'linuxserver') return undefined;
  const first = chainInstructions(base.chain)[0];
  return first ? { instruction: first } : undefined;
}

/**
 * The scripts s6-overlay runs at start, where the COPY mappings put them (a root tree copied over `/` too): stage 2
 * runs `/etc/cont-init.d/*` as root, then the s6-rc services of `/etc/s6-overlay/s6-rc.d` (a oneshot's `up`, an
 * execline line that usually names a script; a longrun's `run`), then the legacy `/etc/services.d/<name>/run`
 * (https://github.com/just-containers/s6-overlay#init-stages); LinuxServer's init-custom-files runs
 * `/custom-cont-init.d/*` with bash as root (docker-baseimage-alpine root/etc/s6-overlay/s6-rc.d/init-custom-files/run).
 * Every one runs as root unless it steps down itself (`exec s6-setuidgid abc ...`). A service's `run` may be an execline
 * script (`#!/command/execlineb -P` then `with-contenv`, `s6-setuidgid abc`, the program): it is read in its shell form
 * (src/execline.ts); other execline files than `run` and a one-line `up` are not read.
 */
function s6Scripts(project: Project, mappings: readonly ContainerMapping[]): { hostPath: string; containerPath: string; instruction?: DfInstruction }[] {
  const out: { hostPath: string; containerPath: string; instruction?: DfInstruction }[] = [];
  const add = (f: { hostPath: string; containerPath: string; instruction?: DfInstruction }) => {
    if (!out.some((o) => o.hostPath === f.hostPath) && out.length < S6_SCRIPTS) out.push(f);
  };
  for (const f of filesUnder(project, mappings, '/etc/cont-init.d', 1)) if (looksLikeShellScript(f.hostPath)) add(f);
  const rc = filesUnder(project, mappings, '/etc/s6-overlay/s6-rc.d', 2);
  for (const f of rc) {
    const name = path.posix.basename(f.containerPath);
    if (name === 'run' && looksLikeRunScript(f.hostPath)) add(f);
    if (name !== 'up') continue;
    // `up` is one execline command line: LinuxServer's and paperless-ngx's name the oneshot's script by its path.
    const text = scriptText(project, f.hostPath) ?? '';
    const named = text.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
    const target = named && /^\/[^\s]+$/.test(named) ? hostFileAt(project, mappings, named) : undefined;
    if (target && looksLikeShellScript(target)) add({ hostPath: target, containerPath: named!, ...(f.instruction ? { instruction: f.instruction } : {}) });
  }
  for (const f of filesUnder(project, mappings, '/etc/services.d', 2)) if (path.posix.basename(f.containerPath) === 'run' && looksLikeRunScript(f.hostPath)) add(f);
  for (const f of filesUnder(project, mappings, '/custom-cont-init.d', 1)) if (isFile(f.hostPath)) add(f);
  return out;
}

/**
 * The image starts with s6-overlay's /init (s6OverlayInit), and which major version installs it, as far as the build
 * says: a LinuxServer.io base is v3 (docker-baseimage-alpine ADDs the v3 tarballs); an image of this repository that
 * downloads the overlay names it in the URL or in an ARG/ENV (`S6_OVERLAY_VERSION=3.2.1.0`; v3 ships `.tar.xz`, v2
 * `s6-overlay-amd64.tar.gz`). v2 works in /var/run/s6, v3 in /run (just-containers/s6-overlay README, "Read-Only Root
 * Filesystem", in v2.2.0.3 and in v3).
 */
export function s6OverlayStart(base: StageBase): { version?: 2 | 3 } | undefined {
  if (!s6OverlayInit(base)) return undefined;
  const own = imageStartCommands(base).some((c) => c.via === 'ENTRYPOINT');
  if (!own) return { version: 3 };
  const texts = chainInstructions(base.chain).map((i) => i.raw).filter((t) => /s6.overlay|S6_OVERLAY/i.test(t));
  if (!texts.length) return {};
  for (const t of texts) {
    const v = /S6_OVERLAY_VERSION[= ]\s*["']?v?(\d+)\./.exec(t) ?? /s6-overlay\/releases\/download\/v(\d+)\./.exec(t);
    if (v) return Number(v[1]) === 2 ? { version: 2 } : Number(v[1]) === 3 ? { version: 3 } : {};
  }
  if (texts.some((t) => /s6-overlay-[a-z0-9_]+\.tar\.gz/.test(t))) return { version: 2 };
  if (texts.some((t) => /s6-overlay-[a-z0-9_]+\.tar\.xz/.test(t))) return { version: 3 };
  return {};
}

/** A start script s6-overlay's /init runs (s6Scripts), not the entrypoint's own chain. */
function isS6Script(x: { ref: StartScriptRef }): boolean {
  return x.ref.command.argv?.[0] === '/init' && x.ref.command.via === 'ENTRYPOINT';
}

/** At most this many s6 scripts per image: a tree, read once. */
const S6_SCRIPTS = 48;

/**
 * Files the COPY mappings put under a container folder, down to `depth` levels below it (1: its files; 2: the files
 * of its subfolders too), through a COPY of the folder itself or of a tree above it (`COPY root/ /`), by path order.
 */
function filesUnder(project: Project, mappings: readonly ContainerMapping[], dir: string, depth: number): { hostPath: string; containerPath: string; instruction?: DfInstruction }[] {
  const found = new Map<string, { hostPath: string; containerPath: string; instruction?: DfInstruction }>();
  const inProject = (p: string) => project.roots.some((r) => isInside(r, p));
  for (const m of mappings) {
    if (!m.hostPath) continue;
    const instruction = m.copy?.instruction;
    const extra = instruction ? { instruction } : {};
    const rel = path.posix.relative(dir, m.containerPath.replace(/(.)\/$/, '$1'));
    if (!rel.startsWith('..') && !path.posix.isAbsolute(rel) && rel !== '' && rel.split('/').length <= depth && isFile(m.hostPath)) {
      if (inProject(m.hostPath)) found.set(m.containerPath, { hostPath: m.hostPath, containerPath: m.containerPath, ...extra });
      continue;
    }
    if (!isDirectory(m.hostPath)) continue;
    const under = path.posix.relative(m.containerPath.replace(/(.)\/$/, '$1'), dir);
    if (under.startsWith('..') || path.posix.isAbsolute(under)) continue;
    const hostDir = path.join(m.hostPath, ...under.split('/').filter(Boolean));
    if (!inProject(hostDir) || !isDirectory(hostDir)) continue;
    const walk = (host: string, container: string, level: number) => {
      for (const e of sortedDirEntries(host)) {
        const h = path.join(host, e.name);
        const c = `${container}/${e.name}`;
        if (isFile(h)) found.set(c, { hostPath: h, containerPath: c, ...extra });
        else if (level < depth && isDirectory(h)) walk(h, c, level + 1);
      }
    };
    walk(hostDir, dir, 1);
  }
  return [...found.values()].sort((a, b) => (a.containerPath < b.containerPath ? -1 : a.containerPath > b.containerPath ? 1 : 0));
}

/** How far a start is followed from script to script, and how many scripts it may bring: a chain, not a walk of the image. */
const CALL_DEPTH = 8;
const CALLED_SCRIPTS = 24;

/**
 * The start scripts `first` names, with the scripts of the image they run in turn, in
 * order: `exec envs.sh`, `/scripts/setup_env`, `. /app/env.sh`, `sh ./next.sh`, found
 * where the same COPY mappings put them (NPMplus' entrypoint.sh runs envs.sh, which
 * runs start.sh, where its PUID remapping and su-exec drop are). What a drop tool
 * runs (`su-exec app launch.sh`) is not followed: it runs as that user, not at the
 * root start the callers ask about.
 */
function followCalledScripts<T extends { hostPath: string; containerPath: string }>(
  project: Project,
  first: T[],
  mappings: readonly ContainerMapping[],
  workdir: string,
  make: (parent: T, hostPath: string, containerPath: string) => T,
): T[] {
  const out = [...first];
  let level = first;
  for (let depth = 1; depth < CALL_DEPTH && level.length && out.length < CALLED_SCRIPTS; depth++) {
    const next: T[] = [];
    for (const parent of level) {
      const text = scriptText(project, parent.hostPath);
      if (text === undefined) continue;
      for (const word of scriptsRunBy(text)) {
        for (const containerPath of containerPaths(word, workdir)) {
          const hostPath = startFileAt(project, mappings, containerPath);
          if (!hostPath || !looksLikeShellScript(hostPath)) continue;
          if (!out.some((o) => o.hostPath === hostPath) && out.length < CALLED_SCRIPTS) {
            const ref = make(parent, hostPath, containerPath);
            out.push(ref);
            next.push(ref);
          }
          break;
        }
      }
    }
    level = next;
  }
  return out;
}

/** A script's text: as the model loaded it, else from disk (candidates are found before the model loads them). */
function scriptText(project: Project, hostPath: string): string | undefined {
  const loaded = project.files.get(hostPath);
  if (loaded) return loaded.text;
  try {
    const text = readFileSync(hostPath, 'utf8');
    return text.length <= 1024 * 1024 && !text.includes('\0') ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The script paths a script's lines run (see followCalledScripts), as written. */
function scriptsRunBy(text: string): string[] {
  const out: string[] = [];
  for (const { text: line } of logicalLines(text)) {
    if (!line.includes('/') && !/\.(sh|bash)\b/.test(line)) continue;
    for (const argv of shellCommands(line)) {
      const words = argv[0] === 'exec' ? argv.slice(1) : argv;
      const first = words[0];
      if (!first || DROP_TOOLS.has(first)) continue;
      let word: string | undefined;
      if (first === '.' || first === 'source') word = words[1];
      else if (SHELLS.test(first)) word = words.includes('-c') ? undefined : words.slice(1).find((w) => !w.startsWith('-'));
      // shellCommands drops a leading /bin/ or /usr/local/bin/ from the program: a bare name here was a path or a PATH lookup.
      else if (first.includes('/') || /\.(sh|bash)$/.test(first)) word = first;
      if (word && !word.includes('$') && !out.includes(word)) out.push(word);
    }
  }
  return out;
}

/** Cron daemons: each runs every crontab as the user it belongs to, switching to it with setgid/initgroups/setuid, which only root may do. */
const CRON_DAEMONS = new Set(['cron', 'crond', 'anacron']);

/**
 * Shell scripts the image ships as commands (copied into a PATH folder or `/`) that are not its start, but start a
 * daemon that must run as root: as their own script's main process (`exec …`), or a cron daemon anywhere in it.
 * A deployment runs them as the container's command (monicahq/docker's compose: `command: cron.sh` over monica's
 * image, whose scripts/docker/cron.sh runs `exec busybox crond -f`), and a USER in the image stops them there.
 */
export function shippedRootStarts(project: Project, df: DockerfileSource, base: StageBase): { containerPath: string; origin: string; daemons: string[] }[] {
  const mappings = imageLevelMappings(project, df, base);
  const starts = new Set(startScriptRefs(project, df, base).map((r) => r.hostPath));
  const workdir = imageWorkdir(base);
  const out: { containerPath: string; origin: string; daemons: string[] }[] = [];
  const seen = new Set<string>();
  for (const dir of ['/', ...PATH_DIRS]) {
    for (const f of filesUnder(project, mappings, dir, 1)) {
      if (seen.has(f.hostPath) || starts.has(f.hostPath) || !looksLikeShellScript(f.hostPath)) continue;
      seen.add(f.hostPath);
      const text = scriptText(project, f.hostPath);
      if (text === undefined) continue;
      const reading = readStartScript(text, path.basename(f.hostPath), workdir, new Map());
      const daemons = reading.rootDaemons.filter((d) => reading.mainRootDaemons?.includes(d) || CRON_DAEMONS.has(d.split(' ')[0]!));
      if (daemons.length) out.push({ containerPath: f.containerPath, origin: f.instruction ? instructionPlace(project, f.instruction, df.path) : 'copied in', daemons });
    }
  }
  return out;
}

/**
 * A line that only assigns a variable (`export NAME=value`, `readonly`, and `local` where `withLocal`): its name, its
 * value as written without its quotes (`raw`), and that value expanded over `scope` (single quotes keep it literal).
 */
function shellAssignment(line: string, scope: Map<string, string | undefined>, withLocal: boolean): { name: string; raw: string; value: string | undefined } | undefined {
  const assign = (withLocal ? ASSIGNMENT_OR_LOCAL : ASSIGNMENT).exec(line);
  if (!assign) return undefined;
  const raw = assign[2]!.replace(/^(["'])(.*)\1$/, '$2');
  return { name: assign[1]!, raw, value: assign[2]!.startsWith("'") ? raw : expandArgs(raw, scope) };
}
const ASSIGNMENT = /^\s*(?:export\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|]*)\s*$/;
const ASSIGNMENT_OR_LOCAL = /^\s*(?:export\s+|readonly\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|]*)\s*$/;

/**
 * The variables a script sees once it has sourced its helper files: `. /defaults.sh` or `source ./env.sh` runs that
 * file in the script's own shell, so what it assigns (`export NGIX_CONF_DIR=/usr/local/openresty/nginx/conf`) names the
 * paths the script then writes (`cat > ${NGIX_CONF_DIR}/server_certs.conf`). UKHomeOffice/docker-nginx-proxy's go.sh
 * writes its nginx configuration that way; without the sourced values its writes were not seen and USER was added over
 * a start that fails at its first line under `set -e`. Only plain assignments at the start of a line are taken (not
 * `local`, which only lives in a function), in file order, over the image's ENV; a sourced file the image's COPYs do not
 * bring, or one named through a variable, adds nothing.
 */
function withSourcedVariables(project: Project, mappings: readonly ContainerMapping[], text: string, workdir: string, vars: Map<string, string | undefined>): Map<string, string | undefined> {
  let out: Map<string, string | undefined> | undefined;
  for (const { text: line } of logicalLines(text)) {
    if (!/(^|[;&|]\s*)(\.|source)\s/.test(line)) continue;
    for (const argv of shellCommands(line)) {
      if ((argv[0] !== '.' && argv[0] !== 'source') || !argv[1] || argv[1].includes('$')) continue;
      for (const containerPath of containerPaths(argv[1], workdir)) {
        const hostPath = startFileAt(project, mappings, containerPath);
        const sourced = hostPath ? scriptText(project, hostPath) : undefined;
        if (sourced === undefined) continue;
        out ??= new Map(vars);
        for (const { text: l } of logicalLines(sourced)) {
          const assign = shellAssignment(l, out, false);
          if (assign) out.set(assign.name, assign.value);
        }
        break;
      }
    }
  }
  return out ?? vars;
}

/** Host paths of every stage's start scripts, for the model to load. */
export function startScriptCandidates(project: Project, df: DockerfileSource): string[] {
  const out = new Set<string>();
  for (const stage of df.parsed.stages) {
    for (const ref of startScriptRefs(project, df, resolveStageBase(df.parsed, stage))) out.add(ref.hostPath);
  }
  return [...out];
}

// ------------------------------------------------------------ reading a script

/** Tools that run a command as another user. */
const DROP_TOOLS = new Set(['gosu', 'su-exec', 'setpriv', 'chroot', 's6-setuidgid', 's6-envuidgid', 's6-applyuidgid', 'runuser', 'su', 'sudo']);

export interface PrivilegeDrop {
  tool: string;
  /** The user it drops to, as written there (variables expanded where known). */
  user?: string;
  /** 1-based line in the script (or the instruction's line for a CMD/ENTRYPOINT). */
  line: number;
  /** The whole line, and its offsets, when it can be rewritten (a simple command, maybe after `exec`). */
  lineRange?: [number, number];
  /** The line without the drop (what runs when started as another user), with `exec` kept; set with lineRange. */
  withoutDrop?: string;
  /** Capabilities the drop needs when the container starts as root. */
  caps: string[];
  /** For a drop in an ENTRYPOINT/CMD a parent image built here sets: that Dockerfile, as findings name it. */
  where?: string;
  /**
   * A command run as the user in the middle of the start (not exec'd, not its last line, not the script's arguments:
   * gogs's `gosu "$USER" mkdir -p $f`): the start steps down by it only when nothing it runs after keeps root
   * (apacheds's `gosu apacheds apacheds start`, then `tail -f` of its log). See imagePrivilegeDrop.
   */
  oneOff?: boolean;
}

export interface StartWrite {
  path: string;
  /** `dir`: made with mkdir; `file`: written in place (redirect, tee, touch, cp); `dir-of`: a file whose directory must be writable (sed -i, sqlite). */
  kind: 'dir' | 'file' | 'dir-of';
  /** The command and where it is, for findings. */
  how: string;
  /**
   * For `dir-of`: the files there are rewritten in place (read, then written back, as import-meta-env does),
   * not replaced by a new file (as sed -i does): the user must own the files, not only their folder.
   */
  inPlace?: boolean;
  /**
   * For `dir-of`: the files are anywhere below the path's folder (`find DIR -exec sed -i … {} +` with no -maxdepth): each
   * folder that holds one must be writable, and which folders those are is not known here, so the whole tree is the user's.
   */
  tree?: boolean;
  /** Seen written in verify's baseline run (not read from a file): scratch unless `keeps` says it is data. */
  observed?: boolean;
  /** Why what is written there is data the service keeps across restarts (a database file), when observed: never a tmpfs. */
  keeps?: string;
  /** A folder the repository keeps empty with a placeholder (placeholderWrites): there already, but the app's to write. */
  placeholder?: boolean;
  /**
   * For `file`: where the start tests whether the file exists (`[ -f X ]`, `[[ ! -e X ]]`, `test -s X`). An empty file
   * made at build to give it to the user would turn that test around (the start then skips the step that writes it):
   * its folder is given instead.
   */
  tested?: string;
  /**
   * Why the step may not run on every start, where the script says so (`inside an if or case`, `after && or ||`, `in
   * function f, which the script never calls`): said with the step (in `how`), so findings say "may" for it.
   */
  conditional?: string;
}

export interface ScriptReading {
  drops: PrivilegeDrop[];
  writes: StartWrite[];
  /** The script checks whether it runs as root (`id -u`, `$EUID`, `whoami`): a drop behind it is already conditional. */
  rootCheck: boolean;
  /** Capabilities the steps before a drop need as root: CHOWN and friends for `chown`. */
  rootCaps: string[];
  /** Daemons it starts that must start as root (sshd, cron, postfix, ...), with where: `sshd (entrypoint.sh line 4)`. */
  rootDaemons: string[];
  /**
   * Those of rootDaemons it `exec`s: the container's main process is then that daemon, on root, on the path that runs
   * it. A drop the same script `exec`s elsewhere (another `case` branch: docker-zulip's `app:managepy`) is not the
   * container's step down on that path.
   */
  mainRootDaemons?: string[];
  /** Account changes it makes as root before any drop (`usermod (entry.sh line 11)`): they rewrite /etc/passwd and /etc/group. */
  accountChanges?: string[];
  /**
   * Steps only root can take, run outside a root check (`if [ "$(id -u)" = 0 ]`, or after an early `exec "$@"` for a
   * non-root caller): account tools, `chown` (with its new owner), and the step down itself (gosu, su-exec, setpriv,
   * s6-setuidgid: each calls setgroups(2), which needs CAP_SETGID). Under a USER that is not root each of them fails.
   * Read for an image that already runs as a non-root user (dockerfile/non-root-user).
   */
  rootOnlySteps?: RootOnlyStep[];
  /** System packages it installs before any drop (`apk add (entry.sh line 5)`): only root may, and they write /usr, /etc and the package database. */
  packageInstalls?: string[];
  /**
   * Python packages it installs at start (`pip3 install (entry.sh line 21)`), as whoever runs it: as a non-root
   * user pip falls back to a user install in HOME (~/.local) and unpacks in TMPDIR (/tmp).
   */
  pipInstalls?: string[];
  /**
   * Django's `collectstatic` run before any drop (`manage.py collectstatic (entrypoint.sh line 52)`): it copies every app's
   * static files into STATIC_ROOT, a folder settings.py names (https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#collectstatic),
   * creating it where missing; whoever runs the start must be able to write there.
   */
  staticCollects?: string[];
  /**
   * Dependency installs and package-manager runs at start (`npm install`, `pnpm install`, `composer install`,
   * `bundle install`, `corepack ...`, and any `pnpm`/`yarn` run, which corepack may fetch on first use), with the
   * folder they run in when it is known: they write the project's dependency folder and caches under HOME.
   */
  depInstalls?: DepInstall[];
  /**
   * Commands it runs through setuid tools to become root (`sudo (entry.sh line 9)`, `doas ...`):
   * a script that does so expects to run as a user, and no-new-privileges makes those tools fail.
   */
  escalations?: string[];
  /**
   * One-off `sudo -u USER command` runs outside a root check (`sudo -E -u nobody /app/bin/migrate (run.sh line 98)`,
   * supabase/realtime): root may run them, but sudo asks its policy even to run a command as the caller itself, and a
   * user sudoers does not list is refused ("nobody is not in the sudoers file", team engine: debian:bookworm-slim with
   * sudo, run as nobody). Under a non-root USER that step fails.
   */
  userSwitches?: string[];
  /**
   * File capabilities it sets before any drop and outside a root check (`setcap cap_ipc_lock=+ep (docker-entrypoint.sh
   * line 84)`, vault's mlock): setting them needs CAP_SETFCAP, which only root holds, so under a non-root USER the
   * command fails.
   */
  fileCapSets?: FileCapSet[];
}

/** A step of a start that only root can take (ScriptReading.rootOnlySteps). */
export interface RootOnlyStep {
  /** `usermod (entry.sh line 11)`, `chown (entry.sh line 12)`, `gosu app (entry.sh line 14)`. */
  how: string;
  kind: 'account' | 'chown' | 'drop';
  /** For chown: the new owner as written (variables expanded where known); a chown to the caller itself is allowed. */
  owner?: string;
  /** Why the step may not run on every start (StartWrite.conditional); already said in `how`. */
  conditional?: string;
}

/** A `setcap` a start runs as root: the command and where (`setcap cap_ipc_lock=+ep (entry.sh line 84)`), and what it grants. */
export interface FileCapSet {
  how: string;
  caps: string[];
}

/**
 * The capabilities a `setcap` command grants (`setcap cap_ipc_lock=+ep /bin/vault`, `setcap
 * 'cap_net_bind_service,cap_net_raw+ep' f`), upper case without CAP_; undefined when a capability text is not a
 * literal (`setcap $CAPS f`). Clauses that only remove (`-ep`, `=`, `-r`) grant nothing. Syntax: cap_from_text(3)
 * (https://man7.org/linux/man-pages/man3/cap_from_text.3.html): `names[=+-]flags`, several clauses in one text.
 */
export function setcapGrants(argv: readonly string[]): string[] | undefined {
  const args = argv.slice(1);
  if (args.includes('-r')) return [];
  const texts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n') i++;
    else if (a.startsWith('-')) continue;
    else {
      texts.push(a); // capability text, then the file it applies to
      i++;
    }
  }
  if (!texts.length) return undefined;
  const caps = new Set<string>();
  for (const t of texts) {
    if (/[$`]/.test(t)) return undefined;
    for (const clause of t.split(/\s+/).filter(Boolean)) {
      const m = /^([a-z_,]*?)((?:[=+-][eip]*)+)$/i.exec(clause);
      if (!m) return undefined;
      const names = m[1]!.split(',').filter(Boolean).map((n) => n.toUpperCase().replace(/^CAP_/, ''));
      // `=p`, `+ep`, `=eip`: the permitted flag is what gives the program the capability at exec.
      const grants = /(^|[=+])[eip]*p/i.test(m[2]!) && !/^-/.test(m[2]!);
      if (grants) for (const n of names) caps.add(n);
    }
  }
  return [...caps].sort();
}

/**
 * File capabilities the image's build gives its binaries (`RUN setcap cap_net_bind_service=+ep /usr/bin/app`), from the
 * stages the image is made of; undefined when one of them cannot be read (a variable).
 */
export function dockerfileFileCaps(chain: readonly DfStage[], escape: string): { caps: string[]; where: string[] } | undefined {
  const caps = new Set<string>();
  const where: string[] = [];
  for (const st of chain) {
    for (const ins of effectiveInstructions(st)) {
      if (ins.keyword !== 'RUN' || !/\bsetcap\b/.test(runShellText(ins))) continue;
      for (const argv of runCommands(ins, escape)) {
        if (path.posix.basename(argv[0] ?? '') !== 'setcap') continue;
        const granted = setcapGrants(argv);
        if (!granted) return undefined;
        for (const c of granted) caps.add(c);
        if (granted.length) where.push(`${argv.join(' ')} (line ${ins.line + 1})`);
      }
    }
  }
  return { caps: [...caps].sort(), where };
}

/**
 * Tools that edit the account files (/etc/passwd, /etc/group, /etc/shadow) by
 * writing a new copy beside them in /etc and renaming it (shadow-utils' and
 * BusyBox's lock-and-replace): the PUID/PGID pattern of self-hosted images
 * (`usermod -o -u "$PUID" abc`) needs /etc itself writable at start.
 */
/**
 * The distros' package managers and the subcommands that install: run at start (an `EXTRA_PACKAGES`
 * hook, `apk add --no-cache $PKGS`), they write /usr, /etc and the package database
 * (/var/lib/dpkg, /lib/apk/db, /var/lib/rpm), which only root may and a read-only root forbids.
 */
const PACKAGE_INSTALLS: Record<string, readonly string[]> = {
  'apt-get': ['install'],
  apt: ['install'],
  apk: ['add'],
  yum: ['install'],
  dnf: ['install'],
  microdnf: ['install'],
  zypper: ['install', 'in'],
  dpkg: ['-i', '--install'],
  rpm: ['-i', '-U', '-ivh', '-Uvh', '--install'],
};

/**
 * sudo/doas as a step up to root: neither switches to a user named by -u/--user
 * other than root (`sudo -u app cmd` run as root is a step down, which
 * no-new-privileges allows: readDrop's). Both are setuid-root programs, and under
 * no-new-privileges the kernel ignores the setuid bit (PR_SET_NO_NEW_PRIVS:
 * https://docs.kernel.org/userspace-api/no_new_privs.html), so the step up fails.
 * doas takes -u and its other options as sudo does (doas(1): -C config, -u user).
 */
function escalatesToRoot(words: string[], scope: Map<string, string | undefined>): boolean {
  const tool = path.posix.basename(words[0] ?? '');
  return (tool === 'sudo' || tool === 'doas') && readDrop(['sudo', ...words.slice(1)], scope) === undefined;
}

/** sudo's and doas's options that take the next word as their value (sudo(8), doas(1)). */
const SUDO_VALUED = /^-[CDghprtTUu]$/;

/** The command a `sudo`/`doas` step up runs: the words after its options (`sudo -E -n mkdir -p /run/app` gives `mkdir -p /run/app`). */
function escalatedCommand(words: string[]): string[] {
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') return words.slice(i + 1);
    if (!w.startsWith('-')) break;
    if (SUDO_VALUED.test(w)) i++;
  }
  return words.slice(i);
}

const ACCOUNT_TOOLS = new Set(['useradd', 'usermod', 'userdel', 'groupadd', 'groupmod', 'groupdel', 'adduser', 'addgroup', 'deluser', 'delgroup', 'chpasswd']);

/**
 * Daemons whose master process must start as root: they bind or open what only
 * root may (sshd's host keys and setuid to each login, cron's setuid per crontab,
 * the mail servers' privilege-separated masters), or the SysV `service` wrapper
 * and /etc/init.d scripts that start such daemons. A USER stops them at start.
 */
const ROOT_DAEMONS = new Set(['sshd', 'cron', 'crond', 'anacron', 'postfix', 'dovecot', 'exim', 'exim4', 'sendmail', 'opendkim', 'rsyslogd', 'service', 'systemd']);

/**
 * Root daemons whose needs under `cap_drop: [ALL]` were measured, started as root by the image's own start: the
 * capabilities to give back. Only these: any other root daemon's needs are not known, and its service is reported.
 */
export const ROOT_DAEMON_CAPS: ReadonlyMap<string, { caps: string[]; source: string }> = new Map(Object.entries({
  // Debian's exim4 (exim4-daemon-light/-heavy) starts as root and switches to Debian-exim; a message it accepts is
  // delivered by a root re-exec that reads Debian-exim's spool and chowns and chmods its message log.
  exim4: {
    caps: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'],
    source:
      'team engine, debian:bookworm-slim + exim4-daemon-light 4.96, "exim4 -bdf" as root, one SMTP message to root@localhost: with no capability it exits ("exim: setgroups() failed: Operation not permitted"); with SETGID, SETUID it listens as Debian-exim but delivery fails ("Spool error ... Permission denied"), with DAC_OVERRIDE too "Couldn\'t chown message log", with CHOWN too "Couldn\'t chmod message log"; with FOWNER too the message is delivered',
  },
}));

/**
 * The capabilities a root start needs when every root daemon it runs is one of ROOT_DAEMON_CAPS, plus what its scripts do
 * as root before (a chown: CHOWN, DAC_OVERRIDE, FOWNER); undefined when it runs none, or one whose needs are not known, or
 * when it changes accounts, installs packages or steps up with sudo (needs not modelled).
 */
export function knownRootDaemonCaps(start: ImageStart): { caps: string[]; daemons: string[] } | undefined {
  const daemons = imageRootDaemons(start);
  if (!daemons.length || !daemons.every((d) => ROOT_DAEMON_CAPS.has(d.split(' ')[0]!))) return undefined;
  const readings = [...start.scripts.map((x) => x.reading), ...(start.command ? [start.command] : [])];
  if (readings.some((r) => r.accountChanges?.length || r.packageInstalls?.length || r.escalations?.length)) return undefined;
  const caps = new Set<string>();
  for (const d of daemons) for (const c of ROOT_DAEMON_CAPS.get(d.split(' ')[0]!)!.caps) caps.add(c);
  for (const r of readings) for (const c of r.rootCaps) caps.add(c);
  return { caps: [...caps].sort(), daemons: [...new Set(daemons.map((d) => d.split(' ')[0]!))] };
}

/**
 * Network and file servers that need root for what they set up, not only to drop to their own user: each with why and
 * where that is said (or what the team engine showed as UID 1000 on debian:bookworm-slim). The finding names the reason.
 */
export const ROOT_ONLY_SERVERS: ReadonlyMap<string, string> = new Map(Object.entries({
  // NFS: rpcbind and the kernel server's helpers (vimagick's nfs start runs rpcbind, rpc.statd, rpc.idmapd before ganesha).
  rpcbind: 'only the super-user may start it (rpcbind(8)); as UID 1000 it exits at start, "/run/rpcbind.lock: Permission denied" (engine)',
  'rpc.statd': 'it must start as root for privileged source ports and its state database, and drops root itself (statd(8))',
  'rpc.nfsd': 'it starts the kernel NFS server through /proc/fs/nfsd, which needs CAP_SYS_ADMIN (rpc.nfsd(8))',
  'rpc.mountd': 'it serves the kernel NFS server\'s exports and writes /var/lib/nfs/rmtab (rpc.mountd(8))',
  'rpc.idmapd': 'it talks to the kernel through rpc_pipefs, which only root may mount and open (rpc.idmapd(8))',
  exportfs: 'it hands exports to the kernel NFS server (exportfs(8))',
  'ganesha.nfsd': 'its VFS backend opens files by handle, which needs CAP_DAC_READ_SEARCH (open_by_handle_at(2); nfs-ganesha runs as root)',
  // Samba and vsftpd: each session runs as the logged-in user, which only root may switch to (team engine, UID 1000 on
  // debian:bookworm-slim: smbd and nmbd exit at once, "Unable to setup corepath: Permission denied"; vsftpd exits 2).
  smbd: 'it runs each connection as the user who logs in, which only root may switch to (smbd(8)); as UID 1000 it exits at start (engine)',
  nmbd: 'Samba\'s NetBIOS server, started with smbd as root (nmbd(8)); as UID 1000 it exits at start (engine)',
  vsftpd: 'it must be started as root ("500 OOPS: vsftpd: must be started as root", vsftpd.conf(5) run_as_launching_user); as UID 1000 it exits at start (engine)',
  // VPN servers: they create tun/ppp interfaces and set routes (CAP_NET_ADMIN) before dropping to their `user`.
  openvpn: 'it opens the tun device and sets routes as root, and drops to its --user only after initialization (openvpn(8) --user)',
  ocserv: 'it opens tun devices for each client as root and runs workers as its run-as-user (ocserv(8))',
  pptpd: 'it starts pppd for each client, which must run as root to configure ppp interfaces (pptpd(8), pppd(8))',
  xl2tpd: 'it starts pppd for each tunnel, which must run as root to configure ppp interfaces (xl2tpd(8), pppd(8))',
  charon: 'strongSwan installs IPsec policies and keys in the kernel over netlink, which needs CAP_NET_ADMIN (strongswan.conf(5) charon.user)',
  ipsec: 'strongSwan installs IPsec policies and keys in the kernel over netlink, which needs CAP_NET_ADMIN (strongswan.conf(5) charon.user)',
  // AdGuard Home: a file capability (its Dockerfile's setcap cap_net_bind_service=+eip) does not pass the first launch's
  // test, which reads the ambient set; Docker sets no ambient capability for a non-root user.
  AdGuardHome:
    'on its first launch (no AdGuardHome.yaml yet) it exits "this is the first launch of adguard home; you must run it as administrator" unless it runs as root or holds CAP_NET_BIND_SERVICE as an ambient capability, which Docker never sets (internal/home/home.go checkNetworkPermissions, internal/aghnet/net_linux.go canBindPrivilegedPorts; AdGuardHome#4714); once set up it can run as the user its folders are chowned to (docker run --user)',
}));

/**
 * Process supervisors that start as root and run each service under its own
 * user: s6-overlay's stage 1 `/init` (it sets up /run and runs the cont-init
 * scripts as root, and images such as linuxserver's and nginx-proxy-manager
 * drop per service with s6-setuidgid: https://github.com/just-containers/s6-overlay#init-stages),
 * phusion's `my_init` and runit's `runsvdir` (baseimage-docker), s6's own
 * `s6-svscan`, and a system init at `/sbin/init`. A USER stops their root steps.
 * `/init` and `/sbin/init` only by full path: a bare `init` is too common a word.
 */
/** The user `supervisord -u USER` / `--user=USER` / `-uUSER` names, if any. */
function supervisordUser(words: string[]): string | undefined {
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if ((w === '-u' || w === '--user') && words[i + 1]) return words[i + 1];
    const m = /^(?:--user=|-u)(.+)$/.exec(w);
    if (m) return m[1];
  }
  return undefined;
}

function isRootSupervisor(tool: string): boolean {
  return tool === '/init' || tool === '/sbin/init' || ['my_init', 'runsvdir', 's6-svscan'].includes(path.posix.basename(tool));
}

/** A test of whether the script runs as root: `[ "$(id -u)" = '0' ]`, `[ $EUID -ne 0 ]`, `[ "$(whoami)" = root ]`. */
/** A root check that asks "not root": `[ "$(id -u)" != 0 ]`, `-ne 0`, `! [ "$(id -u)" = 0 ]`. */
const NOT_ROOT_CHECK = /(\bid\s+-u|\bEUID|\bUID|\bwhoami)\b[^\n;]{0,12}?\s(!=|-ne)\s*["']?(0|root)\b|!\s*\[+\s*"?\$\(id -u\)/;
const ROOT_CHECK = /(\bid\s+-u|\bEUID|\bUID|\bwhoami)\b[^\n;]{0,12}?\s(=|==|!=|-eq|-ne)\s*["']?(0|root)\b/;

/**
 * What a start script (or a CMD's shell text) does: its privilege drops, the
 * paths it writes, whether it checks for root. `vars` are the build's ENV and
 * ARG values; assignments at the script's top level are followed too.
 * `workdir` resolves relative paths, unless the script changes directory.
 */
export function readStartScript(text: string, where: string, workdir: string, vars: Map<string, string | undefined>, lineOffset = 0): ScriptReading {
  return copyReading(readingsInRun.get(text, readingKey(where, workdir, vars, lineOffset), () => readStartScriptAfresh(text, where, workdir, vars, lineOffset)));
}

/**
 * readStartScript's answers across a run's passes: every pass asks again for
 * each image's and service's start scripts (non-root-user, cap_drop and
 * read_only), with the same text and variables unless the pass changed them.
 * Keyed on the text and every other argument written out (readingKey), so another text, place,
 * working directory, variable or line offset is another key (issue 13).
 */
const readingsInRun = new RunMemo<ScriptReading>();

/**
 * Every input of readStartScriptAfresh besides the text (the memo's other key
 * part), in full: where (it names lines in findings), the working directory,
 * the line offset, and the variables in their order (an undefined value is
 * written as null, which a value never is).
 */
export function readingKey(where: string, workdir: string, vars: Map<string, string | undefined>, lineOffset: number): string {
  return JSON.stringify([where, workdir, lineOffset, [...vars]]);
}

/**
 * A copy of a reading whose lists and records are its own: callers change the
 * drops they get (a CMD's drop takes the instruction's line and loses its
 * script lineRange), which must not reach the kept answer.
 */
function copyReading(r: ScriptReading): ScriptReading {
  const drops: PrivilegeDrop[] = [];
  for (const d of r.drops) {
    const copy: PrivilegeDrop = { ...d, caps: d.caps.slice() };
    if (d.lineRange) copy.lineRange = [d.lineRange[0], d.lineRange[1]];
    drops.push(copy);
  }
  const writes: StartWrite[] = [];
  for (const w of r.writes) writes.push({ ...w });
  // Every field is carried (a field added to ScriptReading later is not silently dropped); the lists are copied.
  const copy: ScriptReading = { ...r, drops, writes, rootCaps: r.rootCaps.slice(), rootDaemons: r.rootDaemons.slice() };
  if (r.mainRootDaemons) copy.mainRootDaemons = r.mainRootDaemons.slice();
  if (r.accountChanges) copy.accountChanges = r.accountChanges.slice();
  if (r.rootOnlySteps) copy.rootOnlySteps = r.rootOnlySteps.map((x) => ({ ...x }));
  if (r.packageInstalls) copy.packageInstalls = r.packageInstalls.slice();
  if (r.escalations) copy.escalations = r.escalations.slice();
  if (r.userSwitches) copy.userSwitches = r.userSwitches.slice();
  if (r.fileCapSets) copy.fileCapSets = r.fileCapSets.map((x) => ({ how: x.how, caps: x.caps.slice() }));
  if (r.pipInstalls) copy.pipInstalls = r.pipInstalls.slice();
  if (r.staticCollects) copy.staticCollects = r.staticCollects.slice();
  if (r.depInstalls) copy.depInstalls = r.depInstalls.map((d) => ({ ...d }));
  return copy;
}

/**
 * The writes readStartScript finds in a script read with no variables, as the run's memo keeps them: for callers that
 * only read them. readStartScript copies the whole reading for callers that change it, and the model's linking asks
 * this of every start in each of its rounds (issue 13).
 */
function startScriptWrites(text: string, where: string, workdir: string): readonly Readonly<StartWrite>[] {
  const vars = new Map<string, string | undefined>();
  return readingsInRun.get(text, readingKey(where, workdir, vars, 0), () => readStartScriptAfresh(text, where, workdir, vars, 0)).writes;
}

/** readStartScript without the memo (tests compare the two). */
export function readStartScriptAfresh(text: string, where: string, workdir: string, vars: Map<string, string | undefined>, lineOffset = 0): ScriptReading {
  if (isExecline(text)) {
    // An execline run file (s6-overlay's services), read through its shell form: line for line, but other text, so no
    // drop of it can be rewritten in place (lineRange is an offset into the text read).
    const reading = readShellStart(execlineAsShell(text), where, workdir, vars, lineOffset);
    for (const d of reading.drops) {
      delete d.lineRange;
      delete d.withoutDrop;
    }
    return reading;
  }
  return readShellStart(text, where, workdir, vars, lineOffset);
}

function readShellStart(text: string, where: string, workdir: string, vars: Map<string, string | undefined>, lineOffset: number): ScriptReading {
  const scope = new Map(vars);
  const drops: PrivilegeDrop[] = [];
  const writes: StartWrite[] = [];
  const rootCaps = new Set<string>();
  const rootDaemons: string[] = [];
  const mainRootDaemons: string[] = [];
  const accountChanges: string[] = [];
  const rootOnlySteps: RootOnlyStep[] = [];
  // After a root check that sends every other caller away (`if [ "$(id -u)" != 0 ]; then exec "$@"; fi`, `[ "$(id -u)" = 0 ] ||
  // exec "$@"`), what follows runs only as root. The if-blocks that test for root as "not root", and whether they exec or exit.
  let nonRootSentAway = false;
  const notRootBlocks: { notRoot: boolean; leaves: boolean }[] = [];
  const packageInstalls: string[] = [];
  const escalations: string[] = [];
  const userSwitches: string[] = [];
  const fileCapSets: FileCapSet[] = [];
  // Whether each enclosing `if` tests for root (`if [ "$(id -u)" = 0 ]; then`): what runs inside is skipped without it.
  const rootGuards: boolean[] = [];
  const pipInstalls: string[] = [];
  const staticCollects: string[] = [];
  const depInstalls: DepInstall[] = [];
  // Per enclosing `if`, as rootGuards: the folder its test requires to be missing or empty (fillGuardOf), if it is one.
  const fillGuards: (string | undefined)[] = [];
  // Read only when a relative path needs it: most scripts write absolute paths or none.
  let changesDir: boolean | undefined;
  const resolve = (word: string): string | undefined => {
    const w = word.includes('$') ? expandArgs(word, scope) : word;
    if (w === undefined || w === '' || /[$*?`]/.test(w) || w.startsWith('-')) return undefined;
    if (w.startsWith('/')) return path.posix.normalize(w);
    if (w.startsWith('~')) return undefined;
    changesDir ??= shellCommands(text).some((argv) => argv[0] === 'cd' || argv[0] === 'pushd');
    if (changesDir) return undefined;
    return path.posix.resolve(workdir, w);
  };
  const lines = logicalLines(text);
  // The line of the script's last command: a sudo there (or after `exec`) is how the main process runs.
  let lastCommandLine = -1;
  for (const l of lines) if (shellCommands(l.text).length) lastCommandLine = l.number;
  let seenDrop = false;
  // A drop that replaces the shell (`exec gosu app server`) outside a root check: nothing after it runs as root.
  let execDropSeen = false;
  // A drop the root shell outlives (`gosu app server &`, a one-off `gosu app migrate`), and the root shell's kill commands.
  let rootShellBesideDrop = false;
  const rootKills: string[] = [];
  // Variables that hold a drop command (bitwarden/server's entrypoints: `gosu_cmd="gosu $USERNAME:$GROUPNAME"` under a root
  // check, `gosu_cmd=""` in its else, then `exec $gosu_cmd /app/Api`): kept apart from the scope, where the last assignment
  // in the text (the empty one) wins, so that the command they start in is read as the drop it is when started as root.
  const dropVariables = new Map<string, string[]>();
  // Files the start tests for (`[[ -f ${DHPARAM_FILE} ]]`), by path: a write of one of them is marked (StartWrite.tested).
  const tested = new Map<string, string>();
  // Why each command may not run on every start (an if or case branch, a && or || list, a function not always called).
  const onlyIf = stepConditions(lines.map((l) => l.text));
  for (const [lineIndex, { text: line, start, end, number }] of lines.entries()) {
    const assign = shellAssignment(line, scope, true);
    if (assign) {
      scope.set(assign.name, assign.value);
      const held = assign.raw.trim().split(/\s+/);
      if (DROP_TOOLS.has(held[0]!) && held.length > 1) dropVariables.set(assign.name, held);
      continue;
    }
    // A Dockerfile instruction or compose value is named by its own line already (`CMD at line 20`).
    const at = NAMES_ITS_LINE.test(where) ? where : `${where} line ${number + lineOffset}`;
    const head = line.trimStart();
    // A one-line `if …; then …; fi` guards only its own commands (lineFillGuard), not the lines after it.
    const lineGuard = lineFillGuard(line);
    if (/^if\b/.test(head)) {
      fillGuards.push(/\bfi\s*;?\s*$/.test(line) ? undefined : lineGuard);
      rootGuards.push(ROOT_CHECK.test(line));
      notRootBlocks.push({ notRoot: NOT_ROOT_CHECK.test(line), leaves: false });
    } else if (/^elif\b/.test(head) && rootGuards.length) {
      rootGuards[rootGuards.length - 1] = ROOT_CHECK.test(line);
      // An elif branch runs only where the tests before it failed and its own holds: its own test guards it.
      fillGuards[fillGuards.length - 1] = lineGuard;
    } else if (/^else\b/.test(head) && rootGuards.length) {
      rootGuards[rootGuards.length - 1] = false;
      fillGuards[fillGuards.length - 1] = undefined;
    } else if (/^fi\b/.test(head)) {
      rootGuards.pop();
      fillGuards.pop();
      const block = notRootBlocks.pop();
      if (block?.notRoot && block.leaves) nonRootSentAway = true;
    }
    // `if [ "$(id -u)" != 0 ]; then exec "$@"; fi` on one line, or `[ "$(id -u)" = 0 ] || exec "$@"`.
    if (ROOT_CHECK.test(line) && /\b(exec|exit)\b/.test(line) && (NOT_ROOT_CHECK.test(line) || /\|\|/.test(line)) && (!/^if\b/.test(head) || /\bfi\s*$/.test(line.trim()))) nonRootSentAway = true;
    else if (/\b(exec|exit)\b/.test(head) && notRootBlocks.length) {
      notRootBlocks[notRootBlocks.length - 1]!.leaves = true;
    }
    const underRootCheck = rootGuards.some(Boolean) || ROOT_CHECK.test(line) || nonRootSentAway;
    for (const p of existenceTests(line, resolve)) if (!tested.has(p)) tested.set(p, `${NAMES_ITS_LINE.test(where) ? where : `${where} line ${number + lineOffset}`} tests whether it exists`);
    const commands = shellCommands(line);
    const pipedFrom = line.includes('|') ? shellPipeSources(line) : [];
    for (const [commandIndex, argv] of commands.entries()) {
      const conditional = onlyIf[lineIndex]?.[commandIndex];
      // Where a root-only step or a write is: with why it may not run, so a finding says "may" for it.
      const stepAt = conditional ? `${at}, ${conditional}` : at;
      const maybe = conditional ? { conditional } : {};
      const unheld = argv[0] === 'exec' ? argv.slice(1) : argv;
      const heldIn = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(unheld[0] ?? '');
      const words = heldIn && dropVariables.has(heldIn[1]!) ? [...dropVariables.get(heldIn[1]!)!, ...unheld.slice(1)] : unheld;
      const tool = words[0];
      if (!tool) continue;
      // `set -- su-exec vault "$@"` and a later `exec "$@"` (hashicorp/docker-vault's and docker-consul's entrypoints): the
      // positional parameters become the drop, which the exec runs.
      const viaSet = tool === 'set' && words[1] === '--' && DROP_TOOLS.has(words[2] ?? '');
      if (DROP_TOOLS.has(tool) || viaSet) {
        const drop = readDrop(viaSet ? words.slice(2) : words, scope);
        // `sudo -u postgres psql …` in the middle of a root start is a one-off command as that user, not the main
        // process stepping down: what it needs as root counts, the drop does not (ONLYOFFICE's start keeps running
        // its services as root after it).
        const midway = argv[0] !== 'exec' && !(number === lastCommandLine && commands.length === 1);
        // Without exec the shell stays root beside the process it started as another user (`gosu app server &`).
        if (drop && argv[0] !== 'exec' && !viaSet) rootShellBesideDrop = true;
        if (drop && tool === 'sudo' && midway) {
          if (!seenDrop) for (const c of drop.caps) rootCaps.add(c);
          const step = `sudo${drop.user ? ` -u ${drop.user}` : ''} (${at})`;
          if (!underRootCheck && !userSwitches.includes(step)) userSwitches.push(step);
          continue;
        }
        // Other tools midway, on a command that is not the script's arguments, are kept as one-off drops (PrivilegeDrop.oneOff):
        // what the start runs after them (gogs's s6-svscan, which keeps sshd and crond on root) is still read as root's.
        const oneOff = midway && !words.some((w) => /\$\{?[@*]/.test(w));
        if (drop) {
          if (!oneOff) seenDrop = true;
          if (argv[0] === 'exec' || viaSet) execDropSeen ||= !underRootCheck;
          const { prefix, ...rest } = drop;
          const record: PrivilegeDrop = { ...rest, line: number + lineOffset, ...(oneOff ? { oneOff } : {}) };
          // Rewritable: the line is this one simple command (after `exec`), on one physical line.
          const raw = rawWords(line);
          const lead = raw[0]?.text === 'exec' ? 1 : 0;
          if (!viaSet && prefix !== undefined && commands.length === 1 && !line.includes('\n') && text.slice(start, end) === line && raw[lead]?.text === tool && raw[lead + prefix]) {
            record.lineRange = [start, end];
            record.withoutDrop = `${lead ? 'exec ' : ''}${line.slice(raw[lead + prefix]!.start).trimEnd()}`;
          }
          drops.push(record);
          if (!underRootCheck) rootOnlySteps.push({ how: `${tool}${drop.user ? ` ${drop.user}` : ''} (${stepAt})`, kind: 'drop', ...maybe });
          continue;
        }
      }
      // `busybox crond -f` runs BusyBox's crond applet (monica's cron.sh): the applet is the daemon.
      const name = path.posix.basename(tool) === 'busybox' && words[1] && !words[1].startsWith('-') ? path.posix.basename(words[1]) : path.posix.basename(tool);
      // `service` only as the SysV wrapper itself (an app binary may be called ./service).
      if (!seenDrop && ((ROOT_DAEMONS.has(name) && (name !== 'service' || tool === 'service')) || ROOT_ONLY_SERVERS.has(name) || tool.startsWith('/etc/init.d/') || isRootSupervisor(tool))) {
        const daemon = `${isRootSupervisor(tool) ? tool : name} (${at}${ROOT_ONLY_SERVERS.has(name) ? `; ${ROOT_ONLY_SERVERS.get(name)}` : ''})`;
        if (!rootDaemons.includes(daemon)) rootDaemons.push(daemon);
        if (argv[0] === 'exec' && !mainRootDaemons.includes(daemon)) mainRootDaemons.push(daemon);
      }
      // supervisord told to run as root (`-u root`, `--user=root`; docker-zulip's `exec supervisord -n -c … -u root`): it
      // stays root and starts its programs from a configuration that may not be in the repository (generated at build).
      if (!seenDrop && name === 'supervisord' && supervisordUser(words) === 'root') {
        const daemon = `supervisord -u root (${at})`;
        if (!rootDaemons.includes(daemon)) rootDaemons.push(daemon);
        if (argv[0] === 'exec' && !mainRootDaemons.includes(daemon)) mainRootDaemons.push(daemon);
      }
      const installs = PACKAGE_INSTALLS[path.posix.basename(tool)];
      if (!seenDrop && installs && words.slice(1).some((w) => installs.includes(w))) {
        const install = `${path.posix.basename(tool)} ${words.slice(1).find((w) => installs.includes(w))} (${at})`;
        if (!packageInstalls.includes(install)) packageInstalls.push(install);
      }
      if (escalatesToRoot(words, scope)) {
        const step = `${path.posix.basename(tool)} (${at})`;
        if (!escalations.includes(step)) escalations.push(step);
      }
      const pip = pipInstall(words);
      if (pip && !pipInstalls.includes(`${pip} (${at})`)) pipInstalls.push(`${pip} (${at})`);
      const collect = seenDrop ? undefined : collectStatic(words);
      if (collect && !staticCollects.includes(`${collect} (${at})`)) staticCollects.push(`${collect} (${at})`);
      const dep = depInstall(withoutInit(words), at, (w) => (w === '.' ? folderAt([...shellCommands(text.slice(0, start)), ...commands.slice(0, commands.indexOf(argv))], workdir, scope) : resolve(w)));
      if (dep && !depInstalls.some((d) => d.how === dep.how)) {
        const guard = lineGuard ?? [...fillGuards].reverse().find((g) => g !== undefined);
        const folder = guard === undefined || guard.includes('$') ? undefined : guard.startsWith('/') ? path.posix.normalize(guard) : dep.dir ? path.posix.resolve(dep.dir, guard) : undefined;
        depInstalls.push(folder && folder !== '/' ? { ...dep, unlessFilled: folder } : dep);
      }
      if (!seenDrop && ACCOUNT_TOOLS.has(path.posix.basename(tool))) {
        const change = `${path.posix.basename(tool)} (${at})`;
        if (!accountChanges.includes(change)) accountChanges.push(change);
        // `usermod -u`/`-g` (a PUID/PGID remap) also gives the user's home and the files in it to the new ID (usermod(8)):
        // that chown needs CHOWN, and DAC_OVERRIDE to enter a home of mode 750 or 700 (Ubuntu's HOME_MODE). On the team engine
        // (debian:bookworm-slim, home 750, cap_drop ALL + SETUID, SETGID) `usermod -u 2000 sail` failed with "Failed to change
        // ownership of the home directory" (exit 12, /etc/passwd already rewritten); CHOWN alone failed the same; with
        // CHOWN and DAC_OVERRIDE it succeeded (rw-fresh12, solidtime's Sail start-container).
        if (path.posix.basename(tool) === 'usermod' && words.slice(1).some((w) => /^-[a-zA-Z]*[ug]$|^--(uid|gid)(=|$)/.test(w))) {
          for (const c of ['CHOWN', 'DAC_OVERRIDE']) rootCaps.add(c);
        }
        const step = `${path.posix.basename(tool)} (${stepAt})`;
        if (!underRootCheck && !rootOnlySteps.some((x) => x.how === step)) rootOnlySteps.push({ how: step, kind: 'account', ...maybe });
      }
      // setcap before the drop: setting a file capability needs CAP_SETFCAP (capabilities(7)), and the capability it grants
      // must stay in the bounding set, or exec of a binary whose file capability is effective fails with EPERM (capabilities(7),
      // "Safety checking for capability-dumb binaries"; vault's docker-entrypoint.sh tests `vault -version` for this).
      if (!seenDrop && name === 'setcap') {
        rootCaps.add('SETFCAP');
        for (const c of setcapGrants(words) ?? []) rootCaps.add(c);
        const how = `${words.slice(0, 2).join(' ')} (${at})`;
        if (!underRootCheck && !fileCapSets.some((x) => x.how === how)) fileCapSets.push({ how, caps: setcapGrants(words) ?? [] });
      }
      // A signal sent from the root shell (`kill -TERM $PID`, also in a `trap '...' TERM` handler, and `kill -0` to test
      // it is alive): noted here, judged after the whole script is read (see KILL below).
      if (!execDropSeen && (KILL_TOOLS.has(name) || (tool === 'trap' && shellCommands(words[1] ?? '').some((c) => KILL_TOOLS.has(path.posix.basename(c[0] ?? '')))))) {
        rootKills.push(at);
      }
      // chown before the drop (also through `find -exec chown`, `xargs chown`) needs CHOWN, and DAC_OVERRIDE/FOWNER for others' files.
      if (!seenDrop && (tool === 'chown' || (['find', 'xargs'].includes(tool) && words.includes('chown')))) {
        for (const c of ['CHOWN', 'DAC_OVERRIDE', 'FOWNER']) rootCaps.add(c);
        if (!underRootCheck) {
          const operands = (tool === 'chown' ? words.slice(1) : words.slice(words.indexOf('chown') + 1)).filter((w) => !w.startsWith('-'));
          const owner = operands[0] !== undefined ? (expandArgs(operands[0], scope) ?? operands[0]) : undefined;
          rootOnlySteps.push({ how: `chown${owner ? ` ${owner}` : ''} (${stepAt})`, kind: 'chown', ...(owner ? { owner } : {}), ...maybe });
        }
      }
      // `sudo mkdir -p /run/app`: the command sudo runs as root writes as any other would.
      // `find DIR | xargs sed -i` writes what `find DIR -exec sed -i {} +` would: read as that, and named as the pipe it is.
      const feeder = pipedFrom[commandIndex] !== undefined ? commands[pipedFrom[commandIndex]!]! : undefined;
      const viaPipe = feeder ? xargsAsFind(words, feeder) : undefined;
      const written = viaPipe ?? (escalatesToRoot(words, scope) ? escalatedCommand(words) : words);
      const pipeName = feeder ? path.posix.basename(feeder[0]!) : '';
      const named = (w: StartWrite): StartWrite =>
        viaPipe ? { ...w, how: w.how.replace(/the files find (\S+) finds/, pipeName === 'find' ? 'the files find $1 finds' : `the files ${pipeName} lists below $1`).replace('(find -exec, ', `(${pipeName} | xargs, `) } : w;
      for (const w of writesOf(written, resolve, stepAt).map(named)) {
        const seen = writes.findIndex((x) => x.path === w.path && x.kind === w.kind);
        if (seen < 0) writes.push({ ...w, ...maybe });
        // The same write made on every start elsewhere in the script: it is certain.
        else if (writes[seen]!.conditional && !conditional) writes[seen] = w;
      }
    }
  }
  for (const w of writes) if (w.kind === 'file' && tested.has(w.path)) w.tested = tested.get(w.path)!;
  // A root shell that signals a process it started as another user (its child after `gosu app server &`, the trap that
  // forwards SIGTERM to it) needs CAP_KILL: without it a sender may signal only processes whose real or saved UID is its
  // own real or effective UID, and gosu/su-exec change all three of the child's (kill(2), "EPERM"; capabilities(7),
  // CAP_KILL). Under cap_drop: [ALL] the forwarded stop then fails and the container is killed after the stop timeout.
  // On the team engine (debian:bookworm-slim, cap_drop ALL + SETUID, SETGID): `setpriv --reuid 1000 ... sleep 100 &` then
  // `kill -TERM $!` from root failed with "kill: Operation not permitted", and succeeded with KILL added.
  if (rootShellBesideDrop && rootKills.length) rootCaps.add('KILL');
  return {
    drops,
    writes,
    rootCheck: ROOT_CHECK.test(text),
    rootCaps: [...rootCaps],
    rootDaemons,
    ...(mainRootDaemons.length ? { mainRootDaemons } : {}),
    ...(accountChanges.length ? { accountChanges } : {}),
    ...(rootOnlySteps.length ? { rootOnlySteps } : {}),
    ...(fileCapSets.length ? { fileCapSets } : {}),
    // A script that checks for root first was written to run without it too: its installs are skipped there.
    ...(packageInstalls.length && !ROOT_CHECK.test(text) ? { packageInstalls } : {}),
    ...(escalations.length ? { escalations } : {}),
    ...(userSwitches.length ? { userSwitches } : {}),
    ...(pipInstalls.length ? { pipInstalls } : {}),
    ...(staticCollects.length ? { staticCollects } : {}),
    ...(depInstalls.length ? { depInstalls } : {}),
  };
}

/** A shell function's first line: `name() {`, `function name {`, `function name() {` (the brace may follow on its own line). */
const FUNCTION_HEADER = /^\s*(?:function\s+([A-Za-z_][\w.:-]*)\s*(?:\(\s*\))?|([A-Za-z_][\w.:-]*)\s*\(\s*\))\s*(\{)?/;

/**
 * For each logical line of a script and each simple command on it (in shellCommands' order), why the command may not
 * run on every start, or undefined where it always runs as far as the text shows: inside an `if` or `case` branch, after
 * a `&&` or `||` in its list (`[ -f "$F" ] && sed -i … "$F"`), or in a function that the script calls only from such
 * places or never (a function nothing calls never runs). A function called at the top level (or from a function that
 * always runs) runs its body as the top level would. Loops are not counted: their bodies usually run.
 */
function stepConditions(lineTexts: string[]): (string | undefined)[][] {
  // Loops and an if's test span lines: one state carried through the script, in order.
  const state: ShellConditionState = { loops: [], inIfTest: false };
  const read = lineTexts.map((t) => shellCommandConditions(t, state));
  const fnOf: (string | undefined)[] = [];
  const header: boolean[] = [];
  // The if/case depth at the start of each line, and at the start of each function's body.
  const depthAt: number[] = [];
  const bodyDepth = new Map<string, number>();
  // The loops that may run no times open where each function is defined: its body counts only those opened inside it.
  const bodyLoops = new Map<string, number>();
  let depth = 0;
  let fn: string | undefined;
  let braces = 0;
  let opened = false;
  lineTexts.forEach((t, i) => {
    depthAt[i] = depth;
    depth = Math.max(0, depth + read[i]!.depth);
    if (fn === undefined) {
      const h = FUNCTION_HEADER.exec(t);
      if (!h) return;
      const name = (h[1] ?? h[2])!;
      header[i] = true;
      fnOf[i] = name;
      bodyDepth.set(name, depthAt[i]!);
      bodyLoops.set(name, read[i]!.commands[0]?.loops ?? 0);
      // `name() { …; }` on one line: its body is this line.
      if (h[3] && /(^|[;&\s])\}\s*$/.test(t.slice(h[0].length))) return;
      fn = name;
      braces = h[3] ? 1 : 0;
      opened = !!h[3];
      return;
    }
    fnOf[i] = fn;
    if (/^\s*\{\s*$/.test(t) || (/\{\s*$/.test(t) && !/^\s*\}/.test(t))) {
      braces++;
      opened = true;
    } else if (/^\s*\}/.test(t)) braces--;
    if (opened && braces <= 0) fn = undefined;
  });
  const names = new Set(bodyDepth.keys());
  // Calls of each function: from where (a function or the top level), and whether that call always runs there.
  const calls: { callee: string; caller: string | undefined; always: boolean }[] = [];
  read.forEach((r, i) => {
    r.commands.forEach((c, k) => {
      const callee = c.argv[0] === 'exec' ? c.argv[1] : c.argv[0];
      if (callee === undefined || !names.has(callee) || (header[i] && k === 0) || fnOf[i] === callee) return;
      const base = fnOf[i] === undefined ? 0 : bodyDepth.get(fnOf[i]!)!;
      calls.push({ callee, caller: fnOf[i], always: !c.guarded && depthAt[i]! + c.nested <= base && c.loops <= (fnOf[i] === undefined ? 0 : bodyLoops.get(fnOf[i]!)!) });
    });
  });
  const runs = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of calls) {
      if (c.always && !runs.has(c.callee) && (c.caller === undefined || runs.has(c.caller))) {
        runs.add(c.callee);
        grew = true;
      }
    }
  }
  return read.map((r, i) =>
    r.commands.map((c, k) => {
      const inFn = fnOf[i];
      if (inFn !== undefined && header[i] && k === 0) return undefined;
      if (inFn !== undefined && !runs.has(inFn)) return `in function ${inFn}, which the script ${calls.some((x) => x.callee === inFn) ? 'calls only on some paths' : 'never calls'}`;
      const base = inFn === undefined ? 0 : bodyDepth.get(inFn)!;
      if (depthAt[i]! + c.nested > base) return 'inside an if or case';
      if (c.loops > (inFn === undefined ? 0 : bodyLoops.get(inFn)!)) return 'inside a loop that may run no times';
      if (c.guarded) return 'after && or ||';
      return undefined;
    }),
  );
}

/**
 * Paths a line tests the existence of as files: the operand of `-e`, `-f` or `-s` in a `[ … ]`, `[[ … ]]` or `test`
 * expression (POSIX test(1); bash's conditional expressions), resolved like a write's path.
 */
function existenceTests(line: string, resolve: (w: string) => string | undefined): string[] {
  if (!/(^|[\s;&|(!])(\[\[?|test)\s/.test(line)) return [];
  const out: string[] = [];
  for (const m of line.matchAll(/(?:^|[\s(!])-[efs]\s+("[^"]*"|'[^']*'|[^\s;&|)\]]+)/g)) {
    const word = m[1]!.replace(/^(["'])(.*)\1$/, '$2');
    const p = resolve(word);
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}

/** Lines joined over backslash continuations, with offsets of the first line's start and the last line's end. */
function logicalLines(text: string): { text: string; start: number; end: number; number: number }[] {
  const out: { text: string; start: number; end: number; number: number }[] = [];
  let i = 0;
  let number = 1;
  while (i < text.length) {
    const start = i;
    const first = number;
    let end = lineEndOf(text, i);
    let joined = text.slice(start, end);
    // A pipe at a line's end continues the pipeline on the next line (POSIX 2.10.2: `pipe_sequence '|' linebreak
    // command`), as a backslash does any command: `find … -print0 |` then `xargs -0 sed -i …` is one pipeline.
    for (let piped = false; end < text.length; ) {
      const physical = text.slice(lineStartOf(text, end), end);
      piped = /(^|[^|])\|\s*$/.test(physical) && !/^\s*#/.test(physical);
      if (!piped && !/\\$/.test(physical)) break;
      i = text.indexOf('\n', end) + 1;
      number++;
      end = lineEndOf(text, i);
      joined = piped ? `${joined} ${text.slice(i, end)}` : `${joined.slice(0, -1)} ${text.slice(i, end)}`;
    }
    out.push({ text: joined, start, end, number: first });
    const nl = text.indexOf('\n', end);
    if (nl < 0) break;
    i = nl + 1;
    number++;
    // A here-document's body is the text a command reads on its standard input (`cat > /tmp/users.acl <<EOF`),
    // not commands, unless that command is a shell reading it as a script (`sh <<EOF`): a body line such as
    // `user default on >secret` is no redirect. Skipped up to its delimiter line (POSIX 2.7.4; `<<-` strips tabs).
    for (const doc of hereDocuments(joined)) {
      while (i < text.length) {
        const lineEnd = lineEndOf(text, i);
        const body = text.slice(i, lineEnd);
        const nextLine = text.indexOf('\n', lineEnd);
        i = nextLine < 0 ? text.length : nextLine + 1;
        number++;
        if ((doc.stripTabs ? body.replace(/^\t+/, '') : body).trim() === doc.delimiter) break;
      }
    }
  }
  return out;
}

/** Shells that read a here-document as a script: its body is commands. */
const SCRIPT_READERS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);

/**
 * The here-documents a line opens (`<<EOF`, `<<-'END'`, `<< "X"`), in order, whose bodies are data: those fed to
 * a shell without `-c` (`bash <<EOF`, `sh -s <<EOF`) are scripts and are read as commands. A here-string (`<<<`) opens none.
 */
function hereDocuments(line: string): { delimiter: string; stripTabs: boolean }[] {
  if (!line.includes('<<')) return [];
  const out: { delimiter: string; stripTabs: boolean }[] = [];
  const opener = /(^|[^<])<<(-?)[ \t]*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\3/g;
  for (let m = opener.exec(line); m; m = opener.exec(line)) {
    // The simple command the operator belongs to: the text since the last `;`, `&`, `|`, `(` or newline before it.
    const before = line.slice(0, m.index + m[1]!.length);
    const segment = before.slice(Math.max(...[';', '&', '|', '(', '\n'].map((c) => before.lastIndexOf(c))) + 1);
    const words = segment.trim().split(/\s+/).filter((w) => w !== 'exec');
    const reader = path.posix.basename(words[0] ?? '');
    if (SCRIPT_READERS.has(reader) && !words.includes('-c')) continue;
    out.push({ delimiter: m[4]!, stripTabs: m[2] === '-' });
  }
  return out;
}

/** The words of a line with their offsets, quotes kept as written (`gosu "$U" "$@"` is three words). */
function rawWords(line: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === '#') break;
    const start = i;
    while (i < line.length && !/\s/.test(line[i]!)) {
      const q = line[i];
      if (q === '"' || q === "'") {
        const close = line.indexOf(q, i + 1);
        i = close < 0 ? line.length : close + 1;
      } else i += line[i] === '\\' ? 2 : 1;
    }
    out.push({ text: line.slice(start, i), start });
  }
  return out;
}

/**
 * The user a drop command switches to and the capabilities it needs; `prefix`:
 * how many words the drop takes before the command it runs (undefined when the
 * command is a string for another shell, as with `su -c`).
 */
function readDrop(words: string[], scope: Map<string, string | undefined>): (Omit<PrivilegeDrop, 'line'> & { prefix?: number }) | undefined {
  const tool = words[0]!;
  const expand = (w: string | undefined) => (w === undefined ? undefined : w.includes('$') ? expandArgs(w, scope) ?? w : w);
  const base = ['SETGID', 'SETUID'];
  switch (tool) {
    case 'gosu':
    case 'su-exec':
    case 's6-setuidgid': {
      if (words.length < 3) return undefined;
      return { tool, user: expand(words[1]), prefix: 2, caps: base };
    }
    // s6's own tools, which s6-setuidgid runs (s6-setuidgid.c: `s6-envuidgid USER s6-applyuidgid -Uz -- prog`):
    // `s6-applyuidgid -u UID -g GID prog` sets the IDs given, `-U` those s6-envuidgid put in UID/GID for the account
    // it names (https://skarnet.org/software/s6/s6-applyuidgid.html, s6-envuidgid.html). Only a UID change is a drop.
    case 's6-applyuidgid': {
      const opts = s6Options(words, 1, 'ugG');
      if (opts.values.u === undefined && !opts.flags.has('U')) return undefined;
      return { tool, user: expand(opts.values.u ?? (scope.get('UID') || undefined)), prefix: opts.next < words.length ? opts.next : undefined, caps: base };
    }
    case 's6-envuidgid': {
      const opts = s6Options(words, 1, 'D');
      const account = words[opts.next];
      // `-g` alone sets only GID; the account is a user unless -g says otherwise.
      if (account === undefined || (opts.flags.has('g') && !opts.flags.has('u') && !opts.flags.has('B'))) return undefined;
      if (words[opts.next + 1]?.replace(/^.*\//, '') !== 's6-applyuidgid') return undefined;
      const apply = s6Options(words, opts.next + 2, 'ugG');
      if (!apply.flags.has('U') || apply.values.u !== undefined) return undefined;
      return { tool, user: expand(account), prefix: apply.next < words.length ? apply.next : undefined, caps: base };
    }
    case 'setpriv': {
      let user: string | undefined;
      let i = 1;
      for (; i < words.length; i++) {
        const w = words[i]!;
        if (w === '--') {
          i++;
          break;
        }
        if (!w.startsWith('-')) break;
        const m = /^--(reuid|ruid|euid)=(.*)$/.exec(w);
        if (m) user = expand(m[2]);
        else if (/^--(reuid|ruid|euid|regid|rgid|egid|groups|inh-caps|ambient-caps|bounding-set|securebits|selinux-label|apparmor-profile|landlock-access|landlock-rule)$/.test(w)) {
          if (/^--(reuid|ruid|euid)$/.test(w)) user = expand(words[i + 1]);
          i++;
        }
      }
      if (user === undefined) return undefined; // setpriv without a UID change (--no-new-privs, capability sets) drops no user
      return { tool, user, prefix: i < words.length ? i : undefined, caps: base };
    }
    case 'chroot': {
      const spec = words.find((w) => w.startsWith('--userspec='))?.slice('--userspec='.length) ?? (words.includes('--userspec') ? words[words.indexOf('--userspec') + 1] : undefined);
      if (!spec) return undefined;
      // `chroot --userspec=U:G / cmd...`: the command runs in place; another root directory cannot be left out.
      const rootAt = words.findIndex((w, i) => i > 0 && !w.startsWith('-') && words[i - 1] !== '--userspec');
      const runsInPlace = rootAt > 0 && words[rootAt] === '/' && rootAt + 1 < words.length;
      return { tool, user: expand(spec.split(':')[0]), prefix: runsInPlace ? rootAt + 1 : undefined, caps: [...base, 'SYS_CHROOT'] };
    }
    case 'runuser': {
      const u = words.indexOf('-u');
      const dd = words.indexOf('--');
      if (u > 0 && dd > u) return { tool, user: expand(words[u + 1]), prefix: dd + 1 < words.length ? dd + 1 : undefined, caps: base };
      const user = words.slice(1).find((w, i, all) => !w.startsWith('-') && !['-c', '-s', '-g', '-G', '--command', '--shell', '--group'].includes(all[i - 1] ?? ''));
      return user ? { tool, user: expand(user), caps: base } : undefined;
    }
    case 'sudo': {
      // `sudo -u USER [-H] [-E] cmd...`, `sudo -HEu git cmd`, `sudo --user=USER -- cmd`: only a -u to
      // another user drops (plain `sudo cmd` runs as root). As root, sudo switches with setuid/setgid and
      // sends an audit record through PAM; without AUDIT_WRITE that fails ("sudo: unable to send audit
      // message", then "pam_open_session: System error": sameersbn/docker-gitlab#2263, pi-hole/docker-pi-hole#1007).
      let user: string | undefined;
      let i = 1;
      for (; i < words.length; i++) {
        const w = words[i]!;
        if (w === '--') {
          i++;
          break;
        }
        if (!w.startsWith('-')) break;
        const long = /^--user=(.*)$/.exec(w);
        if (long) user = expand(long[1]);
        else if (w === '--user') user = expand(words[++i]);
        else if (/^--(group|prompt|close-from|chdir|chroot|host|role|type|other-user|command-timeout)$/.test(w)) i++;
        else if (/^-[^-]/.test(w)) {
          // Clustered short options: the first one taking a value takes the rest of the word, or the next word.
          const flags = w.slice(1);
          const at = flags.search(/[ugpCDhRrTU]/);
          if (at >= 0) {
            const value = flags.slice(at + 1) || words[++i];
            if (flags[at] === 'u') user = expand(value);
          }
        }
      }
      if (user === undefined || user === 'root' || user === '0' || user === '#0') return undefined;
      return { tool, user, prefix: i < words.length ? i : undefined, caps: [...base, 'AUDIT_WRITE'] };
    }
    case 'su': {
      // `su [-s SHELL] [-c CMD] USER` / `su USER -c CMD`: the command is a string for another shell.
      if (!words.includes('-c') && !words.some((w) => w.startsWith('--command'))) return undefined;
      const user = words.slice(1).find((w, i, all) => !w.startsWith('-') && !['-c', '-s', '-g', '-G', '--command', '--shell', '--group'].includes(all[i - 1] ?? ''));
      return user ? { tool, user: expand(user), caps: base } : undefined;
    }
  }
  return undefined;
}

/** getopt-style options of an s6 tool from `from` (`-Uz`, `-u 1000`, `-u1000`, `--`): letters in `valued` take a value. */
function s6Options(words: string[], from: number, valued: string): { flags: Set<string>; values: Record<string, string>; next: number } {
  const flags = new Set<string>();
  const values: Record<string, string> = {};
  let i = from;
  while (i < words.length && /^-./.test(words[i]!)) {
    const w = words[i++]!;
    if (w === '--') break;
    for (let k = 1; k < w.length; k++) {
      const letter = w[k]!;
      if (valued.includes(letter)) {
        values[letter] = w.slice(k + 1) || words[i++] || '';
        break;
      }
      flags.add(letter);
    }
  }
  return { flags, values, next: i };
}

/** A word back in shell form: quoted when it holds anything a shell would split or expand differently. */
function shellWord(w: string): string {
  if (/^[\w@%+=:,./-]+$/.test(w)) return w;
  if (/^"\$[@*]"$/.test(`"${w}"`)) return `"${w}"`;
  return `"${w.replace(/["\\`]/g, '\\$&')}"`;
}

/** Options that name the folder a program keeps its data, state or configuration in (syncthing `--home`, stcrashreceiver `--dir`). */
const DATA_DIR_FLAGS = new Set(['home', 'dir', 'data-dir', 'datadir', 'data-path', 'state-dir', 'statedir', 'storage-dir', 'db-dir', 'config-dir', 'configdir', 'conf-dir', 'log-dir', 'logdir', 'cache-dir']);

/**
 * Options whose name says the program keeps its data at the path given (`--sqlitedb /root/golink.db`, `--data-dir /data`,
 * `--db-path=./state.db`, Go's single-dash `-database /x.db`): a database file, or a folder it makes and fills. Read with
 * an absolute value too, unlike DATA_DIR_FLAGS' config and log folders (an absolute config folder is read, not written):
 * under a folder root owns, the user the tool adds cannot make or write it (tailscale/golink's `--sqlitedb
 * /root/golink.db`, review 2026-12-f row 200). Names compare lower case, `_` as `-`. Not `--config`, `--home`, `--dir`.
 */
const DATA_PATH_FLAGS = new Set([
  'db', 'database', 'sqlite', 'sqlitedb', 'sqlite-db', 'sqlite-path', 'sqlite-file', 'db-path', 'dbpath', 'db-file', 'dbfile', 'database-path', 'database-file',
  'data', 'data-dir', 'datadir', 'data-path', 'data-folder', 'db-dir', 'state', 'state-dir', 'statedir', 'state-path', 'state-file',
  'storage', 'storage-dir', 'storage-path', 'store', 'store-dir', 'store-path', 'datastore', 'cache-dir',
]);

/** DATA_PATH_FLAGS that name a folder whatever the value looks like (`--data-dir /srv/app.d` is a folder). */
const DATA_FOLDER_FLAGS = /(^|-)(dir|folder)$|^(datadir|statedir)$/;

/** Clients whose `--data` is what they send (curl's request body, `-d @file`), not where they keep anything. */
const DATA_SENDERS = new Set(['curl', 'wget', 'http', 'https', 'httpie', 'grpcurl', 'xh']);

/**
 * The path a data option is given, or undefined when the value is not a plain path: a URL or DSN (`postgres://…`,
 * `file:nanny.sqlite`), `host:port`, JSON or a key=value list (`--data '{"a":1}'`, `--data a=b`), an option, a word with
 * no folder in it (`--state running`, `--store memory`) unless it names a database file (`--db app.db`).
 */
function dataPathValue(name: string, value: string): string | undefined {
  if (!value || !/^[\w./${}+-]+$/.test(value) || value.startsWith('-') || value.includes('://')) return undefined;
  if (/^\$\{?\w+\}?$/.test(value) || value.startsWith('/') || value.startsWith('$') || value.startsWith('.') || value.includes('/')) return value;
  return /^(db|database|sqlite|sqlitedb|sqlite-db|sqlite-file|db-file|dbfile|database-file)$/.test(name) && /\.(db|sqlite3?|bolt|bbolt)$/i.test(value) ? value : undefined;
}

/** xargs(1) options (GNU findutils, BusyBox) that take the next word as their value; their `--long=value` forms take none. */
const XARGS_VALUED = new Set(['-a', '--arg-file', '-d', '--delimiter', '-E', '-e', '-I', '-L', '-l', '-n', '--max-args', '-P', '--max-procs', '-s', '--max-chars', '--process-slot-var']);

/**
 * `find DIR … | xargs CMD …` (or `grep -rl PATTERN DIR | xargs CMD`) as the `find DIR … -exec CMD … {} +` it amounts to:
 * xargs runs CMD with the names it reads appended (GNU findutils' xargs(1); with `-I R` or `-i`, in place of R), and
 * those names are the files find (or a recursive `grep -l`) lists below DIR. `-print0 | xargs -0` and `-r` change only
 * how names are split and whether an empty list runs CMD. undefined for anything else (names from a file with `-a`, a
 * feeder whose list is not files below a folder), so the command is read as it is.
 */
function xargsAsFind(words: string[], feeder: string[]): string[] | undefined {
  if (path.posix.basename(words[0] ?? '') !== 'xargs') return undefined;
  let i = 1;
  let replace: string | undefined;
  for (; i < words.length && words[i]!.startsWith('-'); i++) {
    const w = words[i]!;
    if (w === '-a' || w === '--arg-file' || w.startsWith('--arg-file=')) return undefined;
    if (w === '-I') replace = words[i + 1];
    else if (w.startsWith('-I') && w.length > 2) replace = w.slice(2);
    else if (w === '-i' || w === '--replace') replace = '{}';
    else if (w.startsWith('-i') && w.length > 2) replace = w.slice(2);
    else if (w.startsWith('--replace=')) replace = w.slice('--replace='.length);
    if (XARGS_VALUED.has(w)) i++;
  }
  const command = words.slice(i);
  if (!command.length) return undefined;
  const run = replace !== undefined ? command.map((w) => (w === replace ? '{}' : w)) : [...command, '{}'];
  if (!run.includes('{}')) return undefined;
  const source = path.posix.basename(feeder[0] ?? '');
  if (source === 'find') {
    // Its own -exec/-ok commands are read on the find itself; only its tests and starting points say which files.
    const tests: string[] = [];
    for (let k = 1; k < feeder.length; k++) {
      if (['-exec', '-execdir', '-ok', '-okdir'].includes(feeder[k]!)) {
        while (k < feeder.length && ![';', '\\;', '+'].includes(feeder[k]!)) k++;
        continue;
      }
      tests.push(feeder[k]!);
    }
    return ['find', ...tests, '-exec', ...run, '+'];
  }
  if (source === 'grep' || source === 'egrep' || source === 'fgrep') {
    // `grep -rl PATTERN DIR…` lists the files below each DIR that match: only a recursive, files-listing grep names files.
    const flags = feeder.slice(1).filter((w) => w.startsWith('-'));
    const short = flags.filter((w) => /^-[a-zA-Z]+$/.test(w)).join('');
    const recursive = /[rR]/.test(short) || flags.includes('--recursive') || flags.includes('--dereference-recursive');
    const lists = /l/.test(short) || flags.includes('--files-with-matches');
    if (!recursive || !lists) return undefined;
    const scripted = flags.some((w) => w === '-e' || w === '-f' || w.startsWith('--regexp') || w.startsWith('--file'));
    const values = new Set<number>();
    feeder.forEach((w, k) => {
      if (['-e', '-f', '-m', '-A', '-B', '-C', '--regexp', '--file', '--include', '--exclude', '--exclude-dir'].includes(w)) values.add(k + 1);
    });
    const operands = feeder.filter((w, k) => k > 0 && !w.startsWith('-') && !values.has(k)).slice(scripted ? 0 : 1);
    return ['find', ...(operands.length ? operands : ['.']), '-type', 'f', '-exec', ...run, '+'];
  }
  return undefined;
}

/** Paths a simple command writes. */
function writesOf(argv: string[], resolve: (w: string) => string | undefined, at: string): StartWrite[] {
  const out: StartWrite[] = [];
  const add = (word: string | undefined, kind: StartWrite['kind'], what: string) => {
    const p = word === undefined ? undefined : resolve(word);
    if (p && !/^\/(dev|proc|sys)(\/|$)/.test(p)) out.push({ path: p, kind, how: `${what} (${at})` });
  };
  const tool = argv[0]!;
  // A program given a relative folder for its data (`--home data`, `--dir .`, `--data-dir=./state`) writes into it,
  // relative to the working directory: `/` where the image sets no WORKDIR, which only root may write. Only relative
  // values: they are where the working directory decides. Options that say the program keeps its data there
  // (DATA_PATH_FLAGS) are read with an absolute value too: that folder may be one root owns (`--sqlitedb /root/golink.db`).
  const sender = DATA_SENDERS.has(path.posix.basename(tool));
  for (let i = 1; i < argv.length; i++) {
    const m = /^--?([a-zA-Z][\w-]*)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) continue;
    const name = m[1]!.toLowerCase().replace(/_/g, '-');
    const given = m[2] ?? argv[i + 1];
    const relativeDir = DATA_DIR_FLAGS.has(name) && name === m[1] && given !== undefined && !/^[/$~-]/.test(given);
    if (DATA_PATH_FLAGS.has(name) && !sender && !relativeDir) {
      const value = given === undefined ? undefined : dataPathValue(name, given);
      const p = value === undefined ? undefined : resolve(value);
      if (p && !/^\/(dev|proc|sys)(\/|$)/.test(p)) {
        const written = m[2] !== undefined ? argv[i]! : `${argv[i]} ${given}`;
        const relative = !value!.startsWith('/') && !value!.startsWith('$');
        const where = relative ? ', relative to the working directory' : '';
        // A file (a database: SQLite keeps its journal beside it) needs its folder writable; a folder, itself.
        const file = !DATA_FOLDER_FLAGS.test(name) && /\.[A-Za-z0-9]{1,8}$/.test(path.posix.basename(p));
        // Data the program keeps across restarts (StartWrite.keeps): a volume on a read-only root, never a tmpfs. A cache
        // folder (`--cache-dir`) is refilled: a write like any other, which a tmpfs may take.
        const keeps = /cache/.test(name) ? undefined : `the data ${path.posix.basename(tool)} is told to keep there (${m[2] !== undefined ? `${argv[i]!.split('=')[0]}=` : argv[i]})`;
        out.push(
          file
            ? { path: p, kind: 'dir-of', how: `${path.posix.basename(tool)} ${written}, a file it keeps data in${where} (${at})`, ...(keeps ? { keeps } : {}) }
            : { path: p === '/' ? '/*' : `${p}/*`, kind: 'dir-of', how: `${path.posix.basename(tool)} ${written}, a folder it keeps ${keeps ? 'data' : 'a cache'} in${where} (${at})`, ...(keeps ? { keeps } : {}) },
        );
        continue;
      }
    }
    if (!DATA_DIR_FLAGS.has(name) || name !== m[1]) continue;
    const value = m[2] ?? argv[i + 1];
    if (value === undefined || value === '' || /^[/$~-]/.test(value)) continue;
    const dir = resolve(value);
    const written = m[2] !== undefined ? argv[i]! : `${argv[i]} ${value}`;
    if (dir) out.push({ path: dir === '/' ? '/*' : `${dir}/*`, kind: 'dir-of', how: `${path.posix.basename(tool)} ${written}, a folder relative to the working directory ${dir === '/' ? '/' : `(${dir})`} (${at})` });
  }
  // Redirections: `> file`, `>> file`, `>file`, `2>file`; not `>&2` or `/dev/null`.
  for (let i = 1; i < argv.length; i++) {
    const m = /^\d?>>?(.*)$/.exec(argv[i]!);
    if (!m || m[1]!.startsWith('&')) continue;
    add(m[1] || argv[i + 1], 'file', `${tool} > ${m[1] || argv[i + 1]}`);
  }
  // install(1)'s -m/-o/-g/-t/-S take the next word as their value (`install -m755 -g 32 -o 32 -d /run/rpcbind`): not an operand.
  const valued = tool === 'install' ? /^(-[mogtS]|--(mode|owner|group|target-directory|suffix))$/ : undefined;
  const operands = argv.slice(1).filter((w, i, rest) => !w.startsWith('-') && !/^\d?>/.test(w) && !(valued && i > 0 && valued.test(rest[i - 1]!)));
  switch (tool) {
    case 'mkdir':
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === '-m' || a === '--mode') i++;
        else if (!a.startsWith('-')) add(a, 'dir', `mkdir ${a}`);
      }
      break;
    case 'touch':
      for (const o of operands) add(o, 'file', `touch ${o}`);
      break;
    case 'mkfifo':
    case 'mknod':
      // A named pipe (or device node) is a new entry in its folder, made each start (shenxn/protonmail-bridge-docker's
      // entrypoint: `rm -f faketty; mkfifo faketty` in the working directory, `/` there): the folder must be writable
      // (mkfifo(3): EACCES "search permission is denied ... or write permission is denied on the parent directory").
      // mkfifo's -m/--mode and mknod's -m take a value; mknod's type and numbers follow the name.
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === '-m' || a === '--mode' || a === '-Z' || a === '--context') i++;
        else if (!a.startsWith('-') && !/^\d?>/.test(a)) {
          add(a, 'dir-of', `${tool} ${a}`);
          if (tool === 'mknod') break;
        }
      }
      break;
    case 'tee':
      for (const o of operands) add(o, 'file', `tee ${o}`);
      break;
    case 'cp':
    case 'install':
      if (operands.length >= 2 && !argv.includes('-d')) add(operands[operands.length - 1], 'file', `${tool} to ${operands[operands.length - 1]}`);
      if (tool === 'install' && argv.includes('-d')) for (const o of operands) add(o, 'dir', `install -d ${o}`);
      break;
    case 'sed':
      // sed -i writes a new file next to the old one and renames it: the directory must be writable.
      if (argv.some((w) => /^-[a-zA-Z]*i/.test(w) || w.startsWith('--in-place'))) {
        // The script is the first operand, unless -e/-f give it; their values are scripts, not files (`-e '/^x.*/d'`).
        const scripted = argv.some((w) => w === '-e' || w === '-f' || w === '--expression' || w === '--file');
        const values = new Set<number>();
        argv.forEach((w, i) => {
          if (w === '-e' || w === '-f' || w === '--expression' || w === '--file') values.add(i + 1);
        });
        const files = argv.map((w, i) => ({ w, i })).filter(({ w, i }) => i > 0 && !values.has(i) && !w.startsWith('-') && !/^\d?>/.test(w)).map(({ w }) => w).slice(scripted ? 0 : 1);
        for (const f of files) {
          // A glob (`/etc/php*/php.ini`, snipe-it's startup_alpine.sh) is kept as written: what it matches is not known
          // here, so nothing is chowned for it (write-paths skips a folder with a glob), and the finding names it.
          const glob = !f.includes('$') && /[*?[]/.test(f) && f.startsWith('/') ? path.posix.normalize(f) : undefined;
          if (glob) out.push({ path: glob, kind: 'dir-of', how: `sed -i on ${f} (${at})` });
          else add(f, 'dir-of', `sed -i on ${f}`);
        }
      }
      break;
    case 'find': {
      // `find DIR … -exec CMD … {} +` runs CMD on the files it finds: the common env-injection step of a single-page
      // app's start (bluewave-labs/Checkmate's inject-vars.sh: `find ./public/assets -type f -name '*.js' -exec sed -i
      // "s|${key}|${value}|g" '{}' +`). What CMD writes is read as if it named those files: `{}` is a file in DIR
      // (`-maxdepth 1`), DIR itself (`-maxdepth 0`), or any file below DIR. Below DIR the folders that hold the files are
      // not known here, and sed -i makes its new file in each of them: the whole tree must be the user's, so the write is
      // marked `tree` (write-paths gives the folder with -R). find(1) (GNU findutils): the starting points are the words before the first expression word
      // (one starting with `-`, `(`, `!`); none means `.`; `-exec`/`-execdir`/`-ok`/`-okdir` run to `;` or `+`.
      let i = 1;
      while (i < argv.length && /^-[HLP]$|^-O\d$|^-D$/.test(argv[i]!)) i += argv[i] === '-D' ? 2 : 1;
      const starts: string[] = [];
      for (; i < argv.length && !/^[-(!)]/.test(argv[i]!) && argv[i] !== '\\(' && argv[i] !== '\\!'; i++) starts.push(argv[i]!);
      if (!starts.length) starts.push('.');
      const depthAt = argv.indexOf('-maxdepth');
      const depth = depthAt > 0 ? Number(argv[depthAt + 1]) : NaN;
      for (let k = i; k < argv.length; k++) {
        if (!['-exec', '-execdir', '-ok', '-okdir'].includes(argv[k]!)) continue;
        let end = k + 1;
        while (end < argv.length && ![';', '\\;', '+'].includes(argv[end]!)) end++;
        const command = argv.slice(k + 1, end);
        k = end;
        if (!command.length || !command.includes('{}')) continue;
        for (const start of starts) {
          // The folder is resolved here (against the working directory); a file in it is named as a glob, which sed -i
          // keeps as written (writesOf's sed case) and write-paths reads as that folder.
          const base = resolve(start);
          if (!base) continue;
          const file = depth === 0 ? base : `${base === '/' ? '' : base}/*`;
          const below = !(depth === 0 || depth === 1);
          for (const w of writesOf(command.map((word) => (word === '{}' ? file : word)), resolve, at)) {
            // `sed -i on ./public/assets/*` reads as what find ran; the files' own names are not known.
            const how = w.how.replace(file, `the files find ${start} finds`);
            out.push({ ...w, how: `${how.replace(/ \([^()]*\)$/, '')} (find -exec, ${at})`, ...(below && w.kind === 'dir-of' ? { tree: true } : {}) });
          }
        }
      }
      break;
    }
    case 'update-ca-certificates':
    case 'update-ca-trust':
    case 'c_rehash':
      // Refreshing the CA bundle at start (custom CA support: getsentry/self-hosted's sentry/entrypoint.sh, searxng's
      // container/entrypoint.sh) rewrites the system's bundle: Debian's and Alpine's update-ca-certificates write
      // /etc/ssl/certs/ca-certificates.crt and its hash links (ca-certificates' update-ca-certificates(8)), RHEL's
      // update-ca-trust the folders under /etc/pki/ca-trust/extracted (update-ca-trust(8)), c_rehash the links in the
      // folder it is given (/etc/ssl/certs by default). Only root may write there, and a read-only root refuses it.
      if (tool === 'update-ca-trust') add('/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', 'dir-of', tool);
      else if (tool === 'c_rehash') add(operands[0] ?? '/etc/ssl/certs', 'dir', tool);
      else add('/etc/ssl/certs/ca-certificates.crt', 'dir-of', tool);
      break;
    case 'zip': {
      // zip(1): `zip [options] zipfile file ...` writes the zipfile (or -O/--out's file) through a temporary file made
      // in the same folder and renamed (unless -b names another), so that folder must be writable: once-campfire's
      // Dockerfile-export `CMD ["zip", "-r", "/campfire.zip", "."]` writes at /. -b, -n, -t, -tt, -P, -s, -Z take a value.
      let archive: string | undefined;
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === '-O' || a === '--out') {
          archive = argv[i + 1];
          break;
        }
        if (/^(-[bntPsZ]|-tt|--(temp-path|suffixes|from-date|before-date|password|split-size|compression-method))$/.test(a)) i++;
        else if (!a.startsWith('-') && !/^\d?>/.test(a)) {
          archive ??= a;
          if (!argv.includes('-O') && !argv.includes('--out')) break;
        }
      }
      if (archive) add(archive, 'dir-of', `zip to ${archive}`);
      break;
    }
    case 'sqlite3':
      // A database keeps its journal next to the file.
      if (operands[0]) {
        add(operands[0], 'file', `sqlite3 ${operands[0]}`);
        add(operands[0], 'dir-of', `sqlite3 ${operands[0]}`);
      }
      break;
  }
  return out;
}

// ------------------------------------------------------------ one image

export interface ImageStart {
  /** Scripts from the repository the image starts with, as read. */
  scripts: { ref: StartScriptRef; source: ScriptSource; where: string; reading: ScriptReading }[];
  /** What the ENTRYPOINT/CMD shell text itself writes or drops (no script). */
  command?: ScriptReading;
  /** What verify's baseline run saw it write at start (`docker diff`): writes no file of the repository says. */
  observed: StartWrite[];
  /** Folders the image gets from the repository holding only a placeholder (`.gitkeep`): kept for what the app writes there (placeholderWrites). */
  placeholders: StartWrite[];
  /** What the app's framework writes at start, read from the repository (framework-starts.ts: Django's STATIC_ROOT and MEDIA_ROOT, Next.js's .next/cache). */
  frameworks?: StartWrite[];
  /** Builds the start runs through package.json scripts (packageStartBuilds): they write their output into the app's folder, where is not known. */
  builds?: string[];
  /** Programs a supervisord it starts runs that need it on root (supervisedRootPrograms). */
  supervised: string[];
  /** Users a supervisord it starts switches to (a program's or its own `user=`): the app's users, for findings. */
  supervisedUsers: { user: string; where: string }[];
  /** Who the image's own files say the app runs as (imageRunUsers), strongest first. */
  runUsers: RunUserEvidence[];
  /** Where it starts uwsgi with no user named (no `--uid`, .ini `uid =` or UWSGI_UID it can see): a compose `environment:` may name it (environmentRunUsers). */
  uwsgi?: string;
  /** Settings modules the start's framework names that could not be read (a Django settings module not in the image's files here): what they set is not known. */
  unreadSettings?: string[];
  /** A step down the app makes in its own code (app-drops.ts: DocuSeal's `Process::Sys.seteuid(2000)` after root-only setup). */
  app?: AppCodeReading;
}

/** A non-root user the app is meant to run as, with where that is said. */
export interface RunUserEvidence {
  user: string;
  group?: string;
  how: string;
}

/** What an image stage does at start, from its start commands and the scripts the model loaded. */
export function imageStart(project: Project, df: DockerfileSource, base: StageBase): ImageStart {
  return imageStartSeen(project, df, base, imageBranchEnv(project, df));
}

/**
 * imageStart as one compose service's containers see it, where the service's `environment:` or env files set a
 * variable the image's start scripts test: their branches are chosen by the service's values (docker-openwisp's celery
 * services run the dashboard image with MODULE_NAME=celery). The image's own reading otherwise.
 */
function serviceImageStart(project: Project, s: ServiceLink, df: DockerfileSource, base: StageBase): ImageStart {
  const image = imageStart(project, df, base);
  const env = serviceBranchEnv(s);
  // The image's own reading leaves a name unknown that any service running it sets: this one may set it or not.
  const imageEnv = imageBranchEnv(project, df);
  const names = env.all || imageEnv.all ? undefined : [...new Set([...Object.keys(env.values), ...Object.keys(imageEnv.values)])];
  if (names && !names.length) return image;
  const tested = image.scripts.some((x) => {
    const text = project.files.get(x.ref.hostPath)?.text ?? x.source.text;
    return names ? names.some((n) => text.includes(`$${n}`) || text.includes(`\${${n}}`)) : /\$\{?[A-Za-z_]/.test(text);
  });
  return tested ? imageStartSeen(project, df, base, env) : image;
}

function imageStartSeen(project: Project, df: DockerfileSource, base: StageBase, branchEnv: BranchEnv): ImageStart {
  const byChain = startInPass.get(df, () => new Map());
  const envKey = branchEnvKey(branchEnv);
  const key = `${base.chain.map((st) => st.index).join(',')}|${envKey}`;
  let start = byChain.get(key);
  if (!start) {
    start = readImageStart(project, df, base, branchEnv);
    byChain.set(key, start);
  }
  return start;
}

/**
 * imageStart per pass (non-root-user, cap_drop and read_only ask), by Dockerfile
 * and stage chain: what an image does at start depends on the stages it is
 * built from, not on which base record (imageStages', a service's) names them.
 */
const startInPass = new PassMemo<DockerfileSource, Map<string, ImageStart>>();

function readImageStart(project: Project, df: DockerfileSource, base: StageBase, branchEnv: BranchEnv): ImageStart {
  const levels = imageLevels(df, base);
  const envs = containerEnv(levels);
  const workdir = imageWorkdir(base);
  // The ENV a script sees: its parents' first, the image's own over them.
  const vars = new Map<string, string | undefined>();
  for (const level of [...levels].reverse()) for (const [k, v] of finalVariables(level)) vars.set(k, v);
  const scripts: ImageStart['scripts'] = [];
  const sourcedFrom = imageLevelMappings(project, df, base);
  const startCommands = imageStartCommands(base);
  const entryThenCmd = [startCommands.find((c) => c.via === 'ENTRYPOINT'), startCommands.find((c) => c.via === 'CMD')].filter((c) => c !== undefined);
  for (const ref of startScriptRefs(project, df, base)) {
    const file = project.files.get(ref.hostPath);
    if (file?.kind !== 'script') continue;
    const known = knownEnv(envs, branchEnv, withSourcedVariables(project, sourcedFrom, file.text, workdir, vars), vars);
    const source = withKnownBranches(file, scriptArguments(entryThenCmd, ref.containerPath, workdir), known);
    const where = ref.command.inherited ? `${path.basename(ref.hostPath)} of ${ref.command.inherited.image}` : path.basename(ref.hostPath);
    scripts.push({ ref, source, where, reading: readStartScript(source.text, where, workdir, withSourcedVariables(project, sourcedFrom, source.text, workdir, vars)) });
  }
  // The command's own text: `CMD mkdir -p /run/app && exec app`, `ENTRYPOINT ["gosu", "app", "server"]`.
  const commands = joinImageProgramEntrypoint(imageStartCommands(base));
  let command: ScriptReading | undefined;
  for (const c of commands) {
    const argv = c.argv ?? [];
    const text = c.shell ?? (SHELLS.test(argv[0] ?? '') && argv[1] === '-c' ? argv[2] ?? '' : argv.map(shellWord).join(' '));
    const reading = readStartScript(text, commandWhere(c), workdir, vars);
    for (const d of reading.drops) {
      d.line = c.instruction.line + 1;
      delete d.lineRange; // a Dockerfile instruction, not a script line
      if (c.inherited) d.where = `the Dockerfile of ${c.inherited.image} (${c.inherited.dockerfile.rel})`;
    }
    command = command ? mergeReadings(command, reading) : reading;
  }
  if (command) command = withOptionDataWrites(command, commands.length > 1 ? entryThenCmd.map((c) => ({ argv: c.argv, shell: c.shell, where: commandWhere(c) })) : [], workdir, vars);
  const stage = base.chain[base.chain.length - 1];
  const observed = stage ? project.layout.observedWrites.get(observedKey(df.path, stage.index)) ?? [] : [];
  const mappings = sourcedFrom;
  const users = startUsers(project, mappings, commands.map((c) => ({ text: startText(c), where: commandWhere(c) })), scripts, workdir, vars);
  // An s6 service that steps down says who the app runs as, under /init's root supervision.
  // Longruns first (a legacy services.d run, or an s6-rc folder whose `type` says longrun): the app is a service, and
  // a oneshot's step down (a migration run as the app's user) only repeats who that is.
  const longrun = (x: ImageStart['scripts'][number]) => x.ref.containerPath.startsWith('/etc/services.d/') || (path.basename(x.ref.hostPath) === 'run' && (scriptText(project, path.join(path.dirname(x.ref.hostPath), 'type')) ?? '').trim() === 'longrun');
  for (const x of [...scripts.filter(longrun), ...scripts.filter((x) => !longrun(x))]) {
    if (!isS6Script(x)) continue;
    for (const d of x.reading.drops) {
      if (d.oneOff || !d.user || users.runUsers.some((u) => u.user === d.user)) continue;
      users.runUsers.push({ user: d.user, how: `${d.tool} in ${x.ref.containerPath}` });
    }
  }
  const { frameworks, builds, unread } = startFrameworkWrites(project, df, mappings, commands.map((c) => ({ text: startText(c), where: commandWhere(c) })), scripts, workdir, vars);
  const app = startAppCode(project, mappings, commands.map((c) => ({ text: startText(c) })), scripts, workdir);
  return { scripts, command, observed, placeholders: placeholderWrites(mappings, runFilledPaths(levels)), ...(frameworks.length ? { frameworks } : {}), ...(builds.length ? { builds } : {}), ...(unread?.length ? { unreadSettings: unread } : {}), ...users, ...(app ? { app } : {}) };
}

/**
 * A program entrypoint given its options by the command that follows it (`ENTRYPOINT ["/golink"]` + `CMD ["--sqlitedb",
 * "/root/golink.db"]`, or a compose `command:` of options): Docker runs the two as one argv, so the data options
 * (writesOf's DATA_PATH_FLAGS) are read on the two joined and added to the reading, where it does not have them yet.
 */
function withOptionDataWrites(reading: ScriptReading, texts: readonly { argv?: string[]; shell?: string; where: string }[], workdir: string, vars: Map<string, string | undefined>): ScriptReading {
  const [entry, cmd] = texts;
  if (texts.length !== 2 || !entry?.argv?.length || SHELLS.test(entry.argv[0]!) || !cmd?.argv?.[0]?.startsWith('-')) return reading;
  const joined = readStartScript([...entry.argv, ...cmd.argv].map(shellWord).join(' '), cmd.where, workdir, vars);
  const kept = joined.writes.filter((w) => w.keeps && !reading.writes.some((x) => x.path === w.path));
  return kept.length ? { ...reading, writes: [...reading.writes, ...kept] } : reading;
}

/** The image's start with an ENTRYPOINT that is a package tool joined to its CMD (joinProgramEntrypoint): `ENTRYPOINT ["npm"]` + `CMD ["ci"]`. */
function joinImageProgramEntrypoint(commands: StartCommand[]): StartCommand[] {
  const joined = joinProgramEntrypoint(commands.map((c) => ({ ...c, where: commandWhere(c) })));
  if (joined.length === commands.length) return commands;
  return [{ ...commands[0]!, argv: joined[0]!.argv }];
}

/** Reads a file of the container from the repository: where the image's COPYs (or a stage's, hostFileFromStage) or the service's mounts put it. */
function containerFileReader(project: Project, mappings: readonly ContainerMapping[]): ReadContainerFile {
  return (containerPath: string) => {
    const hostPath = hostFileAt(project, mappings, containerPath) ?? hostFileFromStage(project, mappings, containerPath);
    if (!hostPath) return undefined;
    try {
      return { text: readFileSync(hostPath, 'utf8'), hostPath };
    } catch {
      return undefined;
    }
  };
}

/**
 * A step down in the code of the app the start runs (appCodeDrops): the entry files its command and scripts run, and
 * the files they load, read where the image or the service's mounts put them.
 */
function startAppCode(project: Project, mappings: readonly ContainerMapping[], commands: { text: string }[], scripts: ImageStart['scripts'], workdir: string): AppCodeReading | undefined {
  const read = containerFileReader(project, mappings);
  const entries = appEntryFiles([...commands, ...scripts.map((x) => ({ text: x.source.text }))], workdir, read);
  if (!entries.length) return undefined;
  const name = (hostPath: string) => {
    const root = project.roots.find((r) => isInside(r, hostPath));
    return root ? path.relative(root, hostPath).split(path.sep).join('/') : path.basename(hostPath);
  };
  return appCodeDrops(entries, read, name);
}

/** What the framework a start runs writes at start (frameworkStartWrites), its files read where the image or the service's mounts put them. */
function startFrameworkWrites(
  project: Project,
  df: DockerfileSource | undefined,
  mappings: readonly ContainerMapping[],
  commands: { text: string; where: string }[],
  scripts: ImageStart['scripts'],
  workdir: string,
  vars: Map<string, string | undefined>,
): { frameworks: StartWrite[]; builds: string[]; unread?: string[] } {
  const texts: FrameworkStartText[] = [...commands, ...scripts.map((x) => ({ text: x.source.text, where: x.where, numbered: true }))];
  // An Elixir release the image's Dockerfile builds: its RELEASE_TMP, where the release writes at start.
  const releases = df ? releaseStartWrites(texts, workdir, vars, mixReleaseOf(project, df)) : [];
  // Only a start that names one of the frameworks reads the repository's files.
  if (!texts.some((t) => /manage\.py|django|\.(wsgi|asgi)\b|\bnext\b|\b(npm|yarn|pnpm)\b|runtime-env-cra/.test(t.text))) return { frameworks: releases, builds: [] };
  const read = containerFileReader(project, mappings);
  const unread: string[] = [];
  const frameworks = [...frameworkStartWrites(texts, workdir, vars, read, unread), ...releases];
  return { frameworks, builds: /\b(npm|yarn|pnpm)\b/.test(texts.map((t) => t.text).join('\n')) ? packageStartBuilds(texts, workdir, read) : [], unread };
}

/**
 * Who a start runs the app as, read once for an image's start and a service's:
 * the supervisord programs that need root and the users supervisord switches
 * to, then the run users (imageRunUsers). Both read each command as startText
 * gives it (`sh -c TEXT` is TEXT; an argv is its words, shell-quoted where
 * needed), so a server a `sh -c` starts is seen whichever start names it.
 */
function startUsers(
  project: Project,
  mappings: readonly ContainerMapping[],
  commands: { text: string; where: string }[],
  scripts: ImageStart['scripts'],
  workdir: string,
  vars: Map<string, string | undefined>,
): Pick<ImageStart, 'supervised' | 'supervisedUsers' | 'runUsers' | 'uwsgi'> {
  const { rootPrograms: supervised, users: supervisedUsers } = supervisedRootPrograms(project, mappings, [...commands.map((c) => c.text), ...scripts.map((x) => x.source.text)], workdir);
  const texts = [...scripts.map((x) => ({ text: x.source.text, where: x.where })), ...commands];
  const { users: runUsers, uwsgi } = imageRunUsers(project, mappings, texts, workdir, vars, supervisedUsers);
  return { supervised, supervisedUsers, runUsers, ...(uwsgi ? { uwsgi } : {}) };
}

/** A dependency install or package-manager run at start: the tool, whether it installs, where it runs (undefined after a `cd`), and where it is said. */
export interface DepInstall {
  tool: 'npm' | 'pnpm' | 'yarn' | 'composer' | 'bundle' | 'corepack' | 'poetry' | 'go' | 'mix';
  installs: boolean;
  dir?: string;
  how: string;
  /**
   * The folder a test in front of the install asks about, when the install runs only where that folder is missing or
   * empty (`if [ ! -d node_modules ]; then npm ci; fi`, `[ -z "$(ls -A vendor/)" ] && composer install`,
   * `[ -d .venv ] || poetry install`): absolute, resolved where the install runs.
   */
  unlessFilled?: string;
  /**
   * The lock file the install writes in its folder: where the image has none (`always` false: `bundle install`,
   * `composer install`, `npm install`, `yarn install`, `pnpm install`, `poetry install`, `mix deps.get` resolve and
   * write one), or whatever is there (`always`: `bundle update`, `composer require`, `npm add`, `yarn add` change it).
   * None for an install that only reads it (`npm ci`, `--frozen-lockfile`, `--immutable`, `bundle install --frozen`).
   */
  lockFile?: { name: string; always: boolean };
}

/**
 * Subcommands that install a project's dependencies. A bare `yarn` installs too, but a compose `entrypoint: yarn` is
 * read apart from its `command: run ...`, so a bare word is not taken for an install.
 */
const DEP_INSTALLS: Record<DepInstall['tool'], readonly string[]> = {
  npm: ['install', 'i', 'ci', 'add', 'isntall'],
  pnpm: ['install', 'i', 'add'],
  yarn: ['install', 'add', 'global'],
  composer: ['install', 'update', 'require'],
  bundle: ['install', 'update'],
  corepack: ['enable', 'prepare', 'install', 'pnpm', 'yarn', 'npm'],
  poetry: ['install', 'sync', 'add', 'update'],
  // `go mod download` (the subcommand's own word follows), `go get`: both fill the module cache (`go help mod download`, `go help get`).
  go: ['mod', 'get'],
  // `mix deps.get`, also inside `mix do deps.get, compile` (below).
  mix: ['deps.get', 'do'],
};

/** The ARG and ENV values in effect at the end of one level's chain. */
function finalVariables(level: ImageLevel): Map<string, string | undefined> {
  const chain = chainInstructions(level.base.chain);
  const last = chain[chain.length - 1];
  const vars = new Map<string, string | undefined>((last && variableScopes(level.base.chain, level.df.parsed.globalArgs).get(last)) || []);
  if (last?.keyword === 'ENV') for (const p of last.properties) vars.set(p.name, p.value ?? undefined);
  return vars;
}

/**
 * Texts of the repository's scripts an image's containers start with: the image's own (its
 * ENTRYPOINT/CMD scripts) and those each service's compose entrypoint or command runs.
 */
export function startScriptTexts(project: Project, df: DockerfileSource, base: StageBase, services: readonly ServiceLink[]): string[] {
  const starts = [imageStart(project, df, base), ...services.map((s) => serviceStart(project, s, df, base))];
  return [...new Set(starts.flatMap((st) => st.scripts.map((x) => x.source.text)))];
}

/** Account changes the image's start makes as root (usermod, addgroup, ...), from its scripts and its command. */
export function imageAccountChanges(start: ImageStart): string[] {
  return [...start.scripts.flatMap((s) => s.reading.accountChanges ?? []), ...(start.command?.accountChanges ?? [])];
}

/** File capabilities the image's start sets as root outside a root check (`setcap cap_ipc_lock=+ep (entry.sh line 84)`). */
export function imageFileCapSets(start: ImageStart): FileCapSet[] {
  return [...start.scripts.flatMap((s) => s.reading.fileCapSets ?? []), ...(start.command?.fileCapSets ?? [])];
}

/** System packages the image's start installs as root (`apk add (entry.sh line 5)`), from its scripts and its command. */
export function imagePackageInstalls(start: ImageStart): string[] {
  return [...start.scripts.flatMap((s) => s.reading.packageInstalls ?? []), ...(start.command?.packageInstalls ?? [])];
}

/** Python packages the image's start installs with pip (`pip3 install (entry.sh line 21)`), from its scripts and its command. */
export function imagePipInstalls(start: ImageStart): string[] {
  return [...start.scripts.flatMap((s) => s.reading.pipInstalls ?? []), ...(start.command?.pipInstalls ?? [])];
}

/** Builds the image's start runs through package.json scripts (`npm start (Dockerfile CMD: package.json "start": … → "build": …) in /app`). */
export function imageStartBuilds(start: ImageStart): string[] {
  return start.builds ?? [];
}

/** Django collectstatic runs of the image's start before any drop (`manage.py collectstatic (entrypoint.sh line 52)`), from its scripts and its command. */
export function imageStaticCollects(start: ImageStart): string[] {
  return [...start.scripts.flatMap((s) => s.reading.staticCollects ?? []), ...(start.command?.staticCollects ?? [])];
}

/** Dependency installs and package-manager runs of the image's start, from its scripts and its command. */
export function imageDepInstalls(start: ImageStart): DepInstall[] {
  return [...start.scripts.flatMap((s) => s.reading.depInstalls ?? []), ...(start.command?.depInstalls ?? [])];
}

/** Daemons the image starts that must start as root, from its scripts, its command and the supervisord programs they start. */
export function imageRootDaemons(start: ImageStart): string[] {
  return [...start.scripts.flatMap((s) => s.reading.rootDaemons), ...(start.command?.rootDaemons ?? []), ...start.supervised];
}

// ------------------------------------------------------------ supervisord

/** Where supervisord looks for its configuration when not given `-c`. */
const SUPERVISORD_DEFAULTS = ['/etc/supervisord.conf', '/etc/supervisor/supervisord.conf', '/usr/local/etc/supervisord.conf'];

/**
 * Programs a supervisord the image starts runs that need root: a daemon whose
 * master must start as root (postfix, dovecot, sshd, cron, ...) with no
 * `user=` of its own, and any program with a `user=`, which supervisord can
 * only switch to when it runs as root itself. Read from the configuration
 * files the Dockerfile copies from this repository (`-c` or supervisord's
 * default paths, their `[include] files =`, and every `*.conf`/`*.ini` copied
 * under /etc/supervisor*).
 */
function supervisedRootPrograms(
  project: Project,
  mappings: readonly ContainerMapping[],
  texts: string[],
  workdir: string,
): { rootPrograms: string[]; users: { user: string; where: string }[] } {
  const runs = texts.some((t) => /(^|[\s/"'\[,])supervisord\b/m.test(t));
  if (!runs) return { rootPrograms: [], users: [] };
  const given = texts.flatMap((t) => [...t.matchAll(/supervisord\b[^\n]*?(?:-c|--configuration)[= ]\s*["']?([^\s"',\]]+)/g)].map((m) => m[1]!));
  /** Host files copied to container paths that match `want`. */
  const files = (want: (containerPath: string) => boolean): { host: string; container: string }[] => {
    const out: { host: string; container: string }[] = [];
    for (const m of mappings) {
      if (!m.hostPath) continue;
      if (isFile(m.hostPath)) {
        if (want(m.containerPath)) out.push({ host: m.hostPath, container: m.containerPath });
        else if (m.containerPath.endsWith('/') && want(path.posix.join(m.containerPath, path.basename(m.hostPath)))) out.push({ host: m.hostPath, container: path.posix.join(m.containerPath, path.basename(m.hostPath)) });
      } else if (isDirectory(m.hostPath)) {
        for (const name of listDir(m.hostPath)) {
          const container = path.posix.join(m.containerPath, name);
          if (want(container) && isFile(path.join(m.hostPath, name))) out.push({ host: path.join(m.hostPath, name), container });
        }
      }
    }
    return out;
  };
  // A relative -c is read from the working directory (linkding's `supervisord -c supervisord-tasks.conf`).
  const mains = given.length ? given.filter((g) => !g.includes('$')).map((g) => path.posix.resolve(workdir, g)) : SUPERVISORD_DEFAULTS;
  const configs = files((c) => mains.includes(c) || (/^\/etc\/supervisor/.test(c) && /\.(conf|ini)$/.test(c)));
  // A configuration a `COPY --from=<stage> DIR` brought, which the build stage copied from the repository.
  for (const main of mains) {
    if (configs.some((c) => c.container === main)) continue;
    const host = hostFileFromStage(project, mappings, main);
    if (host) configs.push({ host, container: main });
  }
  const found: string[] = [];
  const users: { user: string; where: string }[] = [];
  const seen = new Set<string>();
  const queue = [...configs];
  while (queue.length) {
    const cfg = queue.shift()!;
    if (seen.has(cfg.host)) continue;
    seen.add(cfg.host);
    let text: string;
    try {
      text = readFileSync(cfg.host, 'utf8');
    } catch {
      continue;
    }
    const rel = path.relative(project.cwd, cfg.host).split(path.sep).join('/');
    let section = '';
    let program: { name: string; command?: { text: string; line: number }; user?: string } | undefined;
    const flush = () => {
      if (!program?.command) return;
      const argv = shellCommands(program.command.text.replace(/%\([^)]*\)s/g, 'x'))[0] ?? [];
      const words = argv[0] === 'exec' || SHELLS.test(argv[0] ?? '') ? argv.slice(argv[1] === '-c' ? 2 : 1) : argv;
      const daemon = path.posix.basename(words[0] ?? '');
      const asRoot = !program.user || program.user === 'root' || program.user === '0';
      const where = `supervisord [program:${program.name}] in ${rel} line ${program.command.line}`;
      if (asRoot && (ROOT_DAEMONS.has(daemon) || ROOT_ONLY_SERVERS.has(daemon) || (daemon === 'master' && /postfix/.test(words[0] ?? '')))) found.push(`${daemon} (${where}${ROOT_ONLY_SERVERS.has(daemon) ? `; ${ROOT_ONLY_SERVERS.get(daemon)}` : ''})`);
      // supervisord switches to a program's user only as root (as that same user it would also need its log, pid
      // file and socket moved off root's paths: not done here), so it stays on root; the user is the app's, for findings.
      else if (!asRoot) {
        found.push(`supervisord, to run ${program.name} as ${program.user} (${where})`);
        users.push({ user: program.user!, where: `supervisord [program:${program.name}] user=${program.user} (${rel} line ${program.command.line})` });
      }
    };
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.replace(/^\s*[;#].*$/, '').replace(/\s;.*$/, '');
      const head = /^\s*\[([^\]]+)\]/.exec(line);
      if (head) {
        flush();
        section = head[1]!.trim();
        program = /^(program|fcgi-program|eventlistener):/.test(section) ? { name: section.replace(/^[^:]+:/, '') } : undefined;
        return;
      }
      const kv = /^\s*([a-z_]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
      if (!kv) return;
      // `[supervisord] user=root`: supervisord switches to it at start and exits ("Can't drop privilege as nonroot user") when it cannot.
      if (section === 'supervisord' && kv[1] === 'user' && kv[2]) {
        const where = `supervisord [supervisord] user=${kv[2]} (${rel} line ${i + 1})`;
        found.push(`supervisord ([supervisord] user=${kv[2]} in ${rel} line ${i + 1})`);
        if (kv[2] !== 'root' && kv[2] !== '0') users.push({ user: kv[2], where });
      }
      if (program && kv[1] === 'command') program.command = { text: kv[2]!, line: i + 1 };
      else if (program && kv[1] === 'user') program.user = kv[2]!;
      else if (section === 'include' && kv[1] === 'files') {
        const dir = path.posix.dirname(cfg.container);
        const patterns = kv[2]!.split(/\s+/).filter(Boolean).map((g) => globRegex(path.posix.resolve(dir, g)));
        queue.push(...files((c) => patterns.some((re) => re.test(c))));
      }
    });
    flush();
  }
  return { rootPrograms: [...new Set(found)], users: users.filter((u, i) => users.findIndex((v) => v.where === u.where) === i) };
}

// ------------------------------------------------------------ the app's own user

/** Options naming the user (and group) a server switches its workers to, per program. */
const SERVER_USER_FLAGS: Record<string, { user: string[]; group: string[] }> = {
  // https://uwsgi-docs.readthedocs.io/en/latest/Options.html#uid (also `uid = ...` in an .ini's [uwsgi] section)
  uwsgi: { user: ['--uid'], group: ['--gid'] },
  // https://docs.gunicorn.org/en/stable/settings.html#user
  gunicorn: { user: ['--user', '-u'], group: ['--group', '-g'] },
};

/**
 * Who the image's start says the app runs as, strongest first: the user a
 * server is told to switch its workers to (uwsgi `--uid` or `uid =` in the .ini
 * it is given, gunicorn `--user`), the user supervisord runs its programs as
 * (`user=`), then the owner a start script chowns the app's data to (linkding's
 * bootstrap.sh: `chown -R www-data: /etc/linkding/data`, uwsgi.ini `uid =
 * www-data`). Started as root, such a server switches to that user itself; as
 * that user from the start, it runs the same (uwsgi and gunicorn change users
 * only when root), so that is the user USER should name. Root, numbers and
 * values left to variables are not evidence.
 */
function imageRunUsers(
  project: Project,
  mappings: readonly ContainerMapping[],
  texts: { text: string; where: string }[],
  workdir: string,
  vars: Map<string, string | undefined>,
  supervisedUsers: { user: string; where: string }[],
): { users: RunUserEvidence[]; uwsgi?: string } {
  const servers: RunUserEvidence[] = [];
  let uwsgi: string | undefined;
  const chowns: RunUserEvidence[] = [];
  const named = (u: string | undefined) => !!u && NAMED_USER.test(u) && u !== 'root';
  for (const { text, where } of texts) {
    const scope = new Map(vars);
    const expand = (w: string | undefined) => (w === undefined ? undefined : w.includes('$') ? expandArgs(w, scope) : w);
    for (const { text: line, number } of logicalLines(text)) {
      const at = NAMES_ITS_LINE.test(where) ? where : `${where} line ${number}`;
      for (const argv of shellCommands(line)) {
        const words = [...argv];
        while (words.length && (words[0] === 'exec' || INITS.test(words[0]!))) words.shift();
        const tool = path.posix.basename(words[0] ?? '');
        if (tool === 'chown') {
          const operands = words.slice(1).filter((w) => !w.startsWith('-'));
          const [user, group] = (expand(operands[0]) ?? '').split(':');
          if (operands.length >= 2 && named(user)) chowns.push({ user: user!, group: group || undefined, how: `${words.join(' ')} (${at})` });
          continue;
        }
        const flags = SERVER_USER_FLAGS[tool];
        if (!flags) continue;
        const valueOf = (names: string[]): string | undefined => {
          for (let i = 1; i < words.length; i++) {
            const w = words[i]!;
            for (const n of names) {
              if (w === n) return expand(words[i + 1]);
              if (n.startsWith('--') && w.startsWith(`${n}=`)) return expand(w.slice(n.length + 1));
            }
          }
          return undefined;
        };
        let user = valueOf(flags.user);
        let group = valueOf(flags.group);
        let how = `${tool} ${flags.user[0]} ${user} (${at})`;
        if (tool === 'uwsgi' && user === undefined) {
          // The .ini it is given (`uwsgi --ini app.ini`, or a lone `uwsgi app.ini`), read from the file the build copies in.
          const ini = valueOf(['--ini']) ?? words.slice(1).find((w) => /\.ini$/.test(w) && !w.startsWith('-'));
          const resolved = ini && !ini.includes('$') ? path.posix.resolve(workdir, ini) : undefined;
          const host = resolved ? hostFileAt(project, mappings, resolved) : undefined;
          const read = host ? uwsgiIniUser(host) : undefined;
          if (read) {
            user = read.user;
            group = read.group;
            how = `uid = ${read.user} in ${path.relative(project.cwd, host!).split(path.sep).join('/')} line ${read.line}, which uwsgi runs with (${at})`;
          }
        }
        if (tool === 'uwsgi' && user === undefined) {
          // uwsgi reads every option from UWSGI_<OPTION> too (https://uwsgi-docs.readthedocs.io/en/latest/Configuration.html#environment-variables):
          // the image's ENV, or what the start script exports, names the user as --uid does.
          const env = uwsgiEnvironmentUser(scope, `its environment, which uwsgi runs with (${at})`);
          if (env) servers.push(env);
          else uwsgi ??= at;
          continue;
        }
        if (named(user)) servers.push({ user: user!, group: group && named(group) ? group : undefined, how });
      }
    }
  }
  const supervised = supervisedUsers.filter((u) => named(u.user)).map((u) => ({ user: u.user, how: u.where }));
  return { users: [...servers, ...supervised, ...chowns], ...(uwsgi ? { uwsgi } : {}) };
}

const NAMED_USER = /^[a-z_][a-z0-9_.-]*\$?$/i;

/** UWSGI_UID (with UWSGI_GID) from an environment, as run-user evidence: a name, not root, not a number or a variable. */
function uwsgiEnvironmentUser(env: Map<string, string | undefined>, from: string): RunUserEvidence | undefined {
  const user = env.get('UWSGI_UID');
  if (!user || !NAMED_USER.test(user) || user === 'root') return undefined;
  const group = env.get('UWSGI_GID');
  return { user, ...(group && NAMED_USER.test(group) && group !== 'root' ? { group } : {}), how: `UWSGI_UID=${user} in ${from}` };
}

/**
 * The user a service's compose environment names for the uwsgi its start
 * runs without one (UWSGI_UID, which uwsgi reads as --uid), as run-user
 * evidence; compose's value wins over the image's ENV. The environment is
 * compose's: its `env_file:` files, then `environment:` over them (env-files.ts).
 */
export function environmentRunUsers(s: ServiceLink, start: ImageStart): RunUserEvidence[] {
  if (!start.uwsgi) return [];
  const env = serviceEnvironment(s);
  const uid = env.get('UWSGI_UID');
  const plain = new Map<string, string | undefined>([...env].map(([k, v]) => [k, v.value]));
  const where = uid?.from.kind === 'env_file' ? `env_file ${uid.from.written} line ${uid.from.line} of service ${s.name}` : `environment of service ${s.name}`;
  const found = uwsgiEnvironmentUser(plain, `${where} (${s.compose.rel}), which uwsgi runs with (${start.uwsgi})`);
  return found ? [found] : [];
}

/** `uid` and `gid` of a uWSGI .ini's [uwsgi] section, with the line of uid. */
function uwsgiIniUser(file: string): { user: string; group?: string; line: number } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let section = '';
  let user: { user: string; line: number } | undefined;
  let group: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const head = /^\s*\[([^\]]+)\]/.exec(raw);
    if (head) {
      section = head[1]!.trim();
      return;
    }
    if (section !== 'uwsgi') return;
    const kv = /^\s*(uid|gid)\s*=\s*([^\s;#]+)\s*$/.exec(raw);
    if (!kv || kv[2]!.includes('%') || kv[2]!.includes('$')) return;
    if (kv[1] === 'uid') user ??= { user: kv[2]!, line: i + 1 };
    else group ??= kv[2]!;
  });
  return user ? { ...user, group } : undefined;
}

function globRegex(glob: string): RegExp {
  return new RegExp('^' + glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Every path the image creates or writes at start: from its scripts and its
 * command, then what verify's baseline run saw it write (a path both name
 * keeps the script's reason, which says where to look).
 */
export function imageStartWrites(start: ImageStart): StartWrite[] {
  const read = [...start.scripts.flatMap((s) => s.reading.writes), ...(start.command?.writes ?? [])];
  const seen = [...read, ...start.observed.filter((o) => !read.some((r) => r.path === o.path))];
  const withPlaceholders = [...seen, ...start.placeholders.filter((p) => !seen.some((r) => r.path === p.path))];
  return start.frameworks ? [...withPlaceholders, ...start.frameworks.filter((f) => !withPlaceholders.some((r) => r.path === f.path))] : withPlaceholders;
}

/** Files whose only job is to keep an empty folder in git: `.gitkeep`, Rails' `.keep`, Laravel's `*`-ignoring `.gitignore`. */
const PLACEHOLDER_FILES = new Set(['.gitkeep', '.keep', '.gitignore', '.placeholder', '.empty']);
/** Folders never walked for placeholders: dependencies and VCS data, which hold none of the app's own. */
const UNWALKED = new Set(['node_modules', 'vendor', 'bower_components', '.git', '.venv', 'venv', '__pycache__', 'site-packages']);
/** A bound on the folders walked per image, so a COPY of a whole monorepo stays cheap. */
const PLACEHOLDER_WALK_LIMIT = 2000;
/**
 * Names that say a folder holds what the app produces (caches, logs, run files, state, uploads): a placeholder tree
 * counts only under one of them. Placeholders also keep content folders that start empty in a template (Angular's
 * `src/assets/.gitkeep`, Rails' `app/assets/images/.keep`, `lib/tasks/.keep`): the build fills those, the app does not.
 */
const RUNTIME_SEGMENT = /^(\.?cache|caches|logs?|run|pids?|sockets?|tmp|temp|var|data|storage|uploads?|media|sessions?|state|locks?|proxies|spool|backups?)$/i;
/** Test trees keep placeholders for fixtures the tests write or read (Rails' `test/fixtures/files/.keep`): never the app's run-time output. */
const TEST_SEGMENT = /^(tests?|spec|specs|fixtures|__tests__|testdata)$/i;
const PLACEHOLDER_DEPTH = 5;

/**
 * A `.gitignore` that ignores everything but itself (`*` then `!.gitignore`, Laravel's idiom): the folder is kept in git
 * empty so that what lands there is never committed, which is what a program writes at run time (FrigateClassifier's
 * `images/` for the pictures it saves), whatever the folder's name. A `.gitkeep` alone says less: it also keeps content
 * folders a build fills (Angular's `src/assets/.gitkeep`).
 */
function ignoresAll(hostDir: string): boolean {
  let text: string;
  try {
    text = readFileSync(path.join(hostDir, '.gitignore'), 'utf8');
  } catch {
    return false;
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return lines.some((l) => l === '*' || l === '/*') && lines.every((l) => l === '*' || l === '/*' || /^!\/?\.(gitignore|gitkeep|keep)$/.test(l));
}

/**
 * Folders a COPY brings from the repository that hold nothing but a placeholder
 * file: the app's run-time output (Rails' `log/.keep` and `tmp/pids/.keep`,
 * Laravel's `storage/logs/.gitignore` and `bootstrap/cache/.gitignore`, shlink's
 * `data/cache/.gitignore`). Git keeps no empty folder, so a project that wants one
 * in its image commits a placeholder in it, and the app writes there at run time;
 * run as a user that does not own it, the first log line or cache file fails
 * (shlink's `chown 1001 /etc/shlink/data/...` before `USER 1001`, Tandoor's
 * non-root image that needed `staticfiles` and `mediafiles` chowned). Each is a
 * write path the user must own, as a `mkdir -p` at start would be.
 */
function placeholderWrites(mappings: ContainerMapping[], builtInto: readonly string[]): StartWrite[] {
  const out: StartWrite[] = [];
  const filled = filledByBuild(mappings, builtInto);
  let walked = 0;
  // A folder of placeholders only, or of placeholders and folders that are such trees themselves (Rails' tmp/.keep
  // beside tmp/pids/.keep): every folder of the tree is the app's to write, each chowned (chown is not recursive).
  const tree = (hostDir: string, containerDir: string, depth: number): { path: string; files: string[] }[] | undefined => {
    if (walked++ > PLACEHOLDER_WALK_LIMIT || depth > PLACEHOLDER_DEPTH) return undefined;
    const entries = sortedDirEntries(hostDir);
    const files = entries.filter((e) => !e.isDirectory());
    if (!files.length || !files.every((e) => e.isFile() && PLACEHOLDER_FILES.has(e.name))) return undefined;
    const found = [{ path: containerDir, files: files.map((e) => e.name) }];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const sub = tree(path.join(hostDir, e.name), path.posix.join(containerDir, e.name), depth + 1);
      if (!sub) return undefined;
      found.push(...sub);
    }
    return found;
  };
  let top = '/';
  const walk = (hostDir: string, containerDir: string, origin: string, depth: number) => {
    if (walked > PLACEHOLDER_WALK_LIMIT) return;
    const found = tree(hostDir, containerDir, depth);
    if (found) {
      const segments = path.posix.relative(top, containerDir).split('/');
      if (segments.some((seg) => TEST_SEGMENT.test(seg))) return;
      if (!segments.some((seg) => RUNTIME_SEGMENT.test(seg)) && !ignoresAll(hostDir)) return;
      for (const f of found) {
        if (filled(f.path)) continue;
        if (!out.some((w) => w.path === f.path)) out.push({ path: f.path, kind: 'dir', placeholder: true, how: `${f.files.join(', ')} keeps ${f.path} empty in the repository for what the app writes there (${origin})` });
      }
      return;
    }
    if (depth >= PLACEHOLDER_DEPTH) return;
    for (const e of sortedDirEntries(hostDir)) {
      if (!e.isDirectory() || UNWALKED.has(e.name) || TEST_SEGMENT.test(e.name)) continue;
      walk(path.join(hostDir, e.name), path.posix.join(containerDir, e.name), origin, depth + 1);
    }
  };
  for (const m of mappings) {
    if (!m.copy || !m.hostPath || !m.containerPath.startsWith('/') || !isDirectory(m.hostPath)) continue;
    // `COPY images/ ./images/`: the destination's trailing slash is no part of the folder's path.
    const dest = path.posix.normalize(m.containerPath).replace(/(.)\/+$/, '$1');
    top = path.posix.dirname(dest);
    walk(m.hostPath, dest, m.origin, 0);
  }
  return out;
}

/** Whether a folder of the repository holds nothing but placeholders, in it and in its subfolders (`tmp/.keep`, `tmp/pids/.keep`). */
function onlyPlaceholders(hostDir: string, depth = 0): boolean {
  if (depth > PLACEHOLDER_DEPTH) return false;
  return sortedDirEntries(hostDir).every((e) => (e.isDirectory() ? !UNWALKED.has(e.name) && onlyPlaceholders(path.join(hostDir, e.name), depth + 1) : e.isFile() && PLACEHOLDER_FILES.has(e.name)));
}

/**
 * Folders the build fills, asked of a placeholder folder: git keeps it empty, but the image gets content there from the
 * build (a COPY into it or of a folder that holds it with files, a `COPY --from=` a stage's output, a RUN that extracts,
 * downloads or copies into it: `builtInto`, from write-paths' installedAtBuild). The placeholder then only keeps the
 * folder for that build output (Vite's `public/build/.gitkeep`, a `dist/.gitkeep` a builder stage fills), which says
 * nothing about what the app writes at run time.
 */
function filledByBuild(mappings: ContainerMapping[], builtInto: readonly string[]): (dir: string) => boolean {
  return (dir) => {
    if (builtInto.some((p) => isUnderPath(p, dir))) return true;
    for (const m of mappings) {
      if (!m.copy) continue;
      const dest = path.posix.normalize(m.containerPath).replace(/(.)\/+$/, '$1');
      if (isUnderPath(dest, dir)) {
        // Into the folder itself: a stage's output, or files of the repository that are not placeholders.
        if (!m.hostPath) return true;
        if (isDirectory(m.hostPath) ? !onlyPlaceholders(m.hostPath) : !PLACEHOLDER_FILES.has(path.basename(m.hostPath))) return true;
      } else if (isUnderPath(dir, dest) && m.hostPath && isDirectory(m.hostPath)) {
        // A folder above it: what that copy holds at the folder's place (`COPY dist/ /app/` over `COPY . /app`'s `public/.gitkeep`).
        const at = path.join(m.hostPath, path.posix.relative(dest, dir));
        if (isDirectory(at) && !onlyPlaceholders(at)) return true;
      }
    }
    return false;
  };
}

function isUnderPath(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');
}

/** Container paths RUN lines of the image's levels put files into (extract, download, copy, clone, install into). */
function runFilledPaths(levels: ImageLevel[]): string[] {
  return levels.flatMap((l) => installedAtBuild(chainInstructions(l.base.chain), l.df.parsed.escape, workdirs(l.base.chain, l.base.buildArgs, l.base.globalArgs)).map((i) => i.path));
}

export interface ImageDrop {
  /** The first drop (script or command), and where it is. */
  drop: PrivilegeDrop;
  where: string;
  script?: ImageStart['scripts'][number];
  /** Every capability the start needs as root: the drops' and the steps before them (chown). */
  caps: string[];
  /** The drop only runs when started as root (the script checks `id -u`). */
  conditional: boolean;
  /** The drop is a call in the app's own code (app-drops.ts), not a command of a start script. */
  app?: AppCodeReading;
}

/** The privilege drop an image does at start in files of this repository, if any. */
export function imagePrivilegeDrop(start: ImageStart): ImageDrop | undefined {
  const readings: { reading: ScriptReading; where: string; script?: ImageStart['scripts'][number]; app?: AppCodeReading }[] = [
    ...start.scripts.map((s) => ({
      reading: s.reading,
      where: s.ref.command.inherited ? `${path.basename(s.ref.hostPath)} of ${s.ref.command.inherited.image} (${s.ref.command.inherited.dockerfile.rel})` : path.basename(s.ref.hostPath),
      script: s,
    })),
    ...(start.command ? [{ reading: start.command, where: 'the Dockerfile' }] : []),
    ...(start.app ? [{ reading: start.app.reading, where: `${start.app.where} (the app's own code)`, app: start.app }] : []),
  ];
  // The main process's step down; else a one-off one, when nothing the start runs keeps root after it: no daemon or
  // supervisor started as root (gogs's s6-svscan), no account changes or package installs, which need root.
  // s6-overlay's /init stays root and supervises each service, which may step down on its own (`exec s6-setuidgid abc
  // app` in its run script): that is the service's drop, not the container's, and /init keeps root (imageRootDaemons).
  // A script that also execs a root daemon as its main process (another branch of its `case`) does not step down on
  // every path: which one the image's command takes is not read here, so its drop is not the container's.
  let found = readings.find((r) => !(r.script && isS6Script(r.script)) && r.reading.drops.some((d) => !d.oneOff) && !r.reading.mainRootDaemons?.length);
  const keepsRoot = imageRootDaemons(start).length > 0 || readings.some((r) => r.reading.accountChanges?.length || r.reading.packageInstalls?.length);
  if (!found && !keepsRoot) found = readings.find((r) => r.reading.drops.length > 0);
  if (!found) return undefined;
  const caps = new Set<string>();
  for (const r of readings) for (const c of [...r.reading.drops.flatMap((d) => d.caps), ...r.reading.rootCaps]) caps.add(c);
  const drop = found.reading.drops.find((d) => !d.oneOff) ?? found.reading.drops[0]!;
  return { drop, where: drop.where ?? found.where, script: found.script, caps: [...caps].sort(), conditional: found.reading.rootCheck, ...(found.app ? { app: found.app } : {}) };
}

/** Commands that send a signal to other processes (kill(1), procps' pkill, psmisc's killall). */
const KILL_TOOLS = new Set(['kill', 'pkill', 'killall']);

/** Package names and files that install a tool to run a command as another user. */
const DROP_PACKAGES = new Set(['gosu', 'su-exec', 'setpriv']);
const INSTALLERS = /^(apt-get|apt|apk|yum|dnf|microdnf|zypper)$/;

/**
 * A privilege-drop tool the build installs (`apt-get install gosu`, `apk add
 * su-exec`, a gosu binary downloaded or copied into the image) while the
 * entrypoint that would use it is not a script of this repository (it comes
 * from the base image, a download or a file not here): such an image most
 * likely starts as root and drops privileges in that entrypoint, so a USER
 * would break it. Undefined when the repository's start scripts or command
 * were read (they say whether it drops), or no such tool is installed.
 */
export function unseenDrop(df: DockerfileSource, base: StageBase, start: ImageStart): { tool: string; line: number; dockerfile?: string; entrypoint: string } | undefined {
  if (start.scripts.length) return undefined;
  const commands = imageStartCommands(base);
  // A plain program as the start command (`CMD ["node", "app.js"]`): the tool is there for something else.
  const entry = commands.find((c) => c.via === 'ENTRYPOINT') ?? commands[0];
  const word = entry ? scriptWords(entry)[0] : undefined;
  if (entry && !(word && /(\.sh$|entrypoint|docker-|start|run|init|boot)/i.test(path.posix.basename(word)))) return undefined;
  const entrypoint = entry ? `${entry.via} ${word} (${entry.inherited ? `${entry.inherited.dockerfile.rel} ` : ''}line ${entry.instruction.line + 1})` : "the base image's entrypoint";
  return installedDropTool(df, base, entrypoint);
}

/** The tool may be installed by a parent image built here (its line is then in that Dockerfile). */
function installedDropTool(df: DockerfileSource, base: StageBase, entrypoint: string): { tool: string; line: number; dockerfile?: string; entrypoint: string } | undefined {
  for (const level of imageLevels(df, base)) {
    const found = dropToolInstalled(level);
    if (found) return { ...found, ...(level.df !== df ? { dockerfile: level.df.rel } : {}), entrypoint };
  }
  return undefined;
}

/**
 * unseenDrop for a service whose compose entry sets its start: its first
 * start word (compose `entrypoint:`, else the image's ENTRYPOINT, else compose
 * `command:`) is an entrypoint-like file this repository does not hold
 * (`entrypoint: /usr/local/bin/docker-entrypoint.sh` from the base or a
 * download) while the image installs gosu or su-exec: it most likely drops
 * privileges there. Undefined when compose sets no start or its scripts were read.
 */
export function serviceUnseenDrop(project: Project, s: ServiceLink, df: DockerfileSource, base: StageBase): { tool: string; line: number; dockerfile?: string; entrypoint: string } | undefined {
  if (composeStarts(s).length === 0) return undefined;
  const start = serviceStart(project, s, df, base);
  if (start.scripts.length) return undefined;
  const entry = serviceStartTexts(s, base)[0];
  const word = entry ? scriptWords(entry)[0] : undefined;
  if (!entry || !word || !/(\.sh$|entrypoint|docker-|start|run|init|boot)/i.test(path.posix.basename(word))) return undefined;
  return installedDropTool(df, base, `${word} (${entry.where})`);
}

/** gosu or su-exec installed, downloaded or copied into the image by one level's chain. */
function dropToolInstalled(level: ImageLevel): { tool: string; line: number } | undefined {
  for (const ins of chainInstructions(level.base.chain)) {
    const line = ins.line + 1;
    if (ins.keyword === 'RUN') {
      for (const argv of runCommands(ins, level.df.parsed.escape)) {
        const [cmd, ...args] = argv as [string, ...string[]];
        if (INSTALLERS.test(cmd)) {
          const tool = args.find((a) => DROP_PACKAGES.has(a.replace(/[=:].*$/, '')));
          if (tool) return { tool: tool.replace(/[=:].*$/, ''), line };
        }
        // A downloaded binary: `curl -o /usr/local/bin/gosu`, `wget -O /usr/local/bin/su-exec`, `chmod +x /usr/local/bin/gosu`.
        const named = args.find((a) => /^\/(usr\/(local\/)?)?s?bin\/(gosu|su-exec)$/.test(a));
        if (named && /^(curl|wget|chmod|install|cp|mv|ln)$/.test(cmd)) return { tool: path.posix.basename(named), line };
      }
    } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const args = ins.json ?? ins.args;
      const dest = args[args.length - 1] ?? '';
      const hit = args.find((a) => /(^|\/)(gosu|su-exec)(-[a-z0-9]+)?$/.test(a)) ?? (/tianon\/gosu|ncopa\/su-exec/.test(ins.raw) ? 'gosu' : undefined);
      if (hit && /bin\/?/.test(dest)) return { tool: /su-exec/.test(hit) ? 'su-exec' : 'gosu', line };
    }
  }
  return undefined;
}

/**
 * How a drop is handled under `entrypointDrop`: kept (the image starts as root,
 * with the capabilities it needs) with the reason, or made conditional on root
 * so that USER can be added. Conditional needs the drop in a script of this
 * repository, a known user, and every drop either behind a root check already
 * or on a line that can be rewritten.
 */
export function dropDecision(mode: 'keep' | 'conditional', d: ImageDrop): { keep: string } | { conditional: true } {
  if (mode === 'keep') return { keep: `it needs ${d.caps.join(', ')} (entrypoint-drop: keep, the default)` };
  // The app's own code is not rewritten: it can only be left to skip its drop when it already tests for root.
  if (d.app) {
    if (!d.conditional) return { keep: `the drop is a call in the app's code (${d.app.where} line ${d.drop.line}), which this tool does not rewrite` };
    if (!d.drop.user || d.drop.user.includes('$')) return { keep: 'the user it drops to is not known here' };
    return { conditional: true };
  }
  if (!d.script) return { keep: "the drop is in the Dockerfile's ENTRYPOINT/CMD, which is not rewritten" };
  // The parent's script is every child's start: made conditional for one child, it changes them all.
  if (d.script.ref.command.inherited) return { keep: `the drop is in the start script of ${d.script.ref.command.inherited.image}, which every image built FROM it shares; make it conditional there` };
  if (!d.drop.user || d.drop.user.includes('$')) return { keep: 'the user it drops to is not known here' };
  // The start makes or renumbers its account before the drop (bitwarden/server: `useradd -o -u $LUID ... bitwarden` as root,
  // LOCAL_UID from the environment): the image has no such user, and a USER naming it fails when the container is created
  // ("unable to find user"), and a user the image starts as cannot run useradd.
  const accounts = d.script.reading.accountChanges ?? [];
  if (accounts.length) return { keep: `its start makes or changes the account it drops to as root (${accounts.slice(0, 2).join(', ')}), which a USER set in the image cannot` };
  if (d.conditional) return { conditional: true };
  const bad = d.script.reading.drops.find((x) => !x.lineRange || !x.withoutDrop);
  if (bad) return { keep: `its ${bad.tool} at line ${bad.line} is not a simple command this tool can make conditional` };
  return { conditional: true };
}

// ------------------------------------------------------------ one service

/**
 * A start a service's compose entry sets. `entrypoint:` replaces the image's
 * ENTRYPOINT and clears its CMD; `command:` replaces its CMD
 * (https://docs.docker.com/reference/compose-file/services/#entrypoint and #command).
 * A string value is split into words as compose splits it (shell-like quoting,
 * no shell: `sh -c "envsubst < a > b && nginx"` is three words).
 */
export interface ComposeStart {
  via: 'entrypoint' | 'command';
  argv: string[];
  /** For messages: `command of service web (compose.yaml line 7)`, the line of its key. */
  where: string;
}

export function composeStarts(s: ServiceLink): ComposeStart[] {
  const out: ComposeStart[] = [];
  for (const via of ['entrypoint', 'command'] as const) {
    const v = s.effective[via];
    const argv = typeof v === 'string' ? composeWords(v) : Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number') ? v.map(String) : undefined;
    if (!argv?.length) continue;
    const at = keyWhere(s, via);
    out.push({ via, argv, where: `${via} of service ${s.name} (${at ? `${at.rel} line ${at.line}` : s.compose.rel})` });
  }
  return out;
}

/** A start command as the program readers (Node, Python, Go start writes) take it: exec-form words or a shell-form text. */
export interface StartCommandText {
  argv: string[] | undefined;
  shell: string | undefined;
  where: string;
}

/** The image's own start commands (CMD/ENTRYPOINT of its chain, not a base image's), named by their line. */
export function ownStartCommandTexts(base: StageBase): StartCommandText[] {
  return imageStartCommands(base)
    .filter((c) => !c.inherited)
    .map((c) => ({ argv: c.argv, shell: c.shell, where: `${c.via} at line ${c.instruction.line + 1}` }));
}

/** What service `s` starts: its compose entrypoint/command where it sets one, else the image's own start commands. */
export function serviceStartCommandTexts(s: ServiceLink, base: StageBase): StartCommandText[] {
  const compose = composeStarts(s);
  return compose.length ? compose.map((c) => ({ argv: c.argv, shell: undefined, where: c.where })) : ownStartCommandTexts(base);
}

/** Words of a compose string command: blanks split, quotes group and are removed, a backslash escapes the next character outside single quotes. */
function composeWords(text: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      const end = close < 0 ? text.length : close;
      word = (word ?? '') + (c === '"' ? text.slice(i + 1, end).replace(/\\(["\\$`])/g, '$1') : text.slice(i + 1, end));
      i = end;
    } else if (c === '\\' && i + 1 < text.length) word = (word ?? '') + text[++i];
    else word = (word ?? '') + c;
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** One start command a service's container runs, from compose or from its image. */
interface ServiceStartText {
  argv?: string[];
  shell?: string;
  where: string;
  /** The image's instruction, when the start is the image's own. */
  command?: StartCommand;
}

/**
 * What a service's container starts with: the compose entrypoint, else the
 * image's ENTRYPOINT; the compose command, else (unless compose set an
 * entrypoint, which clears it) the image's CMD. Both are read: an image
 * entrypoint such as nginx's /docker-entrypoint.sh execs the command it is given.
 */
function serviceStartTexts(s: ServiceLink, base: StageBase | undefined): ServiceStartText[] {
  const compose = composeStarts(s);
  const image = base ? imageStartCommands(base) : [];
  const entry = compose.find((c) => c.via === 'entrypoint');
  const cmd = compose.find((c) => c.via === 'command');
  const fromImage = (c: StartCommand | undefined): ServiceStartText[] => (c ? [{ ...(c.argv ? { argv: c.argv } : { shell: c.shell }), where: commandWhere(c), command: c }] : []);
  return joinProgramEntrypoint([
    ...(entry ? [{ argv: entry.argv, where: entry.where }] : fromImage(image.find((c) => c.via === 'ENTRYPOINT'))),
    ...(cmd ? [{ argv: cmd.argv, where: cmd.where }] : entry ? [] : fromImage(image.find((c) => c.via === 'CMD'))),
  ]);
}

/**
 * Tools an exec-form entrypoint may be, whose subcommand the command gives (`entrypoint: ["npm"]` +
 * `command: ["install"]`): Docker runs the entrypoint's words followed by the command's
 * (https://docs.docker.com/reference/dockerfile/#understand-how-cmd-and-entrypoint-interact), so the two are one command.
 * An entrypoint script reads its arguments itself (`exec "$@"`) and stays apart from the command.
 */
const SUBCOMMAND_TOOLS = /^(npm|pnpm|yarn|composer|bundle|corepack|pip(3(\.\d+)?)?)$/;

/**
 * The start texts with an exec-form entrypoint that is a package tool joined to the exec-form command that follows it,
 * as one argv: the install it runs is seen (`npm` + `install` is `npm install`). Others are returned as they are.
 */
function joinProgramEntrypoint<T extends { argv?: string[]; shell?: string; where: string }>(texts: T[]): T[] {
  const [entry, cmd] = texts;
  if (texts.length !== 2 || !entry?.argv?.length || !cmd?.argv || !SUBCOMMAND_TOOLS.test(path.posix.basename(entry.argv[0]!))) return texts;
  return [{ ...entry, argv: [...entry.argv, ...cmd.argv], where: `${entry.where} with ${cmd.where}` }];
}

/** What a container sees from the repository: the image's COPYs (over its parents built here), then the service's mounts. */
function serviceMappings(project: Project, s: ServiceLink | undefined, df: DockerfileSource | undefined, base: StageBase | undefined): ContainerMapping[] {
  const copies = df && base ? imageLevelMappings(project, df, base) : [];
  return s ? [...copies, ...mountMappings(project, s)] : copies;
}

function serviceWorkdir(s: ServiceLink, base: StageBase | undefined): string {
  const wd = s.effective.working_dir;
  return typeof wd === 'string' && wd.startsWith('/') ? wd : base ? imageWorkdir(base) : '/';
}

/**
 * Scripts of the repository a service's start runs, when its compose entry
 * sets a command or entrypoint: found where its image COPYs them or where the
 * service mounts them (`./start.sh:/app/start.sh` + `command: /app/start.sh`).
 * Also the image's own start script when the service mounts a script of the
 * repository over it. Empty otherwise: the image's own start is startScriptRefs'.
 */
export function serviceStartScriptRefs(project: Project, s: ServiceLink, df: DockerfileSource | undefined, base: StageBase | undefined): { hostPath: string; containerPath: string; where: string }[] {
  const asked = scriptRefsInPass.get(s, () => []);
  const hit = asked.find((a) => a.df === df && a.base === base);
  if (hit) return hit.refs;
  const refs = readServiceStartScriptRefs(project, s, df, base);
  asked.push({ df, base, refs });
  return refs;
}

/**
 * serviceStartScriptRefs per pass, by service and the image and base asked with: the model's linking asks it twice per
 * service (for the scripts to load, and again for what they render), and each answer gathers every COPY and mount of
 * the container (issue 13). Callers only read the list.
 */
const scriptRefsInPass = new PassMemo<ServiceLink, { df: DockerfileSource | undefined; base: StageBase | undefined; refs: { hostPath: string; containerPath: string; where: string }[] }[]>();

function readServiceStartScriptRefs(project: Project, s: ServiceLink, df: DockerfileSource | undefined, base: StageBase | undefined): { hostPath: string; containerPath: string; where: string }[] {
  if (composeStarts(s).length === 0 && !mountsImageStart(project, s, df, base)) return [];
  const workdir = serviceWorkdir(s, base);
  const mappings = serviceMappings(project, s, df, base);
  const out: { hostPath: string; containerPath: string; where: string }[] = [];
  for (const text of serviceStartTexts(s, base)) {
    for (const word of scriptWords(text)) {
      for (const containerPath of containerPaths(word, workdir)) {
        const hostPath = hostFileAt(project, mappings, containerPath);
        if (!hostPath || !looksLikeShellScript(hostPath) || out.some((o) => o.hostPath === hostPath)) continue;
        out.push({ hostPath, containerPath, where: text.where });
        break;
      }
    }
  }
  return out.length ? followCalledScripts(project, out, mappings, workdir, (parent, hostPath, containerPath) => ({ hostPath, containerPath, where: parent.where })) : out;
}

/**
 * A service that keeps its image's ENTRYPOINT/CMD but whose mounts bring the script that start runs (polar's dev web
 * service: `ENTRYPOINT ["/app/dev/docker/scripts/startup-web.sh"]`, a file no COPY puts in the image, which the
 * service's `../../dev:/app/dev` bind mount provides; or a bind mount over the script a COPY put there): what runs is
 * the mounted file, so the service's start is read with its mounts, as a compose start is.
 */
function mountsImageStart(project: Project, s: ServiceLink, df: DockerfileSource | undefined, base: StageBase | undefined): boolean {
  if (!df || !base) return false;
  // Asked on every serviceStart (each transform, each check of a service): once per service and image in a pass (issue 13).
  const known = mountsStartInPass.get(s, () => []);
  for (const k of known) if (k.df === df && k.base === base) return k.mounts;
  const mounts = readMountsImageStart(project, s, df, base);
  known.push({ df, base, mounts });
  return mounts;
}

const mountsStartInPass = new PassMemo<ServiceLink, { df: DockerfileSource; base: StageBase; mounts: boolean }[]>();

function readMountsImageStart(project: Project, s: ServiceLink, df: DockerfileSource, base: StageBase): boolean {
  const workdir = serviceWorkdir(s, base);
  const withMounts = serviceMappings(project, s, df, base);
  const imageOnly = serviceMappings(project, undefined, df, base);
  for (const text of serviceStartTexts(s, base)) {
    for (const word of scriptWords(text)) {
      for (const containerPath of containerPaths(word, workdir)) {
        const hostPath = hostFileAt(project, withMounts, containerPath);
        if (!hostPath) continue;
        if (looksLikeShellScript(hostPath) && hostFileAt(project, imageOnly, containerPath) !== hostPath) return true;
        break;
      }
    }
  }
  return false;
}

/**
 * What a service does at start: its image's start (imageStart) when compose
 * sets no command or entrypoint; else the start compose gives it, read from
 * the command's own text and the scripts it runs (copied into the image or
 * mounted), with what verify's baseline run saw the image write.
 */
/** The one-off `sudo -u USER` runs outside a root check in a start's scripts and command (ScriptReading.userSwitches), each once. */
export function startUserSwitches(start: ImageStart): string[] {
  return [...new Set([...start.scripts.flatMap((x) => x.reading.userSwitches ?? []), ...(start.command?.userSwitches ?? [])])];
}

/** The sudo/doas steps up to root in a start's scripts and command (ScriptReading.escalations), each once. */
export function startEscalations(start: ImageStart): string[] {
  return [...new Set([...start.scripts.flatMap((x) => x.reading.escalations ?? []), ...(start.command?.escalations ?? [])])];
}

export function serviceStart(project: Project, s: ServiceLink, df: DockerfileSource | undefined, base: StageBase | undefined): ImageStart {
  if (composeStarts(s).length === 0 && !mountsImageStart(project, s, df, base)) return df && base ? serviceImageStart(project, s, df, base) : { scripts: [], observed: [], placeholders: [], supervised: [], supervisedUsers: [], runUsers: [] };
  return serviceStartInPass.get(s, () => readServiceStart(project, s, df, base));
}

const serviceStartInPass = new PassMemo<ServiceLink, ImageStart>();

function readServiceStart(project: Project, s: ServiceLink, df: DockerfileSource | undefined, base: StageBase | undefined): ImageStart {
  const workdir = serviceWorkdir(s, base);
  const vars = new Map<string, string | undefined>();
  if (df && base) for (const level of [...imageLevels(df, base)].reverse()) for (const [k, v] of finalVariables(level)) vars.set(k, v);
  const branchEnv = serviceBranchEnv(s);
  // The container's environment: compose's env files and `environment:` over the image's ENV.
  for (const [k, v] of serviceEnvironment(s)) vars.set(k, v.value);
  const scripts: ImageStart['scripts'] = [];
  const startTexts = serviceStartTexts(s, base);
  for (const ref of serviceStartScriptRefs(project, s, df, base)) {
    const file = project.files.get(ref.hostPath);
    if (file?.kind !== 'script') continue;
    const known = df && base ? knownEnv(containerEnv(imageLevels(df, base)), branchEnv, withSourcedVariables(project, serviceMappings(project, s, df, base), file.text, workdir, vars), vars) : undefined;
    const source = withKnownBranches(file, scriptArguments(startTexts, ref.containerPath, workdir), known);
    // The StartCommand a script ref carries names the instruction it came from; a compose start has none, so it names the image's first.
    const instruction = base ? chainInstructions(base.chain)[0] : undefined;
    if (!instruction) continue;
    const command: StartCommand = { via: 'CMD', instruction, argv: [ref.containerPath] };
    const where = path.basename(ref.hostPath);
    const seen = withSourcedVariables(project, serviceMappings(project, s, df, base), source.text, workdir, vars);
    scripts.push({ ref: { hostPath: ref.hostPath, containerPath: ref.containerPath, command }, source, where, reading: readStartScript(source.text, where, workdir, seen) });
  }
  let command: ScriptReading | undefined;
  const texts = serviceStartTexts(s, base);
  for (const t of texts) {
    const reading = readStartScript(startText(t), t.where, workdir, vars);
    for (const d of reading.drops) {
      delete d.lineRange; // a compose value or a Dockerfile instruction, not a script line
      // Named as imageStart names them: the instruction's line; a compose value by the service it belongs to.
      if (t.command) {
        d.line = t.command.instruction.line + 1;
        if (t.command.inherited) d.where = `the Dockerfile of ${t.command.inherited.image} (${t.command.inherited.dockerfile.rel})`;
      } else d.where = t.where;
    }
    command = command ? mergeReadings(command, reading) : reading;
  }
  if (command) command = withOptionDataWrites(command, texts, workdir, vars);
  const stage = base?.chain[base.chain.length - 1];
  const observed = df && stage ? project.layout.observedWrites.get(observedKey(df.path, stage.index)) ?? [] : [];
  const mappings = serviceMappings(project, s, df, base);
  const users = startUsers(project, mappings, texts.map((t) => ({ text: startText(t), where: t.where })), scripts, workdir, vars);
  const { frameworks, builds, unread } = startFrameworkWrites(project, df, mappings, texts.map((t) => ({ text: startText(t), where: t.where })), scripts, workdir, vars);
  const app = startAppCode(project, mappings, texts.map((t) => ({ text: startText(t) })), scripts, workdir);
  return { scripts, command, observed, placeholders: placeholderWrites(serviceMappings(project, undefined, df, base), df && base ? runFilledPaths(imageLevels(df, base)) : []), ...(frameworks.length ? { frameworks } : {}), ...(builds.length ? { builds } : {}), ...(unread?.length ? { unreadSettings: unread } : {}), ...users, ...(app ? { app } : {}) };
}

/**
 * Whether a service whose compose `entrypoint:` replaces its image's still runs the image's entrypoint program `name`
 * (`docker-entrypoint.sh`, pgadmin's `entrypoint.sh`): its compose entrypoint or command, or a script of the repository
 * they run (mounted or copied in, followed through the scripts it calls), runs a program of that file name
 * (`tini -- docker-entrypoint.sh`, `sh -c '… && exec /entrypoint.sh "$@"'`, a wrapper ending in `exec /entrypoint.sh`).
 * A word that is itself one of those repository scripts (a wrapper named `entrypoint.sh`) is not the image's.
 */
export function serviceRunsImageProgram(project: Project, s: ServiceLink, df: DockerfileSource | undefined, base: StageBase | undefined, name: string): boolean {
  const workdir = serviceWorkdir(s, base);
  const refs = serviceStartScriptRefs(project, s, df, base);
  const own = new Set(refs.map((r) => r.containerPath));
  // Docker runs the entrypoint's words followed by the command's: `entrypoint: ["sh", "-c"]` takes its text from the command.
  const argv = composeStarts(s).flatMap((c) => c.argv);
  const texts = [startText({ argv }), ...refs.map((r) => scriptText(project, r.hostPath) ?? '')];
  return textsRunProgram(texts, name, workdir, own);
}

/** Whether one of the shell texts runs the program `name` (past an init and `exec`), not a script of this repository that bears its name. */
function textsRunProgram(texts: readonly string[], name: string, workdir: string, own: ReadonlySet<string>): boolean {
  for (const text of texts) {
    for (const argv of shellCommands(text)) {
      const words = [...argv];
      while (words.length && (INITS.test(words[0]!) || words[0] === 'exec' || words[0] === '--' || (words[0]!.startsWith('-') && words.length > 1))) words.shift();
      const first = words[0];
      if (!first || first.includes('$') || path.posix.basename(first) !== name) continue;
      if (containerPaths(first, workdir).some((p) => own.has(p))) continue;
      return true;
    }
  }
  return false;
}

/**
 * The ENTRYPOINT a Dockerfile of this repository sets over the one of the image it is built FROM, when that image's own
 * entrypoint program (the knowledge row's: postgres' docker-entrypoint.sh, which chowns the data and drops to postgres
 * with gosu) no longer runs: neither the new ENTRYPOINT, the image's CMD (`ENTRYPOINT ["tini", "--"]` + `CMD
 * ["docker-entrypoint.sh", "postgres"]`), a compose `command:` given as `commandArgv`, nor a start script of this
 * repository they run calls it again. Docker runs only the last ENTRYPOINT
 * (https://docs.docker.com/reference/dockerfile/#entrypoint), so what the row says that entrypoint does or needs no
 * longer holds. Undefined when the chain sets no ENTRYPOINT or the row's program still runs.
 */
export function dockerfileEntrypointReplacing(
  project: Project,
  df: DockerfileSource,
  base: StageBase,
  facts: ImageFacts | undefined,
  commandArgv?: readonly string[],
): { text: string; line: number; dockerfile: string; read: boolean } | undefined {
  // Only where the row's step down is an entrypoint script (docker-library's docker-entrypoint.sh): nginx and Apache step
  // down in the server itself (ngx_file.c, apache2-foreground), LinuxServer's in s6's init tree, which a new ENTRYPOINT
  // that runs the server or /init keeps.
  const src = facts?.capsSource ?? facts?.entrypointSource;
  if (!src || !/\.sh$/.test(src)) return undefined;
  const commands = imageStartCommands(base);
  const entry = commands.find((c) => c.via === 'ENTRYPOINT');
  if (!entry) return undefined;
  const cmd = commandArgv ? { argv: [...commandArgv] } : commands.find((c) => c.via === 'CMD');
  const refs = startScriptRefs(project, df, base);
  const own = new Set(refs.map((r) => r.containerPath));
  const texts = [startText(entry), ...(cmd ? [startText(cmd)] : []), ...refs.map((r) => scriptText(project, r.hostPath) ?? '')];
  if (textsRunProgram(texts, entrypointProgramName(facts), imageWorkdir(base), own)) return undefined;
  const words = entry.argv ? entry.argv.join(' ') : entry.shell ?? '';
  // A script it runs that is not read here (made by the build: a heredoc COPY, a RUN dos2unix copy; a download): whether it steps down is not known.
  const program = scriptWords(entry)[0] ?? '';
  const read = refs.length > 0 || !(/\.sh$|^\.?\//.test(program) && !PATH_DIRS.some((d) => program.startsWith(`${d}/`)));
  return { text: words.trim() || '(empty)', line: entry.instruction.line + 1, dockerfile: entry.inherited?.dockerfile.rel ?? df.rel, read };
}

/** File name of the entrypoint or program a knowledge row read its capabilities from (docker-entrypoint.sh for most docker-library images). */
export function entrypointProgramName(facts: ImageFacts | undefined): string {
  const src = facts?.capsSource ?? facts?.entrypointSource;
  const name = src ? src.slice(src.lastIndexOf('/') + 1) : '';
  // A script (`docker-entrypoint.sh`) or a program without an extension (php's `apache2-foreground`, whose apache
  // steps down itself); a source file (nginx's ngx_file.c) names no program a start could call.
  return /\.sh$/.test(name) || (name !== '' && !name.includes('.')) ? name : 'docker-entrypoint.sh';
}

/** Whether the image's own entrypoint runs for a service: compose sets none, or its entrypoint runs the image's again (serviceRunsImageProgram). */
export function runsImageEntrypoint(project: Project, s: ServiceLink, df: DockerfileSource | undefined, base: StageBase | undefined, facts: ImageFacts | undefined): boolean {
  if (s.effective.entrypoint === undefined || s.effective.entrypoint === null) {
    const command = composeStarts(s).find((c) => c.via === 'command')?.argv;
    return !(df && base && dockerfileEntrypointReplacing(project, df, base, facts, command));
  }
  return serviceRunsImageProgram(project, s, df, base, entrypointProgramName(facts));
}

/**
 * A service built from an image whose own start (compose `command:` or
 * `entrypoint:`, and the scripts they run) needs root where the image's start
 * does not: a privilege drop outside the image's start scripts (`sh -c "chown
 * -R app /data && exec gosu app server"`), or a daemon or supervisor that must
 * start as root. A USER in the Dockerfile applies to every service built from
 * it, so one such service keeps the image on root; its drop (with every
 * capability the service's whole start needs) is what cap_drop gives back.
 */
export interface ServiceRootStart {
  service: ServiceLink;
  start: ImageStart;
  drop?: ImageDrop;
  daemons: string[];
}

export function serviceNeedingRoot(project: Project, df: DockerfileSource, base: StageBase, services: readonly ServiceLink[]): ServiceRootStart | undefined {
  const image = imageStart(project, df, base);
  const imageScripts = new Set(image.scripts.map((x) => x.ref.hostPath));
  for (const service of services) {
    if (composeStarts(service).length === 0) continue;
    const start = serviceStart(project, service, df, base);
    // The image's own scripts are the image's decision (imagePrivilegeDrop on imageStart): only what the service adds counts here.
    const own: ImageStart = { ...start, scripts: start.scripts.filter((x) => !imageScripts.has(x.ref.hostPath)) };
    const found = imagePrivilegeDrop(own);
    const daemons = imageRootDaemons(start);
    if (found || daemons.length) return { service, start, ...(found ? { drop: { ...found, caps: imagePrivilegeDrop(start)!.caps } } : {}), daemons };
  }
  return undefined;
}

/** The shell text of a start: `sh -c TEXT` gives TEXT; an argv is its words joined. */
function startText(t: { argv?: string[]; shell?: string }): string {
  const argv = t.argv ?? [];
  return t.shell ?? (SHELLS.test(argv[0] ?? '') && argv[1] === '-c' ? argv[2] ?? '' : argv.map(shellWord).join(' '));
}

/**
 * Two readings of one start as one (an ENTRYPOINT and its CMD, a compose entrypoint and command): every field carried,
 * so a step one part takes (the CMD's `sudo`, read apart from a `tini --` ENTRYPOINT) is still the start's.
 */
function mergeReadings(a: ScriptReading, b: ScriptReading): ScriptReading {
  return {
    drops: [...a.drops, ...b.drops],
    writes: [...a.writes, ...b.writes],
    rootCheck: a.rootCheck || b.rootCheck,
    rootCaps: [...new Set([...a.rootCaps, ...b.rootCaps])],
    rootDaemons: [...a.rootDaemons, ...b.rootDaemons],
    mainRootDaemons: [...(a.mainRootDaemons ?? []), ...(b.mainRootDaemons ?? [])],
    accountChanges: [...(a.accountChanges ?? []), ...(b.accountChanges ?? [])],
    rootOnlySteps: [...(a.rootOnlySteps ?? []), ...(b.rootOnlySteps ?? [])],
    packageInstalls: [...(a.packageInstalls ?? []), ...(b.packageInstalls ?? [])],
    fileCapSets: [...(a.fileCapSets ?? []), ...(b.fileCapSets ?? [])],
    pipInstalls: [...(a.pipInstalls ?? []), ...(b.pipInstalls ?? [])],
    staticCollects: [...(a.staticCollects ?? []), ...(b.staticCollects ?? [])],
    depInstalls: [...(a.depInstalls ?? []), ...(b.depInstalls ?? [])],
    userSwitches: [...(a.userSwitches ?? []), ...(b.userSwitches ?? [])],
    escalations: [...(a.escalations ?? []), ...(b.escalations ?? [])],
  };
}

/**
 * The folder a command runs in, when every way the script can reach it says the same one: the start's working directory
 * and the folder of each `cd` before it (`before`: the commands above it, and those before it on its line). polar's
 * startup-web.sh runs `cd /app/clients` and then `pnpm install`, in /app/clients, its WORKDIR too. A cd that is
 * conditional or in a subshell may not have run, so the working directory stays a candidate; a cd to a relative
 * folder, a variable not known or HOME, and a move back with no move before it: not known.
 */
function folderAt(before: string[][], workdir: string, scope: Map<string, string | undefined>): string | undefined {
  const trim = (p: string) => path.posix.normalize(p).replace(/(.)\/+$/, '$1');
  // The moves in order: a folder (`cd DIR`, `pushd DIR`) or back (`cd -`, `popd`). A move straight followed by a move
  // back cancels out (dunglas/symfony-docker's entrypoint: `cd tmp`, copy, `cd -`, then `composer require`); both run
  // or, under set -e, the script stops at the first.
  const moves: (string[] | 'back')[] = [];
  for (const argv of before) {
    const words = argv[0] === 'builtin' || argv[0] === 'command' ? argv.slice(1) : argv;
    if (words[0] !== 'cd' && words[0] !== 'pushd' && words[0] !== 'popd') continue;
    const operands = words.slice(1).filter((w) => w !== '--' && !/^-[LPe@]+$/.test(w));
    if (words[0] === 'popd' || (words[0] === 'cd' && operands.length === 1 && operands[0] === '-')) {
      if (moves.length && moves[moves.length - 1] !== 'back') moves.pop();
      else moves.push('back');
    } else moves.push(operands);
  }
  const folders = new Set([trim(workdir)]);
  for (const move of moves) {
    if (move === 'back' || move.length !== 1) return undefined;
    const w = move[0]!.includes('$') ? expandArgs(move[0]!, scope) : move[0]!;
    if (!w || !w.startsWith('/') || /[$*?`]/.test(w)) return undefined;
    folders.add(trim(w));
  }
  return folders.size === 1 ? [...folders][0] : undefined;
}

/**
 * A dependency install or package-manager run (`npm ci`, `pnpm install --frozen-lockfile`, `corepack enable`,
 * `pnpm web`): the folder it runs in is the start's working directory unless `--prefix`/`--dir`/`-C`/`--cwd`
 * or a `cd` says otherwise (then not known).
 */
/** A folder word of a shell test, quoted or not, without a trailing slash. */
const TEST_FOLDER = `["']?([^\\s"';|&()]+?)/?["']?`;
/** Tests true only where the folder is missing (`[ ! -d X ]`, `[[ ! -e X ]]`, `test ! -d X`, `! [ -d X ]`) or empty (`[ -z "$(ls -A X)" ]`). */
const MISSING_OR_EMPTY = new RegExp(
  `^(?:\\[\\[?\\s+!\\s+-[de]\\s+${TEST_FOLDER}\\s+\\]\\]?|test\\s+!\\s+-[de]\\s+${TEST_FOLDER}(?=\\s|;|$)|!\\s+\\[\\[?\\s+-[de]\\s+${TEST_FOLDER}\\s+\\]\\]?|\\[\\[?\\s+-z\\s+"?\\$\\(\\s*ls\\s+-A\\s+${TEST_FOLDER}(?:\\s+[^)]*)?\\)"?\\s+\\]\\]?)`,
);
/** Tests true where the folder is there (`[ -d X ]`, `test -e X`) or not empty (`[ -n "$(ls -A X)" ]`). */
const PRESENT = new RegExp(
  `^(?:\\[\\[?\\s+-[de]\\s+${TEST_FOLDER}\\s+\\]\\]?|test\\s+-[de]\\s+${TEST_FOLDER}(?=\\s|;|$)|\\[\\[?\\s+-n\\s+"?\\$\\(\\s*ls\\s+-A\\s+${TEST_FOLDER}(?:\\s+[^)]*)?\\)"?\\s+\\]\\]?)`,
);

/**
 * The folder whose absence (or emptiness) a line's test makes the rest of that line, or the `if` block it opens, run
 * for: `if [ ! -d node_modules ]; then`, `if [ -z "$(ls -A 'vendor/' 2>/dev/null)" ]; then` (dunglas/symfony-docker),
 * `[ ! -d X ] && …`, `[ -d .venv ] || …`. A condition joined with another (`||`, `-o`, `&&` inside an `if`) may hold
 * where the folder is filled, so it is no guard. The word as written (relative, or with a variable).
 */
function lineFillGuard(line: string): string | undefined {
  const head = line.trim();
  const cond = /^(?:el)?if\s+(.*?);?\s*then\b/.exec(head);
  if (cond) {
    const test = cond[1]!.trim();
    if (/\|\||&&|\s-o\s|\s-a\s/.test(test)) return undefined;
    const m = MISSING_OR_EMPTY.exec(test);
    return m && m[0].length === test.length ? m.slice(1).find((x) => x !== undefined) : undefined;
  }
  const missing = MISSING_OR_EMPTY.exec(head);
  if (missing && /^\s*&&/.test(head.slice(missing[0].length))) return missing.slice(1).find((x) => x !== undefined);
  const present = PRESENT.exec(head);
  if (present && /^\s*\|\|/.test(head.slice(present[0].length))) return present.slice(1).find((x) => x !== undefined);
  return undefined;
}

/** A dependency install or package-manager run in `words`, where `resolve('.')` says the folder it runs in (also read in a build's RUN). */
export function depInstall(words: readonly string[], at: string, resolve: (w: string) => string | undefined): DepInstall | undefined {
  const tool = path.posix.basename(words[0] ?? '') as DepInstall['tool'];
  const subcommands = Object.prototype.hasOwnProperty.call(DEP_INSTALLS, tool) ? DEP_INSTALLS[tool] : undefined;
  if (!subcommands) return undefined;
  const operands = words.slice(1).filter((w) => !w.startsWith('-'));
  const sub = tool === 'go' && operands[0] === 'mod' ? `mod ${operands[1] ?? ''}`.trim() : tool === 'mix' && operands[0] === 'do' ? 'do deps.get' : (operands[0] ?? '');
  const installs =
    tool === 'go' ? sub === 'mod download' || sub === 'get' : tool === 'mix' ? sub === 'deps.get' || (sub === 'do deps.get' && operands.some((w) => w.replace(/,$/, '') === 'deps.get')) : subcommands.includes(sub);
  // Only pnpm and yarn are fetched by corepack on use; npm, composer and bundle matter only when they install.
  if (!installs && tool !== 'pnpm' && tool !== 'yarn') return undefined;
  // A global install (`npm install -g nodemon`, `yarn global add`) writes the tool's own prefix, not the folder it runs in.
  const elsewhere = words.some((w) => /^(--prefix|--dir|--directory|-C|--cwd|--working-dir|-d|-g|--global|global)(=|$)/.test(w));
  const dir = elsewhere ? undefined : resolve('.');
  const lockFile = installs ? lockFileOf(tool, sub, words) : undefined;
  return { tool, installs, ...(dir ? { dir } : {}), ...(lockFile ? { lockFile } : {}), how: `${[tool, sub].filter(Boolean).join(' ')} (${at})` };
}

/**
 * The lock file an install writes (DepInstall.lockFile). Where each tool says so: bundle install writes Gemfile.lock
 * where there is none (https://bundler.io/man/bundle-install.1.html; on the team engine as a user in a root-owned
 * /app: "There was an error while trying to write to `/app/Gemfile.lock`", rw-deps40), --frozen and --deployment
 * refuse to change it; composer install without composer.lock resolves and writes it
 * (https://getcomposer.org/doc/01-basic-usage.md#installing-without-composer-lock); npm install writes
 * package-lock.json, also over an up-to-date one (as a user in a root-owned /app with node_modules the user's: "EACCES:
 * permission denied, open '/app/package-lock.json'", rw-deps40), and npm ci never does
 * (https://docs.npmjs.com/cli/v10/commands/npm-ci); yarn install writes
 * yarn.lock unless --frozen-lockfile/--pure-lockfile (https://classic.yarnpkg.com/en/docs/cli/install), --immutable
 * on yarn 2+; pnpm install writes pnpm-lock.yaml unless --frozen-lockfile (https://pnpm.io/cli/install); poetry
 * install creates poetry.lock where it is missing (https://python-poetry.org/docs/basic-usage/#installing-without-poetrylock);
 * mix deps.get writes mix.lock (https://hexdocs.pm/mix/Mix.Tasks.Deps.Get.html). update/add/require change it in any case.
 */
function lockFileOf(tool: DepInstall['tool'], sub: string, words: readonly string[]): DepInstall['lockFile'] {
  const has = (...flags: string[]) => words.some((w) => flags.includes(w.replace(/=.*$/, '')));
  switch (tool) {
    case 'bundle':
      return has('--frozen', '--deployment') ? undefined : { name: 'Gemfile.lock', always: sub === 'update' };
    case 'composer':
      return { name: 'composer.lock', always: sub !== 'install' };
    case 'npm':
      // npm install rewrites package-lock.json even when it is there and up to date (npm 9 on the team engine, rw-deps40).
      return sub === 'ci' || words.some((w) => /^--(no-package-lock|package-lock=false)$/.test(w)) ? undefined : { name: 'package-lock.json', always: true };
    case 'yarn':
      return sub === 'global' || has('--frozen-lockfile', '--pure-lockfile', '--immutable') ? undefined : { name: 'yarn.lock', always: sub === 'add' };
    case 'pnpm':
      return has('--frozen-lockfile') ? undefined : { name: 'pnpm-lock.yaml', always: sub === 'add' };
    case 'poetry':
      return { name: 'poetry.lock', always: sub === 'add' || sub === 'update' };
    case 'mix':
      return { name: 'mix.lock', always: false };
    default:
      return undefined;
  }
}

/** Django's `collectstatic` through `manage.py` (`python manage.py`, `./manage.py`, `python -m django`) or `django-admin`: the words, or undefined. */
function collectStatic(words: string[]): string | undefined {
  const at = words.indexOf('collectstatic');
  if (at < 1) return undefined;
  const before = words.slice(0, at);
  if (before.some((w) => /(^|\/)manage\.py$/.test(w))) return 'manage.py collectstatic';
  if (before.some((w) => path.posix.basename(w) === 'django-admin') || (before.includes('-m') && before.includes('django'))) return 'django-admin collectstatic';
  return undefined;
}

/** `pip install`, `pip3 install`, `python3 -m pip install` (not `uv pip install`, which needs a target environment): the words, or undefined. */
function pipInstall(words: string[]): string | undefined {
  const name = path.posix.basename(words[0] ?? '');
  if (/^pip(3(\.\d+)?)?$/.test(name) && words[1] === 'install') return `${name} install`;
  if (/^python(3(\.\d+)?)?$/.test(name) && words[1] === '-m' && words[2] === 'pip' && words[3] === 'install') return `${name} -m pip install`;
  return undefined;
}

// ------------------------------------------------------------ configuration rendered at start

/** `envsubst [vars] < SOURCE > DEST` in a start: a template the container renders into a file at start. */
export interface StartRender {
  /** Container paths, when written as plain paths (undefined: a variable, or not redirected). */
  source?: string;
  dest?: string;
  how: string;
}

/** The envsubst renders of a start text (script or command), relative paths resolved against `workdir`; `numbered`: a script, whose lines are named. */
export function startRenders(text: string, where: string, workdir: string, numbered = true): StartRender[] {
  return rendersInRun.get(text, JSON.stringify([where, workdir, numbered]), () => startRendersAfresh(text, where, workdir, numbered)).map((r) => ({ ...r }));
}

/**
 * startRenders' answers across the run: the model's linking asks for every
 * service's and image's start texts in each of its rounds (up to six), each
 * time tokenising the whole text twice, with the same texts unless a round
 * loaded new ones (issue 13). Keyed on the text and every other argument.
 */
const rendersInRun = new RunMemo<StartRender[]>();

function startRendersAfresh(text: string, where: string, workdir: string, numbered: boolean): StartRender[] {
  const out: StartRender[] = [];
  const changesDir = shellCommands(text).some((argv) => argv[0] === 'cd' || argv[0] === 'pushd');
  const resolve = (w: string | undefined): string | undefined => {
    if (!w || /[$*?`~]/.test(w)) return undefined;
    if (w.startsWith('/')) return path.posix.normalize(w);
    return changesDir ? undefined : path.posix.resolve(workdir, w);
  };
  for (const { text: line, number } of logicalLines(text)) {
    for (const argv of shellCommands(line)) {
      const words = argv[0] === 'exec' ? argv.slice(1) : argv;
      if (path.posix.basename(words[0] ?? '') !== 'envsubst') continue;
      let source: string | undefined;
      let dest: string | undefined;
      let sourceSeen = false;
      let destSeen = false;
      for (let i = 1; i < words.length; i++) {
        const m = /^(0?<|1?>>?)(.*)$/.exec(words[i]!);
        if (!m) continue;
        const target = m[2] || words[++i];
        if (m[1]!.includes('<')) {
          sourceSeen = true;
          source = resolve(target);
        } else {
          destSeen = true;
          dest = resolve(target);
        }
      }
      if (!sourceSeen && !destSeen) continue;
      out.push({ ...(source ? { source } : {}), ...(dest ? { dest } : {}), how: `envsubst (${numbered ? `${where} line ${number}` : where})` });
    }
  }
  return out;
}

/**
 * Files a container's start writes under /etc/nginx, and the configuration it
 * renders anywhere, as container mappings for nginx-files: an envsubst render
 * whose template is a file of the repository (copied or mounted) places that
 * template's text at its destination, variables aside; any other write into
 * /etc/nginx (sed -i, cp, a redirect, a render of a template not found here)
 * is a mapping whose content cannot be known, which the nginx transforms
 * report instead of guessing. `mappings` are the container's COPYs and mounts.
 */
export function startConfigMappings(project: Project, s: ServiceLink | undefined, df: DockerfileSource | undefined, base: StageBase | undefined): ContainerMapping[] {
  const texts: { text: string; where: string; script: boolean }[] = [];
  if (s && composeStarts(s).length) {
    for (const t of serviceStartTexts(s, base)) texts.push({ text: startText(t), where: t.where, script: false });
    for (const ref of serviceStartScriptRefs(project, s, df, base)) {
      const src = project.files.get(ref.hostPath);
      if (src?.kind === 'script') texts.push({ text: src.text, where: path.basename(ref.hostPath), script: true });
    }
  } else if (df && base) {
    for (const c of imageStartCommands(base)) texts.push({ text: startText(c), where: commandWhere(c), script: false });
    for (const ref of startScriptRefs(project, df, base)) {
      const src = project.files.get(ref.hostPath);
      if (src?.kind === 'script') texts.push({ text: src.text, where: path.basename(ref.hostPath), script: true });
    }
  }
  const out: ContainerMapping[] = [];
  // Most starts render nothing: the container's mappings (every COPY of its image's levels and every mount) are
  // gathered only for a render's template, and nothing at all without a start text. The model's linking asks this of
  // every service and Dockerfile in each of its rounds (issue 13).
  if (!texts.length) return out;
  let mappings: ContainerMapping[] | undefined;
  const workdir = s ? serviceWorkdir(s, base) : base ? imageWorkdir(base) : '/';
  for (const { text, where, script } of texts) {
    const renders = startRenders(text, where, workdir, script);
    for (const r of renders) {
      if (!r.dest) {
        // Written where a variable says: it may be any file nginx reads.
        out.push({ containerPath: '/etc/nginx', replaces: true, origin: r.how, unknown: 'envsubst writes to a path named by a variable, which may be nginx configuration' });
        continue;
      }
      const origin = `${r.how}: ${r.source ?? '?'} > ${r.dest}`;
      const found = r.source ? resolveContainerPath((mappings ??= serviceMappings(project, s, df, base)), r.source) : undefined;
      if (found?.hostPath && found.exists) out.push({ containerPath: r.dest, hostPath: found.hostPath, replaces: true, origin });
      else out.push({ containerPath: r.dest, replaces: true, origin, unknown: r.source ? `its template ${r.source} is in no COPY or mount of this repository I can follow` : 'its template is not a plain path' });
    }
    for (const w of startScriptWrites(text, where, workdir)) {
      if (w.kind === 'dir' || !(w.path === '/etc/nginx' || w.path.startsWith('/etc/nginx/'))) continue; // a folder made at start holds nothing yet
      if (out.some((m) => m.containerPath === w.path)) continue; // a render above
      out.push({ containerPath: w.path, replaces: true, origin: w.how, unknown: 'it is written at start, which I cannot follow' });
    }
  }
  return out;
}
