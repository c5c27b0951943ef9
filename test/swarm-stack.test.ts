// Which compose files swarm deploys as stacks (`docker stack deploy -c`), read
// once into the layout: from the commands in scripts, Makefiles, CI workflows
// and READMEs, or, for files no command names, from a stack file's structure.
// A plain compose file that only shares keys with stacks (deploy.resources,
// deploy.replicas) stays a compose file.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { writeTree } from './helpers.js';
import { discover } from '../src/discover.js';
import { loadProject } from '../src/model.js';
import { sizeInBytes } from '../transforms/compose/read-only.js';

async function swarmOf(tree: Record<string, string>, file: string) {
  const dir = writeTree(tree);
  const found = await discover(['.'], dir, { exclude: [] });
  const project = await loadProject(found.files, dir, found.roots, found.isExcluded, undefined, { evidence: found.evidence });
  return project.layout.compose.uses.get(path.join(dir, file))?.swarm;
}

const APP = 'services:\n  web:\n    image: nginx:1.27\n';
const STACK = 'version: "3.8"\nservices:\n  web:\n    image: org/web:1\n';

describe('stack files named by a command', () => {
  it('reads docker stack deploy -c in a Makefile', async () => {
    const swarm = await swarmOf({ 'stack.yml': APP, Makefile: 'deploy:\n\tdocker stack deploy -c stack.yml web\n' }, 'stack.yml');
    expect(swarm).toMatchObject({ how: 'evidence', alsoCompose: false, reason: 'deployed with docker stack deploy by Makefile:2' });
    expect(swarm?.evidence.map((e) => e.source)).toEqual(['makefile']);
  });

  it('reads --compose-file= in a shell script that cds to the repository root', async () => {
    const swarm = await swarmOf(
      { 'deploy/stack.yml': APP, 'bin/deploy.sh': '#!/bin/sh\ncd "$(dirname "$0")/.."\nexec docker stack deploy --compose-file=deploy/stack.yml --prune web\n' },
      'deploy/stack.yml',
    );
    expect(swarm).toMatchObject({ how: 'evidence', reason: 'deployed with docker stack deploy by bin/deploy.sh:3' });
  });

  it('reads a GitHub workflow step, through ssh-less docker -H and docker stack up', async () => {
    const wf = 'on: push\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          docker -H tcp://swarm:2376 stack up -c stack.yml web\n';
    const swarm = await swarmOf({ 'stack.yml': APP, '.github/workflows/deploy.yml': wf }, 'stack.yml');
    expect(swarm).toMatchObject({ how: 'evidence', reason: 'deployed with docker stack deploy by .github/workflows/deploy.yml:7' });
  });

  it('reads a README code block', async () => {
    const swarm = await swarmOf({ 'stack.yml': APP, 'README.md': '# Deploy\n\n```sh\ndocker stack deploy -c stack.yml web\n```\n' }, 'stack.yml');
    expect(swarm).toMatchObject({ how: 'evidence', reason: 'deployed with docker stack deploy by README.md:4' });
  });

  it('marks every file of several -c files, and not a file the command leaves out', async () => {
    const tree = {
      'stack.yml': APP,
      'stack.prod.yml': 'services:\n  web:\n    deploy:\n      replicas: 3\n',
      'other.yml': APP,
      Makefile: 'deploy:\n\tdocker stack deploy -c stack.yml -c stack.prod.yml web\n',
    };
    expect(await swarmOf(tree, 'stack.yml')).toMatchObject({ how: 'evidence' });
    expect(await swarmOf(tree, 'stack.prod.yml')).toMatchObject({ how: 'evidence' });
    expect(await swarmOf(tree, 'other.yml')).toBeUndefined();
  });

  it('knows a file compose runs too: docker compose -f, docker-compose -f, or compose reading it with its override', async () => {
    const both = { 'compose.yaml': APP, Makefile: 'up:\n\tdocker compose -f compose.yaml up\ndeploy:\n\tdocker stack deploy -c compose.yaml web\n' };
    expect(await swarmOf(both, 'compose.yaml')).toMatchObject({ how: 'evidence', alsoCompose: true });
    const v1 = { 'compose.yaml': APP, 'run.sh': 'docker-compose -f compose.yaml up -d\ndocker stack deploy -c compose.yaml web\n' };
    expect(await swarmOf(v1, 'compose.yaml')).toMatchObject({ alsoCompose: true });
    const withOverride = { 'compose.yaml': APP, 'compose.override.yaml': 'services:\n  web:\n    ports: ["8080:80"]\n', 'run.sh': 'docker stack deploy -c compose.yaml web\n' };
    expect(await swarmOf(withOverride, 'compose.yaml')).toMatchObject({ alsoCompose: true });
  });

  it('keeps the file version, which decides what the long syntax may say', async () => {
    expect((await swarmOf({ 'stack.yml': STACK, 'run.sh': 'docker stack deploy -c stack.yml web\n' }, 'stack.yml'))?.version).toEqual([3, 8]);
    expect((await swarmOf({ 'stack.yml': "version: '3'\n" + APP, 'run.sh': 'docker stack deploy -c stack.yml web\n' }, 'stack.yml'))?.version).toEqual([3, 0]);
  });

  it('does not take docker compose -f for a stack', async () => {
    expect(await swarmOf({ 'stack.yml': APP, Makefile: 'up:\n\tdocker compose -f stack.yml up\n' }, 'stack.yml')).toBeUndefined();
  });
});

