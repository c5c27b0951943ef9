// The bytes the CLI writes (src/stdio.ts): pieces are encoded into one reused
// buffer, so each must come out whole and alone, whatever came before it.
import { describe, it, expect } from 'vitest';
import { SCRATCH_BYTES, utf8Bytes } from '../src/stdio.js';

describe('utf8Bytes', () => {
  it('gives the UTF-8 of each piece, not what a longer earlier piece left in the buffer', () => {
    const pieces = ['x'.repeat(70_000), 'short ✓ 𝄞\n', '', 'é'.repeat(40_000), 'a\ud800b', 'tail'];
    for (const p of pieces) expect(Buffer.compare(utf8Bytes(p), Buffer.from(p, 'utf8'))).toBe(0);
  });

  it('reuses one buffer for pieces that fit, and gives a piece too big for it a buffer of its own', () => {
    const a = utf8Bytes('first');
    const b = utf8Bytes('second');
    expect(b.buffer).toBe(a.buffer);
    const big = 'z'.repeat(SCRATCH_BYTES + 1);
    const own = utf8Bytes(big);
    expect(own.buffer).not.toBe(b.buffer);
    expect(own.toString('utf8')).toBe(big);
    expect(utf8Bytes('again').toString('utf8')).toBe('again');
  });
});
