// The consistency rule, checked from the outside: read from the tree before
// and after a run (not from src/write-paths.ts), what the tool's own changes
// declare written, and whether what it left on a read-only root keeps it so.
//
// For every compose service left with `read_only: true` that builds a
// Dockerfile of the tree, each path the tool's changes declare written by it:
//   - HOME set by an ENV line the tool added (the image runs as non-root),
//   - cache directories set by ENV lines it added,
//   - directories a RUN line it added chowns,
//   - the image's VOLUMEs and the service's named-volume targets,
// is covered by a mount (volume, bind, tmpfs, VOLUME) at or above it, or a
// finding of compose/read-only names the path for that service (only a note
// about files the build put there, when the tool itself added read_only). A
// chowned directory under a tmpfs must look like scratch (logs, run, cache,
// tmp), or be a folder the base image's knowledge row says its server writes
// as scratch (tomcat's conf/Catalina): data is never silently made a tmpfs. A tmpfs the tool adds for a
// non-root service over such a path is mounted with the user's uid (runc keeps
// the directory's mode on a tmpfs, not its owner).
//
// Also, for the other two contradictions: every named-volume target of a
// service whose image the tool made non-root is chowned by a RUN it added (or
// a finding says why not), and every non-root service that mounts the Docker
// socket (at /var/run/docker.sock or /run/docker.sock in the container) has a
// group_add.
import path from 'node:path';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { RunResult } from '../src/driver.js';
import { lookupImage } from '../src/knowledge/images.js';
import { parseImageRef } from '../src/parse/image-ref.js';

type Services = Record<string, Record<string, unknown>>;

export function servicesOf(text: string): Services[] {
  return (parseAllDocuments(text, { merge: true }) as unknown as { toJS(): { services?: Services } | null }[]).map((d) => d.toJS()?.services ?? {});
}

/** No restriction that was there (read_only, cap_drop, security_opt, user, privileged) is removed. */
export function checkRestrictionsKept(before: string, after: string): void {
  const old = servicesOf(before);
  const now = servicesOf(after);
  old.forEach((services, d) => {
    for (const [name, s] of Object.entries(services)) {
      const n = now[d][name];
      if (s.read_only === true) expect(n.read_only).toBe(true);
      for (const key of ['cap_drop', 'security_opt']) {
        for (const item of (s[key] as unknown[]) ?? []) expect(n[key], `${name}.${key}`).toContainEqual(item);
      }
      expect(n.user).toEqual(s.user);
      expect(n.privileged).toEqual(s.privileged);
    }
  });
}

/** Instructions of a Dockerfile text: continuation lines joined, comments dropped. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.trim();
    if (!cur && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      cur += line.slice(0, -1) + ' ';
      continue;
    }
    out.push((cur + line).trim());
    cur = '';
  }
  if (cur) out.push(cur.trim());
  return out;
}

/** The instructions of the stage `target` names, else of the last stage. */
function stageOf(list: string[], target?: string): string[] {
  const froms = list.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
  let start = froms[froms.length - 1] ?? 0;
  if (target) {
    const named = froms.find((i) => new RegExp(`\\sAS\\s+${target}\\s*$`, 'i').test(list[i]!));
    if (named !== undefined) start = named;
  }
  const next = froms.find((i) => i > start);
  return list.slice(start, next ?? list.length);
}

const CACHE_VARS = /^(XDG_\w+_HOME|HF_HOME|HF_HUB_CACHE|HUGGINGFACE_HUB_CACHE|TRANSFORMERS_CACHE|SENTENCE_TRANSFORMERS_HOME|TORCH_HOME|\w*CACHE_DIR|npm_config_cache|NPM_CONFIG_CACHE|YARN_CACHE_FOLDER|GOCACHE|MPLCONFIGDIR|DENO_DIR)$/;
const SCRATCH = /(^|\/)(\.?cache|caches|logs?|run|pids?|sockets?|tmp|temp)(\/|$)|^\/(tmp|var\/tmp|run|var\/run|var\/log|var\/cache)\//;
const SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

const under = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
const norm = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

