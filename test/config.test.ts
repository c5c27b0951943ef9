// Configuration files: options, skip/transforms, exclude, and overrides that
// switch transforms off (or on) per file; flags add to them.
import { describe, it, expect } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfigs, validate, ConfigError } from '../src/config.js';
import { TRANSFORMS } from '../transforms/index.js';
import { runCli, writeTree } from './helpers.js';

const IDS = TRANSFORMS.map((t) => t.meta.id);
const NRU = 'dockerfile/non-root-user';
const NNP = 'compose/no-new-privileges';

const PROJECT = {
  'a/Dockerfile': 'FROM python:3.12-slim\nCMD ["python"]\n',
  'services/legacy/Dockerfile': 'FROM python:3.12-slim\nCMD ["python"]\n',
  'docker/frontend/Dockerfile': 'FROM python:3.12-slim\nCMD ["python"]\n',
  'compose.yaml': 'services:\n  a:\n    image: a\n',
  'docker-compose.prod.yml': 'services:\n  p:\n    image: p\n',
};

async function jsonRun(tree: Record<string, string>, args: string[] = []) {
  const dir = writeTree(tree);
  try {
    const r = await runCli(['--dry-run', '--format', 'json', ...args, '.'], dir);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    return { code: r.code, report, findings: report.findings as { transform: string; path: string; status: string }[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('configuration', () => {
  it('the issue example: uid, skip, exclude and overrides by glob', async () => {
    const config = [
      'uid: 1500            # also gid, user-name, tmpfs-size',
      'skip: [compose/env-docker-gid]',
      'exclude: [docker/frontend/Dockerfile]',
      'overrides:',
      '  - files: ["docker-compose.prod.yml", "services/legacy/**"]',
      `    skip: [${NNP}, ${NRU}]`,
      '',
    ].join('\n');
    const { findings, report } = await jsonRun({ ...PROJECT, '.docker-harden.yml': config });
    const where = (id: string) => findings.filter((f) => f.transform === id).map((f) => f.path).sort();
    expect(where(NRU)).toEqual(['a/Dockerfile']);
    expect(where(NNP)).toEqual(['compose.yaml']);
    // Excluded: never read, listed as skipped.
    expect(report.files.find((f: { path: string }) => f.path === 'docker/frontend/Dockerfile')?.status).toBe('skipped');
    expect(findings.map((f) => f.path)).not.toContain('docker/frontend/Dockerfile');
    expect(report.files.find((f: { path: string }) => f.path === 'a/Dockerfile').diff).toContain('--uid 1500');
  });

  it('`transforms` lists the ones on; an override can turn one back on for some files', async () => {
    const config = JSON.stringify({ transforms: [NNP], overrides: [{ files: ['services/**'], transforms: [NRU, NNP] }] });
    const { findings } = await jsonRun({ ...PROJECT, '.docker-harden.json': config });
    expect(findings.filter((f) => f.transform === NRU).map((f) => f.path)).toEqual(['services/legacy/Dockerfile']);
    expect(findings.filter((f) => f.transform === NNP).length).toBe(2);
  });

  it('flags add to the configuration: --skip and --exclude add, --uid wins over uid', async () => {
    const tree = { ...PROJECT, '.docker-harden.yml': `uid: 1500\nskip: [${NNP}]\n` };
    const { findings, report } = await jsonRun(tree, ['--skip', 'compose/env-docker-gid', '--exclude', 'services/', '--uid', '2000']);
    expect(findings.map((f) => f.transform)).not.toContain(NNP);
    expect(findings.map((f) => f.path)).not.toContain('services/legacy/Dockerfile');
    expect(report.files.find((f: { path: string }) => f.path === 'a/Dockerfile').diff).toContain('--uid 2000 ');
  });

  it('user-ref and entrypoint-drop come from the file; their flags win over it', async () => {
    const tree = {
      '.docker-harden.yml': 'user-ref: name\nentrypoint-drop: conditional\n',
      'n/Dockerfile': 'FROM node:22-alpine\nCOPY . /app\nCMD ["node", "/app/index.js"]\n',
      'g/Dockerfile': 'FROM debian:bookworm-slim\nRUN useradd -u 999 svc\nCOPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\n',
      'g/start.sh': '#!/bin/sh\nexec gosu svc "$@"\n',
    };
    const diff = (report: { files: { path: string; diff?: string }[] }, p: string) => report.files.find((f) => f.path === p)?.diff ?? '';
    const fromFile = (await jsonRun(tree)).report;
    expect(diff(fromFile, 'n/Dockerfile')).toContain('+USER node');
    expect(diff(fromFile, 'g/start.sh')).toContain('+if [ "$(id -u)" = 0 ]; then');
    const fromFlags = (await jsonRun(tree, ['--user-ref', 'uid', '--entrypoint-drop', 'keep'])).report;
    expect(diff(fromFlags, 'n/Dockerfile')).toContain('+USER 1000:1000');
    expect(diff(fromFlags, 'g/start.sh')).toBe('');
    expect(diff(fromFlags, 'g/Dockerfile')).toBe('');
  });

  it('a file an override skips gets no findings of that transform; other files and transforms are untouched', async () => {
    // Two compose services build the same Dockerfile; skipping non-root-user for that Dockerfile silences it there.
    const tree = {
      'compose.yaml': 'services:\n  web:\n    build: ./web\n',
      'web/Dockerfile': 'FROM python:3.12-slim\nCMD ["python"]\n',
      '.docker-harden.yml': `overrides:\n  - files: ["web/Dockerfile"]\n    skip: [${NRU}]\n`,
    };
    const { findings } = await jsonRun(tree);
    expect(findings.filter((f) => f.transform === NRU)).toEqual([]);
    expect(findings.map((f) => `${f.transform} ${f.path}`)).toContain(`${NNP} compose.yaml`);
  });

  it('--config applies one file to every path, with patterns relative to its folder', async () => {
    const dir = writeTree({ ...PROJECT, 'conf/harden.yml': `overrides:\n  - files: ["a/**"]\n    skip: [${NRU}]\n` });
    try {
      // The config's folder is conf/, so `a/**` matches nothing under the project root: patterns are relative to the config.
      const r = await runCli(['--dry-run', '--format', 'json', '--config', 'conf/harden.yml', '.'], dir);
      const paths = JSON.parse(r.stdout).findings.filter((f: { transform: string }) => f.transform === NRU).map((f: { path: string }) => f.path);
      expect(paths).toContain('a/Dockerfile');
      const set = loadConfigs(['.'], dir, IDS, 'conf/harden.yml');
      expect(set.isEnabled(NRU, path.join(dir, 'conf/a/Dockerfile'))).toBe(false);
      expect(set.isEnabled(NRU, path.join(dir, 'a/Dockerfile'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two path arguments whose configs disagree on the uid are an error', async () => {
    const dir = writeTree({ 'x/.docker-harden.yml': 'uid: 1000\n', 'y/.docker-harden.yml': 'uid: 2000\n', 'x/Dockerfile': 'FROM scratch\n', 'y/Dockerfile': 'FROM scratch\n' });
    try {
      const r = await runCli(['x', 'y'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/y\/\.docker-harden\.yml: uid is 2000, but x\/\.docker-harden\.yml sets 1000/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validate accepts the documented shape and rejects anything else', () => {
    expect(validate({ uid: 1000, gid: 1000, 'user-name': 'svc', 'tmpfs-size': '128m', 'chown-workdir': true, skip: [NNP], exclude: 'x/**', overrides: [{ files: 'a', transforms: [NRU] }] }, 'f', IDS)).toEqual({
      uid: 1000, gid: 1000, 'user-name': 'svc', 'tmpfs-size': '128m', 'chown-workdir': true, skip: [NNP], exclude: ['x/**'], overrides: [{ files: ['a'], transforms: [NRU] }],
    });
    expect(validate({}, "f", IDS)).toEqual({});
    expect(validate({ 'user-ref': 'name', 'entrypoint-drop': 'conditional' }, 'f', IDS)).toEqual({ 'user-ref': 'name', 'entrypoint-drop': 'conditional' });
    for (const bad of [[], 'uid', { uid: 1.5 }, { gid: '1000' }, { 'user-name': 'Root' }, { 'user-ref': 'number' }, { 'entrypoint-drop': 'yes' }, { skip: [1] }, { skip: [''] }, { overrides: {} }, { overrides: [{ files: [] }] }, { exclude: 3 }]) {
      expect(() => validate(bad, 'f.yml', IDS), JSON.stringify(bad)).toThrow(ConfigError);
    }
  });
});
