// Data paths a program is given on its command line (`--sqlitedb /root/golink.db`, `--data-dir=/var/lib/app`, Go's
// `-database /x.db`), read from the runtime stage's CMD/ENTRYPOINT, a compose `command:`/`entrypoint:` and the start
// scripts the tool follows, as StartWrites both transforms see. Shapes from docs/reviews/hardening-commits-2026-12-f.md
// row 200 (tailscale/golink: `CMD ["--sqlitedb", "/root/golink.db"]` on cgr.dev/chainguard/static, fixed upstream by
// moving it to /home/nonroot) and what must stay silent (a URL, a DSN, JSON, `-config`, curl's request body).
import { describe, it, expect } from 'vitest';
import { readStartScript } from '../src/start-scripts.js';
import { hardenTree, toCrlf } from './helpers.js';

const writesOf = (text: string, workdir = '/', vars = new Map<string, string | undefined>()) =>
  readStartScript(text, 'CMD at line 3', workdir, vars).writes.map((w) => ({ path: w.path, kind: w.kind, keeps: !!w.keeps }));

describe('data options on the command line', () => {
  it('reads a database file, a data folder, both option forms and single-dash Go flags', () => {
    expect(writesOf('/golink --sqlitedb /root/golink.db --verbose')).toEqual([{ path: '/root/golink.db', kind: 'dir-of', keeps: true }]);
    expect(writesOf('app --data-dir=/var/lib/app')).toEqual([{ path: '/var/lib/app/*', kind: 'dir-of', keeps: true }]);
    expect(writesOf('app -database /srv/app/app.db')).toEqual([{ path: '/srv/app/app.db', kind: 'dir-of', keeps: true }]);
    expect(writesOf('app --db_path=/srv/state')).toEqual([{ path: '/srv/state/*', kind: 'dir-of', keeps: true }]);
    // A folder option keeps a dotted name a folder; a bare database file name is relative to the working directory.
    expect(writesOf('app --data-dir /srv/app.d')).toEqual([{ path: '/srv/app.d/*', kind: 'dir-of', keeps: true }]);
    expect(writesOf('app --db app.db', '/opt/app')).toEqual([{ path: '/opt/app/app.db', kind: 'dir-of', keeps: true }]);
    // A cache folder is a write, not data kept across restarts.
    expect(writesOf('app --cache-dir=/var/cache/app')).toEqual([{ path: '/var/cache/app/*', kind: 'dir-of', keeps: false }]);
  });

  it('expands a variable the image sets (an ARG passed on through ENV)', () => {
    expect(writesOf('app --state "$STATE_DIR"', '/', new Map([['STATE_DIR', '/var/lib/app/state']]))).toEqual([{ path: '/var/lib/app/state/*', kind: 'dir-of', keeps: true }]);
  });

  it('reads nothing from a URL, a DSN, host:port, JSON, a plain word, -config, or a client that sends --data', () => {
    for (const text of [
      'app --database postgres://db:5432/app',
      'app --db=file:app.sqlite',
      'app --db db:5432',
      `app --data '{"a":1}'`,
      'app --data a=b',
      'app --store memory --state running',
      'app -config /etc/app.conf --config=/etc/app/app.yaml',
      'curl --data /payload.json http://localhost/',
      'app --data-dir -',
    ]) expect(writesOf(text), text).toEqual([]);
  });
});

const NRU = 'dockerfile/non-root-user';

async function nonRoot(tree: Record<string, string>) {
  const { result, changed } = await hardenTree(tree, [NRU, 'dockerfile/home-cache-env']);
  return { findings: result.engine.findings, changed };
}

