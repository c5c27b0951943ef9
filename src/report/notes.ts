// Facts every report shows the same way: a finding's state and the migration
// notes of the changes made, de-duplicated.
import type { ReportedFinding } from '../engine.js';
import type { MigrationNote } from '../types.js';

export type FindingStatus = 'fixed' | 'fixable' | 'manual' | 'suppressed' | 'withheld';

/** `fixable` in a dry run (the fix would apply), `fixed` when written; `withheld` when --verify held the fix back. */
export function findingStatus(f: ReportedFinding, dryRun: boolean): FindingStatus {
  if (f.suppressed) return 'suppressed';
  if (f.withheld) return 'withheld';
  if (f.fixed) return dryRun ? 'fixable' : 'fixed';
  return 'manual';
}

const KIND_ORDER: MigrationNote['kind'][] = ['volume-chown', 'bind-mount', 'docker-gid', 'port-moved', 'other'];

/**
 * The notes of the fixes that were applied (or would be, in a dry run):
 * a note describes a step that a change implies, so findings left for a
 * human or suppressed contribute none. Notes with the same command (or, without
 * one, the same text) appear once.
 */
export function migrationNotes(findings: ReportedFinding[]): MigrationNote[] {
  const seen = new Map<string, MigrationNote>();
  for (const f of findings) {
    if (!f.fixed || f.suppressed) continue;
    for (const n of f.notes ?? []) {
      // One step per command: two services on one volume need one chown, not two.
      const key = n.command ? `${n.kind}\0${n.command}` : `${n.kind}\0${n.message}`;
      if (!seen.has(key)) seen.set(key, { kind: n.kind, message: n.message, ...(n.command ? { command: n.command } : {}) });
    }
  }
  return [...seen.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}
