// `npm run bench` prints the figures issue 13 asks for: this checks that the
// --dir mode runs end to end and reports each figure for the right files (no
// timing is asserted: the numbers are the bench's to print, not a test's).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { REPO, tempDir } from './helpers.js';

const BENCH = path.join(REPO, 'dist/bench/bench.js');

describe('npm run bench -- --dir', () => {
  it('prints full, floor and floor+reparse for a directory and its copies, with the files it changes', () => {
    if (!existsSync(BENCH)) throw new Error('run `npm run build` first (npm test does)');
    const dir = tempDir();
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    const r = spawnSync(process.execPath, [BENCH, '--dir', path.join(dir, 'examples'), '--copies', '2', '--runs', '1', '--cold-runs', '1'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('| repo'))!;
    expect(header.split('|').map((c) => c.trim())).toEqual(expect.arrayContaining(['files', 'changed', 'full wall', 'floor wall', '×floor wall', '+reparse wall', '×(+reparse) wall', 'full RSS']));
    const row = (label: string) => lines.find((l) => l.startsWith(`| ${label} `))!.split('|').map((c) => c.trim());
    const one = row('examples 1×');
    const two = row('examples 2×');
    // The CLI on examples/ changes all 8 files it models (README's quick start); two copies hold twice as many.
    expect([one[2], one[3]]).toEqual(['8', '8']);
    expect([two[2], two[3]]).toEqual(['16', '16']);
    expect(r.stdout).toMatch(/^scaling: examples 2× \(16 files\) against examples 1× \(8 files\), 2\.00× the files/m);
    // Both cold starts: with the code cache the build's first run wrote, and that first run itself.
    expect(r.stdout).toMatch(/^cold start: docker-harden --dry-run examples\/ in a fresh process: [\d.]+ s median, [\d.]+ s min with the code cache written by the build's first run; that first run \(no cache yet\): [\d.]+ s median, [\d.]+ s min; 1 runs of each alternating with bare node -e 0: /m);
  }, 120_000);
});
