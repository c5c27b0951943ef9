// env_file as compose reads it: the three forms, paths relative to the compose file, and precedence
// (environment over env_file; a later env_file over an earlier one).
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { envFileAssignments, envFileRefs, serviceEnvironment, unresolvedEnvFiles } from '../src/env-files.js';
import { parseEnvFile } from '../src/compose-interpolate.js';
import { writeTree } from './helpers.js';
import { discover } from '../src/discover.js';
import { loadProject } from '../src/model.js';
import { rmSync } from 'node:fs';
import type { ServiceLink } from '../src/model.js';

const service = (fields: Record<string, unknown>): ServiceLink => ({ name: 'web', compose: { path: '/repo/deploy/compose.yaml', rel: 'deploy/compose.yaml' }, effective: fields, own: fields }) as unknown as ServiceLink;

describe('env files', () => {
  it('reads the string, list and long forms relative to the compose file', () => {
    expect(envFileRefs(service({ env_file: 'a.env' })).map((r) => r.path)).toEqual([path.resolve('/repo/deploy/a.env')]);
    const refs = envFileRefs(service({ env_file: ['../b.env', { path: './c.env', required: false }, { path: '${X}.env' }] }));
    expect(refs.map((r) => [r.path, r.required])).toEqual([
      [path.resolve('/repo/b.env'), true],
      [path.resolve('/repo/deploy/c.env'), false],
    ]);
  });

  it('interpolates a path with variables as compose does (.env, defaults); one nothing settles is reported, not guessed', () => {
    const scope = parseEnvFile('STAGE=prod\nEMPTY=\n', '.env');
    const s = { ...service({ env_file: ['${ENV_FILE:-.env}', './${STAGE}.env', '${EMPTY:-local}.env', '${UNSET}.env', { path: '${MISSING:?set it}' }] }), interpolation: scope } as ServiceLink;
    expect(envFileRefs(s).map((r) => [r.path, r.written])).toEqual([
      [path.resolve('/repo/deploy/.env'), '${ENV_FILE:-.env}'],
      [path.resolve('/repo/deploy/prod.env'), './${STAGE}.env'],
      [path.resolve('/repo/deploy/local.env'), '${EMPTY:-local}.env'],
    ]);
    expect(unresolvedEnvFiles(s)).toEqual(['${UNSET}.env', '${MISSING:?set it}']);
    // Without the variables compose reads (a service built outside a loaded project), every such path stays unknown.
    expect(unresolvedEnvFiles(service({ env_file: '${ENV_FILE:-.env}' }))).toEqual(['${ENV_FILE:-.env}']);
  });

  it('a loaded project reads the env_file its .env names, for the container environment', async () => {
    const dir = writeTree({
      '.env': 'APP_ENV=app.production.env\n',
      'app.production.env': 'PORT=8080\n',
      'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n    env_file: ${APP_ENV}\n    ports: ["8080:80"]\n',
    });
    const found = await discover([dir], dir, { exclude: [] });
    const project = await loadProject(found.files, dir, found.roots);
    const web = project.services.find((x) => x.name === 'web')!;
    expect([...serviceEnvironment(web)].map(([k, v]) => [k, v.value])).toEqual([['PORT', '8080']]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses assignments: export, quotes, inline comments, the last line winning', () => {
    const got = envFileAssignments('# c\nexport A="80" # port\nB=x y # note\nA=81\nC\n');
    expect(Object.fromEntries([...got].map(([k, v]) => [k, [v.value, v.line]]))).toEqual({ A: ['81', 4], B: ['x y', 3] });
  });

  it('puts environment over env_file and a later env_file over an earlier one', () => {
    const files: Record<string, string> = { [path.resolve('/repo/deploy/one.env')]: 'P=1\nQ=1\nR=1\nS=1\n', [path.resolve('/repo/deploy/two.env')]: 'Q=2\n' };
    const env = serviceEnvironment(service({ env_file: ['one.env', 'two.env', { path: 'gone.env', required: false }], environment: ['R=3', 'S'] }), (f) => files[f]);
    expect(env.get('P')?.value).toBe('1');
    expect(env.get('Q')).toMatchObject({ value: '2', from: { kind: 'env_file', line: 1, written: 'two.env' } });
    expect(env.get('R')).toEqual({ value: '3', from: { kind: 'environment' } });
    // A name without a value comes from the shell: not known, whatever the file says.
    expect(env.has('S')).toBe(false);
  });
});
