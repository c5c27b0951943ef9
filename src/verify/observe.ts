// Runtime observation: what verify's baseline run shows a service doing that
// no file says. After the settle period, `docker diff` of each container lists
// the paths it wrote outside its volumes and tmpfs (ServiceEvidence.changedPaths).
// For a service that runs a prebuilt image known only by inspection, those
// become the image's write paths (a tmpfs each under read_only), marked
// "observed", so compose/read-only fixes it through the same code path as a
// table row whose write paths are known. Paths that a tmpfs cannot carry
// (a file in /etc, a directory of the image's own files) leave the paths
// unknown and are said so.
import path from 'node:path';
import { imageKey, type ImageFacts } from '../knowledge/images.js';
import { parseImageRef } from '../parse/image-ref.js';
import { observedKey, observedServiceKey, type DockerfileSource, type ObservedWrite, type Project } from '../model.js';
import { finalStage } from '../dockerfile-info.js';
import { effectiveInstructions } from '../parse/dockerfile.js';
import { keptData } from '../write-paths.js';
import { CHANGED_PATHS_KEPT, type BootResult } from './boot.js';
import type { VerifyTarget } from './targets.js';

/** What was learnt about one image from the services that run it. */
export interface Observation {
  image: string;
  /** `compose.yaml#app` */
  services: string[];
  /** Directories it writes that become tmpfs carve-outs. */
  writes: string[];
  /** TCP ports its services listened on (/proc/<pid>/net/tcp, tcp6), when read. */
  listening?: number[];
  /** Why its write paths stay unknown (a path a tmpfs cannot carry, a diff cut short). */
  unknown?: string;
  source: string;
}

/** The most paths verify keeps from a diff (boot.ts): a list that long may be cut. */
const DIFF_LIMIT = 50;
/** Directories that hold the image's own files: a tmpfs there would hide them. */
const SYSTEM_DIRS = new Set(['/', '/etc', '/usr', '/bin', '/sbin', '/lib', '/lib64', '/opt', '/srv', '/home', '/var', '/root', '/var/lib', '/usr/local', '/usr/share', '/app']);

/**
 * The directories a container's writes need, from `docker diff` lines (`A /x`,
 * `C /x`, `D /x`): a directory it added (the topmost), or the directory of a
 * file it added, changed or deleted. undefined with the reason when one of
 * them would need a tmpfs over the image's own files.
 */
export function writeDirs(diff: string[], mounts: string[] = []): { dirs: string[] } | { unknown: string } {
  // The engine makes the mount points of volumes, binds and tmpfs: `docker diff` lists them as added.
  const mountPoints = new Set(mounts.map((m) => path.posix.normalize(m).replace(/(.)\/$/, '$1')));
  const listed = diff.map((l) => ({ kind: l[0], path: path.posix.normalize(l.slice(2).trim()) })).filter((e) => e.path.startsWith('/'));
  const entries = listed.filter((e) => !/^\/(proc|sys|dev)(\/|$)/.test(e.path) && !(e.kind === 'A' && mountPoints.has(e.path)));
  const all = new Set(entries.map((e) => e.path));
  // A directory is what has something listed under it (a mount point counts: /srv/app changed because /srv/app/data was made).
  const hasChild = (p: string) => listed.some((e) => e.path.startsWith(`${p}/`));
  const added = new Set(entries.filter((e) => e.kind === 'A').map((e) => e.path));
  const dirs = new Set<string>();
  for (const e of entries) {
    // Under a directory it added: that directory covers it.
    if ([...added].some((a) => e.path.startsWith(`${a}/`))) continue;
    if (e.kind === 'A') {
      dirs.add(hasChild(e.path) ? e.path : path.posix.dirname(e.path));
      continue;
    }
    // A changed directory is the parent of something listed; a changed or deleted leaf is a file.
    if (e.kind === 'C' && hasChild(e.path)) continue;
    dirs.add(path.posix.dirname(e.path));
  }
  for (const d of dirs) {
    if (SYSTEM_DIRS.has(d) && !(d === '/' && all.size === 0)) return { unknown: `it writes ${[...all].filter((p) => path.posix.dirname(p) === d && !hasChild(p)).join(', ')} in ${d}, where a tmpfs would hide the image's own files` };
  }
  // Nested carve-outs: the outer one covers the inner.
  const sorted = [...dirs].sort();
  return { dirs: sorted.filter((d) => !sorted.some((o) => o !== d && d.startsWith(`${o}/`))) };
}

