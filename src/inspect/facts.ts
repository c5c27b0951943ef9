// From what was read out of an image (its config and a few files) to facts of
// the same shape as a knowledge-table row. Pure: the engine work is in read.ts.
import path from 'node:path';
import type { Distro, ImageFacts, ImageUser } from '../knowledge/images.js';
import { readStartScript } from '../start-scripts.js';

/** The parts of `docker image inspect`'s Config that decide hardening. */
export interface ImageConfig {
  User: string;
  Entrypoint: string[] | null;
  Cmd: string[] | null;
  ExposedPorts: Record<string, unknown> | null;
  Volumes: Record<string, unknown> | null;
  Env: string[] | null;
  WorkingDir: string;
}

/** What inspection read from an image: enough to derive its facts again (the cache keeps this). */
export interface ImageReading {
  /** The image id (`sha256:…` of its config): what the cache is keyed by. */
  id: string;
  /** The registry digest when the image has one (`sha256:…`), else the id. */
  digest: string;
  config: ImageConfig;
  osRelease?: string;
  passwd?: string;
  group?: string;
  /** Paths among PROBED_PATHS that exist in the image (symlinks followed). */
  present: string[];
  /** The script the image starts with (ENTRYPOINT, else CMD), when it is a text file with `#!`. */
  startScript?: { path: string; text: string };
}

/** Where shells and account tools live; each is probed with `docker cp -L` (no process runs). */
export const SHELLS = ['/bin/sh', '/bin/bash', '/bin/ash'];
export const USER_TOOLS = ['useradd', 'adduser', 'addgroup', 'groupadd', 'microdnf', 'dnf', 'yum'];
/** Account tools live in sbin (shadow, Debian's adduser) or bin (BusyBox links); package managers in /usr/bin. */
const TOOL_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const toolDirs = (tool: string) => (['microdnf', 'dnf', 'yum'].includes(tool) ? ['/usr/bin'] : TOOL_DIRS);
export const PROBED_PATHS = [...SHELLS, ...USER_TOOLS.flatMap((t) => toolDirs(t).map((d) => `${d}/${t}`))];

/** Tools that run a command as another user: an entrypoint that is one of them steps down itself. */
const DROP_TOOLS = new Set(['gosu', 'su-exec', 'setpriv', 's6-setuidgid', 'chpst', 'runuser', 'setuidgid']);

export interface InspectedDetails {
  home?: string;
  path?: string;
  workdir?: string;
  entrypoint?: string[];
  cmd?: string[];
  shells: string[];
  userTools: string[];
  groups: ImageUser[];
  /** How the privilege drop was found (script and line, or the entrypoint itself). */
  drop?: string;
}

/** `/etc/passwd` or `/etc/group` lines as name, id and group id (group: gid twice). */
export function parseAccounts(text: string, kind: 'passwd' | 'group'): ImageUser[] {
  const out: ImageUser[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const id = Number(f[2]);
    if (!f[0] || !/^\d+$/.test(f[2] ?? '')) continue;
    const gid = kind === 'passwd' && /^\d+$/.test(f[3] ?? '') ? Number(f[3]) : id;
    out.push({ name: f[0], uid: id, gid });
  }
  return out;
}

/** The distro family /etc/os-release names (ID, then ID_LIKE); the package tools tell RHEL's minimal images apart. */
export function distroOf(osRelease: string | undefined, tools: string[]): Distro {
  if (!osRelease) return 'unknown';
  const field = (k: string) => (osRelease.match(new RegExp(`^${k}=["']?([^"'\\n]*)`, 'm'))?.[1] ?? '').toLowerCase();
  const ids = [field('ID'), ...field('ID_LIKE').split(/\s+/)].filter(Boolean);
  for (const id of ids) {
    if (id === 'alpine') return 'alpine';
    if (id === 'ubuntu') return 'ubuntu';
    if (id === 'debian') return 'debian';
    if (['rhel', 'centos', 'fedora', 'rocky', 'almalinux', 'ol', 'amzn'].includes(id)) {
      return tools.includes('microdnf') && !tools.includes('dnf') && !tools.includes('yum') ? 'rhel-minimal' : 'rhel';
    }
  }
  return 'unknown';
}

function envValue(env: string[] | null, key: string): string | undefined {
  const e = (env ?? []).find((v) => v.startsWith(`${key}=`));
  return e?.slice(key.length + 1);
}

