// `docker-harden pr`: keep one fix pull request per repository, the way
// Renovate and Dependabot keep theirs.
//   - Changes: one commit on top of the base branch's HEAD, on a stable branch
//     (`docker-harden/harden`), force-pushed with a lease only when its tree or
//     base differs from what the branch holds, so a run that finds the same
//     changes pushes nothing; then one pull request opened, or edited in place.
//   - Nothing to change: no branch and no pull request; an open one from an
//     earlier run is closed with a comment and its branch deleted.
//   - A branch someone else pushed to is left alone; a pull request closed
//     unmerged is not opened again for the same changes.
// Everything but the calls to `gh` is plain git, testable against a local remote.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunResult } from '../driver.js';
import type { ReportContext } from '../report/stylish.js';
import { obsoleteBody, parseMarker, prBody } from './body.js';
import { GitHub, type PullRequest } from './gh.js';
import { BotError, Git, type Identity } from './git.js';
import { commitMessage, fingerprint, isBotMessage } from './message.js';

export const DEFAULT_BRANCH = 'docker-harden/harden';
export const DEFAULT_AUTHOR = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>';

export interface BotOptions {
  branch: string;
  /** Branch the pull request goes into (default: the branch HEAD is on). */
  base?: string;
  remote: string;
  /** Where to write the pull-request body (default: a temporary file, removed afterwards). */
  bodyFile?: string;
  labels: string[];
  author: Identity;
  /** `owner/name` for gh (default: gh finds it from the remote). */
  repo?: string;
}

export type Operation =
  /** A pull request was opened. */
  | 'created'
  /** The branch was pushed again or the pull request's title or body edited. */
  | 'updated'
  /** The branch and the pull request already said exactly this. */
  | 'unchanged'
  /** Nothing left to change: the open pull request was closed. */
  | 'closed'
  /** Nothing to change and nothing to close. */
  | 'none'
  /** A pull request with the same changes was closed without merging: not opened again. */
  | 'declined'
  /** The branch holds commits the bot did not make: left alone. */
  | 'branch-edited';

export interface Outcome {
  operation: Operation;
  branch: string;
  base: string;
  number?: number;
  url?: string;
  /** The commit the branch points at after the run (when it has one). */
  commit?: string;
  pushed: boolean;
  subject?: string;
  messages: string[];
}

export interface Preflight {
  git: Git;
  base: string;
  head: string;
}

export function parseIdentity(s: string): Identity {
  const m = /^\s*(.+?)\s*<([^<>\s]+)>\s*$/.exec(s);
  if (!m) throw new BotError(`--author must look like "Name <email>", got '${s}'`);
  return { name: m[1], email: m[2] };
}

/** Checks before anything is written: a git checkout, clean, on a known base, with the remote. */
export function preflight(cwd: string, opts: BotOptions, env: NodeJS.ProcessEnv = process.env): Preflight {
  const git = new Git(cwd, env);
  const top = git.run(['rev-parse', '--show-toplevel'], { allowFail: true }).trim();
  if (!top) throw new BotError(`${cwd} is not inside a git checkout`);
  const repoGit = new Git(top, env);
  const dirty = repoGit.dirtyFiles();
  if (dirty.length) {
    throw new BotError(`the checkout has uncommitted changes (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', ...' : ''}); the bot commits only its own changes, so it starts from a clean checkout`);
  }
  const base = opts.base || repoGit.currentBranch();
  if (!base) throw new BotError('HEAD is detached: name the base branch with --base');
  if (base === opts.branch) throw new BotError(`the base branch and the bot's branch are both '${base}'`);
  if (!repoGit.hasRemote(opts.remote)) throw new BotError(`no git remote named '${opts.remote}'`);
  return { git: repoGit, base, head: repoGit.headCommit() };
}

