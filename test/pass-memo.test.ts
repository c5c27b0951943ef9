// Memos that spare repeated work (issue 13) must answer exactly what the work
// answers, and never outlive what they were made for.
import { describe, it, expect } from 'vitest';
import { ParseMemo, PassMemo, RunMemo, clearParseMemos, clearRunMemos, sameItems, withPassMemos } from '../src/pass-memo.js';
import { chownedByBuild, installedAtBuild } from '../src/write-paths.js';
import { readStartScript, readStartScriptAfresh, readingKey } from '../src/start-scripts.js';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { chainInstructions, resolveStageBase, runCommands, runScript, usersCreatedIn, variableScopes, workdirs } from '../src/dockerfile-info.js';
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

describe('usersCreatedIn in a pass (and variableScopes by its arguments)', () => {
  const text = [
    'ARG UID=1500',
    'FROM alpine AS base',
    'ARG UID',
    'ENV APP=svc TOOL=useradd',
    'RUN apk add --no-cache curl && mkdir -p /data',
    'RUN adduser -D -u ${UID} app; $TOOL -u 2000 -m "$APP"',
    'FROM base',
    'ARG UID=3000',
    'RUN groupadd -g 4000 grp && useradd -u $UID -g grp other',
    '',
  ].join('\n');
  const parsed = parseDockerfile(text);
  const chain = [...parsed.stages];

  it('answers what a reading outside any pass answers, once per chain and options in the pass', () => {
    const fresh = usersCreatedIn(chain, parsed.escape, { globalArgs: parsed.globalArgs });
    // The variable tool (`$TOOL`) is still read, and the build variables expanded.
    expect(fresh.map((u) => [u.name, u.uid, u.gid])).toEqual([
      ['app', 1500, undefined],
      ['svc', 2000, undefined],
      ['other', 3000, 4000],
    ]);
    const freshScopes = variableScopes(chain, parsed.globalArgs, { UID: '9' });
    withPassMemos(() => {
      const first = usersCreatedIn(chain, parsed.escape, { globalArgs: parsed.globalArgs });
      expect(first).toEqual(fresh);
      expect(usersCreatedIn(chain, parsed.escape, { globalArgs: parsed.globalArgs })).toBe(first);
      const scopes = variableScopes(chain, parsed.globalArgs, { UID: '9' });
      expect(scopes).toEqual(freshScopes);
      expect(variableScopes(chain, parsed.globalArgs, { UID: '9' })).not.toBe(freshScopes);
    });
  });

  it('lists a chain of several stages once per pass, as flatMap lists it', () => {
    const two = [parsed.stages[0]!, parsed.stages[1]!];
    const listed = two.flatMap((st) => st.instructions.filter((i) => i.keyword !== 'ONBUILD'));
    expect(chainInstructions(two)).toEqual(listed);
    expect(chainInstructions(two)).not.toBe(chainInstructions(two));
    withPassMemos(() => {
      expect(chainInstructions(two)).toBe(chainInstructions(two));
      expect(chainInstructions(two)).toEqual(listed);
      expect(chainInstructions([...two])).not.toBe(chainInstructions(two));
      expect(chainInstructions([two[0]!])).toBe(chainInstructions([two[0]!])); // one stage: its own list
    });
  });

  it('reads again for other options, another escape, other arguments or another chain', () => {
    withPassMemos(() => {
      const withGlobals = usersCreatedIn(chain, parsed.escape, { globalArgs: parsed.globalArgs });
      // Without the global ARGs, `ARG UID` in the first stage has no value: app's UID is not known.
      const without = usersCreatedIn(chain, parsed.escape);
      expect(without).not.toBe(withGlobals);
      expect(without.map((u) => u.uid)).toEqual([undefined, 2000, 3000]);
      expect(usersCreatedIn(chain, parsed.escape, { globalArgs: parsed.globalArgs, distro: 'alpine' })).not.toBe(withGlobals);
      // BusyBox adduser -u N makes a group at N on Alpine.
      expect(usersCreatedIn(chain, parsed.escape, { globalArgs: parsed.globalArgs, distro: 'alpine' })[0]!.gid).toBe(1500);
      expect(usersCreatedIn(chain, '`', { globalArgs: parsed.globalArgs })).not.toBe(withGlobals);
      expect(usersCreatedIn([...chain], parsed.escape, { globalArgs: parsed.globalArgs })).not.toBe(withGlobals);
      const one = variableScopes(chain, parsed.globalArgs, { UID: '9' });
      const other = variableScopes(chain, parsed.globalArgs, { UID: '10' });
      expect(other).not.toBe(one);
      const run = parsed.stages[1]!.instructions.find((i) => i.keyword === 'RUN')!;
      expect(one.get(run)!.get('UID')).toBe('9');
      expect(other.get(run)!.get('UID')).toBe('10');
      expect(variableScopes(chain).get(run)!.get('UID')).toBe('3000');
    });
  });
});

