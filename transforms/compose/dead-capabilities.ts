// compose/dead-capabilities: remove NET_BIND_SERVICE from cap_add when every
// container port the service listens on is 1024 or above (what verify's
// baseline run saw it listen on; else its ports targets, expose, its
// Dockerfile's EXPOSE, a `--port` in its command) and it is not on the host
// network, in every compose project its file runs in: a cap_add in the base
// file is judged with each override merged on top (an override adding
// `"80:80"` or `network_mode: host` keeps it alive), and one in an override
// file with the files it is merged onto. The file that holds the entry is the
// one edited. A port below 1024 it was seen binding keeps the capability, whatever
// the files declare: engines without Docker's unprivileged-port default
// (rootless, Podman, Kubernetes) need it there. Nor is it dead where the image's binary carries it as a file
// capability (caddy, a Dockerfile's setcap): exec needs it in the bounding set. An emptied cap_add goes entirely. Only the service's own
// list is edited; one it inherits through `<<` is replaced by its own copy
// without the capability, so the shared anchor stays as it is.
import { isSeq, type YAMLMap, type Pair, type Node } from 'yaml';
import type { Transform, TransformContext } from '../../src/transform.js';
import type { DataChange, Edit, Finding } from '../../src/types.js';
import type { ServiceLink } from '../../src/model.js';
import { mapValue, removeMapEntry, removeSeqItem, yamlFlowSeq } from '../../src/edits.js';
import { ownPair } from '../../src/parse/compose.js';
import {
  capName,
  insertServiceKey,
  isPrivileged,
  deadNetBindService,
  mergeProvides,
  ownData,
  serviceFix,
  servicePath,
  serviceImage,
  serviceRuns,
  checkEachService,
} from '../../src/compose-service.js';

const ID = 'compose/dead-capabilities';
const CIS = '5.4';
const CAP = 'NET_BIND_SERVICE';

export const deadCapabilities: Transform = {
  meta: {
    id: ID,
    description: 'Remove cap_add NET_BIND_SERVICE from services that listen only on ports 1024 and above',
    appliesTo: ['compose'],
    fixable: true,
    cis: CIS,
    peers: ['KICS ce76b7d0'],
    help:
      'NET_BIND_SERVICE lets a process bind ports below 1024. A service whose container ports are all 1024 or above never uses it, ' +
      'and since Docker 20.10 bridge-networked containers may bind low ports without it anyway; only network_mode: host needs it. ' +
      'A capability nobody uses is attack surface: it goes, and an emptied cap_add with it.',
  },
  run: (ctx) => checkEachService(ctx, check, { imageFacts: true }),
};

function check(ctx: TransformContext, s: ServiceLink): Finding | undefined {
  if (isPrivileged(s)) return undefined;
  // cap_add sequences of a -f chain are merged as a set: each file removes the capability from its own list,
  // judged by the service as every project it runs in merges it.
  if (!(Array.isArray(ownData(s).cap_add) && (ownData(s).cap_add as unknown[]).map(capName).includes(CAP))) return undefined;
  const img = serviceImage(s, ctx.project);
  const dead = deadNetBindService(s, img, ctx.project);
  if (!dead) return undefined;
  const map = s.node.node;
  if (!map) return undefined;
  const change = removeCap(s, map);
  if (!change) return undefined;
  const { ports, observed } = dead;
  const merged = serviceRuns(ctx.project, s).filter((r) => r.parts.length > 1);
  const where = merged.length ? ` in ${merged.map((r) => r.project).join(' and ')}` : '';
  return serviceFix(ID, CIS, s, `remove cap_add ${CAP}: it listens only on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}${where}, all 1024 or above${observed ? ` (${observed})` : ''}`, change);
}

function removeCap(s: ServiceLink, map: YAMLMap): { edits: Edit[]; intent: DataChange[] } | undefined {
  const file = s.compose;
  const current = ownData(s).cap_add;
  if (!Array.isArray(current)) return undefined;
  const rest = current.filter((c) => capName(c) !== CAP);
  const at = (op: DataChange['op'], value?: unknown): DataChange[] => [
    { file: file.path, doc: s.node.docIndex, path: servicePath(s, 'cap_add'), op, ...(op === 'set' ? { value } : {}) },
  ];
  const own = mapValue(map, 'cap_add');
  if (own === undefined) {
    // Inherited through `<<`: the service's own list replaces the merged one.
    return { edits: [insertServiceKey(s, 'cap_add', yamlFlowSeq(rest.map(String)))], intent: at('set', rest) };
  }
  if (!isSeq(own)) return undefined;
  const index = current.findIndex((c) => capName(c) === CAP);
  if (current.length === 1 && !mergeProvides(s, 'cap_add') && map.items.length === 1 && !map.flow) {
    // The service's only setting (an override that only gave the capability): `web: {}` keeps the entry a map.
    const keyEnd = s.node.keyNode.range![1];
    const itemEnd = own.flow ? own.range![1] : (own.items[own.items.length - 1] as Node).range![1];
    return { edits: [{ file: file.path, range: [keyEnd, itemEnd], text: ': {}' }], intent: at('delete') };
  }
  if (current.length === 1 && !mergeProvides(s, 'cap_add')) {
    return { edits: [removeMapEntry(file, map, ownPair(map, 'cap_add') as Pair)], intent: at('delete') };
  }
  if (current.length === 1) {
    // The only item, but a `<<` merge would bring its own cap_add back: keep an empty list.
    const pair = ownPair(map, 'cap_add')!;
    const keyEnd = (pair.key as Node).range![1];
    const itemEnd = (own.items[own.items.length - 1] as Node).range![1];
    return { edits: [{ file: file.path, range: [keyEnd, own.flow ? own.range![1] : itemEnd], text: ': []' }], intent: at('set', []) };
  }
  // One item per pass: two removals in one list may touch the same comma.
  const value = current.filter((_, i) => i !== index);
  return { edits: [removeSeqItem(file, own, index)], intent: at('set', value) };
}
