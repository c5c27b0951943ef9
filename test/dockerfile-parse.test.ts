// The Dockerfile records the model keeps, on the shapes where dockerfile-ast
// is asked for an instruction's arguments several times (flags, exec form,
// heredocs, properties), and the library's own API after our parse module
// has made it scan each instruction once.
import { describe, it, expect } from 'vitest';
import { DockerfileParser, type ModifiableInstruction } from 'dockerfile-ast';
import { parseDockerfile } from '../src/parse/dockerfile.js';
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

  it('gives instructions without flags, properties or heredocs one shared frozen empty list', () => {
    const cmd = byKeyword('CMD')[0];
    expect([cmd.flags, cmd.properties, cmd.heredocs]).toEqual([[], [], []]);
    expect(cmd.flags).toBe(byKeyword('LABEL')[0].flags);
    expect(cmd.flags).toBe(cmd.heredocs);
    expect(Object.isFrozen(cmd.properties)).toBe(true);
    // a list with something in it is the instruction's own
    expect(byKeyword('COPY')[0].flags).not.toBe(cmd.flags);
    expect(byKeyword('RUN')[1].heredocs.length).toBe(1);
  });

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

  it('finds the heredocs the library finds, asking it only for an instruction with a `<<` argument', () => {
    // A `<<` in quotes, one split by a line continuation, a COPY heredoc, a `<<-` one and none at all:
    // each instruction's heredocs are those getHeredocs gives, whether or not it was asked.
    const shapes = [
      'FROM a\nRUN echo "<<" && cat <<EOF\nx\nEOF\n',
      'FROM a\nRUN <\\\n<EOF\necho hi\nEOF\n',
      'FROM a\nCOPY <<EOF /x\nhi\nEOF\nRUN echo \\\n  "a<<b"\n',
      'FROM a\nRUN cat <<-EOT\n\tx\n\tEOT\n',
      'FROM a\nRUN echo a<<b c\nCMD ["x"]\n',
    ];
    for (const shape of shapes) {
      const fromLibrary = DockerfileParser.parse(shape)
        .getInstructions()
        .map((ins) => (ins as unknown as { getHeredocs?: () => unknown[] }).getHeredocs?.().length ?? 0);
      expect(parseDockerfile(shape).instructions.map((i) => i.heredocs.length), shape).toEqual(fromLibrary);
    }
    expect(parseDockerfile(shapes[1]!).instructions[1]!.heredocs).toHaveLength(1);
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

  it('reads past redirections: eclipse/mosquitto\'s `adduser … mosquitto 2>/dev/null` and other forms', () => {
    const mosquitto = parseDockerfile(
      'FROM alpine:3.20\nRUN set -x && \\\n    addgroup -S -g 1883 mosquitto 2>/dev/null && \\\n    adduser -S -u 1883 -D -H -h /var/empty -s /sbin/nologin -G mosquitto -g mosquitto mosquitto 2>/dev/null && \\\n    mkdir -p /mosquitto/data\n',
    );
    expect(usersCreatedIn(mosquitto.stages, mosquitto.escape, { distro: 'alpine' }).map((u) => [u.name, u.uid, u.gid, u.home])).toEqual([['mosquitto', 1883, 1883, '/var/empty']]);
    for (const run of ['useradd -u 1001 -g 1001 app >/dev/null 2>&1', 'useradd -u 1001 -g 1001 app > /dev/null', 'useradd -u 1001 -g 1001 app 2>> /tmp/err', 'useradd -u 1001 -g 1001 app &>>/tmp/log']) {
      const parsed = parseDockerfile(`FROM debian:bookworm-slim\nRUN groupadd -g 1001 app 2> /dev/null; ${run}\n`);
      expect(usersCreatedIn(parsed.stages, parsed.escape, { distro: 'debian' }).map((u) => [u.name, u.uid, u.gid]), run).toEqual([['app', 1001, 1001]]);
    }
  });

  it('still skips a name only known at run time', () => {
    const parsed = parseDockerfile('FROM scratch\nRUN useradd --uid 1000 "$(cat /name)"\n');
    expect(usersCreatedIn(parsed.stages, parsed.escape)).toEqual([]);
  });
});