describe('RunMemo', () => {
  it('answers once per key (both parts) until cleared, an undefined answer included', () => {
    const memo = new RunMemo<number | undefined>();
    let calls = 0;
    expect(memo.get('a', '1', () => ++calls)).toBe(1);
    expect(memo.get('a', '1', () => ++calls)).toBe(1);
    expect(memo.get('a', '2', () => ++calls)).toBe(2);
    expect(memo.get('b', '1', () => ++calls)).toBe(3);
    expect(memo.get('c', '1', () => undefined)).toBe(undefined);
    expect(memo.get('c', '1', () => ++calls)).toBe(undefined);
    clearRunMemos();
    expect(memo.get('a', '1', () => ++calls)).toBe(4);
  });

  it('stays within its bound', () => {
    const memo = new RunMemo<number>(2);
    let calls = 0;
    memo.get('a', '', () => ++calls);
    memo.get('b', '', () => ++calls);
    memo.get('c', '', () => ++calls); // the table was full: cleared first
    expect(memo.get('c', '', () => ++calls)).toBe(3);
    expect(memo.get('a', '', () => ++calls)).toBe(4);
  });
});

describe('readStartScript across passes', () => {
  const text = ['#!/bin/sh', 'mkdir -p "$DATA" cache', 'gosu app touch /run/app.pid', 'exec gosu app server'].join('\n');
  const base = { text, where: 'entrypoint.sh', workdir: '/srv', vars: new Map<string, string | undefined>([['DATA', '/var/lib/app']]), lineOffset: 0 };
  type Args = typeof base;
  const ask = (a: Args) => readStartScript(a.text, a.where, a.workdir, a.vars, a.lineOffset);
  const fresh = (a: Args) => readStartScriptAfresh(a.text, a.where, a.workdir, a.vars, a.lineOffset);

  // Each input changes the answer; the memo, asked first with the base inputs,
  // must answer each variant as a fresh reading does: a key that missed one of
  // them would hand back the base answer.
  const variants: [string, Args][] = [
    ['text', { ...base, text: text.replace('cache', 'logs') }],
    ['where', { ...base, where: 'start.sh' }],
    ['workdir', { ...base, workdir: '/app' }],
    ['a variable value', { ...base, vars: new Map([['DATA', '/data']]) }],
    ['a variable set or not', { ...base, vars: new Map([['DATA', undefined]]) }],
    ['lineOffset', { ...base, lineOffset: 3 }],
  ];
  for (const [what, variant] of variants) {
    it(`keys on ${what}`, () => {
      clearRunMemos();
      expect(ask(base)).toEqual(fresh(base));
      expect(fresh(variant)).not.toEqual(fresh(base));
      expect(ask(variant)).toEqual(fresh(variant));
      expect(ask(base)).toEqual(fresh(base));
    });
  }

  it('hands out copies: a caller changing its drops does not change the next answer', () => {
    clearRunMemos();
    const first = ask(base);
    expect(first.drops.length).toBeGreaterThan(0);
    first.drops[0]!.line = 99;
    delete first.drops[0]!.lineRange;
    first.drops[0]!.caps.push('NET_ADMIN');
    first.writes.pop();
    expect(ask(base)).toEqual(fresh(base));
  });

  it('carries every field of a reading: the optional ones too', () => {
    clearRunMemos();
    const all = { ...base, text: ['#!/bin/sh', 'usermod -o -u "$PUID" app', 'apk add --no-cache curl', 'chown -R app /data', 'crond', 'sudo -n mount -a', 'exec su-exec app server'].join('\n') };
    const reading = fresh(all);
    for (const field of ['accountChanges', 'packageInstalls', 'escalations', 'rootCaps', 'rootDaemons', 'drops'] as const) expect(reading[field]?.length, field).toBeGreaterThan(0);
    expect(ask(all)).toEqual(reading);
    expect(ask(all)).toEqual(reading);
  });

  it('the key (text and the rest written out) tells every variant from the base', () => {
    const key = (a: Args) => JSON.stringify([a.text, readingKey(a.where, a.workdir, a.vars, a.lineOffset)]);
    for (const [, v] of variants) expect(key(v)).not.toBe(key(base));
  });
});

