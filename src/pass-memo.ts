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
const parseMemos = new Set<ParseMemo<object, unknown, unknown>>();

/** Drop every RunMemo's and ParseMemo's answers (the driver calls it once the engine has run). */
export function clearRunMemos(): void {
  for (const memo of runMemos) memo.clear();
  clearParseMemos();
}

/**
 * Drop every ParseMemo's answers. A large run (its heap growth bounded) does so at each engine phase (src/driver.ts):
 * kept while their parse lives, the answers of every Dockerfile a pass did not change (workdirs with their variable
 * scopes, RUN commands, installs, chowned trees) were live through the next pass's transforms and its apply phase,
 * ~25 MB at 8,000 synthetic files, where the run's peak is (issue 13).
 */
export function clearParseMemos(): void {
  for (const memo of parseMemos) memo.clear();
}

/**
 * Answers kept across the passes of a run about a parsed Dockerfile: `key` is
 * an object of its parse (a DfStage, a DfInstruction) or an answer kept the
 * same way (a chain's Workdirs). An engine pass keeps the parse of every file
 * whose text it did not change and parses a changed text anew (withTexts), so
 * a parse object stands for its file's whole text, and the answer is dropped
 * with it (a WeakMap): a run keeps these answers only for the parses it still
 * holds. The answer's other inputs go in `inputs`, compared with `same`, and
 * `compute` is given only the key and those inputs: an input left out of the
 * key cannot reach it. An entry keeps its inputs as `keep` copies them; at
 * most `perKey` answers per key (the oldest goes).
 */
export class ParseMemo<K extends object, I, V> {
  private table = new WeakMap<K, { inputs: I; value: V }[]>();

  constructor(
    private readonly same: (a: I, b: I) => boolean,
    /** The inputs as an entry keeps them (copies of lists and records a caller could change later). */
    private readonly keep: (inputs: I) => I = (inputs) => inputs,
    private readonly perKey = 4,
  ) {
    parseMemos.add(this as unknown as ParseMemo<object, unknown, unknown>);
  }

  get(key: K, inputs: I, compute: (key: K, inputs: I) => V): V {
    let known = this.table.get(key);
    if (known) for (const k of known) if (this.same(k.inputs, inputs)) return k.value;
    const value = compute(key, inputs);
    if (!known) this.table.set(key, (known = []));
    if (known.length >= this.perKey) known.shift();
    known.push({ inputs: this.keep(inputs), value });
    return value;
  }

  clear(): void {
    this.table = new WeakMap();
  }
}

/** Whether two lists hold the same objects in the same order. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
