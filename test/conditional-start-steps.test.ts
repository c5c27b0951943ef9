// A start step that runs only on some starts (inside an if or case branch, after && or ||, in a function the script
// calls only conditionally or never) is said as a possibility: the step's `how` says why, and the findings say "may"
// (session 38 "still missing": a `sed -i` inside a shell `if` was reported as certain).
import { describe, it, expect } from 'vitest';
import { readStartScriptAfresh } from '../src/start-scripts.js';
import { hardenTree, toCrlf } from './helpers.js';

const read = (text: string) => readStartScriptAfresh(text, 'start.sh', '/', new Map());
const sedAt = (text: string) => read(text).writes.find((w) => w.path === '/etc/app/app.conf');

describe('which start steps are conditional', () => {
  it('marks a sed -i inside an if (multi-line, one line, nested, elif/else branch) or a case branch', () => {
    const shapes = [
      '#!/bin/sh\nif [ -n "$PORT" ]; then\n  sed -i "s/P/$PORT/" /etc/app/app.conf\nfi\nexec app\n',
      '#!/bin/sh\nif [ -n "$PORT" ]; then sed -i "s/P/$PORT/" /etc/app/app.conf; fi\nexec app\n',
      '#!/bin/sh\nif [ -n "$A" ]; then\n  if [ -n "$B" ]; then\n    echo b\n  fi\n  sed -i s/a/b/ /etc/app/app.conf\nfi\n',
      '#!/bin/sh\nif [ -n "$A" ]; then\n  echo a\nelse\n  sed -i s/a/b/ /etc/app/app.conf\nfi\n',
      '#!/bin/sh\ncase "$1" in\n  serve)\n    sed -i s/a/b/ /etc/app/app.conf\n    ;;\nesac\nexec app\n',
    ];
    for (const text of [...shapes, ...shapes.map(toCrlf)]) {
      const w = sedAt(text);
      expect(w, text).toBeDefined();
      expect(w!.conditional, text).toBe('inside an if or case');
      expect(w!.how, text).toMatch(/^sed -i on \/etc\/app\/app\.conf \(start\.sh line \d+, inside an if or case\)$/);
    }
  });

  it("marks a loop's body when it may run no times, not a literal list or while true; an if's own test always runs", () => {
    const shapes: [string, string | undefined][] = [
      ['#!/bin/sh\nfor f in /docker-entrypoint.d/*.envsh; do\n  . "$f"\n  sed -i s/a/b/ /etc/app/app.conf\ndone\nexec app\n', 'inside a loop that may run no times'],
      ['#!/bin/sh\nfor i in $(env | grep APP_); do sed -i "s|$i|x|" /etc/app/app.conf; done\n', 'inside a loop that may run no times'],
      ['#!/bin/bash\nfor arg; do\n  sed -i s/a/b/ /etc/app/app.conf\ndone\n', 'inside a loop that may run no times'],
      ['#!/bin/sh\nenv | while read -r line\ndo\n  sed -i s/a/b/ /etc/app/app.conf\ndone\n', 'inside a loop that may run no times'],
      ['#!/bin/sh\nuntil [ -f /run/ready ]; do\n  sed -i s/a/b/ /etc/app/app.conf\ndone\n', 'inside a loop that may run no times'],
      ['#!/bin/sh\nfor d in cache logs; do\n  sed -i s/a/b/ /etc/app/app.conf\ndone\nexec app\n', undefined],
      ['#!/bin/sh\nwhile true; do\n  sed -i s/a/b/ /etc/app/app.conf\n  break\ndone\n', undefined],
      ['#!/bin/sh\nuntil false; do sed -i s/a/b/ /etc/app/app.conf; break; done\n', undefined],
      // After the loop closes, and a while test itself (it runs once at least).
      ['#!/bin/sh\nfor f in /x/*; do echo "$f"; done\nsed -i s/a/b/ /etc/app/app.conf\n', undefined],
      ['#!/bin/sh\nwhile sed -i s/a/b/ /etc/app/app.conf; do\n  sleep 1\ndone\n', undefined],
      // An if inside a loop still says if; a loop inside a function called always still says loop.
      ['#!/bin/sh\nfor f in /x/*; do\n  if [ -n "$f" ]; then\n    sed -i s/a/b/ /etc/app/app.conf\n  fi\ndone\n', 'inside an if or case'],
      ['#!/bin/sh\nsetup() {\n  for f in "$@"; do\n    sed -i s/a/b/ /etc/app/app.conf\n  done\n}\nsetup a\n', 'inside a loop that may run no times'],
    ];
    for (const [text, why] of [...shapes, ...shapes.map(([t, w]) => [toCrlf(t), w] as [string, string | undefined])]) {
      expect(sedAt(text), text).toBeDefined();
      expect(sedAt(text)!.conditional, text).toBe(why);
    }
    // A function defined inside a loop counts only loops opened in its own body.
    expect(sedAt('#!/bin/sh\nfor f in /x/*; do\n  fix() {\n    sed -i s/a/b/ /etc/app/app.conf\n  }\ndone\nfix\n')!.conditional).toBeUndefined();
  });

  it("an if's test runs whenever the if is reached: if ! mkdir, if sed -i; an elif's test and what follows && there do not", () => {
    const mk = (text: string) => read(text).writes.find((w) => w.path === '/srv/x');
    for (const text of ['#!/bin/sh\nif ! mkdir /srv/x; then\n  echo failed\nfi\n', '#!/bin/sh\nif ! mkdir /srv/x 2>/dev/null\nthen\n  exit 1\nfi\n', '#!/bin/sh\nif ! mkdir /srv/x; then exit 1; fi\n']) {
      expect(mk(text), text).toBeDefined();
      expect(mk(text)!.conditional, text).toBeUndefined();
    }
    expect(mk('#!/bin/sh\nif [ -n "$A" ]; then\n  echo a\nelif ! mkdir /srv/x; then\n  exit 1\nfi\n')!.conditional).toBe('inside an if or case');
    expect(mk('#!/bin/sh\nif [ -n "$A" ] && mkdir /srv/x; then\n  echo a\nfi\n')!.conditional).toBe('after && or ||');
    // The body of that if is still conditional, and a nested if's test sits in the outer if.
    expect(sedAt('#!/bin/sh\nif ! mkdir /srv/x; then\n  sed -i s/a/b/ /etc/app/app.conf\nfi\n')!.conditional).toBe('inside an if or case');
    expect(mk('#!/bin/sh\nif [ -n "$A" ]; then\n  if ! mkdir /srv/x; then exit 1; fi\nfi\n')!.conditional).toBe('inside an if or case');
  });

  it('marks a sed -i after && or || but not one that leads its list, and not one after the if closes', () => {
    expect(sedAt('#!/bin/sh\n[ -f /etc/app/app.conf ] && sed -i s/a/b/ /etc/app/app.conf\n')!.conditional).toBe('after && or ||');
    expect(sedAt('#!/bin/sh\ngrep -q x /etc/app/app.conf || sed -i s/a/b/ /etc/app/app.conf\n')!.conditional).toBe('after && or ||');
    expect(sedAt('#!/bin/sh\nsed -i s/a/b/ /etc/app/app.conf && echo done\n')!.conditional).toBeUndefined();
    expect(sedAt('#!/bin/sh\n[ -n "$X" ] && echo x; sed -i s/a/b/ /etc/app/app.conf\n')!.conditional).toBeUndefined();
    expect(sedAt('#!/bin/sh\nif [ -n "$X" ]; then\n  echo x\nfi\nsed -i s/a/b/ /etc/app/app.conf\n')!.conditional).toBeUndefined();
    expect(sedAt('#!/bin/sh\nif [ -n "$X" ]; then echo x; fi\nsed -i s/a/b/ /etc/app/app.conf | cat\n')!.conditional).toBeUndefined();
  });

  it('follows functions: never called, called only in an if, called at the top level, called from one that always runs', () => {
    const fn = (calls: string) => `#!/bin/bash\nset -e\nconfigure() {\n  sed -i s/a/b/ /etc/app/app.conf\n}\n${calls}exec app\n`;
    expect(sedAt(fn(''))!.conditional).toBe('in function configure, which the script never calls');
    expect(sedAt(fn('if [ -n "$X" ]; then\n  configure\nfi\n'))!.conditional).toBe('in function configure, which the script calls only on some paths');
    expect(sedAt(fn('[ -n "$X" ] && configure\n'))!.conditional).toBe('in function configure, which the script calls only on some paths');
    expect(sedAt(fn('configure\n'))!.conditional).toBeUndefined();
    expect(sedAt(fn('main() {\n  configure\n}\nmain "$@"\n'))!.conditional).toBeUndefined();
    expect(sedAt(fn('main() {\n  configure\n}\n'))!.conditional).toBe('in function configure, which the script calls only on some paths');
    const keyword = '#!/bin/bash\nfunction configure {\n  if [ -n "$X" ]; then\n    echo x\n  fi\n  sed -i s/a/b/ /etc/app/app.conf\n}\nconfigure\n';
    expect(sedAt(keyword)!.conditional).toBeUndefined();
    expect(sedAt('#!/bin/sh\nconfigure() { sed -i s/a/b/ /etc/app/app.conf; }\nexec app\n')!.conditional).toBe('in function configure, which the script never calls');
    expect(sedAt('#!/bin/sh\nconfigure() { sed -i s/a/b/ /etc/app/app.conf; }\nconfigure\n')!.conditional).toBeUndefined();
  });

  it('a write made both in an if and unconditionally is certain', () => {
    const text = '#!/bin/sh\nif [ -n "$X" ]; then\n  sed -i s/a/b/ /etc/app/app.conf\nfi\nsed -i s/c/d/ /etc/app/app.conf\n';
    expect(sedAt(text)!.conditional).toBeUndefined();
    expect(sedAt(text)!.how).toBe('sed -i on /etc/app/app.conf (start.sh line 5)');
  });

  it('marks root-only steps the same way', () => {
    const steps = read('#!/bin/sh\nset -e\nif [ -n "$PUID" ]; then\n  usermod -u "$PUID" app\nfi\n[ -n "$FIX" ] && chown -R www-data /data\nexec gosu app "$@"\n').rootOnlySteps!;
    expect(steps.map((x) => [x.how, x.conditional])).toEqual([
      ['usermod (start.sh line 4, inside an if or case)', 'inside an if or case'],
      ['chown www-data (start.sh line 6, after && or ||)', 'after && or ||'],
      ['gosu app (start.sh line 7)', undefined],
    ]);
  });
});