describe('stack files by structure', () => {
  const deployWith = (deploy: string, extra = '') => `version: "3.8"\nservices:\n  web:\n    image: org/web:1\n${extra}    deploy:\n${deploy}`;

  it.each([
    ['placement', '      placement:\n        constraints: [node.role == manager]\n', 'deploy.placement'],
    ['global mode', '      mode: global\n', 'deploy.mode: global'],
    ['update_config', '      update_config:\n        order: start-first\n', 'deploy.update_config'],
    ['rollback_config', '      rollback_config:\n        parallelism: 1\n', 'deploy.rollback_config'],
    ['endpoint_mode', '      endpoint_mode: dnsrr\n', 'deploy.endpoint_mode'],
  ])('a version 3 file without build: using %s is a stack file', async (_name, deploy, key) => {
    const swarm = await swarmOf({ 'docker-compose.yml': deployWith(deploy) }, 'docker-compose.yml');
    expect(swarm).toMatchObject({ how: 'structure', alsoCompose: false });
    expect(swarm?.reason).toContain(key);
    expect(swarm?.evidence[0]).toMatchObject({ source: 'structure', line: 1 });
  });

  it.each([
    ['deploy.resources only (compose reads it too)', deployWith('      resources:\n        limits:\n          memory: 64M\n')],
    ['deploy.replicas and restart_policy only', deployWith('      replicas: 2\n      restart_policy:\n        condition: on-failure\n')],
    ['a build: (stack deploy cannot build)', deployWith('      placement:\n        constraints: [node.role == manager]\n', '    build: .\n')],
    ['version 2.4', deployWith('      placement:\n        constraints: [node.role == manager]\n').replace('3.8', '2.4')],
    ['no version', deployWith('      placement:\n        constraints: [node.role == manager]\n').replace('version: "3.8"\n', '')],
  ])('%s is not', async (_name, text) => {
    expect(await swarmOf({ 'docker-compose.yml': text }, 'docker-compose.yml')).toBeUndefined();
  });

  it('a compose command naming the file outranks its structure', async () => {
    const text = deployWith('      placement:\n        constraints: [node.role == manager]\n');
    expect(await swarmOf({ 'docker-compose.yml': text, Makefile: 'up:\n\tdocker compose -f docker-compose.yml up\n' }, 'docker-compose.yml')).toBeUndefined();
  });
});

describe('tmpfs sizes in bytes', () => {
  it.each([
    ['64m', 67108864],
    ['64M', 67108864],
    ['512k', 524288],
    ['1g', 1073741824],
    ['1gb', 1073741824],
    ['4096', 4096],
  ])('%s is %d', (size, bytes) => expect(sizeInBytes(size)).toBe(bytes));

  it('says nothing for what is not a size', () => {
    expect(sizeInBytes('')).toBeUndefined();
    expect(sizeInBytes('lots')).toBeUndefined();
  });
});

describe('finding stack files by name', () => {
  it('discovers docker-stack*.yml as compose files, and leaves a bare stack.yaml (Haskell Stack\'s name) alone', async () => {
    const { kindFromName } = await import('../src/discover.js');
    expect(['docker-stack.yml', 'docker-stack.prod.yaml', 'Docker-Stack.yml'].map(kindFromName)).toEqual(['compose', 'compose', 'compose']);
    expect(['stack.yaml', 'stack.yml', 'my-docker-stack.yml'].map(kindFromName)).toEqual([undefined, undefined, undefined]);
  });

  it('a docker-stack.yml nothing names is a stack file by its structure', async () => {
    const text = 'version: "3.8"\nservices:\n  web:\n    image: org/web:1\n    deploy:\n      placement:\n        constraints: [node.role == manager]\n';
    expect(await swarmOf({ 'deploy/docker-stack.yml': text }, 'deploy/docker-stack.yml')).toMatchObject({ how: 'structure' });
  });
});

