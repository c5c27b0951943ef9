// Questions several transforms ask of a Dockerfile, answered once: which stage
// is the image, what base image it really starts from (through ARG defaults
// and earlier stages), what the knowledge table says of that base, and which
// user the image ends up running as.
import type { DfInstruction, DfStage, ParsedDockerfile } from './parse/dockerfile.js';
import { expandArgs, effectiveInstructions, isUnknownBuildArg } from './parse/dockerfile.js';
import { parseImageRef, type ImageRef } from './parse/image-ref.js';
import path from 'node:path';
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import type { BuiltImage } from './images.js';
import type { Evidence } from './evidence/types.js';
import { currentDiscoveredFacts, lookupImage, distroFromShell, shellCommands, type Distro, type ImageFacts } from './knowledge/images.js';
import { packageLayout, type NginxLayout } from './knowledge/nginx.js';
import { ParseMemo, PassMemo, sameItems } from './pass-memo.js';
import { sharedString } from './text.js';

export interface StageBase {
  /** Stages from the external base to `stage` (the last element). */
  chain: DfStage[];
  /** The external image the chain starts from, ARGs expanded. */
  image?: string;
  ref?: ImageRef;
  /** Knowledge about that image; undefined for an image we do not know. */
  facts?: ImageFacts;
  /** Why the base could not be resolved (an ARG with no default, say). */
  unresolved?: string;
  /** Distro: from the facts, else guessed from package managers in RUN lines. */
  distro?: Distro;
  distroGuessed: boolean;
  /**
   * Set when the external image is one this repository builds (`FROM org/base`
   * and `docker build -t org/base -f base.Dockerfile`): the stage it is built
   * from and what that stage starts from. `facts` then describe that image.
   */
  builtFrom?: { parent: BuiltParent; base: StageBase };
  /** The build arguments it was resolved with (compose build.args): they replace the ARG defaults in the chain too. */
  buildArgs?: Record<string, string>;
  /** The file's ARGs before the first FROM: a stage that declares one again without a value gets its default. */
  globalArgs?: Map<string, string | undefined>;
  /** Set when the chain starts `FROM name` and a build gives `name` as a named build context: that context. */
  namedContext?: NamedBase;
}

/** The Dockerfile stage an image tag built in this repository comes from. */
export interface BuiltParent {
  dockerfile: DockerfileSource;
  stage: DfStage;
  image: BuiltImage;
}

/**
 * Finds the build of an image reference in this repository (the model's tag lookup). `namedContext` answers what
 * `FROM name` means when a build of that Dockerfile names a build context `name` (compose `additional_contexts`,
 * `--build-context`, bake `contexts`).
 */
export interface ParentLookup {
  (image: string): BuiltParent | undefined;
  namedContext?: (df: ParsedDockerfile, name: string) => NamedBase | undefined;
}

/**
 * A named build context a `FROM` reads (BuildKit: "When Dockerfile defines a stage with the same name it is
 * overwritten", docker buildx build reference, --build-context): an image (`docker-image://ref`), another build here
 * (bake `target:name`, compose `service:name`), or something that is no image (a folder, a URL).
 */
export interface NamedBase {
  name: string;
  /** As the build gives it (a folder made absolute). */
  value: string;
  /** `docker-image://ref`: the ref. */
  image?: string;
  /** `target:x` / `service:x`: that build's stage, when it is here. */
  parent?: BuiltParent;
  at: Evidence;
}

/** The stage that becomes the image: the build target, else the last stage. */
export function finalStage(df: ParsedDockerfile, target?: string): DfStage | undefined {
  if (target) {
    const t = target.toLowerCase();
    const named = df.stages.find((s) => s.name === t);
    if (named) return named;
  }
  return df.stages[df.stages.length - 1];
}

/** Stage a FROM (or `COPY --from`) value names, if it names an earlier stage. */
export function stageByRef(df: ParsedDockerfile, ref: string, before: number): DfStage | undefined {
  const lower = ref.toLowerCase();
  const byName = df.stages.find((s) => s.index < before && s.name === lower);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) {
    const i = Number(ref);
    if (i < before) return df.stages[i];
  }
  return undefined;
}

/**
 * Earlier stages a FROM value that still holds a variable could name (`build_${BUILD_ENV}` matches build_git and
 * build_copy): its variables read as any run of the characters a stage name may hold. A stage name is lower-case
 * letters, digits, `.`, `_` and `-` (BuildKit: `^[a-z][a-z0-9-_.]*$`), so an image reference (`${REGISTRY}/node`) never
 * matches one.
 */
function stagesMatching(df: ParsedDockerfile, value: string, before: number): DfStage[] {
  if (!/\$\{?\w/.test(value)) return [];
  const parts = value.toLowerCase().split(/\$\{[^}]*\}|\$\w+/);
  // A bare `${BASE}` names an image as often as a stage: only words around the variable tie it to stage names.
  if (!parts.join('')) return [];
  const re = new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[a-z0-9._-]+')}$`);
  return df.stages.filter((st) => st.index < before && st.name !== undefined && re.test(st.name));
}

/**
 * What a stage starts from: the chain of stages back to an external image, and
 * what is known of that image. With `parents`, an external image this
 * repository builds is followed into the Dockerfile that builds it.
 */
export function resolveStageBase(df: ParsedDockerfile, stage: DfStage, buildArgs: Record<string, string> = {}, parents?: ParentLookup, depth = 0): StageBase {
  // Asked about four times per image and pass (the service's image, imageStages, roles, nginx units): one answer per
  // stage, build arguments and parent lookup in a pass, which also lets the memos keyed by its chain array meet again.
  const args = argsKey(buildArgs);
  const facts = currentDiscoveredFacts();
  const known = basesInPass.get(stage, () => []);
  for (const k of known) if (k.df === df && k.args === args && k.parents === parents && k.depth === depth && k.facts === facts) return k.base;
  const base = readStageBase(df, stage, buildArgs, parents, depth);
  known.push({ df, args, parents, depth, facts, base });
  return base;
}

/** The build arguments as a key: written out in their order (a base keeps them, and readers go through them in order). */
function argsKey(buildArgs: Record<string, string>): string {
  for (const _ in buildArgs) return JSON.stringify(buildArgs);
  return '';
}

