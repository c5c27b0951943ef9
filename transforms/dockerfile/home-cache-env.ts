// dockerfile/home-cache-env: a non-root image must not point HOME or tool
// caches under /root. /root is root's (mode 700 on Debian), so pip, npm,
// Hugging Face and friends fail or silently re-download on every start.
// A value is edited where it is set when nothing later in the build reads
// it; otherwise it gets a new ENV after the USER (or after the ENV that set it
// last), so build-time RUN lines keep what they had, and the finding says why.
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Edit, Finding } from '../../src/types.js';
import type { DockerfileSource } from '../../src/model.js';
import type { DfInstruction } from '../../src/parse/dockerfile.js';
import { effectiveInstructions } from '../../src/parse/dockerfile.js';
import { imageStages, effectiveUser, chainInstructions, type ImageStage } from '../../src/dockerfile-info.js';
import { homeCacheRedirects, laterBuildReader } from '../../src/write-paths.js';
import { insertAfter, appendAtEnd, keyword } from '../../src/edits.js';
import { factSources } from '../../src/knowledge/images.js';

const ID = 'dockerfile/home-cache-env';
const CIS = '4.1';

export const homeCacheEnv: Transform = {
  meta: {
    id: ID,
    description: 'Point HOME and cache variables (XDG_CACHE_HOME, HF_HOME, PIP_CACHE_DIR, ...) away from /root in non-root images',
    appliesTo: ['dockerfile'],
    fixable: true,
    cis: CIS,
    peers: [],
    help:
      'An image that runs as a non-root user but keeps HOME or a cache variable under /root cannot write there: tools fail, or ' +
      're-download on every start. The variables are set again after the USER, under the user\'s home, or under a named volume ' +
      'compose mounts for caches; RUN lines above keep their build-time values.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const df of ctx.project.dockerfiles) {
      for (const image of imageStages(ctx.project, df)) {
        const f = checkImage(ctx, df, image);
        if (f) out.push(f);
      }
    }
    return out;
  },
};

function checkImage(_ctx: TransformContext, df: DockerfileSource, image: ImageStage): Finding | undefined {
  // Root images are non-root-user's business; this runs once they have a user.
  const plan = homeCacheRedirects(df, image);
  if (!plan) return undefined;
  const { stage, base } = image;
  const user = effectiveUser(base);
  const { wrong, unfixable } = plan;
  const assignments = plan.moves.map(([name, value]) => ({ name, value, set: wrong.find((w) => w.name === name)! }));
  const at: [number, number] = [wrong[0]!.instruction.start, wrong[0]!.instruction.end];
  const message = (list: string) => `${list} under /root, which ${user.user} cannot write`;
  // The user comes from the base image when no USER of this file sets it: its knowledge-table row says who that is.
  const sources = !user.instruction && !base.builtFrom && base.facts ? { sources: factSources(base.facts, base.ref ? `the base ${base.ref.raw}` : undefined) } : {};
  if (assignments.length === 0) {
    return {
      transform: ID,
      file: df.path,
      range: at,
      message: `${message(unfixable.join(', '))}; the user's home is not known`,
      severity: 'warning',
      cis: CIS,
      manual: `Set ENV HOME to a directory ${user.user} owns, after the USER instruction.`,
      ...sources,
    };
  }

  // Edit the value where it is set when nothing later in the build reads the old one;
  // else set it again after the USER, so the build steps above keep what they had.
  const list = effectiveInstructions(stage);
  const chainList = chainInstructions(base.chain);
  const inPlace: typeof assignments = [];
  const kept: (typeof assignments[number] & { why: string })[] = [];
  for (const a of assignments) {
    const why = keepReason(df, a.name, a.set, list, chainList);
    if (why) kept.push({ ...a, why });
    else inPlace.push(a);
  }
  const edits: Edit[] = inPlace.map((a) => ({ file: df.path, range: a.set.valueRange!, text: envWord(a.value, df.text[a.set.valueRange![0]]) }));
  if (kept.length) {
    // After the USER that made the image non-root and after the last ENV that set any of these, in this stage.
    const anchors = list.filter((i) => i === user.instruction || kept.some((w) => w.set.instruction === i));
    const anchor: DfInstruction = anchors[anchors.length - 1] ?? stage.from;
    const K = keyword(df.parsed, 'ENV');
    const line = `${K} ${kept.map((a) => `${a.name}=${envWord(a.value)}`).join(' ')}`;
    const isLastInFile = df.parsed.instructions[df.parsed.instructions.length - 1] === anchor;
    edits.push(isLastInFile ? appendAtEnd(df, df.parsed, [line]) : insertAfter(df, df.parsed, anchor, [line]));
  }
  const parts: string[] = [];
  if (inPlace.length) parts.push(`set where they are set (${inPlace.map((a) => `${a.name} -> ${a.value}`).join(', ')}): nothing later in the build reads the old value`);
  if (kept.length) {
    parts.push(
      `set again after the USER (${kept.map((a) => `${a.name} -> ${a.value}`).join(', ')}), the old ENV kept because ${kept.map((a) => a.why).join('; ')}; ` +
        'files written there at build time stay under /root',
    );
  }
  return {
    transform: ID,
    file: df.path,
    range: at,
    message:
      `${message(wrong.map((w) => w.name).join(', '))}: ${parts.join('; ')}` +
      (unfixable.length ? `; ${unfixable.join(', ')} left: the user's home is not known` : ''),
    severity: 'warning',
    cis: CIS,
    fix: { edits },
    ...sources,
  };
}

type EnvSet = { value: string; instruction: DfInstruction; valueRange?: [number, number] };

/**
 * Why the ENV that sets `name` under /root must stay as it is, or undefined when
 * its value can be edited in place: it is set in an earlier stage (other stages
 * may build on it), or a later instruction uses the variable or runs a tool that
 * reads it while the image is built.
 */
function keepReason(df: DockerfileSource, name: string, set: EnvSet, stageList: readonly DfInstruction[], chainList: readonly DfInstruction[]): string | undefined {
  const line = (ins: DfInstruction) => ins.line + 1;
  if (!set.valueRange) return `the ENV at line ${line(set.instruction)} has no value to edit`;
  if (!stageList.includes(set.instruction)) return `${name} is set in an earlier stage (line ${line(set.instruction)}), which other stages may build on`;
  return laterBuildReader(df, name, set.instruction, chainList);
}

/** A value for ENV; `quote` keeps the quoting of the value it replaces. */
function envWord(v: string, quote?: string): string {
  if (quote === '"' || (quote === "'" && v.includes("'"))) return JSON.stringify(v);
  if (quote === "'") return `'${v}'`;
  return /^[\w./:@%+-]+$/.test(v) ? v : JSON.stringify(v);
}
