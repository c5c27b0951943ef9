// The registry: every transform, in the order their fixes are taken when two
// insert at the same spot.
import type { Transform } from '../src/transform.js';
import { nonRootUser } from './dockerfile/non-root-user.js';
import { homeCacheEnv } from './dockerfile/home-cache-env.js';
import { noNewPrivileges } from './compose/no-new-privileges.js';
import { capDrop } from './compose/cap-drop.js';
import { readOnly } from './compose/read-only.js';
import { dockerSocketGroup } from './compose/docker-socket-group.js';
import { deadCapabilities } from './compose/dead-capabilities.js';
import { pythonBytecode } from './compose/python-bytecode.js';
import { rootUser } from './compose/root-user.js';
import { nginxUnprivileged } from './nginx/unprivileged.js';
import { envDockerGid } from './compose/env-docker-gid.js';
import { swarmIgnoredKeys } from './compose/swarm-ignored-keys.js';
import { unconfinedSecurity } from './compose/unconfined-security.js';

export const TRANSFORMS: Transform[] = [
  nonRootUser,
  homeCacheEnv,
  nginxUnprivileged,
  noNewPrivileges,
  capDrop,
  readOnly,
  dockerSocketGroup,
  deadCapabilities,
  pythonBytecode,
  rootUser,
  envDockerGid,
  swarmIgnoredKeys,
  unconfinedSecurity,
];
