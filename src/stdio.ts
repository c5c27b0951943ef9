// The CLI's stdout and stderr, written without Node's process.stdout and
// process.stderr where that changes nothing. Node makes those streams on
// first use: a net.Socket for a pipe, a SyncWriteStream for a file, each
// loading node:stream and about twenty modules with it (and net for a pipe),
// a few milliseconds of every start (issue 13). Those streams write to a pipe
// or a file synchronously on Linux, which fs.writeSync does too: the bytes
// and their order are the same.
// A terminal (a character device: /dev/null too), Windows (whose console
// wants the TTY stream's conversion) and a descriptor fstat cannot read keep
// the stream. A direct write that fails (EAGAIN on a descriptor another
// process made non-blocking, EPIPE, a closed descriptor) hands what is left to
// the stream, and so does every later write to that descriptor: the stream
// then meets the error and reports it as it always did.
import { fstatSync, writeSync } from 'node:fs';

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
        d = st.isFIFO() || st.isFile() || st.isSocket();
      } catch {
        // no such descriptor: the stream decides what writing to it does
      }
    }
    direct[fd] = d;
  }
  return d;
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
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) {
      const n = writeSync(fd, bytes, done);
      if (n <= 0) throw new Error('no progress');
      done += n;
    }
  } catch {
    direct[fd] = false;
    stream(fd).write(done === 0 ? text : bytes.subarray(done));
  }
}

/**
 * process.stdout.isTTY (1) or process.stderr.isTTY (2), without making the
 * stream for a pipe, a file or a socket, which are never terminals.
 */
export function isTerminal(fd: OutputFd): boolean {
  return !writtenDirectly(fd) && stream(fd).isTTY === true;
}
