// Read the evidence files discovery found, once, in parallel. A file that
// cannot be read (too big, binary, not UTF-8, unreadable) says nothing: it is
// skipped without an error, since it is never one of the files worked on.
import path from 'node:path';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readTextFile } from '../read.js';
import { toPosix } from '../discover.js';
import { applyBakeMetadata, isShellShebang, readEvidenceFile, SHEBANG_SCRIPT_MAX_BYTES, withSharedYamlDocs, type EvidenceFile } from './sources.js';
import { emptyEvidence, type RepoEvidence } from './types.js';
import { rebaseBakeBuilds } from './bake-runs.js';

export async function readEvidence(files: EvidenceFile[], cwd: string, isExcluded: (file: string) => boolean = () => false): Promise<RepoEvidence> {
  const out = emptyEvidence();
  const texts = new Array<string | undefined>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const f = files[i]!;
      if (isExcluded(f.path)) continue;
      if (f.shebangOnly && !startsWithShellShebang(f.path)) continue;
      try {
        texts[i] = (await readTextFile(f.path, f.root)).text;
      } catch {
        texts[i] = undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, files.length) }, worker));
  // In discovery order, so evidence (and what it decides) is the same on every run.
  withSharedYamlDocs(() =>
    files.forEach((f, i) => {
      const text = texts[i];
      if (text === undefined) return;
      out.filesRead.push(f.path);
      try {
        readEvidenceFile(f.kind, { file: f.path, rel: toPosix(path.relative(cwd, f.path)) || path.basename(f.path), root: f.root, text }, out);
      } catch {
        // A reader that trips on odd input says nothing about this file.
      }
    }),
  );
  dropCalledCopies(out);
  rebaseBakeBuilds(out);
  applyBakeMetadata(out);
  return out;
}

/**
 * A build read through a call (a local action or reusable workflow read with its caller's inputs) that is the same
 * as one read before it or on its own (the inputs it was called with changed nothing in that step) says nothing new:
 * dropped, so a role's reasons name each build once. Builds read on their own are all kept, as before.
 */
function dropCalledCopies(out: RepoEvidence): void {
  if (!out.builds.some((b) => b.calledFrom)) return;
  const key = (b: RepoEvidence['builds'][number]) =>
    JSON.stringify([b.dockerfile, b.context, b.target, b.tags, b.push, b.exportsFiles, b.via, b.args, b.at.file, b.at.line]);
  const own = new Set(out.builds.filter((b) => !b.calledFrom).map(key));
  const seen = new Set<string>();
  out.builds = out.builds.filter((b) => {
    if (!b.calledFrom) return true;
    const k = key(b);
    if (own.has(k) || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Whether a file with no telling name is a shell script of a readable size: its first line only is read to tell. */
function startsWithShellShebang(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (fstatSync(fd).size > SHEBANG_SCRIPT_MAX_BYTES) return false;
    const head = Buffer.alloc(128);
    const n = readSync(fd, head, 0, head.length, 0);
    return isShellShebang(head.subarray(0, n).toString('latin1').split(/\r?\n/)[0]!);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