/** resolveStageBase per pass, by stage: the answers, with what each was asked with. Callers only read a base. */
const basesInPass = new PassMemo<
  DfStage,
  { df: ParsedDockerfile; args: string; parents: ParentLookup | undefined; depth: number; facts: ReturnType<typeof currentDiscoveredFacts>; base: StageBase }[]
>();

function readStageBase(df: ParsedDockerfile, stage: DfStage, buildArgs: Record<string, string>, parents: ParentLookup | undefined, depth: number): StageBase {
  const chain: DfStage[] = [stage];
  let cur = stage;
  const args = { globalArgs: df.globalArgs, ...(Object.keys(buildArgs).length ? { buildArgs } : {}) };
  for (let guard = 0; guard < df.stages.length; guard++) {
    const expanded = expandArgs(cur.image, df.globalArgs, buildArgs);
    if (expanded === undefined) {
      return withDistro(df, chain, { chain, unresolved: `FROM ${cur.image}: a build argument has no default`, distroGuessed: false, ...args });
    }
    const named = parents?.namedContext?.(df, expanded);
    if (named) {
      const extra = { ...args, namedContext: named };
      if (named.image === undefined && !named.parent) {
        const what = /^(target|service):/.test(named.value) ? `${named.value}, a build not found here` : `${named.value}, not an image`;
        return withDistro(df, chain, { chain, unresolved: `FROM ${expanded}: the named build context ${named.name} is ${what} (${named.at.rel}:${named.at.line})`, distroGuessed: false, ...extra });
      }
      const image = named.image ?? expanded;
      const built = depth < 8 ? (named.parent ?? parents?.(image)) : undefined;
      if (built && built.dockerfile.parsed !== df) return onBuiltParent(df, chain, image, built, extra, parents, depth);
      const ref = parseImageRef(image);
      return withDistro(df, chain, { chain, image, ref, facts: named.image ? lookupImage(ref) : undefined, distroGuessed: false, ...extra });
    }
    const parent = stageByRef(df, expanded, cur.index);
    if (!parent) {
      // `FROM build_${BUILD_ENV}` with a value the build takes from the environment: when the words around the variable
      // name earlier stages, one of those is the parent (Etherpad's build_git, build_copy), not an image of that name.
      const stages = stagesMatching(df, expanded, cur.index);
      if (stages.length) {
        const names = stages.map((st) => st.name!);
        const vars = [...new Set([...expanded.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!))];
        return withDistro(df, chain, { chain, unresolved: `FROM ${cur.image}: names the stage ${names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0]} through the build argument${vars.length > 1 ? 's' : ''} ${vars.join(', ')}, whose value the build takes from the environment`, distroGuessed: false, ...args });
      }
      const ref = parseImageRef(expanded);
      const built = depth < 8 ? parents?.(expanded) : undefined;
      if (built && built.dockerfile.parsed !== df) return onBuiltParent(df, chain, expanded, built, args, parents, depth);
      const facts = lookupImage(ref);
      return withDistro(df, chain, { chain, image: expanded, ref, facts, distroGuessed: false, ...args });
    }
    chain.unshift(parent);
    cur = parent;
  }
  return withDistro(df, chain, { chain, unresolved: 'stages refer to each other in a loop', distroGuessed: false, ...args });
}

/** A chain that starts from an image built here: that build's facts, and its distro where the chain shows none. */
function onBuiltParent(df: ParsedDockerfile, chain: DfStage[], image: string, built: BuiltParent, extra: Partial<StageBase>, parents: ParentLookup | undefined, depth: number): StageBase {
  const base = resolveStageBase(built.dockerfile.parsed, built.stage, {}, parents, depth + 1);
  const own = withDistro(df, chain, { chain, image, ref: parseImageRef(image), facts: factsOfBuiltImage(built, base), distroGuessed: false, builtFrom: { parent: built, base }, ...extra });
  return own.distro || !base.distro ? own : { ...own, distro: base.distro, distroGuessed: base.distroGuessed };
}

/**
 * What an image built here is, as far as its own Dockerfile says: its base's
 * facts with the user its stage ends with and the user it creates. Undefined
 * when its base is unknown. An image that swaps (nginx) is the parent's to
 * swap; its children keep the parent's master-as-root behaviour.
 */
function factsOfBuiltImage(built: BuiltParent, base: StageBase): ImageFacts | undefined {
  const f = base.facts;
  if (!f) return undefined;
  const user = effectiveUser(base);
  const created = usersCreatedIn(base.chain, built.dockerfile.parsed.escape).filter((u) => u.uid !== undefined);
  const last = created[created.length - 1];
  return {
    ...f,
    defaultUser: user.user,
    nonRootByDefault: user.known && !user.root,
    existingUser: last ? { name: last.name, uid: last.uid!, gid: last.gid ?? last.uid! } : f.existingUser,
    dropsPrivileges: f.dropsPrivileges || !!f.swapTo,
    swapTo: undefined,
    source: `built in this repository from ${built.dockerfile.rel}${built.image.target ? ` (target ${built.image.target})` : ''}: ${built.image.via} at ${built.image.at.rel}:${built.image.at.line}; its base: ${f.source}`,
  };
}

function withDistro(df: ParsedDockerfile, chain: DfStage[], base: StageBase): StageBase {
  if (base.facts && base.facts.distro !== 'unknown') return { ...base, distro: base.facts.distro };
  for (const stage of [...chain].reverse()) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword !== 'RUN') continue;
      const d = runDistro(ins);
      if (d) return { ...base, distro: d, distroGuessed: true };
    }
  }
  return base;
}

const distroOfRun = new WeakMap<DfInstruction, Distro | null>();

/** The distro a RUN's package manager names (distroFromShell), read once per parsed instruction: every base resolution asks. */
function runDistro(ins: DfInstruction): Distro | undefined {
  let d = distroOfRun.get(ins);
  if (d === undefined) {
    d = distroFromShell(runShellText(ins)) ?? null;
    distroOfRun.set(ins, d);
  }
  return d ?? undefined;
}

/** The shell text of a RUN without its keyword and flags (heredoc bodies included). */
export function runShellText(ins: DfInstruction, escape = '\\'): string {
  if (ins.json) return ins.json.join(' ');
  return continuationComments(joinedText(ins), escape);
}

