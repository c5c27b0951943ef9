// withArgumentBranches (src/case-branches.ts): a start script's `case "$1" in` read only in the branch its known
// argument runs (polar's startup-web.sh: CMD ["dev"] runs `dev)`, not `build)`), every branch when it is not known.
import { describe, expect, it } from 'vitest';
import { globMatches, withArgumentBranches } from '../src/case-branches.js';

const POLAR = [
  '#!/bin/bash',
  'set -euo pipefail',
  'pnpm install --frozen-lockfile',
  'case "${1:-dev}" in',
  '    dev)',
  '        exec pnpm next dev --port 3000',
  '        ;;',
  '    build)',
  '        exec pnpm build',
  '        ;;',
  '    *)',
  '        echo "Unknown mode: $1"; exit 1',
  '        ;;',
  'esac',
  '',
].join('\n');

/** The non-blank lines of a text, trimmed. */
const kept = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

describe('case branches by the known argument', () => {
  it('keeps the branch the argument matches first, with offsets and lines unchanged', () => {
    const out = withArgumentBranches(POLAR, ['dev']);
    expect(out.length).toBe(POLAR.length);
    expect(out.split('\n').length).toBe(POLAR.split('\n').length);
    // The case, the pattern, the ;; and the esac go with the other branches: what runs is read as the script's own.
    expect(kept(out)).toEqual(['#!/bin/bash', 'set -euo pipefail', 'pnpm install --frozen-lockfile', 'exec pnpm next dev --port 3000']);
    expect(out.indexOf('exec pnpm next dev')).toBe(POLAR.indexOf('exec pnpm next dev'));
    // No argument: the default in ${1:-dev}.
    expect(withArgumentBranches(POLAR, [])).toBe(out);
    // An argument no named branch takes: `*)`.
    expect(kept(withArgumentBranches(POLAR, ['shell']))).toContain('echo "Unknown mode: $1"; exit 1');
    expect(withArgumentBranches(POLAR, ['shell'])).not.toContain('pnpm build');
  });

  it('reads every branch when the argument is not known', () => {
    expect(withArgumentBranches(POLAR, undefined)).toBe(POLAR);
  });

  it('matches quoted patterns, alternatives, globs and a leading (', () => {
    const text = ['case $1 in', '  "web"|api) exec server ;;', "  (work*) exec worker ;;", "  'a*') exec literal ;;", '  *) exec "$@" ;;', 'esac'].join('\n');
    expect(kept(withArgumentBranches(text, ['api']))).toEqual(['exec server']);
    expect(kept(withArgumentBranches(text, ['worker', '--queue', 'x']))).toEqual(['exec worker']);
    // A quoted `*` is literal: `a*` matches only itself, `abc` goes to `*)` and its `exec "$@"`.
    expect(kept(withArgumentBranches(text, ['a*']))).toEqual(['exec literal']);
    expect(kept(withArgumentBranches(text, ['abc']))).toEqual(['exec "$@"']);
    // No argument and no default: `$1` is empty, which only `*)` matches.
    expect(kept(withArgumentBranches(text, []))).toEqual(['exec "$@"']);
  });

  it('steps over a nested case, whose ;; are its own, and keeps CRLF line ends', () => {
    const text = ['case "$1" in', '  serve)', '    case "$MODE" in', '      a) echo a ;;', '      b) echo b ;;', '    esac', '    exec serve', '    ;;', '  migrate)', '    exec migrate', '    ;;', 'esac', ''].join('\r\n');
    const out = withArgumentBranches(text, ['serve']);
    expect(out.length).toBe(text.length);
    expect(out.split('\r\n').length).toBe(text.split('\r\n').length);
    // The nested case on another subject stays a choice.
    expect(kept(out)).toEqual(['case "$MODE" in', 'a) echo a ;;', 'b) echo b ;;', 'esac', 'exec serve']);
    expect(kept(withArgumentBranches(text, ['migrate']))).toEqual(['exec migrate']);
  });

  it('chooses nothing where $1 is not the argument or a branch might run another', () => {
    // An option loop: shift makes $1 each argument in turn.
    const loop = 'while [ $# -gt 0 ]; do\n  case "$1" in\n    -v) V=1 ;;\n    *) break ;;\n  esac\n  shift\ndone\nexec app\n';
    expect(withArgumentBranches(loop, ['-v'])).toBe(loop);
    // Inside a function, $1 is the function's.
    const fn = 'run() {\n  case "$1" in\n    a) echo a ;;\n    b) echo b ;;\n  esac\n}\nrun b\n';
    expect(withArgumentBranches(fn, ['a'])).toBe(fn);
    // Another subject.
    const other = 'case "$MODE" in\n  a) echo a ;;\n  b) echo b ;;\nesac\n';
    expect(withArgumentBranches(other, ['a'])).toBe(other);
    // bash fall-through (;&) and a pattern from a variable before the match.
    const fall = 'case "$1" in\n  a) echo a ;&\n  b) echo b ;;\nesac\n';
    expect(withArgumentBranches(fall, ['a'])).toBe(fall);
    const dyn = 'case "$1" in\n  "$DEFAULT") echo d ;;\n  b) echo b ;;\nesac\n';
    expect(withArgumentBranches(dyn, ['b'])).toBe(dyn);
    // An unterminated case is left as it is.
    const open = 'case "$1" in\n  a) echo a ;;\n';
    expect(withArgumentBranches(open, ['b'])).toBe(open);
  });

  it('matches shell patterns', () => {
    expect(globMatches('dev', 'dev')).toBe(true);
    expect(globMatches('d?v', 'dav')).toBe(true);
    expect(globMatches('[ab]pi', 'api')).toBe(true);
    expect(globMatches('[!ab]pi', 'api')).toBe(false);
    expect(globMatches('\\*', 'x')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
  });
});
