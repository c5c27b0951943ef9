// The command line read without yargs (plainArgs) must mean what yargs reads:
// every command line it accepts gives the same flags as yargs, and every form
// it is not sure of is left to yargs.
import { describe, it, expect } from 'vitest';
import { main, parseWithYargs, plainArgs, type CliArgs } from '../src/cli.js';

const KEYS: (keyof CliArgs)[] = [
  '_', 'dry-run', 'exclude', 'transform', 'skip', 'list-transforms', 'explain', 'uid', 'gid', 'user-name', 'tmpfs-size', 'chown-workdir',
  'user-ref', 'entrypoint-drop', 'format', 'output', 'patch', 'config', 'color', 'verify', 'verify-timeout', 'verify-settle',
  'inspect-images', 'pull', 'cache', 'keep',
];

const silent = { stdout: () => {}, stderr: () => {}, isTTY: false, cwd: '/' };

async function viaYargs(argv: string[]): Promise<Partial<CliArgs>> {
  const parsed = await parseWithYargs(argv, silent);
  if ('exit' in parsed) throw new Error(`yargs did not parse ${argv.join(' ')}: exit ${parsed.exit}`);
  return Object.fromEntries(KEYS.map((k) => [k, parsed[k]]));
}

const pick = (a: CliArgs): Partial<CliArgs> => Object.fromEntries(KEYS.map((k) => [k, a[k]]));

describe('plainArgs', () => {
  const plain = [
    [],
    ['.'],
    ['--dry-run', '.'],
    ['--dry-run', 'examples/', 'other dir', './a.b/c'],
    ['.', '--dry-run'],
    ['--format', 'json', '--dry-run', '.'],
    ['--format=sarif', '--output', 'out.sarif', 'x'],
    ['--format', 'markdown', '--patch=p.diff', '--config', 'c.yml'],
    ['--exclude', 'vendor/**', '--exclude=*.bak', 'path/', '--skip', 'compose/read-only'],
    ['--transform', 'compose/cap-drop', '--transform', 'dockerfile/non-root-user', 'a', 'b'],
    ['--exclude', 'a=b', '.'],
    ['--explain', '--format', 'json'],
    ['--list-transforms'],
    ['--chown-workdir', '--color', '--user-name', 'svc', '--tmpfs-size', '64m', '.'],
    ['--verify', '--keep', '--inspect-images', '--pull', '.'],
    ['--output', 'report.json', '--format', 'json', '.'],
    ['docs.v2', 'v1.2.3', '1a', 'e5x'],
    ['--user-ref', 'name', '--entrypoint-drop=conditional', '.'],
  ];
  for (const argv of plain) {
    it(`reads ${JSON.stringify(argv)} as yargs does`, async () => {
      const ours = plainArgs(argv);
      expect(ours).toBeDefined();
      expect(pick(ours!)).toEqual(await viaYargs(argv));
    });
  }

  const toYargs = [
    ['--help'],
    ['-h'],
    ['--version'],
    ['--no-cache', '.'],
    ['--dry-run=false', '.'],
    ['--dry-run', 'false'],
    ['--dry-run', 'true', '.'],
    ['--format', 'xml'],
    ['--format', 'json', '--format', 'sarif'],
    ['--format'],
    ['--output', ''],
    ['--output=', '.'],
    ['--exclude', '-x'],
    ['--uid', '2000', '.'],
    ['--verify-timeout', '10'],
    ['--user-ref', 'nobody'],
    ['--entrypoint-drop', 'never', '.'],
    ['--dryRun', '.'],
    ['--unknown', '.'],
    ['-x'],
    ['--', '--dry-run'],
    ['010'],
    ['1e3'],
    ['0x1f'],
    ['-5'],
    ['--tmpfs-size', '65536'],
    ['--dry-run', '--dry-run'],
  ];
  for (const argv of toYargs) {
    it(`leaves ${JSON.stringify(argv)} to yargs`, () => {
      expect(plainArgs(argv)).toBeUndefined();
    });
  }

  it('is right to leave numbers to yargs: yargs changes them', async () => {
    expect((await viaYargs(['10', '.']))._).toEqual([10, '.']);
    expect((await viaYargs(['--dry-run', 'false', '.']))['dry-run']).toBe(false);
  });
});

describe('--version without yargs', () => {
  it('prints what yargs prints for --version, and exits 0 as it does', async () => {
    const capture = () => {
      const out = { stdout: '', stderr: '' };
      return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s), isTTY: false, cwd: '/' } };
    };
    const ours = capture();
    const theirs = capture();
    expect(await main(['--version'], ours.io)).toBe(0);
    expect(await parseWithYargs(['--version'], theirs.io)).toEqual({ exit: 0 });
    expect(ours.out).toEqual(theirs.out);
    expect(ours.out.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });
});
