// Helpers that build edits (never apply them). YAML edits insert a rendered
// one-line snippet by node range, with the sibling's indentation and the
// file's line ending; Dockerfile edits insert whole instructions in the file's
// keyword case. Everything outside the edited lines stays byte-identical.
import { isMap, isSeq, isScalar, isPair, Scalar, type YAMLMap, type YAMLSeq, type Pair, type Node } from 'yaml';
import type { Edit } from './types.js';
import type { DfInstruction, ParsedDockerfile } from './parse/dockerfile.js';
import type { NginxDirective } from './parse/nginx.js';
import { detectEol, indentOfLine, lineEndOf, lineStartOf, nextLineStart, type Eol } from './text.js';

export interface TextFile {
  path: string;
  text: string;
}

// ---------------------------------------------------------------- YAML

/** Words YAML 1.1 readers (docker-compose 1.x, PyYAML) take as booleans or null. */
const YAML11_SPECIAL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

/** Render a scalar for a compose file so every YAML reader agrees on it. */
export function yamlScalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  if (/^[A-Za-z_/][A-Za-z0-9_./-]*$/.test(value) && !YAML11_SPECIAL.test(value)) return value;
  return JSON.stringify(value);
}

/**
 * Render a string as a plain scalar where every YAML reader takes it back as
 * that string in block context (`image: nginxinc/nginx-unprivileged:1.27`,
 * `- no-new-privileges:true`): a letter, `_` or `/` first (no number, date or
 * sexagesimal in YAML 1.1), no spaces, `#` or flow indicators, no trailing
 * `:`. Anything else is quoted as yamlScalar does. New flow lists keep
 * yamlScalar's quoting: they are the tool's own one-line style.
 */
export function yamlBlockScalar(value: string | number | boolean): string {
  if (typeof value === 'string' && /^[A-Za-z_/][A-Za-z0-9_./:@+=-]*$/.test(value) && !value.endsWith(':') && !YAML11_SPECIAL.test(value)) return value;
  return yamlScalar(value);
}