function envPairs(line: string): [string, string][] {
  const body = line.replace(/^ENV\s+/i, '');
  if (!body.includes('=')) {
    const m = /^(\S+)\s+(.*)$/.exec(body);
    return m ? [[m[1]!, m[2]!.trim()]] : [];
  }
  return [...body.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')]);
}

interface Mount {
  target: string;
  kind: 'volume' | 'bind' | 'tmpfs' | 'anonymous';
  /** tmpfs options as written (`size=64m,uid=1000`). */
  options?: string;
}

/** A container path as compose reads it when the variable is unset: `${DATA_DIR:-/data}` is /data. */
const defaulted = (t: string): string => t.replace(/\$\{\w+:?-([^}]*)\}/g, '$1');

function mountsOf(s: Record<string, unknown>): Mount[] {
  const out: Mount[] = [];
  for (const v of Array.isArray(s.volumes) ? s.volumes : []) {
    if (typeof v === 'string') {
      const parts = v.split(/:(?![^{]*\})/);
      if (parts.length === 1) out.push({ target: norm(parts[0]!), kind: 'anonymous' });
      else out.push({ target: norm(defaulted(parts[1]!)), kind: /^[./~$]/.test(parts[0]!) || parts[0]!.includes('/') ? 'bind' : 'volume' });
    } else if (v && typeof v === 'object') {
      const m = v as Record<string, unknown>;
      const kind = m.type === 'bind' ? 'bind' : m.type === 'tmpfs' ? 'tmpfs' : m.source ? 'volume' : 'anonymous';
      if (typeof m.target === 'string') out.push({ target: norm(defaulted(m.target)), kind });
    }
  }
  const tmpfs = s.tmpfs;
  for (const t of typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs : []) {
    if (typeof t === 'string') out.push({ target: norm(t.split(':')[0]!.trim()), kind: 'tmpfs', options: t.split(':').slice(1).join(':') });
  }
  return out;
}

/** The Dockerfile a service builds, relative to the tree, and its target stage. */
function dockerfileOf(composeRel: string, s: Record<string, unknown>): { rel: string; target?: string } | undefined {
  const build = s.build;
  const b = build && typeof build === 'object' ? (build as Record<string, unknown>) : undefined;
  const context = typeof build === 'string' ? build : b ? String(b.context ?? '.') : undefined;
  if (context === undefined) return undefined;
  const name = typeof b?.dockerfile === 'string' ? b.dockerfile : 'Dockerfile';
  return { rel: path.posix.normalize(path.posix.join(path.posix.dirname(composeRel), context, name)), target: typeof b?.target === 'string' ? b.target : undefined };
}

function socketMounted(s: Record<string, unknown>): boolean {
  return mountsOf(s).some((m) => m.kind === 'bind' && SOCKETS.includes(m.target));
}

export interface ConsistencyCounts {
  /** Read-only services built from a Dockerfile of the tree, and the declared paths checked on them. */
  services: number;
  paths: number;
}

/**
 * Check the rule on a run: `before` and `after` are whole trees (rel path ->
 * text; `after` = before with the changed files replaced). Returns what it
 * looked at, so a property test can make sure it looked at something.
 */
