// Comment lines inside a continued RUN are Docker's to drop, not the shell's to end a command at: `apk add \` /
// `    # a comment` / `    iptables-legacy \` installs iptables-legacy (wg-easy's Dockerfile).
import { describe, it, expect } from 'vitest';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { packageInstalls, runCommands, runShellText } from '../src/dockerfile-info.js';
import { toCrlf } from './helpers.js';

const runs = (text: string, escape = '\\') => {
  const parsed = parseDockerfile(text);
  return parsed.instructions.filter((i) => i.keyword === 'RUN').map((i) => runCommands(i, escape).map((argv) => [...argv]));
};

describe('RUN lines with comment lines inside a continuation', () => {
  it('reads the command past the comment, in LF and CRLF files', () => {
    const text = 'FROM alpine:3.20\nRUN apk add --no-cache \\\n    dumb-init \\\n    # the legacy backend\n    iptables-legacy \\\n  # another\n    wireguard-tools\n';
    expect(runs(text)).toEqual([[['apk', 'add', '--no-cache', 'dumb-init', 'iptables-legacy', 'wireguard-tools']]]);
    expect(runs(toCrlf(text))).toEqual([[['apk', 'add', '--no-cache', 'dumb-init', 'iptables-legacy', 'wireguard-tools']]]);
    const parsed = parseDockerfile(text);
    expect(packageInstalls(parsed.stages, '\\')[0]!.packages).toEqual(['dumb-init', 'iptables-legacy', 'wireguard-tools']);
  });

  it('keeps offsets: the text has the length of the instruction as written', () => {
    const text = 'FROM debian:bookworm-slim\nRUN set -eux; \\\n    # step one\n    apt-get update\n';
    const ins = parseDockerfile(text).instructions[1]!;
    const shell = runShellText(ins);
    expect(shell.length).toBe(ins.raw.length - 'RUN'.length);
    expect(runs(text)).toEqual([[['set', '-eux'], ['apt-get', 'update']]]);
  });

  it('with `# escape=`` the comment becomes a backtick continuation', () => {
    const text = '# escape=`\nFROM debian:bookworm-slim\nRUN apt-get install -y iptables `\n    # why\n    nodejs\n';
    expect(runs(text, '`')).toEqual([[['apt-get', 'install', '-y', 'iptables', 'nodejs']]]);
  });

  it('leaves a heredoc body alone: its # lines are the script\'s', () => {
    const text = 'FROM alpine:3.20\nRUN <<EOF\nset -e\n# a shell comment\napk add curl\nEOF\n';
    const ins = parseDockerfile(text).instructions[1]!;
    expect(runShellText(ins)).toContain('# a shell comment');
  });
});
