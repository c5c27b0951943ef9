// discover's onFound (src/discover.ts): the driver bounds the heap while the
// walk runs (src/driver.ts), so the count it is told must rise by one per file
// found and end at the number of files discovery returns.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discover } from '../src/discover.js';

describe('discover onFound', () => {
  it('is told 1, 2, ... up to the number of files found, walked folders and explicit files alike', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dh-found-'));
    for (const app of ['a', 'b', 'c']) {
      mkdirSync(path.join(dir, app));
      writeFileSync(path.join(dir, app, 'Dockerfile'), 'FROM debian:bookworm-slim\n');
    }
    writeFileSync(path.join(dir, 'compose.yaml'), 'services: {}\n');
    writeFileSync(path.join(dir, 'README.md'), 'not a candidate\n');
    const other = mkdtempSync(path.join(tmpdir(), 'dh-found-'));
    writeFileSync(path.join(other, 'Dockerfile.web'), 'FROM debian:bookworm-slim\n');
    const told: number[] = [];
    const found = await discover([dir, path.join(other, 'Dockerfile.web')], dir, { exclude: [], onFound: (n) => told.push(n) });
    expect(found.files).toHaveLength(5);
    expect(told).toEqual([1, 2, 3, 4, 5]);
  });
});
