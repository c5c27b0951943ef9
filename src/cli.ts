// Flags -> options, output, exit codes. Nothing else lives here.
// Exit codes: 0 nothing left to do, 1 changes pending (--dry-run), 2 usage or file error.
import yargs from 'yargs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { run } from './driver.js';
import { unifiedDiff } from './report/diff.js';
import { stylish } from './report/stylish.js';
import { TRANSFORMS } from '../transforms/index.js';
import { DEFAULT_OPTIONS, type HardenOptions } from './types.js';

export class UsageError extends Error {}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  cwd: string;
}

const defaultIo = (): Io => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: !!process.stdout.isTTY && !process.env.NO_COLOR,
  cwd: process.cwd(),
});

function version(): string {
  const pkgPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json');
  return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const ids = TRANSFORMS.map((t) => t.meta.id);
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName('docker-harden')
    .usage('$0 [paths..]\n\nHarden Dockerfiles and compose files in place, or show the diff with --dry-run.')
    .option('dry-run', { type: 'boolean', default: false, describe: 'Write nothing; print a unified diff; exit 1 if anything would change' })
    .option('exclude', { type: 'string', describe: 'gitignore-style pattern relative to a path argument (repeatable)' })
    .option('transform', { type: 'string', describe: 'Run only this transform (repeatable)' })
    .option('skip', { type: 'string', describe: 'Do not run this transform (repeatable)' })
    .option('list-transforms', { type: 'boolean', default: false, describe: 'List transforms with their CIS control and exit' })
    .option('uid', { type: 'number', default: DEFAULT_OPTIONS.uid, describe: 'UID of the user created in images' })
    .option('gid', { type: 'number', describe: 'GID of that user (default: the UID)' })
    .option('user-name', { type: 'string', default: DEFAULT_OPTIONS.userName, describe: 'Name of the user created in images' })
    .option('tmpfs-size', { type: 'string', default: DEFAULT_OPTIONS.tmpfsSize, describe: 'Size of tmpfs mounts added for read-only services' })
    .option('chown-workdir', { type: 'boolean', default: false, describe: 'Also give the app user ownership of WORKDIR (default: code stays root-owned)' })
    .option('color', { type: 'boolean', describe: 'Force colored output on or off (default: on for a TTY)' })
    .strictOptions()
    .version(version())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      usageError = msg || err?.message || 'invalid arguments';
    });

  let args;
  let helpOrVersion = false;
  try {
    args = await parser.parseAsync(argv, {}, (err, _parsed, output) => {
      if (output && !err) {
        helpOrVersion = true;
        io.stdout(output + '\n');
      }
    });
  } catch (err) {
    usageError ??= (err as Error).message;
  }
  if (usageError) {
    io.stderr(`docker-harden: ${usageError}\nRun 'docker-harden --help' for usage.\n`);
    return 2;
  }
  if (helpOrVersion || !args) return 0;

  if (args['list-transforms']) {
    for (const t of TRANSFORMS) io.stdout(`${t.meta.id.padEnd(30)} CIS ${t.meta.cis.padEnd(6)} ${t.meta.description}\n`);
    return 0;
  }

  try {
    const harden = hardenOptions(args);
    const selected = selectTransforms(ids, list(args.transform), list(args.skip));
    const color = args.color ?? io.isTTY;
    const result = await run({
      paths: (args._ as (string | number)[]).map(String),
      cwd: io.cwd,
      dryRun: args['dry-run'],
      exclude: list(args.exclude),
      transforms: TRANSFORMS.filter((t) => selected.includes(t.meta.id)),
      options: harden,
    });
    const report = stylish(result, { cwd: io.cwd, color });
    if (args['dry-run']) {
      io.stdout(unifiedDiff(result.changes, color));
      io.stderr(report);
    } else {
      io.stdout(report);
    }
    if (result.errors.length) return 2;
    return args['dry-run'] && result.changes.length ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`docker-harden: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function hardenOptions(args: { uid: number; gid?: number; 'user-name': string; 'tmpfs-size': string; 'chown-workdir': boolean }): HardenOptions {
  const uid = args.uid;
  const gid = args.gid ?? uid;
  for (const [name, v] of [['--uid', uid], ['--gid', gid]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 2147483647) throw new UsageError(`${name} must be a whole number from 1 to 2147483647 (0 is root), got ${v}`);
  }
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(args['user-name'])) {
    throw new UsageError(`--user-name must be a valid POSIX user name (lower-case letters, digits, _ and -, at most 32), got '${args['user-name']}'`);
  }
  if (!/^\d+[kmg]?$/i.test(args['tmpfs-size'])) throw new UsageError(`--tmpfs-size must look like 64m, 1g or 65536, got '${args['tmpfs-size']}'`);
  return { uid, gid, userName: args['user-name'], tmpfsSize: args['tmpfs-size'], chownWorkdir: args['chown-workdir'] };
}

/**
 * Repeatable flags: yargs gives a string once and an array when repeated. (Its
 * `array: true` would swallow the path arguments that follow the flag.)
 */
function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function selectTransforms(ids: string[], only: string[], skip: string[]): string[] {
  for (const id of [...only, ...skip]) {
    if (!ids.includes(id)) throw new UsageError(`unknown transform '${id}'; known: ${ids.join(', ')}`);
  }
  return ids.filter((id) => (only.length === 0 || only.includes(id)) && !skip.includes(id));
}
