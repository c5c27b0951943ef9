// Install-tree writes (knowledge: InstallWrite) that the repository's own
// configuration turns off: tomcat's unpack into webapps/ when the server.xml
// the build copies in (or a compose bind mount puts there) says
// unpackWARs="false". The transforms read the stage's base through this, so
// neither chowns nor keeps writable a folder the server no longer writes.
import { readFileSync } from 'node:fs';
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import type { StageBase } from './dockerfile-info.js';
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

/** The base with the install writes its configuration turns off left out (the same object when none is). */
export function baseWithInstallSettings(project: Project, df: DockerfileSource, base: StageBase, services: ServiceLink[]): StageBase {
  const off = installWritesOff(project, df, base, services);
  if (!off.size || !base.facts) return base;
  return { ...base, facts: { ...base.facts, installWrites: base.facts.installWrites.filter((w) => !off.has(w.path)) } };
}
