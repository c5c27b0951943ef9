// Reading start scripts and commands: privilege drops (which tool, which user,
// whether the line can be made conditional), paths written at start, root checks,
// and finding the script a Dockerfile starts with through its COPY.
import { describe, it, expect } from 'vitest';
import {
  setcapGrants,
  readStartScriptAfresh,
  readStartScript,
  startCommands,
  startScriptRefs,
  dropDecision,
  imagePrivilegeDrop,
  imageStart,
  composeStarts,
  startRenders,
  serviceStart,
  serviceStartScriptRefs,
  startConfigMappings,
  serviceNeedingRoot,
  environmentRunUsers,
} from '../src/start-scripts.js';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { finalStage, resolveStageBase } from '../src/dockerfile-info.js';
import { loadProject } from '../src/model.js';
import { discover } from '../src/discover.js';
import { writeTree, toCrlf } from './helpers.js';
import { rmSync } from 'node:fs';
import path from 'node:path';

const read = (text: string, vars: Record<string, string> = {}, workdir = '/app') => readStartScript(text, 'entrypoint.sh', workdir, new Map(Object.entries(vars)));

describe('privilege drops', () => {
  it.each([
    ['exec gosu app "$@"', 'gosu', 'app', 'exec "$@"'],
    ['exec gosu "$APP_USER" "$@"', 'gosu', 'svc', 'exec "$@"'],
    ['exec su-exec app:app node server.js', 'su-exec', 'app:app', 'exec node server.js'],
    ['  exec su-exec "${U}:${U}" python3 -m app', 'su-exec', 'svc:svc', 'exec python3 -m app'],
    ['exec setpriv --reuid=1000 --regid=1000 --init-groups node server.js', 'setpriv', '1000', 'exec node server.js'],
    ['exec setpriv --reuid 1000 --regid 1000 --clear-groups -- /usr/bin/app --flag', 'setpriv', '1000', 'exec /usr/bin/app --flag'],
    ['exec chroot --userspec=app:app / /usr/local/bin/app', 'chroot', 'app', 'exec /usr/local/bin/app'],
    ['exec s6-setuidgid nobody /bin/app', 's6-setuidgid', 'nobody', 'exec /bin/app'],
    ['exec runuser -u app -- python -m app', 'runuser', 'app', 'exec python -m app'],
    ['exec sudo -u app -H -E python -m app', 'sudo', 'app', 'exec python -m app'],
    ['exec sudo -HEu git bundle exec puma', 'sudo', 'git', 'exec bundle exec puma'],
    ['exec sudo --user=app -- /usr/bin/app --flag', 'sudo', 'app', 'exec /usr/bin/app --flag'],
    ['exec sudo -E -u "$APP_USER" node server.js', 'sudo', 'svc', 'exec node server.js'],
  ])('%s', (line, tool, user, withoutDrop) => {
    const r = read(`#!/bin/sh\nset -e\nU=svc\n${line}\n`, { APP_USER: 'svc' });
    expect(r.drops).toHaveLength(1);
    expect(r.drops[0]).toMatchObject({ tool, user, line: 4, withoutDrop });
    expect(r.drops[0]!.caps).toEqual(expect.arrayContaining(['SETGID', 'SETUID']));
  });

  it('keeps the quoting of the command it leaves, and CRLF line ends out of the line', () => {
    const text = toCrlf('#!/bin/sh\nexec gosu app sh -c \'echo "$HOME"; exec app\'\n');
    const r = read(text);
    expect(r.drops[0]!.withoutDrop).toBe('exec sh -c \'echo "$HOME"; exec app\'');
    const [s, e] = r.drops[0]!.lineRange!;
    expect(text.slice(s, e)).toBe('exec gosu app sh -c \'echo "$HOME"; exec app\'');
  });

  it('cannot rewrite a drop that is part of a list, a continuation, or a string for another shell', () => {
    expect(read('gosu app true && exec gosu app "$@"\n').drops.every((d) => !d.lineRange)).toBe(true);
    expect(read('exec gosu app \\\n  python -m app\n').drops[0]!.lineRange).toBeUndefined();
    const su = read('exec su app -c "python -m app"\n');
    expect(su.drops[0]).toMatchObject({ tool: 'su', user: 'app' });
    expect(su.drops[0]!.lineRange).toBeUndefined();
  });

  it('takes sudo for a drop only with a user other than root, and gives it AUDIT_WRITE for its PAM audit record', () => {
    expect(read('sudo apt-get install -y curl\nexec sudo -E node server.js\nexec sudo -u root app\nexec sudo -u 0 app\n').drops).toEqual([]);
    const r = read('#!/bin/bash\nsudo -u app -H bundle exec rake db:migrate\nexec sudo -u app -H -E bundle exec unicorn\n');
    expect(r.drops.map((d) => [d.tool, d.user, d.line])).toEqual([['sudo', 'app', 3]]);
    expect(r.drops[0]!.caps).toEqual(['SETGID', 'SETUID', 'AUDIT_WRITE']);
    // The last command runs the main process even without exec.
    expect(read('#!/bin/sh\nmkdir -p /run/app\nsudo -u app /usr/bin/app\n').drops.map((d) => d.user)).toEqual(['app']);
  });

  it('takes a sudo in the middle of a root start for a one-off command, whose capabilities the start still needs', () => {
    const r = read('#!/bin/bash\nsudo -u postgres psql -c "CREATE DATABASE app"\nservice nginx start\nexec supervisord -n\n');
    expect(r.drops).toEqual([]);
    expect(r.rootCaps.sort()).toEqual(['AUDIT_WRITE', 'SETGID', 'SETUID']);
  });

  it('is not fooled by the tools named as words, or setpriv without a UID change', () => {
    expect(read('echo "use gosu to drop"\n# exec gosu app "$@"\nexec setpriv --no-new-privs app\n').drops).toEqual([]);
  });

  it('needs SYS_CHROOT for chroot, and CHOWN and friends when the script chowns before the drop', () => {
    expect(read('exec chroot --userspec=app / app\n').drops[0]!.caps).toContain('SYS_CHROOT');
    expect(read('find /data \\! -user app -exec chown app {} +\nexec gosu app "$@"\n').rootCaps).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER']);
    expect(read('exec gosu app "$@"\nchown app /x\n').rootCaps).toEqual([]);
  });

  it('needs KILL where the root shell signals a process it started as another user, and not otherwise', () => {
    // The trap forwards SIGTERM to the child gosu started as app: another user's process.
    expect(read(`#!/bin/sh\ntrap 'kill -TERM $PID; wait $PID' TERM INT\ngosu app node server.js &\nPID=$!\nwait $PID\n`).rootCaps).toContain('KILL');
    // A one-off step down, then a kill of it, before the main drop.
    expect(read('#!/bin/sh\ngosu app migrate &\npid=$!\nsleep 5\nkill "$pid"\nexec gosu app server\n').rootCaps).toContain('KILL');
    // pkill and killall alike; a drop through su-exec.
    expect(read('#!/bin/bash\nsu-exec app worker &\nsu-exec app web &\nwait -n\npkill -P $$\n').rootCaps).toContain('KILL');
    expect(read('#!/bin/bash\nchroot --userspec=app / worker &\nwait\nkillall worker\n').rootCaps).toContain('KILL');
    // The kill runs before an exec drop with no other drop: root signals its own processes.
    expect(read('#!/bin/sh\nkill $(cat /run/old.pid) || true\nexec gosu app server\n').rootCaps).not.toContain('KILL');
    // Nothing runs after exec.
    expect(read('#!/bin/sh\nexec gosu app server\nkill 1\n').rootCaps).not.toContain('KILL');
    // No drop at all: the children are root's own.
    expect(read('#!/bin/sh\nserver &\ntrap "kill $!" TERM\nwait\n').rootCaps).not.toContain('KILL');
    // The child itself sends the signal (the kill is the dropped command).
    expect(read('#!/bin/sh\ngosu app kill -HUP 1 &\nexec gosu app server\n').rootCaps).not.toContain('KILL');
  });

  it('tells a root check from a mention of id -u', () => {
    expect(read('if [ "$(id -u)" = \'0\' ]; then exec gosu app "$0" "$@"; fi\nexec "$@"\n').rootCheck).toBe(true);
    expect(read('if [ $EUID -ne 0 ]; then exec "$@"; fi\nexec gosu app "$@"\n').rootCheck).toBe(true);
    expect(read('echo "starting as $(id -u)"\nexec gosu app "$@"\n').rootCheck).toBe(false);
  });
});

