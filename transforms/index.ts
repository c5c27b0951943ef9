// The registry: every transform, in the order their fixes are taken when two
// insert at the same spot.
import type { Transform } from '../src/transform.js';
import { nonRootUser } from './dockerfile/non-root-user.js';
import { homeCacheEnv } from './dockerfile/home-cache-env.js';
import { noNewPrivileges } from './compose/no-new-privileges.js';
import { nginxUnprivileged } from './nginx/unprivileged.js';
import { envDockerGid } from './compose/env-docker-gid.js';

export const TRANSFORMS: Transform[] = [nonRootUser, homeCacheEnv, noNewPrivileges, nginxUnprivileged, envDockerGid];
