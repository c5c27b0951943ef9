// compose/env-docker-gid: when a service joins the host's docker group through
// `group_add: ["${DOCKER_GID...}"]`, the `.env.example` / `.env.sample` beside
// its compose file documents DOCKER_GID, so whoever copies it to `.env` learns
// to set it. The line is left empty: `${DOCKER_GID:-999}` treats an empty value
// as unset, so copying the example unchanged keeps today's default.
import path from 'node:path';
import type { Transform } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import { DOCKER_GID_NOTE } from '../../src/compose-service.js';
import type { EnvSource, ServiceLink } from '../../src/model.js';
import { detectEol } from '../../src/text.js';

const ID = 'compose/env-docker-gid';
const CIS = '5.32';
const EXAMPLE_ENV = /^\.env\.(example|sample)$/;

export const envDockerGid: Transform = {
  meta: {
    id: ID,
    description: 'Document DOCKER_GID= in .env.example/.env.sample when a service adds the docker group by ${DOCKER_GID}',
    appliesTo: ['env'],
    fixable: true,
    cis: CIS,
    peers: [],
    help:
      'A service that talks to the Docker socket as a non-root user joins the socket\'s group with group_add: ["${DOCKER_GID:-999}"]. ' +
      'The docker group GID differs between hosts, so the example environment file documents DOCKER_GID and how to find it ' +
      '(getent group docker | cut -d: -f3); an empty value keeps the default.',
  },
  run(ctx) {
    const out: Finding[] = [];
    // The services of each folder, listed once: filtering every service for every env file grows with the square of the repository.
    const byFolder = new Map<string, ServiceLink[]>();
    for (const s of ctx.project.services) {
      const dir = path.dirname(s.compose.path);
      const list = byFolder.get(dir);
      if (list) list.push(s);
      else byFolder.set(dir, [s]);
    }
    for (const src of ctx.project.files.values()) {
      // The example files only: an env_file a service reads (model.ts loads those of nginx services) sets the
      // container's environment, never the `${DOCKER_GID}` compose interpolates.
      if (src.kind !== 'env' || !EXAMPLE_ENV.test(path.basename(src.path))) continue;
      const f = check(src, byFolder.get(path.dirname(src.path)) ?? []);
      if (f) out.push(f);
    }
    return out;
  },
};

function usesDockerGid(groupAdd: unknown): boolean {
  return Array.isArray(groupAdd) && groupAdd.some((g) => typeof g === 'string' && /\$\{?DOCKER_GID\b/.test(g));
}

function check(env: EnvSource, services: ServiceLink[]): Finding | undefined {
  const joining = services.filter((s) => usesDockerGid(s.effective.group_add));
  const users = [...new Set(joining.map((s) => s.name))];
  if (users.length === 0) return undefined;
  // An assignment counts (`DOCKER_GID=`, `export DOCKER_GID=999`); a commented-out one does not.
  if (/^[ \t]*(?:export[ \t]+)?DOCKER_GID[ \t]*=/m.test(env.text)) return undefined;
  const text = env.text;
  const eol = detectEol(text);
  const lines = [
    `# GID of the host's docker group, for services that use the Docker socket (${users.join(', ')}).`,
    '# Find it with: getent group docker | cut -d: -f3   (empty: the default in the compose file)',
    'DOCKER_GID=',
  ];
  // Keep the file's own ending: without a final newline before, none after.
  const insert = text.length > 0 && !text.endsWith('\n') ? eol + lines.join(eol) : lines.join(eol) + eol;
  return {
    transform: ID,
    file: env.path,
    range: [text.length, text.length],
    message: `document DOCKER_GID= for the docker group that ${users.join(', ')} join${users.length === 1 ? 's' : ''} by group_add`,
    severity: 'note',
    cis: CIS,
    fix: { edits: [{ file: env.path, range: [text.length, text.length], text: insert }] },
    notes: [DOCKER_GID_NOTE],
    // The fact is in the compose files beside it: which services join the group by ${DOCKER_GID}.
    sources: [...new Set(joining.map((s) => `compose: ${s.compose.rel} (service ${s.name}: group_add \${DOCKER_GID})`))],
  };
}
