// The sandbox a verify boot runs in: a temporary copy of the path argument
// with the texts of this boot written over it (the user's tree is never
// written), and the compose project as compose itself resolves it
// (`compose config`: files merged, .env and env_files read, variables
// interpolated, paths absolute), rewritten so that it cannot touch anything
// of the user's: no published host ports, no fixed container names, no
// external or globally named volumes and networks, no writes to host folders
// outside the copy, no tags on the user's images. Each rewrite is noted.
import { cpSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { isInside } from '../read.js';

export interface Sandbox {
  /** Temporary folder holding the copy (and nothing else of ours outside it). */
  dir: string;
  /** Where the root's copy is. */
  tree: string;
  /** The copy's path of a path under the root. */
  map(p: string): string;
  remove(): void;
}

/** The folder a root stands for: itself, or a file argument's folder. */
export function rootFolder(root: string): string {
  try {
    return statSync(root).isDirectory() ? root : path.dirname(root);
  } catch {
    return root;
  }
}

/** Copy `root` to a new temporary folder and write `texts` (absolute paths under root) over the copy. */
export function makeSandbox(root: string, texts: Map<string, string>, prefix = 'dh-verify-'): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const tree = path.join(dir, 'tree');
  const base = rootFolder(root);
  cpSync(base, tree, {
    recursive: true,
    verbatimSymlinks: true,
    // A reflink where the filesystem offers one, a plain copy elsewhere.
    mode: constants.COPYFILE_FICLONE,
    filter: (src) => {
      if (path.basename(src) === '.git' && src !== base) return false;
      try {
        const st = statSync(src);
        return st.isDirectory() || st.isFile() || st.isSymbolicLink();
      } catch {
        return true; // a dangling symlink: copied as the link it is
      }
    },
  });
  const map = (p: string) => path.join(tree, path.relative(base, p));
  for (const [file, text] of texts) {
    if (!isInside(base, file)) continue;
    const dest = map(file);
    mkdirSync(path.dirname(dest), { recursive: true });
    rmSync(dest, { force: true }); // never write through a copied symlink
    writeFileSync(dest, text);
  }
  return { dir, tree, map, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The `--env-file`s for compose in the sandbox: those under the root as
 * copied (with this boot's texts), others where they are. docker-compose v1
 * takes one `--env-file`, so several are joined into one file in the
 * sandbox, in order: a later file's value wins, as with v2's repeated flag.
 */
export function sandboxEnvFiles(sandbox: Sandbox, root: string, files: string[], composeMajor: 1 | 2): string[] {
  const base = rootFolder(root);
  const mapped = files.map((f) => (isInside(base, f) ? sandbox.map(f) : f));
  if (composeMajor === 2 || mapped.length < 2) return mapped;
  const joined = path.join(sandbox.dir, 'joined.env');
  writeFileSync(joined, mapped.map((f) => readFileSync(f, 'utf8').replace(/\r?\n?$/, '\n')).join(''));
  return [joined];
}

export interface PlannedService {
  name: string;
  /** Compose builds its image. */
  build: boolean;
  /** The image it runs (for a built service, our own tag). */
  image?: string;
  dependsOn: string[];
}

export interface SanitizedProject {
  text: string;
  services: PlannedService[];
  /** One line per rewrite made, for the report. */
  notes: string[];
  /** Image tags that builds in this project produce. */
  builtImages: string[];
}

export interface SanitizeOptions {
  /** Prefix of the image tags builds get (`dh-verify-<slug>`); the service name and `:<phase>` follow. */
  imagePrefix: string;
  phase: string;
  /** The sandbox folder: host paths inside it are ours. */
  sandboxDir: string;
  /** The engine's socket on this host, for services that mount "the Docker socket". */
  socketPath?: string;
  /** The YAML the compose CLI prints: docker-compose 1.x is PyYAML (1.1: `0644` is octal), v2 is Go's YAML 1.2. */
  yamlVersion: '1.1' | '1.2';
  /**
   * Builds to add to services that run an `image:` this repository builds
   * elsewhere (`docker build -t`): absolute context in the copy, Dockerfile
   * relative to it, stage.
   */
  builds?: Map<string, { context: string; dockerfile: string; target?: string }>;
}

const DOCKER_SOCKETS = new Set(['/var/run/docker.sock', '/run/docker.sock']);
const LOG_DRIVERS_WITH_LOGS = new Set(['json-file', 'local', 'journald']);

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Rewrite the output of `compose config` (v1 or v2) so the project touches
 * nothing of the user's. Pure apart from creating fresh folders (and copying
 * single files) for host binds it replaces, inside the sandbox.
 */
export function sanitizeComposeConfig(configText: string, opts: SanitizeOptions): SanitizedProject {
  const doc = parseDocument(configText, { merge: true, uniqueKeys: false, version: opts.yamlVersion });
  if (doc.errors.length) throw new Error(`compose config printed YAML that does not parse: ${doc.errors[0]!.message}`);
  const data = doc.toJS() as Json;
  if (!isObj(data)) throw new Error('compose config printed no project');
  const notes: string[] = [];
  const services = isObj(data.services) ? data.services : {};
  delete data.name;

  // Builds are tagged with our names, so a build never moves a tag of the user's; services that
  // run an image another service builds (`image:` shared with a `build:`) follow the rename.
  const renamed = new Map<string, string>();
  const builtImages: string[] = [];
  for (const [name, raw] of Object.entries(services)) {
    const add = opts.builds?.get(name);
    if (isObj(raw) && raw.build === undefined && add) {
      raw.build = { context: add.context, dockerfile: add.dockerfile, ...(add.target ? { target: add.target } : {}) };
      notes.push(`${name}: its image ${String(raw.image)} is built from ${add.dockerfile} here, as the repository builds it`);
    }
  }
  for (const [name, raw] of Object.entries(services)) {
    if (!isObj(raw) || raw.build === undefined) continue;
    const tag = `${opts.imagePrefix}-${safeName(name)}:${opts.phase}`;
    if (typeof raw.image === 'string') renamed.set(raw.image, tag);
    raw.image = tag;
    builtImages.push(tag);
  }

  let bindCount = 0;
  const planned: PlannedService[] = [];
  for (const [name, raw] of Object.entries(services)) {
    if (!isObj(raw)) continue;
    const s = raw;
    if (s.build === undefined && typeof s.image === 'string' && renamed.has(s.image)) s.image = renamed.get(s.image);
    if (s.ports !== undefined) {
      delete s.ports;
      notes.push(`${name}: published ports left out (verify never binds host ports)`);
    }
    if (typeof s.container_name === 'string') {
      const alias = s.container_name;
      delete s.container_name;
      if (s.network_mode === undefined) addAlias(s, alias);
      notes.push(`${name}: container_name ${alias} left out (kept as a network alias), so it cannot clash with a container of yours`);
    }
    if (typeof s.network_mode === 'string' && (s.network_mode === 'host' || s.network_mode.startsWith('container:'))) {
      notes.push(`${name}: network_mode ${s.network_mode} replaced by the project network`);
      delete s.network_mode;
    }
    if (s.external_links !== undefined) {
      delete s.external_links;
      notes.push(`${name}: external_links left out (they name containers outside the project)`);
    }
    if (Array.isArray(s.volumes_from)) {
      const kept = s.volumes_from.filter((v) => typeof v !== 'string' || !v.startsWith('container:'));
      if (kept.length !== s.volumes_from.length) notes.push(`${name}: volumes_from of containers outside the project left out`);
      s.volumes_from = kept;
    }
    const logging = isObj(s.logging) ? s.logging : undefined;
    if (logging && typeof logging.driver === 'string' && !LOG_DRIVERS_WITH_LOGS.has(logging.driver)) {
      delete s.logging;
      notes.push(`${name}: logging driver ${logging.driver} replaced by json-file, so verify can read the logs`);
    }
    if (isObj(s.networks)) {
      for (const n of Object.values(s.networks)) {
        if (isObj(n)) {
          delete n.ipv4_address;
          delete n.ipv6_address;
        }
      }
    }
    if (Array.isArray(s.volumes)) {
      s.volumes = s.volumes.map((v) => {
        const r = rewriteMount(v, opts, () => ++bindCount);
        if (r.note) notes.push(`${name}: ${r.note}`);
        return r.value;
      });
    }
    planned.push({ name, build: s.build !== undefined, image: typeof s.image === 'string' ? s.image : undefined, dependsOn: dependsOn(s.depends_on) });
  }

  for (const key of ['volumes', 'networks'] as const) {
    const top = data[key];
    if (!isObj(top)) continue;
    for (const [name, raw] of Object.entries(top)) {
      if (!isObj(raw)) continue;
      const dropped = ['external', 'name', 'driver', 'driver_opts', ...(key === 'networks' ? ['ipam'] : [])].filter((k) => raw[k] !== undefined && !(k === 'external' && raw[k] === false));
      for (const k of ['external', 'name', 'driver', 'driver_opts', ...(key === 'networks' ? ['ipam'] : [])]) delete raw[k];
      if (dropped.length) notes.push(`${key} ${name}: ${dropped.join(', ')} left out, so verify gets a fresh one of its own`);
    }
  }

  return { text: stringify(data, { version: '1.1', lineWidth: 0 }), services: planned, notes, builtImages };
}

/** A compose project or image name part: lower-case letters, digits, `-` and `_`. */
export function safeName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '') || 'x';
}

