// Which GitHub repository a checkout is, read from its Git configuration: what
// a workflow of it sees as `${{ github.repository }}` and $GITHUB_REPOSITORY.
// The GitHub template for publishing images names them
// `${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}` with IMAGE_NAME `${{ github.repository }}`,
// so without this the image a workflow builds matches no compose `image:`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface GithubRepo {
  owner: string;
  name: string;
}

const cache = new Map<string, GithubRepo | undefined>();

/** The repository `root` is a checkout of, by its `origin` remote (or its only GitHub remote); undefined when not known. */
export function githubRepoOf(root: string): GithubRepo | undefined {
  if (cache.has(root)) return cache.get(root);
  let found: GithubRepo | undefined;
  try {
    found = readRepo(root);
  } catch {
    found = undefined; // an unreadable or odd .git says nothing
  }
  cache.set(root, found);
  return found;
}

function readRepo(root: string): GithubRepo | undefined {
  const config = gitConfigPath(root);
  if (!config) return undefined;
  const remotes = remoteUrls(readFileSync(config, 'utf8'));
  const onGithub = [...remotes].flatMap(([remote, url]) => {
    const slug = githubSlug(url);
    return slug ? [{ remote, ...slug }] : [];
  });
  const pick = onGithub.find((r) => r.remote === 'origin') ?? (onGithub.length === 1 ? onGithub[0] : undefined);
  if (!pick) return undefined;
  return { owner: pick.owner, name: pick.name };
}

/** `.git/config`, or for a worktree or submodule (`.git` is a file: `gitdir: …`) the config of the repository it belongs to. */
function gitConfigPath(root: string): string | undefined {
  const dotGit = path.join(root, '.git');
  if (!existsSync(dotGit)) return undefined;
  if (statSync(dotGit).isDirectory()) {
    const config = path.join(dotGit, 'config');
    return existsSync(config) ? config : undefined;
  }
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
  if (!m) return undefined;
  const gitDir = path.resolve(root, m[1]!);
  // A linked worktree's own folder names the repository's (`commondir`), which holds the config.
  const commonFile = path.join(gitDir, 'commondir');
  const common = existsSync(commonFile) ? path.resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
  const config = path.join(common, 'config');
  return existsSync(config) ? config : undefined;
}

/** `[remote "name"]` sections and their `url`s (the first url of a remote, as git fetches from it). */
export function remoteUrls(config: string): Map<string, string> {
  const out = new Map<string, string>();
  let remote: string | undefined;
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (section) {
      remote = section[1]!.toLowerCase() === 'remote' ? section[2] : undefined;
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (remote !== undefined && kv && kv[1]!.toLowerCase() === 'url' && !out.has(remote)) out.set(remote, unquote(kv[2]!));
  }
  return out;
}

function unquote(v: string): string {
  const t = v.replace(/\s+[#;].*$/, '').trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
}

/**
 * owner/name of a GitHub remote URL: `https://github.com/o/n(.git)`,
 * `git@github.com:o/n.git`, `ssh://git@github.com/o/n`, `git://github.com/o/n`,
 * and GitHub Enterprise hosts named github.* or *.github.*.
 */
export function githubSlug(url: string): { owner: string; name: string } | undefined {
  const m =
    /^(?:[a-z+]+:\/\/)?(?:[^@/\s]+@)?([^/:\s]+)(?::\d+)?[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  if (!m) return undefined;
  const host = m[1]!.toLowerCase();
  if (!/(^|\.)github\./.test(host)) return undefined;
  return { owner: m[2]!, name: m[3]! };
}

/**
 * The `github` context a workflow of this repository sees, as `${{ … }}`
 * expressions to their values, and the runner's variables. Image names must be
 * lower case for docker, so the names a workflow can have built are these lower-cased.
 */
export function githubContext(repo: GithubRepo | undefined): { expressions: Map<string, string>; vars: Map<string, string> } {
  const expressions = new Map<string, string>();
  const vars = new Map<string, string>();
  if (!repo) return { expressions, vars };
  const slug = `${repo.owner}/${repo.name}`.toLowerCase();
  const owner = repo.owner.toLowerCase();
  const name = repo.name.toLowerCase();
  for (const [k, v] of [
    ['github.repository', slug],
    ['github.repository_owner', owner],
    ['github.event.repository.name', name],
  ] as const) expressions.set(k, v);
  vars.set('GITHUB_REPOSITORY', slug);
  vars.set('GITHUB_REPOSITORY_OWNER', owner);
  return { expressions, vars };
}

/** `${{ github.repository }}` and the like replaced where the context knows them; other expressions stay. */
export function withGithubContext(v: string, expressions: ReadonlyMap<string, string>): string {
  if (expressions.size === 0 || !v.includes('${{')) return v;
  return v.replace(/\$\{\{[ \t]*([A-Za-z_][\w.-]*)[ \t]*\}\}/g, (whole, key: string) => expressions.get(key) ?? whole);
}
