// The heap growth bound of large runs (src/heap.ts): the driver sets it from a
// number of discovered files. (What V8 then does with it is measured by
// `npm run bench`: peak RSS; a test of GC heuristics would be timing-bound.)
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { run } from '../src/driver.js';
import {
  HEAP_GROWTH_DEFAULT_FLAG,
  HEAP_GROWTH_FLAG,
  YOUNG_GROWTH_DEFAULT_FLAG,
  YOUNG_GROWTH_FLAG,
  YOUNG_GROWTH_V8,
  YOUNG_HOLD_BYTES,
  boundHeapGrowth,
  collectIfBounded,
  heapFlagDefaults,
  heapGrowthBounded,
} from '../src/heap.js';
import vm from 'node:vm';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_OPTIONS } from '../src/types.js';
import { TRANSFORMS } from '../transforms/index.js';
import { REPO, writeTree } from './helpers.js';

describe('heap growth bound', () => {
  it('is set by a run that discovers at least boundHeapFrom files, not by a smaller one; the young generation from boundYoungFrom files', async () => {
    const dir = writeTree({ 'a/Dockerfile': 'FROM alpine\n', 'b/Dockerfile': 'FROM alpine\n' });
    const base = { paths: [dir], cwd: dir, dryRun: true, exclude: [], transforms: TRANSFORMS, options: DEFAULT_OPTIONS };
    await run({ ...base, boundHeapFrom: 3 });
    expect(heapGrowthBounded()).toBe(false);
    await run(base);
    expect(heapGrowthBounded()).toBe(false);
    expect(heapFlagDefaults()).toEqual([]);
    // A bounded run under boundYoungFrom files leaves the young generation free to grow.
    await run({ ...base, boundHeapFrom: 2, boundYoungFrom: 3 });
    expect(heapGrowthBounded()).toBe(true);
    expect(heapFlagDefaults()).toEqual([HEAP_GROWTH_DEFAULT_FLAG]);
    await run({ ...base, boundHeapFrom: 2, boundYoungFrom: 2 });
    expect(heapGrowthBounded()).toBe(true);
    // What the code cache is written under: every flag set, back at its default.
    const young = process.versions.v8.startsWith(`${YOUNG_GROWTH_V8}.`) && !/semi[-_]space[-_]growth/.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
    expect(heapFlagDefaults()).toEqual(young ? [HEAP_GROWTH_DEFAULT_FLAG, YOUNG_GROWTH_DEFAULT_FLAG] : [HEAP_GROWTH_DEFAULT_FLAG]);
  });

  it('once bounded, collects what nothing holds, and leaves gc unexposed to every context', async () => {
    boundHeapGrowth();
    let dropped: object | undefined = { large: new Array(1000).fill(0) };
    const ref = new WeakRef(dropped);
    dropped = undefined;
    // A WeakRef keeps its target until the job that made it ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectIfBounded();
    expect(ref.deref()).toBeUndefined();
    expect(vm.runInNewContext('typeof gc')).toBe('undefined');
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });

  it('sets a flag this Node knows (node refuses an unknown one; v8.setFlagsFromString would ignore it)', () => {
    expect(() => execFileSync(process.execPath, [HEAP_GROWTH_FLAG, '-e', '0'], { stdio: 'pipe' })).not.toThrow();
    expect(() => execFileSync(process.execPath, [HEAP_GROWTH_FLAG.replace('growing', 'growth'), '-e', '0'], { stdio: 'pipe' })).toThrow(/bad option/);
    expect(() => execFileSync(process.execPath, [YOUNG_GROWTH_FLAG, '-e', '0'], { stdio: 'pipe' })).not.toThrow();
  });

  it.runIf(process.versions.v8.startsWith(`${YOUNG_GROWTH_V8}.`))('resets the young generation flag to the default of the V8 it is set on', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toMatch(/^\s+--semi-space-growth-factor \(/m);
    expect(options).toContain(`default: ${YOUNG_GROWTH_DEFAULT_FLAG}\n`);
  });

  // In a fresh node (the built module): a test process's young generation may already be at its largest.
  it.runIf(process.versions.v8.startsWith(`${YOUNG_GROWTH_V8}.`))('holds the young generation once it reaches YOUNG_HOLD_BYTES, and lets it grow again when released', () => {
    const heap = path.join(REPO, 'dist/src/heap.js');
    if (!existsSync(heap)) throw new Error('run `npm run build` first (npm test does)');
    const script = `
      import v8 from 'node:v8';
      import { boundHeapGrowth, holdYoungGrowth, releaseYoungHold, heapFlagDefaults } from ${JSON.stringify(pathToFileURL(heap).href)};
      const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      const kept = [];
      // Objects that survive their scavenges: V8 doubles the semi-spaces when as much survives as they hold.
      const survive = (mb) => { for (let i = 0; i < (mb << 20) / 64; i++) kept.push({ i, s: 'x' + i }); };
      const out = { unboundedHold: holdYoungGrowth() };
      boundHeapGrowth();
      for (let i = 0; i < 256 && !holdYoungGrowth(); i++) survive(1);
      out.held = young();
      out.heldDefaults = heapFlagDefaults();
      survive(40);
      out.afterHold = young();
      releaseYoungHold();
      out.releasedDefaults = heapFlagDefaults();
      survive(40);
      out.afterRelease = young();
      process.stdout.write(JSON.stringify(out));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out.unboundedHold).toBe(false);
    expect(out.held).toBeGreaterThanOrEqual(YOUNG_HOLD_BYTES);
    expect(out.held).toBeLessThan(2 * YOUNG_HOLD_BYTES);
    expect(out.heldDefaults).toEqual([HEAP_GROWTH_DEFAULT_FLAG, YOUNG_GROWTH_DEFAULT_FLAG]);
    expect(out.afterHold).toBe(out.held);
    expect(out.releasedDefaults).toEqual([HEAP_GROWTH_DEFAULT_FLAG]);
    expect(out.afterRelease).toBeGreaterThan(out.held);
  });
});