/**
 * Comment lines inside a continued instruction are not the shell's: Docker drops them before the lines are joined
 * (https://docs.docker.com/reference/dockerfile/#format: "Comment lines are removed before the Dockerfile
 * instructions are executed"), so `apk add \` / `    # the legacy backend` / `    iptables-legacy \` installs
 * iptables-legacy (wg-easy's Dockerfile), where a shell reading the lines as written ends the command at the comment.
 * Each such line becomes blanks and a continuation, the same length, so offsets into the text still hold. Not in a
 * heredoc, whose body is the script's own text.
 */
function continuationComments(text: string, escape: string): string {
  if (!text.includes('#') || /<<-?[ \t]*['"]?[A-Za-z_]/.test(text)) return text;
  return text.replace(/(\n)([ \t]*#[^\r\n]*)(?=\r?\n)/g, (_, nl: string, line: string) => `${nl}${' '.repeat(line.length - 1)}${escape}`);
}

function joinedText(ins: DfInstruction): string {
  // Docker ends a line with its escape character followed by spaces or tabs too (moby/buildkit
  // frontend/dockerfile/parser/parser.go: lineContinuationRegex `\\[ \t]*$`), and joins the lines before the shell sees
  // them; a shell reads `\ ` + newline as an escaped space and a new command (invoiceninja's `--ingroup "$USER" \ `
  // cut its adduser short). The blanks move before the backslash: the same length, so offsets into the text still hold.
  return ins.raw
    .replace(/^\s*\S+/, '')
    .replace(/^(\s+--\S+)+/, '')
    .replace(/(^|[^\\])\\([ \t]+)(\r?\n)/gm, '$1$2\\$3');
}

export function isRootUser(user: string): boolean {
  const colon = user.indexOf(':');
  const name = (colon < 0 ? user : user.slice(0, colon)).trim();
  return name === 'root' || name === '0';
}

export interface UserState {
  /** The user the image runs as, as written (`root`, `app`, `1000:1000`). */
  user: string;
  /** Whether we know it (an unknown base image's default user is not known). */
  known: boolean;
  root: boolean;
  /** The USER instruction that set it, in the final stage or an ancestor. */
  instruction?: DfInstruction;
  /**
   * Variables of that USER that nothing in scope declares (`USER ${uid}` where `ARG uid` is only
   * before the first FROM, or in a stage this one does not build on): the builder expands them to
   * empty, and a USER whose name comes out empty is root. Set only where the base image's ENV is
   * known (a table or inspected image), since an unknown base could set them.
   */
  unset?: string[];
}

/** The user in effect at the end of `stage`: its USER, else its ancestors', else the base image's. */
export function effectiveUser(base: StageBase): UserState {
  // The last USER, from the final stage back: loops, not a reversed copy and a filtered list per call (issue 13).
  for (let s = base.chain.length - 1; s >= 0; s--) {
    const instructions = effectiveInstructions(base.chain[s]!);
    let last: DfInstruction | undefined;
    for (let i = instructions.length - 1; i >= 0 && !last; i--) if (instructions[i]!.keyword === 'USER') last = instructions[i];
    if (last) {
      const { user, unset } = expandUser(base, last);
      // `USER ${uid}` with uid out of scope is `USER ""` (or `:1337`): an empty name is root.
      if (unset) return { user, known: true, root: true, instruction: last, unset };
      const known = !user.includes('$');
      return { user, known, root: known && isRootUser(user), instruction: last };
    }
  }
  // An image built here: the user its own Dockerfile ends with (the instruction is in that file).
  if (base.builtFrom) {
    const u = effectiveUser(base.builtFrom.base);
    return { user: u.user, known: u.known, root: u.root };
  }
  if (base.facts) {
    const user = base.facts.defaultUser;
    return { user, known: true, root: isRootUser(user) };
  }
  return { user: 'root', known: false, root: true };
}

/**
 * A USER's argument with the variables the build gives it: the chain's ENV and
 * ARG values before it (`ENV USER node` + `USER $USER`, `ARG NB_UID=1000` +
 * `USER ${NB_UID}`, an ARG a parent stage declared), over the ENV the base image
 * sets (.NET's `USER $APP_UID`). A variable declared without a value stays as
 * written, so the user stays unknown. A variable nothing declares is empty
 * (`unset`), where the base image's own ENV is known not to set it.
 */
function expandUser(base: StageBase, ins: DfInstruction): { user: string; unset?: string[] } {
  const written = ins.args[0] ?? '';
  if (!written.includes('$')) return { user: written };
  const scope = new Map<string, string | undefined>(Object.entries(base.facts?.env ?? {}));
  for (const [k, v] of variableScopes(base.chain, base.globalArgs, base.buildArgs).get(ins) ?? []) if (v !== undefined || !scope.has(k)) scope.set(k, v);
  const value = expandArgs(written, scope);
  if (value !== undefined && value.trim() !== '') return { user: value };
  // An image whose ENV is not known (not in the table, or built here from another Dockerfile) may set the name itself.
  if (!base.facts || base.builtFrom) return { user: written };
  const unset = [...written.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))/g)]
    .map((m) => (m[1] ?? m[2])!)
    .filter((name, i, all) => !scope.has(name) && all.indexOf(name) === i);
  if (!unset.length) return { user: written };
  const empty = expandArgs(written, new Map([...scope, ...unset.map((n) => [n, ''] as const)]));
  // Only a name that comes out empty is root for sure (`${uid}`, `${uid}:${gid}`); `app${N}` is a user called app.
  if (empty === undefined || (empty.split(':')[0] ?? '').trim() !== '') return { user: empty !== undefined && !empty.includes('$') && empty.trim() !== '' ? empty : written };
  return { user: written, unset };
}

/** The instructions of a stage chain in build order (ONBUILD triggers excluded). */
export function chainInstructions(chain: readonly DfStage[]): readonly DfInstruction[] {
  // Most chains are one stage: its list as it is, not a copy (callers only read it). A longer chain's list is made
  // once per chain array in a pass: write paths, users, start and scopes ask for it many times per image (issue 13).
  if (chain.length === 1) return effectiveInstructions(chain[0]!);
  return chainListInPass.get(chain, () => chain.flatMap((s) => effectiveInstructions(s)));
}

const chainListInPass = new PassMemo<readonly DfStage[], readonly DfInstruction[]>();

/**
 * Why a Dockerfile whose base the table does not know builds a Windows image, or undefined:
 * the `# escape=`` directive Windows Dockerfiles use (a backslash is a path separator there),
 * or a SHELL whose program is Windows PowerShell or cmd (`SHELL ["powershell", "-Command"]`).
 * pwsh (PowerShell 7) runs on Linux too, so it says nothing.
 */
export function windowsSign(parsed: ParsedDockerfile, chain: readonly DfStage[]): string | undefined {
  if (parsed.escape === '`') return 'escape=`';
  for (const ins of chainInstructions(chain)) {
    const program = ins.keyword === 'SHELL' ? ins.json?.[0] : undefined;
    if (program && /^(.*[\\/])?(powershell|cmd)(\.exe)?$/i.test(program)) return `SHELL ["${program}", ...]`;
  }
  return undefined;
}

/** Words of an instruction's raw text with offsets, across line continuations, skipping comment lines inside them. */
export function instructionWords(raw: string, escape: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let i = 0;
  let lineStart = true;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === escape && (raw[i + 1] === '\n' || (raw[i + 1] === '\r' && raw[i + 2] === '\n'))) {
      i += raw[i + 1] === '\r' ? 3 : 2;
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (c === '\n') lineStart = true;
      i++;
      continue;
    }
    if (c === '#' && lineStart && out.length > 0) {
      while (i < raw.length && raw[i] !== '\n') i++;
      continue;
    }
    lineStart = false;
    const start = i;
    while (i < raw.length && !/\s/.test(raw[i]!) && !(raw[i] === escape && /\r|\n/.test(raw[i + 1] ?? ''))) i++;
    out.push({ text: raw.slice(start, i), start });
  }
  return out;
}

