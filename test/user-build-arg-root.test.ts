// A USER whose value a build argument gives, when that value is root (`ARG RUN_USER=root` then
// `USER ${RUN_USER}`): the image runs as root, and a USER added after it would override every
// value a build passes, so dockerfile/non-root-user reports it for a human instead of adding one.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const COMPOSE = 'services:\n  web:\n    build: .\n';
const withArgs = (args: string) => `services:\n  web:\n    build:\n      context: .\n      args:\n${args}`;

async function nonRoot(dockerfile: string, compose = COMPOSE) {
  const { result, changed } = await hardenTree({ Dockerfile: dockerfile, 'compose.yaml': compose, 'main.py': 'x\n' }, ['dockerfile/non-root-user']);
  const finding = result.engine.findings.find((f) => f.transform === 'dockerfile/non-root-user');
  return { finding, dockerfile: changed.Dockerfile };
}

describe('USER through a build argument that is root', () => {
  const cases: [string, string, RegExp][] = [
    ['ARG default root', 'FROM python:3.12-slim\nARG RUN_USER=root\nRUN useradd -u 1001 app\nUSER ${RUN_USER}\nCMD ["python", "main.py"]\n', /build argument RUN_USER defaults to root \(ARG, line 2\), so the USER is root/],
    ['ARG default 0', 'FROM python:3.12-slim\nARG APP_UID=0\nUSER $APP_UID\nCMD ["python", "main.py"]\n', /build argument APP_UID defaults to 0 \(ARG, line 2\), so the USER is 0/],
    ['a declared ARG without value and a :-0 default', 'FROM python:3.12-slim\nARG APP_UID\nUSER ${APP_UID:-0}\nCMD ["python", "main.py"]\n', /APP_UID has no value \(ARG, line 2\), so the USER is 0/],
    ['user and group arguments', 'FROM python:3.12-slim\nARG U=root\nARG G=root\nUSER ${U}:${G}\nCMD ["python", "main.py"]\n', /U defaults to root .*G defaults to root .*so the USER is root:root/],
    ['the global ARG declared again in the stage', 'ARG RUN_USER=root\nFROM python:3.12-slim\nARG RUN_USER\nUSER ${RUN_USER}\nCMD ["python", "main.py"]\n', /defaults to root \(the ARG before the first FROM, declared again at line 3\)/],
    ['an ARG of the parent stage, CRLF', toCrlf('FROM python:3.12-slim AS base\nARG RUN_USER=0\nFROM base\nUSER ${RUN_USER}\nCMD ["python", "main.py"]\n'), /RUN_USER defaults to 0 \(ARG, line 2\)/],
  ];
  for (const [shape, dockerfile, message] of cases) {
    it(`${shape}: reported as root for a human, no USER added`, async () => {
      const { finding, dockerfile: out } = await nonRoot(dockerfile);
      expect(out).toBeUndefined();
      expect(finding?.fix).toBeUndefined();
      expect(finding?.message).toMatch(/runs as root: /);
      expect(finding?.message).toMatch(message);
      expect(finding?.manual).toMatch(/non-root value/);
    });
  }

  it('names an account the image has as the value to give', async () => {
    const { finding } = await nonRoot('FROM python:3.12-slim\nARG RUN_USER=root\nRUN useradd -u 1001 app\nUSER ${RUN_USER}\nCMD ["python", "main.py"]\n');
    expect(finding?.manual).toContain('Give RUN_USER a non-root value (app, the Dockerfile creates it)');
  });

  it('compose passes root: reported with where the value comes from', async () => {
    const { finding, dockerfile } = await nonRoot('FROM python:3.12-slim\nARG RUN_USER=app\nRUN useradd -u 1001 app\nUSER ${RUN_USER}\nCMD ["python", "main.py"]\n', withArgs('        RUN_USER: root\n'));
    expect(dockerfile).toBeUndefined();
    expect(finding?.message).toContain('the build passes RUN_USER=root');
  });

  it('compose passes a non-root user over a root default: already non-root, nothing to do', async () => {
    const { finding, dockerfile } = await nonRoot('FROM python:3.12-slim\nARG RUN_USER=root\nRUN useradd -u 1001 app\nUSER ${RUN_USER}\nCMD ["python", "main.py"]\n', withArgs('        RUN_USER: app\n'));
    expect(dockerfile).toBeUndefined();
    expect(finding?.message ?? '').not.toMatch(/runs as root/);
  });

  it('an ENV the Dockerfile fixes to root is a literal root: a USER is added after it', async () => {
    const { dockerfile } = await nonRoot('FROM python:3.12-slim\nARG RUN_USER=app\nENV RUN_USER=root\nRUN useradd -u 1001 app\nUSER ${RUN_USER}\nCMD ["python", "main.py"]\n');
    expect(dockerfile).toMatch(/USER \$\{RUN_USER\}\nUSER 1001\n/);
  });

  it('a non-root ARG default is left alone', async () => {
    const { dockerfile, finding } = await nonRoot('FROM python:3.12-slim\nARG RUN_USER=app\nRUN useradd -u 1001 app\nUSER ${RUN_USER}\nCMD ["python", "main.py"]\n');
    expect(dockerfile).toBeUndefined();
    expect(finding?.message ?? '').not.toMatch(/runs as root/);
  });
});
