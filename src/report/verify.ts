// The evidence of --verify as people read it: one table per project, a row
// per service, each cell "before → after" (builds, state, health, UID,
// read-only root, capabilities, no-new-privileges), then the fixes withheld
// and why. `verifiedSection` is the pull-request body's section, complete on
// its own so a bot can put it in any PR body it writes.
import { paint as painted, type Style } from './colors.js';
import type { ServiceEvidence, ServiceReport, ServiceStatus, VerifyReport } from '../verify/types.js';
import { code, inline as md } from './md.js';

export const VERIFY_COLUMNS = ['service', 'result', 'builds', 'state', 'health', 'uid', 'read-only', 'capabilities', 'no-new-privileges'] as const;

const STATUS_TEXT: Record<ServiceStatus, string> = {
  verified: 'verified',
  unchanged: 'unchanged',
  withheld: 'fixes withheld',
  'broken-at-baseline': 'broken before',
  failed: 'still failing',
};

/** The cells of one service's row (before → after). */
export function verifyRow(s: ServiceReport): string[] {
  const b = s.baseline;
  const h = s.hardened;
  const pair = (f: (e: ServiceEvidence) => string) => {
    const before = f(b);
    if (!h) return before;
    const after = f(h);
    return before === after ? before : `${before} → ${after}`;
  };
  return [
    s.name,
    STATUS_TEXT[s.status],
    pair((e) => (e.built === null ? 'image' : e.built ? 'yes' : 'no')),
    pair(stateText),
    pair((e) => (e.state === 'running' ? (e.health ?? '-') : '-')),
    pair((e) => (e.uid === null ? '-' : e.gid !== null && e.gid !== e.uid ? `${e.uid}:${e.gid}` : String(e.uid))),
    pair((e) => (e.readOnlyRootfs === null ? '-' : e.readOnlyRootfs ? 'yes' : 'no')),
    pair(capsText),
    pair((e) => (e.noNewPrivs === null ? '-' : e.noNewPrivs ? 'yes' : 'no')),
  ];
}

function stateText(e: ServiceEvidence): string {
  if (e.state === 'exited' || e.state === 'dead') return `exited ${e.exitCode ?? '?'}`;
  if (e.restarts > 0 && e.state !== 'not-started') return `${e.state} (${e.restarts} restarts)`;
  return e.state;
}

function capsText(e: ServiceEvidence): string {
  if (e.caps === null) return '-';
  if (e.caps.length === 0) return 'none';
  return e.caps.length <= 3 ? e.caps.join(',') : `${e.caps.length} caps`;
}

export function verifyHeading(r: VerifyReport): string {
  const seconds = Math.round(r.durationMs / 1000);
  const took = seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
  const projects = r.targets.length;
  return `Verified on Docker Engine ${r.engine.version} with ${r.engine.compose} (${projects} ${projects === 1 ? 'project' : 'projects'}, ${r.boots} boots, ${took})`;
}

/** The evidence as text tables for the terminal report. */
export function verifyTable(r: VerifyReport, color: boolean): string {
  const paint = (s: string, style: Style) => painted(s, style, color);
  const out: string[] = [paint(verifyHeading(r), 'bold')];
  if (r.targets.length === 0) out.push('  Nothing to run: no compose project and no runtime Dockerfile.');
  for (const t of r.targets) {
    out.push('', paint(t.label, 'underline'));
    if (t.error) out.push(`  ${paint('could not run', 'red')}: ${t.error}`);
    const rows = [[...VERIFY_COLUMNS], ...t.services.map(verifyRow)];
    const widths = VERIFY_COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    rows.forEach((row, i) => {
      const line = row.map((cell, j) => cell.padEnd(widths[j]!)).join('  ').trimEnd();
      const status = t.services[i - 1]?.status;
      const colored = i === 0 ? paint(line, 'dim') : status === 'verified' || status === 'unchanged' ? line : paint(line, 'yellow');
      out.push(`  ${colored}`);
    });
    for (const s of t.services) {
      if (s.baselineProblem) out.push(paint(`  ${s.name}: not judged, broken before hardening: ${s.baselineProblem}`, 'dim'));
    }
    for (const n of t.notes) out.push(paint(`  note: ${n}`, 'dim'));
  }
  const broke = r.withheldFixes.filter((w) => w.evidence.reason === 'broke');
  const unverified = r.withheldFixes.length - broke.length;
  out.push(
    '',
    `${broke.length} ${broke.length === 1 ? 'fix' : 'fixes'} withheld because ${broke.length === 1 ? 'it' : 'they'} broke a service, ${unverified} withheld as unverified.` +
      (r.kept.length ? ` Containers kept running (--keep): ${r.kept.length} ${r.kept.length === 1 ? 'project' : 'projects'}.` : ''),
  );
  return out.join('\n') + '\n';
}

/**
 * "Verified on Docker Engine <version>": the per-service table of each
 * project and the fixes held back with their evidence, as Markdown.
 */
export function verifiedSection(r: VerifyReport): string {
  const out: string[] = [`### ${md(verifyHeading(r))}`, ''];
  out.push('Each project was built and started before and after hardening on a real engine; cells show before → after.', '');
  for (const t of r.targets) {
    out.push(`#### \`${code(t.label)}\``, '');
    if (t.error) out.push(`Could not run: ${md(t.error)}`, '');
    out.push(`| ${VERIFY_COLUMNS.join(' | ')} |`, `|${VERIFY_COLUMNS.map(() => ' --- ').join('|')}|`);
    for (const s of t.services) out.push(`| ${verifyRow(s).map(cell).join(' | ')} |`);
    out.push('');
    for (const s of t.services) if (s.baselineProblem) out.push(`- \`${code(s.name)}\` does not work before hardening either (${md(s.baselineProblem)}); its fixes are not verified.`);
    if (t.services.some((s) => s.baselineProblem)) out.push('');
  }
  if (r.withheldFixes.length) {
    out.push('**Withheld fixes** (not applied; left for a human):', '');
    for (const w of r.withheldFixes) {
      out.push(`- [ ] \`${code(`${w.path}:${w.line}`)}\` **${w.transform}**: ${md(w.message)}`);
      out.push(`  - ${w.evidence.reason === 'broke' ? 'Why' : 'Unverified'}: ${md(w.evidence.message)}`);
      if (w.evidence.lines.length) {
        out.push('', '    ```text', ...w.evidence.lines.slice(0, 8).map((l) => `    ${l.replace(/```/g, "'''")}`), '    ```', '');
      }
    }
    if (out[out.length - 1] !== '') out.push('');
  }
  return out.join('\n') + '\n';
}

/** A table cell: no pipes, no newlines. */
function cell(s: string): string {
  return md(s).replace(/\|/g, '\\|');
}
