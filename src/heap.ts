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

import { setV8Flags } from './v8-flags.js';

/** The old generation may grow by this much of its live size before the next full collection. */
export const HEAP_GROWING_PERCENT = 30;

/**
 * Files (as discovered) from which a run bounds its heap's growth. A smaller
 * run's heap stays near its start size, where a bound would only add
 * collections.
 */
export const BOUND_HEAP_FROM_FILES = 300;

/**
 * Files (as discovered) from which a bounded run also keeps its young
 * generation at the size discovery left it (YOUNG_GROWTH_FLAG). Below this
 * the model is small next to the 300 MiB goal at 8,000 files, and a young
 * generation held at the 1-4 MB semi-spaces discovery leaves there made most
 * of a run's garbage collection: at 2,000 synthetic files 1,171 scavenges
 * instead of 165 (`--trace-gc`), ~10-16% of the run's CPU, for ~30 MiB less
 * peak RSS. Measured: see README, Performance.
 */
export const BOUND_YOUNG_FROM_FILES = 4000;

/** The V8 flag boundHeapGrowth sets. */
export const HEAP_GROWTH_FLAG = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

/** The same flag at V8's default (0: V8 picks the factor), which undoes HEAP_GROWTH_FLAG. */
export const HEAP_GROWTH_DEFAULT_FLAG = '--heap-growing-percent=0';

/**
 * Keeps the young generation at the size it has when the bound is set. V8
 * doubles a semi-space (up to 16 MB each, two of them) whenever a scavenge
 * finds as much surviving as it holds, which a large run's loading does at
 * once; by discovery's end (8,000 files) the semi-spaces are 8 MB. A factor
 * of 1 stops the doubling (V8 reads the flag at each growth): at 8,000
 * synthetic files the young generation then stays at 16 MB in place of 32,
 * about 40 MB less peak RSS, for twice the scavenges of about the same
 * survivors. Set only from BOUND_YOUNG_FROM_FILES files: where discovery
 * leaves 1-4 MB semi-spaces (the real-world corpus, 2,000 synthetic files)
 * it multiplied the scavenges.
 * Measured: see README, Performance.
 */
export const YOUNG_GROWTH_FLAG = '--semi-space-growth-factor=1';

/**
 * The young generation's size (both semi-spaces, committed) at which a
 * bounded run's walk holds it (holdYoungGrowth) until the walk shows whether
 * the run is large enough to keep it held (BOUND_YOUNG_FROM_FILES): two 4 MiB
 * semi-spaces. The walk of a large repository doubles them early (8,000
 * synthetic files: 4 MiB each at 500 files, 8 MiB at 1,000), long before it
 * reaches BOUND_YOUNG_FROM_FILES, and from there they never shrink: the run's
 * young generation was 16 MiB where 8 would do. Measured: see README,
 * Performance.
 */
export const YOUNG_HOLD_BYTES = 8 * 1024 * 1024;

/**
 * Every how many found files the walk asks V8 for the young generation's size
 * (v8.getHeapSpaceStatistics, ~5-14 us a call): far less than a scavenge's
 * worth of the walk's allocation, so a doubling is caught before the next.
 */
export const YOUNG_HOLD_CHECK_EVERY = 32;

/** V8's default of that flag on the V8 it is known for (YOUNG_GROWTH_V8, Node 20's). */
export const YOUNG_GROWTH_DEFAULT_FLAG = '--semi-space-growth-factor=2';

/**
 * The V8 (major.minor) whose default is YOUNG_GROWTH_DEFAULT_FLAG: V8 cannot be
 * asked for a flag's default, and the code cache (bin/load-bundle.js) needs
 * the flag back at it before the cache is written (V8 refuses a cache made
 * under other flags).
 */
export const YOUNG_GROWTH_V8 = '11.3';

let bounded = false;
/**
 * The young generation flag: at its default ('free'), set while the walk
 * holds it ('held', undone by releaseYoungHold), or set for the run
 * ('bounded').
 */