/**
 * runCommands' answers by all they read, the RUN (a parse object: its text) and the file's escape character, kept
 * for the run while the parse lives: every pass asks again of each Dockerfile it did not change.
 */
const commandsInRun = new ParseMemo<DfInstruction, string, readonly (readonly string[])[]>((a, b) => a === b);

/**
 * The simple commands of a RUN (shellCommands of its runScript), read once per
 * run: several transforms and fact readers (users, packages, chmod/chown,
 * write paths) ask of the same RUN lines, in every pass. Frozen: shared.
 */
export function runCommands(ins: DfInstruction, escape: string): readonly (readonly string[])[] {
  return commandsInRun.get(ins, escape, readRunCommands);
}

function readRunCommands(ins: DfInstruction, escape: string): readonly (readonly string[])[] {
  // Copies of exact length, of shared words: shellCommands builds each argv by
  // push, which leaves room for 17 words, and the pass keeps every RUN's
  // commands, whose words repeat from file to file (issue 13).
  return Object.freeze(shellCommands(runScript(ins, escape)).map((argv) => Object.freeze(argv.map((word) => sharedString(word)))));
}

/** A RUN's shell text with the file's escape-character continuations joined, so shell readers see one script. */
export function runScript(ins: DfInstruction, escape: string): string {
  const text = runShellText(ins, escape);
  if (escape === '\\') return text;
  return text.replace(new RegExp(`${escape.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*\\r?\\n`, 'g'), ' ');
}

/**
 * The WORKDIR in effect before each instruction of the chain (stages inherit their
 * parent's WORKDIR), and at the end. Relative WORKDIRs resolve against the previous one.
 */
export function workdirs(
  chain: DfStage[],
  buildArgs: Record<string, string> = NO_BUILD_ARGS,
  globalArgs?: Map<string, string | undefined>,
): Workdirs {
  // Asked about six times per image and pass (write paths, start, node start writes, non-root-user's plans), and again
  // every pass for each Dockerfile the pass did not change: one reading per chain and arguments in a run, kept with
  // the chain's last stage (its parse). Callers only read it.
  const last = chain[chain.length - 1];
  if (!last) return readWorkdirs(chain, buildArgs, globalArgs);
  return workdirsInRun.get(last, { chain, buildArgs, globalArgs }, (_, inputs) => readWorkdirs(inputs.chain, inputs.buildArgs, inputs.globalArgs));
}

/**
 * workdirs' answers, by all they read: the chain's stages (parse objects, so their text), the build's arguments (by
 * value: each pass links its services anew) and the file's global ARGs (of the same parse).
 */
const workdirsInRun = new ParseMemo<DfStage, { chain: DfStage[]; buildArgs: Record<string, string>; globalArgs: Map<string, string | undefined> | undefined }, Workdirs>(
  (a, b) => a.globalArgs === b.globalArgs && sameItems(a.chain, b.chain) && sameRecord(a.buildArgs, b.buildArgs),
  (inputs) => ({ chain: inputs.chain.slice(), buildArgs: inputs.buildArgs === NO_BUILD_ARGS ? NO_BUILD_ARGS : { ...inputs.buildArgs }, globalArgs: inputs.globalArgs }),
);

/** Whether two records of strings hold the same names and values. */
function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  for (const n of names) if (!Object.prototype.hasOwnProperty.call(b, n) || a[n] !== b[n]) return false;
  return true;
}

export interface Workdirs {
  before: Map<DfInstruction, string>;
  final: string;
  finalKnown: boolean;
  unsure: Set<DfInstruction>;
  scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>>;
}

/** The build arguments of a build that gives none: one object, so a memo by their identity meets it again. */
const NO_BUILD_ARGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function readWorkdirs(chain: DfStage[], buildArgs: Record<string, string>, globalArgs: Map<string, string | undefined> | undefined): Workdirs {
  const before = new Map<DfInstruction, string>();
  // Instructions whose working directory the chain does not set: the base image's own WORKDIR
  // (tomcat's /usr/local/tomcat), or a WORKDIR whose variable is not known. `before` says `/` or the last known one.
  const unsure = new Set<DfInstruction>();
  // The build's own arguments (compose build.args) replace ARG defaults: `WORKDIR $APP_HOME` is where that build puts it.
  // A global ARG's default reaches a stage that declares it again without a value (`ARG LANGUAGETOOL_VERSION=4.8` before
  // FROM, `ARG LANGUAGETOOL_VERSION` + `WORKDIR /LanguageTool-${LANGUAGETOOL_VERSION}` in the stage: languagetool, rw-history4).
  const scopes = variableScopes(chain, globalArgs, buildArgs);
  let cur = '/';
  let known = false;
  for (const ins of chainInstructions(chain)) {
    before.set(ins, cur);
    if (!known) unsure.add(ins);
    if (ins.keyword !== 'WORKDIR' || !ins.args[0]) continue;
    const dir = ins.args[0].includes('$') ? expandArgs(ins.args[0], scopes.get(ins) ?? new Map()) : ins.args[0];
    if (dir === undefined || dir.includes('$')) {
      known = false;
      continue;
    }
    cur = path.posix.resolve(cur, dir);
    known = known || path.posix.isAbsolute(dir);
  }
  // finalKnown: the chain itself sets the WORKDIR the container starts in (an absolute one, every variable known).
  return { before, final: cur, finalKnown: known, unsure, scopes };
}

