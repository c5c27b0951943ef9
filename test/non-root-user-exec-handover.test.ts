// dockerfile/non-root-user: a start step that fails under the new USER where the script goes on (no set -e), but then
// execs its program on the folder that step fills (hatchet-lite's start.sh: `./hatchet-admin … > ./config/…`, then
// `exec ./hatchet-lite --config ./config`). The program would start without what the step writes: USER waits (CIS 4.1).
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'dockerfile/non-root-user';

async function userFinding(tree: Record<string, string>) {
  const { result, changed } = await hardenTree(tree, [ID]);
  const findings = result.engine.findings.filter((x) => x.transform === ID);
  return { findings, changed };
}

describe('dockerfile/non-root-user: a start that execs its program on a folder only root could fill', () => {
  it('holds USER back for a guarded write into ./config followed by exec … --config ./config (no WORKDIR: /)', async () => {
    const { findings, changed } = await userFinding({
      Dockerfile: [
        'ARG BASE=alpine',
        'FROM ${BASE} AS base',
        'FROM alpine AS deployment',
        'RUN apk add --no-cache bash',
        'COPY server ./server',
        'COPY start.sh ./entrypoint.sh',
        'CMD ["./entrypoint.sh"]',
        '',
      ].join('\n'),
      server: 'binary',
      'start.sh': [
        '#!/bin/bash',
        './server migrate',
        'if ./server authdisabled; then',
        '  ./server token create > ./config/token',
        'fi',
        'exec ./server --config ./config',
        '',
      ].join('\n'),
    });
    expect(changed['Dockerfile']).toBeUndefined();
    expect(findings).toHaveLength(1);
    const msg = findings[0]!.message;
    expect(msg).toContain('its start may write /config/token');
    expect(msg).toContain('then execs ./server --config ./config (start.sh line 6), handing that folder to the program');
    expect(msg).toContain('no user added');
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('reads a continued exec line and --flag=path under a WORKDIR, in a CRLF script', async () => {
    const { findings, changed } = await userFinding({
      Dockerfile: 'FROM debian:bookworm-slim\nWORKDIR /srv\nCOPY . .\nENTRYPOINT ["/srv/run.sh"]\n',
      'run.sh': toCrlf(['#!/bin/sh', 'mkdir -p /data', 'exec /srv/app \\', '  --listen :8080 \\', '  --data-dir=/data/db', ''].join('\n')),
    });
    expect(changed['Dockerfile']).toBeUndefined();
    const msg = findings[0]!.message;
    expect(msg).toContain('its start writes /data (mkdir /data (run.sh line 2))');
    expect(msg).toContain('then execs /srv/app --listen :8080 --data-dir=/data/db (run.sh line 3)');
  });

  it('skips exec -a NAME and still reads the folder given to the program', async () => {
    const { findings, changed } = await userFinding({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\n',
      'entrypoint.sh': '#!/bin/bash\necho 1 > /state/boot\nexec -a srv /usr/local/bin/server /state\n',
    });
    expect(changed['Dockerfile']).toBeUndefined();
    expect(findings[0]!.message).toContain('then execs /usr/local/bin/server /state (entrypoint.sh line 3)');
  });

  it('still adds USER where the program is handed another folder, or none (exec "$@")', async () => {
    const other = await userFinding({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\n',
      'entrypoint.sh': '#!/bin/bash\necho "$TZ" > /etc/timezone\nexec /usr/local/bin/server --config ./config\n',
    });
    expect(other.changed['Dockerfile']).toContain('USER 1000:1000');
    expect(other.findings[0]!.message).toContain('that step fails and the script goes on without it');
    const args = await userFinding({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\nCMD ["/usr/local/bin/server", "--config", "/config"]\n',
      'entrypoint.sh': '#!/bin/bash\necho x > /config/token\nexec "$@"\n',
    });
    expect(args.changed['Dockerfile']).toContain('USER 1000:1000');
  });
});
