// Reading files safely: every failure is a FileError naming the file, so the
// driver can report it and go on with the other files.
import { accessSync, constants as fsConstants, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { looksBinary } from './text.js';

/** Files larger than this are refused: no real Dockerfile or compose file is this big. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

export interface FileError {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export interface ReadFile {
  path: string;
  text: string;
  mode: number;
  mtimeMs: number;
  size: number;
}

export class FileProblem extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
  toFileError(): FileError {
    return { file: this.file, line: this.line, column: this.column, message: this.message };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A path segment path.normalize would change: `//`, `/./`, `/../`, or a trailing `/`, `/.`, `/..`. */
const NOT_NORMAL = /\/\.{0,2}(?:\/|$)/;

/** True if `target` is `root` or inside it. */
export function isInside(root: string, target: string): boolean {
  // Asked for every file and mapping against every root, thousands of times a pass on a large repository; path.relative
  // resolves both paths each time. For two absolute normalized POSIX paths its answer is plain string arithmetic: `rel`
  // is what follows `root/` in `target`, or starts with `..` (issue 13). Anything else is asked of path.relative as before.
  if (path.sep === '/' && root.charCodeAt(0) === 47 && target.charCodeAt(0) === 47 && !NOT_NORMAL.test(root) && !NOT_NORMAL.test(target)) {
    if (target === root) return true;
    return target.startsWith(root) && target.charCodeAt(root.length) === 47 && !target.startsWith('..', root.length + 1);
  }
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const realDirs = new Map<string, string>();

/** A directory's real path, asked once per directory rather than once per file. */
function realDirOf(dir: string): string {
  let p = realDirs.get(dir);
  if (p === undefined) {
    p = realpathSync.native(dir);
    realDirs.set(dir, p);
  }
  return p;
}

function realRootOf(root: string): string {
  try {
    return realDirOf(root);
  } catch {
    return root;
  }
}

/**
 * The file's real path: its folder's (cached) plus its name, unless the file
 * itself is a symlink. `stat`: the file's own lstat when it is not a symlink
 * (then the same as its stat, which need not be asked again).
 */
function realPathOf(file: string): { real: string; stat?: Stats } {
  const own = lstatSync(file);
  if (own.isSymbolicLink()) return { real: realpathSync.native(file) };
  return { real: path.join(realDirOf(path.dirname(file)), path.basename(file)), stat: own };
}

/**
 * Read a text file (sync I/O inside: for thousands of small files it is several
 * times faster than fs.promises here, and a CLI has nothing else to do meanwhile). Refuses symlinks that resolve outside `root`, files over
 * MAX_FILE_BYTES, binary files and invalid UTF-8. The BOM is kept in the text.
 */
export async function readTextFile(file: string, root: string): Promise<ReadFile> {
  let real: string;
  let stat: Stats | undefined;
  try {
    ({ real, stat } = realPathOf(file));
  } catch (err) {
    throw new FileProblem(file, describeIoError(err, 'cannot read'));
  }
  const realRoot = realRootOf(root);
  if (!isInside(realRoot, real)) {
    throw new FileProblem(file, `is a symlink to ${real}, outside ${root}; not followed`);
  }
  try {
    stat ??= statSync(real);
  } catch (err) {
    throw new FileProblem(file, describeIoError(err, 'cannot read'));
  }
  if (!stat.isFile()) throw new FileProblem(file, 'is not a regular file');
  if (stat.size > MAX_FILE_BYTES) {
    throw new FileProblem(file, `is ${stat.size} bytes, over the ${MAX_FILE_BYTES}-byte limit; skipped`);
  }
  let buf: Buffer;
  try {
    buf = readFileSync(real);
  } catch (err) {
    throw new FileProblem(file, describeIoError(err, 'cannot read'));
  }
  if (looksBinary(buf)) throw new FileProblem(file, 'looks binary (it has NUL bytes); skipped');
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    const bad = firstInvalidUtf8Line(buf);
    throw new FileProblem(file, 'is not valid UTF-8; skipped', bad);
  }
  return { path: file, text, mode: stat.mode & 0o7777, mtimeMs: stat.mtimeMs, size: stat.size };
}

function firstInvalidUtf8Line(buf: Buffer): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 10) {
      try {
        utf8.decode(buf.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}

export function describeIoError(err: unknown, what: string): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'does not exist';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return `${what}: permission denied`;
  if (e?.code === 'EISDIR') return 'is a directory';
  return `${what}: ${e?.message ?? String(err)}`;
}

/** Whether a path is a directory (false when it cannot be read). */
export function isDirectory(p: string): boolean {
  return pathKind(p) === 'directory';
}

/** Whether a path exists (as existsSync: a broken symlink or one that cannot be reached does not). */
export function pathExists(p: string): boolean {
  return pathKind(p) !== 'unreadable';
}

/** Whether a path is a regular file (false when it cannot be read). */
export function isFile(p: string): boolean {
  return pathKind(p) === 'file';
}

export type PathKind = 'file' | 'directory' | 'other' | 'unreadable';

let kinds: Map<string, PathKind> | undefined;

/** What isFile, isDirectory, pathExists and sortedDirEntries found: kept by withPathKindsKept. */
export interface PathKinds {
  kinds: Map<string, PathKind>;
  listings: Map<string, Dirent[]>;
}

export function newPathKinds(): PathKinds {
  return { kinds: new Map(), listings: new Map() };
}

/**
 * Run `fn`, which must be synchronous, keeping what isFile and isDirectory
 * found: every engine pass rebuilds the model and asks the same paths again,
 * and nothing is written while the engine runs. `kept` carries what was found
 * over several steps (loading links in rounds, with reads in between that
 * write nothing); without it a run starts empty.
 */
export function withPathKindsKept<T>(fn: () => T, kept: PathKinds = newPathKinds()): T {
  const before = kinds;
  const listingsBefore = listings;
  kinds = kept.kinds;
  listings = kept.listings;
  try {
    return fn();
  } finally {
    kinds = before;
    listings = listingsBefore;
  }
}

let listings: Map<string, Dirent[]> | undefined;

/**
 * A folder's entries sorted by name (none when it cannot be read); kept like
 * path kinds while the engine runs, for every part and pass asks again. The
 * list is shared: callers read it, never change it.
 */
export function sortedDirEntries(dir: string): readonly Dirent[] {
  const known = listings?.get(dir);
  if (known) return known;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    entries = UNLISTABLE;
  }
  listings?.set(dir, entries);
  return entries;
}

