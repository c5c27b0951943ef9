import { describe, it, expect } from 'vitest';
import { appCodeDrops, appEntryFiles } from '../src/app-drops.js';

/** A container file system held in memory: container path -> text (the host path is the container path). */
function fsOf(files: Record<string, string>) {
  return (p: string) => (p in files ? { text: files[p]!, hostPath: p } : undefined);
}
const name = (p: string) => p.replace(/^\/app\//, '');

describe('appEntryFiles', () => {
  const read = fsOf({ '/app/package.json': JSON.stringify({ scripts: { start: 'NODE_ENV=production node dist/main.js' } }) });
  it.each([
    ['bundle exec puma -C /app/config/puma.rb --dir /app', ['/app/config/puma.rb', '/app/config.ru', '/app/config/boot.rb']],
    ['python3 -u app.py', ['/app/app.py']],
    ['python -m pkg.server', ['/app/pkg/server.py', '/app/pkg/server/__main__.py']],
    ['gunicorn -c gunicorn.conf.py web.wsgi:application', ['/app/gunicorn.conf.py', '/app/web/wsgi.py']],
    ['npm start', ['/app/dist/main.js']],
    ['exec node --enable-source-maps server.mjs', ['/app/server.mjs']],
    ['php artisan serve', []],
    ['php public/index.php', ['/app/public/index.php']],
    ['go run main.go', ['/app/main.go']],
    ['/usr/local/bin/server --port 80', []],
  ])('%s', (text, want) => {
    expect(appEntryFiles([{ text }], '/app', read)).toEqual(want);
  });
});

describe('appCodeDrops', () => {
  it('reads one text per language (kept for the run by text and language) and names each file where it is found', () => {
    // The same text as a Python entry and as a Ruby one: what it drops is read in each language, and each answer names
    // the file it was found in (the reading of a text is kept for the run; where it sits is not part of it).
    const text = 'import os\nos.setuid(1000)\n';
    const py = appCodeDrops(['/app/a.py'], fsOf({ '/app/a.py': text }), name)!;
    expect(py).toMatchObject({ where: 'a.py', reading: { drops: [{ tool: 'os.setuid', user: '1000', line: 2 }] } });
    expect(appCodeDrops(['/app/b.rb'], fsOf({ '/app/b.rb': text }), name)).toBeUndefined();
    expect(appCodeDrops(['/app/sub/c.py'], fsOf({ '/app/sub/c.py': text }), name)).toMatchObject({ where: 'sub/c.py', read: ['sub/c.py'] });
    // A caller changing its answer does not change the next one's.
    py.reading.drops[0]!.line = 99;
    expect(appCodeDrops(['/app/a.py'], fsOf({ '/app/a.py': text }), name)!.reading.drops[0]!.line).toBe(2);
  });

  it('reads a Ruby step down behind a root check, with the chown before it, through require_relative', () => {
    const read = fsOf({
      '/app/config/puma.rb': "require_relative 'dotenv'\nport 3000\n",
      '/app/config/dotenv.rb': "if Process.uid.zero?\n  FileUtils.chown_R(2000, 2000, dir)\n  Process::Sys.setegid(2000)\n  Process::Sys.seteuid(2000)\nend\n",
    });
    const r = appCodeDrops(['/app/config/puma.rb'], read, name)!;
    expect(r.where).toBe('config/dotenv.rb');
    expect(r.read).toEqual(['config/puma.rb', 'config/dotenv.rb']);
    expect(r.reading.drops).toEqual([{ tool: 'Process::Sys.seteuid', user: '2000:2000', line: 4, caps: ['SETGID', 'SETUID'] }]);
    expect(r.reading.rootCheck).toBe(true);
    expect(r.reading.rootCaps).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER']);
  });

  it('names the user a Python lookup gives, and sees no root check where there is none', () => {
    const read = fsOf({ '/app/app.py': 'import os, pwd\nu = pwd.getpwnam("web")\nos.setgid(u.pw_gid)\nos.setuid(u.pw_uid)\n' });
    const r = appCodeDrops(['/app/app.py'], read, name)!;
    expect(r.reading.drops[0]).toMatchObject({ tool: 'os.setuid', user: 'web:web', line: 4 });
    expect(r.reading.rootCheck).toBe(false);
    expect(r.reading.rootCaps).toEqual([]);
  });

  it('follows a variable to the lookup it holds', () => {
    const text = "import os, pwd, grp\ndef drop():\n    if os.getuid() != 0:\n        return\n    running_uid = pwd.getpwnam('agent').pw_uid\n    running_gid = grp.getgrnam('agent').gr_gid\n    os.setgroups([])\n    os.setgid(running_gid)\n    os.setuid(running_uid)\n";
    expect(appCodeDrops(['/app/a.py'], fsOf({ '/app/a.py': text }), name)!.reading).toMatchObject({ rootCheck: true, drops: [{ tool: 'os.setuid', user: 'agent:agent', line: 9 }] });
  });

  it('reads bare calls the file imports from process or os', () => {
    const js = "import { getgid, getuid, setgid, setuid } from 'process';\napp.listen(PORT, () => {\n  setgid(PGID);\n  setuid(PUID);\n});\n";
    expect(appCodeDrops(['/app/i.js'], fsOf({ '/app/i.js': js }), name)!.reading.drops).toEqual([{ tool: 'setuid', line: 4, caps: ['SETGID', 'SETUID'] }]);
    expect(appCodeDrops(['/app/a.py'], fsOf({ '/app/a.py': 'from os import setuid\nsetuid(1000)\n' }), name)!.reading.drops[0]).toMatchObject({ tool: 'setuid', user: '1000' });
    expect(appCodeDrops(['/app/b.js'], fsOf({ '/app/b.js': 'function setuid(x) {}\nsetuid(1)\n' }), name)).toBeUndefined();
  });

  it('reads Node, Go and PHP calls', () => {
    expect(appCodeDrops(['/app/s.js'], fsOf({ '/app/s.js': 'if (process.getuid() === 0) process.setuid(1000);\n' }), name)!.reading).toMatchObject({ rootCheck: true, drops: [{ tool: 'process.setuid', user: '1000' }] });
    expect(appCodeDrops(['/app/main.go'], fsOf({ '/app/main.go': 'if err := syscall.Setuid(65534); err != nil {\n' }), name)!.reading.drops[0]).toMatchObject({ tool: 'syscall.Setuid', user: '65534', caps: ['SETUID'] });
    expect(appCodeDrops(['/app/i.php'], fsOf({ '/app/i.php': "<?php\nposix_setgid(33);\nposix_setuid(33);\n" }), name)!.reading.drops[0]).toMatchObject({ tool: 'posix_setuid', user: '33:33' });
  });

  it('ignores comments, comparisons, and code that does not step down', () => {
    expect(appCodeDrops(['/app/a.rb'], fsOf({ '/app/a.rb': "# Process::Sys.seteuid(2000)\nputs 'root' if Process.uid == 0\n" }), name)).toBeUndefined();
    expect(appCodeDrops(['/app/a.py'], fsOf({ '/app/a.py': 'import os\nprint(os.getuid())\n' }), name)).toBeUndefined();
    expect(appCodeDrops(['/app/missing.py'], fsOf({}), name)).toBeUndefined();
  });

  it('follows imports at most two levels deep', () => {
    const read = fsOf({ '/app/a.js': "require('./b')\n", '/app/b.js': "require('./c')\n", '/app/c.js': "require('./d')\n", '/app/d.js': 'process.setuid(1)\n' });
    expect(appCodeDrops(['/app/a.js'], read, name)).toBeUndefined();
    expect(appCodeDrops(['/app/b.js'], read, name)?.where).toBe('d.js');
  });
});
