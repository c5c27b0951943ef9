// Atomic writes: a temporary file in the same folder, the original mode (and
// owner, when we may), fsync, then rename over the original. A file that
// changed on disk since we read it is left alone and reported.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileProblem } from './read.js';

export async function writeAtomic(file: string, expectedOld: string, text: string): Promise<void> {
  let current: string;
  let stat;
  try {
    const real = await fs.realpath(file);
    stat = await fs.stat(real);
    current = await fs.readFile(real, 'utf8');
    file = real;
  } catch (err) {
    throw new FileProblem(file, `cannot re-read before writing: ${(err as Error).message}`);
  }
  if (current !== expectedOld) {
    throw new FileProblem(file, 'changed on disk while docker-harden was working; not written (run it again)');
  }
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.docker-harden-${randomBytes(4).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await fs.open(tmp, 'wx', stat.mode & 0o7777);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.chmod(tmp, stat.mode & 0o7777); // open() is subject to the umask
    if (process.getuid?.() === 0) await fs.chown(tmp, stat.uid, stat.gid).catch(() => undefined);
    await fs.rename(tmp, file);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new FileProblem(file, `cannot write: ${(err as Error).message}`);
  }
}
