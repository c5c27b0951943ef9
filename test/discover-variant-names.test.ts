// Dockerfiles named `Dockerfile-<name>` / `Dockerfile_<name>` (src/discover.ts mayBeDockerfileByName,
// dockerfileByContent): FreshRSS's Docker/Dockerfile-Alpine and once-campfire's Dockerfile-export were never read.
// Taken only when the first instruction is FROM; documents, scripts and templates with that prefix are not.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discover, mayBeDockerfileByName, startsWithFrom } from '../src/discover.js';

describe('Dockerfile-<name> by name and content', () => {
  it('takes variants whose first instruction is FROM, after directives, comments, blank lines and ARGs', () => {
    expect(startsWithFrom('FROM alpine:3.20\nRUN true\n')).toBe(true);
    expect(startsWithFrom('\uFEFF# syntax = docker/dockerfile:1\r\n\r\n# a comment\r\nARG RUBY_VERSION=3.4.7\r\nfrom ruby:$RUBY_VERSION-slim as base\r\n')).toBe(true);
    expect(startsWithFrom('# escape=`\nARG A=1 `\n    B=2\nFROM debian:bookworm-slim\n')).toBe(true);
    expect(startsWithFrom('ARG A=1 \\\n# a comment inside the continuation\n    B=2\nFROM debian:bookworm-slim\n')).toBe(true);
    // A continuation ends where the escape character (here the default `\`) does not end the line.
    expect(startsWithFrom('# escape=`\nARG A=1 \\\nRUN x\nFROM debian\n')).toBe(false);
  });

  it('refuses text whose first instruction is not FROM', () => {
    expect(startsWithFrom('# Notes on the Alpine image\n\nBuild it with docker build -f Dockerfile-Alpine .\nFROM alpine\n')).toBe(false);
    expect(startsWithFrom('#!/bin/sh\nset -e\ndocker build -f Dockerfile-dev .\n')).toBe(false);
    expect(startsWithFrom('{% set base = "alpine" %}\nFROM {{ base }}\n')).toBe(false);
    expect(startsWithFrom('RUN apt-get update\nFROM debian\n')).toBe(false);
    expect(startsWithFrom('FROM\n')).toBe(false);
    expect(startsWithFrom('# only comments\n')).toBe(false);
    expect(startsWithFrom('')).toBe(false);
  });

  it('considers Dockerfile-*, Dockerfile_*, Containerfile-* names, not documents, scripts, templates or ignore files', () => {
    for (const name of ['Dockerfile-Alpine', 'Dockerfile-export', 'dockerfile_dev', 'Containerfile-ci', 'Dockerfile-1.2'])
      expect(mayBeDockerfileByName(name), name).toBe(true);
    for (const name of ['Dockerfile-README.md', 'Dockerfile-build.sh', 'Dockerfile-alpine.j2', 'Dockerfile-x.tmpl', 'Dockerfile-x.dockerignore', 'Dockerfiles', 'Dockerfile-', 'MyDockerfile-x', 'Dockerfile-x.yml'])
      expect(mayBeDockerfileByName(name), name).toBe(false);
  });

  it('discovers confirmed variants in a walk and leaves the rest alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dh-variants-'));
    mkdirSync(path.join(dir, 'Docker'));
    writeFileSync(path.join(dir, 'Docker', 'Dockerfile-Alpine'), '# syntax=docker/dockerfile:1\nFROM alpine:3.20\nCMD ["sh"]\n');
    writeFileSync(path.join(dir, 'Dockerfile_dev'), 'ARG V=1\r\nFROM debian:bookworm-slim\r\n');
    writeFileSync(path.join(dir, 'Dockerfile-notes'), 'How to build:\nFROM is the first line of Dockerfile-Alpine\n');
    writeFileSync(path.join(dir, 'Dockerfile-README.md'), 'FROM alpine\n');
    writeFileSync(path.join(dir, 'Dockerfile-build.sh'), '#!/bin/sh\ndocker build .\n');
    writeFileSync(path.join(dir, 'Dockerfile-alpine.j2'), 'FROM {{ base }}\n');
    mkdirSync(path.join(dir, 'ignored'));
    writeFileSync(path.join(dir, 'ignored', 'Dockerfile-x'), 'FROM alpine\n');
    writeFileSync(path.join(dir, '.gitignore'), 'ignored/\n');
    const found = await discover([dir], dir, { exclude: [] });
    expect(found.files.map((f) => `${f.kind} ${path.relative(dir, f.path)}`)).toEqual(['dockerfile Docker/Dockerfile-Alpine', 'dockerfile Dockerfile_dev']);
    expect(found.skipped).toEqual([]);
    // --exclude keeps one out unread, as it does any file.
    const excluded = await discover([dir], dir, { exclude: ['Docker/'] });
    expect(excluded.files.map((f) => path.relative(dir, f.path))).toEqual(['Dockerfile_dev']);
  });
});