describe('dockerfile/non-root-user with data options', () => {
  it('makes and chowns a data folder an exec-form CMD names (--flag=value)', async () => {
    const { changed, findings } = await nonRoot({ Dockerfile: 'FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\nCMD ["/usr/local/bin/app", "--data-dir=/var/lib/app", "-config", "/etc/app.conf"]\n', app: 'bin\n' });
    expect(changed.Dockerfile).toContain('mkdir -p /home/app /var/lib/app && chown 1000:1000 /home/app /var/lib/app');
    expect(findings.find((f) => f.transform === NRU)!.message).toContain('app --data-dir=/var/lib/app, a folder it keeps data in (CMD at line 3)');
    expect(changed.Dockerfile).not.toContain('/etc/app.conf &&');
  });

  it('gives the folder of a database file a shell-form CMD names, with CRLF line ends', async () => {
    const { changed } = await nonRoot({ Dockerfile: toCrlf('FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\nCMD /usr/local/bin/app --db /srv/app/app.db\n'), app: 'bin\n' });
    expect(changed.Dockerfile).toContain('chown 1000:1000 /home/app /srv/app\r\n');
  });

  it('reads a value an ARG gives through ENV', async () => {
    const { changed } = await nonRoot({ Dockerfile: 'FROM debian:bookworm-slim\nARG DATA=/var/lib/app\nENV APP_DATA=$DATA\nCOPY app /usr/local/bin/app\nCMD /usr/local/bin/app --storage "$APP_DATA"\n', app: 'bin\n' });
    expect(changed.Dockerfile).toContain('chown 1000:1000 /home/app /var/lib/app');
  });

  it('holds the USER back for a database in root\'s HOME and says to move it', async () => {
    const { changed, findings } = await nonRoot({ Dockerfile: 'FROM debian:bookworm-slim\nCOPY golink /golink\nCMD ["/golink", "--sqlitedb", "/root/golink.db"]\n', golink: 'bin\n' });
    expect(changed.Dockerfile).toBeUndefined();
    const f = findings.find((x) => x.transform === NRU)!;
    expect(f.message).toContain("its start keeps data in root's HOME (golink --sqlitedb /root/golink.db, a file it keeps data in (CMD at line 3))");
    expect(f.manual).toContain('Point that option at a folder outside /root');
  });

  it('reports a database under /root on an image that already runs as nonroot (ENTRYPOINT + CMD options; golink)', async () => {
    const { changed, findings } = await nonRoot({
      Dockerfile: 'FROM cgr.dev/chainguard/static:latest\nENV HOME /root\nCOPY golink /golink\nENTRYPOINT ["/golink"]\nCMD ["--sqlitedb", "/root/golink.db", "--verbose"]\n',
      golink: 'bin\n',
    });
    const f = findings.find((x) => x.transform === NRU)!;
    expect(f.message).toContain("already runs as user 65532 (inherited from cgr.dev/chainguard/static:latest), but its start keeps data in root's HOME (golink --sqlitedb /root/golink.db");
    expect(f.manual).toContain('Point that option at a folder 65532 owns (its home /home/nonroot)');
    // The table knows nonroot's home: HOME moves there.
    expect(changed.Dockerfile).toContain('ENV HOME /home/nonroot');
  });

  it("moves HOME under /root to distroless nonroot's /home/nonroot (the table knows it)", async () => {
    const { changed } = await nonRoot({ Dockerfile: 'FROM gcr.io/distroless/static:nonroot\nENV HOME=/root\nCOPY app /app\nENTRYPOINT ["/app"]\n', app: 'bin\n' });
    expect(changed.Dockerfile).toContain('ENV HOME=/home/nonroot');
  });

  it('reads a compose command that gives the image entrypoint its options (list and string)', async () => {
    for (const command of ['["--data-dir", "/var/lib/app"]', '--data-dir /var/lib/app']) {
      const { changed } = await nonRoot({
        Dockerfile: 'FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\nENTRYPOINT ["/usr/local/bin/app"]\n',
        app: 'bin\n',
        'compose.yaml': `services:\n  app:\n    build: .\n    command: ${command}\n`,
      });
      expect(changed.Dockerfile, command).toContain('chown 1000:1000 /home/app /var/lib/app');
    }
  });

  it('leaves a URL-valued option alone', async () => {
    const { changed } = await nonRoot({ Dockerfile: 'FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\nCMD ["/usr/local/bin/app", "--database", "postgres://db:5432/app"]\n', app: 'bin\n' });
    expect(changed.Dockerfile).toContain('chown 1000:1000 /home/app\n');
  });
});

describe('compose/read-only with data options', () => {
  it('puts a data folder a compose command names on a named volume, not a tmpfs', async () => {
    const { changed, result } = await hardenTree(
      {
        Dockerfile: 'FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\nENTRYPOINT ["/usr/local/bin/app"]\n',
        app: 'bin\n',
        'compose.yaml': 'services:\n  app:\n    build: .\n    command:\n      - --data-dir\n      - /var/lib/app\n',
      },
      ['compose/read-only'],
    );
    const f = result.engine.findings.filter((x) => x.transform === 'compose/read-only');
    expect(f.map((x) => x.message).join('\n')).toContain('a named volume app-app at /var/lib/app (app --data-dir /var/lib/app, a folder it keeps data in');
    expect(changed['compose.yaml']).toContain('volumes: ["app-app:/var/lib/app"]');
    expect(changed['compose.yaml']).not.toMatch(/tmpfs:.*\/var\/lib\/app/);
  });
});