let young: 'free' | 'held' | 'bounded' = 'free';
let collect: (() => void) | undefined;

/**
 * Sets V8's heap growing factor for the rest of the process, and with `young`
 * keeps the young generation at its present size (a later call may add that
 * to a bound already set). Returns whether the bound is in place (false where no flag can be set without an
 * await: src/v8-flags.ts).
 */
export function boundHeapGrowth(opts: { young?: boolean } = {}): boolean {
  if (!bounded) {
    if (!setV8Flags(HEAP_GROWTH_FLAG)) return false;
    bounded = true;
    collect = fullCollectionFunction();
  }
  if (opts.young && young !== 'bounded' && youngFlagOurs()) {
    if (young === 'free') setV8Flags(YOUNG_GROWTH_FLAG);
    young = 'bounded';
  }
  return true;
}

/**
 * Whether the young generation flag may be set: not on another V8 (its
 * default may differ), nor when the user set it (node
 * --semi-space-growth-factor, NODE_OPTIONS).
 */
function youngFlagOurs(): boolean {
  return process.versions.v8.startsWith(`${YOUNG_GROWTH_V8}.`) && ![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /semi[-_]space[-_]growth/.test(arg));
}

/**
 * In a bounded run whose walk has not yet shown its size: once the young
 * generation has reached YOUNG_HOLD_BYTES, keep it there (YOUNG_GROWTH_FLAG)
 * until the walk ends. boundHeapGrowth({ young: true }) then keeps it held for
 * the run; releaseYoungHold lets a smaller run's grow again. Returns whether
 * it is held.
 */
export function holdYoungGrowth(): boolean {
  if (young !== 'free') return young === 'held';
  if (!bounded || !youngFlagOurs()) return false;
  const v8 = process.getBuiltinModule?.('node:v8');
  const space = v8?.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (!v8 || !space || space.space_size < YOUNG_HOLD_BYTES) return false;
  setV8Flags(YOUNG_GROWTH_FLAG);
  young = 'held';
  return true;
}

/** Puts the young generation flag holdYoungGrowth set back at its default (a run the walk found smaller than BOUND_YOUNG_FROM_FILES). */
export function releaseYoungHold(): void {
  if (young !== 'held') return;
  setV8Flags(YOUNG_GROWTH_DEFAULT_FLAG);
  young = 'free';
}

/** The flags boundHeapGrowth set, at their defaults: what the code cache must be written under. */
export function heapFlagDefaults(): string[] {
  if (!bounded) return [];
  return young !== 'free' ? [HEAP_GROWTH_DEFAULT_FLAG, YOUNG_GROWTH_DEFAULT_FLAG] : [HEAP_GROWTH_DEFAULT_FLAG];
}

/**
 * V8's `gc`, which a context made while `--expose-gc` is set has on its
 * global. The flag goes back off at once: V8 refuses a code cache made
 * under other flags (bin/load-bundle.js), and no other context gets `gc`.
 */
function fullCollectionFunction(): (() => void) | undefined {
  const vm = process.getBuiltinModule?.('node:vm');
  if (!vm) return undefined;
  setV8Flags('--expose-gc');
  try {
    return vm.runInNewContext('gc') as () => void;
  } finally {
    setV8Flags('--no-expose-gc');
  }
}

/**
 * A full garbage collection now, in a run whose heap growth is bounded (else
 * nothing). The engine calls it where a phase's data has just become garbage
 * (the previous pass's model and findings): V8 sets its next limit from what
 * a full collection finds live, and one made mid-pass, with both passes' data
 * live, let the heap grow to ~250 MB committed at 8,000 files while no more
 * than ~156 MB was ever live after a collection. Measured: see README,
 * Performance.
 */
export function collectIfBounded(): void {
  collect?.();
}

/** Whether boundHeapGrowth has set the bound in this process. */
export function heapGrowthBounded(): boolean {
  return bounded;
}
