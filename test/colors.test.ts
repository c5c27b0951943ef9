// The reports paint through src/report/colors.ts, which loads picocolors only
// when a run paints (its load reads process.stdout.isTTY, making the stream).
import { describe, it, expect } from 'vitest';
import pc from 'picocolors';
import { colors, loadColors, paint } from '../src/report/colors.js';

describe('report colours', () => {
  it('leave text plain with colour off, without picocolors; refuse to paint before it is loaded; then paint as picocolors does', async () => {
    expect(paint('plain', 'red', false)).toBe('plain');
    expect(() => paint('x', 'red', true)).toThrow(/before loadColors/);
    expect(() => colors()).toThrow(/before loadColors/);
    await loadColors();
    expect(colors()).toBe(pc);
    for (const style of ['bold', 'dim', 'underline', 'red', 'green', 'yellow', 'cyan'] as const) expect(paint('x', style, true)).toBe(pc[style]('x'));
    expect(paint('plain', 'red', false)).toBe('plain');
  });
});
