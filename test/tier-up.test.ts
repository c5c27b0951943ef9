// The interrupt budget a pipeline run sets (src/tier-up.ts). Its effect on
// TurboFan is measured, not tested (a test of tiering would be timing-bound);
// what is tested is that the flag is one this Node knows and that its reset
// is V8's own default, which the code cache depends on (bin/load-bundle.js).
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { DEFAULT_INTERRUPT_BUDGET, TIER_UP_DEFAULT_FLAG, TIER_UP_FLAG, V8_VERSION, delayTierUp, restoreTierUp, tierUpDelayed } from '../src/tier-up.js';

describe('tier-up delay', () => {
  it('sets a flag this Node knows (node refuses an unknown one; v8.setFlagsFromString would ignore it)', () => {
    expect(() => execFileSync(process.execPath, [TIER_UP_FLAG, '-e', '0'], { stdio: 'pipe' })).not.toThrow();
    expect(() => execFileSync(process.execPath, [TIER_UP_FLAG.replace('interrupt', 'interupt'), '-e', '0'], { stdio: 'pipe' })).toThrow(/bad option/);
  });

  it.runIf(process.versions.v8.startsWith(`${V8_VERSION}.`))('a large run puts the default back, so the code cache has nothing to reset', () => {
    expect(delayTierUp()).toBe(true);
    expect(tierUpDelayed()).toBe(true);
    restoreTierUp();
    expect(tierUpDelayed()).toBe(false);
    restoreTierUp(); // twice is harmless
    expect(tierUpDelayed()).toBe(false);
  });

  it.runIf(process.versions.v8.startsWith(`${V8_VERSION}.`))('resets the flag to the default of the V8 it is set on', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toMatch(/^\s+--interrupt-budget \(/m);
    expect(options).toContain(`default: ${TIER_UP_DEFAULT_FLAG}\n`);
    expect(TIER_UP_FLAG).toBe(`--interrupt-budget=${4 * DEFAULT_INTERRUPT_BUDGET}`);
  });
});
