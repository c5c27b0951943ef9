// Unified diffs that `git apply` accepts: a/ and b/ prefixes, paths relative
// to the working directory (quoted the git way when they hold spaces or
// special characters), CRLF kept as it is, and "\ No newline at end of file".
import { structuredPatch } from 'diff';
import { paint as painted, type Style } from './colors.js';

export interface FileChange {
  /** Path relative to the working directory, POSIX separators. */
  rel: string;
  before: string;
  after: string;
}

export function unifiedDiff(changes: FileChange[], color = false): string {
  return [...unifiedDiffChunks(changes, color)].join('');
}

/**
 * The same diff in pieces of about `chunk` characters, file by file, so a
 * caller can write it out as it goes instead of holding one string of every
 * file's diff (megabytes on a large repository).
 */
export function* unifiedDiffChunks(changes: FileChange[], color = false, chunk = 1 << 16): Generator<string> {
  const sorted = [...changes].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  let pending: string[] = [];
  let size = 0;
  for (const c of sorted) {
    const d = fileDiff(c, color);
    pending.push(d);
    size += d.length;
    if (size >= chunk) {
      yield pending.join('');
      pending = [];
      size = 0;
    }
  }
  if (pending.length) yield pending.join('');
}

function fileDiff(change: FileChange, color: boolean): string {
  const a = gitPath(`a/${change.rel}`);
  const b = gitPath(`b/${change.rel}`);
  const patch = structuredPatch(a, b, change.before, change.after, '', '', { context: 3 });
  const out: string[] = [];
  const paint = (s: string, style: Style) => painted(s, style, color);
  out.push(paint(`diff --git ${a} ${b}\n`, 'bold'));
  out.push(paint(`--- ${a}\n`, 'bold'));
  out.push(paint(`+++ ${b}\n`, 'bold'));
  for (const h of patch.hunks) {
    out.push(paint(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n`, 'cyan'));
    for (const line of h.lines) {
      if (line.startsWith('\\')) {
        out.push(line + '\n');
        continue;
      }
      const painted = line[0] === '+' ? paint(line, 'green') : line[0] === '-' ? paint(line, 'red') : line;
      out.push(painted + '\n');
    }
  }
  return out.join('');
}

function range(start: number, lines: number): string {
  // An empty side starts at the line before (git's convention).
  if (lines === 0) return `${start === 0 ? 0 : start},0`;
  return lines === 1 ? `${start}` : `${start},${lines}`;
}

/** Quote a path as git does when it holds spaces, quotes, backslashes or control characters. */
export function gitPath(p: string): string {
  if (!/[\s"\\\x00-\x1f\x7f]/.test(p) && !/[^\x00-\x7f]/.test(p)) return p;
  if (!/["\\\x00-\x1f\x7f]/.test(p) && !/[^\x00-\x7f]/.test(p)) return p; // spaces alone: git writes them bare
  let out = '"';
  for (const byte of Buffer.from(p, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (byte < 0x20 || byte >= 0x7f) out += '\\' + byte.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + '"';
}
