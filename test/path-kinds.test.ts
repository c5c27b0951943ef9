// isFile/isDirectory answers kept while the engine runs, and only then.
import { describe, it, expect } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDirectory, isFile, withPathKindsKept } from '../src/read.js';
import { tempDir } from './helpers.js';

describe('withPathKindsKept', () => {
  it('answers a path as it first found it inside the run, and asks the file system again outside it', () => {
    const dir = tempDir();
    const p = path.join(dir, 'entry.sh');
    try {
      withPathKindsKept(() => {
        expect(isFile(p)).toBe(false);
        writeFileSync(p, '#!/bin/sh\n');
        expect(isFile(p)).toBe(false); // kept: the engine never writes, so a pass sees what the first saw
        expect(isDirectory(dir)).toBe(true);
        expect(isFile(dir)).toBe(false);
      });
      expect(isFile(p)).toBe(true); // outside a run nothing is kept
      rmSync(p);
      mkdirSync(p);
      expect(isFile(p)).toBe(false);
      expect(isDirectory(p)).toBe(true);
      withPathKindsKept(() => expect(isDirectory(p)).toBe(true)); // a new run starts empty
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restores the outer run when runs nest, also when the inner one throws', () => {
    const dir = tempDir();
    const p = path.join(dir, 'later');
    try {
      withPathKindsKept(() => {
        expect(isDirectory(p)).toBe(false);
        expect(() =>
          withPathKindsKept(() => {
            mkdirSync(p);
            expect(isDirectory(p)).toBe(true);
            throw new Error('inner');
          }),
        ).toThrow('inner');
        expect(isDirectory(p)).toBe(false); // the outer run's answer
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