/**
 * Facts learnt from the baseline boots for images known only by inspection
 * (`facts`, by imageKey; updated in place). Returns what was observed, per image.
 */
export function observeBaselines(project: Project, facts: Map<string, ImageFacts>, baselines: { target: VerifyTarget; boot: BootResult }[]): Observation[] {
  const byImage = new Map<string, Observation & { key: string; dirs: Set<string>; ports?: Set<number> }>();
  for (const { target, boot } of baselines) {
    if (target.kind !== 'compose') continue;
    for (const ts of target.services) {
      if (ts.dockerfile || ts.builtFrom) continue;
      const link = project.services.find((s) => s.name === ts.name && target.files.includes(s.compose.path) && typeof s.effective.image === 'string');
      const image = link?.effective.image as string | undefined;
      if (!image) continue;
      const key = imageKey(parseImageRef(image));
      const f = facts.get(key);
      // Table rows say what their image writes; only inspected images learn it here.
      if (!f || f.family !== 'inspected' || f.writePathsKnown) continue;
      const ev = boot.evidence.get(ts.name);
      const o = byImage.get(key) ?? { key, image, services: [], writes: [], dirs: new Set<string>(), source: '' };
      byImage.set(key, o);
      o.services.push(`${link!.compose.rel}#${ts.name}`);
      if (!ev || ev.state !== 'running') {
        o.unknown ??= `${ts.name} was not running in the baseline run (${ev?.state ?? 'no evidence'}), so what it writes was not seen`;
        continue;
      }
      if (ev.listening) for (const p of ev.listening) (o.ports ??= new Set()).add(p);
      if (ev.changedPaths.length >= DIFF_LIMIT) {
        o.unknown ??= `${ts.name} wrote ${DIFF_LIMIT} or more paths at start: too many to carve out one by one`;
        continue;
      }
      const tmpfs = link!.effective.tmpfs;
      const mounts = [
        ...f.dataPaths,
        ...link!.volumes.map((m) => m.target),
        ...(typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs.filter((t): t is string => typeof t === 'string') : []).map((t) => t.split(':')[0]!.trim()),
      ];
      const w = writeDirs(ev.changedPaths, mounts);
      if ('unknown' in w) o.unknown ??= w.unknown;
      else {
        // Data the service keeps across restarts must not go to a tmpfs, which loses it.
        const kept = w.dirs.map((d) => ({ d, why: keptData(d, ev.changedPaths.map((l) => l.slice(2).trim())) })).filter((k) => k.why);
        if (kept.length) o.unknown ??= `it keeps data in ${kept.map((k) => `${k.d} (${k.why})`).join(', ')}, which a tmpfs would lose on restart: mount a named volume there`;
        for (const d of w.dirs) o.dirs.add(d);
      }
    }
  }
  const out: Observation[] = [];
  for (const o of byImage.values()) {
    const f = facts.get(o.key)!;
    o.writes = [...o.dirs].sort();
    const run = `verify's baseline run of ${o.services.join(', ')}`;
    const listening = o.ports ? [...o.ports].sort((a, b) => a - b) : undefined;
    const listens = listening ? `; ${listening.length ? `listens on ${listening.map((p) => `${p}/tcp`).join(', ')}` : 'listens on no TCP port'}` : '';
    o.source = o.unknown
      ? `observed in ${run}: ${o.unknown}${listens}`
      : `observed: ${o.writes.length ? `${o.writes.join(', ')} written at start` : 'nothing written outside its volumes at start'}${listens} (${run}); ${f.source}`;
    // The ports it was seen listening on are the ports its server uses, whatever EXPOSE says.
    if (!o.unknown) facts.set(o.key, { ...f, tmpfsPaths: o.writes, writePathsKnown: true, ...(listening ? { ports: listening } : {}), source: o.source });
    out.push({ image: o.image, services: o.services, writes: o.writes, ...(listening ? { listening } : {}), ...(o.unknown ? { unknown: o.unknown } : {}), source: o.source });
  }
  return out;
}

