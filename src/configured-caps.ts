// Capabilities an image's root start needs only where the service's configuration turns a feature on
// (ImageFacts.configuredCaps: telegraf's ping input with method = "native"). The configuration is read from the files
// the service mounts from the repository, never guessed: a service whose configuration is not there gets nothing added.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { Project, ServiceLink } from './model.js';
import type { ImageFacts } from './knowledge/images.js';
import { mountMappings, resolveContainerPath } from './nginx-files.js';
import { isDirectory, sortedDirEntries } from './read.js';

/** The capabilities the configured feature needs, why, and the file (relative to its root) that turns it on. */
export function configuredCapsNeeded(project: Project, s: ServiceLink, facts: ImageFacts | undefined): { caps: string[]; why: string; where: string } | undefined {
  const need = facts?.configuredCaps;
  if (!need) return undefined;
  const mappings = mountMappings(project, s);
  const files: string[] = [];
  for (const f of need.files) {
    const r = resolveContainerPath(mappings, f);
    if (r?.exists && r.hostPath) files.push(r.hostPath);
  }
  for (const d of need.dirs) {
    const m = [...mappings].reverse().find((x) => x.containerPath === d && x.hostPath);
    if (!m?.hostPath || !isDirectory(m.hostPath)) continue;
    for (const e of sortedDirEntries(m.hostPath)) if (e.isFile() && e.name.endsWith('.conf')) files.push(path.join(m.hostPath, e.name));
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
    } catch {
      continue;
    }
    if (tomlSections(text, need.section).some((body) => need.setting.test(body))) {
      const root = project.roots.find((r) => file.startsWith(r + path.sep));
      return { caps: [...need.caps], why: need.why, where: root ? path.relative(root, file).split(path.sep).join('/') : path.basename(file) };
    }
  }
  return undefined;
}

/** The bodies of each `[[name]]` (or `[name]`) table of a TOML text, comments dropped: up to the next table header. */
export function tomlSections(text: string, name: string): string[] {
  const out: string[] = [];
  let body: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '');
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*$/.exec(line);
    if (header) {
      if (body) out.push(body.join('\n'));
      body = header[1] === name ? [] : undefined;
      continue;
    }
    body?.push(line);
  }
  if (body) out.push(body.join('\n'));
  return out;
}