export function checkConsistent(before: Record<string, string>, after: Record<string, string>, result: RunResult): ConsistencyCounts {
  const counts = { services: 0, paths: 0 };
  const open = result.engine.findings.filter((f) => !f.fixed);
  const said = (transform: string, service: string, p: string, severity?: string) =>
    open.some((f) => f.transform === transform && f.message.includes(`service ${service}:`) && f.message.includes(p) && (!severity || f.severity === severity));
  // non-root-user says what it could not chown in the message of the fix it applied (no shell, under /root).
  const saidAboutImage = (transform: string, p: string) => result.engine.findings.some((f) => f.transform === transform && f.message.includes(p) && (!f.fixed || /cannot chown|sit under \/root/.test(f.message)));

  const composes = Object.entries(after).filter(([rel]) => /(^|\/)(docker-)?compose[^/]*\.ya?ml$/.test(rel));
  // Named-volume targets per Dockerfile, over every service that builds it: a mount point a sibling service mounts is the sibling's.
  const mountPoints = new Map<string, string[]>();
  for (const [rel, text] of composes) {
    for (const services of servicesOf(text)) {
      for (const s of Object.values(services)) {
        if (!s || typeof s !== 'object') continue;
        const df = dockerfileOf(rel, s);
        if (df) mountPoints.set(df.rel, [...(mountPoints.get(df.rel) ?? []), ...mountsOf(s).filter((m) => m.kind === 'volume').map((m) => m.target)]);
      }
    }
  }

  for (const [rel, text] of composes) {
    const now = servicesOf(text);
    const was = before[rel] !== undefined ? servicesOf(before[rel]!) : [];
    now.forEach((services, d) => {
      for (const [name, s] of Object.entries(services)) {
        if (!s || typeof s !== 'object') continue;
        const df = dockerfileOf(rel, s);
        const dfRel = df?.rel;
        const target = df?.target;
        const dfAfter = dfRel !== undefined ? after[dfRel] : undefined;
        const dfBefore = dfRel !== undefined ? before[dfRel] : undefined;
        const stage = dfAfter !== undefined ? stageOf(instructions(dfAfter), target) : [];
        const added = dfAfter !== undefined && dfBefore !== undefined ? stage.filter((l) => !instructions(dfBefore).includes(l)) : [];
        const users = stage.filter((l) => /^USER\s/i.test(l));
        const lastUser = users[users.length - 1]?.split(/\s+/)[1] ?? '';
        const composeUser = s.user === undefined ? undefined : String(s.user);
        const nonRoot = (composeUser ?? lastUser) !== '' && !/^(root|0)(:|$)/.test(composeUser ?? lastUser);
        // nginx/unprivileged's USER 101 is the image's own user: its mounts are that transform's business.
        const nginx = /^FROM\s+\S*nginx/i.test(stage[0] ?? '');
        // A USER the tool wrote over a non-root one (`USER svc` -> `USER 1000`, the same user by number) made nothing non-root.
        const wasUsers = dfBefore !== undefined ? stageOf(instructions(dfBefore), target).filter((l) => /^USER\s/i.test(l)) : [];
        const wasUser = wasUsers[wasUsers.length - 1]?.split(/\s+/)[1] ?? '';
        const wasNonRoot = wasUser !== '' && !/^(root|0)(:|$)/.test(wasUser) && !wasUser.includes('$');
        const madeNonRoot = added.some((l) => /^USER\s/i.test(l)) && nonRoot && !wasNonRoot && composeUser === undefined && !nginx;
        const mounts = mountsOf(s);
        const namedTargets = mounts.filter((m) => m.kind === 'volume').map((m) => m.target);
        const chownedByTool = added
          .filter((l) => /^RUN\s/i.test(l))
          .flatMap((l) => [...l.matchAll(/chown\s+(?:-R\s+)?\S+((?:\s+\/[^\s&;|]*)+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/)))
          .map(norm);

        // Cause 3: the socket group.
        if (socketMounted(s) && nonRoot) {
          const groups = Array.isArray(s.group_add) ? s.group_add.map(String) : [];
          expect(groups.length > 0 || said('compose/docker-socket-group', name, ''), `${rel}#${name} mounts the Docker socket as ${composeUser ?? lastUser} without group_add`).toBe(true);
        }
        // Cause 4: named-volume targets of a service the tool made non-root are chowned.
        if (madeNonRoot) {
          for (const t of namedTargets) {
            if (under(t, '/root') || /^\/(usr|etc|var|var\/lib|opt|srv|home|tmp|run)?$/.test(t)) continue;
            expect(chownedByTool.includes(t) || saidAboutImage('dockerfile/non-root-user', t), `${rel}#${name}: named-volume target ${t} is not chowned for ${lastUser}`).toBe(true);
          }
        }

        // Causes 1 and 2: what the tool declared written stays writable on a read-only root.
        if (s.read_only !== true || dfAfter === undefined || dfBefore === undefined) continue;
        const hadReadOnly = was[d]?.[name]?.read_only === true;
        const declared: { path: string; what: string }[] = [];
        // The final value of each variable, and whether the tool set it (a pair on an ENV line it added or edited).
        const beforePairs = new Set(instructions(dfBefore).filter((x) => /^ENV\s/i.test(x)).flatMap((x) => envPairs(x).map(([k, v]) => `${k}=${v}`)));
        const finalEnv = new Map<string, { value: string; byTool: boolean }>();
        for (const l of stage.filter((x) => /^ENV\s/i.test(x))) {
          for (const [k, v] of envPairs(l)) finalEnv.set(k, { value: v, byTool: added.includes(l) && !beforePairs.has(`${k}=${v}`) });
        }
        const toolHome = finalEnv.get('HOME')?.byTool ? norm(finalEnv.get('HOME')!.value) : undefined;
        if (nonRoot) {
          for (const [k, { value: v, byTool }] of finalEnv) {
            if (!byTool || !v.startsWith('/') || v.includes('$')) continue;
            if (k === 'HOME') declared.push({ path: norm(v), what: 'HOME' });
            else if (CACHE_VARS.test(k)) declared.push({ path: norm(v), what: 'cache' });
          }
        } else if (toolHome) {
          // A service run as root by its compose user: HOME stays what the image's ENV says, and may be covered.
          declared.push({ path: toolHome, what: 'HOME' });
        }
        // A home the tool made with mkdir and chowned (BusyBox adduser -H) is HOME.
        for (const p of chownedByTool) {
          if (declared.some((x) => x.path === p)) continue;
          // A TLS key or certificate is chowned so the non-root server can read it, not write it.
          if (/\.(key|pem|crt)$/.test(p)) continue;
          if (!namedTargets.includes(p) && (mountPoints.get(dfRel!) ?? []).includes(p)) continue;
          // The image's own HOME, kept for the user the tool adds (it holds what the build put there), is HOME too.
          const imageHome = finalEnv.get('HOME')?.value;
          declared.push({ path: p, what: nonRoot && imageHome && norm(imageHome) === p ? 'HOME' : 'chowned' });
        }
        for (const l of stage.filter((x) => /^VOLUME\s/i.test(x))) {
          const body = l.replace(/^VOLUME\s+/i, '');
          const list = body.startsWith('[') ? (JSON.parse(body) as string[]) : body.split(/\s+/);
          for (const p of list) if (p.startsWith('/')) declared.push({ path: norm(p), what: 'VOLUME' });
        }
        for (const t of namedTargets) declared.push({ path: t, what: 'named volume' });

        const volumeLines = declared.filter((x) => x.what === 'VOLUME').map((x) => x.path);
        counts.services++;
        for (const { path: p, what } of declared) {
          counts.paths++;
          const cover = [...mounts.map((m) => ({ ...m })), ...volumeLines.map((v) => ({ target: v, kind: 'anonymous' as const }))]
            .filter((m) => under(p, m.target))
            .sort((a, b) => b.target.length - a.target.length)[0];
          if (!cover) {
            const ok = hadReadOnly ? said('compose/read-only', name, p) : (what === 'HOME' || what === 'cache') && said('compose/read-only', name, p, 'note');
            expect(ok, `${rel}#${name} is read_only, but ${p} (${what}, declared by the tool) is not covered and no finding names it`).toBe(true);
            continue;
          }
          // Data is never silently made a tmpfs: a chowned directory under a tmpfs (and no volume closer) is scratch.
          if (what === 'chowned' && cover.kind === 'tmpfs') {
            const from = /^FROM\s+(?:--\S+\s+)*(\S+)/i.exec(stage[0] ?? '')?.[1];
            const installScratch = !!from && !!lookupImage(parseImageRef(from))?.installWrites.some((w) => w.path === p && w.use === 'scratch');
            expect(SCRATCH.test(p) || installScratch || volumeLines.some((v) => under(p, v)), `${rel}#${name}: ${p} holds data, but a tmpfs covers it`).toBe(true);
          }
          // A tmpfs over a directory the image has is root-owned: a non-root writer needs it mounted with its uid.
          const added = !mountsOf((was[d]?.[name] ?? {}) as Record<string, unknown>).some((m) => m.kind === 'tmpfs' && m.target === cover.target);
          if (cover.kind === 'tmpfs' && added && nonRoot && !['/tmp', '/var/tmp'].includes(cover.target)) {
            expect(cover.options ?? '', `${rel}#${name}: the tmpfs for ${p} is not owned by the non-root user`).toMatch(/(^|,)uid=\d+/);
          }
        }
      }
    });
  }
  return counts;
}
