// How far V8 lets the heap grow between full garbage collections.
//
// After each mark-compact V8 sets the next limit to the live size times a
// factor it picks from how cheap the collection was next to the program's own
// work: up to 4x. A large run keeps a large live model (every file's parse,
// every finding) and is cheap to collect next to its work, so the heap
// balloons between the few full collections: 8,000 files peaked at ~650 MB
// resident with ~250 MB live. `--heap-growing-percent` fixes the factor
// instead, and V8 reads it at every full collection, so setting it once a run
// is known to be large takes effect from the next one. Measured: see README,
// Performance.

/** The old generation may grow by this much of its live size before the next full collection. */
export const HEAP_GROWING_PERCENT = 30;

/**
 * Files (as discovered) from which a run bounds its heap's growth. A smaller
 * run's heap stays near its start size, where a bound would only add
 * collections, and loading node:v8 would add to its start.
 */
export const BOUND_HEAP_FROM_FILES = 300;

/** The V8 flag boundHeapGrowth sets. */
export const HEAP_GROWTH_FLAG = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

/** The same flag at V8's default (0: V8 picks the factor), which undoes HEAP_GROWTH_FLAG. */
export const HEAP_GROWTH_DEFAULT_FLAG = '--heap-growing-percent=0';

let bounded = false;

/**
 * Sets V8's heap growing factor for the rest of the process. Returns whether
 * the bound is in place (false on a Node without process.getBuiltinModule,
 * before 20.16, where loading node:v8 here would need an await).
 */
export function boundHeapGrowth(): boolean {
  if (bounded) return true;
  const v8 = process.getBuiltinModule?.('node:v8');
  if (!v8) return false;
  v8.setFlagsFromString(HEAP_GROWTH_FLAG);
  bounded = true;
  return true;
}

/** Whether boundHeapGrowth has set the bound in this process. */
export function heapGrowthBounded(): boolean {
  return bounded;
}
