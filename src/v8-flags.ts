// Setting a V8 flag at run time (src/tier-up.ts on every pipeline run,
// src/heap.ts on large ones) without loading node:v8 where Node lets us.
//
// node:v8 is a thin module over Node's internal `v8` binding, but loading it
// loads internal/heap_utils and with it node:stream and its ~20 modules (41
// module entries in all, ~170 pages faulted in): 5-6 ms of every
// `docker-harden --dry-run examples/` (node --cpu-prof, 10 runs), for one
// call of its setFlagsFromString, which is the binding's own function after a
// string check (lib/v8.js). Node 20 hands that binding out through
// process.binding('v8'), deprecated (DEP0111) with a warning on first use;
// the warning is not ours to print, so the property Node reads for it,
// process.noDeprecation (documented, writable), is set only around that
// call. Where process.binding is missing, throws (the permission model) or
// lacks the function, node:v8 is loaded as before; where node:v8 is already
// loaded, it is used.

type SetFlags = (flags: string) => void;

let setFlags: SetFlags | undefined;

/** v8.setFlagsFromString, found once per process (see the top). */
function flagSetter(): SetFlags | undefined {
  if (setFlags) return setFlags;
  // Node's list of the built-in modules it has loaded (undocumented: without it, the binding is tried).
  const loaded = (process as { moduleLoadList?: string[] }).moduleLoadList;
  if (!loaded?.includes('NativeModule v8')) setFlags = bindingSetter();
  setFlags ??= process.getBuiltinModule?.('node:v8')?.setFlagsFromString;
  return setFlags;
}

function bindingSetter(): SetFlags | undefined {
  const binding = (process as { binding?: (name: string) => unknown }).binding;
  if (typeof binding !== 'function') return undefined;
  // Under node --no-deprecation the property is true and read-only: nothing to set or put back.
  const had = Object.prototype.hasOwnProperty.call(process, 'noDeprecation');
  const before = process.noDeprecation;
  let silenced = false;
  try {
    if (before !== true) {
      process.noDeprecation = true;
      silenced = true;
    }
    const v8 = binding.call(process, 'v8') as { setFlagsFromString?: unknown } | undefined;
    const set = v8?.setFlagsFromString;
    return typeof set === 'function' ? (flags: string) => void set.call(v8, flags) : undefined;
  } catch {
    return undefined;
  } finally {
    if (silenced) {
      if (had) process.noDeprecation = before;
      else delete (process as { noDeprecation?: boolean }).noDeprecation;
    }
  }
}

/** Sets V8 flags (v8.setFlagsFromString). Returns false where Node offers no way to (before 20.16 without an await). */
export function setV8Flags(flags: string): boolean {
  const set = flagSetter();
  if (!set) return false;
  set(flags);
  return true;
}
