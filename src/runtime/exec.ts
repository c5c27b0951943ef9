// Running the Docker and Compose CLIs: output captured, a time limit per call,
// and every child tracked so that Ctrl-C, SIGTERM or a timeout can stop what
// is still running before cleanup starts. Only src/runtime/ runs these tools.
import { spawn, type ChildProcess } from 'node:child_process';

export type RuntimeErrorKind = 'missing-docker' | 'missing-compose' | 'daemon' | 'timeout' | 'interrupted' | 'failed';

/** Verification could not run (or could not go on): the message says what is missing and how to get it. */
export class RuntimeError extends Error {
  constructor(
    message: string,
    readonly kind: RuntimeErrorKind,
  ) {
    super(message);
  }
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the time limit stopped the command. */
  timedOut: boolean;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Stop the command (SIGTERM, then SIGKILL) after this long. */
  timeoutMs?: number;
  /** Keep at most this many characters of each stream (the tail). */
  maxOutput?: number;
  /**
   * Let the command finish when the run is interrupted: a short request that
   * makes something on the engine (`docker create`). Stopping its CLI does not
   * stop the engine, which makes the container anyway, after the cleanup looked
   * for it (a container left behind on Ctrl-C). It runs in its own process
   * group, so a terminal's Ctrl-C does not reach it either; what it made is
   * then there for the cleanup to remove.
   */
  finishOnInterrupt?: boolean;
}

/** How the adapter runs a command (execCapture; tests pass a stand-in engine). */
export type Executor = (cmd: string, args: string[], opts?: ExecOptions) => Promise<ExecResult>;

const children = new Set<ChildProcess>();
let interrupted = false;

/** Stop every command still running (a signal arrived); later calls fail fast. */
export function interruptAll(): void {
  interrupted = true;
  for (const c of children) stop(c);
}

/** Allow commands again (after cleanup of an interrupted run, and between tests). */
export function resetInterrupt(): void {
  interrupted = false;
}

export function isInterrupted(): boolean {
  return interrupted;
}

/**
 * Run `work` with Ctrl-C and SIGTERM turned into interruptAll() (running
 * commands are stopped, later ones fail fast); then allow commands again and
 * run `cleanup`, which removes what work made, whether it finished, failed or
 * was interrupted (`afterSignal` tells it which). A second signal while cleaning up exits at once. When a
 * signal came, the result is a RuntimeError of kind `interrupted` naming `what`.
 */
export async function withInterrupts<T>(what: string, work: () => Promise<T>, cleanup: (afterSignal: boolean) => Promise<void>): Promise<T> {
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
    interruptAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: T;
  try {
    result = await work();
  } catch (err) {
    if (signals > 0) throw new RuntimeError(`${what} interrupted`, 'interrupted');
    throw err;
  } finally {
    resetInterrupt();
    await cleanup(signals > 0);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  // Work that turns failures into findings (inspection) finishes normally after a signal: it still stops here.
  if (signals > 0) throw new RuntimeError(`${what} interrupted`, 'interrupted');
  return result;
}

function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, 5000).unref();
}

/**
 * Run `cmd args` and resolve with its exit code and output whatever the code.
 * Rejects only when it cannot start (ENOENT: kind 'missing-docker', the caller
 * rewords it) or when the run was interrupted.
 */
export function execCapture(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  if (interrupted) return Promise.reject(new RuntimeError('interrupted', 'interrupted'));
  const max = opts.maxOutput ?? 8 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.finishOnInterrupt === true });
    } catch (err) {
      reject(new RuntimeError(`cannot run ${cmd}: ${(err as Error).message}`, 'missing-docker'));
      return;
    }
    if (!opts.finishOnInterrupt) children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const keep = (buf: string, chunk: Buffer) => {
      const next = buf + chunk.toString('utf8');
      return next.length > max ? next.slice(next.length - max) : next;
    };
    child.stdout!.on('data', (c: Buffer) => (stdout = keep(stdout, c)));
    child.stderr!.on('data', (c: Buffer) => (stderr = keep(stderr, c)));
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            stop(child);
          }, opts.timeoutMs)
        : undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      children.delete(child);
      reject(new RuntimeError(err.code === 'ENOENT' ? `${cmd}: command not found` : `cannot run ${cmd}: ${err.message}`, 'missing-docker'));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      children.delete(child);
      if (interrupted && !timedOut && signal) {
        reject(new RuntimeError('interrupted', 'interrupted'));
        return;
      }
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, timedOut });
    });
  });
}

/**
 * Tool chatter that says nothing about the project: the docker CLI's notice
 * that the legacy builder is deprecated, and compose's "Building <service>".
 */
const NOISE = /^(DEPRECATED: The legacy builder is deprecated|\s*(Install the buildx component|BuildKit is currently disabled|https:\/\/docs\.docker\.com\/go\/buildx\/)|Building \S+$)/;

/** Lines of tool output as people read them: colours stripped, blank lines and chatter dropped. */
export function logLines(text: string): string[] {
  return text
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !NOISE.test(l));
}

/** The last `n` lines of a text (as logLines reads it). */
export function tailLines(text: string, n: number): string[] {
  const lines = logLines(text);
  return lines.slice(Math.max(0, lines.length - n));
}

/** Wait, but wake early when the run is interrupted. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    if (interrupted) {
      clearTimeout(t);
      resolve();
    }
  });
}
