// What inspection read, cached on disk by image id (the digest of the image's
// config: a new build is a new id, so an entry never goes stale). In the XDG
// cache directory: $XDG_CACHE_HOME/docker-harden, else ~/.cache/docker-harden.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ImageReading } from './facts.js';

/** Bumped when ImageReading changes shape: older entries are read again. */
const CACHE_VERSION = 1;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME || homedir(), '.cache');
  return path.join(base, 'docker-harden', 'images');
}

function entryPath(dir: string, id: string): string | undefined {
  const hex = id.replace(/^sha256:/, '');
  return /^[0-9a-f]{64}$/.test(hex) ? path.join(dir, `${hex}.json`) : undefined;
}

export function readCached(dir: string, id: string): ImageReading | undefined {
  const file = entryPath(dir, id);
  if (!file) return undefined;
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; reading?: ImageReading };
    return entry.version === CACHE_VERSION && entry.reading?.id === id ? entry.reading : undefined;
  } catch {
    return undefined;
  }
}

/** Write an entry (to a temporary name first, so a reader never sees half of one). A cache that cannot be written is skipped. */
export function writeCached(dir: string, reading: ImageReading): void {
  const file = entryPath(dir, reading.id);
  if (!file) return;
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: CACHE_VERSION, reading }) + '\n');
    renameSync(tmp, file);
  } catch {
    // Caching only saves time.
  }
}