describe('findings say "may" for a conditional step', () => {
  const APP = ['FROM debian:bookworm-slim', 'RUN useradd --system --uid 1000 --user-group app', 'COPY app.conf /etc/app/app.conf', 'COPY start.sh /start.sh', 'USER app', 'CMD ["/start.sh"]', ''].join('\n');
  const run = async (start: string) => {
    const { result } = await hardenTree({ Dockerfile: APP, 'start.sh': start, 'app.conf': 'port=PORT\n' }, ['dockerfile/non-root-user']);
    return result.engine.findings.filter((f) => f.transform === 'dockerfile/non-root-user').map((f) => f.message);
  };

  it('an existing USER over a sed -i in an if: "may write", "may fail"', async () => {
    const messages = await run('#!/bin/sh\nset -e\nif [ -n "$PORT" ]; then\n  sed -i "s/PORT/$PORT/" /etc/app/app.conf\nfi\nexec /usr/local/bin/app\n');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('its start may write /etc/app/app.conf (sed -i on /etc/app/app.conf (start.sh line 4, inside an if or case)');
    expect(messages[0]).toContain('the container may fail at start as that user');
  });

  it('an unconditional sed -i stays certain', async () => {
    const messages = await run('#!/bin/sh\nset -e\nsed -i "s/PORT/$PORT/" /etc/app/app.conf\nexec /usr/local/bin/app\n');
    expect(messages[0]).toContain('its start writes /etc/app/app.conf (sed -i on /etc/app/app.conf (start.sh line 3)');
    expect(messages[0]).toContain('the container fails at start as that user');
  });

  it('a USER the tool would add, over a guarded chown to another owner: "may run", "may stop"', async () => {
    const df = ['FROM debian:bookworm-slim', 'COPY run.sh /', 'CMD ["/bin/bash", "/run.sh"]', ''].join('\n');
    const { result, changed } = await hardenTree({ Dockerfile: df, 'run.sh': '#!/bin/bash\nset -e\n[ -d /etc/ldap ] && chown -R openldap /etc/ldap\nexec /usr/sbin/slapd -d 256\n' }, ['dockerfile/non-root-user']);
    expect(changed.Dockerfile).toBeUndefined();
    expect(result.engine.findings.map((f) => f.message)).toEqual([expect.stringMatching(/^its start may run chown openldap \(run\.sh line 3, after && or \|\|\) outside a root check.*the start may stop there \(where that step runs\); no user added$/)]);
  });
});