function addAlias(s: Json, alias: string): void {
  if (Array.isArray(s.networks)) {
    s.networks = Object.fromEntries(s.networks.filter((n): n is string => typeof n === 'string').map((n) => [n, { aliases: [alias] }]));
    return;
  }
  if (!isObj(s.networks)) s.networks = { default: {} };
  const nets = s.networks as Json;
  for (const k of Object.keys(nets)) {
    const n = isObj(nets[k]) ? (nets[k] as Json) : {};
    n.aliases = [...(Array.isArray(n.aliases) ? n.aliases : []), alias];
    nets[k] = n;
  }
}

function dependsOn(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (isObj(v)) return Object.keys(v);
  return [];
}

/**
 * A service's mount as `compose config` prints it: v1 short strings
 * (`/abs/src:/target:rw`, `volume:/target:rw`) or long maps (v2, tmpfs).
 * Host paths outside the sandbox are never written: the Docker socket becomes
 * the engine's own socket, a read-write folder becomes a fresh empty folder,
 * a read-write file a copy. Read-only binds and other sockets stay.
 */
function rewriteMount(v: unknown, opts: SanitizeOptions, nextIndex: () => number): { value: unknown; note?: string } {
  let source: string | undefined;
  let readOnly = false;
  let setSource: (s: string) => unknown;
  if (typeof v === 'string') {
    const parts = v.split(':');
    if (parts.length < 2 || !parts[0]!.startsWith('/')) return { value: v };
    source = parts[0]!;
    readOnly = (parts[2] ?? '').split(',').includes('ro');
    setSource = (s) => [s, ...parts.slice(1)].join(':');
  } else if (isObj(v) && v.type === 'bind' && typeof v.source === 'string') {
    source = v.source;
    readOnly = v.read_only === true;
    setSource = (s) => ({ ...v, source: s });
  } else {
    return { value: v };
  }
  if (isInside(opts.sandboxDir, source)) return { value: v };
  if (DOCKER_SOCKETS.has(source.replace(/\/+$/, '')) && opts.socketPath && opts.socketPath !== source) {
    return { value: setSource(opts.socketPath), note: `the Docker socket ${source} is the engine verify runs on (${opts.socketPath})` };
  }
  if (readOnly) return { value: v };
  let kind: 'dir' | 'file' | 'socket' | 'missing' = 'missing';
  try {
    const st = statSync(source);
    kind = st.isSocket() ? 'socket' : st.isFile() ? 'file' : 'dir';
  } catch {
    kind = 'missing';
  }
  if (kind === 'socket') return { value: v };
  const fresh = path.join(opts.sandboxDir, 'binds', String(nextIndex()));
  if (kind === 'file') {
    mkdirSync(path.dirname(fresh), { recursive: true });
    copyFileSync(source, fresh);
    return { value: setSource(fresh), note: `read-write bind of ${source} replaced by a copy, so verify never writes your host files` };
  }
  mkdirSync(fresh, { recursive: true });
  const what = kind === 'missing' ? 'a host folder that does not exist (the engine would create it)' : 'your host folder';
  return { value: setSource(fresh), note: `read-write bind of ${source} (${what}) replaced by a fresh empty folder` };
}

/** Write the sanitized project into `dir` (the sandbox folder, beside the copied tree). */
export function writeSanitized(dir: string, text: string): string {
  const file = path.join(dir, '.dh-verify-project.yml');
  writeFileSync(file, text);
  return file;
}

/** A compose project, as `compose config` would print it, that builds and runs one Dockerfile (a runtime image no compose file builds). */
export function dockerfileProject(sandbox: Sandbox, dockerfile: string, context: string, service: string, target?: string): string {
  const build = { context: sandbox.map(context), dockerfile: path.relative(sandbox.map(context), sandbox.map(dockerfile)), ...(target ? { target } : {}) };
  return stringify({ services: { [service]: { build } } }, { version: '1.1', lineWidth: 0 });
}