/** The last ENV in the chain that sets `name`, with its value and where the value is written. */
export function lastEnv(chain: DfStage[], name: string): { value: string; instruction: DfInstruction; valueRange?: [number, number] } | undefined {
  let found: { value: string; instruction: DfInstruction; valueRange?: [number, number] } | undefined;
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'ENV') continue;
    for (const p of ins.properties) if (p.name === name) found = { value: p.value ?? '', instruction: ins, valueRange: p.valueRange };
  }
  return found;
}

export interface CreatedUser {
  name: string;
  uid?: number;
  gid?: number;
  /** Home directory the command names, or the one `useradd -m` makes (/home/NAME), when known. */
  home?: string;
  instruction: DfInstruction;
  /** The UID comes from a build variable (`-u "${APP_UID}"`): `uid` is its default, and a build may give another. */
  variableUid?: boolean;
}

/** Options of useradd / adduser (shadow, Debian and BusyBox) that take a value. */
const USER_TOOL_VALUE_FLAGS = new Set([
  '-u', '--uid', '-g', '--gid', '-G', '--groups', '--ingroup', '-d', '--home-dir', '--home', '-h', '-s', '--shell',
  '-c', '--comment', '--gecos', '-k', '--skel', '-K', '--key', '-e', '--expiredate', '-f', '--inactive', '-p',
  '--password', '-R', '--root', '-P', '--prefix', '-b', '--base-dir', '-Z', '--selinux-user', '--firstuid',
  '--lastuid', '--conf', '--firstgid', '--lastgid',
]);

/**
 * The build variables a RUN sees before each instruction of the chain: ARG values
 * (the build's own `buildArgs`, else their default, else the global ARG's) and ENV
 * values. Both carry into stages built on this one: BuildKit (the default builder
 * since Docker 23, and the only one docker compose v2 uses) hands a stage's ARGs to
 * the stages built FROM it ("Once a build argument is declared or consumed in a
 * stage, it's automatically inherited by child stages",
 * https://docs.docker.com/build/building/variables/#scoping); the legacy builder did
 * not (checked on Engine 20.10 with DOCKER_BUILDKIT=0: `USER ${uid}` in the child
 * left Config.User empty). A global ARG (before the first FROM) is in scope only
 * where a stage declares it again. A value that cannot be known is left out; a
 * build argument the environment sets at build time is kept as its reference
 * (`${FOO}`), so nothing expands it further.
 */
export function variableScopes(
  chain: DfStage[],
  globalArgs?: Map<string, string | undefined>,
  buildArgs?: Record<string, string>,
): ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> {
  return readVariableScopes(chain, globalArgs ?? new Map(), buildArgs ?? {});
}

// Not kept per pass: a memo by chain array (tried, session 33) held every image's scope maps for the whole pass,
// +~20 MiB peak RSS at 8,000 files for ~2% of the allocation.
function readVariableScopes(
  chain: DfStage[],
  globalArgs: Map<string, string | undefined>,
  buildArgs: Record<string, string>,
): ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> {
  const out = new Map<DfInstruction, Map<string, string | undefined>>();
  const env = new Map<string, string | undefined>();
  const args = new Map<string, string | undefined>();
  for (const stage of chain) {
    // Instructions between two ARG/ENV lines share one scope (callers only read them).
    let scope: Map<string, string | undefined> | undefined;
    for (const ins of effectiveInstructions(stage)) {
      if (!scope) {
        // ARGs, then ENVs over them (an ENV of the same name takes the ARG's place): what new Map([...args, ...env]) holds, without the two copies.
        scope = new Map(args);
        for (const [k, v] of env) scope.set(k, v);
      }
      out.set(ins, scope);
      if (ins.keyword !== 'ARG' && ins.keyword !== 'ENV') continue;
      for (const p of ins.properties) {
        const given = ins.keyword === 'ARG' && Object.hasOwn(buildArgs, p.name) ? buildArgs[p.name] : undefined;
        const raw = given ?? p.value ?? (ins.keyword === 'ARG' ? globalArgs.get(p.name) : undefined);
        const value = given !== undefined && isUnknownBuildArg(given) ? given : raw === undefined ? undefined : expandArgs(raw, scope);
        (ins.keyword === 'ARG' ? args : env).set(p.name, value);
      }
      scope = undefined;
    }
  }
  return out;
}

/** A shell word with build variables replaced where they are known (`$APP_USER` -> `svc`); else as written. */
export function expandWord(word: string, scope: ReadonlyMap<string, string | undefined> | undefined): string {
  if (!word.includes('$') || !scope) return word;
  return expandArgs(word, scope) ?? word;
}

/**
 * The name a user or group command is given: as written, or for a name the shell
 * chooses between two (`"$(getent passwd app >/dev/null && echo app-1000 || echo app)"`,
 * the guarded creation of dockerfile/non-root-user), the plain one it gets when
 * the base does not already use it.
 */
function plainName(word: string | undefined): string | undefined {
  return /^\$\(.*&&\s*echo\s+\S+\s*\|\|\s*echo\s+(\S+?)\s*\)$/.exec(word ?? '')?.[1] ?? word;
}

export interface UserReadOptions {
  /** The distro tells BusyBox's adduser (Alpine) from Debian's. */
  distro?: Distro;
  /** Global ARGs of the file, for `ARG NAME` redeclared in a stage. */
  globalArgs?: Map<string, string | undefined>;
}

/**
 * Users that RUN lines of the chain create (`useradd`, `adduser`), with the UID,
 * GID and home they name; build variables in the command are expanded
 * (`adduser -D -u $UID $USER`). The GID is known when the command names it, or
 * when the tool makes it equal to the UID: BusyBox `adduser -u N` without -S or -G,
 * Debian `adduser --system --group --uid N`.
 */
