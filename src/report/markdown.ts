// A pull-request body: what changed and why (per file), what is left for a
// human, what was suppressed, the migration notes, and a test plan checklist.
import type { RunResult } from '../driver.js';
import type { ReportedFinding } from '../engine.js';
import { relPath } from '../model.js';
import { migrationNotes } from './notes.js';
import { keepHints, REASON_PLACEHOLDER } from './keep.js';
import { summaryCounts, type ReportContext } from './stylish.js';
import { code, inline } from './md.js';
import { verifiedSection } from './verify.js';
import { inspectionSection } from '../inspect/report.js';

export function markdown(result: RunResult, ctx: ReportContext): string {
  const rel = (p: string) => relPath(ctx.cwd, p);
  const findings = result.engine.findings;
  const fixed = findings.filter((f) => f.fixed && !f.suppressed);
  const manual = findings.filter((f) => !f.fixed && !f.suppressed && !f.withheld);
  const suppressed = findings.filter((f) => f.suppressed);
  const notes = migrationNotes(findings);
  const c = summaryCounts(result);
  const out: string[] = [];

  out.push('## Harden Dockerfiles and compose files', '');
  out.push(
    `docker-harden ${result.dryRun ? 'would change' : 'changed'} ${c.changed} of ${c.files} files ` +
      `(${c.fixed} ${c.fixed === 1 ? 'fix' : 'fixes'}${result.verify ? ', each verified on a Docker Engine' : ''}; ${c.manual} left for a human` +
      `${c.withheld ? `; ${c.withheld} withheld because verify could not show them safe` : ''}${c.suppressed ? `; ${c.suppressed} suppressed` : ''}).`,
    '',
  );

  if (fixed.length) {
    out.push('### What changed and why', '');
    for (const [file, list] of byFile(fixed)) {
      out.push(`#### \`${code(rel(file))}\``, '');
      for (const f of list) out.push(`- ${finding(f)}`);
      out.push('');
    }
  }

  if (result.verify) out.push(verifiedSection(result.verify));
  if (result.inspection?.images.length) out.push(inspectionSection(result.inspection));
  if (result.observedBuilds?.length) {
    out.push('### Observed in the baseline run', '', 'What the services of images built here wrote at start (`docker diff`), which no file of the repository says:', '');
    for (const o of result.observedBuilds) {
      const writes = o.writes.map((w) => `\`${code(w.path)}\`${w.kind === 'dir-of' ? ' (a file in it)' : w.kind === 'file' ? ' (changed in place)' : ''}${w.keeps ? `, data kept across restarts: ${inline(w.keeps)}` : ''}`);
      out.push(`- \`${code(o.dockerfile)}\` (${o.services.map((s) => `\`${code(s)}\``).join(', ')}): ${writes.join('; ')}.`);
    }
    out.push('');
  }

  if (manual.length) {
    out.push('### Left for a human', '');
    for (const f of manual) {
      out.push(`- [ ] \`${code(`${rel(f.file)}:${f.line}`)}\` ${finding(f)}`);
      if (f.manual) out.push(`  - To do: ${inline(f.manual)}`);
    }
    out.push('');
  }

  if (suppressed.length) {
    out.push('### Suppressed', '');
    for (const f of suppressed) out.push(`- \`${code(`${rel(f.file)}:${f.line}`)}\` ${finding(f)} — reason: ${inline(f.suppressed!.reason)}`);
    out.push('');
  }

  if (notes.length) {
    out.push('### Migration notes for existing deployments', '');
    for (const n of notes) {
      out.push(`- ${inline(n.message)}`);
      if (n.command) out.push('', '  ```sh', `  ${n.command}`, '  ```', '');
    }
    if (out[out.length - 1] !== '') out.push('');
  }

  if (result.errors.length) {
    out.push('### Errors', '');
    for (const e of result.errors) out.push(`- \`${code(e.line ? `${e.rel}:${e.line}` : e.rel)}\`: ${inline(e.message)}`);
    out.push('');
  }

  out.push(...sourcesSection(fixed, rel));
  out.push(...keepSection(result));

  out.push('### Test plan', '');
  const changed = result.files.filter((f) => f.status === 'changed').map((f) => f.rel);
  const composeChanged = result.engine.project.composes.some((cf) => changed.includes(cf.rel));
  const dockerChanged = result.engine.project.dockerfiles.some((df) => changed.includes(df.rel));
  if (result.verify) {
    out.push(`- [x] Built and started before and after on Docker Engine ${result.verify.engine.version} (\`docker-harden --verify\`); see the table above`);
  }
  if (dockerChanged) out.push('- [ ] Images build: `docker compose build` (or `docker build` for each changed Dockerfile)');
  if (composeChanged) out.push('- [ ] The compose files still validate: `docker compose config --quiet`');
  out.push('- [ ] The stack starts and every service becomes healthy: `docker compose up -d && docker compose ps`');
  out.push('- [ ] Services can write where they need to (uploads, caches, data volumes) and nothing logs "permission denied"');
  if (notes.length) out.push('- [ ] The migration notes above are done on every existing deployment before it is updated');
  out.push('- [ ] `npx docker-harden --dry-run` reports nothing left to change');
  return out.join('\n') + '\n';
}

