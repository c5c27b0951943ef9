// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. Rules come
// from the transforms' metadata; results point at repo-relative files
// (uriBaseId %SRCROOT%: paths are relative to the working directory, so run
// from the repository root); suppressed findings carry an inSource suppression
// with the reason; fixes hold the replacements against the original text.
//
// Fixes: a fix's edits are in the offsets of the pass it was applied in. For a
// file whose every change came in pass 1, those offsets are the original
// text's, so each finding gets exactly its own edits. When fixes of later
// passes built on earlier ones in a file, per-finding edits cannot be stated
// against the original text; that file's whole change (the hunks of the
// before/after diff, always correct) goes to the first fixed finding of the
// file. Either way, applying every fix of the log gives the tool's output.
import { pathToFileURL } from 'node:url';
import { diffLines } from 'diff';
import type { RunResult } from '../driver.js';
import { GENERATED_FILE, generatedFileRule, type ReportedFinding } from '../engine.js';
import type { TransformMeta } from '../types.js';
import { relPath } from '../model.js';
import { lineColumn } from '../text.js';
import { findingStatus } from './notes.js';
import type { ReportContext } from './stylish.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

interface Replacement {
  deletedRegion: Region;
  insertedContent: { text: string };
}
interface Region {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  charOffset: number;
  charLength: number;
}

export function sarif(result: RunResult, ctx: ReportContext): string {
  return JSON.stringify(buildSarif(result, ctx), null, 2) + '\n';
}

export function buildSarif(result: RunResult, ctx: ReportContext) {
  const transforms = ctx.transforms ?? [];
  const metas = result.engine.findings.some((f) => f.transform === GENERATED_FILE) ? [...transforms, generatedFileRule(transforms)] : transforms;
  const rel = (p: string) => relPath(ctx.cwd, p);
  const original = result.engine.original;
  const findings = result.engine.findings;
  const fixesOf = planFixes(result, rel);

  const results = findings.map((f) => {
    const ruleIndex = metas.findIndex((m) => m.id === f.transform);
    const text = original.get(f.file) ?? '';
    const manual = f.withheld
      ? ` Not applied: --verify withheld this fix: ${f.withheld.message}${f.withheld.lines.length ? ` (${f.withheld.lines.slice(0, 3).join(' | ')})` : ''}`
      : !f.fixed && f.manual
        ? ` To do by hand: ${f.manual}`
        : '';
    const fixes = fixesOf.get(f) ?? [];
    return {
      ruleId: f.transform,
      ...(ruleIndex >= 0 ? { ruleIndex } : {}),
      level: f.severity,
      message: { text: f.message + manual },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: fileUri(rel(f.file)), uriBaseId: SRCROOT },
            region: region(text, f.originalRange[0], f.originalRange[1]),
          },
        },
      ],
      ...(f.suppressed ? { suppressions: [{ kind: 'inSource', status: 'accepted', justification: f.suppressed.reason }] } : {}),
      ...(fixes.length ? { fixes } : {}),
      properties: { status: findingStatus(f, result.dryRun), ...(f.cis ? { cis: f.cis } : {}), ...(f.withheld ? { verify: f.withheld } : {}), ...(f.sources?.length ? { sources: f.sources } : {}) },
    };
  });

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'docker-harden',
            version: ctx.version ?? '0.0.0',
            informationUri: 'https://www.npmjs.com/package/docker-harden',
            rules: metas.map(rule),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: dirUri(ctx.cwd) } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: result.errors.length === 0,
            toolExecutionNotifications: result.errors.map((e) => ({
              level: 'error',
              message: { text: e.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: fileUri(e.rel), uriBaseId: SRCROOT },
                    ...(e.line ? { region: { startLine: e.line, ...(e.column ? { startColumn: e.column } : {}) } } : {}),
                  },
                },
              ],
            })),
          },
        ],
        results,
      },
    ],
  };
}

