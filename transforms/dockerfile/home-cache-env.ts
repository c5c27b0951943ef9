// dockerfile/home-cache-env: a non-root image must not point HOME or tool
// caches under /root. /root is root's (mode 700 on Debian), so pip, npm,
// Hugging Face and friends fail or silently re-download on every start.
// The variables get a new ENV after the USER (or after the ENV that set
// them last), so build-time RUN lines above keep what they had.
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { DockerfileSource } from '../../src/model.js';
import type { DfInstruction } from '../../src/parse/dockerfile.js';
import { effectiveInstructions } from '../../src/parse/dockerfile.js';
import { imageStages, effectiveUser, type ImageStage } from '../../src/dockerfile-info.js';
import { homeCacheRedirects } from '../../src/write-paths.js';
import { insertAfter, appendAtEnd, keyword } from '../../src/edits.js';

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
  const { stage } = image;
  const user = effectiveUser(image.base);
  const { wrong, moves: assignments, unfixable } = plan;
  const at: [number, number] = [wrong[0]!.instruction.start, wrong[0]!.instruction.end];
  const message = (list: string) => `${list} under /root, which ${user.user} cannot write`;
  if (assignments.length === 0) {
    return {
      transform: ID,
      file: df.path,
      range: at,
      message: `${message(unfixable.join(', '))}; the user's home is not known`,
      severity: 'warning',
      cis: CIS,
      manual: `Set ENV HOME to a directory ${user.user} owns, after the USER instruction.`,
    };
  }

  // After the USER that made the image non-root and after the last ENV that set any of these, in this stage.
  const list = effectiveInstructions(stage);
  const anchors = list.filter((i) => i === user.instruction || wrong.some((w) => w.instruction === i));
  const anchor: DfInstruction = anchors[anchors.length - 1] ?? stage.from;
  const K = keyword(df.parsed, 'ENV');
  const line = `${K} ${assignments.map(([k, v]) => `${k}=${envWord(v)}`).join(' ')}`;
  const isLastInFile = df.parsed.instructions[df.parsed.instructions.length - 1] === anchor;
  const edit = isLastInFile ? appendAtEnd(df, df.parsed, [line]) : insertAfter(df, df.parsed, anchor, [line]);
  const moved = assignments.map(([k, v]) => `${k} -> ${v}`).join(', ');
  return {
    transform: ID,
    file: df.path,
    range: at,
    message:
      `${message(wrong.map((w) => w.name).join(', '))}: redirected (${moved}); files written there at build time stay under /root` +
      (unfixable.length ? `; ${unfixable.join(', ')} left: the user's home is not known` : ''),
    severity: 'warning',
    cis: CIS,
    fix: { edits: [edit] },
  };
}

function envWord(v: string): string {
  return /^[\w./:@%+-]+$/.test(v) ? v : JSON.stringify(v);
}
