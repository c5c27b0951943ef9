// compose/root-user: an explicit `user: root` (or `0`, `0:0`, `root:root`)
// in compose is somebody's decision, so it is kept and reported, never
// changed; other transforms also leave such services' capabilities alone.
// An explicit non-root `user:` over a writable bind mount gets a note that the
// host folder must be that user's (dockerfile/non-root-user says the same for
// the USER it adds; a compose `user:` is nobody's change here, so only a note).
import path from 'node:path';
import type { Transform } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { ServiceLink, VolumeMount } from '../../src/model.js';
import { composeUser, isDockerSocketMount, isExplicitRoot, normalizePath, serviceNote } from '../../src/compose-service.js';
import { isSystemPath } from '../../src/write-paths.js';
import { isFile } from '../../src/read.js';

const ID = 'compose/root-user';
const CIS = '4.1';

export const rootUser: Transform = {
  meta: {
    id: ID,
    description: 'Report services that set user: root (or 0) explicitly, kept as written; and the bind mounts an explicit non-root user: must own',
    appliesTo: ['compose'],
    fixable: false,
    cis: CIS,
    peers: ['CKV_DOCKER_8', 'KICS 67fd0c4a'],
    help:
      'A compose user: root overrides a non-root USER in the image. It is often there for a reason (fixing volume ownership, ' +
      'a tool that needs root), so docker-harden keeps it and reports it rather than guessing. A non-root user: over a writable ' +
      'bind mount needs the host folder to be its own: Docker makes a missing one root-owned.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.project.services) {
      if (s.leftAlone) continue;
      // Report where it is written: a partial override that only inherits it says nothing new.
      if (!isExplicitRoot(s)) {
        const binds = s.node.data.user !== undefined ? bindOwnerNote(s) : undefined;
        if (binds) out.push(binds);
        continue;
      }
      if (s.base && composeUser(s.base) === composeUser(s) && s.node.data.user === undefined) continue;
      out.push(
        serviceNote(
          ID,
          CIS,
          s,
          `runs as user: ${composeUser(s)} set explicitly; kept`,
          'If it does not need root, set user: to a non-root UID:GID that owns its volumes (e.g. "1000:1000"), then run docker-harden again.',
        ),
      );
    }
    return out;
  },
};

/** A SQLite database mounted alone, often before the host file exists. */
const SQLITE_FILE = /\.(sqlite3?|db)$/i;

/**
 * An explicit non-root compose `user:` over writable bind mounts (photoview's minimal example before 35c97fce: mariadb
 * with `user: "999:999"` and `cap_drop: [ALL]` over `${HOST_PHOTOVIEW_LOCATION}/database/mariadb:/var/lib/mysql`; their fix
 * went back to root with CHOWN, SETUID, SETGID and DAC_READ_SEARCH): the process writes there as that user, and the host
 * folder keeps the host's ownership. Docker makes a missing bind source as root (mode 755), where that user cannot
 * write, and the image's own ownership of the target is hidden. Left out: read-only mounts, the Docker socket, system
 * paths (`/etc/localtime`), the checkout (`.`, `${PWD}`, the compose file's folder or one above), single files (a
 * SQLite database mounted alone too), and a user: that is a variable with no value here (the deployer's own UID, as a rule).
 */
function bindOwnerNote(s: ServiceLink): Finding | undefined {
  const user = composeUser(s);
  if (!user || user.includes('$')) return undefined;
  // A name is an account of the image (`postgres:postgres`: the user part); a placeholder a README copies (`UID:GID`,
  // `<uid>`) names none.
  const name = user.split(':')[0]!;
  if (!/^\d+(:\d+)?$/.test(user) && !/^[a-z_][a-z0-9_.-]*\$?$/.test(name)) return undefined;
  const composeDir = path.dirname(s.compose.path);
  const binds = s.volumes.filter((m: VolumeMount) => {
    if (m.type !== 'bind' || m.readOnly || !m.source || isDockerSocketMount(m)) return false;
    const target = normalizePath(m.target);
    if (isSystemPath(target)) return false;
    if (/^\$\{?PWD\}?\/?$/.test(m.source) || (m.hostPath !== undefined && (composeDir === m.hostPath || composeDir.startsWith(m.hostPath.replace(/\/?$/, '/'))))) return false;
    // A single file (a config, a SQLite database mounted alone): a folder made for it would be wrong; not judged here.
    if ((m.hostPath !== undefined && isFile(m.hostPath)) || SQLITE_FILE.test(m.target)) return false;
    return true;
  });
  if (!binds.length) return undefined;
  const numeric = /^\d+(:\d+)?$/.test(user) ? (user.includes(':') ? user : `${user}:${user}`) : undefined;
  const owner = numeric ? `UID ${numeric.split(':')[0]} (user: ${user})` : `the UID ${name} has in the image (user: ${user})`;
  const list = binds.map((m) => `${m.source}:${m.target}`);
  const hosts = binds.map((m) => (/^[\w./~+@%:-]+$/.test(m.source!) ? m.source! : `"${m.source!.replace(/["\\`]/g, '\\$&')}"`));
  return serviceNote(
    ID,
    CIS,
    s,
    `runs as ${owner} and writes through the bind mount${binds.length > 1 ? 's' : ''} ${list.join(', ')}: the host folder${binds.length > 1 ? 's' : ''} must be that user's (Docker makes a missing one root-owned from the short syntax, compose's long syntax refuses it, and an existing one keeps its host owner), or the service cannot write there`,
    numeric
      ? `Before the first start, make each host folder and give it to that user: sudo mkdir -p ${hosts.join(' ')} && sudo chown -R ${numeric} ${hosts.join(' ')} (a relative path is from the compose file's folder).`
      : `Before the first start, make each host folder and chown it to the UID ${name} has in the image (docker run --rm --entrypoint id <image> ${name}); or set user: to that numeric UID:GID.`,
    'note',
  );
}
