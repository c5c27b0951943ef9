// compose/root-user: an explicit `user: root` (or `0`, `0:0`, `root:root`)
// in compose is somebody's decision, so it is kept and reported, never
// changed; other transforms also leave such services' capabilities alone.
import type { Transform } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import { composeUser, isExplicitRoot, serviceNote } from '../../src/compose-service.js';

const ID = 'compose/root-user';
const CIS = '4.1';

export const rootUser: Transform = {
  meta: {
    id: ID,
    description: 'Report services that set user: root (or 0) explicitly; they are kept as written',
    appliesTo: ['compose'],
    fixable: false,
    cis: CIS,
    peers: ['CKV_DOCKER_8', 'KICS 67fd0c4a'],
    help:
      'A compose user: root overrides a non-root USER in the image. It is often there for a reason (fixing volume ownership, ' +
      'a tool that needs root), so docker-harden keeps it and reports it rather than guessing.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.project.services) {
      if (s.leftAlone) continue;
      // Report where it is written: a partial override that only inherits it says nothing new.
      if (!isExplicitRoot(s)) continue;
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
