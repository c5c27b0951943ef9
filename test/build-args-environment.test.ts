// Compose build arguments given without a value (`args: [FOO]`, `FOO:`) take
// their value from the environment compose runs in, or its `.env`: ARG
// expansion must read them as unknown (not empty, not the Dockerfile's
// default) unless `.env` sets them.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';
import { effectiveUser, resolveStageBase } from '../src/dockerfile-info.js';
import type { Project } from '../src/model.js';

const dockerfile = 'ARG BASE=nginx:1.25-alpine\nFROM ${BASE}\nARG APP_UID=1000\nUSER ${APP_UID}\n';

function serviceBase(project: Project, name = 'web') {
  const s = project.services.find((x) => x.name === name)!;
  const df = s.dockerfile!;
  const stage = df.parsed.stages[df.parsed.stages.length - 1]!;
  return { s, base: resolveStageBase(df.parsed, stage, s.build!.args) };
}

const shapes: [string, string][] = [
  ['a list entry', 'services:\n  web:\n    build:\n      context: .\n      args:\n        - BASE\n        - APP_UID\n'],
  ['a list entry, flow style', 'services:\n  web:\n    build: { context: ., args: [BASE, APP_UID] }\n'],
  ['a null map value', 'services:\n  web:\n    build:\n      context: .\n      args:\n        BASE:\n        APP_UID: # from CI\n'],
  ['an explicit null', 'services:\n  web:\n    build:\n      context: .\n      args:\n        BASE: null\n        APP_UID: ~\n'],
];

describe('compose build args taken from the environment', () => {
  for (const [what, compose] of shapes) {
    for (const crlf of [false, true]) {
      it(`${what}${crlf ? ' (CRLF)' : ''}: FROM and USER are unknown, not the Dockerfile defaults`, async () => {
        const eol = (t: string) => (crlf ? toCrlf(t) : t);
        const run = await hardenTree({ 'compose.yaml': eol(compose), Dockerfile: eol(dockerfile) }, []);
        const { s, base } = serviceBase(run.result.engine.project);
        expect(s.build!.args).toEqual({ BASE: '${BASE}', APP_UID: '${APP_UID}' });
        // The image stays the reference as written: unknown, neither empty nor nginx:1.25-alpine.
        expect(base.image).toBe('${BASE}');
        expect(base.facts).toBeUndefined();
        expect(effectiveUser(base).known).toBe(false);
      });
    }
  }

  it('a value .env sets is the value (compose reads .env for them too)', async () => {
    const run = await hardenTree({ 'compose.yaml': shapes[0]![1], Dockerfile: dockerfile, '.env': '# pinned\nBASE="node:20-alpine"\nAPP_UID=1001\n' }, []);
    const { s, base } = serviceBase(run.result.engine.project);
    expect(s.build!.args).toEqual({ BASE: 'node:20-alpine', APP_UID: '1001' });
    expect(base.image).toBe('node:20-alpine');
    expect(effectiveUser(base)).toMatchObject({ user: '1001', known: true });
  });

  it('USER of an ARG the environment sets is unknown, not its default', async () => {
    const df = 'FROM node:20-alpine\nARG APP_UID=1000\nUSER ${APP_UID:-1000}\n';
    const run = await hardenTree({ 'compose.yaml': shapes[0]![1], Dockerfile: df }, []);
    const { base } = serviceBase(run.result.engine.project);
    expect(base.image).toBe('node:20-alpine');
    expect(effectiveUser(base).known).toBe(false);
  });

  it('an unknown tag keeps the image family: nginx:${TAG} is nginx, of a tag the environment gives', async () => {
    const compose = 'services:\n  web:\n    build:\n      context: .\n      args: [TAG]\n';
    const run = await hardenTree({ 'compose.yaml': compose, Dockerfile: 'ARG TAG=1.25-alpine\nFROM nginx:${TAG:-1.25-alpine}\n' }, []);
    const { base } = serviceBase(run.result.engine.project);
    expect(base.image).toBe('nginx:${TAG}');
    expect(base.facts?.family).toBe('nginx');
  });

  it('a value given in compose replaces the ARG default for USER', async () => {
    const compose = 'services:\n  web:\n    build:\n      context: .\n      args:\n        APP_UID: "1001"\n';
    const run = await hardenTree({ 'compose.yaml': compose, Dockerfile: 'FROM node:20-alpine\nARG APP_UID=1000\nUSER ${APP_UID}\n' }, []);
    const { base } = serviceBase(run.result.engine.project);
    expect(effectiveUser(base)).toMatchObject({ user: '1001', known: true });
  });

  it('without the argument in compose, the Dockerfile default stands', async () => {
    const compose = 'services:\n  web:\n    build: .\n';
    const run = await hardenTree({ 'compose.yaml': compose, Dockerfile: dockerfile }, []);
    const { base } = serviceBase(run.result.engine.project);
    expect(base.image).toBe('nginx:1.25-alpine');
    expect(effectiveUser(base)).toMatchObject({ user: '1000', known: true });
  });

  it('nginx/unprivileged does not swap an ARG default the environment replaces', async () => {
    const run = await hardenTree({ 'compose.yaml': shapes[0]![1], Dockerfile: dockerfile }, ['nginx/unprivileged']);
    expect(run.changed).toEqual({});
  });
});
