// withVariableBranches (src/case-branches.ts): a start script shared by several images, branching on an environment
// variable each sets (docker-openwisp's init_command.sh on MODULE_NAME), read only in the branch the known value selects.
import { describe, expect, it } from 'vitest';
import { withVariableBranches } from '../src/case-branches.js';

const OPENWISP = [
  '#!/bin/sh',
  'set -e',
  'source utils.sh',
  'if [ "$MODULE_NAME" = \'dashboard\' ]; then',
  '\tif [ "$CHECK" = \'True\' ]; then',
  '\t\tpython manage.py check',
  '\tfi',
  '\tstart_uwsgi',
  'elif [ "$MODULE_NAME" = \'postfix\' ]; then',
  '\tpostfix start',
  'elif [ "$MODULE_NAME" = \'nginx\' ]; then',
  '\tenvsubst </etc/nginx/nginx.template.conf >/etc/nginx/nginx.conf',
  '\tnginx -g \'daemon off;\'',
  'else',
  '\tstart_uwsgi',
  'fi',
  '',
].join('\n');

const env = (vars: Record<string, string>) => (name: string) => vars[name];
const kept = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

describe('withVariableBranches', () => {
  it('reads only the elif branch the known value selects, its if/then/fi blanked, lines kept', () => {
    const out = withVariableBranches(OPENWISP, env({ MODULE_NAME: 'postfix' }));
    expect(kept(out)).toEqual(['#!/bin/sh', 'set -e', 'source utils.sh', 'postfix start']);
    expect(out.split('\n').length).toBe(OPENWISP.split('\n').length);
    expect(out.length).toBe(OPENWISP.length);
  });

  it('reads the first branch and keeps a nested if on a variable not known', () => {
    const out = withVariableBranches(OPENWISP, env({ MODULE_NAME: 'dashboard' }));
    expect(kept(out)).toEqual(['#!/bin/sh', 'set -e', 'source utils.sh', 'if [ "$CHECK" = \'True\' ]; then', 'python manage.py check', 'fi', 'start_uwsgi']);
  });

  it('reads the else branch when no test holds, and every branch when the value is not known', () => {
    expect(kept(withVariableBranches(OPENWISP, env({ MODULE_NAME: 'api' })))).toEqual(['#!/bin/sh', 'set -e', 'source utils.sh', 'start_uwsgi']);
    expect(withVariableBranches(OPENWISP, env({}))).toBe(OPENWISP);
  });

  it('drops a whole if with no else when no test holds', () => {
    const text = 'echo a\nif [ "$X" = on ]; then\n  touch /etc/x\nfi\necho b\n';
    expect(kept(withVariableBranches(text, env({ X: 'off' })))).toEqual(['echo a', 'echo b']);
  });

  it('reads CRLF scripts, keeping their line ends', () => {
    const text = OPENWISP.replace(/\n/g, '\r\n');
    const out = withVariableBranches(text, env({ MODULE_NAME: 'nginx' }));
    expect(kept(out.replace(/\r/g, ''))).toEqual(['#!/bin/sh', 'set -e', 'source utils.sh', 'envsubst </etc/nginx/nginx.template.conf >/etc/nginx/nginx.conf', "nginx -g 'daemon off;'"]);
    expect(out.match(/\r\n/g)?.length).toBe(text.match(/\r\n/g)?.length);
  });

  it('understands ==, !=, test, [[ ]] (pattern on the right), unquoted words and the literal on the left', () => {
    const run = (test: string, value: string) => kept(withVariableBranches(`if ${test}; then\n  yes\nelse\n  no\nfi\n`, env({ X: value })));
    expect(run('[ "$X" == "a" ]', 'a')).toEqual(['yes']);
    expect(run('[ "$X" != "a" ]', 'a')).toEqual(['no']);
    expect(run('test $X = a', 'a')).toEqual(['yes']);
    expect(run('[ a = "${X}" ]', 'b')).toEqual(['no']);
    expect(run('[[ $X == ce* ]]', 'celery')).toEqual(['yes']);
    expect(run('[[ $X == "ce*" ]]', 'celery')).toEqual(['no']);
    expect(run('[[ $X != ce* ]]', 'celery')).toEqual(['no']);
  });

  it('reads `then` on its own line', () => {
    expect(kept(withVariableBranches('if [ "$X" = a ]\nthen\n  yes\nfi\n', env({ X: 'b' })))).toEqual([]);
  });

  it('chooses nothing where a test before the match is not understood, or the value would be split', () => {
    const unknownFirst = 'if [ -f /x ]; then\n  a\nelif [ "$X" = b ]; then\n  b\nfi\n';
    expect(withVariableBranches(unknownFirst, env({ X: 'b' }))).toBe(unknownFirst);
    const both = 'if [ "$X" = a ] && [ "$Y" = b ]; then\n  a\nfi\n';
    expect(withVariableBranches(both, env({ X: 'a', Y: 'b' }))).toBe(both);
    const split = 'if [ $X = a ]; then\n  a\nfi\n';
    expect(withVariableBranches(split, env({ X: 'a b' }))).toBe(split);
  });

  it('does not trust the environment for a variable the script itself sets', () => {
    for (const set of ['X=b', 'export X=b', 'read X', ': "${X:=b}"', 'for X in a b; do :; done']) {
      const text = `${set}\nif [ "$X" = a ]; then\n  a\nfi\n`;
      expect(withVariableBranches(text, env({ X: 'a' }))).toBe(text);
    }
  });

  it('reads only the case branch the value selects, quoted or not, at any depth', () => {
    const text = 'main() {\n  case $MODE in\n    web|api) serve ;;\n    worker) work ;;\n    *) exit 1 ;;\n  esac\n}\nmain\n';
    expect(kept(withVariableBranches(text, env({ MODE: 'worker' })))).toEqual(['main() {', 'work', '}', 'main']);
    const quoted = 'case "${MODE}" in\n  web) serve ;;\nesac\n';
    expect(kept(withVariableBranches(quoted, env({ MODE: 'other' })))).toEqual([]);
    expect(withVariableBranches(quoted, env({}))).toBe(quoted);
  });

  it('keeps comments out of the choice and steps over a nested case', () => {
    const text = '# if [ "$X" = a ]; then\nif [ "$X" = a ]; then\n  case "$1" in\n    fi) echo fi ;;\n  esac\nelse\n  other\nfi\n';
    expect(kept(withVariableBranches(text, env({ X: 'a' })))).toEqual(['# if [ "$X" = a ]; then', 'case "$1" in', 'fi) echo fi ;;', 'esac']);
  });
});
