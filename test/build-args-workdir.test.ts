// Compose build args reach WORKDIR and COPY destinations (src/dockerfile-info.ts
// workdirs, src/write-paths.ts copyDest): `ARG APP_HOME=/app` + `WORKDIR
// $APP_HOME`, built by a service with `args: {APP_HOME: /srv/app}`, puts the
// code in /srv/app for that build, so chown and write-path facts use it. When
// the services that build the image pass different values, the folder is not
// taken as any one build's.
import { describe, it, expect } from 'vitest';
import { hardenTree } from './helpers.js';

const DOCKERFILE = 'FROM python:3.12-slim\nARG APP_HOME=/app\nWORKDIR $APP_HOME\nCOPY . .\nCMD ["python", "main.py"]\n';
const service = (name: string, args?: string) => `  ${name}:\n    build:\n      context: .\n${args ? `      args:\n        APP_HOME: ${args}\n` : ''}`;

async function nonRootMessage(tree: Record<string, string>): Promise<string> {
  const { result } = await hardenTree(tree, ['dockerfile/non-root-user'], { chownWorkdir: true });
  return result.engine.findings.find((f) => f.transform === 'dockerfile/non-root-user' && f.file.endsWith('Dockerfile'))!.message;
}

describe('compose build args in WORKDIR and COPY destinations', () => {
  it('one service sets APP_HOME: its value is the working directory chowned', async () => {
    const message = await nonRootMessage({ Dockerfile: DOCKERFILE, 'compose.yaml': `services:\n${service('web', '/srv/app')}` });
    expect(message).toContain('/srv/app');
    expect(message).not.toMatch(/(^|[ ,])\/app\b/);
  });

  it('no args: the Dockerfile default', async () => {
    const message = await nonRootMessage({ Dockerfile: DOCKERFILE, 'compose.yaml': `services:\n${service('web')}` });
    expect(message).toMatch(/chown[^;]*\/app\b/);
    expect(message).not.toContain('/srv/app');
  });

  it('two services pass the same value: it is used', async () => {
    const message = await nonRootMessage({ Dockerfile: DOCKERFILE, 'compose.yaml': `services:\n${service('web', '/srv/app')}${service('worker', '/srv/app')}` });
    expect(message).toContain('/srv/app');
  });

  it('two services pass different values: neither is taken as the working directory', async () => {
    const message = await nonRootMessage({ Dockerfile: DOCKERFILE, 'compose.yaml': `services:\n${service('web', '/srv/app')}${service('worker', '/opt/app')}` });
    expect(message).not.toContain('/srv/app');
    expect(message).not.toContain('/opt/app');
  });

  it('a COPY destination that names the argument follows it too', async () => {
    const dockerfile = 'FROM python:3.12-slim\nARG APP_HOME=/app\nCOPY . $APP_HOME/\nCMD ["python", "main.py"]\n';
    const { result } = await hardenTree(
      { Dockerfile: dockerfile, 'compose.yaml': `services:\n${service('web', '/srv/app')}    volumes: [data:/srv/app/data]\nvolumes:\n  data:\n` },
      ['dockerfile/non-root-user'],
    );
    const message = result.engine.findings.find((f) => f.transform === 'dockerfile/non-root-user')!.message;
    expect(message).toContain('/srv/app/data');
  });
});
