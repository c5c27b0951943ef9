// GitHub Actions `if:` conditions: only constants are decided; anything reading a context or calling a function may run.
import { describe, it, expect } from 'vitest';
import { constantCondition } from '../src/evidence/ci-condition.js';

describe('constantCondition', () => {
  it('a literal false, in any spelling GitHub reads, never runs', () => {
    for (const c of ['false', '${{ false }}', '${{false}}', ' ${{ 0 }} ', "${{ '' }}", 'null', '!true', '${{ !(true) }}']) expect(constantCondition(c), c).toBe(false);
  });

  it('a constant false on one side of && decides it, whatever the other side reads', () => {
    expect(constantCondition("${{ false && github.event_name == 'push' }}")).toBe(false);
    expect(constantCondition("github.ref == 'refs/heads/main' && false")).toBe(false);
    expect(constantCondition('always() && false')).toBe(false);
    expect(constantCondition("${{ 'a' == 'b' }}")).toBe(false);
    expect(constantCondition("${{ 'A' != 'a' }}")).toBe(false); // GitHub compares strings ignoring case
  });

  it('a constant true, or || with a constant true, always runs', () => {
    expect(constantCondition('true')).toBe(true);
    expect(constantCondition("${{ github.event_name == 'push' || true }}")).toBe(true);
    expect(constantCondition("${{ 'x' }}")).toBe(true);
  });

  it('anything that reads a context or calls a function may run: the event, the branch, a fork', () => {
    for (const c of [
      "github.repository == 'other/repo'",
      "github.repository_owner == 'miniflux'",
      "${{ github.event_name != 'pull_request' }}",
      'success()',
      "contains(github.ref, 'refs/tags')",
      "${{ false || github.event_name == 'push' }}",
      "${{ matrix['os'] == 'linux' }}",
      'env.PUSH',
      "${{ inputs.push && 'yes' }}",
    ]) {
      expect(constantCondition(c), c).toBeUndefined();
    }
  });

  it('text it cannot read is not decided', () => {
    for (const c of ['${{ false', "'unterminated", 'false false', '${{ a }} and ${{ b }}', '(false']) expect(constantCondition(c), c).toBeUndefined();
    expect(constantCondition(undefined)).toBeUndefined();
  });
});
