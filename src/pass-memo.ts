// Answers kept for one engine pass. Within a pass the model does not change,
// and several transforms ask the same questions of it (a Dockerfile's hardened
// stages and their bases, what an image does at start): each is worked out
// once per pass. Nothing outlives the pass: the tables belong to the scope
// withPassMemos opens, so a run keeps no facts beside its model (a memo kept
// on the parsed files cost RSS for little CPU; see issue 13). Outside a scope
// every call computes afresh.

let tables: Map<PassMemo<object, unknown>, WeakMap<object, unknown>> | undefined;

/** Run `fn` (synchronous) with fresh memo tables, dropped when it returns. */
export function withPassMemos<T>(fn: () => T): T {
  const before = tables;
  tables = new Map();
  try {
    return fn();
  } finally {
    tables = before;
  }
}

/** A memo table: `get(key, compute)` answers `compute()` once per key per pass. */
export class PassMemo<K extends object, V> {
  get(key: K, compute: () => V): V {
    if (!tables) return compute();
    let table = tables.get(this as PassMemo<object, unknown>) as WeakMap<K, V> | undefined;
    if (!table) {
      table = new WeakMap<K, V>();
      tables.set(this as PassMemo<object, unknown>, table as WeakMap<object, unknown>);
    }
    if (table.has(key)) return table.get(key)!;
    const value = compute();
    table.set(key, value);
    return value;
  }
}