/**
 * What a container wrote at start, as start writes (src/start-scripts.ts
 * StartWrite) of its image, from `docker diff` lines: a directory it added
 * (`dir`, the topmost: what is under it is its own), a file of the image it
 * changed in place (`file`), and a file it added or removed (`dir-of`: its
 * directory must be writable; an empty directory it made shows the same).
 * Kernel filesystems, /tmp and the mount points of its volumes and tmpfs
 * are left out; so is what it wrote under them, which `docker diff` does not
 * list. `run` names the baseline run, for the reason each carries.
 */
export function observedWrites(diff: string[], mounts: string[], run: string): ObservedWrite[] {
  const mountPoints = mounts.map((m) => path.posix.normalize(m).replace(/(.)\/$/, '$1'));
  const listed = diff.map((l) => ({ kind: l[0], path: path.posix.normalize(l.slice(2).trim()) })).filter((e) => e.path.startsWith('/') && e.path !== '/');
  // /tmp is writable for everyone and gets a tmpfs with every read_only: nothing to make writable there.
  const entries = listed.filter((e) => !/^\/(proc|sys|dev|tmp)(\/|$)/.test(e.path) && !mountPoints.some((m) => e.path === m || e.path.startsWith(`${m}/`)));
  const hasChild = (p: string) => listed.some((e) => e.path.startsWith(`${p}/`));
  const added = entries.filter((e) => e.kind === 'A').map((e) => e.path);
  const written = entries.map((e) => e.path);
  const out: ObservedWrite[] = [];
  const push = (w: Pick<ObservedWrite, 'path' | 'kind'>) => {
    if (out.some((o) => o.path === w.path && o.kind === w.kind)) return;
    // The directory that must stay writable, and what was written in it.
    const dir = w.kind === 'dir' ? w.path : path.posix.dirname(w.path);
    const keeps = keptData(dir, w.kind === 'dir' ? written.filter((p) => p.startsWith(`${dir}/`)) : [w.path]);
    out.push({ ...w, how: `observed: ${w.path} written at start (${run})`, observed: true, ...(keeps ? { keeps } : {}) });
  };
  for (const e of entries) {
    if (added.some((a) => e.path.startsWith(`${a}/`))) continue; // under a directory it added
    if (e.kind === 'A') push({ path: e.path, kind: hasChild(e.path) ? 'dir' : 'dir-of' });
    // A changed directory is the parent of something listed; a changed leaf is a file of the image written in place.
    else if (e.kind === 'C' && !hasChild(e.path)) push({ path: e.path, kind: 'file' });
    else if (e.kind === 'D') push({ path: e.path, kind: 'dir-of' });
  }
  return out;
}

/** What was seen written by the services that run an image built here. */
export interface BuiltObservation {
  /** The Dockerfile (relative) and the stage it builds. */
  dockerfile: string;
  stage: number;
  /** `compose.yaml#web`, or the Dockerfile for one verify boots alone. */
  services: string[];
  writes: ObservedWrite[];
}

/**
 * What the baseline boots show images built here writing at start: the start
 * writes of each (Dockerfile, stage), for project.layout.observedWrites (the
 * transforms read them through imageStart). Services that were not running
 * show nothing and are skipped.
 */
