// When V8 optimises a function with TurboFan.
//
// V8 counts each function's work (its "interrupt budget", in bytecode size
// run) and, when the budget is spent, marks the function for TurboFan, which
// compiles it on background threads. A small run spends the default budget
// on dozens of functions it then leaves before their optimised code pays:
// `docker-harden --dry-run examples/` made TurboFan compile 33 functions, 303 M
// instructions on background threads against 531 M on the main thread, to
// save 48 M of the main thread's (callgrind, issue 13). On a machine with two
// cores that other work shares, those threads take the time the run needs.
// Four times the default budget leaves only the functions a run keeps busy:
// the examples' run is 616 M instructions in all instead of 834 M (the main
// thread's 560 M instead of 531 M), and runs of 100 and 2,000 synthetic
// files took less CPU time, not more. Measured: see README, Performance.
// V8 reads the flag when it gives a function its budget, so setting it at the
// start of a run takes effect from then on.
// The flag is set without loading node:v8 where Node allows (src/v8-flags.ts).
// The code cache (bin/load-bundle.js) needs the flag back at its default before
// it is written (V8 refuses a cache made under other flags), and V8 cannot be
// asked for a flag's default: so the flag is set only on the V8 whose default
// is known here (Node 20's), and not when the user set it (node
// --interrupt-budget=..., or in NODE_OPTIONS).

import { setV8Flags } from './v8-flags.js';

/** V8's default --interrupt-budget on the V8 it is known for (V8_VERSION). */
export const DEFAULT_INTERRUPT_BUDGET = 66 * 1024;

/** The V8 (major.minor, Node 20's) whose default --interrupt-budget is DEFAULT_INTERRUPT_BUDGET. */
export const V8_VERSION = '11.3';

/** The V8 flag delayTierUp sets. */
export const TIER_UP_FLAG = `--interrupt-budget=${4 * DEFAULT_INTERRUPT_BUDGET}`;

/** The same flag at V8's default, which undoes TIER_UP_FLAG. */
export const TIER_UP_DEFAULT_FLAG = `--interrupt-budget=${DEFAULT_INTERRUPT_BUDGET}`;

let delayed = false;

/**
 * Sets TIER_UP_FLAG for the rest of the process. Returns whether it is in
 * place: false on another V8 than V8_VERSION, when the user set the flag,
 * and where no flag can be set without an await (src/v8-flags.ts).
 */
export function delayTierUp(): boolean {
  if (delayed) return true;
  if (!process.versions.v8.startsWith(`${V8_VERSION}.`)) return false;
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /interrupt[-_]budget/.test(arg))) return false;
  if (!setV8Flags(TIER_UP_FLAG)) return false;
  delayed = true;
  return true;
}

/**
 * Puts V8's default budget back for the rest of the run: a large run keeps its
 * hot functions busy for seconds, where optimising them early pays, and the
 * raised budget only delays it (8,000 synthetic files: 28-48 s of wall time
 * against 23-37 s with the default, alternating, quiet machine). Functions
 * already given the raised budget keep it until they next get one.
 */
export function restoreTierUp(): void {
  if (!delayed) return;
  setV8Flags(TIER_UP_DEFAULT_FLAG);
  delayed = false;
}

/** Whether delayTierUp has set the flag in this process. */
export function tierUpDelayed(): boolean {
  return delayed;
}