/**
 * "How to keep a service as it is": the suppression comment for every finding,
 * in a folded block (it is long, and only a reviewer who disagrees needs it).
 */
function keepSection(result: RunResult): string[] {
  const hints = keepHints(result);
  if (!hints.length) return [];
  const out = [
    '### How to keep a service as it is',
    '',
    '<details><summary>The comment that keeps each change out, and where it goes</summary>',
    '',
    `To keep a change out, add its line where shown, with your reason in place of \`${REASON_PLACEHOLDER}\`, and drop the lines of the changes you accept. ` +
      'docker-harden then leaves that transform alone there on every later run (the finding is listed as suppressed, with your reason).',
    '',
  ];
  for (const h of hints) {
    const where = h.anchor ? `${h.scope}, above line ${h.line}` : h.lang === 'dockerfile' ? 'anywhere in the file, below any `# syntax=` or `# escape=` line' : 'anywhere in the file';
    const lines = h.anchor ? [...h.comments, h.anchor] : h.comments;
    const fence = fenceFor(lines);
    out.push(`- \`${code(h.rel)}\`, ${inline(where)}:`, '', `  ${fence}${h.lang}`, ...lines.map((l) => `  ${l}`), `  ${fence}`, '');
  }
  out.push('</details>', '');
  return out;
}

/**
 * What the changes rest on beyond the repository's own files (knowledge-table
 * rows and their upstream sources, images read on the engine), once each, with
 * the services whose changes use it: a reviewer can check a fact at its source.
 */
/** Sources that are files of the repository itself (the JSON report lists them; the PR body names only outside facts). */
const REPOSITORY_SOURCE = /^(?:Dockerfile: |image |compose: |nginx configuration: )/;

function sourcesSection(fixed: ReportedFinding[], rel: (p: string) => string): string[] {
  const where = new Map<string, string[]>();
  for (const f of fixed) {
    for (const s of f.sources ?? []) {
      if (REPOSITORY_SOURCE.test(s)) continue; // the repository's own files, named in the changes
      const service = /^service (\S+):/.exec(f.message)?.[1];
      const at = `${rel(f.file)}${service ? ` (${service})` : ''}`;
      const list = where.get(s) ?? [];
      if (!list.includes(at)) list.push(at);
      where.set(s, list);
    }
  }
  if (!where.size) return [];
  const out = ['### Sources', '', 'Facts about images the changes rest on, beyond the files of this repository:', ''];
  for (const [source, ats] of where) out.push(`- ${inline(source)}: used for ${ats.map((a) => `\`${code(a)}\``).join(', ')}`);
  out.push('');
  return out;
}

/** A code fence longer than any backtick run in the lines it holds. */
function fenceFor(lines: string[]): string {
  const longest = Math.max(0, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
  return '`'.repeat(Math.max(3, longest + 1));
}

function finding(f: ReportedFinding): string {
  return `**${f.transform}**${f.cis ? ` (CIS ${f.cis})` : ''}: ${inline(f.message)}`;
}

function byFile(list: ReportedFinding[]): Map<string, ReportedFinding[]> {
  const m = new Map<string, ReportedFinding[]>();
  for (const f of list) m.set(f.file, [...(m.get(f.file) ?? []), f]);
  return m;
}
