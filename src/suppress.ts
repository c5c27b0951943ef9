// Inline suppression comments, in both file kinds:
//   # docker-harden-ignore <transform-id>[,<id>...] -- <reason>
//   # docker-harden-ignore-file <transform-id>[,<id>...] -- <reason>
// Dockerfile: in the comment lines directly above an instruction, for that
// instruction (above a FROM: for the whole stage). Compose: in the comment
// lines directly above a service's key, or at the end of the key's line, for
// that service. `-file` anywhere in a file: for the whole file. The engine
// marks matching findings suppressed (with the reason) and never applies them.
import type { Node } from 'yaml';
import type { Finding } from './types.js';
import type { Project, SourceFile } from './model.js';
import { lineStarts } from './text.js';

export interface Directive {
  transforms: string[];
  reason: string;
  /** 1-based line of the comment. */
  line: number;
  fileWide: boolean;
}

/** A directive with the offsets it covers (inclusive) in the file's current text. */
export interface SuppressionScope {
  directive: Directive;
  range: [number, number];
}

const NO_REASON = '(no reason given)';

/** Parse the text after `#`; undefined when it is not a directive. */
export function parseDirective(comment: string, line: number): Directive | undefined {
  const m = /^docker-harden-ignore(-file)?(?:\s+(.*))?$/.exec(comment.trim());
  if (!m) return undefined;
  const [idsPart, ...reasonParts] = (m[2] ?? '').split(/(?:^|\s+)--(?:\s+|$)/);
  const transforms = idsPart.split(/[\s,]+/).filter(Boolean);
  if (transforms.length === 0) return undefined;
  const reason = reasonParts.join(' -- ').trim();
  return { transforms, reason: reason || NO_REASON, line, fileWide: !!m[1] };
}

/** Every suppression scope in one file. */
export function suppressionScopes(src: SourceFile): SuppressionScope[] {
  const text = src.text;
  const whole: [number, number] = [0, text.length];
  const out: SuppressionScope[] = [];
  if (src.kind === 'dockerfile') {
    const df = src.parsed;
    const commentByLine = new Map(df.comments.map((c) => [c.line, c]));
    for (const c of df.comments) {
      const d = parseDirective(c.text, c.line + 1);
      if (d?.fileWide) out.push({ directive: d, range: whole });
    }
    for (const ins of df.instructions) {
      let end = ins.end;
      if (ins.keyword === 'FROM') {
        const stage = df.stages[ins.stage];
        const last = stage?.instructions[stage.instructions.length - 1];
        if (last) end = last.end;
      }
      // The block of comment lines that ends on the line directly above the instruction.
      for (let line = ins.line - 1; commentByLine.has(line); line--) {
        const d = parseDirective(commentByLine.get(line)!.text, line + 1);
        if (d && !d.fileWide) out.push({ directive: d, range: [ins.start, end] });
      }
    }
    return out;
  }

  const starts = lineStarts(text);
  const lineText = (i: number) => text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : text.length).replace(/\r?\n$/, '');
  const commentOnly = (i: number): string | undefined => /^\s*#(.*)$/.exec(lineText(i))?.[1];
  for (let i = 0; i < starts.length; i++) {
    const m = /(?:^|\s)#\s*(docker-harden-ignore-file\b.*)$/.exec(lineText(i));
    const d = m && parseDirective(m[1], i + 1);
    if (d?.fileWide) out.push({ directive: d, range: whole });
  }
  if (src.kind !== 'compose') return out;

  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  for (const doc of src.parsed.docs) {
    for (const svc of doc.services) {
      const keyRange = svc.keyNode.range;
      if (!keyRange) continue;
      const value = svc.pair.value as Node | null;
      const range: [number, number] = [keyRange[0], value?.range?.[2] ?? keyRange[2]];
      const keyLine = lineOf(keyRange[0]);
      const trailing = /(?:^|\s)#\s*(docker-harden-ignore\b.*)$/.exec(text.slice(keyRange[1], starts[keyLine] + lineText(keyLine).length));
      const found: Directive[] = [];
      if (trailing) {
        const d = parseDirective(trailing[1], keyLine + 1);
        if (d) found.push(d);
      }
      for (let line = keyLine - 1; line >= 0; line--) {
        const c = commentOnly(line);
        if (c === undefined) break;
        const d = parseDirective(c, line + 1);
        if (d) found.push(d);
      }
      for (const d of found) if (!d.fileWide) out.push({ directive: d, range });
    }
  }
  return out;
}

/**
 * The engine's `suppress` hook for inline comments. Scopes are computed once
 * per file text (the model gives a changed file a new SourceFile).
 */
export function inlineSuppressions(): (finding: Finding, project: Project) => { reason: string } | undefined {
  const cache = new WeakMap<SourceFile, SuppressionScope[]>();
  return (finding, project) => {
    const src = project.files.get(finding.file);
    if (!src) return undefined;
    let scopes = cache.get(src);
    if (!scopes) {
      scopes = suppressionScopes(src);
      cache.set(src, scopes);
    }
    const at = finding.range[0];
    const hit = scopes.find((s) => s.directive.transforms.includes(finding.transform) && at >= s.range[0] && at <= s.range[1]);
    return hit ? { reason: hit.directive.reason } : undefined;
  };
}

/**
 * Directives that name a transform that does not exist: a typo there would
 * silently suppress nothing, so the driver reports each as a file error.
 */
export function unknownDirectiveIds(src: SourceFile, known: ReadonlySet<string>): { line: number; id: string }[] {
  const out: { line: number; id: string }[] = [];
  for (const { directive } of suppressionScopes(src)) {
    for (const id of directive.transforms) {
      if (!known.has(id) && !out.some((o) => o.line === directive.line && o.id === id)) out.push({ line: directive.line, id });
    }
  }
  return out;
}
