// relativeBelow (src/discover.ts): the walk's cheap path.relative for paths it
// built under a folder; every other pair must answer as path.relative does.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { relativeBelow, toPosix } from '../src/discover.js';

describe('relativeBelow', () => {
  it('answers as path.relative for folders above, beside, equal and unrelated', () => {
    const pairs: [string, string][] = [
      ['/repo', '/repo/a'],
      ['/repo', '/repo/a/b/.gitignore'],
      ['/repo/a', '/repo/a/b/c'],
      ['/repo', '/repo'],
      ['/repo', '/repository/a'], // a prefix that is not a folder above
      ['/repo/a', '/repo/b/c'],
      ['/', '/etc/nginx'],
      ['/repo', '/repo/a/../b'],
      ['/repo/', '/repo/a'],
      ['/repo', '/repo/a//b'],
      ['/repo', '/repo/a/./b/'],
      ['/repo', '/repo/.github/workflows'],
    ];
    for (const [dir, abs] of pairs) expect([dir, abs, relativeBelow(dir, abs)]).toEqual([dir, abs, toPosix(path.relative(dir, abs))]);
  });
});