describe('steps up to root at start', () => {
  it('records sudo and doas to root, in any option form, and not a sudo -u step down to a user', () => {
    const steps = (line: string) => read(`#!/bin/sh\n${line}\nexec "$@"\n`).escalations ?? [];
    expect(steps('sudo chown app /data')).toEqual(['sudo (entrypoint.sh line 2)']);
    expect(steps('sudo -n -E /usr/sbin/postfix start')).toEqual(['sudo (entrypoint.sh line 2)']);
    expect(steps('/usr/bin/sudo -u root mount -a')).toEqual(['sudo (entrypoint.sh line 2)']);
    expect(steps('sudo --user=0 service cron start')).toEqual(['sudo (entrypoint.sh line 2)']);
    expect(steps('doas rc-service nginx start')).toEqual(['doas (entrypoint.sh line 2)']);
    expect(steps('[ -w /data ] || sudo chown app /data')).toEqual(['sudo (entrypoint.sh line 2)']);
    expect(steps('sudo -u app node server.js')).toEqual([]);
    expect(steps('sudo --user app node server.js')).toEqual([]);
    expect(steps('echo "run sudo by hand"')).toEqual([]);
    expect(read('#!/bin/sh\nexec node server.js\n').escalations).toBeUndefined();
  });
});

describe('writes at start', () => {
  it('finds directories, rendered files, in-place edits and databases, with variables and relative paths', () => {
    const r = read(
      [
        '#!/bin/sh',
        'CONF=/etc/web/config.json',
        'mkdir -p /run/web "$DATA/cache" -m 0750 /var/log/web',
        'envsubst < /app/config.tmpl > "$CONF"',
        'echo ok >> logs/start.log 2>/dev/null',
        'sed -i "s/x/y/" static/env.js',
        'printf "%s" "$TOKEN" | tee /run/web/token >/dev/null',
        'sqlite3 data/app.db "PRAGMA user_version;"',
        'echo done >&2',
        'exec web',
      ].join('\n'),
      { DATA: '/var/lib/web' },
    );
    const got = r.writes.map((w) => `${w.kind} ${w.path}`);
    expect(got).toEqual([
      'dir /run/web',
      'dir /var/lib/web/cache',
      'dir /var/log/web',
      'file /etc/web/config.json',
      'file /app/logs/start.log',
      'dir-of /app/static/env.js',
      'file /run/web/token',
      'file /app/data/app.db',
      'dir-of /app/data/app.db',
    ]);
    expect(r.writes[0]!.how).toBe('mkdir /run/web (entrypoint.sh line 3)');
  });

  it("takes zip's archive (or -O's) as a write beside which zip makes its temporary file", () => {
    const got = (text: string) => read(text, {}, '/campfire').writes.map((w) => `${w.kind} ${w.path}`);
    // once-campfire's Dockerfile-export CMD, as a script line.
    expect(got('zip -r /campfire.zip .\n')).toEqual(['dir-of /campfire.zip']);
    // A relative archive is under the working directory; -b's and -x's values are not the archive.
    expect(got('zip -q -b /tmp out/site.zip dist\n')).toEqual(['dir-of /campfire/out/site.zip']);
    expect(got('zip -O /export/new.zip old.zip -u a.txt\n')).toEqual(['dir-of /export/new.zip']);
    expect(got('unzip -o /in.zip -d /tmp/x\n')).toEqual([]);
  });

  it('reads find | xargs (and grep -rl | xargs) as the find -exec it amounts to, on one line or a pipe continued on the next', () => {
    const got = (text: string, vars: Record<string, string> = {}) => read(text, vars, '/srv').writes.map((w) => `${w.kind} ${w.path}${w.tree ? ' tree' : ''} ${w.how}`);
    // nginx's env hook shape: -print0 | xargs -0, the whole web root below.
    expect(got("find /usr/share/nginx/html -type f -name '*.js' -print0 | xargs -0 sed -i \"s|__API__|$API|g\"\n")).toEqual([
      'dir-of /usr/share/nginx/html/* tree sed -i on the files find /usr/share/nginx/html finds (find | xargs, entrypoint.sh line 1)',
    ]);
    // The pipe at a line's end continues on the next; -r, -I{} (replace string) and -maxdepth 1: files in the folder only.
    expect(got("#!/bin/sh\nset -e\nfind ./public -maxdepth 1 -name '*.js' |\n  xargs -r -I{} sed -i 's/a/b/' {}\nexec web\n")).toEqual([
      'dir-of /srv/public/* sed -i on the files find ./public finds (find | xargs, entrypoint.sh line 3)',
    ]);
    // A folder from a variable the script sets; grep -rl lists the matching files below its folders.
    expect(got('ROOT=/srv/www\ngrep -rl __API_URL__ "$ROOT" | xargs sed -i "s|__API_URL__|$API_URL|g"\n')).toEqual([
      'dir-of /srv/www/* tree sed -i on the files grep lists below $ROOT (grep | xargs, entrypoint.sh line 2)',
    ]);
    // CRLF scripts read alike.
    expect(got(toCrlf("find /data -name '*.conf' |\nxargs sed -i s/a/b/\n"))).toEqual(['dir-of /data/* tree sed -i on the files find /data finds (find | xargs, entrypoint.sh line 1)']);
    // Not a file list below a folder, not a pipe, names from a file, a command that writes nothing, a comment ending in |.
    for (const text of [
      'grep -l x /srv/www/index.html | xargs sed -i s/a/b/\n',
      'find /srv -name x || xargs sed -i s/a/b/\n',
      "find /srv -name '*.conf' | xargs -a list sed -i s/a/b/\n",
      "find /srv -name '*.conf' | xargs grep -l foo\n",
      'ls /srv/*.js | xargs sed -i s/a/b/\n',
      '# list the files |\nfind /data -name x\n',
    ]) expect(got(text)).toEqual([]);
  });

  it('reads a here-document body as data, not commands, up to its delimiter', () => {
    const got = (text: string) => read(text, {}, '/data').writes.map((w) => `${w.kind} ${w.path}`);
    // The body line `user default on >secret` is no redirect to /data/secret.
    expect(got('cat > /tmp/users.acl <<EOF\nuser default on >secret ~* +@all\nEOF\nredis-server --aclfile /tmp/users.acl\n')).toEqual(['file /tmp/users.acl']);
    // Quoted delimiter, `<<-` with tab-indented body and delimiter, and a command after the body still read.
    expect(got("cat <<'END' > /etc/app.conf\nlisten >80\nEND\nmkdir -p /run/app\n")).toEqual(['file /etc/app.conf', 'dir /run/app']);
    expect(got('if true; then\n\tcat <<-EOF >/run/a.conf\n\tkey >value\n\tEOF\n\tmkdir /run/b\nfi\n')).toEqual(['file /run/a.conf', 'dir /run/b']);
    // Two here-documents opened on one line are both skipped.
    expect(got('paste /dev/fd/3 3<<A - <<B > /run/joined\nx >one\nA\ny >two\nB\n')).toEqual(['file /run/joined']);
    // A here-string opens no body: the next line is a command.
    expect(got('grep -q x <<< "$V"\necho 1 > /run/flag\n')).toEqual(['file /run/flag']);
  });

  it('reads a here-document fed to a shell as its script', () => {
    const got = (text: string) => read(text, {}, '/data').writes.map((w) => `${w.kind} ${w.path}`);
    expect(got('sh <<EOF\nmkdir -p /run/app\necho ok > /run/app/ready\nEOF\n')).toEqual(['dir /run/app', 'file /run/app/ready']);
    // `sh -c '...' <<EOF`: the shell runs its -c text and the body is only its standard input (no /data/notafile).
    expect(got("sh -c 'cat' <<EOF\nx >notafile\nEOF\n")).toEqual([]);
  });

  it('leaves paths it cannot know: unknown variables, globs, after cd', () => {
    expect(read('mkdir -p "$UNSET/x" /var/*/y\n').writes).toEqual([]);
    expect(read('cd /srv\nmkdir -p data\n').writes).toEqual([]);
  });
});

