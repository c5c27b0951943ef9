// Compose file parsing. `yaml` with `merge: true` gives node ranges into the
// original text (BOM and CRLF included) and merged data via toJS(). We never
// write a document back with toString(); edits are made by range.
import { parseAllDocuments, isMap, isSeq, isScalar, isPair, type Document, type YAMLMap, type Scalar, type Pair, type Node } from 'yaml';
import { BOM, detectEol, lineColumn, type Eol } from '../text.js';
import { aliasBomb, aliasBombMessage, firstUnresolvedAlias, MAX_EXPANDED_NODES } from './yaml-size.js';

export interface ComposeServiceNode {
  name: string;
  docIndex: number;
  /** The service's own map node (may carry a `<<` merge); undefined for `web:` with no value. */
  node: YAMLMap | undefined;
  keyNode: Scalar;
  pair: Pair;
  /** The service as compose sees it: merge keys applied. */
  data: Record<string, unknown>;
  /**
   * Keys whose value carries Compose's merge tags (Compose 2.24+, "Reset value" and
   * "Replace value" in the Compose Specification's merge rules): `!reset` removes
   * what earlier files set, `!override` replaces it instead of merging.
   */
  mergeTags?: Record<string, 'reset' | 'override'>;
  /** The service itself is `!reset`: merged onto a project, it removes the service. */
  reset?: true;
}

export interface ComposeDoc {
  index: number;
  doc: Document.Parsed;
  /** Whole document as plain data, merge keys applied. */
  data: unknown;
  servicesNode: YAMLMap | undefined;
  services: ComposeServiceNode[];
}

export interface YamlProblem {
  message: string;
  offset: number;
  line: number;
  column: number;
}

export interface ParsedCompose {
  text: string;
  eol: Eol;
  bom: boolean;
  docs: ComposeDoc[];
  errors: YamlProblem[];
}

const YAML_OPTIONS = { merge: true, prettyErrors: false, uniqueKeys: true } as const;

export function parseCompose(text: string): ParsedCompose {
  const parsed = parseAllDocuments(text, YAML_OPTIONS);
  const errors: YamlProblem[] = [];
  const docs: ComposeDoc[] = [];
  const list = Array.isArray(parsed) ? parsed : [];
  // Only an alias (`*name`) expands a document beyond its text: without a `*`
  // anywhere, each document's expanded size is its node count, at most about
  // one value per character (a flow list `[a,a]` holds one per two, a map key
  // and its empty value two per `?,` or `k,`), so a text under a quarter of
  // the limit cannot reach it and the walk that counts is skipped (it was
  // ~7% of parsing a compose file that has no alias; issue 13).
  const mayHoldAliasBomb = text.length * 4 > MAX_EXPANDED_NODES || text.includes('*');
  list.forEach((doc, index) => {
    for (const e of doc.errors) {
      const offset = e.pos?.[0] ?? 0;
      errors.push({ message: e.message.split('\n')[0], offset, ...lineColumn(text, offset) });
    }
    if (doc.errors.length) return;
    // Compose accepts any number of aliases; what is refused is a document that expands too far.
    const bomb = mayHoldAliasBomb ? aliasBomb(doc) : undefined;
    if (bomb) {
      errors.push({ message: aliasBombMessage(bomb), offset: bomb.offset, ...lineColumn(text, bomb.offset) });
      return;
    }
    let data: unknown;
    try {
      data = exactData(doc.toJS({ maxAliasCount: -1 }), new Map());
    } catch (err) {
      // yaml throws here for an alias with no anchor before it (a redacted `******` value): point at it.
      const offset = firstUnresolvedAlias(doc) ?? 0;
      errors.push({ message: (err as Error).message, offset, ...lineColumn(text, offset) });
      return;
    }
    const servicesNode = doc.get('services', true);
    const services: ComposeServiceNode[] = [];
    const dataServices = isRecord(data) && isRecord(data.services) ? data.services : {};
    if (isMap(servicesNode)) {
      for (const pair of servicesNode.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        const value = pair.value as Node | null;
        const svcData = dataServices[name];
        const mergeTags = isMap(value) ? mergeTagsOf(value) : undefined;
        services.push({
          name,
          docIndex: index,
          node: isMap(value) ? value : undefined,
          keyNode: pair.key,
          pair: pair as Pair,
          data: isRecord(svcData) ? svcData : {},
          ...(mergeTags ? { mergeTags } : {}),
          ...(mergeTag(value) === 'reset' ? { reset: true as const } : {}),
        });
      }
    }
    trimLists(doc.contents);
    docs.push({ index, doc, data, servicesNode: isMap(servicesNode) ? servicesNode : undefined, services });
  });
  return { text, eol: detectEol(text), bom: text.startsWith(BOM), docs, errors };
}

/** `!reset` or `!override` on a value (yaml keeps the tag as written on the node). */
function mergeTag(node: unknown): 'reset' | 'override' | undefined {
  const tag = node && typeof node === 'object' && 'tag' in node ? (node as { tag?: string }).tag : undefined;
  return tag === '!reset' ? 'reset' : tag === '!override' ? 'override' : undefined;
}

function mergeTagsOf(service: YAMLMap): Record<string, 'reset' | 'override'> | undefined {
  let out: Record<string, 'reset' | 'override'> | undefined;
  for (const pair of service.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const tag = mergeTag(pair.value);
    if (tag) (out ??= {})[String(pair.key.value)] = tag;
  }
  return out;
}

/**
 * yaml builds each map's and sequence's item list by pushing, which leaves
 * room for about 16 more items; a model keeps every compose document for the
 * whole run, so each list is cut to its length (the same items, in order).
 */
function trimLists(node: unknown): void {
  if (isMap(node) || isSeq(node)) {
    const items = node.items as unknown[];
    (node as { items: unknown[] }).items = items.slice();
    for (const item of items) trimLists(item);
  } else if (isPair(node)) {
    trimLists(node.key);
    trimLists(node.value);
  }
}

/**
 * The plain data with each list cut to its length: toJS builds lists by
 * pushing too (room for 17 entries), and a model keeps every service's data
 * (issue 13). Objects stay the same objects, filled in place; a list or object
 * an alias shares is walked once and stays shared (`done` maps each list to
 * its copy, each object to itself).
 */
function exactData(value: unknown, done: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (done.has(value)) return done.get(value);
  if (Array.isArray(value)) {
    const copy = value.slice();
    done.set(value, copy);
    for (let i = 0; i < copy.length; i++) copy[i] = exactData(copy[i], done);
    return copy;
  }
  done.set(value, value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (typeof v === 'object' && v !== null) record[key] = exactData(v, done);
  }
  return value;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for a `<<` merge key. */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.source === '<<' || key.value === '<<' || typeof key.value === 'symbol');
}

/** The pair under `key` in a map node, ignoring merges (what the service itself says). */
export function ownPair(map: YAMLMap | undefined, key: string): Pair | undefined {
  if (!map) return undefined;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item as Pair;
  }
  return undefined;
}