export function usersCreatedIn(chain: DfStage[], escape: string, read: UserReadOptions = {}): readonly CreatedUser[] {
  // Asked several times per service and pass (read_only's coverage, writerOf for each of its checks, non-root-user's
  // plan): one reading per chain array, escape and options in a pass. The list and its users are only read by callers.
  const byChain = usersInPass.get(chain, () => []);
  for (const known of byChain) if (known.escape === escape && known.distro === read.distro && known.globalArgs === read.globalArgs) return known.users;
  const users = readUsersCreatedIn(chain, escape, read);
  byChain.push({ escape, distro: read.distro, globalArgs: read.globalArgs, users });
  return users;
}

/** usersCreatedIn per pass, by the chain array (a service's or an image stage's base holds one for the pass). */
const usersInPass = new PassMemo<DfStage[], { escape: string; distro: Distro | undefined; globalArgs: Map<string, string | undefined> | undefined; users: readonly CreatedUser[] }[]>();

const USER_TOOLS = new Set(['useradd', 'adduser', 'groupadd', 'addgroup']);

function readUsersCreatedIn(chain: DfStage[], escape: string, read: UserReadOptions): readonly CreatedUser[] {
  const users: CreatedUser[] = [];
  const groups = new Map<string, number>();
  // The build variables are read only for a chain with a command that may be a user tool (most chains have none).
  let scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> | undefined;
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN') continue;
    for (let words of runCommands(ins, escape)) {
      const first = words[0];
      if (first === undefined || (!USER_TOOLS.has(first) && !first.includes('$'))) continue;
      scopes ??= variableScopes(chain, read.globalArgs);
      const scope = scopes.get(ins);
      words = withoutRedirections(words);
      const argv = words.map((w) => expandWord(w, scope));
      const tool = argv[0];
      if (tool !== 'useradd' && tool !== 'adduser' && tool !== 'groupadd' && tool !== 'addgroup') continue;
      const values = new Map<string, string>();
      const switches = new Set<string>();
      const positional: string[] = [];
      // Options whose value, as written, names a build variable.
      const variable = new Set<string>();
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i]!;
        const eq = a.indexOf('=');
        if (a.startsWith('--') && eq > 0) {
          values.set(a.slice(0, eq), a.slice(eq + 1));
          if (words[i]!.includes('$')) variable.add(a.slice(0, eq));
        } else if (USER_TOOL_VALUE_FLAGS.has(a)) {
          values.set(a, argv[++i] ?? '');
          if ((words[i] ?? '').includes('$')) variable.add(a);
        } else if (a.startsWith('-')) switches.add(a);
        else positional.push(a);
      }
      const name = plainName(positional[0]);
      if (!name || !/^[a-z_][a-z0-9_-]*\$?$/i.test(name)) continue;
      const num = (...keys: string[]) => {
        for (const k of keys) {
          const v = values.get(k);
          if (v !== undefined && /^\d+$/.test(v)) return Number(v);
        }
        return undefined;
      };
      if (tool === 'groupadd' || tool === 'addgroup') {
        // `addgroup user group` (BusyBox, Debian) adds a user to a group: not a new group.
        if (positional.length === 1) {
          const gid = num('-g', '--gid');
          if (gid !== undefined) groups.set(name, gid);
        }
        continue;
      }
      if (tool === 'adduser' && positional.length > 1) continue; // `adduser user group`
      const uid = num('-u', '--uid');
      const group = values.get('-g') ?? values.get('--gid') ?? values.get('--ingroup') ?? values.get('-G');
      // BusyBox adduser's -g is GECOS, not the group.
      const groupValue = tool === 'adduser' ? values.get('-G') ?? values.get('--ingroup') ?? values.get('--gid') : group;
      let gid = groupValue === undefined ? groups.get(name) : /^\d+$/.test(groupValue) ? Number(groupValue) : groups.get(groupValue);
      if (gid === undefined && groupValue === undefined && uid !== undefined && tool === 'adduser') {
        const system = switches.has('-S') || switches.has('--system');
        // BusyBox: a new group with GID = UID, unless -S (then nogroup). Debian: --system --group makes the group at the UID.
        if (read.distro === 'alpine' ? !system : system && switches.has('--group')) gid = uid;
      }
      // useradd -m (--create-home) without -d makes the home at BASE_DIR/name, BASE_DIR being -b or /home
      // (useradd(8), "-b": "the default base directory for the system if -d HOME_DIR is not specified ... /home").
      const created = tool === 'useradd' && (switches.has('-m') || switches.has('--create-home')) ? `${(values.get('-b') ?? values.get('--base-dir') ?? '/home').replace(/\/+$/, '')}/${name}` : undefined;
      const home = values.get('-d') ?? values.get('--home-dir') ?? values.get('--home') ?? (tool === 'adduser' ? values.get('-h') : undefined) ?? created;
      const variableUid = uid !== undefined && (variable.has('-u') || variable.has('--uid'));
      users.push({ name, uid, gid, home: home && home.startsWith('/') ? home : undefined, instruction: ins, ...(variableUid ? { variableUid } : {}) });
    }
  }
  return users;
}

/**
 * A command's words without its redirections: `2>/dev/null`, `>/dev/null 2>&1`, `> log` (the operator alone takes the
 * next word as its target). The shell opens those files; they are no arguments. eclipse/mosquitto's
 * `adduser -S -u 1883 … mosquitto 2>/dev/null` was read as `adduser user group` (two names), so its UID went unseen.
 */
function withoutRedirections(words: readonly string[]): readonly string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const m = /^(?:\d+|&)?(?:>>?|<|>&|<&|>\|)(.*)$/.exec(words[i]!);
    if (!m) out.push(words[i]!);
    else if (m[1] === '') i++;
  }
  return out.length === words.length ? words : out;
}

export interface ImageStage {
  stage: DfStage;
  base: StageBase;
  /** Compose services that run this stage (by target, the last stage, or an `image:` tag built from it). */
  services: ServiceLink[];
}

/**
 * The stages of a Dockerfile that are hardened as images: those whose role
 * (src/roles.ts) the configuration hardens, by default the runtime ones, each
 * with the services that run it. Bases resolve with the first service's build
 * args, and follow images built in this repository.
 */
export function imageStages(project: Project, df: DockerfileSource): readonly ImageStage[] {
  return stagesInPass.get(df, () => findImageStages(project, df));
}

/** imageStages per pass (one project): every Dockerfile transform and read_only's per-service check ask. */
const stagesInPass = new PassMemo<DockerfileSource, readonly ImageStage[]>();