export function observeBuiltImages(project: Project, baselines: { target: VerifyTarget; boot: BootResult }[]): { writes: Map<string, ObservedWrite[]>; observations: BuiltObservation[] } {
  const byKey = new Map<string, BuiltObservation>();
  for (const { target, boot } of baselines) {
    for (const ts of target.services) {
      const ev = boot.evidence.get(ts.name);
      // A cut list may lack the very directory a write needs: nothing observed is better than half (verify still judges the run).
      if (!ev || ev.state !== 'running' || ev.changedPaths.length >= CHANGED_PATHS_KEPT) continue;
      let df: DockerfileSource | undefined;
      let stageTarget: string | undefined;
      let mounts: string[] = [];
      let who: string;
      if (target.kind === 'dockerfile') {
        const f = project.files.get(target.files[0]!);
        df = f?.kind === 'dockerfile' ? f : undefined;
        stageTarget = target.buildTarget;
        who = target.label;
      } else {
        const link = project.services.find((s) => s.name === ts.name && target.files.includes(s.compose.path));
        if (!link) continue;
        const built = link.dockerfile ? { path: link.dockerfile.path, target: link.build?.target } : link.builtImage ? { path: link.builtImage.dockerfile, target: link.builtImage.target } : undefined;
        const f = built ? project.files.get(built.path) : undefined;
        df = f?.kind === 'dockerfile' ? f : undefined;
        stageTarget = built?.target;
        const tmpfs = link.effective.tmpfs;
        mounts = [
          ...link.volumes.map((m) => m.target),
          ...(typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs.filter((t): t is string => typeof t === 'string') : []).map((t) => t.split(':')[0]!.trim()),
        ];
        who = `${link.compose.rel}#${ts.name}`;
      }
      const stage = df && finalStage(df.parsed, stageTarget);
      if (!df || !stage) continue;
      // The image's VOLUMEs are mounted (anonymous volumes when nothing else is): not the root's writes.
      const volumes = effectiveInstructions(stage).filter((i) => i.keyword === 'VOLUME').flatMap((i) => i.json ?? i.args);
      const key = observedKey(df.path, stage.index);
      const o = byKey.get(key) ?? { dockerfile: df.rel, stage: stage.index, services: [], writes: [] };
      byKey.set(key, o);
      o.services.push(who);
      for (const w of observedWrites(ev.changedPaths, [...mounts, ...volumes], `baseline run of ${who}`)) {
        if (!o.writes.some((x) => x.path === w.path && x.kind === w.kind)) o.writes.push(w);
      }
    }
  }
  // In path order: docker diff lists in its own order, which varies between runs.
  for (const o of byKey.values()) o.writes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const observations = [...byKey.values()].filter((o) => o.writes.length);
  const writes = new Map([...byKey].filter(([, o]) => o.writes.length).map(([k, o]) => [k, o.writes]));
  return { writes, observations };
}

/**
 * The TCP ports each compose service was seen listening on in the baseline
 * boots, for project.layout.observedListening (by compose file and service:
 * every file of the target that defines the service, overrides included).
 * Services not running, or whose sockets could not be read, are left out.
 */
export function observeListening(project: Project, baselines: { target: VerifyTarget; boot: BootResult }[]): Map<string, { ports: number[]; how: string }> {
  const out = new Map<string, { ports: number[]; how: string }>();
  for (const { target, boot } of baselines) {
    if (target.kind !== 'compose') continue;
    const files = [...target.files, ...target.included];
    for (const ts of target.services) {
      const ev = boot.evidence.get(ts.name);
      if (!ev || ev.state !== 'running' || !ev.listening) continue;
      const links = project.services.filter((s) => s.name === ts.name && files.includes(s.compose.path));
      if (!links.length) continue;
      const ports = [...new Set(ev.listening)].sort((a, b) => a - b);
      const run = `baseline run of ${links[links.length - 1]!.compose.rel}#${ts.name}`;
      const how = `observed: ${ports.length ? `listens on ${ports.map((p) => `${p}/tcp`).join(', ')}` : 'listens on no TCP port'} (${run})`;
      for (const s of links) out.set(observedServiceKey(s.compose.path, s.name), { ports, how });
    }
  }
  return out;
}
