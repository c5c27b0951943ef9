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
  return [...stylishChunks(result, ctx)].join('');
}

/**
 * The same report in pieces of about `chunk` characters, each ending with a
 * line's newline, so the CLI can write it out as it goes: at 8,000 files the
 * whole report is ~7 MB of string and as much again as the bytes written, at
 * the end of the run, when the model and every finding are still held (issue 13).
 */
export function* stylishChunks(result: RunResult, ctx: ReportContext, chunk = 1 << 14): Generator<string> {
  const paint = (s: string, style: Style) => painted(s, style, ctx.color);
  let out: string[] = [];
  let size = 0;
  const line = (text: string) => {
    out.push(text);
    size += text.length + 1;
  };
  const take = (): string => {
    const piece = out.join('\n') + '\n';
    out = [];
    size = 0;
    return piece;
  };
  const byFile = new Map<string, ReportedFinding[]>();
  for (const f of result.engine.findings) {
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  for (const [file, findings] of [...byFile].sort(([a], [b]) => (a < b ? -1 : 1))) {
    line(paint(relPath(ctx.cwd, file), 'underline'));
    for (const f of findings) {
      const state = f.suppressed
        ? paint('suppressed', 'dim')
        : f.withheld
          ? paint('withheld', 'red')
          : f.fixed
          ? paint(result.dryRun ? 'fixable' : 'fixed', 'green')
          : paint(f.severity === 'note' ? 'note' : 'manual', 'yellow');
      const cis = f.cis ? paint(` [CIS ${f.cis}]`, 'dim') : '';
      line(`  ${`${f.line}:${f.column}`.padEnd(8)} ${state.padEnd(ctx.color ? 18 : 10)} ${f.transform.padEnd(28)} ${f.message}${cis}`);
      if (!f.fixed && f.manual && !f.withheld) line(paint(`  ${''.padEnd(8)} ${''.padEnd(10)} ${''.padEnd(28)} -> ${f.manual}`, 'dim'));
      if (f.withheld) {
        line(paint(`  ${''.padEnd(8)} ${''.padEnd(10)} ${''.padEnd(28)} -> ${f.withheld.message}`, 'dim'));
        for (const l of f.withheld.lines.slice(0, 5)) line(paint(`  ${''.padEnd(8)} ${''.padEnd(10)} ${''.padEnd(28)}    | ${l}`, 'dim'));
      }
      if (f.suppressed) line(paint(`  ${''.padEnd(8)} ${''.padEnd(10)} ${''.padEnd(28)} reason: ${f.suppressed.reason}`, 'dim'));
    }
    line('');
    if (size >= chunk) yield take();
  }
  for (const e of result.errors) {
    const where = e.line ? `${e.rel}:${e.line}${e.column ? ':' + e.column : ''}` : e.rel;
    line(`${paint('error', 'red')} ${where}: ${e.message}`);
  }
  if (result.errors.length) line('');
  const skippedWhy = result.files.filter((f) => f.skipped);
  for (const f of skippedWhy) line(`${paint('skipped', 'dim')} ${f.skipped!.line ? `${f.rel}:${f.skipped!.line}` : f.rel}: ${f.skipped!.reason}`);
  if (skippedWhy.length) line('');
  const notes = migrationNotes(result.engine.findings);
  if (notes.length) {
    line(paint('Migration notes for existing deployments:', 'bold'));
    for (const n of notes) {
      line(`  - ${n.message}`);
      if (n.command) line(paint(`      $ ${n.command}`, 'cyan'));
    }
    line('');
  }
  if (result.verify) line(verifyTable(result.verify, ctx.color));
  line(summary(result));
  yield take();
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
