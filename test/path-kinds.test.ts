// isFile/isDirectory answers kept while the engine runs, and only then.
import { describe, it, expect } from 'vitest';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDirectory, isFile, keepListing, newPathKinds, pathExists, sortedDirEntries, withPathKindsKept } from '../src/read.js';
import { discover } from '../src/discover.js';
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

describe('answers from a kept folder listing', () => {
  const listed = (dir: string) => readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));

  it('answers a listed name by its type and an unlisted one as absent, without asking the file system', () => {
    const dir = tempDir();
    try {
      writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
      mkdirSync(path.join(dir, 'app'));
      const kept = newPathKinds();
      keepListing(kept, dir, listed(dir));
      // Changed after the listing: the run answers as the listing says (nothing writes while it runs).
      rmSync(path.join(dir, 'Dockerfile'));
      writeFileSync(path.join(dir, 'late.sh'), '#!/bin/sh\n');
      withPathKindsKept(() => {
        expect(isFile(path.join(dir, 'Dockerfile'))).toBe(true);
        expect(isDirectory(path.join(dir, 'app'))).toBe(true);
        expect(pathExists(path.join(dir, 'late.sh'))).toBe(false);
        expect(sortedDirEntries(dir).map((e) => e.name)).toEqual(['Dockerfile', 'app']);
      }, kept);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks the file system where a listing cannot tell: a name spelled otherwise, a non-ASCII folder, a symlink', () => {
    const dir = tempDir();
    const other = tempDir();
    try {
      // A case-insensitive file system (macOS, Windows, /mnt/c) finds DOCKERFILE for dockerfile: absence says nothing.
      writeFileSync(path.join(dir, 'DOCKERFILE'), 'FROM scratch\n');
      symlinkSync(path.join(dir, 'DOCKERFILE'), path.join(dir, 'link'));
      const kept = newPathKinds();
      keepListing(kept, dir, listed(dir));
      writeFileSync(path.join(dir, 'dockerfile'), 'FROM scratch\n');
      rmSync(path.join(dir, 'DOCKERFILE'));
      writeFileSync(path.join(other, 'caf\u00e9'), '');
      keepListing(kept, other, listed(other));
      writeFileSync(path.join(other, 'later'), '');
      withPathKindsKept(() => {
        expect(isFile(path.join(dir, 'dockerfile'))).toBe(true);
        expect(pathExists(path.join(dir, 'link'))).toBe(false); // stat follows the symlink to the removed file
        expect(isFile(path.join(other, 'later'))).toBe(true); // an APFS-style folder may spell a name another way
      }, kept);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('discovery keeps the listing of every folder it walks', async () => {
    const dir = tempDir();
    try {
      mkdirSync(path.join(dir, 'svc'));
      writeFileSync(path.join(dir, 'svc', 'Dockerfile'), 'FROM scratch\n');
      const kept = newPathKinds();
      await discover(['.'], dir, { exclude: [], pathKinds: kept });
      expect(kept.listings.get(path.join(dir, 'svc'))?.map((e) => e.name)).toEqual(['Dockerfile']);
      expect(kept.listings.get(dir)?.map((e) => e.name)).toEqual(['svc']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
