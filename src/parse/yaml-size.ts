// Alias bombs ("billion laughs") are YAML documents whose aliases expand to
// far more data than the text holds. Compose itself accepts any number of
// aliases, and real files use many (Sentry's self-hosted compose file has
// over a hundred), so the guard is the size of the expanded document, not the
// alias count: each node's expanded size is computed once (memoised), in time
// linear in the text, before anything expands it.
import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Alias, type Document, type Node } from 'yaml';

/**
 * Expanded values allowed: real compose files and CI workflows stay far below
 * (Sentry's self-hosted compose file: about 8,000), while a bomb of a few
 * hundred bytes reaches millions.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

export interface AliasBomb {
  /** Values the document would expand to. */
  expanded: number;
  /** Offset of the alias whose expansion is the largest (where to look). */
  offset: number;
  alias: string;
}

/** Undefined when the document expands to at most `limit` values; else where it blows up. */
export function aliasBomb(doc: Document.Parsed, limit = MAX_EXPANDED_NODES): AliasBomb | undefined {
  const sizes = new Map<Node, number>();
  const inProgress = new Set<Node>();
  let worst: { size: number; offset: number; alias: string } | undefined;
  // Only an alias's target (a node with an anchor) can be met more than once,
  // or inside itself: the rest of the document is a tree, each node met once,
  // so only targets are memoised (a map entry for every node was most of the
  // check's cost, issue 13).
  const sizeOf = (node: unknown): number => {
    if (!node || typeof node !== 'object') return 1;
    return (node as { anchor?: string }).anchor ? sharedSize(node as Node) : ownSize(node as Node);
  };
  const sharedSize = (n: Node): number => {
    const known = sizes.get(n);
    if (known !== undefined) return known;
    if (inProgress.has(n)) return 1; // a recursive alias: the parser reports it; count it once
    inProgress.add(n);
    const size = ownSize(n);
    inProgress.delete(n);
    sizes.set(n, size);
    return size;
  };
  const ownSize = (n: Node): number => {
    let size = 1;
    if (isAlias(n)) {
      // Looked up at the first alias met: most compose files have none, and the
      // walk that finds every anchor was a twentieth of parsing one (issue 13).
      const target = aliasTarget(doc, n);
      size = target ? sharedSize(target) : 1;
      if (!worst || size > worst.size) worst = { size, offset: n.range?.[0] ?? 0, alias: n.source };
    } else if (isMap(n)) {
      for (const item of n.items) size += isPair(item) ? sizeOf(item.key) + sizeOf(item.value) : 1;
    } else if (isSeq(n)) {
      for (const item of n.items) size += sizeOf(item);
    }
    return size;
  };
  const expanded = sizeOf(doc.contents);
  if (expanded <= limit) return undefined;
  return { expanded, offset: worst?.offset ?? 0, alias: worst?.alias ?? '' };
}

/**
 * What each alias of the document names, as Alias.resolve(doc) answers it (the
 * last node with that anchor before the alias, in visit order), for all of
 * them in one walk: resolve(doc) walks the whole document per alias, which
 * made this check quadratic in files with many merge keys.
 */
export function aliasTargets(doc: Document.Parsed): Map<Alias, Node | undefined> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

/** Per parsed document, what its aliases name (aliasTarget); dropped with the document. */
const targetsByDoc = new WeakMap<Document.Parsed, Map<Alias, Node | undefined>>();

/**
 * What `alias` names in `doc`, as alias.resolve(doc) answers it, from one walk
 * of the document made at its first question (the model never changes a
 * parsed document): resolve(doc) walks the whole document for every alias.
 */
export function aliasTarget(doc: Document.Parsed, alias: Alias): Node | undefined {
  let targets = targetsByDoc.get(doc);
  if (!targets) targetsByDoc.set(doc, (targets = aliasTargets(doc)));
  return targets.has(alias) ? targets.get(alias) : alias.resolve(doc);
}

/** The message for a refused document: what was found, where, and why nothing was read. */
export function aliasBombMessage(b: AliasBomb, limit = MAX_EXPANDED_NODES): string {
  const size = Number.isFinite(b.expanded) && b.expanded < 1e15 ? String(Math.round(b.expanded)) : 'an astronomical number of';
  return `YAML aliases expand to ${size} values (limit ${limit}); the largest expansion is *${b.alias}. Refused as a possible alias bomb`;
}

/**
 * Offset of the first alias that names no anchor before it, if any (asked
 * only when expanding the document failed).
 */
export function firstUnresolvedAlias(doc: Document.Parsed): number | undefined {
  for (const [alias, target] of aliasTargets(doc)) if (target === undefined) return alias.range?.[0];
  return undefined;
}
