// A start that runs pnpm or yarn through corepack, where the build fetched that tool as root (`corepack enable`, then
// `pnpm install` at build): corepack keeps it in COREPACK_HOME (~/.cache/node/corepack), so under the USER the tool
// adds the start fetches it again into the user's HOME at every fresh start (Reactive-Resume's `dumb-init pnpm run
// start` as node). The USER is still added; the finding says so and names ENV COREPACK_HOME as the step that keeps it.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const PKG = '{"name":"app","packageManager":"pnpm@9.15.0"}\n';

async function userFinding(dockerfile: string, extra: Record<string, string> = {}) {
  const { result } = await hardenTree({ Dockerfile: dockerfile, 'package.json': PKG, 'pnpm-lock.yaml': '', ...extra }, ['dockerfile/non-root-user']);
  return result.engine.findings.find((f) => f.transform === 'dockerfile/non-root-user')!;
}

describe('corepack at start as a new user', () => {
  it('Reactive-Resume: multi-stage, corepack enable in the base stage, pnpm install in the release stage, dumb-init pnpm run start', async () => {
    const f = await userFinding(
      'FROM node:20-bookworm-slim AS base\nENV PNPM_HOME="/pnpm"\nENV PATH="$PNPM_HOME:$PATH"\nRUN corepack enable\nWORKDIR /app\n\nFROM base AS build\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm install --frozen-lockfile\nCOPY . .\nRUN pnpm run build\n\nFROM base AS release\nRUN apt update && apt install -y dumb-init --no-install-recommends\nCOPY --chown=node:node --from=build /app/package.json /app/pnpm-lock.yaml ./\nRUN pnpm install --prod --frozen-lockfile\nCOPY --chown=node:node --from=build /app/dist ./dist\nCMD [ "dumb-init", "pnpm", "run", "start" ]\n',
    );
    expect(f.fix).toBeDefined();
    expect(f.message).toContain('its start runs pnpm run (CMD at line 18) through corepack (corepack enable, RUN at line 4), and the pnpm the build fetched as root (RUN at line 16) sits in /root/.cache/node/corepack');
    expect(f.message).toContain('fetches pnpm again into /home/node/.cache/node/corepack at every fresh container start');
    expect(f.message).toContain('set ENV COREPACK_HOME=/usr/local/share/corepack before the RUN at line 4');
  });

  it('CRLF, yarn through corepack prepare, a shell-form CMD behind tini', async () => {
    const f = await userFinding(toCrlf('FROM node:20-bookworm-slim\nRUN corepack enable && corepack prepare yarn@4.5.0 --activate\nWORKDIR /app\nCOPY . .\nCMD tini -- yarn start\n'));
    expect(f.message).toContain('its start runs yarn start (CMD at line 5) through corepack');
  });

  it('no note where COREPACK_HOME is already outside /root, where the build never runs the tool, or where the start does not run it', async () => {
    const quiet = [
      'FROM node:20-bookworm-slim\nENV COREPACK_HOME=/usr/local/share/corepack\nRUN corepack enable\nWORKDIR /app\nCOPY . .\nRUN pnpm install --prod\nCMD ["pnpm", "start"]\n',
      'FROM node:20-bookworm-slim\nRUN corepack enable\nWORKDIR /app\nCOPY . .\nCMD ["pnpm", "start"]\n',
      'FROM node:20-bookworm-slim\nRUN corepack enable\nWORKDIR /app\nCOPY . .\nRUN pnpm install --prod && pnpm build\nCMD ["node", "dist/main.js"]\n',
    ];
    for (const df of quiet) expect((await userFinding(df)).message, df).not.toContain('corepack');
  });

  it('COREPACK_HOME outside /root set before the build fetched pnpm: the user runs that copy, so no hold-back and no tmpfs for it', async () => {
    const df = 'FROM node:20-bookworm-slim\nENV COREPACK_HOME=/usr/local/share/corepack\nRUN corepack enable\nWORKDIR /app\nCOPY . .\nRUN pnpm install --prod\nCMD ["pnpm", "start"]\n';
    const f = await userFinding(df);
    expect(f.fix).toBeDefined();
    const { result } = await hardenTree({ Dockerfile: df, 'package.json': PKG, 'compose.yaml': 'services:\n  app:\n    build: .\n    user: node\n' }, ['compose/read-only']);
    const ro = result.engine.findings.find((x) => x.transform === 'compose/read-only')!;
    expect(ro.message).not.toContain('corepack');
  });
});
