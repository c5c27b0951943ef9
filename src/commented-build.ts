// A compose service that says `image:` with its `build:` commented out beside
// it (Mailu's `image: freeposte/fetchmail:$VERSION` over `# build: optional/fetchmail`):
// the image may well be built from that folder, or the comment may be stale.
// It is a hint for --explain only, never a fact: nothing links the service to
// that Dockerfile, and no fix depends on it.
import path from 'node:path';
import type { ServiceLink } from './model.js';
import { lineOfOffset } from './text.js';

export interface CommentedBuild {
  /** 1-based line of the `# build:` comment. */
  line: number;
  /** The comment as written, without `#`. */
  text: string;
  /** The Dockerfile the comment would build (absolute), when it names a context (`# build: dir`, `#   context: dir`). */
  dockerfile?: string;
}

const BUILD_COMMENT = /^(\s*)#\s*build\s*:\s*(.*?)\s*$/;
const KEY_COMMENT = /^\s*#\s*(context|dockerfile)\s*:\s*(.+?)\s*$/;

/**
 * The `# build:` comment among a service's own lines (from its key to the next line indented no deeper), for a
 * service whose own definition has `image:` and no `build:`; undefined otherwise.
 */
export function commentedBuild(s: ServiceLink): CommentedBuild | undefined {
  if (s.own.build !== undefined || typeof s.own.image !== 'string') return undefined;
  const text = s.compose.text;
  const keyStart = s.node.keyNode.range?.[0];
  if (keyStart === undefined) return undefined;
  const lines = text.split(/\r?\n/);
  const keyLine = lineOfOffset(s.compose, keyStart) - 1;
  const keyIndent = /^\s*/.exec(lines[keyLine] ?? '')![0].length;
  for (let i = keyLine + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const indent = /^\s*/.exec(line)![0].length;
    const m = BUILD_COMMENT.exec(line);
    if (m) {
      if (m[1]!.length <= keyIndent) return undefined; // a comment about the next service, or the file
      return { line: i + 1, text: line.trim().replace(/^#\s*/, ''), ...dockerfileOf(s, m[2]!, lines, i, m[1]!.length) };
    }
    if (indent <= keyIndent && !line.trimStart().startsWith('#')) return undefined;
  }
  return undefined;
}

/** The Dockerfile a commented build would use: `build: dir`, or `context:`/`dockerfile:` in the comment lines below it. */
function dockerfileOf(s: ServiceLink, value: string, lines: string[], at: number, indent: number): { dockerfile?: string } {
  const unquote = (v: string) => v.replace(/^(["'])(.*)\1$/, '$2');
  const dir = path.dirname(s.compose.path);
  if (value && !value.startsWith('{')) return /\$/.test(value) ? {} : { dockerfile: path.join(path.resolve(dir, unquote(value)), 'Dockerfile') };
  let context: string | undefined;
  let dockerfile: string | undefined;
  for (let i = at + 1; i < lines.length; i++) {
    const m = KEY_COMMENT.exec(lines[i]!);
    const depth = /^\s*/.exec(lines[i]!)![0].length;
    if (!m || depth < indent) break;
    if (m[1] === 'context') context = unquote(m[2]!);
    else dockerfile = unquote(m[2]!);
  }
  if (context === undefined || /\$/.test(context + (dockerfile ?? ''))) return {};
  const ctx = path.resolve(dir, context);
  return { dockerfile: path.resolve(ctx, dockerfile ?? 'Dockerfile') };
}
