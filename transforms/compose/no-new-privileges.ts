// compose/no-new-privileges: `security_opt: ["no-new-privileges:true"]` on
// every service, so setuid binaries cannot raise privileges. It is safe for
// gosu/su-exec entrypoints (dropping privileges stays allowed). Privileged
// services are reported instead: the option is theatre there.
import type { Transform } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { ServiceLink } from '../../src/model.js';
import { appendSeqItem, mapValue, yamlFlowSeq, seqItemScalar, isSeq } from '../../src/edits.js';
import { insertServiceKey, isPartialOverride, isPrivileged, servicePath, serviceRange, serviceNote, stringList, checkEachService, privilegedNote } from '../../src/compose-service.js';

const ID = 'compose/no-new-privileges';
const CIS = '5.26';
const OPTION = 'no-new-privileges:true';

export const noNewPrivileges: Transform = {
  meta: {
    id: ID,
    description: 'Add security_opt no-new-privileges:true to every service that is not privileged',
    appliesTo: ['compose'],
    fixable: true,
    cis: CIS,
    peers: ['KICS 27fcc7d6', 'semgrep no-new-privileges'],
    help:
      'no-new-privileges stops a process from gaining privileges through setuid or setgid binaries or file capabilities. ' +
      'Entrypoints that start as root and drop to a user (gosu, su-exec) keep working, since dropping privileges is allowed.',
  },
  run: (ctx) => checkEachService(ctx, (_ctx, s) => check(s)),
};

/** `no-new-privileges`, `no-new-privileges:true`, `no-new-privileges=true` all count; `:false` is an explicit opt-out. */
function nnpSetting(opts: string[]): 'on' | 'off' | undefined {
  for (const o of opts) {
    const m = /^no-new-privileges(?:[:=](\w+))?$/.exec(o.trim());
    if (m) return !m[1] || m[1] === 'true' ? 'on' : 'off';
  }
  return undefined;
}

function check(s: ServiceLink): Finding | undefined {
  if (isPartialOverride(s) && !isPrivileged(s)) return undefined;
  const current = stringList(s, 'security_opt');
  const setting = nnpSetting(current);
  if (setting === 'on') return undefined;
  if (isPrivileged(s)) {
    return privilegedNote(ID, s, 'no-new-privileges');
  }
  if (setting === 'off') {
    return serviceNote(ID, CIS, s, 'security_opt sets no-new-privileges:false explicitly; kept', 'If nothing in it needs setuid binaries, set it to true.', 'note');
  }
  const file = s.compose;
  const map = s.node.node;
  if (!map) return serviceNote(ID, CIS, s, 'has no settings map; nothing added', 'Add the service settings by hand.', 'note');
  const own = mapValue(map, 'security_opt');
  const next = [...current, OPTION];
  let edit;
  if (own && isSeq(own)) {
    edit = appendSeqItem(file, file.parsed.eol, own, seqItemScalar(own, OPTION));
  } else if (own) {
    return serviceNote(ID, CIS, s, 'security_opt is not a list; nothing added', `Make security_opt a list holding "${OPTION}".`);
  } else {
    // The service may inherit a list through `<<`; its own key replaces that list, so repeat the inherited items.
    edit = insertServiceKey(s, 'security_opt', yamlFlowSeq(next));
  }
  return {
    transform: ID,
    file: file.path,
    range: serviceRange(s),
    message: `service ${s.name}: add security_opt no-new-privileges:true so setuid binaries cannot raise privileges`,
    severity: 'warning',
    cis: CIS,
    fix: { edits: [edit], intent: [{ file: file.path, doc: s.node.docIndex, path: servicePath(s, 'security_opt'), op: 'set', value: next }] },
  };
}