/** A new item for `seq` in the quoting its items use (double, single or plain); flow lists as yamlScalar. */
export function seqItemScalar(seq: YAMLSeq, value: string | number | boolean): string {
  if (seq.flow || typeof value !== 'string') return yamlScalar(value);
  const last = seq.items[seq.items.length - 1];
  if (!isScalar(last)) return yamlScalar(value);
  if (last.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (last.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (last.type === Scalar.PLAIN) return yamlBlockScalar(value);
  return yamlScalar(value);
}

/** `[a, "b:c"]`: new lists go in flow style, so one key is one added line. */
export function yamlFlowSeq(items: (string | number | boolean)[]): string {
  return `[${items.map(yamlScalar).join(', ')}]`;
}

function lastNonSpace(text: string, end: number): number {
  let i = end - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  return i;
}

/**
 * From a line end, move past the comment lines right below it that are indented
 * deeper than `column`: they belong to the entry above (a commented-out item),
 * so a new sibling goes after them. A blank line or a shallower line stops it.
 */
function skipNestedComments(text: string, lineEnd: number, column: number): number {
  let at = lineEnd;
  for (;;) {
    const next = nextLineStart(text, at);
    if (next >= text.length || next === at) return at;
    const indent = indentOfLine(text, next);
    if (text[next + indent.length] !== '#' || indent.length <= column) return at;
    at = lineEndOf(text, next);
  }
}

/**
 * End of a block node's content, from the end of its range: before trailing
 * blank lines, and before the comment lines at its end that are indented less
 * than `column` (the node's own key or dash column). The YAML parser counts
 * those in the range of a map whose last value is empty (`networks:` over
 * `internal:`), but a comment written shallower than the entries heads what
 * follows (`  # about the next service` above `  next:`), so nothing added to
 * this node goes after it, and nothing removed from it takes it. `floor` is
 * where the node starts: the scan never goes above it.
 */
function blockContentEnd(text: string, end: number, column: number, floor: number): number {
  let at = lastNonSpace(text, end) + 1;
  while (at > floor) {
    const start = lineStartOf(text, at - 1);
    if (start <= floor) return at;
    const indent = indentOfLine(text, start);
    if (text[start + indent.length] !== '#' || indent.length >= column) return at;
    at = lastNonSpace(text, start) + 1;
  }
  return at;
}

/** The end of a block map pair's content (blockContentEnd, at the map's key column). */
function blockPairEnd(text: string, pair: Pair, column: number): number {
  const start = (pair.key as Node | null)?.range?.[0] ?? 0;
  return blockContentEnd(text, pairContentEnd(pair), column, start);
}

/** End of a pair's content, before trailing blank lines. */
function pairContentEnd(pair: Pair): number {
  const v = pair.value as Node | null;
  const k = pair.key as Node | null;
  const r = v?.range ?? k?.range;
  return r ? r[1] : 0;
}

/** The column where a block map's keys start. */
function mapIndent(file: TextFile, map: YAMLMap): string {
  const first = map.items.find(isPair);
  const key = first?.key as Node | undefined;
  return key?.range ? indentOfLine(file.text, key.range[0]) : '';
}

/**
 * Add `key: valueText` to a map (block or flow). `valueText` must be one line
 * (a scalar or a flow collection). Block maps get a new line after the last
 * entry, at the first key's indentation.
 */
export function insertMapEntry(file: TextFile, eol: Eol, map: YAMLMap, key: string, valueText: string): Edit {
  const entry = `${yamlScalar(key)}: ${valueText}`;
  const range = map.range!;
  if (map.flow) {
    const close = file.text.lastIndexOf('}', range[1] - 1);
    const last = [...map.items].reverse().find(isPair);
    if (!last) return { file: file.path, range: [close, close], text: entry };
    const at = pairContentEnd(last);
    return { file: file.path, range: [at, at], text: `, ${entry}` };
  }
  const last = map.items[map.items.length - 1];
  const indent = mapIndent(file, map);
  const end = blockPairEnd(file.text, last, indent.length);
  const at = skipNestedComments(file.text, lineEndOf(file.text, end), indent.length);
  return insertBeforeLineBreak(file, at, `${eol}${indent}${entry}`);
}

/**
 * Like insertMapEntry, for a map whose last value may get items in the same
 * engine pass (a compose service: its last key's list or map may grow). The
 * new line goes after the line break, so it lands after whatever is inserted
 * into that value, which insertMapEntry and appendSeqItem put before the break.
 */
export function insertOuterMapEntry(file: TextFile, eol: Eol, map: YAMLMap, key: string, valueText: string): Edit {
  const inner = insertMapEntry(file, eol, map, key, valueText);
  if (map.flow) return inner;
  const at = inner.range[1];
  if (at >= file.text.length) return { file: file.path, range: [at, at], text: inner.text.slice(inner.range[1] - inner.range[0]) };
  const next = nextLineStart(file.text, at);
  return { file: file.path, range: [next, next], text: inner.text.slice(eol.length) + eol };
}

/** Where a new key goes in a map: right after one of its pairs, right before one, or after the last. */
export type MapPlace = { after: Pair } | { before: Pair } | 'end';

/**
 * Add `key: valueText` at a chosen place in a map (one line, like insertMapEntry).
 * After the map's last pair this is insertOuterMapEntry. Elsewhere in a block map
 * the new line starts a line: after the pair's last line (and the deeper-indented
 * comment lines under it), or before the pair's key and the comment lines directly
 * above it, which describe it. Items appended to the pair's own value land before
 * the line break, so they stay with it.
 */
export function insertMapEntryAt(file: TextFile, eol: Eol, map: YAMLMap, key: string, valueText: string, place: MapPlace): Edit {
  const pairs = map.items.filter(isPair);
  const after = place !== 'end' && 'after' in place ? place.after : undefined;
  const before = place !== 'end' && 'before' in place ? place.before : undefined;
  if (place === 'end' || after === pairs[pairs.length - 1]) return insertOuterMapEntry(file, eol, map, key, valueText);
  const entry = `${yamlScalar(key)}: ${valueText}`;
  const text = file.text;
  if (map.flow) {
    if (after) {
      const at = pairContentEnd(after);
      return { file: file.path, range: [at, at], text: `, ${entry}` };
    }
    const at = (before!.key as Node).range![0];
    return { file: file.path, range: [at, at], text: `${entry}, ` };
  }
  const indent = mapIndent(file, map);
  if (after) {
    const end = blockPairEnd(text, after, indent.length);
    const at = nextLineStart(text, skipNestedComments(text, lineEndOf(text, end), indent.length));
    return { file: file.path, range: [at, at], text: `${indent}${entry}${eol}` };
  }
  const keyStart = (before!.key as Node).range![0];
  let at = lineStartOf(text, keyStart);
  // A key that does not start its line (`- key: v`, `svc: {…}` is flow) cannot have a line put above it alone.
  if (text.slice(at, keyStart).trim() !== '') return insertOuterMapEntry(file, eol, map, key, valueText);
  while (at > 0) {
    const prev = lineStartOf(text, at - 1);
    const line = text.slice(prev, at);
    if (!line.trimStart().startsWith('#') || indentOfLine(text, prev) !== indent) break;
    at = prev;
  }
  return { file: file.path, range: [at, at], text: `${indent}${entry}${eol}` };
}

/**
 * An insert at the end of a line, before its line break. At the very end of a
 * file with no final newline it replaces the last character instead (keeping
 * it), so it sorts before, and conflicts with, an outer insert at the end.
 */
function insertBeforeLineBreak(file: TextFile, at: number, text: string): Edit {
  if (at >= file.text.length && at > 0) return { file: file.path, range: [at - 1, at], text: file.text[at - 1] + text };
  return { file: file.path, range: [at, at], text };
}

/** Append one item to a sequence (block or flow). */
export function appendSeqItem(file: TextFile, eol: Eol, seq: YAMLSeq, itemText: string): Edit {
  const range = seq.range!;
  const items = seq.items as Node[];
  if (seq.flow) {
    const last = items[items.length - 1];
    if (!last?.range) {
      const open = file.text.indexOf('[', range[0]);
      return { file: file.path, range: [open + 1, open + 1], text: itemText };
    }
    return { file: file.path, range: [last.range[1], last.range[1]], text: `, ${itemText}` };
  }
  const first = items[0];
  const last = items[items.length - 1];
  const firstStart = first.range![0];
  // "      - " as written before the first item (dash, spacing, indentation).
  const prefix = file.text.slice(lineStartOf(file.text, firstStart), firstStart);
  const end = blockContentEnd(file.text, last.range![1], prefix.indexOf('-'), last.range![0]);
  const at = skipNestedComments(file.text, lineEndOf(file.text, end), prefix.indexOf('-'));
  return insertBeforeLineBreak(file, at, `${eol}${prefix}${itemText}`);
}

/** Replace a scalar, keeping its quoting style. */
export function replaceScalar(file: TextFile, node: Scalar, value: string | number | boolean): Edit {
  const [start, end] = node.range!;
  let text: string;
  if (node.type === Scalar.QUOTE_DOUBLE && typeof value === 'string') text = JSON.stringify(value);
  else if (node.type === Scalar.QUOTE_SINGLE && typeof value === 'string') text = `'${value.replace(/'/g, "''")}'`;
  else text = yamlScalar(value);
  return { file: file.path, range: [start, end], text };
}

/** Remove a whole map entry (its lines for block maps; the entry and a comma for flow maps). */
export function removeMapEntry(file: TextFile, map: YAMLMap, pair: Pair): Edit {
  const key = pair.key as Node;
  const idx = map.items.indexOf(pair);
  if (map.flow) return removeFlowItem(file, map.items.map((p) => [(p.key as Node).range![0], pairContentEnd(p as Pair)]), idx);
  const start = lineStartOf(file.text, key.range![0]);
  const end = nextLineStart(file.text, blockPairEnd(file.text, pair, mapIndent(file, map).length));
  return removeLines(file, start, end);
}

/** Remove whole lines [start, end); at the end of a file with no final newline, take the line break before them instead. */
function removeLines(file: TextFile, start: number, end: number): Edit {
  const text = file.text;
  if (end >= text.length && !text.endsWith('\n') && start > 0) {
    const breakAt = text[start - 2] === '\r' ? start - 2 : start - 1;
    return { file: file.path, range: [breakAt, end], text: '' };
  }
  return { file: file.path, range: [start, end], text: '' };
}

/** Remove one item from a sequence. */
export function removeSeqItem(file: TextFile, seq: YAMLSeq, index: number): Edit {
  const items = seq.items as Node[];
  if (seq.flow) return removeFlowItem(file, items.map((n) => [n.range![0], n.range![1]]), index);
  const item = items[index];
  const start = lineStartOf(file.text, item.range![0]);
  const dash = start + indentOfLine(file.text, start).length;
  const end = nextLineStart(file.text, blockContentEnd(file.text, item.range![1], dash - start, item.range![0]));
  return removeLines(file, start, end);
}

function removeFlowItem(file: TextFile, spans: [number, number][], index: number): Edit {
  const [start, end] = spans[index];
  if (spans.length === 1) return { file: file.path, range: [start, end], text: '' };
  if (index < spans.length - 1) return { file: file.path, range: [start, spans[index + 1][0]], text: '' };
  // Last item: remove from the end of the previous item (its comma included).
  return { file: file.path, range: [spans[index - 1][1], end], text: '' };
}

/**
 * Offset where a scalar's value starts in the text, when its source spells the
 * value exactly (plain or quoted, no escapes, no folding): edits inside the
 * value can then be made in place.
 */
export function scalarValueStart(text: string, node: Scalar, value: string): number | undefined {
  const [start, end] = node.range!;
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  if (!quoted && node.type !== Scalar.PLAIN) return undefined;
  const from = quoted ? start + 1 : start;
  const to = quoted ? end - 1 : end;
  return text.slice(from, to) === value ? from : undefined;
}

/** The node under `key` in a map, ignoring `<<` merges. */
export function mapValue(map: YAMLMap | undefined, key: string): Node | undefined {
  if (!map) return undefined;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return (item.value ?? undefined) as Node | undefined;
  }
  return undefined;
}

export { isMap, isSeq, isScalar };

// ---------------------------------------------------------- Dockerfile

/** Write keywords in the case the file already uses (`run` files stay lower-case). */
export function keyword(df: ParsedDockerfile, kw: string): string {
  const upper = df.instructions.filter((i) => /^[A-Z]+$/.test(i.raw.slice(0, i.keyword.length))).length;
  const lower = df.instructions.filter((i) => /^[a-z]+$/.test(i.raw.slice(0, i.keyword.length))).length;
  return lower > upper ? kw.toLowerCase() : kw.toUpperCase();
}

/**
 * Insert instruction lines before `ins`, above the comment lines that sit
 * directly on top of it (they describe it), at its indentation.
 */
export function insertBefore(file: TextFile, df: ParsedDockerfile, ins: DfInstruction, lines: string[]): Edit {
  let at = lineStartOf(file.text, ins.start);
  const indent = indentOfLine(file.text, ins.start);
  // Walk up over directly attached comments (not parser directives at the top).
  for (;;) {
    if (at === 0) break;
    const prevStart = lineStartOf(file.text, at - 1);
    const prevLine = file.text.slice(prevStart, at).trim();
    if (!prevLine.startsWith('#') || df.instructions.every((i) => i.start > prevStart) || insideInstruction(df, prevStart)) break;
    at = prevStart;
  }
  const body = lines.map((l) => indent + l + df.eol).join('');
  return { file: file.path, range: [at, at], text: body };
}

/** Insert instruction lines right after `ins` (after its heredoc bodies too). */
export function insertAfter(file: TextFile, df: ParsedDockerfile, ins: DfInstruction, lines: string[]): Edit {
  const indent = indentOfLine(file.text, ins.start);
  const at = ins.end;
  const body = lines.map((l) => df.eol + indent + l).join('');
  return { file: file.path, range: [at, at], text: body };
}

/** Append lines at the end of the file; a file without a final newline keeps lacking one. */
export function appendAtEnd(file: TextFile, df: ParsedDockerfile, lines: string[]): Edit {
  const text = file.text;
  const at = text.length;
  const body = text.length > 0 && !text.endsWith('\n') ? lines.map((l) => df.eol + l).join('') : lines.map((l) => l + df.eol).join('');
  return { file: file.path, range: [at, at], text: body };
}

function insideInstruction(df: ParsedDockerfile, offset: number): boolean {
  return df.instructions.some((i) => i.start < offset && offset < i.end);
}

// ------------------------------------------------- YAML (more than one item)

/** `{a: 1, b: "x:y"}`: a one-line flow map of scalar values. */
export function yamlFlowMap(entries: [string, string | number | boolean | null][]): string {
  return `{${entries.map(([k, v]) => `${yamlScalar(k)}: ${v === null ? 'null' : yamlScalar(v)}`).join(', ')}}`;
}

/** Append several items to a sequence in one edit (block: one line each, with the first item's dash and indentation). */
export function appendSeqItems(file: TextFile, eol: Eol, seq: YAMLSeq, itemTexts: string[]): Edit {
  const first = appendSeqItem(file, eol, seq, itemTexts[0]);
  // The replaced text it keeps (the last character, at the end of a file with no final newline).
  const kept = file.text.slice(first.range[0], first.range[1]);
  // What appendSeqItem writes before an item: `, ` (flow), `<eol><indent>- ` (block), or nothing (empty flow list).
  const lead = first.text.slice(kept.length, first.text.length - itemTexts[0].length);
  const text = lead === '' ? itemTexts.join(', ') : itemTexts.map((t) => lead + t).join('');
  return { ...first, text: kept + text };
}

/** Replace a node's text (a scalar or a flow collection) with one line. */
export function replaceNode(file: TextFile, node: Node, text: string): Edit {
  const [start, end] = node.range!;
  return { file: file.path, range: [start, end], text };
}

// ---------------------------------------------------------------- nginx

/** Where a new first line of an nginx block goes: after the `{` line, at the first child's indentation. */
export function nginxBlockInsertPoint(text: string, d: NginxDirective): { offset: number; prefix: string } | undefined {
  const open = d.blockOpen!;
  const lineEnd = lineEndOf(text, open);
  const first = d.block?.[0];
  if (d.blockClose === undefined || lineEnd >= d.blockClose || (first && first.start < lineEnd)) return undefined;
  const eol = detectEol(text);
  const indent = first ? indentOfLine(text, first.start) : indentOfLine(text, d.start) + '    ';
  return { offset: lineEnd, prefix: eol + indent };
}

/** Remove an nginx directive: its whole line when nothing else but a comment shares it. */
export function removeNginxDirective(file: TextFile, d: NginxDirective): Edit {
  const text = file.text;
  const start = lineStartOf(text, d.start);
  const rest = text.slice(d.end, lineEndOf(text, d.end)).trim();
  if (text.slice(start, d.start).trim() === '' && (rest === '' || rest.startsWith('#'))) {
    return { file: file.path, range: [start, nextLineStart(text, d.end)], text: '' };
  }
  return { file: file.path, range: [d.start, d.end], text: '' };
}
