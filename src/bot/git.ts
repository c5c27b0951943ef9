// The git the bot needs, through the git CLI: where the repository is, whether
// it is clean, a commit of the hardened files on top of HEAD made in a
// temporary index (the user's index, HEAD and branch are never touched), what
// the remote branch holds, and pushes guarded by --force-with-lease.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class BotError extends Error {}

export interface Identity {
  name: string;
  email: string;
}

export class Git {
  constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  run(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}): string {
    try {
      return execFileSync('git', args, {
        cwd: this.dir,
        encoding: 'utf8',
        input: opts.input,
        env: { ...this.env, ...opts.env, GIT_TERMINAL_PROMPT: '0' },
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      if (opts.allowFail) return '';
      const e = err as { stderr?: string; message: string };
      throw new BotError(`git ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
    }
  }

  toplevel(): string {
    return this.run(['rev-parse', '--show-toplevel']).trim();
  }

  /** The branch HEAD is on, or undefined when HEAD is detached. */
  currentBranch(): string | undefined {
    return this.run(['symbolic-ref', '--short', '-q', 'HEAD'], { allowFail: true }).trim() || undefined;
  }

  headCommit(): string {
    return this.run(['rev-parse', 'HEAD']).trim();
  }

  /** Tracked files with changes (staged or not); untracked files do not count. */
  dirtyFiles(): string[] {
    return this.run(['status', '--porcelain', '--untracked-files=no'])
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
  }

  hasRemote(remote: string): boolean {
    return this.run(['remote'], { allowFail: true }).split('\n').includes(remote);
  }

  /**
   * One commit on top of HEAD holding HEAD's tree plus `files` as they are in
   * the working tree, made in a temporary index.
   */
  commitOnHead(files: string[], message: string, author: Identity): { commit: string; tree: string } {
    const tmp = mkdtempSync(path.join(tmpdir(), 'docker-harden-index-'));
    const env = { GIT_INDEX_FILE: path.join(tmp, 'index') };
    try {
      this.run(['read-tree', 'HEAD'], { env });
      this.run(['add', '--', ...files], { env });
      const tree = this.run(['write-tree'], { env }).trim();
      const who = {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
      };
      const commit = this.run(['commit-tree', tree, '-p', 'HEAD'], { env: who, input: message }).trim();
      return { commit, tree };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** The commit a remote branch points at, or undefined when it does not exist. */
  remoteBranch(remote: string, branch: string): string | undefined {
    const out = this.run(['ls-remote', '--heads', remote, `refs/heads/${branch}`]);
    const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
    return line?.split('\t')[0];
  }

  /**
   * Fetch a remote branch's tip and read it: tree, parents and message come
   * from the commit object itself, so a shallow clone (actions/checkout's
   * default) is enough.
   */
  fetchCommit(remote: string, branch: string): { commit: string; tree: string; parents: string[]; message: string } {
    const shallow = this.run(['rev-parse', '--is-shallow-repository']).trim() === 'true';
    this.run(['fetch', '--quiet', '--no-tags', ...(shallow ? ['--depth=1'] : []), remote, `refs/heads/${branch}`]);
    const commit = this.run(['rev-parse', 'FETCH_HEAD']).trim();
    const raw = this.run(['cat-file', 'commit', commit]);
    const split = raw.indexOf('\n\n');
    const header = raw.slice(0, split < 0 ? raw.length : split).split('\n');
    return {
      commit,
      tree: header.find((l) => l.startsWith('tree '))!.slice(5),
      parents: header.filter((l) => l.startsWith('parent ')).map((l) => l.slice(7)),
      message: split < 0 ? '' : raw.slice(split + 2),
    };
  }

  /** Point the remote branch at `commit`, only if it still is at `expected` (undefined: only if it does not exist). */
  pushBranch(remote: string, commit: string, branch: string, expected: string | undefined): void {
    this.run(['push', '--quiet', `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`, remote, `${commit}:refs/heads/${branch}`]);
  }

  deleteBranch(remote: string, branch: string, expected: string): void {
    this.run(['push', '--quiet', `--force-with-lease=refs/heads/${branch}:${expected}`, remote, `:refs/heads/${branch}`]);
  }
}
