// The Dockerfile records the model keeps, on the shapes where dockerfile-ast
// is asked for an instruction's arguments several times (flags, exec form,
// heredocs, properties), and the library's own API after our parse module
// has made it scan each instruction once.
import { describe, it, expect } from 'vitest';
import { DockerfileParser, type ModifiableInstruction } from 'dockerfile-ast';
import { libraryScanArguments, parseDockerfile, scanRawArguments } from '../src/parse/dockerfile.js';
import { usersCreatedIn } from '../src/dockerfile-info.js';

describe('parseDockerfile records', () => {
  const text = [
    '# syntax=docker/dockerfile:1',
    'ARG BASE=alpine:3.20',
    'FROM --platform=$BUILDPLATFORM ${BASE} AS build',
    'COPY --chown=app:app --chmod=644 a.conf b.conf /etc/app/',
    'RUN --mount=type=cache,target=/root/.cache \\',
    '    # a comment in a continuation',
    '    apk add --no-cache curl',
    'RUN <<EOF',
    'echo hi > /x',
    'EOF',
    'ENV A=1 B="two words"',
    'LABEL org.example.v="1" other=x',
    'CMD ["nginx", "-g", "daemon off;"]',
    '',
  ].join('\n');
  const parsed = parseDockerfile(text);
  const byKeyword = (k: string) => parsed.instructions.filter((i) => i.keyword === k);

  it('splits flags from arguments, every time they are asked for', () => {
    const [from] = byKeyword('FROM');
    expect(from.flags).toEqual([{ name: 'platform', value: '$BUILDPLATFORM' }]);
    expect(from.args).toEqual(['${BASE}', 'AS', 'build']);
    const [copy] = byKeyword('COPY');
    expect(copy.flags).toEqual([
      { name: 'chown', value: 'app:app' },
      { name: 'chmod', value: '644' },
    ]);
    expect(copy.args).toEqual(['a.conf', 'b.conf', '/etc/app/']);
    const [mountRun, heredocRun] = byKeyword('RUN');
    expect(mountRun.flags).toEqual([{ name: 'mount', value: 'type=cache,target=/root/.cache' }]);
    expect(mountRun.args).toEqual(['apk', 'add', '--no-cache', 'curl']);
    expect(heredocRun.heredocs).toHaveLength(1);
    expect(text.slice(...heredocRun.heredocs[0])).toBe('echo hi > /x\nEOF');
  });

  it('keeps exec form, properties and stages', () => {
    expect(byKeyword('CMD')[0].json).toEqual(['nginx', '-g', 'daemon off;']);
    expect(byKeyword('ENV')[0].properties.map(({ name, value }) => ({ name, value }))).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two words' },
    ]);
    expect(byKeyword('LABEL')[0].properties.map((p) => p.name)).toEqual(['org.example.v', 'other']);
    expect(parsed.stages.map((s) => s.name)).toEqual(['build']);
    expect(parsed.globalArgs.get('BASE')).toBe('alpine:3.20');
  });

  it('parses the same text to the same records twice', () => {
    expect(parseDockerfile(text)).toEqual(parsed);
  });
});

describe('dockerfile-ast after our parse module loaded', () => {
  it('hands out a fresh argument list on each call (flags are shifted off a copy, not the kept scan)', () => {
    const ins = DockerfileParser.parse('COPY --chown=a:b x y\n').getInstructions()[0] as ModifiableInstruction;
    const first = ins.getArguments();
    expect(first.map((a) => a.getValue())).toEqual(['x', 'y']);
    first.pop();
    expect(ins.getArguments().map((a) => a.getValue())).toEqual(['x', 'y']);
    expect(ins.getFlags().map((f) => f.getName())).toEqual(['chown']);
    expect(ins.getArguments().map((a) => a.getValue())).toEqual(['x', 'y']);
  });
});