describe('resolveStageBase and workdirs in a pass', () => {
  const parsed = parseDockerfile(['ARG BASE=python:3.12-slim', 'FROM ${BASE} AS build', 'WORKDIR /src', 'FROM build', 'ARG APP=/app', 'WORKDIR $APP', 'COPY . .', ''].join('\n'));
  const last = parsed.stages[1]!;

  it('answers the same base for the same stage, build arguments and lookup, and another for other arguments', () => {
    const afresh = resolveStageBase(parsed, last);
    expect(resolveStageBase(parsed, last)).not.toBe(afresh);
    withPassMemos(() => {
      const base = resolveStageBase(parsed, last);
      expect(base).toEqual(afresh);
      expect(resolveStageBase(parsed, last, {})).toBe(base);
      const other = resolveStageBase(parsed, last, { BASE: 'node:20' });
      expect(other).not.toBe(base);
      expect(other.image).toBe('node:20');
      expect(resolveStageBase(parsed, last, { BASE: 'node:20' })).toBe(other);
      const lookup = () => undefined;
      expect(resolveStageBase(parsed, last, {}, lookup)).not.toBe(base);
      // The memo by chain array meets the shared base's chain again.
      expect(workdirs(base.chain, base.buildArgs, base.globalArgs)).toBe(workdirs(base.chain, base.buildArgs, base.globalArgs));
    });
  });

  it('reads the WORKDIRs as afresh, once per chain and arguments', () => {
    const chain = resolveStageBase(parsed, last).chain;
    const afresh = workdirs(chain, { APP: '/srv' }, parsed.globalArgs);
    expect(afresh.final).toBe('/srv');
    withPassMemos(() => {
      const wd = workdirs(chain, undefined, parsed.globalArgs);
      expect(wd.final).toBe('/app');
      expect(workdirs(chain, undefined, parsed.globalArgs)).toBe(wd);
      const args = { APP: '/srv' };
      expect(workdirs(chain, args, parsed.globalArgs)).toEqual(afresh);
      expect(workdirs(chain, args, parsed.globalArgs)).not.toBe(wd);
    });
  });
});

describe('PassMemo tables', () => {
  it('a memo asked in an inner pass answers from the outer pass again once the inner one ends', () => {
    const memo = new PassMemo<object, string>();
    const k = {};
    withPassMemos(() => {
      expect(memo.get(k, () => 'outer')).toBe('outer');
      withPassMemos(() => {
        expect(memo.get(k, () => 'inner')).toBe('inner');
        expect(memo.get(k, () => 'inner again')).toBe('inner');
      });
      expect(memo.get(k, () => 'outer again')).toBe('outer');
      withPassMemos(() => expect(memo.get(k, () => 'second inner')).toBe('second inner'));
    });
    withPassMemos(() => expect(memo.get(k, () => 'next pass')).toBe('next pass'));
  });
});

describe('ParseMemo', () => {
  it('answers once per key and equal inputs, across passes, until cleared; other inputs or another key read again', () => {
    const memo = new ParseMemo<object, { list: number[]; flag: string }, number>((a, b) => a.flag === b.flag && sameItems(a.list, b.list), (i) => ({ list: i.list.slice(), flag: i.flag }));
    const k = {};
    let calls = 0;
    const seen: unknown[] = [];
    const ask = (key: object, list: number[], flag: string) =>
      memo.get(key, { list, flag }, (got, inputs) => {
        seen.push([got, inputs.list, inputs.flag]);
        return ++calls;
      });
    const list = [1, 2];
    expect(ask(k, list, 'a')).toBe(1);
    expect(seen).toEqual([[k, [1, 2], 'a']]);
    withPassMemos(() => expect(ask(k, [1, 2], 'a')).toBe(1));
    withPassMemos(() => expect(ask(k, [1, 2], 'a')).toBe(1));
    expect(ask(k, [1, 2], 'b')).toBe(2);
    expect(ask(k, [1, 3], 'a')).toBe(3);
    expect(ask({}, [1, 2], 'a')).toBe(4);
    // The entry keeps a copy of the inputs: a caller changing its list afterwards neither changes nor meets that answer.
    list.push(9);
    expect(ask(k, [1, 2], 'a')).toBe(1);
    expect(ask(k, list, 'a')).toBe(5);
    clearRunMemos();
    expect(ask(k, [1, 2], 'a')).toBe(6);
  });

  it('clearParseMemos drops the ParseMemos\' answers and leaves the RunMemos\'', () => {
    const parseMemo = new ParseMemo<object, string, number>((a, b) => a === b);
    const runMemo = new RunMemo<number>();
    const k = {};
    let calls = 0;
    expect(parseMemo.get(k, 'a', () => ++calls)).toBe(1);
    expect(runMemo.get('t', 'r', () => ++calls)).toBe(2);
    clearParseMemos();
    expect(parseMemo.get(k, 'a', () => ++calls)).toBe(3);
    expect(runMemo.get('t', 'r', () => ++calls)).toBe(2);
    clearRunMemos();
  });

  it('keeps at most perKey answers per key, dropping the oldest', () => {
    const memo = new ParseMemo<object, string, number>((a, b) => a === b, undefined, 2);
    const k = {};
    let calls = 0;
    const ask = (i: string) => memo.get(k, i, () => ++calls);
    expect([ask('a'), ask('b'), ask('a'), ask('c'), ask('b'), ask('a')]).toEqual([1, 2, 1, 3, 2, 4]);
  });
});

