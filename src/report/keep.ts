// "How to keep a service as it is": for every finding, the exact suppression
// comment (src/suppress.ts) and the line it goes above, so a reviewer who wants
// one change out of a pull request writes one comment instead of editing the
// diff (the next run would put the change back). Places are computed on the
// original text, where the reviewer's branch still has them.
import type { RunResult } from '../driver.js';
import type { ReportedFinding } from '../engine.js';
import { parseSource, type SourceFile } from '../model.js';
import { lineStarts } from '../text.js';

export interface KeepHint {
  /** Absolute path and display path of the file the comment goes into. */
  file: string;
  rel: string;
  /** Who the comment covers, plain text: `service api`, `stage FROM python:3.12-slim`, `the whole file`. */
  scope: string;
  /** The line the comment goes directly above, as written (without its line break); absent: anywhere in the file. */
  anchor?: string;
  /** 1-based line of the anchor in the original file. */
  line?: number;
  /** The comment lines, one per transform, indented like the anchor. */
  comments: string[];
  /** Code-fence language of the snippet. */
  lang: 'dockerfile' | 'yaml' | 'sh' | 'nginx';
}

export const REASON_PLACEHOLDER = '<reason>';

/** One hint per place (a stage, a service, a whole file), in file order; suppressed findings need none. */
export function keepHints(result: RunResult): KeepHint[] {
  const byPlace = new Map<string, KeepHint & { offset: number; ids: string[] }>();
  const sources = new Map<string, SourceFile | undefined>();
  for (const f of result.engine.findings) {
    if (f.suppressed) continue;
    if (!sources.has(f.file)) sources.set(f.file, originalSource(result, f.file));
    const src = sources.get(f.file);
    if (!src) continue;
    const place = placeOf(src, f);
    const key = `${f.file}\0${place.offset}\0${place.fileWide}`;
    let hint = byPlace.get(key);
    if (!hint) {
      hint = { file: f.file, rel: src.rel, scope: place.scope, anchor: place.anchor, line: place.line, comments: [], lang: place.lang, offset: place.offset, ids: [] };
      byPlace.set(key, hint);
    }
    if (!hint.ids.includes(f.transform)) hint.ids.push(f.transform);
  }
  return [...byPlace.values()]
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : a.offset - b.offset))
    .map(({ offset: _offset, ids, ...hint }) => {
      const indent = hint.anchor ? /^[ \t]*/.exec(hint.anchor)![0] : '';
      const directive = hint.anchor ? 'docker-harden-ignore' : 'docker-harden-ignore-file';
      return { ...hint, comments: ids.map((id) => `${indent}# ${directive} ${id} -- ${REASON_PLACEHOLDER}`) };
    });
}

/** The file as it was before this run (the model holds the hardened text of changed files). */
function originalSource(result: RunResult, file: string): SourceFile | undefined {
  const src = result.engine.project.files.get(file);
  const original = result.engine.original.get(file);
  if (!src || original === undefined) return undefined;
  if (src.text === original) return src;
  try {
    return parseSource(src.kind, { ...src, text: original }, src.rel, src.root);
  } catch {
    return undefined; // the original parsed once already; this cannot fail, and if it did the hint is only advice
  }
}

interface Place {
  offset: number;
  fileWide: boolean;
  scope: string;
  anchor?: string;
  line?: number;
  lang: KeepHint['lang'];
}

/**
 * Where a comment suppresses this finding, following src/suppress.ts: above
 * the FROM of the Dockerfile stage that holds it, above the compose service key
 * that holds it, else a file-wide comment.
 */
function placeOf(src: SourceFile, f: ReportedFinding): Place {
  const at = f.originalRange[0];
  const text = src.text;
  const starts = lineStarts(text);
  const lineText = (line0: number) => text.slice(starts[line0], line0 + 1 < starts.length ? starts[line0 + 1] : text.length).replace(/\r?\n$/, '').replace(/^\uFEFF/, '');
  if (src.kind === 'dockerfile') {
    const stage = src.parsed.stages.find((s) => {
      const last = s.instructions[s.instructions.length - 1] ?? s.from;
      return at >= s.from.start && at <= last.end;
    });
    if (stage) {
      return { offset: stage.from.start, fileWide: false, scope: `stage ${stage.from.raw.split(/\r?\n/)[0].trim()}`, anchor: lineText(stage.from.line), line: stage.from.line + 1, lang: 'dockerfile' };
    }
    return { offset: 0, fileWide: true, scope: 'the whole file', lang: 'dockerfile' };
  }
  if (src.kind === 'compose') {
    for (const doc of src.parsed.docs) {
      for (const svc of doc.services) {
        const key = svc.keyNode.range;
        if (!key) continue;
        const end = (svc.pair.value as { range?: [number, number, number] } | null)?.range?.[2] ?? key[2];
        if (at < key[0] || at > end) continue;
        let line0 = 0;
        while (line0 + 1 < starts.length && starts[line0 + 1] <= key[0]) line0++;
        return { offset: key[0], fileWide: false, scope: `service ${svc.name}`, anchor: lineText(line0), line: line0 + 1, lang: 'yaml' };
      }
    }
    return { offset: 0, fileWide: true, scope: 'the whole file', lang: 'yaml' };
  }
  return { offset: 0, fileWide: true, scope: 'the whole file', lang: src.kind === 'nginx' ? 'nginx' : 'sh' };
}
