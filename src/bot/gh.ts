// Pull requests through the GitHub CLI (`gh`), which GitHub-hosted runners
// carry and which takes its token from GH_TOKEN: list the pull requests of the
// bot's branch, create, edit, close with a comment. gh finds the repository
// from the checkout's remote unless `repo` names it.
import { execFileSync } from 'node:child_process';
import { BotError } from './git.js';

export interface PullRequest {
  number: number;
  url: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  title: string;
  body: string;
}

export class GitHub {
  constructor(
    private readonly dir: string,
    private readonly repo: string | undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private gh(args: string[]): string {
    const full = [...args, ...(this.repo ? ['--repo', this.repo] : [])];
    try {
      return execFileSync('gh', full, {
        cwd: this.dir,
        encoding: 'utf8',
        env: { ...this.env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { code?: string; stderr?: string; message: string };
      if (e.code === 'ENOENT') throw new BotError('the GitHub CLI (gh) is not on PATH: GitHub-hosted runners have it; elsewhere install it (https://cli.github.com)');
      throw new BotError(`gh ${args.slice(0, 2).join(' ')} failed: ${(e.stderr || e.message).trim()}`);
    }
  }

  /** Pull requests from `branch` in any state, newest first. */
  list(branch: string): PullRequest[] {
    const out = this.gh(['pr', 'list', '--head', branch, '--state', 'all', '--limit', '100', '--json', 'number,url,state,title,body']);
    const prs = JSON.parse(out || '[]') as PullRequest[];
    return prs.sort((a, b) => b.number - a.number);
  }

  create(p: { base: string; head: string; title: string; bodyFile: string; labels: string[] }): { number?: number; url: string } {
    const out = this.gh(['pr', 'create', '--base', p.base, '--head', p.head, '--title', p.title, '--body-file', p.bodyFile, ...p.labels.flatMap((l) => ['--label', l])]);
    const url = out.trim().split('\n').reverse().find((l) => /\/pull\/\d+/.test(l))?.trim() ?? out.trim();
    const number = /\/pull\/(\d+)/.exec(url)?.[1];
    return { url, number: number ? Number(number) : undefined };
  }

  edit(number: number, p: { title: string; bodyFile: string; labels: string[] }): void {
    this.gh(['pr', 'edit', String(number), '--title', p.title, '--body-file', p.bodyFile, ...p.labels.flatMap((l) => ['--add-label', l])]);
  }

  close(number: number, comment: string): void {
    this.gh(['pr', 'close', String(number), '--comment', comment]);
  }
}
