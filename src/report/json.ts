// The machine-readable report. Its shape is documented by docs/report.schema.json
// (bump REPORT_SCHEMA_VERSION on any incompatible change).
import type { RunResult } from '../driver.js';
import type { ReportedFinding } from '../engine.js';
import type { MigrationNote, Severity, WithheldEvidence } from '../types.js';
import type { VerifyReport } from '../verify/types.js';
import { relPath } from '../model.js';
import { lineColumn } from '../text.js';
import { unifiedDiff } from './diff.js';
import { findingStatus, migrationNotes, type FindingStatus } from './notes.js';
import { summaryCounts, type ReportContext } from './stylish.js';

// 2: summary.withheld, finding status 'withheld' with its evidence, and `verify` (the --verify run, or null).
export const REPORT_SCHEMA_VERSION = 2;

export interface JsonReport {
  schemaVersion: number;
  tool: { name: 'docker-harden'; version: string };
  dryRun: boolean;
  summary: ReturnType<typeof summaryCounts>;
  /** `skipped`: why a file read and then skipped was skipped (template content), with the line that shows it. */
  files: { path: string; status: 'changed' | 'unchanged' | 'skipped' | 'failed'; diff?: string; skipped?: { line?: number; reason: string } }[];
  findings: JsonFinding[];
  migrationNotes: MigrationNote[];
  errors: { path: string; line?: number; column?: number; message: string }[];
  /** The --verify run: evidence per service before and after, and the fixes withheld; null without --verify. */
  verify: VerifyReport | null;
  /** Images read on the engine (--inspect-images): facts with their source (image@digest), or why not; absent when inspection did not run. */
  inspection?: JsonInspectedImage[];
  /** What verify's baseline run saw images built here write at start; absent when nothing was observed. */
  observedBuilds?: { dockerfile: string; stage: number; services: string[]; writes: { path: string; kind: 'dir' | 'file' | 'dir-of'; source: string; keeps?: string }[] }[];
}

export interface JsonInspectedImage {
  ref: string;
  usedBy: string[];
  /** `inspected: ref@digest` */
  source?: string;
  digest?: string;
  cached?: boolean;
  problem?: string;
  facts?: Record<string, unknown>;
  details?: Record<string, unknown>;
  /** What verify's baseline run showed it writing: directories carved out under read_only, or why they stay unknown. */
  observed?: { services: string[]; writes: string[]; listening?: number[]; unknown?: string; source: string };
}

export interface JsonFinding {
  transform: string;
  cis: string | null;
  severity: Severity;
  message: string;
  status: FindingStatus;
  fixed: boolean;
  path: string;
  /** 1-based, in the original text; end is exclusive. */
  position: { line: number; column: number; endLine: number; endColumn: number; offset: number; length: number };
  manual?: string;
  suppressed?: { reason: string };
  /** Why --verify held the fix back. */
  withheld?: WithheldEvidence;
  /** Pass of the engine that applied the fix (1-based); null when it was not applied. */
  pass: number | null;
  /** The fix's edits, in offsets of each file's text at the start of `pass` (pass 1: the original text); for a fix not applied, of the final text. */
  edits: { path: string; offset: number; length: number; text: string }[];
  notes: MigrationNote[];
  /** Where the facts behind it came from beyond its own file (knowledge-table sources, the engine, the Dockerfile that builds the image). */
  sources?: string[];
}

export function jsonReport(result: RunResult, ctx: ReportContext): string {
  return JSON.stringify(buildJsonReport(result, ctx), null, 2) + '\n';
}

export function buildJsonReport(result: RunResult, ctx: ReportContext): JsonReport {
  const rel = (p: string) => relPath(ctx.cwd, p);
  const diffs = new Map(result.changes.map((c) => [c.rel, unifiedDiff([c])]));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'docker-harden', version: ctx.version ?? '0.0.0' },
    dryRun: result.dryRun,
    summary: summaryCounts(result),
    files: result.files.map((f) => ({ path: f.rel, status: f.status, ...(diffs.has(f.rel) ? { diff: diffs.get(f.rel)! } : {}), ...(f.skipped ? { skipped: f.skipped } : {}) })),
    findings: result.engine.findings.map((f) => jsonFinding(f, result, rel)),
    migrationNotes: migrationNotes(result.engine.findings),
    errors: result.errors.map((e) => ({
      path: e.rel,
      ...(e.line ? { line: e.line } : {}),
      ...(e.column ? { column: e.column } : {}),
      message: e.message,
    })),
    verify: result.verify ?? null,
    ...(result.inspection ? { inspection: inspectionJson(result) } : {}),
    ...(result.observedBuilds?.length
      ? { observedBuilds: result.observedBuilds.map((o) => ({ ...o, writes: o.writes.map((w) => ({ path: w.path, kind: w.kind, source: w.how, ...(w.keeps ? { keeps: w.keeps } : {}) })) })) }
      : {}),
  };
}

function inspectionJson(result: RunResult): JsonInspectedImage[] {
  const imgs = result.inspection?.images ?? [];
  const noEngine = result.inspection?.problem;
  return imgs.map((i) => ({
    ref: i.ref,
    usedBy: i.usedBy,
    ...(i.facts ? { source: i.facts.source, digest: i.digest, cached: i.cached ?? false, facts: { ...i.facts }, details: { ...i.details } } : {}),
    ...(i.problem ? { problem: noEngine ?? i.problem } : {}),
    ...observedJson(result.inspection?.observations?.find((o) => o.image === i.ref)),
  }));
}

function observedJson(o: { services: string[]; writes: string[]; listening?: number[]; unknown?: string; source: string } | undefined): Pick<JsonInspectedImage, 'observed'> {
  return o ? { observed: { services: o.services, writes: o.writes, ...(o.listening ? { listening: o.listening } : {}), ...(o.unknown ? { unknown: o.unknown } : {}), source: o.source } } : {};
}

function jsonFinding(f: ReportedFinding, result: RunResult, rel: (p: string) => string): JsonFinding {
  const text = result.engine.original.get(f.file) ?? '';
  const [start, end] = f.originalRange;
  const endPos = lineColumn(text, end);
  return {
    transform: f.transform,
    cis: f.cis ?? null,
    severity: f.severity,
    message: f.message,
    status: findingStatus(f, result.dryRun),
    fixed: f.fixed,
    path: rel(f.file),
    position: { line: f.line, column: f.column, endLine: endPos.line, endColumn: endPos.column, offset: start, length: end - start },
    ...(f.manual && !f.fixed ? { manual: f.manual } : {}),
    ...(f.suppressed ? { suppressed: { reason: f.suppressed.reason } } : {}),
    ...(f.withheld ? { withheld: f.withheld } : {}),
    pass: f.fixed ? (f.pass ?? 1) : null,
    edits: (f.fix?.edits ?? []).map((e) => ({ path: rel(e.file), offset: e.range[0], length: e.range[1] - e.range[0], text: e.text })),
    notes: f.notes ?? [],
    ...(f.sources?.length ? { sources: f.sources } : {}),
  };
}