/** What sortedDirEntries gives for a folder it cannot list: no entries, and (by identity) no answer about them. */
const UNLISTABLE: Dirent[] = [];

/**
 * Keep a folder's entries as read elsewhere (discovery's walk lists every
 * folder it enters with file types, sorted as sortedDirEntries sorts), so the
 * run neither lists it again nor stats the paths in it (pathKind answers from
 * the listing). `entries` is shared: neither side changes it.
 */
export function keepListing(kept: PathKinds, dir: string, entries: Dirent[]): void {
  if (!kept.listings.has(dir)) kept.listings.set(dir, entries);
}

/** Whether each kept listing's folder can be searched (see kindFromListing), asked once per folder. */
const searchable = new WeakMap<readonly Dirent[], boolean>();

function canSearch(dir: string, entries: readonly Dirent[]): boolean {
  let ok = searchable.get(entries);
  if (ok === undefined) {
    try {
      accessSync(dir, fsConstants.X_OK);
      ok = true;
    } catch {
      ok = false;
    }
    searchable.set(entries, ok);
  }
  return ok;
}

/** The entry named `name` in a listing sorted by name (as sortedDirEntries sorts). */
function findEntry(entries: readonly Dirent[], name: string): Dirent | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = entries[mid]!.name;
    if (at === name) return entries[mid];
    if (at < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * What stat would say of `p` (as pathKind asks), from a listing of its folder
 * kept in this scope, or undefined when the listing cannot tell. An entry of
 * that name that is not a symlink (stat follows one) has its own type. A name
 * not listed does not exist, where the file system cannot match it to a
 * listed name otherwise spelled: a case-insensitive one (macOS, Windows, WSL's
 * /mnt/c, ext4 casefold folders) finds `Dockerfile` for `dockerfile`, and a
 * normalization-insensitive one (APFS) finds one Unicode spelling for the
 * other. So the answer by absence is given only for an ASCII name in a folder
 * whose names are all ASCII, and none of them equals it ignoring case.
 */
function kindFromListing(p: string): PathKind | undefined {
  const dir = path.dirname(p);
  const entries = listings?.get(dir);
  if (!entries || entries === UNLISTABLE) return undefined;
  const name = path.basename(p);
  if (name === '' || name === '.' || name === '..' || path.join(dir, name) !== p) return undefined;
  // A folder that can be listed but not searched (read without execute permission) lists names whose stat fails.
  if (!canSearch(dir, entries)) return undefined;
  const e = findEntry(entries, name);
  if (e) {
    if (e.isFile()) return 'file';
    if (e.isDirectory()) return 'directory';
    if (e.isFIFO() || e.isSocket() || e.isBlockDevice() || e.isCharacterDevice()) return 'other';
    return undefined; // a symlink, or a type the listing did not learn
  }
  if (!ASCII.test(name)) return undefined;
  const folded = name.toLowerCase();
  for (const other of entries) if (!ASCII.test(other.name) || other.name.toLowerCase() === folded) return undefined;
  return 'unreadable';
}

function pathKind(p: string): PathKind {
  const known = kinds?.get(p);
  if (known) return known;
  let kind = kindFromListing(p);
  if (kind === undefined) kind = statKind(p);
  kinds?.set(p, kind);
  return kind;
}

function statKind(p: string): PathKind {
  let kind: PathKind;
  try {
    const st = statSync(p);
    kind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
  } catch {
    kind = 'unreadable';
  }
  return kind;
}
