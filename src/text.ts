// Plain-text facts every parser and edit helper needs: line endings, BOM,
// line starts and offsets. Edits are made in the file's own style.

export type Eol = '\n' | '\r\n';

export const BOM = '\uFEFF';

/** The file's line ending: the first line break decides (CRLF files stay CRLF). */
export function detectEol(text: string): Eol {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

/** Offsets where each line starts (line 0 starts at 0). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  // indexOf finds each newline natively: a loop over every character runs in
  // V8's interpreter in a short run, one step per character (issue 13).
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 0-based index of the line holding `offset`, by binary search over the line starts. */
export function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** 1-based line of an offset (the line starts are computed once per call of lineIndex). */
export function lineIndex(text: string): (offset: number) => number {
  const starts = lineStarts(text);
  return (offset: number) => lineAt(starts, offset) + 1;
}

const indexOf = new WeakMap<object, (offset: number) => number>();

/** 1-based line of an offset in a parsed file's text; its line index is built once per file object. */
export function lineOfOffset(source: { text: string }, offset: number): number {
  let index = indexOf.get(source);
  if (!index) {
    index = lineIndex(source.text);
    indexOf.set(source, index);
  }
  return index(offset);
}

/** 1-based line and column of an offset, for messages. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastStart = 0;
  const end = Math.min(offset, text.length);
  // One step per line before the offset, not per character (see lineStarts).
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lastStart = i + 1;
  }
  return { line, column: end - lastStart + 1 };
}

export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the end of the line holding `offset`, before its line break (CR or LF). */
export function lineEndOf(text: string, offset: number): number {
  let i = text.indexOf('\n', offset);
  if (i < 0) i = text.length;
  if (i > 0 && text[i - 1] === '\r' && i - 1 >= offset) i--;
  return i;
}

/** Offset just after the line break that ends the line holding `offset` (or the end of text). */
export function nextLineStart(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i + 1;
}

/** Leading spaces and tabs of the line holding `offset`; a BOM is not indentation. */
export function indentOfLine(text: string, offset: number): string {
  let start = offset <= 0 ? 0 : lineStartOf(text, Math.min(offset, text.length));
  if (start === 0 && text.startsWith(BOM)) start = 1;
  let i = start;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return text.slice(start, i);
}

/** True if the bytes look like a binary file: a NUL byte in the first 8 KiB. */
export function looksBinary(buf: Uint8Array): boolean {
  // indexOf searches natively: a loop over up to 8 KiB of every file read (each
  // evidence README and script too) runs in V8's interpreter in a short run (issue 13).
  return buf.subarray(0, 8192).indexOf(0) !== -1;
}

/** One word for a POSIX shell: plain words stay bare, anything else is single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Last ':' not inside `${...}` (so `${HOST}:${PORT}` splits right). */
export function lastColonOutsideBraces(s: string): number {
  let found = -1;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}' && depth > 0) depth--;
    else if (c === ':' && depth === 0) found = i;
  }
  return found;
}

/**
 * Internalization table of sharedString: a dictionary object (a key stored and
 * deleted at once), whose keys V8 puts in its string table.
 */
const internalized: Record<string, number> = Object.create(null);

/**
 * The string, flat and as V8's one shared copy of its text: storing it as a
 * property key internalizes it, which turns this copy into a reference to the
 * string table's (dropped by the next collection), so equal words of many
 * files (`apt-get`, `install`, `&&`) are held once. V8's string table is weak:
 * nothing outlives its last use. For words a model keeps for a whole run
 * (Dockerfile arguments; issue 13), not for one-off text.
 */
export function sharedString<T extends string | null>(s: T): T {
  if (s) {
    internalized[s] = 0;
    delete internalized[s];
  }
  return s;
}
