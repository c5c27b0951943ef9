// Install-tree writes (knowledge: InstallWrite) that the repository's own
// configuration turns off: tomcat's unpack into webapps/ when the server.xml
// the build copies in (or a compose bind mount puts there) says
// unpackWARs="false". The transforms read the stage's base through this, so
// neither chowns nor keeps writable a folder the server no longer writes.
import { readFileSync } from 'node:fs';
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import { lastEnv, type StageBase } from './dockerfile-info.js';
import type { InstallWrite } from './knowledge/images.js';
import { serviceEnvironment } from './env-files.js';
import { imageMappings, resolveContainerPath } from './nginx-files.js';

/** Why each install write of the base is off (path -> reason), for the writes a configuration file in the repository turns off. */
export function installWritesOff(project: Project, df: DockerfileSource, base: StageBase, services: ServiceLink[]): Map<string, string> {
  const out = new Map<string, string>();
  const writes = base.facts?.installWrites.filter((w) => w.offWhen) ?? [];
  if (!writes.length) return out;
  const sets = imageMappings(project, df.path, base.chain, services);
  for (const w of writes) {
    const { file, pattern, setting } = w.offWhen!;
    // Every service that runs the image must see the setting (one without the bind mount still unpacks).
    const reasons = sets.map((mappings) => {
      const found = resolveContainerPath(mappings, file);
      if (!found?.hostPath || !found.exists) return undefined;
      let text: string;
      try {
        text = readFileSync(found.hostPath, 'utf8');
      } catch {
        return undefined;
      }
      // XML comments do not count: the stock server.xml explains settings in them.
      return pattern.test(text.replace(/<!--[\s\S]*?-->/g, '')) ? `${setting} in ${found.mapping.origin}` : undefined;
    });
    if (reasons.length && reasons.every((r) => r !== undefined)) out.set(w.path, reasons[0]!);
  }
  return out;
}

/** The base without the install writes upstream already gave to `uid` (the same object when none is): a user at that UID needs no chown there. */
export function baseWithoutWritesOwnedBy(base: StageBase, uid: number | undefined): StageBase {
  if (uid === undefined || !base.facts?.installWrites.some((w) => w.ownerUid === uid)) return base;
  return { ...base, facts: { ...base.facts, installWrites: base.facts.installWrites.filter((w) => w.ownerUid !== uid) } };
}

/** The base with the install writes its configuration turns off left out, and those its environment moves or turns on settled (the same object when none is). */
export function baseWithInstallSettings(project: Project, df: DockerfileSource, base: StageBase, services: ServiceLink[]): StageBase {
  const off = installWritesOff(project, df, base, services);
  if (!base.facts) return base;
  const kept = off.size ? base.facts.installWrites.filter((w) => !off.has(w.path)) : base.facts.installWrites;
  // The container's environment: what every service sets alike (compose environment and env files), else the Dockerfile's ENV.
  const settled = installWritesWithEnvironment(kept, (name) => {
    const values = services.map((s) => serviceEnvironment(s).get(name)?.value);
    if (services.length && values.every((v) => v !== undefined && v === values[0])) return values[0];
    return lastEnv(base.chain, name)?.value;
  });
  return settled === base.facts.installWrites ? base : { ...base, facts: { ...base.facts, installWrites: settled } };
}

/**
 * The install writes as the container's environment settles them (`env` gives a variable's value): a folder a variable
 * moves (grafana's GF_PATHS_DATA) is where its absolute value says; a write only a setting turns on (grafana's log
 * files, GF_LOG_MODE with `file`) is kept only when the variable says so. The same array when nothing changes.
 */
export function installWritesWithEnvironment(writes: InstallWrite[], env: (name: string) => string | undefined): InstallWrite[] {
  if (!writes.some((w) => w.pathVariable || w.onlyWhen)) return writes;
  const out: InstallWrite[] = [];
  for (const w of writes) {
    if (w.onlyWhen) {
      const v = env(w.onlyWhen.variable);
      if (v === undefined || !w.onlyWhen.pattern.test(v)) continue;
    }
    const moved = w.pathVariable ? env(w.pathVariable) : undefined;
    const to = moved && moved.startsWith('/') && !moved.includes('$') ? moved.replace(/(.)\/+$/, '$1') : undefined;
    // A write kept because its setting is on loses `onlyWhen`: readers skip a write that still carries it (not settled, not known on).
    const on = w.onlyWhen ? { ...w, onlyWhen: undefined, what: `${w.what} (${w.onlyWhen.variable}=${env(w.onlyWhen.variable)})` } : w;
    out.push(to && to !== w.path ? { ...on, path: to, what: `${on.what} (${w.pathVariable}=${moved})` } : on);
  }
  return out;
}