function rule(m: TransformMeta) {
  const cis = `CIS Docker Benchmark ${m.cis}`;
  return {
    id: m.id,
    name: m.id
      .split(/[/-]/)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: m.description },
    fullDescription: { text: m.help },
    help: {
      text: `${m.help}\n\n${cis}.${m.peers.length ? ` Also flagged by: ${m.peers.join(', ')}.` : ''}`,
      markdown: `${m.help}\n\n**${cis}**${m.peers.length ? `. Also flagged by: ${m.peers.map((p) => `\`${p}\``).join(', ')}.` : ''}`,
    },
    defaultConfiguration: { level: 'warning' },
    properties: { tags: ['security', 'docker', `CIS-${m.cis}`], cis: m.cis, peers: m.peers, fixable: m.fixable },
  };
}

/** The SARIF fixes of each fixed finding (see the header for how). */
function planFixes(result: RunResult, rel: (p: string) => string): Map<ReportedFinding, object[]> {
  const original = result.engine.original;
  const fixed = result.engine.findings.filter((f) => f.fixed && f.fix);
  const laterPass = new Set<string>();
  for (const f of fixed) if ((f.pass ?? 1) > 1) for (const e of f.fix!.edits) laterPass.add(e.file);
  const ownerOf = new Map<string, ReportedFinding>();
  for (const f of fixed) for (const e of f.fix!.edits) if (laterPass.has(e.file) && !ownerOf.has(e.file)) ownerOf.set(e.file, f);

  const out = new Map<ReportedFinding, object[]>();
  for (const f of fixed) {
    const files = [...new Set(f.fix!.edits.map((e) => e.file))].sort();
    const changes: object[] = [];
    let whole = false;
    for (const file of files) {
      const before = original.get(file);
      if (before === undefined) continue;
      let replacements: Replacement[];
      if (!laterPass.has(file)) {
        replacements = f
          .fix!.edits.filter((e) => e.file === file && !(e.range[0] === e.range[1] && e.text === ''))
          .sort((a, b) => a.range[0] - b.range[0])
          .map((e) => ({ deletedRegion: region(before, e.range[0], e.range[1]), insertedContent: { text: e.text } }));
      } else if (ownerOf.get(file) === f) {
        const after = result.engine.changed.get(file) ?? before;
        replacements = diffReplacements(before, after);
        whole = true;
      } else {
        continue;
      }
      if (replacements.length) changes.push({ artifactLocation: { uri: fileUri(rel(file)), uriBaseId: SRCROOT }, replacements });
    }
    if (changes.length) {
      const description = whole
        ? `${f.message} (with the other changes docker-harden makes to the same file, which build on each other)`
        : f.message;
      out.set(f, [{ description: { text: description }, artifactChanges: changes }]);
    }
  }
  return out;
}

/** The hunks of a line diff as replacements against `before`. */
export function diffReplacements(before: string, after: string): Replacement[] {
  const out: Replacement[] = [];
  let offset = 0;
  let pending: { start: number; deleted: number; inserted: string } | undefined;
  const flush = () => {
    if (pending) {
      out.push({ deletedRegion: region(before, pending.start, pending.start + pending.deleted), insertedContent: { text: pending.inserted } });
      pending = undefined;
    }
  };
  for (const part of diffLines(before, after)) {
    if (!part.added && !part.removed) {
      flush();
      offset += part.value.length;
      continue;
    }
    pending ??= { start: offset, deleted: 0, inserted: '' };
    if (part.removed) {
      pending.deleted += part.value.length;
      offset += part.value.length;
    } else {
      pending.inserted += part.value;
    }
  }
  flush();
  return out;
}

function region(text: string, start: number, end: number): Region {
  const s = lineColumn(text, start);
  const e = lineColumn(text, end);
  return { startLine: s.line, startColumn: s.column, endLine: e.line, endColumn: e.column, charOffset: start, charLength: end - start };
}

/** A relative path as a URI reference: each segment percent-encoded, `/` kept. */
function fileUri(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}

function dirUri(dir: string): string {
  const u = pathToFileURL(dir).href;
  return u.endsWith('/') ? u : u + '/';
}
