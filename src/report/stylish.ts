// The human report: per file, `line:col  transform-id  message`, then a summary.
import { paint as painted, type Style } from './colors.js';
import type { RunResult } from '../driver.js';
import type { ReportedFinding } from '../engine.js';
import { relPath } from '../model.js';
import type { TransformMeta } from '../types.js';
import { migrationNotes } from './notes.js';
import { verifyTable } from './verify.js';

export interface ReportContext {
  cwd: string;
  color: boolean;
  /** Metadata of the transforms that ran (SARIF rules). */
  transforms?: TransformMeta[];
  /** docker-harden's version (SARIF driver, JSON tool). */
  version?: string;
}

export function stylish(result: RunResult, ctx: ReportContext): string {
  const paint = (s: string, style: Style) => painted(s, style, ctx.color);
  const out: string[] = [];
  const byFile = new Map<string, ReportedFinding[]>();
  for (const f of result.engine.findings) {
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  for (const [file, findings] of [...byFile].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(paint(relPath(ctx.cwd, file), 'underline'));
    for (const f of findings) {
      const state = f.suppressed
        ? paint('suppressed', 'dim')
        : f.withheld
          ? paint('withheld', 'red')
          : f.fixed
          ? paint(result.dryRun ? 'fixable' : 'fixed', 'green')
          : paint(f.severity === 'note' ? 'note' : 'manual', 'yellow');
      const cis = f.cis ? paint(` [CIS ${f.cis}]`, 'dim') : '';
      out.push(`  ${`${f.line}:${f.column}`.padEnd(8)} ${state.padEnd(ctx.color ? 18 : 10)} ${f.transform.padEnd(28)} ${f.message}${cis}`);
      if (!f.fixed && f.manual && !f.withheld) out.push(paint(`  ${''.padEnd(8)} ${''.padEnd(10)} ${''.padEnd(28)} -> ${f.manual}`, 'dim'));
      if (f.withheld) {
        out.push(paint(`  ${''.padEnd(8)} ${''.padEnd(10)} ${''.padEnd(28)} -> ${f.withheld.message}`, 'dim'));
        for (const l of f.withheld.lines.slice(0, 5)) out.push(paint(`  ${''.padEnd(8)} ${''.padEnd(10)} ${''.padEnd(28)}    | ${l}`, 'dim'));
      }
      if (f.suppressed) out.push(paint(`  ${''.padEnd(8)} ${''.padEnd(10)} ${''.padEnd(28)} reason: ${f.suppressed.reason}`, 'dim'));
    }
    out.push('');
  }
  for (const e of result.errors) {
    const where = e.line ? `${e.rel}:${e.line}${e.column ? ':' + e.column : ''}` : e.rel;
    out.push(`${paint('error', 'red')} ${where}: ${e.message}`);
  }
  if (result.errors.length) out.push('');
  const skippedWhy = result.files.filter((f) => f.skipped);
  for (const f of skippedWhy) out.push(`${paint('skipped', 'dim')} ${f.skipped!.line ? `${f.rel}:${f.skipped!.line}` : f.rel}: ${f.skipped!.reason}`);
  if (skippedWhy.length) out.push('');
  const notes = migrationNotes(result.engine.findings);
  if (notes.length) {
    out.push(paint('Migration notes for existing deployments:', 'bold'));
    for (const n of notes) {
      out.push(`  - ${n.message}`);
      if (n.command) out.push(paint(`      $ ${n.command}`, 'cyan'));
    }
    out.push('');
  }
  if (result.verify) out.push(verifyTable(result.verify, ctx.color));
  out.push(summary(result));
  return out.join('\n') + '\n';
}

export function summaryCounts(result: RunResult) {
  const count = (s: string) => result.files.filter((f) => f.status === s).length;
  const findings = result.engine.findings;
  return {
    files: result.files.length,
    changed: count('changed'),
    unchanged: count('unchanged'),
    skipped: count('skipped'),
    failed: count('failed'),
    fixed: findings.filter((f) => f.fixed).length,
    manual: findings.filter((f) => !f.fixed && !f.suppressed && !f.withheld).length,
    suppressed: findings.filter((f) => f.suppressed).length,
    withheld: findings.filter((f) => f.withheld).length,
  };
}

export function summary(result: RunResult): string {
  const c = summaryCounts(result);
  const verb = result.dryRun ? 'would change' : 'changed';
  return (
    `${c.files} files: ${c.changed} ${verb}, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed. ` +
    `${c.fixed} ${result.dryRun ? 'fixable' : 'fixed'}${result.verify ? ' (verified)' : ''}, ${c.manual} left for a human` +
    `${c.withheld ? `, ${c.withheld} withheld by verify` : ''}${c.suppressed ? `, ${c.suppressed} suppressed` : ''}.`
  );
}