/** The account USER names, or the non-root account the image's own build added (the last one in /etc/passwd, UID 1000 and up first). */
function imageUser(defaultUser: string, passwd: ImageUser[]): ImageUser | undefined {
  const [who] = defaultUser.split(':');
  if (who && who !== 'root' && who !== '0') {
    const found = passwd.find((u) => u.name === who || String(u.uid) === who);
    if (found) return found;
  }
  const own = passwd.filter((u) => u.uid >= 100 && u.uid < 65534 && u.name !== 'nobody' && u.name !== 'guest');
  return own.filter((u) => u.uid >= 1000).pop() ?? own.pop();
}

/**
 * Facts of an inspected image, as a knowledge-table row would state them.
 * Write paths are not known from the image alone (observation finds them).
 */
export function factsFromReading(r: ImageReading, ref: string): { facts: ImageFacts; details: InspectedDetails } {
  const c = r.config;
  const present = new Set(r.present);
  const userTools = USER_TOOLS.filter((t) => toolDirs(t).some((d) => present.has(`${d}/${t}`)));
  const shells = SHELLS.filter((s) => present.has(s));
  const passwd = r.passwd !== undefined ? parseAccounts(r.passwd, 'passwd') : undefined;
  const groups = r.group !== undefined ? parseAccounts(r.group, 'group') : [];
  const defaultUser = c.User || 'root';
  const [who] = defaultUser.split(':');
  const nonRoot = who !== 'root' && who !== '0' && who !== '';
  const distro = distroOf(r.osRelease, userTools);
  const existing = passwd ? imageUser(defaultUser, passwd) : undefined;

  const start = c.Entrypoint?.length ? c.Entrypoint : (c.Cmd ?? []);
  let drop: string | undefined;
  const caps = new Set<string>();
  if (start[0] && DROP_TOOLS.has(path.posix.basename(start[0]))) drop = `its ENTRYPOINT runs ${path.posix.basename(start[0])}`;
  if (r.startScript) {
    const vars = new Map<string, string | undefined>();
    for (const e of c.Env ?? []) {
      const i = e.indexOf('=');
      if (i > 0) vars.set(e.slice(0, i), e.slice(i + 1));
    }
    const reading = readStartScript(r.startScript.text, `${ref}:${r.startScript.path}`, c.WorkingDir || '/', vars);
    const first = reading.drops[0];
    if (first) {
      drop = `${r.startScript.path}:${first.line} runs ${first.tool}${first.user ? ` ${first.user}` : ''}`;
      for (const d of reading.drops) for (const cap of d.caps) caps.add(cap);
      for (const cap of reading.rootCaps) caps.add(cap);
    }
  }

  const facts: ImageFacts = {
    family: 'inspected',
    distro,
    defaultUser,
    nonRootByDefault: nonRoot,
    dropsPrivileges: drop !== undefined && !nonRoot,
    capsNeeded: [...caps].sort(),
    tmpfsPaths: [],
    installWrites: [],
    dataPaths: Object.keys(c.Volumes ?? {}).sort(),
    writePathsKnown: false,
    hasShell: shells.includes('/bin/sh'),
    ports: [...new Set(Object.keys(c.ExposedPorts ?? {}).map((p) => Number(p.split('/')[0])).filter((n) => Number.isInteger(n) && n > 0))].sort((a, b) => a - b),
    fileCapabilities: [],
    source: `inspected: ${ref}@${r.digest}`,
  };
  if (existing) facts.existingUser = { ...existing };
  if (passwd) facts.passwd = passwd;
  // RHEL-family images without useradd get shadow-utils first (a no-op where present).
  if ((distro === 'rhel' || distro === 'rhel-minimal') && !userTools.includes('useradd')) facts.needsShadowUtils = true;
  const details: InspectedDetails = {
    home: envValue(c.Env, 'HOME'),
    path: envValue(c.Env, 'PATH'),
    workdir: c.WorkingDir || undefined,
    entrypoint: c.Entrypoint ?? undefined,
    cmd: c.Cmd ?? undefined,
    shells,
    userTools,
    groups,
    drop,
  };
  return { facts, details };
}

/** Where in the image the start command's program lives: an absolute path, or the first PATH directory (the caller probes each). */
export function startProgramCandidates(config: ImageConfig): string[] {
  const start = config.Entrypoint?.length ? config.Entrypoint : (config.Cmd ?? []);
  const prog = start[0];
  if (!prog) return [];
  // `sh -c "…"` and the like: the script is the shell text, not a file.
  if (SHELLS.includes(prog) || ['sh', 'bash', 'ash'].includes(prog)) return [];
  if (prog.startsWith('/')) return [prog];
  if (prog.includes('/')) return [path.posix.join(config.WorkingDir || '/', prog)];
  const dirs = (envValue(config.Env, 'PATH') ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter((d) => d.startsWith('/'));
  return dirs.map((d) => path.posix.join(d, prog));
}
