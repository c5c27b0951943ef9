// What an image does at start is read once and reused in later passes only while
// everything the reading asked of the project answers the same (issue 13): a
// changed script, build context, parent image or observation must be read anew.
import { describe, it, expect } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { RecordedLookup, RecordingMemo, clearRunMemos, withPassMemos, type Lookup, type RecordedSources } from '../src/pass-memo.js';
import { imageStart, imagePrivilegeDrop, imageStartWrites, type ImageStart } from '../src/start-scripts.js';
import { finalStage, resolveStageBase } from '../src/dockerfile-info.js';
import { loadProject, observedKey, withTexts, type Project } from '../src/model.js';
import { discover } from '../src/discover.js';
import { writeTree } from './helpers.js';

describe('RecordedLookup', () => {
  it('answers as its lookup does, and says whether another lookup answers every key asked alike', () => {
    const from = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    const rec = new RecordedLookup<number>(from);
    expect(rec.get('a')).toBe(1);
    expect(rec.get('missing')).toBeUndefined();
    rec.close();
    // Asked again after close: answered from the record.
    expect(rec.get('a')).toBe(1);
    expect(() => rec.get('b')).toThrow(/after its reader returned/);
    expect(rec.answersAlike(new Map([['a', 1]]))).toBe(true);
    // A key it was not asked does not matter; one it was asked does, an absent answer too.
    expect(rec.answersAlike(new Map([['a', 1], ['b', 5]]))).toBe(true);
    expect(rec.answersAlike(new Map([['a', 3]]))).toBe(false);
    expect(rec.answersAlike(new Map([['a', 1], ['missing', 0]]))).toBe(false);
  });

  it('compares answers with the comparison it is given (lists by their items)', () => {
    const rec = new RecordedLookup<readonly string[]>(new Map([['ctx', ['/a']]]), (a, b) => a === b || (!!a && !!b && a.length === b.length && a.every((x, i) => x === b[i])));
    rec.get('ctx');
    expect(rec.answersAlike(new Map([['ctx', ['/a']]]))).toBe(true);
    expect(rec.answersAlike(new Map([['ctx', ['/b']]]))).toBe(false);
  });
});

describe('RecordingMemo', () => {
  interface Src {
    files: Lookup<string>;
  }
  class Rec implements Src, RecordedSources<Src> {
    files: RecordedLookup<string>;
    constructor(p: Src) {
      this.files = new RecordedLookup(p.files);
    }
    answersAlike(p: Src): boolean {
      return this.files.answersAlike(p.files);
    }
    close(): void {
      this.files.close();
    }
  }

  it('hands the reader the recording view, and reuses its answer only for the same inputs and the same answers to what it asked', () => {
    const memo = new RecordingMemo<object, string, Src, Rec, string>((a, b) => a === b, (i) => i, (p) => new Rec(p));
    const key = {};
    let calls = 0;
    const read = (_: object, name: string, src: Src) => {
      calls++;
      expect(src).toBeInstanceOf(Rec);
      return `${name}:${src.files.get(name) ?? '-'}`;
    };
    const pass1: Src = { files: new Map([['x', 'one'], ['y', 'other']]) };
    expect(memo.get(key, 'x', pass1, read)).toBe('x:one');
    // Another pass whose project answers 'x' alike (y changed, never asked): reused.
    expect(memo.get(key, 'x', { files: new Map([['x', 'one'], ['y', 'changed']]) }, read)).toBe('x:one');
    expect(calls).toBe(1);
    // What it asked answers otherwise: read anew.
    expect(memo.get(key, 'x', { files: new Map([['x', 'two']]) }, read)).toBe('x:two');
    expect(calls).toBe(2);
    // Another input: read anew; the earlier answers are still there.
    expect(memo.get(key, 'y', pass1, read)).toBe('y:other');
    expect(memo.get(key, 'x', pass1, read)).toBe('x:one');
    expect(calls).toBe(3);
    // Another key (another parse): read anew.
    expect(memo.get({}, 'x', pass1, read)).toBe('x:one');
    expect(calls).toBe(4);
    clearRunMemos();
    expect(memo.get(key, 'x', pass1, read)).toBe('x:one');
    expect(calls).toBe(5);
  });
});

