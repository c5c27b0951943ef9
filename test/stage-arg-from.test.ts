// A FROM that names a stage through a build argument (Etherpad's `ARG BUILD_ENV=git` ... `FROM build_${BUILD_ENV}`):
// the stage the argument's value names is the parent, from the Dockerfile's default or from the build's args.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';
import { resolveStageBase } from '../src/dockerfile-info.js';
import type { Project } from '../src/model.js';

const dockerfile = [
  'ARG BUILD_ENV=git',
  'FROM node:22-bookworm-slim AS build',
  'WORKDIR /opt/app',
  'COPY package.json ./',
  'FROM build AS build_git',
  'ONBUILD COPY ./.git/HEA[D] ./.git/HEAD',
  'FROM build AS build_copy',
  'FROM build_${BUILD_ENV} AS production',
  'CMD ["node", "server.js"]',
  '',
].join('\n');

function stageNames(project: Project, name = 'web'): (string | undefined)[] {
  const s = project.services.find((x) => x.name === name)!;
  const df = s.dockerfile!;
  const stage = df.parsed.stages.find((st) => st.name === 'production')!;
  const base = resolveStageBase(df.parsed, stage, s.build!.args);
  return [base.image, ...base.chain.map((st) => st.name)];
}

describe('FROM a stage named through a build argument', () => {
  for (const crlf of [false, true]) {
    const eol = (t: string) => (crlf ? toCrlf(t) : t);
    it(`the ARG default names the stage${crlf ? ' (CRLF)' : ''}`, async () => {
      const run = await hardenTree({ 'compose.yaml': eol('services:\n  web:\n    build: .\n'), Dockerfile: eol(dockerfile) }, []);
      expect(stageNames(run.result.engine.project)).toEqual(['node:22-bookworm-slim', 'build', 'build_git', 'production']);
    });
    it(`compose args name another stage${crlf ? ' (CRLF)' : ''}`, async () => {
      const run = await hardenTree({ 'compose.yaml': eol('services:\n  web:\n    build:\n      context: .\n      args:\n        BUILD_ENV: copy\n'), Dockerfile: eol(dockerfile) }, []);
      expect(stageNames(run.result.engine.project)).toEqual(['node:22-bookworm-slim', 'build', 'build_copy', 'production']);
    });
  }
  it('args from the environment leave the parent unknown, not the default stage nor an image', async () => {
    const run = await hardenTree({ 'compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      args: [BUILD_ENV]\n', Dockerfile: dockerfile }, []);
    const s = run.result.engine.project.services.find((x) => x.name === 'web')!;
    const df = s.dockerfile!;
    const base = resolveStageBase(df.parsed, df.parsed.stages.find((st) => st.name === 'production')!, s.build!.args);
    expect(base.image).toBeUndefined();
    expect(base.facts).toBeUndefined();
    expect(base.unresolved).toBe('FROM build_${BUILD_ENV}: names the stage build_git or build_copy through the build argument BUILD_ENV, whose value the build takes from the environment');
  });
  it('a bare variable from the environment stays an image reference (it names an image as often as a stage)', async () => {
    const df = 'ARG BASE=node:22-bookworm-slim\nFROM node:22-bookworm-slim AS base\nFROM ${BASE} AS production\nCMD ["node", "server.js"]\n';
    const run = await hardenTree({ 'compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      args: [BASE]\n', Dockerfile: df }, []);
    const s = run.result.engine.project.services.find((x) => x.name === 'web')!;
    const base = resolveStageBase(s.dockerfile!.parsed, s.dockerfile!.parsed.stages[1]!, s.build!.args);
    expect(base.image).toBe('${BASE}');
    expect(base.unresolved).toBeUndefined();
  });
  it('the report names the stages it may be, not an unknown image', async () => {
    const run = await hardenTree({ 'compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      args: [BUILD_ENV]\n', Dockerfile: dockerfile }, ['dockerfile/non-root-user', 'compose/cap-drop', 'compose/read-only']);
    const messages = run.result.engine.findings.map((f) => f.message).join('\n');
    expect(messages).toContain('names the stage build_git or build_copy through the build argument BUILD_ENV');
    expect(messages).not.toContain('unknown base image build_${BUILD_ENV}');
  });
});
