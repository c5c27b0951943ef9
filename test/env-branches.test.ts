// A start script shared by several images, branching on an environment variable each image (ENV) or compose service
// (`environment:`) sets (docker-openwisp's init_command.sh on MODULE_NAME): each image and service is read in the branch
// its value selects (src/case-branches.ts withVariableBranches, wired in start-scripts.ts), every branch where the
// value is not known: set by an env file, differently by the services that run one image, or by nothing here.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const USER_ID = 'dockerfile/non-root-user';
const RO_ID = 'compose/read-only';

const SCRIPT = [
  '#!/bin/sh',
  'set -e',
  '# Start services',
  'if [ "$MODULE_NAME" = \'postfix\' ]; then',
  '\tpostfix start',
  '\texec rsyslogd -n',
  'elif [[ $MODULE_NAME == nginx* ]]; then',
  '\tenvsubst </etc/nginx/nginx.template.conf >/etc/nginx/nginx.conf',
  '\texec nginx -g "daemon off;"',
  'else',
  '\texec python app.py',
  'fi',
  '',
].join('\n');

const CASE_SCRIPT = ['#!/bin/sh', 'case "${MODULE_NAME}" in', '  postfix) postfix start; exec rsyslogd -n ;;', '  *) exec python app.py ;;', 'esac', ''].join('\n');

const dockerfile = (env: string[], from = ['FROM debian:bookworm-slim']) =>
  [...from, 'RUN apt-get update && apt-get install -y python3 postfix rsyslog', ...env, 'WORKDIR /app', 'COPY common/init.sh app.py ./', 'CMD ["sh", "init.sh"]', ''].join('\n');

const startsPostfix = (findings: { message: string }[]) => findings.some((f) => /starts postfix/.test(f.message));

/** Each Dockerfile built from its own folder (no compose file names a context) gets the shared script there. */
async function users(tree: Record<string, string>, script = SCRIPT) {
  const withScripts: Record<string, string> = { 'common/init.sh': script, 'app.py': 'print(1)\n' };
  for (const file of Object.keys(tree)) {
    const dir = file.replace(/\/?Dockerfile$/, '');
    if (file.endsWith('Dockerfile') && dir && !tree['docker-compose.yml']) {
      withScripts[`${dir}/common/init.sh`] = script;
      withScripts[`${dir}/app.py`] = 'print(1)\n';
    }
  }
  const { result, changed } = await hardenTree({ ...withScripts, ...tree }, [USER_ID]);
  const of = (file: string) => result.engine.findings.filter((f) => f.transform === USER_ID && f.file.endsWith(file));
  return { of, changed };
}