describe('imageStart across passes', () => {
  async function load(tree: Record<string, string>) {
    const dir = writeTree(tree);
    const found = await discover([dir], dir, { exclude: [] });
    return { dir, project: await loadProject(found.files, dir, found.roots) };
  }

  /** imageStart of the project's Dockerfile `rel` in a pass of its own, as a service or imageStages asks. */
  const startOf = (p: Project, dir: string, rel = 'Dockerfile'): ImageStart =>
    withPassMemos(() => {
      const df = p.dockerfiles.find((d) => d.path === path.join(dir, rel))!;
      const service = p.services.find((s) => s.dockerfile === df);
      return imageStart(p, df, resolveStageBase(df.parsed, finalStage(df.parsed)!, service?.build?.args ?? {}, p.parents));
    });

  /** The same question with nothing kept from earlier passes. */
  const freshStartOf = (p: Project, dir: string, rel?: string): ImageStart => {
    clearRunMemos();
    return startOf(p, dir, rel);
  };

  it('reuses the reading in a pass that changed none of its inputs, and reads a changed script anew', async () => {
    const { dir, project: p1 } = await load({
      Dockerfile: 'FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\n',
      'entrypoint.sh': '#!/bin/sh\nmkdir -p /var/run/app\nexec gosu app "$@"\n',
      'compose.yaml': 'services:\n  web:\n    build: .\n',
    });
    try {
      clearRunMemos();
      const first = startOf(p1, dir);
      expect(imagePrivilegeDrop(first)).toMatchObject({ drop: { tool: 'gosu' } });
      // The next pass changed the compose file only: the same reading.
      const p2 = withTexts(p1, new Map([[path.join(dir, 'compose.yaml'), 'services:\n  web:\n    build: .\n    read_only: true\n']]));
      expect(startOf(p2, dir)).toBe(first);
      // A pass that changed the script: read anew, as a fresh run reads it.
      const p3 = withTexts(p2, new Map([[path.join(dir, 'entrypoint.sh'), '#!/bin/sh\nmkdir -p /srv/cache\nexec "$@"\n']]));
      const third = startOf(p3, dir);
      expect(third).not.toBe(first);
      expect(imagePrivilegeDrop(third)).toBeUndefined();
      expect(imageStartWrites(third).map((w) => w.path)).toEqual(['/srv/cache']);
      expect(third).toEqual(freshStartOf(p3, dir));
    } finally {
      clearRunMemos();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads anew when a compose edit moves the build context (other COPY links), with CRLF texts', async () => {
    const { dir, project: p1 } = await load({
      'app/Dockerfile': 'FROM debian:bookworm-slim\r\nCOPY start.sh /start.sh\r\nCMD ["/start.sh"]\r\n',
      'one/start.sh': '#!/bin/sh\r\nexec gosu app server\r\n',
      'two/start.sh': '#!/bin/sh\r\nexec server\r\n',
      'compose.yaml': 'services:\n  web:\n    build:\n      context: ./one\n      dockerfile: ../app/Dockerfile\n  other:\n    build:\n      context: ./two\n      dockerfile: ../app/Dockerfile\n',
    });
    try {
      clearRunMemos();
      const first = startOf(p1, dir, 'app/Dockerfile');
      expect(first.scripts.map((x) => path.relative(dir, x.ref.hostPath))).toEqual([path.join('one', 'start.sh')]);
      // The first service now builds from ./two: the Dockerfile's first context, so its COPY links change.
      const p2 = withTexts(p1, new Map([[path.join(dir, 'compose.yaml'), 'services:\n  web:\n    build:\n      context: ./two\n      dockerfile: ../app/Dockerfile\n']]));
      const second = startOf(p2, dir, 'app/Dockerfile');
      expect(second).not.toBe(first);
      // two/start.sh was not a start script of the model the run loaded (only the first context's are): none is read,
      // and above all not one/start.sh and its gosu.
      expect(second.scripts).toEqual([]);
      expect(imagePrivilegeDrop(second)).toBeUndefined();
      expect(second).toEqual(freshStartOf(p2, dir, 'app/Dockerfile'));
    } finally {
      clearRunMemos();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads anew when verify has observed the image write, and when a parent image built here changed', async () => {
    const { dir, project: p1 } = await load({
      // Multi-stage child of a base built here (ARG in FROM): the parent's ENTRYPOINT script is the start.
      'base/Dockerfile': 'FROM debian:bookworm-slim\nCOPY entry.sh /entry.sh\nENTRYPOINT ["/entry.sh"]\n',
      'base/entry.sh': '#!/bin/sh\nexec gosu app "$@"\n',
      'app/Dockerfile': 'ARG BASE=org/base\nFROM debian:bookworm-slim AS build\nRUN true\nFROM ${BASE}\nCMD ["server"]\n',
      'compose.yaml': 'services:\n  base:\n    image: org/base\n    build: ./base\n  web:\n    build: ./app\n',
    });
    try {
      clearRunMemos();
      const first = startOf(p1, dir, 'app/Dockerfile');
      expect(imagePrivilegeDrop(first)).toMatchObject({ drop: { tool: 'gosu' } });
      expect(first.observed).toEqual([]);
      // Verify saw the image write /data at start (the layout's map, set between runs of the engine).
      const df = p1.dockerfiles.find((d) => d.path === path.join(dir, 'app/Dockerfile'))!;
      const stage = finalStage(df.parsed)!;
      p1.layout.observedWrites.set(observedKey(df.path, stage.index), [{ path: '/data', kind: 'dir', how: 'observed: /data written at start', observed: true }]);
      const second = startOf(p1, dir, 'app/Dockerfile');
      expect(second).not.toBe(first);
      expect(second.observed.map((w) => w.path)).toEqual(['/data']);
      // The parent's Dockerfile changed in a pass (its ENTRYPOINT gone): the child's start is read anew.
      const p2 = withTexts(p1, new Map([[path.join(dir, 'base/Dockerfile'), 'FROM debian:bookworm-slim\nCOPY entry.sh /entry.sh\n']]));
      const third = startOf(p2, dir, 'app/Dockerfile');
      expect(imagePrivilegeDrop(third)).toBeUndefined();
      expect(third).toEqual(freshStartOf(p2, dir, 'app/Dockerfile'));
      // And the same pass again: reused.
      expect(startOf(p2, dir, 'app/Dockerfile')).toBe(startOf(p2, dir, 'app/Dockerfile'));
    } finally {
      p1.layout.observedWrites.clear();
      clearRunMemos();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