export function openOrUpdate(
  pre: Preflight,
  result: RunResult,
  ctx: ReportContext,
  opts: BotOptions,
  env: NodeJS.ProcessEnv = process.env,
): Outcome {
  const { git, base, head } = pre;
  const gh = new GitHub(git.dir, opts.repo, env);
  const out: Outcome = { operation: 'none', branch: opts.branch, base, pushed: false, messages: [] };
  const say = (s: string) => out.messages.push(s);
  const ours = (prs: PullRequest[]) => prs.filter((p) => parseMarker(p.body)?.branch === opts.branch);
  // Relative to the top of the checkout, both sides resolved (a temp folder may sit behind a symlink).
  const written = result.written.map((f) => path.relative(realpathSync(git.dir), realpathSync(f)).split(path.sep).join('/'));

  if (written.length === 0) {
    if (result.errors.length) {
      say('nothing was written and some files could not be handled: the pull request and branch are left as they are');
      return out;
    }
    for (const pr of ours(gh.list(opts.branch)).filter((p) => p.state === 'OPEN')) {
      const marker = parseMarker(pr.body)!;
      withBodyFile(undefined, obsoleteBody(pr.body, marker, base, head), (file) => gh.edit(pr.number, { title: pr.title, bodyFile: file, labels: [] }));
      gh.close(pr.number, `docker-harden finds nothing left to change on \`${base}\` (at ${head.slice(0, 12)}): closing this pull request and deleting its branch.`);
      out.operation = 'closed';
      out.number = pr.number;
      out.url = pr.url;
      say(`closed #${pr.number} (${pr.url}): nothing left to change`);
    }
    const remote = git.remoteBranch(opts.remote, opts.branch);
    if (remote) {
      const tip = git.fetchCommit(opts.remote, opts.branch);
      if (isBotMessage(tip.message)) {
        git.deleteBranch(opts.remote, opts.branch, remote);
        say(`deleted branch ${opts.branch}`);
      } else {
        say(`branch ${opts.branch} holds commits the bot did not make: left as it is`);
      }
    }
    if (out.operation === 'none') say('nothing to change');
    return out;
  }

  const message = commitMessage(result, ctx.transforms ?? [], ctx.version ?? '0.0.0');
  const fp = fingerprint(result);
  out.subject = message.subject;
  const made = git.commitOnHead(written, message.text, opts.author);

  const remote = git.remoteBranch(opts.remote, opts.branch);
  const tip = remote ? git.fetchCommit(opts.remote, opts.branch) : undefined;
  if (tip && !(isBotMessage(tip.message) && tip.parents.length === 1)) {
    out.operation = 'branch-edited';
    out.commit = tip.commit;
    say(`branch ${opts.branch} holds commits the bot did not make: it is left as it is, and so is its pull request. Delete the branch to let the bot start over.`);
    return out;
  }

  const prs = ours(gh.list(opts.branch));
  const open = prs.find((p) => p.state === 'OPEN');
  const declined = prs.find((p) => p.state === 'CLOSED' && parseMarker(p.body)?.fingerprint === fp && parseMarker(p.body)?.state !== 'obsolete');
  if (!open && declined) {
    out.operation = 'declined';
    out.number = declined.number;
    out.url = declined.url;
    say(`#${declined.number} (${declined.url}) proposed these same changes and was closed without merging: not opened again. Reopen it to have the bot keep it up to date, or add the suppression comments it lists.`);
    return out;
  }

  const same = tip !== undefined && tip.tree === made.tree && tip.parents[0] === head;
  if (!same) {
    git.pushBranch(opts.remote, made.commit, opts.branch, remote);
    out.pushed = true;
    say(`pushed ${opts.branch} (${made.commit.slice(0, 12)}): ${message.subject}`);
  }
  out.commit = same ? tip!.commit : made.commit;

  const body = prBody({ result, ctx, base, branch: opts.branch, fingerprint: fp });
  return withBodyFile(opts.bodyFile, body, (bodyFile) => {
    if (open) {
      out.number = open.number;
      out.url = open.url;
      if (open.title !== message.subject || normalise(open.body) !== normalise(body)) {
        gh.edit(open.number, { title: message.subject, bodyFile, labels: opts.labels });
        out.operation = 'updated';
        say(`updated #${open.number} (${open.url})`);
      } else {
        out.operation = out.pushed ? 'updated' : 'unchanged';
        say(out.pushed ? `#${open.number} (${open.url}) follows the new branch` : `#${open.number} (${open.url}) is up to date`);
      }
      return out;
    }
    const made = gh.create({ base, head: opts.branch, title: message.subject, bodyFile, labels: opts.labels });
    out.operation = 'created';
    out.number = made.number;
    out.url = made.url;
    say(`opened ${made.url}`);
    return out;
  });
}

/** GitHub keeps bodies with CRLF and without trailing blank lines; compare what a reader sees. */
function normalise(body: string): string {
  return body.replace(/\r\n/g, '\n').trimEnd();
}

function withBodyFile<T>(bodyFile: string | undefined, text: string, use: (file: string) => T): T {
  if (bodyFile) {
    mkdirSync(path.dirname(path.resolve(bodyFile)), { recursive: true });
    writeFileSync(bodyFile, text);
    return use(bodyFile);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'docker-harden-pr-'));
  try {
    const file = path.join(dir, 'body.md');
    writeFileSync(file, text);
    return use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