describe('Dockerfile-chain facts across passes', () => {
  const text = ['ARG APP=/app', 'FROM debian:bookworm-slim', 'ARG APP', 'WORKDIR $APP', 'RUN curl -fsSL https://x/y.tgz | tar -xz -C vendor && chown -R 1000 /app', 'RUN make install --prefix=/opt/tool', ''].join('\n');

  it('workdirs: the same answer in a later pass for the same stages, equal build arguments and global ARGs; another for other values or another parse', () => {
    clearRunMemos();
    const parsed = parseDockerfile(text);
    const chain = resolveStageBase(parsed, parsed.stages[0]!).chain;
    const first = withPassMemos(() => workdirs(chain, { APP: '/srv' }, parsed.globalArgs));
    expect(first.final).toBe('/srv');
    const again = withPassMemos(() => workdirs([...chain], { APP: '/srv' }, parsed.globalArgs));
    expect(again).toBe(first);
    const other = workdirs(chain, { APP: '/data' }, parsed.globalArgs);
    expect(other.final).toBe('/data');
    expect(workdirs(chain, { APP: '/data', MORE: 'x' }, parsed.globalArgs)).not.toBe(other);
    expect(workdirs(chain, undefined, parsed.globalArgs).final).toBe('/app');
    expect(workdirs(chain, undefined, undefined).final).not.toBe('/app'); // without the global ARG's default
    // The same text parsed again (a pass that changed the file and changed it back): its own answer, equal.
    const reparsed = parseDockerfile(text);
    const fresh = workdirs(resolveStageBase(reparsed, reparsed.stages[0]!).chain, { APP: '/srv' }, reparsed.globalArgs);
    expect(fresh).not.toBe(first);
    expect(fresh.final).toBe(first.final);
  });

  it('installedAtBuild and chownedByBuild: the same answer in a later pass for the same workdirs, instructions and escape; another otherwise', () => {
    clearRunMemos();
    const parsed = parseDockerfile(text);
    const chain = resolveStageBase(parsed, parsed.stages[0]!).chain;
    const wd = workdirs(chain, undefined, parsed.globalArgs);
    const list = chainInstructions(chain);
    const installed = withPassMemos(() => installedAtBuild(list, parsed.escape, wd));
    expect(installed.map((i) => i.path)).toEqual(['/app/vendor', '/opt/tool', '/app']); // make builds in its folder too
    expect(withPassMemos(() => installedAtBuild([...list], parsed.escape, wd))).toBe(installed);
    expect(installedAtBuild(list.slice(0, -1), parsed.escape, wd).map((i) => i.path)).toEqual(['/app/vendor']);
    expect(installedAtBuild(list, '`', wd)).not.toBe(installed);
    const chowned = withPassMemos(() => chownedByBuild(list, parsed.escape, wd, installed));
    expect(chowned.map((c) => c.path)).toEqual(['/app']);
    expect(withPassMemos(() => chownedByBuild([...list], parsed.escape, wd, installed))).toBe(chowned);
    expect(chownedByBuild(list, parsed.escape, wd, [])).not.toBe(chowned);
    const otherWd = workdirs(chain, { APP: '/srv' }, parsed.globalArgs);
    expect(installedAtBuild(list, parsed.escape, otherWd).map((i) => i.path)).toEqual(['/srv/vendor', '/opt/tool', '/srv']);
  });

  it('runCommands: the same answer in a later pass for the same RUN and escape', () => {
    clearRunMemos();
    const parsed = parseDockerfile(text);
    const run = parsed.instructions.find((i) => i.keyword === 'RUN')!;
    const first = withPassMemos(() => runCommands(run, parsed.escape));
    expect(withPassMemos(() => runCommands(run, parsed.escape))).toBe(first);
    expect(runCommands(parseDockerfile(text).instructions.find((i) => i.keyword === 'RUN')!, parsed.escape)).not.toBe(first);
  });
});
