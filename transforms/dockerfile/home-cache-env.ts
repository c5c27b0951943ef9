// dockerfile/home-cache-env: a non-root image must not point HOME or tool
// caches under /root. /root is root's (mode 700 on Debian), so pip, npm,
// Hugging Face and friends fail or silently re-download on every start.
// The variables get a new ENV after the USER (or after the ENV that set
// them last), so build-time RUN lines above keep what they had.
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { DockerfileSource, ServiceLink } from '../../src/model.js';
import type { DfInstruction } from '../../src/parse/dockerfile.js';
import { effectiveInstructions } from '../../src/parse/dockerfile.js';
import { imageStages, effectiveUser, lastEnv, usersCreatedIn, chainInstructions, runScript, type ImageStage } from '../../src/dockerfile-info.js';
import { shellCommands } from '../../src/knowledge/images.js';
import { insertAfter, appendAtEnd, keyword } from '../../src/edits.js';

const ID = 'dockerfile/home-cache-env';
const CIS = '4.1';

/**
 * Variables tools read for their home, cache or config directory. Not the ones
 * that name installed software or data baked in at build time (CARGO_HOME,
 * GOPATH, NLTK_DATA, PLAYWRIGHT_BROWSERS_PATH): moving those loses what is there.
 */
export const CACHE_VARIABLES = [
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'TRANSFORMERS_CACHE',
  'SENTENCE_TRANSFORMERS_HOME',
  'TORCH_HOME',
  'PIP_CACHE_DIR',
  'PIPENV_CACHE_DIR',
  'POETRY_CACHE_DIR',
  'UV_CACHE_DIR',
  'npm_config_cache',
  'NPM_CONFIG_CACHE',
  'YARN_CACHE_FOLDER',
  'COMPOSER_CACHE_DIR',
  'GOCACHE',
  'MPLCONFIGDIR',
  'DENO_DIR',
];

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

const isUnderRoot = (p: string) => p === '/root' || p.startsWith('/root/');

function checkImage(_ctx: TransformContext, df: DockerfileSource, { stage, base, services }: ImageStage): Finding | undefined {
  const user = effectiveUser(base);
  // Root images are non-root-user's business; this runs once they have a user.
  if (!user.known || user.root) return undefined;
  const chain = base.chain;
  const wrong = ['HOME', ...CACHE_VARIABLES]
    .map((name) => ({ name, set: lastEnv(chain, name) }))
    .filter((v): v is { name: string; set: { value: string; instruction: DfInstruction } } => !!v.set && isUnderRoot(v.set.value));
  if (wrong.length === 0) return undefined;

  const at: [number, number] = [wrong[0]!.set.instruction.start, wrong[0]!.set.instruction.end];
  const home = userHome(df, base.chain, user.user);
  const cacheVolume = cacheVolumeTarget(services, chownedPaths(df, base.chain));
  const assignments: [string, string][] = [];
  const unfixable: string[] = [];
  for (const { name, set } of wrong) {
    const rest = set.value.slice('/root'.length);
    if (name === 'HOME') {
      if (home) assignments.push([name, home]);
      else unfixable.push(name);
      continue;
    }
    // A named volume for caches keeps them across restarts; else the user's home; else /tmp, which anyone may write.
    if (cacheVolume) assignments.push([name, cacheVolume + rest.replace(/^\/\.cache(?=\/|$)/, '')]);
    else assignments.push([name, (home ?? '/tmp') + rest]);
  }
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
  const anchors = list.filter((i) => i === user.instruction || wrong.some((w) => w.set.instruction === i));
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

/** The user's home: HOME from ENV (when it is not under /root), else what useradd/adduser named. */
function userHome(df: DockerfileSource, chain: ImageStage['base']['chain'], user: string): string | undefined {
  const env = lastEnv(chain, 'HOME');
  if (env && env.value.startsWith('/') && !isUnderRoot(env.value) && !env.value.includes('$')) return env.value;
  const name = user.split(':')[0];
  const created = usersCreatedIn(chain, df.parsed.escape).filter((u) => u.name === name || String(u.uid) === name);
  return created[created.length - 1]?.home;
}

/**
 * A named volume a service mounts for caches (its target names a cache) that the
 * image chowns: a new volume copies that ownership, so the user can write it.
 */
function cacheVolumeTarget(services: ServiceLink[], chowned: string[]): string | undefined {
  for (const s of services) {
    for (const m of s.volumes) {
      const target = m.target.replace(/(.)\/$/, '$1');
      if (m.type !== 'volume' || m.readOnly || !/cache/i.test(target) || !target.startsWith('/') || isUnderRoot(target)) continue;
      if (chowned.includes(target)) return target;
    }
  }
  return undefined;
}

/** Operands of every `chown` in the chain's RUN lines. */
function chownedPaths(df: DockerfileSource, chain: ImageStage['base']['chain']): string[] {
  const out: string[] = [];
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN') continue;
    for (const argv of shellCommands(runScript(ins, df.parsed.escape))) {
      if (argv[0] !== 'chown') continue;
      out.push(...argv.slice(2).filter((a) => a.startsWith('/')).map((a) => a.replace(/(.)\/$/, '$1')));
    }
  }
  return out;
}

function envWord(v: string): string {
  return /^[\w./:@%+-]+$/.test(v) ? v : JSON.stringify(v);
}
