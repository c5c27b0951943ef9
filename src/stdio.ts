// The CLI's stdout and stderr, written without Node's process.stdout and
// process.stderr where that changes nothing. Node makes those streams on
// first use: a net.Socket for a pipe, a SyncWriteStream for a file, each
// loading node:stream and about twenty modules with it (and net for a pipe),
// a few milliseconds of every start (issue 13). Those streams write to a pipe
// or a file synchronously on Linux, which fs.writeSync does too: the bytes
// and their order are the same.
// A terminal (a character device), Windows (whose console wants the TTY
// stream's conversion) and a descriptor fstat cannot read keep the stream.
// /dev/null, the one character device that is no terminal and that scripts
// send output to (2>/dev/null), is written directly: Node makes a
// SyncWriteStream for it (libuv takes a character device that is no TTY for a
// file), which writes with fs.writeSync too. A direct write that fails (EAGAIN on a descriptor another
// process made non-blocking, EPIPE, a closed descriptor) hands what is left to
// the stream, and so does every later write to that descriptor: the stream
// then meets the error and reports it as it always did.
import { fstatSync, statSync, writeSync, type Stats } from 'node:fs';

export type OutputFd = 1 | 2;

/** Per descriptor: whether it is written directly (decided at its first use). */
const direct: [boolean | undefined, boolean | undefined, boolean | undefined] = [undefined, undefined, undefined];

function writtenDirectly(fd: OutputFd): boolean {
  let d = direct[fd];
  if (d === undefined) {
    d = false;
    if (process.platform !== 'win32') {
      try {
        const st = fstatSync(fd);
        d = st.isFIFO() || st.isFile() || st.isSocket() || isDevNull(st);
      } catch {
        // no such descriptor: the stream decides what writing to it does
      }
    }
    direct[fd] = d;
  }
  return d;
}

/** Whether `st` is /dev/null's: a character device with its device number (a terminal has another). */
function isDevNull(st: Stats): boolean {
  if (!st.isCharacterDevice()) return false;
  const devNull = statSync('/dev/null', { throwIfNoEntry: false });
  return devNull !== undefined && devNull.isCharacterDevice() && devNull.rdev === st.rdev;
}

function stream(fd: OutputFd): NodeJS.WriteStream {
  return fd === 1 ? process.stdout : process.stderr;
}

/** Writes `text` to stdout (1) or stderr (2). */
export function writeOutput(fd: OutputFd, text: string): void {
  if (!writtenDirectly(fd)) {
    stream(fd).write(text);
    return;
  }
  const bytes = utf8Bytes(text);
  let done = 0;
  try {
    while (done < bytes.length) {
      const n = writeSync(fd, bytes, done);
      if (n <= 0) throw new Error('no progress');
      done += n;
    }
  } catch {
    direct[fd] = false;
    // A copy: the stream may hold the bytes past this call, and the scratch is written over by the next.
    stream(fd).write(done === 0 ? text : Buffer.from(bytes.subarray(done)));
  }
}

/** Pieces up to this many bytes are encoded into one reused buffer (the diff and the stylish report are written in pieces of 16-64K characters). */
export const SCRATCH_BYTES = 1 << 18;
let scratch: Buffer | undefined;

/**
 * The UTF-8 bytes of `text`, in the reused scratch buffer when they fit (valid
 * until the next call). A fresh Buffer per write is memory outside V8's heap
 * that only a collection frees, and collections come by the heap's own
 * allocation: at 8,000 files the report's pieces piled up to ~7 MB of such
 * buffers at the end of the run (issue 13).
 */
export function utf8Bytes(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  if (length > SCRATCH_BYTES) return Buffer.from(text, 'utf8');
  if (!scratch || scratch.length < length) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_BYTES, Math.max(length, 1 << 16)));
  const written = scratch.write(text, 0, length, 'utf8');
  return scratch.subarray(0, written);
}

/**
 * process.stdout.isTTY (1) or process.stderr.isTTY (2), without making the
 * stream for a pipe, a file or a socket, which are never terminals.
 */
export function isTerminal(fd: OutputFd): boolean {
  return !writtenDirectly(fd) && stream(fd).isTTY === true;
}