describe('start script branches on a variable the image sets', () => {
  it('reads only the branch the image ENV selects: the web image gets its USER, the postfix image is held back for postfix alone', async () => {
    const { of, changed } = await users({
      'web/Dockerfile': dockerfile(['ENV MODULE_NAME=web']),
      'mail/Dockerfile': dockerfile(['ENV TZ=UTC \\', '    MODULE_NAME=postfix']),
    });
    expect(startsPostfix(of('web/Dockerfile'))).toBe(false);
    expect(changed['web/Dockerfile']).toMatch(/^USER /m);
    expect(startsPostfix(of('mail/Dockerfile'))).toBe(true);
    expect(changed['mail/Dockerfile']).toBeUndefined();
  });

  it('takes the ENV of a parent stage, a quoted value, the last ENV, and CRLF files', async () => {
    for (const crlf of [false, true]) {
      const conv = (t: string) => (crlf ? toCrlf(t) : t);
      const { of } = await users(
        {
          'a/Dockerfile': conv(dockerfile([], ['FROM debian:bookworm-slim AS base', 'ENV MODULE_NAME=web', 'FROM base'])),
          'b/Dockerfile': conv(dockerfile(['ENV MODULE_NAME="web"'])),
          'c/Dockerfile': conv(dockerfile(['ENV MODULE_NAME=postfix', 'ENV MODULE_NAME=web'])),
          'd/Dockerfile': conv(dockerfile(['ENV MODULE_NAME=web', 'ENV MODULE_NAME=postfix'])),
        },
        conv(SCRIPT),
      );
      expect([of('a/Dockerfile'), of('b/Dockerfile'), of('c/Dockerfile'), of('d/Dockerfile')].map(startsPostfix)).toEqual([false, false, false, true]);
    }
  });

  it('reads a case on the variable the same way', async () => {
    const { of } = await users({ 'web/Dockerfile': dockerfile(['ENV MODULE_NAME=web']), 'mail/Dockerfile': dockerfile(['ENV MODULE_NAME=postfix']) }, CASE_SCRIPT);
    expect(startsPostfix(of('web/Dockerfile'))).toBe(false);
    expect(startsPostfix(of('mail/Dockerfile'))).toBe(true);
  });

  it('reads every branch where the image does not set it, or sets it from a build argument', async () => {
    const { of } = await users({ 'a/Dockerfile': dockerfile([]), 'b/Dockerfile': dockerfile(['ARG MODULE', 'ENV MODULE_NAME=$MODULE']) });
    expect(startsPostfix(of('a/Dockerfile'))).toBe(true);
    expect(startsPostfix(of('b/Dockerfile'))).toBe(true);
  });

  it('reads every branch of an image that a compose service runs with another value (the image serves both)', async () => {
    for (const environment of [['    environment:', '      - MODULE_NAME=postfix'], ['    environment:', '      MODULE_NAME: postfix'], ['    env_file: mail.env']]) {
      const { of } = await users({
        'web/Dockerfile': dockerfile(['ENV MODULE_NAME=web']),
        'mail.env': 'MODULE_NAME=postfix\n',
        'docker-compose.yml': ['services:', '  web:', '    build:', '      context: .', '      dockerfile: web/Dockerfile', '  mail:', '    build:', '      context: .', '      dockerfile: web/Dockerfile', ...environment, ''].join('\n'),
      });
      expect(startsPostfix(of('web/Dockerfile'))).toBe(true);
    }
  });
});

describe('start script branches on a variable a compose service sets', () => {
  const DF = dockerfile(['ENV MODULE_NAME=web']);
  const compose = (web: string[], proxy: string[]) =>
    ['services:', '  web:', '    build: &b', '      context: .', '      dockerfile: Dockerfile', ...web, '  proxy:', '    build: *b', ...proxy, ''].join('\n');
  async function ro(tree: Record<string, string>) {
    const { result } = await hardenTree({ 'common/init.sh': SCRIPT, 'app.py': 'print(1)\n', Dockerfile: DF, ...tree }, [RO_ID]);
    return (service: string) => result.engine.findings.filter((f) => f.transform === RO_ID && f.message.startsWith(`service ${service}:`) && /\/etc\/nginx|postfix/.test(f.message));
  }

  it("reads each service in the branch its own environment selects, over the image's ENV (list and map forms)", async () => {
    const nginxWrites = await ro({ 'docker-compose.yml': compose(['    environment:', '      TZ: UTC'], ['    environment:', '      - MODULE_NAME=nginx-proxy']) });
    expect(nginxWrites('web')).toEqual([]);
    expect(nginxWrites('proxy').length).toBeGreaterThan(0);
  });

  it('takes an override file over the base file where they agree, every branch where they do not', async () => {
    const agree = await ro({
      'docker-compose.yml': compose(['    environment:', '      MODULE_NAME: web'], []),
      'docker-compose.override.yml': ['services:', '  web:', '    environment:', '      TZ: UTC', ''].join('\n'),
    });
    expect(agree('web')).toEqual([]);
    const differ = await ro({
      'docker-compose.yml': compose(['    environment:', '      MODULE_NAME: web'], []),
      'docker-compose.override.yml': ['services:', '  web:', '    environment:', '      MODULE_NAME: nginx', ''].join('\n'),
    });
    expect(differ('web').length).toBeGreaterThan(0);
  });

  it('reads every branch where an env file sets the name, or the environment takes it from the shell', async () => {
    const nginxWrites = await ro({ 'docker-compose.yml': compose(['    env_file: web.env'], ['    environment:', '      - MODULE_NAME']), 'web.env': 'MODULE_NAME=web\n' });
    expect(nginxWrites('web').length).toBeGreaterThan(0);
    expect(nginxWrites('proxy').length).toBeGreaterThan(0);
  });
});