function findImageStages(project: Project, df: DockerfileSource): readonly ImageStage[] {
  const services = project.servicesByDockerfile.get(df.path) ?? [];
  const use = project.layout.roles.get(df.path);
  const out: ImageStage[] = [];
  for (const su of use?.stages ?? []) {
    if (!su.hardened) continue;
    const stage = df.parsed.stages[su.index];
    if (!stage) continue;
    const users = services.filter((s) => finalStage(df.parsed, s.build?.target) === stage && !onlyThroughOverride(s));
    const base = resolveStageBase(df.parsed, stage, users[0]?.build?.args ?? {}, project.parents);
    const shared = sharedBuildArgs(users.map((s) => s.build?.args ?? {}));
    // services: a copy of exact length (filter grows its result like push, room for 17), kept by the pass for every Dockerfile (issue 13).
    out.push({ stage, base: shared ? { ...base, buildArgs: shared } : base, services: users.slice() });
  }
  return out.slice();
}

/**
 * A base service that takes its build from an override file (model.ts buildFrom) and names no `image:` of its own:
 * compose cannot run it without an override ("service has neither an image nor a build context", compose-spec
 * services.build/image), and each override that runs it is listed itself, with its own project's merged mounts and
 * environment. Judging the base's own reading (compose.yaml without compose.override.yaml's `./:/app` bind mount) asked
 * a stage's checks about a container no project starts: dunglas/symfony-docker's frankenphp_dev stage held its USER
 * back for /app/vendor, which the override's bind mount holds. With an `image:` the base runs alone (the image pulled),
 * and is kept.
 */
function onlyThroughOverride(s: ServiceLink): boolean {
  return !!s.buildFrom && s.image === undefined;
}

/**
 * The build arguments the services that build one image agree on, when they
 * do not all pass the same ones: an argument they set to different values (or
 * only some of them set) is unknown (`${NAME}`), so a `WORKDIR $APP_HOME` or
 * `COPY . $APP_HOME` it names is not taken as any one build's. Undefined when
 * every build passes the same arguments.
 */
function sharedBuildArgs(all: Record<string, string>[]): Record<string, string> | undefined {
  if (all.length < 2) return undefined;
  const names = new Set(all.flatMap((a) => Object.keys(a)));
  const out: Record<string, string> = {};
  let differ = false;
  for (const name of names) {
    const first = all[0]![name];
    if (first !== undefined && all.every((a) => Object.hasOwn(a, name) && a[name] === first)) out[name] = first;
    else {
      out[name] = `\${${name}}`;
      differ = true;
    }
  }
  return differ ? out : undefined;
}

// ------------------------------------------------------------- packages

export interface PackageInstall {
  manager: 'apk' | 'apt';
  packages: string[];
  instruction: DfInstruction;
}

/** Options of `apk add` and `apt-get install` that take a value (the next word). */
const APK_VALUE_FLAGS = new Set(['-t', '--virtual', '-X', '--repository', '-p', '--root', '--arch', '--keys-dir', '--cache-dir', '--repositories-file']);
const APT_VALUE_FLAGS = new Set(['-t', '--target-release', '--default-release', '-o', '--option', '-c', '--config-file']);
const PREFIXES = new Set(['sudo', 'env', 'command', 'exec', 'nice', 'nohup']);

/** Packages that RUN lines of the chain install with `apk add` or `apt-get`/`apt install`. */
export function packageInstalls(chain: DfStage[], escape: string): PackageInstall[] {
  const out: PackageInstall[] = [];
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN') continue;
    for (let argv of runCommands(ins, escape)) {
      while (argv.length && (PREFIXES.has(argv[0]!) || /^-/.test(argv[0]!))) argv = argv.slice(1);
      const tool = argv[0];
      const sub = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
      if (sub < 0) continue;
      let manager: 'apk' | 'apt' | undefined;
      if (tool === 'apk' && argv[sub] === 'add') manager = 'apk';
      else if ((tool === 'apt-get' || tool === 'apt') && argv[sub] === 'install') manager = 'apt';
      if (!manager) continue;
      const valued = manager === 'apk' ? APK_VALUE_FLAGS : APT_VALUE_FLAGS;
      const packages: string[] = [];
      for (let i = sub + 1; i < argv.length; i++) {
        const a = argv[i]!;
        if (valued.has(a)) i++;
        else if (!a.startsWith('-')) packages.push(a);
      }
      if (packages.length) out.push({ manager, packages, instruction: ins });
    }
  }
  return out;
}

export interface NginxPackage {
  install: PackageInstall;
  /** The package name as written (`nginx`, `nginx-light`, `nginx=1.22.1-9`). */
  name: string;
  layout: NginxLayout;
  /** Extra module packages installed alongside (`nginx-mod-http-lua`, `libnginx-mod-stream`). */
  modules: string[];
}

/** The nginx server package the chain installs with apk or apt, if any. */
export function nginxPackage(chain: DfStage[], escape: string): NginxPackage | undefined {
  const installs = packageInstalls(chain, escape);
  for (const install of installs) {
    for (const name of install.packages) {
      const layout = packageLayout(install.manager, name);
      if (!layout) continue;
      const modules = installs.flatMap((i) => i.packages).filter((p) => /^(lib)?nginx-mod-/.test(p));
      return { install, name, layout, modules };
    }
  }
  return undefined;
}

const packagesInFile = new WeakMap<ParsedDockerfile, NginxPackage | null>();

/** The nginx package any stage of a Dockerfile installs, read once per parsed file (the model links in rounds, the engine runs passes). */
export function nginxPackageInFile(parsed: ParsedDockerfile): NginxPackage | undefined {
  let pkg = packagesInFile.get(parsed);
  if (pkg === undefined) {
    pkg = nginxPackage(parsed.stages, parsed.escape) ?? null;
    packagesInFile.set(parsed, pkg);
  }
  return pkg ?? undefined;
}

// ---------------------------------------------------------- file commands

export interface RunFileOp {
  tool: 'chmod' | 'chown' | 'rm' | 'unlink';
  recursive: boolean;
  /** chmod's mode or chown's owner, as written. */
  arg?: string;
  /** Absolute paths as written (globs kept). */
  paths: string[];
  instruction: DfInstruction;
}