describe('users a Dockerfile creates', () => {
  // The guarded creation of dockerfile/non-root-user lets the shell choose the name
  // (`app`, or `app-1000` where the base already uses `app`): it reads as the plain name,
  // so a second run, HOME and child stages still know the user at 1000.
  it('reads a name the shell chooses between two as the plain one, with its UID, GID and home', () => {
    for (const [distro, run] of [
      [
        'debian',
        `{ getent group 1000 >/dev/null || groupadd --system --gid 1000 "$(getent group app >/dev/null && echo app-1000 || echo app)"; } \\\n` +
          `    && { getent passwd 1000 >/dev/null || useradd --system --no-log-init --uid 1000 --gid 1000 --no-create-home --home-dir /home/app --shell /usr/sbin/nologin "$(getent passwd app >/dev/null && echo app-1000 || echo app)"; }`,
      ],
      [
        'alpine',
        `{ grep -q '^[^:]*:[^:]*:1000:' /etc/group || addgroup -S -g 1000 "$(grep -q '^app:' /etc/group && echo app-1000 || echo app)"; } \\\n` +
          `    && { grep -q '^[^:]*:[^:]*:1000:' /etc/passwd || adduser -S -D -H -u 1000 -G "$(awk -F: '$3 == 1000 { print $1; exit }' /etc/group)" -h /home/app -s /sbin/nologin "$(grep -q '^app:' /etc/passwd && echo app-1000 || echo app)"; }`,
      ],
    ] as const) {
      const parsed = parseDockerfile(`FROM scratch\nRUN ${run}\n`);
      const users = usersCreatedIn(parsed.stages, parsed.escape, { distro });
      expect(users.map((u) => [u.name, u.uid, u.home]), distro).toEqual([['app', 1000, '/home/app']]);
    }
  });

  it('still skips a name only known at run time', () => {
    const parsed = parseDockerfile('FROM scratch\nRUN useradd --uid 1000 "$(cat /name)"\n');
    expect(usersCreatedIn(parsed.stages, parsed.escape)).toEqual([]);
  });
});

describe('scanRawArguments', () => {
  /** Every instruction's arguments (values and ranges) by both scans, over one text. */
  const both = (text: string) => {
    const ours: unknown[] = [];
    const theirs: unknown[] = [];
    for (const ins of DockerfileParser.parse(text).getInstructions()) {
      const scanned = ins as unknown as Parameters<typeof scanRawArguments>[0];
      ours.push(scanRawArguments(scanned));
      theirs.push(libraryScanArguments.call(ins));
    }
    return { ours: JSON.parse(JSON.stringify(ours)), theirs: JSON.parse(JSON.stringify(theirs)) };
  };

  const shapes = [
    'FROM alpine AS build\nRUN apk add --no-cache curl \\\n    git \\\n  && echo "a b" > /x\n',
    'RUN a \\  \n  b \\\t\n c\n', // escape, then blanks, then the newline
    'RUN a \\ b c\\ d\n', // escaped blank inside a word
    'RUN echo \\$HOME \\\\ \\"q\\" end\\',
    'RUN a \\\n# a comment inside\n  b \\\n  # indented comment\n  c\n',
    'RUN one \\\r\n  two \\\r\n\r\n  three\r\n',
    '# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  C:\\\\ `\n  && echo `$x ``\n',
    'ENV A=1 B="x y" \\\n  C=${A}\\z\n',
    'LABEL a=b \\ \n',
    'RUN x \\',
    'RUN \\\n\\\n  y\n',
    'CMD ["a", "b c", "\\"d\\""]\nHEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1\n',
    'RUN <<EOF\nset -e\necho hi\nEOF\n',
    'COPY --chown=app:app --chmod=644 a.conf b.conf /etc/app/\nONBUILD RUN make \\\n install\n',
  ];

  it('gives what dockerfile-ast gives, argument for argument, on tricky shapes', () => {
    for (const text of shapes) {
      const { ours, theirs } = both(text);
      expect(ours).toEqual(theirs);
    }
  });

  it('gives what dockerfile-ast gives on every Dockerfile fixture', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/dockerfile|containerfile/i.test(e.name)) files.push(p);
      }
    };
    walk(path.join(__dirname, 'fixtures'));
    walk(path.join(__dirname, 'projects'));
    expect(files.length).toBeGreaterThan(100);
    let instructions = 0;
    for (const f of files) {
      const { ours, theirs } = both(readFileSync(f, 'utf8'));
      expect(ours, f).toEqual(theirs);
      instructions += theirs.length;
    }
    expect(instructions).toBeGreaterThan(1000);
  });
});
