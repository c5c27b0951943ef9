// Answers kept for one engine pass. Within a pass the model does not change,
// and several transforms ask the same questions of it (a Dockerfile's hardened
// stages and their bases, what an image does at start): each is worked out
// once per pass. Nothing outlives the pass: the tables belong to the scope
// withPassMemos opens, so a run keeps no facts beside its model (a memo kept
// on the parsed files cost RSS for little CPU; see issue 13). Outside a scope
// every call computes afresh.

let tables: Map<PassMemo<object, unknown>, WeakMap<object, unknown>> | undefined;
/** Which scope `tables` belongs to: a memo keeps its own table for the scope it was last asked in (no lookup per question). */
let scope = 0;
let scopes = 0;

/** Run `fn` (synchronous) with fresh memo tables, dropped when it returns. */
export function withPassMemos<T>(fn: () => T): T {
  const before = tables;
  const scopeBefore = scope;
  tables = new Map();
  scope = ++scopes;
  const mine = tables;
  try {
    return fn();
  } finally {
    // The memos let go of this scope's tables, so nothing they hold outlives it.
    for (const memo of mine.keys()) memo.forget();
    tables = before;
    scope = scopeBefore;
  }
}

/** A memo table: `get(key, compute)` answers `compute()` once per key per pass. */
export class PassMemo<K extends object, V> {
  /** The table of the scope `tableScope`: asked hundreds of thousands of times a run, so not looked up in `tables` each time. */
  private table: WeakMap<K, V> | undefined;
  private tableScope = 0;

  forget(): void {
    this.table = undefined;
    this.tableScope = 0;
  }

  get(key: K, compute: () => V): V {
    if (!tables) return compute();
    let table = this.tableScope === scope ? this.table : undefined;
    if (!table) {
      table = tables.get(this as PassMemo<object, unknown>) as WeakMap<K, V> | undefined;
      if (!table) {
        table = new WeakMap<K, V>();
        tables.set(this as PassMemo<object, unknown>, table as WeakMap<object, unknown>);
      }
      this.table = table;
      this.tableScope = scope;
    }
    const known = table.get(key);
    if (known !== undefined || table.has(key)) return known as V;
    const value = compute();
    table.set(key, value);
    return value;
  }
}

/**
 * Answers kept across the passes of a run, for pure functions of values (not
 * of the model): the key is every input the answer is computed from, written
 * out in full (a script's whole text, not its path), so a file a pass changed
 * can only ask with another key and never meets an answer about its old text.
 * The key has two parts: `text`, a long input used as it is (a Map keeps a
 * reference to the string, which the model holds anyway, and V8 hashes a
 * string once), and `rest`, the other inputs written out. The table is
 * bounded and the driver clears it when a run's engine is done
 * (`clearRunMemos`), so a long-lived process keeps no answers of old runs.
 */
export class RunMemo<V> {
  private table = new Map<string, Map<string, V>>();
  private size = 0;

  constructor(private readonly limit = 4096) {
    runMemos.add(this as RunMemo<unknown>);
  }

  get(text: string, rest: string, compute: () => V): V {
    let byRest = this.table.get(text);
    if (byRest) {
      const known = byRest.get(rest);
      if (known !== undefined || byRest.has(rest)) return known as V;
    }
    const value = compute();
    if (this.size >= this.limit) this.clear();
    byRest = this.table.get(text);
    if (!byRest) this.table.set(text, (byRest = new Map()));
    byRest.set(rest, value);
    this.size++;
    return value;
  }

  clear(): void {
    this.table.clear();
    this.size = 0;
  }
}

const runMemos = new Set<RunMemo<unknown>>();

/** Drop every RunMemo's answers (the driver calls it once the engine has run). */
export function clearRunMemos(): void {
  for (const memo of runMemos) memo.clear();
}