describe('start commands and scripts', () => {
  const stageOf = (text: string) => {
    const parsed = parseDockerfile(text);
    return resolveStageBase(parsed, finalStage(parsed)!);
  };

  it('an ENTRYPOINT in a later stage resets a CMD from an earlier one, not its own', () => {
    const cmds = startCommands(stageOf('FROM debian AS a\nCMD ["a"]\nFROM a\nENTRYPOINT ["/e.sh"]\n'));
    expect(cmds.map((c) => c.via)).toEqual(['ENTRYPOINT']);
    expect(startCommands(stageOf('FROM debian\nCMD ["x"]\nENTRYPOINT ["/e.sh"]\n')).map((c) => c.via)).toEqual(['ENTRYPOINT', 'CMD']);
  });

  async function project(tree: Record<string, string>) {
    const dir = writeTree(tree);
    const found = await discover([dir], dir, { exclude: [] });
    return { dir, project: await loadProject(found.files, dir, found.roots) };
  }

  it.each([
    ['exec form on PATH', 'COPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["docker-entrypoint.sh"]', 'docker-entrypoint.sh'],
    ['through tini', 'COPY scripts/ /scripts/\nENTRYPOINT ["/usr/bin/tini", "--", "/scripts/start.sh"]', 'scripts/start.sh'],
    ['sh with a relative script under WORKDIR', 'WORKDIR /srv\nCOPY . .\nCMD ["sh", "scripts/start.sh"]', 'scripts/start.sh'],
    ['bash -c', 'WORKDIR /srv\nCOPY . .\nCMD ["bash", "-c", "./scripts/start.sh --prod"]', 'scripts/start.sh'],
    ['shell form', 'COPY run /run-app\nCMD /run-app', 'run'],
  ])('finds the script: %s', async (_name, body, rel) => {
    const { dir, project: p } = await project({
      Dockerfile: `FROM debian:bookworm-slim\n${body}\n`,
      'docker-entrypoint.sh': '#!/bin/sh\nexec gosu app "$@"\n',
      'scripts/start.sh': '#!/bin/sh\nexec gosu app "$@"\n',
      run: '#!/bin/bash\nexec gosu app "$@"\n',
      'bin/agent': '\u007fELF not a script',
    });
    try {
      const df = p.dockerfiles[0]!;
      const base = resolveStageBase(df.parsed, finalStage(df.parsed)!);
      const refs = startScriptRefs(p, df, base);
      expect(refs.map((r) => path.relative(dir, r.hostPath))).toEqual([rel]);
      expect(p.files.get(refs[0]!.hostPath)?.kind).toBe('script');
      const drop = imagePrivilegeDrop(imageStart(p, df, base))!;
      expect(drop).toMatchObject({ where: path.basename(rel), caps: ['SETGID', 'SETUID'], conditional: false });
      expect(dropDecision('keep', drop)).toHaveProperty('keep');
      expect(dropDecision('conditional', drop)).toEqual({ conditional: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows the scripts a start script runs, at any depth, through a builder stage, by path, shell or source', async () => {
    const { dir, project: p } = await project({
      // Mautic's shape: the scripts reach the image through a builder stage, and the entrypoint dispatches by role.
      Dockerfile:
        'FROM debian:bookworm-slim AS builder\nCOPY ./common/ /common/\n\nFROM debian:bookworm-slim\n' +
        'COPY --from=builder /common/startup/ /startup/\nCOPY --from=builder /common/docker-entrypoint.sh /entrypoint.sh\n' +
        'COPY --from=builder /common/entrypoint_cron.sh /entrypoint_cron.sh\nCOPY --from=builder /common/lib.sh /usr/local/lib/lib.sh\n' +
        'ENTRYPOINT ["/entrypoint.sh"]\n',
      'common/docker-entrypoint.sh':
        '#!/bin/bash\nset -e\n. /usr/local/lib/lib.sh\n/startup/check_volumes.sh\ncase "$ROLE" in\n  cron) /entrypoint_cron.sh ;;\n  *) bash /startup/web.sh "$@" ;;\nesac\n',
      'common/lib.sh': '#!/bin/sh\nlog() { echo "$@"; }\n',
      'common/startup/check_volumes.sh': '#!/bin/bash\nchown -R www-data:www-data /var/www/html/config\n',
      'common/startup/web.sh': '#!/bin/bash\nexec gosu www-data /startup/after-drop.sh\n',
      // Run by the drop: as www-data, after the step down; not a root step of the start.
      'common/startup/after-drop.sh': '#!/bin/sh\ncron -f\n',
      'common/entrypoint_cron.sh': '#!/bin/bash\nmkdir -p /opt/app/cron\ncron -f\n',
    });
    try {
      const df = p.dockerfiles[0]!;
      const base = resolveStageBase(df.parsed, finalStage(df.parsed)!);
      const refs = startScriptRefs(p, df, base);
      expect(refs.map((r) => path.relative(dir, r.hostPath))).toEqual([
        'common/docker-entrypoint.sh',
        'common/lib.sh',
        'common/startup/check_volumes.sh',
        'common/entrypoint_cron.sh',
        'common/startup/web.sh',
      ]);
      for (const r of refs) expect(p.files.get(r.hostPath)?.kind).toBe('script');
      const start = imageStart(p, df, base);
      const reading = (name: string) => start.scripts.find((x) => x.ref.hostPath.endsWith(name))!.reading;
      expect(reading('check_volumes.sh').rootCaps).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER']);
      expect(reading('entrypoint_cron.sh').rootDaemons).toEqual(['cron (entrypoint_cron.sh line 3)']);
      expect(reading('entrypoint_cron.sh').writes.map((w) => w.path)).toEqual(['/opt/app/cron']);
      expect(imagePrivilegeDrop(start)).toMatchObject({ drop: { tool: 'gosu', user: 'www-data' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not follow a script named by a variable, nor one no COPY brings in', async () => {
    const { dir, project: p } = await project({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\n',
      'entrypoint.sh': '#!/bin/sh\n"$HOOK_DIR"/hook.sh\n/opt/vendor/setup.sh\nexec "$@"\n',
      'hook.sh': '#!/bin/sh\nchown -R app /data\n',
      'setup.sh': '#!/bin/sh\nchown -R app /data\n',
    });
    try {
      const df = p.dockerfiles[0]!;
      const base = resolveStageBase(df.parsed, finalStage(df.parsed)!);
      expect(startScriptRefs(p, df, base).map((r) => path.relative(dir, r.hostPath))).toEqual(['entrypoint.sh']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not load a binary the image starts with', async () => {
    const { dir, project: p } = await project({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY bin/agent /usr/local/bin/agent\nENTRYPOINT ["agent"]\n',
      'bin/agent': '\u007fELF\u0000binary',
    });
    try {
      expect([...p.files.values()].filter((f) => f.kind === 'script')).toEqual([]);
      expect(p.errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a drop in the Dockerfile itself: it is not rewritten', async () => {
    const { dir, project: p } = await project({ Dockerfile: 'FROM debian:bookworm-slim\nCMD ["gosu", "app", "python3", "-m", "app"]\n' });
    try {
      const df = p.dockerfiles[0]!;
      const drop = imagePrivilegeDrop(imageStart(p, df, resolveStageBase(df.parsed, finalStage(df.parsed)!)))!;
      expect(drop).toMatchObject({ where: 'the Dockerfile', drop: { tool: 'gosu', user: 'app' } });
      expect(dropDecision('conditional', drop)).toEqual({ keep: "the drop is in the Dockerfile's ENTRYPOINT/CMD, which is not rewritten" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('daemons that must start as root', () => {
  it('names sshd, cron, postfix, SysV service and init.d scripts, with where', () => {
    const r = read('#!/bin/sh\nset -e\nservice cron start\n/etc/init.d/rsyslog start\npostfix start\nexec /usr/sbin/sshd -D -e\n');
    expect(r.rootDaemons).toEqual(['service (entrypoint.sh line 3)', 'rsyslog (entrypoint.sh line 4)', 'postfix (entrypoint.sh line 5)', 'sshd (entrypoint.sh line 6)']);
  });
  it('does not count an app called ./service, or a daemon started after the script dropped root', () => {
    expect(read('#!/bin/sh\nexec ./service --port 8080\n').rootDaemons).toEqual([]);
    expect(read('#!/bin/sh\nexec gosu app cron -f\n').rootDaemons).toEqual([]);
    expect(read('#!/bin/sh\nchown -R app /data\nexec su-exec app "$@"\ncrond -f\n').rootDaemons).toEqual([]);
  });
  it('names process supervisors: s6-overlay /init, /sbin/init, my_init, runsvdir, s6-svscan', () => {
    expect(read('/init\n').rootDaemons).toEqual(['/init (entrypoint.sh line 1)']);
    expect(read('exec /sbin/init\n').rootDaemons).toEqual(['/sbin/init (entrypoint.sh line 1)']);
    expect(read('exec /sbin/my_init -- /app/run\n').rootDaemons).toEqual(['/sbin/my_init (entrypoint.sh line 1)']);
    expect(read('exec runsvdir -P /etc/service\n').rootDaemons).toEqual(['runsvdir (entrypoint.sh line 1)']);
    expect(read('exec s6-svscan /etc/s6\n').rootDaemons).toEqual(['s6-svscan (entrypoint.sh line 1)']);
  });
  it('does not take an app binary called init for a supervisor', () => {
    expect(read('exec ./init --serve\n').rootDaemons).toEqual([]);
    expect(read('exec /app/bin/init\n').rootDaemons).toEqual([]);
    expect(read('python manage.py init\n').rootDaemons).toEqual([]);
  });
});

describe('a compose command or entrypoint is the start', () => {
  async function project(tree: Record<string, string>) {
    const dir = writeTree(tree);
    const found = await discover([dir], dir, { exclude: [] });
    return { dir, project: await loadProject(found.files, dir, found.roots) };
  }

  it('splits a string command as compose does, and keeps a list as it is', async () => {
    const { dir, project: p } = await project({
      'compose.yaml':
        'services:\n  a:\n    image: x\n    command: sh -c "envsubst < /t > /o && nginx -g \'daemon off;\'"\n  b:\n    image: x\n    entrypoint: ["/start.sh", "--now"]\n    command: run\n',
    });
    try {
      const [a, b] = p.services;
      expect(composeStarts(a!)).toEqual([{ via: 'command', argv: ['sh', '-c', "envsubst < /t > /o && nginx -g 'daemon off;'"], where: 'command of service a (compose.yaml line 4)' }]);
      expect(composeStarts(b!).map((c) => [c.via, c.argv])).toEqual([
        ['entrypoint', ['/start.sh', '--now']],
        ['command', ['run']],
      ]);
      expect(composeStarts(b!).map((c) => c.where)).toEqual(['entrypoint of service b (compose.yaml line 7)', 'command of service b (compose.yaml line 8)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads envsubst renders: template and destination, relative to the working directory', () => {
    expect(startRenders("#!/bin/sh\nenvsubst '$A' < /tmp/default.conf > /etc/nginx/conf.d/default.conf && nginx\n", 'start.sh', '/app')).toEqual([
      { source: '/tmp/default.conf', dest: '/etc/nginx/conf.d/default.conf', how: 'envsubst (start.sh line 2)' },
    ]);
    expect(startRenders('envsubst <site.tpl >$OUT\n', 'start.sh', '/srv')).toEqual([{ source: '/srv/site.tpl', how: 'envsubst (start.sh line 1)' }]);
    expect(startRenders('echo envsubst > /x\n', 'start.sh', '/')).toEqual([]);
  });

  it('answers a start text again from the run memo with lists of its own, and by every argument', () => {
    const text = 'envsubst < site.tpl > /etc/nginx/conf.d/site.conf\n';
    const first = startRenders(text, 'start.sh', '/srv');
    first[0]!.source = '/changed';
    first.push({ how: 'added' });
    expect(startRenders(text, 'start.sh', '/srv')).toEqual([{ source: '/srv/site.tpl', dest: '/etc/nginx/conf.d/site.conf', how: 'envsubst (start.sh line 1)' }]);
    // Another working directory, place or numbering is another answer, not the kept one.
    expect(startRenders(text, 'start.sh', '/app')[0]!.source).toBe('/app/site.tpl');
    expect(startRenders(text, 'run.sh', '/srv')[0]!.how).toBe('envsubst (run.sh line 1)');
    expect(startRenders(text, 'CMD at line 3', '/srv', false)[0]!.how).toBe('envsubst (CMD at line 3)');
  });

  it("reads only the case branch the start's known argument runs (CMD after the ENTRYPOINT script, compose command)", async () => {
    const script = ['#!/bin/sh', 'case "${1:-serve}" in', '  serve) exec server ;;', '  build|bundle)', '    mkdir -p /opt/out', '    exec make', '    ;;', '  *) exec "$@" ;;', 'esac', ''].join('\n');
    const { dir, project: p } = await project({
      'compose.yaml': 'services:\n  app:\n    build: .\n  builder:\n    build: .\n    command: ["bundle"]\n  shelled:\n    build: .\n    command: run $X\n',
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\nCMD ["serve"]\n',
      'start.sh': script,
    });
    try {
      const df = p.dockerfiles[0]!;
      const base = resolveStageBase(df.parsed, finalStage(df.parsed)!);
      const writes = (start: ReturnType<typeof imageStart>) => start.scripts.flatMap((x) => x.reading.writes.map((w) => w.path));
      // The image's CMD ["serve"]: the build branch is not read.
      expect(writes(imageStart(p, df, base))).toEqual([]);
      const byName = (name: string) => p.services.find((s) => s.name === name)!;
      // compose `command: ["bundle"]` runs `build|bundle)`; a shell-form command (its words not known as argv) reads every branch.
      expect(writes(serviceStart(p, byName('builder'), df, base))).toEqual(['/opt/out']);
      expect(writes(serviceStart(p, byName('shelled'), df, base))).toEqual(['/opt/out']);
      // The script as read keeps its lines: a finding names the file's own line numbers.
      // The step sits in the case branch the known argument chooses: it runs on every start of that service, so it is certain.
      expect(serviceStart(p, byName('builder'), df, base).scripts[0]!.reading.writes[0]!.how).toBe('mkdir /opt/out (start.sh line 5)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows a script the service mounts and runs, and what it writes at start', async () => {
    const { dir, project: p } = await project({
      'compose.yaml': 'services:\n  web:\n    build: .\n    volumes:\n      - ./start.sh:/opt/start.sh\n      - ./site.conf:/tmp/site.conf\n    command: /opt/start.sh\n',
      Dockerfile: 'FROM nginx:1.27\nCMD ["nginx", "-g", "daemon off;"]\n',
      'start.sh': '#!/bin/sh\nmkdir -p /var/lib/web\nenvsubst < /tmp/site.conf > /etc/nginx/conf.d/default.conf\nexec nginx -g "daemon off;"\n',
      'site.conf': 'server {\n  listen 80;\n}\n',
    });
    try {
      const s = p.services[0]!;
      const df = p.dockerfiles[0]!;
      const base = resolveStageBase(df.parsed, finalStage(df.parsed)!);
      expect(serviceStartScriptRefs(p, s, df, base).map((r) => [path.relative(dir, r.hostPath), r.containerPath])).toEqual([['start.sh', '/opt/start.sh']]);
      // The image's own start (CMD nginx) writes nothing; the service's start writes these.
      expect(imageStart(p, df, base).scripts).toEqual([]);
      const writes = serviceStart(p, s, df, base).scripts.flatMap((x) => x.reading.writes.map((w) => [w.kind, w.path]));
      expect(writes).toEqual([
        ['dir', '/var/lib/web'],
        ['file', '/etc/nginx/conf.d/default.conf'],
      ]);
      const m = startConfigMappings(p, s, df, base);
      expect(m.map((x) => [x.containerPath, x.hostPath && path.relative(dir, x.hostPath), x.unknown])).toEqual([['/etc/nginx/conf.d/default.conf', 'site.conf', undefined]]);
      // The template the render places under /etc/nginx is loaded as nginx configuration.
      expect(p.nginx.map((f) => f.rel)).toEqual(['site.conf']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an entrypoint in compose clears the image CMD; other writes into /etc/nginx cannot be followed', async () => {
    const { dir, project: p } = await project({
      'compose.yaml': 'services:\n  web:\n    build: .\n    entrypoint: ["sh", "-c", "sed -i s/80/8000/ /etc/nginx/nginx.conf && exec nginx"]\n',
      Dockerfile: 'FROM nginx:1.27\nCOPY start.sh /start.sh\nCMD ["/start.sh"]\n',
      'start.sh': '#!/bin/sh\nenvsubst < /t > /etc/nginx/conf.d/default.conf\n',
    });
    try {
      const s = p.services[0]!;
      const df = p.dockerfiles[0]!;
      const base = resolveStageBase(df.parsed, finalStage(df.parsed)!);
      expect(serviceStartScriptRefs(p, s, df, base)).toEqual([]);
      expect(startConfigMappings(p, s, df, base).map((x) => [x.containerPath, x.unknown])).toEqual([['/etc/nginx/nginx.conf', 'it is written at start, which I cannot follow']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the same command text for an image start and a service start (sh -c unwrapped, other words shell-quoted)', async () => {
    // One helper (startUsers) reads both: the server a `sh -c` runs is seen, and supervisord's -c path is read, whichever start names them.
    const { dir, project: p } = await project({
      'compose.yaml':
        'services:\n  image:\n    build: .\n  service:\n    build: .\n    command: ["sh", "-c", "exec gunicorn --user nobody app:app"]\n  sup:\n    build: .\n    command: ["supervisord", "-c", "/etc/sv/app.conf"]\n',
      Dockerfile: 'FROM python:3.12-slim\nCOPY app.conf /etc/sv/app.conf\nCMD ["sh", "-c", "exec gunicorn --user nobody app:app"]\n',
      'app.conf': '[supervisord]\nnodaemon=true\n\n[program:web]\ncommand=gunicorn app:app\nuser=www-data\n',
    });
    try {
      const df = p.dockerfiles[0]!;
      const base = resolveStageBase(df.parsed, finalStage(df.parsed)!);
      const byName = (n: string) => p.services.find((s) => s.name === n)!;
      const image = imageStart(p, df, base);
      expect(image.runUsers.map((u) => [u.user, u.how])).toEqual([['nobody', 'gunicorn --user nobody (CMD at line 3)']]);
      const service = serviceStart(p, byName('service'), df, base);
      expect(service.runUsers.map((u) => u.user)).toEqual(['nobody']);
      const sup = serviceStart(p, byName('sup'), df, base);
      expect(sup.supervisedUsers.map((u) => u.user)).toEqual(['www-data']);
      expect(sup.runUsers.map((u) => u.user)).toEqual(['www-data']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a service whose own command drops privileges keeps the image on root; its siblings do not', async () => {
    const { dir, project: p } = await project({
      'compose.yaml':
        'services:\n  web:\n    build: .\n  migrate:\n    build: .\n    command: python manage.py migrate\n  worker:\n    build: .\n    command: sh -c "chown -R app /data && exec gosu app celery worker"\n',
      Dockerfile: 'FROM python:3.12-slim\nRUN useradd app\nCMD ["gunicorn", "app:app"]\n',
    });
    try {
      const df = p.dockerfiles[0]!;
      const base = resolveStageBase(df.parsed, finalStage(df.parsed)!);
      const byName = (n: string) => p.services.find((s) => s.name === n)!;
      expect(serviceNeedingRoot(p, df, base, [byName('web'), byName('migrate')])).toBeUndefined();
      const found = serviceNeedingRoot(p, df, base, p.services)!;
      expect(found.service.name).toBe('worker');
      expect(found.drop).toMatchObject({ where: 'command of service worker (compose.yaml line 9)', caps: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] });
      expect(found.drop!.drop).toMatchObject({ tool: 'gosu', user: 'app' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes UWSGI_UID from the image ENV or the service environment as the user uwsgi runs as', async () => {
    const { dir, project: p } = await project({
      'compose.yaml': 'services:\n  a:\n    build: .\n    environment:\n      UWSGI_UID: www-data\n  b:\n    build: .\n    environment: ["UWSGI_UID=0"]\n',
      Dockerfile: 'FROM python:3.12-slim\nCMD ["uwsgi", "--http", ":8000"]\n',
      'env/Dockerfile': 'FROM python:3.12-slim\nENV UWSGI_UID=app UWSGI_GID=app\nCMD ["uwsgi", "--http", ":8000"]\n',
    });
    try {
      const [df, envDf] = ['Dockerfile', 'env/Dockerfile'].map((rel) => p.dockerfiles.find((d) => d.rel === rel)!);
      const base = resolveStageBase(df!.parsed, finalStage(df!.parsed)!);
      const start = imageStart(p, df!, base);
      expect(start.runUsers).toEqual([]);
      expect(start.uwsgi).toBe('CMD at line 2');
      const [a, b] = ['a', 'b'].map((n) => p.services.find((s) => s.name === n)!);
      expect(environmentRunUsers(a!, start).map((u) => u.user)).toEqual(['www-data']);
      expect(environmentRunUsers(b!, start)).toEqual([]); // root is no evidence
      const envStart = imageStart(p, envDf!, resolveStageBase(envDf!.parsed, finalStage(envDf!.parsed)!));
      expect(envStart.runUsers.map((u) => [u.user, u.group])).toEqual([['app', 'app']]);
      expect(envStart.uwsgi).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('setcapGrants', () => {
  it('reads the capabilities a setcap grants (cap_from_text(3) clauses), and none from a removal', () => {
    expect(setcapGrants(['setcap', 'cap_ipc_lock=+ep', '/bin/vault'])).toEqual(['IPC_LOCK']);
    expect(setcapGrants(['setcap', 'cap_net_bind_service,cap_net_raw+ep', '/usr/bin/app'])).toEqual(['NET_BIND_SERVICE', 'NET_RAW']);
    expect(setcapGrants(['setcap', '-q', 'CAP_NET_RAW=eip', '/usr/bin/nmap'])).toEqual(['NET_RAW']);
    expect(setcapGrants(['setcap', 'cap_ipc_lock=-ep', '/bin/vault'])).toEqual([]);
    expect(setcapGrants(['setcap', 'cap_ipc_lock=e', '/bin/vault'])).toEqual([]);
    expect(setcapGrants(['setcap', '-r', '/bin/vault'])).toEqual([]);
    expect(setcapGrants(['setcap', '$CAPS', '/bin/app'])).toBeUndefined();
  });

  it('a start script: setcap before the drop needs SETFCAP and keeps the granted capability; one under a root check is not a root-only step', () => {
    const plain = readStartScriptAfresh('#!/bin/sh\nset -e\nsetcap cap_ipc_lock=+ep /bin/vault\nset -- su-exec vault "$@"\nexec "$@"\n', 'entry.sh', '/', new Map());
    expect(plain.rootCaps).toEqual(expect.arrayContaining(['SETFCAP', 'IPC_LOCK']));
    expect(plain.fileCapSets).toEqual([{ how: 'setcap cap_ipc_lock=+ep (entry.sh line 3)', caps: ['IPC_LOCK'] }]);
    expect(plain.drops.map((d) => [d.tool, d.user])).toEqual([['su-exec', 'vault']]);
    const guarded = readStartScriptAfresh('#!/bin/sh\nif [ "$(id -u)" = 0 ]; then\n  setcap cap_ipc_lock=+ep /bin/vault\nfi\nexec vault\n', 'entry.sh', '/', new Map());
    expect(guarded.fileCapSets).toBeUndefined();
  });
});

describe('files the start tests for before writing them', () => {
  it('marks a write whose path a [ -f ] / [[ -f ]] / test -s names, through variables', () => {
    const r = read(
      [
        '#!/bin/sh',
        'CONFIG="$DATA/config.yml"',
        'if [ ! -f "$CONFIG" ]; then',
        '  cp /app/config.example.yml "$CONFIG"',
        'fi',
        'test -s /app/secret.key || head -c 32 /dev/urandom > /app/secret.key',
        'echo started > /app/started.txt',
      ].join('\n'),
      { DATA: '/app/data' },
    );
    const byPath = new Map(r.writes.map((w) => [w.path, w]));
    expect(byPath.get('/app/data/config.yml')?.tested).toBe('entrypoint.sh line 3 tests whether it exists');
    expect(byPath.get('/app/secret.key')?.tested).toBe('entrypoint.sh line 6 tests whether it exists');
    expect(byPath.get('/app/started.txt')?.tested).toBeUndefined();
  });

  it('does not read a flag of another command as a test (`ls -s`, `cp -f`)', () => {
    const r = read(['#!/bin/sh', 'cp -f /app/a.conf /app/conf/a.conf', 'ls -s /app/conf/a.conf'].join('\n'));
    expect(r.writes.find((w) => w.path === '/app/conf/a.conf')?.tested).toBeUndefined();
  });
});
