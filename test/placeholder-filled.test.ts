// A folder git keeps empty with a placeholder (.gitkeep, .keep, a `*` .gitignore) that the build fills is kept
// for that build output, not for what the app writes at run time (src/start-scripts.ts filledByBuild): it is
// neither chowned as a start-up write nor a data folder that holds read_only back. A placeholder folder the
// build leaves empty still is.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const COMPOSE = 'services:\n  web:\n    build: .\n';
const IGNORE_ALL = '*\n!.gitignore\n';

async function harden(tree: Record<string, string>) {
  const { result, changed } = await hardenTree({ 'compose.yaml': COMPOSE, 'main.py': 'x\n', ...tree });
  const message = (id: string) => result.engine.findings.filter((f) => f.transform === id).map((f) => f.message).join('\n');
  return { changed, nonRoot: message('dockerfile/non-root-user'), readOnly: message('compose/read-only') };
}

describe('placeholder folders the build fills', () => {
  it('COPY of repository files into it: not chowned; the empty one beside it is', async () => {
    const { nonRoot } = await harden({
      'data/.gitkeep': '',
      'seed/init.json': '{}\n',
      'storage/logs/.gitkeep': '',
      Dockerfile: 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCOPY seed/ /app/data/\nCMD ["python", "main.py"]\n',
    });
    expect(nonRoot).toContain('.gitkeep keeps /app/storage/logs empty');
    expect(nonRoot).not.toContain('/app/data');
  });

  it("COPY --from= a stage's output into a folder whose .gitignore ignores everything (CRLF)", async () => {
    const { nonRoot } = await harden({
      'static/.gitignore': IGNORE_ALL,
      'tmp/.keep': '',
      Dockerfile: toCrlf('FROM python:3.12-slim AS assets\nWORKDIR /src\nCOPY . .\nRUN python build.py\n\nFROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCOPY --from=assets /src/dist /app/static\nCMD ["python", "main.py"]\n'),
    });
    expect(nonRoot).toContain('.keep keeps /app/tmp empty');
    expect(nonRoot).not.toContain('/app/static');
  });

  it('a RUN that downloads into it: read_only is not held back for it, and it is not chowned', async () => {
    const { changed, readOnly } = await harden({
      'data/.gitkeep': '',
      Dockerfile: 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN curl -fsSL -o /app/data/GeoLite2-City.mmdb https://example.com/geo.mmdb\nUSER 1000\nCMD ["python", "main.py"]\n',
    });
    expect(readOnly).not.toContain('/app/data');
    expect(changed['compose.yaml']).toContain('read_only: true');
    expect(changed.Dockerfile).toBeUndefined();
  });

  it('a RUN of a parent stage that extracts into it, with a relative -C', async () => {
    const { nonRoot } = await harden({
      'media/.gitkeep': '',
      'logs/.gitkeep': '',
      Dockerfile: 'FROM python:3.12-slim AS base\nWORKDIR /app\nCOPY . .\nRUN tar -xzf media.tgz -C media\n\nFROM base\nCMD ["python", "main.py"]\n',
    });
    expect(nonRoot).toContain('.gitkeep keeps /app/logs empty');
    expect(nonRoot).not.toContain('/app/media');
  });

  it('a COPY of a folder above it whose files land there (`COPY overlay/ /app/`)', async () => {
    const { nonRoot } = await harden({
      'var/cache/.gitkeep': '',
      'var/log/.gitkeep': '',
      'overlay/var/cache/warm.bin': 'x\n',
      Dockerfile: 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCOPY overlay/ /app/\nCMD ["python", "main.py"]\n',
    });
    expect(nonRoot).toContain('/app/var/log');
    expect(nonRoot).not.toContain('/app/var/cache');
  });

  it('the placeholder folder copied as itself, and a mkdir of it, still count as the app\'s', async () => {
    const { nonRoot } = await harden({
      'storage/.gitignore': IGNORE_ALL,
      Dockerfile: 'FROM python:3.12-slim\nWORKDIR /app\nCOPY storage/ /app/storage/\nRUN mkdir -p /app/storage\nCOPY main.py .\nCMD ["python", "main.py"]\n',
    });
    expect(nonRoot).toContain('.gitignore keeps /app/storage empty');
  });
});
