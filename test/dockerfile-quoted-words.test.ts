// Quoted words of COPY, ADD, VOLUME, USER and WORKDIR: the builder reads them as
// shell words, so `VOLUME "/data"` declares /data, `USER "root"` runs as root and
// `COPY --chown="app" ...` gives the files to app (src/parse/dockerfile.ts
// shellWords). dockerfile-ast keeps the quotes and splits a quoted word at its spaces.
import { describe, it, expect } from 'vitest';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { hardenTree, toCrlf } from './helpers.js';

const argsOf = (text: string, keyword: string) => parseDockerfile(text).instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('quoted words of COPY, ADD, VOLUME, USER, WORKDIR', () => {
  it('drops double and single quotes in shell form', () => {
    const text = 'FROM x\nUSER "node"\nUSER \'app:app\'\nVOLUME "/data" \'/cache\' /plain\nWORKDIR "/srv"\n';
    expect(argsOf(text, 'USER')).toEqual([['node'], ['app:app']]);
    expect(argsOf(text, 'VOLUME')).toEqual([['/data', '/cache', '/plain']]);
    expect(argsOf(text, 'WORKDIR')).toEqual([['/srv']]);
  });

  it('keeps a quoted word with spaces as one word', () => {
    const text = 'FROM x\nCOPY "my file" \'/srv/my app/\'\nADD "a  b" /x/\n';
    expect(argsOf(text, 'COPY')).toEqual([['my file', '/srv/my app/']]);
    // the spaces inside the quotes are kept as written
    expect(argsOf(text, 'ADD')).toEqual([['a  b', '/x/']]);
  });

  it('unquotes a part of a word (`/srv/"x"`) and leaves other instructions as the library reads them', () => {
    const text = 'FROM x\nVOLUME /srv/"x"\nRUN echo "a b"\nCMD echo "c"\n';
    expect(argsOf(text, 'VOLUME')).toEqual([['/srv/x']]);
    expect(argsOf(text, 'RUN')).toEqual([['echo', '"a', 'b"']]);
    expect(argsOf(text, 'CMD')).toEqual([['echo', '"c"']]);
  });

  it('keeps single quotes around a `$` the builder does not expand there', () => {
    expect(argsOf('FROM x\nCOPY \'$HOME\' "$DEST/"\n', 'COPY')).toEqual([["'$HOME'", '$DEST/']]);
  });

  it('unquotes COPY/ADD --chown, --chmod and --from values, not RUN --mount', () => {
    const parsed = parseDockerfile('FROM x\nCOPY --chown="app:app" --chmod=\'0644\' --from="build" /a /b\nADD --chown=\'1000\' a /b/\nRUN --mount=type=secret,id="s" true\n');
    const flags = parsed.instructions.filter((i) => i.flags.length).map((i) => i.flags);
    expect(flags).toEqual([
      [{ name: 'chown', value: 'app:app' }, { name: 'chmod', value: '0644' }, { name: 'from', value: 'build' }],
      [{ name: 'chown', value: '1000' }],
      [{ name: 'mount', value: 'type=secret,id="s"' }],
    ]);
  });

  it('reads JSON form from the JSON strings, CRLF line ends and continuations, and a backtick escape', () => {
    const parsed = parseDockerfile('FROM x\nVOLUME ["/data", "/my logs"]\nCOPY ["a b", "/srv/"]\n');
    expect(parsed.instructions.filter((i) => i.keyword !== 'FROM').map((i) => i.json)).toEqual([['/data', '/my logs'], ['a b', '/srv/']]);
    expect(argsOf(toCrlf('FROM x\nVOLUME "/data" \\\n  "/logs"\nUSER "app"\n'), 'VOLUME')).toEqual([['/data', '/logs']]);
    expect(argsOf(toCrlf('FROM x\nUSER "app"\n'), 'USER')).toEqual([['app']]);
    expect(argsOf('# escape=`\nFROM x\nVOLUME "C:\\data" `\n  "D:\\logs"\n', 'VOLUME')).toEqual([['C:\\data', 'D:\\logs']]);
  });
});

describe('quoted words reach the transforms', () => {
  const compose = 'services:\n  web:\n    build: .\n';

  it('USER "root" is root: the final stage gets a non-root USER', async () => {
    const dockerfile = 'FROM python:3.12-slim\nRUN useradd -u 1001 app\nWORKDIR /app\nCOPY --chown="app" . .\nUSER "root"\nCMD ["python", "main.py"]\n';
    const { changed, result } = await hardenTree({ Dockerfile: dockerfile, 'compose.yaml': compose, 'main.py': 'x\n' }, ['dockerfile/non-root-user']);
    expect(changed.Dockerfile).toMatch(/USER "root"\nUSER 1001\n/);
    // the quoted --chown names the owner of the app's files
    expect(result.engine.findings.find((f) => f.transform === 'dockerfile/non-root-user')!.message).toContain('COPY --chown=app');
  });

  it('USER "app" of a user the Dockerfile creates is already non-root: nothing to change', async () => {
    const dockerfile = 'FROM python:3.12-slim\nRUN useradd -u 1001 app\nWORKDIR /app\nCOPY . .\nUSER "app"\nCMD ["python", "main.py"]\n';
    const { changed } = await hardenTree({ Dockerfile: dockerfile, 'compose.yaml': compose, 'main.py': 'x\n' }, ['dockerfile/non-root-user']);
    expect(changed.Dockerfile).toBeUndefined();
  });

  for (const [shape, volume] of [
    ['double and single quotes', 'VOLUME "/data" \'/cache\''],
    ['JSON form', 'VOLUME ["/data", "/cache"]'],
  ]) {
    it(`VOLUME in ${shape} (CRLF): the new user owns the declared folders`, async () => {
      const dockerfile = toCrlf(`FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n${volume}\nCMD ["python", "main.py"]\n`);
      const { changed } = await hardenTree({ Dockerfile: dockerfile, 'compose.yaml': compose, 'main.py': 'x\n' }, ['dockerfile/non-root-user']);
      expect(changed.Dockerfile).toMatch(/chown 1000:1000 \/cache \/data /);
    });
  }
});
