// compose/read-only: `read_only: true` plus a tmpfs for /tmp and for every
// other path the image is known to write, on services whose write paths are
// known: services built from this repository (their volumes and VOLUMEs hold
// their data) and images whose knowledge row lists every path they write
// (postgres, redis, nginx-unprivileged, ...). Data paths of those images are
// VOLUMEs upstream, so they stay writable. Anything else is reported.
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Finding, HardenOptions } from '../../src/types.js';
import type { ServiceLink } from '../../src/model.js';
import {
  addListItems,
  addScalarKey,
  combine,
  dockerfileVolumes,
  isPartialOverride,
  isPrivileged,
  normalizePath,
  imageToJudge,
  serviceFix,
  serviceNote,
  type ServiceChange,
  type ServiceImage,
  checkEachService,
  privilegedNote,
} from '../../src/compose-service.js';

const ID = 'compose/read-only';
const CIS = '5.13';
const MANUAL = 'Find the paths it writes, then add read_only: true with a volume or tmpfs for each of them.';

export const readOnly: Transform = {
  meta: {
    id: ID,
    description: 'Mount the root filesystem read-only, with a tmpfs for /tmp and the paths the image is known to write',
    appliesTo: ['compose'],
    fixable: true,
    cis: CIS,
    peers: ['semgrep writable-filesystem-service'],
    help:
      'A read-only root filesystem stops an intruder from changing binaries or dropping tools into the container. ' +
      'Services built from this repository keep their data in volumes and get a tmpfs for /tmp; known images get a tmpfs ' +
      'for each path they write (postgres: /var/run/postgresql and /tmp). Images whose write paths are unknown are reported.',
  },
  run: (ctx) => checkEachService(ctx, check),
};

function check(ctx: TransformContext, s: ServiceLink): Finding | undefined {
  if (isPartialOverride(s) && !isPrivileged(s)) return undefined;
  const setting = s.effective.read_only;
  if (setting === true) return undefined;
  const note = (message: string, manual = MANUAL, severity: Finding['severity'] = 'warning') => serviceNote(ID, CIS, s, message, manual, severity);
  if (isPrivileged(s)) {
    return privilegedNote(ID, s, 'a read-only root');
  }
  if (setting !== undefined) return note(`read_only is set to ${JSON.stringify(setting)} explicitly; kept`, 'If the service writes only to volumes and /tmp, set read_only: true.', 'note');
  const judged = imageToJudge(ctx, s, ID, CIS, 'root left writable');
  if ('done' in judged) return judged.done;
  const { img } = judged;
  const writes = writePaths(img);
  if (typeof writes === 'string') return note(`${writes}; root left writable`);

  const covered = coveredPaths(s, img);
  const tmpfs = writes.filter((p) => !covered.has(p)).map((p) => tmpfsEntry(p, ctx.options));
  const changes: (ServiceChange | string)[] = [addScalarKey(s, 'read_only', true)];
  if (tmpfs.length) changes.push(addListItems(s, 'tmpfs', tmpfs));
  const problem = changes.find((c): c is string => typeof c === 'string');
  if (problem) return note(`${problem}; nothing added`, 'Add read_only: true and a tmpfs for /tmp by hand.');
  const also = tmpfs.length ? ` with a tmpfs for ${tmpfs.map((t) => t.split(':')[0]).join(', ')}` : '';
  // Facts found on the engine name where they come from (a table row's source is the transform's usual wording).
  const from = !img.built && img.facts?.family === 'inspected' ? ` (${img.facts.source})` : '';
  return serviceFix(ID, CIS, s, `add read_only: true${also}, so nothing can change the container's files${from}`, combine(changes as ServiceChange[]));
}

/** Paths that must stay writable, or why they are not known. */
function writePaths(img: ServiceImage): string[] | string {
  const paths = ['/tmp'];
  if (img.built) {
    if (!img.base) return 'its Dockerfile has no stage';
    // Built here: its data lives in its volumes and VOLUMEs; a known base adds what its own processes write.
    paths.push(...(img.facts?.tmpfsPaths ?? []));
  } else if (img.buildElsewhere) {
    return 'its build context or Dockerfile is not in this repository';
  } else if (!img.image) {
    return 'it names neither an image nor a build';
  } else if (!img.facts) {
    return `unknown image ${img.image}: the paths it writes are not known`;
  } else if (!img.facts.writePathsKnown) {
    return `${img.image} runs whatever command it is given: the paths it writes are not known`;
  } else {
    paths.push(...img.facts.tmpfsPaths);
  }
  return [...new Set(paths.map(normalizePath))];
}

/** Paths already writable: mounted volumes and tmpfs, the Dockerfile's VOLUMEs, the image's own data VOLUMEs. */
function coveredPaths(s: ServiceLink, img: ServiceImage): Set<string> {
  const out = new Set<string>();
  for (const m of s.volumes) out.add(normalizePath(m.target));
  const tmpfs = s.effective.tmpfs;
  for (const t of typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs : []) {
    if (typeof t === 'string') out.add(normalizePath(t.split(':')[0].trim()));
  }
  for (const v of dockerfileVolumes(img)) out.add(v);
  for (const d of img.facts?.dataPaths ?? []) out.add(normalizePath(d));
  return out;
}

function tmpfsEntry(p: string, options: HardenOptions): string {
  return options.tmpfsSize ? `${p}:size=${options.tmpfsSize}` : p;
}
