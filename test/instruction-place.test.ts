// A finding or note that names an instruction in another Dockerfile than its own (a parent image built in the
// repository) names that file with the line (instructionPlace in src/dockerfile-info.ts): jitsi's children said "RUN at
// line 16" for the `s6` user made in base/Dockerfile (session 38 "still missing").
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'dockerfile/non-root-user';

const BASE = [
  'FROM debian:bookworm-slim',
  'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
  'RUN useradd --system s6',
  'CMD ["/bin/sh"]',
  '',
].join('\n');
const CHILD = ['FROM acme/base', 'COPY app /app', 'USER s6', 'CMD ["/app/run"]', ''].join('\n');

async function notes(tree: Record<string, string>, file: string) {
  const { result } = await hardenTree(tree, [ID]);
  return result.engine.findings.filter((f) => f.transform === ID && f.file.endsWith(file)).map((f) => f.message);
}

describe('naming an instruction of another Dockerfile', () => {
  it('the no-fixed-UID note on a child names the parent file of the useradd', async () => {
    for (const base of [BASE, toCrlf(BASE), `# escape=\`\n${BASE}`]) {
      const tree = { 'base/Dockerfile': base, 'app/Dockerfile': CHILD, 'app/app/run': '#!/bin/sh\nexec sleep 1\n', Makefile: 'base:\n\tdocker build -t acme/base -f base/Dockerfile base\n' };
      const messages = await notes(tree, 'app/Dockerfile');
      const line = base.startsWith('#') ? 4 : 3;
      expect(messages).toEqual([expect.stringContaining(`no fixed UID (RUN at line ${line} of base/Dockerfile leaves it to useradd/adduser`)]);
    }
  });

  it('the same note for a useradd in the finding\'s own file names only the line', async () => {
    const own = ['FROM debian:bookworm-slim', 'RUN useradd --system s6', 'COPY app /app', 'USER s6', 'CMD ["/app/run"]', ''].join('\n');
    const messages = await notes({ Dockerfile: own, 'app/run': '#!/bin/sh\nexec sleep 1\n' }, 'Dockerfile');
    expect(messages).toEqual([expect.stringContaining('no fixed UID (RUN at line 2 leaves it')]);
  });
});
