// s6-overlay services whose `run` is an execline script (`#!/command/execlineb -P`): read in its shell form
// (src/execline.ts), so their privilege drops (s6-setuidgid, s6-envuidgid + s6-applyuidgid -U, s6-applyuidgid
// -u/-g), block commands and root daemons count as a shell `run` file's do.
import { describe, it, expect } from 'vitest';
import { execlineAsShell, isExecline } from '../src/execline.js';
import { readStartScriptAfresh } from '../src/start-scripts.js';
import { hardenTree, toCrlf } from './helpers.js';

const read = (text: string, vars: [string, string][] = []) => readStartScriptAfresh(text, 'run', '/', new Map(vars));

describe('execline run files', () => {
  it('knows execlineb by its #! line, wherever it is installed', () => {
    expect(isExecline('#!/command/execlineb -P\n')).toBe(true);
    expect(isExecline('#!/usr/bin/execlineb -S0\n')).toBe(true);
    expect(isExecline('#!/bin/execlineb\n')).toBe(true);
    expect(isExecline('#!/usr/bin/with-contenv bash\n')).toBe(false);
  });

  it('s6-setuidgid after with-contenv: a drop to that user at its line; fdmove and the continuation are no part of the command', () => {
    const text = '#!/command/execlineb -P\nwith-contenv\ns6-setuidgid postgres\nfdmove -c 2 1\n/usr/bin/postgres \\\n  -D /var/lib/postgresql/data\n';
    const r = read(text);
    expect(r.drops).toEqual([{ tool: 's6-setuidgid', user: 'postgres', caps: ['SETGID', 'SETUID'], line: 3 }]);
    expect(execlineAsShell(text).split('\n')[2]).toBe('exec s6-setuidgid postgres /usr/bin/postgres -D /var/lib/postgresql/data');
  });

  it('s6-applyuidgid -u/-g, with the UID an importas default gives', () => {
    const r = read('#!/usr/bin/execlineb -P\nimportas -D 911 PUID PUID\ns6-applyuidgid -u ${PUID} -g 911 -Uz\n/app/server\n');
    expect(r.drops.map((d) => [d.tool, d.user, d.line])).toEqual([['s6-applyuidgid', '911', 3]]);
    // the build's ENV wins over the default, as the environment does at start
    expect(read('#!/usr/bin/execlineb -P\nimportas -D 911 PUID PUID\ns6-applyuidgid -u ${PUID} -g 911\n/app/server\n', [['PUID', '1000']]).drops[0]!.user).toBe('1000');
  });

  it('s6-envuidgid then s6-applyuidgid -U is a drop to the account; s6-envuidgid alone drops nothing', () => {
    const r = read('#!/command/execlineb -S0\ns6-envuidgid -D 911:911 abc\ns6-applyuidgid -U\ns6-notifyoncheck -d -n 300 -w 1000 -c "nc -z localhost 8080"\nnode server.js\n');
    expect(r.drops.map((d) => [d.tool, d.user, d.line])).toEqual([['s6-envuidgid', 'abc', 2]]);
    const alone = read('#!/command/execlineb -P\nforeground { mkdir -p /data/cache }\ns6-envuidgid app\nchown -R app:app /data\n');
    expect(alone.drops).toEqual([]);
    // the block and the command after s6-envuidgid run as root: their writes count
    expect(alone.writes.map((w) => w.path)).toContain('/data/cache');
    expect(alone.rootCaps).toContain('CHOWN');
  });

  it('a root daemon started without a drop, comments and CRLF line ends', () => {
    const r = read(toCrlf('#!/command/execlineb -P\n# the SSH server\nwith-contenv\nsshd -D -e\n'));
    expect(r.drops).toEqual([]);
    expect(r.rootDaemons).toEqual(['sshd (run line 4)']);
  });

  it('a drop inside a foreground block is a one-off, the chain after it is the main process', () => {
    const r = read('#!/command/execlineb -P\nforeground { s6-setuidgid app /app/migrate }\ns6-setuidgid app\n/app/server\n');
    expect(r.drops.map((d) => [d.user, d.line, d.oneOff ?? false])).toEqual([
      ['app', 2, true],
      ['app', 3, false],
    ]);
  });

  it('no drop of an execline file is rewritable in place (its shell form is other text)', () => {
    const r = read('#!/command/execlineb -P\ns6-setuidgid abc /app/server\n');
    expect(r.drops[0]!.lineRange).toBeUndefined();
    expect(r.drops[0]!.withoutDrop).toBeUndefined();
  });

  it('a shell run file with s6-envuidgid + s6-applyuidgid -U reads as the same drop', () => {
    expect(read('#!/bin/sh\nexec s6-envuidgid abc s6-applyuidgid -Uz -- /app/server\n').drops.map((d) => [d.tool, d.user])).toEqual([['s6-envuidgid', 'abc']]);
    expect(read('#!/bin/sh\nexec s6-applyuidgid -g 1000 /app/server\n').drops).toEqual([]);
  });
});

describe('execline run files in an image', () => {
  const dockerfile = [
    'FROM debian:bookworm-slim',
    'ADD https://github.com/just-containers/s6-overlay/releases/download/v3.2.0.2/s6-overlay-noarch.tar.xz /tmp',
    'RUN apt-get update && apt-get install -y xz-utils && tar -C / -Jxpf /tmp/s6-overlay-noarch.tar.xz && useradd --system --uid 1000 app',
    'COPY root/ /',
    'ENTRYPOINT ["/init"]',
    '',
  ].join('\n');

  for (const where of ['etc/s6-overlay/s6-rc.d/svc-app/run', 'etc/services.d/app/run']) {
    it(`${where}: the app runs as the user its run file steps down to`, async () => {
      const { result } = await hardenTree(
        {
          Dockerfile: dockerfile,
          'compose.yaml': 'services:\n  app:\n    build: .\n',
          [`root/${where}`]: '#!/command/execlineb -P\nwith-contenv\ns6-setuidgid app\n/usr/local/bin/app\n',
          'root/etc/s6-overlay/s6-rc.d/svc-app/type': 'longrun\n',
        },
        ['dockerfile/non-root-user'],
      );
      const message = result.engine.findings.find((f) => f.transform === 'dockerfile/non-root-user')!.message;
      expect(message).toContain(`the app itself runs as app (s6-setuidgid in /${where})`);
    });
  }

  it('a run file that starts sshd without a drop: named as the root daemon', async () => {
    const { result } = await hardenTree(
      { Dockerfile: dockerfile, 'compose.yaml': 'services:\n  app:\n    build: .\n', 'root/etc/services.d/sshd/run': '#!/command/execlineb -P\nsshd -D -e\n' },
      ['dockerfile/non-root-user'],
    );
    expect(result.engine.findings.find((f) => f.transform === 'dockerfile/non-root-user')!.message).toMatch(/it starts .*sshd/);
  });
});