/** `chmod`, `chown`, `rm` and `unlink` commands in the chain's RUN lines, in build order. */
export function runFileOps(chain: DfStage[], escape: string): RunFileOp[] {
  const out: RunFileOp[] = [];
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN') continue;
    for (const argv of runCommands(ins, escape)) {
      const tool = argv[0];
      if (tool !== 'chmod' && tool !== 'chown' && tool !== 'rm' && tool !== 'unlink') continue;
      const words = argv.slice(1);
      const flags = words.filter((w) => /^-[A-Za-z]+$/.test(w) || w.startsWith('--'));
      const rest = words.filter((w) => !flags.includes(w));
      const recursive = flags.some((f) => f === '--recursive' || (/^-[A-Za-z]+$/.test(f) && /[rR]/.test(f)));
      const withArg = tool === 'chmod' || tool === 'chown';
      // `chmod -x` is a mode, not a flag: a flag-looking word right before the paths may be one.
      const arg = withArg ? rest[0] ?? flags.find((f) => /^-[rwxXst]+$/.test(f)) : undefined;
      const paths = (withArg ? rest.slice(1) : rest).filter((p) => p.startsWith('/'));
      out.push({ tool, recursive, arg, paths, instruction: ins });
    }
  }
  return out;
}

/** Whether an operation's path (a file, a folder with -R, or a glob) covers `target`. */
export function opCovers(op: RunFileOp, written: string, target: string): boolean {
  const p = written.replace(/\/+$/, '') || '/';
  if (p === target) return true;
  if (/[*?[]/.test(p)) {
    const re = new RegExp('^' + p.split('/').map((part) => part.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/') + '(/.*)?$');
    return re.test(target) && (op.recursive || re.exec(target)![1] === undefined);
  }
  return op.recursive && target.startsWith(p === '/' ? '/' : p + '/');
}

/** Whether a chmod mode (octal or symbolic) leaves a file unreadable to others, readable, or does not say. */
export function modeOtherRead(mode: string): boolean | undefined {
  if (/^[0-7]{3,4}$/.test(mode)) return (parseInt(mode, 8) & 0o004) !== 0;
  let result: boolean | undefined;
  for (const clause of mode.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m) return undefined;
    const [, who, op, perms] = m;
    if (who !== '' && !/[oa]/.test(who!)) continue;
    if (op === '=') result = perms!.includes('r');
    else if (perms!.includes('r')) result = op === '+';
  }
  return result;
}

/** The user part of a USER or --chown value (`1000:1000` -> `1000`). */
export function ownerUser(owner: string): string {
  return owner.split(':')[0]!.trim();
}

/** Instructions that change what an image is configured with, not what it holds or runs. */
const METADATA_KEYWORDS = new Set(['USER', 'ENV', 'LABEL', 'ARG', 'EXPOSE', 'WORKDIR', 'HEALTHCHECK', 'VOLUME', 'STOPSIGNAL', 'SHELL', 'MAINTAINER']);
/** RUN commands that only prepare files for a user (a rootless variant chowns what its user writes). */
const PREPARE_COMMANDS = new Set(['chown', 'chmod', 'mkdir', 'chgrp', 'install', 'true']);

export interface RootlessVariant {
  stage: DfStage;
  /** The non-root USER it sets, as written. */
  user: string;
  /** `builds FROM it` or `builds FROM the same stage X`. */
  relation: string;
}

/**
 * A stage of the same Dockerfile that is `stage` run as a non-root user: it sets
 * a non-root USER and otherwise adds only configuration (ENV, LABEL, EXPOSE...)
 * or RUN lines that chown/chmod/mkdir, keeps the command, and either builds
 * FROM `stage` (through stages) or FROM the same stage `stage` builds FROM.
 * uptime-kuma's docker/dockerfile has `FROM release AS rootless` + `USER node`
 * and `FROM nightly AS nightly-rootless` + `USER node` beside its root
 * `release`/`nightly` targets: upstream ships both on purpose
 * (https://github.com/louislam/uptime-kuma/blob/master/docker/dockerfile).
 * A stage that adds packages, files or another command is another image, not a variant.
 */
export function rootlessVariant(parsed: ParsedDockerfile, stage: DfStage): RootlessVariant | undefined {
  const parentOf = (s: DfStage) => stageByRef(parsed, expandArgs(s.image, parsed.globalArgs, {}) ?? s.image, s.index);
  const ownParent = parentOf(stage);
  let best: RootlessVariant | undefined;
  for (const other of parsed.stages) {
    if (other === stage) continue;
    const own = effectiveInstructions(other);
    const users = own.filter((i) => i.keyword === 'USER');
    const user = users[users.length - 1]?.args[0];
    if (!user || user.includes('$') || isRootUser(user)) continue;
    const onlyConfig = own.every(
      (i) => METADATA_KEYWORDS.has(i.keyword) || (i.keyword === 'RUN' && runCommands(i, parsed.escape).every((argv) => PREPARE_COMMANDS.has(argv[0] ?? ''))),
    );
    if (!onlyConfig) continue;
    // Through stages: `FROM nightly AS nightly-rootless`, or `FROM x AS y` where x builds FROM stage.
    let derives = false;
    for (let p = parentOf(other); p; p = parentOf(p)) {
      if (p === stage) {
        derives = true;
        break;
      }
    }
    if (derives) return { stage: other, user, relation: 'builds FROM it' };
    const otherParent = parentOf(other);
    if (!best && ownParent && otherParent === ownParent) {
      best = { stage: other, user, relation: `builds FROM the same stage ${ownParent.name ?? ownParent.index}` };
    }
  }
  return best;
}

/**
 * Where an instruction is, said for a finding or note on the file `findingFile` (its path): `RUN at line 16`, or `RUN at
 * line 16 of base/Dockerfile` when the instruction is in another Dockerfile of the project (a parent image built in the
 * repository, whose accounts, USER or COPY a child inherits). A bare line number would be read against the finding's own
 * file (jitsi's `s6`, made in base/Dockerfile and named by the children's notes as "RUN at line 16"). Every text that
 * names an instruction that may be in another file says it through this.
 */
export function instructionPlace(project: Pick<Project, 'dockerfiles'>, ins: DfInstruction, findingFile: string): string {
  const own = project.dockerfiles.find((d) => d.parsed.instructions.includes(ins));
  return `${ins.keyword} at line ${ins.line + 1}${own && own.path !== findingFile ? ` of ${own.rel}` : ''}`;
}