describe('keys docker stack deploy ignores or rejects', () => {
  const stack = (service: string) => `version: "3.8"\nservices:\n  agent:\n    image: portainer/agent:2.19\n${service}    deploy:\n      mode: global\n`;
  const notes = async (tree: Record<string, string>) => {
    const { hardenTree } = await import('./helpers.js');
    const { result, changed } = await hardenTree(tree);
    return { changed, findings: result.engine.findings.map((f) => ({ transform: f.transform, cis: f.cis, message: f.message, manual: f.manual ?? '', fixed: !!f.fix })) };
  };

  it('privileged, devices and restricting security_opt entries are reported with their CIS control and the docker/cli source', async () => {
    const { findings } = await notes({
      'docker-stack.yml': stack('    privileged: true\n    devices: [/dev/fuse]\n    security_opt: [seccomp=./seccomp.json, "apparmor:my-profile", "label:type:svc_t"]\n'),
    });
    const swarm = findings.filter((f) => f.transform === 'compose/swarm-ignored-keys');
    expect(swarm.map((f) => [f.cis, f.message.replace(/ \(a swarm stack file[^)]*\)/, '')])).toEqual([
      ['5.5', 'service agent: docker stack deploy ignores privileged: true, so swarm runs it unprivileged'],
      ['5.18', 'service agent: docker stack deploy ignores devices (/dev/fuse; a swarm stack file by its structure: version 3.8, no build:, and deploy.mode: global), so swarm maps no host device into it'],
      ['5.22', 'service agent: docker stack deploy ignores security_opt seccomp=./seccomp.json, so swarm runs it without the seccomp profile ./seccomp.json'],
      ['5.2', 'service agent: docker stack deploy ignores security_opt apparmor:my-profile, so swarm runs it without the AppArmor profile my-profile'],
      ['5.3', 'service agent: docker stack deploy ignores security_opt label:type:svc_t, so swarm runs it without the SELinux label type:svc_t'],
    ]);
    for (const f of swarm) expect(f.manual).toContain('docker/cli cli/compose/types/types.go');
  });

  it('says nothing of keys swarm ignores harmlessly, of unconfined entries, or of a plain compose file', async () => {
    const harmless = stack('    restart: always\n    container_name: agent\n    network_mode: host\n    pid: host\n    security_opt: ["seccomp:unconfined", "apparmor=unconfined"]\n');
    expect((await notes({ 'docker-stack.yml': harmless })).findings.filter((f) => f.transform === 'compose/swarm-ignored-keys')).toEqual([]);
    const compose = 'services:\n  agent:\n    image: portainer/agent:2.19\n    privileged: true\n    devices: [/dev/fuse]\n';
    expect((await notes({ 'compose.yaml': compose })).findings.filter((f) => f.transform === 'compose/swarm-ignored-keys')).toEqual([]);
  });

  it('a file compose runs too says compose applies the key', async () => {
    const { findings } = await notes({
      'docker-stack.yml': stack('    devices: [/dev/fuse]\n'),
      Makefile: 'up:\n\tdocker compose -f docker-stack.yml up -d\ndeploy:\n\tdocker stack deploy -c docker-stack.yml agent\n',
    });
    expect(findings.find((f) => f.transform === 'compose/swarm-ignored-keys')?.message).toContain('(compose, which runs the file too, applies it)');
  });

  it('no group_add for a docker socket user: docker/cli\'s v3 schemas have no such key, so the deploy would fail', async () => {
    const tree = { 'docker-stack.yml': stack('    user: "1000"\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n') };
    const { changed, findings } = await notes(tree);
    expect(changed['docker-stack.yml'] ?? '').not.toContain('group_add');
    const socket = findings.find((f) => f.transform === 'compose/docker-socket-group');
    expect(socket).toMatchObject({ fixed: false, cis: '5.32' });
    expect(socket!.message).toContain('docker stack deploy rejects group_add');
    expect(socket!.manual).toContain('docker service update --group-add');
    // The same service in a plain compose file gets the group.
    const plain = await notes({ 'compose.yaml': 'services:\n  agent:\n    image: portainer/agent:2.19\n    user: "1000"\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n' });
    expect(plain.changed['compose.yaml']).toContain('group_add: ["${DOCKER_GID:-999}"]');
  });
});
