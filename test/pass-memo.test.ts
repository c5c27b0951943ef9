// Memos that spare repeated work (issue 13) must answer exactly what the work
// answers, and never outlive what they were made for.
import { describe, it, expect } from 'vitest';
import { PassMemo, withPassMemos } from '../src/pass-memo.js';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { runCommands, runScript } from '../src/dockerfile-info.js';
import { shellCommands } from '../src/knowledge/images.js';

describe('PassMemo', () => {
  it('answers once per key inside a pass, afresh in the next pass and outside any pass', () => {
    const memo = new PassMemo<object, number>();
    const a = {};
    const b = {};
    let calls = 0;
    const ask = (k: object) => memo.get(k, () => ++calls);
    withPassMemos(() => {
      expect(ask(a)).toBe(1);
      expect(ask(a)).toBe(1);
      expect(ask(b)).toBe(2);
      expect(ask(a)).toBe(1);
    });
    withPassMemos(() => expect(ask(a)).toBe(3));
    expect(ask(a)).toBe(4);
    expect(ask(a)).toBe(5);
  });

  it('keeps tables of different memos apart, and an inner pass does not see the outer one', () => {
    const one = new PassMemo<object, string>();
    const two = new PassMemo<object, string>();
    const k = {};
    withPassMemos(() => {
      expect(one.get(k, () => 'one')).toBe('one');
      expect(two.get(k, () => 'two')).toBe('two');
      withPassMemos(() => expect(one.get(k, () => 'inner')).toBe('inner'));
      expect(one.get(k, () => 'again')).toBe('one');
    });
  });

  it('remembers an undefined answer too', () => {
    const memo = new PassMemo<object, undefined>();
    const k = {};
    let calls = 0;
    withPassMemos(() => {
      memo.get(k, () => void calls++);
      memo.get(k, () => void calls++);
    });
    expect(calls).toBe(1);
  });
});

describe('runCommands', () => {
  const text = [
    'FROM alpine',
    'RUN apk add --no-cache curl \\',
    '    && adduser -D -u 1000 app; mkdir -p /data',
    'RUN ["sh", "-c", "chown app /data"]',
    'RUN <<EOF',
    'set -e',
    'useradd -u 10001 svc',
    'EOF',
    '',
  ].join('\n');

  it('reads what shellCommands reads of the RUN script, for every escape, and is shared and frozen', () => {
    for (const body of [text, '# escape=`\n' + text.replace(/\\\n/g, '`\n')]) {
      const parsed = parseDockerfile(body);
      const runs = parsed.instructions.filter((i) => i.keyword === 'RUN');
      expect(runs).toHaveLength(3);
      for (const ins of runs) {
        const got = runCommands(ins, parsed.escape);
        expect(got).toEqual(shellCommands(runScript(ins, parsed.escape)));
        withPassMemos(() => expect(runCommands(ins, parsed.escape)).toBe(runCommands(ins, parsed.escape)));
        expect(Object.isFrozen(got) && got.every((argv) => Object.isFrozen(argv))).toBe(true);
      }
      expect(runCommands(runs[0]!, parsed.escape).map((a) => a[0])).toEqual(['apk', 'adduser', 'mkdir']);
    }
  });

  it('reads again for another escape character', () => {
    const parsed = parseDockerfile('# escape=`\nFROM alpine\nRUN a `\n b\n');
    const ins = parsed.instructions[1]!;
    expect(ins.raw).toBe('RUN a `\n b');
    expect(runCommands(ins, '\\')).toEqual(shellCommands(runScript(ins, '\\')));
    expect(runCommands(ins, '`')).toEqual(shellCommands(runScript(ins, '`')));
    expect(runCommands(ins, '`')).not.toEqual(runCommands(ins, '\\'));
  });
});
