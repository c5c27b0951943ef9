// Questions several transforms ask of a Dockerfile, answered once: which stage
// is the image, what base image it really starts from (through ARG defaults
// and earlier stages), what the knowledge table says of that base, and which
// user the image ends up running as.
import type { DfInstruction, DfStage, ParsedDockerfile } from './parse/dockerfile.js';
import { expandArgs, effectiveInstructions } from './parse/dockerfile.js';
import { parseImageRef, type ImageRef } from './parse/image-ref.js';
import { lookupImage, distroFromShell, type Distro, type ImageFacts } from './knowledge/images.js';

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

export function resolveStageBase(df: ParsedDockerfile, stage: DfStage, buildArgs: Record<string, string> = {}): StageBase {
  const chain: DfStage[] = [stage];
  let cur = stage;
  for (let guard = 0; guard < df.stages.length; guard++) {
    const expanded = expandArgs(cur.image, df.globalArgs, buildArgs);
    if (expanded === undefined) {
      return withDistro(df, chain, { chain, unresolved: `FROM ${cur.image}: a build argument has no default`, distroGuessed: false });
    }
    const parent = stageByRef(df, expanded, cur.index);
    if (!parent) {
      const ref = parseImageRef(expanded);
      const facts = lookupImage(ref);
      return withDistro(df, chain, { chain, image: expanded, ref, facts, distroGuessed: false });
    }
    chain.unshift(parent);
    cur = parent;
  }
  return withDistro(df, chain, { chain, unresolved: 'stages refer to each other in a loop', distroGuessed: false });
}

function withDistro(df: ParsedDockerfile, chain: DfStage[], base: StageBase): StageBase {
  if (base.facts && base.facts.distro !== 'unknown') return { ...base, distro: base.facts.distro };
  for (const stage of [...chain].reverse()) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword !== 'RUN') continue;
      const d = distroFromShell(runShellText(ins));
      if (d) return { ...base, distro: d, distroGuessed: true };
    }
  }
  return base;
}

/** The shell text of a RUN without its keyword and flags (heredoc bodies included). */
export function runShellText(ins: DfInstruction): string {
  if (ins.json) return ins.json.join(' ');
  return ins.raw.replace(/^\s*\S+/, '').replace(/^(\s+--\S+)+/, '');
}

export function isRootUser(user: string): boolean {
  const name = user.split(':')[0].trim();
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
}

/** The user in effect at the end of `stage`: its USER, else its ancestors', else the base image's. */
export function effectiveUser(base: StageBase): UserState {
  for (const stage of [...base.chain].reverse()) {
    const users = effectiveInstructions(stage).filter((i) => i.keyword === 'USER');
    const last = users[users.length - 1];
    if (last) {
      const user = last.args[0] ?? '';
      const known = !user.includes('$');
      return { user, known, root: known && isRootUser(user), instruction: last };
    }
  }
  if (base.facts) {
    const user = base.facts.defaultUser;
    return { user, known: true, root: isRootUser(user) };
  }
  return { user: 'root', known: false, root: true };
}
