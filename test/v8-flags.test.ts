// setV8Flags (src/v8-flags.ts): sets V8 flags without loading node:v8 where
// Node hands out its binding, silently, and as node:v8 would where it does not.
// Each case runs in a fresh node (vitest itself has node:v8 loaded) on the
// tsc build, dist/src/v8-flags.js (npm test builds first).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, tempDir } from './helpers.js';

const BUILT = path.join(REPO, 'dist/src/v8-flags.js');

/** Runs `body` as an ES module with setV8Flags imported; `report(value)` prints JSON. */
function probe(body: string, nodeArgs: string[] = []) {
  const file = path.join(tempDir('dh-v8-flags-'), 'probe.mjs');
  writeFileSync(
    file,
    `import { setV8Flags } from ${JSON.stringify(BUILT)};\n` +
      `import { runInNewContext } from 'node:vm';\n` +
      `const report = (value) => console.log(JSON.stringify(value));\n` +
      `const loaded = (m) => process.moduleLoadList.includes('NativeModule ' + m);\n` +
      body,
  );
  const r = spawnSync(process.execPath, [...nodeArgs, file], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, out: r.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown), stderr: r.stderr };
}

// A flag whose effect a test can see: a context made while --expose-gc is set has `gc`.
const EXPOSE_GC =
  `const before = runInNewContext('typeof gc');\n` +
  `const set = setV8Flags('--expose-gc');\n` +
  `const during = runInNewContext('typeof gc');\n` +
  `setV8Flags('--no-expose-gc');\n` +
  `report([set, before, during, runInNewContext('typeof gc'), loaded('v8'), loaded('stream')]);\n`;

beforeAll(() => {
  if (!existsSync(BUILT)) throw new Error('run `npm run build` first (npm test does)');
});

describe('setV8Flags', () => {
  it('sets the flag without loading node:v8 or node:stream', () => {
    const r = probe(EXPOSE_GC);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([[true, 'undefined', 'function', 'undefined', false, false]]);
  });

  it("prints no deprecation warning (the binding's is Node's to give), even under --throw-deprecation or --pending-deprecation, and leaves process.noDeprecation as it was", () => {
    const tail = `report([Object.prototype.hasOwnProperty.call(process, 'noDeprecation'), process.noDeprecation ?? null]);\n`;
    for (const args of [[], ['--throw-deprecation'], ['--pending-deprecation']]) {
      const r = probe(EXPOSE_GC + tail, args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toEqual([[true, 'undefined', 'function', 'undefined', false, false], [false, null]]);
    }
    const quiet = probe(EXPOSE_GC + tail, ['--no-deprecation']);
    expect(quiet.out[1]).toEqual([true, true]);
    // Node's own deprecation warnings still come after it.
    const later = probe(`setV8Flags('--expose-gc'); setV8Flags('--no-expose-gc'); new Buffer(1); report(1);\n`);
    expect(later.stderr).toContain('DEP0005');
  });

  it('takes node:v8 where it is loaded already, and where the binding is not handed out', () => {
    const loadedFirst = probe(`await import('node:v8');\n` + EXPOSE_GC);
    expect(loadedFirst.out).toEqual([[true, 'undefined', 'function', 'undefined', true, true]]);
    const noBinding = probe(`process.binding = undefined;\n` + EXPOSE_GC);
    expect(noBinding.out).toEqual([[true, 'undefined', 'function', 'undefined', true, true]]);
    const throwing = probe(`process.binding = () => { throw new Error('denied'); };\n` + EXPOSE_GC);
    expect(throwing.out).toEqual([[true, 'undefined', 'function', 'undefined', true, true]]);
  });
});
