// The markdown report's section on facts found on the engine: which images
// were inspected, from which digest, and which could not be.
import type { InspectReport } from './index.js';

export function inspectionSection(r: InspectReport): string {
  const out = ['### Images inspected on the Docker Engine', ''];
  out.push('Facts for images the knowledge table does not know were read from the images themselves (`--inspect-images`):', '');
  for (const img of r.images) {
    const used = img.usedBy.map((u) => `\`${u}\``).join(', ');
    if (img.facts) {
      const f = img.facts;
      const user = f.existingUser ? `user ${f.existingUser.name} (${f.existingUser.uid}:${f.existingUser.gid})` : 'no non-root user';
      const drop = f.dropsPrivileges ? `; steps down itself (${img.details?.drop ?? 'entrypoint'})` : '';
      out.push(`- \`${img.ref}\` (${used}): ${f.source}${img.cached ? ', from the cache' : ''}. ${f.distro}, USER ${f.defaultUser}, ${user}, ${f.hasShell ? 'a shell' : 'no shell'}${drop}.`);
    } else {
      out.push(`- \`${img.ref}\` (${used}): not inspected: ${r.problem ?? img.problem}. Its findings stay as for an unknown image.`);
    }
  }
  for (const o of r.observations ?? []) out.push(`- \`${o.image}\`: ${o.source}.`);
  out.push('');
  return out.join('\n');
}
